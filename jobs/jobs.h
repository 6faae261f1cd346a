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
#include "dns/dns.h"
#include "io/io.h"
#include "verify/verify.h"

struct conf;
struct store;
struct store_list_info;
struct store_member;
struct store_run;
struct store_verdict;

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

/*
 * ---- profile.c: what a list says of a contact besides its address ----
 * The profile columns, in this order.  job_profile_column: which one a
 * header names (HubSpot, Salesforce, Apollo, ZoomInfo names, compared
 * ignoring case, blanks, '_' and '-'), or -1.  job_profile_of: the
 * JOB_PROFILE_COUNT cells of a row (s NULL: the list has no such column)
 * as the store keeps them, strings copied into a (trimmed; NULL for no
 * column), employees read as exports write them ("1,200", "51-200",
 * "10K"; -1 when there is no number).
 */
enum { JOB_PROFILE_TITLE, JOB_PROFILE_COMPANY, JOB_PROFILE_INDUSTRY, JOB_PROFILE_REGION,
       JOB_PROFILE_EMPLOYEES, JOB_PROFILE_FIRST_NAME, JOB_PROFILE_LAST_NAME, JOB_PROFILE_NAME,
       JOB_PROFILE_COUNT };
struct store_profile;
int job_profile_column(const char *name, size_t len);
void job_profile_of(struct lg_arena *a, const struct io_cell *cell, struct store_profile *out);

/*
 * ---- recorder.c: a verify job's writer thread ----
 * Verdicts and new DNS answers are copied into a batch of `batch`; a full
 * batch is written by a second thread on its own connection to the
 * store s (one transaction a batch) while the caller goes on.  A failure
 * of the writer's is returned by a later call.  recorder_finish writes
 * what is left and waits for it; recorder_free stops the thread (what was
 * not committed is lost, as a kill would lose it).
 */
struct recorder;
struct store_verdict;
enum lg_status recorder_start(struct recorder **out, struct store *s, const struct store_run *run,
			      int64_t now, size_t batch, struct lg_err *err);

/* The verdict v, with its row's nrow cells (packed for the store; row
 * NULL: none), and when profile is non-NULL the JOB_PROFILE_COUNT cells of
 * its row's profile columns (s NULL: the list has no such column). */
enum lg_status recorder_verdict(struct recorder *r, const struct store_verdict *v,
				const struct io_cell *row, size_t nrow,
				const struct io_cell *profile, struct lg_err *err);
enum lg_status recorder_dns(struct recorder *r, const char *domain, size_t len,
			    const struct dns_result *res, struct lg_err *err);
enum lg_status recorder_finish(struct recorder *r, struct lg_err *err);
void recorder_free(struct recorder *r);

/* ---- dnscache.c: the resolver in front of the store's domain answers ---- */

/* dns_resolver_lookup, but an unexpired answer kept in s (may be NULL) is
 * used instead of asking. */
const struct dns_result *job_dns_lookup(struct dns_resolver *r, struct store *s, int64_t now,
					const char *domain, size_t len, size_t org_len);
/* Is d a new answer to keep in the store?  True once per answer (d->user
 * marks it), never for a pending one, a failure or one the store gave. */
bool job_dns_to_keep(const struct dns_result *d);
/* Did more than the share max of the domains looked up end unanswered
 * (dns.timeout, dns.servfail)?  *failed: how many did.  A run that says
 * yes exits 75, its rows written all the same ([verify] dns_unanswered_max). */
bool job_dns_unanswered(const struct dns_stats *d, double max, size_t *failed);
/* Keep d's answer in s. */
enum lg_status job_dns_keep(struct dns_resolver *r, struct store *s, const struct dns_result *d,
			    struct lg_err *err);

#endif
