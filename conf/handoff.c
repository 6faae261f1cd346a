/*
 * handoff.c - [handoff], [route.NAME], [team.NAME] and [rep.NAME]: who
 * gets a qualified lead, and how fast they must take it (handoff/route.h).
 *
 *   [handoff]      on = hql, sql; sla = 5m; allow_private_targets = no;
 *                  link_base = https://leadgate.ourco.example,
 *                  link_secret = whsec_..., link_ttl = 3d (the accept link);
 *                  secret = whsec_... (the service's own events:
 *                  job.completed, list.gate_changed); events = URL (where
 *                  list.gate_changed goes)
 *   [route.NAME]   team = NAME, and conditions, one key each, that must
 *                  all hold: stage = sql, grade = A, B1, region = emea,
 *                  industry = ..., employees = 200.. (or ..49, 50..199,
 *                  200), source = ..., list = ...; none: every lead.
 *                  Routes count in file order, the first that matches wins
 *   [team.NAME]    reps = ana, ben (in rotation order), webhook, secret,
 *                  slack, hubspot, hubspot_token, salesforce,
 *                  salesforce_token, salesforce_version, salesforce_field,
 *                  sla, escalation
 *   [rep.NAME]     email, slack, weight, cap, hours, tz, available
 *
 * Names are letters, digits, '_' and '-', compared ignoring case.  A
 * section may come before the one it names: references are resolved once
 * the file is read (conf_finish_handoff), so an error there names the
 * line of the reference.
 *
 * link_ttl's default, 3 days: a lead handed off late on a Friday is
 * still accepted with one click on Monday morning (Friday 17:30 to Monday
 * 09:00 is 63.5 hours); a longer life only widens the time in which a
 * forwarded or leaked link works.
 */
#include "conf.h"
#include "conf_int.h"
#include "handoff/targets.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define SLA_MAX (7 * 86400)
#define LINK_TTL_MAX (30 * 86400)
#define WORDS_MAX 256 /* values of one condition */

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > ROUTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lg_ascii_is_alpha((unsigned char)s[i]) &&
		    !lg_ascii_is_digit((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "route.x" -> 'r', "team.x" -> 't', "rep.x" -> 'p', and *rest "x"; 0
 * for another section. */
static char kind_of(const char *section, const char **rest)
{
	static const struct {
		const char *prefix;
		size_t n;
		char kind;
	} kinds[] = {{"route.", 6, 'r'}, {"team.", 5, 't'}, {"rep.", 4, 'p'}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (!strncmp(section, kinds[i].prefix, kinds[i].n)) {
			*rest = section + kinds[i].n;
			return kinds[i].kind;
		}
	return 0;
}

bool conf_handoff_section(const char *section)
{
	const char *rest;
	if (!strcmp(section, "handoff"))
		return true;
	return kind_of(section, &rest) && name_ok(rest);
}

static const char *low_dup(struct conf *c, const char *s)
{
	char *d = lg_arena_memdup(&c->arena, s, strlen(s));
	lg_ascii_lower_copy(d, d, strlen(d));
	return d;
}

static long rule_find(const struct route_conf *h, const char *name)
{
	for (size_t i = 0; i < h->n_rule; i++)
		if (lg_ascii_eq(h->rule[i].name, strlen(h->rule[i].name), name, strlen(name)))
			return (long)i;
	return -1;
}

void conf_handoff_open(struct conf *c, const char *section, unsigned line)
{
	struct route_conf *h = &c->handoff;
	const char *name;
	switch (kind_of(section, &name)) {
	case 'r':
		if (rule_find(h, name) >= 0)
			return;
		h->rule = lg_xrealloc(h->rule, (h->n_rule + 1) * sizeof(*h->rule));
		h->rule[h->n_rule] = (struct route_rule){
			.name = low_dup(c, name),
			.employees_min = -1,
			.employees_max = -1,
			.line = line,
		};
		h->n_rule++;
		return;
	case 't':
		if (route_team_find(h, name) >= 0)
			return;
		h->team = lg_xrealloc(h->team, (h->n_team + 1) * sizeof(*h->team));
		h->team[h->n_team] = (struct route_team){
			.name = low_dup(c, name),
			.escalation_rep = -1,
			.line = line,
		};
		h->n_team++;
		return;
	case 'p':
		for (size_t i = 0; i < h->n_rep; i++)
			if (lg_ascii_eq(h->rep[i].name, strlen(h->rep[i].name), name, strlen(name)))
				return;
		h->rep = lg_xrealloc(h->rep, (h->n_rep + 1) * sizeof(*h->rep));
		h->rep[h->n_rep] = (struct route_rep){
			.name = low_dup(c, name),
			.weight = 1,
			.tz = "UTC",
			.available = true,
			.line = line,
		};
		h->n_rep++;
		return;
	default: return;
	}
}

/* Split val at commas into trimmed words, each passed to fn; an empty
 * one is an error. */
static enum lg_status each_word(const char *val, const char *name, unsigned line, const char *key,
				enum lg_status (*fn)(void *arg, const char *w, struct lg_err *err),
				void *arg, struct lg_err *err)
{
	const char *p = val;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *w = p;
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char word[256];
		lg_ascii_trim(&w, &n);
		if (!n)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s has an empty item in '%s'",
					  name, line, key, val);
		if (n >= sizeof(word))
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s has an item too long", name,
					  line, key);
		memcpy(word, w, n);
		word[n] = '\0';
		struct lg_err sub;
		if (fn(arg, word, &sub) != LG_OK)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", name, line, key,
					  sub.msg);
		if (!comma)
			return LG_OK;
		p = comma + 1;
	}
}

/* ---- [handoff] --------------------------------------------------------------- */

static enum lg_status on_word(void *arg, const char *w, struct lg_err *err)
{
	unsigned *on = arg;
	enum scoring_stage s;
	if (!scoring_stage_parse(w, strlen(w), &s) ||
	    (s != SCORING_MQL && s != SCORING_HQL && s != SCORING_SQL))
		return lg_err_set(err, LG_ECONFIG, "'%s' is not mql, hql or sql", w);
	*on |= 1u << s;
	return LG_OK;
}

static enum lg_status duration(const char *val, int64_t lo, int64_t hi, const char *range,
			       int64_t *out, const char *name, unsigned line, const char *key,
			       struct lg_err *err)
{
	int64_t v;
	if (!lg_parse_duration(val, &v) || v < lo || v > hi)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: %s wants a duration from %s (30s, 5m, 1h), not '%s'",
				  name, line, key, range, val);
	*out = v;
	return LG_OK;
}

static bool url_ok(const char *u);
static const char *secret_problem(const char *s);

static enum lg_status set_handoff(struct conf *c, const char *key, const char *val,
				  const char *name, unsigned line, struct lg_err *err)
{
	struct route_conf *h = &c->handoff;
	if (!strcmp(key, "on")) {
		unsigned on = 0;
		enum lg_status st = each_word(val, name, line, key, on_word, &on, err);
		if (st == LG_OK)
			h->on = on;
		return st;
	}
	if (!strcmp(key, "sla"))
		return duration(val, 1, SLA_MAX, "1s to 7d", &h->sla, name, line, key, err);
	if (!strcmp(key, "link_ttl"))
		return duration(val, 60, LINK_TTL_MAX, "1m to 30d", &h->link_ttl, name, line, key,
				err);
	if (!strcmp(key, "link_base")) {
		/* the links append /v1/handoffs/...: a base with a query or a
		 * fragment would swallow them */
		if (!url_ok(val) || strpbrk(val, "?#"))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: link_base wants the service's public URL "
					  "(https://leadgate.ourco.example), not '%s'",
					  name, line, val);
		h->link_base = lg_arena_memdup(&c->arena, val, strlen(val));
		h->link_base_line = line;
		return LG_OK;
	}
	if (!strcmp(key, "link_secret") || !strcmp(key, "secret")) {
		const char *why = secret_problem(val);
		if (why)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s %s", name, line, key, why);
		*(key[0] == 'l' ? &h->link_secret : &h->secret) = lg_arena_memdup(&c->arena, val,
										  strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "events")) {
		if (!url_ok(val))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: events wants an http:// or https:// URL, not '%s'", name,
				line, val);
		h->events = lg_arena_memdup(&c->arena, val, strlen(val));
		h->events_line = line;
		return LG_OK;
	}
	if (!strcmp(key, "allow_private_targets")) {
		if (!conf_parse_bool(val, &h->allow_private))
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s wants yes or no, not '%s'",
					  name, line, key, val);
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [handoff]", name, line, key);
}

/* ---- [route.NAME] ------------------------------------------------------------ */

static enum lg_status stage_word(void *arg, const char *w, struct lg_err *err)
{
	unsigned *stages = arg;
	enum scoring_stage s;
	if (!scoring_stage_parse(w, strlen(w), &s))
		return lg_err_set(err, LG_ECONFIG,
				  "'%s' is no stage (lead, mql, pql, hql, sal, sql, recycled, "
				  "disqualified)",
				  w);
	*stages |= 1u << s;
	return LG_OK;
}

static enum lg_status grade_word(void *arg, const char *w, struct lg_err *err)
{
	struct route_rule *r = arg;
	size_t n = strlen(w);
	unsigned fit = (unsigned)(lg_ascii_lower((unsigned char)w[0]) - 'a');
	if (fit > 3 || n > 2 || (n == 2 && (w[1] < '1' || w[1] > '4')))
		return lg_err_set(err, LG_ECONFIG,
				  "'%s' is no grade (a letter A to D, or a letter and a digit 1 "
				  "to 4: \"A\", \"B2\")",
				  w);
	if (n == 1)
		r->grade_fit |= 1u << fit;
	else
		r->grade_full |= 1u << (fit * 4 + (unsigned)(w[1] - '1'));
	return LG_OK;
}

struct words_arg {
	struct conf *c;
	struct route_words *w;
};

static enum lg_status add_word(void *arg, const char *w, struct lg_err *err)
{
	struct words_arg *a = arg;
	if (a->w->n >= WORDS_MAX)
		return lg_err_set(err, LG_ECONFIG, "more than %d values", WORDS_MAX);
	a->w->item = lg_xrealloc(a->w->item, (a->w->n + 1) * sizeof(*a->w->item));
	a->w->item[a->w->n++] = low_dup(a->c, w);
	return LG_OK;
}

/* "200..", "..49", "50..199" or "200". */
static bool employees_of(const char *val, long *lo, long *hi)
{
	const char *dots = strstr(val, "..");
	char a[24], b[24];
	if (!dots) {
		if (!lg_parse_long(val, 0, 100000000, lo))
			return false;
		*hi = *lo;
		return true;
	}
	size_t an = (size_t)(dots - val), bn = strlen(dots + 2);
	if ((!an && !bn) || an >= sizeof(a) || bn >= sizeof(b))
		return false;
	memcpy(a, val, an);
	a[an] = '\0';
	memcpy(b, dots + 2, bn + 1);
	*lo = *hi = -1;
	if (an && !lg_parse_long(a, 0, 100000000, lo))
		return false;
	if (bn && !lg_parse_long(b, 0, 100000000, hi))
		return false;
	return *hi < 0 || *lo <= *hi;
}

static enum lg_status set_route(struct conf *c, struct route_rule *r, const char *key,
				const char *val, const char *name, unsigned line,
				struct lg_err *err)
{
	if (!strcmp(key, "team")) {
		if (!name_ok(val))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: team wants a team's name (letters, digits, '_', "
					  "'-'), not '%s'",
					  name, line, val);
		r->team_name = low_dup(c, val);
		r->team_line = line;
		return LG_OK;
	}
	if (!strcmp(key, "stage")) {
		r->stages = 0;
		return each_word(val, name, line, key, stage_word, &r->stages, err);
	}
	if (!strcmp(key, "grade")) {
		r->grade_fit = r->grade_full = 0;
		return each_word(val, name, line, key, grade_word, r, err);
	}
	if (!strcmp(key, "employees")) {
		if (!employees_of(val, &r->employees_min, &r->employees_max))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: employees wants a number or a range: 200.., ..49, "
				"50..199, not '%s'",
				name, line, val);
		return LG_OK;
	}
	for (int a = 0; a < ROUTE_ATTR_COUNT; a++) {
		if (strcmp(key, route_attr_name((enum route_attr)a)) != 0)
			continue;
		struct words_arg arg = {c, &r->attr[a]};
		r->attr[a].n = 0; /* a repeated key replaces */
		return each_word(val, name, line, key, add_word, &arg, err);
	}
	return lg_err_set(err, LG_ECONFIG,
			  "%s:%u: unknown key '%s' in [route.%s] (team, stage, grade, region, "
			  "industry, employees, source, list)",
			  name, line, key, r->name);
}

/* ---- [team.NAME] ------------------------------------------------------------- */

static bool url_ok(const char *u)
{
	size_t skip = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
	if (!skip || !u[skip] || u[skip] == '/')
		return false;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* The Standard Webhooks secret: "whsec_" and the base64 of the key,
 * 24 to 64 bytes (the specification's range). */
static const char *secret_problem(const char *s)
{
	if (strncmp(s, "whsec_", 6) != 0)
		return "starts with whsec_ (a Standard Webhooks secret)";
	const char *b = s + 6;
	size_t n = strlen(b), pad = 0;
	if (!n || n % 4)
		return "wants base64 after whsec_ (a multiple of 4 characters)";
	for (size_t i = 0; i < n; i++) {
		char ch = b[i];
		if (ch == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad || !(lg_ascii_is_alpha((unsigned char)ch) ||
			     lg_ascii_is_digit((unsigned char)ch) || ch == '+' || ch == '/'))
			return "wants base64 after whsec_ (A-Z a-z 0-9 + /, '=' at the end)";
	}
	size_t bytes = n / 4 * 3 - pad;
	if (bytes < 24 || bytes > 64)
		return "wants a key of 24 to 64 bytes after whsec_";
	return NULL;
}

/* A CRM's token as [esp]'s secrets are written: the token itself,
 * "env:NAME" or "file:PATH" (relative to the file's directory); read when
 * a message is sent (conf_handoff_token). */
static enum lg_status set_token(struct conf *c, const char **spec, unsigned *at, const char *key,
				const char *val, const char *name, unsigned line, const char *dir,
				struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	if (!*val || strpbrk(val, "\r\n"))
		return lg_err_set(err, LG_ECONFIG, "%s:%u: %s wants a token, env:NAME or file:PATH",
				  name, line, key);
	if (!strncmp(val, "env:", 4) && !conf_env_name_ok(val + 4))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: %s: '%s' is not an environment variable's name", name,
				  line, key, val + 4);
	if (!strncmp(val, "file:", 5)) {
		if (!val[5])
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: file: names no file", name,
					  line, key);
		lg_buf_adds(&b, "file:");
		if (val[5] != '/' && dir)
			lg_buf_addf(&b, "%s/", dir);
		lg_buf_adds(&b, val + 5);
	} else {
		lg_buf_adds(&b, val);
	}
	*spec = lg_arena_memdup(&c->arena, b.data, b.len);
	*at = line;
	lg_buf_release(&b);
	return LG_OK;
}

#define TOKEN_FILE_MAX (64u * 1024)

enum lg_status conf_handoff_token(const struct route_conf *h, const struct route_team *t,
				  enum target_kind k, struct lg_buf *out, struct lg_err *err)
{
	const char *spec = k == TARGET_HUBSPOT ? t->hubspot_token : t->salesforce_token;
	const char *file = h->file ? h->file : "configuration";
	const char *key = k == TARGET_HUBSPOT ? "hubspot_token" : "salesforce_token";
	unsigned line = k == TARGET_HUBSPOT ? t->hubspot_token_line : t->salesforce_token_line;
	out->len = 0;
	if (k == TARGET_SLACK || !spec)
		return LG_OK;
	if (!strncmp(spec, "env:", 4)) {
		const char *v = getenv(spec + 4);
		if (!v || !*v)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: $%s is %s", file, line, key,
					  spec + 4, v ? "empty" : "not set");
		lg_buf_adds(out, v);
	} else if (!strncmp(spec, "file:", 5)) {
		struct lg_err sub;
		if (lg_read_file(spec + 5, TOKEN_FILE_MAX, out, &sub) != LG_OK)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", file, line, key,
					  sub.msg);
		/* what `echo token > file` writes: the token and a line end */
		if (out->len && out->data[out->len - 1] == '\n')
			out->len--;
		if (out->len && out->data[out->len - 1] == '\r')
			out->len--;
	} else {
		lg_buf_adds(out, spec);
	}
	lg_buf_addc(out, '\0');
	out->len--;
	if (!out->len || strlen(out->data) != out->len || strpbrk(out->data, "\r\n"))
		return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", file, line, key,
				  out->len ? "not one line of text" : "is empty");
	return LG_OK;
}

static enum lg_status set_team(struct conf *c, struct route_team *t, const char *key,
			       const char *val, const char *name, unsigned line, const char *dir,
			       struct lg_err *err)
{
	if (!strcmp(key, "reps")) {
		/* names, resolved once the file is read (conf_finish_handoff) */
		struct words_arg arg = {c, &t->rep_names};
		t->rep_names.n = 0; /* a repeated key replaces */
		t->reps_line = line;
		return each_word(val, name, line, key, add_word, &arg, err);
	}
	if (!strcmp(key, "webhook") || !strcmp(key, "slack")) {
		if (!url_ok(val))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: %s wants an http:// or https:// URL, not '%s'",
					  name, line, key, val);
		const char *v = lg_arena_memdup(&c->arena, val, strlen(val));
		if (key[0] == 'w')
			t->webhook = v;
		else
			t->slack = v;
		return LG_OK;
	}
	if (!strcmp(key, "secret")) {
		const char *why = secret_problem(val);
		if (why)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: secret %s", name, line, why);
		t->secret = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "hubspot") || !strcmp(key, "salesforce")) {
		if (!url_ok(val))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: %s wants an http:// or https:// URL (%s), not '%s'", name,
				line, key,
				key[0] == 'h' ? "the API's, " TARGET_HUBSPOT_BASE
					      : "the org's instance",
				val);
		const char *v = lg_arena_memdup(&c->arena, val, strlen(val));
		if (key[0] == 'h') {
			t->hubspot = v;
			t->hubspot_line = line;
		} else {
			t->salesforce = v;
			t->salesforce_line = line;
		}
		return LG_OK;
	}
	if (!strcmp(key, "hubspot_token") || !strcmp(key, "salesforce_token"))
		return set_token(c, key[0] == 'h' ? &t->hubspot_token : &t->salesforce_token,
				 key[0] == 'h' ? &t->hubspot_token_line : &t->salesforce_token_line,
				 key, val, name, line, dir, err);
	if (!strcmp(key, "salesforce_version") || !strcmp(key, "salesforce_field")) {
		/* checked by the builder itself once the file is read */
		const char *v = lg_arena_memdup(&c->arena, val, strlen(val));
		if (!strcmp(key, "salesforce_version"))
			t->salesforce_version = v;
		else
			t->salesforce_field = v;
		return LG_OK;
	}
	if (!strcmp(key, "sla"))
		return duration(val, 1, SLA_MAX, "1s to 7d", &t->sla, name, line, key, err);
	if (!strcmp(key, "escalation")) {
		if (!strchr(val, '@') && !name_ok(val))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: escalation wants a rep's name or an email "
					  "address, not '%s'",
					  name, line, val);
		t->escalation = low_dup(c, val);
		t->escalation_line = line;
		return LG_OK;
	}
	return lg_err_set(
		err, LG_ECONFIG,
		"%s:%u: unknown key '%s' in [team.%s] (reps, webhook, secret, slack, "
		"hubspot, hubspot_token, salesforce, salesforce_token, salesforce_version, "
		"salesforce_field, sla, escalation)",
		name, line, key, t->name);
}

/* ---- [rep.NAME] ----------------------------------------------------------------- */

static enum lg_status set_rep(struct conf *c, struct route_rep *r, const char *key, const char *val,
			      const char *name, unsigned line, struct lg_err *err)
{
	long v;
	if (!strcmp(key, "email")) {
		const char *at = strchr(val, '@');
		if (!at || at == val || !at[1] || strchr(at + 1, '@') || strpbrk(val, " \t,<>"))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: email wants an address, not '%s'", name, line,
					  val);
		r->email = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "slack")) {
		/* a member id: "U024BE7LH", "W012A3CDE" */
		for (const char *p = val; *p; p++)
			if (!(*p >= 'A' && *p <= 'Z') && !lg_ascii_is_digit((unsigned char)*p))
				return lg_err_set(err, LG_ECONFIG,
						  "%s:%u: slack wants a Slack member id "
						  "(\"U024BE7LH\"), not '%s'",
						  name, line, val);
		r->slack = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "weight")) {
		if (!lg_parse_long(val, 1, ROUTE_WEIGHT_MAX, &v))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: weight wants a whole number from 1 to %d, not "
					  "'%s'",
					  name, line, ROUTE_WEIGHT_MAX, val);
		r->weight = (unsigned)v;
		return LG_OK;
	}
	if (!strcmp(key, "cap")) {
		if (!strcmp(val, "none")) {
			r->cap = 0;
			return LG_OK;
		}
		if (!lg_parse_long(val, 1, 100000, &v))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: cap wants handoffs a day, a whole number from 1 "
					  "to 100000 (or none), not '%s'",
					  name, line, val);
		r->cap = (unsigned)v;
		return LG_OK;
	}
	if (!strcmp(key, "hours")) {
		const char *why;
		if (!route_hours_parse(val, &r->hours, &why))
			return lg_err_set(err, LG_ECONFIG, "%s:%u: hours '%s' %s", name, line, val,
					  why);
		return LG_OK;
	}
	if (!strcmp(key, "tz")) {
		if (!route_zone_ok(val))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: tz '%s' is no IANA time zone (\"Europe/Berlin\", "
					  "\"America/New_York\", \"UTC\")",
					  name, line, val);
		r->tz = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "available")) {
		if (!conf_parse_bool(val, &r->available))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: available wants yes or no, not '%s'", name, line,
					  val);
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG,
			  "%s:%u: unknown key '%s' in [rep.%s] (email, slack, weight, cap, hours, "
			  "tz, available)",
			  name, line, key, r->name);
}

enum lg_status conf_set_handoff(struct conf *c, const char *section, const char *key,
				const char *val, const char *name, unsigned line, const char *dir,
				struct lg_err *err)
{
	struct route_conf *h = &c->handoff;
	const char *sub;
	long i;
	switch (kind_of(section, &sub)) {
	case 'r':
		if ((i = rule_find(h, sub)) < 0)
			BUG("[%s] not opened", section);
		return set_route(c, &h->rule[i], key, val, name, line, err);
	case 't':
		if ((i = route_team_find(h, sub)) < 0)
			BUG("[%s] not opened", section);
		return set_team(c, &h->team[i], key, val, name, line, dir, err);
	case 'p':
		for (size_t k = 0; k < h->n_rep; k++)
			if (lg_ascii_eq(h->rep[k].name, strlen(h->rep[k].name), sub, strlen(sub)))
				return set_rep(c, &h->rep[k], key, val, name, line, err);
		BUG("[%s] not opened", section);
	default: return set_handoff(c, key, val, name, line, err);
	}
}

static long rep_by_name(const struct route_conf *h, const char *name)
{
	for (size_t i = 0; i < h->n_rep; i++)
		if (!strcmp(h->rep[i].name, name))
			return (long)i;
	return -1;
}

/* A CRM target and its token go together; Salesforce's version and
 * field are checked by the builder that uses them (targets.c), on a
 * made-up lead, so that there is one rule. */
static enum lg_status finish_crm(const struct route_team *t, const char *name, struct lg_err *err)
{
	static const struct {
		const char *key, *token_key;
		size_t url, token, url_line, token_line;
	} crm[] = {
		{"hubspot", "hubspot_token", offsetof(struct route_team, hubspot),
		 offsetof(struct route_team, hubspot_token),
		 offsetof(struct route_team, hubspot_line),
		 offsetof(struct route_team, hubspot_token_line)},
		{"salesforce", "salesforce_token", offsetof(struct route_team, salesforce),
		 offsetof(struct route_team, salesforce_token),
		 offsetof(struct route_team, salesforce_line),
		 offsetof(struct route_team, salesforce_token_line)},
	};
	for (size_t i = 0; i < sizeof(crm) / sizeof(*crm); i++) {
		const char *url = *(const char *const *)(const void *)((const char *)t + crm[i].url);
		const char *tok = *(const char *const *)(const void *)((const char *)t +
								       crm[i].token);
		unsigned ul = *(const unsigned *)(const void *)((const char *)t + crm[i].url_line);
		unsigned tl = *(const unsigned *)(const void *)((const char *)t + crm[i].token_line);
		if (url && !tok)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: [team.%s] has %s and no %s (the API's token, "
					  "env:NAME or file:PATH)",
					  name, ul, t->name, crm[i].key, crm[i].token_key);
		if (tok && !url)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: [team.%s] has %s and no %s",
					  name, tl, t->name, crm[i].token_key, crm[i].key);
	}
	if ((t->salesforce_version || t->salesforce_field) && !t->salesforce)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: [team.%s] has salesforce_%s and no salesforce", name,
				  t->line, t->name, t->salesforce_version ? "version" : "field");
	if (!t->salesforce)
		return LG_OK;
	struct target_conf tc = {.url = t->salesforce,
				 .version = t->salesforce_version,
				 .field = t->salesforce_field};
	struct target_req req;
	struct lg_err sub;
	json_t *data = json_pack("{s:s}", "email", "a@example.com");
	enum lg_status st = target_salesforce(&tc, data, &req, &sub);
	json_decref(data);
	if (st != LG_OK)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: [team.%s] %s", name, t->salesforce_line,
				  t->name, sub.msg);
	target_req_release(&req);
	return LG_OK;
}

/* A plain http:// target is sent only with allow_private_targets (the
 * sender's rule: loopback and private test receivers): refused here,
 * where it can be fixed, rather than every message dead when sent. */
static enum lg_status plain_http(const struct route_conf *h, const char *url, const char *what,
				 const char *name, unsigned line, struct lg_err *err)
{
	if (!url || h->allow_private || strncmp(url, "http://", 7))
		return LG_OK;
	return lg_err_set(err, LG_ECONFIG,
			  "%s:%u: %s is http://, which is sent only with [handoff] "
			  "allow_private_targets = yes; use https://",
			  name, line, what);
}

enum lg_status conf_finish_handoff(struct conf *c, const char *name, struct lg_err *err)
{
	struct route_conf *h = &c->handoff;
	enum lg_status st;
	h->file = lg_arena_memdup(&c->arena, name, strlen(name));
	if (h->link_base && !h->link_secret)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: [handoff] has link_base and no link_secret (whsec_...): "
				  "accept links are signed",
				  name, h->link_base_line);
	for (size_t i = 0; i < h->n_rep; i++)
		if (!h->rep[i].email)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: [rep.%s] wants an email", name,
					  h->rep[i].line, h->rep[i].name);
	for (size_t i = 0; i < h->n_team; i++) {
		struct route_team *t = &h->team[i];
		if (!strcmp(t->name, ROUTE_TARGET_JOB) || !strcmp(t->name, ROUTE_TARGET_EVENTS))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: [team.%s]: the name is the outbox's for the "
					  "service's own events; name the team otherwise",
					  name, t->line, t->name);
		if (!t->rep_names.n)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: [team.%s] has no reps (reps = NAME, NAME...)",
					  name, t->reps_line ? t->reps_line : t->line, t->name);
		if (t->rep_names.n > ROUTE_TEAM_REPS_MAX)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: [team.%s] has more than %d reps",
					  name, t->reps_line, t->name, ROUTE_TEAM_REPS_MAX);
		free(t->rep);
		t->rep = lg_xcalloc(t->rep_names.n, sizeof(*t->rep));
		t->n_rep = 0;
		for (size_t k = 0; k < t->rep_names.n; k++) {
			const char *w = t->rep_names.item[k];
			long r = rep_by_name(h, w);
			if (r < 0)
				return lg_err_set(err, LG_ECONFIG,
						  "%s:%u: [team.%s] names rep '%s', which has no "
						  "[rep.%s]",
						  name, t->reps_line, t->name, w, w);
			for (size_t j = 0; j < k; j++)
				if (t->rep[j] == (size_t)r)
					return lg_err_set(err, LG_ECONFIG,
							  "%s:%u: [team.%s] names rep '%s' twice",
							  name, t->reps_line, t->name, w);
			t->rep[k] = (size_t)r;
			t->n_rep++;
		}
		if (t->webhook && !t->secret)
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: [team.%s] has a webhook and no secret (whsec_...): "
				"webhooks are signed",
				name, t->line, t->name);
		if ((st = finish_crm(t, name, err)) != LG_OK ||
		    (st = plain_http(h, t->webhook, "webhook", name, t->line, err)) != LG_OK ||
		    (st = plain_http(h, t->slack, "slack", name, t->line, err)) != LG_OK ||
		    (st = plain_http(h, t->hubspot, "hubspot", name, t->hubspot_line, err)) !=
			    LG_OK ||
		    (st = plain_http(h, t->salesforce, "salesforce", name, t->salesforce_line,
				     err)) != LG_OK)
			return st;
		if (t->escalation && !strchr(t->escalation, '@')) {
			t->escalation_rep = rep_by_name(h, t->escalation);
			if (t->escalation_rep < 0)
				return lg_err_set(err, LG_ECONFIG,
						  "%s:%u: escalation '%s' is no rep ([rep.%s]) and "
						  "no email address",
						  name, t->escalation_line, t->escalation,
						  t->escalation);
		}
	}
	if (h->events && !h->secret)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: [handoff] has events and no secret (whsec_...): the "
				  "service's events are signed",
				  name, h->events_line);
	if ((st = plain_http(h, h->events, "events", name, h->events_line, err)) != LG_OK)
		return st;
	for (size_t i = 0; i < h->n_rule; i++) {
		struct route_rule *r = &h->rule[i];
		if (!r->team_name)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: [route.%s] wants a team", name,
					  r->line, r->name);
		long t = route_team_find(h, r->team_name);
		if (t < 0)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: [route.%s] names team '%s', which has no "
					  "[team.%s]",
					  name, r->team_line, r->name, r->team_name, r->team_name);
		r->team = (size_t)t;
	}
	return LG_OK;
}
