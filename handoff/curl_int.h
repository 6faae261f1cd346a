/*
 * curl_int.h - what http.c (one GET, easy interface) and send.c (webhook
 * POSTs, multi interface) share: libcurl set up once in the process, the
 * address check every connection passes, the options every request of
 * handoff/ carries, and the words of their messages.  Private to
 * handoff/: the rest of the program never sees <curl/curl.h>.
 */
#ifndef LG_HANDOFF_CURL_INT_H
#define LG_HANDOFF_CURL_INT_H

#include "common/common.h"
#include "handoff/http.h"

#include <curl/curl.h>
#include <netinet/in.h>

/* curl_global_init, once in the process, by whichever thread comes
 * first; LG_ETEMP (with libcurl's words) if it failed. */
enum lg_status http_global_init(struct lg_err *err);

/*
 * The address check of one transfer, in CURLOPT_OPENSOCKETFUNCTION:
 * curl calls http_guard_socket with the address it resolved, or was told
 * to connect to, just before it makes the socket, for every address it
 * tries.  An address that is not public (lg_addr_public) is refused
 * (CURL_SOCKET_BAD) unless allow_private: that attempt fails, and the
 * transfer when it was the last; what was refused is kept in refused[]
 * for the message ("" while nothing was).
 */
struct http_guard {
	bool allow_private;
	char refused[INET6_ADDRSTRLEN + 96]; /* "127.0.0.1 is a loopback address" */
};
curl_socket_t http_guard_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a);

/*
 * The options of every request of handoff/ on h: the URL, the schemes
 * allowed (https, and http when o->allow_http), no redirect, no proxy
 * from the environment, no signals, the timeouts, User-Agent
 * leadgate/VERSION, o->connect_to, o->ca_file, the address check with g
 * (borrowed: it must live as long as the transfer) and the error buffer
 * errbuf (CURL_ERROR_SIZE bytes, borrowed likewise).  *to receives the
 * list CURLOPT_CONNECT_TO holds (owned: curl_slist_free_all once the
 * transfer is done; NULL when there is none).
 */
void http_easy_setup(CURL *h, const char *url, const struct http_opts *o, struct http_guard *g,
		     char *errbuf, struct curl_slist **to);

/* Whether url's scheme is https://, or http:// when allow_http (ASCII
 * case ignored). */
bool http_scheme_ok(const char *url, bool allow_http);

/* "scheme://host[:port]" of url into out, for messages: the path and the
 * query may hold a secret (an SNS token, a Slack webhook's key). */
void http_url_where(const char *url, char *out, size_t size);

#endif
