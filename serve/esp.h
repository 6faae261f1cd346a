/*
 * esp.h - is a bounce webhook really from its mail provider?
 *
 * The service takes bounces pushed by the ESPs at
 * POST /v1/bounces/{ses|sendgrid|mailgun|postmark}; before a body reaches
 * the bounce parser, its route asks here whether the request carries what
 * that provider signs or sends:
 *
 *   mailgun   an HMAC-SHA256 signature in the JSON body, by the webhook
 *             signing key (esp_mailgun_check)
 *   sendgrid  an ECDSA P-256 signature in two headers, by SendGrid's key
 *             pair; checked with its public key (esp_sendgrid_check)
 *   ses       Amazon SNS posts with HTTP basic auth (esp_basic_check); a
 *             SubscriptionConfirmation carries a URL to confirm
 *             (esp_sns_classify says whether it is an SNS host's)
 *   postmark  HTTP basic auth (esp_basic_check)
 *
 * Pure: no I/O, no clock (now is an argument), no globals.  Every
 * comparison of a secret runs in constant time.  The crypto is GnuTLS's
 * and nettle's; this file's implementation is the only one that includes
 * them.
 */
#ifndef LG_ESP_H
#define LG_ESP_H

#include "common/common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a request's credentials are worth.  Stable numbers. */
enum esp_auth {
	ESP_AUTH_OK = 0,      /* from the provider, and recent */
	ESP_AUTH_MISSING = 1, /* no credentials at all: ask for them (401) */
	ESP_AUTH_BAD = 2,     /* credentials given, and wrong or malformed */
	ESP_AUTH_STALE = 3,   /* a true signature, older or newer than the window: a replay */
};

/* "ok", "missing", "bad", "stale"; "?" past the end. */
const char *esp_auth_name(enum esp_auth a);

#define ESP_WINDOW_DEFAULT 900 /* seconds either side of now: 15 minutes */

/*
 * What the webhook routes check requests with: the [esp] section of the
 * configuration (conf/ fills it; see leadgate(1), FILES).  The strings are
 * borrowed from whoever filled it; NULL means not configured.  A route
 * whose credentials are not configured refuses every request that has no
 * API key of the scope bounces, SendGrid's included: the service
 * authenticates every route, so unsigned SendGrid posts come in only
 * through a proxy that holds a key (a signed event webhook is an option
 * SendGrid's users turn on).
 */
struct esp_policy {
	const char *mailgun_signing_key; /* Mailgun's "HTTP webhook signing key" */
	const char *sendgrid_public_key; /* base64 of the DER public key ("verification key") */
	const char *ses_user;            /* basic auth in the SNS subscription's URL */
	const char *ses_password;
	const char *postmark_user; /* basic auth in Postmark's webhook URL */
	const char *postmark_password;
	int64_t window; /* seconds a signed timestamp may be from now: ESP_WINDOW_DEFAULT */
	/* For tests and relays, not secrets: the confirmation of an SNS
	 * subscription connects to sns_confirm_via ("HOST:PORT") instead of
	 * the SNS host (loopback and private addresses then allowed), and
	 * trusts the CAs of the PEM file sns_confirm_ca instead of the
	 * system's.  NULL: not set. */
	const char *sns_confirm_via;
	const char *sns_confirm_ca;
};

/* Nothing configured, the default window. */
void esp_policy_init(struct esp_policy *p);

/*
 * Whether p can be used: window > 0; a user and a password given together
 * or not at all, and the user without ':' (basic auth could not carry it);
 * the SendGrid key base64 of a P-256 public key.  LG_ECONFIG with a
 * message naming the key ("sendgrid.public_key: ...") otherwise.
 */
enum lg_status esp_policy_check(const struct esp_policy *p, struct lg_err *err);

/*
 * A Mailgun webhook (JSON: {"signature": {...}, "event-data": {...}}).
 * Mailgun signs the concatenation of signature.timestamp and
 * signature.token with HMAC-SHA256 under the webhook signing key and
 * sends the hex digest as signature.signature; a subaccount's event also
 * carries parent-signature, made with the primary account's key, which is
 * accepted in its place.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 *
 * The signature covers the timestamp and the token, not event-data:
 * what stops a captured request from being posted again is the window
 * here and, within it, the token seen once.  Remembering tokens is the
 * route's business: on ESP_AUTH_OK the token is copied to token (NUL-
 * terminated; token_size >= ESP_MAILGUN_TOKEN_MAX holds any accepted one),
 * otherwise token is "".  token may be NULL when token_size is 0.
 *
 * MISSING: no signature object, or a key of it absent.  BAD: the body is
 * not JSON (or repeats a key), a field is of the wrong type or form, the
 * digest differs, or signing_key is NULL.  STALE: the digest is right and
 * |now - timestamp| > window.
 */
#define ESP_MAILGUN_TOKEN_MAX 256 /* with the NUL; Mailgun's are 50 characters */
enum esp_auth esp_mailgun_check(const char *body, size_t len, const char *signing_key, int64_t now,
				int64_t window, char *token, size_t token_size);

/*
 * A SendGrid signed event webhook.  sig_b64 is the header
 * X-Twilio-Email-Event-Webhook-Signature (base64 of a DER ECDSA
 * signature), ts the header X-Twilio-Email-Event-Webhook-Timestamp (Unix
 * seconds), body the raw request body, as received; the signed message is
 * ts followed by body, with ECDSA P-256 and SHA-256.  pubkey_b64 is the
 * verification key from SendGrid's settings: base64 of the DER
 * SubjectPublicKeyInfo.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 *
 * MISSING: a header NULL or empty.  BAD: the signature does not verify,
 * either header or the key is malformed, or pubkey_b64 is NULL.  STALE:
 * it verifies and |now - ts| > window (SendGrid documents no window; the
 * timestamp is signed, so the window bounds replays).
 */
enum esp_auth esp_sendgrid_check(const char *body, size_t len, const char *sig_b64, const char *ts,
				 const char *pubkey_b64, int64_t now, int64_t window);

/*
 * HTTP basic auth (RFC 7617): authorization is the Authorization header's
 * value ("Basic dXNlcjpwYXNz"), checked against user and password.  The
 * scheme is matched ignoring case; the credentials are base64 of
 * user ":" password.  Both sides are hashed with SHA-256 before they are
 * compared, so the comparison takes the same time whatever the lengths.
 *
 * MISSING: authorization NULL, empty or of another scheme (the route
 * answers 401 with WWW-Authenticate: Basic).  BAD: malformed credentials,
 * a wrong user or password, or user or password NULL (not configured).
 */
enum esp_auth esp_basic_check(const char *authorization, const char *user, const char *password);

/* The kinds of message Amazon SNS posts to an HTTP(S) endpoint. */
enum esp_sns_type {
	ESP_SNS_OTHER = 0,        /* not JSON, no "Type" or one not below */
	ESP_SNS_NOTIFICATION = 1, /* "Notification": Message holds the SES event */
	ESP_SNS_SUBSCRIBE = 2,    /* "SubscriptionConfirmation": visit SubscribeURL */
	ESP_SNS_UNSUBSCRIBE = 3,  /* "UnsubscribeConfirmation" */
};

/* "other", "notification", "subscription-confirmation", "unsubscribe-confirmation". */
const char *esp_sns_type_name(enum esp_sns_type t);

/*
 * The Type of an SNS message body.  For a SubscriptionConfirmation its
 * SubscribeURL is copied to url (NUL-terminated; "" when absent, not a
 * string or longer than url_size - 1) and *url_ok says whether the
 * service may fetch it: esp_sns_url_ok().  For every other type url is ""
 * and *url_ok false.
 * https://docs.aws.amazon.com/sns/latest/dg/http-subscription-confirmation-json.html
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html
 */
enum esp_sns_type esp_sns_classify(const char *body, size_t len, char *url, size_t url_size,
				   bool *url_ok);

/*
 * Whether url is on an SNS host, so that fetching it confirms a
 * subscription and asks nothing of anyone else: "https://" (any case),
 * then a host sns.REGION.amazonaws.com or, in AWS's China regions,
 * sns.REGION.amazonaws.com.cn (REGION letters, digits and '-'; the
 * comparison ignores ASCII case), no user or password, no port or 443,
 * then the end or '/', '?' or '#'.  No byte of url may be a control, a
 * space or beyond ASCII.
 */
bool esp_sns_url_ok(const char *url);

#endif
