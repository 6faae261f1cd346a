/*
 * send.h - the webhook sender: outgoing POSTs on the shared event loop,
 * many at once, each ending in one call back with its outcome.
 *
 * libcurl's multi interface, driven by the loop (loop/loop.h): curl
 * tells the sender which sockets to watch and when to wake it, the loop
 * watches them, and nothing ever blocks the loop.  Names are resolved by
 * libcurl's threaded resolver (Debian's libcurl4-gnutls 7.88 is built
 * with it, not with c-ares), so a slow DNS server holds a transfer, not
 * the loop.
 *
 * Who drives it: an outbox (the store's table of messages to send)
 * takes the messages that are due, submits each with the attempt's
 * timestamp, and on the call back records the outcome: delivered, the
 * next attempt's time (retry.h) or the endpoint disabled.  The sender
 * keeps nothing between attempts; what must survive a crash is the
 * outbox's.  A message id is made once per message (sign_message_id)
 * and sent on every attempt.
 *
 * Every transfer has the manners of http.h: https:// only unless
 * allow_http; no redirect followed; no proxy from the environment;
 * loopback, private and other non-public addresses refused unless
 * allow_private (the same check as http_get, on every address curl
 * connects to); a connect timeout and a total timeout; the response's
 * body read and thrown away, at most HTTP_BODY_MAX bytes of it;
 * User-Agent leadgate/VERSION.  At most max_transfers run at once; the
 * rest wait their turn, in the order they were submitted, and their
 * timeouts start when they do.
 *
 * What an answer means (Standard Webhooks 1.0.0, spec/standard-webhooks.md,
 * "Delivery success and failure"): only a 2xx is delivered; 410 Gone
 * disables the endpoint; every other status (3xx included: no redirect
 * is followed), a timeout, a refused or reset connection and a name that
 * does not resolve are failures, tried again on the schedule.  The
 * specification names no status besides 410 that should stop the
 * retries ("the rest of the status codes should be treated as a
 * failure"), so a 4xx is retried too: a 401 or a 404 is as often an
 * endpoint being redeployed or a secret being rotated as a mistake, and
 * the schedule ends after three days anyway.  429, 502 and 504 are also
 * flagged `throttle`: the receiver is overloaded, and a caller can slow
 * down that endpoint.  Retry-After, on any response, is handed back.
 */
#ifndef LG_HANDOFF_SEND_H
#define LG_HANDOFF_SEND_H

#include "common/common.h"
#include "handoff/http.h"
#include "handoff/sign.h"
#include "loop/loop.h"

#define SEND_TRANSFERS_DEFAULT 16 /* transfers at once */
#define SEND_CONNECT_TIMEOUT_MS HTTP_CONNECT_TIMEOUT_MS
/* The whole request: the specification recommends 15 to 30 s ("Request
 * timeouts"), so that a receiver has time to process a message. */
#define SEND_TIMEOUT_MS 15000

enum send_outcome {
	SEND_DELIVERED = 0, /* a 2xx */
	SEND_RETRY = 1,     /* a failure: try again on the schedule (retry.h) */
	SEND_DISABLED = 2,  /* 410 Gone: send this endpoint nothing more */
	SEND_REFUSED = 3,   /* not sent: the URL or its address is refused (scheme,
			     * private address, malformed); no retry helps until the
			     * configuration changes */
};

/* The name of an outcome: "delivered", "retry", "disabled", "refused". */
const char *send_outcome_name(enum send_outcome o);

/* What came of one attempt; borrowed by the call back, valid during it. */
struct send_result {
	enum send_outcome outcome;
	long status;           /* the HTTP status; 0 when no response came */
	int64_t retry_after_s; /* the response's Retry-After, seconds from the
				* attempt (0: now); -1 when it had none */
	bool throttle;         /* 429, 502 or 504: the receiver is overloaded */
	/* For anything but delivered: what happened, naming the URL's
	 * scheme, host and port, never its path or query (a Slack
	 * webhook's key is in its path). */
	char detail[512];
};

/*
 * One message to send.  Everything is copied by sender_submit: the
 * caller's strings may go away as soon as it returns.
 */
struct send_msg {
	const char *url;
	const char *body; /* the payload, sent and signed byte for byte */
	size_t len;
	/* The Standard Webhooks headers: webhook-id and webhook-timestamp
	 * are sent when id is set; webhook-signature too when key is. */
	const char *id;             /* stable across the attempts; no '.' */
	int64_t timestamp;          /* this attempt's, Unix seconds */
	const struct sign_key *key; /* NULL: not signed */
	const char *content_type;   /* NULL: application/json */
	const char *method;         /* NULL: POST; "PATCH" (Salesforce's upsert) */
	const char *const *headers; /* more "Name: value" lines (a CRM's
					* Authorization), NULL-terminated; NULL: none */
};

/* The end of a transfer.  arg is sender_submit's.  The call back may
 * submit more (the next message due) but not free the sender. */
typedef void send_done_fn(void *arg, const struct send_result *r);

struct send_opts {
	bool allow_http;         /* http:// URLs too */
	bool allow_private;      /* loopback, private, ... addresses (see http.h) */
	const char *connect_to;  /* as http_opts.connect_to; NULL: the URL's */
	const char *ca_file;     /* PEM file of the CAs to trust; NULL: the system's */
	long connect_timeout_ms; /* 0: SEND_CONNECT_TIMEOUT_MS */
	long timeout_ms;         /* 0: SEND_TIMEOUT_MS; from the transfer's start */
	unsigned max_transfers;  /* at once; 0: SEND_TRANSFERS_DEFAULT */
};

struct sender;

/*
 * A sender on loop l (borrowed: it must outlive the sender; its clock
 * must be the real monotonic one, libcurl keeps time by it).  o is
 * copied (its strings too); NULL: the defaults.  Owned: sender_free.
 * LG_ETEMP if libcurl will not start.
 */
enum lg_status sender_new(struct sender **out, struct loop *l, const struct send_opts *o,
			  struct lg_err *err);
/*
 * Abort every transfer running or waiting, without calling back (the
 * outbox still has the messages: an attempt that never ended is made
 * again), and free the sender.  NULL is fine.  Not from a call back.
 */
void sender_free(struct sender *s);

/*
 * Send m, and call fn(arg, result) exactly once, later, from the loop
 * (never from inside sender_submit).  The attempt starts at once when
 * fewer than max_transfers run, otherwise when its turn comes.
 * LG_EDATA, and fn is never called, when m cannot be sent at all: the
 * URL's scheme is refused, or a header holds a line break; LG_ETEMP if
 * the signature could not be made.
 */
enum lg_status sender_submit(struct sender *s, const struct send_msg *m, send_done_fn *fn,
			     void *arg, struct lg_err *err);

/* Transfers submitted and not called back yet: running and waiting. */
size_t sender_pending(const struct sender *s);
/* Transfers running now (at most max_transfers). */
size_t sender_running(const struct sender *s);

#endif
