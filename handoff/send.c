/*
 * send.c - the webhook sender on libcurl's multi interface (see send.h).
 *
 * The wiring, as libcurl's "multi_socket" API asks for it: curl says
 * through CURLMOPT_SOCKETFUNCTION which socket to watch for what, and
 * through CURLMOPT_TIMERFUNCTION when it wants to be woken; the loop
 * watches the sockets and runs one timer; whatever fires is handed back
 * with curl_multi_socket_action, and the transfers that ended are then
 * read with curl_multi_info_read and called back.  A call back is made
 * from the loop only, after curl has returned: the caller may submit
 * from it.
 *
 * A transfer is set up (its easy handle, headers, signature) when it is
 * submitted, and handed to curl (curl_multi_add_handle) when fewer than
 * max_transfers run; the others wait in a queue, first in, first out.
 */
#include "handoff/send.h"
#include "handoff/curl_int.h"
#include "handoff/retry.h"

#include <curl/curl.h>
#include <stdarg.h>

/* One message being sent, or waiting its turn. */
struct xfer {
	CURL *h;
	struct curl_slist *headers; /* the request's headers */
	struct curl_slist *to;      /* CURLOPT_CONNECT_TO's, or NULL */
	char *url;                  /* owned copies: curl borrows them */
	char *body;
	send_done_fn *fn;
	void *arg;
	struct http_guard guard;
	char errbuf[CURL_ERROR_SIZE];
	char where[160];          /* "scheme://host:port" for messages */
	size_t got;               /* bytes of the response's body read */
	bool cut;                 /* it was longer than HTTP_BODY_MAX */
	int64_t retry_after;      /* seconds, -1: none */
	struct xfer *prev, *next; /* in the list of running or of waiting */
};

/* A doubly linked list, first in first out. */
struct xlist {
	struct xfer *head, *tail;
	size_t n;
};

struct sender {
	struct loop *l;
	CURLM *m;
	struct http_opts ho; /* what http_easy_setup takes */
	char *connect_to, *ca_file;
	unsigned max_transfers;
	loop_timer_id timer; /* curl's wake-up; 0: none */
	struct xlist running, waiting;
};

const char *send_outcome_name(enum send_outcome o)
{
	switch (o) {
	case SEND_DELIVERED: return "delivered";
	case SEND_RETRY: return "retry";
	case SEND_DISABLED: return "disabled";
	case SEND_REFUSED: return "refused";
	}
	return "?";
}

static void xlist_push(struct xlist *q, struct xfer *x)
{
	x->next = NULL;
	x->prev = q->tail;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
	q->n++;
}

static void xlist_unlink(struct xlist *q, struct xfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		q->head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	else
		q->tail = x->prev;
	x->prev = x->next = NULL;
	q->n--;
}

static void xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->h);
	curl_slist_free_all(x->headers);
	curl_slist_free_all(x->to);
	free(x->url);
	free(x->body);
	free(x);
}

/* ---- the loop's side ---------------------------------------------------------- */

static void reap(struct sender *s);

static void on_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct sender *s = arg;
	int flags = 0, running;
	(void)l;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(s->m, fd, flags, &running);
	reap(s);
}

static void on_timer(struct loop *l, void *arg)
{
	struct sender *s = arg;
	int running;
	(void)l;
	s->timer = 0; /* gone; socket_action may set a new one */
	curl_multi_socket_action(s->m, CURL_SOCKET_TIMEOUT, 0, &running);
	reap(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what curl asks, or stop. */
static int curl_on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct sender *s = userp;
	unsigned ev = 0;
	(void)e;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		loop_fd_del(s->l, fd);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= LOOP_READ;
	if (what & CURL_POLL_OUT)
		ev |= LOOP_WRITE;
	/* -1 fails the transfers of the multi handle: an epoll that takes no
	 * socket more is no state to go on in */
	return loop_fd_set(s->l, fd, ev, on_fd, s, NULL) == LG_OK ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: one timer, replaced each time; -1 removes it.
 * curl must not be called from here: the loop's timer does it. */
static int curl_on_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct sender *s = userp;
	(void)m;
	if (s->timer)
		loop_timer_cancel(s->l, s->timer);
	s->timer = timeout_ms >= 0 ? loop_timer_add(s->l, timeout_ms, on_timer, s) : 0;
	return 0;
}

/* ---- one transfer --------------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	(void)data;
	x->got += size * n;
	if (x->got > HTTP_BODY_MAX) {
		x->cut = true;
		return 0; /* stops the transfer: CURLE_WRITE_ERROR */
	}
	return size * n;
}

/* Each header line of each response: Retry-After kept, from the last
 * response only (a "100 Continue" comes first sometimes). */
static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct xfer *x = arg;
	size_t len = size * n, nlen = sizeof(name) - 1;
	int64_t secs;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0)
		x->retry_after = -1;
	else if (len > nlen && lg_ascii_eq(line, nlen, name, nlen) &&
		 retry_after_parse(line + nlen, len - nlen, lg_now_wall(), &secs))
		x->retry_after = secs;
	return len;
}

static void classify(struct xfer *x, CURLcode rc, struct send_result *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->cut)) {
		long code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		r->status = code;
		r->retry_after_s = x->retry_after;
		if (code >= 200 && code <= 299) {
			r->outcome = SEND_DELIVERED;
		} else if (code == 410) {
			r->outcome = SEND_DISABLED;
			snprintf(r->detail, sizeof(r->detail), "%s: 410 Gone: endpoint disabled",
				 x->where);
		} else {
			r->outcome = SEND_RETRY;
			r->throttle = code == 429 || code == 502 || code == 504;
			snprintf(r->detail, sizeof(r->detail), "%s: HTTP status %ld", x->where,
				 code);
		}
	} else if (x->guard.refused[0]) {
		r->outcome = SEND_REFUSED;
		snprintf(r->detail, sizeof(r->detail), "%s: refused: %s", x->where,
			 x->guard.refused);
	} else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		r->outcome = SEND_REFUSED;
		snprintf(r->detail, sizeof(r->detail), "%s: refused: %s", x->where,
			 curl_easy_strerror(rc));
	} else {
		/* libcurl's words: "Operation timed out after 500
		 * milliseconds ...", "Failed to connect to ..." */
		r->outcome = SEND_RETRY;
		snprintf(r->detail, sizeof(r->detail), "%s: %s", x->where,
			 x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
	}
}

/* Hand x to curl; false if curl will not take it. */
static bool start(struct sender *s, struct xfer *x)
{
	if (curl_multi_add_handle(s->m, x->h) != CURLM_OK)
		return false;
	xlist_push(&s->running, x);
	return true;
}

/* Start the transfers waiting, while there is room; one curl will not
 * take is called back as a failure to retry. */
static void start_waiting(struct sender *s)
{
	while (s->waiting.head && s->running.n < s->max_transfers) {
		struct xfer *x = s->waiting.head;
		xlist_unlink(&s->waiting, x);
		if (!start(s, x)) {
			struct send_result r = {.outcome = SEND_RETRY, .retry_after_s = -1};
			send_done_fn *fn = x->fn;
			void *arg = x->arg;
			snprintf(r.detail, sizeof(r.detail), "%s: libcurl took no more transfers",
				 x->where);
			xfer_free(x);
			fn(arg, &r);
		}
	}
}

/* The transfers curl has finished: called back, their places given to
 * the ones waiting. */
static void reap(struct sender *s)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(s->m, &left))) {
		struct send_result r;
		char *priv = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURLcode rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		struct xfer *x = (struct xfer *)(void *)priv;
		classify(x, rc, &r);
		curl_multi_remove_handle(s->m, x->h);
		xlist_unlink(&s->running, x);
		send_done_fn *fn = x->fn;
		void *arg = x->arg;
		xfer_free(x);
		start_waiting(s);
		fn(arg, &r);
	}
}

/* ---- the interface ----------------------------------------------------------------- */

enum lg_status sender_new(struct sender **out, struct loop *l, const struct send_opts *o,
			  struct lg_err *err)
{
	static const struct send_opts none = {0};
	enum lg_status st;

	*out = NULL;
	o = o ? o : &none;
	if ((st = http_global_init(err)) != LG_OK)
		return st;
	struct sender *s = lg_xcalloc(1, sizeof(*s));
	s->l = l;
	if (!(s->m = curl_multi_init())) {
		free(s);
		return lg_err_set(err, LG_ETEMP, "libcurl has no multi handle");
	}
	s->connect_to = o->connect_to ? lg_xstrdup(o->connect_to) : NULL;
	s->ca_file = o->ca_file ? lg_xstrdup(o->ca_file) : NULL;
	s->ho = (struct http_opts){
		.allow_http = o->allow_http,
		.allow_private = o->allow_private,
		.connect_to = s->connect_to,
		.ca_file = s->ca_file,
		.connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms
							    : SEND_CONNECT_TIMEOUT_MS,
		.timeout_ms = o->timeout_ms ? o->timeout_ms : SEND_TIMEOUT_MS,
	};
	s->max_transfers = o->max_transfers ? o->max_transfers : SEND_TRANSFERS_DEFAULT;
	curl_multi_setopt(s->m, CURLMOPT_SOCKETFUNCTION, curl_on_socket);
	curl_multi_setopt(s->m, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(s->m, CURLMOPT_TIMERFUNCTION, curl_on_timer);
	curl_multi_setopt(s->m, CURLMOPT_TIMERDATA, s);
	*out = s;
	return LG_OK;
}

void sender_free(struct sender *s)
{
	if (!s)
		return;
	while (s->running.head) {
		struct xfer *x = s->running.head;
		xlist_unlink(&s->running, x);
		curl_multi_remove_handle(s->m, x->h);
		xfer_free(x);
	}
	while (s->waiting.head) {
		struct xfer *x = s->waiting.head;
		xlist_unlink(&s->waiting, x);
		xfer_free(x);
	}
	/* cleanup closes the cached connections, telling curl_on_socket */
	curl_multi_cleanup(s->m);
	if (s->timer)
		loop_timer_cancel(s->l, s->timer);
	free(s->connect_to);
	free(s->ca_file);
	free(s);
}

size_t sender_pending(const struct sender *s)
{
	return s->running.n + s->waiting.n;
}

size_t sender_running(const struct sender *s)
{
	return s->running.n;
}

/* A header's text holds no line break (it would start a header of its
 * own, or the body). */
static bool one_line(const char *v)
{
	return v && !strpbrk(v, "\r\n");
}

static void add_header(struct curl_slist **l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_header(struct curl_slist **l, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	struct curl_slist *n = curl_slist_append(*l, line);
	if (!n)
		lg_die_oom(0);
	*l = n;
}

/* The request's headers into x->headers; LG_EDATA for one that cannot
 * be sent, LG_ETEMP when the signature cannot be made. */
static enum lg_status make_headers(struct xfer *x, const struct send_msg *m, struct lg_err *err)
{
	const char *ct = m->content_type ? m->content_type : "application/json";

	if (!one_line(ct) || (m->method && !one_line(m->method)))
		return lg_err_set(err, LG_EDATA, "%s: a header holds a line break", x->where);
	add_header(&x->headers, "Content-Type: %s", ct);
	/* no "Expect: 100-continue" on a larger body: a second's wait on a
	 * receiver that does not answer it, for nothing */
	add_header(&x->headers, "Expect:");
	if (m->id) {
		if (!one_line(m->id) || strchr(m->id, '.') || !m->id[0] || strlen(m->id) > 256)
			return lg_err_set(err, LG_EDATA,
					  "%s: a webhook-id is 1 to 256 characters, no '.' and "
					  "no line break",
					  x->where);
		add_header(&x->headers, "webhook-id: %s", m->id);
		add_header(&x->headers, "webhook-timestamp: %lld", (long long)m->timestamp);
		if (m->key) {
			char sig[SIGN_SIG_SIZE];
			enum lg_status st = sign_message(m->key, m->id, m->timestamp, m->body,
							 m->len, sig, err);
			if (st != LG_OK)
				return st;
			add_header(&x->headers, "webhook-signature: %s", sig);
		}
	} else if (m->key) {
		return lg_err_set(err, LG_EDATA, "%s: a signed message needs a webhook-id",
				  x->where);
	}
	for (size_t i = 0; m->headers && m->headers[i]; i++) {
		if (!one_line(m->headers[i]) || strlen(m->headers[i]) >= 1024)
			return lg_err_set(err, LG_EDATA,
					  "%s: a header holds a line break or is too long",
					  x->where);
		add_header(&x->headers, "%s", m->headers[i]);
	}
	return LG_OK;
}

enum lg_status sender_submit(struct sender *s, const struct send_msg *m, send_done_fn *fn,
			     void *arg, struct lg_err *err)
{
	enum lg_status st;
	struct xfer *x = lg_xcalloc(1, sizeof(*x));

	x->fn = fn;
	x->arg = arg;
	x->retry_after = -1;
	http_url_where(m->url, x->where, sizeof(x->where));
	if (!http_scheme_ok(m->url, s->ho.allow_http)) {
		st = lg_err_set(err, LG_EDATA, "%s: refused: only an https:// URL is sent to",
				x->where);
		goto fail;
	}
	if (!(x->h = curl_easy_init())) {
		st = lg_err_set(err, LG_ETEMP, "%s: libcurl has no handle", x->where);
		goto fail;
	}
	if ((st = make_headers(x, m, err)) != LG_OK)
		goto fail;
	x->url = lg_xstrdup(m->url);
	x->body = lg_xmemdup(m->body ? m->body : "", m->body ? m->len : 0);
	http_easy_setup(x->h, x->url, &s->ho, &x->guard, x->errbuf, &x->to);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->body);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(m->body ? m->len : 0));
	if (m->method)
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, m->method);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	if (s->running.n < s->max_transfers && !s->waiting.head) {
		if (!start(s, x)) {
			st = lg_err_set(err, LG_ETEMP, "%s: libcurl took no more transfers",
					x->where);
			goto fail;
		}
	} else {
		xlist_push(&s->waiting, x);
	}
	return LG_OK;
fail:
	xfer_free(x); /* what there is of it: curl takes NULL handles and lists */
	return st;
}
