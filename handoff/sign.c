/*
 * sign.c - Standard Webhooks signatures and message ids (see sign.h).
 *
 * Nothing here is hand-written crypto: the HMAC is GnuTLS's
 * (gnutls_hmac_fast), the random bytes GnuTLS's (gnutls_rnd), base64
 * nettle's.
 */
#include "handoff/sign.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>

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
