/*
 * jobs.c - the bulk jobs: POST /v1/jobs streams an upload to disk, a
 * runner on the server's loop verifies it with the verify job (the code
 * `leadgate verify` runs), and GET, DELETE and the results routes show,
 * cancel and hand back what it made.
 *
 * Files: beside the database, DB.jobs/ID/ holds input (the body as it
 * came), results.csv and results.jsonl.  Both result files are written by
 * the one run (job_verify_tee), because re-rendering one from the other
 * cannot give back the other format's bytes exactly (the CSV writer's
 * formula guard changes cells the JSON Lines writer leaves as they are,
 * and a CSV cell does not say whether it was empty or absent).  They are
 * written as .part files and renamed when the job is done, so a results
 * file is always whole.
 *
 * The runner: a loop timer feeds each running job FEED_ROWS rows and
 * lets its resolver work without waiting (the job has a loop of its own,
 * stepped with a zero timeout), so a request is never held longer than
 * one such slice.  The job's loop's descriptor is watched by the
 * server's, so a DNS reply gives the job its turn at once; the timer,
 * every IDLE_MS while no job moves, serves its lookups' timeouts.  The store has the jobs (schema 9); what a running job
 * has done is kept in memory and written when its state changes, so the
 * runner adds no write per row to the server's connection.
 *
 * Kill safety: a job is `running` in the store while it runs; a process
 * that dies leaves it so, and the next start queues it again
 * (store_jobs_requeue).  It then runs from the start of its input: the
 * result files are made again whole, and with a list the verify job
 * takes up the run it had begun in the store (the input's fingerprint),
 * so nothing is recorded twice.  A job with a list is marked done in the
 * transaction that records its list version (done_in_commit), so no
 * kill can leave a recorded version with its job still to run.
 *
 * Completion webhooks: a job posted with ?callback_url gets one
 * job.completed message when it ends, done or failed (not cancelled: the
 * caller who cancels knows), written to the outbox in the transaction
 * that records its end (done_in_commit, run_save), so that a job never
 * ends untold nor is told twice; the service's drain sends it signed with
 * [handoff] secret (jobs/handoff.c, target "job").  The URL is checked
 * when posted (callback_check): https://, or http:// and private
 * addresses only with [handoff] allow_private_targets; the sender checks
 * every address it connects to again.
 */
#include "serve_int.h"
#include "common/net.h"
#include "conf/conf.h"
#include "jobs/jobs.h"
#include "loop/loop.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FEED_ROWS 256   /* rows a running job is fed in one turn of the loop */
#define IDLE_MS 5       /* a turn's wait when no job moved: the jobs' DNS timers */
#define LIST_DEFAULT 50 /* jobs a page of GET /v1/jobs holds, unless ?limit */
#define LIST_MAX 1000
#define CALLBACK_MAX 2048 /* bytes of a callback_url */

/* A job the runner has in hand. */
struct run {
	int64_t id;
	char *list;         /* owned; NULL: no list */
	char *callback_url; /* owned; NULL: no job.completed */
	bool told;          /* its job.completed written (done_in_commit) */
	uint64_t input_bytes;
	int64_t created_at, started_at;
	int in, out_csv, out_jsonl;
	char *path_csv, *path_jsonl; /* the .part files; owned */
	char *name;                  /* "job ID", for messages; owned */
	struct job_verify *jv;
	struct loop *loop; /* its lookups', watched by the server's (loop_fd) */
	bool eof;
	bool watched;   /* loop's descriptor in the server's */
	bool finishing; /* every row out: finish_run on a worker, the loop's hands off jv */
	struct job_verify_report rep; /* with finishing: what jv had done */
	enum lg_status fin_st;        /* finish_run's */
	struct lg_err fin_err;
	uint64_t bytes; /* input read, as of the last row written */
	double t0;      /* lg_now_mono() at its start */
	struct serve_jobs *js;
	struct run *next;
};

struct serve_jobs {
	struct serve *s;
	char *dir; /* DB.jobs; owned */
	struct run *runs;
	unsigned nrunning;
	loop_timer_id tick; /* 0: none armed */
	bool none_queued;   /* the last look found none: until a POST */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("leadgate: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static char *job_path(const struct serve_jobs *js, int64_t id, const char *file)
{
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_addf(&b, "%s/%lld%s%s", js->dir, (long long)id, file ? "/" : "", file ? file : "");
	return b.data;
}

/* Remove dir and the files in it (the jobs' directories hold no others). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void remove_job_files(const struct serve_jobs *js, int64_t id)
{
	char *dir = job_path(js, id, NULL);
	remove_dir(dir);
	free(dir);
}

/* ---- the view ---- */

static json_t *time_or_null(int64_t t)
{
	char at[32];
	if (!t)
		return json_null();
	lg_time_format(t, at, sizeof(at));
	return json_string(at);
}

static struct run *run_find(struct serve_jobs *js, int64_t id)
{
	for (struct run *r = js->runs; r; r = r->next)
		if (r->id == id)
			return r;
	return NULL;
}

/* What a running job has done so far, over what the store says. */
static void run_progress(const struct run *r, struct store_job *j)
{
	const struct job_verify_report *rep = r->finishing ? &r->rep : job_verify_report(r->jv);
	j->state = STORE_JOB_RUNNING;
	j->rows_read = rep->rows_read;
	j->rows_done = rep->rows;
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		j->by_status[i] = rep->by_status[i];
	j->no_address = rep->no_address;
}

/*
 * A job as every route shows it: {"id", "status", "list", "rows" (the
 * input's rows once all are read, else null), "rows_read", "rows_done",
 * "counts" by status (and no_address), "percent", "eta" (seconds, from
 * the rate so far; null until there is one), "created_at", "started_at",
 * "finished_at", "error"}.
 */
static json_t *job_view(struct serve_jobs *js, const struct store_job *j0)
{
	struct store_job j = *j0;
	const struct run *r = run_find(js, j.id);
	bool all_read = j.state == STORE_JOB_DONE;
	double percent = all_read ? 100 : 0;
	json_t *eta = json_null();
	if (r && r->jv) {
		run_progress(r, &j);
		all_read = r->eof;
		/* The share of the input's bytes behind the rows written:
		 * known before the rows are counted. */
		if (all_read && j.rows_read)
			percent = 100.0 * (double)j.rows_done / (double)j.rows_read;
		else if (r->input_bytes)
			percent = 100.0 * (double)r->bytes / (double)r->input_bytes;
		if (percent > 100)
			percent = 100;
		double spent = lg_now_mono() - r->t0;
		if (percent > 0) {
			json_decref(eta);
			eta = json_integer((json_int_t)(spent * (100 - percent) / percent + 0.5));
		}
	}
	if (j.state == STORE_JOB_DONE) {
		json_decref(eta);
		eta = json_integer(0);
	}
	json_t *counts = json_object();
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		json_object_set_new(counts, verify_status_name((enum verify_status)i),
				    json_integer((json_int_t)j.by_status[i]));
	json_object_set_new(counts, "no_address", json_integer((json_int_t)j.no_address));
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer(j.id));
	json_object_set_new(o, "status", json_string(store_job_state_name(j.state)));
	json_object_set_new(o, "list", j.list ? json_string(j.list) : json_null());
	json_object_set_new(o, "smtp", json_boolean(j.smtp));
	json_object_set_new(o, "callback_url",
			    j.callback_url ? json_string(j.callback_url) : json_null());
	json_object_set_new(o, "rows",
			    all_read ? json_integer((json_int_t)j.rows_read) : json_null());
	json_object_set_new(o, "rows_read", json_integer((json_int_t)j.rows_read));
	json_object_set_new(o, "rows_done", json_integer((json_int_t)j.rows_done));
	json_object_set_new(o, "counts", counts);
	json_object_set_new(o, "percent", json_real((double)(int64_t)(percent * 10) / 10));
	json_object_set_new(o, "eta", eta);
	json_object_set_new(o, "input_bytes", json_integer((json_int_t)j.input_bytes));
	json_object_set_new(o, "created_at", time_or_null(j.created_at));
	json_object_set_new(o, "started_at", time_or_null(r ? r->started_at : j.started_at));
	json_object_set_new(o, "finished_at", time_or_null(j.finished_at));
	json_object_set_new(o, "error", j.error ? json_string(j.error) : json_null());
	return o;
}

/* ---- the runner ---- */

static void tick_arm(struct serve_jobs *js, int64_t ms);

static void run_free(struct run *r)
{
	job_verify_close(r->jv); /* its resolver leaves r->loop first */
	if (r->loop) {
		if (r->watched)
			loop_fd_del(serve_loop(r->js->s), loop_fd(r->loop));
		loop_free(r->loop);
	}
	if (r->in >= 0)
		close(r->in);
	if (r->out_csv >= 0)
		close(r->out_csv);
	if (r->out_jsonl >= 0)
		close(r->out_jsonl);
	free(r->list);
	free(r->callback_url);
	free(r->path_csv);
	free(r->path_jsonl);
	free(r->name);
	free(r);
}

static void run_unlink(struct serve_jobs *js, struct run *r)
{
	for (struct run **pp = &js->runs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			js->nrunning--;
			return;
		}
}

/*
 * r's job.completed (it has a callback_url) into the outbox, in the
 * caller's transaction on s, with j its end as recorded: {id, state,
 * list, rows, counts by status and no_address, created_at, started_at,
 * finished_at, error, results: the path of its results (GET; null unless
 * done)}.
 */
static enum lg_status tell_completed(struct store *s, struct run *r, const struct store_job *j,
				     struct lg_err *err)
{
	json_t *counts = json_object();
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		json_object_set_new(counts, verify_status_name((enum verify_status)i),
				    json_integer((json_int_t)j->by_status[i]));
	json_object_set_new(counts, "no_address", json_integer((json_int_t)j->no_address));
	json_t *d = json_object();
	json_object_set_new(d, "id", json_integer(j->id));
	json_object_set_new(d, "state", json_string(store_job_state_name(j->state)));
	json_object_set_new(d, "list", j->list ? json_string(j->list) : json_null());
	json_object_set_new(d, "rows", json_integer((json_int_t)j->rows_read));
	json_object_set_new(d, "rows_done", json_integer((json_int_t)j->rows_done));
	json_object_set_new(d, "counts", counts);
	json_object_set_new(d, "created_at", time_or_null(j->created_at));
	json_object_set_new(d, "started_at", time_or_null(j->started_at));
	json_object_set_new(d, "finished_at", time_or_null(j->finished_at));
	json_object_set_new(d, "error", j->error ? json_string(j->error) : json_null());
	if (j->state == STORE_JOB_DONE) {
		struct lg_buf path = LG_BUF_INIT;
		lg_buf_addf(&path, "/v1/jobs/%lld/results", (long long)j->id);
		json_object_set_new(d, "results", json_string(path.data));
		lg_buf_release(&path);
	} else {
		json_object_set_new(d, "results", json_null());
	}
	enum lg_status st = job_handoff_event(s, "job.completed", ROUTE_TARGET_JOB, r->callback_url,
					      d, j->finished_at, err);
	r->told = st == LG_OK;
	return st;
}

/* j's end recorded and told (job.completed), in one transaction on s. */
static enum lg_status save_told(struct store *s, struct run *r, const struct store_job *j,
				struct lg_err *err)
{
	enum lg_status st = store_begin(s, err);
	if (st != LG_OK)
		return st;
	if ((st = store_job_update(s, j, err)) == LG_OK &&
	    (st = tell_completed(s, r, j, err)) == LG_OK)
		return store_commit(s, err);
	store_rollback(s);
	r->told = false;
	return st;
}

/* Write what the store keeps of r: its state and counts; its end told
 * when it has a callback_url (not yet told by done_in_commit). */
static void run_save(struct serve_jobs *js, struct run *r, enum store_job_state state,
		     int64_t finished, const char *error)
{
	struct store_job j = {
		.id = r->id,
		.list = r->list,
		.created_at = r->created_at,
		.started_at = r->started_at,
		.finished_at = finished,
		.error = error,
	};
	if (r->jv)
		run_progress(r, &j);
	j.state = state;
	struct lg_err err = {0};
	bool ends = state == STORE_JOB_DONE || state == STORE_JOB_FAILED;
	enum lg_status st = r->callback_url && ends && !r->told
				    ? save_told(serve_store(js->s), r, &j, &err)
				    : store_job_update(serve_store(js->s), &j, &err);
	if (st != LG_OK)
		say("job %lld: %s", (long long)r->id, err.msg);
}

/* What the job says of its input: its messages name it ("job ID:LINE"). */
static void on_notice(void *arg, enum job_notice kind, const char *msg)
{
	(void)arg;
	(void)kind;
	say("%s", msg);
}

static void on_progress(void *arg, unsigned long rows, uint64_t bytes)
{
	struct run *r = arg;
	(void)rows;
	r->bytes = bytes;
}

static int64_t now_of(struct serve_jobs *js)
{
	const struct serve_opts *o = serve_options(js->s);
	return o->now ? o->now : lg_now_wall();
}

/* With a list: the job done, in the transaction that records its list
 * version (job_verify_opts.in_commit), on the verify job's connection.
 * A kill between the two would otherwise leave a job still running in
 * the store whose version is recorded: run again on the next start, it
 * would record that version a second time.  Its result files are in
 * place already (run_outputs). */
static enum lg_status done_in_commit(void *arg, struct store *s, struct lg_err *err)
{
	struct run *r = arg;
	struct store_job j = {
		.id = r->id,
		.list = r->list,
		.created_at = r->created_at,
		.started_at = r->started_at,
		.finished_at = now_of(r->js),
	};
	run_progress(r, &j);
	j.state = STORE_JOB_DONE;
	enum lg_status st = store_job_update(s, &j, err);
	if (st == LG_OK && r->callback_url)
		st = tell_completed(s, r, &j, err);
	return st;
}

static int open_part(const char *path)
{
	int fd;
	do
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static bool run_turn(struct serve_jobs *js, struct run *r);

/* A reply for r's lookups: its turn now, not at the next tick. */
static void run_ready(struct loop *l, int fd, unsigned events, void *arg)
{
	struct run *r = arg;
	struct serve_jobs *js = r->js;
	(void)events;
	if (serve_stopping(js->s)) { /* left as it is; and no more woken by it */
		loop_fd_del(l, fd);
		r->watched = false;
		return;
	}
	if (run_turn(js, r)) /* r may be gone */
		tick_arm(js, 0);
}

/* Take job j (queued) in hand: its input opened, the verify job begun. */
static enum lg_status run_start(struct serve_jobs *js, const struct store_job *j, struct lg_err *err)
{
	struct run *r = lg_xcalloc(1, sizeof(*r));
	r->js = js;
	r->id = j->id;
	r->list = j->list ? lg_xstrdup(j->list) : NULL;
	r->callback_url = j->callback_url ? lg_xstrdup(j->callback_url) : NULL;
	r->input_bytes = j->input_bytes;
	r->created_at = j->created_at;
	r->started_at = now_of(js);
	r->in = r->out_csv = r->out_jsonl = -1;
	r->t0 = lg_now_mono();
	struct lg_buf name = LG_BUF_INIT;
	lg_buf_addf(&name, "job %lld", (long long)j->id);
	r->name = name.data;
	r->next = js->runs;
	js->runs = r;
	js->nrunning++;

	const struct serve_opts *so = serve_options(js->s);
	enum lg_status st = LG_OK;
	char *input = job_path(js, j->id, "input");
	r->path_csv = job_path(js, j->id, "results.csv.part");
	r->path_jsonl = job_path(js, j->id, "results.jsonl.part");
	/* Running in the store before the verify job opens its own connection
	 * to it (with a list), whose writer then holds the write lock. */
	run_save(js, r, STORE_JOB_RUNNING, 0, NULL);
	r->in = open(input, O_RDONLY | O_CLOEXEC);
	if (r->in < 0)
		st = lg_err_set(err, LG_ENOINPUT, "its upload is gone: %s", strerror(errno));
	free(input);
	if (st != LG_OK)
		return st;
	struct job_verify_opts o = {
		.conf = so->conf,
		.in = r->in,
		.in_name = r->name,
		.format = IO_FORMAT_CSV,
		.guard = IO_GUARD_AUTO,
		.skip_lines = -1,
		.dns = so->dns,
		.list = r->list,
		.smtp = j->smtp,
		.db = store_path(serve_store(js->s)),
		.now = r->started_at,
		.notice = on_notice,
		.arg = r,
		.nowait = true,
		.in_commit = done_in_commit,
	};
	/* A loop of the job's own, so that its steps never run the server's
	 * (whose timer this turn is); its descriptor in the server's wakes
	 * the job when a reply comes. */
	if ((st = loop_new(&r->loop, err)) != LG_OK)
		return st;
	if ((st = loop_fd_set(serve_loop(js->s), loop_fd(r->loop), LOOP_READ, run_ready, r, err)) !=
	    LG_OK) {
		loop_free(r->loop);
		r->loop = NULL;
		return st;
	}
	r->watched = true;
	o.loop = r->loop;
	if ((st = job_verify_open(&r->jv, &o, err)) != LG_OK)
		return st;
	r->out_csv = open_part(r->path_csv);
	r->out_jsonl = open_part(r->path_jsonl);
	if (r->out_csv < 0 || r->out_jsonl < 0)
		return lg_err_set(err, LG_EIO, "cannot create its results: %s", strerror(errno));
	job_verify_start(r->jv, r->out_csv, "results.csv", on_progress);
	job_verify_tee(r->jv, r->out_jsonl, "results.jsonl", IO_FORMAT_JSONL);
	return LG_OK;
}

/* The result files in place: the .part ones closed and renamed. */
static enum lg_status run_outputs(struct run *r, struct lg_err *err)
{
	const char *parts[2] = {r->path_csv, r->path_jsonl};
	int *fds[2] = {&r->out_csv, &r->out_jsonl};
	for (int i = 0; i < 2; i++) {
		int fd = *fds[i];
		*fds[i] = -1;
		if (fsync(fd) != 0 || close(fd) != 0)
			return lg_err_set(err, LG_EIO, "writing its results: %s", strerror(errno));
		size_t n = strlen(parts[i]) - 5; /* less ".part" */
		char *to = lg_xmemdup(parts[i], n);
		int rc = rename(parts[i], to);
		free(to);
		if (rc != 0)
			return lg_err_set(err, LG_EIO, "writing its results: %s", strerror(errno));
	}
	return LG_OK;
}

/* r is over: forgotten by the runner, and its slot given to the next. */
static void run_end(struct serve_jobs *js, struct run *r)
{
	run_unlink(js, r);
	run_free(r);
	if (!serve_stopping(js->s))
		tick_arm(js, 0);
}

/*
 * Every row is out: the result files put in place and, with a list, the
 * version recorded and the list weighed (job_verify_finish) - seconds for
 * a million rows, which the writer's last batches and the gate take.  On
 * a worker, so that the loop answers on meanwhile; the loop keeps its
 * hands off r->jv until finish_end (the views read the report's copy).
 */
static void finish_run(struct serve_worker *wk, void *arg)
{
	struct run *r = arg;
	(void)wk;
	/* The files first: a job recorded done has its results. */
	r->fin_st = run_outputs(r, &r->fin_err);
	if (r->fin_st == LG_OK)
		r->fin_st = job_verify_finish(r->jv, &r->fin_err);
}

static void finish_end(void *arg, bool ran)
{
	struct run *r = arg;
	struct serve_jobs *js = r->js;
	if (!ran) { /* the server stops: still running in the store, taken up next start */
		run_unlink(js, r);
		run_free(r);
		return;
	}
	/* With a list, done_in_commit recorded the job done (and told it)
	 * only if job_verify_finish committed; what failed after (weighing
	 * the list) leaves it done. */
	bool committed = r->list && job_verify_report(r->jv)->committed;
	if (r->list && !committed)
		r->told = false; /* its job.completed rolled back with the rest */
	if (r->fin_st == LG_OK || committed) {
		if (!r->list)
			run_save(js, r, STORE_JOB_DONE, now_of(js), NULL);
		if (r->fin_st != LG_OK)
			say("%s: done, %lu rows; weighing its list failed: %s", r->name,
			    r->rep.rows, r->fin_err.msg);
		else
			say("%s: done, %lu rows", r->name, r->rep.rows);
	} else {
		say("%s: failed: %s", r->name, r->fin_err.msg);
		run_save(js, r, STORE_JOB_FAILED, now_of(js), r->fin_err.msg);
	}
	run_end(js, r);
}

/* One turn of r: polled, fed, and handed to a worker to finish when its
 * rows are out.  True when it moved (rows written or read). */
static bool run_turn(struct serve_jobs *js, struct run *r)
{
	if (r->finishing)
		return false;
	struct lg_err err = {0};
	const struct job_verify_report *rep = job_verify_report(r->jv);
	unsigned long before = rep->rows + rep->rows_read;
	bool done = false;
	enum lg_status st = job_verify_poll(r->jv, false, &done, &err);
	if (st == LG_OK && !r->eof)
		st = job_verify_feed(r->jv, FEED_ROWS, &r->eof, &err);
	if (st == LG_OK && r->eof && !done)
		st = job_verify_poll(r->jv, false, &done, &err);
	if (st == LG_OK && done) {
		r->rep = *rep;
		r->finishing = true;
		/* its lookups are over: no more turns */
		loop_fd_del(serve_loop(js->s), loop_fd(r->loop));
		r->watched = false;
		if (!serve_work_post(serve_work_of(js->s), finish_run, r, finish_end, r)) {
			/* every worker busy, and as many waiting: the next tick tries again */
			r->finishing = false;
			if (loop_fd_set(serve_loop(js->s), loop_fd(r->loop), LOOP_READ, run_ready,
					r, &err) == LG_OK)
				r->watched = true;
			return false;
		}
		return true;
	}
	if (st != LG_OK) {
		say("%s: failed: %s", r->name, err.msg);
		run_save(js, r, STORE_JOB_FAILED, now_of(js), err.msg);
		run_unlink(js, r);
		run_free(r);
		return true;
	}
	return rep->rows + rep->rows_read != before;
}

/* The queued jobs to start, copied out of the statement that read them:
 * starting one writes (to this connection, and with a list to the verify
 * job's), which must not happen while a read is open on it. */
struct queued {
	struct store_job j[64]; /* [serve] max_jobs is at most 64 */
	char *list[64];
	char *callback_url[64];
	size_t n, max;
	struct serve_jobs *js;
};

static enum lg_status take_queued(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct queued *q = arg;
	(void)err;
	if (q->n < q->max && !run_find(q->js, j->id)) {
		q->j[q->n] = *j;
		q->list[q->n] = j->list ? lg_xstrdup(j->list) : NULL;
		q->j[q->n].list = q->list[q->n];
		q->callback_url[q->n] = j->callback_url ? lg_xstrdup(j->callback_url) : NULL;
		q->j[q->n].callback_url = q->callback_url[q->n];
		q->j[q->n].input = "";
		q->j[q->n].error = NULL;
		q->n++;
	}
	return LG_OK;
}

/* Start queued jobs while there is room; how many started. */
static unsigned start_queued(struct serve_jobs *js)
{
	unsigned max = serve_config(js->s)->max_jobs;
	struct queued q = {.max = max > js->nrunning ? max - js->nrunning : 0, .js = js};
	struct lg_err err = {0};
	if (q.max > 64)
		q.max = 64;
	if (q.max && store_jobs_each(serve_store(js->s), 0, q.max, STORE_JOB_QUEUED, take_queued,
				     &q, &err) != LG_OK)
		say("the queued jobs: %s", err.msg);
	for (size_t i = 0; i < q.n; i++) {
		struct lg_err e = {0};
		if (run_start(js, &q.j[i], &e) != LG_OK) {
			struct run *r = run_find(js, q.j[i].id);
			say("job %lld: failed: %s", (long long)q.j[i].id, e.msg);
			run_save(js, r, STORE_JOB_FAILED, now_of(js), e.msg);
			run_unlink(js, r);
			run_free(r);
		} else {
			say("job %lld: running", (long long)q.j[i].id);
		}
		free(q.list[i]);
		free(q.callback_url[i]);
	}
	return (unsigned)q.n;
}

static void tick(struct loop *l, void *arg)
{
	struct serve_jobs *js = arg;
	(void)l;
	js->tick = 0;
	if (serve_stopping(js->s))
		return; /* the running jobs stay as they are: taken up next start */
	bool moved = false;
	for (struct run *r = js->runs, *next; r; r = next) {
		next = r->next;
		moved |= run_turn(js, r);
	}
	if (js->nrunning < serve_config(js->s)->max_jobs && !js->none_queued) {
		if (start_queued(js))
			moved = true;
		else
			js->none_queued = true;
	}
	if (js->runs)
		tick_arm(js, moved ? 0 : IDLE_MS);
}

static void tick_arm(struct serve_jobs *js, int64_t ms)
{
	if (!js->tick)
		js->tick = loop_timer_add(serve_loop(js->s), ms, tick, js);
}

/* A job was added or a slot freed: look at the queue again. */
static void wake(struct serve_jobs *js)
{
	js->none_queued = false;
	tick_arm(js, 0);
}

enum lg_status serve_jobs_open(struct serve_jobs **out, struct serve *s, struct lg_err *err)
{
	struct serve_jobs *js = lg_xcalloc(1, sizeof(*js));
	*out = js;
	js->s = s;
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_addf(&b, "%s.jobs", store_path(serve_store(s)));
	js->dir = b.data;
	if (mkdir(js->dir, 0700) != 0 && errno != EEXIST)
		return lg_err_set(err, LG_EIO, "%s: cannot make the jobs' directory: %s", js->dir,
				  strerror(errno));
	enum lg_status st = store_jobs_requeue(serve_store(s), err);
	if (st == LG_OK)
		wake(js);
	return st;
}

void serve_jobs_close(struct serve_jobs *js)
{
	if (!js)
		return;
	if (js->tick)
		loop_timer_cancel(serve_loop(js->s), js->tick);
	/* Left running in the store: the next start queues them again. */
	for (struct run *r = js->runs, *next; r; r = next) {
		next = r->next;
		run_free(r);
	}
	free(js->dir);
	free(js);
}

/* ---- POST /v1/jobs ---- */

struct upload {
	char *dir; /* DB.jobs/upload.XXXXXX until the job has its id; owned */
	int fd;
	uint64_t bytes;
	int error; /* errno of a piece that could not be written */
	bool kept; /* the job made: the directory is the job's */
};

static void upload_free(void *p)
{
	struct upload *u = p;
	if (u->fd > 0)
		close(u->fd);
	if (u->dir && !u->kept)
		remove_dir(u->dir);
	free(u->dir);
}

/* A list name as verify --list takes it: 1 to 127 bytes, no control
 * characters. */
static bool list_name_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return n >= 1 && n <= 127;
}

/*
 * What is wrong with callback_url u, or NULL when it may be taken: an
 * absolute https:// URL (http:// too when private targets are allowed),
 * a host, no user name or password, printable ASCII, at most
 * CALLBACK_MAX bytes; a host given as a loopback, private or other
 * non-public address (or "localhost") is refused now unless
 * [handoff] allow_private_targets.  A name that resolves to one is the
 * sender's to refuse, when it connects (handoff/send.c).
 */
static const char *callback_problem(const char *u, bool allow_private, char *why, size_t n)
{
	size_t skip = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
	if (strlen(u) > CALLBACK_MAX)
		return "callback_url is too long";
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return "callback_url wants a URL of printable ASCII, without spaces";
	if (!skip)
		return allow_private ? "callback_url wants an https:// or http:// URL"
				     : "callback_url wants an https:// URL";
	if (skip == 7 && !allow_private)
		return "callback_url wants https:// (http:// only with [handoff] "
		       "allow_private_targets)";
	const char *host = u + skip;
	size_t hlen = strcspn(host, "/?#");
	if (memchr(host, '@', hlen))
		return "callback_url may not carry a user name or password";
	/* the host without its port: [v6]:port, or name:port */
	char h[256];
	size_t k;
	if (hlen && host[0] == '[') {
		const char *close = memchr(host, ']', hlen);
		if (!close)
			return "callback_url has an unclosed '[' in its host";
		k = (size_t)(close - host - 1);
		if (k >= sizeof(h))
			return "callback_url's host is too long";
		memcpy(h, host + 1, k);
	} else {
		const char *colon = memchr(host, ':', hlen);
		k = colon ? (size_t)(colon - host) : hlen;
		if (k >= sizeof(h))
			return "callback_url's host is too long";
		memcpy(h, host, k);
	}
	h[k] = '\0';
	if (!k)
		return "callback_url names no host";
	if (allow_private)
		return NULL;
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	const char *what = NULL;
	bool is4 = inet_pton(AF_INET, h, &a4.sin_addr) == 1;
	bool is6 = !is4 && inet_pton(AF_INET6, h, &a6.sin6_addr) == 1;
	if ((is4 && !lg_addr_public((const struct sockaddr *)&a4, &what)) ||
	    (is6 && !lg_addr_public((const struct sockaddr *)&a6, &what)) ||
	    (!is4 && !is6 && lg_ascii_eq(h, k, "localhost", 9) && (what = "loopback"))) {
		snprintf(why, n,
			 "callback_url's host is a %s address (allowed only with [handoff] "
			 "allow_private_targets)",
			 what ? what : "non-public");
		return why;
	}
	return NULL;
}

static void upload_piece(struct serve_jobs *js, struct upload *u, const char *data, size_t len)
{
	if (u->error)
		return; /* dropped: answered when the body is in */
	if (!u->dir) {
		struct lg_buf b = LG_BUF_INIT;
		lg_buf_addf(&b, "%s/upload.XXXXXX", js->dir);
		if (!mkdtemp(b.data)) {
			u->error = errno;
			lg_buf_release(&b);
			return;
		}
		u->dir = b.data;
		struct lg_buf in = LG_BUF_INIT;
		lg_buf_addf(&in, "%s/input", u->dir);
		u->fd = open(in.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		lg_buf_release(&in);
		if (u->fd < 0) {
			u->error = errno;
			return;
		}
	}
	while (len) {
		ssize_t n = write(u->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			u->error = n < 0 ? errno : EIO;
			return;
		}
		data += n;
		len -= (size_t)n;
		u->bytes += (uint64_t)n;
	}
}

struct shown {
	struct serve_jobs *js;
	json_t *view;
};

static enum lg_status show(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct shown *sh = arg;
	(void)err;
	sh->view = job_view(sh->js, j);
	return LG_OK;
}

/* The view of job id into *out (NULL when there is no such job). */
static enum lg_status view_of(struct serve_jobs *js, int64_t id, json_t **out, struct lg_err *err)
{
	struct shown sh = {js, NULL};
	enum lg_status st = store_job_get(serve_store(js->s), id, show, &sh, err);
	*out = sh.view;
	return st;
}

void serve_job_post(struct serve_req *r)
{
	struct serve *s = serve_req_server(r);
	struct serve_jobs *js = serve_jobs_of(s);
	struct upload *u = serve_req_state(r, sizeof(struct upload), upload_free);
	size_t len;
	const char *piece = serve_req_piece(r, &len);
	if (piece) {
		upload_piece(js, u, piece, len);
		return;
	}
	const char *list = serve_req_arg(r, "list");
	if (list && !list_name_ok(list)) {
		serve_error(r, 400, "bad_request",
			    "list wants a name of 1 to 127 bytes without control characters");
		return;
	}
	const char *smtp = serve_req_arg(r, "smtp");
	bool probe = smtp && (!strcmp(smtp, "true") || !strcmp(smtp, "1"));
	if (smtp && !probe && strcmp(smtp, "false") != 0 && strcmp(smtp, "0") != 0) {
		serve_error(r, 400, "bad_request", "smtp wants true or false, not '%s'", smtp);
		return;
	}
	/* A completion webhook: its URL checked now, and signed with the
	 * service's secret, without which it could not be sent. */
	const char *callback = serve_req_arg(r, "callback_url");
	const struct route_conf *hc = &serve_options(s)->conf->handoff;
	char why[200];
	const char *bad = callback ? callback_problem(callback, hc->allow_private, why, sizeof(why))
				   : NULL;
	if (bad) {
		serve_error(r, 400, "bad_request", "%s", bad);
		return;
	}
	if (callback && !hc->secret) {
		serve_error(r, 409, "callback_unavailable",
			    "callback_url wants [handoff] secret (whsec_...) in the configuration: "
			    "job.completed is signed with it");
		return;
	}
	/* Probing without the identity would fail the job: refused now. */
	struct lg_err cerr = {0};
	if (probe && conf_smtp_check(serve_options(s)->conf, &cerr) != LG_OK) {
		serve_error(r, 409, "smtp_unavailable", "%s", cerr.msg);
		return;
	}
	if (u->error) {
		serve_error(r, u->error == ENOSPC ? 507 : 500,
			    u->error == ENOSPC ? "insufficient_storage" : "internal",
			    "the upload could not be kept: %s", strerror(u->error));
		return;
	}
	if (!u->bytes) {
		serve_error(r, 400, "bad_request", "the body is empty: send the list (CSV)");
		return;
	}
	if (serve_stopping(s)) {
		serve_error(r, 503, "unavailable", "the service is stopping");
		return;
	}
	close(u->fd);
	u->fd = -1;

	/* The row first, then the directory under the job's id: a job is
	 * never without its row (a kill between the two leaves a row whose
	 * input is gone, which fails when run, and saying so). */
	struct lg_err err = {0};
	struct store *st = serve_store(s);
	struct store_job j = {
		.list = list,
		.smtp = probe,
		.callback_url = callback,
		.created_at = serve_req_now(r),
		.input = "",
		.input_bytes = u->bytes,
	};
	int64_t id = 0;
	enum lg_status rc = store_job_add(st, &j, js->dir, &id, &err);
	char *dir = rc == LG_OK ? job_path(js, id, NULL) : NULL;
	if (rc == LG_OK && rename(u->dir, dir) != 0) {
		rc = lg_err_set(&err, LG_EIO, "%s: %s", dir, strerror(errno));
		store_job_delete(st, id, NULL);
	}
	free(dir);
	if (rc != LG_OK) {
		say("a job could not be added: %s", err.msg);
		serve_error(r, 500, "internal", "the job could not be added");
		return;
	}
	u->kept = true;
	wake(js);
	json_t *view;
	if (view_of(js, id, &view, &err) != LG_OK || !view) {
		serve_error(r, 500, "internal", "the job could not be read back");
		return;
	}
	serve_json(r, 202, view);
}

/* ---- GET, DELETE /v1/jobs/{id}, results ---- */

/* The {id} segment as a job id; false (answered 404) when it is none. */
static bool id_param(struct serve_req *r, int64_t *id)
{
	const struct serve_params *p = serve_req_params(r);
	char buf[24];
	long v;
	if (p->n < 1 || p->v[0].len >= sizeof(buf))
		goto none;
	memcpy(buf, p->v[0].s, p->v[0].len);
	buf[p->v[0].len] = '\0';
	if (!lg_parse_long(buf, 1, LONG_MAX, &v))
		goto none;
	*id = v;
	return true;
none:
	serve_error(r, 404, "job_not_found", "no such job");
	return false;
}

void serve_job_get(struct serve_req *r)
{
	struct serve_jobs *js = serve_jobs_of(serve_req_server(r));
	int64_t id;
	if (!id_param(r, &id))
		return;
	json_t *view;
	struct lg_err err = {0};
	if (view_of(js, id, &view, &err) != LG_OK) {
		say("reading a job: %s", err.msg);
		serve_error(r, 500, "internal", "the job could not be read");
		return;
	}
	if (!view) {
		serve_error(r, 404, "job_not_found", "no such job");
		return;
	}
	serve_json(r, 200, view);
}

struct page {
	struct serve_jobs *js;
	json_t *jobs;
	int64_t last;
};

static enum lg_status page_add(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct page *p = arg;
	(void)err;
	json_array_append_new(p->jobs, job_view(p->js, j));
	p->last = j->id;
	return LG_OK;
}

static bool number_arg(struct serve_req *r, const char *name, long lo, long hi, long *v)
{
	const char *a = serve_req_arg(r, name);
	if (!a)
		return true;
	if (lg_parse_long(a, lo, hi, v))
		return true;
	serve_error(r, 400, "bad_request", "%s wants a whole number from %ld to %ld", name, lo, hi);
	return false;
}

void serve_job_list(struct serve_req *r)
{
	struct serve_jobs *js = serve_jobs_of(serve_req_server(r));
	long after = 0, limit = LIST_DEFAULT;
	if (!number_arg(r, "after", 1, LONG_MAX, &after) ||
	    !number_arg(r, "limit", 1, LIST_MAX, &limit))
		return;
	struct page p = {js, json_array(), 0};
	struct lg_err err = {0};
	if (store_jobs_each(serve_store(js->s), after, (size_t)limit, -1, page_add, &p, &err) !=
	    LG_OK) {
		json_decref(p.jobs);
		say("reading the jobs: %s", err.msg);
		serve_error(r, 500, "internal", "the jobs could not be read");
		return;
	}
	/* A full page may have more after it: ?after=next. */
	bool full = json_array_size(p.jobs) == (size_t)limit;
	serve_json(r, 200,
		   json_pack("{s:o,s:o}", "jobs", p.jobs, "next",
			     full ? json_integer(p.last) : json_null()));
}

struct state_of {
	bool found;
	enum store_job_state state;
};

static enum lg_status get_state(void *arg, const struct store_job *j, struct lg_err *err)
{
	struct state_of *so = arg;
	(void)err;
	so->found = true;
	so->state = j->state;
	return LG_OK;
}

/* Job id's state; false (answered) when there is none or it cannot be
 * read. */
static bool job_state(struct serve_req *r, int64_t id, enum store_job_state *state)
{
	struct serve_jobs *js = serve_jobs_of(serve_req_server(r));
	struct state_of so = {0};
	struct lg_err err = {0};
	if (store_job_get(serve_store(js->s), id, get_state, &so, &err) != LG_OK) {
		say("reading a job: %s", err.msg);
		serve_error(r, 500, "internal", "the job could not be read");
		return false;
	}
	if (!so.found) {
		serve_error(r, 404, "job_not_found", "no such job");
		return false;
	}
	*state = so.state;
	return true;
}

void serve_job_results(struct serve_req *r)
{
	struct serve_jobs *js = serve_jobs_of(serve_req_server(r));
	int64_t id;
	enum store_job_state state;
	if (!id_param(r, &id))
		return;
	const char *format = serve_req_arg(r, "format");
	bool jsonl = format && !strcmp(format, "jsonl");
	if (format && !jsonl && strcmp(format, "csv") != 0) {
		serve_error(r, 400, "bad_request", "format wants csv or jsonl");
		return;
	}
	if (!job_state(r, id, &state))
		return;
	if (state != STORE_JOB_DONE) {
		serve_error(r, 409, "job_not_done",
			    "the job is %s: its results come when it is done",
			    store_job_state_name(state));
		return;
	}
	char *path = job_path(js, id, jsonl ? "results.jsonl" : "results.csv");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		say("job %lld: %s: %s", (long long)id, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(path);
		serve_error(r, 500, "internal", "the job's results cannot be read");
		return;
	}
	free(path);
	serve_file(r, 200, jsonl ? "application/x-ndjson" : "text/csv; charset=utf-8", fd,
		   (uint64_t)sb.st_size);
}

void serve_job_delete(struct serve_req *r)
{
	struct serve_jobs *js = serve_jobs_of(serve_req_server(r));
	int64_t id;
	enum store_job_state state;
	if (!id_param(r, &id) || !job_state(r, id, &state))
		return;
	struct lg_err err = {0};
	enum lg_status st;
	if (state == STORE_JOB_QUEUED || state == STORE_JOB_RUNNING) {
		/* Cancelled: stopped where it is (with a list, what it
		 * recorded stays an interrupted run of the store), its
		 * files removed, its row kept to say so. */
		struct run *run = run_find(js, id);
		struct store_job j = {.id = id, .state = STORE_JOB_CANCELLED};
		if (run && run->finishing) { /* a worker has it: too late to stop */
			serve_error(r, 409, "conflict",
				    "the job is writing its results; it is done in a moment");
			return;
		}
		if (run) {
			run_progress(run, &j);
			j.created_at = run->created_at;
			j.started_at = run->started_at;
			run_unlink(js, run);
			run_free(run);
			wake(js);
		}
		j.state = STORE_JOB_CANCELLED;
		j.finished_at = serve_req_now(r);
		st = store_job_update(serve_store(js->s), &j, &err);
	} else {
		st = store_job_delete(serve_store(js->s), id, &err);
	}
	if (st != LG_OK) {
		say("job %lld: %s", (long long)id, err.msg);
		serve_error(r, 500, "internal", "the job could not be changed");
		return;
	}
	remove_job_files(js, id);
	serve_body(r, 204, "application/json", "", 0);
}
