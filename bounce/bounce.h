/*
 * bounce.h - bounce events from the files mail providers give: CSV, the
 * JSON of Amazon SES notifications, the SendGrid event webhook, Mailgun
 * events and Postmark bounce webhooks, RFC 3464 delivery status
 * notifications, and the bounce messages of mail systems that send no
 * report (Gmail, Exim, qmail, Exchange, Postfix).  The format is detected
 * from the content.
 *
 * Every event is classified hard, soft or block from the provider's own
 * fields and the RFC 3463 enhanced status code.  Hard is kept for what
 * clearly names a dead address, because a hard bounce suppresses the
 * address for good: 5.1.1, 5.1.2, 5.1.3, 5.1.4, 5.1.6 and 5.1.10, and
 * 5.2.1 (mailbox disabled).  4.x.x and 5.2.2 (mailbox full) are soft, and
 * so are 5.3.x, 5.4.x and 5.5.x (the mail system, the route, the protocol:
 * nothing about the mailbox); 5.6.x and 5.7.x, and the sender-side 5.1.7
 * and 5.1.8, are a block: a content or policy rejection is not a dead
 * address.  bounce/README.md has the whole table, its few exceptions and
 * why.  Complaints and
 * unsubscribes are events too (they suppress an address but are not
 * bounces), and so is a provider's notice that it suppressed an address
 * (Postmark's SubscriptionChange), which suppresses it and counts nothing.
 *
 * Pure: parses bytes handed to it, no I/O, no globals.
 */
#ifndef LG_BOUNCE_H
#define LG_BOUNCE_H

#include "common/common.h"

enum bounce_type {
	BOUNCE_HARD = 0,        /* the address does not exist: suppress it */
	BOUNCE_SOFT = 1,        /* temporary: mailbox full, greylisting, timeouts */
	BOUNCE_BLOCK = 2,       /* a policy or reputation rejection: the address may be fine */
	BOUNCE_COMPLAINT = 3,   /* the recipient marked the mail as spam: suppress */
	BOUNCE_UNSUBSCRIBE = 4, /* the recipient unsubscribed: suppress */
	BOUNCE_SUPPRESSED = 5,  /* the provider stopped mail to the address for a bounce or a
				 * complaint it reports as an event of its own: suppress, and
				 * count nothing (that event counts) */
};
#define BOUNCE_TYPE_COUNT 6

enum bounce_format {
	BOUNCE_FMT_CSV = 0,  /* header row with email and type or code columns */
	BOUNCE_FMT_SES,      /* Amazon SES notification, bare or inside an SNS envelope */
	BOUNCE_FMT_SENDGRID, /* SendGrid event webhook: an array of events */
	BOUNCE_FMT_MAILGUN,  /* Mailgun webhook ("event-data") or events API ("items") */
	BOUNCE_FMT_POSTMARK, /* Postmark bounce webhook or bounces API ("Bounces") */
	BOUNCE_FMT_DSN,      /* RFC 3464 message/delivery-status, one or more messages */
	BOUNCE_FMT_JSON,     /* JSON of no known provider: every record is reported bad */
	BOUNCE_FMT_TEXT,     /* a mail system's bounce message without a report: Gmail,
			       * Exim, qmail, Exchange, Postfix */
};
#define BOUNCE_FMT_COUNT 8

const char *bounce_type_name(enum bounce_type t);     /* "hard", "soft", ..., "suppressed" */
const char *bounce_format_name(enum bounce_format f); /* "csv", "ses", "sendgrid", ..., "text" */

/*
 * One event.  Strings are borrowed, valid during the callback only,
 * NUL-terminated, never NULL ("" when the source has nothing), valid
 * UTF-8 and free of control characters.
 *
 * id is what the provider names the event by: SES the feedbackId, a DSN
 * its Message-ID (angle brackets dropped), each followed by a space and
 * the recipient, since one notification covers several recipients;
 * SendGrid sg_event_id, Mailgun id, Postmark ID; a CSV's id column.
 */
struct bounce_event {
	const char *email; /* the recipient as the source gives it (not normalized) */
	enum bounce_type type;
	const char *status;  /* RFC 3463 enhanced status code, "5.1.1", or "" */
	const char *code;    /* SMTP reply code "550", or the provider's code, or "" */
	const char *reason;  /* diagnostic text on one line (at most 1000 bytes), or "" */
	const char *id;      /* the provider's event id, or "" (the caller makes a key) */
	int64_t occurred_at; /* Unix seconds; 0 when the source gives no time */
	unsigned long line;  /* 1-based line of the file where the event starts */
	enum bounce_format format;
};

/* Called once per event; a non-OK status stops the parse and is returned. */
typedef enum lg_status (*bounce_event_fn)(void *arg, const struct bounce_event *ev,
					  struct lg_err *err);
/* Called once per record that is not a usable event (no recipient, an
 * unknown type, a malformed CSV row ...), with its line and why (borrowed,
 * valid during the call): such records are reported, never silently
 * dropped.  Records of events that are not bounces at all (delivered,
 * open, click) are skipped quietly and counted in bounce_stats.ignored. */
typedef void (*bounce_bad_fn)(void *arg, unsigned long line, const char *why);

struct bounce_stats {
	enum bounce_format format; /* of a JSON file: that of its first known record */
	unsigned long events;      /* handed to the event callback */
	unsigned long bad;         /* handed to the bad callback */
	unsigned long ignored;     /* not bounce events: deliveries, opens ... */
};

/*
 * Parse a whole file's bytes (name is for messages).  The format is
 * detected: a JSON value or JSON lines, an RFC 5322 message with a
 * delivery-status part (several messages may be concatenated, mbox style),
 * else CSV.  Returns LG_EDATA with a message naming the file (and line)
 * when the content is none of these (binary, empty, malformed JSON, a CSV
 * without an email column), or the first non-OK status of a callback.
 * Events already handed over stay handed over.  on_bad and st may be NULL.
 */
enum lg_status bounce_parse(const char *data, size_t len, const char *name,
			    bounce_event_fn on_event, bounce_bad_fn on_bad, void *arg,
			    struct bounce_stats *st, struct lg_err *err);

/*
 * Classify from an RFC 3463 enhanced status code (may be "" or NULL), an
 * SMTP reply code (may be "" or NULL) and the diagnostic text (may be ""
 * or NULL), in that order of trust; a status or code missing is looked
 * for in the text ("smtp; 550 5.1.1 <a@b>: user unknown").  Used by every
 * format whose provider does not say hard or soft itself; exposed for
 * tests and for CSV.  Returns false (and leaves *out alone) when nothing
 * decides, and for success codes (2xx, 2.x.x).
 */
bool bounce_classify(const char *status, const char *code, const char *text, enum bounce_type *out);

#endif
