/*
 * bench_scoring.c - how fast the engagement fold is: events folded into
 * per-contact states with scoring_state_add, then every contact's axes
 * read at now, against a raw loop that only sums points x 2^(-age/h).
 *
 *     bench_scoring [--contacts N] [--events M] [--runs R] [--seed S] [--uniform]
 *                   [--prefetch D]
 *
 * Defaults: 1,000,000 contacts, 10,000,000 events, 5 runs, seed 1.
 *
 * The events are made in memory, untimed, by a seeded generator: the
 * default rubric's types in a plausible mix over 90 days, in time order as
 * a live stream delivers them, 1% of them late (occurred up to 3 days
 * before they arrive).  Contacts are drawn from a power law (rank = N x
 * u^2: the top 1% of contacts get 10% of the events) or, with --uniform,
 * uniformly.  Account events (funding, hiring ...) go to the contact's
 * account, one per 10 contacts, with its own state.
 *
 * Each run: zero the states (untimed), fold every event in arrival
 * order (timed), read E and P of every contact and I of every account at
 * now (timed).  events/s = events / (fold + read).  The raw loop folds
 * the same events into a plain array of one double per contact and class,
 * each event adding points x exp2(-(now - at) / half_life) with now known
 * in advance: no caps, no min_count, no state, nothing it could do in a
 * live stream.  It is the floor the ratio is taken against.
 *
 * What limits the fold is memory, not arithmetic: each event lands on a
 * random contact's state, and the fold's branches on what it loads (the
 * day, the count) keep the processor from having many of those misses
 * in flight, where the raw loop has no such branch.  --prefetch D asks
 * for the whole state of the event D places ahead before folding each
 * one (it needs nothing of the state's layout), as a batch consumer such
 * as a rebuild from the store can; 0, the default, is the live stream's
 * one-at-a-time fold.
 *
 * Prints one line per run, then the medians.  Pinning is the caller's
 * business (make bench-scoring uses taskset when there is one).
 */
#include "scoring/scoring.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY ((int64_t)SCORING_DAY)
#define SPAN (90 * DAY)
#define NOW ((int64_t)1795348800) /* 2026-11-22T12:00:00Z, the stream's end */
#define CONTACTS_PER_ACCOUNT 10
#define MAX_RUNS 99

/* One event as the stream delivers it: 12 bytes, so 10M take 120 MB. */
struct ev {
	uint32_t who; /* contact, or account for an intent type */
	uint32_t at;  /* seconds after NOW - SPAN */
	uint8_t type;
	int8_t count; /* the count property, -1 when absent */
};

/* splitmix64: small, fast, good enough to draw from. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static double rnd_unit(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* The mix, in events per 1000, by type name. */
static const struct {
	const char *type;
	unsigned per_mille;
} mix[] = {
	{"email_open", 380},   {"email_click", 130},  {"content_download", 60},
	{"email_reply", 40},   {"pricing_visit", 35}, {"webinar_attended", 15},
	{"demo_request", 8},   {"unsubscribe", 4},    {"product_login", 150},
	{"feature_used", 120}, {"invite_sent", 10},   {"funding", 6},
	{"hiring_surge", 12},  {"exec_change", 6},    {"tech_change", 8},
	{"content_surge", 8},
};
#define MIX_N (sizeof(mix) / sizeof(mix[0]))

static double now_s(void)
{
	return lg_now_mono();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_scoring [--contacts N] [--events M] [--runs R] [--seed S] "
			"[--uniform] [--prefetch D]\n");
	exit(64);
}

static long arg_long(const char *s, long lo, long hi)
{
	long v;
	if (!lg_parse_long(s, lo, hi, &v))
		usage();
	return v;
}

int main(int argc, char **argv)
{
	long n_contacts = 1000000, n_events = 10000000, runs = 5, seed = 1, prefetch = 0;
	bool uniform = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--uniform"))
			uniform = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--contacts"))
			n_contacts = arg_long(argv[++i], 1, 100000000);
		else if (i + 1 < argc && !strcmp(argv[i], "--events"))
			n_events = arg_long(argv[++i], 1, 1000000000);
		else if (i + 1 < argc && !strcmp(argv[i], "--runs"))
			runs = arg_long(argv[++i], 1, MAX_RUNS);
		else if (i + 1 < argc && !strcmp(argv[i], "--prefetch"))
			prefetch = arg_long(argv[++i], 0, 1024);
		else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
			seed = arg_long(argv[++i], 0, 1L << 40);
		else
			usage();
	}

	struct scoring_rubric r;
	scoring_rubric_default(&r);
	size_t n_accounts = ((size_t)n_contacts + CONTACTS_PER_ACCOUNT - 1) / CONTACTS_PER_ACCOUNT;
	size_t ssize = scoring_state_size(&r);

	/* ---- the stream (untimed) ---- */
	unsigned cum[MIX_N], type_of[MIX_N], total = 0;
	for (size_t k = 0; k < MIX_N; k++) {
		int t = scoring_type_find(&r, mix[k].type, strlen(mix[k].type));
		if (t < 0) {
			fprintf(stderr, "bench_scoring: no type \"%s\" in the default rubric\n",
				mix[k].type);
			return 1;
		}
		type_of[k] = (unsigned)t;
		total += mix[k].per_mille;
		cum[k] = total;
	}
	double t0 = now_s();
	rng_state = (uint64_t)seed;
	struct ev *ev = lg_xmalloc((size_t)n_events * sizeof(*ev));
	size_t late = 0;
	for (long i = 0; i < n_events; i++) {
		struct ev *e = &ev[i];
		unsigned pick = (unsigned)(rnd() % total), k = 0;
		while (pick >= cum[k])
			k++;
		e->type = (uint8_t)type_of[k];
		double u = rnd_unit();
		uint64_t rank = uniform ? (uint64_t)(u * (double)n_contacts)
					: (uint64_t)(u * u * (double)n_contacts);
		/* Scatter the ranks: hot contacts are not neighbours in memory. */
		uint64_t contact = rank * 2654435761ULL % (uint64_t)n_contacts;
		bool account = r.cls[r.type[e->type].cls].axis == SCORING_INTENT;
		e->who = (uint32_t)(account ? contact / CONTACTS_PER_ACCOUNT : contact);
		/* Arrival time rises evenly over the 90 days; 1% occurred
		 * up to 3 days before they arrive. */
		int64_t at = (int64_t)((double)SPAN * (double)i / (double)n_events);
		if (rnd() % 100 == 0) {
			at -= (int64_t)(rnd() % (uint64_t)(3 * DAY));
			if (at < 0)
				at = 0;
			late++;
		}
		e->at = (uint32_t)at;
		e->count = r.type[e->type].min_count ? (int8_t)(1 + rnd() % 10) : -1;
	}
	double gen_s = now_s() - t0;

	struct scoring_state *cst = lg_xmalloc((size_t)n_contacts * ssize);
	struct scoring_state *ast = lg_xmalloc(n_accounts * ssize);
	double *raw = lg_xmalloc((size_t)n_contacts * r.n_cls * sizeof(double));
	double *raw_acct = lg_xmalloc(n_accounts * r.n_cls * sizeof(double));
	/* The raw loop's per-type constants, as any such loop would hoist. */
	double pts[SCORING_MAX_TYPES], inv_h[SCORING_MAX_TYPES];
	unsigned cls[SCORING_MAX_TYPES];
	bool is_acct[SCORING_MAX_TYPES];
	for (unsigned t = 0; t < r.n_type; t++) {
		pts[t] = r.type[t].points;
		cls[t] = r.type[t].cls;
		inv_h[t] = 1.0 / (double)r.cls[cls[t]].half_life;
		is_acct[t] = r.cls[cls[t]].axis == SCORING_INTENT;
	}

	int64_t base = NOW - SPAN;
	printf("bench_scoring: %ld contacts, %zu accounts, %ld events (%zu late), %s contacts, "
	       "seed %ld, prefetch %ld\n",
	       n_contacts, n_accounts, n_events, late, uniform ? "uniform" : "power-law", seed,
	       prefetch);
	printf("state: %zu bytes a contact (%u classes, %u types); generation %.2f s\n", ssize,
	       r.n_cls, r.n_type, gen_s);
	printf("%-4s %10s %10s %14s %10s %14s %8s\n", "run", "fold s", "read s", "events/s",
	       "raw s", "raw events/s", "ratio");

	double rate[MAX_RUNS], raw_rate[MAX_RUNS], ratio[MAX_RUNS], fold_t[MAX_RUNS],
		read_t[MAX_RUNS];
	size_t outcome[4] = {0};
	double check = 0, raw_check = 0;
	for (int run = 0; run < runs; run++) {
		/* States start empty (untimed: an allocation's cost). */
		for (long c = 0; c < n_contacts; c++)
			scoring_state_init((struct scoring_state *)((char *)cst + (size_t)c * ssize),
					   &r);
		for (size_t a = 0; a < n_accounts; a++)
			scoring_state_init((struct scoring_state *)((char *)ast + a * ssize), &r);
		memset(raw, 0, (size_t)n_contacts * r.n_cls * sizeof(double));
		memset(raw_acct, 0, n_accounts * r.n_cls * sizeof(double));

		size_t out[4] = {0};
		double a0 = now_s();
		for (long i = 0; i < n_events; i++) {
			const struct ev *e = &ev[i];
			if (prefetch && i + prefetch < n_events) {
				const struct ev *f = &ev[i + prefetch];
				const char *p = (const char *)(is_acct[f->type] ? ast : cst) +
						(size_t)f->who * ssize;
				for (size_t off = 0; off < ssize; off += 64)
					__builtin_prefetch(p + off, 1);
				__builtin_prefetch(p + ssize - 1, 1);
			}
			struct scoring_state *st =
				(struct scoring_state *)((char *)(is_acct[e->type] ? ast : cst) +
							 (size_t)e->who * ssize);
			out[scoring_state_add(st, &r, e->type, base + e->at, e->count)]++;
		}
		double a1 = now_s();
		double sum = 0;
		for (long c = 0; c < n_contacts; c++) {
			const struct scoring_state *st =
				(const struct scoring_state *)((const char *)cst +
							       (size_t)c * ssize);
			sum += scoring_state_axis(st, &r, SCORING_ENGAGEMENT, NOW);
			sum += scoring_state_axis(st, &r, SCORING_PRODUCT, NOW);
		}
		for (size_t a = 0; a < n_accounts; a++)
			sum += scoring_state_axis((const struct scoring_state *)((const char *)ast +
										 a * ssize),
						  &r, SCORING_INTENT, NOW);
		double a2 = now_s();

		/* The raw loop. */
		double b0 = now_s();
		for (long i = 0; i < n_events; i++) {
			const struct ev *e = &ev[i];
			double *row = (is_acct[e->type] ? raw_acct : raw) +
				      (size_t)e->who * r.n_cls;
			row[cls[e->type]] += pts[e->type] *
					     exp2(-(double)(NOW - base - e->at) * inv_h[e->type]);
		}
		double rsum = 0;
		for (size_t j = 0; j < (size_t)n_contacts * r.n_cls; j++)
			rsum += raw[j];
		for (size_t j = 0; j < n_accounts * r.n_cls; j++)
			rsum += raw_acct[j];
		double b1 = now_s();

		fold_t[run] = a1 - a0;
		read_t[run] = a2 - a1;
		rate[run] = (double)n_events / (a2 - a0);
		raw_rate[run] = (double)n_events / (b1 - b0);
		ratio[run] = (a2 - a0) / (b1 - b0);
		printf("%-4d %10.3f %10.3f %14.0f %10.3f %14.0f %7.2fx\n", run + 1, a1 - a0,
		       a2 - a1, rate[run], b1 - b0, raw_rate[run], ratio[run]);
		fflush(stdout);
		memcpy(outcome, out, sizeof(outcome));
		check = sum;
		raw_check = rsum;
	}

	printf("outcomes: added %zu, capped %zu, below min_count %zu, recount %zu\n", outcome[0],
	       outcome[1], outcome[2], outcome[3]);
	printf("sum of all axes at now: %.6g (raw, uncapped: %.6g)\n", check, raw_check);
	double mf = median(fold_t, (int)runs), mr = median(read_t, (int)runs);
	printf("median of %ld: fold %.3f s, read %.3f s, %.0f events/s; raw %.0f events/s; "
	       "leadgate / raw time %.2fx; %zu bytes a contact, %.1f MB of states\n",
	       runs, mf, mr, median(rate, (int)runs), median(raw_rate, (int)runs),
	       median(ratio, (int)runs), ssize,
	       (double)((size_t)n_contacts + n_accounts) * (double)ssize / 1e6);
	free(ev);
	free(cst);
	free(ast);
	free(raw);
	free(raw_acct);
	return 0;
}
