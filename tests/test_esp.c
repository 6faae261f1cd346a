/*
 * test_esp.c - the ESP webhooks' credentials: Mailgun's HMAC, SendGrid's
 * ECDSA signature, basic auth, the SNS message types and SubscribeURL
 * hosts, and the [esp] policy's check.
 *
 * The signed vectors under tests/vectors/esp/ were made by gen.sh there,
 * with Python's hmac module and the openssl command, not with this code;
 * the directory is argv[1], or tests/vectors/esp (the tests run from the
 * top of the tree).  "now" is always an argument: the vectors were signed
 * at VEC_TS.
 */
#include "serve/esp.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *vec_dir = "tests/vectors/esp";

#define VEC_TS ((int64_t)1765000000)            /* gen.sh's TS */
#define MAILGUN_KEY "key-test-4f1c9a7e2b6d8053" /* gen.sh's MAILGUN_KEY */
#define MAILGUN_TOKEN "c1a9d4b0e5f2a7c3d8e9b1f4a6c2d7e0b3f8a5c9d1e6b2f7a4"
#define WINDOW ((int64_t)ESP_WINDOW_DEFAULT)

static char *slurp(const char *name, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", vec_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the top of the tree, or pass the vector "
			 "directory)",
			 path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	buf[len] = '\0';
	if (n)
		*n = (size_t)len;
	return buf;
}

/* body with the first occurrence of from replaced by to; malloc'd. */
static char *replace(const char *body, const char *from, const char *to)
{
	const char *at = strstr(body, from);
	assert_non_null(at);
	size_t pre = (size_t)(at - body), fn = strlen(from), tn = strlen(to);
	size_t n = strlen(body) - fn + tn;
	char *out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, body, pre);
	memcpy(out + pre, to, tn);
	memcpy(out + pre + tn, at + fn, strlen(at + fn) + 1);
	return out;
}

static enum esp_auth mailgun(const char *body, const char *key, int64_t now, char *token,
			     size_t token_size)
{
	return esp_mailgun_check(body, strlen(body), key, now, WINDOW, token, token_size);
}

#define assert_auth(got, want) assert_string_equal(esp_auth_name(got), esp_auth_name(want))

/* ---- Mailgun ---------------------------------------------------------------- */

static void test_mailgun_valid(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_OK);
	assert_string_equal(token, MAILGUN_TOKEN);
	/* Anywhere in the window, on either side: the two clocks differ. */
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS + WINDOW, token, sizeof(token)), ESP_AUTH_OK);
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS - WINDOW, token, sizeof(token)), ESP_AUTH_OK);
	/* No room for the token: still OK, nothing copied. */
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS, NULL, 0), ESP_AUTH_OK);
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS, token, 10), ESP_AUTH_OK);
	assert_string_equal(token, "");
	/* The digest in capitals is the same digest. */
	const char *hex = strstr(body, "\"signature\": \"") + 14;
	char *upper = strdup(body);
	for (char *p = upper + (hex - body); *p != '"'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_auth(mailgun(upper, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_OK);
	free(upper);
	free(body);
}

static void test_mailgun_parent(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-parent.json", NULL);
	/* signature is the subaccount's; parent-signature is ours. */
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_OK);
	assert_string_equal(token, MAILGUN_TOKEN);
	assert_auth(mailgun(body, "key-subaccount-7d3e", VEC_TS, token, sizeof(token)), ESP_AUTH_OK);
	assert_auth(mailgun(body, "key-someone-else", VEC_TS, token, sizeof(token)), ESP_AUTH_BAD);
	free(body);
}

static void test_mailgun_wrong_key(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	assert_auth(mailgun(body, "key-test-4f1c9a7e2b6d8054", VEC_TS, token, sizeof(token)),
		    ESP_AUTH_BAD);
	assert_string_equal(token, "");
	assert_auth(mailgun(body, "", VEC_TS, token, sizeof(token)), ESP_AUTH_BAD);
	/* Not configured: every request refused. */
	assert_auth(mailgun(body, NULL, VEC_TS, token, sizeof(token)), ESP_AUTH_BAD);
	free(body);
}

static void test_mailgun_tampered(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	static const char *const swap[][2] = {
		/* a later timestamp, to pass the window: the digest is over it */
		{"\"timestamp\": \"1765000000\"", "\"timestamp\": \"1765000001\""},
		{"\"token\": \"c1a9", "\"token\": \"d1a9"},
		/* the timestamp not a number, the token not a string */
		{"\"timestamp\": \"1765000000\"", "\"timestamp\": \"1765000000x\""},
		{"\"timestamp\": \"1765000000\"", "\"timestamp\": \"-1765000000\""},
		{"\"timestamp\": \"1765000000\"", "\"timestamp\": 1765000000.5"},
		{"\"token\": \"" MAILGUN_TOKEN "\"", "\"token\": 42"},
		{"\"signature\": {", "\"signature\": [{"},
	};
	for (size_t i = 0; i < sizeof(swap) / sizeof(*swap); i++) {
		char *t = replace(body, swap[i][0], swap[i][1]);
		enum esp_auth got = mailgun(t, MAILGUN_KEY, VEC_TS, token, sizeof(token));
		if (got != ESP_AUTH_BAD)
			fail_msg("swap %zu (%s): %s, not bad", i, swap[i][1], esp_auth_name(got));
		assert_string_equal(token, "");
		free(t);
	}
	/* The digest: one digit changed, two not hex, one digit short. */
	size_t hex = (size_t)(strstr(body, "\"signature\": \"") + 14 - body);
	for (int edit = 0; edit < 3; edit++) {
		char *t = strdup(body);
		assert_non_null(t);
		if (edit == 0)
			t[hex] = t[hex] == '0' ? '1' : '0';
		else if (edit == 1)
			t[hex + 10] = t[hex + 11] = 'z';
		else
			memmove(t + hex + 63, t + hex + 64, strlen(t + hex + 64) + 1);
		assert_auth(mailgun(t, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_BAD);
		free(t);
	}
	/* Not JSON, or a repeated signature object: which one would count? */
	assert_auth(mailgun("{\"signature\":", MAILGUN_KEY, VEC_TS, token, sizeof(token)),
		    ESP_AUTH_BAD);
	char *dup =
		replace(body, "{",
			"{\"signature\": {\"timestamp\": \"1\", \"token\": \"x\", \"signature\": "
			"\"00\"}, ");
	assert_auth(mailgun(dup, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_BAD);
	free(dup);
	free(body);
}

static void test_mailgun_int_timestamp(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	/* The documentation's "timestamp int": the digest is over the same
	 * decimal text. */
	char *t = replace(body, "\"timestamp\": \"1765000000\"", "\"timestamp\": 1765000000");
	assert_auth(mailgun(t, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_OK);
	free(t);
	free(body);
}

static void test_mailgun_stale(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS + WINDOW + 1, token, sizeof(token)),
		    ESP_AUTH_STALE);
	assert_string_equal(token, "");
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS - WINDOW - 1, token, sizeof(token)),
		    ESP_AUTH_STALE);
	assert_auth(mailgun(body, MAILGUN_KEY, VEC_TS + 86400, token, sizeof(token)),
		    ESP_AUTH_STALE);
	/* A narrower window. */
	assert_auth(esp_mailgun_check(body, strlen(body), MAILGUN_KEY, VEC_TS + 61, 60, token,
				      sizeof(token)),
		    ESP_AUTH_STALE);
	/* Stale is only said of a true signature. */
	assert_auth(mailgun(body, "key-wrong", VEC_TS + 86400, token, sizeof(token)), ESP_AUTH_BAD);
	free(body);
}

static void test_mailgun_missing(void **state)
{
	(void)state;
	char token[ESP_MAILGUN_TOKEN_MAX];
	char *body = slurp("mailgun-signed.json", NULL);
	/* No signature object: an unsigned (legacy or forged) post. */
	char *t = replace(body, "\"signature\": {", "\"unsigned\": {");
	assert_auth(mailgun(t, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_MISSING);
	free(t);
	static const char *const drop[] = {"\"timestamp\"", "\"token\"", "\"signature\": \""};
	for (size_t i = 0; i < sizeof(drop) / sizeof(*drop); i++) {
		t = replace(body, drop[i], i == 2 ? "\"unsigned\": \"" : "\"other\"");
		assert_auth(mailgun(t, MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_MISSING);
		free(t);
	}
	assert_auth(mailgun("{}", MAILGUN_KEY, VEC_TS, token, sizeof(token)), ESP_AUTH_MISSING);
	free(body);
}

/* ---- SendGrid ----------------------------------------------------------------- */

struct sg {
	char *body, *sig, *ts, *pub, *other;
	size_t len;
};

static void sg_load(struct sg *v)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/../../data/bounces/sendgrid.json", vec_dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fclose(f);
	const char *saved = vec_dir;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/../../data/bounces", saved);
	vec_dir = dir;
	v->body = slurp("sendgrid.json", &v->len);
	vec_dir = saved;
	v->sig = slurp("sendgrid-sig.b64", NULL);
	v->ts = slurp("sendgrid-ts.txt", NULL);
	v->pub = slurp("sendgrid-pub.b64", NULL);
	v->other = slurp("sendgrid-other.b64", NULL);
}

static void sg_free(struct sg *v)
{
	free(v->body);
	free(v->sig);
	free(v->ts);
	free(v->pub);
	free(v->other);
}

static void test_sendgrid_valid(void **state)
{
	(void)state;
	struct sg v;
	sg_load(&v);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_OK);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, v.pub, VEC_TS - WINDOW, WINDOW),
		    ESP_AUTH_OK);
	sg_free(&v);
}

static void test_sendgrid_doc_vector(void **state)
{
	(void)state;
	size_t len;
	char *payload = slurp("sendgrid-doc-payload.json", &len);
	char *sig = slurp("sendgrid-doc-sig.b64", NULL), *ts = slurp("sendgrid-doc-ts.txt", NULL);
	char *pub = slurp("sendgrid-doc-pub.b64", NULL);
	int64_t t = 1588788367;
	assert_auth(esp_sendgrid_check(payload, len, sig, ts, pub, t, WINDOW), ESP_AUTH_OK);
	/* The library's own negative cases: another key, another payload, a
	 * signature with one character changed, a timestamp not a number. */
	assert_auth(esp_sendgrid_check(payload, len, sig, ts,
				       "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQ"
				       "rIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/"
				       "R1NGe1OPzpA==",
				       t, WINDOW),
		    ESP_AUTH_BAD);
	assert_auth(esp_sendgrid_check("payload", 7, sig, ts, pub, t, WINDOW), ESP_AUTH_BAD);
	char *bad = replace(sig, "NH2j", "NH3j");
	assert_auth(esp_sendgrid_check(payload, len, bad, ts, pub, t, WINDOW), ESP_AUTH_BAD);
	assert_auth(esp_sendgrid_check(payload, len, sig, "timestamp", pub, t, WINDOW),
		    ESP_AUTH_BAD);
	/* Years later: a true signature, replayed. */
	assert_auth(esp_sendgrid_check(payload, len, sig, ts, pub, VEC_TS, WINDOW), ESP_AUTH_STALE);
	free(bad);
	free(payload);
	free(sig);
	free(ts);
	free(pub);
}

static void test_sendgrid_tampered(void **state)
{
	(void)state;
	struct sg v;
	sg_load(&v);
	/* One byte of the body changed, one added, one dropped. */
	char *t = replace(v.body, "alice@acme.example", "alice@acme.exampla");
	assert_auth(esp_sendgrid_check(t, v.len, v.sig, v.ts, v.pub, VEC_TS, WINDOW), ESP_AUTH_BAD);
	free(t);
	assert_auth(esp_sendgrid_check(v.body, v.len - 1, v.sig, v.ts, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	t = malloc(v.len + 2);
	memcpy(t, v.body, v.len);
	t[v.len] = ' ';
	assert_auth(esp_sendgrid_check(t, v.len + 1, v.sig, v.ts, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	free(t);
	/* The timestamp moved into the window: it is signed. */
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, "1765000001", v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, "01765000000", v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	sg_free(&v);
}

static void test_sendgrid_wrong_key(void **state)
{
	(void)state;
	struct sg v;
	sg_load(&v);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, v.other, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, NULL, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	/* A key that is not base64, not a key, or not P-256. */
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, "%%%", VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, "aGVsbG8=", VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	sg_free(&v);
}

static void test_sendgrid_bad_base64(void **state)
{
	(void)state;
	struct sg v;
	sg_load(&v);
	static const char *const sigs[] = {
		"!!!!",     /* not base64 */
		"MEUCIF",   /* cut */
		"aGVsbG8=", /* base64 of "hello", not DER */
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		assert_auth(esp_sendgrid_check(v.body, v.len, sigs[i], v.ts, v.pub, VEC_TS, WINDOW),
			    ESP_AUTH_BAD);
	sg_free(&v);
}

static void test_sendgrid_stale_missing(void **state)
{
	(void)state;
	struct sg v;
	sg_load(&v);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, v.pub, VEC_TS + WINDOW + 1,
				       WINDOW),
		    ESP_AUTH_STALE);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, v.pub, VEC_TS - WINDOW - 1,
				       WINDOW),
		    ESP_AUTH_STALE);
	assert_auth(esp_sendgrid_check(v.body, v.len, NULL, v.ts, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_MISSING);
	assert_auth(esp_sendgrid_check(v.body, v.len, "", v.ts, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_MISSING);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, NULL, v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_MISSING);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, "", v.pub, VEC_TS, WINDOW),
		    ESP_AUTH_MISSING);
	sg_free(&v);
}

/* ---- basic auth ----------------------------------------------------------------- */

static void test_basic(void **state)
{
	(void)state;
	static const struct {
		const char *header;
		enum esp_auth want;
	} v[] = {
		/* "leadgate:s3cret pass" (python3 -c 'import base64; ...b64encode(...)') */
		{"Basic bGVhZGdhdGU6czNjcmV0IHBhc3M=", ESP_AUTH_OK},
		{"basic bGVhZGdhdGU6czNjcmV0IHBhc3M=", ESP_AUTH_OK},
		{"BASIC   bGVhZGdhdGU6czNjcmV0IHBhc3M=  ", ESP_AUTH_OK},
		/* "leadgatf:s3cret pass": wrong user */
		{"Basic bGVhZGdhdGY6czNjcmV0IHBhc3M=", ESP_AUTH_BAD},
		/* "leadgate:s3cret pasS": wrong password */
		{"Basic bGVhZGdhdGU6czNjcmV0IHBhc1M=", ESP_AUTH_BAD},
		/* "leadgate:s3cret pass!": a password with more */
		{"Basic bGVhZGdhdGU6czNjcmV0IHBhc3Mh", ESP_AUTH_BAD},
		/* "leadgate:s3cret": a password with less */
		{"Basic bGVhZGdhdGU6czNjcmV0", ESP_AUTH_BAD},
		/* "leadgates3cret pass": no colon */
		{"Basic bGVhZGdhdGVzM2NyZXQgcGFzcw==", ESP_AUTH_BAD},
		/* "lead:gate:s3cret pass": the user ends at the first colon */
		{"Basic bGVhZDpnYXRlOnMzY3JldCBwYXNz", ESP_AUTH_BAD},
		/* malformed: not base64, nothing, no space after the scheme */
		{"Basic !!!!", ESP_AUTH_BAD},
		{"Basic", ESP_AUTH_BAD},
		{"Basic ", ESP_AUTH_BAD},
		{"BasicbGVhZGdhdGU6czNjcmV0IHBhc3M=", ESP_AUTH_MISSING},
		/* other schemes: no basic credentials given */
		{"Bearer bGVhZGdhdGU6czNjcmV0IHBhc3M=", ESP_AUTH_MISSING},
		{"Digest username=\"leadgate\"", ESP_AUTH_MISSING},
		{"", ESP_AUTH_MISSING},
		{"   ", ESP_AUTH_MISSING},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		enum esp_auth got = esp_basic_check(v[i].header, "leadgate", "s3cret pass");
		if (got != v[i].want)
			fail_msg("\"%s\": %s, not %s", v[i].header, esp_auth_name(got),
				 esp_auth_name(v[i].want));
	}
	assert_auth(esp_basic_check(NULL, "leadgate", "s3cret pass"), ESP_AUTH_MISSING);
	/* Not configured: refused. */
	assert_auth(esp_basic_check("Basic bGVhZGdhdGU6czNjcmV0IHBhc3M=", NULL, NULL), ESP_AUTH_BAD);
	assert_auth(esp_basic_check("Basic bGVhZGdhdGU6czNjcmV0IHBhc3M=", "leadgate", NULL),
		    ESP_AUTH_BAD);
	/* An empty password is a password ("leadgate:"). */
	assert_auth(esp_basic_check("Basic bGVhZGdhdGU6", "leadgate", ""), ESP_AUTH_OK);
	assert_auth(esp_basic_check("Basic bGVhZGdhdGU6", "leadgate", "x"), ESP_AUTH_BAD);
	/* A NUL inside the credentials ("leadgate:s3cret pass\0x") is not cut off. */
	assert_auth(esp_basic_check("Basic bGVhZGdhdGU6czNjcmV0IHBhc3MAeA==", "leadgate",
				    "s3cret pass"),
		    ESP_AUTH_BAD);
}

/* ---- Amazon SNS ----------------------------------------------------------------- */

static void test_sns_types(void **state)
{
	(void)state;
	char url[2048];
	bool ok = true;
	size_t len;

	const char *saved = vec_dir;
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/../../data/bounces", saved);
	vec_dir = dir;
	char *body = slurp("ses-sns.json", &len);
	vec_dir = saved;
	assert_int_equal(esp_sns_classify(body, len, url, sizeof(url), &ok), ESP_SNS_NOTIFICATION);
	assert_string_equal(url, "");
	assert_false(ok);
	free(body);

	body = slurp("sns-subscribe.json", &len);
	assert_int_equal(esp_sns_classify(body, len, url, sizeof(url), &ok), ESP_SNS_SUBSCRIBE);
	assert_true(ok);
	assert_non_null(strstr(url,
			       "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
			       "&TopicArn=arn:aws:sns:us-east-1:123456789012:ses-bounces&Token="));
	/* A URL that does not fit is not cut: none is given. */
	assert_int_equal(esp_sns_classify(body, len, url, 40, &ok), ESP_SNS_SUBSCRIBE);
	assert_string_equal(url, "");
	assert_false(ok);
	/* A subscription to confirm elsewhere: its URL is given, not to fetch. */
	char *evil = replace(body, "\"SubscribeURL\": \"https://sns.us-east-1.amazonaws.com/",
			     "\"SubscribeURL\": \"https://sns.us-east-1.amazonaws.com.evil.io/");
	assert_int_equal(esp_sns_classify(evil, strlen(evil), url, sizeof(url), &ok),
			 ESP_SNS_SUBSCRIBE);
	assert_non_null(strstr(url, "evil.io"));
	assert_false(ok);
	free(evil);
	evil = replace(body, "\"SubscribeURL\": \"https", "\"SubscribeURL\": 1, \"x\": \"https");
	assert_int_equal(esp_sns_classify(evil, strlen(evil), url, sizeof(url), &ok),
			 ESP_SNS_SUBSCRIBE);
	assert_string_equal(url, "");
	assert_false(ok);
	free(evil);
	free(body);

	body = slurp("sns-unsubscribe.json", &len);
	assert_int_equal(esp_sns_classify(body, len, url, sizeof(url), &ok), ESP_SNS_UNSUBSCRIBE);
	assert_string_equal(url, "");
	assert_false(ok);
	free(body);

	static const char *const other[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"Type\": 3}",
		"{\"Type\": \"notification\"}", /* the names are exact */
		"{\"Type\": \"Notification\", \"Type\": \"SubscriptionConfirmation\"}",
		/* SES's own JSON, not wrapped by SNS */
		"{\"notificationType\": \"Bounce\"}",
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++) {
		enum esp_sns_type t = esp_sns_classify(other[i], strlen(other[i]), url, sizeof(url),
						       &ok);
		if (t != ESP_SNS_OTHER)
			fail_msg("%s: %s, not other", other[i], esp_sns_type_name(t));
		assert_string_equal(url, "");
		assert_false(ok);
	}
	assert_string_equal(esp_sns_type_name(ESP_SNS_SUBSCRIBE), "subscription-confirmation");
}

static void test_sns_urls(void **state)
{
	(void)state;
	static const struct {
		const char *url;
		bool ok;
	} v[] = {
		{"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x", true},
		{"https://sns.eu-west-3.amazonaws.com/", true},
		{"https://sns.us-gov-west-1.amazonaws.com/?Action=ConfirmSubscription", true},
		{"https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription", true},
		{"https://sns.us-east-1.amazonaws.com", true},
		{"https://sns.us-east-1.amazonaws.com:443/?a=b", true},
		{"https://sns.us-east-1.amazonaws.com?Action=ConfirmSubscription", true},
		{"https://sns.us-east-1.amazonaws.com#x", true},
		{"HTTPS://SNS.US-EAST-1.AMAZONAWS.COM/", true},
		/* the suffix is exact */
		{"https://sns.us-east-1.amazonaws.com.evil.io/", false},
		{"https://sns.us-east-1.amazonaws.comevil.io/", false},
		{"https://sns.us-east-1.amazonaws.com./", false},
		{"https://evil.io/sns.amazonaws.com", false},
		{"https://evil.io/?u=https://sns.us-east-1.amazonaws.com/", false},
		{"https://evilsns.us-east-1.amazonaws.com/", false},
		{"https://xsns.us-east-1.amazonaws.com/", false},
		{"https://sns.amazonaws.com/", false},
		{"https://sns..amazonaws.com/", false},
		{"https://sns.a.b.amazonaws.com/", false},
		{"https://s3.us-east-1.amazonaws.com/", false},
		{"https://sns.us-east-1.amazonaws.com.cn.evil.io/", false},
		/* https only */
		{"http://sns.us-east-1.amazonaws.com/", false},
		{"ftp://sns.us-east-1.amazonaws.com/", false},
		{"//sns.us-east-1.amazonaws.com/", false},
		{"sns.us-east-1.amazonaws.com/", false},
		{"https:/sns.us-east-1.amazonaws.com/", false},
		/* no userinfo: the host is what follows '@' */
		{"https://sns.us-east-1.amazonaws.com@evil.io/", false},
		{"https://user:pw@sns.us-east-1.amazonaws.com/", false},
		{"https://sns.us-east-1.amazonaws.com%40evil.io/", false},
		/* no port but 443 */
		{"https://sns.us-east-1.amazonaws.com:8443/", false},
		{"https://sns.us-east-1.amazonaws.com:80/", false},
		{"https://sns.us-east-1.amazonaws.com:/", false},
		{"https://sns.us-east-1.amazonaws.com:4430/", false},
		{"https://sns.us-east-1.amazonaws.com:0443/", false},
		/* no spaces, controls, backslashes in the host or bytes past ASCII */
		{"https://sns.us-east-1.amazonaws.com\\@evil.io/", false},
		{"https://sns.us-east-1.amazonaws.com\\.evil.io/", false},
		{"https://sns.us-east-1.amazonaws.com /", false},
		{"https://sns.us-east-1.amazonaws.com/\r\nHost: evil.io", false},
		{"https://sns.us-east-1.amazonaws.com/\t", false},
		{"https://sns.us-east-1.am\xd0\xb0zonaws.com/", false}, /* a Cyrillic a */
		{"https://[::1]/sns.us-east-1.amazonaws.com", false},
		{"https://127.0.0.1/", false},
		{"", false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		if (esp_sns_url_ok(v[i].url) != v[i].ok)
			fail_msg("%s: %s, not %s", v[i].url, v[i].ok ? "refused" : "accepted",
				 v[i].ok ? "accepted" : "refused");
	assert_false(esp_sns_url_ok(NULL));
}

/* ---- the policy ----------------------------------------------------------------- */

static void test_policy_check(void **state)
{
	(void)state;
	struct esp_policy p;
	struct lg_err err;
	esp_policy_init(&p);
	assert_int_equal(p.window, 900);
	assert_null(p.mailgun_signing_key);
	assert_int_equal(esp_policy_check(&p, &err), LG_OK);

	char *pub = slurp("sendgrid-pub.b64", NULL);
	p.sendgrid_public_key = pub;
	p.ses_user = "sns";
	p.ses_password = "pw";
	p.postmark_user = "pm";
	p.postmark_password = "pw2";
	assert_int_equal(esp_policy_check(&p, &err), LG_OK);

	struct esp_policy q = p;
	q.window = 0;
	assert_int_equal(esp_policy_check(&q, &err), LG_ECONFIG);
	assert_non_null(strstr(err.msg, "window"));
	q = p;
	q.ses_password = NULL;
	assert_int_equal(esp_policy_check(&q, &err), LG_ECONFIG);
	assert_string_equal(err.msg, "ses.user is given without ses.password");
	q = p;
	q.postmark_user = NULL;
	assert_int_equal(esp_policy_check(&q, &err), LG_ECONFIG);
	assert_string_equal(err.msg, "postmark.password is given without postmark.user");
	q = p;
	q.postmark_user = "a:b";
	assert_int_equal(esp_policy_check(&q, &err), LG_ECONFIG);
	assert_non_null(strstr(err.msg, "postmark.user"));
	char *p384 = slurp("sendgrid-p384.b64", NULL);
	const char *const bad_keys[] = {"not base64!", "aGVsbG8=", p384};
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(*bad_keys); i++) {
		q = p;
		q.sendgrid_public_key = bad_keys[i];
		assert_int_equal(esp_policy_check(&q, &err), LG_ECONFIG);
		assert_non_null(strstr(err.msg, "sendgrid.public_key"));
	}
	/* Right for ECDSA, wrong curve: a request "signed" for it is refused too. */
	struct sg v;
	sg_load(&v);
	assert_auth(esp_sendgrid_check(v.body, v.len, v.sig, v.ts, p384, VEC_TS, WINDOW),
		    ESP_AUTH_BAD);
	sg_free(&v);
	free(p384);
	free(pub);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(esp_auth_name(ESP_AUTH_OK), "ok");
	assert_string_equal(esp_auth_name(ESP_AUTH_MISSING), "missing");
	assert_string_equal(esp_auth_name(ESP_AUTH_BAD), "bad");
	assert_string_equal(esp_auth_name(ESP_AUTH_STALE), "stale");
	assert_string_equal(esp_auth_name((enum esp_auth)4), "?");
	assert_string_equal(esp_sns_type_name((enum esp_sns_type)4), "?");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		vec_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailgun_valid),
		cmocka_unit_test(test_mailgun_parent),
		cmocka_unit_test(test_mailgun_wrong_key),
		cmocka_unit_test(test_mailgun_tampered),
		cmocka_unit_test(test_mailgun_int_timestamp),
		cmocka_unit_test(test_mailgun_stale),
		cmocka_unit_test(test_mailgun_missing),
		cmocka_unit_test(test_sendgrid_valid),
		cmocka_unit_test(test_sendgrid_doc_vector),
		cmocka_unit_test(test_sendgrid_tampered),
		cmocka_unit_test(test_sendgrid_wrong_key),
		cmocka_unit_test(test_sendgrid_bad_base64),
		cmocka_unit_test(test_sendgrid_stale_missing),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_sns_types),
		cmocka_unit_test(test_sns_urls),
		cmocka_unit_test(test_policy_check),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
