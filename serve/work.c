/*
 * work.c - slow work off the loop: a few worker threads, each with its
 * own store connection and verify context, that run what a handler hands
 * them (a list weighed, a webhook's body imported, a batch of DNS answers
 * kept) while the loop goes on answering everybody else.
 *
 * A task is a function run on a worker and a function run on the loop
 * once it is over.  The worker that finishes one puts it on a list and
 * writes to an eventfd the loop watches; the loop's callback takes the
 * list and calls each task's end there.  So nothing but the task's own
 * function runs on a worker: libmicrohttpd, the resolver and the
 * server's store connection are touched by the loop's thread alone.
 *
 * The workers are [serve] max_jobs in number (the bulk jobs' cap: the
 * same share of the machine for either kind of long work), and at most
 * WORK_QUEUE_MAX tasks wait for one; past that a task is refused and its
 * request answered 503 busy, rather than the wait growing without end.
 */
#include "serve_int.h"
#include "conf/conf.h"
#include "loop/loop.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct task {
	serve_work_fn *run;
	void *run_arg;
	serve_work_end_fn *end;
	void *end_arg;
	bool ran; /* false: dropped at the stop without having run */
	struct task *next;
};

struct serve_worker {
	struct serve_work *w;
	pthread_t th;
	bool started;        /* th is to be joined */
	struct store *store; /* its own connection to the server's database */
	struct verify_ctx *ctx;
};

struct serve_work {
	struct loop *loop;
	int efd; /* written by a worker that ended a task; watched by the loop */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct task *queue, **queue_tail; /* waiting for a worker */
	struct task *ended, **ended_tail; /* over, for the loop */
	size_t nqueued, nrunning;
	bool stop;
	struct serve_worker *workers;
	size_t nworkers;
};

struct store *serve_worker_store(struct serve_worker *wk)
{
	return wk->store;
}

struct verify_ctx *serve_worker_verify_ctx(struct serve_worker *wk)
{
	return wk->ctx;
}

static void *worker_main(void *arg)
{
	struct serve_worker *wk = arg;
	struct serve_work *w = wk->w;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !w->queue)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop) /* what waits is the stop's to drop */
			break;
		struct task *t = w->queue;
		w->queue = t->next;
		if (!w->queue)
			w->queue_tail = &w->queue;
		w->nqueued--;
		w->nrunning++;
		pthread_mutex_unlock(&w->mu);

		t->run(wk, t->run_arg);
		t->ran = true;

		pthread_mutex_lock(&w->mu);
		w->nrunning--;
		t->next = NULL;
		*w->ended_tail = t;
		w->ended_tail = &t->next;
		uint64_t one = 1;
		/* The counter only adds up: a write cannot fail but by overflow,
		 * which 2^64 - 1 tasks would take. */
		if (write(w->efd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			BUG("the workers' eventfd refused a write");
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The tasks over, in the order they ended; their ends called here, on
 * the loop. */
static void ends_run(struct serve_work *w)
{
	pthread_mutex_lock(&w->mu);
	struct task *t = w->ended;
	w->ended = NULL;
	w->ended_tail = &w->ended;
	pthread_mutex_unlock(&w->mu);
	while (t) {
		struct task *next = t->next;
		t->end(t->end_arg, t->ran);
		free(t);
		t = next;
	}
}

static void work_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct serve_work *w = arg;
	uint64_t n;
	(void)l;
	(void)events;
	while (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
	ends_run(w);
}

enum lg_status serve_work_open(struct serve_work **out, struct serve *s, struct lg_err *err)
{
	struct serve_work *w = lg_xcalloc(1, sizeof(*w));
	enum lg_status st = LG_OK;
	*out = w;
	w->loop = serve_loop(s);
	w->queue_tail = &w->queue;
	w->ended_tail = &w->ended;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return lg_err_set(err, LG_ETEMP, "eventfd: %s", strerror(errno));
	if ((st = loop_fd_set(w->loop, w->efd, LOOP_READ, work_ready, w, err)) != LG_OK)
		return st;
	w->nworkers = serve_config(s)->max_jobs ? serve_config(s)->max_jobs : 1;
	w->workers = lg_xcalloc(w->nworkers, sizeof(*w->workers));
	const struct serve_opts *o = serve_options(s);
	for (size_t i = 0; i < w->nworkers; i++) {
		struct serve_worker *wk = &w->workers[i];
		wk->w = w;
		/* Opened here, on the loop's thread, so that a database that
		 * will not open stops the start; used by the worker alone. */
		if ((st = store_open(&wk->store, store_path(serve_store(s)), STORE_WRITE, err)) !=
		    LG_OK)
			return st;
		wk->ctx = conf_verify_ctx(o->conf);
		if (pthread_create(&wk->th, NULL, worker_main, wk) != 0)
			return lg_err_set(err, LG_ETEMP, "no thread for a worker");
		wk->started = true;
	}
	return LG_OK;
}

void serve_work_close(struct serve_work *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	/* A task running is let finish (a list read, an import: bounded);
	 * one waiting is ended without having run. */
	for (size_t i = 0; i < w->nworkers; i++)
		if (w->workers[i].started)
			pthread_join(w->workers[i].th, NULL);
	while (w->queue) {
		struct task *t = w->queue;
		w->queue = t->next;
		t->next = NULL;
		*w->ended_tail = t;
		w->ended_tail = &t->next;
	}
	w->queue_tail = &w->queue;
	w->nqueued = 0;
	ends_run(w);
	for (size_t i = 0; i < w->nworkers; i++) {
		store_close(w->workers[i].store);
		verify_ctx_free(w->workers[i].ctx);
	}
	free(w->workers);
	if (w->efd >= 0) {
		loop_fd_del(w->loop, w->efd);
		close(w->efd);
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

bool serve_work_post(struct serve_work *w, serve_work_fn *run, void *run_arg,
		     serve_work_end_fn *end, void *end_arg)
{
	struct task *t = lg_xcalloc(1, sizeof(*t));
	*t = (struct task){run, run_arg, end, end_arg, false, NULL};
	pthread_mutex_lock(&w->mu);
	bool take = !w->stop && w->nqueued < WORK_QUEUE_MAX;
	if (take) {
		*w->queue_tail = t;
		w->queue_tail = &t->next;
		w->nqueued++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (!take)
		free(t);
	return take;
}

void serve_work_counts(struct serve_work *w, size_t *running, size_t *queued)
{
	pthread_mutex_lock(&w->mu);
	*running = w->nrunning;
	*queued = w->nqueued;
	pthread_mutex_unlock(&w->mu);
}
