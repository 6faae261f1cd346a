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
 * it goes through a spool file first: see xp_run.)  Opening the job
 * weighs the list for the gate, as long as the gate route's read: that
 * runs on a worker first (xp_open), and the thread of the writing starts
 * only then.  The writing does not take a worker: it lasts as long as
 * the client takes to read, and a few slow clients would hold every
 * worker.
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

/*
 * What a lists route asks, and what its worker found.  Weighing a list
 * reads every member of its version, seconds for a million: the read
 * runs on a worker (serve_req_work) with a connection of its own, and
 * the handler, called again once it is over, answers.
 */
struct lread {
	bool started;
	bool one;  /* a list (name), or a page of them */
	bool gate; /* one: its gate alone */
	char name[LIST_NAME_MAX + 1];
	char *after; /* the page's start; NULL: the first; owned */
	long limit;
	bool risky;
	const struct conf *conf; /* the server's, read-only */
	const char *db;          /* borrowed from the server's store */
	int64_t now;
	/* What the worker found: */
	json_t *out; /* owned until answered */
	char last[LIST_NAME_MAX + 1];
	enum lg_status st;
	struct lg_err err;
};

static void lread_free(void *p)
{
	struct lread *x = p;
	json_decref(x->out);
	free(x->after);
}

/* On a worker: the lists job on the server's database, read-only, and
 * the views the command prints. */
static void lread_run(struct serve_worker *wk, void *arg)
{
	struct lread *x = arg;
	struct job_lists *j = NULL;
	const struct job_list *l;
	struct job_lists_opts o = {.conf = x->conf,
				   .db = x->db,
				   .after = x->after,
				   .include_risky = x->risky,
				   .now = x->now};
	(void)wk;
	x->st = job_lists_open(&j, &o, &x->err);
	if (x->one) {
		if (x->st == LG_OK)
			x->st = job_list_show(j, x->name, &l, &x->err);
		if (x->st == LG_OK && x->gate) {
			json_t *v = view_list(x->conf, &l->info, &l->eval, NULL);
			x->out = json_incref(json_object_get(v, "gate"));
			json_decref(v);
		} else if (x->st == LG_OK) {
			x->out = view_list(x->conf, &l->info, &l->eval,
					   view_windows(l->windows, l->nwindows));
		}
	} else {
		x->out = json_array();
		while (x->st == LG_OK && (long)json_array_size(x->out) < x->limit &&
		       (x->st = job_lists_next(j, &l, &x->err)) == LG_OK && l) {
			json_array_append_new(x->out,
					      view_list(x->conf, &l->info, &l->eval,
							view_windows(l->windows, l->nwindows)));
			snprintf(x->last, sizeof(x->last), "%s", l->info.name);
		}
		if (x->st == LG_ENOINPUT) /* no database is no list, but not a 404 */
			x->st = LG_EIO;
	}
	job_lists_close(j);
}

/* A new lread for r, its worker's inputs filled but the route's own. */
static struct lread *lread_of(struct serve_req *r)
{
	struct serve *s = serve_req_server(r);
	struct lread *x = serve_req_state(r, sizeof(*x), lread_free);
	x->conf = serve_options(s)->conf;
	x->db = store_path(serve_store(s));
	x->now = serve_req_now(r);
	x->limit = LISTS_LIMIT_DEFAULT;
	return x;
}

/* GET /v1/lists[?after=NAME&limit=N&include_risky=1]: the array `lists
 * --format json` prints, a page of it: the lists after NAME in name order
 * (bytewise), at most N.  A full page says where the next starts, in a
 * Link header (rel="next"). */
void serve_lists_get(struct serve_req *r)
{
	struct lread *x = serve_req_state(r, sizeof(*x), lread_free);
	if (!x->started) {
		const char *after = serve_req_arg(r, "after"), *lim = serve_req_arg(r, "limit");
		x = lread_of(r);
		x->started = true;
		if (lim && !lg_parse_long(lim, 1, LISTS_LIMIT_MAX, &x->limit)) {
			serve_error(r, 400, "bad_request", "limit wants a number from 1 to %d",
				    LISTS_LIMIT_MAX);
			return;
		}
		if (!flag_arg(r, "include_risky", &x->risky))
			return;
		if (after && *after)
			x->after = lg_xstrdup(after);
		serve_req_work(r, lread_run, x);
		return;
	}
	if (x->st != LG_OK) {
		store_failed(r, x->st, &x->err);
		return;
	}
	if ((long)json_array_size(x->out) == x->limit) {
		struct lg_buf link = LG_BUF_INIT;
		lg_buf_adds(&link, "</v1/lists?after=");
		for (const unsigned char *p = (const unsigned char *)x->last; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
				lg_buf_addc(&link, (char)*p);
			else
				lg_buf_addf(&link, "%%%02X", *p);
		}
		lg_buf_addf(&link, "&limit=%ld%s>; rel=\"next\"", x->limit,
			    x->risky ? "&include_risky=1" : "");
		serve_req_header(r, "Link", link.data);
		lg_buf_release(&link);
	}
	json_t *out = x->out;
	x->out = NULL;
	serve_json(r, 200, out);
}

/* GET /v1/lists/{name}, or its gate: the list of the path weighed on a
 * worker, then answered. */
static void list_weighed(struct serve_req *r, bool gate)
{
	struct lread *x = serve_req_state(r, sizeof(*x), lread_free);
	if (!x->started) {
		x = lread_of(r);
		x->started = true;
		x->one = true;
		x->gate = gate;
		if (list_name(r, x->name, sizeof(x->name)) &&
		    flag_arg(r, "include_risky", &x->risky))
			serve_req_work(r, lread_run, x);
		return;
	}
	if (x->st != LG_OK) {
		store_failed(r, x->st, &x->err);
		return;
	}
	json_t *out = x->out;
	x->out = NULL;
	serve_json(r, 200, out);
}

/* GET /v1/lists/{name}: what `lists show NAME --format json` prints. */
void serve_list_get(struct serve_req *r)
{
	list_weighed(r, false);
}

/* GET /v1/lists/{name}/gate: what `gate NAME --format json` prints. */
void serve_list_gate(struct serve_req *r)
{
	list_weighed(r, true);
}

/* ---- the export ---- */

struct xp {
	struct serve_req *r;
	bool started;             /* the job's opening is on a worker, or over */
	struct job_export_opts o; /* the opening's */
	enum lg_status open_st;   /* and what it found */
	struct lg_err open_err;
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

/* On a worker: the job opened, the list weighed for a sequence. */
static void xp_open(struct serve_worker *wk, void *arg)
{
	struct xp *x = arg;
	(void)wk;
	x->open_st = job_export_open(&x->job, &x->o, &x->open_err);
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

	if (!x->started) {
		x->r = r;
		x->rfd = x->wfd = -1;
		x->started = true;
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
		x->seq = seq;
		x->o = (struct job_export_opts){
			.conf = serve_options(s)->conf,
			.db = store_path(serve_store(s)),
			.list = x->name,
			.for_sequence = seq,
			.include_risky = risky,
			.format = format,
			.target = "GET /v1/lists/{name}/export",
			.now = serve_req_now(r),
		};
		serve_req_work(r, xp_open, x);
		return;
	}
	if (x->open_st != LG_OK) {
		store_failed(r, x->open_st, &x->open_err);
		return;
	}
	if (job_export_report(x->job)->blocked) {
		blocked(r, x);
		return;
	}
	const char *type = x->o.format == IO_FORMAT_JSONL ? "application/x-ndjson" : "text/csv";
	if (serve_req_head(r)) { /* the headers alone: nothing written, nothing recorded */
		serve_body(r, 200, type, "", 0);
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0) {
		serve_error(r, 503, "unavailable", "no pipe for the export: %s", strerror(errno));
		return;
	}
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
