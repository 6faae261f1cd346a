/*
 * gate.c - the bounce-rate gate: may this list go to a sequence?
 *
 * Two estimates of the list's bounce rate, each with an interval, and the
 * gate errs on the side of the sender's reputation:
 *
 *  - predicted, before anything is sent: every record that would be
 *    exported bounces with its own probability p, so the number of bounces
 *    is a Poisson-binomial count with mean sum p and variance sum p(1 - p).
 *    Its normal approximation gives the upper end of the interval; the
 *    list is blocked when even that upper end might be above threshold.
 *    A short list therefore needs a lower rate to pass than a long one:
 *    with few records a few unlucky bounces are already too many.
 *
 *  - observed, once enough was sent: hard bounces of exported records.  The
 *    Wilson score interval behaves at 0 and at small counts, where the
 *    textbook p +- z sqrt(p(1-p)/n) collapses to a point; the list is
 *    blocked only when the lower end is above threshold, i.e. when the
 *    bounces are not plausibly bad luck.
 *
 * A blocked list is told its way out in figures: what leaving some records
 * out, or re-verifying those older than n days, would make of the
 * predicted part.  Those answers come from verify_gate_decide on the
 * inputs the change would give, never from a formula of their own, so
 * that the way out it names does pass.
 */
#include "verify.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double clamp01(double x)
{
	/* Also maps NaN to 0, which no caller should ever produce. */
	return x > 1 ? 1 : (x > 0 ? x : 0);
}

double verify_gate_record_p(const struct verify_gate_policy *g, enum verify_status st,
			    double survival)
{
	assert((unsigned)st < VERIFY_STATUS_COUNT);
	/* The record bounces unless it was good when verified and has stayed
	 * good since: the two events are taken as independent. */
	return clamp01(1 - (1 - g->prior[st]) * clamp01(survival));
}

/*
 * The priors a mailbox probe gives:
 *
 *  - a deliverable verdict whose mailbox the mail host accepted at RCPT,
 *    on a domain that refused a made-up local part: prior_confirmed
 *    (0.2 %), below a deliverable one from DNS alone (prior[deliverable],
 *    0.5 %).  DNS says only that the domain takes mail; most of its
 *    bounces are mailboxes that do not exist, which the probe has ruled
 *    out.  What is left are mailboxes closed between the probe and the
 *    send (decay counts those apart) and hosts that accept at RCPT and
 *    bounce after DATA, which the provider table keeps from being
 *    probed at all: a small rest, not none.
 *
 *  - a verdict on a catch-all domain (flag accept_all): prior_accept_all
 *    (15 %), above the other risky verdicts' (10 %: a role address or a
 *    disposable domain, whose mailboxes exist).  The host accepts any
 *    local part, so the RCPT answer says nothing of this one; a catch-all
 *    domain takes the mail of a mistyped or departed address too, and
 *    some of them bounce it after DATA or drop it.  Bulk verifiers report
 *    catch-all addresses bouncing at several times the rate of verified
 *    ones; 15 % keeps a list of them from passing a 1 % gate on its own.
 *
 * Both are [gate] prior.smtp_confirmed and prior.accept_all.
 */
double verify_gate_prior(const struct verify_gate_policy *g, enum verify_status st, unsigned flags,
			 bool smtp_confirmed)
{
	assert((unsigned)st < VERIFY_STATUS_COUNT);
	if (flags & VERIFY_F_ACCEPT_ALL)
		return st == VERIFY_RISKY ? g->prior_accept_all : g->prior[st];
	if (st == VERIFY_DELIVERABLE && smtp_confirmed)
		return g->prior_confirmed;
	return g->prior[st];
}

double verify_gate_member_p(const struct verify_gate_policy *g, enum verify_status st,
			    unsigned flags, bool smtp_confirmed, double survival)
{
	double prior = verify_gate_prior(g, st, flags, smtp_confirmed);
	return clamp01(1 - (1 - prior) * clamp01(survival));
}

void verify_gate_add(struct verify_gate_input *in, double p)
{
	in->candidates++;
	in->sum_p += p;
	in->sum_pq += p * (1 - p);
}

double verify_gate_wilson(unsigned long k, unsigned long n, double z, double *upper)
{
	if (n == 0) {
		if (upper)
			*upper = 1;
		return 0;
	}
	if (k > n) /* more bounces than sends: the caller's counts disagree */
		k = n;
	double dn = (double)n, z2 = z * z;
	double p = (double)k / dn;
	double denom = 1 + z2 / dn;
	double centre = (p + z2 / (2 * dn)) / denom;
	double half = z * sqrt(p * (1 - p) / dn + z2 / (4 * dn * dn)) / denom;
	/* At k = 0 (k = n) the lower (upper) end is exactly 0 (1); computed,
	 * it could come out one rounding away from it. */
	double lo = k == 0 ? 0 : clamp01(centre - half);
	double hi = k == n ? 1 : clamp01(centre + half);
	if (upper)
		*upper = hi;
	return lo;
}

void verify_gate_decide(const struct verify_gate_policy *g, const struct verify_gate_input *in,
			struct verify_gate_decision *out)
{
	memset(out, 0, sizeof(*out));

	if (in->candidates == 0) {
		/* Nothing may be exported: passing would say "send it" about a
		 * list that has nothing fit to send. */
		out->why |= VERIFY_GATE_EMPTY;
	} else {
		double n = (double)in->candidates;
		double sd = in->sum_pq > 0 ? sqrt(in->sum_pq) : 0;
		out->predicted = in->sum_p / n;
		out->predicted_upper = fmin(1, out->predicted + g->z * sd / n);
		if (out->predicted_upper > g->threshold)
			out->why |= VERIFY_GATE_PREDICTED;
	}

	/* The observed figures are filled in even when they do not count yet,
	 * so a report can show them. */
	if (in->exported)
		out->observed = clamp01((double)in->hard_bounces / (double)in->exported);
	out->observed_lower = verify_gate_wilson(in->hard_bounces, in->exported, g->z,
						 &out->observed_upper);
	out->observed_counts = in->exported > 0 && in->exported >= g->min_exported;
	if (out->observed_counts && out->observed_lower > g->threshold)
		out->why |= VERIFY_GATE_OBSERVED;

	out->blocked = out->why != 0;
}

void verify_gate_merge(struct verify_gate_input *in, const struct verify_gate_input *more)
{
	in->candidates += more->candidates;
	in->sum_p += more->sum_p;
	in->sum_pq += more->sum_pq;
	in->exported += more->exported;
	in->hard_bounces += more->hard_bounces;
}

/* The decision on in's predicted part alone: true when it passes. */
static bool predicted_passes(const struct verify_gate_policy *g, const struct verify_gate_input *in,
			     struct verify_gate_decision *d)
{
	struct verify_gate_input p = *in;
	p.exported = p.hard_bounces = 0; /* what was sent is not what is asked */
	verify_gate_decide(g, &p, d);
	return !d->blocked;
}

int verify_gate_refresh_days(const struct verify_gate_policy *g,
			     const struct verify_gate_input *never,
			     const struct verify_gate_input *keep,
			     const struct verify_gate_input *fresh, size_t ndays,
			     struct verify_gate_input *in, struct verify_gate_decision *d)
{
	/* kept[n]: never and keep[0 .. n), what a refresh of the records
	 * older than n days leaves as it is. */
	struct verify_gate_input *kept = lg_xcalloc(ndays + 1, sizeof(*kept));
	struct verify_gate_input redone = {0};
	int found = -1;

	kept[0] = *never;
	for (size_t n = 0; n < ndays; n++) {
		kept[n + 1] = kept[n];
		verify_gate_merge(&kept[n + 1], &keep[n]);
	}
	/* The largest n first: the fewest records to re-verify.  Re-verifying
	 * more is not always better (a stale record refreshed joins the
	 * records sent), so every n is tried rather than bisected. */
	for (size_t n = ndays; n-- > 0;) {
		verify_gate_merge(&redone, &fresh[n]);
		*in = kept[n];
		verify_gate_merge(in, &redone);
		if (predicted_passes(g, in, d)) {
			found = (int)n;
			break;
		}
	}
	free(kept);
	return found;
}

unsigned long verify_gate_min_records(const struct verify_gate_policy *g,
				      const struct verify_gate_input *in)
{
	if (!in->candidates)
		return 0;
	double c = (double)in->candidates;
	double p = in->sum_p / c, pq = in->sum_pq / c;
	struct verify_gate_decision d;
	/* n records of the same average: the bound p + z sqrt(pq / n) falls
	 * as n grows, so the smallest n that passes is found by doubling,
	 * then bisecting; none passes when even 2^40 records do not. */
	struct verify_gate_input t = {0};
#define AT(n)                                                                                      \
	(t.candidates = (n), t.sum_p = p * (double)(n), t.sum_pq = pq * (double)(n),               \
	 predicted_passes(g, &t, &d))
	unsigned long lo = 0, hi = 1; /* lo fails (or is 0), hi is being tried */
	while (!AT(hi)) {
		if (hi >= 1ul << 40)
			return 0;
		lo = hi;
		hi *= 2;
	}
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;
		if (AT(mid))
			hi = mid;
		else
			lo = mid;
	}
#undef AT
	return hi;
}
