/*
 * scoring_int.h - private to scoring/ and its tests: the state's layout
 * and time base, the compiled context, limits.
 */
#ifndef LG_SCORING_INT_H
#define LG_SCORING_INT_H

#include "scoring.h"

/*
 * A state keeps times as unsigned 32-bit seconds since 2000-01-01T00:00:00Z
 * and daily-cap days as 16-bit days since then: 4 bytes an accumulator
 * instead of 8.  Times outside 2000-01-01 .. 2136-02-07 are clamped to
 * that range (an event from before 2000 counts as of 2000-01-01), in the
 * state and in scoring_score alike, so the two always agree.
 */
#define SCORING_EPOCH INT64_C(946684800)
#define SCORING_SPAN INT64_C(4294967295) /* UINT32_MAX seconds */

/* The largest scoring_state_size(): for a stack buffer. */
#define SCORING_STATE_MAX (SCORING_MAX_CLASSES * 16 + SCORING_MAX_CAPPED * 4)

/* Titles longer than this are matched on their first SCORING_TITLE_MAX
 * bytes (a cut inside a UTF-8 sequence is harmless: see LG_REGEX_UTF). */
#define SCORING_TITLE_MAX 256

/* hi_distinct counts at most this many channels (and as many assets). */
#define SCORING_MAX_DISTINCT 64

/* t on the state's clock: seconds since SCORING_EPOCH, clamped. */
static inline int64_t state_time(int64_t t)
{
	if (t < SCORING_EPOCH)
		return 0;
	if (t - SCORING_EPOCH > SCORING_SPAN)
		return SCORING_SPAN;
	return t - SCORING_EPOCH;
}

/* The value of class c at now before its cap (decayed only). */
double scoring_state_raw(const struct scoring_state *st, const struct scoring_rubric *r, unsigned c,
			 int64_t now);

/* Apply class c's cap to a value. */
double scoring_class_capped(const struct scoring_class *cls, double v);

struct scoring_ctx {
	const struct scoring_rubric *r;             /* borrowed */
	struct lg_regex *title[SCORING_MAX_TITLES]; /* owned, one per title rule */
	struct lg_map competitor;                   /* the competitor domains, a set */
};

#endif
