/*
 * prober.c - the mailbox prober: domains and their addresses, the
 * scheduler that hands sessions out under the caps, the fallback from MX
 * host to MX host, the catch-all probe, greylisting retries, and the
 * decision of each address (session.c talks SMTP on each connection).
 *
 * Domains.  A domain (a map by name) holds its hosts once DNS gave them,
 * its addresses waiting for a session, those deferred by greylisting, and
 * those accepted while its catch-all state is still open.  One session
 * at a time per domain: a session takes its addresses one RCPT TO at a
 * time from the domain's queue, so addresses added while it runs (a job
 * streams its rows) ride in it, up to rcpt_max; what is left waits for
 * the next session.  Sessions per domain are thus one, plus one per 452
 * "too many recipients", per rcpt_max addresses, and per greylisting
 * retry.
 *
 * Results.  An address's result lives in a map value: map values never
 * move (common.h), so the pointer smtp_prober_add hands out stays valid
 * until the prober is freed.
 *
 * Scheduling.  Each host address (an IP) has a queue of domains whose
 * next session goes to it.  Host addresses with queued domains sit on a
 * ready list; pump() starts sessions from it round-robin while the total
 * cap allows, skipping an address at its per_host cap (it comes back
 * when one of its sessions closes) or still inside interval_ms of its
 * last start (a timer brings it back).  pump() runs from a 0 ms timer,
 * never from inside the caller's smtp_prober_add or from a session's own
 * callback, so no session is started or freed under anyone's feet.
 *
 * Fallback.  A domain's sessions go to host 0's first address; a host
 * address that refuses, times out, drops the connection or answers 421
 * before any RCPT TO was answered sends the domain's next session to the
 * host's next address, then to the next host (RFC 5321 5.1: "try each
 * of them in order").  After an answered RCPT TO the host works: the
 * domain keeps it, and a later failure on it moves on from there.  When
 * no host is left, the domain's pending addresses end SMTP_TIMEOUT when
 * some host timed out or said 421 on the way, SMTP_NO_CONNECT when none
 * ever took the session as far as that.
 *
 * A block (5.7.x, a block list) at the banner, EHLO, MAIL or RCPT TO ends
 * every pending address of the domain SMTP_BLOCKED, and no other MX host
 * is tried: a domain's MX hosts are one provider's, the block is the
 * provider's verdict on our sending address (Postfix's reject_rbl_client,
 * say, answers at RCPT TO for every recipient), and asking its other
 * hosts only asks for the same refusal and worsens our name with it.
 *
 * The catch-all probe.  The first RCPT TO of a domain's first session is
 * a random local part (20 hex digits from getrandom()).  Accepted: the
 * domain takes anything (SMTP_CA_YES), refused as no mailbox: it does
 * not (SMTP_CA_NO); anything else leaves the state unknown.  An address
 * accepted before the state is settled (the probe was greylisted, say)
 * waits for it.  Decision of an accepted address:
 *   catch-all yes      -> SMTP_CATCH_ALL
 *   catch-all no       -> SMTP_ACCEPTED
 *   catch-all unknown  -> SMTP_UNDECIDED, with the 250 as its reply.
 * The last is deliberate: "250" from a host whose answer to a made-up
 * address we could not get says no more than a catch-all's "250"
 * (greylisting the unknown and accepting the known is what some
 * catch-all set-ups do), and calling it deliverable would report as
 * confirmed a mailbox we could not tell from a catch-all.  A known state
 * (smtp_prober_prime) skips the probe.
 *
 * Greylisting.  A deferred address waits on its domain's timer: the delay
 * the reply names (delay_s) or greylist_delay_s, but never past
 * greylist_wait_s from the address's first deferral, when one last try
 * is made; deferred then, it ends SMTP_GREYLISTED.  The retry goes to the
 * same host, whose greylist remembers us.
 */
#include "prober_int.h"
#include "common/net.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/random.h>

#define PROBE_LEN 20 /* hex digits of the random local part */

struct haddr;
struct domain;

/*
 * An address, a value of the map p->rcpts.  Its key is its domain's
 * number (4 bytes, struct domain's num) and its local part: a list holds
 * many addresses per domain, and the domain's name is kept once, in
 * p->domains.  The record is 32 bytes and its key 20 on average (a list
 * has a hundred thousand addresses or millions): what it knows of its
 * domain comes from the session or list it is in, never from itself, and
 * the first deferral of the few that greylisting defers is kept aside
 * (p->defers).
 */
struct rcpt {
	struct smtp_result res;
	struct rcpt *next; /* in one of its domain's lists */
};
#define RCPT_KEY_MAX (4 + 256) /* a domain's number and a local part (< 255 octets) */

struct rlist {
	struct rcpt *head, *tail;
	uint32_t n;
};

/* One of a domain's MX hosts: its name and its addresses (each the
 * prober's struct haddr, which holds it). */
struct dhost {
	const char *name; /* in p->arena */
	uint8_t naddr;
	struct haddr *h[SMTP_HOST_ADDRS_MAX];
};

/* The catch-all probe's state. */
enum {
	CA_TODO,     /* to be sent in the domain's next session */
	CA_SENT,     /* in a session */
	CA_DEFERRED, /* greylisted: the domain's timer brings it back */
	CA_DONE,     /* d->ca is what is known */
};

/* A domain, a value of the map p->domains: a list may have as many
 * domains as addresses, so only what every domain needs is here. */
struct domain {
	struct smtp_prober *p;
	struct domain *all_next; /* every domain, for smtp_prober_free */
	struct domain *qnext;    /* in its host address's queue */
	struct dhost *hosts;     /* nhosts of them, in p->arena; NULL before smtp_prober_hosts */
	uint32_t num;            /* its number: the first 4 bytes of its addresses' keys */
	uint8_t nhosts;
	uint8_t hi, ai;          /* the host and address of its next session */
	uint8_t ca;              /* enum smtp_catch_all */
	uint8_t ca_state;        /* CA_* */
	bool has_hosts;          /* smtp_prober_hosts was called */
	bool queued;             /* on a host address's queue */
	bool dead;               /* decided for good: new addresses get dead_outcome */
	bool chain_timeout;      /* a host failed by timeout or 421 since one last worked */
	bool retry;              /* a greylisting retry is due: it does not wait to gather */
	uint8_t dead_outcome;    /* enum smtp_outcome */
	uint32_t dead_at;        /* when it died (wall(), Unix time) */
	uint8_t sessions;        /* open (0 or 1) */
	uint32_t ca_first_defer; /* the probe's first deferral, as struct rcpt's */
	char dead_reply[16];
	char probe_local[PROBE_LEN + 1]; /* the random local part, "" before the first */
	char last_reply[16];             /* the reply of the last failed host, for TIMEOUT's 421 */
	struct rlist wait;               /* for RCPT TO in the next session */
	struct rlist deferred;           /* greylisted, waiting for `grey` */
	struct rlist accepted;           /* accepted, waiting for the catch-all state */
	loop_timer_id grey;
	int64_t grey_due; /* when `grey` runs (the loop's clock, ms) */
};

/* A host address, a value of the map p->haddrs (key: family, address). */
struct haddr {
	struct smtp_addr a;
	struct smtp_prober *p;
	struct haddr *all_next;
	struct haddr *rnext;          /* on the ready list */
	struct domain *qhead, *qtail; /* domains whose next session goes here */
	unsigned active;              /* sessions open */
	bool ready;                   /* on the ready list */
	bool started;                 /* last_start is set */
	int64_t last_start;           /* the loop's clock (ms) */
	loop_timer_id timer;          /* the end of interval_ms */
};

/* A session's record. */
struct probe {
	struct probe *next, *prev; /* p->open_list or p->closed */
	struct smtp_session *s;
	struct domain *d;
	struct haddr *h;
	uint8_t host;                  /* index of d's host */
	unsigned sent;                 /* RCPT TO of addresses sent */
	unsigned answered;             /* RCPT TO answered, the probe's included */
	char addr[RCPT_KEY_MAX + 256]; /* the RCPT TO address in hand: local part, '@', domain */
};

struct smtp_prober {
	struct loop *loop; /* borrowed */
	struct smtp_opts o;
	char *helo, *mail_from;
	struct smtp_tls_ctx *tls;
	struct smtp_socks socks;
	bool proxied;
	struct lg_map rcpts;   /* domain number, local part -> struct rcpt */
	struct lg_map domains; /* domain -> struct domain */
	struct lg_map haddrs;  /* family, address -> struct haddr */
	struct lg_map names;   /* host names, each kept once */
	struct lg_map defers;  /* struct rcpt's address -> its first deferral (stamp()) */
	struct lg_arena arena; /* domains' host lists */
	struct domain *all_domains;
	struct haddr *all_haddrs;
	struct haddr *ready_head, *ready_tail;
	struct probe *open_list; /* sessions open */
	struct probe *closed;    /* sessions ended, to free */
	unsigned open;
	int64_t t0; /* the loop's clock when the prober was made (ms) */
	uint32_t ndomains;
	size_t pending; /* undecided addresses of domains with hosts */
	size_t nqueued; /* domains on a host address's queue */
	bool gather;    /* smtp_prober_gather: sessions wait for a full load */
	loop_timer_id kick;
	smtp_domain_fn *on_domain;
	void *on_domain_arg;
	struct smtp_stats st;
};

/* ---- lists ---- */

static void rl_push(struct rlist *l, struct rcpt *r)
{
	r->next = NULL;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void rl_push_front(struct rlist *l, struct rcpt *r)
{
	r->next = l->head;
	l->head = r;
	if (!l->tail)
		l->tail = r;
	l->n++;
}

static struct rcpt *rl_pop(struct rlist *l)
{
	struct rcpt *r = l->head;
	if (r) {
		l->head = r->next;
		if (!l->head)
			l->tail = NULL;
		l->n--;
		r->next = NULL;
	}
	return r;
}

/* ---- what session.c asks ---- */

struct loop *prober_loop(const struct smtp_prober *p)
{
	return p->loop;
}

const struct smtp_opts *prober_opts(const struct smtp_prober *p)
{
	return &p->o;
}

struct smtp_tls_ctx *prober_tls(const struct smtp_prober *p)
{
	return p->tls;
}

const struct smtp_socks *prober_socks(const struct smtp_prober *p)
{
	return p->proxied ? &p->socks : NULL;
}

/* ---- deciding ---- */

static uint32_t wall(const struct smtp_prober *p)
{
	return (uint32_t)(p->o.now ? p->o.now : (int64_t)time(NULL));
}

static void brief(const struct smtp_reply *reply, char out[16])
{
	if (reply)
		smtp_reply_brief(reply, out, 16);
	else
		out[0] = '\0';
}

/* r, an address of d, is decided: outcome o (reply already in
 * r->res.reply). */
static void decide(struct smtp_prober *p, struct domain *d, struct rcpt *r, enum smtp_outcome o)
{
	assert(r->res.outcome == SMTP_PENDING && o != SMTP_PENDING);
	r->res.outcome = (uint8_t)o;
	r->res.decided_at = wall(p);
	p->st.outcome[o]++;
	if (d->has_hosts) {
		assert(p->pending > 0);
		p->pending--;
	}
}

static void schedule(struct smtp_prober *p);

/* The domain's catch-all state is settled: tell the caller, and decide
 * the addresses accepted meanwhile (see the top for why unknown is
 * SMTP_UNDECIDED). */
static void ca_settle(struct smtp_prober *p, struct domain *d, enum smtp_catch_all ca)
{
	struct rcpt *r;
	d->ca = (uint8_t)ca;
	d->ca_state = CA_DONE;
	if (ca != SMTP_CA_UNKNOWN && p->on_domain) {
		size_t len;
		const char *name = lg_map_key(&p->domains, d, &len);
		p->on_domain(p->on_domain_arg, name, len, ca, wall(p));
	}
	while ((r = rl_pop(&d->accepted)))
		decide(p, d, r,
		       ca == SMTP_CA_YES  ? SMTP_CATCH_ALL
		       : ca == SMTP_CA_NO ? SMTP_ACCEPTED
					  : SMTP_UNDECIDED);
}

/* An address answered 250/251: decided now if the catch-all state is. */
static void accepted(struct smtp_prober *p, struct domain *d, struct rcpt *r)
{
	if (d->ca_state == CA_DONE)
		decide(p, d, r,
		       d->ca == SMTP_CA_YES  ? SMTP_CATCH_ALL
		       : d->ca == SMTP_CA_NO ? SMTP_ACCEPTED
					     : SMTP_UNDECIDED);
	else
		rl_push(&d->accepted, r);
}

/* Every pending address of d ends o (reply, "" for none), and so will
 * those added later. */
static void kill_domain(struct smtp_prober *p, struct domain *d, enum smtp_outcome o,
			const char *reply)
{
	struct rcpt *r;
	d->dead = true;
	d->dead_outcome = (uint8_t)o;
	d->dead_at = wall(p);
	if (reply != d->dead_reply) /* a domain killed again keeps its reply */
		snprintf(d->dead_reply, sizeof(d->dead_reply), "%s", reply);
	if (d->grey) {
		loop_timer_cancel(p->loop, d->grey);
		d->grey = 0;
	}
	while ((r = rl_pop(&d->wait)) || (r = rl_pop(&d->deferred))) {
		snprintf(r->res.reply, sizeof(r->res.reply), "%s", reply);
		decide(p, d, r, o);
	}
	if (d->ca_state != CA_DONE)
		ca_settle(p, d, SMTP_CA_UNKNOWN);
}

/* ---- scheduling ---- */

static void on_kick(struct loop *l, void *arg);

/* Run pump (and free ended sessions) once the work in hand is done. */
static void schedule(struct smtp_prober *p)
{
	if (!p->kick)
		p->kick = loop_timer_add(p->loop, 0, on_kick, p);
}

static void ready_push(struct smtp_prober *p, struct haddr *h)
{
	if (h->ready)
		return;
	h->ready = true;
	h->rnext = NULL;
	if (p->ready_tail)
		p->ready_tail->rnext = h;
	else
		p->ready_head = h;
	p->ready_tail = h;
}

static struct haddr *ready_pop(struct smtp_prober *p)
{
	struct haddr *h = p->ready_head;
	if (h) {
		p->ready_head = h->rnext;
		if (!p->ready_head)
			p->ready_tail = NULL;
		h->ready = false;
	}
	return h;
}

/* d has work for a session and none is open or queued: queue it at the
 * host address its next session goes to. */
static void want(struct smtp_prober *p, struct domain *d)
{
	if (!d->has_hosts || d->dead || d->sessions || d->queued)
		return;
	if (!d->wait.n && !(d->ca_state == CA_TODO && d->accepted.n))
		return;
	/* Gathering, a session waits for rcpt_max addresses: more of the
	 * domain's may come, and one session for them all is the manners
	 * asked of us (and a quarter of the work of one per address). */
	if (p->gather && !d->retry && d->wait.n < p->o.rcpt_max)
		return;
	struct haddr *h = d->hosts[d->hi].h[d->ai];
	d->queued = true;
	p->nqueued++;
	d->qnext = NULL;
	if (h->qtail)
		h->qtail->qnext = d;
	else
		h->qhead = d;
	h->qtail = d;
	ready_push(p, h);
	schedule(p);
}

/* The host address d's sessions go to failed (how, reply): the next one,
 * or, when none is left, the end of d's pending addresses. */
static void advance(struct smtp_prober *p, struct domain *d, enum smtp_end how,
		    const struct smtp_reply *reply)
{
	if (how == SMTP_END_TIMEOUT || how == SMTP_END_NEXT_HOST)
		d->chain_timeout = true;
	if (reply)
		brief(reply, d->last_reply);
	if (++d->ai >= d->hosts[d->hi].naddr) {
		d->ai = 0;
		do
			d->hi++;
		while (d->hi < d->nhosts && !d->hosts[d->hi].naddr);
	}
	if (d->hi >= d->nhosts) {
		d->hi = d->ai = 0;
		kill_domain(p, d, d->chain_timeout ? SMTP_TIMEOUT : SMTP_NO_CONNECT,
			    d->chain_timeout ? d->last_reply : "");
		return;
	}
	want(p, d);
}

static void on_interval(struct loop *l, void *arg)
{
	struct haddr *h = arg;
	(void)l;
	h->timer = 0;
	ready_push(h->p, h);
	schedule(h->p);
}

/* A session for d on its next host address h: NULL when the connection
 * failed at once (handled: the domain moved on). */
static void start(struct smtp_prober *p, struct domain *d, struct haddr *h)
{
	struct probe *pr = lg_xcalloc(1, sizeof(*pr));
	const struct dhost *dh = &d->hosts[d->hi];

	pr->d = d;
	pr->h = h;
	pr->host = d->hi;
	h->active++;
	h->started = true;
	h->last_start = loop_now(p->loop);
	d->sessions++;
	p->open++;
	pr->next = p->open_list;
	if (p->open_list)
		p->open_list->prev = pr;
	p->open_list = pr;
	if (p->open > p->st.peak_sessions)
		p->st.peak_sessions = p->open;
	pr->s = smtp_session_start(p, pr, &dh->h[d->ai]->a, dh->name);
	if (!pr->s)
		prober_session_closed(p, pr, SMTP_END_NO_CONNECT, NULL, NULL, false);
}

/* Start what the caps allow. */
static void pump(struct smtp_prober *p)
{
	int64_t now = loop_now(p->loop);
	int interval = p->o.interval_ms;
	struct haddr *h;

	/* Ends: each turn starts a session (an address takes per_host at
	 * most) or takes an address off the ready list. */
	while (p->open < p->o.total && (h = ready_pop(p))) {
		if (!h->qhead || h->active >= p->o.per_host)
			continue; /* back when a session of it closes */
		if (interval > 0 && h->started && now < h->last_start + interval) {
			if (!h->timer)
				h->timer = loop_timer_add(p->loop, h->last_start + interval - now,
							  on_interval, h);
			continue;
		}
		struct domain *d = h->qhead;
		h->qhead = d->qnext;
		if (!h->qhead)
			h->qtail = NULL;
		d->queued = false;
		d->retry = false;
		p->nqueued--;
		start(p, d, h);
		if (h->qhead)
			ready_push(p, h); /* at the tail: round-robin */
	}
}

static void on_kick(struct loop *l, void *arg)
{
	struct smtp_prober *p = arg;
	struct probe *pr;
	(void)l;
	p->kick = 0;
	while ((pr = p->closed)) {
		p->closed = pr->next;
		smtp_session_free(pr->s);
		free(pr);
	}
	pump(p);
}

/* ---- greylisting ---- */

/* The loop's clock now as a first deferral's stamp: ms after p->t0, + 1
 * (0 is "not deferred yet"); 32 bits hold 49 days, a long-lived
 * prober's later stamps stay at the last (its greylisting waits then
 * end early, which costs a retry, never an answer). */
static uint32_t stamp(const struct smtp_prober *p)
{
	int64_t ms = loop_now(p->loop) - p->t0;
	return ms < 0 ? 1 : ms >= (int64_t)UINT32_MAX - 1 ? UINT32_MAX : (uint32_t)ms + 1;
}

static int64_t unstamp(const struct smtp_prober *p, uint32_t st)
{
	return p->t0 + (int64_t)st - 1;
}

static void on_grey(struct loop *l, void *arg)
{
	struct domain *d = arg;
	struct smtp_prober *p = d->p;
	struct rcpt *r;
	(void)l;
	d->grey = 0;
	/* Back to the front, in their order, for the next session. */
	struct rlist back = {0};
	while ((r = rl_pop(&d->deferred))) {
		rl_push(&back, r);
		p->st.retries++;
	}
	if (back.n) {
		back.tail->next = d->wait.head;
		if (!d->wait.head)
			d->wait.tail = back.tail;
		d->wait.head = back.head;
		d->wait.n += back.n;
	}
	if (d->ca_state == CA_DEFERRED)
		d->ca_state = CA_TODO;
	d->retry = true;
	want(p, d);
}

/*
 * The retry of something first deferred at first (ms), deferred now
 * with reply: false if the wait is spent (give up), else d's timer is
 * set for it.  Addresses deferred later in the same session push the
 * timer out to their own due time: a greylist counts from when it first
 * saw each recipient, and one retry session should find them all past
 * it.
 */
static bool defer(struct smtp_prober *p, struct domain *d, int64_t first,
		  const struct smtp_reply *reply)
{
	int64_t now = loop_now(p->loop);
	if (p->o.greylist_wait_s < 0)
		return false;
	int64_t limit = first + (int64_t)p->o.greylist_wait_s * 1000;
	if (now >= limit)
		return false;
	int64_t delay = reply && reply->delay_s ? (int64_t)reply->delay_s * 1000
						: (int64_t)p->o.greylist_delay_s * 1000;
	int64_t due = now + delay < limit ? now + delay : limit;
	if (d->grey && due > d->grey_due) {
		loop_timer_cancel(p->loop, d->grey);
		d->grey = 0;
	}
	if (!d->grey) {
		d->grey = loop_timer_add(p->loop, due - now, on_grey, d);
		d->grey_due = due;
	}
	return true;
}

static void defer_rcpt(struct smtp_prober *p, struct domain *d, struct rcpt *r,
		       const struct smtp_reply *reply)
{
	uint32_t *first = lg_map_put(&p->defers, (const char *)&r, sizeof(r),
				     lg_hash(&r, sizeof(r)), NULL);
	brief(reply, r->res.reply);
	if (!*first)
		*first = stamp(p);
	if (defer(p, d, unstamp(p, *first), reply))
		rl_push(&d->deferred, r);
	else
		decide(p, d, r, SMTP_GREYLISTED);
}

static void defer_probe(struct smtp_prober *p, struct domain *d, const struct smtp_reply *reply)
{
	if (!d->ca_first_defer)
		d->ca_first_defer = stamp(p);
	if (defer(p, d, unstamp(p, d->ca_first_defer), reply))
		d->ca_state = CA_DEFERRED;
	else
		ca_settle(p, d, SMTP_CA_UNKNOWN);
}

/* ---- the sessions' calls ---- */

void prober_session_connected(struct smtp_prober *p, struct probe *pr)
{
	(void)pr;
	p->st.sessions++;
}

/*
 * The catch-all probe's address: 20 hex digits from getrandom() (80 bits:
 * no real mailbox is hit by chance), "@domain" after them.  Drawn once per
 * domain: a retry after greylisting must ask for the same recipient, as a
 * greylist keys on it.
 */
static size_t random_address(struct domain *d, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t dlen;
	const char *name = lg_map_key(&d->p->domains, d, &dlen);

	if (!d->probe_local[0]) {
		unsigned char b[PROBE_LEN / 2];
		size_t got = 0;
		while (got < sizeof(b)) {
			ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
			if (n > 0)
				got += (size_t)n;
			else if (n < 0 && errno != EINTR)
				BUG("getrandom: %s", strerror(errno));
		}
		for (size_t i = 0; i < sizeof(b); i++) {
			d->probe_local[2 * i] = hex[b[i] >> 4];
			d->probe_local[2 * i + 1] = hex[b[i] & 15];
		}
	}
	assert(PROBE_LEN + 1 + dlen < cap);
	memcpy(out, d->probe_local, PROBE_LEN);
	out[PROBE_LEN] = '@';
	memcpy(out + PROBE_LEN + 1, name, dlen);
	out[PROBE_LEN + 1 + dlen] = '\0';
	return PROBE_LEN + 1 + dlen;
}

bool prober_next_rcpt(struct smtp_prober *p, struct probe *pr, struct rcpt **out, bool *probe,
		      const char **addr, size_t *len)
{
	struct domain *d = pr->d;
	struct rcpt *r;

	if (d->dead)
		return false;
	if (d->ca_state == CA_TODO && (d->wait.n || d->accepted.n)) {
		d->ca_state = CA_SENT;
		*out = NULL;
		*probe = true;
		*len = random_address(d, pr->addr, sizeof(pr->addr));
		*addr = pr->addr;
		p->st.rcpts++;
		return true;
	}
	if (pr->sent >= p->o.rcpt_max || !(r = rl_pop(&d->wait)))
		return false;
	pr->sent++;
	r->res.attempts++;
	*out = r;
	*probe = false;
	/* The address from its key: the local part, '@', the domain. */
	size_t klen, dlen;
	const char *key = lg_map_key(&p->rcpts, r, &klen);
	const char *name = lg_map_key(&p->domains, d, &dlen);
	assert(klen - 4 + 1 + dlen < sizeof(pr->addr));
	memcpy(pr->addr, key + 4, klen - 4);
	pr->addr[klen - 4] = '@';
	memcpy(pr->addr + klen - 4 + 1, name, dlen);
	pr->addr[klen - 4 + 1 + dlen] = '\0';
	*addr = pr->addr;
	*len = klen - 4 + 1 + dlen;
	p->st.rcpts++;
	return true;
}

bool prober_rcpt_answer(struct smtp_prober *p, struct probe *pr, struct rcpt *r,
			const struct smtp_reply *reply, enum smtp_meaning m)
{
	struct domain *d = pr->d;
	unsigned before = pr->answered++;
	char rb[16];

	d->chain_timeout = false; /* the host works */
	if (!r) {                 /* the catch-all probe */
		switch (m) {
		case SMTP_M_OK: ca_settle(p, d, SMTP_CA_YES); return true;
		case SMTP_M_NO_MAILBOX: ca_settle(p, d, SMTP_CA_NO); return true;
		case SMTP_M_GREYLIST: defer_probe(p, d, reply); return true;
		case SMTP_M_BLOCKED:
			brief(reply, rb);
			kill_domain(p, d, SMTP_BLOCKED, rb);
			return false;
		default: ca_settle(p, d, SMTP_CA_UNKNOWN); return true;
		}
	}
	r->res.host = pr->host;
	r->res.tls = smtp_session_tls(pr->s);
	switch (m) {
	case SMTP_M_OK:
		brief(reply, r->res.reply);
		accepted(p, d, r);
		return true;
	case SMTP_M_NO_MAILBOX:
	case SMTP_M_DISABLED:
	case SMTP_M_FULL:
		brief(reply, r->res.reply);
		decide(p, d, r,
		       m == SMTP_M_NO_MAILBOX ? SMTP_NO_MAILBOX
		       : m == SMTP_M_DISABLED ? SMTP_DISABLED
					      : SMTP_FULL);
		return true;
	case SMTP_M_BLOCKED:
		brief(reply, rb);
		snprintf(r->res.reply, sizeof(r->res.reply), "%s", rb);
		decide(p, d, r, SMTP_BLOCKED);
		kill_domain(p, d, SMTP_BLOCKED, rb);
		return false;
	case SMTP_M_GREYLIST: defer_rcpt(p, d, r, reply); return true;
	case SMTP_M_TOO_MANY:
		if (before > 0) { /* RFC 5321 4.5.3.1.10: the rest in a new session */
			r->res.attempts--;
			pr->sent--;
			rl_push_front(&d->wait, r);
			return false;
		}
		/* On the session's first RCPT TO it is no count of ours: fall through. */
		/* fall through */
	default:
		brief(reply, r->res.reply);
		decide(p, d, r, SMTP_UNDECIDED);
		return true;
	}
}

void prober_session_closed(struct smtp_prober *p, struct probe *pr, enum smtp_end how,
			   const struct smtp_reply *reply, struct rcpt *r, bool probe)
{
	struct domain *d = pr->d;
	struct haddr *h = pr->h;
	char rb[16];

	/* Off the open list, onto the one freed by the next kick. */
	if (pr->prev)
		pr->prev->next = pr->next;
	else
		p->open_list = pr->next;
	if (pr->next)
		pr->next->prev = pr->prev;
	pr->prev = NULL;
	pr->next = p->closed;
	p->closed = pr;
	h->active--;
	d->sessions--;
	p->open--;
	if (pr->s && smtp_session_tls(pr->s))
		p->st.tls++;
	if (how == SMTP_END_NO_CONNECT && !pr->answered)
		p->st.connects_failed++;
	if (h->qhead)
		ready_push(p, h);
	schedule(p);

	/* The address whose RCPT TO went unanswered goes back first. */
	if (r) {
		r->res.attempts--;
		rl_push_front(&d->wait, r);
	}
	if (probe && d->ca_state == CA_SENT)
		d->ca_state = CA_TODO;
	if (d->dead) {
		if (r)
			kill_domain(p, d, (enum smtp_outcome)d->dead_outcome, d->dead_reply);
		return;
	}
	brief(reply, rb);
	switch (how) {
	case SMTP_END_OK: break;
	case SMTP_END_NO_CONNECT:
	case SMTP_END_TIMEOUT:
	case SMTP_END_DROP:
	case SMTP_END_NEXT_HOST: advance(p, d, how, reply); return;
	case SMTP_END_BLOCKED: kill_domain(p, d, SMTP_BLOCKED, rb); return;
	case SMTP_END_UNDECIDED: kill_domain(p, d, SMTP_UNDECIDED, rb); return;
	case SMTP_END_GREYLIST: {
		/* Before any RCPT TO (at MAIL FROM, say): the addresses
		 * waiting for this session are what the server deferred. */
		struct rcpt *x;
		struct rlist w = d->wait;
		memset(&d->wait, 0, sizeof(d->wait));
		while ((x = rl_pop(&w)))
			defer_rcpt(p, d, x, reply);
		if (d->ca_state == CA_TODO)
			defer_probe(p, d, reply);
		break;
	}
	}
	want(p, d);
}

/* ---- the interface ---- */

enum lg_status smtp_prober_new(struct smtp_prober **out, struct loop *loop,
			       const struct smtp_opts *opts, struct lg_err *err)
{
	struct smtp_prober *p;
	enum lg_status st;

	*out = NULL;
	if (!opts->helo || !*opts->helo)
		return lg_err_set(err, LG_EUSAGE, "smtp: no helo name (a host name of yours)");
	if (!opts->mail_from || !*opts->mail_from)
		return lg_err_set(err, LG_EUSAGE, "smtp: no mail_from address");
	if (strlen(opts->helo) > 255 || strlen(opts->mail_from) > 254)
		return lg_err_set(err, LG_EUSAGE, "smtp: helo or mail_from too long");
	if (strpbrk(opts->helo, "\r\n <>") || strpbrk(opts->mail_from, "\r\n <>"))
		return lg_err_set(
			err, LG_EUSAGE,
			"smtp: helo and mail_from may hold no space, '<', '>' or line end");
	p = lg_xcalloc(1, sizeof(*p));
	p->loop = loop;
	p->t0 = loop_now(loop);
	p->o = *opts;
	p->helo = lg_xstrdup(opts->helo);
	p->mail_from = lg_xstrdup(opts->mail_from);
	p->o.helo = p->helo;
	p->o.mail_from = p->mail_from;
	p->o.proxy = NULL;
	if (!p->o.port)
		p->o.port = 25;
	if (!p->o.per_host)
		p->o.per_host = 2;
	if (!p->o.total)
		p->o.total = 64;
	if (!p->o.rcpt_max)
		p->o.rcpt_max = 25;
	if (!p->o.interval_ms)
		p->o.interval_ms = 250;
	if (p->o.connect_ms <= 0)
		p->o.connect_ms = 10000;
	if (p->o.banner_ms <= 0)
		p->o.banner_ms = 30000;
	if (p->o.reply_ms <= 0)
		p->o.reply_ms = 20000;
	if (!p->o.greylist_wait_s)
		p->o.greylist_wait_s = 300;
	if (p->o.greylist_delay_s <= 0)
		p->o.greylist_delay_s = 60;
	lg_map_init(&p->rcpts, sizeof(struct rcpt));
	lg_map_init(&p->domains, sizeof(struct domain));
	lg_map_init(&p->haddrs, sizeof(struct haddr));
	lg_map_init(&p->names, 0);
	lg_map_init(&p->defers, sizeof(uint32_t));
	if (opts->proxy) {
		if ((st = smtp_socks_parse(&p->socks, opts->proxy, err)) != LG_OK) {
			smtp_prober_free(p);
			return st;
		}
		p->proxied = true;
	}
	if (!opts->no_tls && (st = smtp_tls_ctx_new(&p->tls, err)) != LG_OK) {
		smtp_prober_free(p);
		return st;
	}
	*out = p;
	return LG_OK;
}

void smtp_prober_free(struct smtp_prober *p)
{
	struct probe *pr;
	if (!p)
		return;
	while ((pr = p->open_list)) {
		p->open_list = pr->next;
		smtp_session_free(pr->s);
		free(pr);
	}
	while ((pr = p->closed)) {
		p->closed = pr->next;
		smtp_session_free(pr->s);
		free(pr);
	}
	for (struct domain *d = p->all_domains; d; d = d->all_next)
		loop_timer_cancel(p->loop, d->grey);
	for (struct haddr *h = p->all_haddrs; h; h = h->all_next)
		loop_timer_cancel(p->loop, h->timer);
	loop_timer_cancel(p->loop, p->kick);
	smtp_tls_ctx_free(p->tls);
	lg_map_release(&p->rcpts);
	lg_map_release(&p->domains);
	lg_map_release(&p->haddrs);
	lg_map_release(&p->names);
	lg_map_release(&p->defers);
	lg_arena_release(&p->arena);
	free(p->helo);
	free(p->mail_from);
	free(p);
}

void smtp_prober_on_domain(struct smtp_prober *p, smtp_domain_fn *fn, void *arg)
{
	p->on_domain = fn;
	p->on_domain_arg = arg;
}

static struct domain *domain_get(struct smtp_prober *p, const char *name, size_t len)
{
	bool created;
	struct domain *d = lg_map_put(&p->domains, name, len, lg_hash(name, len), &created);
	if (created) {
		d->p = p;
		d->num = p->ndomains++;
		d->all_next = p->all_domains;
		p->all_domains = d;
	}
	return d;
}

/* Is what was decided at (wall()) too old to keep (result_ttl_s)?  Not
 * if it is not decided (done false). */
static bool stale(const struct smtp_prober *p, bool done, uint32_t at)
{
	return done && p->o.result_ttl_s > 0 && wall(p) >= at + (int64_t)p->o.result_ttl_s;
}

/* A dead domain (every host refused, timed out or blocked us) is asked
 * again, from its first host, the catch-all probe again if it decided
 * nothing. */
static void revive(struct domain *d)
{
	d->dead = false;
	d->hi = d->ai = 0;
	while (d->hi < d->nhosts && !d->hosts[d->hi].naddr)
		d->hi++;
	d->chain_timeout = false;
	d->last_reply[0] = '\0';
	if (d->ca_state == CA_DONE && d->ca == SMTP_CA_UNKNOWN) {
		d->ca_state = CA_TODO;
		d->ca_first_defer = 0;
	}
}

const struct smtp_result *smtp_prober_add(struct smtp_prober *p, const char *address, size_t len,
					  size_t domain_len)
{
	bool created;
	char key[RCPT_KEY_MAX];
	assert(domain_len < len);
	struct domain *d = domain_get(p, address + len - domain_len, domain_len);
	size_t local = len - domain_len - 1; /* the '@' is not kept */
	if (local > RCPT_KEY_MAX - 4) {      /* RFC 5321 4.5.3.1.1: 64 octets at most */
		static const struct smtp_result too_long = {.outcome = SMTP_NOT_PROBED};
		return &too_long;
	}
	memcpy(key, &d->num, 4);
	memcpy(key + 4, address, local);
	struct rcpt *r = lg_map_put(&p->rcpts, key, local + 4, lg_hash(key, local + 4), &created);
	if (!created) {
		if (!stale(p, r->res.outcome != SMTP_PENDING, r->res.decided_at))
			return &r->res;
		/* Asked again: the result goes back to pending in place (no
		 * one holds a result that old: see smtp_opts.result_ttl_s). */
		uint32_t *first = lg_map_get(&p->defers, (const char *)&r, sizeof(r),
					     lg_hash(&r, sizeof(r)));
		if (first)
			*first = 0;
		memset(&r->res, 0, sizeof(r->res));
		p->st.asked_again++;
	} else {
		p->st.addresses++;
	}
	if (d->dead && stale(p, !d->sessions && d->dead_outcome != SMTP_NOT_PROBED, d->dead_at))
		revive(d);
	if (d->has_hosts)
		p->pending++;
	if (d->dead) {
		snprintf(r->res.reply, sizeof(r->res.reply), "%s", d->dead_reply);
		decide(p, d, r, (enum smtp_outcome)d->dead_outcome);
		return &r->res;
	}
	rl_push(&d->wait, r);
	want(p, d);
	return &r->res;
}

static bool addr_public(const struct smtp_addr *a)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->addr, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->addr, 16);
	}
	return lg_addr_public((const struct sockaddr *)&ss, NULL);
}

/* The host address a (the map's, created if new). */
static struct haddr *haddr_get(struct smtp_prober *p, const struct smtp_addr *a)
{
	char key[17];
	size_t n = a->family == AF_INET6 ? 16 : 4;
	bool created;

	key[0] = (char)a->family;
	memcpy(key + 1, a->addr, n);
	struct haddr *h = lg_map_put(&p->haddrs, key, n + 1, lg_hash(key, n + 1), &created);
	if (created) {
		h->a = *a;
		h->p = p;
		h->all_next = p->all_haddrs;
		p->all_haddrs = h;
	}
	return h;
}

void smtp_prober_hosts(struct smtp_prober *p, const char *domain, size_t len,
		       const struct smtp_host *hosts, size_t n)
{
	struct domain *d = domain_get(p, domain, len);

	if (d->has_hosts)
		return;
	d->has_hosts = true;
	p->st.domains++;
	p->pending += d->wait.n;
	if (n > SMTP_HOSTS_MAX)
		n = SMTP_HOSTS_MAX;
	if (n) {
		d->hosts = lg_arena_alloc(&p->arena, n * sizeof(*d->hosts), _Alignof(struct dhost));
		memset(d->hosts, 0, n * sizeof(*d->hosts));
	}
	for (size_t i = 0; i < n; i++) {
		struct dhost *dh = &d->hosts[d->nhosts];
		const char *name = hosts[i].name ? hosts[i].name : "";
		size_t nlen = strlen(name);
		dh->name = lg_map_key(&p->names,
				      lg_map_put(&p->names, name, nlen, lg_hash(name, nlen), NULL),
				      NULL);
		for (size_t j = 0; j < hosts[i].naddr && j < SMTP_HOST_ADDRS_MAX; j++) {
			const struct smtp_addr *a = &hosts[i].addr[j];
			if (a->family != AF_INET && a->family != AF_INET6)
				continue;
			/* A domain's owner names its MX hosts' addresses: one
			 * at a loopback or private address would have us talk
			 * to our own network (common/net.h). */
			if (!p->o.allow_private && !addr_public(a)) {
				p->st.refused++;
				continue;
			}
			dh->h[dh->naddr++] = haddr_get(p, a);
		}
		d->nhosts++;
	}
	/* Start at the first host with an address. */
	while (d->hi < d->nhosts && !d->hosts[d->hi].naddr)
		d->hi++;
	if (d->hi >= d->nhosts) {
		d->hi = 0;
		kill_domain(p, d, SMTP_NOT_PROBED, "");
		return;
	}
	want(p, d);
}

void smtp_prober_prime(struct smtp_prober *p, const char *domain, size_t len, enum smtp_catch_all ca)
{
	struct domain *d = domain_get(p, domain, len);
	/* An unknown state is no state: the probe is still sent. */
	if (ca == SMTP_CA_UNKNOWN || d->ca_state != CA_TODO)
		return;
	d->ca = (uint8_t)ca;
	d->ca_state = CA_DONE;
}

void smtp_prober_gather(struct smtp_prober *p, bool on)
{
	p->gather = on;
	if (!on)
		for (struct domain *d = p->all_domains; d; d = d->all_next)
			want(p, d);
}

size_t smtp_prober_busy(const struct smtp_prober *p)
{
	/* Gathering, what waits for more addresses is no work in hand: the
	 * sessions open and queued are, each with rcpt_max addresses at
	 * most (a queued domain has gathered that many, or is a retry), so
	 * that a job's backlog in addresses means the same either way. */
	return p->gather ? (p->open + p->nqueued) * p->o.rcpt_max : p->pending + p->open;
}

void smtp_prober_stats(const struct smtp_prober *p, struct smtp_stats *st)
{
	*st = p->st;
}
