/*
 * test_loop.c - the event loop: descriptors made ready with pipes and
 * socket pairs, timers run on a clock of the test's own, and callbacks
 * that change what is watched while the loop calls them back.
 *
 * Every step waits 0 ms, or waits for a timer already due on the test's
 * clock: nothing here sleeps on the wall clock.
 */
#include "loop/loop.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

/* The test's clock: it moves only when the test says. */
struct fake_clock {
	int64_t now;
};

static int64_t fake_now(void *arg)
{
	return ((struct fake_clock *)arg)->now;
}

static struct loop *new_loop(struct fake_clock *c)
{
	struct loop *l;
	struct lg_err err;
	assert_int_equal(loop_new(&l, &err), LG_OK);
	if (c)
		loop_clock_set(l, fake_now, c);
	return l;
}

/* What the callbacks saw, in order. */
struct log {
	char s[256];
	size_t n;
};

static void log_add(struct log *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_add(struct log *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(g->s + g->n, sizeof(g->s) - g->n, fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(g->s) - g->n);
	g->n += (size_t)k;
}

/* ---- descriptors ---- */

struct seen {
	unsigned events; /* or'ed over the calls */
	int calls;
	int fd;
};

static void on_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct seen *s = arg;
	(void)l;
	s->events |= events;
	s->calls++;
	s->fd = fd;
}

static void test_fd_ready(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct lg_err err;
	struct seen rd = {0}, wr = {0};
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_set(l, p[0], LOOP_READ, on_ready, &rd, &err), LG_OK);
	assert_int_equal(loop_fd_events(l, p[0]), LOOP_READ);
	assert_int_equal(loop_step(l, 0), 0); /* nothing written yet */
	assert_int_equal(rd.calls, 0);

	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(rd.calls, 1);
	assert_int_equal(rd.events, LOOP_READ);
	assert_int_equal(rd.fd, p[0]);
	/* Level-triggered: still readable until read. */
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(loop_step(l, 0), 0);
	assert_int_equal(rd.calls, 2);

	/* An empty pipe's write end is writable at once. */
	assert_int_equal(loop_fd_set(l, p[1], LOOP_WRITE, on_ready, &wr, &err), LG_OK);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(wr.events, LOOP_WRITE);
	assert_int_equal(rd.calls, 2);

	/* The writer gone: the reader is told, as readable (read finds EOF). */
	loop_fd_del(l, p[1]);
	assert_int_equal(loop_fd_events(l, p[1]), 0);
	close(p[1]);
	rd.events = 0;
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(rd.events, LOOP_READ);
	assert_int_equal(read(p[0], &c, 1), 0);
	loop_fd_del(l, p[0]);
	close(p[0]);
	assert_int_equal(loop_step(l, 0), 0);
	/* Nothing watched, no timer: a step without limit returns at once. */
	assert_int_equal(loop_step(l, -1), 0);
	loop_free(l);
}

/* A loop inside another: the outer watches the inner's descriptor, which
 * is readable while a descriptor of the inner is ready, and steps the
 * inner then. */
static void step_inner(struct loop *l, int fd, unsigned events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	loop_step(arg, 0);
}

static void test_loop_in_loop(void **state)
{
	(void)state;
	struct loop *outer = new_loop(NULL), *inner = new_loop(NULL);
	struct lg_err err;
	struct seen rd = {0};
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_set(inner, p[0], LOOP_READ, on_ready, &rd, &err), LG_OK);
	assert_int_equal(loop_fd_set(outer, loop_fd(inner), LOOP_READ, step_inner, inner, &err),
			 LG_OK);
	assert_int_equal(loop_step(outer, 0), 0); /* nothing ready inside */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_step(outer, 0), 1);
	assert_int_equal(rd.calls, 1);
	assert_int_equal(rd.fd, p[0]);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(loop_step(outer, 0), 0); /* read: nothing ready again */
	assert_int_equal(rd.calls, 1);
	loop_fd_del(outer, loop_fd(inner));
	loop_fd_del(inner, p[0]);
	close(p[0]);
	close(p[1]);
	loop_free(inner);
	loop_free(outer);
}

/* Interest is what is reported: both, then read only, then the callback
 * and argument replaced. */
static void test_fd_interest(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct lg_err err;
	struct seen a = {0}, b = {0};
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "hi", 2), 2);
	assert_int_equal(loop_fd_set(l, sv[0], LOOP_READ | LOOP_WRITE, on_ready, &a, &err), LG_OK);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(a.events, LOOP_READ | LOOP_WRITE);

	a.events = 0;
	assert_int_equal(loop_fd_set(l, sv[0], LOOP_READ, on_ready, &a, &err), LG_OK);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(a.events, LOOP_READ);

	assert_int_equal(loop_fd_set(l, sv[0], LOOP_WRITE, on_ready, &b, &err), LG_OK);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.events, LOOP_WRITE);

	/* events 0 removes */
	assert_int_equal(loop_fd_set(l, sv[0], 0, on_ready, &b, &err), LG_OK);
	assert_int_equal(loop_fd_events(l, sv[0]), 0);
	assert_int_equal(loop_step(l, 0), 0);
	loop_fd_del(l, sv[0]); /* not watched: nothing happens */
	close(sv[0]);
	close(sv[1]);
	loop_free(l);
}

/* epoll does not take a regular file: an error naming the descriptor,
 * and the descriptor left unwatched. */
static void test_fd_refused(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct lg_err err;
	struct seen s = {0};
	FILE *f = tmpfile();
	assert_non_null(f);
	int fd = fileno(f);
	char want[64];

	assert_int_equal(loop_fd_set(l, fd, LOOP_READ, on_ready, &s, &err), LG_EIO);
	snprintf(want, sizeof(want), "descriptor %d", fd);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(loop_fd_events(l, fd), 0);
	assert_int_equal(loop_step(l, -1), 0);
	fclose(f);
	loop_free(l);
}

/* ---- timers ---- */

struct tick {
	struct log *log;
	const char *name;
};

static void on_tick(struct loop *l, void *arg)
{
	const struct tick *t = arg;
	(void)l;
	log_add(t->log, "%s ", t->name);
}

static void test_timer_order(void **state)
{
	(void)state;
	struct fake_clock c = {1000};
	struct loop *l = new_loop(&c);
	struct log g = {{0}, 0};
	struct tick t30 = {&g, "t30"}, t10 = {&g, "t10"}, t20 = {&g, "t20"}, t10b = {&g, "t10b"},
		    now = {&g, "now"};

	assert_int_equal(loop_now(l), 1000);
	loop_timer_add(l, 30, on_tick, &t30);
	loop_timer_add(l, 10, on_tick, &t10);
	loop_timer_add(l, 20, on_tick, &t20);
	loop_timer_add(l, 10, on_tick, &t10b); /* same deadline, added later: after t10 */
	assert_int_equal(loop_timer_count(l), 4);

	assert_int_equal(loop_step(l, 0), 0);
	c.now = 1009;
	assert_int_equal(loop_step(l, 0), 0);
	assert_string_equal(g.s, "");
	c.now = 1010;
	assert_int_equal(loop_step(l, 0), 2);
	assert_string_equal(g.s, "t10 t10b ");
	assert_int_equal(loop_timer_count(l), 2);
	/* Late: both due ones run, in deadline order. */
	c.now = 2000;
	loop_timer_add(l, -5, on_tick, &now); /* a negative delay is 0: due at 2000 */
	assert_int_equal(loop_step(l, 0), 3);
	assert_string_equal(g.s, "t10 t10b t20 t30 now ");
	assert_int_equal(loop_timer_count(l), 0);
	/* A due timer is waited for with no limit: the step returns. */
	loop_timer_add(l, 0, on_tick, &now);
	assert_int_equal(loop_step(l, -1), 1);
	loop_free(l);
}

static void test_timer_cancel(void **state)
{
	(void)state;
	struct fake_clock c = {0};
	struct loop *l = new_loop(&c);
	struct log g = {{0}, 0};
	struct tick a = {&g, "a"}, b = {&g, "b"};

	loop_timer_id ia = loop_timer_add(l, 5, on_tick, &a);
	loop_timer_id ib = loop_timer_add(l, 5, on_tick, &b);
	assert_true(ia != 0 && ib != 0 && ia != ib);
	assert_true(loop_timer_cancel(l, ia));
	assert_false(loop_timer_cancel(l, ia)); /* once only */
	assert_false(loop_timer_cancel(l, 0));
	assert_int_equal(loop_timer_count(l), 1);
	c.now = 5;
	assert_int_equal(loop_step(l, 0), 1);
	assert_string_equal(g.s, "b ");
	assert_false(loop_timer_cancel(l, ib)); /* it ran */

	/* A slot used again gets a new handle: the old one cancels nothing. */
	loop_timer_id ic = loop_timer_add(l, 1, on_tick, &a);
	assert_true(ic != ia && ic != ib);
	assert_false(loop_timer_cancel(l, ia));
	assert_false(loop_timer_cancel(l, ib));
	assert_int_equal(loop_timer_count(l), 1);
	/* Many at once, every other one cancelled: the rest run in order. */
	loop_timer_id ids[100];
	static struct tick many[100];
	static char names[100][12]; /* room for any int, as the compiler checks */
	struct log g2 = {{0}, 0};
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "%d", i);
		many[i] = (struct tick){&g2, names[i]};
		ids[i] = loop_timer_add(l, 100 - i / 2, on_tick, &many[i]); /* pairs, latest first */
	}
	for (int i = 0; i < 100; i += 2)
		assert_true(loop_timer_cancel(l, ids[i]));
	assert_true(loop_timer_cancel(l, ic));
	assert_int_equal(loop_timer_count(l), 50);
	c.now = 1000;
	assert_int_equal(loop_step(l, 0), 50);
	/* deadlines 100 - i/2: odd i from 99 (deadline 51) down to 1 (100) */
	char want[256] = "";
	for (int i = 99; i > 0; i -= 2) {
		size_t k = strlen(want);
		snprintf(want + k, sizeof(want) - k, "%d ", i);
	}
	assert_string_equal(g2.s, want);
	loop_free(l);
}

/* ---- changes from inside callbacks ---- */

/* Two pipes ready in the same step; whichever is called first removes
 * the other, which must not be called for the readiness already taken. */
struct pair {
	struct loop *l;
	int fd[2];
	int calls;
};

static void on_remove_other(struct loop *l, int fd, unsigned events, void *arg)
{
	struct pair *p = arg;
	(void)events;
	p->calls++;
	loop_fd_del(l, fd == p->fd[0] ? p->fd[1] : p->fd[0]);
}

static void test_remove_other_fd(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct lg_err err;
	int a[2], b[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct pair p = {l, {a[0], b[0]}, 0};
	assert_int_equal(loop_fd_set(l, a[0], LOOP_READ, on_remove_other, &p, &err), LG_OK);
	assert_int_equal(loop_fd_set(l, b[0], LOOP_READ, on_remove_other, &p, &err), LG_OK);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(p.calls, 1);
	/* and the survivor goes on being called */
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(p.calls, 2);
	for (int i = 0; i < 2; i++) {
		loop_fd_del(l, a[i]);
		loop_fd_del(l, b[i]);
		close(a[i]);
		close(b[i]);
	}
	loop_free(l);
}

/* The descriptor number is used again within the step: the other
 * callback removes it, puts an empty pipe under the same number and
 * watches that.  The readiness taken for the old pipe is not the new
 * one's. */
struct reuse {
	int fd[2]; /* the two ready read ends */
	int empty; /* an empty pipe's read end */
	struct seen fresh;
	int calls;
};

static void on_swap_other(struct loop *l, int fd, unsigned events, void *arg)
{
	struct reuse *r = arg;
	struct lg_err err;
	(void)events;
	if (r->calls++)
		return;
	int other = fd == r->fd[0] ? r->fd[1] : r->fd[0];
	loop_fd_del(l, other);
	assert_int_equal(dup2(r->empty, other), other);
	assert_int_equal(loop_fd_set(l, other, LOOP_READ, on_ready, &r->fresh, &err), LG_OK);
}

static void test_fd_number_reused(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct lg_err err;
	int a[2], b[2], e[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(pipe(e), 0);
	struct reuse r = {.fd = {a[0], b[0]}, .empty = e[0]};
	assert_int_equal(loop_fd_set(l, a[0], LOOP_READ, on_swap_other, &r, &err), LG_OK);
	assert_int_equal(loop_fd_set(l, b[0], LOOP_READ, on_swap_other, &r, &err), LG_OK);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.fresh.calls, 0);
	/* The new pipe is watched for real: data makes it ready. */
	assert_int_equal(write(e[1], "x", 1), 1);
	loop_step(l, 0);
	assert_int_equal(r.fresh.calls, 1);
	for (int i = 0; i < 2; i++) {
		loop_fd_del(l, a[i]);
		loop_fd_del(l, b[i]);
		loop_fd_del(l, e[i]);
		close(a[i]);
		close(b[i]);
		close(e[i]);
	}
	loop_free(l);
}

/* A descriptor that removes itself is not called again though it stays
 * readable; one that cancels a timer due in the same step stops it; a
 * 0 ms timer it adds runs in the same step. */
struct selfish {
	struct log *log;
	loop_timer_id victim;
	struct tick *later;
};

static void on_fd_self(struct loop *l, int fd, unsigned events, void *arg)
{
	struct selfish *s = arg;
	(void)events;
	log_add(s->log, "fd ");
	loop_fd_del(l, fd);
	assert_true(loop_timer_cancel(l, s->victim));
	loop_timer_add(l, 0, on_tick, s->later);
}

static void test_fd_callback_changes(void **state)
{
	(void)state;
	struct fake_clock c = {0};
	struct loop *l = new_loop(&c);
	struct lg_err err;
	struct log g = {{0}, 0};
	struct tick victim = {&g, "victim"}, later = {&g, "later"}, other = {&g, "other"};
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct selfish s = {&g, 0, &later};
	s.victim = loop_timer_add(l, 0, on_tick, &victim);
	loop_timer_add(l, 0, on_tick, &other);
	assert_int_equal(loop_fd_set(l, p[0], LOOP_READ, on_fd_self, &s, &err), LG_OK);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_step(l, 0), 3);
	assert_string_equal(g.s, "fd other later ");
	assert_int_equal(loop_step(l, 0), 0);
	assert_int_equal(loop_timer_count(l), 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* Timers changing timers: the first cancels the second, due in the same
 * step; a timer cancels itself (it is gone already); a timer that adds
 * itself again with 0 ms runs once a step, not for ever. */
struct chain {
	struct log *log;
	loop_timer_id self, next;
	int runs;
};

static void on_cancel_next(struct loop *l, void *arg)
{
	struct chain *c = arg;
	log_add(c->log, "first ");
	assert_false(loop_timer_cancel(l, c->self));
	assert_true(loop_timer_cancel(l, c->next));
}

static void on_again(struct loop *l, void *arg)
{
	struct chain *c = arg;
	c->runs++;
	c->self = loop_timer_add(l, 0, on_again, c);
}

static void test_timer_callback_changes(void **state)
{
	(void)state;
	struct fake_clock clk = {0};
	struct loop *l = new_loop(&clk);
	struct log g = {{0}, 0};
	struct tick second = {&g, "second"}, third = {&g, "third"};
	struct chain c = {&g, 0, 0, 0};

	c.self = loop_timer_add(l, 10, on_cancel_next, &c);
	c.next = loop_timer_add(l, 10, on_tick, &second);
	loop_timer_add(l, 10, on_tick, &third);
	clk.now = 10;
	assert_int_equal(loop_step(l, 0), 2);
	assert_string_equal(g.s, "first third ");
	assert_int_equal(loop_timer_count(l), 0);

	struct chain again = {&g, 0, 0, 0};
	again.self = loop_timer_add(l, 0, on_again, &again);
	assert_int_equal(loop_step(l, 0), 1);
	assert_int_equal(again.runs, 1);
	assert_int_equal(loop_step(l, -1), 1); /* due at once: no wait */
	assert_int_equal(again.runs, 2);
	assert_true(loop_timer_cancel(l, again.self));
	assert_int_equal(loop_step(l, 0), 0);
	loop_free(l);
}

/* ---- two loops side by side ---- */

static void test_two_loops(void **state)
{
	(void)state;
	struct fake_clock ca = {0}, cb = {0};
	struct loop *la = new_loop(&ca), *lb = new_loop(&cb);
	struct lg_err err;
	struct log g = {{0}, 0};
	struct tick ta = {&g, "a"}, tb = {&g, "b"};
	struct seen ra = {0}, rb = {0};
	int pa[2], pb[2];

	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	assert_int_equal(loop_fd_set(la, pa[0], LOOP_READ, on_ready, &ra, &err), LG_OK);
	assert_int_equal(loop_fd_set(lb, pb[0], LOOP_READ, on_ready, &rb, &err), LG_OK);
	loop_timer_id ia = loop_timer_add(la, 10, on_tick, &ta);
	loop_timer_add(lb, 10, on_tick, &tb);

	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(loop_step(lb, 0), 0); /* b's pipe is empty */
	assert_int_equal(loop_step(la, 0), 1);
	assert_int_equal(ra.calls, 1);
	assert_int_equal(rb.calls, 0);

	/* Each loop runs on its own clock. */
	cb.now = 10;
	assert_int_equal(loop_step(la, 0), 1); /* only its readable pipe */
	assert_string_equal(g.s, "");
	assert_int_equal(loop_step(lb, 0), 1);
	assert_string_equal(g.s, "b ");
	assert_int_equal(loop_timer_count(la), 1);
	assert_true(loop_timer_cancel(la, ia));
	ca.now = 10;
	loop_step(la, 0);
	assert_string_equal(g.s, "b ");

	loop_free(lb); /* one freed, the other goes on */
	assert_int_equal(write(pa[1], "y", 1), 1);
	char buf[2];
	assert_int_equal(read(pa[0], buf, 2), 2);
	assert_int_equal(loop_step(la, 0), 0);
	assert_int_equal(write(pa[1], "z", 1), 1);
	assert_int_equal(loop_step(la, 0), 1);
	loop_free(la);
	for (int i = 0; i < 2; i++) {
		close(pa[i]);
		close(pb[i]);
	}
}

/* The system clock by default: it does not go back, and a timer due at
 * once runs in a step without limit, which does not wait for it. */
static void test_system_clock(void **state)
{
	(void)state;
	struct loop *l = new_loop(NULL);
	struct log g = {{0}, 0};
	struct tick t = {&g, "t"};
	int64_t a = loop_now(l), b = loop_now(l);
	assert_true(a > 0 && b >= a);
	loop_timer_add(l, 0, on_tick, &t);
	assert_int_equal(loop_step(l, -1), 1);
	assert_string_equal(g.s, "t ");
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_ready),
		cmocka_unit_test(test_fd_interest),
		cmocka_unit_test(test_fd_refused),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_cancel),
		cmocka_unit_test(test_remove_other_fd),
		cmocka_unit_test(test_fd_number_reused),
		cmocka_unit_test(test_fd_callback_changes),
		cmocka_unit_test(test_timer_callback_changes),
		cmocka_unit_test(test_two_loops),
		cmocka_unit_test(test_loop_in_loop),
		cmocka_unit_test(test_system_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
