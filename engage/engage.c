/*
 * engage.c - engagement and intent events from NDJSON lines and CSV rows,
 * by the usual names or through a map (an export of another shape).
 *
 * Both formats gather each field's text first (raw[]), then convert() does
 * what a map asks and checks what every event needs, so that a CSV row and
 * a JSON line of the same export come out the same.
 */
#include "engage.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F_COUNT_ALL ENGAGE_FIELD_COUNT

static const char *const field_names[ENGAGE_FIELD_COUNT] = {
	"event_id", "email", "domain", "type", "occurred_at", "channel", "asset", "count",
};

/* Field names and the aliases exports use, lower-case. */
static const struct {
	const char *name;
	enum engage_field f;
} names[] = {
	{"event_id", ENGAGE_F_ID},
	{"id", ENGAGE_F_ID},
	{"eventid", ENGAGE_F_ID},
	{"email", ENGAGE_F_EMAIL},
	{"email_address", ENGAGE_F_EMAIL},
	{"contact_email", ENGAGE_F_EMAIL},
	{"domain", ENGAGE_F_DOMAIN},
	{"account", ENGAGE_F_DOMAIN},
	{"account_domain", ENGAGE_F_DOMAIN},
	{"company_domain", ENGAGE_F_DOMAIN},
	{"type", ENGAGE_F_TYPE},
	{"event_type", ENGAGE_F_TYPE},
	{"event", ENGAGE_F_TYPE},
	{"occurred_at", ENGAGE_F_AT},
	{"timestamp", ENGAGE_F_AT},
	{"time", ENGAGE_F_AT},
	{"channel", ENGAGE_F_CHANNEL},
	{"asset", ENGAGE_F_ASSET},
	{"count", ENGAGE_F_COUNT},
};

struct engage_parser {
	json_t *doc;                   /* the NDJSON line being handed out */
	char *props;                   /* its properties, serialized */
	struct lg_arena cells;         /* a CSV row's cells, NUL-terminated */
	int col[F_COUNT_ALL];          /* CSV: the column of each field, or -1 */
	char num[F_COUNT_ALL + 1][24]; /* NDJSON: a field given as a number, as text;
					* the last one for properties.count */
	size_t ncols;
	char **colname;               /* CSV: every column's name, as the header writes it */
	const struct engage_map *map; /* borrowed, or NULL */
	int *skip_col;                /* CSV: the column of each of map->skip, or -1 */
	char id[96];                  /* an event_id made for a record without one */
	char why[200];                /* a reason that names what the record holds */
};

const char *engage_field_name(enum engage_field f)
{
	return (unsigned)f < ENGAGE_FIELD_COUNT ? field_names[f] : "unknown";
}

int engage_field_find(const char *name, size_t n)
{
	for (int f = 0; f < ENGAGE_FIELD_COUNT; f++)
		if (lg_ascii_eq(name, n, field_names[f], strlen(field_names[f])))
			return f;
	return -1;
}

const char *engage_time_format_name(enum engage_time_format f)
{
	switch (f) {
	case ENGAGE_TIME_AUTO: return "auto";
	case ENGAGE_TIME_RFC3339: return "rfc3339";
	case ENGAGE_TIME_EPOCH_S: return "epoch_s";
	case ENGAGE_TIME_EPOCH_MS: return "epoch_ms";
	}
	return "unknown";
}

/* A usual name: which field, or -1. */
static int alias_of(const char *s, size_t n)
{
	char low[32];
	if (n >= sizeof(low))
		return -1;
	lg_ascii_lower_copy(low, s, n);
	low[n] = '\0';
	/* "Event ID", "event-id": spaces and dashes as underscores */
	for (size_t i = 0; i < n; i++)
		if (low[i] == ' ' || low[i] == '-')
			low[i] = '_';
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(low, names[i].name))
			return (int)names[i].f;
	return -1;
}

static bool same(const char *a, size_t an, const char *b)
{
	lg_ascii_trim(&a, &an);
	return lg_ascii_eq(a, an, b, strlen(b));
}

/* Which field a column or member called [s, s+n) is: the map's column for
 * it, else a usual name of a field the map does not place. */
static int field_of(const struct engage_parser *p, const char *s, size_t n)
{
	const struct engage_map *m = p->map;
	if (m)
		for (int f = 0; f < F_COUNT_ALL; f++)
			if (m->column[f] && same(s, n, m->column[f]))
				return f;
	int f = alias_of(s, n);
	return f >= 0 && m && m->column[f] ? -1 : f;
}

struct engage_parser *engage_parser_new(void)
{
	return lg_xcalloc(1, sizeof(struct engage_parser));
}

static void reset(struct engage_parser *p)
{
	json_decref(p->doc);
	p->doc = NULL;
	free(p->props);
	p->props = NULL;
	lg_arena_release(&p->cells);
}

void engage_parser_free(struct engage_parser *p)
{
	if (!p)
		return;
	reset(p);
	for (size_t i = 0; i < p->ncols; i++)
		free(p->colname[i]);
	free(p->colname);
	free(p->skip_col);
	free(p);
}

void engage_parser_set_map(struct engage_parser *p, const struct engage_map *m)
{
	p->map = m;
	free(p->skip_col);
	p->skip_col = NULL;
}

static bool parse_count(const char *s, long *out)
{
	return lg_parse_long(s, 0, 1000000000L, out);
}

/* Unix time of [s, s+n) in the map's format. */
static bool parse_time(enum engage_time_format f, const char *s, size_t n, int64_t *out)
{
	lg_ascii_trim(&s, &n);
	if (f == ENGAGE_TIME_AUTO)
		return lg_time_parse_cell(s, n, out);
	if (f == ENGAGE_TIME_RFC3339)
		return n && lg_time_parse(s, n, out);
	int64_t v;
	if (!lg_ascii_digits(s, n, &v))
		return false;
	*out = f == ENGAGE_TIME_EPOCH_MS ? v / 1000 : v;
	return true;
}

static const char *time_want(const struct engage_parser *p)
{
	switch (p->map ? p->map->time_format : ENGAGE_TIME_AUTO) {
	case ENGAGE_TIME_RFC3339: return "occurred_at is not a time (RFC 3339, as the map says)";
	case ENGAGE_TIME_EPOCH_S:
		return "occurred_at is not a time (Unix seconds, as the map says)";
	case ENGAGE_TIME_EPOCH_MS:
		return "occurred_at is not a time (Unix milliseconds, as the map says)";
	case ENGAGE_TIME_AUTO: break;
	}
	return "occurred_at is not a time (RFC 3339 or Unix seconds)";
}

/* Does a skip rule's value match the cell [s, s+n)? */
static bool skip_matches(const struct engage_map_skip *k, const char *s, size_t n)
{
	return same(s, n, k->value);
}

/*
 * The fields' text (raw[f], NULL when absent) into *out: the map's type
 * and time, a made event_id, and what every event needs.  *why says what
 * is wrong.
 */
static enum lg_status convert(struct engage_parser *p, const char *const raw[F_COUNT_ALL],
			      struct engage_rec *out, const char **why)
{
	const struct engage_map *m = p->map;
	const char *type = raw[ENGAGE_F_TYPE];

	out->event_id = raw[ENGAGE_F_ID];
	out->email = raw[ENGAGE_F_EMAIL];
	out->domain = raw[ENGAGE_F_DOMAIN];
	out->channel = raw[ENGAGE_F_CHANNEL];
	out->asset = raw[ENGAGE_F_ASSET];
	out->type = type;
	if (m && m->n_type && type && *type) {
		size_t i, n = strlen(type);
		for (i = 0; i < m->n_type; i++)
			if (same(type, n, m->type[i].from))
				break;
		if (i == m->n_type) {
			snprintf(
				p->why, sizeof(p->why),
				"type '%.40s' is not in [events.map.%s] (add type.%.40s = an event "
				"type, or = ignore)",
				type, m->name, type);
			return *why = p->why, LG_EDATA;
		}
		if (!m->type[i].to) {
			memset(out, 0, sizeof(*out));
			out->count = -1;
			out->ignored = true;
			return LG_OK;
		}
		out->type = m->type[i].to;
	}
	if (!raw[ENGAGE_F_AT] || !*raw[ENGAGE_F_AT])
		return *why = "no occurred_at", LG_EDATA;
	if (!parse_time(m ? m->time_format : ENGAGE_TIME_AUTO, raw[ENGAGE_F_AT],
			strlen(raw[ENGAGE_F_AT]), &out->occurred_at))
		return *why = time_want(p), LG_EDATA;
	if (raw[ENGAGE_F_COUNT] && *raw[ENGAGE_F_COUNT] &&
	    !parse_count(raw[ENGAGE_F_COUNT], &out->count))
		return *why = "count is not a whole number", LG_EDATA;

	if (!out->event_id || !*out->event_id) {
		if (!m)
			return *why = "no event_id", LG_EDATA;
		/* What makes the event itself, as the export writes it: the
		 * same row imported again makes the same id. */
		struct lg_buf b = LG_BUF_INIT;
		lg_buf_addf(&b, "%s\n%s\n%s\n%s\n%s", out->email ? out->email : "",
			    out->domain ? out->domain : "", type ? type : "", raw[ENGAGE_F_AT],
			    out->asset ? out->asset : "");
		snprintf(p->id, sizeof(p->id), "%.40s:%016llx", m->name,
			 (unsigned long long)lg_hash(b.data, b.len));
		lg_buf_release(&b);
		out->event_id = p->id;
	}
	if (!out->type || !*out->type)
		return *why = "no type", LG_EDATA;
	if (out->email && !*out->email)
		out->email = NULL;
	if (out->domain && !*out->domain)
		out->domain = NULL;
	if (!out->email && !out->domain)
		return *why = "neither email nor domain", LG_EDATA;
	if (out->channel && !*out->channel)
		out->channel = NULL;
	if (out->asset && !*out->asset)
		out->asset = NULL;
	return LG_OK;
}

static void clear(struct engage_rec *out)
{
	memset(out, 0, sizeof(*out));
	out->count = -1;
}

/* ---- NDJSON ------------------------------------------------------------ */

/* A scalar as text: strings as they are, whole numbers in decimal, and
 * (when bools) true and false. */
static const char *scalar(json_t *v, char *buf, size_t cap, bool bools)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (bools && json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

/* Does a member of the line match one of the map's ignore_when rules? */
static bool json_skipped(const struct engage_parser *p, json_t *doc)
{
	const struct engage_map *m = p->map;
	const char *key;
	json_t *v;
	char buf[24];

	if (!m || !m->n_skip)
		return false;
	json_object_foreach(doc, key, v)
	{
		for (size_t k = 0; k < m->n_skip; k++) {
			if (!same(key, strlen(key), m->skip[k].column))
				continue;
			const char *s = scalar(v, buf, sizeof(buf), true);
			if (s && skip_matches(&m->skip[k], s, strlen(s)))
				return true;
		}
	}
	return false;
}

enum lg_status engage_parse_json(struct engage_parser *p, const char *line, size_t n,
				 struct engage_rec *out, const char **why)
{
	json_error_t jerr;
	const char *raw[F_COUNT_ALL] = {0};
	reset(p);
	clear(out);

	size_t i = 0;
	while (i < n && lg_ascii_is_space((unsigned char)line[i]))
		i++;
	if (i == n)
		return LG_OK; /* blank */
	p->doc = json_loadb(line, n, JSON_DECODE_ANY, &jerr);
	if (!p->doc || !json_is_object(p->doc))
		return *why = p->doc ? "not a JSON object" : "not JSON", LG_EDATA;
	if (json_skipped(p, p->doc)) {
		out->ignored = true;
		return LG_OK;
	}

	json_t *props = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(p->doc, key, v)
	{
		int f = field_of(p, key, strlen(key));
		if (f < 0) {
			if (!strcmp(key, "properties") && json_is_object(v)) {
				const char *k2;
				json_t *v2;
				json_object_foreach(v, k2, v2)
				{
					if (!strcmp(k2, "count") && out->count < 0) {
						const char *c = scalar(v2, p->num[F_COUNT_ALL],
								       sizeof(p->num[0]), false);
						if (!c || !parse_count(c, &out->count)) {
							json_decref(props);
							return *why = "count is not a whole number",
							       LG_EDATA;
						}
					}
					json_object_set(props, k2, v2);
				}
			} else {
				json_object_set(props, key, v);
			}
			continue;
		}
		const char *s = scalar(v, p->num[f], sizeof(p->num[0]), false);
		if (json_is_null(v))
			continue;
		if (!s) {
			json_decref(props);
			return *why = "a field that should be text or a number is not", LG_EDATA;
		}
		raw[f] = s;
	}
	if (json_object_size(props))
		p->props = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(props);
	long count = out->count;
	enum lg_status st = convert(p, raw, out, why);
	if (out->count < 0)
		out->count = count; /* properties.count, when the line has no count */
	if (st == LG_OK && !out->ignored)
		out->props = p->props;
	return st;
}

/* ---- CSV ---------------------------------------------------------------- */

enum lg_status engage_csv_header(struct engage_parser *p, const char *const *name,
				 const size_t *len, size_t n, const char **why)
{
	const struct engage_map *m = p->map;

	for (int f = 0; f < F_COUNT_ALL; f++)
		p->col[f] = -1;
	for (size_t i = 0; i < p->ncols; i++)
		free(p->colname[i]);
	free(p->colname);
	p->colname = lg_xcalloc(n ? n : 1, sizeof(*p->colname));
	p->ncols = n;
	for (size_t i = 0; i < n; i++) {
		p->colname[i] = lg_xmemdup(name[i], len[i]);
		int f = field_of(p, name[i], len[i]);
		if (f >= 0 && p->col[f] < 0)
			p->col[f] = (int)i;
	}
	free(p->skip_col);
	p->skip_col = NULL;
	if (m && m->n_skip) {
		p->skip_col = lg_xcalloc(m->n_skip, sizeof(*p->skip_col));
		for (size_t k = 0; k < m->n_skip; k++) {
			p->skip_col[k] = -1;
			for (size_t i = 0; i < n && p->skip_col[k] < 0; i++)
				if (same(name[i], len[i], m->skip[k].column))
					p->skip_col[k] = (int)i;
		}
	}
	if (m) {
		/* A column the map names must be there: a typo in the map, or
		 * an export of another shape, is said as such. */
		for (int f = 0; f < F_COUNT_ALL; f++) {
			if (m->column[f] && p->col[f] < 0) {
				snprintf(p->why, sizeof(p->why),
					 "no %s column '%.60s' ([events.map.%s])", field_names[f],
					 m->column[f], m->name);
				return *why = p->why, LG_EDATA;
			}
		}
	} else if (p->col[ENGAGE_F_ID] < 0) {
		return *why = "no event_id column", LG_EDATA;
	}
	if (p->col[ENGAGE_F_TYPE] < 0)
		return *why = "no type column", LG_EDATA;
	if (p->col[ENGAGE_F_AT] < 0)
		return *why = "no occurred_at column", LG_EDATA;
	if (p->col[ENGAGE_F_EMAIL] < 0 && p->col[ENGAGE_F_DOMAIN] < 0)
		return *why = "neither an email nor a domain column", LG_EDATA;
	return LG_OK;
}

enum lg_status engage_parse_csv(struct engage_parser *p, const char *const *cell, const size_t *len,
				size_t n, struct engage_rec *out, const char **why)
{
	reset(p);
	clear(out);
	if (p->skip_col) {
		for (size_t k = 0; k < p->map->n_skip; k++) {
			int c = p->skip_col[k];
			if (c >= 0 && (size_t)c < n &&
			    skip_matches(&p->map->skip[k], cell[c], len[c])) {
				out->ignored = true;
				return LG_OK;
			}
		}
	}
	const char *raw[F_COUNT_ALL] = {0};
	for (int f = 0; f < F_COUNT_ALL; f++) {
		int c = p->col[f];
		if (c >= 0 && (size_t)c < n)
			raw[f] = lg_arena_memdup(&p->cells, cell[c], len[c]);
	}
	enum lg_status st = convert(p, raw, out, why);
	if (st != LG_OK || out->ignored)
		return st;

	/* the other non-empty cells are properties */
	json_t *props = NULL;
	for (size_t i = 0; i < n && i < p->ncols; i++) {
		bool known = false;
		for (int f = 0; f < F_COUNT_ALL && !known; f++)
			known = p->col[f] == (int)i;
		if (known || !len[i])
			continue;
		if (!props)
			props = json_object();
		json_object_set_new(props, p->colname[i], json_stringn(cell[i], len[i]));
	}
	if (props) {
		p->props = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(props);
	}
	out->props = p->props;
	return LG_OK;
}
