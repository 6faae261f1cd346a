/*
 * store.c - the database: where it lives, opening it, the schema and its
 * migrations, transactions and the statement cache.
 */
#include "store_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Another leadgate holding the write lock is waited for this long: a
 * verify commits every few thousand rows, so waits are short. */
#define STORE_BUSY_MS 60000

/*
 * The schema, one script per version; PRAGMA user_version says which have
 * run.  Scripts are never edited once released: a change is a new script.
 *
 * contacts   one row per normalized address (case folded): its latest
 *            verdict and suppression, first and last seen
 * evidence   append-only: every verdict ever given, by which run (how),
 *            keyed (contact, run) so a run records a contact once
 *
 * REFERENCES clauses document the links; they are not enforced (foreign
 * key checks would double the cost of recording a verdict): the store's
 * own statements are the only writers and keep them.
 * runs       each verify --list, refresh and bounces import; a verify run
 *            with finished_at is a list version, with its counts
 * lists      named lists; current_run is the current version; exported
 *            and hard_bounced count what exports sent and what bounced
 * members    which contacts each list version holds
 * domains    DNS answers kept until they expire
 * bounces    bounce events, unique by key (re-importing adds nothing)
 * suppressions  addresses no export may ever contain
 * exports, sent  each export, and per list the contacts it sent first when
 * refresh_plan  a refresh run's contacts, stalest first, and which are done
 * version_sent  per list version, the contacts its exports sent and which
 *            of them hard-bounced after: the gate's observation window; a
 *            verify run's exported and hard_bounced count them
 * api_keys   the service's API keys (schema 8): a name, the key's public
 *            id and the SHA-256 of the whole key (never the key), its
 *            scopes (a mask), created_at and revoked_at; never deleted, so
 *            that a revoked key's name is never given to another
 * jobs       the service's bulk verify jobs (schema 9): state, input,
 *            progress and counts by status; their files live beside the
 *            database (DB.jobs/ID/)
 * sns_messages  the SNS subscription messages the service received
 *            (schema 10), for the operator: the newest few, each with its
 *            topic, its URL and when it came, and (schema 11) whether the
 *            service confirmed it: state and, when that failed, why
 * smtp_evidence, smtp_domains  (schema 12) what a mailbox probe said of
 *            each verdict it decided, and each domain's catch-all state
 * handoffs   (schema 13) each lead handed to a rep (store/handoff.c): its
 *            team, rep (NULL: nobody eligible), stage, SLA deadline,
 *            acceptance and escalations
 * outbox     the messages to send (webhooks), each under its webhook-id,
 *            with its next attempt and what the last one got
 * handoff_steps  (schema 14) each handoff's assignments to a rep in order:
 *            the rep, when, the deadline and how it ended (accepted,
 *            escalated, closed): what `report sla` counts per rep
 * rotations  each team's round-robin state (route_rr_format's text)
 * endpoints_disabled  URLs that answered 410 Gone: sent nothing more
 */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE contacts("
	" id INTEGER PRIMARY KEY,"
	" address TEXT NOT NULL UNIQUE,"
	" domain TEXT NOT NULL,"
	" first_seen INTEGER NOT NULL,"
	" last_seen INTEGER NOT NULL,"
	" status INTEGER NOT NULL,"
	" reason INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" mx TEXT NOT NULL,"
	" provider TEXT NOT NULL,"
	" verified_at INTEGER NOT NULL,"
	" suppressed INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE INDEX contacts_by_age ON contacts(verified_at) WHERE suppressed = 0;"
	"CREATE TABLE lists("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" source TEXT NOT NULL DEFAULT '',"
	" created_at INTEGER NOT NULL,"
	" current_run INTEGER,"
	" exported INTEGER NOT NULL DEFAULT 0,"
	" hard_bounced INTEGER NOT NULL DEFAULT 0) STRICT;"
	"CREATE TABLE runs("
	" id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('verify', 'refresh', 'import')),"
	" list_id INTEGER REFERENCES lists(id),"
	" input TEXT NOT NULL DEFAULT '',"
	" fingerprint TEXT,"
	" started_at INTEGER NOT NULL,"
	" finished_at INTEGER,"
	" rows INTEGER, contacts INTEGER,"
	" deliverable INTEGER, risky INTEGER, undeliverable INTEGER, unknown INTEGER) STRICT;"
	"CREATE INDEX runs_by_list ON runs(list_id, kind);"
	"CREATE TABLE evidence("
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" how TEXT NOT NULL CHECK (how IN ('verify', 'refresh', 'bounce')),"
	" status INTEGER NOT NULL,"
	" reason INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" mx TEXT NOT NULL,"
	" provider TEXT NOT NULL,"
	" verified_at INTEGER NOT NULL,"
	" PRIMARY KEY (contact_id, run_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE members("
	" run_id INTEGER NOT NULL,"
	" contact_id INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, contact_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE domains("
	" domain TEXT PRIMARY KEY,"
	" outcome INTEGER NOT NULL,"
	" mx TEXT NOT NULL,"
	" provider INTEGER NOT NULL,"
	" answered_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
	"CREATE TABLE bounces("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL UNIQUE,"
	" address TEXT NOT NULL,"
	" contact_id INTEGER,"
	" list_id INTEGER,"
	" run_id INTEGER NOT NULL,"
	" type TEXT NOT NULL CHECK (type IN ('hard', 'soft', 'block', 'complaint', 'unsubscribe')),"
	" status TEXT NOT NULL,"
	" code TEXT NOT NULL,"
	" reason TEXT NOT NULL,"
	" format TEXT NOT NULL,"
	" occurred_at INTEGER NOT NULL,"
	" imported_at INTEGER NOT NULL) STRICT;"
	"CREATE INDEX bounces_by_address ON bounces(address);"
	"CREATE TABLE suppressions("
	" address TEXT PRIMARY KEY,"
	" why INTEGER NOT NULL,"
	" since INTEGER NOT NULL,"
	" bounce_id INTEGER) STRICT, WITHOUT ROWID;"
	"CREATE TABLE exports("
	" id INTEGER PRIMARY KEY,"
	" list_id INTEGER NOT NULL REFERENCES lists(id),"
	" run_id INTEGER NOT NULL,"
	" path TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" rows INTEGER) STRICT;"
	"CREATE TABLE sent("
	" list_id INTEGER NOT NULL,"
	" contact_id INTEGER NOT NULL,"
	" export_id INTEGER NOT NULL,"
	" first_at INTEGER NOT NULL,"
	" bounced_at INTEGER,"
	" PRIMARY KEY (list_id, contact_id)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX sent_by_contact ON sent(contact_id);"
	"CREATE TABLE refresh_plan("
	" run_id INTEGER NOT NULL,"
	" rank INTEGER NOT NULL,"
	" contact_id INTEGER NOT NULL,"
	" done INTEGER NOT NULL DEFAULT 0,"
	" changed INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (run_id, rank)) STRICT, WITHOUT ROWID;",
	/* 2: scoring's inputs and the stages */
	"ALTER TABLE contacts ADD COLUMN source TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE profiles("
	" contact_id INTEGER PRIMARY KEY,"
	" title TEXT, company TEXT, industry TEXT, region TEXT, employees INTEGER,"
	" updated_at INTEGER NOT NULL) STRICT;"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" event_id TEXT NOT NULL UNIQUE,"
	" address TEXT,"
	" account TEXT,"
	" type TEXT NOT NULL,"
	" channel TEXT, asset TEXT,"
	" occurred_at INTEGER NOT NULL,"
	" count INTEGER,"
	" props TEXT,"
	" run_id INTEGER NOT NULL,"
	" CHECK ((address IS NULL) <> (account IS NULL))) STRICT;"
	"CREATE INDEX events_by_address ON events(address, occurred_at, event_id)"
	" WHERE address IS NOT NULL;"
	"CREATE INDEX events_by_account ON events(account, occurred_at, event_id)"
	" WHERE account IS NOT NULL;"
	"CREATE TABLE qevidence("
	" id INTEGER PRIMARY KEY,"
	" contact_id INTEGER NOT NULL,"
	" framework TEXT NOT NULL CHECK (framework IN ('BANT', 'CHAMP', 'MEDDIC')),"
	" criterion TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('met', 'partial', 'not_met')),"
	" confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),"
	" source TEXT NOT NULL CHECK (source IN ('call', 'email', 'form', 'note')),"
	" at INTEGER NOT NULL,"
	" valid_until INTEGER,"
	" note TEXT) STRICT;"
	"CREATE INDEX qevidence_by_contact ON qevidence(contact_id, at);"
	"CREATE TABLE stages("
	" contact_id INTEGER PRIMARY KEY,"
	" stage TEXT NOT NULL,"
	" since INTEGER NOT NULL) STRICT;"
	"CREATE TABLE moves("
	" id INTEGER PRIMARY KEY,"
	" contact_id INTEGER NOT NULL,"
	" from_stage TEXT NOT NULL,"
	" to_stage TEXT NOT NULL,"
	" at INTEGER NOT NULL,"
	" why TEXT NOT NULL,"
	" score REAL NOT NULL,"
	" who TEXT NOT NULL,"
	" reason TEXT,"
	" note TEXT) STRICT;"
	"CREATE INDEX moves_by_contact ON moves(contact_id, at);"
	"CREATE TABLE reverify("
	" contact_id INTEGER PRIMARY KEY,"
	" requested_at INTEGER NOT NULL,"
	" why TEXT NOT NULL) STRICT;",
	/* 3: a list version's file as it was, so that an export gives a
	 * sequencer every column it had (runs.header: the columns, packed by
	 * io_cells_pack; email_col: which is the address; member_rows: each
	 * member's row, in a table of its own so that the gate's scans of
	 * members stay as small as they were), and the names a list gives a
	 * contact */
	"ALTER TABLE runs ADD COLUMN header BLOB;"
	"ALTER TABLE runs ADD COLUMN email_col INTEGER;"
	"CREATE TABLE member_rows("
	" run_id INTEGER NOT NULL,"
	" contact_id INTEGER NOT NULL,"
	" cells BLOB NOT NULL,"
	" PRIMARY KEY (run_id, contact_id)) STRICT, WITHOUT ROWID;"
	"ALTER TABLE profiles ADD COLUMN first_name TEXT;"
	"ALTER TABLE profiles ADD COLUMN last_name TEXT;"
	"ALTER TABLE profiles ADD COLUMN name TEXT;",
	/* 4: observation windows: what each list version sent, and what of it
	 * bounced.  Until now `sent` kept a contact's first export from the
	 * list alone, so a contact sent again after the list was verified
	 * again never counted for the new version.  What was sent before
	 * goes to the version of its first export. */
	"ALTER TABLE runs ADD COLUMN exported INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE runs ADD COLUMN hard_bounced INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE version_sent("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" contact_id INTEGER NOT NULL,"
	" export_id INTEGER NOT NULL,"
	" first_at INTEGER NOT NULL,"
	" bounced_at INTEGER,"
	" PRIMARY KEY (run_id, contact_id)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX version_sent_by_contact ON version_sent(contact_id);"
	"INSERT INTO version_sent(run_id, contact_id, export_id, first_at, bounced_at)"
	" SELECT e.run_id, s.contact_id, s.export_id, s.first_at, s.bounced_at"
	" FROM sent s JOIN exports e ON e.id = s.export_id;"
	"UPDATE runs SET exported = (SELECT count(*) FROM version_sent v WHERE v.run_id = runs.id),"
	" hard_bounced = (SELECT count(v.bounced_at) FROM version_sent v WHERE v.run_id = runs.id)"
	" WHERE kind = 'verify';",
	/* 5: a contact's account (verify_account_key: the registrable domain
	 * of its address), recorded when it is verified, so that scoring
	 * reads it instead of verifying every address again to find it.
	 * Filled for the contacts already there by fill_accounts() below;
	 * NULL where it cannot be (the scoring commands then derive it as
	 * before). */
	"ALTER TABLE contacts ADD COLUMN account TEXT;",
	/* 6: one identity rule: a contact's key folds the case of its local
	 * part as a list's duplicates always did (Unicode's, not ASCII's
	 * alone: verify_contact_key).  rekey_contacts() below re-keys what
	 * an older leadgate recorded; no table changes. */
	"",
	/* 7: evidence's CHECK on `how` without an IN list.  SQLite 3.40
	 * checks `how IN (...)` against a temporary table it builds, and
	 * fills, for every row inserted: as much as the rest of the insert
	 * cost.  Three comparisons check the same values and build nothing.
	 * A CHECK cannot be altered: the table is made again (SQLite's
	 * procedure for other changes to a table: a new one, the rows
	 * copied, the old one dropped, the new renamed) in the migration's
	 * transaction.  No index, trigger or view refers to it. */
	"CREATE TABLE evidence_new("
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" how TEXT NOT NULL CHECK (how = 'verify' OR how = 'refresh' OR how = 'bounce'),"
	" status INTEGER NOT NULL,"
	" reason INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" mx TEXT NOT NULL,"
	" provider TEXT NOT NULL,"
	" verified_at INTEGER NOT NULL,"
	" PRIMARY KEY (contact_id, run_id)) STRICT, WITHOUT ROWID;"
	"INSERT INTO evidence_new(contact_id, run_id, how, status, reason, flags, mx, provider,"
	" verified_at)"
	" SELECT contact_id, run_id, how, status, reason, flags, mx, provider, verified_at"
	" FROM evidence ORDER BY contact_id, run_id;"
	"DROP TABLE evidence;"
	"ALTER TABLE evidence_new RENAME TO evidence;",
	/* 8: the service's API keys (store/keys.c).  A key is revoked by
	 * setting revoked_at, never deleted: its name stays taken, and the
	 * keys' ids only grow, which keeps a server's numbering of them
	 * (jobs/keys.c) stable. */
	"CREATE TABLE api_keys("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" public_id TEXT NOT NULL UNIQUE,"
	" hash BLOB NOT NULL,"
	" scopes INTEGER NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" revoked_at INTEGER) STRICT;",
	/* 9: the service's bulk jobs (store/jobs.c).  The counts are the
	 * verify job's by status, written when its state changes, so that a
	 * status read after a restart says what its last run had done.
	 * AUTOINCREMENT: a removed job's id is never given to another (a
	 * client may still hold it, and its files went with it). */
	"CREATE TABLE jobs("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" list TEXT,"
	" state TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" started_at INTEGER,"
	" finished_at INTEGER,"
	" input TEXT NOT NULL,"
	" input_bytes INTEGER NOT NULL,"
	" rows_read INTEGER NOT NULL DEFAULT 0,"
	" rows_done INTEGER NOT NULL DEFAULT 0,"
	" deliverable INTEGER NOT NULL DEFAULT 0,"
	" risky INTEGER NOT NULL DEFAULT 0,"
	" undeliverable INTEGER NOT NULL DEFAULT 0,"
	" unknown INTEGER NOT NULL DEFAULT 0,"
	" no_address INTEGER NOT NULL DEFAULT 0,"
	" error TEXT) STRICT;",
	/* 10: the SNS subscription messages the service received
	 * (store/sns.c), kept for the operator across restarts; only the
	 * newest few (the writer trims the rest). */
	"CREATE TABLE sns_messages("
	" id INTEGER PRIMARY KEY,"
	" type TEXT NOT NULL"
	"  CHECK (type = 'subscription-confirmation' OR type = 'unsubscribe-confirmation'),"
	" topic_arn TEXT NOT NULL,"
	" subscribe_url TEXT NOT NULL,"
	" url_is_sns INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL) STRICT;",
	/* 11: whether the service confirmed a subscription (store/sns.c):
	 * to_confirm (by the operator: the URL was not fetched), confirmed
	 * (fetched, a 2xx) or confirm_failed (error says why); NULL for an
	 * unsubscribe, which has nothing to confirm.  The messages of schema
	 * 10 were never fetched. */
	"ALTER TABLE sns_messages ADD COLUMN state TEXT"
	" CHECK (state IN ('to_confirm', 'confirmed', 'confirm_failed'));"
	"ALTER TABLE sns_messages ADD COLUMN error TEXT;"
	"UPDATE sns_messages SET state = 'to_confirm' WHERE type = 'subscription-confirmation';",
	/* 12: mailbox probing (smtp/).  A contact's verdict keeps the SMTP
	 * evidence it was given with (contacts.smtp_*: the probe's outcome,
	 * an enum smtp_outcome, the deciding reply, whether the session ran
	 * over TLS, when it decided; NULL when no probe decided), and so does
	 * every verdict of a run (smtp_evidence, beside evidence, written only
	 * for a probed address, so that a run without probing writes what it
	 * wrote).  smtp_domains keeps each domain's catch-all state (an enum
	 * smtp_catch_all) until it expires, so that the next run does not ask
	 * again.  jobs.smtp: a bulk job asked for probing. */
	"ALTER TABLE contacts ADD COLUMN smtp_outcome INTEGER;"
	"ALTER TABLE contacts ADD COLUMN smtp_reply TEXT;"
	"ALTER TABLE contacts ADD COLUMN smtp_tls INTEGER;"
	"ALTER TABLE contacts ADD COLUMN smtp_at INTEGER;"
	"CREATE TABLE smtp_evidence("
	" contact_id INTEGER NOT NULL,"
	" run_id INTEGER NOT NULL,"
	" outcome INTEGER NOT NULL,"
	" reply TEXT NOT NULL,"
	" tls INTEGER NOT NULL,"
	" decided_at INTEGER NOT NULL,"
	" PRIMARY KEY (contact_id, run_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE smtp_domains("
	" domain TEXT PRIMARY KEY,"
	" catch_all INTEGER NOT NULL,"
	" found_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
	"ALTER TABLE jobs ADD COLUMN smtp INTEGER NOT NULL DEFAULT 0;",
	/* 13: the handoff (store/handoff.c).  A handoff is open until the
	 * rep accepts it (accepted) or it is closed; unassigned when no rep
	 * was eligible.  The outbox holds every message to send, keyed by
	 * its webhook-id (the same on every attempt): pending until a 2xx
	 * (delivered), past the last retry (dead) or its endpoint gone
	 * (disabled).  Times in Unix seconds. */
	"CREATE TABLE handoffs("
	" id INTEGER PRIMARY KEY,"
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"
	" account TEXT,"
	" team TEXT NOT NULL,"
	" rep TEXT,"
	" stage TEXT NOT NULL,"
	" handed_at INTEGER NOT NULL,"
	" deadline INTEGER,"
	" accepted_at INTEGER,"
	" accepted_by TEXT,"
	" escalations INTEGER NOT NULL DEFAULT 0,"
	" state TEXT NOT NULL CHECK (state IN ('open', 'accepted', 'unassigned', 'closed'))"
	") STRICT;"
	"CREATE INDEX handoffs_contact ON handoffs(contact_id);"
	"CREATE INDEX handoffs_account ON handoffs(account, handed_at);"
	"CREATE INDEX handoffs_rep ON handoffs(rep, handed_at);"
	"CREATE INDEX handoffs_due ON handoffs(state, deadline);"
	"CREATE TABLE outbox("
	" id TEXT PRIMARY KEY,"
	" type TEXT NOT NULL CHECK (type IN ('lead.handoff', 'lead.escalated',"
	"  'job.completed', 'list.gate_changed')),"
	" target TEXT NOT NULL,"
	" url TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" next_at INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'disabled')),"
	" last_status INTEGER,"
	" last_error TEXT,"
	" handoff_id INTEGER REFERENCES handoffs(id)"
	") STRICT;"
	"CREATE INDEX outbox_due ON outbox(state, next_at);"
	"CREATE TABLE rotations("
	" team TEXT PRIMARY KEY,"
	" state TEXT NOT NULL) STRICT, WITHOUT ROWID;"
	"CREATE TABLE endpoints_disabled("
	" url TEXT PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" status INTEGER NOT NULL) STRICT, WITHOUT ROWID;",
	/* 14: a bulk job's completion webhook (jobs.callback_url: where
	 * job.completed goes, NULL for none), and the outbox's claims: a
	 * sender takes the messages it submits by setting claimed_until (Unix
	 * seconds) past the attempt's longest time, so that a second sender
	 * (handoff run from cron beside serve) leaves them alone; a claim
	 * that outlives a killed sender lapses, and its message is due again. */
	"ALTER TABLE jobs ADD COLUMN callback_url TEXT;"
	"ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;"
	/* 14, too: each handoff's steps, its assignments to a rep in order
	 * (store/handoff.c), so that `report sla` counts what each rep was
	 * handed and what they did with it, although an escalation hands the
	 * handoff row on.  A step ends (ended_at, outcome) when the rep
	 * accepts, when its deadline passes (escalated) or when the handoff
	 * is closed; NULL while it runs.  A handoff of schema 13 gets its
	 * step as it stands (open or accepted), and, before it, a step for
	 * each lead.escalated message of its signed webhook (the previous
	 * owner, from the message before it to this one's creation): schema
	 * 13 kept nothing else of them, and an escalation to nobody wrote no
	 * message. */
	"CREATE TABLE handoff_steps("
	" handoff_id INTEGER NOT NULL REFERENCES handoffs(id),"
	" step INTEGER NOT NULL,"
	" team TEXT NOT NULL,"
	" rep TEXT NOT NULL,"
	" assigned_at INTEGER NOT NULL,"
	" deadline INTEGER,"
	" ended_at INTEGER,"
	" outcome TEXT CHECK (outcome IN ('accepted', 'escalated', 'closed')),"
	" PRIMARY KEY (handoff_id, step)) STRICT, WITHOUT ROWID;"
	"CREATE INDEX handoff_steps_rep ON handoff_steps(rep, assigned_at);"
	"INSERT INTO handoff_steps"
	" SELECT id, escalations + 1, team, rep, handed_at, deadline,"
	" CASE WHEN state = 'accepted' THEN accepted_at END,"
	" CASE WHEN state = 'accepted' THEN 'accepted' END"
	" FROM handoffs WHERE rep IS NOT NULL AND state IN ('open', 'accepted');"
	"INSERT INTO handoff_steps"
	" SELECT m.handoff_id, m.k, h.team, m.rep, m.since,"
	" CAST(strftime('%s', m.missed) AS INTEGER), m.created_at,"
	" 'escalated' FROM (SELECT handoff_id, type, created_at,"
	"  json_extract(body, '$.data.previous_owner.name') AS rep,"
	"  json_extract(body, '$.data.missed_deadline') AS missed,"
	"  lag(created_at) OVER w AS since,"
	"  sum(type = 'lead.escalated') OVER w AS k"
	"  FROM outbox o WHERE handoff_id IS NOT NULL AND json_valid(body)"
	"  AND type IN ('lead.handoff', 'lead.escalated')"
	"  AND target = (SELECT team FROM handoffs WHERE id = o.handoff_id)"
	"  WINDOW w AS (PARTITION BY handoff_id ORDER BY created_at, rowid)) m"
	" JOIN handoffs h ON h.id = m.handoff_id"
	" WHERE m.type = 'lead.escalated' AND m.rep IS NOT NULL AND m.since IS NOT NULL"
	" AND m.k <= h.escalations;"
	/* 14 also: each list's last gate verdict (blocked 0 or 1, reasons as
	 * the gate's words, at: when weighed), so that a change of verdict
	 * is told once (list.gate_changed) and the same verdict again is
	 * not. */
	"CREATE TABLE list_gates ("
	" list TEXT PRIMARY KEY,"
	" blocked INTEGER NOT NULL,"
	" reasons TEXT,"
	" at INTEGER NOT NULL) STRICT, WITHOUT ROWID;",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(*migrations)))

enum lg_status store_fail(struct store *s, const char *what, struct lg_err *err)
{
	int code = sqlite3_extended_errcode(s->db), prim = code & 0xff;
	const char *msg = sqlite3_errmsg(s->db);

	switch (prim) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return lg_err_set(err, LG_ETEMP,
				  "%s: %s: the database is busy (another leadgate "
				  "holds it): %s",
				  s->path, what, msg);
	case SQLITE_FULL:
		return lg_err_set(err, LG_EIO,
				  "%s: %s: the disk is full; nothing was lost, the "
				  "database is as of its last commit",
				  s->path, what);
	case SQLITE_READONLY:
		return lg_err_set(err, LG_EIO, "%s: %s: the database is read-only (%s)", s->path,
				  what, msg);
	case SQLITE_NOTADB: /* some other file: the input is wrong, as for a missing one */
		return lg_err_set(err, LG_ENOINPUT, "%s: %s: not a leadgate database (%s)", s->path,
				  what, msg);
	case SQLITE_CORRUPT:
		return lg_err_set(err, LG_EIO, "%s: %s: the database is damaged: %s", s->path, what,
				  msg);
	default: {
		int e = sqlite3_system_errno(s->db);
		return lg_err_set(err, LG_EIO, "%s: %s: %s%s%s", s->path, what, msg, e ? ": " : "",
				  e ? strerror(e) : "");
	}
	}
}

enum lg_status store_need(struct store *s, int version, struct lg_err *err)
{
	if (s->version >= version)
		return LG_OK;
	return lg_err_set(
		err, LG_ECONFIG,
		"%s: made by an older leadgate (schema %d); any command "
		"that writes to it (leadgate score, verify --list, events import) upgrades it",
		s->path, s->version);
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	/* open addressing on the text's address (Fibonacci hashing) */
	size_t h = (size_t)(((uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15u) >> 56) % STORE_STMTS;
	while (s->stmt[h].sql && s->stmt[h].sql != sql)
		h = (h + 1) % STORE_STMTS;
	if (s->stmt[h].sql) {
		sqlite3_reset(s->stmt[h].q);
		sqlite3_clear_bindings(s->stmt[h].q);
		return s->stmt[h].q;
	}
	if (++s->nstmt >= STORE_STMTS / 2)
		BUG("more than %d statements: raise STORE_STMTS", STORE_STMTS / 2);
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[h].q, NULL) !=
	    SQLITE_OK)
		/* The SQL is ours and the schema migrated: a bug. */
		BUG("a statement does not prepare against the migrated schema: %s: %s",
		    sqlite3_errmsg(s->db), sql);
	s->stmt[h].sql = sql;
	return s->stmt[h].q;
}

/* Step q to the end, calling row(q) for each row; fn's status stops it. */
enum lg_status store_each_row(struct store *s, sqlite3_stmt *q, const char *what,
			      enum lg_status (*row)(sqlite3_stmt *q, void *ctx, struct lg_err *err),
			      void *ctx, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((st = row(q, ctx, err)) != LG_OK)
			break;
	if (st == LG_OK && rc != SQLITE_DONE)
		st = store_fail(s, what, err);
	sqlite3_reset(q);
	return st;
}

enum lg_status store_exec_step(struct store *s, sqlite3_stmt *st, const char *what,
			       struct lg_err *err)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		enum lg_status e = store_fail(s, what, err);
		sqlite3_reset(st);
		return e;
	}
	sqlite3_reset(st);
	return LG_OK;
}

static enum lg_status exec(struct store *s, const char *q, const char *what, struct lg_err *err)
{
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, what, err);
	return LG_OK;
}

char *store_default_path(struct lg_err *err)
{
	const char *env = getenv("LEADGATE_DB"), *xdg = getenv("XDG_DATA_HOME"),
		   *home = getenv("HOME");
	struct lg_buf b = LG_BUF_INIT;

	if (env && *env)
		return lg_xstrdup(env);
	if (xdg && *xdg == '/')
		lg_buf_addf(&b, "%s/leadgate/leadgate.db", xdg);
	else if (home && *home)
		lg_buf_addf(&b, "%s/.local/share/leadgate/leadgate.db", home);
	else
		lg_err_set(err, LG_EUSAGE, "no database: set --db, $LEADGATE_DB or $HOME");
	return b.data;
}

/* mkdir -p of path's directory, mode 0700 for what it creates (the
 * database holds people's addresses). */
static enum lg_status make_parent(const char *path, struct lg_err *err)
{
	char *dir = lg_xstrdup(path);
	char *slash = strrchr(dir, '/');
	enum lg_status st = LG_OK;

	if (slash && slash != dir) {
		*slash = '\0';
		for (char *p = dir + 1; st == LG_OK; p++) {
			bool end = *p == '\0';
			if (*p != '/' && !end)
				continue;
			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST)
				st = lg_err_set(err, LG_EIO, "cannot create directory %s: %s", dir,
						strerror(errno));
			if (end)
				break;
			*p = '/';
		}
	}
	free(dir);
	return st;
}

/* PRAGMA user_version into *v. */
static enum lg_status user_version(struct store *s, int *v, struct lg_err *err)
{
	sqlite3_stmt *q;
	*v = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		return store_fail(s, "opening", err);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? LG_OK : store_fail(s, "opening", err);
}

/* Does the database hold any table (an empty file holds none)? */
static bool has_tables(struct store *s)
{
	sqlite3_stmt *q;
	bool any = false;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master LIMIT 1", -1, &q, NULL) ==
	    SQLITE_OK) {
		any = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
	}
	return any;
}

/* leadgate_account(domain): the account key of a contact's A-label
 * domain (verify_domain_account), NULL when it has none. */
static void sql_account(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct verify_ctx *ctx = sqlite3_user_data(c);
	const char *d = (const char *)sqlite3_value_text(argv[0]), *acct;
	size_t n = d && argc == 1
			   ? verify_domain_account(ctx, d, (size_t)sqlite3_value_bytes(argv[0]),
						   &acct)
			   : 0;
	if (n)
		sqlite3_result_text(c, acct, (int)n, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(c);
}

/*
 * Migration 5's second half: every contact's account, from its domain
 * (the address's tail, whose registrable domain the scoring commands
 * derived at each run before).  One UPDATE through an SQL function of
 * our own: the domain's analysis (IDNA, the Public Suffix List) is
 * cached per distinct domain in the verify context, so a million
 * contacts cost one pass (990,000 in 2.9 s, 1.6 s of it CPU:
 * bench/RESULTS.md), done at once rather than lazily: the first writing
 * command after the upgrade pays it, once.  Only the Public Suffix List
 * matters here, not the classifying lists: a context without them
 * serves.
 */
static enum lg_status fill_accounts(struct store *s, struct lg_err *err)
{
	static const struct verify_policy none = {0};
	struct verify_ctx *ctx = verify_ctx_new(&none);
	enum lg_status st = LG_OK;
	if (sqlite3_create_function(s->db, "leadgate_account", 1, SQLITE_UTF8, ctx, sql_account,
				    NULL, NULL) != SQLITE_OK)
		st = store_fail(s, "migrating", err);
	else
		st = exec(s, "UPDATE contacts SET account = leadgate_account(domain)", "migrating",
			  err);
	sqlite3_create_function(s->db, "leadgate_account", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
	verify_ctx_free(ctx);
	return st;
}

/* leadgate_contact_key(address): the key verify_contact_key_of gives a
 * key an older leadgate recorded, NULL when it is the same (every ASCII
 * key is). */
static void sql_contact_key(sqlite3_context *c, int argc, sqlite3_value **argv)
{
	struct verify_ctx *ctx = sqlite3_user_data(c);
	const char *a = (const char *)sqlite3_value_text(argv[0]);
	size_t n = a && argc == 1 ? (size_t)sqlite3_value_bytes(argv[0]) : 0;
	size_t i = 0;
	while (i < n && (unsigned char)a[i] < 0x80)
		i++;
	if (i == n) {
		sqlite3_result_null(c);
		return;
	}
	struct lg_buf key = LG_BUF_INIT;
	verify_contact_key_of(ctx, a, n, &key, NULL);
	if (key.len == n && !memcmp(key.data, a, n))
		sqlite3_result_null(c);
	else
		sqlite3_result_text(c, key.data, (int)key.len, SQLITE_TRANSIENT);
	lg_buf_release(&key);
}

/*
 * Migration 6's work: every address kept as a key (contacts, events,
 * suppressions, bounces) folded by the one rule.  Only keys holding a
 * non-ASCII byte can change.  A contact whose new key another contact
 * already holds (an older leadgate kept the two spellings apart) keeps
 * its old one (UPDATE OR IGNORE): its verdicts and moves stay its own,
 * and a later verify of either spelling records the contact that holds
 * the new key.  Likewise a suppression.
 */
static enum lg_status rekey_contacts(struct store *s, struct lg_err *err)
{
	static const struct verify_policy none = {0};
	static const char *const steps[] = {
		"UPDATE OR IGNORE contacts SET address = leadgate_contact_key(address)"
		" WHERE leadgate_contact_key(address) IS NOT NULL",
		"UPDATE events SET address = leadgate_contact_key(address)"
		" WHERE leadgate_contact_key(address) IS NOT NULL",
		"UPDATE OR IGNORE suppressions SET address = leadgate_contact_key(address)"
		" WHERE leadgate_contact_key(address) IS NOT NULL",
		"UPDATE bounces SET address = leadgate_contact_key(address)"
		" WHERE leadgate_contact_key(address) IS NOT NULL",
	};
	struct verify_ctx *ctx = verify_ctx_new(&none);
	enum lg_status st = LG_OK;
	if (sqlite3_create_function(s->db, "leadgate_contact_key", 1, SQLITE_UTF8, ctx,
				    sql_contact_key, NULL, NULL) != SQLITE_OK)
		st = store_fail(s, "migrating", err);
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps) && st == LG_OK; i++)
		st = exec(s, steps[i], "migrating", err);
	sqlite3_create_function(s->db, "leadgate_contact_key", 1, SQLITE_UTF8, NULL, NULL, NULL,
				NULL);
	verify_ctx_free(ctx);
	return st;
}

/* What a migration does besides its script, in C: NULL for none. */
static enum lg_status (*const migration_fill[])(struct store *s, struct lg_err *err) = {
	NULL, NULL, NULL, NULL, fill_accounts, rekey_contacts, NULL,
	NULL, NULL, NULL, NULL, NULL,          NULL,           NULL,
};
_Static_assert(sizeof(migration_fill) / sizeof(*migration_fill) ==
		       sizeof(migrations) / sizeof(*migrations),
	       "one entry per migration");

static enum lg_status migrate(struct store *s, struct lg_err *err)
{
	int version;
	enum lg_status st = user_version(s, &version, err);

	if (st != LG_OK)
		return st;
	if (version > SCHEMA_VERSION)
		return lg_err_set(err, LG_ECONFIG,
				  "%s: made by a newer leadgate (schema %d; this one "
				  "knows up to %d)",
				  s->path, version, SCHEMA_VERSION);
	if (version == SCHEMA_VERSION)
		return LG_OK;
	/* Another program's SQLite file: never add our tables to it. */
	if (version == 0 && has_tables(s))
		return lg_err_set(err, LG_ENOINPUT,
				  "%s: not a leadgate database (an SQLite "
				  "database of another program)",
				  s->path);
	st = exec(s, "BEGIN IMMEDIATE", "migrating", err);
	if (st != LG_OK)
		return st;
	/* Read again under the lock: another process may have migrated. */
	if ((st = user_version(s, &version, err)) != LG_OK)
		goto out;
	for (; version < SCHEMA_VERSION && st == LG_OK; version++) {
		char pragma[40];
		st = exec(s, migrations[version], "migrating", err);
		if (st == LG_OK && migration_fill[version])
			st = migration_fill[version](s, err);
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if (st == LG_OK)
			st = exec(s, pragma, "migrating", err);
	}
	if (st == LG_OK)
		st = exec(s, "COMMIT", "migrating", err);
out:
	if (st != LG_OK)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return st;
}

/* The directory of path, for messages and access checks.  Owned: free(). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return lg_xstrdup(".");
	return lg_xmemdup(path, slash == path ? 1 : (size_t)(slash - path));
}

/*
 * Why an existing database cannot be written, said before SQLite says
 * "unable to open database file" (it cannot create the -wal and -shm files
 * that WAL mode keeps beside the database, and reports whatever errno the
 * last try left): a read-only file system, or no write permission on the
 * file or its directory.  LG_OK when nothing is wrong that way.
 */
static enum lg_status check_writable(const char *path, struct lg_err *err)
{
	char *dir = dir_of(path);
	enum lg_status st = LG_OK;
	if (access(path, W_OK) != 0)
		st = lg_err_set(err, LG_EIO,
				"%s: the database is read-only here (%s); commands "
				"that only read it still work",
				path, strerror(errno));
	else if (access(dir, W_OK) != 0)
		st = lg_err_set(err, LG_EIO,
				"%s: its directory %s is read-only here (%s), and "
				"SQLite keeps the database's -wal and -shm files in it",
				path, dir, strerror(errno));
	free(dir);
	return st;
}

/*
 * A read-only open of a database on a read-only file system (a snapshot,
 * a read-only mount): SQLite cannot create the -shm file that WAL mode
 * needs, so it is opened as immutable.  Only when no -wal file is there:
 * one would hold commits that an immutable open does not see.
 */
static bool open_immutable(struct store *s)
{
	char *dir = dir_of(s->path);
	struct lg_buf wal = LG_BUF_INIT, uri = LG_BUF_INIT;
	struct stat sb;
	bool ok = false;

	lg_buf_addf(&wal, "%s-wal", s->path);
	if (access(dir, W_OK) != 0 && (stat(wal.data, &sb) != 0 || sb.st_size == 0)) {
		/* RFC 8089 file URI: escape what a URI would read otherwise. */
		lg_buf_adds(&uri, "file:");
		for (const char *p = s->path; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '%' || c == '?' || c == '#' || c <= ' ' || c >= 0x7f)
				lg_buf_addf(&uri, "%%%02X", c);
			else
				lg_buf_addc(&uri, (char)c);
		}
		lg_buf_adds(&uri, "?immutable=1");
		sqlite3_close(s->db);
		s->db = NULL;
		ok = sqlite3_open_v2(uri.data, &s->db,
				     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
				     NULL) == SQLITE_OK;
	}
	lg_buf_release(&wal);
	lg_buf_release(&uri);
	free(dir);
	return ok;
}

/*
 * SQLite's busy timeout, counted: a statement that finds the database
 * locked by another writer sleeps in growing steps, up to STORE_BUSY_MS in
 * all, before it fails busy.  Each such wait counts once (the service's
 * /metrics shows it: store_busy_waits).
 */
static _Atomic uint64_t busy_waits;

static int on_busy(void *arg, int n)
{
	static const int step[] = {1, 2, 5, 10, 20, 50, 100};
	const int nsteps = (int)(sizeof(step) / sizeof(*step));
	long waited = 0;
	(void)arg;
	if (n == 0)
		atomic_fetch_add(&busy_waits, 1);
	for (int i = 0; i < n && i < nsteps; i++)
		waited += step[i];
	if (n > nsteps)
		waited += (long)(n - nsteps) * step[nsteps - 1];
	if (waited >= STORE_BUSY_MS)
		return 0;
	sqlite3_sleep(n < nsteps ? step[n] : step[nsteps - 1]);
	return 1;
}

uint64_t store_busy_waits(void)
{
	return atomic_load(&busy_waits);
}

enum lg_status store_open(struct store **out, const char *path, enum store_mode mode,
			  struct lg_err *err)
{
	struct store *s = lg_xcalloc(1, sizeof(*s));
	enum lg_status st = LG_OK;
	struct stat sb;
	static bool configured;
	bool writes = mode != STORE_READ;

	if (!configured) {
		/* Before SQLite starts: no global allocation statistics, whose
		 * mutex costs every allocation. */
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}
	*out = NULL;
	s->path = path ? lg_xstrdup(path) : store_default_path(err);
	if (!s->path) {
		free(s);
		return LG_EUSAGE;
	}
	if (mode != STORE_CREATE && stat(s->path, &sb) != 0) {
		/* Only the commands that bring contacts in make a database: a
		 * scheduled refresh or score on a mistyped path must not run
		 * happily on an empty new one. */
		if (errno == ENOENT || errno == ENOTDIR)
			st = lg_err_set(
				err, LG_ENOINPUT,
				"%s: no database (leadgate verify --list NAME FILE, bounces "
				"import, events import or keys create creates one; --db PATH or "
				"LEADGATE_DB chooses another)",
				s->path);
		else
			st = lg_err_set(err, LG_ENOINPUT, "%s: %s", s->path, strerror(errno));
		goto out;
	}
	if (mode == STORE_CREATE && (st = make_parent(s->path, err)) != LG_OK)
		goto out;
	if (writes && stat(s->path, &sb) == 0 && (st = check_writable(s->path, err)) != LG_OK)
		goto out;
	int flags = SQLITE_OPEN_NOMUTEX |
		    (writes ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
	if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
		st = s->db ? store_fail(s, "opening", err)
			   : lg_err_set(err, LG_EIO, "%s: cannot open", s->path);
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	int v = 0;
	if (!writes) {
		st = user_version(s, &v, err);
		/* A read of a WAL database where the -shm file cannot be made. */
		int why = sqlite3_errcode(s->db) & 0xff;
		if (st != LG_OK && (why == SQLITE_CANTOPEN || why == SQLITE_READONLY) &&
		    open_immutable(s)) {
			sqlite3_extended_result_codes(s->db, 1);
			st = user_version(s, &v, err);
		}
		if (st != LG_OK)
			goto out;
	}
	sqlite3_busy_handler(s->db, on_busy, NULL);
	/* WAL: readers never block the writer and a crash loses at most
	 * what was not committed; NORMAL sync is durable to a process kill
	 * (the WAL is synced at checkpoints). */
	if (writes)
		st = exec(s, "PRAGMA journal_mode = WAL", "opening", err);
	if (st == LG_OK)
		st = exec(s,
			  "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 8192;"
			  " PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY",
			  "opening", err);
	/* Readers scan whole lists (the gate): map the file rather than copy
	 * its pages into the cache.  Up to 1 GiB of address space, not of
	 * memory: a million contacts with their kept rows make a 370 MB file,
	 * and pages past the mapping are read with a copy each (the gate took
	 * 0.60 s with 256 MiB mapped, 0.51 s with all of it). */
	if (st == LG_OK && !writes)
		st = exec(s, "PRAGMA mmap_size = 1073741824", "opening", err);
	if (st != LG_OK)
		goto out;
	if (writes && sqlite3_db_readonly(s->db, "main") == 1) {
		st = lg_err_set(err, LG_EIO, "%s: the database is read-only (no write permission)",
				s->path);
		goto out;
	}
	if (writes) {
		st = migrate(s, err);
		s->version = SCHEMA_VERSION;
	} else {
		/* Reading an empty or foreign file: say so rather than fail later. */
		if (v == 0)
			st = lg_err_set(err, LG_ENOINPUT, "%s: not a leadgate database (or empty)",
					s->path);
		else if (v > SCHEMA_VERSION)
			st = lg_err_set(err, LG_ECONFIG, "%s: made by a newer leadgate (schema %d)",
					s->path, v);
		s->version = v;
	}
out:
	if (st != LG_OK) {
		store_close(s);
		return st;
	}
	*out = s;
	return LG_OK;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	for (unsigned i = 0; i < STORE_STMTS; i++)
		sqlite3_finalize(s->stmt[i].q);
	sqlite3_close(s->db);
	free(s->path);
	free(s->source.text);
	free(s);
}

const char *store_path(const struct store *s)
{
	return s->path;
}

enum lg_status store_begin(struct store *s, struct lg_err *err)
{
	enum lg_status st = exec(s, "BEGIN IMMEDIATE", "starting a transaction", err);
	s->in_tx = st == LG_OK;
	return st;
}

enum lg_status store_commit(struct store *s, struct lg_err *err)
{
	enum lg_status st = exec(s, "COMMIT", "committing", err);
	if (st == LG_OK)
		s->in_tx = false;
	return st;
}

void store_rollback(struct store *s)
{
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
}
