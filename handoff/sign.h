/*
 * sign.h - the Standard Webhooks signature of an outgoing message, and
 * the message ids it signs.
 *
 * A secret is "whsec_" and the base64 of the key (the specification's
 * "secret serialization"); the key is 24 to 64 bytes ("at least 24 bytes
 * (192 bits, 512 maximum)").  A message is signed as
 *
 *	webhook-signature: v1,base64(HMAC-SHA256(key, "ID.TIMESTAMP.BODY"))
 *
 * where ID is the webhook-id (the same on every attempt of a message, so
 * a receiver can deduplicate) and TIMESTAMP the webhook-timestamp (Unix
 * seconds of the attempt: a receiver refuses an old one, against
 * replays).  Standard Webhooks 1.0.0, spec/standard-webhooks.md of the
 * standard-webhooks/standard-webhooks repository, "Signature scheme" and
 * "Webhook headers".
 *
 * HMAC and base64 are the libraries' (GnuTLS, nettle); the key bytes are
 * wiped when the key is released.
 */
#ifndef LG_HANDOFF_SIGN_H
#define LG_HANDOFF_SIGN_H

#include "common/common.h"

#define SIGN_PREFIX "whsec_"
#define SIGN_KEY_MIN 24 /* bytes: the specification's 192 bits */
#define SIGN_KEY_MAX 64 /* bytes: its 512 bits */
/* "v1," and the base64 of a SHA-256 (44 characters), with the NUL */
#define SIGN_SIG_SIZE (3 + 44 + 1)
/* "msg_" and 24 characters of base64url (18 random bytes), with the NUL */
#define SIGN_ID_SIZE (4 + 24 + 1)

/* A signing key, decoded.  Owned by the caller, on the stack or inside
 * its own structure; sign_key_release wipes it. */
struct sign_key {
	unsigned char key[SIGN_KEY_MAX];
	size_t len;
};

/*
 * Decode secret ("whsec_" + base64) into k.  LG_ECONFIG, with the reason
 * and never the secret itself, when the prefix is missing, the rest is
 * not base64, or the key is shorter than SIGN_KEY_MIN or longer than
 * SIGN_KEY_MAX bytes; k is then zeroed.
 */
enum lg_status sign_key_parse(struct sign_key *k, const char *secret, struct lg_err *err);
/* Wipe the key's bytes. */
void sign_key_release(struct sign_key *k);

/*
 * The webhook-signature value ("v1,<base64>") of the message id sent at
 * timestamp with body[0..len) into out (SIGN_SIG_SIZE bytes).  id must
 * not hold a '.' (the specification: the parts are split on it).
 * LG_ETEMP if GnuTLS would not compute the HMAC.
 */
enum lg_status sign_message(const struct sign_key *k, const char *id, int64_t timestamp,
			    const char *body, size_t len, char out[SIGN_SIG_SIZE],
			    struct lg_err *err);

/*
 * A new message id into out (SIGN_ID_SIZE bytes): "msg_" and 18 random
 * bytes (GnuTLS's nonce generator) in base64url, so no '.', '+' or '/'.
 * Made once, when the message is made, and kept with it: every attempt
 * sends the same id.  LG_ETEMP if the generator fails.
 */
enum lg_status sign_message_id(char out[SIGN_ID_SIZE], struct lg_err *err);

/*
 * The one-click accept link of a handoff: a URL a rep opens from the
 * message to take the lead, with no API key, because it carries its own
 * signature:
 *
 *	BASE/v1/handoffs/ID/accept?rep=REP&exp=EXP&sig=SIG
 *
 * SIG = base64url, unpadded (43 characters), of HMAC-SHA256(key,
 * "ID.REP.EXP"): the handoff's id, the rep it is for (a rep's name:
 * letters, digits, '_' and '-', so neither '.' nor anything a URL must
 * encode) and the Unix second it expires.  Changing any of the three
 * breaks the signature; the key is [handoff] link_secret (a "whsec_"
 * secret, decoded by sign_key_parse), never sent.
 */
#define SIGN_LINK_SIG_LEN 43 /* base64url of a SHA-256, unpadded */
#define SIGN_LINK_SIG_SIZE (SIGN_LINK_SIG_LEN + 1)

/* The signature of (id, rep, exp) into out.  LG_EDATA for a rep that is
 * not a name as above; LG_ETEMP if GnuTLS would not compute the HMAC. */
enum lg_status sign_link(const struct sign_key *k, int64_t id, const char *rep, int64_t exp,
			 char out[SIGN_LINK_SIG_SIZE], struct lg_err *err);

/* The whole link appended to out: base (the service's public URL, a
 * trailing '/' dropped) and the path and query above.  As sign_link. */
enum lg_status sign_link_url(const struct sign_key *k, const char *base, int64_t id,
			     const char *rep, int64_t exp, struct lg_buf *out, struct lg_err *err);

/* What a link's check found. */
enum sign_link_verdict {
	SIGN_LINK_OK = 0,      /* signed by k, not expired */
	SIGN_LINK_BAD = 1,     /* missing, malformed or not k's signature of these values */
	SIGN_LINK_EXPIRED = 2, /* k's signature, but exp is before now */
};

/*
 * Check a link's values as they came (sig may be NULL or anything).  The
 * signature first, compared in constant time (nettle's memeql_sec), so a
 * changed exp is BAD, not EXPIRED; then the time: at exp itself the link
 * still works.  An error of GnuTLS counts as BAD.
 */
enum sign_link_verdict sign_link_check(const struct sign_key *k, int64_t id, const char *rep,
				       int64_t exp, const char *sig, int64_t now);

#endif
