/*
 * cmd_verify.c - `leadgate verify`: the options, the files, and the verify
 * job (jobs/verify.c) driven to its end, then its summary and gate.
 *
 * Output to a file is atomic: rows go to a temporary file beside it, which
 * is renamed over FILE only when the whole list is written, so a run that
 * is killed leaves either the old FILE or the complete new one.
 */
#include "cli.h"
#include "conf/conf.h"
#include "view/view.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	OPT_SUMMARY = 256,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_NO_DNS,
	OPT_SOURCE,
	OPT_SKIP_LINES,
	OPT_INPUT_FORMAT,
};

static const struct cli_option verify_opts[] = {
	{"output", 'o', "FILE", "write the verified list to FILE (default: standard output)"},
	{"format", 'f', "FMT", "output format: csv or jsonl (default: the input's)"},
	{"input-format", OPT_INPUT_FORMAT, "FMT",
	 "input format: csv or jsonl (default: jsonl when it starts with '{')"},
	CLI_FORMULA_GUARD_OPT,
	{"email-column", 'e', "NAME", "the column holding addresses (name or 1-based number)"},
	{"skip-lines", OPT_SKIP_LINES, "N",
	 "the header comes after N lines (a preamble); no search"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"summary", OPT_SUMMARY, "FILE", "also write the summary as JSON to FILE"},
	{"progress", OPT_PROGRESS, NULL, "show a progress bar even if stderr is not a terminal"},
	{"no-progress", OPT_NO_PROGRESS, NULL, "never show a progress bar"},
	CLI_DNS_OPTS,
	{"no-dns", OPT_NO_DNS, NULL,
	 "do not look up mail hosts (status unknown, reason dns.skipped)"},
	CLI_SMTP_OPTS,
	{"list", 'l', "NAME", "record the run in the store as a version of list NAME, then gate it"},
	{"source", OPT_SOURCE, "NAME", "with --list: where the list came from (its decay rate)"},
	{"quiet", 'q', NULL, "print no summary (warnings about the input and errors still show)"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct verify_args {
	const char *input, *output, *email_column, *config, *summary, *list, *source;
	long skip_lines; /* -1: look for the header */
	enum io_format format;
	bool format_set; /* -f given: else the output is in the input's format */
	enum io_input input_format;
	enum io_guard guard;
	int progress; /* -1 auto, 0 off, 1 on */
	bool quiet;
	bool no_dns;
	struct dns_opts dns;
	struct cli_smtp_args smtp;
};

static void verify_help(void)
{
	cli_usage(stdout, "leadgate verify [OPTIONS] [FILE|-]",
		  "Verify every row of a contact list (CSV or JSON Lines; - or no FILE\n"
		  "reads standard input) and write it back with verify_status, verify_reason,\n"
		  "verify_flags, verify_normalized, verify_suggestion, verify_mx,\n"
		  "verify_provider, verified_at and verify_smtp appended.  Mail hosts are\n"
		  "looked up once per domain; with --smtp each domain's mail host is asked,\n"
		  "in one SMTP session, whether its addresses' mailboxes exist (RCPT TO,\n"
		  "never DATA).  With --list NAME the verdicts are recorded in the\n"
		  "store as a version of list NAME, which the bounce-rate gate then\n"
		  "weighs.  Exit 0; 1 if the gate blocks the list; 75 if the resolver\n"
		  "did not answer, or left more than [verify] dns_unanswered_max (50%)\n"
		  "of the domains unanswered.\n"
		  "The header is the first of the first 20 lines that names the email\n"
		  "column (lines above it, such as LinkedIn's notes, are skipped and\n"
		  "reported), or the line after the N lines of --skip-lines N.\n"
		  "Text after a closing quote (\"a@x.io\"x,) is read into the cell\n"
		  "(a@x.iox), with a warning; no row is lost.\n"
		  "An input whose first character is '{' is JSON Lines, one object a\n"
		  "line: the keys of the first are the columns, and the output is JSON\n"
		  "Lines unless -f csv.  A line that is no JSON object is kept, with\n"
		  "reason input.missing and a warning naming its line.\n"
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
		return cli_number_arg("--skip-lines", val, 0, 1000000, &a->skip_lines) ? -1
										       : CLI_EUSAGE;
	case 'e':
		a->email_column = val;
		if (*val)
			return -1;
		return cli_usage_error("--email-column wants a column name or number");
	case 'l':
		a->list = val;
		if (list_name_ok(val))
			return -1;
		return cli_usage_error(
			"--list wants a name of 1 to 127 bytes without control characters "
			"(line breaks, tabs)");
	case OPT_SOURCE:
		a->source = val;
		if (source_name_ok(val))
			return -1;
		return cli_usage_error(
			"--source wants a name of 1 to 63 characters a-z, 0-9, - and _, "
			"as in [decay] monthly_rate.NAME, not '%s'",
			val);
	case 'f': a->format_set = true; return cli_format_opt(val, &a->format);
	case OPT_INPUT_FORMAT:
		if (!strcmp(val, "csv") || !strcmp(val, "jsonl")) {
			a->input_format = strcmp(val, "csv") ? IO_INPUT_JSONL : IO_INPUT_CSV;
			return -1;
		}
		return cli_usage_error("--input-format wants csv or jsonl, not '%s'", val);
	case CLI_OPT_FORMULA_GUARD: return cli_formula_guard_opt(val, &a->guard);
	case CLI_OPT_SMTP:
	case CLI_OPT_SMTP_PORT:
	case CLI_OPT_SMTP_PROXY:
	case CLI_OPT_SMTP_GREYLIST_WAIT: return cli_smtp_opt(&a->smtp, key, val);
	}
	return cli_dns_opt(&a->dns, key, val);
}

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	int first, rc;

	memset(a, 0, sizeof(*a));
	a->progress = -1;
	a->skip_lines = -1;
	a->smtp.greylist_wait = -1;
	rc = cli_parse(argc, argv, "verify", verify_opts, verify_help, on_opt, a, &first);
	if (rc >= 0)
		return rc;
	if (a->source && !a->list)
		return cli_usage_error("--source goes with --list");
	if (a->smtp.on && a->no_dns)
		return cli_usage_error("--smtp asks the mail hosts DNS finds: not with --no-dns");
	if (argc - first > 1)
		return cli_usage_error("verify takes one input file, not %d", argc - first);
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

/* The job's notices on stderr; --quiet keeps only the warnings. */
struct view {
	struct progress *prog;
	bool quiet;
};

static void on_notice(void *arg, enum job_notice kind, const char *msg)
{
	const struct view *w = arg;
	if (kind == JOB_NOTICE_NEWS && w->quiet)
		return;
	cli_error("%s", msg);
}

static void on_progress(void *arg, unsigned long rows, uint64_t bytes)
{
	const struct view *w = arg;
	progress_tick(w->prog, rows, bytes);
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
	struct job_verify *job = NULL;
	int in = -1, out = -1;
	const char *in_name = strcmp(a.input, "-") ? a.input : "<stdin>";
	const char *out_name = a.output && strcmp(a.output, "-") ? a.output : "<stdout>";
	struct progress prog = {0};
	struct view view = {&prog, a.quiet};
	double t0 = lg_now_mono();

	conf_init(&conf);
	st = conf_load(&conf, a.config, &err);
	if (st != LG_OK)
		goto out;
	bool smtp = cli_smtp_apply(&a.smtp, &conf) && !a.no_dns;
	in = open_input(a.input);
	if (in < 0) {
		st = lg_err_set(&err, LG_ENOINPUT, "cannot open %s: %s", a.input, strerror(errno));
		goto out;
	}
	if (in == STDIN_FILENO && isatty(STDIN_FILENO)) {
		rc = cli_usage_error("no input file, and standard input is a terminal (see "
				     "'leadgate verify --help')");
		goto out;
	}
	struct job_verify_opts o = {
		.conf = &conf,
		.in = in,
		.in_name = in_name,
		.format = a.format,
		.guard = a.guard,
		.email_column = a.email_column,
		.skip_lines = a.skip_lines,
		.input = a.input_format,
		.format_from_input = !a.format_set,
		.no_dns = a.no_dns,
		.dns = a.dns,
		.smtp = smtp,
		.list = a.list,
		.source = a.source,
		.db = cli_common.db,
		.now = cli_now(),
		.notice = on_notice,
		.arg = &view,
	};
	o.dns.now = cli_common.now_set ? o.now : 0;
	st = job_verify_open(&job, &o, &err);
	if (st != LG_OK)
		goto out;

	out = cli_output_open(a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "cannot create %s: %s", a.output, strerror(errno));
		goto out;
	}
	progress_start(&prog, a.progress < 0 ? isatty(STDERR_FILENO) : a.progress,
		       job_verify_report(job)->input_size);
	job_verify_start(job, out, out_name, prog.on ? on_progress : NULL);
	for (bool eof = false; !eof;)
		if ((st = job_verify_feed(job, SIZE_MAX, &eof, &err)) != LG_OK)
			goto out;
	for (bool done = false; !done;)
		if ((st = job_verify_poll(job, true, &done, &err)) != LG_OK)
			goto out;
	progress_finish(&prog);
	st = cli_output_close(out, a.output, true, &err);
	out = -1;
	if (st == LG_OK)
		st = job_verify_finish(job, &err);
	if (st != LG_OK)
		goto out;

	struct job_verify_report rep = *job_verify_report(job);
	const struct store_list_info *li;
	const struct list_eval *le = job_verify_gate(job, &li);
	rep.elapsed = lg_now_mono() - t0;
	if (!a.quiet)
		view_verify_report_text(stderr, &rep);
	if (le && !a.quiet)
		view_gate_text(stderr, &conf, li, le);
	/* Every probe failed to connect: most likely the machine's port 25
	 * is blocked, which says nothing about the mailboxes (their rows are
	 * unknown).  Said even with --quiet: it changes what to do next. */
	if (rep.smtp) {
		const struct smtp_stats *m = &rep.smtp_stats;
		size_t failed = m->outcome[SMTP_NO_CONNECT] + m->outcome[SMTP_TIMEOUT];
		if (!m->sessions && failed && failed == m->addresses - m->outcome[SMTP_NOT_PROBED])
			cli_error("no mail host took a connection on port %d: is outgoing port 25 "
				  "blocked here? (check with: nc -vz MXHOST 25); the rows are "
				  "unknown (smtp.no_connect, smtp.timeout)",
				  conf.smtp.port);
	}
	if (a.summary)
		st = report_write_json(a.summary, &rep, &err);
	if (st == LG_OK && rep.dns_down)
		st = lg_err_set(&err, LG_ETEMP,
				"the resolver%s%s did not answer (%zu of %zu domains timed out): "
				"their rows "
				"are unknown (dns.timeout); run again later",
				a.dns.servers ? " " : "", a.dns.servers ? a.dns.servers : "",
				rep.dns_stats.outcome[DNS_TIMEOUT], rep.dns_stats.domains);
	if (st == LG_OK && rep.dns_unanswered)
		st = lg_err_set(
			&err, LG_ETEMP,
			"%zu of %zu domains went unanswered (dns.timeout, dns.servfail), more than "
			"the %g%% that [verify] dns_unanswered_max allows: every row is written, "
			"theirs as unknown; run again later",
			rep.dns_failed, rep.dns_stats.domains + rep.dns_stats.primed,
			conf.dns_unanswered_max * 100);
	if (st == LG_OK && le && le->gate.blocked)
		rc = 1;
out:
	if (out >= 0)
		cli_output_close(out, a.output, false, NULL);
	if (in > STDIN_FILENO)
		close(in);
	job_verify_close(job);
	conf_release(&conf);
	return rc >= 0 ? rc : cli_exit(st, &err);
}
