/*
 * import.c - what `bounces import` and `events import` share: the operands
 * (`import FILE...`), the files checked readable before the database is
 * opened, and each file imported in one transaction of its own, recorded
 * as an import run: an import that is killed imports each file wholly or
 * not at all, and running it again adds only what is missing.
 *
 * A file that cannot be used - missing, unreadable, a directory, too
 * large, not a file of the kind - is reported and the run goes on with
 * the next: one bad file among fifty exports must not keep the other
 * forty-nine out.  A failure of the database stops the run, since every
 * file after it would fail the same way.
 */
#include "cli.h"
#include "store/store.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_import_operands(int argc, char **argv, int *first, const char *cmd)
{
	if (*first >= argc || strcmp(argv[*first], "import")) {
		return cli_usage_error("%s wants 'import FILE...' (see 'leadgate %s --help')", cmd, cmd);
	}
	if (++*first >= argc) {
		return cli_usage_error("%s import wants at least one FILE", cmd);
	}
	return -1;
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

int cli_import_readable(char **files, int n, bool *ok, enum lg_status *first_st)
{
	int good = 0;
	*first_st = LG_OK;
	for (int i = 0; i < n; i++) {
		struct lg_err err = {{0}};
		enum lg_status st = readable(files[i], &err);
		ok[i] = st == LG_OK;
		if (ok[i]) {
			good++;
			continue;
		}
		cli_error("%s (not imported)", err.msg);
		if (*first_st == LG_OK)
			*first_st = st;
	}
	return good;
}

/* One file in its transaction; *own when a failure is the file's. */
static enum lg_status import_file(struct store *s, int64_t list_id, int64_t now, const char *file,
				  size_t max, struct lg_buf *data, cli_import_fn *one, void *arg,
				  bool *own, struct lg_err *err)
{
	struct store_run run;
	enum lg_status st = lg_read_file(file, max, data, err);
	*own = st != LG_OK; /* missing since the check, unreadable, too large */
	if (st != LG_OK)
		return st;
	if ((st = store_begin(s, err)) == LG_OK &&
	    (st = store_run_begin(s, "import", list_id, file, now, &run, err)) == LG_OK) {
		st = one(arg, file, data->data ? data->data : "", data->len, &run, err);
		/* LG_EDATA is what the parsers say of a file that is not of
		 * the kind; the store never returns it. */
		*own = st == LG_EDATA;
		if (st == LG_OK && (st = store_run_finish(s, &run, now, err)) == LG_OK)
			st = store_commit(s, err);
	}
	if (st != LG_OK)
		store_rollback(s);
	return st;
}

enum lg_status cli_import_files(struct store *s, int64_t list_id, int64_t now, char **files, int n,
				const bool *ok, size_t max, cli_import_fn *one, cli_import_done_fn *done,
				void *arg, int *failed, struct lg_err *err)
{
	struct lg_buf data = LG_BUF_INIT;
	enum lg_status st = LG_OK;

	*failed = 0;
	for (int i = 0; i < n; i++) {
		if (!ok[i]) {
			++*failed; /* reported by cli_import_readable */
			continue;
		}
		bool own;
		struct lg_err ferr = {{0}};
		st = import_file(s, list_id, now, files[i], max, &data, one, arg, &own, &ferr);
		if (st == LG_OK) {
			done(arg, files[i]);
			continue;
		}
		if (!own) {
			lg_err_set(err, st, "%s", ferr.msg[0] ? ferr.msg : lg_strerror(st));
			break;
		}
		cli_error("%s (not imported)", ferr.msg[0] ? ferr.msg : lg_strerror(st));
		++*failed;
		st = LG_OK;
	}
	lg_buf_release(&data);
	return st;
}

int cli_import_status(const char *cmd, int failed, int n)
{
	if (!failed)
		return 0;
	cli_error("%s import: %d of %d files not imported (named above)", cmd, failed, n);
	return lg_exit_code(LG_EDATA);
}
