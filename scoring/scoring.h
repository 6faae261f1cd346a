/*
 * scoring.h - the scoring and qualification core: fit, data confidence,
 * engagement with half-life decay, account intent, grade, trend, stages
 * (MQL, PQL, HQL, SAL, SQL, recycled, disqualified) and the BANT / CHAMP /
 * MEDDIC frameworks, each with its explanation.
 *
 * Pure: no I/O, no clock, no globals.  `now` and the rubric are arguments;
 * the command line and the store feed it.  The four axes (fit, confidence,
 * engagement, intent) are kept apart in every result and only added up in
 * scoring_total, which says how.
 *
 * Times are Unix seconds; durations are seconds.
 */
#ifndef LG_SCORING_H
#define LG_SCORING_H

#include "common/common.h"
#include "decay/decay.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCORING_DAY 86400

/* ---- the rubric --------------------------------------------------------- */

#define SCORING_MAX_CLASSES 16 /* decay classes (each one accumulator a contact) */
#define SCORING_MAX_TYPES 64   /* event types, contact and account ones together */
#define SCORING_MAX_TITLES 32  /* title rules */
#define SCORING_MAX_ICP 64     /* firmographic rules */
#define SCORING_MAX_CAPPED 32  /* event types with a daily cap */

/* What an event type feeds. */
enum scoring_axis {
	SCORING_ENGAGEMENT = 0, /* a contact's engagement E (web, email, meetings) */
	SCORING_PRODUCT = 1,    /* a contact's product usage P (PQL) */
	SCORING_INTENT = 2,     /* an account's intent I, shared by its contacts */
};

/*
 * A decay class: the events of its types add up in one accumulator whose
 * value halves every half_life.  cap > 0 bounds the class's value (for a
 * negative class, its magnitude): "at most 10 points from email opens".
 */
struct scoring_class {
	const char *name; /* "demo", "open" ...; borrowed (static or the conf's) */
	enum scoring_axis axis;
	int64_t half_life; /* seconds, > 0 */
	double cap;        /* 0: none */
};

/*
 * An event type.  points may be negative (unsubscribe).  daily_cap > 0:
 * at most that many events of this type count per contact (or account)
 * per UTC day, the earliest ones by (occurred_at, event id); the rest are
 * kept but add nothing.  high_intent types count toward HQL and SQL.
 * min_count > 0: the event counts only when its numeric property `count`
 * is at least this ("a hiring surge of 5 or more roles"); an event with no
 * `count` property counts.
 */
struct scoring_type {
	const char *name; /* "demo_request" ...; borrowed */
	double points;
	unsigned cls; /* index into scoring_rubric.cls */
	unsigned daily_cap;
	bool high_intent;
	unsigned min_count;
	int cap_slot; /* set by scoring_rubric_check: where its daily-cap counter
			   * sits in a state, or -1 */
};

/* Title -> seniority: the first rule whose pattern matches wins. */
struct scoring_title_rule {
	const char *label;   /* "c_level", "vp_director", "manager", "ic", "student" */
	const char *pattern; /* PCRE2, matched caseless and UTF; borrowed */
	double points;
};

/* A firmographic (ICP) rule.  Every rule that matches adds its points. */
enum scoring_icp_field {
	SCORING_ICP_INDUSTRY = 0,  /* value matched ignoring ASCII case */
	SCORING_ICP_REGION = 1,    /* value matched ignoring ASCII case */
	SCORING_ICP_EMPLOYEES = 2, /* lo <= employees <= hi */
};
struct scoring_icp_rule {
	enum scoring_icp_field field;
	const char *value; /* INDUSTRY, REGION; borrowed */
	long lo, hi;       /* EMPLOYEES */
	double points;
};

enum scoring_framework {
	SCORING_BANT = 0,
	SCORING_CHAMP = 1,
	SCORING_MEDDIC = 2,
};
#define SCORING_FRAMEWORK_COUNT 3

struct scoring_rubric {
	struct scoring_class cls[SCORING_MAX_CLASSES];
	unsigned n_cls;
	struct scoring_type type[SCORING_MAX_TYPES];
	unsigned n_type;
	struct scoring_title_rule title[SCORING_MAX_TITLES];
	unsigned n_title;
	struct scoring_icp_rule icp[SCORING_MAX_ICP];
	unsigned n_icp;
	const char *const *competitor; /* registrable domains, lower-case; borrowed */
	size_t n_competitor;
	double competitor_points; /* -50 */

	/* data confidence q0 by verify status (deliverable 1, risky 0.6,
	 * undeliverable 0, unknown 0.4), indexed like enum verify_status */
	double confidence[4];

	double icp_min;                   /* ICP fit: firmographic points >= this (15) */
	bool intent_in_total;             /* T = F_eff + E (+ I when true; default false) */
	double mql;                       /* 80: eligible and T >= mql */
	double recycle;                   /* 60: T below this ... */
	int64_t recycle_for;              /* ... for this long (7 days): recycled */
	int64_t hql_window;               /* 14 days */
	unsigned hql_distinct;            /* high-intent events on >= 2 channels or assets */
	int64_t sql_window;               /* 30 days */
	unsigned sql_events;              /* >= 3 high-intent events */
	double pql;                       /* product axis P >= this (40): PQL */
	int64_t trend_window;             /* 7 days */
	double trend_delta;               /* |T(now) - T(now - window)| >= this (5): not steady */
	double fit_grade[3];              /* F_eff >= [0] A, >= [1] B, >= [2] C, else D: 40 25 10 */
	double eng_grade[3];              /* E >= [0] 1, >= [1] 2, >= [2] 3, else 4: 50 25 10 */
	enum scoring_framework framework; /* which one SQL needs (BANT) */
	double evidence_min_confidence;   /* evidence below counts as not met (0.5) */
};

/* The defaults: DESIGN.md's rubric (documented in conf/leadgate.conf). */
void scoring_rubric_default(struct scoring_rubric *r);

/*
 * Check a rubric built by hand or by the configuration: every class has a
 * half-life > 0, every type a class, at most SCORING_MAX_CAPPED types a
 * daily cap, thresholds in order.  Assigns the types' cap_slot.  Errors
 * name the class or type: LG_ECONFIG.
 */
enum lg_status scoring_rubric_check(struct scoring_rubric *r, struct lg_err *err);

/* Index of a class or type by name (ASCII case ignored), or -1. */
int scoring_class_find(const struct scoring_rubric *r, const char *name, size_t len);
int scoring_type_find(const struct scoring_rubric *r, const char *name, size_t len);

/*
 * The rubric's compiled patterns.  Build after the rubric is final (checked); it
 * borrows r, which must outlive it.  Errors (a bad pattern) name the rule:
 * LG_ECONFIG.  One per thread: it holds the match data.
 */
struct scoring_ctx;
enum lg_status scoring_ctx_new(struct scoring_ctx **out, const struct scoring_rubric *r,
			       struct lg_err *err);
void scoring_ctx_free(struct scoring_ctx *c);

/* ---- the O(1) decayed sum ----------------------------------------------- */

/*
 * The exact state of one class for one contact: the sum of points x
 * 2^(-(at - t_i) / half_life) over the events i added, held at time `at`
 * (the latest event time seen).  Events may come in any order: an event
 * older than `at` is added decayed to `at`; a newer one moves `at`.  The
 * value at any now >= at is s x 2^(-(now - at) / half_life).
 */
struct scoring_acc {
	double s;
	int64_t at; /* 0 with s == 0: empty */
};
void scoring_acc_add(struct scoring_acc *a, double points, int64_t t, int64_t half_life);
/* The value at now; for now < at (before the latest event) it is s: the
 * sum does not know its past, and a value never grows back. */
double scoring_acc_value(const struct scoring_acc *a, int64_t now, int64_t half_life);
/* 2^(-age / half_life), the decay factor of an event `age` seconds old;
 * 1 for age <= 0 (an event from the future has not decayed). */
double scoring_decay_factor(int64_t age, int64_t half_life);

/*
 * A contact's (or an account's) whole engagement state, O(1) in its
 * events: one accumulator per class and, per type with a daily cap, its
 * latest UTC day and how many events of that day counted.  Variable-size
 * and opaque: allocate scoring_state_size(r) bytes (aligned for a double,
 * as malloc gives) per contact, then scoring_state_init.  The size for the
 * default rubric is the memory per contact of the scoring benchmark: 232
 * bytes (14 classes x 16 bytes: sum, time and the daily-cap counter of
 * its first capped type; 4 bytes for each other capped type, 2 here).
 * r must have passed scoring_rubric_check (it assigns the cap slots) and
 * stay the same for the state's life.  A state keeps times as 32-bit
 * seconds since 2000-01-01T00:00:00Z: an event before 2000 counts as of
 * that instant, and times after 2136-02-07 as of then.
 */
struct scoring_state;
size_t scoring_state_size(const struct scoring_rubric *r);
void scoring_state_init(struct scoring_state *st, const struct scoring_rubric *r);

enum scoring_add {
	SCORING_ADDED = 0,   /* counted */
	SCORING_CAPPED = 1,  /* over its type's daily cap: adds nothing */
	SCORING_BELOW = 2,   /* count property below the type's min_count */
	SCORING_RECOUNT = 3, /* a late event on an earlier day of a capped type,
			      * or on its latest day when that day is full and
			      * the class has a later event: whether it counts
			      * (or should replace one that did) depends on
			      * events this state no longer has; nothing is
			      * added; rebuild the state from the events in time
			      * order (the store does) */
};

/*
 * Add one event (type index, time, its `count` property or -1).  min_count
 * is checked first (a BELOW event uses none of the day's cap).  In time
 * order the result is exactly scoring_score's; out of order it is still
 * exact whenever it does not return SCORING_RECOUNT.
 */
enum scoring_add scoring_state_add(struct scoring_state *st, const struct scoring_rubric *r,
				   unsigned type, int64_t t, long count);

/* The value of class c at now (decayed, then capped). */
double scoring_state_class(const struct scoring_state *st, const struct scoring_rubric *r,
			   unsigned c, int64_t now);
/* The sum of the class values of one axis at now. */
double scoring_state_axis(const struct scoring_state *st, const struct scoring_rubric *r,
			  enum scoring_axis axis, int64_t now);

/* ---- one contact's score ------------------------------------------------ */

/* What the store knows of a contact.  Strings are borrowed, may be NULL. */
struct scoring_contact {
	int status;      /* enum verify_status; -1: never verified */
	bool suppressed; /* hard bounce, unsubscribe, complaint */
	int64_t verified_at;
	struct decay_policy decay; /* its source's freshness policy */
	const char *title;
	bool title_known; /* title_rule holds scoring_title_rule(ctx, title): a caller
				* scoring many contacts keeps it per distinct title */
	int title_rule;
	const char *domain; /* registrable domain of the address, lower-case */
	const char *industry;
	const char *region;
	long employees; /* -1: unknown */
};

/* One event as the fold sees it.  Strings are borrowed, may be NULL. */
struct scoring_event {
	unsigned type;       /* index into the rubric's types */
	int64_t at;          /* occurred_at */
	long count;          /* the `count` property, -1 when absent */
	const char *channel; /* "email", "web" ... */
	const char *asset;   /* "pricing-page", "webinar-2026-11" ... */
	const char *id;      /* event_id, for the explanation */
};

enum scoring_trend {
	SCORING_STEADY = 0,
	SCORING_IMPROVING = 1,
	SCORING_DECLINING = 2,
};

struct scoring_result {
	double fit_pos, fit_neg; /* F = fit_pos + fit_neg */
	double fit_icp;      /* the firmographic rules' sum (the ICP test), whatever their signs */
	double q;            /* data confidence in [0, 1] */
	double fit_eff;      /* q x fit_pos + fit_neg */
	double engagement;   /* E */
	double product;      /* P */
	double intent;       /* I (the account's) */
	double total;        /* T = fit_eff + E (+ I) */
	double total_before; /* T at now - trend_window */
	char grade[3];       /* "A1" */
	enum scoring_trend trend;
	const char *seniority; /* the title rule's label, or NULL */
	bool competitor, icp;
	bool eligible; /* deliverable, fresh, not suppressed, not a competitor */
	enum decay_class freshness;
	/* windows, for the stages */
	/* hi_distinct: over the counted (not capped) high-intent events of the
	 * contact in (now - hql_window, now], the larger of the number of
	 * distinct channels (NULL or "" not counted) and of distinct assets
	 * (an event without one counts its type name as its asset: a demo
	 * request and a pricing visit are two assets); ASCII case ignored; at
	 * most 64 of each.  hi_events: those events in (now - sql_window, now]. */
	unsigned hi_distinct;
	unsigned hi_events;
	bool below_recycle; /* T < recycle at now and at each whole day back to
				  * now - recycle_for (recycle_for / 86400 + 1 instants),
				  * each T from the events up to that instant */
};

/*
 * One line of an explanation: a rule or an event and what it added.
 * contribution = points x factor after caps; the lines of a result add up
 * to its total.  A line of something the total leaves out (a product
 * event, and intent unless the rubric puts it in the total) shows its
 * points and factor but contributes 0.
 */
enum scoring_line_kind {
	SCORING_LINE_TITLE = 0,      /* rule: the label; detail: the title */
	SCORING_LINE_COMPETITOR = 1, /* rule: "competitor"; detail: the domain */
	SCORING_LINE_ICP = 2,        /* rule: the rule's value ("software") or "employees";
				     * detail: the contact's value, NULL for employees */
	SCORING_LINE_EVENT = 3,      /* factor = the decay factor at now */
	SCORING_LINE_CLASS_CAP = 4,  /* a class over its cap: rule the class, points its
				     * cap, factor 1, contribution the negative excess
				     * (capped value - uncapped value), at = now */
	SCORING_LINE_INTENT = 5,     /* an account event */
};
struct scoring_line {
	enum scoring_line_kind kind;
	const char *rule;   /* rule label, type name, class name; borrowed from the rubric */
	const char *detail; /* the matched title or value, the event id; borrowed from the input */
	int64_t at;         /* events: occurred_at */
	double points;      /* as configured */
	double factor;      /* fit: q for positive points, 1 for negative; events: decay */
	double contribution;
	bool capped; /* an event over its type's daily cap (contribution 0) */
};

/*
 * Score one contact at now from its events and its account's, each sorted
 * by (at, id) ascending; events after now are ignored.  Daily caps apply
 * in that order (the earliest daily_cap events of a type each UTC day
 * count).  ctx's rubric must have passed scoring_rubric_check.  The
 * contact's events feed E and P, the account's feed I: a contact event
 * of an intent type, an account event of another type, an event of an
 * unknown type and one below its min_count are ignored and not listed.
 * The title is matched on its first 256 bytes, bytes that are not
 * well-formed UTF-8 read as spaces.
 *
 * lines, when non-NULL, receives the explanation (owned: free with
 * free(); *n_lines of them, NULL when there are none, in order of
 * |contribution| largest first, then kind, then at, then the order they
 * were found): the title, the competitor and each ICP rule that matched,
 * every event counted or capped, each class over its cap.  Their
 * contributions sum to out->total within rounding (intent lines
 * contribute only when the rubric puts intent in the total).  Asking for
 * lines changes no figure of *out.
 */
void scoring_score(const struct scoring_ctx *ctx, const struct scoring_contact *c,
		   const struct scoring_event *ev, size_t n_ev, const struct scoring_event *acct,
		   size_t n_acct, int64_t now, struct scoring_result *out,
		   struct scoring_line **lines, size_t *n_lines);

const char *scoring_trend_name(enum scoring_trend t); /* "steady", "improving", "declining" */

/*
 * The title rule that a title matches: the index of the first of ctx's
 * rubric's title rules whose pattern matches it (as scoring_score
 * matches: its first 256 bytes, malformed UTF-8 read as spaces), -1 for
 * none, NULL or "".  A function of the title alone, so that a caller may
 * keep it per distinct title (scoring_contact.title_known): the
 * patterns are the costliest part of a contact's score.
 */
int scoring_title_rule(const struct scoring_ctx *ctx, const char *title);

/* ---- stages -------------------------------------------------------------- */

enum scoring_stage {
	SCORING_LEAD = 0, /* not (yet) qualified */
	SCORING_MQL = 1,
	SCORING_PQL = 2,
	SCORING_HQL = 3,
	SCORING_SAL = 4, /* a rep accepted it */
	SCORING_SQL = 5,
	SCORING_RECYCLED = 6,
	SCORING_DISQUALIFIED = 7, /* a rep rejected it */
};
#define SCORING_STAGE_COUNT 8
const char *scoring_stage_name(enum scoring_stage s); /* "lead", "mql", ...; "?" if none */
/* The stage named s (len bytes, ASCII case ignored); false if none. */
bool scoring_stage_parse(const char *s, size_t len, enum scoring_stage *out);

/* What stage moves depend on besides the score. */
struct scoring_facts {
	bool buying_role;    /* a confirmed buying role (the framework's authority criterion met) */
	bool framework_pass; /* the configured framework passes */
	bool active;         /* an event has counted since the contact entered its stage */
};

/*
 * The next automatic move from `cur`, or false when there is none.  Moves
 * go forward only, never out of SAL, SQL or disqualified except by a rep:
 *
 *   lead, recycled -> MQL  eligible, not below_recycle, total >= rb->mql
 *                  -> PQL  (else) eligible, product >= rb->pql
 *                          (from recycled only when f->active: a rep who
 *                          recycled a lead with a high total is not undone
 *                          until the lead does something new)
 *   MQL, PQL       -> HQL  eligible, icp, not below_recycle,
 *                          hi_distinct >= rb->hql_distinct
 *                  -> recycled  (else) below_recycle (and for a PQL, product
 *                          below rb->pql as well: a PQL qualified on usage)
 *   HQL            -> recycled  below_recycle
 *   SAL            -> SQL  eligible, icp, hi_events >= rb->sql_events,
 *                          f->buying_role and f->framework_pass
 *
 * MQL and PQL are parallel entries: neither moves to the other.  An MQL
 * whose total falls below mql but not below_recycle stays an MQL.  No
 * entry and fall-back both hold at once, so the chain is finite (a PQL's
 * entry needs product >= pql, its fall-back product < pql).  *why (if why
 * is non-NULL) is a static description of the predicate that held.  Call
 * again from the new stage until false: a lead may become an MQL and an
 * HQL at one time; a chain has at most two moves.  f is read only when
 * cur is SAL (the framework's checklist is needed only there) or
 * recycled (f->active).
 */
bool scoring_stage_next(const struct scoring_rubric *rb, enum scoring_stage cur,
			const struct scoring_result *r, const struct scoring_facts *f,
			enum scoring_stage *next, const char **why);

/* ---- qualification frameworks --------------------------------------------- */

enum scoring_ev_status {
	SCORING_NOT_MET = 0,
	SCORING_PARTIAL = 1,
	SCORING_MET = 2,
};
#define SCORING_EV_STATUS_COUNT 3
/* "not_met", "partial", "met"; "?" if none. */
const char *scoring_ev_status_name(enum scoring_ev_status s);
/* The status named s (len bytes, exactly as the names above); false if none. */
bool scoring_ev_status_parse(const char *s, size_t len, enum scoring_ev_status *out);

/* Where a piece of evidence came from. */
enum scoring_ev_source {
	SCORING_SOURCE_CALL = 0,
	SCORING_SOURCE_EMAIL = 1,
	SCORING_SOURCE_FORM = 2,
	SCORING_SOURCE_NOTE = 3,
};
#define SCORING_EV_SOURCE_COUNT 4
/* "call", "email", "form", "note"; "?" if none. */
const char *scoring_ev_source_name(enum scoring_ev_source s);
/* The source named s (len bytes, exactly as the names above); false if none. */
bool scoring_ev_source_parse(const char *s, size_t len, enum scoring_ev_source *out);

#define SCORING_MAX_CRITERIA 6

/* One piece of evidence (leadgate evidence add). */
struct scoring_evidence {
	enum scoring_framework framework;
	unsigned criterion; /* index into scoring_criteria(framework) */
	enum scoring_ev_status status;
	double confidence;   /* 0..1 */
	int64_t at;          /* when it was recorded */
	int64_t valid_until; /* 0: no expiry */
};

/*
 * The framework's criteria names, *n of them (n may be NULL); static.
 *   BANT    budget, authority, need, timeline
 *   CHAMP   challenges, authority, money, prioritization
 *   MEDDIC  metrics, economic_buyer, decision_criteria, decision_process,
 *           identify_pain, champion
 * NULL (and *n = 0) for a value that is not a framework.
 */
const char *const *scoring_criteria(enum scoring_framework f, unsigned *n);
/* The index of criterion `name` (len bytes), or -1.  ASCII case is
 * ignored and '-' reads as '_' ("Economic-Buyer"); two aliases: MEDDIC
 * "pain" (identify_pain) and CHAMP "prioritisation". */
int scoring_criterion_find(enum scoring_framework f, const char *name, size_t len);
const char *scoring_framework_name(enum scoring_framework f); /* "BANT" ...; "?" if none */
/* The framework named s (len bytes, ASCII case ignored); false if none. */
bool scoring_framework_parse(const char *s, size_t len, enum scoring_framework *out);

/*
 * A framework's checklist at now: for each criterion the latest evidence
 * that has not expired (status, or -1 when there is none), whether it is
 * met (MET with confidence >= min_confidence), and whether the framework
 * passes: BANT on 3 of 4 met; CHAMP on challenges and 2 of the other 3;
 * MEDDIC on economic buyer, identify pain and champion and 4 of the 6.
 * buying_role: the authority criterion (BANT and CHAMP authority, MEDDIC
 * economic_buyer) is met.  blocking: a static sentence on what is missing,
 * NULL when it passes.
 *
 * Evidence is considered when it is of framework f, names one of its
 * criteria, was recorded at or before now (at <= now) and has not expired
 * (valid_until == 0 or valid_until > now: valid_until is the first second
 * it no longer holds).  "Latest" is by at; of two at the same second, the
 * later one in ev wins.  A newer NOT_MET or PARTIAL replaces an older MET;
 * an expired newer piece does not, and the older one counts again.  ev is
 * borrowed for the call (NULL when n is 0).
 */
struct scoring_checklist {
	enum scoring_framework framework;
	unsigned n;
	int status[SCORING_MAX_CRITERIA];
	bool met[SCORING_MAX_CRITERIA];
	unsigned n_met;
	bool pass, buying_role;
	const char *blocking;
};
void scoring_checklist(enum scoring_framework f, const struct scoring_evidence *ev, size_t n,
		       int64_t now, double min_confidence, struct scoring_checklist *out);

/* ---- the funnel ------------------------------------------------------------ */

/*
 * Working backward from a number of customers through the stage
 * conversion rates: raw -> MQL -> SQL -> opportunity -> customer.  The
 * defaults (DESIGN.md: 2000 -> 870 -> 130 -> 36 -> 10) are the fractions
 * 870/2000, 130/870, 36/130, 10/36 (about 0.435, 0.149, 0.277, 0.278), so
 * 10 customers give back exactly those figures.  needed[0] raw leads ...
 * needed[4] customers; needed[i] = ceil(needed[i + 1] / rate[i]), a value
 * within a relative 1e-12 of a whole number taken as that number (the
 * division's rounding error), saturating at ULONG_MAX.  Every rate must be
 * in (0, 1]: anything else (NaN included) is a programmer error (assert);
 * the command line validates rates first.
 */
#define SCORING_FUNNEL_STEPS 4
void scoring_funnel_default(double rate[SCORING_FUNNEL_STEPS]);
void scoring_funnel(unsigned long customers, const double rate[SCORING_FUNNEL_STEPS],
		    unsigned long needed[SCORING_FUNNEL_STEPS + 1]);

/*
 * The observed rate of one step from the store's history: moved / start,
 * where start contacts reached the step's earlier stage and moved of them
 * its later one.  Working backward divides by the rate, so a rate from a
 * handful is worse than none: one SQL of 110 MQLs would ask for 14 300
 * MQLs for 10 customers, where the default rate asks for 870.  With k
 * contacts moving on, the rate's relative standard error is about
 * 1/sqrt(k): 100 % at 1, 18 % at 30.  The rate is therefore taken only
 * when start >= SCORING_FUNNEL_START_MIN and moved >=
 * SCORING_FUNNEL_MOVED_MIN (and moved <= start); returns whether it was,
 * and sets *rate (in (0, 1]) only then.  Below that the caller keeps the
 * default (or given) rate.
 */
#define SCORING_FUNNEL_START_MIN 100
#define SCORING_FUNNEL_MOVED_MIN 30
bool scoring_funnel_observed(unsigned long start, unsigned long moved, double *rate);

#endif
