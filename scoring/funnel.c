/*
 * funnel.c - funnel math: how many raw leads, MQLs, SQLs and
 * opportunities it takes to win a number of customers.
 *
 * Working backward, each stage needs ceil(next stage / conversion rate):
 * a fraction of a lead does not exist, and rounding down would fall short
 * of the goal.
 */
#include "scoring.h"

#include <assert.h>
#include <limits.h>
#include <math.h>

void scoring_funnel_default(double rate[SCORING_FUNNEL_STEPS])
{
	/* DESIGN.md: 2000 raw leads -> 870 MQL -> 130 SQL -> 36 opportunities
	 * -> 10 customers.  Kept as the fractions themselves, so the defaults
	 * give back exactly those figures. */
	rate[0] = 870.0 / 2000.0;
	rate[1] = 130.0 / 870.0;
	rate[2] = 36.0 / 130.0;
	rate[3] = 10.0 / 36.0;
}

/*
 * ceil(x) for a count x >= 0 that may carry rounding error from the
 * division: 10 / (10.0 / 36) comes out a hair above 36, and a plain ceil
 * would ask for 37 opportunities.  A value within a relative 1e-12 of a
 * whole number (thousands of times the error of one division, far below
 * any real difference of rates) is taken as that number.  Saturates at
 * ULONG_MAX.
 */
static unsigned long ceil_count(double x)
{
	double whole = round(x);
	if (fabs(x - whole) <= 1e-12 * whole)
		x = whole;
	else
		x = ceil(x);
	if (x >= (double)ULONG_MAX)
		return ULONG_MAX;
	return (unsigned long)x;
}

void scoring_funnel(unsigned long customers, const double rate[SCORING_FUNNEL_STEPS],
		    unsigned long needed[SCORING_FUNNEL_STEPS + 1])
{
	needed[SCORING_FUNNEL_STEPS] = customers;
	for (int i = SCORING_FUNNEL_STEPS - 1; i >= 0; i--) {
		/* A rate outside (0, 1] (or NaN) is the caller's bug: the
		 * command line refuses such a rate before it gets here. */
		assert(rate[i] > 0 && rate[i] <= 1);
		needed[i] = ceil_count((double)needed[i + 1] / rate[i]);
	}
}

bool scoring_funnel_observed(unsigned long start, unsigned long moved, double *rate)
{
	if (start < SCORING_FUNNEL_START_MIN || moved < SCORING_FUNNEL_MOVED_MIN || moved > start)
		return false;
	*rate = (double)moved / (double)start;
	return true;
}
