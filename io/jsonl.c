/*
 * jsonl.c - a pull reader of JSON Lines contact lists: one JSON object a
 * line, as CRM APIs, `jq -c` and `leadgate verify -f jsonl` write them.
 *
 * io_reader_new_list hands a list over when the first byte that is not
 * blank is `{` (see there); from then on this file reads it, with the
 * same promises as the CSV reader: rows in input order, each with its
 * line number, memory bounded by the longest line (IO_RECORD_MAX).
 *
 * The header is the keys of the first object, in its order (jansson keeps
 * the order of an object's keys).  A later object fills the columns of
 * the keys it shares with the header; a column whose key it lacks is an
 * empty cell; each key the header lacks becomes one extra cell after the
 * header's, `{"key":value}`, so that neither the key nor the value is lost
 * and the row is as long as a ragged CSV row, which the verify job flags.
 * Values are cells as text: a string as its text, a number, true or false
 * as its JSON text, null as an empty cell, an array or object as compact
 * JSON.
 *
 * A line that is not a JSON object (bad JSON, an array, a scalar) is still
 * a row: its header cells are empty, the line itself is its one extra
 * cell, and io_row.malformed says why, so that the caller can give it a
 * status and name its line.  Lines are separated by LF (a CR before it is
 * dropped); a line of blanks is skipped and counted.
 */
#include "io_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK IO_READ_CHUNK
#define BORROWED SIZE_MAX /* a cell's offset in text: it points into the object */

struct io_jsonl {
	int fd;
	const char *name;
	char *buf; /* read buffer: unread bytes are [pos, len); one spare byte */
	size_t pos, len, cap;
	size_t scanned; /* bytes from pos known to hold no LF */
	bool eof;       /* read() returned 0 */
	bool crlf;      /* the header's line ended in CR LF */
	struct io_reader_stats st;

	/* The header: the first object's keys, in its order. */
	struct lg_buf names; /* the keys, each NUL-terminated */
	const char **hnames;
	size_t *hlens;
	size_t ncols;
	struct lg_map cols; /* key -> its column (size_t) */
	struct io_row hdr;
	json_t *first; /* the first object, the first row too; owned until lent */

	/* The row lent out, valid until the next call. */
	json_t *obj;        /* its object, owned; NULL for a malformed line */
	const json_t **val; /* the value of each header column, NULL when missing */
	struct lg_buf text; /* cells that are not strings of obj, NUL-terminated */
	const char **ptrs;
	size_t *lens;
	size_t *off; /* where a cell is in text, or BORROWED */
	size_t cap_cells;
	char why[160]; /* what is wrong with a malformed line */
	struct io_row row;
};

/* ---- lines ---- */

/* Read more: keep the unread bytes, then read.  A NUL byte fails, as in
 * the CSV reader: a text file never holds one (UTF-16 does, often). */
static enum lg_status fill(struct io_jsonl *j, struct lg_err *err)
{
	if (j->pos > 0) {
		memmove(j->buf, j->buf + j->pos, j->len - j->pos);
		j->len -= j->pos;
		j->pos = 0;
	}
	if (j->cap - j->len < READ_CHUNK / 2 + 1) {
		j->cap += READ_CHUNK;
		j->buf = lg_xrealloc(j->buf, j->cap);
	}
	ssize_t n;
	do
		n = read(j->fd, j->buf + j->len, j->cap - j->len - 1); /* the spare byte */
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lg_err_set(err, LG_EIO, "%s: read error: %s", j->name, strerror(errno));
	if (n == 0) {
		j->eof = true;
		return LG_OK;
	}
	const char *nul = memchr(j->buf + j->len, '\0', (size_t)n);
	if (nul) {
		unsigned long line = j->st.lines + 1;
		for (const char *p = j->buf + j->pos; p < nul; p++)
			line += *p == '\n';
		return lg_err_set(err, LG_EDATA,
				  "%s:%lu: NUL byte: this is not a text file (UTF-16 or binary? "
				  "save it as UTF-8)",
				  j->name, line);
	}
	j->len += (size_t)n;
	return LG_OK;
}

/*
 * The next line, less its LF and a CR before it, at *s (borrowed until
 * the next call), or *s = NULL at the end of the input.  A line longer
 * than IO_RECORD_MAX fails: memory stays bounded by the longest line.
 */
static enum lg_status next_line(struct io_jsonl *j, const char **s, size_t *n, struct lg_err *err)
{
	for (;;) {
		const char *p = j->buf + j->pos;
		size_t avail = j->len - j->pos;
		const char *lf = memchr(p + j->scanned, '\n', avail - j->scanned);
		if (lf || (j->eof && avail)) {
			size_t end = lf ? (size_t)(lf - p) : avail;
			size_t used = lf ? end + 1 : end;
			j->pos += used;
			j->scanned = 0;
			j->st.lines++;
			j->st.bytes += used;
			if (end && p[end - 1] == '\r')
				end--;
			if (end > IO_RECORD_MAX)
				return lg_err_set(err, LG_EDATA,
						  "%s:%lu: a line longer than %u bytes", j->name,
						  j->st.lines, IO_RECORD_MAX);
			*s = p;
			*n = end;
			return LG_OK;
		}
		if (j->eof) {
			*s = NULL;
			*n = 0;
			return LG_OK;
		}
		j->scanned = avail;
		if (avail > IO_RECORD_MAX + 1)
			return lg_err_set(err, LG_EDATA, "%s:%lu: a line longer than %u bytes",
					  j->name, j->st.lines + 1, IO_RECORD_MAX);
		enum lg_status st = fill(j, err);
		if (st != LG_OK)
			return st;
	}
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* ---- values as text ---- */

/* The fewest significant digits (1 to 17) that read back as d. */
static int real_digits(double d)
{
	char s[40];
	for (int prec = 1; prec < 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			return prec;
	}
	return 17;
}

/* A real as JSON text in its fewest digits, written as jansson writes a
 * real: no '+' or leading zero in the exponent, and ".0" after a whole
 * number, so that it reads back as a real (1.5, 0.1, 1e300, 2.0). */
static void add_real(struct lg_buf *b, double d)
{
	char s[40];
	snprintf(s, sizeof(s), "%.*g", real_digits(d), d);
	char *e = strchr(s, 'e');
	if (!e) {
		lg_buf_adds(b, s);
		if (!strchr(s, '.'))
			lg_buf_adds(b, ".0");
		return;
	}
	lg_buf_add(b, s, (size_t)(e - s) + 1);
	const char *x = e + 1;
	if (*x == '+' || *x == '-') {
		if (*x == '-')
			lg_buf_addc(b, '-');
		x++;
	}
	while (x[0] == '0' && x[1])
		x++;
	lg_buf_adds(b, x);
}

/* The most digits a real inside v needs (0 when it holds none). */
static int max_digits(const json_t *v)
{
	int most = 0, d;
	if (json_is_real(v))
		return real_digits(json_real_value(v));
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if ((d = max_digits(json_array_get(v, i))) > most)
				most = d;
	} else if (json_is_object(v)) {
		const char *key;
		json_t *x;
		json_object_foreach((json_t *)v, key, x)
		{
			if ((d = max_digits(x)) > most)
				most = d;
		}
	}
	return most;
}

static int add_dump(const char *s, size_t n, void *data)
{
	lg_buf_add(data, s, n);
	return 0;
}

/* An array or object as compact JSON.  Its reals are written with the
 * digits the longest of them needs (jansson has one precision a dump),
 * not always 17 (0.1 would be 0.10000000000000001). */
static void add_compact(struct lg_buf *b, const json_t *v)
{
	int d = max_digits(v);
	json_dump_callback(v, add_dump, b,
			   JSON_COMPACT | JSON_ENCODE_ANY | (d ? JSON_REAL_PRECISION(d) : 0));
}

/* A value that is not a string, as cell text, NUL-terminated, in b. */
static void add_value(struct lg_buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER: lg_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: add_real(b, json_real_value(v)); break;
	case JSON_TRUE: lg_buf_adds(b, "true"); break;
	case JSON_FALSE: lg_buf_adds(b, "false"); break;
	case JSON_NULL: break;
	case JSON_STRING: lg_buf_add(b, json_string_value(v), json_string_length(v)); break;
	case JSON_ARRAY:
	case JSON_OBJECT: add_compact(b, v); break;
	}
	lg_buf_addc(b, '\0');
}

/* A key the header lacks, with its value: {"key":value}. */
static void add_extra(struct lg_buf *b, const char *key, size_t klen, json_t *v)
{
	json_t *o = json_object();
	json_object_setn(o, key, klen, v); /* a reference of its own */
	add_compact(b, o);
	json_decref(o);
	lg_buf_addc(b, '\0');
}

/* ---- rows ---- */

static void cells_reserve(struct io_jsonl *j, size_t n)
{
	if (n <= j->cap_cells)
		return;
	while (j->cap_cells < n)
		j->cap_cells = j->cap_cells ? j->cap_cells * 2 : 16;
	j->ptrs = lg_xrealloc(j->ptrs, j->cap_cells * sizeof(*j->ptrs));
	j->lens = lg_xrealloc(j->lens, j->cap_cells * sizeof(*j->lens));
	j->off = lg_xrealloc(j->off, j->cap_cells * sizeof(*j->off));
}

/* The header column of the k-th key of an object, or -1.  Most objects
 * of a file list their keys in the header's order: that is tried first. */
static long column(const struct io_jsonl *j, const char *key, size_t klen, size_t k)
{
	if (k < j->ncols && j->hlens[k] == klen && !memcmp(j->hnames[k], key, klen))
		return (long)k;
	const size_t *c = lg_map_get(&j->cols, key, klen, lg_hash(key, klen));
	return c ? (long)*c : -1;
}

/* Point the cells kept in text at it, now that it has stopped growing. */
static void cells_settle(struct io_jsonl *j, size_t n, unsigned long line)
{
	for (size_t i = 0; i < n; i++)
		if (j->off[i] != BORROWED)
			j->ptrs[i] = j->text.data + j->off[i];
	j->row = (struct io_row){
		.n = n, .field = j->ptrs, .len = j->lens, .line = line, .last_line = line};
}

/* Text cell i, from b's current end. */
static void cell_text(struct io_jsonl *j, size_t i, size_t start)
{
	j->off[i] = start;
	j->lens[i] = j->text.len - start - 1; /* less its NUL */
}

/* The row of object o (taken), from line. */
static void row_object(struct io_jsonl *j, json_t *o, unsigned long line)
{
	const char *key;
	size_t klen, k = 0, nextra = 0;
	json_t *v;

	j->obj = o;
	lg_buf_reset(&j->text);
	cells_reserve(j, j->ncols);
	for (size_t i = 0; i < j->ncols; i++)
		j->val[i] = NULL;
	json_object_keylen_foreach(o, key, klen, v)
	{
		long c = column(j, key, klen, k++);
		if (c >= 0) {
			j->val[c] = v;
			continue;
		}
		size_t i = j->ncols + nextra++;
		cells_reserve(j, i + 1);
		size_t start = j->text.len;
		add_extra(&j->text, key, klen, v);
		cell_text(j, i, start);
	}
	for (size_t i = 0; i < j->ncols; i++) {
		const json_t *x = j->val[i];
		if (json_is_string(x)) { /* the common case: borrowed, not copied */
			j->off[i] = BORROWED;
			j->ptrs[i] = json_string_value(x);
			j->lens[i] = json_string_length(x);
		} else if (!x) {
			j->off[i] = BORROWED;
			j->ptrs[i] = "";
			j->lens[i] = 0;
		} else {
			size_t start = j->text.len;
			add_value(&j->text, x);
			cell_text(j, i, start);
		}
	}
	cells_settle(j, j->ncols + nextra, line);
}

/* The row of a line that is not an object: empty header cells, then the
 * line as it is; j->why says what is wrong. */
static void row_malformed(struct io_jsonl *j, const char *s, size_t n, unsigned long line)
{
	lg_buf_reset(&j->text);
	cells_reserve(j, j->ncols + 1);
	for (size_t i = 0; i < j->ncols; i++) {
		j->off[i] = BORROWED;
		j->ptrs[i] = "";
		j->lens[i] = 0;
	}
	lg_buf_add(&j->text, s, n);
	lg_buf_addc(&j->text, '\0');
	cell_text(j, j->ncols, 0);
	cells_settle(j, j->ncols + 1, line);
	j->row.malformed = j->why;
}

/* Parse a line: the object, or NULL with why filled in. */
static json_t *parse(const char *s, size_t n, char *why, size_t cap)
{
	json_error_t e;
	json_t *v = json_loadb(s, n, 0, &e);
	if (v && json_is_object(v))
		return v;
	if (v)
		snprintf(why, cap, "a JSON %s, not an object", json_is_array(v) ? "array" : "value");
	else if (strstr(e.text, "JSON_ALLOW_NUL"))
		snprintf(why, cap, "column %d: a string holds \\u0000", e.column);
	else
		snprintf(why, cap, "column %d: %.120s", e.column, e.text);
	json_decref(v);
	return NULL;
}

/* ---- the reader ---- */

static void header_from(struct io_jsonl *j, const json_t *o)
{
	const char *key;
	size_t klen;
	json_t *v;
	size_t n = json_object_size(o), i = 0;

	j->hnames = lg_xcalloc(n, sizeof(*j->hnames));
	j->hlens = lg_xcalloc(n, sizeof(*j->hlens));
	j->val = lg_xcalloc(n, sizeof(*j->val));
	size_t *offs = lg_xcalloc(n, sizeof(*offs));
	lg_map_init(&j->cols, sizeof(size_t));
	json_object_keylen_foreach((json_t *)o, key, klen, v)
	{
		offs[i] = j->names.len;
		j->hlens[i] = klen;
		lg_buf_add(&j->names, key, klen);
		lg_buf_addc(&j->names, '\0');
		size_t *c = lg_map_put(&j->cols, key, klen, lg_hash(key, klen), NULL);
		*c = i++;
	}
	for (i = 0; i < n; i++)
		j->hnames[i] = j->names.data + offs[i];
	free(offs);
	j->ncols = n;
}

enum lg_status io_jsonl_new(struct io_jsonl **out, int fd, const char *name, char *buf, size_t pos,
			    size_t len, size_t cap, bool eof, const struct io_reader_stats *st,
			    struct lg_err *err)
{
	struct io_jsonl *j = lg_xcalloc(1, sizeof(*j));
	enum lg_status rc;
	const char *s;
	size_t n;

	*out = j;
	j->fd = fd;
	j->name = name;
	j->buf = buf;
	j->pos = pos;
	j->len = len;
	j->cap = cap;
	j->eof = eof;
	j->st = *st;
	for (;;) {
		if ((rc = next_line(j, &s, &n, err)) != LG_OK)
			return rc;
		if (!s)
			return lg_err_set(err, LG_EDATA, "%s: empty input: no JSON object", name);
		if (!blank(s, n))
			break;
		j->st.blank_lines++;
	}
	j->crlf = s + n < j->buf + j->pos && s[n] == '\r';
	json_t *o = parse(s, n, j->why, sizeof(j->why));
	if (!o)
		return lg_err_set(err, LG_EDATA,
				  "%s:%lu: the first line of JSON Lines is not a JSON object (%s): "
				  "its keys would be the columns",
				  name, j->st.lines, j->why);
	if (json_object_size(o) == 0) {
		json_decref(o);
		return lg_err_set(err, LG_EDATA,
				  "%s:%lu: the first object has no keys: its keys are the columns",
				  name, j->st.lines);
	}
	header_from(j, o);
	j->first = o;
	j->hdr = (struct io_row){.n = j->ncols,
				 .field = j->hnames,
				 .len = j->hlens,
				 .line = j->st.lines,
				 .last_line = j->st.lines};
	return LG_OK;
}

void io_jsonl_free(struct io_jsonl *j)
{
	if (!j)
		return;
	json_decref(j->first);
	json_decref(j->obj);
	free(j->buf);
	lg_buf_release(&j->names);
	lg_buf_release(&j->text);
	free(j->hnames);
	free(j->hlens);
	free(j->val);
	free(j->ptrs);
	free(j->lens);
	free(j->off);
	lg_map_release(&j->cols);
	free(j);
}

const struct io_row *io_jsonl_header(const struct io_jsonl *j)
{
	return &j->hdr;
}

bool io_jsonl_crlf(const struct io_jsonl *j)
{
	return j->crlf;
}

void io_jsonl_stats(const struct io_jsonl *j, struct io_reader_stats *st)
{
	*st = j->st;
}

enum lg_status io_jsonl_next(struct io_jsonl *j, const struct io_row **row, struct lg_err *err)
{
	const char *s;
	size_t n;

	json_decref(j->obj);
	j->obj = NULL;
	if (j->first) {
		row_object(j, j->first, j->hdr.line);
		j->first = NULL;
		*row = &j->row;
		return LG_OK;
	}
	for (;;) {
		enum lg_status rc = next_line(j, &s, &n, err);
		if (rc != LG_OK)
			return rc;
		if (!s) {
			*row = NULL;
			return LG_OK;
		}
		if (!blank(s, n))
			break;
		j->st.blank_lines++;
	}
	json_t *o = parse(s, n, j->why, sizeof(j->why));
	if (o)
		row_object(j, o, j->st.lines);
	else
		row_malformed(j, s, n, j->st.lines);
	*row = &j->row;
	return LG_OK;
}
