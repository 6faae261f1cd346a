/*
 * cmd_verify.c - `leadgate verify`: read a contact list, verify every row,
 * write every row back with the verify_* columns, summarize.
 *
 * Output to a file is atomic: rows go to a temporary file beside it, which
 * is renamed over FILE only when the whole list is written, so a run that
 * is killed leaves either the old FILE or the complete new one.
 *
 * The DNS stage streams.  Reading and the offline checks run ahead; each
 * valid row's domain is handed to the resolver (one lookup per domain)
 * and the row waits, in input order, in a spool (io_spool: memory up to a
 * budget, then a temporary file) until its domain is answered.  Rows whose
 * domain is known and that have nobody waiting ahead of them are written
 * at once.  Reading pauses only while DNS_BACKLOG x concurrency lookups
 * are already waiting, so memory is bounded by the spool's budget and the
 * number of distinct domains, never by the number of rows.
 */
#include "cli.h"
#include "conf/conf.h"
#include "io/io.h"
#include "loop/loop.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_SUMMARY = 256,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_NO_DNS,
	OPT_SOURCE,
	OPT_SKIP_LINES,
};

#define DNS_BACKLOG 4               /* lookups waiting, as a multiple of the concurrency */
#define SPOOL_MEMORY (4u << 20)     /* rows waiting for DNS held in memory; the rest spill */
#define POLL_EVERY 32               /* rows read between two looks at the resolver */
/* Rows written per look while reading goes on: when a silent domain
 * finally times out, thousands of rows behind it become ready; writing
 * them all at once would stop reading, and with it the sending of the
 * next lookups, for seconds. */
#define DRAIN_STEP 512
#define STORE_BATCH 8192            /* --list: verdicts written per transaction */

static const struct cli_option verify_opts[] = {
	{"output", 'o', "FILE", "write the verified list to FILE (default: standard output)"},
	{"format", 'f', "FMT", "output format: csv (default) or jsonl"},
	CLI_FORMULA_GUARD_OPT,
	{"email-column", 'e', "NAME", "the column holding addresses (name or 1-based number)"},
	{"skip-lines", OPT_SKIP_LINES, "N", "the header comes after N lines (a preamble); no search"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"summary", OPT_SUMMARY, "FILE", "also write the summary as JSON to FILE"},
	{"progress", OPT_PROGRESS, NULL, "show a progress bar even if stderr is not a terminal"},
	{"no-progress", OPT_NO_PROGRESS, NULL, "never show a progress bar"},
	CLI_DNS_OPTS,
	{"no-dns", OPT_NO_DNS, NULL, "do not look up mail hosts (status unknown, reason dns.skipped)"},
	{"list", 'l', "NAME", "record the run in the store as a version of list NAME, then gate it"},
	{"source", OPT_SOURCE, "NAME", "with --list: where the list came from (its decay rate)"},
	{"quiet", 'q', NULL, "print no summary (warnings about the input and errors still show)"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

/* The columns verify appends, in order (DESIGN.md, "The contract"). */
enum { C_STATUS, C_REASON, C_FLAGS, C_NORMALIZED, C_SUGGESTION, C_MX, C_PROVIDER, C_VERIFIED_AT,
       C_COUNT };
static const struct io_col verify_cols[C_COUNT] = {
	{"verify_status", 13, IO_KIND_TEXT},
	{"verify_reason", 13, IO_KIND_TEXT},
	{"verify_flags", 12, IO_KIND_LIST},
	{"verify_normalized", 17, IO_KIND_OPTIONAL},
	{"verify_suggestion", 17, IO_KIND_OPTIONAL},
	{"verify_mx", 9, IO_KIND_OPTIONAL},
	{"verify_provider", 15, IO_KIND_OPTIONAL},
	{"verified_at", 11, IO_KIND_OPTIONAL},
};

#define WARN_ROWS_MAX 10 /* ragged rows, rows with text after a closing quote: reported one by one */

struct verify_args {
	const char *input, *output, *email_column, *config, *summary, *list, *source;
	long skip_lines; /* -1: look for the header */
	enum io_format format;
	enum io_guard guard;
	int progress; /* -1 auto, 0 off, 1 on */
	bool quiet;
	bool no_dns;
	struct dns_opts dns;
};

static void verify_help(void)
{
	cli_usage(stdout, "leadgate verify [OPTIONS] [FILE|-]",
		  "Verify every row of a contact list (CSV; - or no FILE reads standard\n"
		  "input) and write it back with verify_status, verify_reason,\n"
		  "verify_flags, verify_normalized, verify_suggestion, verify_mx,\n"
		  "verify_provider and verified_at appended.  Mail hosts are looked up\n"
		  "once per domain.  With --list NAME the verdicts are recorded in the\n"
		  "store as a version of list NAME, which the bounce-rate gate then\n"
		  "weighs.  Exit 0; 1 if the gate blocks the list; 75 if the resolver\n"
		  "did not answer, or left more than [verify] dns_unanswered_max (50%)\n"
		  "of the domains unanswered.\n"
		  "The header is the first of the first 20 lines that names the email\n"
		  "column (lines above it, such as LinkedIn's notes, are skipped and\n"
		  "reported), or the line after the N lines of --skip-lines N.\n"
		  "Text after a closing quote (\"a@x.io\"x,) is read into the cell\n"
		  "(a@x.iox), with a warning; no row is lost.\n"
		  "Reason codes: leadgate(1).",
		  verify_opts);
}

/* A list source: what [decay] monthly_rate.NAME may name. */
static bool source_name_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !lg_ascii_is_digit((unsigned char)s[i]) &&
		    s[i] != '-' && s[i] != '_')
			return false;
	return n >= 1 && n <= 63;
}

/* A list name: printed in lists' columns and messages, one line each. */
static bool list_name_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return n >= 1 && n <= 127;
}

static int on_opt(void *arg, int key, const char *val)
{
	struct verify_args *a = arg;
	switch (key) {
	case 'o': a->output = val; return -1;
	case 'c': a->config = val; return -1;
	case 'q': a->quiet = true; return -1;
	case OPT_SUMMARY: a->summary = val; return -1;
	case OPT_PROGRESS: a->progress = 1; return -1;
	case OPT_NO_PROGRESS: a->progress = 0; return -1;
	case OPT_NO_DNS: a->no_dns = true; return -1;
	case OPT_SKIP_LINES:
		return cli_number_arg("--skip-lines", val, 0, 1000000, &a->skip_lines) ? -1 : 64;
	case 'e':
		a->email_column = val;
		if (*val)
			return -1;
		cli_error("--email-column wants a column name or number");
		return 64;
	case 'l':
		a->list = val;
		if (list_name_ok(val))
			return -1;
		cli_error("--list wants a name of 1 to 127 bytes without control characters "
			  "(line breaks, tabs)");
		return 64;
	case OPT_SOURCE:
		a->source = val;
		if (source_name_ok(val))
			return -1;
		cli_error("--source wants a name of 1 to 63 characters a-z, 0-9, - and _, "
			  "as in [decay] monthly_rate.NAME, not '%s'", val);
		return 64;
	case 'f':
		return cli_format_opt(val, &a->format);
	case CLI_OPT_FORMULA_GUARD:
		return cli_formula_guard_opt(val, &a->guard);
	}
	return cli_dns_opt(&a->dns, key, val);
}

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	int first, rc;

	memset(a, 0, sizeof(*a));
	a->progress = -1;
	a->skip_lines = -1;
	rc = cli_parse(argc, argv, "verify", verify_opts, verify_help, on_opt, a, &first);
	if (rc >= 0)
		return rc;
	if (a->source && !a->list) {
		cli_error("--source goes with --list");
		return 64;
	}
	if (argc - first > 1) {
		cli_error("verify takes one input file, not %d", argc - first);
		return 64;
	}
	a->input = first < argc ? argv[first] : "-";
	return -1;
}

static int open_input(const char *path)
{
	if (!strcmp(path, "-"))
		return STDIN_FILENO;
	int fd;
	struct stat sb;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		errno = EISDIR;
		return -1;
	}
	return fd;
}

static bool is_verify_column(const char *s, size_t n)
{
	for (int i = 0; i < C_COUNT; i++)
		if (lg_ascii_eq(s, n, verify_cols[i].name, verify_cols[i].len))
			return true;
	return false;
}

/* The state of one run that rows pass through on their way out. */
struct run {
	struct io_writer *wr;
	struct io_cell *cells;  /* a row's output cells: nin input, then ours */
	size_t nin;
	struct io_cell *extra;  /* cells past the header's width */
	size_t cap_extra;
	struct dns_resolver *dns; /* NULL with --no-dns */
	struct loop *loop;        /* the resolver's; NULL with --no-dns */
	struct io_spool *spool;   /* rows waiting for their domain */
	size_t waiting;           /* rows in the spool */
	struct lg_buf rec;        /* a row being spooled */
	struct report *rep;
	struct progress *prog;
	struct io_reader *rd;
	const char *out_name;     /* for messages: the output file or <stdout> */
	char at[32];              /* verified_at of at_t, formatted once */
	uint32_t at_t;
	/* --list: the store, the run, and what it has recorded */
	struct store *store;
	struct store_run srun;
	struct lg_map suppressed; /* lower-case address -> enum store_suppress */
	int64_t now;
	unsigned long addressed;  /* rows with a valid address: recorded, or duplicates */
	struct recorder *recorder; /* writes verdicts and DNS answers in batches */
	int profile[LG_PROFILE_COUNT]; /* the output cell of each profile column, or -1 */
	bool has_profile;
};

static void add_suppressed(void *arg, const char *address, size_t len, enum store_suppress why)
{
	struct run *R = arg;
	uint8_t *v = lg_map_put(&R->suppressed, address, len, lg_hash(address, len), NULL);
	*v = (uint8_t)why;
}

/* --list: a hard-bounced address is undeliverable whatever its domain says. */
static void apply_suppression(struct run *R, struct verify_result *v)
{
	char key[512];
	size_t n = v->normalized_len;
	if (!R->suppressed.count || !n || n >= sizeof(key))
		return;
	lg_ascii_lower_copy(key, v->normalized, n);
	const uint8_t *why = lg_map_get(&R->suppressed, key, n, lg_hash(key, n));
	if (why && *why == STORE_SUPPRESS_BOUNCE) {
		v->status = VERIFY_UNDELIVERABLE;
		v->reason = VERIFY_R_BOUNCE_HARD;
	}
}

/*
 * --list: hand a written row's verdict, and its domain's answer when it is
 * new, to the recorder.  Verdicts gather in memory between writes, so the
 * database's write lock is held only while a batch is written: a refresh
 * or an import on the same database gets its turn between two batches.
 */
static enum lg_status record(struct run *R, const struct verify_result *v,
			     const struct dns_result *d, const char *mx, const char *provider,
			     struct lg_err *err)
{
	enum lg_status st = LG_OK;
	if (cli_dns_to_keep(d)) {
		size_t len;
		const char *domain = dns_resolver_domain(R->dns, d, &len);
		st = recorder_dns(R->recorder, domain, len, d, err);
	}
	if (v->normalized_len)
		R->addressed++;
	if (st == LG_OK && v->normalized_len && !(v->flags & VERIFY_F_DUPLICATE)) {
		const char *n = v->normalized;
		const char *at = memrchr(n, '@', v->normalized_len);
		struct store_verdict sv = {
			.address = n, .address_len = v->normalized_len,
			.domain = at ? at + 1 : "",
			.domain_len = at ? v->normalized_len - (size_t)(at + 1 - n) : 0,
			.status = v->status, .reason = v->reason, .flags = v->flags,
			.mx = mx, .provider = provider,
			.verified_at = d && d->answered_at ? d->answered_at : R->now,
		};
		struct io_cell prof[LG_PROFILE_COUNT];
		if (R->has_profile)
			for (int i = 0; i < LG_PROFILE_COUNT; i++)
				prof[i] = R->profile[i] >= 0 ? R->cells[R->profile[i]]
							     : (struct io_cell){NULL, 0, true};
		/* The row as the file gave it, for export to give back. */
		st = recorder_verdict(R->recorder, &sv, R->cells, R->nin, R->has_profile ? prof : NULL,
				      err);
	}
	return st;
}

/* A content fingerprint of a regular file, so that an interrupted --list
 * run of the same input can be taken up again; NULL for anything else.
 * Owned: free(). */
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

/* The flags column for each of the 256 flag sets, made once. */
static char flag_text[1u << VERIFY_FLAG_COUNT][96];
static size_t flag_len[1u << VERIFY_FLAG_COUNT];

static void extra_reserve(struct run *R, size_t n)
{
	if (n > R->cap_extra) {
		R->cap_extra = n;
		R->extra = lg_xrealloc(R->extra, n * sizeof(*R->extra));
	}
}

/* Write one row: R->cells[0..nin) and R->extra[0..nextra) are its input
 * cells; v its verdict, completed with d (NULL: no DNS). */
static enum lg_status emit(struct run *R, struct verify_result *v, const struct dns_result *d,
			   size_t nextra, struct lg_err *err)
{
	struct io_cell *c = R->cells + R->nin;
	const char *mx = "", *provider = "", *at = "";

	if (d) {
		verify_apply_dns(v, (enum dns_outcome)d->outcome);
		mx = d->mx;
		provider = dns_provider_name((enum dns_provider)d->provider);
		if (d->answered_at) {
			if (d->answered_at != R->at_t) {
				lg_time_format(d->answered_at, R->at, sizeof(R->at));
				R->at_t = d->answered_at;
			}
			at = R->at;
		}
	}
	if (R->store) {
		apply_suppression(R, v);
		enum lg_status st = record(R, v, d, mx, provider, err);
		if (st != LG_OK)
			return st;
	}
	report_count(R->rep, v);
	const char *status = verify_status_name(v->status), *reason = verify_reason_name(v->reason);
	c[C_STATUS] = (struct io_cell){status, strlen(status), true};
	c[C_REASON] = (struct io_cell){reason, strlen(reason), true};
	c[C_FLAGS] = (struct io_cell){flag_text[v->flags], flag_len[v->flags], false};
	c[C_NORMALIZED] = (struct io_cell){v->normalized, v->normalized_len, false};
	c[C_SUGGESTION] = (struct io_cell){v->suggestion, v->suggestion_len, false};
	c[C_MX] = (struct io_cell){mx, strlen(mx), false};
	c[C_PROVIDER] = (struct io_cell){provider, strlen(provider), true};
	c[C_VERIFIED_AT] = (struct io_cell){at, strlen(at), true};
	enum lg_status st = io_writer_row(R->wr, R->cells, R->extra, nextra, err);
	if (st != LG_OK) { /* name the output in the message */
		struct lg_err e = *err;
		return lg_err_set(err, st, "%s: %s", R->out_name, e.msg);
	}
	if (R->prog->on) {
		struct io_reader_stats rs;
		io_reader_stats(R->rd, &rs);
		progress_tick(R->prog, R->rep->rows, rs.bytes);
	}
	return st;
}

/*
 * A spooled row: this head, then one 32-bit length per cell (the top bit
 * says plain), then the cells' bytes.  The cells are the nin input cells,
 * the normalized address, the suggestion, then the extra cells.
 */
struct rec_head {
	const struct dns_result *dns; /* borrowed from the resolver, which outlives the spool */
	uint32_t ncells, nextra;
	uint8_t status, reason;
	uint16_t flags;
};
#define REC_PLAIN 0x80000000u

static void rec_cell(struct lg_buf *b, size_t *lenpos, const char *p, size_t n, bool plain)
{
	uint32_t l = (uint32_t)n | (plain ? REC_PLAIN : 0);
	memcpy(b->data + *lenpos, &l, 4);
	*lenpos += 4;
	lg_buf_add(b, p, n);
}

static enum lg_status spool_row(struct run *R, const struct verify_result *v,
				const struct dns_result *d, size_t nextra, struct lg_err *err)
{
	struct lg_buf *b = &R->rec;
	struct rec_head h;
	size_t lenpos = sizeof(h);

	memset(&h, 0, sizeof(h)); /* padding too: the spool may write it to disk */
	h.dns = d;
	h.ncells = (uint32_t)(R->nin + 2 + nextra);
	h.nextra = (uint32_t)nextra;
	h.status = (uint8_t)v->status;
	h.reason = (uint8_t)v->reason;
	h.flags = (uint16_t)v->flags;

	lg_buf_reset(b);
	lg_buf_add(b, &h, sizeof(h));
	lg_buf_grow(b, 4 * (size_t)h.ncells);
	b->len += 4 * (size_t)h.ncells;
	for (size_t i = 0; i < R->nin; i++)
		rec_cell(b, &lenpos, R->cells[i].s, R->cells[i].len, R->cells[i].plain);
	rec_cell(b, &lenpos, v->normalized, v->normalized_len, false);
	rec_cell(b, &lenpos, v->suggestion, v->suggestion_len, false);
	for (size_t i = 0; i < nextra; i++)
		rec_cell(b, &lenpos, R->extra[i].s, R->extra[i].len, R->extra[i].plain);
	R->waiting++;
	return io_spool_push(R->spool, b->data, b->len, err);
}

/* Write the spooled rows whose domains are answered, oldest first, up to
 * the first that still waits or max rows. */
static enum lg_status drain(struct run *R, size_t max, struct lg_err *err)
{
	while (R->waiting && max--) {
		const void *p;
		size_t n;
		enum lg_status st = io_spool_peek(R->spool, &p, &n, err);
		if (st != LG_OK)
			return st;
		const char *rec = p;
		struct rec_head h;
		memcpy(&h, rec, sizeof(h));
		if (h.dns && h.dns->outcome == DNS_PENDING)
			return LG_OK;

		const char *lens = rec + sizeof(h), *data = lens + 4 * (size_t)h.ncells;
		struct io_cell cell[2];
		extra_reserve(R, h.nextra);
		for (size_t i = 0; i < h.ncells; i++) {
			uint32_t l;
			memcpy(&l, lens + 4 * i, 4);
			struct io_cell c = {data, l & ~REC_PLAIN, (l & REC_PLAIN) != 0};
			data += c.len;
			if (i < R->nin)
				R->cells[i] = c;
			else if (i < R->nin + 2)
				cell[i - R->nin] = c;
			else
				R->extra[i - R->nin - 2] = c;
		}
		struct verify_result v = {
			.status = (enum verify_status)h.status, .reason = (enum verify_reason)h.reason,
			.flags = h.flags, .normalized = cell[0].s, .normalized_len = cell[0].len,
			.suggestion = cell[1].s, .suggestion_len = cell[1].len, .domain = "",
		};
		st = emit(R, &v, h.dns, h.nextra, err);
		if (st != LG_OK)
			return st;
		io_spool_pop(R->spool);
		R->waiting--;
	}
	return LG_OK;
}

/* Let the resolver work, one step of its loop (wait: block until a reply
 * or a timeout comes), and write what became ready. */
static enum lg_status step_dns(struct run *R, bool wait, size_t max, struct lg_err *err)
{
	loop_step(R->loop, wait ? -1 : 0);
	return drain(R, max, err);
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a;
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;

	struct lg_err err = {{0}};
	enum lg_status st = LG_OK;
	struct conf conf;
	struct io_reader *rd = NULL;
	struct verify_ctx *ctx = NULL;
	struct io_col *cols = NULL;
	size_t *src = NULL; /* output column -> input column */
	char *fp = NULL;    /* --list: the input's fingerprint */
	int in = -1, out = -1;
	const char *in_name = strcmp(a.input, "-") ? a.input : "<stdin>";
	struct report rep = {0};
	struct progress prog = {0};
	struct run R = {.rep = &rep, .prog = &prog};
	double t0 = lg_now_mono();

	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	if (st != LG_OK)
		goto out;
	R.now = cli_now();
	a.dns.now = cli_common.now_set ? R.now : 0;
	if (!a.no_dns) {
		st = loop_new(&R.loop, &err);
		if (st == LG_OK)
			st = dns_resolver_new(&R.dns, R.loop, &a.dns, &err);
		if (st != LG_OK)
			goto out;
		R.spool = io_spool_new(SPOOL_MEMORY);
	}

	in = open_input(a.input);
	if (in < 0) {
		st = lg_err_set(&err, LG_ENOINPUT, "cannot open %s: %s", a.input, strerror(errno));
		goto out;
	}
	if (in == STDIN_FILENO && isatty(STDIN_FILENO)) {
		cli_error("no input file, and standard input is a terminal (see 'leadgate verify --help')");
		rc = 64;
		goto out;
	}
	/* Before the reader moves: mmap does not use the file offset anyway. */
	fp = a.list ? fingerprint(in) : NULL;
	struct io_header_opts ho = {a.skip_lines, a.email_column};
	st = io_reader_open_list(&rd, in, in_name, &ho, &err);
	if (st != LG_OK)
		goto out;
	R.rd = rd;
	R.out_name = a.output && strcmp(a.output, "-") ? a.output : "<stdout>";
	const struct io_row *hdr = io_reader_header(rd);
	struct io_reader_stats rs;
	io_reader_stats(rd, &rs);
	if (rs.preamble_lines) {
		char lines[48] = "1";
		if (rs.preamble_lines > 1)
			snprintf(lines, sizeof(lines), "1-%lu", rs.preamble_lines);
		cli_error("%s:%s: skipped %lu line%s above the header (line %lu)", in_name, lines,
			  rs.preamble_lines, rs.preamble_lines > 1 ? "s" : "", hdr->line);
	}
	if (hdr->stray_line)
		cli_error("%s:%lu: text after a closing quote in the header, read as part of the name",
			  in_name, hdr->stray_line);
	long email = io_find_email_column(hdr, a.email_column, &err);
	if (email < 0) { /* say where the header was taken from */
		struct lg_err e = err;
		st = lg_err_set(&err, LG_EDATA, "%s:%lu: %s", in_name, hdr->line, e.msg);
		goto out;
	}

	/* Output columns: the input's (less stale verify_* ones), then ours. */
	cols = lg_xcalloc(hdr->n + C_COUNT, sizeof(*cols));
	src = lg_xcalloc(hdr->n + 1, sizeof(*src));
	size_t nin = 0;
	for (size_t i = 0; i < hdr->n; i++) {
		if ((long)i != email && is_verify_column(hdr->field[i], hdr->len[i]))
			continue;
		src[nin] = i;
		cols[nin++] = (struct io_col){hdr->field[i], hdr->len[i], IO_KIND_TEXT};
	}
	memcpy(cols + nin, verify_cols, sizeof(verify_cols));
	R.nin = nin;
	for (int i = 0; i < LG_PROFILE_COUNT; i++)
		R.profile[i] = -1;
	for (size_t k = 0; k < nin && a.list; k++) {
		int p = cli_profile_column(cols[k].name, cols[k].len);
		if (p >= 0 && R.profile[p] < 0) {
			R.profile[p] = (int)k;
			R.has_profile = true;
		}
	}
	/* A contact list: only now does it become a list version. */
	if (a.list) {
		lg_map_init(&R.suppressed, 1);
		st = store_open(&R.store, cli_common.db, STORE_CREATE, &err);
		if (st == LG_OK)
			st = store_suppressed_each(R.store, add_suppressed, &R, &err);
		if (st == LG_OK)
			st = store_begin(R.store, &err);
		if (st == LG_OK)
			st = store_verify_begin(R.store, a.list, a.source, in_name, fp, R.now, &R.srun,
						&err);
		if (st == LG_OK) { /* the file's columns, for export to give back */
			struct io_cell *h = lg_xcalloc(nin + 1, sizeof(*h));
			long at = -1;
			for (size_t k = 0; k < nin; k++) {
				h[k] = (struct io_cell){cols[k].name, cols[k].len, false};
				if ((long)src[k] == email)
					at = (long)k;
			}
			struct lg_buf packed = LG_BUF_INIT;
			io_cells_pack(&packed, h, nin);
			free(h);
			st = store_verify_header(R.store, &R.srun, packed.data, packed.len, at, &err);
			lg_buf_release(&packed);
		}
		if (st == LG_OK)
			st = store_commit(R.store, &err);
		if (st == LG_OK)
			st = recorder_start(&R.recorder, R.store, &R.srun, R.now, STORE_BATCH, &err);
		if (st != LG_OK)
			goto out;
		if (R.srun.resumed && !a.quiet)
			cli_error("list '%s': taking up the interrupted run of %s (%lu contacts "
				  "recorded before)", a.list, in_name, R.srun.done);
	}

	R.cells = lg_xcalloc(nin + C_COUNT, sizeof(*R.cells));

	out = cli_output_open(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "cannot create %s: %s", a.output, strerror(errno));
		goto out;
	}
	struct io_writer_opts wo = {a.format, io_reader_delim(rd), io_reader_crlf(rd), io_reader_bom(rd),
				    a.guard};
	R.wr = io_writer_new(out, &wo, cols, nin + C_COUNT);
	ctx = verify_ctx_new(&conf);

	rep.input = in_name;
	rep.email_column = hdr->field[email];
	rep.delim = io_reader_delim(rd);
	rep.bom = io_reader_bom(rd);
	rep.header_line = hdr->line;
	rep.preamble_lines = rs.preamble_lines;
	progress_start(&prog, a.progress < 0 ? isatty(STDERR_FILENO) : a.progress, rs.size);

	for (unsigned f = 0; f < (1u << VERIFY_FLAG_COUNT); f++)
		flag_len[f] = verify_flags_format(f, flag_text[f], sizeof(flag_text[f]));
	size_t backlog = DNS_BACKLOG * (size_t)(a.dns.concurrency ? a.dns.concurrency : 256);
	unsigned long nread = 0;
	const struct io_row *row;
	while ((st = io_reader_next(rd, &row, &err)) == LG_OK && row) {
		struct verify_result v;
		if ((size_t)email < row->n)
			verify_list_row(ctx, row->field[email], row->len[email], &v);
		else
			v = (struct verify_result){
				.status = verify_reason_status(VERIFY_R_INPUT_MISSING),
				.reason = VERIFY_R_INPUT_MISSING,
				.normalized = "", .suggestion = "", .domain = "",
			};
		if (row->n != hdr->n) {
			v.flags |= VERIFY_F_RAGGED;
			if (++rep.ragged <= WARN_ROWS_MAX)
				cli_error("%s:%lu: %zu fields, the header has %zu (kept, flagged ragged)",
					  in_name, row->line, row->n, hdr->n);
		}
		if (row->stray_line && ++rep.stray_quotes <= WARN_ROWS_MAX)
			cli_error("%s:%lu: text after a closing quote, read as part of the cell",
				  in_name, row->stray_line);
		const struct dns_result *d = NULL;
		if (R.dns && verify_needs_dns(&v))
			d = cli_dns_lookup(R.dns, R.store, R.now, v.domain, v.domain_len, v.org_len);

		for (size_t i = 0; i < nin; i++)
			R.cells[i] = src[i] < row->n
					     ? (struct io_cell){row->field[src[i]], row->len[src[i]], row->plain}
					     : (struct io_cell){"", 0, true};
		size_t nextra = row->n > hdr->n ? row->n - hdr->n : 0;
		extra_reserve(&R, nextra);
		for (size_t i = 0; i < nextra; i++)
			R.extra[i] = (struct io_cell){row->field[hdr->n + i], row->len[hdr->n + i], row->plain};

		if (!R.waiting && (!d || d->outcome != DNS_PENDING))
			st = emit(&R, &v, d, nextra, &err);
		else
			st = spool_row(&R, &v, d, nextra, &err);
		if (st != LG_OK)
			goto out;

		if (R.dns && ++nread % POLL_EVERY == 0) {
			st = step_dns(&R, false, DRAIN_STEP, &err);
			/* Read on while the resolver has work in hand; past
			 * the backlog, wait for it. */
			while (st == LG_OK && dns_resolver_busy(R.dns) >= backlog)
				st = step_dns(&R, true, SIZE_MAX, &err);
			if (st != LG_OK)
				goto out;
		}
	}
	if (st != LG_OK)
		goto out;
	while (R.waiting) {
		if (!dns_resolver_busy(R.dns))
			abort(); /* a row waits for a lookup nobody runs: a bug */
		st = step_dns(&R, true, SIZE_MAX, &err);
		if (st != LG_OK)
			goto out;
	}
	while (R.dns && dns_resolver_busy(R.dns)) /* a probe still out: is the resolver down? */
		loop_step(R.loop, -1);
	st = io_writer_finish(R.wr, &err);
	if (st != LG_OK)
		goto write_failed;
	progress_done(&prog);

	io_reader_stats(rd, &rs);
	rep.blank_lines = rs.blank_lines;
	rep.footer_rows = rs.footer_rows;
	rep.footer_line = rs.footer_line;
	rep.footer_last = rs.footer_last;
	rep.repaired_utf8 = io_writer_repaired(R.wr);
	struct verify_stats vs;
	verify_ctx_stats(ctx, &vs);
	rep.distinct_addresses = vs.addresses;
	rep.distinct_domains = vs.domains;
	rep.set_bytes = vs.bytes;
	if (R.dns) {
		rep.dns = true;
		dns_resolver_stats(R.dns, &rep.dns_stats);
		/* Down only when its probe went unanswered too: a list of dead
		 * domains is no sign of a dead resolver (dns_unanswered says
		 * how much went unanswered). */
		rep.dns_down = dns_resolver_down(R.dns);
		rep.dns_unanswered = !rep.dns_down &&
				     cli_dns_unanswered(&rep.dns_stats, conf.dns_unanswered_max,
							&rep.dns_failed);
		struct io_spool_stats ss;
		io_spool_stats(R.spool, &ss);
		rep.spool_peak = ss.mem_peak;
		rep.spool_spilled = ss.spilled_bytes;
	}
	/* --quiet silences the summary and what is only news (a footer
	 * skipped as it should be), never a warning that asks for a look at
	 * the input. */
	if (rep.ragged > WARN_ROWS_MAX)
		cli_error("%s: %lu more ragged rows not listed", in_name, rep.ragged - WARN_ROWS_MAX);
	if (rep.stray_quotes > WARN_ROWS_MAX)
		cli_error("%s: %lu more rows with text after a closing quote not listed", in_name,
			  rep.stray_quotes - WARN_ROWS_MAX);
	if (rs.footer_rows && !a.quiet)
		cli_error("%s:%lu-%lu: Salesforce report footer (%lu rows), not contacts: skipped",
			  in_name, rs.footer_line, rs.footer_last, rs.footer_rows);
	if (rs.unclosed_quote_line)
		cli_error("%s:%lu: a quoted field never closes; the row runs to the end of input",
			  in_name, rs.unclosed_quote_line);
	st = cli_output_close(out, a.output, true, &err);
	out = -1;
	if (st != LG_OK)
		goto out;
	struct store_list_info li;
	struct list_eval le;
	if (R.store) {
		/* contacts: store_verify_finish counts the run's members */
		struct store_list_counts lc = {.rows = rep.rows};
		memcpy(lc.by_status, rep.by_status, sizeof(lc.by_status));
		st = recorder_finish(R.recorder, &err);
		recorder_free(R.recorder);
		R.recorder = NULL;
		if (st == LG_OK)
			st = store_begin(R.store, &err);
		if (st == LG_OK)
			st = store_verify_finish(R.store, &R.srun, &lc, R.now, &err);
		if (st == LG_OK)
			st = store_commit(R.store, &err);
		if (st == LG_OK)
			st = store_list_get(R.store, a.list, &li, &err);
		if (st == LG_OK)
			st = list_evaluate(R.store, &conf, &li, R.now, false, &le, &err);
		if (st != LG_OK)
			goto out;
		rep.list = a.list;
		rep.list_contacts = lc.contacts;
		rep.list_addressed = R.addressed;
		rep.gate = le.gate;
		rep.gate_candidates = le.in.candidates;
	}
	rep.elapsed = lg_now_mono() - t0;
	if (!a.quiet)
		report_print(stderr, &rep);
	if (R.store && !a.quiet)
		list_print_gate(stderr, &conf, &li, &le);
	if (a.summary)
		st = report_write_json(a.summary, &rep, &err);
	if (st == LG_OK && rep.dns_down)
		st = lg_err_set(&err, LG_ETEMP,
				"the resolver%s%s did not answer (%zu of %zu domains timed out): their rows "
				"are unknown (dns.timeout); run again later",
				a.dns.servers ? " " : "", a.dns.servers ? a.dns.servers : "",
				rep.dns_stats.outcome[DNS_TIMEOUT], rep.dns_stats.domains);
	if (st == LG_OK && rep.dns_unanswered)
		st = lg_err_set(&err, LG_ETEMP,
				"%zu of %zu domains went unanswered (dns.timeout, dns.servfail), more than "
				"the %g%% that [verify] dns_unanswered_max allows: every row is written, "
				"theirs as unknown; run again later",
				rep.dns_failed, rep.dns_stats.domains + rep.dns_stats.primed,
				conf.dns_unanswered_max * 100);
	if (st == LG_OK && R.store && le.gate.blocked)
		rc = 1;
	goto out;
write_failed: { /* name the output in the message */
	struct lg_err e = err;
	lg_err_set(&err, st, "%s: %s", a.output && strcmp(a.output, "-") ? a.output : "<stdout>",
		   e.msg);
}
out:
	if (out >= 0)
		cli_output_close(out, a.output, false, NULL);
	if (in > STDIN_FILENO)
		close(in);
	verify_ctx_free(ctx);
	io_writer_free(R.wr);
	io_reader_free(rd);
	io_spool_free(R.spool);
	dns_resolver_free(R.dns);
	loop_free(R.loop); /* after the resolver, which takes its sockets out of it */
	recorder_free(R.recorder);     /* rolls back what was not committed */
	store_close(R.store);
	if (a.list)
		lg_map_release(&R.suppressed);
	free(fp);
	lg_buf_release(&R.rec);
	free(cols);
	free(R.cells);
	free(R.extra);
	free(src);
	conf_release(&conf);
	if (rc >= 0)
		return rc;
	if (st != LG_OK)
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
	return lg_exit_code(st);
}
