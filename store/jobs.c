/*
 * jobs.c - the service's bulk jobs (schema 9): added when an upload is
 * in, updated by the server's runner as they go, listed newest first.
 * Schema 14: a job's callback_url, where its job.completed goes.
 * Every call is one short statement: the server's loop makes them.
 */
#include "store_int.h"

#include <string.h>

static const char *const state_names[STORE_JOB_STATES] = {
	"queued", "running", "done", "failed", "cancelled",
};

const char *store_job_state_name(enum store_job_state st)
{
	return (unsigned)st < STORE_JOB_STATES ? state_names[st] : "failed";
}

static enum store_job_state state_of(const char *name)
{
	for (unsigned i = 0; name && i < STORE_JOB_STATES; i++)
		if (!strcmp(name, state_names[i]))
			return (enum store_job_state)i;
	return STORE_JOB_FAILED; /* a state this version does not know */
}

#define JOB_COLS                                                                                   \
	"id, list, state, created_at, started_at, finished_at, input, input_bytes, rows_read,"     \
	" rows_done, deliverable, risky, undeliverable, unknown, no_address, error, smtp,"         \
	" callback_url"

static void job_read(sqlite3_stmt *q, struct store_job *j)
{
	*j = (struct store_job){
		.id = sqlite3_column_int64(q, 0),
		.list = (const char *)sqlite3_column_text(q, 1),
		.state = state_of((const char *)sqlite3_column_text(q, 2)),
		.created_at = sqlite3_column_int64(q, 3),
		.started_at = sqlite3_column_int64(q, 4), /* NULL reads as 0 */
		.finished_at = sqlite3_column_int64(q, 5),
		.input = (const char *)sqlite3_column_text(q, 6),
		.input_bytes = (uint64_t)sqlite3_column_int64(q, 7),
		.rows_read = (uint64_t)sqlite3_column_int64(q, 8),
		.rows_done = (uint64_t)sqlite3_column_int64(q, 9),
		.no_address = (uint64_t)sqlite3_column_int64(q, 14),
		.error = (const char *)sqlite3_column_text(q, 15),
		.smtp = sqlite3_column_int(q, 16) != 0,
		.callback_url = (const char *)sqlite3_column_text(q, 17),
	};
	for (int i = 0; i < 4; i++)
		j->by_status[i] = (uint64_t)sqlite3_column_int64(q, 10 + i);
	if (!j->input)
		j->input = "";
}

static const char sql_job_add[] =
	"INSERT INTO jobs(list, state, created_at, input, input_bytes, smtp, callback_url)"
	" VALUES (?1, 'queued', ?2, '', ?3, ?4, ?5)";
static const char sql_job_input[] = "UPDATE jobs SET input = ?2 || '/' || id || '/input'"
				    " WHERE id = ?1";

enum lg_status store_job_add(struct store *s, const struct store_job *j, const char *dir,
			     int64_t *id, struct lg_err *err)
{
	enum lg_status st = store_begin(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_job_add);
	store_bind_opt(q, 1, j->list);
	sqlite3_bind_int64(q, 2, j->created_at);
	sqlite3_bind_int64(q, 3, (int64_t)j->input_bytes);
	sqlite3_bind_int(q, 4, j->smtp);
	store_bind_opt(q, 5, j->callback_url);
	st = store_exec_step(s, q, "adding a job", err);
	if (st == LG_OK) {
		*id = sqlite3_last_insert_rowid(s->db);
		q = store_stmt(s, sql_job_input);
		sqlite3_bind_int64(q, 1, *id);
		sqlite3_bind_text(q, 2, dir, -1, SQLITE_STATIC);
		st = store_exec_step(s, q, "adding a job", err);
	}
	if (st == LG_OK)
		return store_commit(s, err);
	store_rollback(s);
	return st;
}

static const char sql_job_update[] =
	"UPDATE jobs SET state = ?2, started_at = ?3, finished_at = ?4, rows_read = ?5,"
	" rows_done = ?6, deliverable = ?7, risky = ?8, undeliverable = ?9, unknown = ?10,"
	" no_address = ?11, error = ?12 WHERE id = ?1";

static void bind_time(sqlite3_stmt *q, int i, int64_t t)
{
	if (t)
		sqlite3_bind_int64(q, i, t);
	else
		sqlite3_bind_null(q, i);
}

enum lg_status store_job_update(struct store *s, const struct store_job *j, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_job_update);
	sqlite3_bind_int64(q, 1, j->id);
	sqlite3_bind_text(q, 2, store_job_state_name(j->state), -1, SQLITE_STATIC);
	bind_time(q, 3, j->started_at);
	bind_time(q, 4, j->finished_at);
	sqlite3_bind_int64(q, 5, (int64_t)j->rows_read);
	sqlite3_bind_int64(q, 6, (int64_t)j->rows_done);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_int64(q, 7 + i, (int64_t)j->by_status[i]);
	sqlite3_bind_int64(q, 11, (int64_t)j->no_address);
	store_bind_opt(q, 12, j->error);
	return store_exec_step(s, q, "updating a job", err);
}

static const char sql_job_delete[] = "DELETE FROM jobs WHERE id = ?1";

enum lg_status store_job_delete(struct store *s, int64_t id, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_job_delete);
	sqlite3_bind_int64(q, 1, id);
	return store_exec_step(s, q, "removing a job", err);
}

struct job_cb {
	enum lg_status (*fn)(void *arg, const struct store_job *j, struct lg_err *err);
	void *arg;
};

static enum lg_status job_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct job_cb *cb = ctx;
	struct store_job j;
	job_read(q, &j);
	return cb->fn(cb->arg, &j, err);
}

static const char sql_job_get[] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?1";

enum lg_status store_job_get(struct store *s, int64_t id,
			     enum lg_status (*fn)(void *arg, const struct store_job *j,
						  struct lg_err *err),
			     void *arg, struct lg_err *err)
{
	struct job_cb cb = {.fn = fn, .arg = arg};
	sqlite3_stmt *q = store_stmt(s, sql_job_get);
	sqlite3_bind_int64(q, 1, id);
	return store_each_row(s, q, "reading a job", job_row, &cb, err);
}

static const char sql_jobs_page[] = "SELECT " JOB_COLS
				    " FROM jobs WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2";
static const char sql_jobs_state[] = "SELECT " JOB_COLS
				     " FROM jobs WHERE state = ?3 ORDER BY id LIMIT ?2";

enum lg_status store_jobs_each(struct store *s, int64_t before, size_t limit, int only_state,
			       enum lg_status (*fn)(void *arg, const struct store_job *j,
						    struct lg_err *err),
			       void *arg, struct lg_err *err)
{
	struct job_cb cb = {.fn = fn, .arg = arg};
	sqlite3_stmt *q = store_stmt(s, only_state >= 0 ? sql_jobs_state : sql_jobs_page);
	if (only_state < 0)
		sqlite3_bind_int64(q, 1, before);
	sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1);
	if (only_state >= 0)
		sqlite3_bind_text(q, 3, store_job_state_name((enum store_job_state)only_state), -1,
				  SQLITE_STATIC);
	return store_each_row(s, q, "reading the jobs", job_row, &cb, err);
}

static const char sql_jobs_requeue[] = "UPDATE jobs SET state = 'queued' WHERE state = 'running'";

enum lg_status store_jobs_requeue(struct store *s, struct lg_err *err)
{
	return store_exec_step(s, store_stmt(s, sql_jobs_requeue), "taking up the jobs", err);
}
