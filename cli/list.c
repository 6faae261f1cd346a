/*
 * list.c - a list as the store holds it, weighed through the gate: what
 * `lists`, `gate`, `export` and `verify --list` all need to agree on.
 */
#include "cli.h"
#include "decay/decay.h"
#include "store/store.h"

#include <string.h>

bool list_member_exportable(const struct store_member *m, const struct decay_policy *dp,
			    int64_t now, bool include_risky)
{
	if (m->suppressed != STORE_SUPPRESS_NONE || (m->flags & VERIFY_F_DISPOSABLE))
		return false;
	if (m->status != VERIFY_DELIVERABLE && !(include_risky && m->status == VERIFY_RISKY))
		return false;
	/* Fresh or aging: a stale verdict must be re-verified first. */
	return decay_classify(dp, now - m->verified_at) != DECAY_STALE;
}

struct eval_ctx {
	const struct conf *conf;
	struct decay_policy dp;
	int64_t now;
	struct list_eval *e;
	double whole_sum;
	int64_t last_age;      /* a list verified in one run shares few ages: */
	double last_survival;  /* the last one's survival, computed once */
};

static enum lg_status eval_member(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct eval_ctx *x = arg;
	struct list_eval *e = x->e;
	int64_t age = x->now - m->verified_at;
	if (age != x->last_age) {
		x->last_age = age;
		x->last_survival = decay_survival(&x->dp, age);
	}
	double p = verify_gate_record_p(&x->conf->gate, m->status, x->last_survival);

	(void)err;
	e->members++;
	e->by_status[m->status < VERIFY_STATUS_COUNT ? m->status : VERIFY_UNKNOWN]++;
	e->by_fresh[decay_classify(&x->dp, age)]++;
	if (m->suppressed != STORE_SUPPRESS_NONE)
		e->suppressed++;
	x->whole_sum += p;
	if (list_member_exportable(m, &x->dp, x->now, e->include_risky)) {
		e->exportable++;
		verify_gate_add(&e->in, p);
	}
	return LG_OK;
}

enum lg_status list_evaluate(struct store *s, const struct conf *c,
			     const struct store_list_info *li, int64_t now, bool include_risky,
			     struct list_eval *out, struct lg_err *err)
{
	struct eval_ctx x = {.conf = c, .now = now, .e = out, .last_age = INT64_MIN};
	enum lg_status st;

	memset(out, 0, sizeof(*out));
	out->include_risky = include_risky;
	conf_decay_policy(c, li->source, &x.dp);
	if (li->version_run &&
	    (st = store_members_each(s, li, false, eval_member, &x, err)) != LG_OK)
		return st;
	out->whole_predicted = out->members ? x.whole_sum / (double)out->members : 0;
	out->in.exported = li->exported;
	out->in.hard_bounces = li->hard_bounced;
	verify_gate_decide(&c->gate, &out->in, &out->gate);
	return LG_OK;
}

void list_print_gate(FILE *f, const struct conf *c, const struct store_list_info *li,
		     const struct list_eval *e)
{
	const struct verify_gate_decision *d = &e->gate;
	double thr = c->gate.threshold * 100;

	fprintf(f, "gate: %s for list '%s'\n", d->blocked ? "BLOCKED" : "pass", li->name);
	if (d->why & VERIFY_GATE_EMPTY) {
		fprintf(f, "  blocked: none of the %lu contacts may be sent: a record must be "
			   "deliverable%s, fresh or aging, not suppressed, not disposable "
			   "(%lu deliverable, %lu stale, %lu suppressed)\n",
			e->members, e->include_risky ? " or risky" : "", e->by_status[VERIFY_DELIVERABLE],
			e->by_fresh[DECAY_STALE], e->suppressed);
		if (e->by_fresh[DECAY_STALE])
			fprintf(f, "  re-verify the stale ones: leadgate refresh --list '%s'\n", li->name);
	} else {
		fprintf(f, "  %s: predicted bounce rate %.2f%% of the %lu records export would write; "
			   "95%% upper bound %.2f%% %s the %.2f%% threshold\n",
			(d->why & VERIFY_GATE_PREDICTED) ? "blocked" : "ok", d->predicted * 100,
			e->in.candidates, d->predicted_upper * 100,
			(d->why & VERIFY_GATE_PREDICTED) ? "is above" : "is within", thr);
	}
	if (d->observed_counts)
		fprintf(f, "  %s: observed hard-bounce rate %.2f%% (%lu of %lu exported); Wilson 95%% "
			   "lower bound %.2f%% %s the %.2f%% threshold\n",
			(d->why & VERIFY_GATE_OBSERVED) ? "blocked" : "ok", d->observed * 100,
			e->in.hard_bounces, e->in.exported, d->observed_lower * 100,
			(d->why & VERIFY_GATE_OBSERVED) ? "is above" : "is within", thr);
	else
		fprintf(f, "  observed hard-bounce rate not counted yet: %lu of %lu exported bounced "
			   "(it counts from %lu exported)\n",
			e->in.hard_bounces, e->in.exported, c->gate.min_exported);
}
