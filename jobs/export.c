/*
 * export.c - the export job: a list's contacts with their latest verdicts,
 * each with its row as the list's file gave it; for a sequence only those
 * that may be sent, after the gate, with what was sent recorded (the
 * observed part of the gate counts from it).
 */
#include "jobs.h"
#include "conf/conf.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

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

struct job_export {
	struct job_export_opts o;
	struct store *store;
	struct store_list_info li;
	struct list_eval e;
	bool evaluated;
	struct io_writer *wr;
	struct decay_policy dp;
	int64_t export_id;
	struct job_export_report rep;
	/* The list version's file: its nfile columns (the address in
	 * email_col), then ours; row holds a row's cells. */
	size_t nfile;
	long email_col;
	struct io_cell *row;
	struct lg_buf header;
	struct io_cell *hcells;
	struct io_col *ocols;
};

enum lg_status job_export_open(struct job_export **out, const struct job_export_opts *o,
			       struct lg_err *err)
{
	struct job_export *j = lg_xcalloc(1, sizeof(*j));
	*out = j;
	j->o = *o;
	enum lg_status st = store_open(&j->store, o->db, o->for_sequence ? STORE_WRITE : STORE_READ,
				       err);
	if (st == LG_OK)
		st = store_list_get(j->store, o->list, &j->li, err);
	if (st != LG_OK)
		return st;
	conf_decay_policy(o->conf, j->li.source, &j->dp);
	j->rep.list = j->li.name;
	j->rep.contacts = j->li.counts.contacts;
	if (o->for_sequence) {
		st = list_evaluate(j->store, o->conf, &j->li, o->now, o->include_risky, &j->e, err);
		if (st != LG_OK)
			return st;
		j->evaluated = true;
		j->rep.blocked = j->e.gate.blocked;
	}
	return LG_OK;
}

const struct list_eval *job_export_gate(const struct job_export *j,
					const struct store_list_info **li)
{
	*li = &j->li;
	return j->evaluated ? &j->e : NULL;
}

static enum lg_status write_member(void *arg, const struct store_member *m, struct lg_err *err)
{
	struct job_export *j = arg;
	char flags[128], at[LG_TIME_LEN];
	enum lg_status st;

	/* No export ever contains a suppressed address. */
	if (m->suppressed != STORE_SUPPRESS_NONE ||
	    (j->o.for_sequence && !list_member_exportable(m, &j->dp, j->o.now, j->o.include_risky)))
		return LG_OK;
	const char *status = verify_status_name(m->status), *reason = verify_reason_name(m->reason);
	const char *fresh = decay_class_name(decay_classify(&j->dp, j->o.now - m->verified_at));
	size_t fl = verify_flags_format(m->flags, flags, sizeof(flags));
	size_t al = lg_time_format(m->verified_at, at, sizeof(at));
	/* The member's row as its file gave it (a short row padded, a long
	 * one cut to the header), the address as it is sent, then ours. */
	long n = m->cells ? io_cells_unpack(m->cells, m->cells_len, j->row, j->nfile) : 0;
	for (size_t i = n < 0 ? 0 : (size_t)n; i < j->nfile; i++)
		j->row[i] = (struct io_cell){"", 0, true};
	j->row[j->email_col] = (struct io_cell){m->address, m->address_len, false};
	struct io_cell *c = j->row + j->nfile;
	c[C_STATUS] = (struct io_cell){status, strlen(status), true};
	c[C_REASON] = (struct io_cell){reason, strlen(reason), true};
	c[C_FLAGS] = (struct io_cell){flags, fl, false};
	c[C_VERIFIED_AT] = (struct io_cell){at, al, true};
	c[C_FRESHNESS] = (struct io_cell){fresh, strlen(fresh), true};
	if ((st = io_writer_row(j->wr, j->row, NULL, 0, err)) != LG_OK)
		return st;
	j->rep.rows++;
	if (j->o.for_sequence)
		return store_export_row(j->store, j->export_id, &j->li, m->contact_id, j->o.now,
					err);
	return LG_OK;
}

enum lg_status job_export_write(struct job_export *j, int out, struct lg_err *err)
{
	enum lg_status st;
	if (j->rep.blocked)
		BUG("an export the gate blocks is written");
	/* The columns of the list's file, when the store kept it: a sequencer
	 * or a CRM takes the export as it is, with no join. */
	long n = store_list_header(j->store, &j->li, &j->header, &j->email_col)
			 ? io_cells_unpack(j->header.data, j->header.len, NULL, 0)
			 : 0;
	if (n > 0 && j->email_col >= 0 && j->email_col < n) {
		j->hcells = lg_xcalloc((size_t)n, sizeof(*j->hcells));
		io_cells_unpack(j->header.data, j->header.len, j->hcells, (size_t)n);
		j->nfile = (size_t)n;
	} else { /* kept before schema 3: the address alone */
		j->nfile = 1;
		j->email_col = 0;
	}
	j->ocols = lg_xcalloc(j->nfile + C_COUNT, sizeof(*j->ocols));
	for (size_t i = 0; i < j->nfile; i++) {
		const struct io_cell *h = j->hcells ? &j->hcells[i] : &no_file;
		j->ocols[i] = (struct io_col){h->s, h->len, IO_KIND_TEXT};
	}
	memcpy(j->ocols + j->nfile, cols, sizeof(cols));
	j->row = lg_xcalloc(j->nfile + C_COUNT, sizeof(*j->row));
	struct io_writer_opts wo = {j->o.format, ',', false, false, j->o.guard};
	j->wr = io_writer_new(out, &wo, j->ocols, j->nfile + C_COUNT);
	if (j->o.for_sequence) {
		if ((st = store_begin(j->store, err)) != LG_OK ||
		    (st = store_export_begin(j->store, &j->li, j->o.target, j->o.now, &j->export_id,
					     err)) != LG_OK)
			return st;
	}
	st = store_members_each(j->store, &j->li, true, write_member, j, err);
	if (st == LG_OK)
		st = io_writer_finish(j->wr, err);
	if (st == LG_OK && j->o.for_sequence &&
	    (st = store_export_finish(j->store, j->export_id, j->rep.rows, err)) == LG_OK)
		st = store_commit(j->store, err);
	return st;
}

const struct job_export_report *job_export_report(const struct job_export *j)
{
	return &j->rep;
}

void job_export_close(struct job_export *j)
{
	if (!j)
		return;
	io_writer_free(j->wr);
	store_close(j->store); /* rolls back what was not committed */
	lg_buf_release(&j->header);
	free(j->hcells);
	free(j->ocols);
	free(j->row);
	free(j);
}
