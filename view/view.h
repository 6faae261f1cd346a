/*
 * view.h - the JSON views (jansson) of the jobs' results: one place builds
 * what the command line's --format json and --summary write and what the
 * service returns, so that the two never differ.  Each returns a new
 * reference (owned: json_decref).
 */
#ifndef LG_VIEW_H
#define LG_VIEW_H

#include "jobs/jobs.h"

#include <jansson.h>

/* A list weighed through the gate (`lists`, `gate --format json`), with
 * windows (taken; NULL: none) as "windows". */
json_t *view_list(const struct conf *c, const struct store_list_info *li,
		  const struct list_eval *e, json_t *windows);
/* Append one version's observation window to the array windows (a
 * store_list_windows_each callback). */
struct store_list_window;
void view_window_add(void *windows, const struct store_list_window *w);
/* A verify job's report (`verify --summary`). */
json_t *view_verify_report(const struct job_verify_report *r);

#endif
