/*
 * resolver.c - the c-ares engine: a queue of domains, up to `concurrency`
 * of them in flight, c-ares sockets registered with the caller's event
 * loop through c-ares's socket-state callback, and the cache of answers.
 *
 * Nothing here waits: the loop calls back a socket that is ready
 * (ares_process_fd on it), a timer set to ares_timeout() lets c-ares
 * expire its queries, and a 0 ms timer, set when there is something to do
 * once the round of I/O in hand is handled, sends what is queued (new
 * lookups, or room freed by answers) and sets that timer again: once a
 * loop step however many sockets it called back, as ares_timeout() walks
 * every query in flight.
 *
 * A domain's lookup is a short chain of queries (MX; on NODATA, A; then
 * AAAA), one at a time; the next is sent from the reply's callback.
 * c-ares retries timeouts (--tries rounds, the timeout doubling each
 * round) and retries a truncated reply over TCP.  SERVFAIL and REFUSED we
 * retry ourselves: c-ares 1.18 reports them, once its tries are spent, as
 * ECONNREFUSED without the reply, indistinguishable from a dead server, so
 * it runs with ARES_FLAG_NOCHECKRESP and hands every reply over.  No query
 * follows a CNAME: the recursive resolver's answer holds the chain, which
 * answer.c reads.
 *
 * dns_resolver_hosts rides on the same lookups: a request waits for its
 * domain's answer, then for the addresses of each of its hosts, which
 * are cached by host name (struct host) so that a provider's host shared
 * by thousands of domains is asked once while its TTL lasts.  A host's A
 * and AAAA queries go out together and hold one place of the concurrency;
 * hosts the MX reply's additional section gave addresses for are not
 * asked at all.  A request whose hosts are all known is due: its callback
 * runs from a 0 ms timer, so never inside the call that made it.
 */
#include "dns_int.h"

#include "loop/loop.h"

#include <arpa/inet.h>
#include <ares.h>
#include <assert.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EDNS_SIZE 1232 /* the DNS flag day 2020 UDP size: no fragments */

struct hreq;

/* A cache entry: the result, and the way back from c-ares's callback. */
struct entry {
	struct dns_result res;
	struct dns_resolver *r;
	/* DNS_MX: the hosts after res.mx, in order, each NUL-terminated, an
	 * empty name after the last; interned as one key (one pointer a
	 * domain, not DNS_HOSTS_MAX - 1).  NULL for none. */
	const char *more;
	struct hreq *waiting; /* dns_resolver_hosts calls waiting for the answer */
};

/*
 * A mail host's addresses, for dns_resolver_hosts: its A and AAAA queries
 * go out together and take one place of the concurrency between them.
 * Kept for their TTL (the least of the two answers'), a failure 300 s, so
 * a host that thousands of domains share is asked once.
 */
enum { HOST_NEW = 0, HOST_QUEUED, HOST_SENT, HOST_DONE };
struct hlink;
struct host {
	struct dns_resolver *r;
	struct hlink *waiters; /* requests waiting for its addresses */
	uint32_t expires;      /* resolver clock (s) after which it is asked again */
	uint32_t mark;         /* replies the resolver had given when it was sent */
	uint32_t ttl;          /* while in flight: the least TTL so far */
	uint8_t state;         /* HOST_* */
	uint8_t pending;       /* its queries in flight */
	uint8_t attempt[2];    /* SERVFAIL retries of A, AAAA */
	uint8_t n4, n6;
	struct dns_host_addr a4[DNS_HOST_ADDRS_MAX]; /* A records */
	struct dns_host_addr a6[DNS_HOST_ADDRS_MAX]; /* AAAA records */
};

/* A request waiting on one of its hosts. */
struct hlink {
	struct hreq *req;
	struct hlink *next;
};

/* One dns_resolver_hosts call, from the call to its callback. */
struct hreq {
	struct entry *e; /* the domain */
	dns_hosts_fn *fn;
	void *arg;
	struct hreq *next;                /* in its domain's `waiting`, or in the due list */
	struct hreq *prev_all, *next_all; /* every request, for dns_resolver_free */
	unsigned pending;                 /* hosts whose addresses are awaited */
	unsigned nhost;
	const char *name[DNS_HOSTS_MAX]; /* borrowed from the resolver's maps */
	struct host *host[DNS_HOSTS_MAX];
	struct hlink link[DNS_HOSTS_MAX];
};

/* A ring of pointers: what is queued, not sent yet. */
struct ring {
	void **v;
	size_t head, len, cap;
};

static void ring_push(struct ring *q, void *p)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		void **v = lg_xmalloc(cap * sizeof(*v));
		for (size_t i = 0; i < q->len; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->len++) % q->cap] = p;
}

static void *ring_pop(struct ring *q)
{
	void *p = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return p;
}

struct dns_resolver {
	ares_channel ch;
	struct loop *loop;   /* borrowed: the sockets c-ares asks us to watch, the timers */
	loop_timer_id kick;  /* pending: send what is queued, set `tick` again */
	loop_timer_id tick;  /* pending: c-ares's next query timeout */
	struct lg_map cache; /* domain -> struct entry */
	struct lg_map hosts; /* interned MX host names (keys only) */
	struct lg_map addrs; /* mail host name -> struct host */
	struct ring queue;   /* struct entry: lookups not sent yet */
	struct ring hqueue;  /* struct host: host lookups not sent yet */
	struct hreq *all;    /* every dns_resolver_hosts call not called back yet */
	struct hreq *due;    /* those whose callback is due, in order */
	struct hreq **due_tail;
	size_t ndue;
	loop_timer_id due_timer; /* pending while `due` is not empty */
	size_t inflight;         /* domain and host lookups */
	unsigned concurrency;
	unsigned tries;
	size_t completed;    /* lookups finished, ever */
	int64_t t0;          /* the loop's clock (ms) at creation */
	uint32_t now;        /* seconds since t0, updated by lookup and as the loop runs */
	int64_t wall;        /* the frozen wall clock, or 0 for the system's */
	uint32_t replies;    /* replies of any kind to any query, probes included */
	struct entry *known; /* the last lookup the resolver answered, NULL before any */
	uint8_t known_q;     /* the query it answered */
	bool probing;        /* a probe is in flight */
	uint32_t probe_mark; /* replies when it went out */
	bool down;
	bool destroying;
	struct dns_stats st;
};

static const int qtypes[] = {[DNS_Q_MX] = 15, [DNS_Q_A] = 1, [DNS_Q_AAAA] = 28};

const char *dns_outcome_name(enum dns_outcome o)
{
	static const char *const n[] = {"pending",      "mx",       "implicit", "null_mx",
					"no_mail_host", "nxdomain", "servfail", "timeout"};
	return (unsigned)o <= DNS_TIMEOUT ? n[o] : "?";
}

static uint32_t clock_s(const struct dns_resolver *r)
{
	return (uint32_t)((loop_now(r->loop) - r->t0) / 1000);
}

static void pump(struct dns_resolver *r);

/* c-ares's next timeout is due: let it expire what timed out. */
static void on_tick(struct loop *l, void *arg);

/* After a round of I/O (or a timeout): end what is in flight once the
 * resolver is down, send what the concurrency allows, and set the timer
 * for c-ares's next timeout. */
static void settle(struct dns_resolver *r)
{
	struct timeval tv, *tvp;

	r->now = clock_s(r);
	if (r->down && r->inflight)
		ares_cancel(r->ch); /* their callbacks end them as timeouts */
	pump(r);
	if (r->tick)
		loop_timer_cancel(r->loop, r->tick);
	r->tick = 0;
	if ((tvp = ares_timeout(r->ch, NULL, &tv)))
		r->tick = loop_timer_add(r->loop, tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000,
					 on_tick, r);
}

static void on_kick(struct loop *l, void *arg)
{
	struct dns_resolver *r = arg;
	(void)l;
	r->kick = 0;
	settle(r);
}

/* Settle once the loop is done with the I/O in hand (see the top). */
static void schedule(struct dns_resolver *r)
{
	if (!r->kick && !r->destroying)
		r->kick = loop_timer_add(r->loop, 0, on_kick, r);
}

static void on_tick(struct loop *l, void *arg)
{
	struct dns_resolver *r = arg;
	(void)l;
	r->tick = 0;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	settle(r);
}

static void on_fd(struct loop *l, int fd, unsigned events, void *arg)
{
	struct dns_resolver *r = arg;
	(void)l;
	/* An error or hang-up comes as readable: the read finds it. */
	ares_process_fd(r->ch, (events & LOOP_READ) ? fd : ARES_SOCKET_BAD,
			(events & LOOP_WRITE) ? fd : ARES_SOCKET_BAD);
	schedule(r);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_resolver *r = data;
	/* A socket the loop will not take goes unwatched; its queries time
	 * out and are retried as c-ares sees fit. */
	loop_fd_set(r->loop, fd, (readable ? LOOP_READ : 0) | (writable ? LOOP_WRITE : 0), on_fd, r,
		    NULL);
}

/* A port: decimal digits only, 1 to 65535. */
static bool parse_port(const char *s, size_t n)
{
	unsigned long v = 0;
	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!lg_ascii_is_digit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/*
 * One item of --dns, item[0..n) (n > 0), added to out as c-ares takes it:
 * "IPv4[:PORT]", "IPv6" or "[IPv6]:PORT".  The forms: an IPv4 address or a
 * host name, with ":PORT" or not; a bare IPv6 address (two colons or
 * more: no port); "[IPv6]:PORT".  A host name is looked up here, once,
 * with the system's resolver (getaddrinfo), and its first address used.
 * list is the whole option, for the messages.
 */
static enum lg_status server_add(const char *list, const char *item, size_t n, struct lg_buf *out,
				 struct lg_err *err)
{
	char host[256];
	const char *port = NULL; /* in item, NULL for none */
	size_t hn, pn = 0;
	unsigned char bin[16];

	if (item[0] == '[') {
		const char *close = memchr(item, ']', n);
		if (!close)
			return lg_err_set(err, LG_EUSAGE, "--dns '%s': no ']' closes '%.*s'", list,
					  (int)n, item);
		hn = (size_t)(close - item) - 1;
		if (close + 1 == item + n)
			return lg_err_set(
				err, LG_EUSAGE,
				"--dns '%s': no port after '%.*s' (an IPv6 address without "
				"a port goes without brackets)",
				list, (int)n, item);
		if (close[1] != ':')
			return lg_err_set(err, LG_EUSAGE, "--dns '%s': '%.*s': want [IPv6]:PORT",
					  list, (int)n, item);
		port = close + 2;
		pn = (size_t)(item + n - port);
		if (hn >= sizeof(host))
			hn = sizeof(host) - 1; /* too long for an address: inet_pton says so */
		memcpy(host, item + 1, hn);
		host[hn] = '\0';
		if (inet_pton(AF_INET6, host, bin) != 1)
			return lg_err_set(err, LG_EUSAGE, "--dns '%s': '%s' is not an IPv6 address",
					  list, host);
	} else {
		const char *colon = memchr(item, ':', n);
		if (colon && memchr(colon + 1, ':', (size_t)(item + n - colon - 1))) {
			hn = n; /* a bare IPv6 address: no port */
		} else {
			hn = colon ? (size_t)(colon - item) : n;
			if (colon) {
				port = colon + 1;
				pn = (size_t)(item + n - port);
			}
		}
		if (hn == 0)
			return lg_err_set(err, LG_EUSAGE, "--dns '%s': '%.*s' has no host", list,
					  (int)n, item);
		if (hn >= sizeof(host))
			return lg_err_set(err, LG_EUSAGE, "--dns '%s': a host name of %zu octets",
					  list, hn);
		memcpy(host, item, hn);
		host[hn] = '\0';
		if (hn == n && colon && inet_pton(AF_INET6, host, bin) != 1)
			return lg_err_set(err, LG_EUSAGE,
					  "--dns '%s': '%s' is not an IPv6 address (with a port: "
					  "[IPv6]:PORT)",
					  list, host);
	}
	if (port && !parse_port(port, pn))
		return lg_err_set(err, LG_EUSAGE,
				  "--dns '%s': bad port '%.*s' in '%.*s' (want 1 to 65535)", list,
				  (int)pn, port, (int)n, item);
	if (item[0] == '[' || inet_pton(AF_INET, host, bin) == 1 ||
	    inet_pton(AF_INET6, host, bin) == 1) {
		lg_buf_add(out, item, n);
		return LG_OK;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai = NULL;
	char ip[INET6_ADDRSTRLEN];
	int rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc != 0 || !ai)
		return lg_err_set(err, LG_EUSAGE, "--dns '%s': cannot resolve '%s': %s", list, host,
				  gai_strerror(rc));
	const void *a = ai->ai_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
				: (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	inet_ntop(ai->ai_family, a, ip, sizeof(ip));
	lg_buf_addf(out, ai->ai_family == AF_INET6 && port ? "[%s]" : "%s", ip);
	freeaddrinfo(ai);
	if (port)
		lg_buf_addf(out, ":%.*s", (int)pn, port);
	return LG_OK;
}

/* "ITEM,ITEM,..." (see server_add) -> the "IP[:PORT],..." that c-ares
 * takes.  Every item must be there: an empty one is an error. */
static enum lg_status servers_to_addresses(const char *list, struct lg_buf *out, struct lg_err *err)
{
	const char *p = list;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0)
			return lg_err_set(err, LG_EUSAGE,
					  "--dns '%s': an empty item (resolvers are separated by "
					  "single commas)",
					  list);
		enum lg_status st = server_add(list, p, n, out, err);
		if (st != LG_OK)
			return st;
		if (!end)
			return LG_OK;
		lg_buf_addc(out, ',');
		p = end + 1;
	}
}

enum lg_status dns_resolver_new(struct dns_resolver **out, struct loop *loop,
				const struct dns_opts *opts, struct lg_err *err)
{
	struct dns_resolver *r = lg_xcalloc(1, sizeof(*r));
	struct ares_options o;
	int rc;

	*out = NULL;
	lg_map_init(&r->cache, sizeof(struct entry));
	lg_map_init(&r->hosts, 1);
	lg_map_init(&r->addrs, sizeof(struct host));
	r->due_tail = &r->due;
	r->concurrency = opts->concurrency ? opts->concurrency : 256;
	r->loop = loop;
	r->t0 = loop_now(loop);
	r->wall = opts->now;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		dns_resolver_free(r);
		return lg_err_set(err, LG_ETEMP, "c-ares: %s", ares_strerror(rc));
	}

	memset(&o, 0, sizeof(o));
	o.timeout = opts->timeout_ms > 0 ? opts->timeout_ms : 2000;
	o.tries = opts->tries > 0 ? opts->tries : 2;
	o.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
	r->tries = (unsigned)o.tries;
	o.ednspsz = EDNS_SIZE;
	/* Each query starts at the next server: load is shared, and our
	 * retry of a SERVFAIL goes to another server when there is one. */
	o.sock_state_cb = on_sock_state;
	o.sock_state_cb_data = r;
	/* Many replies arrive at once: a small socket buffer drops them,
	 * and a dropped reply costs a whole timeout. */
	o.socket_receive_buffer_size = 4 << 20;
	rc = ares_init_options(&r->ch, &o,
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
				       ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_STATE_CB |
				       ARES_OPT_SOCK_RCVBUF | ARES_OPT_ROTATE);
	if (rc != ARES_SUCCESS) {
		r->ch = NULL;
		dns_resolver_free(r);
		return lg_err_set(err, LG_ETEMP, "cannot start the resolver: %s", ares_strerror(rc));
	}
	if (opts->servers) {
		struct lg_buf csv = LG_BUF_INIT;
		enum lg_status st = servers_to_addresses(opts->servers, &csv, err);
		if (st == LG_OK &&
		    (rc = ares_set_servers_ports_csv(r->ch, csv.data)) != ARES_SUCCESS)
			st = lg_err_set(
				err, LG_EUSAGE,
				"--dns '%s': %s (want HOST[:PORT],..., [IPv6]:PORT for IPv6)",
				opts->servers, ares_strerror(rc));
		lg_buf_release(&csv);
		if (st != LG_OK) {
			dns_resolver_free(r);
			return st;
		}
	}
	*out = r;
	return LG_OK;
}

void dns_resolver_free(struct dns_resolver *r)
{
	if (!r)
		return;
	r->destroying = true;
	loop_timer_cancel(r->loop, r->kick);
	loop_timer_cancel(r->loop, r->tick);
	loop_timer_cancel(r->loop, r->due_timer);
	if (r->ch) {
		/* Calls back pending queries with ARES_EDESTRUCTION, and takes
		 * its sockets out of the loop as it closes them. */
		ares_destroy(r->ch);
		ares_library_cleanup();
	}
	for (struct hreq *q = r->all, *next; q; q = next) {
		next = q->next_all;
		free(q);
	}
	lg_map_release(&r->cache);
	lg_map_release(&r->hosts);
	lg_map_release(&r->addrs);
	free(r->queue.v);
	free(r->hqueue.v);
	free(r);
}

static void enqueue(struct dns_resolver *r, struct entry *e)
{
	ring_push(&r->queue, e);
}

static const char *intern_host(struct dns_resolver *r, const char *h)
{
	size_t n = strlen(h);
	void *v = lg_map_put(&r->hosts, h, n, lg_hash(h, n), NULL);
	return lg_map_key(&r->hosts, v, &n);
}

static void on_due(struct loop *l, void *arg);

/* q's callback is due: it runs in a later step (on_due), never inside
 * the call that asked for it. */
static void due_push(struct dns_resolver *r, struct hreq *q)
{
	q->next = NULL;
	*r->due_tail = q;
	r->due_tail = &q->next;
	r->ndue++;
	if (!r->due_timer && !r->destroying)
		r->due_timer = loop_timer_add(r->loop, 0, on_due, r);
}

/* A host's lookup is over: its addresses are kept for ttl seconds, and the
 * requests that waited for it and for nothing else are due. */
static void host_done(struct dns_resolver *r, struct host *h, uint32_t ttl)
{
	struct hlink *l = h->waiters, *next;

	h->state = HOST_DONE;
	h->expires = r->now + ttl;
	h->waiters = NULL;
	for (; l; l = next) {
		next = l->next;
		if (--l->req->pending == 0)
			due_push(r, l->req);
	}
}

/* The host name[0..len), its lookup queued if it is new or its addresses
 * have expired. */
static struct host *host_want(struct dns_resolver *r, const char *name, size_t len)
{
	bool created;
	struct host *h = lg_map_put(&r->addrs, name, len, lg_hash(name, len), &created);

	if (created)
		h->r = r;
	if (h->state == HOST_NEW || (h->state == HOST_DONE && h->expires <= r->now)) {
		h->state = HOST_QUEUED;
		ring_push(&r->hqueue, h);
		schedule(r);
	}
	return h;
}

/*
 * Addresses of host `name` that came in an MX reply's additional section:
 * kept as if the host had been looked up, unless it is known already or
 * being looked up.  A section that holds some of a host's addresses is
 * taken to hold all it has (a server adds all it knows, RFC 1035 3.3.9).
 */
static void host_seed(struct dns_resolver *r, const char *name, const struct dns_step_addrs *x)
{
	size_t len = strlen(name);
	bool created;
	struct host *h = lg_map_put(&r->addrs, name, len, lg_hash(name, len), &created);

	if (created)
		h->r = r;
	if (h->state != HOST_NEW && !(h->state == HOST_DONE && h->expires <= r->now))
		return;
	h->n4 = h->n6 = 0;
	for (unsigned i = 0; i < x->n; i++) {
		if (x->addr[i].family == AF_INET)
			h->a4[h->n4++] = x->addr[i];
		else
			h->a6[h->n6++] = x->addr[i];
	}
	host_done(r, h, x->ttl);
}

/* The domain of q is answered: on to its hosts' addresses. */
static void req_start(struct dns_resolver *r, struct hreq *q)
{
	const struct entry *e = q->e;

	q->nhost = 0;
	q->pending = 0;
	if (e->res.outcome == DNS_MX || e->res.outcome == DNS_IMPLICIT) {
		if (e->res.mx[0])
			q->name[q->nhost++] = e->res.mx;
		for (const char *p = e->res.outcome == DNS_MX ? e->more : NULL;
		     p && *p && q->nhost < DNS_HOSTS_MAX; p += strlen(p) + 1)
			q->name[q->nhost++] = p;
	}
	r->now = clock_s(r);
	for (unsigned i = 0; i < q->nhost; i++) {
		struct host *h = host_want(r, q->name[i], strlen(q->name[i]));
		q->host[i] = h;
		if (h->state != HOST_DONE) {
			q->link[i].req = q;
			q->link[i].next = h->waiters;
			h->waiters = &q->link[i];
			q->pending++;
		}
	}
	if (!q->pending)
		due_push(r, q);
}

/* A lookup is over: record its outcome.  Not for lookups still in flight
 * elsewhere (the caller keeps `inflight`). */
static void complete(struct dns_resolver *r, struct entry *e, const struct dns_step *s)
{
	struct dns_result *res = &e->res;
	size_t dlen;
	const char *domain = lg_map_key(&r->cache, e, &dlen);
	uint32_t ttl = s->ttl;

	if (res->expires && res->expires < ttl) /* a NODATA earlier in the chain */
		ttl = res->expires;
	res->expires = r->now + ttl;
	res->mx = "";
	res->provider = DNS_PROV_NONE;
	res->answered_at = 0;
	if (s->outcome == DNS_MX) {
		res->mx = intern_host(r, s->mx);
		res->provider = (uint8_t)dns_provider_of(res->mx, strlen(res->mx), domain, dlen,
							 res->org_len);
	} else if (s->outcome == DNS_IMPLICIT) {
		res->mx = domain;
		res->provider = DNS_PROV_OWN;
	}
	int64_t wall = r->wall ? r->wall : (int64_t)time(NULL);
	if (s->outcome != DNS_SERVFAIL && s->outcome != DNS_TIMEOUT)
		res->answered_at = (uint32_t)wall;
	res->expires_at = (uint32_t)(wall + ttl);
	res->outcome = (uint8_t)s->outcome;
	r->st.outcome[s->outcome]++;
	r->completed++;

	e->more = NULL;
	if (s->outcome == DNS_MX) {
		char list[(DNS_HOSTS_MAX - 1) * (DNS_NAME_MAX + 1)];
		size_t n = 0;
		for (unsigned i = 1; i < s->nmx; i++) {
			size_t k = strlen(s->mxs[i]) + 1;
			memcpy(list + n, s->mxs[i], k);
			n += k;
		}
		/* the key's own NUL, after the last name's, ends the list */
		if (n) {
			void *v = lg_map_put(&r->hosts, list, n, lg_hash(list, n), NULL);
			e->more = lg_map_key(&r->hosts, v, &n);
		}
		for (unsigned i = 0; i < s->nmx; i++)
			if (s->extra[i].n)
				host_seed(r, s->mxs[i], &s->extra[i]);
	}
	struct hreq *q = e->waiting, *next;
	e->waiting = NULL;
	for (; q; q = next) {
		next = q->next;
		req_start(r, q);
	}
}

/* What came back to a query, lookup or probe, as c-ares reports it:
 * DNS_FAIL_NONE when abuf holds the reply, DNS_FAIL_TIMEOUT when nothing
 * came back at all. */
static enum dns_fail fail_of(int status, const unsigned char *abuf, int alen)
{
	if (abuf && alen >= 12)
		return DNS_FAIL_NONE;
	switch (status) {
	case ARES_ENOTFOUND: return DNS_FAIL_NXDOMAIN;
	case ARES_ENODATA: return DNS_FAIL_NODATA;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return DNS_FAIL_TIMEOUT;
	default: return DNS_FAIL_SERVFAIL;
	}
}

/*
 * Is the resolver down?  A query that ends without a reply after all its
 * tries says little on its own: the servers of a dead domain drop queries
 * while the resolver answers everything else.  Nor does a count of such
 * queries in a row: a list from a bad vendor holds hundreds of dead
 * domains, a burst of them (a whole --dns-concurrency in flight at once,
 * or one at a time with --dns-concurrency 1) times out with nothing else
 * to answer, and when a count of them took the resolver for down, every
 * lookup still queued, answerable ones too, ended at once as a timeout.
 * Nor does a span of silence alone: it cannot tell a dead resolver from
 * one whose queries in flight are all for dead domains.
 *
 * So silence is put to the test with a probe, a query the resolver is
 * known to answer: the root's NS records, which every recursive resolver
 * holds, or, once it has answered a lookup, the last such query again
 * (from its cache).  A probe goes out with the first query of the
 * resolver's life, and again whenever a query ends without a reply and
 * nothing at all came back since it went out.  Any reply, to the probe or
 * to anything else, whatever its code, shows the resolver alive.  The
 * resolver is down only when a probe gets no reply on any try (a whole
 * --dns-timeout window, doubled each round) and nothing else was answered
 * meanwhile either.  A resolver dead from the start is found as the first
 * lookups time out (the first probe went out with them), one that dies
 * during a run within two windows of its last reply, and one that refuses
 * the connection at once.  Probes are not counted in the stats' queries
 * and answers, which are the lookups'.
 */
static void on_probe(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_resolver *r = arg;

	(void)timeouts;
	if (r->destroying)
		return;
	r->probing = false;
	if (fail_of(status, abuf, alen) != DNS_FAIL_TIMEOUT)
		r->replies++;
	else if (r->replies == r->probe_mark)
		r->down = true;
}

static void probe(struct dns_resolver *r)
{
	size_t n;
	const char *name = r->known ? lg_map_key(&r->cache, r->known, &n) : ".";
	int type = r->known ? qtypes[r->known_q] : 2 /* NS */;

	if (r->down || r->probing || r->destroying)
		return;
	r->probing = true;
	r->probe_mark = r->replies;
	r->st.probes++;
	ares_query(r->ch, name, 1 /* IN */, type, on_probe, r);
}

/*
 * A lookup's reply to its query q (sent when the resolver had given mark
 * replies), as c-ares reports it: counted, and read into *s.  A timeout
 * with no reply at all since the query went out probes the resolver.
 * The failure, as fail_of says.
 */
static enum dns_fail heard(struct dns_resolver *r, enum dns_query q, uint32_t mark, int status,
			   unsigned char *abuf, int alen, struct dns_step *s)
{
	enum dns_fail fail = fail_of(status, abuf, alen);
	if (fail != DNS_FAIL_TIMEOUT) {
		r->st.answered++;
		r->replies++;
	}
	dns_step_eval(q, fail, abuf, alen > 0 ? (size_t)alen : 0, s);
	if (fail == DNS_FAIL_TIMEOUT && mark == r->replies) /* silence since it went out */
		probe(r);
	return fail;
}

static void send_query(struct dns_resolver *r, struct entry *e, enum dns_query q);

static void on_reply(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct entry *e = arg;
	struct dns_resolver *r = e->r;
	struct dns_step s;

	(void)timeouts;
	if (r->destroying)
		return;
	enum dns_fail fail = heard(r, (enum dns_query)e->res.query, e->res.mark, status, abuf, alen,
				   &s);
	if (fail != DNS_FAIL_TIMEOUT && s.outcome != DNS_SERVFAIL) {
		r->known = e; /* answered, and not by a failure: a name to probe with */
		r->known_q = e->res.query;
	}
	if (s.outcome == DNS_SERVFAIL && ++e->res.attempt < r->tries && !r->down) {
		send_query(r, e, (enum dns_query)e->res.query);
		return;
	}
	e->res.attempt = 0;
	if (s.outcome == DNS_PENDING && !r->down) {
		if (!e->res.expires || s.ttl < e->res.expires)
			e->res.expires = s.ttl; /* the least TTL of the chain so far */
		send_query(r, e, s.next);
		return;
	}
	if (s.outcome == DNS_PENDING) { /* the resolver went down meanwhile */
		s.outcome = DNS_TIMEOUT;
		s.ttl = DNS_TTL_FAILURE;
	}
	r->inflight--;
	complete(r, e, &s);
}

static void send_query(struct dns_resolver *r, struct entry *e, enum dns_query q)
{
	size_t n;
	const char *name = lg_map_key(&r->cache, e, &n);
	e->res.query = (uint8_t)q;
	e->res.mark = r->replies;
	if (!r->st.probes) /* the first query: the first probe goes with it */
		probe(r);
	r->st.queries++;
	ares_query(r->ch, name, 1 /* IN */, qtypes[q], on_reply, e);
}

static void host_send(struct dns_resolver *r, struct host *h, enum dns_query q);

/* What came back to a host's A or AAAA query (see on_reply). */
static void host_reply(struct host *h, enum dns_query q, int status, unsigned char *abuf, int alen)
{
	struct dns_resolver *r = h->r;
	unsigned i = q == DNS_Q_A ? 0 : 1;
	struct dns_step s;

	if (r->destroying)
		return;
	heard(r, q, h->mark, status, abuf, alen, &s);
	if (s.outcome == DNS_SERVFAIL && ++h->attempt[i] < r->tries && !r->down) {
		host_send(r, h, q);
		return;
	}
	h->attempt[i] = 0;
	/* DNS_IMPLICIT: addresses; DNS_PENDING (A) or DNS_NO_MAIL_HOST (AAAA):
	 * none of that type; else a failure, none either, kept 300 s. */
	uint8_t n = s.outcome == DNS_IMPLICIT ? s.addrs.n : 0;
	memcpy(i ? h->a6 : h->a4, s.addrs.addr, n * sizeof(s.addrs.addr[0]));
	*(i ? &h->n6 : &h->n4) = n;
	if (s.ttl < h->ttl)
		h->ttl = s.ttl;
	if (--h->pending == 0) {
		r->inflight--;
		host_done(r, h, h->ttl);
	}
}

static void on_host_a(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	host_reply(arg, DNS_Q_A, status, abuf, alen);
}

static void on_host_aaaa(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	host_reply(arg, DNS_Q_AAAA, status, abuf, alen);
}

static void host_send(struct dns_resolver *r, struct host *h, enum dns_query q)
{
	size_t n;
	const char *name = lg_map_key(&r->addrs, h, &n);
	h->mark = r->replies;
	if (!r->st.probes)
		probe(r);
	r->st.queries++;
	ares_query(r->ch, name, 1 /* IN */, qtypes[q], q == DNS_Q_A ? on_host_a : on_host_aaaa, h);
}

/* Send what the concurrency allows, host lookups first (they finish what
 * callers wait for); once the resolver is down, end every queued lookup
 * as a timeout instead. */
static void pump(struct dns_resolver *r)
{
	while (r->hqueue.len && (r->down || r->inflight < r->concurrency)) {
		struct host *h = ring_pop(&r->hqueue);
		if (r->down) {
			h->n4 = h->n6 = 0;
			host_done(r, h, DNS_TTL_FAILURE);
			continue;
		}
		r->inflight++;
		h->state = HOST_SENT;
		h->pending = 2;
		h->ttl = UINT32_MAX;
		host_send(r, h, DNS_Q_A);
		host_send(r, h, DNS_Q_AAAA);
	}
	while (r->queue.len && (r->down || r->inflight < r->concurrency)) {
		struct entry *e = ring_pop(&r->queue);
		if (r->down) {
			struct dns_step s = {.outcome = DNS_TIMEOUT, .ttl = DNS_TTL_FAILURE};
			e->res.expires = 0;
			complete(r, e, &s);
			continue;
		}
		r->inflight++;
		e->res.expires = 0;
		send_query(r, e, DNS_Q_MX);
	}
}

const struct dns_result *dns_resolver_lookup(struct dns_resolver *r, const char *domain, size_t len,
					     size_t org_len)
{
	bool created;
	struct entry *e = lg_map_put(&r->cache, domain, len, lg_hash(domain, len), &created);
	if (created) {
		e->r = r;
		e->res.mx = "";
		e->res.org_len = org_len <= UINT8_MAX ? (uint8_t)org_len : 0;
		r->st.domains++;
		enqueue(r, e);
		schedule(r);
	} else if (e->res.outcome != DNS_PENDING && e->res.expires <= r->now) {
		/* The answer outlived its TTL (a long run): ask again. */
		r->now = clock_s(r);
		if (e->res.expires <= r->now) {
			e->res.outcome = DNS_PENDING;
			r->st.refreshed++;
			enqueue(r, e);
			schedule(r);
		}
	}
	return &e->res;
}

const struct dns_result *dns_resolver_prime(struct dns_resolver *r, const char *domain, size_t len,
					    size_t org_len, const struct dns_result *known)
{
	int64_t wall = r->wall ? r->wall : (int64_t)time(NULL);
	bool created;

	assert(known->outcome != DNS_PENDING);
	if (known->expires_at <= wall || lg_map_get(&r->cache, domain, len, lg_hash(domain, len)))
		return NULL;
	struct entry *e = lg_map_put(&r->cache, domain, len, lg_hash(domain, len), &created);
	e->r = r;
	e->res.org_len = org_len <= UINT8_MAX ? (uint8_t)org_len : 0;
	e->res.outcome = known->outcome;
	e->res.provider = known->provider;
	e->res.answered_at = known->answered_at;
	e->res.expires_at = known->expires_at;
	r->now = clock_s(r);
	e->res.expires = r->now + (uint32_t)(known->expires_at - wall);
	if (known->outcome == DNS_IMPLICIT)
		e->res.mx = lg_map_key(&r->cache, e, &len);
	else
		e->res.mx = known->mx && *known->mx ? intern_host(r, known->mx) : "";
	r->st.primed++;
	return &e->res;
}

const struct dns_result *dns_resolver_peek(const struct dns_resolver *r, const char *domain,
					   size_t len)
{
	const struct entry *e = lg_map_get(&r->cache, domain, len, lg_hash(domain, len));
	return e ? &e->res : NULL;
}

const char *dns_resolver_domain(const struct dns_resolver *r, const struct dns_result *res,
				size_t *len)
{
	const struct entry *e = (const struct entry *)((const char *)res -
						       offsetof(struct entry, res));
	return lg_map_key(&r->cache, e, len);
}

size_t dns_resolver_busy(const struct dns_resolver *r)
{
	/* A probe in flight too: a run that ends as its last lookups time out
	 * waits for the probe to say whether the resolver is down. */
	return r->queue.len + r->hqueue.len + r->inflight + (r->probing ? 1 : 0) + r->ndue;
}

bool dns_resolver_down(const struct dns_resolver *r)
{
	return r->down;
}

void dns_resolver_stats(const struct dns_resolver *r, struct dns_stats *st)
{
	*st = r->st;
	st->bytes = lg_map_bytes(&r->cache) + lg_map_bytes(&r->hosts) + lg_map_bytes(&r->addrs);
}

/* The callbacks that are due, in the order they became due; those that
 * become due meanwhile (a callback asking again) wait for the next step. */
static void on_due(struct loop *l, void *arg)
{
	struct dns_resolver *r = arg;
	struct hreq *q = r->due, *next;

	(void)l;
	r->due_timer = 0;
	r->due = NULL;
	r->due_tail = &r->due;
	for (; q; q = next) {
		struct dns_host hosts[DNS_HOSTS_MAX];
		size_t n = 0, dlen;
		next = q->next;
		for (unsigned i = 0; i < q->nhost; i++) {
			const struct host *h = q->host[i];
			struct dns_host *o = &hosts[n];
			o->name = q->name[i];
			o->naddr = 0;
			for (unsigned j = 0; j < h->n4 && o->naddr < DNS_HOST_ADDRS_MAX; j++)
				o->addr[o->naddr++] = h->a4[j];
			for (unsigned j = 0; j < h->n6 && o->naddr < DNS_HOST_ADDRS_MAX; j++)
				o->addr[o->naddr++] = h->a6[j];
			if (o->naddr) /* a host without an address is left out */
				n++;
		}
		const char *domain = lg_map_key(&r->cache, q->e, &dlen);
		if (q->prev_all)
			q->prev_all->next_all = q->next_all;
		else
			r->all = q->next_all;
		if (q->next_all)
			q->next_all->prev_all = q->prev_all;
		r->ndue--;
		q->fn(q->arg, domain, dlen, hosts, n);
		free(q);
	}
}

void dns_resolver_hosts(struct dns_resolver *r, const char *domain, size_t len, size_t org_len,
			dns_hosts_fn *fn, void *arg)
{
	const struct dns_result *res = dns_resolver_lookup(r, domain, len, org_len);
	struct entry *e = (struct entry *)((char *)res - offsetof(struct entry, res));
	struct hreq *q = lg_xcalloc(1, sizeof(*q));

	q->e = e;
	q->fn = fn;
	q->arg = arg;
	q->next_all = r->all;
	if (r->all)
		r->all->prev_all = q;
	r->all = q;
	if (res->outcome == DNS_PENDING) {
		/* in the order of the calls: a domain has few callers */
		struct hreq **tail = &e->waiting;
		while (*tail)
			tail = &(*tail)->next;
		*tail = q;
	} else {
		req_start(r, q);
	}
}
