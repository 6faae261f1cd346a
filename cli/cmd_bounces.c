/*
 * cmd_bounces.c - `leadgate bounces import [--list NAME] FILE...`: the
 * bounce import (jobs/bounces.c) driven, and each file's line.
 */
#include "cli.h"
#include "bounce/bounce.h"
#include "conf/conf.h"
#include "store/store.h"
#include "view/view.h"

#include <stdlib.h>
#include <string.h>

static const struct cli_option bounces_opts[] = {
	{"list", 'l', "NAME", "the list these bounces came from (else: found from exports)"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"format", 'f', "FMT", "text (default), or json: each file's counts on stdout, a line each"},
	{"quiet", 'q', NULL, "print only errors"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct bounces_args {
	const char *list, *config;
	bool quiet, json;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct bounces_args *a = arg;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'c': a->config = val; return -1;
	case 'f': return cli_text_json_opt(val, &a->json);
	case 'q': a->quiet = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate bounces import [OPTIONS] FILE...",
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
		  "each file's counts as a JSON object on a line of its own on stdout.",
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

int cmd_bounces(int argc, char **argv)
{
	struct bounces_args a = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	struct job_import_report rep;
	enum lg_status st;
	int first;

	int rc = cli_parse(argc, argv, "bounces", bounces_opts, help, on_opt, &a, &first);
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
