/*
 * targets.h - one handoff as the request each kind of target expects: a
 * Slack incoming webhook's message, a HubSpot contacts batch upsert, a
 * Salesforce Lead upsert by an external id.  Pure: no I/O, no clock, no
 * globals; the sender (send.h) sends what these build, the outbox
 * decides when.
 *
 * The input is the `data` object of a lead.handoff message, the same
 * object the signed webhook carries.  This is the contract the outbox
 * fills (a key missing or null is "unknown", and what depends on it is
 * left out; only email is required):
 *
 *   {
 *     "email": "dana@acme.example",                     required
 *     "owner": {"name": "ana", "email": "ana@ourco.example",
 *               "slack": "U024BE7LH"},                   the rep; slack optional
 *     "stage": "sql",                                    mql, hql, sal, sql, pql
 *     "score": {"value": 82, "grade": "A1", "fit": 40, "engagement": 30,
 *               "intent": 12,
 *               "reasons": [{"text": "visited pricing 3 times", "points": 12},
 *                           ...]},                       most weight first; a
 *                                                        reason may be a plain string
 *     "verification": {"status": "valid", "reason": "smtp_ok",
 *                      "verified_at": "2026-12-01T09:00:00Z", "fresh": true},
 *     "events": [{"type": "pricing_visit", "at": "2026-12-06T13:55:00Z",
 *                 "count": 3}, ...],                     newest first
 *     "evidence": {"framework": "bant", "items": {"budget": "...", ...}},
 *     "list": "q4-webinar",
 *     "source": "hubspot",
 *     "first_name": "Dana", "last_name": "Reyes",        optional, for the CRMs
 *     "company": "Acme",                                 optional, for the CRMs
 *     "accept_url": "https://leadgate.ourco.example/v1/handoffs/7/accept?..."
 *                                                        optional: Slack's Accept button
 *   }
 *
 * A lead.escalated message's data has no score, and these besides (Slack
 * then says whose SLA passed, first; targets.c):
 *
 *     "previous_owner": {...},                           as owner: who let it pass
 *     "missed_deadline": "2026-12-06T14:05:00Z",         its presence: an escalation
 *     "escalation": {"name", "email", "slack"}           the team's contact; only
 *                                                        email when it is an address
 *
 * The numbers of score are JSON numbers (integers or reals); the rest are
 * strings, fresh a boolean.  Text from the lead (the email, names, event
 * types, reasons, evidence) is untrusted: each builder escapes it for its
 * format, and JSON is written by jansson.
 */
#ifndef LG_HANDOFF_TARGETS_H
#define LG_HANDOFF_TARGETS_H

#include "common/common.h"

#include <jansson.h>

enum target_kind {
	TARGET_SLACK = 0,
	TARGET_HUBSPOT = 1,
	TARGET_SALESFORCE = 2,
};
/* "slack", "hubspot", "salesforce". */
const char *target_kind_name(enum target_kind k);

/* HubSpot's API, when the configuration names no other base. */
#define TARGET_HUBSPOT_BASE "https://api.hubapi.com"
/* The Salesforce REST API version of the URL: any version since 37.0
 * has the upsert as written here; the caller may name a newer one. */
#define TARGET_SALESFORCE_VERSION "v60.0"
/* The Lead's external-id field holding the lead's email: a custom field
 * the Salesforce admin creates (Text, External ID, Unique).  Not the
 * standard Email field: Salesforce's own page on the upsert notes that an
 * email in the URL whose top-level domain looks like a file extension
 * comes back 404, and a custom field is what it suggests instead. */
#define TARGET_SALESFORCE_FIELD "Leadgate_Email__c"

#define TARGET_SLACK_REASONS 3 /* the top reasons in a Slack message */
#define TARGET_SLACK_EVENTS 5  /* the most recent events in one */

/* Where a target is and how to authenticate; strings borrowed for the
 * call. */
struct target_conf {
	/* Slack: the incoming webhook's URL, required, used as is.
	 * HubSpot: the API's base; NULL: TARGET_HUBSPOT_BASE.
	 * Salesforce: the org's instance ("https://acme.my.salesforce.com"),
	 * required.  A trailing '/' is fine. */
	const char *url;
	/* HubSpot and Salesforce: the OAuth access token or private app
	 * token, sent as "Authorization: Bearer TOKEN"; NULL: none sent. */
	const char *token;
	const char *version; /* Salesforce: NULL: TARGET_SALESFORCE_VERSION */
	const char *field;   /* Salesforce: NULL: TARGET_SALESFORCE_FIELD */
};

/*
 * A request to send: give method, url, body, len, content_type and
 * headers to sender_submit (send.h), unsigned (these targets
 * authenticate by their token, or by the secret in a Slack webhook's
 * URL).  Everything is owned by the request: target_req_release.
 */
struct target_req {
	const char *method;       /* "POST" or "PATCH" (static) */
	const char *content_type; /* "application/json" (static) */
	char *url;
	char *body; /* JSON, NUL-terminated */
	size_t len;
	/* More header lines, NULL-terminated: "Authorization: Bearer ..."
	 * when there is a token (points into auth), else none. */
	const char *headers[2];
	char *auth;
};
void target_req_release(struct target_req *r);

/*
 * Build the request of kind k for one handoff's data (the shape above).
 * LG_EDATA when data is not an object or has no email, LG_ECONFIG when
 * conf lacks what the kind requires (a URL, an external-id field name
 * that is not a Salesforce API name, a token with a line break); *out is
 * then empty.  The messages never quote the token.
 */
enum lg_status target_build(enum target_kind k, const struct target_conf *conf, const json_t *data,
			    struct target_req *out, struct lg_err *err);

/* The same, one kind each. */
enum lg_status target_slack(const struct target_conf *conf, const json_t *data,
			    struct target_req *out, struct lg_err *err);
enum lg_status target_hubspot(const struct target_conf *conf, const json_t *data,
			      struct target_req *out, struct lg_err *err);
enum lg_status target_salesforce(const struct target_conf *conf, const json_t *data,
				 struct target_req *out, struct lg_err *err);

/* What an answer of a target means for the outbox. */
enum target_verdict {
	TARGET_DELIVERED = 0, /* done */
	TARGET_ERROR = 1,     /* refused for what it is: sending it again gets the same
			       * answer; kept as failed and reported, not retried */
	TARGET_RETRY = 2,     /* try again on the schedule (retry.h) */
};
/* "delivered", "error", "retry". */
const char *target_verdict_name(enum target_verdict v);

/*
 * The meaning of HTTP status st (0: no answer) from a target of kind k.
 * The sender (send.h) counts every 2xx as delivered and every other
 * status but 410 as a retry, as Standard Webhooks says for webhooks; the
 * CRMs say more, and the outbox asks this function instead:
 *
 *   all kinds      0 (no answer), 408, 425, 429, 5xx: retry
 *                  401, 403: retry (a token expired or rotated, a
 *                  Salesforce API limit: the schedule gives the admin
 *                  time; it ends after three days)
 *   Salesforce     200, 201 (created), 204 (updated): delivered;
 *                  300 (the external id matches several Leads: nothing
 *                  written) and any other 3xx, 400, 404, 405, 409, 410,
 *                  412, 413, 415, 422: error
 *   HubSpot        200, 201: delivered; 207 (multi-status: the one input
 *                  failed): error; other 3xx and 4xx as Salesforce's
 *   Slack          200: delivered; 400 (invalid_payload), 403
 *                  (action_prohibited), 404 (channel_not_found), 410
 *                  (channel_is_archived): error
 *
 * Any other status: retry.
 */
enum target_verdict target_status(enum target_kind k, long st);

/* Append s to out with Slack's control characters escaped: & as &amp;,
 * < as &lt;, > as &gt; (and nothing else: Slack decodes only these). */
void target_slack_escape(struct lg_buf *out, const char *s);

/* Append s to out percent-encoded as one URL path segment: every byte
 * but RFC 3986's unreserved characters (ALPHA DIGIT - . _ ~) as %XX. */
void target_url_segment(struct lg_buf *out, const char *s);

#endif
