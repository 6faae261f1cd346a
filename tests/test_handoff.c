/*
 * test_handoff.c - the delivery layer of handoff/: the Standard Webhooks
 * signer against the specification's published vector, the message ids,
 * the retry schedule and Retry-After, then the sender (send.c) against a
 * real receiver on loopback: tests/hookd.py, started by the group setup
 * and stopped by its PID, which logs each request and checks its
 * signature with Python's own hmac and base64.  Each test drives a
 * sender on a loop of its own until its call backs have come, then
 * checks the outcomes and, from the receiver's log, what was sent.
 * Outcomes, counts and headers only: no durations.
 */
#include "handoff/retry.h"
#include "handoff/send.h"
#include "handoff/sign.h"

#include "loop/loop.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/testutil.h"

/* The secret of the example configuration. */
#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static struct {
	char dir[64];
	char log[96];
	pid_t pid;
	int port;
} W;

static int group_setup(void **state)
{
	(void)state;
	snprintf(W.dir, sizeof(W.dir), "/tmp/lg-handoff-XXXXXX");
	if (!mkdtemp(W.dir))
		return -1;
	snprintf(W.log, sizeof(W.log), "%s/hookd.log", W.dir);
	return hookd_start(SECRET, 0, W.log, &W.pid, &W.port) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	hookd_stop(W.pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", W.dir);
	return system(cmd) == 0 ? 0 : -1;
}

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

/*
 * The accept link: HMAC-SHA256 of "ID.REP.EXP" in base64url.  The value
 * below is Python's hmac and base64 on the same key and text, not ours.
 */
static void test_link_sign(void **state)
{
	struct sign_key k;
	struct lg_err err;
	char sig[SIGN_LINK_SIG_SIZE];
	struct lg_buf url = LG_BUF_INIT;
	(void)state;
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(sign_link(&k, 7, "ana", 1700000000, sig, &err), LG_OK);
	assert_string_equal(sig, "DQKEPS-wjeOl5o9kRNy6VQEWldp2O8CJrw-HPE9M71A");
	assert_int_equal(strlen(sig), SIGN_LINK_SIG_LEN);
	/* the base's trailing '/' dropped; nothing in the query to encode */
	assert_int_equal(sign_link_url(&k, "https://lg.ourco.example/", 7, "ana", 1700000000, &url,
				       &err),
			 LG_OK);
	assert_string_equal(url.data, "https://lg.ourco.example/v1/handoffs/7/accept?rep=ana"
				      "&exp=1700000000&sig=DQKEPS-wjeOl5o9kRNy6VQEWldp2O8CJrw-"
				      "HPE9M71A");
	lg_buf_release(&url);
	/* a rep that is no name would break the "ID.REP.EXP" text or the URL */
	assert_int_equal(sign_link(&k, 7, "a.b", 1700000000, sig, &err), LG_EDATA);
	assert_int_equal(sign_link(&k, 7, "a&b=c", 1700000000, sig, &err), LG_EDATA);
	assert_int_equal(sign_link(&k, 7, "", 1700000000, sig, &err), LG_EDATA);
	sign_key_release(&k);
}

static void test_link_check(void **state)
{
	static const char other[] = "whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB";
	const int64_t exp = 1700000000;
	struct sign_key k, k2;
	struct lg_err err;
	char sig[SIGN_LINK_SIG_SIZE], bad[SIGN_LINK_SIG_SIZE];
	(void)state;
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(sign_key_parse(&k2, other, &err), LG_OK);
	assert_int_equal(sign_link(&k, 7, "ana", exp, sig, &err), LG_OK);
	/* good, up to and at its expiry */
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, sig, exp - 86400), SIGN_LINK_OK);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, sig, exp), SIGN_LINK_OK);
	/* expired: the signature holds, the time is past */
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, sig, exp + 1), SIGN_LINK_EXPIRED);
	/* tampered: another rep, handoff or expiry (a later one too, which
	 * would otherwise revive an expired link) */
	assert_int_equal(sign_link_check(&k, 7, "ben", exp, sig, exp - 1), SIGN_LINK_BAD);
	assert_int_equal(sign_link_check(&k, 8, "ana", exp, sig, exp - 1), SIGN_LINK_BAD);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp + 86400, sig, exp + 1), SIGN_LINK_BAD);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp - 1, sig, exp - 2), SIGN_LINK_BAD);
	/* another key */
	assert_int_equal(sign_link_check(&k2, 7, "ana", exp, sig, exp - 1), SIGN_LINK_BAD);
	/* the signature changed in one character, cut short, longer, missing */
	memcpy(bad, sig, sizeof(bad));
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, bad, exp - 1), SIGN_LINK_BAD);
	bad[10] = sig[10];
	bad[SIGN_LINK_SIG_LEN - 1] = '\0';
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, bad, exp - 1), SIGN_LINK_BAD);
	char longer[SIGN_LINK_SIG_SIZE + 1];
	snprintf(longer, sizeof(longer), "%s=", sig);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, longer, exp - 1), SIGN_LINK_BAD);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, NULL, exp - 1), SIGN_LINK_BAD);
	assert_int_equal(sign_link_check(&k, 7, "ana", exp, "", exp - 1), SIGN_LINK_BAD);
	/* an expired link with a bad signature is bad, not expired */
	assert_int_equal(sign_link_check(&k2, 7, "ana", exp, sig, exp + 1), SIGN_LINK_BAD);
	sign_key_release(&k);
	sign_key_release(&k2);
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
	/* Retry-After: 0 is a second: not all ten attempts at once */
	assert_true(retry_next(6, 0, 0, &d));
	assert_int_equal(d, RETRY_AFTER_MIN);
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

/* ---- the sender against hookd.py ----------------------------------------------- */

struct slot {
	bool done;
	struct send_result r;
};

static void on_done(void *arg, const struct send_result *r)
{
	struct slot *s = arg;
	assert_false(s->done); /* once */
	s->done = true;
	s->r = *r;
}

/* Options for the tests: the receiver is on loopback, over http. */
static struct send_opts opts(void)
{
	struct send_opts o = {.allow_http = true, .allow_private = true};
	return o;
}


/* The requests logged in log from byte at on: a JSON array (owned). */
static json_t *log_since(const char *log, long at)
{
	json_t *a = hookd_log_since(log, at);
	assert_non_null(a);
	return a;
}

static const char *jstr(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

static void url_of(char *url, size_t size, int port, const char *path)
{
	snprintf(url, size, "http://127.0.0.1:%d%s", port, path);
}

/* Where send_one sends: 127.0.0.1 unless a test says otherwise. */
static const char *send_host = "127.0.0.1";

/* Drive l until s has nothing pending. */
static void drive(struct loop *l, struct sender *s)
{
	assert_true(sender_drain(l, s));
}

/* Descriptors l watches (below 1024: the tests' are). */
static unsigned watched(const struct loop *l)
{
	unsigned n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += loop_fd_events(l, fd) != 0;
	return n;
}

/* One attempt of a message to path of the receiver at port, signed,
 * with the options o; its result. */
static struct send_result send_one(const struct send_opts *o, int port, const char *path,
				   const char *id, int64_t ts, const char *body)
{
	struct loop *l;
	struct sender *s;
	struct sign_key k;
	struct lg_err err;
	struct slot sl = {0};
	char url[128];

	snprintf(url, sizeof(url), "http://%s:%d%s", send_host, port, path);
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, o, &err), LG_OK);
	struct send_msg m = {
		.url = url, .body = body, .len = strlen(body), .id = id, .timestamp = ts, .key = &k};
	assert_int_equal(sender_submit(s, &m, on_done, &sl, &err), LG_OK);
	assert_false(sl.done); /* never from inside submit */
	drive(l, s);
	assert_true(sl.done);
	sender_free(s);
	assert_int_equal(loop_timer_count(l), 0);
	assert_int_equal(watched(l), 0);
	loop_free(l);
	sign_key_release(&k);
	return sl.r;
}

static const char BODY[] = "{\"type\":\"lead.handoff\",\"timestamp\":\"2026-12-06T14:00:00Z\","
			   "\"data\":{\"email\":\"ana@example.com\"}}";

/* send_one to host instead of 127.0.0.1, at the time of the call. */
static struct send_result send_to(const struct send_opts *o, const char *host, int port,
				  const char *path, const char *id)
{
	send_host = host;
	struct send_result r = send_one(o, port, path, id, lg_now_wall(), BODY);
	send_host = "127.0.0.1";
	return r;
}

static void test_delivered_signed(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	int64_t ts = lg_now_wall();
	(void)state;
	struct send_result r = send_one(&o, W.port, "/ok", "msg_delivered1", ts, BODY);
	assert_int_equal(r.outcome, SEND_DELIVERED);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.retry_after_s, -1);
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), 1);
	json_t *q = json_array_get(a, 0);
	assert_true(json_is_true(json_object_get(q, "sig_ok")));
	assert_string_equal(jstr(q, "method"), "POST");
	assert_string_equal(jstr(q, "id"), "msg_delivered1");
	char tsbuf[24];
	snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
	assert_string_equal(jstr(q, "ts"), tsbuf);
	assert_string_equal(jstr(q, "body"), BODY);
	assert_string_equal(jstr(q, "content_type"), "application/json");
	assert_string_equal(jstr(q, "user_agent"), "leadgate/" LEADGATE_VERSION);
	assert_true(json_is_null(json_object_get(q, "expect")));
	json_decref(a);
}

/* 500, 500, then 200: three attempts as an outbox makes them, the same
 * id, each attempt with its own timestamp and a signature that holds. */
static void test_flaky_same_id(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	int64_t ts = lg_now_wall(), delay;
	enum send_outcome want[] = {SEND_RETRY, SEND_RETRY, SEND_DELIVERED};
	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct send_result r = send_one(&o, W.port, "/flaky", "msg_flaky1", ts + i, BODY);
		assert_int_equal(r.outcome, want[i]);
		assert_int_equal(r.status, i < 2 ? 500 : 200);
		if (r.outcome == SEND_RETRY) {
			assert_false(r.throttle);
			assert_non_null(strstr(r.detail, "500"));
			/* the schedule's next step: 5 s, then 5 min */
			assert_true(retry_next(i + 1, r.retry_after_s, 1u << 31, &delay));
			assert_int_equal(delay, retry_step_ms(i + 2));
		}
	}
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *q = json_array_get(a, i);
		assert_string_equal(jstr(q, "id"), "msg_flaky1");
		assert_true(json_is_true(json_object_get(q, "sig_ok")));
		assert_int_equal(json_integer_value(json_object_get(q, "status")),
				 i < 2 ? 500 : 200);
	}
	json_decref(a);
}

static void test_slow_timeout(void **state)
{
	struct send_opts o = opts();
	(void)state;
	o.timeout_ms = 300;
	struct send_result r = send_one(&o, W.port, "/slow", "msg_slow1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 0);
	if (!strstr(r.detail, "timed out"))
		fail_msg("detail: %s", r.detail);
	/* the path is not in the message */
	assert_null(strstr(r.detail, "/slow"));
}

static void test_retry_after(void **state)
{
	struct send_opts o = opts();
	int64_t delay;
	(void)state;
	struct send_result r = send_one(&o, W.port, "/limit", "msg_limit1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 429);
	assert_true(r.throttle);
	assert_int_equal(r.retry_after_s, 7);
	/* it takes precedence over the schedule's 5 s */
	assert_true(retry_next(1, r.retry_after_s, 0, &delay));
	assert_int_equal(delay, 7000);
	r = send_one(&o, W.port, "/limit", "msg_limit1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_DELIVERED);

	/* an HTTP-date, 120 s after the receiver's clock (the same machine's) */
	r = send_one(&o, W.port, "/limit-date", "msg_limit2", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 503);
	assert_false(r.throttle);
	assert_true(r.retry_after_s > 60 && r.retry_after_s <= 121);
}

static void test_gone_disables(void **state)
{
	struct send_opts o = opts();
	(void)state;
	struct send_result r = send_one(&o, W.port, "/gone", "msg_gone1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_DISABLED);
	assert_int_equal(r.status, 410);
	assert_string_equal(send_outcome_name(r.outcome), "disabled");
}

/* Any other status is a failure, retried; no redirect followed; a big
 * body still an answer. */
static void test_other_answers(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	(void)state;
	struct send_result r = send_one(&o, W.port, "/bad", "msg_bad1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 400);
	assert_false(r.throttle);
	r = send_one(&o, W.port, "/throttle", "msg_thr1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 502);
	assert_true(r.throttle);
	r = send_one(&o, W.port, "/redirect", "msg_redir1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 302);
	r = send_one(&o, W.port, "/big", "msg_big1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_DELIVERED);
	assert_int_equal(r.status, 200);
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), 4); /* nothing to /ok: no redirect followed */
	for (size_t i = 0; i < json_array_size(a); i++)
		assert_string_not_equal(jstr(json_array_get(a, i), "path"), "/ok");
	json_decref(a);
}

static void test_private_refused(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	char url[128];
	(void)state;
	o.allow_private = false;
	struct send_result r = send_one(&o, W.port, "/ok", "msg_priv1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_REFUSED);
	assert_int_equal(r.status, 0);
	if (!strstr(r.detail, "127.0.0.1 is a loopback"))
		fail_msg("detail: %s", r.detail);
	/* a name that resolves to loopback (libcurl's resolver thread): the
	 * address is checked, not the name */
	r = send_to(&o, "localhost", W.port, "/ok", "msg_priv2");
	assert_int_equal(r.outcome, SEND_REFUSED);
	if (!strstr(r.detail, "is a loopback"))
		fail_msg("detail: %s", r.detail);
	/* allowed, the same name is sent to */
	o.allow_private = true;
	r = send_to(&o, "localhost", W.port, "/ok", "msg_priv3");
	assert_int_equal(r.outcome, SEND_DELIVERED);
	/* http:// only when allowed: refused at once, never called back */
	o = opts();
	o.allow_http = false;
	url_of(url, sizeof(url), W.port, "/ok");
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	struct send_msg m = {.url = url, .body = BODY, .len = strlen(BODY)};
	assert_int_equal(sender_submit(s, &m, NULL, NULL, &err), LG_EDATA);
	assert_non_null(strstr(err.msg, "https://"));
	assert_int_equal(sender_pending(s), 0);
	sender_free(s);
	loop_free(l);
	/* the receiver saw the one allowed, nothing else */
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(jstr(json_array_get(a, 0), "id"), "msg_priv3");
	json_decref(a);
}

/* What cannot be a header is refused before anything is sent. */
static void test_bad_headers(void **state)
{
	struct send_opts o = opts();
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	struct sign_key k;
	char url[128];
	const char *inject[] = {"X-Ok: 1", "X-Bad: 1\r\nX-Evil: 2", NULL};
	(void)state;
	url_of(url, sizeof(url), W.port, "/ok");
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	struct send_msg m = {.url = url, .body = BODY, .len = strlen(BODY), .id = "msg_a.b"};
	assert_int_equal(sender_submit(s, &m, NULL, NULL, &err), LG_EDATA);
	m.id = "msg_a\r\nX-Evil: 1";
	assert_int_equal(sender_submit(s, &m, NULL, NULL, &err), LG_EDATA);
	m.id = NULL;
	m.key = &k; /* signed, without an id */
	assert_int_equal(sender_submit(s, &m, NULL, NULL, &err), LG_EDATA);
	m.key = NULL;
	m.headers = inject;
	assert_int_equal(sender_submit(s, &m, NULL, NULL, &err), LG_EDATA);
	assert_int_equal(sender_pending(s), 0);
	sender_free(s);
	loop_free(l);
	sign_key_release(&k);
}

/* A CRM's request: PATCH, its own headers, no signature. */
static void test_patch_unsigned(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	struct slot sl = {0};
	char url[128];
	const char *hdrs[] = {"Authorization: Bearer t0ken", NULL};
	(void)state;
	url_of(url, sizeof(url), W.port, "/ok");
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	struct send_msg m = {
		.url = url, .body = BODY, .len = strlen(BODY), .method = "PATCH", .headers = hdrs};
	assert_int_equal(sender_submit(s, &m, on_done, &sl, &err), LG_OK);
	drive(l, s);
	assert_int_equal(sl.r.outcome, SEND_DELIVERED);
	sender_free(s);
	loop_free(l);
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), 1);
	json_t *q = json_array_get(a, 0);
	assert_string_equal(jstr(q, "method"), "PATCH");
	assert_true(json_is_null(json_object_get(q, "id")));
	assert_true(json_is_false(json_object_get(q, "sig_ok")));
	assert_string_equal(jstr(q, "body"), BODY);
	json_decref(a);
}

/* A port nobody listens on (as long as nobody takes it). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t n = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* The receiver is down: a failure to retry; once it is up, the same
 * message is delivered. */
static void test_down_then_up(void **state)
{
	struct send_opts o = opts();
	char log[128];
	pid_t pid = 0;
	int port = free_port(), got = 0;
	(void)state;
	snprintf(log, sizeof(log), "%s/late.log", W.dir);
	struct send_result r = send_one(&o, port, "/ok", "msg_late1", lg_now_wall(), BODY);
	assert_int_equal(r.outcome, SEND_RETRY);
	assert_int_equal(r.status, 0);
	assert_int_not_equal(r.detail[0], '\0');
	assert_true(hookd_start(SECRET, port, log, &pid, &got));
	assert_int_equal(got, port);
	r = send_one(&o, port, "/ok", "msg_late1", lg_now_wall(), BODY);
	hookd_stop(pid);
	assert_int_equal(r.outcome, SEND_DELIVERED);
	json_t *a = log_since(log, 0);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(jstr(json_array_get(a, 0), "id"), "msg_late1");
	assert_true(json_is_true(json_object_get(json_array_get(a, 0), "sig_ok")));
	json_decref(a);
}

/* 40 messages at once with a cap of 4: all delivered, never more than 4
 * running (the sender's count and the receiver's). */
#define MANY 40
#define CAP 4
static void test_many_within_cap(void **state)
{
	struct send_opts o = opts();
	long at = test_file_size(W.log);
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	struct sign_key k;
	struct slot sl[MANY];
	char url[128], ids[MANY][SIGN_ID_SIZE];
	size_t most = 0;
	(void)state;
	memset(sl, 0, sizeof(sl));
	o.max_transfers = CAP;
	url_of(url, sizeof(url), W.port, "/many");
	assert_int_equal(sign_key_parse(&k, SECRET, &err), LG_OK);
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(sign_message_id(ids[i], &err), LG_OK);
		struct send_msg m = {.url = url,
				     .body = BODY,
				     .len = strlen(BODY),
				     .id = ids[i],
				     .timestamp = lg_now_wall(),
				     .key = &k};
		assert_int_equal(sender_submit(s, &m, on_done, &sl[i], &err), LG_OK);
	}
	assert_int_equal(sender_pending(s), MANY);
	assert_int_equal(sender_running(s), CAP);
	for (unsigned i = 0; sender_pending(s); i++) {
		assert_true(i < 100000);
		if (sender_running(s) > most)
			most = sender_running(s);
		loop_step(l, 1000);
	}
	assert_true(most <= CAP);
	for (int i = 0; i < MANY; i++) {
		assert_true(sl[i].done);
		assert_int_equal(sl[i].r.outcome, SEND_DELIVERED);
	}
	sender_free(s);
	loop_free(l);
	sign_key_release(&k);
	json_t *a = log_since(W.log, at);
	assert_int_equal(json_array_size(a), MANY);
	for (int i = 0; i < MANY; i++) {
		bool found = false;
		for (size_t j = 0; j < json_array_size(a); j++) {
			json_t *q = json_array_get(a, j);
			if (!strcmp(jstr(q, "id"), ids[i])) {
				assert_false(found);
				found = true;
				assert_true(json_is_true(json_object_get(q, "sig_ok")));
			}
		}
		assert_true(found);
	}
	for (size_t j = 0; j < json_array_size(a); j++)
		assert_true(json_integer_value(
				    json_object_get(json_array_get(a, j), "concurrent")) <= CAP);
	json_decref(a);
}

/* An outbox's way: each call back submits the next message. */
struct chain {
	struct sender *s;
	char url[128];
	int sent, delivered;
};

static void chain_next(void *arg, const struct send_result *r)
{
	struct chain *c = arg;
	struct lg_err err;
	c->delivered += r->outcome == SEND_DELIVERED;
	if (c->sent < 5) {
		struct send_msg m = {.url = c->url, .body = BODY, .len = strlen(BODY)};
		assert_int_equal(sender_submit(c->s, &m, chain_next, c, &err), LG_OK);
		c->sent++;
	}
}

static void test_submit_from_call_back(void **state)
{
	struct send_opts o = opts();
	struct loop *l;
	struct lg_err err;
	struct chain c = {0};
	(void)state;
	url_of(c.url, sizeof(c.url), W.port, "/ok");
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&c.s, l, &o, &err), LG_OK);
	chain_next(&c, &(struct send_result){.outcome = SEND_RETRY});
	drive(l, c.s);
	assert_int_equal(c.sent, 5);
	assert_int_equal(c.delivered, 5);
	sender_free(c.s);
	loop_free(l);
}

/* Freed with transfers running and waiting: nothing called back, nothing
 * left on the loop. */
static void test_free_midway(void **state)
{
	struct send_opts o = opts();
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	struct slot sl[3];
	char url[128];
	(void)state;
	memset(sl, 0, sizeof(sl));
	o.max_transfers = 1;
	url_of(url, sizeof(url), W.port, "/slow");
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	for (int i = 0; i < 3; i++) {
		struct send_msg m = {.url = url, .body = BODY, .len = strlen(BODY)};
		assert_int_equal(sender_submit(s, &m, on_done, &sl[i], &err), LG_OK);
	}
	for (int i = 0; i < 5; i++)
		loop_step(l, 10);
	sender_free(s);
	for (int i = 0; i < 3; i++)
		assert_false(sl[i].done);
	assert_int_equal(loop_timer_count(l), 0);
	assert_int_equal(watched(l), 0);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_sign_vector),       cmocka_unit_test(test_sign_key_refused),
		cmocka_unit_test(test_link_sign),         cmocka_unit_test(test_link_check),
		cmocka_unit_test(test_message_id),        cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_retry_after_parse),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_delivered_signed),
		cmocka_unit_test(test_flaky_same_id),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_gone_disables),
		cmocka_unit_test(test_other_answers),
		cmocka_unit_test(test_private_refused),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_patch_unsigned),
		cmocka_unit_test(test_down_then_up),
		cmocka_unit_test(test_many_within_cap),
		cmocka_unit_test(test_submit_from_call_back),
		cmocka_unit_test(test_slow_timeout),
		cmocka_unit_test(test_free_midway),
	};
	int failed = cmocka_run_group_tests_name("handoff", pure, NULL, NULL);
	return failed + cmocka_run_group_tests_name("handoff on loopback", live, group_setup,
						    group_teardown);
}
