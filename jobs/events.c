/*
 * events.c - the event import: engagement and intent events into the
 * store, as NDJSON (one object a line) or CSV (a header row); the format
 * is told from the first character.  Each file is imported in one
 * transaction (import.c), so a run that is killed imports each file
 * wholly or not at all; an event_id imported before adds nothing, so
 * running again is safe.  Events may come in any order: scoring sorts
 * them by time, so a late event counts as if it had come in order.
 */
#include "jobs.h"
#include "conf/conf.h"
#include "engage/engage.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EVENTS_FILE_MAX ((size_t)1 << 32) /* a larger file is refused (4 GiB) */
#define WARN_BAD_MAX 20                   /* bad records listed one by one */

struct import {
	const struct job_events_opts *o;
	const struct conf *conf;
	struct store *store;
	struct verify_ctx *ctx;
	struct engage_parser *parser;
	const struct engage_map *map; /* --map, borrowed from conf; or NULL */
	struct store_run run;
	const char *file;
	int64_t now;
	struct job_events_file f; /* of the file being imported */
	struct lg_buf key;
	bool ndjson_only; /* a body that is not NDJSON is not of the kind */
};

static void bad(struct import *I, unsigned long line, const char *why)
{
	if (++I->f.bad <= WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg, "%s:%lu: %s (not imported)", I->file, line, why);
}

/* What a key names: a contact (its address), an account by its domain, or
 * the account of a contact's address. */
enum key_kind { KEY_CONTACT, KEY_DOMAIN, KEY_ADDRESS_ACCOUNT };

/* The key events are kept under: a contact's key, or an account's
 * (verify_contact_key, verify_account_key: the registrable domain, so that
 * the events of www.acme.com are acme.com's).  NULL when s is not a valid
 * address, or domain. */
static const char *key_of(struct import *I, const char *s, enum key_kind kind)
{
	const char *acct;
	size_t n;
	switch (kind) {
	case KEY_CONTACT:
		return verify_contact_key_of(I->ctx, s, strlen(s), &I->key, NULL) ? I->key.data
										  : NULL;
	case KEY_ADDRESS_ACCOUNT: {
		/* the account of the address's contact, as scoring finds it;
		 * an address that is not valid gives its account by the
		 * domain after its last @, which may still be */
		struct verify_result v;
		verify_address(I->ctx, s, strlen(s), &v);
		if ((n = verify_account_key(&v, &acct)))
			return acct;
		const char *at = strrchr(s, '@');
		s = at ? at + 1 : "";
		break;
	}
	case KEY_DOMAIN: break;
	}
	n = verify_domain_account(I->ctx, s, strlen(s), &acct);
	return n ? acct : NULL;
}

static enum lg_status add(struct import *I, unsigned long line, const struct engage_rec *e,
			  struct lg_err *err)
{
	const struct scoring_rubric *r = &I->conf->rubric;
	int t = scoring_type_find(r, e->type, strlen(e->type));
	bool account = e->email == NULL;
	enum key_kind kind = account ? KEY_DOMAIN : KEY_CONTACT;
	const char *key = account ? e->domain : e->email;
	if (t >= 0 && r->cls[r->type[t].cls].axis == SCORING_INTENT && !account) {
		/* an account's event (funding, a hiring surge ...) that came with a
		 * contact's address: the account is the address's domain's */
		kind = e->domain ? KEY_DOMAIN : KEY_ADDRESS_ACCOUNT;
		key = e->domain ? e->domain : e->email;
		account = true;
	}
	const char *k = key_of(I, key, kind);
	if (!k) {
		bad(I, line,
		    account ? "the domain is not a valid domain"
			    : "the email is not a valid address");
		return LG_OK;
	}
	struct store_event se = {
		.event_id = e->event_id,
		.address = account ? NULL : k,
		.account = account ? k : NULL,
		.type = e->type,
		.channel = e->channel,
		.asset = e->asset,
		.occurred_at = e->occurred_at,
		.count = e->count,
		.props = e->props,
	};
	bool added;
	enum lg_status st = store_event_add(I->store, &I->run, &se, &added, err);
	if (st != LG_OK)
		return st;
	if (!added) {
		I->f.dup++;
		return LG_OK;
	}
	I->f.added++;
	(account ? &I->f.account : &I->f.contact)[0]++;
	if (t < 0 && ++I->f.unknown <= WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg,
			 "%s:%lu: unknown event type '%s' (imported; it scores nothing until "
			 "[scoring] event.%s names it)",
			 I->file, line, e->type, e->type);
	return LG_OK;
}

static enum lg_status import_ndjson(struct import *I, const char *data, size_t len,
				    struct lg_err *err)
{
	unsigned long line = 0;
	const char *p = data, *end = data + len;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3; /* a UTF-8 byte order mark */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct engage_rec rec;
		const char *why;
		line++;
		if (engage_parse_json(I->parser, p, (size_t)(e - p), &rec, &why) != LG_OK)
			bad(I, line, why);
		else if (rec.ignored)
			I->f.ignored++;
		else if (rec.event_id) {
			enum lg_status st = add(I, line, &rec, err);
			if (st != LG_OK)
				return st;
		}
		p = nl ? nl + 1 : end;
	}
	return LG_OK;
}

/* The file, already read into data, as a descriptor the CSV reader can
 * read: the file itself may have been a pipe, which cannot be read twice. */
static int memory_fd(const char *data, size_t len)
{
	int fd = memfd_create("leadgate-events", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A header that is not an events file's, but one a map of the
 * configuration reads: say which ("... (a file of [events.map.hubspot]:
 * give --map hubspot)"). */
static void map_hint(struct import *I, const struct io_row *h, char *out, size_t cap)
{
	struct engage_parser *p = engage_parser_new();
	for (size_t i = 0; i < I->conf->n_event_map; i++) {
		const struct engage_map *m = &I->conf->event_map[i].map;
		const char *why;
		engage_parser_set_map(p, m);
		if (engage_csv_header(p, h->field, h->len, h->n, &why) == LG_OK) {
			snprintf(out, cap, " (a file of [events.map.%s]: give --map %s)", m->name,
				 m->name);
			break;
		}
	}
	engage_parser_free(p);
}

static enum lg_status import_csv(struct import *I, const char *data, size_t len, struct lg_err *err)
{
	struct io_reader *rd = NULL;
	const struct io_row *row;
	const char *why;
	int fd = memory_fd(data, len);
	if (fd < 0)
		return lg_err_set(err, LG_EIO, "%s: %s", I->file, strerror(errno));
	enum lg_status st = io_reader_new(&rd, fd, I->file, err);
	if (st == LG_OK) {
		const struct io_row *h = io_reader_header(rd);
		if (engage_csv_header(I->parser, h->field, h->len, h->n, &why) != LG_OK) {
			char hint[128] = "";
			if (!I->map)
				map_hint(I, h, hint, sizeof(hint));
			st = lg_err_set(err, LG_EDATA, "%s:%lu: not an events file: %s%s", I->file,
					h->line, why, hint);
		}
	}
	while (st == LG_OK && (st = io_reader_next(rd, &row, err)) == LG_OK && row) {
		struct engage_rec rec;
		if (engage_parse_csv(I->parser, row->field, row->len, row->n, &rec, &why) != LG_OK)
			bad(I, row->line, why);
		else if (rec.ignored)
			I->f.ignored++;
		else
			st = add(I, row->line, &rec, err);
	}
	io_reader_free(rd);
	close(fd);
	return st;
}

/* NDJSON when the first character that is not blank (or a BOM) is '{'. */
static bool is_ndjson(const char *d, size_t n)
{
	size_t i = 0;
	if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < n && lg_ascii_is_space((unsigned char)d[i]))
		i++;
	return i < n && d[i] == '{';
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
	I->f.ndjson = is_ndjson(data, len);
	if (I->ndjson_only && !I->f.ndjson)
		return lg_err_set(err, LG_EDATA, "%s: not NDJSON (one JSON object a line)", file);
	return I->f.ndjson ? import_ndjson(I, data, len, err) : import_csv(I, data, len, err);
}

/* A file is imported: its summary. */
static void import_done(void *arg, const char *file)
{
	struct import *I = arg;
	if (I->f.bad > WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg, "%s: %lu more records not imported, not listed",
			 file, I->f.bad - WARN_BAD_MAX);
	if (I->f.unknown > WARN_BAD_MAX)
		job_warn(I->o->notice, I->o->arg,
			 "%s: %lu more events of unknown types, not listed", file,
			 I->f.unknown - WARN_BAD_MAX);
	if (I->o->done)
		I->o->done(I->o->arg, file, &I->f);
}

/* The import of o's files or, with s, of one NDJSON body on s
 * (job_import): one setup for both.  The body's counts into *f. */
static enum lg_status run(const struct job_events_opts *o, struct store *s, const char *name,
			  const char *data, size_t len, struct job_import_report *rep,
			  struct job_events_file *f, struct lg_err *err)
{
	struct import I = {
		.o = o,
		.conf = o->conf,
		.map = o->map,
		.now = o->now,
		.ctx = o->ctx ? o->ctx : conf_verify_ctx(o->conf),
		.parser = engage_parser_new(),
		.ndjson_only = s != NULL,
	};
	engage_parser_set_map(I.parser, I.map);
	struct job_import_opts io = {
		.db = o->db,
		.files = o->files,
		.n = o->n,
		.max = EVENTS_FILE_MAX,
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
	engage_parser_free(I.parser);
	if (!o->ctx)
		verify_ctx_free(I.ctx);
	return st;
}

enum lg_status job_events_import_body(const struct job_events_opts *o, struct store *s,
				      const char *name, const char *data, size_t len,
				      struct job_events_file *f, struct lg_err *err)
{
	struct job_import_report rep;
	memset(f, 0, sizeof(*f));
	return run(o, s, name, data, len, &rep, f, err);
}

enum lg_status job_events_import(const struct job_events_opts *o, struct job_import_report *rep,
				 struct lg_err *err)
{
	return run(o, NULL, NULL, NULL, 0, rep, NULL, err);
}
