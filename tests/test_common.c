/* test_common.c - buffer, arena, hash map, ASCII helpers, statuses. */
#include "common/common.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static void test_buf(void **state)
{
	(void)state;
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_adds(&b, "abc");
	lg_buf_addc(&b, '-');
	lg_buf_addf(&b, "%d/%s", 42, "x");
	assert_string_equal(b.data, "abc-42/x");
	assert_int_equal(b.len, 8);
	for (int i = 0; i < 10000; i++)
		lg_buf_addc(&b, 'z');
	assert_int_equal(b.len, 10008);
	assert_int_equal(b.data[b.len], '\0');
	lg_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	lg_buf_release(&b);
	assert_null(b.data);
}

static void test_map(void **state)
{
	(void)state;
	struct lg_map m;
	char key[32];
	lg_map_init(&m, sizeof(long));
	for (long i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "k%ld@x.io", i);
		bool created;
		long *v = lg_map_put(&m, key, (size_t)n, lg_hash(key, (size_t)n), &created);
		assert_true(created);
		assert_int_equal(*v, 0); /* zeroed */
		*v = i;
	}
	assert_int_equal(m.count, 100000);
	for (long i = 0; i < 100000; i += 7) {
		int n = snprintf(key, sizeof(key), "k%ld@x.io", i);
		long *v = lg_map_get(&m, key, (size_t)n, lg_hash(key, (size_t)n));
		assert_non_null(v);
		assert_int_equal(*v, i);
		size_t kl;
		assert_string_equal(lg_map_key(&m, v, &kl), key);
		assert_int_equal(kl, (size_t)n);
		bool created = true;
		assert_ptr_equal(lg_map_put(&m, key, (size_t)n, lg_hash(key, (size_t)n), &created),
				 v);
		assert_false(created);
	}
	assert_null(lg_map_get(&m, "absent", 6, lg_hash("absent", 6)));
	/* A key that is a prefix of another is a different key. */
	assert_null(lg_map_get(&m, "k1@x.i", 6, lg_hash("k1@x.i", 6)));
	assert_true(lg_map_bytes(&m) > 100000 * 16);
	lg_map_release(&m);
}

/* A key is any bytes: a raw cell's duplicate key may hold a NUL.  Such
 * keys keep their identity when the map grows, and a lookup compares a
 * stored key only up to its own length, even when the 16-bit tags agree
 * (here forced by passing one hash for two keys); the long stored key
 * sits alone at the end of its arena chunk, where reading past it is an
 * overflow that the sanitizers catch. */
static void test_map_any_bytes(void **state)
{
	(void)state;
	struct lg_map m;
	lg_map_init(&m, sizeof(int));
	static const char nul_key[] = "a\0b";
	*(int *)lg_map_put(&m, nul_key, 3, lg_hash(nul_key, 3), NULL) = 7;
	assert_null(lg_map_get(&m, "a", 1, lg_hash("a", 1)));
	char key[32];
	for (int i = 0; i < 1000; i++) { /* several growths */
		int n = snprintf(key, sizeof(key), "k%d", i);
		lg_map_put(&m, key, (size_t)n, lg_hash(key, (size_t)n), NULL);
	}
	int *v = lg_map_get(&m, nul_key, 3, lg_hash(nul_key, 3));
	assert_non_null(v);
	assert_int_equal(*v, 7);
	size_t kl;
	const char *k = lg_map_key(&m, v, &kl);
	assert_int_equal(kl, 3);
	assert_memory_equal(k, nul_key, 3);

	size_t big = 300 * 1024;
	char *s = malloc(big + 64);
	assert_non_null(s);
	memset(s, 'x', big + 64);
	s[big] = '\0';
	uint64_t h = lg_hash(s, big);
	lg_map_put(&m, s, big, h, NULL);
	bool created;
	lg_map_put(&m, s, big + 64, h, &created); /* same hash, longer key */
	assert_true(created);
	assert_int_equal(m.count, 1003);
	free(s);
	lg_map_release(&m);
}

static void test_hash(void **state)
{
	(void)state;
	assert_int_equal(lg_hash("abc", 3), lg_hash("abc", 3));
	assert_int_not_equal(lg_hash("abc", 3), lg_hash("abd", 3));
	assert_int_not_equal(lg_hash("", 0), lg_hash("\0", 1));
	assert_int_not_equal(lg_hash("12345678a", 9), lg_hash("12345678b", 9));
}

static void test_ascii(void **state)
{
	(void)state;
	const char *s = " \t\r\n x y \v\f";
	size_t n = strlen(s);
	lg_ascii_trim(&s, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "x y", 3);
	assert_true(lg_ascii_eq("E-Mail", 6, "e-mail", 6));
	assert_false(lg_ascii_eq("\xc3\x89", 2, "\xc3\xa9", 2)); /* no Unicode folding */
	assert_int_equal(lg_ascii_lower('Z'), 'z');
	assert_int_equal(lg_ascii_lower(0xC9), 0xC9);
}

static void test_arena(void **state)
{
	(void)state;
	struct lg_arena a = {0};
	char *first = lg_arena_memdup(&a, "hello", 5);
	for (int i = 0; i < 100000; i++) {
		long *p = lg_arena_alloc(&a, sizeof(long), 8);
		assert_int_equal((uintptr_t)p % 8, 0);
		*p = i;
	}
	void *big = lg_arena_alloc(&a, 1 << 20, 16); /* larger than a chunk */
	memset(big, 1, 1 << 20);
	assert_string_equal(first, "hello"); /* earlier memory never moves */
	lg_arena_release(&a);
	assert_null(a.head);
}

/* An arena past its first megabytes (where its chunks become huge
 * pages) hands out memory as before: aligned, never moved, each piece its
 * own; an allocation near a huge chunk's size too. */
static void test_arena_large(void **state)
{
	(void)state;
	struct lg_arena a = {0};
	enum { N = 200000 };
	uint64_t **p = malloc(N * sizeof(*p));
	assert_non_null(p);
	for (size_t i = 0; i < N; i++) {
		p[i] = lg_arena_alloc(&a, 96, 8); /* 19 MB in all */
		assert_int_equal((uintptr_t)p[i] % 8, 0);
		for (int k = 0; k < 12; k++)
			p[i][k] = i * 12 + (uint64_t)k;
	}
	void *big = lg_arena_alloc(&a, 2 * 1024 * 1024 - 64, 16);
	assert_int_equal((uintptr_t)big % 16, 0);
	memset(big, 0xff, 2 * 1024 * 1024 - 64);
	for (size_t i = 0; i < N; i++)
		for (int k = 0; k < 12; k++)
			assert_true(p[i][k] == i * 12 + (uint64_t)k);
	assert_true(a.total >= (size_t)N * 96);
	free(p);
	lg_arena_release(&a);
	assert_null(a.head);
}

/* A prefetch is a hint: on an empty map, for keys present or absent,
 * it changes nothing a lookup finds. */
static void test_map_prefetch(void **state)
{
	(void)state;
	struct lg_map m;
	lg_map_init(&m, sizeof(int));
	lg_map_prefetch(&m, lg_hash("x", 1), false);
	lg_map_prefetch(&m, lg_hash("x", 1), true);
	char key[16];
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		*(int *)lg_map_put(&m, key, (size_t)n, lg_hash(key, (size_t)n), NULL) = i;
	}
	for (int i = 0; i < 2000; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		uint64_t h = lg_hash(key, (size_t)n);
		lg_map_prefetch(&m, h, false);
		lg_map_prefetch(&m, h, true);
		const int *v = lg_map_get(&m, key, (size_t)n, h);
		if (i < 1000) {
			assert_non_null(v);
			assert_int_equal(*v, i);
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(m.count, 1000);
	lg_map_release(&m);
}

static void test_status(void **state)
{
	(void)state;
	assert_int_equal(lg_exit_code(LG_OK), 0);
	assert_int_equal(lg_exit_code(LG_EUSAGE), 64);
	assert_int_equal(lg_exit_code(LG_EDATA), 65);
	assert_int_equal(lg_exit_code(LG_ENOINPUT), 66);
	assert_int_equal(lg_exit_code(LG_EIO), 74);
	assert_int_equal(lg_exit_code(LG_ETEMP), 75);
	assert_int_equal(lg_exit_code(LG_ECONFIG), 78);
	struct lg_err e;
	assert_int_equal(lg_err_set(&e, LG_EDATA, "line %d", 7), LG_EDATA);
	assert_string_equal(e.msg, "line 7");
	assert_string_equal(lg_strerror(LG_EIO), "input/output error");
}

static void test_parse_long(void **state)
{
	(void)state;
	long v = -7;
	assert_true(lg_parse_long("65535", 1, 65535, &v));
	assert_int_equal(v, 65535);
	assert_true(lg_parse_long("-3", -5, 5, &v));
	assert_int_equal(v, -3);
	v = 42;
	assert_false(lg_parse_long("65536", 1, 65535, &v));
	assert_false(lg_parse_long("0", 1, 65535, &v));
	assert_false(lg_parse_long("", 1, 9, &v));
	assert_false(lg_parse_long("12x", 1, 99, &v));
	assert_false(lg_parse_long("99999999999999999999", 1, 9, &v));
	assert_int_equal(v, 42); /* untouched on failure */
}

/* lg_read_file: the whole file, or a status that says why not. */
/* Times as exports write them (lg_time_parse_cell). */
static void test_time_cell(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		int64_t t;
	} v[] = {
		{"2026-11-22T09:30:00Z", true, 1795339800},
		{"  2026-11-22  ", true, 1795305600}, /* a date: midnight UTC, blanks ignored */
		{"1795339800", true, 1795339800},     /* Unix seconds (10 digits) */
		{"123456789", true, 123456789},       /* 9 digits: 1973 */
		{"1795339800123", true, 1795339800},  /* milliseconds (13 digits) */
		{"1795339800123456", true, 1795339800123}, /* 16 digits: still milliseconds */
		{"20261120", false, 0},                    /* 8 digits: not a time */
		{"17953398001234567", false, 0},           /* 17 digits */
		{"", false, 0},
		{"   ", false, 0},
		{"yesterday", false, 0},
		{"-1795339800", false, 0},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		int64_t t = 0;
		bool ok = lg_time_parse_cell(v[i].s, strlen(v[i].s), &t);
		if (ok != v[i].ok || (ok && t != v[i].t))
			fail_msg("'%s': %s %lld, want %s %lld", v[i].s, ok ? "ok" : "refused",
				 (long long)t, v[i].ok ? "ok" : "refused", (long long)v[i].t);
	}
}

static void test_read_file(void **state)
{
	char dir[] = "/tmp/lg-read-XXXXXX", path[64];
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err e = {{0}};
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 100000; i++) /* more than one read */
		fputc('a' + i % 26, f);
	fclose(f);
	assert_int_equal(lg_read_file(path, 1 << 20, &b, &e), LG_OK);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[99999], 'a' + 99999 % 26);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(lg_read_file(path, 99999, &b, &e), LG_EDATA);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(lg_read_file(dir, 1 << 20, &b, &e), LG_ENOINPUT);
	unlink(path);
	assert_int_equal(lg_read_file(path, 1 << 20, &b, &e), LG_ENOINPUT);
	assert_non_null(strstr(e.msg, "No such file"));
	rmdir(dir);
	lg_buf_release(&b);
}

/* BUG() in a child whose stderr is a pipe: one line naming the file, the
 * line and the broken invariant, then SIGABRT. */
static void test_bug(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none); /* no core file for an expected abort */
		signal(SIGABRT, SIG_DFL);
		close(p[0]);
		dup2(p[1], 2);
		BUG("a test's invariant: %d is %s", 42, "broken");
	}
	close(p[1]);
	char out[512];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(out) - 1 && (r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGABRT);

	const char *head = "leadgate: BUG: " __FILE__ ":";
	const char *tail = ": a test's invariant: 42 is broken\n";
	assert_memory_equal(out, head, strlen(head));
	const char *d = out + strlen(head), *e = d;
	while (lg_ascii_is_digit((unsigned char)*e))
		e++;
	assert_true(e > d); /* the line number */
	assert_string_equal(e, tail);
}

/* 1 to 18 digits and nothing else; 18 fit in an int64_t. */
static void test_ascii_digits(void **state)
{
	int64_t v = -1;
	(void)state;
	assert_true(lg_ascii_digits("0", 1, &v));
	assert_int_equal(v, 0);
	assert_true(lg_ascii_digits("1764993600", 10, &v));
	assert_int_equal(v, 1764993600);
	assert_true(lg_ascii_digits("999999999999999999", 18, &v));
	assert_int_equal(v, 999999999999999999LL);
	v = 7;
	assert_false(lg_ascii_digits("1000000000000000000", 19, &v));
	assert_false(lg_ascii_digits("", 0, &v));
	assert_false(lg_ascii_digits("12a4", 4, &v));
	assert_false(lg_ascii_digits("-12", 3, &v));
	assert_false(lg_ascii_digits(" 12", 3, &v));
	assert_int_equal(v, 7);                      /* untouched when refused */
	assert_true(lg_ascii_digits("1234", 2, &v)); /* n bytes, no more */
	assert_int_equal(v, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),           cmocka_unit_test(test_map),
		cmocka_unit_test(test_map_any_bytes), cmocka_unit_test(test_hash),
		cmocka_unit_test(test_ascii),         cmocka_unit_test(test_ascii_digits),
		cmocka_unit_test(test_arena),         cmocka_unit_test(test_arena_large),
		cmocka_unit_test(test_map_prefetch),  cmocka_unit_test(test_status),
		cmocka_unit_test(test_parse_long),    cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_time_cell),     cmocka_unit_test(test_bug),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
