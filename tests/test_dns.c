/*
 * test_dns.c - the verdict logic of the DNS stage on canned replies (wire
 * format, built here), the provider fingerprint, and the resolver against
 * a dead server.  The real server is tests/dns.sh's.
 */
#include "dns/dns_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
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

	/* a compression pointer to itself in the question */
	reply(&q, NOERROR, "x", T_MX);
	q.n = 12;
	put16(&q, 0xc00c);
	put16(&q, T_MX);
	put16(&q, 1);
	eval(DNS_Q_MX, &q, &s);
	assert_int_equal(s.outcome, DNS_PENDING); /* no answers: read as NODATA, safely */

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
 * refused at once, the resolver is declared down after DNS_DOWN_AFTER
 * lookups, and the rest end as timeouts without being sent. */
static void test_resolver_down(void **state)
{
	(void)state;
	struct dns_resolver *r;
	struct lg_err err;
	struct dns_opts o = {.servers = "127.0.0.1:9", .timeout_ms = 200, .tries = 1,
			     .concurrency = 4};
	assert_int_equal(dns_resolver_new(&r, &o, &err), LG_OK);
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
		dns_resolver_run(r, -1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(res[i]->outcome, DNS_TIMEOUT);
	assert_true(dns_resolver_down(r));
	struct dns_stats st;
	dns_resolver_stats(r, &st);
	assert_int_equal(st.domains, 100);
	assert_int_equal(st.answered, 0);
	assert_int_equal(st.outcome[DNS_TIMEOUT], 100);
	assert_true(st.queries < 100); /* once down, nothing more is sent */
	dns_resolver_free(r);
}

static void test_resolver_bad_servers(void **state)
{
	(void)state;
	struct dns_resolver *r = NULL;
	struct lg_err err;
	struct dns_opts o = {.servers = "not-an-address"};
	assert_int_equal(dns_resolver_new(&r, &o, &err), LG_EUSAGE);
	assert_null(r);
	assert_non_null(strstr(err.msg, "not-an-address"));
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
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_resolver_down),
		cmocka_unit_test(test_resolver_bad_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
