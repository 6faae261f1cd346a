/*
 * cmd_decide.c - `leadgate decide EMAIL accept|reject|recycle`: a rep's
 * decision on a lead recorded (jobs/qualify.c), and the move it made.
 */
#include "cli.h"
#include "view/view.h"
#include "conf/conf.h"

#include <stdlib.h>

static const struct cli_option opts[] = {
	{"note", QUAL_OPT_NOTE, "TEXT", "evidence, decide: a free-text note"},
	{"reason", QUAL_OPT_REASON, "CODE",
	 "decide: bad_data, not_decision_maker, no_budget, no_need, "
	 "bad_timing, competitor, student_or_personal, "
	 "existing_customer, duplicate, other"},
	{"by", QUAL_OPT_BY, "NAME", "decide: who decides (default $USER)"},
	{"format", 'f', "FMT", "text (default), or json: also what was recorded, on stdout"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *note, *reason, *by, *config, *format;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case QUAL_OPT_NOTE: a->note = val; break;
	case QUAL_OPT_REASON: a->reason = val; break;
	case QUAL_OPT_BY: a->by = val; break;
	case 'c': a->config = val; break;
	case 'f': a->format = val; break;
	default: return CLI_EUSAGE;
	}
	return -1;
}

static void help(void)
{
	cli_usage(stdout,
		  "leadgate decide EMAIL accept|reject|recycle [--reason CODE] [--note TEXT] [--by "
		  "NAME]",
		  "Record a rep's decision on a lead: accept makes it sales-accepted (SAL),\n"
		  "reject disqualifies it and recycle sends it back to nurture; reject and\n"
		  "recycle need a --reason.  bad_data also sends the contact back to\n"
		  "re-verification: the next leadgate refresh takes it first.  Accepting\n"
		  "a contact that is not eligible (not deliverable, stale, suppressed, a\n"
		  "competitor) is refused with exit 1.",
		  opts);
}

/* What the decision did, on stderr. */
static void said(const struct job_decide_result *d, const struct job_decision *dec)
{
	if (d->move)
		fprintf(stderr, "leadgate decide: %s: %s -> %s (score %.2f, by %s)\n", d->address,
			scoring_stage_name(d->from), scoring_stage_name(dec->to),
			lead_cents(d->r.total), dec->by);
	else
		fprintf(stderr, "leadgate decide: %s is %s already; no move recorded\n", d->address,
			scoring_stage_name(d->from));
	if (d->handoff_accepted)
		fprintf(stderr, "leadgate decide: %s: handoff accepted by %s; its SLA stops\n",
			d->address, dec->by);
	if (d->bad_data)
		fprintf(stderr,
			"leadgate decide: %s: sent back to re-verification (the next "
			"refresh takes it first)\n",
			d->address);
}

int cmd_decide(int argc, char **argv)
{
	struct args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_decide_result d;
	struct lg_err err = {{0}};
	enum lg_status st;
	unsigned foreign;
	int first;
	int rc = qual_parse(argc, argv, "decide", opts, help, on_opt, &a, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (argc - first != 2)
		return cli_usage_error("decide wants EMAIL and accept, reject or recycle");
	bool json = false;
	if (qual_refuse("decide", foreign) || (a.format && cli_text_json_opt(a.format, &json) >= 0))
		return CLI_EUSAGE;
	struct job_decision dec = {.what = argv[first + 1],
				   .reason = a.reason,
				   .note = a.note,
				   .by = a.by ? a.by : getenv("USER")};
	if (job_decision_parse(&dec, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	if ((st = qual_lead_opts(&o, &conf, a.config, argv[first], &err)) == LG_OK)
		st = job_decide(&o, &dec, &d, &err);
	conf_release(&conf);
	if (st == LG_OK && json)
		view_write_line(stdout, view_decision(&dec, &d));
	if (st == LG_OK && d.refused) {
		cli_error(
			"%s: not accepted: the contact is not eligible (%s, %s%s%s); re-verify it "
			"first",
			d.address, verify_status_name(d.status), decay_class_name(d.r.freshness),
			d.suppressed ? ", suppressed" : "", d.r.competitor ? ", a competitor" : "");
		return 1;
	}
	if (st == LG_OK)
		said(&d, &dec);
	return cli_exit(st, &err);
}
