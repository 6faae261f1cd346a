/*
 * dnscache.c - the resolver in front of the store's domains table: an
 * answer a previous run kept (and that has not expired) is used instead
 * of asking again, and new answers are kept for later runs.
 */
#include "jobs.h"
#include "store/store.h"

const struct dns_result *job_dns_lookup(struct dns_resolver *r, struct store *s, int64_t now,
					const char *domain, size_t len, size_t org_len)
{
	const struct dns_result *d;

	if (s && !dns_resolver_peek(r, domain, len)) {
		struct dns_result known;
		if (store_domain_get(s, domain, len, now, &known) &&
		    (d = dns_resolver_prime(r, domain, len, org_len, &known)) != NULL) {
			((struct dns_result *)d)->user = 1; /* came from the store */
			return d;
		}
	}
	return dns_resolver_lookup(r, domain, len, org_len);
}

bool job_dns_to_keep(const struct dns_result *d)
{
	if (!d || d->user || d->outcome == DNS_PENDING)
		return false;
	((struct dns_result *)d)->user = 1;
	/* Failures say more about the resolver of this run than about the
	 * domain: only answers are kept. */
	return d->outcome != DNS_SERVFAIL && d->outcome != DNS_TIMEOUT;
}

enum lg_status job_dns_keep(struct dns_resolver *r, struct store *s, const struct dns_result *d,
			    struct lg_err *err)
{
	size_t len;
	const char *domain = dns_resolver_domain(r, d, &len);
	return store_domain_put(s, domain, len, d, err);
}

bool job_dns_unanswered(const struct dns_stats *d, double max, size_t *failed)
{
	/* Over every domain the run needed: those answered from the store
	 * (primed) count, or a second run, which asks only for what the
	 * first could not learn, would always look like a failing one. */
	*failed = d->outcome[DNS_TIMEOUT] + d->outcome[DNS_SERVFAIL];
	return *failed && (double)*failed > max * (double)(d->domains + d->primed);
}
