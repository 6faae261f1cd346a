/*
 * cmd_lists.c - `leadgate lists [show NAME]`: what the store knows of each
 * list (jobs/lists.c), or of one in detail.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <string.h>

static void help(void)
{
	cli_usage(stdout, "leadgate lists [OPTIONS] [show NAME]",
		  "Every list verified with 'leadgate verify --list NAME', or one in detail:\n"
		  "rows, unique contacts, counts by status and freshness, predicted and\n"
		  "observed bounce rates ('-' with nothing to measure) and the gate's\n"
		  "decision.  The observed rate counts what the current version sent; show\n"
		  "NAME lists every version's, newest first.",
		  cli_list_opts);
}

/* A list with its versions, as JSON. */
static json_t *list_json(const struct conf *c, const struct job_list *l)
{
	return view_list(c, &l->info, &l->eval, view_windows(l->windows, l->nwindows));
}

static void dump(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

/* lists show NAME */
static enum lg_status show(struct job_lists *j, const struct conf *c, const char *name, bool json,
			   struct lg_err *err)
{
	const struct job_list *l;
	enum lg_status st = job_list_show(j, name, &l, err);
	if (st != LG_OK)
		return st;
	if (json)
		dump(list_json(c, l));
	else
		view_list_show_text(stdout, c, &l->info, &l->eval, l->windows, l->nwindows);
	return LG_OK;
}

/* Every list: a line each as it is weighed, or one JSON array at the end. */
static enum lg_status all(struct job_lists *j, const struct conf *c, bool json, struct lg_err *err)
{
	const struct job_list *l;
	json_t *a = json ? json_array() : NULL;
	enum lg_status st;

	if (!json)
		view_lists_head_text(stdout);
	while ((st = job_lists_next(j, &l, err)) == LG_OK && l) {
		if (json)
			json_array_append_new(a, list_json(c, l));
		else
			view_list_row_text(stdout, &l->info, &l->eval);
	}
	if (json && st == LG_OK)
		dump(a);
	else
		json_decref(a);
	return st;
}

int cmd_lists(int argc, char **argv)
{
	struct cli_list_args a = {0};
	struct conf conf;
	struct job_lists *j = NULL;
	struct lg_err err = {{0}};
	const char *name = NULL;
	int first,
		rc = cli_parse(argc, argv, "lists", cli_list_opts, help, cli_list_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc) {
		if (strcmp(argv[first], "show") || argc - first != 2)
			return cli_usage_error("lists takes no operand, or 'show NAME'");
		name = argv[first + 1];
	}
	conf_init(&conf);
	enum lg_status st = conf_load(&conf, a.config, &err);
	if (st == LG_OK) {
		struct job_lists_opts o = {.conf = &conf,
					   .db = cli_common.db,
					   .include_risky = a.include_risky,
					   .now = cli_now()};
		if ((st = job_lists_open(&j, &o, &err)) == LG_OK)
			st = name ? show(j, &conf, name, a.json, &err)
				  : all(j, &conf, a.json, &err);
	}
	job_lists_close(j);
	conf_release(&conf);
	return cli_exit(st, &err);
}
