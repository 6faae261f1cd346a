/*
 * lists.c - what commands read and record about lists: versions and
 * counts, members with their contacts' latest verdicts, exports, and the
 * plan of a refresh run.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema 4 counts each list version's sends and bounces (version_sent,
 * runs.exported and hard_bounced); a reader of an older database, which
 * it does not upgrade, counts them from sent and exports. */
static bool has_windows(const struct store *s)
{
	return s->version >= 4;
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
	const char *t = (const char *)sqlite3_column_text(q, col);
	snprintf(dst, cap, "%s", t ? t : "");
}

/* The current version's window into the list's counts. */
static void current_window(void *arg, const struct store_list_window *w)
{
	struct store_list_info *li = arg;
	if (w->run == li->version_run) {
		li->window_exported = w->exported;
		li->window_hard_bounced = w->hard_bounced;
	}
}

enum lg_status store_list_get(struct store *s, const char *name, struct store_list_info *li,
			      struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_LIST_GET);
	int rc;

	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q);
		return lg_err_set(err, LG_ENOINPUT, "no list '%s' in %s (see 'leadgate lists')",
				  name, s->path);
	}
	if (rc != SQLITE_ROW) {
		enum lg_status st = store_fail(s, "reading a list", err);
		sqlite3_reset(q);
		return st;
	}
	memset(li, 0, sizeof(*li));
	li->id = sqlite3_column_int64(q, 0);
	copy_col(li->name, sizeof(li->name), q, 1);
	copy_col(li->source, sizeof(li->source), q, 2);
	li->created_at = sqlite3_column_int64(q, 3);
	li->version_run = sqlite3_column_int64(q, 4);
	li->verified_at = sqlite3_column_int64(q, 5);
	li->counts.rows = (unsigned long)sqlite3_column_int64(q, 6);
	li->counts.contacts = (unsigned long)sqlite3_column_int64(q, 7);
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		li->counts.by_status[i] = (unsigned long)sqlite3_column_int64(q, 8 + i);
	li->exported = (unsigned long)sqlite3_column_int64(q, 12);
	li->hard_bounced = (unsigned long)sqlite3_column_int64(q, 13);
	li->versions = (unsigned)sqlite3_column_int(q, 14);
	copy_col(li->input, sizeof(li->input), q, 15);
	sqlite3_reset(q);
	if (!li->version_run)
		return LG_OK;
	return store_list_windows_each(s, li, current_window, li, err);
}

enum lg_status store_list_windows_each(struct store *s, const struct store_list_info *li,
				       void (*fn)(void *arg, const struct store_list_window *w),
				       void *arg, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, has_windows(s) ? Q_LIST_WINDOWS : Q_LIST_WINDOWS_OLD);
	struct store_list_window w = {0};
	int rc;

	sqlite3_bind_int64(q, 1, li->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		w.version++;
		w.run = sqlite3_column_int64(q, 0);
		w.verified_at = sqlite3_column_int64(q, 1);
		w.rows = (unsigned long)sqlite3_column_int64(q, 2);
		w.contacts = (unsigned long)sqlite3_column_int64(q, 3);
		w.exported = (unsigned long)sqlite3_column_int64(q, 4);
		w.hard_bounced = (unsigned long)sqlite3_column_int64(q, 5);
		fn(arg, &w);
	}
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? LG_OK : store_fail(s, "reading a list's versions", err);
}

enum lg_status store_list_each(struct store *s,
			       void (*fn)(void *arg, const struct store_list_info *li), void *arg,
			       struct lg_err *err)
{
	/* Names first: store_list_get reuses the statements. */
	sqlite3_stmt *q = store_stmt(s, Q_LIST_ALL);
	char **names = NULL;
	size_t n = 0, cap = 0;
	enum lg_status st = LG_OK;
	int rc;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = lg_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = lg_xstrdup((const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		st = store_fail(s, "listing lists", err);
	for (size_t i = 0; i < n; i++) {
		struct store_list_info li;
		if (st == LG_OK && (st = store_list_get(s, names[i], &li, err)) == LG_OK)
			fn(arg, &li);
		free(names[i]);
	}
	free(names);
	return st;
}

enum lg_status store_members_each(struct store *s, const struct store_list_info *li,
				  bool with_address,
				  enum lg_status (*fn)(void *arg, const struct store_member *m,
						       struct lg_err *err),
				  void *arg, struct lg_err *err)
{
	/* Rows are kept from schema 3 on; an older database read as it is. */
	bool cells = with_address && s->version >= 3;
	sqlite3_stmt *q = store_stmt(s, cells          ? Q_MEMBERS_CELLS
					: with_address ? Q_MEMBERS_ADDR
						       : Q_MEMBERS);
	enum lg_status st = LG_OK;
	int rc;

	sqlite3_bind_int64(q, 1, li->version_run);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!with_address) { /* the gate's scan: the verdict alone */
			struct store_member m = {
				.address = "",
				.status = (enum verify_status)sqlite3_column_int(q, 0),
				.flags = (unsigned)sqlite3_column_int(q, 1),
				.verified_at = sqlite3_column_int64(q, 2),
				.suppressed = (enum store_suppress)sqlite3_column_int(q, 3),
			};
			if ((st = fn(arg, &m, err)) != LG_OK)
				break;
			continue;
		}
		struct store_member m = {
			.contact_id = sqlite3_column_int64(q, 0),
			.address = (const char *)sqlite3_column_text(q, 1),
			.address_len = (size_t)sqlite3_column_bytes(q, 1),
			.status = (enum verify_status)sqlite3_column_int(q, 2),
			.reason = (enum verify_reason)sqlite3_column_int(q, 3),
			.flags = (unsigned)sqlite3_column_int(q, 4),
			.verified_at = sqlite3_column_int64(q, 5),
			.suppressed = (enum store_suppress)sqlite3_column_int(q, 6),
		};
		if (cells && sqlite3_column_type(q, 7) == SQLITE_BLOB) {
			m.cells = sqlite3_column_blob(q, 7);
			m.cells_len = (size_t)sqlite3_column_bytes(q, 7);
		}
		if ((st = fn(arg, &m, err)) != LG_OK)
			break;
	}
	if (st == LG_OK && rc != SQLITE_DONE)
		st = store_fail(s, "reading list members", err);
	sqlite3_reset(q);
	return st;
}

enum lg_status store_export_begin(struct store *s, const struct store_list_info *li,
				  const char *path, int64_t now, int64_t *export_id,
				  struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_EXPORT_ADD);
	sqlite3_bind_int64(q, 1, li->id);
	sqlite3_bind_int64(q, 2, li->version_run);
	sqlite3_bind_text(q, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, now);
	enum lg_status st = store_exec_step(s, q, "recording the export", err);
	*export_id = sqlite3_last_insert_rowid(s->db);
	s->export.list = li->id;
	s->export.run = li->version_run;
	s->export.list_new = s->export.run_new = 0;
	return st;
}

enum lg_status store_export_row(struct store *s, int64_t export_id,
				const struct store_list_info *li, int64_t contact_id, int64_t now,
				struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_SENT_ADD);
	enum lg_status st;

	sqlite3_bind_int64(q, 1, li->id);
	sqlite3_bind_int64(q, 2, contact_id);
	sqlite3_bind_int64(q, 3, export_id);
	sqlite3_bind_int64(q, 4, now);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	s->export.list_new += (unsigned long)sqlite3_changes(s->db); /* 0: sent before */
	/* The same for the current version's window: a contact sent before
	 * the list was verified again is sent anew in this one. */
	q = store_stmt(s, Q_VSENT_ADD);
	sqlite3_bind_int64(q, 1, li->version_run);
	sqlite3_bind_int64(q, 2, contact_id);
	sqlite3_bind_int64(q, 3, export_id);
	sqlite3_bind_int64(q, 4, now);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	s->export.run_new += (unsigned long)sqlite3_changes(s->db);
	return LG_OK;
}

enum lg_status store_export_finish(struct store *s, int64_t export_id, unsigned long rows,
				   struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_EXPORT_DONE);
	enum lg_status st;
	sqlite3_bind_int64(q, 1, export_id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)rows);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	/* The denominators, once for the whole export rather than a
	 * statement per contact: the rows and the counts commit together. */
	q = store_stmt(s, Q_LIST_EXPORTED_ADD);
	sqlite3_bind_int64(q, 1, s->export.list);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)s->export.list_new);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	q = store_stmt(s, Q_RUN_EXPORTED_ADD);
	sqlite3_bind_int64(q, 1, s->export.run);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)s->export.run_new);
	return store_exec_step(s, q, "recording the export", err);
}

bool store_list_header(struct store *s, const struct store_list_info *li, struct lg_buf *out,
		       long *email_col)
{
	if (s->version < 3 || !li->version_run)
		return false;
	sqlite3_stmt *q = store_stmt(s, Q_RUN_HEADER_GET);
	bool found = false;
	sqlite3_bind_int64(q, 1, li->version_run);
	if (sqlite3_step(q) == SQLITE_ROW) {
		lg_buf_add(out, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0));
		*email_col = (long)sqlite3_column_int64(q, 1);
		found = true;
	}
	sqlite3_reset(q);
	return found;
}

enum lg_status store_refresh_plan(struct store *s, int64_t list_id, int64_t before,
				  unsigned long budget, int64_t now, struct store_run *run,
				  struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_REFRESH_OPEN);
	enum lg_status st;
	int rc;

	memset(run, 0, sizeof(*run));
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		run->id = sqlite3_column_int64(q, 0);
		run->list_id = sqlite3_column_int64(q, 1);
		run->resumed = true;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "finding an interrupted refresh", err);
	if (run->resumed)
		return LG_OK;

	int64_t version = 0;
	if (list_id) {
		q = store_stmt(s, Q_LIST_VERSION);
		sqlite3_bind_int64(q, 1, list_id);
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	if ((st = store_run_begin(s, "refresh", list_id, "", now, run, err)) != LG_OK)
		return st;
	q = store_stmt(s, list_id ? Q_PLAN_LIST : Q_PLAN_ALL);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, before);
	sqlite3_bind_int64(q, 3, budget > INT64_MAX ? INT64_MAX : (sqlite3_int64)budget);
	if (list_id)
		sqlite3_bind_int64(q, 4, version);
	return store_exec_step(s, q, "planning the refresh", err);
}

enum lg_status store_refresh_each(struct store *s, const struct store_run *run, unsigned long max,
				  enum lg_status (*fn)(void *arg, const struct store_due *d,
						       struct lg_err *err),
				  void *arg, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_PLAN_EACH);
	enum lg_status st = LG_OK;
	int rc;

	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_due d = {
			.contact_id = sqlite3_column_int64(q, 0),
			.address = (const char *)sqlite3_column_text(q, 1),
			.address_len = (size_t)sqlite3_column_bytes(q, 1),
			.status = (enum verify_status)sqlite3_column_int(q, 2),
			.verified_at = sqlite3_column_int64(q, 3),
			.rank = sqlite3_column_int64(q, 4),
		};
		if ((st = fn(arg, &d, err)) != LG_OK)
			break;
	}
	if (st == LG_OK && rc != SQLITE_DONE)
		st = store_fail(s, "reading the refresh plan", err);
	sqlite3_reset(q);
	return st;
}

enum lg_status store_refresh_done(struct store *s, const struct store_run *run,
				  const struct store_due *d, const struct store_verdict *v,
				  bool *changed, bool *kept, struct lg_err *err)
{
	int64_t contact_id = d->contact_id;
	sqlite3_stmt *q = store_stmt(s, Q_CONTACT_GET);
	enum lg_status st;
	int old = -1;

	sqlite3_bind_int64(q, 1, contact_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		old = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	/* An unknown verdict is kept as evidence but does not replace a
	 * decided one (Q_CONTACT_SET): no change then. */
	*changed = old != (int)v->status && (v->status != VERIFY_UNKNOWN || old == VERIFY_UNKNOWN);
	*kept = v->status == VERIFY_UNKNOWN && old >= 0 && old != VERIFY_UNKNOWN;

	if ((st = store_evidence_add(s, contact_id, run->id, "refresh", v, err)) != LG_OK)
		return st;
	q = store_stmt(s, Q_CONTACT_SET);
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_int(q, 2, (int)v->status);
	sqlite3_bind_int(q, 3, (int)v->reason);
	sqlite3_bind_int(q, 4, (int)(v->flags & ~(unsigned)VERIFY_F_ROW_ONLY));
	sqlite3_bind_text(q, 5, v->mx, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, v->provider, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, v->verified_at);
	if ((st = store_exec_step(s, q, "recording a refreshed verdict", err)) != LG_OK)
		return st;
	/* A rep's request is met by a decided verdict, not by a timeout; a
	 * kept verdict waits there too, for the next plan to take first. */
	if (v->status != VERIFY_UNKNOWN || *kept) {
		q = store_stmt(s, *kept ? Q_REVERIFY_KEPT : Q_REVERIFY_DONE);
		sqlite3_bind_int64(q, 1, contact_id);
		if (*kept)
			sqlite3_bind_int64(q, 2, v->verified_at);
		if ((st = store_exec_step(s, q, "recording a refreshed verdict", err)) != LG_OK)
			return st;
	}
	q = store_stmt(s, Q_PLAN_DONE);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, d->rank);
	sqlite3_bind_int(q, 3, *changed);
	return store_exec_step(s, q, "recording a refreshed verdict", err);
}

enum lg_status store_refresh_counts(struct store *s, const struct store_run *run,
				    struct store_refresh_counts *c, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, Q_PLAN_COUNTS);
	memset(c, 0, sizeof(*c));
	sqlite3_bind_int64(q, 1, run->id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		enum lg_status st = store_fail(s, "counting the refresh", err);
		sqlite3_reset(q);
		return st;
	}
	c->planned = (unsigned long)sqlite3_column_int64(q, 0);
	c->done = (unsigned long)sqlite3_column_int64(q, 1);
	c->changed = (unsigned long)sqlite3_column_int64(q, 2);
	c->suppressed = (unsigned long)sqlite3_column_int64(q, 3);
	sqlite3_reset(q);
	return LG_OK;
}
