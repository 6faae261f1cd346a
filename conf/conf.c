/*
 * conf.c - built-in lists and the configuration file loader.
 *
 * The file is INI-like:   [section]   key = value   # comment
 * (a comment starts at a '#' or ';' at the start of a line, or after white
 * space).
 * Unknown sections and keys are errors, so a typo in a key never goes
 * unnoticed.  List keys may repeat; each names a file whose entries are
 * added to the built-in list.  Relative paths are taken from the
 * configuration file's directory.
 *
 * Sections: [verify] (lists, typo detection), [decay] (freshness),
 * [gate] (the bounce-rate gate), [scoring] (conf/scoring.c), [serve]
 * (the service's listening address and limits), [events.map.NAME] (an
 * export of another shape for events import), [esp] (the credentials
 * of the bounce webhooks), [smtp] (conf/probe.c) and the handoff's
 * [handoff], [route.NAME], [team.NAME] and [rep.NAME] (conf/handoff.c).
 * Rates and probabilities are written as percentages, as people say them
 * ("2.1%"), and kept as fractions.
 */
#include "conf.h"
#include "conf_int.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif

#define CONF_MAX_FILE (64u * 1024 * 1024) /* a list file larger is refused */
#define DAY 86400
#define DAYS_MAX 3650 /* fresh_days, stale_days: ten years is already absurd */

static void list_push(struct conf_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->item = lg_xrealloc(l->item, l->cap * sizeof(*l->item));
	}
	l->item[l->n++] = s;
}

void conf_list_add_text(struct conf *c, struct conf_list *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(eol - p));
		const char *s = p;
		size_t n = (size_t)((hash ? hash : eol) - p);
		lg_ascii_trim(&s, &n);
		if (n) {
			char *e = lg_arena_memdup(&c->arena, s, n);
			lg_ascii_lower_copy(e, e, n);
			list_push(l, e);
		}
		p = eol + 1;
	}
}

static void add_builtin_maps(struct conf *c);
static enum lg_status finish_event_maps(struct conf *c, const char *name, struct lg_err *err);

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->typo_frequent_min = 20;
	c->dns_unanswered_max = 0.5;
	decay_policy_default(&c->decay);
	serve_conf_init(&c->serve);
	c->gate.threshold = 0.01;
	c->gate.prior[VERIFY_DELIVERABLE] = 0.005;
	c->gate.prior[VERIFY_RISKY] = 0.10;
	c->gate.prior[VERIFY_UNDELIVERABLE] = 1.0;
	c->gate.prior[VERIFY_UNKNOWN] = 0.25;
	c->gate.prior_confirmed = 0.002;
	c->gate.prior_accept_all = 0.15;
	c->gate.min_exported = 200;
	c->gate.z = 1.96; /* two-sided 95 % */
	esp_policy_init(&c->esp);
	conf_smtp_init(&c->smtp);
	route_conf_init(&c->handoff);
	conf_list_add_text(c, &c->role, conf_builtin_role, conf_builtin_role_len);
	conf_list_add_text(c, &c->free, conf_builtin_free, conf_builtin_free_len);
	conf_list_add_text(c, &c->disposable, conf_builtin_disposable, conf_builtin_disposable_len);
	conf_list_add_text(c, &c->typo, conf_builtin_typo, conf_builtin_typo_len);
	conf_list_add_text(c, &c->smtp_skip, conf_builtin_smtp_skip, conf_builtin_smtp_skip_len);
	scoring_rubric_default(&c->rubric);
	enum lg_status st = scoring_rubric_check(&c->rubric, NULL);
	assert(st == LG_OK); /* the defaults are valid */
	(void)st;
	add_builtin_maps(c);
	st = finish_event_maps(c, "built-in", NULL);
	assert(st == LG_OK); /* they name the default rubric's types */
	(void)st;
}

void conf_release(struct conf *c)
{
	free(c->role.item);
	free(c->free.item);
	free(c->disposable.item);
	free(c->typo.item);
	free(c->allow.item);
	free(c->smtp_skip.item);
	free(c->competitor.item);
	free(c->source_rate);
	for (size_t i = 0; i < c->n_event_map; i++) {
		free(c->event_map[i].type);
		free(c->event_map[i].type_line);
		free(c->event_map[i].skip);
	}
	free(c->event_map);
	route_conf_release(&c->handoff);
	free(c->path);
	lg_arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

bool conf_smtp_skip(const struct conf *c, const char *mx, size_t len)
{
	if (len > 0 && mx[len - 1] == '.')
		len--;
	for (size_t i = 0; i < c->smtp_skip.n; i++) {
		const char *s = c->smtp_skip.item[i];
		while (*s == '.') /* ".example.net" is written for "example.net" too */
			s++;
		size_t n = strlen(s);
		if (n == 0 || n > len || !lg_ascii_eq(mx + len - n, n, s, n))
			continue;
		if (n == len || mx[len - n - 1] == '.')
			return true;
	}
	return false;
}

void conf_decay_policy(const struct conf *c, const char *source, struct decay_policy *out)
{
	*out = c->decay;
	if (!source || !*source)
		return;
	size_t n = strlen(source);
	for (size_t i = 0; i < c->n_source_rate; i++) {
		const char *s = c->source_rate[i].source;
		if (lg_ascii_eq(s, strlen(s), source, n)) {
			out->monthly_rate = c->source_rate[i].monthly_rate;
			return;
		}
	}
}

/* Read a whole configuration or list file; *out is owned, free() it.
 * Any failure is a configuration error. */
static enum lg_status read_file(const char *path, char **out, size_t *outlen, struct lg_err *err)
{
	struct lg_buf b = LG_BUF_INIT;
	if (lg_read_file(path, CONF_MAX_FILE, &b, err) != LG_OK) {
		lg_buf_release(&b);
		return LG_ECONFIG;
	}
	lg_buf_grow(&b, 0);
	*out = b.data;
	*outlen = b.len;
	return LG_OK;
}

static struct conf_list *list_for_key(struct conf *c, const char *key)
{
	if (!strcmp(key, "role_list"))
		return &c->role;
	if (!strcmp(key, "free_list"))
		return &c->free;
	if (!strcmp(key, "disposable_list"))
		return &c->disposable;
	if (!strcmp(key, "typo_targets"))
		return &c->typo;
	if (!strcmp(key, "allow_list"))
		return &c->allow;
	return NULL;
}

static bool map_name_ok(const char *name);

static bool known_section(const char *section)
{
	return !strcmp(section, "verify") || !strcmp(section, "decay") ||
	       !strcmp(section, "gate") || !strcmp(section, "scoring") || !strcmp(section, "esp") ||
	       !strcmp(section, "serve") || !strcmp(section, "smtp") ||
	       conf_handoff_section(section) ||
	       (!strncmp(section, "events.map.", 11) && map_name_ok(section + 11));
}

/*
 * Parse the first n bytes of s as a decimal number in [lo, hi]: digits
 * with at most one decimal point, and a sign first only when signed.
 * Only those get to strtod, which alone would also take "nan", "inf",
 * "0x1p-3", "1e-2" and leading blanks - none of them a figure anyone
 * writes in a configuration.  strtod's decimal point is the locale's:
 * should a caller ever switch LC_NUMERIC, "2.1" fails the full-string
 * check instead of being misread.
 */
bool conf_parse_bool(const char *s, bool *out)
{
	size_t n = strlen(s);
	if (lg_ascii_eq(s, n, "yes", 3) || lg_ascii_eq(s, n, "true", 4) ||
	    lg_ascii_eq(s, n, "on", 2)) {
		*out = true;
		return true;
	}
	if (lg_ascii_eq(s, n, "no", 2) || lg_ascii_eq(s, n, "false", 5) ||
	    lg_ascii_eq(s, n, "off", 3)) {
		*out = false;
		return true;
	}
	return false;
}

bool conf_parse_decimal(const char *s, size_t n, bool sign, double lo, double hi, double *out)
{
	char num[32];
	size_t digits = 0, dots = 0, i = 0;

	if (!n || n >= sizeof(num))
		return false;
	if (sign && (s[0] == '-' || s[0] == '+'))
		i = 1;
	for (; i < n; i++) {
		if (lg_ascii_is_digit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '.')
			dots++;
		else
			return false;
	}
	if (!digits || dots > 1)
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	char *end;
	errno = 0;
	double v = strtod(num, &end);
	if (errno || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

/* A percentage in [lo, hi] as a fraction: "2.1", "2.1%" and "2.1 %" all
 * give 0.021. */
static bool parse_percent(const char *s, double lo, double hi, double *out)
{
	size_t n = strlen(s);
	double v;

	if (n && s[n - 1] == '%') {
		n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
	}
	if (!conf_parse_decimal(s, n, false, lo, hi, &v))
		return false;
	*out = v / 100;
	return true;
}

static enum lg_status bad_percent(struct lg_err *err, const char *name, unsigned line,
				  const char *key, const char *range, const char *val)
{
	return lg_err_set(err, LG_ECONFIG, "%s:%u: %s wants a percentage from %s, not '%s'", name,
			  line, key, range, val);
}

/* monthly_rate.SOURCE = rate: a list source's own rate; a repeated source
 * replaces the earlier rate.  src is what follows the dot. */
static enum lg_status set_source_rate(struct conf *c, const char *key, const char *src, double rate,
				      const char *name, unsigned line, struct lg_err *err)
{
	size_t n = strlen(src);
	char low[64];

	if (!n || n >= sizeof(low))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: '%s' wants a source name after 'monthly_rate.'", name,
				  line, key);
	lg_ascii_lower_copy(low, src, n);
	low[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!lg_ascii_is_digit((unsigned char)low[i]) &&
		    !(low[i] >= 'a' && low[i] <= 'z') && low[i] != '_' && low[i] != '-')
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: source name in '%s' wants letters, digits, '_' "
					  "and '-' only",
					  name, line, key);
	for (size_t i = 0; i < c->n_source_rate; i++)
		if (!strcmp(c->source_rate[i].source, low)) {
			c->source_rate[i].monthly_rate = rate;
			return LG_OK;
		}
	/* One realloc a source: a file names a handful. */
	c->source_rate = lg_xrealloc(c->source_rate,
				     (c->n_source_rate + 1) * sizeof(*c->source_rate));
	c->source_rate[c->n_source_rate].source = lg_arena_memdup(&c->arena, low, n);
	c->source_rate[c->n_source_rate].monthly_rate = rate;
	c->n_source_rate++;
	return LG_OK;
}

static enum lg_status set_decay(struct conf *c, const char *key, const char *val, const char *name,
				unsigned line, struct lg_err *err)
{
	long v;

	if (!strncmp(key, "monthly_rate", 12) && (key[12] == '\0' || key[12] == '.')) {
		double rate;
		if (!parse_percent(val, 0, 99.9, &rate))
			return bad_percent(err, name, line, key, "0 to 99.9", val);
		if (key[12] == '\0') {
			c->decay.monthly_rate = rate;
			return LG_OK;
		}
		return set_source_rate(c, key, key + 13, rate, name, line, err);
	}
	/* stale_days >= fresh_days is checked once the whole file is read,
	 * so the two keys may come in either order. */
	if (!strcmp(key, "fresh_days")) {
		if (!lg_parse_long(val, 0, DAYS_MAX, &v))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: fresh_days wants a whole number from 0 to %d, not '%s'",
				name, line, DAYS_MAX, val);
		c->decay.fresh_for = (int64_t)v * DAY;
		return LG_OK;
	}
	if (!strcmp(key, "stale_days")) {
		if (!lg_parse_long(val, 1, DAYS_MAX, &v))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: stale_days wants a whole number from 1 to %d, not '%s'",
				name, line, DAYS_MAX, val);
		c->decay.stale_after = (int64_t)v * DAY;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [decay]", name, line, key);
}

static enum lg_status set_gate(struct conf *c, const char *key, const char *val, const char *name,
			       unsigned line, struct lg_err *err)
{
	static const char *const prior_key[VERIFY_STATUS_COUNT] = {
		[VERIFY_DELIVERABLE] = "prior.deliverable",
		[VERIFY_RISKY] = "prior.risky",
		[VERIFY_UNDELIVERABLE] = "prior.undeliverable",
		[VERIFY_UNKNOWN] = "prior.unknown",
	};
	long v;

	if (!strcmp(key, "threshold")) {
		if (!parse_percent(val, 0.01, 100, &c->gate.threshold))
			return bad_percent(err, name, line, key, "0.01 to 100", val);
		return LG_OK;
	}
	if (!strcmp(key, "prior.smtp_confirmed") || !strcmp(key, "prior.accept_all")) {
		double *to = key[6] == 's' ? &c->gate.prior_confirmed : &c->gate.prior_accept_all;
		if (!parse_percent(val, 0, 100, to))
			return bad_percent(err, name, line, key, "0 to 100", val);
		return LG_OK;
	}
	for (size_t i = 0; i < sizeof(prior_key) / sizeof(*prior_key); i++)
		if (!strcmp(key, prior_key[i])) {
			if (!parse_percent(val, 0, 100, &c->gate.prior[i]))
				return bad_percent(err, name, line, key, "0 to 100", val);
			return LG_OK;
		}
	if (!strcmp(key, "min_exported")) {
		if (!lg_parse_long(val, 1, 100000000, &v))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: min_exported wants a whole number from 1 to "
					  "100000000, not '%s'",
					  name, line, val);
		c->gate.min_exported = (unsigned long)v;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [gate]", name, line, key);
}

/* A size in bytes: a whole number, with K, M or G (KiB, MiB, GiB) after
 * it or not, from 1 byte to 1 TiB. */
static bool parse_size(const char *val, uint64_t *out)
{
	size_t n = strlen(val);
	unsigned shift = 0;
	char num[32];
	if (n && (val[n - 1] == 'K' || val[n - 1] == 'M' || val[n - 1] == 'G')) {
		shift = val[n - 1] == 'K' ? 10 : val[n - 1] == 'M' ? 20 : 30;
		n--;
	}
	long v;
	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, val, n);
	num[n] = '\0';
	if (!lg_parse_long(num, 1, (1L << 40) >> shift, &v))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static enum lg_status set_serve(struct conf *c, const char *key, const char *val, const char *name,
				unsigned line, struct lg_err *err)
{
	static const struct conf_whole whole[] = {
		{"burst", 1, 1000000, offsetof(struct serve_conf, burst), ""},
		{"max_connections", 1, 100000, offsetof(struct serve_conf, max_connections), ""},
		{"per_ip_connections", 0, 100000, offsetof(struct serve_conf, per_ip), ""},
		{"timeout", 1, 3600, offsetof(struct serve_conf, timeout), ""},
		{"max_jobs", 1, 64, offsetof(struct serve_conf, max_jobs), ""},
	};
	if (!strcmp(key, "listen")) {
		if (!*val)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: listen wants ADDR:PORT, [IPv6]:PORT or unix:PATH",
					  name, line);
		c->serve.listen = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "tls_cert") || !strcmp(key, "tls_key")) {
		if (!*val)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s wants a PEM file's path",
					  name, line, key);
		const char **to = key[4] == 'c' ? &c->serve.tls_cert : &c->serve.tls_key;
		*to = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "rate")) {
		if (!conf_parse_decimal(val, strlen(val), false, 0.001, 1000000, &c->serve.rate))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: rate wants requests a second, from 0.001 to "
					  "1000000, not '%s'",
					  name, line, val);
		return LG_OK;
	}
	if (!strcmp(key, "max_body")) {
		if (!parse_size(val, &c->serve.max_body))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: max_body wants a size from 1 to 1T bytes (a K, M "
					  "or G after it: KiB, MiB, GiB), not '%s'",
					  name, line, val);
		return LG_OK;
	}
	return conf_set_whole(whole, sizeof(whole) / sizeof(*whole), &c->serve, "serve", key, val,
			      name, line, err);
}

enum lg_status conf_set_whole(const struct conf_whole *t, size_t n, void *base, const char *section,
			      const char *key, const char *val, const char *name, unsigned line,
			      struct lg_err *err)
{
	for (size_t i = 0; i < n; i++) {
		long v;
		if (strcmp(key, t[i].key) != 0)
			continue;
		assert(t[i].lo >= 0 && t[i].hi <= INT_MAX);
		if (!lg_parse_long(val, t[i].lo, t[i].hi, &v))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: %s wants a whole number%s from %ld to %ld, not '%s'", name,
				line, key, t[i].unit, t[i].lo, t[i].hi, val);
		/* An int's bits and an unsigned's agree on 0 ... INT_MAX (C17
		 * 6.2.5p9), and either may be written through the other (6.5p7). */
		*(unsigned *)((char *)base + t[i].off) = (unsigned)v;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [%s]", name, line, key,
			  section);
}

enum lg_status conf_add_list_file(struct conf *c, struct conf_list *l, const char *key,
				  const char *val, const char *name, unsigned line, const char *dir,
				  struct lg_err *err)
{
	struct lg_buf path = LG_BUF_INIT;
	if (val[0] != '/' && dir)
		lg_buf_addf(&path, "%s/", dir);
	lg_buf_adds(&path, val);
	char *text;
	size_t len;
	struct lg_err sub;
	enum lg_status st = read_file(path.data, &text, &len, &sub);
	lg_buf_release(&path);
	if (st != LG_OK)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", name, line, key, sub.msg);
	conf_list_add_text(c, l, text, len);
	free(text);
	return LG_OK;
}

/* ---- [events.map.NAME] ------------------------------------------------------- */

/* HubSpot's email events, as its email events API and its exports name
 * them: "id", "recipient", "type" (SENT ... OPEN, CLICK), "created" in
 * milliseconds, "emailCampaignId", "filteredEvent" (HubSpot took the open
 * or click for a machine's: a mail filter's, a link scanner's). */
static const char *const hubspot_map[][2] = {
	{"event_id", "id"},
	{"email", "recipient"},
	{"type", "type"},
	{"occurred_at", "created"},
	{"occurred_at_format", "epoch_ms"},
	{"asset", "emailCampaignId"},
	{"type.OPEN", "email_open"},
	{"type.CLICK", "email_click"},
	{"type.PRINT", "email_open"}, /* printed or forwarded: it was read */
	{"type.FORWARD", "email_open"},
	{"type.SPAMREPORT", "unsubscribe"}, /* the strongest "no more of this" */
	{"type.UNSUBSCRIBED", "unsubscribe"},
	/* a subscription change may be a resubscription: the type alone does
	 * not say which way */
	{"type.STATUSCHANGE", "ignore"},
	/* sending and delivery: the gate's, through bounces import */
	{"type.SENT", "ignore"},
	{"type.PROCESSED", "ignore"},
	{"type.DELIVERED", "ignore"},
	{"type.DEFERRED", "ignore"},
	{"type.DROPPED", "ignore"},
	{"type.BOUNCE", "ignore"},
	{"type.SUPPRESSED", "ignore"},
	{"type.UNBOUNCE", "ignore"},
	{"ignore_when.filteredEvent", "true"},
};

#define MAP_NAME_MAX 40

/* Is [events.map.]name a map's name: letters, digits, '_' and '-'? */
static bool map_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > MAP_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!lg_ascii_is_alpha((unsigned char)name[i]) &&
		    !lg_ascii_is_digit((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static struct conf_event_map *map_get(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_event_map; i++)
		if (lg_ascii_eq(c->event_map[i].map.name, strlen(c->event_map[i].map.name), name,
				strlen(name)))
			return &c->event_map[i];
	return NULL;
}

const struct engage_map *conf_event_map(const struct conf *c, const char *name)
{
	const struct conf_event_map *m = map_get(c, name);
	return m ? &m->map : NULL;
}

/* One key of [events.map.name] (keys are documented in conf/leadgate.conf).
 * A key given again replaces the earlier value; a map of a built-in name
 * is that map, with these keys changed. */
static enum lg_status set_event_map(struct conf *c, const char *mapname, const char *key,
				    const char *val, const char *name, unsigned line,
				    struct lg_err *err)
{
	struct conf_event_map *m = map_get(c, mapname);
	if (!m) {
		c->event_map = lg_xrealloc(c->event_map,
					   (c->n_event_map + 1) * sizeof(*c->event_map));
		m = &c->event_map[c->n_event_map++];
		memset(m, 0, sizeof(*m));
		char *lower = lg_arena_memdup(&c->arena, mapname, strlen(mapname));
		lg_ascii_lower_copy(lower, lower, strlen(lower));
		m->map.name = lower;
	}
	const char *v = lg_arena_memdup(&c->arena, val, strlen(val));
	int f;

	if (!strncmp(key, "type.", 5)) {
		const char *from = key + 5;
		if (!*from)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: '%s' wants the export's type after 'type.'", name,
					  line, key);
		size_t i;
		for (i = 0; i < m->map.n_type; i++)
			if (lg_ascii_eq(m->type[i].from, strlen(m->type[i].from), from,
					strlen(from)))
				break;
		if (i == m->map.n_type) {
			m->type = lg_xrealloc(m->type, (i + 1) * sizeof(*m->type));
			m->type_line = lg_xrealloc(m->type_line, (i + 1) * sizeof(*m->type_line));
			m->type[i].from = lg_arena_memdup(&c->arena, from, strlen(from));
			m->map.n_type++;
		}
		/* "ignore": the rows of that type are no events (counted) */
		m->type[i].to = strcmp(val, "ignore") ? v : NULL;
		m->type_line[i] = line;
		m->map.type = m->type;
		return LG_OK;
	}
	if (!strncmp(key, "ignore_when.", 12)) {
		if (!key[12])
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: '%s' wants a column after 'ignore_when.'", name,
					  line, key);
		m->skip = lg_xrealloc(m->skip, (m->map.n_skip + 1) * sizeof(*m->skip));
		m->skip[m->map.n_skip].column = lg_arena_memdup(&c->arena, key + 12,
								strlen(key + 12));
		m->skip[m->map.n_skip].value = v;
		m->map.n_skip++;
		m->map.skip = m->skip;
		return LG_OK;
	}
	if (!strcmp(key, "occurred_at_format")) {
		for (int t = ENGAGE_TIME_AUTO; t <= ENGAGE_TIME_EPOCH_MS; t++)
			if (!strcmp(val, engage_time_format_name((enum engage_time_format)t))) {
				m->map.time_format = (enum engage_time_format)t;
				return LG_OK;
			}
		return lg_err_set(
			err, LG_ECONFIG,
			"%s:%u: occurred_at_format wants auto, rfc3339, epoch_s or epoch_ms, "
			"not '%s'",
			name, line, val);
	}
	if ((f = engage_field_find(key, strlen(key))) >= 0 && !strcmp(key, engage_field_name(f))) {
		m->map.column[f] = v;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [events.map.%s]", name, line,
			  key, mapname);
}

/* The maps shipped in the program. */
static void add_builtin_maps(struct conf *c)
{
	for (size_t i = 0; i < sizeof(hubspot_map) / sizeof(*hubspot_map); i++) {
		enum lg_status st = set_event_map(c, "hubspot", hubspot_map[i][0],
						  hubspot_map[i][1], "built-in", 0, NULL);
		assert(st == LG_OK);
		(void)st;
	}
}

/* Once the file is read: every type a map names is one the rubric knows. */
static enum lg_status finish_event_maps(struct conf *c, const char *name, struct lg_err *err)
{
	for (size_t k = 0; k < c->n_event_map; k++) {
		const struct conf_event_map *m = &c->event_map[k];
		for (size_t i = 0; i < m->map.n_type; i++) {
			const char *to = m->type[i].to;
			if (to && scoring_type_find(&c->rubric, to, strlen(to)) < 0)
				return lg_err_set(
					err, LG_ECONFIG,
					"%s:%u: type.%s = %s: '%s' is not an event type of the "
					"rubric ([scoring] event.TYPE), nor 'ignore'",
					m->type_line[i] ? name : "built-in [events.map]",
					m->type_line[i], m->type[i].from, to, to);
		}
	}
	return LG_OK;
}

/* ---- [esp] ------------------------------------------------------------------ */

/* The secrets of [esp], by key; CONF_ESP_KEYS of them. */
static const struct {
	const char *key;
	size_t off; /* of its const char * in struct esp_policy */
} esp_keys[CONF_ESP_KEYS] = {
	{"mailgun.signing_key", offsetof(struct esp_policy, mailgun_signing_key)},
	{"sendgrid.public_key", offsetof(struct esp_policy, sendgrid_public_key)},
	{"ses.user", offsetof(struct esp_policy, ses_user)},
	{"ses.password", offsetof(struct esp_policy, ses_password)},
	{"postmark.user", offsetof(struct esp_policy, postmark_user)},
	{"postmark.password", offsetof(struct esp_policy, postmark_password)},
};

#define ESP_WINDOW_MAX (7 * DAY) /* a signature a week old is no longer a check */
#define ESP_SECRET_FILE_MAX (64u * 1024)

static const char **esp_field(struct esp_policy *p, size_t i)
{
	return (const char **)(void *)((char *)p + esp_keys[i].off);
}

bool conf_env_name_ok(const char *s)
{
	if (!*s || lg_ascii_is_digit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!lg_ascii_is_alpha((unsigned char)*s) &&
		    !lg_ascii_is_digit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static enum lg_status set_esp(struct conf *c, const char *key, const char *val, const char *name,
			      unsigned line, const char *dir, struct lg_err *err)
{
	if (!strcmp(key, "window")) {
		int64_t v;
		if (!lg_parse_duration(val, &v) || v < 1 || v > ESP_WINDOW_MAX)
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: window wants a duration from 1s to 7d (\"15m\"), "
					  "not '%s'",
					  name, line, val);
		c->esp.window = v;
		return LG_OK;
	}
	if (!strcmp(key, "sns_confirm_via")) {
		/* HOST:PORT, HOST a name, an IPv4 address or [IPv6]. */
		const char *colon = strrchr(val, ':');
		char *end;
		unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
		if (!colon || colon == val || !colon[1] || *end || port < 1 || port > 65535 ||
		    strpbrk(val, " \t/@"))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: sns_confirm_via wants HOST:PORT (\"127.0.0.1:8443\"), "
				"not '%s'",
				name, line, val);
		c->esp.sns_confirm_via = lg_arena_memdup(&c->arena, val, strlen(val));
		return LG_OK;
	}
	if (!strcmp(key, "sns_confirm_ca")) {
		/* Like the list files: relative to this file's directory. */
		struct lg_buf path = LG_BUF_INIT;
		if (!*val)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: sns_confirm_ca names no file",
					  name, line);
		if (val[0] != '/' && dir)
			lg_buf_addf(&path, "%s/", dir);
		lg_buf_adds(&path, val);
		c->esp.sns_confirm_ca = lg_arena_memdup(&c->arena, path.data, path.len);
		lg_buf_release(&path);
		return LG_OK;
	}
	for (size_t i = 0; i < CONF_ESP_KEYS; i++) {
		if (strcmp(key, esp_keys[i].key) != 0)
			continue;
		struct lg_buf spec = LG_BUF_INIT;
		if (!strncmp(val, "env:", 4) && !conf_env_name_ok(val + 4))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: %s: '%s' is not an environment variable's name",
					  name, line, key, val + 4);
		if (!strncmp(val, "file:", 5)) {
			if (!val[5])
				return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: file: names no file",
						  name, line, key);
			/* Like the list files: relative to this file's directory. */
			lg_buf_adds(&spec, "file:");
			if (val[5] != '/' && dir)
				lg_buf_addf(&spec, "%s/", dir);
			lg_buf_adds(&spec, val + 5);
		} else {
			lg_buf_adds(&spec, val);
		}
		*esp_field(&c->esp, i) = lg_arena_memdup(&c->arena, spec.data, spec.len);
		lg_buf_release(&spec);
		c->esp_line[i] = line;
		c->esp_file = lg_arena_memdup(&c->arena, name, strlen(name));
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [esp]", name, line, key);
}

/* The secret spec of key i read: *out borrowed from c's arena. */
static enum lg_status esp_read(struct conf *c, size_t i, const char *spec, const char **out,
			       struct lg_err *err)
{
	const char *file = c->esp_file ? c->esp_file : "configuration";
	const char *key = esp_keys[i].key;
	unsigned line = c->esp_line[i];

	if (!strncmp(spec, "env:", 4)) {
		const char *v = getenv(spec + 4);
		if (!v || !*v)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: $%s is %s", file, line, key,
					  spec + 4, v ? "empty" : "not set");
		*out = lg_arena_memdup(&c->arena, v, strlen(v));
		return LG_OK;
	}
	if (strncmp(spec, "file:", 5) != 0) {
		*out = spec;
		return LG_OK;
	}
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err sub;
	enum lg_status st = LG_OK;
	if (lg_read_file(spec + 5, ESP_SECRET_FILE_MAX, &b, &sub) != LG_OK) {
		st = lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", file, line, key, sub.msg);
		goto out;
	}
	/* What `echo secret > file` writes: the secret and a line end. */
	if (b.len && b.data[b.len - 1] == '\n')
		b.len--;
	if (b.len && b.data[b.len - 1] == '\r')
		b.len--;
	if (!b.len || memchr(b.data, '\0', b.len) || memchr(b.data, '\n', b.len))
		st = lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s: %s", file, line, key, spec + 5,
				b.len ? "not one line of text" : "is empty");
	else
		*out = lg_arena_memdup(&c->arena, b.data, b.len);
out:
	if (b.data)
		memset(b.data, 0, b.cap); /* a secret does not outlive its use in freed memory */
	lg_buf_release(&b);
	return st;
}

enum lg_status conf_esp_policy(struct conf *c, struct esp_policy *out, struct lg_err *err)
{
	struct lg_err sub;
	*out = c->esp;
	for (size_t i = 0; i < CONF_ESP_KEYS; i++) {
		const char **f = esp_field(out, i);
		enum lg_status st;
		if (*f && (st = esp_read(c, i, *f, f, err)) != LG_OK)
			return st;
	}
	if (esp_policy_check(out, &sub) != LG_OK)
		return lg_err_set(err, LG_ECONFIG, "%s: [esp] %s",
				  c->esp_file ? c->esp_file : "configuration", sub.msg);
	return LG_OK;
}

/* Once the file is read: a user and its password given together (their
 * values are read later, by conf_esp_policy). */
static enum lg_status finish_esp(struct conf *c, const char *name, struct lg_err *err)
{
	for (size_t i = 2; i + 1 < CONF_ESP_KEYS; i += 2) {
		const char *user = *esp_field(&c->esp, i), *pw = *esp_field(&c->esp, i + 1);
		if (!user != !pw)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: [esp] %s is given without %s",
					  name, c->esp_line[user ? i : i + 1],
					  esp_keys[user ? i : i + 1].key,
					  esp_keys[user ? i + 1 : i].key);
	}
	return LG_OK;
}

static enum lg_status set_key(struct conf *c, const char *section, const char *key, const char *val,
			      const char *name, unsigned line, const char *dir, struct lg_err *err)
{
	if (!strncmp(section, "events.map.", 11))
		return set_event_map(c, section + 11, key, val, name, line, err);
	if (!strcmp(section, "scoring"))
		return conf_set_scoring(c, key, val, name, line, dir, err);
	if (!strcmp(section, "decay"))
		return set_decay(c, key, val, name, line, err);
	if (!strcmp(section, "gate"))
		return set_gate(c, key, val, name, line, err);
	if (!strcmp(section, "esp"))
		return set_esp(c, key, val, name, line, dir, err);
	if (!strcmp(section, "serve"))
		return set_serve(c, key, val, name, line, err);
	if (!strcmp(section, "smtp"))
		return conf_set_smtp(c, key, val, name, line, err);
	if (conf_handoff_section(section))
		return conf_set_handoff(c, section, key, val, name, line, dir, err);
	if (strcmp(section, "verify") != 0)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown section '[%s]'", name, line,
				  section);

	struct conf_list *l = list_for_key(c, key);
	if (l)
		return conf_add_list_file(c, l, key, val, name, line, dir, err);
	if (!strcmp(key, "dns_unanswered_max")) {
		if (!parse_percent(val, 0, 100, &c->dns_unanswered_max))
			return bad_percent(err, name, line, key, "0 to 100", val);
		return LG_OK;
	}
	if (!strcmp(key, "typo_frequent_min")) {
		long v;
		if (!lg_parse_long(val, 2, 1000000, &v))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: typo_frequent_min wants a whole number from 2 to "
					  "1000000, not '%s'",
					  name, line, val);
		c->typo_frequent_min = (unsigned)v;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [%s]", name, line, key,
			  section);
}

enum lg_status conf_load_text(struct conf *c, const char *text, size_t len, const char *name,
			      const char *dir, struct lg_err *err)
{
	char section[64] = "";
	unsigned line = 0;
	const char *p = text, *end = text + len;

	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3; /* a UTF-8 byte order mark, as Windows editors write one */

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *s = p;
		size_t n = (size_t)(eol - p);
		line++;
		p = eol + 1;
		lg_ascii_trim(&s, &n);
		if (!n || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			/* a comment may follow the header: "[route.x]   # why" */
			const char *close = memchr(s, ']', n);
			if (close && (size_t)(close - s) + 1 < n) {
				const char *rest = close + 1;
				size_t rn = n - (size_t)(rest - s);
				lg_ascii_trim(&rest, &rn);
				if (rn == 0 || ((rest[0] == '#' || rest[0] == ';') &&
						(close[1] == ' ' || close[1] == '\t')))
					n = (size_t)(close - s) + 1;
			}
			if (s[n - 1] != ']' || n - 2 >= sizeof(section) || n < 3)
				return lg_err_set(err, LG_ECONFIG,
						  "%s:%u: malformed section header", name, line);
			memcpy(section, s + 1, n - 2);
			section[n - 2] = '\0';
			if (!known_section(section))
				return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown section '[%s]'",
						  name, line, section);
			conf_handoff_open(c, section, line);
			continue;
		}
		const char *eq = memchr(s, '=', n);
		if (!eq)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: expected 'key = value'", name,
					  line);
		const char *k = s, *v = eq + 1;
		size_t kn = (size_t)(eq - s), vn = n - kn - 1;
		for (size_t i = 1; i < vn; i++) /* a trailing comment */
			if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
				vn = i;
				break;
			}
		lg_ascii_trim(&k, &kn);
		lg_ascii_trim(&v, &vn);
		if (!section[0])
			return lg_err_set(err, LG_ECONFIG, "%s:%u: key outside a [section]", name,
					  line);
		if (!kn || !vn)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: empty key or value", name, line);
		char key[64], val[PATH_MAX];
		if (kn >= sizeof(key) || vn >= sizeof(val))
			return lg_err_set(err, LG_ECONFIG, "%s:%u: key or value too long", name,
					  line);
		memcpy(key, k, kn);
		key[kn] = '\0';
		memcpy(val, v, vn);
		val[vn] = '\0';
		enum lg_status st = set_key(c, section, key, val, name, line, dir, err);
		if (st != LG_OK)
			return st;
	}
	if (c->decay.stale_after < c->decay.fresh_for)
		return lg_err_set(err, LG_ECONFIG,
				  "%s: stale_days (%lld) must not be less than fresh_days (%lld)",
				  name, (long long)(c->decay.stale_after / DAY),
				  (long long)(c->decay.fresh_for / DAY));
	enum lg_status st = conf_finish_scoring(c, name, err);
	if (st == LG_OK)
		st = finish_event_maps(c, name, err);
	if (st == LG_OK)
		st = conf_finish_handoff(c, name, err);
	return st == LG_OK ? finish_esp(c, name, err) : st;
}

static bool exists(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fclose(f);
	return true;
}

enum lg_status conf_load(struct conf *c, const char *path, struct lg_err *err)
{
	char found[PATH_MAX];
	const char *env;

	if (path) {
		snprintf(found, sizeof(found), "%s", path);
	} else if ((env = getenv("LEADGATE_CONFIG")) && *env) {
		snprintf(found, sizeof(found), "%s", env);
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		found[0] = '\0';
		if (xdg && *xdg)
			snprintf(found, sizeof(found), "%s/leadgate/leadgate.conf", xdg);
		else if (home && *home)
			snprintf(found, sizeof(found), "%s/.config/leadgate/leadgate.conf", home);
		if (!found[0] || !exists(found))
			snprintf(found, sizeof(found), "%s/leadgate/leadgate.conf", SYSCONFDIR);
		if (!exists(found))
			return LG_OK;
	}

	char *text;
	size_t len;
	enum lg_status st = read_file(found, &text, &len, err);
	if (st != LG_OK)
		return st;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", found);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	st = conf_load_text(c, text, len, found, dir, err);
	free(text);
	if (st == LG_OK) {
		free(c->path);
		c->path = lg_xstrdup(found);
	}
	return st;
}

static struct verify_names names_of(const struct conf_list *l)
{
	return (struct verify_names){l->item, l->n};
}

void conf_verify_policy(const struct conf *c, struct verify_policy *out)
{
	*out = (struct verify_policy){
		.role = names_of(&c->role),
		.free = names_of(&c->free),
		.disposable = names_of(&c->disposable),
		.typo = names_of(&c->typo),
		.allow = names_of(&c->allow),
		.typo_frequent_min = c->typo_frequent_min,
	};
}

struct verify_ctx *conf_verify_ctx(const struct conf *c)
{
	struct verify_policy p;
	conf_verify_policy(c, &p);
	return verify_ctx_new(&p);
}
