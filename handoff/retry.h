/*
 * retry.h - when a webhook that failed is tried again: a pure function
 * of the attempts made, the receiver's Retry-After and a random number.
 *
 * The schedule is the example of Standard Webhooks 1.0.0
 * (spec/standard-webhooks.md of standard-webhooks/standard-webhooks,
 * "Deliverability and reliability"): the first attempt at once, then
 * after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h: ten
 * attempts over 75 h 35 min 5 s, a little more than three days.  A
 * message whose tenth attempt fails is dead: kept and reported, not
 * tried again unless someone asks.
 *
 * Jitter: each delay is moved by up to RETRY_JITTER_PCT percent either
 * way, uniformly (the specification recommends "some level of random
 * jitter").  Messages that failed together (a receiver down for a
 * minute fails every message of that minute) would otherwise come back
 * together, at each step of the schedule, as a burst that can take the
 * receiver down again.  +-10 % spreads a burst of the 2 h step over 24
 * minutes while keeping the schedule's shape and its total near three
 * days.
 *
 * Retry-After (seconds, or an HTTP-date) takes precedence over the
 * schedule: the receiver knows when it will take messages again.  It is
 * capped at RETRY_AFTER_MAX (the schedule's longest step), so that a
 * receiver cannot park a message for ever, and only ever delayed by the
 * jitter (0 to +RETRY_JITTER_PCT %), never brought forward.  An attempt
 * retried after Retry-After still counts as an attempt.  It is at least
 * RETRY_AFTER_MIN: "Retry-After: 0" on every answer would otherwise
 * spend all ten attempts in a moment (a run's clock stands still: a
 * message due again at once is taken again by the same run).
 */
#ifndef LG_HANDOFF_RETRY_H
#define LG_HANDOFF_RETRY_H

#include "common/common.h"

#define RETRY_ATTEMPTS 10                    /* the first and nine retries */
#define RETRY_JITTER_PCT 10                  /* percent, either way */
#define RETRY_AFTER_MAX (24 * 3600 * 1000LL) /* ms: the longest step */
#define RETRY_AFTER_MIN 1000LL               /* ms: the shortest */

/*
 * The delay in milliseconds before the next attempt of a message whose
 * attempts 1 .. failed have all failed (failed >= 1), into *delay_ms;
 * false when none is left (failed >= RETRY_ATTEMPTS): the message is
 * dead.  retry_after_s is the last response's Retry-After in seconds
 * (retry_after_parse), -1 when it had none.  rnd is a uniformly random
 * number (any 32 bits): the jitter; the same rnd gives the same delay.
 */
bool retry_next(unsigned failed, int64_t retry_after_s, uint32_t rnd, int64_t *delay_ms);

/* The schedule's delay before attempt n (1-based; attempt 1 is at
 * once), without jitter, in ms; -1 past RETRY_ATTEMPTS. */
int64_t retry_step_ms(unsigned n);

/*
 * A Retry-After value (RFC 9110 10.2.3): delay-seconds (digits), or an
 * HTTP-date (RFC 9110 5.6.7, read by libcurl's curl_getdate), counted
 * from now (Unix seconds).  Seconds into *secs, 0 for a date already
 * past; false for anything else (then the header is ignored).  s[0..n)
 * need not be NUL-terminated; blanks around it are ignored.
 */
bool retry_after_parse(const char *s, size_t n, int64_t now, int64_t *secs);

#endif
