/*
 * stage.c - the lifecycle stages and the automatic moves between them.
 *
 * Only the moves the score can justify are here: a lead qualifies (MQL on
 * its total, PQL on its product usage), a qualified lead becomes hot (HQL)
 * or falls back (recycled), an accepted lead (SAL) becomes sales-qualified
 * (SQL).  Accepting (SAL) and rejecting (disqualified) are a rep's
 * decisions and are made elsewhere.
 *
 * MQL and PQL are parallel doors into the funnel, not steps of one ladder:
 * a PQL whose total reaches the MQL threshold stays a PQL (both lead to
 * HQL the same way), and an MQL with heavy product usage stays an MQL.
 *
 * Hysteresis: qualifying needs T >= mql (80), falling back needs T below
 * recycle (60) for the whole recycle period (7 days), so a total that
 * wavers around 80 does not flip a contact back and forth.  An MQL at 70
 * stays an MQL.
 */
#include "scoring.h"

#include <assert.h>
#include <string.h>

static const char *const stage_names[SCORING_STAGE_COUNT] = {
	[SCORING_LEAD] = "lead",         [SCORING_MQL] = "mql",
	[SCORING_PQL] = "pql",           [SCORING_HQL] = "hql",
	[SCORING_SAL] = "sal",           [SCORING_SQL] = "sql",
	[SCORING_RECYCLED] = "recycled", [SCORING_DISQUALIFIED] = "disqualified",
};

const char *scoring_stage_name(enum scoring_stage s)
{
	return (unsigned)s < SCORING_STAGE_COUNT ? stage_names[s] : "?";
}

bool scoring_stage_parse(const char *s, size_t len, enum scoring_stage *out)
{
	for (unsigned i = 0; i < SCORING_STAGE_COUNT; i++) {
		const char *name = stage_names[i];
		if (lg_ascii_eq(s, len, name, strlen(name))) {
			*out = (enum scoring_stage)i;
			return true;
		}
	}
	return false;
}

/* The predicates, each with the sentence shown to users when it holds. */

static const char why_mql[] = "eligible and total >= mql threshold";
static const char why_pql[] = "eligible and product score >= pql threshold";
static const char why_hql[] =
	"eligible, ICP fit and high-intent events on enough distinct channels or assets "
	"within the hql window";
static const char why_recycled[] = "total below the recycle threshold for the whole recycle period";
static const char why_recycled_pql[] = "total below the recycle threshold for the whole recycle "
				       "period and product score below the "
				       "pql threshold";
static const char why_sql[] = "eligible, ICP fit, enough high-intent events within the sql window, "
			      "a confirmed buying role and the framework passes";

/*
 * A PQL qualified on its product usage, not on its total: a product-led
 * lead may have a low marketing total.  So a PQL falls back only when
 * both its total has stayed below the recycle line and its usage has
 * dropped below the PQL threshold, and entering as a PQL needs no total
 * at all.  That keeps the chain of moves finite: the PQL entry (product
 * >= pql) and the PQL fall-back (product < pql) never both hold.  An MQL
 * needs T >= mql, which below_recycle (T below the line now) excludes.
 */
static bool may_mql(const struct scoring_rubric *rb, const struct scoring_result *r)
{
	return r->eligible && !r->below_recycle && r->total >= rb->mql;
}

static bool may_pql(const struct scoring_rubric *rb, const struct scoring_result *r)
{
	return r->eligible && r->product >= rb->pql;
}

/* A lead whose total has stayed below the recycle line is not hot. */
static bool may_hql(const struct scoring_rubric *rb, const struct scoring_result *r)
{
	return r->eligible && r->icp && !r->below_recycle && r->hi_distinct >= rb->hql_distinct;
}

static bool falls_back(const struct scoring_rubric *rb, enum scoring_stage cur,
		       const struct scoring_result *r)
{
	return r->below_recycle && (cur != SCORING_PQL || r->product < rb->pql);
}

static bool may_sql(const struct scoring_rubric *rb, const struct scoring_result *r,
		    const struct scoring_facts *f)
{
	return r->eligible && r->icp && r->hi_events >= rb->sql_events && f->buying_role &&
	       f->framework_pass;
}

bool scoring_stage_next(const struct scoring_rubric *rb, enum scoring_stage cur,
			const struct scoring_result *r, const struct scoring_facts *f,
			enum scoring_stage *next, const char **why)
{
	enum scoring_stage to; /* the move, if any */
	const char *because;   /* its predicate */

	assert((unsigned)cur < SCORING_STAGE_COUNT);
	switch (cur) {
	case SCORING_LEAD:
	case SCORING_RECYCLED:
		if (cur == SCORING_RECYCLED && !f->active)
			return false; /* nothing new since it was recycled */
		if (may_mql(rb, r)) {
			to = SCORING_MQL;
			because = why_mql;
		} else if (may_pql(rb, r)) {
			to = SCORING_PQL;
			because = why_pql;
		} else {
			return false;
		}
		break;
	case SCORING_MQL:
	case SCORING_PQL:
		if (may_hql(rb, r)) {
			to = SCORING_HQL;
			because = why_hql;
		} else if (falls_back(rb, cur, r)) {
			to = SCORING_RECYCLED;
			because = cur == SCORING_PQL ? why_recycled_pql : why_recycled;
		} else {
			return false;
		}
		break;
	case SCORING_HQL:
		if (!r->below_recycle)
			return false;
		to = SCORING_RECYCLED;
		because = why_recycled;
		break;
	case SCORING_SAL:
		if (!may_sql(rb, r, f))
			return false;
		to = SCORING_SQL;
		because = why_sql;
		break;
	case SCORING_SQL:
	case SCORING_DISQUALIFIED:
	default: return false;
	}
	*next = to;
	if (why)
		*why = because;
	return true;
}
