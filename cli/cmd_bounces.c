/*
 * cmd_bounces.c - `leadgate bounces import [--list NAME] FILE...`: bounce
 * events into the store.  Each file is imported in one transaction, so a
 * run that is killed imports each file wholly or not at all; an event
 * already imported (same key) adds nothing, so running again is safe.
 */
#include "cli.h"
#include "bounce/bounce.h"
#include "conf/conf.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define BOUNCE_FILE_MAX (1024u * 1024 * 1024) /* a larger file is refused */
#define WARN_BAD_MAX 20                       /* bad records listed one by one */

static const struct cli_option bounces_opts[] = {
	{"list", 'l', "NAME", "the list these bounces came from (else: found from exports)"},
	{"config", 'c', "FILE", "read this configuration file"},
	{"quiet", 'q', NULL, "print only errors"},
	CLI_COMMON_OPTS,
	{"help", 'h', NULL, "show this help and exit"},
	{NULL, 0, NULL, NULL},
};

struct bounces_args {
	const char *list, *config;
	bool quiet;
};

static int on_opt(void *arg, int key, const char *val)
{
	struct bounces_args *a = arg;
	switch (key) {
	case 'l': a->list = val; return -1;
	case 'c': a->config = val; return -1;
	case 'q': a->quiet = true; return -1;
	}
	return CLI_EUSAGE;
}

static void help(void)
{
	cli_usage(stdout, "leadgate bounces import [OPTIONS] FILE...",
		  "Import bounce events: CSV (email, type, code, reason, time), the JSON of\n"
		  "Amazon SES notifications, the SendGrid event webhook, Mailgun events and\n"
		  "Postmark bounce webhooks, RFC 3464 delivery status notifications, or the\n"
		  "bounce messages of Gmail, Exim, qmail, Exchange and Postfix; the\n"
		  "format is detected.  Each event is classified hard, soft or block (or a\n"
		  "complaint or unsubscribe).  A hard bounce, complaint or unsubscribe\n"
		  "suppresses the address: no export ever contains it again, and a hard\n"
		  "bounce makes its verdict undeliverable (bounce.hard).  Importing the same\n"
		  "events again adds nothing.  A file that cannot be used is named and the\n"
		  "others are imported; the exit status is then 65.",
		  bounces_opts);
}

struct import {
	struct bounces_args a;
	struct store *store;
	struct verify_ctx *ctx;
	struct store_run run;
	const char *file;
	int64_t now;
	unsigned long bad, by_type[BOUNCE_TYPE_COUNT], added, dup, suppressed;
	unsigned long notices;     /* BOUNCE_SUPPRESSED: a provider's, not bounce events */
	struct bounce_stats stats; /* of the file being imported */
	struct lg_buf key;
	struct lg_buf contact; /* the event's contact key */
};

static void on_bad(void *arg, unsigned long line, const char *why)
{
	struct import *I = arg;
	if (++I->bad <= WARN_BAD_MAX)
		cli_error("%s:%lu: %s (not imported)", I->file, line, why);
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
		st = store_suppress(I->store, I->contact.data, I->contact.len, STORE_SUPPRESS_PROVIDER,
				    ev->occurred_at ? ev->occurred_at : I->now, &newly, err);
		if (st == LG_OK) {
			I->notices++;
			I->suppressed += newly;
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
		.address = I->contact.data, .address_len = I->contact.len,
		.type = bounce_type_name(ev->type),
		.status = ev->status, .code = ev->code, .reason = ev->reason,
		.format = bounce_format_name(ev->format), .key = I->key.data,
		.occurred_at = ev->occurred_at,
	};
	if ((st = store_bounce_add(I->store, &I->run, &sb, I->now, &eff, err)) != LG_OK)
		return st;
	if (eff == STORE_BOUNCE_DUPLICATE) {
		I->dup++;
		return LG_OK;
	}
	I->added++;
	I->by_type[ev->type]++;
	if (eff == STORE_BOUNCE_SUPPRESSED)
		I->suppressed++;
	return LG_OK;
}


/* One file (cli_import_files' callback), in its transaction. */
static enum lg_status import_one(void *arg, const char *file, const char *data, size_t len,
				 const struct store_run *run, struct lg_err *err)
{
	struct import *I = arg;
	I->file = file;
	I->run = *run;
	I->bad = I->added = I->dup = I->suppressed = I->notices = 0;
	memset(I->by_type, 0, sizeof(I->by_type));
	return bounce_parse(data, len, I->file, on_event, on_bad, I, &I->stats, err);
}

/* A file is imported: its summary. */
static void import_done(void *arg, const char *file)
{
	struct import *I = arg;
	const struct bounce_stats *bs = &I->stats;
	char notices[64] = "";
	if (I->notices)
		snprintf(notices, sizeof(notices), "%lu suppression notices of the provider, ",
			 I->notices);
	if (I->bad > WARN_BAD_MAX)
		cli_error("%s: %lu more records not imported, not listed", file, I->bad - WARN_BAD_MAX);
	if (!I->a.quiet)
		fprintf(stderr,
			"leadgate bounces: %s (%s): %lu events new (hard %lu, soft %lu, block %lu, "
			"complaint %lu, unsubscribe %lu), %lu imported before, %s%lu addresses newly "
			"suppressed, %lu not imported, %lu other events ignored\n",
			file, bounce_format_name(bs->format), I->added, I->by_type[BOUNCE_HARD],
			I->by_type[BOUNCE_SOFT], I->by_type[BOUNCE_BLOCK], I->by_type[BOUNCE_COMPLAINT],
			I->by_type[BOUNCE_UNSUBSCRIBE], I->dup, notices, I->suppressed, I->bad,
			bs->ignored);
}

int cmd_bounces(int argc, char **argv)
{
	struct import I = {0};
	struct conf conf;
	struct lg_err err = {{0}};
	enum lg_status st, unreadable;
	int first, rc, failed = 0, nfiles;
	int64_t list_id = 0;
	bool *ok = NULL;

	rc = cli_parse(argc, argv, "bounces", bounces_opts, help, on_opt, &I.a, &first);
	if (rc < 0)
		rc = cli_import_operands(argc, argv, &first, "bounces");
	if (rc >= 0)
		return rc;
	rc = 0;
	I.now = cli_now();
	nfiles = argc - first;
	ok = lg_xcalloc((size_t)nfiles, sizeof(*ok));
	conf_init(&conf);
	if ((st = conf_load(&conf, I.a.config, &err)) != LG_OK)
		goto out;
	if (!cli_import_readable(argv + first, nfiles, ok, &unreadable)) {
		rc = lg_exit_code(unreadable); /* said; and no database is made */
		goto out;
	}
	st = store_open(&I.store, cli_common.db, STORE_CREATE, &err);
	if (st == LG_OK && I.a.list) {
		struct store_list_info li;
		if ((st = store_list_get(I.store, I.a.list, &li, &err)) == LG_OK)
			list_id = li.id;
	}
	if (st != LG_OK)
		goto out;
	I.ctx = conf_verify_ctx(&conf);
	st = cli_import_files(I.store, list_id, I.now, argv + first, nfiles, ok, BOUNCE_FILE_MAX,
			      import_one, import_done, &I, &failed, &err);
	if (st == LG_OK)
		rc = cli_import_status("bounces", failed, nfiles);
out:
	free(ok);
	lg_buf_release(&I.key);
	lg_buf_release(&I.contact);
	verify_ctx_free(I.ctx);
	store_close(I.store);
	conf_release(&conf);
	if (st != LG_OK) {
		cli_error("%s", err.msg[0] ? err.msg : lg_strerror(st));
		return lg_exit_code(st);
	}
	return rc;
}
