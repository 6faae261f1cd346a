/*
 * refresh.c - the refresh job: re-verify the records that most need it,
 * stalest first, up to a budget.
 *
 * The plan (which contacts, in which order) is committed before anything
 * is re-verified; new verdicts are committed in batches, with the plan's
 * entries marked done.  A run killed at any moment leaves a plan that the
 * next refresh takes up where it stopped: nothing is lost and nothing
 * re-verified twice.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "loop/loop.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* Contacts looked up together: the lookups of a chunk overlap, and the
 * slowest domain (a silent one takes 6 s) holds up only its chunk, so
 * chunks are large.  Their verdicts are then written BATCH at a time. */
#define CHUNK 65536
#define BATCH 4096

/* One contact of a chunk, between its plan entry and its new verdict. */
struct item {
	struct store_due due; /* address points into the chunk's arena; cells NULL */
	const char *listed; /* the address as the list spelled it, in the arena; NULL: none kept */
	size_t listed_len;
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;
	const struct dns_result *dns;   /* NULL: decided without DNS */
	const struct smtp_result *smtp; /* NULL: not probed */
};

struct job_refresh {
	struct job_refresh_opts o;
	struct store *store;
	struct verify_ctx *ctx;
	struct dns_resolver *dns;
	struct smtp_prober *smtp; /* NULL without --smtp */
	struct job_probe probe;   /* with smtp */
	struct loop *loop;        /* the resolver's: opts' or own_loop */
	struct loop *own_loop;    /* made by the job when opts gave none */
	struct store_run run;
	struct item *items;
	size_t n;
	struct lg_arena arena;
	struct io_cell *cells; /* a list's row unpacked, up to its address */
	size_t ncells;
	struct lg_buf key; /* a contact key, to hold a listed address against */
	struct job_refresh_report rep;
	bool done;
};

/* A catch-all state a probe found, kept for the next runs (between two
 * chunks' transactions: a step of the loop runs outside them).  Failing
 * to keep it costs a probe next time, not this run. */
static void on_catch_all(void *arg, const char *domain, size_t len, enum smtp_catch_all ca,
			 uint32_t at)
{
	struct job_refresh *j = arg;
	int64_t t = at ? at : j->o.now;
	if (store_begin(j->store, NULL) != LG_OK)
		return;
	if (store_smtp_domain_put(j->store, domain, len, (int)ca, t, t + STORE_CATCH_ALL_TTL,
				  NULL) != LG_OK ||
	    store_commit(j->store, NULL) != LG_OK)
		store_rollback(j->store);
}

enum lg_status job_refresh_open(struct job_refresh **out, const struct job_refresh_opts *o,
				struct lg_err *err)
{
	struct job_refresh *j = lg_xcalloc(1, sizeof(*j));
	int64_t list_id = 0;

	*out = j;
	j->o = *o;
	enum lg_status st = LG_OK;
	struct smtp_opts so;
	if (o->smtp) { /* before the store is opened */
		if ((st = conf_smtp_opts(o->conf, &so, err)) != LG_OK)
			return st;
		so.now = o->dns.now;
	}
	st = store_open(&j->store, o->db, STORE_WRITE, err);
	struct decay_policy dp = o->conf->decay;
	if (st == LG_OK && o->list) {
		struct store_list_info li;
		if ((st = store_list_get(j->store, o->list, &li, err)) == LG_OK) {
			list_id = li.id;
			conf_decay_policy(o->conf, li.source, &dp);
		}
	}
	if (st == LG_OK && !(j->loop = o->loop) && (st = loop_new(&j->own_loop, err)) == LG_OK)
		j->loop = j->own_loop;
	if (st == LG_OK)
		st = dns_resolver_new(&j->dns, j->loop, &o->dns, err);
	if (st == LG_OK && o->smtp && (st = smtp_prober_new(&j->smtp, j->loop, &so, err)) == LG_OK) {
		smtp_prober_on_domain(j->smtp, on_catch_all, j);
		job_probe_init(&j->probe, j->smtp, j->dns, o->conf, j->store, o->now);
	}
	if (st != LG_OK)
		return st;
	j->ctx = conf_verify_ctx(o->conf);

	j->rep.older = o->older >= 0 ? o->older : dp.stale_after;
	if ((st = store_begin(j->store, err)) != LG_OK ||
	    (st = store_refresh_plan(j->store, list_id, o->now - j->rep.older, o->budget, o->now,
				     &j->run, err)) != LG_OK ||
	    (st = store_commit(j->store, err)) != LG_OK)
		return st;
	j->rep.resumed = j->run.resumed;
	j->rep.run_id = j->run.id;
	j->items = lg_xcalloc(CHUNK, sizeof(*j->items));
	return LG_OK;
}

/* Take a contact of the plan into the chunk. */
static enum lg_status take(void *arg, const struct store_due *d, struct lg_err *err)
{
	struct job_refresh *j = arg;
	(void)err;
	struct item *it = &j->items[j->n++];
	memset(it, 0, sizeof(*it));
	it->due = *d;
	it->due.address = lg_arena_memdup(&j->arena, d->address, d->address_len);
	it->due.cells = NULL;
	it->due.cells_len = 0;
	/* The address as the list's row has it, when the store kept the row. */
	if (d->cells && d->email_col >= 0 && (size_t)d->email_col < IO_RECORD_MAX) {
		size_t need = (size_t)d->email_col + 1;
		if (j->ncells < need) {
			j->cells = lg_xrealloc(j->cells, need * sizeof(*j->cells));
			j->ncells = need;
		}
		if (io_cells_unpack(d->cells, d->cells_len, j->cells, need) >= (long)need) {
			const struct io_cell *c = &j->cells[d->email_col];
			it->listed = lg_arena_memdup(&j->arena, c->s, c->len);
			it->listed_len = c->len;
		}
	}
	return LG_OK;
}

/*
 * What to probe for an item: the address as its list spelled it when the
 * store kept that and it is still this contact (a local part's case is
 * the mail host's to judge, RFC 5321 2.4: Ann.Lee may be a mailbox that
 * ann.lee is not), else the contact's key, which is case folded.  v's
 * strings are the context's and go with the next verify_address: out is
 * verified last, whichever it holds.
 */
static const struct verify_result *to_probe(struct job_refresh *j, const struct item *it,
					    struct verify_result *out)
{
	if (it->listed) {
		verify_address(j->ctx, it->listed, it->listed_len, out);
		if (verify_contact_key(out, &j->key) && j->key.len == it->due.address_len &&
		    !memcmp(j->key.data, it->due.address, j->key.len))
			return out;
	}
	verify_address(j->ctx, it->due.address, it->due.address_len, out);
	return out;
}

/* Verify the chunk: offline checks, then one lookup per domain (and with
 * --smtp one session per domain). */
static void verify_chunk(struct job_refresh *j)
{
	for (size_t i = 0; i < j->n; i++) {
		struct item *it = &j->items[i];
		struct verify_result v;
		verify_address(j->ctx, it->due.address, it->due.address_len, &v);
		it->status = v.status;
		it->reason = v.reason;
		it->flags = v.flags;
		if (verify_needs_dns(&v)) {
			it->dns = job_dns_lookup(j->dns, j->store, j->o.now, v.domain, v.domain_len,
						 v.org_len);
			if (j->smtp)
				it->smtp = job_probe_add(&j->probe, to_probe(j, it, &v));
		}
	}
	while (dns_resolver_busy(j->dns) || (j->smtp && smtp_prober_busy(j->smtp)))
		loop_step(j->loop, -1);
}

/* Write items [from, to) in one transaction, their plan entries done. */
static enum lg_status record_batch(struct job_refresh *j, size_t from, size_t to, struct lg_err *err)
{
	enum lg_status st = store_begin(j->store, err);
	for (size_t i = from; i < to && st == LG_OK; i++) {
		struct item *it = &j->items[i];
		struct verify_result v = {
			.status = it->status,
			.reason = it->reason,
			.flags = it->flags,
			.normalized = it->due.address,
			.normalized_len = it->due.address_len,
		};
		struct store_verdict sv;
		job_verdict(&v, it->dns, it->smtp, it->smtp && job_smtp_skipped(j->o.conf, it->dns),
			    false, j->o.now, NULL, &sv);
		if (job_dns_to_keep(it->dns))
			st = job_dns_keep(j->dns, j->store, it->dns, err);
		bool changed, kept = false;
		if (st == LG_OK)
			st = store_refresh_done(j->store, &j->run, &it->due, &sv, &changed, &kept,
						err);
		j->rep.by_status[v.status]++;
		j->rep.kept += kept;
	}
	if (st == LG_OK)
		st = store_commit(j->store, err);
	if (st != LG_OK)
		store_rollback(j->store);
	return st;
}

enum lg_status job_refresh_step(struct job_refresh *j, bool *done, struct lg_err *err)
{
	enum lg_status st;
	*done = j->done;
	if (j->done)
		return LG_OK;
	j->n = 0;
	lg_arena_release(&j->arena);
	if ((st = store_refresh_each(j->store, &j->run, CHUNK, take, j, err)) != LG_OK)
		return st;
	if (!j->n) {
		*done = j->done = true;
		return LG_OK;
	}
	verify_chunk(j);
	/* Only a resolver that stopped answering stops the refresh: a chunk
	 * of dead domains is recorded (kept), or the plan would never get
	 * past it. */
	if (dns_resolver_down(j->dns))
		return lg_err_set(err, LG_ETEMP,
				  "the resolver%s%s did not answer: nothing more was recorded; run "
				  "again later to go on",
				  j->o.dns.servers ? " " : "",
				  j->o.dns.servers ? j->o.dns.servers : "");
	for (size_t i = 0; i < j->n && st == LG_OK; i += BATCH)
		st = record_batch(j, i, i + BATCH < j->n ? i + BATCH : j->n, err);
	return st;
}

static void on_list(void *arg, const struct store_list_info *li)
{
	struct lg_buf *names = arg;
	lg_buf_add(names, li->name, strlen(li->name) + 1);
}

/* The new verdicts may change the gate of the lists refreshed (o.list's,
 * else every list's): each weighed again, its verdict kept and a change
 * told (list_gates_check), in one transaction. */
static enum lg_status gates(struct job_refresh *j, struct lg_err *err)
{
	struct lg_buf names = LG_BUF_INIT;
	enum lg_status st = LG_OK;
	if (!j->o.conf->handoff.events)
		return LG_OK; /* nobody to tell: no list scanned for it */
	if (j->o.list)
		lg_buf_add(&names, j->o.list, strlen(j->o.list) + 1);
	else
		st = store_list_each(j->store, on_list, &names, err);
	if (st == LG_OK)
		st = list_gates_check(j->store, j->o.conf, names.data, names.len, j->o.now,
				      &j->rep.gates_changed, err);
	lg_buf_release(&names);
	return st;
}

enum lg_status job_refresh_finish(struct job_refresh *j, struct lg_err *err)
{
	struct job_refresh_report *rep = &j->rep;
	enum lg_status st;
	if ((st = store_begin(j->store, err)) == LG_OK &&
	    (st = store_run_finish(j->store, &j->run, j->o.now, err)) == LG_OK)
		st = store_commit(j->store, err);
	if (st == LG_OK)
		st = store_refresh_counts(j->store, &j->run, &rep->counts, err);
	if (st == LG_OK)
		st = gates(j, err);
	if (st != LG_OK)
		return st;
	dns_resolver_stats(j->dns, &rep->dns_stats);
	if (j->smtp) {
		rep->smtp = true;
		smtp_prober_stats(j->smtp, &rep->smtp_stats);
	}
	rep->dns_unanswered = job_dns_unanswered(&rep->dns_stats, j->o.conf->dns_unanswered_max,
						 &rep->dns_failed);
	return LG_OK;
}

const struct job_refresh_report *job_refresh_report(const struct job_refresh *j)
{
	return &j->rep;
}

void job_refresh_close(struct job_refresh *j)
{
	if (!j)
		return;
	free(j->items);
	free(j->cells);
	lg_buf_release(&j->key);
	lg_arena_release(&j->arena);
	verify_ctx_free(j->ctx);
	smtp_prober_free(j->smtp);
	if (j->smtp)
		job_probe_release(&j->probe);
	dns_resolver_free(j->dns);
	loop_free(j->own_loop); /* after the resolver, which takes its sockets out of it */
	store_close(j->store);
	free(j);
}
