/*
 * cmd_contact.c - `leadgate contact EMAIL`: a contact as it stands
 * (jobs/qualify.c's job_contact): its verdict, freshness, score, stage
 * and verdicts newest first, as text or as the JSON that GET
 * /v1/contacts/{email} answers.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <stdlib.h>

static const struct cli_option opts[] = {
	{"format", 'f', "FMT", "text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *format, *config;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case 'f': a->format = val; break;
	case 'c': a->config = val; break;
	default: return CLI_EUSAGE;
	}
	return -1;
}

static void help(void)
{
	cli_usage(stdout, "leadgate contact EMAIL [--format text|json]",
		  "Show a contact as it stands at --now: its verdict (status, reason,\n"
		  "flags, mail host) and suppression, its freshness (the age of the\n"
		  "verdict under its list source's decay), its score and stage, and its\n"
		  "verdicts newest first, one per run that gave one: the last 20, and how\n"
		  "many there are in all.  EMAIL names the contact in any spelling.",
		  opts);
}

int cmd_contact(int argc, char **argv)
{
	struct args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct lg_err err = {{0}};
	enum lg_status st;
	bool json = false;
	unsigned foreign;
	int first;
	int rc = qual_parse(argc, argv, "contact", opts, help, on_opt, &a, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("contact wants one EMAIL");
	if (qual_refuse("contact", foreign) || (a.format && cli_text_json_opt(a.format, &json) >= 0))
		return CLI_EUSAGE;
	struct job_contact_result *c = lg_xcalloc(1, sizeof(*c));
	if ((st = qual_lead_opts(&o, &conf, a.config, argv[first], &err)) == LG_OK &&
	    (st = job_contact(&o, c, &err)) == LG_OK)
		json ? view_write_line(stdout, view_contact(c)) : view_contact_text(stdout, c);
	conf_release(&conf);
	free(c);
	return cli_exit(st, &err);
}
