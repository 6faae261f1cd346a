/*
 * test_jobs.c - the jobs layer without the command line: lists weighed
 * through the gate on real database files, and the way out of a blocked
 * one, in figures and as the command that takes it; the verify job over
 * real files, alone, with a list, and two of them stepped in turn; the
 * refresh job over a store, in rounds up to its budget; the export job,
 * with and without the gate; the scoring run over contacts with their
 * profiles and events, its stage moves recorded once; qualify, decide
 * and the rejection report on the same store; the lists job, page by
 * page and side by side.
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
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
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
			.address = addr,
			.address_len = strlen(addr),
			.domain = strchr(addr, '@') + 1,
			.domain_len = strlen(strchr(addr, '@') + 1),
			.status = st,
			.reason = r,
			.mx = "mx.example.net",
			.provider = "",
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

/* ---- the verify job, driven as a caller of the layer drives it ---- */

static const char sample_csv[] = "First Name,Email,Company\r\n"
				 "Olivia,olivia@proseware.com,Proseware\r\n"
				 "Bad,not-an-address,Nowhere\r\n"
				 "Short,short@contoso.com\r\n" /* ragged: two fields */
				 "Dup,OLIVIA@proseware.com,Proseware\r\n"
				 "Role,info@contoso.com,Contoso\r\n"
				 "Typo,kim@gmial.com,Fabrikam\r\n";

/* A file under the temporary directory holding data; its path in buf. */
static void write_file(char *buf, size_t cap, const char *name, const char *data)
{
	snprintf(buf, cap, "%s/%u-%s", tmpdir, ++dbseq, name);
	FILE *f = fopen(buf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
}

/* The whole of a file, NUL-terminated; owned: free(). */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	char *b = malloc((size_t)len + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
	b[len] = '\0';
	fclose(f);
	return b;
}

/* in_commit's record (test_verify_in_commit) */
struct in_commit_probe {
	int calls;
	int64_t seen_run; /* the list's version as the hook saw it */
	bool fail;
};

struct notices {
	unsigned warnings, news;
	char first[256];
	struct in_commit_probe *probe; /* NULL: no in_commit */
};

static enum lg_status probe_in_commit(void *arg, struct store *s, struct lg_err *err);

static void take_notice(void *arg, enum job_notice kind, const char *msg)
{
	struct notices *n = arg;
	if (kind == JOB_NOTICE_WARNING && !n->warnings++)
		snprintf(n->first, sizeof(n->first), "%s", msg);
	if (kind == JOB_NOTICE_NEWS)
		n->news++;
}

/* Run a verify job over in to out, max rows a step; its report copied. */
static enum lg_status run_job(const struct conf *c, const char *in, const char *out,
			      const char *list, const char *db, size_t max,
			      struct job_verify_report *rep, struct notices *nt,
			      struct list_eval *le)
{
	struct lg_err e = {{0}};
	int fd = open(in, O_RDONLY), ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && ofd >= 0);
	struct job_verify_opts o = {
		.conf = c,
		.in = fd,
		.in_name = in,
		.skip_lines = -1,
		.no_dns = true,
		.list = list,
		.db = db,
		.now = T0,
		.notice = take_notice,
		.arg = nt,
		.in_commit = nt->probe ? probe_in_commit : NULL,
	};
	struct job_verify *j = NULL;
	enum lg_status st = job_verify_open(&j, &o, &e);
	if (st == LG_OK) {
		job_verify_start(j, ofd, out, NULL);
		for (bool eof = false; st == LG_OK && !eof;)
			st = job_verify_feed(j, max, &eof, &e);
		for (bool done = false; st == LG_OK && !done;)
			st = job_verify_poll(j, true, &done, &e);
	}
	if (st == LG_OK)
		st = job_verify_finish(j, &e);
	if (st == LG_OK) {
		*rep = *job_verify_report(j);
		const struct store_list_info *li;
		const struct list_eval *ev = job_verify_gate(j, &li);
		if (ev && le)
			*le = *ev;
		assert_true(!list == !ev);
	}
	job_verify_close(j);
	close(fd);
	close(ofd);
	return st;
}

/* ---- a DNS server the test holds back: every query answered NXDOMAIN,
 * but only once released ---- */

struct held_dns {
	int fd; /* UDP, 127.0.0.1 */
	int port;
	int go[2];    /* a byte written: answer from now on */
	int answered; /* replies sent (read after the thread is joined) */
	volatile int stop;
	pthread_t thread;
};

static void *held_dns_run(void *arg)
{
	struct held_dns *h = arg;
	char b;
	if (read(h->go[0], &b, 1) != 1)
		return NULL;
	while (!h->stop) {
		struct pollfd p = {h->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		unsigned char q[512];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(h->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		q[2] |= 0x80;                     /* QR: a reply */
		q[3] = (unsigned char)(0x80 | 3); /* RA, RCODE 3: NXDOMAIN (RFC 1035 4.1.1) */
		memset(q + 6, 0, 6);              /* no answer, authority or additional records */
		if (sendto(h->fd, q, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
			h->answered++;
	}
	return NULL;
}

static void held_dns_start(struct held_dns *h)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	memset(h, 0, sizeof(*h));
	h->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(h->fd >= 0);
	assert_int_equal(bind(h->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(h->fd, (struct sockaddr *)&a, &al), 0);
	h->port = ntohs(a.sin_port);
	assert_int_equal(pipe(h->go), 0);
	assert_int_equal(pthread_create(&h->thread, NULL, held_dns_run, h), 0);
}

static void held_dns_stop(struct held_dns *h)
{
	h->stop = 1;
	close(h->go[1]); /* releases a thread still held */
	pthread_join(h->thread, NULL);
	close(h->go[0]);
	close(h->fd);
}

/*
 * Rows wait in the spool behind a lookup; its answer comes while the file
 * is still being read, and a read-time look at the resolver writes only
 * some of the rows it frees; then the file ends.  The rows left are
 * written when the job drains, though no lookup is in flight any more
 * (this once stopped the program with "a row waiting for DNS has a
 * lookup in flight").
 */
/* A verify job of rows addresses (pre, the row's number, post) against
 * a DNS server it holds back (held_job_release lets it answer). */
struct held_job {
	struct conf c;
	struct held_dns h;
	char in[320], out[320], servers[64];
	int fd, ofd;
	struct job_verify *j;
	struct lg_err e;
};

static void held_job_open(struct held_job *hj, const char *pre, const char *post, int rows,
			  unsigned concurrency, bool nowait)
{
	memset(hj, 0, sizeof(*hj));
	conf_init(&hj->c);
	struct lg_buf csv = LG_BUF_INIT;
	lg_buf_addf(&csv, "Email\n");
	for (int i = 0; i < rows; i++)
		lg_buf_addf(&csv, "%s%d%s\n", pre, i, post);
	write_file(hj->in, sizeof(hj->in), "held.csv", csv.data);
	lg_buf_release(&csv);
	snprintf(hj->out, sizeof(hj->out), "%s/%u-held-out.csv", tmpdir, ++dbseq);
	held_dns_start(&hj->h);
	snprintf(hj->servers, sizeof(hj->servers), "127.0.0.1:%d", hj->h.port);
	hj->fd = open(hj->in, O_RDONLY);
	hj->ofd = open(hj->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(hj->fd >= 0 && hj->ofd >= 0);
	struct job_verify_opts o = {
		.conf = &hj->c,
		.in = hj->fd,
		.in_name = hj->in,
		.skip_lines = -1,
		.dns = {.servers = hj->servers,
			.timeout_ms = 10000,
			.tries = 1,
			.concurrency = concurrency},
		.now = T0,
		.nowait = nowait,
	};
	assert_int_equal(job_verify_open(&hj->j, &o, &hj->e), LG_OK);
	job_verify_start(hj->j, hj->ofd, hj->out, NULL);
}

static void held_job_release(struct held_job *hj)
{
	char go = 1;
	assert_int_equal(write(hj->h.go[1], &go, 1), 1);
}

/* Polled and fed to the end, finished: every row undeliverable (the
 * server answers NXDOMAIN); then closed, the server stopped. */
static void held_job_finish(struct held_job *hj, int rows)
{
	bool eof = false, done = false;
	while (!eof) {
		assert_int_equal(job_verify_poll(hj->j, true, &done, &hj->e), LG_OK);
		assert_int_equal(job_verify_feed(hj->j, SIZE_MAX, &eof, &hj->e), LG_OK);
	}
	while (!done)
		assert_int_equal(job_verify_poll(hj->j, true, &done, &hj->e), LG_OK);
	assert_int_equal(job_verify_finish(hj->j, &hj->e), LG_OK);
	const struct job_verify_report *r = job_verify_report(hj->j);
	assert_int_equal(r->rows, rows);
	assert_int_equal(r->by_status[VERIFY_UNDELIVERABLE], rows);
	job_verify_close(hj->j);
	close(hj->fd);
	close(hj->ofd);
	held_dns_stop(&hj->h);
	assert_true(hj->h.answered >= 1);
	conf_release(&hj->c);
}

static void test_verify_job_drain_after_answer(void **state)
{
	enum { ROWS = 1200 };
	(void)state;
	struct held_job hj;
	held_job_open(&hj, "u", "@heldback-lookups.com", ROWS, 0, false);
	bool eof = false, done = false;
	/* every row read, the file's end not yet seen: all wait on one lookup */
	assert_int_equal(job_verify_feed(hj.j, ROWS, &eof, &hj.e), LG_OK);
	assert_false(eof);
	held_job_release(&hj);
	/* a look while reading: the answer comes, some of the rows go out */
	assert_int_equal(job_verify_poll(hj.j, true, &done, &hj.e), LG_OK);
	assert_false(done);
	assert_int_equal(job_verify_feed(hj.j, 10, &eof, &hj.e), LG_OK);
	assert_true(eof);
	held_job_finish(&hj, ROWS);

	/* every row once, in the file's order */
	char *got = read_all(hj.out), *line = got;
	assert_non_null(strchr(got, '\n'));
	line = strchr(line, '\n') + 1; /* the header */
	for (int i = 0; i < ROWS; i++) {
		char want[64];
		int n = snprintf(want, sizeof(want), "u%d@heldback-lookups.com,", i);
		assert_memory_equal(line, want, (size_t)n);
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		line = nl + 1;
	}
	assert_int_equal(*line, '\0');
	free(got);
}

/* Every row comes out, in order, with its verdict; the ragged one is
 * reported with its line; the report counts what the rows say. */
static void test_verify_job(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char in[320], out[320];
	write_file(in, sizeof(in), "in.csv", sample_csv);
	snprintf(out, sizeof(out), "%s/%u-out.csv", tmpdir, ++dbseq);
	struct job_verify_report rep;
	struct notices nt = {0};
	assert_int_equal(run_job(&c, in, out, NULL, NULL, SIZE_MAX, &rep, &nt, NULL), LG_OK);
	assert_int_equal(rep.rows, 6);
	assert_int_equal(rep.ragged, 1);
	assert_int_equal(rep.by_status[VERIFY_UNDELIVERABLE], 1);
	assert_int_equal(rep.by_status[VERIFY_UNKNOWN], 4); /* no DNS: dns.skipped */
	assert_int_equal(rep.by_status[VERIFY_RISKY], 1);   /* info@: a role address */
	assert_int_equal(rep.by_flag[3], 1);                /* the duplicate */
	assert_false(rep.dns);
	assert_int_equal(nt.warnings, 1);
	assert_non_null(strstr(nt.first, ":4: 2 fields, the header has 3"));

	char *got = read_all(out);
	assert_true(strncmp(got, "First Name,Email,Company,verify_status,verify_reason,", 53) == 0);
	assert_non_null(strstr(got, "Olivia,olivia@proseware.com,Proseware,unknown,dns.skipped,"));
	assert_non_null(strstr(got, "Bad,not-an-address,Nowhere,undeliverable,syntax."));
	assert_non_null(strstr(got, "kim@gmail.com")); /* the typo's suggestion */
	size_t lines = 0;
	for (const char *p = got; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 7);
	free(got);
	conf_release(&c);
}

/* With a list: the contacts recorded as a version of it, and the gate
 * weighed on them. */
static void test_verify_job_list(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char in[320], out[320], db[320];
	write_file(in, sizeof(in), "in.csv", sample_csv);
	snprintf(out, sizeof(out), "%s/%u-out.csv", tmpdir, ++dbseq);
	snprintf(db, sizeof(db), "%s/%u-jobs.db", tmpdir, ++dbseq);
	struct job_verify_report rep;
	struct notices nt = {0};
	struct list_eval le;
	assert_int_equal(run_job(&c, in, out, "webinar", db, SIZE_MAX, &rep, &nt, &le), LG_OK);
	assert_string_equal(rep.list, "webinar");
	assert_int_equal(rep.list_contacts, 4); /* 5 valid rows, one a duplicate */
	assert_int_equal(rep.list_addressed, 5);
	assert_int_equal(le.members, 4);
	assert_true(le.gate.blocked); /* nothing deliverable without DNS */
	assert_true(le.gate.why & VERIFY_GATE_EMPTY);

	struct store *s = NULL;
	struct lg_err e = {{0}};
	struct store_list_info li;
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	assert_int_equal(store_list_get(s, "webinar", &li, &e), LG_OK);
	assert_true(li.version_run > 0);
	store_close(s);
	conf_release(&c);
}

/*
 * nowait: once the lookups in hand reach the backlog, feed reads no row
 * more until they drop below it; otherwise a service's job would read
 * its whole input ahead, spooling every row and queueing every domain.
 */
static void test_verify_job_nowait_backlog(void **state)
{
	enum { ROWS = 600 };
	(void)state;
	struct held_job hj;
	/* a domain each, a lookup each; a backlog of 4 lookups */
	held_job_open(&hj, "u@d", "-backlog.com", ROWS, 1, true);
	bool eof = false;
	assert_int_equal(job_verify_feed(hj.j, ROWS, &eof, &hj.e), LG_OK);
	assert_false(eof);
	unsigned long read1 = job_verify_report(hj.j)->rows_read;
	assert_true(read1 < ROWS); /* it stopped at the backlog */
	/* nothing answered yet: fed again, it reads nothing */
	assert_int_equal(job_verify_feed(hj.j, ROWS, &eof, &hj.e), LG_OK);
	assert_int_equal(job_verify_report(hj.j)->rows_read, read1);
	held_job_release(&hj);
	held_job_finish(&hj, ROWS);
}

/* in_commit sees the list version in its transaction; its failure
 * takes the version back with it, its success commits both. */
static enum lg_status probe_in_commit(void *arg, struct store *s, struct lg_err *err)
{
	struct in_commit_probe *p = ((struct notices *)arg)->probe;
	struct store_list_info li;
	p->calls++;
	enum lg_status st = store_list_get(s, "atomic", &li, err);
	if (st != LG_OK)
		return st;
	p->seen_run = li.version_run;
	return p->fail ? lg_err_set(err, LG_EIO, "held back") : LG_OK;
}

static int64_t version_of(const char *db)
{
	struct store *s = NULL;
	struct lg_err e = {{0}};
	struct store_list_info li;
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	assert_int_equal(store_list_get(s, "atomic", &li, &e), LG_OK);
	store_close(s);
	return li.version_run;
}

static void test_verify_in_commit(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char in[320], out[320], db[320];
	write_file(in, sizeof(in), "atomic.csv", sample_csv);
	snprintf(out, sizeof(out), "%s/%u-atomic-out.csv", tmpdir, ++dbseq);
	snprintf(db, sizeof(db), "%s/%u-atomic.db", tmpdir, ++dbseq);
	struct job_verify_report rep;

	struct in_commit_probe fail = {.fail = true};
	struct notices nt = {.probe = &fail};
	assert_int_equal(run_job(&c, in, out, "atomic", db, SIZE_MAX, &rep, &nt, NULL), LG_EIO);
	assert_int_equal(fail.calls, 1);
	assert_true(fail.seen_run > 0);      /* recorded, in the transaction */
	assert_int_equal(version_of(db), 0); /* and taken back with it */

	struct in_commit_probe ok = {0};
	nt = (struct notices){.probe = &ok};
	assert_int_equal(run_job(&c, in, out, "atomic", db, SIZE_MAX, &rep, &nt, NULL), LG_OK);
	assert_int_equal(ok.calls, 1);
	assert_true(ok.seen_run > 0);
	assert_int_equal(version_of(db), ok.seen_run);
	conf_release(&c);
}

/* Two jobs stepped in turn, a row at a time, write what each writes
 * alone: they share nothing. */
static void test_verify_jobs_side_by_side(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char in1[320], in2[320], alone1[320], alone2[320], out1[320], out2[320];
	write_file(in1, sizeof(in1), "a.csv", sample_csv);
	write_file(in2, sizeof(in2), "b.csv",
		   "email\nkim@gmial.com\nkim@gmial.com\nx@y\n\"a b\"@example.org\n");
	snprintf(alone1, sizeof(alone1), "%s/%u-alone1.csv", tmpdir, ++dbseq);
	snprintf(alone2, sizeof(alone2), "%s/%u-alone2.csv", tmpdir, ++dbseq);
	struct job_verify_report r;
	struct notices nt = {0};
	assert_int_equal(run_job(&c, in1, alone1, NULL, NULL, SIZE_MAX, &r, &nt, NULL), LG_OK);
	assert_int_equal(run_job(&c, in2, alone2, NULL, NULL, SIZE_MAX, &r, &nt, NULL), LG_OK);

	snprintf(out1, sizeof(out1), "%s/%u-out1.csv", tmpdir, ++dbseq);
	snprintf(out2, sizeof(out2), "%s/%u-out2.csv", tmpdir, ++dbseq);
	struct lg_err e = {{0}};
	int fd1 = open(in1, O_RDONLY), fd2 = open(in2, O_RDONLY);
	int o1 = open(out1, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int o2 = open(out2, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct job_verify_opts a = {
		.conf = &c, .in = fd1, .in_name = in1, .skip_lines = -1, .no_dns = true, .now = T0};
	struct job_verify_opts b = a;
	b.in = fd2;
	b.in_name = in2;
	struct job_verify *j1 = NULL, *j2 = NULL;
	assert_int_equal(job_verify_open(&j1, &a, &e), LG_OK);
	assert_int_equal(job_verify_open(&j2, &b, &e), LG_OK);
	job_verify_start(j1, o1, out1, NULL);
	job_verify_start(j2, o2, out2, NULL);
	/* A row of each in turn, polled between two feeds, as a loop of
	 * the caller's would. */
	bool e1 = false, e2 = false, d1 = false, d2 = false;
	while (!d1 || !d2) {
		if (!e1)
			assert_int_equal(job_verify_feed(j1, 1, &e1, &e), LG_OK);
		if (!e2)
			assert_int_equal(job_verify_feed(j2, 1, &e2, &e), LG_OK);
		assert_int_equal(job_verify_poll(j1, false, &d1, &e), LG_OK);
		assert_int_equal(job_verify_poll(j2, false, &d2, &e), LG_OK);
	}
	assert_int_equal(job_verify_finish(j1, &e), LG_OK);
	assert_int_equal(job_verify_finish(j2, &e), LG_OK);
	job_verify_close(j1);
	job_verify_close(j2);
	close(fd1), close(fd2), close(o1), close(o2);

	char *x = read_all(alone1), *y = read_all(out1);
	assert_string_equal(x, y);
	free(x), free(y);
	x = read_all(alone2), y = read_all(out2);
	assert_string_equal(x, y);
	assert_non_null(strstr(y, "kim@gmail.com"));
	free(x), free(y);
	conf_release(&c);
}

/* An input without an email column fails at open, with its line, before
 * any output exists. */
static void test_verify_job_no_email(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char in[320];
	write_file(in, sizeof(in), "noemail.csv", "name,phone\nA,1\n");
	int fd = open(in, O_RDONLY);
	struct job_verify_opts o = {
		.conf = &c, .in = fd, .in_name = in, .skip_lines = -1, .no_dns = true, .now = T0};
	struct job_verify *j = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(job_verify_open(&j, &o, &e), LG_EDATA);
	assert_non_null(strstr(e.msg, ":1: "));
	job_verify_close(j);
	close(fd);
	conf_release(&c);
}

/* ---- the refresh job ---- */

/* Contacts whose new verdicts need no lookup (a special-use domain says
 * it at once): the job plans the stale ones, re-verifies them and
 * records the change; a second run finds nothing due. */
static void test_refresh_job(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	snprintf(db, sizeof(db), "%s/%u-refresh.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	struct store_run run;
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_verify_begin(s, "old", NULL, "old.csv", NULL, T0, &run, &e), LG_OK);
	for (int i = 0; i < 30; i++) {
		char addr[64];
		snprintf(addr, sizeof(addr), "lead%d@shop%d.invalid", i, i % 3);
		struct store_verdict v = {
			.address = addr,
			.address_len = strlen(addr),
			.domain = strchr(addr, '@') + 1,
			.domain_len = strlen(strchr(addr, '@') + 1),
			.status = VERIFY_DELIVERABLE,
			.reason = VERIFY_R_OK,
			.mx = "mx.example.net",
			.provider = "",
			.verified_at = T0,
		};
		assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	}
	struct store_list_counts lc = {.rows = 30};
	assert_int_equal(store_verify_finish(s, &run, &lc, T0, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	store_close(s);

	/* The resolver is never asked: a port nothing listens on will do. */
	struct job_refresh_opts o = {
		.conf = &c,
		.db = db,
		.list = "old",
		.older = -1,
		.budget = 20,
		.dns = {.servers = "127.0.0.1:9", .timeout_ms = 100, .tries = 1},
		.now = T0 + 90 * DAY,
	};
	for (int round = 0; round < 3; round++) {
		struct job_refresh *j = NULL;
		assert_int_equal(job_refresh_open(&j, &o, &e), LG_OK);
		for (bool done = false; !done;)
			assert_int_equal(job_refresh_step(j, &done, &e), LG_OK);
		assert_int_equal(job_refresh_finish(j, &e), LG_OK);
		const struct job_refresh_report *r = job_refresh_report(j);
		unsigned long want = round == 0   ? 20
				     : round == 1 ? 10
						  : 0; /* the budget, then the rest */
		assert_int_equal(r->counts.planned, want);
		assert_int_equal(r->counts.done, want);
		assert_int_equal(r->counts.changed, want);
		assert_int_equal(r->by_status[VERIFY_UNDELIVERABLE], want);
		assert_int_equal(r->dns_stats.queries, 0);
		assert_false(r->resumed);
		job_refresh_close(j);
	}
	struct list_eval ev;
	struct store_list_info li;
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	evaluate(s, &c, "old", T0 + 90 * DAY, false, &li, &ev);
	assert_int_equal(ev.by_status[VERIFY_UNDELIVERABLE], 30);
	store_close(s);
	conf_release(&c);
}

/* ---- the export job ---- */

static unsigned long export_rows(const struct conf *c, const char *db, const char *list,
				 bool for_sequence, bool *blocked, char **text)
{
	char out[320];
	struct lg_err e = {{0}};
	snprintf(out, sizeof(out), "%s/%u-export.csv", tmpdir, ++dbseq);
	struct job_export_opts o = {.conf = c,
				    .db = db,
				    .list = list,
				    .for_sequence = for_sequence,
				    .target = out,
				    .now = T0 + DAY};
	struct job_export *j = NULL;
	assert_int_equal(job_export_open(&j, &o, &e), LG_OK);
	const struct job_export_report *r = job_export_report(j);
	*blocked = r->blocked;
	unsigned long rows = 0;
	if (!r->blocked) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(job_export_write(j, fd, &e), LG_OK);
		close(fd);
		rows = r->rows;
		if (text)
			*text = read_all(out);
	}
	job_export_close(j);
	return rows;
}

/* Every contact but the suppressed ones; for a sequence only those that
 * may be sent, once the gate passes; a blocked list is not written. */
static void test_export_job(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	snprintf(db, sizeof(db), "%s/%u-export.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	make_list(s, "good", &(struct mix){.deliverable = 3000, .undeliverable = 20}, T0);
	make_list(s, "bad", &(struct mix){.deliverable = 100, .risky = 900}, T0);
	store_close(s);

	bool blocked;
	char *text = NULL;
	assert_int_equal(export_rows(&c, db, "good", false, &blocked, &text), 3020);
	assert_false(blocked);
	assert_true(strncmp(text,
			    "email,verify_status,verify_reason,verify_flags,verified_at,"
			    "freshness\n",
			    66) == 0);
	free(text);
	assert_int_equal(export_rows(&c, db, "good", true, &blocked, NULL), 3000);
	assert_false(blocked);
	assert_int_equal(export_rows(&c, db, "bad", true, &blocked, NULL), 0);
	assert_true(blocked);

	/* What was sent is recorded: the list's window counts it. */
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	struct store_list_info li;
	assert_int_equal(store_list_get(s, "good", &li, &e), LG_OK);
	assert_int_equal(li.window_exported, 3000);
	store_close(s);
	conf_release(&c);
}

/* ---- the scoring run ---- */

/* What the scoring job said of each contact, by the contact's address. */
struct scored {
	unsigned n;
	struct {
		char address[64];
		double total;
		bool eligible;
		enum scoring_stage was, stage;
		unsigned nmoves;
	} c[4];
};

static void on_scored(void *arg, const struct store_lead *l, const struct lead_scored *sc)
{
	struct scored *S = arg;
	assert_true(S->n < 4);
	snprintf(S->c[S->n].address, sizeof(S->c[S->n].address), "%s", l->address);
	S->c[S->n].total = sc->r.total;
	S->c[S->n].eligible = sc->r.eligible;
	S->c[S->n].was = sc->was;
	S->c[S->n].stage = sc->stage;
	S->c[S->n].nmoves = sc->nmoves;
	S->n++;
}

static unsigned find_scored(const struct scored *S, const char *address)
{
	for (unsigned i = 0; i < S->n; i++)
		if (!strcmp(S->c[i].address, address))
			return i;
	fail_msg("%s was not scored", address);
	return 0;
}

/* One scoring run over db at now: what it said of each contact, and its
 * report. */
static void score_run(const struct conf *c, const char *db, bool dry_run, int64_t now,
		      struct scored *S, struct job_score_report *rep)
{
	char out[320];
	struct lg_err e = {{0}};
	snprintf(out, sizeof(out), "%s/%u-scores.csv", tmpdir, ++dbseq);
	memset(S, 0, sizeof(*S));
	struct job_score_opts o = {
		.conf = c, .db = db, .dry_run = dry_run, .each = on_scored, .arg = S, .now = now};
	struct job_score *j = NULL;
	if (job_score_open(&j, &o, &e) != LG_OK)
		fail_msg("job_score_open: %s", e.msg);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (job_score_write(j, fd, &e) != LG_OK)
		fail_msg("job_score_write: %s", e.msg);
	close(fd);
	*rep = *job_score_report(j);
	job_score_close(j);
}

static enum lg_status count_move(void *arg, const struct store_move *m, struct lg_err *err)
{
	(void)err;
	unsigned *n = arg;
	assert_string_equal(m->who, "auto");
	assert_int_equal(m->from, *n == 0 ? SCORING_LEAD : SCORING_MQL);
	assert_int_equal(m->to, *n == 0 ? SCORING_MQL : SCORING_HQL);
	++*n;
	return LG_OK;
}

/* The scoring store: a fitting contact (a VP at a software company of
 * 200) who asked for a demo and looked at prices, and a contact with
 * neither fit nor events, both deliverable and verified at T0. */
static const char *const score_addr[2] = {"vp@acme-soft.com", "someone@quiet.example"};

static void make_scoring_store(char *db, size_t cap)
{
	snprintf(db, cap, "%s/%u-score.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	struct store_run run;
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_verify_begin(s, "leads", NULL, "leads.csv", NULL, T0, &run, &e),
			 LG_OK);
	const char *const *addr = score_addr;
	const struct store_profile prof[2] = {
		{.title = "VP of Sales",
		 .company = "Acme Soft",
		 .industry = "software",
		 .employees = 200},
		{.title = "", .company = "", .industry = "", .region = "", .employees = -1},
	};
	for (int i = 0; i < 2; i++) {
		const char *dom = strchr(addr[i], '@') + 1;
		struct store_verdict v = {
			.address = addr[i],
			.address_len = strlen(addr[i]),
			.domain = dom,
			.domain_len = strlen(dom),
			.status = VERIFY_DELIVERABLE,
			.reason = VERIFY_R_OK,
			.mx = "mx.example.net",
			.provider = "",
			.verified_at = T0,
			.profile = &prof[i],
			.account = dom,
			.account_len = strlen(dom),
		};
		assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	}
	struct store_list_counts lc = {.rows = 2, .contacts = 2};
	assert_int_equal(store_verify_finish(s, &run, &lc, T0, &e), LG_OK);
	assert_int_equal(store_run_begin(s, "import", 0, "events.ndjson", T0, &run, &e), LG_OK);
	static const char *const type[2] = {"demo_request", "pricing_visit"};
	for (int i = 0; i < 2; i++) {
		char id[16];
		snprintf(id, sizeof(id), "ev%d", i);
		struct store_event ev = {.event_id = id,
					 .address = addr[0],
					 .type = type[i],
					 .occurred_at = T0 + 3600 * i,
					 .count = -1};
		bool added;
		assert_int_equal(store_event_add(s, &run, &ev, &added, &e), LG_OK);
		assert_true(added);
	}
	assert_int_equal(store_run_finish(s, &run, T0, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	store_close(s);
}

/* The scoring store, made through the store's API.  The scoring run
 * moves the first to MQL and on to HQL (two high-intent classes in the window), records
 * both moves once, and leaves the second a lead; a dry run records
 * nothing. */
static void test_score_job(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	make_scoring_store(db, sizeof(db));
	const char *const *addr = score_addr;
	struct store *s = NULL;
	struct lg_err e = {{0}};
	struct scored S;
	struct job_score_report r;
	/* a dry run foresees the moves and records none */
	score_run(&c, db, true, T0 + DAY, &S, &r);
	assert_int_equal(r.scored, 2);
	assert_int_equal(r.moves, 2);
	assert_true(r.dry_run);
	unsigned hot = find_scored(&S, addr[0]), cold = find_scored(&S, addr[1]);
	assert_true(S.c[hot].total >= c.rubric.mql);
	assert_true(S.c[hot].eligible);
	assert_int_equal(S.c[hot].was, SCORING_LEAD);
	assert_int_equal(S.c[hot].stage, SCORING_HQL);
	assert_true(S.c[cold].total < c.rubric.mql);
	assert_int_equal(S.c[cold].stage, SCORING_LEAD);
	assert_int_equal(S.c[cold].nmoves, 0);

	/* the run records them, in order; the next has nothing to move */
	for (int round = 0; round < 2; round++) {
		score_run(&c, db, false, T0 + DAY, &S, &r);
		hot = find_scored(&S, addr[0]);
		assert_int_equal(r.scored, 2);
		assert_int_equal(r.moves, round == 0 ? 2 : 0);
		assert_int_equal(r.skipped, 0);
		assert_int_equal(r.by_stage[SCORING_HQL], 1);
		assert_int_equal(r.by_stage[SCORING_LEAD], 1);
		assert_int_equal(r.eligible, 2);
		assert_int_equal(S.c[hot].was, round == 0 ? SCORING_LEAD : SCORING_HQL);
	}
	unsigned moves = 0;
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	assert_int_equal(store_moves_each(s, 0, count_move, &moves, &e), LG_OK);
	assert_int_equal(moves, 2);
	store_close(s);
	conf_release(&c);
}

/* ---- every contact read at once, in address order ---- */

#define ORDER_N 40

/* Contact i's address; stored from the last to the first, so that the
 * order of their rows is the reverse of their addresses'. */
static void order_addr(char *buf, size_t cap, unsigned i)
{
	snprintf(buf, cap, "c%02u@dom%u.example", i, i % 3);
}

/* ORDER_N contacts in list "all", every third without a profile, the
 * even ones also in list "some"; events for every contact i % 4 != 3,
 * (i % 5) + 1 of them, stored in no order: interleaved across the
 * contacts, two of a contact's at the same time, with no event of its
 * own for one contact of an account with events. */
static void make_order_store(char *db, size_t cap)
{
	snprintf(db, cap, "%s/%u-order.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	for (int list = 0; list < 2; list++) {
		struct store_run run;
		unsigned n = 0;
		assert_int_equal(store_begin(s, &e), LG_OK);
		assert_int_equal(store_verify_begin(s, list ? "some" : "all", NULL, "leads.csv",
						    NULL, T0, &run, &e),
				 LG_OK);
		for (unsigned k = 0; k < ORDER_N; k++) {
			unsigned i = ORDER_N - 1 - k;
			if (list && i % 2)
				continue;
			char addr[64];
			order_addr(addr, sizeof(addr), i);
			const char *dom = strchr(addr, '@') + 1;
			const struct store_profile prof = {
				.title = i % 2 ? "VP of Sales" : "Engineer",
				.company = "Acme",
				.industry = "software",
				.employees = 200,
				.first_name = "Ann",
				.last_name = "Lee",
			};
			struct store_verdict v = {
				.address = addr,
				.address_len = strlen(addr),
				.domain = dom,
				.domain_len = strlen(dom),
				.status = VERIFY_DELIVERABLE,
				.reason = VERIFY_R_OK,
				.mx = "mx.example.net",
				.provider = "",
				.verified_at = T0,
				.profile = i % 3 ? &prof : NULL,
				.account = dom,
				.account_len = strlen(dom),
			};
			assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
			n++;
		}
		struct store_list_counts lc = {.rows = n, .contacts = n};
		assert_int_equal(store_verify_finish(s, &run, &lc, T0, &e), LG_OK);
		assert_int_equal(store_commit(s, &e), LG_OK);
	}
	struct store_run run;
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_run_begin(s, "import", 0, "events.ndjson", T0, &run, &e), LG_OK);
	static const char *const type[3] = {"demo_request", "pricing_visit", "email_click"};
	for (unsigned round = 0; round < 5; round++)
		for (unsigned k = 0; k < ORDER_N; k++) {
			unsigned i = (k * 7 + round) % ORDER_N;
			if (i % 4 == 3 || round > i % 5)
				continue;
			char addr[64], id[32];
			order_addr(addr, sizeof(addr), i);
			/* ids out of time order; rounds 1 and 2 at one time */
			snprintf(id, sizeof(id), "e%u-%u", i, 9 - round);
			struct store_event ev = {
				.event_id = id,
				.address = addr,
				.type = type[(i + round) % 3],
				.channel = round % 2 ? "web" : "email",
				.occurred_at = T0 + 3600 * (round == 2 ? 1 : round),
				.count = -1,
			};
			bool added;
			assert_int_equal(store_event_add(s, &run, &ev, &added, &e), LG_OK);
			assert_true(added);
		}
	assert_int_equal(store_run_finish(s, &run, T0, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	store_close(s);
}

/* What a run said of each contact, in the order it said it. */
struct order_seen {
	unsigned n;
	struct {
		char address[64];
		struct scoring_result r;
		char name[64];
	} c[ORDER_N + 1];
};

static void on_order(void *arg, const struct store_lead *l, const struct lead_scored *sc)
{
	struct order_seen *S = arg;
	assert_true(S->n <= ORDER_N);
	snprintf(S->c[S->n].address, sizeof(S->c[S->n].address), "%s", l->address);
	snprintf(S->c[S->n].name, sizeof(S->c[S->n].name), "%s %s",
		 l->profile.first_name ? l->profile.first_name : "-",
		 l->profile.last_name ? l->profile.last_name : "-");
	S->c[S->n].r = sc->r;
	S->n++;
}

static void on_order_explain(void *arg, const char *address, const struct lead_scored *sc)
{
	struct scoring_result *r = arg;
	(void)address;
	*r = sc->r;
}

static void order_run(const struct conf *c, const char *db, const char *list, struct order_seen *S)
{
	char out[320];
	struct lg_err e = {{0}};
	snprintf(out, sizeof(out), "%s/%u-order.csv", tmpdir, ++dbseq);
	memset(S, 0, sizeof(*S));
	struct job_score_opts o = {.conf = c,
				   .db = db,
				   .list = list,
				   .dry_run = true,
				   .each = on_order,
				   .arg = S,
				   .now = T0 + DAY};
	struct job_score *j = NULL;
	if (job_score_open(&j, &o, &e) != LG_OK)
		fail_msg("job_score_open: %s", e.msg);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	if (job_score_write(j, fd, &e) != LG_OK)
		fail_msg("job_score_write: %s", e.msg);
	close(fd);
	assert_int_equal(job_score_report(j)->scored, S->n);
	job_score_close(j);
}

/* A run over the whole store, and over a list, calls each contact once,
 * in address order, whatever order the rows and the events were stored
 * in, with its own profile (or none) and the score an explanation of it
 * alone gives: its events, no other's, none lost or counted twice. */
static void test_score_job_order(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	make_order_store(db, sizeof(db));
	struct order_seen S;
	for (int list = 0; list < 2; list++) {
		order_run(&c, db, list ? "some" : NULL, &S);
		assert_int_equal(S.n, list ? ORDER_N / 2 : ORDER_N);
		for (unsigned k = 0; k < S.n; k++) {
			unsigned i = list ? 2 * k : k;
			char addr[64];
			order_addr(addr, sizeof(addr), i);
			assert_string_equal(S.c[k].address, addr);
			assert_string_equal(S.c[k].name, i % 3 ? "Ann Lee" : "- -");
			struct scoring_result r;
			struct job_score_opts o = {.conf = &c,
						   .db = db,
						   .explain = addr,
						   .now = T0 + DAY};
			struct job_score *j = NULL;
			struct lg_err e = {{0}};
			assert_int_equal(job_score_open(&j, &o, &e), LG_OK);
			assert_int_equal(job_score_explain(j, on_order_explain, &r, &e), LG_OK);
			job_score_close(j);
			assert_true(S.c[k].r.engagement == r.engagement);
			assert_true(S.c[k].r.intent == r.intent);
			assert_true(S.c[k].r.total == r.total);
			assert_true(S.c[k].r.fit_eff == r.fit_eff);
			assert_int_equal(S.c[k].r.trend, r.trend);
			/* the events count: a contact with more scores more */
			if (i % 4 != 3 && i % 5 > 0)
				assert_true(r.engagement + r.intent > 0);
		}
	}
	conf_release(&c);
}

/* each's calls, in order: the addresses strictly increasing. */
struct many_seen {
	unsigned n;
	char last[64];
};

static void on_many(void *arg, const struct store_lead *l, const struct lead_scored *sc)
{
	struct many_seen *m = arg;
	assert_true(strcmp(m->last, l->address) < 0);
	assert_non_null(sc->account);
	assert_string_equal(sc->account, strchr(l->address, '@') + 1);
	snprintf(m->last, sizeof(m->last), "%s", l->address);
	m->n++;
}

/* A run over more contacts than the rows handed to the writer at a time
 * writes every one once, in address order, and calls each for every one
 * in that order, with its account (the rows are added in another order:
 * "d10..." comes before "d2..."). */
static void test_score_job_many(void **state)
{
	struct many_seen seen = {0};
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320], out[320];
	struct lg_err e = {{0}};
	struct store *s = open_new();
	snprintf(db, sizeof(db), "%s", store_path(s));
	const struct mix m = {.deliverable = 9000, .risky = 500, .unknown = 500};
	make_list(s, "many", &m, T0);
	store_close(s);
	snprintf(out, sizeof(out), "%s/%u-many.csv", tmpdir, ++dbseq);
	struct job_score_opts o = {.conf = &c,
				   .db = db,
				   .dry_run = true,
				   .each = on_many,
				   .arg = &seen,
				   .now = T0 + DAY};
	struct job_score *j = NULL;
	assert_int_equal(job_score_open(&j, &o, &e), LG_OK);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(job_score_write(j, fd, &e), LG_OK);
	close(fd);
	assert_int_equal(job_score_report(j)->scored, 10000);
	assert_int_equal(seen.n, 10000);
	job_score_close(j);

	FILE *f = fopen(out, "r");
	assert_non_null(f);
	char line[512], prev[512] = "";
	unsigned rows = 0;
	assert_non_null(fgets(line, sizeof(line), f)); /* the header */
	assert_int_equal(strncmp(line, "email,", 6), 0);
	while (fgets(line, sizeof(line), f)) {
		char *comma = strchr(line, ',');
		assert_non_null(comma);
		*comma = '\0';
		assert_true(strcmp(prev, line) < 0);
		snprintf(prev, sizeof(prev), "%s", line);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 10000);
	conf_release(&c);
}

/* What the scoring run handed each for the contacts of
 * test_score_job_profiles. */
struct profiles_seen {
	unsigned n;
	size_t title_len[3], company_len[3];
	bool industry_null[3], region_null[3], name_null[3];
	char title0[3], name0[3];
};

static void on_profile(void *arg, const struct store_lead *l, const struct lead_scored *sc)
{
	struct profiles_seen *P = arg;
	(void)sc;
	assert_true(P->n < 3);
	const struct store_profile *p = &l->profile;
	unsigned i = P->n++;
	P->title_len[i] = p->title ? strlen(p->title) : 0;
	P->title0[i] = p->title ? p->title[0] : 0;
	P->company_len[i] = p->company ? strlen(p->company) : 0;
	P->industry_null[i] = !p->industry;
	P->region_null[i] = !p->region;
	P->name_null[i] = !p->name;
	P->name0[i] = p->name ? p->name[0] : 0;
	assert_string_equal(sc->account, strchr(l->address, '@') + 1);
}

/* Each contact comes to the scoring with its own strings, whatever
 * their size: one whose profile takes more than 64 KiB (free text kept
 * from a list), one with a profile of a kilobyte, one without any; the
 * missing ones NULL, the others whole. */
static void test_score_job_profiles(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320], out[320];
	struct lg_err e = {{0}};
	snprintf(db, sizeof(db), "%s/%u-profiles.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	struct store_run run;
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_verify_begin(s, "p", NULL, "p.csv", NULL, T0, &run, &e), LG_OK);
	char *title = malloc(30001), *company = malloc(40001), medium[1001];
	assert_non_null(title);
	assert_non_null(company);
	memset(title, 'T', 30000);
	title[30000] = '\0';
	memset(company, 'C', 40000);
	company[40000] = '\0';
	memset(medium, 'M', 1000); /* more than 255 bytes, less than 64 KiB */
	medium[1000] = '\0';
	static const char *const addr[3] = {"a@long.example", "b@short.example", "c@none.example"};
	const struct store_profile prof[2] = {
		{.title = title, .company = company, .name = "Ann Long", .employees = -1},
		{.title = "CEO", .company = medium, .region = "EU", .employees = 10},
	};
	for (int i = 0; i < 3; i++) {
		const char *dom = strchr(addr[i], '@') + 1;
		struct store_verdict v = {
			.address = addr[i],
			.address_len = strlen(addr[i]),
			.domain = dom,
			.domain_len = strlen(dom),
			.status = VERIFY_DELIVERABLE,
			.reason = VERIFY_R_OK,
			.mx = "mx.example.net",
			.provider = "",
			.verified_at = T0,
			.profile = i < 2 ? &prof[i] : NULL,
			.account = dom,
			.account_len = strlen(dom),
		};
		assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	}
	struct store_list_counts lc = {.rows = 3, .contacts = 3};
	assert_int_equal(store_verify_finish(s, &run, &lc, T0, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	store_close(s);
	free(title);
	free(company);

	struct profiles_seen P = {0};
	snprintf(out, sizeof(out), "%s/%u-profiles.csv", tmpdir, ++dbseq);
	struct job_score_opts o = {
		.conf = &c, .db = db, .dry_run = true, .each = on_profile, .arg = &P, .now = T0};
	struct job_score *j = NULL;
	assert_int_equal(job_score_open(&j, &o, &e), LG_OK);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(job_score_write(j, fd, &e), LG_OK);
	close(fd);
	job_score_close(j);
	assert_int_equal(P.n, 3);
	/* a@long.example */
	assert_int_equal(P.title_len[0], 30000);
	assert_int_equal(P.title0[0], 'T');
	assert_int_equal(P.company_len[0], 40000);
	assert_true(P.industry_null[0]);
	assert_true(P.region_null[0]);
	assert_false(P.name_null[0]);
	assert_int_equal(P.name0[0], 'A');
	/* b@short.example */
	assert_int_equal(P.title_len[1], 3);
	assert_int_equal(P.title0[1], 'C');
	assert_int_equal(P.company_len[1], 1000);
	assert_false(P.region_null[1]);
	assert_true(P.name_null[1]);
	/* c@none.example: no profile at all */
	assert_int_equal(P.title_len[2], 0);
	assert_true(P.industry_null[2]);
	assert_true(P.name_null[2]);
	conf_release(&c);
}

/* The figures as the rows print them are snprintf's, digit for digit,
 * half-way cases, signs and the out-of-range included. */
static void test_lead_format(void **state)
{
	(void)state;
	char a[LEAD_FIXED_MAX], b[LEAD_FIXED_MAX];
	static const double fixed[] = {
		0,     -0.0,        0.0625, -0.0625, 0.0005, 0.0015, 0.1235, 1.0005,   0.125,
		2.675, -2.675,      0.005,  -0.005,  0.015,  99.995, 1e-9,   -1e-9,    123456.789,
		1e5,   999999.9995, 1e6,    -1e6,    1e15,   -1e15,  1e300,  INFINITY, -INFINITY,
		NAN,   0.4,         0.999,  0.9995,  12.22,  14.22,  11.99,  -0.004,   -0.0004,
	};
	unsigned long x = 88172645463325252UL; /* xorshift: many values, the same each run */
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000; i++) {
		double v;
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			v = fixed[i];
		} else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* values around the scores' range, and exact halves */
			v = i % 3   ? (double)(long)(x % 4000000) / 1000 - 1000
			    : i % 2 ? (double)(long)(x % 200001) / 2000 - 50
				    : (double)(x >> 11) / 9007199254740992.0 * 200 - 100;
		}
		size_t n = lead_format_cents(a, v);
		snprintf(b, sizeof(b), "%.2f", lead_cents(v));
		assert_string_equal(a, b);
		assert_int_equal(n, strlen(b));
		n = lead_format_thousandths(a, v);
		snprintf(b, sizeof(b), "%.3f", v);
		assert_string_equal(a, b);
		assert_int_equal(n, strlen(b));
	}
}

/* Qualification on the scoring store: what blocks SQL before and after a
 * rep accepts the fitting contact; a reject needs a known reason, and
 * bad_data sends the contact back to re-verification; the rejection
 * report counts the reps' decisions, not the automatic moves. */
static void test_qualify_jobs(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	make_scoring_store(db, sizeof(db));
	struct lg_err e = {{0}};
	struct job_lead_opts o = {.conf = &c,
				  .db = db,
				  .email = "VP@Acme-Soft.com",
				  .now = T0 + DAY};
	struct job_qualify_result q;

	assert_int_equal(job_qualify(&o, NULL, &q, &e), LG_OK);
	assert_string_equal(q.address, score_addr[0]);
	assert_int_equal(q.stage, SCORING_LEAD);
	assert_false(q.need[0].ok); /* no rep has accepted it */
	assert_true(q.need[1].ok);  /* eligible */
	assert_true(q.need[2].ok);  /* ICP fit */
	assert_false(q.need[4].ok); /* no buying role confirmed */
	assert_true(q.blocked >= 2);
	assert_int_equal(job_qualify(&o, "RUP", &q, &e), LG_EUSAGE);

	struct job_decision d = {.what = "accept", .by = "ann"};
	struct job_decide_result r;
	assert_int_equal(job_decision_parse(&d, &e), LG_OK);
	assert_int_equal(d.to, SCORING_SAL);
	assert_int_equal(job_decide(&o, &d, &r, &e), LG_OK);
	assert_false(r.refused);
	assert_true(r.move);
	assert_int_equal(r.from, SCORING_LEAD);
	assert_int_equal(job_qualify(&o, NULL, &q, &e), LG_OK);
	assert_int_equal(q.stage, SCORING_SAL);
	assert_true(q.need[0].ok);

	struct job_decision bad = {.what = "reject", .by = "ann"};
	assert_int_equal(job_decision_parse(&bad, &e), LG_EUSAGE); /* no reason */
	bad.reason = "no_reason_at_all";
	assert_int_equal(job_decision_parse(&bad, &e), LG_EUSAGE);
	bad.reason = "bad_data";
	assert_int_equal(job_decision_parse(&bad, &e), LG_OK);
	struct job_lead_opts o2 = o;
	o2.email = score_addr[1];
	assert_int_equal(job_decide(&o2, &bad, &r, &e), LG_OK);
	assert_true(r.move && r.bad_data);

	struct job_rejections T;
	assert_int_equal(job_rejections(db, &T, &e), LG_OK);
	assert_int_equal(T.decisions, 2);
	assert_int_equal(T.rejections, 1);
	assert_int_equal(T.reason[0], 1); /* bad_data */
	assert_string_equal(job_decide_reasons[0], "bad_data");

	o2.email = "nobody@nowhere.example";
	assert_int_equal(job_qualify(&o2, NULL, &q, &e), LG_ENOINPUT);
	conf_release(&c);
}

/* The accept link's job: a handoff as its rep sees it, accepted only
 * while it is open and still that rep's, as decide accepts it. */
static void test_handoff_link(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	make_scoring_store(db, sizeof(db));
	struct lg_err e = {{0}};
	struct store *s;
	int64_t cid;
	assert_int_equal(store_open(&s, db, STORE_WRITE, &e), LG_OK);
	assert_int_equal(store_contact_find(s, score_addr[0], strlen(score_addr[0]), &cid, &e),
			 LG_OK);
	struct store_handoff h = {.contact_id = cid,
				  .team = "sales",
				  .rep = "cy",
				  .stage = SCORING_HQL,
				  .handed_at = T0,
				  .deadline = T0 + 300,
				  .state = "open"};
	assert_int_equal(store_begin(s, &e), LG_OK);
	assert_int_equal(store_handoff_add(s, &h, &e), LG_OK);
	assert_int_equal(store_commit(s, &e), LG_OK);
	store_close(s);
	struct job_lead_opts o = {.conf = &c, .db = db, .now = T0 + 60};
	struct job_link *l = lg_xcalloc(1, sizeof(*l));

	/* another rep's link: the handoff went to cy (an escalation) */
	assert_int_equal(job_handoff_link(&o, h.id, "ana", true, l, &e), LG_OK);
	assert_int_equal(l->state, JOB_LINK_MOVED);
	assert_string_equal(l->rep, "cy");
	assert_string_equal(l->address, score_addr[0]);
	/* decide's own check, in the transaction that would accept: what
	 * the link's job relies on when an escalation comes in between */
	struct job_decision d = {.what = "accept", .by = "ana", .handoff = h.id};
	struct job_decide_result r;
	struct job_lead_opts od = o;
	od.email = score_addr[0];
	assert_int_equal(job_decision_parse(&d, &e), LG_OK);
	assert_int_equal(job_decide(&od, &d, &r, &e), LG_OK);
	assert_true(r.handoff_moved);
	assert_false(r.handoff_accepted);
	struct job_qualify_result q;
	assert_int_equal(job_qualify(&od, NULL, &q, &e), LG_OK);
	assert_int_equal(q.stage, SCORING_LEAD); /* nothing recorded */

	/* looked at, not accepted: a GET */
	assert_int_equal(job_handoff_link(&o, h.id, "cy", false, l, &e), LG_OK);
	assert_int_equal(l->state, JOB_LINK_OPEN);
	/* cy's link accepts, as decide accept --by cy */
	assert_int_equal(job_handoff_link(&o, h.id, "cy", true, l, &e), LG_OK);
	assert_int_equal(l->state, JOB_LINK_ACCEPTED);
	assert_true(l->now);
	assert_true(l->d.handoff_accepted);
	assert_int_equal(job_qualify(&od, NULL, &q, &e), LG_OK);
	assert_int_equal(q.stage, SCORING_SAL);
	/* again: accepted before, by cy */
	assert_int_equal(job_handoff_link(&o, h.id, "cy", true, l, &e), LG_OK);
	assert_int_equal(l->state, JOB_LINK_ACCEPTED);
	assert_false(l->now);
	assert_string_equal(l->accepted_by, "cy");
	assert_int_equal(l->accepted_at, T0 + 60);
	/* no such handoff */
	assert_int_equal(job_handoff_link(&o, h.id + 1, "cy", true, l, &e), LG_OK);
	assert_int_equal(l->state, JOB_LINK_UNKNOWN);
	free(l);
	conf_release(&c);
}

/* ---- the lists job ---- */

static const struct job_list *lists_next(struct job_lists *j)
{
	const struct job_list *l;
	struct lg_err e = {{0}};
	if (job_lists_next(j, &l, &e) != LG_OK)
		fail_msg("job_lists_next: %s", e.msg);
	return l;
}

/* The lists in name order, each weighed as list_evaluate weighs it, with
 * every version's window; a page after a name; one list by name; risky
 * records counted when asked; two jobs read side by side. */
static void test_lists_job(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	snprintf(db, sizeof(db), "%s/%u-lists.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);
	make_list(s, "good", &(struct mix){.deliverable = 3000, .undeliverable = 20}, T0);
	make_list(s, "bad", &(struct mix){.deliverable = 100, .risky = 900}, T0);
	make_list(s, "mid", &(struct mix){.deliverable = 50, .unknown = 5}, T0);
	make_list(s, "mid", &(struct mix){.deliverable = 60}, T0 + DAY);
	store_close(s);
	bool blocked;
	assert_int_equal(export_rows(&c, db, "good", true, &blocked, NULL), 3000);

	struct job_lists_opts o = {.conf = &c, .db = db, .now = T0 + 2 * DAY};
	struct job_lists *j = NULL;
	assert_int_equal(job_lists_open(&j, &o, &e), LG_OK);
	const struct job_list *l = lists_next(j);
	assert_non_null(l);
	assert_string_equal(l->info.name, "bad");
	assert_int_equal(l->eval.members, 1000);
	assert_int_equal(l->eval.exportable, 100);
	assert_true(l->eval.gate.blocked);
	assert_int_equal(l->nwindows, 1);

	l = lists_next(j);
	assert_string_equal(l->info.name, "good");
	assert_int_equal(l->eval.members, 3020);
	assert_int_equal(l->eval.exportable, 3000);
	assert_false(l->eval.gate.blocked);
	assert_int_equal(l->eval.in.exported, 3000); /* the export's window */
	assert_int_equal(l->nwindows, 1);
	assert_int_equal(l->windows[0].exported, 3000);
	assert_int_equal(l->windows[0].run, l->info.version_run);

	l = lists_next(j);
	assert_string_equal(l->info.name, "mid");
	assert_int_equal(l->info.versions, 2);
	assert_int_equal(l->eval.members, 60); /* the current version's */
	assert_int_equal(l->nwindows, 2);
	assert_int_equal(l->windows[0].version, 1);
	assert_int_equal(l->windows[0].contacts, 55);
	assert_int_equal(l->windows[1].version, 2);
	assert_int_equal(l->windows[1].verified_at, T0 + DAY);
	assert_int_equal(l->windows[1].run, l->info.version_run);
	/* The same figures as the gate's own evaluation. */
	struct store_list_info li;
	struct list_eval ev;
	assert_int_equal(store_open(&s, db, STORE_READ, &e), LG_OK);
	evaluate(s, &c, "mid", o.now, false, &li, &ev);
	store_close(s);
	assert_int_equal(ev.exportable, l->eval.exportable);
	assert_true(ev.gate.predicted_upper == l->eval.gate.predicted_upper);
	assert_int_equal(ev.gate.blocked, l->eval.gate.blocked);
	assert_null(lists_next(j));
	assert_null(lists_next(j));

	/* One list by name; none by a name the store does not know. */
	assert_int_equal(job_list_show(j, "bad", &l, &e), LG_OK);
	assert_string_equal(l->info.name, "bad");
	assert_int_equal(l->eval.exportable, 100);
	assert_int_equal(job_list_show(j, "nope", &l, &e), LG_ENOINPUT);
	assert_null(l);
	assert_non_null(strstr(e.msg, "no list 'nope'"));
	job_lists_close(j);

	/* A page after "bad", risky records counted: two jobs side by side,
	 * each on its own page. */
	struct job_lists_opts o2 = o;
	o2.after = "bad";
	o2.include_risky = true;
	struct job_lists *k = NULL;
	assert_int_equal(job_lists_open(&j, &o, &e), LG_OK);
	assert_int_equal(job_lists_open(&k, &o2, &e), LG_OK);
	const struct job_list *lj = lists_next(j), *lk = lists_next(k);
	assert_string_equal(lj->info.name, "bad");
	assert_string_equal(lk->info.name, "good");
	assert_int_equal(lj->eval.exportable, 100);
	lk = lists_next(k);
	assert_string_equal(lk->info.name, "mid");
	assert_string_equal(lj->info.name, "bad");
	assert_string_equal(lists_next(j)->info.name, "good");
	assert_null(lists_next(k));
	assert_int_equal(job_list_show(k, "bad", &l, &e), LG_OK);
	assert_int_equal(l->eval.exportable, 1000); /* with the risky ones */
	job_lists_close(k);
	job_lists_close(j);

	/* No database: said, and none is made. */
	char none[340];
	snprintf(none, sizeof(none), "%s/none.db", tmpdir);
	o.db = none;
	assert_int_equal(job_lists_open(&j, &o, &e), LG_ENOINPUT);
	job_lists_close(j);
	assert_int_equal(access(none, F_OK), -1);
	conf_release(&c);
}

/* A body in memory (a webhook's): imported in its own transaction, an
 * event posted again counts once, and a body of another provider's
 * format, or events that are not NDJSON, are refused whole. */
static void test_import_body(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	char db[320];
	snprintf(db, sizeof(db), "%s/%u-body.db", tmpdir, ++dbseq);
	struct store *s = NULL;
	struct lg_err e = {{0}};
	assert_int_equal(store_open(&s, db, STORE_CREATE, &e), LG_OK);

	const char *sg = "[{\"email\":\"gone@example.org\",\"event\":\"bounce\","
			 "\"type\":\"bounce\",\"status\":\"5.1.1\",\"reason\":\"550 5.1.1 "
			 "no such user\",\"timestamp\":1700000000,\"sg_event_id\":\"e1\"}]";
	struct job_bounces_opts o = {.conf = &c, .now = T0};
	struct job_bounces_file f;
	assert_int_equal(job_bounces_import_body(&o, s, "post", sg, strlen(sg), BOUNCE_FMT_POSTMARK,
						 &f, &e),
			 LG_EDATA);
	assert_non_null(strstr(e.msg, "not a postmark webhook's body"));
	/* refused whole: the event is new when it comes the right way */
	assert_int_equal(job_bounces_import_body(&o, s, "post", sg, strlen(sg), BOUNCE_FMT_SENDGRID,
						 &f, &e),
			 LG_OK);
	assert_string_equal(f.format, "sendgrid");
	assert_int_equal(f.added, 1);
	assert_int_equal(f.by_type[BOUNCE_HARD], 1);
	assert_int_equal(f.suppressed, 1);
	assert_int_equal(job_bounces_import_body(&o, s, "post", sg, strlen(sg), -1, &f, &e), LG_OK);
	assert_int_equal(f.added, 0);
	assert_int_equal(f.dup, 1);

	const char *ev = "{\"event_id\":\"x1\",\"email\":\"ann@acme-soft.com\","
			 "\"type\":\"demo_request\",\"occurred_at\":\"2025-11-01T09:00:00Z\"}\n"
			 "not an event\n";
	const char *csv = "event_id,email,type,occurred_at\n"
			  "x2,ann@acme-soft.com,demo_request,2025-11-01T09:00:00Z\n";
	struct job_events_opts eo = {.conf = &c, .now = T0};
	struct job_events_file ef;
	assert_int_equal(job_events_import_body(&eo, s, "post", csv, strlen(csv), &ef, &e),
			 LG_EDATA);
	assert_int_equal(job_events_import_body(&eo, s, "post", ev, strlen(ev), &ef, &e), LG_OK);
	assert_true(ef.ndjson);
	assert_int_equal(ef.added, 1);
	assert_int_equal(ef.bad, 1);
	assert_int_equal(job_events_import_body(&eo, s, "post", ev, strlen(ev), &ef, &e), LG_OK);
	assert_int_equal(ef.added, 0);
	assert_int_equal(ef.dup, 1);
	store_close(s);
	conf_release(&c);
}

/* The SMTP stage's table: every outcome of a probe, on each verdict a
 * domain that takes mail can have (ok, class.role, class.disposable), and
 * on verdicts the probe must leave alone. */
static void test_smtp_verdict(void **state)
{
	(void)state;
	static const struct {
		enum verify_status st;
		enum verify_reason why;
		unsigned flags;
		int outcome; /* enum smtp_outcome; -1: no probe (NULL) */
		bool skipped;
		enum verify_status want_st;
		enum verify_reason want_why;
		unsigned want_flags;
	} t[] = {
		/* 250 to the address, no catch-all: the DNS verdict stands */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_ACCEPTED, false, VERIFY_DELIVERABLE,
		 VERIFY_R_OK, 0},
		{VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE, SMTP_ACCEPTED, false, VERIFY_RISKY,
		 VERIFY_R_ROLE, VERIFY_F_ROLE},
		/* catch-all: risky, flag accept_all */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, VERIFY_F_FREE, SMTP_CATCH_ALL, false,
		 VERIFY_RISKY, VERIFY_R_SMTP_CATCH_ALL, VERIFY_F_FREE | VERIFY_F_ACCEPT_ALL},
		{VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE, SMTP_CATCH_ALL, false, VERIFY_RISKY,
		 VERIFY_R_SMTP_CATCH_ALL, VERIFY_F_ROLE | VERIFY_F_ACCEPT_ALL},
		/* no mailbox, disabled: undeliverable */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_NO_MAILBOX, false, VERIFY_UNDELIVERABLE,
		 VERIFY_R_SMTP_NO_MAILBOX, 0},
		{VERIFY_RISKY, VERIFY_R_DISPOSABLE, VERIFY_F_DISPOSABLE, SMTP_NO_MAILBOX, false,
		 VERIFY_UNDELIVERABLE, VERIFY_R_SMTP_NO_MAILBOX, VERIFY_F_DISPOSABLE},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_DISABLED, false, VERIFY_UNDELIVERABLE,
		 VERIFY_R_SMTP_DISABLED, 0},
		/* full: risky */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_FULL, false, VERIFY_RISKY,
		 VERIFY_R_SMTP_MAILBOX_FULL, 0},
		/* a failure to decide: unknown, never undeliverable */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_BLOCKED, false, VERIFY_UNKNOWN,
		 VERIFY_R_SMTP_BLOCKED, 0},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_GREYLISTED, false, VERIFY_UNKNOWN,
		 VERIFY_R_SMTP_GREYLISTED, 0},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_TIMEOUT, false, VERIFY_UNKNOWN,
		 VERIFY_R_SMTP_TIMEOUT, 0},
		{VERIFY_RISKY, VERIFY_R_ROLE, VERIFY_F_ROLE, SMTP_NO_CONNECT, false, VERIFY_UNKNOWN,
		 VERIFY_R_SMTP_NO_CONNECT, VERIFY_F_ROLE},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_UNDECIDED, false, VERIFY_UNKNOWN,
		 VERIFY_R_SMTP_UNDECIDED, 0},
		/* no probe decided: the DNS verdict stands */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_NOT_PROBED, false, VERIFY_DELIVERABLE,
		 VERIFY_R_OK, 0},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_PENDING, false, VERIFY_DELIVERABLE,
		 VERIFY_R_OK, 0},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, -1, false, VERIFY_DELIVERABLE, VERIFY_R_OK, 0},
		/* a provider in the table: the DNS verdict, flag smtp_skipped,
		 * whatever the probe says */
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_NOT_PROBED, true, VERIFY_DELIVERABLE,
		 VERIFY_R_OK, VERIFY_F_SMTP_SKIPPED},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, SMTP_NO_MAILBOX, true, VERIFY_DELIVERABLE,
		 VERIFY_R_OK, VERIFY_F_SMTP_SKIPPED},
		{VERIFY_DELIVERABLE, VERIFY_R_OK, 0, -1, true, VERIFY_DELIVERABLE, VERIFY_R_OK,
		 VERIFY_F_SMTP_SKIPPED},
		/* a domain that takes no mail, or no answer: no mailbox to ask */
		{VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, 0, SMTP_ACCEPTED, false,
		 VERIFY_UNDELIVERABLE, VERIFY_R_NXDOMAIN, 0},
		{VERIFY_UNDELIVERABLE, VERIFY_R_NULL_MX, VERIFY_F_DISPOSABLE, SMTP_CATCH_ALL, true,
		 VERIFY_UNDELIVERABLE, VERIFY_R_NULL_MX, VERIFY_F_DISPOSABLE},
		{VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, 0, SMTP_NO_MAILBOX, false, VERIFY_UNKNOWN,
		 VERIFY_R_TIMEOUT, 0},
		{VERIFY_UNKNOWN, VERIFY_R_DNS_SKIPPED, 0, SMTP_NO_MAILBOX, false, VERIFY_UNKNOWN,
		 VERIFY_R_DNS_SKIPPED, 0},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		struct verify_result v = {.status = t[i].st,
					  .reason = t[i].why,
					  .flags = t[i].flags};
		struct smtp_result r = {.outcome = (uint8_t)(t[i].outcome < 0 ? 0 : t[i].outcome)};
		job_smtp_verdict(&v, t[i].outcome < 0 ? NULL : &r, t[i].skipped);
		if (v.status != t[i].want_st || v.reason != t[i].want_why ||
		    v.flags != t[i].want_flags)
			fail_msg("row %zu: %s/%s/%x, want %s/%s/%x", i,
				 verify_status_name(v.status), verify_reason_name(v.reason),
				 v.flags, verify_status_name(t[i].want_st),
				 verify_reason_name(t[i].want_why), t[i].want_flags);
		/* The reason's own status is the verdict's. */
		assert_int_equal(verify_reason_status(v.reason) == v.status ||
					 v.reason == VERIFY_R_DISPOSABLE || v.reason == VERIFY_R_OK,
				 true);
	}

	/* Through job_verdict: the evidence the store keeps, and a hard
	 * bounce deciding over the probe. */
	struct verify_result v = {.status = VERIFY_UNKNOWN,
				  .reason = VERIFY_R_DNS_SKIPPED,
				  .normalized = "ann@acme.io",
				  .normalized_len = 11,
				  .suggestion = "",
				  .domain = "acme.io",
				  .domain_len = 7,
				  .org_len = 7};
	struct dns_result d = {.mx = "mx.acme.io", .outcome = DNS_MX, .answered_at = 1000};
	struct smtp_result r = {.outcome = SMTP_NO_MAILBOX, .tls = 1, .decided_at = 1005};
	memcpy(r.reply, "550 5.1.1", 10);
	struct store_verdict sv;
	job_verdict(&v, &d, &r, false, false, 2000, NULL, &sv);
	assert_int_equal(sv.status, VERIFY_UNDELIVERABLE);
	assert_int_equal(sv.reason, VERIFY_R_SMTP_NO_MAILBOX);
	assert_int_equal(sv.smtp_outcome, SMTP_NO_MAILBOX);
	assert_true(sv.smtp_tls);
	assert_string_equal(sv.smtp_reply, "550 5.1.1");
	assert_int_equal(sv.smtp_at, 1005);
	v.status = VERIFY_UNKNOWN, v.reason = VERIFY_R_DNS_SKIPPED;
	job_verdict(&v, &d, &r, true, false, 2000, NULL, &sv); /* skipped: no evidence */
	assert_int_equal(sv.reason, VERIFY_R_OK);
	assert_int_equal(sv.smtp_outcome, 0);
	v.status = VERIFY_UNKNOWN, v.reason = VERIFY_R_DNS_SKIPPED, v.flags = 0;
	r.outcome = SMTP_ACCEPTED;
	job_verdict(&v, &d, &r, false, true, 2000, NULL, &sv);
	assert_int_equal(sv.reason, VERIFY_R_BOUNCE_HARD);
	assert_int_equal(sv.smtp_outcome, SMTP_ACCEPTED);
}

/* The resolver's mail hosts as the prober takes them, in order, each
 * with its addresses. */
static void test_smtp_hosts(void **state)
{
	(void)state;
	struct dns_host in[2] = {
		{.name = "mx1.acme.io", .naddr = 2},
		{.name = "mx2.acme.io", .naddr = 1},
	};
	in[0].addr[0] = (struct dns_host_addr){.family = AF_INET, .addr = {127, 0, 0, 11}};
	in[0].addr[1] = (struct dns_host_addr){.family = AF_INET6, .addr = {[15] = 1}};
	in[1].addr[0] = (struct dns_host_addr){.family = AF_INET, .addr = {127, 0, 0, 12}};
	struct smtp_host out[SMTP_HOSTS_MAX];
	job_smtp_hosts(in, 2, out);
	assert_string_equal(out[0].name, "mx1.acme.io");
	assert_int_equal(out[0].naddr, 2);
	assert_int_equal(out[0].addr[0].family, AF_INET);
	assert_memory_equal(out[0].addr[0].addr, in[0].addr[0].addr, 16);
	assert_int_equal(out[0].addr[1].family, AF_INET6);
	assert_int_equal(out[0].addr[1].addr[15], 1);
	assert_string_equal(out[1].name, "mx2.acme.io");
	assert_int_equal(out[1].naddr, 1);
	assert_int_equal(out[1].addr[0].addr[3], 12);
}

/* The gate weighs a mailbox a probe confirmed below one whose domain only
 * takes mail, and a catch-all address above the other risky ones. */
static void test_gate_smtp_priors(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	struct store *s = open_new();
	struct lg_err e = {{0}};
	const char *names[3] = {"dns-only", "confirmed", "catch-all"};
	for (int k = 0; k < 3; k++) {
		struct store_run run;
		assert_int_equal(store_begin(s, &e), LG_OK);
		assert_int_equal(store_verify_begin(s, names[k], NULL, "in.csv", NULL, T0, &run, &e),
				 LG_OK);
		for (unsigned i = 0; i < 100; i++) {
			char addr[64];
			snprintf(addr, sizeof(addr), "k%d.%u@probe%u.io", k, i, i % 5);
			struct store_verdict v = {
				.address = addr,
				.address_len = strlen(addr),
				.domain = strchr(addr, '@') + 1,
				.domain_len = strlen(strchr(addr, '@') + 1),
				.status = k == 2 ? VERIFY_RISKY : VERIFY_DELIVERABLE,
				.reason = k == 2 ? VERIFY_R_SMTP_CATCH_ALL : VERIFY_R_OK,
				.flags = k == 2 ? VERIFY_F_ACCEPT_ALL : 0,
				.mx = "mx.probe.io",
				.provider = "",
				.verified_at = T0,
				.smtp_outcome = k == 0   ? 0
						: k == 1 ? SMTP_ACCEPTED
							 : SMTP_CATCH_ALL,
				.smtp_reply = "250 2.1.5",
				.smtp_at = T0,
			};
			assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
		}
		struct store_list_counts lc = {.rows = 100, .contacts = 100};
		assert_int_equal(store_verify_finish(s, &run, &lc, T0, &e), LG_OK);
		assert_int_equal(store_commit(s, &e), LG_OK);
	}
	struct store_list_info li;
	struct list_eval dns, ok, ca;
	evaluate(s, &c, "dns-only", T0, true, &li, &dns);
	evaluate(s, &c, "confirmed", T0, true, &li, &ok);
	evaluate(s, &c, "catch-all", T0, true, &li, &ca);
	double surv = decay_survival(&c.decay, 0);
	assert_true(fabs(dns.whole_predicted - (1 - (1 - 0.005) * surv)) < 1e-12);
	assert_true(fabs(ok.whole_predicted - (1 - (1 - 0.002) * surv)) < 1e-12);
	assert_true(fabs(ca.whole_predicted - (1 - (1 - 0.15) * surv)) < 1e-12);
	assert_true(ok.whole_predicted < dns.whole_predicted);
	assert_true(ca.whole_predicted > 1 - (1 - c.gate.prior[VERIFY_RISKY]) * surv);
	store_close(s);
	conf_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_verdict),
		cmocka_unit_test(test_gate_smtp_priors),
		cmocka_unit_test(test_smtp_hosts),
		cmocka_unit_test(test_fresh_list_passes),
		cmocka_unit_test(test_stale_list_refresh),
		cmocka_unit_test(test_risky_left_out),
		cmocka_unit_test(test_unknown_only),
		cmocka_unit_test(test_side_by_side),
		cmocka_unit_test(test_verify_job),
		cmocka_unit_test(test_verify_job_drain_after_answer),
		cmocka_unit_test(test_verify_job_list),
		cmocka_unit_test(test_verify_job_nowait_backlog),
		cmocka_unit_test(test_verify_in_commit),
		cmocka_unit_test(test_verify_jobs_side_by_side),
		cmocka_unit_test(test_verify_job_no_email),
		cmocka_unit_test(test_refresh_job),
		cmocka_unit_test(test_export_job),
		cmocka_unit_test(test_score_job),
		cmocka_unit_test(test_score_job_order),
		cmocka_unit_test(test_score_job_many),
		cmocka_unit_test(test_score_job_profiles),
		cmocka_unit_test(test_lead_format),
		cmocka_unit_test(test_qualify_jobs),
		cmocka_unit_test(test_handoff_link),
		cmocka_unit_test(test_lists_job),
		cmocka_unit_test(test_import_body),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
