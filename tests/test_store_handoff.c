/*
 * test_store_handoff.c - the handoff's tables (store/handoff.c), on real
 * database files: handoffs, owners and counts, the SLA's due list,
 * acceptance, the handoffs with nobody assigned, each handoff's steps
 * (what each rep was handed and how it ended), a contact's lists,
 * rotations, and the outbox: due order, results, a 410
 * disabling an endpoint, retries, the counts by target, and databases
 * of schema 12 and 13 upgraded (13: its handoffs' steps filled in).  The shared fixture is store_fixture.h.
 */
#include "store_fixture.h"

static struct lg_err e;

static void ok(enum lg_status st)
{
	if (st != LG_OK)
		fail_msg("%s", e.msg);
}

static int64_t handoff(struct store *s, int64_t contact, const char *account, const char *rep,
		       int64_t at)
{
	struct store_handoff h = {.contact_id = contact,
				  .account = account,
				  .team = "sales",
				  .rep = rep,
				  .stage = SCORING_SQL,
				  .handed_at = at,
				  .deadline = rep ? at + 300 : 0,
				  .state = rep ? "open" : "unassigned"};
	ok(store_handoff_add(s, &h, &e));
	assert_true(h.id > 0);
	return h.id;
}

/* Every handoff's steps, in order: "rep:assigned:deadline:ended:outcome"
 * with times from T0 ("-": none), a space between; handoffs by id. */
static const char *steps(const char *path, char *buf, size_t cap)
{
	char sql[512];
	snprintf(
		sql, sizeof(sql),
		"SELECT group_concat(x, ' ') FROM (SELECT rep || ':' || (assigned_at - %lld)"
		" || ':' || coalesce(deadline - %lld, '-') || ':' || coalesce(ended_at - %lld, '-')"
		" || ':' || coalesce(outcome, '-') AS x FROM handoff_steps"
		" ORDER BY handoff_id, step)",
		(long long)T0, (long long)T0, (long long)T0);
	return qtext(path, buf, cap, sql);
}

/* What store_sla_each says per rep, from its steps: handed, accepted,
 * accepted by the deadline, escalations; "rep:h/a/s/e", a space between,
 * in the order rows come. */
struct sla_reps {
	char out[256];
};

static enum lg_status take_sla(void *arg, const struct store_sla_row *r, struct lg_err *err)
{
	struct sla_reps *x = arg;
	(void)err;
	if (r->kind != STORE_SLA_STEP)
		return LG_OK;
	bool acc = r->state && !strcmp(r->state, "accepted") && r->accepted_at >= 0;
	size_t n = strlen(x->out);
	snprintf(x->out + n, sizeof(x->out) - n, "%s%s:%d/%d/%u", n ? " " : "", r->rep, acc,
		 acc && r->accepted_at <= r->deadline, r->escalations);
	return LG_OK;
}

struct dues {
	size_t n;
	int64_t id[8];
	char address[8][64], rep[8][16];
	unsigned escalations[8];
};

static enum lg_status take_due_handoff(void *arg, const struct store_handoff *h, struct lg_err *err)
{
	struct dues *d = arg;
	(void)err;
	assert_true(d->n < 8);
	d->id[d->n] = h->id;
	snprintf(d->address[d->n], sizeof(d->address[0]), "%s", h->address);
	snprintf(d->rep[d->n], sizeof(d->rep[0]), "%s", h->rep ? h->rep : "-");
	d->escalations[d->n] = h->escalations;
	d->n++;
	return LG_OK;
}

static void test_handoffs(void **state)
{
	char path[512], rep[64];
	unsigned n;
	bool found;
	(void)state;
	db_path(path, sizeof(path), "handoffs.db");
	struct store *s = open_write(path);
	verify_one(s, "L", NULL, "a@acme.example", NULL, T0);
	verify_one(s, "L", NULL, "b@acme.example", NULL, T0);
	verify_one(s, "L", NULL, "c@other.example", NULL, T0);
	int64_t a = contact_id(s, "a@acme.example"), b = contact_id(s, "b@acme.example"),
		c = contact_id(s, "c@other.example");

	ok(store_handoff_owner(s, "acme.example", rep, sizeof(rep), &e));
	assert_string_equal(rep, "");
	begin(s);
	int64_t ha = handoff(s, a, "acme.example", "ana", T0);
	handoff(s, c, "other.example", NULL, T0 + 10);
	commit(s);
	/* the account's owner: the rep its latest contact went to */
	ok(store_handoff_owner(s, "acme.example", rep, sizeof(rep), &e));
	assert_string_equal(rep, "ana");
	ok(store_handoff_owner(s, "other.example", rep, sizeof(rep), &e));
	assert_string_equal(rep, ""); /* handed to nobody */
	ok(store_handoff_count(s, "ana", T0, &n, &e));
	assert_int_equal(n, 1);
	ok(store_handoff_count(s, "ana", T0 + 1, &n, &e));
	assert_int_equal(n, 0);

	/* due: open and past its deadline */
	struct dues d = {0};
	ok(store_handoffs_due(s, T0 + 299, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 0);
	ok(store_handoffs_due(s, T0 + 300, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 1);
	assert_int_equal(d.id[0], ha);
	assert_string_equal(d.address[0], "a@acme.example");
	assert_string_equal(d.rep[0], "ana");

	/* escalated to cy: a new deadline, counted */
	begin(s);
	ok(store_handoff_escalate(s, ha, "cy", T0 + 300, T0 + 600, &e));
	commit(s);
	memset(&d, 0, sizeof(d));
	ok(store_handoffs_due(s, T0 + 599, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 0);
	ok(store_handoffs_due(s, T0 + 600, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.rep[0], "cy");
	assert_int_equal(d.escalations[0], 1);
	ok(store_handoff_owner(s, "acme.example", rep, sizeof(rep), &e));
	assert_string_equal(rep, "cy");
	/* the day's count: cy has it now, and ana was handed it all the same */
	ok(store_handoff_count(s, "cy", T0, &n, &e));
	assert_int_equal(n, 1);
	ok(store_handoff_count(s, "ana", T0, &n, &e));
	assert_int_equal(n, 1);

	/* accepted: no longer due; a contact with none open finds none */
	begin(s);
	ok(store_handoff_accept(s, a, "cy", T0 + 400, &found, &e));
	assert_true(found);
	ok(store_handoff_accept(s, b, "cy", T0 + 400, &found, &e));
	assert_false(found);
	commit(s);
	memset(&d, 0, sizeof(d));
	ok(store_handoffs_due(s, T0 + 9999, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 0);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM handoffs WHERE state = 'accepted'"
			    " AND accepted_by = 'cy' AND accepted_at = %lld",
			    (long long)(T0 + 400)),
			 1);

	/* with nobody: listed, then assigned (open, its deadline due) */
	memset(&d, 0, sizeof(d));
	ok(store_handoffs_unassigned(s, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.address[0], "c@other.example");
	assert_string_equal(d.rep[0], "-");
	begin(s);
	ok(store_handoff_assign(s, d.id[0], "ben", T0 + 500, T0 + 800, &e));
	commit(s);
	memset(&d, 0, sizeof(d));
	ok(store_handoffs_unassigned(s, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 0);
	ok(store_handoffs_due(s, T0 + 800, take_due_handoff, &d, &e));
	assert_int_equal(d.n, 1);
	assert_string_equal(d.address[0], "c@other.example");
	assert_string_equal(d.rep[0], "ben");
	assert_int_equal(d.escalations[0], 0);
	ok(store_handoff_count(s, "ben", T0 + 500, &n, &e));
	assert_int_equal(n, 1);

	/* the steps: ana's ended by the escalation, cy's by the accept, ben's
	 * running; the handoff with nobody had none until assigned */
	char buf[256];
	assert_string_equal(steps(path, buf, sizeof(buf)),
			    "ana:0:300:300:escalated cy:300:600:400:accepted ben:500:800:-:-");
	/* escalated to nobody: the step ends, none begins */
	begin(s);
	ok(store_handoff_escalate(s, d.id[0], NULL, T0 + 800, 0, &e));
	commit(s);
	assert_string_equal(
		steps(path, buf, sizeof(buf)),
		"ana:0:300:300:escalated cy:300:600:400:accepted ben:500:800:800:escalated");
	/* the SLA's rows per rep are the steps */
	struct sla_reps sr = {""};
	ok(store_sla_each(s, take_sla, &sr, &e));
	assert_string_equal(sr.out, "ana:0/0/1 cy:1/1/0 ben:0/0/1");

	/* the rotation, kept per team */
	struct lg_buf rr = LG_BUF_INIT;
	ok(store_rotation_get(s, "sales", &rr, &e));
	assert_int_equal(rr.len, 0);
	begin(s);
	ok(store_rotation_put(s, "sales", "ana:-1,cy:1", &e));
	ok(store_rotation_put(s, "sales", "ana:1,cy:-1", &e));
	commit(s);
	ok(store_rotation_get(s, "sales", &rr, &e));
	assert_string_equal(rr.data, "ana:1,cy:-1");
	lg_buf_release(&rr);
	store_close(s);
}

struct msgs {
	size_t n;
	char id[8][32], body[8][64];
	unsigned attempts[8];
};

static enum lg_status take_msg(void *arg, const struct store_outbox *m, struct lg_err *err)
{
	struct msgs *g = arg;
	(void)err;
	assert_true(g->n < 8);
	snprintf(g->id[g->n], sizeof(g->id[0]), "%s", m->id);
	snprintf(g->body[g->n], sizeof(g->body[0]), "%s", m->body);
	g->attempts[g->n] = m->attempts;
	g->n++;
	return LG_OK;
}

static void add_msg(struct store *s, const char *id, const char *url, int64_t at)
{
	struct store_outbox m = {.id = id,
				 .type = "lead.handoff",
				 .target = "sales",
				 .url = url,
				 .body = "{\"type\":\"lead.handoff\"}",
				 .created_at = at,
				 .next_at = at};
	ok(store_outbox_add(s, &m, &e));
}

struct counts {
	size_t n;
	struct store_outbox_count c[4];
	char target[4][16];
};

static enum lg_status take_count(void *arg, const struct store_outbox_count *c, struct lg_err *err)
{
	struct counts *g = arg;
	(void)err;
	assert_true(g->n < 4);
	g->c[g->n] = *c;
	snprintf(g->target[g->n], sizeof(g->target[0]), "%s", c->target);
	g->n++;
	return LG_OK;
}

struct names {
	size_t n;
	char name[4][16];
};

static enum lg_status take_name(void *arg, const char *name, struct lg_err *err)
{
	struct names *x = arg;
	(void)err;
	assert_true(x->n < 4);
	snprintf(x->name[x->n++], sizeof(x->name[0]), "%s", name);
	return LG_OK;
}

/* A contact's lists: those whose current version has it, the latest
 * version first. */
static void test_contact_lists(void **state)
{
	char path[512];
	(void)state;
	db_path(path, sizeof(path), "contact_lists.db");
	struct store *s = open_write(path);
	verify_one(s, "crm", NULL, "a@acme.example", NULL, T0);
	verify_one(s, "fair", NULL, "a@acme.example", NULL, T0 + 10);
	verify_one(s, "old", NULL, "a@acme.example", NULL, T0 + 20);
	verify_one(s, "old", NULL, "b@acme.example", NULL, T0 + 30); /* a left it */
	int64_t a = contact_id(s, "a@acme.example"), b = contact_id(s, "b@acme.example");
	struct names x = {0};
	ok(store_contact_lists(s, a, take_name, &x, &e));
	assert_int_equal(x.n, 2);
	assert_string_equal(x.name[0], "fair");
	assert_string_equal(x.name[1], "crm");
	memset(&x, 0, sizeof(x));
	ok(store_contact_lists(s, b, take_name, &x, &e));
	assert_int_equal(x.n, 1);
	assert_string_equal(x.name[0], "old");
	memset(&x, 0, sizeof(x));
	ok(store_contact_lists(s, 999999, take_name, &x, &e));
	assert_int_equal(x.n, 0);
	store_close(s);
}

static void test_outbox(void **state)
{
	char path[512];
	unsigned long n;
	bool found;
	(void)state;
	db_path(path, sizeof(path), "outbox.db");
	struct store *s = open_write(path);
	const char *up = "http://127.0.0.1:1/up", *gone = "http://127.0.0.1:1/gone";
	begin(s);
	add_msg(s, "msg_b", up, T0 + 5);
	add_msg(s, "msg_a", up, T0);
	add_msg(s, "msg_g", gone, T0);
	commit(s);

	/* due in order of next_at, up to now, at most max */
	struct msgs g = {0};
	ok(store_outbox_due(s, T0 - 1, 10, take_msg, &g, &e));
	assert_int_equal(g.n, 0);
	ok(store_outbox_due(s, T0 + 5, 2, take_msg, &g, &e));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.id[0], "msg_a");
	assert_string_equal(g.id[1], "msg_g");
	assert_string_equal(g.body[0], "{\"type\":\"lead.handoff\"}");

	/* delivered, and one retried later: not due before its time */
	begin(s);
	ok(store_outbox_result(s, "msg_a", 0, "delivered", T0, 1, 200, NULL, &e));
	ok(store_outbox_result(s, "msg_b", 0, "pending", T0 + 60, 1, 500, "HTTP 500", &e));
	/* 410: the endpoint and its pending messages disabled */
	ok(store_endpoint_disable(s, gone, 410, T0, &n, &e));
	assert_int_equal(n, 1);
	add_msg(s, "msg_g2", gone, T0 + 1); /* a new message to it: disabled at once */
	commit(s);
	memset(&g, 0, sizeof(g));
	ok(store_outbox_due(s, T0 + 59, 10, take_msg, &g, &e));
	assert_int_equal(g.n, 0);
	ok(store_outbox_due(s, T0 + 60, 10, take_msg, &g, &e));
	assert_int_equal(g.n, 1);
	assert_string_equal(g.id[0], "msg_b");
	assert_int_equal(g.attempts[0], 1);
	assert_int_equal(q1(path, "SELECT count(*) FROM outbox WHERE state = 'disabled'"), 2);

	/* dead past the last attempt; the counts by target */
	begin(s);
	ok(store_outbox_result(s, "msg_b", 0, "dead", T0 + 60, 10, 500, "HTTP 500", &e));
	commit(s);
	struct counts c = {0};
	unsigned long unassigned;
	ok(store_outbox_counts(s, take_count, &c, &unassigned, &e));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.target[0], "sales");
	assert_int_equal(c.c[0].delivered, 1);
	assert_int_equal(c.c[0].dead, 1);
	assert_int_equal(c.c[0].disabled, 2);
	assert_int_equal(c.c[0].pending + c.c[0].retrying, 0);
	assert_int_equal(unassigned, 0);

	/* retry --dead: pending again, attempts from 0; retry ID enables its
	 * endpoint */
	begin(s);
	ok(store_outbox_retry(s, NULL, T0 + 100, &n, &e));
	assert_int_equal(n, 1);
	ok(store_outbox_retry(s, "msg_g", T0 + 100, &n, &e));
	assert_int_equal(n, 1);
	ok(store_outbox_retry(s, "msg_none", T0 + 100, &n, &e));
	assert_int_equal(n, 0);
	commit(s);
	memset(&g, 0, sizeof(g));
	ok(store_outbox_due(s, T0 + 100, 10, take_msg, &g, &e));
	assert_int_equal(g.n, 2);
	assert_int_equal(g.attempts[0] + g.attempts[1], 0);
	assert_int_equal(q1(path, "SELECT count(*) FROM endpoints_disabled"), 0);
	memset(&g, 0, sizeof(g));
	ok(store_outbox_get(s, "msg_g2", take_msg, &g, &found, &e));
	assert_true(found);
	ok(store_outbox_get(s, "msg_none", take_msg, &g, &found, &e));
	assert_false(found);
	store_close(s);
}

/* A sender's claim: what one takes, another does not, until its result
 * ends the claim or the claim lapses (its sender killed). */
static void test_outbox_claim(void **state)
{
	char path[512];
	size_t n;
	(void)state;
	db_path(path, sizeof(path), "claim.db");
	struct store *s = open_write(path);
	const char *up = "http://127.0.0.1:1/up";
	begin(s);
	add_msg(s, "msg_a", up, T0);
	add_msg(s, "msg_b", up, T0 + 1);
	add_msg(s, "msg_c", up, T0 + 2);
	commit(s);

	/* the first sender takes two, claimed until T0 + 60 */
	struct msgs g = {0};
	ok(store_outbox_take(s, T0 + 5, T0 + 60, 2, take_msg, &g, &n, &e));
	assert_int_equal(n, 2);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.id[0], "msg_a");
	assert_string_equal(g.id[1], "msg_b");
	/* a second sender gets only the third, and then nothing */
	memset(&g, 0, sizeof(g));
	ok(store_outbox_take(s, T0 + 5, T0 + 60, 10, take_msg, &g, &n, &e));
	assert_int_equal(n, 1);
	assert_string_equal(g.id[0], "msg_c");
	memset(&g, 0, sizeof(g));
	ok(store_outbox_take(s, T0 + 6, T0 + 61, 10, take_msg, &g, &n, &e));
	assert_int_equal(n + g.n, 0);
	ok(store_outbox_due(s, T0 + 6, 10, take_msg, &g, &e));
	assert_int_equal(g.n, 0);

	/* a result ends the claim: msg_a retried at T0 + 10 is due then;
	 * msg_c released is due at once */
	begin(s);
	ok(store_outbox_result(s, "msg_a", T0 + 60, "pending", T0 + 10, 1, 500, "HTTP 500", &e));
	ok(store_outbox_release(s, "msg_c", T0 + 60, &e));
	commit(s);
	assert_int_equal(q1(path, "SELECT count(*) FROM outbox WHERE claimed_until IS NULL"), 2);
	ok(store_outbox_take(s, T0 + 10, T0 + 70, 10, take_msg, &g, &n, &e));
	assert_int_equal(n, 2);
	assert_string_equal(g.id[0], "msg_c");
	assert_string_equal(g.id[1], "msg_a");

	/* msg_b's sender was killed: its claim lapses at T0 + 60 */
	memset(&g, 0, sizeof(g));
	ok(store_outbox_take(s, T0 + 59, T0 + 120, 10, take_msg, &g, &n, &e));
	assert_int_equal(n, 0);
	ok(store_outbox_take(s, T0 + 60, T0 + 120, 10, take_msg, &g, &n, &e));
	assert_int_equal(n, 1);
	assert_string_equal(g.id[0], "msg_b");
	/* ... and when the killed sender's result or release comes after
	 * all, the new sender's claim stands */
	begin(s);
	ok(store_outbox_release(s, "msg_b", T0 + 60, &e));
	ok(store_outbox_result(s, "msg_b", T0 + 60, "pending", T0 + 65, 1, 500, "HTTP 500", &e));
	commit(s);
	assert_int_equal(q1(path, "SELECT claimed_until FROM outbox WHERE id = 'msg_b'"), T0 + 120);
	begin(s);
	ok(store_outbox_result(s, "msg_b", T0 + 120, "delivered", T0 + 65, 2, 200, NULL, &e));
	commit(s);
	assert_int_equal(q1(path, "SELECT claimed_until IS NULL FROM outbox WHERE id = 'msg_b'"), 1);
	store_close(s);
}

/* A database of schema 12 is upgraded by a writer; a reader of it sees
 * no handoff and no message. */
static void test_upgrade(void **state)
{
	char path[512], rep[16];
	unsigned long unassigned;
	(void)state;
	db_path(path, sizeof(path), "v12.db");
	struct store *s = open_write(path);
	store_close(s);
	downgrade_to_v12(path);
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_OK);
	struct counts c = {0};
	ok(store_outbox_counts(s, take_count, &c, &unassigned, &e));
	assert_int_equal(c.n, 0);
	assert_int_equal(store_handoff_owner(s, "x.example", rep, sizeof(rep), &e), LG_ECONFIG);
	store_close(s);
	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_int_equal(q1(path, "SELECT count(*) FROM outbox"), 0);
}

/* A database of schema 13 upgraded: each handoff's step as it stands,
 * and the steps before it that its signed webhook's lead.escalated
 * messages tell (the CRMs' copies not counted twice); a reader of schema
 * 13 counts each owner now. */
static void test_upgrade_v13(void **state)
{
	char path[512], buf[256];
	bool found;
	(void)state;
	db_path(path, sizeof(path), "v13.db");
	struct store *s = open_write(path);
	verify_one(s, "L", NULL, "a@acme.example", NULL, T0);
	verify_one(s, "L", NULL, "b@beta.example", NULL, T0);
	verify_one(s, "L", NULL, "c@gamma.example", NULL, T0);
	int64_t a = contact_id(s, "a@acme.example"), b = contact_id(s, "b@beta.example"),
		c = contact_id(s, "c@gamma.example");
	begin(s);
	int64_t ha = handoff(s, a, "acme.example", "ana", T0);
	int64_t hb = handoff(s, b, "beta.example", "ben", T0 + 10);
	handoff(s, c, "gamma.example", NULL, T0 + 20);
	ok(store_handoff_escalate(s, ha, "cy", T0 + 300, T0 + 600, &e));
	ok(store_handoff_accept(s, b, "ben", T0 + 70, &found, &e));
	commit(s);
	store_close(s);
	/* what schema 13 had: the messages, not the steps */
	char sql[2048], missed[32];
	lg_time_format(T0 + 300, missed, sizeof(missed));
	snprintf(
		sql, sizeof(sql),
		"BEGIN; INSERT INTO outbox(id, type, target, url, body, created_at, next_at, state,"
		" handoff_id) VALUES"
		" ('msg_1', 'lead.handoff', 'sales', 'u', '{}', %lld, 0, 'delivered', %lld),"
		" ('msg_2', 'lead.escalated', 'sales', 'u', '{\"data\": {\"previous_owner\":"
		" {\"name\": \"ana\"}, \"missed_deadline\": \"%s\"}}', %lld, 0, 'delivered', %lld),"
		" ('msg_3', 'lead.escalated', 'sales/hubspot', 'u', '{\"data\": "
		"{\"previous_owner\":"
		" {\"name\": \"ana\"}}}', %lld, 0, 'delivered', %lld),"
		" ('msg_4', 'lead.handoff', 'sales', 'u', '{}', %lld, 0, 'delivered', %lld); "
		"COMMIT",
		(long long)T0, (long long)ha, missed, (long long)(T0 + 300), (long long)ha,
		(long long)(T0 + 300), (long long)ha, (long long)(T0 + 10), (long long)hb);
	by_hand(path, sql);
	downgrade_to_v13(path);
	assert_int_equal(q1(path,
			    "SELECT count(*) FROM sqlite_master WHERE name = 'handoff_steps'"),
			 0);

	/* a reader of schema 13: each owner now, accepted or not */
	assert_int_equal(store_open(&s, path, STORE_READ, &e), LG_OK);
	struct sla_reps sr = {""};
	ok(store_sla_each(s, take_sla, &sr, &e));
	assert_string_equal(sr.out, "cy:0/0/0 ben:1/1/0");
	store_close(s);

	s = open_write(path);
	store_close(s);
	assert_int_equal(q1(path, "PRAGMA user_version"), SCHEMA_LATEST);
	assert_string_equal(steps(path, buf, sizeof(buf)),
			    "ana:0:300:300:escalated cy:300:600:-:- ben:10:310:70:accepted");
	assert_int_equal(q1(path, "SELECT count(*) FROM handoffs"), 3);
	assert_int_equal(q1(path, "SELECT count(*) FROM outbox"), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handoffs), cmocka_unit_test(test_contact_lists),
		cmocka_unit_test(test_outbox),   cmocka_unit_test(test_outbox_claim),
		cmocka_unit_test(test_upgrade),  cmocka_unit_test(test_upgrade_v13),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
