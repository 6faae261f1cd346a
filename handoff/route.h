/*
 * route.h - who gets a qualified lead: the handoff's routes, teams and
 * reps ([handoff], [route.NAME], [team.NAME], [rep.NAME] of the
 * configuration, read by conf/handoff.c), the choice of a rep, and the
 * SLA's clock, which runs only within the rep's working hours.
 *
 * Pure: no I/O, no globals, no locks.  `now` and every count come from
 * the caller; the rotation state is a small value the caller keeps (in
 * the store) and passes back.  Safe to call from several threads at once.
 *
 * Choosing a rep for a lead:
 *   1. route_match(): the first route, in file order, whose conditions
 *      all hold for the lead (a route with none matches every lead); it
 *      names a team;
 *   2. route_assign() within that team:
 *      - the account's owner first (account-based selling: the contacts
 *        of one account go to one rep), when that name is a rep of the
 *        configuration (any team) and the rep is available.  Outside
 *        their hours or past their cap the owner still gets the lead:
 *        the SLA only runs in their hours, and a cap is for new
 *        accounts, not for the next contact of an account they already
 *        work.  An owner marked `available = no` (on leave, gone) does
 *        not: the lead would wait for days, so it goes round the team;
 *      - else weighted round robin over the team's eligible reps.
 *
 * Weighted round robin, precisely: smooth weighted round robin (as
 * nginx's upstream module does it).  Each rep i of the team has a weight
 * w_i and a credit c_i (the rotation state, all 0 at first).  A rep is
 * eligible when available, within their working hours at now, below
 * their daily cap, and not the excluded rep.  At each pick, every
 * eligible rep's credit grows by its weight (c_i += w_i); the rep with
 * the largest credit is picked, the first listed among equals; its
 * credit drops by the sum W of the eligible reps' weights (c_p -= W).
 * Ineligible reps' credits do not move.  From all credits 0, with the
 * same eligible reps, the credits are 0 again after every W picks, and
 * in those W picks rep i is picked exactly w_i times, spread out
 * (weights 3 and 1: a a b a, a a b a, ...); the first pick of a fresh
 * team is its first listed rep.  No eligible rep: ROUTE_NOBODY, the state
 * unchanged (the lead waits, or escalates).
 *
 * Working hours: spans of weekdays and local wall-clock times in the
 * rep's IANA time zone ("mon-fri 09:00-17:30", several separated by
 * commas); a span does not cross midnight (end after start, 24:00 the
 * latest end).  A rep with no hours is always working.
 *
 * Time zones: ICU's calendar (ucal_*, libicu-dev on Debian 12).  A
 * calendar is opened per call on its own zone, so two threads with two
 * zones never meet; glibc's TZ + localtime_r would change a process-wide
 * setting under the service's other threads.  Only route.c includes ICU.
 */
#ifndef LG_ROUTE_H
#define LG_ROUTE_H

#include "common/common.h"
#include "scoring/scoring.h"

#include <stdbool.h>
#include <stdint.h>

#define ROUTE_TEAM_REPS_MAX 64 /* reps in one team */
#define ROUTE_DAY_SPANS 4      /* working spans in one day */
#define ROUTE_WEIGHT_MAX 1000
#define ROUTE_NAME_MAX 48 /* a route's, team's or rep's name */

/* The conditions of a route that are lists of words (lower-case). */
enum route_attr {
	ROUTE_REGION = 0,
	ROUTE_INDUSTRY = 1,
	ROUTE_SOURCE = 2,
	ROUTE_LIST = 3,
};
#define ROUTE_ATTR_COUNT 4
/* The key of a condition: "region", "industry", "source", "list". */
const char *route_attr_name(enum route_attr a);

/* Words; items borrowed (from the configuration's arena). */
struct route_words {
	const char **item;
	size_t n;
};

/* [route.NAME]: a team, and conditions that must all hold. */
struct route_rule {
	const char *name; /* lower-case */
	size_t team;      /* index in route_conf.team */
	unsigned stages;  /* bit (1u << enum scoring_stage) per stage allowed; 0: any */
	/* grade letters A-D allowed (bit 0: A); 0: any */
	unsigned grade_fit;
	/* full grades "A1".."D4" allowed: bit (fit * 4 + engagement - 1) */
	unsigned grade_full;
	struct route_words attr[ROUTE_ATTR_COUNT]; /* n == 0: any */
	long employees_min, employees_max;         /* -1 both: any */
	/* for messages: the lines of the section and of its team key, and
	 * the team's name as written */
	unsigned line, team_line;
	const char *team_name;
};

/* A rep's working hours: per weekday (0 Monday .. 6 Sunday) up to
 * ROUTE_DAY_SPANS spans [start, end) in minutes after local midnight,
 * sorted, apart.  set false: always working. */
struct route_hours {
	bool set;
	uint8_t n[7];
	uint16_t span[7][ROUTE_DAY_SPANS][2];
};

/* [rep.NAME]; strings borrowed, NULL when not given. */
struct route_rep {
	const char *name;  /* lower-case */
	const char *email; /* required */
	const char *slack; /* Slack member id ("U024BE7LH") */
	unsigned weight;   /* 1 */
	unsigned cap;      /* handoffs a day (the rep's local day); 0: no cap */
	struct route_hours hours;
	const char *tz; /* IANA zone ("Europe/Berlin"); "UTC" */
	bool available; /* true */
	unsigned line;  /* of the section, for messages */
};

/* [team.NAME]; strings borrowed, NULL when not given. */
struct route_team {
	const char *name; /* lower-case */
	size_t *rep;      /* owned: indexes in route_conf.rep, in listed order */
	size_t n_rep;
	struct route_words rep_names; /* as the file lists them (items array owned) */
	const char *webhook;          /* http(s) URL, signed with secret */
	const char *secret;           /* "whsec_" + base64 of 24 to 64 bytes */
	const char *slack;            /* a Slack incoming webhook's URL */
	const char *hubspot;          /* HubSpot's API base URL (https://api.hubapi.com) */
	const char *salesforce;       /* the Salesforce org's instance URL */
	/* The CRMs' tokens as written: the token, "env:NAME" or "file:PATH"
	 * (PATH made absolute against the file's directory); read when sent
	 * (conf_handoff_token), never kept in the outbox. */
	const char *hubspot_token, *salesforce_token;
	const char *salesforce_version; /* "v60.0"; NULL: targets.h's */
	const char *salesforce_field;   /* the external-id field; NULL: targets.h's */
	unsigned hubspot_line, salesforce_line, hubspot_token_line, salesforce_token_line;
	int64_t sla; /* seconds; 0: [handoff] sla */
	/* who hears of a missed SLA: a rep's name (escalation_rep >= 0) or an
	 * email address (escalation_rep == -1) */
	const char *escalation;
	long escalation_rep;
	unsigned line, reps_line, escalation_line; /* for messages */
};

#define ROUTE_SLA_DEFAULT 300              /* 5 minutes: the 5-minute call-back rule */
#define ROUTE_LINK_TTL_DEFAULT (3 * 86400) /* see conf/handoff.c */

/* All of the handoff's configuration. */
struct route_conf {
	unsigned on;        /* stage moves that hand off: bit (1u << enum scoring_stage) */
	int64_t sla;        /* seconds within working hours: ROUTE_SLA_DEFAULT */
	int64_t link_ttl;   /* the one-click accept link's life, seconds */
	bool allow_private; /* targets at loopback and private addresses (false) */
	/* The service's own events ([handoff] secret, events): the secret
	 * job.completed and list.gate_changed are signed with (whsec_...;
	 * NULL: none, and a callback_url is refused), and where
	 * list.gate_changed goes (NULL: nowhere; the verdict is still kept).
	 * Both borrowed from the configuration's arena. */
	const char *secret;
	const char *events;
	unsigned events_line;    /* for messages */
	const char *file;        /* the configuration file's name, for messages; NULL */
	struct route_rule *rule; /* owned, file order; n_rule */
	size_t n_rule;
	struct route_team *team; /* owned; n_team */
	size_t n_team;
	struct route_rep *rep; /* owned; n_rep */
	size_t n_rep;
	/* The accept link (sign.h): the service's public URL the links start
	 * with (NULL: no link is made) and the "whsec_" secret they are
	 * signed with (required with link_base); borrowed. */
	const char *link_base, *link_secret;
	unsigned link_base_line;
};

/* The outbox's targets of the service's own events, signed with [handoff]
 * secret: a bulk job's job.completed, and list.gate_changed.  No team may
 * take these names. */
#define ROUTE_TARGET_JOB "job"
#define ROUTE_TARGET_EVENTS "events"

/* The defaults (on = hql, sql; sla 5m; link_ttl 3d); nothing routed. */
void route_conf_init(struct route_conf *c);
/* Free the arrays (not the strings, which are the caller's). */
void route_conf_release(struct route_conf *c);

/* The rep called name, or the rep whose email is name (ASCII case
 * ignored): its index, or -1. */
long route_rep_find(const struct route_conf *c, const char *name);
/* The team called name (ASCII case ignored): its index, or -1. */
long route_team_find(const struct route_conf *c, const char *name);

/* The SLA of team (index in c->team): its own, else [handoff]'s; seconds
 * within working hours. */
int64_t route_team_sla(const struct route_conf *c, size_t team);

/* What routing knows of a lead; strings borrowed for the call. */
struct route_lead {
	enum scoring_stage stage;
	const char *grade;    /* "A1", or NULL: not graded */
	const char *region;   /* NULL: unknown, and then no condition on it holds */
	const char *industry; /* idem */
	const char *source;   /* idem */
	/* The lists the contact is a member of (their current versions),
	 * NULL-terminated; NULL or empty: none known.  A list condition holds
	 * when any of them is among its words: a contact in a webinar's list
	 * and a fair's is routed by either, whatever order they came in. */
	const char *const *lists;
	long employees; /* < 0: unknown */
};

/* The first route whose conditions all hold for lead (words compared
 * ignoring ASCII case; a condition on an unknown attribute fails): its
 * index in c->rule, or -1 when none does. */
long route_match(const struct route_conf *c, const struct route_lead *lead);

/* A team's rotation state: one credit per rep, in the team's order. */
struct route_rr {
	int32_t credit[ROUTE_TEAM_REPS_MAX];
};

/* What route_assign knows besides the configuration. */
struct route_ask {
	int64_t now; /* Unix seconds */
	/* the account's owner: a rep's name or email, or NULL.  A name that
	 * is no rep of the configuration is ignored. */
	const char *owner;
	long exclude; /* a rep (index in c->rep) not to pick: the one who let
		       * the SLA pass; -1: none */
	/* handoffs each rep has had today (their local day since
	 * route_day_start), indexed like c->rep; NULL: none yet */
	const unsigned *today;
};

enum route_how {
	ROUTE_NOBODY = 0,   /* no eligible rep: the lead waits or escalates */
	ROUTE_OWNER = 1,    /* the account's owner */
	ROUTE_ROTATION = 2, /* weighted round robin */
};

struct route_pick {
	enum route_how how;
	long rep; /* index in c->rep; -1 with ROUTE_NOBODY */
	/* the team's reps passed over by the rotation, by why (a rep is
	 * counted under the first reason that applies, in this order) */
	unsigned unavailable, off_hours, at_cap, excluded;
};

/*
 * Pick the rep of team (index in c->team) for a lead.  rr is the team's
 * rotation state, updated in place when the rotation picks (untouched
 * for the owner or nobody): the caller stores it back in the same
 * transaction as the assignment.
 */
void route_assign(const struct route_conf *c, size_t team, const struct route_ask *ask,
		  struct route_rr *rr, struct route_pick *out);

/* Is rep within working hours at now? */
bool route_rep_working(const struct route_rep *rep, int64_t now);
/* The start of rep's local day that contains now (Unix seconds): from
 * there on the handoffs count toward the cap. */
int64_t route_day_start(const struct route_rep *rep, int64_t now);
/*
 * The SLA deadline of a handoff to rep at t: the instant by which sla
 * seconds of rep's working hours have passed since t.  A rep with no
 * hours: t + sla.  Handed off outside the hours, the clock starts at the
 * next span's start.  Local times in the rep's zone, DST included: a day
 * of 23 or 25 hours has the hours its wall clock shows.
 */
int64_t route_sla_deadline(const struct route_rep *rep, int64_t t, int64_t sla);

/*
 * The rotation state as text for the store, "ana:2,cy:-2" (reps by
 * name, zero credits left out), and back: a rep that left the team is
 * dropped, a new one starts at 0, so that editing a team does not
 * scramble the rotation.  route_rr_format appends to out; route_rr_parse
 * returns false on text it did not write (rr is then all 0).
 */
void route_rr_format(const struct route_conf *c, size_t team, const struct route_rr *rr,
		     struct lg_buf *out);
bool route_rr_parse(const struct route_conf *c, size_t team, const char *text, struct route_rr *rr);

/*
 * Parse working hours, "mon-fri 09:00-17:30" or several spans separated
 * by commas ("mon-thu 08:00-12:00, mon-thu 13:00-17:00, fri 08:00-14:00");
 * days mon tue wed thu fri sat sun, a range (fri-mon wraps) or one day, or
 * several joined by '+' ("mon+wed"); times HH:MM, 24:00 the latest end.
 * Overlapping spans of a day merge.  false and *why (static text) when s
 * is not that.
 */
bool route_hours_parse(const char *s, struct route_hours *out, const char **why);
/* Is tz an IANA time zone ICU knows ("Europe/Berlin", "UTC")? */
bool route_zone_ok(const char *tz);

#endif
