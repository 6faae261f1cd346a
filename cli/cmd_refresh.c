/*
 * cmd_refresh.c - `leadgate refresh`: the options, the refresh job
 * (jobs/refresh.c) driven to its end, and what it did.
 */
#include "cli.h"
#include "conf/conf.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_OLDER = 256, OPT_BUDGET };

static const struct cli_option refresh_opts[] = {
	{"older-than", OPT_OLDER, "AGE",
	 "re-verify verdicts older than AGE: 30d, 12h, 2w ... "
	 "(default: [decay] stale_days)"},
	{"budget", OPT_BUDGET, "N", "re-verify at most N records (default 50000)"},
	{"list", 'l', "NAME", "only the contacts of list NAME's current version"},
	CLI_DNS_OPTS,
	CLI_SMTP_OPTS,
	{"config", 'c', "FILE", "read this configuration file"},
	{"quiet", 'q', NULL, "print no summary (errors, and records kept unknown, still show)"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct refresh_args {
	const char *list, *config;
	int64_t older; /* -1: the configuration's stale_after */
	unsigned long budget;
	bool quiet;
	struct dns_opts dns;
	struct cli_smtp_args smtp;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct refresh_args *a = arg;
	long v;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'c': a->config = val; return -1;
	case 'q': a->quiet = true; return -1;
	case OPT_OLDER:
		if (lg_parse_duration(val, &a->older))
			return -1;
		return cli_usage_error("--older-than wants an age such as 30d, 12h or 2w, not '%s'",
				       val);
	case OPT_BUDGET:
		if (!cli_number_arg("--budget", val, 1, 100000000, &v))
			return CLI_EUSAGE;
		a->budget = (unsigned long)v;
		return -1;
	case CLI_OPT_SMTP:
	case CLI_OPT_SMTP_PORT:
	case CLI_OPT_SMTP_PROXY:
	case CLI_OPT_SMTP_GREYLIST_WAIT: return cli_smtp_opt(&a->smtp, key, val);
	}
	return cli_dns_opt(&a->dns, key, val);
}

static void help(void)
{
	cli_usage(stdout, "leadgate refresh [OPTIONS]",
		  "Re-verify, with the same checks and DNS lookups as 'leadgate verify', and\n"
		  "record the new verdicts of, up to --budget records: those a rep sent back\n"
		  "(decide ... --reason bad_data), then those whose verdicts are older than\n"
		  "--older-than, leads in the funnel (MQL, PQL, HQL, SAL, SQL) first, each\n"
		  "stalest first; suppressed ones never.  Killed and run again, it takes up\n"
		  "where it stopped.  A record whose new answer is unknown keeps its older\n"
		  "verdict and comes first next time, and so does one a mail host still\n"
		  "greylisted (--smtp: the mail hosts are asked, as verify --smtp asks).\n"
		  "Meant to run daily\n"
		  "(leadgate-refresh.timer).  Exit 0, or 75 if the resolver did not answer\n"
		  "or left more than [verify] dns_unanswered_max (50%) of the domains\n"
		  "unanswered.",
		  refresh_opts);
}

int cmd_refresh(int argc, char **argv)
{
	struct refresh_args a = {.older = -1,
				 .budget = LIST_REFRESH_BUDGET,
				 .smtp.greylist_wait = -1};
	struct conf conf;
	struct lg_err err = {{0}};
	enum lg_status st;
	struct job_refresh *job = NULL;
	int first, rc;
	double t0 = lg_now_mono();

	rc = cli_parse(argc, argv, "refresh", refresh_opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc)
		return cli_usage_error("refresh takes no operands (see 'leadgate refresh --help')");
	struct job_refresh_opts o = {
		.conf = &conf,
		.db = cli_common.db,
		.list = a.list,
		.older = a.older,
		.budget = a.budget,
		.dns = a.dns,
		.now = cli_now(),
	};
	o.dns.now = cli_common.now_set ? o.now : 0;
	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	o.smtp = cli_smtp_apply(&a.smtp, &conf);
	if (st == LG_OK)
		st = job_refresh_open(&job, &o, &err);
	if (st != LG_OK)
		goto out;
	const struct job_refresh_report *rep = job_refresh_report(job);
	if (rep->resumed && !a.quiet)
		fprintf(stderr, "leadgate refresh: taking up the interrupted refresh run %lld\n",
			(long long)rep->run_id);
	for (bool done = false; !done;)
		if ((st = job_refresh_step(job, &done, &err)) != LG_OK)
			goto out;
	if ((st = job_refresh_finish(job, &err)) != LG_OK)
		goto out;
	const struct store_refresh_counts *c = &rep->counts;
	if (!a.quiet) {
		if (rep->resumed)
			fprintf(stderr,
				"leadgate refresh: %lu of %lu records of the resumed plan "
				"re-verified, %lu changed status, %lu now suppressed\n",
				c->done, c->planned, c->changed, c->suppressed);
		else
			fprintf(stderr,
				"leadgate refresh: %lu of %lu planned records re-verified "
				"(older than %.1f days, budget %lu), %lu changed status, %lu "
				"now suppressed\n",
				c->done, c->planned, (double)rep->older / 86400, a.budget,
				c->changed, c->suppressed);
		fprintf(stderr,
			"  this run: deliverable %lu, risky %lu, undeliverable %lu, unknown %lu; "
			"%zu domains looked up, %zu answers reused; %.1f s\n",
			rep->by_status[VERIFY_DELIVERABLE], rep->by_status[VERIFY_RISKY],
			rep->by_status[VERIFY_UNDELIVERABLE], rep->by_status[VERIFY_UNKNOWN],
			rep->dns_stats.domains, rep->dns_stats.primed, lg_now_mono() - t0);
		if (rep->smtp)
			fprintf(stderr,
				"  smtp: %zu domains, %zu addresses, %zu sessions, %zu greylisted "
				"(first in the next refresh)\n",
				rep->smtp_stats.domains, rep->smtp_stats.addresses,
				rep->smtp_stats.sessions, rep->smtp_stats.outcome[SMTP_GREYLISTED]);
	}
	/* Not silenced by --quiet: these change what to do next. */
	if (rep->kept)
		fprintf(stderr,
			"leadgate refresh: kept: %lu records whose new answer was unknown keep "
			"their older verdict; they stay due and come first in the next refresh\n",
			rep->kept);
	if (rep->dns_unanswered)
		st = lg_err_set(
			&err, LG_ETEMP,
			"%zu of %zu domains went unanswered (dns.timeout, dns.servfail), more than "
			"the %g%% that [verify] dns_unanswered_max allows: every record was "
			"recorded, theirs as unknown; run again later",
			rep->dns_failed, rep->dns_stats.domains + rep->dns_stats.primed,
			conf.dns_unanswered_max * 100);
out:
	job_refresh_close(job);
	conf_release(&conf);
	return cli_exit(st, &err);
}
