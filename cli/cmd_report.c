/*
 * cmd_report.c - `leadgate report rejections`: the rejection rates of
 * reps' decisions by reason, list source and score band (jobs/qualify.c);
 * `leadgate report sla`: the handoff's SLA per rep and per team
 * (jobs/sla.c).
 */
#include "cli.h"
#include "view/view.h"

#include <string.h>

static const struct cli_option opts[] = {
	{"format", 'f', "FMT", "report, qualify: text (default) or json"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

static int on_opt(void *arg, int key, const char *val)
{
	if (key != 'f')
		return CLI_EUSAGE;
	*(const char **)arg = val;
	return -1;
}

static void help(void)
{
	cli_usage(stdout, "leadgate report rejections|sla [--format text|json]",
		  "rejections: rejection rates of reps' decisions by reason, by list source\n"
		  "and by score band (the score when the decision was made).\n"
		  "sla: the handoff's SLA per rep and per team: leads handed, accepted,\n"
		  "accepted within the SLA, median and p90 time to accept, escalations,\n"
		  "rejections by reason.",
		  opts);
}

int cmd_report(int argc, char **argv)
{
	const char *format = NULL;
	struct lg_err err = {{0}};
	struct job_rejections T;
	enum lg_status st;
	bool json = false;
	unsigned foreign;
	int first;
	int rc = qual_parse(argc, argv, "report", opts, help, on_opt, &format, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (argc - first != 1 || (strcmp(argv[first], "rejections") && strcmp(argv[first], "sla")))
		return cli_usage_error("report wants 'rejections' or 'sla'");
	if (qual_refuse("report", foreign) || (format && cli_text_json_opt(format, &json) >= 0))
		return CLI_EUSAGE;
	if (!strcmp(argv[first], "sla")) {
		struct job_sla S;
		st = job_sla(cli_common.db, &S, &err);
		if (st == LG_OK && json)
			view_write_line(stdout, view_sla(&S));
		else if (st == LG_OK)
			view_sla_text(stdout, &S);
		job_sla_free(&S);
		return st == LG_OK ? 0 : cli_exit(st, &err);
	}
	if ((st = job_rejections(cli_common.db, &T, &err)) != LG_OK)
		return cli_exit(st, &err);
	if (json)
		view_write_line(stdout, view_rejections(&T));
	else
		view_rejections_text(stdout, &T);
	return 0;
}
