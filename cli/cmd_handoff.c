/*
 * cmd_handoff.c - `leadgate handoff run|status|retry`: the handoff's
 * outbox (jobs/handoff.c).  run sends what is due and applies the SLA
 * (for cron or a systemd timer), status counts the messages by target,
 * retry sends a message, or every dead one, again.
 */
#include "cli.h"
#include "conf/conf.h"

#include <jansson.h>
#include <string.h>

enum { OPT_DEAD = 256 };

static const struct cli_option opts[] = {
	{"dead", OPT_DEAD, NULL, "retry: every dead message"},
	{"format", 'f', "FMT", "status: text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct args {
	const char *config;
	bool dead, json;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct args *a = arg;
	switch (key) {
	case OPT_DEAD: a->dead = true; return -1;
	case 'c': a->config = val; return -1;
	case 'f': return cli_text_json_opt(val, &a->json);
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout,
		  "leadgate handoff run\n"
		  "       leadgate handoff status [--format text|json]\n"
		  "       leadgate handoff retry ID|--dead",
		  "The handoff's outbox: the messages that tell reps of the leads handed\n"
		  "to them (see HANDOFF in leadgate(1)).  run gives a rep eligible now\n"
		  "the handoffs that had nobody, applies the SLA as of --now (a lead not\n"
		  "accepted by its deadline goes to the next rep, with a lead.escalated\n"
		  "message), sends every message due (webhooks signed; Slack, HubSpot and\n"
		  "Salesforce with their tokens), records each outcome (delivered on a\n"
		  "2xx; otherwise tried again on the schedule, dead after the last\n"
		  "attempt; 410 disables the endpoint; a CRM's error, such as Salesforce's\n"
		  "300, is dead at once) and exits; run it from cron or a timer.  Killed,\n"
		  "it loses nothing: the next run sends what was not acknowledged, under\n"
		  "the same webhook-id.\n"
		  "status counts the messages by target: pending, retrying, delivered,\n"
		  "dead and disabled, and the handoffs no rep was eligible for.  retry\n"
		  "sends message ID (its webhook-id), or every dead one, again at the\n"
		  "next run, re-enabling its endpoint.",
		  opts);
}

static enum lg_status on_count(void *arg, const struct store_outbox_count *c, struct lg_err *err)
{
	struct args *a = arg;
	(void)err;
	if (a->json) {
		json_t *o = json_object();
		json_object_set_new(o, "target", json_string(c->target));
		json_object_set_new(o, "pending", json_integer((json_int_t)c->pending));
		json_object_set_new(o, "retrying", json_integer((json_int_t)c->retrying));
		json_object_set_new(o, "delivered", json_integer((json_int_t)c->delivered));
		json_object_set_new(o, "dead", json_integer((json_int_t)c->dead));
		json_object_set_new(o, "disabled", json_integer((json_int_t)c->disabled));
		json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%-20s %9lu %9lu %9lu %9lu %9lu\n", c->target, c->pending, c->retrying,
		       c->delivered, c->dead, c->disabled);
	}
	return LG_OK;
}

static int run(const struct job_handoff_opts *o)
{
	struct job_handoff_run_report r;
	struct lg_err err = {{0}};
	enum lg_status st = job_handoff_run(o, &r, &err);
	if (st == LG_OK)
		fprintf(stderr,
			"leadgate handoff: %lu assigned (had nobody), %lu escalated (%lu to "
			"nobody), %lu sent: %lu "
			"delivered, %lu to retry, %lu dead, %lu disabled, %lu failed (not "
			"retried)\n",
			r.assigned, r.escalated, r.unassigned, r.sent, r.delivered, r.retrying,
			r.dead, r.disabled, r.failed);
	return cli_exit(st, &err);
}

int cmd_handoff(int argc, char **argv)
{
	struct args a = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	enum lg_status st = LG_OK;
	int first, rc = cli_parse(argc, argv, "handoff", opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first >= argc)
		return cli_usage_error("handoff wants run, status or retry (see 'leadgate handoff "
				       "--help')");
	const char *sub = argv[first];
	int operands = argc - first - 1;
	if (strcmp(sub, "run") && strcmp(sub, "status") && strcmp(sub, "retry"))
		return cli_usage_error("handoff: unknown subcommand '%s' (run, status or retry)",
				       sub);
	bool is_retry = !strcmp(sub, "retry");
	if (!is_retry && operands)
		return cli_usage_error("handoff %s takes no operand ('%s')", sub, argv[first + 1]);
	if (is_retry && operands + a.dead != 1)
		return cli_usage_error("handoff retry wants one ID or --dead");
	if (a.dead && !is_retry)
		return cli_usage_error("handoff %s does not take --dead", sub);
	if (a.json && strcmp(sub, "status"))
		return cli_usage_error("handoff %s does not take --format", sub);

	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	struct job_handoff_opts o = {.conf = &conf, .db = cli_common.db, .now = cli_now()};
	if (st == LG_OK && !strcmp(sub, "run")) {
		rc = run(&o);
		conf_release(&conf);
		return rc;
	}
	if (st == LG_OK && !strcmp(sub, "status")) {
		unsigned long unassigned = 0;
		if (!a.json)
			printf("%-20s %9s %9s %9s %9s %9s\n", "target", "pending", "retrying",
			       "delivered", "dead", "disabled");
		st = job_handoff_status(&o, on_count, &a, &unassigned, &err);
		if (st == LG_OK && a.json)
			printf("{\"unassigned\":%lu}\n", unassigned);
		else if (st == LG_OK)
			printf("handoffs with no rep eligible (unassigned): %lu\n", unassigned);
	} else if (st == LG_OK) {
		unsigned long n = 0;
		st = job_handoff_retry(&o, a.dead ? NULL : argv[first + 1], &n, &err);
		if (st == LG_OK)
			fprintf(stderr, "leadgate handoff: %lu message%s to send again\n", n,
				n == 1 ? "" : "s");
	}
	conf_release(&conf);
	return cli_exit(st, &err);
}
