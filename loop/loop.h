/*
 * loop.h - the event loop: file descriptors watched with epoll, each with
 * its read/write interest and a callback, and one-shot timers in
 * milliseconds.  DNS registers with it today; SMTP sessions, the HTTP
 * service and outgoing webhooks are meant to share the same loop.
 *
 * A step (loop_step) waits up to a given time, or until the next timer is
 * due, then calls back the descriptors that are ready and then the timers
 * that are due.  Callbacks may add, change and remove descriptors and
 * timers, their own included, at any time: a descriptor removed (or
 * removed and registered again) before its turn in a step is not called
 * for the old readiness, and a timer cancelled before its turn does not
 * run.  The timers a step runs are those due when its descriptors are
 * done: one added by a descriptor's callback runs in the same step if it
 * is due by then (a 0 ms timer is "once this round of I/O is handled"),
 * one added by a timer's callback in a later step at the earliest, so a
 * timer that adds itself again cannot hold a step for ever.  What a
 * callback may not do is step or free the loop it is called from.
 *
 * Time is a parameter: the loop reads a monotonic clock in milliseconds
 * through a function the caller may replace (loop_clock_set), so tests
 * drive timers with a clock of their own.  The loop keeps no global
 * state: loops are independent of each other, one per thread at most.
 *
 * Lifecycle, one convention for everything here: loop_new() allocates a
 * loop and hands it to the caller (owned), loop_free() releases it and
 * all it holds (NULL is fine); there is no _init/_release pair, a loop
 * lives on the heap.  A timer ends by running or by loop_timer_cancel(),
 * a descriptor's registration by loop_fd_del().  Descriptors are
 * borrowed: the loop never closes one, and the caller removes a
 * descriptor before closing it.  The `arg` of a callback is borrowed and
 * handed back as it was given; it must stay valid while the descriptor
 * is watched or the timer pending.
 */
#ifndef LG_LOOP_H
#define LG_LOOP_H

#include "common/common.h"

/* Interest and readiness of a descriptor, or'ed. */
enum {
	LOOP_READ = 1,
	LOOP_WRITE = 2,
};

struct loop;

/* A descriptor is ready: events is the part of its interest that is
 * (LOOP_READ, LOOP_WRITE, or both).  An error or hang-up on the
 * descriptor reports it ready for what it is watched for, so that the
 * read or write that follows finds the error. */
typedef void loop_fd_fn(struct loop *l, int fd, unsigned events, void *arg);
/* A timer is due; it is already gone (cancelling it now does nothing). */
typedef void loop_timer_fn(struct loop *l, void *arg);
/* A monotonic clock in milliseconds: it never goes back. */
typedef int64_t loop_clock_fn(void *arg);

/* A timer's handle; 0 is never a timer.  Handles are not reused, so
 * cancelling one that has run or was cancelled already does nothing. */
typedef uint64_t loop_timer_id;

/* A loop with the system's monotonic clock; LG_ETEMP if epoll cannot be
 * had.  Owned: loop_free. */
enum lg_status loop_new(struct loop **out, struct lg_err *err);
/* Timers still pending are dropped without being called; descriptors
 * are left open.  NULL is fine. */
void loop_free(struct loop *l);

/* Read time through fn(arg) from now on (NULL: the system's monotonic
 * clock).  Timers already set keep their deadlines on the old clock's
 * scale: set the clock before any timer. */
void loop_clock_set(struct loop *l, loop_clock_fn *fn, void *arg);
/* The loop's clock now (ms). */
int64_t loop_now(const struct loop *l);

/*
 * Watch fd for events (LOOP_READ | LOOP_WRITE) and call fn(l, fd, ready,
 * arg) when it is ready; a descriptor already watched gets the new
 * interest, fn and arg.  events 0 is loop_fd_del.  LG_EIO with the reason
 * in err if epoll will not take the descriptor (a regular file, a closed
 * descriptor).
 */
enum lg_status loop_fd_set(struct loop *l, int fd, unsigned events, loop_fd_fn *fn, void *arg,
			   struct lg_err *err);
/* Stop watching fd; nothing happens if it is not watched.  Call it before
 * closing fd. */
void loop_fd_del(struct loop *l, int fd);
/* The interest fd is watched for, 0 if it is not. */
unsigned loop_fd_events(const struct loop *l, int fd);
/* l's own descriptor (its epoll's): readable while a descriptor l watches
 * is ready, so that another loop can watch it and step l then (l's
 * timers it does not show). */
int loop_fd(const struct loop *l);

/*
 * Call fn(l, arg) once, in the first step that finds the clock at or past
 * now + after_ms (after_ms < 0 counts as 0).  Timers due together run in
 * the order of their deadlines, those with the same deadline in the order
 * they were added.  Returns the handle for loop_timer_cancel.
 */
loop_timer_id loop_timer_add(struct loop *l, int64_t after_ms, loop_timer_fn *fn, void *arg);
/* Cancel a pending timer: true if it was pending (and now never runs). */
bool loop_timer_cancel(struct loop *l, loop_timer_id id);
/* Timers pending. */
size_t loop_timer_count(const struct loop *l);

/*
 * Wait for a descriptor to become ready, up to timeout_ms (-1: no limit)
 * and no later than the next timer's deadline, then call back what is
 * ready and what is due.  Returns the number of callbacks made.  With a
 * timeout of -1 and nothing to wait for (no descriptor, no timer) it
 * returns 0 at once instead of waiting for ever.  An interrupted wait
 * (EINTR) counts as a wait that found nothing.
 */
size_t loop_step(struct loop *l, int timeout_ms);

#endif
