/*
 * score.c - the views of what the scoring jobs found: one contact's score
 * explained, its qualification, the rejection report and the funnel; as
 * JSON (what --format json writes and the service returns) and as the
 * text the program prints.
 */
#include "view.h"
#include "conf/conf.h"
#include "decay/decay.h"

#include <math.h>

void view_write_line(FILE *f, json_t *o)
{
	json_dumpf(o, f, VIEW_LINE_FLAGS);
	fputc('\n', f);
	json_decref(o);
}


/* A time as RFC 3339 UTC; null for 0 (none). */
static json_t *time_or_null(int64_t t)
{
	char at[LG_TIME_LEN];
	if (!t)
		return json_null();
	lg_time_format(t, at, sizeof(at));
	return json_string(at);
}

json_t *view_explain(const char *address, const struct lead_scored *sc)
{
	return lead_explain_json(address, sc);
}

void view_explain_text(FILE *f, const struct conf *conf, const char *address,
		       const struct lead_scored *sc)
{
	const struct scoring_result *r = &sc->r;
	fprintf(f, "%s: total %.2f = fit %.2f (confidence %.3f x %.2f%s) + engagement %.2f%s",
		address, lead_cents(r->total), lead_cents(r->fit_eff), r->q, lead_cents(r->fit_pos),
		r->fit_neg ? ", negative fit counted whole" : "", lead_cents(r->engagement),
		conf->rubric.intent_in_total ? " + intent" : "");
	if (conf->rubric.intent_in_total)
		fprintf(f, " %.2f", lead_cents(r->intent));
	fprintf(f, "\n  grade %s, trend %s, stage %s, %s, %s\n", r->grade,
		scoring_trend_name(r->trend), scoring_stage_name(sc->stage),
		r->eligible ? "eligible" : "not eligible", decay_class_name(r->freshness));
	for (size_t i = 0; i < sc->nlines; i++) {
		const struct scoring_line *ln = &sc->lines[i];
		fprintf(f, "  %+9.2f  %-10s %-18s points %+7.2f x %.4f",
			lround(ln->contribution * 100) / 100.0, lead_line_kind(ln->kind),
			ln->rule ? ln->rule : "", ln->points, ln->factor);
		if (ln->at) {
			char at[LG_TIME_LEN];
			lg_time_format(ln->at, at, sizeof(at));
			fprintf(f, "  %s", at);
		}
		if (ln->detail && *ln->detail)
			fprintf(f, "  %s", ln->detail);
		if (ln->capped)
			fputs("  (over its daily cap: counts 0)", f);
		fputc('\n', f);
	}
	long rounding = lead_rounding(sc);
	if (rounding)
		fprintf(f, "  %+9.2f  (rounding of the lines above to 0.01)\n", rounding / 100.0);
	fprintf(f, "  = %.2f\n", lround(r->total * 100) / 100.0);
	for (unsigned i = 0; i < sc->nmoves; i++)
		fprintf(f, "  would move %s -> %s: %s\n", scoring_stage_name(sc->moves[i].from),
			scoring_stage_name(sc->moves[i].to), sc->moves[i].why);
}

/* ---- qualify ---- */

static const char *const stname[] = {"not_met", "partial", "met"};

json_t *view_qualify(const struct conf *conf, const struct job_qualify_result *q)
{
	const struct scoring_checklist *cl = &q->checklist, *sq = &q->sql;
	unsigned n;
	const char *const *names = scoring_criteria(q->framework, &n);
	json_t *crit = json_array(), *blocking = json_array(), *o = json_object();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(crit,
				      json_pack("{s:s, s:o, s:b}", "criterion", names[i], "status",
						cl->status[i] < 0
							? json_null()
							: json_string(stname[cl->status[i]]),
						"met", cl->met[i]));
	for (size_t i = 0; i < JOB_QUALIFY_NEEDS; i++)
		if (!q->need[i].ok && q->stage != SCORING_SQL)
			json_array_append_new(blocking, json_string(q->need[i].what));
	json_object_set_new(o, "email", lead_json_str(q->address));
	json_object_set_new(o, "stage", json_string(scoring_stage_name(q->stage)));
	json_object_set_new(o, "total", lead_json_fig(q->r.total, 2));
	json_object_set_new(o, "framework", json_string(scoring_framework_name(q->framework)));
	json_object_set_new(o, "criteria", crit);
	json_object_set_new(o, "passes", json_boolean(cl->pass));
	json_object_set_new(o, "sql_framework",
			    json_string(scoring_framework_name(conf->rubric.framework)));
	json_object_set_new(o, "sql_framework_passes", json_boolean(sq->pass));
	json_object_set_new(o, "buying_role", json_boolean(sq->buying_role));
	json_object_set_new(o, "sql_ready", json_boolean(!q->blocked));
	json_object_set_new(o, "blocking", blocking);
	return o;
}

void view_qualify_text(FILE *f, const struct conf *conf, const struct job_qualify_result *q)
{
	const struct scoring_checklist *cl = &q->checklist, *sq = &q->sql;
	enum scoring_framework fw = q->framework, sf = conf->rubric.framework;
	unsigned n;
	const char *const *names = scoring_criteria(fw, &n);
	fprintf(f, "%s: stage %s, total %.2f (grade %s)\n%s checklist:\n", q->address,
		scoring_stage_name(q->stage), lead_cents(q->r.total), q->r.grade,
		scoring_framework_name(fw));
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  [%c] %-18s %s\n", cl->met[i] ? 'x' : ' ', names[i],
			cl->status[i] < 0 ? "no evidence" : stname[cl->status[i]]);
	fprintf(f, "  %s %s (%u of %u met)\n", scoring_framework_name(fw),
		cl->pass ? "passes" : "does not pass", cl->n_met, cl->n);
	/* another framework's checklist says nothing of SQL: name the one
	 * that decides it, so that "does not pass" above and "nothing
	 * blocks SQL" below do not read as a contradiction */
	if (fw != sf)
		fprintf(f,
			"SQL is decided by %s (the configured framework), which %s (%u of %u "
			"met).\n",
			scoring_framework_name(sf), sq->pass ? "passes" : "does not pass",
			sq->n_met, sq->n);
	if (q->stage == SCORING_SQL) {
		fprintf(f, "SQL already.\n");
	} else if (!q->blocked) {
		fprintf(f, "Nothing blocks SQL: the next leadgate score moves it.\n");
	} else {
		fprintf(f, "Blocking SQL:\n");
		for (size_t i = 0; i < JOB_QUALIFY_NEEDS; i++)
			if (!q->need[i].ok)
				fprintf(f, "  - %s\n", q->need[i].what);
	}
}

/* ---- the rejection report ---- */

static json_t *counts(unsigned long decisions, unsigned long rejections)
{
	return json_pack("{s:I, s:I}", "decisions", (json_int_t)decisions, "rejections",
			 (json_int_t)rejections);
}

json_t *view_rejections(const struct job_rejections *T)
{
	json_t *reason = json_object(), *source = json_object(), *band = json_object();
	for (size_t i = 0; i < JOB_DECIDE_REASONS; i++)
		json_object_set_new(reason, job_decide_reasons[i],
				    json_integer((json_int_t)T->reason[i]));
	for (unsigned i = 0; i < T->nsrc; i++)
		json_object_set_new(source, T->src[i].name,
				    counts(T->src[i].decisions, T->src[i].rejections));
	for (int b = 0; b < JOB_REJECTION_BANDS; b++)
		json_object_set_new(band, job_rejection_bands[b],
				    counts(T->band[b][0], T->band[b][1]));
	return json_pack("{s:I, s:I, s:o, s:o, s:o}", "decisions", (json_int_t)T->decisions,
			 "rejections", (json_int_t)T->rejections, "by_reason", reason, "by_source",
			 source, "by_band", band);
}

static double rate(unsigned long k, unsigned long n)
{
	return n ? 100.0 * (double)k / (double)n : 0;
}

void view_rejections_text(FILE *f, const struct job_rejections *T)
{
	fprintf(f, "rep decisions: %lu, rejections: %lu (%.1f %%)\n", T->decisions, T->rejections,
		rate(T->rejections, T->decisions));
	fprintf(f, "\nby reason (share of rejections):\n");
	for (size_t i = 0; i < JOB_DECIDE_REASONS; i++)
		if (T->reason[i])
			fprintf(f, "  %-20s %6lu  %5.1f %%\n", job_decide_reasons[i], T->reason[i],
				rate(T->reason[i], T->rejections));
	fprintf(f, "\nby list source (rejected of decided):\n");
	for (unsigned i = 0; i < T->nsrc; i++)
		fprintf(f, "  %-20s %6lu of %6lu  %5.1f %%\n", T->src[i].name, T->src[i].rejections,
			T->src[i].decisions, rate(T->src[i].rejections, T->src[i].decisions));
	fprintf(f, "\nby score band (rejected of decided):\n");
	for (int b = 0; b < JOB_REJECTION_BANDS; b++)
		fprintf(f, "  %-20s %6lu of %6lu  %5.1f %%\n", job_rejection_bands[b],
			T->band[b][1], T->band[b][0], rate(T->band[b][1], T->band[b][0]));
}

/* ---- the handoff's SLA ---- */

static json_t *secs_or_null(double v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *sla_row(const struct job_sla_row *r, const char *key)
{
	json_t *o = json_object();
	json_object_set_new(o, key, lead_json_str(r->name));
	if (!strcmp(key, "rep"))
		json_object_set_new(o, "team", r->team ? lead_json_str(r->team) : json_null());
	json_object_set_new(o, "handed", json_integer((json_int_t)r->handed));
	json_object_set_new(o, "accepted", json_integer((json_int_t)r->accepted));
	json_object_set_new(o, "accepted_in_sla", json_integer((json_int_t)r->in_sla));
	json_object_set_new(o, "median_accept_s", secs_or_null(r->median_s));
	json_object_set_new(o, "p90_accept_s", secs_or_null(r->p90_s));
	json_object_set_new(o, "escalations", json_integer((json_int_t)r->escalations));
	json_object_set_new(o, "rejected", json_integer((json_int_t)r->rejected));
	json_t *why = json_object();
	for (size_t k = 0; k < JOB_DECIDE_REASONS; k++)
		if (r->reason[k])
			json_object_set_new(why, job_decide_reasons[k],
					    json_integer((json_int_t)r->reason[k]));
	json_object_set_new(o, "rejections", why);
	return o;
}

json_t *view_sla(const struct job_sla *S)
{
	json_t *o = json_object(), *reps = json_array(), *teams = json_array();
	for (size_t i = 0; i < S->nrep; i++)
		json_array_append_new(reps, sla_row(&S->rep[i], "rep"));
	for (size_t i = 0; i < S->nteam; i++)
		json_array_append_new(teams, sla_row(&S->team[i], "team"));
	json_object_set_new(o, "reps", reps);
	json_object_set_new(o, "teams", teams);
	json_object_set_new(o, "unassigned", json_integer((json_int_t)S->unassigned));
	return o;
}

static void secs_text(char *buf, size_t n, double v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else if (v < 60)
		snprintf(buf, n, "%.0fs", v);
	else
		snprintf(buf, n, "%.0fm%02.0fs", floor(v / 60), fmod(v, 60));
}

static void sla_rows_text(FILE *f, const char *what, const struct job_sla_row *v, size_t n)
{
	fprintf(f, "%-16s %7s %8s %7s %8s %8s %11s %8s\n", what, "handed", "accepted", "in SLA",
		"median", "p90", "escalations", "rejected");
	for (size_t i = 0; i < n; i++) {
		const struct job_sla_row *r = &v[i];
		char med[32], p90[32];
		secs_text(med, sizeof(med), r->median_s);
		secs_text(p90, sizeof(p90), r->p90_s);
		fprintf(f, "%-16s %7lu %8lu %7lu %8s %8s %11lu %8lu\n", r->name, r->handed,
			r->accepted, r->in_sla, med, p90, r->escalations, r->rejected);
		for (size_t k = 0; k < JOB_DECIDE_REASONS; k++)
			if (r->reason[k])
				fprintf(f, "  rejected %-20s %6lu\n", job_decide_reasons[k],
					r->reason[k]);
	}
}

void view_sla_text(FILE *f, const struct job_sla *S)
{
	sla_rows_text(f, "rep", S->rep, S->nrep);
	fprintf(f, "\n");
	sla_rows_text(f, "team", S->team, S->nteam);
	if (S->unassigned)
		fprintf(f, "\nunassigned: %lu\n", S->unassigned);
}

/* ---- the funnel ---- */

/* Write a table line without the padding of its last column; empty it. */
static void put_trimmed(FILE *f, struct lg_buf *b)
{
	size_t n = b->len;
	while (n && b->data[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", (int)n, b->data);
	lg_buf_reset(b);
}

void view_funnel_text(FILE *f, const struct job_funnel *F, bool given)
{
	static const char *const stage[] = {"raw leads", "MQL", "SQL", "opportunities", "customers"};
	const char *unobserved = given ? "given" : "default";
	struct lg_buf line = LG_BUF_INIT;
	lg_buf_addf(&line, "%-14s %10s  %-10s", "stage", "needed", "rate");
	if (F->have_obs)
		lg_buf_addf(&line, "  %10s  %s", "observed", "rate");
	put_trimmed(f, &line);
	for (int i = 0; i <= SCORING_FUNNEL_STEPS; i++) {
		char rt[16] = "";
		if (i < SCORING_FUNNEL_STEPS)
			snprintf(rt, sizeof(rt), "%.1f %%", 100 * F->rate[i]);
		lg_buf_addf(&line, "%-14s %10lu  %-10s", stage[i], F->need[i], rt);
		if (F->have_obs) {
			lg_buf_addf(&line, "  %10lu", F->obs_need[i]);
			if (i < SCORING_FUNNEL_STEPS)
				lg_buf_addf(&line, "  %.1f %% %s", 100 * F->obs[i],
					    F->obs_used[i] ? "observed" : unobserved);
		}
		put_trimmed(f, &line);
	}
	lg_buf_release(&line);
	if (!F->have_hist)
		return;
	static const char *const step[2] = {"raw -> MQL", "MQL -> SQL"};
	static const char *const reached[2] = {"reached MQL or beyond", "reached SQL"};
	fprintf(f, "observed: %lu contacts, %lu reached MQL or beyond, %lu reached SQL\n",
		F->contacts, F->mql, F->sql);
	for (int i = 0; i < 2; i++)
		if (!F->obs_used[i])
			fprintf(f,
				"%s: too few to observe (%lu of %lu %s; it takes %d, %d of them "
				"moving on): the %s rate is used\n",
				step[i], F->moved[i], F->start[i], reached[i],
				SCORING_FUNNEL_START_MIN, SCORING_FUNNEL_MOVED_MIN, unobserved);
}

json_t *view_evidence(const struct job_evidence *ev, const struct job_evidence_report *rep)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", lead_json_str(rep->address));
	json_object_set_new(o, "framework", lead_json_str(rep->framework));
	json_object_set_new(o, "criterion", lead_json_str(rep->criterion));
	json_object_set_new(o, "status", lead_json_str(ev->status));
	json_object_set_new(o, "confidence", lead_json_fig(ev->confidence, 2));
	json_object_set_new(o, "source", lead_json_str(ev->source));
	json_object_set_new(o, "valid_until", time_or_null(ev->valid_until));
	json_object_set_new(o, "note", ev->note ? lead_json_str(ev->note) : json_null());
	return o;
}

json_t *view_decision(const struct job_decision *dec, const struct job_decide_result *d)
{
	json_t *o = json_object();
	json_object_set_new(o, "address", lead_json_str(d->address));
	json_object_set_new(o, "decision", lead_json_str(dec->what));
	json_object_set_new(o, "reason", dec->reason ? lead_json_str(dec->reason) : json_null());
	json_object_set_new(o, "by", lead_json_str(dec->by));
	json_object_set_new(o, "from", lead_json_str(scoring_stage_name(d->from)));
	json_object_set_new(o, "to", lead_json_str(scoring_stage_name(dec->to)));
	json_object_set_new(o, "refused", json_boolean(d->refused));
	json_object_set_new(o, "moved", json_boolean(d->move));
	json_object_set_new(o, "reverify", json_boolean(d->bad_data));
	json_object_set_new(o, "score", lead_json_fig(d->r.total, 2));
	json_object_set_new(o, "verify_status", lead_json_str(verify_status_name(d->status)));
	json_object_set_new(o, "freshness", lead_json_str(decay_class_name(d->r.freshness)));
	json_object_set_new(o, "suppressed", json_boolean(d->suppressed));
	json_object_set_new(o, "competitor", json_boolean(d->r.competitor));
	/* an accept stops the SLA of the lead's open handoff */
	json_object_set_new(o, "handoff_accepted", json_boolean(d->handoff_accepted));
	return o;
}

/* ---- a contact as it stands ---- */

/* Why a contact is suppressed, as the view names it; NULL: it is not. */
static const char *suppress_name(enum store_suppress why)
{
	switch (why) {
	case STORE_SUPPRESS_NONE: return NULL;
	case STORE_SUPPRESS_BOUNCE: return "bounce";
	case STORE_SUPPRESS_COMPLAINT: return "complaint";
	case STORE_SUPPRESS_UNSUBSCRIBE: return "unsubscribe";
	case STORE_SUPPRESS_PROVIDER: return "provider";
	}
	return "other"; /* a value written by a newer leadgate: suppressed all the same */
}

/* A verdict, as it stands or as a run gave it (with the run, how and list). */
static json_t *contact_verdict(const struct job_contact_verdict *v)
{
	json_t *o = json_object(), *flags = json_array();
	if (v->run) {
		json_object_set_new(o, "run", json_integer((json_int_t)v->run));
		json_object_set_new(o, "kind", lead_json_str(v->kind));
		json_object_set_new(o, "how", lead_json_str(v->how));
		json_object_set_new(o, "list", v->has_list ? lead_json_str(v->list) : json_null());
	}
	for (unsigned b = 0; b < VERIFY_FLAG_COUNT; b++)
		if (v->flags & (1u << b))
			json_array_append_new(flags, json_string(verify_flag_name(b)));
	json_object_set_new(o, "status", json_string(verify_status_name(v->status)));
	json_object_set_new(o, "reason", json_string(verify_reason_name(v->reason)));
	json_object_set_new(o, "flags", flags);
	json_object_set_new(o, "mx", v->mx[0] ? lead_json_str(v->mx) : json_null());
	json_object_set_new(o, "provider",
			    v->provider[0] ? lead_json_str(v->provider) : json_null());
	json_object_set_new(o, "verified_at", time_or_null(v->verified_at));
	/* What the mail host said, when a probe decided the verdict. */
	if (v->smtp_outcome)
		json_object_set_new(
			o, "smtp",
			json_pack("{s:s, s:o, s:b, s:o}", "outcome",
				  smtp_outcome_name((enum smtp_outcome)v->smtp_outcome), "reply",
				  v->smtp_reply[0] ? lead_json_str(v->smtp_reply) : json_null(),
				  "tls", v->smtp_tls, "decided_at", time_or_null(v->smtp_at)));
	else
		json_object_set_new(o, "smtp", json_null());
	return o;
}

/* The first instant a verdict of verified_at is stale under dp
 * (decay_classify: stale once older than stale_after). */
static int64_t stale_at(const struct decay_policy *dp, int64_t verified_at)
{
	return verified_at + dp->stale_after + 1;
}

json_t *view_contact(const struct job_contact_result *c)
{
	const struct scoring_result *r = &c->r;
	int64_t age = c->now - c->verdict.verified_at;
	const char *why = suppress_name(c->suppressed);
	json_t *hist = json_array(), *o = json_object();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(hist, contact_verdict(&c->history[i]));
	json_object_set_new(o, "email", lead_json_str(c->address));
	json_object_set_new(o, "source", c->source[0] ? lead_json_str(c->source) : json_null());
	json_object_set_new(o, "verdict", contact_verdict(&c->verdict));
	json_object_set_new(o, "suppressed", why ? json_string(why) : json_null());
	json_object_set_new(o, "freshness",
			    json_pack("{s:s, s:o, s:o, s:o, s:o}", "class",
				      decay_class_name(decay_classify(&c->decay, age)), "age_days",
				      lead_json_fig((double)age / 86400, 2), "survival",
				      lead_json_fig(decay_survival(&c->decay, age), 4),
				      "monthly_rate", lead_json_fig(c->decay.monthly_rate, 4),
				      "stale_at",
				      time_or_null(stale_at(&c->decay, c->verdict.verified_at))));
	json_object_set_new(o, "score",
			    json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b}", "total",
				      lead_json_fig(r->total, 2), "grade", r->grade, "fit",
				      lead_json_fig(r->fit_eff, 2), "confidence",
				      lead_json_fig(r->q, 4), "engagement",
				      lead_json_fig(r->engagement, 2), "intent",
				      lead_json_fig(r->intent, 2), "eligible", r->eligible));
	json_object_set_new(o, "stage", json_string(scoring_stage_name(c->stage)));
	json_object_set_new(o, "stage_since", time_or_null(c->stage_since));
	json_object_set_new(o, "history", hist);
	json_object_set_new(o, "history_total", json_integer((json_int_t)c->total));
	json_object_set_new(o, "truncated", json_boolean(c->total > c->n));
	return o;
}

static void verdict_text(FILE *f, const struct job_contact_verdict *v)
{
	char flags[128], at[LG_TIME_LEN];
	verify_flags_format(v->flags, flags, sizeof(flags));
	lg_time_format(v->verified_at, at, sizeof(at));
	fprintf(f, "%s  %-13s %-22s", at, verify_status_name(v->status),
		verify_reason_name(v->reason));
	if (v->run)
		fprintf(f, " %-7s run %lld%s%s", v->how, (long long)v->run,
			v->has_list ? ", list " : "", v->has_list ? v->list : "");
	if (flags[0])
		fprintf(f, ", flags %s", flags);
	if (v->mx[0])
		fprintf(f, ", mx %s", v->mx);
	if (v->smtp_outcome)
		fprintf(f, ", smtp %s%s%s%s", smtp_outcome_name((enum smtp_outcome)v->smtp_outcome),
			v->smtp_reply[0] ? " (" : "", v->smtp_reply, v->smtp_reply[0] ? ")" : "");
	if (v->smtp_outcome && v->smtp_tls)
		fputs(" over TLS", f);
	fputc('\n', f);
}

void view_contact_text(FILE *f, const struct job_contact_result *c)
{
	const struct scoring_result *r = &c->r;
	const struct job_contact_verdict *v = &c->verdict;
	int64_t age = c->now - v->verified_at;
	const char *why = suppress_name(c->suppressed);
	char at[LG_TIME_LEN], stale[LG_TIME_LEN];
	lg_time_format(v->verified_at, at, sizeof(at));
	lg_time_format(stale_at(&c->decay, v->verified_at), stale, sizeof(stale));
	fprintf(f, "%s: %s (%s), verified %s%s%s%s\n", c->address, verify_status_name(v->status),
		verify_reason_name(v->reason), at, why ? "; suppressed (" : "", why ? why : "",
		why ? ")" : "");
	fprintf(f,
		"  freshness %s: %.2f days old, %.2f%% still valid at %.1f%% a month; stale from "
		"%s\n",
		decay_class_name(decay_classify(&c->decay, age)), (double)age / 86400,
		100 * decay_survival(&c->decay, age), 100 * c->decay.monthly_rate, stale);
	fprintf(f, "  score %.2f (grade %s), %s; stage %s", lead_cents(r->total), r->grade,
		r->eligible ? "eligible" : "not eligible", scoring_stage_name(c->stage));
	if (c->stage_since) {
		lg_time_format(c->stage_since, at, sizeof(at));
		fprintf(f, " since %s", at);
	}
	fprintf(f, "\nverdicts, newest first (%zu of %lu):\n", c->n, c->total);
	for (size_t i = 0; i < c->n; i++) {
		fputs("  ", f);
		verdict_text(f, &c->history[i]);
	}
	if (c->total > c->n)
		fprintf(f, "  and %lu older, not shown\n", c->total - c->n);
}
