/*
 * verdict.c - one verdict path: how verify and refresh alike complete an
 * address's verdict and make of it what the store records.
 */
#include "jobs.h"
#include "store/store.h"

#include <string.h>

void job_verdict(struct verify_result *v, const struct dns_result *d, bool hard_bounce, int64_t now,
		 struct lg_buf *key, struct store_verdict *sv)
{
	const char *mx = "", *provider = "";
	int64_t at = now;

	if (d) {
		verify_apply_dns(v, (enum dns_outcome)d->outcome);
		mx = d->mx;
		provider = dns_provider_name((enum dns_provider)d->provider);
		if (d->answered_at)
			at = d->answered_at;
	}
	/* A hard bounce seen since decides over what the domain says. */
	if (hard_bounce) {
		v->status = VERIFY_UNDELIVERABLE;
		v->reason = VERIFY_R_BOUNCE_HARD;
	}
	const char *n = v->normalized;
	const char *sign = v->normalized_len ? memrchr(n, '@', v->normalized_len) : NULL;
	const char *acct = NULL;
	size_t acct_len = v->domain_len ? verify_account_key(v, &acct) : 0;
	*sv = (struct store_verdict){
		.address = n,
		.address_len = v->normalized_len,
		.domain = sign ? sign + 1 : "",
		.domain_len = sign ? v->normalized_len - (size_t)(sign + 1 - n) : 0,
		.status = v->status,
		.reason = v->reason,
		.flags = v->flags,
		.mx = mx,
		.provider = provider,
		.verified_at = at,
		.account = acct,
		.account_len = acct_len,
	};
	if (key && verify_contact_key(v, key)) {
		sv->address = key->data;
		sv->address_len = key->len;
	}
}
