/*
 * sign.c - Standard Webhooks signatures and message ids (see sign.h).
 *
 * Nothing here is hand-written crypto: the HMAC is GnuTLS's
 * (gnutls_hmac_fast), the random bytes GnuTLS's (gnutls_rnd), base64
 * nettle's, and so is the constant-time comparison of a link's signature
 * (memeql_sec).
 */
#include "handoff/sign.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>
#include <nettle/memops.h>

#define SHA256_LEN 32
#define ID_RANDOM 18 /* bytes: 144 bits, 24 characters of base64url without padding */

void sign_key_release(struct sign_key *k)
{
	gnutls_memset(k, 0, sizeof(*k));
}

enum lg_status sign_key_parse(struct sign_key *k, const char *secret, struct lg_err *err)
{
	static const size_t plen = sizeof(SIGN_PREFIX) - 1;
	struct base64_decode_ctx ctx;
	/* what nettle may write for a text that is too long by one group:
	 * room enough to tell "too long" from "just right" */
	uint8_t buf[BASE64_DECODE_LENGTH(BASE64_ENCODE_RAW_LENGTH(SIGN_KEY_MAX) + 4)];
	size_t n = 0, slen = strlen(secret);

	sign_key_release(k);
	if (slen < plen || memcmp(secret, SIGN_PREFIX, plen) != 0)
		return lg_err_set(err, LG_ECONFIG, "a webhook secret begins with \"%s\"",
				  SIGN_PREFIX);
	secret += plen;
	slen -= plen;
	if (slen == 0)
		return lg_err_set(err, LG_ECONFIG, "the webhook secret is empty after \"%s\"",
				  SIGN_PREFIX);
	if (slen > BASE64_ENCODE_RAW_LENGTH(SIGN_KEY_MAX) + 4)
		return lg_err_set(err, LG_ECONFIG,
				  "the webhook secret is too long: at most %d bytes of key",
				  SIGN_KEY_MAX);
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, buf, slen, secret) || !base64_decode_final(&ctx)) {
		gnutls_memset(buf, 0, sizeof(buf));
		return lg_err_set(err, LG_ECONFIG, "the webhook secret is not base64 after \"%s\"",
				  SIGN_PREFIX);
	}
	if (n < SIGN_KEY_MIN || n > SIGN_KEY_MAX) {
		gnutls_memset(buf, 0, sizeof(buf));
		return lg_err_set(err, LG_ECONFIG,
				  "the webhook secret's key is %zu bytes, not %d to %d "
				  "(Standard Webhooks)",
				  n, SIGN_KEY_MIN, SIGN_KEY_MAX);
	}
	memcpy(k->key, buf, n);
	k->len = n;
	gnutls_memset(buf, 0, sizeof(buf));
	return LG_OK;
}

enum lg_status sign_message(const struct sign_key *k, const char *id, int64_t timestamp,
			    const char *body, size_t len, char out[SIGN_SIG_SIZE],
			    struct lg_err *err)
{
	struct lg_buf msg = LG_BUF_INIT;
	unsigned char mac[SHA256_LEN];
	int rc;

	/* "{msg_id}.{timestamp}.{payload}": the body exactly as sent */
	lg_buf_addf(&msg, "%s.%lld.", id, (long long)timestamp);
	lg_buf_add(&msg, body, len);
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->key, k->len, msg.data, msg.len, mac);
	lg_buf_release(&msg);
	if (rc < 0)
		return lg_err_set(err, LG_ETEMP, "HMAC-SHA256: %s", gnutls_strerror(rc));
	memcpy(out, "v1,", 3);
	base64_encode_raw(out + 3, sizeof(mac), mac);
	out[3 + BASE64_ENCODE_RAW_LENGTH(SHA256_LEN)] = '\0';
	return LG_OK;
}

enum lg_status sign_message_id(char out[SIGN_ID_SIZE], struct lg_err *err)
{
	struct base64_encode_ctx ctx;
	uint8_t rnd[ID_RANDOM];
	size_t n;
	int rc;

	/* GNUTLS_RND_NONCE: unpredictable and unique, not a key */
	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd))) < 0)
		return lg_err_set(err, LG_ETEMP, "no random bytes for a message id: %s",
				  gnutls_strerror(rc));
	memcpy(out, "msg_", 4);
	base64url_encode_init(&ctx);
	n = base64_encode_update(&ctx, out + 4, sizeof(rnd), rnd);
	n += base64_encode_final(&ctx, out + 4 + n); /* 18 bytes: no padding */
	out[4 + n] = '\0';
	return LG_OK;
}

/* A rep's name as conf/handoff.c takes it: no '.', nothing a URL
 * encodes. */
static bool link_name_ok(const char *rep)
{
	size_t n = rep ? strlen(rep) : 0;
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lg_ascii_is_alpha((unsigned char)rep[i]) &&
		    !lg_ascii_is_digit((unsigned char)rep[i]) && rep[i] != '_' && rep[i] != '-')
			return false;
	return true;
}

enum lg_status sign_link(const struct sign_key *k, int64_t id, const char *rep, int64_t exp,
			 char out[SIGN_LINK_SIG_SIZE], struct lg_err *err)
{
	struct base64_encode_ctx ctx;
	unsigned char mac[SHA256_LEN];
	char msg[160];
	size_t n;
	int rc;

	out[0] = '\0';
	if (!link_name_ok(rep))
		return lg_err_set(err, LG_EDATA, "an accept link names a rep by name, not '%s'",
				  rep ? rep : "");
	snprintf(msg, sizeof(msg), "%lld.%s.%lld", (long long)id, rep, (long long)exp);
	rc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, k->key, k->len, msg, strlen(msg), mac);
	if (rc < 0)
		return lg_err_set(err, LG_ETEMP, "HMAC-SHA256: %s", gnutls_strerror(rc));
	base64url_encode_init(&ctx);
	n = base64_encode_update(&ctx, out, sizeof(mac), mac);
	n += base64_encode_final(&ctx, out + n);
	/* base64 pads 32 bytes with one '=': a URL's value goes without */
	while (n && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	gnutls_memset(mac, 0, sizeof(mac));
	return LG_OK;
}

enum lg_status sign_link_url(const struct sign_key *k, const char *base, int64_t id,
			     const char *rep, int64_t exp, struct lg_buf *out, struct lg_err *err)
{
	char sig[SIGN_LINK_SIG_SIZE];
	size_t n = strlen(base);
	enum lg_status st = sign_link(k, id, rep, exp, sig, err);
	if (st != LG_OK)
		return st;
	while (n && base[n - 1] == '/')
		n--;
	lg_buf_add(out, base, n);
	lg_buf_addf(out, "/v1/handoffs/%lld/accept?rep=%s&exp=%lld&sig=%s", (long long)id, rep,
		    (long long)exp, sig);
	return LG_OK;
}

enum sign_link_verdict sign_link_check(const struct sign_key *k, int64_t id, const char *rep,
				       int64_t exp, const char *sig, int64_t now)
{
	char want[SIGN_LINK_SIG_SIZE];
	struct lg_err err;
	if (!sig || strlen(sig) != SIGN_LINK_SIG_LEN ||
	    sign_link(k, id, rep, exp, want, &err) != LG_OK)
		return SIGN_LINK_BAD;
	if (!memeql_sec(want, sig, SIGN_LINK_SIG_LEN))
		return SIGN_LINK_BAD;
	return now > exp ? SIGN_LINK_EXPIRED : SIGN_LINK_OK;
}
