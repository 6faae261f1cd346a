/*
 * handoff.c - the handoff: a lead moved to a stage of `[handoff] on` is
 * routed to a rep and a message written to the outbox, in the
 * transaction of the move (job_handoff_move); `leadgate handoff run`
 * sends what is due and applies the SLA (job_handoff_run); `status` and
 * `retry` read and reset the outbox.
 *
 * Why the message is written with the move, not sent: a crash between a
 * recorded move and a sent message would lose the message, and one
 * between a sent message and a recorded move would tell a rep of a move
 * that never happened.  The outbox makes the pair one transaction, and
 * delivery at-least-once: a message is marked delivered only after its
 * 2xx, so a sender killed in mid-attempt sends it again next time, under
 * the same webhook-id (a receiver deduplicates on it).
 *
 * The payload reuses what the commands show: the score with its
 * explanation is `score --explain --format json`'s object
 * (lead_explain_json, which view_explain returns too).
 */
#include "jobs.h"
#include "conf/conf.h"
#include "handoff/retry.h"
#include "handoff/send.h"
#include "handoff/sign.h"
#include "handoff/targets.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RECENT_EVENTS 10 /* the events a payload carries, newest first */
/* A body as the commands write a JSON line (view.h's VIEW_LINE_FLAGS). */
#define BODY_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

struct job_handoff {
	struct store *s;
	const struct conf *conf;
	struct scoring_ctx *sctx;
	struct lead L;
	int64_t now;
	struct job_handoff_report rep;
};

enum lg_status job_handoff_new(struct job_handoff **out, struct store *s, const struct conf *c,
			       struct verify_ctx *vctx, int64_t now, struct lg_err *err)
{
	*out = NULL;
	if (!c->handoff.n_rule)
		return LG_OK; /* no [handoff]: no route, nothing is handed off */
	struct job_handoff *h = lg_xcalloc(1, sizeof(*h));
	h->s = s;
	h->conf = c;
	h->now = now;
	enum lg_status st = scoring_ctx_new(&h->sctx, &c->rubric, err);
	if (st != LG_OK) {
		free(h);
		return st;
	}
	lead_init(&h->L, s, c, vctx, h->sctx, now);
	*out = h;
	return LG_OK;
}

void job_handoff_free(struct job_handoff *h)
{
	if (!h)
		return;
	lead_release(&h->L);
	scoring_ctx_free(h->sctx);
	free(h);
}

const struct job_handoff_report *job_handoff_report(const struct job_handoff *h)
{
	static const struct job_handoff_report none;
	return h ? &h->rep : &none;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *time_of(int64_t t)
{
	char buf[LG_TIME_LEN];
	lg_time_format(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *owner_of(const struct route_rep *rep)
{
	if (!rep)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(rep->name));
	json_object_set_new(o, "email", json_string(rep->email));
	if (rep->slack)
		json_object_set_new(o, "slack", json_string(rep->slack));
	return o;
}

/*
 * The one-click accept link of handoff id for rep (sign.h), made at now
 * to expire after [handoff] link_ttl, into data's accept_url; nothing
 * when [handoff] has no link_base.  A link names its rep: after an
 * escalation only the new rep's link accepts.
 */
static enum lg_status add_accept_url(const struct route_conf *c, json_t *data, int64_t id,
				     const struct route_rep *rep, int64_t now, struct lg_err *err)
{
	if (!c->link_base || !c->link_secret || !rep)
		return LG_OK;
	struct sign_key k;
	struct lg_buf url = LG_BUF_INIT;
	enum lg_status st = sign_key_parse(&k, c->link_secret, err);
	if (st == LG_OK)
		st = sign_link_url(&k, c->link_base, id, rep->name, now + c->link_ttl, &url, err);
	if (st == LG_OK)
		json_object_set_new(data, "accept_url", json_string(url.data));
	sign_key_release(&k);
	lg_buf_release(&url);
	return st;
}

/* The last RECENT_EVENTS events, kept in a ring as they come (oldest
 * first), turned newest first. */
struct recent {
	json_t *ev[RECENT_EVENTS];
	size_t n;
};

static enum lg_status on_recent(void *arg, const struct store_event *e, struct lg_err *err)
{
	struct recent *r = arg;
	(void)err;
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(e->type));
	json_object_set_new(o, "at", time_of(e->occurred_at));
	if (e->channel && *e->channel)
		json_object_set_new(o, "channel", json_string(e->channel));
	if (e->asset && *e->asset)
		json_object_set_new(o, "asset", json_string(e->asset));
	if (e->count >= 0)
		json_object_set_new(o, "count", json_integer(e->count));
	size_t i = r->n++ % RECENT_EVENTS;
	json_decref(r->ev[i]);
	r->ev[i] = o;
	return LG_OK;
}

static enum lg_status on_evidence(void *arg, const struct store_qevidence *e, struct lg_err *err)
{
	(void)err;
	json_t *o = json_object();
	json_object_set_new(o, "framework", json_string(scoring_framework_name(e->framework)));
	json_object_set_new(o, "criterion", json_string(e->criterion));
	json_object_set_new(o, "status", json_string(scoring_ev_status_name(e->status)));
	json_object_set_new(o, "confidence", json_real(e->confidence));
	json_object_set_new(o, "source", json_string(scoring_ev_source_name(e->source)));
	json_object_set_new(o, "at", time_of(e->at));
	if (e->valid_until)
		json_object_set_new(o, "valid_until", time_of(e->valid_until));
	if (e->note)
		json_object_set_new(o, "note", json_string(e->note));
	json_array_append_new(arg, o);
	return LG_OK;
}

#define REASONS_MAX 5 /* the reasons a payload's score carries, most weight first */

struct reason {
	const struct scoring_line *ln;
	double points; /* the lines of its kind and rule together */
	unsigned n;
};

static int by_weight(const void *a, const void *b)
{
	double x = fabs(((const struct reason *)a)->points),
	       y = fabs(((const struct reason *)b)->points);
	return x < y ? 1 : x > y ? -1 : 0;
}

/* The score's reasons as targets.h wants them: the explanation's lines
 * of one kind and rule together ("pricing_visit x3"), the most weight
 * first, those that count nothing left out. */
static json_t *reasons_of(const struct lead_scored *sc)
{
	struct reason *r = lg_xcalloc(sc->nlines ? sc->nlines : 1, sizeof(*r));
	size_t n = 0;
	for (size_t i = 0; i < sc->nlines; i++) {
		const struct scoring_line *ln = &sc->lines[i];
		const char *rule = ln->rule ? ln->rule : "";
		size_t k = 0;
		while (k < n && !(r[k].ln->kind == ln->kind &&
				  !strcmp(r[k].ln->rule ? r[k].ln->rule : "", rule)))
			k++;
		if (k == n)
			r[n++] = (struct reason){.ln = ln};
		r[k].points += ln->contribution;
		r[k].n++;
	}
	qsort(r, n, sizeof(*r), by_weight);
	json_t *a = json_array();
	for (size_t k = 0; k < n && json_array_size(a) < REASONS_MAX; k++) {
		if (lead_cents(r[k].points) == 0)
			continue;
		struct lg_buf t = LG_BUF_INIT;
		lg_buf_addf(&t, "%s %s", lead_line_kind(r[k].ln->kind),
			    r[k].ln->rule ? r[k].ln->rule : "");
		if (r[k].ln->kind == SCORING_LINE_EVENT && r[k].n > 1)
			lg_buf_addf(&t, " x%u", r[k].n);
		else if (r[k].ln->kind != SCORING_LINE_EVENT && r[k].ln->detail && *r[k].ln->detail)
			lg_buf_addf(&t, " (%s)", r[k].ln->detail);
		json_t *o = json_object();
		json_t *text = json_string(t.data);
		json_object_set_new(o, "text", text ? text : json_string("?"));
		json_object_set_new(o, "points", json_real(lead_cents(r[k].points)));
		json_array_append_new(a, o);
		lg_buf_release(&t);
	}
	free(r);
	return a;
}

/* The last word of a whole name, as a last name when none was kept. */
static json_t *last_name_of(const struct store_profile *p)
{
	if (p->last_name && *p->last_name)
		return json_string(p->last_name);
	if (!p->name || !*p->name)
		return NULL;
	const char *e = p->name + strlen(p->name), *b;
	while (e > p->name && e[-1] == ' ')
		e--;
	for (b = e; b > p->name && b[-1] != ' ';)
		b--;
	return b < e ? json_stringn(b, (size_t)(e - b)) : NULL;
}

/* A message's body: {"type", "timestamp", "data"}, data taken.  Owned:
 * free(). */
static char *body_of(const char *type, int64_t now, json_t *data)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "timestamp", time_of(now));
	json_object_set_new(o, "data", data);
	char *b = json_dumps(o, BODY_FLAGS);
	json_decref(o);
	return b;
}

/* One message to the outbox, pending from now, under a new webhook-id. */
static enum lg_status add_msg(struct store *s, const char *type, const char *target,
			      const char *url, const char *body, int64_t now, int64_t handoff_id,
			      unsigned long *queued, struct lg_err *err)
{
	char id[SIGN_ID_SIZE];
	enum lg_status st = sign_message_id(id, err);
	if (st != LG_OK)
		return st;
	struct store_outbox m = {.id = id,
				 .type = type,
				 .target = target,
				 .url = url,
				 .body = body,
				 .created_at = now,
				 .next_at = now,
				 .handoff_id = handoff_id};
	st = store_outbox_add(s, &m, err);
	*queued += st == LG_OK;
	return st;
}

enum lg_status job_handoff_event(struct store *s, const char *type, const char *target,
				 const char *url, json_t *data, int64_t now, struct lg_err *err)
{
	unsigned long queued = 0;
	char *body = body_of(type, now, data);
	enum lg_status st = add_msg(s, type, target, url, body, now, 0, &queued, err);
	free(body);
	return st;
}

/* Where team's target k is (its token is read when sent); false when the
 * team has none of that kind. */
static bool target_of(const struct route_team *team, enum target_kind k, struct target_conf *tc)
{
	memset(tc, 0, sizeof(*tc));
	switch (k) {
	case TARGET_SLACK: tc->url = team->slack; break;
	case TARGET_HUBSPOT: tc->url = team->hubspot; break;
	case TARGET_SALESFORCE:
		tc->url = team->salesforce;
		tc->version = team->salesforce_version;
		tc->field = team->salesforce_field;
		break;
	}
	return tc->url != NULL;
}

/*
 * Write team's messages of type about data (taken) to the outbox: the
 * signed webhook's {"type", "timestamp", "data"}, and the request of each
 * of its CRM and Slack targets built from the same data (targets.h),
 * under the target "TEAM/KIND" ("sales/hubspot"; a team's name has no
 * '/').  The request is kept whole, URL and body; its token is added when
 * sent.  An escalation is sent to the CRMs (the lead's owner changed) and
 * to Slack, whose message then says whose SLA passed and mentions the
 * team's escalation contact (targets.c).
 */
static enum lg_status enqueue(struct store *s, const struct route_team *team, const char *type,
			      int64_t now, json_t *data, int64_t handoff_id, unsigned long *queued,
			      struct lg_err *err)
{
	enum lg_status st = LG_OK;
	if (team->webhook) {
		char *body = body_of(type, now, json_incref(data));
		st = add_msg(s, type, team->name, team->webhook, body, now, handoff_id, queued, err);
		free(body);
	}
	for (int k = TARGET_SLACK; k <= TARGET_SALESFORCE && st == LG_OK; k++) {
		struct target_conf tc;
		struct target_req req;
		if (!target_of(team, (enum target_kind)k, &tc) ||
		    (k == TARGET_SLACK && strcmp(type, "lead.handoff") != 0 &&
		     strcmp(type, "lead.escalated") != 0))
			continue;
		if ((st = target_build((enum target_kind)k, &tc, data, &req, err)) != LG_OK)
			break;
		char target[ROUTE_NAME_MAX + 16];
		snprintf(target, sizeof(target), "%s/%s", team->name,
			 target_kind_name((enum target_kind)k));
		st = add_msg(s, type, target, req.url, req.body, now, handoff_id, queued, err);
		target_req_release(&req);
	}
	json_decref(data);
	return st;
}

/* The reps' handoffs of their day so far, indexed like c->rep. */
static enum lg_status counts_today(struct store *s, const struct route_conf *c, int64_t now,
				   unsigned *today, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	for (size_t i = 0; i < c->n_rep && st == LG_OK; i++)
		st = store_handoff_count(s, c->rep[i].name, route_day_start(&c->rep[i], now),
					 &today[i], err);
	return st;
}

/* Pick a rep of team with its rotation, kept back in the store. */
static enum lg_status pick(struct store *s, const struct route_conf *c, size_t team,
			   const char *owner, long exclude, int64_t now, struct route_pick *out,
			   struct lg_err *err)
{
	unsigned *today = lg_xcalloc(c->n_rep ? c->n_rep : 1, sizeof(*today));
	struct lg_buf text = LG_BUF_INIT;
	struct route_rr rr;
	enum lg_status st = counts_today(s, c, now, today, err);
	if (st == LG_OK)
		st = store_rotation_get(s, c->team[team].name, &text, err);
	if (st == LG_OK) {
		route_rr_parse(c, team, text.len ? text.data : "", &rr);
		struct route_ask ask = {.now = now,
					.owner = owner,
					.exclude = exclude,
					.today = today};
		route_assign(c, team, &ask, &rr, out);
		if (out->how == ROUTE_ROTATION) {
			text.len = 0;
			route_rr_format(c, team, &rr, &text);
			st = store_rotation_put(s, c->team[team].name, text.len ? text.data : "",
						err);
		}
	}
	lg_buf_release(&text);
	free(today);
	return st;
}

/* A contact's lists, NULL-terminated (store_contact_lists' order: the
 * latest first).  Owned: names_free. */
struct names {
	char **v;
	size_t n, cap;
};

static enum lg_status on_name(void *arg, const char *name, struct lg_err *err)
{
	struct names *x = arg;
	(void)err;
	if (x->n + 1 >= x->cap) {
		x->cap = x->cap ? 2 * x->cap : 4;
		x->v = lg_xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n++] = lg_xstrdup(name);
	x->v[x->n] = NULL;
	return LG_OK;
}

static void names_free(struct names *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i]);
	free(x->v);
}

struct move_ctx {
	struct job_handoff *h;
	enum scoring_stage to;
	bool found;
};

static enum lg_status announce(struct job_handoff *h, const struct store_lead *l,
			       const struct lead_scored *sc, const char *const *lists,
			       enum scoring_stage stage, size_t team, const struct route_rep *rep,
			       int64_t id, int64_t deadline, struct lg_err *err);

static enum lg_status hand_off(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct move_ctx *mc = arg;
	struct job_handoff *h = mc->h;
	const struct route_conf *c = &h->conf->handoff;
	struct lead_scored sc;
	mc->found = true;
	struct names lists = {NULL, 0, 0};
	enum lg_status st = lead_score(&h->L, l, &sc, true, err);
	if (st == LG_OK)
		st = store_contact_lists(h->s, l->contact_id, on_name, &lists, err);
	if (st != LG_OK) {
		free(sc.lines);
		names_free(&lists);
		return st;
	}
	struct route_lead rl = {
		.stage = mc->to,
		.grade = sc.r.grade[0] ? sc.r.grade : NULL,
		.region = l->profile.region,
		.industry = l->profile.industry,
		.source = l->source && *l->source ? l->source : NULL,
		.lists = (const char *const *)lists.v,
		.employees = l->profile.employees,
	};
	long rule = route_match(c, &rl);
	if (rule < 0) {
		h->rep.unrouted++;
		free(sc.lines);
		names_free(&lists);
		return LG_OK;
	}
	size_t team = c->rule[rule].team;
	char owner[ROUTE_NAME_MAX + 256];
	struct route_pick p = {.rep = -1};
	if ((st = store_handoff_owner(h->s, sc.account, owner, sizeof(owner), err)) == LG_OK)
		st = pick(h->s, c, team, *owner ? owner : NULL, -1, h->now, &p, err);
	const struct route_rep *rep = p.how != ROUTE_NOBODY ? &c->rep[p.rep] : NULL;
	struct store_handoff ho = {
		.contact_id = l->contact_id,
		.account = sc.account,
		.team = c->team[team].name,
		.rep = rep ? rep->name : NULL,
		.stage = mc->to,
		.handed_at = h->now,
		.deadline = rep ? route_sla_deadline(rep, h->now, route_team_sla(c, team)) : 0,
		.state = rep ? "open" : "unassigned",
	};
	if (st == LG_OK)
		st = store_handoff_add(h->s, &ho, err);
	if (st != LG_OK || !rep) {
		h->rep.unassigned += st == LG_OK;
		free(sc.lines);
		names_free(&lists);
		return st;
	}
	h->rep.handed++;
	st = announce(h, l, &sc, rl.lists, mc->to, team, rep, ho.id, ho.deadline, err);
	free(sc.lines);
	names_free(&lists);
	return st;
}

/*
 * The lead.handoff message of handoff id: l, scored as sc, handed to rep
 * of team at stage with its deadline; to the outbox (enqueue).
 */
static enum lg_status announce(struct job_handoff *h, const struct store_lead *l,
			       const struct lead_scored *sc, const char *const *lists,
			       enum scoring_stage stage, size_t team, const struct route_rep *rep,
			       int64_t id, int64_t deadline, struct lg_err *err)
{
	const struct route_conf *c = &h->conf->handoff;
	enum lg_status st;
	json_t *data = json_object();
	json_object_set_new(data, "email", json_string(l->address));
	json_object_set_new(data, "owner", owner_of(rep));
	json_object_set_new(data, "stage", json_string(scoring_stage_name(stage)));
	/* the explanation, with what targets.h's builders read: the value
	 * and the reasons */
	json_t *score = lead_explain_json(l->address, sc);
	json_object_set_new(score, "value", json_real(lead_cents(sc->r.total)));
	json_object_set_new(score, "reasons", reasons_of(sc));
	json_object_set_new(data, "score", score);
	json_t *v = json_object();
	json_object_set_new(v, "status", json_string(verify_status_name(l->status)));
	json_object_set_new(v, "verified_at", time_of(l->verified_at));
	json_object_set_new(v, "freshness", json_string(decay_class_name(sc->r.freshness)));
	json_object_set_new(v, "fresh", json_boolean(sc->r.freshness == DECAY_FRESH));
	json_object_set_new(v, "suppressed", json_boolean(l->suppressed != STORE_SUPPRESS_NONE));
	json_object_set_new(data, "verification", v);
	struct recent r = {{0}, 0};
	json_t *events = json_array();
	st = store_events_each(h->s, false, l->address, on_recent, &r, err);
	for (size_t k = 0; k < RECENT_EVENTS && k < r.n; k++)
		json_array_append_new(events, r.ev[(r.n - 1 - k) % RECENT_EVENTS]);
	json_object_set_new(data, "events", events);
	json_t *evidence = json_array();
	if (st == LG_OK)
		st = store_qevidence_each(h->s, l->contact_id, on_evidence, evidence, err);
	json_object_set_new(data, "evidence", evidence);
	/* the latest of the contact's lists (store_contact_lists), and all */
	json_object_set_new(data, "list", str_or_null(lists && lists[0] ? lists[0] : NULL));
	json_t *all = json_array();
	for (size_t i = 0; lists && lists[i]; i++)
		json_array_append_new(all, str_or_null(lists[i]));
	json_object_set_new(data, "lists", all);
	json_object_set_new(data, "source", str_or_null(l->source));
	/* Salesforce will not create a Lead without LastName and Company
	 * (targets.h): sent when the lists said them */
	json_t *last = last_name_of(&l->profile);
	if (l->profile.first_name && *l->profile.first_name)
		json_object_set_new(data, "first_name", str_or_null(l->profile.first_name));
	if (last)
		json_object_set_new(data, "last_name", last);
	if (l->profile.company && *l->profile.company)
		json_object_set_new(data, "company", str_or_null(l->profile.company));
	json_object_set_new(data, "account", str_or_null(sc->account));
	json_object_set_new(data, "team", json_string(c->team[team].name));
	json_object_set_new(data, "deadline", time_of(deadline));
	if (st == LG_OK)
		st = add_accept_url(c, data, id, rep, h->now, err);
	if (st != LG_OK) {
		json_decref(data);
		return st;
	}
	return enqueue(h->s, &c->team[team], "lead.handoff", h->now, data, id, &h->rep.queued, err);
}

enum lg_status job_handoff_move(struct job_handoff *h, int64_t contact_id, enum scoring_stage to,
				struct lg_err *err)
{
	if (!h || !(h->conf->handoff.on & (1u << to)))
		return LG_OK;
	/* a lead already waiting for its rep (MQL, then HQL in the same
	 * run) is not handed off twice */
	bool open;
	enum lg_status st = store_handoff_open(h->s, contact_id, &open, err);
	if (st != LG_OK || open)
		return st;
	char address[512];
	if ((st = store_contact_address(h->s, contact_id, address, sizeof(address), err)) != LG_OK ||
	    !*address)
		return st;
	struct move_ctx mc = {.h = h, .to = to};
	return store_leads_each(h->s, 0, address, hand_off, &mc, err);
}

/* ---- handoff run: the SLA ---- */

struct sla_ctx {
	struct store *s;
	const struct route_conf *c;
	int64_t now;
	struct job_handoff_run_report *rep;
	/* the handoffs due, copied: escalating writes the table being read */
	struct due {
		int64_t id;
		char *address, *team, *rep;
		enum scoring_stage stage;
		int64_t deadline;
		unsigned escalations;
	} * due;
	size_t n, cap;
};

static enum lg_status on_due(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	struct sla_ctx *x = arg;
	(void)err;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->due = lg_xrealloc(x->due, x->cap * sizeof(*x->due));
	}
	x->due[x->n++] = (struct due){
		.id = h->id,
		.address = lg_xstrdup(h->address),
		.team = lg_xstrdup(h->team),
		.rep = lg_xstrdup(h->rep ? h->rep : ""),
		.stage = h->stage,
		.deadline = h->deadline,
		.escalations = h->escalations,
	};
	return LG_OK;
}

/* A handoff whose SLA passed: to the next rep (not the one who let it
 * pass), with a lead.escalated message; nobody eligible: unassigned. */
static enum lg_status escalate(struct sla_ctx *x, const struct due *d, struct lg_err *err)
{
	const struct route_conf *c = x->c;
	long team = route_team_find(c, d->team);
	long was = route_rep_find(c, d->rep);
	struct route_pick p = {.rep = -1};
	if (team < 0)
		return LG_OK; /* its team left the configuration: left as it is */
	enum lg_status st = pick(x->s, c, (size_t)team, NULL, was, x->now, &p, err);
	const struct route_rep *rep = p.how != ROUTE_NOBODY ? &c->rep[p.rep] : NULL;
	int64_t deadline = rep ? route_sla_deadline(rep, x->now, route_team_sla(c, (size_t)team))
			       : 0;
	if (st == LG_OK)
		st = store_handoff_escalate(x->s, d->id, rep ? rep->name : NULL, x->now, deadline,
					    err);
	if (st != LG_OK)
		return st;
	x->rep->escalated++;
	if (!rep) {
		x->rep->unassigned++;
		return LG_OK;
	}
	json_t *data = json_object();
	json_object_set_new(data, "email", json_string(d->address));
	json_object_set_new(data, "owner", owner_of(rep));
	json_object_set_new(data, "previous_owner", owner_of(was >= 0 ? &c->rep[was] : NULL));
	json_object_set_new(data, "stage", json_string(scoring_stage_name(d->stage)));
	json_object_set_new(data, "missed_deadline", time_of(d->deadline));
	json_object_set_new(data, "deadline", time_of(deadline));
	json_object_set_new(data, "escalations", json_integer(d->escalations + 1));
	const struct route_team *t = &c->team[team];
	if (t->escalation) {
		json_t *to = t->escalation_rep >= 0 ? owner_of(&c->rep[t->escalation_rep])
						    : json_object();
		if (t->escalation_rep < 0)
			json_object_set_new(to, "email", json_string(t->escalation));
		json_object_set_new(data, "escalation", to);
	}
	json_object_set_new(data, "team", json_string(t->name));
	if ((st = add_accept_url(c, data, d->id, rep, x->now, err)) != LG_OK) {
		json_decref(data);
		return st;
	}
	return enqueue(x->s, t, "lead.escalated", x->now, data, d->id, &x->rep->queued, err);
}

static enum lg_status apply_sla(struct store *s, const struct route_conf *c, int64_t now,
				struct job_handoff_run_report *rep, struct lg_err *err)
{
	struct sla_ctx x = {.s = s, .c = c, .now = now, .rep = rep};
	enum lg_status st = store_begin(s, err);
	if (st == LG_OK)
		st = store_handoffs_due(s, now, on_due, &x, err);
	for (size_t i = 0; i < x.n && st == LG_OK; i++)
		st = escalate(&x, &x.due[i], err);
	if (st == LG_OK)
		st = store_commit(s, err);
	if (st != LG_OK)
		store_rollback(s);
	for (size_t i = 0; i < x.n; i++) {
		free(x.due[i].address);
		free(x.due[i].team);
		free(x.due[i].rep);
	}
	free(x.due);
	return st;
}

/* ---- handoff run: the handoffs with nobody ---- */

/* A handoff no rep was eligible for (copied: assigning writes the table
 * being read). */
struct waiting {
	int64_t id;
	char *address, *team;
	enum scoring_stage stage;
};

struct wait_list {
	struct waiting *w;
	size_t n, cap;
};

static enum lg_status on_waiting(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	struct wait_list *x = arg;
	(void)err;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 16;
		x->w = lg_xrealloc(x->w, x->cap * sizeof(*x->w));
	}
	x->w[x->n++] = (struct waiting){.id = h->id,
					.address = lg_xstrdup(h->address),
					.team = lg_xstrdup(h->team),
					.stage = h->stage};
	return LG_OK;
}

struct assign_ctx {
	struct job_handoff *h;
	const struct waiting *w;
	struct job_handoff_run_report *rep;
};

/* One waiting handoff given to its team's rep now eligible (the account's
 * owner first, as at the move), with its lead.handoff message; nobody
 * yet: left waiting.  The team is the one recorded: the lead was routed
 * when it moved. */
static enum lg_status assign_one(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct assign_ctx *a = arg;
	struct job_handoff *h = a->h;
	const struct route_conf *c = &h->conf->handoff;
	long team = route_team_find(c, a->w->team);
	if (team < 0)
		return LG_OK; /* its team left the configuration: left as it is */
	struct lead_scored sc;
	struct names lists = {NULL, 0, 0};
	enum lg_status st = lead_score(&h->L, l, &sc, true, err);
	if (st != LG_OK)
		return st;
	char owner[ROUTE_NAME_MAX + 256];
	struct route_pick p = {.rep = -1};
	if ((st = store_contact_lists(h->s, l->contact_id, on_name, &lists, err)) == LG_OK &&
	    (st = store_handoff_owner(h->s, sc.account, owner, sizeof(owner), err)) == LG_OK)
		st = pick(h->s, c, (size_t)team, *owner ? owner : NULL, -1, h->now, &p, err);
	if (st == LG_OK && p.how != ROUTE_NOBODY) {
		const struct route_rep *rep = &c->rep[p.rep];
		int64_t deadline = route_sla_deadline(rep, h->now, route_team_sla(c, (size_t)team));
		st = store_handoff_assign(h->s, a->w->id, rep->name, h->now, deadline, err);
		if (st == LG_OK) {
			a->rep->assigned++;
			st = announce(h, l, &sc, (const char *const *)lists.v, a->w->stage,
				      (size_t)team, rep, a->w->id, deadline, err);
		}
	}
	free(sc.lines);
	names_free(&lists);
	return st;
}

/*
 * Every handoff left with nobody (no rep was eligible then) tried again
 * as of now: a rep may be back, within their hours or under their cap.
 * Before the SLA, so that a handoff escalated to nobody in this run
 * waits for the next one rather than going back to the rep who let it
 * pass.  One transaction.
 */
static enum lg_status assign_waiting(struct store *s, const struct conf *conf, int64_t now,
				     struct job_handoff_run_report *rep, struct lg_err *err)
{
	struct wait_list x = {NULL, 0, 0};
	struct job_handoff *h = NULL;
	struct verify_ctx *vctx = NULL;
	enum lg_status st = store_begin(s, err);
	if (st != LG_OK)
		return st;
	st = store_handoffs_unassigned(s, on_waiting, &x, err);
	if (st == LG_OK && x.n) {
		vctx = conf_verify_ctx(conf);
		st = job_handoff_new(&h, s, conf, vctx, now, err);
	}
	for (size_t i = 0; i < x.n && h && st == LG_OK; i++) {
		struct assign_ctx a = {h, &x.w[i], rep};
		st = store_leads_each(s, 0, x.w[i].address, assign_one, &a, err);
	}
	if (h)
		rep->queued += h->rep.queued;
	if (st == LG_OK)
		st = store_commit(s, err);
	if (st != LG_OK)
		store_rollback(s);
	for (size_t i = 0; i < x.n; i++) {
		free(x.w[i].address);
		free(x.w[i].team);
	}
	free(x.w);
	job_handoff_free(h);
	verify_ctx_free(vctx);
	return st;
}

/* ---- handoff run: delivery ---- */

/*
 * Claims (store_outbox_take): a message taken is claimed until past the
 * longest its attempt can take, waiting behind the others in the sender
 * included: ceil(in the sender / max transfers) turns of the sender's
 * timeout, and a margin for recording the result.  A claim that lapses
 * (its sender killed) makes the message due again (at-least-once).
 */
#define CLAIM_MARGIN_S 45
/* What `handoff run` takes at a time, and when it takes more: the sender
 * never idles while messages are due, and a claim stays short. */
#define RUN_TAKE (2 * SEND_TRANSFERS_DEFAULT)
/* `handoff run` records its outcomes FLUSH_MAX or FLUSH_MS at a time, in
 * one transaction: a commit is most of what recording costs.  A run
 * killed before one sends those messages again (at-least-once). */
#define FLUSH_MAX 256
#define FLUSH_MS 100

static int64_t claim_s(size_t in_sender)
{
	size_t turns = (in_sender + SEND_TRANSFERS_DEFAULT - 1) / SEND_TRANSFERS_DEFAULT;
	return (int64_t)turns * ((SEND_TIMEOUT_MS + 999) / 1000) + CLAIM_MARGIN_S;
}

struct msg {
	struct run *run;
	char *id, *target, *url, *body;
	unsigned attempts;
	/* The outcome, kept until it is recorded (with others, in one
	 * transaction). */
	struct send_result res;
	bool done;
	bool held;     /* not sent (its team or token missing): its claim released */
	int64_t claim; /* claimed_until as taken: only this claim is ended */
	long team;     /* of the target; -1: not in the configuration now */
	bool crm;      /* a CRM or Slack target (kind): target_status() decides */
	enum target_kind kind;
};

/* A team's tokens for its CRMs, read once a run (conf_handoff_token). */
struct tokens {
	struct lg_buf tok[TARGET_SALESFORCE + 1];
	enum lg_status st[TARGET_SALESFORCE + 1]; /* not LG_OK: the token would not read */
};

struct run {
	struct store *s;
	const struct route_conf *c;
	int64_t now;
	double mono0; /* lg_now_mono() at the start: claims move with the clock */
	struct job_handoff_run_report *rep;
	struct msg **m; /* taken (each its own allocation: the sender holds them) */
	size_t n, cap;
	struct msg **done; /* called back, not recorded yet */
	size_t ndone, done_cap;
	struct sign_key *keys;   /* per team, parsed once; len 0: none */
	struct sign_key svc_key; /* [handoff] secret's: the service's events; len 0: none */
	struct tokens *tokens;   /* per team */
	struct lg_err token_err; /* the first token that would not read */
	enum lg_status token_st;
	enum lg_status st; /* the first failure to record an outcome */
	struct lg_err err;
};

static void msg_free(struct msg *m)
{
	if (!m)
		return;
	free(m->id);
	free(m->target);
	free(m->url);
	free(m->body);
	free(m);
}

static enum lg_status on_msg(void *arg, const struct store_outbox *m, struct lg_err *err)
{
	struct run *r = arg;
	(void)err;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->m = lg_xrealloc(r->m, r->cap * sizeof(*r->m));
	}
	struct msg *x = lg_xcalloc(1, sizeof(*x));
	*x = (struct msg){.run = r,
			  .id = lg_xstrdup(m->id),
			  .target = lg_xstrdup(m->target),
			  .url = lg_xstrdup(m->url),
			  .body = lg_xstrdup(m->body),
			  .attempts = m->attempts,
			  .team = route_team_find(r->c, m->target)};
	r->m[r->n++] = x;
	/* "TEAM/KIND": a CRM or Slack target (enqueue) */
	const char *slash = strchr(m->target, '/');
	if (slash) {
		char team[ROUTE_NAME_MAX + 1];
		snprintf(team, sizeof(team), "%.*s", (int)(slash - m->target), m->target);
		x->team = route_team_find(r->c, team);
		for (int k = TARGET_SLACK; k <= TARGET_SALESFORCE; k++)
			if (!strcmp(slash + 1, target_kind_name((enum target_kind)k))) {
				x->crm = true;
				x->kind = (enum target_kind)k;
			}
	}
	return LG_OK;
}

/* Record what one attempt came to (the caller's transaction); its claim
 * ends. */
static enum lg_status record_one(struct run *r, const struct msg *m, const struct send_result *res,
				 struct lg_err *err)
{
	unsigned attempts = m->attempts + 1;
	const char *state = "pending";
	int64_t next_at = r->now, delay_ms;
	const char *why = res->outcome == SEND_DELIVERED ? NULL : res->detail;
	enum send_outcome outcome = res->outcome;
	char error[sizeof(res->detail) + 160];
	enum lg_status st = LG_OK;
	if (m->held)
		return store_outbox_release(r->s, m->id, m->claim, err);
	if (m->crm && outcome != SEND_REFUSED) {
		/* what the status means is the target's to say, not the
		 * sender's Standard Webhooks rules (a Salesforce 300, several
		 * Leads matching, is no success and no retry either) */
		switch (target_status(m->kind, res->status)) {
		case TARGET_DELIVERED: outcome = SEND_DELIVERED; break;
		case TARGET_RETRY: outcome = SEND_RETRY; break;
		case TARGET_ERROR:
			snprintf(error, sizeof(error),
				 "%s; an error for %s, not retried (leadgate handoff retry ID "
				 "once it is fixed)",
				 *res->detail ? res->detail : "refused", target_kind_name(m->kind));
			why = error;
			state = "dead";
			r->rep->failed++;
			goto out;
		}
		why = outcome == SEND_DELIVERED ? NULL : res->detail;
	}
	switch (outcome) {
	case SEND_DELIVERED:
		state = "delivered";
		r->rep->delivered++;
		break;
	case SEND_DISABLED:
		state = "disabled";
		r->rep->disabled++;
		st = store_endpoint_disable(r->s, m->url, res->status, r->now, NULL, err);
		break;
	case SEND_REFUSED:
		state = "dead"; /* no retry helps until the configuration changes */
		r->rep->dead++;
		break;
	case SEND_RETRY:
		/* the jitter's number from the message and attempt: messages
		 * that failed together come back apart */
		if (retry_next(attempts, res->retry_after_s,
			       (uint32_t)(lg_hash(m->id, strlen(m->id)) + attempts), &delay_ms)) {
			next_at = r->now + (delay_ms + 999) / 1000;
			r->rep->retrying++;
		} else {
			state = "dead";
			r->rep->dead++;
		}
		break;
	}
out:
	if (st == LG_OK)
		st = store_outbox_result(r->s, m->id, m->claim, state, next_at, attempts,
					 res->status, why, err);
	return st;
}

/*
 * Record the outcomes that came in, n of them, in one transaction: one
 * commit for many, not one each.  A sender killed before the commit
 * sends them again (at-least-once).
 */
static enum lg_status record(struct run *r, struct msg *const *ms, size_t n, struct lg_err *err)
{
	if (!n)
		return LG_OK;
	enum lg_status st = store_begin(r->s, err);
	for (size_t i = 0; i < n && st == LG_OK; i++)
		st = record_one(r, ms[i], &ms[i]->res, err);
	if (st == LG_OK)
		return store_commit(r->s, err);
	store_rollback(r->s);
	return st;
}

static void done_add(struct run *r, struct msg *m)
{
	if (r->ndone == r->done_cap) {
		r->done_cap = r->done_cap ? 2 * r->done_cap : 64;
		r->done = lg_xrealloc(r->done, r->done_cap * sizeof(*r->done));
	}
	r->done[r->ndone++] = m;
}

static void on_sent(void *arg, const struct send_result *res)
{
	struct msg *m = arg;
	m->res = *res;
	m->done = true;
	done_add(m->run, m);
}

/* The outcomes called back so far recorded, and their messages freed. */
static void flush(struct run *r)
{
	struct lg_err err = {{0}};
	enum lg_status st = record(r, r->done, r->ndone, &err);
	if (st != LG_OK && r->st == LG_OK) {
		r->st = st;
		r->err = err;
	}
	for (size_t i = 0; i < r->ndone; i++) {
		free(r->done[i]->body); /* recorded: the largest part goes now */
		r->done[i]->body = NULL;
	}
	r->ndone = 0;
}

static const struct sign_key *key_of(struct run *r, const char *target)
{
	/* the service's own events: [handoff] secret's (no team has their
	 * names) */
	if (!strcmp(target, ROUTE_TARGET_JOB) || !strcmp(target, ROUTE_TARGET_EVENTS))
		return r->svc_key.len ? &r->svc_key : NULL;
	long t = route_team_find(r->c, target);
	if (t < 0 || !r->c->team[t].secret || !r->keys[t].len)
		return NULL;
	return &r->keys[t];
}

/*
 * The request for m into *sm (headers and auth hold what it points to
 * until the submit, which copies it): signed for a webhook; for a CRM or
 * Slack target unsigned, with no webhook-id, a CRM's token in its
 * Authorization (Slack's key is in its URL).  False: not to be sent now,
 * its team or its token missing (it stays pending).
 */
static bool request_of(struct run *r, struct msg *m, int64_t ts, struct lg_buf *auth,
		       const char *headers[2], struct send_msg *sm)
{
	*sm = (struct send_msg){.url = m->url,
				.body = m->body,
				.len = strlen(m->body),
				.id = m->id,
				.timestamp = ts,
				.key = key_of(r, m->target)};
	headers[0] = headers[1] = NULL;
	if (!m->crm)
		return true;
	if (m->team < 0 || !r->tokens || r->tokens[m->team].st[m->kind] != LG_OK)
		return false;
	const struct lg_buf *tok = &r->tokens[m->team].tok[m->kind];
	sm->id = NULL;
	sm->key = NULL;
	sm->method = m->kind == TARGET_SALESFORCE ? "PATCH" : "POST";
	if (tok->len) {
		if (auth->data)
			memset(auth->data, 0, auth->cap);
		auth->len = 0;
		lg_buf_addf(auth, "Authorization: Bearer %s", tok->data);
		headers[0] = auth->data;
		sm->headers = headers;
	}
	return true;
}

/* The CRMs' tokens of every team into r->tokens: one that will not read
 * holds its target's messages back (pending), and is r->token_st. */
static void tokens_load(struct run *r)
{
	const struct route_conf *c = r->c;
	r->tokens = lg_xcalloc(c->n_team ? c->n_team : 1, sizeof(*r->tokens));
	for (size_t t = 0; t < c->n_team; t++)
		for (int k = TARGET_HUBSPOT; k <= TARGET_SALESFORCE; k++) {
			struct lg_err e = {{0}};
			r->tokens[t].st[k] = conf_handoff_token(c, &c->team[t], (enum target_kind)k,
								&r->tokens[t].tok[k], &e);
			if (r->tokens[t].st[k] != LG_OK && r->token_st == LG_OK) {
				r->token_st = r->tokens[t].st[k];
				r->token_err = e;
			}
		}
}

/* r's keys and tokens, wiped (a token does not outlive its use). */
static void secrets_free(struct run *r)
{
	sign_key_release(&r->svc_key);
	for (size_t t = 0; t < r->c->n_team; t++) {
		sign_key_release(&r->keys[t]);
		for (int k = 0; r->tokens && k <= TARGET_SALESFORCE; k++) {
			struct lg_buf *b = &r->tokens[t].tok[k];
			if (b->data)
				memset(b->data, 0, b->cap);
			lg_buf_release(b);
		}
	}
	free(r->keys);
	free(r->tokens);
	r->keys = NULL;
	r->tokens = NULL;
}

/*
 * Take at most max messages due (claimed), and submit them.  One that
 * cannot be sent now (its team or its token missing) is held: its claim
 * is released at the end of the run, so that this run does not take it
 * again and the next one does.
 */
static enum lg_status take(struct run *r, struct sender *snd, size_t max, struct lg_buf *auth,
			   struct msg ***held, size_t *nheld, size_t *got, struct lg_err *err)
{
	size_t first = r->n;
	int64_t claim = r->now + (int64_t)(lg_now_mono() - r->mono0) +
			claim_s(sender_pending(snd) + max);
	enum lg_status st = store_outbox_take(r->s, r->now, claim, max, on_msg, r, got, err);
	if (st != LG_OK) {
		for (size_t i = first; i < r->n; i++)
			msg_free(r->m[i]);
		r->n = first;
		return st;
	}
	for (size_t i = first; i < r->n; i++)
		r->m[i]->claim = claim;
	int64_t ts = lg_now_wall(); /* webhook-timestamp: the real time, for replay checks */
	for (size_t i = first; i < r->n && st == LG_OK; i++) {
		struct msg *m = r->m[i];
		struct send_msg sm;
		const char *headers[2];
		if (!request_of(r, m, ts, auth, headers, &sm)) {
			m->held = true;
			*held = lg_xrealloc(*held, (*nheld + 1) * sizeof(**held));
			(*held)[(*nheld)++] = m;
			continue;
		}
		struct lg_err e = {{0}};
		enum lg_status s2 = sender_submit(snd, &sm, on_sent, m, &e);
		r->rep->sent += s2 == LG_OK;
		if (s2 == LG_EDATA) {
			/* not sendable at all (its scheme): as refused */
			struct send_result res = {.outcome = SEND_REFUSED};
			snprintf(res.detail, sizeof(res.detail), "%s", e.msg);
			on_sent(m, &res);
		} else if (s2 != LG_OK) {
			st = s2;
			*err = e;
		}
	}
	return st;
}

/*
 * Send every message due: taken RUN_TAKE at a time, more as soon as
 * fewer than max transfers wait in the sender, so that it never idles
 * while messages are due and no claim covers a long queue; the outcomes
 * of each turn of the loop recorded together.
 */
static enum lg_status deliver(struct run *r, struct lg_err *err)
{
	struct loop *l = NULL;
	struct sender *snd = NULL;
	struct msg **held = NULL;
	size_t nheld = 0;
	/* http:// and private addresses only where the configuration allows
	 * private targets (a test, a receiver on the same network) */
	struct send_opts o = {.allow_http = r->c->allow_private,
			      .allow_private = r->c->allow_private};
	enum lg_status st = loop_new(&l, err);
	if (st == LG_OK)
		st = sender_new(&snd, l, &o, err);
	struct lg_buf auth = LG_BUF_INIT;
	bool more = true;
	r->mono0 = lg_now_mono();
	double flushed = r->mono0;
	while (st == LG_OK) {
		if (more && sender_pending(snd) < SEND_TRANSFERS_DEFAULT) {
			size_t got = 0;
			st = take(r, snd, RUN_TAKE, &auth, &held, &nheld, &got, err);
			more = got == RUN_TAKE;
		}
		if (st != LG_OK || (!more && !sender_pending(snd) && !r->ndone))
			break;
		if (sender_pending(snd))
			loop_step(l, 1000);
		/* a commit for every FLUSH_MAX outcomes or FLUSH_MS, not for
		 * each turn of the loop (which may bring one) */
		if (r->ndone >= FLUSH_MAX || !sender_pending(snd) ||
		    lg_now_mono() - flushed >= FLUSH_MS / 1000.0) {
			flush(r);
			flushed = lg_now_mono();
		}
	}
	if (auth.data)
		memset(auth.data, 0, auth.cap); /* a token does not outlive its use */
	lg_buf_release(&auth);
	sender_free(snd); /* what was still running stays claimed until its claim lapses */
	loop_free(l);
	flush(r);
	/* the held back: due again for the next run */
	if (nheld) {
		struct lg_err e = {{0}};
		enum lg_status s2 = record(r, held, nheld, &e);
		if (s2 != LG_OK && r->st == LG_OK) {
			r->st = s2;
			r->err = e;
		}
	}
	free(held);
	if (st == LG_OK && r->st != LG_OK) {
		st = r->st;
		*err = r->err;
	}
	return st;
}

static void run_clear(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		msg_free(r->m[i]);
	r->n = 0;
	r->ndone = 0;
}

enum lg_status job_handoff_run(const struct job_handoff_opts *o, struct job_handoff_run_report *rep,
			       struct lg_err *err)
{
	memset(rep, 0, sizeof(*rep));
	const struct route_conf *c = &o->conf->handoff;
	struct run r = {.c = c, .now = o->now, .rep = rep};
	r.keys = lg_xcalloc(c->n_team ? c->n_team : 1, sizeof(*r.keys));
	enum lg_status st = LG_OK;
	for (size_t t = 0; t < c->n_team && st == LG_OK; t++)
		if (c->team[t].secret)
			st = sign_key_parse(&r.keys[t], c->team[t].secret, err);
	if (st == LG_OK && c->secret)
		st = sign_key_parse(&r.svc_key, c->secret, err);
	/* the CRMs' tokens: one that will not read holds its target's
	 * messages back (pending) and fails the run once the rest is sent */
	tokens_load(&r);
	if (st == LG_OK)
		st = store_open(&r.s, o->db, STORE_WRITE, err);
	if (st == LG_OK)
		st = assign_waiting(r.s, o->conf, o->now, rep, err);
	if (st == LG_OK)
		st = apply_sla(r.s, c, o->now, rep, err);
	if (st == LG_OK)
		st = deliver(&r, err);
	run_clear(&r);
	free(r.m);
	free(r.done);
	secrets_free(&r);
	if (st == LG_OK && r.token_st != LG_OK) {
		st = r.token_st;
		*err = r.token_err;
	}
	store_close(r.s);
	return st;
}

/* ---- the service's drain: the same steps, split between threads ---- */

struct job_handoff_drain {
	struct run r;
	const struct conf *conf;
	struct job_handoff_run_report rep;
	size_t left; /* submitted, not called back yet */
	void (*all_done)(void *arg);
	void *arg;
};

enum lg_status job_handoff_drain_new(struct job_handoff_drain **out, const struct conf *c,
				     struct lg_err *err)
{
	struct job_handoff_drain *d = lg_xcalloc(1, sizeof(*d));
	const struct route_conf *rc = &c->handoff;
	enum lg_status st = LG_OK;
	*out = d;
	d->conf = c;
	d->r.c = rc;
	d->r.rep = &d->rep;
	d->r.keys = lg_xcalloc(rc->n_team ? rc->n_team : 1, sizeof(*d->r.keys));
	for (size_t t = 0; t < rc->n_team && st == LG_OK; t++)
		if (rc->team[t].secret)
			st = sign_key_parse(&d->r.keys[t], rc->team[t].secret, err);
	if (st == LG_OK && rc->secret)
		st = sign_key_parse(&d->r.svc_key, rc->secret, err);
	/* a token that will not read keeps its target's messages pending,
	 * as in handoff run; the service says so at its start */
	tokens_load(&d->r);
	if (st == LG_OK && d->r.token_st != LG_OK) {
		st = d->r.token_st;
		*err = d->r.token_err;
	}
	return st;
}

static void drain_clear(struct job_handoff_drain *d)
{
	run_clear(&d->r);
	d->left = 0;
}

void job_handoff_drain_free(struct job_handoff_drain *d)
{
	if (!d)
		return;
	drain_clear(d);
	free(d->r.m);
	free(d->r.done);
	secrets_free(&d->r);
	free(d);
}

static enum lg_status count_due(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	(void)h;
	(void)err;
	++*(size_t *)arg;
	return LG_OK;
}

enum lg_status job_handoff_drain_take(struct job_handoff_drain *d, struct store *s, int64_t now,
				      size_t max, struct lg_err *err)
{
	drain_clear(d);
	memset(&d->rep, 0, sizeof(d->rep));
	d->r.s = s;
	d->r.now = now;
	/* Looked at first without the write lock: a round comes every
	 * second, and would otherwise take the lock from a bulk job's
	 * writer every second for nothing. */
	size_t due = 0, waiting = 0, got = 0;
	enum lg_status st = store_handoffs_due(s, now, count_due, &due, err);
	if (st == LG_OK && due)
		st = apply_sla(s, d->r.c, now, &d->rep, err);
	if (st == LG_OK)
		st = store_handoffs_unassigned(s, count_due, &waiting, err);
	if (st == LG_OK && waiting)
		st = assign_waiting(s, d->conf, now, &d->rep, err);
	/* the round's messages all go to the sender at once: claimed for
	 * as many turns of it */
	if (st == LG_OK)
		st = store_outbox_take(s, now, now + claim_s(max), max, on_msg, &d->r, &got, err);
	if (st != LG_OK)
		run_clear(&d->r); /* not claimed: nothing taken */
	for (size_t i = 0; i < d->r.n; i++)
		d->r.m[i]->claim = now + claim_s(max);
	d->r.s = NULL;
	return st;
}

size_t job_handoff_drain_taken(const struct job_handoff_drain *d)
{
	return d->r.n;
}

static void on_drained(void *arg, const struct send_result *res)
{
	struct msg *m = arg;
	struct job_handoff_drain *d = (struct job_handoff_drain *)m->run;
	m->res = *res;
	m->done = true;
	if (--d->left == 0 && d->all_done)
		d->all_done(d->arg);
}

enum lg_status job_handoff_drain_send(struct job_handoff_drain *d, struct sender *snd,
				      void (*all_done)(void *arg), void *arg, struct lg_err *err)
{
	d->all_done = all_done;
	d->arg = arg;
	d->left = 0;
	int64_t ts = lg_now_wall(); /* webhook-timestamp: the real time, for replay checks */
	/* Counted before any submit: a call back never comes from inside
	 * sender_submit, so the count cannot reach 0 before they are all in. */
	for (size_t i = 0; i < d->r.n; i++) {
		struct msg *m = d->r.m[i];
		m->run = &d->r; /* the first member: the drain */
		m->done = false;
		d->left++;
	}
	enum lg_status st = LG_OK;
	size_t refused = 0;
	struct lg_buf auth = LG_BUF_INIT;
	for (size_t i = 0; i < d->r.n; i++) {
		struct msg *m = d->r.m[i];
		struct send_msg sm;
		const char *headers[2];
		struct lg_err e = {{0}};
		if (!request_of(&d->r, m, ts, &auth, headers, &sm)) {
			/* not sent now: its team or token is missing; its
			 * claim left to lapse (released, the next round,
			 * woken by that very commit, would take it again at
			 * once, and again) */
			m->held = true;
			refused++;
			continue;
		}
		enum lg_status s2 = st == LG_OK ? sender_submit(snd, &sm, on_drained, m, &e) : st;
		d->rep.sent += s2 == LG_OK;
		if (s2 == LG_OK)
			continue;
		/* not sendable at all (its scheme): as refused; or the sender
		 * failing: its claim left to lapse, tried again then */
		m->done = s2 == LG_EDATA;
		m->held = s2 != LG_EDATA;
		m->res = (struct send_result){.outcome = SEND_REFUSED};
		snprintf(m->res.detail, sizeof(m->res.detail), "%s", e.msg);
		if (s2 != LG_EDATA && st == LG_OK) {
			st = s2;
			*err = e;
		}
		refused++;
	}
	if (auth.data)
		memset(auth.data, 0, auth.cap);
	lg_buf_release(&auth);
	d->left -= refused;
	return st;
}

size_t job_handoff_drain_left(const struct job_handoff_drain *d)
{
	return d->left;
}

void job_handoff_drain_outcomes(const struct job_handoff_drain *d,
				void (*fn)(void *arg, const char *target, const char *outcome),
				void *arg)
{
	for (size_t i = 0; i < d->r.n; i++)
		if (d->r.m[i]->done)
			fn(arg, d->r.m[i]->target, send_outcome_name(d->r.m[i]->res.outcome));
}

enum lg_status job_handoff_drain_record(struct job_handoff_drain *d, struct store *s,
					struct job_handoff_run_report *rep, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	struct run *r = &d->r;
	r->s = s;
	/* the round's outcomes in one transaction (what was held keeps its
	 * claim until it lapses) */
	r->ndone = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->m[i]->done && !r->m[i]->held)
			done_add(r, r->m[i]);
	if (s)
		st = record(r, r->done, r->ndone, err);
	r->ndone = 0;
	r->s = NULL;
	if (rep)
		*rep = d->rep;
	drain_clear(d);
	return st;
}

/* ---- status, retry ---- */

enum lg_status job_handoff_status(const struct job_handoff_opts *o,
				  enum lg_status (*fn)(void *arg, const struct store_outbox_count *c,
						       struct lg_err *err),
				  void *arg, unsigned long *unassigned, struct lg_err *err)
{
	struct store *s = NULL;
	enum lg_status st = store_open(&s, o->db, STORE_READ, err);
	if (st == LG_OK)
		st = store_outbox_counts(s, fn, arg, unassigned, err);
	store_close(s);
	return st;
}

enum lg_status job_handoff_retry(const struct job_handoff_opts *o, const char *id, unsigned long *n,
				 struct lg_err *err)
{
	struct store *s = NULL;
	enum lg_status st = store_open(&s, o->db, STORE_WRITE, err);
	if (st == LG_OK && (st = store_begin(s, err)) == LG_OK) {
		st = store_outbox_retry(s, id, o->now, n, err);
		if (st == LG_OK)
			st = store_commit(s, err);
		else
			store_rollback(s);
	}
	if (st == LG_OK && id && !*n)
		st = lg_err_set(err, LG_ENOINPUT, "%s: no such message in the outbox", id);
	store_close(s);
	return st;
}
