/*
 * reader.c - a pull reader of CSV exports over libcsv's push parser.
 *
 * The input is fed to libcsv one physical line at a time (LF, CRLF or a
 * lone CR), which is how rows learn their line numbers: a row starts at
 * the first non-blank line after the previous row and ends on the line
 * where libcsv reports its end.
 *
 * Every line that holds a quote character, and every line of a row that
 * spans lines, goes through libcsv.  A line with no quote character at
 * all, starting a row, has nothing for RFC 4180's quoting rules to do: it
 * is its fields separated by the delimiter, and it is split here
 * directly.  That is measured, not guessed: libcsv spends about 40
 * instructions a byte, the split about 2, and most lines of an export
 * have no quotes.  test_io checks that both paths give the same rows.
 *
 * libcsv runs in strict mode, and the reader carries on where it stops
 * (see parse_lenient): text after a closing quote, `"ann@x.io"x,`, ends
 * the quoting and the rest of the field up to the delimiter is plain
 * text, as the common readers have it, instead of libcsv's non-strict
 * reading, which goes on inside the quotes and swallows the rows that
 * follow up to the next quote.  So every record the input holds comes
 * out: a row, a blank line or a footer row.  A quote that opens and never
 * closes is the one exception: its row runs to the end of the input (it
 * is one record, reported with its line in unclosed_quote_line).
 *
 * Some exports put lines above the header (LinkedIn's "Notes:"): for a
 * contact list the header is looked for among the first lines, or comes
 * after as many lines as the caller says (see find_header).
 *
 * Salesforce report exports end with a few one-cell rows (report name,
 * copyright, "Confidential Information - Do Not Distribute", "Generated
 * By: ...").  One-cell rows in a many-column file are therefore held back
 * until a normal row follows (they were data after all) or the input ends
 * (a footer if one of them carries a Salesforce marker).
 *
 * A contact list that is JSON Lines is handed to jsonl.c once its first
 * bytes have shown it (see sniff_jsonl); the functions below then pass
 * each call on to it.
 */
#include "io_int.h"

#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unistr.h>

#define READ_CHUNK IO_READ_CHUNK
#define HOLD_MAX 64 /* one-cell rows held back at most */

struct rowbuf {
	struct lg_buf bytes; /* the fields, each NUL-terminated */
	size_t *off;
	size_t *lens;
	const char **ptrs;
	size_t n, cap;
	unsigned long line, last_line;
	unsigned long stray_line; /* first line with text after a closing quote, 0 if none */
	bool plain;               /* split from a quote-free line */
	bool borrowed;            /* ptrs point into the read buffer (see materialize) */
	bool candidate;           /* might be part of a report footer */
	bool marker;              /* carries a Salesforce footer marker */
};

struct io_reader {
	int fd;
	char *name;
	struct csv_parser p;
	char *buf; /* read buffer: unfed bytes are [pos, len) */
	size_t pos, len, cap;
	size_t next_lf; /* offset of the first LF at or after pos; len if none; SIZE_MAX unknown */
	bool eof;       /* read() returned 0 */
	bool finished;  /* csv_fini called */
	bool overflow;  /* the current row grew past IO_RECORD_MAX */
	bool in_row;
	bool no_split;       /* tests: send every line through libcsv */
	bool stray;          /* parse_lenient: the next field had text after its closing quote */
	struct lg_buf carry; /* parse_lenient: a field taken over from libcsv */
	unsigned long row_start;
	struct rowbuf *cur; /* the row being parsed */
	struct rowbuf **q;  /* completed rows, oldest first */
	size_t qcount, qcap, releasable, scanned;
	struct rowbuf **pool; /* recycled rows */
	size_t npool, cappool;
	struct rowbuf *lent; /* the row last returned */
	struct rowbuf *header;
	char delim;
	bool bom, crlf;
	struct io_reader_stats st;
	struct io_row out;
	struct io_row hdr;
	struct io_jsonl *jsonl; /* a JSON Lines list: it reads, not the above */
};

static struct rowbuf *row_get(struct io_reader *r)
{
	struct rowbuf *b = r->npool ? r->pool[--r->npool] : lg_xcalloc(1, sizeof(*b));
	b->n = 0;
	b->stray_line = 0;
	lg_buf_reset(&b->bytes);
	b->candidate = b->marker = b->plain = b->borrowed = false;
	return b;
}

static void row_put(struct io_reader *r, struct rowbuf *b)
{
	if (r->npool == r->cappool) {
		r->cappool = r->cappool ? r->cappool * 2 : 8;
		r->pool = lg_xrealloc(r->pool, r->cappool * sizeof(*r->pool));
	}
	r->pool[r->npool++] = b;
}

static void row_free(struct rowbuf *b)
{
	if (!b)
		return;
	lg_buf_release(&b->bytes);
	free(b->off);
	free(b->lens);
	free(b->ptrs);
	free(b);
}

/* Make room for one more field pointer in b. */
static void row_reserve(struct rowbuf *b)
{
	if (b->n < b->cap)
		return;
	b->cap = b->cap ? b->cap * 2 : 16;
	b->off = lg_xrealloc(b->off, b->cap * sizeof(*b->off));
	b->lens = lg_xrealloc(b->lens, b->cap * sizeof(*b->lens));
	b->ptrs = lg_xrealloc(b->ptrs, b->cap * sizeof(*b->ptrs));
}

/* Copy a borrowed row's fields into its own storage. */
static void materialize(struct rowbuf *b)
{
	if (!b->borrowed)
		return;
	lg_buf_reset(&b->bytes);
	for (size_t i = 0; i < b->n; i++) {
		b->off[i] = b->bytes.len;
		lg_buf_add(&b->bytes, b->ptrs[i], b->lens[i]);
		lg_buf_addc(&b->bytes, '\0');
	}
	for (size_t i = 0; i < b->n; i++)
		b->ptrs[i] = b->bytes.data + b->off[i];
	b->borrowed = false;
}

/* ASCII case-insensitive substring search. */
static bool contains_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (lg_ascii_eq(s + i, k, needle, k))
			return true;
	return false;
}

static bool footer_marker(const char *s, size_t n)
{
	return contains_ci(s, n, "salesforce.com, inc") ||
	       contains_ci(s, n, "confidential information - do not distribute") ||
	       (n >= 12 && lg_ascii_eq(s, 12, "generated by", 12));
}

/* Append a field to b (copied, NUL-terminated). */
static void row_add(struct rowbuf *b, const void *s, size_t len)
{
	row_reserve(b);
	b->off[b->n] = b->bytes.len;
	b->lens[b->n] = len;
	b->n++;
	if (b->bytes.len + len + 2 > b->bytes.cap)
		lg_buf_grow(&b->bytes, len + 1);
	if (len)
		memcpy(b->bytes.data + b->bytes.len, s, len);
	b->bytes.len += len + 1; /* each field keeps its NUL */
	b->bytes.data[b->bytes.len - 1] = '\0';
}

/* libcsv: a field ended. */
static void on_field(void *s, size_t len, void *data)
{
	struct io_reader *r = data;
	struct rowbuf *b = r->cur;
	row_add(b, s, len);
	if (r->stray) {
		if (!b->stray_line)
			b->stray_line = r->st.lines;
		r->stray = false;
	}
	if (b->bytes.len > IO_RECORD_MAX)
		r->overflow = true;
}

/* libcsv: a row ended. */
static void on_row(int c, void *data)
{
	struct io_reader *r = data;
	struct rowbuf *b = r->cur;
	(void)c;
	r->in_row = false;
	if (!b->borrowed)
		for (size_t i = 0; i < b->n; i++)
			b->ptrs[i] = b->bytes.data + b->off[i];
	b->line = r->row_start ? r->row_start : r->st.lines;
	b->last_line = r->st.lines;
	r->row_start = 0;

	if (r->header && b->n == 1) {
		const char *s = b->ptrs[0];
		size_t n = b->lens[0];
		lg_ascii_trim(&s, &n);
		if (n == 0 && r->header->n > 1) {
			/* A line of spaces, or a lone "": nothing to verify. */
			r->st.blank_lines++;
			b->n = 0;
			b->stray_line = 0;
			b->plain = b->borrowed = false; /* cur is reused for the next row */
			lg_buf_reset(&b->bytes);
			return;
		}
		b->marker = footer_marker(s, n);
		/* Report footers hold no addresses: a one-cell row with an @
		 * is data, whatever follows it. */
		b->candidate = b->marker || (r->header->n > 1 && !memchr(s, '@', n));
	}
	if (r->qcount == r->qcap) {
		r->qcap = r->qcap ? r->qcap * 2 : 16;
		r->q = lg_xrealloc(r->q, r->qcap * sizeof(*r->q));
	}
	r->q[r->qcount++] = b;
	r->cur = row_get(r);
}

/* Fill the buffer: keep the unfed bytes, read more.  Checks for NUL. */
static enum lg_status fill(struct io_reader *r, struct lg_err *err)
{
	/* Rows still queued may borrow from the bytes about to move. */
	for (size_t i = 0; i < r->qcount; i++)
		materialize(r->q[i]);
	if (r->header)
		materialize(r->header);
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len < READ_CHUNK / 2) {
		if (r->cap >= IO_RECORD_MAX + 2 * READ_CHUNK)
			return lg_err_set(err, LG_EDATA, "%s:%lu: a line longer than %u bytes",
					  r->name, r->st.lines + 1, IO_RECORD_MAX);
		r->cap += READ_CHUNK;
		r->buf = lg_xrealloc(r->buf, r->cap);
	}
	ssize_t n;
	do
		n = read(r->fd, r->buf + r->len, r->cap - r->len - 1); /* a spare byte */
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lg_err_set(err, LG_EIO, "%s: read error: %s", r->name, strerror(errno));
	if (n == 0) {
		r->eof = true;
		return LG_OK;
	}
	const char *nul = memchr(r->buf + r->len, '\0', (size_t)n);
	const unsigned char *u = (const unsigned char *)r->buf;
	if (nul && r->st.bytes == 0 && r->len == 0 && n >= 2 &&
	    ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
		return lg_err_set(err, LG_EDATA, "%s: UTF-16 text; save it as CSV UTF-8", r->name);
	if (nul) {
		unsigned long line = r->st.lines + 1;
		for (const char *p = r->buf + r->pos; p < nul; p++)
			if (*p == '\n' || (*p == '\r' && p[1] != '\n'))
				line++;
		return lg_err_set(err, LG_EDATA,
				  "%s:%lu: NUL byte: this is not a text file "
				  "(UTF-16 or binary? save it as CSV UTF-8)",
				  r->name, line);
	}
	r->len += (size_t)n;
	r->next_lf = SIZE_MAX; /* the buffer moved and grew */
	return LG_OK;
}

/* The end of the line at [pos, len): after its LF, CRLF or lone CR; 0
 * when the buffer holds no complete line yet.  The next LF is remembered,
 * so that a file of lone CRs is not rescanned for an LF at every line. */
static size_t line_end(struct io_reader *r)
{
	const char *s = r->buf + r->pos;
	size_t n = r->len - r->pos;
	if (r->next_lf == SIZE_MAX || r->next_lf < r->pos) {
		const char *lf = memchr(s, '\n', n);
		r->next_lf = lf ? (size_t)(lf - r->buf) : r->len;
	}
	const char *nl = r->next_lf < r->len ? r->buf + r->next_lf : NULL;
	size_t limit = nl ? (size_t)(nl - s) : n;
	const char *cr = memchr(s, '\r', limit);
	if (cr) {
		size_t i = (size_t)(cr - s);
		if (i + 1 < n)
			return i + 1 + (s[i + 1] == '\n');
		return r->eof ? i + 1 : 0; /* the LF may be in the next read */
	}
	return nl ? limit + 1 : 0;
}

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * A quote-free line that starts a row: its fields, split on the delimiter,
 * less the line end.  The fields are not copied: each is terminated in
 * place (over its delimiter or line end; the buffer keeps a spare byte for
 * a last line without one) and the row borrows them from the read buffer
 * until fill() has to move that buffer.
 */
static void split_line(struct io_reader *r, char *s, size_t n)
{
	struct rowbuf *b = r->cur;
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	char *end = s + n;
	for (;;) {
		char *d = memchr(s, r->delim, (size_t)(end - s));
		char *e = d ? d : end;
		row_reserve(b);
		b->ptrs[b->n] = s;
		b->lens[b->n] = (size_t)(e - s);
		b->n++;
		*e = '\0';
		if (!d)
			break;
		s = d + 1;
	}
	b->plain = b->borrowed = true;
	on_row(n ? '\n' : -1, r);
}

/* csv_fini's field callback when a field is taken over: keep its bytes. */
static void keep_field(void *s, size_t len, void *data)
{
	lg_buf_add(data, s, len);
}

/*
 * csv_parse in strict mode over s, one physical line (or the end of one,
 * or the last line without a line end), carrying on where libcsv stops.
 * Strict libcsv stops at two things:
 *
 *  - text after a closing quote, `"ann@x.io"x,`.  Non-strict libcsv would
 *    take that quote for a literal one and read on inside the quotes,
 *    line ends and rows included, up to the next quote.  Python's csv and
 *    the spreadsheets end the quoting at the quote and read the rest of
 *    the field, up to the delimiter, as plain text: `ann@x.iox`.  So do
 *    we, and *stray is set before the field goes to field().
 *  - a quote inside an unquoted field, `5'11"`: plain text, as non-strict
 *    libcsv reads it.  Nothing to warn about.
 *
 * Either way, the field so far is taken from libcsv with csv_fini: with no
 * row callback it hands over the field (in the first case without its
 * closing quote) and resets the parser, so this needs nothing of libcsv's
 * internals.  The rest of the field is read here; libcsv starts afresh
 * after its delimiter, or the row ends with the line.  The parser's space
 * function must see no spaces (no_space): then nothing else stops it.
 * Returns the bytes consumed: n, or fewer when libcsv failed otherwise
 * (csv_error says how).
 */
static size_t parse_lenient(struct csv_parser *p, struct lg_buf *carry, const char *s, size_t n,
			    void (*field)(void *, size_t, void *), void (*row)(int, void *),
			    void *data, bool *stray)
{
	const char delim = (char)csv_get_delim(p), quote = (char)csv_get_quote(p);
	size_t done = 0;
	while (done < n) {
		done += csv_parse(p, s + done, n - done, field, row, data);
		if (done == n || csv_error(p) != CSV_EPARSE)
			break;
		/* libcsv stopped before s[done], inside a field. */
		bool after_quote = s[done] != quote;
		lg_buf_reset(carry);
		lg_buf_add(carry, "", 0);
		csv_fini(p, keep_field, NULL, carry);
		size_t e = done;
		while (e < n && s[e] != delim && s[e] != '\r' && s[e] != '\n')
			e++;
		lg_buf_add(carry, s + done, e - done);
		*stray = after_quote;
		field(carry->data, carry->len, data);
		*stray = false;
		if (e < n && s[e] == delim && e + 1 < n && s[e + 1] != '\r' && s[e + 1] != '\n') {
			done = e + 1; /* libcsv reads the next field */
			continue;
		}
		if (e < n && s[e] == delim) { /* a last, empty field */
			lg_buf_reset(carry);
			field(carry->data, 0, data);
			e++;
		}
		row(e < n ? (unsigned char)s[e] : -1, data);
		done = n; /* the line end, if any, is all that is left */
	}
	return done;
}

/* Feed one line (or read more, or finish).  Completed rows land in q. */
static enum lg_status feed(struct io_reader *r, struct lg_err *err)
{
	size_t n = line_end(r);
	if (n == 0) {
		if (!r->eof)
			return fill(r, err);
		n = r->len - r->pos; /* a last line without a line end */
		if (n == 0) {
			unsigned char state = r->p.pstate;
			if (r->p.quoted && state == 2 /* FIELD_BEGUN */)
				r->st.unclosed_quote_line = r->row_start;
			csv_fini(&r->p, on_field, on_row, r);
			r->finished = true;
			return LG_OK;
		}
	}
	char *s = r->buf + r->pos;
	r->st.lines++;
	if (!r->header) /* the header's line end is mirrored by the writer */
		r->crlf = n >= 2 && s[n - 2] == '\r' && s[n - 1] == '\n';
	bool fresh = !r->in_row; /* this line starts a row: libcsv holds nothing */
	if (fresh) {
		if (blank_line(s, n)) {
			if (r->header)
				r->st.blank_lines++;
			r->pos += n;
			r->st.bytes += n;
			return LG_OK;
		}
		r->in_row = true;
		r->row_start = r->st.lines;
	}
	unsigned long start = r->row_start;
	if (fresh && n > IO_RECORD_MAX)
		r->overflow = true;
	else if (fresh && !r->no_split && !memchr(s, '"', n))
		split_line(r, s, n);
	else if (parse_lenient(&r->p, &r->carry, s, n, on_field, on_row, r, &r->stray) != n)
		return lg_err_set(err, LG_EDATA, "%s:%lu: %s", r->name, r->st.lines,
				  csv_strerror(csv_error(&r->p)));
	r->pos += n;
	r->st.bytes += n;
	if (r->overflow || csv_get_buffer_size(&r->p) > IO_RECORD_MAX)
		return lg_err_set(err, LG_EDATA,
				  "%s:%lu: the row starting at line %lu is longer than %u bytes%s",
				  r->name, r->st.lines, start, IO_RECORD_MAX,
				  r->st.lines > start ? " (a quote that never closes?)" : "");
	return LG_OK;
}

char io_sniff_delim(const char *s, size_t n)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool quoted = false;
	for (size_t i = 0; i < n && (quoted || (s[i] != '\n' && s[i] != '\r')); i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted)
			comma += s[i] == ',', semi += s[i] == ';', tab += s[i] == '\t';
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0; /* keep cells exactly as written */
}

/* ---- the header ---- */

/* The length of the line at s, through its LF, CRLF or lone CR; 0 when the
 * n bytes hold no whole line yet, unless at eof (then all n). */
static size_t line_len(const char *s, size_t n, bool eof)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			return i + 1;
		if (s[i] == '\r') {
			if (i + 1 < n)
				return i + 1 + (s[i + 1] == '\n');
			return eof ? i + 1 : 0;
		}
	}
	return eof ? n : 0;
}

/* Skip count lines: the caller knows what is above the header.  An input
 * that ends first has no header, which io_reader_new_list says. */
static enum lg_status skip_lines(struct io_reader *r, unsigned long count, struct lg_err *err)
{
	while (r->st.lines < count) {
		size_t n = line_end(r);
		if (n == 0 && !r->eof) {
			enum lg_status st = fill(r, err);
			if (st != LG_OK)
				return st;
			continue;
		}
		if (n == 0)
			n = r->len - r->pos; /* a last line without a line end */
		if (n == 0)
			break;
		r->pos += n;
		r->st.bytes += n;
		r->st.lines++;
	}
	return LG_OK;
}

/* A header candidate's fields go to a scratch row. */
static void cand_field(void *s, size_t len, void *data)
{
	row_add(data, s, len);
}

static void cand_row(int c, void *data)
{
	(void)c;
	(void)data;
}

/*
 * Look for the header among the first IO_HEADER_SEARCH lines (see
 * io_reader_new_list) and move to it; stay put when none qualifies.
 * Each line that starts outside quotes (an even number of quote
 * characters above it) is parsed on its own, with its own delimiter, by
 * a scratch parser: a preamble need not be CSV at all.
 */
static enum lg_status find_header(struct io_reader *r, const char *column, struct lg_err *err)
{
	struct csv_parser p;
	struct rowbuf *b = row_get(r);
	enum lg_status st = LG_OK;
	size_t off = 0;  /* from r->pos (fill may move the buffer): the line looked at */
	size_t most = 0; /* the most filled cells of a line above it */
	unsigned long quotes = 0;
	bool stray = false;

	csv_init(&p, CSV_STRICT | CSV_APPEND_NULL);
	csv_set_space_func(&p, no_space);
	for (unsigned long k = 0; k < IO_HEADER_SEARCH; k++) {
		size_t n;
		while (!(n = line_len(r->buf + r->pos + off, r->len - r->pos - off, r->eof)) &&
		       !r->eof && r->len - r->pos < IO_RECORD_MAX)
			if ((st = fill(r, err)) != LG_OK)
				goto out;
		if (!n)
			break; /* the input ends, or the lines are too long to be a preamble */
		const char *s = r->buf + r->pos + off;
		if (quotes % 2 == 0 && !blank_line(s, n)) {
			b->n = 0;
			lg_buf_reset(&b->bytes);
			csv_set_delim(&p, (unsigned char)io_sniff_delim(s, n));
			if (parse_lenient(&p, &r->carry, s, n, cand_field, cand_row, b, &stray) == n)
				csv_fini(&p, cand_field, cand_row, b);
			else
				csv_fini(&p, NULL, NULL, NULL);
			size_t filled = 0;
			for (size_t i = 0; i < b->n; i++) {
				b->ptrs[i] = b->bytes.data + b->off[i];
				const char *c = b->ptrs[i];
				size_t cl = b->lens[i];
				lg_ascii_trim(&c, &cl);
				filled += cl > 0;
			}
			struct io_row row = {.n = b->n, .field = b->ptrs, .len = b->lens};
			if (filled > most && io_header_names_email(&row, column)) {
				r->pos += off;
				r->st.bytes += off;
				r->st.lines += k;
				break;
			}
			if (filled > most)
				most = filled;
		}
		for (size_t i = 0; i < n; i++)
			quotes += s[i] == '"';
		off += n;
	}
out:
	csv_free(&p);
	row_put(r, b);
	return st;
}

/* The offset of the header line, the first that is not blank from pos,
 * once the buffer holds all of it (or all there is). */
static enum lg_status header_line(struct io_reader *r, size_t *start, struct lg_err *err)
{
	for (;;) {
		size_t i = r->pos;
		while (i < r->len && (r->buf[i] == '\r' || r->buf[i] == '\n'))
			i++;
		if (r->eof || r->len - r->pos >= IO_RECORD_MAX ||
		    memchr(r->buf + i, '\n', r->len - i) || memchr(r->buf + i, '\r', r->len - i)) {
			*start = i;
			return LG_OK;
		}
		enum lg_status st = fill(r, err);
		if (st != LG_OK)
			return st;
	}
}

/*
 * Is the list JSON Lines?  In auto mode, when its first byte that is not
 * blank is '{': a JSON object.  A CSV file whose first cell starts with
 * '{' is vanishingly rare (a header cell would have to be "{...", unquoted,
 * and no CRM or spreadsheet export names a column so), which is why no
 * caller needs to say what the list is; input forces it either way.
 */
static enum lg_status sniff_jsonl(struct io_reader *r, enum io_input input, bool *jsonl,
				  struct lg_err *err)
{
	*jsonl = input == IO_INPUT_JSONL;
	if (input != IO_INPUT_AUTO)
		return LG_OK;
	for (size_t off = 0;;) { /* from pos: fill may move the buffer */
		while (r->pos + off < r->len &&
		       lg_ascii_is_space((unsigned char)r->buf[r->pos + off]))
			off++;
		if (r->pos + off < r->len) {
			*jsonl = r->buf[r->pos + off] == '{';
			return LG_OK;
		}
		if (r->eof || off > IO_RECORD_MAX)
			return LG_OK;
		enum lg_status st = fill(r, err);
		if (st != LG_OK)
			return st;
	}
}

enum lg_status io_reader_new(struct io_reader **out, int fd, const char *name, struct lg_err *err)
{
	return io_reader_new_list(out, fd, name, NULL, err);
}

enum lg_status io_reader_new_list(struct io_reader **out, int fd, const char *name,
				  const struct io_header_opts *h, struct lg_err *err)
{
	struct io_reader *r = lg_xcalloc(1, sizeof(*r));
	enum lg_status st = LG_OK;
	struct stat sb;

	*out = NULL;
	r->fd = fd;
	r->name = lg_xstrdup(name);
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		r->st.size = (uint64_t)sb.st_size;
	r->next_lf = SIZE_MAX;
	csv_init(&r->p, CSV_STRICT | CSV_APPEND_NULL); /* see parse_lenient */
	csv_set_space_func(&r->p, no_space);
	r->cur = row_get(r);

	/* The whole header line, or as much as there is. */
	do {
		st = fill(r, err);
		if (st != LG_OK)
			goto fail;
	} while (!r->eof && !memchr(r->buf, '\n', r->len) && !memchr(r->buf, '\r', r->len) &&
		 r->len < IO_RECORD_MAX);

	const unsigned char *u = (const unsigned char *)r->buf;
	if (r->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		st = lg_err_set(err, LG_EDATA, "%s: UTF-16 text; save it as CSV UTF-8", name);
		goto fail;
	}
	if (r->len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		r->bom = true;
		r->pos = 3;
		r->st.bytes = 3;
	}
	bool jsonl = false;
	if (h && h->skip_lines >= 0)
		st = skip_lines(r, (unsigned long)h->skip_lines, err);
	if (st == LG_OK && h)
		st = sniff_jsonl(r, h->input, &jsonl, err);
	if (st == LG_OK && jsonl) {
		/* The lines skipped are all that is above its header. */
		r->st.preamble_lines = r->st.lines;
		r->delim = ',';
		st = io_jsonl_new(&r->jsonl, fd, r->name, r->buf, r->pos, r->len, r->cap, r->eof,
				  &r->st, err);
		r->buf = NULL; /* taken */
		if (st != LG_OK)
			goto fail;
		*out = r;
		return LG_OK;
	}
	if (st == LG_OK && h && h->skip_lines < 0)
		st = find_header(r, h->email_column, err);
	size_t start = 0;
	if (st == LG_OK)
		st = header_line(r, &start, err);
	if (st != LG_OK)
		goto fail;
	r->delim = io_sniff_delim(r->buf + start, r->len - start);
	csv_set_delim(&r->p, (unsigned char)r->delim);

	while (!r->qcount && !r->finished) {
		st = feed(r, err);
		if (st != LG_OK)
			goto fail;
	}
	if (!r->qcount && h && h->skip_lines > 0) {
		st = lg_err_set(err, LG_EDATA, "%s: no header row below the %ld lines skipped",
				name, h->skip_lines);
		goto fail;
	}
	if (!r->qcount) {
		st = lg_err_set(err, LG_EDATA, "%s: empty input: no header row", name);
		goto fail;
	}
	r->header = r->q[0];
	r->qcount = 0;
	materialize(r->header);
	r->hdr = (struct io_row){r->header->n,         r->header->ptrs,
				 r->header->lens,      r->header->line,
				 r->header->last_line, r->header->stray_line,
				 r->header->plain,     NULL};
	r->st.preamble_lines = r->hdr.line - 1;
	for (size_t i = 0; i < r->header->n; i++) {
		if (u8_check((const uint8_t *)r->header->ptrs[i], r->header->lens[i])) {
			st = lg_err_set(err, LG_EDATA,
					"%s:%lu: the header is not UTF-8 text (another encoding? "
					"save it as CSV UTF-8)",
					name, r->hdr.line);
			goto fail;
		}
	}
	*out = r;
	return LG_OK;
fail:
	io_reader_free(r);
	return st;
}

void io_reader_free(struct io_reader *r)
{
	if (!r)
		return;
	io_jsonl_free(r->jsonl);
	csv_free(&r->p);
	for (size_t i = 0; i < r->qcount; i++)
		row_free(r->q[i]);
	for (size_t i = 0; i < r->npool; i++)
		row_free(r->pool[i]);
	row_free(r->cur);
	row_free(r->lent);
	row_free(r->header);
	free(r->q);
	free(r->pool);
	free(r->buf);
	lg_buf_release(&r->carry);
	free(r->name);
	free(r);
}

void io_reader_no_split(struct io_reader *r)
{
	r->no_split = true;
}

const struct io_row *io_reader_header(const struct io_reader *r)
{
	return r->jsonl ? io_jsonl_header(r->jsonl) : &r->hdr;
}

char io_reader_delim(const struct io_reader *r)
{
	return r->delim;
}

bool io_reader_bom(const struct io_reader *r)
{
	return r->bom;
}

bool io_reader_crlf(const struct io_reader *r)
{
	return r->jsonl ? io_jsonl_crlf(r->jsonl) : r->crlf;
}

enum io_format io_reader_format(const struct io_reader *r)
{
	return r->jsonl ? IO_FORMAT_JSONL : IO_FORMAT_CSV;
}

void io_reader_stats(const struct io_reader *r, struct io_reader_stats *st)
{
	if (r->jsonl)
		io_jsonl_stats(r->jsonl, st);
	else
		*st = r->st;
}

/* Which completed rows may be returned: every row up to the last one that
 * cannot be footer, and the oldest held row when too many are held. */
static void settle(struct io_reader *r)
{
	for (; r->scanned < r->qcount; r->scanned++)
		if (!r->q[r->scanned]->candidate)
			r->releasable = r->scanned + 1;
	if (r->qcount - r->releasable > HOLD_MAX)
		r->releasable++;
	if (!r->finished || r->releasable == r->qcount)
		return;

	/* Input ended on held one-cell rows: a footer if one carries a marker. */
	bool marker = false;
	for (size_t i = r->releasable; i < r->qcount; i++)
		marker = marker || r->q[i]->marker;
	if (!marker) {
		r->releasable = r->qcount;
		return;
	}
	r->st.footer_rows = r->qcount - r->releasable;
	r->st.footer_line = r->q[r->releasable]->line;
	r->st.footer_last = r->q[r->qcount - 1]->last_line;
	for (size_t i = r->releasable; i < r->qcount; i++)
		row_put(r, r->q[i]);
	r->qcount = r->scanned = r->releasable;
}

enum lg_status io_reader_next(struct io_reader *r, const struct io_row **row, struct lg_err *err)
{
	if (r->jsonl)
		return io_jsonl_next(r->jsonl, row, err);
	if (r->lent) {
		row_put(r, r->lent);
		r->lent = NULL;
	}
	while (!r->releasable) {
		if (r->finished && !r->qcount) {
			*row = NULL;
			return LG_OK;
		}
		if (!r->finished) {
			enum lg_status st = feed(r, err);
			if (st != LG_OK)
				return st;
		}
		settle(r);
	}
	struct rowbuf *b = r->q[0];
	memmove(r->q, r->q + 1, (r->qcount - 1) * sizeof(*r->q));
	r->qcount--;
	r->releasable--;
	r->scanned--;
	r->lent = b;
	r->out = (struct io_row){b->n,         b->ptrs,       b->lens,  b->line,
				 b->last_line, b->stray_line, b->plain, NULL};
	*row = &r->out;
	return LG_OK;
}
