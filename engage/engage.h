/*
 * engage.h - engagement and intent events as users export them: one JSON
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
 * An export of another shape (HubSpot's email events: "recipient",
 * "created" in milliseconds, "OPEN") is read through a map: which column
 * holds each field, how its time is written, which of its types are which
 * of the rubric's, and which rows are no events (struct engage_map; the
 * configuration's [events.map.NAME]).
 *
 * Pure: it converts fields handed to it; reading files is the caller's.
 */
#ifndef LG_ENGAGE_H
#define LG_ENGAGE_H

#include "common/common.h"

/* The fields of an event (the names of the list above, in this order). */
enum engage_field {
	ENGAGE_F_ID,
	ENGAGE_F_EMAIL,
	ENGAGE_F_DOMAIN,
	ENGAGE_F_TYPE,
	ENGAGE_F_AT,
	ENGAGE_F_CHANNEL,
	ENGAGE_F_ASSET,
	ENGAGE_F_COUNT,
};
#define ENGAGE_FIELD_COUNT 8
const char *engage_field_name(enum engage_field f); /* "event_id", "email", ... "count" */
int engage_field_find(const char *name, size_t n);  /* by that name (ASCII case ignored), or -1 */

/* How a map's occurred_at is written. */
enum engage_time_format {
	ENGAGE_TIME_AUTO = 0, /* RFC 3339, a date, or Unix time: 9-12 digits seconds, 13-16 ms */
	ENGAGE_TIME_RFC3339,  /* RFC 3339 or a date only */
	ENGAGE_TIME_EPOCH_S,  /* Unix seconds, any number of digits */
	ENGAGE_TIME_EPOCH_MS, /* Unix milliseconds, any number of digits */
};
const char *engage_time_format_name(enum engage_time_format f); /* "auto", "rfc3339", ... */

/* One of a map's type values: the export's (from, compared without ASCII
 * case) and the rubric's (to), or NULL: the row is no event (ignored). */
struct engage_map_type {
	const char *from, *to;
};
/* A row whose column holds value (ASCII case ignored) is no event. */
struct engage_map_skip {
	const char *column, *value;
};

/*
 * An export of another shape.  Every string is borrowed (the
 * configuration's) and must outlive the parser's use of the map.
 */
struct engage_map {
	const char *name;
	/* The column (CSV header) or member (NDJSON) of each field, matched
	 * without ASCII case; NULL: the usual names above. */
	const char *column[ENGAGE_FIELD_COUNT];
	enum engage_time_format time_format;
	/* With any, a type value not among them makes the record not an
	 * event; with none, type values are the rubric's as they are. */
	const struct engage_map_type *type;
	size_t n_type;
	const struct engage_map_skip *skip;
	size_t n_skip;
};

/* One event.  Strings borrowed from the parser until its next call; NULL
 * when absent (never for event_id, type, unless ignored). */
struct engage_rec {
	const char *event_id;
	const char *email;
	const char *domain;
	const char *type;
	const char *channel;
	const char *asset;
	int64_t occurred_at;
	long count;        /* -1: absent */
	const char *props; /* the other properties as a JSON object, or NULL */
	bool ignored;      /* the map says this record is no event (a type mapped to
			      * nothing, an ignore_when); the other fields unset */
};

struct engage_parser;
struct engage_parser *engage_parser_new(void); /* owned: engage_parser_free */
void engage_parser_free(struct engage_parser *p);

/*
 * Read what follows through map m (borrowed; NULL: the usual names), from
 * the next CSV header or NDJSON line on.  With a map, a record without an
 * event_id gets one made of the map's name, the address or domain, the
 * type as the export writes it and the time as written, so that importing
 * it again adds nothing.
 */
void engage_parser_set_map(struct engage_parser *p, const struct engage_map *m);

/*
 * One NDJSON line (without its newline).  LG_OK with *out filled, or
 * LG_EDATA with *why the reason ("not a JSON object", "no event_id" ...;
 * borrowed until the parser's next call).  A blank line is LG_OK with
 * out->event_id NULL and out->ignored false: skip it.
 */
enum lg_status engage_parse_json(struct engage_parser *p, const char *line, size_t n,
				 struct engage_rec *out, const char **why);

/*
 * CSV: the header's names first (LG_EDATA and *why when a required column
 * is missing), then each row's cells.  Cells are borrowed for the call.
 */
enum lg_status engage_csv_header(struct engage_parser *p, const char *const *name,
				 const size_t *len, size_t n, const char **why);
enum lg_status engage_parse_csv(struct engage_parser *p, const char *const *cell, const size_t *len,
				size_t n, struct engage_rec *out, const char **why);

#endif
