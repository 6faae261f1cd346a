/*
 * json.c - the framing of JSON bounce files, and which provider each
 * object belongs to.
 *
 * A file is one JSON value (an object, or an array of objects: SendGrid
 * posts arrays) or JSON Lines, one value a line.  jansson parses, and
 * says where a malformed document breaks; it does not say where a good
 * value starts.  So each event's line comes from a scanner that walks
 * the same text jansson accepted and only follows its brackets and
 * strings: it finds where the elements of an array (and the member that
 * holds the events of a wrapper, "items" or "Bounces") begin.
 *
 * Providers are recognized object by object, by their own field names;
 * envelopes are opened on the way: the SNS notification around an SES
 * message, Mailgun's webhook ("event-data") and events API ("items"),
 * Postmark's bounces API ("Bounces").
 */
#include "bounce_int.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

/* Envelopes inside envelopes: an SNS notification whose message is a
 * Mailgun webhook is already more than anyone sends. */
#define WRAP_MAX 3

struct framing {
	struct bounce_ctx *c;
	const char *s; /* the whole text jansson accepted */
	size_t n;
	size_t lpos; /* line cursor: offset lpos is on line lline */
	unsigned long lline;
};

/* No offset: a value that is not in the file's text (an SNS message). */
#define NOWHERE SIZE_MAX

static unsigned long line_at(struct framing *f, size_t off)
{
	if (off < f->lpos) {
		f->lpos = 0;
		f->lline = 1;
	}
	const char *p = f->s + f->lpos, *end = f->s + off;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		f->lline++;
	}
	f->lpos = off;
	return f->lline;
}

/* RFC 8259 2: the four white space characters. */
static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Just past the closing quote of the string opening at s[i]. */
static size_t string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Just past the value starting at s[i].  Iterative: a deep value costs
 * nothing but time, and jansson has already capped the depth. */
static size_t value_end(const char *s, size_t n, size_t i)
{
	if (i >= n)
		return n;
	if (s[i] == '"')
		return string_end(s, n, i);
	if (s[i] == '{' || s[i] == '[') {
		size_t depth = 0;
		while (i < n) {
			char ch = s[i];
			if (ch == '"') {
				i = string_end(s, n, i);
				continue;
			}
			if (ch == '{' || ch == '[')
				depth++;
			else if ((ch == '}' || ch == ']') && --depth == 0)
				return i + 1;
			i++;
		}
		return n;
	}
	while (i < n && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ' ' && s[i] != '\t' &&
	       s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

/* Where the value of member key of the object at s[off] starts, or
 * NOWHERE.  Keys are compared as written (ours have no escapes). */
static size_t member_at(const struct framing *f, size_t off, const char *key)
{
	const char *s = f->s;
	size_t n = f->n, k = strlen(key), i;

	if (off == NOWHERE || off >= n || s[off] != '{')
		return NOWHERE;
	for (i = off + 1;;) {
		i = skip_ws(s, n, i);
		if (i >= n || s[i] != '"')
			return NOWHERE;
		size_t ke = string_end(s, n, i);
		bool match = ke - i == k + 2 && !memcmp(s + i + 1, key, k);
		i = skip_ws(s, n, ke);
		if (i >= n || s[i] != ':')
			return NOWHERE;
		i = skip_ws(s, n, i + 1);
		if (match)
			return i;
		i = skip_ws(s, n, value_end(s, n, i));
		if (i >= n || s[i] != ',')
			return NOWHERE;
		i++;
	}
}

enum elems { ELEMS_ANY, ELEMS_MAILGUN, ELEMS_POSTMARK };

static enum lg_status on_value(struct framing *f, json_t *v, size_t off, unsigned long line,
			       int wrap);

static enum lg_status on_elem(struct framing *f, json_t *e, size_t off, unsigned long line,
			      int wrap, enum elems kind)
{
	if (kind == ELEMS_ANY) {
		if (json_is_array(e)) {
			bounce_report_bad(f->c, line, "an array inside an array is not an event");
			return LG_OK;
		}
		return on_value(f, e, off, line, wrap);
	}
	if (!json_is_object(e)) {
		bounce_report_bad(f->c, line, "%s item is not a JSON object",
				  kind == ELEMS_MAILGUN ? "Mailgun" : "Postmark");
		return LG_OK;
	}
	return kind == ELEMS_MAILGUN ? bounce_json_mailgun(f->c, e, line)
				     : bounce_json_postmark(f->c, e, line);
}

/* Each element of array a, at s[off] (or NOWHERE: all on line). */
static enum lg_status each_elem(struct framing *f, json_t *a, size_t off, unsigned long line,
				int wrap, enum elems kind)
{
	size_t i = off != NOWHERE && off < f->n && f->s[off] == '[' ? off + 1 : NOWHERE;
	size_t idx;
	json_t *e;

	json_array_foreach(a, idx, e)
	{
		size_t eoff = NOWHERE;
		unsigned long eline = line;
		if (i != NOWHERE) {
			eoff = i = skip_ws(f->s, f->n, i);
			eline = line_at(f, eoff);
			i = skip_ws(f->s, f->n, value_end(f->s, f->n, i));
			if (i < f->n && f->s[i] == ',')
				i++;
		}
		enum lg_status st = on_elem(f, e, eoff, eline, wrap, kind);
		if (st != LG_OK)
			return st;
	}
	return LG_OK;
}

static bool has(json_t *o, const char *key)
{
	return json_object_get(o, key) != NULL;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* An Amazon SNS envelope: the SES notification is a string in it. */
static enum lg_status sns(struct framing *f, json_t *o, unsigned long line, int wrap)
{
	const char *type = str(o, "Type");
	json_error_t e;

	bounce_saw_format(f->c, BOUNCE_FMT_SES);
	if (strcmp(type, "Notification")) { /* SubscriptionConfirmation ... */
		bounce_count_ignored(f->c);
		return LG_OK;
	}
	const char *msg = str(o, "Message");
	json_t *inner = json_loadb(msg, strlen(msg), 0, &e);
	if (!inner) {
		bounce_report_bad(f->c, line, "SNS Message is not JSON (column %d: %s)", e.column,
				  e.text);
		return LG_OK;
	}
	enum lg_status st = on_value(f, inner, NOWHERE, line, wrap + 1);
	json_decref(inner);
	return st;
}

static enum lg_status on_object(struct framing *f, json_t *o, size_t off, unsigned long line,
				int wrap)
{
	json_t *v;

	if (wrap > WRAP_MAX) {
		bounce_report_bad(f->c, line, "envelopes nested more than %d deep", WRAP_MAX);
		return LG_OK;
	}
	if (json_is_string(json_object_get(o, "Message")) &&
	    (has(o, "TopicArn") || !strcmp(str(o, "Type"), "Notification")))
		return sns(f, o, line, wrap);
	if (json_is_object(v = json_object_get(o, "event-data"))) {
		bounce_saw_format(f->c, BOUNCE_FMT_MAILGUN);
		return bounce_json_mailgun(f->c, v, line);
	}
	if (json_is_array(v = json_object_get(o, "items"))) {
		bounce_saw_format(f->c, BOUNCE_FMT_MAILGUN);
		return each_elem(f, v, member_at(f, off, "items"), line, wrap + 1, ELEMS_MAILGUN);
	}
	if (json_is_array(v = json_object_get(o, "Bounces"))) {
		bounce_saw_format(f->c, BOUNCE_FMT_POSTMARK);
		return each_elem(f, v, member_at(f, off, "Bounces"), line, wrap + 1, ELEMS_POSTMARK);
	}
	if (json_is_string(json_object_get(o, "notificationType")) ||
	    json_is_string(json_object_get(o, "eventType")))
		return bounce_json_ses(f->c, o, line);
	bool event = json_is_string(json_object_get(o, "event"));
	if (event && (has(o, "sg_event_id") || has(o, "sg_message_id") || has(o, "email")))
		return bounce_json_sendgrid(f->c, o, line);
	if (event && (has(o, "recipient") || has(o, "severity") || has(o, "log-level") ||
		      has(o, "delivery-status")))
		return bounce_json_mailgun(f->c, o, line);
	if (json_is_string(json_object_get(o, "RecordType")) ||
	    (has(o, "TypeCode") && (has(o, "Email") || has(o, "BouncedAt"))) ||
	    (json_is_string(json_object_get(o, "Type")) && has(o, "BouncedAt")))
		return bounce_json_postmark(f->c, o, line);
	bounce_report_bad(
		f->c, line,
		"not a bounce event of a known provider (SES, SendGrid, Mailgun, Postmark)");
	return LG_OK;
}

static enum lg_status on_value(struct framing *f, json_t *v, size_t off, unsigned long line,
			       int wrap)
{
	if (json_is_object(v))
		return on_object(f, v, off, line, wrap);
	if (json_is_array(v))
		return each_elem(f, v, off, line, wrap, ELEMS_ANY);
	bounce_report_bad(f->c, line, "a JSON %s is not an event",
			  json_is_string(v)   ? "string"
			  : json_is_number(v) ? "number"
					      : "literal");
	return LG_OK;
}

/* Does [s, s+n), white space aside, hold one whole JSON object or array? */
static bool parses_alone(const char *s, size_t n)
{
	json_error_t e;
	json_t *v = json_loadb(s, n, 0, &e);
	json_decref(v);
	return v != NULL;
}

/*
 * JSON Lines, rather than a broken document: two lines or more, and the
 * first or the second line a whole value by itself.  A pretty-printed
 * document never has that ("{" alone is not a value), and asking for one
 * of two lets a file whose first line is broken still be read as lines.
 */
static bool looks_like_lines(const char *s, size_t n)
{
	const char *line[2];
	size_t len[2], found = 0, pos = 0;

	while (pos < n && found < 3) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n;
		if (skip_ws(s, end, pos) < end) {
			if (found < 2) {
				line[found] = s + pos;
				len[found] = end - pos;
			}
			found++;
		}
		pos = end + 1;
	}
	return found >= 2 && (parses_alone(line[0], len[0]) || parses_alone(line[1], len[1]));
}

/* One value a line; a malformed line is a bad record, not the end. */
static enum lg_status lines(struct framing *f)
{
	unsigned long line = 1;
	size_t pos = 0;

	while (pos < f->n) {
		const char *nl = memchr(f->s + pos, '\n', f->n - pos);
		size_t end = nl ? (size_t)(nl - f->s) : f->n;
		size_t start = skip_ws(f->s, end, pos);
		if (start < end) {
			json_error_t e;
			json_t *v = json_loadb(f->s + pos, end - pos, 0, &e);
			if (!v) {
				bounce_report_bad(f->c, line, "malformed JSON at column %d: %s",
						  e.column, e.text);
			} else {
				enum lg_status st = on_value(f, v, start, line, 0);
				json_decref(v);
				if (st != LG_OK)
					return st;
			}
		}
		pos = end + 1;
		line++;
	}
	return LG_OK;
}

enum lg_status bounce_json_parse(struct bounce_ctx *c, const char *s, size_t n)
{
	struct framing f = {c, s, n, 0, 1};
	json_error_t e;
	json_t *root = json_loadb(s, n, 0, &e);

	if (root) {
		size_t off = skip_ws(s, n, 0);
		enum lg_status st = on_value(&f, root, off, line_at(&f, off), 0);
		json_decref(root);
		return st;
	}
	if (looks_like_lines(s, n))
		return lines(&f);
	return lg_err_set(c->err, LG_EDATA, "%s:%d:%d: malformed JSON: %s", c->name, e.line,
			  e.column, e.text);
}
