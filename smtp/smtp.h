/*
 * smtp.h - mailbox probing: ask a domain's mail host whether a mailbox
 * exists, with RCPT TO, never sending a message.
 *
 * Per domain, one session carries many recipients (RFC 5321 3.3): connect
 * to the preferred MX host, falling back to the next one when a host
 * refuses, times out or answers 421; EHLO, STARTTLS when offered (RFC 3207;
 * GnuTLS, opportunistic: no certificate check, as RFC 7435 says of MX hosts
 * without DANE or MTA-STS); MAIL FROM; once per domain one RCPT TO with a
 * random local part to tell a catch-all domain; one RCPT TO per address,
 * up to a number per session, a new session on 452 4.5.3; QUIT.  Never
 * DATA.
 *
 * Politeness: at most per_host sessions at once to one host address, at
 * most total in all, and interval_ms between two session starts to one
 * host address.  Timeouts per phase.
 *
 * Replies are read by their enhanced status code first (RFC 3463), then
 * the basic code (RFC 5321 4.2), and their text only as a last resort
 * (smtp_reply_classify).  A failure to decide is never "no mailbox": a
 * block, a timeout or a refusal says nothing about the mailbox.
 *
 * Greylisting (a 4xx the server means as "come back later") is retried in
 * a later session, after the delay the reply names or greylist_delay_s,
 * while greylist_wait_s lasts; an address still deferred then ends
 * SMTP_GREYLISTED.
 *
 * A prober serves one thread and does its work in the steps of the event
 * loop it is given (loop/loop.h), like the resolver (dns/dns.h).  Only
 * smtp/ includes <gnutls/gnutls.h> for its sessions.
 */
#ifndef LG_SMTP_H
#define LG_SMTP_H

#include "common/common.h"

/* What a probe found out about one address.  The numbers are kept in the
 * store: they never change, and new outcomes are appended. */
enum smtp_outcome {
	SMTP_PENDING = 0, /* not decided yet */
	SMTP_ACCEPTED,    /* 250/251 to the address, and the domain is no catch-all */
	SMTP_CATCH_ALL,   /* accepted, but so was a random local part */
	SMTP_NO_MAILBOX,  /* 5.1.1, 5.1.0, 5.1.10, 550 "user unknown" ... */
	SMTP_DISABLED,    /* 5.2.1: the mailbox is disabled */
	SMTP_FULL,        /* 5.2.2 / 552: the mailbox is full */
	SMTP_BLOCKED,     /* 5.7.x or a block-list reply: says nothing of the mailbox */
	SMTP_GREYLISTED,  /* still deferred when the greylisting wait ran out */
	SMTP_TIMEOUT,     /* 421, or a timeout, on every MX host */
	SMTP_NO_CONNECT,  /* no MX host took a connection (refused, unreachable, dropped) */
	SMTP_UNDECIDED,   /* a reply that says nothing usable (5.5.x, 5.3.x, other 4xx) */
	SMTP_NOT_PROBED,  /* no session was tried: the domain has no MX host to ask */
	SMTP_OUTCOME_COUNT
};

/* "accepted", "catch_all" ...; static storage. */
const char *smtp_outcome_name(enum smtp_outcome o);

/* ---- replies (reply.c): pure ---- */

/* The step of a session a reply answers. */
enum smtp_phase {
	SMTP_PH_BANNER,   /* the 220 greeting */
	SMTP_PH_EHLO,     /* EHLO (or HELO) */
	SMTP_PH_STARTTLS, /* STARTTLS */
	SMTP_PH_MAIL,     /* MAIL FROM */
	SMTP_PH_RCPT,     /* RCPT TO */
};

/* A complete reply, its lines joined (RFC 5321 4.2.1: "250-..." lines,
 * then "250 ..."). */
struct smtp_reply {
	uint16_t code;   /* the basic code, 200..599 */
	uint16_t enh[3]; /* the enhanced code class.subject.detail, 0.0.0 if none (RFC 3463:
			   * subject and detail up to 3 digits, as Microsoft's 5.7.606) */
	bool has_enh;    /* a line of the reply carries an enhanced code (the last one that does) */
	uint32_t delay_s; /* a retry delay the text names ("try again in 300 seconds"), 0 if none */
	const char *text; /* the text after the codes, lines joined by '\n'; borrowed */
	size_t text_len;
};

/* What a reply means at its phase. */
enum smtp_meaning {
	SMTP_M_OK,         /* go on (2xx; 3xx where one is expected) */
	SMTP_M_NO_MAILBOX, /* RCPT: the mailbox does not exist */
	SMTP_M_DISABLED,   /* RCPT: the mailbox is disabled */
	SMTP_M_FULL,       /* RCPT: the mailbox is full */
	SMTP_M_BLOCKED,    /* a policy block, a block list: try no other address here */
	SMTP_M_GREYLIST,   /* come back later (greylisting) */
	SMTP_M_TOO_MANY,   /* 452 4.5.3 and kin: go on in a new session */
	SMTP_M_NEXT_HOST,  /* 421 and kin: this host will not talk now, try the next MX */
	SMTP_M_TLS_NEEDED, /* 530 5.7.0 "must issue STARTTLS first" */
	SMTP_M_UNDECIDED,  /* anything else: not a verdict */
};

/*
 * Feed one line (without its CRLF) of a server's reply to r, which
 * starts zeroed.  Returns 1 when the line ends the reply (r is complete:
 * its text points into buf, which collects the lines), 0 when more lines
 * follow, -1 when the line is no reply line (no 3-digit code, or a code
 * that changes between lines): a protocol error.  buf is the caller's and
 * is reset by the caller between replies.
 */
int smtp_reply_line(struct smtp_reply *r, struct lg_buf *buf, const char *line, size_t len);

/* What reply r means at phase ph (the table in reply.c cites the RFCs). */
enum smtp_meaning smtp_reply_classify(enum smtp_phase ph, const struct smtp_reply *r);

/* "550 5.1.1" (or "550" without an enhanced code) into out, which holds
 * at least 16 bytes; returns the length. */
size_t smtp_reply_brief(const struct smtp_reply *r, char *out, size_t cap);

/* ---- the prober (prober.c, session.c, tls.c, socks.c) ---- */

/* One address a host name resolved to. */
struct smtp_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

/* A domain's mail hosts, lowest preference first (dns_resolver_hosts
 * gives them).  name and addr are borrowed for the call they are given
 * in: the prober copies what it keeps. */
#define SMTP_HOSTS_MAX 4
#define SMTP_HOST_ADDRS_MAX 4
struct smtp_host {
	const char *name;
	uint8_t naddr;
	struct smtp_addr addr[SMTP_HOST_ADDRS_MAX];
};

/*
 * The defaults, and why.  RFC 5321 4.5.3.2 gives a sending MTA 5 minutes
 * for the greeting, 5 for MAIL and RCPT: right for delivering mail,
 * far too long for asking about a mailbox, where a host that slow is
 * either a tarpit (slowing down suspected spammers on purpose) or down.
 * Verifiers use 10 to 30 s; we take:
 *   connect_ms 10 s: a live host on the other side of the world
 *     answers a SYN in well under a second; 10 s covers a lost SYN and
 *     its retransmissions (1 s, then 2 s) twice over.
 *   banner_ms 30 s: the greeting is where tarpits and pre-greeting
 *     checks (Postfix's postscreen waits 6 s by default, some set 20 s
 *     or more) hold a client back; a little above what they use.
 *   reply_ms 20 s: RCPT TO may wait on a recipient lookup (LDAP, a
 *     callout to an internal host); seconds are normal, 20 s is not.
 *   per_host 2, total 64: many domains share one provider's hosts, and
 *     more than a couple of sessions at once from one address is what
 *     rate limits and block lists look for; 64 keeps a run's sockets few.
 *   interval_ms 250: no burst of sessions at one host.
 *   rcpt_max 25: well below the 100 recipients RFC 5321 4.5.3.1.8 lets
 *     a server stop at; a 452 past a lower limit costs one more session.
 *   greylist_delay_s 60, greylist_wait_s 300: greylisters (postgrey)
 *     defer a new sender 60 to 300 s; a run waits that long at most.
 */
struct smtp_opts {
	const char *helo;      /* EHLO name: a host name the operator controls (required) */
	const char *mail_from; /* MAIL FROM address on that domain (required) */
	uint16_t port;         /* 0: 25 */
	const char *proxy;   /* "socks5://HOST:PORT" (RFC 1928, no authentication), NULL: direct */
	unsigned per_host;   /* sessions at once to one host address (0: 2) */
	unsigned total;      /* sessions at once in all (0: 64) */
	unsigned rcpt_max;   /* recipients per session (0: 25) */
	int interval_ms;     /* between two session starts to one host address (0: 250; <0: none) */
	int connect_ms;      /* TCP connect (and the proxy's reply) (0: 10000) */
	int banner_ms;       /* the 220 greeting (0: 30000) */
	int reply_ms;        /* every other reply, the TLS handshake (0: 20000) */
	int greylist_wait_s; /* how long greylisted addresses are retried (0: 300; <0: never) */
	int greylist_delay_s; /* retry delay when the reply names none (0: 60) */
	bool no_tls;          /* never STARTTLS (a server that requires it is SMTP_UNDECIDED) */
	bool allow_private; /* also hosts at loopback, private, link-local ... addresses (tests) */
	/* A result decided this many seconds ago or more is asked again when
	 * its address is added again, and a domain dead that long (no host
	 * took the session, or one blocked us) gets sessions again: the
	 * service's answers do not last for ever.  It resets the result in
	 * place, so a result must not be held that long.  0: results last
	 * as long as the prober (a job's). */
	int result_ttl_s;
	int64_t now; /* the wall clock (Unix time) for decided_at: 0 reads the system clock */
};

/* One address's answer.  Borrowed from the prober (smtp_prober_add). */
struct smtp_result {
	uint8_t outcome;     /* enum smtp_outcome */
	uint8_t tls;         /* the deciding session ran over TLS */
	uint8_t host;        /* the index of the MX host that decided */
	uint8_t attempts;    /* sessions the address was tried in */
	uint32_t decided_at; /* Unix time, 0 while pending */
	char reply[16];      /* the deciding reply, smtp_reply_brief's ("550 5.1.1"), "" if none */
};

/* A domain's catch-all state, as the store keeps it. */
enum smtp_catch_all {
	SMTP_CA_UNKNOWN = 0, /* not probed, or the probe decided nothing */
	SMTP_CA_NO,          /* a random local part was refused as no mailbox */
	SMTP_CA_YES,         /* a random local part was accepted */
};

/* Called once per domain whose catch-all state a probe found (not
 * SMTP_CA_UNKNOWN), in a step of the loop, so that the caller can keep it. */
typedef void smtp_domain_fn(void *arg, const char *domain, size_t len, enum smtp_catch_all ca,
			    uint32_t at);

struct smtp_stats {
	size_t domains;     /* domains given hosts */
	size_t addresses;   /* distinct addresses added */
	size_t asked_again; /* addresses added again after result_ttl_s (asked again) */
	size_t sessions;    /* sessions opened (connected) */
	size_t connects_failed;
	size_t tls;           /* sessions that ran STARTTLS */
	size_t rcpts;         /* RCPT TO sent, catch-all probes included */
	size_t retries;       /* greylisting retries */
	size_t peak_sessions; /* most sessions open at once */
	size_t refused;       /* host addresses left out: not public (allow_private) */
	size_t outcome[SMTP_OUTCOME_COUNT];
};

struct smtp_prober;
struct loop;

/*
 * A prober working in loop's steps; LG_EUSAGE with the reason if opts
 * are not usable (no helo or mail_from, a proxy that cannot be parsed),
 * LG_ETEMP if TLS cannot start.  loop is borrowed and must outlive it.
 * Owned: smtp_prober_free.
 */
enum lg_status smtp_prober_new(struct smtp_prober **out, struct loop *loop,
			       const struct smtp_opts *opts, struct lg_err *err);
/* Sessions are closed (without QUIT), their sockets and timers taken out
 * of the loop.  NULL is fine. */
void smtp_prober_free(struct smtp_prober *p);

/* on_domain(arg, ...) is called for each catch-all state found. */
void smtp_prober_on_domain(struct smtp_prober *p, smtp_domain_fn *fn, void *arg);

/*
 * The answer for address (its local part and domain as RCPT TO gives them:
 * address[0..len), domain_len its tail after the '@', lower-case A-label),
 * SMTP_PENDING until the domain's hosts are given (smtp_prober_hosts) and
 * a session decides it.  The same address added again gets the same
 * result (asked again, back to pending, when result_ttl_s says it is
 * stale).  The result is borrowed and stays at its address until the
 * prober is freed.  A local part over 256 octets is SMTP_NOT_PROBED.
 */
const struct smtp_result *smtp_prober_add(struct smtp_prober *p, const char *address, size_t len,
					  size_t domain_len);

/*
 * The mail hosts of domain, when its DNS answer is in: sessions for the
 * addresses added under it (now or later) may start.  n = 0: nothing to
 * ask, its addresses end SMTP_NOT_PROBED.  Domains given no hosts are
 * never probed: smtp_prober_busy counts only work that can go on.
 */
void smtp_prober_hosts(struct smtp_prober *p, const char *domain, size_t len,
		       const struct smtp_host *hosts, size_t n);

/* A catch-all state known from before (the store's, still fresh): the
 * domain's random RCPT TO is not sent again. */
void smtp_prober_prime(struct smtp_prober *p, const char *domain, size_t len,
		       enum smtp_catch_all ca);

/*
 * Gather (on) or not: while gathering, a domain's session starts only
 * once rcpt_max of its addresses wait (or a greylisting retry is due),
 * so that a list whose rows of one domain are spread over the file still
 * gets one session per rcpt_max addresses, not one per row.  A job
 * gathers while it reads, and stops at the end of its input: then every
 * domain with addresses waiting gets its session.  Off by default.
 */
void smtp_prober_gather(struct smtp_prober *p, bool on);

/*
 * Addresses whose domain has hosts but that are not decided yet, and the
 * sessions open (gathering: rcpt_max for each session open or about to
 * start; what waits to gather is not counted).  While it is not 0 the prober has a socket or a timer in
 * its loop, so "while (smtp_prober_busy(p)) loop_step(loop, -1);" waits
 * for every answer.
 */
size_t smtp_prober_busy(const struct smtp_prober *p);

void smtp_prober_stats(const struct smtp_prober *p, struct smtp_stats *st);

#endif
