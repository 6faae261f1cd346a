/*
 * cmd_export.c - `leadgate export NAME [--for-sequence] -o FILE`: the
 * options, the output file, and the export job (jobs/export.c).
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_FOR_SEQUENCE = 256, OPT_INCLUDE_RISKY };

static const struct cli_option export_opts[] = {
	{"output", 'o', "FILE", "write to FILE (default: standard output)"},
	{"format", 'f', "FMT", "csv (default) or jsonl"},
	CLI_FORMULA_GUARD_OPT,
	{"for-sequence", OPT_FOR_SEQUENCE, NULL,
	 "only records that may be sent, if the list passes the gate; recorded as sent"},
	{"include-risky", OPT_INCLUDE_RISKY, NULL,
	 "with --for-sequence: risky records too "
	 "(role addresses; never disposable ones)"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct export_args {
	const char *output, *config;
	enum io_format format;
	enum io_guard guard;
	bool for_sequence, include_risky;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct export_args *a = arg;
	switch (key) {
	case 'o': a->output = val; return -1;
	case 'c': a->config = val; return -1;
	case OPT_FOR_SEQUENCE: a->for_sequence = true; return -1;
	case OPT_INCLUDE_RISKY: a->include_risky = true; return -1;
	case 'f': return cli_format_opt(val, &a->format);
	case CLI_OPT_FORMULA_GUARD: return cli_formula_guard_opt(val, &a->guard);
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate export [OPTIONS] NAME",
		  "Write the contacts of list NAME, each with every column of its row in\n"
		  "the file the list was verified from (the address normalized), then its\n"
		  "latest verdict and freshness; never a suppressed one (hard-bounced,\n"
		  "complained or unsubscribed).\n"
		  "With --for-sequence, write only those that may be sent: deliverable (risky\n"
		  "too with --include-risky), fresh or aging, not suppressed, not disposable,\n"
		  "each once; a list the gate blocks is refused (exit 1, saying why).  What\n"
		  "is written is recorded as sent: the observed bounce rate counts from it.",
		  export_opts);
}

int cmd_export(int argc, char **argv)
{
	struct export_args a = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	struct job_export *job = NULL;
	enum lg_status st;
	int out = -1, first, rc;

	rc = cli_parse(argc, argv, "export", export_opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("export takes one list name (see 'leadgate lists')");
	if (a.include_risky && !a.for_sequence)
		return cli_usage_error("--include-risky goes with --for-sequence");
	struct job_export_opts o = {
		.conf = &conf,
		.db = cli_common.db,
		.list = argv[first],
		.for_sequence = a.for_sequence,
		.include_risky = a.include_risky,
		.format = a.format,
		.guard = a.guard,
		.target = a.output ? a.output : "-",
		.now = cli_now(),
	};
	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	if (st == LG_OK)
		st = job_export_open(&job, &o, &err);
	if (st != LG_OK)
		goto out;
	const struct job_export_report *rep = job_export_report(job);
	if (rep->blocked) {
		const struct store_list_info *li;
		const struct list_eval *e = job_export_gate(job, &li);
		view_gate_text(stderr, &conf, li, e);
		cli_error("export refused: the gate blocks list '%s'", li->name);
		rc = 1;
		goto out;
	}
	out = cli_output_open(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "cannot create %s: %s", a.output, strerror(errno));
		goto out;
	}
	if ((st = job_export_write(job, out, &err)) != LG_OK)
		goto out;
	st = cli_output_close(out, a.output, true, &err);
	out = -1;
	if (st == LG_OK)
		fprintf(stderr,
			"leadgate export: %lu of %lu contacts of list '%s' written to %s%s\n",
			rep->rows, rep->contacts, rep->list, a.output ? a.output : "<stdout>",
			a.for_sequence ? " (recorded as sent)" : "");
out:
	if (out >= 0)
		cli_output_close(out, a.output, false, NULL);
	job_export_close(job);
	conf_release(&conf);
	return rc >= 0 ? rc : cli_exit(st, &err);
}
