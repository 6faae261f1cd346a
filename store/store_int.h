/* store_int.h - private to store/: the handle, its prepared statements. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/* Every statement the store runs, prepared once on first use. */
enum stmt_id {
	Q_CONTACT_FIND,
	Q_CONTACT_INSERT,
	Q_CONTACT_UPDATE,
	Q_LIST_SOURCE,
	Q_EVIDENCE_ADD,
	Q_MEMBER_ADD,
	Q_MEMBER_ROW_ADD,
	Q_RUN_HEADER,
	Q_RUN_HEADER_GET,
	Q_LIST_FIND,
	Q_LIST_ADD,
	Q_RUN_ADD,
	Q_RUN_FIND_OPEN,
	Q_RUN_DROP_OPEN,
	Q_RUN_DROP_OPEN_ROWS,
	Q_RUN_ABANDON,
	Q_RUN_DONE,
	Q_RUN_COUNT,
	Q_LIST_SET_CURRENT,
	Q_SUPPRESSED_ALL,
	Q_DOMAIN_GET,
	Q_DOMAIN_PUT,
	Q_BOUNCE_ADD,
	Q_CONTACT_BY_ADDRESS,
	Q_SUPPRESS_ADD,
	Q_SUPPRESS_HARD,
	Q_CONTACT_SUPPRESS,
	Q_CONTACT_HARD,
	Q_EVIDENCE_BOUNCE,
	Q_SENT_BOUNCED,
	Q_LIST_BOUNCED_ADD,
	Q_VSENT_BOUNCED,
	Q_RUN_BOUNCED_ADD,
	Q_LIST_GET,
	Q_LIST_WINDOWS,
	Q_LIST_WINDOWS_OLD,
	Q_EXPORT_ADD,
	Q_SENT_ADD,
	Q_LIST_EXPORTED_ADD,
	Q_VSENT_ADD,
	Q_RUN_EXPORTED_ADD,
	Q_EXPORT_DONE,
	Q_REFRESH_OPEN,
	Q_PLAN_ALL,
	Q_PLAN_LIST,
	Q_PLAN_EACH,
	Q_CONTACT_GET,
	Q_CONTACT_SET,
	Q_PLAN_DONE,
	Q_PLAN_COUNTS,
	Q_LIST_VERSION,
	Q_REVERIFY_DONE,
	Q_REVERIFY_KEPT,
	Q_PROFILE_PUT,
	Q_EVENT_ADD,
	Q_EVENTS_ADDR,
	Q_EVENTS_ADDR_ONE,
	Q_EVENTS_ACCT,
	Q_EVENTS_ACCT_ONE,
	Q_LEADS_ONE,
	Q_QEVIDENCE_ADD,
	Q_QEVIDENCE_EACH,
	Q_STAGE_SET,
	Q_MOVE_ADD,
	Q_MOVES_ONE,
	Q_MOVES_ALL,
	Q_REVERIFY_ADD,
	Q_FUNNEL,
	Q_STAGE_GET,
	Q_LEADS_ONE_OLD, /* Q_LEADS_*_OLD: of a database before schema 5 (no account) */
	/* every lead read at once (leads.c): their order, their rows in
	 * storage order, their events in storage order */
	Q_LEADS_ORDER_ALL,
	Q_LEADS_ORDER_LIST,
	Q_LEADS_ROWS_ALL,
	Q_LEADS_ROWS_LIST,
	Q_LEADS_ROWS_ALL_OLD,
	Q_LEADS_ROWS_LIST_OLD,
	Q_LEADS_EVENTS,
	Q_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	bool in_tx;
	/* store_verify_row: the last contact recorded was new, so insert the
	 * next one before looking it up (records.c). */
	bool insert_first;
	int version; /* the schema's version (a reader may open an older one) */
	sqlite3_stmt *q[Q_COUNT];
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
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id);

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

/* Add the evidence of contact's verdict v by run (once per contact and run). */
enum lg_status store_evidence_add(struct store *s, int64_t contact, int64_t run, const char *how,
				  const struct store_verdict *v, struct lg_err *err);

#endif
