/*
 * test_engage.c - engagement events from NDJSON lines and CSV rows, by the
 * usual names and through a map ([events.map.NAME]: the built-in HubSpot
 * one, and maps of a configuration).
 */
#include "conf/conf.h"
#include "engage/engage.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static bool has(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

/* A CSV line split at commas (no quoting: the tests' lines need none). */
struct row {
	char buf[1024];
	const char *cell[32];
	size_t len[32];
	size_t n;
};

static void split(struct row *r, const char *line)
{
	snprintf(r->buf, sizeof(r->buf), "%s", line);
	r->n = 0;
	for (char *p = r->buf;;) {
		char *comma = strchr(p, ',');
		r->cell[r->n] = p;
		r->len[r->n] = comma ? (size_t)(comma - p) : strlen(p);
		r->n++;
		if (!comma)
			break;
		p = comma + 1;
	}
}

static enum lg_status header(struct engage_parser *p, const char *line, const char **why)
{
	struct row r;
	split(&r, line);
	return engage_csv_header(p, r.cell, r.len, r.n, why);
}

static enum lg_status row(struct engage_parser *p, const char *line, struct engage_rec *e,
			  const char **why)
{
	static struct row r; /* the record borrows nothing from it: cells are copied */
	split(&r, line);
	return engage_parse_csv(p, r.cell, r.len, r.n, e, why);
}

static enum lg_status json(struct engage_parser *p, const char *line, struct engage_rec *e,
			   const char **why)
{
	return engage_parse_json(p, line, strlen(line), e, why);
}

/* ---- the usual names -------------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	static const char *const want[] = {"event_id",    "email",   "domain", "type",
					   "occurred_at", "channel", "asset",  "count"};
	for (int f = 0; f < ENGAGE_FIELD_COUNT; f++) {
		assert_string_equal(engage_field_name((enum engage_field)f), want[f]);
		assert_int_equal(engage_field_find(want[f], strlen(want[f])), f);
	}
	assert_int_equal(engage_field_find("Occurred_At", 11), ENGAGE_F_AT);
	assert_int_equal(engage_field_find("timestamp", 9), -1); /* an alias, not a name */
	assert_string_equal(engage_time_format_name(ENGAGE_TIME_EPOCH_MS), "epoch_ms");
}

static void test_plain(void **state)
{
	(void)state;
	struct engage_parser *p = engage_parser_new();
	struct engage_rec e;
	const char *why = NULL;

	assert_int_equal(header(p, "Event ID,Email,Type,Occurred At,Campaign", &why), LG_OK);
	assert_int_equal(row(p, "v1,vp@acme.example,pricing_visit,2026-03-01T09:00:00Z,spring", &e,
			     &why),
			 LG_OK);
	assert_string_equal(e.event_id, "v1");
	assert_string_equal(e.type, "pricing_visit");
	assert_int_equal(e.occurred_at, 1772355600);
	assert_string_equal(e.props, "{\"Campaign\":\"spring\"}");
	assert_false(e.ignored);
	/* milliseconds are told by their digits */
	assert_int_equal(row(p, "v2,vp@acme.example,email_open,1772355600123,", &e, &why), LG_OK);
	assert_int_equal(e.occurred_at, 1772355600);
	assert_int_equal(row(p, "v3,vp@acme.example,email_open,yesterday,", &e, &why), LG_EDATA);
	assert_string_equal(why, "occurred_at is not a time (RFC 3339 or Unix seconds)");
	assert_int_equal(row(p, ",vp@acme.example,email_open,2026-03-01,", &e, &why), LG_EDATA);
	assert_string_equal(why, "no event_id");

	/* the headers of another shape say what they lack */
	assert_int_equal(header(p, "id,created,type,recipient", &why), LG_EDATA);
	assert_string_equal(why, "no occurred_at column");
	assert_int_equal(header(p, "created,type,recipient", &why), LG_EDATA);
	assert_string_equal(why, "no event_id column");

	/* NDJSON */
	assert_int_equal(json(p,
			      "{\"id\":\"j1\",\"email\":\"a@b.example\",\"type\":\"demo_request\","
			      "\"time\":1772355600,\"properties\":{\"count\":3,\"x\":1}}",
			      &e, &why),
			 LG_OK);
	assert_string_equal(e.event_id, "j1");
	assert_int_equal(e.count, 3);
	assert_string_equal(e.props, "{\"count\":3,\"x\":1}");
	assert_int_equal(json(p, "   ", &e, &why), LG_OK);
	assert_null(e.event_id);
	assert_false(e.ignored);
	assert_int_equal(json(p, "{\"id\":\"j2\",\"type\":\"demo_request\",\"time\":1772355600}",
			      &e, &why),
			 LG_EDATA);
	assert_string_equal(why, "neither email nor domain");
	engage_parser_free(p);
}

/* ---- maps -------------------------------------------------------------------- */

static const struct engage_map_type crm_types[] = {
	{"Opened", "email_open"},
	{"Clicked", "email_click"},
	{"Sent", NULL},
};
static const struct engage_map_skip crm_skip[] = {{"Bot", "yes"}, {"bot", "true"}};

static const struct engage_map crm = {
	.name = "crm",
	.column =
		{[ENGAGE_F_EMAIL] = "Contact", [ENGAGE_F_TYPE] = "Activity", [ENGAGE_F_AT] = "When"},
	.time_format = ENGAGE_TIME_EPOCH_S,
	.type = crm_types,
	.n_type = 3,
	.skip = crm_skip,
	.n_skip = 2,
};

static void test_map_csv(void **state)
{
	(void)state;
	struct engage_parser *p = engage_parser_new();
	struct engage_rec e;
	const char *why = NULL;
	char id1[96];

	engage_parser_set_map(p, &crm);
	/* the map's columns (case aside), the usual names for the rest */
	assert_int_equal(header(p, "contact,ACTIVITY,when,Asset,Email,bot,Note", &why), LG_OK);
	assert_int_equal(row(p, "ann@acme.example,opened,1772355600,deck,other@x.example,no,hi", &e,
			     &why),
			 LG_OK);
	assert_string_equal(e.email, "ann@acme.example"); /* "Email" is no longer the email */
	assert_string_equal(e.type, "email_open");
	assert_int_equal(e.occurred_at, 1772355600);
	assert_string_equal(e.asset, "deck");
	assert_true(has(e.props, "\"Email\":\"other@x.example\""));
	/* no event_id column: one is made, the same for the same row */
	assert_true(!strncmp(e.event_id, "crm:", 4));
	snprintf(id1, sizeof(id1), "%s", e.event_id);
	assert_int_equal(row(p, "ann@acme.example,opened,1772355600,deck,,no,", &e, &why), LG_OK);
	assert_string_equal(e.event_id, id1);
	assert_int_equal(row(p, "ann@acme.example,opened,1772355601,deck,,no,", &e, &why), LG_OK);
	assert_string_not_equal(e.event_id, id1);
	assert_int_equal(row(p, "ann@acme.example,Clicked,1772355601,,,,", &e, &why), LG_OK);
	assert_string_equal(e.type, "email_click");
	/* a type mapped to nothing, and a row the map ignores: no events */
	assert_int_equal(row(p, "ann@acme.example,SENT,1772355600,,,,", &e, &why), LG_OK);
	assert_true(e.ignored);
	assert_int_equal(row(p, "ann@acme.example,opened,1772355600,,,YES,", &e, &why), LG_OK);
	assert_true(e.ignored);
	/* a type the map does not list is no event, and says how to list it */
	assert_int_equal(row(p, "ann@acme.example,Bounced,1772355600,,,,", &e, &why), LG_EDATA);
	assert_string_equal(why, "type 'Bounced' is not in [events.map.crm] (add type.Bounced = an "
				 "event type, or = ignore)");
	/* epoch_s: digits of any length are seconds */
	assert_int_equal(row(p, "ann@acme.example,opened,1772355600123,,,,", &e, &why), LG_OK);
	assert_int_equal(e.occurred_at, 1772355600123LL);
	assert_int_equal(row(p, "ann@acme.example,opened,2026-03-01,,,,", &e, &why), LG_EDATA);
	assert_string_equal(why, "occurred_at is not a time (Unix seconds, as the map says)");
	/* a column the map names must be there */
	assert_int_equal(header(p, "contact,activity,date", &why), LG_EDATA);
	assert_string_equal(why, "no occurred_at column 'When' ([events.map.crm])");
	/* without the map, the usual names again */
	engage_parser_set_map(p, NULL);
	assert_int_equal(header(p, "contact,ACTIVITY,when", &why), LG_EDATA);
	engage_parser_free(p);
}

static void test_map_json(void **state)
{
	(void)state;
	struct engage_parser *p = engage_parser_new();
	struct engage_rec e;
	const char *why = NULL;

	engage_parser_set_map(p, &crm);
	assert_int_equal(
		json(p,
		     "{\"CONTACT\":\"bo@acme.example\",\"activity\":\"Opened\",\"when\":1772355600,"
		     "\"bot\":false,\"id\":\"given\"}",
		     &e, &why),
		LG_OK);
	assert_string_equal(e.event_id, "given"); /* the usual name, as the map places no id */
	assert_string_equal(e.email, "bo@acme.example");
	assert_string_equal(e.type, "email_open");
	assert_string_equal(e.props, "{\"bot\":false}");
	/* a JSON true matches "true" */
	assert_int_equal(
		json(p,
		     "{\"contact\":\"bo@acme.example\",\"activity\":\"Opened\",\"when\":1772355600,"
		     "\"bot\":true}",
		     &e, &why),
		LG_OK);
	assert_true(e.ignored);
	assert_int_equal(
		json(p, "{\"contact\":\"bo@acme.example\",\"activity\":\"Replied\",\"when\":1}", &e,
		     &why),
		LG_EDATA);
	assert_true(has(why, "type 'Replied' is not in [events.map.crm]"));
	engage_parser_free(p);
}

/* The built-in map reads HubSpot's email events, as its API names them. */
static void test_hubspot(void **state)
{
	(void)state;
	struct conf c;
	struct engage_parser *p = engage_parser_new();
	struct engage_rec e;
	const char *why = NULL;

	conf_init(&c);
	const struct engage_map *m = conf_event_map(&c, "HubSpot");
	assert_non_null(m);
	assert_string_equal(m->name, "hubspot");
	assert_null(conf_event_map(&c, "mailchimp"));
	engage_parser_set_map(p, m);
	assert_int_equal(
		header(p,
		       "id,created,type,recipient,portalId,appId,appName,emailCampaignId,url,"
		       "filteredEvent",
		       &why),
		LG_OK);
	assert_int_equal(row(p,
			     "e-3,1772902800456,OPEN,ann@acme.example,62515,113,Batch,2001,,false",
			     &e, &why),
			 LG_OK);
	assert_string_equal(e.event_id, "e-3");
	assert_string_equal(e.email, "ann@acme.example");
	assert_string_equal(e.type, "email_open");
	assert_int_equal(e.occurred_at, 1772902800); /* milliseconds */
	assert_string_equal(e.asset, "2001");
	assert_int_equal(row(p,
			     "e-4,1772902900000,CLICK,ann@acme.example,62515,113,Batch,2001,"
			     "https://acme.example/pricing,false",
			     &e, &why),
			 LG_OK);
	assert_string_equal(e.type, "email_click");
	assert_true(has(e.props, "\"url\":\"https://acme.example/pricing\""));
	static const char *const ignored[] = {"SENT",         "DELIVERED",  "PROCESSED",
					      "DEFERRED",     "DROPPED",    "BOUNCE",
					      "STATUSCHANGE", "SUPPRESSED", "UNBOUNCE"};
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++) {
		char line[200];
		snprintf(line, sizeof(line), "e-9,1772902800000,%s,ann@acme.example,1,1,B,1,,false",
			 ignored[i]);
		assert_int_equal(row(p, line, &e, &why), LG_OK);
		if (!e.ignored)
			fail_msg("%s is not ignored", ignored[i]);
	}
	assert_int_equal(row(p, "e-5,1772902800000,SPAMREPORT,ann@acme.example,1,1,B,1,,false", &e,
			     &why),
			 LG_OK);
	assert_string_equal(e.type, "unsubscribe");
	/* an open HubSpot took for a machine's */
	assert_int_equal(row(p, "e-6,1772902800000,OPEN,ann@acme.example,1,1,B,1,,true", &e, &why),
			 LG_OK);
	assert_true(e.ignored);
	assert_int_equal(row(p, "e-7,1772902800000,MYSTERY,ann@acme.example,1,1,B,1,,false", &e,
			     &why),
			 LG_EDATA);
	/* the API's JSON, one event a line */
	assert_int_equal(
		json(p,
		     "{\"id\":\"j-1\",\"created\":1772902800456,\"type\":\"CLICK\",\"recipient\":"
		     "\"bo@acme.example\",\"emailCampaignId\":2001,\"filteredEvent\":false,"
		     "\"sentBy\":{\"id\":\"s-1\",\"created\":1772899200000}}",
		     &e, &why),
		LG_OK);
	assert_string_equal(e.type, "email_click");
	assert_int_equal(e.occurred_at, 1772902800);
	assert_string_equal(e.asset, "2001");
	engage_parser_free(p);
	conf_release(&c);
}

/* ---- [events.map.NAME] in a configuration -------------------------------------- */

static enum lg_status load(struct conf *c, const char *text, struct lg_err *e)
{
	return conf_load_text(c, text, strlen(text), "t.conf", "/nonexistent", e);
}

static void test_conf_maps(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};

	conf_init(&c);
	assert_int_equal(load(&c,
			      "[scoring]\n"
			      "event.trial_signup = 40 demo cap=1 high_intent\n"
			      "[events.map.Mine]\n"
			      "email = Contact\n"
			      "occurred_at = When ; a comment\n"
			      "occurred_at_format = rfc3339\n"
			      "type.Trial = trial_signup\n"
			      "type.Opened = email_open\n"
			      "type.opened = email_click\n" /* the same value again: replaces */
			      "type.Sent = ignore\n"
			      "ignore_when.Bot = yes\n"
			      "ignore_when.Bot = maybe\n"
			      "[events.map.hubspot]\n"
			      "type.STATUSCHANGE = unsubscribe\n",
			      &e),
			 LG_OK);
	const struct engage_map *m = conf_event_map(&c, "mine");
	assert_non_null(m);
	assert_string_equal(m->name, "mine");
	assert_string_equal(m->column[ENGAGE_F_EMAIL], "Contact");
	assert_string_equal(m->column[ENGAGE_F_AT], "When");
	assert_null(m->column[ENGAGE_F_TYPE]);
	assert_int_equal(m->time_format, ENGAGE_TIME_RFC3339);
	assert_int_equal(m->n_type, 3);
	assert_string_equal(m->type[0].to, "trial_signup"); /* a type [scoring] adds */
	assert_string_equal(m->type[1].to, "email_click");
	assert_null(m->type[2].to);
	assert_int_equal(m->n_skip, 2);
	assert_string_equal(m->skip[1].value, "maybe");
	/* a section of the built-in map's name changes only its keys */
	const struct engage_map *h = conf_event_map(&c, "hubspot");
	assert_string_equal(h->column[ENGAGE_F_EMAIL], "recipient");
	size_t i;
	for (i = 0; i < h->n_type && strcmp(h->type[i].from, "STATUSCHANGE"); i++)
		;
	assert_true(i < h->n_type);
	assert_string_equal(h->type[i].to, "unsubscribe");
	conf_release(&c);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"[events.map.x]\nemail_column = e\n",
		 "t.conf:2: unknown key 'email_column' in [events.map.x]"},
		{"[events.map.x]\noccurred_at_format = ms\n",
		 "t.conf:2: occurred_at_format wants auto, rfc3339, epoch_s or epoch_ms, not 'ms'"},
		{"[events.map.x]\n\ntype.OPEN = email_opened\n",
		 "t.conf:3: type.OPEN = email_opened: 'email_opened' is not an event type of the "
		 "rubric"},
		{"[events.map.x]\ntype. = email_open\n",
		 "t.conf:2: 'type.' wants the export's type"},
		{"[events.map.x]\nignore_when. = 1\n", "t.conf:2: 'ignore_when.' wants a column"},
		{"[events.map.]\n", "t.conf:1: unknown section '[events.map.]'"},
		{"[events.map.a b]\n", "t.conf:1: unknown section '[events.map.a b]'"},
		{"[events.map]\n", "t.conf:1: unknown section '[events.map]'"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
		conf_init(&c);
		if (load(&c, bad[k].text, &e) != LG_ECONFIG || !has(e.msg, bad[k].msg))
			fail_msg("'%s': got '%s', want '%s'", bad[k].text, e.msg, bad[k].msg);
		conf_release(&c);
	}
}

/* The shipped leadgate.conf documents the built-in map: its lines
 * uncommented make the same map. */
static void test_shipped(void **state)
{
	(void)state;
	FILE *f = fopen("conf/leadgate.conf", "rb");
	if (!f) {
		skip(); /* not run from the repository root */
		return;
	}
	struct lg_buf on = LG_BUF_INIT;
	char line[1024];
	bool in = false;
	lg_buf_adds(&on, "[events.map.shipped]\n");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "# The built-in map:", 19))
			in = true;
		else if (in && !strcmp(line, "#\n"))
			in = false;
		else if (in)
			lg_buf_adds(&on, line + 2);
	}
	fclose(f);
	struct conf c;
	struct lg_err e = {{0}};
	conf_init(&c);
	if (conf_load_text(&c, on.data, on.len, "leadgate.conf", "conf", &e) != LG_OK)
		fail_msg("%s", e.msg);
	const struct engage_map *s = conf_event_map(&c, "shipped"),
				*h = conf_event_map(&c, "hubspot");
	assert_non_null(s);
	for (int k = 0; k < ENGAGE_FIELD_COUNT; k++) {
		if (!h->column[k])
			assert_null(s->column[k]);
		else
			assert_string_equal(s->column[k], h->column[k]);
	}
	assert_int_equal(s->time_format, h->time_format);
	assert_int_equal(s->n_type, h->n_type);
	for (size_t k = 0; k < h->n_type; k++) {
		assert_string_equal(s->type[k].from, h->type[k].from);
		if (!h->type[k].to)
			assert_null(s->type[k].to);
		else
			assert_string_equal(s->type[k].to, h->type[k].to);
	}
	assert_int_equal(s->n_skip, h->n_skip);
	for (size_t k = 0; k < h->n_skip; k++) {
		assert_string_equal(s->skip[k].column, h->skip[k].column);
		assert_string_equal(s->skip[k].value, h->skip[k].value);
	}
	lg_buf_release(&on);
	conf_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),   cmocka_unit_test(test_plain),
		cmocka_unit_test(test_map_csv), cmocka_unit_test(test_map_json),
		cmocka_unit_test(test_hubspot), cmocka_unit_test(test_conf_maps),
		cmocka_unit_test(test_shipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
