/*
 * text.c - the bounce messages of mail systems that send no RFC 3464
 * report, only words for a person to read: Gmail's "Delivery to the
 * following recipient failed permanently", Exim's "This message was
 * created automatically by mail delivery software", qmail's "Hi. This is
 * the qmail-send program", Exchange's "Delivery has failed to these
 * recipients or groups" and Outlook's "Your message did not reach some or
 * all of the intended recipients", Postfix's "This is the mail system at
 * host".
 *
 * Each is told by the words its mail system opens the text with (the
 * opening), at the start of a line, so that a message quoting one ("> Hi.
 * This is the qmail-send program") is not one.  After it each system
 * lists the recipients its own way (a layout below), each with what the
 * remote server said, which is classified as a report's Diagnostic-Code
 * is (classify.c).  bounce/README.md has the table.
 */
#include "bounce_int.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_BYTES_MAX                                                                             \
	(256 * 1024) /* of a body: the recipients come before the copy of the message */
#define TEXT_LINES_MAX 8192
#define DIAG_MAX 2048   /* of one recipient's words (classify.c looks at as many) */
#define RCPT_MAX 512    /* recipients of one message */
#define PHRASE_LINES 25 /* a heading is looked for this many lines after the opening */

enum kind {
	K_FAILED,    /* the mail system gave up: classified by the words, else a block */
	K_DELAYED,   /* still being tried: soft */
	K_DELIVERED, /* a success notice: nothing to import */
};

enum layout {
	L_LIST,     /* Gmail: the addresses one a line, then words for them all */
	L_INDENTED, /* Exim, Outlook: an address, then its words indented deeper */
	L_ANGLE,    /* qmail, Postfix: "<address>:" at the start of a line, its words after */
	L_EXCHANGE, /* the addresses, then "Diagnostic information for administrators" */
};

/* What a mail system opens its text with, and how it lists recipients. */
static const struct opening {
	const char *mta;
	const char *words; /* lower case; the start of a line, blanks before it skipped */
	enum layout layout;
} openings[] = {
	{"Gmail", "delivery to the following recipient", L_LIST},
	{"Exim", "this message was created automatically by mail delivery software", L_INDENTED},
	{"qmail", "hi. this is the qmail-send program at ", L_ANGLE},
	{"Postfix", "this is the mail system at host ", L_ANGLE},
	{"Postfix", "this is the postfix program at host ", L_ANGLE},
	{"Exchange", "delivery has failed to these recipients or ", L_EXCHANGE},
	{"Exchange", "delivery is delayed to these recipients or ", L_EXCHANGE},
	{"Exchange", "your message did not reach some or all of the intended recipients",
	 L_INDENTED},
};
#define N_OPENINGS (sizeof(openings) / sizeof(*openings))

/* Does the line [s, s+n) open a bounce text: which opening, or -1. */
static int opening_of(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (size_t k = 0; k < N_OPENINGS; k++)
		if (bounce_starts_ci(s + i, n - i, openings[k].words))
			return (int)k;
	return -1;
}

bool bounce_text_opening(const char *s, size_t n)
{
	return opening_of(s, n) >= 0;
}

bool bounce_text_sniff(const char *s, size_t n)
{
	for (size_t pos = 0; pos < n;) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n;
		if (opening_of(s + pos, end - pos) >= 0)
			return true;
		pos = end + 1;
	}
	return false;
}

/* ---- the lines of a body ------------------------------------------------- */

struct tline {
	size_t off, n;      /* in text.buf, without the line end */
	unsigned long line; /* of the input */
};

struct text {
	struct bounce_ctx *c;
	struct lg_buf buf; /* the body, decoded */
	struct tline *l;
	size_t nl;
	const char *msgid; /* of the message, or "" */
	int64_t date;
	const char *mta;
	unsigned long line; /* of the opening */
	size_t found;       /* recipients found */
	struct lg_buf diag, addr;
};

static const char *ltext(const struct text *T, size_t i)
{
	return T->buf.data + T->l[i].off;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)lg_ascii_lower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/*
 * Split [s, s+n) into lines (LF or CRLF) into T, decoding quoted-printable
 * (RFC 2045 6.7) when qp: "=XX" is a byte, "=" at the end of a line a soft
 * line break (the next line goes on this one, which keeps the line number
 * of its start); what is not valid is kept as it is.
 */
static void split(struct text *T, const char *s, size_t n, unsigned long line, bool qp)
{
	size_t cap = 0, pos = 0;
	bool open = false; /* a line continued by a soft break */

	if (n > TEXT_BYTES_MAX)
		n = TEXT_BYTES_MAX;
	lg_buf_reset(&T->buf);
	lg_buf_grow(&T->buf, n + 1);
	while (pos < n && T->nl < TEXT_LINES_MAX) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - s) : n, len = end - pos;
		const char *p = s + pos;
		if (len && p[len - 1] == '\r')
			len--;
		if (!open) {
			if (T->nl == cap) {
				cap = cap ? cap * 2 : 256;
				T->l = lg_xrealloc(T->l, cap * sizeof(*T->l));
			}
			T->l[T->nl++] = (struct tline){T->buf.len, 0, line};
		}
		open = false;
		if (qp) {
			while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--; /* RFC 2045 6.7 (3): trailing blanks are not the text's */
			for (size_t i = 0; i < len; i++) {
				int hi, lo;
				if (p[i] == '=' && i + 1 == len) {
					open = true;
				} else if (p[i] == '=' && i + 2 < len &&
					   (hi = hexval(p[i + 1])) >= 0 &&
					   (lo = hexval(p[i + 2])) >= 0) {
					lg_buf_addc(&T->buf, (char)(hi * 16 + lo));
					i += 2;
				} else {
					lg_buf_addc(&T->buf, p[i]);
				}
			}
		} else {
			lg_buf_add(&T->buf, p, len);
		}
		T->l[T->nl - 1].n = T->buf.len - T->l[T->nl - 1].off;
		pos = end + 1;
		line++;
	}
}

static bool blank_line(const struct text *T, size_t i)
{
	return bounce_blank(ltext(T, i), T->l[i].n);
}

/* Columns of blanks before the text of line i (a tab to the next 8). */
static size_t indent_of(const struct text *T, size_t i)
{
	const char *s = ltext(T, i);
	size_t col = 0;
	for (size_t k = 0; k < T->l[i].n && (s[k] == ' ' || s[k] == '\t'); k++)
		col = s[k] == '\t' ? (col / 8 + 1) * 8 : col + 1;
	return col;
}

/* Line i trimmed. */
static void trimmed(const struct text *T, size_t i, const char **s, size_t *n)
{
	*s = ltext(T, i);
	*n = T->l[i].n;
	lg_ascii_trim(s, n);
}

static bool contains_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (lg_ascii_eq(s + i, k, w, k))
			return true;
	return false;
}

/* The end of what the mail system wrote: the copy of the message
 * ("------ This is a copy of the message", "--- Below this line is a
 * copy", "----- Original message -----", a MIME boundary), or Exchange's
 * "Original message headers".  A line of dashes alone is a rule between
 * paragraphs (Exchange 2007 draws one). */
static bool end_line(const struct text *T, size_t i)
{
	const char *s;
	size_t n, k = 0;
	trimmed(T, i, &s, &n);
	while (k < n && s[k] == '-')
		k++;
	return (k >= 2 && k < n) || bounce_starts_ci(s, n, "original message");
}

/*
 * A phrase of lower-case words, with single spaces, at a word start of
 * lines [from, to): blanks and line ends in the text match its spaces,
 * letters match without case.  The line after the one it ends on, or 0.
 */
static size_t find_phrase(const struct text *T, size_t from, size_t to, const char *phrase)
{
	if (to > T->nl)
		to = T->nl;
	for (size_t i = from; i < to; i++) {
		const char *s = ltext(T, i);
		for (size_t k = 0; k < T->l[i].n; k++) {
			if (k > 0 && s[k - 1] != ' ' && s[k - 1] != '\t')
				continue;
			size_t li = i, lk = k;
			const char *p = phrase;
			while (*p && li < to) {
				const char *t = ltext(T, li);
				size_t tn = T->l[li].n;
				if (*p == ' ') {
					bool gap = false;
					for (;;) {
						if (lk < tn && (t[lk] == ' ' || t[lk] == '\t')) {
							lk++;
							gap = true;
						} else if (lk >= tn && li + 1 < to) {
							li++;
							lk = 0;
							t = ltext(T, li);
							tn = T->l[li].n;
							gap = true;
						} else {
							break;
						}
					}
					if (!gap)
						break;
					p++;
				} else if (lk < tn && lg_ascii_lower((unsigned char)t[lk]) ==
							      (unsigned char)*p) {
					lk++;
					p++;
				} else {
					break;
				}
			}
			if (!*p)
				return li + 1;
		}
	}
	return 0;
}

/* ---- recipients ------------------------------------------------------------ */

static bool addr_char(char ch)
{
	return (unsigned char)ch > ' ' && !strchr("<>'\",;:()[]", ch);
}

/*
 * An address at the start of [s, s+n), perhaps in <> or quotes: its span
 * in *a, *an, and where what follows it starts in *end.  An address here
 * is a word with an '@' that is neither its first nor its last byte.
 */
static bool addr_token(const char *s, size_t n, size_t *a, size_t *an, size_t *end)
{
	size_t i = 0, at = 0;
	if (i < n && (s[i] == '\'' || s[i] == '"'))
		i++;
	if (i < n && s[i] == '<')
		i++;
	*a = i;
	for (; i < n && addr_char(s[i]); i++)
		if (s[i] == '@')
			at = i;
	*an = i - *a;
	if (!at || at == *a || at + 1 == i)
		return false;
	if (i < n && s[i] == '>')
		i++;
	if (i < n && (s[i] == '\'' || s[i] == '"'))
		i++;
	*end = i;
	return true;
}

/* What is left of [s, s+n) from i, trimmed. */
static void rest_of(const char *s, size_t n, size_t i, const char **r, size_t *rn)
{
	*r = s + i;
	*rn = n - i;
	lg_ascii_trim(r, rn);
}

/* A line that starts with an address: [*a, *a + *an), and what follows
 * it, trimmed, in [*r, *r + *rn). */
static bool addr_then(const char *s, size_t n, size_t *a, size_t *an, const char **r, size_t *rn)
{
	size_t end;
	if (!addr_token(s, n, a, an, &end))
		return false;
	rest_of(s, n, end, r, rn);
	return true;
}

/* A line that is an address and nothing more (a ':' after it allowed). */
static bool bare_addr(const char *s, size_t n, size_t *a, size_t *an)
{
	const char *r;
	size_t rn;
	return addr_then(s, n, a, an, &r, &rn) && (rn == 0 || (rn == 1 && r[0] == ':'));
}

static void diag_add(struct text *T, const char *s, size_t n)
{
	lg_ascii_trim(&s, &n);
	if (!n || T->diag.len >= DIAG_MAX)
		return;
	if (T->diag.len)
		lg_buf_addc(&T->diag, ' ');
	lg_buf_add(&T->diag, s, n > DIAG_MAX - T->diag.len ? DIAG_MAX - T->diag.len : n);
}

/* One recipient with its words (T->diag) is complete: an event, or a
 * success to skip. */
static enum lg_status emit(struct text *T, enum kind kind, const char *a, size_t an,
			   unsigned long line)
{
	struct bounce_verdict v;
	enum bounce_type type;

	T->found++;
	lg_buf_add(&T->diag, "", 0);
	lg_buf_reset(&T->addr);
	lg_buf_add(&T->addr, a, an);
	bounce_classify_verdict(NULL, NULL, T->diag.data, &v);
	/* A 2.x.x status or a 2xx reply: this recipient got the message. */
	if (kind == K_DELIVERED || v.status[0] == '2' || (!v.status[0] && v.code[0] == '2')) {
		bounce_count_ignored(T->c);
		return LG_OK;
	}
	if (kind == K_DELAYED)
		type = BOUNCE_SOFT; /* as a report's Action: delayed */
	else if (v.strength == BOUNCE_UNDECIDED)
		type = BOUNCE_BLOCK; /* given up, for no reason it names: not the mailbox's fault */
	else
		type = v.type;
	struct bounce_rec rec = {
		.email = T->addr.data,
		.type = type,
		.status = v.status,
		.code = v.code,
		.reason = T->diag.data,
		.id = T->msgid,
		.id_add_email = true,
		.occurred_at = T->date,
		.line = line,
		.format = BOUNCE_FMT_TEXT,
	};
	return bounce_emit(T->c, &rec);
}

/* Gmail: the addresses one a line, then the technical details for all. */
static enum lg_status layout_list(struct text *T, size_t from, enum kind kind)
{
	size_t i = from, last;
	size_t a[RCPT_MAX][2];
	unsigned long lines[RCPT_MAX];
	size_t n = 0;

	while (i < T->nl && blank_line(T, i))
		i++;
	for (; i < T->nl && !blank_line(T, i) && !end_line(T, i); i++) {
		const char *s;
		size_t sn, ai, an;
		trimmed(T, i, &s, &sn);
		if (!bare_addr(s, sn, &ai, &an))
			break;
		if (n < RCPT_MAX) {
			a[n][0] = (size_t)(s + ai - T->buf.data);
			a[n][1] = an;
			lines[n++] = T->l[i].line;
		}
	}
	lg_buf_reset(&T->diag);
	for (last = i; last < T->nl && !end_line(T, last); last++) {
		const char *s;
		size_t sn;
		trimmed(T, last, &s, &sn);
		diag_add(T, s, sn);
	}
	for (size_t k = 0; k < n; k++) { /* the same words for each: emit() keeps them */
		enum lg_status st = emit(T, kind, T->buf.data + a[k][0], a[k][1], lines[k]);
		if (st != LG_OK)
			return st;
	}
	return LG_OK;
}

/* An address line of the indented layout: the address and nothing but a
 * ':', " on DATE" (Outlook) or "(generated from ...)" (Exim) after it. */
static bool indented_addr(const char *s, size_t n, size_t *a, size_t *an)
{
	const char *r;
	size_t rn;
	return addr_then(s, n, a, an, &r, &rn) && (rn == 0 || (rn == 1 && r[0] == ':') ||
						   bounce_starts_ci(r, rn, "on ") || r[0] == '(');
}

/*
 * Exim, Outlook: the recipients at a margin (that of the first line of the
 * list), each with its words indented deeper.  A recipient at the margin
 * that is no address (Exim's "pipe to |/usr/bin/x", Outlook's display
 * name alone) is reported; a line left of the margin ends the list.
 */
static enum lg_status layout_indented(struct text *T, size_t from, enum kind kind)
{
	size_t col = (size_t)-1; /* the margin */
	const char *cur = NULL;
	size_t curn = 0;
	unsigned long curline = 0;
	enum lg_status st = LG_OK;

	for (size_t i = from; i < T->nl && st == LG_OK && !end_line(T, i); i++) {
		const char *s;
		size_t sn, ai, an;
		if (blank_line(T, i))
			continue;
		trimmed(T, i, &s, &sn);
		size_t ind = indent_of(T, i);
		if (col == (size_t)-1)
			col = ind;
		if (ind > col) {
			if (cur)
				diag_add(T, s, sn);
			continue;
		}
		if (ind < col)
			break; /* left of the margin: the list is over */
		if (cur)
			st = emit(T, kind, cur, curn, curline);
		cur = NULL;
		if (st != LG_OK)
			break;
		if (!indented_addr(s, sn, &ai, &an)) {
			T->found++;
			bounce_report_bad(T->c, T->l[i].line,
					  "recipient \"%.*s\" is not an address",
					  (int)(sn > 60 ? 60 : sn), s);
			continue;
		}
		cur = s + ai;
		curn = an;
		curline = T->l[i].line;
		lg_buf_reset(&T->diag);
	}
	if (st == LG_OK && cur)
		st = emit(T, kind, cur, curn, curline);
	return st;
}

/* qmail, Postfix: "<address>:" (Postfix: "<address> (expanded from
 * <alias>): words") at the start of a line; the words go on to a blank
 * line or the next address. */
static enum lg_status layout_angle(struct text *T, size_t from, enum kind kind)
{
	const char *cur = NULL;
	size_t curn = 0;
	unsigned long curline = 0;
	enum lg_status st = LG_OK;

	for (size_t i = from; i < T->nl && st == LG_OK && !end_line(T, i); i++) {
		const char *s = ltext(T, i);
		size_t sn = T->l[i].n, ai, an, end;
		if (sn && s[0] == '<' && addr_token(s, sn, &ai, &an, &end)) {
			size_t k = end;
			while (k < sn && s[k] == ' ')
				k++;
			if (k < sn && s[k] == '(') { /* (expanded from <alias>) */
				const char *close = memchr(s + k, ')', sn - k);
				k = close ? (size_t)(close - s) + 1 : sn;
			}
			if (k < sn && s[k] == ':') {
				if (cur)
					st = emit(T, kind, cur, curn, curline);
				cur = s + ai;
				curn = an;
				curline = T->l[i].line;
				lg_buf_reset(&T->diag);
				diag_add(T, s + k + 1, sn - k - 1);
				continue;
			}
		}
		if (!cur)
			continue; /* the preamble */
		if (blank_line(T, i)) {
			st = emit(T, kind, cur, curn, curline);
			cur = NULL;
			continue;
		}
		const char *t;
		size_t tn;
		trimmed(T, i, &t, &tn);
		diag_add(T, t, tn);
	}
	if (st == LG_OK && cur)
		st = emit(T, kind, cur, curn, curline);
	return st;
}

/* One recipient of Exchange's layout: where its address is, and its words
 * (in ex.words). */
struct ex_rcpt {
	size_t a, an; /* in T->buf */
	size_t w, wn; /* in words */
	unsigned long line;
};

/* Exchange: the recipients with what it tells a person, then "Diagnostic
 * information for administrators": each recipient again, and the remote
 * server's reply ("#550 5.1.1 ... ##", "Remote Server returned '...'"). */
static enum lg_status layout_exchange(struct text *T, size_t from, enum kind kind)
{
	struct ex_rcpt *top = lg_xcalloc(RCPT_MAX, sizeof(*top)),
		       *adm = lg_xcalloc(RCPT_MAX, sizeof(*adm));
	size_t ntop = 0, nadm = 0, i = from;
	struct lg_buf words = LG_BUF_INIT;
	enum lg_status st = LG_OK;
	bool admin = false;

	for (; i < T->nl && !end_line(T, i); i++) {
		const char *s;
		size_t sn, ai, an;
		if (blank_line(T, i))
			continue;
		trimmed(T, i, &s, &sn);
		if (bounce_starts_ci(s, sn, "diagnostic information for administrators")) {
			admin = true;
			continue;
		}
		if (admin && bounce_starts_ci(s, sn, "generating server:"))
			continue;
		struct ex_rcpt *list = admin ? adm : top;
		size_t *nlist = admin ? &nadm : &ntop;
		bool is_addr = bare_addr(s, sn, &ai, &an);
		if (!is_addr && !admin && sn && (s[sn - 1] == ')' || s[sn - 1] == '>')) {
			/* "Display Name (address)" */
			const char *open = NULL;
			for (const char *p = s + sn - 1; p > s && !open; p--)
				if (*p == '(' || *p == '<')
					open = p;
			if (open && bare_addr(open + 1, (size_t)(s + sn - 1 - open - 1), &ai, &an)) {
				ai += (size_t)(open + 1 - s);
				is_addr = true;
			}
		}
		if (is_addr) {
			if (*nlist < RCPT_MAX) {
				list[*nlist] = (struct ex_rcpt){(size_t)(s + ai - T->buf.data), an,
								words.len, 0, T->l[i].line};
				++*nlist;
			}
			continue;
		}
		if (*nlist && list[*nlist - 1].wn < DIAG_MAX) {
			struct ex_rcpt *r = &list[*nlist - 1];
			if (r->wn) {
				lg_buf_addc(&words, ' ');
				r->wn++;
			}
			lg_buf_add(&words, s, sn);
			r->wn += sn;
		}
	}
	/* Each recipient of the top list with its reply below: the same
	 * address, else the same place in the list (Exchange may write an
	 * internal IMCEAEX address there). */
	bool use_top = ntop > 0;
	size_t n = use_top ? ntop : nadm;
	for (size_t k = 0; k < n && st == LG_OK; k++) {
		const struct ex_rcpt *r = use_top ? &top[k] : &adm[k], *d = NULL;
		const char *a = T->buf.data + r->a;
		for (size_t j = 0; use_top && j < nadm && !d; j++)
			if (lg_ascii_eq(a, r->an, T->buf.data + adm[j].a, adm[j].an))
				d = &adm[j];
		if (use_top && !d && nadm == ntop)
			d = &adm[k];
		if (!use_top && bounce_starts_ci(a, r->an, "imcea")) {
			T->found++;
			bounce_report_bad(T->c, r->line,
					  "Exchange-internal address \"%.*s\" names no mailbox",
					  (int)(r->an > 60 ? 60 : r->an), a);
			continue;
		}
		lg_buf_reset(&T->diag);
		if (d && d->wn)
			diag_add(T, words.data + d->w, d->wn);
		if (use_top && r->wn)
			diag_add(T, words.data + r->w, r->wn);
		st = emit(T, kind, a, r->an, r->line);
	}
	lg_buf_release(&words);
	free(top);
	free(adm);
	return st;
}

/* ---- the parse --------------------------------------------------------------- */

static const char *const exim_failed[] = {
	"the following address(es) failed:",
	"the following addresses failed:",
	"the following address failed:",
	NULL,
};
static const char *const exim_delayed[] = {
	"has not yet been delivered is:",
	"has not yet been delivered are:",
	NULL,
};
static const char *const outlook_failed[] = {
	"the following recipient(s) cannot be reached:",
	"the following recipient(s) could not be reached:",
	"the following recipients cannot be reached:",
	"the following recipients could not be reached:",
	NULL,
};

/* The line after the first of phrases found after line g, or 0. */
static size_t heading(const struct text *T, size_t g, const char *const *phrases)
{
	size_t best = 0;
	for (; *phrases; phrases++) {
		size_t at = find_phrase(T, g, g + PHRASE_LINES, *phrases);
		if (at && (!best || at < best))
			best = at;
	}
	return best;
}

/* The text that opening k starts at line g: its kind and where its list of
 * recipients begins; false when it is not one after all. */
static bool shape(const struct text *T, size_t g, int k, enum kind *kind, size_t *from)
{
	const char *s;
	size_t n;

	trimmed(T, g, &s, &n);
	*from = g + 1;
	*kind = K_FAILED;
	switch (openings[k].layout) {
	case L_LIST: /* "... recipient failed permanently:", "... has been delayed:" */
		if (contains_ci(s, n, "failed permanently"))
			return true;
		*kind = K_DELAYED;
		return contains_ci(s, n, "delayed") || contains_ci(s, n, "failed temporarily");
	case L_INDENTED:
		if (!strcmp(openings[k].mta, "Exim")) {
			if ((*from = heading(T, g, exim_failed)) != 0)
				return true;
			*kind = K_DELAYED;
			return (*from = heading(T, g, exim_delayed)) != 0;
		}
		return (*from = heading(T, g, outlook_failed)) != 0;
	case L_ANGLE:
		if (!strcmp(openings[k].mta, "Postfix")) {
			if (find_phrase(T, g, g + PHRASE_LINES, "this is a warning only"))
				*kind = K_DELAYED;
			else if (find_phrase(T, g, g + PHRASE_LINES, "was successfully delivered"))
				*kind = K_DELIVERED;
		}
		return true;
	case L_EXCHANGE:
		if (bounce_starts_ci(s, n, "delivery is delayed"))
			*kind = K_DELAYED;
		return true;
	}
	return false;
}

enum lg_status bounce_text_parse(struct bounce_ctx *c, const char *s, size_t n, unsigned long line,
				 bool qp, const char *msgid, int64_t date, bool *found)
{
	struct text T = {.c = c, .msgid = msgid ? msgid : "", .date = date};
	enum lg_status st = LG_OK;

	*found = false;
	split(&T, s, n, line, qp);
	for (size_t g = 0; g < T.nl; g++) {
		enum kind kind;
		size_t from;
		int k = opening_of(ltext(&T, g), T.l[g].n);
		if (k < 0 || !shape(&T, g, k, &kind, &from))
			continue;
		*found = true;
		T.mta = openings[k].mta;
		T.line = T.l[g].line;
		bounce_saw_format(c, BOUNCE_FMT_TEXT);
		switch (openings[k].layout) {
		case L_LIST: st = layout_list(&T, from, kind); break;
		case L_INDENTED: st = layout_indented(&T, from, kind); break;
		case L_ANGLE: st = layout_angle(&T, from, kind); break;
		case L_EXCHANGE: st = layout_exchange(&T, from, kind); break;
		}
		if (st == LG_OK && !T.found)
			bounce_report_bad(c, T.line,
					  "a bounce message of %s, but no recipient address in it",
					  T.mta);
		break;
	}
	free(T.l);
	lg_buf_release(&T.buf);
	lg_buf_release(&T.diag);
	lg_buf_release(&T.addr);
	return st;
}
