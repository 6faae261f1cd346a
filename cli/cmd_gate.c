/*
 * cmd_gate.c - `leadgate gate NAME`: whether a list may be sent (the
 * lists job weighs it, jobs/lists.c), and if not, its way out.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

static void help(void)
{
	cli_usage(stdout, "leadgate gate [OPTIONS] NAME",
		  "Decide whether list NAME may be sent.  It is blocked when the 95% upper\n"
		  "bound of the predicted bounce rate of what export would write, or the\n"
		  "Wilson 95% lower bound of the observed hard-bounce rate of what the\n"
		  "list's current version exported, is above the threshold ([gate]\n"
		  "threshold, default 1%).  Each blocked reason ends with its way out: what\n"
		  "leaving out the risky records or re-verifying the older ones would give,\n"
		  "with the command that does it (verifying the list again starts a new\n"
		  "observation window).  Exit 0: pass; 1: blocked.",
		  cli_list_opts);
}

int cmd_gate(int argc, char **argv)
{
	struct cli_list_args a = {0};
	struct conf conf;
	struct job_lists *j = NULL;
	const struct job_list *l = NULL;
	struct lg_err err = {{0}};
	int first,
		rc = cli_parse(argc, argv, "gate", cli_list_opts, help, cli_list_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("gate takes one list name (see 'leadgate lists')");
	conf_init(&conf);
	enum lg_status st = conf_load(&conf, a.config, &err);
	if (st == LG_OK) {
		struct job_lists_opts o = {.conf = &conf,
					   .db = cli_common.db,
					   .include_risky = a.include_risky,
					   .now = cli_now()};
		if ((st = job_lists_open(&j, &o, &err)) == LG_OK)
			st = job_list_show(j, argv[first], &l, &err);
	}
	if (st == LG_OK && a.json) {
		json_t *o = view_list(&conf, &l->info, &l->eval, NULL);
		json_dumpf(json_object_get(o, "gate"), stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else if (st == LG_OK) {
		view_gate_text(stdout, &conf, &l->info, &l->eval);
	}
	rc = st == LG_OK && l->eval.gate.blocked ? 1 : 0;
	job_lists_close(j);
	conf_release(&conf);
	return st != LG_OK ? cli_exit(st, &err) : rc;
}
