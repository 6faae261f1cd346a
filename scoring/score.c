/*
 * score.c - one contact's score at now: fit, data confidence, engagement,
 * product, intent, the total and its explanation.
 *
 * The events go through scoring_state_add, the function the benchmark and
 * the store fold with, so daily caps, min_count and decay have one
 * implementation.  One pass over the events, in time order, stops at each
 * instant the result needs a total for (each day back to now -
 * recycle_for, now - trend_window, now) and reads the state there; the
 * explanation, when asked for, is written by the same pass, so asking for
 * it cannot change a figure.
 */
#include "scoring_int.h"

#include <stdlib.h>
#include <string.h>

#define DAY ((int64_t)SCORING_DAY)

enum lg_status scoring_ctx_new(struct scoring_ctx **out, const struct scoring_rubric *r,
			       struct lg_err *err)
{
	struct scoring_ctx *c = lg_xcalloc(1, sizeof(*c));
	struct lg_err e;

	*out = NULL;
	c->r = r;
	lg_map_init(&c->competitor, 0);
	for (unsigned i = 0; i < r->n_title; i++)
		if (lg_regex_new(&c->title[i], r->title[i].pattern,
				 LG_REGEX_CASELESS | LG_REGEX_UTF, &e) != LG_OK) {
			scoring_ctx_free(c);
			return lg_err_set(err, LG_ECONFIG, "title rule \"%s\": %s",
					  r->title[i].label, e.msg);
		}
	for (size_t i = 0; i < r->n_competitor; i++) {
		const char *d = r->competitor[i];
		size_t n = d ? strlen(d) : 0;
		if (n)
			lg_map_put(&c->competitor, d, n, lg_hash(d, n), NULL);
	}
	*out = c;
	return LG_OK;
}

void scoring_ctx_free(struct scoring_ctx *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SCORING_MAX_TITLES; i++)
		lg_regex_free(c->title[i]);
	lg_map_release(&c->competitor);
	free(c);
}

const char *scoring_trend_name(enum scoring_trend t)
{
	switch (t) {
	case SCORING_STEADY: return "steady";
	case SCORING_IMPROVING: return "improving";
	case SCORING_DECLINING: return "declining";
	}
	return "?";
}

/* ---- the explanation ------------------------------------------------------- */

struct lines {
	struct scoring_line *v; /* grows as lines are found */
	size_t n, cap;
	bool on; /* false: no explanation wanted, nothing is written */
};

static struct scoring_line *line_new(struct lines *L, enum scoring_line_kind kind, const char *rule,
				     const char *detail)
{
	if (L->n == L->cap) {
		L->cap = L->cap ? 2 * L->cap : 16;
		L->v = lg_xrealloc(L->v, L->cap * sizeof(*L->v));
	}
	struct scoring_line *l = &L->v[L->n++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->rule = rule;
	l->detail = detail;
	return l;
}

struct sorted_line {
	struct scoring_line l;
	size_t i; /* input order: the sort is stable */
};

static double mag(double v)
{
	return v < 0 ? -v : v;
}

static int line_cmp(const void *pa, const void *pb)
{
	const struct sorted_line *a = pa, *b = pb;
	double ma = mag(a->l.contribution), mb = mag(b->l.contribution);
	if (ma != mb)
		return ma > mb ? -1 : 1;
	if (a->l.kind != b->l.kind)
		return a->l.kind < b->l.kind ? -1 : 1;
	if (a->l.at != b->l.at)
		return a->l.at < b->l.at ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void lines_sort(struct lines *L)
{
	if (L->n < 2)
		return;
	struct sorted_line *s = lg_xmalloc(L->n * sizeof(*s));
	for (size_t i = 0; i < L->n; i++) {
		s[i].l = L->v[i];
		s[i].i = i;
	}
	qsort(s, L->n, sizeof(*s), line_cmp);
	for (size_t i = 0; i < L->n; i++)
		L->v[i] = s[i].l;
	free(s);
}

/* ---- fit ------------------------------------------------------------------- */

static void fit_add(struct scoring_result *out, struct lines *L, enum scoring_line_kind kind,
		    const char *rule, const char *detail, double points)
{
	if (points > 0)
		out->fit_pos += points;
	else
		out->fit_neg += points;
	if (L->on) {
		struct scoring_line *l = line_new(L, kind, rule, detail);
		l->points = points;
		l->factor = points > 0 ? out->q : 1.0;
		l->contribution = points * l->factor;
	}
}

static const char *icp_field_name(enum scoring_icp_field f)
{
	return f == SCORING_ICP_INDUSTRY ? "industry"
	       : f == SCORING_ICP_REGION ? "region"
					 : "employees";
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629 table 3:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * The title as the rules see it: its first SCORING_TITLE_MAX bytes with
 * every byte that is not part of well-formed UTF-8 made a space.  PCRE2
 * would match around such bytes too, but a pattern anchored at the start
 * ("no assistant anywhere in the title") must see the whole title.
 */
static size_t title_clean(const char *title, char buf[SCORING_TITLE_MAX])
{
	const unsigned char *s = (const unsigned char *)title;
	size_t n = strlen(title), i = 0;
	if (n > SCORING_TITLE_MAX)
		n = SCORING_TITLE_MAX;
	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);
		if (k == 0) {
			buf[i++] = ' ';
			continue;
		}
		memcpy(buf + i, s + i, k);
		i += k;
	}
	return n;
}

int scoring_title_rule(const struct scoring_ctx *ctx, const char *title)
{
	if (!title || !title[0])
		return -1;
	char buf[SCORING_TITLE_MAX];
	size_t n = title_clean(title, buf);
	for (unsigned i = 0; i < ctx->r->n_title; i++)
		if (lg_regex_match(ctx->title[i], buf, n, NULL, 0) > 0)
			return (int)i;
	return -1;
}

static void fit(const struct scoring_ctx *ctx, const struct scoring_contact *c,
		struct scoring_result *out, struct lines *L)
{
	const struct scoring_rubric *r = ctx->r;

	if (c->title && c->title[0]) {
		int i = c->title_known ? c->title_rule : scoring_title_rule(ctx, c->title);
		if (i >= 0 && (unsigned)i < r->n_title) {
			out->seniority = r->title[i].label;
			fit_add(out, L, SCORING_LINE_TITLE, r->title[i].label, c->title,
				r->title[i].points);
		}
	}

	if (c->domain && ctx->competitor.count) {
		size_t n = strlen(c->domain);
		if (lg_map_get(&ctx->competitor, c->domain, n, lg_hash(c->domain, n))) {
			out->competitor = true;
			fit_add(out, L, SCORING_LINE_COMPETITOR, "competitor", c->domain,
				r->competitor_points);
		}
	}

	for (unsigned i = 0; i < r->n_icp; i++) {
		const struct scoring_icp_rule *p = &r->icp[i];
		const char *v = NULL;
		bool hit = false;
		switch (p->field) {
		case SCORING_ICP_INDUSTRY:
		case SCORING_ICP_REGION:
			v = p->field == SCORING_ICP_INDUSTRY ? c->industry : c->region;
			hit = v && lg_ascii_eq(v, strlen(v), p->value, strlen(p->value));
			break;
		case SCORING_ICP_EMPLOYEES:
			hit = c->employees >= 0 && c->employees >= p->lo && c->employees <= p->hi;
			break;
		}
		if (hit) {
			out->fit_icp += p->points;
			fit_add(out, L, SCORING_LINE_ICP,
				p->value ? p->value : icp_field_name(p->field), v, p->points);
		}
	}
	out->icp = out->fit_icp >= r->icp_min;
}

/* ---- the events ------------------------------------------------------------ */

/* Distinct strings, ASCII case ignored, up to SCORING_MAX_DISTINCT. */
struct distinct {
	const char *s[SCORING_MAX_DISTINCT];
	size_t len[SCORING_MAX_DISTINCT];
	unsigned n;
};

static void distinct_add(struct distinct *d, const char *s)
{
	if (!s || !s[0] || d->n == SCORING_MAX_DISTINCT)
		return;
	size_t n = strlen(s);
	for (unsigned i = 0; i < d->n; i++)
		if (lg_ascii_eq(s, n, d->s[i], d->len[i]))
			return;
	d->s[d->n] = s;
	d->len[d->n++] = n;
}

struct walk {
	const struct scoring_rubric *r;
	int64_t now;
	struct scoring_state *st; /* the contact's or the account's */
	bool account;
	struct lines *L;
	struct distinct *channels, *assets; /* high-intent, in hql_window */
	unsigned hi_events;                 /* high-intent, in sql_window */
};

static void walk_event(struct walk *w, const struct scoring_event *e)
{
	const struct scoring_rubric *r = w->r;
	if (e->type >= r->n_type)
		return;
	const struct scoring_type *ty = &r->type[e->type];
	const struct scoring_class *cls = &r->cls[ty->cls];
	/* A contact's events feed E and P, its account's feed I. */
	if ((cls->axis == SCORING_INTENT) != w->account)
		return;
	enum scoring_add a = scoring_state_add(w->st, r, e->type, e->at, e->count);
	if (a == SCORING_BELOW)
		return;
	/* SCORING_RECOUNT only comes from input out of order: shown capped. */
	bool counted = a == SCORING_ADDED;

	if (counted && ty->high_intent && !w->account) {
		if (e->at > w->now - r->hql_window) {
			distinct_add(w->channels, e->channel);
			distinct_add(w->assets, e->asset && e->asset[0] ? e->asset : ty->name);
		}
		if (e->at > w->now - r->sql_window)
			w->hi_events++;
	}
	if (w->L->on) {
		bool in_total = cls->axis == SCORING_ENGAGEMENT ||
				(cls->axis == SCORING_INTENT && r->intent_in_total);
		struct scoring_line *l = line_new(w->L,
						  w->account ? SCORING_LINE_INTENT
							     : SCORING_LINE_EVENT,
						  ty->name, e->id);
		l->at = e->at;
		l->points = ty->points;
		/* The age on the state's clock, as scoring_state_raw sees it. */
		l->factor = scoring_decay_factor(w->now - SCORING_EPOCH - state_time(e->at),
						 cls->half_life);
		l->capped = !counted;
		l->contribution = counted && in_total ? ty->points * l->factor : 0;
	}
}

/* T at t from the states folded up to t. */
static double total_at(const struct scoring_rubric *r, double fit_eff,
		       const struct scoring_state *cst, const struct scoring_state *ast, int64_t t)
{
	double T = fit_eff + scoring_state_axis(cst, r, SCORING_ENGAGEMENT, t);
	if (r->intent_in_total)
		T += scoring_state_axis(ast, r, SCORING_INTENT, t);
	return T;
}

static void cap_lines(const struct scoring_rubric *r, const struct scoring_state *st, bool account,
		      int64_t now, struct lines *L)
{
	for (unsigned c = 0; c < r->n_cls; c++) {
		const struct scoring_class *cls = &r->cls[c];
		if (cls->cap <= 0 || (cls->axis == SCORING_INTENT) != account)
			continue;
		double raw = scoring_state_raw(st, r, c, now);
		double capped = scoring_class_capped(cls, raw);
		if (capped == raw)
			continue;
		bool in_total = cls->axis == SCORING_ENGAGEMENT ||
				(cls->axis == SCORING_INTENT && r->intent_in_total);
		struct scoring_line *l = line_new(L, SCORING_LINE_CLASS_CAP, cls->name, NULL);
		l->at = now;
		l->points = cls->cap;
		l->factor = 1.0;
		l->contribution = in_total ? capped - raw : 0;
	}
}

void scoring_score(const struct scoring_ctx *ctx, const struct scoring_contact *c,
		   const struct scoring_event *ev, size_t n_ev, const struct scoring_event *acct,
		   size_t n_acct, int64_t now, struct scoring_result *out,
		   struct scoring_line **lines, size_t *n_lines)
{
	const struct scoring_rubric *r = ctx->r;
	struct lines L = {NULL, 0, 0, lines != NULL};
	_Alignas(double) unsigned char cbuf[SCORING_STATE_MAX], abuf[SCORING_STATE_MAX];
	struct scoring_state *cst = (struct scoring_state *)(void *)cbuf; /* the contact's */
	struct scoring_state *ast = (struct scoring_state *)(void *)abuf; /* its account's */
	struct distinct channels, assets;

	memset(out, 0, sizeof(*out));
	channels.n = assets.n = 0;
	scoring_state_init(cst, r);
	scoring_state_init(ast, r);

	/* Data confidence: what the verdict was worth, aged since. */
	int64_t age = now - c->verified_at;
	if (c->status >= 0 && c->status < 4 && !c->suppressed)
		out->q = r->confidence[c->status] * decay_survival(&c->decay, age);
	out->freshness = decay_classify(&c->decay, age);

	fit(ctx, c, out, &L);
	out->fit_eff = out->q * out->fit_pos + out->fit_neg;
	out->eligible = c->status == 0 && !c->suppressed && out->freshness != DECAY_STALE &&
			!out->competitor;

	/*
	 * The instants that need a total, in ascending order: each day back
	 * from now to now - recycle_for (k = K .. 0) and now - trend_window.
	 * Before each one, fold the events up to it.
	 */
	struct walk wc = {r, now, cst, false, &L, &channels, &assets, 0};
	struct walk wa = {r, now, ast, true, &L, &channels, &assets, 0};
	int64_t k = r->recycle_for / DAY;
	int64_t t_before = now - r->trend_window;
	bool before_done = false, below = true;
	size_t i = 0, j = 0;
	for (;;) {
		int64_t t_rec = now - k * DAY;
		int64_t t = !before_done && t_before < t_rec ? t_before : t_rec;
		while (i < n_ev && ev[i].at <= t)
			walk_event(&wc, &ev[i++]);
		while (j < n_acct && acct[j].at <= t)
			walk_event(&wa, &acct[j++]);
		double T = total_at(r, out->fit_eff, cst, ast, t);
		if (!before_done && t == t_before) {
			out->total_before = T;
			before_done = true;
		}
		if (t == t_rec) {
			below = below && T < r->recycle;
			if (k-- == 0) {
				out->total = T;
				break;
			}
		}
	}
	/* trend_window > 0, so now - trend_window came before now. */
	out->below_recycle = below;
	out->engagement = scoring_state_axis(cst, r, SCORING_ENGAGEMENT, now);
	out->product = scoring_state_axis(cst, r, SCORING_PRODUCT, now);
	out->intent = scoring_state_axis(ast, r, SCORING_INTENT, now);
	out->hi_distinct = channels.n > assets.n ? channels.n : assets.n;
	out->hi_events = wc.hi_events;

	out->grade[0] = out->fit_eff >= r->fit_grade[0]   ? 'A'
			: out->fit_eff >= r->fit_grade[1] ? 'B'
			: out->fit_eff >= r->fit_grade[2] ? 'C'
							  : 'D';
	out->grade[1] = out->engagement >= r->eng_grade[0]   ? '1'
			: out->engagement >= r->eng_grade[1] ? '2'
			: out->engagement >= r->eng_grade[2] ? '3'
							     : '4';
	out->grade[2] = '\0';
	double d = out->total - out->total_before;
	out->trend = d >= r->trend_delta    ? SCORING_IMPROVING
		     : d <= -r->trend_delta ? SCORING_DECLINING
					    : SCORING_STEADY;

	if (lines) {
		cap_lines(r, cst, false, now, &L);
		cap_lines(r, ast, true, now, &L);
		lines_sort(&L);
		*lines = L.v;
		*n_lines = L.n;
	}
}
