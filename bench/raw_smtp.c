/*
 * raw_smtp.c - the SMTP benchmark's limit: the mailbox probes a verifier
 * must make for a list of domains, done with epoll, non-blocking sockets
 * and GnuTLS, and nothing else.
 *
 *   raw_smtp --port PORT [--per-host N] [--total N] [--rcpt-max N]
 *            [--interval MS] [--connect-timeout MS] [--banner-timeout MS]
 *            [--reply-timeout MS] [--greylist-wait S] [--greylist-delay S]
 *            [--helo NAME] [--mail-from ADDR] [--no-tls] [--print] FILE
 *
 * FILE (bench/gen_smtp_world.py's raw.txt) holds one domain a line:
 * "domain addr[,addr...] recipient...": the IPv4 addresses of its MX hosts
 * in preference order, already resolved (no DNS here), and its distinct
 * recipients.  Per domain, what leadgate's prober does (smtp/smtp.h):
 *
 *   - sessions to the first address; the next one when a connection is
 *     refused, times out, is dropped or answered 421 before any RCPT TO
 *     was answered;
 *   - EHLO (HELO if EHLO is refused), STARTTLS when the EHLO reply offers
 *     it (GnuTLS, no certificate check: opportunistic TLS, RFC 7435) and
 *     EHLO again, MAIL FROM, RCPT TO per recipient, QUIT; never DATA;
 *   - the first session also sends one RCPT TO with a random local part
 *     (20 hex digits from getrandom), the catch-all probe;
 *   - at most --rcpt-max recipients a session (the probe not counted);
 *     the rest in further sessions, queued at once;
 *   - on 452 (or 4.5.3) the recipients not answered go on in a new
 *     session; on a greylisting reply (4xx with 4.7.x, "greylist" or "try
 *     again") the recipient is asked again in a later session, after the
 *     delay the reply names ("in N seconds") or --greylist-delay, for up to
 *     --greylist-wait from its first deferral;
 *   - a block (5.7.x, or "block" in a reply without an enhanced code) at
 *     the greeting, MAIL or RCPT ends the domain's session: nothing more is
 *     asked there;
 *   - at most --per-host sessions at once to one address, --total in all,
 *     and --interval ms between two session starts to one address.
 *
 * Replies are read one at a time (no PIPELINING).  The counts of the final
 * replies to RCPT TO by code, the outcomes, the sessions and the wall time
 * go to stderr at the end, with one "RAW_SMTP key=value ..." line.
 * --print also writes "rcpt|random TAB address TAB outcome TAB reply" per
 * recipient to stdout, in completion order (reply as "550 5.1.1", "" when
 * none decided).
 *
 * Build (the Makefile's $(B)/bench/raw_smtp):
 *
 *   gcc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra bench/raw_smtp.c \
 *       $(pkg-config --cflags --libs gnutls)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum outcome {
	O_ACCEPTED,
	O_NO_MAILBOX,
	O_DISABLED,
	O_FULL,
	O_BLOCKED,
	O_GREYLISTED,
	O_TIMEOUT,
	O_NO_CONNECT,
	O_UNDECIDED,
	O_COUNT
};

static const char *const outcome_name[O_COUNT] = {
	"accepted",   "no_mailbox", "disabled",   "full",      "blocked",
	"greylisted", "timeout",    "no_connect", "undecided",
};

struct job;

/* One MX host address. */
struct host {
	uint32_t addr; /* network order */
	unsigned active;
	unsigned peak;
	int64_t last_start; /* ms */
	struct job *qhead, *qtail;
};

struct domain {
	const char *name;
	struct host **hosts;
	unsigned nhost;
	const char **rcpt;
	size_t nrcpt;
	char random[96]; /* the catch-all probe's address */
};

/* Recipients of one domain to be asked in one session. */
struct job {
	struct domain *d;
	unsigned hi;        /* which of d's hosts */
	bool with_random;   /* the catch-all probe goes first */
	int64_t not_before; /* ms: a greylisting retry waits */
	int64_t grey_since; /* ms: the first deferral, 0 if none */
	const char **rcpt;
	size_t n;
	struct job *next;
};

enum state {
	ST_CONNECT,
	ST_BANNER,
	ST_EHLO,
	ST_HELO,
	ST_STARTTLS,
	ST_HANDSHAKE,
	ST_EHLO_TLS,
	ST_MAIL,
	ST_RCPT,
	ST_QUIT,
};

#define RBUF 65536
#define WBUF 1024

struct sess {
	int fd;
	bool used;
	enum state st;
	struct job *job;
	struct host *host;
	gnutls_session_t tls;
	bool tls_offered;
	bool answered;    /* a RCPT TO was answered: no failover to the next host */
	bool again;       /* after QUIT, the recipients not answered go on in a new session (452) */
	size_t next;      /* the next recipient (-1 stands for the probe: see rcpt_at) */
	size_t asked;     /* recipients whose RCPT TO is out */
	int64_t deadline; /* ms */
	uint32_t events;
	/* the reply being read */
	int code;
	char enh[16];
	uint32_t delay_s;
	bool has_block_word, has_grey_word, has_denied;
	char rbuf[RBUF];
	size_t rlen;
	char wbuf[WBUF];
	size_t wlen, woff;
	/* recipients to ask again: greylisted, and after a 452 */
	const char **grey;
	size_t ngrey;
	bool grey_random;
	int64_t grey_delay_ms;
};

struct opts {
	int port;
	unsigned per_host, total, rcpt_max;
	int interval_ms, connect_ms, banner_ms, reply_ms;
	int greylist_wait_s, greylist_delay_s;
	const char *helo, *mail_from;
	bool no_tls, print;
};

static struct opts O = {
	.per_host = 2,
	.total = 64,
	.rcpt_max = 25,
	.interval_ms = 250,
	.connect_ms = 10000,
	.banner_ms = 30000,
	.reply_ms = 20000,
	.greylist_wait_s = 300,
	.greylist_delay_s = 60,
	.helo = "probe.leadgate-bench.net",
	.mail_from = "verify@leadgate-bench.net",
};

static struct host **hosts; /* open addressing by address */
static size_t hosts_cap, nhosts;
static struct host **host_list;
static struct job *delayed; /* greylisting retries, by not_before */
static struct sess *sessions;
static unsigned nactive, peak_active;
static int ep;
static gnutls_certificate_credentials_t cred;
static size_t jobs_open;
static size_t reply_count[600];
static size_t outcome_count[O_COUNT];
static size_t n_sessions, n_connect_failed, n_tls, n_rcpts, n_grey_retries, n_too_many,
	n_host_failover, n_domains, n_recipients;
static unsigned rr; /* where the scheduler's scan begins */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("raw_smtp: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- hosts ---------------------------------------------------------------- */

static struct host *host_get(uint32_t addr)
{
	if (nhosts * 2 >= hosts_cap) {
		size_t cap = hosts_cap ? hosts_cap * 2 : 1024;
		struct host **t = xcalloc(cap, sizeof *t);
		for (size_t i = 0; i < hosts_cap; i++) {
			if (!hosts[i])
				continue;
			size_t j = (hosts[i]->addr * 2654435761u) & (cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = hosts[i];
		}
		free(hosts);
		hosts = t;
		hosts_cap = cap;
	}
	size_t j = (addr * 2654435761u) & (hosts_cap - 1);
	while (hosts[j]) {
		if (hosts[j]->addr == addr)
			return hosts[j];
		j = (j + 1) & (hosts_cap - 1);
	}
	struct host *h = xcalloc(1, sizeof *h);
	h->addr = addr;
	h->last_start = -1000000;
	hosts[j] = h;
	nhosts++;
	return h;
}

static void host_push(struct host *h, struct job *j)
{
	j->next = NULL;
	if (h->qtail)
		h->qtail->next = j;
	else
		h->qhead = j;
	h->qtail = j;
}

static void delay_push(struct job *j)
{
	struct job **pp = &delayed;
	while (*pp && (*pp)->not_before <= j->not_before)
		pp = &(*pp)->next;
	j->next = *pp;
	*pp = j;
}

/* ---- results -------------------------------------------------------------- */

static void finish(const char *addr, bool probe, enum outcome o, int code, const char *enh)
{
	outcome_count[o]++;
	if (code >= 200 && code < 600)
		reply_count[code]++;
	if (O.print) {
		char reply[32] = "";
		if (code)
			snprintf(reply, sizeof reply, enh[0] ? "%d %s" : "%d", code, enh);
		printf("%s\t%s\t%s\t%s\n", probe ? "random" : "rcpt", addr, outcome_name[o], reply);
	}
}

/* The recipient at index i of job j's session: the probe first if any. */
static const char *rcpt_at(const struct job *j, size_t i, bool *probe)
{
	if (j->with_random) {
		*probe = i == 0;
		return i == 0 ? j->d->random : j->rcpt[i - 1];
	}
	*probe = false;
	return j->rcpt[i];
}

static size_t job_len(const struct job *j)
{
	return j->n + (j->with_random ? 1 : 0);
}

/* Every recipient of j from index from on gets outcome o. */
static void finish_rest(struct job *j, size_t from, enum outcome o, int code, const char *enh)
{
	for (size_t i = from; i < job_len(j); i++) {
		bool probe;
		const char *a = rcpt_at(j, i, &probe);
		finish(a, probe, o, code, enh);
	}
}

/* A new job of d on host index hi with recipients rcpt[0..n) (copied). */
static struct job *job_new(struct domain *d, unsigned hi, bool with_random, const char **rcpt,
			   size_t n)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->d = d;
	j->hi = hi;
	j->with_random = with_random;
	j->rcpt = xcalloc(n, sizeof *j->rcpt);
	memcpy(j->rcpt, rcpt, n * sizeof *rcpt);
	j->n = n;
	jobs_open++;
	return j;
}

static void job_free(struct job *j)
{
	free(j->rcpt);
	free(j);
	jobs_open--;
}

/* ---- sessions ------------------------------------------------------------- */

static void sess_events(struct sess *s, uint32_t ev)
{
	if (s->events == ev)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = s};
	if (epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e) < 0)
		die("epoll_ctl: %s", strerror(errno));
	s->events = ev;
}

static void sess_close(struct sess *s)
{
	if (s->tls) {
		gnutls_deinit(s->tls);
		s->tls = NULL;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	s->used = false;
	s->host->active--;
	nactive--;
	free(s->grey);
	s->grey = NULL;
}

static void schedule(void);

/*
 * The session is over.  What is left to ask: rest (recipients from index
 * s->asked on, not asked yet or not answered) goes to a new session on the
 * same host when again is true (a 452), and the greylisted ones to a later
 * session.
 */
static void sess_end(struct sess *s, bool again)
{
	struct job *j = s->job;
	int64_t now = now_ms();
	if (again && s->asked < job_len(j)) {
		bool probe;
		size_t from = s->asked;
		rcpt_at(j, from, &probe);
		size_t skip = from - (j->with_random ? 1 : 0) + (probe ? 1 : 0);
		struct job *k = job_new(j->d, j->hi, probe, j->rcpt + skip, j->n - skip);
		k->grey_since = j->grey_since;
		n_too_many++;
		host_push(j->d->hosts[k->hi], k);
	}
	if (s->ngrey || s->grey_random) {
		struct job *k = job_new(j->d, j->hi, s->grey_random, s->grey, s->ngrey);
		k->grey_since = j->grey_since ? j->grey_since : now;
		if (now + s->grey_delay_ms - k->grey_since > (int64_t)O.greylist_wait_s * 1000) {
			finish_rest(k, 0, O_GREYLISTED, 450, "");
			job_free(k);
		} else {
			k->not_before = now + s->grey_delay_ms;
			n_grey_retries++;
			delay_push(k);
		}
	}
	sess_close(s);
	job_free(j);
}

/* The host failed before any recipient was answered: the next host, or
 * every recipient gets outcome o. */
static void sess_failover(struct sess *s, enum outcome o)
{
	struct job *j = s->job;
	if (s->answered) {
		/* recipients answered already: the rest are not asked elsewhere */
		finish_rest(j, s->asked ? s->asked - 1 : 0, o, 0, "");
		s->asked = job_len(j);
		sess_end(s, false);
		return;
	}
	sess_close(s);
	if (j->hi + 1 < j->d->nhost) {
		j->hi++;
		n_host_failover++;
		host_push(j->d->hosts[j->hi], j);
	} else {
		finish_rest(j, 0, o, 0, "");
		job_free(j);
	}
}

static void sess_flush(struct sess *s)
{
	while (s->woff < s->wlen) {
		ssize_t w;
		if (s->tls)
			w = gnutls_record_send(s->tls, s->wbuf + s->woff, s->wlen - s->woff);
		else
			w = write(s->fd, s->wbuf + s->woff, s->wlen - s->woff);
		if (w < 0) {
			if (s->tls ? (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
				   : (errno == EAGAIN || errno == EINTR)) {
				sess_events(s, EPOLLIN | EPOLLOUT);
				return;
			}
			s->woff = s->wlen = 0;
			return; /* the read side sees the connection end */
		}
		s->woff += (size_t)w;
	}
	s->woff = s->wlen = 0;
	sess_events(s, EPOLLIN);
}

static void sess_send(struct sess *s, int timeout_ms, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(s->wbuf, sizeof s->wbuf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s->wbuf)
		die("command too long");
	s->wlen = (size_t)n;
	s->woff = 0;
	s->deadline = now_ms() + timeout_ms;
	sess_flush(s);
}

static void send_rcpt(struct sess *s)
{
	bool probe;
	const char *a = rcpt_at(s->job, s->asked, &probe);
	s->asked++;
	n_rcpts++;
	sess_send(s, O.reply_ms, "RCPT TO:<%s>\r\n", a);
}

/* QUIT; the session ends with the 221 (or the connection's end), so that
 * the host, too, sees no more than per_host sessions at once. */
static void send_quit(struct sess *s)
{
	s->st = ST_QUIT;
	sess_send(s, O.reply_ms, "QUIT\r\n");
}

static void start_mail(struct sess *s)
{
	s->st = ST_MAIL;
	sess_send(s, O.reply_ms, "MAIL FROM:<%s>\r\n", O.mail_from);
}

static void handshake(struct sess *s)
{
	int r = gnutls_handshake(s->tls);
	if (r == 0) {
		n_tls++;
		s->st = ST_EHLO_TLS;
		sess_send(s, O.reply_ms, "EHLO %s\r\n", O.helo);
		return;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		sess_events(s, gnutls_record_get_direction(s->tls) ? EPOLLOUT : EPOLLIN);
		return;
	}
	if (gnutls_error_is_fatal(r))
		sess_failover(s, O_NO_CONNECT);
}

static bool is_block(const struct sess *s)
{
	if (s->enh[0])
		return s->enh[0] == '5' && strncmp(s->enh + 1, ".7.", 3) == 0;
	return s->has_block_word;
}

/* The classification of a final RCPT reply that is not 2xx nor 4xx. */
static enum outcome rcpt_outcome(const struct sess *s)
{
	if (s->enh[0]) {
		if (strncmp(s->enh, "5.1.", 4) == 0)
			return O_NO_MAILBOX;
		if (strcmp(s->enh, "5.2.1") == 0)
			return O_DISABLED;
		if (strcmp(s->enh, "5.2.2") == 0)
			return O_FULL;
		/* Microsoft 365's word for an unknown recipient */
		if (strcmp(s->enh, "5.4.1") == 0 && s->has_denied)
			return O_NO_MAILBOX;
		return O_UNDECIDED;
	}
	if (s->code == 552)
		return O_FULL;
	if (s->code == 550 || s->code == 551 || s->code == 553)
		return O_NO_MAILBOX;
	return O_UNDECIDED;
}

/* One complete reply in s->code / s->enh. */
static void on_reply(struct sess *s)
{
	int c = s->code;
	struct job *j = s->job;
	switch (s->st) {
	case ST_BANNER:
		if (c / 100 == 2) {
			s->st = ST_EHLO;
			sess_send(s, O.reply_ms, "EHLO %s\r\n", O.helo);
		} else if (c / 100 == 5) {
			finish_rest(j, 0, is_block(s) ? O_BLOCKED : O_UNDECIDED, c, s->enh);
			s->asked = job_len(j);
			send_quit(s);
		} else {
			sess_failover(s, O_TIMEOUT);
		}
		return;
	case ST_EHLO:
	case ST_EHLO_TLS:
		if (c / 100 == 2) {
			if (s->st == ST_EHLO && s->tls_offered && !O.no_tls) {
				s->st = ST_STARTTLS;
				sess_send(s, O.reply_ms, "STARTTLS\r\n");
			} else {
				start_mail(s);
			}
		} else if (c == 421 || c / 100 == 4) {
			sess_failover(s, O_TIMEOUT);
		} else {
			s->st = ST_HELO;
			sess_send(s, O.reply_ms, "HELO %s\r\n", O.helo);
		}
		return;
	case ST_HELO:
		if (c / 100 == 2)
			start_mail(s);
		else
			sess_failover(s, O_TIMEOUT);
		return;
	case ST_STARTTLS:
		if (c != 220) {
			start_mail(s);
			return;
		}
		if (gnutls_init(&s->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0 ||
		    gnutls_set_default_priority(s->tls) < 0 ||
		    gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, cred) < 0)
			die("gnutls session setup failed");
		gnutls_transport_set_int(s->tls, s->fd);
		gnutls_handshake_set_timeout(s->tls, 0);
		/* RFC 3207 4.2: nothing read before TLS is kept */
		s->rlen = 0;
		s->st = ST_HANDSHAKE;
		s->deadline = now_ms() + O.reply_ms;
		handshake(s);
		return;
	case ST_MAIL:
		if (c / 100 == 2) {
			s->st = ST_RCPT;
			send_rcpt(s);
		} else if (c == 421) {
			sess_failover(s, O_TIMEOUT);
		} else {
			finish_rest(j, 0, is_block(s) ? O_BLOCKED : O_UNDECIDED, c, s->enh);
			s->asked = job_len(j);
			send_quit(s);
		}
		return;
	case ST_RCPT: {
		bool probe;
		const char *a = rcpt_at(j, s->asked - 1, &probe);
		if (c == 421) {
			sess_failover(s, O_TIMEOUT);
			return;
		}
		s->answered = true;
		if (c == 452 || strcmp(s->enh, "4.5.3") == 0) {
			/* too many recipients: this one and the rest in a new session */
			s->asked--;
			s->again = true;
			send_quit(s);
			return;
		}
		if (c / 100 == 2) {
			finish(a, probe, O_ACCEPTED, c, s->enh);
		} else if (c / 100 == 4 && (strncmp(s->enh, "4.7.", 4) == 0 || s->has_grey_word)) {
			if (probe) {
				s->grey_random = true;
			} else {
				if (!s->grey)
					s->grey = xcalloc(j->n, sizeof *s->grey);
				s->grey[s->ngrey++] = a;
			}
			int64_t d = (s->delay_s ? s->delay_s : (uint32_t)O.greylist_delay_s) *
				    1000LL;
			if (d > s->grey_delay_ms)
				s->grey_delay_ms = d;
		} else if (c / 100 == 5 && is_block(s)) {
			finish(a, probe, O_BLOCKED, c, s->enh);
			finish_rest(j, s->asked, O_BLOCKED, c, s->enh);
			s->asked = job_len(j);
			send_quit(s);
			return;
		} else if (c / 100 == 5) {
			finish(a, probe, rcpt_outcome(s), c, s->enh);
		} else {
			finish(a, probe, O_UNDECIDED, c, s->enh);
		}
		if (s->asked < job_len(j))
			send_rcpt(s);
		else
			send_quit(s);
		return;
	}
	case ST_QUIT: sess_end(s, s->again); return;
	default: return;
	}
}

/* The number before " second" in text, 0 if none ("try again in 2 seconds"). */
static uint32_t parse_delay(const char *t)
{
	const char *p = strstr(t, " second");
	if (!p)
		return 0;
	const char *q = p;
	while (q > t && isdigit((unsigned char)q[-1]))
		q--;
	return q < p ? (uint32_t)strtoul(q, NULL, 10) : 0;
}

/* One reply line (without CRLF, NUL-terminated).  Returns true when the
 * session was ended by it. */
static bool on_line(struct sess *s, char *line, size_t len)
{
	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || (len > 3 && line[3] != ' ' && line[3] != '-')) {
		if (s->st == ST_QUIT)
			sess_end(s, s->again);
		else
			sess_failover(s, O_NO_CONNECT); /* not SMTP */
		return true;
	}
	bool last = len == 3 || line[3] == ' ';
	const char *text = len > 4 ? line + 4 : "";
	if (s->st == ST_EHLO && strncasecmp(text, "STARTTLS", 8) == 0)
		s->tls_offered = true;
	if (!last)
		return false;
	s->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	/* an enhanced code "c.sss.ddd " on the last line, its class the code's */
	s->enh[0] = 0;
	size_t k = 0;
	if (text[0] == line[0] && text[1] == '.') {
		while (text[k] && (isdigit((unsigned char)text[k]) || text[k] == '.') &&
		       k < sizeof s->enh - 1)
			k++;
		if (text[k] == ' ' || text[k] == 0) {
			memcpy(s->enh, text, k);
			s->enh[k] = 0;
		}
	}
	s->has_block_word = strcasestr(text, "block") != NULL;
	s->has_grey_word = strcasestr(text, "greylist") || strcasestr(text, "try again");
	s->has_denied = strcasestr(text, "access denied") != NULL;
	s->delay_s = parse_delay(text);
	struct job *j = s->job;
	on_reply(s);
	return !s->used || s->job != j;
}

static void on_readable(struct sess *s)
{
	for (;;) {
		if (s->rlen == sizeof s->rbuf) {
			sess_failover(s, O_NO_CONNECT); /* a reply over 64 KiB */
			return;
		}
		ssize_t r;
		if (s->tls) {
			r = gnutls_record_recv(s->tls, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen);
			if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
				return;
			if (r < 0)
				r = 0;
		} else {
			r = read(s->fd, s->rbuf + s->rlen, sizeof s->rbuf - s->rlen);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return;
		}
		if (r <= 0) {
			if (s->st == ST_QUIT)
				sess_end(s, s->again);
			else /* dropped */
				sess_failover(s, O_NO_CONNECT);
			return;
		}
		s->rlen += (size_t)r;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(s->rbuf + start, '\n', s->rlen - start);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (s->rbuf + start));
			char *line = s->rbuf + start;
			if (len && line[len - 1] == '\r')
				len--;
			line[len] = 0;
			start = (size_t)(nl - s->rbuf) + 1;
			bool plain = !s->tls;
			if (on_line(s, line, len))
				return;
			if (plain && s->tls) {
				/* STARTTLS began (and on loopback the handshake may be
				 * over already): the buffer was emptied, the records
				 * that follow are read through GnuTLS */
				return;
			}
		}
		memmove(s->rbuf, s->rbuf + start, s->rlen - start);
		s->rlen -= start;
		/* read on until EAGAIN: GnuTLS may hold decrypted bytes that
		 * epoll does not announce */
	}
}

static void on_connected(struct sess *s)
{
	int e = 0;
	socklen_t l = sizeof e;
	getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &l);
	if (e) {
		n_connect_failed++;
		sess_failover(s, O_NO_CONNECT);
		return;
	}
	n_sessions++;
	s->st = ST_BANNER;
	s->deadline = now_ms() + O.banner_ms;
	sess_events(s, EPOLLIN);
}

static void sess_start(struct host *h, struct job *j)
{
	struct sess *s = NULL;
	for (unsigned i = 0; i < O.total; i++)
		if (!sessions[i].used) {
			s = &sessions[i];
			break;
		}
	if (!s)
		die("no free session slot");
	memset(s, 0, offsetof(struct sess, rbuf));
	s->rlen = s->wlen = s->woff = 0;
	s->grey = NULL;
	s->ngrey = 0;
	s->grey_random = false;
	s->grey_delay_ms = 0;
	s->used = true;
	s->job = j;
	s->host = h;
	s->st = ST_CONNECT;
	h->active++;
	if (h->active > h->peak)
		h->peak = h->active;
	nactive++;
	if (nactive > peak_active)
		peak_active = nactive;
	h->last_start = now_ms();
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		die("socket: %s", strerror(errno));
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)O.port),
				 .sin_addr.s_addr = h->addr};
	s->events = EPOLLOUT;
	struct epoll_event e = {.events = EPOLLOUT, .data.ptr = s};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e) < 0)
		die("epoll_ctl: %s", strerror(errno));
	s->deadline = now_ms() + O.connect_ms;
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		on_connected(s);
	} else if (errno != EINPROGRESS) {
		n_connect_failed++;
		sess_failover(s, O_NO_CONNECT);
	}
}

/* Start what the caps allow. */
static void schedule(void)
{
	int64_t now = now_ms();
	while (delayed && delayed->not_before <= now) {
		struct job *j = delayed;
		delayed = j->next;
		host_push(j->d->hosts[j->hi], j);
	}
	bool progress = true;
	while (nactive < O.total && progress) {
		progress = false;
		for (size_t k = 0; k < nhosts && nactive < O.total; k++) {
			struct host *h = host_list[(rr + k) % nhosts];
			if (!h->qhead || h->active >= O.per_host)
				continue;
			if (O.interval_ms > 0 && now - h->last_start < O.interval_ms)
				continue;
			struct job *j = h->qhead;
			h->qhead = j->next;
			if (!h->qhead)
				h->qtail = NULL;
			sess_start(h, j);
			progress = true;
		}
		rr++;
	}
}

/* ms until the next deadline, interval or greylisting retry; -1: none. */
static int next_wait(void)
{
	int64_t now = now_ms(), next = INT64_MAX;
	for (unsigned i = 0; i < O.total; i++)
		if (sessions[i].used && sessions[i].deadline < next)
			next = sessions[i].deadline;
	if (delayed && delayed->not_before < next)
		next = delayed->not_before;
	if (O.interval_ms > 0 && nactive < O.total)
		for (size_t k = 0; k < nhosts; k++) {
			struct host *h = host_list[k];
			if (h->qhead && h->active < O.per_host &&
			    h->last_start + O.interval_ms < next)
				next = h->last_start + O.interval_ms;
		}
	if (next == INT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void expire(void)
{
	int64_t now = now_ms();
	for (unsigned i = 0; i < O.total; i++) {
		struct sess *s = &sessions[i];
		if (s->used && s->deadline <= now) {
			if (s->st == ST_CONNECT)
				n_connect_failed++;
			if (s->st == ST_QUIT)
				sess_end(s, s->again);
			else
				sess_failover(s, O_TIMEOUT);
		}
	}
}

/* ---- input ---------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) < 0)
		die("%s: %s", path, strerror(errno));
	char *b = xcalloc((size_t)st.st_size + 1, 1);
	if (fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("%s: short read", path);
	fclose(f);
	*len = (size_t)st.st_size;
	return b;
}

static void random_local(char *out, const char *domain, size_t cap)
{
	unsigned char r[10];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		die("getrandom: %s", strerror(errno));
	static const char hex[] = "0123456789abcdef";
	char loc[21];
	for (int i = 0; i < 10; i++) {
		loc[2 * i] = hex[r[i] >> 4];
		loc[2 * i + 1] = hex[r[i] & 15];
	}
	loc[20] = 0;
	snprintf(out, cap, "%s@%s", loc, domain);
}

static void load(const char *path)
{
	size_t len;
	char *b = slurp(path, &len);
	size_t lineno = 0;
	for (char *line = b, *end; line < b + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(b + len - line));
		if (!end)
			end = b + len;
		*end = 0;
		lineno++;
		char *save;
		char *name = strtok_r(line, " \t\r", &save);
		if (!name)
			continue;
		char *addrs = strtok_r(NULL, " \t\r", &save);
		if (!addrs)
			die("%s:%zu: no host address", path, lineno);
		struct domain *d = xcalloc(1, sizeof *d);
		d->name = name;
		size_t na = 1;
		for (char *p = addrs; *p; p++)
			na += *p == ',';
		d->hosts = xcalloc(na, sizeof *d->hosts);
		char *s2;
		for (char *a = strtok_r(addrs, ",", &s2); a; a = strtok_r(NULL, ",", &s2)) {
			struct in_addr ia;
			if (inet_pton(AF_INET, a, &ia) != 1)
				die("%s:%zu: not an IPv4 address: %s", path, lineno, a);
			d->hosts[d->nhost++] = host_get(ia.s_addr);
		}
		size_t cap = 16;
		d->rcpt = xcalloc(cap, sizeof *d->rcpt);
		for (char *r = strtok_r(NULL, " \t\r", &save); r;
		     r = strtok_r(NULL, " \t\r", &save)) {
			if (d->nrcpt == cap) {
				cap *= 2;
				d->rcpt = realloc(d->rcpt, cap * sizeof *d->rcpt);
				if (!d->rcpt)
					die("out of memory");
			}
			d->rcpt[d->nrcpt++] = r;
		}
		random_local(d->random, name, sizeof d->random);
		n_domains++;
		n_recipients += d->nrcpt;
		/* the recipients in sessions of rcpt_max, all queued at once; the
		 * first carries the catch-all probe */
		size_t off = 0;
		do {
			size_t n = d->nrcpt - off < O.rcpt_max ? d->nrcpt - off : O.rcpt_max;
			struct job *j = job_new(d, 0, off == 0, d->rcpt + off, n);
			host_push(d->hosts[0], j);
			off += n;
		} while (off < d->nrcpt);
	}
	host_list = xcalloc(nhosts, sizeof *host_list);
	size_t k = 0;
	for (size_t i = 0; i < hosts_cap; i++)
		if (hosts[i])
			host_list[k++] = hosts[i];
}

/* ---- main ----------------------------------------------------------------- */

static long num_arg(const char *opt, const char *v, long lo, long hi)
{
	char *e;
	errno = 0;
	long n = strtol(v, &e, 10);
	if (errno || *e || n < lo || n > hi)
		die("%s: expected a number %ld..%ld, got '%s'", opt, lo, hi, v);
	return n;
}

static void usage(void)
{
	fputs("usage: raw_smtp --port PORT [--per-host N] [--total N] [--rcpt-max N]\n"
	      "                [--interval MS] [--connect-timeout MS] [--banner-timeout MS]\n"
	      "                [--reply-timeout MS] [--greylist-wait S] [--greylist-delay S]\n"
	      "                [--helo NAME] [--mail-from ADDR] [--no-tls] [--print] FILE\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && (v || (usage(), 0)) && ++i)
		if (strcmp(a, "--print") == 0)
			O.print = true;
		else if (strcmp(a, "--no-tls") == 0)
			O.no_tls = true;
		else if (OPT("--port"))
			O.port = (int)num_arg(a, v, 1, 65535);
		else if (OPT("--per-host"))
			O.per_host = (unsigned)num_arg(a, v, 1, 1000);
		else if (OPT("--total"))
			O.total = (unsigned)num_arg(a, v, 1, 10000);
		else if (OPT("--rcpt-max"))
			O.rcpt_max = (unsigned)num_arg(a, v, 1, 100000);
		else if (OPT("--interval"))
			O.interval_ms = (int)num_arg(a, v, 0, 600000);
		else if (OPT("--connect-timeout"))
			O.connect_ms = (int)num_arg(a, v, 1, 3600000);
		else if (OPT("--banner-timeout"))
			O.banner_ms = (int)num_arg(a, v, 1, 3600000);
		else if (OPT("--reply-timeout"))
			O.reply_ms = (int)num_arg(a, v, 1, 3600000);
		else if (OPT("--greylist-wait"))
			O.greylist_wait_s = (int)num_arg(a, v, 0, 86400);
		else if (OPT("--greylist-delay"))
			O.greylist_delay_s = (int)num_arg(a, v, 0, 86400);
		else if (OPT("--helo"))
			O.helo = v;
		else if (OPT("--mail-from"))
			O.mail_from = v;
		else if (a[0] == '-' && a[1])
			usage();
		else if (!file)
			file = a;
		else
			usage();
#undef OPT
	}
	if (!file || !O.port)
		usage();

	int64_t t0 = now_ms();
	load(file);
	if (gnutls_global_init() < 0 || gnutls_certificate_allocate_credentials(&cred) < 0)
		die("gnutls initialisation failed");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1: %s", strerror(errno));
	sessions = xcalloc(O.total, sizeof *sessions);

	struct epoll_event evs[256];
	schedule();
	while (jobs_open) {
		int n = epoll_wait(ep, evs, 256, next_wait());
		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			struct sess *s = evs[i].data.ptr;
			if (!s->used)
				continue;
			uint32_t e = evs[i].events;
			if (s->st == ST_CONNECT) {
				on_connected(s);
			} else if (s->st == ST_HANDSHAKE) {
				handshake(s);
			} else {
				if (e & EPOLLOUT)
					sess_flush(s);
				if (s->used && (e & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					on_readable(s);
			}
		}
		expire();
		schedule();
	}
	double wall = (double)(now_ms() - t0) / 1000.0;
	fflush(stdout);

	unsigned max_per_host = 0;
	for (size_t k = 0; k < nhosts; k++)
		if (host_list[k]->peak > max_per_host)
			max_per_host = host_list[k]->peak;
	fprintf(stderr, "raw_smtp: %zu domains, %zu recipients, %zu host addresses, %.3f s\n",
		n_domains, n_recipients, nhosts, wall);
	fprintf(stderr,
		"raw_smtp: sessions %zu (TLS %zu), connects failed %zu, failovers %zu, "
		"RCPT TO %zu, greylisting retries %zu, 452 splits %zu, peak sessions %u, "
		"peak per host %u\n",
		n_sessions, n_tls, n_connect_failed, n_host_failover, n_rcpts, n_grey_retries,
		n_too_many, peak_active, max_per_host);
	fputs("raw_smtp: final RCPT replies by code:", stderr);
	for (int c = 0; c < 600; c++)
		if (reply_count[c])
			fprintf(stderr, " %d=%zu", c, reply_count[c]);
	fputs("\nraw_smtp: outcomes:", stderr);
	for (int o = 0; o < O_COUNT; o++)
		fprintf(stderr, " %s=%zu", outcome_name[o], outcome_count[o]);
	fprintf(stderr,
		"\nRAW_SMTP domains=%zu recipients=%zu sessions=%zu tls=%zu "
		"connects_failed=%zu failovers=%zu rcpts=%zu grey_retries=%zu "
		"too_many=%zu peak=%u peak_per_host=%u",
		n_domains, n_recipients, n_sessions, n_tls, n_connect_failed, n_host_failover,
		n_rcpts, n_grey_retries, n_too_many, peak_active, max_per_host);
	for (int o = 0; o < O_COUNT; o++)
		fprintf(stderr, " %s=%zu", outcome_name[o], outcome_count[o]);
	fprintf(stderr, " wall=%.3f\n", wall);
	gnutls_certificate_free_credentials(cred);
	gnutls_global_deinit();
	return 0;
}
