/*
 * cmd_qualify.c - the qualification commands, each driving its job
 * (jobs/qualify.c) and printing what it found:
 *   leadgate evidence add EMAIL --framework F --criterion C --status S
 *            --confidence X --source SRC [--valid-until TIME] [--note TEXT]
 *   leadgate qualify EMAIL        the checklist and what still blocks SQL
 *   leadgate decide EMAIL accept|reject|recycle --reason CODE [--note TEXT]
 *   leadgate report rejections    rejection rates by reason, source, score band
 *   leadgate funnel --customers N [--rates R1,R2,R3,R4]
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <stdlib.h>
#include <string.h>

enum {
	OPT_FRAMEWORK = 256,
	OPT_CRITERION,
	OPT_STATUS,
	OPT_CONFIDENCE,
	OPT_SOURCE,
	OPT_VALID_UNTIL,
	OPT_NOTE,
	OPT_REASON,
	OPT_BY,
	OPT_CUSTOMERS,
	OPT_RATES,
};

/* One option table for the five commands; each takes what it needs and
 * refuses the rest (see `need` below). */
static const struct cli_option qual_opts[] = {
	{"framework", OPT_FRAMEWORK, "F", "BANT, CHAMP or MEDDIC (default: [scoring] framework)"},
	{"criterion", OPT_CRITERION, "NAME",
	 "evidence: budget, authority, need, timeline, challenges, "
	 "money, prioritization, metrics, economic_buyer, "
	 "decision_criteria, decision_process, identify_pain, champion"},
	{"status", OPT_STATUS, "S", "evidence: met, partial or not_met"},
	{"confidence", OPT_CONFIDENCE, "X", "evidence: how sure, 0 to 1"},
	{"source", OPT_SOURCE, "SRC", "evidence: call, email, form or note"},
	{"valid-until", OPT_VALID_UNTIL, "TIME", "evidence: expires at TIME (RFC 3339)"},
	{"note", OPT_NOTE, "TEXT", "evidence, decide: a free-text note"},
	{"reason", OPT_REASON, "CODE",
	 "decide: bad_data, not_decision_maker, no_budget, no_need, "
	 "bad_timing, competitor, student_or_personal, "
	 "existing_customer, duplicate, other"},
	{"by", OPT_BY, "NAME", "decide: who decides (default $USER)"},
	{"customers", OPT_CUSTOMERS, "N", "funnel: the customers wanted"},
	{"rates", OPT_RATES, "R1,R2,R3,R4",
	 "funnel: raw->MQL, MQL->SQL, SQL->opportunity, "
	 "opportunity->customer conversion rates"},
	{"format", 'f', "FMT", "report, qualify: text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct qual_args {
	const char *framework, *criterion, *status, *confidence, *source, *valid_until, *note,
		*reason, *by, *customers, *rates, *format, *config;
	unsigned seen; /* bit (key - OPT_FRAMEWORK): given */
};

static int on_opt(void *arg, int key, const char *val)
{
	struct qual_args *a = arg;
	const char **slot = NULL;
	switch (key) {
	case OPT_FRAMEWORK: slot = &a->framework; break;
	case OPT_CRITERION: slot = &a->criterion; break;
	case OPT_STATUS: slot = &a->status; break;
	case OPT_CONFIDENCE: slot = &a->confidence; break;
	case OPT_SOURCE: slot = &a->source; break;
	case OPT_VALID_UNTIL: slot = &a->valid_until; break;
	case OPT_NOTE: slot = &a->note; break;
	case OPT_REASON: slot = &a->reason; break;
	case OPT_BY: slot = &a->by; break;
	case OPT_CUSTOMERS: slot = &a->customers; break;
	case OPT_RATES: slot = &a->rates; break;
	case 'f': a->format = val; return -1;
	case 'c': a->config = val; return -1;
	default: return CLI_EUSAGE;
	}
	*slot = val;
	a->seen |= 1u << (key - OPT_FRAMEWORK);
	return -1;
}

#define BIT(k) (1u << ((k)-OPT_FRAMEWORK))

/* What each command takes: its options of the table, and -f, -c. */
struct takes {
	unsigned bits;
	bool format, config;
};
static const struct takes takes_evidence = {BIT(OPT_FRAMEWORK) | BIT(OPT_CRITERION) |
						    BIT(OPT_STATUS) | BIT(OPT_CONFIDENCE) |
						    BIT(OPT_SOURCE) | BIT(OPT_VALID_UNTIL) |
						    BIT(OPT_NOTE),
					    false, true};
static const struct takes takes_qualify = {BIT(OPT_FRAMEWORK), true, true};
static const struct takes takes_decide = {BIT(OPT_REASON) | BIT(OPT_NOTE) | BIT(OPT_BY), false,
					  true};
static const struct takes takes_report = {0, true, false};
static const struct takes takes_funnel = {BIT(OPT_CUSTOMERS) | BIT(OPT_RATES), false, false};

/* Refuse an option the command does not take. */
static bool only(const struct qual_args *a, const char *cmd, const struct takes *t)
{
	if (a->format && !t->format) {
		cli_error("%s does not take --format", cmd);
		return false;
	}
	if (a->config && !t->config) {
		cli_error("%s does not take --config", cmd);
		return false;
	}
	for (int k = OPT_FRAMEWORK; k <= OPT_RATES; k++)
		if ((a->seen & BIT(k)) && !(t->bits & BIT(k))) {
			for (const struct cli_option *o = qual_opts; o->name; o++)
				if (o->key == k)
					cli_error("%s does not take --%s", cmd, o->name);
			return false;
		}
	return true;
}

/* --format text|json, when given. */
static bool json_format(const struct qual_args *a, bool *json)
{
	*json = false;
	return !a->format || cli_text_json_opt(a->format, json) < 0;
}

/* --help: the command's own options only. */
static void usage_of(const char *u, const char *about, const struct takes *t)
{
	struct cli_option opts[sizeof(qual_opts) / sizeof(*qual_opts)];
	size_t n = 0;
	for (const struct cli_option *o = qual_opts; o->name; o++) {
		bool mine = o->key >= OPT_FRAMEWORK && o->key <= OPT_RATES
				    ? (t->bits & BIT(o->key)) != 0
			    : o->key == 'f' ? t->format
			    : o->key == 'c' ? t->config
					    : true;
		if (mine)
			opts[n++] = *o;
	}
	opts[n] = (struct cli_option){NULL, 0, NULL, NULL};
	cli_usage(stdout, u, about, opts);
}

static void help_evidence(void)
{
	usage_of("leadgate evidence add EMAIL --criterion NAME --status S --confidence X --source "
		 "SRC "
		 "[--framework F] [--valid-until TIME] [--note TEXT]",
		 "Record one piece of qualification evidence for a contact: a criterion of\n"
		 "BANT, CHAMP or MEDDIC, met, partial or not met, how sure, where it came\n"
		 "from, and until when it holds.  The latest evidence of a criterion that\n"
		 "has not expired is the one that counts (see leadgate qualify).",
		 &takes_evidence);
}
static void help_qualify(void)
{
	usage_of("leadgate qualify EMAIL [--framework F] [--format text|json]",
		 "Show a contact's framework checklist at --now (the latest unexpired\n"
		 "evidence of each criterion) and every condition that still blocks SQL:\n"
		 "a rep's accept (SAL), 3+ high-intent events in 30 days, ICP fit, a\n"
		 "confirmed buying role, the framework, a deliverable fresh address.\n"
		 "SQL is always decided by the configured framework; with --framework\n"
		 "naming another, the output says which one decides and whether it passes.\n"
		 "Exit 0 when nothing blocks, 1 when something does.",
		 &takes_qualify);
}
static void help_decide(void)
{
	usage_of("leadgate decide EMAIL accept|reject|recycle [--reason CODE] [--note TEXT] [--by "
		 "NAME]",
		 "Record a rep's decision on a lead: accept makes it sales-accepted (SAL),\n"
		 "reject disqualifies it and recycle sends it back to nurture; reject and\n"
		 "recycle need a --reason.  bad_data also sends the contact back to\n"
		 "re-verification: the next leadgate refresh takes it first.  Accepting\n"
		 "a contact that is not eligible (not deliverable, stale, suppressed, a\n"
		 "competitor) is refused with exit 1.",
		 &takes_decide);
}
static void help_report(void)
{
	usage_of("leadgate report rejections [--format text|json]",
		 "Rejection rates of reps' decisions by reason, by list source and by\n"
		 "score band (the score when the decision was made).",
		 &takes_report);
}
static void help_funnel(void)
{
	usage_of("leadgate funnel --customers N [--rates R1,R2,R3,R4]",
		 "Work backward from N customers through the stages: raw leads -> MQL ->\n"
		 "SQL -> opportunity -> customer.  Default rates: 870/2000, 130/870,\n"
		 "36/130, 10/36 (about 2000 raw leads for 10 customers).  Once the store\n"
		 "has the history (100 contacts or more at the start of a step, 30 or\n"
		 "more of them moving on), the observed raw->MQL and MQL->SQL rates are\n"
		 "shown and used too; a rate not observed is marked default (or given),\n"
		 "and the funnel says which step has too few.",
		 &takes_funnel);
}

/* The job's options for the contact EMAIL; the configuration loaded. */
static enum lg_status lead_opts(struct job_lead_opts *o, struct conf *conf,
				const struct qual_args *a, const char *email, struct lg_err *err)
{
	*o = (struct job_lead_opts){.conf = conf,
				    .db = cli_common.db,
				    .email = email,
				    .now = cli_now()};
	conf_init(conf);
	return conf_load(conf, a->config, err);
}

/* ---- evidence add ----------------------------------------------------------- */

int cmd_evidence(int argc, char **argv)
{
	struct qual_args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_evidence_report rep;
	struct lg_err err = {{0}};
	enum lg_status st = LG_OK;
	int first;
	int rc = cli_parse(argc, argv, "evidence", qual_opts, help_evidence, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 2 || strcmp(argv[first], "add"))
		return cli_usage_error(
			"evidence wants 'add EMAIL' (see 'leadgate evidence --help')");
	if (!only(&a, "evidence add", &takes_evidence))
		return CLI_EUSAGE;
	struct job_evidence ev = {.framework = a.framework,
				  .criterion = a.criterion,
				  .status = a.status,
				  .source = a.source,
				  .note = a.note};
	if (job_evidence_parse(&ev, a.confidence, a.valid_until, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	if ((st = lead_opts(&o, &conf, &a, argv[first + 1], &err)) == LG_OK &&
	    (st = job_evidence_add(&o, &ev, &rep, &err)) == LG_OK)
		fprintf(stderr, "leadgate evidence: %s: %s %s %s (confidence %.2f, %s)\n",
			rep.address, rep.framework, rep.criterion, ev.status, ev.confidence,
			ev.source);
	conf_release(&conf);
	return cli_exit(st, &err);
}

/* ---- qualify ------------------------------------------------------------------ */

int cmd_qualify(int argc, char **argv)
{
	struct qual_args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_qualify_result q;
	struct lg_err err = {{0}};
	enum lg_status st;
	bool json;
	int first;
	int rc = cli_parse(argc, argv, "qualify", qual_opts, help_qualify, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("qualify wants one EMAIL");
	if (!only(&a, "qualify", &takes_qualify) || !json_format(&a, &json))
		return CLI_EUSAGE;
	if ((st = lead_opts(&o, &conf, &a, argv[first], &err)) == LG_OK &&
	    (st = job_qualify(&o, a.framework, &q, &err)) == LG_OK)
		json ? view_write_line(stdout, view_qualify(&conf, &q))
		     : view_qualify_text(stdout, &conf, &q);
	conf_release(&conf);
	if (st == LG_OK && q.blocked)
		return 1;
	return cli_exit(st, &err);
}

/* ---- decide -------------------------------------------------------------------- */

int cmd_decide(int argc, char **argv)
{
	struct qual_args a = {0};
	struct conf conf;
	struct job_lead_opts o;
	struct job_decide_result d;
	struct lg_err err = {{0}};
	enum lg_status st;
	int first;
	int rc = cli_parse(argc, argv, "decide", qual_opts, help_decide, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 2)
		return cli_usage_error("decide wants EMAIL and accept, reject or recycle");
	if (!only(&a, "decide", &takes_decide))
		return CLI_EUSAGE;
	struct job_decision dec = {.what = argv[first + 1],
				   .reason = a.reason,
				   .note = a.note,
				   .by = a.by ? a.by : getenv("USER")};
	if (job_decision_parse(&dec, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	if ((st = lead_opts(&o, &conf, &a, argv[first], &err)) == LG_OK)
		st = job_decide(&o, &dec, &d, &err);
	conf_release(&conf);
	if (st == LG_OK && d.refused) {
		cli_error(
			"%s: not accepted: the contact is not eligible (%s, %s%s%s); re-verify it "
			"first",
			d.address, verify_status_name(d.status), decay_class_name(d.r.freshness),
			d.suppressed ? ", suppressed" : "", d.r.competitor ? ", a competitor" : "");
		return 1;
	}
	if (st == LG_OK) {
		if (d.move)
			fprintf(stderr, "leadgate decide: %s: %s -> %s (score %.2f, by %s)\n",
				d.address, scoring_stage_name(d.from), scoring_stage_name(dec.to),
				lead_cents(d.r.total), dec.by);
		else
			fprintf(stderr, "leadgate decide: %s is %s already; no move recorded\n",
				d.address, scoring_stage_name(d.from));
		if (d.bad_data)
			fprintf(stderr,
				"leadgate decide: %s: sent back to re-verification (the next "
				"refresh takes it first)\n",
				d.address);
	}
	return cli_exit(st, &err);
}

/* ---- report rejections ------------------------------------------------------------ */

int cmd_report(int argc, char **argv)
{
	struct qual_args a = {0};
	struct lg_err err = {{0}};
	struct job_rejections T;
	enum lg_status st;
	bool json;
	int first;
	int rc = cli_parse(argc, argv, "report", qual_opts, help_report, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1 || strcmp(argv[first], "rejections"))
		return cli_usage_error("report wants 'rejections'");
	if (!only(&a, "report", &takes_report) || !json_format(&a, &json))
		return CLI_EUSAGE;
	if ((st = job_rejections(cli_common.db, &T, &err)) != LG_OK)
		return cli_exit(st, &err);
	if (json)
		view_write_line(stdout, view_rejections(&T));
	else
		view_rejections_text(stdout, &T);
	return 0;
}

/* ---- funnel ---------------------------------------------------------------------- */

int cmd_funnel(int argc, char **argv)
{
	struct qual_args a = {0};
	int first;
	long customers;
	double r[SCORING_FUNNEL_STEPS];
	struct job_funnel F;
	int rc = cli_parse(argc, argv, "funnel", qual_opts, help_funnel, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_usage_error("funnel takes no operand ('%s')", argv[first]);
	if (!only(&a, "funnel", &takes_funnel))
		return CLI_EUSAGE;
	if (!a.customers)
		return cli_usage_error("funnel needs --customers N");
	if (!cli_number_arg("--customers", a.customers, 1, 100000000, &customers))
		return CLI_EUSAGE;
	struct lg_err err = {{0}};
	if (a.rates && job_funnel_rates_parse(a.rates, r, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	/* with the store's history, when there is one: each step's observed
	 * rate where the sample is big enough, every rate not observed
	 * marked as the default or given one it is */
	job_funnel(cli_common.db, (unsigned long)customers, a.rates ? r : NULL, &F);
	view_funnel_text(stdout, &F, a.rates != NULL);
	return 0;
}
