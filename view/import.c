/*
 * import.c - the views of the bounce and event imports: what one file
 * (or one body a webhook posted) added, as `bounces import --format json`
 * and `events import --format json` print it and the service answers.
 */
#include "view.h"
#include "bounce/bounce.h"

/* s as a JSON string; null when it is not UTF-8 (a file's name). */
static json_t *str(const char *s)
{
	json_t *j = json_string(s);
	return j ? j : json_null();
}

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
	json_object_set_new(o, "file", str(file));
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
	json_object_set_new(o, "file", str(file));
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
