/* store_int.h - private to store/: the handle, its prepared statements. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/*
 * Every statement the store runs is a `static const char sql_...[]` next
 * to the function that binds it, prepared on its first use on a
 * connection and kept: the cache is keyed by the text's address, so a
 * statement is one name and one place.  STORE_STMTS bounds how many a
 * connection may keep (a power of two, well above the ~80 there are).
 */
#define STORE_STMTS 256
/* Statements more than one file binds. */
extern const char store_sql_contact_find[];
extern const char store_sql_list_version[];

struct store {
	sqlite3 *db;
	char *path;
	bool in_tx;
	/* store_verify_row: the last contact recorded was new, so insert the
	 * next one before looking it up (records.c). */
	bool insert_first;
	int version;         /* the schema's version (a reader may open an older one) */
	uint64_t key_writes; /* keys added or revoked through this handle (keys.c) */
	struct {
		const char *sql; /* the statement's text (static); NULL: a free slot */
		sqlite3_stmt *q;
	} stmt[STORE_STMTS];
	unsigned nstmt;
	char mx[256]; /* store_domain_get's answer, until the next call */
	/* The source of the list whose verdicts are being recorded, read
	 * once (a list's source never changes). */
	struct {
		int64_t list;
		char *text; /* owned; NULL: not read yet */
	} source;
	/* The export being recorded, from store_export_begin to _finish (one
	 * transaction): its list and version, and how many contacts it sent
	 * that each never sent before, added to their counters at the end. */
	struct {
		int64_t list, run;
		unsigned long list_new, run_new;
	} export;
};

/* A reader of what schema `version` brought, on an older database (opened
 * for reading, so not migrated): LG_ECONFIG, saying how to upgrade it. */
enum lg_status store_need(struct store *s, int version, struct lg_err *err);

/* The statement, reset and unbound, ready to bind. */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* A SQLite failure as a status and message naming the database: busy and
 * locked are temporary (LG_ETEMP), the rest are I/O errors (LG_EIO). */
enum lg_status store_fail(struct store *s, const char *what, struct lg_err *err);

/* Step q to the end, calling row(q, ctx) for each row: the one row loop
 * of the store.  A status other than LG_OK from row stops it and is
 * returned; a failure of SQLite is store_fail(s, what).  q is reset. */
enum lg_status store_each_row(struct store *s, sqlite3_stmt *q, const char *what,
			      enum lg_status (*row)(sqlite3_stmt *q, void *ctx, struct lg_err *err),
			      void *ctx, struct lg_err *err);

/* Run one step of a statement that returns no row. */
enum lg_status store_exec_step(struct store *s, sqlite3_stmt *st, const char *what,
			       struct lg_err *err);

/* Keep a contact's profile (leads.c); NULL and "" fields keep what was kept. */
enum lg_status store_profile_put(struct store *s, int64_t contact_id, const struct store_profile *p,
				 int64_t now, struct lg_err *err);

/* Bind a string, NULL (SQL NULL) for NULL or "". */
void store_bind_opt(sqlite3_stmt *q, int i, const char *v);

/* store_verify_row of v[0..n), in slices that share statements (the
 * writer's). */
enum lg_status store_verify_rows(struct store *s, const struct store_run *run,
				 const struct store_verdict *v, size_t n, int64_t now,
				 struct lg_err *err);

/* Add the evidence of contact's verdict v by run (once per contact and run). */
enum lg_status store_evidence_add(struct store *s, int64_t contact, int64_t run, const char *how,
				  const struct store_verdict *v, struct lg_err *err);

/* The SMTP evidence of contact's verdict v by run (schema 12), when a
 * probe decided it: kept beside its evidence, made the contact's when v
 * is its verdict now, and a greylisted address scheduled first for the
 * next refresh (the reverify table).  Nothing without a probe. */
enum lg_status store_smtp_record(struct store *s, int64_t contact, int64_t run,
				 const struct store_verdict *v, struct lg_err *err);

/* A text column, "" for SQL NULL; borrowed until the next step. */
static inline const char *store_col_text(sqlite3_stmt *q, int i)
{
	const char *v = (const char *)sqlite3_column_text(q, i);
	return v ? v : "";
}

#endif
