/*
 * jobs.h - the jobs layer: what the command line and the service both
 * call.  A job takes its options and the store, and returns an lg_status,
 * a caller-owned lg_err and result structs: no argv, no printing, no exit
 * codes, and no global or static mutable state, so that two jobs run side
 * by side in one process.  Views (text, JSON) of the results are the
 * callers'.
 */
#ifndef LG_JOBS_H
#define LG_JOBS_H

#include "common/common.h"
#include "decay/decay.h"
#include "verify/verify.h"

struct conf;
struct store;
struct store_list_info;
struct store_member;

/* ---- list.c: a list weighed through the gate, and its way out ---- */

#define LIST_REFRESH_BUDGET 50000 /* contacts one refresh re-verifies by default */

/*
 * What would let a list pass that the predicted part or emptiness blocks,
 * found with the gate's own arithmetic on the inputs the change would give.
 */
enum list_fix {
	LIST_FIX_NONE = 0,          /* not blocked there */
	LIST_FIX_VERIFY,            /* no complete version: verify the list */
	LIST_FIX_NO_RISKY,          /* without the risky records it passes as it is */
	LIST_FIX_REFRESH,           /* re-verifying the records older than `days` passes */
	LIST_FIX_REFRESH_NO_RISKY,  /* that, and without the risky records */
	LIST_FIX_TOO_FEW,           /* no refresh passes: too few records for the threshold */
	LIST_FIX_UNKNOWN,           /* nothing may be sent, but verdicts are unknown */
	LIST_FIX_NOTHING,           /* nothing may be sent, even re-verified */
};
struct list_fix_predicted {
	enum list_fix kind;
	int days;                   /* the refresh's --older-than, in days (-1: none) */
	unsigned long refresh;      /* the contacts that refresh re-verifies */
	unsigned long risky;        /* *NO_RISKY: the risky records left out */
	unsigned long unknown;      /* UNKNOWN: unknown contacts, not suppressed */
	struct verify_gate_input in;        /* what export would write after the change */
	struct verify_gate_decision after;  /* the predicted part of that */
	unsigned long min_records;  /* TOO_FEW: fewest records like those that pass; 0 none */
	double passes_at;           /* TOO_FEW: the lowest threshold it passes, as it is
				     * (after the refresh when nothing may be sent as is) */
};

struct list_eval {
	unsigned long members;                          /* contacts of the current version */
	unsigned long by_status[VERIFY_STATUS_COUNT];   /* their latest verdicts */
	unsigned long by_fresh[3];                      /* enum decay_class */
	unsigned long suppressed;
	unsigned long exportable;                       /* what export would write */
	double whole_predicted;                         /* predicted bounce rate of every member */
	struct verify_gate_input in;   /* the observed part: the current version's window */
	struct verify_gate_decision gate;
	bool include_risky;
	struct list_fix_predicted fix; /* the way out of gate.why's PREDICTED or EMPTY */
};

/* May this member be sent (export --for-sequence)? */
bool list_member_exportable(const struct store_member *m, const struct decay_policy *dp,
			    int64_t now, bool include_risky);
/* Read the list's members and weigh them through the gate. */
enum lg_status list_evaluate(struct store *s, const struct conf *c,
			     const struct store_list_info *li, int64_t now, bool include_risky,
			     struct list_eval *out, struct lg_err *err);
/*
 * The way out of the gate's reason why (one VERIFY_GATE_* bit of
 * e->gate.why): advice with the figures it would give, and the command
 * that does it (both reset first; left empty when why is not blocking).
 */
void list_way_out(const struct conf *c, const struct store_list_info *li,
		  const struct list_eval *e, unsigned why, struct lg_buf *advice,
		  struct lg_buf *command);

#endif
