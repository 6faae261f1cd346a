/*
 * store.h - leadgate's memory: an embedded SQLite database of contacts,
 * their verification evidence (append-only), the DNS answers of domains,
 * lists and their versions, bounce events, the suppression set and what
 * each export sent.
 *
 * Only this module includes <sqlite3.h>; nothing here exposes a SQLite
 * type.  The database runs in WAL mode with STRICT tables; its schema is
 * migrated on open, keyed on PRAGMA user_version; a busy timeout makes two
 * leadgate processes on one database wait for each other instead of
 * failing.  Writes happen in transactions the callers delimit, so a
 * process killed at any moment leaves the database as it was at the last
 * commit.
 *
 * Times are Unix seconds, always passed in (the global --now): the store
 * never reads the clock.  An address handed to the store is the contact
 * key (verify_contact_key: NFC, Unicode case folded, A-label domain),
 * taken as given: the store derives no identity of its own.
 */
#ifndef LG_STORE_H
#define LG_STORE_H

#include "common/common.h"
#include "scoring/scoring.h"
#include "verify/verify.h"

struct store;

/*
 * The database path when --db is not given: $LEADGATE_DB, else
 * $XDG_DATA_HOME/leadgate/leadgate.db, else ~/.local/share/leadgate/
 * leadgate.db.  Owned: free().  NULL (and a message) if none can be made.
 */
char *store_default_path(struct lg_err *err);

enum store_mode {
	STORE_READ = 0,   /* the database must exist; nothing is written */
	STORE_WRITE = 1,  /* the database must exist; migrated */
	STORE_CREATE = 2, /* created (with its directory) if missing, migrated: for the
			   * commands that bring contacts in (verify --list, imports) */
};

/*
 * Open the database at path (NULL: store_default_path()).  Errors:
 * LG_ENOINPUT (no database, but for STORE_CREATE; a file that is not a
 * leadgate database), LG_EIO (cannot open; a read-only file, file system
 * or directory for STORE_WRITE and STORE_CREATE, said as such; disk full;
 * damaged),
 * LG_ETEMP (locked by another process past the busy timeout),
 * LG_ECONFIG (made by a newer leadgate).  Owned: store_close.
 */
enum lg_status store_open(struct store **out, const char *path, enum store_mode mode,
			  struct lg_err *err);
void store_close(struct store *s);
const char *store_path(const struct store *s); /* borrowed from s */
/* How many times, in this process, a statement found the database locked
 * by another writer and waited (any connection, any thread). */
uint64_t store_busy_waits(void);

/*
 * Transactions.  store_begin takes the write lock at once (BEGIN
 * IMMEDIATE), waiting up to the busy timeout for another writer.  Every
 * store_* call that writes must run inside one.  A failed call leaves the
 * transaction open: roll it back.
 */
enum lg_status store_begin(struct store *s, struct lg_err *err);
enum lg_status store_commit(struct store *s, struct lg_err *err);
void store_rollback(struct store *s);

/* ---- verification ---------------------------------------------------- */

/*
 * What a list says of a contact besides its address (schema 2): the
 * columns scoring's fit rules read.  Strings borrowed; NULL when the list
 * has no such column, "" when the row's cell is empty.
 */
struct store_profile {
	const char *title, *company, *industry, *region;
	long employees;                            /* -1: unknown */
	const char *first_name, *last_name, *name; /* schema 3; name: a whole-name column */
};

/* One verdict as the store keeps it. */
struct store_verdict {
	const char *address; /* the contact key (verify_contact_key); "" for a row without one */
	size_t address_len;
	const char *domain; /* its A-label domain */
	size_t domain_len;
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;       /* verify_flag bits */
	const char *mx;       /* "" when none */
	const char *provider; /* "" when none */
	int64_t verified_at;
	const struct store_profile *profile; /* NULL: none (the profile kept stays) */
	const void *cells; /* the row as io_cells_pack made it (schema 3), or NULL */
	size_t cells_len;
	const char *account; /* schema 5: the account key (verify_account_key); NULL or
				 * account_len 0: not known (the one kept stays) */
	size_t account_len;
	/* Schema 12: the SMTP evidence of the verdict, when a probe decided
	 * something (smtp_outcome an enum smtp_outcome past SMTP_PENDING);
	 * 0: no probe, and the rest is ignored. */
	uint8_t smtp_outcome;
	bool smtp_tls;          /* the deciding session ran over TLS */
	const char *smtp_reply; /* the deciding reply ("550 5.1.1"), "" or NULL when none */
	int64_t smtp_at;        /* when the probe decided */
};

/* A run: one `verify --list`, `refresh` or `bounces import`. */
struct store_run {
	int64_t id;
	int64_t list_id;    /* 0 when not about a list */
	bool resumed;       /* an interrupted run of the same input taken up again */
	unsigned long done; /* resumed: contacts it had already recorded */
};

/*
 * Begin (or resume) a verify run of list `name` (created if new, with
 * source, which may be NULL) from input.  fingerprint identifies the
 * input's content (NULL: it cannot be known, as for standard input);
 * an interrupted run of the same list with the same fingerprint is
 * resumed: what it recorded stays, and recording it again changes
 * nothing.  Other interrupted runs of the list are discarded.
 */
enum lg_status store_verify_begin(struct store *s, const char *name, const char *source,
				  const char *input, const char *fingerprint, int64_t now,
				  struct store_run *run, struct lg_err *err);

/*
 * The columns of the run's file (packed by io_cells_pack) and which of
 * them holds the address, for export to give them back (schema 3).
 */
enum lg_status store_verify_header(struct store *s, const struct store_run *run, const void *header,
				   size_t len, long email_col, struct lg_err *err);

/*
 * Record one verdict of the run: the contact (created or updated, its
 * latest verdict replaced unless a suppression decides it), one evidence
 * row per contact and run, and the contact's membership of the list
 * version.  A verdict without an address is not recorded.  An unknown
 * verdict ("could not decide") is kept as evidence but never replaces a
 * decided one as the contact's latest.
 */
enum lg_status store_verify_row(struct store *s, const struct store_run *run,
				const struct store_verdict *v, int64_t now, struct lg_err *err);

/*
 * The store's writer: verdicts and new DNS answers handed to it are
 * copied into a batch of `batch`; a full batch is written by a second
 * thread on a connection of its own to s's database (whole batches in
 * each transaction, committed whole or not at all, within a couple of
 * seconds) while the caller goes on.  A failure of the writer's is
 * returned by a later call.
 * store_writer_finish writes what is left and waits for it;
 * store_writer_free stops the thread (what was not committed is lost, as
 * a kill would lose it).  One thread calls these.  Owned:
 * store_writer_free.
 */
struct store_writer;
enum lg_status store_writer_start(struct store_writer **out, struct store *s,
				  const struct store_run *run, int64_t now, size_t batch,
				  struct lg_err *err);

/*
 * Where the next verdict's packed row (v->cells) and profile (v->profile,
 * with its strings) are to be made: they are kept as they are, not
 * copied, so they must come from here.  Valid until that
 * store_writer_verdict.
 */
struct lg_arena *store_writer_arena(struct store_writer *w);

/* The verdict v of the run, as store_verify_row records it: its strings
 * are copied; cells and profile are NULL or made in store_writer_arena. */
enum lg_status store_writer_verdict(struct store_writer *w, const struct store_verdict *v,
				    struct lg_err *err);
/* A new DNS answer, as store_domain_put keeps it (copied). */
enum lg_status store_writer_dns(struct store_writer *w, const char *domain, size_t len,
				const struct dns_result *res, struct lg_err *err);
/* A domain's catch-all state, as store_smtp_domain_put keeps it. */
enum lg_status store_writer_catch_all(struct store_writer *w, const char *domain, size_t len,
				      int ca, int64_t at, int64_t expires_at, struct lg_err *err);
enum lg_status store_writer_finish(struct store_writer *w, struct lg_err *err);
void store_writer_free(struct store_writer *w);

/* What one list version held, counted by the caller over every row. */
struct store_list_counts {
	unsigned long rows;
	unsigned long contacts; /* distinct addresses */
	unsigned long by_status[VERIFY_STATUS_COUNT];
};

/*
 * The run is complete: it becomes the list's current version, with the
 * counts c.  c->contacts is set here to the contacts the run recorded (its
 * members), which `lists` shows: two rows that are no duplicates of each
 * other may still be one contact (an IDN domain as U-label and A-label).
 */
enum lg_status store_verify_finish(struct store *s, const struct store_run *run,
				   struct store_list_counts *c, int64_t now, struct lg_err *err);

/* ---- a contact's verdicts -------------------------------------------------- */

/*
 * One verdict of a contact: an evidence row, given by a run (one per
 * contact and run), or (run 0) the contact's verdict as it stands.
 * Strings borrowed until fn returns.
 */
struct store_evidence {
	int64_t run;      /* the run that gave it; 0: the contact's current verdict */
	const char *kind; /* the run's kind: "verify", "refresh", "import"; "" for run 0 */
	const char *how;  /* how it was given: "verify", "refresh", "bounce"; "" for run 0 */
	const char *list; /* the name of the run's list; NULL when none */
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;       /* verify_flag bits, without the row-only ones */
	const char *mx;       /* "" when none */
	const char *provider; /* "" when none */
	int64_t verified_at;
	/* Schema 12: the SMTP evidence of the verdict; smtp_outcome 0 (and
	 * smtp_reply "") when no probe decided it. */
	uint8_t smtp_outcome; /* enum smtp_outcome */
	bool smtp_tls;
	const char *smtp_reply;
	int64_t smtp_at;
};

/*
 * Call fn for the contact's verdicts, newest first (by verified_at, then
 * by run), the first max of them (0: all), and set *total to how many it
 * has in all.  A row whose status or reason this leadgate does not know
 * is counted but skipped.  fn returns non-OK to stop.
 */
enum lg_status store_evidence_each(struct store *s, int64_t contact_id, unsigned max,
				   enum lg_status (*fn)(void *arg, const struct store_evidence *ev,
							struct lg_err *err),
				   void *arg, unsigned long *total, struct lg_err *err);
/* Call fn once with the contact's current verdict (run 0), if there is
 * such a contact. */
enum lg_status store_contact_verdict(struct store *s, int64_t contact_id,
				     enum lg_status (*fn)(void *arg, const struct store_evidence *ev,
							  struct lg_err *err),
				     void *arg, struct lg_err *err);

/* ---- suppression --------------------------------------------------------- */

enum store_suppress {
	STORE_SUPPRESS_NONE = 0,
	STORE_SUPPRESS_BOUNCE = 1,      /* a hard bounce: the verdict is bounce.hard */
	STORE_SUPPRESS_COMPLAINT = 2,   /* marked as spam */
	STORE_SUPPRESS_UNSUBSCRIBE = 3, /* unsubscribed */
	STORE_SUPPRESS_PROVIDER = 4,    /* the sending provider stopped mail to it
					 * (store_suppress): the verdict stays */
};

/* Call fn for every suppressed address (lower-case), to hold them in memory. */
enum lg_status store_suppressed_each(struct store *s,
				     void (*fn)(void *arg, const char *address, size_t len,
						enum store_suppress why),
				     void *arg, struct lg_err *err);

/* ---- domains: DNS answers kept across runs -------------------------------- */

/* The answer for domain still valid at now: true and *out filled (out->mx
 * borrowed until the next store call), or false. */
bool store_domain_get(struct store *s, const char *domain, size_t len, int64_t now,
		      struct dns_result *out);
/* Keep an answer (not pending); replaces an older one. */
enum lg_status store_domain_put(struct store *s, const char *domain, size_t len,
				const struct dns_result *res, struct lg_err *err);

/* ---- mailbox probing (schema 12) ------------------------------------------- */

/* Catch-all states are kept this long: a domain's mail set-up changes
 * seldom, and a week saves asking it again in every run of the week. */
#define STORE_CATCH_ALL_TTL (7 * 86400)

/* The catch-all state (enum smtp_catch_all: SMTP_CA_NO, SMTP_CA_YES) kept
 * for domain and still valid at now; 0 (SMTP_CA_UNKNOWN) when none. */
int store_smtp_domain_get(struct store *s, const char *domain, size_t len, int64_t now);
/* Keep domain's catch-all state ca, found at `at`, until expires_at;
 * replaces an older one. */
enum lg_status store_smtp_domain_put(struct store *s, const char *domain, size_t len, int ca,
				     int64_t at, int64_t expires_at, struct lg_err *err);

/* ---- bounces ---------------------------------------------------------------- */

struct store_bounce {
	const char *address; /* the contact key (verify_contact_key) */
	size_t address_len;
	const char *type; /* "hard", "soft", "block", "complaint", "unsubscribe" */
	const char *status, *code, *reason; /* "" when unknown */
	const char *format;                 /* bounce_format_name */
	const char *key; /* identity of the event: the same event imported twice has
				* the same key */
	int64_t occurred_at;
};

/* What recording one bounce did. */
enum store_bounce_effect {
	STORE_BOUNCE_DUPLICATE = 0,  /* imported before: nothing changed */
	STORE_BOUNCE_RECORDED = 1,   /* recorded */
	STORE_BOUNCE_SUPPRESSED = 2, /* recorded, and the address is newly suppressed */
};

/* Record a bounce event (in a transaction); run->list_id 0 when not given.
 * A hard bounce, complaint or unsubscribe suppresses the address; a hard
 * bounce also makes its verdict undeliverable (bounce.hard). */
enum lg_status store_bounce_add(struct store *s, const struct store_run *run,
				const struct store_bounce *b, int64_t now,
				enum store_bounce_effect *effect, struct lg_err *err);

/* Suppress an address without a bounce event: a provider's notice that it
 * stopped mail to it (Postmark's SubscriptionChange), whose bounce or
 * complaint, if any, is an event of its own.  In a transaction; the
 * suppression is kept once (an earlier reason stays; a later hard bounce
 * replaces this one) and the contact, if any, marked suppressed; nothing
 * is counted against any list and the verdict stays.  address is the
 * contact key (verify_contact_key).  *newly: it was not suppressed
 * before. */
enum lg_status store_suppress(struct store *s, const char *address, size_t len,
			      enum store_suppress why, int64_t since, bool *newly,
			      struct lg_err *err);

/* Begin a run of another kind ("import", "refresh"); list_id may be 0. */
enum lg_status store_run_begin(struct store *s, const char *kind, int64_t list_id,
			       const char *input, int64_t now, struct store_run *run,
			       struct lg_err *err);
enum lg_status store_run_finish(struct store *s, const struct store_run *run, int64_t now,
				struct lg_err *err);

/* ---- lists -------------------------------------------------------------------- */

struct store_list_info {
	int64_t id;
	char name[128];
	char source[64];
	int64_t created_at;
	int64_t version_run; /* the current version's run, 0 if none complete */
	int64_t verified_at; /* when the current version was verified */
	unsigned versions;
	struct store_list_counts counts; /* of the current version, as verified */
	unsigned long exported;          /* distinct contacts ever exported from the list */
	unsigned long hard_bounced;      /* of them, hard-bounced after their export */
	/*
	 * The observation window: the distinct contacts exported from the
	 * current version, and of them those that hard-bounced after that
	 * export.  A new version starts a new, empty window; the old ones
	 * stay (store_list_windows_each).
	 */
	unsigned long window_exported;
	unsigned long window_hard_bounced;
	char input[1024]; /* what the current version was verified from, as
				    * verify named it ("<stdin>"); without a complete
				    * version the last run's; "" when none */
};

/* The list called name: LG_ENOINPUT with a message if there is none. */
enum lg_status store_list_get(struct store *s, const char *name, struct store_list_info *out,
			      struct lg_err *err);
/* Every list, in name order (through a lists cursor, below: fn may read
 * the store). */
enum lg_status store_list_each(struct store *s,
			       void (*fn)(void *arg, const struct store_list_info *li), void *arg,
			       struct lg_err *err);

/*
 * The names of the lists contact_id is a member of, in their current
 * versions (a contact left out of a list's latest upload is no longer in
 * it), the latest version first (then the newest list): fn(arg, name),
 * name borrowed until fn returns.  One look-up a list on the members'
 * key, not a scan of the members.
 */
enum lg_status store_contact_lists(struct store *s, int64_t contact_id,
				   enum lg_status (*fn)(void *arg, const char *name,
							struct lg_err *err),
				   void *arg, struct lg_err *err);

/*
 * Each list's last gate verdict (schema 14: list_gates), so that a change
 * is told once.  store_list_gate_get: *blocked 1 or 0, or -1 when none
 * was kept; the reasons' words appended to reasons (may be NULL).
 * store_list_gate_put keeps the verdict of list as of at (in the
 * caller's transaction); reasons may be NULL.
 */
enum lg_status store_list_gate_get(struct store *s, const char *list, int *blocked,
				   struct lg_buf *reasons, struct lg_err *err);
enum lg_status store_list_gate_put(struct store *s, const char *list, bool blocked,
				   const char *reasons, int64_t at, struct lg_err *err);

/* One version of a list and its observation window. */
struct store_list_window {
	unsigned version; /* 1 for the first complete version, and so on */
	int64_t run;      /* its run (current when == store_list_info.version_run) */
	int64_t verified_at;
	unsigned long rows, contacts;
	unsigned long exported;     /* distinct contacts exported from this version */
	unsigned long hard_bounced; /* of them, hard-bounced after that export */
};

/* Every complete version of the list, oldest first.  fn must not call the
 * store. */
enum lg_status store_list_windows_each(struct store *s, const struct store_list_info *li,
				       void (*fn)(void *arg, const struct store_list_window *w),
				       void *arg, struct lg_err *err);

/* A member of a list's current version with its contact's latest state. */
struct store_member {
	int64_t contact_id;
	const char *address; /* borrowed until the next row */
	size_t address_len;
	enum verify_status status;
	enum verify_reason reason;
	unsigned flags;
	int64_t verified_at;
	enum store_suppress suppressed;
	const void *cells; /* its row in the version's file, packed; NULL when not kept
				   * (before schema 3); borrowed like address */
	size_t cells_len;
	bool smtp_confirmed; /* schema 12: its verdict's probe accepted the mailbox (the
			      * domain no catch-all) */
};

/*
 * Call fn for every member of the list's current version, in contact
 * order (through a members cursor, below).  with_address false reads only
 * status, flags, verified_at and suppressed (contact_id 0, address "":
 * the gate's faster scan, read whole); true reads the member's row too.
 * fn returns non-OK to stop.
 */
enum lg_status store_members_each(struct store *s, const struct store_list_info *li,
				  bool with_address,
				  enum lg_status (*fn)(void *arg, const struct store_member *m,
						       struct lg_err *err),
				  void *arg, struct lg_err *err);

/*
 * Cursors: the same reads a row at a time, for a caller that reads them
 * page by page (the service's GET /v1/lists and a list's members).  A
 * page is keyset-paged: open a cursor after the last key of the page
 * before (a list's name; a member's contact_id, 0 for the first page),
 * read up to the page's size, close it.  A key that is gone since is no
 * matter: the page starts at the next key there is.  While a cursor is
 * open it reads one snapshot of the database; a row added or removed
 * between two pages is seen, or not, by the pages after it, and no other
 * row is repeated or skipped.  The store may be used between two rows,
 * and cursors may be open side by side.
 *
 * *out is owned (store_cursor_close; NULL after a failure).  Each _next
 * sets *row to the next row, borrowed until the next call or the close,
 * or to NULL at the end; a non-OK status is the database's failure.
 */
struct store_cursor;
/* Every list whose name sorts after `after` (NULL: every list), in name
 * order (bytewise), each as store_list_get gives it. */
enum lg_status store_lists_open(struct store *s, const char *after, struct store_cursor **out,
				struct lg_err *err);
enum lg_status store_lists_next(struct store_cursor *c, const struct store_list_info **row,
				struct lg_err *err);
/* The members of li's current version with a contact_id above `after`, in
 * contact_id order; with_address as store_members_each (false gives no
 * contact_id: the next page's key comes from a read with the address). */
enum lg_status store_members_open(struct store *s, const struct store_list_info *li,
				  bool with_address, int64_t after, struct store_cursor **out,
				  struct lg_err *err);
enum lg_status store_members_next(struct store_cursor *c, const struct store_member **row,
				  struct lg_err *err);
/* NULL is nothing to close. */
void store_cursor_close(struct store_cursor *c);

/* ---- export ----------------------------------------------------------------- */

/* Begin recording an export of the list (in a transaction, which
 * store_export_finish ends before the commit: it adds the contacts sent
 * for the first time to the list's and its version's counts). */
enum lg_status store_export_begin(struct store *s, const struct store_list_info *li,
				  const char *path, int64_t now, int64_t *export_id,
				  struct lg_err *err);
enum lg_status store_export_row(struct store *s, int64_t export_id,
				const struct store_list_info *li, int64_t contact_id, int64_t now,
				struct lg_err *err);
enum lg_status store_export_finish(struct store *s, int64_t export_id, unsigned long rows,
				   struct lg_err *err);

/*
 * The columns of the list's current version's file, packed (appended to
 * out), and *email_col, the address's; false when the version kept none
 * (recorded before schema 3).
 */
bool store_list_header(struct store *s, const struct store_list_info *li, struct lg_buf *out,
		       long *email_col);

/* ---- refresh ------------------------------------------------------------------ */

/* A contact due for re-verification. */
struct store_due {
	int64_t contact_id;
	const char *address; /* the contact's key; borrowed until the next row */
	size_t address_len;
	enum verify_status status;
	int64_t verified_at;
	int64_t rank; /* its place in the plan, 1 = stalest */
	/* A refresh of a list: the contact's row as the list's current
	 * version kept it (io_cells_pack'd, borrowed until the next row),
	 * and which of its cells is the address as the list spelled it;
	 * NULL and -1 when none was kept (no list, a contact of no row). */
	const void *cells;
	size_t cells_len;
	long email_col;
};

/*
 * Plan a refresh run: the `budget` contacts whose verdicts are oldest and
 * verified before `before` (of list_id's current version, or all when 0),
 * never suppressed ones, stalest first.  An interrupted refresh run is
 * resumed instead (its plan kept, *resumed set).  The plan is committed
 * before anything is re-verified.
 */
enum lg_status store_refresh_plan(struct store *s, int64_t list_id, int64_t before,
				  unsigned long budget, int64_t now, struct store_run *run,
				  struct lg_err *err);
/* Call fn for the first `max` contacts of the plan not re-verified yet,
 * stalest first. */
enum lg_status store_refresh_each(struct store *s, const struct store_run *run, unsigned long max,
				  enum lg_status (*fn)(void *arg, const struct store_due *d,
						       struct lg_err *err),
				  void *arg, struct lg_err *err);
/*
 * Record a contact's new verdict (in a transaction): an evidence row, the
 * contact's latest verdict, and the plan's entry done.  *changed says
 * whether the status changed.  An unknown verdict does not replace a
 * decided one: *kept says so, and the contact, still due, waits in the
 * reverify table, so that the next plan takes it first.
 */
enum lg_status store_refresh_done(struct store *s, const struct store_run *run,
				  const struct store_due *d, const struct store_verdict *v,
				  bool *changed, bool *kept, struct lg_err *err);

struct store_refresh_counts {
	unsigned long planned, done, changed, suppressed;
};
enum lg_status store_refresh_counts(struct store *s, const struct store_run *run,
				    struct store_refresh_counts *c, struct lg_err *err);

/* ---- scoring inputs (schema 2) ------------------------------------------------ */

/* The id of the contact with this key (verify_contact_key), or 0. */
enum lg_status store_contact_find(struct store *s, const char *address, size_t len, int64_t *id,
				  struct lg_err *err);

/*
 * An engagement or intent event.  A contact event has an address (the
 * normalized address, lower-case: what contacts are keyed by, whether or
 * not the contact is known yet); an account event has an account (a
 * registrable domain, lower-case).  Strings borrowed; channel, asset and
 * props may be NULL.
 */
struct store_event {
	const char *event_id; /* unique: importing it again adds nothing */
	const char *address;
	const char *account;
	const char *type;
	const char *channel, *asset;
	int64_t occurred_at;
	long count;        /* the `count` property, -1 when absent */
	const char *props; /* the other properties as a JSON object, or NULL */
};

/* Add an event (in a transaction); *added false when its event_id was there. */
enum lg_status store_event_add(struct store *s, const struct store_run *run,
			       const struct store_event *e, bool *added, struct lg_err *err);

/*
 * Call fn for every contact event (account false; key an address) or
 * account event (account true; key a domain), ordered by (key,
 * occurred_at, event_id); key NULL: every key, else that key's events
 * only.  The event's strings are borrowed until fn returns.
 */
enum lg_status store_events_each(struct store *s, bool account, const char *key,
				 enum lg_status (*fn)(void *arg, const struct store_event *e,
						      struct lg_err *err),
				 void *arg, struct lg_err *err);

/* Call fn for every contact event in the order they are stored (no
 * order a caller may rely on): a sequential read, for a caller that
 * groups them itself.  The strings are borrowed until fn returns. */
enum lg_status store_events_scan(struct store *s,
				 enum lg_status (*fn)(void *arg, const struct store_event *e,
						      struct lg_err *err),
				 void *arg, struct lg_err *err);

/* A contact as scoring sees it: latest verdict, profile, stage. */
struct store_lead {
	int64_t contact_id;
	const char *address; /* lower-case; borrowed until fn returns, like the strings below */
	const char *domain;
	enum verify_status status;
	unsigned flags;
	int64_t verified_at;
	enum store_suppress suppressed;
	const char *source;           /* the source of the latest list it was verified in, "" */
	struct store_profile profile; /* NULL strings where nothing was kept */
	enum scoring_stage stage;     /* its current stage; SCORING_LEAD when it never moved */
	int64_t stage_since;          /* 0 when it never moved */
	const char *account;          /* schema 5: its account key (verify_account_key), recorded
				  * when verified; NULL when not recorded (an older schema read
				  * without the upgrade, a domain that gives none): derive it */
};

/*
 * Call fn for every contact (list_id 0), or every member of the list's
 * current version, or the one contact with address (non-NULL), in address
 * order.
 */
enum lg_status store_leads_each(struct store *s, int64_t list_id, const char *address,
				enum lg_status (*fn)(void *arg, const struct store_lead *l,
						     struct lg_err *err),
				void *arg, struct lg_err *err);

/*
 * The same contacts as store_leads_each without an address, all read at
 * once (in one snapshot) into *out (owned: store_leads_free), in address
 * order; store_leads_get gives the i-th (0-based, below
 * store_leads_count), its strings borrowed until store_leads_free.  Reads
 * only: several threads may get from one store_leads at a time.
 */
struct store_leads;
enum lg_status store_leads_read(struct store *s, int64_t list_id, struct store_leads **out,
				struct lg_err *err);
size_t store_leads_count(const struct store_leads *ls);
void store_leads_get(const struct store_leads *ls, size_t i, struct store_lead *l);
void store_leads_free(struct store_leads *ls);

/*
 * Qualification evidence (leadgate evidence add); strings borrowed.  The
 * store keeps the enums by their names (scoring_framework_name ...), so
 * that the table reads as it is; a row whose names the enums do not know
 * (written by hand) is skipped when read.
 */
struct store_qevidence {
	enum scoring_framework framework;
	const char *criterion; /* "budget", "economic_buyer" ... */
	enum scoring_ev_status status;
	double confidence; /* 0..1 */
	enum scoring_ev_source source;
	int64_t at;
	int64_t valid_until; /* 0: no expiry */
	const char *note;    /* may be NULL */
};
enum lg_status store_qevidence_add(struct store *s, int64_t contact_id,
				   const struct store_qevidence *e, struct lg_err *err);
/* The contact's evidence, oldest first. */
enum lg_status store_qevidence_each(struct store *s, int64_t contact_id,
				    enum lg_status (*fn)(void *arg, const struct store_qevidence *e,
							 struct lg_err *err),
				    void *arg, struct lg_err *err);

/*
 * A stage move: from, to, when, why (the predicate that
 * held, or the rep's reason), the score at that moment, who ("auto" or a
 * rep's name), and for a rep's decision its reason code and note.
 */
struct store_move {
	enum scoring_stage from, to;
	int64_t at;
	const char *why;
	double score;
	const char *who;
	const char *reason;  /* NULL for automatic moves */
	const char *note;    /* may be NULL */
	const char *source;  /* store_moves_each: the contact's list source, "" */
	const char *address; /* store_moves_each: the contact's address */
};
/*
 * Record a move (in a transaction): the contact's stage becomes m->to,
 * provided it still is m->from (SCORING_LEAD when it never moved); *moved says
 * whether it was (false: another process moved the contact since m was
 * decided, and nothing is recorded).
 */
enum lg_status store_move_add(struct store *s, int64_t contact_id, const struct store_move *m,
			      bool *moved, struct lg_err *err);
/* Every move of the contact (contact_id > 0) or of every contact (0), in
 * order of time. */
enum lg_status store_moves_each(struct store *s, int64_t contact_id,
				enum lg_status (*fn)(void *arg, const struct store_move *m,
						     struct lg_err *err),
				void *arg, struct lg_err *err);

/* How far contacts got, for the funnel's observed rates: every contact,
 * those ever moved into MQL, PQL, HQL, SAL or SQL, and those ever moved
 * into SQL. */
struct store_funnel {
	unsigned long contacts, mql, sql;
};
enum lg_status store_funnel_counts(struct store *s, struct store_funnel *out, struct lg_err *err);

/*
 * Ask for a contact to be re-verified by the next refresh, whatever its
 * age (a rep found its data bad).  The refresh plan takes these first.
 */
enum lg_status store_reverify_request(struct store *s, int64_t contact_id, int64_t now,
				      const char *why, struct lg_err *err);

/* ---- the service's API keys (schema 8) ---------------------------------------- */

/*
 * A key as the store keeps it: never the key itself, only its public id
 * (how a presented key is found) and a digest of the whole key (what it
 * is checked against).  Strings and hash borrowed (store_keys_each:
 * until fn returns).
 */
struct store_key {
	int64_t id; /* store_keys_each: the row's id, which only grows */
	const char *name;
	const char *public_id;
	const unsigned char *hash;
	size_t hash_len;
	unsigned scopes; /* the caller's mask, kept as it is */
	int64_t created_at;
	int64_t revoked_at; /* 0: live */
};

enum store_key_added {
	STORE_KEY_ADDED = 0,
	STORE_KEY_NAME_TAKEN = 1, /* a key (live or revoked) has that name: nothing added */
	STORE_KEY_ID_TAKEN = 2,   /* a key has that public id: nothing added */
};
/* Add a key (in a transaction); k->id and k->revoked_at are ignored. */
enum lg_status store_key_add(struct store *s, const struct store_key *k,
			     enum store_key_added *added, struct lg_err *err);

enum store_key_revoked {
	STORE_KEY_UNKNOWN = 0,     /* no key has that name */
	STORE_KEY_REVOKED = 1,     /* revoked at now */
	STORE_KEY_WAS_REVOKED = 2, /* it already was: its revoked_at stays */
};
/* Revoke the key called name (in a transaction). */
enum lg_status store_key_revoke(struct store *s, const char *name, int64_t now,
				enum store_key_revoked *result, struct lg_err *err);

/* Call fn for every key, revoked ones too, in id order (oldest first).  A
 * database of an older schema read without its upgrade has none. */
enum lg_status store_keys_each(struct store *s,
			       enum lg_status (*fn)(void *arg, const struct store_key *k,
						    struct lg_err *err),
			       void *arg, struct lg_err *err);

/*
 * Have the keys changed since *mark was taken?  The first call (mark
 * zeroed) says changed.  Cheap when nothing was written: SQLite's
 * data_version (a commit by another connection) and the store's own
 * count of key writes; either moved, the keys' count, largest id and
 * revoked count are read (keys are never deleted and a revocation is
 * never undone, so those three change whenever the keys do).  Other
 * tables' writes leave *changed false.
 */
struct store_keys_mark {
	bool set;
	int64_t data_version;
	uint64_t writes;
	int64_t count, max_id, revoked;
};
enum lg_status store_keys_changed(struct store *s, struct store_keys_mark *mark, bool *changed,
				  struct lg_err *err);

/* ---- the service's bulk jobs (schema 9) ---------------------------------------- */

/* A job's states, as the store spells them. */
enum store_job_state {
	STORE_JOB_QUEUED,
	STORE_JOB_RUNNING,
	STORE_JOB_DONE,
	STORE_JOB_FAILED,
	STORE_JOB_CANCELLED,
};
#define STORE_JOB_STATES 5
const char *store_job_state_name(enum store_job_state st);

/* A job as the store keeps it.  Strings borrowed (store_jobs_each,
 * store_job_get: until fn returns). */
struct store_job {
	int64_t id;
	const char *list; /* NULL: a plain verify, nothing recorded */
	enum store_job_state state;
	int64_t created_at, started_at, finished_at; /* 0: not yet */
	const char *input;                           /* the uploaded file's path */
	uint64_t input_bytes;
	uint64_t rows_read, rows_done;
	uint64_t by_status[4]; /* enum verify_status order */
	uint64_t no_address;
	const char *error; /* NULL unless failed */
	bool smtp;         /* schema 12: mailboxes are probed (?smtp=true) */
	/* schema 14: where its job.completed goes (?callback_url), NULL for
	 * nowhere */
	const char *callback_url;
};

/* Add a queued job (id, state, input and progress ignored): its input
 * is dir/ID/input.  Its id into *id. */
enum lg_status store_job_add(struct store *s, const struct store_job *j, const char *dir,
			     int64_t *id, struct lg_err *err);
/* Call fn for job id, if there is one. */
enum lg_status store_job_get(struct store *s, int64_t id,
			     enum lg_status (*fn)(void *arg, const struct store_job *j,
						  struct lg_err *err),
			     void *arg, struct lg_err *err);
/* Write j's state, times, progress, counts and error. */
enum lg_status store_job_update(struct store *s, const struct store_job *j, struct lg_err *err);
enum lg_status store_job_delete(struct store *s, int64_t id, struct lg_err *err);
/* The jobs newest first, those with an id below before only (0: all), at
 * most limit (0: all); with only_state >= 0, the oldest first of that
 * state instead. */
enum lg_status store_jobs_each(struct store *s, int64_t before, size_t limit, int only_state,
			       enum lg_status (*fn)(void *arg, const struct store_job *j,
						    struct lg_err *err),
			       void *arg, struct lg_err *err);
/* A job left running by a process that ended is queued again. */
enum lg_status store_jobs_requeue(struct store *s, struct lg_err *err);

/* ---- the SNS subscription messages (schema 10) ---------------------------------- */

/*
 * An Amazon SNS SubscriptionConfirmation or UnsubscribeConfirmation that
 * the service received, kept for the operator.  type is
 * "subscription-confirmation" or "unsubscribe-confirmation" (no other is
 * taken); topic_arn and subscribe_url are the bytes received, cut to the
 * caller's caps, not checked for UTF-8.  Strings borrowed
 * (store_sns_each: until fn returns).
 */
struct store_sns {
	int64_t id; /* store_sns_each: the row's id, which only grows */
	const char *type;
	const char *topic_arn;
	const char *subscribe_url; /* "" for an unsubscribe */
	bool url_is_sns;           /* the URL is on an SNS host */
	int64_t received_at;
	/* A subscription's: "to_confirm" (not fetched: the operator's to
	 * visit), "confirmed" (fetched, a 2xx) or "confirm_failed"; NULL for
	 * an unsubscribe.  A database of schema 10 read without its upgrade
	 * says "to_confirm": nothing fetched then. */
	const char *state;
	const char *error; /* confirm_failed: why (NULL otherwise) */
};
/* Keep m (its id ignored) and, of every message kept, only the newest
 * keep (at least 1), in a transaction. */
enum lg_status store_sns_add(struct store *s, const struct store_sns *m, size_t keep,
			     struct lg_err *err);
/* Call fn for every message kept, newest first.  A database of an older
 * schema read without its upgrade has none. */
enum lg_status store_sns_each(struct store *s,
			      enum lg_status (*fn)(void *arg, const struct store_sns *m,
						   struct lg_err *err),
			      void *arg, struct lg_err *err);
/* Forget every message kept; how many into *n. */
enum lg_status store_sns_clear(struct store *s, unsigned long *n, struct lg_err *err);

/* ---- the handoff (schema 13, store/handoff.c) ------------------------ */

/*
 * A lead handed to a rep.  Strings borrowed (store_handoffs_due: until fn
 * returns).  state: "open" (waiting for the rep to accept), "accepted",
 * "unassigned" (no rep was eligible: recorded and reported, not sent) or
 * "closed".
 */
struct store_handoff {
	int64_t id; /* the row's; store_handoff_add sets it */
	int64_t contact_id;
	const char *address; /* store_handoffs_due: the contact's address */
	const char *account; /* the contact's account key, or NULL */
	const char *team;
	const char *rep; /* NULL: nobody eligible */
	enum scoring_stage stage;
	int64_t handed_at; /* to this rep (an escalation hands it again) */
	int64_t deadline;  /* the SLA's end; 0: none (unassigned) */
	unsigned escalations;
	const char *state;
	/* accepted: by whom and when (read back; NULL, 0 when not) */
	const char *accepted_by;
	int64_t accepted_at;
};
/* The address of contact id into buf[0..n) ("" when there is none). */
enum lg_status store_contact_address(struct store *s, int64_t id, char *buf, size_t n,
				     struct lg_err *err);
/* Has contact a handoff waiting for a rep (open or unassigned)? */
enum lg_status store_handoff_open(struct store *s, int64_t contact_id, bool *open,
				  struct lg_err *err);
/* Record h (in a transaction); its id into h->id.  Each change of a
 * handoff (add with a rep, assign, escalate, accept) ends its running step
 * and begins the next as its rep changes (schema 14: handoff_steps). */
enum lg_status store_handoff_add(struct store *s, struct store_handoff *h, struct lg_err *err);
/* The rep the latest handoff of a contact of account went to, into
 * rep[0..n) ("" when there is none). */
enum lg_status store_handoff_owner(struct store *s, const char *account, char *rep, size_t n,
				   struct lg_err *err);
/* How many leads were handed to rep at or after since (escalations to
 * them included, and leads escalated away from them since): the day's
 * count against their cap. */
enum lg_status store_handoff_count(struct store *s, const char *rep, int64_t since, unsigned *n,
				   struct lg_err *err);
/* Every open handoff whose deadline is at or before now, oldest first. */
enum lg_status store_handoffs_due(struct store *s, int64_t now,
				  enum lg_status (*fn)(void *arg, const struct store_handoff *h,
						       struct lg_err *err),
				  void *arg, struct lg_err *err);
/* Every handoff with nobody (unassigned), oldest first. */
enum lg_status store_handoffs_unassigned(struct store *s,
					 enum lg_status (*fn)(void *arg,
							      const struct store_handoff *h,
							      struct lg_err *err),
					 void *arg, struct lg_err *err);
/* Handoff id, unassigned, given to rep at `at` with its deadline: open
 * (in a transaction; nothing when it is no longer unassigned). */
enum lg_status store_handoff_assign(struct store *s, int64_t id, const char *rep, int64_t at,
				    int64_t deadline, struct lg_err *err);
/* Hand handoff id on to rep at `at` with a new deadline (an escalation:
 * escalations + 1), or, rep NULL, leave it with nobody (unassigned). */
enum lg_status store_handoff_escalate(struct store *s, int64_t id, const char *rep, int64_t at,
				      int64_t deadline, struct lg_err *err);
/* The contact's open handoff accepted by `by` at `at`; *found false when
 * it had none open. */
enum lg_status store_handoff_accept(struct store *s, int64_t contact_id, const char *by, int64_t at,
				    bool *found, struct lg_err *err);
/* Handoff id (with its contact's address, and who accepted it): fn
 * called once; *found false, fn not called, when there is none. */
enum lg_status store_handoff_get(struct store *s, int64_t id,
				 enum lg_status (*fn)(void *arg, const struct store_handoff *h,
						      struct lg_err *err),
				 void *arg, bool *found, struct lg_err *err);
/* A team's rotation state (route_rr_format's text) appended to out;
 * nothing when none was kept. */
enum lg_status store_rotation_get(struct store *s, const char *team, struct lg_buf *out,
				  struct lg_err *err);
enum lg_status store_rotation_put(struct store *s, const char *team, const char *state,
				  struct lg_err *err);

/*
 * A message of the outbox.  id is its webhook-id ("msg_..."), made once;
 * type "lead.handoff", "lead.escalated", "job.completed" or
 * "list.gate_changed"; target the team (or whom) it is for; url where it
 * goes; body the JSON sent, byte for byte, on every attempt.  state
 * "pending" (next_at: its next attempt), "delivered" (a 2xx), "dead" (the
 * last retry failed) or "disabled" (its endpoint answered 410).  Strings
 * borrowed (the calls back: until fn returns).
 */
struct store_outbox {
	const char *id, *type, *target, *url, *body;
	int64_t created_at, next_at;
	unsigned attempts; /* made so far */
	const char *state;
	long last_status;       /* the last attempt's HTTP status; 0: none */
	const char *last_error; /* what went wrong with it, or NULL */
	int64_t handoff_id;     /* 0: not about a handoff */
};
/* Keep m (in a transaction): pending, unless its URL is disabled
 * (disabled then). */
enum lg_status store_outbox_add(struct store *s, const struct store_outbox *m, struct lg_err *err);
/* Every pending message due at now (next_at <= now) and not claimed by a
 * sender (claimed_until NULL or <= now), in order of next_at and
 * creation (rowid), at most max. */
enum lg_status store_outbox_due(struct store *s, int64_t now, size_t max,
				enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						     struct lg_err *err),
				void *arg, struct lg_err *err);
/*
 * What a sender takes: the messages store_outbox_due would give, each
 * claimed (claimed_until = claim_until, which should lie past the
 * longest their attempts can take) in the same transaction, so that
 * another sender (`handoff run` from cron beside `serve`) does not take
 * them before their result ends the claim (store_outbox_result).  A
 * claim that lapses (its sender killed) makes the message due again:
 * delivery stays at-least-once.  *n: how many were taken.  In a
 * transaction of its own unless one is open; nothing due costs one read
 * and no write lock.  Schema 14 (LG_ECONFIG before).
 */
enum lg_status store_outbox_take(struct store *s, int64_t now, int64_t claim_until, size_t max,
				 enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						      struct lg_err *err),
				 void *arg, size_t *n, struct lg_err *err);
/* One message, by id; *found false when there is none. */
enum lg_status store_outbox_get(struct store *s, const char *id,
				enum lg_status (*fn)(void *arg, const struct store_outbox *m,
						     struct lg_err *err),
				void *arg, bool *found, struct lg_err *err);
/* What an attempt of message id came to (in a transaction): its state,
 * next attempt, attempts made, the status and error (NULL: none); its
 * claim ends if it is still claim, the claimed_until it was taken with
 * (another sender may have taken it since the claim lapsed: that claim
 * stands); claim 0: whatever claim it has. */
enum lg_status store_outbox_result(struct store *s, const char *id, int64_t claim,
				   const char *state, int64_t next_at, unsigned attempts,
				   long status, const char *error, struct lg_err *err);
/* Message id's claim ended without an attempt (it was not sent): due
 * again at once; only if it is still claim, as for store_outbox_result. */
enum lg_status store_outbox_release(struct store *s, const char *id, int64_t claim,
				    struct lg_err *err);
/* url answered 410 (in a transaction): kept as disabled, and its pending
 * messages too; how many into *n (may be NULL). */
enum lg_status store_endpoint_disable(struct store *s, const char *url, long status, int64_t at,
				      unsigned long *n, struct lg_err *err);
/* Send again (in a transaction): message id (NULL: every dead one), as
 * pending at now with its attempts counted from 0, its endpoint enabled
 * again; how many into *n. */
enum lg_status store_outbox_retry(struct store *s, const char *id, int64_t now, unsigned long *n,
				  struct lg_err *err);
/* The outbox by target: pending (never tried), retrying (tried, pending),
 * delivered, dead and disabled; and the handoffs with nobody. */
struct store_outbox_count {
	const char *target; /* borrowed until fn returns */
	unsigned long pending, retrying, delivered, dead, disabled;
};
enum lg_status store_outbox_counts(struct store *s,
				   enum lg_status (*fn)(void *arg,
							const struct store_outbox_count *c,
							struct lg_err *err),
				   void *arg, unsigned long *unassigned, struct lg_err *err);

/*
 * The SLA's figures (report sla), a row each: every handoff as it stands
 * (team, rep: its owner now, NULL when unassigned; at: when handed to
 * them; deadline; accepted_at, -1 when not; escalations; state); every
 * step of a handoff (schema 14; before it, each handoff's owner now:
 * team, rep: who it was assigned to; at: when; deadline; accepted_at: -1
 * unless its outcome is "accepted"; escalations: 1 when the rep let the
 * deadline pass; state: the outcome, NULL while it runs); every rep's
 * rejection of a contact that was handed off (team: its latest
 * handoff's; rep: who decided; at; reason).  Strings borrowed until fn
 * returns; team and rep may be NULL.
 */
enum store_sla_kind { STORE_SLA_HANDOFF, STORE_SLA_STEP, STORE_SLA_REJECTED };
struct store_sla_row {
	enum store_sla_kind kind;
	const char *team, *rep;
	int64_t at, deadline, accepted_at;
	unsigned escalations;
	const char *state, *reason;
};
enum lg_status store_sla_each(struct store *s,
			      enum lg_status (*fn)(void *arg, const struct store_sla_row *r,
						   struct lg_err *err),
			      void *arg, struct lg_err *err);

#endif
