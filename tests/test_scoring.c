/*
 * test_scoring.c - the rubric, the decayed sums, a contact's state and
 * its score with the explanation.
 *
 * Time is always an argument: NOW is 2026-11-22T12:00:00Z, noon, so
 * "the same UTC day" and "the next one" are a few hours either way.  The
 * expected figures of the fixed cases are worked out in the comments; the
 * randomized ones are checked against a brute-force reference written
 * here from the definitions (every event's points x 2^(-age / half-life),
 * caps counted per type and UTC day in (at, id) order), not from the code
 * under test.
 */
#include "scoring/scoring_int.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define DAY ((int64_t)86400)
#define HOUR ((int64_t)3600)
#define NOW ((int64_t)1795348800) /* 2026-11-22T12:00:00Z */

/* cmocka 1.1.5's assert_near() rounds to float: too coarse here. */
#define assert_near(a, b, eps) near_at((a), (b), (eps), __FILE__, __LINE__)
static void near_at(double a, double b, double eps, const char *file, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s:%d: %.15g is not within %g of %.15g", file, line, a, eps, b);
}

/* Relative closeness, for sums that may be large. */
#define assert_rel(a, b, eps) near_at((a), (b), (eps)*fmax(1.0, fabs(b)), __FILE__, __LINE__)

static struct scoring_rubric rub;
static struct scoring_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	scoring_rubric_default(&rub);
	struct lg_err err;
	if (scoring_ctx_new(&ctx, &rub, &err) != LG_OK)
		fail_msg("%s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	scoring_ctx_free(ctx);
	return 0;
}

static unsigned T(const char *name)
{
	int i = scoring_type_find(&rub, name, strlen(name));
	if (i < 0)
		fail_msg("no type %s", name);
	return (unsigned)i;
}

static unsigned C(const char *name)
{
	int i = scoring_class_find(&rub, name, strlen(name));
	if (i < 0)
		fail_msg("no class %s", name);
	return (unsigned)i;
}

/* A deliverable contact verified at `verified`, nothing else known. */
static struct scoring_contact contact(const char *title, int64_t verified)
{
	struct scoring_contact c;
	memset(&c, 0, sizeof(c));
	c.status = 0;
	c.verified_at = verified;
	decay_policy_default(&c.decay);
	c.title = title;
	c.employees = -1;
	return c;
}

static struct scoring_event event(unsigned type, int64_t at, const char *id)
{
	struct scoring_event e = {type, at, -1, NULL, NULL, id};
	return e;
}

/* A small seeded generator (xorshift64*), so failures reproduce. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next_u64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}
static uint64_t below(uint64_t n)
{
	return next_u64() % n;
}

/* ---- lg_regex --------------------------------------------------------------- */

static void test_regex(void **state)
{
	(void)state;
	struct lg_regex *re;
	struct lg_err err;
	size_t ov[6];

	assert_int_equal(lg_regex_new(&re, "(a+)(x)?(b)", 0, &err), LG_OK);
	assert_int_equal(lg_regex_match(re, "zzaab", 5, ov, 3), 4);
	assert_int_equal(ov[0], 2);
	assert_int_equal(ov[1], 5);
	assert_int_equal(ov[2], 2);
	assert_int_equal(ov[3], 4);
	assert_true(ov[4] == SIZE_MAX && ov[5] == SIZE_MAX); /* (x)? took no part */
	/* Only n bytes are looked at: no NUL needed, none assumed. */
	assert_int_equal(lg_regex_match(re, "zzaab", 4, NULL, 0), 0);
	assert_int_equal(lg_regex_match(re, "", 0, ov, 3), 0);
	lg_regex_free(re);

	/* Caseless and UTF: case folding beyond ASCII, Unicode words. */
	assert_int_equal(lg_regex_new(&re, "\\bgeschäftsführer\\b",
				      LG_REGEX_CASELESS | LG_REGEX_UTF, &err),
			 LG_OK);
	assert_int_equal(lg_regex_match(re, "GESCHÄFTSFÜHRER", strlen("GESCHÄFTSFÜHRER"), NULL, 0),
			 1);
	assert_int_equal(lg_regex_match(re, "xgeschäftsführer", strlen("xgeschäftsführer"), NULL, 0),
			 0);
	/* A stray byte does not stop a match elsewhere in the subject. */
	const char bad[] = "\xff\xfe Geschäftsführer";
	assert_int_equal(lg_regex_match(re, bad, strlen(bad), NULL, 0), 1);
	lg_regex_free(re);

	/* The error names the offset and the pattern. */
	re = (struct lg_regex *)1;
	assert_int_equal(lg_regex_new(&re, "ab(c", 0, &err), LG_ECONFIG);
	assert_null(re);
	assert_non_null(strstr(err.msg, "at offset 4"));
	assert_non_null(strstr(err.msg, "\"ab(c\""));
	lg_regex_free(NULL);
}

/* ---- the rubric -------------------------------------------------------------- */

static void test_rubric_default(void **state)
{
	(void)state;
	struct lg_err err;
	assert_int_equal(scoring_rubric_check(&rub, &err), LG_OK);
	assert_int_equal(rub.n_cls, 14);
	assert_int_equal(rub.n_type, 16);
	assert_int_equal(rub.n_title, 5);
	assert_int_equal(rub.n_icp, 8);

	static const struct {
		const char *type, *cls;
		double points;
		unsigned cap;
		bool hi;
		unsigned min;
		enum scoring_axis axis;
		int64_t half_life;
		double class_cap;
	} v[] = {
		{"demo_request", "demo", 50, 1, true, 0, SCORING_ENGAGEMENT, 30, 0},
		{"pricing_visit", "pricing", 30, 1, true, 0, SCORING_ENGAGEMENT, 14, 0},
		{"email_reply", "reply", 20, 3, true, 0, SCORING_ENGAGEMENT, 21, 0},
		{"webinar_attended", "webinar", 15, 1, true, 0, SCORING_ENGAGEMENT, 45, 0},
		{"content_download", "content", 10, 3, false, 0, SCORING_ENGAGEMENT, 30, 40},
		{"email_click", "click", 3, 5, false, 0, SCORING_ENGAGEMENT, 10, 15},
		{"email_open", "open", 1, 3, false, 0, SCORING_ENGAGEMENT, 7, 5},
		{"unsubscribe", "unsubscribe", -25, 1, false, 0, SCORING_ENGAGEMENT, 90, 0},
		{"product_login", "product", 2, 1, false, 0, SCORING_PRODUCT, 14, 0},
		{"feature_used", "product", 5, 3, false, 0, SCORING_PRODUCT, 14, 0},
		{"invite_sent", "product", 10, 2, false, 0, SCORING_PRODUCT, 14, 0},
		{"funding", "funding", 20, 1, false, 0, SCORING_INTENT, 90, 0},
		{"hiring_surge", "hiring", 15, 1, false, 5, SCORING_INTENT, 30, 0},
		{"exec_change", "exec_change", 15, 1, false, 0, SCORING_INTENT, 60, 0},
		{"tech_change", "tech_change", 10, 1, false, 0, SCORING_INTENT, 60, 0},
		{"content_surge", "content_surge", 10, 1, false, 0, SCORING_INTENT, 14, 0},
	};
	unsigned long slots_seen = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		const struct scoring_type *t = &rub.type[T(v[i].type)];
		const struct scoring_class *c = &rub.cls[t->cls];
		assert_string_equal(c->name, v[i].cls);
		assert_near(t->points, v[i].points, 0);
		assert_int_equal(t->daily_cap, v[i].cap);
		assert_int_equal(t->high_intent, v[i].hi);
		assert_int_equal(t->min_count, v[i].min);
		assert_int_equal(c->axis, v[i].axis);
		assert_int_equal(c->half_life, v[i].half_life * DAY);
		assert_near(c->cap, v[i].class_cap, 0);
		/* The first capped type of a class counts next to the class's
		 * sum, the others after the classes. */
		assert_true(t->cap_slot >= 0 && t->cap_slot < 16);
		if (strcmp(v[i].type, "feature_used") == 0 || strcmp(v[i].type, "invite_sent") == 0)
			assert_true(t->cap_slot >= 14);
		else
			assert_int_equal(t->cap_slot, t->cls);
		assert_false(slots_seen & 1ul << t->cap_slot); /* none shared */
		slots_seen |= 1ul << t->cap_slot;
	}
	assert_int_equal(slots_seen, 0xffff);

	assert_near(rub.competitor_points, -50, 0);
	assert_int_equal(rub.n_competitor, 0);
	assert_near(rub.confidence[0], 1.0, 0);
	assert_near(rub.confidence[1], 0.6, 0);
	assert_near(rub.confidence[2], 0.0, 0);
	assert_near(rub.confidence[3], 0.4, 0);
	assert_near(rub.icp_min, 15, 0);
	assert_false(rub.intent_in_total);
	assert_near(rub.mql, 80, 0);
	assert_near(rub.recycle, 60, 0);
	assert_int_equal(rub.recycle_for, 7 * DAY);
	assert_int_equal(rub.hql_window, 14 * DAY);
	assert_int_equal(rub.hql_distinct, 2);
	assert_int_equal(rub.sql_window, 30 * DAY);
	assert_int_equal(rub.sql_events, 3);
	assert_near(rub.pql, 40, 0);
	assert_int_equal(rub.trend_window, 7 * DAY);
	assert_near(rub.trend_delta, 5, 0);
	assert_near(rub.fit_grade[0], 40, 0);
	assert_near(rub.fit_grade[2], 10, 0);
	assert_near(rub.eng_grade[0], 50, 0);
	assert_near(rub.eng_grade[2], 10, 0);
	assert_int_equal(rub.framework, SCORING_BANT);
	assert_near(rub.evidence_min_confidence, 0.5, 0);

	/* Look-ups ignore ASCII case and need the whole name. */
	assert_int_equal(scoring_type_find(&rub, "DEMO_Request", 12), 0);
	assert_int_equal(scoring_type_find(&rub, "demo_requestx", 12), 0);
	assert_int_equal(scoring_type_find(&rub, "demo", 4), -1);
	assert_int_equal(scoring_class_find(&rub, "Open", 4), 6);
	assert_int_equal(scoring_class_find(&rub, "nope", 4), -1);

	/* 14 classes x 16 bytes (sum, time, one cap counter) + the second
	 * and third capped product types x 4 bytes. */
	assert_int_equal(scoring_state_size(&rub), 14 * 16 + 2 * 4);
}

static void test_rubric_check(void **state)
{
	(void)state;
	static char names[SCORING_MAX_TYPES][8];
	static const struct {
		int field; /* which thing to break */
		const char *want;
	} v[] = {
		{0, "class \"demo\": half-life must be > 0"},
		{1, "type \"demo_request\": no such class"},
		{2, "more than 32 types with a daily cap"},
		{3, "class \"pricing\": defined twice"},
		{4, "rubric: recycle threshold 90 above mql 80"},
		{5, "grade thresholds"},
		{6, "ICP rule 5: employees range"},
		{7, "title rule 2: needs a label"},
		{8, "class \"open\": cap must be >= 0"},
		{9, "type \"email_open\": daily cap above 65535"},
		{10, "rubric: windows must be > 0"},
		{11, "rubric: competitor list missing"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct scoring_rubric r;
		struct lg_err err;
		scoring_rubric_default(&r);
		switch (v[i].field) {
		case 0: r.cls[0].half_life = 0; break;
		case 1: r.type[0].cls = 99; break;
		case 2:
			for (unsigned k = r.n_type; k < SCORING_MAX_TYPES; k++) {
				snprintf(names[k], sizeof(names[k]), "t%u", k);
				r.type[k] = r.type[0];
				r.type[k].name = names[k];
			}
			r.n_type = SCORING_MAX_TYPES;
			break;
		case 3: r.cls[0].name = "Pricing"; break;
		case 4: r.recycle = 90; break;
		case 5: r.fit_grade[1] = 50; break;
		case 6:
			r.icp[4].lo = 1000;
			r.icp[4].hi = 10;
			break;
		case 7: r.title[1].label = NULL; break;
		case 8: r.cls[6].cap = -1; break;
		case 9: r.type[6].daily_cap = 70000; break;
		case 10: r.hql_window = 0; break;
		case 11:
			r.n_competitor = 1;
			r.competitor = NULL;
			break;
		}
		assert_int_equal(scoring_rubric_check(&r, &err), LG_ECONFIG);
		if (!strstr(err.msg, v[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, v[i].want);
	}

	/* A bad title pattern is caught when the context compiles it. */
	struct scoring_rubric r;
	struct scoring_ctx *c;
	struct lg_err err;
	scoring_rubric_default(&r);
	r.title[2].pattern = "head(of";
	assert_int_equal(scoring_ctx_new(&c, &r, &err), LG_ECONFIG);
	assert_null(c);
	assert_non_null(strstr(err.msg, "title rule \"vp_director\""));
	assert_non_null(strstr(err.msg, "offset 7"));
}

/* ---- the decayed sum ----------------------------------------------------------- */

static void test_acc(void **state)
{
	(void)state;
	struct scoring_acc a = {0, 0};
	const int64_t h = 7 * DAY;

	assert_near(scoring_decay_factor(0, h), 1, 0);
	assert_near(scoring_decay_factor(7 * DAY, h), 0.5, 1e-15);
	assert_near(scoring_decay_factor(21 * DAY, h), 0.125, 1e-15);
	assert_near(scoring_decay_factor(-DAY, h), 1, 0); /* from the future: not decayed */

	scoring_acc_add(&a, 8, NOW, h);
	assert_near(scoring_acc_value(&a, NOW, h), 8, 0);
	assert_near(scoring_acc_value(&a, NOW + 7 * DAY, h), 4, 1e-12);
	/* An older event (late): 8 at NOW - 14 d is worth 2 at NOW. */
	scoring_acc_add(&a, 8, NOW - 14 * DAY, h);
	assert_int_equal(a.at, NOW);
	assert_near(scoring_acc_value(&a, NOW, h), 10, 1e-12);
	/* A newer one moves `at`: 10 at NOW is 5 at NOW + 7 d, plus 1. */
	scoring_acc_add(&a, 1, NOW + 7 * DAY, h);
	assert_int_equal(a.at, NOW + 7 * DAY);
	assert_near(scoring_acc_value(&a, NOW + 7 * DAY, h), 6, 1e-12);
	assert_near(scoring_acc_value(&a, NOW + 14 * DAY, h), 3, 1e-12);
	/* Asked about a time before `at`: s itself, never more. */
	assert_near(scoring_acc_value(&a, NOW, h), 6, 0);

	/* Exact against brute force: random points and times, any order. */
	for (int round = 0; round < 200; round++) {
		int64_t hl = (int64_t)(1 + below(60)) * DAY + (int64_t)below(DAY);
		struct scoring_acc x = {0, 0};
		double sum_abs = 0, want = 0;
		int64_t now = NOW + (int64_t)below(30 * DAY);
		int n = 1 + (int)below(200);
		for (int i = 0; i < n; i++) {
			double p = (double)((int)below(101) - 30);
			int64_t t = now - (int64_t)below(200 * DAY);
			scoring_acc_add(&x, p, t, hl);
			double f = exp2(-(double)(now - t) / (double)hl);
			want += p * f;
			sum_abs += fabs(p * f);
		}
		near_at(scoring_acc_value(&x, now, hl), want, 1e-9 * fmax(1, sum_abs), __FILE__,
			__LINE__);
	}
}

/* ---- a contact's state ----------------------------------------------------------- */

static void test_state_exact(void **state)
{
	(void)state;
	/* A rubric without daily caps, many classes of every axis, so any
	 * order of events is exact. */
	struct scoring_rubric r;
	scoring_rubric_default(&r);
	for (unsigned i = 0; i < r.n_type; i++) {
		r.type[i].daily_cap = 0;
		r.type[i].min_count = 0;
	}
	for (unsigned i = 0; i < r.n_cls; i++)
		r.cls[i].cap = 0;
	assert_int_equal(scoring_rubric_check(&r, NULL), LG_OK);
	assert_int_equal(scoring_state_size(&r), 14 * 16);

	_Alignas(double) unsigned char buf[SCORING_STATE_MAX];
	struct scoring_state *st = (struct scoring_state *)(void *)buf;
	for (int round = 0; round < 300; round++) {
		scoring_state_init(st, &r);
		double want[SCORING_MAX_CLASSES] = {0}, mags[SCORING_MAX_CLASSES] = {0};
		int64_t now = NOW + (int64_t)below(DAY);
		int n = (int)below(300);
		for (int i = 0; i < n; i++) {
			unsigned ty = (unsigned)below(r.n_type);
			int64_t t = now - (int64_t)below(180 * DAY); /* any order */
			assert_int_equal(scoring_state_add(st, &r, ty, t, -1), SCORING_ADDED);
			const struct scoring_class *c = &r.cls[r.type[ty].cls];
			double f = exp2(-(double)(now - t) / (double)c->half_life);
			want[r.type[ty].cls] += r.type[ty].points * f;
			mags[r.type[ty].cls] += fabs(r.type[ty].points * f);
		}
		double axis[3] = {0};
		for (unsigned c = 0; c < r.n_cls; c++) {
			near_at(scoring_state_class(st, &r, c, now), want[c],
				1e-9 * fmax(1, mags[c]), __FILE__, __LINE__);
			axis[r.cls[c].axis] += want[c];
		}
		for (int a = 0; a < 3; a++)
			assert_rel(scoring_state_axis(st, &r, (enum scoring_axis)a, now), axis[a],
				   1e-9);
	}

	/* The state's clock: before 2000 counts as 2000-01-01. */
	scoring_state_init(st, &r);
	assert_int_equal(scoring_state_add(st, &r, 0, 0, -1), SCORING_ADDED);
	assert_near(scoring_state_class(st, &r, 0, SCORING_EPOCH + 30 * DAY), 25, 1e-12);
}

static void test_daily_caps(void **state)
{
	(void)state;
	_Alignas(double) unsigned char buf[SCORING_STATE_MAX];
	struct scoring_state *st = (struct scoring_state *)(void *)buf;
	unsigned open = T("email_open"), cls = C("open");
	int64_t day0 = NOW - 12 * HOUR; /* midnight */

	scoring_state_init(st, &rub);
	/* Three opens on one day count, the fourth adds nothing. */
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 1 * HOUR, -1), SCORING_ADDED);
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 2 * HOUR, -1), SCORING_ADDED);
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 3 * HOUR, -1), SCORING_ADDED);
	double three = scoring_state_class(st, &rub, cls, day0 + 3 * HOUR);
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 4 * HOUR, -1), SCORING_CAPPED);
	assert_near(scoring_state_class(st, &rub, cls, day0 + 3 * HOUR), three, 0);
	double f1 = exp2(-2.0 / (7 * 24)), f2 = exp2(-1.0 / (7 * 24));
	assert_near(three, f1 + f2 + 1, 1e-12);
	/* A late event the same day while under... no: the day is full, and
	 * something of the class is later, so only a rebuild can tell. */
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 30 * 60, -1), SCORING_RECOUNT);
	/* Exactly at the latest time: the one to drop, whichever it is. */
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 3 * HOUR, -1), SCORING_CAPPED);
	/* The next day resets. */
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + DAY, -1), SCORING_ADDED);
	/* A late event on an earlier day: RECOUNT, nothing added. */
	double before = scoring_state_class(st, &rub, cls, day0 + DAY);
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + 5 * HOUR, -1), SCORING_RECOUNT);
	assert_near(scoring_state_class(st, &rub, cls, day0 + DAY), before, 0);
	/* A late event on the latest day under its cap counts, decayed. */
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + DAY + 2 * HOUR, -1),
			 SCORING_ADDED);
	assert_int_equal(scoring_state_add(st, &rub, open, day0 + DAY + HOUR, -1), SCORING_ADDED);
	double raw = before * exp2(-2.0 / (7 * 24)) + 1 + exp2(-1.0 / (7 * 24)); /* 5.7 */
	assert_near(scoring_state_raw(st, &rub, cls, day0 + DAY + 2 * HOUR), raw, 1e-12);
	assert_near(scoring_state_class(st, &rub, cls, day0 + DAY + 2 * HOUR), 5, 0); /* its cap */

	/* The UTC day edge: 23:59:59 and 00:00:00 are two days. */
	unsigned demo = T("demo_request");
	scoring_state_init(st, &rub);
	assert_int_equal(scoring_state_add(st, &rub, demo, day0 - 1, -1), SCORING_ADDED);
	assert_int_equal(scoring_state_add(st, &rub, demo, day0, -1), SCORING_ADDED);
	assert_int_equal(scoring_state_add(st, &rub, demo, day0 + DAY - 1, -1), SCORING_CAPPED);

	/* In scoring_score: the fourth open of a day is listed, capped, 0. */
	struct scoring_contact c = contact(NULL, NOW);
	struct scoring_event ev[5] = {
		event(open, day0 + 1 * HOUR, "o1"), event(open, day0 + 2 * HOUR, "o2"),
		event(open, day0 + 2 * HOUR, "o3"), event(open, day0 + 2 * HOUR, "o4"),
		event(open, day0 + 5 * HOUR, "o5"),
	};
	struct scoring_result r;
	struct scoring_line *lines;
	size_t n;
	scoring_score(ctx, &c, ev, 5, NULL, 0, NOW, &r, &lines, &n);
	assert_int_equal(n, 5);
	unsigned capped = 0;
	for (size_t i = 0; i < n; i++)
		if (lines[i].capped) {
			capped++;
			assert_near(lines[i].contribution, 0, 0);
			/* o4 and o5: the earliest three by (at, id) count */
			assert_true(strcmp(lines[i].detail, "o4") == 0 ||
				    strcmp(lines[i].detail, "o5") == 0);
		}
	assert_int_equal(capped, 2);
	assert_near(r.engagement, exp2(-11.0 / 168) + 2 * exp2(-10.0 / 168), 1e-12);
	free(lines);
}

static void test_class_caps(void **state)
{
	(void)state;
	/* Ten days of three opens: the open class holds about 17.6 but
	 * is capped at 5. */
	struct scoring_event ev[30];
	char ids[30][16];
	unsigned open = T("email_open");
	for (int i = 0; i < 30; i++) {
		snprintf(ids[i], sizeof(ids[i]), "o%02d", i);
		ev[i] = event(open, NOW - (9 - i / 3) * DAY - (2 - i % 3) * HOUR, ids[i]);
	}
	struct scoring_contact c = contact(NULL, NOW);
	struct scoring_result r;
	struct scoring_line *lines;
	size_t n;
	scoring_score(ctx, &c, ev, 30, NULL, 0, NOW, &r, &lines, &n);
	assert_near(r.engagement, 5, 1e-12);
	assert_near(r.total, 5, 1e-12);
	double raw = 0, sum = 0;
	int caplines = 0;
	for (int i = 0; i < 30; i++)
		raw += exp2(-(double)(NOW - ev[i].at) / (7.0 * DAY));
	for (size_t i = 0; i < n; i++) {
		sum += lines[i].contribution;
		if (lines[i].kind == SCORING_LINE_CLASS_CAP) {
			caplines++;
			assert_string_equal(lines[i].rule, "open");
			assert_near(lines[i].contribution, 5 - raw, 1e-9);
			assert_near(lines[i].points, 5, 0);
		}
	}
	assert_int_equal(caplines, 1);
	assert_near(sum, 5, 1e-9);
	/* The excess is the largest line, listed first. */
	assert_int_equal(lines[0].kind, SCORING_LINE_CLASS_CAP);
	free(lines);

	/* A negative class is capped in magnitude. */
	struct scoring_rubric nr;
	scoring_rubric_default(&nr);
	nr.cls[C("unsubscribe")].cap = 30;
	nr.type[T("unsubscribe")].daily_cap = 0;
	assert_int_equal(scoring_rubric_check(&nr, NULL), LG_OK);
	_Alignas(double) unsigned char buf[SCORING_STATE_MAX];
	struct scoring_state *st = (struct scoring_state *)(void *)buf;
	scoring_state_init(st, &nr);
	for (int i = 0; i < 3; i++)
		scoring_state_add(st, &nr, T("unsubscribe"), NOW, -1);
	assert_near(scoring_state_class(st, &nr, C("unsubscribe"), NOW), -30, 0);
	/* 75 decays to 30 after log2(2.5) half-lives of 90 days */
	assert_near(scoring_state_class(st, &nr, C("unsubscribe"), NOW + 200 * DAY),
		    -75 * exp2(-200.0 / 90), 1e-12);
}

static void test_min_count(void **state)
{
	(void)state;
	_Alignas(double) unsigned char buf[SCORING_STATE_MAX];
	struct scoring_state *st = (struct scoring_state *)(void *)buf;
	unsigned hs = T("hiring_surge"), cls = C("hiring");

	scoring_state_init(st, &rub);
	assert_int_equal(scoring_state_add(st, &rub, hs, NOW, 4), SCORING_BELOW);
	assert_near(scoring_state_class(st, &rub, cls, NOW), 0, 0);
	/* A BELOW event takes no cap slot: the 5 the same day still counts. */
	assert_int_equal(scoring_state_add(st, &rub, hs, NOW, 5), SCORING_ADDED);
	assert_near(scoring_state_class(st, &rub, cls, NOW), 15, 0);
	/* No count property: counts (here capped: same day). */
	assert_int_equal(scoring_state_add(st, &rub, hs, NOW, -1), SCORING_CAPPED);
	assert_int_equal(scoring_state_add(st, &rub, hs, NOW + DAY, -1), SCORING_ADDED);

	/* In scoring_score: account events, intent axis. */
	struct scoring_contact c = contact("Engineer", NOW);
	struct scoring_event acct[2] = {event(hs, NOW - 2 * DAY, "h4"), event(hs, NOW - DAY, "h5")};
	acct[0].count = 4;
	acct[1].count = 5;
	struct scoring_result r;
	struct scoring_line *lines;
	size_t n;
	scoring_score(ctx, &c, NULL, 0, acct, 2, NOW, &r, &lines, &n);
	assert_near(r.intent, 15 * exp2(-1.0 / 30), 1e-12);
	/* Intent is not in the default total: listed, contributes 0. */
	assert_near(r.total, 5, 1e-12); /* "Engineer": ic, +5 */
	size_t intent_lines = 0;
	for (size_t i = 0; i < n; i++)
		if (lines[i].kind == SCORING_LINE_INTENT) {
			intent_lines++;
			assert_string_equal(lines[i].detail, "h5");
			assert_near(lines[i].points, 15, 0);
			assert_near(lines[i].factor, exp2(-1.0 / 30), 1e-15);
			assert_near(lines[i].contribution, 0, 0);
		}
	assert_int_equal(intent_lines, 1);
	free(lines);
}

/* ---- the issue's own arithmetic ---------------------------------------------------- */

static void test_issue_arithmetic(void **state)
{
	(void)state;
	struct scoring_contact c = contact("Chief Executive Officer", NOW);
	struct scoring_event demo = event(T("demo_request"), NOW, "d1");
	struct scoring_result r;

	/* Verified today: q = 1.  C-level 30 + demo 50 = 80. */
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.q, 1, 0);
	assert_string_equal(r.seniority, "c_level");
	assert_near(r.fit_pos, 30, 0);
	assert_near(r.fit_eff, 30, 0);
	assert_near(r.engagement, 50, 0);
	assert_near(r.total, 80, 0);
	assert_true(r.eligible);
	assert_int_equal(r.freshness, DECAY_FRESH);
	assert_string_equal(r.grade, "B1"); /* fit 30 >= 25: B; E 50 >= 50: 1 */
	/* A week ago the demo had not happened: T was 30, now 80. */
	assert_near(r.total_before, 30, 0);
	assert_int_equal(r.trend, SCORING_IMPROVING);
	assert_false(r.below_recycle); /* 80 now */
	assert_int_equal(r.hi_events, 1);
	assert_int_equal(r.hi_distinct, 1);

	/* 30 quiet days later the demo is worth exactly 25 (one half-life)
	 * and the verdict has aged 30 days: q = 0.979^(30 d / month). */
	struct scoring_line *lines;
	size_t n;
	int64_t later = NOW + 30 * DAY;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, later, &r, &lines, &n);
	double q30 = decay_survival(&c.decay, 30 * DAY);
	assert_near(r.q, q30, 1e-15);
	assert_near(r.engagement, 25, 1e-12);
	assert_near(r.total, 30 * q30 + 25, 1e-12);
	assert_int_equal(r.freshness, DECAY_AGING); /* 30 days exactly: still aging */
	assert_true(r.eligible);
	assert_int_equal(n, 2);
	assert_int_equal(lines[0].kind, SCORING_LINE_TITLE); /* 29.4 > 25 */
	assert_string_equal(lines[0].rule, "c_level");
	assert_string_equal(lines[0].detail, "Chief Executive Officer");
	assert_near(lines[0].factor, q30, 1e-15);
	assert_int_equal(lines[1].kind, SCORING_LINE_EVENT);
	assert_string_equal(lines[1].rule, "demo_request");
	assert_string_equal(lines[1].detail, "d1");
	assert_near(lines[1].points, 50, 0);
	assert_near(lines[1].factor, 0.5, 1e-15);
	assert_near(lines[1].contribution, 25, 1e-12);
	free(lines);
	/* A day more and the verdict is stale: not eligible. */
	scoring_score(ctx, &c, &demo, 1, NULL, 0, later + DAY, &r, NULL, NULL);
	assert_int_equal(r.freshness, DECAY_STALE);
	assert_false(r.eligible);

	/* The same contact, undeliverable: q = 0, fit counts nothing. */
	c.status = 2;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.q, 0, 0);
	assert_near(r.fit_eff, 0, 0);
	assert_near(r.total, 50, 0);
	assert_false(r.eligible);
	/* Risky and unknown: 0.6 and 0.4; never verified and suppressed: 0. */
	c.status = 1;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.total, 0.6 * 30 + 50, 1e-12);
	assert_false(r.eligible);
	c.status = 3;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.q, 0.4, 0);
	c.status = -1;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.q, 0, 0);
	c.status = 0;
	c.suppressed = true;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.q, 0, 0);
	assert_false(r.eligible);

	/* Events after now are ignored. */
	c.suppressed = false;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW - 1, &r, NULL, NULL);
	assert_near(r.engagement, 0, 0);
	assert_int_equal(r.hi_events, 0);
}

/* ---- fit --------------------------------------------------------------------------- */

static void test_titles(void **state)
{
	(void)state;
	static const struct {
		const char *title, *label; /* NULL: no rule */
	} v[] = {
		{"Chief Executive Officer", "c_level"},
		{"CEO", "c_level"},
		{"ceo & co-founder", "c_level"},
		{"Co-Founder & CTO", "c_level"},
		{"Founder", "c_level"},
		{"Owner", "c_level"},
		{"President", "c_level"},
		{"Managing Director", "c_level"},
		{"Chief Information Security Officer", "c_level"},
		{"Chairman of the Board", "c_level"},
		{"Geschäftsführer", "c_level"},
		{"GESCHÄFTSFÜHRERIN", "c_level"},
		{"Geschaeftsfuehrer", "c_level"},
		{"Directeur général", "c_level"},
		{"Directrice Générale", "c_level"},
		{"PDG", "c_level"},
		{"Director General", "c_level"},
		{"Director General de Operaciones", "c_level"},
		{"Présidente", "c_level"},
		{"Amministratore Delegato", "c_level"},
		{"Consejero Delegado", "c_level"},
		{"Inhaber", "c_level"},
		{"Mitglied des Vorstands", "c_level"},
		{"Ex-CEO", "ic"},
		{"代表取締役社長", "c_level"},
		{"Генеральный директор", "c_level"},
		{"Product Owner", "ic"},
		{"Executive Assistant to the CEO", "ic"},
		{"Assistentin der Geschäftsführung", "ic"},
		{"Vice President of Sales", "vp_director"},
		{"Senior Vice-President, Marketing", "vp_director"},
		{"Executive Vice President", "vp_director"},
		{"SVP Engineering", "vp_director"},
		{"VP, Product", "vp_director"},
		{"Vice Chairman", "vp_director"},
		{"Vizepräsident Vertrieb", "vp_director"},
		{"Vice-Présidente Ventes", "vp_director"},
		{"Vicepresidente Comercial", "vp_director"},
		{"International Sales Director", "vp_director"},
		{"Head of Growth", "vp_director"},
		{"Marketing Head", "vp_director"},
		{"Chief of Staff", "vp_director"},
		{"Directeur Commercial", "vp_director"},
		{"Director de Marketing", "vp_director"},
		{"Abteilungsleiter Einkauf", "vp_director"},
		{"General Manager", "vp_director"},
		{"副社長", "vp_director"},
		{"销售总监", "vp_director"},
		{"Sales Manager", "manager"},
		{"Jefe de Ventas", "manager"},
		{"Responsable Marketing", "manager"},
		{"Teamleiter Vertrieb", "manager"},
		{"Leiter IT", "manager"},
		{"Chef de projet", "manager"},
		{"Team Lead", "manager"},
		{"Tech Lead, Payments", "manager"},
		{"Student Success Manager", "manager"},
		{"Internal Audit Manager", "manager"},
		{"产品经理", "manager"},
		{"Praktikant Marketing", "student"},
		{"Stagiaire en communication", "student"},
		{"Becario de I+D", "student"},
		{"Werkstudentin Data Science", "student"},
		{"Marketing Intern", "student"},
		{"INTERN", "student"},
		{"Graduate Trainee", "student"},
		{"Apprentice Electrician", "student"},
		{"PhD Student", "student"},
		{"Estagiária de Vendas", "student"},
		{"Software Engineer", "ic"},
		{"Lead Generation Specialist", "ic"},
		{"Account Executive", "ic"},
		{"Internationalization Engineer", "ic"},
		{"Ingénieur d'affaires", "ic"},
		{"Engineer \xff\xfe", "ic"}, /* a stray byte: the rest still matches */
		{"\xc3 CEO", "c_level"},
		{"-", NULL},
		{"   ", NULL},
		{"", NULL},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct scoring_contact c = contact(v[i].title, NOW);
		struct scoring_result r;
		scoring_score(ctx, &c, NULL, 0, NULL, 0, NOW, &r, NULL, NULL);
		const char *got = r.seniority;
		if ((got == NULL) != (v[i].label == NULL) || (got && strcmp(got, v[i].label) != 0))
			fail_msg("title \"%s\": got %s, want %s", v[i].title, got ? got : "(none)",
				 v[i].label ? v[i].label : "(none)");
		/* the rule alone, as a caller keeps it per title; scored with it
		 * known, the same */
		int k = scoring_title_rule(ctx, v[i].title);
		const char *label = k >= 0 ? rub.title[k].label : NULL;
		if ((label == NULL) != (v[i].label == NULL) ||
		    (label && strcmp(label, v[i].label) != 0))
			fail_msg("scoring_title_rule(\"%s\"): %s, want %s", v[i].title,
				 label ? label : "(none)", v[i].label ? v[i].label : "(none)");
		struct scoring_result rk;
		c.title_known = true;
		c.title_rule = k;
		scoring_score(ctx, &c, NULL, 0, NULL, 0, NOW, &rk, NULL, NULL);
		assert_true(rk.seniority == r.seniority);
		assert_near(rk.total, r.total, 0);
	}
	assert_int_equal(scoring_title_rule(ctx, NULL), -1);
	/* A rule known is the one that counts: the title is not matched again. */
	struct scoring_contact ck = contact("CEO", NOW);
	struct scoring_result rk;
	ck.title_known = true;
	ck.title_rule = scoring_title_rule(ctx, "Engineer");
	scoring_score(ctx, &ck, NULL, 0, NULL, 0, NOW, &rk, NULL, NULL);
	assert_string_equal(rk.seniority, "ic");

	/* The points of each label. */
	static const struct {
		const char *title;
		double fit;
	} p[] = {{"CEO", 30},     {"VP Sales", 25}, {"Sales Manager", 15},
		 {"Engineer", 5}, {"Intern", -30},  {NULL, 0}};
	for (size_t i = 0; i < sizeof(p) / sizeof(*p); i++) {
		struct scoring_contact c = contact(p[i].title, NOW);
		struct scoring_result r;
		scoring_score(ctx, &c, NULL, 0, NULL, 0, NOW, &r, NULL, NULL);
		assert_near(r.fit_pos + r.fit_neg, p[i].fit, 0);
		assert_near(r.total, p[i].fit, 0);
	}

	/* A very long title is matched on its first 256 bytes. */
	char longt[1000];
	memset(longt, 'x', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	memcpy(longt + 900, " CEO", 4);
	struct scoring_contact c = contact(longt, NOW);
	struct scoring_result r;
	scoring_score(ctx, &c, NULL, 0, NULL, 0, NOW, &r, NULL, NULL);
	assert_string_equal(r.seniority, "ic");
}

static void test_icp_competitor(void **state)
{
	(void)state;
	static const char *const rivals[] = {"rival.com", "other.io"};
	struct scoring_rubric rr;
	struct scoring_ctx *cx;
	scoring_rubric_default(&rr);
	rr.competitor = rivals;
	rr.n_competitor = 2;
	rr.icp[rr.n_icp++] = (struct scoring_icp_rule){SCORING_ICP_REGION, "EMEA", 0, 0, 7};
	rr.icp[rr.n_icp++] = (struct scoring_icp_rule){SCORING_ICP_INDUSTRY, "tobacco", 0, 0, -20};
	assert_int_equal(scoring_rubric_check(&rr, NULL), LG_OK);
	assert_int_equal(scoring_ctx_new(&cx, &rr, NULL), LG_OK);

	static const struct {
		const char *industry, *region, *domain;
		long employees;
		double fit_icp, fit_pos, fit_neg;
		bool icp, competitor;
	} v[] = {
		/* software 10 + 50..999 10 = 20 >= 15 */
		{"Software", NULL, "acme.com", 200, 20, 20, 0, true, false},
		{"SAAS", NULL, NULL, -1, 10, 10, 0, false, false},
		{"Information Technology", "emea", NULL, 11, 22, 22, 0, true, false},
		{"information  technology", NULL, NULL, 49, 5, 5, 0, false, false},
		{"Internet", NULL, NULL, 5000, 15, 15, 0, true, false},
		{NULL, NULL, NULL, 1000, 10, 10, 0, false, false},
		{NULL, NULL, NULL, 4999, 10, 10, 0, false, false},
		{NULL, NULL, NULL, 10, 0, 0, 0, false, false},
		{NULL, NULL, NULL, 999, 10, 10, 0, false, false},
		{"Tobacco", NULL, NULL, 60, -10, 10, -20, false, false},
		{"software", NULL, "rival.com", 60, 20, 20, -50, true, true},
		{"software", NULL, "rival.co", 60, 20, 20, 0, true, false},
		{"software", NULL, "sub.rival.com", 60, 20, 20, 0, true, false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct scoring_contact c = contact(NULL, NOW);
		c.industry = v[i].industry;
		c.region = v[i].region;
		c.domain = v[i].domain;
		c.employees = v[i].employees;
		struct scoring_result r;
		struct scoring_line *lines;
		size_t n;
		scoring_score(cx, &c, NULL, 0, NULL, 0, NOW, &r, &lines, &n);
		if (r.fit_icp != v[i].fit_icp || r.fit_pos != v[i].fit_pos ||
		    r.fit_neg != v[i].fit_neg || r.icp != v[i].icp ||
		    r.competitor != v[i].competitor)
			fail_msg("case %zu: icp %g pos %g neg %g icp %d competitor %d", i,
				 r.fit_icp, r.fit_pos, r.fit_neg, r.icp, r.competitor);
		assert_int_equal(r.eligible, !v[i].competitor);
		double sum = 0;
		for (size_t k = 0; k < n; k++)
			sum += lines[k].contribution;
		assert_near(sum, r.total, 1e-12);
		free(lines);
	}

	/* Negative fit is not scaled by q; positive is. */
	struct scoring_contact c = contact(NULL, NOW);
	c.status = 1; /* risky: 0.6 */
	c.industry = "software";
	c.employees = 100;
	c.domain = "rival.com";
	struct scoring_result r;
	struct scoring_line *lines;
	size_t n;
	scoring_score(cx, &c, NULL, 0, NULL, 0, NOW, &r, &lines, &n);
	assert_near(r.fit_eff, 0.6 * 20 - 50, 1e-12);
	assert_int_equal(n, 3);
	assert_int_equal(lines[0].kind, SCORING_LINE_COMPETITOR);
	assert_string_equal(lines[0].detail, "rival.com");
	assert_near(lines[0].factor, 1, 0);
	assert_near(lines[0].contribution, -50, 0);
	assert_int_equal(lines[1].kind, SCORING_LINE_ICP);
	assert_string_equal(lines[1].rule, "software");
	assert_string_equal(lines[1].detail, "software");
	assert_near(lines[1].factor, 0.6, 0);
	assert_int_equal(lines[2].kind, SCORING_LINE_ICP);
	assert_null(lines[2].detail); /* employees: the contact's own figure */
	free(lines);
	scoring_ctx_free(cx);
}

/* ---- grade, trend, windows, recycling ------------------------------------------------- */

static void test_grade_trend(void **state)
{
	(void)state;
	static const struct {
		const char *title;
		const char *industry;
		long employees;
		unsigned demos; /* demo requests, one a day ending today */
		const char *grade;
	} v[] = {
		{"CEO", "software", 100, 1, "A1"},    /* 30 + 20 = 50; 50 */
		{"CEO", NULL, -1, 0, "B4"},           /* 30; 0 */
		{"Sales Manager", NULL, 60, 0, "B4"}, /* 15 + 10 = 25 */
		{"Engineer", "saas", -1, 0, "C4"},    /* 5 + 10 = 15 */
		{"Engineer", NULL, -1, 0, "D4"},      /* 5 */
		{"Intern", "software", 100, 0, "D4"}, /* -30 + 20 = -10 */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct scoring_contact c = contact(v[i].title, NOW);
		c.industry = v[i].industry;
		c.employees = v[i].employees;
		struct scoring_event demo = event(T("demo_request"), NOW, "d");
		struct scoring_result r;
		scoring_score(ctx, &c, &demo, v[i].demos, NULL, 0, NOW, &r, NULL, NULL);
		if (strcmp(r.grade, v[i].grade) != 0)
			fail_msg("case %zu: grade %s, want %s", i, r.grade, v[i].grade);
	}

	/* Engagement digits: E 25 -> 2, 10 -> 3, 9.99 -> 4. */
	static const struct {
		int64_t age; /* of one demo request (50, half-life 30 d) */
		char digit;
	} e[] = {{30 * DAY, '2'},
		 {30 * DAY + 1, '3'},
		 {(int64_t)(30 * DAY * log2(5.0)), '3'},
		 {(int64_t)(30 * DAY * log2(5.0)) + 100, '4'}};
	for (size_t i = 0; i < sizeof(e) / sizeof(*e); i++) {
		struct scoring_contact c = contact("Engineer", NOW);
		struct scoring_event demo = event(T("demo_request"), NOW - e[i].age, "d");
		struct scoring_result r;
		scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
		if (r.grade[1] != e[i].digit)
			fail_msg("age %lld: E %.9g, digit %c, want %c", (long long)e[i].age,
				 r.engagement, r.grade[1], e[i].digit);
	}

	/* Trend.  A demo 30 days ago decays from 50 x 2^(-23/30) = 29.46 a
	 * week ago to 25 now: down 4.46 < 5, steady.  Add a pricing visit
	 * (30, half-life 14 d) exactly 7 days ago: it counts at the week-ago
	 * instant, T = 59.46 then, 25 + 30 x 2^(-1/2) = 46.21 now: declining.
	 * One second later it does not count then: 29.46 -> 46.21,
	 * improving. */
	struct scoring_contact c = contact(NULL, NOW);
	struct scoring_result r;
	struct scoring_event a[2] = {event(T("demo_request"), NOW - 30 * DAY, "a")};
	scoring_score(ctx, &c, a, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.total_before, 50 * exp2(-23.0 / 30), 1e-12);
	assert_int_equal(r.trend, SCORING_STEADY);
	a[1] = event(T("pricing_visit"), NOW - 7 * DAY, "b");
	scoring_score(ctx, &c, a, 2, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.total_before, 50 * exp2(-23.0 / 30) + 30, 1e-12);
	assert_near(r.total, 25 + 30 * exp2(-0.5), 1e-12);
	assert_int_equal(r.trend, SCORING_DECLINING);
	a[1].at = NOW - 7 * DAY + 1; /* a second after the week-ago instant */
	scoring_score(ctx, &c, a, 2, NULL, 0, NOW, &r, NULL, NULL);
	assert_near(r.total_before, 50 * exp2(-23.0 / 30), 1e-12);
	assert_int_equal(r.trend, SCORING_IMPROVING);
	assert_string_equal(scoring_trend_name(r.trend), "improving");
	assert_string_equal(scoring_trend_name(SCORING_STEADY), "steady");
	assert_string_equal(scoring_trend_name(SCORING_DECLINING), "declining");
	assert_string_equal(scoring_trend_name((enum scoring_trend)9), "?");
}

static void test_windows(void **state)
{
	(void)state;
	unsigned demo = T("demo_request"), pricing = T("pricing_visit"), reply = T("email_reply"),
		 open = T("email_open");
	static const struct {
		int64_t age;
		const char *type, *channel, *asset;
	} ev[] = {
		{40 * DAY, "demo_request", "web", "demo-form"}, /* outside both windows */
		{29 * DAY, "pricing_visit", "web", "pricing"},  /* sql window only */
		{14 * DAY, "email_reply", "email", NULL},       /* hql edge: excluded */
		{14 * DAY - 1, "email_reply", "EMAIL", NULL},   /* in: asset = type name */
		{3 * DAY, "pricing_visit", "web", "pricing"},
		{3 * DAY, "pricing_visit", "web", "pricing-eu"}, /* capped: same day */
		{2 * DAY, "email_open", "email", "newsletter"},  /* not high-intent */
		{1 * DAY, "webinar_attended", NULL, "webinar-11"},
	};
	struct scoring_event e[8];
	char ids[8][16];
	for (size_t i = 0; i < 8; i++) {
		snprintf(ids[i], sizeof(ids[i]), "e%zu", i);
		e[i] = event(T(ev[i].type), NOW - ev[i].age, ids[i]);
		e[i].channel = ev[i].channel;
		e[i].asset = ev[i].asset;
	}
	(void)demo, (void)pricing, (void)reply, (void)open;
	struct scoring_contact c = contact(NULL, NOW);
	struct scoring_result r;
	scoring_score(ctx, &c, e, 8, NULL, 0, NOW, &r, NULL, NULL);
	/* hql (14 d): e3 (email; "email_reply"), e4 (web; pricing), e7
	 * (no channel; webinar-11): channels {email, web} = 2, assets 3. */
	assert_int_equal(r.hi_distinct, 3);
	/* sql (30 d): e1 e2 e3 e4 e7 = 5; e5 capped, e0 too old. */
	assert_int_equal(r.hi_events, 5);
	/* Only channels: two events on one asset through two channels. */
	struct scoring_event two[2] = {event(demo, NOW - DAY, "x"), event(demo, NOW, "y")};
	two[0].channel = "web";
	two[1].channel = "sdr";
	two[0].asset = two[1].asset = "demo";
	scoring_score(ctx, &c, two, 2, NULL, 0, NOW, &r, NULL, NULL);
	assert_int_equal(r.hi_distinct, 2);
	assert_int_equal(r.hi_events, 2);
	/* No channel, no asset: the types are the assets. */
	two[0].channel = two[1].channel = two[0].asset = two[1].asset = NULL;
	scoring_score(ctx, &c, two, 2, NULL, 0, NOW, &r, NULL, NULL);
	assert_int_equal(r.hi_distinct, 1);
	two[1].type = reply;
	scoring_score(ctx, &c, two, 2, NULL, 0, NOW, &r, NULL, NULL);
	assert_int_equal(r.hi_distinct, 2);
}

static void test_below_recycle(void **state)
{
	(void)state;
	/* CEO (30) + an email reply: T = 30 + 20 x 2^(-age/21 d).  T < 60
	 * needs ... always, 20 < 30.  So take a demo request instead:
	 * 30 + 50 x 2^(-age/30 d) < 60 when 2^(-age/30) < 0.6, age >
	 * 30 x log2(1/0.6) = 22.1 days.  below_recycle needs T < 60 at now
	 * and each day back to now - 7 d: the demo must be older than 29.1
	 * days. */
	struct scoring_contact c = contact("CEO", NOW);
	struct scoring_result r;
	double edge = 30 * log2(1 / 0.6) * DAY; /* 22.11 days */
	static const struct {
		double age_days;
		bool below;
	} v[] = {{30, true}, {29.2, true}, {29.0, false}, {25, false}, {1, false}};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct scoring_event demo = event(T("demo_request"),
						  NOW - (int64_t)(v[i].age_days * DAY), "d");
		scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
		if (r.below_recycle != v[i].below)
			fail_msg("age %g d: below_recycle %d", v[i].age_days, r.below_recycle);
	}
	/* Right at the edge 7 days back. */
	int64_t age = (int64_t)ceil(edge) + 7 * DAY;
	struct scoring_event demo = event(T("demo_request"), NOW - age, "d");
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_true(r.below_recycle);
	demo.at += 2;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_false(r.below_recycle);
	/* A lead with nothing: T = 30 < 60, below. */
	scoring_score(ctx, &c, NULL, 0, NULL, 0, NOW, &r, NULL, NULL);
	assert_true(r.below_recycle);
	/* A fresh demo only three days ago: T was 30 five days ago but is 76
	 * now, not below. */
	demo.at = NOW - 3 * DAY;
	scoring_score(ctx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_false(r.below_recycle);
	/* recycle_for = 0: now alone. */
	struct scoring_rubric rr;
	struct scoring_ctx *cx;
	scoring_rubric_default(&rr);
	rr.recycle_for = 0;
	assert_int_equal(scoring_ctx_new(&cx, &rr, NULL), LG_OK);
	demo.at = NOW - 25 * DAY;
	scoring_score(cx, &c, &demo, 1, NULL, 0, NOW, &r, NULL, NULL);
	assert_true(r.below_recycle);
	scoring_ctx_free(cx);
}

/* ---- the randomized invariants ---------------------------------------------------------- */

/* The reference: everything from the definitions. */
struct ref {
	double E, P, I, T;
	unsigned hi_distinct, hi_events;
};

static int ev_cmp(const void *pa, const void *pb)
{
	const struct scoring_event *a = pa, *b = pb;
	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return strcmp(a->id, b->id);
}

static void ref_axes(const struct scoring_rubric *r, const struct scoring_event *ev, size_t n,
		     bool account, int64_t t, double cls[SCORING_MAX_CLASSES])
{
	int64_t day[SCORING_MAX_TYPES];
	unsigned used[SCORING_MAX_TYPES] = {0};
	for (unsigned i = 0; i < SCORING_MAX_TYPES; i++)
		day[i] = INT64_MIN;
	for (size_t i = 0; i < n && ev[i].at <= t; i++) {
		const struct scoring_type *ty = &r->type[ev[i].type];
		const struct scoring_class *c = &r->cls[ty->cls];
		if ((c->axis == SCORING_INTENT) != account)
			continue;
		if (ty->min_count && ev[i].count >= 0 && (unsigned long)ev[i].count < ty->min_count)
			continue;
		if (ty->daily_cap) {
			int64_t d = ev[i].at / DAY;
			if (d != day[ev[i].type]) {
				day[ev[i].type] = d;
				used[ev[i].type] = 0;
			}
			if (used[ev[i].type] >= ty->daily_cap)
				continue;
			used[ev[i].type]++;
		}
		cls[ty->cls] += ty->points * exp2(-(double)(t - ev[i].at) / (double)c->half_life);
	}
}

static struct ref reference(const struct scoring_rubric *r, double fit_eff,
			    const struct scoring_event *ev, size_t n,
			    const struct scoring_event *acct, size_t na, int64_t t)
{
	struct ref x = {0};
	double cc[SCORING_MAX_CLASSES] = {0}, ac[SCORING_MAX_CLASSES] = {0};
	ref_axes(r, ev, n, false, t, cc);
	ref_axes(r, acct, na, true, t, ac);
	for (unsigned c = 0; c < r->n_cls; c++) {
		double v = r->cls[c].axis == SCORING_INTENT ? ac[c] : cc[c];
		if (r->cls[c].cap > 0)
			v = fmax(-r->cls[c].cap, fmin(r->cls[c].cap, v));
		if (r->cls[c].axis == SCORING_ENGAGEMENT)
			x.E += v;
		else if (r->cls[c].axis == SCORING_PRODUCT)
			x.P += v;
		else
			x.I += v;
	}
	x.T = fit_eff + x.E + (r->intent_in_total ? x.I : 0);
	return x;
}

static void test_random_invariants(void **state)
{
	(void)state;
	static const char *const titles[] = {
		"CEO",      "VP Marketing", "Praktikant",        "Leiter Einkauf",
		"Engineer", NULL,           "Directeur général", "Owner"};
	static const char *const industries[] = {"Software", "Retail", NULL, "internet"};
	static const char *const domains[] = {"acme.com", "rival.com", NULL};
	static const char *const channels[] = {"web", "email", "sdr", NULL};
	static const char *const assets[] = {"pricing", "demo", "case-study", NULL};
	static const char *const rivals[] = {"rival.com"};
	struct scoring_rubric rr[2];
	struct scoring_ctx *cx[2];
	for (int k = 0; k < 2; k++) {
		scoring_rubric_default(&rr[k]);
		rr[k].competitor = rivals;
		rr[k].n_competitor = 1;
		rr[k].intent_in_total = k == 1;
		assert_int_equal(scoring_rubric_check(&rr[k], NULL), LG_OK);
		assert_int_equal(scoring_ctx_new(&cx[k], &rr[k], NULL), LG_OK);
	}

	enum { MAXEV = 120 };
	struct scoring_event ev[MAXEV], acct[MAXEV];
	char ids[MAXEV][16], aids[MAXEV][16];
	unsigned intent_types[5] = {T("funding"), T("hiring_surge"), T("exec_change"),
				    T("tech_change"), T("content_surge")};
	for (int round = 0; round < 3000; round++) {
		int k = round & 1;
		const struct scoring_rubric *r = &rr[k];
		int64_t now = NOW + (int64_t)below(DAY);
		struct scoring_contact c = contact(titles[below(8)], now - (int64_t)below(40 * DAY));
		c.status = (int)below(5) - 1;
		c.suppressed = below(10) == 0;
		c.industry = industries[below(4)];
		c.domain = domains[below(3)];
		c.employees = (long)below(3000) - 1;

		size_t n = (size_t)below(MAXEV + 1), na = (size_t)below(12);
		for (size_t i = 0; i < n; i++) {
			snprintf(ids[i], sizeof(ids[i]), "c%03zu", i);
			/* many on few days, so caps bite; some after now */
			int64_t at = now - (int64_t)below(40) * DAY / 2 - (int64_t)below(4) * HOUR +
				     (below(20) == 0 ? (int64_t)below(2 * DAY) : 0);
			unsigned ty = (unsigned)below(11); /* the contact types */
			ev[i] = event(ty, at, ids[i]);
			ev[i].channel = channels[below(4)];
			ev[i].asset = assets[below(4)];
		}
		for (size_t i = 0; i < na; i++) {
			snprintf(aids[i], sizeof(aids[i]), "a%03zu", i);
			acct[i] = event(intent_types[below(5)], now - (int64_t)below(120 * DAY),
					aids[i]);
			acct[i].count = (long)below(9) - 1;
		}
		qsort(ev, n, sizeof(*ev), ev_cmp);
		qsort(acct, na, sizeof(*acct), ev_cmp);

		struct scoring_result a, b;
		struct scoring_line *lines;
		size_t nl;
		scoring_score(cx[k], &c, ev, n, acct, na, now, &a, &lines, &nl);
		scoring_score(cx[k], &c, ev, n, acct, na, now, &b, NULL, NULL);
		/* With or without the explanation: the same figures, bit for bit. */
		assert_memory_equal(&a, &b, sizeof(a));

		double sum = 0;
		for (size_t i = 0; i < nl; i++) {
			sum += lines[i].contribution;
			if (i && fabs(lines[i].contribution) > fabs(lines[i - 1].contribution))
				fail_msg("round %d: lines out of order at %zu", round, i);
		}
		if (!(fabs(sum - a.total) <= 1e-9))
			fail_msg("round %d: lines sum to %.15g, total %.15g", round, sum, a.total);
		free(lines);

		struct ref x = reference(r, a.fit_eff, ev, n, acct, na, now);
		assert_rel(a.engagement, x.E, 1e-9);
		assert_rel(a.product, x.P, 1e-9);
		assert_rel(a.intent, x.I, 1e-9);
		assert_rel(a.total, x.T, 1e-9);
		assert_near(a.fit_eff, a.q * a.fit_pos + a.fit_neg, 1e-12);
		struct ref xb = reference(r, a.fit_eff, ev, n, acct, na, now - r->trend_window);
		assert_rel(a.total_before, xb.T, 1e-9);
		bool below_all = true;
		for (int64_t d = 0; d <= r->recycle_for / DAY; d++)
			below_all = below_all &&
				    reference(r, a.fit_eff, ev, n, acct, na, now - d * DAY).T <
					    r->recycle;
		assert_int_equal(a.below_recycle, below_all);
		if (a.eligible)
			assert_true(c.status == 0 && !c.suppressed && !a.competitor &&
				    a.freshness != DECAY_STALE);
	}
	scoring_ctx_free(cx[0]);
	scoring_ctx_free(cx[1]);
}

/* The state folded in any order (no late event across days) agrees
 * with scoring_score, which folds in time order. */
static void test_state_vs_score(void **state)
{
	(void)state;
	_Alignas(double) unsigned char buf[SCORING_STATE_MAX];
	struct scoring_state *st = (struct scoring_state *)(void *)buf;
	struct scoring_event ev[60];
	char ids[60][16];
	for (int round = 0; round < 500; round++) {
		size_t n = (size_t)below(60);
		for (size_t i = 0; i < n; i++) {
			snprintf(ids[i], sizeof(ids[i]), "e%02zu", i);
			ev[i] = event((unsigned)below(11), NOW - (int64_t)below(60 * DAY), ids[i]);
		}
		qsort(ev, n, sizeof(*ev), ev_cmp);
		scoring_state_init(st, &rub);
		/* The live-stream order: sorted, with neighbours on the same
		 * day sometimes swapped (late by a few hours). */
		for (size_t i = 0; i + 1 < n; i++)
			if (ev[i].at / DAY == ev[i + 1].at / DAY && below(3) == 0) {
				struct scoring_event t = ev[i];
				ev[i] = ev[i + 1];
				ev[i + 1] = t;
				i++;
			}
		bool recount = false;
		for (size_t i = 0; i < n; i++)
			recount |= scoring_state_add(st, &rub, ev[i].type, ev[i].at, -1) ==
				   SCORING_RECOUNT;
		if (recount) { /* the store would rebuild: so do we */
			qsort(ev, n, sizeof(*ev), ev_cmp);
			scoring_state_init(st, &rub);
			for (size_t i = 0; i < n; i++)
				assert_int_not_equal(scoring_state_add(st, &rub, ev[i].type,
								       ev[i].at, -1),
						     SCORING_RECOUNT);
		}
		qsort(ev, n, sizeof(*ev), ev_cmp);
		struct scoring_contact c = contact(NULL, NOW);
		struct scoring_result r;
		scoring_score(ctx, &c, ev, n, NULL, 0, NOW, &r, NULL, NULL);
		assert_rel(scoring_state_axis(st, &rub, SCORING_ENGAGEMENT, NOW), r.engagement,
			   1e-12);
		assert_rel(scoring_state_axis(st, &rub, SCORING_PRODUCT, NOW), r.product, 1e-12);
	}
}

static void test_intent_in_total(void **state)
{
	(void)state;
	struct scoring_rubric rr;
	struct scoring_ctx *cx;
	scoring_rubric_default(&rr);
	rr.intent_in_total = true;
	assert_int_equal(scoring_ctx_new(&cx, &rr, NULL), LG_OK);
	struct scoring_contact c = contact(NULL, NOW);
	struct scoring_event acct[2] = {event(T("funding"), NOW - 90 * DAY, "f"),
					event(T("tech_change"), NOW, "t")};
	struct scoring_event mine = event(T("product_login"), NOW, "p");
	struct scoring_result r;
	struct scoring_line *lines;
	size_t n;
	scoring_score(cx, &c, &mine, 1, acct, 2, NOW, &r, &lines, &n);
	assert_near(r.intent, 10 + 10, 1e-12);
	assert_near(r.product, 2, 0);
	assert_near(r.total, 20, 1e-12); /* product is never in the total */
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += lines[i].contribution;
		if (lines[i].kind == SCORING_LINE_EVENT) { /* the login: shown, 0 */
			assert_string_equal(lines[i].rule, "product_login");
			assert_near(lines[i].contribution, 0, 0);
			assert_near(lines[i].points, 2, 0);
		}
	}
	assert_int_equal(n, 3);
	assert_near(sum, 20, 1e-12);
	free(lines);
	/* A contact event of an intent type, an account event of a contact
	 * type: neither axis takes them. */
	scoring_score(cx, &c, acct, 2, &mine, 1, NOW, &r, &lines, &n);
	assert_near(r.intent + r.product + r.engagement, 0, 0);
	assert_int_equal(n, 0);
	free(lines);
	scoring_ctx_free(cx);
}

/* Evidence statuses and sources: each name parses back to its value,
 * only as written (the store keeps and the command line takes exactly
 * these names). */
static void test_evidence_names(void **state)
{
	(void)state;
	static const char *const status[] = {"not_met", "partial", "met"};
	static const char *const source[] = {"call", "email", "form", "note"};
	for (unsigned i = 0; i < SCORING_EV_STATUS_COUNT; i++) {
		enum scoring_ev_status v = (enum scoring_ev_status)99;
		assert_string_equal(scoring_ev_status_name((enum scoring_ev_status)i), status[i]);
		assert_true(scoring_ev_status_parse(status[i], strlen(status[i]), &v));
		assert_int_equal(v, i);
	}
	for (unsigned i = 0; i < SCORING_EV_SOURCE_COUNT; i++) {
		enum scoring_ev_source v = (enum scoring_ev_source)99;
		assert_string_equal(scoring_ev_source_name((enum scoring_ev_source)i), source[i]);
		assert_true(scoring_ev_source_parse(source[i], strlen(source[i]), &v));
		assert_int_equal(v, i);
	}
	enum scoring_ev_status st = SCORING_MET;
	enum scoring_ev_source so = SCORING_SOURCE_CALL;
	assert_false(scoring_ev_status_parse("MET", 3, &st));
	assert_false(scoring_ev_status_parse("me", 2, &st));
	assert_false(scoring_ev_status_parse("mett", 4, &st));
	assert_int_equal(st, SCORING_MET); /* untouched */
	assert_false(scoring_ev_source_parse("sms", 3, &so));
	assert_false(scoring_ev_source_parse("", 0, &so));
	assert_int_equal(so, SCORING_SOURCE_CALL);
	assert_string_equal(scoring_ev_status_name((enum scoring_ev_status)SCORING_EV_STATUS_COUNT),
			    "?");
	assert_string_equal(scoring_ev_source_name((enum scoring_ev_source)SCORING_EV_SOURCE_COUNT),
			    "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_rubric_default),
		cmocka_unit_test(test_rubric_check),
		cmocka_unit_test(test_acc),
		cmocka_unit_test(test_state_exact),
		cmocka_unit_test(test_daily_caps),
		cmocka_unit_test(test_class_caps),
		cmocka_unit_test(test_min_count),
		cmocka_unit_test(test_issue_arithmetic),
		cmocka_unit_test(test_titles),
		cmocka_unit_test(test_icp_competitor),
		cmocka_unit_test(test_grade_trend),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_below_recycle),
		cmocka_unit_test(test_random_invariants),
		cmocka_unit_test(test_state_vs_score),
		cmocka_unit_test(test_intent_in_total),
		cmocka_unit_test(test_evidence_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
