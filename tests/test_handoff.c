/*
 * test_handoff.c - the delivery layer of handoff/: the Standard Webhooks
 * signer against the specification's published vector, the secrets
 * refused, the message ids, the retry schedule and Retry-After.
 */
#include "handoff/retry.h"
#include "handoff/sign.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* The secret of the example configuration. */
#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* ---- the signer, the ids, the schedule ---------------------------------------- */

/*
 * The specification's published vector: the test "sign function works"
 * of libraries/javascript/src/webhook.test.ts in the
 * standard-webhooks/standard-webhooks repository (the same values are in
 * its other libraries' tests): key
 * whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
 * timestamp 1614265330, payload {"test": 2432232314}.
 */
static void test_sign_vector(void **state)
{
	static const char body[] = "{\"test\": 2432232314}";
	struct sign_key k;
	struct lg_err err;
	char sig[SIGN_SIG_SIZE];
	(void)state;
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(k.len, 24);
	assert_int_equal(sign_message(&k, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
				      strlen(body), sig, &err),
			 LG_OK);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	/* one byte of the body changed, another signature */
	assert_int_equal(sign_message(&k, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
				      strlen(body) - 1, sig, &err),
			 LG_OK);
	assert_string_not_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	sign_key_release(&k);
	assert_int_equal(k.len, 0);
}

static void test_sign_key_refused(void **state)
{
	static const struct {
		const char *secret, *says;
	} bad[] = {
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "begins with \"whsec_\""},
		{"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "begins with \"whsec_\""},
		{"", "begins with \"whsec_\""},
		{"whsec_", "empty"},
		{"whsec_MfKQ9r8GKYqr!wjUPD8ILPZIo2LaLaSw", "not base64"},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "not base64"}, /* cut mid-group */
		{"whsec_c2hvcnQ=", "not 24 to 64"},                      /* "short" */
		{"whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		 "QUFBQUFBQUFBQUE=",
		 "not 24 to 64"}, /* 65 bytes */
		{"whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
		 "QUFBQUFBQUFBQUFBQUFBQUFBQUFB",
		 "too long"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sign_key k;
		struct lg_err err;
		err.msg[0] = '\0';
		if (sign_key_parse(&k, bad[i].secret, &err) != LG_ECONFIG)
			fail_msg("%s: accepted", bad[i].secret);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].secret, err.msg,
				 bad[i].says);
		assert_int_equal(k.len, 0);
		/* the message never quotes the secret */
		if (strlen(bad[i].secret) > 8)
			assert_null(strstr(err.msg, bad[i].secret + 6));
	}
}

static void test_message_id(void **state)
{
	char a[SIGN_ID_SIZE], b[SIGN_ID_SIZE];
	struct lg_err err;
	(void)state;
	assert_int_equal(sign_message_id(a, &err), LG_OK);
	assert_int_equal(sign_message_id(b, &err), LG_OK);
	assert_int_equal(strlen(a), SIGN_ID_SIZE - 1);
	assert_memory_equal(a, "msg_", 4);
	assert_string_not_equal(a, b);
	for (const char *p = a + 4; *p; p++)
		assert_true(lg_ascii_is_alpha((unsigned char)*p) ||
			    lg_ascii_is_digit((unsigned char)*p) || *p == '-' || *p == '_');
}

static void test_retry_schedule(void **state)
{
	/* Standard Webhooks' example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
	 * 14 h, 20 h, 24 h after the first attempt's failure, 75:35:05 in all */
	static const int64_t want[] = {5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400};
	int64_t d, total = 0;
	(void)state;
	assert_int_equal(retry_step_ms(1), 0);
	for (unsigned failed = 1; failed < RETRY_ATTEMPTS; failed++) {
		int64_t w = want[failed - 1] * 1000;
		assert_int_equal(retry_step_ms(failed + 1), w);
		total += w;
		/* the jitter: within +-10 %, the ends reached, the middle in the middle */
		assert_true(retry_next(failed, -1, 0, &d));
		assert_int_equal(d, w - w / 10);
		assert_true(retry_next(failed, -1, UINT32_MAX, &d));
		assert_true(d <= w + w / 10 && d >= w + w / 10 - 1);
		assert_true(retry_next(failed, -1, 1u << 31, &d));
		assert_int_equal(d, w);
	}
	assert_int_equal(total, (75 * 3600 + 35 * 60 + 5) * 1000LL);
	/* after the tenth attempt: dead */
	assert_false(retry_next(RETRY_ATTEMPTS, -1, 0, &d));
	assert_false(retry_next(RETRY_ATTEMPTS, 5, 0, &d));
	assert_int_equal(retry_step_ms(RETRY_ATTEMPTS + 1), -1);
	/* Retry-After first, never earlier, at most 10 % later */
	assert_true(retry_next(1, 7, 0, &d));
	assert_int_equal(d, 7000);
	assert_true(retry_next(1, 7, UINT32_MAX, &d));
	assert_true(d >= 7000 && d <= 7700);
	assert_true(retry_next(6, 0, 0, &d));
	assert_int_equal(d, 0);
	/* capped at a day */
	assert_true(retry_next(1, 30 * 86400, 0, &d));
	assert_int_equal(d, RETRY_AFTER_MAX);
	assert_true(retry_next(1, INT64_MAX / 2, 0, &d));
	assert_int_equal(d, RETRY_AFTER_MAX);
}

static void test_retry_after_parse(void **state)
{
	/* RFC 9110 10.2.3's example date, 784111777 */
	static const int64_t t = 784111777;
	int64_t s = -1;
	(void)state;
	assert_true(retry_after_parse("120", 3, 0, &s));
	assert_int_equal(s, 120);
	assert_true(retry_after_parse(" 0 \r\n", 5, 0, &s));
	assert_int_equal(s, 0);
	assert_true(retry_after_parse(" Sun, 06 Nov 1994 08:49:37 GMT\r\n", 32, t - 60, &s));
	assert_int_equal(s, 60);
	/* the obsolete forms a recipient accepts (RFC 9110 5.6.7) */
	assert_true(retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, t - 5, &s));
	assert_int_equal(s, 5);
	assert_true(retry_after_parse("Sun Nov  6 08:49:37 1994", 24, t - 5, &s));
	assert_int_equal(s, 5);
	/* a date past: now */
	assert_true(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, t + 3600, &s));
	assert_int_equal(s, 0);
	s = 42;
	assert_false(retry_after_parse("", 0, t, &s));
	assert_false(retry_after_parse("soon", 4, t, &s));
	assert_false(retry_after_parse("-5", 2, t, &s));
	assert_false(retry_after_parse("12s", 3, t, &s));
	assert_int_equal(s, 42);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_sign_vector),       cmocka_unit_test(test_sign_key_refused),
		cmocka_unit_test(test_message_id),        cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_retry_after_parse),
	};
	return cmocka_run_group_tests_name("handoff", pure, NULL, NULL);
}
