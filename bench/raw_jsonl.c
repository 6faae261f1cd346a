/*
 * raw_jsonl.c - the raw limit for a JSON Lines input: the read + parse +
 * write floor that `leadgate verify` of a JSON Lines list is compared
 * against, as raw_csv.c is for CSV.
 *
 *     raw_jsonl INPUT OUTPUT
 *
 * Reads INPUT with 1 MiB read(2) calls, parses each line with jansson's
 * json_loadb (as io/jsonl.c does), and writes each object's values back
 * as a CSV record (string values as they are, quoted when they hold , "
 * CR or LF; other values left empty) through a 1 MiB buffer, with 7
 * constant columns appended, as leadgate appends its verdict columns.
 * No address is looked at, no header kept.  Prints the line count and the
 * seconds taken to stderr.
 *
 * Build: gcc -O2 -std=c17 -Wall -Wextra -o raw_jsonl raw_jsonl.c -ljansson
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IO_SIZE (1u << 20)

static const char EXTRA_ROW[] = ",unknown,dns.skipped,,x@y.z,,,\r\n";

static unsigned char obuf[IO_SIZE];
static size_t olen;
static int ofd;

static void die(const char *what, const char *path)
{
	fprintf(stderr, "raw_jsonl: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void flush(void)
{
	for (size_t done = 0; done < olen;) {
		ssize_t w = write(ofd, obuf + done, olen - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write", "output");
		done += (size_t)w;
	}
	olen = 0;
}

static void put(const void *p, size_t n)
{
	if (n > sizeof obuf - olen)
		flush();
	if (n > sizeof obuf) { /* cannot happen: lines are capped below */
		errno = EFBIG;
		die("write", "output");
	}
	memcpy(obuf + olen, p, n);
	olen += n;
}

static void field(const char *s, size_t n)
{
	if (!strpbrk(s, ",\"\r\n")) {
		put(s, n);
		return;
	}
	put("\"", 1);
	for (size_t i = 0; i < n; i++) {
		put(s + i, 1);
		if (s[i] == '"')
			put("\"", 1);
	}
	put("\"", 1);
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
		fprintf(stderr, "usage: raw_jsonl INPUT OUTPUT\n");
		return 2;
	}
	double t0 = now();
	int in = open(argv[1], O_RDONLY);
	if (in < 0)
		die("open", argv[1]);
	ofd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (ofd < 0)
		die("create", argv[2]);
	size_t cap = 4 * IO_SIZE, len = 0, lines = 0;
	char *buf = malloc(cap);
	if (!buf)
		die("malloc", "buffer");
	for (;;) {
		ssize_t n = read(in, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read", argv[1]);
		len += (size_t)n;
		size_t pos = 0;
		for (;;) {
			char *lf = memchr(buf + pos, '\n', len - pos);
			if (!lf && n > 0)
				break;
			size_t end = lf ? (size_t)(lf - buf) : len;
			if (end > pos) {
				json_error_t e;
				json_t *o = json_loadb(buf + pos, end - pos, 0, &e);
				const char *key;
				json_t *v;
				size_t k = 0;
				json_object_foreach(o, key, v)
				{
					if (k++)
						put(",", 1);
					if (json_is_string(v))
						field(json_string_value(v), json_string_length(v));
				}
				put(EXTRA_ROW, sizeof EXTRA_ROW - 1);
				json_decref(o);
				lines++;
			}
			pos = lf ? end + 1 : len;
			if (!lf)
				break;
		}
		memmove(buf, buf + pos, len - pos);
		len -= pos;
		if (n == 0)
			break;
		if (len == cap) {
			errno = EFBIG;
			die("read (a line over 4 MiB)", argv[1]);
		}
	}
	flush();
	close(ofd);
	close(in);
	free(buf);
	fprintf(stderr, "%zu lines, %.3f s\n", lines, now() - t0);
	return 0;
}
