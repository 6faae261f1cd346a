/*
 * lists.c - the lists job: what the store knows of each list, weighed
 * through the gate (list.c), with every version's observation window;
 * what `lists`, `lists show` and `gate` print and the service's
 * GET /v1/lists returns.  The lists come through the store's cursor, so a
 * caller reads them page by page: a page starts after the last name of
 * the one before.
 */
#include "jobs.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

struct job_lists {
	struct job_lists_opts o;
	struct store *store;
	struct store_cursor *cur;          /* job_lists_next's, opened by its first call */
	struct job_list item;              /* the list handed out, until the next call */
	struct store_list_window *windows; /* item's, grown as needed */
	size_t capwindows;
};

enum lg_status job_lists_open(struct job_lists **out, const struct job_lists_opts *opts,
			      struct lg_err *err)
{
	struct job_lists *j = lg_xcalloc(1, sizeof(*j));
	*out = j;
	j->o = *opts;
	return store_open(&j->store, opts->db, STORE_READ, err);
}

static void keep_window(void *arg, const struct store_list_window *w)
{
	struct job_lists *j = arg;
	if (j->item.nwindows == j->capwindows) {
		j->capwindows = j->capwindows ? 2 * j->capwindows : 8;
		j->windows = lg_xrealloc(j->windows, j->capwindows * sizeof(*j->windows));
	}
	j->windows[j->item.nwindows++] = *w;
}

/* j->item from li: weighed through the gate, its versions read. */
static enum lg_status weigh(struct job_lists *j, const struct store_list_info *li,
			    const struct job_list **out, struct lg_err *err)
{
	struct job_list *it = &j->item;
	enum lg_status st;

	*out = NULL;
	if (li != &it->info)
		it->info = *li;
	it->nwindows = 0;
	st = list_evaluate(j->store, j->o.conf, &it->info, j->o.now, j->o.include_risky, &it->eval,
			   err);
	if (st == LG_OK)
		st = store_list_windows_each(j->store, &it->info, keep_window, j, err);
	it->windows = j->windows;
	if (st == LG_OK)
		*out = it;
	return st;
}

enum lg_status job_lists_next(struct job_lists *j, const struct job_list **out, struct lg_err *err)
{
	const struct store_list_info *li;
	enum lg_status st = LG_OK;

	*out = NULL;
	if (!j->cur)
		st = store_lists_open(j->store, j->o.after, &j->cur, err);
	if (st == LG_OK)
		st = store_lists_next(j->cur, &li, err);
	if (st != LG_OK || !li)
		return st;
	return weigh(j, li, out, err);
}

enum lg_status job_list_show(struct job_lists *j, const char *name, const struct job_list **out,
			     struct lg_err *err)
{
	enum lg_status st = store_list_get(j->store, name, &j->item.info, err);
	*out = NULL;
	return st != LG_OK ? st : weigh(j, &j->item.info, out, err);
}

void job_lists_close(struct job_lists *j)
{
	if (!j)
		return;
	store_cursor_close(j->cur);
	store_close(j->store);
	free(j->windows);
	free(j);
}
