/*
 * verify.c - POST /v1/verify: one address, answered with the object a row
 * of `leadgate verify -f jsonl` holds for it, made by the same code: the
 * offline checks (verify_address), the domain's answer from the store's
 * cache or the resolver (job_dns_lookup, kept with job_dns_keep as verify
 * --list keeps it), the one verdict path (job_verdict), the verify
 * columns (job_verify_cells) and the JSON Lines writer.
 *
 * A new answer is kept in the store's cache as verify --list keeps it,
 * and so is a catch-all state the service's prober found (as verify and
 * refresh keep it: the next probe of the domain, by any of them, sends no
 * random RCPT TO again), but not on the loop: a bulk job's writer may hold
 * the database's write lock for a while, and a write here would wait for
 * it in the busy handler with every other request behind it.  Both wait
 * in a queue (struct serve_keep) and a worker writes them in one
 * transaction (keep_post says why that rather than a try that does not
 * wait).
 */
#include "serve_int.h"
#include "jobs/jobs.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers (and catch-all states) waiting to be kept, at most: past that
 * a new one is not kept (it costs a later lookup or probe, nothing
 * else). */
#define KEEP_MAX 4096

/* An answer or a catch-all state to keep: its strings in the batch's
 * text (offsets, as the text grows). */
struct keep_row {
	struct dns_result res; /* res.mx unused: see mx */
	size_t domain, domain_len, mx;
	int catch_all;          /* not 0: a catch-all state instead (res, mx unused) */
	int64_t at, expires_at; /* the catch-all state's */
};

struct keep_batch {
	struct keep_row *rows;
	size_t n, cap;
	struct lg_buf text;
};

struct serve_keep {
	struct keep_batch wait;  /* not yet handed to a worker */
	struct keep_batch *busy; /* on a worker; NULL: none is */
	struct serve_work *work;
	enum lg_status st; /* busy's write, set by the worker */
	struct lg_err err;
	unsigned long dropped; /* answers past KEEP_MAX, since the last said */
};

static void batch_release(struct keep_batch *b)
{
	free(b->rows);
	lg_buf_release(&b->text);
	memset(b, 0, sizeof(*b));
}

/* Every answer of b in one transaction on st. */
static enum lg_status batch_write(struct store *st, struct keep_batch *b, struct lg_err *err)
{
	enum lg_status rc = store_begin(st, err);
	for (size_t i = 0; rc == LG_OK && i < b->n; i++) {
		const struct keep_row *row = &b->rows[i];
		const char *domain = b->text.data + row->domain;
		if (row->catch_all) {
			rc = store_smtp_domain_put(st, domain, row->domain_len, row->catch_all,
						   row->at, row->expires_at, err);
			continue;
		}
		struct dns_result res = row->res;
		res.mx = b->text.data + row->mx;
		rc = store_domain_put(st, domain, row->domain_len, &res, err);
	}
	if (rc == LG_OK)
		rc = store_commit(st, err);
	if (rc != LG_OK)
		store_rollback(st);
	return rc;
}

struct serve_keep *serve_keep_new(void)
{
	return lg_xcalloc(1, sizeof(struct serve_keep));
}

void serve_keep_free(struct serve_keep *k, struct store *s)
{
	if (!k)
		return;
	struct lg_err err = {0};
	if (k->wait.n && s && batch_write(s, &k->wait, &err) != LG_OK)
		fprintf(stderr,
			"leadgate: serve: the DNS cache: %s (%zu answers or catch-all states "
			"not kept)\n",
			err.msg, k->wait.n);
	batch_release(&k->wait);
	if (k->busy) /* the workers are gone: it is not theirs any more */
		batch_release(k->busy);
	free(k->busy);
	free(k);
}

/* On a worker: the batch, waiting for the lock as long as the store's
 * busy timeout says. */
static void keep_run(struct serve_worker *wk, void *arg)
{
	struct serve_keep *k = arg;
	k->st = batch_write(serve_worker_store(wk), k->busy, &k->err);
}

static void keep_post(struct serve_keep *k);

static void keep_end(void *arg, bool ran)
{
	struct serve_keep *k = arg;
	struct keep_batch *b = k->busy;
	k->busy = NULL;
	if (!ran) {
		/* The server stops: back to the queue, written at the end
		 * (serve_keep_free), on the loop that no longer serves. */
		batch_release(&k->wait);
		k->wait = *b;
		free(b);
		return;
	}
	if (k->st != LG_OK)
		fprintf(stderr,
			"leadgate: serve: the DNS cache: %s (%zu answers or catch-all states "
			"not kept)\n",
			k->err.msg, b->n);
	batch_release(b);
	free(b);
	keep_post(k);
}

/*
 * Hand what waits to a worker, unless one has a batch already (then it
 * goes once that one is written: one writer of the cache at a time, and
 * what comes meanwhile makes the next batch).  Why a worker and not a try
 * on the loop that gives up when the lock is taken: while a bulk job
 * runs, its writer holds the lock most of the time, so such tries would
 * lose most answers, and each later verify of those domains would ask
 * DNS again; a worker may wait, and one transaction keeps many answers.
 * A queue full of other tasks leaves the answers waiting for the next
 * verify's post.
 */
static void keep_post(struct serve_keep *k)
{
	if (k->busy || !k->wait.n || !k->work)
		return;
	k->busy = lg_xmalloc(sizeof(*k->busy));
	*k->busy = k->wait;
	memset(&k->wait, 0, sizeof(k->wait));
	if (!serve_work_post(k->work, keep_run, k, keep_end, k)) {
		k->wait = *k->busy;
		free(k->busy);
		k->busy = NULL;
	}
}

/* A new row of the waiting batch for domain (its name copied), zeroed
 * but for the name; NULL when KEEP_MAX rows wait already. */
static struct keep_row *keep_row_new(struct serve *s, const char *domain, size_t len)
{
	struct serve_keep *k = serve_keep_of(s);
	struct keep_batch *b = &k->wait;
	if (b->n == KEEP_MAX) {
		if (!k->dropped++)
			fprintf(stderr,
				"leadgate: serve: the DNS cache: %d answers or catch-all states "
				"wait to be kept already; new ones are not kept until they are\n",
				KEEP_MAX);
		return NULL;
	}
	k->dropped = 0;
	k->work = serve_work_of(s);
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->rows = lg_xrealloc(b->rows, b->cap * sizeof(*b->rows));
	}
	struct keep_row *row = &b->rows[b->n++];
	memset(row, 0, sizeof(*row));
	row->domain = b->text.len;
	row->domain_len = len;
	lg_buf_add(&b->text, domain, len);
	lg_buf_addc(&b->text, '\0');
	return row;
}

/* d's answer, to be kept. */
static void keep_add(struct serve *s, const struct dns_result *d)
{
	size_t len;
	const char *domain = dns_resolver_domain(serve_resolver(s), d, &len);
	struct keep_row *row = keep_row_new(s, domain, len);
	if (!row)
		return;
	struct keep_batch *b = &serve_keep_of(s)->wait;
	row->res = *d;
	row->res.mx = NULL;
	row->mx = b->text.len;
	lg_buf_adds(&b->text, d->mx ? d->mx : "");
	lg_buf_addc(&b->text, '\0');
	keep_post(serve_keep_of(s));
}

void serve_keep_catch_all(struct serve *s, const char *domain, size_t len, int ca, int64_t at)
{
	struct keep_row *row = keep_row_new(s, domain, len);
	if (!row)
		return;
	row->catch_all = ca;
	row->at = at;
	row->expires_at = at + STORE_CATCH_ALL_TTL;
	keep_post(serve_keep_of(s));
}

struct one {
	bool started;
	char *email; /* as given; owned */
	size_t email_len;
	struct verify_result v; /* its strings copied into text */
	struct lg_buf text;
	const struct dns_result *d;   /* borrowed from the server's resolver */
	bool smtp;                    /* "smtp": true: the mailbox is probed too */
	const struct smtp_result *sr; /* borrowed from the server's prober; NULL: no probe */
};

static void one_free(void *p)
{
	struct one *o = p;
	free(o->email);
	lg_buf_release(&o->text);
}

/* The verdict's strings are the context's until its next call, and other
 * requests call it while this one waits: copy them. */
static void keep_strings(struct one *o)
{
	struct verify_result *v = &o->v;
	struct lg_buf *b = &o->text;
	lg_buf_reset(b);
	lg_buf_grow(b, v->normalized_len + v->suggestion_len + v->domain_len + 3);
	size_t at_n = b->len;
	lg_buf_add(b, v->normalized, v->normalized_len);
	lg_buf_addc(b, '\0');
	size_t at_s = b->len;
	lg_buf_add(b, v->suggestion, v->suggestion_len);
	lg_buf_addc(b, '\0');
	size_t at_d = b->len;
	lg_buf_add(b, v->domain, v->domain_len);
	lg_buf_addc(b, '\0');
	v->normalized = b->data + at_n;
	v->suggestion = b->data + at_s;
	v->domain = b->data + at_d;
}

/* The address of {"email": "..."}; false when the body is not that (and
 * the request answered 400). */
static bool read_email(struct serve_req *r, struct one *o)
{
	json_t *j = serve_req_object(r);
	if (!j)
		return false;
	json_t *e = json_object_get(j, "email");
	if (!json_is_string(e)) {
		json_decref(j);
		serve_error(r, 400, "bad_request",
			    "the body wants an object with \"email\", a string");
		return false;
	}
	json_t *smtp = json_object_get(j, "smtp");
	if (smtp && !json_is_boolean(smtp)) {
		json_decref(j);
		serve_error(r, 400, "bad_request", "\"smtp\" wants true or false");
		return false;
	}
	o->smtp = json_is_true(smtp);
	o->email_len = json_string_length(e);
	o->email = lg_xmemdup(json_string_value(e), o->email_len);
	json_decref(j);
	return true;
}

static void answer(struct serve_req *r, struct one *o)
{
	struct serve *s = serve_req_server(r);
	struct lg_err err = {0};
	const struct dns_result *d = o->d;

	/* A new answer goes to the store's cache, as verify --list keeps it,
	 * by a worker; failing to keep it costs a later lookup, not this
	 * answer. */
	if (job_dns_to_keep(d))
		keep_add(s, d);

	struct store_verdict sv;
	bool skipped = o->sr && job_smtp_skipped(serve_options(s)->conf, d);
	job_verdict(&o->v, d, o->sr, skipped, false, serve_req_now(r), NULL, &sv);
	serve_metrics_verdict(serve_metrics(s), sv.status);
	char flags[128], at[32] = "";
	size_t flags_len = verify_flags_format(o->v.flags, flags, sizeof(flags));
	if (job_verify_dated(d))
		lg_time_format(d->answered_at, at, sizeof(at));
	struct io_cell cells[1 + JOB_VERIFY_COLS];
	cells[0] = (struct io_cell){o->email, o->email_len, false};
	job_verify_cells(&o->v, &sv, flags, flags_len, at, cells + 1);

	struct lg_buf *out;
	struct io_writer *w = serve_row_writer(s, &out);
	lg_buf_reset(out);
	enum lg_status st = io_writer_row(w, cells, NULL, 0, &err);
	if (st == LG_OK)
		st = io_writer_finish(w, &err);
	if (st != LG_OK) {
		serve_error(r, 500, "internal", "the answer could not be written");
		return;
	}
	serve_body(r, 200, "application/json", out->data, out->len);
}

/*
 * The next step of a request: its domain's answer awaited; then, with
 * "smtp": true and a domain that takes mail, its mailbox's probe (the
 * request waits for its domain's session, on the loop: other requests go
 * on); then the answer.
 */
static void go_on(struct serve_req *r, struct one *o)
{
	struct serve *s = serve_req_server(r);
	if (o->d && o->d->outcome == DNS_PENDING) {
		serve_wait(r, o->d);
		return;
	}
	if (o->smtp && !o->sr && o->d &&
	    (o->d->outcome == DNS_MX || o->d->outcome == DNS_IMPLICIT)) {
		struct lg_err err = {0};
		o->sr = serve_probe(s, &o->v, &err);
		if (!o->sr) {
			serve_error(r, 409, "smtp_unavailable", "%s", err.msg);
			return;
		}
		if (o->sr->outcome == SMTP_PENDING) {
			serve_wait_smtp(r, o->sr);
			return;
		}
	}
	answer(r, o);
}

void serve_verify_one(struct serve_req *r)
{
	struct one *o = serve_req_state(r, sizeof(struct one), one_free);
	struct serve *s = serve_req_server(r);

	if (o->started) { /* back from serve_wait */
		if ((o->d && o->d->outcome == DNS_PENDING) ||
		    (o->sr && o->sr->outcome == SMTP_PENDING)) /* the service stops first */
			serve_error(r, 503, "unavailable", "the service is stopping");
		else
			go_on(r, o);
		return;
	}
	o->started = true;
	if (!read_email(r, o))
		return;
	verify_address(serve_verify_ctx(s), o->email, o->email_len, &o->v);
	keep_strings(o);
	if (verify_needs_dns(&o->v))
		o->d = job_dns_lookup(serve_resolver(s), serve_store(s), serve_req_now(r),
				      o->v.domain, o->v.domain_len, o->v.org_len);
	go_on(r, o);
}
