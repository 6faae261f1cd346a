/*
 * bounce.c - the entry point: which format a file is, and the one place
 * where every format's events are checked, cleaned and handed over.
 *
 * Detection looks at the content only, never at the file name: after a
 * UTF-8 BOM and white space, '{' or '[' is JSON; a "From " line or a
 * header field ("Name: value") is a mail message (an RFC 3464 report, a
 * mail system's bounce text, or an mbox of them), and so is the opening
 * line of a bounce text (a body saved without its headers); anything else
 * is CSV, which must then have a header row naming an email column.
 */
#include "bounce_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *bounce_type_name(enum bounce_type t)
{
	switch (t) {
	case BOUNCE_HARD: return "hard";
	case BOUNCE_SOFT: return "soft";
	case BOUNCE_BLOCK: return "block";
	case BOUNCE_COMPLAINT: return "complaint";
	case BOUNCE_UNSUBSCRIBE: return "unsubscribe";
	case BOUNCE_SUPPRESSED: return "suppressed";
	}
	return "unknown";
}

const char *bounce_format_name(enum bounce_format f)
{
	switch (f) {
	case BOUNCE_FMT_CSV: return "csv";
	case BOUNCE_FMT_SES: return "ses";
	case BOUNCE_FMT_SENDGRID: return "sendgrid";
	case BOUNCE_FMT_MAILGUN: return "mailgun";
	case BOUNCE_FMT_POSTMARK: return "postmark";
	case BOUNCE_FMT_DSN: return "dsn";
	case BOUNCE_FMT_JSON: return "json";
	case BOUNCE_FMT_TEXT: return "text";
	}
	return "unknown";
}

/* The length of the valid UTF-8 sequence at p (RFC 3629 4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

/*
 * Append [s, s+n) to b as one clean line of at most max bytes: control
 * characters (folded lines, tabs) become spaces, runs of spaces one
 * space, invalid UTF-8 '?'; a cut falls between characters.
 */
static void add_clean(struct lg_buf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len;
	bool space = true; /* drops leading spaces */

	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 1 && (p[i] < 0x20 || p[i] == 0x7F || p[i] == ' ')) {
			i++;
			if (!space && b->len - start < max)
				lg_buf_addc(b, ' ');
			space = true;
			continue;
		}
		if (b->len - start + (k ? k : 1) > max)
			break;
		if (k)
			lg_buf_add(b, p + i, k);
		else
			lg_buf_addc(b, '?');
		i += k ? k : 1;
		space = false;
	}
	while (b->len > start && b->data[b->len - 1] == ' ')
		b->data[--b->len] = '\0';
}

void bounce_saw_format(struct bounce_ctx *c, enum bounce_format f)
{
	if (!c->format_known) {
		c->st.format = f;
		c->format_known = true;
	}
}

void bounce_count_ignored(struct bounce_ctx *c)
{
	c->st.ignored++;
}

void bounce_report_bad(struct bounce_ctx *c, unsigned long line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Values quoted from the input may hold anything. */
	lg_buf_reset(&c->why);
	add_clean(&c->why, msg, strlen(msg), sizeof(msg));
	c->st.bad++;
	if (c->on_bad)
		c->on_bad(c->arg, line, c->why.data);
}

/* An enhanced status or reply code as the event carries it: short and
 * printable ASCII, else "". */
static const char *short_code(const char *s)
{
	if (!s)
		return "";
	size_t n = strlen(s);
	if (n >= BOUNCE_STATUS_MAX)
		return "";
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7F)
			return "";
	return s;
}

enum lg_status bounce_emit(struct bounce_ctx *c, const struct bounce_rec *r)
{
	const char *e = r->email ? r->email : "";
	size_t n = strlen(e);

	lg_ascii_trim(&e, &n);
	if (n >= 2 && e[0] == '<' && e[n - 1] == '>') {
		e++;
		n -= 2;
		lg_ascii_trim(&e, &n);
	}
	if (n == 0) {
		bounce_report_bad(c, r->line, "no recipient address");
		return LG_OK;
	}
	if (n > BOUNCE_EMAIL_MAX) {
		bounce_report_bad(c, r->line,
				  "recipient address longer than %d bytes: \"%.40s...\"",
				  BOUNCE_EMAIL_MAX, e);
		return LG_OK;
	}
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq((const unsigned char *)e + i, n - i);
		if (k == 0 || (k == 1 && ((unsigned char)e[i] <= ' ' || e[i] == 0x7F))) {
			bounce_report_bad(c, r->line,
					  "recipient \"%.*s\" holds spaces, control characters or "
					  "invalid UTF-8",
					  (int)n, e);
			return LG_OK;
		}
		i += k;
	}
	if (!memchr(e, '@', n)) {
		bounce_report_bad(c, r->line, "recipient \"%.*s\" is not an address", (int)n, e);
		return LG_OK;
	}

	lg_buf_reset(&c->email);
	lg_buf_add(&c->email, e, n);
	lg_buf_reset(&c->reason);
	lg_buf_add(&c->reason, "", 0);
	if (r->reason)
		add_clean(&c->reason, r->reason, strlen(r->reason), BOUNCE_FIELD_MAX);
	lg_buf_reset(&c->id);
	lg_buf_add(&c->id, "", 0);
	if (r->id && r->id[0]) {
		/* Room is kept for the recipient: two recipients of one
		 * notification must not share a key, however long its id. */
		size_t max = r->id_add_email ? BOUNCE_FIELD_MAX - 1 - n : BOUNCE_FIELD_MAX;
		add_clean(&c->id, r->id, strlen(r->id), max);
		if (r->id_add_email) {
			lg_buf_addc(&c->id, ' ');
			lg_buf_add(&c->id, e, n);
		}
	}

	struct bounce_event ev = {
		.email = c->email.data,
		.type = r->type,
		.status = short_code(r->status),
		.code = short_code(r->code),
		.reason = c->reason.data,
		.id = c->id.data,
		.occurred_at = r->occurred_at,
		.line = r->line,
		.format = r->format,
	};
	c->st.events++;
	return c->on_event ? c->on_event(c->arg, &ev, c->err) : LG_OK;
}

/* The 1-based line of offset off in s. */
static unsigned long line_of(const char *s, size_t off)
{
	unsigned long line = 1;
	for (const char *p = s; (p = memchr(p, '\n', off - (size_t)(p - s))) != NULL; p++)
		line++;
	return line;
}

/* Anything but text: a NUL byte anywhere, or another control character
 * (not TAB, LF, FF, CR, ESC of ISO-2022 text) in the first kilobyte. */
static enum lg_status check_text(const char *s, size_t n, const char *name, struct lg_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *nul = memchr(s, '\0', n);

	if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return lg_err_set(err, LG_EDATA, "%s: UTF-16 text; save it as UTF-8", name);
	if (nul)
		return lg_err_set(err, LG_EDATA, "%s:%lu: NUL byte: this is not a text file", name,
				  line_of(s, (size_t)(nul - s)));
	for (size_t i = 0; i < n && i < 1024; i++) {
		if (u[i] < 0x20 && u[i] != '\t' && u[i] != '\n' && u[i] != '\f' && u[i] != '\r' &&
		    u[i] != 0x1B)
			return lg_err_set(
				err, LG_EDATA,
				"%s:%lu: control character 0x%02x: this is not a text file", name,
				line_of(s, i), u[i]);
	}
	return LG_OK;
}

/* Evidence of RFC 3464 anywhere: the report's media type, or a
 * Final-Recipient field at the start of a line. */
static bool has_dsn(const char *s, size_t n)
{
	static const char ds[] = "delivery-status", fr[] = "final-recipient:";
	for (size_t i = 0; i + sizeof(ds) - 1 <= n; i++) {
		if (lg_ascii_lower((unsigned char)s[i]) == 'd' &&
		    lg_ascii_eq(s + i, sizeof(ds) - 1, ds, sizeof(ds) - 1))
			return true;
		if ((i == 0 || s[i - 1] == '\n') && i + sizeof(fr) - 1 <= n &&
		    lg_ascii_eq(s + i, sizeof(fr) - 1, fr, sizeof(fr) - 1))
			return true;
	}
	return false;
}

enum lg_status bounce_parse(const char *data, size_t len, const char *name,
			    bounce_event_fn on_event, bounce_bad_fn on_bad, void *arg,
			    struct bounce_stats *st, struct lg_err *err)
{
	struct bounce_ctx c = {0};
	enum lg_status rc;
	size_t i = 0;

	c.name = name ? name : "input";
	c.on_event = on_event;
	c.on_bad = on_bad;
	c.arg = arg;
	c.err = err;
	c.st.format = BOUNCE_FMT_CSV;

	if (!data) {
		data = "";
		len = 0;
	}
	if ((rc = check_text(data, len, c.name, err)) != LG_OK)
		goto out;
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	while (i < len && lg_ascii_is_space((unsigned char)data[i]))
		i++;
	if (i == len) {
		rc = lg_err_set(err, LG_EDATA, "%s: empty file: no events and no CSV header",
				c.name);
		goto out;
	}
	if (data[i] == '{' || data[i] == '[') {
		c.st.format = BOUNCE_FMT_JSON; /* until a record says which provider */
		rc = bounce_json_parse(&c, data, len);
	} else if (bounce_dsn_sniff(data, len)) {
		c.st.format = BOUNCE_FMT_DSN;
		if (!has_dsn(data, len) && !bounce_text_sniff(data, len))
			rc = lg_err_set(
				err, LG_EDATA,
				"%s: a mail message, but no delivery status report "
				"(RFC 3464 message/delivery-status) in it, nor the words of a "
				"bounce of Gmail, Exim, qmail, Exchange or Postfix",
				c.name);
		else
			rc = bounce_dsn_parse(&c, data, len);
	} else {
		c.st.format = BOUNCE_FMT_CSV;
		rc = bounce_csv_parse(&c, data, len);
	}
out:
	if (st)
		*st = c.st;
	lg_buf_release(&c.email);
	lg_buf_release(&c.reason);
	lg_buf_release(&c.id);
	lg_buf_release(&c.why);
	return rc;
}
