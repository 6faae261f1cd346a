/*
 * retry.c - the retry schedule and Retry-After (see retry.h).  No I/O,
 * no clock: the time and the randomness are arguments.
 */
#include "handoff/retry.h"

#include <curl/curl.h>

#define S 1000LL
#define MIN (60 * S)
#define H (60 * MIN)

/* Before attempt n + 1: Standard Webhooks' example schedule. */
static const int64_t schedule[RETRY_ATTEMPTS] = {
	0, 5 * S, 5 * MIN, 30 * MIN, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H,
};

int64_t retry_step_ms(unsigned n)
{
	return n >= 1 && n <= RETRY_ATTEMPTS ? schedule[n - 1] : -1;
}

bool retry_next(unsigned failed, int64_t retry_after_s, uint32_t rnd, int64_t *delay_ms)
{
	if (failed >= RETRY_ATTEMPTS)
		return false;
	if (failed == 0)
		failed = 1; /* a caller's slip: the first attempt has been made */
	/* rnd as a fraction of 2^32, in [0, 1) */
	if (retry_after_s >= 0) {
		int64_t d = retry_after_s > RETRY_AFTER_MAX / S ? RETRY_AFTER_MAX
								: retry_after_s * S;
		if (d < RETRY_AFTER_MIN)
			d = RETRY_AFTER_MIN;
		/* later by 0 .. RETRY_JITTER_PCT %, never earlier */
		*delay_ms = d + (int64_t)((uint64_t)d * RETRY_JITTER_PCT / 100 * rnd >> 32);
		return true;
	}
	int64_t d = schedule[failed];
	/* d * (1 - j + 2 j r), j = RETRY_JITTER_PCT / 100, r = rnd / 2^32 */
	int64_t spread = d * 2 * RETRY_JITTER_PCT / 100;
	*delay_ms = d - d * RETRY_JITTER_PCT / 100 + (int64_t)((uint64_t)spread * rnd >> 32);
	return true;
}

bool retry_after_parse(const char *s, size_t n, int64_t now, int64_t *secs)
{
	char date[64];
	int64_t v;

	lg_ascii_trim(&s, &n);
	if (n == 0)
		return false;
	if (lg_ascii_is_digit((unsigned char)s[0])) {
		if (!lg_ascii_digits(s, n, &v))
			return false;
		*secs = v;
		return true;
	}
	if (n >= sizeof(date))
		return false;
	memcpy(date, s, n);
	date[n] = '\0';
	/* curl_getdate reads the three forms RFC 9110 5.6.7 asks a
	 * recipient to accept (IMF-fixdate, RFC 850, asctime) */
	time_t t = curl_getdate(date, NULL);
	if (t == (time_t)-1)
		return false;
	*secs = t > now ? (int64_t)t - now : 0;
	return true;
}
