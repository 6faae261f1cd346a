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
 * full batch, as soon as another process commits to the database, and
 * otherwise every POLL_MS.  The service itself records no move that hands
 * a lead off (its decisions move to SAL, disqualified or recycled, and
 * poke the drain for the messages they may write): those moves come from
 * other processes on the same database (`leadgate score`, `decide`).  To
 * see them within milliseconds rather than up to a second, the loop
 * looks at the database's write-ahead log every WATCH_MS (a stat(2): no
 * store on the loop) and starts a round when its size or time changed;
 * our own commits change it too, and cost one round that finds nothing.
 * A change missed (two commits within the file system's time
 * granularity and of the same size) waits for the poll.  The poll also
 * sees the retries falling due (next_at) and the SLA's deadlines, to the
 * second.  A round that finds nothing is a few indexed reads on a
 * worker, without the write lock.
 *
 * The lists whose gate pushed bounces may have changed are weighed by a
 * round too (list_gates_check, before its take), at most every GATES_MS
 * however many posts named them: one post a bounce would otherwise scan
 * a list once a post.
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
#include <sys/stat.h>

#define POLL_MS 1000   /* between rounds that found nothing more to do */
#define ROUND_MAX 256u /* messages a round takes */
#define WATCH_MS 20    /* between looks at the write-ahead log */
#define STATS_MS 10000 /* between readings of the outbox and the accepts for /metrics */
/* ... at most, after rounds that sent something: each reading walks the
 * whole outbox and every handoff, far more than a round's own work */
#define STATS_BUSY_MS 1000
/* between weighings of the lists pushed bounces touched: a webhook post
 * a bounce, on a list of a million, would otherwise scan it each time
 * (0.16 s, bench/RESULTS.md) under the write lock */
#define GATES_MS 5000

/* The time-to-accept histogram's upper bounds, seconds: 1, 5, 15, 30
 * minutes, 1, 4 hours, a day. */
static const int64_t accept_bounds[] = {60, 300, 900, 1800, 3600, 14400, 86400};
#define NACCEPT (sizeof(accept_bounds) / sizeof(*accept_bounds))
static const char *const outcomes[] = {"delivered", "retry", "disabled", "refused"};
#define NOUTCOMES (sizeof(outcomes) / sizeof(*outcomes))

/* What /metrics shows of the store: read on a worker, shown from the loop. */
struct stats {
	unsigned long pending, retrying, delivered, dead, disabled;
	uint64_t accept[NACCEPT]; /* accepted within accept_bounds[i] (not cumulative) */
	uint64_t accepted;        /* all of them, the last bucket +Inf */
	int64_t accept_sum;       /* seconds */
};

struct deliveries {
	char *target;
	uint64_t n[NOUTCOMES];
};

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
	bool want_stats;    /* the round reads them (set on the loop before) */
	double stats_at;    /* lg_now_mono() of the last reading */
	struct stats fresh; /* the worker's reading */
	struct stats shown; /* the loop's copy */
	bool have_stats;
	uint64_t stats_sent;   /* counts.sent at the last reading */
	struct deliveries *dl; /* by target, since the start */
	size_t ndl;
	char *wal;            /* the database's write-ahead log, watched */
	loop_timer_id watch;  /* the next look at it */
	bool watching;        /* watch armed */
	struct stat wal_seen; /* as last seen (st_size, st_mtim, st_ino) */
	struct lg_buf gates;  /* lists to weigh again (serve_handoff_gates_later), each once */
	struct lg_buf gating; /* ... those the round weighs (moved there on the loop) */
	double gates_at;      /* lg_now_mono() of the last weighing */
};

static void tick(struct loop *l, void *arg);
static void on_outcome(void *arg, const char *target, const char *outcome);

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
	job_handoff_drain_outcomes(h->d, on_outcome, h);
	h->phase = RECORDING;
	struct serve_work *w = serve_work_of(h->s);
	if (!w || !serve_work_post(w, record_run, h, record_end, h))
		round_over(h, false); /* busy or stopping: pending still, next time */
}

static void all_sent(void *arg)
{
	record_post(arg);
}

static enum lg_status on_count(void *arg, const struct store_outbox_count *c, struct lg_err *err)
{
	struct stats *x = arg;
	(void)err;
	x->pending += c->pending;
	x->retrying += c->retrying;
	x->delivered += c->delivered;
	x->dead += c->dead;
	x->disabled += c->disabled;
	return LG_OK;
}

static enum lg_status on_sla_row(void *arg, const struct store_sla_row *r, struct lg_err *err)
{
	struct stats *x = arg;
	(void)err;
	if (r->kind != STORE_SLA_HANDOFF || r->accepted_at < 0 || !r->state ||
	    strcmp(r->state, "accepted"))
		return LG_OK;
	int64_t t = r->accepted_at > r->at ? r->accepted_at - r->at : 0;
	for (size_t i = 0; i < NACCEPT; i++)
		if (t <= accept_bounds[i]) {
			x->accept[i]++;
			break;
		}
	x->accepted++;
	x->accept_sum += t;
	return LG_OK;
}

static void take_run(struct serve_worker *wk, void *arg)
{
	struct serve_handoff *h = arg;
	struct store *st = serve_worker_store(wk);
	if (h->gating.len) {
		/* before the take: a list.gate_changed written now goes in
		 * this round */
		unsigned long changed = 0;
		struct lg_err e = {{0}};
		if (list_gates_check(st, serve_options(h->s)->conf, h->gating.data, h->gating.len,
				     now_of(h), &changed, &e) != LG_OK)
			fprintf(stderr, "leadgate: serve: the lists' gates: %s\n", e.msg);
	}
	h->err = (struct lg_err){{0}};
	h->st = job_handoff_drain_take(h->d, st, now_of(h), ROUND_MAX, &h->err);
	if (h->st != LG_OK || !h->want_stats)
		return;
	unsigned long unassigned;
	struct lg_err e = {{0}};
	memset(&h->fresh, 0, sizeof(h->fresh));
	if (store_outbox_counts(st, on_count, &h->fresh, &unassigned, &e) != LG_OK ||
	    store_sla_each(st, on_sla_row, &h->fresh, &e) != LG_OK) {
		fprintf(stderr, "leadgate: serve: the handoff's figures: %s\n", e.msg);
		h->want_stats = false; /* not shown: the last reading stays */
	}
}

static void on_outcome(void *arg, const char *target, const char *outcome)
{
	struct serve_handoff *h = arg;
	size_t i, o;
	for (o = 0; o < NOUTCOMES && strcmp(outcomes[o], outcome); o++)
		;
	if (o == NOUTCOMES)
		return;
	for (i = 0; i < h->ndl && strcmp(h->dl[i].target, target); i++)
		;
	if (i == h->ndl) {
		h->dl = lg_xrealloc(h->dl, (h->ndl + 1) * sizeof(*h->dl));
		h->dl[h->ndl] = (struct deliveries){.target = lg_xstrdup(target)};
		h->ndl++;
	}
	h->dl[i].n[o]++;
}

static void take_end(void *arg, bool ran)
{
	struct serve_handoff *h = arg;
	h->gating.len = 0;
	if (!ran)
		return;
	if (h->st == LG_OK && h->want_stats) {
		h->shown = h->fresh;
		h->have_stats = true;
		h->stats_at = lg_now_mono();
	}
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
	if (h->gates.len && !h->gating.len && lg_now_mono() - h->gates_at >= GATES_MS / 1000.0) {
		struct lg_buf t = h->gating;
		h->gating = h->gates;
		h->gates = t;
		h->gates.len = 0;
		h->gates_at = lg_now_mono();
	}
	/* the figures after a round that changed something, else now and then */
	double since = lg_now_mono() - h->stats_at;
	h->want_stats = !h->have_stats || since >= STATS_MS / 1000.0 ||
			(h->counts.sent != h->stats_sent && since >= STATS_BUSY_MS / 1000.0);
	if (h->want_stats)
		h->stats_sent = h->counts.sent;
	struct serve_work *w = serve_work_of(h->s);
	if (!w || !serve_work_post(w, take_run, h, take_end, h)) {
		h->phase = IDLE;
		arm(h, POLL_MS); /* the workers are busy: later */
	}
}

static bool wal_same(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_ino == b->st_ino &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Another commit to the database (its log grew or was rewritten): a
 * round now, for a move another process recorded. */
static void watch(struct loop *l, void *arg)
{
	struct serve_handoff *h = arg;
	struct stat st;
	h->watching = false;
	if (serve_stopping(h->s))
		return;
	memset(&st, 0, sizeof(st));
	if (stat(h->wal, &st) != 0)
		memset(&st, 0, sizeof(st)); /* none (yet): as an empty one */
	if (!wal_same(&st, &h->wal_seen)) {
		h->wal_seen = st;
		serve_handoff_poke(h);
	}
	h->watch = loop_timer_add(l, WATCH_MS, watch, h);
	h->watching = true;
}

enum lg_status serve_handoff_open(struct serve_handoff **out, struct serve *s, struct lg_err *err)
{
	const struct route_conf *c = &serve_options(s)->conf->handoff;
	*out = NULL;
	if (!c->n_rule && !c->secret)
		return LG_OK; /* nothing routed, no events signed: nothing is ever queued */
	struct serve_handoff *h = lg_xcalloc(1, sizeof(*h));
	*out = h;
	h->s = s;
	/* http:// and private addresses only where the configuration allows
	 * private targets, as `handoff run` */
	struct send_opts o = {.allow_http = c->allow_private, .allow_private = c->allow_private};
	enum lg_status st = job_handoff_drain_new(&h->d, serve_options(s)->conf, err);
	if (st == LG_OK)
		st = sender_new(&h->snd, serve_loop(s), &o, err);
	if (st == LG_OK) {
		struct lg_buf b = LG_BUF_INIT;
		lg_buf_addf(&b, "%s-wal", store_path(serve_store(s)));
		h->wal = b.data;
		arm(h, 0);
		watch(serve_loop(s), h);
	}
	return st;
}

void serve_handoff_close(struct serve_handoff *h)
{
	if (!h)
		return;
	if (h->armed)
		loop_timer_cancel(serve_loop(h->s), h->timer);
	if (h->watching)
		loop_timer_cancel(serve_loop(h->s), h->watch);
	free(h->wal);
	lg_buf_release(&h->gates);
	lg_buf_release(&h->gating);
	sender_free(h->snd); /* no call back: what was sent stays pending */
	job_handoff_drain_free(h->d);
	for (size_t i = 0; i < h->ndl; i++)
		free(h->dl[i].target);
	free(h->dl);
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

void serve_handoff_gates_later(struct serve_handoff *h, const char *names, size_t n)
{
	if (!h)
		return;
	for (size_t at = 0; at < n;) {
		const char *name = names + at;
		size_t len = strlen(name) + 1;
		bool have = false;
		for (size_t i = 0; i < h->gates.len && !have; i += strlen(h->gates.data + i) + 1)
			have = !strcmp(h->gates.data + i, name);
		if (!have)
			lg_buf_add(&h->gates, name, len);
		at += len;
	}
}

const struct serve_handoff_counts *serve_handoff_counts(const struct serve_handoff *h)
{
	return h ? &h->counts : NULL;
}

static void head(struct lg_buf *o, const char *name, const char *type, const char *help)
{
	lg_buf_addf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A target's label: a team's name as the configuration has it, with the
 * label's special characters escaped. */
static void label(struct lg_buf *o, const char *v)
{
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			lg_buf_addf(o, "\\%c", *v);
		else if (*v == '\n')
			lg_buf_adds(o, "\\n");
		else
			lg_buf_addf(o, "%c", *v);
	}
}

void serve_handoff_metrics(const struct serve_handoff *h, struct lg_buf *o)
{
	if (!h)
		return;
	const struct stats *x = &h->shown;
	head(o, "leadgate_handoff_outbox", "gauge",
	     "Messages in the handoff's outbox, by state (read every 10 s at most).");
	lg_buf_addf(o,
		    "leadgate_handoff_outbox{state=\"pending\"} %lu\n"
		    "leadgate_handoff_outbox{state=\"retrying\"} %lu\n"
		    "leadgate_handoff_outbox{state=\"delivered\"} %lu\n"
		    "leadgate_handoff_outbox{state=\"dead\"} %lu\n"
		    "leadgate_handoff_outbox{state=\"disabled\"} %lu\n",
		    x->pending, x->retrying, x->delivered, x->dead, x->disabled);
	head(o, "leadgate_handoff_accept_seconds", "histogram",
	     "Time from a lead's handing to its owner to their accept, of every accepted "
	     "handoff in the store.");
	uint64_t cum = 0;
	for (size_t i = 0; i < NACCEPT; i++) {
		cum += x->accept[i];
		lg_buf_addf(o, "leadgate_handoff_accept_seconds_bucket{le=\"%lld\"} %llu\n",
			    (long long)accept_bounds[i], (unsigned long long)cum);
	}
	lg_buf_addf(o,
		    "leadgate_handoff_accept_seconds_bucket{le=\"+Inf\"} %llu\n"
		    "leadgate_handoff_accept_seconds_sum %lld\n"
		    "leadgate_handoff_accept_seconds_count %llu\n",
		    (unsigned long long)x->accepted, (long long)x->accept_sum,
		    (unsigned long long)x->accepted);
	head(o, "leadgate_handoff_deliveries_total", "counter",
	     "Attempts the service made to deliver a handoff's message, by target and outcome.");
	for (size_t i = 0; i < h->ndl; i++)
		for (size_t k = 0; k < NOUTCOMES; k++) {
			lg_buf_adds(o, "leadgate_handoff_deliveries_total{target=\"");
			label(o, h->dl[i].target);
			lg_buf_addf(o, "\",outcome=\"%s\"} %llu\n", outcomes[k],
				    (unsigned long long)h->dl[i].n[k]);
		}
	head(o, "leadgate_handoff_escalations_total", "counter",
	     "Handoffs the service escalated because their SLA passed.");
	lg_buf_addf(o, "leadgate_handoff_escalations_total %llu\n",
		    (unsigned long long)h->counts.escalated);
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
