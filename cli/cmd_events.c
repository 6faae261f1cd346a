/*
 * cmd_events.c - `leadgate events import FILE...`: the event import
 * (jobs/events.c) driven, and each file's line.
 */
#include "cli.h"
#include "conf/conf.h"
#include "engage/engage.h"
#include "view/view.h"

static const struct cli_option events_opts[] = {
	{"map", 'm', "NAME", "read the files as [events.map.NAME] says (built in: hubspot)"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"format", 'f', "FMT", "text (default), or json: each file's counts on stdout, a line each"},
	{"quiet", 'q', NULL, "print only errors"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct events_args {
	const char *config, *map;
	bool quiet, json;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct events_args *a = arg;
	switch (key) {
	case 'c': a->config = val; return -1;
	case 'm': a->map = val; return -1;
	case 'f': return cli_text_json_opt(val, &a->json);
	case 'q': a->quiet = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate events import [OPTIONS] FILE...",
		  "Import engagement and intent events: NDJSON (one JSON object a line)\n"
		  "or CSV with a header row.  Each event has an event_id, the contact's\n"
		  "email or the account's domain, a type ([scoring] event.TYPE: demo_request,\n"
		  "pricing_visit, email_open, funding ...), occurred_at (RFC 3339 or Unix\n"
		  "seconds), and optionally channel, asset, count and other properties.\n"
		  "Importing an event_id again adds nothing.  A record that is not a usable\n"
		  "event is reported with its line and not imported; an event of a type the\n"
		  "rubric does not know is imported and reported (it scores nothing until\n"
		  "the configuration names it).  An export of another shape is read through\n"
		  "a map, --map NAME: [events.map.NAME] of the configuration says which\n"
		  "column holds each field, how times are written and which of its types\n"
		  "are which event types; hubspot (HubSpot's email events) is built in.\n"
		  "A file that cannot be used is named and the others are imported; the\n"
		  "exit status is then 65.  --format json prints each file's counts as a\n"
		  "JSON object on a line of its own on stdout.",
		  events_opts);
}

/* A file is imported: its summary. */
struct events_view {
	const struct events_args *a;
	const struct engage_map *map;
};

static void on_done(void *arg, const char *file, const struct job_events_file *f)
{
	const struct events_view *w = arg;
	char ignored[80] = "";
	if (w->a->json)
		view_write_line(stdout, view_events_file(file, f));
	if (w->map)
		snprintf(ignored, sizeof(ignored), ", %lu ignored ([events.map.%s])", f->ignored,
			 w->map->name);
	if (!w->a->quiet)
		fprintf(stderr,
			"leadgate events: %s (%s): %lu events new (%lu of contacts, %lu of "
			"accounts, %lu of unknown types), %lu imported before, %lu not "
			"imported%s\n",
			file, f->ndjson ? "ndjson" : "csv", f->added, f->contact, f->account,
			f->unknown, f->dup, f->bad, ignored);
}

int cmd_events(int argc, char **argv)
{
	struct events_args a = {0};
	struct events_view w = {.a = &a};
	struct conf conf;
	struct lg_err err = {{0}};
	struct job_import_report rep;
	enum lg_status st;
	int first;

	int rc = cli_parse(argc, argv, "events", events_opts, help, on_opt, &a, &first);
	if (rc < 0)
		rc = cli_import_operands(argc, argv, &first, "events");
	if (rc >= 0)
		return rc;
	struct job_events_opts o = {
		.conf = &conf,
		.db = cli_common.db,
		.files = argv + first,
		.n = argc - first,
		.now = cli_now(),
		.notice = cli_import_notice,
		.done = on_done,
		.arg = &w,
	};
	conf_init(&conf);
	if ((st = conf_load(&conf, a.config, &err)) != LG_OK)
		goto out;
	if (a.map && !(o.map = w.map = conf_event_map(&conf, a.map))) {
		struct lg_buf names = LG_BUF_INIT;
		for (size_t i = 0; i < conf.n_event_map; i++)
			lg_buf_addf(&names, "%s%s", i ? ", " : "", conf.event_map[i].map.name);
		rc = cli_usage_error("events import: --map '%s': no [events.map.%s] in the "
				     "configuration (maps: %s)",
				     a.map, a.map, names.data ? names.data : "none");
		lg_buf_release(&names);
		goto out;
	}
	st = job_events_import(&o, &rep, &err);
	if (st == LG_OK)
		rc = cli_import_status("events", &rep);
out:
	conf_release(&conf);
	return st != LG_OK ? cli_exit(st, &err) : rc;
}
