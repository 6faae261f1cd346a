/* bounce_int.h - private to bounce/ and its tests. */
#ifndef LG_BOUNCE_INT_H
#define LG_BOUNCE_INT_H

#include "bounce.h"

#include <string.h>

#define BOUNCE_EMAIL_MAX 254  /* RFC 5321 4.5.3.1.3: a 256-octet path less "<>" */
#define BOUNCE_FIELD_MAX 1000 /* reason and id are cut here (at a UTF-8 boundary) */
#define BOUNCE_STATUS_MAX 16  /* "5.123.123" and the provider codes we keep */

/* ---- bounce.c: the parse context every format reports through ---- */

struct bounce_ctx {
	const char *name; /* for messages; borrowed from the caller */
	bounce_event_fn on_event;
	bounce_bad_fn on_bad;
	void *arg;
	struct lg_err *err;
	struct bounce_stats st;
	bool format_known;                    /* st.format was set by a record (JSON) */
	struct lg_buf email, reason, id, why; /* scratch for one event or report */
};

/* One event as a format found it.  Pointers are borrowed from the parser
 * for the duration of bounce_emit(); NULL reads as "". */
struct bounce_rec {
	const char *email;
	enum bounce_type type;
	const char *status;
	const char *code;
	const char *reason;
	const char *id;
	bool id_add_email; /* id is the notification's: append " " and the recipient */
	int64_t occurred_at;
	unsigned long line;
	enum bounce_format format;
};

/* Check and clean the fields (caps, UTF-8, control characters) and hand
 * the event over; a record that cannot be an event (no recipient, an
 * address over 254 bytes ...) goes to the bad callback instead. */
enum lg_status bounce_emit(struct bounce_ctx *c, const struct bounce_rec *r);
/* Report a record that is not a usable event. */
void bounce_report_bad(struct bounce_ctx *c, unsigned long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Count a record that is not a bounce event (a delivery, an open). */
void bounce_count_ignored(struct bounce_ctx *c);
/* A record of format f was recognized: the file's format, if first. */
void bounce_saw_format(struct bounce_ctx *c, enum bounce_format f);

/* ---- classify.c: RFC 3463 status codes, SMTP reply codes, text ---- */

/* How sure a classification is.  A provider's own verdict yields only to
 * strong evidence: a specific enhanced status code or telling text; a weak
 * result is a class default ("a 550 with nothing more is a block"). */
enum bounce_strength {
	BOUNCE_UNDECIDED = 0,
	BOUNCE_WEAK = 1,
	BOUNCE_STRONG = 2,
};

struct bounce_verdict {
	enum bounce_type type; /* when strength != BOUNCE_UNDECIDED */
	enum bounce_strength strength;
	char status[BOUNCE_STATUS_MAX]; /* the enhanced status code used, or "" */
	char code[4];                   /* the SMTP reply code used, or "" */
};

/* bounce_classify() with how sure it is and the codes it used (given, or
 * found in the text).  NULL arguments read as "". */
void bounce_classify_verdict(const char *status, const char *code, const char *text,
			     struct bounce_verdict *v);

/*
 * A provider's verdict, refined by the recipient's own status and text:
 * strong evidence that the mailbox is alive (a block or soft code) turns a
 * provider's hard into that; when the provider did not really classify
 * (generic: SES Undetermined, Mailgun "generic" ...) any decision of the
 * evidence wins, else the provider's fallback stands.
 */
enum bounce_type bounce_refine(enum bounce_type given, bool generic, const struct bounce_verdict *v);

/* The first enhanced status code "d.ddd.ddd" standing alone in [s, s+n)
 * (not part of an IP address or version number) into out; false if none. */
bool bounce_find_status(const char *s, size_t n, char out[BOUNCE_STATUS_MAX]);

/* ---- date.c ---- */

/* Parse an RFC 5322 3.3 date-time, with the obsolete forms of 4.3 (two-
 * digit years, named zones), the day of week optional and a trailing
 * comment allowed ("Mon, 2 Mar 2026 10:15:00 +0100 (CET)"). */
bool bounce_rfc5322_date(const char *s, size_t n, int64_t *out);

/* ---- the formats: each parses the whole input (BOM already skipped) ---- */

enum lg_status bounce_json_parse(struct bounce_ctx *c, const char *s, size_t n);
enum lg_status bounce_dsn_parse(struct bounce_ctx *c, const char *s, size_t n);
enum lg_status bounce_csv_parse(struct bounce_ctx *c, const char *s, size_t n);

/* Whether [s, s+n) starts like a mail message or an mbox: a "From " line,
 * a header field ("Name: value"), or the opening words of a bounce text
 * (bounce_text_opening: a message's body saved without its headers). */
bool bounce_dsn_sniff(const char *s, size_t n);

/* The lines of mail (dsn.c, text.c): does [s, s+n) start with prefix,
 * ASCII case ignored?  Is it only blanks? */
static inline bool bounce_starts_ci(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && lg_ascii_eq(s, k, prefix, k);
}
static inline bool bounce_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* ---- text.c: the bounce texts of mail systems that send no report ---- */

/* Does the line [s, s+n) (blanks before it skipped) open a bounce text of
 * a mail system leadgate knows? */
bool bounce_text_opening(const char *s, size_t n);
/* Does any line of [s, s+n) open one?  Cheap: for telling a file's format. */
bool bounce_text_sniff(const char *s, size_t n);

/*
 * The body of a message that has no delivery status report: [s, s+n), its
 * first line numbered line, quoted-printable when qp.  The recipients of
 * the first bounce text found in it become events of BOUNCE_FMT_TEXT (id:
 * msgid and the recipient; time: date, 0 for none), or bad records; *found
 * is false, and nothing is reported, when there is none.
 */
enum lg_status bounce_text_parse(struct bounce_ctx *c, const char *s, size_t n, unsigned long line,
				 bool qp, const char *msgid, int64_t date, bool *found);

/* ---- providers.c: one event object of a known provider ---- */

struct json_t; /* jansson's: the files of bounce/ include <jansson.h>, this header does not */

/* The events of object o (borrowed), which starts on line; json.c has
 * already told which provider it belongs to and opened any envelope. */
enum lg_status bounce_json_ses(struct bounce_ctx *c, struct json_t *o, unsigned long line);
enum lg_status bounce_json_sendgrid(struct bounce_ctx *c, struct json_t *o, unsigned long line);
enum lg_status bounce_json_mailgun(struct bounce_ctx *c, struct json_t *o, unsigned long line);
enum lg_status bounce_json_postmark(struct bounce_ctx *c, struct json_t *o, unsigned long line);

#endif
