/*
 * lists.c - the lists routes: GET /v1/lists (a page of them),
 * /v1/lists/{name} (one, with its versions), /v1/lists/{name}/gate (the
 * gate's decision) and /v1/lists/{name}/export (the export, streamed).
 * Each answers with what the command line prints with --format json,
 * made by the same code: the lists job (jobs/lists.c) and its views
 * (view/view.c) for the first three, the export job (jobs/export.c) for
 * the last.
 *
 * The export is written by its job on a thread of its own into a pipe,
 * on a store connection of its own; the request reads the pipe as the
 * client takes the bytes, and waits on the loop (serve_stream_wait_fd)
 * when the pipe is empty.  The pipe's buffer is all that is held in
 * memory: the job waits while the client does not read.  (For a sequence
 * it goes through a spool file first: see xp_run.)
 */
#include "serve_int.h"
#include "jobs/jobs.h"
#include "store/store.h"
#include "view/view.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISTS_LIMIT_DEFAULT 100
#define LISTS_LIMIT_MAX 1000
/* The longest name a list may have (store_list_info.name). */
#define LIST_NAME_MAX (sizeof(((struct store_list_info *)0)->name) - 1)

/* The {name} of the path, NUL-terminated into buf; false (answered 404)
 * when it does not fit a list's name. */
static bool list_name(struct serve_req *r, char *buf, size_t cap)
{
	const struct serve_params *p = serve_req_params(r);
	if (p->v[0].len >= cap) {
		serve_error(r, 404, "list_not_found", "no such list");
		return false;
	}
	memcpy(buf, p->v[0].s, p->v[0].len);
	buf[p->v[0].len] = '\0';
	return true;
}

/* A yes/no query argument: absent, "0"/"false" or "1"/"true"; false
 * (answered 400) otherwise. */
static bool flag_arg(struct serve_req *r, const char *name, bool *out)
{
	const char *v = serve_req_arg(r, name);
	*out = false;
	if (!v || !strcmp(v, "0") || !strcmp(v, "false"))
		return true;
	if (!*v || !strcmp(v, "1") || !strcmp(v, "true")) {
		*out = true;
		return true;
	}
	serve_error(r, 400, "bad_request", "%s wants 1, true, 0 or false", name);
	return false;
}

/* A store failure, as an answer: a list not found is 404, a store busy
 * past its timeout 503, anything else 500. */
static void store_failed(struct serve_req *r, enum lg_status st, const struct lg_err *err)
{
	if (st == LG_ENOINPUT)
		serve_error(r, 404, "list_not_found", "%s", err->msg);
	else if (st == LG_ETEMP)
		serve_error(r, 503, "unavailable", "the store: %s", err->msg);
	else
		serve_error(r, 500, "internal", "the store: %s", err->msg);
}

/* The lists job on the server's database, read-only. */
static enum lg_status lists_open(struct serve_req *r, struct job_lists **j, const char *after,
				 bool include_risky, struct lg_err *err)
{
	struct serve *s = serve_req_server(r);
	struct job_lists_opts o = {.conf = serve_options(s)->conf,
				   .db = store_path(serve_store(s)),
				   .after = after,
				   .include_risky = include_risky,
				   .now = serve_req_now(r)};
	return job_lists_open(j, &o, err);
}

/* GET /v1/lists[?after=NAME&limit=N&include_risky=1]: the array `lists
 * --format json` prints, a page of it: the lists after NAME in name order
 * (bytewise), at most N.  A full page says where the next starts, in a
 * Link header (rel="next"). */
void serve_lists_get(struct serve_req *r)
{
	const struct conf *c = serve_options(serve_req_server(r))->conf;
	const char *after = serve_req_arg(r, "after"), *lim = serve_req_arg(r, "limit");
	long limit = LISTS_LIMIT_DEFAULT;
	bool risky;
	if (lim && !lg_parse_long(lim, 1, LISTS_LIMIT_MAX, &limit)) {
		serve_error(r, 400, "bad_request", "limit wants a number from 1 to %d",
			    LISTS_LIMIT_MAX);
		return;
	}
	if (!flag_arg(r, "include_risky", &risky))
		return;
	struct job_lists *j = NULL;
	struct lg_err err = {0};
	const struct job_list *l;
	json_t *a = json_array();
	char last[LIST_NAME_MAX + 1] = "";
	enum lg_status st = lists_open(r, &j, after && *after ? after : NULL, risky, &err);
	while (st == LG_OK && (long)json_array_size(a) < limit &&
	       (st = job_lists_next(j, &l, &err)) == LG_OK && l) {
		json_array_append_new(a, view_list(c, &l->info, &l->eval,
						   view_windows(l->windows, l->nwindows)));
		snprintf(last, sizeof(last), "%s", l->info.name);
	}
	job_lists_close(j);
	if (st != LG_OK) {
		json_decref(a);
		store_failed(r, st == LG_ENOINPUT ? LG_EIO : st, &err);
		return;
	}
	if ((long)json_array_size(a) == limit) {
		struct lg_buf link = LG_BUF_INIT;
		lg_buf_adds(&link, "</v1/lists?after=");
		for (const unsigned char *p = (const unsigned char *)last; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
				lg_buf_addc(&link, (char)*p);
			else
				lg_buf_addf(&link, "%%%02X", *p);
		}
		lg_buf_addf(&link, "&limit=%ld%s>; rel=\"next\"", limit,
			    risky ? "&include_risky=1" : "");
		serve_req_header(r, "Link", link.data);
		lg_buf_release(&link);
	}
	serve_json(r, 200, a);
}

/* The list of the path, weighed: *out borrowed from *j (close it). */
static bool list_weighed(struct serve_req *r, struct job_lists **j, const struct job_list **out)
{
	char name[LIST_NAME_MAX + 1];
	bool risky;
	struct lg_err err = {0};
	if (!list_name(r, name, sizeof(name)) || !flag_arg(r, "include_risky", &risky))
		return false;
	enum lg_status st = lists_open(r, j, NULL, risky, &err);
	if (st == LG_OK)
		st = job_list_show(*j, name, out, &err);
	if (st != LG_OK) {
		store_failed(r, st, &err);
		return false;
	}
	return true;
}

/* GET /v1/lists/{name}: what `lists show NAME --format json` prints. */
void serve_list_get(struct serve_req *r)
{
	const struct conf *c = serve_options(serve_req_server(r))->conf;
	struct job_lists *j = NULL;
	const struct job_list *l;
	if (list_weighed(r, &j, &l))
		serve_json(r, 200,
			   view_list(c, &l->info, &l->eval, view_windows(l->windows, l->nwindows)));
	job_lists_close(j);
}

/* GET /v1/lists/{name}/gate: what `gate NAME --format json` prints. */
void serve_list_gate(struct serve_req *r)
{
	const struct conf *c = serve_options(serve_req_server(r))->conf;
	struct job_lists *j = NULL;
	const struct job_list *l;
	if (list_weighed(r, &j, &l)) {
		json_t *o = view_list(c, &l->info, &l->eval, NULL);
		serve_json(r, 200, json_incref(json_object_get(o, "gate")));
		json_decref(o);
	}
	job_lists_close(j);
}

/* ---- the export ---- */

struct xp {
	struct serve_req *r;
	struct job_export *job;
	char name[LIST_NAME_MAX + 1];
	int rfd, wfd; /* the pipe: ours to read, the job's to write */
	pthread_t th;
	bool running; /* th is to be joined */
	bool seq;     /* for a sequence */
	enum lg_status st;
	struct lg_err err; /* the job's, once joined */
};

static void xp_free(void *p)
{
	struct xp *x = p;
	if (x->rfd >= 0) /* a client gone: the job's next write fails, and it ends */
		close(x->rfd);
	if (x->running)
		pthread_join(x->th, NULL);
	if (x->wfd >= 0)
		close(x->wfd);
	job_export_close(x->job); /* rolls back an export that failed */
}

/* Copy the file at fd, from its start, to out. */
static enum lg_status copy_out(int fd, int out, struct lg_err *err)
{
	char buf[1 << 15];
	ssize_t n;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return lg_err_set(err, LG_EIO, "the export's spool: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t at = 0; at < n;) {
			ssize_t w = write(out, buf + at, (size_t)(n - at));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) /* the client went away: the request ends */
				return lg_err_set(err, LG_EIO, "the client went away");
			at += w;
		}
	}
	return n < 0 ? lg_err_set(err, LG_EIO, "the export's spool: %s", strerror(errno)) : LG_OK;
}

/*
 * The job, on its thread.  For a sequence the export goes to a spool
 * file first: what it writes is recorded as sent in one transaction, and
 * that transaction must not wait on the client, since it holds the
 * database's write lock and every other writer (the server's own, keeping
 * a DNS answer) would wait on it.  It is recorded once written whole, as
 * `export --for-sequence -o FILE` records it once its file is written.
 */
static void *xp_run(void *arg)
{
	struct xp *x = arg;
	if (!x->seq) {
		x->st = job_export_write(x->job, x->wfd, &x->err);
	} else {
		FILE *spool = tmpfile();
		if (!spool) {
			x->st = lg_err_set(&x->err, LG_EIO, "no spool file for the export: %s",
					   strerror(errno));
		} else {
			x->st = job_export_write(x->job, fileno(spool), &x->err);
			if (x->st == LG_OK)
				x->st = copy_out(fileno(spool), x->wfd, &x->err);
			fclose(spool);
		}
	}
	close(x->wfd);
	x->wfd = -1;
	return NULL;
}

static ssize_t xp_read(void *arg, char *buf, size_t max)
{
	struct xp *x = arg;
	ssize_t n = read(x->rfd, buf, max);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		serve_stream_wait_fd(x->r, x->rfd);
		return 0;
	}
	if (n < 0) {
		fprintf(stderr, "leadgate: serve: export of list '%s': reading: %s\n", x->name,
			strerror(errno));
		return SERVE_STREAM_ERROR;
	}
	pthread_join(x->th, NULL); /* the end: the job closed its end */
	x->running = false;
	if (x->st != LG_OK) {
		/* Cut short, so the client sees it incomplete; the transaction
		 * that records it as sent was not committed. */
		fprintf(stderr, "leadgate: serve: export of list '%s': %s\n", x->name,
			x->err.msg[0] ? x->err.msg : lg_strerror(x->st));
		return SERVE_STREAM_ERROR;
	}
	return SERVE_STREAM_END;
}

/* A blocked list: 409 with the gate's reasons in the error. */
static void blocked(struct serve_req *r, struct xp *x)
{
	const struct conf *c = serve_options(serve_req_server(r))->conf;
	const struct store_list_info *li;
	const struct list_eval *e = job_export_gate(x->job, &li);
	json_t *v = view_list(c, li, e, NULL);
	json_t *gate = json_object_get(v, "gate");
	char msg[LIST_NAME_MAX + 64];
	snprintf(msg, sizeof(msg), "the gate blocks list '%s'", li->name);
	json_t *body = json_pack("{s:{s:s,s:s,s:O,s:O}}", "error", "code", "list_blocked",
				 "message", msg, "reasons", json_object_get(gate, "reasons"),
				 "next_step", json_object_get(gate, "next_step"));
	json_decref(v);
	serve_json(r, 409, body);
}

/* GET /v1/lists/{name}/export[?for_sequence=1&include_risky=1&format=csv|jsonl]:
 * the bytes `leadgate export NAME [--for-sequence] -f FORMAT` writes; for
 * a sequence, recorded as sent as export records it. */
void serve_list_export(struct serve_req *r)
{
	struct serve *s = serve_req_server(r);
	struct xp *x = serve_req_state(r, sizeof(*x), xp_free);
	bool seq, risky;
	const char *fmt = serve_req_arg(r, "format");
	enum io_format format = IO_FORMAT_CSV;
	struct lg_err err = {0};

	x->r = r;
	x->rfd = x->wfd = -1;
	if (!list_name(r, x->name, sizeof(x->name)) || !flag_arg(r, "for_sequence", &seq) ||
	    !flag_arg(r, "include_risky", &risky))
		return;
	if (fmt && !strcmp(fmt, "jsonl")) {
		format = IO_FORMAT_JSONL;
	} else if (fmt && strcmp(fmt, "csv")) {
		serve_error(r, 400, "bad_request", "format wants csv or jsonl");
		return;
	}
	if (risky && !seq) {
		serve_error(r, 400, "bad_request", "include_risky goes with for_sequence");
		return;
	}
	struct job_export_opts o = {
		.conf = serve_options(s)->conf,
		.db = store_path(serve_store(s)),
		.list = x->name,
		.for_sequence = seq,
		.include_risky = risky,
		.format = format,
		.target = "GET /v1/lists/{name}/export",
		.now = serve_req_now(r),
	};
	enum lg_status st = job_export_open(&x->job, &o, &err);
	if (st != LG_OK) {
		store_failed(r, st, &err);
		return;
	}
	if (job_export_report(x->job)->blocked) {
		blocked(r, x);
		return;
	}
	const char *type = format == IO_FORMAT_JSONL ? "application/x-ndjson" : "text/csv";
	if (serve_req_head(r)) { /* the headers alone: nothing written, nothing recorded */
		serve_body(r, 200, type, "", 0);
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		serve_error(r, 503, "unavailable", "no pipe for the export: %s", strerror(errno));
		return;
	}
	x->seq = seq;
	x->rfd = fds[0];
	x->wfd = fds[1];
	fcntl(x->rfd, F_SETFL, fcntl(x->rfd, F_GETFL) | O_NONBLOCK);
	if (pthread_create(&x->th, NULL, xp_run, x) != 0) {
		serve_error(r, 503, "unavailable", "no thread for the export");
		return;
	}
	x->running = true;
	serve_stream(r, 200, type, xp_read, x);
}
