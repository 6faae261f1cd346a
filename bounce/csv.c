/*
 * csv.c - bounce lists as CSV: a header row naming an email column and a
 * type, code or reason column, then one bounce a row.
 *
 * libcsv parses (RFC 4180 quoting, newlines inside quotes).  It is fed one
 * physical line at a time, which is how a row knows the line it starts
 * on: a row starts on the first non-blank line after the previous row
 * ended, however many lines its quoted cells span.
 */
#include "bounce_int.h"
#include "io/io.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

enum col { COL_EMAIL, COL_TYPE, COL_CODE, COL_REASON, COL_TIME, COL_ID, COL_COUNT };

/* Header names, compared in lower case with ' ', '_', '-' and '.' left
 * out: "Email Address", "email_address" and "E-mail" all match. */
static const char *const col_names[COL_COUNT][8] = {
	[COL_EMAIL] = {"email", "emailaddress", "recipient", "recipientemail", "address", NULL},
	[COL_TYPE] = {"type", "bouncetype", "eventtype", "event", "category", NULL},
	[COL_CODE] = {"code", "status", "smtpcode", "smtpstatus", "statuscode", "enhancedstatus",
		      "dsnstatus", NULL},
	[COL_REASON] = {"reason", "diagnostic", "diagnosticcode", "description", "message", "error",
			"details", "response"},
	[COL_TIME] = {"time", "timestamp", "date", "datetime", "occurredat", "bouncedat",
		      "createdat", "created"},
	[COL_ID] = {"id", "eventid", NULL},
};

struct csvp {
	struct bounce_ctx *c;
	struct csv_parser p;
	struct lg_buf cells; /* this row's cells, each NUL-terminated */
	struct lg_buf text;  /* code and reason, for bounce_classify_verdict() */
	size_t *off;
	size_t n, cap;
	unsigned long line;      /* of the line being fed */
	unsigned long row_start; /* of the row being parsed */
	bool in_row;
	bool have_header;
	int col[COL_COUNT]; /* index of each column, or -1 */
	enum lg_status st;  /* the first failure; stops the feed */
};

/* libcsv: a cell ended. */
static void on_cell(void *s, size_t len, void *data)
{
	struct csvp *x = data;
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->off = lg_xrealloc(x->off, x->cap * sizeof(*x->off));
	}
	x->off[x->n++] = x->cells.len;
	lg_buf_add(&x->cells, s, len);
	lg_buf_addc(&x->cells, '\0');
}

static const char *cell(const struct csvp *x, enum col k)
{
	int i = x->col[k];
	return i >= 0 && (size_t)i < x->n ? x->cells.data + x->off[i] : "";
}

static void header(struct csvp *x)
{
	for (int k = 0; k < COL_COUNT; k++)
		x->col[k] = -1;
	for (size_t i = 0; i < x->n; i++) {
		const char *h = x->cells.data + x->off[i];
		char key[32];
		size_t kn = 0;
		for (; *h && kn + 1 < sizeof(key); h++)
			if (*h != ' ' && *h != '_' && *h != '-' && *h != '.')
				key[kn++] = (char)lg_ascii_lower((unsigned char)*h);
		key[kn] = '\0';
		for (int k = 0; k < COL_COUNT; k++)
			for (int j = 0; j < 8 && col_names[k][j]; j++)
				if (x->col[k] < 0 && !*h && !strcmp(key, col_names[k][j]))
					x->col[k] = (int)i;
	}
	if (x->col[COL_EMAIL] < 0)
		x->st = lg_err_set(x->c->err, LG_EDATA,
				   "%s:%lu: no email column (want one named email, recipient or "
				   "address)",
				   x->c->name, x->row_start);
	else if (x->col[COL_TYPE] < 0 && x->col[COL_CODE] < 0 && x->col[COL_REASON] < 0)
		x->st = lg_err_set(x->c->err, LG_EDATA,
				   "%s:%lu: no type, code or reason column (want at least one of "
				   "them next to the email column)",
				   x->c->name, x->row_start);
}

/* What the type column says: a type, or to look at the code and reason
 * (then, for a plain "bounce", soft if they say nothing). */
enum type_cell { TYPE_GIVEN, TYPE_BOUNCE, TYPE_EMPTY, TYPE_UNKNOWN };

static enum type_cell type_word(const char *s, enum bounce_type *t)
{
	enum { BOUNCE = -2, EMPTY = -1 };
	static const struct {
		const char *word;
		int type;
	} words[] = {
		{"hard", BOUNCE_HARD},
		{"hardbounce", BOUNCE_HARD},
		{"permanent", BOUNCE_HARD},
		{"soft", BOUNCE_SOFT},
		{"softbounce", BOUNCE_SOFT},
		{"transient", BOUNCE_SOFT},
		{"temporary", BOUNCE_SOFT},
		{"deferred", BOUNCE_SOFT},
		{"delayed", BOUNCE_SOFT},
		{"block", BOUNCE_BLOCK},
		{"blocked", BOUNCE_BLOCK},
		{"complaint", BOUNCE_COMPLAINT},
		{"spam", BOUNCE_COMPLAINT},
		{"spamreport", BOUNCE_COMPLAINT},
		{"spamcomplaint", BOUNCE_COMPLAINT},
		{"unsubscribe", BOUNCE_UNSUBSCRIBE},
		{"unsubscribed", BOUNCE_UNSUBSCRIBE},
		{"optout", BOUNCE_UNSUBSCRIBE},
		{"", EMPTY},
		{"bounce", BOUNCE},
		{"bounced", BOUNCE},
		{"failed", BOUNCE},
	};
	char key[32];
	size_t kn = 0;

	for (; *s && kn + 1 < sizeof(key); s++)
		if (*s != ' ' && *s != '_' && *s != '-')
			key[kn++] = (char)lg_ascii_lower((unsigned char)*s);
	key[kn] = '\0';
	if (*s)
		return TYPE_UNKNOWN;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++) {
		if (strcmp(key, words[i].word))
			continue;
		if (words[i].type == EMPTY)
			return TYPE_EMPTY;
		if (words[i].type == BOUNCE)
			return TYPE_BOUNCE;
		*t = (enum bounce_type)words[i].type;
		return TYPE_GIVEN;
	}
	return TYPE_UNKNOWN;
}

/* A time cell: RFC 3339, or Unix seconds (milliseconds when it has 13
 * digits, as JavaScript exports write them). */
/* The time cell: empty is no time (0), else lg_time_parse_cell's. */
static bool time_cell(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	lg_ascii_trim(&s, &n);
	if (n == 0) {
		*out = 0;
		return true;
	}
	return lg_time_parse_cell(s, n, out);
}

static bool row_empty(const struct csvp *x)
{
	for (size_t i = 0; i < x->n; i++) {
		const char *s = x->cells.data + x->off[i];
		size_t n = strlen(s);
		lg_ascii_trim(&s, &n);
		if (n)
			return false;
	}
	return true;
}

static void row(struct csvp *x)
{
	const char *type = cell(x, COL_TYPE), *code = cell(x, COL_CODE);
	const char *reason = cell(x, COL_REASON), *tm = cell(x, COL_TIME);
	struct bounce_verdict v;
	enum bounce_type t = BOUNCE_SOFT;
	int64_t when;

	if (row_empty(x))
		return; /* ",,," : nothing was written */
	enum type_cell tc = type_word(type, &t);
	if (tc == TYPE_UNKNOWN) {
		bounce_report_bad(x->c, x->row_start,
				  "unknown type \"%.40s\" (want hard, soft, block, complaint or "
				  "unsubscribe)",
				  type);
		return;
	}
	if (!time_cell(tm, &when)) {
		bounce_report_bad(x->c, x->row_start,
				  "time \"%.40s\" is neither RFC 3339 nor Unix seconds", tm);
		return;
	}
	/* The code cell may hold "550 5.1.1", "5.1.1" or "550": it is read
	 * as the start of the diagnostic, which is where both are found. */
	lg_buf_reset(&x->text);
	lg_buf_adds(&x->text, code);
	lg_buf_addc(&x->text, ' ');
	lg_buf_adds(&x->text, reason);
	bounce_classify_verdict(NULL, NULL, x->text.data, &v);
	if (tc != TYPE_GIVEN && v.strength != BOUNCE_UNDECIDED) {
		t = v.type;
	} else if (tc == TYPE_EMPTY) {
		bounce_report_bad(x->c, x->row_start,
				  "no type, and neither code nor reason says what happened");
		return;
	} /* else "bounce" and nothing more: it bounced, how is not known; soft */
	struct bounce_rec rec = {
		.email = cell(x, COL_EMAIL),
		.type = t,
		.status = v.status,
		.code = v.code,
		.reason = reason,
		.id = cell(x, COL_ID),
		.occurred_at = when,
		.line = x->row_start,
		.format = BOUNCE_FMT_CSV,
	};
	x->st = bounce_emit(x->c, &rec);
}

/* libcsv: a row ended. */
static void on_row(int ch, void *data)
{
	struct csvp *x = data;
	(void)ch;
	x->in_row = false;
	if (x->st == LG_OK) {
		if (!x->have_header) {
			header(x);
			x->have_header = true;
		} else {
			row(x);
		}
	}
	x->n = 0;
	lg_buf_reset(&x->cells);
}

/* libcsv trims these around unquoted cells: spaces, but never the tab,
 * which may be the delimiter. */
static int is_blank(unsigned char ch)
{
	return ch == ' ';
}

enum lg_status bounce_csv_parse(struct bounce_ctx *c, const char *s, size_t n)
{
	struct csvp x = {.c = c};
	size_t pos = 0;

	bounce_saw_format(c, BOUNCE_FMT_CSV);
	csv_init(&x.p, CSV_APPEND_NULL);
	while (pos < n && lg_ascii_is_space((unsigned char)s[pos])) /* blank lines first */
		if (s[pos++] == '\n')
			x.line++;
	csv_set_delim(&x.p, (unsigned char)io_sniff_delim(s + pos, n - pos));
	csv_set_space_func(&x.p, is_blank);

	while (pos < n && x.st == LG_OK) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - s) + 1 - pos : n - pos;
		x.line++;
		if (!x.in_row) {
			size_t i = 0;
			while (i < len && lg_ascii_is_space((unsigned char)s[pos + i]))
				i++;
			if (i == len) { /* a blank line between rows */
				pos += len;
				continue;
			}
			x.in_row = true;
			x.row_start = x.line;
		}
		if (csv_parse(&x.p, s + pos, len, on_cell, on_row, &x) != len) {
			x.st = lg_err_set(c->err, LG_EDATA, "%s:%lu: %s", c->name, x.line,
					  csv_strerror(csv_error(&x.p)));
			break;
		}
		pos += len;
	}
	if (x.st == LG_OK && x.in_row && x.p.quoted && x.p.pstate == 2 /* FIELD_BEGUN */) {
		/* Everything after the quote is in one cell: no row after
		 * it can be trusted. */
		x.st = lg_err_set(c->err, LG_EDATA,
				  "%s:%lu: a quoted cell that never closes (the row starting at "
				  "line %lu runs to the end of the file)",
				  c->name, x.line, x.row_start);
	}
	if (x.st == LG_OK)
		csv_fini(&x.p, on_cell, on_row, &x);
	if (x.st == LG_OK && !x.have_header)
		x.st = lg_err_set(c->err, LG_EDATA, "%s: no header row", c->name);
	csv_free(&x.p);
	free(x.off);
	lg_buf_release(&x.cells);
	lg_buf_release(&x.text);
	return x.st;
}
