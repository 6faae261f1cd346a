/*
 * cmd_score.c - `leadgate score [--list NAME]`: the scoring run (jobs/
 * score.c) driven to its output file, and its line: every contact scored,
 * the stage moves the scores call for recorded.  `leadgate score --explain
 * EMAIL` lists every contribution of one contact's score, largest first;
 * they add up to the total.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_EXPLAIN = 256, OPT_DRY_RUN };

static const struct cli_option score_opts[] = {
	{"list", 'l', "NAME",
	 "score the members of list NAME's current version (default: every contact)"},
	{"output", 'o', "FILE", "write the scores to FILE (default: standard output)"},
	{"format", 'f', "FMT", "output format: csv (default) or jsonl"},
	CLI_FORMULA_GUARD_OPT,
	{"explain", OPT_EXPLAIN, "EMAIL", "list every contribution to EMAIL's score instead"},
	{"dry-run", OPT_DRY_RUN, NULL, "record no stage move"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"quiet", 'q', NULL, "print no summary"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct score_args {
	const char *list, *output, *explain, *config;
	enum io_format format;
	enum io_guard guard;
	bool dry_run, quiet;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct score_args *a = arg;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'o': a->output = val; return -1;
	case 'f': return cli_format_opt(val, &a->format);
	case CLI_OPT_FORMULA_GUARD: return cli_formula_guard_opt(val, &a->guard);
	case OPT_EXPLAIN: a->explain = val; return -1;
	case OPT_DRY_RUN: a->dry_run = true; return -1;
	case 'c': a->config = val; return -1;
	case 'q': a->quiet = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate score [OPTIONS]",
		  "Score every contact in the store (or a list's members) at --now, each row\n"
		  "saying who it is (name, company, title, as its lists gave them): fit\n"
		  "(title, competitor, firmographics), data confidence (the verdict and its\n"
		  "age), engagement (events, each halving with its class's half-life),\n"
		  "account intent and product usage; the total, the grade (fit letter A-D,\n"
		  "engagement digit 1-4), the 7-day trend and the stage.  Stage moves the\n"
		  "scores call for (lead -> MQL -> HQL, SAL -> SQL, recycled ...) are\n"
		  "recorded with when, why and the score.  Only a deliverable, fresh,\n"
		  "unsuppressed, non-competitor contact can enter a stage.",
		  score_opts);
}

/* ---- --explain ------------------------------------------------------------- */

struct explain_arg {
	const struct conf *conf;
	bool json;
};

static void on_explain(void *arg, const char *address, const struct lead_scored *sc)
{
	const struct explain_arg *x = arg;
	if (x->json)
		view_write_line(stdout, view_explain(address, sc));
	else
		view_explain_text(stdout, x->conf, address, sc);
}

int cmd_score(int argc, char **argv)
{
	struct score_args a = {.format = IO_FORMAT_CSV};
	struct conf conf;
	struct lg_err err = {{0}};
	struct job_score *j = NULL;
	enum lg_status st;
	int first, out = -1;

	int rc = cli_parse(argc, argv, "score", score_opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc) {
		return cli_usage_error(
			"score takes no operand ('%s'); --explain EMAIL scores one contact",
			argv[first]);
	}
	if (a.explain && (a.output || a.list))
		return cli_usage_error(
			"--explain prints one contact's explanation on standard output: it takes "
			"neither --output nor --list");
	struct job_score_opts o = {
		.conf = &conf,
		.db = cli_common.db,
		.list = a.list,
		.explain = a.explain,
		.dry_run = a.dry_run,
		.format = a.format,
		.guard = a.guard,
		.now = cli_now(), /* after the options: --now */
	};
	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	if (st == LG_OK)
		st = job_score_open(&j, &o, &err);
	if (st != LG_OK)
		goto out;
	if (a.explain) {
		struct explain_arg x = {&conf, a.format == IO_FORMAT_JSONL};
		st = job_score_explain(j, on_explain, &x, &err);
		goto out;
	}

	out = cli_output_open(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "%s: %s", a.output, strerror(errno));
		goto out;
	}
	st = job_score_write(j, out, &err);
	if (st == LG_OK)
		st = cli_output_close(out, a.output, true, &err);
	else
		cli_output_close(out, a.output, false, NULL);
	out = -1;
	const struct job_score_report *r = job_score_report(j);
	if (st == LG_OK && !a.quiet) {
		fprintf(stderr,
			"leadgate score: %lu contacts scored, %lu eligible; stages:", r->scored,
			r->eligible);
		for (int i = 0; i < SCORING_STAGE_COUNT; i++)
			if (r->by_stage[i])
				fprintf(stderr, " %s %lu",
					scoring_stage_name((enum scoring_stage)i), r->by_stage[i]);
		fprintf(stderr, "; %zu stage move%s %s", r->moves - r->skipped,
			r->moves - r->skipped == 1 ? "" : "s",
			a.dry_run ? "not recorded (--dry-run)" : "recorded");
		if (r->skipped)
			fprintf(stderr, " (%lu not: the contact's stage changed while scoring)",
				r->skipped);
		if (r->handoff.handed || r->handoff.unassigned)
			fprintf(stderr,
				"; %lu lead%s handed off, %lu to no rep (leadgate handoff status)",
				r->handoff.handed, r->handoff.handed == 1 ? "" : "s",
				r->handoff.unassigned);
		fputc('\n', stderr);
	}
out:
	if (out >= 0)
		cli_output_close(out, a.output, false, NULL);
	job_score_close(j);
	conf_release(&conf);
	return cli_exit(st, &err);
}
