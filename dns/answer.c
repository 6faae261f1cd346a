/*
 * answer.c - one reply -> the next step of a domain's lookup.
 *
 * c-ares parses the MX records (ares_parse_mx_reply).  What it does not
 * hand over, the response code, the record counts and the TTLs, is read
 * here through one bounds-checked cursor: every read past the end sets
 * `bad` and yields zeros, so a truncated or hostile reply cannot walk off
 * the buffer.
 */
#include "dns_int.h"

#include <ares.h>
#include <string.h>

/* RFC 1035 4.1.1 response codes and 3.2.2 types. */
enum { RC_NOERROR = 0, RC_FORMERR = 1, RC_SERVFAIL = 2, RC_NXDOMAIN = 3 };
enum { T_A_ = 1, T_SOA_ = 6, T_MX_ = 15, T_AAAA_ = 28 };
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

/* Skip a possibly compressed name (RFC 1035 4.1.4): labels up to a zero
 * length or a pointer, which ends the name where it stands. */
static void skip_name(struct cursor *c)
{
	for (int labels = 0; labels < 128 && need(c, 1); labels++) {
		unsigned n = c->p[c->off];
		if ((n & 0xc0) == 0xc0)
			return skip(c, 2);
		if (n & 0xc0) /* the reserved label types */
			break;
		skip(c, 1 + n);
		if (n == 0)
			return;
	}
	c->bad = true;
}

/* What one reply says, apart from the records' contents. */
struct reply {
	unsigned rcode;
	unsigned wanted;      /* answer records of the type asked, class IN */
	uint32_t answer_ttl;  /* least TTL among the answer records */
	uint32_t negative_ttl; /* RFC 2308 5: min(SOA TTL, SOA MINIMUM); 0 if no SOA */
	bool bad;
};

static void read_reply(const unsigned char *abuf, size_t alen, unsigned type, struct reply *r)
{
	struct cursor c = {abuf, alen, 0, false};
	memset(r, 0, sizeof(*r));
	r->answer_ttl = UINT32_MAX;

	skip(&c, 2); /* id */
	r->rcode = get16(&c) & 0xf;
	unsigned qd = get16(&c), an = get16(&c), ns = get16(&c);
	skip(&c, 2); /* additional records are not read */
	for (unsigned i = 0; i < qd && !c.bad; i++) {
		skip_name(&c);
		skip(&c, 4);
	}
	for (unsigned i = 0; i < an + ns && !c.bad; i++) {
		skip_name(&c);
		unsigned t = get16(&c), cls = get16(&c);
		uint32_t ttl = get32(&c);
		unsigned rdlen = get16(&c);
		size_t rdata = c.off;
		skip(&c, rdlen);
		if (c.bad)
			break;
		if (ttl > INT32_MAX) /* RFC 2181 8: treat as zero */
			ttl = 0;
		if (i < an) {
			if (ttl < r->answer_ttl)
				r->answer_ttl = ttl;
			if (t == type && cls == CLASS_IN)
				r->wanted++;
		} else if (t == T_SOA_ && rdlen >= 20) {
			struct cursor m = {abuf, rdata + rdlen, rdata + rdlen - 4, false};
			uint32_t min = get32(&m);
			r->negative_ttl = ttl < min ? ttl : min;
		}
	}
	if (r->answer_ttl == UINT32_MAX)
		r->answer_ttl = 0;
	r->bad = c.bad;
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

/* The preferred exchange among the MX records of a reply with some. */
static void pick_mx(const unsigned char *abuf, size_t alen, uint32_t ttl, struct dns_step *out)
{
	struct ares_mx_reply *list = NULL;
	if (ares_parse_mx_reply(abuf, (int)alen, &list) != ARES_SUCCESS || !list) {
		finish(out, DNS_SERVFAIL, DNS_TTL_FAILURE);
		return;
	}
	const struct ares_mx_reply *best = NULL;
	for (const struct ares_mx_reply *m = list; m; m = m->next) {
		/* c-ares writes the root as "" (or "." in some versions). */
		if (!m->host[0] || !strcmp(m->host, "."))
			continue;
		if (!best || m->priority < best->priority ||
		    (m->priority == best->priority && strcasecmp(m->host, best->host) < 0))
			best = m;
	}
	if (!best) {
		/* Only root exchanges: RFC 7505 3 ("MX 0 ."), the domain
		 * declares it accepts no mail. */
		finish(out, DNS_NULL_MX, ttl);
	} else {
		size_t n = strlen(best->host);
		if (n && best->host[n - 1] == '.')
			n--;
		if (n > DNS_NAME_MAX)
			n = DNS_NAME_MAX;
		lg_ascii_lower_copy(out->mx, best->host, n);
		out->mx[n] = '\0';
		finish(out, DNS_MX, ttl);
	}
	ares_free_data(list);
}

void dns_step_eval(enum dns_query q, enum dns_fail fail, const unsigned char *abuf, size_t alen,
		   struct dns_step *out)
{
	static const unsigned types[] = {[DNS_Q_MX] = T_MX_, [DNS_Q_A] = T_A_, [DNS_Q_AAAA] = T_AAAA_};
	struct reply r = {0};

	memset(out, 0, sizeof(*out));
	if (fail == DNS_FAIL_NONE) {
		read_reply(abuf, alen, types[q], &r);
		if (r.bad || alen < 12 || (abuf[2] & 0x80) == 0) /* QR: a response */
			fail = DNS_FAIL_SERVFAIL;
		else if (r.rcode == RC_NXDOMAIN)
			fail = DNS_FAIL_NXDOMAIN;
		else if (r.rcode != RC_NOERROR)
			fail = DNS_FAIL_SERVFAIL;
		else if (!r.wanted)
			fail = DNS_FAIL_NODATA;
	}
	uint32_t negative = r.negative_ttl ? r.negative_ttl : DNS_TTL_NEGATIVE;
	switch (fail) {
	case DNS_FAIL_NONE:
		if (q == DNS_Q_MX)
			pick_mx(abuf, alen, r.answer_ttl, out);
		else
			finish(out, DNS_IMPLICIT, r.answer_ttl);
		return;
	case DNS_FAIL_NXDOMAIN:
		return finish(out, DNS_NXDOMAIN, negative);
	case DNS_FAIL_NODATA:
		if (q == DNS_Q_AAAA)
			return finish(out, DNS_NO_MAIL_HOST, negative);
		out->outcome = DNS_PENDING;
		out->ttl = clamp_ttl(negative); /* the lookup keeps the least */
		out->next = q == DNS_Q_MX ? DNS_Q_A : DNS_Q_AAAA;
		return;
	case DNS_FAIL_SERVFAIL:
		return finish(out, DNS_SERVFAIL, DNS_TTL_FAILURE);
	case DNS_FAIL_TIMEOUT:
		return finish(out, DNS_TIMEOUT, DNS_TTL_FAILURE);
	}
}
