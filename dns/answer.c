/*
 * answer.c - one reply -> the next step of a domain's lookup.
 *
 * The reply is read through one bounds-checked cursor: every read past
 * the end sets `bad` and yields zeros, so a truncated or hostile reply
 * cannot walk off the buffer.  Names, which may be compressed (RFC 1035
 * 4.1.4), are expanded by c-ares (ares_expand_name), which also reports
 * how many octets a name takes where it stands: that is how a record's
 * data is checked to be exactly one name (and a preference) long.
 *
 * A reply is malformed, and the step a failure to decide (DNS_SERVFAIL,
 * as the resolver's own SERVFAIL), when any record we read does not have
 * the length its type gives it, or the answer's CNAME chain loops.  Read
 * leniently, such a record turns into a verdict: an MX whose exchange
 * stops short of its data reads as a null MX, a 3-octet A record as an
 * address, a CNAME loop as "no such record".
 */
#include "dns_int.h"

#include <ares.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 1035 4.1.1 response codes and 3.2.2 types; RFC 3596 2.1 AAAA. */
enum { RC_NOERROR = 0, RC_FORMERR = 1, RC_SERVFAIL = 2, RC_NXDOMAIN = 3 };
enum { T_A_ = 1, T_CNAME_ = 5, T_SOA_ = 6, T_MX_ = 15, T_AAAA_ = 28 };
#define CLASS_IN 1

struct cursor {
	const unsigned char *p;
	size_t len;
	size_t off;
	bool bad;
};

static bool need(struct cursor *c, size_t n)
{
	if (c->bad || c->len - c->off < n) {
		c->bad = true;
		return false;
	}
	return true;
}

static unsigned get16(struct cursor *c)
{
	if (!need(c, 2))
		return 0;
	unsigned v = (unsigned)c->p[c->off] << 8 | c->p[c->off + 1];
	c->off += 2;
	return v;
}

static uint32_t get32(struct cursor *c)
{
	uint32_t hi = get16(c);
	return hi << 16 | get16(c);
}

static void skip(struct cursor *c, size_t n)
{
	if (need(c, n))
		c->off += n;
}

/* n octets (at most 16) into out. */
static void get_bytes(struct cursor *c, uint8_t *out, size_t n)
{
	if (!need(c, n))
		return;
	memcpy(out, c->p + c->off, n);
	c->off += n;
}

/*
 * The name at the cursor, expanded: lower case, no trailing dot, "" for
 * the root; the cursor moves past it as it stands (up to and including a
 * compression pointer).  NULL, with the cursor bad, for a name c-ares
 * cannot read (a pointer out of the reply or in a loop, a reserved label
 * type) or one longer than DNS_NAME_MAX as text (RFC 1035 2.3.4 allows
 * 255 octets on the wire, 253 characters written out).  Owned:
 * ares_free_string.
 */
static char *get_name(struct cursor *c)
{
	char *s = NULL;
	long enclen = 0;

	if (c->bad || c->off >= c->len || c->len > INT_MAX) {
		c->bad = true;
		return NULL;
	}
	if (ares_expand_name(c->p + c->off, c->p, (int)c->len, &s, &enclen) != ARES_SUCCESS) {
		c->bad = true;
		return NULL;
	}
	size_t n = strlen(s);
	if (n > DNS_NAME_MAX || enclen <= 0 || (size_t)enclen > c->len - c->off) {
		ares_free_string(s);
		c->bad = true;
		return NULL;
	}
	lg_ascii_lower_copy(s, s, n);
	c->off += (size_t)enclen;
	return s;
}

/* One resource record of the answer or additional section (RFC 1035 4.1.3). */
struct rr {
	char *owner;  /* owned: ares_free_string */
	char *target; /* MX exchange, CNAME canonical name; else NULL; owned likewise */
	unsigned type;
	unsigned pref; /* MX preference */
	uint32_t ttl;
	uint8_t addr[16]; /* A: the first 4 octets; AAAA */
};

/* What one reply says. */
struct reply {
	unsigned rcode;
	char *qname;   /* the question's name; owned: ares_free_string */
	struct rr *an; /* the answer records of class IN; owned: reply_release */
	unsigned nan;
	struct rr *ar; /* the A and AAAA records of the additional section; owned likewise */
	unsigned nar;
	const char *cname;     /* where the CNAME chain from qname ends; borrowed from an */
	uint32_t chain_ttl;    /* least TTL of the chain's CNAME records; UINT32_MAX if none */
	uint32_t negative_ttl; /* RFC 2308 5: min(SOA TTL, SOA MINIMUM); 0 if no SOA */
	bool bad;              /* malformed: see the top of the file */
};

static void reply_release(struct reply *r)
{
	ares_free_string(r->qname);
	for (unsigned i = 0; i < r->nan; i++) {
		ares_free_string(r->an[i].owner);
		ares_free_string(r->an[i].target);
	}
	free(r->an);
	for (unsigned i = 0; i < r->nar; i++)
		ares_free_string(r->ar[i].owner);
	free(r->ar);
}

static uint32_t rfc2181_ttl(uint32_t ttl)
{
	return ttl > INT32_MAX ? 0 : ttl; /* RFC 2181 8: the top bit set counts as zero */
}

/*
 * The data of a record of the answer section, checked against its type:
 * the cursor d spans exactly the record's data, and must be used up.
 */
static void read_rdata(struct cursor *d, struct rr *rr)
{
	switch (rr->type) {
	case T_A_: /* RFC 1035 3.4.1: a 32-bit address */ get_bytes(d, rr->addr, 4); break;
	case T_AAAA_: /* RFC 3596 2.2: a 128-bit address */ get_bytes(d, rr->addr, 16); break;
	case T_MX_: /* RFC 1035 3.3.9: a 16-bit preference, then the exchange */
		rr->pref = get16(d);
		rr->target = get_name(d);
		break;
	case T_CNAME_: /* RFC 1035 3.3.1: the canonical name */ rr->target = get_name(d); break;
	default: /* not read */ d->off = d->len; break;
	}
	if (d->off != d->len) /* data left over: the name stopped short */
		d->bad = true;
}

/*
 * Follow the CNAME chain from the question's name (RFC 1034 3.6.2, 4.3.2;
 * RFC 2181 10.1): the resolver hands the whole chain over, with the
 * records of the type asked at its end.  A chain longer than
 * DNS_CNAME_MAX is taken for a loop (a loop, which comes back to a name it
 * passed, never ends, so the bound finds every one), and an alias with two
 * different canonical names is contradictory: both make the reply
 * malformed.
 */
static void follow_chain(struct reply *r)
{
	r->cname = r->qname;
	r->chain_ttl = UINT32_MAX;
	for (unsigned links = 0;; links++) {
		const struct rr *next = NULL;
		for (unsigned i = 0; i < r->nan; i++) {
			const struct rr *a = &r->an[i];
			if (a->type != T_CNAME_ || strcmp(a->owner, r->cname))
				continue;
			if (next && strcmp(next->target, a->target)) {
				r->bad = true;
				return;
			}
			next = a;
			if (a->ttl < r->chain_ttl)
				r->chain_ttl = a->ttl;
		}
		if (!next)
			return;
		if (links == DNS_CNAME_MAX) {
			r->bad = true;
			return;
		}
		r->cname = next->target;
	}
}

/*
 * The A and AAAA records of the additional section, which a server may
 * send along with MX records (RFC 1035 3.3.9) to save a round trip.  They
 * are a hint, the data trusted least (RFC 2181 5.4.1), and the answer
 * stands without them: a malformed record there drops the section's
 * addresses, never the answer.  Other records (EDNS's OPT, RFC 6891 6.1.2)
 * are passed over.
 */
static void read_additional(struct cursor *c, unsigned ar, struct reply *r)
{
	/* 11 octets a record at least, as for the answer section */
	if (!ar || ar > (c->len - c->off) / 11)
		return;
	r->ar = lg_xcalloc(ar, sizeof(*r->ar));
	for (unsigned i = 0; i < ar && !c->bad; i++) {
		char *owner = get_name(c);
		unsigned type = get16(c), cls = get16(c);
		uint32_t ttl = rfc2181_ttl(get32(c));
		unsigned rdlen = get16(c);
		if (!need(c, rdlen) || cls != CLASS_IN || (type != T_A_ && type != T_AAAA_)) {
			skip(c, rdlen);
			ares_free_string(owner);
			continue;
		}
		struct cursor d = {c->p, c->off + rdlen, c->off, false};
		c->off += rdlen;
		struct rr *a = &r->ar[r->nar++];
		a->owner = owner;
		a->type = type;
		a->ttl = ttl;
		read_rdata(&d, a);
		if (d.bad)
			c->bad = true;
	}
	if (c->bad) {
		for (unsigned i = 0; i < r->nar; i++)
			ares_free_string(r->ar[i].owner);
		r->nar = 0;
	}
}

static void read_reply(const unsigned char *abuf, size_t alen, struct reply *r)
{
	struct cursor c = {abuf, alen, 0, false};

	memset(r, 0, sizeof(*r));
	skip(&c, 2); /* id */
	unsigned flags = get16(&c);
	unsigned qd = get16(&c), an = get16(&c), ns = get16(&c), ar = get16(&c);
	r->rcode = flags & 0xf;
	/* A response (QR), to our one question: c-ares matched its name,
	 * type and class to the query's. */
	if (c.bad || !(flags & 0x8000) || qd != 1) {
		r->bad = true;
		return;
	}
	r->qname = get_name(&c);
	skip(&c, 4);
	/* A record takes 11 octets at least (a root owner and the fixed
	 * fields): more than fit is a lie, found before allocating for it. */
	if (c.bad || an > (alen - c.off) / 11) {
		r->bad = true;
		return;
	}
	if (an)
		r->an = lg_xcalloc(an, sizeof(*r->an));
	for (unsigned i = 0; i < an + ns && !c.bad; i++) {
		char *owner = get_name(&c);
		unsigned type = get16(&c), cls = get16(&c);
		uint32_t ttl = rfc2181_ttl(get32(&c));
		unsigned rdlen = get16(&c);
		if (!need(&c, rdlen)) {
			ares_free_string(owner);
			break;
		}
		/* The record's data, on its own: a name in it may point back
		 * into the reply, but must end where the data ends. */
		struct cursor d = {abuf, c.off + rdlen, c.off, false};
		c.off += rdlen;
		if (i < an && cls == CLASS_IN) {
			struct rr *a = &r->an[r->nan++];
			a->owner = owner;
			a->type = type;
			a->ttl = ttl;
			read_rdata(&d, a);
		} else {
			if (i >= an && type == T_SOA_ && cls == CLASS_IN) {
				/* RFC 1035 3.3.13: MNAME, RNAME, SERIAL, REFRESH,
				 * RETRY, EXPIRE, MINIMUM. */
				ares_free_string(get_name(&d));
				ares_free_string(get_name(&d));
				skip(&d, 16);
				uint32_t min = get32(&d);
				if (d.off != d.len)
					d.bad = true;
				r->negative_ttl = ttl < min ? ttl : min;
			}
			ares_free_string(owner);
		}
		if (d.bad)
			c.bad = true;
	}
	r->bad = c.bad;
	if (!r->bad) {
		follow_chain(r);
		read_additional(&c, ar, r);
	}
}

static uint32_t clamp_ttl(uint32_t ttl)
{
	return ttl < DNS_TTL_MIN ? DNS_TTL_MIN : ttl > DNS_TTL_MAX ? DNS_TTL_MAX : ttl;
}

static void finish(struct dns_step *out, enum dns_outcome o, uint32_t ttl)
{
	out->outcome = o;
	out->ttl = clamp_ttl(ttl);
}

/*
 * The records of type `type` at the end of the CNAME chain: how many, the
 * least TTL among them and the chain's, and for MX (RFC 5321 5.1) the
 * preferred exchange: the lowest preference, ties to the name that sorts
 * first, so that runs agree.  Exchanges that are the root are passed
 * over: when there is no other, *best stays NULL, a null MX (RFC 7505 3).
 */
static unsigned pick(const struct reply *r, unsigned type, uint32_t *ttl, const struct rr **best)
{
	unsigned n = 0;

	*ttl = r->chain_ttl;
	*best = NULL;
	for (unsigned i = 0; i < r->nan; i++) {
		const struct rr *a = &r->an[i];
		if (a->type != type || strcmp(a->owner, r->cname))
			continue;
		n++;
		if (a->ttl < *ttl)
			*ttl = a->ttl;
		if (type == T_MX_ && a->target[0] &&
		    (!*best || a->pref < (*best)->pref ||
		     (a->pref == (*best)->pref && strcmp(a->target, (*best)->target) < 0)))
			*best = a;
	}
	return n;
}

/*
 * The addresses of type `type` (A or AAAA) among recs[0..n) whose owner is
 * name, in the order given, appended to a up to DNS_HOST_ADDRS_MAX; a->ttl
 * keeps the least TTL (start it at UINT32_MAX).
 */
static void addrs_add(const struct rr *recs, unsigned n, const char *name, unsigned type,
		      struct dns_step_addrs *a)
{
	for (unsigned i = 0; i < n && a->n < DNS_HOST_ADDRS_MAX; i++) {
		const struct rr *rec = &recs[i];
		if (rec->type != type || strcmp(rec->owner, name))
			continue;
		struct dns_host_addr *h = &a->addr[a->n++];
		h->family = type == T_A_ ? AF_INET : AF_INET6;
		memcpy(h->addr, rec->addr, type == T_A_ ? 4 : 16);
		if (rec->ttl < a->ttl)
			a->ttl = rec->ttl;
	}
}

static int mx_cmp(const void *a, const void *b)
{
	const struct rr *x = *(const struct rr *const *)a, *y = *(const struct rr *const *)b;
	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return strcmp(x->target, y->target);
}

/*
 * The MX hosts at the end of the chain (root exchanges passed over), in
 * the order RFC 5321 5.1 tries them, lowest preference first, ties to the
 * name that sorts first (as pick), each name once (at its lowest
 * preference), at most DNS_HOSTS_MAX; and for each, the A then AAAA
 * records the additional section holds for it.
 */
static void mx_list(const struct reply *r, struct dns_step *out)
{
	const struct rr **v = lg_xmalloc(r->nan * sizeof(*v));
	size_t n = 0;

	for (unsigned i = 0; i < r->nan; i++) {
		const struct rr *a = &r->an[i];
		if (a->type == T_MX_ && a->target[0] && !strcmp(a->owner, r->cname))
			v[n++] = a;
	}
	qsort(v, n, sizeof(*v), mx_cmp);
	for (size_t i = 0; i < n && out->nmx < DNS_HOSTS_MAX; i++) {
		bool seen = false;
		for (unsigned j = 0; j < out->nmx && !seen; j++)
			seen = !strcmp(out->mxs[j], v[i]->target);
		if (seen)
			continue;
		struct dns_step_addrs *x = &out->extra[out->nmx];
		memcpy(out->mxs[out->nmx++], v[i]->target, strlen(v[i]->target) + 1);
		x->ttl = UINT32_MAX;
		addrs_add(r->ar, r->nar, v[i]->target, T_A_, x);
		addrs_add(r->ar, r->nar, v[i]->target, T_AAAA_, x);
		x->ttl = x->n ? clamp_ttl(x->ttl) : 0;
	}
	free(v);
}

void dns_step_eval(enum dns_query q, enum dns_fail fail, const unsigned char *abuf, size_t alen,
		   struct dns_step *out)
{
	static const unsigned types[] = {
		[DNS_Q_MX] = T_MX_, [DNS_Q_A] = T_A_, [DNS_Q_AAAA] = T_AAAA_};
	struct reply r = {0};
	const struct rr *best = NULL;
	uint32_t ttl = 0;

	memset(out, 0, sizeof(*out));
	if (fail == DNS_FAIL_NONE) {
		read_reply(abuf, alen, &r);
		if (r.bad)
			fail = DNS_FAIL_SERVFAIL;
		else if (r.rcode == RC_NXDOMAIN)
			fail = DNS_FAIL_NXDOMAIN;
		else if (r.rcode != RC_NOERROR)
			fail = DNS_FAIL_SERVFAIL;
		else if (!pick(&r, types[q], &ttl, &best))
			fail = DNS_FAIL_NODATA;
	}
	uint32_t negative = r.negative_ttl ? r.negative_ttl : DNS_TTL_NEGATIVE;
	switch (fail) {
	case DNS_FAIL_NONE:
		if (q != DNS_Q_MX) {
			/* No MX, but an address: RFC 5321 5.1, the domain
			 * is its own mail host (the implicit MX). */
			finish(out, DNS_IMPLICIT, ttl);
			out->addrs.ttl = UINT32_MAX;
			addrs_add(r.an, r.nan, r.cname, types[q], &out->addrs);
			out->addrs.ttl = out->ttl;
		} else if (best) {
			size_t n = strlen(best->target); /* at most DNS_NAME_MAX: get_name */
			memcpy(out->mx, best->target, n + 1);
			mx_list(&r, out);
			finish(out, DNS_MX, ttl);
		} else {
			/* Only root exchanges: RFC 7505 3 ("MX 0 ."), the
			 * domain declares it accepts no mail. */
			finish(out, DNS_NULL_MX, ttl);
		}
		break;
	case DNS_FAIL_NXDOMAIN: finish(out, DNS_NXDOMAIN, negative); break;
	case DNS_FAIL_NODATA: /* MX -> A -> AAAA (RFC 5321 5.1) -> no mail host */
		if (q == DNS_Q_AAAA) {
			finish(out, DNS_NO_MAIL_HOST, negative);
			break;
		}
		out->outcome = DNS_PENDING;
		out->ttl = clamp_ttl(negative); /* the lookup keeps the least */
		out->next = q == DNS_Q_MX ? DNS_Q_A : DNS_Q_AAAA;
		break;
	case DNS_FAIL_SERVFAIL: finish(out, DNS_SERVFAIL, DNS_TTL_FAILURE); break;
	case DNS_FAIL_TIMEOUT: finish(out, DNS_TIMEOUT, DNS_TTL_FAILURE); break;
	}
	reply_release(&r);
}
