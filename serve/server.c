/*
 * server.c - libmicrohttpd on our event loop: the listening socket, the
 * requests' way through route, key, rate and body cap to their handlers,
 * the answers, the log, and the stop on SIGTERM.
 *
 * libmicrohttpd runs with no thread of its own (MHD_USE_EPOLL, no
 * internal polling thread): its epoll descriptor is one descriptor of our
 * loop, MHD_run works when it is ready, and a loop timer follows
 * MHD_get_timeout for its connection timeouts.  A request that waits for
 * a DNS answer is suspended (MHD_suspend_connection) and resumed after
 * the loop step that brought the answer, so it holds nobody else.  Work
 * too slow for the loop (a list weighed, a webhook's body imported) goes
 * to a worker thread (work.c) the same way: the request is suspended
 * while it runs and resumed, on the loop, when it is over.
 */
#include "serve_int.h"
#include "conf/conf.h"
#include "jobs/jobs.h"
#include "loop/loop.h"
#include "serve/rate.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define KEYS_REFRESH_MS 1000 /* a key revoked elsewhere stops working within this */
#define LISTEN_BACKLOG 128
/* A body over its cap, sent without a length, is read and dropped up to
 * this much (to answer 413), then the connection is cut. */
#define DROP_MAX (1u << 20)
/* A resolver taken for down (dns_resolver_down) ends every lookup at once
 * as dns.timeout, which is right for one run of verify but not for a
 * server that outlives an outage: after this long, with no request
 * holding one of its answers, it is replaced by a new one, which asks
 * again.  So is one whose cache has grown past DNS_CACHE_MAX (the
 * store's cache keeps the answers). */
#define DNS_RETRY_MS 1000
#define DNS_CACHE_MAX ((size_t)64 << 20)
#define TLS_FILE_MAX (1u << 20) /* a certificate chain or key, in PEM */
#define BY_ADDRESS_SLOTS 4096   /* callers of the keyless routes tracked at once: 4096 x 48 B */

struct serve_req {
	struct serve *s;
	struct MHD_Connection *conn;
	const struct serve_route *route;
	struct serve_params params;
	char method[16];
	double start; /* lg_now_mono() */
	unsigned status;
	bool answered;
	char key[JOB_KEY_NAME_MAX + 1]; /* the key's name, for the log */
	struct lg_buf allow;            /* 405: the path's methods */
	unsigned retry_after;           /* 429 */
	const char *challenge;          /* 401's WWW-Authenticate (static); NULL: Bearer */
	size_t max_body;
	bool stream;       /* SERVE_BODY_STREAM: pieces to the handler, not kept */
	const char *piece; /* the piece of this call, when streaming */
	size_t piece_len;
	uint64_t received; /* bytes of a streamed body so far */
	struct lg_buf body;
	bool too_large;   /* the body went past max_body: dropped as it comes */
	uint64_t dropped; /* bytes of it dropped */
	void *state;
	void (*state_free)(void *);
	const struct dns_result *wait;       /* serve_wait's */
	const struct smtp_result *wait_smtp; /* serve_wait_smtp's */
	bool holds;                          /* waited: may hold a result until it ends */
	struct serve_req *next_wait;
	struct lg_buf headers; /* serve_req_header's: "name\0value\0" each */
	int stream_fd;         /* serve_stream_wait_fd's, while watched; else -1 */
	struct serve_req *next_stream;
	unsigned route_i; /* the route's index in serve_routes (metrics) */
	bool work_lost;   /* serve_req_work's task was dropped at the stop */
};

struct serve {
	struct serve_opts o;
	struct serve_conf c;
	struct loop *loop;
	struct MHD_Daemon *mhd;
	int mhd_fd;              /* its epoll descriptor, watched by loop */
	loop_timer_id mhd_timer; /* its next timeout */
	int listen_fd;           /* ours until MHD_quiesce_daemon hands it back */
	char *unix_path;         /* unix:PATH: removed at the end */
	int sig_fd;              /* SIGTERM, SIGINT */
	bool draining, done;
	loop_timer_id drain_timer;
	struct dns_resolver *dns;
	struct smtp_prober *smtp; /* POST /v1/verify's probes; NULL until one is asked for */
	struct job_probe probe;   /* its stage, as a job's (jobs.h); with smtp */
	size_t holding;           /* requests that may hold one of its (or the prober's) results */
	int64_t down_since;       /* loop time it was first seen down; 0: it is not */
	struct store *store;
	struct verify_ctx *vctx;
	struct lg_buf row; /* the row writer's output */
	struct io_writer *row_w;
	struct serve_req *waiting; /* requests parked by serve_wait */
	struct serve_req *streams; /* streams parked by serve_stream_wait_fd */
	struct job_keyring *keys;
	struct serve_push *push;       /* the bounce webhooks' state (push.c) */
	struct rate_bucket *buckets;   /* one per key, by job_key.index */
	struct rate_table *by_address; /* the routes without a key, by client address */
	size_t nbuckets;
	bool keys_failing;               /* the last refresh failed (said once) */
	struct lg_buf tls_cert, tls_key; /* PEM, read at the start */
	int metrics_listen_fd;           /* --metrics-listen's, or -1 */
	struct MHD_Daemon *metrics_mhd;  /* serves /metrics there, without a key */
	int metrics_mhd_fd;
	loop_timer_id metrics_timer;
	struct serve_metrics *metrics;
	struct dns_stats dns_gone;     /* what resolvers replaced had counted */
	struct serve_jobs *jobs;       /* the bulk jobs' runner (jobs.c) */
	struct serve_work *work;       /* the worker threads (work.c) */
	struct serve_keep *keep;       /* DNS answers to keep (verify.c) */
	struct serve_handoff *handoff; /* the outbox's drain (handoff.c); NULL: none */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("leadgate: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the request, for handlers ---- */

const char *serve_req_body(const struct serve_req *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data ? r->body.data : "";
}

const struct serve_params *serve_req_params(const struct serve_req *r)
{
	return &r->params;
}

struct serve *serve_req_server(const struct serve_req *r)
{
	return r->s;
}

void *serve_req_state(struct serve_req *r, size_t size, void (*free_fn)(void *))
{
	if (!r->state) {
		r->state = lg_xcalloc(1, size);
		r->state_free = free_fn;
	}
	return r->state;
}

int64_t serve_req_now(const struct serve_req *r)
{
	return r->s->o.now ? r->s->o.now : lg_now_wall();
}

bool serve_req_head(const struct serve_req *r)
{
	return !strcmp(r->method, "HEAD");
}

const char *serve_req_piece(const struct serve_req *r, size_t *len)
{
	*len = r->piece_len;
	return r->piece;
}

const char *serve_req_arg(const struct serve_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void serve_req_header(struct serve_req *r, const char *name, const char *value)
{
	lg_buf_adds(&r->headers, name);
	lg_buf_addc(&r->headers, '\0');
	lg_buf_adds(&r->headers, value);
	lg_buf_addc(&r->headers, '\0');
}

struct serve_metrics *serve_metrics(struct serve *s)
{
	return s->metrics;
}

void serve_dns_counted(struct serve *s, struct dns_stats *st)
{
	dns_resolver_stats(s->dns, st);
	for (size_t i = 0; i < sizeof(st->outcome) / sizeof(*st->outcome); i++)
		st->outcome[i] += s->dns_gone.outcome[i];
	st->queries += s->dns_gone.queries;
	st->answered += s->dns_gone.answered;
}

struct loop *serve_loop(struct serve *s)
{
	return s->loop;
}

const struct serve_conf *serve_config(struct serve *s)
{
	return &s->c;
}

bool serve_stopping(const struct serve *s)
{
	return s->draining || s->done;
}

struct serve_jobs *serve_jobs_of(struct serve *s)
{
	return s->jobs;
}

struct serve_work *serve_work_of(struct serve *s)
{
	return s->work;
}

struct serve_handoff *serve_handoff_of(struct serve *s)
{
	return s->handoff;
}

struct serve_keep *serve_keep_of(struct serve *s)
{
	return s->keep;
}

struct dns_resolver *serve_resolver(struct serve *s)
{
	return s->dns;
}

struct store *serve_store(struct serve *s)
{
	return s->store;
}

const struct serve_opts *serve_options(struct serve *s)
{
	return &s->o;
}

struct serve_push *serve_push_of(struct serve *s)
{
	return s->push;
}

void serve_req_challenge(struct serve_req *r, const char *challenge)
{
	r->challenge = challenge;
}

const char *serve_req_get_header(const struct serve_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct verify_ctx *serve_verify_ctx(struct serve *s)
{
	return s->vctx;
}

struct io_writer *serve_row_writer(struct serve *s, struct lg_buf **out)
{
	*out = &s->row;
	return s->row_w;
}

/* ---- answers ---- */

static void answer_with(struct serve_req *r, unsigned status, const char *type,
			struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	bool cache_set = false; /* a handler's Cache-Control replaces no-store */
	for (size_t at = 0; at < r->headers.len;) {
		const char *name = r->headers.data + at;
		const char *value = name + strlen(name) + 1;
		MHD_add_response_header(resp, name, value);
		cache_set |= lg_ascii_eq(name, strlen(name), MHD_HTTP_HEADER_CACHE_CONTROL,
					 strlen(MHD_HTTP_HEADER_CACHE_CONTROL));
		at = (size_t)(value + strlen(value) + 1 - r->headers.data);
	}
	if (!cache_set)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow.data);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					r->challenge ? r->challenge : "Bearer");
	if (status == MHD_HTTP_TOO_MANY_REQUESTS) {
		char secs[24];
		snprintf(secs, sizeof(secs), "%u", r->retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	/* Stopping: no connection is kept for another request. */
	if (r->s->draining)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	r->answered = true;
}

void serve_body(struct serve_req *r, unsigned status, const char *type, const char *body, size_t len)
{
	if (r->answered)
		BUG("a request answered twice");
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body,
								    MHD_RESPMEM_MUST_COPY);
	if (!resp)
		lg_die_oom(len);
	answer_with(r, status, type, resp);
}

/* ---- streamed answers ---- */

struct stream {
	struct serve_req *r;
	serve_stream_fn *fn;
	void *arg;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	(void)pos; /* the bytes come in order: fn keeps its place */
	ssize_t n = st->fn(st->arg, buf, max);
	if (n == SERVE_STREAM_END)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

void serve_stream(struct serve_req *r, unsigned status, const char *type, serve_stream_fn *fn,
		  void *arg)
{
	if (r->answered)
		BUG("a request answered twice");
	struct stream *cls = lg_xcalloc(1, sizeof(*cls));
	*cls = (struct stream){r, fn, arg};
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 << 10,
								      stream_read, cls, free);
	if (!resp)
		lg_die_oom(0);
	answer_with(r, status, type, resp);
}

/* r no longer waits for its stream's descriptor. */
static void stream_unpark(struct serve_req *r)
{
	for (struct serve_req **pp = &r->s->streams; *pp; pp = &(*pp)->next_stream)
		if (*pp == r) {
			*pp = r->next_stream;
			break;
		}
	r->next_stream = NULL;
	r->stream_fd = -1;
}

/* Stopping for good: every stream that waits is taken up again, to be
 * closed with its connection. */
static void streams_resume(struct serve *s)
{
	while (s->streams) {
		struct serve_req *r = s->streams;
		loop_fd_del(s->loop, r->stream_fd);
		stream_unpark(r);
		MHD_resume_connection(r->conn);
	}
}

static void stream_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct serve_req *r = arg;
	(void)events;
	loop_fd_del(l, fd);
	stream_unpark(r);
	MHD_resume_connection(r->conn);
	MHD_run(r->s->mhd);
}

void serve_stream_wait_fd(struct serve_req *r, int fd)
{
	struct lg_err err = {0};
	if (loop_fd_set(r->s->loop, fd, LOOP_READ, stream_ready, r, &err) != LG_OK)
		BUG("a stream's descriptor cannot be watched");
	r->stream_fd = fd;
	r->next_stream = r->s->streams;
	r->s->streams = r;
	MHD_suspend_connection(r->conn);
}

void serve_file(struct serve_req *r, unsigned status, const char *type, int fd, uint64_t size)
{
	if (r->answered)
		BUG("a request answered twice");
	/* libmicrohttpd reads it as the socket takes it (sendfile where it
	 * can), a piece at a time. */
	struct MHD_Response *resp = MHD_create_response_from_fd64(size, fd);
	if (!resp)
		lg_die_oom(0);
	answer_with(r, status, type, resp);
}

json_t *serve_req_object(struct serve_req *r)
{
	size_t len;
	const char *body = serve_req_body(r, &len);
	json_error_t jerr;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		serve_error(r, 400, "bad_request", "the body is not JSON: %s (line %d, column %d)",
			    jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		serve_error(r, 400, "bad_request", "the body wants a JSON object");
		return NULL;
	}
	return j;
}

void serve_json(struct serve_req *r, unsigned status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!s)
		lg_die_oom(0);
	serve_body(r, status, "application/json", s, strlen(s));
	free(s);
}

void serve_error(struct serve_req *r, unsigned status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *body = serve_error_body(code, msg);
	serve_body(r, status, "application/json", body, strlen(body));
	free(body);
}

void serve_wait(struct serve_req *r, const struct dns_result *d)
{
	if (!r->holds)
		r->s->holding++;
	r->holds = true;
	r->wait = d;
	r->next_wait = r->s->waiting;
	r->s->waiting = r;
	MHD_suspend_connection(r->conn);
}

void serve_wait_smtp(struct serve_req *r, const struct smtp_result *res)
{
	if (!r->holds)
		r->s->holding++;
	r->holds = true;
	r->wait = NULL;
	r->wait_smtp = res;
	r->next_wait = r->s->waiting;
	r->s->waiting = r;
	MHD_suspend_connection(r->conn);
}

/* The prober's addresses, most: past it a new prober is made when no
 * request holds a result of the old one (its results are kept until it
 * is freed). */
#define SMTP_ADDRESSES_MAX 100000
/* How long the service keeps a probe's answer (smtp_opts.result_ttl_s):
 * an hour, as a list re-checked within it gets no new answer from most
 * mail hosts; a host that timed out or blocked us is asked again after
 * it too.  Far longer than any request holds a result. */
#define SMTP_RESULT_TTL_S 3600

static void prober_free(struct serve *s)
{
	if (!s->smtp)
		return;
	smtp_prober_free(s->smtp);
	job_probe_release(&s->probe);
	s->probe.prober = NULL; /* host lookups still out find no prober */
	s->smtp = NULL;
}

/* A catch-all state the prober found: to the store (by a worker), so
 * that no later probe of the domain, the service's or a job's, sends the
 * random RCPT TO again while it is fresh. */
static void on_catch_all(void *arg, const char *domain, size_t len, enum smtp_catch_all ca,
			 uint32_t at)
{
	struct serve *s = arg;
	int64_t t = at ? at : s->o.dns.now ? s->o.dns.now : lg_now_wall();
	serve_keep_catch_all(s, domain, len, (int)ca, t);
}

const struct smtp_result *serve_probe(struct serve *s, const struct verify_result *v,
				      struct lg_err *err)
{
	/* An address with no domain to ask, or a UTF-8 local part: its DNS
	 * verdict stands (job_probe_add). */
	static const struct smtp_result not_probed = {.outcome = SMTP_NOT_PROBED};
	if (!s->smtp) {
		struct smtp_opts so;
		enum lg_status st = conf_smtp_opts(s->o.conf, &so, err);
		if (st == LG_OK) {
			so.now = s->o.dns.now;
			so.result_ttl_s = SMTP_RESULT_TTL_S;
			st = smtp_prober_new(&s->smtp, s->loop, &so, err);
		}
		if (st != LG_OK)
			return NULL;
		smtp_prober_on_domain(s->smtp, on_catch_all, s);
		/* now 0: the wall clock, for the store's catch-all states */
		job_probe_init(&s->probe, s->smtp, s->dns, s->o.conf, s->store, s->o.dns.now);
	}
	const struct smtp_result *res = job_probe_add(&s->probe, v);
	return res ? res : &not_probed;
}

/* A request's task is over: take the request up again, on the loop. */
static void req_work_end(void *arg, bool ran)
{
	struct serve_req *r = arg;
	r->work_lost = !ran;
	MHD_resume_connection(r->conn);
	MHD_run(r->s->mhd);
}

bool serve_req_work(struct serve_req *r, serve_work_fn *run, void *arg)
{
	/* The end comes through the loop, after this returns: suspending
	 * now is in time. */
	if (!serve_work_post(r->s->work, run, arg, req_work_end, r)) {
		serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
			    "%d requests already wait for a worker; try again", WORK_QUEUE_MAX);
		return false;
	}
	MHD_suspend_connection(r->conn);
	return true;
}

/* Resume the parked requests whose answer came (all of them when stopping
 * for good: their handlers see no answer yet and say so).  True if any
 * was. */
static bool resume_answered(struct serve *s, bool all)
{
	bool any = false;
	for (struct serve_req **pp = &s->waiting; *pp;) {
		struct serve_req *r = *pp;
		if (all || (r->wait ? r->wait->outcome != DNS_PENDING
				    : r->wait_smtp->outcome != SMTP_PENDING)) {
			*pp = r->next_wait;
			r->next_wait = NULL;
			r->wait = NULL;
			r->wait_smtp = NULL;
			MHD_resume_connection(r->conn);
			any = true;
		} else {
			pp = &r->next_wait;
		}
	}
	return any;
}

/* ---- keys ---- */

/* One bucket per key: keys keep their index across refreshes and new ones
 * take the next, so the array only grows (the new buckets start full). */
static void keys_sized(struct serve *s)
{
	size_t n = job_keyring_count(s->keys);
	if (n > s->nbuckets) {
		s->buckets = lg_xrealloc(s->buckets, n * sizeof(*s->buckets));
		memset(s->buckets + s->nbuckets, 0, (n - s->nbuckets) * sizeof(*s->buckets));
		s->nbuckets = n;
	}
}

static void keys_refresh(struct loop *l, void *arg)
{
	struct serve *s = arg;
	struct lg_err err = {0};
	bool changed = false;
	if (job_keyring_refresh(s->keys, &changed, &err) != LG_OK) {
		/* The keys read last stay in force; say so once. */
		if (!s->keys_failing)
			say("cannot read the keys again (the last ones read stay in force): %s",
			    err.msg);
		s->keys_failing = true;
	} else {
		if (s->keys_failing)
			say("the keys are read again");
		s->keys_failing = false;
		if (changed)
			keys_sized(s);
	}
	if (!s->done)
		loop_timer_add(l, KEYS_REFRESH_MS, keys_refresh, s);
}

/* Who calls, may they, and not too often?  False when it answered. */
bool serve_req_authorize(struct serve_req *r, unsigned scope)
{
	struct serve *s = r->s;
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strlen(h) < 7 || !lg_ascii_eq(h, 7, "Bearer ", 7)) {
		serve_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized",
			    "an API key is needed: Authorization: Bearer KEY");
		return false;
	}
	const char *tok = h + 7;
	while (*tok == ' ')
		tok++;
	size_t n = strlen(tok);
	while (n && tok[n - 1] == ' ')
		n--;
	const struct job_key *k = job_keyring_check(s->keys, tok, n);
	if (!k) {
		serve_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "unknown or revoked API key");
		return false;
	}
	snprintf(r->key, sizeof(r->key), "%s", k->name);
	if (!job_scopes_allow(k->scopes, scope)) {
		char need[128];
		serve_error(r, MHD_HTTP_FORBIDDEN, "forbidden", "the key '%s' lacks the scope '%s'",
			    k->name, job_scopes_name(scope, need, sizeof(need)));
		return false;
	}
	keys_sized(s);
	unsigned retry = 0;
	if (k->index < s->nbuckets && !rate_take(&s->buckets[k->index], s->c.rate, s->c.burst,
						 (int64_t)(lg_now_mono() * 1000), &retry)) {
		r->retry_after = retry ? retry : 1;
		serve_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
			    "the key '%s' is over its rate; try again in %u s", k->name,
			    r->retry_after);
		return false;
	}
	return true;
}

/* A route without a key, limited by the caller's address (the accept
 * link: a guessed signature costs a worker's store lookup).  False when
 * it answered. */
static bool address_allowed(struct serve_req *r)
{
	struct serve *s = r->s;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const void *a = "";
	size_t n = 0;
	if (sa && sa->sa_family == AF_INET) {
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		n = 4;
	} else if (sa && sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
			&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		/* an IPv4 caller on a dual-stack socket by its IPv4 address;
		 * an IPv6 one by its /64, which one host has to itself */
		bool v4 = IN6_IS_ADDR_V4MAPPED(a6);
		a = a6->s6_addr + (v4 ? 12 : 0);
		n = v4 ? 4 : 8;
	} /* a Unix socket's callers share one bucket */
	if (!s->by_address)
		s->by_address = rate_table_new(BY_ADDRESS_SLOTS);
	unsigned retry = 0;
	if (rate_table_take(s->by_address, a, n, s->c.rate, s->c.burst,
			    (int64_t)(lg_now_mono() * 1000), &retry))
		return true;
	r->retry_after = retry ? retry : 1;
	serve_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
		    "this address is over its rate; try again in %u s", r->retry_after);
	return false;
}

/* ---- libmicrohttpd's callbacks ---- */

/* The request's headers are in: route, key, declared length. */
static void request_begin(struct serve_req *r, const char *url)
{
	struct serve *s = r->s;
	bool known;
	r->route = serve_route_find(serve_routes, serve_nroutes, r->method, url, &r->params, &known,
				    &r->allow);
	if (!r->route) {
		if (known)
			serve_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				    "%s is not allowed here; allowed: %s", r->method,
				    r->allow.data);
		else
			serve_error(r, MHD_HTTP_NOT_FOUND, "not_found", "no such route");
		return;
	}
	if (r->route->scope == SERVE_SIGNED) {
		if (!address_allowed(r))
			return;
	} else if (r->route->scope != SERVE_PUBLIC && !serve_req_authorize(r, r->route->scope))
		return;
	r->stream = r->route->max_body == SERVE_BODY_STREAM;
	r->max_body = r->route->max_body == SERVE_BODY_CONF || r->stream ? (size_t)s->c.max_body
									 : r->route->max_body;
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	long long n;
	char *end;
	if (cl && (errno = 0, n = strtoll(cl, &end, 10), !errno && *end == '\0' && n >= 0) &&
	    (unsigned long long)n > r->max_body)
		serve_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
			    "the body may have at most %zu bytes here", r->max_body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct serve *s = cls;
	struct serve_req *r = *con_cls;
	(void)version;

	if (!r) { /* the headers: the first call */
		r = lg_xcalloc(1, sizeof(*r));
		*con_cls = r;
		r->s = s;
		r->conn = conn;
		r->start = lg_now_mono();
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->key, sizeof(r->key), "-");
		r->stream_fd = -1;
		request_begin(r, url);
		return MHD_YES;
	}
	if (*upload_len && r->answered) { /* answered from the headers: dropped */
		*upload_len = 0;
		return MHD_YES;
	}
	if (*upload_len) {
		/* libmicrohttpd cannot answer while a body is coming in (it
		 * would spin until the connection times out): a body over the
		 * cap that did not say its length is read and dropped, then
		 * answered 413; one that goes on far past the cap is cut. */
		if (r->too_large || r->body.len + *upload_len > r->max_body ||
		    (r->stream && r->received + *upload_len > r->max_body)) {
			r->too_large = true;
			r->dropped += *upload_len;
			lg_buf_release(&r->body);
			*upload_len = 0;
			return r->dropped > DROP_MAX ? MHD_NO : MHD_YES;
		}
		if (r->stream) { /* to the handler, piece by piece */
			r->received += *upload_len;
			r->piece = upload;
			r->piece_len = *upload_len;
			r->route->handler(r);
			r->piece = NULL;
			r->piece_len = 0;
			*upload_len = 0;
			return MHD_YES;
		}
		lg_buf_add(&r->body, upload, *upload_len);
		*upload_len = 0;
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	if (r->too_large)
		serve_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
			    "the body may have at most %zu bytes here", r->max_body);
	else if (r->work_lost) /* its handler's work never ran: nothing to say */
		serve_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
			    "the service is stopping");
	else
		r->route->handler(r);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct serve_req *r = *con_cls;
	(void)cls;
	(void)conn;
	if (!r)
		return;
	/* One line a request: never the path as sent (it may hold an
	 * address), the query, an address or a key; the route's pattern and
	 * the key's name. */
	char status[16] = "-";
	if (r->status)
		snprintf(status, sizeof(status), "%u", r->status);
	const char *why = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK      ? ""
			  : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " (timed out)"
			  : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT    ? " (client gone)"
			  : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? " (shut down)"
			  : toe == MHD_REQUEST_TERMINATED_READ_ERROR      ? " (read error)"
			  : toe == MHD_REQUEST_TERMINATED_WITH_ERROR      ? " (error)"
									  : "";
	fprintf(stderr, "leadgate: serve: %s %s %s %.1fms key=%s%s\n", r->method,
		r->route ? r->route->pattern : "-", status, (lg_now_mono() - r->start) * 1000,
		r->key, why);
	serve_metrics_request(r->s->metrics,
			      r->route ? (size_t)(r->route - serve_routes) : serve_nroutes,
			      r->status, lg_now_mono() - r->start);
	if (r->holds)
		r->s->holding--;
	if (r->stream_fd >= 0) {
		loop_fd_del(r->s->loop, r->stream_fd);
		stream_unpark(r);
	}
	if (r->state_free)
		r->state_free(r->state);
	free(r->state);
	lg_buf_release(&r->body);
	lg_buf_release(&r->allow);
	lg_buf_release(&r->headers);
	free(r);
	*con_cls = NULL;
}

/* --metrics-listen: /metrics alone, without a key (the address is the
 * operator's to keep private); every other path is 404. */
static enum MHD_Result on_metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
					  const char *method, const char *version,
					  const char *upload, size_t *upload_len, void **con_cls)
{
	struct serve *s = cls;
	static int seen;
	(void)version;
	(void)upload;
	if (!*con_cls) { /* the headers: answer once the body (if any) is in */
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_len) {
		*upload_len = 0;
		return MHD_YES;
	}
	struct lg_buf b = LG_BUF_INIT;
	unsigned status = 200;
	const char *type = SERVE_METRICS_TYPE;
	char *err = NULL;
	if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		err = serve_error_body("not_found", "only /metrics is served here");
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		err = serve_error_body("method_not_allowed", "only GET is allowed here");
	} else {
		serve_metrics_text(s, &b);
	}
	if (err) {
		type = "application/json";
		lg_buf_adds(&b, err);
		free(err);
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(b.len,
								    b.data ? b.data : (void *)"",
								    MHD_RESPMEM_MUST_COPY);
	lg_buf_release(&b);
	if (!resp)
		lg_die_oom(0);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ok = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* ---- the loop ---- */

static void mhd_timer_due(struct loop *l, void *arg)
{
	struct serve *s = arg;
	(void)l;
	s->mhd_timer = 0;
	MHD_run(s->mhd);
}

static void mhd_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct serve *s = arg;
	(void)l;
	(void)fd;
	(void)events;
	MHD_run(s->mhd);
}

static void metrics_timer_due(struct loop *l, void *arg)
{
	struct serve *s = arg;
	(void)l;
	s->metrics_timer = 0;
	MHD_run(s->metrics_mhd);
}

static void metrics_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct serve *s = arg;
	(void)l;
	(void)fd;
	(void)events;
	MHD_run(s->metrics_mhd);
}

/* A loop timer for a daemon's next timeout, replacing the last. */
static void arm(struct serve *s, struct MHD_Daemon *d, loop_timer_id *t, loop_timer_fn *fn)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (*t)
		loop_timer_cancel(s->loop, *t);
	*t = 0;
	if (d && MHD_get_timeout(d, &ms) == MHD_YES)
		*t = loop_timer_add(s->loop, ms > INT_MAX ? INT_MAX : (int64_t)ms, fn, s);
}

static void mhd_arm(struct serve *s)
{
	arm(s, s->mhd, &s->mhd_timer, mhd_timer_due);
	arm(s, s->metrics_mhd, &s->metrics_timer, metrics_timer_due);
}

static unsigned connections(struct serve *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->mhd,
							    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return i ? i->num_connections : 0;
}

static void drain_over(struct loop *l, void *arg)
{
	struct serve *s = arg;
	(void)l;
	s->drain_timer = 0;
	say("stopping: %u connections still open after %d ms, closed", connections(s),
	    SERVE_DRAIN_MS);
	s->done = true;
}

/* SIGTERM, SIGINT: stop accepting, let what runs finish.  A second one
 * stops at once. */
static void on_signal(struct loop *l, int fd, unsigned events, void *arg)
{
	struct serve *s = arg;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (s->draining) {
			s->done = true;
			continue;
		}
		s->draining = true;
		say("stopping (signal %u): no new connections; waiting up to %d ms for %u open",
		    si.ssi_signo, SERVE_DRAIN_MS, connections(s));
		int lfd = MHD_quiesce_daemon(s->mhd);
		if (lfd >= 0) {
			close(lfd);
			s->listen_fd = -1;
		}
		s->drain_timer = loop_timer_add(l, SERVE_DRAIN_MS, drain_over, s);
	}
}

/* A new resolver for one that is down (for DNS_RETRY_MS) or too big,
 * when no request holds a result of the old one. */
static void resolver_renew(struct serve *s)
{
	int64_t now = loop_now(s->loop);
	if (!dns_resolver_down(s->dns))
		s->down_since = 0;
	else if (!s->down_since)
		s->down_since = now;
	if (s->holding)
		return;
	if (s->smtp && !smtp_prober_busy(s->smtp)) {
		struct smtp_stats ms;
		smtp_prober_stats(s->smtp, &ms);
		if (ms.addresses > SMTP_ADDRESSES_MAX)
			prober_free(s);
	}
	struct dns_stats st;
	dns_resolver_stats(s->dns, &st);
	if (st.bytes <= DNS_CACHE_MAX && !(s->down_since && now - s->down_since >= DNS_RETRY_MS))
		return;
	struct dns_resolver *fresh;
	struct lg_err err = {0};
	if (dns_resolver_new(&fresh, s->loop, &s->o.dns, &err) != LG_OK) {
		say("a new resolver would not start (the old one stays): %s", err.msg);
		s->down_since = now; /* try again later */
		return;
	}
	if (s->down_since)
		say("the resolver did not answer: asking again");
	/* /metrics counts over the process' life. */
	dns_resolver_stats(s->dns, &st);
	for (size_t i = 0; i < sizeof(st.outcome) / sizeof(*st.outcome); i++)
		s->dns_gone.outcome[i] += st.outcome[i];
	s->dns_gone.queries += st.queries;
	s->dns_gone.answered += st.answered;
	/* The prober's mail-host lookups went with the old resolver: a new
	 * prober asks the new one (no request holds the old's results). */
	prober_free(s);
	dns_resolver_free(s->dns);
	s->dns = fresh;
	s->down_since = 0;
}

/* ---- the listening socket ---- */

/* Bind spec (ADDR:PORT, [IPv6]:PORT, unix:PATH) and listen; the address
 * bound (the port a :0 got) into name. */
static enum lg_status listen_on(struct serve *s, const char *spec, char *name, size_t cap,
				struct lg_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		size_t n = strlen(spec + 5);
		if (!n || n >= sizeof(un->sun_path))
			return lg_err_set(err, LG_EUSAGE,
					  "--listen unix:PATH wants a path of 1 to %zu bytes",
					  sizeof(un->sun_path) - 1);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, spec + 5, n);
		sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		s->unix_path = lg_xstrdup(spec + 5);
		unlink(s->unix_path); /* a socket left by a run that was killed */
	} else {
		const char *colon = strrchr(spec, ':');
		char host[64];
		long port;
		if (!colon || !lg_parse_long(colon + 1, 0, 65535, &port) ||
		    (size_t)(colon - spec) >= sizeof(host))
			return lg_err_set(err, LG_EUSAGE,
					  "--listen wants ADDR:PORT, [IPv6]:PORT or unix:PATH, "
					  "not '%s'",
					  spec);
		size_t hl = (size_t)(colon - spec);
		const char *h = spec;
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		memcpy(host, h, hl);
		host[hl] = '\0';
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
			in4->sin_family = AF_INET;
			in4->sin_port = htons((uint16_t)port);
			sl = sizeof(*in4);
		} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			sl = sizeof(*in6);
		} else {
			return lg_err_set(err, LG_EUSAGE,
					  "--listen wants an IP address (or unix:PATH), not '%s'",
					  host);
		}
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return lg_err_set(err, LG_EIO, "%s: socket: %s", spec, strerror(errno));
	int one = 1;
	if (ss.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		int e = errno;
		close(fd);
		free(s->unix_path);
		s->unix_path = NULL;
		return lg_err_set(err, LG_EIO, "%s: cannot listen: %s", spec, strerror(e));
	}
	s->listen_fd = fd;
	if (ss.ss_family == AF_UNIX) {
		snprintf(name, cap, "%s", spec);
		return LG_OK;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	char a[INET6_ADDRSTRLEN] = "";
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a));
		snprintf(name, cap, "%s:%u", a, ntohs(in4->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(name, cap, "[%s]:%u", a, ntohs(in6->sin6_port));
	}
	return LG_OK;
}

/* ---- TLS ---- */

/*
 * --tls-cert and --tls-key (or [serve] tls_cert, tls_key): both PEM files,
 * read now, and checked to be a certificate and its key with GnuTLS
 * itself, so a bad pair is said plainly here rather than by
 * libmicrohttpd refusing to start.
 */
static enum lg_status tls_read(struct serve *s, struct lg_err *err)
{
	const char *cert = s->o.tls_cert ? s->o.tls_cert : s->c.tls_cert;
	const char *key = s->o.tls_key ? s->o.tls_key : s->c.tls_key;
	enum lg_status st;
	if (!cert && !key)
		return LG_OK;
	if (!cert || !key)
		return lg_err_set(err, LG_EUSAGE, "--tls-cert and --tls-key go together");
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return lg_err_set(err, LG_ECONFIG, "this libmicrohttpd was built without TLS");
	if ((st = lg_read_file(cert, TLS_FILE_MAX, &s->tls_cert, err)) != LG_OK ||
	    (st = lg_read_file(key, TLS_FILE_MAX, &s->tls_key, err)) != LG_OK)
		return st;
	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		lg_die_oom(0);
	gnutls_datum_t c = {(unsigned char *)s->tls_cert.data, (unsigned)s->tls_cert.len};
	gnutls_datum_t k = {(unsigned char *)s->tls_key.data, (unsigned)s->tls_key.len};
	int rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0)
		return lg_err_set(err, LG_ECONFIG, "%s, %s: not a PEM certificate and its key: %s",
				  cert, key, gnutls_strerror(rc));
	return LG_OK;
}

/* ---- the run ---- */

static enum lg_status start(struct serve *s, struct lg_err *err)
{
	enum lg_status st;
	char name[128];
	const char *spec = s->o.listen   ? s->o.listen
			   : s->c.listen ? s->c.listen
					 : SERVE_LISTEN_DEFAULT;

	if ((st = tls_read(s, err)) != LG_OK)
		return st;
	if ((st = listen_on(s, spec, name, sizeof(name), err)) != LG_OK)
		return st;
	if (s->o.metrics_listen) {
		char mname[128];
		int keep = s->listen_fd;
		if (!strncmp(s->o.metrics_listen, "unix:", 5))
			return lg_err_set(err, LG_EUSAGE, "--metrics-listen wants ADDR:PORT");
		st = listen_on(s, s->o.metrics_listen, mname, sizeof(mname), err);
		s->metrics_listen_fd = s->listen_fd;
		s->listen_fd = keep;
		if (st != LG_OK)
			return st;
		say("metrics on http://%s/metrics (no key)", mname);
	}
	if ((st = store_open(&s->store, s->o.db, STORE_CREATE, err)) != LG_OK)
		return st;
	if ((st = job_keyring_open(&s->keys, s->store, err)) != LG_OK)
		return st;
	keys_sized(s);
	if ((st = loop_new(&s->loop, err)) != LG_OK)
		return st;
	if ((st = dns_resolver_new(&s->dns, s->loop, &s->o.dns, err)) != LG_OK)
		return st;
	s->vctx = conf_verify_ctx(s->o.conf);
	s->push = serve_push_new(s->o.esp);
	s->keep = serve_keep_new();
	struct io_col cols[1 + JOB_VERIFY_COLS] = {{"email", 5, IO_KIND_TEXT}};
	memcpy(cols + 1, job_verify_cols, sizeof(job_verify_cols));
	struct io_writer_opts wo = {IO_FORMAT_JSONL, ',', false, false, IO_GUARD_AUTO};
	s->row_w = io_writer_new_mem(&s->row, &wo, cols, 1 + JOB_VERIFY_COLS);

	/* SIGTERM and SIGINT come through a descriptor of the loop. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is no reason to stop */
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sig_fd < 0)
		return lg_err_set(err, LG_ETEMP, "signalfd: %s", strerror(errno));
	if ((st = loop_fd_set(s->loop, s->sig_fd, LOOP_READ, on_signal, s, err)) != LG_OK)
		return st;

	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem mo[] = {
		{MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->c.max_connections, NULL},
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->c.per_ip, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->c.timeout, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
		{MHD_OPTION_END, 0, NULL}, /* or the certificate, its key: */
		{MHD_OPTION_END, 0, NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	if (s->tls_cert.len) {
		flags |= MHD_USE_TLS;
		mo[5] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert.data};
		mo[6] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key.data};
	}
	s->metrics = serve_metrics_new(serve_nroutes);
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, mo,
				  MHD_OPTION_END);
	if (!s->mhd)
		return lg_err_set(err, LG_ETEMP, "%s: libmicrohttpd would not start", name);
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!i)
		return lg_err_set(err, LG_ETEMP, "libmicrohttpd has no epoll descriptor");
	s->mhd_fd = i->epoll_fd;
	if ((st = loop_fd_set(s->loop, s->mhd_fd, LOOP_READ, mhd_ready, s, err)) != LG_OK)
		return st;
	if (s->metrics_listen_fd >= 0) {
		s->metrics_mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_metrics_request,
						  s, MHD_OPTION_LISTEN_SOCKET, s->metrics_listen_fd,
						  MHD_OPTION_CONNECTION_LIMIT, 16u,
						  MHD_OPTION_CONNECTION_TIMEOUT,
						  (unsigned)s->c.timeout, MHD_OPTION_END);
		if (!s->metrics_mhd)
			return lg_err_set(err, LG_ETEMP,
					  "--metrics-listen: libmicrohttpd would not start");
		s->metrics_listen_fd = -1; /* the daemon's now */
		i = MHD_get_daemon_info(s->metrics_mhd, MHD_DAEMON_INFO_EPOLL_FD);
		if (!i)
			return lg_err_set(err, LG_ETEMP, "libmicrohttpd has no epoll descriptor");
		s->metrics_mhd_fd = i->epoll_fd;
		if ((st = loop_fd_set(s->loop, s->metrics_mhd_fd, LOOP_READ, metrics_ready, s,
				      err)) != LG_OK)
			return st;
	}
	loop_timer_add(s->loop, KEYS_REFRESH_MS, keys_refresh, s);
	/* After the signals are blocked: the workers inherit the mask. */
	if ((st = serve_work_open(&s->work, s, err)) != LG_OK)
		return st;
	if ((st = serve_jobs_open(&s->jobs, s, err)) != LG_OK)
		return st;
	if ((st = serve_handoff_open(&s->handoff, s, err)) != LG_OK)
		return st;
	size_t nkeys = job_keyring_count(s->keys);
	say("listening on %s (%zu key%s%s)", name, nkeys, nkeys == 1 ? "" : "s",
	    s->tls_cert.len ? ", TLS" : "");
	return LG_OK;
}

enum lg_status serve_run(const struct serve_opts *opts, struct lg_err *err)
{
	struct serve *s = lg_xcalloc(1, sizeof(*s));
	s->o = *opts;
	s->c = opts->conf->serve;
	s->listen_fd = s->mhd_fd = s->sig_fd = s->metrics_listen_fd = s->metrics_mhd_fd = -1;
	if (!s->o.dns.now && s->o.now)
		s->o.dns.now = s->o.now;

	enum lg_status st = start(s, err);
	while (st == LG_OK && !s->done) {
		loop_step(s->loop, -1);
		if (resume_answered(s, false))
			MHD_run(s->mhd);
		resolver_renew(s);
		if (s->draining && !connections(s))
			s->done = true;
		mhd_arm(s);
	}
	/* The tasks running finish and their requests are answered; those
	 * waiting for a worker are answered "unavailable". */
	serve_work_close(s->work);
	s->work = NULL;
	/* its round's transfers aborted: what they sent stays pending */
	serve_handoff_close(s->handoff);
	s->handoff = NULL;
	if (s->mhd) {
		/* Whatever still waits for DNS is answered "unavailable". */
		if (resume_answered(s, true))
			MHD_run(s->mhd);
		streams_resume(s);
		loop_fd_del(s->loop, s->mhd_fd);
		MHD_stop_daemon(s->mhd);
	}
	if (s->metrics_mhd) {
		loop_fd_del(s->loop, s->metrics_mhd_fd);
		MHD_stop_daemon(s->metrics_mhd);
	}
	if (st == LG_OK)
		say("stopped");
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->metrics_listen_fd >= 0)
		close(s->metrics_listen_fd);
	if (s->unix_path)
		unlink(s->unix_path);
	if (s->sig_fd >= 0) {
		loop_fd_del(s->loop, s->sig_fd);
		close(s->sig_fd);
	}
	serve_jobs_close(s->jobs); /* before the loop its timer is in */
	serve_keep_free(s->keep, s->store);
	io_writer_free(s->row_w);
	lg_buf_release(&s->row);
	verify_ctx_free(s->vctx);
	serve_push_free(s->push);
	prober_free(s); /* before the resolver, whose lookups call it back */
	dns_resolver_free(s->dns);
	loop_free(s->loop);
	job_keyring_close(s->keys);
	store_close(s->store);
	free(s->buckets);
	rate_table_free(s->by_address);
	free(s->unix_path);
	lg_buf_release(&s->tls_cert);
	lg_buf_release(&s->tls_key);
	serve_metrics_free(s->metrics);
	free(s);
	return st;
}
