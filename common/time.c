/* time.c - wall-clock times: RFC 3339 in and out, durations like "30d". */
#include "common.h"

#include <string.h>
#include <time.h>

/* n digits at s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!lg_ascii_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool lg_time_parse(const char *s, size_t len, int64_t *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *end = s + len;
	struct tm tm;
	int64_t off = 0;

	if (len < 10 || s[4] != '-' || s[7] != '-')
		return false;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1)
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	s += 10;
	if (s < end) {
		/* RFC 3339 5.6: "T" (or, as its note allows, a space), then time. */
		if ((*s != 'T' && *s != 't' && *s != ' ') || end - s < 9 || s[3] != ':' ||
		    s[6] != ':')
			return false;
		int h = digits(s + 1, 2), mi = digits(s + 4, 2), sec = digits(s + 7, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
			return false;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec == 60 ? 59 : sec; /* a leap second is the second before */
		s += 9;
		if (s < end && *s == '.') { /* fractions are dropped */
			const char *f = ++s;
			while (s < end && lg_ascii_is_digit((unsigned char)*s))
				s++;
			if (s == f)
				return false;
		}
		if (s == end)
			return false; /* RFC 3339 wants the offset */
		if (*s == 'Z' || *s == 'z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			if (end - s != 6 || s[3] != ':')
				return false;
			int oh = digits(s + 1, 2), om = digits(s + 4, 2);
			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return false;
			off = (int64_t)(oh * 3600 + om * 60) * (*s == '+' ? 1 : -1);
			s += 6;
		} else {
			return false;
		}
		if (s != end)
			return false;
	}
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t - off;
	return true;
}

size_t lg_time_format(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return 0;
	return strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool lg_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	size_t n = strlen(s);
	if (n < 2)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (s[n - 1] != units[i].unit)
			continue;
		int64_t v = 0;
		for (size_t j = 0; j + 1 < n; j++) {
			if (!lg_ascii_is_digit((unsigned char)s[j]) ||
			    v > INT64_MAX / 10 / units[i].secs)
				return false;
			v = v * 10 + (s[j] - '0');
		}
		if (v > INT64_MAX / units[i].secs)
			return false;
		*out = v * units[i].secs;
		return true;
	}
	return false;
}

int64_t lg_now_wall(void)
{
	return (int64_t)time(NULL);
}

bool lg_time_parse_cell(const char *s, size_t len, int64_t *out)
{
	lg_ascii_trim(&s, &len);
	int64_t v;
	if (len >= 9 && len <= 16 && lg_ascii_digits(s, len, &v)) {
		*out = len >= 13 ? v / 1000 : v;
		return true;
	}
	return len && lg_time_parse(s, len, out);
}
