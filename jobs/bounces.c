/*
 * bounces.c - the bounce import: bounce events into the store, each file
 * in one transaction (import.c), so that a run that is killed imports
 * each file wholly or not at all; an event already imported (same key)
 * adds nothing, so running again is safe.  A hard bounce, complaint or
 * unsubscribe suppresses the address.  The lists the new bounces' contacts
 * are in are weighed through the gate again, in the file's transaction,
 * and a change of verdict told (list_gate_check: list.gate_changed).
 */
#include "jobs.h"
#include "bounce/bounce.h"
#include "conf/conf.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define BOUNCE_FILE_MAX (1024u * 1024 * 1024) /* a larger file is refused */
#define WARN_BAD_MAX 20                       /* bad records listed one by one */

struct import {
	const struct job_bounces_opts *o;
	struct store *store;
	struct verify_ctx *ctx;
	struct store_run run;
	const char *file;
	int64_t now;
	struct job_bounces_file f; /* of the file being imported */
	struct bounce_stats stats;
	struct lg_buf key;
	struct lg_buf contact; /* the event's contact key */
	int want;              /* the format a body must have (enum bounce_format); -1: any */
	/* The lists the file's new bounces are members of, each once: their
	 * gate is weighed again once the file is in (list_gate_check). */
	char **lists;
	size_t nlists, caplists;
};

static enum lg_status add_list(void *arg, const char *name, struct lg_err *err)
{
	struct import *I = arg;
	(void)err;
	for (size_t i = 0; i < I->nlists; i++)
		if (!strcmp(I->lists[i], name))
			return LG_OK;
	if (I->nlists == I->caplists) {
		I->caplists = I->caplists ? 2 * I->caplists : 8;
		I->lists = lg_xrealloc(I->lists, I->caplists * sizeof(*I->lists));
	}
	I->lists[I->nlists++] = lg_xstrdup(name);
	return LG_OK;
}

static void lists_clear(struct import *I)
{
	for (size_t i = 0; i < I->nlists; i++)
		free(I->lists[i]);
	I->nlists = 0;
}

static void on_bad(void *arg, unsigned long line, const char *why)
{
	struct import *I = arg;
	if (++I->f.bad <= WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg, "%s:%lu: %s (not imported)", I->file, line, why);
}

static enum lg_status on_event(void *arg, const struct bounce_event *ev, struct lg_err *err)
{
	struct import *I = arg;
	struct verify_result v;
	const char *addr = ev->email;
	size_t alen = strlen(ev->email);
	enum store_bounce_effect eff;
	enum lg_status st;

	/* The contact's identity: its key (verify_contact_key_of).  The
	 * event's own hash below keeps the address as the event spelled it,
	 * normalized but not case folded, as it always did: a file imported
	 * before hashes to the same keys. */
	verify_contact_key_of(I->ctx, ev->email, alen, &I->contact, &v);
	if (v.normalized_len) {
		addr = v.normalized;
		alen = v.normalized_len;
	} else {
		lg_ascii_trim(&addr, &alen);
	}
	if (!alen) {
		on_bad(arg, ev->line, "no recipient address");
		return LG_OK;
	}
	if (ev->type == BOUNCE_SUPPRESSED) {
		/* The provider stopped mail to the address.  Not a bounce
		 * event: the bounce or complaint behind it is one of its own,
		 * and only that one counts against the lists. */
		bool newly;
		st = store_suppress(I->store, I->contact.data, I->contact.len,
				    STORE_SUPPRESS_PROVIDER,
				    ev->occurred_at ? ev->occurred_at : I->now, &newly, err);
		if (st == LG_OK) {
			I->f.notices++;
			I->f.suppressed += newly;
		}
		return st;
	}
	/* Its key: the provider's event id, else what makes the event itself. */
	lg_buf_reset(&I->key);
	if (ev->id[0]) {
		lg_buf_addf(&I->key, "%s:%s", bounce_format_name(ev->format), ev->id);
	} else {
		struct lg_buf b = LG_BUF_INIT;
		lg_buf_addf(&b, "%s\n%.*s\n%s\n%s\n%s\n%lld\n%s", bounce_format_name(ev->format),
			    (int)alen, addr, bounce_type_name(ev->type), ev->status, ev->code,
			    (long long)ev->occurred_at, ev->reason);
		lg_buf_addf(&I->key, "%s:h%016llx", bounce_format_name(ev->format),
			    (unsigned long long)lg_hash(b.data, b.len));
		lg_buf_release(&b);
	}
	struct store_bounce sb = {
		.address = I->contact.data,
		.address_len = I->contact.len,
		.type = bounce_type_name(ev->type),
		.status = ev->status,
		.code = ev->code,
		.reason = ev->reason,
		.format = bounce_format_name(ev->format),
		.key = I->key.data,
		.occurred_at = ev->occurred_at,
	};
	if ((st = store_bounce_add(I->store, &I->run, &sb, I->now, &eff, err)) != LG_OK)
		return st;
	if (eff == STORE_BOUNCE_DUPLICATE) {
		I->f.dup++;
		return LG_OK;
	}
	I->f.added++;
	I->f.by_type[ev->type]++;
	if (eff == STORE_BOUNCE_SUPPRESSED)
		I->f.suppressed++;
	/* its lists' gates may change: the observed part counts its bounce,
	 * the predicted part its new verdict (weighed only to be told) */
	if (!I->o->conf->handoff.events)
		return LG_OK;
	int64_t id = 0;
	st = store_contact_find(I->store, I->contact.data, I->contact.len, &id, err);
	if (st == LG_OK && id)
		st = store_contact_lists(I->store, id, add_list, I, err);
	return st;
}


/* One file (job_import's callback), in its transaction. */
static enum lg_status import_one(void *arg, struct store *s, const char *file, const char *data,
				 size_t len, const struct store_run *run, struct lg_err *err)
{
	struct import *I = arg;
	I->store = s;
	I->file = file;
	I->run = *run;
	memset(&I->f, 0, sizeof(I->f));
	lists_clear(I);
	enum lg_status st = bounce_parse(data, len, I->file, on_event, on_bad, I, &I->stats, err);
	/* A webhook's body is its provider's events or none: another
	 * provider's, imported, would be counted as if it came from there. */
	if (st == LG_OK && I->want >= 0 && I->stats.format != (enum bounce_format)I->want)
		st = lg_err_set(err, LG_EDATA, "%s: not a %s webhook's body (it reads as %s)",
				I->file, bounce_format_name((enum bounce_format)I->want),
				bounce_format_name(I->stats.format));
	/* in the file's transaction: its bounces and the verdicts they
	 * change are kept together, and a change told once; or later, by
	 * the caller (gate_later); with nobody to tell, not at all */
	if (!I->o->conf->handoff.events)
		return st;
	for (size_t i = 0; i < I->nlists && st == LG_OK; i++) {
		bool told;
		if (I->o->gate_later) {
			I->o->gate_later(I->o->gate_arg, I->lists[i]);
			continue;
		}
		st = list_gate_check(s, I->o->conf, I->lists[i], I->now, &told, err);
		I->f.gates_changed += told;
	}
	return st;
}

/* A file is imported: its summary. */
static void import_done(void *arg, const char *file)
{
	struct import *I = arg;
	if (I->f.bad > WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg, "%s: %lu more records not imported, not listed",
			 file, I->f.bad - WARN_BAD_MAX);
	I->f.format = bounce_format_name(I->stats.format);
	I->f.ignored = I->stats.ignored;
	if (I->o->done)
		I->o->done(I->o->arg, file, &I->f);
}

/* The import of o's files or, with s, of one body on s (job_import):
 * one setup for both.  The body's counts into *f. */
static enum lg_status run(const struct job_bounces_opts *o, struct store *s, const char *name,
			  const char *data, size_t len, int want, struct job_import_report *rep,
			  struct job_bounces_file *f, struct lg_err *err)
{
	struct import I = {
		.o = o,
		.now = o->now,
		.ctx = o->ctx ? o->ctx : conf_verify_ctx(o->conf),
		.want = want,
	};
	struct job_import_opts io = {
		.db = o->db,
		.list = o->list,
		.files = o->files,
		.n = o->n,
		.max = BOUNCE_FILE_MAX,
		.now = o->now,
		.one = import_one,
		.done = import_done,
		.arg = &I,
		.notice = o->notice,
		.notice_arg = o->arg,
		.store = s,
		.name = name,
		.body = data,
		.len = len,
	};
	enum lg_status st = job_import(&io, rep, err);
	if (st == LG_OK && f)
		*f = I.f;
	lg_buf_release(&I.key);
	lg_buf_release(&I.contact);
	lists_clear(&I);
	free(I.lists);
	if (!o->ctx)
		verify_ctx_free(I.ctx);
	return st;
}

enum lg_status job_bounces_import_body(const struct job_bounces_opts *o, struct store *s,
				       const char *name, const char *data, size_t len, int want,
				       struct job_bounces_file *f, struct lg_err *err)
{
	struct job_import_report rep;
	memset(f, 0, sizeof(*f));
	return run(o, s, name, data, len, want, &rep, f, err);
}

enum lg_status job_bounces_import(const struct job_bounces_opts *o, struct job_import_report *rep,
				  struct lg_err *err)
{
	return run(o, NULL, NULL, NULL, 0, -1, rep, NULL, err);
}
