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
#include "store/store.h"
#include "verify/verify.h"

struct conf;
struct loop;
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

/* What a verify job counted and found: its summary. */
struct job_verify_report {
	const char *input;          /* borrowed */
	const char *email_column;   /* borrowed */
	char delim;
	bool bom;
	uint64_t input_size;         /* bytes, 0 when unknown (standard input) */
	unsigned long rows;
	unsigned long no_address;   /* rows without an address: not in by_status */
	unsigned long by_status[VERIFY_STATUS_COUNT]; /* the other rows */
	unsigned long by_reason[VERIFY_R_COUNT];
	unsigned long by_flag[VERIFY_FLAG_COUNT];
	unsigned long ragged;
	unsigned long stray_quotes;  /* rows with text after a closing quote */
	unsigned long header_line, preamble_lines; /* lines above the header are no rows */
	unsigned long blank_lines;
	unsigned long footer_rows, footer_line, footer_last;
	unsigned long repaired_utf8;
	size_t distinct_addresses, distinct_domains;
	size_t set_bytes;           /* memory of the duplicate set and domain cache */
	bool dns;                   /* the DNS stage ran */
	bool dns_down;              /* and the resolver did not answer */
	bool dns_unanswered;        /* or left too many domains unanswered (job_dns_unanswered) */
	size_t dns_failed;          /* domains that ended in dns.timeout or dns.servfail */
	struct dns_stats dns_stats;
	size_t spool_peak;          /* memory of rows waiting for DNS, at most */
	size_t spool_spilled;       /* bytes of waiting rows written to the spool file */
	double elapsed;             /* the caller's to set: the whole run, in seconds */
	const char *list;           /* the list recorded (borrowed), else NULL */
	unsigned long list_contacts;   /* the contacts of the version it made */
	unsigned long list_addressed;  /* rows with a valid address (the others were not
					* recorded); those past list_contacts were collapsed */
	struct verify_gate_decision gate;
	unsigned long gate_candidates;
};

/*
 * ---- verdict.c: one verdict path ----
 * Complete v, an address's offline verdict, with its domain's DNS answer
 * d (NULL: none was needed or asked) and a hard bounce the store knows of
 * (which decides over both), and fill *sv with what the store records of
 * it: the address (v->normalized), its domain, the mail host and provider,
 * verified_at (the answer's time, or now).  sv's strings are borrowed from
 * v, d and static tables.  verify and refresh both call it.
 */
void job_verdict(struct verify_result *v, const struct dns_result *d, bool hard_bounce,
		 int64_t now, struct store_verdict *sv);

/*
 * ---- verify.c: the verify job ----
 * Read a contact list from opts.in, verify every row, write every row to
 * the output with the verify_* columns; with opts.list, record the run in
 * the store at opts.db as a version of that list and weigh it through the
 * gate.  The caller drives it:
 *
 *	job_verify_new()     the header, the columns, the store: may fail
 *	                      on the input (LG_EDATA: no email column) or the
 *	                      store before any output exists
 *	job_verify_start()    the output; then
 *	job_verify_step()     until *done: rows read, verified, written
 *	                      (max rows read a step), the resolver worked
 *	job_verify_finish()   once the output is in place: the run recorded
 *	                      as the list's version, the list gated
 *	job_verify_free()     always, after open (even a failed one)
 *
 * What a person should see about the input comes through opts.notice as
 * it happens: JOB_NOTICE_WARNING asks for a look at the input (a ragged
 * row, with its line), JOB_NOTICE_NEWS only tells (a footer skipped, an
 * interrupted run taken up).
 */
enum job_notice { JOB_NOTICE_WARNING, JOB_NOTICE_NEWS };
typedef void job_notice_fn(void *arg, enum job_notice kind, const char *msg);

struct job_verify_opts {
	const struct conf *conf;  /* borrowed for the job's life */
	int in;                   /* the input, read from where it is; not closed */
	const char *in_name;      /* for messages and the store; borrowed */
	int out;                  /* job_verify_start's */
	const char *out_name;     /* job_verify_start's */
	enum io_format format;
	enum io_guard guard;
	const char *email_column; /* name or 1-based number; NULL: found by name */
	long skip_lines;          /* the header comes after this many lines; -1: look for it */
	bool no_dns;              /* no lookups: dns.skipped */
	struct dns_opts dns;
	struct loop *loop;        /* the event loop the lookups work in (borrowed; it
				   * outlives the job); NULL: the job's own */
	const char *list;         /* record as a version of this list; NULL: no store */
	const char *source;       /* with list: where the list came from, or NULL */
	const char *db;           /* with list: the database (NULL: the default path) */
	int64_t now;              /* verified_at of what DNS did not date, and the store's clock */
	job_notice_fn *notice;    /* may be NULL */
	void *arg;                /* notice's, and job_verify_start's progress's */
};
/* Called for each row written: rows so far, input bytes read so far. */
typedef void job_progress_fn(void *arg, unsigned long rows, uint64_t bytes);

struct job_verify;
/* *out is set even on failure: job_verify_free it. */
enum lg_status job_verify_new(struct job_verify **out, const struct job_verify_opts *opts,
			       struct lg_err *err);
/* Rows go to out (not closed); out_name names it in messages (borrowed);
 * progress may be NULL. */
void job_verify_start(struct job_verify *j, int out, const char *out_name,
		      job_progress_fn *progress);
enum lg_status job_verify_step(struct job_verify *j, size_t max, bool *done, struct lg_err *err);
enum lg_status job_verify_finish(struct job_verify *j, struct lg_err *err);
/* The report's reasons by count, largest first (ties in code order), into
 * idx (VERIFY_R_COUNT entries); returns how many occur. */
size_t job_verify_top_reasons(const struct job_verify_report *r, unsigned *idx);
/* With a list: the rows with a valid address that became no contact of
 * their own, a repeat of another row's. */
unsigned long job_verify_collapsed(const struct job_verify_report *r);
/* The counts so far; borrowed until job_verify_free. */
const struct job_verify_report *job_verify_report(const struct job_verify *j);
/* After job_verify_finish with a list: the list and the gate's decision
 * (borrowed until job_verify_free); NULL without a list. */
const struct list_eval *job_verify_gate(const struct job_verify *j,
					const struct store_list_info **li);
void job_verify_free(struct job_verify *j);

/*
 * ---- refresh.c: the refresh job ----
 * Re-verify, with the same checks and lookups as verify, and record the
 * new verdicts of, up to opts.budget contacts of the store: those a rep
 * sent back, then those verified before now - older (leads in the funnel
 * first, each stalest first), suppressed ones never.  The plan is
 * committed by job_refresh_new (an interrupted one is taken up: the
 * report says so); each job_refresh_step re-verifies and records one
 * chunk of it, until *done; job_refresh_finish closes the run and counts.
 * A step returns LG_ETEMP when the resolver stopped answering: what was
 * recorded stays, and the next refresh goes on from there.
 */
struct job_refresh_opts {
	const struct conf *conf;  /* borrowed for the job's life */
	const char *db;           /* NULL: the default path */
	const char *list;         /* only its current version's contacts; NULL: all */
	int64_t older;            /* seconds; -1: [decay] stale_days of the list's source */
	unsigned long budget;     /* contacts at most (LIST_REFRESH_BUDGET) */
	struct dns_opts dns;
	struct loop *loop;        /* the event loop the lookups work in (borrowed); NULL:
				   * the job's own */
	int64_t now;
};

struct job_refresh_report {
	int64_t older;                /* the age taken, in seconds */
	bool resumed;                 /* an interrupted plan was taken up */
	int64_t run_id;
	unsigned long by_status[VERIFY_STATUS_COUNT]; /* this run's new verdicts */
	unsigned long kept;           /* unknown answers that left an older decided verdict */
	struct store_refresh_counts counts; /* the plan's, after job_refresh_finish */
	struct dns_stats dns_stats;   /* after job_refresh_finish */
	bool dns_unanswered;          /* too many domains unanswered (job_dns_unanswered) */
	size_t dns_failed;
};

struct job_refresh;
/* *out is set even on failure: job_refresh_free it. */
enum lg_status job_refresh_new(struct job_refresh **out, const struct job_refresh_opts *opts,
				struct lg_err *err);
enum lg_status job_refresh_step(struct job_refresh *j, bool *done, struct lg_err *err);
enum lg_status job_refresh_finish(struct job_refresh *j, struct lg_err *err);
/* Borrowed until job_refresh_free. */
const struct job_refresh_report *job_refresh_report(const struct job_refresh *j);
void job_refresh_free(struct job_refresh *j);

/*
 * ---- export.c: the export job ----
 * A list's contacts, each with every column of its row in the file the
 * list was verified from (the address normalized), then its latest
 * verdict and freshness; never a suppressed one.  For a sequence, only
 * those that may be sent (list_member_exportable), each once, and only if
 * the list passes the gate: job_export_new weighs it, and a blocked list
 * must not be written (report.blocked; job_export_gate says why).  What
 * is written for a sequence is recorded as sent, in the same transaction.
 */
struct job_export_opts {
	const struct conf *conf;  /* borrowed for the job's life */
	const char *db;           /* NULL: the default path */
	const char *list;         /* the list's name; borrowed */
	bool for_sequence;
	bool include_risky;       /* with for_sequence: risky records too */
	enum io_format format;
	enum io_guard guard;
	const char *target;       /* with for_sequence: where it goes, as recorded ("-") */
	int64_t now;
};
struct job_export_report {
	const char *list;         /* borrowed until job_export_free */
	unsigned long contacts;   /* the list version's contacts */
	unsigned long rows;       /* of them, written */
	bool blocked;             /* for a sequence: the gate blocks the list */
};
struct job_export;
/* *out is set even on failure: job_export_free it. */
enum lg_status job_export_new(struct job_export **out, const struct job_export_opts *opts,
			      struct lg_err *err);
/* For a sequence: the list and the gate's decision (borrowed until
 * job_export_free); NULL otherwise. */
const struct list_eval *job_export_gate(const struct job_export *j,
					const struct store_list_info **li);
/* Write the export to out (not closed); a BUG when the gate blocks it. */
enum lg_status job_export_write(struct job_export *j, int out, struct lg_err *err);
const struct job_export_report *job_export_report(const struct job_export *j);
void job_export_free(struct job_export *j);

#endif
