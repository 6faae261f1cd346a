/*
 * rate.c - the token bucket of rate.h.
 */
#include "rate.h"

#include "common/common.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

struct rate_slot {
	unsigned char addr[RATE_ADDR_MAX];
	unsigned char len;
	bool used; /* false: free (an address of length 0 is a caller too) */
	struct rate_bucket b;
};

struct rate_table {
	struct rate_slot *slot;
	size_t nsets;
};

struct rate_table *rate_table_new(size_t nslots)
{
	struct rate_table *t = lg_xcalloc(1, sizeof(*t));
	t->nsets = nslots / RATE_WAYS + (nslots % RATE_WAYS != 0);
	if (!t->nsets)
		t->nsets = 1;
	t->slot = lg_xcalloc(t->nsets * RATE_WAYS, sizeof(*t->slot));
	return t;
}

void rate_table_free(struct rate_table *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

/* FNV-1a: the set an address falls in.  Not a secret hash: an attacker
 * who fills a set only makes its callers start over, full. */
static size_t set_of(const struct rate_table *t, const unsigned char *a, size_t len)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ a[i]) * 1099511628211u;
	return (size_t)(h % t->nsets);
}

/* The tokens b would have at now_ms (a free slot: infinitely many). */
static double tokens_at(const struct rate_slot *sl, double rate, int64_t now_ms)
{
	if (!sl->used || !sl->b.started)
		return INFINITY;
	double tk = sl->b.tokens;
	if (now_ms > sl->b.at_ms)
		tk += (double)(now_ms - sl->b.at_ms) * rate / 1000.0;
	return tk;
}

bool rate_table_take(struct rate_table *t, const void *addr, size_t len, double rate, double burst,
		     int64_t now_ms, unsigned *retry_after_s)
{
	if (!(rate > 0))
		return true;
	if (len > RATE_ADDR_MAX)
		len = RATE_ADDR_MAX;
	struct rate_slot *set = t->slot + set_of(t, addr, len) * RATE_WAYS, *pick = NULL;
	double most = -INFINITY;
	for (size_t i = 0; i < RATE_WAYS; i++) {
		struct rate_slot *sl = &set[i];
		if (sl->used && sl->len == len && !memcmp(sl->addr, addr, len))
			return rate_take(&sl->b, rate, burst, now_ms, retry_after_s);
		double tk = tokens_at(sl, rate, now_ms);
		if (tk > most) {
			most = tk;
			pick = sl;
		}
	}
	memcpy(pick->addr, addr, len);
	pick->len = (unsigned char)len;
	pick->used = true;
	pick->b = (struct rate_bucket){0};
	return rate_take(&pick->b, rate, burst, now_ms, retry_after_s);
}
