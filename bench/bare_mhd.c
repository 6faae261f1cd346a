/*
 * bare_mhd.c - the raw limit of `leadgate serve`: libmicrohttpd alone,
 * one thread, answering every request with a fixed JSON body, the bytes
 * of a verify answer, once the request's body is read.  No routes, no
 * keys, no JSON parsing, no lookups.
 *
 * Its own thread polls with poll(2), not epoll: with
 * MHD_USE_EPOLL_INTERNAL_THREAD, libmicrohttpd 0.9.75 (Debian 12) served
 * 0 to 2,500 requests a second at 128 and 256 connections in most runs
 * of wrk, a stall of its own that would make the service look fast; with
 * poll it serves 13,000-15,000 at any count.
 *
 *   bare_mhd PORT        serve on 127.0.0.1:PORT until SIGTERM or SIGINT
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char body[] =
	"{\"email\":\"maria.garcia@northwind-traders.com\",\"verify_status\":\"deliverable\","
	"\"verify_reason\":\"ok\",\"verify_flags\":[],"
	"\"verify_normalized\":\"maria.garcia@northwind-traders.com\",\"verify_suggestion\":null,"
	"\"verify_mx\":\"aspmx.l.google.com\",\"verify_provider\":\"google\","
	"\"verified_at\":\"2026-12-06T05:56:43Z\"}\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read the body, then answer: libmicrohttpd calls back once with no data
 * (headers in), once per piece of body, and once more when it is all in. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **state)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	if (!*state) {
		*state = (void *)1;
		return MHD_YES;
	}
	if (*size) {
		*size = 0;
		return MHD_YES;
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bare_mhd PORT\n");
		return 64;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, answer,
						NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
						MHD_OPTION_CONNECTION_LIMIT, 1024u,
						MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "bare_mhd: listening on 127.0.0.1:%s\n", argv[1]);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	return 0;
}
