/*
 * import.c - what the bounce and event imports share: the files checked
 * readable before the database is opened, and each file imported in one
 * transaction of its own, recorded as an import run: an import that is
 * killed imports each file wholly or not at all, and running it again
 * adds only what is missing.
 *
 * A file that cannot be used - missing, unreadable, a directory, too
 * large, not a file of the kind - is reported and the run goes on with
 * the next: one bad file among fifty exports must not keep the other
 * forty-nine out.  A failure of the database stops the run, since every
 * file after it would fail the same way.
 */
#include "jobs.h"
#include "store/store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void job_warn(job_notice_fn *notice, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (!notice)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notice(arg, JOB_NOTICE_WARNING, msg);
}

/* Can path be read?  LG_OK, or why not in err. */
static enum lg_status readable(const char *path, struct lg_err *err)
{
	struct stat sb;
	if (access(path, R_OK) != 0)
		return lg_err_set(err, errno == ENOENT ? LG_ENOINPUT : LG_EIO, "%s: %s", path,
				  strerror(errno));
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return lg_err_set(err, LG_ENOINPUT, "%s: is a directory", path);
	return LG_OK;
}

/* One body already in memory (a file's, or a request's: name says which
 * in messages and in the import run) in a transaction of its own, of the
 * list list_id (0: none).  *own tells a failure of the body (LG_EDATA: not
 * of the kind) from the database's. */
static enum lg_status import_body(struct store *s, const struct job_import_opts *o, int64_t list_id,
				  const char *name, const char *data, size_t len, bool *own,
				  struct lg_err *err)
{
	struct store_run run;
	enum lg_status st;
	*own = false;
	if ((st = store_begin(s, err)) == LG_OK &&
	    (st = store_run_begin(s, "import", list_id, name, o->now, &run, err)) == LG_OK) {
		st = o->one(o->arg, s, name, data, len, &run, err);
		/* LG_EDATA is what the parsers say of a file that is not of
		 * the kind; the store never returns it. */
		*own = st == LG_EDATA;
		if (st == LG_OK && (st = store_run_finish(s, &run, o->now, err)) == LG_OK)
			st = store_commit(s, err);
	}
	if (st != LG_OK)
		store_rollback(s);
	return st;
}

/* One file in its transaction; *own when a failure is the file's. */
static enum lg_status import_file(struct store *s, const struct job_import_opts *o, int64_t list_id,
				  const char *file, struct lg_buf *data, bool *own,
				  struct lg_err *err)
{
	enum lg_status st = lg_read_file(file, o->max, data, err);
	*own = st != LG_OK; /* missing since the check, unreadable, too large */
	if (st != LG_OK)
		return st;
	return import_body(s, o, list_id, file, data->data ? data->data : "", data->len, own, err);
}

/* A request's body, on the caller's store: not of the kind (LG_EDATA) is
 * the caller's to answer, not a file to pass over. */
static enum lg_status import_request(const struct job_import_opts *o, struct job_import_report *rep,
				     struct lg_err *err)
{
	bool own;
	*rep = (struct job_import_report){.n = 1, .opened = true, .unreadable = LG_OK};
	enum lg_status st = import_body(o->store, o, 0, o->name, o->body ? o->body : "", o->len,
					&own, err);
	if (st == LG_OK && o->done)
		o->done(o->arg, o->name);
	return st;
}

enum lg_status job_import(const struct job_import_opts *o, struct job_import_report *rep,
			  struct lg_err *err)
{
	if (o->store)
		return import_request(o, rep, err);

	struct store *s = NULL;
	struct lg_buf data = LG_BUF_INIT;
	bool *ok = lg_xcalloc((size_t)o->n, sizeof(*ok));
	enum lg_status st = LG_OK;
	int good = 0;

	*rep = (struct job_import_report){.n = o->n, .unreadable = LG_OK};
	/* every file checked before the database is opened: when none can
	 * be read, no database is made */
	for (int i = 0; i < o->n; i++) {
		struct lg_err ferr = {{0}};
		enum lg_status fst = readable(o->files[i], &ferr);
		if ((ok[i] = fst == LG_OK)) {
			good++;
			continue;
		}
		job_warn(o->notice, o->notice_arg, "%s (not imported)", ferr.msg);
		if (rep->unreadable == LG_OK)
			rep->unreadable = fst;
	}
	if (!good)
		goto out;
	int64_t list_id = 0;
	st = store_open(&s, o->db, STORE_CREATE, err);
	if (st == LG_OK && o->list) {
		struct store_list_info li;
		if ((st = store_list_get(s, o->list, &li, err)) == LG_OK)
			list_id = li.id;
	}
	if (st != LG_OK)
		goto out;
	rep->opened = true;
	for (int i = 0; i < o->n; i++) {
		if (!ok[i]) {
			rep->failed++; /* said above */
			continue;
		}
		bool own;
		struct lg_err ferr = {{0}};
		st = import_file(s, o, list_id, o->files[i], &data, &own, &ferr);
		if (st == LG_OK) {
			o->done(o->arg, o->files[i]);
			continue;
		}
		if (!own) {
			lg_err_set(err, st, "%s", ferr.msg[0] ? ferr.msg : lg_strerror(st));
			break;
		}
		job_warn(o->notice, o->notice_arg, "%s (not imported)",
			 ferr.msg[0] ? ferr.msg : lg_strerror(st));
		rep->failed++;
		st = LG_OK;
	}
out:
	lg_buf_release(&data);
	free(ok);
	store_close(s);
	return st;
}
