/*
 * test_rate.c - the token bucket (serve/rate.c): a burst then refusals
 * with the right Retry-After, refilling over time, unlimited rates, and a
 * clock that goes backwards; the table of buckets by client address: one
 * caller limited, another not, and a full set giving up its quietest
 * slot.  Times are plain numbers.
 */
#include "serve/rate.h"

#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define T0 ((int64_t)1763800000000) /* ms: any time will do */

/* Take n tokens at now, every one allowed. */
static void take_all(struct rate_bucket *b, double rate, double burst, int64_t now, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned retry = 0;
		if (!rate_take(b, rate, burst, now, &retry))
			fail_msg("take %d of %d at %lld refused (retry %u)", i + 1, n,
				 (long long)now, retry);
	}
}

/* Refused at now; the Retry-After it gives. */
static unsigned refused(struct rate_bucket *b, double rate, double burst, int64_t now)
{
	unsigned retry = 0;
	assert_false(rate_take(b, rate, burst, now, &retry));
	assert_true(retry >= 1);
	return retry;
}

static void test_burst_then_refused(void **state)
{
	struct rate_bucket b = {0};
	(void)state;

	/* a new bucket is full: burst requests at once */
	take_all(&b, 2, 5, T0, 5);
	/* then none: a token in 0.5 s, said as 1 s */
	assert_int_equal(refused(&b, 2, 5, T0), 1);
	/* refusals take nothing */
	assert_int_equal(refused(&b, 2, 5, T0), 1);
	assert_int_equal(refused(&b, 2, 5, T0 + 499), 1);
	take_all(&b, 2, 5, T0 + 500, 1);
	assert_int_equal(refused(&b, 2, 5, T0 + 500), 1);

	/* slow refill: one token every 10 s */
	struct rate_bucket s = {0};
	take_all(&s, 0.1, 3, T0, 3);
	assert_int_equal(refused(&s, 0.1, 3, T0), 10);
	assert_int_equal(refused(&s, 0.1, 3, T0 + 1000), 9);
	assert_int_equal(refused(&s, 0.1, 3, T0 + 8500), 2); /* 1.5 s rounded up */
	assert_int_equal(refused(&s, 0.1, 3, T0 + 9999), 1);
	take_all(&s, 0.1, 3, T0 + 10000, 1);
}

static void test_refill(void **state)
{
	struct rate_bucket b = {0};
	(void)state;

	take_all(&b, 10, 20, T0, 20);
	refused(&b, 10, 20, T0);
	/* 1 s at 10 a second: 10 tokens, and not 11 */
	take_all(&b, 10, 20, T0 + 1000, 10);
	refused(&b, 10, 20, T0 + 1000);
	/* an hour idle: full again, but never above burst */
	take_all(&b, 10, 20, T0 + 3600 * 1000, 20);
	refused(&b, 10, 20, T0 + 3600 * 1000);
	/* a steady 10 a second is never refused */
	for (int i = 1; i <= 100; i++)
		take_all(&b, 10, 20, T0 + 3600 * 1000 + i * 100, 1);
	/* burst below 1 counts as 1 */
	struct rate_bucket one = {0};
	take_all(&one, 1, 0.2, T0, 1);
	assert_int_equal(refused(&one, 1, 0.2, T0), 1);
	take_all(&one, 1, 0.2, T0 + 1000, 1);
}

static void test_unlimited(void **state)
{
	struct rate_bucket b = {0};
	unsigned retry = 12345;
	(void)state;

	for (int i = 0; i < 10000; i++)
		assert_true(rate_take(&b, 0, 1, T0, &retry));
	assert_true(rate_take(&b, -1, 1, T0, &retry));
	assert_true(rate_take(&b, NAN, 1, T0, &retry));
	assert_int_equal(retry, 12345); /* untouched */
	assert_false(b.started);
	/* NULL for retry_after is fine */
	struct rate_bucket c = {0};
	assert_true(rate_take(&c, 1, 1, T0, NULL));
	assert_false(rate_take(&c, 1, 1, T0, NULL));
	/* a tiny rate: Retry-After saturates rather than wraps */
	struct rate_bucket d = {0};
	take_all(&d, 1e-12, 1, T0, 1);
	assert_int_equal(refused(&d, 1e-12, 1, T0), UINT_MAX);
}

static void test_backwards_clock(void **state)
{
	struct rate_bucket b = {0};
	(void)state;

	take_all(&b, 1, 3, T0, 3);
	refused(&b, 1, 3, T0);
	/* an hour back: nothing minted for the jump, nor for the hour the
	 * clock goes through again */
	refused(&b, 1, 3, T0 - 3600 * 1000);
	refused(&b, 1, 3, T0 - 3600 * 1000 + 1000);
	refused(&b, 1, 3, T0 - 1);
	refused(&b, 1, 3, T0);
	/* past the latest reading: time counts again */
	take_all(&b, 1, 3, T0 + 1000, 1);
	refused(&b, 1, 3, T0 + 1000);
	/* back and forth by small steps mints no more than the clock's advance */
	struct rate_bucket c = {0};
	take_all(&c, 1, 1, T0, 1);
	for (int i = 0; i < 50; i++) {
		refused(&c, 1, 1, T0 + 900);
		refused(&c, 1, 1, T0 + 100);
	}
	refused(&c, 1, 1, T0 + 999);
	take_all(&c, 1, 1, T0 + 1000, 1); /* T0 -> T0 + 1000: one second */
}

/* One address is limited; another, with its own bucket, is not. */
static void test_table_by_address(void **state)
{
	(void)state;
	struct rate_table *t = rate_table_new(64);
	const unsigned char a[4] = {192, 0, 2, 1}, b[4] = {192, 0, 2, 2};
	unsigned retry = 0;
	for (int i = 0; i < 3; i++)
		assert_true(rate_table_take(t, a, sizeof(a), 1, 3, T0, &retry));
	assert_false(rate_table_take(t, a, sizeof(a), 1, 3, T0, &retry));
	assert_int_equal(retry, 1);
	assert_true(rate_table_take(t, b, sizeof(b), 1, 3, T0, &retry));
	/* a refills at 1 a second */
	assert_true(rate_table_take(t, a, sizeof(a), 1, 3, T0 + 1000, &retry));
	assert_false(rate_table_take(t, a, sizeof(a), 1, 3, T0 + 1000, &retry));
	/* a caller with no address (a Unix socket's) has a bucket too,
	 * not a free slot's: spent, it stays spent when others come */
	for (int i = 0; i < 3; i++)
		assert_true(rate_table_take(t, "", 0, 1, 3, T0, &retry));
	assert_false(rate_table_take(t, "", 0, 1, 3, T0, &retry));
	for (unsigned char i = 0; i < 32; i++) {
		const unsigned char c[4] = {198, 51, 100, i};
		assert_true(rate_table_take(t, c, sizeof(c), 1, 3, T0, &retry));
	}
	assert_false(rate_table_take(t, "", 0, 1, 3, T0, &retry));
	/* unlimited: always */
	assert_true(rate_table_take(t, a, sizeof(a), 0, 3, T0 + 1000, &retry));
	rate_table_free(t);
}

/* A table of one set: a fifth address takes the slot of the quietest
 * (fullest) of the four, never the busy one's. */
static void test_table_evicts_quietest(void **state)
{
	(void)state;
	struct rate_table *t = rate_table_new(RATE_WAYS);
	unsigned char addr[RATE_WAYS + 1][1];
	unsigned retry = 0;
	for (unsigned i = 0; i <= RATE_WAYS; i++)
		addr[i][0] = (unsigned char)i;
	/* Address 0 spends its burst; 1..3 take one token each. */
	for (int i = 0; i < 2; i++)
		assert_true(rate_table_take(t, addr[0], 1, 0.001, 2, T0, &retry));
	assert_false(rate_table_take(t, addr[0], 1, 0.001, 2, T0, &retry));
	for (unsigned i = 1; i < RATE_WAYS; i++)
		assert_true(rate_table_take(t, addr[i], 1, 0.001, 2, T0, &retry));
	/* The newcomer evicts one of 1..3 (one token left each), not 0. */
	assert_true(rate_table_take(t, addr[RATE_WAYS], 1, 0.001, 2, T0, &retry));
	assert_false(rate_table_take(t, addr[0], 1, 0.001, 2, T0, &retry));
	rate_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_backwards_clock),
		cmocka_unit_test(test_table_by_address),
		cmocka_unit_test(test_table_evicts_quietest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
