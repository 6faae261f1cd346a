/*
 * cmd_lists.c - `leadgate lists [show NAME]` and `leadgate gate NAME`:
 * what the store knows of each list, and whether it may be sent.
 */
#include "cli.h"
#include "conf/conf.h"
#include "decay/decay.h"
#include "store/store.h"

#include "view/view.h"
#include <string.h>

enum { OPT_INCLUDE_RISKY = 256 };

static const struct cli_option lists_opts[] = {
	{"format", 'f', "FMT", "text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"include-risky", OPT_INCLUDE_RISKY, NULL, "count risky records as exportable"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct lists_args {
	bool json;
	bool include_risky;
	const char *config;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct lists_args *a = arg;
	switch (key) {
	case 'f': return cli_text_json_opt(val, &a->json);
	case 'c': a->config = val; return -1;
	case OPT_INCLUDE_RISKY: a->include_risky = true; return -1;
	}
	return CLI_EUSAGE;
}

static void lists_help(void)
{
	cli_usage(stdout, "leadgate lists [OPTIONS] [show NAME]",
		  "Every list verified with 'leadgate verify --list NAME', or one in detail:\n"
		  "rows, unique contacts, counts by status and freshness, predicted and\n"
		  "observed bounce rates ('-' with nothing to measure) and the gate's\n"
		  "decision.  The observed rate counts what the current version sent; show\n"
		  "NAME lists every version's, newest first.",
		  lists_opts);
}

static void gate_help(void)
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
		  lists_opts);
}

/* What every command here needs: options, the configuration, the store. */
struct lists_run {
	struct lists_args a;
	struct conf conf;
	struct store *store;
	int64_t now;
	struct lg_err err;
	json_t *json; /* --format json: the array being built */
	bool failed;
};

static int open_all(struct lists_run *R)
{
	enum lg_status st;
	conf_init(&R->conf);
	R->now = cli_now();
	st = conf_load(&R->conf, R->a.config, &R->err);
	if (st == LG_OK)
		st = store_open(&R->store, cli_common.db, STORE_READ, &R->err);
	return st != LG_OK ? cli_exit(st, &R->err) : -1;
}

static void close_all(struct lists_run *R)
{
	store_close(R->store);
	conf_release(&R->conf);
}

/* A rate in a column of 7: "-" when there is nothing to measure it on. */
static const char *rate_cell(char *buf, size_t cap, unsigned long n, double rate)
{
	if (n)
		snprintf(buf, cap, "%6.2f%%", rate * 100);
	else
		snprintf(buf, cap, "%7s", "-");
	return buf;
}

static void print_row(const struct store_list_info *li, const struct list_eval *e)
{
	char pred[16], obs[16];
	printf("%-24s %3u %9lu %9lu %9lu %9lu %9lu %9lu %7lu %7lu %7lu %s %s  %s\n", li->name,
	       li->versions, li->counts.rows, e->members, e->by_status[VERIFY_DELIVERABLE],
	       e->by_status[VERIFY_RISKY], e->by_status[VERIFY_UNDELIVERABLE],
	       e->by_status[VERIFY_UNKNOWN], e->by_fresh[DECAY_FRESH], e->by_fresh[DECAY_AGING],
	       e->by_fresh[DECAY_STALE],
	       rate_cell(pred, sizeof(pred), e->in.candidates, e->gate.predicted_upper),
	       rate_cell(obs, sizeof(obs), e->in.exported, e->gate.observed),
	       e->gate.blocked ? "blocked" : "pass");
}

static void one_list(void *arg, const struct store_list_info *li)
{
	struct lists_run *R = arg;
	struct list_eval e;
	if (R->failed)
		return;
	if (list_evaluate(R->store, &R->conf, li, R->now, R->a.include_risky, &e, &R->err) !=
	    LG_OK) {
		R->failed = true;
		return;
	}
	if (R->json) {
		json_t *w = json_array();
		if (store_list_windows_each(R->store, li, view_window_add, w, &R->err) != LG_OK) {
			json_decref(w);
			R->failed = true;
			return;
		}
		json_array_append_new(R->json, view_list(&R->conf, li, &e, w));
	} else {
		print_row(li, &e);
	}
}

/* lists show: the versions, newest first, as lines of text. */
#define SHOW_WINDOWS 10
struct show_windows {
	struct store_list_window w[SHOW_WINDOWS]; /* the last ones, a ring */
	unsigned n;
};

static void keep_window(void *arg, const struct store_list_window *w)
{
	struct show_windows *k = arg;
	k->w[k->n++ % SHOW_WINDOWS] = *w;
}

static void print_show(const struct lists_run *R, const struct store_list_info *li,
		       const struct list_eval *e, const struct show_windows *k)
{
	char at[LG_TIME_LEN], created[LG_TIME_LEN];
	struct decay_policy dp;

	conf_decay_policy(&R->conf, li->source, &dp);
	lg_time_format(li->verified_at, at, sizeof(at));
	lg_time_format(li->created_at, created, sizeof(created));
	printf("list %s%s%s%s\n", li->name, li->source[0] ? " (source " : "", li->source,
	       li->source[0] ? ")" : "");
	printf("  created %s; %u version%s; current verified %s\n", created, li->versions,
	       li->versions == 1 ? "" : "s", li->version_run ? at : "never");
	printf("  rows %lu, unique contacts %lu\n", li->counts.rows, e->members);
	printf("  status now: deliverable %lu, risky %lu, undeliverable %lu, unknown %lu; "
	       "suppressed %lu\n",
	       e->by_status[VERIFY_DELIVERABLE], e->by_status[VERIFY_RISKY],
	       e->by_status[VERIFY_UNDELIVERABLE], e->by_status[VERIFY_UNKNOWN], e->suppressed);
	printf("  freshness: fresh %lu (< %lld days), aging %lu, stale %lu (> %lld days); "
	       "decay %.1f%% a month\n",
	       e->by_fresh[DECAY_FRESH], (long long)(dp.fresh_for / 86400),
	       e->by_fresh[DECAY_AGING], e->by_fresh[DECAY_STALE],
	       (long long)(dp.stale_after / 86400), dp.monthly_rate * 100);
	printf("  predicted bounce rate of the whole list as is: %.2f%%\n",
	       e->whole_predicted * 100);
	printf("  exportable now: %lu; exported so far: %lu, of which hard-bounced %lu\n",
	       e->exportable, li->exported, li->hard_bounced);
	if (k->n) {
		printf("  observed by version (the gate counts the current one's sends):\n");
		for (unsigned i = 0; i < k->n && i < SHOW_WINDOWS; i++) {
			const struct store_list_window *w = &k->w[(k->n - 1 - i) % SHOW_WINDOWS];
			lg_time_format(w->verified_at, at, sizeof(at));
			printf("    version %u%s, verified %s: exported %lu", w->version,
			       w->run == li->version_run ? " (current)" : "", at, w->exported);
			if (w->exported)
				printf(", hard-bounced %lu (%.2f%%)", w->hard_bounced,
				       100.0 * (double)w->hard_bounced / (double)w->exported);
			putchar('\n');
		}
		if (k->n > SHOW_WINDOWS)
			printf("    and %u earlier versions (lists show -f json has them all)\n",
			       k->n - SHOW_WINDOWS);
	}
	view_gate_text(stdout, &R->conf, li, e);
}

int cmd_lists(int argc, char **argv)
{
	struct lists_run R = {0};
	int first,
		rc = cli_parse(argc, argv, "lists", lists_opts, lists_help, on_opt, &R.a, &first);
	if (rc >= 0)
		return rc;
	const char *name = NULL;
	if (first < argc) {
		if (strcmp(argv[first], "show") || argc - first != 2)
			return cli_usage_error("lists takes no operand, or 'show NAME'");
		name = argv[first + 1];
	}
	if ((rc = open_all(&R)) >= 0) {
		conf_release(&R.conf);
		return rc;
	}
	enum lg_status st = LG_OK;
	if (name) {
		struct store_list_info li;
		struct list_eval e;
		st = store_list_get(R.store, name, &li, &R.err);
		if (st == LG_OK)
			st = list_evaluate(R.store, &R.conf, &li, R.now, R.a.include_risky, &e,
					   &R.err);
		if (st == LG_OK && R.a.json) {
			json_t *w = json_array();
			st = store_list_windows_each(R.store, &li, view_window_add, w, &R.err);
			json_t *o = view_list(&R.conf, &li, &e, w);
			if (st == LG_OK) {
				json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
				putchar('\n');
			}
			json_decref(o);
		} else if (st == LG_OK) {
			struct show_windows k = {.n = 0};
			st = store_list_windows_each(R.store, &li, keep_window, &k, &R.err);
			if (st == LG_OK)
				print_show(&R, &li, &e, &k);
		}
	} else {
		if (R.a.json)
			R.json = json_array();
		else
			printf("%-24s %3s %9s %9s %9s %9s %9s %9s %7s %7s %7s %7s %7s  %s\n",
			       "NAME", "VER", "ROWS", "CONTACTS", "DELIV", "RISKY", "UNDELIV",
			       "UNKNOWN", "FRESH", "AGING", "STALE", "PRED95", "OBSERV", "GATE");
		st = store_list_each(R.store, one_list, &R, &R.err);
		if (st == LG_OK && R.failed)
			st = LG_EIO;
		if (R.json) {
			if (st == LG_OK) {
				json_dumpf(R.json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
				putchar('\n');
			}
			json_decref(R.json);
		}
	}
	close_all(&R);
	return cli_exit(st, &R.err);
}

int cmd_gate(int argc, char **argv)
{
	struct lists_run R = {0};
	int first, rc = cli_parse(argc, argv, "gate", lists_opts, gate_help, on_opt, &R.a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1)
		return cli_usage_error("gate takes one list name (see 'leadgate lists')");
	if ((rc = open_all(&R)) >= 0) {
		conf_release(&R.conf);
		return rc;
	}
	struct store_list_info li;
	struct list_eval e;
	enum lg_status st = store_list_get(R.store, argv[first], &li, &R.err);
	if (st == LG_OK)
		st = list_evaluate(R.store, &R.conf, &li, R.now, R.a.include_risky, &e, &R.err);
	if (st == LG_OK) {
		if (R.a.json) {
			json_t *o = view_list(&R.conf, &li, &e, NULL);
			json_dumpf(json_object_get(o, "gate"), stdout,
				   JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(o);
		} else {
			view_gate_text(stdout, &R.conf, &li, &e);
		}
		rc = e.gate.blocked ? 1 : 0;
	}
	close_all(&R);
	return st != LG_OK ? cli_exit(st, &R.err) : rc;
}
