/*
 * writer.c - the store's own writer: verdicts and new DNS answers are
 * gathered in batches and written by a second thread, on its own
 * connection, several batches a transaction (`verify --list`).
 *
 * Why a thread: verify's rows leave in input order, so thousands of them
 * become ready at once when a silent domain finally times out.  Written
 * in line, their store work (about 10 µs a row) stopped the reading, and
 * with it the sending of the next lookups, for seconds; the store's time
 * came on top of the DNS time.  On its own thread it runs while the main
 * thread waits for the resolver.
 *
 * A ring of batches: the main thread fills one while the writer works
 * through those queued before it, oldest first.  The drains come in waves
 * (every row behind a silent domain at once), so the queue lets a wave
 * wait in it while reading goes on: the main thread waits only when every
 * batch is queued.  The ring is small (8 batches of the caller's size)
 * because what it holds is most of what `verify --list` adds to verify's
 * memory.  Everything a batch holds is a copy (the resolver is never
 * touched from the writer), and a batch written into the transaction is
 * free to be filled again.
 *
 * Few, long transactions: new addresses go anywhere in the contacts'
 * address index, so each commit wrote most of its leaf pages to the WAL
 * again, and SQLite's automatic checkpoint then copied them into the
 * database and synced it inside the commit.  A transaction now takes up
 * to TX_BATCHES batches or TX_MS of time, whichever comes first (and is
 * committed when the writer has been idle that long: a refresh or an
 * import on the same database gets its turn between two), and the
 * checkpoints are a third thread's, so the writer writes on while the
 * disk syncs.  The first transactions are short (1 batch, then 2, 4, ...):
 * a commit costs little while the index is small, and a run stopped early
 * (a full disk, a kill) has kept its first batches.  A transaction is committed whole or not at all and holds
 * whole batches in input order, so a run killed at any moment has
 * recorded a prefix of its rows, which a rerun takes up.
 */
#include "store_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rec_dns {
	const char *domain; /* in the batch's arena */
	size_t len;
	struct dns_result res; /* mx in the batch's arena */
	int catch_all;         /* not 0: a catch-all state instead (res unused) */
	int64_t at, expires_at;
};

struct rec_batch {
	struct store_verdict *v;
	size_t nv;
	struct rec_dns *d;
	size_t nd;
	struct lg_arena arena;
};

#define RING 8        /* batches */
#define TX_BATCHES 16 /* batches a transaction takes at most */
#define TX_MS 2000    /* and milliseconds it stays open at most */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec ms_timespec(int64_t ms)
{
	return (struct timespec){(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
}

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
	bool thread_ok;           /* the thread runs: join it */
	struct store *ckpt_store; /* the checkpointer's connection; owned */
	pthread_t ckpt_thread;
	bool ckpt_ok;  /* the checkpointer runs: join it */
	bool ckpt_due; /* a commit since the last checkpoint */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool flush;        /* store_writer_finish: commit as soon as nothing is queued */
	bool open;         /* the writer's transaction is open (r->store->in_tx, under mu) */
	size_t tx_batches; /* written in the open transaction (the writer's) */
	size_t tx_limit;   /* commit at this many: 1, doubling up to TX_BATCHES */
	int64_t tx_start;  /* when it began, now_ms() (the writer's) */
	enum lg_status st; /* the writer's first failure */
	struct lg_err err;
};

/* Write the n batches queued from the oldest into the open transaction
 * (begun first when none is). */
static enum lg_status write_batches(struct store_writer *r, unsigned n, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	if (!r->store->in_tx) {
		st = store_begin(r->store, err);
		r->tx_batches = 0;
		r->tx_start = now_ms();
	}
	for (unsigned k = 0; k < n && st == LG_OK; k++) {
		const struct rec_batch *b = &r->b[(r->head + k) % RING];
		for (size_t i = 0; i < b->nd && st == LG_OK; i++)
			st = b->d[i].catch_all
				     ? store_smtp_domain_put(r->store, b->d[i].domain, b->d[i].len,
							     b->d[i].catch_all, b->d[i].at,
							     b->d[i].expires_at, err)
				     : store_domain_put(r->store, b->d[i].domain, b->d[i].len,
							&b->d[i].res, err);
		if (st == LG_OK)
			st = store_verify_rows(r->store, &r->run, b->v, b->nv, r->now, err);
	}
	r->tx_batches += n;
	if (st != LG_OK)
		store_rollback(r->store);
	return st;
}

/* Commit the open transaction. */
static enum lg_status commit(struct store_writer *r, struct lg_err *err)
{
	enum lg_status st = store_commit(r->store, err);
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
		bool open = r->store->in_tx;
		while (!r->queued && !r->stop && !(open && r->flush)) {
			if (!open) {
				pthread_cond_wait(&r->cv, &r->mu);
				continue;
			}
			/* A transaction open and nothing to write: commit it
			 * when it is TX_MS old, or when finish asks. */
			struct timespec dl = ms_timespec(r->tx_start + TX_MS);
			if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) != 0)
				break;
		}
		if (r->stop)
			break; /* store_writer_free: what is queued is dropped, as a kill would */
		unsigned n = r->queued;
		bool failed = r->st != LG_OK, flush = r->flush;
		pthread_mutex_unlock(&r->mu);

		struct lg_err err;
		enum lg_status st = LG_OK;
		if (!failed && n)
			st = write_batches(r, n, &err);
		/* The batches are in the transaction: the main thread may
		 * fill them again. */
		if (n) {
			pthread_mutex_lock(&r->mu);
			r->head = (r->head + n) % RING;
			r->queued -= n;
			r->open = r->store->in_tx; /* before queued says all are taken */
			pthread_cond_broadcast(&r->cv);
			pthread_mutex_unlock(&r->mu);
		}
		bool committed = false;
		if (st == LG_OK && r->store->in_tx &&
		    (flush || r->tx_batches >= r->tx_limit || now_ms() - r->tx_start >= TX_MS)) {
			st = commit(r, &err);
			committed = st == LG_OK;
			if (r->tx_limit < TX_BATCHES)
				r->tx_limit *= 2;
		}

		pthread_mutex_lock(&r->mu);
		if (st != LG_OK) {
			r->st = st;
			r->err = err;
		}
		r->open = r->store->in_tx;
		r->ckpt_due |= committed;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/*
 * The checkpointer: after each of the writer's commits, copy what the WAL
 * holds into the database, on a connection of its own.  SQLite's automatic
 * checkpoint would run inside the writer's commit, and a checkpoint is
 * mostly waiting for the disk (it syncs the WAL and the database): here
 * the writer goes on writing meanwhile.  PASSIVE: it never waits for the
 * writer nor stops it; what it could not copy the next one does, and the
 * last connection to close copies the rest.  Committed data is safe in
 * the WAL either way (a checkpoint moves it, it never decides it).
 */
static void *checkpointer(void *arg)
{
	struct store_writer *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->ckpt_due && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stop)
			break;
		r->ckpt_due = false;
		pthread_mutex_unlock(&r->mu);
		sqlite3_wal_checkpoint_v2(r->ckpt_store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
					  NULL);
		pthread_mutex_lock(&r->mu);
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
	r->run = *run;
	r->now = now;
	r->cap = batch;
	r->tx_limit = 1;
	batch_alloc(r, &r->b[0]);
	pthread_mutex_init(&r->mu, NULL);
	/* The writer's timed waits count on the monotonic clock. */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (store_open(&r->ckpt_store, store_path(s), STORE_WRITE, NULL) == LG_OK) {
		/* The checkpoints are the checkpointer's (a connection that
		 * cannot be had leaves them to SQLite, in the commits). */
		sqlite3_wal_autocheckpoint(r->store->db, 0);
		r->ckpt_ok = pthread_create(&r->ckpt_thread, NULL, checkpointer, r) == 0;
		if (!r->ckpt_ok)
			sqlite3_wal_autocheckpoint(r->store->db, 8192);
	}
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
	if (v->smtp_outcome && v->smtp_reply)
		c->smtp_reply = lg_arena_memdup(&b->arena, v->smtp_reply, strlen(v->smtp_reply));
	return batch_full(r) ? submit(r, err) : LG_OK;
}

enum lg_status store_writer_dns(struct store_writer *r, const char *domain, size_t len,
				const struct dns_result *res, struct lg_err *err)
{
	struct rec_batch *b = &r->b[r->fill];
	struct rec_dns *c = &b->d[b->nd++];
	c->domain = lg_arena_memdup(&b->arena, domain, len);
	c->catch_all = 0;
	c->len = len;
	c->res = *res;
	c->res.mx = lg_arena_memdup(&b->arena, res->mx ? res->mx : "",
				    res->mx ? strlen(res->mx) : 0);
	return batch_full(r) ? submit(r, err) : LG_OK;
}

enum lg_status store_writer_catch_all(struct store_writer *r, const char *domain, size_t len,
				      int ca, int64_t at, int64_t expires_at, struct lg_err *err)
{
	struct rec_batch *b = &r->b[r->fill];
	struct rec_dns *c = &b->d[b->nd++];
	memset(c, 0, sizeof(*c));
	c->domain = lg_arena_memdup(&b->arena, domain, len);
	c->len = len;
	c->catch_all = ca;
	c->at = at;
	c->expires_at = expires_at;
	return batch_full(r) ? submit(r, err) : LG_OK;
}

enum lg_status store_writer_finish(struct store_writer *r, struct lg_err *err)
{
	const struct rec_batch *b = &r->b[r->fill];
	enum lg_status st = LG_OK;
	if (b->nv || b->nd)
		st = submit(r, err);
	pthread_mutex_lock(&r->mu);
	r->flush = true;
	pthread_cond_broadcast(&r->cv);
	while (r->queued || r->open)
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
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (r->thread_ok)
		pthread_join(r->thread, NULL);
	if (r->ckpt_ok)
		pthread_join(r->ckpt_thread, NULL);
	store_close(r->ckpt_store);
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
