/*
 * cmd_qualify.c - `leadgate qualify EMAIL`: a contact's framework
 * checklist and what still blocks SQL (jobs/qualify.c), as text or JSON.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

static const struct cli_option opts[] = {
	{"framework", QUAL_OPT_FRAMEWORK, "F",
	 "BANT, CHAMP or MEDDIC (default: [scoring] framework)"},
	{"format", 'f', "FMT", "report, qualify: text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *framework, *format, *config;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case QUAL_OPT_FRAMEWORK: a->framework = val; break;
	case 'f': a->format = val; break;
	case 'c': a->config = val; break;
	default: return CLI_EUSAGE;
	}
	return -1;
}

static void help(void)
{
	cli_usage(stdout, "leadgate qualify EMAIL [--framework F] [--format text|json]",
		  "Show a contact's framework checklist at --now (the latest unexpired\n"
		  "evidence of each criterion) and every condition that still blocks SQL:\n"
		  "a rep's accept (SAL), 3+ high-intent events in 30 days, ICP fit, a\n"
		  "confirmed buying role, the framework, a deliverable fresh address.\n"
		  "SQL is always decided by the configured framework; with --framework\n"
		  "naming another, the output says which one decides and whether it passes.\n"
		  "Exit 0 when nothing blocks, 1 when something does.",
		  opts);
}

int cmd_qualify(int argc, char **argv)
{
	struct args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_qualify_result q;
	struct lg_err err = {{0}};
	enum lg_status st;
	bool json = false;
	unsigned foreign;
	int first;
	int rc = qual_parse(argc, argv, "qualify", opts, help, on_opt, &a, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("qualify wants one EMAIL");
	if (qual_refuse("qualify", foreign) || (a.format && cli_text_json_opt(a.format, &json) >= 0))
		return CLI_EUSAGE;
	if ((st = qual_lead_opts(&o, &conf, a.config, argv[first], &err)) == LG_OK &&
	    (st = job_qualify(&o, a.framework, &q, &err)) == LG_OK)
		json ? view_write_line(stdout, view_qualify(&conf, &q))
		     : view_qualify_text(stdout, &conf, &q);
	conf_release(&conf);
	if (st == LG_OK && q.blocked)
		return 1;
	return cli_exit(st, &err);
}
