/* main.c - leadgate's entry point: global options and the command table. */
#include "cli.h"
#include "conf/conf.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *about;
} commands[] = {
	{"verify", cmd_verify, "check a contact list: syntax, classification, mail hosts (DNS)"},
	{"lists", cmd_lists, "the lists in the store: versions, statuses, freshness, gate"},
	{"gate", cmd_gate, "decide whether a list may be sent: exit 0 pass, 1 blocked"},
	{"export", cmd_export, "write the records of a list that may be sent"},
	{"refresh", cmd_refresh, "re-verify the stalest records (run it daily)"},
	{"bounces", cmd_bounces,
	 "import bounce events (CSV, SES, SendGrid, Mailgun, Postmark, DSN); SNS subscriptions"},
	{"events", cmd_events, "import engagement and intent events: NDJSON or CSV"},
	{"score", cmd_score, "score contacts: fit, confidence, engagement, intent, grade, stage"},
	{"qualify", cmd_qualify, "a contact's framework checklist and what still blocks SQL"},
	{"contact", cmd_contact, "a contact: its verdicts newest first, freshness, score, stage"},
	{"evidence", cmd_evidence, "record qualification evidence (BANT, CHAMP, MEDDIC)"},
	{"decide", cmd_decide, "a rep's decision on a lead: accept, reject or recycle"},
	{"handoff", cmd_handoff,
	 "the handoff's outbox: send what is due and apply the SLA, status, retry"},
	{"report", cmd_report,
	 "reports: rejections by reason, source and score band; the handoff's SLA"},
	{"funnel", cmd_funnel, "the leads each stage needs for a number of customers"},
	{"keys", cmd_keys, "the API keys of leadgate serve: create, list, revoke"},
	{"serve", cmd_serve, "the HTTP API: POST /v1/verify and the routes leadgate(1) lists"},
	{"reasons", cmd_reasons, "list every reason code with its status and meaning"},
};

struct cli_common cli_common;

int cli_format_opt(const char *val, enum io_format *out)
{
	if (!strcmp(val, "csv") || !strcmp(val, "jsonl")) {
		*out = strcmp(val, "csv") ? IO_FORMAT_JSONL : IO_FORMAT_CSV;
		return -1;
	}
	return cli_usage_error("--format wants csv or jsonl, not '%s'", val);
}

int cli_text_json_opt(const char *val, bool *json)
{
	if (!strcmp(val, "json") || !strcmp(val, "text")) {
		*json = !strcmp(val, "json");
		return -1;
	}
	return cli_usage_error("--format wants text or json, not '%s'", val);
}

enum { OPT_INCLUDE_RISKY = 256 };

const struct cli_option cli_list_opts[] = {
	{"format", 'f', "FMT", "text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"include-risky", OPT_INCLUDE_RISKY, NULL, "count risky records as exportable"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

int cli_list_opt(void *arg, int key, const char *val)
{
	struct cli_list_args *a = arg;
	switch (key) {
	case 'f': return cli_text_json_opt(val, &a->json);
	case 'c': a->config = val; return -1;
	case OPT_INCLUDE_RISKY: a->include_risky = true; return -1;
	}
	return CLI_EUSAGE;
}

int cli_formula_guard_opt(const char *val, enum io_guard *out)
{
	static const char *const names[] = {
		[IO_GUARD_AUTO] = "auto", [IO_GUARD_ALL] = "all", [IO_GUARD_OFF] = "off"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (!strcmp(val, names[i])) {
			*out = (enum io_guard)i;
			return -1;
		}
	}
	return cli_usage_error("--formula-guard wants auto, all or off, not '%s'", val);
}

bool cli_number_arg(const char *name, const char *s, long lo, long hi, long *out)
{
	if (lg_parse_long(s, lo, hi, out))
		return true;
	cli_error("%s wants a whole number from %ld to %ld, not '%s'", name, lo, hi, s);
	return false;
}

int cli_dns_opt(struct dns_opts *o, int key, const char *val)
{
	long v;
	switch (key) {
	case CLI_OPT_DNS:
		if (!*val)
			return cli_usage_error(
				"--dns wants resolver addresses, e.g. 127.0.0.1:5353");
		o->servers = val;
		return -1;
	case CLI_OPT_DNS_TIMEOUT:
		if (!cli_number_arg("--dns-timeout", val, 1, 600000, &v))
			return CLI_EUSAGE;
		o->timeout_ms = (int)v;
		return -1;
	case CLI_OPT_DNS_TRIES:
		if (!cli_number_arg("--dns-tries", val, 1, 10, &v))
			return CLI_EUSAGE;
		o->tries = (int)v;
		return -1;
	case CLI_OPT_DNS_CONCURRENCY:
		if (!cli_number_arg("--dns-concurrency", val, 1, 65536, &v))
			return CLI_EUSAGE;
		o->concurrency = (unsigned)v;
		return -1;
	}
	return CLI_EUSAGE;
}

int cli_smtp_opt(struct cli_smtp_args *a, int key, const char *val)
{
	long v;
	switch (key) {
	case CLI_OPT_SMTP: a->on = true; return -1;
	case CLI_OPT_SMTP_PORT:
		if (!cli_number_arg("--smtp-port", val, 1, 65535, &v))
			return CLI_EUSAGE;
		a->port = (int)v;
		return -1;
	case CLI_OPT_SMTP_PROXY:
		if (!conf_smtp_proxy_ok(val))
			return cli_usage_error("--smtp-proxy wants socks5://HOST:PORT, not '%s'",
					       val);
		a->proxy = val;
		return -1;
	case CLI_OPT_SMTP_GREYLIST_WAIT:
		if (!cli_number_arg("--smtp-greylist-wait", val, 0, 86400, &v))
			return CLI_EUSAGE;
		a->greylist_wait = (int)v;
		return -1;
	}
	return CLI_EUSAGE;
}

bool cli_smtp_apply(const struct cli_smtp_args *a, struct conf *c)
{
	if (a->port)
		c->smtp.port = a->port;
	if (a->proxy)
		c->smtp.proxy = a->proxy;
	if (a->greylist_wait >= 0)
		c->smtp.greylist_wait_s = a->greylist_wait;
	return a->on || c->smtp.enabled;
}

bool cli_common_opt(int key, const char *arg)
{
	if (key == CLI_OPT_DB) {
		if (!*arg) {
			cli_error("--db wants a file name");
			return false;
		}
		cli_common.db = arg;
		return true;
	}
	if (!lg_time_parse(arg, strlen(arg), &cli_common.now)) {
		cli_error("--now wants an RFC 3339 time such as 2026-11-22T09:00:00Z, not '%s'",
			  arg);
		return false;
	}
	cli_common.now_set = true;
	return true;
}

int64_t cli_now(void)
{
	return cli_common.now_set ? cli_common.now : lg_now_wall();
}

int cli_parse(int argc, char **argv, const char *cmd, const struct cli_option *opts,
	      void (*help)(void), int (*on_opt)(void *arg, int key, const char *val), void *arg,
	      int *first_operand)
{
	char *shorts;
	struct option *lo = cli_getopt_table(opts, &shorts);
	int c, rc = -1;

	/* A command's: optind 0, not 1, makes glibc start afresh and forget
	 * the "+" (stop at the first operand) that leadgate's own options use,
	 * so a command's options may follow its operands. */
	optind = cmd ? 0 : 1;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, cmd ? shorts + 1 : shorts, lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			rc = 0;
			break;
		case CLI_OPT_DB:
		case CLI_OPT_NOW:
			if (!cli_common_opt(c, optarg))
				rc = CLI_EUSAGE;
			break;
		case '?':
			/* optopt: the option that wants an argument, or an
			 * unknown short option; 0 for an unknown long one. */
			if (optopt && optopt < 256 && strchr(shorts + 1, optopt))
				cli_error("%s%soption -%c wants an argument", cmd ? cmd : "",
					  cmd ? ": " : "", optopt);
			else if (optopt >= 256)
				cli_error("%s%soption '%s' wants an argument", cmd ? cmd : "",
					  cmd ? ": " : "", argv[optind - 1]);
			else
				cli_error("%s%sunknown option '%s'", cmd ? cmd : "",
					  cmd ? ": " : "", argv[optind - 1]);
			fprintf(stderr, "Try 'leadgate %s%s--help'.\n", cmd ? cmd : "",
				cmd ? " " : "");
			rc = CLI_EUSAGE;
			break;
		default: rc = on_opt(arg, c, optarg);
		}
	}
	*first_operand = optind;
	free(lo);
	free(shorts);
	return rc;
}

static const struct cli_option global_opts[] = {
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{"version", 'V', NULL, "show the version and exit"},
	{NULL, 0, NULL, NULL},
};

static void say(const char *fmt, va_list ap)
{
	fputs("leadgate: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

int cli_exit(enum lg_status st, const struct lg_err *err)
{
	if (st == LG_OK)
		return 0;
	cli_error("%s", err && err->msg[0] ? err->msg : lg_strerror(st));
	return lg_exit_code(st);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	return CLI_EUSAGE;
}

void cli_usage(FILE *f, const char *usage, const char *about, const struct cli_option *opts)
{
	fprintf(f, "Usage: %s\n%s\n\nOptions:\n", usage, about);
	for (const struct cli_option *o = opts; o->name; o++) {
		char left[64];
		if (o->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", left, o->help);
	}
}

struct option *cli_getopt_table(const struct cli_option *opts, char **shorts)
{
	size_t n = 0;
	while (opts[n].name)
		n++;
	struct option *lo = lg_xcalloc(n + 1, sizeof(*lo));
	char *s = lg_xcalloc(2 * n + 2, 1), *p = s;
	*p++ = '+'; /* stop at the first operand: commands parse their own */
	for (size_t i = 0; i < n; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
		lo[i].val = opts[i].key;
		if (opts[i].key < 256) {
			*p++ = (char)opts[i].key;
			if (opts[i].arg)
				*p++ = ':';
		}
	}
	*shorts = s;
	return lo;
}

static void usage(FILE *f)
{
	cli_usage(f, "leadgate [OPTIONS] COMMAND [ARGS]",
		  "Contact-data hygiene: verify contact lists before they enter a sequence.",
		  global_opts);
	fprintf(f, "\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-26s %s\n", commands[i].name, commands[i].about);
	fprintf(f, "\n'leadgate COMMAND --help' describes a command; leadgate(1) has it all.\n"
		   "Exit status: 0 ok, 1 gate blocked, 64 usage, 65 not a contact list,\n"
		   "66 input missing, 74 I/O error, 75 temporary failure, 78 bad configuration.\n");
}

static void help(void)
{
	usage(stdout);
}

static int on_global_opt(void *arg, int key, const char *val)
{
	(void)arg;
	(void)val;
	if (key != 'V')
		return CLI_EUSAGE;
	printf("leadgate %s\n", LEADGATE_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = cli_parse(argc, argv, NULL, global_opts, help, on_global_opt, NULL, &optind);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		usage(stderr);
		return CLI_EUSAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	return cli_usage_error("unknown command '%s' (see 'leadgate --help')", argv[optind]);
}
