/*
 * test_jobs.c - the jobs layer without the command line: lists weighed
 * through the gate on real database files, and the way out of a blocked
 * one, in figures and as the command that takes it.
 *
 * Each test makes its own database in a temporary directory (made by the
 * group setup, removed by its teardown) through the store's API, as a
 * verify run records it.  Times are plain numbers: nothing reads the
 * clock.
 */
#include "conf/conf.h"
#include "jobs/jobs.h"
#include "store/store.h"

#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define DAY ((int64_t)86400)
#define T0 ((int64_t)1763800000) /* any fixed time will do */

static char tmpdir[256];
static unsigned dbseq;

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/lgjobsXXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *open_new(void)
{
	char path[320];
	struct store *s = NULL;
	struct lg_err e = {{0}};
	snprintf(path, sizeof(path), "%s/%u.db", tmpdir, ++dbseq);
	if (store_open(&s, path, STORE_CREATE, &e) != LG_OK)
		fail_msg("store_open(%s): %s", path, e.msg);
	return s;
}

/* What a list is made of: n addresses of each status, verified at `at`. */
struct mix {
	unsigned deliverable, risky, undeliverable, unknown;
};

static void add_rows(struct store *s, const struct store_run *run, const char *tag, unsigned n,
		     enum verify_status st, enum verify_reason r, int64_t at)
{
	struct lg_err e = {{0}};
	for (unsigned i = 0; i < n; i++) {
		char addr[64];
		snprintf(addr, sizeof(addr), "%s%u@example%u.com", tag, i, i % 7);
		struct store_verdict v = {
			.address = addr, .address_len = strlen(addr),
			.domain = strchr(addr, '@') + 1, .domain_len = strlen(strchr(addr, '@') + 1),
			.status = st, .reason = r, .mx = "mx.example.net", .provider = "",
			.verified_at = at,
		};
		if (store_verify_row(s, run, &v, at, &e) != LG_OK)
			fail_msg("store_verify_row(%s): %s", addr, e.msg);
	}
}

static void make_list(struct store *s, const char *name, const struct mix *m, int64_t at)
{
	struct store_run run;
	struct lg_err e = {{0}};
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_verify_begin(s, name, NULL, "leads.csv", NULL, at, &run, &e), LG_OK);
	add_rows(s, &run, "d", m->deliverable, VERIFY_DELIVERABLE, VERIFY_R_OK, at);
	add_rows(s, &run, "r", m->risky, VERIFY_RISKY, VERIFY_R_ROLE, at);
	add_rows(s, &run, "u", m->undeliverable, VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, at);
	add_rows(s, &run, "k", m->unknown, VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, at);
	unsigned n = m->deliverable + m->risky + m->undeliverable + m->unknown;
	struct store_list_counts c = {.rows = n, .contacts = n};
	assert_int_equal(store_verify_finish(s, &run, &c, at, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
}

static void evaluate(struct store *s, const struct conf *c, const char *name, int64_t now,
		     bool include_risky, struct store_list_info *li, struct list_eval *out)
{
	struct lg_err e = {{0}};
	if (store_list_get(s, name, li, &e) != LG_OK)
		fail_msg("store_list_get(%s): %s", name, e.msg);
	if (list_evaluate(s, c, li, now, include_risky, out, &e) != LG_OK)
		fail_msg("list_evaluate(%s): %s", name, e.msg);
}

/* A fresh list of deliverable records passes, and every one may be sent. */
static void test_fresh_list_passes(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	struct store *s = open_new();
	make_list(s, "q4", &(struct mix){.deliverable = 2000, .undeliverable = 30}, T0);
	struct store_list_info li;
	struct list_eval ev;
	evaluate(s, &c, "q4", T0 + DAY, false, &li, &ev);
	assert_int_equal(ev.members, 2030);
	assert_int_equal(ev.by_status[VERIFY_DELIVERABLE], 2000);
	assert_int_equal(ev.by_status[VERIFY_UNDELIVERABLE], 30);
	assert_int_equal(ev.exportable, 2000);
	assert_int_equal(ev.in.candidates, 2000);
	assert_false(ev.gate.blocked);
	assert_int_equal(ev.fix.kind, LIST_FIX_NONE);
	struct lg_buf advice = LG_BUF_INIT, cmd = LG_BUF_INIT;
	list_way_out(&c, &li, &ev, VERIFY_GATE_PREDICTED, &advice, &cmd);
	assert_int_equal(cmd.len, 0); /* nothing to get out of */
	lg_buf_release(&advice);
	lg_buf_release(&cmd);
	store_close(s);
	conf_release(&c);
}

/* Nothing fresh: blocked as empty, and the way out is the refresh that
 * re-verifies them, whose command the test checks word by word. */
static void test_stale_list_refresh(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	struct store *s = open_new();
	make_list(s, "old leads", &(struct mix){.deliverable = 1500}, T0);
	struct store_list_info li;
	struct list_eval ev;
	evaluate(s, &c, "old leads", T0 + 365 * DAY, false, &li, &ev);
	assert_int_equal(ev.members, 1500);
	assert_int_equal(ev.exportable, 0);
	assert_int_equal(ev.by_fresh[DECAY_STALE], 1500);
	assert_true(ev.gate.blocked);
	assert_true(ev.gate.why & VERIFY_GATE_EMPTY);
	assert_int_equal(ev.fix.kind, LIST_FIX_REFRESH);
	assert_int_equal(ev.fix.refresh, 1500);
	assert_int_equal(ev.fix.in.candidates, 1500); /* re-verified, all sendable again */
	assert_false(ev.fix.after.blocked);

	struct lg_buf advice = LG_BUF_INIT, cmd = LG_BUF_INIT, want = LG_BUF_INIT;
	list_way_out(&c, &li, &ev, VERIFY_GATE_EMPTY, &advice, &cmd);
	lg_buf_addf(&want, "leadgate refresh --list 'old leads' --older-than %dd", ev.fix.days);
	assert_string_equal(cmd.data, want.data);
	assert_non_null(strstr(advice.data, "re-verifying the 1500 contacts"));
	lg_buf_release(&advice);
	lg_buf_release(&cmd);
	lg_buf_release(&want);
	store_close(s);
	conf_release(&c);
}

/* With --include-risky a list heavy in risky records is blocked on its
 * predicted rate; leaving them out passes, and the way out says so. */
static void test_risky_left_out(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	struct store *s = open_new();
	make_list(s, "webinar", &(struct mix){.deliverable = 3000, .risky = 1500}, T0);
	struct store_list_info li;
	struct list_eval with, without;
	evaluate(s, &c, "webinar", T0 + DAY, true, &li, &with);
	evaluate(s, &c, "webinar", T0 + DAY, false, &li, &without);
	assert_int_equal(with.exportable, 4500);
	assert_int_equal(without.exportable, 3000);
	assert_true(with.gate.predicted > without.gate.predicted);
	assert_false(without.gate.blocked);
	assert_true(with.gate.blocked);
	assert_true(with.gate.why & VERIFY_GATE_PREDICTED);
	assert_int_equal(with.fix.kind, LIST_FIX_NO_RISKY);
	assert_int_equal(with.fix.risky, 1500);
	assert_int_equal(with.fix.in.candidates, 3000);
	/* The way out's figures are the gate's own on what would be left. */
	assert_true(with.fix.after.predicted == without.gate.predicted);

	struct lg_buf advice = LG_BUF_INIT, cmd = LG_BUF_INIT;
	list_way_out(&c, &li, &with, VERIFY_GATE_PREDICTED, &advice, &cmd);
	assert_string_equal(cmd.data, "leadgate export --for-sequence webinar");
	lg_buf_release(&advice);
	lg_buf_release(&cmd);
	store_close(s);
	conf_release(&c);
}

/* Only unknown verdicts: nothing may be sent, and re-verifying the
 * unknown ones is the way out. */
static void test_unknown_only(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	struct store *s = open_new();
	make_list(s, "dead dns", &(struct mix){.unknown = 400, .undeliverable = 10}, T0);
	struct store_list_info li;
	struct list_eval ev;
	evaluate(s, &c, "dead dns", T0 + 2 * DAY, false, &li, &ev);
	assert_true(ev.gate.blocked);
	assert_true(ev.gate.why & VERIFY_GATE_EMPTY);
	assert_int_equal(ev.fix.kind, LIST_FIX_UNKNOWN);
	assert_int_equal(ev.fix.unknown, 400);
	assert_true(ev.fix.refresh >= 400);
	store_close(s);
	conf_release(&c);
}

/* Two stores, two configurations, evaluations interleaved: nothing one
 * evaluation leaves behind changes the other's result. */
static void test_side_by_side(void **state)
{
	(void)state;
	struct conf c1, c2;
	conf_init(&c1);
	conf_init(&c2);
	c2.gate.threshold = 0.5; /* anything passes */
	struct store *a = open_new(), *b = open_new();
	make_list(a, "L", &(struct mix){.deliverable = 3000, .risky = 1500}, T0);
	make_list(b, "L", &(struct mix){.deliverable = 3000, .risky = 1500}, T0);
	struct store_list_info la, lb;
	struct list_eval ea1, eb, ea2;
	evaluate(a, &c1, "L", T0 + DAY, true, &la, &ea1);
	evaluate(b, &c2, "L", T0 + DAY, true, &lb, &eb);
	evaluate(a, &c1, "L", T0 + DAY, true, &la, &ea2);
	assert_true(ea1.gate.blocked);
	assert_false(eb.gate.blocked);
	assert_memory_equal(&ea1.gate, &ea2.gate, sizeof(ea1.gate));
	assert_int_equal(ea1.fix.kind, ea2.fix.kind);
	store_close(a);
	store_close(b);
	conf_release(&c1);
	conf_release(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_list_passes),
		cmocka_unit_test(test_stale_list_refresh),
		cmocka_unit_test(test_risky_left_out),
		cmocka_unit_test(test_unknown_only),
		cmocka_unit_test(test_side_by_side),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
