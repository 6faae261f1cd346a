/*
 * providers.c - one event object of Amazon SES, SendGrid, Mailgun or
 * Postmark into events.
 *
 * Each provider classifies bounces itself, with its own words; those
 * words are mapped here (the tables are in bounce/README.md), and the
 * recipient's own status code and diagnostic refine the mapping through
 * bounce_refine(): evidence that a mailbox is alive turns a provider's
 * "hard" into block or soft, and where the provider did not really
 * classify (SES Undetermined, SendGrid Unclassified, Mailgun "generic",
 * Postmark Unknown) the evidence decides.
 */
#include "bounce_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "";
}

static bool is(const char *a, const char *b)
{
	return lg_ascii_eq(a, strlen(a), b, strlen(b));
}

/* A member that is a string or an integer (ids and codes come as
 * either), as text in buf's storage when it is a number. */
static const char *text_of(json_t *o, const char *key, char *buf, size_t cap)
{
	json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	buf[0] = '\0';
	return buf;
}

/* Unix seconds from a number (SendGrid's integer, Mailgun's fractional
 * seconds) or a string (RFC 3339, SES and Postmark); 0 when neither. */
static int64_t time_of(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		return d > 0 && d < 1e13 ? (int64_t)d : 0; /* truncation is the floor here */
	}
	if (json_is_string(v)) {
		int64_t t;
		const char *s = json_string_value(v);
		long secs;
		if (lg_time_parse(s, strlen(s), &t))
			return t;
		if (lg_parse_long(s, 1, 253402300799L /* 9999-12-31 */, &secs))
			return secs;
	}
	return 0;
}

static int64_t time_or(json_t *v, int64_t fallback)
{
	int64_t t = time_of(v);
	return t ? t : fallback;
}

/* ---- Amazon SES ------------------------------------------------------------ */

/* Each recipient of an SES notification's list, one event each. */
static enum lg_status ses_each(struct bounce_ctx *c, json_t *list, enum bounce_type given,
			       bool definitive, bool generic, const char *reason, const char *id,
			       int64_t when, unsigned long line)
{
	size_t i;
	json_t *r;

	json_array_foreach(list, i, r)
	{
		const char *diag = str(r, "diagnosticCode");
		struct bounce_verdict v;
		bounce_classify_verdict(str(r, "status"), NULL, diag, &v);
		struct bounce_rec rec = {
			.email = str(r, "emailAddress"),
			.type = definitive ? given : bounce_refine(given, generic, &v),
			.status = v.status,
			.code = v.code,
			.reason = diag[0] ? diag : reason,
			.id = id,
			.id_add_email = true,
			.occurred_at = when,
			.line = line,
			.format = BOUNCE_FMT_SES,
		};
		enum lg_status st = bounce_emit(c, &rec);
		if (st != LG_OK)
			return st;
	}
	return LG_OK;
}

static enum lg_status ses_bounce(struct bounce_ctx *c, json_t *b, int64_t when, unsigned long line)
{
	const char *type = str(b, "bounceType"), *sub = str(b, "bounceSubType");
	json_t *list = json_object_get(b, "bouncedRecipients");
	enum bounce_type given;
	bool definitive = false, generic = false;
	char reason[96];

	if (!json_is_array(list) || json_array_size(list) == 0) {
		bounce_report_bad(c, line, "SES bounce without bouncedRecipients");
		return LG_OK;
	}
	/* The sub-types that say what happened win over the bounce type:
	 * SES suppresses an address after it hard-bounced (or drew a
	 * complaint) before, and names content and size problems itself. */
	if (is(sub, "Suppressed") || is(sub, "OnAccountSuppressionList")) {
		given = BOUNCE_HARD;
		definitive = true;
	} else if (is(sub, "ContentRejected") || is(sub, "AttachmentRejected")) {
		given = BOUNCE_BLOCK;
		definitive = true;
	} else if (is(sub, "MailboxFull") || is(sub, "MessageTooLarge")) {
		given = BOUNCE_SOFT;
		definitive = true;
	} else if (is(type, "Permanent")) {
		given = BOUNCE_HARD; /* General, NoEmail */
	} else if (is(type, "Transient")) {
		given = BOUNCE_SOFT;
	} else if (is(type, "Undetermined")) {
		given = BOUNCE_SOFT;
		generic = true;
	} else {
		bounce_report_bad(c, line, "unknown SES bounceType \"%.40s\"", type);
		return LG_OK;
	}
	when = time_or(json_object_get(b, "timestamp"), when);
	snprintf(reason, sizeof(reason), "%.40s %.40s", type, sub);
	return ses_each(c, list, given, definitive, generic, reason, str(b, "feedbackId"), when,
			line);
}

enum lg_status bounce_json_ses(struct bounce_ctx *c, struct json_t *o, unsigned long line)
{
	const char *kind = str(o, "notificationType");
	json_t *mail = json_object_get(o, "mail"), *x, *list;

	if (!kind[0])
		kind = str(o, "eventType"); /* event publishing, rather than notifications */
	bounce_saw_format(c, BOUNCE_FMT_SES);
	int64_t when = time_of(json_object_get(mail, "timestamp"));
	if (is(kind, "Bounce"))
		return ses_bounce(c, json_object_get(o, "bounce"), when, line);
	if (is(kind, "Complaint")) {
		x = json_object_get(o, "complaint");
		list = json_object_get(x, "complainedRecipients");
		if (!json_is_array(list) || json_array_size(list) == 0) {
			bounce_report_bad(c, line, "SES complaint without complainedRecipients");
			return LG_OK;
		}
		when = time_or(json_object_get(x, "timestamp"), when);
		return ses_each(c, list, BOUNCE_COMPLAINT, true, false,
				str(x, "complaintFeedbackType"), str(x, "feedbackId"), when, line);
	}
	if (is(kind, "DeliveryDelay")) {
		/* Like a DSN's "delayed": the message is still being tried. */
		x = json_object_get(o, "deliveryDelay");
		list = json_object_get(x, "delayedRecipients");
		if (!json_is_array(list) || json_array_size(list) == 0) {
			bounce_report_bad(c, line, "SES delivery delay without delayedRecipients");
			return LG_OK;
		}
		when = time_or(json_object_get(x, "timestamp"), when);
		return ses_each(c, list, BOUNCE_SOFT, true, false, str(x, "delayType"), "", when,
				line);
	}
	bounce_count_ignored(c); /* Send, Delivery, Open, Click, Reject ... */
	return LG_OK;
}

/* ---- SendGrid event webhook ------------------------------------------------- */

/* "bounce_classification" of a bounce event (SendGrid's own words). */
static enum bounce_type sendgrid_bounce(const char *cls, const struct bounce_verdict *v)
{
	if (is(cls, "Invalid Address"))
		return bounce_refine(BOUNCE_HARD, false, v);
	if (is(cls, "Technical") || is(cls, "Technical Failure"))
		return BOUNCE_SOFT;
	if (is(cls, "Content") || is(cls, "Reputation") || is(cls, "Frequency or Volume Too High"))
		return BOUNCE_BLOCK;
	/* Full, disabled or gone: the status code can tell which. */
	if (is(cls, "Mailbox Unavailable"))
		return bounce_refine(BOUNCE_SOFT, true, v);
	/* Unclassified, or no classification (older payloads): a permanent
	 * failure that the evidence must name, else not a dead address. */
	return bounce_refine(BOUNCE_BLOCK, true, v);
}

enum lg_status bounce_json_sendgrid(struct bounce_ctx *c, struct json_t *o, unsigned long line)
{
	const char *ev = str(o, "event"), *reason = str(o, "reason");
	struct bounce_verdict v;
	enum bounce_type type;
	char idbuf[32];

	bounce_saw_format(c, BOUNCE_FMT_SENDGRID);
	if (!reason[0])
		reason = str(o, "response"); /* deferred events */
	bounce_classify_verdict(str(o, "status"), NULL, reason, &v);
	if (is(ev, "bounce")) {
		type = is(str(o, "type"), "blocked")
			       ? BOUNCE_BLOCK
			       : sendgrid_bounce(str(o, "bounce_classification"), &v);
	} else if (is(ev, "blocked")) {
		type = BOUNCE_BLOCK;
	} else if (is(ev, "deferred")) {
		type = BOUNCE_SOFT;
	} else if (is(ev, "dropped")) {
		/* Dropped before sending, because of an earlier event: only
		 * these three reasons say something about the recipient. */
		if (is(reason, "Bounced Address"))
			type = BOUNCE_HARD;
		else if (is(reason, "Unsubscribed Address"))
			type = BOUNCE_UNSUBSCRIBE;
		else if (is(reason, "Spam Reporting Address"))
			type = BOUNCE_COMPLAINT;
		else {
			bounce_count_ignored(c); /* "Invalid SMTPAPI header", "Spam Content" ... */
			return LG_OK;
		}
	} else if (is(ev, "spamreport")) {
		type = BOUNCE_COMPLAINT;
	} else if (is(ev, "unsubscribe") || is(ev, "group_unsubscribe")) {
		type = BOUNCE_UNSUBSCRIBE;
	} else {
		bounce_count_ignored(c); /* processed, delivered, open, click ... */
		return LG_OK;
	}
	struct bounce_rec rec = {
		.email = str(o, "email"),
		.type = type,
		.status = v.status,
		.code = v.code,
		.reason = reason,
		.id = text_of(o, "sg_event_id", idbuf, sizeof(idbuf)),
		.occurred_at = time_of(json_object_get(o, "timestamp")),
		.line = line,
		.format = BOUNCE_FMT_SENDGRID,
	};
	return bounce_emit(c, &rec);
}

/* ---- Mailgun ------------------------------------------------------------------ */

enum lg_status bounce_json_mailgun(struct bounce_ctx *c, struct json_t *o, unsigned long line)
{
	const char *ev = str(o, "event");
	json_t *ds = json_object_get(o, "delivery-status");
	char codebuf[32];
	const char *code = text_of(ds, "code", codebuf, sizeof(codebuf));
	const char *msg = str(ds, "message");
	enum bounce_type type;
	struct bounce_verdict v;

	bounce_saw_format(c, BOUNCE_FMT_MAILGUN);
	if (!msg[0])
		msg = str(ds, "description");
	bounce_classify_verdict(str(ds, "enhanced-code"), code, msg, &v);
	if (is(ev, "failed")) {
		const char *why = str(o, "reason");
		if (is(why, "suppress-complaint"))
			type = BOUNCE_COMPLAINT;
		else if (is(why, "suppress-unsubscribe"))
			type = BOUNCE_UNSUBSCRIBE;
		else if (is(why, "espblock"))
			type = BOUNCE_BLOCK;
		else if (is(str(o, "severity"), "temporary") || is(why, "old"))
			type = BOUNCE_SOFT; /* "old": retried until it expired */
		else if (is(why, "bounce") || is(why, "suppress-bounce"))
			type = bounce_refine(BOUNCE_HARD, false, &v);
		else /* "generic" and reasons not yet known: permanent, but not proven dead */
			type = bounce_refine(BOUNCE_BLOCK, true, &v);
		if (!msg[0])
			msg = why;
	} else if (is(ev, "complained")) {
		type = BOUNCE_COMPLAINT;
	} else if (is(ev, "unsubscribed")) {
		type = BOUNCE_UNSUBSCRIBE;
	} else {
		bounce_count_ignored(c); /* accepted, delivered, opened, clicked, stored ... */
		return LG_OK;
	}
	struct bounce_rec rec = {
		.email = str(o, "recipient"),
		.type = type,
		.status = v.status,
		.code = code[0] ? code : v.code,
		.reason = msg,
		.id = str(o, "id"),
		.occurred_at = time_of(json_object_get(o, "timestamp")),
		.line = line,
		.format = BOUNCE_FMT_MAILGUN,
	};
	return bounce_emit(c, &rec);
}

/* ---- Postmark ------------------------------------------------------------------ */

enum pm_kind { PM_HARD, PM_SOFT, PM_BLOCK, PM_COMPLAINT, PM_UNSUBSCRIBE, PM_GENERIC, PM_IGNORE };

/* Postmark's bounce types with their TypeCode; what each is to us. */
static const struct {
	const char *name;
	long code;
	enum pm_kind kind;
} pm_types[] = {
	{"HardBounce", 1, PM_HARD},
	{"Transient", 2, PM_SOFT},
	{"Unsubscribe", 16, PM_UNSUBSCRIBE},
	{"Subscribe", 32, PM_IGNORE},
	{"AutoResponder", 64, PM_IGNORE},  /* an out-of-office reply: delivered */
	{"AddressChange", 128, PM_IGNORE}, /* an auto-reply naming a new address */
	{"DnsError", 256, PM_SOFT},
	{"SpamNotification", 512, PM_BLOCK}, /* the receiver's filter, not a person */
	{"OpenRelayTest", 1024, PM_IGNORE},
	{"Unknown", 2048, PM_GENERIC},
	{"SoftBounce", 4096, PM_SOFT},
	{"VirusNotification", 8192, PM_BLOCK},
	{"ChallengeVerification", 16384, PM_IGNORE}, /* a challenge-response: the mailbox exists */
	{"BadEmailAddress", 100000, PM_HARD},
	{"SpamComplaint", 100001, PM_COMPLAINT},
	{"ManuallyDeactivated", 100002, PM_UNSUBSCRIBE}, /* see the README */
	{"Unconfirmed", 100003, PM_IGNORE},
	{"Blocked", 100006, PM_BLOCK},
	{"SMTPApiError", 100007, PM_IGNORE}, /* our side: the message was not accepted */
	{"InboundError", 100008, PM_IGNORE}, /* inbound processing, not a recipient */
	{"DMARCPolicy", 100009, PM_BLOCK},
	{"TemplateRenderingFailed", 100010, PM_IGNORE},
	{"Undeliverable", -1, PM_GENERIC},
};

/*
 * A SubscriptionChange: Postmark put an address on a stream's suppression
 * list (SuppressSending true) or took it off (false: a reactivation,
 * which changes nothing here; a suppression is for good).
 * ManualSuppression is the sender's own decision, or the recipient's
 * (Origin Recipient: the unsubscribe link): an unsubscribe.  HardBounce
 * and SpamComplaint are Postmark's reaction to a bounce or a complaint
 * that its Bounce record reports: that record is the event that counts
 * (a hard bounce against the lists that sent to the address), and this
 * one only suppresses, so that one bounce is never counted twice - nor
 * missed when Postmark suppressed an address whose bounce we classify a
 * block, or when only subscription changes are exported.
 */
static enum lg_status pm_subscription(struct bounce_ctx *c, json_t *o, unsigned long line)
{
	json_t *on = json_object_get(o, "SuppressSending");
	const char *why = str(o, "SuppressionReason");
	char reason[80];

	if (!json_is_boolean(on)) {
		bounce_report_bad(c, line,
				  "SubscriptionChange without SuppressSending true or false");
		return LG_OK;
	}
	if (json_is_false(on)) {
		bounce_count_ignored(c); /* reactivated */
		return LG_OK;
	}
	bool manual = is(why, "ManualSuppression");
	snprintf(reason, sizeof(reason), "SubscriptionChange %.40s",
		 why[0] ? why : "(no SuppressionReason)");
	struct bounce_rec rec = {
		.email = str(o, "Recipient"),
		.type = manual ? BOUNCE_UNSUBSCRIBE : BOUNCE_SUPPRESSED,
		.reason = manual ? "ManualSuppression" : reason,
		.occurred_at = time_of(json_object_get(o, "ChangedAt")),
		.line = line,
		.format = BOUNCE_FMT_POSTMARK,
	};
	return bounce_emit(c, &rec);
}

enum lg_status bounce_json_postmark(struct bounce_ctx *c, struct json_t *o, unsigned long line)
{
	const char *record = str(o, "RecordType"), *name = str(o, "Type");
	const char *details = str(o, "Details");
	json_t *tc = json_object_get(o, "TypeCode");
	size_t i, count = sizeof(pm_types) / sizeof(*pm_types);
	enum bounce_type type;
	struct bounce_verdict v;
	char idbuf[32];

	bounce_saw_format(c, BOUNCE_FMT_POSTMARK);
	if (record[0] && !is(record, "Bounce") && !is(record, "SpamComplaint")) {
		if (is(record, "SubscriptionChange"))
			return pm_subscription(c, o, line);
		bounce_count_ignored(c); /* Delivery, Open, Click, Inbound */
		return LG_OK;
	}
	for (i = 0; i < count; i++) {
		if (name[0] ? is(name, pm_types[i].name)
			    : json_is_integer(tc) && json_integer_value(tc) == pm_types[i].code)
			break;
	}
	if (i == count) {
		if (name[0])
			bounce_report_bad(c, line, "unknown Postmark bounce Type \"%.40s\"", name);
		else
			bounce_report_bad(c, line,
					  "Postmark bounce without a known Type or TypeCode");
		return LG_OK;
	}
	if (!details[0])
		details = str(o, "Description");
	bounce_classify_verdict(NULL, NULL, details, &v);
	switch (pm_types[i].kind) {
	case PM_HARD: type = bounce_refine(BOUNCE_HARD, false, &v); break;
	case PM_SOFT: type = BOUNCE_SOFT; break;
	case PM_BLOCK: type = BOUNCE_BLOCK; break;
	case PM_COMPLAINT: type = BOUNCE_COMPLAINT; break;
	case PM_UNSUBSCRIBE: type = BOUNCE_UNSUBSCRIBE; break;
	case PM_GENERIC: type = bounce_refine(BOUNCE_SOFT, true, &v); break;
	case PM_IGNORE:
	default: bounce_count_ignored(c); return LG_OK;
	}
	struct bounce_rec rec = {
		.email = str(o, "Email"),
		.type = type,
		.status = v.status,
		.code = v.code,
		.reason = details,
		.id = text_of(o, "ID", idbuf, sizeof(idbuf)),
		.occurred_at = time_of(json_object_get(o, "BouncedAt")),
		.line = line,
		.format = BOUNCE_FMT_POSTMARK,
	};
	return bounce_emit(c, &rec);
}
