/* test_route.c - the handoff's configuration, routes, the rotation and
 * the SLA's clock within working hours (handoff/route.h, conf/handoff.c). */
#include "conf/conf.h"
#include "handoff/route.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The man page's example (leadgate(1), HANDOFF), verbatim. */
static const char example[] =
	"[handoff]\n"
	"on = mql, hql, sql            # the stage moves that hand a lead off\n"
	"sla = 5m\n"
	"allow_private_targets = yes   # loopback and private targets; off by default\n"
	"\n"
	"[route.everyone]              # routes in file order; the first that matches wins\n"
	"team = sales                  # no \"when\" = matches every lead\n"
	"\n"
	"[team.sales]\n"
	"reps = ana, ben, cy\n"
	"webhook = http://127.0.0.1:8099/hook\n"
	"secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
	"\n"
	"[rep.ana]\n"
	"email = ana@ourco.example\n"
	"[rep.ben]\n"
	"email = ben@ourco.example\n"
	"available = no\n"
	"[rep.cy]\n"
	"email = cy@ourco.example\n";

static enum lg_status load(struct conf *c, const char *text, struct lg_err *err)
{
	conf_init(c);
	return conf_load_text(c, text, strlen(text), "t.conf", ".", err);
}

static void load_ok(struct conf *c, const char *text)
{
	struct lg_err err = {{0}};
	enum lg_status st = load(c, text, &err);
	if (st != LG_OK)
		fail_msg("%s", err.msg);
}

static const char *rep_name(const struct conf *c, long r)
{
	return r >= 0 ? c->handoff.rep[r].name : "(nobody)";
}

/* n picks in team 0 at now; their names joined by ' ' into buf. */
static void picks(const struct conf *c, size_t team, int n, int64_t now, const unsigned *today,
		  struct route_rr *rr, char *buf, size_t cap)
{
	struct route_ask ask = {.now = now, .exclude = -1, .today = today};
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		struct route_pick p;
		route_assign(&c->handoff, team, &ask, rr, &p);
		size_t len = strlen(buf);
		snprintf(buf + len, cap - len, "%s%s", i ? " " : "", rep_name(c, p.rep));
	}
}

#define MON_NOON_UTC 1773057600 /* 2026-03-09 12:00 UTC, a Monday */

static void test_example(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, example);
	const struct route_conf *h = &c.handoff;
	assert_int_equal(h->on, 1u << SCORING_MQL | 1u << SCORING_HQL | 1u << SCORING_SQL);
	assert_int_equal(h->sla, 300);
	assert_true(h->allow_private);
	assert_int_equal(h->link_ttl, 3 * 86400);
	assert_int_equal(h->n_rule, 1);
	assert_int_equal(h->n_team, 1);
	assert_int_equal(h->n_rep, 3);
	assert_string_equal(h->team[0].webhook, "http://127.0.0.1:8099/hook");
	assert_string_equal(h->team[0].secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_int_equal(h->team[0].n_rep, 3);
	assert_false(h->rep[1].available);
	assert_string_equal(h->rep[2].email, "cy@ourco.example");
	assert_string_equal(h->rep[0].tz, "UTC");
	assert_int_equal(h->rep[0].weight, 1);

	/* every lead, whatever it is, takes the one route */
	struct route_lead lead = {.stage = SCORING_SQL, .employees = -1};
	assert_int_equal(route_match(h, &lead), 0);
	lead = (struct route_lead){.stage = SCORING_MQL,
				   .grade = "D4",
				   .region = "apac",
				   .employees = 3};
	assert_int_equal(route_match(h, &lead), 0);

	/* ben is unavailable: ana, cy, ana, cy ... */
	struct route_rr rr = {{0}};
	char got[256];
	picks(&c, 0, 6, MON_NOON_UTC, NULL, &rr, got, sizeof(got));
	assert_string_equal(got, "ana cy ana cy ana cy");
	conf_release(&c);
}

static void test_defaults(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, "[handoff]\n");
	assert_int_equal(c.handoff.on, 1u << SCORING_HQL | 1u << SCORING_SQL);
	assert_int_equal(c.handoff.sla, 300);
	assert_false(c.handoff.allow_private);
	assert_int_equal(c.handoff.n_rule, 0);
	conf_release(&c);
}

static const char routes[] = "[route.enterprise]\n"
			     "team = big\n"
			     "stage = sql\n"
			     "grade = A, B1\n"
			     "employees = 200..\n"
			     "[route.emea]\n"
			     "team = emea\n"
			     "region = EMEA, dach\n"
			     "[route.partners]\n"
			     "team = emea\n"
			     "source = Partner\n"
			     "list = fair-2026\n"
			     "industry = software\n"
			     "employees = 10..49\n"
			     "[route.rest]\n"
			     "team = small\n"
			     "[team.big]\n"
			     "reps = a\n"
			     "[team.emea]\n"
			     "reps = b\n"
			     "[team.small]\n"
			     "reps = c\n"
			     "[rep.a]\nemail = a@x.example\n"
			     "[rep.b]\nemail = b@x.example\n"
			     "[rep.c]\nemail = c@x.example\n";

static void test_first_match(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, routes);
	const struct route_conf *h = &c.handoff;
	/* lists: the contact's, any of which may match */
	static const char *const fair[] = {"FAIR-2026", NULL};
	static const char *const both[] = {"webinar-q4", "fair-2026", NULL};
	static const char *const other[] = {"webinar-q4", NULL};
	static const struct {
		struct route_lead lead;
		const char *route;
	} v[] = {
		{{SCORING_SQL, "A2", "emea", NULL, NULL, NULL, 500}, "enterprise"},
		{{SCORING_SQL, "B1", NULL, NULL, NULL, NULL, 200}, "enterprise"},
		/* B2 is not B1; the region then decides */
		{{SCORING_SQL, "B2", "emea", NULL, NULL, NULL, 500}, "emea"},
		{{SCORING_HQL, "A1", "EMEA", NULL, NULL, NULL, 500}, "emea"}, /* not an SQL */
		{{SCORING_SQL, "A1", "Dach", NULL, NULL, NULL, 199}, "emea"}, /* too small */
		{{SCORING_SQL, "A1", "dach", NULL, NULL, NULL, -1}, "emea"},  /* size unknown */
		{{SCORING_SQL, NULL, "na", NULL, NULL, NULL, 5000}, "rest"},  /* not graded */
		{{SCORING_MQL, "C3", "na", "Software", "partner", fair, 10}, "partners"},
		{{SCORING_MQL, "C3", "na", "Software", "partner", both, 10}, "partners"},
		{{SCORING_MQL, "C3", "na", "Software", "partner", other, 10}, "rest"},
		{{SCORING_MQL, "C3", "na", "Software", "partner", fair, 50}, "rest"},
		{{SCORING_MQL, "C3", "na", "software", "partner", NULL, 20}, "rest"}, /* no list */
		{{SCORING_MQL, "C3", NULL, NULL, NULL, NULL, -1}, "rest"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		long r = route_match(h, &v[i].lead);
		assert_true(r >= 0);
		if (strcmp(h->rule[r].name, v[i].route) != 0)
			fail_msg("lead %zu: route %s, not %s", i, h->rule[r].name, v[i].route);
	}
	assert_string_equal(h->team[h->rule[0].team].name, "big");
	assert_string_equal(h->team[h->rule[3].team].name, "small");
	conf_release(&c);

	/* without a catch-all route, a lead may match none */
	load_ok(&c, "[route.x]\nteam = t\nstage = sql\n[team.t]\nreps = r\n[rep.r]\nemail = "
		    "r@x.example\n");
	struct route_lead lead = {.stage = SCORING_HQL, .employees = -1};
	assert_int_equal(route_match(&c.handoff, &lead), -1);
	conf_release(&c);
}

static void test_weights(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, "[team.t]\nreps = a, b\n"
		    "[rep.a]\nemail = a@x.example\nweight = 3\n"
		    "[rep.b]\nemail = b@x.example\n");
	struct route_rr rr = {{0}};
	char got[256];
	picks(&c, 0, 8, MON_NOON_UTC, NULL, &rr, got, sizeof(got));
	assert_string_equal(got, "a a b a a a b a");
	/* after a whole cycle the credits are back at 0 */
	assert_int_equal(rr.credit[0], 0);
	assert_int_equal(rr.credit[1], 0);
	conf_release(&c);

	/* 5:2:1 over 16: exactly 10, 4 and 2, the first pick the first rep */
	load_ok(&c, "[team.t]\nreps = a, b, c\n"
		    "[rep.a]\nemail = a@x.example\nweight = 5\n"
		    "[rep.b]\nemail = b@x.example\nweight = 2\n"
		    "[rep.c]\nemail = c@x.example\n");
	memset(&rr, 0, sizeof(rr));
	picks(&c, 0, 16, MON_NOON_UTC, NULL, &rr, got, sizeof(got));
	unsigned n[3] = {0};
	for (const char *p = got; *p; p++)
		if (*p >= 'a' && *p <= 'c')
			n[*p - 'a']++;
	assert_int_equal(n[0], 10);
	assert_int_equal(n[1], 4);
	assert_int_equal(n[2], 2);
	assert_int_equal(got[0], 'a');
	assert_null(strstr(got, "a a a a")); /* spread, not in a block */
	conf_release(&c);
}

/* Ana works Monday to Friday in Berlin, ben is capped at 2 a day, cy is
 * away, dee always works. */
static const char team4[] = "[team.t]\nreps = ana, ben, cy, dee\n"
			    "[rep.ana]\nemail = ana@x.example\n"
			    "hours = mon-fri 09:00-17:30\ntz = Europe/Berlin\n"
			    "[rep.ben]\nemail = ben@x.example\ncap = 2\n"
			    "[rep.cy]\nemail = cy@x.example\navailable = no\n"
			    "[rep.dee]\nemail = dee@x.example\nhours = mon-sun 00:00-24:00\n";

#define SAT_NOON_UTC 1773489600 /* 2026-03-14 12:00 UTC, a Saturday */

static void test_skips(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, team4);
	struct route_rr rr = {{0}};
	char got[256];
	unsigned today[4] = {0, 0, 0, 0};

	/* Monday noon: ana, ben and dee; cy is away */
	picks(&c, 0, 3, MON_NOON_UTC, today, &rr, got, sizeof(got));
	assert_string_equal(got, "ana ben dee");

	/* Saturday: ana is off, ben and dee take turns */
	memset(&rr, 0, sizeof(rr));
	picks(&c, 0, 4, SAT_NOON_UTC, today, &rr, got, sizeof(got));
	assert_string_equal(got, "ben dee ben dee");

	/* ben at his cap: only dee on Saturday, and why the others were passed over */
	today[1] = 2;
	struct route_ask ask = {.now = SAT_NOON_UTC, .exclude = -1, .today = today};
	struct route_pick p;
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_ROTATION);
	assert_string_equal(rep_name(&c, p.rep), "dee");
	assert_int_equal(p.off_hours, 1);
	assert_int_equal(p.at_cap, 1);
	assert_int_equal(p.unavailable, 1);
	assert_int_equal(p.excluded, 0);

	/* dee let the SLA pass: nobody else is eligible; the state stays */
	ask.exclude = route_rep_find(&c.handoff, "dee");
	struct route_rr before = rr;
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_NOBODY);
	assert_int_equal(p.rep, -1);
	assert_int_equal(p.excluded, 1);
	assert_memory_equal(&rr, &before, sizeof(rr));
	conf_release(&c);
}

static void test_owner(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, team4);
	struct route_rr rr = {{0}}, zero = {{0}};
	struct route_pick p;
	unsigned today[4] = {0, 5, 0, 0};
	struct route_ask ask = {.now = SAT_NOON_UTC, .exclude = -1, .today = today};

	/* the owner gets the account's lead, off hours or not; no turn taken */
	ask.owner = "ana";
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_OWNER);
	assert_string_equal(rep_name(&c, p.rep), "ana");
	assert_memory_equal(&rr, &zero, sizeof(rr));
	/* named by email, and past the cap */
	ask.owner = "BEN@x.example";
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_OWNER);
	assert_string_equal(rep_name(&c, p.rep), "ben");
	/* an owner away: the rotation (ana off hours, ben capped: dee) */
	ask.owner = "cy";
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_ROTATION);
	assert_string_equal(rep_name(&c, p.rep), "dee");
	/* an owner who is no rep (left the company): the rotation */
	ask.owner = "zed";
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_ROTATION);
	/* the owner let the SLA pass: the rotation */
	ask.owner = "dee";
	ask.exclude = route_rep_find(&c.handoff, "dee");
	route_assign(&c.handoff, 0, &ask, &rr, &p);
	assert_int_equal(p.how, ROUTE_NOBODY);
	conf_release(&c);
}

static void test_rr_text(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, team4);
	struct route_rr rr = {{3, 0, -7, 1}}, back;
	struct lg_buf b = LG_BUF_INIT;
	route_rr_format(&c.handoff, 0, &rr, &b);
	assert_string_equal(b.data, "ana:3,cy:-7,dee:1");
	assert_true(route_rr_parse(&c.handoff, 0, b.data, &back));
	assert_memory_equal(&rr, &back, sizeof(rr));
	/* a rep that left is dropped */
	assert_true(route_rr_parse(&c.handoff, 0, "zed:4,dee:2", &back));
	assert_int_equal(back.credit[3], 2);
	assert_int_equal(back.credit[0], 0);
	assert_true(route_rr_parse(&c.handoff, 0, "", &back));
	assert_false(route_rr_parse(&c.handoff, 0, "ana", &back));
	assert_false(route_rr_parse(&c.handoff, 0, "ana:x", &back));
	assert_false(route_rr_parse(&c.handoff, 0, "ana:1,", &back));
	lg_buf_release(&b);
	conf_release(&c);
}

/* Times of 2026 (Europe/Berlin: CET, CEST from 29 March 02:00;
 * America/New_York: EDT from 8 March). */
#define BER_FRI_1728 1774628880     /* Fri 27 March 17:28 CET */
#define BER_MON_0903 1774854180     /* Mon 30 March 09:03 CEST */
#define BER_SAT_2300 1774735200     /* Sat 28 March 23:00 CET */
#define BER_OCT_SAT_2300 1792875600 /* Sat 24 October 23:00 CEST */
#define NY_FRI_1600 1772830800      /* Fri 6 March 16:00 EST */
#define NY_MON_1000 1773064800      /* Mon 9 March 10:00 EDT */

static struct route_rep rep_with(const char *hours, const char *tz)
{
	struct route_rep r = {.name = "r", .email = "r@x.example", .weight = 1, .tz = tz};
	const char *why;
	if (hours && !route_hours_parse(hours, &r.hours, &why))
		fail_msg("hours '%s' %s", hours, why);
	return r;
}

static void test_sla(void **state)
{
	(void)state;
	struct route_rep r = rep_with("mon-fri 09:00-17:30", "Europe/Berlin");

	/* two minutes on Friday, three on Monday, across the weekend and the
	 * change to summer time */
	assert_int_equal(route_sla_deadline(&r, BER_FRI_1728, 300), BER_MON_0903);
	/* within the hours: plain addition */
	assert_int_equal(route_sla_deadline(&r, BER_MON_0903, 300), BER_MON_0903 + 300);
	/* handed off on Saturday: the clock starts Monday at 09:00 */
	assert_int_equal(route_sla_deadline(&r, BER_SAT_2300, 300), BER_MON_0903 - 180 + 300);
	/* a whole working day (8.5 h) and a minute: Tuesday 09:04 */
	assert_int_equal(route_sla_deadline(&r, BER_MON_0903, 8 * 3600 + 1800 + 60),
			 BER_MON_0903 + 86400 + 60);
	assert_true(route_rep_working(&r, BER_MON_0903));
	assert_false(route_rep_working(&r, BER_SAT_2300));
	assert_false(route_rep_working(&r, BER_FRI_1728 + 180)); /* 17:31 */
	assert_true(route_rep_working(&r, BER_FRI_1728 + 60));   /* 17:29 */

	/* round the clock: the 23-hour and 25-hour days count as they pass */
	r = rep_with("mon-sun 00:00-24:00", "Europe/Berlin");
	assert_int_equal(route_sla_deadline(&r, BER_SAT_2300, 3 * 3600), BER_SAT_2300 + 3 * 3600);
	assert_int_equal(route_sla_deadline(&r, BER_OCT_SAT_2300, 4 * 3600),
			 BER_OCT_SAT_2300 + 4 * 3600);

	/* New York's hours on the new offset: one hour on Friday, one on
	 * Monday from 09:00 EDT */
	r = rep_with("mon-fri 09:00-17:00", "America/New_York");
	assert_int_equal(route_sla_deadline(&r, NY_FRI_1600, 7200), NY_MON_1000);

	/* no hours: always working */
	r = rep_with(NULL, "Europe/Berlin");
	assert_int_equal(route_sla_deadline(&r, BER_SAT_2300, 300), BER_SAT_2300 + 300);
	assert_true(route_rep_working(&r, BER_SAT_2300));

	/* the local day, for the cap: Monday 30 March 00:00 CEST */
	assert_int_equal(route_day_start(&r, BER_MON_0903), 1774821600);
	r = rep_with(NULL, "UTC");
	assert_int_equal(route_day_start(&r, MON_NOON_UTC), MON_NOON_UTC - 12 * 3600);
}

static void test_hours(void **state)
{
	(void)state;
	struct route_hours h;
	const char *why;
	assert_true(route_hours_parse("mon-fri 09:00-17:30", &h, &why));
	assert_int_equal(h.n[0], 1);
	assert_int_equal(h.span[4][0][0], 540);
	assert_int_equal(h.span[4][0][1], 1050);
	assert_int_equal(h.n[5], 0);
	/* several spans, merged where they meet; a wrapping range; '+' */
	assert_true(route_hours_parse("mon+wed 08:00-12:00, mon 11:00-13:00, MON 14:00-15:00, "
				      "fri-sun 10:00-24:00",
				      &h, &why));
	assert_int_equal(h.n[0], 2);
	assert_int_equal(h.span[0][0][0], 480);
	assert_int_equal(h.span[0][0][1], 780);
	assert_int_equal(h.span[0][1][0], 840);
	assert_int_equal(h.n[2], 1);
	assert_int_equal(h.n[1], 0);
	assert_int_equal(h.n[6], 1);
	assert_int_equal(h.span[6][0][1], 1440);
	static const char *const bad[] = {
		"",
		"mon-fri",
		"09:00-17:00",
		"mon-fri 9:00-17:00",
		"mon-fri 09:00-25:00",
		"mon-fri 09:60-17:00",
		"mon-fri 17:00-09:00",
		"mon-fri 09:00-09:00",
		"monday 09:00-17:00",
		"mon-fri 09:00-17:00,",
		"mon+ 09:00-17:00",
		/* five apart in a day */
		("mon 01:00-02:00, mon 03:00-04:00, mon 05:00-06:00, mon 07:00-08:00, mon "
		 "09:00-10:00"),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (route_hours_parse(bad[i], &h, &why))
			fail_msg("hours '%s' taken", bad[i]);
	assert_true(route_zone_ok("Europe/Berlin"));
	assert_true(route_zone_ok("UTC"));
	assert_false(route_zone_ok("Europe/Atlantis"));
	assert_false(route_zone_ok(""));
}

/* The accept link's keys: no link without link_base; a secret alone is
 * taken (the service still checks the links sent before). */
static void test_link_keys(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c, "[handoff]\nlink_ttl = 1h\nlink_base = https://lg.ourco.example/\n"
		    "link_secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	assert_string_equal(c.handoff.link_base, "https://lg.ourco.example/");
	assert_string_equal(c.handoff.link_secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_int_equal(c.handoff.link_base_line, 3);
	assert_int_equal(c.handoff.link_ttl, 3600);
	conf_release(&c);
	load_ok(&c, "[handoff]\nlink_secret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
	assert_null(c.handoff.link_base);
	conf_release(&c);
	load_ok(&c, "[handoff]\n");
	assert_null(c.handoff.link_base);
	assert_null(c.handoff.link_secret);
	conf_release(&c);
}

/* Every configuration error: its file:line and what it says. */
static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} v[] = {
		{"[team.t]\nreps = a, zed\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:2: [team.t] names rep 'zed', which has no [rep.zed]"},
		{"[route.r]\nteam = nope\n", "t.conf:2: [route.r] names team 'nope', which has no"},
		{"[route.r]\nstage = sql\n", "t.conf:1: [route.r] wants a team"},
		{"[team.t]\nwebhook = https://h.example/x\n", "t.conf:1: [team.t] has no reps"},
		{"[team.t]\nreps = a, a\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:2: [team.t] names rep 'a' twice"},
		{"[handoff]\n\nsla = 5 minutes\n", "t.conf:3: sla wants a duration"},
		{"[handoff]\nsla = 0s\n", "t.conf:2: sla wants a duration"},
		{"[handoff]\nlink_ttl = 90d\n", "t.conf:2: link_ttl wants a duration"},
		{"[handoff]\nlink_base = https://lg.example\n",
		 "t.conf:2: [handoff] has link_base and no link_secret"},
		{"[handoff]\nlink_base = lg.example\n", "t.conf:2: link_base wants the service's"},
		{"[handoff]\nlink_base = https://lg.example/?x=1\n",
		 "t.conf:2: link_base wants the service's"},
		{"[handoff]\nlink_secret = MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
		 "t.conf:2: link_secret starts with whsec_"},
		{"[handoff]\nlink_secret = whsec_c2hvcnQ=\n",
		 "t.conf:2: link_secret wants a key of 24 to 64 bytes"},
		{"[handoff]\non = hql, lead\n", "t.conf:2: on: 'lead' is not mql, hql or sql"},
		{"[handoff]\non = hql,,sql\n", "t.conf:2: on has an empty item"},
		{"[handoff]\nallow_private_targets = maybe\n",
		 "t.conf:2: allow_private_targets wants yes or no"},
		{"[handoff]\nwhen = x\n", "t.conf:2: unknown key 'when' in [handoff]"},
		{"[handoff]\nsecret = s3cret\n", "t.conf:2: secret starts with whsec_"},
		{"[handoff]\nevents = ftp://h.example/\n",
		 "t.conf:2: events wants an http:// or https:// URL"},
		{"[handoff]\nevents = https://h.example/ev\n",
		 "t.conf:2: [handoff] has events and no secret"},
		{"[handoff]\nsecret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\nevents = "
		 "http://h.example/ev\n",
		 "t.conf:3: events is http://, which is sent only with [handoff] "
		 "allow_private_targets = yes"},
		{"[team.t]\nreps = a\nwebhook = http://h.example/\nsecret = "
		 "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:1: webhook is http://, which is sent only with"},
		{"[team.events]\nreps = a\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:1: [team.events]: the name is the outbox's"},
		{"[team.JOB]\nreps = a\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:1: [team.job]: the name is the outbox's"},
		{"[team.t]\nreps = a\nsla = soon\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:3: sla wants a duration"},
		{"[rep.a]\nemail = a@x.example\nhours = mon-fri 9-5\n",
		 "t.conf:3: hours 'mon-fri 9-5' wants times"},
		{"[rep.a]\nemail = a@x.example\nhours = weekdays 09:00-17:00\n",
		 "t.conf:3: hours 'weekdays 09:00-17:00' wants days"},
		{"[rep.a]\nemail = a@x.example\ntz = Mars/Olympus\n",
		 "t.conf:3: tz 'Mars/Olympus' is no IANA time zone"},
		{"[rep.a]\ntz = UTC\n", "t.conf:1: [rep.a] wants an email"},
		{"[rep.a]\nemail = nobody\n", "t.conf:2: email wants an address"},
		{"[rep.a]\nemail = a@x.example\nweight = 0\n", "t.conf:3: weight wants a whole"},
		{"[rep.a]\nemail = a@x.example\ncap = -1\n", "t.conf:3: cap wants handoffs a day"},
		{"[rep.a]\nemail = a@x.example\navailable = sometimes\n",
		 "t.conf:3: available wants yes or no"},
		{"[rep.a]\nemail = a@x.example\nslack = @ana\n",
		 "t.conf:3: slack wants a Slack member"},
		{"[rep.a]\nemail = a@x.example\nphone = 1\n",
		 "t.conf:3: unknown key 'phone' in [rep.a]"},
		{"[team.t]\nreps = a\nsecret = MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
		 "t.conf:3: secret starts with whsec_"},
		{"[team.t]\nreps = a\nsecret = whsec_abc\n", "t.conf:3: secret wants base64"},
		{"[team.t]\nreps = a\nsecret = whsec_c2hvcnQ=\n",
		 "t.conf:3: secret wants a key of 24 to 64 bytes"},
		{"[team.t]\nreps = a\nwebhook = ftp://h.example/\n",
		 "t.conf:3: webhook wants an http:// or https:// URL"},
		{"[team.t]\nreps = a\nwebhook = https://h.example/\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:1: [team.t] has a webhook and no secret"},
		{"[team.t]\nreps = a\nhubspot = pat-123\n", "t.conf:3: hubspot wants an http://"},
		{"[team.t]\nreps = a\nhubspot = https://api.hubapi.com\n[rep.a]\nemail = "
		 "a@x.example\n",
		 "t.conf:3: [team.t] has hubspot and no hubspot_token"},
		{"[team.t]\nreps = a\nsalesforce_token = t\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:3: [team.t] has salesforce_token and no salesforce"},
		{"[team.t]\nreps = a\nhubspot_token = env:1X\n",
		 "t.conf:3: hubspot_token: '1X' is not an environment variable's name"},
		{"[team.t]\nreps = a\nsalesforce = https://x.example\nsalesforce_token = t\n"
		 "salesforce_version = 60\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:3: [team.t] "},
		{"[team.t]\nreps = a\nescalation = boss\n[rep.a]\nemail = a@x.example\n",
		 "t.conf:3: escalation 'boss' is no rep"},
		{"[route.r]\nteam = t\ngrade = E\n", "t.conf:3: grade: 'E' is no grade"},
		{"[route.r]\nteam = t\ngrade = A5\n", "t.conf:3: grade: 'A5' is no grade"},
		{"[route.r]\nteam = t\nstage = hot\n", "t.conf:3: stage: 'hot' is no stage"},
		{"[route.r]\nteam = t\nemployees = 500..100\n",
		 "t.conf:3: employees wants a number"},
		{"[route.r]\nteam = t\nemployees = many\n", "t.conf:3: employees wants a number"},
		{"[route.r]\nteam = t\nwhen = stage:sql\n",
		 "t.conf:3: unknown key 'when' in [route.r]"},
		{"[route.a b]\n", "t.conf:1: unknown section '[route.a b]'"},
		{"[rep.]\n", "t.conf:1: unknown section '[rep.]'"},
		{"[handoff] x\n", "t.conf:1: malformed section header"},
		{"[handoff]# no space before it\n", "t.conf:1: malformed section header"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct conf c;
		struct lg_err err = {{0}};
		enum lg_status st = load(&c, v[i].text, &err);
		if (st != LG_ECONFIG || strncmp(err.msg, v[i].msg, strlen(v[i].msg)) != 0)
			fail_msg("vector %zu: status %d, '%s', wanted '%s'", i, (int)st, err.msg,
				 v[i].msg);
		conf_release(&c);
	}
}

/* What is not an error: a rep in no team, an escalation by address or by
 * rep, sections in any order, a team named before it is defined. */
static void test_fine(void **state)
{
	(void)state;
	struct conf c;
	load_ok(&c,
		"[route.r]\nteam = T\n"
		"[team.t]\nreps = B, a\nsla = 1h\nescalation = Boss@X.example\n"
		"slack = https://hooks.slack.example/services/T0/B0/x\n"
		"hubspot = https://api.hubapi.com\nhubspot_token = env:HS_TOKEN\n"
		"salesforce = https://acme.my.salesforce.com\nsalesforce_token = file:sf.token\n"
		"salesforce_version = v61.0\nsalesforce_field = Ext_Id__c\n"
		"[team.u]\nreps = a\nescalation = lone\n"
		"[rep.a]\nemail = a@x.example\nweight = 2\ncap = 40\ntz = America/New_York\n"
		"slack = U024BE7LH\n"
		"[rep.b]\nemail = b@x.example\ncap = none\n"
		"[rep.lone]\nemail = lone@x.example\n");
	const struct route_conf *h = &c.handoff;
	assert_int_equal(h->rule[0].team, 0);
	assert_int_equal(h->team[0].n_rep, 2);
	assert_string_equal(h->rep[h->team[0].rep[0]].name, "b");
	assert_int_equal(h->team[0].sla, 3600);
	assert_int_equal(h->team[0].escalation_rep, -1);
	assert_string_equal(h->team[0].escalation, "boss@x.example");
	assert_string_equal(h->team[1].escalation, "lone");
	assert_int_equal(h->team[1].escalation_rep, route_rep_find(h, "lone"));
	assert_string_equal(h->team[0].hubspot, "https://api.hubapi.com");
	assert_string_equal(h->team[0].hubspot_token, "env:HS_TOKEN");
	assert_string_equal(h->team[0].salesforce_token, "file:./sf.token");
	assert_string_equal(h->team[0].salesforce_field, "Ext_Id__c");
	assert_string_equal(h->team[0].salesforce_version, "v61.0");
	assert_int_equal(h->rep[0].cap, 40);
	assert_int_equal(h->rep[0].weight, 2);
	assert_string_equal(h->rep[0].slack, "U024BE7LH");
	assert_int_equal(h->rep[1].cap, 0);
	assert_int_equal(route_team_find(h, "U"), 1);
	assert_null(h->secret);
	assert_null(h->events);
	conf_release(&c);
	/* the service's own events: signed with [handoff] secret; no route */
	load_ok(&c, "[handoff]\nsecret = whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"
		    "events = https://ops.example/leadgate\n");
	assert_string_equal(c.handoff.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	assert_string_equal(c.handoff.events, "https://ops.example/leadgate");
	assert_int_equal(c.handoff.n_rule, 0);
	conf_release(&c);
}

/* "# [section]" or "# key = value": a line of the shipped file's example. */
static bool example_line(const char *line)
{
	if (strncmp(line, "# ", 2) != 0)
		return false;
	const char *p = line + 2;
	if (*p == '[')
		return true;
	while ((*p >= 'a' && *p <= 'z') || *p == '_')
		p++;
	return p > line + 2 && !strncmp(p, " = ", 3);
}

/* The shipped leadgate.conf: its [handoff] part, uncommented, loads, its
 * defaults are the built-in ones and its example routes as it says. */
static void test_shipped(void **state)
{
	(void)state;
	FILE *f = fopen("conf/leadgate.conf", "rb");
	if (!f) {
		skip(); /* not run from the repository root */
		return;
	}
	struct lg_buf on = LG_BUF_INIT;
	char line[1024];
	bool in = false;
	while (fgets(line, sizeof(line), f)) {
		in |= !strncmp(line, "[handoff]", 9);
		lg_buf_adds(&on, in && example_line(line) ? line + 2 : line);
	}
	fclose(f);
	assert_true(in);
	struct conf c;
	load_ok(&c, on.data);
	const struct route_conf *h = &c.handoff;
	assert_int_equal(h->on, 1u << SCORING_HQL | 1u << SCORING_SQL);
	assert_int_equal(h->sla, ROUTE_SLA_DEFAULT);
	assert_int_equal(h->link_ttl, ROUTE_LINK_TTL_DEFAULT);
	assert_false(h->allow_private);
	assert_string_equal(h->secret, "whsec_bGVhZGdhdGUtc2VydmljZS1ldmVudHMh");
	assert_string_equal(h->events, "https://ops.example/leadgate");
	assert_int_equal(h->n_rule, 2);
	assert_int_equal(h->n_team, 2);
	assert_int_equal(h->n_rep, 3);
	struct route_lead big = {.stage = SCORING_SQL, .employees = 5000};
	struct route_lead small = {.stage = SCORING_SQL, .employees = 50};
	assert_string_equal(h->rule[route_match(h, &big)].name, "enterprise");
	assert_string_equal(h->rule[route_match(h, &small)].name, "everyone");
	long sales = route_team_find(h, "sales");
	assert_int_equal(route_team_sla(h, (size_t)sales), 900);
	assert_int_equal(route_team_sla(h, (size_t)route_team_find(h, "enterprise")), 300);
	assert_int_equal(h->team[sales].escalation_rep, route_rep_find(h, "ana"));
	/* Monday 12:00 UTC: ana (13:00 in Berlin, weight 2) and ben (08:00 in
	 * New York) work, cy is away */
	struct route_rr rr = {{0}};
	char got[256];
	picks(&c, (size_t)sales, 6, MON_NOON_UTC, NULL, &rr, got, sizeof(got));
	assert_string_equal(got, "ana ben ana ana ben ana");
	lg_buf_release(&on);
	conf_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_first_match), cmocka_unit_test(test_weights),
		cmocka_unit_test(test_skips),       cmocka_unit_test(test_owner),
		cmocka_unit_test(test_rr_text),     cmocka_unit_test(test_sla),
		cmocka_unit_test(test_hours),       cmocka_unit_test(test_errors),
		cmocka_unit_test(test_fine),        cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_link_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
