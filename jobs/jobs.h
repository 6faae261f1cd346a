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

#include "bounce/bounce.h"
#include "common/common.h"
#include "decay/decay.h"
#include "dns/dns.h"
#include "io/io.h"
#include "scoring/scoring.h"
#include "smtp/smtp.h"
#include "store/store.h"
#include "verify/verify.h"

#include <jansson.h>

#include <math.h>

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
	LIST_FIX_NONE = 0,         /* not blocked there */
	LIST_FIX_VERIFY,           /* no complete version: verify the list */
	LIST_FIX_NO_RISKY,         /* without the risky records it passes as it is */
	LIST_FIX_REFRESH,          /* re-verifying the records older than `days` passes */
	LIST_FIX_REFRESH_NO_RISKY, /* that, and without the risky records */
	LIST_FIX_TOO_FEW,          /* no refresh passes: too few records for the threshold */
	LIST_FIX_UNKNOWN,          /* nothing may be sent, but verdicts are unknown */
	LIST_FIX_NOTHING,          /* nothing may be sent, even re-verified */
};
struct list_fix_predicted {
	enum list_fix kind;
	int days;                          /* the refresh's --older-than, in days (-1: none) */
	unsigned long refresh;             /* the contacts that refresh re-verifies */
	unsigned long risky;               /* *NO_RISKY: the risky records left out */
	unsigned long unknown;             /* UNKNOWN: unknown contacts, not suppressed */
	struct verify_gate_input in;       /* what export would write after the change */
	struct verify_gate_decision after; /* the predicted part of that */
	unsigned long min_records; /* TOO_FEW: fewest records like those that pass; 0 none */
	double passes_at;          /* TOO_FEW: the lowest threshold it passes, as it is
				     * (after the refresh when nothing may be sent as is) */
};

struct list_eval {
	unsigned long members;                        /* contacts of the current version */
	unsigned long by_status[VERIFY_STATUS_COUNT]; /* their latest verdicts */
	unsigned long by_fresh[3];                    /* enum decay_class */
	unsigned long suppressed;
	unsigned long exportable;    /* what export would write */
	double whole_predicted;      /* predicted bounce rate of every member */
	struct verify_gate_input in; /* the observed part: the current version's window */
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
 * The gate's verdict on li (e, weighed at now, risky records left out as
 * export's default does) kept as the list's last (store_list_gate_put),
 * in the caller's transaction; when it changed, blocked to passing or
 * back, a list.gate_changed message for [handoff] events (none
 * configured: the verdict is kept all the same).  A list weighed for the
 * first time is told only when blocked.  *told: a message was written.
 * list_gate_check: the same for the list called name, read and weighed
 * first.  Called where a list's verdict can change: a version verified,
 * bounces imported, a refresh.
 */
enum lg_status list_gate_note(struct store *s, const struct conf *c,
			      const struct store_list_info *li, const struct list_eval *e,
			      int64_t now, bool *told, struct lg_err *err);
enum lg_status list_gate_check(struct store *s, const struct conf *c, const char *name, int64_t now,
			       bool *told, struct lg_err *err);
/* list_gate_check for each name of names (n bytes of NUL-terminated
 * names), in one transaction of its own; *changed += the verdicts that
 * changed.  A list no longer there is passed over.  Nothing is weighed
 * without [handoff] events: where nobody is told, a bounce or a refresh
 * does not pay for a scan of every list it touches (the verdict a
 * version's verification records is kept all the same). */
enum lg_status list_gates_check(struct store *s, const struct conf *c, const char *names, size_t n,
				int64_t now, unsigned long *changed, struct lg_err *err);
/*
 * The way out of the gate's reason why (one VERIFY_GATE_* bit of
 * e->gate.why): advice with the figures it would give, and the command
 * that does it (both reset first; left empty when why is not blocking).
 */
void list_way_out(const struct conf *c, const struct store_list_info *li, const struct list_eval *e,
		  unsigned why, struct lg_buf *advice, struct lg_buf *command);

/*
 * ---- lists.c: the lists job ----
 * What the store at opts.db (opened for reading) knows of its lists, each
 * weighed through the gate at opts.now (list_evaluate) with every
 * complete version's observation window: job_lists_next hands the lists
 * in name order (bytewise), those after opts.after only when it is given
 * (a page's start: the last name of the page before), then NULL;
 * job_list_show hands the list called name (LG_ENOINPUT, saying so, when
 * there is none).  What they hand is borrowed until the next call or
 * job_lists_close.
 */
struct job_lists_opts {
	const struct conf *conf; /* borrowed for the job's life */
	const char *db;          /* NULL: the default path */
	const char *after;       /* borrowed; NULL: from the first list */
	bool include_risky;      /* risky records count as exportable */
	int64_t now;
};
struct job_list {
	struct store_list_info info;
	struct list_eval eval;
	const struct store_list_window *windows; /* every complete version, oldest first */
	size_t nwindows;
};
struct job_lists;
/* *out is set even on failure: job_lists_close it. */
enum lg_status job_lists_open(struct job_lists **out, const struct job_lists_opts *opts,
			      struct lg_err *err);
enum lg_status job_lists_next(struct job_lists *j, const struct job_list **out, struct lg_err *err);
enum lg_status job_list_show(struct job_lists *j, const char *name, const struct job_list **out,
			     struct lg_err *err);
void job_lists_close(struct job_lists *j);

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
enum {
	JOB_PROFILE_TITLE,
	JOB_PROFILE_COMPANY,
	JOB_PROFILE_INDUSTRY,
	JOB_PROFILE_REGION,
	JOB_PROFILE_EMPLOYEES,
	JOB_PROFILE_FIRST_NAME,
	JOB_PROFILE_LAST_NAME,
	JOB_PROFILE_NAME,
	JOB_PROFILE_COUNT
};
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
	const char *input;        /* borrowed */
	const char *email_column; /* borrowed */
	char delim;
	bool bom;
	bool jsonl;          /* the input was JSON Lines */
	uint64_t input_size; /* bytes, 0 when unknown (standard input) */
	unsigned long rows;
	unsigned long rows_read;  /* so far; rows counts those written */
	unsigned long no_address; /* rows without an address: not in by_status */
	unsigned long by_status[VERIFY_STATUS_COUNT]; /* the other rows */
	unsigned long by_reason[VERIFY_R_COUNT];
	unsigned long by_flag[VERIFY_FLAG_COUNT];
	unsigned long ragged;
	unsigned long malformed;                   /* JSON Lines: lines that are no JSON object */
	unsigned long stray_quotes;                /* rows with text after a closing quote */
	unsigned long header_line, preamble_lines; /* lines above the header are no rows */
	unsigned long blank_lines;
	unsigned long footer_rows, footer_line, footer_last;
	unsigned long repaired_utf8;
	size_t distinct_addresses, distinct_domains;
	size_t set_bytes;    /* memory of the duplicate set and domain cache */
	bool dns;            /* the DNS stage ran */
	bool dns_down;       /* and the resolver did not answer */
	bool dns_unanswered; /* or left too many domains unanswered (job_dns_unanswered) */
	size_t dns_failed;   /* domains that ended in dns.timeout or dns.servfail */
	struct dns_stats dns_stats;
	bool smtp;                    /* the SMTP stage ran */
	struct smtp_stats smtp_stats; /* its counts */
	size_t spool_peak;            /* memory of rows waiting for DNS, at most */
	size_t spool_spilled;         /* bytes of waiting rows written to the spool file */
	double elapsed;               /* the caller's to set: the whole run, in seconds */
	const char *list;             /* the list recorded (borrowed), else NULL */
	unsigned long list_contacts;  /* the contacts of the version it made */
	unsigned long list_addressed; /* rows with a valid address (the others were not
					* recorded); those past list_contacts were collapsed */
	struct verify_gate_decision gate;
	unsigned long gate_candidates;
	bool gate_changed; /* the list's gate verdict changed (list_gate_note) */
	/* job_verify_finish committed the list version (and in_commit's
	 * writes): true even when weighing the list failed after */
	bool committed;
};

/*
 * ---- verdict.c: one verdict path ----
 * Complete v, an address's offline verdict, with its domain's DNS answer
 * d (NULL: none was needed or asked), then its SMTP probe smtp (NULL:
 * none) as job_smtp_verdict takes it with smtp_skipped, then a hard
 * bounce the store knows of (which decides over all), and fill *sv with
 * what the store records of it: the contact's key (verify_contact_key,
 * built in key; key NULL: v's normalized address is the key already, as
 * a refresh's is), its domain, the mail host and provider, verified_at
 * (the answer's time, or now), the SMTP evidence.  sv's strings are
 * borrowed from v, d, smtp, key and static tables.  verify and refresh
 * both call it.
 */
void job_verdict(struct verify_result *v, const struct dns_result *d,
		 const struct smtp_result *smtp, bool smtp_skipped, bool hard_bounce, int64_t now,
		 struct lg_buf *key, struct store_verdict *sv);

/*
 * The SMTP stage's part of a verdict, pure: v, completed with its
 * domain's DNS answer (verify_apply_dns), and what the probe of its
 * mailbox found, r (NULL: no probe).  Only a verdict that says the domain
 * takes mail (ok, class.role, class.disposable) changes:
 *
 *	accepted                 stays (the mailbox is there: ok, or role /
 *	                         disposable as they were)
 *	catch_all                risky, smtp.catch_all, flag accept_all
 *	no_mailbox, disabled     undeliverable, smtp.no_mailbox / smtp.disabled
 *	full                     risky, smtp.mailbox_full
 *	blocked, greylisted,     unknown, smtp.blocked / .greylisted /
 *	timeout, no_connect,     .timeout / .no_connect / .undecided: a
 *	undecided                failure to decide says nothing of the mailbox,
 *	                         and an answer we could not get is no verdict
 *	                         (the store keeps an older decided verdict)
 *	pending, not_probed      stays: no probe decided
 *
 * skipped (the domain's provider is one whose RCPT answers mean nothing,
 * conf_smtp_skip): v keeps its DNS verdict, with flag smtp_skipped,
 * whatever r says.  A failure to decide is never undeliverable.
 */
void job_smtp_verdict(struct verify_result *v, const struct smtp_result *r, bool skipped);

/*
 * The verify_* columns that verify appends to every row, in order, and
 * their cells for a verdict v that job_verdict completed into sv: flags
 * is v->flags as text (verify_flags_format), at the time of the answer
 * that dated it in RFC 3339 ("" when no answer did: job_verify_at);
 * verify_smtp, last, is the reply that decided a probe ("" without one).  The
 * cells borrow from v, sv, flags and at.  verify's rows and the service's
 * answers are both made of these, so that the two never differ.
 */
#define JOB_VERIFY_COLS 9
extern const struct io_col job_verify_cols[JOB_VERIFY_COLS];
void job_verify_cells(const struct verify_result *v, const struct store_verdict *sv,
		      const char *flags, size_t flags_len, const char *at, struct io_cell *out);
/* A domain's mail hosts as the resolver gives them (n of them, at most
 * SMTP_HOSTS_MAX), as the prober takes them, into out (names borrowed
 * from hosts). */
void job_smtp_hosts(const struct dns_host *hosts, size_t n, struct smtp_host *out);

/* Is d's domain one whose provider's RCPT answers mean nothing
 * (conf_smtp_skip on its preferred mail host)?  Its addresses are not
 * probed, and keep their DNS verdict with flag smtp_skipped. */
bool job_smtp_skipped(const struct conf *c, const struct dns_result *d);

/*
 * The SMTP stage of a job (verify, refresh): addresses handed to the
 * prober, each domain's mail hosts asked of the resolver once (none for a
 * provider job_smtp_skipped names), and the catch-all state the store
 * keeps for a domain primed into the prober when its first address comes.
 * prober, dns, conf and store (NULL: no store) are borrowed; now is the
 * time catch-all states are judged fresh at, 0: the wall clock's.  A
 * caller that frees the prober while host lookups are out sets prober to
 * NULL (their answers are dropped) and releases the job_probe.
 */
struct job_probe {
	struct smtp_prober *prober;
	struct dns_resolver *dns;
	const struct conf *conf;
	struct store *store;
	int64_t now;
	struct lg_map domains; /* domains whose mail hosts were asked for */
};
void job_probe_init(struct job_probe *p, struct smtp_prober *prober, struct dns_resolver *dns,
		    const struct conf *c, struct store *store, int64_t now);
void job_probe_release(struct job_probe *p);
/* The probe of v's address (a verdict that needs DNS), NULL when v has no
 * domain to ask; borrowed from the prober. */
const struct smtp_result *job_probe_add(struct job_probe *p, const struct verify_result *v);

/* Does verified_at show d's time (d may be NULL)?  Else it is empty. */
static inline bool job_verify_dated(const struct dns_result *d)
{
	return d && d->answered_at;
}

/*
 * ---- verify.c: the verify job ----
 * Read a contact list from opts.in, verify every row, write every row to
 * the output with the verify_* columns; with opts.list, record the run in
 * the store at opts.db as a version of that list and weigh it through the
 * gate.  The caller drives it:
 *
 *	job_verify_open()     the header, the columns, the store: may fail
 *	                      on the input (LG_EDATA: no email column) or the
 *	                      store before any output exists
 *	job_verify_start()    the output; then
 *	job_verify_feed()     until *eof: up to max rows read, verified and
 *	                      written, or spooled while their domain waits
 *	job_verify_poll()     until *done: the lookups work (wait: block for
 *	                      a reply or a timeout) and the rows they free
 *	                      are written; may also come between two feeds
 *	job_verify_finish()   once the output is in place: the run recorded
 *	                      as the list's version, the list gated
 *	job_verify_close()     always, after open (even a failed one)
 *
 * What a person should see about the input comes through opts.notice as
 * it happens: JOB_NOTICE_WARNING asks for a look at the input (a ragged
 * row, with its line), JOB_NOTICE_NEWS only tells (a footer skipped, an
 * interrupted run taken up).
 */
enum job_notice { JOB_NOTICE_WARNING, JOB_NOTICE_NEWS };
typedef void job_notice_fn(void *arg, enum job_notice kind, const char *msg);

struct job_verify_opts {
	const struct conf *conf; /* borrowed for the job's life */
	int in;                  /* the input, read from where it is; not closed */
	const char *in_name;     /* for messages and the store; borrowed */
	int out;                 /* job_verify_start's */
	const char *out_name;    /* job_verify_start's */
	enum io_format format;
	enum io_guard guard;
	const char *email_column; /* name or 1-based number; NULL: found by name */
	long skip_lines;          /* the header comes after this many lines; -1: look for it */
	enum io_input input;      /* CSV or JSON Lines; 0: what the input looks like */
	bool format_from_input;   /* write JSON Lines for a JSON Lines input, not format */
	bool no_dns;              /* no lookups: dns.skipped */
	struct dns_opts dns;
	bool smtp; /* with DNS: probe mailboxes, as conf's [smtp] says (conf_smtp_opts: job_verify_open
		    * fails LG_ECONFIG without the identity) */
	struct loop *loop;     /* the event loop the lookups work in (borrowed; it
				   * outlives the job); NULL: the job's own */
	const char *list;      /* record as a version of this list; NULL: no store */
	const char *source;    /* with list: where the list came from, or NULL */
	const char *db;        /* with list: the database (NULL: the default path) */
	int64_t now;           /* verified_at of what DNS did not date, and the store's clock */
	job_notice_fn *notice; /* may be NULL */
	void *arg;             /* notice's, and job_verify_start's progress's */
	bool nowait;           /* feed returns (not at eof) when the lookups in hand
				* are many, instead of waiting for them: a caller
				* with a loop of its own polls, then feeds again */
	/* With list, may be NULL: called (with arg) by job_verify_finish
	 * inside the transaction that records the list version, on the
	 * job's store, so that what it writes is committed with the version
	 * or not at all; a failure rolls both back. */
	enum lg_status (*in_commit)(void *arg, struct store *s, struct lg_err *err);
};
/* Called for each row written: rows so far, input bytes read so far. */
typedef void job_progress_fn(void *arg, unsigned long rows, uint64_t bytes);

struct job_verify;
/* *out is set even on failure: job_verify_close it. */
enum lg_status job_verify_open(struct job_verify **out, const struct job_verify_opts *opts,
			       struct lg_err *err);
/* Rows go to out (not closed); out_name names it in messages (borrowed);
 * progress may be NULL. */
void job_verify_start(struct job_verify *j, int out, const char *out_name,
		      job_progress_fn *progress);
/* After start: every row also to out in format (a second writer of the
 * same cells, so the two outputs are the ones two runs in each format
 * would write); out_name for messages (borrowed). */
void job_verify_tee(struct job_verify *j, int out, const char *out_name, enum io_format format);
enum lg_status job_verify_feed(struct job_verify *j, size_t max, bool *eof, struct lg_err *err);
enum lg_status job_verify_poll(struct job_verify *j, bool wait, bool *done, struct lg_err *err);
enum lg_status job_verify_finish(struct job_verify *j, struct lg_err *err);
/* The report's reasons by count, largest first (ties in code order), into
 * idx (VERIFY_R_COUNT entries); returns how many occur. */
size_t job_verify_top_reasons(const struct job_verify_report *r, unsigned *idx);
/* With a list: the rows with a valid address that became no contact of
 * their own, a repeat of another row's. */
unsigned long job_verify_collapsed(const struct job_verify_report *r);
/* The counts so far; borrowed until job_verify_close. */
const struct job_verify_report *job_verify_report(const struct job_verify *j);
/* After job_verify_finish with a list: the list and the gate's decision
 * (borrowed until job_verify_close); NULL without a list. */
const struct list_eval *job_verify_gate(const struct job_verify *j,
					const struct store_list_info **li);
void job_verify_close(struct job_verify *j);

/*
 * ---- refresh.c: the refresh job ----
 * Re-verify, with the same checks and lookups as verify, and record the
 * new verdicts of, up to opts.budget contacts of the store: those a rep
 * sent back, then those verified before now - older (leads in the funnel
 * first, each stalest first), suppressed ones never.  The plan is
 * committed by job_refresh_open (an interrupted one is taken up: the
 * report says so); each job_refresh_step re-verifies and records one
 * chunk of it, until *done; job_refresh_finish closes the run and counts.
 * A step returns LG_ETEMP when the resolver stopped answering: what was
 * recorded stays, and the next refresh goes on from there.
 */
struct job_refresh_opts {
	const struct conf *conf; /* borrowed for the job's life */
	const char *db;          /* NULL: the default path */
	const char *list;        /* only its current version's contacts; NULL: all */
	int64_t older;           /* seconds; -1: [decay] stale_days of the list's source */
	unsigned long budget;    /* contacts at most (LIST_REFRESH_BUDGET) */
	struct dns_opts dns;
	struct loop *loop; /* the event loop the lookups work in (borrowed); NULL:
				   * the job's own */
	int64_t now;
	bool smtp; /* probe mailboxes too, as verify's smtp */
};

struct job_refresh_report {
	int64_t older; /* the age taken, in seconds */
	bool resumed;  /* an interrupted plan was taken up */
	int64_t run_id;
	unsigned long by_status[VERIFY_STATUS_COUNT]; /* this run's new verdicts */
	unsigned long kept;                 /* unknown answers that left an older decided verdict */
	struct store_refresh_counts counts; /* the plan's, after job_refresh_finish */
	struct dns_stats dns_stats;         /* after job_refresh_finish */
	bool smtp;                          /* mailboxes were probed: smtp_stats, after it too */
	struct smtp_stats smtp_stats;
	bool dns_unanswered; /* too many domains unanswered (job_dns_unanswered) */
	size_t dns_failed;
	unsigned long gates_changed; /* lists whose gate verdict changed (list_gate_note) */
};

struct job_refresh;
/* *out is set even on failure: job_refresh_close it. */
enum lg_status job_refresh_open(struct job_refresh **out, const struct job_refresh_opts *opts,
				struct lg_err *err);
enum lg_status job_refresh_step(struct job_refresh *j, bool *done, struct lg_err *err);
enum lg_status job_refresh_finish(struct job_refresh *j, struct lg_err *err);
/* Borrowed until job_refresh_close. */
const struct job_refresh_report *job_refresh_report(const struct job_refresh *j);
void job_refresh_close(struct job_refresh *j);

/*
 * ---- export.c: the export job ----
 * A list's contacts, each with every column of its row in the file the
 * list was verified from (the address normalized), then its latest
 * verdict and freshness; never a suppressed one.  For a sequence, only
 * those that may be sent (list_member_exportable), each once, and only if
 * the list passes the gate: job_export_open weighs it, and a blocked list
 * must not be written (report.blocked; job_export_gate says why).  What
 * is written for a sequence is recorded as sent, in the same transaction.
 */
struct job_export_opts {
	const struct conf *conf; /* borrowed for the job's life */
	const char *db;          /* NULL: the default path */
	const char *list;        /* the list's name; borrowed */
	bool for_sequence;
	bool include_risky; /* with for_sequence: risky records too */
	enum io_format format;
	enum io_guard guard;
	const char *target; /* with for_sequence: where it goes, as recorded ("-") */
	int64_t now;
};
struct job_export_report {
	const char *list;       /* borrowed until job_export_close */
	unsigned long contacts; /* the list version's contacts */
	unsigned long rows;     /* of them, written */
	bool blocked;           /* for a sequence: the gate blocks the list */
};
struct job_export;
/* *out is set even on failure: job_export_close it. */
enum lg_status job_export_open(struct job_export **out, const struct job_export_opts *opts,
			       struct lg_err *err);
/* For a sequence: the list and the gate's decision (borrowed until
 * job_export_close); NULL otherwise. */
const struct list_eval *job_export_gate(const struct job_export *j,
					const struct store_list_info **li);
/* Write the export to out (not closed); a BUG when the gate blocks it. */
enum lg_status job_export_write(struct job_export *j, int out, struct lg_err *err);
const struct job_export_report *job_export_report(const struct job_export *j);
void job_export_close(struct job_export *j);

/*
 * ---- lead.c: what score, qualify and decide share ----
 * A contact from the store scored at `now`: its events (the store's, in
 * time order), its account's (all loaded once by lead_load_accounts), its
 * stage and the automatic moves that follow from the score.
 */
struct store_lead;
struct verify_ctx;
struct lead_span {
	size_t start, n; /* an account's events in lead.acct */
};
struct lead {
	struct store *store;
	const struct conf *conf;
	struct verify_ctx *vctx;
	const struct scoring_ctx *sctx;
	int64_t now;
	struct scoring_event *ev; /* the contact's events */
	size_t nev, capev;
	struct lg_arena arena;      /* their strings, until the next contact */
	struct scoring_event *acct; /* every account's events, by account */
	size_t nacct, capacct;
	struct lg_arena acct_arena;
	struct lg_map accounts;    /* account -> struct lead_span */
	bool all_accounts;         /* lead_load_accounts ran: else each lead_score reads its own */
	struct scoring_event *cev; /* every contact's events, by address (lead_load_events) */
	size_t ncev;
	struct lg_arena cev_arena;
	struct lg_map addresses;    /* address -> struct lead_span in cev */
	struct lg_map words;        /* the channels and assets of cev, each kept once */
	bool all_events;            /* lead_load_events ran: else each lead_score reads its own */
	struct lead_loader *loader; /* lead_load_events_start's, until waited for */
	struct lg_map titles;       /* title -> its rule (int: scoring_title_rule), up to a cap */
	struct scoring_evidence *evidence;
	size_t nevidence, capevidence;
};
#define LEAD_MOVES_MAX 4
struct lead_scored {
	struct scoring_result r;
	const char *account; /* the registrable domain; borrowed until the next lead_score */
	enum scoring_stage was, stage; /* before and after the automatic moves */
	struct {
		enum scoring_stage from, to;
		const char *why; /* static */
	} moves[LEAD_MOVES_MAX];
	unsigned nmoves;
	struct scoring_line *lines; /* explain: owned, free() */
	size_t nlines;
};
void lead_init(struct lead *L, struct store *s, const struct conf *conf, struct verify_ctx *vctx,
	       const struct scoring_ctx *sctx, int64_t now);
void lead_release(struct lead *L);
enum lg_status lead_load_accounts(struct lead *L, struct lg_err *err);
/* Every contact's events at once, for a run over the whole store: one
 * sequential read instead of a look-up per contact.  lead_load_events
 * reads them now; lead_load_events_start on a thread of its own, over its
 * own connection to the database at path (borrowed until waited for),
 * while the caller reads the contacts: lead_score waits for it before
 * its first contact, lead_load_events_wait says how it went. */
enum lg_status lead_load_events(struct lead *L, struct lg_err *err);
void lead_load_events_start(struct lead *L, const char *path);
enum lg_status lead_load_events_wait(struct lead *L, struct lg_err *err);
/* A hint that l is scored soon: level 0 asks memory for where its
 * events' and account's lookups start, level 1 (a few contacts later)
 * for what those find, level 2 for its events.  Reads only; nothing
 * before the events are loaded. */
void lead_prefetch(const struct lead *L, const struct store_lead *l, int level);
enum lg_status lead_score(struct lead *L, const struct store_lead *l, struct lead_scored *out,
			  bool explain, struct lg_err *err);
enum lg_status lead_checklist(struct lead *L, int64_t contact_id, enum scoring_framework f,
			      struct scoring_checklist *out, struct lg_err *err);

/*
 * A score as shown: rounded to hundredths, half away from zero.  One rule
 * for every figure shown (score's rows, its explanation, qualify,
 * decide), so that they never differ in the last digit.
 */
static inline double lead_cents(double v)
{
	return (double)lround(v * 100) / 100;
}

/*
 * The explanation of sc for address as JSON: `score --explain --format
 * json`'s object (email, total, fit, confidence, engagement, intent,
 * product, grade, stage, contributions, rounding).  Here, not in view/,
 * because the handoff's payload carries it too and jobs/ does not depend
 * on view/; view_explain returns this.  Owned: json_decref.
 */
json_t *lead_explain_json(const char *address, const struct lead_scored *sc);
/* A figure as shown, rounded to places decimals (2: hundredths, as
 * lead_cents; 4; else 6); and s as a JSON string, null when it is not
 * UTF-8.  What the explanation and the views write numbers and text with. */
json_t *lead_json_fig(double v, int places);
json_t *lead_json_str(const char *s);
/* The name of a kind of line of an explanation ("title", "event", ...). */
const char *lead_line_kind(enum scoring_line_kind k);
/* What rounding each contribution to 0.01 leaves over, in hundredths, so
 * that the lines shown add up to the total shown. */
long lead_rounding(const struct lead_scored *sc);

/* The figures as score's rows print them, the same bytes as snprintf's
 * without its cost: lead_cents(v) as "%.2f", and v as "%.3f".  buf holds
 * at least LEAD_FIXED_MAX bytes; the length written (NUL-terminated). */
#define LEAD_FIXED_MAX 32
size_t lead_format_cents(char *buf, double v);
size_t lead_format_thousandths(char *buf, double v);

/*
 * ---- score.c: the scoring run ----
 * Every contact of the store (or of opts.list's current version) scored
 * at opts.now: job_score_write writes one row each to out (who it is, the
 * scores, grade, trend, stage), then records the automatic stage moves
 * the scores call for (each with when, why, the score and who: "auto") in
 * one transaction, each only if the contact's stage has not changed
 * meanwhile; with opts.dry_run none (the store is opened read-only).
 * With opts.explain, job_score_explain hands one contact's score with its
 * every contribution to fn instead (no row, no move).
 */
typedef void job_score_each_fn(void *arg, const struct store_lead *l, const struct lead_scored *sc);
typedef void job_score_explain_fn(void *arg, const char *address, const struct lead_scored *sc);
struct job_score_opts {
	const struct conf *conf; /* borrowed for the job's life */
	const char *db;          /* NULL: the default path */
	const char *list;        /* its members only; NULL: every contact */
	const char *explain;     /* the address of the contact to explain, or NULL */
	bool dry_run;            /* record no move */
	enum io_format format;
	enum io_guard guard;
	job_score_each_fn *each; /* called for each contact scored; may be NULL */
	void *arg;               /* each's */
	int64_t now;
};
/* What the moves of a run handed off (handoff.c). */
struct job_handoff_report {
	unsigned long handed;     /* to a rep */
	unsigned long unassigned; /* nobody eligible */
	unsigned long unrouted;   /* no route matched */
	unsigned long queued;     /* messages written to the outbox */
};
struct job_score_report {
	unsigned long scored, eligible;
	unsigned long by_stage[SCORING_STAGE_COUNT]; /* after the moves */
	size_t moves;                                /* the moves the scores called for */
	unsigned long skipped; /* of them, not recorded: the stage changed while scoring */
	bool dry_run;          /* none recorded */
	struct job_handoff_report handoff; /* the leads the moves handed off */
};
struct job_score;
/* *out is set even on failure: job_score_close it. */
enum lg_status job_score_open(struct job_score **out, const struct job_score_opts *opts,
			      struct lg_err *err);
/* The rows to out (not closed), then the moves recorded. */
enum lg_status job_score_write(struct job_score *j, int out, struct lg_err *err);
/* LG_ENOINPUT when the store has no such contact; fn's arguments are
 * borrowed for the call. */
enum lg_status job_score_explain(struct job_score *j, job_score_explain_fn *fn, void *arg,
				 struct lg_err *err);
const struct job_score_report *job_score_report(const struct job_score *j);
void job_score_close(struct job_score *j);

/*
 * ---- import.c: the skeleton of the bounce and event imports ----
 * job_import checks every file readable before the database is opened
 * (each one that is not is a warning; when none is, the database is not
 * opened, so none is made: report.opened false, report.unreadable the
 * status of the first, LG_ENOINPUT for a missing file).  Then it imports
 * each: read whole (at most max bytes) and handed to one() inside a
 * transaction of its own, recorded as an import run (of opts.list's, when
 * given), committed when one() returns LG_OK and followed by done().  A
 * file that cannot be read or is not of the kind (one() says LG_EDATA) is
 * rolled back, named in a warning and counted in report.failed, and the
 * next file is imported; any other failure (the database's) stops the run
 * and is returned.
 *
 * With opts.store set, job_import imports one body already in memory (a
 * request's) instead of files, the same way: on that store (db, list,
 * files and n unused), in a transaction of its own, with no list, name
 * saying which in messages and in the import run.  A body that is not of
 * the kind is not passed over as a file is: LG_EDATA is returned (in err,
 * the parser's message) and nothing is imported.  job_warn: a
 * JOB_NOTICE_WARNING through notice (may be NULL), formatted.
 */
struct store_run;
typedef enum lg_status job_import_fn(void *arg, struct store *s, const char *file, const char *data,
				     size_t len, const struct store_run *run, struct lg_err *err);
typedef void job_import_done_fn(void *arg, const char *file);
struct job_import_opts {
	const char *db;     /* NULL: the default path */
	const char *list;   /* the list the events came from, or NULL */
	char *const *files; /* borrowed */
	int n;
	size_t max; /* a larger file is refused */
	int64_t now;
	job_import_fn *one;
	job_import_done_fn *done;
	void *arg;             /* one's and done's */
	job_notice_fn *notice; /* the caller's, as it is; may be NULL */
	void *notice_arg;
	struct store *store; /* a body's (borrowed); NULL: the files' */
	const char *name;    /* the body's */
	const char *body;
	size_t len;
};
struct job_import_report {
	int n, failed;             /* files, and of them not imported */
	bool opened;               /* the database was opened: some file could be read */
	enum lg_status unreadable; /* the first file's that could not be, or LG_OK */
};
enum lg_status job_import(const struct job_import_opts *opts, struct job_import_report *rep,
			  struct lg_err *err);
void job_warn(job_notice_fn *notice, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * ---- bounces.c: the bounce import ----
 * opts.files' bounce events (every format bounce/ reads) into the store
 * at opts.db, each file in one transaction (job_import); an event
 * imported before adds nothing.  A record that is not a usable event is a
 * warning with its file and line (the first 20 of a file; then how many
 * more); done() has each imported file's counts.
 *
 * job_bounces_import_body imports one body already in memory (a webhook's)
 * on s the same way (job_import with opts.store), in its own transaction,
 * with no list (opts.db, files, n and list unused); want, an enum
 * bounce_format or -1 for any, is the only format the body may have:
 * another is LG_EDATA and nothing is imported.  Its counts into f (and to
 * done(), when set).
 */
struct job_bounces_file {
	const char *format;                       /* the format detected (static) */
	unsigned long added, dup;                 /* events new, and imported before */
	unsigned long by_type[BOUNCE_TYPE_COUNT]; /* of the new, by enum bounce_type */
	unsigned long suppressed;                 /* addresses newly suppressed */
	unsigned long notices;       /* a provider's suppression notices (no bounce events) */
	unsigned long bad;           /* records not imported */
	unsigned long ignored;       /* other events of the file */
	unsigned long gates_changed; /* lists whose gate verdict changed (list_gate_note) */
};
typedef void job_bounces_done_fn(void *arg, const char *file, const struct job_bounces_file *f);
struct job_bounces_opts {
	const struct conf *conf; /* borrowed */
	const char *db;          /* NULL: the default path */
	const char *list;        /* the list the bounces came from; NULL: found from exports */
	char *const *files;      /* borrowed */
	int n;
	int64_t now;
	job_notice_fn *notice;     /* may be NULL */
	job_bounces_done_fn *done; /* may be NULL */
	void *arg;                 /* notice's and done's */
	struct verify_ctx *ctx;    /* borrowed; NULL: conf's */
	/* Not NULL: the lists whose gate the new bounces may change are not
	 * weighed in the file's transaction but handed to gate_later (once
	 * each), for the caller to weigh later with list_gates_check (the
	 * service: every few seconds, not once a webhook post); only with
	 * [handoff] events set. */
	void (*gate_later)(void *arg, const char *list);
	void *gate_arg;
};
enum lg_status job_bounces_import_body(const struct job_bounces_opts *opts, struct store *s,
				       const char *name, const char *data, size_t len, int want,
				       struct job_bounces_file *f, struct lg_err *err);
enum lg_status job_bounces_import(const struct job_bounces_opts *opts,
				  struct job_import_report *rep, struct lg_err *err);

/*
 * ---- events.c: the event import ----
 * opts.files' engagement and intent events, NDJSON or CSV (told from the
 * first character), read through opts.map when given, into the store at
 * opts.db, each file in one transaction (job_import); an event_id
 * imported before adds nothing.  A record that is not a usable event, and
 * an event of a type the rubric does not know (imported all the same),
 * are warnings with their file and line (the first 20 of a file; then how
 * many more); done() has each imported file's counts.
 */
struct engage_map;
struct job_events_file {
	bool ndjson;                             /* else CSV */
	unsigned long added, dup;                /* events new, and imported before */
	unsigned long contact, account, unknown; /* of the new: of contacts, of accounts,
						  * of types the rubric does not know */
	unsigned long bad;                       /* records not imported */
	unsigned long ignored;                   /* records the map says are no events */
};
typedef void job_events_done_fn(void *arg, const char *file, const struct job_events_file *f);
struct job_events_opts {
	const struct conf *conf;      /* borrowed */
	const struct engage_map *map; /* borrowed from conf; NULL: the events format */
	const char *db;               /* NULL: the default path */
	char *const *files;           /* borrowed */
	int n;
	int64_t now;
	job_notice_fn *notice;    /* may be NULL */
	job_events_done_fn *done; /* may be NULL */
	void *arg;                /* notice's and done's */
	struct verify_ctx *ctx;   /* borrowed; NULL: conf's */
};
enum lg_status job_events_import(const struct job_events_opts *opts, struct job_import_report *rep,
				 struct lg_err *err);
/* One NDJSON body already in memory (a request's) imported on s the same
 * way (job_import with opts.store), in its own transaction (opts.db, files
 * and n unused); a body that is not NDJSON is LG_EDATA and nothing is
 * imported.  Its counts into f (and to done(), when set). */
enum lg_status job_events_import_body(const struct job_events_opts *opts, struct store *s,
				      const char *name, const char *data, size_t len,
				      struct job_events_file *f, struct lg_err *err);

/*
 * ---- qualify.c: qualify, decide, the rejection report and the funnel ----
 * The jobs on one contact name it by opts.email (any spelling of its
 * address: its key finds it) in the store at opts.db, which must hold it
 * (LG_ENOINPUT, and no database is made).  A framework or criterion that
 * does not exist is LG_EUSAGE.
 */
struct job_lead_opts {
	const struct conf *conf; /* borrowed */
	const char *db;          /* NULL: the default path */
	const char *email;       /* borrowed */
	int64_t now;
};

/* Record a piece of evidence: a criterion of ev.framework (NULL: the
 * configured one), met, partial or not_met, how sure, where from. */
struct job_evidence {
	const char *framework, *criterion, *status, *source, *note; /* note may be NULL */
	double confidence;
	int64_t valid_until; /* 0: never expires */
	/* job_evidence_parse: status and source as the enums */
	enum scoring_ev_status ev_status;
	enum scoring_ev_source ev_source;
};
struct job_evidence_report {
	char address[512];
	const char *framework, *criterion; /* static */
};
/* Complete ev (its strings as given; confidence and valid_until as text,
 * valid_until may be NULL): LG_EUSAGE, saying which, for one missing or
 * not of its kind. */
enum lg_status job_evidence_parse(struct job_evidence *ev, const char *confidence,
				  const char *valid_until, struct lg_err *err);
enum lg_status job_evidence_add(const struct job_lead_opts *opts, const struct job_evidence *ev,
				struct job_evidence_report *rep, struct lg_err *err);

/* A contact's checklist at now (framework NULL: the configured one) and
 * every condition SQL needs, each with whether it holds; blocked counts
 * those that do not (0 once it is SQL). */
#define JOB_QUALIFY_NEEDS 6
struct job_qualify_result {
	char address[512];
	enum scoring_stage stage; /* as recorded */
	struct scoring_result r;
	enum scoring_framework framework;
	struct scoring_checklist checklist; /* framework's */
	struct scoring_checklist sql;       /* the configured framework's, which decides SQL */
	struct {
		char what[160];
		bool ok;
	} need[JOB_QUALIFY_NEEDS];
	int blocked;
};
enum lg_status job_qualify(const struct job_lead_opts *opts, const char *framework,
			   struct job_qualify_result *out, struct lg_err *err);

/*
 * A contact as it stands (`leadgate contact EMAIL`, GET /v1/contacts/
 * {email}): its verdict and suppression, the decay policy of its list
 * source (what its freshness is judged by, at now), its score and stage
 * as recorded, and its verdicts newest first: the first
 * JOB_CONTACT_HISTORY of total.
 */
#define JOB_CONTACT_HISTORY 20
struct job_contact_verdict {
	int64_t run;            /* 0: the verdict as it stands */
	char kind[16], how[16]; /* store_evidence's */
	char list[128];         /* "" when none (has_list false) */
	bool has_list;
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;
	char mx[256], provider[64];
	int64_t verified_at;
	/* the SMTP evidence: smtp_outcome 0 when no probe decided it */
	uint8_t smtp_outcome; /* enum smtp_outcome */
	bool smtp_tls;
	char smtp_reply[16];
	int64_t smtp_at;
};
struct job_contact_result {
	char address[512];
	char source[128]; /* its list source, "" */
	int64_t now;
	struct job_contact_verdict verdict;
	enum store_suppress suppressed;
	struct decay_policy decay;
	struct scoring_result r;
	enum scoring_stage stage; /* as recorded */
	int64_t stage_since;      /* 0 when it never moved */
	struct job_contact_verdict history[JOB_CONTACT_HISTORY];
	size_t n;
	unsigned long total; /* verdicts in all; more than n: the oldest are left out */
};
enum lg_status job_contact(const struct job_lead_opts *opts, struct job_contact_result *out,
			   struct lg_err *err);

/* A rep's decision: to SAL (accept), disqualified (reject) or recycled,
 * with a reason (one of job_decide_reasons; NULL only to accept).  An
 * accept of a contact that is not eligible is refused (result.refused,
 * nothing recorded); bad_data also sends the contact back to
 * re-verification.  LG_ETEMP when its stage changed meanwhile. */
#define JOB_DECIDE_REASONS 10
extern const char *const job_decide_reasons[JOB_DECIDE_REASONS];
struct job_decision {
	enum scoring_stage to;
	const char *what;               /* "accept", "reject" or "recycle" */
	const char *reason, *note, *by; /* reason, note may be NULL */
	/* > 0: an accept through the accept link of this handoff, for the
	 * rep `by`: recorded only while the handoff is open and still by's
	 * (result.handoff_moved otherwise, nothing recorded) */
	int64_t handoff;
};
struct job_decide_result {
	char address[512];
	enum scoring_stage from;
	struct scoring_result r;
	enum verify_status status;
	bool suppressed;
	bool refused;          /* not eligible: not accepted */
	bool move;             /* a move was recorded (else it was there already) */
	bool bad_data;         /* sent back to re-verification */
	bool handoff_accepted; /* accept: the lead's open handoff accepted */
	bool handoff_moved;    /* decision.handoff no longer open for by: nothing recorded */
};
/* Complete d from d.what, reason and by as given (by NULL or empty:
 * "rep"): LG_EUSAGE, saying which, for one that is not of its kind. */
enum lg_status job_decision_parse(struct job_decision *d, struct lg_err *err);
enum lg_status job_decide(const struct job_lead_opts *opts, const struct job_decision *d,
			  struct job_decide_result *out, struct lg_err *err);

/*
 * The accept link's handoff (serve/accept.c, after the link's signature
 * is checked): handoff id as rep sees it, and with accept, accepted by
 * rep as `decide EMAIL accept --by REP` would (job_decide, with
 * decision.handoff: an escalation between the look and the accept is
 * seen).  opts.email is not used: the handoff names its contact.
 */
enum job_link_state {
	JOB_LINK_OPEN = 0,     /* open and rep's: to accept (left so without accept) */
	JOB_LINK_ACCEPTED = 1, /* accepted: now (out.now), or before, by accepted_by */
	JOB_LINK_MOVED = 2,    /* no longer rep's: escalated to another rep (out.rep) or nobody */
	JOB_LINK_CLOSED = 3,   /* closed */
	JOB_LINK_UNKNOWN = 4,  /* no such handoff */
	JOB_LINK_REFUSED = 5,  /* the contact is not eligible now: not accepted (out.d) */
};
struct job_link {
	enum job_link_state state;
	bool now;          /* accepted by this call */
	char address[512]; /* the contact's */
	char rep[64];      /* its rep now; "": nobody */
	char accepted_by[128];
	int64_t accepted_at;
	struct job_decide_result d; /* the accept: what decide did */
};
enum lg_status job_handoff_link(const struct job_lead_opts *opts, int64_t id, const char *rep,
				bool accept, struct job_link *out, struct lg_err *err);

/* Rejection rates of reps' decisions by reason, by list source (the
 * first ones one by one, the rest as "(other)") and by score band. */
#define JOB_REJECTION_BANDS 4
#define JOB_REJECTION_SOURCES 64
extern const char *const job_rejection_bands[JOB_REJECTION_BANDS];
struct job_rejections {
	struct {
		char name[64];
		unsigned long decisions, rejections;
	} src[JOB_REJECTION_SOURCES];
	unsigned nsrc;
	unsigned long reason[JOB_DECIDE_REASONS];
	unsigned long band[JOB_REJECTION_BANDS][2]; /* decisions, rejections */
	unsigned long decisions, rejections;
};
enum lg_status job_rejections(const char *db, struct job_rejections *out, struct lg_err *err);

/*
 * The handoff's SLA as it went (sla.c: `report sla`, GET /v1/reports/sla):
 * a row per rep and per team, by name.  handed: the leads handed to them
 * (a rep: each assignment to them, escalations to them included);
 * accepted, in_sla (accepted by the deadline); median_s, p90_s: the time
 * to accept, seconds, from the handing to the rep who accepted, nearest
 * rank (-1: none accepted); escalations (a rep: the deadlines they let
 * pass; a team: every one, to nobody too);
 * rejected, and reason[] by job_decide_reasons, of the contacts handed
 * off.  unassigned: handoffs with no rep.  Free with job_sla_free.
 */
struct job_sla_row {
	char *name;
	char *team; /* a rep's: the team of a lead handed to them; NULL for a team */
	unsigned long handed, accepted, in_sla, escalations, rejected;
	unsigned long reason[JOB_DECIDE_REASONS];
	double median_s, p90_s;
	int64_t *t; /* the times to accept (sla.c's) */
	size_t nt, capt;
};
struct job_sla {
	struct job_sla_row *rep, *team;
	size_t nrep, nteam, caprep, capteam;
	unsigned long unassigned;
};
enum lg_status job_sla(const char *db, struct job_sla *out, struct lg_err *err);
void job_sla_free(struct job_sla *s);

/* The funnel worked backward from customers at rates (NULL: the
 * defaults, scoring_funnel_default); with the store's
 * history (no store is none), the observed raw -> MQL and MQL -> SQL
 * rates where the sample is big enough, and the funnel at those. */
struct job_funnel {
	double rate[SCORING_FUNNEL_STEPS];
	unsigned long need[SCORING_FUNNEL_STEPS + 1];
	bool have_hist, have_obs;
	unsigned long contacts, mql, sql;
	unsigned long start[2], moved[2]; /* step i: reached its earlier stage, its later */
	double obs[SCORING_FUNNEL_STEPS]; /* rate, or the observed one where obs_used */
	bool obs_used[SCORING_FUNNEL_STEPS];
	unsigned long obs_need[SCORING_FUNNEL_STEPS + 1];
};
void job_funnel(const char *db, unsigned long customers, const double *rates,
		struct job_funnel *out);
/* Funnel rates as a caller gives them: "R1,R2,R3,R4", each in (0, 1], into
 * rates; LG_EUSAGE (with the message) for anything else. */
enum lg_status job_funnel_rates_parse(const char *s, double rates[SCORING_FUNNEL_STEPS],
				      struct lg_err *err);

/* ---- keys.c: the service's API keys ---- */

/*
 * What a key may do.  `leadgate keys create` gives JOB_SCOPE_VERIFY alone
 * when no scope is named.  A key is "lg_", a public id (10 characters of
 * lower-case base32, how the key is found), "_" and 43 characters of
 * base64url (32 random bytes of GnuTLS's key generator): 57 in all.  The
 * store keeps the public id and the SHA-256 of the whole key, never the
 * key: it is shown once, when created.
 */
enum job_scope {
	JOB_SCOPE_VERIFY = 1u << 0,
	JOB_SCOPE_JOBS = 1u << 1,
	JOB_SCOPE_LISTS = 1u << 2,
	JOB_SCOPE_BOUNCES = 1u << 3,
	JOB_SCOPE_EVENTS = 1u << 4,
	JOB_SCOPE_LEADS = 1u << 5,
	JOB_SCOPE_ADMIN = 1u << 6, /* admin implies every other scope */
};
#define JOB_SCOPE_ALL 0x7fu /* every scope's bit */
#define JOB_KEY_NAME_MAX 64 /* a key's name: 1 to 64 of [A-Za-z0-9._-] */
#define JOB_KEY_LEN 57      /* "lg_" + 10 + "_" + 43 */
/* "verify,jobs" -> mask; LG_EUSAGE naming the unknown word. */
enum lg_status job_scopes_parse(const char *text, unsigned *out, struct lg_err *err);
/* mask -> "verify,jobs" (in the enum's order) in buf; returns buf. */
const char *job_scopes_name(unsigned scopes, char *buf, size_t size);
/* Do scopes (a key's) allow what need asks for: every bit of need, or admin. */
bool job_scopes_allow(unsigned scopes, unsigned need);
/* Is name a key's name as job_key_create takes it?  false: LG_EUSAGE in err. */
bool job_key_name_ok(const char *name, struct lg_err *err);

struct job_key {
	char name[65];
	unsigned scopes;
	int64_t created_at;
	int64_t revoked_at; /* 0: live */
	size_t index; /* 0..n-1 within its keyring: the server keeps per-key state (its rate bucket) by it */
};
/*
 * A new key called name with scopes (in a transaction of its own):
 * *secret (owned: free) is the key, to be shown once.  LG_EUSAGE for a
 * bad name or scopes, or a name a key (revoked or not) already has.
 */
enum lg_status job_key_create(struct store *s, const char *name, unsigned scopes, int64_t now,
			      char **secret, struct lg_err *err);
/* LG_ENOINPUT when no key has that name; *was_revoked true if it already was. */
enum lg_status job_key_revoke(struct store *s, const char *name, int64_t now, bool *was_revoked,
			      struct lg_err *err);
/* Every key, oldest first (owned array: free); index is its place in it. */
enum lg_status job_keys_list(struct store *s, struct job_key **keys, size_t *n, struct lg_err *err);

/*
 * The keys a server checks requests against: read once, read again by
 * job_keyring_refresh when the store changed (a key created or revoked by
 * `leadgate keys` in another process); cheap when nothing changed
 * (PRAGMA data_version, and a count of the store handle's own key
 * writes: store_keys_changed).
 *
 * The ring holds every key, revoked ones too (never matched), in the
 * order they were created; a key's index is its place in that order.
 * Keys are never deleted, so a refresh only appends: a key keeps its
 * index across refreshes and a new one takes the next.  (Only a row
 * deleted from the database by hand renumbers the keys after it.)  A
 * server keeps per-key state in an array of job_keyring_count entries,
 * grown after a refresh that says changed.
 *
 * A refresh that finds nothing changed costs a read of SQLite's data
 * version, which starts a read transaction (about 10 us); a reload reads
 * every key (about 1 ms for a thousand).  A check is a SHA-256 of the
 * token and a binary search (under 1 us).  So a server refreshes on a
 * timer or when a second has passed, not before every check.
 *
 * A refresh replaces the ring's arrays: no check may run during one (the
 * server holds a lock, shared for checks, exclusive for the refresh), and
 * a job_key a check returned is borrowed until the next refresh.  Checks
 * only read, so several threads may check at once.  The ring borrows s
 * (which no other thread uses meanwhile) until job_keyring_close.
 */
struct job_keyring;
enum lg_status job_keyring_open(struct job_keyring **out, struct store *s, struct lg_err *err);
enum lg_status job_keyring_refresh(struct job_keyring *kr, bool *changed, struct lg_err *err);
/* The live key that token (len bytes, not NUL-terminated) is, or NULL
 * (malformed, unknown, revoked).  The digest comparison is constant time.
 * Borrowed until the next refresh or the close. */
const struct job_key *job_keyring_check(const struct job_keyring *kr, const char *token, size_t len);
size_t job_keyring_count(const struct job_keyring *kr); /* indexes run 0..count-1 */
void job_keyring_close(struct job_keyring *kr);

/*
 * ---- handoff.c: the handoff (leadgate(1) HANDOFF) ----
 *
 * When a move takes a contact to a stage of [handoff] on, the lead is
 * routed (route_match on its stage, grade, region, industry, size and
 * source; the account's owner when a contact of its account was handed
 * to a rep before; else the team's weighted rotation, kept in the store)
 * and recorded as a handoff, with a lead.handoff message in the outbox
 * when the team has a webhook: all in the caller's transaction, the one
 * of the move.  No eligible rep: the handoff is recorded unassigned (no
 * message; `handoff status` counts them).
 *
 * job_handoff_new: *out NULL (and every job_handoff_move a no-op) when
 * the configuration routes nothing (no [route.NAME]).  s, c and vctx are
 * borrowed until job_handoff_free.  job_handoff_move is called after
 * store_move_add moved contact_id to `to`, inside its transaction.
 */
struct job_handoff;
enum lg_status job_handoff_new(struct job_handoff **out, struct store *s, const struct conf *c,
			       struct verify_ctx *vctx, int64_t now, struct lg_err *err);
enum lg_status job_handoff_move(struct job_handoff *h, int64_t contact_id, enum scoring_stage to,
				struct lg_err *err);
const struct job_handoff_report *job_handoff_report(const struct job_handoff *h);
void job_handoff_free(struct job_handoff *h);

/*
 * The service's own events, through the same outbox and signer as the
 * handoff: a message {"type", "timestamp": now, "data": data (taken)} to
 * url, pending from now under a new webhook-id, in the caller's
 * transaction, under target ROUTE_TARGET_JOB (a bulk job's
 * job.completed to its callback_url) or ROUTE_TARGET_EVENTS
 * (list.gate_changed to [handoff] events).  Both are signed with
 * [handoff] secret when sent; these two names are no team's
 * (conf_finish_handoff refuses them).
 */
enum lg_status job_handoff_event(struct store *s, const char *type, const char *target,
				 const char *url, json_t *data, int64_t now, struct lg_err *err);

/*
 * `leadgate handoff run`: the handoffs that had nobody given to their
 * team's rep eligible now, each with its lead.handoff message; then the
 * SLA as of now (every open handoff past its
 * deadline goes to the next eligible rep of its team, not the one who let
 * it pass, with a lead.escalated message; nobody: unassigned; one whose
 * team is no longer configured is left as it is), then every
 * outbox message due at now sent once (signed with its team's secret),
 * each outcome recorded as it comes, in a transaction of its own:
 * delivered (a 2xx); pending with its next attempt (retry.h, Retry-After
 * honoured); dead past the last attempt or when refused (the URL or its
 * address); disabled, with its endpoint, on 410.  Returns when every
 * attempt has ended.  http:// URLs and private addresses only with
 * [handoff] allow_private_targets.  A CRM's or Slack's answer is judged by
 * target_status(): an error there is dead at once (failed).
 */
struct job_handoff_opts {
	const struct conf *conf; /* borrowed */
	const char *db;          /* NULL: the default path */
	int64_t now;
};
struct job_handoff_run_report {
	unsigned long assigned; /* handoffs that had nobody, given to a rep now */
	unsigned long escalated, unassigned, queued;             /* the SLA */
	unsigned long sent, delivered, retrying, dead, disabled; /* the attempts */
	unsigned long failed; /* refused by a CRM or Slack for what they are: not retried
			       * (kept dead, with the reason) */
};
enum lg_status job_handoff_run(const struct job_handoff_opts *o, struct job_handoff_run_report *rep,
			       struct lg_err *err);
/* The outbox by target (fn as store_outbox_counts') and the handoffs
 * with nobody. */
enum lg_status job_handoff_status(const struct job_handoff_opts *o,
				  enum lg_status (*fn)(void *arg, const struct store_outbox_count *c,
						       struct lg_err *err),
				  void *arg, unsigned long *unassigned, struct lg_err *err);
/*
 * The outbox drained by `leadgate serve`, on its own loop and sender: the
 * steps of job_handoff_run, split so that the store is used on a thread
 * that may wait for it and the sender on the loop.  A round: take (a
 * worker: the SLA as of now, then at most max messages due), send (the
 * loop: each submitted; all_done(arg) from the loop once the last one
 * submitted has its outcome, never from inside send), record (a worker:
 * each outcome in a transaction of its own, as job_handoff_run does).  A
 * message taken and not recorded (the service stopped) stays pending:
 * sent again, under the same webhook-id, next time.  conf is borrowed
 * until job_handoff_drain_free.
 */
struct job_handoff_drain;
struct sender;
enum lg_status job_handoff_drain_new(struct job_handoff_drain **out, const struct conf *c,
				     struct lg_err *err);
void job_handoff_drain_free(struct job_handoff_drain *d);
enum lg_status job_handoff_drain_take(struct job_handoff_drain *d, struct store *s, int64_t now,
				      size_t max, struct lg_err *err);
/* Messages taken by the last take. */
size_t job_handoff_drain_taken(const struct job_handoff_drain *d);
/* Submit what was taken; a failure of the sender leaves the rest pending. */
enum lg_status job_handoff_drain_send(struct job_handoff_drain *d, struct sender *snd,
				      void (*all_done)(void *arg), void *arg, struct lg_err *err);
/* Submitted and not called back yet: 0 after send, all_done will not come. */
size_t job_handoff_drain_left(const struct job_handoff_drain *d);
/* Each message of the round that has its outcome: fn(arg, its target,
 * send_outcome_name of it); from the loop, before record. */
void job_handoff_drain_outcomes(const struct job_handoff_drain *d,
				void (*fn)(void *arg, const char *target, const char *outcome),
				void *arg);
/* The round's outcomes recorded; the round's counts into *rep (may be NULL). */
enum lg_status job_handoff_drain_record(struct job_handoff_drain *d, struct store *s,
					struct job_handoff_run_report *rep, struct lg_err *err);
/* Send message id again, or (id NULL) every dead one: pending at now,
 * attempts from 0, its endpoint enabled again; how many into *n.
 * LG_ENOINPUT for an id the outbox does not hold. */
enum lg_status job_handoff_retry(const struct job_handoff_opts *o, const char *id, unsigned long *n,
				 struct lg_err *err);

#endif
