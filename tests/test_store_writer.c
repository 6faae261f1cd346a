/*
 * test_store_writer.c - the store's writer thread (store/writer.c), on
 * real database files: verdicts with their rows and profiles and DNS
 * answers written in batches on its own connection.
 * The shared fixture (a database per test, direct queries) is
 * store_fixture.h.
 */
#include "store_fixture.h"

/*
 * The writer thread records, in batches on its own connection, every
 * verdict (with its packed row and profile) and DNS answer handed to it:
 * more of them than its ring of batches holds, from buffers the caller
 * reuses at once.  Freed without finishing, it drops what it was not
 * handed whole, as a kill would.
 */
static void test_writer(void **state)
{
	char path[512], addr[64], dom[64];
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	enum { N = 100, NDNS = 7 };
	(void)state;

	db_path(path, sizeof(path), "writer.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "W", "crm", "in.csv", "F", T0, &run, &e), LG_OK);
	commit(s);
	/* batches of 2: the ring of batches goes round more than once */
	assert_int_equal(store_writer_start(&w, s, &run, T0, 2, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "u%d@d%d.example", i, i % 10);
		struct store_verdict v = verdict(addr, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		char note[32];
		snprintf(note, sizeof(note), "row %d", i);
		const struct io_cell cells[] = {{addr, strlen(addr), true},
						{note, strlen(note), true}};
		struct lg_arena *a = store_writer_arena(w);
		v.cells_len = io_cells_packed_len(cells, 2);
		void *packed = lg_arena_alloc(a, v.cells_len, 1);
		io_cells_pack_to(packed, cells, 2);
		v.cells = packed;
		if (i % 3 == 0) {
			struct store_profile *p = lg_arena_alloc(a, sizeof(*p),
								 _Alignof(struct store_profile));
			*p = (struct store_profile){.employees = i,
						    .title = lg_arena_memdup(a, note, strlen(note))};
			v.profile = p;
		}
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
		memset(addr, 'z', sizeof(addr) - 1); /* the writer kept a copy */
		memset(note, 'z', sizeof(note) - 1);
		if (i < NDNS) {
			snprintf(dom, sizeof(dom), "d%d.example", i);
			char mx[32];
			snprintf(mx, sizeof(mx), "mx%d.example", i);
			struct dns_result d = {.mx = mx,
					       .outcome = DNS_MX,
					       .answered_at = (uint32_t)T0,
					       .expires_at = (uint32_t)(T0 + 3600)};
			assert_int_equal(store_writer_dns(w, dom, strlen(dom), &d, &e), LG_OK);
			memset(mx, 'z', sizeof(mx) - 1);
			memset(dom, 'z', sizeof(dom) - 1);
		}
	}
	assert_int_equal(store_writer_finish(w, &e), LG_OK);
	store_writer_free(w);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE source = 'crm'"), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)run.id),
			 N);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 N);
	assert_int_equal(q1(path, "SELECT count(*) FROM member_rows WHERE run_id = %lld",
			    (long long)run.id),
			 N);
	assert_int_equal(q1(path, "SELECT count(*) FROM profiles"), (N + 2) / 3);
	assert_int_equal(
		q1(path, "SELECT employees FROM profiles p JOIN contacts c ON c.id = p.contact_id"
			 " WHERE c.address = 'u99@d9.example'"),
		99);
	char buf[64];
	assert_string_equal(qtext(path, buf, sizeof(buf),
				  "SELECT title FROM profiles p JOIN contacts c"
				  " ON c.id = p.contact_id WHERE c.address = 'u99@d9.example'"),
			    "row 99");
	assert_int_equal(q1(path, "SELECT count(*) FROM domains"), NDNS);
	assert_string_equal(qtext(path, buf, sizeof(buf),
				  "SELECT mx FROM domains WHERE domain = 'd6.example'"),
			    "mx6.example");
	begin(s);
	finish(s, &run, N, N, T0);
	commit(s);
	struct store_list_info li;
	list_get(s, "W", &li);
	assert_int_equal(li.counts.contacts, N);

	/* freed before a batch was full: nothing of it is written */
	struct store_run run2;
	begin(s);
	assert_int_equal(store_verify_begin(s, "W2", NULL, "in2.csv", "G", T0, &run2, &e), LG_OK);
	commit(s);
	assert_int_equal(store_writer_start(&w, s, &run2, T0, 8, &e), LG_OK);
	struct store_verdict v = verdict("late@d1.example", VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
	assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	store_writer_free(w);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM contacts WHERE address = 'late@d1.example'"),
			 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run2.id),
			 0);
	store_close(s);
}

/*
 * A second run of a list over contacts known and new, in runs of each:
 * the new ones are added once, in the order given, and the known ones
 * keep their ids and take the new run's verdict (a new contact is
 * inserted before it is looked up; an address already there is then
 * found and updated, and nothing fails).
 */
static void test_writer_known_and_new(void **state)
{
	char path[512], addr[64];
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	/* known from the first run, then new (n) and known (k) in runs */
	static const char kind[] = "nkknnnkkknknnkknkkknnnkkknkn";
	enum { KNOWN = 16 }; /* more than kind has k's: each known contact once */
	(void)state;

	db_path(path, sizeof(path), "known.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "K", NULL, "a.csv", "A", T0, &run, &e), LG_OK);
	for (int i = 0; i < KNOWN; i++) {
		snprintf(addr, sizeof(addr), "k%d@d.example", i);
		row(s, &run, addr, VERIFY_RISKY, VERIFY_R_OK, 0, T0);
	}
	finish(s, &run, KNOWN, KNOWN, T0);
	commit(s);

	begin(s);
	assert_int_equal(store_verify_begin(s, "K", NULL, "b.csv", "B", T0 + DAY, &run, &e), LG_OK);
	commit(s);
	assert_int_equal(store_writer_start(&w, s, &run, T0 + DAY, 3, &e), LG_OK);
	int known = 0, fresh = 0;
	for (const char *k = kind; *k; k++) {
		if (*k == 'k')
			snprintf(addr, sizeof(addr), "k%d@d.example", known++ % KNOWN);
		else
			snprintf(addr, sizeof(addr), "n%d@d.example", fresh++);
		struct store_verdict v = verdict(addr, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0 + DAY);
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	}
	assert_int_equal(store_writer_finish(w, &e), LG_OK);
	store_writer_free(w);
	const int n = (int)strlen(kind);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), KNOWN + fresh);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 n);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence WHERE run_id = %lld",
			    (long long)run.id),
			 n);
	/* the known keep their ids (1-KNOWN); those in this run take its verdict */
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts WHERE address LIKE 'k%%'"
				  " AND id = 1 + CAST(substr(address, 2, instr(address, '@') - 2)"
				  " AS INTEGER)"),
			 KNOWN);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM contacts WHERE address LIKE 'k%%'"
			    " AND status = %d AND last_seen = %lld",
			    VERIFY_DELIVERABLE, (long long)(T0 + DAY)),
			 known);
	/* the new come after them, in the order given */
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM contacts WHERE address LIKE 'n%%'"
			    " AND id = %d + 1 + CAST(substr(address, 2, instr(address, '@') - 2)"
			    " AS INTEGER)",
			    KNOWN),
			 fresh);
	store_close(s);
}

/*
 * A transaction takes several batches and is committed by the writer on
 * its own once it has waited long enough with nothing new: what was
 * handed whole gets written without store_writer_finish.  Whatever is
 * seen meanwhile is whole batches from the first, each row with its
 * contact, evidence and member.
 */
static void test_writer_idle_commit(void **state)
{
	char path[512], addr[64];
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	enum { BATCH = 4, N = 5 * BATCH };
	(void)state;

	db_path(path, sizeof(path), "idle.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "I", NULL, "i.csv", "I", T0, &run, &e), LG_OK);
	commit(s);
	assert_int_equal(store_writer_start(&w, s, &run, T0, BATCH, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "u%d@d.example", i);
		struct store_verdict v = verdict(addr, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	}
	long long seen = 0;
	for (int tries = 0; tries < 1200 && seen < N; tries++) { /* up to a minute */
		/* one query, so one snapshot: the members, or -1 when the
		 * evidence, the contacts and their ids do not match them */
		seen = q1(path,
			  "SELECT iif(m = e AND m = c AND m = i, m, -1) FROM"
			  " (SELECT (SELECT count(*) FROM members WHERE run_id = %lld) AS m,"
			  " (SELECT count(*) FROM evidence WHERE run_id = %lld) AS e,"
			  " (SELECT count(*) FROM contacts) AS c,"
			  " (SELECT coalesce(max(id), 0) FROM contacts) AS i)",
			  (long long)run.id, (long long)run.id);
		assert_true(seen >= 0);
		assert_int_equal(seen % BATCH, 0);
		if (seen < N)
			usleep(50 * 1000);
	}
	assert_int_equal(seen, N);
	store_writer_free(w); /* without finish: nothing more to write */
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 N);
	store_close(s);
}

/*
 * The writer's connection enforces evidence's CHECK on `how`, as every
 * other connection does (it once switched off every CHECK to save the
 * one on `how`).  The writer records only `verify`, so the test puts a
 * CHECK in evidence's place that refuses it, by hand: each row's contact
 * and member are recorded, its evidence is refused (INSERT OR IGNORE:
 * left out, not an error).
 */
static void test_writer_checks_evidence(void **state)
{
	char path[512], addr[64];
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	enum { N = 5 };
	(void)state;

	db_path(path, sizeof(path), "check.db");
	struct store *s = open_write(path);
	begin(s);
	assert_int_equal(store_verify_begin(s, "C", NULL, "c.csv", "C", T0, &run, &e), LG_OK);
	commit(s);
	by_hand(path, "BEGIN; DROP TABLE evidence;"
		      " CREATE TABLE evidence(contact_id INTEGER NOT NULL, run_id INTEGER NOT NULL,"
		      " how TEXT NOT NULL CHECK (how = 'refresh' OR how = 'bounce'),"
		      " status INTEGER NOT NULL, reason INTEGER NOT NULL, flags INTEGER NOT NULL,"
		      " mx TEXT NOT NULL, provider TEXT NOT NULL, verified_at INTEGER NOT NULL,"
		      " PRIMARY KEY (contact_id, run_id)) STRICT, WITHOUT ROWID; COMMIT");
	assert_int_equal(store_writer_start(&w, s, &run, T0, 2, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		snprintf(addr, sizeof(addr), "u%d@d.example", i);
		struct store_verdict v = verdict(addr, VERIFY_DELIVERABLE, VERIFY_R_OK, 0, T0);
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	}
	assert_int_equal(store_writer_finish(w, &e), LG_OK);
	store_writer_free(w);
	assert_int_equal(q1(path, "SELECT count(*) FROM members WHERE run_id = %lld",
			    (long long)run.id),
			 N);
	assert_int_equal(q1(path, "SELECT count(*) FROM contacts"), N);
	assert_int_equal(q1(path, "SELECT count(*) FROM evidence"), 0);
	store_close(s);
}

/*
 * The writer records a batch in slices of rows that share statements;
 * what it records is what store_verify_row records row by row: the same
 * contacts, evidence, members, member rows and profiles, with a contact
 * named twice in a slice and in two slices, rows without an address,
 * without a row, with a profile, and a short slice at each batch's end.
 */
/* Every row of table at path, in its order, each value as hex, into buf. */
static const char *table_rows(const char *path, const char *table, char *buf, size_t cap)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char sql[128];
	size_t n = 0;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		for (int c = 0; c < sqlite3_column_count(q); c++) {
			const unsigned char *v = sqlite3_column_blob(q, c);
			int len = sqlite3_column_bytes(q, c);
			for (int i = 0; i < len && n + 3 < cap; i++)
				n += (size_t)snprintf(buf + n, cap - n, "%02x", v[i]);
			if (n + 2 < cap)
				buf[n++] = c + 1 < sqlite3_column_count(q) ? '|' : '\n';
		}
	assert_true(n + 3 < cap);
	buf[n] = '\0';
	sqlite3_finalize(q);
	sqlite3_close(db);
	return buf;
}

static struct store_verdict slice_verdict(int i, struct lg_arena *a, char *addr, size_t cap)
{
	/* every 7th names a contact again, now and then one of an earlier
	 * slice */
	int who = i % 7 == 6 ? i / 3 : i;
	snprintf(addr, cap, "u%d@d%d.example", who, who % 5);
	struct store_verdict v = verdict(i % 41 == 40 ? "" : addr,
					 i % 3 ? VERIFY_DELIVERABLE : VERIFY_RISKY, VERIFY_R_OK, 0,
					 T0 + i);
	if (i % 11 != 10) {
		char note[32];
		snprintf(note, sizeof(note), "row %d", i);
		const struct io_cell cells[] = {{addr, strlen(addr), true},
						{note, strlen(note), true}};
		v.cells_len = io_cells_packed_len(cells, 2);
		void *packed = lg_arena_alloc(a, v.cells_len, 1);
		io_cells_pack_to(packed, cells, 2);
		v.cells = packed;
	}
	if (i % 4 == 0) {
		struct store_profile *p = lg_arena_alloc(a, sizeof(*p),
							 _Alignof(struct store_profile));
		*p = (struct store_profile){.employees = i};
		v.profile = p;
	}
	return v;
}

static void test_writer_slices_as_rows(void **state)
{
	char by_row[512], by_slice[512], addr[64];
	static char want[1 << 17], got[1 << 17];
	static const char *const tables[] = {"contacts", "evidence", "members", "member_rows",
					     "profiles"};
	struct store_run run;
	struct store_writer *w = NULL;
	struct lg_err e = {{0}};
	struct lg_arena a = {0};
	enum { N = 300 };
	(void)state;

	db_path(by_row, sizeof(by_row), "by-row.db");
	struct store *s = open_write(by_row);
	begin(s);
	assert_int_equal(store_verify_begin(s, "S", "crm", "s.csv", "S", T0, &run, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		struct store_verdict v = slice_verdict(i, &a, addr, sizeof(addr));
		if (store_verify_row(s, &run, &v, T0, &e) != LG_OK)
			fail_msg("store_verify_row: %s", e.msg);
	}
	commit(s);
	store_close(s);
	lg_arena_release(&a);

	db_path(by_slice, sizeof(by_slice), "by-slice.db");
	s = open_write(by_slice);
	begin(s);
	assert_int_equal(store_verify_begin(s, "S", "crm", "s.csv", "S", T0, &run, &e), LG_OK);
	commit(s);
	/* batches of 100: three slices of 32 and a short one of what is left */
	assert_int_equal(store_writer_start(&w, s, &run, T0, 100, &e), LG_OK);
	for (int i = 0; i < N; i++) {
		struct store_verdict v = slice_verdict(i, store_writer_arena(w), addr, sizeof(addr));
		assert_int_equal(store_writer_verdict(w, &v, &e), LG_OK);
	}
	assert_int_equal(store_writer_finish(w, &e), LG_OK);
	store_writer_free(w);
	store_close(s);

	assert_true(q1(by_slice, "SELECT count(*) FROM contacts") > 100);
	assert_true(q1(by_slice, "SELECT count(*) FROM member_rows") <
		    q1(by_slice, "SELECT count(*) FROM members"));
	for (size_t t = 0; t < sizeof(tables) / sizeof(*tables); t++) {
		table_rows(by_row, tables[t], want, sizeof(want));
		assert_true(strlen(want) > 10);
		assert_string_equal(table_rows(by_slice, tables[t], got, sizeof(got)), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_known_and_new),
		cmocka_unit_test(test_writer_idle_commit),
		cmocka_unit_test(test_writer_checks_evidence),
		cmocka_unit_test(test_writer_slices_as_rows),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
