/*
 * engage.c - engagement with half-life decay: the O(1) decayed sum and a
 * contact's whole state.
 *
 * Why one number per class is exact: every event of a class decays by the
 * same factor over the same time, so
 *
 *     sum_i p_i 2^(-(now - t_i)/h) = 2^(-(now - at)/h) x sum_i p_i 2^(-(at - t_i)/h)
 *
 * for any reference time `at`.  Keeping the right-hand sum s at the
 * latest event time costs one exp2() an event and one a read, whatever
 * the order of the events, and never loses anything but rounding.
 *
 * A state is one flat block per contact (the benchmark keeps a million of
 * them), laid out so that an event touches one 16-byte piece of it:
 *
 *     struct block { double s; uint32_t at; uint16_t slot[2]; } cls[n_cls];
 *     uint16_t extra[n_extra][2];
 *
 * s is a class's sum, at its time in seconds since SCORING_EPOCH, slot
 * the daily-cap counter (latest UTC day, events counted that day) of the
 * class's first capped type; the other capped types of a class (the
 * product class has three) count in extra[].  scoring_rubric_check hands
 * out these places as cap_slot: the class index, or n_cls + k for
 * extra[k].  Padded to 8 bytes.  All zero is the empty state: a sum of 0
 * at any time is empty, and a counter at (day 0, 0 counted) lets the
 * first event of any day through.
 */
#include "scoring_int.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define DAY ((int64_t)SCORING_DAY)

/* ---- the O(1) decayed sum ------------------------------------------------ */

double scoring_decay_factor(int64_t age, int64_t half_life)
{
	assert(half_life > 0);
	/* An event from the future (clock skew) has not decayed yet. */
	if (age <= 0)
		return 1.0;
	return exp2(-(double)age / (double)half_life);
}

void scoring_acc_add(struct scoring_acc *a, double points, int64_t t, int64_t half_life)
{
	if (a->s == 0 && a->at == 0) { /* empty */
		a->s = points;
		a->at = t;
	} else if (t <= a->at) { /* older: decay it to `at` */
		a->s += points * scoring_decay_factor(a->at - t, half_life);
	} else { /* newer: move `at` */
		a->s = a->s * scoring_decay_factor(t - a->at, half_life) + points;
		a->at = t;
	}
}

double scoring_acc_value(const struct scoring_acc *a, int64_t now, int64_t half_life)
{
	/* now < at: the caller asked about a time before its latest event;
	 * the sum does not know what it was then, and must not grow back
	 * past s, so the answer is s (scoring_decay_factor gives 1). */
	return a->s * scoring_decay_factor(now - a->at, half_life);
}

/* ---- a contact's state ----------------------------------------------------- */

struct block {
	double s;
	uint32_t at;
	uint16_t slot[2]; /* day, count */
};
_Static_assert(sizeof(struct block) == 16, "a class takes 16 bytes");

/* Counters stored after the class blocks. */
static unsigned n_extra(const struct scoring_rubric *r)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n_type; i++) {
		int k = r->type[i].cap_slot - (int)r->n_cls;
		if (k >= 0 && (unsigned)k + 1 > n)
			n = (unsigned)k + 1;
	}
	return n;
}

static inline struct block *blocks(struct scoring_state *st)
{
	return (struct block *)(void *)st;
}
static inline const struct block *cblocks(const struct scoring_state *st)
{
	return (const struct block *)(const void *)st;
}

size_t scoring_state_size(const struct scoring_rubric *r)
{
	size_t n = sizeof(struct block) * r->n_cls + 4 * (size_t)n_extra(r);
	return (n + 7) & ~(size_t)7;
}

void scoring_state_init(struct scoring_state *st, const struct scoring_rubric *r)
{
	memset(st, 0, scoring_state_size(r));
}

enum scoring_add scoring_state_add(struct scoring_state *st, const struct scoring_rubric *r,
				   unsigned type, int64_t t, long count)
{
	assert(type < r->n_type);
	const struct scoring_type *ty = &r->type[type];
	unsigned c = ty->cls;
	struct block *b = &blocks(st)[c];
	int64_t rel = state_time(t);

	if (ty->min_count && count >= 0 && (unsigned long)count < ty->min_count)
		return SCORING_BELOW;
	if (ty->cap_slot >= 0) {
		uint16_t *slot = ty->cap_slot == (int)c
					 ? b->slot
					 : (uint16_t *)(void *)(blocks(st) + r->n_cls) +
						   2 * (ty->cap_slot - (int)r->n_cls);
		uint16_t day = (uint16_t)(rel / DAY);
		if (day < slot[0])
			return SCORING_RECOUNT;
		if (day > slot[0]) {
			slot[0] = day;
			slot[1] = 0;
		}
		if (slot[1] >= ty->daily_cap) {
			/* Over the cap.  If nothing of its class is later, this
			 * is the latest event of the day and the one to drop;
			 * if something is, one of the events counted today may
			 * be later than this one and should have been dropped
			 * instead. */
			return rel < (int64_t)b->at ? SCORING_RECOUNT : SCORING_CAPPED;
		}
		slot[1]++;
	}

	int64_t h = r->cls[c].half_life;
	if (rel >= (int64_t)b->at) {
		if (b->s != 0 && rel > (int64_t)b->at)
			b->s *= exp2(-(double)(rel - (int64_t)b->at) / (double)h);
		b->s += ty->points;
		b->at = (uint32_t)rel;
	} else {
		b->s += ty->points * exp2(-(double)((int64_t)b->at - rel) / (double)h);
	}
	return SCORING_ADDED;
}

double scoring_state_raw(const struct scoring_state *st, const struct scoring_rubric *r, unsigned c,
			 int64_t now)
{
	const struct block *b = &cblocks(st)[c];
	double s = b->s;
	if (s == 0)
		return 0;
	/* now stays 64-bit: a read after 2136 still decays. */
	int64_t age = now - SCORING_EPOCH - (int64_t)b->at;
	if (age <= 0)
		return s;
	return s * exp2(-(double)age / (double)r->cls[c].half_life);
}

double scoring_class_capped(const struct scoring_class *cls, double v)
{
	if (cls->cap > 0) {
		if (v > cls->cap)
			return cls->cap;
		if (v < -cls->cap)
			return -cls->cap;
	}
	return v;
}

double scoring_state_class(const struct scoring_state *st, const struct scoring_rubric *r,
			   unsigned c, int64_t now)
{
	assert(c < r->n_cls);
	return scoring_class_capped(&r->cls[c], scoring_state_raw(st, r, c, now));
}

double scoring_state_axis(const struct scoring_state *st, const struct scoring_rubric *r,
			  enum scoring_axis axis, int64_t now)
{
	double sum = 0;
	for (unsigned c = 0; c < r->n_cls; c++)
		if (r->cls[c].axis == axis)
			sum += scoring_state_class(st, r, c, now);
	return sum;
}
