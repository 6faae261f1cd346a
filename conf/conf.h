/*
 * conf.h - leadgate's configuration: the built-in data lists and policy,
 * and the loader of the INI-style configuration file that extends them.
 *
 * The shipped lists (conf/lists/ *.txt) are compiled into the program, so
 * it runs from any directory; a configuration file adds to them.  The
 * search order is documented in leadgate(1), FILES.
 */
#ifndef LG_CONF_H
#define LG_CONF_H

#include "common/common.h"
#include "decay/decay.h"
#include "engage/engage.h"
#include "handoff/route.h"
#include "handoff/targets.h"
#include "scoring/scoring.h"
#include "serve/esp.h"
#include "serve/serve.h"
#include "verify/verify.h"

/* A list of lower-cased entries; items are borrowed from the conf. */
struct conf_list {
	const char **item;
	size_t n, cap;
};

/* A list source with its own decay rate ("zoominfo", "apollo" ...). */
struct conf_source_rate {
	const char *source; /* lower-case; borrowed from the conf */
	double monthly_rate;
};

/*
 * [events.map.NAME]: an export of another shape, for `events import --map
 * NAME`.  map borrows the arrays below and the conf's strings; the type
 * values' targets are checked against the rubric once the file is read.
 */
struct conf_event_map {
	struct engage_map map;        /* map.name lower-case */
	struct engage_map_type *type; /* owned; n_type in map.n_type */
	unsigned *type_line;          /* owned: the line of each (0: built in) */
	struct engage_map_skip *skip; /* owned; n_skip in map.n_skip */
};

/*
 * [smtp]: mailbox probing (smtp/smtp.h), off unless enabled (or --smtp).
 * Strings borrowed from the conf's arena; NULL when not given.  Times in
 * milliseconds but the greylisting wait and delay, in seconds.
 */
struct conf_smtp {
	bool enabled;
	bool tls;              /* STARTTLS when offered (true) */
	bool allow_private;    /* probe MX hosts at non-public addresses too (false) */
	const char *helo;      /* the EHLO name: a host name the operator controls */
	const char *mail_from; /* an address on helo's domain */
	const char *proxy;     /* socks5://HOST:PORT, or NULL */
	int port;              /* 25 */
	int per_host, total;   /* sessions at once to one host address (2), in all (64) */
	int rcpt_max;          /* recipients a session (25) */
	int interval_ms;       /* between two session starts to one host address (250; 0: none) */
	int connect_ms, banner_ms, reply_ms; /* 10000, 30000, 20000 */
	int greylist_wait_s;  /* greylisted addresses retried this long (300; 0: not) */
	int greylist_delay_s; /* when the reply names no delay (60) */
	unsigned helo_line, mail_from_line; /* where the file gave them, for messages */
	const char *file;                   /* the file that gave [smtp] keys, or NULL */
};

#define CONF_ESP_KEYS                                                                              \
	6 /* the secrets of [esp]: signing key, public key, two users, two passwords */

struct conf {
	struct conf_list role;       /* role local parts: info, sales, ... */
	struct conf_list free;       /* free mail provider domains */
	struct conf_list disposable; /* disposable registrable domains */
	struct conf_list typo;       /* typo targets, in priority order */
	struct conf_list allow;      /* never flagged disposable or typo */
	struct conf_list smtp_skip;  /* MX host suffixes whose RCPT TO answer means nothing */
	unsigned typo_frequent_min;  /* a domain seen this often in a list is a typo target */
	double dns_unanswered_max;   /* a run whose looked-up domains end unanswered (timeout,
				      * SERVFAIL) above this share exits 75: 0.5 */
	struct decay_policy decay;   /* [decay]: the default freshness policy */
	struct conf_source_rate
		*source_rate; /* [decay] monthly_rate.SOURCE = ...; n_source_rate of them */
	size_t n_source_rate;
	struct verify_gate_policy gate; /* [gate] */
	struct scoring_rubric rubric;   /* [scoring]: checked (scoring_rubric_check) */
	struct serve_conf serve;        /* [serve]: `leadgate serve`; listen borrowed from arena */
	struct conf_list competitor; /* [scoring] competitor domains; rubric.competitor borrows it */
	bool icp_replaced[3];        /* an icp.FIELD key replaced that field's built-in rules */
	struct conf_event_map *event_map; /* [events.map.NAME], built-in first; n_event_map */
	size_t n_event_map;
	/* [esp]: the webhooks' credentials as the file writes them (a value,
	 * env:NAME or file:PATH, PATH made absolute), read by conf_esp_policy();
	 * esp_line[] the line of each key (0: not given), esp_file the file. */
	struct esp_policy esp;
	struct conf_smtp smtp; /* [smtp] */
	/* [handoff], [route.NAME], [team.NAME], [rep.NAME] (conf/handoff.c);
	 * strings borrowed from the arena */
	struct route_conf handoff;
	unsigned esp_line[CONF_ESP_KEYS];
	const char *esp_file; /* borrowed from the arena */
	char *path;           /* the file read, or NULL; owned */
	struct lg_arena arena;
};

/* Fill c with the built-in lists and defaults.  Release with conf_release. */
void conf_init(struct conf *c);
void conf_release(struct conf *c);

/*
 * Read the configuration file into c (after conf_init).  path is the
 * --config argument or NULL to search $LEADGATE_CONFIG, then
 * $XDG_CONFIG_HOME/leadgate/leadgate.conf (~/.config/...), then
 * SYSCONFDIR/leadgate/leadgate.conf; none found is not an error.
 * Errors name the file and line: LG_ECONFIG.
 */
enum lg_status conf_load(struct conf *c, const char *path, struct lg_err *err);

/* Parse configuration text; name is used in messages, dir resolves paths. */
enum lg_status conf_load_text(struct conf *c, const char *text, size_t len, const char *name,
			      const char *dir, struct lg_err *err);

/*
 * The freshness policy for records from a list source ("zoominfo"): the
 * [decay] policy with the source's own monthly_rate when the file set
 * monthly_rate.SOURCE (matched ignoring ASCII case), else the [decay]
 * policy itself.  source may be NULL or "" (no source known).
 */
void conf_decay_policy(const struct conf *c, const char *source, struct decay_policy *out);

/* The map [events.map.NAME] called name (ASCII case ignored), or NULL;
 * borrowed from c. */
const struct engage_map *conf_event_map(const struct conf *c, const char *name);

/*
 * The [esp] policy with its secrets read, for the webhook routes: a value
 * written env:NAME is that environment variable's, file:PATH that file's
 * content (one line end at its end dropped), any other the value itself.
 * They are read when this is called, not when the file is loaded, so that
 * a command that takes no webhooks needs none of them.  The strings are
 * borrowed from c.  LG_ECONFIG naming the file, the line and the key: a
 * variable unset or empty, a file unreadable or empty, a value that
 * esp_policy_check() refuses.
 */
enum lg_status conf_esp_policy(struct conf *c, struct esp_policy *out, struct lg_err *err);

/*
 * The token of team t's target k (HubSpot, Salesforce) into out (reset;
 * NUL-terminated; empty for Slack or when none is set): the value as
 * written, $NAME of env:NAME, or the one line of file:PATH.  Read when a
 * message is sent, so that a rotated token counts from the next attempt.
 * LG_ECONFIG naming the file, the line and the key: a variable unset or
 * empty, a file unreadable, empty or of more than one line.  out may hold
 * a secret: the caller wipes it.
 */
enum lg_status conf_handoff_token(const struct route_conf *h, const struct route_team *t,
				  enum target_kind k, struct lg_buf *out, struct lg_err *err);

/* What verify_ctx_new takes, from c's lists (borrowed from c). */
void conf_verify_policy(const struct conf *c, struct verify_policy *out);
/* A verify context for c's lists: verify_ctx_new(conf_verify_policy). */
struct verify_ctx *conf_verify_ctx(const struct conf *c);

/*
 * The prober's options from [smtp] (strings borrowed from c): LG_ECONFIG,
 * saying what and where, when the identity is missing or refused
 * (conf_smtp_check).  Called only when probing is on: without it [smtp]
 * may say nothing.
 */
struct smtp_opts;
enum lg_status conf_smtp_opts(const struct conf *c, struct smtp_opts *out, struct lg_err *err);
/*
 * Is the identity one a prober may use?  helo: a host name (letters,
 * digits, '-', labels between dots, two labels at least), not
 * example.com, .net, .org, localhost or a name under them; mail_from: an
 * address whose domain is such a name, helo itself or one helo is under
 * (mail.acme.io and probe@acme.io).  LG_ECONFIG with the reason.
 */
enum lg_status conf_smtp_check(const struct conf *c, struct lg_err *err);
/* Is p a proxy as [smtp] proxy and --smtp-proxy take it, socks5://HOST:PORT
 * (an IPv6 address in brackets)? */
bool conf_smtp_proxy_ok(const char *p);
/*
 * Resolve [smtp] proxy's HOST now, once (getaddrinfo: it may block), and
 * put the address in its place (socks5://ADDR:PORT, [ADDR] for IPv6), so
 * that every prober made later from c parses the address without a
 * lookup.  LG_OK with no proxy; LG_ECONFIG, saying why, when the name
 * does not resolve.
 */
enum lg_status conf_smtp_proxy_resolve(struct conf *c, struct lg_err *err);
/*
 * Is mx[0..len) (an MX host name, a trailing dot allowed) one of those
 * whose answer to RCPT TO says nothing about the mailbox
 * (conf/lists/smtp-skip.txt): does it end, on a label boundary, with a
 * suffix of c->smtp_skip?  ASCII case ignored.  Its addresses are not
 * probed.
 */
bool conf_smtp_skip(const struct conf *c, const char *mx, size_t len);

/* Add the entries of list text (one a line, # comments) to l. */
void conf_list_add_text(struct conf *c, struct conf_list *l, const char *text, size_t len);

#endif
