/*
 * cmd_verify.c - `leadgate verify`: read a contact list, verify every row,
 * write every row back with the verify_* columns, summarize.
 *
 * Output to a file is atomic: rows go to a temporary file beside it, which
 * is renamed over FILE only when the whole list is written, so a run that
 * is killed leaves either the old FILE or the complete new one.
 */
#include "cli.h"
#include "conf/conf.h"
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_SUMMARY = 256,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_NO_DNS,
};

static const struct cli_option verify_opts[] = {
	{"output", 'o', "FILE", "write the verified list to FILE (default: standard output)"},
	{"format", 'f', "FMT", "output format: csv (default) or jsonl"},
	{"email-column", 'e', "NAME", "the column holding addresses (name or 1-based number)"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"summary", OPT_SUMMARY, "FILE", "also write the summary as JSON to FILE"},
	{"progress", OPT_PROGRESS, NULL, "show a progress bar even if stderr is not a terminal"},
	{"no-progress", OPT_NO_PROGRESS, NULL, "never show a progress bar"},
	{"no-dns", OPT_NO_DNS, NULL, "do not look up mail hosts (status unknown, reason dns.skipped)"},
	{"quiet", 'q', NULL, "print neither the summary nor warnings about rows"},
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

/* The columns verify appends, in order (DESIGN.md, "The contract"). */
enum { C_STATUS, C_REASON, C_FLAGS, C_NORMALIZED, C_SUGGESTION, C_MX, C_VERIFIED_AT, C_COUNT };
static const struct io_col verify_cols[C_COUNT] = {
	{"verify_status", 13, IO_KIND_TEXT},
	{"verify_reason", 13, IO_KIND_TEXT},
	{"verify_flags", 12, IO_KIND_LIST},
	{"verify_normalized", 17, IO_KIND_OPTIONAL},
	{"verify_suggestion", 17, IO_KIND_OPTIONAL},
	{"verify_mx", 9, IO_KIND_OPTIONAL},
	{"verified_at", 11, IO_KIND_OPTIONAL},
};

#define WARN_ROWS_MAX 10 /* ragged rows reported one by one */

struct verify_args {
	const char *input, *output, *email_column, *config, *summary;
	enum io_format format;
	int progress; /* -1 auto, 0 off, 1 on */
	bool quiet;
};

/* The temporary output file, removed if the run is interrupted, and the
 * file it becomes. */
static char *tmp_path, *out_path;

static void on_signal(int sig)
{
	if (tmp_path)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	char *shorts;
	struct option *lo = cli_getopt_table(verify_opts, &shorts);
	int c, rc = -1;

	memset(a, 0, sizeof(*a));
	a->progress = -1;
	/* 0, not 1: glibc then forgets main()'s "+" (stop at the first
	 * operand), so options may follow the file name. */
	optind = 0;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, shorts + 1, lo, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 'e':
			a->email_column = optarg;
			if (!*optarg) {
				cli_error("--email-column wants a column name or number");
				rc = 64;
			}
			break;
		case 'c': a->config = optarg; break;
		case OPT_SUMMARY: a->summary = optarg; break;
		case OPT_PROGRESS: a->progress = 1; break;
		case OPT_NO_PROGRESS: a->progress = 0; break;
		case OPT_NO_DNS: break; /* DNS lookups are not part of this version */
		case 'q': a->quiet = true; break;
		case 'f':
			if (!strcmp(optarg, "csv"))
				a->format = IO_FORMAT_CSV;
			else if (!strcmp(optarg, "jsonl"))
				a->format = IO_FORMAT_JSONL;
			else {
				cli_error("--format wants csv or jsonl, not '%s'", optarg);
				rc = 64;
			}
			break;
		case 'h':
			cli_usage(stdout, "leadgate verify [OPTIONS] [FILE|-]",
				  "Verify every row of a contact list (CSV; - or no FILE reads standard\n"
				  "input) and write it back with verify_status, verify_reason,\n"
				  "verify_flags, verify_normalized, verify_suggestion, verify_mx and\n"
				  "verified_at appended.  Reason codes: leadgate(1).",
				  verify_opts);
			rc = 0;
			break;
		default:
			if (optopt && c == '?' && optopt < 256 && strchr(shorts, optopt))
				cli_error("verify: option -%c wants an argument", optopt);
			else
				cli_error("verify: unknown option '%s'", argv[optind - 1]);
			fprintf(stderr, "Try 'leadgate verify --help'.\n");
			rc = 64;
		}
	}
	if (rc < 0) {
		if (argc - optind > 1) {
			cli_error("verify takes one input file, not %d", argc - optind);
			rc = 64;
		} else {
			a->input = optind < argc ? argv[optind] : "-";
		}
	}
	free(lo);
	free(shorts);
	return rc;
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

/*
 * Open the output: stdout; a device, FIFO or socket named by path, written
 * directly; or, for a regular file, a temporary file beside it that
 * close_output() renames over it.
 */
static int open_output(const char *path)
{
	struct stat sb;
	int fd;

	if (!path || !strcmp(path, "-"))
		return STDOUT_FILENO;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		do
			fd = open(path, O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		return fd;
	}
	/* Replace what a symbolic link points to, not the link. */
	char *real = realpath(path, NULL);
	out_path = real ? real : lg_xstrdup(path);
	size_t n = strlen(out_path);
	tmp_path = lg_xmalloc(n + 16);
	snprintf(tmp_path, n + 16, "%s.tmp.XXXXXX", out_path);
	fd = mkstemp(tmp_path);
	if (fd < 0) {
		free(tmp_path);
		tmp_path = NULL;
		return -1;
	}
	/* mkstemp makes 0600: keep an existing file's mode, else what a plain
	 * create would give. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, stat(out_path, &sb) == 0 ? (sb.st_mode & 07777) : (0666 & ~mask));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return fd;
}

static enum lg_status close_output(int fd, const char *path, bool ok, struct lg_err *err)
{
	if (fd == STDOUT_FILENO)
		return LG_OK;
	if (!tmp_path) { /* a device or FIFO */
		if (close(fd) != 0 && ok)
			return lg_err_set(err, LG_EIO, "%s: %s", path, strerror(errno));
		return LG_OK;
	}
	enum lg_status st = LG_OK;
	if (ok && fsync(fd) != 0)
		st = lg_err_set(err, LG_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) != 0 && st == LG_OK && ok)
		st = lg_err_set(err, LG_EIO, "%s: %s", path, strerror(errno));
	if (ok && st == LG_OK && rename(tmp_path, out_path) != 0)
		st = lg_err_set(err, LG_EIO, "%s: %s", path, strerror(errno));
	if (!ok || st != LG_OK)
		unlink(tmp_path);
	free(tmp_path);
	free(out_path);
	tmp_path = out_path = NULL;
	return st;
}

static bool is_verify_column(const char *s, size_t n)
{
	for (int i = 0; i < C_COUNT; i++)
		if (lg_ascii_eq(s, n, verify_cols[i].name, verify_cols[i].len))
			return true;
	return false;
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
	struct io_writer *wr = NULL;
	struct verify_ctx *ctx = NULL;
	struct io_col *cols = NULL;
	struct io_cell *cells = NULL, *extra = NULL; /* a row's cells, and those past the header */
	size_t cap_extra = 0;
	size_t *src = NULL; /* output column -> input column */
	int in = -1, out = -1;
	const char *in_name = strcmp(a.input, "-") ? a.input : "<stdin>";
	struct report rep = {0};
	struct progress prog;
	double t0 = lg_now_mono();

	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	if (st != LG_OK)
		goto out;

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
	st = io_reader_open(&rd, in, in_name, &err);
	if (st != LG_OK)
		goto out;
	const struct io_row *hdr = io_reader_header(rd);
	long email = io_find_email_column(hdr, a.email_column, &err);
	if (email < 0) {
		st = LG_EDATA;
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
	cells = lg_xcalloc(nin + C_COUNT, sizeof(*cells));

	out = open_output(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "cannot create %s: %s", a.output, strerror(errno));
		goto out;
	}
	struct io_writer_opts wo = {a.format, io_reader_delim(rd), io_reader_crlf(rd), io_reader_bom(rd)};
	wr = io_writer_new(out, &wo, cols, nin + C_COUNT);
	ctx = verify_ctx_new(&conf);

	rep.input = in_name;
	rep.email_column = hdr->field[email];
	rep.delim = io_reader_delim(rd);
	rep.bom = io_reader_bom(rd);
	struct io_reader_stats rs;
	io_reader_stats(rd, &rs);
	progress_start(&prog, a.progress < 0 ? isatty(STDERR_FILENO) : a.progress, rs.size);

	const struct io_row *row;
	/* The flags column for each of the 256 flag sets, made once. */
	static char flag_text[1u << VERIFY_FLAG_COUNT][96];
	static size_t flag_len[1u << VERIFY_FLAG_COUNT];
	for (unsigned f = 0; f < (1u << VERIFY_FLAG_COUNT); f++)
		flag_len[f] = verify_flags_format(f, flag_text[f], sizeof(flag_text[f]));
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
			if (++rep.ragged <= WARN_ROWS_MAX && !a.quiet)
				cli_error("%s:%lu: %zu fields, the header has %zu (kept, flagged ragged)",
					  in_name, row->line, row->n, hdr->n);
		}
		report_count(&rep, &v);

		for (size_t i = 0; i < nin; i++)
			cells[i] = src[i] < row->n
					   ? (struct io_cell){row->field[src[i]], row->len[src[i]], row->plain}
					   : (struct io_cell){"", 0, true};
		const char *status = verify_status_name(v.status), *reason = verify_reason_name(v.reason);
		cells[nin + C_STATUS] = (struct io_cell){status, strlen(status), true};
		cells[nin + C_REASON] = (struct io_cell){reason, strlen(reason), true};
		cells[nin + C_FLAGS] = (struct io_cell){flag_text[v.flags], flag_len[v.flags], false};
		cells[nin + C_NORMALIZED] = (struct io_cell){v.normalized, v.normalized_len, false};
		cells[nin + C_SUGGESTION] = (struct io_cell){v.suggestion, v.suggestion_len, false};
		cells[nin + C_MX] = (struct io_cell){"", 0, true};
		cells[nin + C_VERIFIED_AT] = (struct io_cell){"", 0, true};
		size_t nextra = row->n > hdr->n ? row->n - hdr->n : 0;
		if (nextra > cap_extra) {
			cap_extra = nextra;
			extra = lg_xrealloc(extra, cap_extra * sizeof(*extra));
		}
		for (size_t i = 0; i < nextra; i++)
			extra[i] = (struct io_cell){row->field[hdr->n + i], row->len[hdr->n + i], row->plain};
		st = io_writer_row(wr, cells, extra, nextra, &err);
		if (st != LG_OK)
			goto write_failed;
		if (prog.on) {
			io_reader_stats(rd, &rs);
			progress_tick(&prog, rep.rows, rs.bytes);
		}
	}
	if (st != LG_OK)
		goto out;
	st = io_writer_finish(wr, &err);
	if (st != LG_OK)
		goto write_failed;
	progress_done(&prog);

	io_reader_stats(rd, &rs);
	rep.blank_lines = rs.blank_lines;
	rep.footer_rows = rs.footer_rows;
	rep.footer_line = rs.footer_line;
	rep.footer_last = rs.footer_last;
	rep.repaired_utf8 = io_writer_repaired(wr);
	struct verify_stats vs;
	verify_ctx_stats(ctx, &vs);
	rep.distinct_addresses = vs.addresses;
	rep.distinct_domains = vs.domains;
	rep.set_bytes = vs.bytes;
	if (!a.quiet) {
		if (rep.ragged > WARN_ROWS_MAX)
			cli_error("%s: %lu more ragged rows not listed", in_name, rep.ragged - WARN_ROWS_MAX);
		if (rs.footer_rows)
			cli_error("%s:%lu-%lu: Salesforce report footer (%lu rows), not contacts: skipped",
				  in_name, rs.footer_line, rs.footer_last, rs.footer_rows);
		if (rs.unclosed_quote_line)
			cli_error("%s:%lu: a quoted field never closes; the row runs to the end of input",
				  in_name, rs.unclosed_quote_line);
	}
	st = close_output(out, a.output, true, &err);
	out = -1;
	if (st != LG_OK)
		goto out;
	rep.elapsed = lg_now_mono() - t0;
	if (!a.quiet)
		report_print(stderr, &rep);
	if (a.summary)
		st = report_write_json(a.summary, &rep, &err);
	goto out;
write_failed: { /* name the output in the message */
	struct lg_err e = err;
	lg_err_set(&err, st, "%s: %s", a.output && strcmp(a.output, "-") ? a.output : "<stdout>",
		   e.msg);
}
out:
	if (out >= 0)
		close_output(out, a.output, false, NULL);
	if (in > STDIN_FILENO)
		close(in);
	verify_ctx_free(ctx);
	io_writer_free(wr);
	io_reader_free(rd);
	free(cols);
	free(cells);
	free(extra);
	free(src);
	conf_release(&conf);
	if (rc >= 0)
		return rc;
	if (st != LG_OK)
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
	return lg_exit_code(st);
}
