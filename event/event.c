/*
 * event.c - engagement and intent events from NDJSON lines and CSV rows.
 */
#include "event.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum field { F_ID, F_EMAIL, F_DOMAIN, F_TYPE, F_AT, F_CHANNEL, F_ASSET, F_COUNT, F_COUNT_ALL };

/* Field names and the aliases exports use, lower-case. */
static const struct {
	const char *name;
	enum field f;
} names[] = {
	{"event_id", F_ID},      {"id", F_ID},           {"eventid", F_ID},
	{"email", F_EMAIL},      {"email_address", F_EMAIL}, {"contact_email", F_EMAIL},
	{"domain", F_DOMAIN},    {"account", F_DOMAIN},  {"account_domain", F_DOMAIN},
	{"company_domain", F_DOMAIN},
	{"type", F_TYPE},        {"event_type", F_TYPE}, {"event", F_TYPE},
	{"occurred_at", F_AT},   {"timestamp", F_AT},    {"time", F_AT},
	{"channel", F_CHANNEL},  {"asset", F_ASSET},     {"count", F_COUNT},
};

struct event_parser {
	json_t *doc;          /* the NDJSON line being handed out */
	char *props;          /* its properties, serialized */
	struct lg_arena cells; /* a CSV row's cells, NUL-terminated */
	int col[F_COUNT_ALL]; /* CSV: the column of each field, or -1 */
	char num[F_COUNT_ALL + 1][24]; /* NDJSON: a field given as a number, as text;
					* the last one for properties.count */
	size_t ncols;
	char **colname;       /* CSV: every column's name, as the header writes it */
};

static int field_of(const char *s, size_t n)
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

struct event_parser *event_parser_new(void)
{
	return lg_xcalloc(1, sizeof(struct event_parser));
}

static void reset(struct event_parser *p)
{
	json_decref(p->doc);
	p->doc = NULL;
	free(p->props);
	p->props = NULL;
	lg_arena_release(&p->cells);
}

void event_parser_free(struct event_parser *p)
{
	if (!p)
		return;
	reset(p);
	for (size_t i = 0; i < p->ncols; i++)
		free(p->colname[i]);
	free(p->colname);
	free(p);
}

static bool parse_count(const char *s, long *out)
{
	return lg_parse_long(s, 0, 1000000000L, out);
}

/* Check what every event needs; *why says what is missing. */
static enum lg_status finish(struct event_rec *e, const char **why)
{
	if (!e->event_id || !*e->event_id)
		return *why = "no event_id", LG_EDATA;
	if (!e->type || !*e->type)
		return *why = "no type", LG_EDATA;
	if (e->email && !*e->email)
		e->email = NULL;
	if (e->domain && !*e->domain)
		e->domain = NULL;
	if (!e->email && !e->domain)
		return *why = "neither email nor domain", LG_EDATA;
	if (e->channel && !*e->channel)
		e->channel = NULL;
	if (e->asset && !*e->asset)
		e->asset = NULL;
	return LG_OK;
}

/* ---- NDJSON ------------------------------------------------------------ */

/* A scalar as text: strings as they are, whole numbers in decimal. */
static const char *scalar(json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return NULL;
}

enum lg_status event_parse_json(struct event_parser *p, const char *line, size_t n,
				struct event_rec *out, const char **why)
{
	json_error_t jerr;
	bool have_at = false;
	reset(p);
	memset(out, 0, sizeof(*out));
	out->count = -1;

	size_t i = 0;
	while (i < n && lg_ascii_is_space((unsigned char)line[i]))
		i++;
	if (i == n)
		return LG_OK; /* blank */
	p->doc = json_loadb(line, n, JSON_DECODE_ANY, &jerr);
	if (!p->doc || !json_is_object(p->doc))
		return *why = p->doc ? "not a JSON object" : "not JSON", LG_EDATA;

	json_t *props = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(p->doc, key, v) {
		int f = field_of(key, strlen(key));
		if (f < 0) {
			if (!strcmp(key, "properties") && json_is_object(v)) {
				const char *k2;
				json_t *v2;
				json_object_foreach(v, k2, v2) {
					if (!strcmp(k2, "count") && out->count < 0) {
						const char *c = scalar(v2, p->num[F_COUNT_ALL],
								       sizeof(p->num[0]));
						if (!c || !parse_count(c, &out->count)) {
							json_decref(props);
							return *why = "count is not a whole number", LG_EDATA;
						}
					}
					json_object_set(props, k2, v2);
				}
			} else {
				json_object_set(props, key, v);
			}
			continue;
		}
		const char *s = scalar(v, p->num[f], sizeof(p->num[0]));
		if (json_is_null(v))
			continue;
		if (!s) {
			json_decref(props);
			return *why = "a field that should be text or a number is not", LG_EDATA;
		}
		switch ((enum field)f) {
		case F_ID: out->event_id = s; break;
		case F_EMAIL: out->email = s; break;
		case F_DOMAIN: out->domain = s; break;
		case F_TYPE: out->type = s; break;
		case F_CHANNEL: out->channel = s; break;
		case F_ASSET: out->asset = s; break;
		case F_AT:
			if (!lg_time_parse_cell(s, strlen(s), &out->occurred_at)) {
				json_decref(props);
				return *why = "occurred_at is not a time (RFC 3339 or Unix seconds)", LG_EDATA;
			}
			have_at = true;
			break;
		case F_COUNT:
			if (!parse_count(s, &out->count)) {
				json_decref(props);
				return *why = "count is not a whole number", LG_EDATA;
			}
			break;
		case F_COUNT_ALL: break;
		}
	}
	if (json_object_size(props))
		p->props = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(props);
	out->props = p->props;
	enum lg_status st = finish(out, why);
	if (st == LG_OK && !have_at)
		return *why = "no occurred_at", LG_EDATA;
	return st;
}

/* ---- CSV ---------------------------------------------------------------- */

enum lg_status event_csv_header(struct event_parser *p, const char *const *name,
				const size_t *len, size_t n, const char **why)
{
	for (int f = 0; f < F_COUNT_ALL; f++)
		p->col[f] = -1;
	for (size_t i = 0; i < p->ncols; i++)
		free(p->colname[i]);
	free(p->colname);
	p->colname = lg_xcalloc(n ? n : 1, sizeof(*p->colname));
	p->ncols = n;
	for (size_t i = 0; i < n; i++) {
		p->colname[i] = lg_xmemdup(name[i], len[i]);
		int f = field_of(name[i], len[i]);
		if (f >= 0 && p->col[f] < 0)
			p->col[f] = (int)i;
	}
	if (p->col[F_ID] < 0)
		return *why = "no event_id column", LG_EDATA;
	if (p->col[F_TYPE] < 0)
		return *why = "no type column", LG_EDATA;
	if (p->col[F_AT] < 0)
		return *why = "no occurred_at column", LG_EDATA;
	if (p->col[F_EMAIL] < 0 && p->col[F_DOMAIN] < 0)
		return *why = "neither an email nor a domain column", LG_EDATA;
	return LG_OK;
}

enum lg_status event_parse_csv(struct event_parser *p, const char *const *cell,
			       const size_t *len, size_t n, struct event_rec *out,
			       const char **why)
{
	reset(p);
	memset(out, 0, sizeof(*out));
	out->count = -1;
	const char *v[F_COUNT_ALL] = {0};
	for (int f = 0; f < F_COUNT_ALL; f++) {
		int c = p->col[f];
		if (c >= 0 && (size_t)c < n)
			v[f] = lg_arena_memdup(&p->cells, cell[c], len[c]);
	}
	out->event_id = v[F_ID];
	out->email = v[F_EMAIL];
	out->domain = v[F_DOMAIN];
	out->type = v[F_TYPE];
	out->channel = v[F_CHANNEL];
	out->asset = v[F_ASSET];
	if (!v[F_AT] || !*v[F_AT])
		return *why = "no occurred_at", LG_EDATA;
	if (!lg_time_parse_cell(v[F_AT], strlen(v[F_AT]), &out->occurred_at))
		return *why = "occurred_at is not a time (RFC 3339 or Unix seconds)", LG_EDATA;
	if (v[F_COUNT] && *v[F_COUNT] && !parse_count(v[F_COUNT], &out->count))
		return *why = "count is not a whole number", LG_EDATA;

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
	return finish(out, why);
}
