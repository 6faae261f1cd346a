/*
 * test_verify.c - the address verdict.
 *
 * Most cases are data: tests/vectors/addresses.tsv holds one address a
 * line with its expected status, reason, flags, normalized form and
 * suggestion (the file's header explains the escapes).  Every bug fix adds
 * a line there.  The C tests below cover what a single line cannot: list
 * state (duplicates, list-frequent typos), configuration, the code tables.
 */
#include "verify/verify_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct conf conf;
static struct verify_ctx *ctx;

static int setup(void **state)
{
	(void)state;
	conf_init(&conf);
	ctx = verify_ctx_new(&conf);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	verify_ctx_free(ctx);
	conf_release(&conf);
	return 0;
}

/* Decode the vector escapes \t \\ \xHH \u{H...} into b. */
static void unescape(const char *s, struct lg_buf *b)
{
	lg_buf_reset(b);
	while (*s) {
		if (s[0] == '\\' && s[1] == 't') {
			lg_buf_addc(b, '\t');
			s += 2;
		} else if (s[0] == '\\' && s[1] == '\\') {
			lg_buf_addc(b, '\\');
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = {s[2], s[3], 0};
			lg_buf_addc(b, (char)strtoul(hex, NULL, 16));
			s += 4;
		} else if (s[0] == '\\' && s[1] == 'u' && s[2] == '{') {
			char *end;
			unsigned long cp = strtoul(s + 3, &end, 16);
			assert_true(*end == '}');
			if (cp < 0x80) {
				lg_buf_addc(b, (char)cp);
			} else if (cp < 0x800) {
				lg_buf_addc(b, (char)(0xC0 | cp >> 6));
				lg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
			} else if (cp < 0x10000) {
				lg_buf_addc(b, (char)(0xE0 | cp >> 12));
				lg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
				lg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
			} else {
				lg_buf_addc(b, (char)(0xF0 | cp >> 18));
				lg_buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
				lg_buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
				lg_buf_addc(b, (char)(0x80 | (cp & 0x3F)));
			}
			s = end + 1;
		} else {
			lg_buf_addc(b, *s++);
		}
	}
	lg_buf_grow(b, 0);
}

static bool same(const char *want, const char *got, size_t gotlen)
{
	if (!strcmp(want, "-"))
		return gotlen == 0;
	return strlen(want) == gotlen && !memcmp(want, got, gotlen);
}

static void test_vectors(void **state)
{
	(void)state;
	FILE *f = fopen("tests/vectors/addresses.tsv", "r");
	assert_non_null(f);
	char line[8192];
	unsigned lineno = 0, n = 0, bad = 0;
	struct lg_buf in = LG_BUF_INIT, norm = LG_BUF_INIT, sugg = LG_BUF_INIT;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		char *field[6];
		char *p = line;
		int k;
		for (k = 0; k < 6 && p; k++) {
			field[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (k != 6 || p) {
			fprintf(stderr, "addresses.tsv:%u: want 6 tab-separated fields\n", lineno);
			bad++;
			continue;
		}
		n++;
		unescape(field[0], &in);
		unescape(field[4], &norm);
		unescape(field[5], &sugg);

		struct verify_result r;
		verify_address(ctx, in.data, in.len, &r);
		char flags[128];
		size_t fl = verify_flags_format(r.flags, flags, sizeof(flags));
		bool ok = !strcmp(field[1], verify_status_name(r.status)) &&
			  !strcmp(field[2], verify_reason_name(r.reason)) &&
			  same(field[3], flags, fl) &&
			  same(strcmp(field[4], "-") ? norm.data : "-", r.normalized, r.normalized_len) &&
			  same(strcmp(field[5], "-") ? sugg.data : "-", r.suggestion, r.suggestion_len);
		if (!ok) {
			bad++;
			fprintf(stderr,
				"addresses.tsv:%u: %s\n  want %s %s [%s] %s %s\n  got  %s %s [%s] %.*s %.*s\n",
				lineno, field[0], field[1], field[2], field[3], field[4], field[5],
				verify_status_name(r.status), verify_reason_name(r.reason), flags,
				(int)r.normalized_len, r.normalized, (int)r.suggestion_len, r.suggestion);
		}
	}
	fclose(f);
	lg_buf_release(&in);
	lg_buf_release(&norm);
	lg_buf_release(&sugg);
	fprintf(stderr, "%u address vectors, %u wrong\n", n, bad);
	assert_true(n >= 300);
	assert_int_equal(bad, 0);
}

static void row(struct verify_ctx *c, const char *s, struct verify_result *r)
{
	verify_list_row(c, s, strlen(s), r);
}

static void test_duplicates(void **state)
{
	(void)state;
	struct verify_ctx *c = verify_ctx_new(&conf);
	struct verify_result r;

	row(c, "Jane.Doe@Acme-Robotics.io", &r);
	assert_int_equal(r.flags & VERIFY_F_DUPLICATE, 0);
	row(c, "  jane.doe@ACME-ROBOTICS.IO ", &r); /* trimmed, case ignored */
	assert_true(r.flags & VERIFY_F_DUPLICATE);
	assert_string_equal(verify_reason_name(r.reason), "dns.skipped");
	assert_string_equal(r.normalized, "jane.doe@acme-robotics.io");

	/* A duplicate carries the first row's verdict, suggestion included. */
	row(c, "bob@gmail.co", &r);
	assert_true(r.flags & VERIFY_F_TYPO);
	row(c, "BOB@gmail.co", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);
	assert_true(r.flags & VERIFY_F_TYPO);
	assert_string_equal(r.suggestion, "bob@gmail.com");

	/* Invalid cells repeat too; empty cells are no address to repeat. */
	row(c, "john..doe@x.io", &r);
	row(c, "JOHN..DOE@X.IO", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);
	assert_int_equal(r.reason, VERIFY_R_LOCAL_DOT);
	row(c, "", &r);
	row(c, "  ", &r);
	assert_int_equal(r.flags & VERIFY_F_DUPLICATE, 0);
	assert_int_equal(r.reason, VERIFY_R_EMPTY);

	/* NFC: a decomposed é repeats a composed one. */
	row(c, "jos\xc3\xa9@acme-robotics.io", &r);
	row(c, "jose\xcc\x81@acme-robotics.io", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);

	/* One address in three spellings of its domain, and a Unicode case. */
	row(c, "a@b\xc3\xbc" "cher.de", &r);
	assert_int_equal(r.flags & VERIFY_F_DUPLICATE, 0);
	row(c, "a@B\xc3\x9c" "CHER.DE", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);
	row(c, "A@xn--bcher-kva.de", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);
	row(c, "\xc3\x84NNE@acme-robotics.io", &r);
	row(c, "\xc3\xa4nne@acme-robotics.io", &r);
	assert_true(r.flags & VERIFY_F_DUPLICATE);

	struct verify_stats st;
	verify_ctx_stats(c, &st);
	assert_int_equal(st.addresses, 6);
	/* acme-robotics.io, gmail.co, xn--bcher-kva.de: invalid local parts
	 * never reach the domain, and three spellings are one domain */
	assert_int_equal(st.domains, 3);
	verify_ctx_free(c);
}

static void test_list_frequent_typo(void **state)
{
	(void)state;
	struct verify_ctx *c = verify_ctx_new(&conf);
	struct verify_result r;
	char buf[64];

	/* Before the list has made it frequent, no suggestion. */
	row(c, "early@northwind-traders.com", &r);
	row(c, "x@northwnid-traders.com", &r);
	assert_int_equal(r.flags & VERIFY_F_TYPO, 0);
	for (unsigned i = 1; i < conf.typo_frequent_min; i++) {
		snprintf(buf, sizeof(buf), "p%u@northwind-traders.com", i);
		row(c, buf, &r);
		assert_int_equal(r.flags & VERIFY_F_TYPO, 0);
	}
	/* Now it is: a rare domain one edit away gets the suggestion. */
	row(c, "mary@northwnid-traders.com", &r);
	assert_true(r.flags & VERIFY_F_TYPO);
	assert_string_equal(r.suggestion, "mary@northwind-traders.com");
	assert_int_equal(r.reason, VERIFY_R_DNS_SKIPPED); /* advice only */

	/* verify_address() ignores list state. */
	verify_address(c, "mary@northwnid-traders.com", 26, &r);
	assert_int_equal(r.flags & VERIFY_F_TYPO, 0);

	/* Frequency counts on the domain, however it is spelled; and a
	 * Unicode domain is compared through its ASCII skeleton. */
	for (unsigned i = 0; i < conf.typo_frequent_min; i++) {
		snprintf(buf, sizeof(buf), i % 2 ? "u%u@b\xc3\xbc" "cher-versand.de" : "u%u@xn--bcher-versand-wob.de", i);
		row(c, buf, &r);
	}
	row(c, "v@b\xc3\xbc" "cher-versnd.de", &r);
	assert_true(r.flags & VERIFY_F_TYPO);
	assert_string_equal(r.suggestion, "v@b\xc3\xbc" "cher-versand.de");
	row(c, "w@bucher-versand.de", &r); /* the accent dropped: a different domain */
	assert_true(r.flags & VERIFY_F_TYPO);

	/* A domain that becomes frequent itself stops being a typo. */
	for (unsigned i = 0; i < conf.typo_frequent_min; i++) {
		snprintf(buf, sizeof(buf), "q%u@northwnid-traders.com", i);
		row(c, buf, &r);
	}
	assert_int_equal(r.flags & VERIFY_F_TYPO, 0);
	verify_ctx_free(c);
}

static void test_config_lists(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	const char role[] = "founders\n", disp[] = "acme-robotics.io\n", allow[] = "mailinator.com\n";
	conf_list_add_text(&c, &c.role, role, sizeof(role) - 1);
	conf_list_add_text(&c, &c.disposable, disp, sizeof(disp) - 1);
	conf_list_add_text(&c, &c.allow, allow, sizeof(allow) - 1);
	struct verify_ctx *v = verify_ctx_new(&c);
	conf_release(&c); /* the context copied what it needs */

	struct verify_result r;
	verify_address(v, "Founders+2024@northwind.co", 26, &r);
	assert_true(r.flags & VERIFY_F_ROLE);
	verify_address(v, "a@sub.acme-robotics.io", 22, &r);
	assert_true(r.flags & VERIFY_F_DISPOSABLE);
	assert_int_equal(r.reason, VERIFY_R_DISPOSABLE);
	verify_address(v, "a@mailinator.com", 16, &r);
	assert_int_equal(r.flags & VERIFY_F_DISPOSABLE, 0);
	assert_int_equal(r.reason, VERIFY_R_DNS_SKIPPED);
	verify_ctx_free(v);
}

static void test_tables(void **state)
{
	(void)state;
	/* Every reason has a unique dotted name, a doc line and a status. */
	for (int i = 0; i < VERIFY_R_COUNT; i++) {
		const char *n = verify_reason_name((enum verify_reason)i);
		assert_non_null(strchr(n, '.') ? n : (i == VERIFY_R_OK ? n : NULL));
		assert_true(strlen(verify_reason_doc((enum verify_reason)i)) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, verify_reason_name((enum verify_reason)j));
	}
	char buf[128];
	assert_int_equal(verify_flags_format(0, buf, sizeof(buf)), 0);
	verify_flags_format(VERIFY_F_ROLE | VERIFY_F_TYPO | VERIFY_F_FREE, buf, sizeof(buf));
	assert_string_equal(buf, "role;free;typo");
	verify_flags_format(VERIFY_F_ROLE | VERIFY_F_FREE, buf, 6); /* truncates whole names */
	assert_string_equal(buf, "role");
}

static void test_one_edit(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		bool want;
	} v[] = {
		{"gmail.com", "gmial.com", true},  {"gmail.com", "gmai.com", true},
		{"gmail.com", "gmaill.com", true}, {"gmail.com", "gmail.co", true},
		{"gmail.com", "gnail.com", true},  {"gmail.com", "gmail.com", false},
		{"gmail.com", "mgial.com", false}, {"gmail.com", "gm.com", false},
		{"ab", "ba", true},                {"", "a", true}, {"abc", "cab", false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		assert_int_equal(syntax_one_edit(v[i].a, strlen(v[i].a), v[i].b, strlen(v[i].b)), v[i].want);
		assert_int_equal(syntax_one_edit(v[i].b, strlen(v[i].b), v[i].a, strlen(v[i].a)), v[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_list_frequent_typo),
		cmocka_unit_test(test_config_lists),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_one_edit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
