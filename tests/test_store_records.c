/*
 * test_store_records.c - what runs write (store/records.c), on real
 * database files: verify runs and their resumption, DNS answers kept
 * across runs, bounces and suppressions, an unknown verdict that keeps a
 * decided one.
 * The shared fixture (a database per test, direct queries) is
 * store_fixture.h.
 */
#include "store_fixture.h"

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
	assert_int_equal(store_verify_begin(s, "Q4 webinar", "hubspot", "in.csv", "fp", T0, &run,
					    &e),
			 LG_OK);
	assert_false(run.resumed);
	assert_int_equal(run.done, 0);
	assert_true(run.id > 0 && run.list_id > 0);
	row(s, &run, "ann@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK,
	    VERIFY_F_FREE | VERIFY_F_DUPLICATE, T0);
	/* The same contact again (its key: verify_contact_key folded the
	 * case of "Ann@X.com"): the latest verdict wins. */
	row(s, &run, "ann@x.com", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE | VERIFY_F_DUPLICATE,
	    T0 + 1);
	row(s, &run, "bob@y.org", VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, VERIFY_F_RAGGED, T0);
	row(s, &run, "", VERIFY_UNDELIVERABLE, VERIFY_R_EMPTY, 0, T0); /* no address: not kept */
	/* The caller's count of contacts is not the store's: it counts the
	 * members the run recorded. */
	struct store_list_counts c = {.rows = 4,
				      .contacts = 99,
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
	assert_int_equal(g.m[i].flags,
			 VERIFY_F_ROLE); /* duplicate is the row's, not the contact's */
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
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)run.id),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE address = 'ann@x.com'"), 1);

	/* A second version of the list. */
	struct store_run run2;
	begin(s);
	assert_int_equal(store_verify_begin(s, "Q4 webinar", NULL, "in2.csv", "fp2", T0 + DAY,
					    &run2, &e),
			 LG_OK);
	assert_int_equal(run2.list_id, run.list_id);
	assert_true(run2.id != run.id);
	row(s, &run2, "ann@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
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
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 2);
	row(s, &again, "c@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 60);
	finish(s, &again, 3, 3, T0 + 60);
	commit(s);

	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)run.id),
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
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)r1.id),
			 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)r1.id),
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
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)r3.id),
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
	assert_int_equal(q1(path, "SELECT status FROM evidence WHERE run_id = %lld",
			    (long long)r3.id),
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
	struct dns_result d = {.mx = "aspmx.l.google.com",
			       .outcome = DNS_MX,
			       .provider = DNS_PROV_GOOGLE,
			       .answered_at = (uint32_t)T0,
			       .expires_at = (uint32_t)(T0 + 3600)};
	struct dns_result nx = {.mx = NULL,
				.outcome = DNS_NXDOMAIN,
				.answered_at = (uint32_t)T0,
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
	assert_int_equal(bounce(s, &run2, "x@y.example", "hard", "csv:k1", T0 - 60, T0 + 5),
			 STORE_BOUNCE_DUPLICATE);
	/* A hard bounce of an address no list holds: suppressed all the same. */
	assert_int_equal(bounce(s, &run2, "x@y.example", "hard", "csv:k2", T0 - 30, T0 + 5),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(bounce(s, &run2, "x@y.example", "hard", "csv:k3", T0 - 20, T0 + 5),
			 STORE_BOUNCE_RECORDED); /* suppressed before */
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM bounces"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM suppressions"), 1);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM suppressions WHERE address = 'x@y.example'"),
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
	const char *addr[] = {"after@x.com", "before@x.com", "soft@x.com",
			      "spam@x.com",  "unsub@x.com",  "never@x.com"};
	verified_list(s, "L", addr, 6, T0);
	members(s, "L", true, &g);
	assert_int_equal(g.n, 6);

	/* All but never@ exported at T0 + 100. */
	list_get(s, "L", &li);
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "out.csv", T0 + 100, &export_id, &e), LG_OK);
	for (i = 0; i < g.n; i++)
		if (strcmp(g.m[i].address, "never@x.com"))
			assert_int_equal(store_export_row(s, export_id, &li, g.m[i].contact_id,
							  T0 + 100, &e),
					 LG_OK);
	assert_int_equal(store_export_finish(s, export_id, 5, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 0);
	assert_int_equal(q1(path, "SELECT rows FROM exports WHERE id = %lld", (long long)export_id),
			 5);

	begin(s);
	assert_int_equal(store_run_begin(s, "import", li.id, "bounces.csv", T0 + 500, &run, &e),
			 LG_OK);
	/* Bounced after its export: counts. */
	assert_int_equal(bounce(s, &run, "after@x.com", "hard", "k-after", T0 + 200, T0 + 500),
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
	assert_int_equal(bounce(s, &run, "unsub@x.com", "unsubscribe", "k-unsub", T0 + 200,
				T0 + 500),
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
	assert_int_equal(q1(path, "SELECT count(*) FROM bounces WHERE list_id = %lld",
			    (long long)li.id),
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
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F2", T0 + DAY, &run, &e),
			 LG_OK);
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
	assert_int_equal(q1(path,
			    "SELECT e.status FROM evidence e JOIN contacts c ON c.id = e.contact_id"
			    " WHERE c.address = 'a@x.com' AND e.run_id = %lld",
			    (long long)run.id),
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
	assert_int_equal(q1(path, "SELECT status FROM evidence WHERE run_id = %lld",
			    (long long)plan.id),
			 VERIFY_UNKNOWN);
	store_close(s);
}

/*
 * The store takes a contact's key as given: folding case is
 * verify_contact_key's work, done once before the store.  Two spellings
 * are two keys here, and a long key (an unparsable cell's, which may run
 * past an address's 254 bytes) is kept whole: two that differ only past
 * the 511th byte are two contacts, and a bounce finds each by its key.
 */
static void test_keys_as_given(void **state)
{
	char path[512], a[601], b[601];
	struct store_run run;
	struct lg_err e = {{0}};
	(void)state;

	memset(a, 'x', 600);
	a[600] = '\0';
	memcpy(b, a, sizeof(a));
	b[550] = 'y';
	db_path(path, sizeof(path), "keys.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "K", NULL, "k.csv", "k", T0, &run, &e), LG_OK);
	row(s, &run, "ann@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	row(s, &run, "Ann@x.com", VERIFY_RISKY, VERIFY_R_ROLE, 0, T0);
	row(s, &run, a, VERIFY_UNDELIVERABLE, VERIFY_R_TOO_LONG, 0, T0);
	row(s, &run, b, VERIFY_UNDELIVERABLE, VERIFY_R_TOO_LONG, 0, T0);
	finish(s, &run, 4, 4, T0);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 4);
	assert_int_equal(q1(path, "SELECT status FROM contacts WHERE address = 'ann@x.com'"),
			 VERIFY_DELIVERABLE);
	assert_int_equal(q1(path, "SELECT status FROM contacts WHERE address = 'Ann@x.com'"),
			 VERIFY_RISKY);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE length(address) = 600"), 2);

	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 5, &run, &e), LG_OK);
	assert_int_equal(bounce(s, &run, b, "hard", "csv:long", T0 + 1, T0 + 5),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(store_run_finish(s, &run, T0 + 5, &e), LG_OK);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE suppressed <> 0"), 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM suppressions WHERE length(address) = 600"),
			 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE suppressed <> 0 AND "
				  "substr(address, 551, 1) = 'y'"),
			 1);
	store_close(s);
}

/* What store_evidence_each handed over. */
struct history {
	size_t n;
	unsigned long total;
	struct {
		int64_t run;
		char kind[16], how[16], list[16];
		bool has_list;
		enum verify_status status;
		enum verify_reason reason;
		unsigned flags;
		char mx[32];
		int64_t verified_at;
	} v[8];
};

static enum lg_status take_verdict(void *arg, const struct store_evidence *ev, struct lg_err *err)
{
	struct history *h = arg;
	(void)err;
	assert_true(h->n < 8);
	h->v[h->n].run = ev->run;
	snprintf(h->v[h->n].kind, sizeof(h->v[h->n].kind), "%s", ev->kind);
	snprintf(h->v[h->n].how, sizeof(h->v[h->n].how), "%s", ev->how);
	h->v[h->n].has_list = ev->list != NULL;
	snprintf(h->v[h->n].list, sizeof(h->v[h->n].list), "%s", ev->list ? ev->list : "");
	h->v[h->n].status = ev->status;
	h->v[h->n].reason = ev->reason;
	h->v[h->n].flags = ev->flags;
	snprintf(h->v[h->n].mx, sizeof(h->v[h->n].mx), "%s", ev->mx);
	h->v[h->n].verified_at = ev->verified_at;
	h->n++;
	return LG_OK;
}

static void history(struct store *s, const char *address, unsigned max, struct history *h)
{
	struct lg_err e = {{0}};
	int64_t id = 0;
	memset(h, 0, sizeof(*h));
	assert_int_equal(store_contact_find(s, address, strlen(address), &id, &e), LG_OK);
	if (store_evidence_each(s, id, max, take_verdict, h, &h->total, &e) != LG_OK)
		fail_msg("store_evidence_each(%s): %s", address, e.msg);
}

/*
 * A contact's verdicts, newest first, each with its run, how it was
 * given and its list: two lists' verify runs (the second could not
 * decide: kept as evidence, not as the verdict), a hard bounce imported
 * with no list, then max bounds what is handed over but not the total.
 */
static void test_evidence_each(void **state)
{
	char path[512];
	struct store_run v1, v2, imp;
	struct history h;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "history.db");
	struct store *s = open_write(path);
	const char *addr[] = {"ann@x.com", "bob@x.com"};
	v1 = verified_list(s, "L", addr, 2, T0);
	begin(s);
	assert_int_equal(store_verify_begin(s, "M", NULL, "m.csv", NULL, T0 + DAY, &v2, &e), LG_OK);
	row(s, &v2, "ann@x.com", VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, VERIFY_F_ROLE, T0 + DAY);
	finish(s, &v2, 1, 1, T0 + DAY);
	commit(s);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 3 * DAY, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "ann@x.com", "hard", "k1", T0 + 2 * DAY, T0 + 3 * DAY),
			 STORE_BOUNCE_SUPPRESSED);
	assert_int_equal(store_run_finish(s, &imp, T0 + 3 * DAY, &e), LG_OK);
	commit(s);

	history(s, "ann@x.com", 0, &h);
	assert_int_equal(h.total, 3);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.v[0].run, imp.id);
	assert_string_equal(h.v[0].kind, "import");
	assert_string_equal(h.v[0].how, "bounce");
	assert_false(h.v[0].has_list);
	assert_int_equal(h.v[0].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(h.v[0].reason, VERIFY_R_BOUNCE_HARD);
	assert_int_equal(h.v[0].verified_at, T0 + 2 * DAY);
	assert_int_equal(h.v[1].run, v2.id);
	assert_string_equal(h.v[1].kind, "verify");
	assert_string_equal(h.v[1].how, "verify");
	assert_string_equal(h.v[1].list, "M");
	assert_int_equal(h.v[1].status, VERIFY_UNKNOWN);
	assert_int_equal(h.v[1].reason, VERIFY_R_TIMEOUT);
	assert_int_equal(h.v[1].flags, VERIFY_F_ROLE);
	assert_string_equal(h.v[1].mx, "");
	assert_int_equal(h.v[2].run, v1.id);
	assert_string_equal(h.v[2].list, "L");
	assert_int_equal(h.v[2].status, VERIFY_DELIVERABLE);
	assert_string_equal(h.v[2].mx, "mx.example.net");
	assert_int_equal(h.v[2].verified_at, T0);

	/* Bounded: the newest two, and the total all the same. */
	history(s, "ann@x.com", 2, &h);
	assert_int_equal(h.total, 3);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.v[0].run, imp.id);
	assert_int_equal(h.v[1].run, v2.id);

	/* Another contact's verdicts are its own. */
	history(s, "bob@x.com", 0, &h);
	assert_int_equal(h.total, 1);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].run, v1.id);
	history(s, "nobody@x.com", 0, &h);
	assert_int_equal(h.total, 0);
	assert_int_equal(h.n, 0);

	/* The verdict as it stands: the bounce's, not the unknown's. */
	int64_t id = 0;
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_contact_find(s, "ann@x.com", 9, &id, &e), LG_OK);
	assert_int_equal(store_contact_verdict(s, id, take_verdict, &h, &e), LG_OK);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].run, 0);
	assert_int_equal(h.v[0].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(h.v[0].reason, VERIFY_R_BOUNCE_HARD);
	assert_string_equal(h.v[0].mx, "mx.example.net");
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_run),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_resume_other_input),
		cmocka_unit_test(test_discarded_run_not_resumed),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_bounce_duplicate),
		cmocka_unit_test(test_hard_bounce),
		cmocka_unit_test(test_hard_bounce_survives_verify),
		cmocka_unit_test(test_unknown_keeps_verdict),
		cmocka_unit_test(test_keys_as_given),
		cmocka_unit_test(test_evidence_each),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
