/*
 * output.c - output files that appear whole or not at all: rows go to a
 * temporary file beside FILE, renamed over it only when everything is
 * written, so a run that is killed leaves either the old FILE or the
 * complete new one.
 */
#include "cli.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Open the output: stdout; a device, FIFO or socket named by path, written
 * directly; or, for a regular file, a temporary file beside it that
 * close_output() renames over it.
 */
int cli_output_open(const char *path)
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

enum lg_status cli_output_close(int fd, const char *path, bool ok, struct lg_err *err)
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


void cli_json_quote(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	fputs(t ? t : "null", f); /* null: s was not UTF-8 */
	free(t);
	json_decref(j);
}
