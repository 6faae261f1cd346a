/*
 * test_store.c - the store's opening and schema (store/store.c), on
 * real database files: opening for reading and writing, files that are
 * not leadgate databases, the migrations from every older schema (and
 * reading an older one as it is), and two processes on one database.
 * The shared fixture (a database per test, direct queries) is
 * store_fixture.h.
 */
#include <pthread.h>

#include "smtp/smtp.h"

#include "store_fixture.h" /* includes cmocka.h, last */

#define SCHEMA_TABLES                                                                              \
	"SELECT group_concat(type || ' ' || name, ', ') FROM"                                      \
	" (SELECT type, name FROM sqlite_schema ORDER BY name)"

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
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name"
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
	struct dns_result d = {.mx = "mx.kept.example",
			       .outcome = DNS_MX,
			       .provider = DNS_PROV_OTHER,
			       .answered_at = 1000,
			       .expires_at = 5000};
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
	struct dns_result d = {.mx = "",
			       .outcome = DNS_NXDOMAIN,
			       .answered_at = (uint32_t)T0,
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
	struct dns_result d = {.mx = "mx.x.example",
			       .outcome = DNS_MX,
			       .provider = DNS_PROV_OWN,
			       .answered_at = (uint32_t)T0,
			       .expires_at = (uint32_t)(T0 + 3600)};
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

struct waiter {
	struct store *s;
	enum lg_status st;
};

static void *begin_waiting(void *arg)
{
	struct waiter *w = arg;
	struct lg_err e = {{0}};
	w->st = store_begin(w->s, &e);
	return NULL;
}

/* A writer that finds another's lock waits for it, and the wait is
 * counted (the service's leadgate_store_busy_waits_total). */
static void test_busy_wait_counted(void **state)
{
	char path[512];
	pthread_t th;
	(void)state;

	db_path(path, sizeof(path), "busy.db");
	struct store *a = open_write(path), *b = open_write(path);
	uint64_t before = store_busy_waits();
	begin(a);
	struct waiter w = {b, LG_EIO};
	assert_int_equal(pthread_create(&th, NULL, begin_waiting, &w), 0);
	/* Until b waits (bounded: a hang is a failure, not a wait forever). */
	for (int i = 0; i < 10000 && store_busy_waits() == before; i++)
		usleep(1000);
	assert_true(store_busy_waits() > before);
	commit(a);
	pthread_join(th, NULL);
	assert_int_equal(w.st, LG_OK); /* it waited, then had the lock */
	store_rollback(b);
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

static void downgrade_to_v1(const char *path)
{
	downgrade_to_v2(path);
	by_hand(path, "BEGIN; DROP TABLE profiles; DROP TABLE events; DROP TABLE qevidence;"
		      " DROP TABLE stages; DROP TABLE moves; DROP TABLE reverify;"
		      " ALTER TABLE contacts DROP COLUMN source; PRAGMA user_version = 1; COMMIT");
}

#define CONTACT_COLUMNS                                                                            \
	"SELECT group_concat(name || ' ' || type || ' ' || \"notnull\" || ' ' ||"                  \
	" coalesce(dflt_value, '-'), ', ') FROM pragma_table_info('contacts')"

static void test_migrate_from_v1(void **state)
{
	char path[512], fresh_path[512], want[2048], got[2048];
	struct store_list_info li;
	struct members m;
	struct leads g;
	struct dns_result d = {.mx = "mx.kept.example",
			       .outcome = DNS_MX,
			       .provider = DNS_PROV_OTHER,
			       .answered_at = 1000,
			       .expires_at = 5000};
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
		struct store_verdict v = verdict(c[i].address, VERIFY_DELIVERABLE, VERIFY_R_OK, 0,
						 T0);
		v.account = i == 0 ? "given.example"
				   : NULL; /* the first as given; none for the rest */
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
				  " WHERE name = 'account'"),
			 0);
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

/*
 * Schema 7: evidence's CHECK on `how` without an IN list (which SQLite
 * evaluated by building a temporary table for every row inserted).  A
 * database of schema 6 is migrated with every evidence row as it was,
 * to the table a new database has; the CHECK still refuses a `how` it
 * does not know.
 */
#define EVIDENCE_ROWS                                                                              \
	"SELECT count(*) || ': ' || group_concat(r, '; ') FROM (SELECT contact_id || ' ' ||"       \
	" run_id || ' ' || how || ' ' || status || ' ' || reason || ' ' || flags || ' ' || mx ||"  \
	" ' ' || provider || ' ' || verified_at AS r FROM evidence ORDER BY contact_id, run_id)"
#define EVIDENCE_SQL "SELECT sql FROM sqlite_schema WHERE name = 'evidence'"

static void test_evidence_check_migrated(void **state)
{
	char path[512], fresh_path[512], want[2048], got[2048];
	(void)state;

	db_path(fresh_path, sizeof(fresh_path), "fresh7.db");
	store_close(open_write(fresh_path));
	qtext(fresh_path, want, sizeof(want), EVIDENCE_SQL);
	assert_non_null(
		strstr(want, "CHECK (how = 'verify' OR how = 'refresh' OR how = 'bounce')"));
	assert_null(strstr(want, " IN ("));

	/* evidence of each kind: two verify runs, a refresh's and a bounce's */
	db_path(path, sizeof(path), "v6.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@y.org", "c@z.net"};
	verified_list(s, "L", addr, 3, T0);
	verified_list(s, "L", addr, 2, T0 + DAY);
	store_close(s);
	by_hand(path,
		"INSERT INTO evidence SELECT id, 2, 'refresh', 2, 0, 0, '', '', 9 FROM contacts"
		" WHERE address = 'c@z.net';"
		" INSERT INTO evidence SELECT id, 3, 'bounce', 3, 1, 4, 'mx.x.com', 'other', 10"
		" FROM contacts WHERE address = 'a@x.com'");
	downgrade_to_v6(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), 6);
	assert_non_null(strstr(qtext(path, got, sizeof(got), EVIDENCE_SQL),
			       "CHECK (how IN ('verify', 'refresh', 'bounce'))"));
	char rows[2048];
	qtext(path, rows, sizeof(rows), EVIDENCE_ROWS);
	assert_int_equal(strncmp(rows, "7: ", 3), 0);
	assert_non_null(strstr(rows, " refresh "));
	assert_non_null(strstr(rows, " bounce "));

	/* Opened for writing: migrated, the evidence as it was. */
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(qtext(path, got, sizeof(got), EVIDENCE_SQL), want);
	assert_string_equal(qtext(path, got, sizeof(got), EVIDENCE_ROWS), rows);
	assert_string_equal(qtext(path, got, sizeof(got), SCHEMA_TABLES),
			    qtext(fresh_path, want, sizeof(want), SCHEMA_TABLES));

	/* The CHECK holds: a `how` it does not know is refused. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "INSERT INTO evidence VALUES (2, 1, 'export', 0, 0, 0, '',"
				      " '', 0)",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_int_equal(sqlite3_extended_errcode(db), SQLITE_CONSTRAINT_CHECK);
	sqlite3_close(db);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence"), 7);
}

/* store_keys_each's keys, counted, their names comma-joined. */
struct key_names {
	unsigned n;
	char names[256];
};

static enum lg_status take_key_name(void *arg, const struct store_key *k, struct lg_err *err)
{
	struct key_names *g = arg;
	(void)err;
	g->n++;
	join(g->names, sizeof(g->names), k->name);
	return LG_OK;
}

/* Schema 8 (api_keys): a schema 7 database migrates to what a fresh one
 * is, its data kept; read without the upgrade it has no keys. */
static void test_keys_table_migrated(void **state)
{
	char path[512], fresh_path[512], want[2048], got[2048];
	unsigned char hash[32] = {1, 2, 3};
	struct key_names g = {0};
	enum store_key_added added;
	struct lg_err e = {{0}};
	struct store *s, *r;
	(void)state;

	db_path(fresh_path, sizeof(fresh_path), "fresh8.db");
	store_close(open_write(fresh_path));
	assert_int_equal(q1(fresh_path, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
					" AND name = 'api_keys' AND sql LIKE '%%STRICT'"),
			 1);

	db_path(path, sizeof(path), "v7.db");
	s = open_write(path);
	const char *addr[] = {"a@x.com", "b@y.org"};
	verified_list(s, "L", addr, 2, T0);
	store_close(s);
	downgrade_to_v7(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), 7);
	assert_int_equal(q1(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'api_keys'"), 0);

	/* Read as it is: no keys, no error, nothing migrated. */
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	assert_int_equal(store_keys_each(r, take_key_name, &g, &e), LG_OK);
	assert_int_equal(g.n, 0);
	store_close(r);
	assert_int_equal(q1(path, "PRAGMA user_version"), 7);

	/* Opened for writing: migrated, the same tables as a fresh one, the
	 * list kept, and keys can be added. */
	s = open_write(path);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(qtext(path, got, sizeof(got), SCHEMA_TABLES),
			    qtext(fresh_path, want, sizeof(want), SCHEMA_TABLES));
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 2);
	struct store_key k = {.name = "ci",
			      .public_id = "abcdefghij",
			      .hash = hash,
			      .hash_len = sizeof(hash),
			      .scopes = 3,
			      .created_at = T0};
	begin(s);
	assert_int_equal(store_key_add(s, &k, &added, &e), LG_OK);
	assert_int_equal(added, STORE_KEY_ADDED);
	k.public_id = "bcdefghijk";
	assert_int_equal(store_key_add(s, &k, &added, &e), LG_OK);
	assert_int_equal(added, STORE_KEY_NAME_TAKEN);
	k.name = "cd";
	k.public_id = "abcdefghij";
	assert_int_equal(store_key_add(s, &k, &added, &e), LG_OK);
	assert_int_equal(added, STORE_KEY_ID_TAKEN);
	commit(s);
	assert_int_equal(store_keys_each(s, take_key_name, &g, &e), LG_OK);
	assert_string_equal(g.names, "ci");
	store_close(s);
	assert_int_equal(q1(path, "SELECT scopes FROM api_keys WHERE name = 'ci'"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"), 1);
}

/* ---- the service's bulk jobs (schema 9) ---------------------------------- */

struct job_ids {
	int64_t id[8];
	char state[8][16];
	size_t n;
};

static enum lg_status take_job(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct job_ids *g = arg;
	(void)err;
	if (g->n < 8) {
		g->id[g->n] = j->id;
		snprintf(g->state[g->n], sizeof(g->state[0]), "%s", store_job_state_name(j->state));
		g->n++;
	}
	return LG_OK;
}

static enum lg_status copy_job(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct store_job *out = arg;
	(void)err;
	*out = *j;
	out->list = out->input = out->error = NULL; /* borrowed: not kept */
	return LG_OK;
}

static enum lg_status check_callback(void *arg, const struct store_job *j, struct lg_err *err)
{
	(void)arg;
	(void)err;
	assert_non_null(j->callback_url);
	assert_string_equal(j->callback_url, "https://h.example/done");
	return LG_OK;
}

static void test_jobs_kept(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	int64_t id[3];
	(void)state;

	db_path(path, sizeof(path), "jobs.db");
	struct store *s = open_write(path);
	for (int i = 0; i < 3; i++) {
		struct store_job j = {.list = i == 1 ? "L" : NULL,
				      .created_at = T0 + i,
				      .input_bytes = 100};
		assert_int_equal(store_job_add(s, &j, "/d.jobs", &id[i], &e), LG_OK);
	}
	assert_true(id[0] < id[1] && id[1] < id[2]);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM jobs WHERE input = '/d.jobs/' || id || '/input'"
			    " AND state = 'queued'"),
			 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM jobs WHERE list IS NULL"), 2);

	/* Newest first, a page after an id, or the oldest queued. */
	struct job_ids g = {0};
	assert_int_equal(store_jobs_each(s, 0, 0, -1, take_job, &g, &e), LG_OK);
	assert_int_equal(g.n, 3);
	assert_true(g.id[0] == id[2] && g.id[2] == id[0]);
	g.n = 0;
	assert_int_equal(store_jobs_each(s, id[2], 1, -1, take_job, &g, &e), LG_OK);
	assert_int_equal(g.n, 1);
	assert_true(g.id[0] == id[1]);

	/* Progress and state, written and read back. */
	struct store_job j = {.id = id[0],
			      .state = STORE_JOB_RUNNING,
			      .started_at = T0 + 5,
			      .rows_read = 10,
			      .rows_done = 7,
			      .by_status = {4, 1, 1, 1}};
	assert_int_equal(store_job_update(s, &j, &e), LG_OK);
	struct store_job got = {0};
	assert_int_equal(store_job_get(s, id[0], copy_job, &got, &e), LG_OK);
	assert_int_equal(got.state, STORE_JOB_RUNNING);
	assert_int_equal(got.rows_done, 7);
	assert_int_equal(got.by_status[0], 4);
	assert_int_equal(got.started_at, T0 + 5);
	assert_int_equal(got.finished_at, 0);
	g.n = 0;
	assert_int_equal(store_jobs_each(s, 0, 5, STORE_JOB_QUEUED, take_job, &g, &e), LG_OK);
	assert_int_equal(g.n, 2);
	assert_true(g.id[0] == id[1]); /* the oldest queued first */

	/* A running job left by a process that ended is queued again. */
	assert_int_equal(store_jobs_requeue(s, &e), LG_OK);
	assert_int_equal(q1(path, "SELECT count(*) FROM jobs WHERE state = 'queued'"), 3);
	assert_int_equal(store_job_delete(s, id[1], &e), LG_OK);
	got.id = 0;
	assert_int_equal(store_job_get(s, id[1], copy_job, &got, &e), LG_OK);
	assert_int_equal(got.id, 0); /* none */

	/* A removed job's id is never given again. */
	assert_int_equal(store_job_delete(s, id[2], &e), LG_OK);
	struct store_job later = {.created_at = T0 + 9};
	int64_t id_later;
	assert_int_equal(store_job_add(s, &later, "/d.jobs", &id_later, &e), LG_OK);
	assert_true(id_later > id[2]);

	/* Schema 14: a job's callback_url kept, and read back. */
	struct store_job cb = {.created_at = T0 + 10, .callback_url = "https://h.example/done"};
	int64_t id_cb;
	assert_int_equal(store_job_add(s, &cb, "/d.jobs", &id_cb, &e), LG_OK);
	assert_int_equal(q1(path, "SELECT count(*) FROM jobs WHERE callback_url IS NOT NULL"), 1);
	assert_int_equal(store_jobs_each(s, 0, 1, -1, check_callback, NULL, &e), LG_OK);
	store_close(s);
}

/* Schema 14: each list's last gate verdict, none until kept, then the
 * latest kept. */
static void test_list_gate_kept(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	struct lg_buf why = LG_BUF_INIT;
	int blocked;
	(void)state;

	db_path(path, sizeof(path), "gates.db");
	struct store *s = open_write(path);
	assert_int_equal(store_list_gate_get(s, "q4", &blocked, &why, &e), LG_OK);
	assert_int_equal(blocked, -1);
	assert_int_equal(why.len, 0);
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_list_gate_put(s, "q4", true, "observed", T0, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	assert_int_equal(store_list_gate_get(s, "q4", &blocked, &why, &e), LG_OK);
	assert_int_equal(blocked, 1);
	assert_string_equal(why.data, "observed");
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_list_gate_put(s, "q4", false, NULL, T0 + 1, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	lg_buf_reset(&why);
	assert_int_equal(store_list_gate_get(s, "q4", &blocked, &why, &e), LG_OK);
	assert_int_equal(blocked, 0);
	assert_int_equal(why.len, 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM list_gates"), 1);
	assert_int_equal(q1(path, "SELECT at FROM list_gates") == T0 + 1, 1);
	lg_buf_release(&why);
	store_close(s);
}

/* ---- the SNS subscription messages (schema 10) ----------------------------- */

struct sns_seen {
	char what[8][128];
	bool url_is_sns[8];
	char state[8][96]; /* "state" or "state: error"; "-" for none */
	size_t n;
};

static enum lg_status take_sns(void *arg, const struct store_sns *m, struct lg_err *err)
{
	struct sns_seen *g = arg;
	(void)err;
	if (g->n < 8) {
		snprintf(g->what[g->n], sizeof(g->what[0]), "%s %s %s %lld", m->type, m->topic_arn,
			 m->subscribe_url, (long long)(m->received_at - T0));
		g->url_is_sns[g->n] = m->url_is_sns;
		snprintf(g->state[g->n], sizeof(g->state[0]), "%s%s%s", m->state ? m->state : "-",
			 m->error ? ": " : "", m->error ? m->error : "");
		g->n++;
	}
	return LG_OK;
}

/* Kept across a close, newest first, only the newest few; cleared; none
 * in a database of an older schema read without its upgrade. */
static void test_sns_kept(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	struct sns_seen g = {0};
	(void)state;

	db_path(path, sizeof(path), "sns.db");
	struct store *s = open_write(path);
	struct store_sns m = {.type = "subscription-confirmation",
			      .topic_arn = "arn:t1",
			      .subscribe_url = "https://sns.us-east-1.amazonaws.com/?x=1",
			      .url_is_sns = true,
			      .received_at = T0};
	assert_int_equal(store_sns_add(s, &m, 3, &e), LG_OK);
	m = (struct store_sns){.type = "unsubscribe-confirmation",
			       .topic_arn = "arn:t2",
			       .subscribe_url = "",
			       .received_at = T0 + 1};
	assert_int_equal(store_sns_add(s, &m, 3, &e), LG_OK);
	/* A type the table does not know is refused. */
	m.type = "notification";
	assert_int_not_equal(store_sns_add(s, &m, 3, &e), LG_OK);
	store_close(s);

	/* Read again by another connection: both, newest first. */
	struct store *r;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	assert_int_equal(store_sns_each(r, take_sns, &g, &e), LG_OK);
	store_close(r);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.what[0], "unsubscribe-confirmation arn:t2  1");
	assert_string_equal(g.what[1], "subscription-confirmation arn:t1 "
				       "https://sns.us-east-1.amazonaws.com/?x=1 0");
	assert_false(g.url_is_sns[0]);
	assert_true(g.url_is_sns[1]);

	/* Only the newest 3 are kept. */
	s = open_write(path);
	for (int i = 0; i < 4; i++) {
		char topic[24];
		snprintf(topic, sizeof(topic), "arn:n%d", i);
		m = (struct store_sns){.type = "subscription-confirmation",
				       .topic_arn = topic,
				       .subscribe_url = "https://example.com/",
				       .received_at = T0 + 10 + i};
		assert_int_equal(store_sns_add(s, &m, 3, &e), LG_OK);
	}
	g.n = 0;
	assert_int_equal(store_sns_each(s, take_sns, &g, &e), LG_OK);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.what[0], "subscription-confirmation arn:n3 https://example.com/ 13");
	assert_string_equal(g.what[2], "subscription-confirmation arn:n1 https://example.com/ 11");
	assert_int_equal(q1(path, "SELECT count(*) FROM sns_messages"), 3);

	/* Cleared: every one forgotten, and said how many. */
	unsigned long n;
	assert_int_equal(store_sns_clear(s, &n, &e), LG_OK);
	assert_int_equal(n, 3);
	g.n = 0;
	assert_int_equal(store_sns_each(s, take_sns, &g, &e), LG_OK);
	assert_int_equal(g.n, 0);
	store_close(s);

	/* A database of an older schema, read as it is: none, and no error. */
	downgrade_to_v7(path);
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	assert_int_equal(store_sns_each(r, take_sns, &g, &e), LG_OK);
	assert_int_equal(g.n, 0);
	store_close(r);
}

/* Schema 11: whether the service confirmed a subscription, and why not;
 * a database of schema 10 says its subscriptions were never fetched,
 * read as it is and once upgraded. */
static void test_sns_state(void **state)
{
	char path[512];
	struct lg_err e = {{0}};
	struct sns_seen g = {0};
	(void)state;

	db_path(path, sizeof(path), "sns_state.db");
	struct store *s = open_write(path);
	struct store_sns m = {.type = "subscription-confirmation",
			      .topic_arn = "arn:a",
			      .subscribe_url = "https://sns.us-east-1.amazonaws.com/?a",
			      .url_is_sns = true,
			      .received_at = T0,
			      .state = "confirmed"};
	assert_int_equal(store_sns_add(s, &m, 8, &e), LG_OK);
	m.topic_arn = "arn:b";
	m.state = "confirm_failed";
	m.error = "the SNS host answered 404";
	assert_int_equal(store_sns_add(s, &m, 8, &e), LG_OK);
	m = (struct store_sns){.type = "subscription-confirmation",
			       .topic_arn = "arn:c",
			       .subscribe_url = "https://example.com/",
			       .received_at = T0 + 1,
			       .state = "to_confirm"};
	assert_int_equal(store_sns_add(s, &m, 8, &e), LG_OK);
	m = (struct store_sns){.type = "unsubscribe-confirmation",
			       .topic_arn = "arn:d",
			       .subscribe_url = "",
			       .received_at = T0 + 2};
	assert_int_equal(store_sns_add(s, &m, 8, &e), LG_OK);
	/* A state the table does not know is refused. */
	m.state = "maybe";
	assert_int_not_equal(store_sns_add(s, &m, 8, &e), LG_OK);
	assert_int_equal(store_sns_each(s, take_sns, &g, &e), LG_OK);
	store_close(s);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.state[0], "-");
	assert_string_equal(g.state[1], "to_confirm");
	assert_string_equal(g.state[2], "confirm_failed: the SNS host answered 404");
	assert_string_equal(g.state[3], "confirmed");

	/* Schema 10, read as it is: its subscriptions were never fetched. */
	downgrade_to_v10(path);
	struct store *r;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	g.n = 0;
	assert_int_equal(store_sns_each(r, take_sns, &g, &e), LG_OK);
	store_close(r);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.state[0], "-");
	assert_string_equal(g.state[1], "to_confirm");
	assert_string_equal(g.state[2], "to_confirm");
	assert_string_equal(g.state[3], "to_confirm");
	assert_int_equal(q1(path, "PRAGMA user_version"), 10);

	/* ... and upgraded: the same. */
	s = open_write(path);
	g.n = 0;
	assert_int_equal(store_sns_each(s, take_sns, &g, &e), LG_OK);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.state[0], "-");
	assert_string_equal(g.state[3], "to_confirm");
	assert_int_equal(q1(path, "SELECT count(*) FROM sns_messages WHERE state = 'to_confirm'"),
			 3);
}

struct smtp_seen {
	int n;
	struct store_evidence ev[4];
	char reply[4][16];
};

static enum lg_status smtp_seen(void *arg, const struct store_evidence *ev, struct lg_err *err)
{
	struct smtp_seen *x = arg;
	(void)err;
	if (x->n < 4) {
		x->ev[x->n] = *ev;
		snprintf(x->reply[x->n], sizeof(x->reply[0]), "%s", ev->smtp_reply);
		x->n++;
	}
	return LG_OK;
}

/* Schema 12: a verdict's SMTP evidence, kept beside its evidence and as
 * the contact's while its verdict stands; a greylisted address first in
 * the next refresh; a domain's catch-all state until it expires. */
static void test_smtp_evidence(void **state)
{
	char path[512];
	struct store_run run;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "smtp.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F", T0, &run, &e), LG_OK);
	struct store_verdict v = verdict("ann@x.com", VERIFY_UNDELIVERABLE,
					 VERIFY_R_SMTP_NO_MAILBOX, 0, T0);
	v.smtp_outcome = SMTP_NO_MAILBOX;
	v.smtp_reply = "550 5.1.1";
	v.smtp_tls = true;
	v.smtp_at = T0 + 5;
	assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	struct store_verdict g = verdict("bob@x.com", VERIFY_UNKNOWN, VERIFY_R_SMTP_GREYLISTED, 0,
					 T0);
	g.smtp_outcome = SMTP_GREYLISTED;
	g.smtp_reply = "451 4.7.1";
	g.smtp_at = T0 + 6;
	assert_int_equal(store_verify_row(s, &run, &g, T0, &e), LG_OK);
	row(s, &run, "cy@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0); /* no probe */
	assert_int_equal(store_smtp_domain_put(s, "x.com", 5, SMTP_CA_NO, T0,
					       T0 + STORE_CATCH_ALL_TTL, &e),
			 LG_OK);
	commit(s);

	assert_int_equal(q1(path, "SELECT count(*) FROM smtp_evidence"), 2);
	assert_int_equal(q1(path, "SELECT smtp_outcome FROM contacts WHERE address = 'ann@x.com'"),
			 SMTP_NO_MAILBOX);
	assert_int_equal(q1(path,
			    "SELECT smtp_outcome IS NULL FROM contacts WHERE address = 'cy@x.com'"),
			 1);
	/* bob waits first for the next refresh */
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify r JOIN contacts c ON c.id = "
				  "r.contact_id WHERE c.address = 'bob@x.com' AND r.why = "
				  "'smtp.greylisted'"),
			 1);

	/* The contact's verdict and its history carry the evidence. */
	int64_t id = 0;
	assert_int_equal(store_contact_find(s, "ann@x.com", 9, &id, &e), LG_OK);
	struct smtp_seen seen = {0};
	assert_int_equal(store_contact_verdict(s, id, smtp_seen, &seen, &e), LG_OK);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.ev[0].smtp_outcome, SMTP_NO_MAILBOX);
	assert_string_equal(seen.reply[0], "550 5.1.1");
	assert_true(seen.ev[0].smtp_tls);
	assert_int_equal(seen.ev[0].smtp_at, T0 + 5);
	unsigned long total;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_evidence_each(s, id, 0, smtp_seen, &seen, &total, &e), LG_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.reply[0], "550 5.1.1");

	/* A later verdict without a probe replaces the contact's evidence;
	 * the run's stays in its history. */
	struct store_run run2;
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in2.csv", "G", T0 + DAY, &run2, &e),
			 LG_OK);
	row(s, &run2, "ann@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
	commit(s);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_contact_verdict(s, id, smtp_seen, &seen, &e), LG_OK);
	assert_int_equal(seen.ev[0].smtp_outcome, 0);
	assert_string_equal(seen.reply[0], "");
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_evidence_each(s, id, 0, smtp_seen, &seen, &total, &e), LG_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.ev[0].smtp_outcome, 0); /* newest first */
	assert_int_equal(seen.ev[1].smtp_outcome, SMTP_NO_MAILBOX);

	/* The catch-all state, until it expires. */
	assert_int_equal(store_smtp_domain_get(s, "x.com", 5, T0 + 1), SMTP_CA_NO);
	assert_int_equal(store_smtp_domain_get(s, "x.com", 5, T0 + STORE_CATCH_ALL_TTL), 0);
	assert_int_equal(store_smtp_domain_get(s, "y.com", 5, T0 + 1), 0);
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
		cmocka_unit_test(test_evidence_check_migrated),
		cmocka_unit_test(test_keys_table_migrated),
		cmocka_unit_test(test_windows_from_v2),
		cmocka_unit_test(test_begin_after_other_writer_verify),
		cmocka_unit_test(test_begin_after_other_writer_domain),
		cmocka_unit_test(test_close_rolls_back),
		cmocka_unit_test(test_busy_wait_counted),
		cmocka_unit_test(test_jobs_kept),
		cmocka_unit_test(test_list_gate_kept),
		cmocka_unit_test(test_sns_kept),
		cmocka_unit_test(test_sns_state),
		cmocka_unit_test(test_smtp_evidence),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
