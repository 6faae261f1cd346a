/*
 * rate.h - a token bucket per API key: each request takes a token; tokens
 * come back at `rate` a second up to `burst`.  Pure: no clock (times are
 * arguments, in milliseconds of a clock the caller chooses: a monotonic
 * one), no globals, no I/O, no locking (a bucket is the caller's, one
 * thread at a time).
 */
#ifndef LG_SERVE_RATE_H
#define LG_SERVE_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bucket; zeroed is new (it starts full at its first take). */
struct rate_bucket {
	double tokens;
	int64_t at_ms; /* when tokens was last brought up to date */
	bool started;
};

/*
 * Take one token at now_ms; rate tokens per second refill, burst = capacity
 * (below 1 counts as 1: one request must be possible).  true: allowed.
 * false: *retry_after_s = whole seconds (>= 1) until a token is there
 * (for Retry-After; rounded up).  rate <= 0 (or NaN) means unlimited: always
 * true, the bucket untouched.  A clock that goes backwards mints no token:
 * no time is paid for twice, so the bucket refills again once the clock
 * is past its latest reading (a monotonic clock never makes it wait).
 */
bool rate_take(struct rate_bucket *b, double rate, double burst, int64_t now_ms,
	       unsigned *retry_after_s);

/*
 * Buckets keyed by a client's address, for routes that have no key to
 * count by (the accept link).  A fixed number of slots, so that a flood
 * of new addresses costs no memory: an address hashes to a set of
 * RATE_WAYS slots; a new one takes the slot of the set whose bucket is
 * fullest at now_ms (the quietest caller: it loses the least by
 * starting over).  An address that lost its slot starts full again, so
 * the limit is exact for up to nslots busy callers and lenient past that,
 * never strict on the wrong caller.  Pure as above; one thread at a time.
 */
#define RATE_WAYS 4
#define RATE_ADDR_MAX 16 /* bytes: an IPv6 address */
struct rate_table;
/* nslots rounded up to a multiple of RATE_WAYS; aborts on no memory. */
struct rate_table *rate_table_new(size_t nslots);
void rate_table_free(struct rate_table *t);
/* rate_take() on addr's bucket (addr: len bytes, at most RATE_ADDR_MAX;
 * longer ones are cut). */
bool rate_table_take(struct rate_table *t, const void *addr, size_t len, double rate, double burst,
		     int64_t now_ms, unsigned *retry_after_s);

#endif
