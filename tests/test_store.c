/*
 * test_store.c - the store on real database files: opening and migrating,
 * verify runs and their resumption, DNS answers kept across runs, bounces
 * and suppressions, exports, refresh plans; and schema 2's scoring inputs:
 * profiles and sources, leads, events, qualification evidence, stages and
 * moves, the funnel's counts, re-verification a rep asked for; and schema
 * 3's observation windows, one per list version.
 *
 * Every test works on its own database in a temporary directory made by
 * the group setup and removed by its teardown.  What the store API does
 * not show (row counts, the schema version) is read with sqlite3 directly
 * on a second, read-only connection.  Times are plain numbers passed in:
 * nothing here reads the clock.
 */
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
#define SCHEMA_LATEST 5 /* the migrations in store/store.c */
#define T0 ((int64_t)1763800000) /* 2025-11-22T08:26:40Z: any fixed time will do */

static char tmpdir[256];
static unsigned dbseq;

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lgstoreXXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A path for a new database under the temporary directory. */
static void db_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%u-%s", tmpdir, ++dbseq, name);
}

static struct store *open_write(const char *path)
{
	struct store *s = NULL;
	struct lg_err e = {{0}};
	enum lg_status st = store_open(&s, path, STORE_CREATE, &e);
	if (st != LG_OK)
		fail_msg("store_open(%s): %s", path, e.msg);
	assert_non_null(s);
	return s;
}

static void begin(struct store *s)
{
	struct lg_err e = {{0}};
	if (store_begin(s, &e) != LG_OK)
		fail_msg("store_begin: %s", e.msg);
}

static void commit(struct store *s)
{
	struct lg_err e = {{0}};
	if (store_commit(s, &e) != LG_OK)
		fail_msg("store_commit: %s", e.msg);
}

/* One integer a query gives, read on a connection of its own. */
static long long q1(const char *path, const char *fmt, ...)
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
static const char *qtext(const char *path, char *buf, size_t cap, const char *sql)
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

#define SCHEMA_TABLES "SELECT group_concat(type || ' ' || name, ', ') FROM" \
		      " (SELECT type, name FROM sqlite_schema ORDER BY name)"

static struct store_verdict verdict(const char *address, enum verify_status st,
				    enum verify_reason r, unsigned flags, int64_t at)
{
	const char *d = strrchr(address, '@');
	struct store_verdict v = {
		.address = address, .address_len = strlen(address),
		.domain = d ? d + 1 : "", .domain_len = d ? strlen(d + 1) : 0,
		.status = st, .reason = r, .flags = flags,
		.mx = st == VERIFY_DELIVERABLE ? "mx.example.net" : "", .provider = "",
		.verified_at = at,
	};
	return v;
}

static void row(struct store *s, const struct store_run *run, const char *address,
		enum verify_status st, enum verify_reason r, unsigned flags, int64_t at)
{
	struct lg_err e = {{0}};
	struct store_verdict v = verdict(address, st, r, flags, at);
	if (store_verify_row(s, run, &v, at, &e) != LG_OK)
		fail_msg("store_verify_row(%s): %s", address, e.msg);
}

static void finish(struct store *s, const struct store_run *run, unsigned long rows,
		   unsigned long contacts, int64_t now)
{
	struct lg_err e = {{0}};
	struct store_list_counts c = {.rows = rows, .contacts = contacts};
	if (store_verify_finish(s, run, &c, now, &e) != LG_OK)
		fail_msg("store_verify_finish: %s", e.msg);
}

static void list_get(struct store *s, const char *name, struct store_list_info *li)
{
	struct lg_err e = {{0}};
	if (store_list_get(s, name, li, &e) != LG_OK)
		fail_msg("store_list_get(%s): %s", name, e.msg);
}

/* A list verified in one run: every address deliverable as of at. */
static struct store_run verified_list(struct store *s, const char *name, const char *const *addr,
				      size_t n, int64_t at)
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

static enum lg_status take_member(void *arg, const struct store_member *m, struct lg_err *err)
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

static void members(struct store *s, const char *name, bool with_address, struct members *g)
{
	struct store_list_info li;
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	list_get(s, name, &li);
	if (store_members_each(s, &li, with_address, take_member, g, &e) != LG_OK)
		fail_msg("store_members_each(%s): %s", name, e.msg);
}

/* The index of the member with this address, or fail. */
static size_t member(const struct members *g, const char *address)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->m[i].address, address))
			return i;
	fail_msg("no member %s", address);
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static void test_open_creates_and_migrates(void **state)
{
	char path[512], buf[64];
	struct store *s, *r;
	struct lg_err e = {{0}};
	(void)state;

	/* The database and the directories above it are made. */
	snprintf(path, sizeof(path), "%s/new/sub/leadgate.db", tmpdir);
	s = open_write(path);
	assert_string_equal(store_path(s), path);
	store_close(s);
	assert_int_equal(access(path, R_OK | W_OK), 0);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(qtext(path, buf, sizeof(buf), "PRAGMA journal_mode"), "wal");
	assert_int_equal(q1(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name"
				  " IN ('contacts', 'evidence', 'runs', 'lists', 'members', 'domains',"
				  " 'bounces', 'suppressions', 'exports', 'sent', 'refresh_plan',"
				  " 'profiles', 'events', 'qevidence', 'stages', 'moves', 'reverify',"
				  " 'version_sent')"),
			 18);
	assert_int_equal(q1(path, "SELECT count(*) FROM pragma_table_info('contacts')"
				  " WHERE name = 'source' AND type = 'TEXT' AND \"notnull\" = 1"),
			 1);

	/* Opened again: nothing migrates twice, what was kept stays. */
	s = open_write(path);
	struct dns_result d = {.mx = "mx.kept.example", .outcome = DNS_MX,
			       .provider = DNS_PROV_OTHER, .answered_at = 1000, .expires_at = 5000};
	begin(s);
	assert_int_equal(store_domain_put(s, "kept.example", 12, &d, &e), LG_OK);
	commit(s);
	store_close(s);
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM domains"), 1);

	/* And read-only. */
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	struct dns_result got;
	assert_true(store_domain_get(r, "kept.example", 12, 1000, &got));
	assert_string_equal(got.mx, "mx.kept.example");
	store_close(r);
}

static void test_open_missing_read(void **state)
{
	char path[512];
	struct store *s = (struct store *)1;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "missing.db");
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_ENOINPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	/* Reading never creates it. */
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_open_not_a_database(void **state)
{
	char path[512], junk[4096];
	struct store *s = NULL;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "contacts.csv");
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = "Email\nann@example.com\n"[i % 22];
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);

	/* Not a leadgate database: the input is wrong (66), as for a
	 * missing one, whether the command would write or only read. */
	assert_int_equal(store_open(&s, path, STORE_CREATE, &e), LG_ENOINPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "not a leadgate database"));
	/* The file is left as it was. */
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, (off_t)sizeof(junk));

	e.msg[0] = '\0';
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_ENOINPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
}

/* Only STORE_CREATE makes a database: a command that reads or updates
 * one (refresh, score, export --for-sequence) on a missing path fails
 * naming it and how to choose another, and leaves nothing behind. */
static void test_open_missing_write(void **state)
{
	char path[512];
	struct store *s = (struct store *)1;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "sub/missing.db");
	assert_int_equal(store_open(&s, path, STORE_WRITE, &e), LG_ENOINPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, "--db PATH"));
	assert_non_null(strstr(e.msg, "LEADGATE_DB"));
	assert_non_null(strstr(e.msg, "verify --list"));
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(store_open(&s, path, STORE_CREATE, &e), LG_OK);
	store_close(s);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(store_open(&s, path, STORE_WRITE, &e), LG_OK);
	store_close(s);
}

/* Another program's SQLite database is never given leadgate's tables. */
static void test_open_foreign_sqlite(void **state)
{
	char path[512];
	sqlite3 *db;
	struct store *s = NULL;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "other-app.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&s, path, STORE_CREATE, &e), LG_ENOINPUT);
	assert_null(s);
	assert_non_null(strstr(e.msg, "not a leadgate database"));
	assert_int_equal(q1(path, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_ENOINPUT);
}

static void test_open_newer_schema(void **state)
{
	char path[512];
	sqlite3 *db;
	struct store *s = NULL;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "future.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE later(x); PRAGMA user_version = 99", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(&s, path, STORE_WRITE, &e), LG_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(e.msg, "newer"));
	assert_int_equal(q1(path, "PRAGMA user_version"), 99); /* not touched */
	assert_int_equal(q1(path, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_ECONFIG);
	assert_null(s);
}

/* ---- verify runs -------------------------------------------------------- */

static void test_verify_run(void **state)
{
	char path[512];
	struct store_run run;
	struct store_list_info li;
	struct members g;
	struct lg_err e = {{0}};
	size_t i;
	(void)state;

	db_path(path, sizeof(path), "verify.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "Q4 webinar", "hubspot", "in.csv", "fp", T0, &run, &e),
			 LG_OK);
	assert_false(run.resumed);
	assert_int_equal(run.done, 0);
	assert_true(run.id > 0 && run.list_id > 0);
	row(s, &run, "Ann@X.com", VERIFY_DELIVERABLE, VERIFY_R_OK, VERIFY_F_FREE | VERIFY_F_DUPLICATE,
	    T0);
	/* The same contact in another case: the latest verdict wins. */
	row(s, &run, "ann@x.com", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE | VERIFY_F_DUPLICATE,
	    T0 + 1);
	row(s, &run, "bob@y.org", VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, VERIFY_F_RAGGED, T0);
	row(s, &run, "", VERIFY_UNDELIVERABLE, VERIFY_R_EMPTY, 0, T0); /* no address: not kept */
	/* The caller's count of contacts is not the store's: it counts the
	 * members the run recorded. */
	struct store_list_counts c = {.rows = 4, .contacts = 99,
				      .by_status = {[VERIFY_RISKY] = 1, [VERIFY_UNDELIVERABLE] = 2}};
	assert_int_equal(store_verify_finish(s, &run, &c, T0 + 10, &e), LG_OK);
	commit(s);
	assert_int_equal(c.contacts, 2);

	list_get(s, "Q4 webinar", &li);
	assert_int_equal(li.id, run.list_id);
	assert_string_equal(li.name, "Q4 webinar");
	assert_string_equal(li.source, "hubspot");
	assert_int_equal(li.created_at, T0);
	assert_int_equal(li.version_run, run.id);
	assert_int_equal(li.verified_at, T0 + 10);
	assert_int_equal(li.versions, 1);
	assert_int_equal(li.counts.rows, 4);
	assert_int_equal(li.counts.contacts, 2);
	assert_int_equal(li.counts.by_status[VERIFY_DELIVERABLE], 0);
	assert_int_equal(li.counts.by_status[VERIFY_RISKY], 1);
	assert_int_equal(li.counts.by_status[VERIFY_UNDELIVERABLE], 2);
	assert_int_equal(li.exported, 0);
	assert_int_equal(li.hard_bounced, 0);

	members(s, "Q4 webinar", true, &g);
	assert_int_equal(g.n, 2);
	i = member(&g, "ann@x.com");
	assert_true(g.m[i].contact_id > 0);
	assert_int_equal(g.m[i].status, VERIFY_RISKY);
	assert_int_equal(g.m[i].reason, VERIFY_R_ROLE);
	assert_int_equal(g.m[i].flags, VERIFY_F_ROLE); /* duplicate is the row's, not the contact's */
	assert_int_equal(g.m[i].verified_at, T0 + 1);
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_NONE);
	i = member(&g, "bob@y.org");
	assert_int_equal(g.m[i].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(g.m[i].reason, VERIFY_R_NXDOMAIN);
	assert_int_equal(g.m[i].flags, 0); /* ragged is the row's too */

	/* The gate's scan: verdicts only. */
	members(s, "Q4 webinar", false, &g);
	assert_int_equal(g.n, 2);
	for (i = 0; i < g.n; i++) {
		assert_int_equal(g.m[i].contact_id, 0);
		assert_string_equal(g.m[i].address, "");
	}

	/* One contact per address, one evidence row per contact and run. */
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld", (long long)run.id),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE address = 'ann@x.com'"), 1);

	/* A second version of the list. */
	struct store_run run2;
	begin(s);
	assert_int_equal(store_verify_begin(s, "Q4 webinar", NULL, "in2.csv", "fp2", T0 + DAY, &run2,
					    &e),
			 LG_OK);
	assert_int_equal(run2.list_id, run.list_id);
	assert_true(run2.id != run.id);
	row(s, &run2, "ANN@x.COM", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
	finish(s, &run2, 1, 1, T0 + DAY);
	commit(s);
	list_get(s, "Q4 webinar", &li);
	assert_int_equal(li.versions, 2);
	assert_int_equal(li.version_run, run2.id);
	assert_string_equal(li.source, "hubspot"); /* kept from the first */
	members(s, "Q4 webinar", true, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.m[0].address, "ann@x.com");
	assert_int_equal(g.m[0].status, VERIFY_DELIVERABLE);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 2);

	/* Unknown lists. */
	e.msg[0] = '\0';
	assert_int_equal(store_list_get(s, "no such list", &li, &e), LG_ENOINPUT);
	assert_non_null(strstr(e.msg, "no such list"));
	store_close(s);
}

static void test_resume(void **state)
{
	char path[512];
	struct store_run run, again;
	struct store_list_info li;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "resume.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "big", NULL, "big.csv", "F", T0, &run, &e), LG_OK);
	row(s, &run, "a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	row(s, &run, "b@x.com", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE, T0);
	commit(s);
	store_close(s); /* killed: never finished */

	s = open_write(path);
	list_get(s, "big", &li);
	assert_int_equal(li.version_run, 0); /* nothing complete yet */
	assert_int_equal(li.versions, 0);
	begin(s);
	assert_int_equal(store_verify_begin(s, "big", NULL, "big.csv", "F", T0 + 60, &again, &e),
			 LG_OK);
	assert_true(again.resumed);
	assert_int_equal(again.id, run.id);
	assert_int_equal(again.list_id, run.list_id);
	assert_int_equal(again.done, 2);
	/* The whole input again: what was recorded changes nothing. */
	row(s, &again, "a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	row(s, &again, "b@x.com", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE, T0);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)run.id),
			 2);
	row(s, &again, "c@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 60);
	finish(s, &again, 3, 3, T0 + 60);
	commit(s);

	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)run.id),
			 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld", (long long)run.id),
			 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM runs"), 1);
	list_get(s, "big", &li);
	assert_int_equal(li.version_run, run.id);
	assert_int_equal(li.versions, 1);
	assert_int_equal(li.counts.contacts, 3);

	/* A finished run is never resumed: the same input is a new version. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "big", NULL, "big.csv", "F", T0 + DAY, &again, &e),
			 LG_OK);
	assert_false(again.resumed);
	assert_true(again.id != run.id);
	store_rollback(s);
	store_close(s);
}

static void test_resume_other_input(void **state)
{
	char path[512];
	struct store_run r1, r2, r3;
	struct store_list_info li;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "discard.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "a.csv", "F1", T0, &r1, &e), LG_OK);
	row(s, &r1, "a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	row(s, &r1, "b@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	commit(s);

	/* Another input: the interrupted run's members go, its evidence stays. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "b.csv", "F2", T0 + 1, &r2, &e), LG_OK);
	assert_false(r2.resumed);
	assert_true(r2.id != r1.id);
	assert_int_equal(r2.done, 0);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)r1.id),
			 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld", (long long)r1.id),
			 2);
	begin(s);
	row(s, &r2, "c@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 1);
	finish(s, &r2, 1, 1, T0 + 1);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.version_run, r2.id);
	assert_int_equal(li.versions, 1);

	/* No fingerprint (standard input): never resumed, and it discards. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "<stdin>", NULL, T0 + 2, &r3, &e), LG_OK);
	assert_false(r3.resumed);
	row(s, &r3, "d@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 2);
	commit(s);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "<stdin>", NULL, T0 + 3, &r1, &e), LG_OK);
	assert_false(r1.resumed);
	assert_true(r1.id != r3.id);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)r3.id),
			 0);
	store_close(s);
}

/*
 * A run discarded by another input must not be "resumed" later: its members
 * are gone, but its evidence rows stay, so recording its rows again would
 * keep the first attempt's verdicts as the run's evidence and drop the new
 * ones (evidence is INSERT OR IGNORE on (run, contact)).
 */
static void test_discarded_run_not_resumed(void **state)
{
	char path[512];
	struct store_run r1, r2, r3;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "aba.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "a.csv", "FA", T0, &r1, &e), LG_OK);
	row(s, &r1, "a@x.com", VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, 0, T0);
	commit(s);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "b.csv", "FB", T0 + 1, &r2, &e), LG_OK);
	commit(s);
	/* Input A again, now the resolver answers. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "a.csv", "FA", T0 + 2, &r3, &e), LG_OK);
	row(s, &r3, "a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 2);
	finish(s, &r3, 1, 1, T0 + 2);
	commit(s);
	/* The version's evidence is the verdict it recorded. */
	assert_int_equal(q1(path, "SELECT status FROM evidence WHERE run_id = %lld", (long long)r3.id),
			 VERIFY_DELIVERABLE);
	assert_false(r3.resumed && r3.done == 0);
	store_close(s);
}

/* ---- domains --------------------------------------------------------------- */

static void test_domains(void **state)
{
	char path[512];
	struct dns_result got;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "domains.db");
	struct store *s = open_write(path);
	struct dns_result d = {.mx = "aspmx.l.google.com", .outcome = DNS_MX,
			       .provider = DNS_PROV_GOOGLE, .answered_at = (uint32_t)T0,
			       .expires_at = (uint32_t)(T0 + 3600)};
	struct dns_result nx = {.mx = NULL, .outcome = DNS_NXDOMAIN, .answered_at = (uint32_t)T0,
				.expires_at = (uint32_t)(T0 + 900)};
	begin(s);
	assert_int_equal(store_domain_put(s, "northwind.example", 17, &d, &e), LG_OK);
	assert_int_equal(store_domain_put(s, "gone.example", 12, &nx, &e), LG_OK);
	commit(s);

	assert_false(store_domain_get(s, "unknown.example", 15, T0, &got));
	assert_true(store_domain_get(s, "northwind.example", 17, T0, &got));
	assert_int_equal(got.outcome, DNS_MX);
	assert_string_equal(got.mx, "aspmx.l.google.com");
	assert_int_equal(got.provider, DNS_PROV_GOOGLE);
	assert_int_equal(got.answered_at, (uint32_t)T0);
	assert_int_equal(got.expires_at, (uint32_t)(T0 + 3600));
	assert_true(store_domain_get(s, "northwind.example", 17, T0 + 3599, &got));
	assert_false(store_domain_get(s, "northwind.example", 17, T0 + 3600, &got)); /* expired */
	assert_false(store_domain_get(s, "northwind.example", 17, T0 + DAY, &got));
	/* Only the given length of the name counts. */
	assert_true(store_domain_get(s, "northwind.example.org", 17, T0, &got));

	assert_true(store_domain_get(s, "gone.example", 12, T0 + 1, &got));
	assert_int_equal(got.outcome, DNS_NXDOMAIN);
	assert_string_equal(got.mx, "");
	assert_false(store_domain_get(s, "gone.example", 12, T0 + 900, &got));

	/* A newer answer replaces the older one. */
	d.mx = "mx.fabrikam.example";
	d.provider = DNS_PROV_OTHER;
	d.answered_at = (uint32_t)(T0 + DAY);
	d.expires_at = (uint32_t)(T0 + DAY + 60);
	begin(s);
	assert_int_equal(store_domain_put(s, "northwind.example", 17, &d, &e), LG_OK);
	commit(s);
	assert_true(store_domain_get(s, "northwind.example", 17, T0 + DAY, &got));
	assert_string_equal(got.mx, "mx.fabrikam.example");
	assert_false(store_domain_get(s, "northwind.example", 17, T0 + DAY + 60, &got));
	assert_int_equal(q1(path, "SELECT count(*) FROM domains"), 2);
	store_close(s);
}

/* ---- bounces and suppressions ---------------------------------------------- */

static enum lg_status bounce(struct store *s, const struct store_run *run, const char *address,
			     const char *type, const char *key, int64_t at, int64_t now)
{
	struct lg_err e = {{0}};
	enum store_bounce_effect eff = (enum store_bounce_effect)-1;
	struct store_bounce b = {
		.address = address, .address_len = strlen(address), .type = type,
		.status = !strcmp(type, "hard") ? "5.1.1" : "", .code = "550", .reason = "",
		.format = "csv", .key = key, .occurred_at = at,
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

static void take_suppressed(void *arg, const char *address, size_t len, enum store_suppress why)
{
	struct suppressed *g = arg;
	assert_true(g->n < 8);
	snprintf(g->address[g->n], sizeof(g->address[g->n]), "%.*s", (int)len, address);
	g->why[g->n++] = why;
}

static enum store_suppress suppressed_why(const struct suppressed *g, const char *address)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->address[i], address))
			return g->why[i];
	return STORE_SUPPRESS_NONE;
}

static void test_bounce_duplicate(void **state)
{
	char path[512];
	struct store_run run, run2;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "dup.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0, &run, &e), LG_OK);
	assert_int_equal(bounce(s, &run, "x@y.example", "soft", "csv:k1", T0 - 60, T0),
			 STORE_BOUNCE_RECORDED);
	assert_int_equal(bounce(s, &run, "x@y.example", "soft", "csv:k1", T0 - 60, T0),
			 STORE_BOUNCE_DUPLICATE);
	assert_int_equal(store_run_finish(s, &run, T0, &e), LG_OK);
	commit(s);
	/* The same event in another import: still a duplicate. */
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 5, &run2, &e), LG_OK);
	assert_int_equal(bounce(s, &run2, "X@Y.example", "hard", "csv:k1", T0 - 60, T0 + 5),
			 STORE_BOUNCE_DUPLICATE);
	/* A hard bounce of an address no list holds: suppressed all the same. */
	assert_int_equal(bounce(s, &run2, "X@Y.example", "hard", "csv:k2", T0 - 30, T0 + 5),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run2, "x@y.EXAMPLE", "hard", "csv:k3", T0 - 20, T0 + 5),
			 STORE_BOUNCE_RECORDED); /* suppressed before */
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM bounces"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM suppressions"), 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM suppressions WHERE address = 'x@y.example'"),
			 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM runs WHERE kind = 'import'"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"), 1);

	/* A contact verified later is born suppressed. */
	const char *addr[] = {"x@y.example"};
	verified_list(s, "later", addr, 1, T0 + DAY);
	struct members g;
	members(s, "later", true, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.m[0].suppressed, STORE_SUPPRESS_BOUNCE);
	store_close(s);
}

static void test_hard_bounce(void **state)
{
	char path[512];
	struct store_run run;
	struct store_list_info li;
	struct members g;
	struct suppressed sup = {0};
	struct lg_err e = {{0}};
	int64_t export_id;
	size_t i;
	(void)state;

	db_path(path, sizeof(path), "hard.db");
	struct store *s = open_write(path);
	const char *addr[] = {"after@x.com", "before@x.com", "soft@x.com", "spam@x.com",
			      "unsub@x.com", "never@x.com"};
	verified_list(s, "L", addr, 6, T0);
	members(s, "L", true, &g);
	assert_int_equal(g.n, 6);

	/* All but never@ exported at T0 + 100. */
	list_get(s, "L", &li);
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "out.csv", T0 + 100, &export_id, &e), LG_OK);
	for (i = 0; i < g.n; i++)
		if (strcmp(g.m[i].address, "never@x.com"))
			assert_int_equal(store_export_row(s, export_id, &li, g.m[i].contact_id, T0 + 100,
							  &e),
					 LG_OK);
	assert_int_equal(store_export_finish(s, export_id, 5, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 0);
	assert_int_equal(q1(path, "SELECT rows FROM exports WHERE id = %lld", (long long)export_id), 5);

	begin(s);
	assert_int_equal(store_run_begin(s, "import", li.id, "bounces.csv", T0 + 500, &run, &e), LG_OK);
	/* Bounced after its export (and written in another case): counts. */
	assert_int_equal(bounce(s, &run, "After@X.com", "hard", "k-after", T0 + 200, T0 + 500),
			 STORE_BOUNCE_SUPPRESSED);
	/* Bounced before its export: suppressed, but the export did not cause it. */
	assert_int_equal(bounce(s, &run, "before@x.com", "hard", "k-before", T0 + 50, T0 + 500),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run, "soft@x.com", "soft", "k-soft", T0 + 200, T0 + 500),
			 STORE_BOUNCE_RECORDED);
	assert_int_equal(bounce(s, &run, "soft@x.com", "block", "k-block", T0 + 201, T0 + 500),
			 STORE_BOUNCE_RECORDED);
	assert_int_equal(bounce(s, &run, "spam@x.com", "complaint", "k-spam", T0 + 200, T0 + 500),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run, "unsub@x.com", "unsubscribe", "k-unsub", T0 + 200, T0 + 500),
			 STORE_BOUNCE_SUPPRESSED);
	/* A second hard bounce of the same address counts once. */
	assert_int_equal(bounce(s, &run, "after@x.com", "hard", "k-after-2", T0 + 300, T0 + 500),
			 STORE_BOUNCE_RECORDED);
	assert_int_equal(store_run_finish(s, &run, T0 + 500, &e), LG_OK);
	commit(s);

	list_get(s, "L", &li);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 1);

	members(s, "L", true, &g);
	i = member(&g, "after@x.com");
	assert_int_equal(g.m[i].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(g.m[i].reason, VERIFY_R_BOUNCE_HARD);
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_BOUNCE);
	assert_int_equal(g.m[i].verified_at, T0 + 300); /* as of its latest bounce */
	i = member(&g, "before@x.com");
	assert_int_equal(g.m[i].reason, VERIFY_R_BOUNCE_HARD);
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_BOUNCE);
	i = member(&g, "soft@x.com");
	assert_int_equal(g.m[i].status, VERIFY_DELIVERABLE);
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_NONE);
	i = member(&g, "spam@x.com");
	assert_int_equal(g.m[i].status, VERIFY_DELIVERABLE); /* a complaint is no verdict */
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_COMPLAINT);
	i = member(&g, "unsub@x.com");
	assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_UNSUBSCRIBE);

	assert_int_equal(store_suppressed_each(s, take_suppressed, &sup, &e), LG_OK);
	assert_int_equal(sup.n, 4);
	assert_int_equal(suppressed_why(&sup, "after@x.com"), STORE_SUPPRESS_BOUNCE);
	assert_int_equal(suppressed_why(&sup, "before@x.com"), STORE_SUPPRESS_BOUNCE);
	assert_int_equal(suppressed_why(&sup, "spam@x.com"), STORE_SUPPRESS_COMPLAINT);
	assert_int_equal(suppressed_why(&sup, "unsub@x.com"), STORE_SUPPRESS_UNSUBSCRIBE);
	assert_int_equal(suppressed_why(&sup, "soft@x.com"), STORE_SUPPRESS_NONE);

	/* The bounce is evidence too; the bounces name the list. */
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE how = 'bounce'"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM bounces WHERE list_id = %lld", (long long)li.id),
			 7);
	assert_int_equal(q1(path, "SELECT count(*) FROM bounces WHERE contact_id IS NULL"), 0);
	store_close(s);
}

/*
 * The header: a verify row replaces the contact's verdict "unless a
 * suppression decides it" - a hard-bounced contact stays bounce.hard,
 * also when it complained first (suppressions then keeps the complaint,
 * and the caller cannot tell it hard-bounced), and also when the bounce
 * was imported while the verify run was under way.
 */
static void test_hard_bounce_survives_verify(void **state)
{
	char path[512];
	struct store_run run, v2;
	struct members g;
	struct lg_err e = {{0}};
	size_t i;
	(void)state;

	db_path(path, sizeof(path), "hard-verify.db");
	struct store *s = open_write(path);
	const char *addr[] = {"gone@x.com", "spam-then-gone@x.com"};
	verified_list(s, "L", addr, 2, T0);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 10, &run, &e), LG_OK);
	assert_int_equal(bounce(s, &run, "gone@x.com", "hard", "k1", T0 + 5, T0 + 10),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run, "spam-then-gone@x.com", "complaint", "k2", T0 + 5, T0 + 10),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run, "spam-then-gone@x.com", "hard", "k3", T0 + 6, T0 + 10),
			 STORE_BOUNCE_RECORDED);
	commit(s);
	/* The domain still has mail hosts: verification alone says deliverable. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F2", T0 + DAY, &v2, &e), LG_OK);
	row(s, &v2, "gone@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
	row(s, &v2, "spam-then-gone@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
	finish(s, &v2, 2, 2, T0 + DAY);
	commit(s);
	members(s, "L", true, &g);
	assert_int_equal(g.n, 2);
	for (i = 0; i < g.n; i++) {
		assert_int_equal(g.m[i].suppressed, STORE_SUPPRESS_BOUNCE);
		assert_int_equal(g.m[i].status, VERIFY_UNDELIVERABLE);
		assert_int_equal(g.m[i].reason, VERIFY_R_BOUNCE_HARD);
	}
	store_close(s);
}

static void add_name(void *arg, const struct store_list_info *li)
{
	lg_buf_addf(arg, "%s;", li->name);
}

static void test_list_each(void **state)
{
	char path[512];
	struct lg_buf names = LG_BUF_INIT;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "each.db");
	struct store *s = open_write(path);
	assert_int_equal(store_list_each(s, add_name, &names, &e), LG_OK);
	assert_int_equal(names.len, 0);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "webinar", addr, 1, T0);
	verified_list(s, "Apollo", addr, 1, T0);
	verified_list(s, "events", addr, 1, T0);
	assert_int_equal(store_list_each(s, add_name, &names, &e), LG_OK);
	assert_string_equal(names.data, "Apollo;events;webinar;");
	lg_buf_release(&names);
	/* One contact in three lists. */
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 1);
	store_close(s);
}

/* ---- exports --------------------------------------------------------------- */

/* Export every member of list name's current version that is not
 * suppressed, at `at`, as export --for-sequence records it; how many. */
static unsigned long export_all(struct store *s, const char *name, int64_t at)
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
			assert_int_equal(store_export_row(s, x, &li, g.m[i].contact_id, at, &e), LG_OK);
			n++;
		}
	assert_int_equal(store_export_finish(s, x, n, &e), LG_OK);
	commit(s);
	return n;
}

/* Hard bounces of addr[0 .. n) at `at`, imported at `at` too. */
static void hard_bounces(struct store *s, const char *const *addr, size_t n, int64_t at)
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

static void take_window(void *arg, const struct store_list_window *w)
{
	struct windows *g = arg;
	assert_true(g->n < sizeof(g->w) / sizeof(*g->w));
	g->w[g->n++] = *w;
}

static void windows(struct store *s, const char *name, struct windows *g)
{
	struct store_list_info li;
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	list_get(s, name, &li);
	if (store_list_windows_each(s, &li, take_window, g, &e) != LG_OK)
		fail_msg("store_list_windows_each(%s): %s", name, e.msg);
}

/*
 * The observation window: what the current version exported, and of that
 * what bounced after.  A list that bounced is verified again: its window
 * starts empty, the old one stays as it was, and the lifetime counts go on.
 */
static void test_windows(void **state)
{
	char path[512];
	struct store_list_info li;
	struct windows w;
	(void)state;

	db_path(path, sizeof(path), "windows.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"};
	struct store_run v1 = verified_list(s, "L", addr, 5, T0);
	assert_int_equal(export_all(s, "L", T0 + 100), 5);
	hard_bounces(s, addr, 2, T0 + 200); /* a@ and b@ */
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 2);
	assert_int_equal(li.window_exported, 5);
	assert_int_equal(li.window_hard_bounced, 2);
	assert_string_equal(li.input, "L"); /* verified_list names the input after the list */

	/* Verified again: a new, empty window; the old one as it was. */
	struct store_run v2 = verified_list(s, "L", addr, 5, T0 + DAY);
	list_get(s, "L", &li);
	assert_int_equal(li.version_run, v2.id);
	assert_int_equal(li.window_exported, 0);
	assert_int_equal(li.window_hard_bounced, 0);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 2);

	/* Sent again: the three not suppressed count anew in the new window,
	 * not again in the list's lifetime count (they were sent before). */
	assert_int_equal(export_all(s, "L", T0 + DAY + 100), 3);
	list_get(s, "L", &li);
	assert_int_equal(li.window_exported, 3);
	assert_int_equal(li.exported, 5);

	/* c@ bounces now: after both its sends, so in both windows; the
	 * list's lifetime count once. */
	hard_bounces(s, addr + 2, 1, T0 + DAY + 200);
	list_get(s, "L", &li);
	assert_int_equal(li.window_hard_bounced, 1);
	assert_int_equal(li.hard_bounced, 3);

	windows(s, "L", &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.w[0].version, 1);
	assert_int_equal(w.w[0].run, v1.id);
	assert_int_equal(w.w[0].verified_at, T0);
	assert_int_equal(w.w[0].contacts, 5);
	assert_int_equal(w.w[0].exported, 5);
	assert_int_equal(w.w[0].hard_bounced, 3);
	assert_int_equal(w.w[1].version, 2);
	assert_int_equal(w.w[1].run, v2.id);
	assert_int_equal(w.w[1].verified_at, T0 + DAY);
	assert_int_equal(w.w[1].exported, 3);
	assert_int_equal(w.w[1].hard_bounced, 1);
	/* The counters are what the sends say. */
	assert_int_equal(q1(path, "SELECT count(*) FROM runs r WHERE kind = 'verify' AND (exported,"
				  " hard_bounced) IS NOT (SELECT count(*), count(bounced_at) FROM"
				  " version_sent v WHERE v.run_id = r.id)"),
			 0);
	store_close(s);
}


static void test_export_counts_once(void **state)
{
	char path[512];
	struct store_list_info li, other;
	struct members g;
	struct lg_err e = {{0}};
	int64_t x1, x2, x3;
	(void)state;

	db_path(path, sizeof(path), "export.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	verified_list(s, "M", addr, 1, T0);
	members(s, "L", true, &g);
	list_get(s, "L", &li);
	list_get(s, "M", &other);

	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 1, &x1, &e), LG_OK);
	assert_int_equal(store_export_row(s, x1, &li, g.m[0].contact_id, T0 + 1, &e), LG_OK);
	assert_int_equal(store_export_row(s, x1, &li, g.m[0].contact_id, T0 + 1, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x1, 2, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 1);

	/* Exported again later, with the other contact: one more. */
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 2, &x2, &e), LG_OK);
	assert_true(x2 != x1);
	assert_int_equal(store_export_row(s, x2, &li, g.m[0].contact_id, T0 + 2, &e), LG_OK);
	assert_int_equal(store_export_row(s, x2, &li, g.m[1].contact_id, T0 + 2, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x2, 2, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 2);
	/* First sent by the first export. */
	assert_int_equal(q1(path, "SELECT export_id FROM sent WHERE contact_id = %lld",
			    (long long)g.m[0].contact_id),
			 x1);

	/* Per list: the same contact exported from M counts for M. */
	begin(s);
	assert_int_equal(store_export_begin(s, &other, "-", T0 + 3, &x3, &e), LG_OK);
	assert_int_equal(store_export_row(s, x3, &other, g.m[0].contact_id, T0 + 3, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x3, 1, &e), LG_OK);
	commit(s);
	list_get(s, "M", &other);
	assert_int_equal(other.exported, 1);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 2);

	/* An export rolled back leaves no trace. */
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 4, &x3, &e), LG_OK);
	store_rollback(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM exports"), 3);
	store_close(s);
}

/* ---- refresh ----------------------------------------------------------------- */

struct due {
	size_t n;
	struct store_due d[16];
	char address[16][64];
};

static enum lg_status take_due(void *arg, const struct store_due *d, struct lg_err *err)
{
	struct due *g = arg;
	(void)err;
	assert_true(g->n < 16);
	g->d[g->n] = *d;
	snprintf(g->address[g->n], sizeof(g->address[g->n]), "%.*s", (int)d->address_len, d->address);
	g->d[g->n].address = g->address[g->n];
	g->n++;
	return LG_OK;
}

static void due_each_max(struct store *s, const struct store_run *run, unsigned long max,
			 struct due *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_refresh_each(s, run, max, take_due, g, &e) != LG_OK)
		fail_msg("store_refresh_each: %s", e.msg);
}

static void due_each(struct store *s, const struct store_run *run, struct due *g)
{
	due_each_max(s, run, 16, g);
}

static bool refresh_done(struct store *s, const struct store_run *run, const struct store_due *d,
			 enum verify_status st, int64_t at)
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

static void test_refresh(void **state)
{
	char path[512];
	struct store_run run, again, bounces, next;
	struct store_refresh_counts c;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "refresh.db");
	struct store *s = open_write(path);
	/* Five contacts verified on five days, each in a list of its own. */
	const char *addr[] = {"d1@x.com", "d2@x.com", "d3@x.com", "d4@x.com", "d5@x.com"};
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "L%d", i + 1);
		verified_list(s, name, addr + i, 1, T0 + i * DAY);
	}
	/* d2 complained: never re-verified. */
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "c.json", T0, &bounces, &e), LG_OK);
	assert_int_equal(bounce(s, &bounces, "d2@x.com", "complaint", "k", T0, T0),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);

	/* Verified before day 3.5, budget 2: d1 and d3, stalest first. */
	int64_t now = T0 + 40 * DAY, before = T0 + 3 * DAY + DAY / 2;
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, before, 2, now, &run, &e), LG_OK);
	commit(s);
	assert_false(run.resumed);
	assert_int_equal(run.list_id, 0);
	due_each(s, &run, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.address[0], "d1@x.com");
	assert_int_equal(g.d[0].rank, 1);
	assert_int_equal(g.d[0].verified_at, T0);
	assert_int_equal(g.d[0].status, VERIFY_DELIVERABLE);
	assert_string_equal(g.address[1], "d3@x.com");
	assert_int_equal(g.d[1].rank, 2);
	assert_true(g.d[0].contact_id > 0 && g.d[1].contact_id != g.d[0].contact_id);
	/* At most max, stalest first: the refresh takes its chunks so. */
	due_each_max(s, &run, 1, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d1@x.com");

	/* d1 re-verified, unchanged; then the run is "killed". */
	begin(s);
	assert_false(refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now));
	commit(s);
	assert_int_equal(store_refresh_counts(s, &run, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.done, 1);
	assert_int_equal(c.changed, 0);
	assert_int_equal(c.suppressed, 0);

	/* The next plan takes the interrupted run up, whatever it is asked. */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, now, 100, now + 1, &again, &e), LG_OK);
	commit(s);
	assert_true(again.resumed);
	assert_int_equal(again.id, run.id);
	due_each(s, &again, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d3@x.com");
	assert_int_equal(g.d[0].rank, 2);
	begin(s);
	assert_true(refresh_done(s, &again, &g.d[0], VERIFY_UNDELIVERABLE, now + 1));
	commit(s);
	due_each(s, &again, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(store_refresh_counts(s, &again, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.done, 2);
	assert_int_equal(c.changed, 1);
	begin(s);
	assert_int_equal(store_run_finish(s, &again, now + 1, &e), LG_OK);
	commit(s);

	/* The new verdicts are the contacts' latest; one evidence row each. */
	struct members m;
	members(s, "L3", true, &m);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.m[0].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(m.m[0].verified_at, now + 1);
	members(s, "L1", true, &m);
	assert_int_equal(m.m[0].verified_at, now);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE how = 'refresh' AND run_id = %lld",
			    (long long)run.id),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM (SELECT contact_id, run_id FROM evidence"
				  " GROUP BY 1, 2 HAVING count(*) > 1)"),
			 0);

	/* Finished: the next plan is a new run, of what is stalest now (d4). */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, before, 10, now + 2, &next, &e), LG_OK);
	commit(s);
	assert_false(next.resumed);
	assert_true(next.id != run.id);
	due_each(s, &next, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d4@x.com");
	/* Recording a contact twice adds one evidence row. */
	begin(s);
	refresh_done(s, &next, &g.d[0], VERIFY_DELIVERABLE, now + 2);
	refresh_done(s, &next, &g.d[0], VERIFY_DELIVERABLE, now + 2);
	assert_int_equal(store_run_finish(s, &next, now + 2, &e), LG_OK);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)next.id),
			 1);

	/* One list only: d5 (L5), not the staler contacts of other lists. */
	struct store_list_info l5;
	list_get(s, "L5", &l5);
	begin(s);
	assert_int_equal(store_refresh_plan(s, l5.id, now, 10, now + 3, &next, &e), LG_OK);
	commit(s);
	assert_int_equal(next.list_id, l5.id);
	due_each(s, &next, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d5@x.com");
	store_close(s);
}

/* A contact suppressed while its refresh is planned is skipped. */
static void test_refresh_suppressed_midway(void **state)
{
	char path[512];
	struct store_run run, imp;
	struct store_refresh_counts c;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "refresh-supp.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &run, &e), LG_OK);
	commit(s);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 40 * DAY, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "b@x.com", "hard", "k", T0 + 39 * DAY, T0 + 40 * DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	due_each(s, &run, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "a@x.com");
	assert_int_equal(store_refresh_counts(s, &run, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.suppressed, 1);
	store_close(s);
}

/* ---- two processes on one database ----------------------------------------- */

/*
 * A writer must wait for another (the busy timeout), never fail at once:
 * that holds only if nothing the store left running keeps a read
 * transaction open on the connection between two of its transactions.
 * Here a second connection writes in between; the first one's next
 * store_begin must succeed.
 */
static void test_begin_after_other_writer_verify(void **state)
{
	char path[512];
	struct store_run run;
	struct dns_result d = {.mx = "", .outcome = DNS_NXDOMAIN, .answered_at = (uint32_t)T0,
			       .expires_at = (uint32_t)(T0 + 60)};
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "two-verify.db");
	struct store *a = open_write(path), *b = open_write(path);
	const char *addr[] = {"a@x.com"};
	verified_list(a, "L", addr, 1, T0);
	/* As `verify --list L` does: begin the run, commit, begin the rows. */
	begin(a);
	assert_int_equal(store_verify_begin(a, "L", NULL, "in.csv", "F", T0, &run, &e), LG_OK);
	commit(a);
	begin(b);
	assert_int_equal(store_domain_put(b, "other.example", 13, &d, &e), LG_OK);
	commit(b);
	e.msg[0] = '\0';
	enum lg_status st = store_begin(a, &e);
	if (st != LG_OK)
		fail_msg("store_begin after another writer: %s", e.msg);
	store_rollback(a);
	store_close(a);
	store_close(b);
}

static void test_begin_after_other_writer_domain(void **state)
{
	char path[512];
	struct dns_result d = {.mx = "mx.x.example", .outcome = DNS_MX, .provider = DNS_PROV_OWN,
			       .answered_at = (uint32_t)T0, .expires_at = (uint32_t)(T0 + 3600)};
	struct dns_result got;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "two-domain.db");
	struct store *a = open_write(path), *b = open_write(path);
	begin(a);
	assert_int_equal(store_domain_put(a, "x.example", 9, &d, &e), LG_OK);
	commit(a);
	/* As `refresh` does: look the domains of a chunk up, then record it. */
	assert_true(store_domain_get(a, "x.example", 9, T0 + 1, &got));
	begin(b);
	assert_int_equal(store_domain_put(b, "y.example", 9, &d, &e), LG_OK);
	commit(b);
	e.msg[0] = '\0';
	enum lg_status st = store_begin(a, &e);
	if (st != LG_OK)
		fail_msg("store_begin after another writer: %s", e.msg);
	store_rollback(a);
	store_close(a);
	store_close(b);
}

/* A transaction left open is rolled back by store_close. */
static void test_close_rolls_back(void **state)
{
	char path[512];
	struct store_run run;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "rollback.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F", T0, &run, &e), LG_OK);
	row(s, &run, "a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	store_close(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM lists"), 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM runs"), 0);
}

/* "Could not decide" is evidence, never the contact's latest verdict over a
 * decided one - not from a verify run, not from a refresh. */
static void test_unknown_keeps_verdict(void **state)
{
	char path[512];
	struct store_run run, plan;
	struct members g;
	struct lg_err e = {{0}};
	size_t i;
	(void)state;

	db_path(path, sizeof(path), "unknown.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "L", addr, 1, T0);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F2", T0 + DAY, &run, &e), LG_OK);
	row(s, &run, "a@x.com", VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, 0, T0 + DAY);
	row(s, &run, "b@x.com", VERIFY_UNKNOWN, VERIFY_R_SERVFAIL, 0, T0 + DAY);
	finish(s, &run, 2, 2, T0 + DAY);
	commit(s);
	members(s, "L", true, &g);
	assert_int_equal(g.n, 2);
	i = member(&g, "a@x.com");
	assert_int_equal(g.m[i].status, VERIFY_DELIVERABLE);
	assert_int_equal(g.m[i].reason, VERIFY_R_OK);
	assert_int_equal(g.m[i].verified_at, T0);
	i = member(&g, "b@x.com"); /* nothing decided before: unknown it is */
	assert_int_equal(g.m[i].status, VERIFY_UNKNOWN);
	assert_int_equal(g.m[i].reason, VERIFY_R_SERVFAIL);
	/* The run's evidence says what it found. */
	assert_int_equal(q1(path, "SELECT e.status FROM evidence e JOIN contacts c ON c.id = e.contact_id"
				  " WHERE c.address = 'a@x.com' AND e.run_id = %lld", (long long)run.id),
			 VERIFY_UNKNOWN);

	/* A decided verdict replaces an unknown one. */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F3", T0 + 2 * DAY, &run, &e),
			 LG_OK);
	row(s, &run, "b@x.com", VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, 0, T0 + 2 * DAY);
	finish(s, &run, 1, 1, T0 + 2 * DAY);
	commit(s);
	members(s, "L", true, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.m[0].status, VERIFY_UNDELIVERABLE);

	/* Nor does a refresh that could not decide replace it. */
	struct due d;
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &plan, &e), LG_OK);
	commit(s);
	due_each(s, &plan, &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.address[0], "a@x.com");
	begin(s);
	refresh_done(s, &plan, &d.d[0], VERIFY_UNKNOWN, T0 + 40 * DAY);
	commit(s);
	assert_int_equal(q1(path, "SELECT status FROM contacts WHERE address = 'a@x.com'"),
			 VERIFY_DELIVERABLE);
	assert_int_equal(q1(path, "SELECT verified_at FROM contacts WHERE address = 'a@x.com'"), T0);
	assert_int_equal(q1(path, "SELECT status FROM evidence WHERE run_id = %lld", (long long)plan.id),
			 VERIFY_UNKNOWN);
	store_close(s);
}

/* store_refresh_done: "*changed says whether the status changed" - an
 * unknown verdict that did not replace the contact's is no change. */
static void test_refresh_unknown_not_changed(void **state)
{
	char path[512];
	struct store_run plan;
	struct store_refresh_counts c;
	struct due d;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "unknown-changed.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "L", addr, 1, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &plan, &e), LG_OK);
	commit(s);
	due_each(s, &plan, &d);
	assert_int_equal(d.n, 1);
	begin(s);
	assert_false(refresh_done(s, &plan, &d.d[0], VERIFY_UNKNOWN, T0 + 40 * DAY));
	commit(s);
	assert_int_equal(store_refresh_counts(s, &plan, &c, &e), LG_OK);
	assert_int_equal(c.changed, 0);
	store_close(s);
}

/* A refresh whose new answer is unknown keeps the older verdict, and the
 * contact, still due, comes first in the next plan, before staler ones. */
static void test_refresh_kept_first(void **state)
{
	char path[512];
	struct store_run plan, next;
	struct due d;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "kept-first.db");
	struct store *s = open_write(path);
	const char *old[] = {"old@x.com"}, *two[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L0", old, 1, T0 - 10 * DAY);
	verified_list(s, "L", two, 2, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &plan, &e), LG_OK);
	commit(s);
	due_each(s, &plan, &d);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.address[0], "old@x.com");
	/* b@x.com: the resolver timed out. */
	bool changed, kept;
	struct store_verdict v = verdict("b@x.com", VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, 0,
					 T0 + 40 * DAY);
	begin(s);
	assert_int_equal(store_refresh_done(s, &plan, &d.d[2], &v, &changed, &kept, &e), LG_OK);
	assert_false(changed);
	assert_true(kept);
	assert_false(refresh_done(s, &plan, &d.d[0], VERIFY_DELIVERABLE, T0 + 40 * DAY));
	v = verdict("a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 40 * DAY);
	assert_int_equal(store_refresh_done(s, &plan, &d.d[1], &v, &changed, &kept, &e), LG_OK);
	assert_false(kept);
	assert_int_equal(store_run_finish(s, &plan, T0 + 40 * DAY, &e), LG_OK);
	commit(s);
	/* The older verdict stands, and b@x.com is still due ... */
	assert_int_equal(q1(path, "SELECT status FROM contacts WHERE address = 'b@x.com'"),
			 VERIFY_DELIVERABLE);
	assert_int_equal(q1(path, "SELECT verified_at FROM contacts WHERE address = 'b@x.com'"), T0);
	/* ... and first in the next plan, though old@x.com was staler. */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 41 * DAY, &next, &e), LG_OK);
	commit(s);
	due_each(s, &next, &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.address[0], "b@x.com");
	/* A decided answer ends its wait. */
	begin(s);
	assert_false(refresh_done(s, &next, &d.d[0], VERIFY_DELIVERABLE, T0 + 41 * DAY));
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 0);
	store_close(s);
}

/* ---- scoring inputs (schema 2) -------------------------------------------- */

/* A string the store may hand over as NULL, copied. */
struct opt {
	bool null;
	char s[64];
};

static void opt_set(struct opt *o, const char *v)
{
	o->null = v == NULL;
	snprintf(o->s, sizeof(o->s), "%s", v ? v : "");
}

/* want NULL: the store must have given NULL. */
static void opt_check(const struct opt *o, const char *want, const char *what)
{
	if (!want && !o->null)
		fail_msg("%s: \"%s\", expected NULL", what, o->s);
	if (want && o->null)
		fail_msg("%s: NULL, expected \"%s\"", what, want);
	if (want && strcmp(o->s, want) != 0)
		fail_msg("%s: \"%s\", expected \"%s\"", what, o->s, want);
}

/* Append item to a comma-separated list in buf. */
static void join(char *buf, size_t cap, const char *item)
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

static enum lg_status take_lead(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct leads *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->l) / sizeof(*g->l));
	assert_non_null(l->address);
	assert_non_null(l->domain);
	assert_non_null(l->source);
	assert_non_null(l->stage);
	g->l[g->n].contact_id = l->contact_id;
	snprintf(g->l[g->n].address, sizeof(g->l[g->n].address), "%s", l->address);
	snprintf(g->l[g->n].domain, sizeof(g->l[g->n].domain), "%s", l->domain);
	snprintf(g->l[g->n].source, sizeof(g->l[g->n].source), "%s", l->source);
	snprintf(g->l[g->n].stage, sizeof(g->l[g->n].stage), "%s", l->stage);
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

static void leads(struct store *s, int64_t list_id, const char *address, struct leads *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_leads_each(s, list_id, address, take_lead, g, &e) != LG_OK)
		fail_msg("store_leads_each(%lld, %s): %s", (long long)list_id,
			 address ? address : "NULL", e.msg);
}

/* The one contact with this address, through store_leads_each; or fail. */
static void lead(struct store *s, const char *address, struct leads *g)
{
	leads(s, 0, address, g);
	if (g->n != 1)
		fail_msg("%s: %zu contacts, expected 1", address, g->n);
}

static void check_profile(const struct leads *g, size_t i, const struct store_profile *want)
{
	opt_check(&g->l[i].title, want->title, "title");
	opt_check(&g->l[i].company, want->company, "company");
	opt_check(&g->l[i].industry, want->industry, "industry");
	opt_check(&g->l[i].region, want->region, "region");
	assert_int_equal(g->l[i].employees, want->employees);
}

static int64_t contact_id(struct store *s, const char *address)
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
static struct store_run verify_one(struct store *s, const char *name, const char *source,
				   const char *address, const struct store_profile *p, int64_t at)
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

/* A new version of list `name`: addr[i] deliverable as of at[i]. */
static void verified_at_times(struct store *s, const char *name, const char *const *addr,
			      const int64_t *at, size_t n)
{
	struct store_run run;
	struct lg_err e = {{0}};
	begin(s);
	assert_int_equal(store_verify_begin(s, name, NULL, name, NULL, at[0], &run, &e), LG_OK);
	for (size_t i = 0; i < n; i++)
		row(s, &run, addr[i], VERIFY_DELIVERABLE, VERIFY_R_OK, 0, at[i]);
	finish(s, &run, n, n, at[n - 1]);
	commit(s);
}

/* ---- migrations ---- */

/* Run sql on the database at path, by hand. */
static void by_hand(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s: %s", path, sql, msg ? msg : "?");
	sqlite3_close(db);
}

/*
 * Undo the migrations after 1, 2 or 3 on a database the store made, by hand:
 * what is left is a database of that schema (the tables and columns its
 * migrations made, the data they hold).  The test has no copy of the old
 * migrations' SQL; this is the nearest thing to a database made by an
 * earlier leadgate.
 */
static void downgrade_to_v4(const char *path)
{
	by_hand(path, "BEGIN; ALTER TABLE contacts DROP COLUMN account; PRAGMA user_version = 4;"
		      " COMMIT");
}

static void downgrade_to_v3(const char *path)
{
	downgrade_to_v4(path);
	by_hand(path, "BEGIN; DROP TABLE version_sent; ALTER TABLE runs DROP COLUMN exported;"
		      " ALTER TABLE runs DROP COLUMN hard_bounced; PRAGMA user_version = 3; COMMIT");
}

static void downgrade_to_v2(const char *path)
{
	downgrade_to_v3(path);
	by_hand(path, "BEGIN; ALTER TABLE runs DROP COLUMN header; ALTER TABLE runs DROP COLUMN email_col;"
		      " DROP TABLE member_rows; ALTER TABLE profiles DROP COLUMN first_name;"
		      " ALTER TABLE profiles DROP COLUMN last_name; ALTER TABLE profiles DROP COLUMN name;"
		      " PRAGMA user_version = 2; COMMIT");
}

static void downgrade_to_v1(const char *path)
{
	downgrade_to_v2(path);
	by_hand(path, "BEGIN; DROP TABLE profiles; DROP TABLE events; DROP TABLE qevidence;"
		      " DROP TABLE stages; DROP TABLE moves; DROP TABLE reverify;"
		      " ALTER TABLE contacts DROP COLUMN source; PRAGMA user_version = 1; COMMIT");
}

#define CONTACT_COLUMNS "SELECT group_concat(name || ' ' || type || ' ' || \"notnull\" || ' ' ||" \
			" coalesce(dflt_value, '-'), ', ') FROM pragma_table_info('contacts')"

static void test_migrate_from_v1(void **state)
{
	char path[512], fresh_path[512], want[2048], got[2048];
	struct store_list_info li;
	struct members m;
	struct leads g;
	struct dns_result d = {.mx = "mx.kept.example", .outcome = DNS_MX,
			       .provider = DNS_PROV_OTHER, .answered_at = 1000, .expires_at = 5000};
	struct dns_result got_d;
	struct lg_err e = {{0}};
	(void)state;

	/* What a fresh database looks like. */
	db_path(fresh_path, sizeof(fresh_path), "fresh.db");
	store_close(open_write(fresh_path));

	/* A schema 1 database holding a list, its contacts and a DNS answer. */
	db_path(path, sizeof(path), "v1.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@y.org"};
	verified_list(s, "L", addr, 2, T0);
	begin(s);
	assert_int_equal(store_domain_put(s, "kept.example", 12, &d, &e), LG_OK);
	commit(s);
	store_close(s);
	downgrade_to_v1(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('profiles',"
				  " 'events', 'qevidence', 'stages', 'moves', 'reverify')"),
			 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM pragma_table_info('contacts')"
				  " WHERE name = 'source'"),
			 0);

	/* Opened for writing: migrated to the current schema, the same as a
	 * fresh one. */
	s = open_write(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(qtext(path, got, sizeof(got), SCHEMA_TABLES),
			    qtext(fresh_path, want, sizeof(want), SCHEMA_TABLES));
	assert_string_equal(qtext(path, got, sizeof(got), CONTACT_COLUMNS),
			    qtext(fresh_path, want, sizeof(want), CONTACT_COLUMNS));

	/* What schema 1 held is there, read through the new statements too. */
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence"), 2);
	list_get(s, "L", &li);
	assert_int_equal(li.versions, 1);
	assert_int_equal(li.counts.contacts, 2);
	members(s, "L", true, &m);
	assert_int_equal(m.n, 2);
	assert_true(store_domain_get(s, "kept.example", 12, 1000, &got_d));
	assert_string_equal(got_d.mx, "mx.kept.example");
	leads(s, 0, NULL, &g);
	assert_string_equal(g.addresses, "a@x.com,b@y.org");
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(g.l[i].source, "");
		assert_string_equal(g.l[i].stage, "lead");
		assert_int_equal(g.l[i].verified_at, T0);
		assert_int_equal(g.l[i].employees, -1);
	}
	/* And schema 2's parts work on it. */
	struct store_profile p = {.title = "CTO", .employees = 40};
	verify_one(s, "Z", "zoominfo", "a@x.com", &p, T0 + DAY);
	lead(s, "a@x.com", &g);
	assert_string_equal(g.l[0].source, "zoominfo");
	opt_check(&g.l[0].title, "CTO", "title");
	assert_int_equal(g.l[0].employees, 40);
	store_close(s);

	/* Opened again: nothing migrates twice, nothing is lost. */
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM profiles"), 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM lists"), 2);
}

/*
 * A database of schema 2 that exported and bounced: read as it is, its
 * windows are counted from `sent` and `exports`; upgraded, each contact
 * sent is in the window of the version of its first export, and the
 * schema is that of a new database.
 */
static void test_windows_from_v2(void **state)
{
	char path[512], fresh_path[512], want[2048], got[2048];
	struct store_list_info li;
	struct windows w;
	struct lg_err e = {{0}};
	(void)state;

	db_path(fresh_path, sizeof(fresh_path), "fresh3.db");
	store_close(open_write(fresh_path));
	db_path(path, sizeof(path), "v2.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com"};
	verified_list(s, "L", addr, 4, T0);
	export_all(s, "L", T0 + 100);
	verified_list(s, "L", addr, 4, T0 + DAY);
	export_all(s, "L", T0 + DAY + 100); /* sent before: `sent` keeps first sends only */
	hard_bounces(s, addr, 1, T0 + DAY + 200);
	store_close(s);
	downgrade_to_v2(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), 2);

	struct store *r = NULL;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	list_get(r, "L", &li);
	assert_int_equal(li.exported, 4);
	assert_int_equal(li.hard_bounced, 1);
	assert_int_equal(li.window_exported, 0); /* sent first from version 1 */
	assert_int_equal(li.window_hard_bounced, 0);
	windows(r, "L", &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.w[0].exported, 4);
	assert_int_equal(w.w[0].hard_bounced, 1);
	assert_int_equal(w.w[1].exported, 0);
	store_close(r);
	assert_int_equal(q1(path, "PRAGMA user_version"), 2); /* reading wrote nothing */

	s = open_write(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(qtext(path, got, sizeof(got), SCHEMA_TABLES),
			    qtext(fresh_path, want, sizeof(want), SCHEMA_TABLES));
	list_get(s, "L", &li);
	assert_int_equal(li.window_exported, 0);
	windows(s, "L", &w);
	assert_int_equal(w.w[0].exported, 4);
	assert_int_equal(w.w[0].hard_bounced, 1);
	assert_int_equal(w.w[1].exported, 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM version_sent"), 4);
	/* From now on the current version's sends count for it. */
	export_all(s, "L", T0 + DAY + 300);
	list_get(s, "L", &li);
	assert_int_equal(li.window_exported, 3);
	store_close(s);
}

static enum lg_status count_lead(void *arg, const struct store_lead *l, struct lg_err *err)
{
	(void)l, (void)err;
	++*(unsigned *)arg;
	return LG_OK;
}

/*
 * Opened for reading, a schema 1 database is not migrated (reading writes
 * nothing): what schema 1 holds reads as before, and a reader of what
 * schema 2 brought returns LG_ECONFIG saying how to upgrade, never a
 * crash (it once abort()ed preparing a statement on a missing table).
 */
static void test_read_v1_database(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	struct store_list_info li;
	struct store_funnel fc;
	unsigned n = 0;
	(void)state;

	db_path(path, sizeof(path), "read-v1.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "L", addr, 1, T0);
	store_close(s);
	downgrade_to_v1(path);

	struct store *r = NULL;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	assert_int_equal(store_list_get(r, "L", &li, &e), LG_OK); /* schema 1 reads */
	assert_int_equal(li.counts.contacts, 1);
	assert_int_equal(store_leads_each(r, 0, NULL, count_lead, &n, &e), LG_ECONFIG);
	assert_int_equal(n, 0);
	assert_non_null(strstr(e.msg, "made by an older leadgate (schema 1)"));
	assert_int_equal(store_funnel_counts(r, &fc, &e), LG_ECONFIG);
	store_close(r);
	assert_int_equal(q1(path, "PRAGMA user_version"), 1); /* reading wrote nothing */
	/* a writer upgrades it */
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
}

/*
 * Schema 5: the account recorded with the contact.  A verdict that
 * brings one records it, one that brings none keeps it; on a database of
 * schema 4 the migration fills it from each contact's domain, as the
 * scoring commands derived it (verify_domain_account); read without the
 * upgrade, there is none (NULL: the reader derives it).
 */
static void test_account_recorded_and_migrated(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	struct store_run run;
	struct leads g;
	(void)state;
	static const struct {
		const char *address, *account;
	} c[] = {
		{"ann@mail.fabrikam.co.uk", "fabrikam.co.uk"},
		{"bob@www.acme.com", "acme.com"},
		{"cy@acme.com", "acme.com"},
		{"dee@a.b.xn--bcher-kva.co.uk", "xn--bcher-kva.co.uk"},
		{"eve@co.uk", "co.uk"},
	};
	size_t nc = sizeof(c) / sizeof(*c);

	db_path(path, sizeof(path), "account.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "L", NULL, T0, &run, &e), LG_OK);
	for (size_t i = 0; i < nc; i++) {
		struct store_verdict v = verdict(c[i].address, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		v.account = i == 0 ? "given.example" : NULL; /* the first as given; none for the rest */
		v.account_len = v.account ? strlen(v.account) : 0;
		if (store_verify_row(s, &run, &v, T0, &e) != LG_OK)
			fail_msg("store_verify_row: %s", e.msg);
	}
	finish(s, &run, nc, nc, T0);
	commit(s);
	lead(s, c[0].address, &g);
	opt_check(&g.l[0].account, "given.example", "account as given");
	lead(s, c[1].address, &g);
	opt_check(&g.l[0].account, NULL, "account not given");
	/* verified again without one: the one kept stays */
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "L2", NULL, T0 + DAY, &run, &e), LG_OK);
	row(s, &run, c[0].address, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
	finish(s, &run, 1, 1, T0 + DAY);
	commit(s);
	lead(s, c[0].address, &g);
	opt_check(&g.l[0].account, "given.example", "account kept");
	store_close(s);

	/* A database of schema 4: no account column. */
	downgrade_to_v4(path);
	assert_int_equal(q1(path, "SELECT count(*) FROM pragma_table_info('contacts')"
				  " WHERE name = 'account'"), 0);
	struct store *r = NULL;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	leads(r, 0, NULL, &g);
	assert_int_equal(g.n, nc);
	for (size_t i = 0; i < g.n; i++)
		opt_check(&g.l[i].account, NULL, "account read without the upgrade");
	store_close(r);
	assert_int_equal(q1(path, "PRAGMA user_version"), 4); /* reading wrote nothing */

	/* A writer upgrades it and fills every contact's account. */
	s = open_write(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE account IS NULL"), 0);
	for (size_t i = 0; i < nc; i++) {
		lead(s, c[i].address, &g);
		opt_check(&g.l[0].account, c[i].account, c[i].address);
	}
	store_close(s);
}

/* What store_members_each handed over, with the rows. */
struct member_rows {
	size_t n;
	char row[4][128]; /* the cells, '|'-joined; "-" when none was kept */
};

static enum lg_status take_row(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct member_rows *g = arg;
	struct io_cell c[8];
	(void)err;
	assert_true(g->n < 4);
	char *out = g->row[g->n++];
	if (!m->cells) {
		snprintf(out, 128, "-");
		return LG_OK;
	}
	long n = io_cells_unpack(m->cells, m->cells_len, c, 8);
	assert_true(n >= 0 && n <= 8);
	out[0] = '\0';
	for (long i = 0; i < n; i++)
		snprintf(out + strlen(out), 128 - strlen(out), "%s%.*s", i ? "|" : "", (int)c[i].len,
			 c[i].s);
	return LG_OK;
}

/*
 * A list version keeps its file's columns and each member's row as given
 * (schema 3), for export to give back; a database of schema 2 reads
 * without them, its readers of names say how to upgrade, and a writer
 * upgrades it keeping what it held.
 */
static void test_list_rows(void **state)
{
	char path[512];
	struct store_run run;
	struct store_list_info li;
	struct member_rows g = {0};
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err e = {{0}};
	long at = -1;
	(void)state;

	db_path(path, sizeof(path), "rows.db");
	struct store *s = open_write(path);
	const struct io_cell head[] = {{"Name", 4, true}, {"E-mail", 6, true}, {"Note", 4, true}};
	io_cells_pack(&b, head, 3);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F", T0, &run, &e), LG_OK);
	assert_int_equal(store_verify_header(s, &run, b.data, b.len, 1, &e), LG_OK);
	const struct io_cell r1[] = {{"Ann", 3, true}, {" ANN@x.com", 10, true}, {"a, \"b\"\n", 7, false}};
	const struct io_cell r2[] = {{"", 0, true}, {"bob@y.org", 9, true}, {"", 0, true}};
	const struct io_cell *rows[] = {r1, r2};
	const char *addr[] = {"ann@x.com", "bob@y.org"};
	for (int i = 0; i < 2; i++) {
		struct store_verdict v = verdict(addr[i], VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		lg_buf_reset(&b);
		io_cells_pack(&b, rows[i], 3);
		v.cells = b.data;
		v.cells_len = b.len;
		struct store_profile p = {.employees = -1, .first_name = i ? NULL : "Ann",
					  .last_name = i ? NULL : "Lee"};
		v.profile = &p;
		assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	}
	finish(s, &run, 2, 2, T0);
	commit(s);

	list_get(s, "L", &li);
	lg_buf_reset(&b);
	assert_true(store_list_header(s, &li, &b, &at));
	assert_int_equal(at, 1);
	struct io_cell h[4];
	assert_int_equal(io_cells_unpack(b.data, b.len, h, 4), 3);
	assert_int_equal(h[1].len, 6);
	assert_memory_equal(h[1].s, "E-mail", 6);
	assert_int_equal(store_members_each(s, &li, true, take_row, &g, &e), LG_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.row[0], "Ann| ANN@x.com|a, \"b\"\n");
	assert_string_equal(g.row[1], "|bob@y.org|");
	assert_string_equal(qtext(path, (char[64]){0}, 64,
				  "SELECT first_name || ' ' || last_name FROM profiles"),
			    "Ann Lee");
	store_close(s);

	/* Schema 2: no rows, no header; the readers of names say why. */
	downgrade_to_v2(path);
	struct store *r = NULL;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	list_get(r, "L", &li);
	lg_buf_reset(&b);
	assert_false(store_list_header(r, &li, &b, &at));
	g.n = 0;
	assert_int_equal(store_members_each(r, &li, true, take_row, &g, &e), LG_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.row[0], "-");
	unsigned n = 0;
	assert_int_equal(store_leads_each(r, 0, NULL, count_lead, &n, &e), LG_ECONFIG);
	assert_non_null(strstr(e.msg, "made by an older leadgate (schema 2)"));
	store_close(r);
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM members"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM member_rows"), 0);
	lg_buf_release(&b);
}

/* ---- the store's writer ---- */

/*
 * The writer thread records, in batches on its own connection, every
 * verdict (with its packed row and profile) and DNS answer handed to it:
 * more of them than its ring of batches holds, from buffers the caller
 * reuses at once.  Freed without finishing, it drops what it was not
 * handed whole, as a kill would.
 */
static void test_writer(void **state)
{
	char path[512], addr[64], dom[64];
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	enum { N = 100, NDNS = 7 };
	(void)state;

	db_path(path, sizeof(path), "writer.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "W", "crm", "in.csv", "F", T0, &run, &e), LG_OK);
	commit(s);
	/* batches of 2: the ring of batches goes round more than once */
	assert_int_equal(store_writer_start(&w, s, &run, T0, 2, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "u%d@d%d.example", i, i % 10);
		struct store_verdict v = verdict(addr, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		char note[32];
		snprintf(note, sizeof(note), "row %d", i);
		const struct io_cell cells[] = {{addr, strlen(addr), true}, {note, strlen(note), true}};
		struct lg_arena *a = store_writer_arena(w);
		v.cells_len = io_cells_packed_len(cells, 2);
		void *packed = lg_arena_alloc(a, v.cells_len, 1);
		io_cells_pack_to(packed, cells, 2);
		v.cells = packed;
		if (i % 3 == 0) {
			struct store_profile *p = lg_arena_alloc(a, sizeof(*p), _Alignof(struct store_profile));
			*p = (struct store_profile){.employees = i, .title = lg_arena_memdup(a, note, strlen(note))};
			v.profile = p;
		}
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
		memset(addr, 'z', sizeof(addr) - 1); /* the writer kept a copy */
		memset(note, 'z', sizeof(note) - 1);
		if (i < NDNS) {
			snprintf(dom, sizeof(dom), "d%d.example", i);
			char mx[32];
			snprintf(mx, sizeof(mx), "mx%d.example", i);
			struct dns_result d = {.mx = mx, .outcome = DNS_MX, .answered_at = (uint32_t)T0,
					       .expires_at = (uint32_t)(T0 + 3600)};
			assert_int_equal(store_writer_dns(w, dom, strlen(dom), &d, &e), LG_OK);
			memset(mx, 'z', sizeof(mx) - 1);
			memset(dom, 'z', sizeof(dom) - 1);
		}
	}
	assert_int_equal(store_writer_finish(w, &e), LG_OK);
	store_writer_free(w);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE source = 'crm'"), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld", (long long)run.id), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)run.id), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM member_rows WHERE run_id = %lld", (long long)run.id), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM profiles"), (N + 2) / 3);
	assert_int_equal(q1(path, "SELECT employees FROM profiles p JOIN contacts c ON c.id = p.contact_id"
			 " WHERE c.address = 'u99@d9.example'"), 99);
	char buf[64];
	assert_string_equal(qtext(path, buf, sizeof(buf), "SELECT title FROM profiles p JOIN contacts c"
				  " ON c.id = p.contact_id WHERE c.address = 'u99@d9.example'"), "row 99");
	assert_int_equal(q1(path, "SELECT count(*) FROM domains"), NDNS);
	assert_string_equal(qtext(path, buf, sizeof(buf), "SELECT mx FROM domains WHERE domain = 'd6.example'"),
			    "mx6.example");
	begin(s);
	finish(s, &run, N, N, T0);
	commit(s);
	struct store_list_info li;
	list_get(s, "W", &li);
	assert_int_equal(li.counts.contacts, N);

	/* freed before a batch was full: nothing of it is written */
	struct store_run run2;
	begin(s);
	assert_int_equal(store_verify_begin(s, "W2", NULL, "in2.csv", "G", T0, &run2, &e), LG_OK);
	commit(s);
	assert_int_equal(store_writer_start(&w, s, &run2, T0, 8, &e), LG_OK);
	struct store_verdict v = verdict("late@d1.example", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	store_writer_free(w);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE address = 'late@d1.example'"), 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld", (long long)run2.id), 0);
	store_close(s);
}

/* ---- profiles, sources, leads ---- */

/* A contact's profile over successive lists: what a list does not say (NULL
 * column, empty cell, employees -1, no profile at all) keeps what was kept;
 * what it says replaces it. */
static void test_profiles(void **state)
{
#define P(t, c, i, r, n) {.title = t, .company = c, .industry = i, .region = r, .employees = n}
	static const struct {
		bool none;             /* the row has no profile at all (v.profile NULL) */
		struct store_profile in, want;
	} steps[] = {
		{false, P("CTO", "Acme", "Software", "EMEA", 250), P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P(NULL, NULL, NULL, NULL, -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P("", "", "", "", -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{true, P(NULL, NULL, NULL, NULL, -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P("VP Sales", NULL, "", "AMER", 0), P("VP Sales", "Acme", "Software", "AMER", 0)},
		{false, P(NULL, "Acme Corp", "Fintech", NULL, -1),
		 P("VP Sales", "Acme Corp", "Fintech", "AMER", 0)},
		{false, P("", "", "", "", 1200), P("VP Sales", "Acme Corp", "Fintech", "AMER", 1200)},
	};
	static const struct store_profile nothing = P(NULL, NULL, NULL, NULL, -1);
	static const struct store_profile empty = P("", "", "", "", -1);
#undef P
	char path[512];
	struct leads g;
	(void)state;

	db_path(path, sizeof(path), "profiles.db");
	struct store *s = open_write(path);
	/* b never had a profile; c's first one said nothing. */
	verify_one(s, "B", NULL, "b@x.com", NULL, T0);
	verify_one(s, "C", NULL, "c@x.com", &empty, T0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		/* The address in another case each time: one contact. */
		verify_one(s, "L", "crm", i % 2 ? "ANN@X.COM" : "ann@x.com",
			   steps[i].none ? NULL : &steps[i].in, T0 + (int64_t)i * DAY);
		lead(s, "ann@x.com", &g);
		print_message("step %zu\n", i);
		check_profile(&g, 0, &steps[i].want);
		assert_int_equal(g.l[0].verified_at, T0 + (int64_t)i * DAY);
	}
	lead(s, "b@x.com", &g);
	check_profile(&g, 0, &nothing);
	lead(s, "c@x.com", &g);
	check_profile(&g, 0, &nothing);
	assert_int_equal(q1(path, "SELECT count(*) FROM profiles"), 2); /* ann's and c's */
	assert_int_equal(q1(path, "SELECT updated_at FROM profiles p JOIN contacts c ON"
				  " c.id = p.contact_id WHERE c.address = 'ann@x.com'"),
			 T0 + (int64_t)(sizeof(steps) / sizeof(*steps) - 1) * DAY);

	/* A transaction rolled back keeps no profile. */
	struct store_run run;
	struct lg_err e = {{0}};
	struct store_verdict v = verdict("b@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	struct store_profile p = {.title = "Intern", .employees = 1};
	v.profile = &p;
	begin(s);
	assert_int_equal(store_verify_begin(s, "B", NULL, "B", NULL, T0, &run, &e), LG_OK);
	assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	store_rollback(s);
	lead(s, "b@x.com", &g);
	check_profile(&g, 0, &nothing);
	store_close(s);
}

/* contacts.source: the source of the latest list that names one. */
static void test_contact_source(void **state)
{
	static const struct {
		const char *list, *source; /* store_verify_begin's */
		const char *want;          /* the contact's source after */
	} steps[] = {
		{"Z", "zoominfo", "zoominfo"}, /* a list with a source gives it */
		{"N", NULL, "zoominfo"},       /* a list without one keeps it */
		{"E", "", "zoominfo"},
		{"A", "apollo", "apollo"},     /* another source replaces it */
		{"Z", "ignored", "zoominfo"},  /* Z again: Z's source, kept from its creation */
		{"N", "hubspot", "zoominfo"},  /* N again: still none */
	};
	char path[512];
	struct leads g;
	struct store_list_info li;
	(void)state;

	db_path(path, sizeof(path), "source.db");
	struct store *s = open_write(path);
	for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
		verify_one(s, steps[i].list, steps[i].source, "ann@x.com", NULL,
			   T0 + (int64_t)i * DAY);
		lead(s, "ann@x.com", &g);
		print_message("step %zu: list %s\n", i, steps[i].list);
		assert_string_equal(g.l[0].source, steps[i].want);
	}
	list_get(s, "Z", &li);
	assert_string_equal(li.source, "zoominfo");
	list_get(s, "N", &li);
	assert_string_equal(li.source, "");

	/* Never in a list with a source: "". */
	verify_one(s, "N", NULL, "bob@x.com", NULL, T0);
	lead(s, "bob@x.com", &g);
	assert_string_equal(g.l[0].source, "");
	/* A hard bounce does not touch it. */
	struct store_run imp;
	struct lg_err e = {{0}};
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "ann@x.com", "hard", "k1", T0 + 9 * DAY, T0 + 9 * DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	lead(s, "ann@x.com", &g);
	assert_string_equal(g.l[0].source, "zoominfo");
	assert_int_equal(g.l[0].suppressed, STORE_SUPPRESS_BOUNCE);
	store_close(s);
}

static enum lg_status stop_lead(void *arg, const struct store_lead *l, struct lg_err *err)
{
	(void)l;
	++*(unsigned *)arg;
	return lg_err_set(err, LG_ETEMP, "stop");
}

static void test_leads_each(void **state)
{
	char path[512];
	struct store_list_info la, lb;
	struct store_run run, imp;
	struct leads g;
	struct lg_err e = {{0}};
	size_t i;
	(void)state;

	db_path(path, sizeof(path), "leads.db");
	struct store *s = open_write(path);
	/* A: version 1 c, a, b; version 2 b, c.  B: d.  e in no list's current
	 * version (an interrupted run). */
	const char *v1[] = {"c@x.com", "a@x.com", "b@x.com"}, *v2[] = {"B@x.com", "c@x.com"};
	verified_list(s, "A", v1, 3, T0);
	verified_list(s, "A", v2, 2, T0 + DAY);
	begin(s);
	assert_int_equal(store_verify_begin(s, "B", "apollo", "b.csv", NULL, T0 + 2 * DAY, &run, &e),
			 LG_OK);
	row(s, &run, "d@y.org", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE | VERIFY_F_FREE,
	    T0 + 2 * DAY);
	finish(s, &run, 1, 1, T0 + 2 * DAY);
	assert_int_equal(store_verify_begin(s, "C", NULL, "c.csv", "F", T0 + 3 * DAY, &run, &e), LG_OK);
	row(s, &run, "e@z.net", VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, 0, T0 + 3 * DAY);
	/* a complained */
	assert_int_equal(store_run_begin(s, "import", 0, "c.json", T0, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "a@x.com", "complaint", "k", T0 + DAY, T0 + DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	list_get(s, "A", &la);
	list_get(s, "B", &lb);
	struct store_list_info lc;
	list_get(s, "C", &lc);

	static const struct {
		const char *list;    /* NULL: 0 (every contact); "?": no such list */
		const char *address; /* NULL: every one */
		const char *want;
	} q[] = {
		{NULL, NULL, "a@x.com,b@x.com,c@x.com,d@y.org,e@z.net"}, /* address order */
		{"A", NULL, "b@x.com,c@x.com"},                         /* the current version */
		{"B", NULL, "d@y.org"},
		{"C", NULL, ""},                                        /* no complete version */
		{"?", NULL, ""},
		{NULL, "c@x.com", "c@x.com"},
		{NULL, "e@z.net", "e@z.net"},
		{NULL, "nobody@x.com", ""},
	};
	for (i = 0; i < sizeof(q) / sizeof(*q); i++) {
		int64_t id = !q[i].list ? 0
			     : !strcmp(q[i].list, "A") ? la.id
			     : !strcmp(q[i].list, "B") ? lb.id
			     : !strcmp(q[i].list, "C") ? lc.id
						       : 999999;
		leads(s, id, q[i].address, &g);
		print_message("query %zu\n", i);
		assert_string_equal(g.addresses, q[i].want);
	}

	/* Every field. */
	leads(s, 0, NULL, &g);
	assert_int_equal(g.n, 5);
	for (i = 0; i < g.n; i++) {
		assert_int_equal(g.l[i].contact_id, contact_id(s, g.l[i].address));
		assert_string_equal(g.l[i].stage, "lead");
		assert_int_equal(g.l[i].stage_since, 0);
		opt_check(&g.l[i].title, NULL, "title");
		opt_check(&g.l[i].company, NULL, "company");
		opt_check(&g.l[i].industry, NULL, "industry");
		opt_check(&g.l[i].region, NULL, "region");
		assert_int_equal(g.l[i].employees, -1);
	}
	assert_string_equal(g.l[0].domain, "x.com");
	assert_int_equal(g.l[0].suppressed, STORE_SUPPRESS_COMPLAINT);
	assert_int_equal(g.l[0].verified_at, T0);
	assert_int_equal(g.l[1].verified_at, T0 + DAY);
	assert_int_equal(g.l[1].suppressed, STORE_SUPPRESS_NONE);
	assert_string_equal(g.l[3].domain, "y.org");
	assert_int_equal(g.l[3].status, VERIFY_RISKY);
	assert_int_equal(g.l[3].flags, VERIFY_F_ROLE | VERIFY_F_FREE);
	assert_int_equal(g.l[3].verified_at, T0 + 2 * DAY);
	assert_string_equal(g.l[3].source, "apollo");
	assert_string_equal(g.l[4].domain, "z.net");
	assert_int_equal(g.l[4].status, VERIFY_UNDELIVERABLE);

	/* fn's status stops the walk, and the statement is reset: another
	 * process may write, and this one begin, right after. */
	unsigned calls = 0;
	e.msg[0] = '\0';
	assert_int_equal(store_leads_each(s, 0, NULL, stop_lead, &calls, &e), LG_ETEMP);
	assert_int_equal(calls, 1);
	assert_string_equal(e.msg, "stop");
	struct store *other = open_write(path);
	verify_one(other, "D", NULL, "f@x.com", NULL, T0 + 4 * DAY);
	store_close(other);
	begin(s);
	commit(s);
	store_close(s);
}

static void test_contact_find(void **state)
{
	char path[512];
	struct members m;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "find.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	members(s, "L", true, &m);
	int64_t a = m.m[member(&m, "a@x.com")].contact_id, b = m.m[member(&m, "b@x.com")].contact_id;
	assert_true(a > 0 && b > 0 && a != b);

	static const struct {
		const char *address;
		size_t len;          /* 0: strlen */
		char want;           /* 'a', 'b' or 0: not found */
	} q[] = {
		{"a@x.com", 0, 'a'},
		{"b@x.com", 0, 'b'},
		{"b@x.com.extra", 7, 'b'}, /* len counts, not the terminator */
		{"a@x.co", 0, 0},
		{"nobody@x.com", 0, 0},
		{"", 0, 0},
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(*q); i++) {
		int64_t id = -1;
		size_t len = q[i].len ? q[i].len : strlen(q[i].address);
		assert_int_equal(store_contact_find(s, q[i].address, len, &id, &e), LG_OK);
		print_message("%s\n", q[i].address);
		assert_int_equal(id, q[i].want == 'a' ? a : q[i].want == 'b' ? b : 0);
	}
	store_close(s);
}

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

static enum lg_status take_event(void *arg, const struct store_event *ev, struct lg_err *err)
{
	struct events *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->e) / sizeof(*g->e));
	snprintf(g->e[g->n].event_id, sizeof(g->e[g->n].event_id), "%s", ev->event_id);
	snprintf(g->e[g->n].type, sizeof(g->e[g->n].type), "%s", ev->type);
	opt_set(&g->e[g->n].address, ev->address);
	opt_set(&g->e[g->n].account, ev->account);
	opt_set(&g->e[g->n].channel, ev->channel);
	opt_set(&g->e[g->n].asset, ev->asset);
	opt_set(&g->e[g->n].props, ev->props);
	g->e[g->n].occurred_at = ev->occurred_at;
	g->e[g->n].count = ev->count;
	join(g->ids, sizeof(g->ids), ev->event_id);
	g->n++;
	return LG_OK;
}

static void events_each(struct store *s, bool account, const char *key, struct events *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_events_each(s, account, key, take_event, g, &e) != LG_OK)
		fail_msg("store_events_each(%d, %s): %s", account, key ? key : "NULL", e.msg);
}

/* In the order they arrive; late ones happened before others had arrived. */
static const struct store_event events_in[] = {
	{.event_id = "e-open", .address = "b@x.com", .type = "email_open", .channel = "email",
	 .asset = "nl-2025-11", .occurred_at = T0 + 300, .count = -1},
	{.event_id = "e-view-2", .address = "a@x.com", .type = "page_view", .channel = "web",
	 .asset = "/pricing", .occurred_at = T0 + 200, .count = 3,
	 .props = "{\"utm_source\":\"ads\"}"},
	{.event_id = "e-surge", .account = "x.com", .type = "intent_surge",
	 .occurred_at = T0 + 100, .count = -1, .props = "{\"topic\":\"crm\"}"},
	/* at the same time as e-view-2: event_id decides */
	{.event_id = "e-view-1", .address = "a@x.com", .type = "page_view", .channel = "web",
	 .asset = "/docs", .occurred_at = T0 + 200, .count = 1},
	{.event_id = "e-fund", .account = "acme.io", .type = "funding", .occurred_at = T0 + 50,
	 .count = -1},
	{.event_id = "x-late", .address = "a@x.com", .type = "form_fill", .channel = "web",
	 .asset = "demo", .occurred_at = T0 + 10, .count = 0},
	{.event_id = "s-hire", .account = "x.com", .type = "hiring", .channel = "jobs",
	 .occurred_at = T0 + 20, .count = 2},
};

static void check_event(const struct events *g, size_t i)
{
	const struct store_event *w = NULL;
	for (size_t k = 0; k < sizeof(events_in) / sizeof(*events_in); k++)
		if (!strcmp(events_in[k].event_id, g->e[i].event_id))
			w = &events_in[k];
	if (!w)
		fail_msg("unexpected event %s", g->e[i].event_id);
	assert_string_equal(g->e[i].type, w->type);
	opt_check(&g->e[i].address, w->address, "address");
	opt_check(&g->e[i].account, w->account, "account");
	opt_check(&g->e[i].channel, w->channel, "channel");
	opt_check(&g->e[i].asset, w->asset, "asset");
	opt_check(&g->e[i].props, w->props, "props");
	assert_int_equal(g->e[i].occurred_at, w->occurred_at);
	assert_int_equal(g->e[i].count, w->count);
}

static void test_events(void **state)
{
	static const struct {
		bool account;
		const char *key;
		const char *want;
	} q[] = {
		/* by (address, occurred_at, event_id), whatever the arrival order */
		{false, NULL, "x-late,e-view-1,e-view-2,e-open"},
		{false, "a@x.com", "x-late,e-view-1,e-view-2"},
		{false, "b@x.com", "e-open"},
		{false, "x.com", ""},            /* an account is no address */
		{false, "nobody@x.com", ""},
		{true, NULL, "e-fund,s-hire,e-surge"},
		{true, "x.com", "s-hire,e-surge"},
		{true, "a@x.com", ""},
	};
	char path[512];
	struct store_run run, again;
	struct events g;
	struct lg_err e = {{0}};
	bool added;
	size_t n = sizeof(events_in) / sizeof(*events_in);
	(void)state;

	db_path(path, sizeof(path), "events.db");
	struct store *s = open_write(path);
	events_each(s, false, NULL, &g);
	assert_int_equal(g.n, 0);

	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "events.jsonl", T0 + 400, &run, &e), LG_OK);
	for (size_t i = 0; i < n; i++) {
		added = false;
		assert_int_equal(store_event_add(s, &run, &events_in[i], &added, &e), LG_OK);
		assert_true(added);
	}
	/* The same event_id again, even saying something else: nothing added. */
	struct store_event changed = events_in[1];
	changed.type = "something_else";
	changed.occurred_at = T0;
	added = true;
	assert_int_equal(store_event_add(s, &run, &changed, &added, &e), LG_OK);
	assert_false(added);
	commit(s);

	/* Imported again by another run: nothing added. */
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "events.jsonl", T0 + 500, &again, &e), LG_OK);
	for (size_t i = 0; i < n; i++) {
		added = true;
		assert_int_equal(store_event_add(s, &again, &events_in[i], &added, &e), LG_OK);
		assert_false(added);
	}
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM events"), (long long)n);
	assert_int_equal(q1(path, "SELECT count(*) FROM events WHERE run_id = %lld", (long long)run.id),
			 (long long)n);

	for (size_t i = 0; i < sizeof(q) / sizeof(*q); i++) {
		events_each(s, q[i].account, q[i].key, &g);
		print_message("query %zu\n", i);
		assert_string_equal(g.ids, q[i].want);
		for (size_t k = 0; k < g.n; k++)
			check_event(&g, k);
	}
	store_close(s);
}

/*
 * The events table refuses an event that is both a contact's and an
 * account's, or neither (its CHECK), and one without a type (NOT NULL):
 * store_event_add says so (non-OK).  Only a repeated event_id is ignored
 * (it once was INSERT OR IGNORE, which also skipped these silently and
 * counted them as duplicates).
 */
static void test_event_invalid_rejected(void **state)
{
	static const struct store_event bad[] = {
		{.event_id = "e-both", .address = "a@x.com", .account = "x.com", .type = "page_view",
		 .occurred_at = T0, .count = -1},
		{.event_id = "e-neither", .type = "page_view", .occurred_at = T0, .count = -1},
		{.event_id = "e-no-type", .address = "a@x.com", .occurred_at = T0, .count = -1},
	};
	char path[512];
	struct store_run run;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "events-bad.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "events.jsonl", T0, &run, &e), LG_OK);
	commit(s);
	/* Closed before any failure: a failing assertion leaves the test at once. */
	char wrong[256] = "";
	begin(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		bool added = true;
		e.msg[0] = '\0';
		enum lg_status st = store_event_add(s, &run, &bad[i], &added, &e);
		if (st == LG_OK || added || !e.msg[0])
			join(wrong, sizeof(wrong), bad[i].event_id);
	}
	store_rollback(s);
	store_close(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM events"), 0);
	if (wrong[0])
		fail_msg("store_event_add returned OK (counted as a duplicate) for events the "
			 "table's constraints refuse: %s",
			 wrong);
}

/* ---- qualification evidence ---- */

struct qevs {
	size_t n;
	struct {
		char framework[16], criterion[32], status[16], source[16];
		double confidence;
		int64_t at, valid_until;
		struct opt note;
	} q[8];
};

static enum lg_status take_qev(void *arg, const struct store_qevidence *ev, struct lg_err *err)
{
	struct qevs *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->q) / sizeof(*g->q));
	snprintf(g->q[g->n].framework, sizeof(g->q[g->n].framework), "%s", ev->framework);
	snprintf(g->q[g->n].criterion, sizeof(g->q[g->n].criterion), "%s", ev->criterion);
	snprintf(g->q[g->n].status, sizeof(g->q[g->n].status), "%s", ev->status);
	snprintf(g->q[g->n].source, sizeof(g->q[g->n].source), "%s", ev->source);
	g->q[g->n].confidence = ev->confidence;
	g->q[g->n].at = ev->at;
	g->q[g->n].valid_until = ev->valid_until;
	opt_set(&g->q[g->n].note, ev->note);
	g->n++;
	return LG_OK;
}

static void test_qevidence(void **state)
{
	/* In the order they are added. */
	static const struct store_qevidence in[] = {
		{.framework = "BANT", .criterion = "budget", .status = "met", .confidence = 0.9,
		 .source = "call", .at = T0 + 50, .valid_until = 0, .note = NULL},
		{.framework = "MEDDIC", .criterion = "economic_buyer", .status = "partial",
		 .confidence = 0.5, .source = "email", .at = T0 + 10, .valid_until = T0 + 90 * DAY,
		 .note = "CFO cc'd, not yet met"},
		/* at the same time as the first: the order they came in */
		{.framework = "CHAMP", .criterion = "priorities", .status = "not_met",
		 .confidence = 0, .source = "form", .at = T0 + 50, .valid_until = T0 + DAY,
		 .note = NULL},
		{.framework = "BANT", .criterion = "timing", .status = "met", .confidence = 1,
		 .source = "note", .at = T0 + 5, .note = "Q1"},
	};
	static const size_t want[] = {3, 1, 0, 2}; /* by (at, id) */
	/* What the table's CHECK constraints refuse. */
	static const struct store_qevidence bad[] = {
		{.framework = "BANT", .criterion = "budget", .status = "maybe", .confidence = 0.5,
		 .source = "call", .at = T0},
		{.framework = "SPICED", .criterion = "pain", .status = "met", .confidence = 0.5,
		 .source = "call", .at = T0},
		{.framework = "BANT", .criterion = "budget", .status = "met", .confidence = 1.5,
		 .source = "call", .at = T0},
		{.framework = "BANT", .criterion = "budget", .status = "met", .confidence = -0.1,
		 .source = "call", .at = T0},
		{.framework = "BANT", .criterion = "budget", .status = "met", .confidence = 0.5,
		 .source = "sms", .at = T0},
	};
	char path[512];
	struct qevs g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "qevidence.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	int64_t a = contact_id(s, "a@x.com"), b = contact_id(s, "b@x.com");

	begin(s);
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++)
		assert_int_equal(store_qevidence_add(s, a, &in[i], &e), LG_OK);
	struct store_qevidence other = in[0];
	other.criterion = "authority";
	assert_int_equal(store_qevidence_add(s, b, &other, &e), LG_OK);
	commit(s);

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_qevidence_each(s, a, take_qev, &g, &e), LG_OK);
	assert_int_equal(g.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < g.n; i++) {
		const struct store_qevidence *w = &in[want[i]];
		print_message("evidence %zu\n", i);
		assert_string_equal(g.q[i].framework, w->framework);
		assert_string_equal(g.q[i].criterion, w->criterion);
		assert_string_equal(g.q[i].status, w->status);
		assert_string_equal(g.q[i].source, w->source);
		assert_true(g.q[i].confidence == w->confidence);
		assert_int_equal(g.q[i].at, w->at);
		assert_int_equal(g.q[i].valid_until, w->valid_until);
		opt_check(&g.q[i].note, w->note, "note");
	}
	assert_int_equal(q1(path, "SELECT count(*) FROM qevidence WHERE contact_id = %lld AND"
				  " valid_until IS NULL", (long long)a),
			 2);

	memset(&g, 0, sizeof(g));
	assert_int_equal(store_qevidence_each(s, b, take_qev, &g, &e), LG_OK);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.q[0].criterion, "authority");
	memset(&g, 0, sizeof(g));
	assert_int_equal(store_qevidence_each(s, b + a + 100, take_qev, &g, &e), LG_OK);
	assert_int_equal(g.n, 0);

	begin(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		e.msg[0] = '\0';
		print_message("bad %zu\n", i);
		assert_int_not_equal(store_qevidence_add(s, a, &bad[i], &e), LG_OK);
		assert_true(e.msg[0] != '\0');
	}
	store_rollback(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM qevidence"), 5);
	store_close(s);
}

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

static enum lg_status take_move(void *arg, const struct store_move *mv, struct lg_err *err)
{
	struct moves *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->m) / sizeof(*g->m));
	snprintf(g->m[g->n].from, sizeof(g->m[g->n].from), "%s", mv->from);
	snprintf(g->m[g->n].to, sizeof(g->m[g->n].to), "%s", mv->to);
	snprintf(g->m[g->n].why, sizeof(g->m[g->n].why), "%s", mv->why);
	snprintf(g->m[g->n].who, sizeof(g->m[g->n].who), "%s", mv->who);
	snprintf(g->m[g->n].source, sizeof(g->m[g->n].source), "%s", mv->source);
	snprintf(g->m[g->n].address, sizeof(g->m[g->n].address), "%s", mv->address);
	opt_set(&g->m[g->n].reason, mv->reason);
	opt_set(&g->m[g->n].note, mv->note);
	g->m[g->n].at = mv->at;
	g->m[g->n].score = mv->score;
	g->n++;
	return LG_OK;
}

static void moves_each(struct store *s, int64_t contact, struct moves *g)
{
	struct lg_err e = {{0}};
	memset(g, 0, sizeof(*g));
	if (store_moves_each(s, contact, take_move, g, &e) != LG_OK)
		fail_msg("store_moves_each(%lld): %s", (long long)contact, e.msg);
}

static void move(struct store *s, int64_t contact, const struct store_move *m)
{
	struct lg_err e = {{0}};
	bool moved;
	if (store_move_add(s, contact, m, &moved, &e) != LG_OK)
		fail_msg("store_move_add(%lld, %s -> %s): %s", (long long)contact, m->from, m->to, e.msg);
	if (!moved)
		fail_msg("store_move_add(%lld, %s -> %s): not moved", (long long)contact, m->from, m->to);
}

static void test_moves(void **state)
{
	/* In the order they are recorded; each contact's in its own time order. */
	static const struct {
		char who_is;       /* 'a' or 'b' */
		struct store_move m;
	} in[] = {
		{'a', {.from = "lead", .to = "mql", .at = T0 + DAY, .why = "score >= 60", .score = 64.5,
		       .who = "auto"}},
		{'a', {.from = "mql", .to = "sql", .at = T0 + 3 * DAY, .why = "rep accepted",
		       .score = 71, .who = "jo", .reason = "budget_confirmed", .note = "call on 12/1"}},
		{'b', {.from = "lead", .to = "mql", .at = T0 + 2 * DAY, .why = "score >= 60",
		       .score = 60, .who = "auto"}},
		{'a', {.from = "sql", .to = "mql", .at = T0 + 4 * DAY, .why = "rep recycled",
		       .score = 55.25, .who = "jo", .reason = "no_budget"}},
	};
	static const size_t want_a[] = {0, 1, 3}, want_all[] = {0, 2, 1, 3};
	char path[512];
	struct leads g;
	struct moves mv;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "moves.db");
	struct store *s = open_write(path);
	verify_one(s, "H", "hubspot", "a@x.com", NULL, T0);
	verify_one(s, "N", NULL, "b@x.com", NULL, T0);
	verify_one(s, "N", NULL, "c@x.com", NULL, T0);
	int64_t a = contact_id(s, "a@x.com"), b = contact_id(s, "b@x.com"),
		c = contact_id(s, "c@x.com");

	/* Never moved: a lead since 0. */
	leads(s, 0, NULL, &g);
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(g.l[i].stage, "lead");
		assert_int_equal(g.l[i].stage_since, 0);
	}
	moves_each(s, 0, &mv);
	assert_int_equal(mv.n, 0);

	begin(s);
	for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++)
		move(s, in[i].who_is == 'a' ? a : b, &in[i].m);
	commit(s);

	/* The stage is the last move's. */
	leads(s, 0, NULL, &g);
	assert_string_equal(g.addresses, "a@x.com,b@x.com,c@x.com");
	assert_string_equal(g.l[0].stage, "mql");
	assert_int_equal(g.l[0].stage_since, T0 + 4 * DAY);
	assert_string_equal(g.l[1].stage, "mql");
	assert_int_equal(g.l[1].stage_since, T0 + 2 * DAY);
	assert_string_equal(g.l[2].stage, "lead");
	assert_int_equal(g.l[2].stage_since, 0);

	for (int pass = 0; pass < 2; pass++) {
		const size_t *want = pass ? want_all : want_a;
		size_t n = pass ? sizeof(want_all) / sizeof(*want_all) : sizeof(want_a) / sizeof(*want_a);
		moves_each(s, pass ? 0 : a, &mv);
		assert_int_equal(mv.n, n);
		for (size_t i = 0; i < n; i++) {
			const struct store_move *w = &in[want[i]].m;
			bool is_a = in[want[i]].who_is == 'a';
			print_message("pass %d move %zu\n", pass, i);
			assert_string_equal(mv.m[i].from, w->from);
			assert_string_equal(mv.m[i].to, w->to);
			assert_int_equal(mv.m[i].at, w->at);
			assert_string_equal(mv.m[i].why, w->why);
			assert_true(mv.m[i].score == w->score);
			assert_string_equal(mv.m[i].who, w->who);
			opt_check(&mv.m[i].reason, w->reason, "reason");
			opt_check(&mv.m[i].note, w->note, "note");
			assert_string_equal(mv.m[i].address, is_a ? "a@x.com" : "b@x.com");
			assert_string_equal(mv.m[i].source, is_a ? "hubspot" : "");
		}
	}
	moves_each(s, c, &mv);
	assert_int_equal(mv.n, 0);

	/* A move rolled back leaves neither a move nor a stage. */
	struct store_move m = {.from = "lead", .to = "mql", .at = T0 + 5 * DAY, .why = "x",
			       .score = 99, .who = "auto"};
	begin(s);
	move(s, c, &m);
	store_rollback(s);
	lead(s, "c@x.com", &g);
	assert_string_equal(g.l[0].stage, "lead");
	moves_each(s, c, &mv);
	assert_int_equal(mv.n, 0);

	/* A move from a stage the contact is no longer in (another process
	 * moved it since the move was decided) records nothing. */
	bool moved = true;
	begin(s);
	move(s, c, &m); /* lead -> mql */
	struct store_move stale = {.from = "lead", .to = "sal", .at = T0 + 6 * DAY, .why = "y",
				   .score = 80, .who = "jo"};
	assert_int_equal(store_move_add(s, c, &stale, &moved, &e), LG_OK);
	assert_false(moved);
	commit(s);
	lead(s, "c@x.com", &g);
	assert_string_equal(g.l[0].stage, "mql");
	moves_each(s, c, &mv);
	assert_int_equal(mv.n, 1);
	assert_string_equal(mv.m[0].to, "mql");
	store_close(s);
}

static void test_funnel_counts(void **state)
{
	/* Each contact's moves, from "lead" on. */
	static const struct {
		const char *address;
		const char *to[4];
	} path_of[] = {
		{"a@x.com", {"mql", "sql"}},
		{"b@x.com", {"mql", "lead", "mql"}},   /* into MQL twice: once */
		{"c@x.com", {"pql"}},
		{"d@x.com", {"hql"}},
		{"e@x.com", {"sal"}},
		{"f@x.com", {"sql"}},                  /* straight to SQL */
		{"g@x.com", {"disqualified"}},
		{"h@x.com", {NULL}},                   /* never moved */
		{"i@x.com", {"mql", "sql", "mql", "sql"}}, /* into SQL twice: once */
		{"j@x.com", {"mql", "lead"}},          /* back out: it got there */
	};
	char path[512];
	struct store_funnel f;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "funnel.db");
	struct store *s = open_write(path);
	assert_int_equal(store_funnel_counts(s, &f, &e), LG_OK);
	assert_int_equal(f.contacts, 0);
	assert_int_equal(f.mql, 0);
	assert_int_equal(f.sql, 0);

	size_t n = sizeof(path_of) / sizeof(*path_of);
	for (size_t i = 0; i < n; i++)
		verify_one(s, "L", NULL, path_of[i].address, NULL, T0);
	begin(s);
	for (size_t i = 0; i < n; i++) {
		int64_t id = contact_id(s, path_of[i].address);
		const char *from = "lead";
		for (int k = 0; k < 4 && path_of[i].to[k]; k++) {
			struct store_move m = {.from = from, .to = path_of[i].to[k],
					       .at = T0 + (k + 1) * DAY, .why = "test", .score = 50,
					       .who = "auto"};
			move(s, id, &m);
			from = path_of[i].to[k];
		}
	}
	commit(s);
	assert_int_equal(store_funnel_counts(s, &f, &e), LG_OK);
	assert_int_equal(f.contacts, n);
	assert_int_equal(f.mql, 8); /* a b c d e f i j */
	assert_int_equal(f.sql, 3); /* a f i */
	store_close(s);
}

/* ---- re-verification a rep asked for ---- */

static void reverify(struct store *s, const char *address, int64_t now, const char *why)
{
	struct lg_err e = {{0}};
	begin(s);
	if (store_reverify_request(s, contact_id(s, address), now, why, &e) != LG_OK)
		fail_msg("store_reverify_request(%s): %s", address, e.msg);
	commit(s);
}

/* Plan a refresh run and walk it: its addresses comma-joined into buf, the
 * run in *run, what it walked in *g. */
static const char *plan(struct store *s, int64_t list_id, int64_t before, unsigned long budget,
			int64_t now, struct store_run *run, struct due *g, char *buf, size_t cap)
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

static void run_finish(struct store *s, const struct store_run *run, int64_t now)
{
	struct lg_err e = {{0}};
	begin(s);
	if (store_run_finish(s, run, now, &e) != LG_OK)
		fail_msg("store_run_finish: %s", e.msg);
	commit(s);
}

static void test_reverify_first(void **state)
{
	char path[512], buf[256];
	struct store_run run, imp;
	struct store_list_info l;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "reverify.db");
	struct store *s = open_write(path);
	/* L: a, b, r (recent), s (complained).  M: c, q (recent). */
	const char *laddr[] = {"a@x.com", "b@x.com", "r@x.com", "s@x.com"};
	const int64_t lat[] = {T0, T0 + DAY, T0 + 30 * DAY, T0 + DAY / 2};
	const char *maddr[] = {"c@x.com", "q@x.com"};
	const int64_t mat[] = {T0 + 2 * DAY, T0 + 29 * DAY};
	verified_at_times(s, "L", laddr, lat, 4);
	verified_at_times(s, "M", maddr, mat, 2);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "c.json", T0, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "s@x.com", "complaint", "k", T0 + DAY, T0 + DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	list_get(s, "L", &l);
	int64_t now = T0 + 40 * DAY, before = T0 + 10 * DAY; /* stale: a, b, c */

	/* Without a request: the stalest. */
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)), "a@x.com,b@x.com,"
			    "c@x.com");
	run_finish(s, &run, now);

	/* A rep sent r back: first, whatever its age, in every plan. */
	reverify(s, "r@x.com", now, "bad_data");
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 1);
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "r@x.com,a@x.com,b@x.com,c@x.com");
	assert_int_equal(g.d[0].rank, 1);
	assert_int_equal(g.d[0].verified_at, T0 + 30 * DAY);
	run_finish(s, &run, now); /* finished without refreshing r: still asked for */
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 1);
	/* The budget counts it. */
	assert_string_equal(plan(s, 0, before, 2, now, &run, &g, buf, sizeof(buf)), "r@x.com,a@x.com");
	run_finish(s, &run, now);
	assert_string_equal(plan(s, 0, before, 1, now, &run, &g, buf, sizeof(buf)), "r@x.com");
	run_finish(s, &run, now);
	/* One list: the same. */
	assert_string_equal(plan(s, l.id, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "r@x.com,a@x.com,b@x.com");
	assert_int_equal(g.d[0].rank, 1);

	/* Refreshed: the request is done. */
	begin(s);
	refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 0);
	run_finish(s, &run, now);
	assert_string_equal(plan(s, 0, before, 10, now + 1, &run, &g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,c@x.com");
	run_finish(s, &run, now + 1);
	/* Unless stale: then in its place by age, last. */
	assert_string_equal(plan(s, 0, now + DAY, 10, now + DAY, &run, &g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,c@x.com,q@x.com,r@x.com");
	run_finish(s, &run, now + DAY);

	/* Several requests: by age among themselves, then the rest; a list's
	 * plan takes only its members; a suppressed contact never; asked
	 * twice is asked once. */
	reverify(s, "q@x.com", now, "bad_data");
	reverify(s, "b@x.com", now, "bad_data");
	reverify(s, "b@x.com", now + 5, "wrong_person");
	reverify(s, "s@x.com", now, "bad_data");
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 3);
	assert_int_equal(q1(path, "SELECT requested_at FROM reverify r JOIN contacts c"
				  " ON c.id = r.contact_id WHERE c.address = 'b@x.com'"),
			 now + 5);
	assert_string_equal(plan(s, 0, before, 10, now + 6, &run, &g, buf, sizeof(buf)),
			    "b@x.com,q@x.com,a@x.com,c@x.com");
	run_finish(s, &run, now + 6);
	assert_string_equal(plan(s, l.id, before, 10, now + 6, &run, &g, buf, sizeof(buf)),
			    "b@x.com,a@x.com");
	/* b refreshed through L's plan: q's request stays. */
	begin(s);
	refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now + 6);
	commit(s);
	run_finish(s, &run, now + 6);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify r JOIN contacts c"
				  " ON c.id = r.contact_id WHERE c.address IN ('q@x.com', 's@x.com')"),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 2);
	assert_string_equal(plan(s, 0, before, 10, now + 7, &run, &g, buf, sizeof(buf)),
			    "q@x.com,a@x.com,c@x.com");
	run_finish(s, &run, now + 7);
	store_close(s);
}

/*
 * After the contacts a rep sent back, the due contacts that are leads in
 * the funnel (MQL, PQL, HQL, SAL, SQL) come first, stalest first, then
 * the other due ones; a contact in the funnel that is not due waits, and
 * one recycled or disqualified is a plain contact again.
 */
static void test_plan_funnel_first(void **state)
{
	char path[512], buf[256];
	struct store_run run;
	struct store_list_info l;
	struct due g;
	(void)state;

	db_path(path, sizeof(path), "funnel-first.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com"};
	const int64_t at[] = {T0, T0 + DAY, T0 + 2 * DAY, T0 + 3 * DAY, T0 + 30 * DAY, T0 + 4 * DAY};
	verified_at_times(s, "L", addr, at, 6);
	list_get(s, "L", &l);
	/* c an MQL, then HQL; d an SQL; e an MQL but recent; f recycled; b disqualified */
	static const struct {
		const char *address, *path;
	} moves[] = {
		{"c@x.com", "mql hql"}, {"d@x.com", "mql hql sal sql"}, {"e@x.com", "mql"},
		{"f@x.com", "mql recycled"}, {"b@x.com", "disqualified"},
	};
	begin(s);
	for (size_t i = 0; i < sizeof(moves) / sizeof(*moves); i++) {
		char p[64], *save = NULL;
		const char *from = "lead";
		snprintf(p, sizeof(p), "%s", moves[i].path);
		for (char *to = strtok_r(p, " ", &save); to; to = strtok_r(NULL, " ", &save)) {
			struct store_move m = {.from = from, .to = to, .at = T0 + 5 * DAY, .why = "test",
					       .who = "auto"};
			move(s, contact_id(s, moves[i].address), &m);
			from = to; /* the stage just entered (strtok_r ended it in p) */
		}
	}
	commit(s);
	int64_t now = T0 + 40 * DAY, before = T0 + 10 * DAY; /* due: a b c d f */
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "c@x.com,d@x.com,a@x.com,b@x.com,f@x.com");
	run_finish(s, &run, now);
	assert_string_equal(plan(s, l.id, before, 2, now, &run, &g, buf, sizeof(buf)),
			    "c@x.com,d@x.com");
	run_finish(s, &run, now);
	/* a rep's request still comes first */
	reverify(s, "e@x.com", now, "bad_data");
	assert_string_equal(plan(s, 0, before, 3, now, &run, &g, buf, sizeof(buf)),
			    "e@x.com,c@x.com,d@x.com");
	run_finish(s, &run, now);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_and_migrates),
		cmocka_unit_test(test_open_missing_read),
		cmocka_unit_test(test_open_not_a_database),
		cmocka_unit_test(test_open_missing_write),
		cmocka_unit_test(test_open_foreign_sqlite),
		cmocka_unit_test(test_open_newer_schema),
		cmocka_unit_test(test_migrate_from_v1),
		cmocka_unit_test(test_read_v1_database),
		cmocka_unit_test(test_account_recorded_and_migrated),
		cmocka_unit_test(test_list_rows),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_verify_run),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_resume_other_input),
		cmocka_unit_test(test_discarded_run_not_resumed),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_bounce_duplicate),
		cmocka_unit_test(test_hard_bounce),
		cmocka_unit_test(test_hard_bounce_survives_verify),
		cmocka_unit_test(test_list_each),
		cmocka_unit_test(test_export_counts_once),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_windows_from_v2),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_refresh_suppressed_midway),
		cmocka_unit_test(test_unknown_keeps_verdict),
		cmocka_unit_test(test_refresh_unknown_not_changed),
		cmocka_unit_test(test_refresh_kept_first),
		cmocka_unit_test(test_begin_after_other_writer_verify),
		cmocka_unit_test(test_begin_after_other_writer_domain),
		cmocka_unit_test(test_close_rolls_back),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_contact_source),
		cmocka_unit_test(test_leads_each),
		cmocka_unit_test(test_contact_find),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_event_invalid_rejected),
		cmocka_unit_test(test_qevidence),
		cmocka_unit_test(test_moves),
		cmocka_unit_test(test_funnel_counts),
		cmocka_unit_test(test_reverify_first),
		cmocka_unit_test(test_plan_funnel_first),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
