/*
 * test_targets.c - the handoff's target formats (handoff/targets.c): the
 * Slack message, the HubSpot upsert and the Salesforce upsert built from
 * one sample handoff, each body parsed back and checked key by key;
 * Slack's escaping and the cuts at its limits; the external id's URL
 * encoding; what a status means for each target.  Then each request sent
 * by the sender (send.h) to tests/hookd.py on loopback, and its log read
 * back: the method, path, headers and body the receiver got are the ones
 * the builder gave.
 */
#include "handoff/send.h"
#include "handoff/targets.h"

#include "loop/loop.h"

#include <jansson.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/testutil.h"

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" /* hookd.py wants one */
#define TOKEN "pat-na1-11111111-2222-3333-4444-555555555555"

/* A handoff's data as the outbox fills it (targets.h): four reasons and
 * six events, so that the cuts to three and five show. */
static const char DATA[] =
	"{\"email\": \"dana+q4@acme.example\","
	" \"owner\": {\"name\": \"ana\", \"email\": \"ana@ourco.example\", \"slack\": "
	"\"U024BE7LH\"},"
	" \"stage\": \"sql\","
	" \"score\": {\"value\": 82, \"grade\": \"A1\", \"fit\": 40, \"engagement\": 30, "
	"\"intent\": 12,"
	"   \"reasons\": [{\"text\": \"requested a demo\", \"points\": 25},"
	"                 {\"text\": \"visited pricing 3 times\", \"points\": 12},"
	"                 \"VP of Sales\","
	"                 {\"text\": \"fourth reason\", \"points\": 1}]},"
	" \"verification\": {\"status\": \"valid\", \"reason\": \"smtp_ok\","
	"   \"verified_at\": \"2026-12-01T09:00:00Z\", \"fresh\": true},"
	" \"events\": [{\"type\": \"pricing_visit\", \"at\": \"2026-12-06T13:55:00Z\", \"count\": "
	"3},"
	"              {\"type\": \"demo_request\", \"at\": \"2026-12-06T13:50:00Z\", \"count\": "
	"1},"
	"              {\"type\": \"email_open\", \"at\": \"2026-12-05T10:00:00Z\"},"
	"              {\"type\": \"webinar\", \"at\": \"2026-12-04T10:00:00Z\"},"
	"              {\"type\": \"email_click\", \"at\": \"2026-12-03T10:00:00Z\"},"
	"              {\"type\": \"sixth_event\", \"at\": \"2026-12-02T10:00:00Z\"}],"
	" \"evidence\": {\"framework\": \"bant\", \"items\": {\"budget\": \"approved\"}},"
	" \"list\": \"q4-webinar\", \"source\": \"hubspot\","
	" \"last_name\": \"Reyes\", \"company\": \"Acme\"}";

static json_t *data_of(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);
	if (!d)
		fail_msg("sample data: %s", je.text);
	return d;
}

/* The body of r parsed back (owned). */
static json_t *body_of(const struct target_req *r)
{
	json_error_t je;
	assert_int_equal(strlen(r->body), r->len);
	json_t *b = json_loads(r->body, 0, &je);
	if (!b)
		fail_msg("body: %s", je.text);
	return b;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The mrkdwn text of a section block. */
static const char *section_text(const json_t *blocks, size_t i)
{
	const json_t *b = json_array_get(blocks, i);
	assert_string_equal(jstr(b, "type"), "section");
	assert_string_equal(jstr(json_object_get(b, "text"), "type"), "mrkdwn");
	return jstr(json_object_get(b, "text"), "text");
}

/* ---- Slack ------------------------------------------------------------------------- */

static void test_slack(void **state)
{
	struct target_conf c = {.url = "https://hooks.slack.com/services/T000/B000/XXXX"};
	struct target_req r;
	struct lg_err err;
	json_t *d = data_of(DATA);
	(void)state;
	assert_int_equal(target_build(TARGET_SLACK, &c, d, &r, &err), LG_OK);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.url, c.url);
	assert_null(r.headers[0]); /* the URL is the secret: no token */
	json_t *b = body_of(&r);
	assert_int_equal(json_object_size(b), 2);
	assert_string_equal(jstr(b, "text"),
			    "SQL lead dana+q4@acme.example, score 82 (A1), for <@U024BE7LH>");
	json_t *blocks = json_object_get(b, "blocks");
	assert_int_equal(json_array_size(blocks), 4);

	/* the header */
	json_t *h = json_array_get(blocks, 0);
	assert_string_equal(jstr(h, "type"), "header");
	assert_string_equal(jstr(json_object_get(h, "text"), "type"), "plain_text");
	assert_string_equal(jstr(json_object_get(h, "text"), "text"), "SQL: dana+q4@acme.example");

	/* the summary's fields */
	json_t *s = json_array_get(blocks, 1);
	assert_string_equal(jstr(s, "type"), "section");
	json_t *f = json_object_get(s, "fields");
	static const char *want[] = {
		"*Score*\n82 (A1)",
		"*Fit / engagement / intent*\n40 / 30 / 12",
		"*Owner*\n<@U024BE7LH>",
		"*Verification*\nvalid (smtp_ok), fresh, checked 2026-12-01T09:00:00Z",
		"*List*\nq4-webinar, from hubspot",
	};
	assert_int_equal(json_array_size(f), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *x = json_array_get(f, i);
		assert_string_equal(jstr(x, "type"), "mrkdwn");
		assert_string_equal(jstr(x, "text"), want[i]);
	}

	/* the top three reasons, with their points */
	assert_string_equal(section_text(blocks, 2), "*Why*\n"
						     "\xe2\x80\xa2 requested a demo (+25)\n"
						     "\xe2\x80\xa2 visited pricing 3 times (+12)\n"
						     "\xe2\x80\xa2 VP of Sales");
	/* the five most recent events: what, how often, when */
	assert_string_equal(section_text(blocks, 3),
			    "*Recent activity*\n"
			    "\xe2\x80\xa2 pricing_visit \xc3\x97"
			    "3, 2026-12-06T13:55:00Z\n"
			    "\xe2\x80\xa2 demo_request, 2026-12-06T13:50:00Z\n"
			    "\xe2\x80\xa2 email_open, 2026-12-05T10:00:00Z\n"
			    "\xe2\x80\xa2 webinar, 2026-12-04T10:00:00Z\n"
			    "\xe2\x80\xa2 email_click, 2026-12-03T10:00:00Z");
	json_decref(b);
	target_req_release(&r);
	assert_null(r.url);

	/* an owner without a Slack id: name and email; nothing else known */
	json_decref(d);
	d = data_of("{\"email\": \"x@y.example\", \"owner\": {\"name\": \"ben\", \"email\": "
		    "\"ben@ourco.example\"}}");
	assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
	b = body_of(&r);
	assert_string_equal(jstr(b, "text"), "Lead x@y.example, for ben (ben@ourco.example)");
	blocks = json_object_get(b, "blocks");
	assert_int_equal(json_array_size(blocks), 2);
	assert_string_equal(jstr(json_object_get(json_array_get(blocks, 0), "text"), "text"),
			    "Lead: x@y.example");
	f = json_object_get(json_array_get(blocks, 1), "fields");
	assert_int_equal(json_array_size(f), 1);
	assert_string_equal(jstr(json_array_get(f, 0), "text"), "*Owner*\nben (ben@ourco.example)");
	json_decref(b);
	target_req_release(&r);
	json_decref(d);
}

/* A lead.escalated message (jobs/handoff.c's escalate): whose SLA passed
 * and when, who has the lead now, and the team's escalation contact,
 * mentioned by their Slack ids when they have one, else named. */
static void test_slack_escalated(void **state)
{
	struct target_conf c = {.url = "https://hooks.slack.com/services/T000/B000/XXXX"};
	struct target_req r;
	struct lg_err err;
	(void)state;
	json_t *d = data_of(
		"{\"email\": \"dana@acme.example\", \"stage\": \"sql\","
		" \"owner\": {\"name\": \"cy\", \"email\": \"cy@ourco.example\", \"slack\": "
		"\"U0CY\"},"
		" \"previous_owner\": {\"name\": \"ana\", \"email\": \"ana@ourco.example\", "
		"\"slack\": \"U0ANA\"},"
		" \"missed_deadline\": \"2026-03-02T09:05:00Z\", \"deadline\": "
		"\"2026-03-02T09:16:00Z\","
		" \"escalations\": 1, \"team\": \"sales\","
		" \"escalation\": {\"name\": \"lee\", \"email\": \"lee@ourco.example\", "
		"\"slack\": \"U0LEE\"}}");
	assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
	json_t *b = body_of(&r);
	assert_string_equal(jstr(b, "text"), "Escalated: SQL lead dana@acme.example, SLA missed by "
					     "<@U0ANA>, for <@U0CY>; escalation <@U0LEE>");
	json_t *blocks = json_object_get(b, "blocks");
	assert_string_equal(jstr(json_object_get(json_array_get(blocks, 0), "text"), "text"),
			    "Escalated SQL: dana@acme.example");
	assert_string_equal(section_text(blocks, 1),
			    "*SLA missed* by <@U0ANA> (deadline 2026-03-02T09:05:00Z); now with "
			    "<@U0CY>\n*Escalation*: <@U0LEE>");
	json_decref(b);
	target_req_release(&r);
	json_decref(d);

	/* an escalation to an email, reps without Slack ids: named */
	d = data_of("{\"email\": \"x@y.example\", \"owner\": {\"name\": \"cy\", \"email\": "
		    "\"cy@ourco.example\"}, \"previous_owner\": {\"name\": \"ana\", \"email\": "
		    "\"ana@ourco.example\"}, \"missed_deadline\": \"2026-03-02T09:05:00Z\","
		    " \"escalation\": {\"email\": \"head-of-sales@ourco.example\"}}");
	assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
	b = body_of(&r);
	blocks = json_object_get(b, "blocks");
	assert_string_equal(section_text(blocks, 1),
			    "*SLA missed* by ana (ana@ourco.example) (deadline "
			    "2026-03-02T09:05:00Z); now with cy (cy@ourco.example)\n*Escalation*: "
			    "head-of-sales@ourco.example");
	json_decref(b);
	target_req_release(&r);
	json_decref(d);
}

/* Lead-provided text cannot ping a channel, forge a link or a mention:
 * &, < and > are escaped wherever it goes in mrkdwn. */
/* The accept link as the message's last block: a button that opens it;
 * only an http(s) URL Slack takes (a button's url, at most 3000). */
static void test_slack_accept(void **state)
{
	static const char url[] = "https://lg.ourco.example/v1/handoffs/7/accept?rep=ana"
				  "&exp=1700000000&sig=DQKEPS-wjeOl5o9kRNy6VQEWldp2O8CJrw-HPE9M71A";
	struct target_conf c = {.url = "https://hooks.slack.com/services/T/B/X"};
	struct target_req r;
	struct lg_err err;
	(void)state;
	json_t *d = data_of("{\"email\": \"dana@acme.example\", \"stage\": \"sql\"}");
	json_object_set_new(d, "accept_url", json_string(url));
	assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
	json_t *b = body_of(&r);
	json_t *blocks = json_object_get(b, "blocks");
	json_t *last = json_array_get(blocks, json_array_size(blocks) - 1);
	assert_string_equal(jstr(last, "type"), "actions");
	json_t *btn = json_array_get(json_object_get(last, "elements"), 0);
	assert_string_equal(jstr(btn, "type"), "button");
	assert_string_equal(jstr(btn, "url"), url);
	assert_string_equal(jstr(btn, "style"), "primary");
	assert_string_equal(jstr(json_object_get(btn, "text"), "type"), "plain_text");
	assert_string_equal(jstr(json_object_get(btn, "text"), "text"), "Accept");
	json_decref(b);
	target_req_release(&r);

	/* no button for what is no web link, or too long for Slack */
	struct lg_buf big = LG_BUF_INIT;
	lg_buf_adds(&big, "https://lg.example/");
	while (big.len <= 3000)
		lg_buf_addc(&big, 'a');
	const char *bad[] = {"javascript:alert(1)", big.data};
	for (size_t i = 0; i < 2; i++) {
		json_object_set_new(d, "accept_url", json_string(bad[i]));
		assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
		b = body_of(&r);
		blocks = json_object_get(b, "blocks");
		for (size_t k = 0; k < json_array_size(blocks); k++)
			assert_string_not_equal(jstr(json_array_get(blocks, k), "type"), "actions");
		json_decref(b);
		target_req_release(&r);
	}
	lg_buf_release(&big);
	json_decref(d);
}

static void test_slack_escape(void **state)
{
	struct target_conf c = {.url = "https://hooks.slack.com/services/T/B/X"};
	struct target_req r;
	struct lg_err err;
	struct lg_buf e = LG_BUF_INIT;
	(void)state;
	target_slack_escape(&e, "a & b <!channel> <http://evil.example|click> &amp; *x*");
	assert_string_equal(e.data, "a &amp; b &lt;!channel&gt; &lt;http://evil.example|click&gt; "
				    "&amp;amp; *x*");
	lg_buf_release(&e);

	json_t *d = data_of(
		"{\"email\": \"o'neil&co<x>@acme.example\", \"stage\": \"hql\","
		" \"owner\": {\"name\": \"<@U999>\", \"email\": \"a@b.example\", \"slack\": "
		"\"U1>\"},"
		" \"score\": {\"value\": 50, \"grade\": \"B<2\", \"reasons\": [\"<!here> & now\"]},"
		" \"events\": [{\"type\": \"<!channel>\", \"at\": \"<t>\", \"count\": 2}],"
		" \"list\": \"a&b\", \"source\": \"<src>\"}");
	assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
	json_t *b = body_of(&r);
	assert_string_equal(jstr(b, "text"), "HQL lead o'neil&amp;co&lt;x&gt;@acme.example, score "
					     "50 (B&lt;2), for <@U1&gt;>");
	json_t *blocks = json_object_get(b, "blocks");
	/* the header is plain_text: shown as is, not parsed */
	assert_string_equal(jstr(json_object_get(json_array_get(blocks, 0), "text"), "text"),
			    "HQL: o'neil&co<x>@acme.example");
	json_t *f = json_object_get(json_array_get(blocks, 1), "fields");
	assert_string_equal(jstr(json_array_get(f, 0), "text"), "*Score*\n50 (B&lt;2)");
	assert_string_equal(jstr(json_array_get(f, 1), "text"), "*Owner*\n<@U1&gt;>");
	assert_string_equal(jstr(json_array_get(f, 2), "text"),
			    "*List*\na&amp;b, from &lt;src&gt;");
	assert_string_equal(section_text(blocks, 2), "*Why*\n\xe2\x80\xa2 &lt;!here&gt; &amp; now");
	assert_string_equal(section_text(blocks, 3), "*Recent activity*\n\xe2\x80\xa2 "
						     "&lt;!channel&gt; \xc3\x97"
						     "2, &lt;t&gt;");
	json_decref(b);
	target_req_release(&r);
	json_decref(d);
}

/* A reason past a section's 3000 characters is cut, at a character's
 * start and never inside an escape; the body stays valid UTF-8 (jansson
 * refuses to load anything else). */
static void test_slack_cut(void **state)
{
	struct target_conf c = {.url = "https://hooks.slack.com/services/T/B/X"};
	struct target_req r;
	struct lg_err err;
	struct lg_buf t = LG_BUF_INIT;
	(void)state;
	for (const char *piece = "\xc3\xa9"; t.len < 5000;)
		lg_buf_adds(&t, piece); /* é, two bytes */
	for (int pass = 0; pass < 2; pass++) {
		json_t *d = json_pack("{s:s, s:{s:[s]}, s:[{s:s}]}", "email", "x@y.example",
				      "score", "reasons", t.data, "events", "type", t.data);
		assert_int_equal(target_slack(&c, d, &r, &err), LG_OK);
		json_t *b = body_of(&r);
		json_t *blocks = json_object_get(b, "blocks");
		for (size_t i = 1; i <= 2; i++) {
			const char *s = section_text(blocks, i);
			size_t n = strlen(s);
			assert_true(n <= 3000 && n > 2900);
			/* ends in the ellipsis */
			assert_string_equal(s + n - 3, "\xe2\x80\xa6");
			if (pass == 1) /* no broken &amp; before it */
				assert_string_equal(s + n - 8, "&amp;\xe2\x80\xa6");
		}
		json_decref(b);
		target_req_release(&r);
		json_decref(d);
		lg_buf_reset(&t);
		while (t.len < 5000)
			lg_buf_adds(&t, "&"); /* 5 bytes each once escaped */
	}
	lg_buf_release(&t);
}

/* ---- HubSpot ----------------------------------------------------------------------- */

static void test_hubspot(void **state)
{
	struct target_conf c = {.token = TOKEN};
	struct target_req r;
	struct lg_err err;
	json_t *d = data_of(DATA);
	(void)state;
	assert_int_equal(target_build(TARGET_HUBSPOT, &c, d, &r, &err), LG_OK);
	assert_string_equal(r.method, "POST");
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.url, "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert");
	assert_string_equal(r.headers[0], "Authorization: Bearer " TOKEN);
	assert_null(r.headers[1]);
	json_t *b = body_of(&r);
	assert_int_equal(json_object_size(b), 1);
	json_t *in = json_object_get(b, "inputs");
	assert_int_equal(json_array_size(in), 1);
	json_t *one = json_array_get(in, 0);
	assert_int_equal(json_object_size(one), 3);
	assert_string_equal(jstr(one, "idProperty"), "email");
	assert_string_equal(jstr(one, "id"), "dana+q4@acme.example");
	json_t *p = json_object_get(one, "properties");
	static const char *const want[][2] = {
		{"leadgate_score", "82"}, {"leadgate_stage", "sql"},
		{"leadgate_grade", "A1"}, {"leadgate_owner", "ana@ourco.example"},
		{"lastname", "Reyes"},    {"company", "Acme"},
	};
	assert_int_equal(json_object_size(p), 6);
	for (size_t i = 0; i < 6; i++) {
		const char *v = jstr(p, want[i][0]);
		if (!v || strcmp(v, want[i][1]))
			fail_msg("%s: %s, not %s", want[i][0], v ? v : "(none)", want[i][1]);
	}
	json_decref(b);
	target_req_release(&r);

	/* another base (a trailing slash is fine), no token, little data */
	c = (struct target_conf){.url = "http://127.0.0.1:9/"};
	json_decref(d);
	d = data_of("{\"email\": \"x@y.example\", \"score\": {\"value\": 12.5}}");
	assert_int_equal(target_hubspot(&c, d, &r, &err), LG_OK);
	assert_string_equal(r.url, "http://127.0.0.1:9/crm/v3/objects/contacts/batch/upsert");
	assert_null(r.headers[0]);
	assert_string_equal(r.body, "{\"inputs\":[{\"idProperty\":\"email\",\"id\":\"x@y.example\","
				    "\"properties\":{\"leadgate_score\":\"12.5\"}}]}");
	target_req_release(&r);
	json_decref(d);
}

/* ---- Salesforce -------------------------------------------------------------------- */

static void test_salesforce(void **state)
{
	struct target_conf c = {.url = "https://acme.my.salesforce.com", .token = TOKEN};
	struct target_req r;
	struct lg_err err;
	json_t *d = data_of(DATA);
	(void)state;
	assert_int_equal(target_build(TARGET_SALESFORCE, &c, d, &r, &err), LG_OK);
	assert_string_equal(r.method, "PATCH");
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.url, "https://acme.my.salesforce.com/services/data/v60.0/sobjects/"
				   "Lead/Leadgate_Email__c/dana%2Bq4%40acme.example");
	assert_string_equal(r.headers[0], "Authorization: Bearer " TOKEN);
	json_t *b = body_of(&r);
	assert_int_equal(json_object_size(b), 7);
	assert_string_equal(jstr(b, "Email"), "dana+q4@acme.example");
	assert_int_equal(json_integer_value(json_object_get(b, "Leadgate_Score__c")), 82);
	assert_string_equal(jstr(b, "Leadgate_Stage__c"), "sql");
	assert_string_equal(jstr(b, "Leadgate_Grade__c"), "A1");
	assert_string_equal(jstr(b, "Leadgate_Owner_Email__c"), "ana@ourco.example");
	assert_string_equal(jstr(b, "LastName"), "Reyes");
	assert_string_equal(jstr(b, "Company"), "Acme");
	/* never the external-id field itself */
	assert_null(json_object_get(b, "Leadgate_Email__c"));
	json_decref(b);
	target_req_release(&r);

	/* another field and version; the field Email is not repeated in
	 * the body */
	c.version = "v58.0";
	c.field = "Email";
	c.url = "https://acme.my.salesforce.com/";
	assert_int_equal(target_salesforce(&c, d, &r, &err), LG_OK);
	assert_string_equal(r.url, "https://acme.my.salesforce.com/services/data/v58.0/sobjects/"
				   "Lead/Email/dana%2Bq4%40acme.example");
	b = body_of(&r);
	assert_null(json_object_get(b, "Email"));
	assert_int_equal(json_object_size(b), 6);
	json_decref(b);
	target_req_release(&r);
	json_decref(d);
}

static void test_url_segment(void **state)
{
	static const char *const v[][2] = {
		{"dana@acme.example", "dana%40acme.example"},
		{"a+b/c?d#e f%g", "a%2Bb%2Fc%3Fd%23e%20f%25g"},
		{"Az09-._~", "Az09-._~"},
		{"j\xc3\xb6rg@m\xc3\xbcller.example", "j%C3%B6rg%40m%C3%BCller.example"},
		{"..", ".."},
		{"", ""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lg_buf b = LG_BUF_INIT;
		lg_buf_adds(&b, "");
		target_url_segment(&b, v[i][0]);
		assert_string_equal(b.data, v[i][1]);
		lg_buf_release(&b);
	}
}

/* What the builders refuse, and that the token is never quoted. */
static void test_refused(void **state)
{
	struct target_req r;
	struct lg_err err;
	json_t *d = data_of("{\"email\": \"x@y.example\"}");
	json_t *none = data_of("{\"stage\": \"sql\"}");
	json_t *arr = json_array();
	struct target_conf ok = {.url = "https://x.example", .token = TOKEN};
	(void)state;
	for (int k = TARGET_SLACK; k <= TARGET_SALESFORCE; k++) {
		assert_int_equal(target_build(k, &ok, none, &r, &err), LG_EDATA);
		assert_non_null(strstr(err.msg, "no email"));
		assert_null(r.body);
		assert_int_equal(target_build(k, &ok, arr, &r, &err), LG_EDATA);
	}
	/* no '@': "." or ".." would be a step of the URL's path */
	json_t *dots = data_of("{\"email\": \"..\"}");
	assert_int_equal(target_salesforce(&ok, dots, &r, &err), LG_EDATA);
	assert_null(r.url);
	json_decref(dots);
	struct target_conf nourl = {.token = TOKEN};
	assert_int_equal(target_slack(&nourl, d, &r, &err), LG_ECONFIG);
	assert_int_equal(target_salesforce(&nourl, d, &r, &err), LG_ECONFIG);
	assert_non_null(strstr(err.msg, "instance URL"));
	static const char *bad_field[] = {"Lead/Id", "1field", "a b", "x__c/..", ""};
	for (size_t i = 0; i < sizeof(bad_field) / sizeof(bad_field[0]); i++) {
		struct target_conf c = ok;
		c.field = bad_field[i];
		assert_int_equal(target_salesforce(&c, d, &r, &err), LG_ECONFIG);
		assert_null(r.url);
	}
	static const char *bad_version[] = {"60.0", "v60", "v60.0/", "v.0", "vx.y"};
	for (size_t i = 0; i < sizeof(bad_version) / sizeof(bad_version[0]); i++) {
		struct target_conf c = ok;
		c.version = bad_version[i];
		assert_int_equal(target_salesforce(&c, d, &r, &err), LG_ECONFIG);
	}
	struct target_conf crlf = {.url = "https://x.example", .token = "abc\r\nX-Evil: 1"};
	assert_int_equal(target_hubspot(&crlf, d, &r, &err), LG_ECONFIG);
	assert_null(strstr(err.msg, "abc"));
	assert_null(r.auth);
	assert_int_equal(target_salesforce(&crlf, d, &r, &err), LG_ECONFIG);
	json_decref(d);
	json_decref(none);
	json_decref(arr);
}

/* ---- statuses ---------------------------------------------------------------------- */

static void test_status(void **state)
{
	static const struct {
		enum target_kind k;
		long st;
		enum target_verdict want;
	} v[] = {
		/* Salesforce: created, updated (by version), several matches */
		{TARGET_SALESFORCE, 201, TARGET_DELIVERED},
		{TARGET_SALESFORCE, 204, TARGET_DELIVERED},
		{TARGET_SALESFORCE, 200, TARGET_DELIVERED},
		{TARGET_SALESFORCE, 300, TARGET_ERROR},
		{TARGET_SALESFORCE, 400, TARGET_ERROR},
		{TARGET_SALESFORCE, 404, TARGET_ERROR},
		{TARGET_SALESFORCE, 401, TARGET_RETRY},
		{TARGET_SALESFORCE, 403, TARGET_RETRY},
		{TARGET_SALESFORCE, 429, TARGET_RETRY},
		{TARGET_SALESFORCE, 500, TARGET_RETRY},
		{TARGET_SALESFORCE, 503, TARGET_RETRY},
		{TARGET_SALESFORCE, 0, TARGET_RETRY},
		{TARGET_SALESFORCE, 202, TARGET_RETRY},
		/* HubSpot: 207, the one input failed */
		{TARGET_HUBSPOT, 200, TARGET_DELIVERED},
		{TARGET_HUBSPOT, 201, TARGET_DELIVERED},
		{TARGET_HUBSPOT, 207, TARGET_ERROR},
		{TARGET_HUBSPOT, 400, TARGET_ERROR},
		{TARGET_HUBSPOT, 409, TARGET_ERROR},
		{TARGET_HUBSPOT, 401, TARGET_RETRY},
		{TARGET_HUBSPOT, 429, TARGET_RETRY},
		{TARGET_HUBSPOT, 502, TARGET_RETRY},
		/* Slack */
		{TARGET_SLACK, 200, TARGET_DELIVERED},
		{TARGET_SLACK, 400, TARGET_ERROR},
		{TARGET_SLACK, 403, TARGET_ERROR},
		{TARGET_SLACK, 404, TARGET_ERROR},
		{TARGET_SLACK, 410, TARGET_ERROR},
		{TARGET_SLACK, 429, TARGET_RETRY},
		{TARGET_SLACK, 500, TARGET_RETRY},
		{TARGET_SLACK, 302, TARGET_RETRY},
		{TARGET_SLACK, 0, TARGET_RETRY},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enum target_verdict got = target_status(v[i].k, v[i].st);
		if (got != v[i].want)
			fail_msg("%s %ld: %s, not %s", target_kind_name(v[i].k), v[i].st,
				 target_verdict_name(got), target_verdict_name(v[i].want));
	}
	assert_string_equal(target_verdict_name(TARGET_ERROR), "error");
	assert_string_equal(target_kind_name(TARGET_SALESFORCE), "salesforce");
}

/* ---- sent to hookd.py -------------------------------------------------------------- */

struct slot {
	bool done;
	struct send_result r;
};

static void on_done(void *arg, const struct send_result *res)
{
	struct slot *s = arg;
	s->done = true;
	s->r = *res;
}

/* Each kind built, sent with the sender, and checked from the receiver's
 * log: what arrived is what the builder said. */
static void test_sent(void **state)
{
	char dir[] = "/tmp/lg-targets-XXXXXX", log[96], base[64], slack[128];
	struct loop *l;
	struct sender *s;
	struct lg_err err;
	pid_t pid = -1;
	int port;
	struct send_opts o = {.allow_http = true, .allow_private = true};
	json_t *d = data_of(DATA);
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/hookd.log", dir);
	assert_true(hookd_start(SECRET, 0, log, &pid, &port));
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	snprintf(slack, sizeof(slack), "%s/slack/T000/B000/XXXX", base);
	struct target_conf conf[] = {
		[TARGET_SLACK] = {.url = slack},
		[TARGET_HUBSPOT] = {.url = base, .token = TOKEN},
		[TARGET_SALESFORCE] = {.url = base, .token = TOKEN},
	};
	static const char *const path[] = {
		[TARGET_SLACK] = "/slack/T000/B000/XXXX",
		[TARGET_HUBSPOT] = "/crm/v3/objects/contacts/batch/upsert",
		[TARGET_SALESFORCE] = "/services/data/v60.0/sobjects/Lead/Leadgate_Email__c/"
				      "dana%2Bq4%40acme.example",
	};
	static const long status[] = {
		[TARGET_SLACK] = 200, [TARGET_HUBSPOT] = 200, [TARGET_SALESFORCE] = 201};
	struct target_req req[3];
	struct slot slot[3] = {{0}};
	long at = test_file_size(log);

	assert_int_equal(loop_new(&l, &err), LG_OK);
	assert_int_equal(sender_new(&s, l, &o, &err), LG_OK);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(target_build(k, &conf[k], d, &req[k], &err), LG_OK);
		struct send_msg m = {.url = req[k].url,
				     .body = req[k].body,
				     .len = req[k].len,
				     .content_type = req[k].content_type,
				     .method = req[k].method,
				     .headers = req[k].headers};
		assert_int_equal(sender_submit(s, &m, on_done, &slot[k], &err), LG_OK);
		/* one at a time: the log's order is the kinds' */
		assert_true(sender_drain(l, s));
	}

	/* several Leads match the external id: the sender says retry (not a
	 * 2xx), target_status says error, not to be sent again */
	json_t *dup = data_of("{\"email\": \"several@acme.example\"}");
	struct target_req sr;
	struct slot ss = {0};
	assert_int_equal(target_salesforce(&conf[TARGET_SALESFORCE], dup, &sr, &err), LG_OK);
	struct send_msg m = {.url = sr.url,
			     .body = sr.body,
			     .len = sr.len,
			     .content_type = sr.content_type,
			     .method = sr.method,
			     .headers = sr.headers};
	assert_int_equal(sender_submit(s, &m, on_done, &ss, &err), LG_OK);
	assert_true(sender_drain(l, s));
	assert_true(ss.done);
	assert_int_equal(ss.r.outcome, SEND_RETRY);
	assert_int_equal(ss.r.status, 300);
	assert_int_equal(target_status(TARGET_SALESFORCE, ss.r.status), TARGET_ERROR);
	target_req_release(&sr);
	json_decref(dup);

	sender_free(s);
	loop_free(l);
	hookd_stop(pid);

	json_t *a = hookd_log_since(log, at);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 4); /* the three, then the 300 */
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 3), "status")), 300);
	for (int k = 0; k < 3; k++) {
		json_t *q = json_array_get(a, (size_t)k);
		assert_true(slot[k].done);
		if (slot[k].r.outcome != SEND_DELIVERED)
			fail_msg("%s: %s", target_kind_name(k), slot[k].r.detail);
		assert_int_equal(slot[k].r.status, status[k]);
		assert_int_equal(target_status(k, slot[k].r.status), TARGET_DELIVERED);
		assert_string_equal(jstr(q, "method"), req[k].method);
		assert_string_equal(jstr(q, "path"), path[k]);
		assert_string_equal(jstr(q, "content_type"), "application/json");
		if (k == TARGET_SLACK)
			assert_true(json_is_null(json_object_get(q, "authorization")));
		else
			assert_string_equal(jstr(q, "authorization"), "Bearer " TOKEN);
		/* unsigned: no Standard Webhooks headers */
		assert_true(json_is_null(json_object_get(q, "id")));
		/* the body, byte for byte and key by key */
		assert_string_equal(jstr(q, "body"), req[k].body);
		json_t *got = json_loads(jstr(q, "body"), 0, NULL), *want = body_of(&req[k]);
		assert_non_null(got);
		assert_true(json_equal(got, want));
		json_decref(got);
		json_decref(want);
		target_req_release(&req[k]);
	}
	json_decref(a);

	json_decref(d);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slack),        cmocka_unit_test(test_slack_escalated),
		cmocka_unit_test(test_slack_escape), cmocka_unit_test(test_slack_cut),
		cmocka_unit_test(test_hubspot),      cmocka_unit_test(test_salesforce),
		cmocka_unit_test(test_url_segment),  cmocka_unit_test(test_refused),
		cmocka_unit_test(test_status),       cmocka_unit_test(test_sent),
		cmocka_unit_test(test_slack_accept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
