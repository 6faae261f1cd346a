/*
 * scoring.c - the [scoring] section: the rubric and the stage policy.
 * Every key is documented in conf/leadgate.conf; the defaults are
 * scoring_rubric_default's (DESIGN.md's figures).
 */
#include "conf.h"
#include "conf_int.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POINTS_MAX 1000.0

/* A signed decimal (conf_parse_decimal). */
static bool parse_number(const char *s, double lo, double hi, double *out)
{
	return conf_parse_decimal(s, strlen(s), true, lo, hi, out);
}

/* The next blank-separated word of *p (NUL-terminated in place), or NULL. */
static char *word(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	char *w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* The rest of *p with blanks trimmed at the start (the line is trimmed at
 * its end already). */
static char *rest(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A name for a class, type or title rule: letters, digits, '_' and '-'. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (!lg_ascii_is_alpha((unsigned char)s[i]) &&
		    !lg_ascii_is_digit((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return n >= 1 && n <= 63;
}

static enum lg_status bad(struct lg_err *err, const char *name, unsigned line, const char *key,
			  const char *want, const char *val)
{
	return lg_err_set(err, LG_ECONFIG, "%s:%u: %s wants %s, not '%s'", name, line, key, want,
			  val);
}

/* class.NAME = HALF_LIFE [cap=POINTS] [axis=engagement|product|intent] */
static enum lg_status set_class(struct conf *c, const char *cname, char *val, const char *name,
				unsigned line, const char *key, struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	if (!name_ok(cname))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: '%s': a class name is letters, digits, "
				  "'_' and '-'",
				  name, line, key);
	int i = scoring_class_find(r, cname, strlen(cname));
	struct scoring_class k = i >= 0 ? r->cls[i]
					: (struct scoring_class){.axis = SCORING_ENGAGEMENT};
	char *p = val, *w = word(&p);
	if (!w || !lg_parse_duration(w, &k.half_life) || k.half_life <= 0)
		return bad(err, name, line, key, "a half-life such as 30d first", val);
	k.cap = 0;
	while ((w = word(&p)) != NULL) {
		if (!strncmp(w, "cap=", 4)) {
			if (!parse_number(w + 4, 0, POINTS_MAX, &k.cap))
				return bad(err, name, line, key, "cap=POINTS (0 to 1000)", w);
		} else if (!strcmp(w, "axis=engagement")) {
			k.axis = SCORING_ENGAGEMENT;
		} else if (!strcmp(w, "axis=product")) {
			k.axis = SCORING_PRODUCT;
		} else if (!strcmp(w, "axis=intent")) {
			k.axis = SCORING_INTENT;
		} else {
			return bad(err, name, line, key,
				   "cap=POINTS or axis=engagement|product|intent", w);
		}
	}
	if (i < 0) {
		if (r->n_cls >= SCORING_MAX_CLASSES)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: at most %d classes", name,
					  line, key, SCORING_MAX_CLASSES);
		k.name = lg_arena_memdup(&c->arena, cname, strlen(cname));
		i = (int)r->n_cls++;
	}
	r->cls[i] = k;
	return LG_OK;
}

/* event.NAME = POINTS CLASS [cap=N] [high_intent] [min_count=N] */
static enum lg_status set_event(struct conf *c, const char *tname, char *val, const char *name,
				unsigned line, const char *key, struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	if (!name_ok(tname))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: '%s': an event type is letters, digits, "
				  "'_' and '-'",
				  name, line, key);
	int i = scoring_type_find(r, tname, strlen(tname));
	struct scoring_type t = {.cap_slot = -1};
	char *p = val, *w = word(&p);
	long v;
	if (!w || !parse_number(w, -POINTS_MAX, POINTS_MAX, &t.points))
		return bad(err, name, line, key, "POINTS CLASS [cap=N] [high_intent] [min_count=N]",
			   val);
	w = word(&p);
	int k = w ? scoring_class_find(r, w, strlen(w)) : -1;
	if (k < 0)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: %s: unknown class '%s' (define it with "
				  "class.NAME first)",
				  name, line, key, w ? w : "");
	t.cls = (unsigned)k;
	while ((w = word(&p)) != NULL) {
		if (!strncmp(w, "cap=", 4)) {
			if (!lg_parse_long(w + 4, 0, 1000, &v))
				return bad(err, name, line, key, "cap=N (events a day, 0 to 1000)",
					   w);
			t.daily_cap = (unsigned)v;
		} else if (!strncmp(w, "min_count=", 10)) {
			if (!lg_parse_long(w + 10, 0, 1000000, &v))
				return bad(err, name, line, key, "min_count=N (0 to 1000000)", w);
			t.min_count = (unsigned)v;
		} else if (!strcmp(w, "high_intent")) {
			t.high_intent = true;
		} else {
			return bad(err, name, line, key, "cap=N, high_intent or min_count=N", w);
		}
	}
	if (i < 0) {
		if (r->n_type >= SCORING_MAX_TYPES)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: at most %d event types",
					  name, line, key, SCORING_MAX_TYPES);
		t.name = lg_arena_memdup(&c->arena, tname, strlen(tname));
		i = (int)r->n_type++;
	} else {
		t.name = r->type[i].name;
	}
	r->type[i] = t;
	return LG_OK;
}

/* title.LABEL = POINTS PATTERN: replaces the rule of that label in place,
 * or goes in before the last rule (the catch-all). */
static enum lg_status set_title(struct conf *c, const char *label, char *val, const char *name,
				unsigned line, const char *key, struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	double points;
	char *p = val, *w = word(&p);
	if (!name_ok(label))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: '%s': a title label is letters, digits, "
				  "'_' and '-'",
				  name, line, key);
	if (!w || !parse_number(w, -POINTS_MAX, POINTS_MAX, &points) || !*rest(p))
		return bad(err, name, line, key, "POINTS PATTERN", val);
	const char *pattern = rest(p);
	unsigned i;
	for (i = 0; i < r->n_title; i++)
		if (!strcmp(r->title[i].label, label))
			break;
	if (i == r->n_title) {
		if (r->n_title >= SCORING_MAX_TITLES)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: at most %d title rules",
					  name, line, key, SCORING_MAX_TITLES);
		i = r->n_title ? r->n_title - 1 : 0;
		memmove(&r->title[i + 1], &r->title[i], (r->n_title - i) * sizeof(r->title[0]));
		r->n_title++;
		r->title[i].label = lg_arena_memdup(&c->arena, label, strlen(label));
	}
	r->title[i].points = points;
	r->title[i].pattern = lg_arena_memdup(&c->arena, pattern, strlen(pattern));
	return LG_OK;
}

/* icp.industry|region = POINTS VALUE; icp.employees = POINTS LO-HI | LO+.
 * The first icp.FIELD key of a file replaces the built-in rules of that
 * field. */
static enum lg_status set_icp(struct conf *c, const char *field, char *val, const char *name,
			      unsigned line, const char *key, struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	struct scoring_icp_rule k = {0};
	char *p = val, *w = word(&p);

	if (!strcmp(field, "industry"))
		k.field = SCORING_ICP_INDUSTRY;
	else if (!strcmp(field, "region"))
		k.field = SCORING_ICP_REGION;
	else if (!strcmp(field, "employees"))
		k.field = SCORING_ICP_EMPLOYEES;
	else
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: unknown key '%s' in [scoring] (icp.industry, "
				  "icp.region or icp.employees)",
				  name, line, key);
	if (!w || !parse_number(w, -POINTS_MAX, POINTS_MAX, &k.points) || !*rest(p))
		return bad(err, name, line, key,
			   k.field == SCORING_ICP_EMPLOYEES ? "POINTS LO-HI or POINTS LO+"
							    : "POINTS VALUE",
			   val);
	char *v = rest(p);
	if (k.field == SCORING_ICP_EMPLOYEES) {
		char *dash = strchr(v, '-');
		size_t n = strlen(v);
		if (n && v[n - 1] == '+') {
			v[n - 1] = '\0';
			k.hi = LONG_MAX;
			if (!lg_parse_long(v, 0, LONG_MAX, &k.lo))
				return bad(err, name, line, key, "POINTS LO-HI or POINTS LO+", val);
		} else if (!dash) {
			return bad(err, name, line, key, "POINTS LO-HI or POINTS LO+", val);
		} else {
			*dash = '\0';
			if (!lg_parse_long(v, 0, LONG_MAX, &k.lo) ||
			    !lg_parse_long(dash + 1, 0, LONG_MAX, &k.hi) || k.hi < k.lo)
				return bad(err, name, line, key,
					   "POINTS LO-HI (LO <= HI) or POINTS LO+", val);
		}
	} else {
		k.value = lg_arena_memdup(&c->arena, v, strlen(v));
	}
	if (!c->icp_replaced[k.field]) {
		unsigned j = 0;
		for (unsigned i = 0; i < r->n_icp; i++)
			if (r->icp[i].field != k.field)
				r->icp[j++] = r->icp[i];
		r->n_icp = j;
		c->icp_replaced[k.field] = true;
	}
	if (r->n_icp >= SCORING_MAX_ICP)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: at most %d ICP rules", name, line,
				  key, SCORING_MAX_ICP);
	r->icp[r->n_icp++] = k;
	return LG_OK;
}

/* "40, 25, 10": three thresholds, each below the one before. */
static bool parse_grades(char *val, double g[3])
{
	char *p = val;
	for (int i = 0; i < 3; i++) {
		char *comma = strchr(p, ',');
		if ((i < 2) != (comma != NULL))
			return false;
		if (comma)
			*comma = '\0';
		char *s = rest(p);
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		if (!parse_number(s, -POINTS_MAX, POINTS_MAX, &g[i]))
			return false;
		if (i && g[i] >= g[i - 1])
			return false;
		if (comma)
			p = comma + 1;
	}
	return true;
}

enum lg_status conf_set_scoring(struct conf *c, const char *key, const char *value,
				const char *name, unsigned line, const char *dir,
				struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	char val[1024];
	long v;
	int64_t d;

	size_t vlen = strlen(value);
	if (vlen >= sizeof(val))
		return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: value too long", name, line, key);
	memcpy(val, value, vlen + 1);

	static const struct {
		const char *key;
		size_t off;
		double lo, hi;
	} nums[] = {
		{"mql", offsetof(struct scoring_rubric, mql), -POINTS_MAX, POINTS_MAX},
		{"recycle", offsetof(struct scoring_rubric, recycle), -POINTS_MAX, POINTS_MAX},
		{"pql", offsetof(struct scoring_rubric, pql), 0, POINTS_MAX},
		{"icp_min", offsetof(struct scoring_rubric, icp_min), -POINTS_MAX, POINTS_MAX},
		{"trend_delta", offsetof(struct scoring_rubric, trend_delta), 0.01, POINTS_MAX},
		{"competitor_points", offsetof(struct scoring_rubric, competitor_points),
		 -POINTS_MAX, POINTS_MAX},
		{"evidence_min_confidence",
		 offsetof(struct scoring_rubric, evidence_min_confidence), 0, 1},
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(*nums); i++)
		if (!strcmp(key, nums[i].key)) {
			if (!parse_number(val, nums[i].lo, nums[i].hi,
					  (double *)((char *)r + nums[i].off))) {
				char want[64];
				snprintf(want, sizeof(want), "a number from %g to %g", nums[i].lo,
					 nums[i].hi);
				return bad(err, name, line, key, want, val);
			}
			return LG_OK;
		}

	static const struct {
		const char *key;
		size_t off;
		int max_days; /* scoring_rubric_check's bounds */
	} spans[] = {
		{"recycle_after", offsetof(struct scoring_rubric, recycle_for), 366},
		{"hql_window", offsetof(struct scoring_rubric, hql_window), 3650},
		{"sql_window", offsetof(struct scoring_rubric, sql_window), 3650},
		{"trend_window", offsetof(struct scoring_rubric, trend_window), 3650},
	};
	for (size_t i = 0; i < sizeof(spans) / sizeof(*spans); i++)
		if (!strcmp(key, spans[i].key)) {
			if (!lg_parse_duration(val, &d) || d <= 0 ||
			    d > spans[i].max_days * (int64_t)SCORING_DAY) {
				char want[64];
				snprintf(want, sizeof(want), "a duration such as 7d (up to %dd)",
					 spans[i].max_days);
				return bad(err, name, line, key, want, val);
			}
			*(int64_t *)((char *)r + spans[i].off) = d;
			return LG_OK;
		}

	if (!strcmp(key, "hql_distinct") || !strcmp(key, "sql_events")) {
		long hi = key[0] == 'h' ? 64
					: 1000; /* hql_distinct: scoring_rubric_check's bound */
		if (!lg_parse_long(val, 1, hi, &v))
			return bad(err, name, line, key,
				   key[0] == 'h' ? "a whole number from 1 to 64"
						 : "a whole number from 1 to 1000",
				   val);
		*(key[0] == 'h' ? &r->hql_distinct : &r->sql_events) = (unsigned)v;
		return LG_OK;
	}
	if (!strcmp(key, "intent_in_total")) {
		if (!conf_parse_bool(val, &r->intent_in_total))
			return bad(err, name, line, key, "yes or no", val);
		return LG_OK;
	}
	if (!strcmp(key, "framework")) {
		if (!scoring_framework_parse(val, strlen(val), &r->framework))
			return bad(err, name, line, key, "BANT, CHAMP or MEDDIC", val);
		return LG_OK;
	}
	if (!strcmp(key, "fit_grades") || !strcmp(key, "engagement_grades")) {
		if (!parse_grades(val, key[0] == 'f' ? r->fit_grade : r->eng_grade))
			return bad(err, name, line, key, "three falling numbers, A,B,C (or 1,2,3)",
				   value);
		return LG_OK;
	}
	if (!strncmp(key, "confidence.", 11)) {
		/* indexed by enum verify_status, as the gate's priors */
		static const char *const st[VERIFY_STATUS_COUNT] = {
			[VERIFY_DELIVERABLE] = "deliverable",
			[VERIFY_RISKY] = "risky",
			[VERIFY_UNDELIVERABLE] = "undeliverable",
			[VERIFY_UNKNOWN] = "unknown",
		};
		for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
			if (!strcmp(key + 11, st[i])) {
				if (!parse_number(val, 0, 1, &r->confidence[i]))
					return bad(err, name, line, key, "a number from 0 to 1",
						   val);
				return LG_OK;
			}
	}
	if (!strcmp(key, "competitor")) {
		lg_ascii_lower_copy(val, val, strlen(val));
		conf_list_add_text(c, &c->competitor, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "competitor_list"))
		return conf_add_list_file(c, &c->competitor, key, val, name, line, dir, err);
	if (!strncmp(key, "class.", 6))
		return set_class(c, key + 6, val, name, line, key, err);
	if (!strncmp(key, "event.", 6))
		return set_event(c, key + 6, val, name, line, key, err);
	if (!strncmp(key, "title.", 6))
		return set_title(c, key + 6, val, name, line, key, err);
	if (!strncmp(key, "icp.", 4))
		return set_icp(c, key + 4, val, name, line, key, err);
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [scoring]", name, line, key);
}

enum lg_status conf_finish_scoring(struct conf *c, const char *name, struct lg_err *err)
{
	struct scoring_rubric *r = &c->rubric;
	struct lg_err sub;
	r->competitor = c->competitor.item;
	r->n_competitor = c->competitor.n;
	if (r->recycle > r->mql)
		return lg_err_set(err, LG_ECONFIG,
				  "%s: [scoring] recycle (%g) must not be above mql (%g)", name,
				  r->recycle, r->mql);
	if (scoring_rubric_check(r, &sub) != LG_OK)
		return lg_err_set(err, LG_ECONFIG, "%s: [scoring] %s", name, sub.msg);
	/* The title patterns compile now, so that a bad one is reported with
	 * the file rather than by the first command that scores. */
	struct scoring_ctx *ctx;
	if (scoring_ctx_new(&ctx, r, &sub) != LG_OK)
		return lg_err_set(err, LG_ECONFIG, "%s: [scoring] %s", name, sub.msg);
	scoring_ctx_free(ctx);
	return LG_OK;
}
