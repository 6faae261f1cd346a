/*
 * lists.c - what commands read and record about lists: versions and
 * counts, members with their contacts' latest verdicts, exports, and the
 * plan of a refresh run.
 */
#include "store_int.h"
#include "smtp/smtp.h"

#include <assert.h>
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

static const char sql_list_get[] =
	"SELECT l.id, l.name, l.source, l.created_at, coalesce(l.current_run, 0),"
	" coalesce(r.finished_at, 0), coalesce(r.rows, 0), coalesce(r.contacts, 0),"
	" coalesce(r.deliverable, 0), coalesce(r.risky, 0), coalesce(r.undeliverable, 0),"
	" coalesce(r.unknown, 0), l.exported, l.hard_bounced,"
	" (SELECT count(*) FROM runs v WHERE v.list_id = l.id AND v.kind = 'verify'"
	"  AND v.finished_at IS NOT NULL),"
	/* the input to verify again: the current version's, else the last tried */
	" coalesce(r.input, (SELECT v.input FROM runs v WHERE v.list_id = l.id"
	"  AND v.kind = 'verify' ORDER BY v.id DESC LIMIT 1), '')"
	" FROM lists l LEFT JOIN runs r ON r.id = l.current_run WHERE l.name = ?1";

enum lg_status store_list_get(struct store *s, const char *name, struct store_list_info *li,
			      struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_list_get);
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

struct window_cb {
	void (*fn)(void *arg, const struct store_list_window *w);
	void *arg;
	struct store_list_window w;
};

static enum lg_status window_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct window_cb *cb = ctx;
	(void)err;
	cb->w.version++;
	cb->w.run = sqlite3_column_int64(q, 0);
	cb->w.verified_at = sqlite3_column_int64(q, 1);
	cb->w.rows = (unsigned long)sqlite3_column_int64(q, 2);
	cb->w.contacts = (unsigned long)sqlite3_column_int64(q, 3);
	cb->w.exported = (unsigned long)sqlite3_column_int64(q, 4);
	cb->w.hard_bounced = (unsigned long)sqlite3_column_int64(q, 5);
	cb->fn(cb->arg, &cb->w);
	return LG_OK;
}

/* The versions of a list, oldest first, with their windows.  A
 * database read without its upgrade has no version_sent: its windows
 * are counted as the upgrade would fill them (a contact in the window
 * of its first export from the list), in one pass over the list's
 * sends. */
#define LIST_VERSIONS                                                                              \
	" WHERE r.list_id = ?1 AND r.kind = 'verify' AND r.finished_at IS NOT NULL"                \
	" ORDER BY r.id"
static const char sql_list_windows[] =
	"SELECT r.id, r.finished_at, r.rows, r.contacts, r.exported, r.hard_bounced"
	" FROM runs r" LIST_VERSIONS;

static const char sql_list_windows_old[] =
	"SELECT r.id, r.finished_at, r.rows, r.contacts, coalesce(w.n, 0), coalesce(w.b, 0)"
	" FROM runs r LEFT JOIN (SELECT e.run_id, count(*) AS n, count(s.bounced_at) AS b"
	"  FROM sent s JOIN exports e ON e.id = s.export_id WHERE s.list_id = ?1"
	"  GROUP BY e.run_id) w ON w.run_id = r.id" LIST_VERSIONS;

enum lg_status store_list_windows_each(struct store *s, const struct store_list_info *li,
				       void (*fn)(void *arg, const struct store_list_window *w),
				       void *arg, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, has_windows(s) ? sql_list_windows : sql_list_windows_old);
	struct window_cb cb = {.fn = fn, .arg = arg};
	sqlite3_bind_int64(q, 1, li->id);
	return store_each_row(s, q, "reading a list's versions", window_row, &cb, err);
}

/*
 * The cursors.  Each prepares a statement of its own rather than take one
 * of the store's cache, so that a caller may read the store (another
 * list, its members) between two rows, and two cursors may be open at
 * once.  Pages are keyset pages: each starts after the last key of the
 * one before (WHERE key > ?), found in the table's index, so a page costs
 * its rows whatever its place, and a row added or removed between two
 * pages neither repeats nor skips another.
 */
enum cursor_kind { CURSOR_LISTS, CURSOR_MEMBERS };

struct store_cursor {
	struct store *s;
	sqlite3_stmt *q; /* owned */
	enum cursor_kind kind;
	bool with_address, cells; /* CURSOR_MEMBERS: what the rows hold */
	bool done;
	union {
		struct store_list_info li;
		struct store_member m;
	} row; /* the row handed out, until the next call */
};

/* The names of the lists after ?1 (from the first without it). */
#define SQL_LISTS_AFTER "SELECT name FROM lists WHERE name > ?1 ORDER BY name"
#define SQL_LISTS_ALL "SELECT name FROM lists ORDER BY name"
/* The members of run ?1 after contact ?2, in contact order: the order of
 * the members table's key, so no sort.  The gate's scan reads only what
 * it weighs (the whole version: it has no page); export reads the
 * address and, from schema 3 on, the row. */
#define SQL_MEMBERS_FROM " FROM members m JOIN contacts c ON c.id = m.contact_id"
#define SQL_MEMBERS_PAGE " WHERE m.run_id = ?1 AND m.contact_id > ?2 ORDER BY m.contact_id"
#define SQL_MEMBERS                                                                                \
	"SELECT c.status, c.flags, c.verified_at, c.suppressed" SQL_MEMBERS_FROM SQL_MEMBERS_PAGE
/* The gate's scan from schema 12 on: whether a probe confirmed the
 * mailbox (smtp_outcome 1, SMTP_ACCEPTED) too. */
_Static_assert(SMTP_ACCEPTED == 1, "SQL_MEMBERS_SMTP's outcome");
#define SQL_MEMBERS_SMTP                                                                           \
	"SELECT c.status, c.flags, c.verified_at, c.suppressed,"                                   \
	" coalesce(c.smtp_outcome = 1, 0)" SQL_MEMBERS_FROM SQL_MEMBERS_PAGE
#define SQL_MEMBERS_ADDR                                                                           \
	"SELECT m.contact_id, c.address, c.status, c.reason, c.flags, c.verified_at,"              \
	" c.suppressed" SQL_MEMBERS_FROM SQL_MEMBERS_PAGE
#define SQL_MEMBERS_CELLS                                                                          \
	"SELECT m.contact_id, c.address, c.status, c.reason, c.flags, c.verified_at,"              \
	" c.suppressed, r.cells" SQL_MEMBERS_FROM                                                  \
	" LEFT JOIN member_rows r ON r.run_id = m.run_id AND r.contact_id = "                      \
	"m.contact_id" SQL_MEMBERS_PAGE

static enum lg_status cursor_open(struct store *s, enum cursor_kind kind, const char *sql,
				  const char *what, struct store_cursor **out, struct lg_err *err)
{
	struct store_cursor *c = lg_xcalloc(1, sizeof(*c));
	c->s = s;
	c->kind = kind;
	if (sqlite3_prepare_v2(s->db, sql, -1, &c->q, NULL) != SQLITE_OK) {
		/* The SQL is ours: only a busy or broken database fails here. */
		enum lg_status st = store_fail(s, what, err);
		store_cursor_close(c);
		*out = NULL;
		return st;
	}
	*out = c;
	return LG_OK;
}

enum lg_status store_lists_open(struct store *s, const char *after, struct store_cursor **out,
				struct lg_err *err)
{
	enum lg_status st = cursor_open(s, CURSOR_LISTS, after ? SQL_LISTS_AFTER : SQL_LISTS_ALL,
					"listing lists", out, err);
	if (st == LG_OK && after)
		sqlite3_bind_text((*out)->q, 1, after, -1, SQLITE_TRANSIENT);
	return st;
}

enum lg_status store_lists_next(struct store_cursor *c, const struct store_list_info **li,
				struct lg_err *err)
{
	assert(c->kind == CURSOR_LISTS);
	*li = NULL;
	if (c->done)
		return LG_OK;
	int rc = sqlite3_step(c->q);
	if (rc != SQLITE_ROW) {
		c->done = true;
		return rc == SQLITE_DONE ? LG_OK : store_fail(c->s, "listing lists", err);
	}
	/* The same read transaction as the step: the list is there. */
	enum lg_status st = store_list_get(c->s, (const char *)sqlite3_column_text(c->q, 0),
					   &c->row.li, err);
	if (st == LG_OK)
		*li = &c->row.li;
	return st;
}

enum lg_status store_members_open(struct store *s, const struct store_list_info *li,
				  bool with_address, int64_t after, struct store_cursor **out,
				  struct lg_err *err)
{
	/* Rows are kept from schema 3 on; an older database read as it is. */
	bool cells = with_address && s->version >= 3;
	enum lg_status st = cursor_open(s, CURSOR_MEMBERS,
					cells              ? SQL_MEMBERS_CELLS
					: with_address     ? SQL_MEMBERS_ADDR
					: s->version >= 12 ? SQL_MEMBERS_SMTP
							   : SQL_MEMBERS,
					"reading list members", out, err);
	if (st != LG_OK)
		return st;
	(*out)->with_address = with_address;
	(*out)->cells = cells;
	sqlite3_bind_int64((*out)->q, 1, li->version_run);
	sqlite3_bind_int64((*out)->q, 2, after);
	return LG_OK;
}

enum lg_status store_members_next(struct store_cursor *c, const struct store_member **out,
				  struct lg_err *err)
{
	sqlite3_stmt *q = c->q;
	struct store_member *m = &c->row.m;

	assert(c->kind == CURSOR_MEMBERS);
	*out = NULL;
	if (c->done)
		return LG_OK;
	int rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		c->done = true;
		return rc == SQLITE_DONE ? LG_OK : store_fail(c->s, "reading list members", err);
	}
	memset(m, 0, sizeof(*m));
	if (!c->with_address) { /* the gate's scan: the verdict alone */
		m->address = "";
		m->status = (enum verify_status)sqlite3_column_int(q, 0);
		m->flags = (unsigned)sqlite3_column_int(q, 1);
		m->verified_at = sqlite3_column_int64(q, 2);
		m->suppressed = (enum store_suppress)sqlite3_column_int(q, 3);
		m->smtp_confirmed = sqlite3_column_count(q) > 4 && sqlite3_column_int(q, 4);
	} else {
		m->contact_id = sqlite3_column_int64(q, 0);
		m->address = (const char *)sqlite3_column_text(q, 1);
		m->address_len = (size_t)sqlite3_column_bytes(q, 1);
		m->status = (enum verify_status)sqlite3_column_int(q, 2);
		m->reason = (enum verify_reason)sqlite3_column_int(q, 3);
		m->flags = (unsigned)sqlite3_column_int(q, 4);
		m->verified_at = sqlite3_column_int64(q, 5);
		m->suppressed = (enum store_suppress)sqlite3_column_int(q, 6);
		if (c->cells && sqlite3_column_type(q, 7) == SQLITE_BLOB) {
			m->cells = sqlite3_column_blob(q, 7);
			m->cells_len = (size_t)sqlite3_column_bytes(q, 7);
		}
	}
	*out = m;
	return LG_OK;
}

void store_cursor_close(struct store_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->q);
	free(c);
}

enum lg_status store_list_each(struct store *s,
			       void (*fn)(void *arg, const struct store_list_info *li), void *arg,
			       struct lg_err *err)
{
	struct store_cursor *c;
	const struct store_list_info *li;
	enum lg_status st = store_lists_open(s, NULL, &c, err);

	while (st == LG_OK && (st = store_lists_next(c, &li, err)) == LG_OK && li)
		fn(arg, li);
	store_cursor_close(c);
	return st;
}

enum lg_status store_members_each(struct store *s, const struct store_list_info *li,
				  bool with_address,
				  enum lg_status (*fn)(void *arg, const struct store_member *m,
						       struct lg_err *err),
				  void *arg, struct lg_err *err)
{
	struct store_cursor *c;
	const struct store_member *m;
	enum lg_status st = store_members_open(s, li, with_address, 0, &c, err);

	while (st == LG_OK && (st = store_members_next(c, &m, err)) == LG_OK && m)
		st = fn(arg, m, err);
	store_cursor_close(c);
	return st;
}

static const char sql_export_add[] =
	"INSERT INTO exports(list_id, run_id, path, at) VALUES (?1, ?2, ?3, ?4)";

enum lg_status store_export_begin(struct store *s, const struct store_list_info *li,
				  const char *path, int64_t now, int64_t *export_id,
				  struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_export_add);
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

static const char sql_sent_add[] =
	"INSERT OR IGNORE INTO sent(list_id, contact_id, export_id, first_at)"
	" VALUES (?1, ?2, ?3, ?4)";

static const char sql_vsent_add[] =
	"INSERT OR IGNORE INTO version_sent(run_id, contact_id, export_id, first_at)"
	" VALUES (?1, ?2, ?3, ?4)";

enum lg_status store_export_row(struct store *s, int64_t export_id,
				const struct store_list_info *li, int64_t contact_id, int64_t now,
				struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_sent_add);
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
	q = store_stmt(s, sql_vsent_add);
	sqlite3_bind_int64(q, 1, li->version_run);
	sqlite3_bind_int64(q, 2, contact_id);
	sqlite3_bind_int64(q, 3, export_id);
	sqlite3_bind_int64(q, 4, now);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	s->export.run_new += (unsigned long)sqlite3_changes(s->db);
	return LG_OK;
}

static const char sql_list_exported_add[] =
	"UPDATE lists SET exported = exported + ?2 WHERE id = ?1";

static const char sql_run_exported_add[] = "UPDATE runs SET exported = exported + ?2 WHERE id = ?1";

static const char sql_export_done[] = "UPDATE exports SET rows = ?2 WHERE id = ?1";

enum lg_status store_export_finish(struct store *s, int64_t export_id, unsigned long rows,
				   struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_export_done);
	enum lg_status st;
	sqlite3_bind_int64(q, 1, export_id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)rows);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	/* The denominators, once for the whole export rather than a
	 * statement per contact: the rows and the counts commit together. */
	q = store_stmt(s, sql_list_exported_add);
	sqlite3_bind_int64(q, 1, s->export.list);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)s->export.list_new);
	if ((st = store_exec_step(s, q, "recording the export", err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_run_exported_add);
	sqlite3_bind_int64(q, 1, s->export.run);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)s->export.run_new);
	return store_exec_step(s, q, "recording the export", err);
}

static const char sql_run_header_get[] =
	"SELECT header, email_col FROM runs WHERE id = ?1 AND header IS NOT NULL";

bool store_list_header(struct store *s, const struct store_list_info *li, struct lg_buf *out,
		       long *email_col)
{
	if (s->version < 3 || !li->version_run)
		return false;
	sqlite3_stmt *q = store_stmt(s, sql_run_header_get);
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

static const char sql_refresh_open[] =
	"SELECT id, coalesce(list_id, 0) FROM runs WHERE kind = 'refresh'"
	" AND finished_at IS NULL ORDER BY id DESC LIMIT 1";

/* The stages of a lead in the funnel, whose data a refresh takes first. */
#define IN_FUNNEL "('mql', 'pql', 'hql', 'sal', 'sql')"
/* Contacts a rep asked to re-verify (reverify) come first, whatever
 * their age; then the due contacts that are leads in the funnel (a
 * stale MQL, HQL or SQL matters more than a cold lead), stalest
 * first; then the other due contacts, stalest first.  Three parts, so
 * that the last still walks contacts_by_age; the CROSS JOINs keep the
 * first two walking the small reverify and stages tables rather than
 * every contact. */
static const char sql_plan_all[] =
	"INSERT INTO refresh_plan(run_id, rank, contact_id)"
	" SELECT ?1, row_number() OVER (ORDER BY k, verified_at, id), id FROM"
	" (SELECT 0 AS k, c.id, c.verified_at FROM reverify r"
	"  CROSS JOIN contacts c ON c.id = r.contact_id WHERE c.suppressed = 0"
	"  UNION ALL SELECT 1, c.id, c.verified_at FROM stages g"
	"  CROSS JOIN contacts c ON c.id = g.contact_id WHERE g.stage IN " IN_FUNNEL
	"  AND c.suppressed = 0 AND c.verified_at < ?2"
	"  AND c.id NOT IN (SELECT contact_id FROM reverify)"
	"  UNION ALL SELECT 2, id, verified_at FROM"
	"  (SELECT id, verified_at FROM contacts WHERE suppressed = 0 AND verified_at < ?2"
	"   AND id NOT IN (SELECT contact_id FROM reverify)"
	"   AND id NOT IN (SELECT contact_id FROM stages WHERE stage IN " IN_FUNNEL ")"
	"   ORDER BY verified_at, id LIMIT ?3)"
	"  ORDER BY k, verified_at, id LIMIT ?3)";

static const char sql_plan_list[] =
	"INSERT INTO refresh_plan(run_id, rank, contact_id)"
	" SELECT ?1, row_number() OVER (ORDER BY k, verified_at, id), id FROM"
	" (SELECT 0 AS k, c.id, c.verified_at FROM reverify r"
	"  CROSS JOIN members m ON m.run_id = ?4 AND m.contact_id = r.contact_id"
	"  CROSS JOIN contacts c ON c.id = r.contact_id WHERE c.suppressed = 0"
	"  UNION ALL SELECT 1, c.id, c.verified_at FROM stages g"
	"  CROSS JOIN members m ON m.run_id = ?4 AND m.contact_id = g.contact_id"
	"  CROSS JOIN contacts c ON c.id = g.contact_id WHERE g.stage IN " IN_FUNNEL
	"  AND c.suppressed = 0 AND c.verified_at < ?2"
	"  AND c.id NOT IN (SELECT contact_id FROM reverify)"
	"  UNION ALL SELECT 2, id, verified_at FROM"
	"  (SELECT c.id, c.verified_at FROM members m JOIN contacts c ON c.id = "
	"m.contact_id"
	"   WHERE m.run_id = ?4 AND c.suppressed = 0 AND c.verified_at < ?2"
	"   AND c.id NOT IN (SELECT contact_id FROM reverify)"
	"   AND c.id NOT IN (SELECT contact_id FROM stages WHERE stage IN " IN_FUNNEL ")"
	"   ORDER BY c.verified_at, c.id LIMIT ?3)"
	"  ORDER BY k, verified_at, id LIMIT ?3)";

const char store_sql_list_version[] = "SELECT coalesce(current_run, 0) FROM lists WHERE id = ?1";

enum lg_status store_refresh_plan(struct store *s, int64_t list_id, int64_t before,
				  unsigned long budget, int64_t now, struct store_run *run,
				  struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_refresh_open);
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
		q = store_stmt(s, store_sql_list_version);
		sqlite3_bind_int64(q, 1, list_id);
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	if ((st = store_run_begin(s, "refresh", list_id, "", now, run, err)) != LG_OK)
		return st;
	q = store_stmt(s, list_id ? sql_plan_list : sql_plan_all);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, before);
	sqlite3_bind_int64(q, 3, budget > INT64_MAX ? INT64_MAX : (sqlite3_int64)budget);
	if (list_id)
		sqlite3_bind_int64(q, 4, version);
	return store_exec_step(s, q, "planning the refresh", err);
}

struct due_cb {
	enum lg_status (*fn)(void *arg, const struct store_due *d, struct lg_err *err);
	void *arg;
};

static enum lg_status due_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct due_cb *cb = ctx;
	struct store_due d = {
		.contact_id = sqlite3_column_int64(q, 0),
		.address = (const char *)sqlite3_column_text(q, 1),
		.address_len = (size_t)sqlite3_column_bytes(q, 1),
		.status = (enum verify_status)sqlite3_column_int(q, 2),
		.verified_at = sqlite3_column_int64(q, 3),
		.rank = sqlite3_column_int64(q, 4),
		.cells = sqlite3_column_blob(q, 5),
		.cells_len = (size_t)sqlite3_column_bytes(q, 5),
		.email_col = sqlite3_column_type(q, 6) == SQLITE_NULL
				     ? -1
				     : (long)sqlite3_column_int64(q, 6),
	};
	if (!d.cells)
		d.email_col = -1;
	return cb->fn(cb->arg, &d, err);
}

/* ?3: the list's current version (0: no list, no row): its row of each
 * contact, for the address as the list spelled it. */
static const char sql_plan_each[] =
	"SELECT c.id, c.address, c.status, c.verified_at, p.rank, mr.cells, r.email_col"
	" FROM refresh_plan p JOIN contacts c ON c.id = p.contact_id"
	" LEFT JOIN member_rows mr ON mr.run_id = ?3 AND mr.contact_id = c.id"
	" LEFT JOIN runs r ON r.id = mr.run_id"
	" WHERE p.run_id = ?1 AND p.done = 0"
	" AND c.suppressed = 0 ORDER BY p.rank LIMIT ?2";

enum lg_status store_refresh_each(struct store *s, const struct store_run *run, unsigned long max,
				  enum lg_status (*fn)(void *arg, const struct store_due *d,
						       struct lg_err *err),
				  void *arg, struct lg_err *err)
{
	int64_t version = 0;
	sqlite3_stmt *q;
	if (run->list_id) {
		q = store_stmt(s, store_sql_list_version);
		sqlite3_bind_int64(q, 1, run->list_id);
		if (sqlite3_step(q) == SQLITE_ROW)
			version = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
	}
	q = store_stmt(s, sql_plan_each);
	struct due_cb cb = {fn, arg};
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	sqlite3_bind_int64(q, 3, version);
	return store_each_row(s, q, "reading the refresh plan", due_row, &cb, err);
}

static const char sql_contact_get[] = "SELECT status FROM contacts WHERE id = ?1";

static const char sql_contact_set[] =
	"UPDATE contacts SET status = ?2, reason = ?3, flags = ?4, mx = ?5,"
	" provider = ?6, verified_at = ?7, smtp_outcome = NULL, smtp_reply = NULL,"
	" smtp_tls = NULL, smtp_at = NULL WHERE id = ?1 AND suppressed <> 1"
	" AND (?2 <> 3 OR status = 3)";

static const char sql_plan_done[] =
	"UPDATE refresh_plan SET done = 1, changed = ?3 WHERE run_id = ?1"
	" AND rank = ?2";

static const char sql_reverify_done[] = "DELETE FROM reverify WHERE contact_id = ?1";

/* a rep's own request, if there is one, stays as it was */
static const char sql_reverify_kept[] =
	"INSERT INTO reverify(contact_id, requested_at, why)"
	" VALUES (?1, ?2, 'unknown') ON CONFLICT (contact_id) DO NOTHING";

enum lg_status store_refresh_done(struct store *s, const struct store_run *run,
				  const struct store_due *d, const struct store_verdict *v,
				  bool *changed, bool *kept, struct lg_err *err)
{
	int64_t contact_id = d->contact_id;
	sqlite3_stmt *q = store_stmt(s, sql_contact_get);
	enum lg_status st;
	int old = -1;

	sqlite3_bind_int64(q, 1, contact_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		old = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	/* An unknown verdict is kept as evidence but does not replace a
	 * decided one (sql_contact_set): no change then. */
	*changed = old != (int)v->status && (v->status != VERIFY_UNKNOWN || old == VERIFY_UNKNOWN);
	*kept = v->status == VERIFY_UNKNOWN && old >= 0 && old != VERIFY_UNKNOWN;

	if ((st = store_evidence_add(s, contact_id, run->id, "refresh", v, err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_contact_set);
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
		q = store_stmt(s, *kept ? sql_reverify_kept : sql_reverify_done);
		sqlite3_bind_int64(q, 1, contact_id);
		if (*kept)
			sqlite3_bind_int64(q, 2, v->verified_at);
		if ((st = store_exec_step(s, q, "recording a refreshed verdict", err)) != LG_OK)
			return st;
	}
	if ((st = store_smtp_record(s, contact_id, run->id, v, err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_plan_done);
	sqlite3_bind_int64(q, 1, run->id);
	sqlite3_bind_int64(q, 2, d->rank);
	sqlite3_bind_int(q, 3, *changed);
	return store_exec_step(s, q, "recording a refreshed verdict", err);
}

static const char sql_plan_counts[] =
	"SELECT count(*), coalesce(sum(p.done), 0), coalesce(sum(p.changed), 0),"
	" coalesce(sum(c.suppressed <> 0), 0) FROM refresh_plan p"
	" JOIN contacts c ON c.id = p.contact_id WHERE p.run_id = ?1";

enum lg_status store_refresh_counts(struct store *s, const struct store_run *run,
				    struct store_refresh_counts *c, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_plan_counts);
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

/* ---- the lists a contact is in ---- */

static const char sql_contact_lists[] =
	"SELECT l.name FROM lists l JOIN runs r ON r.id = l.current_run"
	" WHERE EXISTS (SELECT 1 FROM members m WHERE m.run_id = l.current_run"
	" AND m.contact_id = ?1) ORDER BY r.started_at DESC, l.id DESC";

struct contact_lists_cb {
	enum lg_status (*fn)(void *arg, const char *name, struct lg_err *err);
	void *arg;
};

static enum lg_status contact_list_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct contact_lists_cb *cb = ctx;
	return cb->fn(cb->arg, store_col_text(q, 0), err);
}

enum lg_status store_contact_lists(struct store *s, int64_t contact_id,
				   enum lg_status (*fn)(void *arg, const char *name,
							struct lg_err *err),
				   void *arg, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_contact_lists);
	sqlite3_bind_int64(q, 1, contact_id);
	struct contact_lists_cb cb = {fn, arg};
	return store_each_row(s, q, "reading a contact's lists", contact_list_row, &cb, err);
}

/* ---- each list's last gate verdict (schema 14) ---- */

static const char sql_gate_get[] = "SELECT blocked, reasons FROM list_gates WHERE list = ?1";

struct gate_row {
	int blocked;
	struct lg_buf *reasons;
};

static enum lg_status gate_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct gate_row *g = ctx;
	(void)err;
	g->blocked = sqlite3_column_int(q, 0) != 0;
	if (g->reasons && sqlite3_column_type(q, 1) != SQLITE_NULL)
		lg_buf_adds(g->reasons, store_col_text(q, 1));
	return LG_OK;
}

enum lg_status store_list_gate_get(struct store *s, const char *list, int *blocked,
				   struct lg_buf *reasons, struct lg_err *err)
{
	struct gate_row g = {-1, reasons};
	sqlite3_stmt *q = store_stmt(s, sql_gate_get);
	sqlite3_bind_text(q, 1, list, -1, SQLITE_STATIC);
	enum lg_status st = store_each_row(s, q, "reading a list's gate", gate_row, &g, err);
	*blocked = g.blocked;
	return st;
}

static const char sql_gate_put[] =
	"INSERT INTO list_gates(list, blocked, reasons, at) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(list) DO UPDATE SET blocked = ?2, reasons = ?3, at = ?4";

enum lg_status store_list_gate_put(struct store *s, const char *list, bool blocked,
				   const char *reasons, int64_t at, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_gate_put);
	sqlite3_bind_text(q, 1, list, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, blocked);
	store_bind_opt(q, 3, reasons);
	sqlite3_bind_int64(q, 4, at);
	return store_exec_step(s, q, "keeping a list's gate", err);
}
