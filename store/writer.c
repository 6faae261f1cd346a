/*
 * writer.c - the store's own writer: verdicts and new DNS answers are
 * gathered in batches and written by a second thread, on its own
 * connection, one short transaction a batch (`verify --list`).
 *
 * Why a thread: verify's rows leave in input order, so thousands of them
 * become ready at once when a silent domain finally times out.  Written
 * in line, their store work (about 10 µs a row) stopped the reading, and
 * with it the sending of the next lookups, for seconds; the store's time
 * came on top of the DNS time.  On its own thread it runs while the main
 * thread waits for the resolver.
 *
 * A ring of batches: the main thread fills one while the writer works
 * through those queued before it, oldest first, all of them in one
 * transaction.  The drains come in waves (every row behind a silent
 * domain at once), so the queue lets a wave wait in it while reading goes
 * on: the main thread waits only when every batch is queued.  The ring is
 * small (8 batches of the caller's size) because what it holds is most of
 * what `verify --list` adds to verify's memory, and a writer that falls
 * behind catches up by writing more in each transaction.  Everything a
 * batch holds is a copy (the resolver is never touched from the writer).
 * A transaction is committed whole or not at all, so a run killed at any
 * moment loses only what a rerun writes again.
 */
#include "store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rec_dns {
	const char *domain; /* in the batch's arena */
	size_t len;
	struct dns_result res; /* mx in the batch's arena */
};

struct rec_batch {
	struct store_verdict *v;
	size_t nv;
	struct rec_dns *d;
	size_t nd;
	struct lg_arena arena;
};

#define RING 8 /* batches */

struct store_writer {
	struct store *store; /* the writer's connection; owned */
	struct store_run run;
	int64_t now;
	size_t cap;               /* verdicts (and answers) a batch */
	struct rec_batch b[RING]; /* each allocated when first filled */
	unsigned fill;            /* the batch the main thread fills: (head + queued) % RING */
	unsigned head;            /* the oldest queued batch */
	unsigned queued;          /* full batches waiting for, or being written by, the writer */
	pthread_t thread;
	bool thread_ok; /* the thread runs: join it */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	enum lg_status st; /* the writer's first failure */
	struct lg_err err;
};

/* Write the n batches queued from the oldest in one transaction. */
static enum lg_status write_batches(struct store_writer *r, unsigned n, struct lg_err *err)
{
	enum lg_status st = store_begin(r->store, err);
	for (unsigned k = 0; k < n && st == LG_OK; k++) {
		const struct rec_batch *b = &r->b[(r->head + k) % RING];
		for (size_t i = 0; i < b->nd && st == LG_OK; i++)
			st = store_domain_put(r->store, b->d[i].domain, b->d[i].len, &b->d[i].res,
					      err);
		for (size_t i = 0; i < b->nv && st == LG_OK; i++)
			st = store_verify_row(r->store, &r->run, &b->v[i], r->now, err);
	}
	if (st == LG_OK)
		st = store_commit(r->store, err);
	if (st != LG_OK)
		store_rollback(r->store);
	return st;
}

static void batch_alloc(struct store_writer *r, struct rec_batch *b)
{
	if (!b->v) {
		b->v = lg_xcalloc(r->cap, sizeof(*b->v));
		b->d = lg_xcalloc(r->cap, sizeof(*b->d));
	}
}

static void *writer(void *arg)
{
	struct store_writer *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->queued && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			break; /* store_writer_free: what is queued is dropped, as a kill would */
		/* Every batch queued, in one transaction: a writer that fell
		 * behind catches up with fewer commits, and each commit writes
		 * every page it changed (the contacts' address index takes a
		 * row anywhere, so a batch changes pages all over it). */
		unsigned n = r->queued;
		bool failed = r->st != LG_OK;
		pthread_mutex_unlock(&r->mu);

		struct lg_err err;
		enum lg_status st = failed ? LG_OK : write_batches(r, n, &err);

		pthread_mutex_lock(&r->mu);
		if (st != LG_OK) {
			r->st = st;
			r->err = err;
		}
		r->head = (r->head + n) % RING;
		r->queued -= n;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

enum lg_status store_writer_start(struct store_writer **out, struct store *s,
				  const struct store_run *run, int64_t now, size_t batch,
				  struct lg_err *err)
{
	struct store_writer *r = lg_xcalloc(1, sizeof(*r));
	enum lg_status st = store_open(&r->store, store_path(s), STORE_WRITE, err);
	if (st != LG_OK) {
		free(r);
		return st;
	}
	/* evidence's CHECK (how IN ('verify', 'refresh', 'bounce')) is
	 * evaluated against a temporary table SQLite builds for every row
	 * inserted (the value is bound), which cost as much as the rest of
	 * the evidence insert; this connection writes only what
	 * store_verify_row gives, whose `how` is the literal 'verify'. */
	if (sqlite3_exec(r->store->db, "PRAGMA ignore_check_constraints = ON", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		st = store_fail(r->store, "opening the writer's connection", err);
		store_close(r->store);
		free(r);
		return st;
	}
	r->run = *run;
	r->now = now;
	r->cap = batch;
	batch_alloc(r, &r->b[0]);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (pthread_create(&r->thread, NULL, writer, r) != 0) {
		store_writer_free(r);
		return lg_err_set(err, LG_EIO, "cannot start the store's writer thread");
	}
	r->thread_ok = true;
	*out = r;
	return LG_OK;
}

/* Queue the batch being filled for the writer; wait while every batch is
 * queued.  A failure of the writer's is reported here. */
static enum lg_status submit(struct store_writer *r, struct lg_err *err)
{
	enum lg_status st;
	pthread_mutex_lock(&r->mu);
	while (r->queued == RING - 1)
		pthread_cond_wait(&r->cv, &r->mu);
	st = r->st;
	if (st == LG_OK && !r->queued && r->fill) {
		/* The writer is idle (it touches no batch): queue this one
		 * from the first place, so that a writer that keeps up goes
		 * back and forth between two batches and the rest of the ring
		 * is never allocated. */
		struct rec_batch t = r->b[0];
		r->b[0] = r->b[r->fill];
		r->b[r->fill] = t;
		r->head = r->fill = 0;
	}
	if (st == LG_OK) {
		r->queued++;
		r->fill = (r->fill + 1) % RING;
		pthread_cond_broadcast(&r->cv);
	} else if (err) {
		*err = r->err;
	}
	pthread_mutex_unlock(&r->mu);
	/* The batch to fill now was written (or never used): start it afresh. */
	struct rec_batch *b = &r->b[r->fill];
	batch_alloc(r, b);
	b->nv = b->nd = 0;
	lg_arena_release(&b->arena);
	return st;
}

static bool batch_full(const struct store_writer *r)
{
	const struct rec_batch *b = &r->b[r->fill];
	return b->nv >= r->cap || b->nd >= r->cap;
}

struct lg_arena *store_writer_arena(struct store_writer *r)
{
	return &r->b[r->fill].arena;
}

enum lg_status store_writer_verdict(struct store_writer *r, const struct store_verdict *v,
				    struct lg_err *err)
{
	struct rec_batch *b = &r->b[r->fill];
	struct store_verdict *c = &b->v[b->nv++];
	*c = *v; /* cells and profile: in the batch's arena already */
	c->address = lg_arena_memdup(&b->arena, v->address, v->address_len);
	/* the domain is the tail of the address, when it is */
	if (v->domain >= v->address && v->domain <= v->address + v->address_len)
		c->domain = c->address + (v->domain - v->address);
	else
		c->domain = lg_arena_memdup(&b->arena, v->domain, v->domain_len);
	/* and so is the account (the domain's tail) */
	if (v->account && v->account >= v->address && v->account <= v->address + v->address_len)
		c->account = c->address + (v->account - v->address);
	else if (v->account)
		c->account = lg_arena_memdup(&b->arena, v->account, v->account_len);
	c->mx = lg_arena_memdup(&b->arena, v->mx, strlen(v->mx));
	c->provider = lg_arena_memdup(&b->arena, v->provider, strlen(v->provider));
	return batch_full(r) ? submit(r, err) : LG_OK;
}

enum lg_status store_writer_dns(struct store_writer *r, const char *domain, size_t len,
				const struct dns_result *res, struct lg_err *err)
{
	struct rec_batch *b = &r->b[r->fill];
	struct rec_dns *c = &b->d[b->nd++];
	c->domain = lg_arena_memdup(&b->arena, domain, len);
	c->len = len;
	c->res = *res;
	c->res.mx = lg_arena_memdup(&b->arena, res->mx ? res->mx : "",
				    res->mx ? strlen(res->mx) : 0);
	return batch_full(r) ? submit(r, err) : LG_OK;
}

enum lg_status store_writer_finish(struct store_writer *r, struct lg_err *err)
{
	const struct rec_batch *b = &r->b[r->fill];
	enum lg_status st = LG_OK;
	if (b->nv || b->nd)
		st = submit(r, err);
	pthread_mutex_lock(&r->mu);
	while (r->queued)
		pthread_cond_wait(&r->cv, &r->mu);
	if (st == LG_OK && r->st != LG_OK) {
		st = r->st;
		if (err)
			*err = r->err;
	}
	pthread_mutex_unlock(&r->mu);
	return st;
}

void store_writer_free(struct store_writer *r)
{
	if (!r)
		return;
	if (r->thread_ok) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	store_close(r->store); /* rolls back what was not committed */
	for (int i = 0; i < RING; i++) {
		free(r->b[i].v);
		free(r->b[i].d);
		lg_arena_release(&r->b[i].arena);
	}
	free(r);
}
