/*
 * writer.c - rows out, as CSV (RFC 4180) or JSON Lines (RFC 8259, one
 * object a line).
 *
 * CSV cells that could run as a formula are prefixed with a single quote,
 * as OWASP's CSV-injection advice says, so that no spreadsheet runs a
 * cell of a prospect list (see io_formula_guarded for which).  JSON is
 * written as it is.
 *
 * JSON is written straight into the output buffer, as CSV is: building a
 * jansson object per row and dumping it made JSON Lines four times slower
 * than CSV.  The bytes are those jansson's json_dumpb(JSON_COMPACT |
 * JSON_REAL_PRECISION(15)) wrote before (tests/test_io.c holds the two
 * together), so outputs did not change.
 */
#include "io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unistr.h>

#define OUT_CHUNK (1u << 20)

struct io_writer {
	int fd;
	struct lg_buf *mem; /* io_writer_new_mem's: flushed bytes go here, not to fd */
	struct io_writer_opts o;
	struct io_col *cols; /* names are owned copies; JSON keys made unique */
	size_t ncols;
	char *buf;
	size_t len, cap;
	bool failed;
	int err_no;
	unsigned long repaired;
	unsigned char special[256]; /* 1: the cell must be quoted if it holds this byte */
	unsigned char jclass[256]; /* JSON strings: 0 copy, 1 escape, 2 a UTF-8 lead byte or worse */
	char *extra_key;           /* JSON key of cells past the header: "_extra", unless taken */
	struct lg_buf keys;        /* JSON: each column's "key": and then the extra cells' */
	size_t *key_end;           /* where key i ends in keys (ncols + 1 of them) */
	size_t key_probes;         /* names looked up by unique_key() */
};

static void write_all(struct io_writer *w, const char *p, size_t n)
{
	size_t off = 0;
	if (w->mem) {
		lg_buf_add(w->mem, p, n);
		return;
	}
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

/*
 * Is s[1..n) (after a leading + or -) a number as contact lists write
 * one, a phone number or an amount: digits, spaces, '.' and ',', and
 * digit groups in parentheses, with at least one digit?
 *
 *	+1 415 555 9911    +44 (20) 7946 0958    -12.5    -1,234.50
 *
 * A spreadsheet that takes such a cell for a formula finds at most a
 * number in it (or a syntax error): no letter, so no function and no cell
 * reference; no quote, ':', '!' or '|', so no string, range, sheet or DDE
 * link; and no second sign or other operator (* / ^ & % = < >), so
 * nothing is computed.  Anything else still gets the guard, numbers with
 * arithmetic included: -2+3 and +1-415-555-9911 (which a spreadsheet
 * computes as -10930) would not come back as they were written, and an
 * exponent (-1e5) has a letter.  Within parentheses only digits: "(415)",
 * not "()", "( 415)", "(1)(" or "((1))".
 */
static bool number_only(const char *s, size_t n)
{
	bool digit = false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (lg_ascii_is_digit((unsigned char)c)) {
			digit = true;
		} else if (c == '(') {
			size_t j = i + 1;
			while (j < n && lg_ascii_is_digit((unsigned char)s[j]))
				j++;
			if (j == i + 1 || j == n || s[j] != ')')
				return false;
			digit = true;
			i = j;
		} else if (c != ' ' && c != '.' && c != ',') {
			return false;
		}
	}
	return digit;
}

/* io_formula_guarded, inline for the cells of every row. */
static inline bool guarded(enum io_guard mode, const char *s, size_t n)
{
	if (!n || mode == IO_GUARD_OFF || !formula_start(s[0]))
		return false;
	if (mode == IO_GUARD_ALL || (s[0] != '+' && s[0] != '-'))
		return true;
	return !number_only(s, n);
}

bool io_formula_guarded(enum io_guard mode, const char *s, size_t n)
{
	return guarded(mode, s, n);
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
	bool guard = guarded(w->o.guard, s, n);
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

/*
 * The length of the well-formed UTF-8 sequence that starts s[0..n), or 0
 * when none does.  Well-formed is RFC 3629's (Unicode's table 3-7): no
 * overlong forms, no surrogates, nothing past U+10FFFF, which is what
 * jansson accepts and libunistring's u8_mbtoucr decodes (it returns -1 for
 * an invalid sequence, -2 for one cut short).
 */
static inline size_t utf8_len(const unsigned char *s, size_t n)
{
	ucs4_t uc;
	int k = u8_mbtoucr(&uc, s, n);
	return k > 0 ? (size_t)k : 0;
}

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/*
 * Does any of the eight bytes in x need more than copying into a JSON
 * string: one below 0x20, '"', '\\', or one of 0x80 and above?  The
 * usual bit tricks: (v - 0x01...) & ~v has a byte's top bit set where v's
 * byte was zero (or, after a borrow, above such a byte), and likewise
 * with 0x20... for a byte below 0x20.  A word with no such byte borrows
 * nowhere, so the answer is exact both ways.
 */
static inline bool json_word_special(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	uint64_t hit = x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b);
	return (hit & ones * 0x80) != 0;
}

/*
 * Write s[0..n) at o as a JSON string, quotes included; o has room for
 * 6n + 2 bytes.  Returns the end.  Any bytes make valid JSON: a byte that
 * does not start a well-formed UTF-8 sequence is written as U+FFFD (and
 * counted in w->repaired), one U+FFFD a byte.  RFC 8259 section 7 escapes
 * the quote, the backslash and U+0000 to U+001F: the five that have a
 * short form get it, the others \u00XX with upper-case hex.  Nothing else
 * is escaped (not /, DEL, U+2028 or U+2029, which JSON allows as they are).
 */
static char *json_str(struct io_writer *w, char *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	*o++ = '"';
	while (i < n) {
		if (i + 8 <= n) {
			uint64_t x;
			memcpy(&x, u + i, 8);
			if (!json_word_special(x)) {
				memcpy(o, &x, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		if (n >= 8 && n - i < 8) {
			/* The last bytes: when none of the last eight needs a
			 * look, the ones before i among them were copied as they
			 * are, so copying all eight again ends the string. */
			uint64_t x;
			memcpy(&x, u + n - 8, 8);
			if (!json_word_special(x)) {
				memcpy(o - (8 - (n - i)), &x, 8);
				o += n - i;
				break;
			}
		}
		unsigned char c = u[i];
		if (!w->jclass[c]) {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_len(u + i, n - i);
			if (k) {
				memcpy(o, u + i, k);
				o += k;
				i += k;
			} else {
				memcpy(o, REPLACEMENT, 3);
				o += 3;
				w->repaired++;
				i++;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
		i++;
	}
	*o++ = '"';
	return o;
}

/* Append s[0..n) to b with every byte that does not start a well-formed
 * UTF-8 sequence replaced by U+FFFD; returns the number replaced. */
static unsigned long utf8_repair(struct lg_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long repaired = 0;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(u + i, n - i);
		if (k) {
			lg_buf_add(b, s + i, k);
			i += k;
		} else {
			lg_buf_add(b, REPLACEMENT, 3);
			repaired++;
			i++;
		}
	}
	return repaired;
}

/*
 * A NUMBER cell as JSON, at o (room for 32 bytes): the number strtod reads
 * in the whole cell, written as jansson writes a real with
 * JSON_REAL_PRECISION(15), which is how these cells were written before:
 * %.15g, then ".0" when that has neither a '.' nor an 'e' (so that it
 * reads back as a real), and the exponent without '+' or leading zeros
 * (1e20, 1e-7).  null for a cell that is empty, not a number, or not a
 * finite one (JSON has no NaN or infinity).
 */
static char *json_number(char *o, const char *s, size_t n)
{
	char num[64], *end, tmp[40];
	if (n && n < sizeof(num)) {
		memcpy(num, s, n);
		num[n] = '\0';
		double v = strtod(num, &end);
		if (!*end && isfinite(v)) {
			int len = snprintf(tmp, sizeof(tmp), "%.15g", v);
			const char *e = memchr(tmp, 'e', (size_t)len);
			if (!e) {
				memcpy(o, tmp, (size_t)len);
				o += len;
				if (!memchr(tmp, '.', (size_t)len)) {
					memcpy(o, ".0", 2);
					o += 2;
				}
				return o;
			}
			memcpy(o, tmp, (size_t)(e + 1 - tmp)); /* the mantissa and the e */
			o += e + 1 - tmp;
			e++;
			if (*e == '-')
				*o++ = *e++;
			else if (*e == '+')
				e++;
			while (*e == '0' && e[1])
				e++;
			size_t rest = strlen(e);
			memcpy(o, e, rest);
			return o + rest;
		}
	}
	memcpy(o, "null", 4);
	return o + 4;
}

/* One cell as a JSON value at o, which has room for 9n + 32 bytes. */
static char *json_cell(struct io_writer *w, char *o, enum io_kind kind, const char *s, size_t n)
{
	switch (kind) {
	case IO_KIND_NUMBER: return json_number(o, s, n);
	case IO_KIND_OPTIONAL:
		if (!n) {
			memcpy(o, "null", 4);
			return o + 4;
		}
		return json_str(w, o, s, n);
	case IO_KIND_LIST: {
		/* ";"-separated: an array of the pieces, empty ones left out. */
		const char *p = s, *end = s + n;
		bool first = true;
		*o++ = '[';
		while (p < end) {
			const char *semi = memchr(p, ';', (size_t)(end - p));
			const char *e = semi ? semi : end;
			if (e > p) {
				if (!first)
					*o++ = ',';
				first = false;
				o = json_str(w, o, p, (size_t)(e - p));
			}
			p = e + 1;
		}
		*o++ = ']';
		return o;
	}
	case IO_KIND_TEXT: break;
	}
	return json_str(w, o, s, n);
}

/* A key is copied as KEY_COPY bytes when it is no longer: a copy of a
 * size known when compiling is a few moves, not a call.  The keys and the
 * row's room have that much to spare. */
#define KEY_COPY 32

static inline char *put_key(const struct io_writer *w, char *o, size_t i)
{
	const char *k = w->keys.data + (i ? w->key_end[i - 1] : 0);
	size_t n = w->key_end[i] - (i ? w->key_end[i - 1] : 0);
	if (n <= KEY_COPY)
		memcpy(o, k, KEY_COPY);
	else
		memcpy(o, k, n);
	return o + n;
}

/* One JSON Lines record: the columns' keys and cells, then the extra
 * cells as an array, then the line end. */
static void json_record(struct io_writer *w, const struct io_cell *cells,
			const struct io_cell *extra, size_t nextra)
{
	size_t bound = w->keys.len + KEY_COPY + 8;
	for (size_t i = 0; i < w->ncols; i++)
		bound += 9 * cells[i].len + 40;
	for (size_t i = 0; i < nextra; i++)
		bound += 6 * extra[i].len + 3;
	reserve(w, bound);
	char *o = w->buf + w->len;
	if (!w->ncols && !nextra)
		*o++ = '{';
	for (size_t i = 0; i < w->ncols; i++) {
		o = put_key(w, o, i);
		o = json_cell(w, o, w->cols[i].kind, cells[i].s, cells[i].len);
	}
	if (nextra) {
		o = put_key(w, o, w->ncols);
		for (size_t i = 0; i < nextra; i++) {
			if (i)
				*o++ = ',';
			o = json_str(w, o, extra[i].s, extra[i].len);
		}
		*o++ = ']';
	}
	*o++ = '}';
	*o++ = '\n';
	w->len = (size_t)(o - w->buf);
}

/* Append key i to w->keys: the '{' or ',' before it, "key":, and for the
 * extra cells' key (i == ncols) the '[' after it. */
static void add_key(struct io_writer *w, size_t i, const char *key, size_t len)
{
	lg_buf_grow(&w->keys, 6 * len + 4 + KEY_COPY);
	char *o = w->keys.data + w->keys.len;
	*o++ = i ? ',' : '{';
	o = json_str(w, o, key, len);
	*o++ = ':';
	if (i == w->ncols)
		*o++ = '[';
	w->keys.len = (size_t)(o - w->keys.data);
	w->key_end[i] = w->keys.len;
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
	for (unsigned c = 0; c < 256; c++)
		w->jclass[c] = c < 0x20 || c == '"' || c == '\\' ? 1 : c >= 0x80 ? 2 : 0;
	struct lg_map taken;
	struct lg_buf name = LG_BUF_INIT;
	lg_map_init(&taken, sizeof(struct key_use));
	if (opts->format == IO_FORMAT_JSONL)
		w->key_end = lg_xcalloc(ncols + 1, sizeof(*w->key_end));
	for (size_t i = 0; i < ncols; i++) {
		size_t len = cols[i].len;
		char *copy;
		if (opts->format == IO_FORMAT_JSONL) {
			/* Repaired before being made unique, so that two names
			 * the repair makes equal still get two keys. */
			lg_buf_reset(&name);
			w->repaired += utf8_repair(&name, cols[i].name, len);
			len = name.len;
			copy = unique_key(w, &taken, name.data ? name.data : "", &len);
			add_key(w, i, copy, len);
		} else {
			copy = lg_xmemdup(cols[i].name, len);
		}
		w->cols[i] = (struct io_col){copy, len, cols[i].kind};
	}
	/* The key for cells past the header must not replace a column. */
	size_t extra_len = 6;
	w->extra_key = unique_key(w, &taken, "_extra", &extra_len);
	if (opts->format == IO_FORMAT_JSONL) {
		add_key(w, ncols, w->extra_key, extra_len);
		memset(w->keys.data + w->keys.len, 0,
		       KEY_COPY); /* what put_key copies past the last */
	}
	lg_map_release(&taken);
	lg_buf_release(&name);
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

struct io_writer *io_writer_new_mem(struct lg_buf *out, const struct io_writer_opts *opts,
				    const struct io_col *cols, size_t ncols)
{
	struct io_writer *w = io_writer_new(-1, opts, cols, ncols);
	w->mem = out;
	flush(w); /* the CSV header, already in the buffer */
	return w;
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

	json_record(w, cells, extra, nextra);
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
	free(w->key_end);
	lg_buf_release(&w->keys);
	free(w->buf);
	free(w);
}
