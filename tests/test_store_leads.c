/*
 * test_store_leads.c - what scoring reads and writes (store/leads.c), on
 * real database files: profiles and sources, leads, events,
 * qualification evidence, stages and moves, the funnel's counts.
 * The shared fixture (a database per test, direct queries) is
 * store_fixture.h.
 */
#include "store_fixture.h"

static void check_profile(const struct leads *g, size_t i, const struct store_profile *want)
{
	opt_check(&g->l[i].title, want->title, "title");
	opt_check(&g->l[i].company, want->company, "company");
	opt_check(&g->l[i].industry, want->industry, "industry");
	opt_check(&g->l[i].region, want->region, "region");
	assert_int_equal(g->l[i].employees, want->employees);
}

/* ---- profiles, sources, leads ---- */

/* A contact's profile over successive lists: what a list does not say (NULL
 * column, empty cell, employees -1, no profile at all) keeps what was kept;
 * what it says replaces it. */
static void test_profiles(void **state)
{
#define P(t, c, i, r, n)                                                                           \
	{                                                                                          \
		.title = t, .company = c, .industry = i, .region = r, .employees = n               \
	}

	static const struct {
		bool none; /* the row has no profile at all (v.profile NULL) */
		struct store_profile in, want;
	} steps[] = {
		{false, P("CTO", "Acme", "Software", "EMEA", 250),
		 P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P(NULL, NULL, NULL, NULL, -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P("", "", "", "", -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{true, P(NULL, NULL, NULL, NULL, -1), P("CTO", "Acme", "Software", "EMEA", 250)},
		{false, P("VP Sales", NULL, "", "AMER", 0),
		 P("VP Sales", "Acme", "Software", "AMER", 0)},
		{false, P(NULL, "Acme Corp", "Fintech", NULL, -1),
		 P("VP Sales", "Acme Corp", "Fintech", "AMER", 0)},
		{false, P("", "", "", "", 1200),
		 P("VP Sales", "Acme Corp", "Fintech", "AMER", 1200)},
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
		/* The same contact each time. */
		verify_one(s, "L", "crm", "ann@x.com", steps[i].none ? NULL : &steps[i].in,
			   T0 + (int64_t)i * DAY);
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
		{"A", "apollo", "apollo"},    /* another source replaces it */
		{"Z", "ignored", "zoominfo"}, /* Z again: Z's source, kept from its creation */
		{"N", "hubspot", "zoominfo"}, /* N again: still none */
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
	const char *v1[] = {"c@x.com", "a@x.com", "b@x.com"}, *v2[] = {"b@x.com", "c@x.com"};
	verified_list(s, "A", v1, 3, T0);
	verified_list(s, "A", v2, 2, T0 + DAY);
	begin(s);
	assert_int_equal(store_verify_begin(s, "B", "apollo", "b.csv", NULL, T0 + 2 * DAY, &run, &e),
			 LG_OK);
	row(s, &run, "d@y.org", VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE | VERIFY_F_FREE,
	    T0 + 2 * DAY);
	finish(s, &run, 1, 1, T0 + 2 * DAY);
	assert_int_equal(store_verify_begin(s, "C", NULL, "c.csv", "F", T0 + 3 * DAY, &run, &e),
			 LG_OK);
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
		{"A", NULL, "b@x.com,c@x.com"},                          /* the current version */
		{"B", NULL, "d@y.org"},
		{"C", NULL, ""}, /* no complete version */
		{"?", NULL, ""},
		{NULL, "c@x.com", "c@x.com"},
		{NULL, "e@z.net", "e@z.net"},
		{NULL, "nobody@x.com", ""},
	};
	for (i = 0; i < sizeof(q) / sizeof(*q); i++) {
		int64_t id = !q[i].list                ? 0
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
	int64_t a = m.m[member(&m, "a@x.com")].contact_id,
		b = m.m[member(&m, "b@x.com")].contact_id;
	assert_true(a > 0 && b > 0 && a != b);

	static const struct {
		const char *address;
		size_t len; /* 0: strlen */
		char want;  /* 'a', 'b' or 0: not found */
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
	{.event_id = "e-open",
	 .address = "b@x.com",
	 .type = "email_open",
	 .channel = "email",
	 .asset = "nl-2025-11",
	 .occurred_at = T0 + 300,
	 .count = -1},
	{.event_id = "e-view-2",
	 .address = "a@x.com",
	 .type = "page_view",
	 .channel = "web",
	 .asset = "/pricing",
	 .occurred_at = T0 + 200,
	 .count = 3,
	 .props = "{\"utm_source\":\"ads\"}"},
	{.event_id = "e-surge",
	 .account = "x.com",
	 .type = "intent_surge",
	 .occurred_at = T0 + 100,
	 .count = -1,
	 .props = "{\"topic\":\"crm\"}"},
	/* at the same time as e-view-2: event_id decides */
	{.event_id = "e-view-1",
	 .address = "a@x.com",
	 .type = "page_view",
	 .channel = "web",
	 .asset = "/docs",
	 .occurred_at = T0 + 200,
	 .count = 1},
	{.event_id = "e-fund",
	 .account = "acme.io",
	 .type = "funding",
	 .occurred_at = T0 + 50,
	 .count = -1},
	{.event_id = "x-late",
	 .address = "a@x.com",
	 .type = "form_fill",
	 .channel = "web",
	 .asset = "demo",
	 .occurred_at = T0 + 10,
	 .count = 0},
	{.event_id = "s-hire",
	 .account = "x.com",
	 .type = "hiring",
	 .channel = "jobs",
	 .occurred_at = T0 + 20,
	 .count = 2},
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
		{false, "x.com", ""}, /* an account is no address */
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
	assert_int_equal(store_run_begin(s, "import", 0, "events.jsonl", T0 + 500, &again, &e),
			 LG_OK);
	for (size_t i = 0; i < n; i++) {
		added = true;
		assert_int_equal(store_event_add(s, &again, &events_in[i], &added, &e), LG_OK);
		assert_false(added);
	}
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM events"), (long long)n);
	assert_int_equal(q1(path, "SELECT count(*) FROM events WHERE run_id = %lld",
			    (long long)run.id),
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
		{.event_id = "e-both",
		 .address = "a@x.com",
		 .account = "x.com",
		 .type = "page_view",
		 .occurred_at = T0,
		 .count = -1},
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
		enum scoring_framework framework;
		char criterion[32];
		enum scoring_ev_status status;
		enum scoring_ev_source source;
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
	g->q[g->n].framework = ev->framework;
	snprintf(g->q[g->n].criterion, sizeof(g->q[g->n].criterion), "%s", ev->criterion);
	g->q[g->n].status = ev->status;
	g->q[g->n].source = ev->source;
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
		{.framework = SCORING_BANT,
		 .criterion = "budget",
		 .status = SCORING_MET,
		 .confidence = 0.9,
		 .source = SCORING_SOURCE_CALL,
		 .at = T0 + 50,
		 .valid_until = 0,
		 .note = NULL},
		{.framework = SCORING_MEDDIC,
		 .criterion = "economic_buyer",
		 .status = SCORING_PARTIAL,
		 .confidence = 0.5,
		 .source = SCORING_SOURCE_EMAIL,
		 .at = T0 + 10,
		 .valid_until = T0 + 90 * DAY,
		 .note = "CFO cc'd, not yet met"},
		/* at the same time as the first: the order they came in */
		{.framework = SCORING_CHAMP,
		 .criterion = "priorities",
		 .status = SCORING_NOT_MET,
		 .confidence = 0,
		 .source = SCORING_SOURCE_FORM,
		 .at = T0 + 50,
		 .valid_until = T0 + DAY,
		 .note = NULL},
		{.framework = SCORING_BANT,
		 .criterion = "timing",
		 .status = SCORING_MET,
		 .confidence = 1,
		 .source = SCORING_SOURCE_NOTE,
		 .at = T0 + 5,
		 .note = "Q1"},
	};
	static const size_t want[] = {3, 1, 0, 2}; /* by (at, id) */
	/* What the table's CHECK constraints refuse: a value no name has is
	 * stored as "?". */
	static const struct store_qevidence bad[] = {
		{.framework = SCORING_BANT,
		 .criterion = "budget",
		 .status = (enum scoring_ev_status)SCORING_EV_STATUS_COUNT,
		 .confidence = 0.5,
		 .source = SCORING_SOURCE_CALL,
		 .at = T0},
		{.framework = (enum scoring_framework)SCORING_FRAMEWORK_COUNT,
		 .criterion = "pain",
		 .status = SCORING_MET,
		 .confidence = 0.5,
		 .source = SCORING_SOURCE_CALL,
		 .at = T0},
		{.framework = SCORING_BANT,
		 .criterion = "budget",
		 .status = SCORING_MET,
		 .confidence = 1.5,
		 .source = SCORING_SOURCE_CALL,
		 .at = T0},
		{.framework = SCORING_BANT,
		 .criterion = "budget",
		 .status = SCORING_MET,
		 .confidence = -0.1,
		 .source = SCORING_SOURCE_CALL,
		 .at = T0},
		{.framework = SCORING_BANT,
		 .criterion = "budget",
		 .status = SCORING_MET,
		 .confidence = 0.5,
		 .source = (enum scoring_ev_source)SCORING_EV_SOURCE_COUNT,
		 .at = T0},
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
		assert_int_equal(g.q[i].framework, w->framework);
		assert_string_equal(g.q[i].criterion, w->criterion);
		assert_int_equal(g.q[i].status, w->status);
		assert_int_equal(g.q[i].source, w->source);
		assert_true(g.q[i].confidence == w->confidence);
		assert_int_equal(g.q[i].at, w->at);
		assert_int_equal(g.q[i].valid_until, w->valid_until);
		opt_check(&g.q[i].note, w->note, "note");
	}
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM qevidence WHERE contact_id = %lld AND"
			    " valid_until IS NULL",
			    (long long)a),
			 2);
	/* kept by name, so that the table reads as it is */
	assert_int_equal(q1(path, "SELECT count(*) FROM qevidence WHERE framework = 'MEDDIC' AND"
				  " status = 'partial' AND source = 'email'"),
			 1);

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

static enum lg_status take_move(void *arg, const struct store_move *mv, struct lg_err *err)
{
	struct moves *g = arg;
	(void)err;
	assert_true(g->n < sizeof(g->m) / sizeof(*g->m));
	snprintf(g->m[g->n].from, sizeof(g->m[g->n].from), "%s", scoring_stage_name(mv->from));
	snprintf(g->m[g->n].to, sizeof(g->m[g->n].to), "%s", scoring_stage_name(mv->to));
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

static void test_moves(void **state)
{
	/* In the order they are recorded; each contact's in its own time order. */
	static const struct {
		char who_is; /* 'a' or 'b' */
		struct store_move m;
	} in[] = {
		{'a',
		 {.from = SCORING_LEAD,
		  .to = SCORING_MQL,
		  .at = T0 + DAY,
		  .why = "score >= 60",
		  .score = 64.5,
		  .who = "auto"}},
		{'a',
		 {.from = SCORING_MQL,
		  .to = SCORING_SQL,
		  .at = T0 + 3 * DAY,
		  .why = "rep accepted",
		  .score = 71,
		  .who = "jo",
		  .reason = "budget_confirmed",
		  .note = "call on 12/1"}},
		{'b',
		 {.from = SCORING_LEAD,
		  .to = SCORING_MQL,
		  .at = T0 + 2 * DAY,
		  .why = "score >= 60",
		  .score = 60,
		  .who = "auto"}},
		{'a',
		 {.from = SCORING_SQL,
		  .to = SCORING_MQL,
		  .at = T0 + 4 * DAY,
		  .why = "rep recycled",
		  .score = 55.25,
		  .who = "jo",
		  .reason = "no_budget"}},
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
		size_t n = pass ? sizeof(want_all) / sizeof(*want_all)
				: sizeof(want_a) / sizeof(*want_a);
		moves_each(s, pass ? 0 : a, &mv);
		assert_int_equal(mv.n, n);
		for (size_t i = 0; i < n; i++) {
			const struct store_move *w = &in[want[i]].m;
			bool is_a = in[want[i]].who_is == 'a';
			print_message("pass %d move %zu\n", pass, i);
			assert_string_equal(mv.m[i].from, scoring_stage_name(w->from));
			assert_string_equal(mv.m[i].to, scoring_stage_name(w->to));
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
	struct store_move m = {.from = SCORING_LEAD,
			       .to = SCORING_MQL,
			       .at = T0 + 5 * DAY,
			       .why = "x",
			       .score = 99,
			       .who = "auto"};
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
	struct store_move stale = {.from = SCORING_LEAD,
				   .to = SCORING_SAL,
				   .at = T0 + 6 * DAY,
				   .why = "y",
				   .score = 80,
				   .who = "jo"};
	assert_int_equal(store_move_add(s, c, &stale, &moved, &e), LG_OK);
	assert_false(moved);
	commit(s);
	lead(s, "c@x.com", &g);
	assert_string_equal(g.l[0].stage, "mql");
	moves_each(s, c, &mv);
	assert_int_equal(mv.n, 1);
	assert_string_equal(mv.m[0].to, "mql");
	assert_int_equal(q1(path, "SELECT count(*) FROM stages WHERE stage = 'mql'"), 3);

	/* A stage no stage enum has (the table changed by hand): the contact
	 * reads as a lead, the move is not given. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "UPDATE stages SET stage = 'won' WHERE contact_id = %lld;"
		 "INSERT INTO moves(contact_id, from_stage, to_stage, at, why, score, who)"
		 " VALUES (%lld, 'mql', 'won', 1, 'hand', 1, 'jo')",
		 (long long)c, (long long)c);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	lead(s, "c@x.com", &g);
	assert_string_equal(g.l[0].stage, "lead");
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
		{"b@x.com", {"mql", "lead", "mql"}}, /* into MQL twice: once */
		{"c@x.com", {"pql"}},
		{"d@x.com", {"hql"}},
		{"e@x.com", {"sal"}},
		{"f@x.com", {"sql"}}, /* straight to SQL */
		{"g@x.com", {"disqualified"}},
		{"h@x.com", {NULL}},                       /* never moved */
		{"i@x.com", {"mql", "sql", "mql", "sql"}}, /* into SQL twice: once */
		{"j@x.com", {"mql", "lead"}},              /* back out: it got there */
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
			struct store_move m = {.from = stage_of(from),
					       .to = stage_of(path_of[i].to[k]),
					       .at = T0 + (k + 1) * DAY,
					       .why = "test",
					       .score = 50,
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles),      cmocka_unit_test(test_contact_source),
		cmocka_unit_test(test_leads_each),    cmocka_unit_test(test_contact_find),
		cmocka_unit_test(test_events),        cmocka_unit_test(test_event_invalid_rejected),
		cmocka_unit_test(test_qevidence),     cmocka_unit_test(test_moves),
		cmocka_unit_test(test_funnel_counts),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
