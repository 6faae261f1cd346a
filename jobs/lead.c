/*
 * lead.c - what the scoring jobs (score, qualify, decide) share: a
 * contact from the store as scoring sees it, its events and its
 * account's, its framework checklist, and scoring it with the stage moves
 * that follow.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

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
}

void lead_release(struct lead *L)
{
	free(L->ev);
	free(L->acct);
	free(L->evidence);
	lg_arena_release(&L->arena);
	lg_arena_release(&L->acct_arena);
	lg_map_release(&L->accounts);
	lg_map_release(&L->titles);
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

enum lg_status lead_score(struct lead *L, const struct store_lead *l, struct lead_scored *out,
			  bool explain, struct lg_err *err)
{
	const struct scoring_rubric *rb = &L->conf->rubric;
	enum lg_status st;

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

	if ((st = store_events_each(L->store, false, l->address, on_event, L, err)) != LG_OK)
		return st;
	if (!L->all_accounts && (st = load_account(L, out->account, err)) != LG_OK)
		return st;
	const struct lead_span *sp = lg_map_get(&L->accounts, out->account, org_len,
						lg_hash(out->account, org_len));
	const struct scoring_event *acct = sp ? L->acct + sp->start : NULL;
	size_t nacct = sp ? sp->n : 0;

	scoring_score(L->sctx, &c, L->ev, L->nev, acct, nacct, L->now, &out->r,
		      explain ? &out->lines : NULL, explain ? &out->nlines : NULL);

	/* the stage, and the automatic moves from it */
	out->stage = l->stage;
	out->was = out->stage;
	struct scoring_facts facts = {0};
	/* recycled: has the lead done something since? */
	for (size_t i = 0; i < L->nev && out->stage == SCORING_RECYCLED && !facts.active; i++)
		facts.active = L->ev[i].at > l->stage_since && L->ev[i].at <= L->now &&
			       rb->type[L->ev[i].type].points > 0;
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
