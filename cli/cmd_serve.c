/*
 * cmd_serve.c - `leadgate serve`: the HTTP API (serve/), on the options
 * given: listen where, which database, which configuration, which
 * resolvers.
 */
#include "cli.h"
#include "conf/conf.h"
#include "serve/serve.h"

#include <string.h>

enum {
	OPT_LISTEN = 256,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_METRICS_LISTEN,
	OPT_ROUTES, /* hidden: print the route table (the tests compare it with the API's
		     * description) */
};

static const struct cli_option serve_opts[] = {
	{"listen", OPT_LISTEN, "ADDR",
	 "listen on ADDR:PORT, [IPv6]:PORT or unix:PATH (default " SERVE_LISTEN_DEFAULT
	 ", or [serve] listen)"},
	{"tls-cert", OPT_TLS_CERT, "FILE",
	 "serve HTTPS with this PEM certificate (chain) (or [serve] tls_cert)"},
	{"tls-key", OPT_TLS_KEY, "FILE", "and this PEM private key (or [serve] tls_key)"},
	{"metrics-listen", OPT_METRICS_LISTEN, "ADDR",
	 "also serve GET /metrics, without a key, on ADDR:PORT (plain HTTP)"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_DNS_OPTS,
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct serve_args {
	const char *listen, *config, *tls_cert, *tls_key, *metrics_listen;
	bool routes;
	struct dns_opts dns;
};

static void help(void)
{
	cli_usage(stdout, "leadgate serve [OPTIONS]",
		  "Serve the HTTP API: POST /v1/verify answers for one address with the\n"
		  "object a row of 'verify -f jsonl' holds, using and filling the store's\n"
		  "DNS cache.  GET /v1/lists, /v1/lists/NAME and /v1/lists/NAME/gate answer\n"
		  "with what 'lists' and 'gate' print with --format json;\n"
		  "/v1/lists/NAME/export[?for_sequence=1] streams what 'export' writes (a\n"
		  "blocked list is 409).  GET /metrics (scope admin, or without a key on\n"
		  "--metrics-listen) has the counters in the Prometheus text format.  With\n"
		  "--tls-cert and --tls-key it serves HTTPS.\n"
		  "Every route but /healthz, /readyz, /v1/openapi.json (the API\n"
		  "described), the web page (/ and /assets/) and the handoff's signed\n"
		  "accept link (/v1/handoffs/ID/accept: a GET shows its Accept button,\n"
		  "the POST accepts) needs\n"
		  "'Authorization: Bearer KEY', a key made with\n"
		  "'leadgate keys create'.  One line per request goes to standard error (method, "
		  "route,\n"
		  "status, milliseconds, key name).  SIGTERM or SIGINT stops accepting and\n"
		  "lets the requests in hand finish, for 10 s at most; the exit status is 0.",
		  serve_opts);
}

static int on_opt(void *arg, int key, const char *val)
{
	struct serve_args *a = arg;
	switch (key) {
	case OPT_LISTEN:
		if (!*val)
			return cli_usage_error("--listen wants ADDR:PORT or unix:PATH");
		a->listen = val;
		return -1;
	case OPT_TLS_CERT: a->tls_cert = val; return -1;
	case OPT_TLS_KEY: a->tls_key = val; return -1;
	case OPT_METRICS_LISTEN:
		if (!*val)
			return cli_usage_error("--metrics-listen wants ADDR:PORT");
		a->metrics_listen = val;
		return -1;
	case OPT_ROUTES: a->routes = true; return -1;
	case 'c': a->config = val; return -1;
	}
	return cli_dns_opt(&a->dns, key, val);
}

int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	struct conf conf;
	struct lg_err err = {0};
	int first;

	memset(&a, 0, sizeof(a));
	/* --routes is known to the parser but not shown by --help. */
	struct cli_option opts[sizeof(serve_opts) / sizeof(*serve_opts) + 1];
	memcpy(opts, serve_opts, sizeof(serve_opts));
	opts[sizeof(serve_opts) / sizeof(*serve_opts) - 1] = (struct cli_option){"routes",
										 OPT_ROUTES, NULL,
										 ""};
	opts[sizeof(serve_opts) / sizeof(*serve_opts)] = (struct cli_option){NULL, 0, NULL, NULL};
	int rc = cli_parse(argc, argv, "serve", opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_usage_error("serve takes no operands ('%s')", argv[first]);
	if (a.routes) {
		serve_routes_print(stdout);
		return 0;
	}
	conf_init(&conf);
	enum lg_status st = conf_load(&conf, a.config, &err);
	struct esp_policy esp;
	/* The webhooks' secrets read now: one that cannot be is said at the
	 * start, not at the first bounce an ESP posts. */
	if (st == LG_OK)
		st = conf_esp_policy(&conf, &esp, &err);
	/* [smtp] likewise: an identity given but refused, or a proxy whose
	 * name does not resolve, is said now (exit 78), not by the first
	 * request that asks for a probe; and the proxy's name is resolved
	 * once, here, never on the service's loop (each prober it makes, for
	 * POST /v1/verify or a job, is given the address). */
	if (st == LG_OK && (conf.smtp.helo || conf.smtp.mail_from))
		st = conf_smtp_check(&conf, &err);
	if (st == LG_OK)
		st = conf_smtp_proxy_resolve(&conf, &err);
	if (st == LG_OK) {
		struct serve_opts o = {
			.esp = &esp,
			.conf = &conf,
			.listen = a.listen,
			.db = cli_common.db,
			.dns = a.dns,
			.now = cli_common.now_set ? cli_common.now : 0,
			.tls_cert = a.tls_cert,
			.tls_key = a.tls_key,
			.metrics_listen = a.metrics_listen,
		};
		st = serve_run(&o, &err);
	}
	conf_release(&conf);
	return cli_exit(st, &err);
}
