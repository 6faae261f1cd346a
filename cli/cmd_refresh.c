/*
 * cmd_refresh.c - `leadgate refresh`: re-verify the records that most need
 * it, stalest first, up to a budget.
 *
 * The plan (which contacts, in which order) is committed before anything
 * is re-verified; new verdicts are committed in batches, with the plan's
 * entries marked done.  A run killed at any moment leaves a plan that the
 * next `leadgate refresh` takes up where it stopped: nothing is lost and
 * nothing re-verified twice.
 */
#include "cli.h"
#include "conf/conf.h"
#include "decay/decay.h"
#include "loop/loop.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* Contacts looked up together: the lookups of a chunk overlap, and the
 * slowest domain (a silent one takes 6 s) holds up only its chunk, so
 * chunks are large.  Their verdicts are then written BATCH at a time. */
#define CHUNK 65536
#define BATCH 4096

enum { OPT_OLDER = 256, OPT_BUDGET };

static const struct cli_option refresh_opts[] = {
	{"older-than", OPT_OLDER, "AGE", "re-verify verdicts older than AGE: 30d, 12h, 2w ... "
					 "(default: [decay] stale_days)"},
	{"budget", OPT_BUDGET, "N", "re-verify at most N records (default 50000)"},
	{"list", 'l', "NAME", "only the contacts of list NAME's current version"},
	CLI_DNS_OPTS,
	{"config", 'c', "FILE", "read this configuration file"},
	{"quiet", 'q', NULL, "print no summary (errors, and records kept unknown, still show)"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct refresh_args {
	const char *list, *config;
	int64_t older;      /* -1: the configuration's stale_after */
	unsigned long budget;
	bool quiet;
	struct dns_opts dns;
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
		cli_error("--older-than wants an age such as 30d, 12h or 2w, not '%s'", val);
		return 64;
	case OPT_BUDGET:
		if (!cli_number_arg("--budget", val, 1, 100000000, &v))
			return 64;
		a->budget = (unsigned long)v;
		return -1;
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
		  "verdict and comes first next time.  Meant to run daily\n"
		  "(leadgate-refresh.timer).  Exit 0, or 75 if the resolver did not answer\n"
		  "or left more than [verify] dns_unanswered_max (50%) of the domains\n"
		  "unanswered.",
		  refresh_opts);
}

/* One contact of a chunk, between its plan entry and its new verdict. */
struct item {
	struct store_due due;          /* address points into the chunk's arena */
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;
	const struct dns_result *dns;  /* NULL: decided without DNS */
};

struct refresh_run {
	struct refresh_args a;
	struct store *store;
	struct verify_ctx *ctx;
	struct dns_resolver *dns;
	struct loop *loop; /* the resolver's */
	struct store_run run;
	int64_t now;
	struct item *items;
	size_t n;
	struct lg_arena arena;
	unsigned long by_status[VERIFY_STATUS_COUNT];
	unsigned long kept;  /* unknown answers that left an older decided verdict */
};

/* Take a contact of the plan into the chunk. */
static enum lg_status take(void *arg, const struct store_due *d, struct lg_err *err)
{
	struct refresh_run *R = arg;
	(void)err;
	struct item *it = &R->items[R->n++];
	memset(it, 0, sizeof(*it));
	it->due = *d;
	it->due.address = lg_arena_memdup(&R->arena, d->address, d->address_len);
	return LG_OK;
}

/* Verify the chunk: offline checks, then one lookup per domain. */
static void verify_chunk(struct refresh_run *R)
{
	for (size_t i = 0; i < R->n; i++) {
		struct item *it = &R->items[i];
		struct verify_result v;
		verify_address(R->ctx, it->due.address, it->due.address_len, &v);
		it->status = v.status;
		it->reason = v.reason;
		it->flags = v.flags;
		if (verify_needs_dns(&v))
			it->dns = cli_dns_lookup(R->dns, R->store, R->now, v.domain, v.domain_len,
						 v.org_len);
	}
	while (dns_resolver_busy(R->dns))
		loop_step(R->loop, -1);
}

/* Write items [from, to) in one transaction, their plan entries done. */
static enum lg_status record_batch(struct refresh_run *R, size_t from, size_t to,
				   struct lg_err *err)
{
	enum lg_status st = store_begin(R->store, err);
	for (size_t i = from; i < to && st == LG_OK; i++) {
		struct item *it = &R->items[i];
		struct verify_result v = {.status = it->status, .reason = it->reason, .flags = it->flags};
		const char *mx = "", *provider = "";
		int64_t at = R->now;
		char norm[512];
		size_t dlen = 0;
		const char *domain = "";

		if (it->dns) {
			verify_apply_dns(&v, (enum dns_outcome)it->dns->outcome);
			mx = it->dns->mx;
			provider = dns_provider_name((enum dns_provider)it->dns->provider);
			if (it->dns->answered_at)
				at = it->dns->answered_at;
			domain = dns_resolver_domain(R->dns, it->dns, &dlen);
			if (cli_dns_to_keep(it->dns))
				st = cli_dns_keep(R->dns, R->store, it->dns, err);
		}
		snprintf(norm, sizeof(norm), "%.*s", (int)it->due.address_len, it->due.address);
		struct store_verdict sv = {
			.address = norm, .address_len = strlen(norm), .domain = domain,
			.domain_len = dlen, .status = v.status, .reason = v.reason, .flags = v.flags,
			.mx = mx, .provider = provider, .verified_at = at,
		};
		bool changed, kept = false;
		if (st == LG_OK)
			st = store_refresh_done(R->store, &R->run, &it->due, &sv, &changed, &kept, err);
		R->by_status[v.status]++;
		R->kept += kept;
	}
	if (st == LG_OK)
		st = store_commit(R->store, err);
	if (st != LG_OK)
		store_rollback(R->store);
	return st;
}

static enum lg_status record_chunk(struct refresh_run *R, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	for (size_t i = 0; i < R->n && st == LG_OK; i += BATCH)
		st = record_batch(R, i, i + BATCH < R->n ? i + BATCH : R->n, err);
	return st;
}

int cmd_refresh(int argc, char **argv)
{
	struct refresh_run R = {.a = {.older = -1, .budget = CLI_REFRESH_BUDGET}};
	struct conf conf;
	struct lg_err err = {{0}};
	enum lg_status st;
	int first, rc;
	int64_t list_id = 0;
	double t0 = lg_now_mono();

	rc = cli_parse(argc, argv, "refresh", refresh_opts, help, on_opt, &R.a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc) {
		cli_error("refresh takes no operands (see 'leadgate refresh --help')");
		return 64;
	}
	R.now = cli_now();
	R.a.dns.now = cli_common.now_set ? R.now : 0;
	conf_init(&conf);
	st = conf_load(&conf, R.a.config, &err);
	if (st == LG_OK)
		st = store_open(&R.store, cli_common.db, STORE_WRITE, &err);
	struct decay_policy dp = conf.decay;
	if (st == LG_OK && R.a.list) {
		struct store_list_info li;
		if ((st = store_list_get(R.store, R.a.list, &li, &err)) == LG_OK) {
			list_id = li.id;
			conf_decay_policy(&conf, li.source, &dp);
		}
	}
	if (st == LG_OK)
		st = loop_new(&R.loop, &err);
	if (st == LG_OK)
		st = dns_resolver_new(&R.dns, R.loop, &R.a.dns, &err);
	if (st != LG_OK)
		goto out;
	R.ctx = verify_ctx_new(&conf);

	int64_t older = R.a.older >= 0 ? R.a.older : dp.stale_after;
	if ((st = store_begin(R.store, &err)) != LG_OK ||
	    (st = store_refresh_plan(R.store, list_id, R.now - older, R.a.budget, R.now, &R.run,
				     &err)) != LG_OK ||
	    (st = store_commit(R.store, &err)) != LG_OK)
		goto out;
	if (R.run.resumed && !R.a.quiet)
		fprintf(stderr, "leadgate refresh: taking up the interrupted refresh run %lld\n",
			(long long)R.run.id);

	R.items = lg_xcalloc(CHUNK, sizeof(*R.items));
	for (;;) {
		R.n = 0;
		lg_arena_release(&R.arena);
		st = store_refresh_each(R.store, &R.run, CHUNK, take, &R, &err);
		if (st != LG_OK || !R.n)
			break;
		verify_chunk(&R);
		/* Only a resolver that stopped answering stops the refresh: a
		 * chunk of dead domains is recorded (kept), or the plan would
		 * never get past it. */
		if (dns_resolver_down(R.dns)) {
			st = lg_err_set(&err, LG_ETEMP,
					"the resolver%s%s did not answer: nothing more was recorded; run "
					"again later to go on",
					R.a.dns.servers ? " " : "", R.a.dns.servers ? R.a.dns.servers : "");
			break;
		}
		if ((st = record_chunk(&R, &err)) != LG_OK)
			break;
	}
	if (st == LG_OK && (st = store_begin(R.store, &err)) == LG_OK &&
	    (st = store_run_finish(R.store, &R.run, R.now, &err)) == LG_OK)
		st = store_commit(R.store, &err);
	struct store_refresh_counts c;
	if (st == LG_OK && (st = store_refresh_counts(R.store, &R.run, &c, &err)) == LG_OK &&
	    !R.a.quiet) {
		struct dns_stats ds;
		dns_resolver_stats(R.dns, &ds);
		if (R.run.resumed)
			fprintf(stderr, "leadgate refresh: %lu of %lu records of the resumed plan "
					"re-verified, %lu changed status, %lu now suppressed\n",
				c.done, c.planned, c.changed, c.suppressed);
		else
			fprintf(stderr, "leadgate refresh: %lu of %lu planned records re-verified "
					"(older than %.1f days, budget %lu), %lu changed status, %lu "
					"now suppressed\n",
				c.done, c.planned, (double)older / 86400, R.a.budget, c.changed,
				c.suppressed);
		fprintf(stderr,
			"  this run: deliverable %lu, risky %lu, undeliverable %lu, unknown %lu; "
			"%zu domains looked up, %zu answers reused; %.1f s\n",
			R.by_status[VERIFY_DELIVERABLE], R.by_status[VERIFY_RISKY],
			R.by_status[VERIFY_UNDELIVERABLE], R.by_status[VERIFY_UNKNOWN], ds.domains,
			ds.primed, lg_now_mono() - t0);
	}
	/* Not silenced by --quiet: these change what to do next. */
	if (st == LG_OK && R.kept)
		fprintf(stderr, "leadgate refresh: kept: %lu records whose new answer was unknown keep "
				"their older verdict; they stay due and come first in the next refresh\n",
			R.kept);
	struct dns_stats ds;
	size_t failed;
	dns_resolver_stats(R.dns, &ds);
	if (st == LG_OK && cli_dns_unanswered(&ds, conf.dns_unanswered_max, &failed))
		st = lg_err_set(&err, LG_ETEMP,
				"%zu of %zu domains went unanswered (dns.timeout, dns.servfail), more than "
				"the %g%% that [verify] dns_unanswered_max allows: every record was "
				"recorded, theirs as unknown; run again later",
				failed, ds.domains + ds.primed, conf.dns_unanswered_max * 100);
out:
	free(R.items);
	lg_arena_release(&R.arena);
	verify_ctx_free(R.ctx);
	dns_resolver_free(R.dns);
	loop_free(R.loop);
	store_close(R.store);
	conf_release(&conf);
	if (st != LG_OK) {
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
		return lg_exit_code(st);
	}
	return 0;
}
