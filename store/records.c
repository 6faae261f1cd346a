/*
 * records.c - what runs write: verdicts of verify runs, DNS answers kept
 * across runs, bounce events and the suppressions they cause.
 */
#include "store_int.h"
#include "smtp/smtp.h"

#include <stdio.h>
#include <string.h>

/* Bind text of known length (borrowed until the statement is reset). */
static void bind_text(sqlite3_stmt *q, int i, const char *s, size_t n)
{
	sqlite3_bind_text(q, i, s, (int)n, SQLITE_STATIC);
}

static const char sql_run_add[] = "INSERT INTO runs(kind, list_id, input, fingerprint, started_at)"
				  " VALUES (?1, ?2, ?3, ?4, ?5)";

static enum lg_status run_add(struct store *s, const char *kind, int64_t list_id, const char *input,
			      const char *fingerprint, int64_t now, int64_t *id, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_run_add);
	sqlite3_bind_text(q, 1, kind, -1, SQLITE_STATIC);
	if (list_id)
		sqlite3_bind_int64(q, 2, list_id);
	sqlite3_bind_text(q, 3, input ? input : "", -1, SQLITE_STATIC);
	if (fingerprint)
		sqlite3_bind_text(q, 4, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, now);
	enum lg_status st = store_exec_step(s, q, "starting a run", err);
	*id = sqlite3_last_insert_rowid(s->db);
	return st;
}

enum lg_status store_run_begin(struct store *s, const char *kind, int64_t list_id,
			       const char *input, int64_t now, struct store_run *run,
			       struct lg_err *err)
{
	memset(run, 0, sizeof(*run));
	run->list_id = list_id;
	return run_add(s, kind, list_id, input, NULL, now, &run->id, err);
}

static const char sql_run_done[] =
	"UPDATE runs SET finished_at = ?2, rows = ?3, contacts = ?4, deliverable = ?5,"
	" risky = ?6, undeliverable = ?7, unknown = ?8 WHERE id = ?1";

enum lg_status store_run_finish(struct store *s, const struct store_run *run, int64_t now,
				struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_run_done);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, now);
	return store_exec_step(s, q, "finishing a run", err);
}

static const char sql_list_find[] = "SELECT id FROM lists WHERE name = ?1";

static const char sql_list_add[] =
	"INSERT INTO lists(name, source, created_at) VALUES (?1, ?2, ?3)";

static const char sql_run_find_open[] =
	"SELECT id FROM runs WHERE list_id = ?1 AND kind = 'verify'"
	" AND finished_at IS NULL AND fingerprint = ?2 ORDER BY id DESC LIMIT 1";

static const char sql_run_drop_open[] =
	"DELETE FROM members WHERE run_id IN (SELECT id FROM runs"
	" WHERE list_id = ?1 AND kind = 'verify' AND finished_at IS NULL AND id <> ?2)";

static const char sql_run_drop_open_rows[] =
	"DELETE FROM member_rows WHERE run_id IN (SELECT id FROM runs"
	" WHERE list_id = ?1 AND kind = 'verify' AND finished_at IS NULL"
	" AND id <> ?2)";

static const char sql_run_abandon[] =
	"UPDATE runs SET fingerprint = NULL WHERE list_id = ?1 AND kind = 'verify'"
	" AND finished_at IS NULL AND id <> ?2";

static const char sql_run_count[] = "SELECT count(*) FROM members WHERE run_id = ?1";

enum lg_status store_verify_begin(struct store *s, const char *name, const char *source,
				  const char *input, const char *fingerprint, int64_t now,
				  struct store_run *run, struct lg_err *err)
{
	sqlite3_stmt *q;
	enum lg_status st;
	int rc;

	memset(run, 0, sizeof(*run));
	q = store_stmt(s, sql_list_find);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		run->list_id = sqlite3_column_int64(q, 0);
	/* Reset at once: a statement left on a row keeps a read transaction
	 * open, and BEGIN IMMEDIATE then fails without waiting. */
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		return store_fail(s, "finding the list", err);
	} else if (rc == SQLITE_DONE) {
		q = store_stmt(s, sql_list_add);
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, source ? source : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, now);
		if ((st = store_exec_step(s, q, "creating the list", err)) != LG_OK)
			return st;
		run->list_id = sqlite3_last_insert_rowid(s->db);
	}
	if (fingerprint) {
		q = store_stmt(s, sql_run_find_open);
		sqlite3_bind_int64(q, 1, run->list_id);
		sqlite3_bind_text(q, 2, fingerprint, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			run->id = sqlite3_column_int64(q, 0);
			run->resumed = true;
		} else if (rc != SQLITE_DONE) {
			return store_fail(s, "finding an interrupted run", err);
		}
		sqlite3_reset(q);
	}
	if (!run->id && (st = run_add(s, "verify", run->list_id, input, fingerprint, now, &run->id,
				      err)) != LG_OK)
		return st;
	/* Interrupted runs of other inputs will never finish: forget whom
	 * they had listed (their evidence stays: those verdicts were given). */
	for (int k = 0; k < 2; k++) {
		q = store_stmt(s, k ? sql_run_drop_open_rows : sql_run_drop_open);
		sqlite3_bind_int64(q, 1, run->list_id);
		sqlite3_bind_int64(q, 2, run->id);
		if ((st = store_exec_step(s, q, "discarding interrupted runs", err)) != LG_OK)
			return st;
	}
	q = store_stmt(s, sql_run_abandon); /* and never take them up */
	sqlite3_bind_int64(q, 1, run->list_id);
	sqlite3_bind_int64(q, 2, run->id);
	if ((st = store_exec_step(s, q, "discarding interrupted runs", err)) != LG_OK)
		return st;
	if (run->resumed) {
		q = store_stmt(s, sql_run_count);
		sqlite3_bind_int64(q, 1, run->id);
		if (sqlite3_step(q) == SQLITE_ROW)
			run->done = (unsigned long)sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	return LG_OK;
}

static const char sql_contact_insert[] =
	"INSERT INTO contacts(address, domain, first_seen, last_seen, status, "
	"reason, flags,"
	" mx, provider, verified_at, suppressed, source, account) VALUES (?1, "
	"?2, ?3, ?3, ?4,"
	" ?5, ?6, ?7, ?8, ?9, coalesce((SELECT why FROM suppressions WHERE "
	"address = ?1), 0),"
	" ?10, ?11)";

/* A contact keeps its verdict when the new one is unknown (3) and the old
 * one is not (a timeout says nothing about the address), and always once
 * it hard-bounced (suppressed = 1): the bounce decides. */
#define KEEP_OLD "(?4 = 3 AND status <> 3) OR suppressed = 1"
static const char sql_contact_update[] =
	"UPDATE contacts SET last_seen = ?3,"
	/* The latest list that names a source gives it. */
	" source = iif(?10 = '', source, ?10),"
	/* "Could not decide" (unknown) never replaces a decided verdict. */
	" status = iif(" KEEP_OLD ", status, ?4),"
	" reason = iif(" KEEP_OLD ", reason, ?5),"
	" flags = iif(" KEEP_OLD ", flags, ?6),"
	" mx = iif(" KEEP_OLD ", mx, ?7),"
	" provider = iif(" KEEP_OLD ", provider, ?8),"
	" verified_at = iif(" KEEP_OLD ", verified_at, ?9),"
	/* A new verdict's SMTP evidence, if any, is set after (smtp_record) */
	" smtp_outcome = iif(" KEEP_OLD ", smtp_outcome, NULL),"
	" smtp_reply = iif(" KEEP_OLD ", smtp_reply, NULL),"
	" smtp_tls = iif(" KEEP_OLD ", smtp_tls, NULL),"
	" smtp_at = iif(" KEEP_OLD ", smtp_at, NULL),"
	/* a function of the address: NULL (not given) keeps the one kept */
	" account = coalesce(?11, account)"
	" WHERE id = ?12";

static const char sql_list_source[] = "SELECT source FROM lists WHERE id = ?1";

/* The source of list list_id ("" when it names none), read once. */
static enum lg_status list_source(struct store *s, int64_t list_id, const char **out,
				  struct lg_err *err)
{
	if (!s->source.text || s->source.list != list_id) {
		sqlite3_stmt *q = store_stmt(s, sql_list_source);
		sqlite3_bind_int64(q, 1, list_id);
		int rc = sqlite3_step(q);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			enum lg_status st = store_fail(s, "reading the list's source", err);
			sqlite3_reset(q);
			return st;
		}
		free(s->source.text);
		s->source.text = lg_xstrdup(rc == SQLITE_ROW && sqlite3_column_text(q, 0)
						    ? (const char *)sqlite3_column_text(q, 0)
						    : "");
		s->source.list = list_id;
		sqlite3_reset(q);
	}
	*out = s->source.text;
	return LG_OK;
}

/* Bind verdict v to sql_contact_insert or sql_contact_update (id 0: insert). */
static void contact_bind(sqlite3_stmt *q, const struct store_verdict *v, const char *source,
			 int64_t now, int64_t id)
{
	bind_text(q, 1, v->address, v->address_len);
	bind_text(q, 2, v->domain, v->domain_len);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int(q, 4, (int)v->status);
	sqlite3_bind_int(q, 5, (int)v->reason);
	sqlite3_bind_int(q, 6, (int)(v->flags & ~(unsigned)VERIFY_F_ROW_ONLY));
	sqlite3_bind_text(q, 7, v->mx, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, v->provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, v->verified_at);
	sqlite3_bind_text(q, 10, source, -1, SQLITE_STATIC);
	if (v->account && v->account_len)
		bind_text(q, 11, v->account, v->account_len);
	if (id)
		sqlite3_bind_int64(q, 12, id);
}

/* A contact is found by its key (then, here, inserted or updated:
 * cheaper than one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, whose
 * returned row SQLite keeps in a table of its own). */
const char store_sql_contact_find[] = "SELECT id FROM contacts WHERE address = ?1";

/*
 * Insert or update the contact with verdict v; its id.
 *
 * Looking the address up first costs a walk of the contacts' address
 * index, and the insert then walks it again.  So while contacts come out
 * new (a list seen for the first time) the insert goes first, and only an
 * address already there (the insert refused by the index, which changes
 * nothing) is looked up and updated; the first contact found goes back to
 * looking up first, as for a list verified again.  Either way the same
 * statements write the same rows.
 */
static enum lg_status contact_upsert(struct store *s, const struct store_verdict *v,
				     int64_t list_id, int64_t now, int64_t *id, struct lg_err *err)
{
	const char *source = "";
	enum lg_status st;
	sqlite3_stmt *q;
	int rc;

	if ((st = list_source(s, list_id, &source, err)) != LG_OK)
		return st;
	if (s->insert_first) {
		q = store_stmt(s, sql_contact_insert);
		contact_bind(q, v, source, now, 0);
		rc = sqlite3_step(q);
		if (rc == SQLITE_DONE) {
			sqlite3_reset(q);
			*id = sqlite3_last_insert_rowid(s->db);
			return LG_OK;
		}
		if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_UNIQUE) {
			st = store_fail(s, "recording a contact", err);
			sqlite3_reset(q);
			return st;
		}
		sqlite3_reset(q);
		s->insert_first = false; /* known: look the next ones up first */
	}
	q = store_stmt(s, store_sql_contact_find);
	bind_text(q, 1, v->address, v->address_len);
	rc = sqlite3_step(q);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q); /* no statement left on a row */
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "finding a contact", err);
	s->insert_first = !*id;

	q = store_stmt(s, *id ? sql_contact_update : sql_contact_insert);
	contact_bind(q, v, source, now, *id);
	if ((st = store_exec_step(s, q, "recording a contact", err)) != LG_OK)
		return st;
	if (!*id)
		*id = sqlite3_last_insert_rowid(s->db);
	return LG_OK;
}

static const char sql_evidence_add[] =
	"INSERT OR IGNORE INTO evidence(contact_id, run_id, how, status, reason, flags, mx,"
	" provider, verified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

enum lg_status store_evidence_add(struct store *s, int64_t contact, int64_t run, const char *how,
				  const struct store_verdict *v, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_evidence_add);
	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int64(q, 2, run);
	sqlite3_bind_text(q, 3, how, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, (int)v->status);
	sqlite3_bind_int(q, 5, (int)v->reason);
	sqlite3_bind_int(q, 6, (int)(v->flags & ~(unsigned)VERIFY_F_ROW_ONLY));
	sqlite3_bind_text(q, 7, v->mx, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, v->provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, v->verified_at);
	return store_exec_step(s, q, "recording evidence", err);
}

static const char sql_smtp_evidence_add[] =
	"INSERT OR IGNORE INTO smtp_evidence(contact_id, run_id, outcome, reply, tls, decided_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* The contact's verdict is v's (it was not kept over v): v's probe is its. */
static const char sql_contact_smtp[] =
	"UPDATE contacts SET smtp_outcome = ?2, smtp_reply = ?3, smtp_tls = ?4, smtp_at = ?5"
	" WHERE id = ?1 AND status = ?6 AND reason = ?7 AND verified_at = ?8";

/* An address a mail host still greylisted: the next refresh takes it
 * first (a rep's own request, if there is one, stays as it was). */
static const char sql_reverify_greylisted[] =
	"INSERT INTO reverify(contact_id, requested_at, why)"
	" VALUES (?1, ?2, 'smtp.greylisted') ON CONFLICT (contact_id) DO NOTHING";

enum lg_status store_smtp_record(struct store *s, int64_t contact, int64_t run,
				 const struct store_verdict *v, struct lg_err *err)
{
	if (!v->smtp_outcome)
		return LG_OK;
	const char *reply = v->smtp_reply ? v->smtp_reply : "";
	sqlite3_stmt *q = store_stmt(s, sql_smtp_evidence_add);
	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int64(q, 2, run);
	sqlite3_bind_int(q, 3, v->smtp_outcome);
	sqlite3_bind_text(q, 4, reply, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, v->smtp_tls);
	sqlite3_bind_int64(q, 6, v->smtp_at);
	enum lg_status st = store_exec_step(s, q, "recording SMTP evidence", err);
	if (st != LG_OK)
		return st;
	q = store_stmt(s, sql_contact_smtp);
	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int(q, 2, v->smtp_outcome);
	sqlite3_bind_text(q, 3, reply, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, v->smtp_tls);
	sqlite3_bind_int64(q, 5, v->smtp_at);
	sqlite3_bind_int(q, 6, (int)v->status);
	sqlite3_bind_int(q, 7, (int)v->reason);
	sqlite3_bind_int64(q, 8, v->verified_at);
	if ((st = store_exec_step(s, q, "recording SMTP evidence", err)) != LG_OK)
		return st;
	if (v->smtp_outcome != SMTP_GREYLISTED)
		return LG_OK;
	q = store_stmt(s, sql_reverify_greylisted);
	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int64(q, 2, v->smtp_at);
	return store_exec_step(s, q, "scheduling a greylisted address", err);
}

static const char sql_member_add[] =
	"INSERT OR IGNORE INTO members(run_id, contact_id) VALUES (?1, ?2)";

static const char sql_member_row_add[] =
	"INSERT OR IGNORE INTO member_rows(run_id, contact_id, cells)"
	" VALUES (?1, ?2, ?3)";

/* A verdict's evidence, membership and row, its contact recorded as id. */
static enum lg_status row_rest(struct store *s, const struct store_run *run,
			       const struct store_verdict *v, int64_t id, struct lg_err *err)
{
	enum lg_status st;
	if ((st = store_evidence_add(s, id, run->id, "verify", v, err)) != LG_OK ||
	    (st = store_smtp_record(s, id, run->id, v, err)) != LG_OK)
		return st;
	sqlite3_stmt *q = store_stmt(s, sql_member_add);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, id);
	if ((st = store_exec_step(s, q, "recording list membership", err)) != LG_OK || !v->cells)
		return st;
	q = store_stmt(s, sql_member_row_add);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, id);
	sqlite3_bind_blob(q, 3, v->cells, (int)v->cells_len, SQLITE_STATIC);
	return store_exec_step(s, q, "recording a member's row", err);
}

enum lg_status store_verify_row(struct store *s, const struct store_run *run,
				const struct store_verdict *v, int64_t now, struct lg_err *err)
{
	int64_t id;
	enum lg_status st;

	if (!v->address_len)
		return LG_OK;
	if ((st = contact_upsert(s, v, run->list_id, now, &id, err)) != LG_OK)
		return st;
	if (v->profile && (st = store_profile_put(s, id, v->profile, now, err)) != LG_OK)
		return st;
	return row_rest(s, run, v, id, err);
}

/*
 * store_verify_rows' statements: SLICE rows a statement, so that the
 * fixed cost of running one (step, halt, reset: about as much as the
 * B-tree work of one small row) is paid once a slice, not once a row.
 * The rows are in the order given, so INSERT OR IGNORE keeps the first
 * of a contact's rows in a slice, as it does row by row.  32 rows (the
 * texts below hold SLICE each): 64 saved no more instructions, and every
 * 1M-row `verify --list` with it peaked 17 MB higher (bench/RESULTS.md).
 */
#define SLICE 32
#define EV1 "(?, ?, 'verify', ?, ?, ?, ?, ?, ?)"
#define EV2 EV1 ", " EV1
#define EV4 EV2 ", " EV2
#define EV8 EV4 ", " EV4
#define EV16 EV8 ", " EV8
#define EV32 EV16 ", " EV16
#define MB1 "(?, ?)"
#define MB2 MB1 ", " MB1
#define MB4 MB2 ", " MB2
#define MB8 MB4 ", " MB4
#define MB16 MB8 ", " MB8
#define MB32 MB16 ", " MB16
#define MR1 "(?, ?, ?)"
#define MR2 MR1 ", " MR1
#define MR4 MR2 ", " MR2
#define MR8 MR4 ", " MR4
#define MR16 MR8 ", " MR8
#define MR32 MR16 ", " MR16

static const char sql_evidence_slice[] =
	"INSERT OR IGNORE INTO evidence(contact_id, run_id, how, status, reason, flags, mx,"
	" provider, verified_at) VALUES " EV32;

static const char sql_member_slice[] =
	"INSERT OR IGNORE INTO members(run_id, contact_id) VALUES " MB32;

static const char sql_member_row_slice[] =
	"INSERT OR IGNORE INTO member_rows(run_id, contact_id, cells) VALUES " MR32;

/* The evidence, members and member rows of a slice of SLICE verdicts,
 * whose contacts are id[]: a statement each, or row by row where a
 * verdict has no row. */
static enum lg_status slice_write(struct store *s, const struct store_run *run,
				  const struct store_verdict *const *v, const int64_t *id,
				  struct lg_err *err)
{
	enum lg_status st;
	bool cells = true;
	sqlite3_stmt *q = store_stmt(s, sql_evidence_slice);
	for (int i = 0; i < SLICE; i++) {
		int b = i * 8;
		sqlite3_bind_int64(q, b + 1, id[i]);
		sqlite3_bind_int64(q, b + 2, run->id);
		sqlite3_bind_int(q, b + 3, (int)v[i]->status);
		sqlite3_bind_int(q, b + 4, (int)v[i]->reason);
		sqlite3_bind_int(q, b + 5, (int)(v[i]->flags & ~(unsigned)VERIFY_F_ROW_ONLY));
		sqlite3_bind_text(q, b + 6, v[i]->mx, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, b + 7, v[i]->provider, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, b + 8, v[i]->verified_at);
		cells = cells && v[i]->cells;
	}
	if ((st = store_exec_step(s, q, "recording evidence", err)) != LG_OK)
		return st;
	for (int i = 0; i < SLICE; i++) /* a probed address's, one by one */
		if ((st = store_smtp_record(s, id[i], run->id, v[i], err)) != LG_OK)
			return st;
	q = store_stmt(s, sql_member_slice);
	for (int i = 0; i < SLICE; i++) {
		sqlite3_bind_int64(q, i * 2 + 1, run->id);
		sqlite3_bind_int64(q, i * 2 + 2, id[i]);
	}
	if ((st = store_exec_step(s, q, "recording list membership", err)) != LG_OK)
		return st;
	if (!cells) {
		for (int i = 0; i < SLICE && st == LG_OK; i++) {
			if (!v[i]->cells)
				continue;
			q = store_stmt(s, sql_member_row_add);
			sqlite3_bind_int64(q, 1, run->id);
			sqlite3_bind_int64(q, 2, id[i]);
			sqlite3_bind_blob(q, 3, v[i]->cells, (int)v[i]->cells_len, SQLITE_STATIC);
			st = store_exec_step(s, q, "recording a member's row", err);
		}
		return st;
	}
	q = store_stmt(s, sql_member_row_slice);
	for (int i = 0; i < SLICE; i++) {
		sqlite3_bind_int64(q, i * 3 + 1, run->id);
		sqlite3_bind_int64(q, i * 3 + 2, id[i]);
		sqlite3_bind_blob(q, i * 3 + 3, v[i]->cells, (int)v[i]->cells_len, SQLITE_STATIC);
	}
	return store_exec_step(s, q, "recording a member's row", err);
}

enum lg_status store_verify_rows(struct store *s, const struct store_run *run,
				 const struct store_verdict *v, size_t n, int64_t now,
				 struct lg_err *err)
{
	const struct store_verdict *sv[SLICE];
	int64_t id[SLICE];
	enum lg_status st = LG_OK;
	size_t i = 0;

	while (i < n && st == LG_OK) {
		/* A slice: the contacts (and profiles) of the next SLICE
		 * verdicts with an address first, then the rest of them. */
		int k = 0;
		for (; i < n && k < SLICE && st == LG_OK; i++) {
			if (!v[i].address_len)
				continue;
			st = contact_upsert(s, &v[i], run->list_id, now, &id[k], err);
			if (st == LG_OK && v[i].profile)
				st = store_profile_put(s, id[k], v[i].profile, now, err);
			sv[k++] = &v[i];
		}
		if (st != LG_OK)
			break;
		if (k == SLICE)
			st = slice_write(s, run, sv, id, err);
		else /* the last, short slice: row by row */
			for (int j = 0; j < k && st == LG_OK; j++)
				st = row_rest(s, run, sv[j], id[j], err);
	}
	return st;
}

static const char sql_run_header[] = "UPDATE runs SET header = ?2, email_col = ?3 WHERE id = ?1";

enum lg_status store_verify_header(struct store *s, const struct store_run *run, const void *header,
				   size_t len, long email_col, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_run_header);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_blob(q, 2, len ? header : "", (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, email_col);
	return store_exec_step(s, q, "recording the list's columns", err);
}

static const char sql_list_set_current[] = "UPDATE lists SET current_run = ?2 WHERE id = ?1";

enum lg_status store_verify_finish(struct store *s, const struct store_run *run,
				   struct store_list_counts *c, int64_t now, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_run_count);
	enum lg_status st;

	sqlite3_bind_int64(q, 1, run->id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		st = store_fail(s, "counting the list version", err);
		sqlite3_reset(q);
		return st;
	}
	c->contacts = (unsigned long)sqlite3_column_int64(q, 0);
	sqlite3_reset(q);

	q = store_stmt(s, sql_run_done);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)c->rows);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)c->contacts);
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		sqlite3_bind_int64(q, 5 + i, (sqlite3_int64)c->by_status[i]);
	if ((st = store_exec_step(s, q, "finishing the list version", err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_list_set_current);
	sqlite3_bind_int64(q, 1, run->list_id);
	sqlite3_bind_int64(q, 2, run->id);
	return store_exec_step(s, q, "finishing the list version", err);
}

static const char sql_suppressed_all[] = "SELECT address, why FROM suppressions";

struct suppressed_cb {
	void (*fn)(void *arg, const char *address, size_t len, enum store_suppress why);
	void *arg;
};

static enum lg_status suppressed_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct suppressed_cb *cb = ctx;
	(void)err;
	cb->fn(cb->arg, (const char *)sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0),
	       (enum store_suppress)sqlite3_column_int(q, 1));
	return LG_OK;
}

enum lg_status store_suppressed_each(struct store *s,
				     void (*fn)(void *arg, const char *address, size_t len,
						enum store_suppress why),
				     void *arg, struct lg_err *err)
{
	struct suppressed_cb cb = {fn, arg};
	return store_each_row(s, store_stmt(s, sql_suppressed_all), "reading suppressions",
			      suppressed_row, &cb, err);
}

static const char sql_domain_get[] =
	"SELECT outcome, mx, provider, answered_at, expires_at FROM domains"
	" WHERE domain = ?1 AND expires_at > ?2";

bool store_domain_get(struct store *s, const char *domain, size_t len, int64_t now,
		      struct dns_result *out)
{
	sqlite3_stmt *q = store_stmt(s, sql_domain_get);
	bind_text(q, 1, domain, len);
	sqlite3_bind_int64(q, 2, now);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_reset(q);
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->outcome = (uint8_t)sqlite3_column_int(q, 0);
	snprintf(s->mx, sizeof(s->mx), "%s", (const char *)sqlite3_column_text(q, 1));
	out->mx = s->mx;
	out->provider = (uint8_t)sqlite3_column_int(q, 2);
	out->answered_at = (uint32_t)sqlite3_column_int64(q, 3);
	out->expires_at = (uint32_t)sqlite3_column_int64(q, 4);
	sqlite3_reset(q); /* no read transaction left open (see above) */
	return out->outcome != DNS_PENDING && out->outcome <= DNS_TIMEOUT &&
	       out->provider < DNS_PROV_COUNT;
}

static const char sql_domain_put[] =
	"INSERT OR REPLACE INTO domains(domain, outcome, mx, provider, answered_at,"
	" expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

static const char sql_smtp_domain_get[] =
	"SELECT catch_all FROM smtp_domains WHERE domain = ?1 AND expires_at > ?2";

int store_smtp_domain_get(struct store *s, const char *domain, size_t len, int64_t now)
{
	if (s->version < 12)
		return 0;
	sqlite3_stmt *q = store_stmt(s, sql_smtp_domain_get);
	bind_text(q, 1, domain, len);
	sqlite3_bind_int64(q, 2, now);
	int ca = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_reset(q);
	return ca == SMTP_CA_NO || ca == SMTP_CA_YES ? ca : 0;
}

static const char sql_smtp_domain_put[] =
	"INSERT OR REPLACE INTO smtp_domains(domain, catch_all, found_at, expires_at)"
	" VALUES (?1, ?2, ?3, ?4)";

enum lg_status store_smtp_domain_put(struct store *s, const char *domain, size_t len, int ca,
				     int64_t at, int64_t expires_at, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_smtp_domain_put);
	bind_text(q, 1, domain, len);
	sqlite3_bind_int(q, 2, ca);
	sqlite3_bind_int64(q, 3, at);
	sqlite3_bind_int64(q, 4, expires_at);
	return store_exec_step(s, q, "keeping a domain's catch-all state", err);
}

enum lg_status store_domain_put(struct store *s, const char *domain, size_t len,
				const struct dns_result *res, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_domain_put);
	bind_text(q, 1, domain, len);
	sqlite3_bind_int(q, 2, res->outcome);
	sqlite3_bind_text(q, 3, res->mx ? res->mx : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, res->provider);
	sqlite3_bind_int64(q, 5, res->answered_at);
	sqlite3_bind_int64(q, 6, res->expires_at);
	return store_exec_step(s, q, "keeping a DNS answer", err);
}

static enum store_suppress suppress_of(const char *type)
{
	if (!strcmp(type, "hard"))
		return STORE_SUPPRESS_BOUNCE;
	if (!strcmp(type, "complaint"))
		return STORE_SUPPRESS_COMPLAINT;
	if (!strcmp(type, "unsubscribe"))
		return STORE_SUPPRESS_UNSUBSCRIBE;
	return STORE_SUPPRESS_NONE;
}

/* A row's first column, an id, added to the int64_t array in ctx (an lg_buf). */
static enum lg_status id_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	(void)err;
	int64_t id = sqlite3_column_int64(q, 0);
	lg_buf_add(ctx, &id, sizeof(id));
	return LG_OK;
}

/*
 * A hard bounce of contact at `at`: mark the sends of it (statement mark,
 * which returns the id of each list or version it marked) no later than
 * the bounce, and add one to each one's count (statement add).
 */
static enum lg_status count_bounce(struct store *s, const char *mark, const char *add,
				   int64_t contact, int64_t at, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, mark);
	struct lg_buf ids = LG_BUF_INIT; /* int64_t */

	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int64(q, 2, at);
	enum lg_status st = store_each_row(s, q, "recording a hard bounce", id_row, &ids, err);
	for (size_t i = 0; st == LG_OK && i < ids.len / sizeof(int64_t); i++) {
		int64_t id;
		memcpy(&id, ids.data + i * sizeof(id), sizeof(id));
		q = store_stmt(s, add);
		sqlite3_bind_int64(q, 1, id);
		st = store_exec_step(s, q, "recording a hard bounce", err);
	}
	lg_buf_release(&ids);
	return st;
}

static const char sql_suppress_add[] =
	"INSERT OR IGNORE INTO suppressions(address, why, since, bounce_id)"
	" VALUES (?1, ?2, ?3, ?4)";

static const char sql_contact_suppress[] =
	"UPDATE contacts SET suppressed = ?2 WHERE id = ?1 AND suppressed = 0";

enum lg_status store_suppress(struct store *s, const char *address, size_t len,
			      enum store_suppress why, int64_t since, bool *newly,
			      struct lg_err *err)
{
	sqlite3_stmt *q;
	enum lg_status st;
	int64_t contact = 0;

	*newly = false;
	q = store_stmt(s, sql_suppress_add);
	bind_text(q, 1, address, len);
	sqlite3_bind_int(q, 2, (int)why);
	sqlite3_bind_int64(q, 3, since);
	/* ?4, the bounce, stays NULL */
	if ((st = store_exec_step(s, q, "suppressing an address", err)) != LG_OK)
		return st;
	if (!sqlite3_changes(s->db))
		return LG_OK; /* suppressed before, for this reason or another */
	*newly = true;
	q = store_stmt(s, store_sql_contact_find);
	bind_text(q, 1, address, len);
	if (sqlite3_step(q) == SQLITE_ROW)
		contact = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	if (!contact)
		return LG_OK;
	q = store_stmt(s, sql_contact_suppress);
	sqlite3_bind_int64(q, 1, contact);
	sqlite3_bind_int(q, 2, (int)why);
	return store_exec_step(s, q, "suppressing an address", err);
}

static const char sql_bounce_add[] =
	"INSERT OR IGNORE INTO bounces(key, address, contact_id, list_id, run_id, type,"
	" status, code, reason, format, occurred_at, imported_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/* The first reason stays, except that a hard bounce overrides the
 * others: it is the one that decides the verdict. */
static const char sql_suppress_hard[] =
	"UPDATE suppressions SET why = 1, bounce_id = ?2 WHERE address = ?1"
	" AND why <> 1";

static const char sql_contact_hard[] =
	"UPDATE contacts SET status = ?2, reason = ?3,"
	" verified_at = max(verified_at, ?4), suppressed = 1 WHERE id = ?1";

static const char sql_evidence_bounce[] =
	"INSERT OR IGNORE INTO evidence(contact_id, run_id, how, status, reason, flags, mx,"
	" provider, verified_at) SELECT id, ?2, 'bounce', status, reason, flags, mx, "
	"provider,"
	" verified_at FROM contacts WHERE id = ?1";

static const char sql_sent_bounced[] =
	"UPDATE sent SET bounced_at = ?2 WHERE contact_id = ?1 AND bounced_at IS NULL"
	" AND first_at <= ?2 RETURNING list_id";

static const char sql_list_bounced_add[] =
	"UPDATE lists SET hard_bounced = hard_bounced + 1 WHERE id = ?1";

static const char sql_vsent_bounced[] =
	"UPDATE version_sent SET bounced_at = ?2 WHERE contact_id = ?1"
	" AND bounced_at IS NULL AND first_at <= ?2 RETURNING run_id";

static const char sql_run_bounced_add[] =
	"UPDATE runs SET hard_bounced = hard_bounced + 1 WHERE id = ?1";

enum lg_status store_bounce_add(struct store *s, const struct store_run *run,
				const struct store_bounce *b, int64_t now,
				enum store_bounce_effect *effect, struct lg_err *err)
{
	sqlite3_stmt *q;
	enum lg_status st;
	int64_t contact = 0;
	enum store_suppress why = suppress_of(b->type);

	*effect = STORE_BOUNCE_DUPLICATE;
	q = store_stmt(s, store_sql_contact_find);
	bind_text(q, 1, b->address, b->address_len);
	if (sqlite3_step(q) == SQLITE_ROW)
		contact = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);

	q = store_stmt(s, sql_bounce_add);
	sqlite3_bind_text(q, 1, b->key, -1, SQLITE_STATIC);
	bind_text(q, 2, b->address, b->address_len);
	if (contact)
		sqlite3_bind_int64(q, 3, contact);
	if (run->list_id)
		sqlite3_bind_int64(q, 4, run->list_id);
	sqlite3_bind_int64(q, 5, run->id);
	sqlite3_bind_text(q, 6, b->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, b->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, b->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, b->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, b->format, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 11, b->occurred_at);
	sqlite3_bind_int64(q, 12, now);
	if ((st = store_exec_step(s, q, "recording a bounce", err)) != LG_OK)
		return st;
	if (!sqlite3_changes(s->db))
		return LG_OK; /* imported before */
	*effect = STORE_BOUNCE_RECORDED;
	int64_t bounce_id = sqlite3_last_insert_rowid(s->db);
	if (why == STORE_SUPPRESS_NONE)
		return LG_OK;

	q = store_stmt(s, sql_suppress_add);
	bind_text(q, 1, b->address, b->address_len);
	sqlite3_bind_int(q, 2, (int)why);
	sqlite3_bind_int64(q, 3, b->occurred_at ? b->occurred_at : now);
	sqlite3_bind_int64(q, 4, bounce_id);
	if ((st = store_exec_step(s, q, "suppressing an address", err)) != LG_OK)
		return st;
	if (sqlite3_changes(s->db)) {
		*effect = STORE_BOUNCE_SUPPRESSED;
	} else if (why == STORE_SUPPRESS_BOUNCE) {
		q = store_stmt(s, sql_suppress_hard);
		bind_text(q, 1, b->address, b->address_len);
		sqlite3_bind_int64(q, 2, bounce_id);
		if ((st = store_exec_step(s, q, "suppressing an address", err)) != LG_OK)
			return st;
	}
	if (!contact)
		return LG_OK;

	if (why == STORE_SUPPRESS_BOUNCE) {
		/* The bounce is the newest evidence: the verdict becomes
		 * undeliverable, bounce.hard, as of the bounce. */
		q = store_stmt(s, sql_contact_hard);
		sqlite3_bind_int64(q, 1, contact);
		sqlite3_bind_int(q, 2, VERIFY_UNDELIVERABLE);
		sqlite3_bind_int(q, 3, VERIFY_R_BOUNCE_HARD);
		sqlite3_bind_int64(q, 4, b->occurred_at ? b->occurred_at : now);
		if ((st = store_exec_step(s, q, "recording a hard bounce", err)) != LG_OK)
			return st;
		q = store_stmt(s, sql_evidence_bounce);
		sqlite3_bind_int64(q, 1, contact);
		sqlite3_bind_int64(q, 2, run->id);
		if ((st = store_exec_step(s, q, "recording a hard bounce", err)) != LG_OK)
			return st;
		/* Count it against every list that sent to it before it
		 * bounced, and every list version whose window did. */
		int64_t at = b->occurred_at ? b->occurred_at : now;
		if ((st = count_bounce(s, sql_sent_bounced, sql_list_bounced_add, contact, at,
				       err)) != LG_OK ||
		    (st = count_bounce(s, sql_vsent_bounced, sql_run_bounced_add, contact, at,
				       err)) != LG_OK)
			return st;
	} else {
		q = store_stmt(s, sql_contact_suppress);
		sqlite3_bind_int64(q, 1, contact);
		sqlite3_bind_int(q, 2, (int)why);
		if ((st = store_exec_step(s, q, "suppressing an address", err)) != LG_OK)
			return st;
	}
	return LG_OK;
}

/* ---- a contact's verdicts ------------------------------------------------ */

/*
 * The contact's evidence, newest first, the first ?2 of it, each with its
 * run's kind and list, and (count(*) OVER (): computed before LIMIT
 * applies) how many there are in all.  Newest is by verified_at, then by
 * run: a resumed run records later than its id says, and a bounce's
 * verdict is dated by the bounce.  The primary key (contact_id, run_id)
 * finds the contact's rows; there are a few per run it was in.
 */
static const char sql_evidence_each[] =
	"SELECT e.run_id, coalesce(r.kind, ''), e.how, l.name, e.status, e.reason, e.flags,"
	" e.mx, e.provider, e.verified_at, count(*) OVER ()"
	" FROM evidence e LEFT JOIN runs r ON r.id = e.run_id"
	" LEFT JOIN lists l ON l.id = r.list_id"
	" WHERE e.contact_id = ?1 ORDER BY e.verified_at DESC, e.run_id DESC LIMIT ?2";

/* The same with each verdict's SMTP evidence (schema 12). */
static const char sql_evidence_each_smtp[] =
	"SELECT e.run_id, coalesce(r.kind, ''), e.how, l.name, e.status, e.reason, e.flags,"
	" e.mx, e.provider, e.verified_at, count(*) OVER (),"
	" x.outcome, x.reply, x.tls, x.decided_at"
	" FROM evidence e LEFT JOIN runs r ON r.id = e.run_id"
	" LEFT JOIN lists l ON l.id = r.list_id"
	" LEFT JOIN smtp_evidence x ON x.contact_id = e.contact_id AND x.run_id = e.run_id"
	" WHERE e.contact_id = ?1 ORDER BY e.verified_at DESC, e.run_id DESC LIMIT ?2";

/* The contact's verdict as it stands (run 0, no kind, how or list). */
static const char sql_contact_verdict[] =
	"SELECT 0, '', '', NULL, status, reason, flags, mx, provider, verified_at, 1"
	" FROM contacts WHERE id = ?1";
static const char sql_contact_verdict_smtp[] =
	"SELECT 0, '', '', NULL, status, reason, flags, mx, provider, verified_at, 1,"
	" smtp_outcome, smtp_reply, smtp_tls, smtp_at FROM contacts WHERE id = ?1";

struct evidence_cb {
	enum lg_status (*fn)(void *arg, const struct store_evidence *ev, struct lg_err *err);
	void *arg;
	unsigned long *total;
};

static const char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

/* One row of sql_evidence_each or sql_contact_verdict.  A status or
 * reason this leadgate does not know (a row written by hand or by a
 * newer one) is skipped, as the qualification evidence's are. */
static enum lg_status evidence_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct evidence_cb *cb = ctx;
	int status = sqlite3_column_int(q, 4), reason = sqlite3_column_int(q, 5);
	*cb->total = (unsigned long)sqlite3_column_int64(q, 10);
	if (status < 0 || status >= VERIFY_STATUS_COUNT || reason < 0 || reason >= VERIFY_R_COUNT)
		return LG_OK;
	struct store_evidence ev = {
		.run = sqlite3_column_int64(q, 0),
		.kind = col_text(q, 1),
		.how = col_text(q, 2),
		.list = sqlite3_column_type(q, 3) == SQLITE_NULL ? NULL : col_text(q, 3),
		.status = (enum verify_status)status,
		.reason = (enum verify_reason)reason,
		.flags = (unsigned)sqlite3_column_int(q, 6),
		.mx = col_text(q, 7),
		.provider = col_text(q, 8),
		.verified_at = sqlite3_column_int64(q, 9),
		.smtp_reply = "",
	};
	if (sqlite3_column_count(q) > 11 && sqlite3_column_type(q, 11) != SQLITE_NULL) {
		int o = sqlite3_column_int(q, 11);
		ev.smtp_outcome = o > 0 && o < SMTP_OUTCOME_COUNT ? (uint8_t)o : 0;
		ev.smtp_reply = ev.smtp_outcome ? col_text(q, 12) : "";
		ev.smtp_tls = sqlite3_column_int(q, 13) != 0;
		ev.smtp_at = sqlite3_column_int64(q, 14);
	}
	return cb->fn(cb->arg, &ev, err);
}

enum lg_status store_evidence_each(struct store *s, int64_t contact_id, unsigned max,
				   enum lg_status (*fn)(void *arg, const struct store_evidence *ev,
							struct lg_err *err),
				   void *arg, unsigned long *total, struct lg_err *err)
{
	struct evidence_cb cb = {fn, arg, total};
	sqlite3_stmt *q = store_stmt(s,
				     s->version >= 12 ? sql_evidence_each_smtp : sql_evidence_each);
	*total = 0;
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_int64(q, 2, max ? (sqlite3_int64)max : -1); /* -1: no limit */
	return store_each_row(s, q, "reading a contact's verdicts", evidence_row, &cb, err);
}

enum lg_status store_contact_verdict(struct store *s, int64_t contact_id,
				     enum lg_status (*fn)(void *arg, const struct store_evidence *ev,
							  struct lg_err *err),
				     void *arg, struct lg_err *err)
{
	unsigned long one;
	struct evidence_cb cb = {fn, arg, &one};
	sqlite3_stmt *q = store_stmt(s, s->version >= 12 ? sql_contact_verdict_smtp
							 : sql_contact_verdict);
	sqlite3_bind_int64(q, 1, contact_id);
	return store_each_row(s, q, "reading a contact's verdict", evidence_row, &cb, err);
}
