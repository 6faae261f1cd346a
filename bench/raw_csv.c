/*
 * raw_csv.c - the benchmark's "raw limit": the read + parse + write floor
 * that leadgate's time is compared against.
 *
 *     raw_csv INPUT OUTPUT
 *
 * Parses INPUT with libcsv (1 MiB read(2) calls) and writes every record
 * back out as CSV (a field is quoted when it holds , " CR or LF; quotes
 * doubled; CRLF line ends) through a 1 MiB buffer with write(2), with 7
 * constant columns appended to each record, as leadgate appends its
 * verdict columns.  No address is looked at.  Prints the record count
 * (header included) and the seconds taken to stderr.
 *
 * Leading and trailing blanks of unquoted fields are kept (libcsv trims
 * them by default), so the copy is faithful.
 *
 * Build: gcc -O2 -std=c17 -Wall -Wextra -o raw_csv raw_csv.c -lcsv
 */
#define _POSIX_C_SOURCE 200809L

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IO_SIZE (1u << 20)

/* The 7 columns appended to every record, header first. */
static const char EXTRA_HEADER[] = ",verify_status,verify_reason,verify_flags,verify_normalized,"
				   "verify_suggestion,verify_mx,verified_at\r\n";
static const char EXTRA_ROW[] = ",unknown,dns.skipped,,x@y.z,,,\r\n";

struct out {
	int fd;
	const char *path;
	size_t len;
	unsigned char buf[IO_SIZE];
};

struct state {
	struct out *out;
	size_t rows;   /* records written */
	size_t fields; /* fields in the current record */
};

static void die(const char *what, const char *path)
{
	fprintf(stderr, "raw_csv: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void write_all(struct out *o, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write", o->path);
		}
		p += (size_t)w;
		n -= (size_t)w;
	}
}

static void flush(struct out *o)
{
	write_all(o, o->buf, o->len);
	o->len = 0;
}

static void put(struct out *o, const void *p, size_t n)
{
	if (n > sizeof o->buf - o->len) {
		flush(o);
		if (n > sizeof o->buf) {
			write_all(o, p, n);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_byte(struct out *o, unsigned char c)
{
	if (o->len == sizeof o->buf)
		flush(o);
	o->buf[o->len++] = c;
}

static int needs_quotes(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == ',' || c == '"' || c == '\r' || c == '\n')
			return 1;
	}
	return 0;
}

static void on_field(void *s, size_t len, void *data)
{
	struct state *st = data;
	struct out *o = st->out;
	const unsigned char *p = s;

	if (st->fields++ > 0)
		put_byte(o, ',');
	if (len == 0)
		return;
	if (!needs_quotes(p, len)) {
		put(o, p, len);
		return;
	}
	put_byte(o, '"');
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '"') {
			put(o, p + start, i + 1 - start); /* up to and incl. the quote */
			put_byte(o, '"');
			start = i + 1;
		}
	}
	put(o, p + start, len - start);
	put_byte(o, '"');
}

static void on_row(int c, void *data)
{
	struct state *st = data;
	(void)c;
	if (st->rows == 0)
		put(st->out, EXTRA_HEADER, sizeof EXTRA_HEADER - 1);
	else
		put(st->out, EXTRA_ROW, sizeof EXTRA_ROW - 1);
	st->rows++;
	st->fields = 0;
}

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: raw_csv INPUT OUTPUT\n");
		return 2;
	}
	double t0 = now();

	int in = open(argv[1], O_RDONLY);
	if (in < 0)
		die("cannot open", argv[1]);
	static struct out o;
	o.path = argv[2];
	o.fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o.fd < 0)
		die("cannot create", argv[2]);

	struct csv_parser p;
	if (csv_init(&p, 0) != 0) {
		fprintf(stderr, "raw_csv: csv_init failed\n");
		return 1;
	}
	csv_set_delim(&p, CSV_COMMA);
	csv_set_space_func(&p, no_space);

	struct state st = {.out = &o};
	static unsigned char ibuf[IO_SIZE];
	for (;;) {
		ssize_t n = read(in, ibuf, sizeof ibuf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read", argv[1]);
		}
		if (n == 0)
			break;
		if (csv_parse(&p, ibuf, (size_t)n, on_field, on_row, &st) != (size_t)n) {
			fprintf(stderr, "raw_csv: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
			return 1;
		}
	}
	if (csv_fini(&p, on_field, on_row, &st) != 0) {
		fprintf(stderr, "raw_csv: %s: %s\n", argv[1], csv_strerror(csv_error(&p)));
		return 1;
	}
	csv_free(&p);
	flush(&o);
	if (close(o.fd) != 0)
		die("close", argv[2]);
	close(in);

	double secs = now() - t0;
	fprintf(stderr, "raw_csv: %zu rows (header included) in %.3f s, %.0f rows/s\n", st.rows,
		secs, secs > 0 ? (double)st.rows / secs : 0.0);
	return 0;
}
