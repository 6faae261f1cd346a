/*
 * http.c - http_get() on libcurl's easy interface (see http.h).
 *
 * Also what handoff/ shares between its requests (curl_int.h): libcurl's
 * set-up, the address check in CURLOPT_OPENSOCKETFUNCTION and the
 * options every request carries; send.c, the webhook sender, uses them
 * too, so there is one address check, not two.
 */
#include "handoff/http.h"
#include "common/net.h"
#include "handoff/curl_int.h"

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

enum lg_status http_global_init(struct lg_err *err)
{
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK)
		return lg_err_set(err, LG_ETEMP, "libcurl will not start: %s",
				  curl_easy_strerror(global_rc));
	return LG_OK;
}

/* ---- what every request shares ------------------------------------------------- */

curl_socket_t http_guard_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_guard *g = arg;
	const char *what = NULL;
	(void)purpose;
	if (!g->allow_private && !lg_addr_public(&a->addr, &what)) {
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

void http_easy_setup(CURL *h, const char *url, const struct http_opts *o, struct http_guard *g,
		     char *errbuf, struct curl_slist **to)
{
	*to = NULL;
	g->allow_private = o->allow_private;
	g->refused[0] = '\0';
	if (o->connect_to) {
		/* "::HOST:PORT": from any host and port of the URL. */
		char connect_to[320];
		snprintf(connect_to, sizeof(connect_to), "::%s", o->connect_to);
		*to = curl_slist_append(NULL, connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, *to);
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
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, http_guard_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	errbuf[0] = '\0';
	if (o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
}

void http_url_where(const char *url, char *out, size_t size)
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

bool http_scheme_ok(const char *url, bool allow_http)
{
	return has_scheme(url, "https://") || (allow_http && has_scheme(url, "http://"));
}

/* ---- one GET ------------------------------------------------------------------ */

struct get {
	size_t body; /* bytes of the body read */
	bool cut;    /* the body was longer than HTTP_BODY_MAX */
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

enum lg_status http_get(const char *url, const struct http_opts *o, long *status, struct lg_err *err)
{
	static const struct http_opts none = {0};
	struct get g = {0};
	struct http_guard guard;
	char where[512], detail[CURL_ERROR_SIZE];
	struct curl_slist *to = NULL;
	enum lg_status st;

	o = o ? o : &none;
	*status = 0;
	if ((st = http_global_init(err)) != LG_OK)
		return st;
	http_url_where(url, where, sizeof(where));
	if (!http_scheme_ok(url, o->allow_http))
		return lg_err_set(err, LG_EDATA, "%s: refused: only an https:// URL is fetched",
				  where);
	CURL *h = curl_easy_init();
	if (!h)
		return lg_err_set(err, LG_ETEMP, "%s: libcurl has no handle", where);
	http_easy_setup(h, url, o, &guard, detail, &to);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);

	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && g.cut)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	} else if (guard.refused[0]) {
		st = lg_err_set(err, LG_EDATA, "%s: refused: %s", where, guard.refused);
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
