/*
 * test_verify.c - the address verdict.
 *
 * Most cases are data: tests/vectors/addresses.tsv holds one address a
 * line with its expected status, reason, flags, normalized form and
 * suggestion (the file's header explains the escapes).  Every bug fix adds
 * a line there.  The C tests below cover what a single line cannot: list
 * state (duplicates, list-frequent typos), configuration, the code tables,
 * and the list gate's arithmetic, whose expected figures are worked out by
 * hand in the comments.
 */
#include "conf/conf.h"
#include "decay/decay.h"
#include "verify/verify_int.h"

#include <math.h>
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
	ctx = conf_verify_ctx(&conf);
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
			  same(strcmp(field[4], "-") ? norm.data : "-", r.normalized,
			       r.normalized_len) &&
			  same(strcmp(field[5], "-") ? sugg.data : "-", r.suggestion,
			       r.suggestion_len);
		if (!ok) {
			bad++;
			fprintf(stderr,
				"addresses.tsv:%u: %s\n  want %s %s [%s] %s %s\n  got  %s %s [%s] "
				"%.*s %.*s\n",
				lineno, field[0], field[1], field[2], field[3], field[4], field[5],
				verify_status_name(r.status), verify_reason_name(r.reason), flags,
				(int)r.normalized_len, r.normalized, (int)r.suggestion_len,
				r.suggestion);
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
	struct verify_ctx *c = conf_verify_ctx(&conf);
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
	row(c,
	    "a@b\xc3\xbc"
	    "cher.de",
	    &r);
	assert_int_equal(r.flags & VERIFY_F_DUPLICATE, 0);
	row(c,
	    "a@B\xc3\x9c"
	    "CHER.DE",
	    &r);
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
	struct verify_ctx *c = conf_verify_ctx(&conf);
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
		snprintf(buf, sizeof(buf),
			 i % 2 ? "u%u@b\xc3\xbc"
				 "cher-versand.de"
			       : "u%u@xn--bcher-versand-wob.de",
			 i);
		row(c, buf, &r);
	}
	row(c,
	    "v@b\xc3\xbc"
	    "cher-versnd.de",
	    &r);
	assert_true(r.flags & VERIFY_F_TYPO);
	assert_string_equal(r.suggestion, "v@b\xc3\xbc"
					  "cher-versand.de");
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
	const char role[] = "founders\n", disp[] = "acme-robotics.io\n",
		   allow[] = "mailinator.com\n";
	conf_list_add_text(&c, &c.role, role, sizeof(role) - 1);
	conf_list_add_text(&c, &c.disposable, disp, sizeof(disp) - 1);
	conf_list_add_text(&c, &c.allow, allow, sizeof(allow) - 1);
	struct verify_ctx *v = conf_verify_ctx(&c);
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
		{"gmail.com", "gmial.com", true},
		{"gmail.com", "gmai.com", true},
		{"gmail.com", "gmaill.com", true},
		{"gmail.com", "gmail.co", true},
		{"gmail.com", "gnail.com", true},
		{"gmail.com", "gmail.com", false},
		{"gmail.com", "mgial.com", false},
		{"gmail.com", "gm.com", false},
		{"ab", "ba", true},
		{"", "a", true},
		{"abc", "cab", false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		assert_int_equal(syntax_one_edit(v[i].a, strlen(v[i].a), v[i].b, strlen(v[i].b)),
				 v[i].want);
		assert_int_equal(syntax_one_edit(v[i].b, strlen(v[i].b), v[i].a, strlen(v[i].a)),
				 v[i].want);
	}
}

/* ---- the list gate ---- */

/* cmocka 1.1.5's assert_float_equal() rounds to float: too coarse here. */
#define assert_near(a, b, eps) near_at((a), (b), (eps), __FILE__, __LINE__)
static void near_at(double a, double b, double eps, const char *file, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("%s:%d: %.12g is not within %g of %.12g", file, line, a, eps, b);
}

/*
 * Wilson at z = 1.96: z^2 = 3.8416, and
 *   centre = (p + z^2/2n) / (1 + z^2/n)
 *   half   = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
 */
static void test_gate_wilson(void **state)
{
	(void)state;
	double up;

	/* n = 0: nothing is known, the whole of [0, 1]. */
	assert_near(verify_gate_wilson(0, 0, 1.96, &up), 0, 0);
	assert_near(up, 1, 0);

	/* k = 0, n = 100: 1 + z^2/n = 1.038416; centre = 0.019208 / 1.038416
	 * = 0.0184974; half = 1.96 * sqrt(3.8416/40000) / 1.038416 = 1.96 *
	 * 0.0098 / 1.038416 = 0.0184974 as well, so the lower end is 0 and
	 * the upper 0.038416 / 1.038416 = 0.0369948. */
	assert_near(verify_gate_wilson(0, 100, 1.96, &up), 0, 0);
	assert_near(up, 0.0369948, 1e-7);

	/* k = 5, n = 100: p = 0.05; centre = 0.069208 / 1.038416 = 0.0666477;
	 * half = 1.96 * sqrt(0.000475 + 0.00009604) / 1.038416 = 1.96 *
	 * 0.0238964 / 1.038416 = 0.0451043; [0.0215434, 0.1117520]. */
	assert_near(verify_gate_wilson(5, 100, 1.96, &up), 0.0215434, 1e-7);
	assert_near(up, 0.1117520, 1e-7);

	/* k = 3, n = 200: p = 0.015; 1 + z^2/n = 1.019208; centre = 0.024604
	 * / 1.019208 = 0.0241403; half = 1.96 * sqrt(0.000073875 + 0.00002401)
	 * / 1.019208 = 1.96 * 0.0098937 / 1.019208 = 0.0190262;
	 * [0.0051141, 0.0431665]. */
	assert_near(verify_gate_wilson(3, 200, 1.96, &up), 0.0051141, 1e-7);
	assert_near(up, 0.0431665, 1e-7);

	/* k = 10, n = 200: p = 0.05; centre = 0.059604 / 1.019208 = 0.0584807;
	 * half = 1.96 * sqrt(0.0002375 + 0.00002401) / 1.019208 = 1.96 *
	 * 0.0161713 / 1.019208 = 0.0310984; [0.0273823, 0.0895791]. */
	assert_near(verify_gate_wilson(10, 200, 1.96, &up), 0.0273823, 1e-7);
	assert_near(up, 0.0895791, 1e-7);

	/* k = n = 100 mirrors k = 0: [1 - 0.0369948, 1]. */
	assert_near(verify_gate_wilson(100, 100, 1.96, &up), 0.9630052, 1e-7);
	assert_near(up, 1, 0);

	/* More bounces than sends is read as all of them: 3 of 3, the mirror
	 * of 0 of 3, whose upper end is (3.8416/3) / (1 + 3.8416/3) =
	 * 1.2805333 / 2.2805333 = 0.5615061. */
	assert_near(verify_gate_wilson(5, 3, 1.96, &up), 1 - 0.5615061, 1e-7);
	assert_near(up, 1, 0);

	/* z = 0: no interval, just k/n; upper may be NULL. */
	assert_near(verify_gate_wilson(5, 100, 0, &up), 0.05, 1e-15);
	assert_near(up, 0.05, 1e-15);
	assert_near(verify_gate_wilson(5, 100, 1.96, NULL), 0.0215434, 1e-7);
}

static void test_gate_record_p(void **state)
{
	(void)state;
	const struct verify_gate_policy *g = &conf.gate;

	assert_near(verify_gate_record_p(g, VERIFY_DELIVERABLE, 1), 0.005, 1e-15);
	assert_near(verify_gate_record_p(g, VERIFY_RISKY, 1), 0.10, 1e-15);
	assert_near(verify_gate_record_p(g, VERIFY_UNKNOWN, 1), 0.25, 1e-15);
	assert_near(verify_gate_record_p(g, VERIFY_UNDELIVERABLE, 1), 1, 0);
	/* A month old deliverable: 1 - 0.995 * 0.979 = 1 - 0.974105. */
	assert_near(verify_gate_record_p(g, VERIFY_DELIVERABLE, 0.979), 0.025895, 1e-12);
	/* Risky at half survival: 1 - 0.9 * 0.5. */
	assert_near(verify_gate_record_p(g, VERIFY_RISKY, 0.5), 0.55, 1e-12);
	/* A probe's priors: a confirmed mailbox below a domain that only
	 * takes mail, a catch-all domain above the other risky verdicts. */
	assert_near(verify_gate_prior(g, VERIFY_DELIVERABLE, 0, true), 0.002, 1e-15);
	assert_near(verify_gate_prior(g, VERIFY_DELIVERABLE, 0, false), 0.005, 1e-15);
	assert_near(verify_gate_prior(g, VERIFY_RISKY, VERIFY_F_ACCEPT_ALL, false), 0.15, 1e-15);
	assert_near(verify_gate_prior(g, VERIFY_RISKY, VERIFY_F_ACCEPT_ALL | VERIFY_F_ROLE, false),
		    0.15, 1e-15);
	assert_near(verify_gate_prior(g, VERIFY_RISKY, VERIFY_F_ROLE, false), 0.10, 1e-15);
	/* confirmed says nothing of a verdict that is not deliverable */
	assert_near(verify_gate_prior(g, VERIFY_UNKNOWN, 0, true), 0.25, 1e-15);
	assert_near(verify_gate_prior(g, VERIFY_UNDELIVERABLE, VERIFY_F_ACCEPT_ALL, false), 1, 0);
	assert_true(verify_gate_prior(g, VERIFY_DELIVERABLE, 0, true) <
		    verify_gate_prior(g, VERIFY_DELIVERABLE, 0, false));
	assert_near(verify_gate_member_p(g, VERIFY_DELIVERABLE, 0, true, 0.5), 1 - 0.998 * 0.5,
		    1e-12);
	assert_near(verify_gate_member_p(g, VERIFY_DELIVERABLE, 0, false, 1),
		    verify_gate_record_p(g, VERIFY_DELIVERABLE, 1), 1e-15);
	assert_near(verify_gate_record_p(g, VERIFY_UNDELIVERABLE, 0.3), 1, 0);
	/* Survival outside [0, 1] is clamped, and so is the result. */
	assert_near(verify_gate_record_p(g, VERIFY_DELIVERABLE, 0), 1, 0);
	assert_near(verify_gate_record_p(g, VERIFY_DELIVERABLE, 1.5), 0.005, 1e-15);
	assert_near(verify_gate_record_p(g, VERIFY_DELIVERABLE, -1), 1, 0);
}

/* A gate input of n records of status st, verified age seconds ago. */
static void gate_fill(struct verify_gate_input *in, unsigned long n, enum verify_status st,
		      int64_t age)
{
	struct decay_policy dp;
	decay_policy_default(&dp);
	double p = verify_gate_record_p(&conf.gate, st, decay_survival(&dp, age));
	for (unsigned long i = 0; i < n; i++)
		verify_gate_add(in, p);
}

static void test_gate_predicted(void **state)
{
	(void)state;
	const struct verify_gate_policy *g = &conf.gate;
	struct verify_gate_decision d;

	/* 1000 fresh deliverables: predicted 0.005; sum p(1-p) = 1000 * 0.005
	 * * 0.995 = 4.975, sqrt 2.2304708, * 1.96 = 4.3717228, / 1000 =
	 * 0.0043717; upper 0.0093717 < 1 %: passes. */
	struct verify_gate_input in = {0};
	gate_fill(&in, 1000, VERIFY_DELIVERABLE, 0);
	assert_int_equal(in.candidates, 1000);
	assert_near(in.sum_p, 5, 1e-9);
	assert_near(in.sum_pq, 4.975, 1e-9);
	verify_gate_decide(g, &in, &d);
	assert_false(d.blocked);
	assert_int_equal(d.why, 0);
	assert_near(d.predicted, 0.005, 1e-12);
	assert_near(d.predicted_upper, 0.0093717, 1e-7);

	/*
	 * The same list cut short.  The upper end 0.005 + 1.96 sqrt(0.004975
	 * / n) reaches 1 % at n = 0.004975 * (1.96 / 0.005)^2 = 0.004975 *
	 * 153664 = 764.48 records: 764 are blocked (upper 1.0001566 %), 765
	 * pass (0.9998295 %).  A short list of good addresses is blocked on
	 * purpose: a handful of unlucky bounces in it is already above 1 %.
	 */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 764, VERIFY_DELIVERABLE, 0);
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_PREDICTED);
	assert_near(d.predicted_upper, 0.010001565, 1e-9);
	verify_gate_add(&in, verify_gate_record_p(g, VERIFY_DELIVERABLE, 1));
	verify_gate_decide(g, &in, &d);
	assert_false(d.blocked);
	assert_near(d.predicted_upper, 0.009998295, 1e-9);

	/* 100 fresh deliverables: sqrt(100 * 0.005 * 0.995) = 0.7053368;
	 * upper = 0.005 + 1.96 * 0.7053368 / 100 = 0.0188246: blocked, though
	 * the predicted rate itself is 0.5 %. */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 100, VERIFY_DELIVERABLE, 0);
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_PREDICTED);
	assert_near(d.predicted, 0.005, 1e-12);
	assert_near(d.predicted_upper, 0.0188246, 1e-7);

	/* Risky-heavy: 900 deliverables and 100 risky predict (4.5 + 10) /
	 * 1000 = 1.45 %: blocked on the prediction alone. */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 900, VERIFY_DELIVERABLE, 0);
	gate_fill(&in, 100, VERIFY_RISKY, 0);
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_PREDICTED);
	assert_near(d.predicted, 0.0145, 1e-12);

	/* Ten risky among 1000 deliverables: predicted 6 / 1010 = 0.59 %, but
	 * sum p(1-p) = 4.975 + 10 * 0.1 * 0.9 = 5.875, sqrt 2.4238399, * 1.96
	 * / 1010 = 0.0047037, upper 0.0106443: blocked. */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 1000, VERIFY_DELIVERABLE, 0);
	gate_fill(&in, 10, VERIFY_RISKY, 0);
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_near(d.predicted, 0.0059406, 1e-7);
	assert_near(d.predicted_upper, 0.0106443, 1e-7);

	/* The 1000 deliverables of the first case, verified 90 days ago
	 * (2.9569 months): survival 0.979^2.9569 = 0.9391717, p = 1 - 0.995 *
	 * 0.9391717 = 0.0655242 each: blocked. */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 1000, VERIFY_DELIVERABLE, 90 * 86400);
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_near(d.predicted, 0.0655242, 1e-7);

	/* An undeliverable is certain: upper = predicted = 1. */
	in = (struct verify_gate_input){0};
	gate_fill(&in, 5, VERIFY_UNDELIVERABLE, 0);
	verify_gate_decide(g, &in, &d);
	assert_near(d.predicted, 1, 0);
	assert_near(d.predicted_upper, 1, 0);
}

static void test_gate_observed(void **state)
{
	(void)state;
	const struct verify_gate_policy *g = &conf.gate;
	struct verify_gate_decision d;
	struct verify_gate_input in = {0};
	gate_fill(&in, 1000, VERIFY_DELIVERABLE, 0); /* the prediction passes */

	/* 3 hard bounces of 200 exported: 1.5 % observed, but the Wilson lower
	 * end is 0.51 % (see test_gate_wilson): could be bad luck, passes. */
	in.exported = 200;
	in.hard_bounces = 3;
	verify_gate_decide(g, &in, &d);
	assert_false(d.blocked);
	assert_true(d.observed_counts);
	assert_near(d.observed, 0.015, 1e-12);
	assert_near(d.observed_lower, 0.0051141, 1e-7);
	assert_near(d.observed_upper, 0.0431665, 1e-7);

	/* 10 of 200: lower end 2.74 %: blocked on what was observed. */
	in.hard_bounces = 10;
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_OBSERVED);
	assert_near(d.observed_lower, 0.0273823, 1e-7);

	/* 10 of 150, below min_exported (200): reported, not counted.  p =
	 * 1/15; 1 + z^2/n = 1.0256107; centre = 0.079472 / 1.0256107 =
	 * 0.0774875; half = 1.96 * sqrt(0.00041482 + 0.00004268) / 1.0256107
	 * = 0.0408760; lower 0.0366115. */
	in.exported = 150;
	verify_gate_decide(g, &in, &d);
	assert_false(d.blocked);
	assert_false(d.observed_counts);
	assert_near(d.observed, 10.0 / 150, 1e-12);
	assert_near(d.observed_lower, 0.0366115, 1e-7);

	/* ... and counted when the policy says 150 is enough. */
	struct verify_gate_policy g150 = *g;
	g150.min_exported = 150;
	verify_gate_decide(&g150, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_OBSERVED);
}

/*
 * The fewest records of a kind that pass: 0.005 + 1.96 sqrt(0.004975 / n)
 * is within 1 % from n = 765 (test_gate_predicted), within 2 % from n =
 * 0.004975 / (0.015 / 1.96)^2 = 84.94, so 85, and within 5 % from
 * 0.004975 / (0.045 / 1.96)^2 = 9.44, so 10: the README's table.
 */
static void test_gate_min_records(void **state)
{
	(void)state;
	struct verify_gate_policy g = conf.gate;
	struct verify_gate_input in = {0};

	gate_fill(&in, 1, VERIFY_DELIVERABLE, 0);
	assert_int_equal(verify_gate_min_records(&g, &in), 765);
	g.threshold = 0.02;
	assert_int_equal(verify_gate_min_records(&g, &in), 85);
	g.threshold = 0.05;
	assert_int_equal(verify_gate_min_records(&g, &in), 10);
	/* Only the average counts: 11 such records say the same as one. */
	gate_fill(&in, 10, VERIFY_DELIVERABLE, 0);
	assert_int_equal(verify_gate_min_records(&g, &in), 10);

	/* Risky records bounce at 10 % on average: no number of them passes
	 * at 1 %, nor at 10 % (the bound is above the mean). */
	g = conf.gate;
	in = (struct verify_gate_input){0};
	gate_fill(&in, 50, VERIFY_RISKY, 0);
	assert_int_equal(verify_gate_min_records(&g, &in), 0);
	g.threshold = 0.10;
	assert_int_equal(verify_gate_min_records(&g, &in), 0);
	/* Nothing to average. */
	in = (struct verify_gate_input){0};
	assert_int_equal(verify_gate_min_records(&conf.gate, &in), 0);
}

#define DAYS 31 /* stale_days 30: buckets 0 .. 30, the last for stale verdicts */

/* n records of status st verified `days` whole days ago, into the bucket
 * a refresh --older-than of fewer days takes: as they are (unless stale)
 * and as they would be re-verified now. */
static void gate_age(struct verify_gate_input *keep, struct verify_gate_input *fresh,
		     unsigned long n, enum verify_status st, int days)
{
	int b = days - 1 < DAYS - 1 ? days - 1 : DAYS - 1;
	if (days <= 30)
		gate_fill(&keep[b], n, st, (int64_t)days * 86400);
	gate_fill(&fresh[b], n, st, 0);
}

static void test_gate_refresh_days(void **state)
{
	(void)state;
	const struct verify_gate_policy *g = &conf.gate;
	struct verify_gate_input never = {0}, keep[DAYS] = {{0}}, fresh[DAYS] = {{0}}, in, asis;
	struct verify_gate_decision d;

	/*
	 * 2000 deliverables verified just now (no refresh takes them), 300
	 * verified 20 days ago (p = 1 - 0.995 * 0.979^(20 / 30.436875) =
	 * 0.0187800 each) and 40 risky ones 40 days old (stale).  As they
	 * are: 2300 records, sum p 15.634, bound 1.0150 %: blocked.
	 * Re-verifying those older than 20 to 30 days brings back only the
	 * risky ones, at 10 %: 2340 records, bound 1.2049 %, worse.  Older
	 * than 19 days takes the 300 too: sum p = 10 + 1.5 + 4 = 15.5, sum
	 * p(1 - p) = 9.95 + 1.4925 + 3.6 = 15.0425; 15.5 / 2340 + 1.96 *
	 * sqrt(15.0425) / 2340 = 0.0066239 + 0.0032486 = 0.0098726: passes.
	 * 19 is the answer: the fewest records to re-verify.
	 */
	gate_fill(&never, 2000, VERIFY_DELIVERABLE, 0);
	gate_age(keep, fresh, 300, VERIFY_DELIVERABLE, 20);
	gate_age(keep, fresh, 40, VERIFY_RISKY, 40);
	asis = never;
	for (int i = 0; i < DAYS; i++)
		verify_gate_merge(&asis, &keep[i]);
	assert_int_equal(asis.candidates, 2300);
	verify_gate_decide(g, &asis, &d);
	assert_true(d.blocked);
	assert_near(d.predicted_upper, 0.0101500, 1e-7);
	assert_int_equal(verify_gate_refresh_days(g, &never, keep, fresh, DAYS, &in, &d), 19);
	assert_int_equal(in.candidates, 2340);
	assert_near(in.sum_p, 15.5, 1e-9);
	assert_near(in.sum_pq, 15.0425, 1e-9);
	assert_false(d.blocked);
	assert_near(d.predicted_upper, 0.0098726, 1e-7);

	/* What was sent is no part of the question: a list blocked on its
	 * bounces gets the same answer. */
	never.exported = 1000;
	never.hard_bounces = 100;
	assert_int_equal(verify_gate_refresh_days(g, &never, keep, fresh, DAYS, &in, &d), 19);
	assert_false(d.blocked);

	/* Every record stale: nothing may be sent as it is; re-verifying the
	 * stale ones alone (older than 30 days) gives 1000 fresh records,
	 * bound 0.93717 %. */
	never = (struct verify_gate_input){0};
	memset(keep, 0, sizeof(keep));
	memset(fresh, 0, sizeof(fresh));
	gate_age(keep, fresh, 1000, VERIFY_DELIVERABLE, 45);
	assert_int_equal(verify_gate_refresh_days(g, &never, keep, fresh, DAYS, &in, &d), 30);
	assert_int_equal(in.candidates, 1000);
	assert_near(d.predicted_upper, 0.0093717, 1e-7);

	/* Too few to pass, however fresh: -1, and the figures of everything
	 * re-verified (100 fresh records: bound 1.88246 %). */
	memset(keep, 0, sizeof(keep));
	memset(fresh, 0, sizeof(fresh));
	gate_age(keep, fresh, 100, VERIFY_DELIVERABLE, 20);
	assert_int_equal(verify_gate_refresh_days(g, &never, keep, fresh, DAYS, &in, &d), -1);
	assert_int_equal(in.candidates, 100);
	assert_near(in.sum_p, 0.5, 1e-12);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_PREDICTED);
	assert_near(d.predicted_upper, 0.0188246, 1e-7);

	/* Nothing at all: -1, and nothing to send. */
	memset(keep, 0, sizeof(keep));
	memset(fresh, 0, sizeof(fresh));
	assert_int_equal(verify_gate_refresh_days(g, &never, keep, fresh, DAYS, &in, &d), -1);
	assert_int_equal(d.why, VERIFY_GATE_EMPTY);
}

static void test_gate_empty(void **state)
{
	(void)state;
	const struct verify_gate_policy *g = &conf.gate;
	struct verify_gate_decision d;

	/* Nothing may be exported: blocked, whatever else is true. */
	struct verify_gate_input in = {0};
	verify_gate_decide(g, &in, &d);
	assert_true(d.blocked);
	assert_int_equal(d.why, VERIFY_GATE_EMPTY);
	assert_near(d.predicted, 0, 0);
	assert_near(d.predicted_upper, 0, 0);
	assert_false(d.observed_counts);
	assert_near(d.observed_lower, 0, 0);
	assert_near(d.observed_upper, 1, 0);

	/* Empty now, after a bad export: both reasons. */
	in.exported = 200;
	in.hard_bounces = 10;
	verify_gate_decide(g, &in, &d);
	assert_int_equal(d.why, VERIFY_GATE_EMPTY | VERIFY_GATE_OBSERVED);
}

/*
 * The identity rule: one contact key and one account key for every
 * command.  The contact key folds ASCII case only (the store's keys
 * always did: a non-ASCII capital stays), keeps plus-tags, dots and
 * quotes; the account is the PSL registrable domain of the A-label
 * domain.
 */
static void test_keys(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool valid;
		const char *contact; /* the key, or for an invalid address the fallback */
		const char *account; /* "" for none */
	} v[] = {
		{"Ann.Lee@Fabrikam.COM", true, "ann.lee@fabrikam.com", "fabrikam.com"},
		{"  ann@Mail.Fabrikam.co.uk\t", true, "ann@mail.fabrikam.co.uk", "fabrikam.co.uk"},
		{"bob@a.b.fabrikam.co.uk", true, "bob@a.b.fabrikam.co.uk", "fabrikam.co.uk"},
		{"x@www.acme.com", true, "x@www.acme.com", "acme.com"},
		{"x@co.uk", true, "x@co.uk", "co.uk"}, /* a public suffix itself: two labels */
		{"Ann+News@Fabrikam.com", true, "ann+news@fabrikam.com", "fabrikam.com"},
		{"\"John.Doe\"@Fabrikam.com", true, "\"john.doe\"@fabrikam.com", "fabrikam.com"},
		{"J\xc3\xb6rg@B\xc3\xbc"
		 "cher.DE",
		 true, "j\xc3\xb6rg@xn--bcher-kva.de", "xn--bcher-kva.de"},
		/* Unicode's case folding, as a list's duplicates */
		{"\xc3\x84"
		 "DAM@x.com",
		 true,
		 "\xc3\xa4"
		 "dam@x.com",
		 "x.com"},
		{"a@Mail.B\xc3\xbc"
		 "cher.co.uk",
		 true, "a@mail.xn--bcher-kva.co.uk", "xn--bcher-kva.co.uk"},
		{"A@X.com, b@y.com", true, "a@x.com", "x.com"}, /* the first of several */
		{"  Bad..Dots@X.com ", false, "bad..dots@x.com", ""},
		{"Not An Address", false, "not an address", ""},
		/* NFC, as a list's duplicate key of the cell */
		{" Jose\xcc\x81 @@X.com", false, "jos\xc3\xa9 @@x.com", ""},
	};
	struct lg_buf key = LG_BUF_INIT;
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct verify_result r;
		bool valid = verify_contact_key_of(ctx, v[i].in, strlen(v[i].in), &key, &r);
		if (valid != v[i].valid || strcmp(key.data, v[i].contact))
			fail_msg("%s: %s '%s', want %s '%s'", v[i].in, valid ? "valid" : "invalid",
				 key.data, v[i].valid ? "valid" : "invalid", v[i].contact);
		assert_int_equal(verify_contact_key(&r, &key), valid ? strlen(v[i].contact) : 0);
		const char *acct;
		size_t n = verify_account_key(&r, &acct);
		if (n != strlen(v[i].account) || memcmp(acct, v[i].account, n))
			fail_msg("%s: account '%.*s', want '%s'", v[i].in, (int)n, acct,
				 v[i].account);
	}
	lg_buf_release(&key);

	/* an account named by its domain (an account's event) */
	static const struct {
		const char *domain, *account;
	} d[] = {
		{"Mail.Fabrikam.CO.UK", "fabrikam.co.uk"},
		{"www.acme.com", "acme.com"},
		{"acme.com ", "acme.com"}, /* postmaster@acme.com: trimmed like an address */
		{"b\xc3\xbc"
		 "cher.de",
		 "xn--bcher-kva.de"},
		{"xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"not a domain", ""},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++) {
		const char *acct;
		size_t n = verify_domain_account(ctx, d[i].domain, strlen(d[i].domain), &acct);
		if (n != strlen(d[i].account) || memcmp(acct, d[i].account, n))
			fail_msg("%s: account '%.*s', want '%s'", d[i].domain, (int)n, acct,
				 d[i].account);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),          cmocka_unit_test(test_keys),
		cmocka_unit_test(test_duplicates),       cmocka_unit_test(test_list_frequent_typo),
		cmocka_unit_test(test_config_lists),     cmocka_unit_test(test_tables),
		cmocka_unit_test(test_one_edit),         cmocka_unit_test(test_gate_wilson),
		cmocka_unit_test(test_gate_record_p),    cmocka_unit_test(test_gate_predicted),
		cmocka_unit_test(test_gate_observed),    cmocka_unit_test(test_gate_empty),
		cmocka_unit_test(test_gate_min_records), cmocka_unit_test(test_gate_refresh_days),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
