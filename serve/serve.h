/*
 * serve.h - `leadgate serve`: the HTTP API on the jobs layer.
 *
 * One process, one thread, one event loop (loop/loop.h): libmicrohttpd
 * runs without threads of its own, driven by that loop, beside the DNS
 * engine.  A request that waits for a lookup is suspended and taken up
 * again when the answer comes, so one slow domain never holds another
 * request.  Only this module includes <microhttpd.h>; what it exposes here
 * is what the command line and the configuration need.
 */
#ifndef LG_SERVE_H
#define LG_SERVE_H

#include "common/common.h"
#include "dns/dns.h"

#include <stdio.h>

/* The address the service listens on when none is given. */
#define SERVE_LISTEN_DEFAULT "127.0.0.1:8080"

/*
 * [serve] of the configuration (conf/ fills it; serve_conf_init gives the
 * defaults).  Strings are borrowed from whoever filled them.
 */
struct serve_conf {
	const char *listen;       /* ADDR:PORT, [IPv6]:PORT or unix:PATH; NULL: the default */
	double rate;              /* requests a second each key may make, on average: 10 */
	unsigned burst;           /* and at once, after a pause: 20 */
	uint64_t max_body;        /* bytes of a request body (uploads): 2 GiB; the
				   * single-address routes have their own 64 KiB */
	unsigned max_connections; /* connections at once: 256 */
	unsigned per_ip;          /* of them, from one address (0: no cap): 64 */
	unsigned timeout;         /* seconds a connection may stay silent: 30 */
	unsigned max_jobs;        /* bulk jobs running at once: 2 */
};
void serve_conf_init(struct serve_conf *c);

struct conf;

/* What `leadgate serve` was given. */
struct serve_opts {
	const struct conf *conf; /* borrowed for the run; its [serve] is the base */
	const char *listen;      /* --listen: over conf's, or NULL */
	const char *db;          /* the database (NULL: the default path); created if missing */
	struct dns_opts dns;     /* the resolver every request and job uses */
	int64_t now;             /* 0: the clock; else every request's time (--now, tests) */
};

/*
 * Serve until SIGTERM or SIGINT, then stop accepting, let the requests in
 * hand finish for up to SERVE_DRAIN_MS and return LG_OK.  Fails before
 * serving, with the reason in err: LG_EUSAGE (a listen address that is
 * not one), LG_EIO (it cannot be bound; the database cannot be opened),
 * LG_ETEMP (the resolver or the HTTP engine cannot start).
 */
#define SERVE_DRAIN_MS 10000
enum lg_status serve_run(const struct serve_opts *opts, struct lg_err *err);

/* The route table, a line "METHOD PATTERN" each, for the test that holds
 * it against doc/openapi.json. */
void serve_routes_print(FILE *f);

#endif
