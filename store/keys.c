/*
 * keys.c - the service's API keys (schema 8): added, revoked (never
 * deleted), read, and a cheap way to tell whether they changed, for a
 * server that keeps them in memory (jobs/keys.c).
 */
#include "store_int.h"

#include <string.h>

/* Schema 8 made the table; a reader of an older database has no keys. */
static bool has_keys(const struct store *s)
{
	return s->version >= 8;
}

static const char sql_key_named[] = "SELECT revoked_at IS NOT NULL FROM api_keys WHERE name = ?1";

/* Is there a key called name: -1 no, 0 live, 1 revoked. */
static enum lg_status key_named(struct store *s, const char *name, int *state, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_key_named);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	enum lg_status st = LG_OK;
	*state = -1;
	if (rc == SQLITE_ROW)
		*state = sqlite3_column_int(q, 0);
	else if (rc != SQLITE_DONE)
		st = store_fail(s, "reading the API keys", err);
	sqlite3_reset(q);
	return st;
}

static const char sql_key_id_taken[] = "SELECT 1 FROM api_keys WHERE public_id = ?1";

static const char sql_key_add[] = "INSERT INTO api_keys(name, public_id, hash, scopes, created_at)"
				  " VALUES (?1, ?2, ?3, ?4, ?5)";

enum lg_status store_key_add(struct store *s, const struct store_key *k,
			     enum store_key_added *added, struct lg_err *err)
{
	enum lg_status st;
	int state;

	/* Both UNIQUE columns looked at first: which one is taken decides
	 * what the caller does (refuse the name, or draw another id). */
	if ((st = key_named(s, k->name, &state, err)) != LG_OK)
		return st;
	if (state >= 0) {
		*added = STORE_KEY_NAME_TAKEN;
		return LG_OK;
	}
	sqlite3_stmt *q = store_stmt(s, sql_key_id_taken);
	sqlite3_bind_text(q, 1, k->public_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "reading the API keys", err);
	if (rc == SQLITE_ROW) {
		*added = STORE_KEY_ID_TAKEN;
		return LG_OK;
	}
	q = store_stmt(s, sql_key_add);
	sqlite3_bind_text(q, 1, k->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, k->public_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, k->hash, (int)k->hash_len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)k->scopes);
	sqlite3_bind_int64(q, 5, k->created_at);
	if ((st = store_exec_step(s, q, "adding an API key", err)) != LG_OK)
		return st;
	s->key_writes++;
	*added = STORE_KEY_ADDED;
	return LG_OK;
}

static const char sql_key_revoke[] =
	"UPDATE api_keys SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL";

enum lg_status store_key_revoke(struct store *s, const char *name, int64_t now,
				enum store_key_revoked *result, struct lg_err *err)
{
	enum lg_status st;
	int state;

	if ((st = key_named(s, name, &state, err)) != LG_OK)
		return st;
	if (state != 0) {
		*result = state < 0 ? STORE_KEY_UNKNOWN : STORE_KEY_WAS_REVOKED;
		return LG_OK;
	}
	sqlite3_stmt *q = store_stmt(s, sql_key_revoke);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if ((st = store_exec_step(s, q, "revoking an API key", err)) != LG_OK)
		return st;
	s->key_writes++;
	*result = STORE_KEY_REVOKED;
	return LG_OK;
}

struct key_cb {
	enum lg_status (*fn)(void *arg, const struct store_key *k, struct lg_err *err);
	void *arg;
};

static enum lg_status key_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct key_cb *cb = ctx;
	struct store_key k = {
		.id = sqlite3_column_int64(q, 0),
		.name = (const char *)sqlite3_column_text(q, 1),
		.public_id = (const char *)sqlite3_column_text(q, 2),
		.hash = sqlite3_column_blob(q, 3),
		.hash_len = (size_t)sqlite3_column_bytes(q, 3),
		.scopes = (unsigned)sqlite3_column_int64(q, 4),
		.created_at = sqlite3_column_int64(q, 5),
		.revoked_at = sqlite3_column_int64(q, 6), /* NULL reads as 0 */
	};
	if (!k.name)
		k.name = "";
	if (!k.public_id)
		k.public_id = "";
	return cb->fn(cb->arg, &k, err);
}

static const char sql_keys_all[] = "SELECT id, name, public_id, hash, scopes, created_at, "
				   "revoked_at FROM api_keys ORDER BY id";

enum lg_status store_keys_each(struct store *s,
			       enum lg_status (*fn)(void *arg, const struct store_key *k,
						    struct lg_err *err),
			       void *arg, struct lg_err *err)
{
	struct key_cb cb = {.fn = fn, .arg = arg};
	if (!has_keys(s))
		return LG_OK;
	return store_each_row(s, store_stmt(s, sql_keys_all), "reading the API keys", key_row, &cb,
			      err);
}

static const char sql_data_version[] = "PRAGMA data_version";

static const char sql_keys_mark[] =
	"SELECT count(*), coalesce(max(id), 0), count(revoked_at) FROM api_keys";

enum lg_status store_keys_changed(struct store *s, struct store_keys_mark *mark, bool *changed,
				  struct lg_err *err)
{
	struct store_keys_mark now = {.set = true, .writes = s->key_writes};
	sqlite3_stmt *q = store_stmt(s, sql_data_version);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		now.data_version = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (rc != SQLITE_ROW)
		return store_fail(s, "reading the API keys", err);
	*changed = false;
	if (mark->set && mark->data_version == now.data_version && mark->writes == now.writes)
		return LG_OK;
	if (has_keys(s)) {
		q = store_stmt(s, sql_keys_mark);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			now.count = sqlite3_column_int64(q, 0);
			now.max_id = sqlite3_column_int64(q, 1);
			now.revoked = sqlite3_column_int64(q, 2);
		}
		sqlite3_reset(q);
		if (rc != SQLITE_ROW)
			return store_fail(s, "reading the API keys", err);
	}
	*changed = !mark->set || mark->count != now.count || mark->max_id != now.max_id ||
		   mark->revoked != now.revoked;
	*mark = now;
	return LG_OK;
}
