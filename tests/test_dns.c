/*
 * test_dns.c - the verdict logic of the DNS stage on canned replies (wire
 * format, built here), the provider fingerprint, the resolver against a
 * dead server, and dns_resolver_hosts against unbound on loopback (a
 * group of its own, tests/dnsd.sh started by its setup).  The stage as
 * users see it is tests/dns.sh's.
 */
#include "dns/dns_int.h"
#include "loop/loop.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- a reply builder (RFC 1035 4.1) ---- */

enum { T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_MX = 15, T_TXT = 16, T_AAAA = 28 };
enum { NOERROR = 0, SERVFAIL = 2, NXDOMAIN = 3, REFUSED = 5 };

struct pkt {
	unsigned char b[8192];
	size_t n;
};

static void put8(struct pkt *p, unsigned v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = (unsigned char)v;
}
static void put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}
static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}
static void put_name(struct pkt *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		put8(p, (unsigned)n);
		memcpy(p->b + p->n, name, n);
		p->n += n;
		name += n + (dot ? 1 : 0);
	}
	put8(p, 0);
}

/* A response header and question; counts are patched by the rr calls. */
static void reply(struct pkt *p, unsigned rcode, const char *qname, unsigned qtype)
{
	memset(p, 0, sizeof(*p));
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode); /* QR RD RA */
	put16(p, 1);
	put16(p, 0);
	put16(p, 0);
	put16(p, 0);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

/* Start a record in section 6 (answer) or 8 (authority): the offset of
 * its count in the header.  Returns where rdlength goes. */
static size_t rr(struct pkt *p, int section, const char *name, unsigned type, uint32_t ttl)
{
	unsigned c = (unsigned)p->b[section] << 8 | p->b[section + 1];
	p->b[section] = (unsigned char)((c + 1) >> 8);
	p->b[section + 1] = (unsigned char)((c + 1) & 0xff);
	put_name(p, name);
	put16(p, type);
	put16(p, 1);
	put32(p, ttl);
	size_t at = p->n;
	put16(p, 0);
	return at;
}
static void rr_end(struct pkt *p, size_t at)
{
	size_t len = p->n - at - 2;
	p->b[at] = (unsigned char)(len >> 8);
	p->b[at + 1] = (unsigned char)(len & 0xff);
}

static void mx(struct pkt *p, const char *name, uint32_t ttl, unsigned pref, const char *host)
{
	size_t at = rr(p, 6, name, T_MX, ttl);
	put16(p, pref);
	put_name(p, host);
	rr_end(p, at);
}
static void addr(struct pkt *p, const char *name, unsigned type, uint32_t ttl)
{
	size_t at = rr(p, 6, name, type, ttl);
	for (int i = 0; i < (type == T_A ? 4 : 16); i++)
		put8(p, (unsigned)(i + 1));
	rr_end(p, at);
}
static void cname(struct pkt *p, const char *name, uint32_t ttl, const char *target)
{
	size_t at = rr(p, 6, name, T_CNAME, ttl);
	put_name(p, target);
	rr_end(p, at);
}
static void soa(struct pkt *p, const char *zone, uint32_t ttl, uint32_t minimum)
{
	size_t at = rr(p, 8, zone, T_SOA, ttl);
	put_name(p, "ns.example.net");
	put_name(p, "hostmaster.example.net");
	put32(p, 1);
	put32(p, 3600);
	put32(p, 600);
	put32(p, 86400);
	put32(p, minimum);
	rr_end(p, at);
}

/* An A (4 octets of a) or AAAA (16) record in section 6 (answer) or 10
 * (additional). */
static void addr_at(struct pkt *p, int section, const char *name, unsigned type, uint32_t ttl,
		    const unsigned char *a)
{
	size_t at = rr(p, section, name, type, ttl);
	for (int i = 0; i < (type == T_A ? 4 : 16); i++)
		put8(p, a[i]);
	rr_end(p, at);
}

/* A record with the data given as it is, however (mal)formed. */
static void raw_rr(struct pkt *p, int section, const char *name, unsigned type, const void *data,
		   size_t n)
{
	size_t at = rr(p, section, name, type, 300);
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, data, n);
	p->n += n;
	rr_end(p, at);
}

static void eval(enum dns_query q, const struct pkt *p, struct dns_step *s)
{
	dns_step_eval(q, DNS_FAIL_NONE, p->b, p->n, s);
}

/* ---- the verdict logic ---- */

static void test_mx_preference(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;
	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 20, "backup.acme.example");
	mx(&p, "acme.example", 600, 10, "Zeta.Acme.Example");
	mx(&p, "acme.example", 3600, 10, "Alpha.ACME.example");
	mx(&p, "acme.example", 3600, 30, "last.acme.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	/* the lowest preference; of two at 10, the one that sorts first, lower-cased */
	assert_string_equal(s.mx, "alpha.acme.example");
	assert_int_equal(s.ttl, 600); /* the least TTL of the answer */
}

static void test_null_mx(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;
	reply(&p, NOERROR, "nomail.example", T_MX);
	mx(&p, "nomail.example", 3600, 0, "");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_NULL_MX);
	assert_string_equal(s.mx, "");

	/* A root exchange beside a real one is ignored (RFC 7505 3). */
	reply(&p, NOERROR, "mixed.example", T_MX);
	mx(&p, "mixed.example", 3600, 0, "");
	mx(&p, "mixed.example", 3600, 10, "mx.mixed.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_string_equal(s.mx, "mx.mixed.example");
}

static void test_nodata_chain(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	/* No MX: ask A, keeping the SOA's negative TTL (RFC 2308 5). */
	reply(&p, NOERROR, "web.example", T_MX);
	soa(&p, "example", 900, 120);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_A);
	assert_int_equal(s.ttl, 120);

	reply(&p, NOERROR, "web.example", T_A);
	addr(&p, "web.example", T_A, 7200);
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_IMPLICIT);
	assert_int_equal(s.ttl, 7200);

	/* No A either: AAAA. */
	reply(&p, NOERROR, "v6.example", T_A);
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_AAAA);
	assert_int_equal(s.ttl, DNS_TTL_NEGATIVE); /* no SOA given */

	reply(&p, NOERROR, "v6.example", T_AAAA);
	addr(&p, "v6.example", T_AAAA, 300);
	eval(DNS_Q_AAAA, &p, &s);
	assert_int_equal(s.outcome, DNS_IMPLICIT);

	/* Nothing at all: no mail host. */
	reply(&p, NOERROR, "txt.example", T_AAAA);
	soa(&p, "example", 60, 3600);
	eval(DNS_Q_AAAA, &p, &s);
	assert_int_equal(s.outcome, DNS_NO_MAIL_HOST);
	assert_int_equal(s.ttl, 60);

	/* An answer of another type only (a TXT for an MX query) is NODATA. */
	reply(&p, NOERROR, "odd.example", T_MX);
	addr(&p, "odd.example", T_A, 300);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_A);
}

static void test_rcodes(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	reply(&p, NXDOMAIN, "gone.example", T_MX);
	soa(&p, "example", 3600, 450);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_NXDOMAIN);
	assert_int_equal(s.ttl, 450);

	reply(&p, SERVFAIL, "lame.example", T_MX);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);

	reply(&p, REFUSED, "refused.example", T_A);
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
}

static void test_cname(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	/* The resolver followed the CNAME: the target's MX come along. */
	reply(&p, NOERROR, "alias.example", T_MX);
	cname(&p, "alias.example", 300, "real.example");
	mx(&p, "real.example", 3600, 5, "mx.real.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_string_equal(s.mx, "mx.real.example");
	assert_int_equal(s.ttl, 300);

	/* A CNAME whose target has no MX: NODATA, on to A. */
	reply(&p, NOERROR, "alias.example", T_MX);
	cname(&p, "alias.example", 300, "web.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_A);
}

static void test_failures_without_reply(void **state)
{
	(void)state;
	struct dns_step s;
	dns_step_eval(DNS_Q_MX, DNS_FAIL_TIMEOUT, NULL, 0, &s);
	assert_int_equal(s.outcome, DNS_TIMEOUT);
	assert_int_equal(s.ttl, DNS_TTL_FAILURE);
	dns_step_eval(DNS_Q_A, DNS_FAIL_SERVFAIL, NULL, 0, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
	dns_step_eval(DNS_Q_MX, DNS_FAIL_NXDOMAIN, NULL, 0, &s);
	assert_int_equal(s.outcome, DNS_NXDOMAIN);
	dns_step_eval(DNS_Q_MX, DNS_FAIL_NODATA, NULL, 0, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_A);
	dns_step_eval(DNS_Q_AAAA, DNS_FAIL_NODATA, NULL, 0, &s);
	assert_int_equal(s.outcome, DNS_NO_MAIL_HOST);
}

static void test_ttl_clamp(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;
	reply(&p, NOERROR, "zero.example", T_MX);
	mx(&p, "zero.example", 0, 10, "mx.zero.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.ttl, DNS_TTL_MIN);
	reply(&p, NOERROR, "long.example", T_MX);
	mx(&p, "long.example", 0x7fffffff, 10, "mx.long.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.ttl, DNS_TTL_MAX);
	/* RFC 2181 8: a TTL with the top bit set counts as zero */
	reply(&p, NOERROR, "neg.example", T_MX);
	mx(&p, "neg.example", 0x80000000u, 10, "mx.neg.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.ttl, DNS_TTL_MIN);
}

/* Malformed replies are "could not decide", and never read out of bounds
 * (run under ASan and valgrind). */
static void test_malformed(void **state)
{
	(void)state;
	struct pkt p, q;
	struct dns_step s;

	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx.acme.example");
	for (size_t cut = 0; cut < p.n; cut++) {
		dns_step_eval(DNS_Q_MX, DNS_FAIL_NONE, p.b, cut, &s);
		assert_int_equal(s.outcome, DNS_SERVFAIL);
	}

	/* a compression pointer to itself in the question: the name the
	 * CNAME chain starts from cannot be read */
	reply(&q, NOERROR, "x", T_MX);
	q.n = 12;
	put16(&q, 0xc00c);
	put16(&q, T_MX);
	put16(&q, 1);
	eval(DNS_Q_MX, &q, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);

	/* no question, or two */
	reply(&q, NOERROR, "acme.example", T_MX);
	mx(&q, "acme.example", 300, 10, "mx.acme.example");
	for (unsigned qd = 0; qd <= 2; qd += 2) {
		q.b[5] = (unsigned char)qd;
		eval(DNS_Q_MX, &q, &s);
		assert_int_equal(s.outcome, DNS_SERVFAIL);
	}

	/* a query, not a response (QR clear) */
	reply(&q, NOERROR, "acme.example", T_MX);
	q.b[2] &= 0x7f;
	eval(DNS_Q_MX, &q, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);

	/* a count larger than the records present */
	reply(&q, NOERROR, "acme.example", T_MX);
	q.b[7] = 9;
	eval(DNS_Q_MX, &q, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
	q.b[6] = 0xff; /* 65535 of them, in a reply of 30 octets */
	q.b[7] = 0xff;
	eval(DNS_Q_MX, &q, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
}

/*
 * Every record read is checked against the length its type gives it; one
 * that does not fit makes the reply malformed: "could not decide", never a
 * verdict read from bytes that mean something else.  The question's name
 * (acme.example) is at offset 12, where "\xc0\x0c" points.
 */
static void test_record_lengths(void **state)
{
	(void)state;
#define D(s) s, sizeof(s) - 1
	static const struct {
		const char *what;
		enum dns_query q;
		unsigned type;
		const char *data;
		size_t len;
		enum dns_outcome want;
		const char *mx;
	} v[] = {
		/* MX, RFC 1035 3.3.9: a preference and a name that ends where the data ends */
		{"MX", DNS_Q_MX, T_MX,
		 D("\x00\x0a\x02mx\x04"
		   "acme\x07"
		   "example\x00"),
		 DNS_MX, "mx.acme.example"},
		{"MX, exchange compressed", DNS_Q_MX, T_MX, D("\x00\x0a\x02mx\xc0\x0c"), DNS_MX,
		 "mx.acme.example"},
		{"null MX", DNS_Q_MX, T_MX, D("\x00\x00\x00"), DNS_NULL_MX, ""},
		{"MX, root exchange then bytes", DNS_Q_MX, T_MX, D("\x00\x0a\x00mail"),
		 DNS_SERVFAIL, ""},
		{"MX, name then a byte", DNS_Q_MX, T_MX, D("\x00\x0a\x02mx\xc0\x0cX"), DNS_SERVFAIL,
		 ""},
		{"MX, name past the data", DNS_Q_MX, T_MX,
		 D("\x00\x0a\x02mx\x04"
		   "acme"),
		 DNS_SERVFAIL, ""},
		{"MX, preference only", DNS_Q_MX, T_MX, D("\x00\x0a"), DNS_SERVFAIL, ""},
		{"MX, half a preference", DNS_Q_MX, T_MX, D("\x00"), DNS_SERVFAIL, ""},
		{"MX, no data", DNS_Q_MX, T_MX, "", 0, DNS_SERVFAIL, ""},
		{"MX, pointer out of the reply", DNS_Q_MX, T_MX, D("\x00\x0a\xcf\xff"),
		 DNS_SERVFAIL, ""},
		{"MX, reserved label type", DNS_Q_MX, T_MX, D("\x00\x0a\x41x\x00"), DNS_SERVFAIL,
		 ""},
		/* A, RFC 1035 3.4.1: 4 octets; AAAA, RFC 3596 2.2: 16 */
		{"A", DNS_Q_A, T_A, D("\xc0\x00\x02\x01"), DNS_IMPLICIT, ""},
		{"A of 3 octets", DNS_Q_A, T_A, D("\xc0\x00\x02"), DNS_SERVFAIL, ""},
		{"A of 5 octets", DNS_Q_A, T_A, D("\xc0\x00\x02\x01\x01"), DNS_SERVFAIL, ""},
		{"A of none", DNS_Q_A, T_A, "", 0, DNS_SERVFAIL, ""},
		{"AAAA", DNS_Q_AAAA, T_AAAA, D("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01"),
		 DNS_IMPLICIT, ""},
		{"AAAA of 4 octets", DNS_Q_AAAA, T_AAAA, D("\xc0\x00\x02\x01"), DNS_SERVFAIL, ""},
		{"AAAA of 15 octets", DNS_Q_AAAA, T_AAAA,
		 D("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0"), DNS_SERVFAIL, ""},
		/* a bad record of another type than asked spoils the reply too */
		{"A of 3 octets, MX asked", DNS_Q_MX, T_A, D("\xc0\x00\x02"), DNS_SERVFAIL, ""},
		/* CNAME, RFC 1035 3.3.1: a name that fills the data */
		{"CNAME then a byte", DNS_Q_MX, T_CNAME,
		 D("\x04real\x07"
		   "example\x00X"),
		 DNS_SERVFAIL, ""},
		{"CNAME, no data", DNS_Q_MX, T_CNAME, "", 0, DNS_SERVFAIL, ""},
		/* a type not read is not checked */
		{"TXT", DNS_Q_MX, T_TXT, D("\x05hello"), DNS_PENDING, ""},
	};
#undef D
	int wrong = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pkt p;
		struct dns_step s;
		static const unsigned qt[] = {
			[DNS_Q_MX] = T_MX, [DNS_Q_A] = T_A, [DNS_Q_AAAA] = T_AAAA};
		reply(&p, NOERROR, "acme.example", qt[v[i].q]);
		raw_rr(&p, 6, "acme.example", v[i].type, v[i].data, v[i].len);
		eval(v[i].q, &p, &s);
		if (s.outcome != v[i].want || strcmp(s.mx, v[i].mx)) {
			print_error("%s: outcome %s mx '%s', want %s mx '%s'\n", v[i].what,
				    dns_outcome_name(s.outcome), s.mx, dns_outcome_name(v[i].want),
				    v[i].mx);
			wrong++;
		}
	}

	/* An exchange that runs on into the next record. */
	{
		struct pkt p;
		struct dns_step s;
		reply(&p, NOERROR, "acme.example", T_MX);
		raw_rr(&p, 6, "acme.example", T_MX, "\x00\x0a\x02mx", 5);
		mx(&p, "acme.example", 300, 20, "backup.acme.example");
		eval(DNS_Q_MX, &p, &s);
		assert_int_equal(s.outcome, DNS_SERVFAIL);
	}

	/* The SOA of a negative answer, RFC 1035 3.3.13: two names and five
	 * 32-bit numbers, exactly. */
	static const struct {
		const char *what;
		size_t cut; /* octets taken off the end */
		size_t add; /* octets added */
		enum dns_outcome want;
	} soav[] = {
		{"SOA", 0, 0, DNS_NXDOMAIN},
		{"SOA without MINIMUM", 4, 0, DNS_SERVFAIL},
		{"SOA with a byte more", 0, 1, DNS_SERVFAIL},
	};
	static const char soa_data[] = "\x02ns\x07"
				       "example\x03net\x00"
				       "\x0ahostmaster\x07"
				       "example\x03net\x00"
				       "\0\0\0\x01"
				       "\0\0\x0e\x10"
				       "\0\0\x02\x58"
				       "\0\x01\x51\x80"
				       "\0\0\x01\xc2" /* MINIMUM 450 */
				       "\0";          /* a byte more, for the last case */
	for (size_t i = 0; i < sizeof(soav) / sizeof(soav[0]); i++) {
		struct pkt p;
		struct dns_step s;
		reply(&p, NXDOMAIN, "gone.example", T_MX);
		raw_rr(&p, 8, "example", T_SOA, soa_data,
		       sizeof(soa_data) - 2 - soav[i].cut + soav[i].add);
		eval(DNS_Q_MX, &p, &s);
		if (s.outcome != soav[i].want) {
			print_error("%s: outcome %s, want %s\n", soav[i].what,
				    dns_outcome_name(s.outcome), dns_outcome_name(soav[i].want));
			wrong++;
		}
		if (soav[i].want == DNS_NXDOMAIN)
			assert_int_equal(s.ttl, 300); /* min(TTL 300, MINIMUM 450) */
	}
	assert_int_equal(wrong, 0);
}

/*
 * CNAME chains (RFC 1034 3.6.2, RFC 2181 10.1): the records that count are
 * those at the end of the chain from the question's name; a loop, a chain
 * past DNS_CNAME_MAX links or an alias with two canonical names is a
 * malformed answer, not "no such record".
 */
static void test_cname_chain(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;
	char from[32], to[32];

	/* out of order, names in another case: still one chain */
	reply(&p, NOERROR, "a.example", T_MX);
	mx(&p, "C.example", 900, 10, "mx.c.example");
	cname(&p, "B.Example", 600, "c.example");
	cname(&p, "a.example", 700, "b.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_string_equal(s.mx, "mx.c.example");
	assert_int_equal(s.ttl, 600);

	/* MX records of a name off the chain are not the domain's */
	reply(&p, NOERROR, "a.example", T_MX);
	mx(&p, "other.example", 900, 10, "mx.other.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.next, DNS_Q_A);
	reply(&p, NOERROR, "a.example", T_MX);
	cname(&p, "a.example", 700, "b.example");
	mx(&p, "a.example", 900, 10, "mx.a.example"); /* beside its own CNAME */
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);

	/* loops, for each query */
	static const enum dns_query qs[] = {DNS_Q_MX, DNS_Q_A, DNS_Q_AAAA};
	static const unsigned qt[] = {T_MX, T_A, T_AAAA};
	for (size_t i = 0; i < 3; i++) {
		reply(&p, NOERROR, "loop.example", qt[i]);
		cname(&p, "loop.example", 300, "b.loop.example");
		cname(&p, "b.loop.example", 300, "loop.example");
		eval(qs[i], &p, &s);
		assert_int_equal(s.outcome, DNS_SERVFAIL);
		assert_int_equal(s.ttl, DNS_TTL_FAILURE);
	}
	reply(&p, NOERROR, "self.example", T_A);
	cname(&p, "self.example", 300, "SELF.example");
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
	/* a loop further down the chain, with the records asked for beside it */
	reply(&p, NOERROR, "a.example", T_MX);
	cname(&p, "a.example", 300, "b.example");
	cname(&p, "b.example", 300, "c.example");
	cname(&p, "c.example", 300, "b.example");
	mx(&p, "c.example", 300, 10, "mx.c.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);

	/* two canonical names for one alias */
	reply(&p, NOERROR, "a.example", T_MX);
	cname(&p, "a.example", 300, "b.example");
	cname(&p, "a.example", 300, "c.example");
	mx(&p, "b.example", 300, 10, "mx.b.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_SERVFAIL);
	/* the same CNAME twice is no contradiction */
	reply(&p, NOERROR, "a.example", T_MX);
	cname(&p, "a.example", 300, "b.example");
	cname(&p, "a.example", 300, "b.example");
	mx(&p, "b.example", 300, 10, "mx.b.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);

	/* DNS_CNAME_MAX links are followed; one more is taken for a loop */
	for (int links = DNS_CNAME_MAX; links <= DNS_CNAME_MAX + 1; links++) {
		reply(&p, NOERROR, "n0.example", T_MX);
		for (int i = 0; i < links; i++) {
			snprintf(from, sizeof(from), "n%d.example", i);
			snprintf(to, sizeof(to), "n%d.example", i + 1);
			cname(&p, from, 300, to);
		}
		mx(&p, to, 300, 10, "mx.end.example");
		eval(DNS_Q_MX, &p, &s);
		assert_int_equal(s.outcome, links <= DNS_CNAME_MAX ? DNS_MX : DNS_SERVFAIL);
	}
}


/* ---- the list of mail hosts (dns_resolver_hosts) ---- */

/* Every MX host is kept, in the order they are tried: lowest preference
 * first, ties to the name that sorts first, each name once, at most
 * DNS_HOSTS_MAX. */
static void test_mx_list(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 30, "c.acme.example");
	mx(&p, "acme.example", 3600, 10, "b.acme.example");
	mx(&p, "acme.example", 3600, 20, "a.acme.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_int_equal(s.nmx, 3);
	assert_string_equal(s.mxs[0], "b.acme.example");
	assert_string_equal(s.mxs[1], "a.acme.example");
	assert_string_equal(s.mxs[2], "c.acme.example");
	assert_string_equal(s.mx, s.mxs[0]);
	for (int i = 0; i < 3; i++)
		assert_int_equal(s.extra[i].n, 0); /* no additional section */

	/* ties by name; a root exchange passed over; a name given twice is
	 * kept once, at its lowest preference; five hosts, four kept */
	reply(&p, NOERROR, "five.example", T_MX);
	mx(&p, "five.example", 300, 20, "Zed.five.example");
	mx(&p, "five.example", 300, 0, "");
	mx(&p, "five.example", 300, 20, "bee.five.example");
	mx(&p, "five.example", 300, 50, "last.five.example");
	mx(&p, "five.example", 300, 40, "four.five.example");
	mx(&p, "five.example", 300, 10, "zed.five.example");
	mx(&p, "five.example", 300, 30, "three.five.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_int_equal(s.nmx, DNS_HOSTS_MAX);
	static const char *const want[] = {"zed.five.example", "bee.five.example",
					   "three.five.example", "four.five.example"};
	for (int i = 0; i < DNS_HOSTS_MAX; i++)
		assert_string_equal(s.mxs[i], want[i]);
	assert_string_equal(s.mx, "zed.five.example");

	/* through a CNAME: the hosts at the chain's end only */
	reply(&p, NOERROR, "alias.example", T_MX);
	cname(&p, "alias.example", 300, "real.example");
	mx(&p, "other.example", 300, 5, "mx.other.example");
	mx(&p, "real.example", 300, 20, "mx2.real.example");
	mx(&p, "real.example", 300, 10, "mx1.real.example");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.nmx, 2);
	assert_string_equal(s.mxs[0], "mx1.real.example");
	assert_string_equal(s.mxs[1], "mx2.real.example");

	/* no list without mail hosts */
	reply(&p, NOERROR, "nomail.example", T_MX);
	mx(&p, "nomail.example", 3600, 0, "");
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_NULL_MX);
	assert_int_equal(s.nmx, 0);
}

static const unsigned char ip2[4] = {127, 0, 0, 2}, ip3[4] = {127, 0, 0, 3},
			   ip4[4] = {127, 0, 0, 4}, ip5[4] = {127, 0, 0, 5},
			   ip6[4] = {127, 0, 0, 6}, ip6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
			   ip6b[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void assert_addr(const struct dns_host_addr *a, int family, const unsigned char *want)
{
	assert_int_equal(a->family, family);
	assert_memory_equal(a->addr, want, family == AF_INET ? 4 : 16);
}

/* The additional section's addresses of each host: A first, then AAAA,
 * at most DNS_HOST_ADDRS_MAX, the least TTL; records of other names and
 * types are not a host's. */
static void test_mx_additional(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx1.acme.example");
	mx(&p, "acme.example", 3600, 20, "mx2.acme.example");
	mx(&p, "acme.example", 3600, 30, "mx3.acme.example");
	soa(&p, "acme.example", 3600, 300); /* an authority record between */
	addr_at(&p, 10, "MX1.acme.example", T_AAAA, 900, ip6a);
	addr_at(&p, 10, "mx1.acme.example", T_A, 600, ip2);
	addr_at(&p, 10, "mx1.acme.example", T_A, 700, ip3);
	addr_at(&p, 10, "mx3.acme.example", T_A, 100, ip4);
	addr_at(&p, 10, "other.example", T_A, 100, ip5); /* not a host */
	/* mx2 has none here: it is looked up */
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_int_equal(s.nmx, 3);
	assert_int_equal(s.extra[0].n, 3);
	assert_addr(&s.extra[0].addr[0], AF_INET, ip2);
	assert_addr(&s.extra[0].addr[1], AF_INET, ip3);
	assert_addr(&s.extra[0].addr[2], AF_INET6, ip6a);
	assert_int_equal(s.extra[0].ttl, 600);
	assert_int_equal(s.extra[1].n, 0);
	assert_int_equal(s.extra[2].n, 1);
	assert_addr(&s.extra[2].addr[0], AF_INET, ip4);
	assert_int_equal(s.extra[2].ttl, 100);

	/* five addresses: the four A records first, no room for the AAAA */
	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx1.acme.example");
	addr_at(&p, 10, "mx1.acme.example", T_AAAA, 900, ip6b);
	const unsigned char *four[] = {ip2, ip3, ip4, ip5};
	for (int i = 0; i < 4; i++)
		addr_at(&p, 10, "mx1.acme.example", T_A, 900, four[i]);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.extra[0].n, DNS_HOST_ADDRS_MAX);
	for (int i = 0; i < 4; i++)
		assert_addr(&s.extra[0].addr[i], AF_INET, four[i]);

	/* an EDNS OPT record (RFC 6891) is passed over */
	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx1.acme.example");
	addr_at(&p, 10, "mx1.acme.example", T_A, 900, ip6);
	{
		unsigned c = (unsigned)p.b[10] << 8 | p.b[11];
		p.b[11] = (unsigned char)(c + 1);
		put8(&p, 0); /* root owner */
		put16(&p, 41);
		put16(&p, 1232); /* the UDP size where the class is */
		put32(&p, 0);
		put16(&p, 0);
	}
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_int_equal(s.extra[0].n, 1);
	assert_addr(&s.extra[0].addr[0], AF_INET, ip6);

	/* a malformed record there drops the section, not the answer */
	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx1.acme.example");
	addr_at(&p, 10, "mx1.acme.example", T_A, 900, ip2);
	raw_rr(&p, 10, "mx1.acme.example", T_A, "\x7f\0\0", 3);
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_string_equal(s.mx, "mx1.acme.example");
	assert_int_equal(s.extra[0].n, 0);

	/* and so does one cut short by the end of the reply, or a count of
	 * records larger than the reply holds */
	reply(&p, NOERROR, "acme.example", T_MX);
	mx(&p, "acme.example", 3600, 10, "mx1.acme.example");
	size_t whole = p.n;
	addr_at(&p, 10, "mx1.acme.example", T_A, 900, ip2);
	for (size_t cut = whole; cut < p.n; cut++) {
		dns_step_eval(DNS_Q_MX, DNS_FAIL_NONE, p.b, cut, &s);
		assert_int_equal(s.outcome, DNS_MX);
		assert_int_equal(s.extra[0].n, 0);
	}
	p.b[11] = 2;
	eval(DNS_Q_MX, &p, &s);
	assert_int_equal(s.outcome, DNS_MX);
	assert_int_equal(s.extra[0].n, 0);
}

/* A host's own A and AAAA answers give its addresses, in the reply's
 * order, at most DNS_HOST_ADDRS_MAX, at the end of a CNAME chain. */
static void test_host_addrs(void **state)
{
	(void)state;
	struct pkt p;
	struct dns_step s;

	reply(&p, NOERROR, "mx.acme.example", T_A);
	addr_at(&p, 6, "mx.acme.example", T_A, 600, ip3);
	addr_at(&p, 6, "mx.acme.example", T_A, 900, ip2);
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_IMPLICIT);
	assert_int_equal(s.addrs.n, 2);
	assert_addr(&s.addrs.addr[0], AF_INET, ip3);
	assert_addr(&s.addrs.addr[1], AF_INET, ip2);
	assert_int_equal(s.addrs.ttl, 600);

	reply(&p, NOERROR, "mx.acme.example", T_AAAA);
	cname(&p, "mx.acme.example", 120, "host.hoster.example");
	addr_at(&p, 6, "mx.acme.example", T_AAAA, 900, ip6a); /* beside the CNAME: not it */
	addr_at(&p, 6, "host.hoster.example", T_AAAA, 900, ip6b);
	eval(DNS_Q_AAAA, &p, &s);
	assert_int_equal(s.outcome, DNS_IMPLICIT);
	assert_int_equal(s.addrs.n, 1);
	assert_addr(&s.addrs.addr[0], AF_INET6, ip6b);
	assert_int_equal(s.addrs.ttl, 120);

	reply(&p, NOERROR, "big.example", T_A);
	for (unsigned i = 0; i < 6; i++) {
		unsigned char a[4] = {10, 0, 0, (unsigned char)i};
		addr_at(&p, 6, "big.example", T_A, 900, a);
	}
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.addrs.n, DNS_HOST_ADDRS_MAX);
	assert_int_equal(s.addrs.addr[3].addr[3], 3);

	/* none: NODATA as for a domain */
	reply(&p, NOERROR, "mx.acme.example", T_A);
	eval(DNS_Q_A, &p, &s);
	assert_int_equal(s.outcome, DNS_PENDING);
	assert_int_equal(s.addrs.n, 0);
}

/* ---- provider fingerprint ---- */

static void test_provider(void **state)
{
	(void)state;
#define PROV(mxh, dom, org) dns_provider_of(mxh, strlen(mxh), dom, strlen(dom), org)
	assert_int_equal(PROV("aspmx.l.google.com", "acme.com", 8), DNS_PROV_GOOGLE);
	assert_int_equal(PROV("ALT1.ASPMX.L.GOOGLE.COM", "acme.com", 8), DNS_PROV_GOOGLE);
	assert_int_equal(PROV("acme-com.mail.protection.outlook.com", "acme.com", 8),
			 DNS_PROV_MICROSOFT);
	assert_int_equal(PROV("mx0a-001.pphosted.com", "acme.com", 8), DNS_PROV_PROOFPOINT);
	assert_int_equal(PROV("mta5.am0.yahoodns.net", "yahoo.com", 9), DNS_PROV_YAHOO);
	/* whole labels only */
	assert_int_equal(PROV("mx.notgoogle.com", "acme.com", 8), DNS_PROV_OTHER);
	/* the domain's own registrable domain */
	assert_int_equal(PROV("mail.acme.co.uk", "eu.acme.co.uk", 10), DNS_PROV_OWN);
	assert_int_equal(PROV("acme.co.uk", "acme.co.uk", 10), DNS_PROV_OWN);
	/* not the public suffix: another company under co.uk is not "own" */
	assert_int_equal(PROV("mx.hoster.co.uk", "eu.acme.co.uk", 10), DNS_PROV_OTHER);
	assert_int_equal(PROV("", "acme.com", 8), DNS_PROV_NONE);
	assert_string_equal(dns_provider_name(DNS_PROV_GOOGLE), "google");
	assert_string_equal(dns_provider_name(DNS_PROV_NONE), "");
	for (int i = 1; i < DNS_PROV_COUNT; i++)
		assert_true(dns_provider_name((enum dns_provider)i)[0] != '\0');
#undef PROV
}

/* ---- the resolver, with nobody listening ---- */

/* Port 9 (discard) on loopback has no UDP listener here: every query is
 * refused at once, the probe too, so the resolver is taken for down, and
 * the rest end as timeouts without being sent. */
static void test_resolver_down(void **state)
{
	(void)state;
	struct dns_resolver *r;
	struct lg_err err;
	struct dns_opts o = {.servers = "127.0.0.1:9",
			     .timeout_ms = 200,
			     .tries = 1,
			     .concurrency = 4};
	struct loop *l;
	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(dns_resolver_new(&r, l, &o, &err), LG_OK);
	const struct dns_result *res[100];
	char name[32];
	for (int i = 0; i < 100; i++) {
		int n = snprintf(name, sizeof(name), "d%d.example", i);
		res[i] = dns_resolver_lookup(r, name, (size_t)n, 0);
		assert_int_equal(res[i]->outcome, DNS_PENDING);
	}
	/* The same domain again is the same lookup. */
	assert_ptr_equal(dns_resolver_lookup(r, "d7.example", 10, 0), res[7]);
	while (dns_resolver_busy(r))
		loop_step(l, -1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(res[i]->outcome, DNS_TIMEOUT);
	assert_true(dns_resolver_down(r));
	struct dns_stats st;
	dns_resolver_stats(r, &st);
	assert_int_equal(st.domains, 100);
	assert_int_equal(st.answered, 0);
	assert_int_equal(st.outcome[DNS_TIMEOUT], 100);
	assert_true(st.queries < 100); /* once down, nothing more is sent */
	assert_true(st.probes >= 1);
	dns_resolver_free(r);
	loop_free(l);
}

/* The resolver shares its loop with the caller's own descriptors, and
 * leaves it as it found it: once freed, no socket or timer of its is
 * left (a step without limit has nothing to wait for). */
static void on_pipe(struct loop *l, int fd, unsigned events, void *arg)
{
	char c;
	(void)l;
	(void)events;
	if (read(fd, &c, 1) == 1)
		(*(int *)arg)++;
}

static void test_resolver_shares_loop(void **state)
{
	(void)state;
	struct dns_resolver *r;
	struct lg_err err;
	struct dns_opts o = {.servers = "127.0.0.1:9", .timeout_ms = 200, .tries = 1};
	struct loop *l;
	int p[2], got = 0;

	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_fd_set(l, p[0], LOOP_READ, on_pipe, &got, &err), LG_OK);
	assert_int_equal(dns_resolver_new(&r, l, &o, &err), LG_OK);
	const struct dns_result *res = dns_resolver_lookup(r, "a.example", 9, 0);
	assert_int_equal(loop_timer_count(l), 1); /* sent in the next step */
	assert_int_equal(res->outcome, DNS_PENDING);
	assert_int_equal(write(p[1], "x", 1), 1);
	while (dns_resolver_busy(r))
		loop_step(l, -1);
	assert_int_equal(res->outcome, DNS_TIMEOUT);
	assert_int_equal(got, 1);
	assert_true(dns_resolver_down(r));

	/* A second resolver on the same loop, and one on a loop of its own. */
	struct dns_resolver *r2, *r3;
	struct loop *l3;
	assert_int_equal(loop_new(&l3, &err), LG_OK);
	assert_int_equal(dns_resolver_new(&r2, l, &o, &err), LG_OK);
	assert_int_equal(dns_resolver_new(&r3, l3, &o, &err), LG_OK);
	res = dns_resolver_lookup(r2, "b.example", 9, 0);
	const struct dns_result *res3 = dns_resolver_lookup(r3, "c.example", 9, 0);
	while (dns_resolver_busy(r2))
		loop_step(l, -1);
	assert_int_equal(res->outcome, DNS_TIMEOUT);
	assert_int_equal(res3->outcome, DNS_PENDING); /* its loop has not stepped */
	while (dns_resolver_busy(r3))
		loop_step(l3, -1);
	assert_int_equal(res3->outcome, DNS_TIMEOUT);

	dns_resolver_free(r);
	dns_resolver_free(r2);
	dns_resolver_free(r3);
	assert_int_equal(loop_timer_count(l), 0);
	assert_int_equal(loop_timer_count(l3), 0);
	assert_int_equal(loop_step(l3, -1), 0);
	loop_fd_del(l, p[0]);
	assert_int_equal(loop_step(l, -1), 0);
	close(p[0]);
	close(p[1]);
	loop_free(l);
	loop_free(l3);
}


/* ---- mail hosts with their addresses (dns_resolver_hosts) ---- */

/* What one callback gave, copied. */
struct got {
	int calls;
	char domain[64];
	size_t n;
	struct {
		char name[64];
		unsigned naddr;
		struct dns_host_addr addr[DNS_HOST_ADDRS_MAX];
	} h[DNS_HOSTS_MAX];
};

static void on_hosts(void *arg, const char *domain, size_t len, const struct dns_host *hosts,
		     size_t n)
{
	struct got *g = arg;
	g->calls++;
	assert_true(len < sizeof(g->domain));
	memcpy(g->domain, domain, len);
	g->domain[len] = '\0';
	assert_true(n <= DNS_HOSTS_MAX);
	g->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(g->h[i].name, sizeof(g->h[i].name), "%s", hosts[i].name);
		g->h[i].naddr = hosts[i].naddr;
		assert_true(hosts[i].naddr >= 1 && hosts[i].naddr <= DNS_HOST_ADDRS_MAX);
		memcpy(g->h[i].addr, hosts[i].addr, sizeof(hosts[i].addr));
	}
}

static void run_loop(struct loop *l, struct dns_resolver *r)
{
	while (dns_resolver_busy(r))
		loop_step(l, -1);
}

/* With the resolver down, every domain's callback comes, with no host,
 * in a later step; the same domain asked twice calls back twice. */
static void test_hosts_down(void **state)
{
	(void)state;
	struct dns_resolver *r;
	struct lg_err err;
	struct dns_opts o = {.servers = "127.0.0.1:9", .timeout_ms = 200, .tries = 1};
	struct loop *l;
	struct got g[3] = {{0}};

	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(dns_resolver_new(&r, l, &o, &err), LG_OK);
	dns_resolver_hosts(r, "a.example", 9, 0, on_hosts, &g[0]);
	dns_resolver_hosts(r, "b.example", 9, 0, on_hosts, &g[1]);
	dns_resolver_hosts(r, "a.example", 9, 0, on_hosts, &g[2]);
	assert_int_equal(g[0].calls + g[1].calls + g[2].calls, 0);
	assert_true(dns_resolver_busy(r) > 0);
	run_loop(l, r);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_int_equal(g[i].n, 0);
	}
	assert_string_equal(g[1].domain, "b.example");
	assert_int_equal(dns_resolver_lookup(r, "a.example", 9, 0)->outcome, DNS_TIMEOUT);

	/* Known already: still called back later, never inside the call. */
	dns_resolver_hosts(r, "a.example", 9, 0, on_hosts, &g[0]);
	assert_int_equal(g[0].calls, 1);
	assert_int_equal(dns_resolver_busy(r), 1); /* the callback due */
	run_loop(l, r);
	assert_int_equal(g[0].calls, 2);

	/* Freed with a request pending: no callback, nothing leaks. */
	dns_resolver_hosts(r, "c.example", 9, 0, on_hosts, &g[1]);
	dns_resolver_free(r);
	assert_int_equal(g[1].calls, 1);
	assert_int_equal(loop_timer_count(l), 0);
	loop_free(l);
}

/*
 * Against unbound on loopback (tests/dnsd.sh), from a zone made here in
 * the format of tests/lib.sh's dns_zone.  Minimal responses, pinned, in
 * the first group: the replies carry no additional section, so every host
 * is looked up and the queries counted are predictable; the second group's
 * server adds the MX hosts' addresses to its replies.  Names under example., not test.,
 * which unbound answers itself (its default local zones, RFC 6761).
 */
static const char *const live_zone[] = {
	"three.example. MX 20 mx2.three.example.",
	"three.example. MX 10 mx1.three.example.",
	"three.example. MX 30 mx3.three.example.",
	"mx1.three.example. A 127.0.0.2",
	"mx2.three.example. A 127.0.0.3",
	"mx2.three.example. A 127.0.0.13",
	"mx2.three.example. AAAA 2001:db8::3",
	"mx3.three.example. A 127.0.0.4",
	"implicit.example. A 127.0.0.6",
	"implicit.example. AAAA 2001:db8::6",
	"nullmx.example. MX 0 .",
	"txtonly.example. TXT \"no mail here\"",
	"noaddr.example. MX 10 gone.noaddr.example.",
	"noaddr.example. MX 20 txt.noaddr.example.",
	"noaddr.example. MX 30 mx.noaddr.example.",
	"txt.noaddr.example. TXT \"no address\"",
	"mx.noaddr.example. A 127.0.0.7",
	"shared1.example. MX 10 mx.shared.example.",
	"shared2.example. MX 10 mx.shared.example.",
	"shared3.example. MX 10 mx.shared.example.",
	"mx.shared.example. A 127.0.0.8",
	"five.example. MX 40 d.five.example.",
	"five.example. MX 20 c.five.example.",
	"five.example. MX 10 e.five.example.",
	"five.example. MX 20 b.five.example.",
	"five.example. MX 50 a.five.example.",
	"a.five.example. A 127.0.1.1",
	"b.five.example. A 127.0.1.2",
	"c.five.example. A 127.0.1.3",
	"d.five.example. A 127.0.1.4",
	"e.five.example. A 127.0.1.5",
};

struct live {
	char dir[200];
	char servers[32];
};

/* unbound started for a group of tests, its servers in *lv, which *state
 * points to; minimal: its minimal-responses setting. */
static int live_start(void **state, struct live *lv, bool minimal)
{
	const char *tmp = getenv("TMPDIR");
	char path[300], cmd[800];
	int port = 0;

	snprintf(lv->dir, sizeof(lv->dir), "%s/test_dns.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(lv->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/zone", lv->dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("$TTL 3600\n. SOA ns.fixture. hostmaster.fixture. 1 3600 600 86400 300\n"
	      ". NS ns.fixture.\nns.fixture. A 127.0.0.1\n",
	      f);
	for (size_t i = 0; i < sizeof(live_zone) / sizeof(live_zone[0]); i++)
		fprintf(f, "%s\n", live_zone[i]);
	if (fclose(f) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/zone.conf", lv->dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "\tminimal-responses: %s\n", minimal ? "yes" : "no");
	if (fclose(f) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "sh tests/dnsd.sh start '%s/dns' '%s/zone'", lv->dir, lv->dir);
	FILE *pp = popen(cmd, "r");
	if (!pp)
		return -1;
	if (fscanf(pp, "%d", &port) != 1)
		port = 0;
	if (pclose(pp) != 0 || port <= 0) {
		print_error(
			"unbound did not start (tests/dnsd.sh, run from the top of the tree)\n");
		return -1;
	}
	snprintf(lv->servers, sizeof(lv->servers), "127.0.0.1:%d", port);
	*state = lv;
	return 0;
}

static int live_setup(void **state)
{
	static struct live lv;
	return live_start(state, &lv, true);
}

static int live_setup_additional(void **state)
{
	static struct live lv;
	return live_start(state, &lv, false);
}

static int live_teardown(void **state)
{
	struct live *lv = *state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "sh tests/dnsd.sh stop '%s/dns'; rm -rf '%s'", lv->dir, lv->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void live_new(void **state, struct loop **l, struct dns_resolver **r, unsigned concurrency)
{
	const struct live *lv = *state;
	struct lg_err err;
	struct dns_opts o = {.servers = lv->servers,
			     .timeout_ms = 1000,
			     .tries = 2,
			     .concurrency = concurrency};
	assert_int_equal(loop_new(l, &err), LG_OK);
	assert_int_equal(dns_resolver_new(r, *l, &o, &err), LG_OK);
}

static void live_free(struct loop *l, struct dns_resolver *r)
{
	dns_resolver_free(r);
	loop_free(l);
}

static bool has_addr(const struct got *g, size_t host, int family, const char *text)
{
	unsigned char want[16];
	assert_int_equal(inet_pton(family, text, want), 1);
	for (unsigned i = 0; i < g->h[host].naddr; i++)
		if (g->h[host].addr[i].family == family &&
		    !memcmp(g->h[host].addr[i].addr, want, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* Three MX at different preferences: tried lowest first, each with its
 * addresses, A before AAAA; the MX answer is dns_resolver_lookup's. */
static void test_hosts_live_order(void **state)
{
	struct loop *l;
	struct dns_resolver *r;
	struct got g = {0}, g2 = {0};
	struct dns_stats st;

	live_new(state, &l, &r, 0);
	dns_resolver_hosts(r, "three.example", 13, 0, on_hosts, &g);
	dns_resolver_hosts(r, "three.example", 13, 0, on_hosts, &g2);
	assert_int_equal(g.calls, 0);
	run_loop(l, r);
	assert_int_equal(g.calls, 1);
	assert_int_equal(g2.calls, 1);
	assert_string_equal(g.domain, "three.example");
	assert_int_equal(g.n, 3);
	assert_string_equal(g.h[0].name, "mx1.three.example");
	assert_string_equal(g.h[1].name, "mx2.three.example");
	assert_string_equal(g.h[2].name, "mx3.three.example");
	assert_int_equal(g.h[0].naddr, 1);
	assert_true(has_addr(&g, 0, AF_INET, "127.0.0.2"));
	assert_int_equal(g.h[1].naddr, 3);
	assert_true(has_addr(&g, 1, AF_INET, "127.0.0.3"));
	assert_true(has_addr(&g, 1, AF_INET, "127.0.0.13"));
	assert_int_equal(g.h[1].addr[0].family, AF_INET);
	assert_int_equal(g.h[1].addr[1].family, AF_INET);
	assert_int_equal(g.h[1].addr[2].family, AF_INET6);
	assert_true(has_addr(&g, 1, AF_INET6, "2001:db8::3"));
	assert_int_equal(g.h[2].naddr, 1);
	assert_true(has_addr(&g, 2, AF_INET, "127.0.0.4"));
	assert_int_equal(g2.n, 3);
	assert_string_equal(g2.h[0].name, "mx1.three.example");

	/* one MX lookup, shared with dns_resolver_lookup's cache */
	const struct dns_result *res = dns_resolver_lookup(r, "three.example", 13, 0);
	assert_int_equal(res->outcome, DNS_MX);
	assert_string_equal(res->mx, "mx1.three.example");
	dns_resolver_stats(r, &st);
	assert_int_equal(st.domains, 1);
	assert_int_equal(st.queries, 1 + 3 * 2); /* MX, then A and AAAA of each host */
	assert_int_equal(dns_resolver_busy(r), 0);
	live_free(l, r);
}

/* The other outcomes: an implicit MX is the domain itself; null MX,
 * NXDOMAIN and no mail host give no host; a host without an address is
 * left out. */
static void test_hosts_live_outcomes(void **state)
{
	struct loop *l;
	struct dns_resolver *r;
	struct got imp = {0}, null = {0}, nx = {0}, txt = {0}, noaddr = {0};

	live_new(state, &l, &r, 0);
	dns_resolver_hosts(r, "implicit.example", 16, 0, on_hosts, &imp);
	dns_resolver_hosts(r, "nullmx.example", 14, 0, on_hosts, &null);
	dns_resolver_hosts(r, "gone.example", 12, 0, on_hosts, &nx);
	dns_resolver_hosts(r, "txtonly.example", 15, 0, on_hosts, &txt);
	dns_resolver_hosts(r, "noaddr.example", 14, 0, on_hosts, &noaddr);
	run_loop(l, r);

	assert_int_equal(dns_resolver_lookup(r, "implicit.example", 16, 0)->outcome, DNS_IMPLICIT);
	assert_int_equal(imp.calls, 1);
	assert_int_equal(imp.n, 1);
	assert_string_equal(imp.h[0].name, "implicit.example");
	assert_int_equal(imp.h[0].naddr, 2);
	assert_int_equal(imp.h[0].addr[0].family, AF_INET);
	assert_true(has_addr(&imp, 0, AF_INET, "127.0.0.6"));
	assert_true(has_addr(&imp, 0, AF_INET6, "2001:db8::6"));

	assert_int_equal(dns_resolver_lookup(r, "nullmx.example", 14, 0)->outcome, DNS_NULL_MX);
	assert_int_equal(null.calls, 1);
	assert_int_equal(null.n, 0);
	assert_int_equal(dns_resolver_lookup(r, "gone.example", 12, 0)->outcome, DNS_NXDOMAIN);
	assert_int_equal(nx.calls, 1);
	assert_int_equal(nx.n, 0);
	assert_int_equal(dns_resolver_lookup(r, "txtonly.example", 15, 0)->outcome,
			 DNS_NO_MAIL_HOST);
	assert_int_equal(txt.calls, 1);
	assert_int_equal(txt.n, 0);

	assert_int_equal(noaddr.calls, 1);
	assert_int_equal(noaddr.n, 1); /* gone. (NXDOMAIN) and txt. (no address) left out */
	assert_string_equal(noaddr.h[0].name, "mx.noaddr.example");
	assert_true(has_addr(&noaddr, 0, AF_INET, "127.0.0.7"));
	live_free(l, r);
}

/* A host two domains share is looked up once, at the same time or later
 * while its TTL lasts; a domain asked again is answered from the cache,
 * in a later step. */
static void test_hosts_live_shared(void **state)
{
	struct loop *l;
	struct dns_resolver *r;
	struct got g1 = {0}, g2 = {0}, g3 = {0};
	struct dns_stats st;

	live_new(state, &l, &r, 0);
	dns_resolver_hosts(r, "shared1.example", 15, 0, on_hosts, &g1);
	dns_resolver_hosts(r, "shared2.example", 15, 0, on_hosts, &g2);
	run_loop(l, r);
	dns_resolver_stats(r, &st);
	assert_int_equal(st.queries, 2 + 2); /* two MX, one A and one AAAA */
	assert_int_equal(g1.n, 1);
	assert_int_equal(g2.n, 1);
	assert_string_equal(g1.h[0].name, "mx.shared.example");
	assert_string_equal(g2.h[0].name, "mx.shared.example");
	assert_true(has_addr(&g2, 0, AF_INET, "127.0.0.8"));

	dns_resolver_hosts(r, "shared3.example", 15, 0, on_hosts, &g3);
	run_loop(l, r);
	dns_resolver_stats(r, &st);
	assert_int_equal(st.queries, 2 + 2 + 1); /* its MX only */
	assert_int_equal(g3.n, 1);
	assert_true(has_addr(&g3, 0, AF_INET, "127.0.0.8"));

	dns_resolver_hosts(r, "shared1.example", 15, 0, on_hosts, &g1);
	assert_int_equal(g1.calls, 1);
	run_loop(l, r);
	assert_int_equal(g1.calls, 2);
	assert_int_equal(g1.n, 1);
	dns_resolver_stats(r, &st);
	assert_int_equal(st.queries, 5);
	live_free(l, r);
}

/* Five MX: the first four in preference order (ties by name) are kept;
 * with a concurrency of 1 the host lookups queue like domains. */
static void test_hosts_live_five(void **state)
{
	struct loop *l;
	struct dns_resolver *r;
	struct got g = {0}, t = {0};

	live_new(state, &l, &r, 1);
	dns_resolver_hosts(r, "five.example", 12, 0, on_hosts, &g);
	dns_resolver_hosts(r, "three.example", 13, 0, on_hosts, &t);
	run_loop(l, r);
	assert_int_equal(g.n, DNS_HOSTS_MAX);
	static const char *const want[] = {"e.five.example", "b.five.example", "c.five.example",
					   "d.five.example"};
	static const char *const ip[] = {"127.0.1.5", "127.0.1.2", "127.0.1.3", "127.0.1.4"};
	for (int i = 0; i < DNS_HOSTS_MAX; i++) {
		assert_string_equal(g.h[i].name, want[i]);
		assert_int_equal(g.h[i].naddr, 1);
		assert_true(has_addr(&g, (size_t)i, AF_INET, ip[i]));
	}
	assert_int_equal(t.n, 3);
	live_free(l, r);
}

/* The addresses in the MX reply's additional section are used: no host
 * is asked for its own. */
static void test_hosts_live_additional(void **state)
{
	struct loop *l;
	struct dns_resolver *r;
	struct got g = {0};
	struct dns_stats st;

	live_new(state, &l, &r, 0);
	dns_resolver_hosts(r, "three.example", 13, 0, on_hosts, &g);
	run_loop(l, r);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.h[0].name, "mx1.three.example");
	assert_true(has_addr(&g, 0, AF_INET, "127.0.0.2"));
	assert_int_equal(g.h[1].naddr, 3);
	assert_true(has_addr(&g, 1, AF_INET, "127.0.0.3"));
	assert_true(has_addr(&g, 1, AF_INET, "127.0.0.13"));
	assert_int_equal(g.h[1].addr[2].family, AF_INET6);
	assert_true(has_addr(&g, 1, AF_INET6, "2001:db8::3"));
	assert_true(has_addr(&g, 2, AF_INET, "127.0.0.4"));
	dns_resolver_stats(r, &st);
	assert_int_equal(st.queries, 1); /* the MX query alone */
	live_free(l, r);
}

/* --dns: what is not an address list is a usage error naming the value. */
static void test_resolver_servers(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"not-an-address", /* no such host */
		"[::1",           /* no closing bracket */
		"[::1]",          /* brackets want a port */
		"[::1]:",         /* an empty port */
		"[::1]:99999",    /* out of range */
		"[::1]:53:1",
		"[::1]x",
		"[]:53",
		"[127.0.0.1]:53", /* brackets are for IPv6 */
		"localhost:",
		":53",
		"1.2.3.4:0",
		"1.2.3.4:65536",
		"1.2.3.4:+53",
		"1.2.3.4: 53",
		"1.2.3.4:5:6",          /* not IPv4 with a port, not IPv6 either */
		"127.0.0.1,,127.0.0.2", /* an empty item */
		"127.0.0.1,",
		",127.0.0.1",
		",",
	};
	static const char *const good[] = {
		"127.0.0.1",
		"127.0.0.1:5353",
		"::1",
		"[::1]:53",
		"1.2.3.4:053",
		"::1:53",
		"127.0.0.1:53,[::1]:5353,::2",
		"localhost:5353",
	};
	int wrong = 0;
	struct loop *l;
	struct lg_err lerr;
	assert_int_equal(loop_new(&l, &lerr), LG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dns_resolver *r = NULL;
		struct lg_err err;
		struct dns_opts o = {.servers = bad[i]};
		char want[64];
		snprintf(want, sizeof(want), "--dns '%s'", bad[i]);
		enum lg_status st = dns_resolver_new(&r, l, &o, &err);
		if (st != LG_EUSAGE || !strstr(err.msg, want)) {
			print_error("%s: status %d, message '%s'\n", bad[i], (int)st,
				    st ? err.msg : "");
			wrong++;
		}
		dns_resolver_free(r);
		assert_true(st == LG_OK || !r);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct dns_resolver *r = NULL;
		struct lg_err err;
		struct dns_opts o = {.servers = good[i]};
		if (dns_resolver_new(&r, l, &o, &err) != LG_OK) {
			print_error("%s: %s\n", good[i], err.msg);
			wrong++;
		}
		dns_resolver_free(r);
	}
	loop_free(l);
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_preference),
		cmocka_unit_test(test_null_mx),
		cmocka_unit_test(test_nodata_chain),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_cname),
		cmocka_unit_test(test_failures_without_reply),
		cmocka_unit_test(test_ttl_clamp),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_record_lengths),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_mx_list),
		cmocka_unit_test(test_mx_additional),
		cmocka_unit_test(test_host_addrs),
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_resolver_down),
		cmocka_unit_test(test_resolver_shares_loop),
		cmocka_unit_test(test_resolver_servers),
		cmocka_unit_test(test_hosts_down),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_hosts_live_order),
		cmocka_unit_test(test_hosts_live_outcomes),
		cmocka_unit_test(test_hosts_live_shared),
		cmocka_unit_test(test_hosts_live_five),
	};
	const struct CMUnitTest additional[] = {
		cmocka_unit_test(test_hosts_live_additional),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	failed += cmocka_run_group_tests(live, live_setup, live_teardown);
	return failed + cmocka_run_group_tests(additional, live_setup_additional, live_teardown);
}
