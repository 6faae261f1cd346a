/*
 * import.c - the views of the bounce and event imports: what one file
 * (or one body a webhook posted) added, as `bounces import --format json`
 * and `events import --format json` print it and the service answers;
 * and the SNS subscription messages the service kept, as `bounces
 * subscriptions` prints them and GET /v1/bounces/ses/subscriptions
 * answers.
 */
#include "view.h"
#include "bounce/bounce.h"

/* A count as JSON: the counts are far below 2^53. */
static json_t *count(unsigned long n)
{
	return json_integer((json_int_t)n);
}

json_t *view_bounces_file(const char *file, const struct job_bounces_file *f)
{
	json_t *types = json_object();
	/* The provider's suppression notices are counted apart (notices):
	 * they are no bounce events. */
	for (int t = 0; t < BOUNCE_TYPE_COUNT; t++)
		if (t != BOUNCE_SUPPRESSED)
			json_object_set_new(types, bounce_type_name((enum bounce_type)t),
					    count(f->by_type[t]));
	json_t *o = json_object();
	json_object_set_new(o, "file", lead_json_str(file));
	json_object_set_new(o, "format", json_string(f->format ? f->format : ""));
	json_object_set_new(o, "added", count(f->added));
	json_object_set_new(o, "by_type", types);
	json_object_set_new(o, "duplicates", count(f->dup));
	json_object_set_new(o, "notices", count(f->notices));
	json_object_set_new(o, "suppressed", count(f->suppressed));
	json_object_set_new(o, "not_imported", count(f->bad));
	json_object_set_new(o, "ignored", count(f->ignored));
	return o;
}

json_t *view_events_file(const char *file, const struct job_events_file *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", lead_json_str(file));
	json_object_set_new(o, "format", json_string(f->ndjson ? "ndjson" : "csv"));
	json_object_set_new(o, "added", count(f->added));
	json_object_set_new(o, "contact", count(f->contact));
	json_object_set_new(o, "account", count(f->account));
	json_object_set_new(o, "unknown", count(f->unknown));
	json_object_set_new(o, "duplicates", count(f->dup));
	json_object_set_new(o, "not_imported", count(f->bad));
	json_object_set_new(o, "ignored", count(f->ignored));
	return o;
}

json_t *view_sns_message(const struct store_sns *m, bool with_time)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", lead_json_str(m->type));
	json_object_set_new(o, "topic_arn", lead_json_str(m->topic_arn));
	json_object_set_new(o, "subscribe_url", lead_json_str(m->subscribe_url));
	json_object_set_new(o, "url_is_sns", json_boolean(m->url_is_sns));
	/* state and error: null for an unsubscribe, error null but for a
	 * confirmation that failed; confirmed says state == "confirmed". */
	json_object_set_new(o, "state", m->state ? lead_json_str(m->state) : json_null());
	json_object_set_new(o, "error", m->error ? lead_json_str(m->error) : json_null());
	json_object_set_new(o, "confirmed",
			    json_boolean(m->state && !strcmp(m->state, "confirmed")));
	if (with_time) {
		char at[LG_TIME_LEN];
		lg_time_format(m->received_at, at, sizeof(at));
		json_object_set_new(o, "received_at", lead_json_str(at));
	}
	return o;
}

static enum lg_status sns_add(void *arg, const struct store_sns *m, struct lg_err *err)
{
	(void)err;
	json_array_append_new(arg, view_sns_message(m, true));
	return LG_OK;
}

enum lg_status view_sns_messages(struct store *s, json_t **out, struct lg_err *err)
{
	json_t *a = json_array();
	enum lg_status st = store_sns_each(s, sns_add, a, err);
	if (st != LG_OK) {
		json_decref(a);
		*out = NULL;
		return st;
	}
	*out = json_pack("{s:o}", "subscriptions", a);
	return LG_OK;
}

void view_sns_message_text(FILE *f, const struct store_sns *m)
{
	char at[LG_TIME_LEN];
	lg_time_format(m->received_at, at, sizeof(at));
	fprintf(f, "%s  %s  topic %s%s%s\n", at, m->type, m->topic_arn, m->state ? "  " : "",
		m->state ? m->state : "");
	if (m->error)
		fprintf(f, "    %s\n", m->error);
	if (m->subscribe_url[0] && !(m->state && !strcmp(m->state, "confirmed")))
		fprintf(f, "    %s %s\n",
			m->url_is_sns ? "to confirm it, visit" : "its URL is not on an SNS host:",
			m->subscribe_url);
}
