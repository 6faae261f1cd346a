/*
 * verify.h - the per-address verdict: syntax (RFC 5321, 5322, 6531),
 * normalization (NFC local part, IDNA 2008 / UTS 46 A-label domain) and
 * classification (role, free, disposable, typo, duplicate).
 *
 * Pure: no I/O, no globals.  A verify_ctx holds the compiled lists and
 * patterns and, for a list run, the set of addresses and domains seen so
 * far.  One context serves one thread.
 *
 * A verdict is data: every call produces a result, a malformed address
 * included.  Nothing here fails but allocation, which aborts.
 */
#ifndef LG_VERIFY_H
#define LG_VERIFY_H

#include "common/common.h"
#include "dns/dns.h"

enum verify_status {
	VERIFY_DELIVERABLE = 0,
	VERIFY_RISKY = 1,
	VERIFY_UNDELIVERABLE = 2,
	VERIFY_UNKNOWN = 3,
};
#define VERIFY_STATUS_COUNT 4

/*
 * Reason codes.  Each has a stable name ("syntax.local_too_long"), fixed
 * status and one-line description: see verify_reason_*().  Numbers and
 * names never change; new codes are appended.  The README and leadgate(1)
 * document every one (a test checks that).
 */
enum verify_reason {
	VERIFY_R_OK = 0,
	VERIFY_R_DNS_SKIPPED,
	VERIFY_R_EMPTY,
	VERIFY_R_TOO_LONG,
	VERIFY_R_NO_AT,
	VERIFY_R_LOCAL_EMPTY,
	VERIFY_R_LOCAL_TOO_LONG,
	VERIFY_R_LOCAL_DOT,
	VERIFY_R_LOCAL_CHAR,
	VERIFY_R_QUOTED,
	VERIFY_R_COMMENT,
	VERIFY_R_OBSOLETE,
	VERIFY_R_DISPLAY_NAME,
	VERIFY_R_UTF8,
	VERIFY_R_INVISIBLE,
	VERIFY_R_CONFUSABLE,
	VERIFY_R_DOMAIN_EMPTY,
	VERIFY_R_DOMAIN_TOO_LONG,
	VERIFY_R_LABEL_EMPTY,
	VERIFY_R_LABEL_TOO_LONG,
	VERIFY_R_LABEL_HYPHEN,
	VERIFY_R_DOMAIN_CHAR,
	VERIFY_R_DOMAIN_NO_DOT,
	VERIFY_R_TLD_NUMERIC,
	VERIFY_R_DOMAIN_LITERAL,
	VERIFY_R_IDNA,
	VERIFY_R_SPECIAL_USE,
	VERIFY_R_DISPOSABLE,
	VERIFY_R_INPUT_MISSING,
	VERIFY_R_ROLE,
	VERIFY_R_NULL_MX,
	VERIFY_R_NO_MAIL_HOST,
	VERIFY_R_NXDOMAIN,
	VERIFY_R_SERVFAIL,
	VERIFY_R_TIMEOUT,
	VERIFY_R_BOUNCE_HARD,
	/* The SMTP stage (job_smtp_verdict): what the mail host said. */
	VERIFY_R_SMTP_CATCH_ALL,
	VERIFY_R_SMTP_NO_MAILBOX,
	VERIFY_R_SMTP_DISABLED,
	VERIFY_R_SMTP_MAILBOX_FULL,
	VERIFY_R_SMTP_BLOCKED,
	VERIFY_R_SMTP_GREYLISTED,
	VERIFY_R_SMTP_TIMEOUT,
	VERIFY_R_SMTP_NO_CONNECT,
	VERIFY_R_SMTP_UNDECIDED,
	VERIFY_R_COUNT
};

/* Flags, one bit each; names in verify_flag_name(bit). */
enum verify_flag {
	VERIFY_F_ROLE = 1u << 0,       /* info@, sales@, noreply@ ... */
	VERIFY_F_FREE = 1u << 1,       /* a free mail provider */
	VERIFY_F_DISPOSABLE = 1u << 2, /* a throwaway mail domain */
	VERIFY_F_DUPLICATE = 1u << 3,  /* an earlier row had this address */
	VERIFY_F_SMTPUTF8 = 1u << 4,   /* UTF-8 local part (RFC 6531) */
	VERIFY_F_QUOTED = 1u << 5,     /* quoted local part */
	VERIFY_F_TYPO = 1u << 6,       /* domain looks mistyped; see suggestion */
	VERIFY_F_RAGGED = 1u << 7,     /* row had a different field count (set by the caller) */
	VERIFY_F_MULTIPLE = 1u << 8,   /* the cell held several addresses; the first was verified */
	VERIFY_F_ACCEPT_ALL = 1u << 9, /* the mail host accepts any local part (catch-all) */
	VERIFY_F_SMTP_SKIPPED = 1u << 10, /* the provider's RCPT answers mean nothing: not probed */
};
#define VERIFY_FLAG_COUNT 11
/* The flags that describe a row of one file, not the address: the store
 * keeps a contact's flags without them. */
#define VERIFY_F_ROW_ONLY (VERIFY_F_DUPLICATE | VERIFY_F_RAGGED | VERIFY_F_MULTIPLE)

const char *verify_status_name(enum verify_status st);
const char *verify_reason_name(enum verify_reason r);
const char *verify_reason_doc(enum verify_reason r);
enum verify_status verify_reason_status(enum verify_reason r);
const char *verify_flag_name(unsigned bit); /* bit index 0..VERIFY_FLAG_COUNT-1 */

/* Write flags as "role;free" into buf (NUL-terminated); returns the length. */
size_t verify_flags_format(unsigned flags, char *buf, size_t cap);

struct verify_result {
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;
	/* The rest are borrowed from the context, valid until its next call,
	 * never NULL, "" when there is nothing to say. */
	const char *normalized; /* local part as given (NFC) @ lower-case A-label domain */
	size_t normalized_len;
	const char *suggestion; /* "did you mean": advice only */
	size_t suggestion_len;
	const char *domain; /* the A-label domain, for the DNS stage ("" when it has none) */
	size_t domain_len;
	size_t org_len; /* its registrable domain is its last org_len bytes */
};

/* Names, lower-case, one per entry; borrowed from whoever filled them. */
struct verify_names {
	const char *const *item;
	size_t n;
};

/* What a context classifies by (conf/ fills it: conf_verify_policy). */
struct verify_policy {
	struct verify_names role;       /* role local parts: info, sales, ... */
	struct verify_names free;       /* free mail provider domains */
	struct verify_names disposable; /* disposable registrable domains */
	struct verify_names typo;       /* typo targets, in priority order */
	struct verify_names allow;      /* never flagged disposable or typo */
	unsigned typo_frequent_min;     /* a domain this frequent in a list is a typo target
					 * (0: 20) */
};

struct verify_ctx;

/* A context for p's lists (copied: p and its names may go away after).
 * Owned: free with verify_ctx_free. */
struct verify_ctx *verify_ctx_new(const struct verify_policy *p);
void verify_ctx_free(struct verify_ctx *ctx);

/*
 * Verify one cell of a list, as its next row.  Surrounding ASCII white
 * space is trimmed first.  Duplicates (same trimmed address ignoring case)
 * get flag duplicate and the first row's verdict; domains frequent in the
 * list so far become typo targets.
 */
void verify_list_row(struct verify_ctx *ctx, const char *cell, size_t len,
		     struct verify_result *out);

/* Verify one address alone: no duplicate or list-frequency state is used
 * or changed. */
void verify_address(struct verify_ctx *ctx, const char *cell, size_t len, struct verify_result *out);

/*
 * The DNS stage: does this verdict wait for its domain's mail hosts?  True
 * for a valid address (reason dns.skipped), and for one on a disposable
 * domain (class.disposable): a throwaway domain that does not exist, or
 * takes no mail, is undeliverable like any other.
 */
static inline bool verify_needs_dns(const struct verify_result *v)
{
	return v->reason == VERIFY_R_DNS_SKIPPED || v->reason == VERIFY_R_DISPOSABLE;
}

/*
 * Complete a verdict that needs DNS with its domain's outcome (not
 * DNS_PENDING): MX or implicit MX -> deliverable (risky, class.role, for a
 * role address); null MX, no mail host, NXDOMAIN -> undeliverable;
 * SERVFAIL, timeout -> unknown.  A disposable address stays risky
 * (class.disposable) unless the domain is undeliverable: the answer that
 * the domain takes mail, or no answer, says nothing against its being
 * throwaway.
 */
void verify_apply_dns(struct verify_result *v, enum dns_outcome o);

/* ---- identity: the keys of a contact and of its account ---- */

/*
 * A contact's key, the one the store keeps a contact under, events and
 * bounces name it by, and a list's duplicates are found by: the verdict's
 * normalized address with its local part case folded (Unicode's full
 * folding, NFC) and its lower-case A-label domain, so that Ann@X.com and
 * ann@x.com are one contact, and so are two spellings that differ in the
 * case of a non-ASCII letter (an upper-case and a lower-case a-umlaut).
 * Plus-tags and dots stay: a provider may deliver them elsewhere.  Written to key (reset first,
 * NUL-terminated); returns its length, 0 (key empty) when v holds no
 * valid address.
 */
size_t verify_contact_key(const struct verify_result *v, struct lg_buf *key);

/*
 * The key of an address as a user or a file gives it (verified alone,
 * as verify_address does): true with verify_contact_key's when it is a
 * valid address; false when not, with the text trimmed, NFC when it is
 * valid UTF-8 and ASCII case folded in key (a list's duplicate key of
 * such a cell), under which an address that is no valid address (a
 * bounce's recipient, a contact an older leadgate took) is kept.  *out,
 * when not NULL, gets the verdict (borrowed as verify_address says).
 */
bool verify_contact_key_of(struct verify_ctx *ctx, const char *s, size_t n, struct lg_buf *key,
			   struct verify_result *out);

/*
 * An account's key: the registrable domain of v's A-label domain (the
 * Public Suffix List's eTLD+1: mail.example.co.uk -> example.co.uk), the
 * whole domain when it has none (two labels need no PSL walk).  Lower
 * case.  *key is borrowed from v (so from its context, until the context
 * is freed: domains live in its cache); returns the length, 0 (*key "")
 * when v holds no valid address.
 */
size_t verify_account_key(const struct verify_result *v, const char **key);

/*
 * The account key of a domain as a file names it (an account's event):
 * verify_account_key of the address postmaster@domain, so that a domain
 * is an account exactly when its postmaster's address is valid.  Borrowed
 * from ctx until it is freed; 0 when the domain is not valid.
 */
size_t verify_domain_account(struct verify_ctx *ctx, const char *domain, size_t n, const char **key);

/* ---- the list gate (gate.c): bounce-rate arithmetic, pure ---- */

/*
 * What the gate weighs for one list.  The predicted part sums, over the
 * records that would be exported, each record's bounce probability p (see
 * verify_gate_record_p); the observed part counts distinct records
 * exported and, of them, those that hard-bounced after their export.
 */
struct verify_gate_input {
	unsigned long candidates;   /* records that would be exported */
	double sum_p;               /* sum of their p */
	double sum_pq;              /* sum of p (1 - p): the variance of the bounce count */
	unsigned long exported;     /* distinct records exported so far */
	unsigned long hard_bounces; /* of them, hard-bounced after export */
};

/*
 * The bounce-rate gate's policy.  A list is blocked when the upper end of
 * the 95 % interval of the predicted bounce rate of what would be
 * exported, or the lower end of the Wilson 95 % interval of the observed
 * hard-bounce rate, is above threshold.  conf/ fills it ([gate]).
 */
struct verify_gate_policy {
	double threshold;                  /* 0.01: 1 % */
	double prior[VERIFY_STATUS_COUNT]; /* bounce probability of a fresh verdict, by status:
				 * deliverable 0.005, risky 0.10, undeliverable 1.0, unknown 0.25 */
	/* What a mailbox probe (smtp/) adds to the prior of a verdict it
	 * decided (verify_gate_prior says why each is what it is). */
	double prior_confirmed;     /* deliverable, the mailbox accepted at RCPT: 0.002 */
	double prior_accept_all;    /* risky, on a catch-all domain (flag accept_all): 0.15 */
	unsigned long min_exported; /* the observed rate counts from this many exported (200) */
	double z;                   /* 1.96: the normal quantile of the 95 % intervals */
};

/* A record's bounce probability: 1 - (1 - prior[st]) * survival, where
 * survival is decay_survival() of its verdict's age. */
double verify_gate_record_p(const struct verify_gate_policy *g, enum verify_status st,
			    double survival);

/*
 * The prior of a verdict of status st with flags, whose mailbox a probe
 * accepted (smtp_confirmed: RCPT TO said 250, and the domain is no
 * catch-all) or not: prior_confirmed for a confirmed deliverable one,
 * prior_accept_all for one on a catch-all domain, else prior[st].
 */
double verify_gate_prior(const struct verify_gate_policy *g, enum verify_status st, unsigned flags,
			 bool smtp_confirmed);
/* verify_gate_record_p with that prior. */
double verify_gate_member_p(const struct verify_gate_policy *g, enum verify_status st,
			    unsigned flags, bool smtp_confirmed, double survival);

/* Add a record of probability p to in->candidates, sum_p, sum_pq. */
void verify_gate_add(struct verify_gate_input *in, double p);

enum verify_gate_why {
	VERIFY_GATE_PREDICTED = 1u << 0, /* predicted rate's upper bound above threshold */
	VERIFY_GATE_OBSERVED = 1u << 1,  /* observed rate's Wilson lower bound above threshold */
	VERIFY_GATE_EMPTY = 1u << 2,     /* no record may be exported */
};

struct verify_gate_decision {
	bool blocked;
	unsigned why;           /* enum verify_gate_why bits; 0 when it passes */
	double predicted;       /* sum_p / candidates (0 with no candidates) */
	double predicted_upper; /* predicted + z * sqrt(sum_pq) / candidates, at most 1 */
	bool observed_counts;   /* exported >= g->min_exported */
	double observed;        /* hard_bounces / exported (0 with none exported) */
	double observed_lower;  /* Wilson interval of hard_bounces of exported, at z */
	double observed_upper;
};

/* The gate's decision for in under policy g. */
void verify_gate_decide(const struct verify_gate_policy *g, const struct verify_gate_input *in,
			struct verify_gate_decision *out);

/* The Wilson score interval of k successes in n trials at normal quantile
 * z: returns the lower end, *upper (if non-NULL) the upper; [0, 1] for n = 0. */
double verify_gate_wilson(unsigned long k, unsigned long n, double z, double *upper);

/* ---- the way out of a blocked gate: the same decision on other inputs ---- */

/* in += more: the records (and sends) of both. */
void verify_gate_merge(struct verify_gate_input *in, const struct verify_gate_input *more);

/*
 * Which re-verification would let the predicted part pass.  The records
 * that may be sent are split by the age of their verdicts in whole days:
 * keep[d] and fresh[d] (d = 0 .. ndays - 1) hold the records a refresh of
 * those older than n days takes for every n <= d (for d = 0: older than 0
 * s; the last also holds every older record), as they are (a stale one
 * is not there: it may not be sent as it is) and as they would be if
 * re-verified now with the same status; never holds the records no such
 * refresh takes (verified at `now` or after), as they are.
 *
 * Returns the largest n (the fewest records to re-verify) for which never
 * + keep[0 .. n) + fresh[n .. ndays) passes the predicted part, with that
 * input in *in and its decision in *d; -1 when none does, *in and *d then
 * for n = 0 (everything re-verified).  The observed part is left out.
 */
int verify_gate_refresh_days(const struct verify_gate_policy *g,
			     const struct verify_gate_input *never,
			     const struct verify_gate_input *keep,
			     const struct verify_gate_input *fresh, size_t ndays,
			     struct verify_gate_input *in, struct verify_gate_decision *d);

/*
 * The fewest records, each bouncing as in's records do on average, that
 * pass the predicted part (765 for fresh deliverable records at 1 %); 0
 * when no number does (the average itself is above the threshold) or in
 * holds no record.
 */
unsigned long verify_gate_min_records(const struct verify_gate_policy *g,
				      const struct verify_gate_input *in);

struct verify_stats {
	size_t addresses; /* distinct addresses remembered for duplicates */
	size_t domains;   /* distinct domains analysed */
	size_t bytes;     /* memory held by those sets */
};
void verify_ctx_stats(const struct verify_ctx *ctx, struct verify_stats *st);

#endif
