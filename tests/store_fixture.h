/*
 * store_fixture.h - what the store's tests share: a temporary directory
 * per test binary (made by the group setup, removed by its teardown), a
 * database path each, queries on a second, read-only connection for what
 * the store API does not show (row counts, the schema version), and the
 * verdicts, lists, runs and leads the tests build through the API.  Times
 * are plain numbers passed in: nothing here reads the clock.  Included by
 * one test file each (test_store*.c); what a file does not use is marked
 * unused.
 */
#ifndef LG_TESTS_STORE_FIXTURE_H
#define LG_TESTS_STORE_FIXTURE_H

#include "io/io.h"
#include "store/store.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define DAY ((int64_t)86400)
#define SCHEMA_LATEST 14         /* the migrations in store/store.c */
#define T0 ((int64_t)1763800000) /* 2025-11-22T08:26:40Z: any fixed time will do */

static __attribute__((unused)) char tmpdir[256];
static __attribute__((unused)) unsigned dbseq;

static __attribute__((unused)) int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lgstoreXXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static __attribute__((unused)) int rm_one(const char *path, const struct stat *sb, int flag,
					  struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static __attribute__((unused)) int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path for a new database under the temporary directory. */
static __attribute__((unused)) void db_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%u-%s", tmpdir, ++dbseq, name);
}

static __attribute__((unused)) struct store *open_write(const char *path)
{
	struct store *s = NULL;
	struct lg_err e = {{0}};
	enum lg_status st = store_open(&s, path, STORE_CREATE, &e);
	if (st != LG_OK)
		fail_msg("store_open(%s): %s", path, e.msg);
	assert_non_null(s);
	return s;
}

static __attribute__((unused)) void begin(struct store *s)
{
	struct lg_err e = {{0}};
	if (store_begin(s, &e) != LG_OK)
		fail_msg("store_begin: %s", e.msg);
}

static __attribute__((unused)) void commit(struct store *s)
{
	struct lg_err e = {{0}};
	if (store_commit(s, &e) != LG_OK)
		fail_msg("store_commit: %s", e.msg);
}

/* One integer a query gives, read on a connection of its own. */
static __attribute__((unused)) long long q1(const char *path, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	sqlite3 *db;
	sqlite3_stmt *q;
	long long v = -1;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* One text value a query gives, copied into buf. */
static __attribute__((unused)) const char *qtext(const char *path, char *buf, size_t cap,
						 const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;

	buf[0] = '\0';
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return buf;
}

static __attribute__((unused)) struct store_verdict verdict(const char *address,
							    enum verify_status st,
							    enum verify_reason r, unsigned flags,
							    int64_t at)
{
	const char *d = strrchr(address, '@');
	struct store_verdict v = {
		.address = address,
		.address_len = strlen(address),
		.domain = d ? d + 1 : "",
		.domain_len = d ? strlen(d + 1) : 0,
		.status = st,
		.reason = r,
		.flags = flags,
		.mx = st == VERIFY_DELIVERABLE ? "mx.example.net" : "",
		.provider = "",
		.verified_at = at,
	};
	return v;
}

static __attribute__((unused)) void row(struct store *s, const struct store_run *run,
					const char *address, enum verify_status st,
					enum verify_reason r, unsigned flags, int64_t at)
{
	struct lg_err e = {{0}};
	struct store_verdict v = verdict(address, st, r, flags, at);
	if (store_verify_row(s, run, &v, at, &e) != LG_OK)
		fail_msg("store_verify_row(%s): %s", address, e.msg);
}

static __attribute__((unused)) void finish(struct store *s, const struct store_run *run,
					   unsigned long rows, unsigned long contacts, int64_t now)
{
	struct lg_err e = {{0}};
	struct store_list_counts c = {.rows = rows, .contacts = contacts};
	if (store_verify_finish(s, run, &c, now, &e) != LG_OK)
		fail_msg("store_verify_finish: %s", e.msg);
}

static __attribute__((unused)) void list_get(struct store *s, const char *name,
					     struct store_list_info *li)
{
	struct lg_err e = {{0}};
	if (store_list_get(s, name, li, &e) != LG_OK)
		fail_msg("store_list_get(%s): %s", name, e.msg);
}

/* A list verified in one run: every address deliverable as of at. */
static __attribute__((unused)) struct store_run
verified_list(struct store *s, const char *name, const char *const *addr, size_t n, int64_t at)
{
	struct store_run run;
	struct lg_err e = {{0}};
	begin(s);
	assert_int_equal(store_verify_begin(s, name, NULL, name, NULL, at, &run, &e), LG_OK);
	for (size_t i = 0; i < n; i++)
		row(s, &run, addr[i], VERIFY_DELIVERABLE, VERIFY_R_OK, 0, at);
	finish(s, &run, n, n, at);
	commit(s);
	return run;
}

/* What store_members_each handed over. */
struct members {
	size_t n;
	struct {
		int64_t contact_id;
		char address[64];
		enum verify_status status;
		enum verify_reason reason;
		unsigned flags;
		int64_t verified_at;
		enum store_suppress suppressed;
	} m[16];
};

static __attribute__((unused)) enum lg_status take_member(void *arg, const struct store_member *m,
							  struct lg_err *err)
{
	struct members *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->m) / sizeof(*g->m));
	g->m[g->n].contact_id = m->contact_id;
	snprintf(g->m[g->n].address, sizeof(g->m[g->n].address), "%.*s", (int)m->address_len,
		 m->address);
	g->m[g->n].status = m->status;
	g->m[g->n].reason = m->reason;
	g->m[g->n].flags = m->flags;
	g->m[g->n].verified_at = m->verified_at;
	g->m[g->n].suppressed = m->suppressed;
	g->n++;
	return LG_OK;
}

static __attribute__((unused)) void members(struct store *s, const char *name, bool with_address,
					    struct members *g)
{
	struct store_list_info li;
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	list_get(s, name, &li);
	if (store_members_each(s, &li, with_address, take_member, g, &e) != LG_OK)
		fail_msg("store_members_each(%s): %s", name, e.msg);
}

/* The index of the member with this address, or fail. */
static __attribute__((unused)) size_t member(const struct members *g, const char *address)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->m[i].address, address))
			return i;
	fail_msg("no member %s", address);
	return 0;
}

/* ---- bounces and suppressions ---------------------------------------------- */

static __attribute__((unused)) enum lg_status bounce(struct store *s, const struct store_run *run,
						     const char *address, const char *type,
						     const char *key, int64_t at, int64_t now)
{
	struct lg_err e = {{0}};
	enum store_bounce_effect eff = (enum store_bounce_effect) - 1;
	struct store_bounce b = {
		.address = address,
		.address_len = strlen(address),
		.type = type,
		.status = !strcmp(type, "hard") ? "5.1.1" : "",
		.code = "550",
		.reason = "",
		.format = "csv",
		.key = key,
		.occurred_at = at,
	};
	if (store_bounce_add(s, run, &b, now, &eff, &e) != LG_OK)
		fail_msg("store_bounce_add(%s): %s", address, e.msg);
	return (enum lg_status)eff;
}

struct suppressed {
	size_t n;
	char address[8][64];
	enum store_suppress why[8];
};

/* ---- exports --------------------------------------------------------------- */

/* Export every member of list name's current version that is not
 * suppressed, at `at`, as export --for-sequence records it; how many. */
static __attribute__((unused)) unsigned long export_all(struct store *s, const char *name,
							int64_t at)
{
	struct store_list_info li;
	struct members g;
	struct lg_err e = {{0}};
	int64_t x;
	unsigned long n = 0;

	members(s, name, true, &g);
	list_get(s, name, &li);
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", at, &x, &e), LG_OK);
	for (size_t i = 0; i < g.n; i++)
		if (g.m[i].suppressed == STORE_SUPPRESS_NONE) {
			assert_int_equal(store_export_row(s, x, &li, g.m[i].contact_id, at, &e),
					 LG_OK);
			n++;
		}
	assert_int_equal(store_export_finish(s, x, n, &e), LG_OK);
	commit(s);
	return n;
}

/* Hard bounces of addr[0 .. n) at `at`, imported at `at` too. */
static __attribute__((unused)) void hard_bounces(struct store *s, const char *const *addr, size_t n,
						 int64_t at)
{
	struct store_run run;
	struct lg_err e = {{0}};
	char key[64];
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", at, &run, &e), LG_OK);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s@%lld", addr[i], (long long)at);
		bounce(s, &run, addr[i], "hard", key, at, at);
	}
	assert_int_equal(store_run_finish(s, &run, at, &e), LG_OK);
	commit(s);
}

/* What store_list_windows_each handed over. */
struct windows {
	size_t n;
	struct store_list_window w[8];
};

static __attribute__((unused)) void take_window(void *arg, const struct store_list_window *w)
{
	struct windows *g = arg;
	assert_true(g->n < sizeof(g->w) / sizeof(*g->w));
	g->w[g->n++] = *w;
}

static __attribute__((unused)) void windows(struct store *s, const char *name, struct windows *g)
{
	struct store_list_info li;
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	list_get(s, name, &li);
	if (store_list_windows_each(s, &li, take_window, g, &e) != LG_OK)
		fail_msg("store_list_windows_each(%s): %s", name, e.msg);
}

/* ---- refresh ----------------------------------------------------------------- */

struct due {
	size_t n;
	struct store_due d[16];
	char address[16][64];
};

static __attribute__((unused)) enum lg_status take_due(void *arg, const struct store_due *d,
						       struct lg_err *err)
{
	struct due *g = arg;
	(void)err;
	assert_true(g->n < 16);
	g->d[g->n] = *d;
	snprintf(g->address[g->n], sizeof(g->address[g->n]), "%.*s", (int)d->address_len,
		 d->address);
	g->d[g->n].address = g->address[g->n];
	g->n++;
	return LG_OK;
}

static __attribute__((unused)) void due_each_max(struct store *s, const struct store_run *run,
						 unsigned long max, struct due *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_refresh_each(s, run, max, take_due, g, &e) != LG_OK)
		fail_msg("store_refresh_each: %s", e.msg);
}

static __attribute__((unused)) void due_each(struct store *s, const struct store_run *run,
					     struct due *g)
{
	due_each_max(s, run, 16, g);
}

static __attribute__((unused)) bool refresh_done(struct store *s, const struct store_run *run,
						 const struct store_due *d, enum verify_status st,
						 int64_t at)
{
	struct lg_err e = {{0}};
	bool changed = false, kept = false;
	struct store_verdict v = verdict(d->address, st,
					 st == VERIFY_DELIVERABLE ? VERIFY_R_OK
					 : st == VERIFY_UNKNOWN   ? VERIFY_R_TIMEOUT
								  : VERIFY_R_NXDOMAIN,
					 0, at);
	if (store_refresh_done(s, run, d, &v, &changed, &kept, &e) != LG_OK)
		fail_msg("store_refresh_done(%s): %s", d->address, e.msg);
	return changed;
}

/* ---- scoring inputs (schema 2) -------------------------------------------- */

/* A string the store may hand over as NULL, copied. */
struct opt {
	bool null;
	char s[64];
};

static __attribute__((unused)) void opt_set(struct opt *o, const char *v)
{
	o->null = v == NULL;
	snprintf(o->s, sizeof(o->s), "%s", v ? v : "");
}

/* want NULL: the store must have given NULL. */
static __attribute__((unused)) void opt_check(const struct opt *o, const char *want,
					      const char *what)
{
	if (!want && !o->null)
		fail_msg("%s: \"%s\", expected NULL", what, o->s);
	if (want && o->null)
		fail_msg("%s: NULL, expected \"%s\"", what, want);
	if (want && strcmp(o->s, want) != 0)
		fail_msg("%s: \"%s\", expected \"%s\"", what, o->s, want);
}

/* Append item to a comma-separated list in buf. */
static __attribute__((unused)) void join(char *buf, size_t cap, const char *item)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? "," : "", item);
}

/* What store_leads_each handed over. */
struct leads {
	size_t n;
	char addresses[512]; /* comma-joined, in the order given */
	struct {
		int64_t contact_id;
		char address[64], domain[64], source[32], stage[32];
		enum verify_status status;
		unsigned flags;
		int64_t verified_at, stage_since;
		enum store_suppress suppressed;
		struct opt title, company, industry, region;
		struct opt account;
		long employees;
	} l[16];
};

static __attribute__((unused)) enum lg_status take_lead(void *arg, const struct store_lead *l,
							struct lg_err *err)
{
	struct leads *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->l) / sizeof(*g->l));
	assert_non_null(l->address);
	assert_non_null(l->domain);
	assert_non_null(l->source);
	assert_true((unsigned)l->stage < SCORING_STAGE_COUNT);
	g->l[g->n].contact_id = l->contact_id;
	snprintf(g->l[g->n].address, sizeof(g->l[g->n].address), "%s", l->address);
	snprintf(g->l[g->n].domain, sizeof(g->l[g->n].domain), "%s", l->domain);
	snprintf(g->l[g->n].source, sizeof(g->l[g->n].source), "%s", l->source);
	snprintf(g->l[g->n].stage, sizeof(g->l[g->n].stage), "%s", scoring_stage_name(l->stage));
	g->l[g->n].status = l->status;
	g->l[g->n].flags = l->flags;
	g->l[g->n].verified_at = l->verified_at;
	g->l[g->n].stage_since = l->stage_since;
	g->l[g->n].suppressed = l->suppressed;
	opt_set(&g->l[g->n].title, l->profile.title);
	opt_set(&g->l[g->n].company, l->profile.company);
	opt_set(&g->l[g->n].industry, l->profile.industry);
	opt_set(&g->l[g->n].region, l->profile.region);
	opt_set(&g->l[g->n].account, l->account);
	g->l[g->n].employees = l->profile.employees;
	join(g->addresses, sizeof(g->addresses), l->address);
	g->n++;
	return LG_OK;
}

static __attribute__((unused)) void leads(struct store *s, int64_t list_id, const char *address,
					  struct leads *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_leads_each(s, list_id, address, take_lead, g, &e) != LG_OK)
		fail_msg("store_leads_each(%lld, %s): %s", (long long)list_id,
			 address ? address : "NULL", e.msg);
}

/* The one contact with this address, through store_leads_each; or fail. */
static __attribute__((unused)) void lead(struct store *s, const char *address, struct leads *g)
{
	leads(s, 0, address, g);
	if (g->n != 1)
		fail_msg("%s: %zu contacts, expected 1", address, g->n);
}

static __attribute__((unused)) int64_t contact_id(struct store *s, const char *address)
{
	struct lg_err e = {{0}};
	int64_t id = -1;
	if (store_contact_find(s, address, strlen(address), &id, &e) != LG_OK)
		fail_msg("store_contact_find(%s): %s", address, e.msg);
	return id;
}

/*
 * A new version of list `name` (created with source if new) holding one
 * contact, deliverable as of at, with the profile p the list gave (NULL:
 * none).
 */
static __attribute__((unused)) struct store_run verify_one(struct store *s, const char *name,
							   const char *source, const char *address,
							   const struct store_profile *p,
							   int64_t at)
{
	struct store_run run;
	struct lg_err e = {{0}};
	struct store_verdict v = verdict(address, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, at);
	v.profile = p;
	begin(s);
	if (store_verify_begin(s, name, source, name, NULL, at, &run, &e) != LG_OK)
		fail_msg("store_verify_begin(%s): %s", name, e.msg);
	if (store_verify_row(s, &run, &v, at, &e) != LG_OK)
		fail_msg("store_verify_row(%s): %s", address, e.msg);
	finish(s, &run, 1, 1, at);
	commit(s);
	return run;
}

/* ---- migrations ---- */

/* Run sql on the database at path, by hand. */
static __attribute__((unused)) void by_hand(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, msg ? msg : "?");
	sqlite3_close(db);
}

/*
 * Undo the migrations after 1, 2, 3, 4, 6 or 7 on a database the store made, by hand:
 * what is left is a database of that schema (the tables and columns its
 * migrations made, the data they hold).  The test has no copy of the old
 * migrations' SQL; this is the nearest thing to a database made by an
 * earlier leadgate.
 */
/* evidence's table as schemas 1 to 6 made it, `how` checked against an
 * IN list */
#define EVIDENCE_V6_SQL                                                                            \
	"CREATE TABLE evidence("                                                                   \
	" contact_id INTEGER NOT NULL REFERENCES contacts(id),"                                    \
	" run_id INTEGER NOT NULL REFERENCES runs(id),"                                            \
	" how TEXT NOT NULL CHECK (how IN ('verify', 'refresh', 'bounce')),"                       \
	" status INTEGER NOT NULL,"                                                                \
	" reason INTEGER NOT NULL,"                                                                \
	" flags INTEGER NOT NULL,"                                                                 \
	" mx TEXT NOT NULL,"                                                                       \
	" provider TEXT NOT NULL,"                                                                 \
	" verified_at INTEGER NOT NULL,"                                                           \
	" PRIMARY KEY (contact_id, run_id)) STRICT, WITHOUT ROWID"

/* Schema 13 added the handoff's tables alone. */
/* Schema 14 added jobs.callback_url, outbox.claimed_until and list_gates. */
static __attribute__((unused)) void downgrade_to_v13(const char *path)
{
	by_hand(path, "BEGIN; ALTER TABLE jobs DROP COLUMN callback_url;"
		      " ALTER TABLE outbox DROP COLUMN claimed_until; DROP TABLE handoff_steps;"
		      " DROP TABLE list_gates;"
		      " PRAGMA user_version = 13; COMMIT");
}

static __attribute__((unused)) void downgrade_to_v12(const char *path)
{
	downgrade_to_v13(path);
	by_hand(path, "BEGIN; DROP TABLE handoffs; DROP TABLE outbox; DROP TABLE rotations;"
		      " DROP TABLE endpoints_disabled; PRAGMA user_version = 12; COMMIT");
}

/* Schema 11 added sns_messages' state and error alone. */
/* Schema 12 added the SMTP evidence, the catch-all states and jobs.smtp. */
static __attribute__((unused)) void downgrade_to_v11(const char *path)
{
	downgrade_to_v12(path);
	by_hand(path, "BEGIN; DROP TABLE smtp_evidence; DROP TABLE smtp_domains;"
		      " ALTER TABLE contacts DROP COLUMN smtp_outcome;"
		      " ALTER TABLE contacts DROP COLUMN smtp_reply;"
		      " ALTER TABLE contacts DROP COLUMN smtp_tls;"
		      " ALTER TABLE contacts DROP COLUMN smtp_at;"
		      " ALTER TABLE jobs DROP COLUMN smtp; PRAGMA user_version = 11; COMMIT");
}

static __attribute__((unused)) void downgrade_to_v10(const char *path)
{
	downgrade_to_v11(path);
	by_hand(path,
		"BEGIN; ALTER TABLE sns_messages DROP COLUMN state;"
		" ALTER TABLE sns_messages DROP COLUMN error; PRAGMA user_version = 10; COMMIT");
}

/* Schema 8 added api_keys alone. */
static __attribute__((unused)) void downgrade_to_v7(const char *path)
{
	downgrade_to_v11(path);
	by_hand(path, "BEGIN; DROP TABLE sns_messages; DROP TABLE jobs; DROP TABLE api_keys; "
		      "PRAGMA user_version = 7; COMMIT");
}

static __attribute__((unused)) void downgrade_to_v6(const char *path)
{
	downgrade_to_v7(path);
	by_hand(path, "BEGIN; ALTER TABLE evidence RENAME TO evidence_v7; " EVIDENCE_V6_SQL
		      "; INSERT INTO evidence SELECT * FROM evidence_v7; DROP TABLE evidence_v7;"
		      " PRAGMA user_version = 6; COMMIT");
}

static __attribute__((unused)) void downgrade_to_v4(const char *path)
{
	downgrade_to_v6(path);
	by_hand(path, "BEGIN; ALTER TABLE contacts DROP COLUMN account; PRAGMA user_version = 4;"
		      " COMMIT");
}

static __attribute__((unused)) void downgrade_to_v3(const char *path)
{
	downgrade_to_v4(path);
	by_hand(path,
		"BEGIN; DROP TABLE version_sent; ALTER TABLE runs DROP COLUMN exported;"
		" ALTER TABLE runs DROP COLUMN hard_bounced; PRAGMA user_version = 3; COMMIT");
}

static __attribute__((unused)) void downgrade_to_v2(const char *path)
{
	downgrade_to_v3(path);
	by_hand(path, "BEGIN; ALTER TABLE runs DROP COLUMN header; ALTER TABLE runs DROP COLUMN "
		      "email_col;"
		      " DROP TABLE member_rows; ALTER TABLE profiles DROP COLUMN first_name;"
		      " ALTER TABLE profiles DROP COLUMN last_name; ALTER TABLE profiles DROP "
		      "COLUMN name;"
		      " PRAGMA user_version = 2; COMMIT");
}

static __attribute__((unused)) enum lg_status count_lead(void *arg, const struct store_lead *l,
							 struct lg_err *err)
{
	(void)l, (void)err;
	++*(unsigned *)arg;
	return LG_OK;
}

/* What store_members_each handed over, with the rows. */
struct member_rows {
	size_t n;
	char row[4][128]; /* the cells, '|'-joined; "-" when none was kept */
};

/* ---- events ---- */

struct events {
	size_t n;
	char ids[512]; /* event_ids, comma-joined, in the order given */
	struct {
		char event_id[32], type[32];
		struct opt address, account, channel, asset, props;
		int64_t occurred_at;
		long count;
	} e[16];
};

/* ---- stages and moves ---- */

struct moves {
	size_t n;
	struct {
		char from[16], to[16], why[32], who[16], source[16], address[32];
		struct opt reason, note;
		int64_t at;
		double score;
	} m[16];
};

static __attribute__((unused)) void move(struct store *s, int64_t contact,
					 const struct store_move *m)
{
	struct lg_err e = {{0}};
	bool moved;
	if (store_move_add(s, contact, m, &moved, &e) != LG_OK)
		fail_msg("store_move_add(%lld, %s -> %s): %s", (long long)contact,
			 scoring_stage_name(m->from), scoring_stage_name(m->to), e.msg);
	if (!moved)
		fail_msg("store_move_add(%lld, %s -> %s): not moved", (long long)contact,
			 scoring_stage_name(m->from), scoring_stage_name(m->to));
}

/* The stage named s; the test fails for a name no stage has. */
static __attribute__((unused)) enum scoring_stage stage_of(const char *s)
{
	enum scoring_stage g;
	if (!scoring_stage_parse(s, strlen(s), &g))
		fail_msg("no stage is named '%s'", s);
	return g;
}

/* ---- re-verification a rep asked for ---- */

static __attribute__((unused)) void reverify(struct store *s, const char *address, int64_t now,
					     const char *why)
{
	struct lg_err e = {{0}};
	begin(s);
	if (store_reverify_request(s, contact_id(s, address), now, why, &e) != LG_OK)
		fail_msg("store_reverify_request(%s): %s", address, e.msg);
	commit(s);
}

/* Plan a refresh run and walk it: its addresses comma-joined into buf, the
 * run in *run, what it walked in *g. */
static __attribute__((unused)) const char *plan(struct store *s, int64_t list_id, int64_t before,
						unsigned long budget, int64_t now,
						struct store_run *run, struct due *g, char *buf,
						size_t cap)
{
	struct lg_err e = {{0}};
	begin(s);
	if (store_refresh_plan(s, list_id, before, budget, now, run, &e) != LG_OK)
		fail_msg("store_refresh_plan: %s", e.msg);
	commit(s);
	assert_false(run->resumed);
	due_each(s, run, g);
	buf[0] = '\0';
	for (size_t i = 0; i < g->n; i++) {
		assert_int_equal(g->d[i].rank, (int64_t)i + 1);
		join(buf, cap, g->address[i]);
	}
	return buf;
}


#endif
