/* store_int.h - private to store/: the handle, its prepared statements. */
#ifndef LG_STORE_INT_H
#define LG_STORE_INT_H

#include "store.h"

#include <sqlite3.h>

/* Every statement the store runs, prepared once on first use. */
enum stmt_id {
	Q_CONTACT_UPSERT,
	Q_EVIDENCE_ADD,
	Q_MEMBER_ADD,
	Q_LIST_FIND,
	Q_LIST_ADD,
	Q_RUN_ADD,
	Q_RUN_FIND_OPEN,
	Q_RUN_DROP_OPEN,
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
	Q_LIST_GET,
	Q_LIST_ALL,
	Q_MEMBERS,
	Q_MEMBERS_ADDR,
	Q_EXPORT_ADD,
	Q_SENT_ADD,
	Q_LIST_EXPORTED_ADD,
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
	Q_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	bool in_tx;
	sqlite3_stmt *q[Q_COUNT];
	char mx[256];           /* store_domain_get's answer, until the next call */
};

/* The statement, reset and unbound, ready to bind. */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id);

/* A SQLite failure as a status and message naming the database: busy and
 * locked are temporary (LG_ETEMP), the rest are I/O errors (LG_EIO). */
enum lg_status store_fail(struct store *s, const char *what, struct lg_err *err);

/* Run one step of a statement that returns no row. */
enum lg_status store_exec_step(struct store *s, sqlite3_stmt *st, const char *what,
			       struct lg_err *err);

/* Add the evidence of contact's verdict v by run (once per contact and run). */
enum lg_status store_evidence_add(struct store *s, int64_t contact, int64_t run, const char *how,
				  const struct store_verdict *v, struct lg_err *err);

#endif
