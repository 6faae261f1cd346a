/*
 * loop.c - the event loop: an epoll set, a table of watched descriptors
 * indexed by descriptor number, and a binary min-heap of timers.
 *
 * Two things make it safe for callbacks to change what is watched while
 * a step calls them back.  Descriptors: every epoll event carries the
 * descriptor and the generation of its registration, and the generation
 * changes whenever the descriptor is removed; an event whose generation
 * is no longer current belongs to a registration that is gone (c-ares
 * closes a socket and opens another with the same number within one
 * reply's handling) and is dropped.  Timers: a handle is a slot and that
 * slot's generation, so a stale handle cancels nothing; the timers due
 * are first taken out of the heap, then run one by one, each checked
 * still due (not cancelled by an earlier callback) just before its turn.
 */
#include "loop.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define EVENTS_MAX 64            /* epoll events taken per wait */
#define POS_FREE UINT32_MAX      /* a timer slot not in use */
#define POS_DUE (UINT32_MAX - 1) /* taken out of the heap, about to run */

struct watch {
	loop_fd_fn *fn;
	void *arg;
	unsigned events; /* interest: 0 when not watched */
	uint32_t gen;    /* changes whenever the descriptor is removed */
};

struct timer {
	int64_t when; /* deadline on the loop's clock (ms) */
	uint64_t seq; /* order of adding: breaks ties of `when` */
	loop_timer_fn *fn;
	void *arg;
	uint32_t gen; /* the slot's generation, in the handle: never 0 */
	uint32_t pos; /* index in the heap, POS_FREE or POS_DUE */
};

struct loop {
	int ep;
	loop_clock_fn *clock;
	void *clock_arg;
	struct watch *fds; /* by descriptor number */
	size_t nfds;
	size_t nwatched;
	struct timer *timers; /* slots; a handle is (gen << 32) | slot */
	size_t ntimers;
	uint32_t *spare; /* free slots, a stack */
	size_t nspare;
	uint32_t *heap; /* pending slots, the earliest (when, seq) first */
	size_t nheap;
	uint32_t *due; /* the slots a timer phase runs */
	size_t due_cap;
	uint64_t seq;
	bool stepping;
	struct epoll_event ev[EVENTS_MAX];
};

static int64_t clock_mono_ms(void *arg)
{
	struct timespec ts;
	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum lg_status loop_new(struct loop **out, struct lg_err *err)
{
	struct loop *l = lg_xcalloc(1, sizeof(*l));

	*out = NULL;
	l->clock = clock_mono_ms;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		free(l);
		return lg_err_set(err, LG_ETEMP, "epoll: %s", strerror(errno));
	}
	*out = l;
	return LG_OK;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	assert(!l->stepping);
	close(l->ep);
	free(l->fds);
	free(l->timers);
	free(l->spare);
	free(l->heap);
	free(l->due);
	free(l);
}

void loop_clock_set(struct loop *l, loop_clock_fn *fn, void *arg)
{
	l->clock = fn ? fn : clock_mono_ms;
	l->clock_arg = fn ? arg : NULL;
}

int64_t loop_now(const struct loop *l)
{
	return l->clock(l->clock_arg);
}

/* ---- descriptors ---- */

enum lg_status loop_fd_set(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *arg,
			   struct lg_err *err)
{
	assert(fd >= 0 && (events & ~(unsigned)(LOOP_READ | LOOP_WRITE)) == 0);
	if (!events) {
		loop_fd_del(l, fd);
		return LG_OK;
	}
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 64;
		while (n <= (size_t)fd)
			n *= 2;
		l->fds = lg_xrealloc(l->fds, n * sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	struct watch *w = &l->fds[fd];
	struct epoll_event ev = {
		.events = ((events & LOOP_READ) ? EPOLLIN : 0) |
			  ((events & LOOP_WRITE) ? EPOLLOUT : 0),
		.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd,
	};
	/* A descriptor closed without loop_fd_del has left the epoll set on
	 * its own, and one could be in it under a number we think free
	 * (dup2 over it): either way the other operation is the right one. */
	int rc = epoll_ctl(l->ep, w->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
	if (rc != 0 && (errno == ENOENT || errno == EEXIST))
		rc = epoll_ctl(l->ep, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
	if (rc != 0) {
		int e = errno;
		loop_fd_del(l, fd);
		return lg_err_set(err, LG_EIO, "cannot watch descriptor %d: %s", fd, strerror(e));
	}
	if (!w->events)
		l->nwatched++;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	return LG_OK;
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].events)
		return;
	struct watch *w = &l->fds[fd];
	/* Fails harmlessly when fd was closed first: the set has dropped it. */
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	w->events = 0;
	w->fn = NULL;
	w->arg = NULL;
	w->gen++; /* events of this registration still to be handled are stale */
	l->nwatched--;
}

unsigned loop_fd_events(const struct loop *l, int fd)
{
	return fd >= 0 && (size_t)fd < l->nfds ? l->fds[fd].events : 0;
}

int loop_fd(const struct loop *l)
{
	return l->ep;
}

/* ---- timers: a binary min-heap of slots ---- */

static bool before(const struct loop *l, uint32_t a, uint32_t b)
{
	const struct timer *x = &l->timers[a], *y = &l->timers[b];
	return x->when < y->when || (x->when == y->when && x->seq < y->seq);
}

static void heap_place(struct loop *l, size_t i, uint32_t slot)
{
	l->heap[i] = slot;
	l->timers[slot].pos = (uint32_t)i;
}

static void sift_up(struct loop *l, size_t i)
{
	uint32_t slot = l->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(l, slot, l->heap[parent]))
			break;
		heap_place(l, i, l->heap[parent]);
		i = parent;
	}
	heap_place(l, i, slot);
}

static void sift_down(struct loop *l, size_t i)
{
	uint32_t slot = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && before(l, l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l, l->heap[c], slot))
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, slot);
}

/* Take the slot at heap index i out of the heap. */
static void heap_remove(struct loop *l, size_t i)
{
	uint32_t last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_place(l, i, last);
	if (i > 0 && before(l, last, l->heap[(i - 1) / 2]))
		sift_up(l, i);
	else
		sift_down(l, i);
}

static void slot_release(struct loop *l, uint32_t slot)
{
	struct timer *t = &l->timers[slot];
	t->pos = POS_FREE;
	t->fn = NULL;
	t->arg = NULL;
	if (++t->gen == 0) /* 0 would make a handle that could be 0 */
		t->gen = 1;
	l->spare[l->nspare++] = slot;
}

loop_timer_id loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn *fn, void *arg)
{
	uint32_t slot;

	assert(fn);
	if (l->nspare) {
		slot = l->spare[--l->nspare];
	} else {
		size_t n = l->ntimers ? 2 * l->ntimers : 16;
		assert(n < POS_DUE);
		l->timers = lg_xrealloc(l->timers, n * sizeof(*l->timers));
		/* spare and heap hold each slot at most once: the same size */
		l->spare = lg_xrealloc(l->spare, n * sizeof(*l->spare));
		l->heap = lg_xrealloc(l->heap, n * sizeof(*l->heap));
		for (size_t i = n; i-- > l->ntimers + 1;) {
			l->timers[i] = (struct timer){.gen = 1, .pos = POS_FREE};
			l->spare[l->nspare++] = (uint32_t)i;
		}
		slot = (uint32_t)l->ntimers;
		l->timers[slot] = (struct timer){.gen = 1, .pos = POS_FREE};
		l->ntimers = n;
	}
	struct timer *t = &l->timers[slot];
	t->when = loop_now(l) + (after_ms > 0 ? after_ms : 0);
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	l->heap[l->nheap] = slot;
	l->nheap++;
	sift_up(l, l->nheap - 1);
	return (uint64_t)t->gen << 32 | slot;
}

bool loop_timer_cancel(struct loop *l, loop_timer_id id)
{
	uint32_t slot = (uint32_t)id, gen = (uint32_t)(id >> 32);

	if (slot >= l->ntimers || l->timers[slot].gen != gen || l->timers[slot].pos == POS_FREE)
		return false;
	if (l->timers[slot].pos != POS_DUE)
		heap_remove(l, l->timers[slot].pos);
	slot_release(l, slot);
	return true;
}

size_t loop_timer_count(const struct loop *l)
{
	/* Every slot in use is pending: in the heap, or taken out to run in
	 * this step and not run yet. */
	return l->ntimers - l->nspare;
}

/* ---- the step ---- */

/* Call back the descriptors of ev[0..n). */
static size_t dispatch_fds(struct loop *l, int n)
{
	size_t calls = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)l->ev[i].data.u64;
		uint32_t gen = (uint32_t)(l->ev[i].data.u64 >> 32);
		uint32_t e = l->ev[i].events;
		if ((size_t)fd >= l->nfds || !l->fds[fd].events || l->fds[fd].gen != gen)
			continue; /* removed, perhaps registered again, since */
		const struct watch *w = &l->fds[fd];
		unsigned ready = ((e & EPOLLIN) ? LOOP_READ : 0) |
				 ((e & EPOLLOUT) ? LOOP_WRITE : 0);
		if (e & (EPOLLERR | EPOLLHUP))
			ready |= w->events;
		ready &= w->events; /* interest narrowed since: not what it waits for */
		if (!ready)
			continue;
		calls++;
		w->fn(l, fd, ready, w->arg); /* w may move (the table grows): not used after */
	}
	return calls;
}

/* Run the timers due now; those added meanwhile wait for a later step. */
static size_t dispatch_timers(struct loop *l)
{
	size_t ndue = 0, calls = 0;
	int64_t now;

	if (!l->nheap)
		return 0;
	now = loop_now(l);
	while (l->nheap && l->timers[l->heap[0]].when <= now) {
		uint32_t slot = l->heap[0];
		heap_remove(l, 0);
		l->timers[slot].pos = POS_DUE;
		if (ndue == l->due_cap) {
			l->due_cap = l->due_cap ? 2 * l->due_cap : 16;
			l->due = lg_xrealloc(l->due, l->due_cap * sizeof(*l->due));
		}
		l->due[ndue++] = slot;
	}
	for (size_t i = 0; i < ndue; i++) {
		uint32_t slot = l->due[i];
		if (l->timers[slot].pos != POS_DUE)
			continue; /* cancelled by an earlier callback */
		loop_timer_fn *fn = l->timers[slot].fn;
		void *arg = l->timers[slot].arg;
		slot_release(l, slot);
		calls++;
		fn(l, arg);
	}
	return calls;
}

size_t loop_step(struct loop *l, int timeout_ms)
{
	int wait = timeout_ms < 0 ? -1 : timeout_ms;
	size_t calls;

	assert(!l->stepping);
	if (l->nheap) {
		int64_t d = l->timers[l->heap[0]].when - loop_now(l);
		if (d < 0)
			d = 0;
		if (wait < 0 || d < wait)
			wait = d > INT_MAX ? INT_MAX : (int)d;
	}
	if (wait < 0 && !l->nwatched)
		return 0; /* nothing would ever wake us */
	int n = epoll_wait(l->ep, l->ev, EVENTS_MAX, wait);
	l->stepping = true;
	calls = n > 0 ? dispatch_fds(l, n) : 0;
	calls += dispatch_timers(l);
	l->stepping = false;
	return calls;
}
