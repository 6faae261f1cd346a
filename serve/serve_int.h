/*
 * serve_int.h - private to serve/ and its tests: the route table, the
 * request a handler works on, and the helpers every handler answers with.
 *
 * A request goes: its route found by method and path (route.c: 404 for a
 * path no route has, 405 with Allow for a path with other methods), its
 * key checked for the route's scope and rate (401, 403, 429), its body
 * read up to the route's cap (413), then the route's handler called.  A
 * handler answers with serve_json / serve_body / serve_error, or parks
 * the request (serve_wait) until a lookup it started has an answer; it is
 * called again then.  Adding a route is a line in route.c's table, a
 * handler, and its entry in doc/openapi.json (the tests hold the two
 * together).
 */
#ifndef LG_SERVE_INT_H
#define LG_SERVE_INT_H

#include "serve.h"
#include "verify/verify.h"

#include <jansson.h>
#include <sys/types.h>

struct serve;
struct serve_req;

/* A route's handler: called once the body is in, and again after each
 * serve_wait when what it waited for is there. */
typedef void serve_handler_fn(struct serve_req *r);

#define SERVE_BODY_CONF ((size_t)-1) /* the route's body cap: [serve] max_body */
/* [serve] max_body too, but the body is not kept: the handler is called
 * with each piece as it comes (serve_req_piece), then once more when it
 * is all in, to answer.  It cannot answer before (libmicrohttpd reads the
 * whole body first): a piece it cannot keep is its to remember.  A body
 * that goes past the cap is answered 413 without that last call. */
#define SERVE_BODY_STREAM ((size_t)-2)
#define SERVE_SMALL_BODY (64u << 10) /* a single-address request's body cap */
#define SERVE_PUBLIC 0u              /* scope of a route that needs no key */
/* scope of a route whose request carries its own signature instead of a
 * key (the accept link), rate-limited by the client's address at [serve]
 * rate and burst, as a key is */
#define SERVE_SIGNED (1u << 31)

struct serve_route {
	const char *method;        /* "GET", "POST", "DELETE"; GET routes answer HEAD too */
	const char *pattern;       /* "/v1/verify", or with {name} segments: "/v1/jobs/{id}" */
	unsigned scope;            /* JOB_SCOPE_* the key needs; SERVE_PUBLIC, SERVE_SIGNED: none */
	serve_handler_fn *handler; /* NULL: only in the tests' tables */
	size_t max_body;           /* bytes; 0: no body; SERVE_BODY_CONF; SERVE_BODY_STREAM */
};

/* The {name} segments of a matched pattern, in order: borrowed from the
 * path matched. */
#define SERVE_PARAMS_MAX 4
struct serve_params {
	struct {
		const char *s;
		size_t len;
	} v[SERVE_PARAMS_MAX];
	unsigned n;
};

extern const struct serve_route serve_routes[];
extern const size_t serve_nroutes;

/* Does path match pattern (each {name} one non-empty segment without '/';
 * an {email} may hold '/', the rest of the pattern matched at the path's
 * end)?  Its segments into p (may be NULL). */
bool serve_path_match(const char *pattern, const char *path, struct serve_params *p);

/*
 * Find the route of method and path in t[0..n): the route (and its
 * segments in p), or NULL with *path_known set when some route has that
 * path with other methods (405; allow gets those, ", "-separated), clear
 * when none has (404).  HEAD finds the GET routes.
 */
const struct serve_route *serve_route_find(const struct serve_route *t, size_t n,
					   const char *method, const char *path,
					   struct serve_params *p, bool *path_known,
					   struct lg_buf *allow);

/* The error body every error answers with:
 * {"error":{"code":CODE,"message":MESSAGE}}.  Owned: free(). */
char *serve_error_body(const char *code, const char *message);

/* ---- the request, as handlers see it (server.c) ---- */

/* The request's body (NUL-terminated) and its path's segments; borrowed
 * until the answer. */
const char *serve_req_body(const struct serve_req *r, size_t *len);
const struct serve_params *serve_req_params(const struct serve_req *r);
struct serve *serve_req_server(const struct serve_req *r);
/* Per-request room for a handler's state: zeroed when the request comes,
 * freed (free_fn called first, when set) when it ends. */
void *serve_req_state(struct serve_req *r, size_t size, void (*free_fn)(void *));
/* The request's time: --now, else the wall clock (Unix seconds). */
int64_t serve_req_now(const struct serve_req *r);
/* With SERVE_BODY_STREAM: this call's piece of the body, or NULL on the
 * last call, when it is all in. */
const char *serve_req_piece(const struct serve_req *r, size_t *len);
/* A query argument of the request (?name=value, decoded; borrowed until
 * the answer), or NULL. */
const char *serve_req_arg(const struct serve_req *r, const char *name);

/* The request's body as a JSON object (duplicate names refused); NULL
 * when it is not one, the request answered 400 bad_request.  Owned:
 * json_decref. */
json_t *serve_req_object(struct serve_req *r);

/* Answer: a JSON value (taken), bytes as they are, or an error with its
 * stable code (bad_request, not_found, ...) and a message for people. */
void serve_json(struct serve_req *r, unsigned status, json_t *body);
void serve_body(struct serve_req *r, unsigned status, const char *type, const char *body,
		size_t len);
void serve_error(struct serve_req *r, unsigned status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));


/* Answer with a file's first size bytes, sent from fd as the client takes
 * them (never read whole); fd is taken (closed when sent). */
void serve_file(struct serve_req *r, unsigned status, const char *type, int fd, uint64_t size);

/* Park the request until d (borrowed from the server's resolver) is no
 * longer DNS_PENDING; the handler is called again then.  Other requests
 * go on meanwhile. */
void serve_wait(struct serve_req *r, const struct dns_result *d);

/* The same until the probe of an address (a result of serve_probe's
 * prober) is no longer SMTP_PENDING. */
struct smtp_result;
void serve_wait_smtp(struct serve_req *r, const struct smtp_result *res);

/*
 * The probe of v's mailbox (v needs DNS; its domain takes mail) on the
 * server's prober, made from [smtp] when first needed, on the server's
 * loop: its domain's mail hosts are asked for (once a domain), a
 * provider in the table gets none.  NULL, and err says why, when [smtp]
 * has no identity (LG_ECONFIG) or the prober cannot start.  Borrowed
 * while a request waits for it (a request that waited holds the prober
 * as it holds the resolver: neither is renewed meanwhile).
 */
const struct smtp_result *serve_probe(struct serve *s, const struct verify_result *v,
				      struct lg_err *err);

/* What the handlers share, owned by the server. */
struct dns_resolver *serve_resolver(struct serve *s);
struct store *serve_store(struct serve *s);
const struct serve_opts *serve_options(struct serve *s);
/* The writer of `verify -f jsonl` rows with one input column, "email"
 * (io_writer_new_mem into *out). */
struct io_writer *serve_row_writer(struct serve *s, struct lg_buf **out);
struct verify_ctx *serve_verify_ctx(struct serve *s);
struct loop *serve_loop(struct serve *s);
const struct serve_conf *serve_config(struct serve *s);
/* Has SIGTERM come: no new work to start. */
bool serve_stopping(const struct serve *s);

/* ---- the handlers ---- */
void serve_healthz(struct serve_req *r);    /* ops.c */
void serve_readyz(struct serve_req *r);     /* ops.c */
void serve_openapi(struct serve_req *r);    /* ops.c */
void serve_verify_one(struct serve_req *r); /* verify.c */

/* ---- lists.c, metrics.c: the lists, their gate and export; /metrics ---- */

/* Is it a HEAD request (a GET route's, answered without the body)? */
bool serve_req_head(const struct serve_req *r);
/* A header for the answer to come (copied); a Cache-Control takes the
 * place of the default no-store. */
void serve_req_header(struct serve_req *r, const char *name, const char *value);

/*
 * Answer with a body of unknown length, sent as the client takes it: fn
 * fills buf with up to max bytes and returns how many, SERVE_STREAM_END
 * at the end, or SERVE_STREAM_ERROR (the connection is cut, so the
 * client sees the answer incomplete).  When it has nothing yet it calls
 * serve_stream_wait_fd(r, fd) and returns 0: it is called again once fd
 * is readable.  arg is the handler's (its request state, say).
 */
#define SERVE_STREAM_END (-1)
#define SERVE_STREAM_ERROR (-2)
typedef ssize_t serve_stream_fn(void *arg, char *buf, size_t max);
void serve_stream(struct serve_req *r, unsigned status, const char *type, serve_stream_fn *fn,
		  void *arg);
void serve_stream_wait_fd(struct serve_req *r, int fd);

/* The counters /metrics shows (metrics.c), one set per server. */
#define SERVE_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"
struct serve_metrics;
struct serve_metrics *serve_metrics_new(size_t nroutes);
void serve_metrics_free(struct serve_metrics *m);
struct serve_metrics *serve_metrics(struct serve *s);
/* A request ended: its route (serve_nroutes: none matched), its status
 * (0: none sent), its duration in seconds. */
void serve_metrics_request(struct serve_metrics *m, size_t route, unsigned status, double secs);
/* A verdict given (POST /v1/verify, and any job that wants it counted). */
void serve_metrics_verdict(struct serve_metrics *m, enum verify_status status);
/* The jobs in a state ("queued", "running", "done", "failed",
 * "cancelled"), as whoever runs them counts them; the gauge leadgate_jobs. */
void serve_metrics_jobs(struct serve_metrics *m, const char *state, uint64_t n);
/* Every metric, in the Prometheus text format 0.0.4, appended to out:
 * the server's (serve_metrics_text), or m's with these DNS counts and
 * busy waits (serve_metrics_format). */
void serve_metrics_text(struct serve *s, struct lg_buf *out);
void serve_metrics_format(const struct serve_metrics *m, const struct dns_stats *ds,
			  uint64_t busy_waits, struct lg_buf *out);
/* The DNS counts of every resolver the server has had. */
void serve_dns_counted(struct serve *s, struct dns_stats *st);

void serve_lists_get(struct serve_req *r);   /* lists.c: GET /v1/lists */
void serve_list_get(struct serve_req *r);    /* lists.c: GET /v1/lists/{name} */
void serve_list_gate(struct serve_req *r);   /* lists.c: GET /v1/lists/{name}/gate */
void serve_list_export(struct serve_req *r); /* lists.c: GET /v1/lists/{name}/export */
void serve_metrics_get(struct serve_req *r); /* metrics.c: GET /metrics */

/* ---- push.c: the bounce webhooks and the event import ---- */
/* An API key's check for scope, as the table's routes have it (401, 403,
 * 429); for a public route that takes a key as one of its ways in.  False
 * when it answered. */
bool serve_req_authorize(struct serve_req *r, unsigned scope);
/* What a 401 answer asks for (WWW-Authenticate; static): "Bearer"
 * unless said here. */
void serve_req_challenge(struct serve_req *r, const char *challenge);
/* A request header's value (name in any case), or NULL; borrowed. */
const char *serve_req_get_header(const struct serve_req *r, const char *name);
/* The webhooks' state: [esp] (esp borrowed for the run; NULL: nothing
 * configured), the Mailgun tokens seen.  The SNS subscription messages
 * are kept in the store (store_sns_add). */
struct esp_policy;
struct serve_push;
struct serve_push *serve_push_new(const struct esp_policy *esp);
void serve_push_free(struct serve_push *p);
struct serve_push *serve_push_of(struct serve *s);
#define SERVE_PUSH_BODY (32u << 20) /* a webhook's or an event batch's body cap */
void serve_bounces_ses(struct serve_req *r);
void serve_bounces_sendgrid(struct serve_req *r);
void serve_bounces_mailgun(struct serve_req *r);
void serve_bounces_postmark(struct serve_req *r);
void serve_ses_subscriptions(struct serve_req *r);
void serve_events_post(struct serve_req *r);

/* ---- contacts.c: one contact's views (scope leads) ---- */
void serve_contact(struct serve_req *r);          /* GET /v1/contacts/{email} */
void serve_contact_qualify(struct serve_req *r);  /* GET .../qualify */
void serve_contact_score(struct serve_req *r);    /* GET .../score */
void serve_contact_evidence(struct serve_req *r); /* POST .../evidence */
void serve_contact_decision(struct serve_req *r); /* POST .../decision */

/* ---- jobs.c: the bulk jobs and their runner ---- */
struct serve_jobs;
/* The runner: jobs left queued or running are taken up.  After the store
 * and the loop are open. */
enum lg_status serve_jobs_open(struct serve_jobs **out, struct serve *s, struct lg_err *err);
/* Stop: the running jobs are left as they are in the store (running),
 * to be taken up by the next start. */
void serve_jobs_close(struct serve_jobs *j);
struct serve_jobs *serve_jobs_of(struct serve *s);
void serve_job_post(struct serve_req *r);
void serve_job_get(struct serve_req *r);
void serve_job_list(struct serve_req *r);
void serve_job_results(struct serve_req *r);
void serve_job_delete(struct serve_req *r);

/* ---- work.c: slow work on worker threads, handed back to the loop ---- */
/* A worker's own: its connection to the server's database and its verify
 * context, for the task it runs (borrowed for that). */
struct serve_worker;
struct store *serve_worker_store(struct serve_worker *wk);
struct verify_ctx *serve_worker_verify_ctx(struct serve_worker *wk);
/* A task's work, on a worker thread: it may use what wk has and what arg
 * points to, and nothing of the loop's (no serve_req_*, no resolver, no
 * server store). */
typedef void serve_work_fn(struct serve_worker *wk, void *arg);
/* A task is over, on the loop: ran is false when the server stopped
 * before a worker took it. */
typedef void serve_work_end_fn(void *arg, bool ran);
#define WORK_QUEUE_MAX 64 /* tasks waiting for a worker; more are refused */
struct serve_work;
/* [serve] max_jobs workers; after the loop and the store are open. */
enum lg_status serve_work_open(struct serve_work **out, struct serve *s, struct lg_err *err);
/* Let the running tasks finish, end those waiting without running them
 * (their ends called here). */
void serve_work_close(struct serve_work *w);
struct serve_work *serve_work_of(struct serve *s);
/* Queue run(wk, run_arg), then end(end_arg, ran) on the loop; both
 * borrowed until end.  False (nothing queued) when WORK_QUEUE_MAX wait
 * already or the server stops. */
bool serve_work_post(struct serve_work *w, serve_work_fn *run, void *run_arg,
		     serve_work_end_fn *end, void *end_arg);
/* Tasks on a worker now, and waiting for one (/metrics). */
void serve_work_counts(struct serve_work *w, size_t *running, size_t *queued);
/* Park the request while run(wk, arg) runs on a worker (arg: its state,
 * say); its handler is called again on the loop once it has run.  False
 * when the queue is full, the request answered 503 busy.  If the server
 * stops before it runs, the request is answered 503 unavailable without
 * its handler. */
bool serve_req_work(struct serve_req *r, serve_work_fn *run, void *arg);
/* verify.c: the DNS answers POST /v1/verify learnt, and the catch-all
 * states its probes found, waiting to be kept in the store by a worker
 * (never on the loop: see keep_post). */
struct serve_keep;
struct serve_keep *serve_keep_new(void);
/* Keep domain[0..len)'s catch-all state ca (enum smtp_catch_all, not 0),
 * found at `at`, for STORE_CATCH_ALL_TTL, as verify and refresh keep it
 * (copied). */
void serve_keep_catch_all(struct serve *s, const char *domain, size_t len, int ca, int64_t at);
/* What is still waiting is written on s's store now (the loop is over). */
void serve_keep_free(struct serve_keep *k, struct store *s);
struct serve_keep *serve_keep_of(struct serve *s);

/* ---- handoff.c: the outbox drained on the loop ---- */
struct serve_handoff;
/* What the service's rounds came to since it started (/metrics). */
struct serve_handoff_counts {
	uint64_t sent, delivered, retrying, dead, disabled, escalated;
};
/* *out NULL when the configuration routes nothing.  After the workers
 * (work.c) are open; closed after them, before the loop. */
enum lg_status serve_handoff_open(struct serve_handoff **out, struct serve *s, struct lg_err *err);
void serve_handoff_close(struct serve_handoff *h);
/* A stage may have moved through the service: a round soon. */
void serve_handoff_poke(struct serve_handoff *h);
/* Lists whose gate pushed bounces may have changed (names: n bytes of
 * NUL-terminated names, repeats allowed): weighed by a round, at most
 * once every few seconds however many posts name them (h NULL: none). */
void serve_handoff_gates_later(struct serve_handoff *h, const char *names, size_t n);
struct serve_handoff *serve_handoff_of(struct serve *s);
/* NULL when h is. */
const struct serve_handoff_counts *serve_handoff_counts(const struct serve_handoff *h);
void serve_report_sla(struct serve_req *r); /* GET /v1/reports/sla */
/* The handoff's metrics appended to o (nothing when h is NULL). */
void serve_handoff_metrics(const struct serve_handoff *h, struct lg_buf *o);

/* accept.c: the handoff's accept link; no key, its signature instead.
 * A GET shows the page with the Accept button, a POST accepts; the
 * POST's body (an empty form's) is capped at SERVE_FORM_BODY. */
#define SERVE_FORM_BODY 4096u
void serve_handoff_accept_get(struct serve_req *r);  /* GET /v1/handoffs/{id}/accept */
void serve_handoff_accept_post(struct serve_req *r); /* POST /v1/handoffs/{id}/accept */

/* page.c: the page (/) and its files (/assets/{file}), compiled in from
 * serve/page/ (build/gen/page.c); no key needed. */
void serve_page(struct serve_req *r);
void serve_page_asset(struct serve_req *r);
extern const char serve_page_html[], serve_page_js[], serve_page_css[];
extern const size_t serve_page_html_len, serve_page_js_len, serve_page_css_len;

/* doc/openapi.json, compiled in (build/gen/openapi.c). */
extern const char serve_openapi_json[];
extern const size_t serve_openapi_json_len;

#endif
