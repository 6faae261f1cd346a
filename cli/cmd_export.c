/*
 * cmd_export.c - `leadgate export NAME [--for-sequence] -o FILE`: a list's
 * contacts with their latest verdicts; with --for-sequence only those that
 * may be sent, after the gate, recording what was sent.
 */
#include "cli.h"
#include "conf/conf.h"
#include "decay/decay.h"
#include "io/io.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_FOR_SEQUENCE = 256, OPT_INCLUDE_RISKY };

static const struct cli_option export_opts[] = {
	{"output", 'o', "FILE", "write to FILE (default: standard output)"},
	{"format", 'f', "FMT", "csv (default) or jsonl"},
	CLI_FORMULA_GUARD_OPT,
	{"for-sequence", OPT_FOR_SEQUENCE, NULL,
	 "only records that may be sent, if the list passes the gate; recorded as sent"},
	{"include-risky", OPT_INCLUDE_RISKY, NULL, "with --for-sequence: risky records too "
						   "(role addresses; never disposable ones)"},
	{"config", 'c', "FILE", "read this configuration file"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct export_args {
	const char *output, *config;
	enum io_format format;
	enum io_guard guard;
	bool for_sequence, include_risky;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct export_args *a = arg;
	switch (key) {
	case 'o': a->output = val; return -1;
	case 'c': a->config = val; return -1;
	case OPT_FOR_SEQUENCE: a->for_sequence = true; return -1;
	case OPT_INCLUDE_RISKY: a->include_risky = true; return -1;
	case 'f':
		return cli_format_opt(val, &a->format);
	case CLI_OPT_FORMULA_GUARD:
		return cli_formula_guard_opt(val, &a->guard);
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate export [OPTIONS] NAME",
		  "Write the contacts of list NAME, each with every column of its row in\n"
		  "the file the list was verified from (the address normalized), then its\n"
		  "latest verdict and freshness; never a suppressed one (hard-bounced,\n"
		  "complained or unsubscribed).\n"
		  "With --for-sequence, write only those that may be sent: deliverable (risky\n"
		  "too with --include-risky), fresh or aging, not suppressed, not disposable,\n"
		  "each once; a list the gate blocks is refused (exit 1, saying why).  What\n"
		  "is written is recorded as sent: the observed bounce rate counts from it.",
		  export_opts);
}

/* The columns export adds after the file's own. */
enum { C_STATUS, C_REASON, C_FLAGS, C_VERIFIED_AT, C_FRESHNESS, C_COUNT };
static const struct io_col cols[C_COUNT] = {
	{"verify_status", 13, IO_KIND_TEXT}, {"verify_reason", 13, IO_KIND_TEXT},
	{"verify_flags", 12, IO_KIND_LIST},  {"verified_at", 11, IO_KIND_TEXT},
	{"freshness", 9, IO_KIND_TEXT},
};
/* The file of a list version recorded before the store kept files: its
 * address alone. */
static const struct io_cell no_file = {"email", 5, true};

struct export_run {
	struct export_args a;
	struct store *store;
	struct io_writer *wr;
	struct decay_policy dp;
	const struct store_list_info *li;
	int64_t now, export_id;
	unsigned long rows;
	/* The list version's file: its nfile columns (the address in
	 * email_col), then ours; row holds a row's cells. */
	size_t nfile;
	long email_col;
	struct io_cell *row;
};

static enum lg_status write_member(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct export_run *R = arg;
	char flags[128], at[LG_TIME_LEN];
	enum lg_status st;

	/* No export ever contains a suppressed address. */
	if (m->suppressed != STORE_SUPPRESS_NONE ||
	    (R->a.for_sequence && !list_member_exportable(m, &R->dp, R->now, R->a.include_risky)))
		return LG_OK;
	const char *status = verify_status_name(m->status), *reason = verify_reason_name(m->reason);
	const char *fresh = decay_class_name(decay_classify(&R->dp, R->now - m->verified_at));
	size_t fl = verify_flags_format(m->flags, flags, sizeof(flags));
	size_t al = lg_time_format(m->verified_at, at, sizeof(at));
	/* The member's row as its file gave it (a short row padded, a long
	 * one cut to the header), the address as it is sent, then ours. */
	long n = m->cells ? io_cells_unpack(m->cells, m->cells_len, R->row, R->nfile) : 0;
	for (size_t i = n < 0 ? 0 : (size_t)n; i < R->nfile; i++)
		R->row[i] = (struct io_cell){"", 0, true};
	R->row[R->email_col] = (struct io_cell){m->address, m->address_len, false};
	struct io_cell *c = R->row + R->nfile;
	c[C_STATUS] = (struct io_cell){status, strlen(status), true};
	c[C_REASON] = (struct io_cell){reason, strlen(reason), true};
	c[C_FLAGS] = (struct io_cell){flags, fl, false};
	c[C_VERIFIED_AT] = (struct io_cell){at, al, true};
	c[C_FRESHNESS] = (struct io_cell){fresh, strlen(fresh), true};
	if ((st = io_writer_row(R->wr, R->row, NULL, 0, err)) != LG_OK)
		return st;
	R->rows++;
	if (R->a.for_sequence)
		return store_export_row(R->store, R->export_id, R->li, m->contact_id, R->now, err);
	return LG_OK;
}

int cmd_export(int argc, char **argv)
{
	struct export_run R = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	struct store_list_info li;
	struct list_eval e;
	enum lg_status st;
	int out = -1, first, rc;
	struct lg_buf header = LG_BUF_INIT;
	struct io_cell *hcells = NULL;
	struct io_col *ocols = NULL;

	rc = cli_parse(argc, argv, "export", export_opts, help, on_opt, &R.a, &first);
	if (rc >= 0)
		return rc;
	if (argc - first != 1) {
		return cli_usage_error("export takes one list name (see 'leadgate lists')");
	}
	if (R.a.include_risky && !R.a.for_sequence) {
		return cli_usage_error("--include-risky goes with --for-sequence");
	}
	R.now = cli_now();
	R.li = &li;
	conf_init(&conf);
	st = conf_load(&conf, R.a.config, &err);
	if (st == LG_OK)
		st = store_open(&R.store, cli_common.db, R.a.for_sequence ? STORE_WRITE : STORE_READ,
				&err);
	if (st == LG_OK)
		st = store_list_get(R.store, argv[first], &li, &err);
	if (st != LG_OK)
		goto out;
	conf_decay_policy(&conf, li.source, &R.dp);
	if (R.a.for_sequence) {
		st = list_evaluate(R.store, &conf, &li, R.now, R.a.include_risky, &e, &err);
		if (st != LG_OK)
			goto out;
		if (e.gate.blocked) {
			list_print_gate(stderr, &conf, &li, &e);
			cli_error("export refused: the gate blocks list '%s'", li.name);
			rc = 1;
			goto out;
		}
	}
	out = cli_output_open(R.a.output);
	if (out < 0) {
		st = lg_err_set(&err, LG_EIO, "cannot create %s: %s", R.a.output, strerror(errno));
		goto out;
	}
	/* The columns of the list's file, when the store kept it: a sequencer
	 * or a CRM takes the export as it is, with no join. */
	long n = store_list_header(R.store, &li, &header, &R.email_col)
			 ? io_cells_unpack(header.data, header.len, NULL, 0)
			 : 0;
	if (n > 0 && R.email_col >= 0 && R.email_col < n) {
		hcells = lg_xcalloc((size_t)n, sizeof(*hcells));
		io_cells_unpack(header.data, header.len, hcells, (size_t)n);
		R.nfile = (size_t)n;
	} else { /* kept before schema 3: the address alone */
		R.nfile = 1;
		R.email_col = 0;
	}
	ocols = lg_xcalloc(R.nfile + C_COUNT, sizeof(*ocols));
	for (size_t i = 0; i < R.nfile; i++) {
		const struct io_cell *h = hcells ? &hcells[i] : &no_file;
		ocols[i] = (struct io_col){h->s, h->len, IO_KIND_TEXT};
	}
	memcpy(ocols + R.nfile, cols, sizeof(cols));
	R.row = lg_xcalloc(R.nfile + C_COUNT, sizeof(*R.row));
	struct io_writer_opts wo = {R.a.format, ',', false, false, R.a.guard};
	R.wr = io_writer_new(out, &wo, ocols, R.nfile + C_COUNT);
	if (R.a.for_sequence) {
		if ((st = store_begin(R.store, &err)) != LG_OK ||
		    (st = store_export_begin(R.store, &li, R.a.output ? R.a.output : "-", R.now,
					     &R.export_id, &err)) != LG_OK)
			goto out;
	}
	st = store_members_each(R.store, &li, true, write_member, &R, &err);
	if (st == LG_OK)
		st = io_writer_finish(R.wr, &err);
	if (st == LG_OK && R.a.for_sequence &&
	    (st = store_export_finish(R.store, R.export_id, R.rows, &err)) == LG_OK)
		st = store_commit(R.store, &err);
	if (st != LG_OK)
		goto out;
	st = cli_output_close(out, R.a.output, true, &err);
	out = -1;
	if (st == LG_OK)
		fprintf(stderr, "leadgate export: %lu of %lu contacts of list '%s' written to %s%s\n",
			R.rows, li.counts.contacts, li.name, R.a.output ? R.a.output : "<stdout>",
			R.a.for_sequence ? " (recorded as sent)" : "");
out:
	if (out >= 0)
		cli_output_close(out, R.a.output, false, NULL);
	io_writer_free(R.wr);
	store_close(R.store);
	lg_buf_release(&header);
	free(hcells);
	free(ocols);
	free(R.row);
	conf_release(&conf);
	if (rc >= 0)
		return rc;
	if (st != LG_OK) {
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
		return lg_exit_code(st);
	}
	return 0;
}
