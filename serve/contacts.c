/*
 * contacts.c - one contact, as the commands on one contact see it:
 * GET /v1/contacts/{email} (`leadgate contact EMAIL --format json`: its
 * verdict, freshness, score, stage and verdicts newest first),
 * GET /v1/contacts/{email}/qualify (`qualify EMAIL --format json`),
 * GET /v1/contacts/{email}/score (`score --explain EMAIL --format
 * jsonl`), and the POSTs of evidence and decisions (`evidence add`,
 * `decide`).  The same jobs build them (job_contact, job_qualify,
 * job_score_explain ...) and the same views write them, to the same
 * bytes.  The address is percent-decoded (libmicrohttpd decodes the
 * path) and names the contact by its key, whatever its spelling, as on
 * the command line.
 *
 * Each job opens the database and, for the POSTs, writes to it: on a
 * worker (work.c), never on the loop, which a bulk job's writer holding
 * the write lock would otherwise stall.  The request is read and checked
 * on the loop; the worker does the job and leaves the answer (a view, or
 * an error) in the request's state; the loop sends it.
 */
#include "serve_int.h"
#include "decay/decay.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "view/view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMAIL_MAX 512

/* A request on a contact, as it goes from the loop to a worker and back. */
struct cwork {
	bool started;
	char email[EMAIL_MAX];
	const struct conf *conf; /* the server's, read-only */
	const char *db;          /* borrowed from the server's store */
	int64_t now;
	json_t *body; /* a POST's object, owned: the parsed strings borrow from it */
	union {
		struct evidence_post {
			struct job_evidence ev;
			char conf_buf[40]; /* confidence given as a number, as text */
		} ev;
		struct job_decision dec;
	} u;
	void (*run)(struct cwork *x); /* the job, on the worker */
	bool decided;                 /* a decision recorded: it may have queued a message */
	/* The answer: out, or else the error */
	json_t *out; /* owned until answered */
	int http;
	const char *code;
	char msg[600]; /* an lg_err message and a little more */
};

static void cwork_free(void *p)
{
	struct cwork *x = p;
	json_decref(x->out);
	json_decref(x->body);
}

static void fail(struct cwork *x, int http, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail(struct cwork *x, int http, const char *code, const char *fmt, ...)
{
	va_list ap;
	x->http = http;
	x->code = code;
	va_start(ap, fmt);
	vsnprintf(x->msg, sizeof(x->msg), fmt, ap);
	va_end(ap);
}

/* The {email} segment, NUL-terminated into buf; false (answered 404)
 * when it is too long to be an address. */
static bool email_of(struct serve_req *r, char *buf, size_t size)
{
	const struct serve_params *p = serve_req_params(r);
	if (!p->n || p->v[0].len >= size) {
		serve_error(r, 404, "contact_not_found", "no such contact");
		return false;
	}
	memcpy(buf, p->v[0].s, p->v[0].len);
	buf[p->v[0].len] = '\0';
	return true;
}

/* Answer a view as the command line writes it with --format json: one
 * line (view_write_line's VIEW_LINE_FLAGS). */
static void answer_view(struct serve_req *r, json_t *o)
{
	char *s = json_dumps(o, VIEW_LINE_FLAGS);
	json_decref(o);
	if (!s)
		lg_die_oom(0);
	size_t n = strlen(s);
	char *line = lg_xmalloc(n + 2);
	memcpy(line, s, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(s);
	serve_body(r, 200, "application/json", line, n + 1);
	free(line);
}

/* A job's failure: 404 for a contact the store does not have. */
static void job_failed(struct cwork *x, enum lg_status st, const struct lg_err *err)
{
	/* LG_EUSAGE: too long to be any contact's key; the store has none */
	if (st == LG_ENOINPUT || st == LG_EUSAGE) {
		fail(x, 404, "contact_not_found", "no such contact in the store");
		return;
	}
	fprintf(stderr, "leadgate: serve: a contact's view: %s\n",
		err->msg[0] ? err->msg : lg_strerror(st));
	fail(x, 503, "unavailable", "the store cannot answer now; try again");
}

/* A POST's job refusing what was asked (LG_EUSAGE: an unknown framework
 * or criterion) is the request's fault: 400. */
static void post_failed(struct cwork *x, enum lg_status st, const struct lg_err *err)
{
	if (st == LG_EUSAGE)
		fail(x, 400, "bad_request", "%s", err->msg);
	else
		job_failed(x, st, err);
}

static struct job_lead_opts lead_opts(const struct cwork *x)
{
	return (struct job_lead_opts){
		.conf = x->conf,
		.db = x->db,
		.email = x->email,
		.now = x->now,
	};
}

static void on_worker(struct serve_worker *wk, void *arg)
{
	struct cwork *x = arg;
	(void)wk; /* the jobs open the database themselves, as the CLI's do */
	x->run(x);
}

/*
 * A route on a contact: the {email}, for a POST the body's object read by
 * parse() into x->u (not OK: 400 with its message), then run() on a
 * worker; called again once it is over, the answer it left.
 */
static void contact_route(struct serve_req *r, void (*run)(struct cwork *x),
			  enum lg_status (*parse)(struct cwork *x, struct lg_err *err))
{
	struct cwork *x = serve_req_state(r, sizeof(*x), cwork_free);
	if (x->started) {
		json_t *o = x->out;
		x->out = NULL;
		if (x->decided)
			serve_handoff_poke(serve_handoff_of(serve_req_server(r)));
		if (o)
			answer_view(r, o);
		else
			serve_error(r, x->http, x->code, "%s", x->msg);
		return;
	}
	x->started = true;
	if (!email_of(r, x->email, sizeof(x->email)))
		return;
	struct serve *s = serve_req_server(r);
	x->conf = serve_options(s)->conf;
	x->db = store_path(serve_store(s));
	x->now = serve_req_now(r);
	x->run = run;
	if (parse) {
		struct lg_err err = {{0}};
		if (!(x->body = serve_req_object(r)))
			return;
		if (parse(x, &err) != LG_OK) {
			serve_error(r, 400, "bad_request", "%s", err.msg);
			return;
		}
	}
	serve_req_work(r, on_worker, x);
}

/* ---- the views ---- */

static void qualify_run(struct cwork *x)
{
	struct job_lead_opts o = lead_opts(x);
	struct job_qualify_result *q = lg_xcalloc(1, sizeof(*q));
	struct lg_err err = {{0}};
	enum lg_status st = job_qualify(&o, NULL, q, &err);
	if (st == LG_OK)
		x->out = view_qualify(o.conf, q);
	else
		job_failed(x, st, &err);
	free(q);
}

static void on_explain(void *arg, const char *address, const struct lead_scored *sc)
{
	json_t **out = arg;
	if (!*out) /* one contact: the first is it */
		*out = view_explain(address, sc);
}

static void explain_run(struct cwork *x)
{
	struct job_score_opts o = {
		.conf = x->conf,
		.db = x->db,
		.explain = x->email,
		.format = IO_FORMAT_JSONL,
		.now = x->now,
	};
	struct job_score *j = NULL;
	struct lg_err err = {{0}};
	enum lg_status st = job_score_open(&j, &o, &err);
	if (st == LG_OK)
		st = job_score_explain(j, on_explain, &x->out, &err);
	job_score_close(j);
	if (st == LG_OK && !x->out)
		st = lg_err_set(&err, LG_ENOINPUT, "no such contact");
	if (st != LG_OK) {
		json_decref(x->out);
		x->out = NULL;
		job_failed(x, st, &err);
	}
}

static void contact_run(struct cwork *x)
{
	struct job_lead_opts o = lead_opts(x);
	struct job_contact_result *c = lg_xcalloc(1, sizeof(*c));
	struct lg_err err = {{0}};
	enum lg_status st = job_contact(&o, c, &err);
	if (st == LG_OK)
		x->out = view_contact(c);
	else
		job_failed(x, st, &err);
	free(c);
}

void serve_contact_qualify(struct serve_req *r)
{
	contact_route(r, qualify_run, NULL);
}

void serve_contact_score(struct serve_req *r)
{
	contact_route(r, explain_run, NULL);
}

void serve_contact(struct serve_req *r)
{
	contact_route(r, contact_run, NULL);
}

/* ---- the POSTs ---- */

/* A string member of o, or NULL when absent or null; *bad when present
 * and of another type. */
static const char *member(json_t *o, const char *name, bool *bad)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static enum lg_status evidence_parse(struct cwork *x, struct lg_err *err)
{
	struct evidence_post *p = &x->u.ev;
	json_t *j = x->body;
	bool bad = false;
	p->ev = (struct job_evidence){
		.framework = member(j, "framework", &bad),
		.criterion = member(j, "criterion", &bad),
		.status = member(j, "status", &bad),
		.source = member(j, "source", &bad),
		.note = member(j, "note", &bad),
	};
	const char *until = member(j, "valid_until", &bad);
	/* confidence: a number, as JSON writes it, or a string as the
	 * command line takes it */
	json_t *c = json_object_get(j, "confidence");
	const char *confidence = NULL;
	if (json_is_number(c)) {
		snprintf(p->conf_buf, sizeof(p->conf_buf), "%.17g", json_number_value(c));
		confidence = p->conf_buf;
	} else if (json_is_string(c)) {
		confidence = json_string_value(c);
	} else if (c && !json_is_null(c)) {
		bad = true;
	}
	if (bad)
		return lg_err_set(err, LG_EUSAGE,
				  "framework, criterion, status, source, valid_until and note are "
				  "strings; confidence a number");
	return job_evidence_parse(&p->ev, confidence, until, err);
}

static void evidence_run(struct cwork *x)
{
	struct job_lead_opts o = lead_opts(x);
	struct job_evidence_report rep;
	struct lg_err err = {{0}};
	enum lg_status st = job_evidence_add(&o, &x->u.ev.ev, &rep, &err);
	if (st != LG_OK)
		post_failed(x, st, &err);
	else
		x->out = view_evidence(&x->u.ev.ev, &rep);
}

void serve_contact_evidence(struct serve_req *r)
{
	contact_route(r, evidence_run, evidence_parse);
}

static enum lg_status decision_parse(struct cwork *x, struct lg_err *err)
{
	struct job_decision *dec = &x->u.dec;
	json_t *j = x->body;
	bool bad = false;
	*dec = (struct job_decision){
		.what = member(j, "decision", &bad),
		.reason = member(j, "reason", &bad),
		.note = member(j, "note", &bad),
		.by = member(j, "by", &bad),
	};
	if (bad || !dec->what)
		return lg_err_set(err, LG_EUSAGE,
				  "the body wants \"decision\" (accept, reject or recycle), and "
				  "may have \"reason\", \"note\" and \"by\": strings");
	return job_decision_parse(dec, err);
}

static void decision_run(struct cwork *x)
{
	const struct job_decision *dec = &x->u.dec;
	struct job_lead_opts o = lead_opts(x);
	struct job_decide_result d;
	struct lg_err err = {{0}};
	enum lg_status st = job_decide(&o, dec, &d, &err);
	if (st == LG_ETEMP)
		fail(x, 409, "conflict", "the contact's stage changed meanwhile; try again");
	else if (st != LG_OK)
		post_failed(x, st, &err);
	else if (d.refused)
		fail(x, 409, "not_eligible",
		     "not accepted: the contact is not eligible (%s, %s%s%s); re-verify it first",
		     verify_status_name(d.status), decay_class_name(d.r.freshness),
		     d.suppressed ? ", suppressed" : "", d.r.competitor ? ", a competitor" : "");
	else
		x->out = view_decision(dec, &d);
	x->decided = st == LG_OK;
}

void serve_contact_decision(struct serve_req *r)
{
	contact_route(r, decision_run, decision_parse);
}
