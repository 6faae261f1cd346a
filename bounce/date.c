/*
 * date.c - RFC 5322 3.3 date-times, as delivery status notifications
 * carry them (Date:, Arrival-Date:, Last-Attempt-Date:).
 *
 * Lenient where real mailers are, per RFC 5322 4.3: a two- or three-digit
 * year, the named North American zones and the military letters, comments
 * anywhere (the "(UTC)" after the zone), folding white space.
 */
#include "bounce_int.h"

#include <string.h>
#include <time.h>

struct tok {
	const char *s;
	size_t n;
};

/* The next token of [s, s+n) from *i: a run of characters that are not
 * white space, ',' or a comment (nested parentheses, RFC 5322 3.2.2). */
static bool next_tok(const char *s, size_t n, size_t *i, struct tok *t)
{
	int depth = 0;
	while (*i < n) {
		char c = s[*i];
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !lg_ascii_is_space((unsigned char)c) && c != ',')
			break;
		else if (depth > 0 && c == '\\' && *i + 1 < n)
			(*i)++;
		(*i)++;
	}
	if (*i >= n)
		return false;
	t->s = s + *i;
	while (*i < n && !lg_ascii_is_space((unsigned char)s[*i]) && s[*i] != ',' && s[*i] != '(')
		(*i)++;
	t->n = (size_t)(s + *i - t->s);
	return true;
}

static bool all_digits(const struct tok *t, size_t lo, size_t hi, int *out)
{
	int v = 0;
	if (t->n < lo || t->n > hi)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		if (!lg_ascii_is_digit((unsigned char)t->s[i]))
			return false;
		v = v * 10 + (t->s[i] - '0');
	}
	*out = v;
	return true;
}

static int month_of(const struct tok *t)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	if (t->n < 3)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (!lg_ascii_is_alpha((unsigned char)t->s[i]))
			return -1;
	for (int m = 0; m < 12; m++)
		if (lg_ascii_eq(t->s, 3, names + 3 * m, 3))
			return m;
	return -1;
}

/* "hh:mm" or "hh:mm:ss" */
static bool time_of(const struct tok *t, int *h, int *mi, int *sec)
{
	struct tok a = {t->s, 2}, b = {t->s + 3, 2}, c = {t->s + 6, 2};
	if ((t->n != 5 && t->n != 8) || t->s[2] != ':' || (t->n == 8 && t->s[5] != ':'))
		return false;
	*sec = 0;
	if (!all_digits(&a, 2, 2, h) || !all_digits(&b, 2, 2, mi) ||
	    (t->n == 8 && !all_digits(&c, 2, 2, sec)))
		return false;
	return *h <= 23 && *mi <= 59 && *sec <= 60;
}

/* The zone's offset east of UTC in seconds. */
static bool zone_of(const struct tok *t, long *off)
{
	static const struct {
		const char *name;
		int hours;
	} named[] = {
		{"UT", 0},   {"GMT", 0},  {"UTC", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
		{"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7},
	};
	if (t->n == 5 && (t->s[0] == '+' || t->s[0] == '-')) {
		struct tok d = {t->s + 1, 4};
		int hhmm;
		if (!all_digits(&d, 4, 4, &hhmm) || hhmm % 100 > 59)
			return false;
		*off = (long)(hhmm / 100 * 3600 + hhmm % 100 * 60) * (t->s[0] == '-' ? -1 : 1);
		return true;
	}
	for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++) {
		if (lg_ascii_eq(t->s, t->n, named[i].name, strlen(named[i].name))) {
			*off = named[i].hours * 3600L;
			return true;
		}
	}
	/* RFC 5322 4.3: the military letters carry no reliable meaning and
	 * are read as -0000, UTC with no known local offset. */
	if (t->n == 1 && lg_ascii_is_alpha((unsigned char)t->s[0]) &&
	    lg_ascii_lower((unsigned char)t->s[0]) != 'j') {
		*off = 0;
		return true;
	}
	return false;
}

bool bounce_rfc5322_date(const char *s, size_t n, int64_t *out)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tok t;
	size_t i = 0;
	int day, year, h, mi, sec;
	long off;

	if (!next_tok(s, n, &i, &t))
		return false;
	if (lg_ascii_is_alpha((unsigned char)t.s[0])) { /* the optional day-of-week */
		if (!next_tok(s, n, &i, &t))
			return false;
	}
	if (!all_digits(&t, 1, 2, &day) || !next_tok(s, n, &i, &t))
		return false;
	int mon = month_of(&t);
	if (mon < 0 || !next_tok(s, n, &i, &t) || !all_digits(&t, 2, 4, &year))
		return false;
	if (t.n == 2) /* RFC 5322 4.3 obs-year */
		year += year < 50 ? 2000 : 1900;
	else if (t.n == 3)
		year += 1900;
	if (!next_tok(s, n, &i, &t) || !time_of(&t, &h, &mi, &sec))
		return false;
	if (!next_tok(s, n, &i, &t) || !zone_of(&t, &off))
		return false;
	if (next_tok(s, n, &i, &t))
		return false; /* trailing text that is not a comment */

	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1970 || day < 1 || day > mdays[mon] + (mon == 1 && leap))
		return false;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;
	time_t tt = timegm(&tm);
	if (tt == (time_t)-1)
		return false;
	*out = (int64_t)tt - off;
	return true;
}
