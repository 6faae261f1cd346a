/*
 * handoff.c - the handoff's tables (schema 13): the leads handed to reps
 * and (schema 14) each one's steps, the outbox of messages to send, each
 * team's rotation state and the endpoints that answered 410.
 *
 * A handoff row says where the lead is now: an escalation hands it on.
 * Its steps keep who had it before: every function here that changes the
 * row writes its step too, in the caller's transaction (step_begin,
 * step_end), so that the SLA's figures per rep are exact.
 *
 * The outbox is what makes delivery survive a crash: a message is written
 * in the same transaction as the stage move that called for it, and
 * marked delivered only after its 2xx.  A sender killed in mid-attempt
 * leaves it pending, and the next run sends it again under the same id.
 */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

static bool has_handoff(const struct store *s)
{
	return s->version >= 13;
}

/* A handoff's steps (schema 14). */
static bool has_steps(const struct store *s)
{
	return s->version >= 14;
}

static enum lg_status need_handoff(struct store *s, struct lg_err *err)
{
	return has_handoff(s) ? LG_OK : store_need(s, 13, err);
}

/* ---- handoffs ---- */

static enum lg_status step_begin(struct store *s, int64_t id, const char *rep, int64_t at,
				 int64_t deadline, struct lg_err *err);
static enum lg_status step_end(struct store *s, int64_t id, int64_t contact_id, int64_t at,
			       const char *outcome, struct lg_err *err);

static const char sql_contact_address[] = "SELECT address FROM contacts WHERE id = ?1";

enum lg_status store_contact_address(struct store *s, int64_t id, char *buf, size_t n,
				     struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_contact_address);
	enum lg_status st = LG_OK;
	buf[0] = '\0';
	sqlite3_bind_int64(q, 1, id);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(buf, n, "%s", store_col_text(q, 0));
	else if (rc != SQLITE_DONE)
		st = store_fail(s, "reading a contact's address", err);
	sqlite3_reset(q);
	return st;
}

static const char sql_handoff_add[] =
	"INSERT INTO handoffs(contact_id, account, team, rep, stage, handed_at, deadline, state)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

enum lg_status store_handoff_add(struct store *s, struct store_handoff *h, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_add);
	sqlite3_bind_int64(q, 1, h->contact_id);
	store_bind_opt(q, 2, h->account);
	sqlite3_bind_text(q, 3, h->team, -1, SQLITE_STATIC);
	store_bind_opt(q, 4, h->rep);
	sqlite3_bind_text(q, 5, scoring_stage_name(h->stage), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, h->handed_at);
	if (h->deadline)
		sqlite3_bind_int64(q, 7, h->deadline);
	sqlite3_bind_text(q, 8, h->state, -1, SQLITE_STATIC);
	if ((st = store_exec_step(s, q, "recording a handoff", err)) == LG_OK)
		h->id = sqlite3_last_insert_rowid(s->db);
	if (st == LG_OK && h->rep)
		st = step_begin(s, h->id, h->rep, h->handed_at, h->deadline, err);
	return st;
}

static const char sql_handoff_open[] =
	"SELECT 1 FROM handoffs WHERE contact_id = ?1 AND state IN ('open', 'unassigned') LIMIT 1";

enum lg_status store_handoff_open(struct store *s, int64_t contact_id, bool *open,
				  struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	*open = false;
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_open);
	sqlite3_bind_int64(q, 1, contact_id);
	int rc = sqlite3_step(q);
	*open = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(s, "reading a contact's handoffs", err);
	sqlite3_reset(q);
	return st;
}

static const char sql_handoff_owner[] =
	"SELECT rep FROM handoffs WHERE account = ?1 AND rep IS NOT NULL"
	" ORDER BY handed_at DESC, id DESC LIMIT 1";

enum lg_status store_handoff_owner(struct store *s, const char *account, char *rep, size_t n,
				   struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	rep[0] = '\0';
	if (st != LG_OK || !account || !*account)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_owner);
	sqlite3_bind_text(q, 1, account, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		snprintf(rep, n, "%s", store_col_text(q, 0));
	else if (rc != SQLITE_DONE)
		st = store_fail(s, "reading an account's owner", err);
	sqlite3_reset(q);
	return st;
}

/* A rep's assignments since: every step handed to them, kept or
 * escalated away since (they were handed it all the same); schema 13
 * has only each handoff's latest rep. */
static const char sql_handoff_count[] =
	"SELECT count(*) FROM handoff_steps WHERE rep = ?1 AND assigned_at >= ?2";
static const char sql_handoff_count_v13[] =
	"SELECT count(*) FROM handoffs WHERE rep = ?1 AND handed_at >= ?2";

enum lg_status store_handoff_count(struct store *s, const char *rep, int64_t since, unsigned *n,
				   struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	*n = 0;
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, has_steps(s) ? sql_handoff_count : sql_handoff_count_v13);
	sqlite3_bind_text(q, 1, rep, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, since);
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = (unsigned)sqlite3_column_int64(q, 0);
	else
		st = store_fail(s, "counting a rep's handoffs", err);
	sqlite3_reset(q);
	return st;
}

struct handoff_cb {
	enum lg_status (*fn)(void *arg, const struct store_handoff *h, struct lg_err *err);
	void *arg;
};

/* The columns handoff_row reads, from the handoff joined to its contact. */
#define HANDOFF_SELECT                                                                             \
	"SELECT h.id, h.contact_id, c.address, h.account, h.team, h.rep, h.stage, h.handed_at,"    \
	" h.deadline, h.escalations, h.state, h.accepted_by, h.accepted_at"                        \
	" FROM handoffs h JOIN contacts c ON c.id = h.contact_id"

static enum lg_status handoff_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct handoff_cb *cb = ctx;
	struct store_handoff h = {
		.id = sqlite3_column_int64(q, 0),
		.contact_id = sqlite3_column_int64(q, 1),
		.address = store_col_text(q, 2),
		.account = sqlite3_column_type(q, 3) == SQLITE_NULL ? NULL : store_col_text(q, 3),
		.team = store_col_text(q, 4),
		.rep = sqlite3_column_type(q, 5) == SQLITE_NULL ? NULL : store_col_text(q, 5),
		.handed_at = sqlite3_column_int64(q, 7),
		.deadline = sqlite3_column_int64(q, 8),
		.escalations = (unsigned)sqlite3_column_int64(q, 9),
		.state = store_col_text(q, 10),
		.accepted_by = sqlite3_column_type(q, 11) == SQLITE_NULL ? NULL
									 : store_col_text(q, 11),
		.accepted_at = sqlite3_column_int64(q, 12),
	};
	const char *stage = store_col_text(q, 6);
	if (!scoring_stage_parse(stage, strlen(stage), &h.stage))
		return LG_OK; /* only handoff_add writes the stage */
	return cb->fn(cb->arg, &h, err);
}

static const char sql_handoffs_due[] = HANDOFF_SELECT
	" WHERE h.state = 'open' AND h.deadline <= ?1 ORDER BY h.deadline, h.id";

enum lg_status store_handoffs_due(struct store *s, int64_t now,
				  enum lg_status (*fn)(void *arg, const struct store_handoff *h,
						       struct lg_err *err),
				  void *arg, struct lg_err *err)
{
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_handoffs_due);
	sqlite3_bind_int64(q, 1, now);
	struct handoff_cb cb = {fn, arg};
	return store_each_row(s, q, "reading the handoffs due", handoff_row, &cb, err);
}

static const char sql_handoffs_unassigned[] = HANDOFF_SELECT
	" WHERE h.state = 'unassigned' ORDER BY h.handed_at, h.id";

enum lg_status store_handoffs_unassigned(struct store *s,
					 enum lg_status (*fn)(void *arg,
							      const struct store_handoff *h,
							      struct lg_err *err),
					 void *arg, struct lg_err *err)
{
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_handoffs_unassigned);
	struct handoff_cb cb = {fn, arg};
	return store_each_row(s, q, "reading the handoffs with nobody", handoff_row, &cb, err);
}

static const char sql_handoff_assign[] =
	"UPDATE handoffs SET rep = ?2, handed_at = ?3, deadline = ?4, state = 'open'"
	" WHERE id = ?1 AND state = 'unassigned'";

enum lg_status store_handoff_assign(struct store *s, int64_t id, const char *rep, int64_t at,
				    int64_t deadline, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_assign);
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, rep, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, at);
	sqlite3_bind_int64(q, 4, deadline);
	if ((st = store_exec_step(s, q, "assigning a handoff", err)) != LG_OK ||
	    sqlite3_changes(s->db) == 0)
		return st;
	return step_begin(s, id, rep, at, deadline, err);
}

static const char sql_handoff_escalate[] =
	"UPDATE handoffs SET rep = ?2, handed_at = ?3, deadline = ?4,"
	" escalations = escalations + 1, state = ?5 WHERE id = ?1";

enum lg_status store_handoff_escalate(struct store *s, int64_t id, const char *rep, int64_t at,
				      int64_t deadline, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st == LG_OK)
		st = step_end(s, id, 0, at, "escalated", err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_escalate);
	sqlite3_bind_int64(q, 1, id);
	store_bind_opt(q, 2, rep);
	sqlite3_bind_int64(q, 3, at);
	if (rep)
		sqlite3_bind_int64(q, 4, deadline);
	sqlite3_bind_text(q, 5, rep ? "open" : "unassigned", -1, SQLITE_STATIC);
	if ((st = store_exec_step(s, q, "escalating a handoff", err)) != LG_OK || !rep)
		return st;
	return step_begin(s, id, rep, at, deadline, err);
}

static const char sql_handoff_accept[] =
	"UPDATE handoffs SET accepted_at = ?2, accepted_by = ?3, state = 'accepted'"
	" WHERE contact_id = ?1 AND state IN ('open', 'unassigned')";

enum lg_status store_handoff_accept(struct store *s, int64_t contact_id, const char *by, int64_t at,
				    bool *found, struct lg_err *err)
{
	*found = false;
	if (!has_handoff(s))
		return LG_OK; /* none was ever handed off */
	/* the step first: the handoff is found by its state, which the
	 * accept changes */
	enum lg_status st = step_end(s, 0, contact_id, at, "accepted", err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_handoff_accept);
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_text(q, 3, by, -1, SQLITE_STATIC);
	st = store_exec_step(s, q, "accepting a handoff", err);
	*found = st == LG_OK && sqlite3_changes(s->db) > 0;
	return st;
}

static const char sql_handoff_get[] = HANDOFF_SELECT " WHERE h.id = ?1";

struct handoff_get_cb {
	struct handoff_cb cb;
	bool *found;
};

static enum lg_status handoff_get_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct handoff_get_cb *g = ctx;
	*g->found = true;
	return handoff_row(q, &g->cb, err);
}

enum lg_status store_handoff_get(struct store *s, int64_t id,
				 enum lg_status (*fn)(void *arg, const struct store_handoff *h,
						      struct lg_err *err),
				 void *arg, bool *found, struct lg_err *err)
{
	*found = false;
	if (!has_handoff(s))
		return LG_OK; /* none was ever handed off */
	sqlite3_stmt *q = store_stmt(s, sql_handoff_get);
	sqlite3_bind_int64(q, 1, id);
	struct handoff_get_cb g = {{fn, arg}, found};
	return store_each_row(s, q, "reading a handoff", handoff_get_row, &g, err);
}

static const char sql_rotation_get[] = "SELECT state FROM rotations WHERE team = ?1";
static const char sql_rotation_put[] = "INSERT INTO rotations(team, state) VALUES (?1, ?2)"
				       " ON CONFLICT (team) DO UPDATE SET state = excluded.state";

enum lg_status store_rotation_get(struct store *s, const char *team, struct lg_buf *out,
				  struct lg_err *err)
{
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_rotation_get);
	sqlite3_bind_text(q, 1, team, -1, SQLITE_STATIC);
	enum lg_status st = LG_OK;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		lg_buf_adds(out, store_col_text(q, 0));
	else if (rc != SQLITE_DONE)
		st = store_fail(s, "reading a team's rotation", err);
	sqlite3_reset(q);
	return st;
}

enum lg_status store_rotation_put(struct store *s, const char *team, const char *state,
				  struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_rotation_put);
	sqlite3_bind_text(q, 1, team, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	return store_exec_step(s, q, "recording a team's rotation", err);
}

/* ---- the outbox ---- */

static const char sql_outbox_add[] =
	"INSERT INTO outbox(id, type, target, url, body, created_at, next_at, state, handoff_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	" CASE WHEN EXISTS (SELECT 1 FROM endpoints_disabled WHERE url = ?4)"
	" THEN 'disabled' ELSE 'pending' END, ?8)";

enum lg_status store_outbox_add(struct store *s, const struct store_outbox *m, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_outbox_add);
	sqlite3_bind_text(q, 1, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, m->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, m->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, m->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, m->body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, m->created_at);
	sqlite3_bind_int64(q, 7, m->next_at);
	if (m->handoff_id)
		sqlite3_bind_int64(q, 8, m->handoff_id);
	return store_exec_step(s, q, "recording a message to send", err);
}

struct outbox_cb {
	enum lg_status (*fn)(void *arg, const struct store_outbox *m, struct lg_err *err);
	void *arg;
	bool found;
};

static enum lg_status outbox_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct outbox_cb *cb = ctx;
	struct store_outbox m = {
		.id = store_col_text(q, 0),
		.type = store_col_text(q, 1),
		.target = store_col_text(q, 2),
		.url = store_col_text(q, 3),
		.body = store_col_text(q, 4),
		.created_at = sqlite3_column_int64(q, 5),
		.next_at = sqlite3_column_int64(q, 6),
		.attempts = (unsigned)sqlite3_column_int64(q, 7),
		.state = store_col_text(q, 8),
		.last_status = (long)sqlite3_column_int64(q, 9),
		.last_error = sqlite3_column_type(q, 10) == SQLITE_NULL ? NULL
									: store_col_text(q, 10),
		.handoff_id = sqlite3_column_int64(q, 11),
	};
	cb->found = true;
	return cb->fn(cb->arg, &m, err);
}

#define OUTBOX_COLS                                                                                \
	"SELECT id, type, target, url, body, created_at, next_at, attempts, state, last_status,"   \
	" last_error, handoff_id FROM outbox"
/* Due: pending, its next attempt come, and no sender's claim on it (none,
 * or one that lapsed: its sender was killed, or hung past its time).  In
 * the order of the index outbox_due(state, next_at), then rowid (the
 * order of creation), so that taking a few is a short walk of the index,
 * not a sort of every message due with its body. */
#define OUTBOX_DUE                                                                                 \
	" WHERE state = 'pending' AND next_at <= ?1 AND ifnull(claimed_until, 0) <= ?1"            \
	" ORDER BY next_at, rowid LIMIT ?2"
static const char sql_outbox_due[] = OUTBOX_COLS OUTBOX_DUE;
static const char sql_outbox_due_any[] =
	"SELECT 1 FROM outbox WHERE state = 'pending' AND next_at <= ?1"
	" AND ifnull(claimed_until, 0) <= ?1 LIMIT 1";
static const char sql_outbox_claim[] =
	"UPDATE outbox SET claimed_until = ?3 WHERE rowid IN (SELECT rowid FROM outbox" OUTBOX_DUE
	")";
static const char sql_outbox_get[] = OUTBOX_COLS " WHERE id = ?1";

enum lg_status store_outbox_due(struct store *s, int64_t now, size_t max,
				enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						     struct lg_err *err),
				void *arg, struct lg_err *err)
{
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_outbox_due);
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, (int64_t)max);
	struct outbox_cb cb = {fn, arg, false};
	return store_each_row(s, q, "reading the messages due", outbox_row, &cb, err);
}

static bool has_claims(const struct store *s)
{
	return s->version >= 14;
}

enum lg_status store_outbox_take(struct store *s, int64_t now, int64_t claim_until, size_t max,
				 enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						      struct lg_err *err),
				 void *arg, size_t *n, struct lg_err *err)
{
	*n = 0;
	if (!has_handoff(s))
		return LG_OK;
	if (!has_claims(s))
		return store_need(s, 14, err);
	/* Looked at first without the write lock: the service asks every
	 * second, and would otherwise take the lock from a bulk job's writer
	 * every second for nothing. */
	sqlite3_stmt *q = store_stmt(s, sql_outbox_due_any);
	sqlite3_bind_int64(q, 1, now);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return LG_OK;
	if (rc != SQLITE_ROW)
		return store_fail(s, "reading the messages due", err);
	/* Read and claimed under one write lock: a second sender waits for
	 * it, then sees the claims. */
	bool own = !s->in_tx;
	enum lg_status st = own ? store_begin(s, err) : LG_OK;
	if (st != LG_OK)
		return st;
	q = store_stmt(s, sql_outbox_due);
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, (int64_t)max);
	struct outbox_cb cb = {fn, arg, false};
	st = store_each_row(s, q, "reading the messages due", outbox_row, &cb, err);
	if (st == LG_OK) {
		q = store_stmt(s, sql_outbox_claim);
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, (int64_t)max);
		sqlite3_bind_int64(q, 3, claim_until);
		if ((st = store_exec_step(s, q, "claiming the messages due", err)) == LG_OK)
			*n = (size_t)sqlite3_changes(s->db);
	}
	if (own && st == LG_OK)
		st = store_commit(s, err);
	if (own && st != LG_OK)
		store_rollback(s);
	if (st != LG_OK)
		*n = 0;
	return st;
}

enum lg_status store_outbox_get(struct store *s, const char *id,
				enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						     struct lg_err *err),
				void *arg, bool *found, struct lg_err *err)
{
	*found = false;
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_outbox_get);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	struct outbox_cb cb = {fn, arg, false};
	enum lg_status st = store_each_row(s, q, "reading a message", outbox_row, &cb, err);
	*found = cb.found;
	return st;
}

static const char sql_outbox_result[] =
	"UPDATE outbox SET state = ?2, next_at = ?3, attempts = ?4, last_status = ?5,"
	" last_error = ?6,"
	" claimed_until = CASE WHEN ?7 = 0 OR claimed_until = ?7 THEN NULL ELSE claimed_until END"
	" WHERE id = ?1";
static const char sql_outbox_result_13[] =
	"UPDATE outbox SET state = ?2, next_at = ?3, attempts = ?4, last_status = ?5,"
	" last_error = ?6 WHERE id = ?1";

enum lg_status store_outbox_result(struct store *s, const char *id, int64_t claim,
				   const char *state, int64_t next_at, unsigned attempts,
				   long status, const char *error, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	/* the result ends the claim */
	sqlite3_stmt *q = store_stmt(s, has_claims(s) ? sql_outbox_result : sql_outbox_result_13);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, next_at);
	sqlite3_bind_int64(q, 4, attempts);
	if (status)
		sqlite3_bind_int64(q, 5, status);
	store_bind_opt(q, 6, error);
	if (has_claims(s))
		sqlite3_bind_int64(q, 7, claim);
	return store_exec_step(s, q, "recording a delivery", err);
}

static const char sql_outbox_release[] = "UPDATE outbox SET claimed_until = NULL"
					 " WHERE id = ?1 AND (?2 = 0 OR claimed_until = ?2)";

enum lg_status store_outbox_release(struct store *s, const char *id, int64_t claim,
				    struct lg_err *err)
{
	if (!has_claims(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_outbox_release);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, claim);
	return store_exec_step(s, q, "releasing a message", err);
}

static const char sql_endpoint_disable[] =
	"INSERT INTO endpoints_disabled(url, at, status) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (url) DO UPDATE SET at = excluded.at, status = excluded.status";
static const char sql_outbox_disable[] =
	"UPDATE outbox SET state = 'disabled' WHERE url = ?1 AND state = 'pending'";

enum lg_status store_endpoint_disable(struct store *s, const char *url, long status, int64_t at,
				      unsigned long *n, struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_endpoint_disable);
	sqlite3_bind_text(q, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_int64(q, 3, status);
	if ((st = store_exec_step(s, q, "disabling an endpoint", err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_outbox_disable);
	sqlite3_bind_text(q, 1, url, -1, SQLITE_STATIC);
	st = store_exec_step(s, q, "disabling an endpoint", err);
	if (n)
		*n = st == LG_OK ? (unsigned long)sqlite3_changes(s->db) : 0;
	return st;
}

static const char sql_endpoint_enable_one[] =
	"DELETE FROM endpoints_disabled WHERE url = (SELECT url FROM outbox WHERE id = ?1)";
static const char sql_endpoint_enable_dead[] =
	"DELETE FROM endpoints_disabled WHERE url IN (SELECT url FROM outbox WHERE state = 'dead')";
static const char sql_outbox_retry_one[] =
	"UPDATE outbox SET state = 'pending', next_at = ?2, attempts = 0, claimed_until = NULL"
	" WHERE id = ?1";
static const char sql_outbox_retry_dead[] =
	"UPDATE outbox SET state = 'pending', next_at = ?1, attempts = 0 WHERE state = 'dead'";

enum lg_status store_outbox_retry(struct store *s, const char *id, int64_t now, unsigned long *n,
				  struct lg_err *err)
{
	enum lg_status st = need_handoff(s, err);
	*n = 0;
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, id ? sql_endpoint_enable_one : sql_endpoint_enable_dead);
	if (id)
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if ((st = store_exec_step(s, q, "enabling an endpoint", err)) != LG_OK)
		return st;
	q = store_stmt(s, id ? sql_outbox_retry_one : sql_outbox_retry_dead);
	if (id) {
		sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, now);
	} else {
		sqlite3_bind_int64(q, 1, now);
	}
	if ((st = store_exec_step(s, q, "sending messages again", err)) == LG_OK)
		*n = (unsigned long)sqlite3_changes(s->db);
	return st;
}

static const char sql_outbox_counts[] =
	"SELECT target, sum(state = 'pending' AND attempts = 0), sum(state = 'pending' AND"
	" attempts > 0), sum(state = 'delivered'), sum(state = 'dead'), sum(state = 'disabled')"
	" FROM outbox GROUP BY target ORDER BY target";
static const char sql_unassigned[] = "SELECT count(*) FROM handoffs WHERE state = 'unassigned'";

struct count_cb {
	enum lg_status (*fn)(void *arg, const struct store_outbox_count *c, struct lg_err *err);
	void *arg;
};

static enum lg_status count_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct count_cb *cb = ctx;
	struct store_outbox_count c = {
		.target = store_col_text(q, 0),
		.pending = (unsigned long)sqlite3_column_int64(q, 1),
		.retrying = (unsigned long)sqlite3_column_int64(q, 2),
		.delivered = (unsigned long)sqlite3_column_int64(q, 3),
		.dead = (unsigned long)sqlite3_column_int64(q, 4),
		.disabled = (unsigned long)sqlite3_column_int64(q, 5),
	};
	return cb->fn(cb->arg, &c, err);
}

enum lg_status store_outbox_counts(struct store *s,
				   enum lg_status (*fn)(void *arg,
							const struct store_outbox_count *c,
							struct lg_err *err),
				   void *arg, unsigned long *unassigned, struct lg_err *err)
{
	*unassigned = 0;
	if (!has_handoff(s))
		return LG_OK;
	struct count_cb cb = {fn, arg};
	enum lg_status st = store_each_row(s, store_stmt(s, sql_outbox_counts),
					   "counting the outbox", count_row, &cb, err);
	if (st != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_unassigned);
	if (sqlite3_step(q) == SQLITE_ROW)
		*unassigned = (unsigned long)sqlite3_column_int64(q, 0);
	else
		st = store_fail(s, "counting the handoffs", err);
	sqlite3_reset(q);
	return st;
}

/* ---- the SLA's figures (report sla) ---- */

/* A handoff as it stands, for its team; each step (schema 14; before it,
 * each handoff's owner now), for its rep; a rep's rejection of a contact
 * that was handed off, with its team. */
#define SLA_HANDOFFS                                                                               \
	"SELECT 'handoff', team, rep, handed_at, deadline, accepted_at, escalations, state, NULL"  \
	" FROM handoffs"
#define SLA_REJECTED                                                                               \
	" UNION ALL SELECT 'rejected', (SELECT h.team FROM handoffs h WHERE h.contact_id ="        \
	" m.contact_id ORDER BY h.id DESC LIMIT 1), m.who, m.at, 0, NULL, 0, NULL, m.reason"       \
	" FROM moves m WHERE m.to_stage = 'disqualified' AND m.who <> 'auto'"                      \
	" AND EXISTS (SELECT 1 FROM handoffs h WHERE h.contact_id = m.contact_id)"
static const char sql_sla_rows[] = SLA_HANDOFFS
	" UNION ALL SELECT 'step', team, rep, assigned_at, deadline,"
	" CASE WHEN outcome = 'accepted' THEN ended_at END, outcome = 'escalated',"
	" outcome, NULL FROM handoff_steps" SLA_REJECTED;
static const char sql_sla_rows_v13[] = SLA_HANDOFFS
	" UNION ALL SELECT 'step', team, rep, handed_at, deadline,"
	" CASE WHEN state = 'accepted' THEN accepted_at END, 0,"
	" CASE WHEN state = 'accepted' THEN 'accepted' END, NULL"
	" FROM handoffs WHERE rep IS NOT NULL" SLA_REJECTED;

struct sla_cb {
	enum lg_status (*fn)(void *arg, const struct store_sla_row *r, struct lg_err *err);
	void *arg;
};

static const char *col_opt(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? NULL : store_col_text(q, i);
}

static enum lg_status sla_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct sla_cb *cb = ctx;
	const char *kind = store_col_text(q, 0);
	struct store_sla_row r = {
		.kind = !strcmp(kind, "handoff") ? STORE_SLA_HANDOFF
			: !strcmp(kind, "step")  ? STORE_SLA_STEP
						 : STORE_SLA_REJECTED,
		.team = col_opt(q, 1),
		.rep = col_opt(q, 2),
		.at = sqlite3_column_int64(q, 3),
		.deadline = sqlite3_column_int64(q, 4),
		.accepted_at = sqlite3_column_type(q, 5) == SQLITE_NULL
				       ? -1
				       : sqlite3_column_int64(q, 5),
		.escalations = (unsigned)sqlite3_column_int64(q, 6),
		.state = col_opt(q, 7),
		.reason = col_opt(q, 8),
	};
	return cb->fn(cb->arg, &r, err);
}

enum lg_status store_sla_each(struct store *s,
			      enum lg_status (*fn)(void *arg, const struct store_sla_row *r,
						   struct lg_err *err),
			      void *arg, struct lg_err *err)
{
	if (!has_handoff(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, has_steps(s) ? sql_sla_rows : sql_sla_rows_v13);
	struct sla_cb cb = {fn, arg};
	return store_each_row(s, q, "reading the handoffs' SLA", sla_row, &cb, err);
}

/* ---- a handoff's steps (schema 14) ---- */

static const char sql_step_begin[] =
	"INSERT INTO handoff_steps(handoff_id, step, team, rep, assigned_at, deadline)"
	" SELECT id, (SELECT coalesce(max(step), 0) + 1 FROM handoff_steps WHERE handoff_id = ?1),"
	" team, ?2, ?3, ?4 FROM handoffs WHERE id = ?1";

/* Handoff id's next step: to rep at `at`, until deadline (0: none). A
 * writer's store is always of the latest schema: an older one (a reader)
 * writes nothing. */
static enum lg_status step_begin(struct store *s, int64_t id, const char *rep, int64_t at,
				 int64_t deadline, struct lg_err *err)
{
	if (!has_steps(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, sql_step_begin);
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, rep, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, at);
	if (deadline)
		sqlite3_bind_int64(q, 4, deadline);
	return store_exec_step(s, q, "recording a handoff's step", err);
}

static const char sql_step_end[] =
	"UPDATE handoff_steps SET ended_at = ?2, outcome = ?3 WHERE handoff_id = ?1"
	" AND ended_at IS NULL";
static const char sql_step_end_contact[] =
	"UPDATE handoff_steps SET ended_at = ?2, outcome = ?3 WHERE ended_at IS NULL"
	" AND handoff_id IN (SELECT id FROM handoffs WHERE contact_id = ?1"
	" AND state IN ('open', 'unassigned'))";

/* The running step of handoff id (0: of contact_id's open handoff) ended
 * at `at` with outcome; nothing when none runs. */
static enum lg_status step_end(struct store *s, int64_t id, int64_t contact_id, int64_t at,
			       const char *outcome, struct lg_err *err)
{
	if (!has_steps(s))
		return LG_OK;
	sqlite3_stmt *q = store_stmt(s, id ? sql_step_end : sql_step_end_contact);
	sqlite3_bind_int64(q, 1, id ? id : contact_id);
	sqlite3_bind_int64(q, 2, at);
	sqlite3_bind_text(q, 3, outcome, -1, SQLITE_STATIC);
	return store_exec_step(s, q, "ending a handoff's step", err);
}
