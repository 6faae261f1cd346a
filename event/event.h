/*
 * event.h - engagement and intent events as users export them: one JSON
 * object a line (NDJSON) or a CSV with a header row.
 *
 * An event has an event_id (what makes importing it twice add nothing), a
 * contact's email or an account's domain, a type, when it occurred, and
 * optionally a channel, an asset and other properties.  Fields:
 *
 *   event_id     required; "id" is taken as well
 *   email        the contact's address (a contact event), or
 *   domain       the account's domain (an account event); one of the two
 *   type         required: the rubric's event type ("demo_request" ...)
 *   occurred_at  required: RFC 3339 ("2026-11-20T09:30:00Z"), a date, or
 *                Unix seconds; "timestamp" and "time" are taken as well
 *   channel      optional: "email", "web", "event" ...
 *   asset        optional: "pricing-page", "webinar-2026-11" ...
 *   count        optional whole number (a hiring surge's open roles)
 *   anything else: kept as a property; in NDJSON also the members of a
 *                "properties" object
 *
 * Pure: it converts fields handed to it; reading files is the caller's.
 */
#ifndef LG_EVENT_H
#define LG_EVENT_H

#include "common/common.h"

/* One event.  Strings borrowed from the parser until its next call; NULL
 * when absent (never for event_id, type). */
struct event_rec {
	const char *event_id;
	const char *email;
	const char *domain;
	const char *type;
	const char *channel;
	const char *asset;
	int64_t occurred_at;
	long count;          /* -1: absent */
	const char *props;   /* the other properties as a JSON object, or NULL */
};

struct event_parser;
struct event_parser *event_parser_new(void); /* owned: event_parser_free */
void event_parser_free(struct event_parser *p);

/*
 * One NDJSON line (without its newline).  LG_OK with *out filled, or
 * LG_EDATA with *why a static reason ("not a JSON object", "no event_id"
 * ...).  A blank line is LG_OK with out->event_id NULL: skip it.
 */
enum lg_status event_parse_json(struct event_parser *p, const char *line, size_t n,
				struct event_rec *out, const char **why);

/*
 * CSV: the header's names first (LG_EDATA and *why when a required column
 * is missing), then each row's cells.  Cells are borrowed for the call.
 */
enum lg_status event_csv_header(struct event_parser *p, const char *const *name,
				const size_t *len, size_t n, const char **why);
enum lg_status event_parse_csv(struct event_parser *p, const char *const *cell,
			       const size_t *len, size_t n, struct event_rec *out,
			       const char **why);

#endif
