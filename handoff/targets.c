/*
 * targets.c - a handoff's data as a Slack message, a HubSpot upsert or a
 * Salesforce upsert (see targets.h).  Each builder reads the data object,
 * builds the body with jansson (which escapes JSON) and the URL with
 * target_url_segment where a value goes into a path.
 *
 * The formats, from the vendors' public documentation:
 *
 * Slack: an incoming webhook takes a POST of a JSON message, "text" and
 * "blocks" (api.slack.com/messaging/webhooks); "text" is then the
 * fallback shown in notifications.  Blocks of Block Kit
 * (api.slack.com/reference/block-kit/blocks): a header (plain_text, at
 * most 150 characters), sections (mrkdwn text at most 3000 characters;
 * at most 10 fields of at most 2000 each).  In mrkdwn, &, < and > are
 * control characters and are escaped as &amp; &lt; &gt;
 * (api.slack.com/reference/surfaces/formatting, "Escaping text"); a rep
 * is mentioned as <@MEMBERID>.  An actions block holds the accept link
 * as a button (type button with a url, at most 3000 characters: the
 * Block Kit reference's "Button element"), which Slack opens in the
 * browser.  Lead-provided text is escaped, so that a
 * reason or an event type cannot ping a channel (<!channel>) or forge a
 * link.  What its answers mean ("Handling errors" of the webhooks page):
 * 400 invalid_payload, 403 action_prohibited, 404 channel_not_found and
 * 410 channel_is_archived say the message or the webhook is wrong, not
 * that Slack is busy.
 *
 * HubSpot: "Upsert a batch of contacts", POST
 * /crm/v3/objects/contacts/batch/upsert with {"inputs": [{"idProperty":
 * "email", "id": EMAIL, "properties": {...}}]} and "Authorization:
 * Bearer" (developers.hubspot.com/docs/api-reference/legacy/crm/objects/
 * contacts/batch/upsert-contacts; the date-versioned
 * /crm/objects/2026-03/contacts/batch/upsert takes the same body).
 * Property values are sent as strings, which HubSpot accepts for every
 * property type.  The properties, custom ones the portal's admin creates
 * (a contact property group "leadgate"):
 *   leadgate_score  number   the score's value
 *   leadgate_stage  text     "sql" ...
 *   leadgate_grade  text     "A1"
 *   leadgate_owner  text     the rep's email
 * Why not HubSpot's own hubspot_owner_id: it takes a HubSpot owner's
 * numeric id, which the configuration of a rep does not hold (name,
 * email, Slack id); writing the email there is refused.  Why not
 * lifecyclestage: HubSpot does not move it backwards through an upsert,
 * and its values are the portal's own.  email itself is the idProperty
 * and is not repeated in properties.
 *
 * Salesforce: "Insert or Update (Upsert) a Record Using an External ID",
 * PATCH /services/data/vNN.N/sobjects/Lead/FIELD/VALUE with the fields
 * as JSON (developer.salesforce.com/docs/platform/api-rest/guide/
 * dome-upsert.html and the resource's page, resources_sobject_upsert_
 * patch.htm): 201 when a record was created, 200 or 204 (by API version)
 * when one was updated, 300 when the value matches several records (and
 * nothing is written), 400 or 404 for a bad field.  The body must not
 * hold the external-id field itself.  The fields: Email, Leadgate_Score__c
 * (Number), Leadgate_Stage__c, Leadgate_Grade__c, Leadgate_Owner_Email__c
 * (Text), and FirstName, LastName, Company when the data has them: a Lead
 * is created only with LastName and Company (REQUIRED_FIELD_MISSING,
 * 400, without), and made-up values would overwrite real ones on an
 * update.  OwnerId wants a Salesforce user id, which a rep's
 * configuration does not hold: the rep's email goes to a field of ours.
 */
#include "handoff/targets.h"

#include <string.h>

#define SLACK_HEADER_MAX 150   /* a header block's plain_text */
#define SLACK_SECTION_MAX 3000 /* a section's text */
#define SLACK_FIELD_MAX 2000   /* a section field's text */
#define SLACK_TEXT_MAX 3000    /* the fallback: ours, well under Slack's 40000 */
#define SLACK_URL_MAX 3000     /* a button's url */

const char *target_kind_name(enum target_kind k)
{
	switch (k) {
	case TARGET_SLACK: return "slack";
	case TARGET_HUBSPOT: return "hubspot";
	case TARGET_SALESFORCE: return "salesforce";
	}
	return "?";
}

const char *target_verdict_name(enum target_verdict v)
{
	switch (v) {
	case TARGET_DELIVERED: return "delivered";
	case TARGET_ERROR: return "error";
	case TARGET_RETRY: return "retry";
	}
	return "?";
}

void target_req_release(struct target_req *r)
{
	free(r->url);
	free(r->body);
	free(r->auth);
	memset(r, 0, sizeof(*r));
}

/* ---- text ------------------------------------------------------------------------ */

void target_slack_escape(struct lg_buf *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': lg_buf_adds(out, "&amp;"); break;
		case '<': lg_buf_adds(out, "&lt;"); break;
		case '>': lg_buf_adds(out, "&gt;"); break;
		default: lg_buf_addc(out, *s);
		}
}

void target_url_segment(struct lg_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (lg_ascii_is_alpha(*p) || lg_ascii_is_digit(*p) || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~') {
			lg_buf_addc(out, (char)*p);
			continue;
		}
		lg_buf_addc(out, '%');
		lg_buf_addc(out, hex[*p >> 4]);
		lg_buf_addc(out, hex[*p & 15]);
	}
}

/* Cut b to at most max bytes, at a UTF-8 character's start, and not in
 * the middle of an escape (&amp;) the cut would break; "..." (one
 * character, U+2026) marks a cut. */
static void cut(struct lg_buf *b, size_t max)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	if (b->len <= max)
		return;
	size_t n = max - (sizeof(ellipsis) - 1);
	while (n && ((unsigned char)b->data[n] & 0xc0) == 0x80)
		n--;
	for (size_t i = n; i > 0 && n - i < 5; i--)
		if (b->data[i - 1] == ';')
			break;
		else if (b->data[i - 1] == '&') {
			n = i - 1;
			break;
		}
	b->len = n;
	lg_buf_add(b, ellipsis, sizeof(ellipsis) - 1);
}

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A number of o as text ("82", "12.5"); false when key is not a number. */
static bool get_num(const json_t *o, const char *key, char *out, size_t size)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, size, "%.10g", json_real_value(v));
	else
		return false;
	return true;
}

/* ---- Slack ----------------------------------------------------------------------- */

static json_t *mrkdwn(const char *text)
{
	return json_pack("{s:s, s:s}", "type", "mrkdwn", "text", text);
}

static json_t *section(struct lg_buf *text)
{
	cut(text, SLACK_SECTION_MAX);
	return json_pack("{s:s, s:o}", "type", "section", "text", mrkdwn(text->data));
}

/* A field of the summary: "*title*\nvalue", value escaped. */
static void add_field(json_t *fields, const char *title, const char *value)
{
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_addf(&b, "*%s*\n", title);
	target_slack_escape(&b, value);
	cut(&b, SLACK_FIELD_MAX);
	json_array_append_new(fields, mrkdwn(b.data));
	lg_buf_release(&b);
}

/* The owner as Slack shows them: a mention when they have a member id
 * (Slack then shows their name), else the name and email. */
static void owner_text(struct lg_buf *b, const json_t *owner)
{
	const char *slack = get_str(owner, "slack"), *name = get_str(owner, "name"),
		   *email = get_str(owner, "email");
	if (slack && *slack) {
		lg_buf_adds(b, "<@");
		target_slack_escape(b, slack);
		lg_buf_addc(b, '>');
		return;
	}
	if (name)
		target_slack_escape(b, name);
	if (email) {
		lg_buf_adds(b, name ? " (" : "");
		target_slack_escape(b, email);
		lg_buf_adds(b, name ? ")" : "");
	}
}

/*
 * A lead.escalated message's own section (its data has missed_deadline):
 * who let the SLA pass and when it ended, who has the lead now, and the
 * team's escalation contact, each mentioned (<@ID>) when they have a
 * Slack id, so that Slack notifies them.  Appended to b (empty when data
 * is no escalation); the fallback's words to fb (whose SLA) and tail (the
 * escalation contact, which ends the fallback).
 */
static void escalation_text(struct lg_buf *b, struct lg_buf *fb, struct lg_buf *tail,
			    const json_t *data)
{
	const char *missed = get_str(data, "missed_deadline");
	const json_t *prev = json_object_get(data, "previous_owner"),
		     *owner = json_object_get(data, "owner"),
		     *esc = json_object_get(data, "escalation");
	struct lg_buf who = LG_BUF_INIT;
	if (!missed)
		return;
	lg_buf_adds(b, "*SLA missed*");
	if (json_is_object(prev)) {
		owner_text(&who, prev);
		if (who.len) {
			lg_buf_addf(b, " by %s", who.data);
			lg_buf_addf(fb, ", SLA missed by %s", who.data);
		}
	} else {
		lg_buf_adds(fb, ", SLA missed");
	}
	lg_buf_adds(b, " (deadline ");
	target_slack_escape(b, missed);
	lg_buf_adds(b, ")");
	if (json_is_object(owner)) {
		lg_buf_reset(&who);
		owner_text(&who, owner);
		if (who.len)
			lg_buf_addf(b, "; now with %s", who.data);
	}
	if (json_is_object(esc)) {
		lg_buf_reset(&who);
		owner_text(&who, esc);
		if (who.len) {
			lg_buf_addf(b, "\n*Escalation*: %s", who.data);
			lg_buf_addf(tail, "; escalation %s", who.data);
		}
	}
	lg_buf_release(&who);
}

static const char *reason_text(const json_t *r)
{
	return json_is_string(r) ? json_string_value(r) : get_str(r, "text");
}

enum lg_status target_slack(const struct target_conf *conf, const json_t *data,
			    struct target_req *out, struct lg_err *err)
{
	const json_t *score = json_object_get(data, "score"),
		     *owner = json_object_get(data, "owner");
	const json_t *ver = json_object_get(data, "verification");
	const char *email = get_str(data, "email"), *stage = get_str(data, "stage");
	const char *grade = get_str(score, "grade");
	struct lg_buf b = LG_BUF_INIT, fb = LG_BUF_INIT, tail = LG_BUF_INIT;
	char num[64], stage_up[16] = "";
	json_t *blocks = json_array(), *fields = json_array();

	memset(out, 0, sizeof(*out));
	if (!json_is_object(data) || !email || !*email) {
		json_decref(blocks);
		json_decref(fields);
		return lg_err_set(err, LG_EDATA, "slack: the handoff's data has no email");
	}
	if (!conf || !conf->url || !*conf->url) {
		json_decref(blocks);
		json_decref(fields);
		return lg_err_set(err, LG_ECONFIG, "slack: no incoming webhook URL");
	}
	if (stage && strlen(stage) < sizeof(stage_up))
		for (size_t i = 0; i <= strlen(stage); i++)
			stage_up[i] = lg_ascii_is_alpha((unsigned char)stage[i])
					      ? (char)(stage[i] & ~0x20)
					      : stage[i];

	/* the header: plain text, no escaping; Slack counts characters, we
	 * cut at bytes, which is never more */
	bool escalated = get_str(data, "missed_deadline") != NULL;
	if (escalated)
		lg_buf_addf(&b, "Escalated%s%s: %s", stage_up[0] ? " " : "", stage_up, email);
	else if (stage_up[0])
		lg_buf_addf(&b, "%s: %s", stage_up, email);
	else
		lg_buf_addf(&b, "Lead: %s", email);
	cut(&b, SLACK_HEADER_MAX);
	json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text",
						"type", "plain_text", "text", b.data));

	/* the fallback: a line that stands alone in a notification */
	if (escalated)
		lg_buf_adds(&fb, "Escalated: ");
	if (stage_up[0])
		lg_buf_addf(&fb, "%s lead ", stage_up);
	else
		lg_buf_adds(&fb, escalated ? "lead " : "Lead ");
	target_slack_escape(&fb, email);
	/* an escalation: whose SLA passed, and whom it is escalated to,
	 * first after the header */
	lg_buf_reset(&b);
	escalation_text(&b, &fb, &tail, data);
	if (b.len)
		json_array_append_new(blocks, section(&b));

	/* the summary: score and grade, owner, verification, list */
	lg_buf_reset(&b);
	if (get_num(score, "value", num, sizeof(num))) {
		lg_buf_adds(&b, num);
		lg_buf_adds(&fb, ", score ");
		lg_buf_adds(&fb, num);
		if (grade) {
			lg_buf_addf(&b, " (%s)", grade);
			lg_buf_adds(&fb, " (");
			target_slack_escape(&fb, grade);
			lg_buf_adds(&fb, ")");
		}
		add_field(fields, "Score", b.data);
	}
	lg_buf_reset(&b);
	{
		char f[64], e[64], in[64];
		if (get_num(score, "fit", f, sizeof(f)) &&
		    get_num(score, "engagement", e, sizeof(e)) &&
		    get_num(score, "intent", in, sizeof(in))) {
			lg_buf_addf(&b, "%s / %s / %s", f, e, in);
			add_field(fields, "Fit / engagement / intent", b.data);
		}
	}
	if (json_is_object(owner)) {
		struct lg_buf o = LG_BUF_INIT;
		owner_text(&o, owner);
		if (o.len) {
			/* already escaped: a mention must stay a mention */
			lg_buf_reset(&b);
			lg_buf_addf(&b, "*Owner*\n%s", o.data);
			cut(&b, SLACK_FIELD_MAX);
			json_array_append_new(fields, mrkdwn(b.data));
			lg_buf_adds(&fb, ", for ");
			lg_buf_adds(&fb, o.data);
		}
		lg_buf_release(&o);
	}
	if (json_is_object(ver) && get_str(ver, "status")) {
		const json_t *fresh = json_object_get(ver, "fresh");
		const char *at = get_str(ver, "verified_at"), *why = get_str(ver, "reason");
		lg_buf_reset(&b);
		lg_buf_adds(&b, get_str(ver, "status"));
		if (why)
			lg_buf_addf(&b, " (%s)", why);
		if (json_is_boolean(fresh))
			lg_buf_adds(&b, json_is_true(fresh) ? ", fresh" : ", stale");
		if (at)
			lg_buf_addf(&b, ", checked %s", at);
		add_field(fields, "Verification", b.data);
	}
	if (get_str(data, "list") || get_str(data, "source")) {
		lg_buf_reset(&b);
		if (get_str(data, "list"))
			lg_buf_adds(&b, get_str(data, "list"));
		if (get_str(data, "source"))
			lg_buf_addf(&b, "%sfrom %s", b.len ? ", " : "", get_str(data, "source"));
		add_field(fields, "List", b.data);
	}
	if (json_array_size(fields))
		json_array_append_new(blocks,
				      json_pack("{s:s, s:O}", "type", "section", "fields", fields));
	json_decref(fields);

	/* why: the top reasons of the score's explanation */
	const json_t *reasons = json_object_get(score, "reasons");
	lg_buf_reset(&b);
	for (size_t i = 0, n = 0; i < json_array_size(reasons) && n < TARGET_SLACK_REASONS; i++) {
		const json_t *r = json_array_get(reasons, i);
		const char *t = reason_text(r);
		if (!t)
			continue;
		lg_buf_adds(&b, n++ ? "\n\xe2\x80\xa2 " : "*Why*\n\xe2\x80\xa2 ");
		target_slack_escape(&b, t);
		if (json_is_object(r) && get_num(r, "points", num, sizeof(num)))
			lg_buf_addf(&b, " (%s%s)", num[0] == '-' ? "" : "+", num);
	}
	if (b.len)
		json_array_append_new(blocks, section(&b));

	/* what they did lately: what, when, how often */
	const json_t *events = json_object_get(data, "events");
	lg_buf_reset(&b);
	for (size_t i = 0, n = 0; i < json_array_size(events) && n < TARGET_SLACK_EVENTS; i++) {
		const json_t *e = json_array_get(events, i);
		const char *type = get_str(e, "type"), *at = get_str(e, "at");
		if (!type)
			continue;
		lg_buf_adds(&b, n++ ? "\n\xe2\x80\xa2 " : "*Recent activity*\n\xe2\x80\xa2 ");
		target_slack_escape(&b, type);
		if (get_num(e, "count", num, sizeof(num)) && strcmp(num, "1"))
			lg_buf_addf(&b, " \xc3\x97%s", num);
		if (at) {
			lg_buf_adds(&b, ", ");
			target_slack_escape(&b, at);
		}
	}
	if (b.len)
		json_array_append_new(blocks, section(&b));

	if (tail.len)
		lg_buf_adds(&fb, tail.data);
	lg_buf_release(&tail);
	/* the one-click accept link (sign.h) as a button: a link button
	 * opens the page in the rep's browser, where they accept (Slack's
	 * link previews fetch URLs of the text, never accept: the page
	 * accepts only on a POST) */
	const char *accept = get_str(data, "accept_url");
	if (accept && strlen(accept) <= SLACK_URL_MAX &&
	    (!strncmp(accept, "https://", 8) || !strncmp(accept, "http://", 7)))
		json_array_append_new(blocks,
				      json_pack("{s:s, s:[{s:s, s:s, s:{s:s, s:s}, s:s, s:s}]}",
						"type", "actions", "elements", "type", "button",
						"action_id", "leadgate_accept", "text", "type",
						"plain_text", "text", "Accept", "url", accept,
						"style", "primary"));

	cut(&fb, SLACK_TEXT_MAX);
	json_t *msg = json_pack("{s:s, s:o}", "text", fb.data, "blocks", blocks);
	lg_buf_release(&b);
	lg_buf_release(&fb);
	if (!msg) /* text that is not UTF-8: never from a parsed data object */
		return lg_err_set(err, LG_EDATA, "slack: the handoff's data is not UTF-8");
	out->method = "POST";
	out->content_type = "application/json";
	out->url = lg_xstrdup(conf->url);
	out->body = json_dumps(msg, JSON_COMPACT);
	out->len = strlen(out->body);
	json_decref(msg);
	return LG_OK;
}

/* ---- the CRMs -------------------------------------------------------------------- */

/* base without its trailing slashes, then path. */
static char *join(const char *base, const char *path)
{
	size_t n = strlen(base);
	struct lg_buf b = LG_BUF_INIT;
	while (n && base[n - 1] == '/')
		n--;
	lg_buf_add(&b, base, n);
	lg_buf_adds(&b, path);
	return b.data;
}

static enum lg_status set_auth(const char *who, const struct target_conf *conf,
			       struct target_req *out, struct lg_err *err)
{
	if (!conf->token || !*conf->token)
		return LG_OK;
	if (strpbrk(conf->token, "\r\n"))
		return lg_err_set(err, LG_ECONFIG, "%s: the token holds a line break", who);
	size_t n = strlen(conf->token) + sizeof("Authorization: Bearer ");
	out->auth = lg_xmalloc(n);
	snprintf(out->auth, n, "Authorization: Bearer %s", conf->token);
	out->headers[0] = out->auth;
	return LG_OK;
}

/* A Salesforce API name: a letter, then letters, digits and '_' (a
 * custom field ends in "__c"). */
static bool api_name_ok(const char *s)
{
	if (!lg_ascii_is_alpha((unsigned char)*s) || strlen(s) > 80)
		return false;
	for (; *s; s++)
		if (!lg_ascii_is_alpha((unsigned char)*s) &&
		    !lg_ascii_is_digit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* "v60.0": 'v', digits, '.', digits. */
static bool version_ok(const char *s)
{
	size_t a = 0, b = 0;
	if (*s++ != 'v')
		return false;
	while (lg_ascii_is_digit((unsigned char)*s))
		s++, a++;
	if (*s++ != '.')
		return false;
	while (lg_ascii_is_digit((unsigned char)*s))
		s++, b++;
	return !*s && a && a < 4 && b && b < 3;
}

static const char *owner_email(const json_t *data)
{
	return get_str(json_object_get(data, "owner"), "email");
}

enum lg_status target_hubspot(const struct target_conf *conf, const json_t *data,
			      struct target_req *out, struct lg_err *err)
{
	const json_t *score = json_object_get(data, "score");
	const char *email = get_str(data, "email"), *v;
	char num[64];
	enum lg_status st;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(data) || !email || !*email)
		return lg_err_set(err, LG_EDATA, "hubspot: the handoff's data has no email");
	if (!conf)
		return lg_err_set(err, LG_ECONFIG, "hubspot: no configuration");
	if ((st = set_auth("hubspot", conf, out, err)) != LG_OK)
		return st;

	json_t *props = json_object();
	if (get_num(score, "value", num, sizeof(num)))
		json_object_set_new(props, "leadgate_score", json_string(num));
	if ((v = get_str(data, "stage")))
		json_object_set_new(props, "leadgate_stage", json_string(v));
	if ((v = get_str(score, "grade")))
		json_object_set_new(props, "leadgate_grade", json_string(v));
	if ((v = owner_email(data)))
		json_object_set_new(props, "leadgate_owner", json_string(v));
	if ((v = get_str(data, "first_name")))
		json_object_set_new(props, "firstname", json_string(v));
	if ((v = get_str(data, "last_name")))
		json_object_set_new(props, "lastname", json_string(v));
	if ((v = get_str(data, "company")))
		json_object_set_new(props, "company", json_string(v));
	json_t *body = json_pack("{s:[{s:s, s:s, s:o}]}", "inputs", "idProperty", "email", "id",
				 email, "properties", props);
	out->method = "POST";
	out->content_type = "application/json";
	if (!body) { /* text that is not UTF-8: never from a parsed data object */
		target_req_release(out);
		return lg_err_set(err, LG_EDATA, "hubspot: the handoff's data is not UTF-8");
	}
	out->url = join(conf->url && *conf->url ? conf->url : TARGET_HUBSPOT_BASE,
			"/crm/v3/objects/contacts/batch/upsert");
	out->body = json_dumps(body, JSON_COMPACT);
	out->len = strlen(out->body);
	json_decref(body);
	return LG_OK;
}

enum lg_status target_salesforce(const struct target_conf *conf, const json_t *data,
				 struct target_req *out, struct lg_err *err)
{
	const json_t *score = json_object_get(data, "score"), *n;
	const char *email = get_str(data, "email"), *v;
	const char *field = conf && conf->field ? conf->field : TARGET_SALESFORCE_FIELD;
	const char *version = conf && conf->version ? conf->version : TARGET_SALESFORCE_VERSION;
	enum lg_status st;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(data) || !email || !*email)
		return lg_err_set(err, LG_EDATA, "salesforce: the handoff's data has no email");
	/* in the URL's path: "." or ".." would be a path step, not a value */
	if (!strchr(email, '@'))
		return lg_err_set(err, LG_EDATA, "salesforce: the handoff's email has no '@'");
	if (!conf || !conf->url || !*conf->url)
		return lg_err_set(err, LG_ECONFIG, "salesforce: no instance URL");
	if (!api_name_ok(field))
		return lg_err_set(err, LG_ECONFIG,
				  "salesforce: '%s' is not a field's API name (letters, digits, _)",
				  field);
	if (!version_ok(version))
		return lg_err_set(err, LG_ECONFIG,
				  "salesforce: '%s' is not an API version (\"v60.0\")", version);
	if ((st = set_auth("salesforce", conf, out, err)) != LG_OK)
		return st;

	json_t *body = json_object();
	/* not the external-id field itself: Salesforce refuses it in the body */
	if (strcmp(field, "Email"))
		json_object_set_new(body, "Email", json_string(email));
	n = json_object_get(score, "value");
	if (json_is_number(n))
		json_object_set(body, "Leadgate_Score__c", (json_t *)n);
	if ((v = get_str(data, "stage")))
		json_object_set_new(body, "Leadgate_Stage__c", json_string(v));
	if ((v = get_str(score, "grade")))
		json_object_set_new(body, "Leadgate_Grade__c", json_string(v));
	if ((v = owner_email(data)))
		json_object_set_new(body, "Leadgate_Owner_Email__c", json_string(v));
	if ((v = get_str(data, "first_name")))
		json_object_set_new(body, "FirstName", json_string(v));
	if ((v = get_str(data, "last_name")))
		json_object_set_new(body, "LastName", json_string(v));
	if ((v = get_str(data, "company")))
		json_object_set_new(body, "Company", json_string(v));

	struct lg_buf path = LG_BUF_INIT;
	lg_buf_addf(&path, "/services/data/%s/sobjects/Lead/%s/", version, field);
	target_url_segment(&path, email);
	out->method = "PATCH";
	out->content_type = "application/json";
	out->url = join(conf->url, path.data);
	lg_buf_release(&path);
	out->body = json_dumps(body, JSON_COMPACT);
	out->len = strlen(out->body);
	json_decref(body);
	return LG_OK;
}

enum lg_status target_build(enum target_kind k, const struct target_conf *conf, const json_t *data,
			    struct target_req *out, struct lg_err *err)
{
	switch (k) {
	case TARGET_SLACK: return target_slack(conf, data, out, err);
	case TARGET_HUBSPOT: return target_hubspot(conf, data, out, err);
	case TARGET_SALESFORCE: return target_salesforce(conf, data, out, err);
	}
	memset(out, 0, sizeof(*out));
	return lg_err_set(err, LG_EDATA, "no such target kind %d", (int)k);
}

/* ---- what an answer means ---------------------------------------------------------- */

enum target_verdict target_status(enum target_kind k, long st)
{
	if (st == 0 || st == 408 || st == 425 || st == 429 || st >= 500)
		return TARGET_RETRY;
	switch (k) {
	case TARGET_SLACK:
		if (st == 200)
			return TARGET_DELIVERED;
		if (st == 400 || st == 403 || st == 404 || st == 410)
			return TARGET_ERROR;
		return TARGET_RETRY;
	case TARGET_HUBSPOT:
		if (st == 200 || st == 201)
			return TARGET_DELIVERED;
		if (st == 207)
			return TARGET_ERROR;
		break;
	case TARGET_SALESFORCE:
		if (st == 200 || st == 201 || st == 204)
			return TARGET_DELIVERED;
		break;
	}
	if (st == 401 || st == 403)
		return TARGET_RETRY;
	if ((st >= 300 && st < 400) || st == 400 || st == 404 || st == 405 || st == 409 ||
	    st == 410 || st == 412 || st == 413 || st == 415 || st == 422)
		return TARGET_ERROR;
	return TARGET_RETRY;
}
