/*
 * socks.c - a SOCKS5 proxy's part of a session (RFC 1928), without
 * authentication: the greeting offers method 0 only (3. "X'00' NO
 * AUTHENTICATION REQUIRED"), the request is CONNECT to the MX host's
 * address as an IP literal (4. ATYP 1 or 4: the prober has resolved the
 * host already, and the proxy need not resolve anything), and the reply
 * (6.) must say "succeeded".  Whatever else the proxy answers fails the
 * host like a refused connection.  Pure: session.c does the I/O.
 */
#include "prober_int.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

enum lg_status smtp_socks_parse(struct smtp_socks *out, const char *url, struct lg_err *err)
{
	static const char scheme[] = "socks5://";
	char host[256];
	const char *h, *colon;
	long port;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return lg_err_set(err, LG_EUSAGE, "smtp proxy '%s': want socks5://HOST:PORT", url);
	h = url + sizeof(scheme) - 1;
	if (*h == '[') { /* [IPv6]:PORT */
		const char *close = strchr(h, ']');
		if (!close || close[1] != ':')
			return lg_err_set(err, LG_EUSAGE,
					  "smtp proxy '%s': want socks5://[IPv6]:PORT", url);
		colon = close + 1;
		if ((size_t)(close - h - 1) >= sizeof(host))
			return lg_err_set(err, LG_EUSAGE, "smtp proxy '%s': host too long", url);
		memcpy(host, h + 1, (size_t)(close - h - 1));
		host[close - h - 1] = '\0';
	} else {
		colon = strrchr(h, ':');
		if (!colon || colon == h)
			return lg_err_set(err, LG_EUSAGE,
					  "smtp proxy '%s': want socks5://HOST:PORT", url);
		if ((size_t)(colon - h) >= sizeof(host))
			return lg_err_set(err, LG_EUSAGE, "smtp proxy '%s': host too long", url);
		memcpy(host, h, (size_t)(colon - h));
		host[colon - h] = '\0';
	}
	if (!lg_parse_long(colon + 1, 1, 65535, &port))
		return lg_err_set(err, LG_EUSAGE, "smtp proxy '%s': bad port (want 1 to 65535)",
				  url);
	/* A name is resolved once, here: a run's sessions all go to the
	 * same proxy.  An address is parsed without asking anybody
	 * (AI_NUMERICHOST): the service resolves its proxy's name at its
	 * start (conf_smtp_proxy_resolve) and gives each prober it makes the
	 * address, so that no lookup blocks its loop. */
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST, .ai_socktype = SOCK_STREAM},
			*ai = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc == EAI_NONAME) {
		hints.ai_flags = 0;
		rc = getaddrinfo(host, NULL, &hints, &ai);
	}
	if (rc != 0 || !ai)
		return lg_err_set(err, LG_EUSAGE, "smtp proxy '%s': cannot resolve '%s': %s", url,
				  host, gai_strerror(rc));
	memcpy(&out->sa, ai->ai_addr, ai->ai_addrlen);
	out->salen = ai->ai_addrlen;
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)&out->sa)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)&out->sa)->sin_port = htons((uint16_t)port);
	freeaddrinfo(ai);
	return LG_OK;
}

size_t smtp_socks_greeting(unsigned char *out)
{
	out[0] = 5; /* VER */
	out[1] = 1; /* NMETHODS */
	out[2] = 0; /* no authentication */
	return 3;
}

int smtp_socks_method(const unsigned char *in, size_t n)
{
	if (n < 2)
		return 0;
	return in[0] == 5 && in[1] == 0 ? 2 : -1;
}

size_t smtp_socks_request(const struct smtp_addr *dst, uint16_t port, unsigned char *out)
{
	size_t alen = dst->family == AF_INET6 ? 16 : 4;
	out[0] = 5; /* VER */
	out[1] = 1; /* CONNECT */
	out[2] = 0; /* RSV */
	out[3] = dst->family == AF_INET6 ? 4 : 1;
	memcpy(out + 4, dst->addr, alen);
	out[4 + alen] = (unsigned char)(port >> 8);
	out[5 + alen] = (unsigned char)port;
	return 6 + alen;
}

int smtp_socks_reply(const unsigned char *in, size_t n)
{
	size_t need;
	if (n < 2)
		return 0;
	if (in[0] != 5 || in[1] != 0) /* REP 0: succeeded */
		return -1;
	if (n < 5)
		return 0;
	switch (in[3]) { /* BND.ADDR's type: the length of the reply */
	case 1: need = 4 + 4 + 2; break;
	case 4: need = 4 + 16 + 2; break;
	case 3: need = 4 + 1 + (size_t)in[4] + 2; break;
	default: return -1;
	}
	return n < need ? 0 : (int)need;
}
