/*
 * writer.c - rows out, as CSV (RFC 4180) or JSON Lines (jansson).
 *
 * CSV cells that begin with = + - @ TAB or CR are prefixed with a single
 * quote, as OWASP's CSV-injection advice says, so that no spreadsheet runs
 * a cell of a prospect list as a formula.  JSON is written as it is.
 */
#include "io.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_CHUNK (1u << 20)

struct io_writer {
	int fd;
	struct io_writer_opts o;
	struct io_col *cols; /* names are owned copies; JSON keys made unique */
	size_t ncols;
	char *buf;
	size_t len, cap;
	bool failed;
	int err_no;
	unsigned long repaired;
	struct lg_buf scratch;
	unsigned char special[256]; /* 1: the cell must be quoted if it holds this byte */
	char *extra_key;            /* JSON key of cells past the header: "_extra", unless taken */
	size_t key_probes;          /* names looked up by unique_key() */
};

static void write_all(struct io_writer *w, const char *p, size_t n)
{
	size_t off = 0;
	while (off < n && !w->failed) {
		ssize_t k = write(w->fd, p + off, n - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->failed = true;
			w->err_no = k < 0 ? errno : EIO;
			break;
		}
		off += (size_t)k;
	}
}

static void flush(struct io_writer *w)
{
	write_all(w, w->buf, w->len);
	w->len = 0;
}

static void put(struct io_writer *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		flush(w);
		if (n > w->cap) {
			write_all(w, p, n); /* a huge cell goes straight through */
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Would a spreadsheet take a cell starting with c for a formula? */
static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Room for at least n more bytes in the buffer (which grows for a row
 * larger than it). */
static void reserve(struct io_writer *w, size_t n)
{
	if (w->len + n <= w->cap)
		return;
	flush(w);
	if (n > w->cap) {
		w->cap = n;
		w->buf = lg_xrealloc(w->buf, n);
	}
}

/* Write one cell at o, which has room for 2n + 3 bytes; returns the end. */
static char *csv_cell(const struct io_writer *w, char *o, const struct io_cell *c)
{
	const char *s = c->s;
	const unsigned char *u = (const unsigned char *)s;
	size_t n = c->len, i = 0;
	bool guard = n && formula_start(s[0]);
	if (c->plain)
		i = n;
	while (i < n && !w->special[u[i]])
		i++;
	if (i == n && !guard) {
		memcpy(o, s, n);
		return o + n;
	}
	bool quote = i < n;
	if (quote)
		*o++ = '"';
	if (guard)
		*o++ = '\'';
	memcpy(o, s, i);
	o += i;
	for (; i < n; i++) {
		if (s[i] == '"')
			*o++ = '"';
		*o++ = s[i];
	}
	if (quote)
		*o++ = '"';
	return o;
}

/* One CSV record: cells, then extra cells, then the line end. */
static void csv_record(struct io_writer *w, const struct io_cell *cells, size_t n,
		       const struct io_cell *extra, size_t nextra)
{
	size_t bound = 2;
	for (size_t i = 0; i < n; i++)
		bound += 2 * cells[i].len + 4;
	for (size_t i = 0; i < nextra; i++)
		bound += 2 * extra[i].len + 4;
	reserve(w, bound);
	char *o = w->buf + w->len;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = w->o.delim;
		if (w->cols[i].kind == IO_KIND_NUMBER) {
			memcpy(o, cells[i].s, cells[i].len);
			o += cells[i].len;
		} else {
			o = csv_cell(w, o, &cells[i]);
		}
	}
	for (size_t i = 0; i < nextra; i++) {
		*o++ = w->o.delim;
		o = csv_cell(w, o, &extra[i]);
	}
	if (w->o.crlf)
		*o++ = '\r';
	*o++ = '\n';
	w->len = (size_t)(o - w->buf);
}

/* A name taken as a JSON key (the values of io_writer_new's map). */
struct key_use {
	unsigned next; /* the suffix to try first for another column of this name; 0: 2 */
};

/*
 * A JSON key for a column named name[0..*len) that no key in taken has:
 * the name itself, else the first of name_2, name_3 ... that is free, so
 * a second "Email" is "Email_2" (and a third "Email_3", unless a column
 * was already called that).  Added to taken; returns an owned copy and
 * sets *len.
 *
 * Each taken name remembers the suffix after the one its last namesake
 * got: keys are only ever added, so every suffix below it is still taken
 * and need not be tried again.  Without that, n columns of one name cost
 * n^3 / 6 comparisons (4,000 columns "x": a minute).  Now a header costs
 * at most 2 look-ups per column plus one for each taken name that a
 * suffix runs into, and each taken name is run into at most once (it
 * splits into a base and a suffix in one way only).
 */
static char *unique_key(struct io_writer *w, struct lg_map *taken, const char *name, size_t *len)
{
	bool created;
	w->key_probes++;
	struct key_use *base = lg_map_put(taken, name, *len, lg_hash(name, *len), &created);
	if (created)
		return lg_xmemdup(name, *len);
	struct lg_buf key = LG_BUF_INIT;
	for (unsigned k = base->next ? base->next : 2;; k++) {
		lg_buf_reset(&key);
		lg_buf_add(&key, name, *len);
		lg_buf_addf(&key, "_%u", k);
		w->key_probes++;
		lg_map_put(taken, key.data, key.len, lg_hash(key.data, key.len), &created);
		if (created) {
			base->next = k + 1;
			*len = key.len;
			return key.data;
		}
	}
}

struct io_writer *io_writer_new(int fd, const struct io_writer_opts *opts,
				const struct io_col *cols, size_t ncols)
{
	struct io_writer *w = lg_xcalloc(1, sizeof(*w));
	w->fd = fd;
	w->o = *opts;
	w->cap = OUT_CHUNK;
	w->buf = lg_xmalloc(w->cap);
	w->cols = lg_xcalloc(ncols ? ncols : 1, sizeof(*w->cols));
	w->ncols = ncols;
	w->special[(unsigned char)opts->delim] = w->special['"'] = 1;
	w->special['\n'] = w->special['\r'] = 1;
	struct lg_map taken;
	lg_map_init(&taken, sizeof(struct key_use));
	for (size_t i = 0; i < ncols; i++) {
		const char *name = cols[i].name;
		size_t len = cols[i].len;
		char *copy = opts->format == IO_FORMAT_JSONL ? unique_key(w, &taken, name, &len)
							     : lg_xmemdup(name, len);
		w->cols[i] = (struct io_col){copy, len, cols[i].kind};
	}
	/* The key for cells past the header must not replace a column. */
	size_t extra_len = 6;
	w->extra_key = unique_key(w, &taken, "_extra", &extra_len);
	lg_map_release(&taken);
	if (opts->format == IO_FORMAT_CSV) {
		struct io_cell *names = lg_xcalloc(ncols ? ncols : 1, sizeof(*names));
		for (size_t i = 0; i < ncols; i++)
			names[i] = (struct io_cell){w->cols[i].name, w->cols[i].len, false};
		if (opts->bom)
			put(w, "\xEF\xBB\xBF", 3);
		csv_record(w, names, ncols, NULL, 0);
		free(names);
	}
	return w;
}

/* A JSON string of bytes that may not be UTF-8: invalid sequences become
 * U+FFFD (counted), so that the line stays valid JSON. */
static json_t *json_text(struct io_writer *w, const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	lg_buf_reset(&w->scratch);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		json_t *probe = k && i + k <= n ? json_stringn(s + i, k) : NULL;
		if (probe) {
			lg_buf_add(&w->scratch, s + i, k);
			json_decref(probe);
			i += k;
		} else {
			lg_buf_add(&w->scratch, "\xEF\xBF\xBD", 3);
			w->repaired++;
			i++;
		}
	}
	return json_stringn(w->scratch.data, w->scratch.len);
}

static json_t *json_cell(struct io_writer *w, enum io_kind kind, const char *s, size_t n)
{
	if (kind == IO_KIND_OPTIONAL && n == 0)
		return json_null();
	if (kind == IO_KIND_NUMBER) {
		char num[64];
		char *end;
		if (n && n < sizeof(num)) {
			memcpy(num, s, n);
			num[n] = '\0';
			double v = strtod(num, &end);
			if (!*end)
				return json_real(v);
		}
		return json_null();
	}
	if (kind != IO_KIND_LIST)
		return json_text(w, s, n);
	json_t *a = json_array();
	const char *p = s, *end = s + n;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		if (e > p)
			json_array_append_new(a, json_text(w, p, (size_t)(e - p)));
		p = e + 1;
	}
	return a;
}

static enum lg_status status_of(struct io_writer *w, struct lg_err *err)
{
	if (!w->failed)
		return LG_OK;
	return lg_err_set(err, LG_EIO, "write error: %s", strerror(w->err_no));
}

enum lg_status io_writer_row(struct io_writer *w, const struct io_cell *cells,
			     const struct io_cell *extra, size_t nextra, struct lg_err *err)
{
	if (w->o.format == IO_FORMAT_CSV) {
		csv_record(w, cells, w->ncols, extra, nextra);
		return status_of(w, err);
	}

	json_t *o = json_object();
	for (size_t i = 0; i < w->ncols; i++)
		json_object_set_new_nocheck(o, w->cols[i].name,
					    json_cell(w, w->cols[i].kind, cells[i].s, cells[i].len));
	if (nextra) {
		json_t *a = json_array();
		for (size_t i = 0; i < nextra; i++)
			json_array_append_new(a, json_text(w, extra[i].s, extra[i].len));
		json_object_set_new_nocheck(o, w->extra_key, a);
	}
	size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT | JSON_REAL_PRECISION(15));
	reserve(w, need + 1);
	json_dumpb(o, w->buf + w->len, need, JSON_COMPACT | JSON_REAL_PRECISION(15));
	w->len += need;
	w->buf[w->len++] = '\n';
	json_decref(o);
	return status_of(w, err);
}

enum lg_status io_writer_finish(struct io_writer *w, struct lg_err *err)
{
	flush(w);
	return status_of(w, err);
}

size_t io_writer_key_probes(const struct io_writer *w)
{
	return w->key_probes;
}

unsigned long io_writer_repaired(const struct io_writer *w)
{
	return w->repaired;
}

void io_writer_free(struct io_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->ncols; i++)
		free((char *)w->cols[i].name);
	free(w->cols);
	free(w->extra_key);
	free(w->buf);
	lg_buf_release(&w->scratch);
	free(w);
}
