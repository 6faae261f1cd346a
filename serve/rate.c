/*
 * rate.c - the token bucket of rate.h.
 */
#include "rate.h"

#include <limits.h>
#include <math.h>

bool rate_take(struct rate_bucket *b, double rate, double burst, int64_t now_ms,
	       unsigned *retry_after_s)
{
	if (!(rate > 0)) /* NaN too */
		return true;
	if (!(burst >= 1))
		burst = 1;
	if (!b->started) {
		b->tokens = burst;
		b->at_ms = now_ms;
		b->started = true;
	} else if (now_ms > b->at_ms) {
		b->tokens += (double)(now_ms - b->at_ms) * rate / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
		b->at_ms = now_ms;
	}
	/* Backwards (now_ms < at_ms): nothing, and at_ms stays.  Counting
	 * from the earlier reading instead would pay again for time already
	 * paid: a clock that stepped back and forth would mint a token per
	 * step. */
	if (b->tokens > burst) /* burst lowered since the last take */
		b->tokens = burst;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return true;
	}
	if (retry_after_s) {
		double s = ceil((1 - b->tokens) / rate);
		*retry_after_s = s < 1 ? 1u : s >= (double)UINT_MAX ? UINT_MAX : (unsigned)s;
	}
	return false;
}
