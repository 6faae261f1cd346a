/*
 * qualify.c - qualification: a piece of evidence recorded for a contact,
 * its checklist and what still blocks SQL (qualify), a rep's decision
 * (decide), the rejection report of reps' decisions and the funnel worked
 * backward from the customers wanted.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const job_decide_reasons[JOB_DECIDE_REASONS] = {
	"bad_data",   "not_decision_maker",  "no_budget",         "no_need",   "bad_timing",
	"competitor", "student_or_personal", "existing_customer", "duplicate", "other",
};

/* The contact the opts name, read with its latest state and scored. */
struct one {
	const struct job_lead_opts *o;
	struct store *s;
	struct verify_ctx *vctx;
	struct scoring_ctx *sctx;
	struct lead L;
	bool found, score;
	struct store_lead l;
	char address[512], source[128], domain[256];
	struct lead_scored sc;
};

static enum lg_status on_found(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct one *O = arg;
	O->found = true;
	O->l = *l;
	snprintf(O->address, sizeof(O->address), "%s", l->address);
	snprintf(O->source, sizeof(O->source), "%s", l->source);
	snprintf(O->domain, sizeof(O->domain), "%s", l->domain);
	O->l.address = O->address;
	O->l.source = O->source;
	O->l.domain = O->domain;
	O->l.profile = (struct store_profile){.employees = l->profile.employees};
	/* the profile's strings are only needed for the score, taken now */
	return O->score ? lead_score(&O->L, l, &O->sc, false, err) : LG_OK;
}

static enum lg_status one_open(struct one *O, const struct job_lead_opts *o, enum store_mode mode,
			       bool score, struct lg_err *err)
{
	enum lg_status st;
	memset(O, 0, sizeof(*O));
	O->o = o;
	O->score = score;
	lead_init(&O->L, NULL, o->conf, NULL, NULL, o->now);
	if ((st = scoring_ctx_new(&O->sctx, &o->conf->rubric, err)) != LG_OK)
		return st;
	/* the database must exist (a command on one contact never makes one) */
	if ((st = store_open(&O->s, o->db, mode, err)) != LG_OK)
		return st;
	O->vctx = conf_verify_ctx(o->conf);
	O->L.store = O->s;
	O->L.vctx = O->vctx;
	O->L.sctx = O->sctx;

	/* the contact's identity: its key (verify_contact_key_of) */
	struct lg_buf key = LG_BUF_INIT;
	verify_contact_key_of(O->vctx, o->email, strlen(o->email), &key, NULL);
	if (key.len >= 512) /* the store's keys are shorter */
		st = lg_err_set(err, LG_EUSAGE, "'%s': too long for an address", o->email);
	else
		st = store_leads_each(O->s, 0, key.data ? key.data : "", on_found, O, err);
	lg_buf_release(&key);
	if (st == LG_OK && !O->found)
		st = lg_err_set(err, LG_ENOINPUT,
				"%s: no such contact in %s (verify a list that "
				"holds it first)",
				o->email, store_path(O->s));
	return st;
}

static void one_close(struct one *O)
{
	lead_release(&O->L);
	scoring_ctx_free(O->sctx);
	verify_ctx_free(O->vctx);
	store_close(O->s);
}

/* The framework named (NULL: the configured one); LG_EUSAGE for another. */
static enum lg_status framework_of(const struct job_lead_opts *o, const char *name,
				   enum scoring_framework *f, struct lg_err *err)
{
	*f = o->conf->rubric.framework;
	if (name && !scoring_framework_parse(name, strlen(name), f))
		return lg_err_set(err, LG_EUSAGE,
				  "--framework wants BANT, CHAMP or MEDDIC, not '%s'", name);
	return LG_OK;
}

/* ---- evidence add ---- */

enum lg_status job_evidence_parse(struct job_evidence *ev, const char *confidence,
				  const char *valid_until, struct lg_err *err)
{
	static const char *const need[] = {"criterion", "status", "confidence", "source"};
	const char *have[] = {ev->criterion, ev->status, confidence, ev->source};
	for (int i = 0; i < 4; i++)
		if (!have[i])
			return lg_err_set(err, LG_EUSAGE, "evidence add needs --%s", need[i]);
	if (!scoring_ev_status_parse(ev->status, strlen(ev->status), &ev->ev_status))
		return lg_err_set(err, LG_EUSAGE,
				  "--status wants met, partial or not_met, not '%s'", ev->status);
	char *end;
	ev->confidence = strtod(confidence, &end);
	if (end == confidence || *end || !(ev->confidence >= 0 && ev->confidence <= 1))
		return lg_err_set(err, LG_EUSAGE,
				  "--confidence wants a number from 0 to 1, not '%s'", confidence);
	if (!scoring_ev_source_parse(ev->source, strlen(ev->source), &ev->ev_source))
		return lg_err_set(err, LG_EUSAGE,
				  "--source wants call, email, form or note, not '%s'", ev->source);
	ev->valid_until = 0;
	if (valid_until && !lg_time_parse(valid_until, strlen(valid_until), &ev->valid_until))
		return lg_err_set(err, LG_EUSAGE, "--valid-until wants a time (RFC 3339), not '%s'",
				  valid_until);
	return LG_OK;
}

enum lg_status job_evidence_add(const struct job_lead_opts *o, const struct job_evidence *ev,
				struct job_evidence_report *rep, struct lg_err *err)
{
	struct one O;
	enum scoring_framework f;
	enum lg_status st = one_open(&O, o, STORE_WRITE, false, err);
	if (st == LG_OK)
		st = framework_of(o, ev->framework, &f, err);
	if (st != LG_OK)
		goto out;
	int c = scoring_criterion_find(f, ev->criterion, strlen(ev->criterion));
	unsigned n;
	const char *const *names = scoring_criteria(f, &n);
	if (c < 0) {
		struct lg_buf b = LG_BUF_INIT;
		for (unsigned i = 0; i < n; i++)
			lg_buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
		st = lg_err_set(err, LG_EUSAGE, "--criterion: %s has no criterion '%s' (it has %s)",
				scoring_framework_name(f), ev->criterion, b.data);
		lg_buf_release(&b);
		goto out;
	}
	struct store_qevidence e = {
		.framework = f,
		.criterion = names[c],
		.status = ev->ev_status,
		.confidence = ev->confidence,
		.source = ev->ev_source,
		.at = o->now,
		.valid_until = ev->valid_until,
		.note = ev->note,
	};
	if ((st = store_begin(O.s, err)) == LG_OK &&
	    (st = store_qevidence_add(O.s, O.l.contact_id, &e, err)) == LG_OK)
		st = store_commit(O.s, err);
	if (st != LG_OK) {
		store_rollback(O.s);
		goto out;
	}
	snprintf(rep->address, sizeof(rep->address), "%s", O.address);
	rep->framework = scoring_framework_name(f);
	rep->criterion = e.criterion;
out:
	one_close(&O);
	return st;
}

/* ---- qualify ---- */

enum lg_status job_qualify(const struct job_lead_opts *o, const char *framework,
			   struct job_qualify_result *q, struct lg_err *err)
{
	struct one O;
	const struct scoring_rubric *rb = &o->conf->rubric;
	memset(q, 0, sizeof(*q));
	enum lg_status st = one_open(&O, o, STORE_READ, true, err);
	if (st == LG_OK)
		st = framework_of(o, framework, &q->framework, err);
	/* checklist: the checklist shown; sql: the one SQL needs (the
	 * configured framework's), the same unless framework names another */
	if (st == LG_OK)
		st = lead_checklist(&O.L, O.l.contact_id, q->framework, &q->checklist, err);
	if (st == LG_OK && q->framework == rb->framework)
		q->sql = q->checklist;
	else if (st == LG_OK)
		st = lead_checklist(&O.L, O.l.contact_id, rb->framework, &q->sql, err);
	if (st != LG_OK) {
		one_close(&O);
		return st;
	}
	const struct scoring_result *r = &O.sc.r;
	const struct scoring_checklist *sq = &q->sql;
	snprintf(q->address, sizeof(q->address), "%s", O.address);
	q->r = *r;
	/* the stage as recorded: score records the moves qualify only foresees */
	q->stage = O.sc.was;

	/* what SQL needs, each with whether it holds */
	snprintf(q->need[0].what, sizeof(q->need[0].what), "accepted by a rep (stage %s)",
		 scoring_stage_name(q->stage));
	q->need[0].ok = q->stage == SCORING_SAL || q->stage == SCORING_SQL;
	snprintf(q->need[1].what, sizeof(q->need[1].what), "%s",
		 "eligible: deliverable, fresh, not suppressed, not a competitor");
	q->need[1].ok = r->eligible;
	snprintf(q->need[2].what, sizeof(q->need[2].what), "ICP fit");
	q->need[2].ok = r->icp;
	snprintf(q->need[3].what, sizeof(q->need[3].what),
		 "%u or more high-intent events in %lld days (%u)", rb->sql_events,
		 (long long)(rb->sql_window / SCORING_DAY), r->hi_events);
	q->need[3].ok = r->hi_events >= rb->sql_events;
	snprintf(q->need[4].what, sizeof(q->need[4].what), "a confirmed buying role");
	q->need[4].ok = sq->buying_role;
	snprintf(q->need[5].what, sizeof(q->need[5].what), "%s passes%s%s",
		 scoring_framework_name(rb->framework), sq->pass || !sq->blocking ? "" : ": ",
		 sq->pass || !sq->blocking ? "" : sq->blocking);
	q->need[5].ok = sq->pass;
	for (size_t i = 0; i < JOB_QUALIFY_NEEDS; i++)
		q->blocked += !q->need[i].ok;
	if (q->stage == SCORING_SQL)
		q->blocked = 0;
	one_close(&O);
	return LG_OK;
}

/* ---- a contact as it stands ---- */

static void verdict_copy(struct job_contact_verdict *d, const struct store_evidence *ev)
{
	d->run = ev->run;
	snprintf(d->kind, sizeof(d->kind), "%s", ev->kind);
	snprintf(d->how, sizeof(d->how), "%s", ev->how);
	d->has_list = ev->list != NULL;
	snprintf(d->list, sizeof(d->list), "%s", ev->list ? ev->list : "");
	d->status = ev->status;
	d->reason = ev->reason;
	d->flags = ev->flags;
	snprintf(d->mx, sizeof(d->mx), "%s", ev->mx);
	snprintf(d->provider, sizeof(d->provider), "%s", ev->provider);
	d->verified_at = ev->verified_at;
	d->smtp_outcome = ev->smtp_outcome;
	d->smtp_tls = ev->smtp_tls;
	snprintf(d->smtp_reply, sizeof(d->smtp_reply), "%s", ev->smtp_reply ? ev->smtp_reply : "");
	d->smtp_at = ev->smtp_at;
}

static enum lg_status on_current(void *arg, const struct store_evidence *ev, struct lg_err *err)
{
	(void)err;
	verdict_copy(&((struct job_contact_result *)arg)->verdict, ev);
	return LG_OK;
}

static enum lg_status on_history(void *arg, const struct store_evidence *ev, struct lg_err *err)
{
	struct job_contact_result *c = arg;
	(void)err;
	if (c->n < JOB_CONTACT_HISTORY)
		verdict_copy(&c->history[c->n++], ev);
	return LG_OK;
}

enum lg_status job_contact(const struct job_lead_opts *o, struct job_contact_result *c,
			   struct lg_err *err)
{
	struct one O;
	memset(c, 0, sizeof(*c));
	enum lg_status st = one_open(&O, o, STORE_READ, true, err);
	if (st == LG_OK)
		st = store_contact_verdict(O.s, O.l.contact_id, on_current, c, err);
	if (st == LG_OK)
		st = store_evidence_each(O.s, O.l.contact_id, JOB_CONTACT_HISTORY, on_history, c,
					 &c->total, err);
	if (st == LG_OK) {
		snprintf(c->address, sizeof(c->address), "%s", O.address);
		snprintf(c->source, sizeof(c->source), "%s", O.source);
		c->now = o->now;
		c->suppressed = O.l.suppressed;
		/* the policy scoring judged its freshness by (lead_score) */
		conf_decay_policy(o->conf, O.source, &c->decay);
		c->r = O.sc.r;
		c->stage = O.sc.was; /* as recorded, as qualify shows it */
		c->stage_since = O.l.stage_since;
	}
	one_close(&O);
	return st;
}

/* ---- decide ---- */

enum lg_status job_decision_parse(struct job_decision *d, struct lg_err *err)
{
	if (!strcmp(d->what, "accept"))
		d->to = SCORING_SAL;
	else if (!strcmp(d->what, "reject"))
		d->to = SCORING_DISQUALIFIED;
	else if (!strcmp(d->what, "recycle"))
		d->to = SCORING_RECYCLED;
	else
		return lg_err_set(err, LG_EUSAGE,
				  "decide wants accept, reject or recycle, not '%s'", d->what);
	if (!d->reason && d->to != SCORING_SAL)
		return lg_err_set(
			err, LG_EUSAGE,
			"decide %s needs --reason (one of bad_data, not_decision_maker, "
			"no_budget, no_need, bad_timing, competitor, student_or_personal, "
			"existing_customer, duplicate, other)",
			d->what);
	if (d->reason) {
		size_t i;
		for (i = 0; i < JOB_DECIDE_REASONS && strcmp(job_decide_reasons[i], d->reason); i++)
			;
		if (i == JOB_DECIDE_REASONS)
			return lg_err_set(
				err, LG_EUSAGE,
				"--reason: unknown code '%s' (see 'leadgate decide --help')",
				d->reason);
	}
	if (!d->by || !*d->by)
		d->by = "rep";
	if (!strcmp(d->by, "auto"))
		return lg_err_set(err, LG_EUSAGE,
				  "--by: 'auto' names the automatic moves; give a person's name");
	return LG_OK;
}

struct still_by {
	int64_t contact_id;
	const char *by;
	bool ok;
};

static enum lg_status on_still_by(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	struct still_by *x = arg;
	(void)err;
	x->ok = h->contact_id == x->contact_id && !strcmp(h->state, "open") && h->rep &&
		!strcmp(h->rep, x->by);
	return LG_OK;
}

/* *moved: handoff id is not the contact's, open and by's. */
static enum lg_status handoff_still_by(struct store *s, int64_t id, int64_t contact_id,
				       const char *by, bool *moved, struct lg_err *err)
{
	struct still_by x = {contact_id, by, false};
	bool found;
	enum lg_status st = store_handoff_get(s, id, on_still_by, &x, &found, err);
	*moved = !x.ok;
	return st;
}

enum lg_status job_decide(const struct job_lead_opts *o, const struct job_decision *d,
			  struct job_decide_result *res, struct lg_err *err)
{
	struct one O;
	memset(res, 0, sizeof(*res));
	enum lg_status st = one_open(&O, o, STORE_WRITE, true, err);
	if (st != LG_OK) {
		one_close(&O);
		return st;
	}
	const struct scoring_result *r = &O.sc.r;
	snprintf(res->address, sizeof(res->address), "%s", O.address);
	res->from = O.sc.was;
	res->r = *r;
	res->status = O.l.status;
	res->suppressed = O.l.suppressed != STORE_SUPPRESS_NONE;
	if (d->to == SCORING_SAL && !r->eligible) {
		res->refused = true; /* a lead that may not be sent is no lead to accept */
		one_close(&O);
		return LG_OK;
	}
	res->bad_data = d->reason && !strcmp(d->reason, "bad_data");
	res->move = !(res->from == d->to || (d->to == SCORING_SAL && res->from == SCORING_SQL));
	char why[128];
	snprintf(why, sizeof(why), "rep decision: %s%s%s", d->what, d->reason ? ", " : "",
		 d->reason ? d->reason : "");
	struct store_move m = {
		.from = res->from,
		.to = d->to,
		.at = o->now,
		.why = why,
		.score = r->total,
		.who = d->by,
		.reason = d->reason,
		.note = d->note,
	};
	bool moved = false;
	struct job_handoff *h = NULL;
	st = job_handoff_new(&h, O.s, o->conf, O.vctx, o->now, err);
	if (st == LG_OK)
		st = store_begin(O.s, err);
	/* the accept link's: looked at in the transaction that accepts, so
	 * an escalation cannot come between the look and the accept */
	if (st == LG_OK && d->handoff > 0 &&
	    (st = handoff_still_by(O.s, d->handoff, O.l.contact_id, d->by, &res->handoff_moved,
				   err)) == LG_OK &&
	    res->handoff_moved) {
		store_rollback(O.s);
		job_handoff_free(h);
		one_close(&O);
		return LG_OK;
	}
	if (st == LG_OK && res->move &&
	    (st = store_move_add(O.s, O.l.contact_id, &m, &moved, err)) == LG_OK && !moved)
		st = lg_err_set(err, LG_ETEMP,
				"%s: its stage changed while deciding (another "
				"leadgate moved it); nothing recorded, decide again",
				O.address);
	if (st == LG_OK && moved)
		st = job_handoff_move(h, O.l.contact_id, d->to, err);
	/* an accept is the rep's answer to the lead's open handoff: the SLA
	 * stops */
	if (st == LG_OK && d->to == SCORING_SAL)
		st = store_handoff_accept(O.s, O.l.contact_id, d->by, o->now,
					  &res->handoff_accepted, err);
	job_handoff_free(h);
	/* bad data is sent back to re-verification, moved or not */
	if (st == LG_OK && res->bad_data)
		st = store_reverify_request(O.s, O.l.contact_id, o->now, "bad_data", err);
	if (st == LG_OK)
		st = store_commit(O.s, err);
	if (st != LG_OK)
		store_rollback(O.s);
	one_close(&O);
	return st;
}

/* ---- the accept link ---- */

struct link_look {
	struct job_link *out;
	const char *rep;
};

static enum lg_status on_link(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	struct link_look *x = arg;
	struct job_link *out = x->out;
	(void)err;
	snprintf(out->address, sizeof(out->address), "%s", h->address);
	snprintf(out->rep, sizeof(out->rep), "%s", h->rep ? h->rep : "");
	snprintf(out->accepted_by, sizeof(out->accepted_by), "%s",
		 h->accepted_by ? h->accepted_by : "");
	out->accepted_at = h->accepted_at;
	if (!strcmp(h->state, "accepted"))
		out->state = JOB_LINK_ACCEPTED;
	else if (!strcmp(h->state, "closed"))
		out->state = JOB_LINK_CLOSED;
	else if (!strcmp(h->state, "open") && h->rep && !strcmp(h->rep, x->rep))
		out->state = JOB_LINK_OPEN;
	else
		out->state = JOB_LINK_MOVED; /* another rep's, or nobody's after an escalation */
	return LG_OK;
}

static enum lg_status link_look(const char *db, int64_t id, const char *rep, struct job_link *out,
				struct lg_err *err)
{
	struct store *s = NULL;
	struct link_look x = {out, rep};
	bool found = false;
	enum lg_status st = store_open(&s, db, STORE_READ, err);
	if (st == LG_OK)
		st = store_handoff_get(s, id, on_link, &x, &found, err);
	if (st == LG_OK && !found)
		out->state = JOB_LINK_UNKNOWN;
	store_close(s);
	return st;
}

enum lg_status job_handoff_link(const struct job_lead_opts *o, int64_t id, const char *rep,
				bool accept, struct job_link *out, struct lg_err *err)
{
	memset(out, 0, sizeof(*out));
	enum lg_status st = link_look(o->db, id, rep, out, err);
	if (st != LG_OK || !accept || out->state != JOB_LINK_OPEN)
		return st;
	struct job_lead_opts lo = *o;
	lo.email = out->address;
	struct job_decision dec = {.what = "accept", .by = rep, .handoff = id};
	if ((st = job_decision_parse(&dec, err)) != LG_OK ||
	    (st = job_decide(&lo, &dec, &out->d, err)) != LG_OK)
		return st;
	if (out->d.refused) {
		out->state = JOB_LINK_REFUSED;
		return LG_OK;
	}
	if (out->d.handoff_moved) /* escalated or accepted meanwhile: as it is now */
		return link_look(o->db, id, rep, out, err);
	out->state = JOB_LINK_ACCEPTED;
	out->now = true;
	snprintf(out->accepted_by, sizeof(out->accepted_by), "%s", rep);
	out->accepted_at = o->now;
	return LG_OK;
}

/* ---- the rejection report ---- */

static int band_of(double score)
{
	return score < 60 ? 0 : score < 80 ? 1 : score < 100 ? 2 : 3;
}

const char *const job_rejection_bands[JOB_REJECTION_BANDS] = {"below 60", "60-79", "80-99",
							      "100 and more"};

static enum lg_status on_move(void *arg, const struct store_move *m, struct lg_err *err)
{
	struct job_rejections *T = arg;
	(void)err;
	if (!strcmp(m->who, "auto"))
		return LG_OK; /* only reps' decisions */
	bool rejected = m->to == SCORING_DISQUALIFIED;
	const char *src = *m->source ? m->source : "(none)";
	unsigned i;
	for (i = 0; i < T->nsrc && strcmp(T->src[i].name, src); i++)
		;
	if (i == T->nsrc && T->nsrc == JOB_REJECTION_SOURCES - 1) {
		/* the last slot gathers the sources past the first ones */
		src = "(other)";
		for (i = 0; i < T->nsrc && strcmp(T->src[i].name, src); i++)
			;
	}
	if (i == T->nsrc)
		snprintf(T->src[T->nsrc++].name, sizeof(T->src[i].name), "%s", src);
	T->src[i].decisions++;
	T->src[i].rejections += rejected;
	int b = band_of(m->score);
	T->band[b][0]++;
	T->band[b][1] += rejected;
	T->decisions++;
	if (rejected) {
		T->rejections++;
		for (size_t k = 0; k < JOB_DECIDE_REASONS; k++)
			if (m->reason && !strcmp(m->reason, job_decide_reasons[k]))
				T->reason[k]++;
	}
	return LG_OK;
}

enum lg_status job_rejections(const char *db, struct job_rejections *T, struct lg_err *err)
{
	struct store *s = NULL;
	memset(T, 0, sizeof(*T));
	enum lg_status st = store_open(&s, db, STORE_READ, err);
	if (st == LG_OK)
		st = store_moves_each(s, 0, on_move, T, err);
	store_close(s);
	return st;
}

/* ---- the funnel ---- */

enum lg_status job_funnel_rates_parse(const char *s, double rates[SCORING_FUNNEL_STEPS],
				      struct lg_err *err)
{
	const char *p = s;
	for (int i = 0; i < SCORING_FUNNEL_STEPS; i++) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || !(v > 0 && v <= 1) ||
		    (i < SCORING_FUNNEL_STEPS - 1 ? *end != ',' : *end != '\0'))
			return lg_err_set(err, LG_EUSAGE,
					  "--rates wants four rates in (0, 1] separated by commas, "
					  "not '%s'",
					  s);
		rates[i] = v;
		p = end + 1;
	}
	return LG_OK;
}

void job_funnel(const char *db, unsigned long customers, const double *rates, struct job_funnel *F)
{
	memset(F, 0, sizeof(*F));
	if (rates)
		memcpy(F->rate, rates, sizeof(F->rate));
	else
		scoring_funnel_default(F->rate);
	scoring_funnel(customers, F->rate, F->need);

	/* The store's history, when there is one.  It records two steps, raw
	 * -> MQL and MQL -> SQL; each one's observed rate is used only from a
	 * sample big enough (scoring_funnel_observed()).  No store, or one
	 * that cannot be read, is no history. */
	struct store *s = NULL;
	struct store_funnel fc = {0};
	memcpy(F->obs, F->rate, sizeof(F->obs));
	if (store_open(&s, db, STORE_READ, NULL) == LG_OK &&
	    store_funnel_counts(s, &fc, NULL) == LG_OK)
		F->have_hist = fc.contacts > 0;
	store_close(s);
	F->contacts = fc.contacts;
	F->mql = fc.mql;
	F->sql = fc.sql;
	/* step i: start[i] contacts reached its earlier stage, moved[i] its later */
	F->start[0] = fc.contacts, F->start[1] = fc.mql;
	F->moved[0] = fc.mql, F->moved[1] = fc.sql;
	for (int i = 0; F->have_hist && i < 2; i++)
		if (scoring_funnel_observed(F->start[i], F->moved[i], &F->obs[i]))
			F->obs_used[i] = F->have_obs = true;
	if (F->have_obs)
		scoring_funnel(customers, F->obs, F->obs_need);
}
