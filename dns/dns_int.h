/*
 * dns_int.h - private to dns/ and its tests: turning one reply into the
 * next step of a domain's lookup.  Pure: no sockets, no c-ares state.
 */
#ifndef LG_DNS_INT_H
#define LG_DNS_INT_H

#include "dns.h"

/* The queries of one lookup, in the order they are asked. */
enum dns_query {
	DNS_Q_MX = 0,
	DNS_Q_A,
	DNS_Q_AAAA,
};

/* What came back when there is no reply to read. */
enum dns_fail {
	DNS_FAIL_NONE = 0, /* a reply: read it */
	DNS_FAIL_NXDOMAIN, /* c-ares said ENOTFOUND without handing over the reply */
	DNS_FAIL_NODATA,   /* likewise ENODATA */
	DNS_FAIL_SERVFAIL, /* SERVFAIL, REFUSED, NOTIMP, FORMERR or a malformed reply
			    * (see dns_step_eval) */
	DNS_FAIL_TIMEOUT,  /* no reply on any try (or the connection was refused) */
};

#define DNS_NAME_MAX 253     /* RFC 1035 2.3.4, without the trailing dot */
#define DNS_TTL_MIN 30       /* answers are kept at least this long (s) */
#define DNS_TTL_MAX 86400    /* and at most this long */
#define DNS_TTL_NEGATIVE 300 /* NXDOMAIN / NODATA without an SOA (RFC 2308 5) */
#define DNS_TTL_FAILURE 300  /* SERVFAIL and timeouts, within one run */
/* CNAME records an answer's chain may pass through: more is taken for a
 * loop.  No RFC sets a number (RFC 1034 3.6.2 asks that loops be caught);
 * a mail domain is a few aliases deep at most, and a bound means a
 * hostile reply cannot keep us walking. */
#define DNS_CNAME_MAX 16

/* Addresses of one name, A records first, then AAAA. */
struct dns_step_addrs {
	uint8_t n;
	struct dns_host_addr addr[DNS_HOST_ADDRS_MAX];
	uint32_t ttl; /* the least of their TTLs (clamped); 0 if n is 0 */
};

struct dns_step {
	enum dns_outcome outcome; /* DNS_PENDING: ask `next` */
	enum dns_query next;
	uint32_t ttl;              /* seconds the outcome may be kept */
	char mx[DNS_NAME_MAX + 1]; /* DNS_MX: the preferred host, lower case */
	/* DNS_MX: the hosts in the order they are tried, each once, at most
	 * DNS_HOSTS_MAX (mxs[0] is mx), and the A then AAAA records the
	 * reply's additional section holds for each (extra[i].n 0: none). */
	unsigned nmx;
	char mxs[DNS_HOSTS_MAX][DNS_NAME_MAX + 1];
	struct dns_step_addrs extra[DNS_HOSTS_MAX];
	/* DNS_IMPLICIT from an A or AAAA query: the first addresses of that
	 * type at the end of the chain, in the reply's order. */
	struct dns_step_addrs addrs;
};

/*
 * The step after the reply to query q: abuf/alen is the reply when fail is
 * DNS_FAIL_NONE.  The records that count are those of the type asked at
 * the end of the CNAME chain from the question's name (RFC 1034 3.6.2).
 * MX (RFC 5321 5.1): the lowest preference wins, ties go to the host that
 * sorts first, so runs agree; MX records whose exchanges are all the root
 * are a null MX (RFC 7505 3); root exchanges beside real ones are ignored.
 * NODATA moves MX -> A -> AAAA (the implicit MX, RFC 5321 5.1) ->
 * DNS_NO_MAIL_HOST.  The same steps serve a mail host's own A and AAAA
 * lookups (dns_resolver_hosts): DNS_IMPLICIT with `addrs` when there are
 * addresses, DNS_PENDING (after A) or DNS_NO_MAIL_HOST (after AAAA) when
 * there are none.  The additional section is read for the MX hosts'
 * addresses only; a malformed record there drops those addresses, not
 * the answer (RFC 2181 5.4.1 trusts that section least).
 *
 * A malformed reply is DNS_SERVFAIL, "could not decide": one that cannot
 * be read to its end, a record whose data does not have the length its
 * type gives it (A 4 octets, RFC 1035 3.4.1; AAAA 16, RFC 3596 2.2; MX a
 * preference and a name that ends where the data ends, RFC 1035 3.3.9;
 * CNAME a name that fills it, 3.3.1; SOA, 3.3.13), an alias with two
 * canonical names (RFC 2181 10.1), or a CNAME chain that loops or is
 * longer than DNS_CNAME_MAX.
 */
void dns_step_eval(enum dns_query q, enum dns_fail fail, const unsigned char *abuf, size_t alen,
		   struct dns_step *out);

#endif
