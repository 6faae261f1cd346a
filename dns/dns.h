/*
 * dns.h - mail-host lookups: many domains in flight, one lookup per
 * domain, a TTL-aware cache of the answers.
 *
 * What a domain gets (RFC 5321 5.1, RFC 7505): its MX records, the one with
 * the lowest preference first; a null MX ("MX 0 .") says the domain takes
 * no mail; no MX at all falls back to A, then AAAA (an implicit MX, the
 * domain itself).  SERVFAIL, REFUSED and timeouts are retried --tries times
 * and then end as DNS_SERVFAIL / DNS_TIMEOUT: "could not decide", never
 * "no such domain".
 *
 * Only this module includes <ares.h>; nothing here exposes a c-ares type.
 * A resolver serves one thread, and does its work in the steps of the
 * event loop it is given (loop/loop.h): it registers its sockets and
 * timers there, and its caller steps the loop while dns_resolver_busy().
 */
#ifndef LG_DNS_H
#define LG_DNS_H

#include "common/common.h"

enum dns_outcome {
	DNS_PENDING = 0,  /* not answered yet */
	DNS_MX,           /* MX records: mx is the preferred host */
	DNS_IMPLICIT,     /* no MX, but an A or AAAA record: mx is the domain */
	DNS_NULL_MX,      /* RFC 7505 null MX: the domain takes no mail */
	DNS_NO_MAIL_HOST, /* neither MX nor A nor AAAA */
	DNS_NXDOMAIN,     /* the domain does not exist */
	DNS_SERVFAIL,     /* the resolver failed or refused, or its answer was
			   * malformed (dns_step_eval), every try */
	DNS_TIMEOUT,      /* no answer at all, every try */
};

/* Mail providers told apart by their MX host names (dns_provider_name).
 * Like the outcomes above, the numbers are kept in the store's domain
 * answers: they never change, and new providers are appended. */
enum dns_provider {
	DNS_PROV_NONE = 0, /* no mail host */
	DNS_PROV_OWN,      /* a host under the domain's own registrable domain */
	DNS_PROV_OTHER,    /* somebody else's host, not one we know */
	DNS_PROV_GOOGLE,
	DNS_PROV_MICROSOFT,
	DNS_PROV_YAHOO,
	DNS_PROV_ZOHO,
	DNS_PROV_PROOFPOINT,
	DNS_PROV_MIMECAST,
	DNS_PROV_BARRACUDA,
	DNS_PROV_CISCO,
	DNS_PROV_FASTMAIL,
	DNS_PROV_APPLE,
	DNS_PROV_YANDEX,
	DNS_PROV_MAILRU,
	DNS_PROV_PROTON,
	DNS_PROV_IONOS,
	DNS_PROV_OVH,
	DNS_PROV_AMAZON,
	DNS_PROV_GODADDY,
	DNS_PROV_RACKSPACE,
	DNS_PROV_NAMECHEAP,
	DNS_PROV_TRENDMICRO,
	DNS_PROV_SOPHOS,
	DNS_PROV_FORCEPOINT,
	DNS_PROV_COUNT
};

const char *dns_outcome_name(enum dns_outcome o);
const char *dns_provider_name(enum dns_provider p); /* "" for DNS_PROV_NONE */

/*
 * The provider behind mail host mx ("" for none) of domain, whose last
 * org_len bytes are its registrable domain ("example.co.uk" of
 * "eu.example.co.uk"; 0 if unknown: the whole domain).
 */
enum dns_provider dns_provider_of(const char *mx, size_t mx_len, const char *domain,
				  size_t domain_len, size_t org_len);

/* One domain's answer.  Borrowed from the resolver (see dns_resolver_lookup). */
struct dns_result {
	const char *mx;       /* the preferred mail host, "" if none; owned by the resolver */
	uint32_t answered_at; /* Unix time of the answer, 0 if no answer came */
	uint32_t expires;     /* resolver clock (s) after which it is asked again */
	uint8_t outcome;      /* enum dns_outcome */
	uint8_t provider;     /* enum dns_provider */
	uint8_t org_len;      /* as given to dns_resolver_lookup */
	uint8_t query;        /* private: the query in flight */
	uint8_t attempt;      /* private: its SERVFAIL retries so far */
	uint8_t user;         /* the caller's: zero when created, never touched by the resolver */
	uint32_t mark;        /* private: replies the resolver had given when it was sent */
	uint32_t expires_at;  /* Unix time after which the answer is stale (0 while pending) */
};

struct dns_opts {
	const char *servers;  /* "host[:port],[v6]:port,..."; NULL: the system's resolv.conf */
	int timeout_ms;       /* first try; c-ares doubles it each round (0: 2000) */
	int tries;            /* tries per query (0: 2) */
	unsigned concurrency; /* domains in flight at once (0: 256) */
	int64_t now;          /* the wall clock (Unix time) for answered_at and expires_at:
			      * 0 reads the system clock, else this frozen value (--now) */
};

struct dns_stats {
	size_t domains;  /* distinct domains looked up */
	size_t queries;  /* queries sent (MX, A, AAAA; c-ares retries not counted) */
	size_t answered; /* of those, the resolver answered (any rcode) */
	size_t probes;   /* probes sent besides (see dns_resolver_down) */
	size_t outcome[DNS_TIMEOUT + 1]; /* lookups finished, by outcome */
	size_t refreshed;                /* lookups asked again because the answer expired */
	size_t primed;                   /* answers given by dns_resolver_prime (not looked up) */
	size_t bytes;                    /* memory held by the cache */
};

struct dns_resolver;
struct loop;

/*
 * A resolver working in loop's steps; LG_EUSAGE if servers cannot be
 * parsed, LG_ETEMP if c-ares cannot start.  Owned: dns_resolver_free.
 * loop is borrowed and must outlive the resolver; the resolver reads time
 * from the loop's clock (TTLs) and the wall clock from opts->now.
 */
enum lg_status dns_resolver_new(struct dns_resolver **out, struct loop *loop,
				const struct dns_opts *opts, struct lg_err *err);
/* Lookups in flight are dropped, the resolver's sockets and timers taken
 * out of its loop.  NULL is fine. */
void dns_resolver_free(struct dns_resolver *r);

/*
 * The answer for domain (lower-case A-label, no trailing dot), queued for
 * lookup when the domain is new or its answer has expired: outcome is
 * DNS_PENDING until a step of the loop completes it (queued lookups are
 * sent in the next step, up to the concurrency).  The result is borrowed
 * and valid (at the same address) until dns_resolver_free.  org_len: see
 * dns_provider_of.
 */
const struct dns_result *dns_resolver_lookup(struct dns_resolver *r, const char *domain, size_t len,
					     size_t org_len);

/*
 * Give the resolver an answer it keeps as if it had looked it up (a cache
 * kept across runs): known->outcome (not DNS_PENDING), mx, provider,
 * answered_at and expires_at are copied; an answer already past
 * expires_at is ignored.  Returns the stored result (borrowed, as for
 * dns_resolver_lookup), or NULL if the domain was already known or the
 * answer stale.
 */
const struct dns_result *dns_resolver_prime(struct dns_resolver *r, const char *domain, size_t len,
					    size_t org_len, const struct dns_result *known);

/* The result for domain if the resolver knows it (answered, pending or
 * primed), else NULL; nothing is queued.  Borrowed, as above. */
const struct dns_result *dns_resolver_peek(const struct dns_resolver *r, const char *domain,
					   size_t len);

/* The domain a result of this resolver is for; borrowed, NUL-terminated. */
const char *dns_resolver_domain(const struct dns_resolver *r, const struct dns_result *res,
				size_t *len);

/*
 * Lookups queued or in flight (domains, and the hosts of
 * dns_resolver_hosts), a probe in flight (dns_resolver_down), and
 * dns_resolver_hosts callbacks due.
 * While it is not 0 the resolver has a socket or a timer in its loop, so
 * a step of the loop without a time limit returns (after a reply, or
 * c-ares's timeout at the latest): "while (dns_resolver_busy(r))
 * loop_step(loop, -1);" waits for every answer.
 */
size_t dns_resolver_busy(const struct dns_resolver *r);

/*
 * True once the resolver is taken for down: a probe, a query it is known
 * to answer (the root's NS records, or the last lookup it answered), got no
 * reply on any try, and nothing else was answered meanwhile either.  A
 * probe goes out with the first query, and whenever a query ends without
 * a reply and nothing came back since it went out (resolver.c says why).
 * Domains whose servers drop queries never make the resolver down, however
 * many come in a row.  From then on lookups end at once as DNS_TIMEOUT
 * instead of each waiting out its tries.
 */
bool dns_resolver_down(const struct dns_resolver *r);

void dns_resolver_stats(const struct dns_resolver *r, struct dns_stats *st);

/*
 * Mail hosts with their addresses, for mailbox probing (smtp/): a
 * domain's MX hosts, lowest preference first (ties to the name that sorts
 * first), at most DNS_HOSTS_MAX; for an implicit MX the domain itself.
 * Each host's addresses are its A records, then its AAAA records, at most
 * DNS_HOST_ADDRS_MAX; a host with none is left out.
 */
#define DNS_HOSTS_MAX 4
#define DNS_HOST_ADDRS_MAX 4
struct dns_host_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};
struct dns_host {
	const char *name; /* borrowed for the callback's duration */
	uint8_t naddr;
	struct dns_host_addr addr[DNS_HOST_ADDRS_MAX];
};
/* The hosts of domain[0..len) are known: hosts[0..n), n = 0 when the
 * domain has no mail host (null MX, NXDOMAIN, no MX nor address) or its
 * lookups failed.  Everything given is borrowed for the call. */
typedef void dns_hosts_fn(void *arg, const char *domain, size_t len, const struct dns_host *hosts,
			  size_t n);

/*
 * Look up domain's mail hosts and their addresses: its MX answer as
 * dns_resolver_lookup gives it (the same lookup, shared), then each host's
 * addresses.  fn(arg, ...) is called once, always in a later step of the
 * loop (never from inside this call), when they are known.  Lookups of
 * host addresses count in dns_resolver_busy, so stepping the loop while it
 * is not 0 brings every callback.  The addresses are cached for their
 * TTL, as answers are (a failure 300 s), and take places of the
 * concurrency like domains.  Callers of the same domain are called back
 * in the order of their calls.  fn may call the resolver again, but not
 * free it; a resolver freed first calls nothing back.  A domain's answer
 * given by dns_resolver_prime knows its preferred host only (the store
 * keeps no more): until it expires, that one host is the domain's list.
 */
void dns_resolver_hosts(struct dns_resolver *r, const char *domain, size_t len, size_t org_len,
			dns_hosts_fn *fn, void *arg);


#endif
