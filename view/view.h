/*
 * view.h - the views of the jobs' results: one place builds what the
 * command line's --format json and --summary write and what the service
 * returns (JSON through jansson: each json_t is a new reference, owned:
 * json_decref), and the text the command line prints.
 */
#ifndef LG_VIEW_H
#define LG_VIEW_H

#include "jobs/jobs.h"

#include <jansson.h>
#include <stdio.h>

/* A list weighed through the gate (`lists`, `gate --format json`), with
 * windows (taken; NULL: none) as "windows". */
json_t *view_list(const struct conf *c, const struct store_list_info *li, const struct list_eval *e,
		  json_t *windows);
/* A list's versions w[0 .. n) with their observation windows, oldest
 * first, as an array. */
json_t *view_windows(const struct store_list_window *w, size_t n);
/* A verify job's report (`verify --summary`). */
json_t *view_verify_report(const struct job_verify_report *r);
/* The same as the text `verify` prints at the end. */
void view_verify_report_text(FILE *f, const struct job_verify_report *r);
/* The gate's decision on a list, with its reasons, as lines of text; a
 * blocked reason's line ends with its way out. */
void view_gate_text(FILE *f, const struct conf *c, const struct store_list_info *li,
		    const struct list_eval *e);


/* The lists as `lists` prints them: the header line, then a line per
 * list. */
void view_lists_head_text(FILE *f);
void view_list_row_text(FILE *f, const struct store_list_info *li, const struct list_eval *e);
/* One list in detail (`lists show`): its counts, its last versions
 * (w[0 .. n), oldest first) newest first, the gate's decision. */
void view_list_show_text(FILE *f, const struct conf *c, const struct store_list_info *li,
			 const struct list_eval *e, const struct store_list_window *w, size_t n);

/* Write o on one line, compact (as `--format json` writes an object), and
 * drop it (taken). */
void view_write_line(FILE *f, json_t *o);
/* How view_write_line writes a view: what the service answers with the
 * same bytes uses them too. */
#define VIEW_LINE_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* ---- import.c: the imports' counts ---- */

/* What importing one file (or one posted body; file names it) added
 * (`bounces import --format json`, `events import --format json`, and the
 * service's POST /v1/bounces/..., /v1/events): a line per file. */
json_t *view_bounces_file(const char *file, const struct job_bounces_file *f);
json_t *view_events_file(const char *file, const struct job_events_file *f);

/* An SNS subscription message the service received and kept for the
 * operator: as the service answers its post, and with_time (with
 * received_at) as it is listed.  A topic or URL that is not UTF-8 (cut
 * short in a character) shows as null. */
json_t *view_sns_message(const struct store_sns *m, bool with_time);
/* The messages kept in s, newest first, as `bounces subscriptions
 * --format json` prints them and GET /v1/bounces/ses/subscriptions
 * answers: {"subscriptions": [...]}.  *out owned (json_decref). */
enum lg_status view_sns_messages(struct store *s, json_t **out, struct lg_err *err);
/* One message as `bounces subscriptions` prints it: a line (with the
 * subscription's state), why its confirmation failed, and the URL to
 * visit (unless confirmed), each on a line of its own. */
void view_sns_message_text(FILE *f, const struct store_sns *m);

/* ---- score.c: the scoring jobs' results (text: as the program prints it) ---- */

/* One contact's score explained (`score --explain`): every contribution,
 * and the rounding that makes the figures as shown add up to the total. */
json_t *view_explain(const char *address, const struct lead_scored *sc);
void view_explain_text(FILE *f, const struct conf *c, const char *address,
		       const struct lead_scored *sc);
/* A contact's checklist and what blocks SQL (`qualify`). */
json_t *view_qualify(const struct conf *c, const struct job_qualify_result *q);
void view_qualify_text(FILE *f, const struct conf *c, const struct job_qualify_result *q);
/* A piece of evidence recorded (`evidence add --format json`). */
json_t *view_evidence(const struct job_evidence *ev, const struct job_evidence_report *rep);
/* A rep's decision and what it did (`decide --format json`): refused
 * when the contact is not eligible (nothing recorded). */
json_t *view_decision(const struct job_decision *dec, const struct job_decide_result *d);
/* A contact as it stands (`contact`, GET /v1/contacts/{email}): its
 * verdict, freshness, score, stage and verdicts newest first. */
json_t *view_contact(const struct job_contact_result *c);
void view_contact_text(FILE *f, const struct job_contact_result *c);
/* The rejection report (`report rejections`). */
json_t *view_rejections(const struct job_rejections *t);
void view_rejections_text(FILE *f, const struct job_rejections *t);
/* The handoff's SLA per rep and per team (`report sla`, GET
 * /v1/reports/sla). */
json_t *view_sla(const struct job_sla *s);
void view_sla_text(FILE *f, const struct job_sla *s);
/* The funnel (`funnel`); given: the rates not observed were given, not
 * the defaults. */
void view_funnel_text(FILE *f, const struct job_funnel *fn, bool given);

#endif
