/*
 * esp.c - the ESP webhooks' credentials checked: Mailgun's HMAC, SendGrid's
 * ECDSA signature, basic auth (SNS, Postmark) and the SNS message types.
 *
 * The only file that includes GnuTLS's and nettle's headers.  Nothing
 * here is hand-written crypto: HMAC, hashes, base64 and ECDSA are GnuTLS's,
 * the constant-time comparison nettle's (memeql_sec).  A secret is never
 * compared with memcmp(): its timing would tell an attacker how many
 * leading bytes of a guess were right.
 */
#include "esp.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <nettle/memops.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHA256_LEN 32
#define TS_DIGITS_MAX 18 /* a Unix time in seconds; 18 digits cannot overflow */

const char *esp_auth_name(enum esp_auth a)
{
	switch (a) {
	case ESP_AUTH_OK: return "ok";
	case ESP_AUTH_MISSING: return "missing";
	case ESP_AUTH_BAD: return "bad";
	case ESP_AUTH_STALE: return "stale";
	}
	return "?";
}

const char *esp_sns_type_name(enum esp_sns_type t)
{
	switch (t) {
	case ESP_SNS_OTHER: return "other";
	case ESP_SNS_NOTIFICATION: return "notification";
	case ESP_SNS_SUBSCRIBE: return "subscription-confirmation";
	case ESP_SNS_UNSUBSCRIBE: return "unsubscribe-confirmation";
	}
	return "?";
}

void esp_policy_init(struct esp_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->window = ESP_WINDOW_DEFAULT;
}

static bool within(int64_t ts, int64_t now, int64_t window)
{
	/* ts and now are both far from INT64 limits (ts has 18 digits at
	 * most, now is a real clock), so the difference cannot overflow. */
	int64_t d = now > ts ? now - ts : ts - now;
	return d <= window;
}

/* base64 to bytes; *out owned, gnutls_free() it.  false: not base64. */
static bool b64_decode(const char *s, size_t n, gnutls_datum_t *out)
{
	if (n == 0 || n > UINT32_MAX)
		return false;
	gnutls_datum_t in = {(unsigned char *)(uintptr_t)s, (unsigned)n};
	out->data = NULL;
	out->size = 0;
	if (gnutls_base64_decode2(&in, out) < 0) {
		gnutls_free(out->data);
		return false;
	}
	return true;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lg_ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2 * n hex digits (either case) into out[n]. */
static bool hex_decode(const char *s, size_t slen, unsigned char *out, size_t n)
{
	if (slen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

/* ---- Mailgun ---------------------------------------------------------------- */

/* Whether hex is HMAC-SHA256(key, msg), compared in constant time. */
static bool mailgun_sig_ok(const char *key, const char *msg, size_t msg_len, json_t *hex)
{
	unsigned char want[SHA256_LEN], got[SHA256_LEN];
	if (!json_is_string(hex) ||
	    !hex_decode(json_string_value(hex), json_string_length(hex), got, sizeof(got)))
		return false;
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, strlen(key), msg, msg_len, want) < 0)
		return false;
	return memeql_sec(want, got, sizeof(want)) != 0;
}

enum esp_auth esp_mailgun_check(const char *body, size_t len, const char *signing_key, int64_t now,
				int64_t window, char *token, size_t token_size)
{
	enum esp_auth r = ESP_AUTH_BAD;
	char msg[TS_DIGITS_MAX + ESP_MAILGUN_TOKEN_MAX];
	int64_t ts = 0;
	size_t ts_len;

	if (token_size)
		token[0] = '\0';
	/* A repeated key is refused: what is checked here and what the bounce
	 * parser reads must be the same object. */
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root))
		goto out;
	json_t *sig = json_object_get(root, "signature");
	if (!sig) {
		r = ESP_AUTH_MISSING;
		goto out;
	}
	if (!json_is_object(sig))
		goto out;
	json_t *jts = json_object_get(sig, "timestamp"), *jtok = json_object_get(sig, "token");
	json_t *jsig = json_object_get(sig, "signature");
	json_t *jparent = json_object_get(sig, "parent-signature");
	if (!jts || !jtok || (!jsig && !jparent)) {
		r = ESP_AUTH_MISSING;
		goto out;
	}
	if (!signing_key || !json_is_string(jtok))
		goto out;
	/* The documentation calls the timestamp an int and shows it as a
	 * string; the digest is over its decimal text either way. */
	if (json_is_string(jts)) {
		ts_len = json_string_length(jts);
		if (!lg_ascii_digits(json_string_value(jts), ts_len, &ts))
			goto out;
		memcpy(msg, json_string_value(jts), ts_len);
	} else if (json_is_integer(jts) && json_integer_value(jts) >= 0) {
		ts = (int64_t)json_integer_value(jts);
		int w = snprintf(msg, TS_DIGITS_MAX + 1, "%lld", (long long)ts);
		if (w < 0 || w > TS_DIGITS_MAX)
			goto out;
		ts_len = (size_t)w;
	} else {
		goto out;
	}
	size_t tok_len = json_string_length(jtok);
	if (tok_len == 0 || tok_len >= ESP_MAILGUN_TOKEN_MAX)
		goto out;
	memcpy(msg + ts_len, json_string_value(jtok), tok_len);

	if (!mailgun_sig_ok(signing_key, msg, ts_len + tok_len, jsig) &&
	    !mailgun_sig_ok(signing_key, msg, ts_len + tok_len, jparent))
		goto out;
	if (!within(ts, now, window)) {
		r = ESP_AUTH_STALE;
		goto out;
	}
	r = ESP_AUTH_OK;
	if (token_size > tok_len) {
		memcpy(token, json_string_value(jtok), tok_len);
		token[tok_len] = '\0';
	}
out:
	json_decref(root);
	return r;
}

/* ---- SendGrid ----------------------------------------------------------------- */

/* The public key of base64 DER SubjectPublicKeyInfo, if it is P-256's.
 * *out owned: gnutls_pubkey_deinit(). */
static bool p256_import(const char *b64, gnutls_pubkey_t *out)
{
	gnutls_datum_t der;
	gnutls_pubkey_t key = NULL;
	gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
	gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
	bool ok = false;

	if (!b64_decode(b64, strlen(b64), &der))
		return false;
	if (gnutls_pubkey_init(&key) < 0)
		goto out;
	if (gnutls_pubkey_import(key, &der, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	if (gnutls_pubkey_get_pk_algorithm(key, NULL) != GNUTLS_PK_ECDSA)
		goto out;
	if (gnutls_pubkey_export_ecc_raw(key, &curve, &x, &y) < 0)
		goto out;
	ok = curve == GNUTLS_ECC_CURVE_SECP256R1;
out:
	gnutls_free(x.data);
	gnutls_free(y.data);
	gnutls_free(der.data);
	if (ok)
		*out = key;
	else if (key)
		gnutls_pubkey_deinit(key);
	return ok;
}

enum esp_auth esp_sendgrid_check(const char *body, size_t len, const char *sig_b64, const char *ts,
				 const char *pubkey_b64, int64_t now, int64_t window)
{
	enum esp_auth r = ESP_AUTH_BAD;
	gnutls_pubkey_t key = NULL;
	gnutls_datum_t sig = {NULL, 0};
	unsigned char *msg = NULL;
	int64_t t;

	if (!sig_b64 || !*sig_b64 || !ts || !*ts)
		return ESP_AUTH_MISSING;
	size_t ts_len = strlen(ts);
	if (!pubkey_b64 || !lg_ascii_digits(ts, ts_len, &t) || len > UINT32_MAX - ts_len)
		return ESP_AUTH_BAD;
	if (!p256_import(pubkey_b64, &key) || !b64_decode(sig_b64, strlen(sig_b64), &sig))
		goto out;
	/* The signed message: the timestamp header's text, then the body. */
	msg = lg_xmalloc(ts_len + len + 1);
	memcpy(msg, ts, ts_len);
	if (len)
		memcpy(msg + ts_len, body, len);
	gnutls_datum_t data = {msg, (unsigned)(ts_len + len)};
	if (gnutls_pubkey_verify_data2(key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &sig) < 0)
		goto out;
	r = within(t, now, window) ? ESP_AUTH_OK : ESP_AUTH_STALE;
out:
	free(msg);
	gnutls_free(sig.data);
	if (key)
		gnutls_pubkey_deinit(key);
	return r;
}

/* ---- basic auth ------------------------------------------------------------- */

/* Whether a (n bytes) equals b, in a time that depends on neither. */
static bool secret_eq(const void *a, size_t n, const char *b)
{
	unsigned char ha[SHA256_LEN], hb[SHA256_LEN];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, a, n, ha) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, b, strlen(b), hb) < 0)
		return false;
	return memeql_sec(ha, hb, sizeof(ha)) != 0;
}

enum esp_auth esp_basic_check(const char *authorization, const char *user, const char *password)
{
	static const char scheme[] = "basic";
	const size_t sn = sizeof(scheme) - 1;
	gnutls_datum_t cred = {NULL, 0};

	if (!authorization)
		return ESP_AUTH_MISSING;
	const char *s = authorization;
	size_t n = strlen(s);
	lg_ascii_trim(&s, &n);
	if (n == 0)
		return ESP_AUTH_MISSING;
	/* RFC 7235 section 2.1: the scheme is case-insensitive and followed
	 * by one or more spaces. */
	if (n < sn || !lg_ascii_eq(s, sn, scheme, sn) || (n > sn && s[sn] != ' '))
		return ESP_AUTH_MISSING;
	s += sn;
	n -= sn;
	lg_ascii_trim(&s, &n);
	if (!user || !password || !b64_decode(s, n, &cred))
		return ESP_AUTH_BAD;
	/* RFC 7617 section 2: user-id ":" password; a user-id has no ':'. */
	const unsigned char *colon = memchr(cred.data, ':', cred.size);
	enum esp_auth r = ESP_AUTH_BAD;
	if (colon) {
		size_t un = (size_t)(colon - cred.data);
		/* Both compared, always: which one was wrong takes no time to tell. */
		bool u = secret_eq(cred.data, un, user);
		bool p = secret_eq(colon + 1, cred.size - un - 1, password);
		if (u & p)
			r = ESP_AUTH_OK;
	}
	gnutls_free(cred.data);
	return r;
}

/* ---- Amazon SNS ----------------------------------------------------------------- */

/* s[0..n) ends with the ASCII-case-insensitive suffix; the rest in *rest. */
static bool cut_suffix(const char *s, size_t n, const char *suffix, size_t *rest)
{
	size_t k = strlen(suffix);
	if (n < k || !lg_ascii_eq(s + n - k, k, suffix, k))
		return false;
	*rest = n - k;
	return true;
}

bool esp_sns_url_ok(const char *url)
{
	static const char https[] = "https://", sns[] = "sns.";
	if (!url)
		return false;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	size_t n = strlen(url);
	if (n < sizeof(https) - 1 || !lg_ascii_eq(url, sizeof(https) - 1, https, sizeof(https) - 1))
		return false;
	const char *host = url + sizeof(https) - 1;
	size_t hn = strcspn(host, "/?#"); /* the authority (RFC 3986 section 3.2) */
	if (memchr(host, '@', hn))
		return false; /* userinfo: the host would be what follows it */
	const char *colon = memchr(host, ':', hn);
	if (colon) {
		size_t pn = hn - (size_t)(colon - host) - 1;
		if (pn != 3 || memcmp(colon + 1, "443", 3) != 0)
			return false;
		hn = (size_t)(colon - host);
	}
	/* sns.REGION.amazonaws.com(.cn): the suffix exact, REGION one label. */
	size_t rest;
	if (!cut_suffix(host, hn, ".amazonaws.com", &rest) &&
	    !cut_suffix(host, hn, ".amazonaws.com.cn", &rest))
		return false;
	if (rest <= sizeof(sns) - 1 || !lg_ascii_eq(host, sizeof(sns) - 1, sns, sizeof(sns) - 1))
		return false;
	for (size_t i = sizeof(sns) - 1; i < rest; i++) {
		unsigned char c = (unsigned char)host[i];
		if (!lg_ascii_is_alpha(c) && !lg_ascii_is_digit(c) && c != '-')
			return false;
	}
	return true;
}

enum esp_sns_type esp_sns_classify(const char *body, size_t len, char *url, size_t url_size,
				   bool *url_ok)
{
	static const struct {
		const char *name;
		enum esp_sns_type type;
	} types[] = {
		{"Notification", ESP_SNS_NOTIFICATION},
		{"SubscriptionConfirmation", ESP_SNS_SUBSCRIBE},
		{"UnsubscribeConfirmation", ESP_SNS_UNSUBSCRIBE},
	};
	enum esp_sns_type t = ESP_SNS_OTHER;

	if (url_size)
		url[0] = '\0';
	*url_ok = false;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	const char *type = json_string_value(json_object_get(root, "Type"));
	for (size_t i = 0; type && i < sizeof(types) / sizeof(*types); i++)
		if (!strcmp(type, types[i].name))
			t = types[i].type;
	if (t == ESP_SNS_SUBSCRIBE) {
		json_t *u = json_object_get(root, "SubscribeURL");
		if (json_is_string(u) && json_string_length(u) < url_size &&
		    strlen(json_string_value(u)) == json_string_length(u)) {
			memcpy(url, json_string_value(u), json_string_length(u) + 1);
			*url_ok = esp_sns_url_ok(url);
		}
	}
	json_decref(root);
	return t;
}

/* ---- the policy ----------------------------------------------------------------- */

static enum lg_status check_pair(const char *what, const char *user, const char *password,
				 struct lg_err *err)
{
	if (!user != !password)
		return lg_err_set(err, LG_ECONFIG, "%s.%s is given without %s.%s", what,
				  user ? "user" : "password", what, user ? "password" : "user");
	if (user && strchr(user, ':'))
		return lg_err_set(err, LG_ECONFIG,
				  "%s.user: a user name in basic auth cannot hold ':'", what);
	return LG_OK;
}

enum lg_status esp_policy_check(const struct esp_policy *p, struct lg_err *err)
{
	enum lg_status st;
	if (p->window <= 0)
		return lg_err_set(err, LG_ECONFIG, "window must be more than 0 seconds");
	if ((st = check_pair("ses", p->ses_user, p->ses_password, err)) != LG_OK ||
	    (st = check_pair("postmark", p->postmark_user, p->postmark_password, err)) != LG_OK)
		return st;
	gnutls_pubkey_t key;
	if (p->sendgrid_public_key) {
		if (!p256_import(p->sendgrid_public_key, &key))
			return lg_err_set(err, LG_ECONFIG,
					  "sendgrid.public_key: not the base64 of an ECDSA "
					  "P-256 public key (SendGrid's verification key)");
		gnutls_pubkey_deinit(key);
	}
	return LG_OK;
}
