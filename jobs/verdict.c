/*
 * verdict.c - one verdict path: how verify and refresh alike complete an
 * address's verdict and make of it what the store records.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

#include <string.h>

/* What each outcome of a probe makes of a verdict whose domain takes
 * mail: the reason (VERIFY_R_OK: the verdict stays as DNS left it). */
static const enum verify_reason smtp_reason[SMTP_OUTCOME_COUNT] = {
	[SMTP_PENDING] = VERIFY_R_OK,
	[SMTP_ACCEPTED] = VERIFY_R_OK,
	[SMTP_CATCH_ALL] = VERIFY_R_SMTP_CATCH_ALL,
	[SMTP_NO_MAILBOX] = VERIFY_R_SMTP_NO_MAILBOX,
	[SMTP_DISABLED] = VERIFY_R_SMTP_DISABLED,
	[SMTP_FULL] = VERIFY_R_SMTP_MAILBOX_FULL,
	[SMTP_BLOCKED] = VERIFY_R_SMTP_BLOCKED,
	[SMTP_GREYLISTED] = VERIFY_R_SMTP_GREYLISTED,
	[SMTP_TIMEOUT] = VERIFY_R_SMTP_TIMEOUT,
	[SMTP_NO_CONNECT] = VERIFY_R_SMTP_NO_CONNECT,
	[SMTP_UNDECIDED] = VERIFY_R_SMTP_UNDECIDED,
	[SMTP_NOT_PROBED] = VERIFY_R_OK,
};

_Static_assert(DNS_HOSTS_MAX <= SMTP_HOSTS_MAX && DNS_HOST_ADDRS_MAX <= SMTP_HOST_ADDRS_MAX,
	       "the resolver's hosts fit the prober's");

void job_smtp_hosts(const struct dns_host *hosts, size_t n, struct smtp_host *out)
{
	for (size_t i = 0; i < n && i < SMTP_HOSTS_MAX; i++) {
		out[i].name = hosts[i].name;
		out[i].naddr = 0;
		for (size_t k = 0; k < hosts[i].naddr && k < SMTP_HOST_ADDRS_MAX; k++) {
			out[i].addr[k].family = hosts[i].addr[k].family;
			memcpy(out[i].addr[k].addr, hosts[i].addr[k].addr,
			       sizeof(out[i].addr[k].addr));
			out[i].naddr++;
		}
	}
}

bool job_smtp_skipped(const struct conf *c, const struct dns_result *d)
{
	return d && d->mx && d->mx[0] && conf_smtp_skip(c, d->mx, strlen(d->mx));
}

/* A domain's mail hosts are known: to the prober, as its hosts (none for
 * a provider in the table, whose addresses are not probed). */
static void on_hosts(void *arg, const char *domain, size_t len, const struct dns_host *hosts,
		     size_t n)
{
	struct job_probe *p = arg;
	struct smtp_host h[SMTP_HOSTS_MAX];
	if (!p->prober) /* the service renewed its prober meanwhile */
		return;
	if (job_smtp_skipped(p->conf, dns_resolver_peek(p->dns, domain, len)))
		n = 0;
	if (n > SMTP_HOSTS_MAX)
		n = SMTP_HOSTS_MAX;
	job_smtp_hosts(hosts, n, h);
	smtp_prober_hosts(p->prober, domain, len, h, n);
}

void job_probe_init(struct job_probe *p, struct smtp_prober *prober, struct dns_resolver *dns,
		    const struct conf *c, struct store *store, int64_t now)
{
	*p = (struct job_probe){prober, dns, c, store, now, {0}};
	lg_map_init(&p->domains, 1);
}

void job_probe_release(struct job_probe *p)
{
	lg_map_release(&p->domains);
}

const struct smtp_result *job_probe_add(struct job_probe *p, const struct verify_result *v)
{
	const char *dom = v->normalized + v->normalized_len - v->domain_len;
	bool created;
	if (!v->domain_len || v->normalized_len <= v->domain_len)
		return NULL;
	/* A UTF-8 local part may be said only with SMTPUTF8 on MAIL FROM to
	 * a host that offers it (RFC 6531 3.4); said raw, a host may call a
	 * live mailbox unknown.  Not probed: the DNS verdict stands. */
	if (v->flags & VERIFY_F_SMTPUTF8)
		return NULL;
	lg_map_put(&p->domains, dom, v->domain_len, lg_hash(dom, v->domain_len), &created);
	if (created && p->store) {
		int ca = store_smtp_domain_get(p->store, dom, v->domain_len,
					       p->now ? p->now : lg_now_wall());
		if (ca)
			smtp_prober_prime(p->prober, dom, v->domain_len, (enum smtp_catch_all)ca);
	}
	const struct smtp_result *sr = smtp_prober_add(p->prober, v->normalized, v->normalized_len,
						       v->domain_len);
	/* After the add: the hosts' callback comes in a later step anyway. */
	if (created)
		dns_resolver_hosts(p->dns, dom, v->domain_len, v->org_len, on_hosts, p);
	return sr;
}

void job_smtp_verdict(struct verify_result *v, const struct smtp_result *r, bool skipped)
{
	/* Only a domain that takes mail has a mailbox to ask about: a
	 * verdict DNS (or syntax) decided otherwise stays as it is. */
	bool takes_mail = v->reason == VERIFY_R_OK || v->reason == VERIFY_R_ROLE ||
			  (v->reason == VERIFY_R_DISPOSABLE && v->status == VERIFY_RISKY);
	if (!takes_mail)
		return;
	/* Some providers accept at RCPT and bounce later: their answers are
	 * not asked for, and never make an address deliverable. */
	if (skipped) {
		v->flags |= VERIFY_F_SMTP_SKIPPED;
		return;
	}
	if (!r || r->outcome >= SMTP_OUTCOME_COUNT)
		return;
	enum verify_reason why = smtp_reason[r->outcome];
	if (why == VERIFY_R_OK)
		return;
	v->reason = why;
	v->status = verify_reason_status(why);
	if (why == VERIFY_R_SMTP_CATCH_ALL)
		v->flags |= VERIFY_F_ACCEPT_ALL;
}

void job_verdict(struct verify_result *v, const struct dns_result *d,
		 const struct smtp_result *smtp, bool smtp_skipped, bool hard_bounce, int64_t now,
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
	job_smtp_verdict(v, smtp, smtp_skipped);
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
	/* The probe's evidence, when it decided anything (skipped: nothing
	 * was asked). */
	if (smtp && !smtp_skipped && smtp->outcome != SMTP_PENDING &&
	    smtp->outcome != SMTP_NOT_PROBED) {
		sv->smtp_outcome = smtp->outcome;
		sv->smtp_tls = smtp->tls;
		sv->smtp_reply = smtp->reply;
		sv->smtp_at = smtp->decided_at ? smtp->decided_at : now;
	}
	if (key && verify_contact_key(v, key)) {
		sv->address = key->data;
		sv->address_len = key->len;
	}
}
