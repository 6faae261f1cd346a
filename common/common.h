/*
 * common.h - what every leadgate module shares: the status enum, the
 * caller-owned error buffer, allocation that aborts on exhaustion, a
 * growable byte buffer, an arena and a string-keyed hash map.
 *
 * Ownership rule, stated once: a function that returns a pointer says in
 * its comment whether it is owned (the caller frees it, with the named
 * function), borrowed (valid until the named event) or taken (the callee
 * now owns an argument).
 *
 * Lifecycle verbs, one convention for every module:
 *   S_init(s) / S_release(s)   a struct the caller owns (often on the
 *                              stack); release frees what it holds
 *   S_new(...) / S_free(s)     an object the module allocates; a _new that
 *                              can fail returns an lg_status and the
 *                              object through an out parameter; _free
 *                              takes NULL
 *   S_open(...) / S_close(s)   a connection to something outside: a
 *                              database, a file being written, a job
 *                              (jobs/) over its input and the store
 *   S_start / S_step / S_finish  the phases of a run (a job, the store's
 *                              writer, a progress bar); S_begin /
 *                              S_commit / S_rollback a transaction
 *   S_reset(s)                 emptied for reuse, memory kept
 */
#ifndef LG_COMMON_H
#define LG_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The headers that declare what banned.h bans come first (banned.h says
 * why), so that every module includes them through this file. */
#include <ctype.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "banned.h"

/*
 * Statuses.  A status says whether leadgate could do what it was asked,
 * never what it found: a bad address is a verdict (data), not an error.
 * The numbers are stable; new ones are appended.
 */
enum lg_status {
	LG_OK = 0,
	LG_EUSAGE = 1,   /* bad command line */
	LG_EDATA = 2,    /* input is not a contact list */
	LG_ENOINPUT = 3, /* input missing or unreadable */
	LG_EIO = 4,      /* reading or writing failed */
	LG_ETEMP = 5,    /* temporary failure, try again later */
	LG_ECONFIG = 6,  /* bad configuration */
};

/* Short lower-case description of a status; static storage. */
const char *lg_strerror(enum lg_status st);

/* The process exit code for a status (sysexits.h numbers, 0 for LG_OK). */
int lg_exit_code(enum lg_status st);

/* The caller-owned detail of an error: what went wrong and where. */
struct lg_err {
	char msg[512];
};

/* Format a message into err (if non-NULL) and return st. */
enum lg_status lg_err_set(struct lg_err *err, enum lg_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A broken invariant: a state the program's own logic rules out, never bad
 * input (that is an error or a verdict).  BUG(fmt, ...) prints "leadgate:
 * BUG: file:line: message" on stderr and aborts; the message names the
 * invariant that broke ("a row waits for a lookup nobody runs").
 */
#define BUG(...) lg_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void lg_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Allocation: these never return NULL; they abort on exhaustion. */
void *lg_xmalloc(size_t n);
void *lg_xcalloc(size_t nmemb, size_t size);
void *lg_xrealloc(void *p, size_t n);
/* A hint that the n bytes at p (a large array, filled soon) are best
 * backed by huge pages: one page fault per 2 MiB instead of 512.  Only
 * the whole 2 MiB ranges inside are advised; nothing for a small one. */
void lg_advise_huge(void *p, size_t n);
char *lg_xstrdup(const char *s);
char *lg_xmemdup(const void *p, size_t n); /* NUL-terminated copy */
/* What they do on exhaustion, for memory a library allocates: "leadgate:
 * out of memory allocating n bytes" (n = 0: size unknown) and abort.
 * Running out is no bug, so this is not BUG(). */
_Noreturn void lg_die_oom(size_t n);

/* ASCII-only helpers: safe on untrusted bytes, independent of the locale. */
static inline unsigned char lg_ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
static inline bool lg_ascii_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static inline bool lg_ascii_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
/* s[0..n) as a number when it is 1 to 18 decimal digits and nothing
 * else (18 digits always fit in an int64_t): a Unix time in seconds or
 * milliseconds as exports and webhooks write it. */
static inline bool lg_ascii_digits(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!lg_ascii_is_digit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}
static inline bool lg_ascii_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
/* Copy n bytes from src to dst lower-casing ASCII letters; dst may be src. */
static inline void lg_ascii_lower_copy(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)lg_ascii_lower((unsigned char)src[i]);
}
/* Case-insensitive (ASCII) equality of two byte strings. */
bool lg_ascii_eq(const char *a, size_t alen, const char *b, size_t blen);
/* Parse all of s as a decimal number in [lo, hi]; false (and *out
 * untouched) for anything else: empty, trailing text, out of range. */
bool lg_parse_long(const char *s, long lo, long hi, long *out);
/* Trim ASCII white space from both ends of [*s, *s + *len). */
void lg_ascii_trim(const char **s, size_t *len);

/*
 * A growable byte buffer.  data is always NUL-terminated when cap > 0.
 * Zero-initialise (or LG_BUF_INIT) before use; release with lg_buf_release.
 */
struct lg_buf {
	char *data;
	size_t len;
	size_t cap;
};
#define LG_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void lg_buf_grow(struct lg_buf *b, size_t extra);
/* Append bytes / one byte; inline because rows call them for every cell. */
static inline void lg_buf_add(struct lg_buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		lg_buf_grow(b, n);
	if (n)
		__builtin_memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}
static inline void lg_buf_addc(struct lg_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		lg_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}
void lg_buf_adds(struct lg_buf *b, const char *s);
void lg_buf_addf(struct lg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void lg_buf_reset(struct lg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}
void lg_buf_release(struct lg_buf *b);

/* Read the whole file at path into out (reset first; NUL-terminated).
 * LG_ENOINPUT: missing or a directory; LG_EIO: unreadable; LG_EDATA:
 * larger than max bytes.  The message names the file. */
enum lg_status lg_read_file(const char *path, size_t max, struct lg_buf *out, struct lg_err *err);

/*
 * An arena: many small allocations freed together.  Memory handed out is
 * borrowed from the arena and valid until lg_arena_release.
 */
struct lg_arena {
	struct lg_arena_chunk *head;
	size_t used;  /* bytes used in head */
	size_t total; /* bytes in all chunks, for reporting */
};
void *lg_arena_alloc(struct lg_arena *a, size_t n, size_t align);
char *lg_arena_memdup(struct lg_arena *a, const void *p, size_t n); /* NUL-terminated */
void lg_arena_release(struct lg_arena *a);

/* A fast non-cryptographic 64-bit hash of a byte string. */
uint64_t lg_hash(const void *p, size_t len);

/*
 * A hash map from byte strings to fixed-size values, open addressing.
 * Keys and values live in the map's arena: the pointers it returns are
 * borrowed from the map and stay valid until lg_map_release (they do not
 * move when the table grows).  Values start zeroed.
 */
struct lg_map_slot;
struct lg_map {
	struct lg_map_slot *slots;
	size_t mask; /* slot count - 1; 0 before the first insert */
	size_t count;
	size_t val_size; /* rounded up to 8 */
	struct lg_arena arena;
};
void lg_map_init(struct lg_map *m, size_t val_size);
void lg_map_release(struct lg_map *m);
/* The value stored under key, or NULL.  hash is always lg_hash(key, len)
 * (growing rehashes the keys); a key is any bytes, NUL included. */
void *lg_map_get(const struct lg_map *m, const char *key, size_t len, uint64_t hash);
/* The value under key, inserted (zeroed) if absent; *created says which. */
void *lg_map_put(struct lg_map *m, const char *key, size_t len, uint64_t hash, bool *created);
/* A hint that key (its hash) is looked up soon: its first slot asked of
 * memory; with record, the record that slot holds (call it once the slot
 * is in cache, a few lookups after the first call).  Reads only. */
void lg_map_prefetch(const struct lg_map *m, uint64_t hash, bool record);
/* The key of a value returned by this map, NUL-terminated after its
 * *len bytes; borrowed. */
const char *lg_map_key(const struct lg_map *m, const void *val, size_t *len);
/* Bytes the map holds (slots and arena), for the memory figures. */
size_t lg_map_bytes(const struct lg_map *m);

/*
 * A compiled regular expression (PCRE2; only common/regex.c sees
 * <pcre2.h>).  Compiled once, with the JIT when the platform has one.  It
 * holds its own match data, so lg_regex_match writes into it: one regex
 * per thread, or a lock around it.
 */
#define LG_REGEX_CASELESS 1u /* ignore case (Unicode case folding with LG_REGEX_UTF) */
#define LG_REGEX_UTF                                                                               \
	2u /* pattern and subject are UTF-8; \w, \b and classes
			      * use Unicode properties; an invalid sequence in the
			      * subject never matches and splits it: the parts
			      * still match, but ^ and look-arounds do not see
			      * across it */
struct lg_regex;
/* Compile pattern (NUL-terminated; copied, so it may go away) into *out
 * (owned: lg_regex_free).  LG_ECONFIG for a bad pattern, the message
 * giving PCRE2's reason and the offset in the pattern. */
enum lg_status lg_regex_new(struct lg_regex **out, const char *pattern, unsigned flags,
			    struct lg_err *err);
/*
 * Match [s, s + n) (no NUL needed).  Returns the number of pairs set (1
 * for the whole match plus the groups up to the last one that took part),
 * 0 for no match, < 0 when the match failed (a resource limit).  ovec,
 * when non-NULL, receives up to novec pairs of byte offsets into s
 * (start, end); a group that took no part is (SIZE_MAX, SIZE_MAX).
 */
int lg_regex_match(struct lg_regex *re, const char *s, size_t n, size_t *ovec, size_t novec);
void lg_regex_free(struct lg_regex *re); /* NULL is fine */

/* Monotonic clock in seconds, for elapsed times and rates. */
double lg_now_mono(void);

/*
 * Wall-clock time as Unix seconds.  Commands that depend on the clock take
 * `now` as an argument (the global --now), so runs and tests are
 * reproducible; lg_now_wall() is the default.
 */
int64_t lg_now_wall(void);
/* Parse an RFC 3339 date-time ("2026-11-22T09:30:00Z", "...+01:00",
 * fractions dropped) or a full date ("2026-11-22", midnight UTC). */
bool lg_time_parse(const char *s, size_t len, int64_t *out);
/*
 * A time as exports write it: what lg_time_parse takes, or Unix time in
 * digits alone: 9 to 12 digits are seconds (from 1973 on), 13 to 16
 * milliseconds (JavaScript's clock).  Fewer digits are no time anyone
 * exports ("20261120" is not a day in 1970).  Surrounding ASCII blanks
 * are ignored; an empty cell is not a time.
 */
bool lg_time_parse_cell(const char *s, size_t len, int64_t *out);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL); the length. */
size_t lg_time_format(int64_t t, char *buf, size_t cap);
#define LG_TIME_LEN 21
/* A duration: a whole number and a unit, s m h d w ("30d"); seconds. */
bool lg_parse_duration(const char *s, int64_t *out);

#endif
