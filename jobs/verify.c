/*
 * verify.c - the verify job: read a contact list, verify every row, write
 * every row back with the verify_* columns, and with a list name record
 * the run in the store and weigh the list through the gate.
 *
 * The DNS stage streams.  Reading and the offline checks run ahead; each
 * valid row's domain is handed to the resolver (one lookup per domain)
 * and the row waits, in input order, in a spool (io_spool: memory up to a
 * budget, then a temporary file) until its domain is answered.  Rows whose
 * domain is known and that have nobody waiting ahead of them are written
 * at once.  Reading pauses only while DNS_BACKLOG x concurrency lookups
 * are already waiting, so memory is bounded by the spool's budget and the
 * number of distinct domains, never by the number of rows.
 *
 * The SMTP stage (opts.smtp) streams the same way.  A valid row's address
 * is handed to the prober too (one session per domain carries many
 * recipients); a domain's first address asks the resolver for its mail
 * hosts with their addresses (dns_resolver_hosts), which, once known,
 * are handed to the prober (none for a provider whose RCPT answers mean
 * nothing: its rows keep their DNS verdict, flag smtp_skipped).  A
 * spooled row then waits for its SMTP result as well as its DNS answer.
 * While the input is read, a domain's session waits for rcpt_max of its
 * addresses (smtp_prober_gather): a domain's rows are spread over a list,
 * and one session should carry them, as it would for a client that knew
 * them all at once.  At the end of the input every domain's session may
 * start.  Reading pauses while SMTP_BACKLOG x sessions' worth of
 * addresses are in hand.  Catch-all states the store kept prime the prober, and new
 * ones go to the store's writer.
 *
 * The caller drives the job: job_verify_feed() reads, verifies and writes
 * (or spools) up to a given number of rows, job_verify_poll() lets the
 * lookups work and writes the rows they free, so that a command line can
 * draw progress and a service can interleave jobs on one loop.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "loop/loop.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define DNS_BACKLOG 4 /* lookups waiting, as a multiple of the concurrency */
/* Addresses waiting for a mailbox probe, as a multiple of what the
 * sessions the prober may open at once carry (total x rcpt_max). */
#define SMTP_BACKLOG 4
#define SPOOL_MEMORY (4u << 20) /* rows waiting for DNS held in memory; the rest spill */
/* With the SMTP stage rows wait for their domain's session, which waits
 * to gather its addresses (smtp_prober_gather): most of the list waits
 * while it is read, and the spool's file takes it whatever the budget.
 * A small budget in small blocks leaves the memory to the prober. */
#define SPOOL_MEMORY_SMTP (1u << 20)
#define SPOOL_BLOCK_SMTP (128u << 10)
#define POLL_EVERY 32 /* rows read between two looks at the resolver */
/* Rows written per look while reading goes on: when a silent domain
 * finally times out, thousands of rows behind it become ready; writing
 * them all at once would stop reading, and with it the sending of the
 * next lookups, for seconds. */
#define DRAIN_STEP 512
#define STORE_BATCH 4096 /* verdicts a batch of the store's writer */
/* Ragged rows, rows with text after a closing quote: reported one by one
 * up to this many. */
#define WARN_ROWS_MAX 10

/* The columns verify appends, in order (DESIGN.md, "The contract"). */
enum {
	C_STATUS,
	C_REASON,
	C_FLAGS,
	C_NORMALIZED,
	C_SUGGESTION,
	C_MX,
	C_PROVIDER,
	C_VERIFIED_AT,
	C_SMTP, /* last: the columns before it keep the places they had */
	C_COUNT
};
_Static_assert(C_COUNT == JOB_VERIFY_COLS, "the verify columns");
const struct io_col job_verify_cols[JOB_VERIFY_COLS] = {
	{"verify_status", 13, IO_KIND_TEXT},         {"verify_reason", 13, IO_KIND_TEXT},
	{"verify_flags", 12, IO_KIND_LIST},          {"verify_normalized", 17, IO_KIND_OPTIONAL},
	{"verify_suggestion", 17, IO_KIND_OPTIONAL}, {"verify_mx", 9, IO_KIND_OPTIONAL},
	{"verify_provider", 15, IO_KIND_OPTIONAL},   {"verified_at", 11, IO_KIND_OPTIONAL},
	{"verify_smtp", 11, IO_KIND_OPTIONAL},
};

enum phase { READING, DRAINING, PROBING, DONE };

struct job_verify {
	struct job_verify_opts o;
	job_progress_fn *progress;
	enum phase phase;
	struct verify_ctx *ctx;
	struct io_reader *rd;
	const struct io_row *hdr;
	long email;          /* the email column of the input */
	struct io_col *cols; /* output columns: nin of the input's, then ours */
	size_t *src;         /* output column -> input column */
	char *fp;            /* with a list: the input's fingerprint */
	size_t backlog;      /* lookups in hand before reading waits */
	unsigned long nread;
	/* The state rows pass through on their way out. */
	struct io_writer *wr;
	struct io_writer *tee; /* job_verify_tee's: the same rows in another format */
	const char *tee_name;
	struct io_cell *cells; /* a row's output cells: nin input, then ours */
	size_t nin;
	struct io_cell *extra; /* cells past the header's width */
	size_t cap_extra;
	struct dns_resolver *dns; /* NULL without DNS */
	struct smtp_prober *smtp; /* NULL without the SMTP stage */
	struct job_probe probe;   /* with smtp */
	size_t smtp_backlog;      /* addresses waiting for a probe before reading waits */
	enum lg_status smtp_st;   /* a failure of on_catch_all's, returned by the next step */
	struct lg_err smtp_err;
	struct loop *loop;      /* the resolver's: opts' or own_loop */
	struct loop *own_loop;  /* made by the job when opts gave none */
	struct io_spool *spool; /* rows waiting for their domain */
	size_t waiting;         /* rows in the spool */
	struct lg_buf rec;      /* a row being spooled */
	struct lg_buf key;      /* a contact's key (hard_bounced) */
	struct job_verify_report rep;
	char at[32]; /* verified_at of at_t, formatted once */
	uint32_t at_t;
	/* The flags column of the last flag set written: most rows have the
	 * flags of the row before (none, mostly), and a table of every set
	 * would take 2^VERIFY_FLAG_COUNT lines. */
	char flag_text[160];
	size_t flag_len;
	unsigned flag_set;
	/* With a list: the store, the run, and what it has recorded */
	struct store *store;
	struct store_run srun;
	struct lg_map suppressed;       /* lower-case address -> enum store_suppress */
	unsigned long addressed;        /* rows with a valid address: recorded, or duplicates */
	struct store_writer *writer;    /* writes verdicts and DNS answers in batches */
	int profile[JOB_PROFILE_COUNT]; /* the output cell of each profile column, or -1 */
	bool has_profile;
	struct store_list_info li;
	struct list_eval le;
};

static void notice(struct job_verify *j, enum job_notice kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void notice(struct job_verify *j, enum job_notice kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!j->o.notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->o.notice(j->o.arg, kind, msg);
}

static bool is_verify_column(const char *s, size_t n)
{
	for (int i = 0; i < C_COUNT; i++)
		if (lg_ascii_eq(s, n, job_verify_cols[i].name, job_verify_cols[i].len))
			return true;
	return false;
}

static void count(struct job_verify_report *r, const struct verify_result *v)
{
	r->rows++;
	/* An empty email cell, or a row too short to have one: no address,
	 * counted apart, as bulk verifiers show "no email" apart. */
	if (v->reason == VERIFY_R_EMPTY || v->reason == VERIFY_R_INPUT_MISSING)
		r->no_address++;
	else
		r->by_status[v->status]++;
	r->by_reason[v->reason]++;
	for (unsigned b = 0; b < VERIFY_FLAG_COUNT; b++)
		if (v->flags & (1u << b))
			r->by_flag[b]++;
}

static void add_suppressed(void *arg, const char *address, size_t len, enum store_suppress why)
{
	struct job_verify *j = arg;
	uint8_t *v = lg_map_put(&j->suppressed, address, len, lg_hash(address, len), NULL);
	*v = (uint8_t)why;
}

/* With a list: did the address hard-bounce (the store's suppressions,
 * kept under the contact's key)? */
static bool hard_bounced(struct job_verify *j, const struct verify_result *v)
{
	if (!j->suppressed.count || !v->normalized_len)
		return false;
	size_t n = verify_contact_key(v, &j->key);
	const uint8_t *why = lg_map_get(&j->suppressed, j->key.data, n, lg_hash(j->key.data, n));
	return why && *why == STORE_SUPPRESS_BOUNCE;
}

/*
 * With a list: hand a written row's verdict sv, and its domain's answer d
 * when it is new, to the store's writer.  Verdicts gather in memory between
 * writes, so the database's write lock is held only while a transaction of
 * a few batches is written (a couple of seconds at most): a refresh or an
 * import on the same database gets its turn between two.
 */
static enum lg_status record(struct job_verify *j, struct store_verdict *sv,
			     const struct dns_result *d, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	if (job_dns_to_keep(d)) {
		size_t len;
		const char *domain = dns_resolver_domain(j->dns, d, &len);
		st = store_writer_dns(j->writer, domain, len, d, err);
	}
	if (sv->address_len)
		j->addressed++;
	if (st == LG_OK && sv->address_len && !(sv->flags & VERIFY_F_DUPLICATE)) {
		/* Made straight in the writer's batch: no copy. */
		struct lg_arena *a = store_writer_arena(j->writer);
		struct store_verdict c = *sv;
		/* The row as the file gave it, for export to give back. */
		c.cells_len = io_cells_packed_len(j->cells, j->nin);
		void *cells = lg_arena_alloc(a, c.cells_len ? c.cells_len : 1, 1);
		io_cells_pack_to(cells, j->cells, j->nin);
		c.cells = cells;
		c.profile = NULL;
		if (j->has_profile) {
			struct io_cell prof[JOB_PROFILE_COUNT];
			for (int i = 0; i < JOB_PROFILE_COUNT; i++)
				prof[i] = j->profile[i] >= 0 ? j->cells[j->profile[i]]
							     : (struct io_cell){NULL, 0, true};
			struct store_profile *p = lg_arena_alloc(a, sizeof(*p),
								 _Alignof(struct store_profile));
			job_profile_of(a, prof, p);
			c.profile = p;
		}
		st = store_writer_verdict(j->writer, &c, err);
	}
	return st;
}

/* A content fingerprint of a regular file, so that an interrupted run of
 * the same input can be taken up again; NULL for anything else.  Owned:
 * free(). */
static char *fingerprint(int fd)
{
	struct stat sb;
	char *fp = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return NULL;
	void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return NULL;
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_addf(&b, "%lld:%016llx", (long long)sb.st_size,
		    (unsigned long long)lg_hash(p, (size_t)sb.st_size));
	munmap(p, (size_t)sb.st_size);
	fp = b.data;
	return fp;
}

static void extra_reserve(struct job_verify *j, size_t n)
{
	if (n > j->cap_extra) {
		j->cap_extra = n;
		j->extra = lg_xrealloc(j->extra, n * sizeof(*j->extra));
	}
}

/* Write one row: j->cells[0..nin) and j->extra[0..nextra) are its input
 * cells; v its verdict, completed with d (NULL: no DNS) and the probe of
 * its mailbox sr (NULL: none). */
static enum lg_status emit(struct job_verify *j, struct verify_result *v,
			   const struct dns_result *d, const struct smtp_result *sr, size_t nextra,
			   struct lg_err *err)
{
	struct io_cell *c = j->cells + j->nin;
	const char *at = "";
	struct store_verdict sv;
	bool skipped = sr && job_smtp_skipped(j->o.conf, d);

	job_verdict(v, d, sr, skipped, j->store && hard_bounced(j, v), j->o.now,
		    j->store ? &j->key : NULL, &sv);
	if (job_verify_dated(d)) {
		if (d->answered_at != j->at_t) {
			lg_time_format(d->answered_at, j->at, sizeof(j->at));
			j->at_t = d->answered_at;
		}
		at = j->at;
	}
	if (j->store) {
		enum lg_status st = record(j, &sv, d, err);
		if (st != LG_OK)
			return st;
	}
	count(&j->rep, v);
	if (v->flags != j->flag_set) {
		j->flag_len = verify_flags_format(v->flags, j->flag_text, sizeof(j->flag_text));
		j->flag_set = v->flags;
	}
	job_verify_cells(v, &sv, j->flag_text, j->flag_len, at, c);
	enum lg_status st = io_writer_row(j->wr, j->cells, j->extra, nextra, err);
	if (st != LG_OK) { /* name the output in the message */
		struct lg_err e = *err;
		return lg_err_set(err, st, "%s: %s", j->o.out_name, e.msg);
	}
	if (j->tee && (st = io_writer_row(j->tee, j->cells, j->extra, nextra, err)) != LG_OK) {
		struct lg_err e = *err;
		return lg_err_set(err, st, "%s: %s", j->tee_name, e.msg);
	}
	if (j->progress) {
		struct io_reader_stats rs;
		io_reader_stats(j->rd, &rs);
		j->progress(j->o.arg, j->rep.rows, rs.bytes);
	}
	return st;
}

void job_verify_cells(const struct verify_result *v, const struct store_verdict *sv,
		      const char *flags, size_t flags_len, const char *at, struct io_cell *c)
{
	const char *status = verify_status_name(v->status), *reason = verify_reason_name(v->reason);
	c[C_STATUS] = (struct io_cell){status, strlen(status), true};
	c[C_REASON] = (struct io_cell){reason, strlen(reason), true};
	c[C_FLAGS] = (struct io_cell){flags, flags_len, false};
	c[C_NORMALIZED] = (struct io_cell){v->normalized, v->normalized_len, false};
	c[C_SUGGESTION] = (struct io_cell){v->suggestion, v->suggestion_len, false};
	c[C_MX] = (struct io_cell){sv->mx, strlen(sv->mx), false};
	c[C_PROVIDER] = (struct io_cell){sv->provider, strlen(sv->provider), true};
	c[C_VERIFIED_AT] = (struct io_cell){at, strlen(at), true};
	const char *smtp = sv->smtp_outcome && sv->smtp_reply ? sv->smtp_reply : "";
	c[C_SMTP] = (struct io_cell){smtp, strlen(smtp), false};
}

/*
 * A spooled row: this head, then one 32-bit length per cell (the top bit
 * says plain), then the cells' bytes.  The cells are the nin input cells,
 * the normalized address, the suggestion, then the extra cells.
 */
struct rec_head {
	const struct dns_result *dns;   /* borrowed from the resolver, which outlives the spool */
	const struct smtp_result *smtp; /* borrowed from the prober, which does too; or NULL */
	uint32_t ncells, nextra;
	uint8_t status, reason;
	uint16_t flags;
	uint16_t account_len; /* verify_account_key's: the normalized address's tail */
};
#define REC_PLAIN 0x80000000u

static void rec_cell(struct lg_buf *b, size_t *lenpos, const char *p, size_t n, bool plain)
{
	uint32_t l = (uint32_t)n | (plain ? REC_PLAIN : 0);
	memcpy(b->data + *lenpos, &l, 4);
	*lenpos += 4;
	lg_buf_add(b, p, n);
}

static enum lg_status spool_row(struct job_verify *j, const struct verify_result *v,
				const struct dns_result *d, const struct smtp_result *sr,
				size_t nextra, struct lg_err *err)
{
	struct lg_buf *b = &j->rec;
	struct rec_head h;
	size_t lenpos = sizeof(h);
	const char *acct;

	memset(&h, 0, sizeof(h)); /* padding too: the spool may write it to disk */
	h.dns = d;
	h.smtp = sr;
	h.ncells = (uint32_t)(j->nin + 2 + nextra);
	h.nextra = (uint32_t)nextra;
	h.status = (uint8_t)v->status;
	h.reason = (uint8_t)v->reason;
	h.flags = (uint16_t)v->flags;
	h.account_len = (uint16_t)verify_account_key(v, &acct);

	lg_buf_reset(b);
	lg_buf_add(b, &h, sizeof(h));
	lg_buf_grow(b, 4 * (size_t)h.ncells);
	b->len += 4 * (size_t)h.ncells;
	for (size_t i = 0; i < j->nin; i++)
		rec_cell(b, &lenpos, j->cells[i].s, j->cells[i].len, j->cells[i].plain);
	rec_cell(b, &lenpos, v->normalized, v->normalized_len, false);
	rec_cell(b, &lenpos, v->suggestion, v->suggestion_len, false);
	for (size_t i = 0; i < nextra; i++)
		rec_cell(b, &lenpos, j->extra[i].s, j->extra[i].len, j->extra[i].plain);
	j->waiting++;
	return io_spool_push(j->spool, b->data, b->len, err);
}

/* Write the spooled rows whose domains are answered, oldest first, up to
 * the first that still waits or max rows. */
static enum lg_status drain(struct job_verify *j, size_t max, struct lg_err *err)
{
	while (j->waiting && max--) {
		const void *p;
		size_t n;
		enum lg_status st = io_spool_peek(j->spool, &p, &n, err);
		if (st != LG_OK)
			return st;
		const char *rec = p;
		struct rec_head h;
		memcpy(&h, rec, sizeof(h));
		if ((h.dns && h.dns->outcome == DNS_PENDING) ||
		    (h.smtp && h.smtp->outcome == SMTP_PENDING))
			return LG_OK;

		const char *lens = rec + sizeof(h), *data = lens + 4 * (size_t)h.ncells;
		struct io_cell cell[2];
		extra_reserve(j, h.nextra);
		for (size_t i = 0; i < h.ncells; i++) {
			uint32_t l;
			memcpy(&l, lens + 4 * i, 4);
			struct io_cell c = {data, l & ~REC_PLAIN, (l & REC_PLAIN) != 0};
			data += c.len;
			if (i < j->nin)
				j->cells[i] = c;
			else if (i < j->nin + 2)
				cell[i - j->nin] = c;
			else
				j->extra[i - j->nin - 2] = c;
		}
		struct verify_result v = {
			.status = (enum verify_status)h.status,
			.reason = (enum verify_reason)h.reason,
			.flags = h.flags,
			.normalized = cell[0].s,
			.normalized_len = cell[0].len,
			.suggestion = cell[1].s,
			.suggestion_len = cell[1].len,
			.domain = "",
		};
		if (h.account_len) { /* the account, for the store: the address's tail */
			v.domain = v.normalized + v.normalized_len - h.account_len;
			v.domain_len = v.org_len = h.account_len;
		}
		st = emit(j, &v, h.dns, h.smtp, h.nextra, err);
		if (st != LG_OK)
			return st;
		io_spool_pop(j->spool);
		j->waiting--;
	}
	return LG_OK;
}

/* Let the resolver and the prober work, one step of their loop (wait:
 * block until a reply or a timeout comes), and write what became ready. */
static enum lg_status step_dns(struct job_verify *j, bool wait, size_t max, struct lg_err *err)
{
	loop_step(j->loop, wait ? -1 : 0);
	if (j->smtp_st != LG_OK) {
		*err = j->smtp_err;
		return j->smtp_st;
	}
	return drain(j, max, err);
}

/* Lookups and probes in hand: reading waits past either's backlog. */
static bool backlogged(const struct job_verify *j)
{
	return dns_resolver_busy(j->dns) >= j->backlog ||
	       (j->smtp && smtp_prober_busy(j->smtp) >= j->smtp_backlog);
}

/* Work still to come from the loop: lookups, probes. */
static bool busy(const struct job_verify *j)
{
	return dns_resolver_busy(j->dns) || (j->smtp && smtp_prober_busy(j->smtp));
}

/* A catch-all state a probe found: to the store, for the next runs. */
static void on_catch_all(void *arg, const char *domain, size_t len, enum smtp_catch_all ca,
			 uint32_t at)
{
	struct job_verify *j = arg;
	if (!j->writer || j->smtp_st != LG_OK)
		return;
	int64_t t = at ? at : j->o.now;
	j->smtp_st = store_writer_catch_all(j->writer, domain, len, (int)ca, t,
					    t + STORE_CATCH_ALL_TTL, &j->smtp_err);
}

/* With a list: the store, the suppressions, the run begun (or taken up)
 * with the file's columns, and the writer thread. */
static enum lg_status open_list(struct job_verify *j, struct lg_err *err)
{
	lg_map_init(&j->suppressed, 1);
	enum lg_status st = store_open(&j->store, j->o.db, STORE_CREATE, err);
	if (st == LG_OK)
		st = store_suppressed_each(j->store, add_suppressed, j, err);
	if (st == LG_OK)
		st = store_begin(j->store, err);
	if (st == LG_OK)
		st = store_verify_begin(j->store, j->o.list, j->o.source, j->o.in_name, j->fp,
					j->o.now, &j->srun, err);
	if (st == LG_OK) { /* the file's columns, for export to give back */
		struct io_cell *h = lg_xcalloc(j->nin + 1, sizeof(*h));
		long at = -1;
		for (size_t k = 0; k < j->nin; k++) {
			h[k] = (struct io_cell){j->cols[k].name, j->cols[k].len, false};
			if ((long)j->src[k] == j->email)
				at = (long)k;
		}
		struct lg_buf packed = LG_BUF_INIT;
		io_cells_pack(&packed, h, j->nin);
		free(h);
		st = store_verify_header(j->store, &j->srun, packed.data, packed.len, at, err);
		lg_buf_release(&packed);
	}
	if (st == LG_OK)
		st = store_commit(j->store, err);
	if (st == LG_OK)
		st = store_writer_start(&j->writer, j->store, &j->srun, j->o.now, STORE_BATCH, err);
	if (st == LG_OK && j->srun.resumed)
		notice(j, JOB_NOTICE_NEWS,
		       "list '%s': taking up the interrupted run of %s (%lu contacts recorded "
		       "before)",
		       j->o.list, j->o.in_name, j->srun.done);
	return st;
}

enum lg_status job_verify_open(struct job_verify **out, const struct job_verify_opts *o,
			       struct lg_err *err)
{
	struct job_verify *j = lg_xcalloc(1, sizeof(*j));
	enum lg_status st = LG_OK;

	*out = j;
	j->o = *o;
	struct smtp_opts so;
	if (o->smtp && !o->no_dns) { /* before anything is opened or written */
		if ((st = conf_smtp_opts(o->conf, &so, err)) != LG_OK)
			return st;
		so.now = o->dns.now;
	}
	if (!o->no_dns) {
		j->loop = o->loop;
		if (!j->loop && (st = loop_new(&j->own_loop, err)) != LG_OK)
			return st;
		if (!j->loop)
			j->loop = j->own_loop;
		st = dns_resolver_new(&j->dns, j->loop, &o->dns, err);
		if (st != LG_OK)
			return st;
		j->spool = o->smtp ? io_spool_new_blocks(SPOOL_MEMORY_SMTP, SPOOL_BLOCK_SMTP)
				   : io_spool_new(SPOOL_MEMORY);
		if (o->smtp) {
			if ((st = smtp_prober_new(&j->smtp, j->loop, &so, err)) != LG_OK)
				return st;
			smtp_prober_on_domain(j->smtp, on_catch_all, j);
			/* While reading, a domain's session waits for a full
			 * load of its addresses: its rows may be spread over the
			 * whole list.  The end of the input lets every one go. */
			smtp_prober_gather(j->smtp, true);
			job_probe_init(&j->probe, j->smtp, j->dns, o->conf, NULL, o->now);
			j->smtp_backlog = SMTP_BACKLOG * (size_t)(so.total ? so.total : 64) *
					  (so.rcpt_max ? so.rcpt_max : 25);
		}
	}
	/* Before the reader moves: mmap does not use the file offset anyway. */
	j->fp = o->list ? fingerprint(o->in) : NULL;
	struct io_header_opts ho = {o->skip_lines, o->email_column, o->input};
	st = io_reader_new_list(&j->rd, o->in, o->in_name, &ho, err);
	if (st != LG_OK)
		return st;
	if (o->format_from_input)
		j->o.format = io_reader_format(j->rd);
	const struct io_row *hdr = j->hdr = io_reader_header(j->rd);
	struct io_reader_stats rs;
	io_reader_stats(j->rd, &rs);
	if (rs.preamble_lines) {
		char lines[48] = "1";
		if (rs.preamble_lines > 1)
			snprintf(lines, sizeof(lines), "1-%lu", rs.preamble_lines);
		notice(j, JOB_NOTICE_WARNING,
		       "%s:%s: skipped %lu line%s above the header (line %lu)", o->in_name, lines,
		       rs.preamble_lines, rs.preamble_lines > 1 ? "s" : "", hdr->line);
	}
	if (hdr->stray_line)
		notice(j, JOB_NOTICE_WARNING,
		       "%s:%lu: text after a closing quote in the header, read as part of the name",
		       o->in_name, hdr->stray_line);
	j->email = io_find_email_column(hdr, o->email_column, err);
	if (j->email < 0) { /* say where the header was taken from */
		struct lg_err e = *err;
		return lg_err_set(err, LG_EDATA, "%s:%lu: %s", o->in_name, hdr->line, e.msg);
	}

	/* Output columns: the input's (less stale verify_* ones), then ours. */
	j->cols = lg_xcalloc(hdr->n + C_COUNT, sizeof(*j->cols));
	j->src = lg_xcalloc(hdr->n + 1, sizeof(*j->src));
	size_t nin = 0;
	for (size_t i = 0; i < hdr->n; i++) {
		if ((long)i != j->email && is_verify_column(hdr->field[i], hdr->len[i]))
			continue;
		j->src[nin] = i;
		j->cols[nin++] = (struct io_col){hdr->field[i], hdr->len[i], IO_KIND_TEXT};
	}
	memcpy(j->cols + nin, job_verify_cols, sizeof(job_verify_cols));
	j->nin = nin;
	for (int i = 0; i < JOB_PROFILE_COUNT; i++)
		j->profile[i] = -1;
	for (size_t k = 0; k < nin && o->list; k++) {
		int p = job_profile_column(j->cols[k].name, j->cols[k].len);
		if (p >= 0 && j->profile[p] < 0) {
			j->profile[p] = (int)k;
			j->has_profile = true;
		}
	}
	/* A contact list: only now does it become a list version. */
	if (o->list && (st = open_list(j, err)) != LG_OK)
		return st;
	j->probe.store = j->store; /* catch-all states kept: with a list */
	j->cells = lg_xcalloc(nin + C_COUNT, sizeof(*j->cells));

	j->rep.input = o->in_name;
	j->rep.email_column = hdr->field[j->email];
	j->rep.delim = io_reader_delim(j->rd);
	j->rep.bom = io_reader_bom(j->rd);
	j->rep.jsonl = io_reader_format(j->rd) == IO_FORMAT_JSONL;
	j->rep.header_line = hdr->line;
	j->rep.preamble_lines = rs.preamble_lines;
	j->rep.input_size = rs.size;
	return LG_OK;
}

void job_verify_start(struct job_verify *j, int out, const char *out_name, job_progress_fn *progress)
{
	j->progress = progress;
	j->o.out = out;
	j->o.out_name = out_name;
	struct io_writer_opts wo = {j->o.format, io_reader_delim(j->rd), io_reader_crlf(j->rd),
				    io_reader_bom(j->rd), j->o.guard};
	j->wr = io_writer_new(out, &wo, j->cols, j->nin + C_COUNT);
	j->ctx = conf_verify_ctx(j->o.conf);
	j->flag_set = 0; /* flag_text "", flag_len 0: no flag */
	j->backlog = DNS_BACKLOG * (size_t)(j->o.dns.concurrency ? j->o.dns.concurrency : 256);
	j->phase = READING;
}

void job_verify_tee(struct job_verify *j, int out, const char *out_name, enum io_format format)
{
	struct io_writer_opts wo = {format, io_reader_delim(j->rd), io_reader_crlf(j->rd),
				    io_reader_bom(j->rd), j->o.guard};
	j->tee = io_writer_new(out, &wo, j->cols, j->nin + C_COUNT);
	j->tee_name = out_name;
}

/* Verify one row read, and write it or spool it. */
static enum lg_status one_row(struct job_verify *j, const struct io_row *row, struct lg_err *err)
{
	const struct io_row *hdr = j->hdr;
	struct verify_result v;
	if ((size_t)j->email < row->n && !row->malformed)
		verify_list_row(j->ctx, row->field[j->email], row->len[j->email], &v);
	else
		v = (struct verify_result){
			.status = verify_reason_status(VERIFY_R_INPUT_MISSING),
			.reason = VERIFY_R_INPUT_MISSING,
			.normalized = "",
			.suggestion = "",
			.domain = "",
		};
	if (row->malformed) {
		if (++j->rep.malformed <= WARN_ROWS_MAX)
			notice(j, JOB_NOTICE_WARNING,
			       "%s:%lu: not a JSON object (%s): kept as it is, input.missing",
			       j->o.in_name, row->line, row->malformed);
	} else if (row->n != hdr->n) {
		v.flags |= VERIFY_F_RAGGED;
		if (++j->rep.ragged <= WARN_ROWS_MAX)
			notice(j, JOB_NOTICE_WARNING,
			       j->rep.jsonl ? "%s:%lu: %zu cells, the first line has %zu keys "
					      "(the other keys kept after them, flagged ragged)"
					    : "%s:%lu: %zu fields, the header has %zu (kept, "
					      "flagged ragged)",
			       j->o.in_name, row->line, row->n, hdr->n);
	}
	if (row->stray_line && ++j->rep.stray_quotes <= WARN_ROWS_MAX)
		notice(j, JOB_NOTICE_WARNING,
		       "%s:%lu: text after a closing quote, read as part of the cell", j->o.in_name,
		       row->stray_line);
	const struct dns_result *d = NULL;
	const struct smtp_result *sr = NULL;
	if (j->dns && verify_needs_dns(&v)) {
		d = job_dns_lookup(j->dns, j->store, j->o.now, v.domain, v.domain_len, v.org_len);
		if (j->smtp)
			sr = job_probe_add(&j->probe, &v);
	}

	for (size_t i = 0; i < j->nin; i++)
		j->cells[i] = j->src[i] < row->n ? (struct io_cell){row->field[j->src[i]],
								    row->len[j->src[i]], row->plain}
						 : (struct io_cell){"", 0, true};
	size_t nextra = row->n > hdr->n ? row->n - hdr->n : 0;
	extra_reserve(j, nextra);
	for (size_t i = 0; i < nextra; i++)
		j->extra[i] = (struct io_cell){row->field[hdr->n + i], row->len[hdr->n + i],
					       row->plain};

	if (!j->waiting && (!d || d->outcome != DNS_PENDING) && (!sr || sr->outcome != SMTP_PENDING))
		return emit(j, &v, d, sr, nextra, err);
	return spool_row(j, &v, d, sr, nextra, err);
}

/* Every row is written: finish the output and the report's counts. */
static enum lg_status end_output(struct job_verify *j, struct lg_err *err)
{
	struct job_verify_report *rep = &j->rep;
	enum lg_status st = io_writer_finish(j->wr, err);
	if (st != LG_OK) { /* name the output in the message */
		struct lg_err e = *err;
		return lg_err_set(err, st, "%s: %s", j->o.out_name, e.msg);
	}
	if (j->tee && (st = io_writer_finish(j->tee, err)) != LG_OK) {
		struct lg_err e = *err;
		return lg_err_set(err, st, "%s: %s", j->tee_name, e.msg);
	}
	struct io_reader_stats rs;
	io_reader_stats(j->rd, &rs);
	rep->blank_lines = rs.blank_lines;
	rep->footer_rows = rs.footer_rows;
	rep->footer_line = rs.footer_line;
	rep->footer_last = rs.footer_last;
	rep->repaired_utf8 = io_writer_repaired(j->wr);
	struct verify_stats vs;
	verify_ctx_stats(j->ctx, &vs);
	rep->distinct_addresses = vs.addresses;
	rep->distinct_domains = vs.domains;
	rep->set_bytes = vs.bytes;
	if (j->dns) {
		rep->dns = true;
		dns_resolver_stats(j->dns, &rep->dns_stats);
		/* Down only when its probe went unanswered too: a list of dead
		 * domains is no sign of a dead resolver (dns_unanswered says
		 * how much went unanswered). */
		rep->dns_down = dns_resolver_down(j->dns);
		rep->dns_unanswered = !rep->dns_down &&
				      job_dns_unanswered(&rep->dns_stats,
							 j->o.conf->dns_unanswered_max,
							 &rep->dns_failed);
		if (j->smtp) {
			rep->smtp = true;
			smtp_prober_stats(j->smtp, &rep->smtp_stats);
		}
		struct io_spool_stats ss;
		io_spool_stats(j->spool, &ss);
		rep->spool_peak = ss.mem_peak;
		rep->spool_spilled = ss.spilled_bytes;
	}
	/* What only asks for a look at the input is a warning; a footer
	 * skipped as it should be is news. */
	if (rep->ragged > WARN_ROWS_MAX)
		notice(j, JOB_NOTICE_WARNING, "%s: %lu more ragged rows not listed", j->o.in_name,
		       rep->ragged - WARN_ROWS_MAX);
	if (rep->malformed > WARN_ROWS_MAX)
		notice(j, JOB_NOTICE_WARNING,
		       "%s: %lu more lines that are not JSON objects not listed", j->o.in_name,
		       rep->malformed - WARN_ROWS_MAX);
	if (rep->stray_quotes > WARN_ROWS_MAX)
		notice(j, JOB_NOTICE_WARNING,
		       "%s: %lu more rows with text after a closing quote not listed", j->o.in_name,
		       rep->stray_quotes - WARN_ROWS_MAX);
	if (rs.footer_rows)
		notice(j, JOB_NOTICE_NEWS,
		       "%s:%lu-%lu: Salesforce report footer (%lu rows), not contacts: skipped",
		       j->o.in_name, rs.footer_line, rs.footer_last, rs.footer_rows);
	if (rs.unclosed_quote_line)
		notice(j, JOB_NOTICE_WARNING,
		       "%s:%lu: a quoted field never closes; the row runs to the end of input",
		       j->o.in_name, rs.unclosed_quote_line);
	return LG_OK;
}

enum lg_status job_verify_feed(struct job_verify *j, size_t max, bool *eof, struct lg_err *err)
{
	enum lg_status st = LG_OK;
	*eof = j->phase != READING;
	/* nowait: past the backlog, not a row more until the lookups in hand
	 * drop below it.  Reading on would spool every row to come, to
	 * disk past the spool's memory, and queue every domain. */
	if (!*eof && j->o.nowait && j->dns && backlogged(j))
		return LG_OK;
	while (!*eof && max--) {
		const struct io_row *row;
		if ((st = io_reader_next(j->rd, &row, err)) != LG_OK)
			return st;
		if (!row) {
			j->phase = DRAINING;
			if (j->smtp)
				smtp_prober_gather(j->smtp, false);
			*eof = true;
			break;
		}
		j->rep.rows_read++;
		if ((st = one_row(j, row, err)) != LG_OK)
			return st;
		if (j->dns && ++j->nread % POLL_EVERY == 0) {
			st = step_dns(j, false, DRAIN_STEP, err);
			/* Read on while the resolver has work in hand; past
			 * the backlog, wait for it (or, nowait, come back
			 * later). */
			if (st == LG_OK && j->o.nowait && backlogged(j))
				return LG_OK;
			while (st == LG_OK && backlogged(j))
				st = step_dns(j, true, SIZE_MAX, err);
			if (st != LG_OK)
				return st;
		}
	}
	return LG_OK;
}

enum lg_status job_verify_poll(struct job_verify *j, bool wait, bool *done, struct lg_err *err)
{
	enum lg_status st;
	*done = j->phase == DONE;
	switch (j->phase) {
	case READING: return j->dns ? step_dns(j, wait, DRAIN_STEP, err) : LG_OK;
	case DRAINING:
		/* Rows whose answers came in a step that drained only
		 * DRAIN_STEP of them (feed's, or a poll while reading) are
		 * ready: written first, without waiting for a lookup there may
		 * no longer be. */
		if (j->waiting && (st = drain(j, SIZE_MAX, err)) != LG_OK)
			return st;
		if (j->waiting) {
			if (!busy(j))
				BUG("a row waits for DNS or SMTP, but nothing is in flight");
			return step_dns(j, wait, SIZE_MAX, err);
		}
		j->phase = PROBING;
		/* fall through */
	case PROBING: /* a probe still out: is the resolver down? */
		if (j->dns && busy(j)) {
			loop_step(j->loop, wait ? -1 : 0);
			return LG_OK;
		}
		if ((st = end_output(j, err)) != LG_OK)
			return st;
		j->phase = DONE;
		*done = true;
		return LG_OK;
	case DONE: return LG_OK;
	}
	return LG_OK;
}

enum lg_status job_verify_finish(struct job_verify *j, struct lg_err *err)
{
	struct job_verify_report *rep = &j->rep;
	if (!j->store)
		return LG_OK;
	/* contacts: store_verify_finish counts the run's members */
	struct store_list_counts lc = {.rows = rep->rows};
	memcpy(lc.by_status, rep->by_status, sizeof(lc.by_status));
	enum lg_status st = store_writer_finish(j->writer, err);
	store_writer_free(j->writer);
	j->writer = NULL;
	if (st == LG_OK)
		st = store_begin(j->store, err);
	if (st == LG_OK)
		st = store_verify_finish(j->store, &j->srun, &lc, j->o.now, err);
	if (st == LG_OK && j->o.in_commit)
		st = j->o.in_commit(j->o.arg, j->store, err);
	if (st == LG_OK)
		st = store_commit(j->store, err);
	else
		store_rollback(j->store);
	rep->committed = st == LG_OK;
	if (st == LG_OK)
		st = store_list_get(j->store, j->o.list, &j->li, err);
	if (st == LG_OK)
		st = list_evaluate(j->store, j->o.conf, &j->li, j->o.now, false, &j->le, err);
	/* The verdict kept, and a change told (list.gate_changed), in a
	 * short transaction of its own after the weighing, which reads the
	 * version just recorded and holds no write lock meanwhile.  To be
	 * told, it is weighed again inside: a bounce import may have kept a
	 * newer verdict, and told it, in between. */
	bool told = false;
	if (st == LG_OK && (st = store_begin(j->store, err)) == LG_OK) {
		st = j->o.conf->handoff.events
			     ? list_gate_check(j->store, j->o.conf, j->o.list, j->o.now, &told, err)
			     : list_gate_note(j->store, j->o.conf, &j->li, &j->le, j->o.now, &told,
					      err);
		if (st == LG_OK)
			st = store_commit(j->store, err);
		else
			store_rollback(j->store);
	}
	if (st != LG_OK)
		return st;
	rep->gate_changed = told;
	rep->list = j->o.list;
	rep->list_contacts = lc.contacts;
	rep->list_addressed = j->addressed;
	rep->gate = j->le.gate;
	rep->gate_candidates = j->le.in.candidates;
	return LG_OK;
}

/* Reason indices by count, largest first (ties in code order). */
size_t job_verify_top_reasons(const struct job_verify_report *r, unsigned *idx)
{
	size_t n = 0;
	for (unsigned i = 0; i < VERIFY_R_COUNT; i++)
		if (r->by_reason[i])
			idx[n++] = i;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && r->by_reason[idx[j]] > r->by_reason[idx[j - 1]]; j--) {
			unsigned t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	return n;
}

/* --list: the rows with a valid address that became no contact of their
 * own, a repeat of another row's (the text and --summary say the same). */
unsigned long job_verify_collapsed(const struct job_verify_report *r)
{
	return r->list_addressed > r->list_contacts ? r->list_addressed - r->list_contacts : 0;
}

const struct job_verify_report *job_verify_report(const struct job_verify *j)
{
	return &j->rep;
}

const struct list_eval *job_verify_gate(const struct job_verify *j,
					const struct store_list_info **li)
{
	*li = &j->li;
	return j->store && j->rep.list ? &j->le : NULL;
}

void job_verify_close(struct job_verify *j)
{
	if (!j)
		return;
	verify_ctx_free(j->ctx);
	io_writer_free(j->wr);
	io_writer_free(j->tee);
	io_reader_free(j->rd);
	io_spool_free(j->spool);
	smtp_prober_free(j->smtp);
	if (j->smtp)
		job_probe_release(&j->probe);
	dns_resolver_free(j->dns);
	loop_free(j->own_loop);       /* after the resolver, which takes its sockets out of it */
	store_writer_free(j->writer); /* rolls back what was not committed */
	store_close(j->store);
	if (j->o.list)
		lg_map_release(&j->suppressed);
	free(j->fp);
	lg_buf_release(&j->rec);
	lg_buf_release(&j->key);
	free(j->cols);
	free(j->cells);
	free(j->extra);
	free(j->src);
	free(j);
}
