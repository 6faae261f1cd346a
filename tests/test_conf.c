/* test_conf.c - built-in lists and the configuration file. */
#include "conf/conf.h"
#include "smtp/smtp.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define DAY 86400

/* cmocka 1.1.5's assert_float_equal() rounds to float: too coarse here. */
#define assert_near(a, b, eps) near_at((a), (b), (eps), __FILE__, __LINE__)
static void near_at(double a, double b, double eps, const char *file, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s:%d: %.12g is not within %g of %.12g", file, line, a, eps, b);
}

static bool has(const struct conf_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->item[i], s))
			return true;
	return false;
}

static void test_builtin(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	assert_true(c.role.n > 500);
	assert_true(c.free.n > 5000);
	assert_true(c.disposable.n > 8000);
	assert_true(has(&c.role, "info") && has(&c.role, "noreply"));
	assert_true(has(&c.free, "gmail.com") && has(&c.free, "web.de"));
	assert_true(has(&c.disposable, "mailinator.com"));
	assert_false(has(&c.free, "mailinator.com")); /* free list has no disposable */
	assert_string_equal(c.typo.item[0], "gmail.com");
	assert_false(has(&c.role, "# role-based local parts")); /* comments dropped */
	assert_int_equal(c.typo_frequent_min, 20);
	/* [decay] and [gate] defaults; prior[] by enum verify_status number. */
	assert_near(c.decay.monthly_rate, 0.021, 1e-15);
	assert_int_equal(c.decay.fresh_for, 7 * DAY);
	assert_int_equal(c.decay.stale_after, 30 * DAY);
	assert_int_equal(c.n_source_rate, 0);
	assert_near(c.gate.threshold, 0.01, 1e-15);
	assert_near(c.gate.prior[VERIFY_DELIVERABLE], 0.005, 1e-15);
	assert_near(c.gate.prior[VERIFY_RISKY], 0.10, 1e-15);
	assert_near(c.gate.prior[VERIFY_UNDELIVERABLE], 1.0, 0);
	assert_near(c.gate.prior[VERIFY_UNKNOWN], 0.25, 1e-15);
	assert_int_equal(c.gate.min_exported, 200);
	assert_near(c.gate.z, 1.96, 1e-15);
	conf_release(&c);
}

static enum lg_status load(struct conf *c, const char *text, struct lg_err *e)
{
	return conf_load_text(c, text, strlen(text), "t.conf", "/nonexistent", e);
}

/* Write text to dir/name; the path goes to path. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	char dir[] = "/tmp/lgconfXXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	write_file(dir, "roles.txt", "# ours\nFounders\n\n  partners  \n", path, sizeof(path));

	conf_init(&c);
	size_t before = c.role.n;
	char text[512];
	snprintf(text, sizeof(text),
		 "# comment\n[verify]\nrole_list = %s/roles.txt   # ours\ntypo_frequent_min = 7 ; "
		 "seven\n",
		 dir);
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_int_equal(c.role.n, before + 2);
	assert_true(has(&c.role, "founders") && has(&c.role, "partners")); /* lower-cased, trimmed */
	assert_int_equal(c.typo_frequent_min, 7);

	/* Relative list paths are taken from the configuration's directory. */
	const char *rel = "[verify]\nallow_list = roles.txt\n";
	assert_int_equal(conf_load_text(&c, rel, strlen(rel), "x.conf", dir, &e), LG_OK);
	assert_true(has(&c.allow, "founders"));
	conf_release(&c);
	unlink(path);
	rmdir(dir);
}

/* A comment may follow a section header, after a blank, as it may follow
 * a value. */
static void test_header_comment(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	const char *text = "[verify]   # lists\ntypo_frequent_min = 9\n[gate]\t; the gate\n"
			   "threshold = 2\n[decay]  \nfresh_days = 3\n";
	conf_init(&c);
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_int_equal(c.typo_frequent_min, 9);
	assert_int_equal(c.decay.fresh_for, 3 * DAY);
	conf_release(&c);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} v[] = {
		{"[verify]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [verify]"},
		{"[nope]\nx = 1\n", "t.conf:1: unknown section '[nope]'"},
		{"[verify]\n[later]\n", "t.conf:2: unknown section '[later]'"},
		{"x = 1\n", "t.conf:1: key outside a [section]"},
		{"[verify]\n\njust words\n", "t.conf:3: expected 'key = value'"},
		{"[verify\n", "t.conf:1: malformed section header"},
		{"[verify] x\n", "t.conf:1: malformed section header"},
		{"[verify]# no blank before it\n", "t.conf:1: malformed section header"},
		{"[verify] # a comment\n[decay]x\n", "t.conf:2: malformed section header"},
		{"[verify]\ntypo_frequent_min = 1\n", "t.conf:2: typo_frequent_min wants"},
		{"[verify]\ntypo_frequent_min = 5x\n", "t.conf:2: typo_frequent_min wants"},
		{"[verify]\nrole_list = missing.txt\n",
		 "t.conf:2: role_list: /nonexistent/missing.txt"},
		/* [decay] */
		{"[decay]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [decay]"},
		{"[decay]\nmonthly_rates = 2\n",
		 "t.conf:2: unknown key 'monthly_rates' in [decay]"},
		{"[decay]\nmonthly_rate = 100\n",
		 "t.conf:2: monthly_rate wants a percentage from 0 to 99.9, not '100'"},
		{"[decay]\nmonthly_rate = 99.91\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = -1\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = +2\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = nan\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = inf\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 0x1p1\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 2e0\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 2.1.1\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = .\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = %\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 2%%\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 2 1\n", "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 2.1 percent\n",
		 "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate = 0.00000000000000000000000000000001\n",
		 "t.conf:2: monthly_rate wants a percentage"},
		{"[decay]\nmonthly_rate.zoominfo = 120%\n",
		 "t.conf:2: monthly_rate.zoominfo wants a percentage from 0 to 99.9, not '120%'"},
		{"[decay]\nmonthly_rate. = 3\n",
		 "t.conf:2: 'monthly_rate.' wants a source name after 'monthly_rate.'"},
		{"[decay]\nmonthly_rate.zoom info = 3\n",
		 "t.conf:2: source name in 'monthly_rate.zoom info' wants letters, digits"},
		{"[decay]\nmonthly_rate.a.b = 3\n", "t.conf:2: source name in 'monthly_rate.a.b'"},
		{"[decay]\nfresh_days = 3651\n",
		 "t.conf:2: fresh_days wants a whole number from 0 to 3650, not '3651'"},
		{"[decay]\nfresh_days = 1.5\n", "t.conf:2: fresh_days wants a whole number"},
		{"[decay]\nstale_days = 0\n",
		 "t.conf:2: stale_days wants a whole number from 1 to 3650, not '0'"},
		{"[decay]\nstale_days = 30d\n", "t.conf:2: stale_days wants a whole number"},
		/* stale < fresh is seen once the whole file is read: no line. */
		{"[decay]\nstale_days = 5\n",
		 "t.conf: stale_days (5) must not be less than fresh_days (7)"},
		{"[decay]\nfresh_days = 40\n",
		 "t.conf: stale_days (30) must not be less than fresh_days (40)"},
		{"[decay]\nstale_days = 10\nfresh_days = 11\n",
		 "t.conf: stale_days (10) must not be less than fresh_days (11)"},
		/* [gate] */
		{"[gate]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [gate]"},
		{"[gate]\nprior.bounced = 1\n", "t.conf:2: unknown key 'prior.bounced' in [gate]"},
		{"[gate]\nz = 2\n", "t.conf:2: unknown key 'z' in [gate]"},
		{"[gate]\nthreshold = 0\n",
		 "t.conf:2: threshold wants a percentage from 0.01 to 100, not '0'"},
		{"[gate]\nthreshold = 0.009\n", "t.conf:2: threshold wants a percentage"},
		{"[gate]\nthreshold = 100.1%\n", "t.conf:2: threshold wants a percentage"},
		{"[gate]\nprior.risky = 101\n",
		 "t.conf:2: prior.risky wants a percentage from 0 to 100, not '101'"},
		{"[gate]\nprior.unknown = -0\n", "t.conf:2: prior.unknown wants a percentage"},
		{"[gate]\nmin_exported = 0\n",
		 "t.conf:2: min_exported wants a whole number from 1 to 100000000, not '0'"},
		{"[gate]\nmin_exported = 100000001\n",
		 "t.conf:2: min_exported wants a whole number"},
		{"[gate]\n\n# ok\nthreshold = 1%\nmin_exported = lots\n",
		 "t.conf:5: min_exported wants a whole number"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct conf c;
		struct lg_err e = {{0}};
		conf_init(&c);
		assert_int_equal(load(&c, v[i].text, &e), LG_ECONFIG);
		if (strncmp(e.msg, v[i].msg, strlen(v[i].msg)) != 0)
			fail_msg("config %zu: got \"%s\", want \"%s...\"", i, e.msg, v[i].msg);
		conf_release(&c);
	}
}

static void test_search(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	char dir[] = "/tmp/lgxdgXXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[256], path[300];
	snprintf(sub, sizeof(sub), "%s/leadgate", dir);
	mkdir(sub, 0755);
	write_file(sub, "leadgate.conf", "[verify]\ntypo_frequent_min = 9\n", path, sizeof(path));

	unsetenv("LEADGATE_CONFIG");
	setenv("XDG_CONFIG_HOME", dir, 1);
	conf_init(&c);
	assert_int_equal(conf_load(&c, NULL, &e), LG_OK);
	assert_int_equal(c.typo_frequent_min, 9);
	assert_string_equal(c.path, path);
	conf_release(&c);

	/* An explicit file that does not exist is an error, not a default. */
	conf_init(&c);
	assert_int_equal(conf_load(&c, "/nonexistent/leadgate.conf", &e), LG_ECONFIG);
	conf_release(&c);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

static void test_decay_keys(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	conf_init(&c);
	const char *text = "[decay]\n"
			   "monthly_rate = 2.5\n"
			   "monthly_rate.ZoomInfo = 3%   # lower-cased\n"
			   "monthly_rate.apollo_io = 1.75 %\n"
			   "monthly_rate.crm-export = 0\n"
			   "monthly_rate.zoominfo = 4%   ; replaces 3 %\n"
			   "stale_days = 45\n"
			   "fresh_days = 14\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.decay.monthly_rate, 0.025, 1e-15);
	assert_int_equal(c.decay.fresh_for, 14 * DAY);
	assert_int_equal(c.decay.stale_after, 45 * DAY);
	assert_int_equal(c.n_source_rate, 3);
	assert_string_equal(c.source_rate[0].source, "zoominfo");
	assert_near(c.source_rate[0].monthly_rate, 0.04, 1e-15);

	/* The per-source policy: the default's days, the source's rate. */
	struct decay_policy p;
	conf_decay_policy(&c, "zoominfo", &p);
	assert_near(p.monthly_rate, 0.04, 1e-15);
	assert_int_equal(p.fresh_for, 14 * DAY);
	assert_int_equal(p.stale_after, 45 * DAY);
	conf_decay_policy(&c, "ZOOMINFO", &p); /* any case */
	assert_near(p.monthly_rate, 0.04, 1e-15);
	conf_decay_policy(&c, "apollo_io", &p);
	assert_near(p.monthly_rate, 0.0175, 1e-15);
	conf_decay_policy(&c, "crm-export", &p);
	assert_near(p.monthly_rate, 0, 0);
	/* No source, an empty one or an unknown one: the default. */
	conf_decay_policy(&c, NULL, &p);
	assert_near(p.monthly_rate, 0.025, 1e-15);
	conf_decay_policy(&c, "", &p);
	assert_near(p.monthly_rate, 0.025, 1e-15);
	conf_decay_policy(&c, "zoominf", &p);
	assert_near(p.monthly_rate, 0.025, 1e-15);
	conf_decay_policy(&c, "zoominfo2", &p);
	assert_near(p.monthly_rate, 0.025, 1e-15);
	conf_release(&c);

	/* The ends of each range, and the two spellings of a percentage. */
	conf_init(&c);
	text = "[decay]\nmonthly_rate = 99.9%\nfresh_days = 0\nstale_days = 1\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.decay.monthly_rate, 0.999, 1e-15);
	assert_int_equal(c.decay.fresh_for, 0);
	assert_int_equal(c.decay.stale_after, DAY);
	text = "[decay]\nmonthly_rate = 0\nfresh_days = 3650\nstale_days = 3650\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.decay.monthly_rate, 0, 0);
	assert_int_equal(c.decay.fresh_for, 3650 * DAY);
	assert_int_equal(c.decay.stale_after, 3650 * DAY);
	text = "[decay]\nmonthly_rate = 2.1\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	double plain = c.decay.monthly_rate;
	text = "[decay]\nmonthly_rate = 2.1%\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.decay.monthly_rate, plain, 0);
	assert_near(plain, 0.021, 1e-15);
	text = "[decay]\nmonthly_rate = .5\nfresh_days = 7\nstale_days = 30\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.decay.monthly_rate, 0.005, 1e-15);
	conf_release(&c);
}

static void test_serve_keys(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	conf_init(&c);
	assert_null(c.serve.listen);
	assert_true(c.serve.max_body == (uint64_t)2 << 30);
	assert_int_equal(c.serve.max_jobs, 2);
	const char *text = "[serve]\n"
			   "listen = unix:/run/leadgate.sock\n"
			   "rate = 0.5\n"
			   "burst = 3\n"
			   "max_body = 64M\n"
			   "max_connections = 10\n"
			   "per_ip_connections = 0\n"
			   "timeout = 5\n"
			   "max_jobs = 7\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_string_equal(c.serve.listen, "unix:/run/leadgate.sock");
	assert_near(c.serve.rate, 0.5, 0);
	assert_int_equal(c.serve.burst, 3);
	assert_true(c.serve.max_body == (uint64_t)64 << 20);
	assert_int_equal(c.serve.max_connections, 10);
	assert_int_equal(c.serve.per_ip, 0);
	assert_int_equal(c.serve.timeout, 5);
	assert_int_equal(c.serve.max_jobs, 7);
	assert_int_equal(load(&c, "[serve]\nmax_body = 1000\n", &e), LG_OK);
	assert_true(c.serve.max_body == 1000);

	static const char *const bad[] = {
		"[serve]\nrate = 0\n",      "[serve]\nrate = fast\n",
		"[serve]\nburst = 0\n",     "[serve]\nmax_body = 0\n",
		"[serve]\nmax_body = 2T\n", "[serve]\nmax_body = 1025G\n",
		"[serve]\nmax_body = K\n",  "[serve]\ntimeout = 0\n",
		"[serve]\nlisten =\n",      "[serve]\nmax_connections = -1\n",
		"[serve]\nthreads = 4\n",   "[serve]\nmax_jobs = 0\n",
		"[serve]\nmax_jobs = 65\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(load(&c, bad[i], &e), LG_ECONFIG);
		assert_non_null(strstr(e.msg, "t.conf:2: "));
	}
	conf_release(&c);
}

static void test_gate_keys(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	conf_init(&c);
	const char *text = "[gate]\n"
			   "threshold = 2%\n"
			   "prior.deliverable = 1\n"
			   "prior.risky = 15%\n"
			   "prior.undeliverable = 90%\n"
			   "prior.unknown = 30\n"
			   "prior.smtp_confirmed = 0.1%\n"
			   "prior.accept_all = 20\n"
			   "min_exported = 500\n"
			   "[verify]\n"
			   "typo_frequent_min = 5\n"
			   "[gate]\n"
			   "min_exported = 1000\n"; /* a section may come back */
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.gate.threshold, 0.02, 1e-15);
	assert_near(c.gate.prior[VERIFY_DELIVERABLE], 0.01, 1e-15);
	assert_near(c.gate.prior[VERIFY_RISKY], 0.15, 1e-15);
	assert_near(c.gate.prior[VERIFY_UNDELIVERABLE], 0.90, 1e-15);
	assert_near(c.gate.prior[VERIFY_UNKNOWN], 0.30, 1e-15);
	assert_near(c.gate.prior_confirmed, 0.001, 1e-15);
	assert_near(c.gate.prior_accept_all, 0.20, 1e-15);
	assert_int_equal(c.gate.min_exported, 1000);
	assert_int_equal(c.typo_frequent_min, 5);
	assert_near(c.gate.z, 1.96, 1e-15); /* not a key */

	text = "[gate]\nthreshold = 0.01\nprior.risky = 0%\nprior.unknown = 100\n"
	       "min_exported = 1\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.gate.threshold, 0.0001, 1e-15);
	assert_near(c.gate.prior[VERIFY_RISKY], 0, 0);
	assert_near(c.gate.prior[VERIFY_UNKNOWN], 1, 0);
	assert_int_equal(c.gate.min_exported, 1);
	text = "[gate]\nthreshold = 100\nmin_exported = 100000000\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(c.gate.threshold, 1, 0);
	assert_int_equal(c.gate.min_exported, 100000000);
	conf_release(&c);
}

static void test_scoring_keys(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	conf_init(&c);
	const struct scoring_rubric *r = &c.rubric;
	unsigned titles = r->n_title, types = r->n_type, classes = r->n_cls;
	const char *text = "[scoring]\n"
			   "mql = 70.5\n"
			   "recycle = 50\n"
			   "recycle_after = 10d\n"
			   "competitor_points = -40\n"
			   "competitor = Rival.example\n"
			   "confidence.risky = 0.5\n"
			   "intent_in_total = yes\n"
			   "framework = meddic\n"
			   "fit_grades = 50, 30, 10\n"
			   "class.trial = 10d cap=30 axis=product\n"
			   "event.trial_started = 12 trial cap=2 high_intent\n"
			   "event.demo_request = 60 demo cap=1 high_intent\n" /* replaces */
			   "title.founder_ceo = 35 \\b(founder|ceo)\\b\n"     /* a new label */
			   "title.student = -20 \\bintern\\b\n" /* replaced in place */
			   "icp.industry = 15 Fintech\n"
			   "icp.employees = 5 10-49\n";
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_near(r->mql, 70.5, 0);
	assert_near(r->recycle, 50, 0);
	assert_int_equal(r->recycle_for, 10 * DAY);
	assert_near(r->competitor_points, -40, 0);
	assert_int_equal(r->n_competitor, 1);
	assert_string_equal(r->competitor[0], "rival.example"); /* lower-cased */
	assert_near(r->confidence[1], 0.5, 0);
	assert_true(r->intent_in_total);
	assert_int_equal(r->framework, SCORING_MEDDIC);
	assert_near(r->fit_grade[1], 30, 0);
	assert_int_equal(r->n_cls, classes + 1);
	int k = scoring_class_find(r, "trial", 5);
	assert_true(k >= 0);
	assert_int_equal(r->cls[k].axis, SCORING_PRODUCT);
	assert_near(r->cls[k].cap, 30, 0);
	assert_int_equal(r->n_type, types + 1);
	int t = scoring_type_find(r, "trial_started", 13);
	assert_true(t >= 0 && r->type[t].high_intent && r->type[t].daily_cap == 2);
	assert_true(r->type[t].cap_slot >= 0); /* the rubric was checked */
	t = scoring_type_find(r, "demo_request", 12);
	assert_near(r->type[t].points, 60, 0);
	/* a new title label goes in before the last (catch-all) rule */
	assert_int_equal(r->n_title, titles + 1);
	assert_string_equal(r->title[r->n_title - 2].label, "founder_ceo");
	assert_string_equal(r->title[0].label, "student");
	assert_near(r->title[0].points, -20, 0);
	/* the first icp.FIELD replaces that field's built-in rules */
	unsigned industries = 0, bands = 0;
	for (unsigned i = 0; i < r->n_icp; i++) {
		industries += r->icp[i].field == SCORING_ICP_INDUSTRY;
		bands += r->icp[i].field == SCORING_ICP_EMPLOYEES;
	}
	assert_int_equal(industries, 1);
	assert_int_equal(bands, 1);
	conf_release(&c);

	/* errors name the file and line, and say what is wanted */
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"[scoring]\nmql = lots\n", "t.conf:2: mql wants a number"},
		{"[scoring]\nmql = 1e2\n", "t.conf:2: mql wants a number"},
		{"[scoring]\nrecycle_after = 400d\n", "t.conf:2: recycle_after wants a duration"},
		{"[scoring]\nhql_distinct = 65\n",
		 "t.conf:2: hql_distinct wants a whole number from 1 to 64"},
		{"[scoring]\ntrend_delta = 0\n", "t.conf:2: trend_delta wants a number"},
		{"[scoring]\nevent.x = 5 nosuch\n", "t.conf:2: event.x: unknown class 'nosuch'"},
		{"[scoring]\nclass.x = soon\n", "t.conf:2: class.x wants a half-life"},
		{"[scoring]\nicp.employees = 5 50\n", "t.conf:2: icp.employees wants POINTS LO-HI"},
		{"[scoring]\nfit_grades = 10, 20, 30\n",
		 "t.conf:2: fit_grades wants three falling numbers"},
		{"[scoring]\nframework = SPIN\n",
		 "t.conf:2: framework wants BANT, CHAMP or MEDDIC"},
		{"[scoring]\nmql = 50\nrecycle = 60\n", "recycle (60) must not be above mql (50)"},
		{"[scoring]\ntitle.x = 5 (unclosed\n", "t.conf: [scoring]"},
		{"[scoring]\nnope = 1\n", "t.conf:2: unknown key 'nope' in [scoring]"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		conf_init(&c);
		e.msg[0] = '\0';
		if (load(&c, bad[i].text, &e) != LG_ECONFIG || !strstr(e.msg, bad[i].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, e.msg, bad[i].msg);
		conf_release(&c);
	}
}

/* [esp]: the webhooks' secrets as values, env:NAME and file:PATH, read by
 * conf_esp_policy() and only then. */
static void test_esp_keys(void **state)
{
	(void)state;
	struct conf c;
	struct esp_policy p;
	struct lg_err e = {{0}};
	char dir[] = "/tmp/lgconfXXXXXX";
	assert_non_null(mkdtemp(dir));
	char pwfile[256], keyfile[256], empty[256], twolines[256];
	write_file(dir, "postmark-pw", "pm secret #1\n", pwfile, sizeof(pwfile));
	/* a P-256 public key (tests/vectors/esp/sendgrid-doc-pub.b64), CRLF-ended */
	write_file(dir, "sendgrid.key",
		   "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbh"
		   "dbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==\r\n",
		   keyfile, sizeof(keyfile));
	write_file(dir, "empty", "\n", empty, sizeof(empty));
	write_file(dir, "two", "a\nb\n", twolines, sizeof(twolines));

	/* Nothing given: nothing configured, the default window. */
	conf_init(&c);
	assert_int_equal(conf_esp_policy(&c, &p, &e), LG_OK);
	assert_null(p.mailgun_signing_key);
	assert_null(p.sendgrid_public_key);
	assert_null(p.ses_user);
	assert_int_equal(p.window, 900);
	conf_release(&c);

	setenv("LG_TEST_MAILGUN", "key-from-env", 1);
	conf_init(&c);
	const char *text = "[esp]\n"
			   "mailgun.signing_key = env:LG_TEST_MAILGUN\n"
			   "sendgrid.public_key = file:sendgrid.key\n"
			   "ses.user = sns\n"
			   "ses.password = plain-pw\n"
			   "postmark.user = postmark\n"
			   "postmark.password = file:postmark-pw\n"
			   "window = 5m\n"
			   "sns_confirm_via = [::1]:8443\n"
			   "sns_confirm_ca = ca.pem\n";
	if (conf_load_text(&c, text, strlen(text), "w.conf", dir, &e) != LG_OK)
		fail_msg("%s", e.msg);
	/* Loading reads no secret: the specs are kept, relative paths made whole. */
	assert_string_equal(c.esp.mailgun_signing_key, "env:LG_TEST_MAILGUN");
	char want[300];
	snprintf(want, sizeof(want), "file:%s", keyfile);
	assert_string_equal(c.esp.sendgrid_public_key, want);
	if (conf_esp_policy(&c, &p, &e) != LG_OK)
		fail_msg("%s", e.msg);
	assert_string_equal(p.mailgun_signing_key, "key-from-env");
	assert_string_equal(
		p.sendgrid_public_key,
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsT"
		"bhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==");
	assert_string_equal(p.ses_user, "sns");
	assert_string_equal(p.ses_password, "plain-pw");
	assert_string_equal(p.postmark_user, "postmark");
	assert_string_equal(p.postmark_password, "pm secret #1"); /* a '#' in a file is kept */
	assert_int_equal(p.window, 300);
	/* Not secrets: as written, a relative path made whole. */
	assert_string_equal(p.sns_confirm_via, "[::1]:8443");
	snprintf(want, sizeof(want), "%s/ca.pem", dir);
	assert_string_equal(p.sns_confirm_ca, want);
	/* The variable unset since: named with the file and line of its key. */
	unsetenv("LG_TEST_MAILGUN");
	assert_int_equal(conf_esp_policy(&c, &p, &e), LG_ECONFIG);
	assert_string_equal(e.msg, "w.conf:2: mailgun.signing_key: $LG_TEST_MAILGUN is not set");
	setenv("LG_TEST_MAILGUN", "", 1);
	assert_int_equal(conf_esp_policy(&c, &p, &e), LG_ECONFIG);
	assert_string_equal(e.msg, "w.conf:2: mailgun.signing_key: $LG_TEST_MAILGUN is empty");
	unsetenv("LG_TEST_MAILGUN");
	conf_release(&c);

	/* Secrets that cannot be read, or are refused once read; msg follows
	 * the directory when there is a file. */
	static const struct {
		const char *text, *pre, *msg;
	} bad[] = {
		{"[esp]\npostmark.user = pm\npostmark.password = file:nothere\n",
		 "w.conf:3: postmark.password: ", "/nothere: No such file or directory"},
		{"[esp]\nmailgun.signing_key = file:empty\n",
		 "w.conf:2: mailgun.signing_key: ", "/empty: is empty"},
		{"[esp]\nmailgun.signing_key = file:two\n",
		 "w.conf:2: mailgun.signing_key: ", "/two: not one line of text"},
		{"[esp]\nsendgrid.public_key = aGVsbG8=\n", NULL,
		 "w.conf: [esp] sendgrid.public_key: not the base64 of an ECDSA P-256 public key "
		 "(SendGrid's verification key)"},
		{"[esp]\nses.user = a:b\nses.password = x\n", NULL,
		 "w.conf: [esp] ses.user: a user name in basic auth cannot hold ':'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		conf_init(&c);
		if (conf_load_text(&c, bad[i].text, strlen(bad[i].text), "w.conf", dir, &e) != LG_OK)
			fail_msg("%s", e.msg);
		assert_int_equal(conf_esp_policy(&c, &p, &e), LG_ECONFIG);
		if (bad[i].pre)
			snprintf(want, sizeof(want), "%s%s%s", bad[i].pre, dir, bad[i].msg);
		else
			snprintf(want, sizeof(want), "%s", bad[i].msg);
		assert_string_equal(e.msg, want);
		conf_release(&c);
	}

	/* Refused when the file is loaded. */
	static const struct {
		const char *text, *msg;
	} err[] = {
		{"[esp]\nmailgun.key = x\n", "t.conf:2: unknown key 'mailgun.key' in [esp]"},
		{"[esp]\nmailgun.signing_key = env:1BAD\n",
		 "t.conf:2: mailgun.signing_key: '1BAD' is not an environment variable's name"},
		{"[esp]\nmailgun.signing_key = env:\n",
		 "t.conf:2: mailgun.signing_key: '' is not an environment variable's name"},
		{"[esp]\nmailgun.signing_key = file:\n",
		 "t.conf:2: mailgun.signing_key: file: names no file"},
		{"[esp]\nwindow = 0s\n",
		 "t.conf:2: window wants a duration from 1s to 7d (\"15m\"), not '0s'"},
		{"[esp]\nwindow = 900\n",
		 "t.conf:2: window wants a duration from 1s to 7d (\"15m\"), not '900'"},
		{"[esp]\nwindow = 8d\n",
		 "t.conf:2: window wants a duration from 1s to 7d (\"15m\"), not '8d'"},
		{"[esp]\nses.user = sns\n",
		 "t.conf:2: [esp] ses.user is given without ses.password"},
		{"[esp]\n\npostmark.password = x\n",
		 "t.conf:3: [esp] postmark.password is given without postmark.user"},
		{"[esp]\nsns_confirm_via = 127.0.0.1\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not '127.0.0.1'"},
		{"[esp]\nsns_confirm_via = :8443\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not ':8443'"},
		{"[esp]\nsns_confirm_via = relay:0\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not 'relay:0'"},
		{"[esp]\nsns_confirm_via = relay:65536\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not "
		 "'relay:65536'"},
		{"[esp]\nsns_confirm_via = relay:\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not 'relay:'"},
		{"[esp]\nsns_confirm_via = https://relay:443\n",
		 "t.conf:2: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), not "
		 "'https://relay:443'"},
	};
	for (size_t i = 0; i < sizeof(err) / sizeof(*err); i++) {
		conf_init(&c);
		assert_int_equal(load(&c, err[i].text, &e), LG_ECONFIG);
		assert_string_equal(e.msg, err[i].msg);
		conf_release(&c);
	}
	unlink(pwfile);
	unlink(keyfile);
	unlink(empty);
	unlink(twolines);
	rmdir(dir);
}

/* The [esp] keys of the shipped leadgate.conf, uncommented, are keys. */
static void test_esp_shipped(void **state)
{
	(void)state;
	static const char *const keys[] = {"# mailgun.", "# sendgrid.", "# ses.", "# postmark.",
					   "# window ="};
	struct conf c;
	struct lg_err e = {{0}};
	FILE *f = fopen("conf/leadgate.conf", "rb");
	if (!f) {
		skip(); /* not run from the repository root */
		return;
	}
	struct lg_buf on = LG_BUF_INIT;
	char line[1024];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f)) {
		bool key = false;
		for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
			key |= !strncmp(line, keys[i], strlen(keys[i])) && strchr(line, '=');
		lg_buf_adds(&on, key ? line + 2 : line);
		n += key;
	}
	fclose(f);
	assert_int_equal(n, 7);
	conf_init(&c);
	if (conf_load_text(&c, on.data, on.len, "leadgate.conf", "conf", &e) != LG_OK)
		fail_msg("%s", e.msg);
	assert_string_equal(c.esp.mailgun_signing_key, "env:LEADGATE_MAILGUN_SIGNING_KEY");
	assert_string_equal(c.esp.ses_user, "sns");
	assert_string_equal(c.esp.ses_password, "file:/etc/leadgate/ses.password");
	assert_string_equal(c.esp.postmark_password, "env:LEADGATE_POSTMARK_PASSWORD");
	assert_int_equal(c.esp.window, ESP_WINDOW_DEFAULT); /* the default, as written */
	lg_buf_release(&on);
	conf_release(&c);
}

/* The shipped leadgate.conf loads, and its commented-out values are the
 * built-in defaults: uncommenting them changes nothing. */
/* conf_smtp_skip: the MX host suffixes of conf/lists/smtp-skip.txt,
 * matched on a label boundary, ASCII case ignored. */
static bool skip_mx(const struct conf *c, const char *mx)
{
	return conf_smtp_skip(c, mx, strlen(mx));
}

static void test_smtp_skip(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	assert_true(has(&c.smtp_skip, "yahoodns.net"));
	assert_false(has(&c.smtp_skip, "# mail hosts whose answer to rcpt to says nothing"));
	/* Yahoo's and AOL's MX hosts, as their domains publish them. */
	assert_true(skip_mx(&c, "mta5.am0.yahoodns.net"));
	assert_true(skip_mx(&c, "mx-aol.mail.gm0.yahoodns.net"));
	assert_true(skip_mx(&c, "MTA6.AM0.YahooDNS.NET"));
	assert_true(skip_mx(&c, "mta7.am0.yahoodns.net.")); /* the root's dot */
	assert_true(skip_mx(&c, "yahoodns.net"));
	/* Not on a label boundary, or another name. */
	assert_false(skip_mx(&c, "notyahoodns.net"));
	assert_false(skip_mx(&c, "mx.notyahoodns.net"));
	assert_false(skip_mx(&c, "yahoodns.net.example.com"));
	assert_false(skip_mx(&c, "ahoodns.net"));
	assert_false(skip_mx(&c, "gmail-smtp-in.l.google.com"));
	assert_false(skip_mx(&c, "example-com.mail.protection.outlook.com"));
	assert_false(skip_mx(&c, ""));
	assert_false(skip_mx(&c, "."));
	assert_false(skip_mx(&c, "net"));
	/* Only len bytes count: "yahoodns.net" is not the name given. */
	assert_false(conf_smtp_skip(&c, "mta5.am0.yahoodns.ne", 19));
	assert_true(conf_smtp_skip(&c, "mta5.am0.yahoodns.netXYZ", 21));

	/* An entry added to the list (one with a leading dot too). */
	static const char more[] = "# comment\nMX.Example.NET\n.relay.example.org # why\n";
	conf_list_add_text(&c, &c.smtp_skip, more, sizeof(more) - 1);
	assert_true(skip_mx(&c, "a.mx.example.net"));
	assert_true(skip_mx(&c, "mx.example.net"));
	assert_false(skip_mx(&c, "example.net"));
	assert_false(skip_mx(&c, "amx.example.net"));
	assert_true(skip_mx(&c, "in1.relay.example.org"));
	assert_true(skip_mx(&c, "relay.example.org"));
	assert_false(skip_mx(&c, "xrelay.example.org"));
	conf_release(&c);
}

static void test_shipped(void **state)
{
	(void)state;
	struct conf c, def;
	struct lg_err e = {{0}};
	FILE *f = fopen("conf/leadgate.conf", "rb");
	if (!f) {
		skip(); /* not run from the repository root */
		return;
	}
	struct lg_buf text = LG_BUF_INIT, on = LG_BUF_INIT;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		lg_buf_adds(&text, line);
		/* "# key = value" in [decay] and [gate] becomes "key = value". */
		if (!strncmp(line, "# ", 2) && strchr(line, '=') && !strchr(line, '"') &&
		    (strstr(line, "monthly_rate ") || strstr(line, "_days") ||
		     strstr(line, "threshold =") || strstr(line, "prior.") ||
		     strstr(line, "min_exported") || strstr(line, "listen =") ||
		     strstr(line, "rate =") || strstr(line, "burst =") ||
		     strstr(line, "max_body =") || strstr(line, "_connections =") ||
		     strstr(line, "timeout =") || strstr(line, "max_jobs =") ||
		     strstr(line, "port =") || strstr(line, "per_host =") ||
		     strstr(line, "total =") || strstr(line, "rcpt_max =") ||
		     strstr(line, "interval =") || strstr(line, "greylist_") ||
		     strstr(line, "tls =") || strstr(line, "enabled =")))
			lg_buf_adds(&on, line + 2);
		else
			lg_buf_adds(&on, line);
	}
	fclose(f);
	conf_init(&def);
	conf_init(&c);
	assert_int_equal(conf_load_text(&c, text.data, text.len, "leadgate.conf", "conf", &e),
			 LG_OK);
	if (conf_load_text(&c, on.data, on.len, "leadgate.conf", "conf", &e) != LG_OK)
		fail_msg("%s", e.msg);
	assert_near(c.decay.monthly_rate, def.decay.monthly_rate, 1e-15);
	assert_int_equal(c.decay.fresh_for, def.decay.fresh_for);
	assert_int_equal(c.decay.stale_after, def.decay.stale_after);
	assert_near(c.gate.threshold, def.gate.threshold, 1e-15);
	for (int i = 0; i < 4; i++)
		assert_near(c.gate.prior[i], def.gate.prior[i], 1e-15);
	assert_near(c.gate.prior_confirmed, def.gate.prior_confirmed, 1e-15);
	assert_near(c.gate.prior_accept_all, def.gate.prior_accept_all, 1e-15);
	assert_int_equal(c.gate.min_exported, def.gate.min_exported);
	assert_int_equal(c.n_source_rate, 0); /* the example source stays commented */
	assert_string_equal(c.serve.listen, SERVE_LISTEN_DEFAULT);
	assert_near(c.serve.rate, def.serve.rate, 0);
	assert_int_equal(c.serve.burst, def.serve.burst);
	assert_true(c.serve.max_body == def.serve.max_body);
	assert_int_equal(c.serve.max_connections, def.serve.max_connections);
	assert_int_equal(c.serve.per_ip, def.serve.per_ip);
	assert_int_equal(c.serve.timeout, def.serve.timeout);
	assert_int_equal(c.serve.max_jobs, def.serve.max_jobs);
	/* [smtp]: the shipped values are the defaults, the identity left out */
	assert_memory_equal(&c.smtp.enabled, &def.smtp.enabled, sizeof(bool));
	assert_int_equal(c.smtp.tls, def.smtp.tls);
	assert_null(c.smtp.helo);
	assert_null(c.smtp.mail_from);
	assert_null(c.smtp.proxy);
	assert_int_equal(c.smtp.port, def.smtp.port);
	assert_int_equal(c.smtp.per_host, def.smtp.per_host);
	assert_int_equal(c.smtp.total, def.smtp.total);
	assert_int_equal(c.smtp.rcpt_max, def.smtp.rcpt_max);
	assert_int_equal(c.smtp.interval_ms, def.smtp.interval_ms);
	assert_int_equal(c.smtp.connect_ms, def.smtp.connect_ms);
	assert_int_equal(c.smtp.banner_ms, def.smtp.banner_ms);
	assert_int_equal(c.smtp.reply_ms, def.smtp.reply_ms);
	assert_int_equal(c.smtp.greylist_wait_s, def.smtp.greylist_wait_s);
	assert_int_equal(c.smtp.greylist_delay_s, def.smtp.greylist_delay_s);
	lg_buf_release(&text);
	lg_buf_release(&on);
	conf_release(&c);
	conf_release(&def);
}

/* [smtp]: every key, its bounds, and the identity probing needs. */
/* The proxy's name resolved once, its address in its place; an address
 * stays as it is (only /etc/hosts' localhost is looked up here). */
static void test_smtp_proxy_resolve(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want, *also; /* also: another answer as good */
	} t[] = {
		{"[smtp]\nproxy = socks5://127.0.0.1:1080\n", "socks5://127.0.0.1:1080", NULL},
		{"[smtp]\nproxy = socks5://[::1]:1080\n", "socks5://[::1]:1080", NULL},
		{"[smtp]\nproxy = socks5://localhost:9050\n", "socks5://127.0.0.1:9050",
		 "socks5://[::1]:9050"},
		{"[smtp]\nhelo = probe.acme.io\n", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct conf c;
		struct lg_err e = {{0}};
		conf_init(&c);
		if (load(&c, t[i].text, &e) != LG_OK || conf_smtp_proxy_resolve(&c, &e) != LG_OK)
			fail_msg("%s: %s", t[i].text, e.msg);
		if (!t[i].want)
			assert_null(c.smtp.proxy);
		else if (!t[i].also || strcmp(c.smtp.proxy, t[i].also) != 0)
			assert_string_equal(c.smtp.proxy, t[i].want);
		conf_release(&c);
	}
}

static void test_smtp_keys(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	struct smtp_opts o;
	conf_init(&c);
	assert_false(c.smtp.enabled);
	assert_true(c.smtp.tls);
	assert_int_equal(c.smtp.port, 25);
	/* on without an identity: 78, saying what is missing */
	assert_int_equal(conf_smtp_opts(&c, &o, &e), LG_ECONFIG);
	assert_non_null(strstr(e.msg, "needs [smtp] helo"));
	const char *text = "[smtp]\n"
			   "enabled = true\n"
			   "helo = probe.acme-robotics.io\n"
			   "mail_from = verify@acme-robotics.io\n"
			   "port = 2525\n"
			   "proxy = socks5://127.0.0.1:1080\n"
			   "per_host = 3\n"
			   "total = 10\n"
			   "rcpt_max = 5\n"
			   "interval = 0\n"
			   "connect_timeout = 500\n"
			   "banner_timeout = 600\n"
			   "reply_timeout = 700\n"
			   "greylist_wait = 0\n"
			   "greylist_delay = 2\n"
			   "tls = no\n";
	if (load(&c, text, &e) != LG_OK)
		fail_msg("%s", e.msg);
	assert_true(c.smtp.enabled);
	if (conf_smtp_opts(&c, &o, &e) != LG_OK)
		fail_msg("%s", e.msg);
	assert_string_equal(o.helo, "probe.acme-robotics.io");
	assert_string_equal(o.mail_from, "verify@acme-robotics.io");
	assert_string_equal(o.proxy, "socks5://127.0.0.1:1080");
	assert_int_equal(o.port, 2525);
	assert_int_equal(o.per_host, 3);
	assert_int_equal(o.total, 10);
	assert_int_equal(o.rcpt_max, 5);
	assert_true(o.interval_ms < 0);     /* 0 in the file: none */
	assert_true(o.greylist_wait_s < 0); /* 0 in the file: never retried */
	assert_int_equal(o.connect_ms, 500);
	assert_int_equal(o.banner_ms, 600);
	assert_int_equal(o.reply_ms, 700);
	assert_int_equal(o.greylist_delay_s, 2);
	assert_true(o.no_tls);
	conf_release(&c);

	static const char *const bad[] = {
		"[smtp]\nport = 0\n",
		"[smtp]\nport = 65536\n",
		"[smtp]\nper_host = 0\n",
		"[smtp]\ntotal = 0\n",
		"[smtp]\nrcpt_max = 0\n",
		"[smtp]\ninterval = -1\n",
		"[smtp]\nconnect_timeout = 0\n",
		"[smtp]\ngreylist_delay = 0\n",
		"[smtp]\nenabled = maybe\n",
		"[smtp]\ntls = 2\n",
		"[smtp]\nproxy = 127.0.0.1:1080\n",
		"[smtp]\nproxy = socks5://host\n",
		"[smtp]\nproxy = socks4://h:1\n",
		"[smtp]\nproxy = socks5://:1080\n",
		"[smtp]\nsender = x@y.io\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		conf_init(&c);
		if (load(&c, bad[i], &e) != LG_ECONFIG)
			fail_msg("taken: %s", bad[i]);
		assert_non_null(strstr(e.msg, "t.conf:2: "));
		conf_release(&c);
	}

	/* The identity: good and refused pairs. */
	static const struct {
		const char *helo, *from;
		bool ok;
		const char *says;
	} id[] = {
		{"probe.acme.io", "verify@acme.io", true, NULL},
		{"acme.io", "verify@acme.io", true, NULL},
		{"mx1.eu.acme.co.uk", "a.b+c@acme.co.uk", true, NULL},
		{"Probe.Acme.IO", "v@acme.io", true, NULL},
		{"probe.acme.io", "verify@probe.acme.io", true, NULL},
		{NULL, "verify@acme.io", false, "needs [smtp] helo"},
		{"probe.acme.io", NULL, false, "needs [smtp] mail_from"},
		{"localhost", "a@localhost", false, "no dot"},
		{"mail.localhost", "a@mail.localhost", false, "nobody controls"},
		{"example.com", "a@example.com", false, "nobody controls"},
		{"probe.example.org", "a@example.org", false, "nobody controls"},
		{"probe", "a@probe", false, "no dot"},
		{"probe.acme.io", "a@example.com", false, "nobody controls"},
		{"probe.acme.io", "verify@other.io", false, "not on the domain"},
		{"probe.acme.io", "verify@me.io", false, "not on the domain"},
		{"probe.acme.io", "acme.io", false, "no address"},
		{"probe.acme.io", "@acme.io", false, "no address"},
		{"probe.acme.io", "a b@acme.io", false, "local part"},
		{"probe.acme.io", "a>@acme.io", false, "local part"},
		{"probe acme.io", "a@acme.io", false, "character"},
		{"probe.acme.io\r\nDATA", "a@acme.io", false, "character"},
		{"probe..acme.io", "a@acme.io", false, "empty label"},
		{"probe.acme.io.", "a@acme.io", false, "empty label"},
	};
	for (size_t i = 0; i < sizeof(id) / sizeof(*id); i++) {
		conf_init(&c);
		c.smtp.helo = id[i].helo;
		c.smtp.mail_from = id[i].from;
		enum lg_status st = conf_smtp_opts(&c, &o, &e);
		if ((st == LG_OK) != id[i].ok)
			fail_msg("%s / %s: %s", id[i].helo, id[i].from,
				 st == LG_OK ? "taken" : e.msg);
		if (!id[i].ok) {
			assert_int_equal(st, LG_ECONFIG);
			if (!strstr(e.msg, id[i].says))
				fail_msg("%s / %s: '%s' does not say '%s'", id[i].helo, id[i].from,
					 e.msg, id[i].says);
		}
		conf_release(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_decay_keys),
		cmocka_unit_test(test_gate_keys),
		cmocka_unit_test(test_scoring_keys),
		cmocka_unit_test(test_esp_keys),
		cmocka_unit_test(test_esp_shipped),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_serve_keys),
		cmocka_unit_test(test_smtp_keys),
		cmocka_unit_test(test_smtp_proxy_resolve),
		cmocka_unit_test(test_smtp_skip),
		cmocka_unit_test(test_header_comment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
