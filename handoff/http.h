/*
 * http.h - one HTTP GET, made the careful way: a URL that someone else
 * gave us (an SNS SubscribeURL, later a webhook target) is fetched with a
 * bounded cost and only where it may go.
 *
 *   - https:// only, unless allow_http; no redirect is followed, and no
 *     proxy from the environment is used (the address checked must be
 *     the one connected to);
 *   - the address curl is about to connect to (after DNS, each one it
 *     tries) must be public: loopback, private (RFC 1918, fc00::/7),
 *     link-local, shared (100.64/10), "this network" (0/8), documentation,
 *     benchmarking, multicast and reserved addresses are refused unless
 *     allow_private.  The check is on the socket address, not the name,
 *     so a name that resolves to 127.0.0.1 (DNS rebinding) cannot pass;
 *   - a connect timeout and a total timeout; the body is read and thrown
 *     away, at most HTTP_BODY_MAX bytes of it;
 *   - User-Agent: leadgate/VERSION.
 *
 * The easy interface of libcurl: the call blocks, so it runs on a worker
 * thread, never on the loop.  Safe to call from several threads at once.
 * handoff/ is the only module that includes <curl/curl.h>.
 */
#ifndef LG_HTTP_H
#define LG_HTTP_H

#include "common/common.h"

#include <stdbool.h>
#include <sys/socket.h>

#define HTTP_CONNECT_TIMEOUT_MS 5000 /* TCP and TLS handshake */
#define HTTP_TIMEOUT_MS 10000        /* the whole request, body included */
#define HTTP_BODY_MAX (64 * 1024)    /* bytes of a body read; the rest is not */

struct http_opts {
	bool allow_http;    /* http:// URLs too */
	bool allow_private; /* addresses that are not public (see above) */
	/* "HOST:PORT" ("[::1]:PORT" for IPv6) to connect to whatever the
	 * URL's host and port (a relay, or a test server playing the host);
	 * the URL's host is still the one sent and checked by TLS.  NULL:
	 * the URL's. */
	const char *connect_to;
	const char *ca_file;     /* PEM file of the CAs to trust; NULL: the system's */
	long connect_timeout_ms; /* 0: HTTP_CONNECT_TIMEOUT_MS */
	long timeout_ms;         /* 0: HTTP_TIMEOUT_MS */
};

/*
 * GET url.  LG_OK when a response came, whatever its code: the code into
 * *status (a body past HTTP_BODY_MAX is cut, the response still counts).
 * Otherwise *status is 0 and:
 *   LG_EDATA   the URL is refused: malformed, not https (and !allow_http),
 *              or its address is not public (and !allow_private);
 *   LG_ETEMP   no response: the name does not resolve, the connection or
 *              the TLS handshake fails, a timeout.
 * The message names the URL's scheme, host and port (never its path or
 * query, which may hold a token) and what failed.  o may be NULL.
 */
enum lg_status http_get(const char *url, const struct http_opts *o, long *status,
			struct lg_err *err);

/* Whether an address is public: lg_addr_public (common/net.h). */

#endif
