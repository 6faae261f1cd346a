/*
 * provider.c - which mail provider runs a domain's mail, told from the
 * name of its preferred MX host.  Later stages use it (a Google or
 * Microsoft tenant behaves differently from a self-hosted server or a
 * filtering gateway in front of one).
 */
#include "dns.h"

#include <string.h>

static const char *const names[DNS_PROV_COUNT] = {
	[DNS_PROV_NONE] = "",
	[DNS_PROV_OWN] = "own",
	[DNS_PROV_OTHER] = "other",
	[DNS_PROV_GOOGLE] = "google",
	[DNS_PROV_MICROSOFT] = "microsoft",
	[DNS_PROV_YAHOO] = "yahoo",
	[DNS_PROV_ZOHO] = "zoho",
	[DNS_PROV_PROOFPOINT] = "proofpoint",
	[DNS_PROV_MIMECAST] = "mimecast",
	[DNS_PROV_BARRACUDA] = "barracuda",
	[DNS_PROV_CISCO] = "cisco",
	[DNS_PROV_FASTMAIL] = "fastmail",
	[DNS_PROV_APPLE] = "apple",
	[DNS_PROV_YANDEX] = "yandex",
	[DNS_PROV_MAILRU] = "mailru",
	[DNS_PROV_PROTON] = "proton",
	[DNS_PROV_IONOS] = "ionos",
	[DNS_PROV_OVH] = "ovh",
	[DNS_PROV_AMAZON] = "amazon",
	[DNS_PROV_GODADDY] = "godaddy",
	[DNS_PROV_RACKSPACE] = "rackspace",
	[DNS_PROV_NAMECHEAP] = "namecheap",
	[DNS_PROV_TRENDMICRO] = "trendmicro",
	[DNS_PROV_SOPHOS] = "sophos",
	[DNS_PROV_FORCEPOINT] = "forcepoint",
};

/* MX host suffixes (whole labels) of each provider's inbound servers. */
static const struct {
	const char *suffix;
	enum dns_provider p;
} hosts[] = {
	{"google.com", DNS_PROV_GOOGLE}, /* aspmx.l.google.com, smtp.google.com */
	{"googlemail.com", DNS_PROV_GOOGLE},
	{"outlook.com", DNS_PROV_MICROSOFT}, /* *.mail.protection.outlook.com */
	{"hotmail.com", DNS_PROV_MICROSOFT},
	{"outlook.cn", DNS_PROV_MICROSOFT},
	{"yahoodns.net", DNS_PROV_YAHOO},
	{"zoho.com", DNS_PROV_ZOHO},
	{"zoho.eu", DNS_PROV_ZOHO},
	{"zoho.in", DNS_PROV_ZOHO},
	{"zohomail.com", DNS_PROV_ZOHO},
	{"pphosted.com", DNS_PROV_PROOFPOINT},
	{"ppe-hosted.com", DNS_PROV_PROOFPOINT},
	{"ppops.net", DNS_PROV_PROOFPOINT},
	{"mimecast.com", DNS_PROV_MIMECAST},
	{"mimecast.co.za", DNS_PROV_MIMECAST},
	{"barracudanetworks.com", DNS_PROV_BARRACUDA},
	{"iphmx.com", DNS_PROV_CISCO},
	{"messagingengine.com", DNS_PROV_FASTMAIL},
	{"icloud.com", DNS_PROV_APPLE},
	{"yandex.net", DNS_PROV_YANDEX},
	{"yandex.ru", DNS_PROV_YANDEX},
	{"mail.ru", DNS_PROV_MAILRU},
	{"protonmail.ch", DNS_PROV_PROTON},
	{"kundenserver.de", DNS_PROV_IONOS},
	{"ionos.com", DNS_PROV_IONOS},
	{"ionos.de", DNS_PROV_IONOS},
	{"ovh.net", DNS_PROV_OVH},
	{"amazonaws.com", DNS_PROV_AMAZON},
	{"awsapps.com", DNS_PROV_AMAZON},
	{"secureserver.net", DNS_PROV_GODADDY},
	{"emailsrvr.com", DNS_PROV_RACKSPACE},
	{"registrar-servers.com", DNS_PROV_NAMECHEAP},
	{"privateemail.com", DNS_PROV_NAMECHEAP},
	{"trendmicro.com", DNS_PROV_TRENDMICRO},
	{"trendmicro.eu", DNS_PROV_TRENDMICRO},
	{"sophos.com", DNS_PROV_SOPHOS},
	{"mailcontrol.com", DNS_PROV_FORCEPOINT},
};

const char *dns_provider_name(enum dns_provider p)
{
	return (unsigned)p < DNS_PROV_COUNT ? names[p] : "";
}

/* s ends with the whole labels of suffix (or is it). */
static bool under(const char *s, size_t n, const char *suffix, size_t sn)
{
	return sn && n >= sn && lg_ascii_eq(s + n - sn, sn, suffix, sn) &&
	       (n == sn || s[n - sn - 1] == '.');
}

enum dns_provider dns_provider_of(const char *mx, size_t mx_len, const char *domain,
				  size_t domain_len, size_t org_len)
{
	if (!mx_len)
		return DNS_PROV_NONE;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (under(mx, mx_len, hosts[i].suffix, strlen(hosts[i].suffix)))
			return hosts[i].p;
	if (!org_len || org_len > domain_len)
		org_len = domain_len;
	if (under(mx, mx_len, domain + domain_len - org_len, org_len))
		return DNS_PROV_OWN;
	return DNS_PROV_OTHER;
}
