/*
 * cmd_bounces.c - `leadgate bounces import [--list NAME] FILE...`: the
 * bounce import (jobs/bounces.c) driven, and each file's line; and
 * `leadgate bounces subscriptions [--clear]`: the SNS subscription
 * messages `leadgate serve` kept in the store (view/import.c), the view
 * GET /v1/bounces/ses/subscriptions answers.
 */
#include "cli.h"
#include "bounce/bounce.h"
#include "conf/conf.h"
#include "store/store.h"
#include "view/view.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_CLEAR = 256 };

static const struct cli_option bounces_opts[] = {
	{"list", 'l', "NAME", "the list these bounces came from (else: found from exports)"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"format", 'f', "FMT", "text (default), or json: each file's counts on stdout, a line each"},
	{"quiet", 'q', NULL, "print only errors"},
	{"clear", OPT_CLEAR, NULL, "subscriptions: forget the messages kept (once confirmed)"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct bounces_args {
	const char *list, *config;
	bool quiet, json, clear;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct bounces_args *a = arg;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'c': a->config = val; return -1;
	case 'f': return cli_text_json_opt(val, &a->json);
	case 'q': a->quiet = true; return -1;
	case OPT_CLEAR: a->clear = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout,
		  "leadgate bounces import [OPTIONS] FILE...\n"
		  "       leadgate bounces subscriptions [--format json] [--clear]",
		  "Import bounce events: CSV (email, type, code, reason, time), the JSON of\n"
		  "Amazon SES notifications, the SendGrid event webhook, Mailgun events and\n"
		  "Postmark bounce webhooks, RFC 3464 delivery status notifications, or the\n"
		  "bounce messages of Gmail, Exim, qmail, Exchange and Postfix; the\n"
		  "format is detected.  Each event is classified hard, soft or block (or a\n"
		  "complaint or unsubscribe).  A hard bounce, complaint or unsubscribe\n"
		  "suppresses the address: no export ever contains it again, and a hard\n"
		  "bounce makes its verdict undeliverable (bounce.hard).  Importing the same\n"
		  "events again adds nothing.  A file that cannot be used is named and the\n"
		  "others are imported; the exit status is then 65.  --format json prints\n"
		  "each file's counts as a JSON object on a line of its own on stdout.\n"
		  "\n"
		  "subscriptions shows the Amazon SNS subscription messages that 'leadgate\n"
		  "serve' received on POST /v1/bounces/ses (the last 32, newest first), each\n"
		  "confirmation's state (confirmed, confirm_failed and why, to_confirm) and\n"
		  "the URL that confirms one not confirmed; --format json prints what\n"
		  "GET /v1/bounces/ses/subscriptions answers; --clear forgets them.",
		  bounces_opts);
}

/* A file is imported: its summary. */
static void on_done(void *arg, const char *file, const struct job_bounces_file *f)
{
	const struct bounces_args *a = arg;
	char notices[64] = "";
	if (a->json)
		view_write_line(stdout, view_bounces_file(file, f));
	if (f->notices)
		snprintf(notices, sizeof(notices), "%lu suppression notices of the provider, ",
			 f->notices);
	if (!a->quiet)
		fprintf(stderr,
			"leadgate bounces: %s (%s): %lu events new (hard %lu, soft %lu, block %lu, "
			"complaint %lu, unsubscribe %lu), %lu imported before, %s%lu addresses "
			"newly "
			"suppressed, %lu not imported, %lu other events ignored\n",
			file, f->format, f->added, f->by_type[BOUNCE_HARD], f->by_type[BOUNCE_SOFT],
			f->by_type[BOUNCE_BLOCK], f->by_type[BOUNCE_COMPLAINT],
			f->by_type[BOUNCE_UNSUBSCRIBE], f->dup, notices, f->suppressed, f->bad,
			f->ignored);
}

static enum lg_status print_sns(void *arg, const struct store_sns *m, struct lg_err *err)
{
	(void)err;
	++*(unsigned long *)arg;
	view_sns_message_text(stdout, m);
	return LG_OK;
}

/* `bounces subscriptions`: the messages, or --clear. */
static enum lg_status subscriptions(const struct bounces_args *a, struct lg_err *err)
{
	struct store *s = NULL;
	unsigned long n = 0;
	enum lg_status st = store_open(&s, cli_common.db, a->clear ? STORE_WRITE : STORE_READ, err);
	if (st == LG_OK && a->clear) {
		if ((st = store_sns_clear(s, &n, err)) == LG_OK)
			printf("forgot %lu SNS subscription messages\n", n);
	} else if (st == LG_OK && a->json) {
		json_t *o;
		if ((st = view_sns_messages(s, &o, err)) == LG_OK)
			view_write_line(stdout, o);
	} else if (st == LG_OK) {
		st = store_sns_each(s, print_sns, &n, err);
		if (st == LG_OK && !n)
			printf("no SNS subscription message kept\n");
	}
	store_close(s);
	return st;
}

int cmd_bounces(int argc, char **argv)
{
	struct bounces_args a = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	struct job_import_report rep;
	enum lg_status st;
	int first;

	int rc = cli_parse(argc, argv, "bounces", bounces_opts, help, on_opt, &a, &first);
	if (rc < 0 && first < argc && !strcmp(argv[first], "subscriptions")) {
		if (first + 1 < argc)
			return cli_usage_error("bounces subscriptions takes no operand ('%s')",
					       argv[first + 1]);
		if (a.list || a.config || a.quiet)
			return cli_usage_error("bounces subscriptions does not take --%s",
					       a.list     ? "list"
					       : a.config ? "config"
							  : "quiet");
		if (a.clear && a.json)
			return cli_usage_error(
				"bounces subscriptions --clear does not take --format");
		return cli_exit(subscriptions(&a, &err), &err);
	}
	if (rc < 0 && a.clear)
		return cli_usage_error("bounces import does not take --clear");
	if (rc < 0)
		rc = cli_import_operands(argc, argv, &first, "bounces");
	if (rc >= 0)
		return rc;
	struct job_bounces_opts o = {
		.conf = &conf,
		.db = cli_common.db,
		.list = a.list,
		.files = argv + first,
		.n = argc - first,
		.now = cli_now(),
		.notice = cli_import_notice,
		.done = on_done,
		.arg = &a,
	};
	conf_init(&conf);
	if ((st = conf_load(&conf, a.config, &err)) == LG_OK)
		st = job_bounces_import(&o, &rep, &err);
	conf_release(&conf);
	return st != LG_OK ? cli_exit(st, &err) : cli_import_status("bounces", &rep);
}
