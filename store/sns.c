/*
 * sns.c - the SNS subscription messages the service received (schema 10)
 * and whether it confirmed them (schema 11): kept for the operator, so
 * that a restart does not lose them, and only the newest few, so that a
 * sender that posts them again and again cannot fill the database.
 */
#include "store_int.h"

/* Schema 10 made the table; a reader of an older database has none. */
static bool has_sns(const struct store *s)
{
	return s->version >= 10;
}

static const char sql_sns_add[] =
	"INSERT INTO sns_messages(type, topic_arn, subscribe_url, url_is_sns, received_at, state,"
	" error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/* Every message but the newest ?1: those at or below the id ?1 rows down
 * from the newest (none while there are ?1 or fewer). */
static const char sql_sns_trim[] =
	"DELETE FROM sns_messages WHERE id <= "
	"(SELECT id FROM sns_messages ORDER BY id DESC LIMIT 1 OFFSET ?1)";

enum lg_status store_sns_add(struct store *s, const struct store_sns *m, size_t keep,
			     struct lg_err *err)
{
	enum lg_status st = store_begin(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_sns_add);
	sqlite3_bind_text(q, 1, m->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, m->topic_arn, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, m->subscribe_url, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, m->url_is_sns);
	sqlite3_bind_int64(q, 5, m->received_at);
	sqlite3_bind_text(q, 6, m->state, -1, SQLITE_STATIC); /* NULL binds NULL */
	sqlite3_bind_text(q, 7, m->error, -1, SQLITE_STATIC);
	st = store_exec_step(s, q, "recording an SNS message", err);
	if (st == LG_OK) {
		q = store_stmt(s, sql_sns_trim);
		sqlite3_bind_int64(q, 1, keep ? (int64_t)keep : 1);
		st = store_exec_step(s, q, "recording an SNS message", err);
	}
	if (st == LG_OK)
		return store_commit(s, err);
	store_rollback(s);
	return st;
}

struct sns_cb {
	enum lg_status (*fn)(void *arg, const struct store_sns *m, struct lg_err *err);
	void *arg;
};

static enum lg_status sns_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct sns_cb *cb = ctx;
	struct store_sns m = {
		.id = sqlite3_column_int64(q, 0),
		.type = store_col_text(q, 1),
		.topic_arn = store_col_text(q, 2),
		.subscribe_url = store_col_text(q, 3),
		.url_is_sns = sqlite3_column_int(q, 4) != 0,
		.received_at = sqlite3_column_int64(q, 5),
	};
	if (sqlite3_column_count(q) > 7) {
		m.state = (const char *)sqlite3_column_text(q, 6);
		m.error = (const char *)sqlite3_column_text(q, 7);
	} else if (!strcmp(m.type, "subscription-confirmation")) {
		m.state = "to_confirm"; /* schema 10's, read without the upgrade: never fetched */
	}
	return cb->fn(cb->arg, &m, err);
}

static const char sql_sns_all[] = "SELECT id, type, topic_arn, subscribe_url, url_is_sns,"
				  " received_at, state, error FROM sns_messages ORDER BY id DESC";
static const char sql_sns_all_10[] = "SELECT id, type, topic_arn, subscribe_url, url_is_sns,"
				     " received_at FROM sns_messages ORDER BY id DESC";

enum lg_status store_sns_each(struct store *s,
			      enum lg_status (*fn)(void *arg, const struct store_sns *m,
						   struct lg_err *err),
			      void *arg, struct lg_err *err)
{
	struct sns_cb cb = {.fn = fn, .arg = arg};
	if (!has_sns(s))
		return LG_OK;
	return store_each_row(s, store_stmt(s, s->version >= 11 ? sql_sns_all : sql_sns_all_10),
			      "reading the SNS messages", sns_row, &cb, err);
}

static const char sql_sns_clear[] = "DELETE FROM sns_messages";

enum lg_status store_sns_clear(struct store *s, unsigned long *n, struct lg_err *err)
{
	*n = 0;
	if (!has_sns(s))
		return LG_OK;
	enum lg_status st = store_exec_step(s, store_stmt(s, sql_sns_clear),
					    "forgetting the SNS messages", err);
	if (st == LG_OK)
		*n = (unsigned long)sqlite3_changes(s->db);
	return st;
}
