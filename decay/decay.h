/*
 * decay.h - freshness: how the confidence of a verdict falls with its age,
 * and when a record is fresh, aging or stale.
 *
 * Contact data goes bad at about 2.1 % a month (22.5 % a year): an address
 * that was valid when verified is still valid after `age` with probability
 * (1 - r)^(age in months).  Pure: no I/O, no clock; ages are arguments.
 */
#ifndef LG_DECAY_H
#define LG_DECAY_H

#include <stdint.h>

#define DECAY_MONTH 2629746 /* seconds in a mean Gregorian month (365.2425 d / 12) */

struct decay_policy {
	double monthly_rate; /* r: share of valid addresses that go bad a month, 0 <= r < 1 */
	int64_t fresh_for;   /* verified less than this many seconds ago: fresh (7 days) */
	int64_t stale_after; /* more than this many seconds ago: stale (30 days) */
};

enum decay_class {
	DECAY_FRESH = 0, /* may enter a sequence */
	DECAY_AGING = 1, /* may enter a sequence; due for refresh soon */
	DECAY_STALE = 2, /* must be re-verified first */
};
#define DECAY_CLASS_COUNT 3

/* The defaults: r = 2.1 %, fresh < 7 days, stale > 30 days. */
void decay_policy_default(struct decay_policy *p);

/* (1 - r)^(age / DECAY_MONTH); 1 for age <= 0 (verified "in the future"). */
double decay_survival(const struct decay_policy *p, int64_t age);

/* P(still valid) = p0 * decay_survival(p, age). */
double decay_confidence(const struct decay_policy *p, double p0, int64_t age);

/*
 * Freshness class of a verdict `age` seconds old, with both ends exact:
 *   age <  fresh_for                   fresh (a negative age included)
 *   fresh_for <= age <= stale_after    aging
 *   age >  stale_after                 stale
 * So with the defaults a verdict exactly 7 days old is aging, one exactly
 * 30 days old is still aging, and one 30 days and a second old is stale.
 */
enum decay_class decay_classify(const struct decay_policy *p, int64_t age);

/* "fresh", "aging", "stale". */
const char *decay_class_name(enum decay_class c);

#endif
