/*
 * http.c - http_get() on libcurl's easy interface (see http.h).
 *
 * The address check sits in CURLOPT_OPENSOCKETFUNCTION: curl calls it
 * with the address it resolved, or was told to connect to, just before
 * it makes the socket, for every address it tries.  Refusing there
 * (CURL_SOCKET_BAD) fails that attempt, and the transfer when it was the
 * last; what was refused is kept for the message.
 */
#include "handoff/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/* curl_global_init is called once in the process, before any handle, by
 * whichever thread comes first. */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- public addresses ------------------------------------------------------ */

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

bool http_addr_public(const struct sockaddr *sa, const char **what)
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

/* ---- one GET ------------------------------------------------------------------ */

struct get {
	const struct http_opts *o;
	size_t body;                         /* bytes of the body read */
	bool cut;                            /* the body was longer than HTTP_BODY_MAX */
	char refused[INET6_ADDRSTRLEN + 96]; /* the address refused, and why */
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct get *g = arg;
	(void)data;
	g->body += size * n;
	if (g->body > HTTP_BODY_MAX) {
		g->cut = true;
		return 0; /* stops the transfer: CURLE_WRITE_ERROR */
	}
	return size * n;
}

static curl_socket_t on_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct get *g = arg;
	const char *what = NULL;
	(void)purpose;
	if (!g->o->allow_private && !http_addr_public(&a->addr, &what)) {
		char ip[INET6_ADDRSTRLEN] = "?";
		if (a->family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr,
				  ip, sizeof(ip));
		else if (a->family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr,
				  ip, sizeof(ip));
		snprintf(g->refused, sizeof(g->refused), "%s is a %s address", ip, what);
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* "scheme://host[:port]" of url into out, for messages: the path and the
 * query may hold a secret (an SNS token). */
static void url_where(const char *url, char *out, size_t size)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	snprintf(out, size, "a malformed URL");
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			snprintf(out, size, "%s://%s:%s", scheme, host, port);
		else
			snprintf(out, size, "%s://%s", scheme, host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* Does url start with scheme ("https://"), ignoring case? */
static bool has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);
	return strlen(url) >= n && lg_ascii_eq(url, n, scheme, n);
}

enum lg_status http_get(const char *url, const struct http_opts *o, long *status, struct lg_err *err)
{
	static const struct http_opts none = {0};
	struct get g = {.o = o ? o : &none};
	char where[512], connect_to[320], detail[CURL_ERROR_SIZE] = "";
	struct curl_slist *to = NULL;
	enum lg_status st = LG_OK;

	o = g.o;
	*status = 0;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return lg_err_set(err, LG_ETEMP, "libcurl will not start: %s",
				  curl_easy_strerror(global_rc));
	url_where(url, where, sizeof(where));
	if (!has_scheme(url, "https://") && !(o->allow_http && has_scheme(url, "http://")))
		return lg_err_set(err, LG_EDATA, "%s: refused: only an https:// URL is fetched",
				  where);
	CURL *h = curl_easy_init();
	if (!h)
		return lg_err_set(err, LG_ETEMP, "%s: libcurl has no handle", where);
	if (o->connect_to) {
		/* "::HOST:PORT": from any host and port of the URL. */
		snprintf(connect_to, sizeof(connect_to), "::%s", o->connect_to);
		to = curl_slist_append(NULL, connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, to);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, o->allow_http ? "http,https" : "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");    /* not $https_proxy: see http.h */
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 o->connect_timeout_ms ? o->connect_timeout_ms : HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms ? o->timeout_ms : HTTP_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "leadgate/" LEADGATE_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &g);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
	if (o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);

	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && g.cut)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	} else if (g.refused[0]) {
		st = lg_err_set(err, LG_EDATA, "%s: refused: %s", where, g.refused);
	} else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		st = lg_err_set(err, LG_EDATA, "%s: refused: %s", where, curl_easy_strerror(rc));
	} else {
		/* libcurl's own words say more ("Operation timed out after
		 * 300 milliseconds ...", the certificate's problem). */
		st = lg_err_set(err, LG_ETEMP, "%s: %s", where,
				detail[0] ? detail : curl_easy_strerror(rc));
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(to);
	return st;
}
