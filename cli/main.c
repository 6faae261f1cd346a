/* main.c - leadgate's entry point: global options and the command table. */
#include "cli.h"

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
	{"bounces", cmd_bounces, "import bounce events: CSV, SES, SendGrid, Mailgun, Postmark, DSN"},
	{"reasons", cmd_reasons, "list every reason code with its status and meaning"},
};

struct cli_common cli_common;

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
		cli_error("--now wants an RFC 3339 time such as 2026-11-22T09:00:00Z, not '%s'", arg);
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

	/* 0, not 1: glibc then forgets main()'s "+" (stop at the first
	 * operand), so options may follow operands. */
	optind = 0;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, shorts + 1, lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			rc = 0;
			break;
		case CLI_OPT_DB:
		case CLI_OPT_NOW:
			if (!cli_common_opt(c, optarg))
				rc = 64;
			break;
		case '?':
		case ':':
			if (optopt && optopt < 256 && strchr(shorts, optopt))
				cli_error("%s: option -%c wants an argument", cmd, optopt);
			else
				cli_error("%s: unknown option or missing argument '%s'", cmd,
					  argv[optind - 1]);
			fprintf(stderr, "Try 'leadgate %s --help'.\n", cmd);
			rc = 64;
			break;
		default:
			rc = on_opt(arg, c, optarg);
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

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("leadgate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_usage(FILE *f, const char *usage, const char *about, const struct cli_option *opts)
{
	fprintf(f, "Usage: %s\n%s\n\nOptions:\n", usage, about);
	for (const struct cli_option *o = opts; o->name; o++) {
		char left[64];
		if (o->key < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
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

int main(int argc, char **argv)
{
	char *shorts;
	struct option *lo = cli_getopt_table(global_opts, &shorts);
	int c, rc = -1;

	while (rc < 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			rc = 0;
			break;
		case 'V':
			printf("leadgate %s\n", LEADGATE_VERSION);
			rc = 0;
			break;
		case CLI_OPT_DB:
		case CLI_OPT_NOW:
			if (!cli_common_opt(c, optarg))
				rc = 64;
			break;
		default:
			usage(stderr);
			rc = 64;
		}
	}
	free(lo);
	free(shorts);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		usage(stderr);
		return 64;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	cli_error("unknown command '%s' (see 'leadgate --help')", argv[optind]);
	return 64;
}
