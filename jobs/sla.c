/*
 * sla.c - the handoff's SLA as it went (`leadgate report sla`, GET
 * /v1/reports/sla): per rep and per team, the leads handed, accepted and
 * accepted within the SLA, the median and p90 time to accept,
 * escalations and rejections by reason.  One builder for both: the
 * command and the service write view_sla's object of it.
 *
 * A team counts its handoffs as they stand: handed, accepted (by the
 * deadline of the rep who accepted: in the SLA), the time to accept from
 * the handing to that rep, and every escalation, to nobody too.  A rep
 * counts the steps of the handoffs (store_sla_each): each assignment to
 * them is a lead handed, accepted or escalated (the SLA missed by them)
 * by how it ended, the time to accept from their own assignment; the
 * same whatever targets the team has.  Percentiles are nearest-rank.
 */
#include "jobs.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct job_sla_row *row_of(struct job_sla_row **v, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name))
			return &(*v)[i];
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = lg_xrealloc(*v, *cap * sizeof(**v));
	}
	struct job_sla_row *r = &(*v)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->name = lg_xstrdup(name);
	r->median_s = r->p90_s = -1;
	return r;
}

static void time_add(struct job_sla_row *r, int64_t t)
{
	if (r->nt == r->capt) {
		r->capt = r->capt ? 2 * r->capt : 16;
		r->t = lg_xrealloc(r->t, r->capt * sizeof(*r->t));
	}
	r->t[r->nt++] = t < 0 ? 0 : t;
}

static void team_set(struct job_sla_row *r, const char *team)
{
	if (team && !r->team)
		r->team = lg_xstrdup(team);
}

static void reject(struct job_sla_row *r, const char *reason)
{
	r->rejected++;
	for (size_t k = 0; k < JOB_DECIDE_REASONS; k++)
		if (reason && !strcmp(reason, job_decide_reasons[k]))
			r->reason[k]++;
}

static enum lg_status on_row(void *arg, const struct store_sla_row *x, struct lg_err *err)
{
	struct job_sla *S = arg;
	(void)err;
	struct job_sla_row *t = x->team ? row_of(&S->team, &S->nteam, &S->capteam, x->team) : NULL;
	struct job_sla_row *r = x->rep ? row_of(&S->rep, &S->nrep, &S->caprep, x->rep) : NULL;
	if (r)
		team_set(r, x->team);
	bool accepted = x->accepted_at >= 0 && x->state && !strcmp(x->state, "accepted");
	bool in_sla = accepted && x->deadline > 0 && x->accepted_at <= x->deadline;
	switch (x->kind) {
	case STORE_SLA_HANDOFF:
		if (!x->rep)
			S->unassigned++;
		if (t) {
			t->handed++;
			t->accepted += accepted;
			t->in_sla += in_sla;
			t->escalations += x->escalations;
			if (accepted)
				time_add(t, x->accepted_at - x->at);
		}
		break;
	case STORE_SLA_STEP:
		if (r) {
			r->handed++;
			r->accepted += accepted;
			r->in_sla += in_sla;
			r->escalations += x->escalations;
			if (accepted)
				time_add(r, x->accepted_at - x->at);
		}
		break;
	case STORE_SLA_REJECTED:
		if (t)
			reject(t, x->reason);
		if (r)
			reject(r, x->reason);
		break;
	}
	return LG_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct job_sla_row *)a)->name, ((const struct job_sla_row *)b)->name);
}

/* Nearest rank: the smallest value with at least p of them at or below. */
static double rank(const int64_t *t, size_t n, double p)
{
	size_t k = (size_t)ceil(p * (double)n);
	return (double)t[k ? k - 1 : 0];
}

static void finish(struct job_sla_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct job_sla_row *r = &v[i];
		if (r->nt) {
			qsort(r->t, r->nt, sizeof(*r->t), cmp_i64);
			r->median_s = rank(r->t, r->nt, 0.5);
			r->p90_s = rank(r->t, r->nt, 0.9);
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_row);
}

enum lg_status job_sla(const char *db, struct job_sla *S, struct lg_err *err)
{
	struct store *s = NULL;
	memset(S, 0, sizeof(*S));
	enum lg_status st = store_open(&s, db, STORE_READ, err);
	if (st == LG_OK)
		st = store_sla_each(s, on_row, S, err);
	store_close(s);
	finish(S->rep, S->nrep);
	finish(S->team, S->nteam);
	return st;
}

static void rows_free(struct job_sla_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].team);
		free(v[i].t);
	}
	free(v);
}

void job_sla_free(struct job_sla *S)
{
	rows_free(S->rep, S->nrep);
	rows_free(S->team, S->nteam);
	memset(S, 0, sizeof(*S));
}
