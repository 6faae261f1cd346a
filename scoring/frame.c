/*
 * frame.c - the qualification frameworks (BANT, CHAMP, MEDDIC): their
 * criteria, and the checklist that the recorded evidence adds up to.
 *
 * Evidence is what a rep recorded about a deal ("budget: met, 0.9, until
 * the end of the quarter").  Per criterion only the latest piece that has
 * not expired counts, and it counts as met only when it says MET with
 * enough confidence: a PARTIAL never counts, nor does a confident guess
 * below the threshold.
 */
#include "scoring.h"

#include <assert.h>
#include <string.h>

static const char *const bant[] = {"budget", "authority", "need", "timeline"};
static const char *const champ[] = {"challenges", "authority", "money", "prioritization"};
static const char *const meddic[] = {
	"metrics",          "economic_buyer", "decision_criteria",
	"decision_process", "identify_pain",  "champion",
};
_Static_assert(sizeof(meddic) / sizeof(*meddic) <= SCORING_MAX_CRITERIA,
	       "a checklist holds every criterion");

/* The indexes the pass rules name; they follow the tables above. */
enum {
	BANT_AUTHORITY = 1,
	CHAMP_CHALLENGES = 0,
	CHAMP_AUTHORITY = 1,
	CHAMP_MONEY = 2,
	CHAMP_PRIORITIZATION = 3,
	MEDDIC_ECONOMIC_BUYER = 1,
	MEDDIC_IDENTIFY_PAIN = 4,
	MEDDIC_CHAMPION = 5,
};

static const struct {
	const char *name;
	const char *const *criteria;
	unsigned n;
} frameworks[SCORING_FRAMEWORK_COUNT] = {
	[SCORING_BANT] = {"BANT", bant, sizeof(bant) / sizeof(*bant)},
	[SCORING_CHAMP] = {"CHAMP", champ, sizeof(champ) / sizeof(*champ)},
	[SCORING_MEDDIC] = {"MEDDIC", meddic, sizeof(meddic) / sizeof(*meddic)},
};

/*
 * Other spellings scoring_criterion_find accepts, kept few on purpose: a
 * short form reps use for one criterion, and the British spelling.
 */
static const struct {
	enum scoring_framework framework;
	const char *alias;
	unsigned criterion;
} aliases[] = {
	{SCORING_MEDDIC, "pain", MEDDIC_IDENTIFY_PAIN},
	{SCORING_CHAMP, "prioritisation", CHAMP_PRIORITIZATION},
};

const char *const *scoring_criteria(enum scoring_framework f, unsigned *n)
{
	if ((unsigned)f >= SCORING_FRAMEWORK_COUNT) {
		if (n)
			*n = 0;
		return NULL;
	}
	if (n)
		*n = frameworks[f].n;
	return frameworks[f].criteria;
}

/* name (len bytes) equals the identifier id, ignoring ASCII case and
 * reading '-' as '_'. */
static bool name_is(const char *name, size_t len, const char *id)
{
	size_t i;
	for (i = 0; i < len && id[i]; i++) {
		unsigned char c = lg_ascii_lower((unsigned char)name[i]);
		if (c == '-')
			c = '_';
		if (c != (unsigned char)id[i])
			return false;
	}
	return i == len && id[i] == '\0';
}

int scoring_criterion_find(enum scoring_framework f, const char *name, size_t len)
{
	if ((unsigned)f >= SCORING_FRAMEWORK_COUNT)
		return -1;
	for (unsigned i = 0; i < frameworks[f].n; i++)
		if (name_is(name, len, frameworks[f].criteria[i]))
			return (int)i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (aliases[i].framework == f && name_is(name, len, aliases[i].alias))
			return (int)aliases[i].criterion;
	return -1;
}

const char *scoring_framework_name(enum scoring_framework f)
{
	return (unsigned)f < SCORING_FRAMEWORK_COUNT ? frameworks[f].name : "?";
}

bool scoring_framework_parse(const char *s, size_t len, enum scoring_framework *out)
{
	for (unsigned i = 0; i < SCORING_FRAMEWORK_COUNT; i++) {
		const char *name = frameworks[i].name;
		if (lg_ascii_eq(s, len, name, strlen(name))) {
			*out = (enum scoring_framework)i;
			return true;
		}
	}
	return false;
}

/* The names the store keeps and the command line takes, by enum value. */
static const char *const ev_status_names[SCORING_EV_STATUS_COUNT] = {"not_met", "partial", "met"};
static const char *const ev_source_names[SCORING_EV_SOURCE_COUNT] = {"call", "email", "form",
								     "note"};

/* The index of s (len bytes) among names, exactly; -1 if none. */
static int name_index(const char *const *names, unsigned n, const char *s, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return (int)i;
	return -1;
}

const char *scoring_ev_status_name(enum scoring_ev_status s)
{
	return (unsigned)s < SCORING_EV_STATUS_COUNT ? ev_status_names[s] : "?";
}

bool scoring_ev_status_parse(const char *s, size_t len, enum scoring_ev_status *out)
{
	int i = name_index(ev_status_names, SCORING_EV_STATUS_COUNT, s, len);
	if (i >= 0)
		*out = (enum scoring_ev_status)i;
	return i >= 0;
}

const char *scoring_ev_source_name(enum scoring_ev_source s)
{
	return (unsigned)s < SCORING_EV_SOURCE_COUNT ? ev_source_names[s] : "?";
}

bool scoring_ev_source_parse(const char *s, size_t len, enum scoring_ev_source *out)
{
	int i = name_index(ev_source_names, SCORING_EV_SOURCE_COUNT, s, len);
	if (i >= 0)
		*out = (enum scoring_ev_source)i;
	return i >= 0;
}

/* ---- the pass rules ------------------------------------------------------ */

/*
 * Each rule sets pass and, when it fails, picks one of a fixed set of
 * sentences (blocking is static): what is still missing, with the count
 * met so far where the rule counts.
 */

static void bant_rule(struct scoring_checklist *c)
{
	static const char *const need[3] = {
		"needs 3 of 4 criteria met (none met)",
		"needs 3 of 4 criteria met (1 met)",
		"needs 3 of 4 criteria met (2 met)",
	};
	c->pass = c->n_met >= 3;
	c->blocking = c->pass ? NULL : need[c->n_met];
}

static void champ_rule(struct scoring_checklist *c)
{
	/* [challenges met][how many of the other three are met, at most 2] */
	static const char *const need[2][3] = {
		{
			"needs challenges met and 2 of authority, money, prioritization (none met)",
			"needs challenges met and 2 of authority, money, prioritization (1 met)",
			"needs challenges met",
		},
		{
			"needs 2 of authority, money, prioritization met (none met)",
			"needs 2 of authority, money, prioritization met (1 met)",
			NULL,
		},
	};
	unsigned others = (unsigned)c->met[CHAMP_AUTHORITY] + (unsigned)c->met[CHAMP_MONEY] +
			  (unsigned)c->met[CHAMP_PRIORITIZATION];
	bool challenges = c->met[CHAMP_CHALLENGES];

	c->pass = challenges && others >= 2;
	c->blocking = need[challenges][others < 2 ? others : 2];
}

static void meddic_rule(struct scoring_checklist *c)
{
	/*
	 * [which of the three required criteria are missing: bit 0
	 * economic_buyer, bit 1 identify_pain, bit 2 champion][whether one
	 * of the other three is needed too, to reach 4 of 6].
	 */
	static const char *const need[8][2] = {
		{NULL, "needs one more of metrics, decision_criteria, decision_process met"},
		{"needs economic_buyer met", "needs economic_buyer met and one of metrics, "
					     "decision_criteria, decision_process"},
		{"needs identify_pain met",
		 "needs identify_pain met and one of metrics, decision_criteria, decision_process"},
		{"needs economic_buyer and identify_pain met",
		 "needs economic_buyer and identify_pain met and one of metrics, "
		 "decision_criteria, decision_process"},
		{"needs champion met",
		 "needs champion met and one of metrics, decision_criteria, decision_process"},
		{"needs economic_buyer and champion met",
		 "needs economic_buyer and champion met and one of metrics, "
		 "decision_criteria, decision_process"},
		{"needs identify_pain and champion met",
		 "needs identify_pain and champion met and one of metrics, "
		 "decision_criteria, decision_process"},
		{"needs economic_buyer, identify_pain and champion met",
		 "needs economic_buyer, identify_pain and champion met and one of metrics, "
		 "decision_criteria, decision_process"},
	};
	bool no_eb = !c->met[MEDDIC_ECONOMIC_BUYER];
	bool no_pain = !c->met[MEDDIC_IDENTIFY_PAIN];
	bool no_champion = !c->met[MEDDIC_CHAMPION];
	unsigned missing = (unsigned)no_eb | (unsigned)no_pain << 1 | (unsigned)no_champion << 2;
	unsigned n_missing = (unsigned)no_eb + (unsigned)no_pain + (unsigned)no_champion;
	/* Once the missing required ones are met, is the count still short? */
	bool short_of_four = c->n_met + n_missing < 4;

	c->pass = missing == 0 && c->n_met >= 4;
	c->blocking = need[missing][short_of_four];
}

void scoring_checklist(enum scoring_framework f, const struct scoring_evidence *ev, size_t n,
		       int64_t now, double min_confidence, struct scoring_checklist *out)
{
	int64_t latest[SCORING_MAX_CRITERIA] = {0}; /* `at` of the evidence chosen so far */

	assert((unsigned)f < SCORING_FRAMEWORK_COUNT);
	assert(ev || n == 0);

	memset(out, 0, sizeof(*out));
	out->framework = f;
	out->n = frameworks[f].n;
	for (unsigned i = 0; i < SCORING_MAX_CRITERIA; i++)
		out->status[i] = -1;

	for (size_t i = 0; i < n; i++) {
		const struct scoring_evidence *e = &ev[i];
		if (e->framework != f || e->criterion >= out->n)
			continue;
		/* Recorded after now: not known yet (a checklist as of a past
		 * date).  Expired at now: valid_until is the first second it
		 * no longer holds. */
		if (e->at > now || (e->valid_until != 0 && e->valid_until <= now))
			continue;
		unsigned k = e->criterion;
		/* The latest wins; of two at the same second, the later one in
		 * the array (recorded last). */
		if (out->status[k] != -1 && e->at < latest[k])
			continue;
		latest[k] = e->at;
		out->status[k] = (int)e->status;
		out->met[k] = e->status == SCORING_MET && e->confidence >= min_confidence;
	}

	for (unsigned i = 0; i < out->n; i++)
		out->n_met += out->met[i];

	switch (f) {
	case SCORING_BANT:
		bant_rule(out);
		out->buying_role = out->met[BANT_AUTHORITY];
		break;
	case SCORING_CHAMP:
		champ_rule(out);
		out->buying_role = out->met[CHAMP_AUTHORITY];
		break;
	case SCORING_MEDDIC:
		meddic_rule(out);
		out->buying_role = out->met[MEDDIC_ECONOMIC_BUYER];
		break;
	}
}
