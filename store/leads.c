/*
 * leads.c - what scoring reads and writes (schema 2): profiles kept from
 * the lists, engagement and intent events, qualification evidence, the
 * stage of each contact with every move that led there, and the contacts
 * a rep sent back to re-verification.
 */
#include "store_int.h"

#include <string.h>

void store_bind_opt(sqlite3_stmt *q, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* A column as a string, NULL for SQL NULL; borrowed until the next step. */
static const char *col_opt(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* A stage name column as the stage; false for a name no stage has. */
static bool col_stage(sqlite3_stmt *q, int i, enum scoring_stage *out)
{
	const char *v = (const char *)sqlite3_column_text(q, i);
	return v && scoring_stage_parse(v, (size_t)sqlite3_column_bytes(q, i), out);
}

static const char sql_profile_put[] =
	"INSERT INTO profiles(contact_id, title, company, industry, region, employees,"
	" updated_at, first_name, last_name, name)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (contact_id) DO"
	" UPDATE SET title = coalesce(excluded.title, title),"
	" company = coalesce(excluded.company, company),"
	" industry = coalesce(excluded.industry, industry),"
	" region = coalesce(excluded.region, region),"
	" employees = coalesce(excluded.employees, employees),"
	" first_name = coalesce(excluded.first_name, first_name),"
	" last_name = coalesce(excluded.last_name, last_name),"
	" name = coalesce(excluded.name, name),"
	" updated_at = excluded.updated_at";

enum lg_status store_profile_put(struct store *s, int64_t contact_id, const struct store_profile *p,
				 int64_t now, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_profile_put);
	sqlite3_bind_int64(q, 1, contact_id);
	store_bind_opt(q, 2, p->title);
	store_bind_opt(q, 3, p->company);
	store_bind_opt(q, 4, p->industry);
	store_bind_opt(q, 5, p->region);
	if (p->employees >= 0)
		sqlite3_bind_int64(q, 6, p->employees);
	sqlite3_bind_int64(q, 7, now);
	store_bind_opt(q, 8, p->first_name);
	store_bind_opt(q, 9, p->last_name);
	store_bind_opt(q, 10, p->name);
	return store_exec_step(s, q, "recording a contact's profile", err);
}

enum lg_status store_contact_find(struct store *s, const char *address, size_t len, int64_t *id,
				  struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, store_sql_contact_find);
	sqlite3_bind_text(q, 1, address, (int)len, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	enum lg_status st = rc == SQLITE_ROW || rc == SQLITE_DONE
				    ? LG_OK
				    : store_fail(s, "looking up a contact", err);
	sqlite3_reset(q);
	return st;
}

/* ---- events ----------------------------------------------------------- */

/* Only a repeated event_id is ignored; a row the table refuses is
 * an error. */
static const char sql_event_add[] =
	"INSERT INTO events(event_id, address, account, type, channel, asset,"
	" occurred_at, count, props, run_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
	" ON CONFLICT (event_id) DO NOTHING";

enum lg_status store_event_add(struct store *s, const struct store_run *run,
			       const struct store_event *e, bool *added, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_event_add);
	sqlite3_bind_text(q, 1, e->event_id, -1, SQLITE_STATIC);
	store_bind_opt(q, 2, e->address);
	store_bind_opt(q, 3, e->account);
	sqlite3_bind_text(q, 4, e->type, -1, SQLITE_STATIC);
	store_bind_opt(q, 5, e->channel);
	store_bind_opt(q, 6, e->asset);
	sqlite3_bind_int64(q, 7, e->occurred_at);
	if (e->count >= 0)
		sqlite3_bind_int64(q, 8, e->count);
	store_bind_opt(q, 9, e->props);
	sqlite3_bind_int64(q, 10, run->id);
	enum lg_status st = store_exec_step(s, q, "recording an event", err);
	*added = st == LG_OK && sqlite3_changes(s->db) > 0;
	return st;
}

struct event_cb {
	enum lg_status (*fn)(void *arg, const struct store_event *e, struct lg_err *err);
	void *arg;
};

static enum lg_status event_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct event_cb *cb = ctx;
	struct store_event e = {
		.event_id = store_col_text(q, 0),
		.address = col_opt(q, 1),
		.account = col_opt(q, 2),
		.type = store_col_text(q, 3),
		.channel = col_opt(q, 4),
		.asset = col_opt(q, 5),
		.occurred_at = sqlite3_column_int64(q, 6),
		.count = (long)sqlite3_column_int64(q, 7),
		.props = col_opt(q, 8),
	};
	return cb->fn(cb->arg, &e, err);
}

#define EVENT_COLS                                                                                 \
	"SELECT event_id, address, account, type, channel, asset, occurred_at,"                    \
	" coalesce(count, -1), props FROM events"
static const char sql_events_addr[] = EVENT_COLS
	" WHERE address IS NOT NULL ORDER BY address, occurred_at, event_id";

static const char sql_events_addr_one[] = EVENT_COLS
	" WHERE address = ?1 ORDER BY occurred_at, event_id";

static const char sql_events_acct[] = EVENT_COLS
	" WHERE account IS NOT NULL ORDER BY account, occurred_at, event_id";

static const char sql_events_acct_one[] = EVENT_COLS
	" WHERE account = ?1 ORDER BY occurred_at, event_id";

enum lg_status store_events_each(struct store *s, bool account, const char *key,
				 enum lg_status (*fn)(void *arg, const struct store_event *e,
						      struct lg_err *err),
				 void *arg, struct lg_err *err)
{
	if (store_need(s, 2, err) != LG_OK)
		return LG_ECONFIG;
	const char *id = account ? (key ? sql_events_acct_one : sql_events_acct)
				 : (key ? sql_events_addr_one : sql_events_addr);
	sqlite3_stmt *q = store_stmt(s, id);
	if (key)
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	struct event_cb cb = {fn, arg};
	return store_each_row(s, q, "reading events", event_row, &cb, err);
}

/* every contact event in storage order (rowid), not through the
 * address index: the caller groups them */
static const char sql_leads_events[] = EVENT_COLS " WHERE address IS NOT NULL ORDER BY id";

enum lg_status store_events_scan(struct store *s,
				 enum lg_status (*fn)(void *arg, const struct store_event *e,
						      struct lg_err *err),
				 void *arg, struct lg_err *err)
{
	if (store_need(s, 2, err) != LG_OK)
		return LG_ECONFIG;
	struct event_cb cb = {fn, arg};
	return store_each_row(s, store_stmt(s, sql_leads_events), "reading events", event_row, &cb,
			      err);
}

/* ---- leads -------------------------------------------------------------- */

struct lead_cb {
	enum lg_status (*fn)(void *arg, const struct store_lead *l, struct lg_err *err);
	void *arg;
};

static enum lg_status lead_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct lead_cb *cb = ctx;
	enum scoring_stage stage;
	if (!col_stage(q, 13, &stage))
		stage = SCORING_LEAD; /* only move_add writes stages */
	struct store_lead l = {
		.contact_id = sqlite3_column_int64(q, 0),
		.address = store_col_text(q, 1),
		.domain = store_col_text(q, 2),
		.status = (enum verify_status)sqlite3_column_int(q, 3),
		.flags = (unsigned)sqlite3_column_int(q, 4),
		.verified_at = sqlite3_column_int64(q, 5),
		.suppressed = (enum store_suppress)sqlite3_column_int(q, 6),
		.source = store_col_text(q, 7),
		.profile =
			{
				.title = col_opt(q, 8),
				.company = col_opt(q, 9),
				.industry = col_opt(q, 10),
				.region = col_opt(q, 11),
				.employees = (long)sqlite3_column_int64(q, 12),
				.first_name = col_opt(q, 15),
				.last_name = col_opt(q, 16),
				.name = col_opt(q, 17),
			},
		.stage = stage,
		.stage_since = sqlite3_column_int64(q, 14),
		.account = col_opt(q, 18),
	};
	return cb->fn(cb->arg, &l, err);
}

/*
 * Every lead at once.  Walking the address index and fetching each
 * contact's row, profile and stage by rowid reads the tables in random
 * order; reading them in rowid order is sequential and takes less than
 * half the time.  So the address order is taken first from the index
 * alone (no row touched), the rows are then read in rowid order and kept,
 * each in its place in that order, and fn is called in address order
 * once they are all read.  The two reads are one snapshot.
 */

/* A lead kept between the read and fn: its numbers, where each string
 * starts in strs (all ones: SQL NULL), then the strings one after
 * another, each with its NUL.  The offsets spare a walk over the strings
 * each time the lead is given out (twice: to be scored, to be written).
 * They take a byte each when the lead's strings fit in 255 bytes (most
 * do), else two, else four (some free-text profile): width; unaligned,
 * copied in and out. */
struct kept_lead {
	int64_t contact_id, verified_at, stage_since;
	long employees;
	int status, suppressed;
	unsigned flags;
	unsigned char stage, width;
	unsigned char off[];
};

/* The columns of LEAD_COLS that are strings, in the order kept. */
static const int kept_cols[] = {1, 2, 7, 8, 9, 10, 11, 15, 16, 17, 18};
#define KEPT_NSTRS (sizeof(kept_cols) / sizeof(kept_cols[0]))

static const char *kept_strs(const struct kept_lead *k)
{
	return (const char *)k->off + KEPT_NSTRS * k->width;
}

static struct kept_lead *lead_keep(struct lg_arena *a, sqlite3_stmt *q)
{
	size_t len[KEPT_NSTRS], total = 0;
	const unsigned char *v[KEPT_NSTRS];
	for (size_t i = 0; i < KEPT_NSTRS; i++) {
		v[i] = sqlite3_column_text(q, kept_cols[i]);
		len[i] = v[i] ? (size_t)sqlite3_column_bytes(q, kept_cols[i]) : 0;
		total += v[i] ? len[i] + 1 : 0;
	}
	/* every offset below the all-ones of its width */
	unsigned width = total < UINT8_MAX ? 1 : total < UINT16_MAX ? 2 : 4;
	struct kept_lead *k = lg_arena_alloc(a, sizeof(*k) + KEPT_NSTRS * width + total,
					     _Alignof(struct kept_lead));
	k->contact_id = sqlite3_column_int64(q, 0);
	k->status = sqlite3_column_int(q, 3);
	k->flags = (unsigned)sqlite3_column_int(q, 4);
	k->verified_at = sqlite3_column_int64(q, 5);
	k->suppressed = sqlite3_column_int(q, 6);
	k->employees = (long)sqlite3_column_int64(q, 12);
	k->stage_since = sqlite3_column_int64(q, 14);
	enum scoring_stage stage;
	if (!col_stage(q, 13, &stage))
		stage = SCORING_LEAD; /* only move_add writes stages */
	k->stage = (unsigned char)stage;
	k->width = (unsigned char)width;
	char *strs = (char *)kept_strs(k);
	size_t at = 0;
	for (size_t i = 0; i < KEPT_NSTRS; i++) {
		uint32_t o = v[i] ? (uint32_t)at : UINT32_MAX;
		if (width == 1) {
			k->off[i] = (unsigned char)o;
		} else if (width == 2) {
			uint16_t o16 = (uint16_t)o;
			memcpy(k->off + 2 * i, &o16, 2);
		} else {
			memcpy(k->off + 4 * i, &o, 4);
		}
		if (v[i]) {
			memcpy(strs + at, v[i], len[i]);
			strs[at + len[i]] = '\0';
			at += len[i] + 1;
		}
	}
	return k;
}

/* The kept lead as a store_lead; its strings borrowed from k. */
static void lead_unkeep(const struct kept_lead *k, struct store_lead *l)
{
	const char *v[KEPT_NSTRS];
	const char *strs = kept_strs(k);
	if (k->width == 1) {
		for (size_t i = 0; i < KEPT_NSTRS; i++)
			v[i] = k->off[i] == UINT8_MAX ? NULL : strs + k->off[i];
	} else if (k->width == 2) {
		for (size_t i = 0; i < KEPT_NSTRS; i++) {
			uint16_t o;
			memcpy(&o, k->off + 2 * i, 2);
			v[i] = o == UINT16_MAX ? NULL : strs + o;
		}
	} else {
		for (size_t i = 0; i < KEPT_NSTRS; i++) {
			uint32_t o;
			memcpy(&o, k->off + 4 * i, 4);
			v[i] = o == UINT32_MAX ? NULL : strs + o;
		}
	}
	*l = (struct store_lead){
		.contact_id = k->contact_id,
		.address = v[0] ? v[0] : "",
		.domain = v[1] ? v[1] : "",
		.status = (enum verify_status)k->status,
		.flags = k->flags,
		.verified_at = k->verified_at,
		.suppressed = (enum store_suppress)k->suppressed,
		.source = v[2] ? v[2] : "",
		.profile =
			{
				.title = v[3],
				.company = v[4],
				.industry = v[5],
				.region = v[6],
				.employees = k->employees,
				.first_name = v[7],
				.last_name = v[8],
				.name = v[9],
			},
		.stage = (enum scoring_stage)k->stage,
		.stage_since = k->stage_since,
		.account = v[10],
	};
}

/* A contact's id and its place in address order. */
struct lead_rank {
	int64_t id;
	size_t rank;
};

/* r sorted by id: least significant 16 bits first, each pass stable,
 * as many passes as the largest id needs (ids are positive). */
static void ranks_sort(struct lead_rank *r, size_t n)
{
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if ((uint64_t)r[i].id > max)
			max = (uint64_t)r[i].id;
	struct lead_rank *tmp = lg_xmalloc((n ? n : 1) * sizeof(*tmp));
	lg_advise_huge(tmp, n * sizeof(*tmp));
	size_t *count = lg_xmalloc(65536 * sizeof(*count));
	for (unsigned shift = 0; shift < 64 && max >> shift; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[((uint64_t)r[i].id >> shift) & 0xffff]++;
		for (size_t d = 0, at = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[((uint64_t)r[i].id >> shift) & 0xffff]++] = r[i];
		memcpy(r, tmp, n * sizeof(*r));
	}
	free(count);
	free(tmp);
}

/* The address order's ids, one row each; then the rows in id order,
 * each kept at its rank. */
struct leads_read_cb {
	struct lead_rank *r;
	size_t nr, cap, i;
	struct kept_lead **kept;
	struct lg_arena *a;
};

static enum lg_status rank_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct leads_read_cb *c = ctx;
	(void)err;
	if (c->nr == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4096;
		c->r = lg_xrealloc(c->r, c->cap * sizeof(*c->r));
		lg_advise_huge(c->r, c->cap * sizeof(*c->r));
	}
	c->r[c->nr] = (struct lead_rank){sqlite3_column_int64(q, 0), c->nr};
	c->nr++;
	return LG_OK;
}

static enum lg_status keep_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct leads_read_cb *c = ctx;
	(void)err;
	/* both in ascending id: the next row is the next rank's, or later */
	int64_t id = sqlite3_column_int64(q, 0);
	while (c->i < c->nr && c->r[c->i].id < id)
		c->i++;
	if (c->i < c->nr && c->r[c->i].id == id)
		c->kept[c->r[c->i++].rank] = lead_keep(c->a, q);
	return LG_OK;
}

/* The columns of a lead (lead_row, lead_keep read them by number). */
#define LEAD_COLS0                                                                                 \
	"SELECT c.id, c.address, c.domain, c.status, c.flags, c.verified_at, c.suppressed,"        \
	" c.source, p.title, p.company, p.industry, p.region, coalesce(p.employees, -1),"          \
	" coalesce(g.stage, 'lead'), coalesce(g.since, 0), p.first_name, p.last_name, p.name"
/* the account, schema 5; a database read without the upgrade has none */
#define LEAD_COLS LEAD_COLS0 ", c.account"
#define LEAD_COLS_OLD LEAD_COLS0 ", NULL"
#define LEAD_JOIN                                                                                  \
	" LEFT JOIN profiles p ON p.contact_id = c.id"                                             \
	" LEFT JOIN stages g ON g.contact_id = c.id"

/* The address order alone, from the address index without touching
 * the rows; then the rows in rowid order, a sequential read (leads.c
 * puts them back in address order). */
static const char sql_leads_order_all[] = "SELECT id FROM contacts ORDER BY address";

static const char sql_leads_order_list[] =
	"SELECT c.id FROM members m JOIN contacts c ON c.id = m.contact_id"
	" WHERE m.run_id = ?1 ORDER BY c.address";

#define LEADS_ROWS_ALL " FROM contacts c" LEAD_JOIN " ORDER BY c.id"
#define LEADS_ROWS_LIST                                                                            \
	" FROM members m JOIN contacts c ON c.id = m.contact_id" LEAD_JOIN                         \
	" WHERE m.run_id = ?1 ORDER BY m.contact_id"
static const char sql_leads_rows_all[] = LEAD_COLS LEADS_ROWS_ALL;

static const char sql_leads_rows_list[] = LEAD_COLS LEADS_ROWS_LIST;

static const char sql_leads_rows_all_old[] = LEAD_COLS_OLD LEADS_ROWS_ALL;

static const char sql_leads_rows_list_old[] = LEAD_COLS_OLD LEADS_ROWS_LIST;

/* Read every lead (list false) or the members of a list's version into
 * *kept (owned, free()), in address order, their strings in a. */
static enum lg_status leads_read(struct store *s, bool list, int64_t version, struct lg_arena *a,
				 struct kept_lead ***kept, size_t *n, struct lg_err *err)
{
	struct leads_read_cb c = {.a = a};
	*kept = NULL;
	*n = 0;
	sqlite3_stmt *q = store_stmt(s, list ? sql_leads_order_list : sql_leads_order_all);
	if (list)
		sqlite3_bind_int64(q, 1, version);
	enum lg_status st = store_each_row(s, q, "reading contacts", rank_row, &c, err);
	if (st != LG_OK)
		goto out;
	ranks_sort(c.r, c.nr);
	c.kept = *kept = lg_xcalloc(c.nr ? c.nr : 1, sizeof(**kept));
	lg_advise_huge(c.kept, c.nr * sizeof(**kept));
	bool old = s->version < 5; /* read without the upgrade: no account */
	q = store_stmt(s, list ? (old ? sql_leads_rows_list_old : sql_leads_rows_list)
			       : (old ? sql_leads_rows_all_old : sql_leads_rows_all));
	if (list)
		sqlite3_bind_int64(q, 1, version);
	st = store_each_row(s, q, "reading contacts", keep_row, &c, err);
	*n = c.nr;
out:
	free(c.r);
	return st;
}

struct store_leads {
	struct lg_arena a;       /* the strings */
	struct kept_lead **kept; /* in address order */
	size_t n;
};

/* The list's current version (0: none) into *version. */
static enum lg_status list_version(struct store *s, int64_t list_id, int64_t *version,
				   struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, store_sql_list_version);
	enum lg_status st = LG_OK;
	sqlite3_bind_int64(q, 1, list_id);
	int rc = sqlite3_step(q);
	*version = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		st = store_fail(s, "reading a list", err);
	sqlite3_reset(q);
	return st;
}

/* Read them in a transaction of their own unless the caller's is open;
 * with keep_tx, it stays open (*began says so) for the caller to end. */
static enum lg_status leads_read_all(struct store *s, int64_t list_id, bool keep_tx, bool *began,
				     struct store_leads **out, struct lg_err *err)
{
	struct store_leads *ls = lg_xcalloc(1, sizeof(*ls));
	int64_t version = 0;
	enum lg_status st = LG_OK;
	*out = ls;
	*began = false;
	if (store_need(s, 3, err) != LG_OK) /* the names of schema 3 */
		return LG_ECONFIG;
	/* One snapshot for the order and the rows. */
	if (!s->in_tx) {
		if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			return store_fail(s, "reading contacts", err);
		*began = true;
	}
	if (list_id)
		st = list_version(s, list_id, &version, err);
	if (st == LG_OK)
		st = leads_read(s, list_id != 0, version, &ls->a, &ls->kept, &ls->n, err);
	if (*began && (st != LG_OK || !keep_tx)) {
		sqlite3_exec(s->db, st == LG_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
		*began = false;
	}
	return st;
}

enum lg_status store_leads_read(struct store *s, int64_t list_id, struct store_leads **out,
				struct lg_err *err)
{
	bool began;
	enum lg_status st = leads_read_all(s, list_id, false, &began, out, err);
	if (st != LG_OK) {
		store_leads_free(*out);
		*out = NULL;
	}
	return st;
}

#define LEADS_AHEAD 8

size_t store_leads_count(const struct store_leads *ls)
{
	return ls->n;
}

void store_leads_get(const struct store_leads *ls, size_t i, struct store_lead *l)
{
	if (i >= ls->n || !ls->kept[i])
		BUG("lead %zu of %zu, or a contact in the address order without its row", i, ls->n);
	/* The callers walk i upward, and the kept leads lie in memory in
	 * rowid order, so each is a cache miss or several: the one a few
	 * places ahead is asked for now. */
	if (i + LEADS_AHEAD < ls->n) {
		const char *next = (const char *)ls->kept[i + LEADS_AHEAD];
		__builtin_prefetch(next);
		__builtin_prefetch(next + 64);
		__builtin_prefetch(next + 128);
	}
	lead_unkeep(ls->kept[i], l);
}

void store_leads_free(struct store_leads *ls)
{
	if (!ls)
		return;
	free(ls->kept);
	lg_arena_release(&ls->a);
	free(ls);
}

static enum lg_status leads_each_all(struct store *s, int64_t list_id,
				     enum lg_status (*fn)(void *arg, const struct store_lead *l,
							  struct lg_err *err),
				     void *arg, struct lg_err *err)
{
	/* The transaction kept while fn runs, as a statement stepped
	 * through the rows would: what fn reads (the contact's events ...)
	 * is read in the same snapshot, and without a transaction each of
	 * those reads would take and drop the database's lock. */
	struct store_leads *ls;
	bool began;
	enum lg_status st = leads_read_all(s, list_id, true, &began, &ls, err);
	for (size_t i = 0; i < ls->n && st == LG_OK; i++) {
		struct store_lead l;
		store_leads_get(ls, i, &l);
		st = fn(arg, &l, err);
	}
	if (began)
		sqlite3_exec(s->db, st == LG_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	store_leads_free(ls);
	return st;
}

#define LEADS_ONE " FROM contacts c" LEAD_JOIN " WHERE c.address = ?1"
static const char sql_leads_one[] = LEAD_COLS LEADS_ONE;

static const char sql_leads_one_old[] = LEAD_COLS_OLD LEADS_ONE;

enum lg_status store_leads_each(struct store *s, int64_t list_id, const char *address,
				enum lg_status (*fn)(void *arg, const struct store_lead *l,
						     struct lg_err *err),
				void *arg, struct lg_err *err)
{
	if (!address)
		return leads_each_all(s, list_id, fn, arg, err);
	if (store_need(s, 3, err) != LG_OK) /* the names of schema 3 */
		return LG_ECONFIG;
	bool old = s->version < 5; /* read without the upgrade: no account */
	sqlite3_stmt *q = store_stmt(s, old ? sql_leads_one_old : sql_leads_one);
	sqlite3_bind_text(q, 1, address, -1, SQLITE_STATIC);
	struct lead_cb cb = {fn, arg};
	return store_each_row(s, q, "reading contacts", lead_row, &cb, err);
}

/* ---- qualification evidence ----------------------------------------------- */

static const char sql_qevidence_add[] =
	"INSERT INTO qevidence(contact_id, framework, criterion, status, confidence,"
	" source, at, valid_until, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

enum lg_status store_qevidence_add(struct store *s, int64_t contact_id,
				   const struct store_qevidence *e, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_qevidence_add);
	sqlite3_bind_int64(q, 1, contact_id);
	/* a value no name has binds "?", which the table's CHECK refuses */
	sqlite3_bind_text(q, 2, scoring_framework_name(e->framework), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, e->criterion, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, scoring_ev_status_name(e->status), -1, SQLITE_STATIC);
	sqlite3_bind_double(q, 5, e->confidence);
	sqlite3_bind_text(q, 6, scoring_ev_source_name(e->source), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, e->at);
	if (e->valid_until)
		sqlite3_bind_int64(q, 8, e->valid_until);
	store_bind_opt(q, 9, e->note);
	return store_exec_step(s, q, "recording evidence", err);
}

struct qevidence_cb {
	enum lg_status (*fn)(void *arg, const struct store_qevidence *e, struct lg_err *err);
	void *arg;
};

static enum lg_status qevidence_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct qevidence_cb *cb = ctx;
	const char *fw = store_col_text(q, 0), *status = store_col_text(q, 2),
		   *source = store_col_text(q, 4);
	struct store_qevidence e = {
		.criterion = store_col_text(q, 1),
		.confidence = sqlite3_column_double(q, 3),
		.at = sqlite3_column_int64(q, 5),
		.valid_until = sqlite3_column_int64(q, 6),
		.note = col_opt(q, 7),
	};
	if (!scoring_framework_parse(fw, strlen(fw), &e.framework) ||
	    !scoring_ev_status_parse(status, strlen(status), &e.status) ||
	    !scoring_ev_source_parse(source, strlen(source), &e.source))
		return LG_OK; /* the table's CHECKs hold only these names */
	return cb->fn(cb->arg, &e, err);
}

static const char sql_qevidence_each[] =
	"SELECT framework, criterion, status, confidence, source, at,"
	" coalesce(valid_until, 0), note FROM qevidence WHERE contact_id = ?1"
	" ORDER BY at, id";

enum lg_status store_qevidence_each(struct store *s, int64_t contact_id,
				    enum lg_status (*fn)(void *arg, const struct store_qevidence *e,
							 struct lg_err *err),
				    void *arg, struct lg_err *err)
{
	if (store_need(s, 2, err) != LG_OK)
		return LG_ECONFIG;
	sqlite3_stmt *q = store_stmt(s, sql_qevidence_each);
	sqlite3_bind_int64(q, 1, contact_id);
	struct qevidence_cb cb = {fn, arg};
	return store_each_row(s, q, "reading evidence", qevidence_row, &cb, err);
}

/* ---- stages ------------------------------------------------------------------ */

static const char sql_stage_set[] =
	"INSERT INTO stages(contact_id, stage, since) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (contact_id) DO UPDATE SET stage = excluded.stage,"
	" since = excluded.since";

static const char sql_move_add[] =
	"INSERT INTO moves(contact_id, from_stage, to_stage, at, why, score, who, reason,"
	" note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char sql_stage_get[] =
	"SELECT coalesce((SELECT stage FROM stages WHERE contact_id = ?1), 'lead')";

enum lg_status store_move_add(struct store *s, int64_t contact_id, const struct store_move *m,
			      bool *moved, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_stage_get);
	enum lg_status st = LG_OK;
	*moved = false;
	sqlite3_bind_int64(q, 1, contact_id);
	enum scoring_stage now;
	if (sqlite3_step(q) != SQLITE_ROW)
		st = store_fail(s, "reading a stage", err);
	else
		*moved = col_stage(q, 0, &now) && now == m->from;
	sqlite3_reset(q);
	if (st != LG_OK || !*moved)
		return st;
	q = store_stmt(s, sql_move_add);
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_text(q, 2, scoring_stage_name(m->from), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, scoring_stage_name(m->to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, m->at);
	sqlite3_bind_text(q, 5, m->why, -1, SQLITE_STATIC);
	sqlite3_bind_double(q, 6, m->score);
	sqlite3_bind_text(q, 7, m->who, -1, SQLITE_STATIC);
	store_bind_opt(q, 8, m->reason);
	store_bind_opt(q, 9, m->note);
	if ((st = store_exec_step(s, q, "recording a stage move", err)) != LG_OK)
		return st;
	q = store_stmt(s, sql_stage_set);
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_text(q, 2, scoring_stage_name(m->to), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, m->at);
	return store_exec_step(s, q, "recording a stage move", err);
}

struct move_cb {
	enum lg_status (*fn)(void *arg, const struct store_move *m, struct lg_err *err);
	void *arg;
};

static enum lg_status move_row(sqlite3_stmt *q, void *ctx, struct lg_err *err)
{
	struct move_cb *cb = ctx;
	struct store_move m = {
		.at = sqlite3_column_int64(q, 2),
		.why = store_col_text(q, 3),
		.score = sqlite3_column_double(q, 4),
		.who = store_col_text(q, 5),
		.reason = col_opt(q, 6),
		.note = col_opt(q, 7),
		.source = store_col_text(q, 8),
		.address = store_col_text(q, 9),
	};
	if (!col_stage(q, 0, &m.from) || !col_stage(q, 1, &m.to))
		return LG_OK; /* only move_add writes moves */
	return cb->fn(cb->arg, &m, err);
}

#define MOVE_COLS                                                                                  \
	"SELECT m.from_stage, m.to_stage, m.at, m.why, m.score, m.who, m.reason, m.note,"          \
	" c.source, c.address FROM moves m JOIN contacts c ON c.id = m.contact_id"
static const char sql_moves_one[] = MOVE_COLS " WHERE m.contact_id = ?1 ORDER BY m.at, m.id";

static const char sql_moves_all[] = MOVE_COLS " ORDER BY m.at, m.id";

enum lg_status store_moves_each(struct store *s, int64_t contact_id,
				enum lg_status (*fn)(void *arg, const struct store_move *m,
						     struct lg_err *err),
				void *arg, struct lg_err *err)
{
	if (store_need(s, 2, err) != LG_OK)
		return LG_ECONFIG;
	sqlite3_stmt *q = store_stmt(s, contact_id ? sql_moves_one : sql_moves_all);
	if (contact_id)
		sqlite3_bind_int64(q, 1, contact_id);
	struct move_cb cb = {fn, arg};
	return store_each_row(s, q, "reading stage moves", move_row, &cb, err);
}

static const char sql_reverify_add[] =
	"INSERT INTO reverify(contact_id, requested_at, why) VALUES (?1, ?2, ?3)"
	" ON CONFLICT (contact_id) DO UPDATE SET requested_at = excluded.requested_at,"
	" why = excluded.why";

enum lg_status store_reverify_request(struct store *s, int64_t contact_id, int64_t now,
				      const char *why, struct lg_err *err)
{
	sqlite3_stmt *q = store_stmt(s, sql_reverify_add);
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_text(q, 3, why, -1, SQLITE_STATIC);
	return store_exec_step(s, q, "asking for re-verification", err);
}

static const char sql_funnel[] =
	"SELECT (SELECT count(*) FROM contacts),"
	" (SELECT count(DISTINCT contact_id) FROM moves"
	"  WHERE to_stage IN ('mql', 'pql', 'hql', 'sal', 'sql')),"
	" (SELECT count(DISTINCT contact_id) FROM moves WHERE to_stage = 'sql')";

enum lg_status store_funnel_counts(struct store *s, struct store_funnel *out, struct lg_err *err)
{
	if (store_need(s, 2, err) != LG_OK)
		return LG_ECONFIG;
	sqlite3_stmt *q = store_stmt(s, sql_funnel);
	enum lg_status st = LG_OK;
	memset(out, 0, sizeof(*out));
	if (sqlite3_step(q) == SQLITE_ROW) {
		out->contacts = (unsigned long)sqlite3_column_int64(q, 0);
		out->mql = (unsigned long)sqlite3_column_int64(q, 1);
		out->sql = (unsigned long)sqlite3_column_int64(q, 2);
	} else {
		st = store_fail(s, "counting the funnel", err);
	}
	sqlite3_reset(q);
	return st;
}
