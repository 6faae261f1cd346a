/*
 * dsn.c - RFC 3464 delivery status notifications: one message, messages
 * concatenated, or an mbox of them.
 *
 * A notification is a multipart/report (RFC 6522) whose
 * message/delivery-status part holds blocks of header-style fields: one
 * for the message (Reporting-MTA, Arrival-Date ...), then one per
 * recipient (Final-Recipient, Action, Status, Diagnostic-Code ...),
 * separated by blank lines (RFC 3464 2.1).  The MIME walk follows the
 * boundary of each multipart down to that part.  Real bounces are not
 * always well formed: with no boundary, or no part labelled
 * delivery-status, the body is searched for the fields themselves; and a
 * file that is nothing but the fields is a report too.
 *
 * Every recipient group is one event, at the line of its first field.
 */
#include "bounce_int.h"

#include <stdlib.h>
#include <string.h>

#define FIELD_MAX (16 * 1024) /* of one unfolded field: continuation lines beyond are dropped */
#define MIME_DEPTH_MAX 8
#define BOUNDARY_MAX 70 /* RFC 2046 5.1.1 */

struct cursor {
	const char *s;
	size_t pos, end;    /* the lines left are [pos, end) */
	unsigned long line; /* of the line at pos */
};

/* The next line, less its LF or CRLF; false at the end. */
static bool next_line(struct cursor *c, const char **l, size_t *n)
{
	if (c->pos >= c->end)
		return false;
	const char *p = c->s + c->pos;
	size_t rest = c->end - c->pos;
	const char *nl = memchr(p, '\n', rest);
	size_t len = nl ? (size_t)(nl - p) : rest;
	c->pos += nl ? len + 1 : len;
	c->line++;
	if (len && p[len - 1] == '\r')
		len--;
	*l = p;
	*n = len;
	return true;
}

/* Skip blank lines; false when nothing else is left. */
static bool skip_blank(struct cursor *c)
{
	for (;;) {
		struct cursor at = *c;
		const char *l;
		size_t n;
		if (!next_line(c, &l, &n))
			return false;
		if (!bounce_blank(l, n)) {
			*c = at;
			return true;
		}
	}
}

/* The length of the field name of a header line (RFC 5322 3.6.8 ftext,
 * and the obsolete white space before the colon of 4.5), or 0. */
static size_t field_name(const char *l, size_t n)
{
	size_t i = 0, k;
	while (i < n && l[i] > ' ' && l[i] < 0x7F && l[i] != ':')
		i++;
	for (k = i; k < n && (l[k] == ' ' || l[k] == '\t'); k++)
		;
	return i > 0 && k < n && l[k] == ':' ? i : 0;
}

bool bounce_dsn_sniff(const char *s, size_t n)
{
	struct cursor c = {s, 0, n, 1};
	const char *l;
	size_t ln, i = 0;

	if (!skip_blank(&c) || !next_line(&c, &l, &ln))
		return false;
	if (ln >= 5 && !memcmp(l, "From ", 5))
		return true; /* an mbox */
	/* Stricter than field_name(): letters, digits and '-', as every
	 * field a mail system writes; a CSV header has none of these. */
	while (i < ln && (lg_ascii_is_alpha((unsigned char)l[i]) ||
			  lg_ascii_is_digit((unsigned char)l[i]) || l[i] == '-'))
		i++;
	return (i > 0 && i < ln && l[i] == ':') || bounce_text_opening(l, ln);
}

/* ---- a block of header fields --------------------------------------------- */

struct field {
	const char *name; /* borrowed from the input */
	size_t name_len;
	size_t off, len; /* of the unfolded value in fields.vals */
	unsigned long line;
};

struct fields {
	struct field *v;
	size_t n, cap;
	struct lg_buf vals;
};

/*
 * Read fields up to a blank line (consumed) or the end, unfolding
 * continuation lines (RFC 5322 2.2.3); stop before a line that is
 * neither a field nor a continuation.  The number read.
 */
static size_t read_fields(struct cursor *c, struct fields *f)
{
	f->n = 0;
	lg_buf_reset(&f->vals);
	for (;;) {
		struct cursor at = *c;
		const char *l;
		size_t n, k;
		if (!next_line(c, &l, &n) || bounce_blank(l, n))
			break;
		if (l[0] == ' ' || l[0] == '\t') {
			if (!f->n) {
				*c = at;
				break;
			}
			struct field *last = &f->v[f->n - 1];
			if (last->len + n <= FIELD_MAX) {
				lg_buf_add(&f->vals, l, n);
				last->len += n;
			}
			continue;
		}
		if (!(k = field_name(l, n))) {
			*c = at;
			break;
		}
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 32;
			f->v = lg_xrealloc(f->v, f->cap * sizeof(*f->v));
		}
		const char *colon = memchr(l, ':', n);
		size_t vn = n - (size_t)(colon + 1 - l);
		if (vn > FIELD_MAX)
			vn = FIELD_MAX;
		f->v[f->n++] = (struct field){l, k, f->vals.len, vn, at.line};
		lg_buf_add(&f->vals, colon + 1, vn);
	}
	return f->n;
}

static bool name_is(const struct field *fl, const char *name)
{
	return lg_ascii_eq(fl->name, fl->name_len, name, strlen(name));
}

/* The trimmed value of field i. */
static void value(const struct fields *f, size_t i, const char **v, size_t *n)
{
	*v = f->vals.data + f->v[i].off;
	*n = f->v[i].len;
	lg_ascii_trim(v, n);
}

/* The first field called name: its trimmed value into out (NUL-ended);
 * false (out empty) when there is none. */
static bool get(const struct fields *f, const char *name, struct lg_buf *out)
{
	lg_buf_reset(out);
	lg_buf_add(out, "", 0);
	for (size_t i = 0; i < f->n; i++) {
		if (name_is(&f->v[i], name)) {
			const char *v;
			size_t n;
			value(f, i, &v, &n);
			lg_buf_add(out, v, n);
			return true;
		}
	}
	return false;
}

/*
 * A Content-Type value: the media type, lower case, into type, and the
 * boundary parameter into boundary (RFC 2045 5.1: a token or a quoted
 * string); "" for what is missing or too long.
 */
static void content_type(const char *v, size_t n, char *type, size_t tcap, char *boundary)
{
	size_t i = 0, k = 0;

	boundary[0] = '\0';
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	while (i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t' && k + 1 < tcap)
		type[k++] = (char)lg_ascii_lower((unsigned char)v[i++]);
	type[k] = '\0';
	for (;;) {
		while (i < n && v[i] != ';')
			i++;
		if (i >= n)
			return;
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		size_t name = i;
		while (i < n && v[i] != '=' && v[i] != ';')
			i++;
		if (i >= n || v[i] != '=')
			continue;
		const char *pn = v + name;
		size_t pl = i - name;
		lg_ascii_trim(&pn, &pl);
		i++;
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		char val[BOUNDARY_MAX + 2];
		size_t vl = 0;
		bool too_long = false;
		if (i < n && v[i] == '"') {
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				if (vl < BOUNDARY_MAX)
					val[vl++] = v[i];
				else
					too_long = true;
			}
		} else {
			for (; i < n && v[i] != ';' && v[i] != ' ' && v[i] != '\t'; i++) {
				if (vl < BOUNDARY_MAX)
					val[vl++] = v[i];
				else
					too_long = true;
			}
		}
		val[vl] = '\0';
		if (lg_ascii_eq(pn, pl, "boundary", 8) && !too_long)
			memcpy(boundary, val, vl + 1);
	}
}

/* ---- the parse ---------------------------------------------------------------- */

/* One recipient group of a report, as its fields are read. */
struct rcpt {
	unsigned long line; /* of its first field; 0: no group open */
	bool has_final, has_original, has_action;
	struct lg_buf final, original, action, status, diag, last_attempt;
};

struct dsn {
	struct bounce_ctx *c;
	struct fields f;          /* scratch: the block being read */
	struct lg_buf msgid;      /* of the notification, without <> */
	int64_t date;             /* its Date: */
	int64_t arrival;          /* Arrival-Date of the report being read */
	unsigned reports;         /* delivery-status parts found in this message */
	unsigned long recipients; /* groups found in the report being read */
	struct rcpt r;
	struct lg_buf tmp;
	/* The message's first text/plain part (or its body, when it is not
	 * MIME), for a bounce text when there is no report. */
	struct cursor text;
	bool has_text, text_qp;
};

static void rcpt_clear(struct rcpt *r)
{
	r->line = 0;
	r->has_final = r->has_original = r->has_action = false;
	lg_buf_reset(&r->final);
	lg_buf_reset(&r->original);
	lg_buf_reset(&r->action);
	lg_buf_reset(&r->status);
	lg_buf_reset(&r->diag);
	lg_buf_reset(&r->last_attempt);
}

static void set_value(struct lg_buf *b, const struct fields *f, size_t i)
{
	const char *v;
	size_t n;
	value(f, i, &v, &n);
	lg_buf_reset(b);
	lg_buf_add(b, v, n);
}

static int64_t date_of(const struct lg_buf *b)
{
	int64_t t;
	return b->len && bounce_rfc5322_date(b->data, b->len, &t) ? t : 0;
}

/* "type; value" (RFC 3464 2.3.2 address-type, 2.3.6 diagnostic-type):
 * the value, and the type into *type. */
static const char *after_type(const char *s, const char **type, size_t *tlen)
{
	const char *semi = strchr(s, ';');
	*type = s;
	*tlen = 0;
	if (!semi)
		return s;
	for (const char *p = s; p < semi; p++)
		if (*p == ' ' || *p == '<' || *p == '@')
			return s; /* not a type word: a value holding a ';' */
	*type = s;
	*tlen = (size_t)(semi - s);
	for (s = semi + 1; *s == ' ' || *s == '\t'; s++)
		;
	return s;
}

/* A recipient group is complete: one event, or a report of why not. */
static enum lg_status flush(struct dsn *d)
{
	struct rcpt *r = &d->r;
	enum lg_status st = LG_OK;
	struct bounce_verdict v;
	const char *type, *addr, *act = r->action.data ? r->action.data : "";
	size_t tlen;

	if (!r->line)
		return LG_OK;
	d->recipients++;
	if (!r->has_final && !r->has_original) {
		bounce_report_bad(d->c, r->line, "recipient group without Final-Recipient");
		goto out;
	}
	addr = after_type(r->has_final ? r->final.data : r->original.data, &type, &tlen);
	/* RFC 3464 2.3.2 rfc822, RFC 6533 3 utf-8: the Internet's addresses */
	if (tlen && !lg_ascii_eq(type, tlen, "rfc822", 6) && !lg_ascii_eq(type, tlen, "utf-8", 5)) {
		bounce_report_bad(d->c, r->line,
				  "recipient of address type \"%.*s\" is not a mail address",
				  (int)(tlen > 40 ? 40 : tlen), type);
		goto out;
	}
	const char *dtype;
	const char *diag = after_type(r->diag.data ? r->diag.data : "", &dtype, &tlen);
	bounce_classify_verdict(r->status.data, NULL, diag, &v);
	enum bounce_type t;
	if (lg_ascii_eq(act, strlen(act), "failed", 6)) {
		if (v.strength == BOUNCE_UNDECIDED) {
			bounce_report_bad(
				d->c, r->line,
				"Action failed without a Status or Diagnostic-Code that says why");
			goto out;
		}
		t = v.type;
	} else if (lg_ascii_eq(act, strlen(act), "delayed", 7)) {
		t = BOUNCE_SOFT; /* RFC 3464 2.3.3: still being tried */
	} else if (lg_ascii_eq(act, strlen(act), "delivered", 9) ||
		   lg_ascii_eq(act, strlen(act), "relayed", 7) ||
		   lg_ascii_eq(act, strlen(act), "expanded", 8)) {
		bounce_count_ignored(d->c);
		goto out;
	} else if (!r->has_action) {
		bounce_report_bad(d->c, r->line, "recipient group without Action");
		goto out;
	} else {
		bounce_report_bad(d->c, r->line, "unknown Action \"%.40s\"", act);
		goto out;
	}

	/* When the attempt failed, if the report says; else when the message
	 * arrived at the reporting MTA; else when the report was written. */
	int64_t when = date_of(&r->last_attempt);
	if (!when)
		when = d->arrival ? d->arrival : d->date;
	struct bounce_rec rec = {
		.email = addr,
		.type = t,
		.status = v.status,
		.code = v.code,
		.reason = diag,
		.id = d->msgid.data,
		.id_add_email = true,
		.occurred_at = when,
		.line = r->line,
		.format = BOUNCE_FMT_DSN,
	};
	st = bounce_emit(d->c, &rec);
out:
	rcpt_clear(r);
	return st;
}

/* One field of a delivery-status block. */
static enum lg_status report_field(struct dsn *d, size_t i)
{
	const struct field *fl = &d->f.v[i];
	struct rcpt *r = &d->r;
	enum lg_status st = LG_OK;

	if (name_is(fl, "Arrival-Date")) {
		set_value(&d->tmp, &d->f, i);
		d->arrival = date_of(&d->tmp);
		return LG_OK;
	}
	bool original = name_is(fl, "Original-Recipient"), final = name_is(fl, "Final-Recipient");
	bool action = name_is(fl, "Action");
	if (!original && !final && !action && !name_is(fl, "Status") &&
	    !name_is(fl, "Diagnostic-Code") && !name_is(fl, "Last-Attempt-Date"))
		return LG_OK; /* Reporting-MTA, Remote-MTA, Will-Retry-Until ... */
	/* Groups are separated by blank lines; without them, a field the
	 * open group already has starts the next recipient.  The order inside
	 * a group is not relied on: RFC 3464 2.3 puts Original-Recipient
	 * first, Postfix writes it after Final-Recipient. */
	if ((original && r->has_original) || (final && r->has_final) || (action && r->has_action))
		st = flush(d);
	if (!r->line)
		r->line = fl->line;
	if (original) {
		set_value(&r->original, &d->f, i);
		r->has_original = true;
	} else if (final) {
		set_value(&r->final, &d->f, i);
		r->has_final = true;
	} else if (action) {
		set_value(&r->action, &d->f, i);
		r->has_action = true;
	} else if (name_is(fl, "Status")) {
		set_value(&r->status, &d->f, i);
	} else if (name_is(fl, "Diagnostic-Code")) {
		set_value(&r->diag, &d->f, i);
	} else {
		set_value(&r->last_attempt, &d->f, i);
	}
	return st;
}

/* The body of a delivery-status part (or what is taken for one), from
 * the cursor to its end or a line starting "--" (a MIME boundary). */
static enum lg_status report(struct dsn *d, struct cursor *c, unsigned long line)
{
	enum lg_status st = LG_OK;

	bounce_saw_format(d->c, BOUNCE_FMT_DSN);
	d->reports++;
	d->arrival = 0;
	d->recipients = 0;
	rcpt_clear(&d->r);
	while (st == LG_OK && skip_blank(c)) {
		struct cursor at = *c;
		const char *l;
		size_t n;
		next_line(c, &l, &n);
		if (n >= 2 && l[0] == '-' && l[1] == '-')
			break;
		*c = at;
		if (!read_fields(c, &d->f)) {
			next_line(c, &l, &n); /* not a field: skip it */
			continue;
		}
		for (size_t i = 0; i < d->f.n && st == LG_OK; i++)
			st = report_field(d, i);
		if (st == LG_OK)
			st = flush(d); /* a blank line ends a group */
	}
	if (st == LG_OK && d->recipients == 0)
		bounce_report_bad(
			d->c, line,
			"delivery status report without a recipient (no Final-Recipient)");
	rcpt_clear(&d->r);
	return st;
}

/* The fields that begin a delivery-status block, looked for in a body
 * whose structure did not lead to one. */
static enum lg_status scan_body(struct dsn *d, struct cursor *c)
{
	enum lg_status st = LG_OK;
	const char *l;
	size_t n;

	for (;;) {
		struct cursor at = *c;
		if (st != LG_OK || !next_line(c, &l, &n))
			return st;
		if (bounce_starts_ci(l, n, "Reporting-MTA:") ||
		    bounce_starts_ci(l, n, "Final-Recipient:") ||
		    bounce_starts_ci(l, n, "Original-Recipient:") ||
		    bounce_starts_ci(l, n, "Arrival-Date:") ||
		    bounce_starts_ci(l, n, "Original-Envelope-Id:")) {
			*c = at;
			st = report(d, c, at.line);
		}
	}
}

static enum lg_status entity(struct dsn *d, struct cursor *c, int depth);

/* The parts of a multipart body, each an entity; *closed when its
 * closing delimiter was seen (the cursor is then just after it). */
static enum lg_status multipart(struct dsn *d, struct cursor *c, const char *b, int depth,
				bool *closed)
{
	size_t bn = strlen(b);
	struct cursor part = *c;
	bool in_part = false;
	const char *l;
	size_t n;

	for (;;) {
		struct cursor at = *c;
		if (!next_line(c, &l, &n))
			break;
		/* RFC 2046 5.1.1: "--" boundary, "--" again on the last, then
		 * perhaps white space. */
		if (n < bn + 2 || l[0] != '-' || l[1] != '-' || memcmp(l + 2, b, bn))
			continue;
		bool last = n >= bn + 4 && l[bn + 2] == '-' && l[bn + 3] == '-';
		if (!bounce_blank(l + bn + 2 + (last ? 2 : 0), n - bn - 2 - (last ? 2 : 0)))
			continue;
		if (in_part) {
			part.end = at.pos;
			enum lg_status st = entity(d, &part, depth + 1);
			if (st != LG_OK)
				return st;
		}
		if (last) {
			*closed = true;
			return LG_OK;
		}
		in_part = true;
		part = *c;
	}
	if (in_part) { /* never closed: the last part runs to the end */
		part.end = c->end;
		return entity(d, &part, depth + 1);
	}
	return LG_OK;
}

static bool is_report_type(const char *type)
{
	/* RFC 6533 3 for the internationalized one */
	return !strcmp(type, "message/delivery-status") ||
	       !strcmp(type, "message/global-delivery-status");
}

/*
 * Keep the body at c as the message's text when it is the first text/plain
 * one (no Content-Type: text/plain too, RFC 2045 5.2) in 7bit, 8bit or
 * quoted-printable (d->f holds its headers).  base64 is not read: mail
 * systems write their bounce texts in the others.
 */
static void keep_text(struct dsn *d, const struct cursor *c, const char *type)
{
	if (d->has_text || (type[0] && strcmp(type, "text/plain")))
		return;
	get(&d->f, "Content-Transfer-Encoding", &d->tmp);
	bool qp = lg_ascii_eq(d->tmp.data, d->tmp.len, "quoted-printable", 16);
	if (!qp && d->tmp.len && !lg_ascii_eq(d->tmp.data, d->tmp.len, "7bit", 4) &&
	    !lg_ascii_eq(d->tmp.data, d->tmp.len, "8bit", 4))
		return;
	d->text = *c;
	d->text_qp = qp;
	d->has_text = true;
}

/* One MIME entity in [c->pos, c->end): its headers, then its body. */
static enum lg_status entity(struct dsn *d, struct cursor *c, int depth)
{
	unsigned long line = c->line;
	char type[64], boundary[BOUNDARY_MAX + 1];
	bool closed = false;

	read_fields(c, &d->f);
	get(&d->f, "Content-Type", &d->tmp);
	content_type(d->tmp.data, d->tmp.len, type, sizeof(type), boundary);
	if (!strncmp(type, "multipart/", 10) && boundary[0] && depth < MIME_DEPTH_MAX)
		return multipart(d, c, boundary, depth, &closed);
	if (is_report_type(type))
		return report(d, c, line);
	keep_text(d, c, type);
	c->pos = c->end; /* text/plain, text/rfc822-headers, message/rfc822 ... */
	return LG_OK;
}

/* Do these fields begin a bare report rather than a message? */
static bool report_fields(const struct fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (name_is(&f->v[i], "Reporting-MTA") || name_is(&f->v[i], "Final-Recipient") ||
		    name_is(&f->v[i], "Original-Recipient") || name_is(&f->v[i], "Arrival-Date"))
			return true;
	return false;
}

/* One message from the cursor; *closed when it was a multipart whose
 * closing delimiter was seen, so that another message may follow. */
static enum lg_status message(struct dsn *d, struct cursor *c, bool *closed)
{
	struct cursor start = *c;
	unsigned long line = c->line;
	char type[64], boundary[BOUNDARY_MAX + 1];
	enum lg_status st = LG_OK;

	*closed = false;
	d->reports = 0;
	d->has_text = false;
	read_fields(c, &d->f);
	if (report_fields(&d->f)) {
		lg_buf_reset(&d->msgid);
		lg_buf_add(&d->msgid, "", 0);
		d->date = 0;
		*c = start;
		return report(d, c, line);
	}
	get(&d->f, "Message-ID", &d->msgid);
	if (d->msgid.len >= 2 && d->msgid.data[0] == '<' && d->msgid.data[d->msgid.len - 1] == '>') {
		memmove(d->msgid.data, d->msgid.data + 1, d->msgid.len - 2);
		d->msgid.len -= 2;
		d->msgid.data[d->msgid.len] = '\0';
	}
	get(&d->f, "Date", &d->tmp);
	d->date = date_of(&d->tmp);
	get(&d->f, "Content-Type", &d->tmp);
	content_type(d->tmp.data, d->tmp.len, type, sizeof(type), boundary);

	struct cursor body = *c;
	if (!strncmp(type, "multipart/", 10) && boundary[0])
		st = multipart(d, c, boundary, 0, closed);
	else if (is_report_type(type))
		st = report(d, c, line);
	else {
		keep_text(d, c, type);
		c->pos = c->end;
	}
	if (st == LG_OK && d->reports == 0) {
		/* No boundary, or no part labelled delivery-status: look for
		 * the fields in what the message took up. */
		body.end = c->pos;
		st = scan_body(d, &body);
	}
	bool text = false;
	if (st == LG_OK && d->reports == 0 && d->has_text) {
		/* No report at all: the words of a mail system that sends none? */
		const struct cursor *t = &d->text;
		st = bounce_text_parse(d->c, t->s + t->pos, t->end - t->pos, t->line, d->text_qp,
				       d->msgid.data, d->date, &text);
	}
	if (st == LG_OK && d->reports == 0 && !text)
		bounce_report_bad(
			d->c, line,
			"a message without a delivery status report, nor "
			"the words of a bounce of Gmail, Exim, qmail, Exchange or Postfix");
	return st;
}

/* Where the mbox message after the one at pos starts: a "From " line
 * after a blank line; n when none. */
static size_t next_from(const char *s, size_t pos, size_t n)
{
	static const char sep[] = "\nFrom ";
	for (size_t i = pos; i + sizeof(sep) - 1 <= n; i++) {
		const char *p = memmem(s + i, n - i, sep, sizeof(sep) - 1);
		if (!p)
			return n;
		i = (size_t)(p - s);
		if ((i >= 1 && s[i - 1] == '\n') || (i >= 2 && s[i - 1] == '\r' && s[i - 2] == '\n'))
			return i + 1;
	}
	return n;
}

static unsigned long lines_in(const char *s, size_t from, size_t to)
{
	unsigned long k = 0;
	for (const char *p = s + from; (p = memchr(p, '\n', (size_t)(s + to - p))) != NULL; p++)
		k++;
	return k;
}

enum lg_status bounce_dsn_parse(struct bounce_ctx *c, const char *s, size_t n)
{
	struct dsn d = {.c = c};
	struct cursor all = {s, 0, n, 1};
	enum lg_status st = LG_OK;

	while (st == LG_OK && skip_blank(&all)) {
		size_t end = next_from(s, all.pos, n);
		struct cursor m = {s, all.pos, end, all.line};
		const char *l;
		size_t ln;
		struct cursor at = m;
		if (next_line(&m, &l, &ln) && !(ln >= 5 && !memcmp(l, "From ", 5)))
			m = at; /* no mbox separator: the message starts right here */
		else if (m.pos >= m.end)
			m.line = at.line; /* a separator and nothing else: it is the message */
		for (;;) {
			bool closed;
			st = message(&d, &m, &closed);
			if (st != LG_OK || !closed || !skip_blank(&m))
				break;
			/* Another message concatenated after this one's end? */
			at = m;
			next_line(&m, &l, &ln);
			m = at;
			if (!field_name(l, ln))
				break; /* an epilogue */
		}
		all.line += lines_in(s, all.pos, end);
		all.pos = end;
	}
	free(d.f.v);
	lg_buf_release(&d.f.vals);
	lg_buf_release(&d.msgid);
	lg_buf_release(&d.tmp);
	lg_buf_release(&d.r.final);
	lg_buf_release(&d.r.original);
	lg_buf_release(&d.r.action);
	lg_buf_release(&d.r.status);
	lg_buf_release(&d.r.diag);
	lg_buf_release(&d.r.last_attempt);
	return st;
}
