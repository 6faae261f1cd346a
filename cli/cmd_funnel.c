/*
 * cmd_funnel.c - `leadgate funnel --customers N [--rates R1,R2,R3,R4]`: the
 * leads each stage needs, worked backward (jobs/qualify.c), with the
 * store's observed rates where it has them.
 */
#include "cli.h"
#include "view/view.h"

static const struct cli_option opts[] = {
	{"customers", QUAL_OPT_CUSTOMERS, "N", "funnel: the customers wanted"},
	{"rates", QUAL_OPT_RATES, "R1,R2,R3,R4",
	 "funnel: raw->MQL, MQL->SQL, SQL->opportunity, "
	 "opportunity->customer conversion rates"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *customers, *rates;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case QUAL_OPT_CUSTOMERS: a->customers = val; break;
	case QUAL_OPT_RATES: a->rates = val; break;
	default: return CLI_EUSAGE;
	}
	return -1;
}

static void help(void)
{
	cli_usage(stdout, "leadgate funnel --customers N [--rates R1,R2,R3,R4]",
		  "Work backward from N customers through the stages: raw leads -> MQL ->\n"
		  "SQL -> opportunity -> customer.  Default rates: 870/2000, 130/870,\n"
		  "36/130, 10/36 (about 2000 raw leads for 10 customers).  Once the store\n"
		  "has the history (100 contacts or more at the start of a step, 30 or\n"
		  "more of them moving on), the observed raw->MQL and MQL->SQL rates are\n"
		  "shown and used too; a rate not observed is marked default (or given),\n"
		  "and the funnel says which step has too few.",
		  opts);
}

int cmd_funnel(int argc, char **argv)
{
	struct args a = {0};
	unsigned foreign;
	int first;
	long customers;
	double r[SCORING_FUNNEL_STEPS];
	struct job_funnel F;
	struct lg_err err = {{0}};
	int rc = qual_parse(argc, argv, "funnel", opts, help, on_opt, &a, &first, &foreign);
	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_usage_error("funnel takes no operand ('%s')", argv[first]);
	if (qual_refuse("funnel", foreign))
		return CLI_EUSAGE;
	if (!a.customers)
		return cli_usage_error("funnel needs --customers N");
	if (!cli_number_arg("--customers", a.customers, 1, 100000000, &customers))
		return CLI_EUSAGE;
	if (a.rates && job_funnel_rates_parse(a.rates, r, &err) != LG_OK)
		return cli_usage_error("%s", err.msg);
	/* with the store's history, when there is one: each step's observed
	 * rate where the sample is big enough, every rate not observed
	 * marked as the default or given one it is */
	job_funnel(cli_common.db, (unsigned long)customers, a.rates ? r : NULL, &F);
	view_funnel_text(stdout, &F, a.rates != NULL);
	return 0;
}
