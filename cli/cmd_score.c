/*
 * cmd_score.c - `leadgate score [--list NAME]`: every contact of the store
 * (or of a list's current version) scored at now, one row each: fit,
 * confidence, engagement, intent, product, total, grade, trend, stage.
 * The automatic stage moves that the scores call for are recorded, each
 * with when, why, the score and who ("auto"), in one transaction at the
 * end.  `leadgate score --explain EMAIL` lists every contribution of one
 * contact's score, largest first; they add up to the total.
 */
#include "cli.h"
#include "conf/conf.h"
#include "store/store.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_EXPLAIN = 256, OPT_DRY_RUN };

static const struct cli_option score_opts[] = {
	{"list", 'l', "NAME", "score the members of list NAME's current version (default: every contact)"},
	{"output", 'o', "FILE", "write the scores to FILE (default: standard output)"},
	{"format", 'f', "FMT", "output format: csv (default) or jsonl"},
	CLI_FORMULA_GUARD_OPT,
	{"explain", OPT_EXPLAIN, "EMAIL", "list every contribution to EMAIL's score instead"},
	{"dry-run", OPT_DRY_RUN, NULL, "record no stage move"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"quiet", 'q', NULL, "print no summary"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct score_args {
	const char *list, *output, *explain, *config;
	enum io_format format;
	enum io_guard guard;
	bool dry_run, quiet;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct score_args *a = arg;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'o': a->output = val; return -1;
	case 'f': return cli_format_opt(val, &a->format);
	case CLI_OPT_FORMULA_GUARD: return cli_formula_guard_opt(val, &a->guard);
	case OPT_EXPLAIN: a->explain = val; return -1;
	case OPT_DRY_RUN: a->dry_run = true; return -1;
	case 'c': a->config = val; return -1;
	case 'q': a->quiet = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate score [OPTIONS]",
		  "Score every contact in the store (or a list's members) at --now, each row\n"
		  "saying who it is (name, company, title, as its lists gave them): fit\n"
		  "(title, competitor, firmographics), data confidence (the verdict and its\n"
		  "age), engagement (events, each halving with its class's half-life),\n"
		  "account intent and product usage; the total, the grade (fit letter A-D,\n"
		  "engagement digit 1-4), the 7-day trend and the stage.  Stage moves the\n"
		  "scores call for (lead -> MQL -> HQL, SAL -> SQL, recycled ...) are\n"
		  "recorded with when, why and the score.  Only a deliverable, fresh,\n"
		  "unsuppressed, non-competitor contact can enter a stage.",
		  score_opts);
}

/* Who it is (the name, company and title its lists gave), then the scores. */
enum { C_EMAIL, C_NAME, C_COMPANY, C_TITLE, C_FIT, C_CONF, C_ENG, C_INTENT, C_PRODUCT, C_TOTAL,
       C_GRADE, C_TREND, C_STAGE, C_ELIGIBLE, C_FRESH, C_SENIORITY, C_COUNT };
static const struct io_col score_cols[C_COUNT] = {
	{"email", 5, IO_KIND_TEXT},         {"name", 4, IO_KIND_OPTIONAL},
	{"company", 7, IO_KIND_OPTIONAL},   {"title", 5, IO_KIND_OPTIONAL},
	{"fit", 3, IO_KIND_NUMBER},
	{"confidence", 10, IO_KIND_NUMBER}, {"engagement", 10, IO_KIND_NUMBER},
	{"intent", 6, IO_KIND_NUMBER},      {"product", 7, IO_KIND_NUMBER},
	{"total", 5, IO_KIND_NUMBER},       {"grade", 5, IO_KIND_TEXT},
	{"trend", 5, IO_KIND_TEXT},       {"stage", 5, IO_KIND_TEXT},
	{"eligible", 8, IO_KIND_TEXT},    {"freshness", 9, IO_KIND_TEXT},
	{"seniority", 9, IO_KIND_OPTIONAL},
};

/* A move to record once every contact is scored. */
struct pending_move {
	int64_t contact_id;
	enum scoring_stage from, to;
	const char *why;
	double score;
};

struct scoring_run {
	struct score_args *a;
	struct lead L;
	struct io_writer *wr;
	struct pending_move *moves;
	size_t nmoves, capmoves;
	unsigned long scored, by_stage[SCORING_STAGE_COUNT], eligible;
	unsigned long skipped; /* moves not recorded: the stage changed while scoring */
	struct lead_scored one; /* --explain */
	bool found;
	char address[512];
};

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

static enum lg_status on_lead(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct scoring_run *S = arg;
	struct lead_scored sc;
	enum lg_status st = lead_score(&S->L, l, &sc, false, err);
	if (st != LG_OK)
		return st;
	for (unsigned i = 0; i < sc.nmoves; i++) {
		if (S->nmoves == S->capmoves) {
			S->capmoves = S->capmoves ? 2 * S->capmoves : 256;
			S->moves = lg_xrealloc(S->moves, S->capmoves * sizeof(*S->moves));
		}
		S->moves[S->nmoves++] = (struct pending_move){
			l->contact_id, sc.moves[i].from, sc.moves[i].to, sc.moves[i].why, sc.r.total,
		};
	}
	S->scored++;
	S->by_stage[sc.stage]++;
	S->eligible += sc.r.eligible;

	char num[C_COUNT][32];
	struct io_cell c[C_COUNT];
	const double v[] = {sc.r.fit_eff, sc.r.q, sc.r.engagement, sc.r.intent, sc.r.product,
			    sc.r.total};
	for (int i = 0; i < 6; i++) {
		int n = i == 1 ? snprintf(num[i], sizeof(num[i]), "%.3f", v[i])
			       : snprintf(num[i], sizeof(num[i]), "%.2f", cli_cents(v[i]));
		c[C_FIT + i] = (struct io_cell){num[i], (size_t)n, true};
	}
	c[C_EMAIL] = (struct io_cell){l->address, strlen(l->address), false};
	const struct store_profile *p = &l->profile;
	char name[512];
	c[C_NAME] = (struct io_cell){name, name_of(p, name, sizeof(name)), false};
	c[C_COMPANY] = opt_cell(p->company);
	c[C_TITLE] = opt_cell(p->title);
	c[C_GRADE] = (struct io_cell){sc.r.grade, strlen(sc.r.grade), true};
	const char *trend = scoring_trend_name(sc.r.trend), *stage = scoring_stage_name(sc.stage),
		   *fresh = decay_class_name(sc.r.freshness);
	c[C_TREND] = (struct io_cell){trend, strlen(trend), true};
	c[C_STAGE] = (struct io_cell){stage, strlen(stage), true};
	c[C_ELIGIBLE] = (struct io_cell){sc.r.eligible ? "yes" : "no", sc.r.eligible ? 3 : 2, true};
	c[C_FRESH] = (struct io_cell){fresh, strlen(fresh), true};
	const char *sen = sc.r.seniority ? sc.r.seniority : "";
	c[C_SENIORITY] = (struct io_cell){sen, strlen(sen), true};
	return io_writer_row(S->wr, c, NULL, 0, err);
}

static enum lg_status record_moves(struct scoring_run *S, int64_t now, struct lg_err *err)
{
	if (!S->nmoves)
		return LG_OK;
	enum lg_status st = store_begin(S->L.store, err);
	for (size_t i = 0; i < S->nmoves && st == LG_OK; i++) {
		struct store_move m = {
			.from = scoring_stage_name(S->moves[i].from),
			.to = scoring_stage_name(S->moves[i].to),
			.at = now,
			.why = S->moves[i].why,
			.score = S->moves[i].score,
			.who = "auto",
		};
		bool moved;
		st = store_move_add(S->L.store, S->moves[i].contact_id, &m, &moved, err);
		S->skipped += !moved; /* a rep decided meanwhile: theirs stands */
	}
	if (st == LG_OK)
		st = store_commit(S->L.store, err);
	if (st != LG_OK)
		store_rollback(S->L.store);
	return st;
}

/* ---- --explain ------------------------------------------------------------- */

static const char *line_kind(enum scoring_line_kind k)
{
	switch (k) {
	case SCORING_LINE_TITLE: return "title";
	case SCORING_LINE_COMPETITOR: return "competitor";
	case SCORING_LINE_ICP: return "icp";
	case SCORING_LINE_EVENT: return "event";
	case SCORING_LINE_CLASS_CAP: return "class cap";
	case SCORING_LINE_INTENT: return "intent";
	}
	return "?";
}


/* Print the explanation.  Each contribution is shown rounded to 0.01; so
 * that the lines add up to the total as printed, the difference the
 * rounding makes (at most a few hundredths) is a line of its own. */
static void print_explain(FILE *f, const struct scoring_run *S, bool json)
{
	const struct lead_scored *sc = &S->one;
	const struct scoring_result *r = &sc->r;
	long total_c = lround(r->total * 100), sum_c = 0;
	if (json) {
		fputs("{\"email\":", f);
		cli_json_quote(f, S->address);
		fprintf(f, ",\"total\":%.2f,\"fit\":%.2f,\"confidence\":%.4f,"
			   "\"engagement\":%.2f,\"intent\":%.2f,\"product\":%.2f,\"grade\":\"%s\","
			   "\"stage\":\"%s\",\"contributions\":[",
			cli_cents(r->total), cli_cents(r->fit_eff), r->q, cli_cents(r->engagement),
			cli_cents(r->intent), cli_cents(r->product), r->grade, scoring_stage_name(sc->stage));
	} else {
		fprintf(f, "%s: total %.2f = fit %.2f (confidence %.3f x %.2f%s) + engagement %.2f%s",
			S->address, cli_cents(r->total), cli_cents(r->fit_eff), r->q, cli_cents(r->fit_pos),
			r->fit_neg ? ", negative fit counted whole" : "", cli_cents(r->engagement),
			S->L.conf->rubric.intent_in_total ? " + intent" : "");
		if (S->L.conf->rubric.intent_in_total)
			fprintf(f, " %.2f", cli_cents(r->intent));
		fprintf(f, "\n  grade %s, trend %s, stage %s, %s, %s\n", r->grade,
			scoring_trend_name(r->trend), scoring_stage_name(sc->stage),
			r->eligible ? "eligible" : "not eligible", decay_class_name(r->freshness));
	}
	for (size_t i = 0; i < sc->nlines; i++) {
		const struct scoring_line *ln = &sc->lines[i];
		long c = lround(ln->contribution * 100);
		sum_c += c;
		char at[LG_TIME_LEN] = "";
		if (ln->at)
			lg_time_format(ln->at, at, sizeof(at));
		if (json) {
			fprintf(f, "%s{\"kind\":\"%s\",\"rule\":", i ? "," : "", line_kind(ln->kind));
			cli_json_quote(f, ln->rule ? ln->rule : "");
			fprintf(f, ",\"points\":%.2f,\"factor\":%.6f,\"contribution\":%.2f,\"capped\":%s",
				ln->points, ln->factor, c / 100.0, ln->capped ? "true" : "false");
			if (at[0])
				fprintf(f, ",\"at\":\"%s\"", at);
			if (ln->detail && *ln->detail) {
				fputs(",\"detail\":", f);
				cli_json_quote(f, ln->detail);
			}
			fputc('}', f);
			continue;
		}
		fprintf(f, "  %+9.2f  %-10s %-18s points %+7.2f x %.4f", c / 100.0,
			line_kind(ln->kind), ln->rule ? ln->rule : "", ln->points, ln->factor);
		if (at[0])
			fprintf(f, "  %s", at);
		if (ln->detail && *ln->detail)
			fprintf(f, "  %s", ln->detail);
		if (ln->capped)
			fputs("  (over its daily cap: counts 0)", f);
		fputc('\n', f);
	}
	long rounding = total_c - sum_c;
	if (json) {
		fprintf(f, "],\"rounding\":%.2f}\n", rounding / 100.0);
		return;
	}
	if (rounding)
		fprintf(f, "  %+9.2f  (rounding of the lines above to 0.01)\n", rounding / 100.0);
	fprintf(f, "  = %.2f\n", total_c / 100.0);
	for (unsigned i = 0; i < sc->nmoves; i++)
		fprintf(f, "  would move %s -> %s: %s\n", scoring_stage_name(sc->moves[i].from),
			scoring_stage_name(sc->moves[i].to), sc->moves[i].why);
}

/* The lines borrow the contact's strings (its title ...): printed while
 * the store still holds them. */
static enum lg_status on_explain(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct scoring_run *S = arg;
	S->found = true;
	snprintf(S->address, sizeof(S->address), "%s", l->address);
	enum lg_status st = lead_score(&S->L, l, &S->one, true, err);
	if (st == LG_OK)
		print_explain(stdout, S, S->a->format == IO_FORMAT_JSONL);
	free(S->one.lines);
	S->one.lines = NULL;
	return st;
}

int cmd_score(int argc, char **argv)
{
	struct score_args a = {.format = IO_FORMAT_CSV};
	struct scoring_run S = {.a = &a};
	struct conf conf;
	struct lg_err err = {{0}};
	struct store *s = NULL;
	struct verify_ctx *vctx = NULL;
	struct scoring_ctx *sctx = NULL;
	enum lg_status st;
	int first, out = -1;
	int64_t now, list_id = 0;

	int rc = cli_parse(argc, argv, "score", score_opts, help, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc) {
		cli_error("score takes no operand ('%s'); --explain EMAIL scores one contact",
			  argv[first]);
		return CLI_EUSAGE;
	}
	if (a.explain && (a.output || a.list)) {
		return cli_usage_error("--explain prints one contact's explanation on standard output: it takes "
			  "neither --output nor --list");
	}
	now = cli_now(); /* after the options: --now */
	conf_init(&conf);
	lead_init(&S.L, NULL, &conf, NULL, NULL, now);
	st = conf_load(&conf, a.config, &err);
	if (st == LG_OK)
		st = scoring_ctx_new(&sctx, &conf.rubric, &err);
	if (st == LG_OK)
		st = store_open(&s, cli_common.db,
				a.explain || a.dry_run ? STORE_READ : STORE_WRITE, &err);
	if (st == LG_OK && a.list) {
		struct store_list_info li;
		if ((st = store_list_get(s, a.list, &li, &err)) == LG_OK)
			list_id = li.id;
	}
	if (st != LG_OK)
		goto out;
	vctx = conf_verify_ctx(&conf);
	S.L.store = s;
	S.L.vctx = vctx;
	S.L.sctx = sctx;
	/* every account's events once for the whole store; --explain reads
	 * its contact's account's alone */
	if (!a.explain && (st = lead_load_accounts(&S.L, &err)) != LG_OK)
		goto out;

	if (a.explain) {
		/* the contact's identity: its key (verify_contact_key_of) */
		struct lg_buf key = LG_BUF_INIT;
		verify_contact_key_of(vctx, a.explain, strlen(a.explain), &key, NULL);
		if (key.len >= 512) /* the store's keys are shorter */
			st = lg_err_set(&err, LG_EUSAGE, "'%s': too long for an address", a.explain);
		else
			st = store_leads_each(s, 0, key.data ? key.data : "", on_explain, &S, &err);
		lg_buf_release(&key);
		if (st != LG_OK)
			goto out;
		if (!S.found) {
			st = lg_err_set(&err, LG_ENOINPUT, "%s: no such contact in %s", a.explain,
					store_path(s));
			goto out;
		}
		goto out;
	}

	out = cli_output_open(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "%s: %s", a.output, strerror(errno));
		goto out;
	}
	struct io_writer_opts wo = {.format = a.format, .delim = ',', .guard = a.guard};
	S.wr = io_writer_new(out, &wo, score_cols, C_COUNT);
	st = store_leads_each(s, list_id, NULL, on_lead, &S, &err);
	if (st == LG_OK)
		st = io_writer_finish(S.wr, &err);
	/* the moves first: an output that shows stages the store has not
	 * recorded is never left behind */
	if (st == LG_OK && !a.dry_run)
		st = record_moves(&S, now, &err);
	if (st == LG_OK)
		st = cli_output_close(out, a.output, true, &err);
	else
		cli_output_close(out, a.output, false, NULL);
	out = -1;
	if (st == LG_OK && !a.quiet) {
		fprintf(stderr, "leadgate score: %lu contacts scored, %lu eligible; stages:",
			S.scored, S.eligible);
		for (int i = 0; i < SCORING_STAGE_COUNT; i++)
			if (S.by_stage[i])
				fprintf(stderr, " %s %lu", scoring_stage_name((enum scoring_stage)i),
					S.by_stage[i]);
		fprintf(stderr, "; %zu stage move%s %s", S.nmoves - S.skipped,
			S.nmoves - S.skipped == 1 ? "" : "s",
			a.dry_run ? "not recorded (--dry-run)" : "recorded");
		if (S.skipped)
			fprintf(stderr, " (%lu not: the contact's stage changed while scoring)",
				S.skipped);
		fputc('\n', stderr);
	}
out:
	if (out >= 0)
		cli_output_close(out, a.output, false, NULL);
	io_writer_free(S.wr);
	free(S.moves);
	lead_release(&S.L);
	scoring_ctx_free(sctx);
	verify_ctx_free(vctx);
	store_close(s);
	conf_release(&conf);
	if (st != LG_OK) {
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
		return lg_exit_code(st);
	}
	return 0;
}
