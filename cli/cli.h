/* cli.h - private to the command line: commands, options, the report. */
#ifndef LG_CLI_H
#define LG_CLI_H

#include "common/common.h"
#include "dns/dns.h"
#include "verify/verify.h"

#include <stdio.h>

/*
 * One table per command drives getopt_long, the defaults and --help, so
 * that the three never disagree.
 */
struct cli_option {
	const char *name;   /* long name */
	int key;            /* short letter, or a value >= 256 */
	const char *arg;    /* argument name, NULL for a switch */
	const char *help;
};

/* Print "Usage: ..." and the option table. */
void cli_usage(FILE *f, const char *usage, const char *about, const struct cli_option *opts);
/* getopt_long's tables from ours; *shorts and the result are owned. */
struct option;
struct option *cli_getopt_table(const struct cli_option *opts, char **shorts);
/* Report an error on stderr: "leadgate: msg". */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_verify(int argc, char **argv);
int cmd_reasons(int argc, char **argv);

/* ---- report.c: progress bar and summary ---- */

struct progress {
	bool on;
	double start, last;
	uint64_t size;      /* input bytes, 0 when unknown */
};
void progress_start(struct progress *p, bool on, uint64_t size);
/* Called for every row; draws at most ten times a second. */
void progress_tick(struct progress *p, unsigned long rows, uint64_t bytes);
void progress_done(struct progress *p);

struct report {
	const char *input;          /* borrowed */
	const char *email_column;   /* borrowed */
	char delim;
	bool bom;
	unsigned long rows;
	unsigned long by_status[VERIFY_STATUS_COUNT];
	unsigned long by_reason[VERIFY_R_COUNT];
	unsigned long by_flag[VERIFY_FLAG_COUNT];
	unsigned long ragged;
	unsigned long blank_lines;
	unsigned long footer_rows, footer_line, footer_last;
	unsigned long repaired_utf8;
	size_t distinct_addresses, distinct_domains;
	size_t set_bytes;           /* memory of the duplicate set and domain cache */
	bool dns;                   /* the DNS stage ran */
	bool dns_down;              /* and the resolver did not answer */
	struct dns_stats dns_stats;
	size_t spool_peak;          /* memory of rows waiting for DNS, at most */
	size_t spool_spilled;       /* bytes of waiting rows written to the spool file */
	double elapsed;
};

void report_count(struct report *r, const struct verify_result *v);
void report_print(FILE *f, const struct report *r);
enum lg_status report_write_json(const char *path, const struct report *r, struct lg_err *err);

#endif
