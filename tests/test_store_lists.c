/*
 * test_store_lists.c - what commands read and record about lists
 * (store/lists.c), on real database files: lists and their members with
 * their rows, exports and the observation windows, refresh plans (a
 * rep's requests and the funnel first); the keyset cursors over lists
 * and members, page by page, across rows added and removed between pages.
 * The shared fixture (a database per test, direct queries) is
 * store_fixture.h.
 */
#include "store_fixture.h"

static void add_name(void *arg, const struct store_list_info *li)
{
	lg_buf_addf(arg, "%s;", li->name);
}

static void test_list_each(void **state)
{
	char path[512];
	struct lg_buf names = LG_BUF_INIT;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "each.db");
	struct store *s = open_write(path);
	assert_int_equal(store_list_each(s, add_name, &names, &e), LG_OK);
	assert_int_equal(names.len, 0);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "webinar", addr, 1, T0);
	verified_list(s, "Apollo", addr, 1, T0);
	verified_list(s, "events", addr, 1, T0);
	assert_int_equal(store_list_each(s, add_name, &names, &e), LG_OK);
	assert_string_equal(names.data, "Apollo;events;webinar;");
	lg_buf_release(&names);
	/* One contact in three lists. */
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), 1);
	store_close(s);
}

/*
 * The observation window: what the current version exported, and of that
 * what bounced after.  A list that bounced is verified again: its window
 * starts empty, the old one stays as it was, and the lifetime counts go on.
 */
static void test_windows(void **state)
{
	char path[512];
	struct store_list_info li;
	struct windows w;
	(void)state;

	db_path(path, sizeof(path), "windows.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"};
	struct store_run v1 = verified_list(s, "L", addr, 5, T0);
	assert_int_equal(export_all(s, "L", T0 + 100), 5);
	hard_bounces(s, addr, 2, T0 + 200); /* a@ and b@ */
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 2);
	assert_int_equal(li.window_exported, 5);
	assert_int_equal(li.window_hard_bounced, 2);
	assert_string_equal(li.input, "L"); /* verified_list names the input after the list */

	/* Verified again: a new, empty window; the old one as it was. */
	struct store_run v2 = verified_list(s, "L", addr, 5, T0 + DAY);
	list_get(s, "L", &li);
	assert_int_equal(li.version_run, v2.id);
	assert_int_equal(li.window_exported, 0);
	assert_int_equal(li.window_hard_bounced, 0);
	assert_int_equal(li.exported, 5);
	assert_int_equal(li.hard_bounced, 2);

	/* Sent again: the three not suppressed count anew in the new window,
	 * not again in the list's lifetime count (they were sent before). */
	assert_int_equal(export_all(s, "L", T0 + DAY + 100), 3);
	list_get(s, "L", &li);
	assert_int_equal(li.window_exported, 3);
	assert_int_equal(li.exported, 5);

	/* c@ bounces now: after both its sends, so in both windows; the
	 * list's lifetime count once. */
	hard_bounces(s, addr + 2, 1, T0 + DAY + 200);
	list_get(s, "L", &li);
	assert_int_equal(li.window_hard_bounced, 1);
	assert_int_equal(li.hard_bounced, 3);

	windows(s, "L", &w);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.w[0].version, 1);
	assert_int_equal(w.w[0].run, v1.id);
	assert_int_equal(w.w[0].verified_at, T0);
	assert_int_equal(w.w[0].contacts, 5);
	assert_int_equal(w.w[0].exported, 5);
	assert_int_equal(w.w[0].hard_bounced, 3);
	assert_int_equal(w.w[1].version, 2);
	assert_int_equal(w.w[1].run, v2.id);
	assert_int_equal(w.w[1].verified_at, T0 + DAY);
	assert_int_equal(w.w[1].exported, 3);
	assert_int_equal(w.w[1].hard_bounced, 1);
	/* The counters are what the sends say. */
	assert_int_equal(q1(path, "SELECT count(*) FROM runs r WHERE kind = 'verify' AND (exported,"
				  " hard_bounced) IS NOT (SELECT count(*), count(bounced_at) FROM"
				  " version_sent v WHERE v.run_id = r.id)"),
			 0);
	store_close(s);
}

static void test_export_counts_once(void **state)
{
	char path[512];
	struct store_list_info li, other;
	struct members g;
	struct lg_err e = {{0}};
	int64_t x1, x2, x3;
	(void)state;

	db_path(path, sizeof(path), "export.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	verified_list(s, "M", addr, 1, T0);
	members(s, "L", true, &g);
	list_get(s, "L", &li);
	list_get(s, "M", &other);

	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 1, &x1, &e), LG_OK);
	assert_int_equal(store_export_row(s, x1, &li, g.m[0].contact_id, T0 + 1, &e), LG_OK);
	assert_int_equal(store_export_row(s, x1, &li, g.m[0].contact_id, T0 + 1, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x1, 2, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 1);

	/* Exported again later, with the other contact: one more. */
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 2, &x2, &e), LG_OK);
	assert_true(x2 != x1);
	assert_int_equal(store_export_row(s, x2, &li, g.m[0].contact_id, T0 + 2, &e), LG_OK);
	assert_int_equal(store_export_row(s, x2, &li, g.m[1].contact_id, T0 + 2, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x2, 2, &e), LG_OK);
	commit(s);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 2);
	/* First sent by the first export. */
	assert_int_equal(q1(path, "SELECT export_id FROM sent WHERE contact_id = %lld",
			    (long long)g.m[0].contact_id),
			 x1);

	/* Per list: the same contact exported from M counts for M. */
	begin(s);
	assert_int_equal(store_export_begin(s, &other, "-", T0 + 3, &x3, &e), LG_OK);
	assert_int_equal(store_export_row(s, x3, &other, g.m[0].contact_id, T0 + 3, &e), LG_OK);
	assert_int_equal(store_export_finish(s, x3, 1, &e), LG_OK);
	commit(s);
	list_get(s, "M", &other);
	assert_int_equal(other.exported, 1);
	list_get(s, "L", &li);
	assert_int_equal(li.exported, 2);

	/* An export rolled back leaves no trace. */
	begin(s);
	assert_int_equal(store_export_begin(s, &li, "-", T0 + 4, &x3, &e), LG_OK);
	store_rollback(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM exports"), 3);
	store_close(s);
}

static void test_refresh(void **state)
{
	char path[512];
	struct store_run run, again, bounces, next;
	struct store_refresh_counts c;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "refresh.db");
	struct store *s = open_write(path);
	/* Five contacts verified on five days, each in a list of its own. */
	const char *addr[] = {"d1@x.com", "d2@x.com", "d3@x.com", "d4@x.com", "d5@x.com"};
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "L%d", i + 1);
		verified_list(s, name, addr + i, 1, T0 + i * DAY);
	}
	/* d2 complained: never re-verified. */
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "c.json", T0, &bounces, &e), LG_OK);
	assert_int_equal(bounce(s, &bounces, "d2@x.com", "complaint", "k", T0, T0),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);

	/* Verified before day 3.5, budget 2: d1 and d3, stalest first. */
	int64_t now = T0 + 40 * DAY, before = T0 + 3 * DAY + DAY / 2;
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, before, 2, now, &run, &e), LG_OK);
	commit(s);
	assert_false(run.resumed);
	assert_int_equal(run.list_id, 0);
	due_each(s, &run, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.address[0], "d1@x.com");
	assert_int_equal(g.d[0].rank, 1);
	assert_int_equal(g.d[0].verified_at, T0);
	assert_int_equal(g.d[0].status, VERIFY_DELIVERABLE);
	assert_string_equal(g.address[1], "d3@x.com");
	assert_int_equal(g.d[1].rank, 2);
	assert_true(g.d[0].contact_id > 0 && g.d[1].contact_id != g.d[0].contact_id);
	/* At most max, stalest first: the refresh takes its chunks so. */
	due_each_max(s, &run, 1, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d1@x.com");

	/* d1 re-verified, unchanged; then the run is "killed". */
	begin(s);
	assert_false(refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now));
	commit(s);
	assert_int_equal(store_refresh_counts(s, &run, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.done, 1);
	assert_int_equal(c.changed, 0);
	assert_int_equal(c.suppressed, 0);

	/* The next plan takes the interrupted run up, whatever it is asked. */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, now, 100, now + 1, &again, &e), LG_OK);
	commit(s);
	assert_true(again.resumed);
	assert_int_equal(again.id, run.id);
	due_each(s, &again, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d3@x.com");
	assert_int_equal(g.d[0].rank, 2);
	begin(s);
	assert_true(refresh_done(s, &again, &g.d[0], VERIFY_UNDELIVERABLE, now + 1));
	commit(s);
	due_each(s, &again, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(store_refresh_counts(s, &again, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.done, 2);
	assert_int_equal(c.changed, 1);
	begin(s);
	assert_int_equal(store_run_finish(s, &again, now + 1, &e), LG_OK);
	commit(s);

	/* The new verdicts are the contacts' latest; one evidence row each. */
	struct members m;
	members(s, "L3", true, &m);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.m[0].status, VERIFY_UNDELIVERABLE);
	assert_int_equal(m.m[0].verified_at, now + 1);
	members(s, "L1", true, &m);
	assert_int_equal(m.m[0].verified_at, now);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM evidence WHERE how = 'refresh' AND run_id = %lld",
			    (long long)run.id),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM (SELECT contact_id, run_id FROM evidence"
				  " GROUP BY 1, 2 HAVING count(*) > 1)"),
			 0);

	/* Finished: the next plan is a new run, of what is stalest now (d4). */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, before, 10, now + 2, &next, &e), LG_OK);
	commit(s);
	assert_false(next.resumed);
	assert_true(next.id != run.id);
	due_each(s, &next, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d4@x.com");
	/* Recording a contact twice adds one evidence row. */
	begin(s);
	refresh_done(s, &next, &g.d[0], VERIFY_DELIVERABLE, now + 2);
	refresh_done(s, &next, &g.d[0], VERIFY_DELIVERABLE, now + 2);
	assert_int_equal(store_run_finish(s, &next, now + 2, &e), LG_OK);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)next.id),
			 1);

	/* One list only: d5 (L5), not the staler contacts of other lists. */
	struct store_list_info l5;
	list_get(s, "L5", &l5);
	begin(s);
	assert_int_equal(store_refresh_plan(s, l5.id, now, 10, now + 3, &next, &e), LG_OK);
	commit(s);
	assert_int_equal(next.list_id, l5.id);
	due_each(s, &next, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "d5@x.com");
	store_close(s);
}

/* A contact suppressed while its refresh is planned is skipped. */
static void test_refresh_suppressed_midway(void **state)
{
	char path[512];
	struct store_run run, imp;
	struct store_refresh_counts c;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "refresh-supp.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L", addr, 2, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &run, &e), LG_OK);
	commit(s);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "b.csv", T0 + 40 * DAY, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "b@x.com", "hard", "k", T0 + 39 * DAY, T0 + 40 * DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	due_each(s, &run, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.address[0], "a@x.com");
	assert_int_equal(store_refresh_counts(s, &run, &c, &e), LG_OK);
	assert_int_equal(c.planned, 2);
	assert_int_equal(c.suppressed, 1);
	store_close(s);
}

/* store_refresh_done: "*changed says whether the status changed" - an
 * unknown verdict that did not replace the contact's is no change. */
static void test_refresh_unknown_not_changed(void **state)
{
	char path[512];
	struct store_run plan;
	struct store_refresh_counts c;
	struct due d;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "unknown-changed.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com"};
	verified_list(s, "L", addr, 1, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &plan, &e), LG_OK);
	commit(s);
	due_each(s, &plan, &d);
	assert_int_equal(d.n, 1);
	begin(s);
	assert_false(refresh_done(s, &plan, &d.d[0], VERIFY_UNKNOWN, T0 + 40 * DAY));
	commit(s);
	assert_int_equal(store_refresh_counts(s, &plan, &c, &e), LG_OK);
	assert_int_equal(c.changed, 0);
	store_close(s);
}

/* A refresh whose new answer is unknown keeps the older verdict, and the
 * contact, still due, comes first in the next plan, before staler ones. */
static void test_refresh_kept_first(void **state)
{
	char path[512];
	struct store_run plan, next;
	struct due d;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "kept-first.db");
	struct store *s = open_write(path);
	const char *old[] = {"old@x.com"}, *two[] = {"a@x.com", "b@x.com"};
	verified_list(s, "L0", old, 1, T0 - 10 * DAY);
	verified_list(s, "L", two, 2, T0);
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 40 * DAY, &plan, &e), LG_OK);
	commit(s);
	due_each(s, &plan, &d);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.address[0], "old@x.com");
	/* b@x.com: the resolver timed out. */
	bool changed, kept;
	struct store_verdict v = verdict("b@x.com", VERIFY_UNKNOWN, VERIFY_R_TIMEOUT, 0,
					 T0 + 40 * DAY);
	begin(s);
	assert_int_equal(store_refresh_done(s, &plan, &d.d[2], &v, &changed, &kept, &e), LG_OK);
	assert_false(changed);
	assert_true(kept);
	assert_false(refresh_done(s, &plan, &d.d[0], VERIFY_DELIVERABLE, T0 + 40 * DAY));
	v = verdict("a@x.com", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + 40 * DAY);
	assert_int_equal(store_refresh_done(s, &plan, &d.d[1], &v, &changed, &kept, &e), LG_OK);
	assert_false(kept);
	assert_int_equal(store_run_finish(s, &plan, T0 + 40 * DAY, &e), LG_OK);
	commit(s);
	/* The older verdict stands, and b@x.com is still due ... */
	assert_int_equal(q1(path, "SELECT status FROM contacts WHERE address = 'b@x.com'"),
			 VERIFY_DELIVERABLE);
	assert_int_equal(q1(path, "SELECT verified_at FROM contacts WHERE address = 'b@x.com'"), T0);
	/* ... and first in the next plan, though old@x.com was staler. */
	begin(s);
	assert_int_equal(store_refresh_plan(s, 0, T0 + 1, 10, T0 + 41 * DAY, &next, &e), LG_OK);
	commit(s);
	due_each(s, &next, &d);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.address[0], "b@x.com");
	/* A decided answer ends its wait. */
	begin(s);
	assert_false(refresh_done(s, &next, &d.d[0], VERIFY_DELIVERABLE, T0 + 41 * DAY));
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 0);
	store_close(s);
}

/* A new version of list `name`: addr[i] deliverable as of at[i]. */
static void verified_at_times(struct store *s, const char *name, const char *const *addr,
			      const int64_t *at, size_t n)
{
	struct store_run run;
	struct lg_err e = {{0}};
	begin(s);
	assert_int_equal(store_verify_begin(s, name, NULL, name, NULL, at[0], &run, &e), LG_OK);
	for (size_t i = 0; i < n; i++)
		row(s, &run, addr[i], VERIFY_DELIVERABLE, VERIFY_R_OK, 0, at[i]);
	finish(s, &run, n, n, at[n - 1]);
	commit(s);
}

static enum lg_status take_row(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct member_rows *g = arg;
	struct io_cell c[8];
	(void)err;
	assert_true(g->n < 4);
	char *out = g->row[g->n++];
	if (!m->cells) {
		snprintf(out, 128, "-");
		return LG_OK;
	}
	long n = io_cells_unpack(m->cells, m->cells_len, c, 8);
	assert_true(n >= 0 && n <= 8);
	out[0] = '\0';
	for (long i = 0; i < n; i++)
		snprintf(out + strlen(out), 128 - strlen(out), "%s%.*s", i ? "|" : "",
			 (int)c[i].len, c[i].s);
	return LG_OK;
}

/*
 * A list version keeps its file's columns and each member's row as given
 * (schema 3), for export to give back; a database of schema 2 reads
 * without them, its readers of names say how to upgrade, and a writer
 * upgrades it keeping what it held.
 */
static void test_list_rows(void **state)
{
	char path[512];
	struct store_run run;
	struct store_list_info li;
	struct member_rows g = {0};
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err e = {{0}};
	long at = -1;
	(void)state;

	db_path(path, sizeof(path), "rows.db");
	struct store *s = open_write(path);
	const struct io_cell head[] = {{"Name", 4, true}, {"E-mail", 6, true}, {"Note", 4, true}};
	io_cells_pack(&b, head, 3);
	begin(s);
	assert_int_equal(store_verify_begin(s, "L", NULL, "in.csv", "F", T0, &run, &e), LG_OK);
	assert_int_equal(store_verify_header(s, &run, b.data, b.len, 1, &e), LG_OK);
	const struct io_cell r1[] = {{"Ann", 3, true},
				     {" ANN@x.com", 10, true},
				     {"a, \"b\"\n", 7, false}};
	const struct io_cell r2[] = {{"", 0, true}, {"bob@y.org", 9, true}, {"", 0, true}};
	const struct io_cell *rows[] = {r1, r2};
	const char *addr[] = {"ann@x.com", "bob@y.org"};
	for (int i = 0; i < 2; i++) {
		struct store_verdict v = verdict(addr[i], VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		lg_buf_reset(&b);
		io_cells_pack(&b, rows[i], 3);
		v.cells = b.data;
		v.cells_len = b.len;
		struct store_profile p = {.employees = -1,
					  .first_name = i ? NULL : "Ann",
					  .last_name = i ? NULL : "Lee"};
		v.profile = &p;
		assert_int_equal(store_verify_row(s, &run, &v, T0, &e), LG_OK);
	}
	finish(s, &run, 2, 2, T0);
	commit(s);

	list_get(s, "L", &li);
	lg_buf_reset(&b);
	assert_true(store_list_header(s, &li, &b, &at));
	assert_int_equal(at, 1);
	struct io_cell h[4];
	assert_int_equal(io_cells_unpack(b.data, b.len, h, 4), 3);
	assert_int_equal(h[1].len, 6);
	assert_memory_equal(h[1].s, "E-mail", 6);
	assert_int_equal(store_members_each(s, &li, true, take_row, &g, &e), LG_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.row[0], "Ann| ANN@x.com|a, \"b\"\n");
	assert_string_equal(g.row[1], "|bob@y.org|");
	assert_string_equal(qtext(path, (char[64]){0}, 64,
				  "SELECT first_name || ' ' || last_name FROM profiles"),
			    "Ann Lee");
	store_close(s);

	/* Schema 2: no rows, no header; the readers of names say why. */
	downgrade_to_v2(path);
	struct store *r = NULL;
	assert_int_equal(store_open(&r, path, STORE_READ, &e), LG_OK);
	list_get(r, "L", &li);
	lg_buf_reset(&b);
	assert_false(store_list_header(r, &li, &b, &at));
	g.n = 0;
	assert_int_equal(store_members_each(r, &li, true, take_row, &g, &e), LG_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.row[0], "-");
	unsigned n = 0;
	assert_int_equal(store_leads_each(r, 0, NULL, count_lead, &n, &e), LG_ECONFIG);
	assert_non_null(strstr(e.msg, "made by an older leadgate (schema 2)"));
	store_close(r);
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM members"), 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM member_rows"), 0);
	lg_buf_release(&b);
}

static void run_finish(struct store *s, const struct store_run *run, int64_t now)
{
	struct lg_err e = {{0}};
	begin(s);
	if (store_run_finish(s, run, now, &e) != LG_OK)
		fail_msg("store_run_finish: %s", e.msg);
	commit(s);
}

static void test_reverify_first(void **state)
{
	char path[512], buf[256];
	struct store_run run, imp;
	struct store_list_info l;
	struct due g;
	struct lg_err e = {{0}};
	(void)state;

	db_path(path, sizeof(path), "reverify.db");
	struct store *s = open_write(path);
	/* L: a, b, r (recent), s (complained).  M: c, q (recent). */
	const char *laddr[] = {"a@x.com", "b@x.com", "r@x.com", "s@x.com"};
	const int64_t lat[] = {T0, T0 + DAY, T0 + 30 * DAY, T0 + DAY / 2};
	const char *maddr[] = {"c@x.com", "q@x.com"};
	const int64_t mat[] = {T0 + 2 * DAY, T0 + 29 * DAY};
	verified_at_times(s, "L", laddr, lat, 4);
	verified_at_times(s, "M", maddr, mat, 2);
	begin(s);
	assert_int_equal(store_run_begin(s, "import", 0, "c.json", T0, &imp, &e), LG_OK);
	assert_int_equal(bounce(s, &imp, "s@x.com", "complaint", "k", T0 + DAY, T0 + DAY),
			 STORE_BOUNCE_SUPPRESSED);
	commit(s);
	list_get(s, "L", &l);
	int64_t now = T0 + 40 * DAY, before = T0 + 10 * DAY; /* stale: a, b, c */

	/* Without a request: the stalest. */
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,"
			    "c@x.com");
	run_finish(s, &run, now);

	/* A rep sent r back: first, whatever its age, in every plan. */
	reverify(s, "r@x.com", now, "bad_data");
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 1);
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "r@x.com,a@x.com,b@x.com,c@x.com");
	assert_int_equal(g.d[0].rank, 1);
	assert_int_equal(g.d[0].verified_at, T0 + 30 * DAY);
	run_finish(s, &run, now); /* finished without refreshing r: still asked for */
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 1);
	/* The budget counts it. */
	assert_string_equal(plan(s, 0, before, 2, now, &run, &g, buf, sizeof(buf)),
			    "r@x.com,a@x.com");
	run_finish(s, &run, now);
	assert_string_equal(plan(s, 0, before, 1, now, &run, &g, buf, sizeof(buf)), "r@x.com");
	run_finish(s, &run, now);
	/* One list: the same. */
	assert_string_equal(plan(s, l.id, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "r@x.com,a@x.com,b@x.com");
	assert_int_equal(g.d[0].rank, 1);

	/* Refreshed: the request is done. */
	begin(s);
	refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now);
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 0);
	run_finish(s, &run, now);
	assert_string_equal(plan(s, 0, before, 10, now + 1, &run, &g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,c@x.com");
	run_finish(s, &run, now + 1);
	/* Unless stale: then in its place by age, last. */
	assert_string_equal(plan(s, 0, now + DAY, 10, now + DAY, &run, &g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,c@x.com,q@x.com,r@x.com");
	run_finish(s, &run, now + DAY);

	/* Several requests: by age among themselves, then the rest; a list's
	 * plan takes only its members; a suppressed contact never; asked
	 * twice is asked once. */
	reverify(s, "q@x.com", now, "bad_data");
	reverify(s, "b@x.com", now, "bad_data");
	reverify(s, "b@x.com", now + 5, "wrong_person");
	reverify(s, "s@x.com", now, "bad_data");
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 3);
	assert_int_equal(q1(path, "SELECT requested_at FROM reverify r JOIN contacts c"
				  " ON c.id = r.contact_id WHERE c.address = 'b@x.com'"),
			 now + 5);
	assert_string_equal(plan(s, 0, before, 10, now + 6, &run, &g, buf, sizeof(buf)),
			    "b@x.com,q@x.com,a@x.com,c@x.com");
	run_finish(s, &run, now + 6);
	assert_string_equal(plan(s, l.id, before, 10, now + 6, &run, &g, buf, sizeof(buf)),
			    "b@x.com,a@x.com");
	/* b refreshed through L's plan: q's request stays. */
	begin(s);
	refresh_done(s, &run, &g.d[0], VERIFY_DELIVERABLE, now + 6);
	commit(s);
	run_finish(s, &run, now + 6);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM reverify r JOIN contacts c"
			    " ON c.id = r.contact_id WHERE c.address IN ('q@x.com', 's@x.com')"),
			 2);
	assert_int_equal(q1(path, "SELECT count(*) FROM reverify"), 2);
	assert_string_equal(plan(s, 0, before, 10, now + 7, &run, &g, buf, sizeof(buf)),
			    "q@x.com,a@x.com,c@x.com");
	run_finish(s, &run, now + 7);
	store_close(s);
}

/*
 * After the contacts a rep sent back, the due contacts that are leads in
 * the funnel (MQL, PQL, HQL, SAL, SQL) come first, stalest first, then
 * the other due ones; a contact in the funnel that is not due waits, and
 * one recycled or disqualified is a plain contact again.
 */
static void test_plan_funnel_first(void **state)
{
	char path[512], buf[256];
	struct store_run run;
	struct store_list_info l;
	struct due g;
	(void)state;

	db_path(path, sizeof(path), "funnel-first.db");
	struct store *s = open_write(path);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com", "f@x.com"};
	const int64_t at[] = {T0,           T0 + DAY,      T0 + 2 * DAY,
			      T0 + 3 * DAY, T0 + 30 * DAY, T0 + 4 * DAY};
	verified_at_times(s, "L", addr, at, 6);
	list_get(s, "L", &l);
	/* c an MQL, then HQL; d an SQL; e an MQL but recent; f recycled; b disqualified */
	static const struct {
		const char *address, *path;
	} moves[] = {
		{"c@x.com", "mql hql"},      {"d@x.com", "mql hql sal sql"}, {"e@x.com", "mql"},
		{"f@x.com", "mql recycled"}, {"b@x.com", "disqualified"},
	};
	begin(s);
	for (size_t i = 0; i < sizeof(moves) / sizeof(*moves); i++) {
		char p[64], *save = NULL;
		const char *from = "lead";
		snprintf(p, sizeof(p), "%s", moves[i].path);
		for (char *to = strtok_r(p, " ", &save); to; to = strtok_r(NULL, " ", &save)) {
			struct store_move m = {.from = stage_of(from),
					       .to = stage_of(to),
					       .at = T0 + 5 * DAY,
					       .why = "test",
					       .who = "auto"};
			move(s, contact_id(s, moves[i].address), &m);
			from = to; /* the stage just entered (strtok_r ended it in p) */
		}
	}
	commit(s);
	int64_t now = T0 + 40 * DAY, before = T0 + 10 * DAY; /* due: a b c d f */
	assert_string_equal(plan(s, 0, before, 10, now, &run, &g, buf, sizeof(buf)),
			    "c@x.com,d@x.com,a@x.com,b@x.com,f@x.com");
	run_finish(s, &run, now);
	assert_string_equal(plan(s, l.id, before, 2, now, &run, &g, buf, sizeof(buf)),
			    "c@x.com,d@x.com");
	run_finish(s, &run, now);
	/* a rep's request still comes first */
	reverify(s, "e@x.com", now, "bad_data");
	assert_string_equal(plan(s, 0, before, 3, now, &run, &g, buf, sizeof(buf)),
			    "e@x.com,c@x.com,d@x.com");
	run_finish(s, &run, now);
	store_close(s);
}

/* ---- cursors: keyset pages ---------------------------------------------------- */

/*
 * One page of lists after `after` (NULL: the first), at most limit: their
 * names appended to names, ';'-ended; the last name in last.  Each row is
 * the list as store_list_get gives it, and the store is used between two
 * rows (each list's members read).  Returns the rows read.
 */
static size_t lists_page(struct store *s, const char *after, size_t limit, struct lg_buf *names,
			 char *last, size_t cap)
{
	struct store_cursor *c = NULL;
	const struct store_list_info *li;
	struct lg_err e = {{0}};
	size_t n = 0;

	if (store_lists_open(s, after, &c, &e) != LG_OK)
		fail_msg("store_lists_open(%s): %s", after ? after : "NULL", e.msg);
	while (n < limit) {
		if (store_lists_next(c, &li, &e) != LG_OK)
			fail_msg("store_lists_next: %s", e.msg);
		if (!li)
			break;
		struct store_list_info want;
		struct members g;
		list_get(s, li->name, &want);
		assert_int_equal(li->id, want.id);
		assert_int_equal(li->version_run, want.version_run);
		assert_int_equal(li->counts.rows, want.counts.rows);
		members(s, li->name, true, &g);
		assert_int_equal(g.n, li->counts.contacts);
		lg_buf_addf(names, "%s;", li->name);
		snprintf(last, cap, "%s", li->name);
		n++;
	}
	store_cursor_close(c);
	return n;
}

/* Every list, page by page of limit; between the first two pages,
 * between(arg, the first page's last key) if given.  The names,
 * ';'-ended, into names. */
static void lists_walk(struct store *s, size_t limit, void (*between)(void *arg, const char *key),
		       void *arg, struct lg_buf *names)
{
	char last[128] = "";
	size_t pages = 0;
	lg_buf_reset(names);
	for (;;) {
		size_t n = lists_page(s, pages ? last : NULL, limit, names, last, sizeof(last));
		assert_true(n <= limit);
		if (n < limit)
			break;
		if (!pages++ && between)
			between(arg, last);
	}
}

struct lists_change {
	struct store *s;
	const char *path;
};

/* A list before the first page's last key and one after it. */
static void add_two_lists(void *arg, const char *key)
{
	struct lists_change *x = arg;
	assert_true(strcmp("a", key) < 0 && strcmp("g", key) > 0);
	const char *addr[] = {"new@x.com"};
	verified_list(x->s, "a", addr, 1, T0 + DAY);
	verified_list(x->s, "g", addr, 1, T0 + DAY);
}

/* The first page's last list renamed (to sort last), by another connection:
 * the key the next page starts after no longer exists. */
static void rename_last(void *arg, const char *key)
{
	const struct lists_change *x = arg;
	char sql[256];
	snprintf(sql, sizeof(sql), "UPDATE lists SET name = 'zz' WHERE name = '%s'", key);
	by_hand(x->path, sql);
}

static void test_lists_cursor(void **state)
{
	char path[512];
	struct lg_buf names = LG_BUF_INIT;
	(void)state;

	db_path(path, sizeof(path), "lists-cursor.db");
	struct store *s = open_write(path);
	lists_walk(s, 2, NULL, NULL, &names);
	assert_int_equal(names.len, 0);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com"};
	static const char *const made[] = {"j", "d", "h", "b", "f"};
	for (size_t i = 0; i < 5; i++)
		verified_list(s, made[i], addr, 1 + i % 3, T0);

	/* Pages of 1, 2, N and more: every list once, in name order. */
	static const size_t sizes[] = {1, 2, 5, 7};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		lists_walk(s, sizes[i], NULL, NULL, &names);
		assert_string_equal(names.data, "b;d;f;h;j;");
	}
	/* A page after a name that sorts between two, or after them all. */
	char last[128];
	lg_buf_reset(&names);
	assert_int_equal(lists_page(s, "c", 2, &names, last, sizeof(last)), 2);
	assert_string_equal(names.data, "d;f;");
	assert_int_equal(lists_page(s, "j", 2, &names, last, sizeof(last)), 0);
	assert_int_equal(lists_page(s, "", 1, &names, last, sizeof(last)), 1);
	assert_string_equal(names.data, "d;f;b;");

	/* Lists added between pages: the one after the key is read once, the
	 * one before it by no page after (it was not there for the first). */
	struct lists_change x = {s, path};
	lists_walk(s, 2, add_two_lists, &x, &names);
	assert_string_equal(names.data, "b;d;f;g;h;j;");
	lists_walk(s, 2, NULL, NULL, &names);
	assert_string_equal(names.data, "a;b;d;f;g;h;j;");

	/* The key of the page before renamed away: the next page starts at
	 * the next name there is. */
	lists_walk(s, 3, rename_last, &x, &names);
	assert_string_equal(names.data, "a;b;d;f;g;h;j;zz;");
	lists_walk(s, 3, NULL, NULL, &names);
	assert_string_equal(names.data, "a;b;f;g;h;j;zz;");

	/* store_list_each reads through the cursor: the same lists. */
	struct lg_buf each = LG_BUF_INIT;
	struct lg_err e = {{0}};
	assert_int_equal(store_list_each(s, add_name, &each, &e), LG_OK);
	assert_string_equal(each.data, names.data);
	lg_buf_release(&each);
	lg_buf_release(&names);
	store_close(s);
}

/* One page of members of list name after contact `after`, at most limit,
 * appended to g; the last contact_id in *last.  Returns the rows read. */
static size_t members_page(struct store *s, const char *name, bool with_address, int64_t after,
			   size_t limit, struct members *g, int64_t *last)
{
	struct store_list_info li;
	struct store_cursor *c = NULL;
	const struct store_member *m;
	struct lg_err e = {{0}};
	size_t n = 0;

	list_get(s, name, &li);
	if (store_members_open(s, &li, with_address, after, &c, &e) != LG_OK)
		fail_msg("store_members_open(%s): %s", name, e.msg);
	while (n < limit) {
		if (store_members_next(c, &m, &e) != LG_OK)
			fail_msg("store_members_next: %s", e.msg);
		if (!m)
			break;
		assert_true(with_address ? m->contact_id > after : m->contact_id == 0);
		take_member(g, m, &e);
		*last = m->contact_id;
		n++;
	}
	store_cursor_close(c);
	return n;
}

/* Every member, page by page of limit; between the first two pages,
 * between(arg, the first page's last key) if given. */
static void members_walk(struct store *s, const char *name, bool with_address, size_t limit,
			 void (*between)(void *arg, int64_t key), void *arg, struct members *g)
{
	int64_t last = 0;
	size_t pages = 0;
	memset(g, 0, sizeof(*g));
	for (;;) {
		size_t n = members_page(s, name, with_address, last, limit, g, &last);
		assert_true(n <= limit);
		if (n < limit)
			break;
		if (!pages++ && between)
			between(arg, last);
	}
}

/* The addresses of g, ','-joined, into buf. */
static const char *addresses(const struct members *g, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0; i < g->n; i++)
		join(buf, cap, g->m[i].address);
	return buf;
}

struct members_change {
	const char *path;
	int64_t run, early, late; /* the version's run; contacts before and after it */
};

/* Two contacts made members of the version by another connection: one
 * with an id below the first page's key, one above every member's. */
static void add_members(void *arg, int64_t key)
{
	const struct members_change *x = arg;
	char sql[256];
	assert_true(x->early < key && x->late > key);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO members(run_id, contact_id) VALUES (%lld, %lld), (%lld, %lld)",
		 (long long)x->run, (long long)x->early, (long long)x->run, (long long)x->late);
	by_hand(x->path, sql);
}

/* The first page's last member removed: the next page's key is gone. */
static void drop_member(void *arg, int64_t key)
{
	const struct members_change *x = arg;
	char sql[256];
	snprintf(sql, sizeof(sql), "DELETE FROM members WHERE run_id = %lld AND contact_id = %lld",
		 (long long)x->run, (long long)key);
	by_hand(x->path, sql);
}

static void test_members_cursor(void **state)
{
	char path[512], buf[512], want[512];
	struct members all, g;
	(void)state;

	db_path(path, sizeof(path), "members-cursor.db");
	struct store *s = open_write(path);
	const char *early[] = {"early@x.com"};
	verified_list(s, "E", early, 1, T0);
	const char *addr[] = {"a@x.com", "b@x.com", "c@x.com", "d@x.com",
			      "e@x.com", "f@x.com", "g@x.com"};
	struct store_run run = verified_list(s, "L", addr, 7, T0);
	const char *late[] = {"late@x.com"};
	verified_list(s, "Z", late, 1, T0);

	/* The callback's order is the cursor's: contact order. */
	members(s, "L", true, &all);
	assert_int_equal(all.n, 7);
	for (size_t i = 1; i < all.n; i++)
		assert_true(all.m[i].contact_id > all.m[i - 1].contact_id);
	addresses(&all, want, sizeof(want));
	assert_string_equal(want, "a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com,g@x.com");

	/* Pages of 1, 2, N and more. */
	static const size_t sizes[] = {1, 2, 7, 9};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		members_walk(s, "L", true, sizes[i], NULL, NULL, &g);
		assert_string_equal(addresses(&g, buf, sizeof(buf)), want);
	}
	/* The gate's scan, without the address (nor a key: read whole): the
	 * same members' verdicts; from a key, those after it. */
	int64_t last = 0;
	memset(&g, 0, sizeof(g));
	assert_int_equal(members_page(s, "L", false, 0, 100, &g, &last), 7);
	for (size_t k = 0; k < g.n; k++) {
		assert_int_equal(g.m[k].status, VERIFY_DELIVERABLE);
		assert_int_equal(g.m[k].verified_at, T0);
		assert_string_equal(g.m[k].address, "");
	}
	memset(&g, 0, sizeof(g));
	assert_int_equal(members_page(s, "L", false, all.m[4].contact_id, 100, &g, &last), 2);

	/* Members added between pages: the one after the key once, the one
	 * before it by no page after. */
	struct members_change x = {path, run.id, contact_id(s, "early@x.com"),
				   contact_id(s, "late@x.com")};
	members_walk(s, "L", true, 2, add_members, &x, &g);
	assert_string_equal(addresses(&g, buf, sizeof(buf)),
			    "a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com,g@x.com,late@x.com");
	members_walk(s, "L", true, 4, NULL, NULL, &g);
	assert_string_equal(
		addresses(&g, buf, sizeof(buf)),
		"early@x.com,a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com,g@x.com,late@x.com");

	/* The page's key removed: the next page starts at the next member. */
	members_walk(s, "L", true, 3, drop_member, &x, &g);
	assert_string_equal(
		addresses(&g, buf, sizeof(buf)),
		"early@x.com,a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com,g@x.com,late@x.com");
	members(s, "L", true, &all);
	assert_string_equal(
		addresses(&all, buf, sizeof(buf)),
		"early@x.com,a@x.com,c@x.com,d@x.com,e@x.com,f@x.com,g@x.com,late@x.com");
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_rows),
		cmocka_unit_test(test_list_each),
		cmocka_unit_test(test_export_counts_once),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_refresh_suppressed_midway),
		cmocka_unit_test(test_refresh_unknown_not_changed),
		cmocka_unit_test(test_refresh_kept_first),
		cmocka_unit_test(test_reverify_first),
		cmocka_unit_test(test_plan_funnel_first),
		cmocka_unit_test(test_lists_cursor),
		cmocka_unit_test(test_members_cursor),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
