/*
 * lead.c - what the scoring jobs (score, qualify, decide) share: a
 * contact from the store as scoring sees it, its events and its
 * account's, its framework checklist, and scoring it with the stage moves
 * that follow.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lead_init(struct lead *L, struct store *s, const struct conf *conf, struct verify_ctx *vctx,
	       const struct scoring_ctx *sctx, int64_t now)
{
	memset(L, 0, sizeof(*L));
	L->store = s;
	L->conf = conf;
	L->vctx = vctx;
	L->sctx = sctx;
	L->now = now;
	lg_map_init(&L->accounts, sizeof(struct lead_span));
	lg_map_init(&L->titles, sizeof(int));
	lg_map_init(&L->addresses, sizeof(struct lead_span));
	lg_map_init(&L->words, 1);
}

void lead_release(struct lead *L)
{
	lead_load_events_wait(L, NULL);
	free(L->ev);
	free(L->acct);
	free(L->evidence);
	lg_arena_release(&L->arena);
	lg_arena_release(&L->acct_arena);
	lg_map_release(&L->accounts);
	lg_map_release(&L->titles);
	free(L->cev);
	lg_arena_release(&L->cev_arena);
	lg_map_release(&L->addresses);
	lg_map_release(&L->words);
}

/* The rubric's type of an event, or -1 (a type it does not know: the
 * import reported it; it scores nothing). */
static int type_of(const struct lead *L, const char *type)
{
	return scoring_type_find(&L->conf->rubric, type, strlen(type));
}

static const char *dup_opt(struct lg_arena *a, const char *s)
{
	return s ? lg_arena_memdup(a, s, strlen(s)) : NULL;
}

static enum lg_status on_account_event(void *arg, const struct store_event *e, struct lg_err *err)
{
	struct lead *L = arg;
	(void)err;
	int t = type_of(L, e->type);
	if (t < 0)
		return LG_OK;
	if (L->nacct == L->capacct) {
		L->capacct = L->capacct ? 2 * L->capacct : 1024;
		L->acct = lg_xrealloc(L->acct, L->capacct * sizeof(*L->acct));
	}
	size_t len = strlen(e->account);
	bool created;
	struct lead_span *sp = lg_map_put(&L->accounts, e->account, len, lg_hash(e->account, len),
					  &created);
	if (created)
		sp->start = L->nacct; /* the rows come ordered by account */
	sp->n++;
	L->acct[L->nacct++] = (struct scoring_event){
		.type = (unsigned)t,
		.at = e->occurred_at,
		.count = e->count,
		.channel = dup_opt(&L->acct_arena, e->channel),
		.asset = dup_opt(&L->acct_arena, e->asset),
		.id = dup_opt(&L->acct_arena, e->event_id),
	};
	return LG_OK;
}

enum lg_status lead_load_accounts(struct lead *L, struct lg_err *err)
{
	L->all_accounts = true;
	return store_events_each(L->store, true, NULL, on_account_event, L, err);
}

/* Without lead_load_accounts (a command on one contact): its account's
 * events alone, read now. */
static enum lg_status load_account(struct lead *L, const char *account, struct lg_err *err)
{
	L->nacct = 0;
	lg_map_release(&L->accounts);
	lg_map_init(&L->accounts, sizeof(struct lead_span));
	lg_arena_release(&L->acct_arena);
	return store_events_each(L->store, true, account, on_account_event, L, err);
}

/* ---- figures -------------------------------------------------------------- */

/* k / 10^decimals, k's digits with the point put in: what printf writes
 * for a value that rounds to it. */
static size_t put_fixed(char *buf, bool neg, unsigned long k, int decimals)
{
	char digit[24];
	int n = 0;
	size_t len = 0;
	do {
		digit[n++] = (char)('0' + k % 10);
		k /= 10;
	} while (k || n <= decimals);
	if (neg)
		buf[len++] = '-';
	while (n > decimals)
		buf[len++] = digit[--n];
	buf[len++] = '.';
	while (n > 0)
		buf[len++] = digit[--n];
	buf[len] = '\0';
	return len;
}

static size_t put_printf(char *buf, int decimals, double v)
{
	int n = snprintf(buf, LEAD_FIXED_MAX, "%.*f", decimals, v);
	return n < 0 ? 0 : (size_t)n < LEAD_FIXED_MAX ? (size_t)n : LEAD_FIXED_MAX - 1;
}

size_t lead_format_cents(char *buf, double v)
{
	/* lead_cents(v) is the double nearest k / 100: far nearer k / 100
	 * than the half hundredth that would print another figure */
	if (!(fabs(v) < 1e15))
		return put_printf(buf, 2, lead_cents(v));
	long k = lround(v * 100);
	return put_fixed(buf, k < 0, k < 0 ? 0UL - (unsigned long)k : (unsigned long)k, 2);
}

size_t lead_format_thousandths(char *buf, double v)
{
	/* v * 1000 is within 1e-7 of the exact product below 1e6: the nearest
	 * integer is printf's unless the product is about half-way, where
	 * printf's exact rounding decides */
	double t = v * 1000, r = nearbyint(t);
	if (!(fabs(v) < 1e6) || 0.5 - fabs(t - r) < 1e-6)
		return put_printf(buf, 3, v);
	return put_fixed(buf, signbit(v), (unsigned long)fabs(r), 3);
}

/* ---- every contact's events ---------------------------------------------- */

/* An event as read, before the events are grouped by address. */
struct loose_event {
	struct lead_span *sp; /* its address's */
	struct scoring_event e;
};

struct events_load {
	struct lead *L;
	struct loose_event *ev;
	size_t n, cap;
	struct lead_span **spans; /* each address once, in the order first seen */
	size_t nspans, capspans;
};

/* A channel or an asset: a few distinct words, kept once each. */
static const char *word_of(struct lead *L, const char *s)
{
	if (!s)
		return NULL;
	size_t len = strlen(s);
	void *v = lg_map_put(&L->words, s, len, lg_hash(s, len), NULL);
	return lg_map_key(&L->words, v, &len);
}

static enum lg_status on_loose_event(void *arg, const struct store_event *e, struct lg_err *err)
{
	struct events_load *ld = arg;
	struct lead *L = ld->L;
	(void)err;
	int t = type_of(L, e->type);
	if (t < 0)
		return LG_OK;
	size_t len = strlen(e->address);
	bool created;
	struct lead_span *sp = lg_map_put(&L->addresses, e->address, len, lg_hash(e->address, len),
					  &created);
	if (created) {
		if (ld->nspans == ld->capspans) {
			ld->capspans = ld->capspans ? 2 * ld->capspans : 4096;
			ld->spans = lg_xrealloc(ld->spans, ld->capspans * sizeof(*ld->spans));
			lg_advise_huge(ld->spans, ld->capspans * sizeof(*ld->spans));
		}
		ld->spans[ld->nspans++] = sp;
	}
	sp->n++;
	if (ld->n == ld->cap) {
		ld->cap = ld->cap ? 2 * ld->cap : 4096;
		ld->ev = lg_xrealloc(ld->ev, ld->cap * sizeof(*ld->ev));
		lg_advise_huge(ld->ev, ld->cap * sizeof(*ld->ev));
	}
	ld->ev[ld->n++] = (struct loose_event){
		sp,
		{
			.type = (unsigned)t,
			.at = e->occurred_at,
			.count = e->count,
			.channel = word_of(L, e->channel),
			.asset = word_of(L, e->asset),
			.id = lg_arena_memdup(&L->cev_arena, e->event_id, strlen(e->event_id)),
		},
	};
	return LG_OK;
}

/* The order store_events_each gives: occurred_at, then event_id (its
 * bytes, as SQLite's BINARY collation compares them). */
static bool event_before(const struct scoring_event *a, const struct scoring_event *b)
{
	return a->at != b->at ? a->at < b->at : strcmp(a->id, b->id) < 0;
}

static enum lg_status load_events(struct lead *L, struct store *s, struct lg_err *err)
{
	struct events_load ld = {.L = L};
	enum lg_status st = store_events_scan(s, on_loose_event, &ld, err);
	if (st == LG_OK) {
		/* each address's span in cev, then its events in it: a
		 * counting sort by address */
		size_t at = 0;
		for (size_t i = 0; i < ld.nspans; i++) {
			ld.spans[i]->start = at;
			at += ld.spans[i]->n;
			ld.spans[i]->n = 0;
		}
		L->cev = lg_xrealloc(L->cev, (ld.n ? ld.n : 1) * sizeof(*L->cev));
		lg_advise_huge(L->cev, ld.n * sizeof(*L->cev));
		L->ncev = ld.n;
		for (size_t i = 0; i < ld.n; i++) {
			struct lead_span *sp = ld.ev[i].sp;
			L->cev[sp->start + sp->n++] = ld.ev[i].e;
		}
		/* and in time order within it (a contact has a few) */
		for (size_t i = 0; i < ld.nspans; i++) {
			struct scoring_event *e = L->cev + ld.spans[i]->start;
			for (size_t k = 1; k < ld.spans[i]->n; k++) {
				struct scoring_event x = e[k];
				size_t m = k;
				for (; m > 0 && event_before(&x, &e[m - 1]); m--)
					e[m] = e[m - 1];
				e[m] = x;
			}
		}
		L->all_events = true;
	}
	free(ld.ev);
	free(ld.spans);
	return st;
}

enum lg_status lead_load_events(struct lead *L, struct lg_err *err)
{
	return load_events(L, L->store, err);
}

struct lead_loader {
	pthread_t thread;
	struct lead *L;
	const char *path;
	enum lg_status st;
	struct lg_err err;
};

/* The loader's thread: nothing of L but what load_events fills is
 * touched by the caller until it is joined. */
static void *loader_run(void *arg)
{
	struct lead_loader *ld = arg;
	struct store *s = NULL;
	ld->st = store_open(&s, ld->path, STORE_READ, &ld->err);
	if (ld->st == LG_OK)
		ld->st = load_events(ld->L, s, &ld->err);
	store_close(s);
	return NULL;
}

void lead_load_events_start(struct lead *L, const char *path)
{
	if (L->loader)
		BUG("the events loaded twice");
	struct lead_loader *ld = lg_xcalloc(1, sizeof(*ld));
	ld->L = L;
	ld->path = path;
	L->loader = ld;
	if (pthread_create(&ld->thread, NULL, loader_run, ld)) {
		/* no thread to be had: read them now */
		loader_run(ld);
		ld->L = NULL;
	}
}

enum lg_status lead_load_events_wait(struct lead *L, struct lg_err *err)
{
	struct lead_loader *ld = L->loader;
	if (!ld)
		return LG_OK;
	if (ld->L)
		pthread_join(ld->thread, NULL);
	L->loader = NULL;
	enum lg_status st = ld->st;
	if (st != LG_OK && err)
		*err = ld->err;
	free(ld);
	return st;
}

static enum lg_status on_event(void *arg, const struct store_event *e, struct lg_err *err)
{
	struct lead *L = arg;
	(void)err;
	int t = type_of(L, e->type);
	if (t < 0)
		return LG_OK;
	if (L->nev == L->capev) {
		L->capev = L->capev ? 2 * L->capev : 64;
		L->ev = lg_xrealloc(L->ev, L->capev * sizeof(*L->ev));
	}
	L->ev[L->nev++] = (struct scoring_event){
		.type = (unsigned)t,
		.at = e->occurred_at,
		.count = e->count,
		.channel = dup_opt(&L->arena, e->channel),
		.asset = dup_opt(&L->arena, e->asset),
		.id = dup_opt(&L->arena, e->event_id),
	};
	return LG_OK;
}

static enum lg_status on_evidence(void *arg, const struct store_qevidence *e, struct lg_err *err)
{
	struct lead *L = arg;
	(void)err;
	int c = scoring_criterion_find(e->framework, e->criterion, strlen(e->criterion));
	if (c < 0)
		return LG_OK; /* the database holds only what evidence add checked */
	if (L->nevidence == L->capevidence) {
		L->capevidence = L->capevidence ? 2 * L->capevidence : 16;
		L->evidence = lg_xrealloc(L->evidence, L->capevidence * sizeof(*L->evidence));
	}
	L->evidence[L->nevidence++] = (struct scoring_evidence){
		.framework = e->framework,
		.criterion = (unsigned)c,
		.status = e->status,
		.confidence = e->confidence,
		.at = e->at,
		.valid_until = e->valid_until,
	};
	return LG_OK;
}

enum lg_status lead_checklist(struct lead *L, int64_t contact_id, enum scoring_framework f,
			      struct scoring_checklist *out, struct lg_err *err)
{
	L->nevidence = 0;
	enum lg_status st = store_qevidence_each(L->store, contact_id, on_evidence, L, err);
	if (st == LG_OK)
		scoring_checklist(f, L->evidence, L->nevidence, L->now,
				  L->conf->rubric.evidence_min_confidence, out);
	return st;
}

/* Titles kept with their rule at most: job titles repeat (a list has a
 * few hundred distinct ones), so the map stays small, and a store of
 * free-text titles stops growing it here. */
#define LEAD_TITLES_MAX 65536

/* The title rule of title, matched once per distinct title. */
static int title_rule(struct lead *L, const char *title)
{
	size_t n = strlen(title);
	uint64_t h = lg_hash(title, n);
	const int *kept = lg_map_get(&L->titles, title, n, h);
	if (kept)
		return *kept;
	int rule = scoring_title_rule(L->sctx, title);
	if (L->titles.count < LEAD_TITLES_MAX)
		*(int *)lg_map_put(&L->titles, title, n, h, NULL) = rule;
	return rule;
}

void lead_prefetch(const struct lead *L, const struct store_lead *l, int level)
{
	if (L->loader || !L->all_events)
		return; /* the maps still filling, or not kept */
	size_t len = strlen(l->address);
	uint64_t h = lg_hash(l->address, len);
	if (level < 2) {
		lg_map_prefetch(&L->addresses, h, level == 1);
	} else {
		const struct lead_span *sp = lg_map_get(&L->addresses, l->address, len, h);
		if (sp)
			__builtin_prefetch(L->cev + sp->start);
	}
	/* the account as lead_score looks it up: lower-cased */
	char key[256];
	size_t n = l->account ? strlen(l->account) : 0;
	if (level < 2 && L->all_accounts && n && n <= sizeof(key)) {
		lg_ascii_lower_copy(key, l->account, n);
		lg_map_prefetch(&L->accounts, lg_hash(key, n), level == 1);
	}
}

enum lg_status lead_score(struct lead *L, const struct store_lead *l, struct lead_scored *out,
			  bool explain, struct lg_err *err)
{
	const struct scoring_rubric *rb = &L->conf->rubric;
	const struct scoring_event *ev; /* the contact's events: L->cev's or L->ev */
	size_t nev;
	enum lg_status st;

	if (L->loader && (st = lead_load_events_wait(L, err)) != LG_OK)
		return st;
	lg_arena_release(&L->arena);
	L->nev = 0;
	memset(out, 0, sizeof(*out));

	/* the account: the registrable domain of the address, as verify
	 * recorded it (schema 5); else derived again, the domain itself when
	 * the address no longer verifies */
	const char *org = l->account;
	size_t org_len = org ? strlen(org) : 0;
	if (!org) {
		struct verify_result v;
		verify_address(L->vctx, l->address, strlen(l->address), &v);
		if (!(org_len = verify_account_key(&v, &org))) {
			org = l->domain;
			org_len = strlen(l->domain);
		}
	}
	out->account = lg_arena_memdup(&L->arena, org, org_len);
	lg_ascii_lower_copy((char *)out->account, out->account, org_len);

	struct scoring_contact c = {
		.status = (int)l->status,
		.suppressed = l->suppressed != STORE_SUPPRESS_NONE,
		.verified_at = l->verified_at,
		.title = l->profile.title,
		.title_known = l->profile.title && l->profile.title[0],
		.title_rule = l->profile.title && l->profile.title[0]
				      ? title_rule(L, l->profile.title)
				      : -1,
		.domain = out->account,
		.industry = l->profile.industry,
		.region = l->profile.region,
		.employees = l->profile.employees,
	};
	conf_decay_policy(L->conf, l->source, &c.decay);

	if (L->all_events) {
		size_t len = strlen(l->address);
		const struct lead_span *sp = lg_map_get(&L->addresses, l->address, len,
							lg_hash(l->address, len));
		ev = sp ? L->cev + sp->start : NULL;
		nev = sp ? sp->n : 0;
	} else {
		st = store_events_each(L->store, false, l->address, on_event, L, err);
		if (st != LG_OK)
			return st;
		ev = L->ev;
		nev = L->nev;
	}
	if (!L->all_accounts && (st = load_account(L, out->account, err)) != LG_OK)
		return st;
	const struct lead_span *sp = lg_map_get(&L->accounts, out->account, org_len,
						lg_hash(out->account, org_len));
	const struct scoring_event *acct = sp ? L->acct + sp->start : NULL;
	size_t nacct = sp ? sp->n : 0;

	scoring_score(L->sctx, &c, ev, nev, acct, nacct, L->now, &out->r,
		      explain ? &out->lines : NULL, explain ? &out->nlines : NULL);

	/* the stage, and the automatic moves from it */
	out->stage = l->stage;
	out->was = out->stage;
	struct scoring_facts facts = {0};
	/* recycled: has the lead done something since? */
	for (size_t i = 0; i < nev && out->stage == SCORING_RECYCLED && !facts.active; i++)
		facts.active = ev[i].at > l->stage_since && ev[i].at <= L->now &&
			       rb->type[ev[i].type].points > 0;
	if (out->stage == SCORING_SAL) {
		struct scoring_checklist cl;
		if ((st = lead_checklist(L, l->contact_id, rb->framework, &cl, err)) != LG_OK)
			return st;
		facts.buying_role = cl.buying_role;
		facts.framework_pass = cl.pass;
	}
	enum scoring_stage next;
	const char *why;
	while (out->nmoves < LEAD_MOVES_MAX &&
	       scoring_stage_next(rb, out->stage, &out->r, &facts, &next, &why)) {
		out->moves[out->nmoves].from = out->stage;
		out->moves[out->nmoves].to = next;
		out->moves[out->nmoves].why = why ? why : "";
		out->nmoves++;
		out->stage = next;
	}
	return LG_OK;
}

/* ---- the explanation as JSON ---- */

json_t *lead_json_fig(double v, int places)
{
	double m = places == 2 ? 100 : places == 4 ? 1e4 : 1e6;
	return json_real((double)lround(v * m) / m);
}

json_t *lead_json_str(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_null();
}

const char *lead_line_kind(enum scoring_line_kind k)
{
	switch (k) {
	case SCORING_LINE_TITLE: return "title";
	case SCORING_LINE_COMPETITOR: return "competitor";
	case SCORING_LINE_ICP: return "icp";
	case SCORING_LINE_EVENT: return "event";
	case SCORING_LINE_CLASS_CAP: return "class cap";
	case SCORING_LINE_INTENT: return "intent";
	}
	return "?";
}

long lead_rounding(const struct lead_scored *sc)
{
	long sum = 0;
	for (size_t i = 0; i < sc->nlines; i++)
		sum += lround(sc->lines[i].contribution * 100);
	return lround(sc->r.total * 100) - sum;
}

json_t *lead_explain_json(const char *address, const struct lead_scored *sc)
{
	const struct scoring_result *r = &sc->r;
	json_t *lines = json_array();
	for (size_t i = 0; i < sc->nlines; i++) {
		const struct scoring_line *ln = &sc->lines[i];
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(lead_line_kind(ln->kind)));
		json_object_set_new(o, "rule", lead_json_str(ln->rule ? ln->rule : ""));
		json_object_set_new(o, "points", lead_json_fig(ln->points, 2));
		json_object_set_new(o, "factor", lead_json_fig(ln->factor, 6));
		json_object_set_new(o, "contribution", lead_json_fig(ln->contribution, 2));
		json_object_set_new(o, "capped", json_boolean(ln->capped));
		if (ln->at) {
			char at[LG_TIME_LEN];
			lg_time_format(ln->at, at, sizeof(at));
			json_object_set_new(o, "at", json_string(at));
		}
		if (ln->detail && *ln->detail)
			json_object_set_new(o, "detail", lead_json_str(ln->detail));
		json_array_append_new(lines, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "email", lead_json_str(address));
	json_object_set_new(o, "total", lead_json_fig(r->total, 2));
	json_object_set_new(o, "fit", lead_json_fig(r->fit_eff, 2));
	json_object_set_new(o, "confidence", lead_json_fig(r->q, 4));
	json_object_set_new(o, "engagement", lead_json_fig(r->engagement, 2));
	json_object_set_new(o, "intent", lead_json_fig(r->intent, 2));
	json_object_set_new(o, "product", lead_json_fig(r->product, 2));
	json_object_set_new(o, "grade", json_string(r->grade));
	json_object_set_new(o, "stage", json_string(scoring_stage_name(sc->stage)));
	json_object_set_new(o, "contributions", lines);
	json_object_set_new(o, "rounding", json_real((double)lead_rounding(sc) / 100));
	return o;
}
