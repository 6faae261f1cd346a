/*
 * decay.c - freshness of a verdict: survival, confidence and class.
 *
 * The model is geometric: each month a fixed share r of the addresses that
 * were still valid goes bad (people change jobs, domains lapse).  Ages are
 * in seconds and months are mean Gregorian months, so a verdict's age
 * never depends on which calendar months it spans.
 */
#include "decay.h"

#include <assert.h>
#include <math.h>

#define DAY 86400

void decay_policy_default(struct decay_policy *p)
{
	p->monthly_rate = 0.021;
	p->fresh_for = 7 * (int64_t)DAY;
	p->stale_after = 30 * (int64_t)DAY;
}

double decay_survival(const struct decay_policy *p, int64_t age)
{
	assert(p->monthly_rate >= 0 && p->monthly_rate < 1);
	/* A verdict dated after `now` (clock skew between machines) has not
	 * decayed yet; it must not come out above 1. */
	if (age <= 0 || p->monthly_rate == 0)
		return 1.0;
	/* exp(log1p(-r) * m) rather than pow(1 - r, m): the same value, but
	 * exact for small r, where 1 - r would round first. */
	return exp(log1p(-p->monthly_rate) * ((double)age / DECAY_MONTH));
}

double decay_confidence(const struct decay_policy *p, double p0, int64_t age)
{
	return p0 * decay_survival(p, age);
}

enum decay_class decay_classify(const struct decay_policy *p, int64_t age)
{
	/* Fresh is tested first, so a policy with fresh_for > stale_after
	 * (which the configuration refuses) still gives one answer. */
	if (age < p->fresh_for)
		return DECAY_FRESH;
	if (age > p->stale_after)
		return DECAY_STALE;
	return DECAY_AGING;
}

const char *decay_class_name(enum decay_class c)
{
	static const char *const names[DECAY_CLASS_COUNT] = {
		[DECAY_FRESH] = "fresh",
		[DECAY_AGING] = "aging",
		[DECAY_STALE] = "stale",
	};
	return (unsigned)c < DECAY_CLASS_COUNT ? names[c] : "?";
}
