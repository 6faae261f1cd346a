/*
 * cmd_qualify.c - the qualification commands:
 *   leadgate evidence add EMAIL --framework F --criterion C --status S
 *            --confidence X --source SRC [--valid-until TIME] [--note TEXT]
 *   leadgate qualify EMAIL        the checklist and what still blocks SQL
 *   leadgate decide EMAIL accept|reject|recycle --reason CODE [--note TEXT]
 *   leadgate report rejections    rejection rates by reason, source, score band
 *   leadgate funnel --customers N [--rates R1,R2,R3,R4]
 */
#include "cli.h"
#include "conf/conf.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_FRAMEWORK = 256, OPT_CRITERION, OPT_STATUS, OPT_CONFIDENCE, OPT_SOURCE, OPT_VALID_UNTIL,
	OPT_NOTE, OPT_REASON, OPT_BY, OPT_CUSTOMERS, OPT_RATES,
};

/* One option table for the five commands; each takes what it needs and
 * refuses the rest (see `need` below). */
static const struct cli_option qual_opts[] = {
	{"framework", OPT_FRAMEWORK, "F", "BANT, CHAMP or MEDDIC (default: [scoring] framework)"},
	{"criterion", OPT_CRITERION, "NAME", "evidence: budget, authority, need, timeline, challenges, "
					     "money, prioritization, metrics, economic_buyer, "
					     "decision_criteria, decision_process, identify_pain, champion"},
	{"status", OPT_STATUS, "S", "evidence: met, partial or not_met"},
	{"confidence", OPT_CONFIDENCE, "X", "evidence: how sure, 0 to 1"},
	{"source", OPT_SOURCE, "SRC", "evidence: call, email, form or note"},
	{"valid-until", OPT_VALID_UNTIL, "TIME", "evidence: expires at TIME (RFC 3339)"},
	{"note", OPT_NOTE, "TEXT", "evidence, decide: a free-text note"},
	{"reason", OPT_REASON, "CODE", "decide: bad_data, not_decision_maker, no_budget, no_need, "
				       "bad_timing, competitor, student_or_personal, "
				       "existing_customer, duplicate, other"},
	{"by", OPT_BY, "NAME", "decide: who decides (default $USER)"},
	{"customers", OPT_CUSTOMERS, "N", "funnel: the customers wanted"},
	{"rates", OPT_RATES, "R1,R2,R3,R4", "funnel: raw->MQL, MQL->SQL, SQL->opportunity, "
					     "opportunity->customer conversion rates"},
	{"format", 'f', "FMT", "report, qualify: text (default) or json"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct qual_args {
	const char *framework, *criterion, *status, *confidence, *source, *valid_until, *note,
		*reason, *by, *customers, *rates, *format, *config;
	unsigned seen; /* bit (key - OPT_FRAMEWORK): given */
};

static int on_opt(void *arg, int key, const char *val)
{
	struct qual_args *a = arg;
	const char **slot = NULL;
	switch (key) {
	case OPT_FRAMEWORK: slot = &a->framework; break;
	case OPT_CRITERION: slot = &a->criterion; break;
	case OPT_STATUS: slot = &a->status; break;
	case OPT_CONFIDENCE: slot = &a->confidence; break;
	case OPT_SOURCE: slot = &a->source; break;
	case OPT_VALID_UNTIL: slot = &a->valid_until; break;
	case OPT_NOTE: slot = &a->note; break;
	case OPT_REASON: slot = &a->reason; break;
	case OPT_BY: slot = &a->by; break;
	case OPT_CUSTOMERS: slot = &a->customers; break;
	case OPT_RATES: slot = &a->rates; break;
	case 'f': a->format = val; return -1;
	case 'c': a->config = val; return -1;
	default: return CLI_EUSAGE;
	}
	*slot = val;
	a->seen |= 1u << (key - OPT_FRAMEWORK);
	return -1;
}

#define BIT(k) (1u << ((k) - OPT_FRAMEWORK))

/* What each command takes: its options of the table, and -f, -c. */
struct takes {
	unsigned bits;
	bool format, config;
};
static const struct takes takes_evidence = {
	BIT(OPT_FRAMEWORK) | BIT(OPT_CRITERION) | BIT(OPT_STATUS) | BIT(OPT_CONFIDENCE) |
		BIT(OPT_SOURCE) | BIT(OPT_VALID_UNTIL) | BIT(OPT_NOTE),
	false, true};
static const struct takes takes_qualify = {BIT(OPT_FRAMEWORK), true, true};
static const struct takes takes_decide = {BIT(OPT_REASON) | BIT(OPT_NOTE) | BIT(OPT_BY), false,
					  true};
static const struct takes takes_report = {0, true, false};
static const struct takes takes_funnel = {BIT(OPT_CUSTOMERS) | BIT(OPT_RATES), false, false};

/* Refuse an option the command does not take. */
static bool only(const struct qual_args *a, const char *cmd, const struct takes *t)
{
	if (a->format && !t->format) {
		cli_error("%s does not take --format", cmd);
		return false;
	}
	if (a->config && !t->config) {
		cli_error("%s does not take --config", cmd);
		return false;
	}
	for (int k = OPT_FRAMEWORK; k <= OPT_RATES; k++)
		if ((a->seen & BIT(k)) && !(t->bits & BIT(k))) {
			for (const struct cli_option *o = qual_opts; o->name; o++)
				if (o->key == k)
					cli_error("%s does not take --%s", cmd, o->name);
			return false;
		}
	return true;
}

static bool json_format(const struct qual_args *a, bool *json)
{
	*json = false;
	if (!a->format || !strcmp(a->format, "text"))
		return true;
	if (!strcmp(a->format, "json")) {
		*json = true;
		return true;
	}
	cli_error("--format wants text or json, not '%s'", a->format);
	return false;
}

/* --help: the command's own options only. */
static void usage_of(const char *u, const char *about, const struct takes *t)
{
	struct cli_option opts[sizeof(qual_opts) / sizeof(*qual_opts)];
	size_t n = 0;
	for (const struct cli_option *o = qual_opts; o->name; o++) {
		bool mine = o->key >= OPT_FRAMEWORK && o->key <= OPT_RATES ? (t->bits & BIT(o->key)) != 0
			    : o->key == 'f'                                  ? t->format
			    : o->key == 'c'                                  ? t->config
									     : true;
		if (mine)
			opts[n++] = *o;
	}
	opts[n] = (struct cli_option){NULL, 0, NULL, NULL};
	cli_usage(stdout, u, about, opts);
}

static void help_evidence(void)
{
	usage_of("leadgate evidence add EMAIL --criterion NAME --status S --confidence X --source SRC "
		 "[--framework F] [--valid-until TIME] [--note TEXT]",
		 "Record one piece of qualification evidence for a contact: a criterion of\n"
		 "BANT, CHAMP or MEDDIC, met, partial or not met, how sure, where it came\n"
		 "from, and until when it holds.  The latest evidence of a criterion that\n"
		 "has not expired is the one that counts (see leadgate qualify).", &takes_evidence);
}
static void help_qualify(void)
{
	usage_of("leadgate qualify EMAIL [--framework F] [--format text|json]",
		 "Show a contact's framework checklist at --now (the latest unexpired\n"
		 "evidence of each criterion) and every condition that still blocks SQL:\n"
		 "a rep's accept (SAL), 3+ high-intent events in 30 days, ICP fit, a\n"
		 "confirmed buying role, the framework, a deliverable fresh address.\n"
		 "SQL is always decided by the configured framework; with --framework\n"
		 "naming another, the output says which one decides and whether it passes.\n"
		 "Exit 0 when nothing blocks, 1 when something does.", &takes_qualify);
}
static void help_decide(void)
{
	usage_of("leadgate decide EMAIL accept|reject|recycle [--reason CODE] [--note TEXT] [--by NAME]",
		 "Record a rep's decision on a lead: accept makes it sales-accepted (SAL),\n"
		 "reject disqualifies it and recycle sends it back to nurture; reject and\n"
		 "recycle need a --reason.  bad_data also sends the contact back to\n"
		 "re-verification: the next leadgate refresh takes it first.  Accepting\n"
		 "a contact that is not eligible (not deliverable, stale, suppressed, a\n"
		 "competitor) is refused with exit 1.", &takes_decide);
}
static void help_report(void)
{
	usage_of("leadgate report rejections [--format text|json]",
		 "Rejection rates of reps' decisions by reason, by list source and by\n"
		 "score band (the score when the decision was made).", &takes_report);
}
static void help_funnel(void)
{
	usage_of("leadgate funnel --customers N [--rates R1,R2,R3,R4]",
		 "Work backward from N customers through the stages: raw leads -> MQL ->\n"
		 "SQL -> opportunity -> customer.  Default rates: 870/2000, 130/870,\n"
		 "36/130, 10/36 (about 2000 raw leads for 10 customers).  Once the store\n"
		 "has the history (100 contacts or more at the start of a step, 30 or\n"
		 "more of them moving on), the observed raw->MQL and MQL->SQL rates are\n"
		 "shown and used too; a rate not observed is marked default (or given),\n"
		 "and the funnel says which step has too few.", &takes_funnel);
}

/* The contact EMAIL names, read with its latest state. */
struct found {
	bool found;
	struct store_lead l;
	char address[512], source[128], stage[32], domain[256];
	struct lead_scored sc;
	struct lead *L;
	bool score;
};

static enum lg_status on_found(void *arg, const struct store_lead *l, struct lg_err *err)
{
	struct found *F = arg;
	F->found = true;
	F->l = *l;
	snprintf(F->address, sizeof(F->address), "%s", l->address);
	snprintf(F->source, sizeof(F->source), "%s", l->source);
	snprintf(F->stage, sizeof(F->stage), "%s", l->stage);
	snprintf(F->domain, sizeof(F->domain), "%s", l->domain);
	F->l.address = F->address;
	F->l.source = F->source;
	F->l.stage = F->stage;
	F->l.domain = F->domain;
	F->l.profile = (struct store_profile){.employees = l->profile.employees};
	/* the profile's strings are only needed for the score, taken now */
	if (F->score)
		return lead_score(F->L, l, &F->sc, false, err);
	return LG_OK;
}

/* Everything the commands on one contact set up. */
struct one {
	struct conf conf;
	struct store *s;
	struct verify_ctx *vctx;
	struct scoring_ctx *sctx;
	struct lead L;
	struct found F;
	int64_t now;
};

static enum lg_status one_open(struct one *O, const struct qual_args *a, const char *email,
			       enum store_mode mode, bool score, struct lg_err *err)
{
	enum lg_status st;
	O->now = cli_now();
	conf_init(&O->conf);
	lead_init(&O->L, NULL, &O->conf, NULL, NULL, O->now);
	if ((st = conf_load(&O->conf, a->config, err)) != LG_OK)
		return st;
	if ((st = scoring_ctx_new(&O->sctx, &O->conf.rubric, err)) != LG_OK)
		return st;
	/* the database must exist (a command on one contact never makes one) */
	if ((st = store_open(&O->s, cli_common.db, mode, err)) != LG_OK)
		return st;
	O->vctx = conf_verify_ctx(&O->conf);
	O->L.store = O->s;
	O->L.vctx = O->vctx;
	O->L.sctx = O->sctx;

	/* the contact's identity: its key (verify_contact_key_of) */
	struct lg_buf key = LG_BUF_INIT;
	verify_contact_key_of(O->vctx, email, strlen(email), &key, NULL);
	O->F.L = &O->L;
	O->F.score = score;
	if (key.len >= 512) /* the store's keys are shorter */
		st = lg_err_set(err, LG_EUSAGE, "'%s': too long for an address", email);
	else
		st = store_leads_each(O->s, 0, key.data ? key.data : "", on_found, &O->F, err);
	lg_buf_release(&key);
	if (st != LG_OK)
		return st;
	if (!O->F.found)
		return lg_err_set(err, LG_ENOINPUT, "%s: no such contact in %s (verify a list that "
				  "holds it first)", email, store_path(O->s));
	return LG_OK;
}

static void one_close(struct one *O)
{
	lead_release(&O->L);
	scoring_ctx_free(O->sctx);
	verify_ctx_free(O->vctx);
	store_close(O->s);
	conf_release(&O->conf);
}

static int finish(enum lg_status st, const struct lg_err *err)
{
	if (st != LG_OK) {
		cli_error("%s", err->msg[0] ? err->msg : lg_strerror(st));
		return lg_exit_code(st);
	}
	return 0;
}

static bool framework_of(const struct qual_args *a, const struct conf *c,
			 enum scoring_framework *f)
{
	*f = c->rubric.framework;
	if (a->framework && !scoring_framework_parse(a->framework, strlen(a->framework), f)) {
		cli_error("--framework wants BANT, CHAMP or MEDDIC, not '%s'", a->framework);
		return false;
	}
	return true;
}

/* ---- evidence add ----------------------------------------------------------- */

int cmd_evidence(int argc, char **argv)
{
	struct qual_args a = {0};
	struct one O = {0};
	struct lg_err err = {{0}};
	enum lg_status st = LG_OK;
	int first;
	int rc = cli_parse(argc, argv, "evidence", qual_opts, help_evidence, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 2 || strcmp(argv[first], "add")) {
		return cli_usage_error("evidence wants 'add EMAIL' (see 'leadgate evidence --help')");
	}
	if (!only(&a, "evidence add", &takes_evidence))
		return CLI_EUSAGE;
	const char *email = argv[first + 1];
	static const char *const need[] = {"criterion", "status", "confidence", "source"};
	const char *have[] = {a.criterion, a.status, a.confidence, a.source};
	for (int i = 0; i < 4; i++)
		if (!have[i]) {
			return cli_usage_error("evidence add needs --%s", need[i]);
		}
	enum scoring_ev_status es;
	if (!lead_ev_status_parse(a.status, &es)) {
		return cli_usage_error("--status wants met, partial or not_met, not '%s'", a.status);
	}
	char *end;
	double conf = strtod(a.confidence, &end);
	if (end == a.confidence || *end || !(conf >= 0 && conf <= 1)) {
		return cli_usage_error("--confidence wants a number from 0 to 1, not '%s'", a.confidence);
	}
	if (strcmp(a.source, "call") && strcmp(a.source, "email") && strcmp(a.source, "form") &&
	    strcmp(a.source, "note")) {
		return cli_usage_error("--source wants call, email, form or note, not '%s'", a.source);
	}
	int64_t until = 0;
	if (a.valid_until && !lg_time_parse(a.valid_until, strlen(a.valid_until), &until)) {
		return cli_usage_error("--valid-until wants a time (RFC 3339), not '%s'", a.valid_until);
	}

	if ((st = one_open(&O, &a, email, STORE_WRITE, false, &err)) != LG_OK)
		goto out;
	enum scoring_framework f;
	if (!framework_of(&a, &O.conf, &f)) {
		one_close(&O);
		return CLI_EUSAGE;
	}
	int c = scoring_criterion_find(f, a.criterion, strlen(a.criterion));
	if (c < 0) {
		unsigned n;
		const char *const *names = scoring_criteria(f, &n);
		struct lg_buf b = LG_BUF_INIT;
		for (unsigned i = 0; i < n; i++)
			lg_buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
		cli_error("--criterion: %s has no criterion '%s' (it has %s)",
			  scoring_framework_name(f), a.criterion, b.data);
		lg_buf_release(&b);
		one_close(&O);
		return CLI_EUSAGE;
	}
	unsigned n;
	struct store_qevidence e = {
		.framework = scoring_framework_name(f),
		.criterion = scoring_criteria(f, &n)[c],
		.status = a.status, .confidence = conf, .source = a.source,
		.at = O.now, .valid_until = until, .note = a.note,
	};
	if ((st = store_begin(O.s, &err)) == LG_OK &&
	    (st = store_qevidence_add(O.s, O.F.l.contact_id, &e, &err)) == LG_OK)
		st = store_commit(O.s, &err);
	if (st != LG_OK)
		store_rollback(O.s);
	else
		fprintf(stderr, "leadgate evidence: %s: %s %s %s (confidence %.2f, %s)\n", O.F.address,
			e.framework, e.criterion, e.status, conf, e.source);
out:
	one_close(&O);
	return finish(st, &err);
}

/* ---- qualify ------------------------------------------------------------------ */

int cmd_qualify(int argc, char **argv)
{
	struct qual_args a = {0};
	struct one O = {0};
	struct lg_err err = {{0}};
	enum lg_status st;
	bool json;
	int first, blocked = 0;
	int rc = cli_parse(argc, argv, "qualify", qual_opts, help_qualify, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1) {
		return cli_usage_error("qualify wants one EMAIL");
	}
	if (!only(&a, "qualify", &takes_qualify) || !json_format(&a, &json))
		return CLI_EUSAGE;
	if ((st = one_open(&O, &a, argv[first], STORE_READ, true, &err)) != LG_OK)
		goto out;
	enum scoring_framework f;
	if (!framework_of(&a, &O.conf, &f)) {
		one_close(&O);
		return CLI_EUSAGE;
	}
	const struct scoring_rubric *rb = &O.conf.rubric;
	/* cl: the checklist shown; sq: the one SQL needs (the configured
	 * framework's), the same unless --framework names another */
	struct scoring_checklist cl, sq;
	if ((st = lead_checklist(&O.L, O.F.l.contact_id, f, &cl, &err)) != LG_OK)
		goto out;
	if (f == rb->framework)
		sq = cl;
	else if ((st = lead_checklist(&O.L, O.F.l.contact_id, rb->framework, &sq, &err)) != LG_OK)
		goto out;
	const struct scoring_result *r = &O.F.sc.r;
	unsigned n;
	const char *const *names = scoring_criteria(f, &n);
	static const char *const stname[] = {"not_met", "partial", "met"};

	/* what SQL needs, each with whether it holds */
	char hi[96], stage_need[96];
	snprintf(hi, sizeof(hi), "%u or more high-intent events in %lld days (%u)", rb->sql_events,
		 (long long)(rb->sql_window / SCORING_DAY), r->hi_events);
	/* the stage as recorded: score records the moves qualify only foresees */
	enum scoring_stage stage = O.F.sc.was;
	snprintf(stage_need, sizeof(stage_need), "accepted by a rep (stage %s)",
		 scoring_stage_name(stage));
	char fw_need[160];
	snprintf(fw_need, sizeof(fw_need), "%s passes%s%s", scoring_framework_name(rb->framework),
		 sq.pass || !sq.blocking ? "" : ": ", sq.pass || !sq.blocking ? "" : sq.blocking);
	const struct {
		const char *what;
		bool ok;
	} need[] = {
		{stage_need, stage == SCORING_SAL || stage == SCORING_SQL},
		{"eligible: deliverable, fresh, not suppressed, not a competitor", r->eligible},
		{"ICP fit", r->icp},
		{hi, r->hi_events >= rb->sql_events},
		{"a confirmed buying role", sq.buying_role},
		{fw_need, sq.pass},
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++)
		blocked += !need[i].ok;
	if (stage == SCORING_SQL)
		blocked = 0;

	if (json) {
		fputs("{\"email\":", stdout);
		cli_json_quote(stdout, O.F.address);
		printf(",\"stage\":\"%s\",\"total\":%.2f,\"framework\":\"%s\",\"criteria\":[",
		       scoring_stage_name(stage), lead_cents(r->total), scoring_framework_name(f));
		for (unsigned i = 0; i < n; i++)
			printf("%s{\"criterion\":\"%s\",\"status\":%s%s%s,\"met\":%s}", i ? "," : "",
			       names[i], cl.status[i] < 0 ? "" : "\"",
			       cl.status[i] < 0 ? "null" : stname[cl.status[i]],
			       cl.status[i] < 0 ? "" : "\"", cl.met[i] ? "true" : "false");
		printf("],\"passes\":%s,\"sql_framework\":\"%s\",\"sql_framework_passes\":%s,"
		       "\"buying_role\":%s,\"sql_ready\":%s,\"blocking\":[",
		       cl.pass ? "true" : "false", scoring_framework_name(rb->framework),
		       sq.pass ? "true" : "false", sq.buying_role ? "true" : "false",
		       blocked ? "false" : "true");
		int k = 0;
		for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++)
			if (!need[i].ok && stage != SCORING_SQL)
				printf("%s\"%s\"", k++ ? "," : "", need[i].what);
		printf("]}\n");
	} else {
		printf("%s: stage %s, total %.2f (grade %s)\n%s checklist:\n", O.F.address,
		       scoring_stage_name(stage), lead_cents(r->total), r->grade, scoring_framework_name(f));
		for (unsigned i = 0; i < n; i++)
			printf("  [%c] %-18s %s\n", cl.met[i] ? 'x' : ' ', names[i],
			       cl.status[i] < 0 ? "no evidence" : stname[cl.status[i]]);
		printf("  %s %s (%u of %u met)\n", scoring_framework_name(f),
		       cl.pass ? "passes" : "does not pass", cl.n_met, cl.n);
		/* another framework's checklist says nothing of SQL: name the one
		 * that decides it, so that "does not pass" above and "nothing
		 * blocks SQL" below do not read as a contradiction */
		if (f != rb->framework)
			printf("SQL is decided by %s (the configured framework), which %s (%u of %u "
			       "met).\n", scoring_framework_name(rb->framework),
			       sq.pass ? "passes" : "does not pass", sq.n_met, sq.n);
		if (stage == SCORING_SQL)
			printf("SQL already.\n");
		else if (!blocked)
			printf("Nothing blocks SQL: the next leadgate score moves it.\n");
		else {
			printf("Blocking SQL:\n");
			for (size_t i = 0; i < sizeof(need) / sizeof(*need); i++)
				if (!need[i].ok)
					printf("  - %s\n", need[i].what);
		}
	}
out:
	one_close(&O);
	if (st == LG_OK && blocked)
		return 1;
	return finish(st, &err);
}

/* ---- decide -------------------------------------------------------------------- */

static const char *const reasons[] = {
	"bad_data", "not_decision_maker", "no_budget", "no_need", "bad_timing", "competitor",
	"student_or_personal", "existing_customer", "duplicate", "other",
};
#define N_REASONS (sizeof(reasons) / sizeof(*reasons))

int cmd_decide(int argc, char **argv)
{
	struct qual_args a = {0};
	struct one O = {0};
	struct lg_err err = {{0}};
	enum lg_status st;
	int first;
	int rc = cli_parse(argc, argv, "decide", qual_opts, help_decide, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 2) {
		return cli_usage_error("decide wants EMAIL and accept, reject or recycle");
	}
	if (!only(&a, "decide", &takes_decide))
		return CLI_EUSAGE;
	const char *what = argv[first + 1];
	enum scoring_stage to;
	if (!strcmp(what, "accept"))
		to = SCORING_SAL;
	else if (!strcmp(what, "reject"))
		to = SCORING_DISQUALIFIED;
	else if (!strcmp(what, "recycle"))
		to = SCORING_RECYCLED;
	else {
		return cli_usage_error("decide wants accept, reject or recycle, not '%s'", what);
	}
	if (!a.reason && to != SCORING_SAL) {
		return cli_usage_error("decide %s needs --reason (one of bad_data, not_decision_maker, no_budget, "
			  "no_need, bad_timing, competitor, student_or_personal, existing_customer, "
			  "duplicate, other)", what);
	}
	if (a.reason) {
		size_t i;
		for (i = 0; i < N_REASONS && strcmp(reasons[i], a.reason); i++)
			;
		if (i == N_REASONS) {
			return cli_usage_error("--reason: unknown code '%s' (see 'leadgate decide --help')", a.reason);
		}
	}
	const char *by = a.by ? a.by : getenv("USER");
	if (!by || !*by)
		by = "rep";
	if (!strcmp(by, "auto")) {
		cli_error("--by: 'auto' names the automatic moves; give a person's name");
		return CLI_EUSAGE;
	}

	if ((st = one_open(&O, &a, argv[first], STORE_WRITE, true, &err)) != LG_OK)
		goto out;
	const struct scoring_result *r = &O.F.sc.r;
	enum scoring_stage from = O.F.sc.was;
	if (to == SCORING_SAL && !r->eligible) {
		cli_error("%s: not accepted: the contact is not eligible (%s, %s%s%s); re-verify it "
			  "first", O.F.address, verify_status_name(O.F.l.status),
			  decay_class_name(r->freshness), O.F.l.suppressed ? ", suppressed" : "",
			  r->competitor ? ", a competitor" : "");
		one_close(&O);
		return 1;
	}
	bool bad_data = a.reason && !strcmp(a.reason, "bad_data");
	bool move = !(from == to || (to == SCORING_SAL && from == SCORING_SQL));
	char why[128];
	snprintf(why, sizeof(why), "rep decision: %s%s%s", what, a.reason ? ", " : "",
		 a.reason ? a.reason : "");
	struct store_move m = {
		.from = scoring_stage_name(from), .to = scoring_stage_name(to), .at = O.now,
		.why = why, .score = r->total, .who = by, .reason = a.reason, .note = a.note,
	};
	bool moved = false;
	st = store_begin(O.s, &err);
	if (st == LG_OK && move &&
	    (st = store_move_add(O.s, O.F.l.contact_id, &m, &moved, &err)) == LG_OK && !moved)
		st = lg_err_set(&err, LG_ETEMP, "%s: its stage changed while deciding (another "
				"leadgate moved it); nothing recorded, decide again", O.F.address);
	/* bad data is sent back to re-verification, moved or not */
	if (st == LG_OK && bad_data)
		st = store_reverify_request(O.s, O.F.l.contact_id, O.now, "bad_data", &err);
	if (st == LG_OK)
		st = store_commit(O.s, &err);
	if (st != LG_OK) {
		store_rollback(O.s);
	} else {
		if (move)
			fprintf(stderr, "leadgate decide: %s: %s -> %s (score %.2f, by %s)\n",
				O.F.address, m.from, m.to, lead_cents(r->total), by);
		else
			fprintf(stderr, "leadgate decide: %s is %s already; no move recorded\n",
				O.F.address, scoring_stage_name(from));
		if (bad_data)
			fprintf(stderr, "leadgate decide: %s: sent back to re-verification (the next "
				"refresh takes it first)\n", O.F.address);
	}
out:
	one_close(&O);
	return finish(st, &err);
}

/* ---- report rejections ------------------------------------------------------------ */

#define BANDS 4
static const char *const band_name[BANDS] = {"below 60", "60-79", "80-99", "100 and more"};
static int band_of(double score)
{
	return score < 60 ? 0 : score < 80 ? 1 : score < 100 ? 2 : 3;
}

#define SOURCES_MAX 64 /* list sources reported one by one; the rest as "(other)" */

struct tally {
	struct {
		char name[64];
		unsigned long decisions, rejections;
	} src[SOURCES_MAX];
	unsigned nsrc;
	unsigned long reason[N_REASONS];
	unsigned long band[BANDS][2];
	unsigned long decisions, rejections;
};

static enum lg_status on_move(void *arg, const struct store_move *m, struct lg_err *err)
{
	struct tally *T = arg;
	(void)err;
	if (!strcmp(m->who, "auto"))
		return LG_OK; /* only reps' decisions */
	bool rejected = !strcmp(m->to, "disqualified");
	const char *src = *m->source ? m->source : "(none)";
	unsigned i;
	for (i = 0; i < T->nsrc && strcmp(T->src[i].name, src); i++)
		;
	if (i == T->nsrc && T->nsrc == SOURCES_MAX - 1) {
		/* the last slot gathers the sources past the first SOURCES_MAX - 1 */
		src = "(other)";
		for (i = 0; i < T->nsrc && strcmp(T->src[i].name, src); i++)
			;
	}
	if (i == T->nsrc)
		snprintf(T->src[T->nsrc++].name, sizeof(T->src[i].name), "%s", src);
	T->src[i].decisions++;
	T->src[i].rejections += rejected;
	int b = band_of(m->score);
	T->band[b][0]++;
	T->band[b][1] += rejected;
	T->decisions++;
	if (rejected) {
		T->rejections++;
		for (size_t k = 0; k < N_REASONS; k++)
			if (m->reason && !strcmp(m->reason, reasons[k]))
				T->reason[k]++;
	}
	return LG_OK;
}

static double rate(unsigned long k, unsigned long n)
{
	return n ? 100.0 * (double)k / (double)n : 0;
}

int cmd_report(int argc, char **argv)
{
	struct qual_args a = {0};
	struct lg_err err = {{0}};
	struct store *s = NULL;
	struct tally T = {0};
	enum lg_status st;
	bool json;
	int first;
	int rc = cli_parse(argc, argv, "report", qual_opts, help_report, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1 || strcmp(argv[first], "rejections")) {
		return cli_usage_error("report wants 'rejections'");
	}
	if (!only(&a, "report", &takes_report) || !json_format(&a, &json))
		return CLI_EUSAGE;
	st = store_open(&s, cli_common.db, STORE_READ, &err);
	if (st == LG_OK)
		st = store_moves_each(s, 0, on_move, &T, &err);
	if (st != LG_OK)
		goto out;
	if (json) {
		printf("{\"decisions\":%lu,\"rejections\":%lu,\"by_reason\":{", T.decisions,
		       T.rejections);
		for (size_t i = 0; i < N_REASONS; i++)
			printf("%s\"%s\":%lu", i ? "," : "", reasons[i], T.reason[i]);
		printf("},\"by_source\":{");
		for (unsigned i = 0; i < T.nsrc; i++)
			printf("%s\"%s\":{\"decisions\":%lu,\"rejections\":%lu}", i ? "," : "",
			       T.src[i].name, T.src[i].decisions, T.src[i].rejections);
		printf("},\"by_band\":{");
		for (int b = 0; b < BANDS; b++)
			printf("%s\"%s\":{\"decisions\":%lu,\"rejections\":%lu}", b ? "," : "",
			       band_name[b], T.band[b][0], T.band[b][1]);
		printf("}}\n");
	} else {
		printf("rep decisions: %lu, rejections: %lu (%.1f %%)\n", T.decisions, T.rejections,
		       rate(T.rejections, T.decisions));
		printf("\nby reason (share of rejections):\n");
		for (size_t i = 0; i < N_REASONS; i++)
			if (T.reason[i])
				printf("  %-20s %6lu  %5.1f %%\n", reasons[i], T.reason[i],
				       rate(T.reason[i], T.rejections));
		printf("\nby list source (rejected of decided):\n");
		for (unsigned i = 0; i < T.nsrc; i++)
			printf("  %-20s %6lu of %6lu  %5.1f %%\n", T.src[i].name, T.src[i].rejections,
			       T.src[i].decisions, rate(T.src[i].rejections, T.src[i].decisions));
		printf("\nby score band (rejected of decided):\n");
		for (int b = 0; b < BANDS; b++)
			printf("  %-20s %6lu of %6lu  %5.1f %%\n", band_name[b], T.band[b][1],
			       T.band[b][0], rate(T.band[b][1], T.band[b][0]));
	}
out:
	store_close(s);
	return finish(st, &err);
}

/* Print a table line without the padding of its last column; empty it. */
static void print_trimmed(struct lg_buf *b)
{
	size_t n = b->len;
	while (n && b->data[n - 1] == ' ')
		n--;
	printf("%.*s\n", (int)n, b->data);
	lg_buf_reset(b);
}

/* ---- funnel ---------------------------------------------------------------------- */

int cmd_funnel(int argc, char **argv)
{
	struct qual_args a = {0};
	int first;
	long customers;
	double r[SCORING_FUNNEL_STEPS];
	unsigned long need[SCORING_FUNNEL_STEPS + 1];
	int rc = cli_parse(argc, argv, "funnel", qual_opts, help_funnel, on_opt, &a, &first);
	if (rc >= 0)
		return rc;
	if (first < argc) {
		return cli_usage_error("funnel takes no operand ('%s')", argv[first]);
	}
	if (!only(&a, "funnel", &takes_funnel))
		return CLI_EUSAGE;
	if (!a.customers) {
		return cli_usage_error("funnel needs --customers N");
	}
	if (!cli_number_arg("--customers", a.customers, 1, 100000000, &customers))
		return CLI_EUSAGE;
	scoring_funnel_default(r);
	if (a.rates) {
		const char *p = a.rates;
		for (int i = 0; i < SCORING_FUNNEL_STEPS; i++) {
			char *end;
			double v = strtod(p, &end);
			if (end == p || !(v > 0 && v <= 1) ||
			    (i < SCORING_FUNNEL_STEPS - 1 ? *end != ',' : *end != '\0')) {
				return cli_usage_error("--rates wants four rates in (0, 1] separated by commas, "
					  "not '%s'", a.rates);
			}
			r[i] = v;
			p = end + 1;
		}
	}
	scoring_funnel((unsigned long)customers, r, need);

	/* The store's history, when there is one.  It records two steps, raw
	 * -> MQL and MQL -> SQL; each one's observed rate is used only from a
	 * sample big enough (scoring_funnel_observed()), and every rate not
	 * observed is marked as the default or given one it is. */
	struct store *s = NULL;
	struct lg_err err = {{0}};
	struct store_funnel fc = {0};
	double obs[SCORING_FUNNEL_STEPS];
	bool have_hist = false, have_obs = false, obs_used[SCORING_FUNNEL_STEPS] = {false};
	unsigned long obs_need[SCORING_FUNNEL_STEPS + 1];
	memcpy(obs, r, sizeof(obs));
	if (store_open(&s, cli_common.db, STORE_READ, &err) == LG_OK &&
	    store_funnel_counts(s, &fc, &err) == LG_OK)
		have_hist = fc.contacts > 0;
	store_close(s);
	/* step i: start[i] contacts reached its earlier stage, moved[i] its later */
	const unsigned long start[2] = {fc.contacts, fc.mql}, moved[2] = {fc.mql, fc.sql};
	for (int i = 0; have_hist && i < 2; i++)
		if (scoring_funnel_observed(start[i], moved[i], &obs[i]))
			obs_used[i] = have_obs = true;
	if (have_obs)
		scoring_funnel((unsigned long)customers, obs, obs_need);

	static const char *const stage[] = {"raw leads", "MQL", "SQL", "opportunities", "customers"};
	const char *unobserved = a.rates ? "given" : "default";
	struct lg_buf line = LG_BUF_INIT;
	lg_buf_addf(&line, "%-14s %10s  %-10s", "stage", "needed", "rate");
	if (have_obs)
		lg_buf_addf(&line, "  %10s  %s", "observed", "rate");
	print_trimmed(&line);
	for (int i = 0; i <= SCORING_FUNNEL_STEPS; i++) {
		char rt[16] = "";
		if (i < SCORING_FUNNEL_STEPS)
			snprintf(rt, sizeof(rt), "%.1f %%", 100 * r[i]);
		lg_buf_addf(&line, "%-14s %10lu  %-10s", stage[i], need[i], rt);
		if (have_obs) {
			lg_buf_addf(&line, "  %10lu", obs_need[i]);
			if (i < SCORING_FUNNEL_STEPS)
				lg_buf_addf(&line, "  %.1f %% %s", 100 * obs[i],
					    obs_used[i] ? "observed" : unobserved);
		}
		print_trimmed(&line);
	}
	lg_buf_release(&line);
	if (have_hist) {
		static const char *const step[2] = {"raw -> MQL", "MQL -> SQL"};
		static const char *const reached[2] = {"reached MQL or beyond", "reached SQL"};
		printf("observed: %lu contacts, %lu reached MQL or beyond, %lu reached SQL\n",
		       fc.contacts, fc.mql, fc.sql);
		for (int i = 0; i < 2; i++)
			if (!obs_used[i])
				printf("%s: too few to observe (%lu of %lu %s; it takes %d, %d of them "
				       "moving on): the %s rate is used\n", step[i], moved[i], start[i],
				       reached[i], SCORING_FUNNEL_START_MIN, SCORING_FUNNEL_MOVED_MIN,
				       unobserved);
	}
	return 0;
}
