/* cli.h - private to the command line: commands, options, the report. */
#ifndef LG_CLI_H
#define LG_CLI_H

#include "common/common.h"
#include "dns/dns.h"
#include "io/io.h"
#include "jobs/jobs.h"
#include "scoring/scoring.h"
#include "verify/verify.h"

#include <stdio.h>

/*
 * One table per command drives getopt_long, the defaults and --help, so
 * that the three never disagree.
 */
struct cli_option {
	const char *name; /* long name */
	int key;          /* short letter, or a value >= 256 */
	const char *arg;  /* argument name, NULL for a switch */
	const char *help;
};

/* Print "Usage: ..." and the option table. */
void cli_usage(FILE *f, const char *usage, const char *about, const struct cli_option *opts);
/* getopt_long's tables from ours; *shorts and the result are owned. */
struct option;
struct option *cli_getopt_table(const struct cli_option *opts, char **shorts);
/*
 * output.c: open the output named by path (NULL or "-": standard output).
 * A regular file is written to a temporary file beside it, which
 * cli_output_close(ok = true) renames over it; ok = false (or a signal)
 * removes it.  Returns the descriptor, or -1 with errno.
 */
int cli_output_open(const char *path);
enum lg_status cli_output_close(int fd, const char *path, bool ok, struct lg_err *err);
/* Write s as a JSON string (quoted and escaped) to f. */
void cli_json_quote(FILE *f, const char *s);
/* Report an error on stderr: "leadgate: msg". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * The one way a command line is refused: every usage error is LG_EUSAGE,
 * whose exit status is CLI_EUSAGE (64).  cli_usage_error reports msg as
 * cli_error does and returns CLI_EUSAGE.
 */
#define CLI_EUSAGE lg_exit_code(LG_EUSAGE)
/* The one way a command ends on its job's status: LG_OK is 0; any other
 * is said on stderr (err's message, else lg_strerror) and becomes its
 * exit status (lg_exit_code). */
int cli_exit(enum lg_status st, const struct lg_err *err);
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_verify(int argc, char **argv);
int cmd_reasons(int argc, char **argv);
int cmd_lists(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_bounces(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_qualify(int argc, char **argv);
int cmd_contact(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_decide(int argc, char **argv);
int cmd_handoff(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_funnel(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_serve(int argc, char **argv);

struct store;

/*
 * Options every command that uses the store or the clock takes, before
 * or after the command name: --db PATH, --now TIME.
 */
enum {
	CLI_OPT_DB = 900,
	CLI_OPT_NOW,
	CLI_OPT_DNS, /* CLI_DNS_OPTS: cli_dns_opt() takes these four */
	CLI_OPT_DNS_TIMEOUT,
	CLI_OPT_DNS_TRIES,
	CLI_OPT_DNS_CONCURRENCY,
	CLI_OPT_FORMULA_GUARD, /* CLI_FORMULA_GUARD_OPT: cli_formula_guard_opt() */
	CLI_OPT_SMTP,          /* CLI_SMTP_OPTS: cli_smtp_opt() takes these four */
	CLI_OPT_SMTP_PORT,
	CLI_OPT_SMTP_PROXY,
	CLI_OPT_SMTP_GREYLIST_WAIT,
};
#define CLI_COMMON_OPTS                                                                            \
	{"db", CLI_OPT_DB, "PATH",                                                                 \
	 "the database (default $LEADGATE_DB, else "                                               \
	 "$XDG_DATA_HOME/leadgate/leadgate.db)"},                                                  \
	{                                                                                          \
		"now", CLI_OPT_NOW, "TIME",                                                        \
			"take TIME (RFC 3339) as the current time, for "                           \
			"reproducible runs"                                                        \
	}
struct cli_common {
	const char *db; /* NULL: the store's default */
	int64_t now;    /* valid when now_set */
	bool now_set;
};
extern struct cli_common cli_common;
/* Handle CLI_OPT_DB / CLI_OPT_NOW; false (and a message) for a bad value. */
bool cli_common_opt(int key, const char *arg);

/* The resolver options of the commands that look up mail hosts. */
#define CLI_DNS_OPTS                                                                               \
	{"dns", CLI_OPT_DNS, "HOST",                                                               \
	 "resolvers to ask: HOST[:PORT],[IPv6]:PORT,... (default: /etc/resolv.conf)"},             \
		{"dns-timeout", CLI_OPT_DNS_TIMEOUT, "MS",                                         \
		 "first try's timeout in milliseconds, doubled each retry (default 2000)"},        \
		{"dns-tries", CLI_OPT_DNS_TRIES, "N",                                              \
		 "tries per query before the answer is unknown (default 2)"},                      \
	{                                                                                          \
		"dns-concurrency", CLI_OPT_DNS_CONCURRENCY, "K",                                   \
			"domains looked up at once (default 256)"                                  \
	}
/* Set one of CLI_DNS_OPTS in o: -1 done, 64 (and a message) for a bad value. */
int cli_dns_opt(struct dns_opts *o, int key, const char *val);

/* The SMTP stage's options (verify, refresh): cli_smtp_opt sets them in a
 * struct cli_smtp_args (zeroed, greylist_wait -1), -1 done, 64 (and a
 * message) for a bad value; once the configuration is read,
 * cli_smtp_apply lays them over its [smtp] and says whether the stage is
 * on (--smtp or [smtp] enabled). */
#define CLI_SMTP_OPTS                                                                              \
	{"smtp", CLI_OPT_SMTP, NULL,                                                               \
	 "ask each domain's mail host whether the mailbox exists (needs [smtp] helo and "          \
	 "mail_from)"},                                                                            \
		{"smtp-port", CLI_OPT_SMTP_PORT, "PORT", "the mail hosts' port (default 25)"},     \
		{"smtp-proxy", CLI_OPT_SMTP_PROXY, "URL",                                          \
		 "go through a SOCKS5 proxy: socks5://HOST:PORT"},                                 \
	{                                                                                          \
		"smtp-greylist-wait", CLI_OPT_SMTP_GREYLIST_WAIT, "SECONDS",                       \
			"retry greylisted addresses this long, 0 not at all (default 300)"         \
	}
struct cli_smtp_args {
	bool on;           /* --smtp */
	int port;          /* 0: [smtp]'s */
	const char *proxy; /* NULL: [smtp]'s */
	int greylist_wait; /* -1: [smtp]'s */
};
struct conf;
int cli_smtp_opt(struct cli_smtp_args *a, int key, const char *val);
bool cli_smtp_apply(const struct cli_smtp_args *a, struct conf *c);

/* --format of the commands that write rows: csv or jsonl into *out; -1
 * done, 64 (and a message) for anything else. */
int cli_format_opt(const char *val, enum io_format *out);
/* --format of the commands that print a view: text or json into *json;
 * -1 done, CLI_EUSAGE (and a message) for anything else. */
int cli_text_json_opt(const char *val, bool *json);

/* The options of the commands that weigh lists (lists, gate): --format
 * text|json, --config, --include-risky; cli_list_opt sets them in a
 * struct cli_list_args, as cli_parse's callback. */
struct cli_list_args {
	bool json;
	bool include_risky;
	const char *config;
};
extern const struct cli_option cli_list_opts[];
int cli_list_opt(void *arg, int key, const char *val);
/* --formula-guard of the commands that write rows: auto, all or off into
 * *out; -1 done, 64 (and a message) for anything else. */
#define CLI_FORMULA_GUARD_OPT                                                                      \
	{                                                                                          \
		"formula-guard", CLI_OPT_FORMULA_GUARD, "MODE",                                    \
			"which CSV cells starting with = + - @ get a ' in front: auto (default: "  \
			"not numbers like +1 415 555 0100), all or off"                            \
	}
int cli_formula_guard_opt(const char *val, enum io_guard *out);

/* A whole number in [lo, hi] for option name: true, or false and a message. */
bool cli_number_arg(const char *name, const char *s, long lo, long hi, long *out);
/* The current time: --now, or the clock. */
int64_t cli_now(void);
/*
 * Parse argv with opts: -h prints help() (exit code 0), --db and --now are
 * handled, every other option goes to on_opt, which returns -1 to go on or
 * an exit code.  Returns -1 to go on, or the exit code (64 for a usage
 * error, said on stderr).  cmd names the command in messages; NULL is
 * leadgate itself, whose options end at the first operand (the command);
 * a command's options may come before or after its operands.
 * *first_operand is the index of the first operand.
 */
int cli_parse(int argc, char **argv, const char *cmd, const struct cli_option *opts,
	      void (*help)(void), int (*on_opt)(void *arg, int key, const char *val), void *arg,
	      int *first_operand);

/*
 * ---- import.c: the operands and status of `bounces import` and `events
 * import` (jobs/import.c imports the files) ----
 * cli_import_operands checks for `import FILE...` after the options
 * (*first moves to the first FILE): -1 to go on, or CLI_EUSAGE (said on
 * stderr).  cli_import_status: the exit status of a run that went to its
 * end: 0, 65 when a file was not imported (said on stderr), or the first
 * unreadable file's when none could be read.  cli_import_notice: a job's
 * notice on stderr.
 */
int cli_import_operands(int argc, char **argv, int *first, const char *cmd);
int cli_import_status(const char *cmd, const struct job_import_report *r);
void cli_import_notice(void *arg, enum job_notice kind, const char *msg);

/*
 * ---- qual.c: what evidence, qualify, decide, report and funnel share ----
 * Each command's table holds the options it takes.  qual_parse is
 * cli_parse with the others' options known too: one given to the command
 * sets its bit in *foreign, and qual_refuse (after the operands are
 * checked) says "CMD does not take --OPT" for the first and returns true.
 * qual_lead_opts: the configuration loaded and a contact's job options.
 */
enum {
	QUAL_OPT_FRAMEWORK = 256,
	QUAL_OPT_CRITERION,
	QUAL_OPT_STATUS,
	QUAL_OPT_CONFIDENCE,
	QUAL_OPT_SOURCE,
	QUAL_OPT_VALID_UNTIL,
	QUAL_OPT_NOTE,
	QUAL_OPT_REASON,
	QUAL_OPT_BY,
	QUAL_OPT_CUSTOMERS,
	QUAL_OPT_RATES,
};
int qual_parse(int argc, char **argv, const char *cmd, const struct cli_option *own,
	       void (*help)(void), int (*on_opt)(void *arg, int key, const char *val), void *arg,
	       int *first, unsigned *foreign);
bool qual_refuse(const char *cmd, unsigned foreign);
struct conf;
enum lg_status qual_lead_opts(struct job_lead_opts *o, struct conf *conf, const char *config,
			      const char *email, struct lg_err *err);

/* ---- report.c: the progress bar, and the summary's file ---- */

struct progress {
	bool on;
	double start, last;
	uint64_t size; /* input bytes, 0 when unknown */
};
void progress_start(struct progress *p, bool on, uint64_t size);
/* Called for every row; draws at most ten times a second. */
void progress_tick(struct progress *p, unsigned long rows, uint64_t bytes);
void progress_finish(struct progress *p);

/* The verify job's report as JSON in the file path (--summary). */
enum lg_status report_write_json(const char *path, const struct job_verify_report *r,
				 struct lg_err *err);

#endif
