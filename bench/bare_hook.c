/*
 * bare_hook.c - the receiver of the handoff benchmark (bench/run_handoff.sh):
 * libmicrohttpd alone, one thread polling with poll(2) (see bare_mhd.c for
 * why not epoll), answering every request 204 at once once its body is
 * read.  No signature check, no parsing: the fastest a webhook receiver
 * can be, so that what is measured is the sender.
 *
 * It counts the requests and keeps, for each, its arrival time (the
 * wall clock, ns, when its body was in) and its webhook-id; at the end it
 * writes them to LOG, one "ID TAB NS" line a request, and "count N" to
 * stderr.  With --expect N it ends by itself once N requests are in.
 *
 *   bare_hook PORT LOG [--expect N]   until SIGTERM or SIGINT (or N requests)
 *
 * It prints "ready PORT" on stdout once listening.
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ID_MAX 64

struct arrival {
	char id[ID_MAX];
	int64_t ns;
};

static struct arrival *seen;
static size_t nseen, cap;
static size_t expect;
static volatile sig_atomic_t stop;
static int wake[2]; /* the daemon's thread tells main that --expect was reached */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* libmicrohttpd calls back once with no data (headers in), once per
 * piece of body, and once more when it is all in: then the answer. */
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
	/* one thread: no lock needed */
	if (nseen == cap) {
		cap = cap ? 2 * cap : 65536;
		seen = realloc(seen, cap * sizeof(*seen));
		if (!seen) {
			fprintf(stderr, "bare_hook: out of memory\n");
			exit(1);
		}
	}
	const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-id");
	snprintf(seen[nseen].id, ID_MAX, "%s", id ? id : "-");
	seen[nseen].ns = now_ns();
	nseen++;
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"",
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	if (expect && nseen == expect && write(wake[1], "x", 1) < 0)
		stop = 1;
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--expect"))) {
		fprintf(stderr, "usage: bare_hook PORT LOG [--expect N]\n");
		return 64;
	}
	if (argc == 5)
		expect = strtoul(argv[4], NULL, 10);
	FILE *log = fopen(argv[2], "w");
	if (!log || pipe(wake) != 0) {
		perror("bare_hook");
		return 1;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, answer,
						NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
						MHD_OPTION_CONNECTION_LIMIT, 1024u,
						MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare_hook: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	struct sigaction act = {.sa_handler = on_signal};
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	printf("ready %s\n", argv[1]);
	fflush(stdout);
	char b;
	while (!stop && read(wake[0], &b, 1) != 1)
		;
	if (expect)
		usleep(100000); /* the last answers go out */
	MHD_stop_daemon(d);
	for (size_t i = 0; i < nseen; i++)
		fprintf(log, "%s\t%lld\n", seen[i].id, (long long)seen[i].ns);
	fclose(log);
	fprintf(stderr, "count %zu\n", nseen);
	return 0;
}
