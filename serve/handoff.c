/*
 * handoff.c - the outbox drained inside the service: the messages that
 * are due sent on the server's own loop by the libcurl multi sender
 * (handoff/send.h), and the SLA's escalations applied, continuously,
 * without `leadgate handoff run`.
 *
 * A round is the steps of job_handoff_run split between threads
 * (job_handoff_drain_*): the SLA as of now and the messages due read on
 * a worker (work.c: the store is never used on the loop, where a bulk
 * job's writer holding the write lock would stall every request), sent
 * from the loop, and their outcomes recorded on a worker again.  One
 * round at a time: a message taken is not taken again before its
 * outcome is recorded.  A service stopped mid-round records nothing of
 * it: the messages stay pending and are sent again by the next start or
 * `handoff run`, under the same webhook-id (at-least-once).
 *
 * When: at the start, after a decision made through the service (it may
 * move a stage and write a message), right after a round that took a
 * full batch, and otherwise every POLL_MS.  The poll is what sees the
 * moves other processes record on the same database (`leadgate score`,
 * `decide`), the retries falling due (next_at) and the SLA's deadlines,
 * to the second; each poll is two indexed queries on a worker.
 *
 * Here too: GET /v1/reports/sla, `report sla --format json` (jobs/sla.c)
 * read on a worker.
 */
#include "serve_int.h"
#include "conf/conf.h"
#include "handoff/send.h"
#include "jobs/jobs.h"
#include "loop/loop.h"
#include "store/store.h"
#include "view/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLL_MS 1000   /* between rounds that found nothing more to do */
#define ROUND_MAX 256u /* messages a round takes */

enum phase { IDLE, TAKING, SENDING, RECORDING };

struct serve_handoff {
	struct serve *s;
	struct job_handoff_drain *d;
	struct sender *snd;
	loop_timer_id timer;
	bool armed;
	enum phase phase;
	bool again;   /* poked during a round: another at once after it */
	size_t taken; /* by the round */
	enum lg_status st;
	struct lg_err err;                 /* a worker's step's failure */
	struct job_handoff_run_report rep; /* the round's, by record */
	struct serve_handoff_counts counts;
};

static void tick(struct loop *l, void *arg);

static void arm(struct serve_handoff *h, int64_t after_ms)
{
	if (h->armed)
		loop_timer_cancel(serve_loop(h->s), h->timer);
	h->timer = loop_timer_add(serve_loop(h->s), after_ms, tick, h);
	h->armed = true;
}

static int64_t now_of(const struct serve_handoff *h)
{
	int64_t now = serve_options(h->s)->now;
	return now ? now : lg_now_wall();
}

static void round_over(struct serve_handoff *h, bool more)
{
	h->phase = IDLE;
	if (serve_stopping(h->s))
		return;
	arm(h, more || h->again ? 0 : POLL_MS);
	h->again = false;
}

static void failed(struct serve_handoff *h, const char *step)
{
	fprintf(stderr, "leadgate: serve: the handoff's %s: %s\n", step,
		h->err.msg[0] ? h->err.msg : lg_strerror(h->st));
}

static void record_run(struct serve_worker *wk, void *arg)
{
	struct serve_handoff *h = arg;
	h->err = (struct lg_err){{0}};
	h->st = job_handoff_drain_record(h->d, serve_worker_store(wk), &h->rep, &h->err);
}

static void record_end(void *arg, bool ran)
{
	struct serve_handoff *h = arg;
	if (!ran)
		return; /* stopped: the messages stay pending */
	if (h->st != LG_OK)
		failed(h, "record");
	struct serve_handoff_counts *c = &h->counts;
	c->escalated += h->rep.escalated;
	c->delivered += h->rep.delivered;
	c->retrying += h->rep.retrying;
	c->dead += h->rep.dead;
	c->disabled += h->rep.disabled;
	round_over(h, h->st == LG_OK && h->taken >= ROUND_MAX);
}

static void record_post(struct serve_handoff *h)
{
	h->phase = RECORDING;
	struct serve_work *w = serve_work_of(h->s);
	if (!w || !serve_work_post(w, record_run, h, record_end, h))
		round_over(h, false); /* busy or stopping: pending still, next time */
}

static void all_sent(void *arg)
{
	record_post(arg);
}

static void take_run(struct serve_worker *wk, void *arg)
{
	struct serve_handoff *h = arg;
	h->err = (struct lg_err){{0}};
	h->st = job_handoff_drain_take(h->d, serve_worker_store(wk), now_of(h), ROUND_MAX, &h->err);
}

static void take_end(void *arg, bool ran)
{
	struct serve_handoff *h = arg;
	if (!ran)
		return;
	if (h->st != LG_OK) {
		failed(h, "outbox");
		round_over(h, false);
		return;
	}
	h->taken = job_handoff_drain_taken(h->d);
	if (serve_stopping(h->s)) {
		h->phase = IDLE; /* what was taken stays pending */
		return;
	}
	if (!h->taken) {
		/* nothing to send, so nothing for the store to record: the
		 * round's counts (the SLA's) taken here, on the loop */
		h->err = (struct lg_err){{0}};
		h->st = job_handoff_drain_record(h->d, NULL, &h->rep, &h->err);
		record_end(h, true);
		return;
	}
	h->phase = SENDING;
	h->counts.sent += h->taken;
	struct lg_err err = {{0}};
	if (job_handoff_drain_send(h->d, h->snd, all_sent, h, &err) != LG_OK)
		fprintf(stderr, "leadgate: serve: the handoff's sender: %s\n", err.msg);
	if (!job_handoff_drain_left(h->d))
		record_post(h);
}

static void tick(struct loop *l, void *arg)
{
	struct serve_handoff *h = arg;
	(void)l;
	h->armed = false;
	if (serve_stopping(h->s))
		return;
	if (h->phase != IDLE) {
		h->again = true;
		return;
	}
	h->phase = TAKING;
	struct serve_work *w = serve_work_of(h->s);
	if (!w || !serve_work_post(w, take_run, h, take_end, h)) {
		h->phase = IDLE;
		arm(h, POLL_MS); /* the workers are busy: later */
	}
}

enum lg_status serve_handoff_open(struct serve_handoff **out, struct serve *s, struct lg_err *err)
{
	const struct route_conf *c = &serve_options(s)->conf->handoff;
	*out = NULL;
	if (!c->n_rule)
		return LG_OK; /* nothing is routed: nothing is ever queued */
	struct serve_handoff *h = lg_xcalloc(1, sizeof(*h));
	*out = h;
	h->s = s;
	/* http:// and private addresses only where the configuration allows
	 * private targets, as `handoff run` */
	struct send_opts o = {.allow_http = c->allow_private, .allow_private = c->allow_private};
	enum lg_status st = job_handoff_drain_new(&h->d, serve_options(s)->conf, err);
	if (st == LG_OK)
		st = sender_new(&h->snd, serve_loop(s), &o, err);
	if (st == LG_OK)
		arm(h, 0);
	return st;
}

void serve_handoff_close(struct serve_handoff *h)
{
	if (!h)
		return;
	if (h->armed)
		loop_timer_cancel(serve_loop(h->s), h->timer);
	sender_free(h->snd); /* no call back: what was sent stays pending */
	job_handoff_drain_free(h->d);
	free(h);
}

void serve_handoff_poke(struct serve_handoff *h)
{
	if (!h || serve_stopping(h->s))
		return;
	if (h->phase != IDLE)
		h->again = true;
	else
		arm(h, 0);
}

const struct serve_handoff_counts *serve_handoff_counts(const struct serve_handoff *h)
{
	return h ? &h->counts : NULL;
}

/* ---- GET /v1/reports/sla: `report sla --format json`, on a worker ---- */

struct sla_req {
	bool started;
	const char *db; /* the server's */
	json_t *out;    /* owned until answered; NULL: failed */
	enum lg_status st;
	struct lg_err err;
};

static void sla_req_free(void *p)
{
	json_decref(((struct sla_req *)p)->out);
}

static void sla_run(struct serve_worker *wk, void *arg)
{
	struct sla_req *x = arg;
	struct job_sla S;
	(void)wk;
	x->st = job_sla(x->db, &S, &x->err);
	if (x->st == LG_OK)
		x->out = view_sla(&S);
	job_sla_free(&S);
}

void serve_report_sla(struct serve_req *r)
{
	struct sla_req *x = serve_req_state(r, sizeof(*x), sla_req_free);
	if (!x->started) {
		x->started = true;
		x->db = store_path(serve_store(serve_req_server(r)));
		serve_req_work(r, sla_run, x);
		return;
	}
	if (!x->out) {
		fprintf(stderr, "leadgate: serve: the SLA report: %s\n",
			x->err.msg[0] ? x->err.msg : lg_strerror(x->st));
		serve_error(r, 503, "unavailable", "the store cannot answer now; try again");
		return;
	}
	/* one line, as the command line writes it */
	char *s = json_dumps(x->out, VIEW_LINE_FLAGS);
	if (!s)
		lg_die_oom(0);
	struct lg_buf b = {0};
	lg_buf_adds(&b, s);
	lg_buf_adds(&b, "\n");
	free(s);
	serve_body(r, 200, "application/json", b.data, b.len);
	lg_buf_release(&b);
}
