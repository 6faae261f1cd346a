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
 */
#include "verify.h"

#include <assert.h>
#include <math.h>
#include <string.h>

static double clamp01(double x)
{
	/* Also maps NaN to 0, which no caller should ever produce. */
	return x > 1 ? 1 : (x > 0 ? x : 0);
}

double verify_gate_record_p(const struct conf_gate *g, enum verify_status st, double survival)
{
	assert((unsigned)st < VERIFY_STATUS_COUNT);
	/* The record bounces unless it was good when verified and has stayed
	 * good since: the two events are taken as independent. */
	return clamp01(1 - (1 - g->prior[st]) * clamp01(survival));
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

void verify_gate_decide(const struct conf_gate *g, const struct verify_gate_input *in,
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
