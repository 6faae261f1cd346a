/*
 * list.c - a list as the store holds it, weighed through the gate: what
 * `lists`, `gate`, `export`, `verify --list` and the service all need to
 * agree on.
 *
 * A blocked list is also told its way out, in figures: which records to
 * leave out or re-verify, and what the predicted rate would then be.
 * Those figures are the gate's own decision (verify_gate_decide and the
 * searches of verify/gate.c built on it) on the records the change would
 * leave, gathered in the same scan of the members as the decision itself.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "decay/decay.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

bool list_member_exportable(const struct store_member *m, const struct decay_policy *dp,
			    int64_t now, bool include_risky)
{
	if (m->suppressed != STORE_SUPPRESS_NONE || (m->flags & VERIFY_F_DISPOSABLE))
		return false;
	if (m->status != VERIFY_DELIVERABLE && !(include_risky && m->status == VERIFY_RISKY))
		return false;
	/* Fresh or aging: a stale verdict must be re-verified first. */
	return decay_classify(dp, now - m->verified_at) != DECAY_STALE;
}

/* The classes of records the way out weighs apart: deliverable ones, and
 * risky ones, which --include-risky lets through. */
enum { DELIV, RISKY, CLASSES };

struct eval_ctx {
	const struct conf *conf;
	struct decay_policy dp;
	int64_t now;
	struct list_eval *e;
	double whole_sum;
	int64_t last_age;     /* a list verified in one run shares few ages: */
	double last_survival; /* the last one's survival, computed once */

	/*
	 * For the way out, the records that may be sent but for their age,
	 * by class and by the day `refresh --older-than` takes them from: a
	 * record verified `age` seconds ago is re-verified by --older-than
	 * Nd for every N <= (age - 1) / DAY.  The last day holds every older
	 * record (every stale one).  See verify_gate_refresh_days.
	 */
	size_t ndays;
	struct verify_gate_input *keep[CLASSES];  /* as they are, by day (not stale ones) */
	struct verify_gate_input *fresh[CLASSES]; /* re-verified now, by day */
	struct verify_gate_input never[CLASSES];  /* verified now: no refresh takes them */
	struct verify_gate_input asis[CLASSES];   /* every one that may be sent as it is */
	unsigned long *due;    /* contacts refresh --older-than Nd re-verifies, by day N */
	unsigned long unknown; /* unknown verdicts, not suppressed */
	size_t unknown_day;    /* the day of the youngest of them */
	double p_now[CLASSES]; /* a record's p re-verified now, by class */
};

static enum lg_status eval_member(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct eval_ctx *x = arg;
	struct list_eval *e = x->e;
	int64_t age = x->now - m->verified_at;
	if (age != x->last_age) {
		x->last_age = age;
		x->last_survival = decay_survival(&x->dp, age);
	}
	const struct verify_gate_policy *g = &x->conf->gate;
	double p = verify_gate_member_p(g, m->status, m->flags, m->smtp_confirmed, x->last_survival);
	enum decay_class fresh = decay_classify(&x->dp, age);
	bool suppressed = m->suppressed != STORE_SUPPRESS_NONE;

	(void)err;
	e->members++;
	e->by_status[m->status < VERIFY_STATUS_COUNT ? m->status : VERIFY_UNKNOWN]++;
	e->by_fresh[fresh]++;
	if (suppressed)
		e->suppressed++;
	x->whole_sum += p;
	if (list_member_exportable(m, &x->dp, x->now, e->include_risky)) {
		e->exportable++;
		verify_gate_add(&e->in, p);
	}

	/* The way out's figures.  What a refresh takes is what its plan
	 * takes: verified_at < now - N days, never a suppressed contact. */
	bool dated = age > 0;
	size_t day = dated ? (size_t)((age - 1) / DAY) : 0;
	if (day >= x->ndays)
		day = x->ndays - 1;
	if (dated && !suppressed)
		x->due[day]++;
	/* One verified this very second is taken by no refresh yet, but will
	 * be by --older-than 0d a second later. */
	if (!suppressed && m->status == VERIFY_UNKNOWN) {
		if (!x->unknown || day < x->unknown_day)
			x->unknown_day = day;
		x->unknown++;
	}
	int cls = m->status == VERIFY_DELIVERABLE ? DELIV : m->status == VERIFY_RISKY ? RISKY : -1;
	if (cls < 0 || suppressed || (m->flags & VERIFY_F_DISPOSABLE))
		return LG_OK;
	if (fresh != DECAY_STALE) {
		verify_gate_add(dated ? &x->keep[cls][day] : &x->never[cls], p);
		verify_gate_add(&x->asis[cls], p);
	}
	/* Re-verified now, with the status it has: a good guess, and the
	 * only one that does not invent figures. */
	if (dated)
		verify_gate_add(&x->fresh[cls][day], x->p_now[cls]);
	return LG_OK;
}

/* never + keep[0 .. n) + fresh[n .. ndays) of the classes in mask: what
 * export would weigh after refresh --older-than n days. */
static void after_refresh(const struct eval_ctx *x, unsigned mask, size_t n,
			  struct verify_gate_input *in)
{
	memset(in, 0, sizeof(*in));
	for (int c = 0; c < CLASSES; c++) {
		if (!(mask & (1u << c)))
			continue;
		verify_gate_merge(in, &x->never[c]);
		for (size_t d = 0; d < x->ndays; d++)
			verify_gate_merge(in, d < n ? &x->keep[c][d] : &x->fresh[c][d]);
	}
}

/* The contacts refresh --older-than n days would re-verify. */
static unsigned long due_from(const struct eval_ctx *x, size_t n)
{
	unsigned long k = 0;
	for (size_t d = n; d < x->ndays; d++)
		k += x->due[d];
	return k;
}

/*
 * The way out of a list blocked by its predicted part or by having
 * nothing to send, cheapest first: leave the risky records out; re-verify
 * the fewest records; both; and when nothing passes, say how far it is.
 */
static void find_fix(const struct eval_ctx *x, const struct store_list_info *li, struct list_eval *e)
{
	const struct verify_gate_policy *g = &x->conf->gate;
	struct list_fix_predicted *f = &e->fix;
	struct verify_gate_input all; /* everything re-verified */
	struct verify_gate_decision all_d;
	unsigned classes = e->include_risky ? 1u << DELIV | 1u << RISKY : 1u << DELIV;

	memset(f, 0, sizeof(*f));
	f->days = -1;
	if (!(e->gate.why & (VERIFY_GATE_PREDICTED | VERIFY_GATE_EMPTY)))
		return;
	if (!li->version_run) {
		f->kind = LIST_FIX_VERIFY;
		return;
	}
	if (e->include_risky && x->asis[RISKY].candidates && x->asis[DELIV].candidates) {
		f->in = x->asis[DELIV];
		verify_gate_decide(g, &f->in, &f->after);
		if (!f->after.blocked) {
			f->kind = LIST_FIX_NO_RISKY;
			f->risky = x->asis[RISKY].candidates;
			return;
		}
	}
	/* With the records it weighs now, then (with --include-risky)
	 * without the risky ones. */
	for (int pass = 0; pass < (e->include_risky ? 2 : 1); pass++) {
		unsigned mask = pass ? 1u << DELIV : classes;
		struct verify_gate_input never, *keep = lg_xcalloc(x->ndays, sizeof(*keep)),
						*fresh = lg_xcalloc(x->ndays, sizeof(*fresh));
		struct verify_gate_input in;
		struct verify_gate_decision d;
		memset(&never, 0, sizeof(never));
		for (int c = 0; c < CLASSES; c++) {
			if (!(mask & (1u << c)))
				continue;
			verify_gate_merge(&never, &x->never[c]);
			for (size_t i = 0; i < x->ndays; i++) {
				verify_gate_merge(&keep[i], &x->keep[c][i]);
				verify_gate_merge(&fresh[i], &x->fresh[c][i]);
			}
		}
		int n = verify_gate_refresh_days(g, &never, keep, fresh, x->ndays, &in, &d);
		free(keep);
		free(fresh);
		if (n >= 0) {
			f->kind = pass ? LIST_FIX_REFRESH_NO_RISKY : LIST_FIX_REFRESH;
			f->days = n;
			f->refresh = due_from(x, (size_t)n);
			f->in = in;
			f->after = d;
			if (pass) {
				struct verify_gate_input r;
				after_refresh(x, 1u << RISKY, (size_t)n, &r);
				f->risky = r.candidates;
			}
			return;
		}
		if (!pass) {
			all = in;
			all_d = d;
		}
	}
	if (!all.candidates) {
		if (x->unknown) {
			f->kind = LIST_FIX_UNKNOWN;
			f->days = (int)x->unknown_day;
			f->refresh = due_from(x, x->unknown_day);
			if (f->refresh < x->unknown)
				f->refresh = x->unknown;
			f->unknown = x->unknown;
		} else {
			f->kind = LIST_FIX_NOTHING;
		}
		return;
	}
	f->kind = LIST_FIX_TOO_FEW;
	f->in = all;
	f->after = all_d;
	f->min_records = verify_gate_min_records(g, &all);
	if (e->in.candidates) {
		f->passes_at = e->gate.predicted_upper;
	} else {
		f->passes_at = all_d.predicted_upper;
		f->days = 0;
		f->refresh = due_from(x, 0);
	}
}

enum lg_status list_evaluate(struct store *s, const struct conf *c,
			     const struct store_list_info *li, int64_t now, bool include_risky,
			     struct list_eval *out, struct lg_err *err)
{
	struct eval_ctx x = {.conf = c, .now = now, .e = out, .last_age = INT64_MIN};
	enum lg_status st = LG_OK;

	memset(out, 0, sizeof(*out));
	out->include_risky = include_risky;
	conf_decay_policy(c, li->source, &x.dp);
	/* Days 0 .. stale_days: --older-than stale_days takes the stale ones. */
	x.ndays = (size_t)((x.dp.stale_after + DAY - 1) / DAY) + 1;
	for (int i = 0; i < CLASSES; i++) {
		x.keep[i] = lg_xcalloc(x.ndays, sizeof(*x.keep[i]));
		x.fresh[i] = lg_xcalloc(x.ndays, sizeof(*x.fresh[i]));
	}
	x.due = lg_xcalloc(x.ndays, sizeof(*x.due));
	x.p_now[DELIV] = verify_gate_record_p(&c->gate, VERIFY_DELIVERABLE,
					      decay_survival(&x.dp, 0));
	x.p_now[RISKY] = verify_gate_record_p(&c->gate, VERIFY_RISKY, decay_survival(&x.dp, 0));
	if (li->version_run)
		st = store_members_each(s, li, false, eval_member, &x, err);
	if (st == LG_OK) {
		out->whole_predicted = out->members ? x.whole_sum / (double)out->members : 0;
		/* The observed part: what the current version sent (see
		 * store_list_info's window). */
		out->in.exported = li->window_exported;
		out->in.hard_bounces = li->window_hard_bounced;
		verify_gate_decide(&c->gate, &out->in, &out->gate);
		find_fix(&x, li, out);
	}
	for (int i = 0; i < CLASSES; i++) {
		free(x.keep[i]);
		free(x.fresh[i]);
	}
	free(x.due);
	return st;
}

/* ---- the verdict kept, and its change told (list.gate_changed) ---- */

/* The gate's reasons as words ("empty", "predicted", "observed"), the
 * order of `gate --format json`'s why. */
static void why_words(unsigned why, struct lg_buf *b, json_t *a)
{
	static const struct {
		unsigned bit;
		const char *name;
	} words[] = {{VERIFY_GATE_EMPTY, "empty"},
		     {VERIFY_GATE_PREDICTED, "predicted"},
		     {VERIFY_GATE_OBSERVED, "observed"}};
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (why & words[i].bit) {
			lg_buf_addf(b, "%s%s", b->len ? "," : "", words[i].name);
			json_array_append_new(a, json_string(words[i].name));
		}
}

enum lg_status list_gate_note(struct store *s, const struct conf *c,
			      const struct store_list_info *li, const struct list_eval *e,
			      int64_t now, bool *told, struct lg_err *err)
{
	const struct verify_gate_decision *d = &e->gate;
	struct lg_buf words = LG_BUF_INIT, was_words = LG_BUF_INIT;
	json_t *reasons = json_array();
	int was = -1;
	bool tell = false;
	*told = false;
	why_words(d->why, &words, reasons);
	enum lg_status st = store_list_gate_get(s, li->name, &was, &was_words, err);
	if (st == LG_OK)
		st = store_list_gate_put(s, li->name, d->blocked, words.len ? words.data : NULL,
					 now, err);
	/* a change either way; a list weighed for the first time is told
	 * only when it is blocked (passing is what a list is assumed to do) */
	tell = st == LG_OK && c->handoff.events &&
	       (was < 0 ? d->blocked : (was != 0) != d->blocked);
	if (tell) {
		json_t *data = json_object();
		json_object_set_new(data, "list", json_string(li->name));
		json_object_set_new(data, "blocked", json_boolean(d->blocked));
		json_object_set_new(data, "was_blocked", was < 0 ? json_null() : json_boolean(was));
		json_object_set_new(data, "reasons", json_incref(reasons));
		json_object_set_new(data, "was_reasons",
				    was < 0 ? json_null()
					    : json_string(was_words.len ? was_words.data : ""));
		json_object_set_new(data, "threshold", json_real(c->gate.threshold));
		json_object_set_new(data, "predicted", json_real(d->predicted));
		json_object_set_new(data, "predicted_upper", json_real(d->predicted_upper));
		json_object_set_new(data, "candidates", json_integer((json_int_t)e->in.candidates));
		json_object_set_new(data, "observed", json_real(d->observed));
		json_object_set_new(data, "observed_lower", json_real(d->observed_lower));
		json_object_set_new(data, "observed_counts", json_boolean(d->observed_counts));
		json_object_set_new(data, "exported", json_integer((json_int_t)e->in.exported));
		json_object_set_new(data, "hard_bounces",
				    json_integer((json_int_t)e->in.hard_bounces));
		json_object_set_new(data, "members", json_integer((json_int_t)e->members));
		st = job_handoff_event(s, "list.gate_changed", ROUTE_TARGET_EVENTS,
				       c->handoff.events, data, now, err);
		*told = st == LG_OK;
	}
	json_decref(reasons);
	lg_buf_release(&words);
	lg_buf_release(&was_words);
	return st;
}

enum lg_status list_gate_check(struct store *s, const struct conf *c, const char *name, int64_t now,
			       bool *told, struct lg_err *err)
{
	struct store_list_info li;
	struct list_eval e;
	*told = false;
	enum lg_status st = store_list_get(s, name, &li, err);
	if (st == LG_OK)
		st = list_evaluate(s, c, &li, now, false, &e, err);
	if (st == LG_OK)
		st = list_gate_note(s, c, &li, &e, now, told, err);
	return st;
}

enum lg_status list_gates_check(struct store *s, const struct conf *c, const char *names, size_t n,
				int64_t now, unsigned long *changed, struct lg_err *err)
{
	if (!c->handoff.events || !n)
		return LG_OK;
	enum lg_status st = store_begin(s, err);
	for (size_t at = 0; at < n && st == LG_OK;) {
		const char *name = names + at;
		bool told;
		st = list_gate_check(s, c, name, now, &told, err);
		if (st == LG_ENOINPUT) { /* dropped since: nothing to weigh */
			*err = (struct lg_err){{0}};
			st = LG_OK;
		}
		*changed += told;
		at += strlen(name) + 1;
	}
	if (st == LG_OK)
		return store_commit(s, err);
	store_rollback(s);
	return st;
}

/* Append s to b as one shell word: as it is when nothing in it needs
 * quoting, else in single quotes. */
static void sh_word(struct lg_buf *b, const char *s)
{
	bool plain = *s != '\0' && *s != '-';
	for (const char *p = s; *p && plain; p++)
		plain = lg_ascii_is_alpha((unsigned char)*p) ||
			lg_ascii_is_digit((unsigned char)*p) || strchr("_-./:@%+,=", *p);
	if (plain) {
		lg_buf_adds(b, s);
		return;
	}
	lg_buf_addc(b, '\'');
	for (const char *p = s; *p; p++)
		if (*p == '\'')
			lg_buf_adds(b, "'\\''");
		else
			lg_buf_addc(b, *p);
	lg_buf_addc(b, '\'');
}

/* What to verify the list from again: the input it was verified from,
 * unless that was standard input. */
static void input_word(struct lg_buf *b, const struct store_list_info *li)
{
	if (li->input[0] && strcmp(li->input, "<stdin>"))
		sh_word(b, li->input);
	else
		lg_buf_adds(b, "FILE");
}

/* The smallest threshold, in hundredths of a percent, that upper passes. */
static double pct_up(double upper)
{
	return ceil(upper * 10000 - 1e-9) / 100;
}

static void refresh_cmd(struct lg_buf *b, const struct store_list_info *li, int days,
			unsigned long n)
{
	lg_buf_adds(b, "leadgate refresh --list ");
	sh_word(b, li->name);
	lg_buf_addf(b, " --older-than %dd", days);
	if (n > LIST_REFRESH_BUDGET)
		lg_buf_addf(b, " --budget %lu", n);
}

static void list_cmd(struct lg_buf *b, const char *cmd, const struct store_list_info *li)
{
	lg_buf_addf(b, "leadgate %s ", cmd);
	sh_word(b, li->name);
}

void list_way_out(const struct conf *c, const struct store_list_info *li, const struct list_eval *e,
		  unsigned why, struct lg_buf *advice, struct lg_buf *command)
{
	const struct list_fix_predicted *f = &e->fix;
	double thr = c->gate.threshold * 100;
	bool empty = e->gate.why & VERIFY_GATE_EMPTY;

	lg_buf_reset(advice);
	lg_buf_reset(command);
	if (!(e->gate.why & why))
		return;
	if (why == VERIFY_GATE_OBSERVED) {
		lg_buf_addf(advice,
			    "the %lu that bounced are suppressed, and verifying the list "
			    "again starts a new observation window",
			    e->in.hard_bounces);
		list_cmd(command, "verify --list", li);
		lg_buf_addc(command, ' ');
		input_word(command, li);
		return;
	}
	switch (f->kind) {
	case LIST_FIX_NONE: break;
	case LIST_FIX_VERIFY:
		lg_buf_adds(advice, "the list has no complete version yet");
		list_cmd(command, "verify --list", li);
		lg_buf_addc(command, ' ');
		input_word(command, li);
		break;
	case LIST_FIX_NO_RISKY:
		lg_buf_addf(advice,
			    "leaving out its %lu risky records (no --include-risky) would give "
			    "%.2f%% (bound %.2f%%)",
			    f->risky, f->after.predicted * 100, f->after.predicted_upper * 100);
		lg_buf_adds(command, "leadgate export --for-sequence ");
		sh_word(command, li->name);
		break;
	case LIST_FIX_REFRESH:
	case LIST_FIX_REFRESH_NO_RISKY:
		if (f->kind == LIST_FIX_REFRESH_NO_RISKY)
			lg_buf_addf(advice,
				    "leaving out its %lu risky records (no --include-risky) and ",
				    f->risky);
		lg_buf_addf(advice,
			    "re-verifying the %lu contacts verified more than %d day%s ago "
			    "would ",
			    f->refresh, f->days, f->days == 1 ? "" : "s");
		if (empty)
			lg_buf_addf(advice, "make %lu sendable, at ", f->in.candidates);
		else
			lg_buf_adds(advice, "give ");
		lg_buf_addf(advice, "%.2f%% (bound %.2f%%)", f->after.predicted * 100,
			    f->after.predicted_upper * 100);
		refresh_cmd(command, li, f->days, f->refresh);
		if (f->kind == LIST_FIX_REFRESH_NO_RISKY) {
			lg_buf_adds(command, " && leadgate export --for-sequence ");
			sh_word(command, li->name);
		}
		break;
	case LIST_FIX_TOO_FEW:
		if (e->in.candidates)
			lg_buf_addf(advice, "too few records for the %.2f%% threshold", thr);
		else
			lg_buf_addf(advice,
				    "re-verified, its %lu sendable records would still be too "
				    "few for the %.2f%% threshold (bound %.2f%%)",
				    f->in.candidates, thr, f->after.predicted_upper * 100);
		if (f->min_records)
			lg_buf_addf(advice, ": records like them pass from %lu on", f->min_records);
		else
			lg_buf_addf(advice,
				    ": records like them bounce at %.2f%% on average, and no "
				    "number of them passes",
				    f->after.predicted * 100);
		/* Aged ones would do better re-verified: say how much. */
		if (e->in.candidates && pct_up(f->after.predicted_upper) < pct_up(f->passes_at))
			lg_buf_addf(advice,
				    "; re-verified now, these %lu would have a bound of %.2f%%",
				    f->in.candidates, f->after.predicted_upper * 100);
		lg_buf_addf(advice,
			    "; %s, it passes at a threshold of its own of %.2f%% ([gate] "
			    "threshold in a file given with -c)",
			    e->in.candidates ? "as it is" : "re-verified", pct_up(f->passes_at));
		if (!e->in.candidates) {
			refresh_cmd(command, li, f->days, f->refresh);
			lg_buf_adds(command, " && ");
		}
		lg_buf_addf(command, "leadgate gate -c FILE%s ",
			    e->include_risky ? " --include-risky" : "");
		sh_word(command, li->name);
		break;
	case LIST_FIX_UNKNOWN:
		lg_buf_addf(advice,
			    "nothing would be sendable even re-verified with the statuses "
			    "it has, but %lu contacts are unknown (could not be decided): "
			    "re-verifying them may make some sendable",
			    f->unknown);
		refresh_cmd(command, li, f->days, f->refresh);
		break;
	case LIST_FIX_NOTHING:
		lg_buf_addf(advice,
			    "nothing in it can be sent, even re-verified: every contact is "
			    "undeliverable, suppressed, disposable%s; each one's verdict",
			    e->include_risky ? "" : " or risky (see --include-risky)");
		list_cmd(command, "export", li);
		break;
	}
}
