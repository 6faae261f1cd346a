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
	DNS_FAIL_SERVFAIL, /* SERVFAIL, REFUSED, NOTIMP, FORMERR or a malformed reply */
	DNS_FAIL_TIMEOUT,  /* no reply on any try (or the connection was refused) */
};

#define DNS_NAME_MAX 253      /* RFC 1035 2.3.4, without the trailing dot */
#define DNS_TTL_MIN 30        /* answers are kept at least this long (s) */
#define DNS_TTL_MAX 86400     /* and at most this long */
#define DNS_TTL_NEGATIVE 300  /* NXDOMAIN / NODATA without an SOA (RFC 2308 5) */
#define DNS_TTL_FAILURE 300   /* SERVFAIL and timeouts, within one run */

struct dns_step {
	enum dns_outcome outcome;    /* DNS_PENDING: ask `next` */
	enum dns_query next;
	uint32_t ttl;                /* seconds the outcome may be kept */
	char mx[DNS_NAME_MAX + 1];   /* DNS_MX: the preferred host, lower case */
};

/*
 * The step after the reply to query q: abuf/alen is the reply when fail is
 * DNS_FAIL_NONE.  MX (RFC 5321 5.1): the lowest preference wins, ties go
 * to the host that sorts first, so runs agree; a single MX whose exchange
 * is the root is a null MX (RFC 7505 3); root exchanges beside real ones
 * are ignored.  NODATA moves MX -> A -> AAAA -> DNS_NO_MAIL_HOST.
 */
void dns_step_eval(enum dns_query q, enum dns_fail fail, const unsigned char *abuf, size_t alen,
		   struct dns_step *out);

#endif
