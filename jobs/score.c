/*
 * score.c - the scoring run: every contact of the store (or of a list's
 * current version) scored at now, one row each: who it is, fit,
 * confidence, engagement, intent, product, total, grade, trend, stage.
 * The automatic stage moves the scores call for are recorded, each with
 * when, why, the score and who ("auto"), in one transaction once every
 * row is written.  One contact's score may be explained instead: every
 * contribution, largest first.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Who it is (the name, company and title its lists gave), then the scores. */
enum {
	C_EMAIL,
	C_NAME,
	C_COMPANY,
	C_TITLE,
	C_FIT,
	C_CONF,
	C_ENG,
	C_INTENT,
	C_PRODUCT,
	C_TOTAL,
	C_GRADE,
	C_TREND,
	C_STAGE,
	C_ELIGIBLE,
	C_FRESH,
	C_SENIORITY,
	C_COUNT
};
static const struct io_col score_cols[C_COUNT] = {
	{"email", 5, IO_KIND_TEXT},         {"name", 4, IO_KIND_OPTIONAL},
	{"company", 7, IO_KIND_OPTIONAL},   {"title", 5, IO_KIND_OPTIONAL},
	{"fit", 3, IO_KIND_NUMBER},         {"confidence", 10, IO_KIND_NUMBER},
	{"engagement", 10, IO_KIND_NUMBER}, {"intent", 6, IO_KIND_NUMBER},
	{"product", 7, IO_KIND_NUMBER},     {"total", 5, IO_KIND_NUMBER},
	{"grade", 5, IO_KIND_TEXT},         {"trend", 5, IO_KIND_TEXT},
	{"stage", 5, IO_KIND_TEXT},         {"eligible", 8, IO_KIND_TEXT},
	{"freshness", 9, IO_KIND_TEXT},     {"seniority", 9, IO_KIND_OPTIONAL},
};

/* A move to record once every contact is scored. */
struct pending_move {
	int64_t contact_id;
	enum scoring_stage from, to;
	const char *why;
	double score;
};

struct job_score {
	struct job_score_opts o;
	struct store *store;
	struct verify_ctx *vctx;
	struct scoring_ctx *sctx;
	int64_t list_id;
	struct lead L;
	struct io_writer *wr;
	struct pending_move *moves;
	size_t nmoves, capmoves;
	struct job_score_report rep;
	/* explain */
	job_score_explain_fn *explain_fn;
	void *explain_arg;
	bool found;
};

enum lg_status job_score_open(struct job_score **out, const struct job_score_opts *o,
			      struct lg_err *err)
{
	struct job_score *j = lg_xcalloc(1, sizeof(*j));
	*out = j;
	j->o = *o;
	j->rep.dry_run = o->dry_run;
	lead_init(&j->L, NULL, o->conf, NULL, NULL, o->now);
	enum lg_status st = scoring_ctx_new(&j->sctx, &o->conf->rubric, err);
	if (st == LG_OK)
		st = store_open(&j->store, o->db,
				o->explain || o->dry_run ? STORE_READ : STORE_WRITE, err);
	if (st == LG_OK && o->list) {
		struct store_list_info li;
		if ((st = store_list_get(j->store, o->list, &li, err)) == LG_OK)
			j->list_id = li.id;
	}
	if (st != LG_OK)
		return st;
	j->vctx = conf_verify_ctx(o->conf);
	j->L.store = j->store;
	j->L.vctx = j->vctx;
	j->L.sctx = j->sctx;
	/* every account's and every contact's events once for the whole
	 * store, the contacts' read while the contacts are (lead_score
	 * waits for them); an explanation reads its contact's alone */
	if (o->explain)
		return LG_OK;
	if ((st = lead_load_accounts(&j->L, err)) == LG_OK)
		lead_load_events_start(&j->L, store_path(j->store));
	return st;
}

/* A contact's name: a whole-name column when a list had one, else its
 * first and last names; the length written to buf. */
static size_t name_of(const struct store_profile *p, char *buf, size_t cap)
{
	const char *f = p->first_name ? p->first_name : "", *l = p->last_name ? p->last_name : "";
	int n = p->name && *p->name ? snprintf(buf, cap, "%s", p->name)
				    : snprintf(buf, cap, "%s%s%s", f, *f && *l ? " " : "", l);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static struct io_cell opt_cell(const char *s)
{
	return (struct io_cell){s ? s : "", s ? strlen(s) : 0, false};
}

static struct io_cell word(const char *s)
{
	return (struct io_cell){s, strlen(s), true};
}

/* What a contact's row shows besides its own strings. */
struct score_row {
	size_t i;    /* the contact: its place in the store_leads */
	double v[6]; /* fit, confidence, engagement, intent, product, total */
	char grade[3];
	enum scoring_trend trend;
	enum scoring_stage stage;
	bool eligible;
	enum decay_class freshness;
	const char *seniority; /* the rubric's, or NULL */
};

static enum lg_status write_row(struct job_score *j, const struct store_lead *l,
				const struct score_row *r, struct lg_err *err)
{
	char num[6][LEAD_FIXED_MAX];
	struct io_cell c[C_COUNT];
	for (int i = 0; i < 6; i++) {
		size_t n = i == 1 ? lead_format_thousandths(num[i], r->v[i])
				  : lead_format_cents(num[i], r->v[i]);
		c[C_FIT + i] = (struct io_cell){num[i], n, true};
	}
	c[C_EMAIL] = (struct io_cell){l->address, strlen(l->address), false};
	const struct store_profile *p = &l->profile;
	char name[512];
	c[C_NAME] = (struct io_cell){name, name_of(p, name, sizeof(name)), false};
	c[C_COMPANY] = opt_cell(p->company);
	c[C_TITLE] = opt_cell(p->title);
	c[C_GRADE] = word(r->grade);
	c[C_TREND] = word(scoring_trend_name(r->trend));
	c[C_STAGE] = word(scoring_stage_name(r->stage));
	c[C_ELIGIBLE] = word(r->eligible ? "yes" : "no");
	c[C_FRESH] = word(decay_class_name(r->freshness));
	c[C_SENIORITY] = word(r->seniority ? r->seniority : "");
	return io_writer_row(j->wr, c, NULL, 0, err);
}

/* Score the i-th contact: its moves and counts kept, each told, *r its row. */
static enum lg_status score_one(struct job_score *j, const struct store_lead *l, size_t i,
				struct score_row *r, struct lg_err *err)
{
	struct lead_scored sc;
	enum lg_status st = lead_score(&j->L, l, &sc, false, err);
	if (st != LG_OK)
		return st;
	for (unsigned k = 0; k < sc.nmoves; k++) {
		if (j->nmoves == j->capmoves) {
			j->capmoves = j->capmoves ? 2 * j->capmoves : 256;
			j->moves = lg_xrealloc(j->moves, j->capmoves * sizeof(*j->moves));
		}
		j->moves[j->nmoves++] = (struct pending_move){
			l->contact_id,   sc.moves[k].from, sc.moves[k].to,
			sc.moves[k].why, sc.r.total,
		};
	}
	j->rep.scored++;
	j->rep.by_stage[sc.stage]++;
	j->rep.eligible += sc.r.eligible;
	if (j->o.each)
		j->o.each(j->o.arg, l, &sc);
	*r = (struct score_row){
		.i = i,
		.v = {sc.r.fit_eff, sc.r.q, sc.r.engagement, sc.r.intent, sc.r.product, sc.r.total},
		.trend = sc.r.trend,
		.stage = sc.stage,
		.eligible = sc.r.eligible,
		.freshness = sc.r.freshness,
		.seniority = sc.r.seniority,
	};
	memcpy(r->grade, sc.r.grade, sizeof(r->grade));
	return LG_OK;
}

/*
 * The rows are written on a thread of their own while the contacts are
 * scored: the scoring hands them over in order through a ring, a batch at
 * a time, and waits when the writer is a ring behind.
 */
#define RING_ROWS 4096
#define SCORE_AHEAD 16
#define SCORE_RING 32 /* more than SCORE_AHEAD */
#define RING_BATCH 256

struct row_ring {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	size_t put, taken; /* rows handed over, rows written; under mu */
	bool done;         /* nothing more to hand over */
	bool failed;       /* the writer stopped: st and err say why */
	enum lg_status st;
	struct lg_err err;
	struct job_score *j;
	const struct store_leads *ls;
	struct score_row rows[RING_ROWS];
};

static void *writer_run(void *arg)
{
	struct row_ring *g = arg;
	size_t at = 0;
	for (;;) {
		pthread_mutex_lock(&g->mu);
		while (g->put == at && !g->done)
			pthread_cond_wait(&g->more, &g->mu);
		size_t end = g->put;
		pthread_mutex_unlock(&g->mu);
		if (end == at)
			break; /* done, all written */
		for (; at < end; at++) {
			struct store_lead l;
			const struct score_row *r = &g->rows[at % RING_ROWS];
			store_leads_get(g->ls, r->i, &l);
			enum lg_status st = write_row(g->j, &l, r, &g->err);
			if (st != LG_OK) {
				pthread_mutex_lock(&g->mu);
				g->st = st;
				g->failed = true;
				pthread_cond_signal(&g->room);
				pthread_mutex_unlock(&g->mu);
				return NULL;
			}
		}
		pthread_mutex_lock(&g->mu);
		g->taken = at;
		pthread_cond_signal(&g->room);
		pthread_mutex_unlock(&g->mu);
	}
	return NULL;
}

/* *started false: no thread to be had, nothing done. */
static enum lg_status score_threaded(struct job_score *j, const struct store_leads *ls,
				     struct row_ring *g, bool *started, struct lg_err *err)
{
	size_t n = store_leads_count(ls), put = 0;
	enum lg_status st = LG_OK;
	pthread_t writer;
	g->j = j;
	g->ls = ls;
	if (!(*started = !pthread_create(&writer, NULL, writer_run, g)))
		return LG_OK;
	/* Each contact's lookups (its events by address, its account's)
	 * are cache misses in maps of a million entries, one after another:
	 * the contacts are decoded SCORE_AHEAD places ahead into a ring and
	 * their lookups asked of memory in steps (lead_prefetch), so that by
	 * its turn what each needs is in cache.  The events load first: the
	 * maps are filled by then. */
	struct store_lead ahead[SCORE_RING];
	if (n && (st = lead_load_events_wait(&j->L, err)) != LG_OK)
		n = 0;
	for (size_t i = 0; i < n && i < SCORE_AHEAD; i++)
		store_leads_get(ls, i, &ahead[i % SCORE_RING]);
	for (size_t i = 0; i < n && st == LG_OK; i++) {
		if (put % RING_BATCH == 0) {
			/* room for the next batch */
			pthread_mutex_lock(&g->mu);
			while (put + RING_BATCH - g->taken > RING_ROWS && !g->failed)
				pthread_cond_wait(&g->room, &g->mu);
			bool failed = g->failed;
			pthread_mutex_unlock(&g->mu);
			if (failed)
				break;
		}
		if (i + SCORE_AHEAD < n) {
			struct store_lead *a = &ahead[(i + SCORE_AHEAD) % SCORE_RING];
			store_leads_get(ls, i + SCORE_AHEAD, a);
			lead_prefetch(&j->L, a, 0);
		}
		if (i + SCORE_AHEAD / 2 < n)
			lead_prefetch(&j->L, &ahead[(i + SCORE_AHEAD / 2) % SCORE_RING], 1);
		if (i + SCORE_AHEAD / 4 < n)
			lead_prefetch(&j->L, &ahead[(i + SCORE_AHEAD / 4) % SCORE_RING], 2);
		const struct store_lead *l = &ahead[i % SCORE_RING];
		if ((st = score_one(j, l, i, &g->rows[put % RING_ROWS], err)) != LG_OK)
			break;
		if (++put % RING_BATCH == 0) {
			pthread_mutex_lock(&g->mu);
			g->put = put;
			pthread_cond_signal(&g->more);
			pthread_mutex_unlock(&g->mu);
		}
	}
	pthread_mutex_lock(&g->mu);
	g->put = put;
	g->done = true;
	pthread_cond_signal(&g->more);
	pthread_mutex_unlock(&g->mu);
	pthread_join(writer, NULL);
	if (st == LG_OK && g->failed) {
		st = g->st;
		*err = g->err;
	}
	return st;
}

static enum lg_status score_all(struct job_score *j, const struct store_leads *ls,
				struct lg_err *err)
{
	struct row_ring *g = lg_xcalloc(1, sizeof(*g));
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->more, NULL);
	pthread_cond_init(&g->room, NULL);
	bool started;
	enum lg_status st = score_threaded(j, ls, g, &started, err);
	if (!started) {
		/* no thread to be had: score and write each in turn */
		for (size_t i = 0; i < store_leads_count(ls) && st == LG_OK; i++) {
			struct store_lead l;
			struct score_row r;
			store_leads_get(ls, i, &l);
			if ((st = score_one(j, &l, i, &r, err)) == LG_OK)
				st = write_row(j, &l, &r, err);
		}
	}
	pthread_cond_destroy(&g->room);
	pthread_cond_destroy(&g->more);
	pthread_mutex_destroy(&g->mu);
	free(g);
	return st;
}

static enum lg_status record_moves(struct job_score *j, struct lg_err *err)
{
	if (!j->nmoves)
		return LG_OK;
	/* a move to a stage of [handoff] on hands the lead off in the same
	 * transaction (jobs/handoff.c) */
	struct job_handoff *h = NULL;
	enum lg_status st = job_handoff_new(&h, j->store, j->o.conf, j->vctx, j->o.now, err);
	if (st == LG_OK)
		st = store_begin(j->store, err);
	for (size_t i = 0; i < j->nmoves && st == LG_OK; i++) {
		struct store_move m = {
			.from = j->moves[i].from,
			.to = j->moves[i].to,
			.at = j->o.now,
			.why = j->moves[i].why,
			.score = j->moves[i].score,
			.who = "auto",
		};
		bool moved;
		st = store_move_add(j->store, j->moves[i].contact_id, &m, &moved, err);
		j->rep.skipped += !moved; /* a rep decided meanwhile: theirs stands */
		if (st == LG_OK && moved)
			st = job_handoff_move(h, j->moves[i].contact_id, m.to, err);
	}
	if (st == LG_OK)
		st = store_commit(j->store, err);
	if (st != LG_OK)
		store_rollback(j->store);
	j->rep.handoff = *job_handoff_report(h);
	job_handoff_free(h);
	return st;
}

enum lg_status job_score_write(struct job_score *j, int out, struct lg_err *err)
{
	if (j->o.explain || j->wr)
		BUG("a scoring run for an explanation, or written twice");
	struct io_writer_opts wo = {.format = j->o.format, .delim = ',', .guard = j->o.guard};
	j->wr = io_writer_new(out, &wo, score_cols, C_COUNT);
	struct store_leads *ls = NULL;
	enum lg_status st = store_leads_read(j->store, j->list_id, &ls, err);
	if (st == LG_OK)
		st = score_all(j, ls, err);
	store_leads_free(ls);
	if (st == LG_OK)
		st = io_writer_finish(j->wr, err);
	j->rep.moves = j->nmoves;
	/* the moves before the caller puts the output in place: an output
	 * that shows stages the store has not recorded is never left behind */
	if (st == LG_OK && !j->o.dry_run)
		st = record_moves(j, err);
	return st;
}

/* The lines borrow the contact's strings (its title ...): handed over
 * while the store still holds them. */
static enum lg_status on_explain(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct job_score *j = arg;
	struct lead_scored sc;
	j->found = true;
	enum lg_status st = lead_score(&j->L, l, &sc, true, err);
	if (st == LG_OK)
		j->explain_fn(j->explain_arg, l->address, &sc);
	free(sc.lines);
	return st;
}

enum lg_status job_score_explain(struct job_score *j, job_score_explain_fn *fn, void *arg,
				 struct lg_err *err)
{
	if (!j->o.explain)
		BUG("an explanation asked of a scoring run without a contact");
	const char *email = j->o.explain;
	/* the contact's identity: its key (verify_contact_key_of) */
	struct lg_buf key = LG_BUF_INIT;
	enum lg_status st;
	j->explain_fn = fn;
	j->explain_arg = arg;
	verify_contact_key_of(j->vctx, email, strlen(email), &key, NULL);
	if (key.len >= 512) /* the store's keys are shorter */
		st = lg_err_set(err, LG_EUSAGE, "'%s': too long for an address", email);
	else
		st = store_leads_each(j->store, 0, key.data ? key.data : "", on_explain, j, err);
	lg_buf_release(&key);
	if (st == LG_OK && !j->found)
		st = lg_err_set(err, LG_ENOINPUT, "%s: no such contact in %s", email,
				store_path(j->store));
	return st;
}

const struct job_score_report *job_score_report(const struct job_score *j)
{
	return &j->rep;
}

void job_score_close(struct job_score *j)
{
	if (!j)
		return;
	io_writer_free(j->wr);
	free(j->moves);
	lead_release(&j->L);
	scoring_ctx_free(j->sctx);
	verify_ctx_free(j->vctx);
	store_close(j->store);
	free(j);
}
