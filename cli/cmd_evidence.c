/*
 * cmd_evidence.c - `leadgate evidence add EMAIL --criterion NAME --status S
 * --confidence X --source SRC ...`: one piece of qualification evidence
 * recorded (jobs/qualify.c).
 */
#include "cli.h"
#include "view/view.h"
#include "conf/conf.h"

#include <string.h>

static const struct cli_option opts[] = {
	{"framework", QUAL_OPT_FRAMEWORK, "F",
	 "BANT, CHAMP or MEDDIC (default: [scoring] framework)"},
	{"criterion", QUAL_OPT_CRITERION, "NAME",
	 "evidence: budget, authority, need, timeline, challenges, "
	 "money, prioritization, metrics, economic_buyer, "
	 "decision_criteria, decision_process, identify_pain, champion"},
	{"status", QUAL_OPT_STATUS, "S", "evidence: met, partial or not_met"},
	{"confidence", QUAL_OPT_CONFIDENCE, "X", "evidence: how sure, 0 to 1"},
	{"source", QUAL_OPT_SOURCE, "SRC", "evidence: call, email, form or note"},
	{"valid-until", QUAL_OPT_VALID_UNTIL, "TIME", "evidence: expires at TIME (RFC 3339)"},
	{"note", QUAL_OPT_NOTE, "TEXT", "evidence, decide: a free-text note"},
	{"format", 'f', "FMT", "text (default), or json: also what was recorded, on stdout"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *framework, *criterion, *status, *confidence, *source, *valid_until, *note,
		*config, *format;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case QUAL_OPT_FRAMEWORK: a->framework = val; break;
	case QUAL_OPT_CRITERION: a->criterion = val; break;
	case QUAL_OPT_STATUS: a->status = val; break;
	case QUAL_OPT_CONFIDENCE: a->confidence = val; break;
	case QUAL_OPT_SOURCE: a->source = val; break;
	case QUAL_OPT_VALID_UNTIL: a->valid_until = val; break;
	case QUAL_OPT_NOTE: a->note = val; break;
	case 'c': a->config = val; break;
	case 'f': a->format = val; break;
	default: return CLI_EUSAGE;
	}
	return -1;
}

static void help(void)
{
	cli_usage(stdout,
		  "leadgate evidence add EMAIL --criterion NAME --status S --confidence X --source "
		  "SRC [--framework F] [--valid-until TIME] [--note TEXT]",
		  "Record one piece of qualification evidence for a contact: a criterion of\n"
		  "BANT, CHAMP or MEDDIC, met, partial or not met, how sure, where it came\n"
		  "from, and until when it holds.  The latest evidence of a criterion that\n"
		  "has not expired is the one that counts (see leadgate qualify).",
		  opts);
}

int cmd_evidence(int argc, char **argv)
{
	struct args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_evidence_report rep;
	struct lg_err err = {{0}};
	enum lg_status st;
	unsigned foreign;
	int first;
	int rc = qual_parse(argc, argv, "evidence", opts, help, on_opt, &a, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (argc - first != 2 || strcmp(argv[first], "add"))
		return cli_usage_error(
			"evidence wants 'add EMAIL' (see 'leadgate evidence --help')");
	bool json = false;
	if (qual_refuse("evidence add", foreign) ||
	    (a.format && cli_text_json_opt(a.format, &json) >= 0))
		return CLI_EUSAGE;
	struct job_evidence ev = {.framework = a.framework,
				  .criterion = a.criterion,
				  .status = a.status,
				  .source = a.source,
				  .note = a.note};
	if (job_evidence_parse(&ev, a.confidence, a.valid_until, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	if ((st = qual_lead_opts(&o, &conf, a.config, argv[first + 1], &err)) == LG_OK &&
	    (st = job_evidence_add(&o, &ev, &rep, &err)) == LG_OK) {
		if (json)
			view_write_line(stdout, view_evidence(&ev, &rep));
		fprintf(stderr, "leadgate evidence: %s: %s %s %s (confidence %.2f, %s)\n",
			rep.address, rep.framework, rep.criterion, ev.status, ev.confidence,
			ev.source);
	}
	conf_release(&conf);
	return cli_exit(st, &err);
}
