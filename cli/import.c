/*
 * import.c - what `bounces import` and `events import` share: the operands
 * (`import FILE...`), every file checked readable before the database is
 * opened, and each file imported in one transaction of its own, recorded
 * as an import run: an import that is killed imports each file wholly or
 * not at all, and running it again adds only what is missing.
 */
#include "cli.h"
#include "store/store.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int cli_import_operands(int argc, char **argv, int *first, const char *cmd)
{
	if (*first >= argc || strcmp(argv[*first], "import")) {
		cli_error("%s wants 'import FILE...' (see 'leadgate %s --help')", cmd, cmd);
		return 64;
	}
	if (++*first >= argc) {
		cli_error("%s import wants at least one FILE", cmd);
		return 64;
	}
	return -1;
}

enum lg_status cli_import_readable(char **files, int n, struct lg_err *err)
{
	for (int i = 0; i < n; i++)
		if (access(files[i], R_OK) != 0)
			return lg_err_set(err, errno == ENOENT ? LG_ENOINPUT : LG_EIO, "%s: %s",
					  files[i], strerror(errno));
	return LG_OK;
}

enum lg_status cli_import_file(struct store *s, int64_t list_id, int64_t now, const char *file,
			       size_t max, struct lg_buf *data, cli_import_fn *one, void *arg,
			       struct lg_err *err)
{
	struct store_run run;
	enum lg_status st = lg_read_file(file, max, data, err);
	if (st != LG_OK)
		return st;
	if ((st = store_begin(s, err)) == LG_OK &&
	    (st = store_run_begin(s, "import", list_id, file, now, &run, err)) == LG_OK &&
	    (st = one(arg, data->data ? data->data : "", data->len, &run, err)) == LG_OK &&
	    (st = store_run_finish(s, &run, now, err)) == LG_OK)
		st = store_commit(s, err);
	if (st != LG_OK)
		store_rollback(s);
	return st;
}
