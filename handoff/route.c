/*
 * route.c - the choice of a rep for a lead, and the SLA's clock within
 * the rep's working hours (route.h says what and why).
 *
 * Local time is ICU's calendar: one UCalendar opened per call on the
 * rep's zone and closed before returning.  ICU answers per object, so
 * the service's threads never share a time zone setting, which TZ and
 * localtime_r would (tzset is process-wide); and it reads the IANA rules
 * itself, so nothing here parses TZif.  Calendars are lenient: hour 24
 * is the next day's 00:00, and a wall time that a spring-forward skips
 * is read with the offset before the change (ICU's UCAL_WALLTIME_LAST).
 * The zone rules are ICU's own copy of the IANA database (2022e in
 * Debian 12's ICU 72), not /usr/share/zoneinfo: a zone whose rules
 * changed since is off until ICU's data is updated (ICU reads newer
 * zoneinfo64.res files from $ICU_TIMEZONE_FILES_DIR).
 */
#include "route.h"

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include <string.h>

#define MS 1000.0
#define MIN_DAY 1440

const char *route_attr_name(enum route_attr a)
{
	static const char *const names[ROUTE_ATTR_COUNT] = {"region", "industry", "source", "list"};
	return (unsigned)a < ROUTE_ATTR_COUNT ? names[a] : "?";
}

void route_conf_init(struct route_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->on = 1u << SCORING_HQL | 1u << SCORING_SQL;
	c->sla = ROUTE_SLA_DEFAULT;
	c->link_ttl = ROUTE_LINK_TTL_DEFAULT;
}

void route_conf_release(struct route_conf *c)
{
	for (size_t i = 0; i < c->n_rule; i++)
		for (size_t a = 0; a < ROUTE_ATTR_COUNT; a++)
			free(c->rule[i].attr[a].item);
	free(c->rule);
	for (size_t i = 0; i < c->n_team; i++) {
		free(c->team[i].rep);
		free(c->team[i].rep_names.item);
	}
	free(c->team);
	free(c->rep);
	memset(c, 0, sizeof(*c));
}

static bool eq(const char *a, const char *b)
{
	return lg_ascii_eq(a, strlen(a), b, strlen(b));
}

long route_rep_find(const struct route_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_rep; i++)
		if (eq(c->rep[i].name, name) || (c->rep[i].email && eq(c->rep[i].email, name)))
			return (long)i;
	return -1;
}

long route_team_find(const struct route_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_team; i++)
		if (eq(c->team[i].name, name))
			return (long)i;
	return -1;
}

int64_t route_team_sla(const struct route_conf *c, size_t team)
{
	return c->team[team].sla ? c->team[team].sla : c->sla;
}

/* ---- matching ------------------------------------------------------------- */

static bool words_hold(const struct route_words *w, const char *v)
{
	if (!w->n)
		return true;
	if (!v)
		return false;
	for (size_t i = 0; i < w->n; i++)
		if (eq(w->item[i], v))
			return true;
	return false;
}

/* Any of lists (NULL-terminated) among w's words; no words: true. */
static bool lists_hold(const struct route_words *w, const char *const *lists)
{
	if (!w->n)
		return true;
	for (size_t i = 0; lists && lists[i]; i++)
		if (words_hold(w, lists[i]))
			return true;
	return false;
}

static bool grade_holds(const struct route_rule *r, const char *g)
{
	if (!r->grade_fit && !r->grade_full)
		return true;
	if (!g || !g[0])
		return false;
	unsigned fit = (unsigned)(lg_ascii_lower((unsigned char)g[0]) - 'a');
	if (fit > 3)
		return false;
	if (r->grade_fit & 1u << fit)
		return true;
	unsigned e = (unsigned)(g[1] - '1');
	return g[1] && e <= 3 && (r->grade_full & 1u << (fit * 4 + e));
}

static bool rule_holds(const struct route_rule *r, const struct route_lead *l)
{
	if (r->stages && !(r->stages & 1u << l->stage))
		return false;
	if (!grade_holds(r, l->grade))
		return false;
	const char *v[ROUTE_LIST] = {l->region, l->industry, l->source};
	for (size_t a = 0; a < ROUTE_LIST; a++)
		if (!words_hold(&r->attr[a], v[a]))
			return false;
	if (!lists_hold(&r->attr[ROUTE_LIST], l->lists))
		return false;
	if (r->employees_min >= 0 || r->employees_max >= 0) {
		if (l->employees < 0)
			return false;
		if (r->employees_min >= 0 && l->employees < r->employees_min)
			return false;
		if (r->employees_max >= 0 && l->employees > r->employees_max)
			return false;
	}
	return true;
}

long route_match(const struct route_conf *c, const struct route_lead *lead)
{
	for (size_t i = 0; i < c->n_rule; i++)
		if (rule_holds(&c->rule[i], lead))
			return (long)i;
	return -1;
}

/* ---- local time ------------------------------------------------------------- */

/* A calendar on rep's zone (owned: ucal_close).  The zone was checked
 * when the configuration was read; ICU failing here is out of memory. */
static UCalendar *cal_open(const struct route_rep *rep)
{
	UChar zone[128];
	UErrorCode st = U_ZERO_ERROR;
	const char *tz = rep->tz ? rep->tz : "UTC";
	size_t n = strlen(tz);
	if (n >= sizeof(zone) / sizeof(*zone))
		BUG("time zone '%s' longer than the configuration lets through", tz);
	u_uastrncpy(zone, tz, (int32_t)n + 1);
	UCalendar *cal = ucal_open(zone, (int32_t)n, "en_US_POSIX", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || !cal)
		lg_die_oom(0);
	return cal;
}

static int32_t get(UCalendar *cal, UCalendarDateFields f)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t v = ucal_get(cal, f, &st);
	if (U_FAILURE(st))
		BUG("ucal_get: %s", u_errorName(st));
	return v;
}

static int64_t millis_to_s(UDate d)
{
	return (int64_t)(d / MS);
}

/* Weekday 0 Monday .. 6 Sunday from ICU's 1 Sunday .. 7 Saturday. */
static unsigned weekday(UCalendar *cal)
{
	return (unsigned)(get(cal, UCAL_DAY_OF_WEEK) + 5) % 7;
}

static void set_s(UCalendar *cal, int64_t t)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(cal, (UDate)t * MS, &st);
	if (U_FAILURE(st))
		BUG("ucal_setMillis: %s", u_errorName(st));
}

/* The instant of local date y-m-d (ICU month) at minute min (0..1440). */
static int64_t at(UCalendar *cal, int32_t y, int32_t m, int32_t d, unsigned min)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setDateTime(cal, y, m, d, (int32_t)(min / 60), (int32_t)(min % 60), 0, &st);
	ucal_set(cal, UCAL_MILLISECOND, 0);
	UDate ms = ucal_getMillis(cal, &st);
	if (U_FAILURE(st))
		BUG("ucal_getMillis: %s", u_errorName(st));
	return millis_to_s(ms);
}

bool route_rep_working(const struct route_rep *rep, int64_t now)
{
	if (!rep->hours.set)
		return true;
	UCalendar *cal = cal_open(rep);
	set_s(cal, now);
	unsigned wd = weekday(cal);
	unsigned min = (unsigned)(get(cal, UCAL_HOUR_OF_DAY) * 60 + get(cal, UCAL_MINUTE));
	ucal_close(cal);
	for (unsigned i = 0; i < rep->hours.n[wd]; i++)
		if (min >= rep->hours.span[wd][i][0] && min < rep->hours.span[wd][i][1])
			return true;
	return false;
}

int64_t route_day_start(const struct route_rep *rep, int64_t now)
{
	UCalendar *cal = cal_open(rep);
	set_s(cal, now);
	int64_t t = at(cal, get(cal, UCAL_YEAR), get(cal, UCAL_MONTH), get(cal, UCAL_DATE), 0);
	ucal_close(cal);
	return t;
}

int64_t route_sla_deadline(const struct route_rep *rep, int64_t t, int64_t sla)
{
	if (!rep->hours.set)
		return t + sla;
	/* Walk the local days from t's: each span of the day, as instants,
	 * spends what is left of the SLA from max(span start, t) on.  Spans
	 * do not cross midnight and every week has some (route_hours_parse),
	 * so the walk ends. */
	UCalendar *cal = cal_open(rep);
	set_s(cal, t);
	int32_t y = get(cal, UCAL_YEAR), m = get(cal, UCAL_MONTH), d = get(cal, UCAL_DATE);
	int64_t left = sla, from = t, deadline;
	for (;;) {
		at(cal, y, m, d, 12 * 60); /* midday: a day's weekday, whatever DST does */
		unsigned wd = weekday(cal);
		for (unsigned i = 0; i < rep->hours.n[wd]; i++) {
			int64_t s = at(cal, y, m, d, rep->hours.span[wd][i][0]);
			int64_t e = at(cal, y, m, d, rep->hours.span[wd][i][1]);
			if (e <= from || e <= s)
				continue;
			if (s < from)
				s = from;
			if (left <= e - s) {
				deadline = s + left;
				goto out;
			}
			left -= e - s;
			from = e;
		}
		/* the next local date */
		UErrorCode st = U_ZERO_ERROR;
		at(cal, y, m, d, 12 * 60);
		ucal_add(cal, UCAL_DATE, 1, &st);
		if (U_FAILURE(st))
			BUG("ucal_add: %s", u_errorName(st));
		y = get(cal, UCAL_YEAR), m = get(cal, UCAL_MONTH), d = get(cal, UCAL_DATE);
	}
out:
	ucal_close(cal);
	return deadline;
}

bool route_zone_ok(const char *tz)
{
	UChar zone[128], canon[128];
	UErrorCode st = U_ZERO_ERROR;
	UBool sys = 0;
	size_t n = strlen(tz);
	if (!n || n >= sizeof(zone) / sizeof(*zone))
		return false;
	u_uastrncpy(zone, tz, (int32_t)n + 1);
	/* ucal_open takes any name (an unknown one is "Etc/Unknown", GMT):
	 * the canonical id says whether ICU knows it. */
	ucal_getCanonicalTimeZoneID(zone, (int32_t)n, canon,
				    (int32_t)(sizeof(canon) / sizeof(*canon)), &sys, &st);
	return U_SUCCESS(st) && sys;
}

/* ---- the rotation ------------------------------------------------------------ */

void route_assign(const struct route_conf *c, size_t team, const struct route_ask *ask,
		  struct route_rr *rr, struct route_pick *out)
{
	const struct route_team *tm = &c->team[team];
	memset(out, 0, sizeof(*out));
	out->rep = -1;
	if (ask->owner) {
		long o = route_rep_find(c, ask->owner);
		if (o >= 0 && c->rep[o].available && o != ask->exclude) {
			out->how = ROUTE_OWNER;
			out->rep = o;
			return;
		}
	}
	bool ok[ROUTE_TEAM_REPS_MAX];
	int64_t total = 0;
	for (size_t i = 0; i < tm->n_rep && i < ROUTE_TEAM_REPS_MAX; i++) {
		size_t r = tm->rep[i];
		const struct route_rep *rep = &c->rep[r];
		ok[i] = false;
		if ((long)r == ask->exclude)
			out->excluded++;
		else if (!rep->available)
			out->unavailable++;
		else if (!route_rep_working(rep, ask->now))
			out->off_hours++;
		else if (rep->cap && ask->today && ask->today[r] >= rep->cap)
			out->at_cap++;
		else
			ok[i] = true, total += rep->weight;
	}
	if (!total)
		return;
	long best = -1;
	for (size_t i = 0; i < tm->n_rep && i < ROUTE_TEAM_REPS_MAX; i++) {
		if (!ok[i])
			continue;
		rr->credit[i] += (int32_t)c->rep[tm->rep[i]].weight;
		if (best < 0 || rr->credit[i] > rr->credit[best])
			best = (long)i;
	}
	rr->credit[best] -= (int32_t)total;
	out->how = ROUTE_ROTATION;
	out->rep = (long)tm->rep[best];
}

void route_rr_format(const struct route_conf *c, size_t team, const struct route_rr *rr,
		     struct lg_buf *out)
{
	const struct route_team *tm = &c->team[team];
	bool first = true;
	for (size_t i = 0; i < tm->n_rep && i < ROUTE_TEAM_REPS_MAX; i++) {
		if (!rr->credit[i])
			continue;
		lg_buf_addf(out, "%s%s:%d", first ? "" : ",", c->rep[tm->rep[i]].name,
			    (int)rr->credit[i]);
		first = false;
	}
}

bool route_rr_parse(const struct route_conf *c, size_t team, const char *text, struct route_rr *rr)
{
	const struct route_team *tm = &c->team[team];
	memset(rr, 0, sizeof(*rr));
	const char *p = text;
	while (*p) {
		const char *colon = strchr(p, ':');
		if (!colon || colon == p)
			goto bad;
		const char *end = colon + 1;
		if (*end == '-')
			end++;
		long v = 0;
		if (!lg_ascii_is_digit((unsigned char)*end))
			goto bad;
		while (lg_ascii_is_digit((unsigned char)*end)) {
			v = v * 10 + (*end++ - '0');
			if (v > 1000000000L)
				goto bad;
		}
		if (*end && (*end != ',' || !end[1]))
			goto bad;
		if (colon[1] == '-')
			v = -v;
		for (size_t i = 0; i < tm->n_rep && i < ROUTE_TEAM_REPS_MAX; i++) {
			const char *name = c->rep[tm->rep[i]].name;
			if (strlen(name) == (size_t)(colon - p) && !memcmp(name, p, strlen(name)))
				rr->credit[i] = (int32_t)v;
		}
		p = *end ? end + 1 : end;
	}
	return true;
bad:
	memset(rr, 0, sizeof(*rr));
	return false;
}

/* ---- working hours ------------------------------------------------------------ */

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int day_of(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (lg_ascii_eq(s, n, day_names[i], 3))
			return i;
	return -1;
}

/* "HH:MM" (HH 00..24, 24 only as 24:00): minutes, or -1. */
static int time_of(const char *s, size_t n)
{
	if (n != 5 || s[2] != ':' || !lg_ascii_is_digit((unsigned char)s[0]) ||
	    !lg_ascii_is_digit((unsigned char)s[1]) || !lg_ascii_is_digit((unsigned char)s[3]) ||
	    !lg_ascii_is_digit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

/* Days "mon-fri", "sat", "mon+wed+fri-sun" into a bit mask (bit 0 Monday). */
static bool days_of(const char *s, size_t n, unsigned *mask)
{
	*mask = 0;
	while (n) {
		const char *plus = memchr(s, '+', n);
		size_t k = plus ? (size_t)(plus - s) : n;
		int a, b;
		if (k == 3 && (a = day_of(s, 3)) >= 0) {
			b = a;
		} else if (k == 7 && s[3] == '-' && (a = day_of(s, 3)) >= 0 &&
			   (b = day_of(s + 4, 3)) >= 0) {
		} else {
			return false;
		}
		for (int d = a;; d = (d + 1) % 7) { /* fri-mon wraps */
			*mask |= 1u << d;
			if (d == b)
				break;
		}
		if (!plus)
			break;
		n -= k + 1;
		s += k + 1;
		if (!n)
			return false;
	}
	return *mask != 0;
}

/* Add [a, b) to day d, merging with what overlaps or touches it. */
static bool add_span(struct route_hours *h, unsigned d, unsigned a, unsigned b)
{
	uint16_t(*sp)[2] = h->span[d];
	unsigned n = h->n[d], i = 0, j;
	/* the spans that overlap or touch [a, b) merge into it */
	while (i < n && sp[i][1] < a)
		i++;
	for (j = i; j < n && sp[j][0] <= b; j++) {
		if (sp[j][0] < a)
			a = sp[j][0];
		if (sp[j][1] > b)
			b = sp[j][1];
	}
	unsigned after = n - j, nn = i + 1 + after;
	if (nn > ROUTE_DAY_SPANS)
		return false;
	memmove(&sp[i + 1], &sp[j], after * sizeof(*sp));
	sp[i][0] = (uint16_t)a;
	sp[i][1] = (uint16_t)b;
	h->n[d] = (uint8_t)nn;
	return true;
}

bool route_hours_parse(const char *s, struct route_hours *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	const char *p = s;
	size_t left = strlen(s);
	if (!left) {
		*why = "is empty";
		return false;
	}
	while (left) {
		const char *comma = memchr(p, ',', left);
		const char *item = p;
		size_t n = comma ? (size_t)(comma - p) : left;
		p += n;
		left -= n;
		if (comma)
			p++, left--;
		lg_ascii_trim(&item, &n);
		const char *sp = memchr(item, ' ', n);
		if (!sp) {
			*why = "wants DAYS HH:MM-HH:MM (\"mon-fri 09:00-17:30\")";
			return false;
		}
		const char *t = sp;
		size_t tn = n - (size_t)(sp - item);
		lg_ascii_trim(&t, &tn);
		unsigned mask;
		if (!days_of(item, (size_t)(sp - item), &mask)) {
			*why = "wants days mon tue wed thu fri sat sun, a range \"mon-fri\" or "
			       "several joined by '+'";
			return false;
		}
		int a, b;
		if (tn != 11 || t[5] != '-' || (a = time_of(t, 5)) < 0 ||
		    (b = time_of(t + 6, 5)) < 0) {
			*why = "wants times HH:MM-HH:MM (\"09:00-17:30\", 24:00 the latest)";
			return false;
		}
		if (b <= a) {
			*why = "has a span that ends before it starts (spans do not cross "
			       "midnight: "
			       "\"fri 22:00-24:00, sat 00:00-06:00\")";
			return false;
		}
		for (unsigned d = 0; d < 7; d++)
			if (mask & 1u << d && !add_span(out, d, (unsigned)a, (unsigned)b)) {
				*why = "has more than 4 separate spans in a day";
				return false;
			}
		if (comma && !left) {
			*why = "ends with a comma";
			return false;
		}
	}
	out->set = true;
	return true;
}
