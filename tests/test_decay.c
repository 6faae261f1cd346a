/*
 * test_decay.c - survival, confidence and freshness classes.
 *
 * The expected figures are worked out by hand in the comments; ages are
 * plain numbers, never the clock.
 */
#include "decay/decay.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define DAY ((int64_t)86400)

/* cmocka 1.1.5's assert_near() rounds to float: too coarse here. */
#define assert_near(a, b, eps) near_at((a), (b), (eps), __FILE__, __LINE__)
static void near_at(double a, double b, double eps, const char *file, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s:%d: %.12g is not within %g of %.12g", file, line, a, eps, b);
}

static void test_default(void **state)
{
	(void)state;
	struct decay_policy p;
	decay_policy_default(&p);
	assert_near(p.monthly_rate, 0.021, 1e-15);
	assert_int_equal(p.fresh_for, 7 * DAY);
	assert_int_equal(p.stale_after, 30 * DAY);
	/* 365.2425 days / 12 = 30.436875 days = 2629746 s */
	assert_int_equal((int64_t)DECAY_MONTH * 12 * 10000, (int64_t)3652425 * 86400);
}

static void test_survival(void **state)
{
	(void)state;
	struct decay_policy p;
	decay_policy_default(&p);

	assert_near(decay_survival(&p, 0), 1.0, 0);
	/* A verdict dated in the future (clock skew) has not decayed. */
	assert_near(decay_survival(&p, -DAY), 1.0, 0);
	assert_near(decay_survival(&p, INT64_MIN), 1.0, 0);
	/* One month: 1 - 0.021 = 0.979. */
	assert_near(decay_survival(&p, DECAY_MONTH), 0.979, 1e-12);
	/* Two months: 0.979^2 = 0.958441. */
	assert_near(decay_survival(&p, 2 * DECAY_MONTH), 0.958441, 1e-12);
	/* Half a month: sqrt(0.979) = 0.98944428... */
	assert_near(decay_survival(&p, DECAY_MONTH / 2), sqrt(0.979), 1e-9);
	/* A year: 0.979^12 = 0.958441^6; 0.958441^2 = 0.918609..., ^3 =
	 * 0.880433...; squared 0.775162 - so 22.48 % (the "22.5 % a year")
	 * goes bad. */
	double year = decay_survival(&p, 12 * DECAY_MONTH);
	assert_near(year, 0.7751617, 1e-6);
	assert_near(1 - year, 0.2248, 1e-4);
	/* Survival only falls with age. */
	assert_true(decay_survival(&p, 30 * DAY) < decay_survival(&p, 7 * DAY));
	assert_true(decay_survival(&p, 7 * DAY) < 1.0);

	/* r = 0: nothing ever goes bad. */
	p.monthly_rate = 0;
	assert_near(decay_survival(&p, 0), 1.0, 0);
	assert_near(decay_survival(&p, 120 * DECAY_MONTH), 1.0, 0);
	/* r = 50 %: halves each month, 0.5^3 after three. */
	p.monthly_rate = 0.5;
	assert_near(decay_survival(&p, 3 * DECAY_MONTH), 0.125, 1e-12);
}

static void test_confidence(void **state)
{
	(void)state;
	struct decay_policy p;
	decay_policy_default(&p);
	/* p0 = 0.995 after one month: 0.995 * 0.979 = 0.974105. */
	assert_near(decay_confidence(&p, 0.995, DECAY_MONTH), 0.974105, 1e-12);
	/* After a year: 0.995 * 0.7751617 = 0.7712859. */
	assert_near(decay_confidence(&p, 0.995, 12 * DECAY_MONTH), 0.7712859, 1e-6);
	/* Fresh, or from the future: p0 itself. */
	assert_near(decay_confidence(&p, 0.75, 0), 0.75, 0);
	assert_near(decay_confidence(&p, 0.75, -5), 0.75, 0);
	assert_near(decay_confidence(&p, 0, DECAY_MONTH), 0, 0);
}

static void test_classify(void **state)
{
	(void)state;
	struct decay_policy p;
	decay_policy_default(&p);
	static const struct {
		int64_t age;
		enum decay_class want;
	} v[] = {
		{-DAY, DECAY_FRESH},
		{0, DECAY_FRESH},
		{7 * DAY - 1, DECAY_FRESH}, /* the last fresh second */
		{7 * DAY, DECAY_AGING},     /* fresh means younger than 7 days */
		{20 * DAY, DECAY_AGING},
		{30 * DAY, DECAY_AGING},     /* stale means older than 30 days */
		{30 * DAY + 1, DECAY_STALE}, /* the first stale second */
		{3650 * DAY, DECAY_STALE},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		if (decay_classify(&p, v[i].age) != v[i].want)
			fail_msg("age %lld: got %s, want %s", (long long)v[i].age,
				 decay_class_name(decay_classify(&p, v[i].age)),
				 decay_class_name(v[i].want));

	/* fresh_for = stale_after: aging only at that very second. */
	p.fresh_for = p.stale_after = 7 * DAY;
	assert_int_equal(decay_classify(&p, 7 * DAY - 1), DECAY_FRESH);
	assert_int_equal(decay_classify(&p, 7 * DAY), DECAY_AGING);
	assert_int_equal(decay_classify(&p, 7 * DAY + 1), DECAY_STALE);
	/* fresh_for = 0: nothing verified in the past is fresh. */
	p.fresh_for = 0;
	assert_int_equal(decay_classify(&p, 0), DECAY_AGING);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(decay_class_name(DECAY_FRESH), "fresh");
	assert_string_equal(decay_class_name(DECAY_AGING), "aging");
	assert_string_equal(decay_class_name(DECAY_STALE), "stale");
	assert_string_equal(decay_class_name((enum decay_class)DECAY_CLASS_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),    cmocka_unit_test(test_survival),
		cmocka_unit_test(test_confidence), cmocka_unit_test(test_classify),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
