/*
 * test_stage.c - stages and their moves, the BANT / CHAMP / MEDDIC
 * checklists, the funnel math.
 *
 * The scores here are built by hand (struct scoring_result with only the
 * fields the stages read), so these tests depend on nothing but the
 * qualification part of scoring/.  Times are fixed numbers, never the
 * clock.
 */
#include "scoring/scoring.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define DAY ((int64_t)86400)
#define NOW ((int64_t)1800000000) /* 2027-01-15T08:00:00Z */
#define T0 (NOW - 10 * DAY)
#define N_OF(a) (sizeof(a) / sizeof(*(a)))

/* The rubric fields the stages read, at their DESIGN.md values. */
static void rubric(struct scoring_rubric *rb)
{
	memset(rb, 0, sizeof(*rb));
	rb->mql = 80;
	rb->recycle = 60;
	rb->recycle_for = 7 * DAY;
	rb->hql_window = 14 * DAY;
	rb->hql_distinct = 2;
	rb->sql_window = 30 * DAY;
	rb->sql_events = 3;
	rb->pql = 40;
	rb->framework = SCORING_BANT;
	rb->evidence_min_confidence = 0.5;
}

/* ---- stage names ----------------------------------------------------------- */

static void test_stage_names(void **state)
{
	(void)state;
	static const char *const want[SCORING_STAGE_COUNT] = {
		"lead", "mql", "pql", "hql", "sal", "sql", "recycled", "disqualified",
	};
	for (unsigned i = 0; i < SCORING_STAGE_COUNT; i++) {
		const char *name = scoring_stage_name((enum scoring_stage)i);
		assert_string_equal(name, want[i]);
		enum scoring_stage s = SCORING_STAGE_COUNT;
		assert_true(scoring_stage_parse(name, strlen(name), &s));
		assert_int_equal(s, i);
	}
	assert_string_equal(scoring_stage_name((enum scoring_stage)SCORING_STAGE_COUNT), "?");

	static const struct {
		const char *s;
		size_t len; /* (size_t)-1: strlen */
		int want;   /* a stage, or -1: refused */
	} v[] = {
		{"MQL", (size_t)-1, SCORING_MQL},
		{"Recycled", (size_t)-1, SCORING_RECYCLED},
		{"DisQualified", (size_t)-1, SCORING_DISQUALIFIED},
		{"sqlx", 3, SCORING_SQL}, /* only len bytes are read */
		{"", 0, -1},
		{"ml", (size_t)-1, -1},
		{"mqlx", (size_t)-1, -1},
		{"mql ", (size_t)-1, -1}, /* no trimming: the caller trims */
		{" mql", (size_t)-1, -1},
		{"lead\0", 5, -1},
		{"opportunity", (size_t)-1, -1},
		{"m\xc3\xa9l", (size_t)-1, -1},
	};
	for (size_t i = 0; i < N_OF(v); i++) {
		enum scoring_stage s = SCORING_STAGE_COUNT;
		size_t len = v[i].len == (size_t)-1 ? strlen(v[i].s) : v[i].len;
		bool ok = scoring_stage_parse(v[i].s, len, &s);
		if (ok != (v[i].want >= 0) || (ok && (int)s != v[i].want))
			fail_msg("parse \"%s\": got %d (%s), want %d", v[i].s, ok,
				 ok ? scoring_stage_name(s) : "-", v[i].want);
		if (!ok)
			assert_int_equal(s, SCORING_STAGE_COUNT); /* untouched */
	}
}

/* ---- stage moves ----------------------------------------------------------- */

#define NONE (-1)

/* Every predicate both ways: one vector per side of each condition. */
static const struct {
	const char *what;
	enum scoring_stage cur;
	struct scoring_result r;
	struct scoring_facts f;
	int want;        /* the next stage, or NONE */
	const char *why; /* a word the reason must contain */
} moves[] = {
	/* lead -> MQL: eligible and T >= 80 */
	{"T 80 is an MQL",
	 SCORING_LEAD,
	 {.eligible = true, .total = 80},
	 {0},
	 SCORING_MQL,
	 "mql threshold"},
	{"T 79.99 is not", SCORING_LEAD, {.eligible = true, .total = 79.99}, {0}, NONE, NULL},
	{"ineligible at T 200", SCORING_LEAD, {.total = 200}, {0}, NONE, NULL},
	{"ineligible at T 200 and P 200",
	 SCORING_LEAD,
	 {.total = 200, .product = 200},
	 {0},
	 NONE,
	 NULL},
	{"MQL first when both hold",
	 SCORING_LEAD,
	 {.eligible = true, .total = 90, .product = 90},
	 {0},
	 SCORING_MQL,
	 "mql threshold"},
	{"one move at a time",
	 SCORING_LEAD,
	 {.eligible = true, .icp = true, .total = 95, .hi_distinct = 5, .hi_events = 9},
	 {true, true, false},
	 SCORING_MQL,
	 "mql threshold"},
	{"a lead is never recycled",
	 SCORING_LEAD,
	 {.eligible = true, .below_recycle = true},
	 {0},
	 NONE,
	 NULL},
	/* lead -> PQL: eligible and P >= 40 */
	{"P 40 is a PQL",
	 SCORING_LEAD,
	 {.eligible = true, .total = 10, .product = 40},
	 {0},
	 SCORING_PQL,
	 "pql threshold"},
	{"P 39.9 is not",
	 SCORING_LEAD,
	 {.eligible = true, .total = 10, .product = 39.9},
	 {0},
	 NONE,
	 NULL},
	{"ineligible P 100", SCORING_LEAD, {.product = 100}, {0}, NONE, NULL},
	/* a product-led lead: heavy usage, a low marketing total */
	{"below the recycle line, heavy usage: a PQL",
	 SCORING_LEAD,
	 {.eligible = true, .total = 10, .product = 90, .below_recycle = true},
	 {0},
	 SCORING_PQL,
	 "pql threshold"},
	{"below the recycle line, light usage: nothing",
	 SCORING_LEAD,
	 {.eligible = true, .total = 10, .product = 39, .below_recycle = true},
	 {0},
	 NONE,
	 NULL},

	/* recycled -> MQL or PQL again */
	{"recycled at T 80",
	 SCORING_RECYCLED,
	 {.eligible = true, .total = 80},
	 {.active = true},
	 SCORING_MQL,
	 "mql threshold"},
	{"recycled at T 79",
	 SCORING_RECYCLED,
	 {.eligible = true, .total = 79},
	 {.active = true},
	 NONE,
	 NULL},
	{"recycled at P 40",
	 SCORING_RECYCLED,
	 {.eligible = true, .product = 40},
	 {.active = true},
	 SCORING_PQL,
	 "pql threshold"},
	{"recycled, ineligible",
	 SCORING_RECYCLED,
	 {.total = 200, .product = 200},
	 {.active = true},
	 NONE,
	 NULL},
	{"recycled, still below, heavy usage",
	 SCORING_RECYCLED,
	 {.eligible = true, .product = 90, .below_recycle = true},
	 {.active = true},
	 SCORING_PQL,
	 "pql threshold"},
	{"recycled, still below",
	 SCORING_RECYCLED,
	 {.eligible = true, .product = 10, .below_recycle = true},
	 {.active = true},
	 NONE,
	 NULL},
	/* a rep recycled it at T 200: nothing new since, it stays recycled */
	{"recycled at T 200, nothing new since",
	 SCORING_RECYCLED,
	 {.eligible = true, .total = 200},
	 {0},
	 NONE,
	 NULL},
	{"recycled at P 200, nothing new since",
	 SCORING_RECYCLED,
	 {.eligible = true, .product = 200},
	 {0},
	 NONE,
	 NULL},

	/* MQL -> HQL: eligible, ICP and high intent on 2 channels or assets */
	{"MQL to HQL",
	 SCORING_MQL,
	 {.eligible = true, .icp = true, .total = 85, .hi_distinct = 2},
	 {0},
	 SCORING_HQL,
	 "distinct channels"},
	{"one channel",
	 SCORING_MQL,
	 {.eligible = true, .icp = true, .total = 85, .hi_distinct = 1},
	 {0},
	 NONE,
	 NULL},
	{"no ICP fit",
	 SCORING_MQL,
	 {.eligible = true, .total = 85, .hi_distinct = 3},
	 {0},
	 NONE,
	 NULL},
	{"ineligible MQL", SCORING_MQL, {.icp = true, .total = 85, .hi_distinct = 3}, {0}, NONE, NULL},
	{"HQL does not need T 80 again",
	 SCORING_MQL,
	 {.eligible = true, .icp = true, .total = 65, .hi_distinct = 2},
	 {0},
	 SCORING_HQL,
	 "distinct channels"},
	/* MQL -> recycled: hysteresis */
	{"T 70 stays MQL", SCORING_MQL, {.eligible = true, .total = 70}, {0}, NONE, NULL},
	{"T 50 for less than 7 days stays MQL",
	 SCORING_MQL,
	 {.eligible = true, .total = 50},
	 {0},
	 NONE,
	 NULL},
	{"below for the whole period",
	 SCORING_MQL,
	 {.eligible = true, .total = 50, .below_recycle = true},
	 {0},
	 SCORING_RECYCLED,
	 "recycle"},
	{"ineligible and below",
	 SCORING_MQL,
	 {.total = 50, .below_recycle = true},
	 {0},
	 SCORING_RECYCLED,
	 "recycle"},
	{"below the line: recycled, not HQL",
	 SCORING_MQL,
	 {.eligible = true, .icp = true, .below_recycle = true, .hi_distinct = 2},
	 {0},
	 SCORING_RECYCLED,
	 "recycle"},
	{"an MQL never becomes a PQL",
	 SCORING_MQL,
	 {.eligible = true, .total = 200, .product = 200},
	 {0},
	 NONE,
	 NULL},

	/* PQL: a parallel entry */
	{"PQL to HQL",
	 SCORING_PQL,
	 {.eligible = true, .icp = true, .product = 50, .hi_distinct = 2},
	 {0},
	 SCORING_HQL,
	 "distinct channels"},
	{"PQL no ICP",
	 SCORING_PQL,
	 {.eligible = true, .product = 50, .hi_distinct = 2},
	 {0},
	 NONE,
	 NULL},
	{"a PQL never becomes an MQL",
	 SCORING_PQL,
	 {.eligible = true, .total = 200, .product = 200},
	 {0},
	 NONE,
	 NULL},
	{"a PQL with a low total but heavy usage stays",
	 SCORING_PQL,
	 {.eligible = true, .product = 90, .below_recycle = true},
	 {0},
	 NONE,
	 NULL},
	{"PQL recycled: low total and usage fallen",
	 SCORING_PQL,
	 {.eligible = true, .product = 39, .below_recycle = true},
	 {0},
	 SCORING_RECYCLED,
	 "product score below"},

	/* HQL -> recycled only */
	{"HQL below",
	 SCORING_HQL,
	 {.eligible = true, .below_recycle = true},
	 {0},
	 SCORING_RECYCLED,
	 "recycle"},
	{"HQL at T 10, not for 7 days", SCORING_HQL, {.eligible = true, .total = 10}, {0}, NONE, NULL},
	{"HQL with everything",
	 SCORING_HQL,
	 {.eligible = true,
	  .icp = true,
	  .total = 200,
	  .product = 200,
	  .hi_distinct = 9,
	  .hi_events = 9},
	 {true, true, false},
	 NONE,
	 NULL},

	/* SAL -> SQL: all five conditions */
	{"SAL to SQL",
	 SCORING_SAL,
	 {.eligible = true, .icp = true, .hi_events = 3},
	 {true, true, false},
	 SCORING_SQL,
	 "buying role"},
	{"SQL needs eligible",
	 SCORING_SAL,
	 {.icp = true, .hi_events = 3},
	 {true, true, false},
	 NONE,
	 NULL},
	{"SQL needs ICP",
	 SCORING_SAL,
	 {.eligible = true, .hi_events = 3},
	 {true, true, false},
	 NONE,
	 NULL},
	{"SQL needs 3 events",
	 SCORING_SAL,
	 {.eligible = true, .icp = true, .hi_events = 2},
	 {true, true, false},
	 NONE,
	 NULL},
	{"SQL needs a buying role",
	 SCORING_SAL,
	 {.eligible = true, .icp = true, .hi_events = 3},
	 {false, true, false},
	 NONE,
	 NULL},
	{"SQL needs the framework",
	 SCORING_SAL,
	 {.eligible = true, .icp = true, .hi_events = 3},
	 {true, false, false},
	 NONE,
	 NULL},
	{"SAL is never recycled",
	 SCORING_SAL,
	 {.eligible = true, .below_recycle = true},
	 {0},
	 NONE,
	 NULL},
	{"SAL T 200 distinct 9",
	 SCORING_SAL,
	 {.eligible = true, .icp = true, .total = 200, .hi_distinct = 9, .hi_events = 2},
	 {true, true, false},
	 NONE,
	 NULL},

	/* SQL and disqualified: only a rep moves them */
	{"SQL with everything",
	 SCORING_SQL,
	 {.eligible = true,
	  .icp = true,
	  .total = 200,
	  .product = 200,
	  .hi_distinct = 9,
	  .hi_events = 9},
	 {true, true, false},
	 NONE,
	 NULL},
	{"SQL below", SCORING_SQL, {.below_recycle = true}, {0}, NONE, NULL},
	{"disqualified with everything",
	 SCORING_DISQUALIFIED,
	 {.eligible = true,
	  .icp = true,
	  .total = 200,
	  .product = 200,
	  .hi_distinct = 9,
	  .hi_events = 9},
	 {true, true, false},
	 NONE,
	 NULL},
	{"disqualified below", SCORING_DISQUALIFIED, {.below_recycle = true}, {0}, NONE, NULL},
};

static void test_stage_moves(void **state)
{
	(void)state;
	struct scoring_rubric rb;
	rubric(&rb);
	for (size_t i = 0; i < N_OF(moves); i++) {
		enum scoring_stage next = SCORING_STAGE_COUNT;
		const char *why = NULL;
		bool moved = scoring_stage_next(&rb, moves[i].cur, &moves[i].r, &moves[i].f, &next,
						&why);
		if (moves[i].want == NONE) {
			if (moved)
				fail_msg("%s: %s moved to %s (%s)", moves[i].what,
					 scoring_stage_name(moves[i].cur), scoring_stage_name(next),
					 why);
			assert_int_equal(next, SCORING_STAGE_COUNT); /* untouched */
			assert_null(why);
			continue;
		}
		if (!moved || (int)next != moves[i].want)
			fail_msg("%s: %s: got %s, want %s", moves[i].what,
				 scoring_stage_name(moves[i].cur),
				 moved ? scoring_stage_name(next) : "no move",
				 scoring_stage_name(moves[i].want));
		assert_non_null(why);
		if (!strstr(why, moves[i].why))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", moves[i].what, why, moves[i].why);
		/* why may be NULL: the same answer without the reason */
		enum scoring_stage again = SCORING_STAGE_COUNT;
		assert_true(scoring_stage_next(&rb, moves[i].cur, &moves[i].r, &moves[i].f, &again,
					       NULL));
		assert_int_equal(again, next);
	}
}

/* Move until there is no move; how many moves it took. */
static unsigned advance(const struct scoring_rubric *rb, enum scoring_stage *s,
			const struct scoring_result *r, const struct scoring_facts *f)
{
	unsigned n = 0;
	enum scoring_stage next;
	while (n < 100 && scoring_stage_next(rb, *s, r, f, &next, NULL)) {
		*s = next;
		n++;
	}
	return n;
}

/* A contact's life, one scoring run a day apart. */
static void test_hysteresis(void **state)
{
	(void)state;
	struct scoring_rubric rb;
	rubric(&rb);
	static const struct scoring_facts f = {.active = true}; /* the lead keeps doing things */
	static const struct {
		double total;
		bool below; /* below 60 for 7 days */
		enum scoring_stage want;
	} days[] = {
		{40, false, SCORING_LEAD},
		{79, false, SCORING_LEAD},
		{85, false, SCORING_MQL},
		{70, false, SCORING_MQL}, /* below 80, not below 60: stays */
		{79.9, false, SCORING_MQL},
		{61, false, SCORING_MQL},
		{59, false, SCORING_MQL}, /* below 60, but not for 7 days yet */
		{30, false, SCORING_MQL},
		{30, true, SCORING_RECYCLED},
		{75, false, SCORING_RECYCLED},
		{79.99, false, SCORING_RECYCLED},
		{80, false, SCORING_MQL}, /* back at 80 */
		{70, false, SCORING_MQL},
	};
	enum scoring_stage s = SCORING_LEAD;
	for (size_t i = 0; i < N_OF(days); i++) {
		struct scoring_result r = {.eligible = true,
					   .total = days[i].total,
					   .below_recycle = days[i].below};
		advance(&rb, &s, &r, &f);
		if (s != days[i].want)
			fail_msg("day %zu (T %g): %s, want %s", i, days[i].total,
				 scoring_stage_name(s), scoring_stage_name(days[i].want));
	}

	/* A lead may become an MQL and an HQL in one run. */
	struct scoring_result hot = {.eligible = true, .icp = true, .total = 90, .hi_distinct = 2};
	s = SCORING_LEAD;
	assert_int_equal(advance(&rb, &s, &hot, &f), 2);
	assert_int_equal(s, SCORING_HQL);
}

/*
 * Over every combination of inputs, from every stage: the chain of moves
 * ends within two moves, never leaves SQL or disqualified, leaves SAL
 * only for SQL, and never makes an ineligible contact qualified.  Also
 * with a rubric whose recycle line is above its MQL threshold (which the
 * configuration refuses), where a naive rule set would loop.
 */
static void test_stage_closure(void **state)
{
	(void)state;
	static const double totals[] = {0, 59, 60, 70, 80, 200};
	static const double products[] = {0, 39, 40, 200};
	static const unsigned counts[] = {0, 1, 2, 3};
	struct scoring_rubric rb;
	unsigned combos = 0;

	for (int odd = 0; odd < 2; odd++) {
		rubric(&rb);
		if (odd) {
			rb.mql = 50;
			rb.recycle = 70;
		}
		for (unsigned s0 = 0; s0 < SCORING_STAGE_COUNT; s0++)
			for (unsigned bits = 0; bits < 64; bits++)
				for (size_t ti = 0; ti < N_OF(totals); ti++)
					for (size_t pi = 0; pi < N_OF(products); pi++)
						for (size_t di = 0; di < N_OF(counts); di++)
							for (size_t ei = 0; ei < N_OF(counts);
							     ei++) {
								struct scoring_result r = {
									.eligible = bits & 1,
									.icp = bits & 2,
									.below_recycle = bits & 4,
									.total = totals[ti],
									.product = products[pi],
									.hi_distinct = counts[di],
									.hi_events = counts[ei],
								};
								struct scoring_facts f = {
									.buying_role = bits & 8,
									.framework_pass = bits & 16,
									.active = bits & 32};
								enum scoring_stage s =
									(enum scoring_stage)s0;
								unsigned n = advance(&rb, &s, &r,
										     &f);
								combos++;
								if (n > 2)
									fail_msg(
										"from %s: %u moves",
										scoring_stage_name(
											(enum scoring_stage)
												s0),
										n);
								if (s0 == SCORING_SQL ||
								    s0 == SCORING_DISQUALIFIED)
									assert_int_equal(s, s0);
								if (s0 == SCORING_SAL)
									assert_true(
										s == SCORING_SAL ||
										s == SCORING_SQL);
								if (!r.eligible)
									assert_true(
										s == s0 ||
										s == SCORING_RECYCLED);
								if (s == SCORING_SQL &&
								    s0 != SCORING_SQL)
									assert_true(
										r.eligible &&
										r.icp &&
										r.hi_events >= 3 &&
										f.buying_role &&
										f.framework_pass);
							}
	}
	assert_int_equal(combos, 2 * 8 * 64 * 6 * 4 * 4 * 4);
}

/* ---- frameworks: names --------------------------------------------------------- */

static void test_framework_names(void **state)
{
	(void)state;
	static const char *const names[SCORING_FRAMEWORK_COUNT] = {"BANT", "CHAMP", "MEDDIC"};
	for (unsigned i = 0; i < SCORING_FRAMEWORK_COUNT; i++) {
		assert_string_equal(scoring_framework_name((enum scoring_framework)i), names[i]);
		enum scoring_framework f = SCORING_FRAMEWORK_COUNT;
		assert_true(scoring_framework_parse(names[i], strlen(names[i]), &f));
		assert_int_equal(f, i);
	}
	assert_string_equal(scoring_framework_name((enum scoring_framework)3), "?");

	enum scoring_framework f = SCORING_FRAMEWORK_COUNT;
	assert_true(scoring_framework_parse("bant", 4, &f));
	assert_int_equal(f, SCORING_BANT);
	assert_true(scoring_framework_parse("Meddic", 6, &f));
	assert_int_equal(f, SCORING_MEDDIC);
	assert_true(scoring_framework_parse("cHaMp", 5, &f));
	assert_int_equal(f, SCORING_CHAMP);
	f = SCORING_FRAMEWORK_COUNT;
	assert_false(scoring_framework_parse("", 0, &f));
	assert_false(scoring_framework_parse("MEDDICC", 7, &f));
	assert_false(scoring_framework_parse("MEDDPICC", 8, &f));
	assert_false(scoring_framework_parse("BAN", 3, &f));
	assert_false(scoring_framework_parse("BANT ", 5, &f));
	assert_int_equal(f, SCORING_FRAMEWORK_COUNT);
}

static void test_criteria(void **state)
{
	(void)state;
	static const struct {
		enum scoring_framework f;
		const char *names[SCORING_MAX_CRITERIA];
		unsigned n;
	} want[] = {
		{SCORING_BANT, {"budget", "authority", "need", "timeline"}, 4},
		{SCORING_CHAMP, {"challenges", "authority", "money", "prioritization"}, 4},
		{SCORING_MEDDIC,
		 {"metrics", "economic_buyer", "decision_criteria", "decision_process",
		  "identify_pain", "champion"},
		 6},
	};
	for (size_t i = 0; i < N_OF(want); i++) {
		unsigned n = 99;
		const char *const *c = scoring_criteria(want[i].f, &n);
		assert_non_null(c);
		assert_int_equal(n, want[i].n);
		assert_true(n <= SCORING_MAX_CRITERIA);
		for (unsigned k = 0; k < n; k++) {
			assert_string_equal(c[k], want[i].names[k]);
			/* every name finds itself */
			assert_int_equal(scoring_criterion_find(want[i].f, c[k], strlen(c[k])), k);
		}
		assert_ptr_equal(scoring_criteria(want[i].f, NULL), c);
	}
	unsigned n = 99;
	assert_null(scoring_criteria((enum scoring_framework)SCORING_FRAMEWORK_COUNT, &n));
	assert_int_equal(n, 0);

	static const struct {
		enum scoring_framework f;
		const char *name;
		int want;
	} v[] = {
		{SCORING_BANT, "Budget", 0},
		{SCORING_BANT, "TIMELINE", 3},
		{SCORING_BANT, "authority", 1},
		{SCORING_CHAMP, "authority", 1},
		{SCORING_CHAMP, "Prioritization", 3},
		{SCORING_CHAMP, "prioritisation", 3}, /* alias */
		{SCORING_MEDDIC, "economic-buyer", 1},
		{SCORING_MEDDIC, "Economic_Buyer", 1},
		{SCORING_MEDDIC, "DECISION-PROCESS", 3},
		{SCORING_MEDDIC, "identify-pain", 4},
		{SCORING_MEDDIC, "pain", 4}, /* alias */
		{SCORING_MEDDIC, "Pain", 4},
		{SCORING_BANT, "pain", -1}, /* aliases are per framework */
		{SCORING_BANT, "prioritisation", -1},
		{SCORING_BANT, "money", -1}, /* CHAMP's, not BANT's */
		{SCORING_CHAMP, "budget", -1},
		{SCORING_MEDDIC, "authority", -1},
		{SCORING_MEDDIC, "economic buyer", -1}, /* only '-' reads as '_' */
		{SCORING_MEDDIC, "economicbuyer", -1},
		{SCORING_MEDDIC, "economic__buyer", -1},
		{SCORING_BANT, "", -1},
		{SCORING_BANT, "budge", -1},
		{SCORING_BANT, "budgets", -1},
		{SCORING_BANT, "budget ", -1},
		{SCORING_BANT, "b", -1},
		{(enum scoring_framework)SCORING_FRAMEWORK_COUNT, "budget", -1},
	};
	for (size_t i = 0; i < N_OF(v); i++) {
		int got = scoring_criterion_find(v[i].f, v[i].name, strlen(v[i].name));
		if (got != v[i].want)
			fail_msg("%s \"%s\": got %d, want %d", scoring_framework_name(v[i].f),
				 v[i].name, got, v[i].want);
	}
	/* only len bytes are read */
	assert_int_equal(scoring_criterion_find(SCORING_BANT, "needle", 4), 2);
	assert_int_equal(scoring_criterion_find(SCORING_BANT, "need\0", 5), -1);
}

/* ---- frameworks: checklists ---------------------------------------------------- */

#define MET SCORING_MET
#define PART SCORING_PARTIAL
#define NOT SCORING_NOT_MET
#define BANT SCORING_BANT
#define CHAMP SCORING_CHAMP
#define MEDDIC SCORING_MEDDIC

/* One piece of evidence recorded at T0, confident, without expiry. */
#define E(fw, crit, st)                                                                            \
	{                                                                                          \
		fw, crit, st, 0.9, T0, 0                                                           \
	}
/* ... with the confidence, time and expiry given. */
#define EX(fw, crit, st, conf, at, until)                                                          \
	{                                                                                          \
		fw, crit, st, conf, at, until                                                      \
	}

#define MAX_EV 8

/* Each vector's evidence ends at the first entry with at == 0. */
static const struct {
	const char *what;
	enum scoring_framework f;
	struct scoring_evidence ev[MAX_EV];
	bool pass;
	unsigned n_met;
	bool buying_role;
	const char *blocking;             /* NULL: passes */
	int status[SCORING_MAX_CRITERIA]; /* checked when check_status */
	bool check_status;
} checks[] = {
	/* BANT: 3 of 4 */
	{"BANT nothing",
	 BANT,
	 {{0}},
	 false,
	 0,
	 false,
	 "needs 3 of 4 criteria met (none met)",
	 {-1, -1, -1, -1},
	 true},
	{"BANT 2 of 4",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, MET, -1, -1},
	 true},
	{"BANT 1 of 4",
	 BANT,
	 {E(BANT, 2, MET), E(BANT, 0, NOT)},
	 false,
	 1,
	 false,
	 "needs 3 of 4 criteria met (1 met)",
	 {NOT, -1, MET, -1},
	 true},
	{"BANT 3 of 4 without authority",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), E(BANT, 3, MET)},
	 true,
	 3,
	 false,
	 NULL,
	 {0},
	 false},
	{"BANT 3 of 4 with authority",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), E(BANT, 3, MET)},
	 true,
	 3,
	 true,
	 NULL,
	 {0},
	 false},
	{"BANT 4 of 4",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), E(BANT, 2, MET), E(BANT, 3, MET)},
	 true,
	 4,
	 true,
	 NULL,
	 {MET, MET, MET, MET},
	 true},
	/* partial never counts */
	{"BANT 2 met 2 partial",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), E(BANT, 2, PART), E(BANT, 3, PART)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, MET, PART, PART},
	 true},
	{"BANT partial authority",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, PART), E(BANT, 2, MET), E(BANT, 3, MET)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, PART, MET, MET},
	 true},
	/* low confidence never counts; the threshold itself does */
	{"BANT need at 0.49",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.49, T0, 0)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, MET, MET, -1},
	 true},
	{"BANT need at 0.5",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.5, T0, 0)},
	 true,
	 3,
	 true,
	 NULL,
	 {0},
	 false},
	{"BANT authority at 0.1",
	 BANT,
	 {E(BANT, 0, MET), EX(BANT, 1, MET, 0.1, T0, 0), E(BANT, 2, MET), E(BANT, 3, MET)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, MET, MET, MET},
	 true},
	{"BANT confidence NaN",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, NAN, T0, 0)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {0},
	 false},
	/* expiry: valid_until is the first second it no longer holds */
	{"BANT expires at now",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.9, T0, NOW)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, MET, -1, -1},
	 true},
	{"BANT expires a second after now",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.9, T0, NOW + 1)},
	 true,
	 3,
	 true,
	 NULL,
	 {MET, MET, MET, -1},
	 true},
	{"BANT expired long ago",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.9, T0, T0 + DAY)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {0},
	 false},
	/* evidence recorded after now is not known yet */
	{"BANT recorded a second after now",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.9, NOW + 1, 0)},
	 false,
	 2,
	 true,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, MET, -1, -1},
	 true},
	{"BANT recorded at now",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 1, MET), EX(BANT, 2, MET, 0.9, NOW, 0)},
	 true,
	 3,
	 true,
	 NULL,
	 {0},
	 false},
	/* the latest wins, whatever its place in the array */
	{"BANT newer not met",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), EX(BANT, 1, MET, 0.9, T0, 0), E(BANT, 3, MET),
	  EX(BANT, 1, NOT, 0.9, T0 + 1, 0)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, NOT, MET, MET},
	 true},
	{"BANT newer not met first",
	 BANT,
	 {EX(BANT, 1, NOT, 0.9, T0 + 1, 0), E(BANT, 0, MET), E(BANT, 2, MET), E(BANT, 3, MET),
	  EX(BANT, 1, MET, 0.9, T0, 0)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, NOT, MET, MET},
	 true},
	{"BANT newer partial replaces met",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), EX(BANT, 3, MET, 0.9, T0, 0),
	  EX(BANT, 3, PART, 0.9, T0 + DAY, 0)},
	 false,
	 2,
	 false,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, -1, MET, PART},
	 true},
	{"BANT newer low confidence replaces met",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), EX(BANT, 3, MET, 0.9, T0, 0),
	  EX(BANT, 3, MET, 0.2, T0 + DAY, 0)},
	 false,
	 2,
	 false,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, -1, MET, MET},
	 true},
	{"BANT newer met replaces not met",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), EX(BANT, 3, NOT, 0.9, T0, 0),
	  EX(BANT, 3, MET, 0.9, T0 + DAY, 0)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, -1, MET, MET},
	 true},
	/* same second: the later in the array wins */
	{"BANT tie, not met last",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), E(BANT, 3, MET), E(BANT, 3, NOT)},
	 false,
	 2,
	 false,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, -1, MET, NOT},
	 true},
	{"BANT tie, met last",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), E(BANT, 3, NOT), E(BANT, 3, MET)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, -1, MET, MET},
	 true},
	/* a newer piece that has expired does not hide an older valid one */
	{"BANT newer expired",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), EX(BANT, 3, MET, 0.9, T0, 0),
	  EX(BANT, 3, NOT, 0.9, T0 + DAY, NOW)},
	 true,
	 3,
	 false,
	 NULL,
	 {MET, -1, MET, MET},
	 true},
	/* another framework's evidence (and a bad criterion) is ignored */
	{"BANT ignores MEDDIC and CHAMP",
	 BANT,
	 {E(BANT, 0, MET), E(BANT, 2, MET), E(MEDDIC, 1, MET), E(CHAMP, 1, MET), E(CHAMP, 3, MET),
	  E(BANT, 7, MET)},
	 false,
	 2,
	 false,
	 "needs 3 of 4 criteria met (2 met)",
	 {MET, -1, MET, -1},
	 true},

	/* CHAMP: challenges and 2 of the other 3 */
	{"CHAMP nothing",
	 CHAMP,
	 {{0}},
	 false,
	 0,
	 false,
	 "needs challenges met and 2 of authority, money, prioritization (none met)",
	 {-1, -1, -1, -1},
	 true},
	{"CHAMP 3 others, no challenges",
	 CHAMP,
	 {E(CHAMP, 1, MET), E(CHAMP, 2, MET), E(CHAMP, 3, MET)},
	 false,
	 3,
	 true,
	 "needs challenges met",
	 {-1, MET, MET, MET},
	 true},
	{"CHAMP partial challenges",
	 CHAMP,
	 {E(CHAMP, 0, PART), E(CHAMP, 1, MET), E(CHAMP, 2, MET), E(CHAMP, 3, MET)},
	 false,
	 3,
	 true,
	 "needs challenges met",
	 {PART, MET, MET, MET},
	 true},
	{"CHAMP 1 other, no challenges",
	 CHAMP,
	 {E(CHAMP, 2, MET)},
	 false,
	 1,
	 false,
	 "needs challenges met and 2 of authority, money, prioritization (1 met)",
	 {0},
	 false},
	{"CHAMP challenges alone",
	 CHAMP,
	 {E(CHAMP, 0, MET)},
	 false,
	 1,
	 false,
	 "needs 2 of authority, money, prioritization met (none met)",
	 {0},
	 false},
	{"CHAMP challenges and authority",
	 CHAMP,
	 {E(CHAMP, 0, MET), E(CHAMP, 1, MET)},
	 false,
	 2,
	 true,
	 "needs 2 of authority, money, prioritization met (1 met)",
	 {0},
	 false},
	{"CHAMP challenges, authority, money",
	 CHAMP,
	 {E(CHAMP, 0, MET), E(CHAMP, 1, MET), E(CHAMP, 2, MET)},
	 true,
	 3,
	 true,
	 NULL,
	 {0},
	 false},
	{"CHAMP challenges, money, prioritization",
	 CHAMP,
	 {E(CHAMP, 0, MET), E(CHAMP, 2, MET), E(CHAMP, 3, MET)},
	 true,
	 3,
	 false,
	 NULL,
	 {0},
	 false},
	{"CHAMP all",
	 CHAMP,
	 {E(CHAMP, 0, MET), E(CHAMP, 1, MET), E(CHAMP, 2, MET), E(CHAMP, 3, MET)},
	 true,
	 4,
	 true,
	 NULL,
	 {0},
	 false},
	{"CHAMP ignores BANT authority",
	 CHAMP,
	 {E(CHAMP, 0, MET), E(CHAMP, 2, MET), E(BANT, 1, MET), E(BANT, 3, MET)},
	 false,
	 2,
	 false,
	 "needs 2 of authority, money, prioritization met (1 met)",
	 {MET, -1, MET, -1},
	 true},

	/* MEDDIC: economic buyer, identify pain, champion, and 4 of 6 */
	{"MEDDIC nothing",
	 MEDDIC,
	 {{0}},
	 false,
	 0,
	 false,
	 "needs economic_buyer, identify_pain and champion met and one of metrics, "
	 "decision_criteria, decision_process",
	 {-1, -1, -1, -1, -1, -1},
	 true},
	{"MEDDIC 5 of 6 without champion",
	 MEDDIC,
	 {E(MEDDIC, 0, MET), E(MEDDIC, 1, MET), E(MEDDIC, 2, MET), E(MEDDIC, 3, MET),
	  E(MEDDIC, 4, MET), E(MEDDIC, 5, NOT)},
	 false,
	 5,
	 true,
	 "needs champion met",
	 {MET, MET, MET, MET, MET, NOT},
	 true},
	{"MEDDIC required three and metrics",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 4, MET), E(MEDDIC, 5, MET), E(MEDDIC, 0, MET)},
	 true,
	 4,
	 true,
	 NULL,
	 {MET, MET, -1, -1, MET, MET},
	 true},
	{"MEDDIC required three and decision process",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 4, MET), E(MEDDIC, 5, MET), E(MEDDIC, 3, MET)},
	 true,
	 4,
	 true,
	 NULL,
	 {0},
	 false},
	{"MEDDIC required three only",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 4, MET), E(MEDDIC, 5, MET), E(MEDDIC, 0, PART)},
	 false,
	 3,
	 true,
	 "needs one more of metrics, decision_criteria, decision_process met",
	 {0},
	 false},
	{"MEDDIC all six",
	 MEDDIC,
	 {E(MEDDIC, 0, MET), E(MEDDIC, 1, MET), E(MEDDIC, 2, MET), E(MEDDIC, 3, MET),
	  E(MEDDIC, 4, MET), E(MEDDIC, 5, MET)},
	 true,
	 6,
	 true,
	 NULL,
	 {0},
	 false},
	{"MEDDIC no economic buyer",
	 MEDDIC,
	 {E(MEDDIC, 0, MET), E(MEDDIC, 2, MET), E(MEDDIC, 4, MET), E(MEDDIC, 5, MET)},
	 false,
	 4,
	 false,
	 "needs economic_buyer met",
	 {0},
	 false},
	{"MEDDIC economic buyer alone",
	 MEDDIC,
	 {E(MEDDIC, 1, MET)},
	 false,
	 1,
	 true,
	 "needs identify_pain and champion met and one of metrics, decision_criteria, "
	 "decision_process",
	 {0},
	 false},
	{"MEDDIC economic buyer and two others",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 0, MET), E(MEDDIC, 2, MET)},
	 false,
	 3,
	 true,
	 "needs identify_pain and champion met",
	 {0},
	 false},
	{"MEDDIC low-confidence champion",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 4, MET), EX(MEDDIC, 5, MET, 0.3, T0, 0), E(MEDDIC, 0, MET),
	  E(MEDDIC, 2, MET)},
	 false,
	 4,
	 true,
	 "needs champion met",
	 {0},
	 false},
	{"MEDDIC champion expired",
	 MEDDIC,
	 {E(MEDDIC, 1, MET), E(MEDDIC, 4, MET), EX(MEDDIC, 5, MET, 0.9, T0, NOW), E(MEDDIC, 0, MET)},
	 false,
	 3,
	 true,
	 "needs champion met",
	 {MET, MET, -1, -1, MET, -1},
	 true},
	{"MEDDIC ignores BANT",
	 MEDDIC,
	 {E(BANT, 0, MET), E(BANT, 1, MET), E(BANT, 2, MET), E(BANT, 3, MET), E(MEDDIC, 5, MET)},
	 false,
	 1,
	 false,
	 "needs economic_buyer and identify_pain met and one of metrics, decision_criteria, "
	 "decision_process",
	 {-1, -1, -1, -1, -1, MET},
	 true},
};

static void test_checklists(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(checks); i++) {
		size_t n = 0;
		while (n < MAX_EV && checks[i].ev[n].at != 0)
			n++;
		struct scoring_checklist c;
		memset(&c, 0xa5, sizeof(c)); /* every field must be set */
		scoring_checklist(checks[i].f, n ? checks[i].ev : NULL, n, NOW, 0.5, &c);

		const char *what = checks[i].what;
		unsigned n_crit;
		scoring_criteria(checks[i].f, &n_crit);
		if (c.framework != checks[i].f || c.n != n_crit)
			fail_msg("%s: framework %d n %u", what, c.framework, c.n);
		if (c.pass != checks[i].pass)
			fail_msg("%s: pass %d, want %d", what, c.pass, checks[i].pass);
		if (c.n_met != checks[i].n_met)
			fail_msg("%s: %u met, want %u", what, c.n_met, checks[i].n_met);
		if (c.buying_role != checks[i].buying_role)
			fail_msg("%s: buying_role %d, want %d", what, c.buying_role,
				 checks[i].buying_role);
		if (checks[i].blocking == NULL) {
			if (c.blocking)
				fail_msg("%s: blocking \"%s\", want none", what, c.blocking);
		} else if (!c.blocking || strcmp(c.blocking, checks[i].blocking) != 0) {
			fail_msg("%s: blocking \"%s\", want \"%s\"", what,
				 c.blocking ? c.blocking : "(null)", checks[i].blocking);
		}
		unsigned met = 0;
		for (unsigned k = 0; k < c.n; k++) {
			met += c.met[k];
			if (c.met[k] && c.status[k] != SCORING_MET)
				fail_msg("%s: criterion %u met with status %d", what, k,
					 c.status[k]);
			if (checks[i].check_status && c.status[k] != checks[i].status[k])
				fail_msg("%s: criterion %u status %d, want %d", what, k,
					 c.status[k], checks[i].status[k]);
		}
		assert_int_equal(met, c.n_met);
	}
}

/* The minimum confidence is the caller's. */
static void test_checklist_min_confidence(void **state)
{
	(void)state;
	static const struct scoring_evidence ev[] = {
		EX(BANT, 0, MET, 0.7, T0, 0),
		EX(BANT, 1, MET, 0.8, T0, 0),
		EX(BANT, 2, MET, 0.9, T0, 0),
	};
	struct scoring_checklist c;
	scoring_checklist(BANT, ev, N_OF(ev), NOW, 0.7, &c);
	assert_true(c.pass);
	assert_int_equal(c.n_met, 3);
	scoring_checklist(BANT, ev, N_OF(ev), NOW, 0.75, &c);
	assert_false(c.pass);
	assert_int_equal(c.n_met, 2);
	scoring_checklist(BANT, ev, N_OF(ev), NOW, 0, &c);
	assert_true(c.pass);
	/* as of a day before everything was recorded: nothing known */
	scoring_checklist(BANT, ev, N_OF(ev), T0 - DAY, 0.5, &c);
	assert_int_equal(c.n_met, 0);
	assert_int_equal(c.status[0], -1);
}

/*
 * Every subset of met criteria of every framework against the rules
 * written out again here: pass, buying role, and a blocking sentence
 * exactly when it does not pass.
 */
static void test_checklist_subsets(void **state)
{
	(void)state;
	for (unsigned f = 0; f < SCORING_FRAMEWORK_COUNT; f++) {
		unsigned n;
		scoring_criteria((enum scoring_framework)f, &n);
		for (unsigned mask = 0; mask < (1u << n); mask++) {
			struct scoring_evidence ev[SCORING_MAX_CRITERIA];
			size_t k = 0;
			for (unsigned i = 0; i < n; i++)
				if (mask & (1u << i))
					ev[k++] = (struct scoring_evidence)
						E((enum scoring_framework)f, i, MET);
			struct scoring_checklist c;
			scoring_checklist((enum scoring_framework)f, ev, k, NOW, 0.5, &c);

			unsigned count = (unsigned)__builtin_popcount(mask);
#define HAS(i) ((mask >> (i)) & 1u)
			bool pass, role;
			switch (f) {
			case SCORING_BANT:
				pass = count >= 3;
				role = HAS(1);
				break;
			case SCORING_CHAMP:
				pass = HAS(0) && HAS(1) + HAS(2) + HAS(3) >= 2;
				role = HAS(1);
				break;
			default:
				pass = HAS(1) && HAS(4) && HAS(5) && count >= 4;
				role = HAS(1);
				break;
			}
#undef HAS
			if (c.pass != pass || c.buying_role != role || c.n_met != count ||
			    (c.blocking == NULL) != pass)
				fail_msg("%s mask %#x: pass %d role %d met %u blocking %s",
					 scoring_framework_name((enum scoring_framework)f), mask,
					 c.pass, c.buying_role, c.n_met,
					 c.blocking ? c.blocking : "(null)");
		}
	}
}

/* ---- the funnel ---------------------------------------------------------------- */

static void test_funnel(void **state)
{
	(void)state;
	double rate[SCORING_FUNNEL_STEPS];
	scoring_funnel_default(rate);
	assert_true(rate[0] == 870.0 / 2000.0);
	assert_true(rate[1] == 130.0 / 870.0);
	assert_true(rate[2] == 36.0 / 130.0);
	assert_true(rate[3] == 10.0 / 36.0);
	for (unsigned i = 0; i < SCORING_FUNNEL_STEPS; i++)
		assert_true(rate[i] > 0 && rate[i] <= 1);

	static const struct {
		unsigned long customers;
		unsigned long want[SCORING_FUNNEL_STEPS + 1];
	} v[] = {
		{10, {2000, 870, 130, 36, 10}}, /* DESIGN.md's figures, exactly */
		{20, {4000, 1740, 260, 72, 20}},
		{100, {20000, 8700, 1300, 360, 100}},
		{1000, {200000, 87000, 13000, 3600, 1000}},
		{0, {0, 0, 0, 0, 0}},
		/* 1 / (10/36) = 3.6 -> 4; 4 x 130/36 = 14.4 -> 15; 15 x 870/130 =
		 * 100.38 -> 101; 101 x 2000/870 = 232.18 -> 233 */
		{1, {233, 101, 15, 4, 1}},
		/* 3 x 3.6 = 10.8 -> 11; 11 x 3.611 = 39.72 -> 40; 40 x 6.692 =
		 * 267.69 -> 268; 268 x 2.299 = 616.09 -> 617 */
		{3, {617, 268, 40, 11, 3}},
	};
	for (size_t i = 0; i < N_OF(v); i++) {
		unsigned long got[SCORING_FUNNEL_STEPS + 1];
		scoring_funnel(v[i].customers, rate, got);
		for (unsigned k = 0; k <= SCORING_FUNNEL_STEPS; k++)
			if (got[k] != v[i].want[k])
				fail_msg("%lu customers: step %u needs %lu, want %lu",
					 v[i].customers, k, got[k], v[i].want[k]);
	}

	/* Other rates. */
	unsigned long got[SCORING_FUNNEL_STEPS + 1];
	const double half[SCORING_FUNNEL_STEPS] = {0.5, 0.5, 0.5, 0.5};
	scoring_funnel(3, half, got);
	assert_int_equal(got[0], 48);
	assert_int_equal(got[1], 24);
	assert_int_equal(got[2], 12);
	assert_int_equal(got[3], 6);
	assert_int_equal(got[4], 3);

	const double all[SCORING_FUNNEL_STEPS] = {1, 1, 1, 1};
	scoring_funnel(7, all, got);
	for (unsigned k = 0; k <= SCORING_FUNNEL_STEPS; k++)
		assert_int_equal(got[k], 7);

	/* Decimal rates a user types: 3 / 0.3 and 7 / 0.7 are 10, not 11,
	 * though neither rate is exact in binary; 0.69 really needs 11. */
	const double tenths[SCORING_FUNNEL_STEPS] = {0.1, 0.2, 0.3, 0.7};
	scoring_funnel(7, tenths, got);
	assert_int_equal(got[3], 10);
	assert_int_equal(got[2], 34); /* 10 / 0.3 = 33.3 */
	assert_int_equal(got[1], 170);
	assert_int_equal(got[0], 1700);
	const double rough[SCORING_FUNNEL_STEPS] = {1, 1, 0.3, 0.69};
	scoring_funnel(7, rough, got);
	assert_int_equal(got[3], 11);
	assert_int_equal(got[2], 37);

	/* Past what an unsigned long holds: saturates. */
	const double tiny[SCORING_FUNNEL_STEPS] = {1e-6, 1e-6, 1e-6, 1e-6};
	scoring_funnel(ULONG_MAX / 2, tiny, got);
	assert_true(got[3] == ULONG_MAX);
	assert_true(got[0] == ULONG_MAX);
	scoring_funnel(ULONG_MAX, all, got);
	assert_true(got[0] == ULONG_MAX);
}

/* An observed rate is used only from a sample big enough at both ends. */
static void test_funnel_observed(void **state)
{
	(void)state;
	static const struct {
		unsigned long start, moved;
		bool used;
		double rate;
	} v[] = {
		{0, 0, false, 0},
		{6, 3, false, 0},    /* a handful */
		{99, 99, false, 0},  /* one short of SCORING_FUNNEL_START_MIN */
		{100, 29, false, 0}, /* one short of SCORING_FUNNEL_MOVED_MIN */
		{110, 1, false, 0},  /* one SQL of 110 MQLs: not a rate to divide by */
		{100000, 1, false, 0},
		{100, 30, true, 0.3},
		{120, 30, true, 0.25},
		{130, 110, true, 110.0 / 130.0},
		{100, 100, true, 1},
		{100, 101, false, 0}, /* more moved on than started: no rate */
		{ULONG_MAX, 30, true, 30.0 / (double)ULONG_MAX},
	};
	assert_int_equal(SCORING_FUNNEL_START_MIN, 100);
	assert_int_equal(SCORING_FUNNEL_MOVED_MIN, 30);
	for (size_t i = 0; i < N_OF(v); i++) {
		double r = -1;
		bool used = scoring_funnel_observed(v[i].start, v[i].moved, &r);
		if (used != v[i].used)
			fail_msg("%lu of %lu: used %d, want %d", v[i].moved, v[i].start, used,
				 v[i].used);
		if (used && r != v[i].rate)
			fail_msg("%lu of %lu: rate %g, want %g", v[i].moved, v[i].start, r,
				 v[i].rate);
		if (!used && r != -1)
			fail_msg("%lu of %lu: a rate not used is not set", v[i].moved, v[i].start);
		/* a rate used is one scoring_funnel() takes */
		if (used)
			assert_true(r > 0 && r <= 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_names),
		cmocka_unit_test(test_stage_moves),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_stage_closure),
		cmocka_unit_test(test_framework_names),
		cmocka_unit_test(test_criteria),
		cmocka_unit_test(test_checklists),
		cmocka_unit_test(test_checklist_min_confidence),
		cmocka_unit_test(test_checklist_subsets),
		cmocka_unit_test(test_funnel),
		cmocka_unit_test(test_funnel_observed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
