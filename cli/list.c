/*
 * list.c - the gate's decision on a list, as the lines `gate`, `lists
 * show`, `export` and `verify --list` print (jobs/list.c weighs it).
 */
#include "cli.h"
#include "conf/conf.h"
#include "decay/decay.h"
#include "store/store.h"

/* End a blocked reason's line with its way out. */
static void end_line(FILE *f, const struct conf *c, const struct store_list_info *li,
		     const struct list_eval *e, unsigned why)
{
	struct lg_buf advice = LG_BUF_INIT, command = LG_BUF_INIT;
	list_way_out(c, li, e, why, &advice, &command);
	if (command.len)
		fprintf(f, "; %s: %s", advice.data, command.data);
	fputc('\n', f);
	lg_buf_release(&advice);
	lg_buf_release(&command);
}

void list_print_gate(FILE *f, const struct conf *c, const struct store_list_info *li,
		     const struct list_eval *e)
{
	const struct verify_gate_decision *d = &e->gate;
	double thr = c->gate.threshold * 100;

	fprintf(f, "gate: %s for list '%s'\n", d->blocked ? "BLOCKED" : "pass", li->name);
	if (d->why & VERIFY_GATE_EMPTY) {
		fprintf(f,
			"  blocked: none of the %lu contacts may be sent: a record must be "
			"deliverable%s, fresh or aging, not suppressed, not disposable "
			"(%lu deliverable, %lu stale, %lu suppressed)",
			e->members, e->include_risky ? " or risky" : "",
			e->by_status[VERIFY_DELIVERABLE], e->by_fresh[DECAY_STALE], e->suppressed);
		end_line(f, c, li, e, VERIFY_GATE_EMPTY);
	} else {
		fprintf(f,
			"  %s: predicted bounce rate %.2f%% of the %lu records export would write; "
			"95%% upper bound %.2f%% %s the %.2f%% threshold",
			(d->why & VERIFY_GATE_PREDICTED) ? "blocked" : "ok", d->predicted * 100,
			e->in.candidates, d->predicted_upper * 100,
			(d->why & VERIFY_GATE_PREDICTED) ? "is above" : "is within", thr);
		end_line(f, c, li, e, VERIFY_GATE_PREDICTED);
	}
	if (d->observed_counts) {
		fprintf(f,
			"  %s: observed hard-bounce rate %.2f%% (%lu of %lu exported from this "
			"version); Wilson 95%% lower bound %.2f%% %s the %.2f%% threshold",
			(d->why & VERIFY_GATE_OBSERVED) ? "blocked" : "ok", d->observed * 100,
			e->in.hard_bounces, e->in.exported, d->observed_lower * 100,
			(d->why & VERIFY_GATE_OBSERVED) ? "is above" : "is within", thr);
		end_line(f, c, li, e, VERIFY_GATE_OBSERVED);
	} else {
		fprintf(f,
			"  observed hard-bounce rate not counted yet: %lu of the %lu exported from "
			"this version bounced (it counts from %lu exported)\n",
			e->in.hard_bounces, e->in.exported, c->gate.min_exported);
	}
}
