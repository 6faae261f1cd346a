/*
 * contacts.c - one contact, as the commands on one contact see it:
 * GET /v1/contacts/{email} (`leadgate contact EMAIL --format json`: its
 * verdict, freshness, score, stage and verdicts newest first),
 * GET /v1/contacts/{email}/qualify (`qualify EMAIL --format json`),
 * GET /v1/contacts/{email}/score (`score --explain EMAIL --format
 * jsonl`), and the POSTs of evidence and decisions (`evidence add`,
 * `decide`).  The same jobs build them (job_contact, job_qualify,
 * job_score_explain ...) and the same views write them, to the same
 * bytes.  The
 * address is percent-decoded (libmicrohttpd decodes the path) and names
 * the contact by its key, whatever its spelling, as on the command line.
 */
#include "serve_int.h"
#include "decay/decay.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "view/view.h"

#include <stdlib.h>
#include <string.h>

#define EMAIL_MAX 512

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
 * compact line (view_write_line's flags). */
static void answer_view(struct serve_req *r, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
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
static void answer_failure(struct serve_req *r, enum lg_status st, const struct lg_err *err)
{
	/* LG_EUSAGE: too long to be any contact's key; the store has none */
	if (st == LG_ENOINPUT || st == LG_EUSAGE) {
		serve_error(r, 404, "contact_not_found", "no such contact in the store");
		return;
	}
	fprintf(stderr, "leadgate: serve: a contact's view: %s\n",
		err->msg[0] ? err->msg : lg_strerror(st));
	serve_error(r, 503, "unavailable", "the store cannot answer now; try again");
}

static void lead_opts(struct serve_req *r, const char *email, struct job_lead_opts *o)
{
	struct serve *s = serve_req_server(r);
	*o = (struct job_lead_opts){
		.conf = serve_options(s)->conf,
		.db = store_path(serve_store(s)),
		.email = email,
		.now = serve_req_now(r),
	};
}

static enum lg_status qualify(struct serve_req *r, const char *email, json_t **out,
			      struct lg_err *err)
{
	struct job_lead_opts o;
	lead_opts(r, email, &o);
	struct job_qualify_result *q = lg_xcalloc(1, sizeof(*q));
	enum lg_status st = job_qualify(&o, NULL, q, err);
	if (st == LG_OK)
		*out = view_qualify(o.conf, q);
	free(q);
	return st;
}

static void on_explain(void *arg, const char *address, const struct lead_scored *sc)
{
	json_t **out = arg;
	if (!*out) /* one contact: the first is it */
		*out = view_explain(address, sc);
}

static enum lg_status explain(struct serve_req *r, const char *email, json_t **out,
			      struct lg_err *err)
{
	struct serve *s = serve_req_server(r);
	struct job_score_opts o = {
		.conf = serve_options(s)->conf,
		.db = store_path(serve_store(s)),
		.explain = email,
		.format = IO_FORMAT_JSONL,
		.now = serve_req_now(r),
	};
	struct job_score *j = NULL;
	*out = NULL;
	enum lg_status st = job_score_open(&j, &o, err);
	if (st == LG_OK)
		st = job_score_explain(j, on_explain, out, err);
	job_score_close(j);
	if (st == LG_OK && !*out)
		st = lg_err_set(err, LG_ENOINPUT, "no such contact");
	if (st != LG_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return st;
}

/* One of the contact's views (contact, qualify or explain) as the answer. */
static void answer_one(struct serve_req *r,
		       enum lg_status (*view)(struct serve_req *r, const char *email, json_t **out,
					      struct lg_err *err))
{
	char email[EMAIL_MAX];
	struct lg_err err = {{0}};
	json_t *v;
	if (!email_of(r, email, sizeof(email)))
		return;
	enum lg_status st = view(r, email, &v, &err);
	if (st != LG_OK)
		answer_failure(r, st, &err);
	else
		answer_view(r, v);
}

void serve_contact_qualify(struct serve_req *r)
{
	answer_one(r, qualify);
}

void serve_contact_score(struct serve_req *r)
{
	answer_one(r, explain);
}

static enum lg_status contact(struct serve_req *r, const char *email, json_t **out,
			      struct lg_err *err)
{
	struct job_lead_opts o;
	lead_opts(r, email, &o);
	struct job_contact_result *c = lg_xcalloc(1, sizeof(*c));
	enum lg_status st = job_contact(&o, c, err);
	if (st == LG_OK)
		*out = view_contact(c);
	free(c);
	return st;
}

void serve_contact(struct serve_req *r)
{
	answer_one(r, contact);
}

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

/* A job's refusal of what was asked (LG_EUSAGE: an unknown framework or
 * criterion) is the request's fault: 400. */
static void answer_job_failure(struct serve_req *r, enum lg_status st, const struct lg_err *err)
{
	if (st == LG_EUSAGE)
		serve_error(r, 400, "bad_request", "%s", err->msg);
	else
		answer_failure(r, st, err);
}

/*
 * A POST on a contact, the shape both share: the {email}, the body's
 * object, parse() reading its members into ctx (not OK: 400 with its
 * message; the strings it takes are borrowed from the body, which lives
 * until run returns), then run() doing the job on the contact and
 * answering.
 */
static void answer_post(struct serve_req *r,
			enum lg_status (*parse)(json_t *body, void *ctx, struct lg_err *err),
			void (*run)(struct serve_req *r, const struct job_lead_opts *o, void *ctx),
			void *ctx)
{
	char email[EMAIL_MAX];
	struct lg_err err = {{0}};
	if (!email_of(r, email, sizeof(email)))
		return;
	json_t *j = serve_req_object(r);
	if (!j)
		return;
	if (parse(j, ctx, &err) != LG_OK) {
		serve_error(r, 400, "bad_request", "%s", err.msg);
	} else {
		struct job_lead_opts o;
		lead_opts(r, email, &o);
		run(r, &o, ctx);
	}
	json_decref(j);
}

struct evidence_post {
	struct job_evidence ev;
	char conf_buf[40]; /* confidence given as a number, as text */
};

static enum lg_status evidence_parse(json_t *j, void *ctx, struct lg_err *err)
{
	struct evidence_post *p = ctx;
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

static void evidence_run(struct serve_req *r, const struct job_lead_opts *o, void *ctx)
{
	struct evidence_post *p = ctx;
	struct job_evidence_report rep;
	struct lg_err err = {{0}};
	enum lg_status st = job_evidence_add(o, &p->ev, &rep, &err);
	if (st != LG_OK)
		answer_job_failure(r, st, &err);
	else
		answer_view(r, view_evidence(&p->ev, &rep));
}

void serve_contact_evidence(struct serve_req *r)
{
	struct evidence_post p;
	answer_post(r, evidence_parse, evidence_run, &p);
}

static enum lg_status decision_parse(json_t *j, void *ctx, struct lg_err *err)
{
	struct job_decision *dec = ctx;
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

static void decision_run(struct serve_req *r, const struct job_lead_opts *o, void *ctx)
{
	const struct job_decision *dec = ctx;
	struct job_decide_result d;
	struct lg_err err = {{0}};
	enum lg_status st = job_decide(o, dec, &d, &err);
	if (st == LG_ETEMP)
		serve_error(r, 409, "conflict", "the contact's stage changed meanwhile; try again");
	else if (st != LG_OK)
		answer_job_failure(r, st, &err);
	else if (d.refused)
		serve_error(r, 409, "not_eligible",
			    "not accepted: the contact is not eligible (%s, %s%s%s); re-verify it "
			    "first",
			    verify_status_name(d.status), decay_class_name(d.r.freshness),
			    d.suppressed ? ", suppressed" : "",
			    d.r.competitor ? ", a competitor" : "");
	else
		answer_view(r, view_decision(dec, &d));
}

void serve_contact_decision(struct serve_req *r)
{
	struct job_decision dec;
	answer_post(r, decision_parse, decision_run, &dec);
}
