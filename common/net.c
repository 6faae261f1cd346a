/*
 * net.c - what kind of Internet address an address is: whether an
 * outgoing connection (a webhook, an SNS confirmation, a mailbox probe)
 * may go to it.
 */
#include "common/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

/* a.b.c.d in host order; what it is when it is not public. */
static bool v4_public(uint32_t a, const char **what)
{
	static const struct {
		uint32_t net;
		unsigned bits;
		const char *what;
	} nets[] = {
		{0x00000000, 8, "\"this network\" (0.0.0.0/8)"},
		{0x0a000000, 8, "private (10.0.0.0/8)"},
		{0x64400000, 10, "shared (100.64.0.0/10)"},
		{0x7f000000, 8, "loopback (127.0.0.0/8)"},
		{0xa9fe0000, 16, "link-local (169.254.0.0/16)"},
		{0xac100000, 12, "private (172.16.0.0/12)"},
		{0xc0000000, 24, "IETF protocol assignments (192.0.0.0/24)"},
		{0xc0000200, 24, "documentation (192.0.2.0/24)"},
		{0xc0586300, 24, "6to4 relay anycast (192.88.99.0/24)"},
		{0xc0a80000, 16, "private (192.168.0.0/16)"},
		{0xc6120000, 15, "benchmarking (198.18.0.0/15)"},
		{0xc6336400, 24, "documentation (198.51.100.0/24)"},
		{0xcb007100, 24, "documentation (203.0.113.0/24)"},
		{0xe0000000, 4, "multicast (224.0.0.0/4)"},
		{0xf0000000, 4, "reserved (240.0.0.0/4)"},
	};
	for (size_t i = 0; i < sizeof(nets) / sizeof(*nets); i++) {
		uint32_t mask = 0xffffffffu << (32 - nets[i].bits);
		if ((a & mask) == nets[i].net) {
			if (what)
				*what = nets[i].what;
			return false;
		}
	}
	return true;
}

static uint32_t v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool v6_public(const unsigned char *b, const char **what)
{
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b};
	const char *w = NULL;

	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12))
		return v4_public(v4_at(b + 12), what);
	if (b[0] == 0x20 && b[1] == 0x02) /* 6to4: the IPv4 address follows */
		return v4_public(v4_at(b + 2), what);
	if (!memcmp(b, zero, 15) && b[15] <= 1)
		w = b[15] ? "loopback (::1)" : "unspecified (::)";
	else if (!memcmp(b, zero, 12))
		w = "IPv4-compatible (::/96, deprecated)";
	else if ((b[0] & 0xfe) == 0xfc)
		w = "unique local (fc00::/7)";
	else if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		w = "link-local (fe80::/10)";
	else if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		w = "site-local (fec0::/10)";
	else if (b[0] == 0xff)
		w = "multicast (ff00::/8)";
	else if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		w = "documentation (2001:db8::/32)";
	else if (b[0] == 0x01 && !memcmp(b + 1, zero, 7))
		w = "discard-only (100::/64)";
	if (w && what)
		*what = w;
	return !w;
}

bool lg_addr_public(const struct sockaddr *sa, const char **what)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return v4_public(ntohl(in->sin_addr.s_addr), what);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		return v6_public(in6->sin6_addr.s6_addr, what);
	}
	if (what)
		*what = "not an Internet address";
	return false;
}
