/*
 * test_smtp.c - the mailbox prober (smtp/) against a real SMTP server on
 * loopback: tests/smtpd.py, started by the group setup with a script that
 * gives each of 127.0.0.2 ... 127.0.0.31 one behaviour (normal, catch-all,
 * refusing, closed, STARTTLS offered, required, and required at RCPT only,
 * greylisting, a tarpit, a drop, 452 after three recipients, blocks at the
 * banner and at RCPT, Microsoft's and Exim's wordings, greylisting and a
 * block at MAIL FROM, a reply line too long, replies over 64 KiB), a
 * self-signed certificate made with openssl, and the server's SOCKS5
 * proxy.  Each test drives a prober on a loop of its own with the hosts
 * given directly, then checks the answers and, from the server's log of
 * the sessions, the prober's manners: no DATA, QUIT at the end, sessions
 * per domain, sessions at once per host.
 * Orders and counts only: no durations.
 */
#include "smtp/prober_int.h"

#include "loop/loop.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/testutil.h"

static struct {
	char dir[64];
	char log[96];
	pid_t pid;
	int port, socks;
	bool v6; /* ::1 is in the script */
} W;

/* The hosts' behaviours; each test uses its own domains and addresses, as
 * the server's greylist remembers recipients for its whole life. */
static const char script[] =
	"{\"hosts\": {\n"
	" \"127.0.0.2\": {\"name\": \"mx.plain.test\", \"mailboxes\": {\"alice\": \"ok\","
	"  \"bob\": \"unknown\", \"carol\": \"disabled\", \"dave\": \"full\","
	"  \"erin\": \"ok\", \"frank\": \"ok\", \"grace\": \"ok\", \"heidi\": \"ok\"}},\n"
	" \"127.0.0.3\": {\"catch_all\": true},\n"
	" \"127.0.0.4\": {\"refuse\": true},\n"
	" \"127.0.0.5\": {\"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.6\": {\"refuse\": \"closed\"},\n"
	" \"127.0.0.7\": {\"starttls\": \"offered\", \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.8\": {\"starttls\": \"required\", \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.9\": {\"greylist\": 1, \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.10\": {\"delay\": 3},\n"
	" \"127.0.0.11\": {\"drop_after\": 5, \"mailboxes\": {\"alice\": \"ok\", \"bob\": \"ok\","
	"  \"carol\": \"ok\"}},\n"
	" \"127.0.0.12\": {\"max_rcpt\": 3, \"mailboxes\": {\"u1\": \"ok\", \"u2\": \"ok\","
	"  \"u3\": \"ok\", \"u4\": \"ok\", \"u5\": \"ok\"}},\n"
	" \"127.0.0.13\": {\"block\": \"banner\"},\n"
	" \"127.0.0.14\": {\"block\": \"rcpt\"},\n"
	" \"127.0.0.15\": {\"mta\": \"microsoft\", \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.16\": {\"mta\": \"exim\", \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.17\": {\"delay\": 0.02, \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.18\": {\"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.19\": {\"greylist\": 3600},\n"
	" \"127.0.0.20\": {\"default\": \"553 5.3.0 <x>: address not checked here\","
	"  \"mailboxes\": {\"alice\": \"ok\"}},\n"
	" \"127.0.0.21\": {\"mail\": \"451 4.7.1 Service temporarily unavailable, "
	"greylisted, please try again later\"},\n"
	" \"127.0.0.22\": {\"mail\": \"550 5.7.1 Client host rejected: cannot find your "
	"reverse hostname\"},\n"
	" \"127.0.0.24\": {\"default\": \"ok\"},\n"
	" \"127.0.0.25\": {\"starttls\": \"rcpt\", \"tls_refuse\": 1, \"mailboxes\": {\"alice\": "
	"\"ok\"}},\n"
	" \"127.0.0.26\": {\"mailboxes\": {\"alice\": \"530 5.7.0 Must issue a STARTTLS command "
	"first\"}},\n"
	" \"127.0.0.27\": {\"starttls\": \"offered\", \"mailboxes\": {\"alice\": \"530 5.7.0 Must "
	"issue a STARTTLS command first\"}},\n"
	" \"127.0.0.28\": {\"flood\": \"ehlo\"},\n"
	" \"127.0.0.29\": {\"flood\": \"rcpt\"},\n"
	" \"127.0.0.30\": {\"starttls\": \"rcpt\", \"tls_refuse\": 2},\n"
	" \"127.0.0.31\": {\"starttls\": \"required\", \"tls_refuse\": 1, \"mailboxes\": "
	"{\"alice\": \"ok\"}},\n"
	" \"127.0.0.23\": {\"mailboxes\": {\"alice\": \"ok\", \"long\": \"550 5.1.1 %s\"}}%s\n"
	"}}\n";

static int group_setup(void **state)
{
	char cmd[512], line[128];
	int out[2];
	FILE *f;

	(void)state;
	snprintf(W.dir, sizeof(W.dir), "/tmp/lg-smtp-XXXXXX");
	if (!mkdtemp(W.dir))
		return -1;
	snprintf(W.log, sizeof(W.log), "%s/smtpd.log", W.dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-days 1 -subj /CN=mx.test -keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
		 W.dir, W.dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/script.json", W.dir);
	if (!(f = fopen(cmd, "w")))
		return -1;
	char pad[601];
	memset(pad, 'x', 600);
	pad[600] = '\0';
	/* IPv6's loopback, where the machine has it */
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	W.v6 = s6 >= 0 && bind(s6, (struct sockaddr *)&a6, sizeof(a6)) == 0;
	if (s6 >= 0)
		close(s6);
	/* a reply line of 610 octets: over RFC 5321's 512 */
	fprintf(f, script, pad, W.v6 ? ",\n \"::1\": {\"mailboxes\": {\"alice\": \"ok\"}}" : "");
	fclose(f);
	if (pipe(out) < 0)
		return -1;
	W.pid = fork();
	if (W.pid < 0)
		return -1;
	if (W.pid == 0) {
		char key[96], cert[96];
		snprintf(key, sizeof(key), "%s/key.pem", W.dir);
		snprintf(cert, sizeof(cert), "%s/cert.pem", W.dir);
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execlp("python3", "python3", "tests/smtpd.py", "--script", cmd, "--port", "0",
		       "--socks", "0", "--log", W.log, "--cert", cert, "--key", key, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "ready %d socks %d", &W.port, &W.socks) != 2) {
		fprintf(stderr, "test_smtp: smtpd.py did not start\n");
		return -1;
	}
	fclose(f);
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];
	(void)state;
	if (W.pid > 0) {
		kill(W.pid, SIGTERM);
		waitpid(W.pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", W.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- a run: a loop, a prober, and where the log stood at its start ---- */

struct run {
	struct loop *loop;
	struct smtp_prober *p;
	long log_at;
	unsigned domains_found;
	enum smtp_catch_all ca[8];
	char ca_domain[8][64];
};


static void on_domain(void *arg, const char *domain, size_t len, enum smtp_catch_all ca, uint32_t at)
{
	struct run *r = arg;
	assert_true(at > 0);
	if (r->domains_found < 8) {
		r->ca[r->domains_found] = ca;
		snprintf(r->ca_domain[r->domains_found], sizeof(r->ca_domain[0]), "%.*s", (int)len,
			 domain);
	}
	r->domains_found++;
}

/* Options for the tests: the server's port, phases short enough that a
 * failure does not hang the suite, greylisting retried after 1 s. */
static struct smtp_opts opts(void)
{
	struct smtp_opts o = {
		.helo = "probe.leadgate.test",
		.mail_from = "verify@leadgate.test",
		.port = (uint16_t)W.port,
		.interval_ms = -1,
		.connect_ms = 5000,
		.banner_ms = 10000,
		.reply_ms = 10000,
		.greylist_delay_s = 1,
		.greylist_wait_s = 30,
		.allow_private = true, /* the hosts are on loopback */
	};
	return o;
}

static void run_start(struct run *r, const struct smtp_opts *o)
{
	struct lg_err err;
	memset(r, 0, sizeof(*r));
	r->log_at = test_file_size(W.log);
	assert_int_equal(loop_new(&r->loop, &err), LG_OK);
	assert_int_equal(smtp_prober_new(&r->p, r->loop, o, &err), LG_OK);
	smtp_prober_on_domain(r->p, on_domain, r);
}

static const struct smtp_result *add(struct run *r, const char *addr)
{
	const char *at = strchr(addr, '@');
	return smtp_prober_add(r->p, addr, strlen(addr), strlen(at + 1));
}

/* The hosts of domain, one address each: "127.0.0.4", ... */
static void hosts(struct run *r, const char *domain, size_t n, ...)
{
	struct smtp_host h[SMTP_HOSTS_MAX];
	va_list ap;
	memset(h, 0, sizeof(h));
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		h[i].name = "mx.test";
		h[i].naddr = 1;
		h[i].addr[0].family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, va_arg(ap, const char *), h[i].addr[0].addr), 1);
	}
	va_end(ap);
	smtp_prober_hosts(r->p, domain, strlen(domain), h, n);
}

static void run_wait(struct run *r)
{
	for (unsigned i = 0; smtp_prober_busy(r->p); i++) {
		assert_true(i < 1000000);
		loop_step(r->loop, -1);
	}
}

static void run_end(struct run *r)
{
	smtp_prober_free(r->p);
	assert_int_equal(loop_timer_count(r->loop), 0);
	loop_free(r->loop);
}

/* ---- the server's log of the run ---- */

#define SESS_MAX 64
struct sess {
	int sid;
	char host[32];
	char by[16];
	int concurrent;
	int rcpts;
	bool tls;
	bool closed;
	char cmds[16][128];
	int ncmd;
	char domains[128]; /* "a.test,b.test" */
};
struct log {
	struct sess s[SESS_MAX];
	int n;
	int socks; /* SOCKS5 requests that succeeded */
	char socks_dest[64];
};

static struct sess *sess_of(struct log *lg, int sid)
{
	for (int i = 0; i < lg->n; i++)
		if (lg->s[i].sid == sid)
			return &lg->s[i];
	return NULL;
}

/* Read the log from r's start; wait (for the server, not for time's sake)
 * until every session opened in it is closed. */
static void log_read(const struct run *r, struct log *lg)
{
	for (int tries = 0;; tries++) {
		FILE *f = fopen(W.log, "r");
		char line[4096];
		bool open = false;
		assert_non_null(f);
		memset(lg, 0, sizeof(*lg));
		fseek(f, r->log_at, SEEK_SET);
		while (fgets(line, sizeof(line), f)) {
			json_t *j = json_loads(line, 0, NULL);
			if (!j)
				continue; /* a line being written */
			const char *ev = json_string_value(json_object_get(j, "ev"));
			int sid = (int)json_integer_value(json_object_get(j, "sid"));
			struct sess *s = sess_of(lg, sid);
			if (!strcmp(ev, "open") && lg->n < SESS_MAX) {
				s = &lg->s[lg->n++];
				s->sid = sid;
				snprintf(s->host, sizeof(s->host), "%s",
					 json_string_value(json_object_get(j, "host")));
				s->concurrent = (int)json_integer_value(
					json_object_get(j, "concurrent"));
			} else if (!strcmp(ev, "cmd") && s && s->ncmd < 16) {
				snprintf(s->cmds[s->ncmd++], sizeof(s->cmds[0]), "%s",
					 json_string_value(json_object_get(j, "cmd")));
			} else if (!strcmp(ev, "tls") && s) {
				s->tls = true;
			} else if (!strcmp(ev, "close") && s) {
				json_t *d = json_object_get(j, "domains");
				size_t i;
				json_t *v;
				s->closed = true;
				snprintf(s->by, sizeof(s->by), "%s",
					 json_string_value(json_object_get(j, "by")));
				s->rcpts = (int)json_integer_value(json_object_get(j, "rcpts"));
				json_array_foreach(d, i, v)
				{
					size_t n = strlen(s->domains);
					snprintf(s->domains + n, sizeof(s->domains) - n, "%s%s",
						 n ? "," : "", json_string_value(v));
				}
			} else if (!strcmp(ev, "socks") &&
				   json_integer_value(json_object_get(j, "reply")) == 0) {
				lg->socks++;
				snprintf(lg->socks_dest, sizeof(lg->socks_dest), "%s",
					 json_string_value(json_object_get(j, "dest")));
			}
			json_decref(j);
		}
		fclose(f);
		for (int i = 0; i < lg->n; i++)
			open |= !lg->s[i].closed;
		if (!open)
			return;
		assert_true(tries < 200);
		usleep(50000);
	}
}

/* Sessions of the log that named domain in a RCPT TO. */
static int sessions_for(const struct log *lg, const char *domain)
{
	int n = 0;
	for (int i = 0; i < lg->n; i++) {
		const char *p = strstr(lg->s[i].domains, domain);
		size_t dl = strlen(domain);
		if (p && (p == lg->s[i].domains || p[-1] == ',') && (p[dl] == ',' || !p[dl]))
			n++;
	}
	return n;
}

static int sessions_on(const struct log *lg, const char *host)
{
	int n = 0;
	for (int i = 0; i < lg->n; i++)
		n += !strcmp(lg->s[i].host, host);
	return n;
}

/* The manners every session keeps: no DATA ever, and a session that got
 * past the greeting ends with QUIT unless the server ended it (a drop, a
 * refusal). */
static void manners(const struct log *lg)
{
	for (int i = 0; i < lg->n; i++) {
		const struct sess *s = &lg->s[i];
		for (int c = 0; c < s->ncmd; c++)
			assert_false(lg_ascii_eq(s->cmds[c], 4, "DATA", 4));
		if (!strcmp(s->by, "drop") || !strcmp(s->by, "refuse"))
			continue;
		assert_true(s->ncmd > 0);
		assert_string_equal(s->cmds[s->ncmd - 1], "QUIT");
		assert_string_equal(s->by, "quit");
	}
}

/* The RCPT TO commands of session s, in order, into out (NULL-ended). */
static int rcpts(const struct sess *s, const char **out, int cap)
{
	int n = 0;
	for (int c = 0; c < s->ncmd && n < cap - 1; c++)
		if (!strncmp(s->cmds[c], "RCPT TO:<", 9))
			out[n++] = s->cmds[c] + 9;
	out[n] = NULL;
	return n;
}

static bool is_random(const char *rcpt, const char *domain)
{
	size_t i = 0;
	while (rcpt[i] && strchr("0123456789abcdef", rcpt[i]))
		i++;
	return i == 20 && rcpt[20] == '@' && !strncmp(rcpt + 21, domain, strlen(domain)) &&
	       rcpt[21 + strlen(domain)] == '>';
}

/* ---- the tests ---- */

/* The table's rows on one host: ok, no mailbox, disabled, full; one
 * session, the random RCPT TO first, QUIT at the end. */
static void test_table(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	const char *rc[16];
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@plain.test");
	const struct smtp_result *b = add(&r, "bob@plain.test");
	const struct smtp_result *c = add(&r, "carol@plain.test");
	const struct smtp_result *d = add(&r, "dave@plain.test");
	assert_ptr_equal(add(&r, "alice@plain.test"), a);
	assert_int_equal(a->outcome, SMTP_PENDING);
	assert_int_equal(smtp_prober_busy(r.p), 0); /* no hosts yet: nothing to wait for */
	hosts(&r, "plain.test", 1, "127.0.0.2");
	assert_int_equal(smtp_prober_busy(r.p), 4);
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_string_equal(a->reply, "250 2.1.5");
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	assert_string_equal(b->reply, "550 5.1.1");
	assert_int_equal(c->outcome, SMTP_DISABLED);
	assert_string_equal(c->reply, "550 5.2.1");
	assert_int_equal(d->outcome, SMTP_FULL);
	assert_string_equal(d->reply, "552 5.2.2");
	assert_int_equal(a->attempts, 1);
	assert_int_equal(a->host, 0);
	assert_int_equal(a->tls, 0);
	assert_true(a->decided_at > 0);
	assert_int_equal(r.domains_found, 1);
	assert_int_equal(r.ca[0], SMTP_CA_NO);
	assert_string_equal(r.ca_domain[0], "plain.test");
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.domains, 1);
	assert_int_equal(st.addresses, 4);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.rcpts, 5);
	assert_int_equal(st.outcome[SMTP_ACCEPTED], 1);
	assert_int_equal(st.outcome[SMTP_NO_MAILBOX], 1);
	run_end(&r);

	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 1);
	assert_int_equal(sessions_for(&lg, "plain.test"), 1);
	assert_int_equal(rcpts(&lg.s[0], rc, 16), 5);
	assert_true(is_random(rc[0], "plain.test"));
	assert_string_equal(rc[1], "alice@plain.test>");
	assert_string_equal(rc[4], "dave@plain.test>");
	assert_string_equal(lg.s[0].cmds[0], "EHLO probe.leadgate.test");
	assert_string_equal(lg.s[0].cmds[1], "MAIL FROM:<verify@leadgate.test>");
}

/* A catch-all domain: the random address is accepted, so is every real
 * one, and they are catch-all, not accepted. */
static void test_catch_all(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "anyone@catchall.test");
	const struct smtp_result *b = add(&r, "other@catchall.test");
	hosts(&r, "catchall.test", 1, "127.0.0.3");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_CATCH_ALL);
	assert_int_equal(b->outcome, SMTP_CATCH_ALL);
	assert_string_equal(a->reply, "250 2.1.5");
	assert_int_equal(r.domains_found, 1);
	assert_int_equal(r.ca[0], SMTP_CA_YES);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "catchall.test"), 1);
}

/* A known catch-all state skips the random RCPT TO. */
static void test_prime(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	const char *rc[16];
	(void)state;

	run_start(&r, &o);
	smtp_prober_prime(r.p, "primed-no.test", 14, SMTP_CA_NO);
	smtp_prober_prime(r.p, "primed-yes.test", 15, SMTP_CA_YES);
	const struct smtp_result *a = add(&r, "alice@primed-no.test");
	const struct smtp_result *b = add(&r, "alice@primed-yes.test");
	hosts(&r, "primed-no.test", 1, "127.0.0.3");
	hosts(&r, "primed-yes.test", 1, "127.0.0.3");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_CATCH_ALL);
	assert_int_equal(r.domains_found, 0);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	for (int i = 0; i < lg.n; i++) {
		assert_int_equal(rcpts(&lg.s[i], rc, 16), 1);
		assert_string_equal(rc[0] + 6, lg.s[i].domains[7] == 'n' ? "primed-no.test>"
									 : "primed-yes.test>");
	}
}

/* An address accepted by a host whose answer to the random address says
 * nothing (5.3.0) is undecided, not deliverable: it cannot be told from a
 * catch-all's. */
static void test_catch_all_unknown(void **state)
{
	struct run r;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@odd.test");
	const struct smtp_result *b = add(&r, "bob@odd.test");
	hosts(&r, "odd.test", 1, "127.0.0.20");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_UNDECIDED);
	assert_string_equal(a->reply, "250 2.1.5");
	assert_int_equal(b->outcome, SMTP_UNDECIDED);
	assert_string_equal(b->reply, "553 5.3.0");
	assert_int_equal(r.domains_found, 0); /* an unknown state is not reported */
	run_end(&r);
}

/* Microsoft 365's 5.4.1 "Access denied" and Exim's 550 without an
 * enhanced code are no mailbox. */
static void test_wordings(void **state)
{
	struct run r;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@ms.test");
	const struct smtp_result *b = add(&r, "nobody@ms.test");
	const struct smtp_result *c = add(&r, "alice@exim.test");
	const struct smtp_result *d = add(&r, "nobody@exim.test");
	hosts(&r, "ms.test", 1, "127.0.0.15");
	hosts(&r, "exim.test", 1, "127.0.0.16");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	assert_string_equal(b->reply, "550 5.4.1");
	assert_int_equal(c->outcome, SMTP_ACCEPTED);
	assert_string_equal(c->reply, "250");
	assert_int_equal(d->outcome, SMTP_NO_MAILBOX);
	assert_string_equal(d->reply, "550");
	run_end(&r);
}

/* Several MX hosts, the first refusing: with 421, and with no listener;
 * the next host decides. */
static void test_fallback(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@fb421.test");
	const struct smtp_result *b = add(&r, "alice@fbclosed.test");
	hosts(&r, "fb421.test", 2, "127.0.0.4", "127.0.0.5");
	hosts(&r, "fbclosed.test", 2, "127.0.0.6", "127.0.0.5");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->host, 1);
	assert_int_equal(b->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->host, 1);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.connects_failed, 1);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_on(&lg, "127.0.0.4"), 1);
	assert_int_equal(sessions_on(&lg, "127.0.0.5"), 2);
	assert_int_equal(sessions_for(&lg, "fb421.test"), 1);
	assert_int_equal(sessions_for(&lg, "fbclosed.test"), 1);
}

/* A host's addresses are tried in order, IPv6 among them: the first
 * refuses, the second (::1) decides, and it is still host 0. */
static void test_host_addresses(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_host h = {.name = "mx.v6.test", .naddr = 2};
	(void)state;

	if (!W.v6)
		skip();
	h.addr[0].family = AF_INET;
	inet_pton(AF_INET, "127.0.0.6", h.addr[0].addr);
	h.addr[1].family = AF_INET6;
	inet_pton(AF_INET6, "::1", h.addr[1].addr);
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@v6.test");
	const struct smtp_result *b = add(&r, "bob@v6.test");
	smtp_prober_hosts(r.p, "v6.test", 7, &h, 1);
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->host, 0);
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 1);
	assert_string_equal(lg.s[0].host, "::1");
}

/* Every host failing: 421 everywhere is a timeout, no listener anywhere
 * no connection; a tarpit slower than the reply timeout is a timeout. */
static void test_all_hosts_fail(void **state)
{
	struct run r;
	struct smtp_opts o = opts();
	(void)state;

	o.banner_ms = 300;
	o.reply_ms = 300;
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@dead421.test");
	const struct smtp_result *b = add(&r, "alice@deadclosed.test");
	const struct smtp_result *c = add(&r, "alice@tarpit.test");
	hosts(&r, "dead421.test", 1, "127.0.0.4");
	hosts(&r, "deadclosed.test", 1, "127.0.0.6");
	hosts(&r, "tarpit.test", 1, "127.0.0.10");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_TIMEOUT);
	assert_string_equal(a->reply, "421 4.3.2");
	assert_int_equal(b->outcome, SMTP_NO_CONNECT);
	assert_string_equal(b->reply, "");
	assert_int_equal(c->outcome, SMTP_TIMEOUT);
	run_end(&r);
}

/* With result_ttl_s (the service's), an answer older than it is asked
 * again when its address comes again, in place (the same result), and a
 * dead domain gets a session again; a fresh answer is not asked again.
 * The prober's clock is the system's: the test waits past 1 s. */
static void test_result_ttl(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_stats st;
	struct smtp_opts o = opts();
	(void)state;

	o.result_ttl_s = 1;
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@ttl.test");
	const struct smtp_result *b = add(&r, "alice@ttldead.test");
	hosts(&r, "ttl.test", 1, "127.0.0.2");
	hosts(&r, "ttldead.test", 1, "127.0.0.6");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_NO_CONNECT);
	/* At once: the same answers, nothing asked. */
	assert_ptr_equal(add(&r, "alice@ttl.test"), a);
	assert_int_equal(add(&r, "bob@ttldead.test")->outcome, SMTP_NO_CONNECT);
	assert_int_equal(smtp_prober_busy(r.p), 0);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.asked_again, 0);
	assert_int_equal(st.connects_failed, 1);

	assert_int_equal(poll(NULL, 0, 1100), 0);
	assert_ptr_equal(add(&r, "alice@ttl.test"), a);
	assert_int_equal(a->outcome, SMTP_PENDING);
	const struct smtp_result *c = add(&r, "carol@ttldead.test");
	assert_int_equal(c->outcome, SMTP_PENDING);
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(c->outcome, SMTP_NO_CONNECT);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.asked_again, 1);
	assert_int_equal(st.connects_failed, 2);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "ttl.test"), 2);
}

/* A domain without a host to ask is not probed. */
static void test_no_hosts(void **state)
{
	struct run r;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@nomx.test");
	smtp_prober_hosts(r.p, "nomx.test", 9, NULL, 0);
	assert_int_equal(a->outcome, SMTP_NOT_PROBED);
	assert_int_equal(smtp_prober_busy(r.p), 0);
	const struct smtp_result *b = add(&r, "bob@nomx.test");
	assert_int_equal(b->outcome, SMTP_NOT_PROBED);
	run_end(&r);
}

/* STARTTLS offered: taken; required (530 before it): taken; required
 * with TLS off: undecided. */
static void test_starttls(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@tls-offered.test");
	const struct smtp_result *b = add(&r, "alice@tls-required.test");
	hosts(&r, "tls-offered.test", 1, "127.0.0.7");
	hosts(&r, "tls-required.test", 1, "127.0.0.8");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->tls, 1);
	assert_int_equal(b->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->tls, 1);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.tls, 2);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	for (int i = 0; i < lg.n; i++) {
		assert_true(lg.s[i].tls);
		/* EHLO again after TLS (RFC 3207 4.2) */
		int ehlo = 0;
		for (int c = 0; c < lg.s[i].ncmd; c++)
			ehlo += !strncmp(lg.s[i].cmds[c], "EHLO ", 5);
		assert_int_equal(ehlo, 2);
	}

	o.no_tls = true;
	run_start(&r, &o);
	const struct smtp_result *c = add(&r, "alice@tls-refused.test");
	hosts(&r, "tls-refused.test", 1, "127.0.0.8");
	run_wait(&r);
	assert_int_equal(c->outcome, SMTP_UNDECIDED);
	assert_string_equal(c->reply, "530 5.7.0");
	assert_int_equal(c->tls, 0);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_false(lg.s[0].tls);
}

/* Greylisting that accepts after a second: both the random address and
 * the real ones are deferred, retried in a second session, then decided;
 * and a greylist longer than the wait ends greylisted. */
static void test_greylist(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	const char *rc1[16], *rc2[16];
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@grey.test");
	const struct smtp_result *b = add(&r, "bob@grey.test");
	hosts(&r, "grey.test", 1, "127.0.0.9");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->attempts, 2);
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	assert_int_equal(r.ca[0], SMTP_CA_NO);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.retries, 2);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "grey.test"), 2);
	assert_int_equal(rcpts(&lg.s[0], rc1, 16), 3);
	assert_int_equal(rcpts(&lg.s[1], rc2, 16), 3);
	assert_true(is_random(rc1[0], "grey.test"));
	assert_string_equal(rc1[0], rc2[0]); /* the same random address again */

	o.greylist_wait_s = 1;
	run_start(&r, &o);
	const struct smtp_result *c = add(&r, "alice@grey-long.test");
	hosts(&r, "grey-long.test", 1, "127.0.0.19");
	run_wait(&r);
	assert_int_equal(c->outcome, SMTP_GREYLISTED);
	assert_string_equal(c->reply, "450 4.2.0");
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "grey-long.test"), 2);
}

/* A drop in mid-session: what was answered stands, the rest (one MX) is
 * no connection. */
static void test_drop(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@drop.test");
	const struct smtp_result *b = add(&r, "bob@drop.test");
	const struct smtp_result *c = add(&r, "carol@drop.test");
	hosts(&r, "drop.test", 1, "127.0.0.11");
	run_wait(&r);
	/* EHLO, MAIL, the random RCPT, alice's; bob's is the 5th: dropped */
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_NO_CONNECT);
	assert_int_equal(c->outcome, SMTP_NO_CONNECT);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 1);
	assert_string_equal(lg.s[0].by, "drop");
}

/* 452 after three recipients: the rest in a new session. */
static void test_too_many(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	const char *rc[16];
	const struct smtp_result *u[5];
	char addr[32];
	(void)state;

	run_start(&r, &o);
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof(addr), "u%d@many.test", i + 1);
		u[i] = add(&r, addr);
	}
	hosts(&r, "many.test", 1, "127.0.0.12");
	run_wait(&r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(u[i]->outcome, SMTP_ACCEPTED);
	assert_int_equal(u[2]->attempts, 1); /* the 452 is no attempt */
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "many.test"), 2); /* 1 + one per 452 */
	assert_int_equal(rcpts(&lg.s[0], rc, 16), 4);        /* random, u1, u2, u3 (452) */
	assert_string_equal(rc[3], "u3@many.test>");
	assert_int_equal(rcpts(&lg.s[1], rc, 16), 3); /* u3, u4, u5 */
	assert_string_equal(rc[0], "u3@many.test>");
}

/* rcpt_max recipients per session at most. */
static void test_rcpt_max(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	const char *rc[16];
	static const char *const who[] = {"alice", "bob", "carol", "dave", "erin"};
	char addr[32];
	(void)state;

	o.rcpt_max = 2;
	run_start(&r, &o);
	for (int i = 0; i < 5; i++) {
		snprintf(addr, sizeof(addr), "%s@rmax.test", who[i]);
		add(&r, addr);
	}
	hosts(&r, "rmax.test", 1, "127.0.0.2");
	run_wait(&r);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "rmax.test"), 3);
	assert_int_equal(rcpts(&lg.s[0], rc, 16), 3); /* the random one, and two */
	assert_int_equal(rcpts(&lg.s[1], rc, 16), 2);
	assert_int_equal(rcpts(&lg.s[2], rc, 16), 1);
}

/* A block at the banner: blocked, and the domain's other MX is not
 * asked; a block at RCPT TO: blocked, every address. */
static void test_blocked(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@blk-banner.test");
	const struct smtp_result *b = add(&r, "bob@blk-banner.test");
	const struct smtp_result *c = add(&r, "alice@blk-rcpt.test");
	const struct smtp_result *d = add(&r, "bob@blk-rcpt.test");
	hosts(&r, "blk-banner.test", 2, "127.0.0.13", "127.0.0.5");
	hosts(&r, "blk-rcpt.test", 2, "127.0.0.14", "127.0.0.5");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_BLOCKED);
	assert_string_equal(a->reply, "554 5.7.1");
	assert_int_equal(b->outcome, SMTP_BLOCKED);
	assert_int_equal(c->outcome, SMTP_BLOCKED);
	assert_string_equal(c->reply, "550 5.7.1");
	assert_int_equal(d->outcome, SMTP_BLOCKED);
	assert_int_equal(r.domains_found, 0);
	/* later addresses of a blocked domain are blocked at once */
	const struct smtp_result *e = add(&r, "carol@blk-rcpt.test");
	assert_int_equal(e->outcome, SMTP_BLOCKED);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_on(&lg, "127.0.0.5"), 0);
	assert_int_equal(lg.n, 2);
	for (int i = 0; i < lg.n; i++)
		if (!strcmp(lg.s[i].host, "127.0.0.14"))
			assert_int_equal(lg.s[i].rcpts, 1); /* no other address after a block */
}

/* Many domains on one host: never more sessions at once than per_host,
 * one session per domain, and addresses added while a session runs ride
 * in it. */
static void test_per_host(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	char addr[64], dom[32];
	(void)state;

	for (unsigned cap = 1; cap <= 2; cap++) {
		o.per_host = cap;
		o.interval_ms = cap == 1 ? 10 : -1;
		run_start(&r, &o);
		for (int i = 0; i < 8; i++) {
			snprintf(dom, sizeof(dom), "shared%u-%d.test", cap, i);
			snprintf(addr, sizeof(addr), "alice@%s", dom);
			add(&r, addr);
			snprintf(addr, sizeof(addr), "bob@%s", dom);
			add(&r, addr);
			hosts(&r, dom, 1, "127.0.0.17");
		}
		run_wait(&r);
		smtp_prober_stats(r.p, &st);
		assert_int_equal(st.sessions, 8);
		assert_true(st.peak_sessions <= cap);
		assert_int_equal(st.outcome[SMTP_ACCEPTED], 8);
		assert_int_equal(st.outcome[SMTP_NO_MAILBOX], 8);
		run_end(&r);
		log_read(&r, &lg);
		manners(&lg);
		assert_int_equal(lg.n, 8);
		for (int i = 0; i < lg.n; i++) {
			assert_true(lg.s[i].concurrent <= (int)cap);
			assert_int_equal(lg.s[i].rcpts, 3);
		}
	}
}

/* Through the server's SOCKS5 proxy: the CONNECT names the MX address. */
static void test_socks(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	char proxy[64], want[64];
	(void)state;

	snprintf(proxy, sizeof(proxy), "socks5://127.0.0.1:%d", W.socks);
	o.proxy = proxy;
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@socks.test");
	const struct smtp_result *b = add(&r, "bob@socks.test");
	hosts(&r, "socks.test", 1, "127.0.0.18");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.socks, 1);
	snprintf(want, sizeof(want), "127.0.0.18:%d", W.port);
	assert_string_equal(lg.socks_dest, want);
	assert_int_equal(sessions_for(&lg, "socks.test"), 1);
}

/* Options that cannot work are refused with the reason. */
static void test_bad_opts(void **state)
{
	struct loop *l;
	struct smtp_prober *p;
	struct lg_err err;
	struct smtp_opts o = opts();
	(void)state;

	assert_int_equal(loop_new(&l, &err), LG_OK);
	o.helo = NULL;
	assert_int_equal(smtp_prober_new(&p, l, &o, &err), LG_EUSAGE);
	assert_null(p);
	o = opts();
	o.mail_from = "";
	assert_int_equal(smtp_prober_new(&p, l, &o, &err), LG_EUSAGE);
	o = opts();
	o.proxy = "http://127.0.0.1:1080";
	assert_int_equal(smtp_prober_new(&p, l, &o, &err), LG_EUSAGE);
	assert_non_null(strstr(err.msg, "socks5://"));
	o.proxy = "socks5://127.0.0.1:99999";
	assert_int_equal(smtp_prober_new(&p, l, &o, &err), LG_EUSAGE);
	o.proxy = "socks5://127.0.0.1";
	assert_int_equal(smtp_prober_new(&p, l, &o, &err), LG_EUSAGE);
	loop_free(l);
}

/* The SOCKS5 messages, octet by octet (RFC 1928 4 and 6). */
static void test_socks_messages(void **state)
{
	unsigned char b[32];
	struct smtp_addr a4 = {.family = AF_INET, .addr = {127, 0, 0, 9}};
	struct smtp_addr a6 = {.family = AF_INET6, .addr = {[15] = 1}};
	(void)state;

	assert_int_equal(smtp_socks_greeting(b), 3);
	assert_memory_equal(b, "\5\1\0", 3);
	assert_int_equal(smtp_socks_method((const unsigned char *)"\5", 1), 0);
	assert_int_equal(smtp_socks_method((const unsigned char *)"\5\0", 2), 2);
	assert_int_equal(smtp_socks_method((const unsigned char *)"\5\377", 2), -1);
	assert_int_equal(smtp_socks_request(&a4, 25, b), 10);
	assert_memory_equal(b, "\5\1\0\1\177\0\0\11\0\31", 10);
	assert_int_equal(smtp_socks_request(&a6, 2525, b), 22);
	assert_int_equal(b[3], 4);
	assert_int_equal(b[19], 1);
	assert_int_equal(b[20] << 8 | b[21], 2525);
	assert_int_equal(smtp_socks_reply((const unsigned char *)"\5\0\0\1\0\0\0\0\0", 9), 0);
	assert_int_equal(smtp_socks_reply((const unsigned char *)"\5\0\0\1\0\0\0\0\0\0"
								 "220",
					  13),
			 10);
	assert_int_equal(smtp_socks_reply((const unsigned char *)"\5\5", 2), -1);
	assert_int_equal(smtp_socks_reply((const unsigned char *)"\5\0\0\7\0", 5), -1);
}

/* Addresses added while their domain's session runs ride in it; one
 * added once it is over gets a session of its own. */
static void add_from_callback(void *arg, const char *domain, size_t len, enum smtp_catch_all ca,
			      uint32_t at)
{
	struct run *r = arg;
	(void)domain;
	(void)len;
	(void)ca;
	(void)at;
	r->domains_found++;
	add(r, "erin@stream.test"); /* the probe is answered: the session is at RCPT */
}

static void test_streaming(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	smtp_prober_on_domain(r.p, add_from_callback, &r);
	const struct smtp_result *a = add(&r, "alice@stream.test");
	hosts(&r, "stream.test", 1, "127.0.0.2");
	run_wait(&r);
	const struct smtp_result *e = add(&r, "erin@stream.test");
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(e->outcome, SMTP_ACCEPTED);
	assert_int_equal(r.domains_found, 1);
	const struct smtp_result *f = add(&r, "frank@stream.test");
	assert_int_equal(f->outcome, SMTP_PENDING);
	assert_int_equal(smtp_prober_busy(r.p), 1);
	run_wait(&r);
	assert_int_equal(f->outcome, SMTP_ACCEPTED);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	assert_int_equal(lg.s[0].rcpts, 3); /* random, alice, erin */
	assert_int_equal(lg.s[1].rcpts, 1); /* frank: the catch-all state is known */
}

/* Gathering, as a job does while it reads: addresses of one domain added
 * one by one, with the loop stepped between them, wait for rcpt_max of
 * theirs or the end of gathering, then share a session; nothing waiting
 * to gather counts as busy. */
static void test_gather(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	char addr[64];
	const struct smtp_result *res[7];
	(void)state;

	o.rcpt_max = 3;
	run_start(&r, &o);
	smtp_prober_gather(r.p, true);
	hosts(&r, "gather.test", 1, "127.0.0.24");
	for (int i = 0; i < 7; i++) {
		snprintf(addr, sizeof(addr), "user%d@gather.test", i);
		res[i] = add(&r, addr);
		if (i == 1) /* two waiting: no session, nothing in hand */
			assert_int_equal(smtp_prober_busy(r.p), 0);
		if (i == 2) /* three: a session's load in hand, in addresses */
			assert_int_equal(smtp_prober_busy(r.p), 3);
		loop_step(r.loop, 0);
	}
	run_wait(&r); /* the sessions of the first 3 and the next 3 */
	/* The host takes any address: a catch-all. */
	assert_int_equal(res[0]->outcome, SMTP_CATCH_ALL);
	assert_int_equal(res[5]->outcome, SMTP_CATCH_ALL);
	assert_int_equal(res[6]->outcome, SMTP_PENDING); /* gathering still */
	smtp_prober_gather(r.p, false);
	assert_int_equal(smtp_prober_busy(r.p), 1);
	run_wait(&r);
	assert_int_equal(res[6]->outcome, SMTP_CATCH_ALL);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_for(&lg, "gather.test"), 3);
	assert_int_equal(lg.s[0].rcpts, 4); /* the random one and 3 */
	assert_int_equal(lg.s[1].rcpts, 3);
	assert_int_equal(lg.s[2].rcpts, 1);
}

/* Without allow_private, a host at a loopback or private address is left
 * out: a domain with none left is not probed, and nothing connects. */
static void test_private_refused(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_stats st;
	struct smtp_opts o = opts();
	(void)state;

	o.allow_private = false;
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@private.test");
	hosts(&r, "private.test", 2, "127.0.0.2", "10.0.0.25");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_NOT_PROBED);
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.sessions, 0);
	run_end(&r);
	log_read(&r, &lg);
	assert_int_equal(sessions_for(&lg, "private.test"), 0);
}

/* Deferred at MAIL FROM: every address waits and is retried, greylisted
 * in the end; blocked at MAIL FROM: blocked. */
static void test_mail_phase(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	o.greylist_wait_s = 1;
	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@mailgrey.test");
	const struct smtp_result *b = add(&r, "bob@mailgrey.test");
	const struct smtp_result *c = add(&r, "alice@mailblock.test");
	hosts(&r, "mailgrey.test", 1, "127.0.0.21");
	hosts(&r, "mailblock.test", 1, "127.0.0.22");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_GREYLISTED);
	assert_string_equal(a->reply, "451 4.7.1");
	assert_int_equal(b->outcome, SMTP_GREYLISTED);
	assert_int_equal(c->outcome, SMTP_BLOCKED);
	assert_string_equal(c->reply, "550 5.7.1");
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(sessions_on(&lg, "127.0.0.21"), 2);
	assert_int_equal(sessions_on(&lg, "127.0.0.22"), 1);
	for (int i = 0; i < lg.n; i++)
		assert_int_equal(lg.s[i].rcpts, 0);
}

/* A reply line over 512 octets ends the session as a drop: what was
 * answered before stands. */
static void test_long_line(void **state)
{
	struct run r;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@longline.test");
	const struct smtp_result *b = add(&r, "long@longline.test");
	hosts(&r, "longline.test", 1, "127.0.0.23");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(b->outcome, SMTP_NO_CONNECT);
	run_end(&r);
}

/* ---- TLS asked for at RCPT TO, and a reply over 64 KiB ---- */

/* The index of the first command of s that is cmd from index from on, or
 * -1. */
static int cmd_at(const struct sess *s, int from, const char *cmd)
{
	for (int c = from; c < s->ncmd; c++)
		if (!strcmp(s->cmds[c], cmd))
			return c;
	return -1;
}

/* RFC 3207 4's 530 at MAIL FROM: the host offers STARTTLS but refuses
 * the first (454), the session goes on in plain text, MAIL gets 530, and
 * STARTTLS is asked again and taken: the address is decided in TLS. */
static void test_mail_starttls(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	smtp_prober_prime(r.p, "mailtls.test", 12, SMTP_CA_NO);
	const struct smtp_result *a = add(&r, "alice@mailtls.test");
	hosts(&r, "mailtls.test", 1, "127.0.0.31");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->tls, 1);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 1);
	assert_true(lg.s[0].tls);
}

/* 530 5.7.0 at RCPT TO from a host that offered STARTTLS (and refused it
 * once, 454): RSET, STARTTLS, EHLO, MAIL FROM and the same RCPT TO again;
 * the address is decided by its answer in TLS and counted once.  The
 * random address waits so (catchtls.test), and a real one (primed). */
static void test_rcpt_starttls(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	struct smtp_stats st;
	const char *rc[16];
	(void)state;

	run_start(&r, &o);
	smtp_prober_prime(r.p, "rcpttls-primed.test", 19, SMTP_CA_NO);
	const struct smtp_result *a = add(&r, "alice@rcpttls.test");
	const struct smtp_result *b = add(&r, "bob@rcpttls.test");
	const struct smtp_result *c = add(&r, "alice@rcpttls-primed.test");
	hosts(&r, "rcpttls.test", 1, "127.0.0.25");
	hosts(&r, "rcpttls-primed.test", 1, "127.0.0.25");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_string_equal(a->reply, "250 2.1.5");
	assert_int_equal(a->tls, 1);
	assert_int_equal(a->attempts, 1);
	assert_int_equal(b->outcome, SMTP_NO_MAILBOX);
	assert_int_equal(c->outcome, SMTP_ACCEPTED);
	assert_int_equal(c->tls, 1);
	assert_int_equal(c->attempts, 1);
	assert_int_equal(r.domains_found, 1);
	assert_int_equal(r.ca[0], SMTP_CA_NO); /* the random address's answer in TLS */
	smtp_prober_stats(r.p, &st);
	assert_int_equal(st.sessions, 2);
	assert_int_equal(st.rcpts, 4); /* the random one, alice, bob; alice: once each */
	assert_int_equal(st.tls, 2);
	run_end(&r);

	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	for (int i = 0; i < lg.n; i++) {
		const struct sess *s = &lg.s[i];
		bool primed = !strcmp(s->domains, "rcpttls-primed.test");
		int n = rcpts(s, rc, 16);
		assert_true(s->tls);
		/* the first RCPT TO, answered 530, then again in TLS */
		assert_int_equal(n, primed ? 2 : 4);
		assert_string_equal(rc[0], rc[1]);
		if (primed)
			assert_string_equal(rc[0], "alice@rcpttls-primed.test>");
		else
			assert_true(is_random(rc[0], "rcpttls.test"));
		int rset = cmd_at(s, 0, "RSET");
		assert_true(rset > 0);
		assert_string_equal(s->cmds[rset - 1] + 9, rc[0]); /* right after the 530 */
		assert_string_equal(s->cmds[rset + 1], "STARTTLS");
		assert_string_equal(s->cmds[rset + 2], "EHLO probe.leadgate.test");
		assert_string_equal(s->cmds[rset + 3], "MAIL FROM:<verify@leadgate.test>");
		assert_string_equal(s->cmds[rset + 4] + 9, rc[0]);
		assert_int_equal(cmd_at(s, rset + 1, "RSET"), -1);
	}

	/* STARTTLS refused again (454): the address waiting for it is not
	 * lost, the next MX answers it. */
	run_start(&r, &o);
	smtp_prober_prime(r.p, "rcpttls-next.test", 17, SMTP_CA_NO);
	const struct smtp_result *d = add(&r, "alice@rcpttls-next.test");
	hosts(&r, "rcpttls-next.test", 2, "127.0.0.30", "127.0.0.5");
	run_wait(&r);
	assert_int_equal(d->outcome, SMTP_ACCEPTED);
	assert_int_equal(d->host, 1);
	assert_int_equal(d->attempts, 1);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	assert_string_equal(lg.s[0].host, "127.0.0.30");
	assert_int_equal(lg.s[0].rcpts, 1);
	assert_int_equal(cmd_at(&lg.s[0], 0, "RSET"), lg.s[0].ncmd - 3); /* RSET STARTTLS QUIT */
}

/* 530 5.7.0 at RCPT TO decides nothing where the session cannot start
 * TLS: not offered, TLS on already, TLS not allowed. */
static void test_rcpt_starttls_not(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@rcpttls-unoffered.test");
	const struct smtp_result *b = add(&r, "alice@rcpttls-on.test");
	hosts(&r, "rcpttls-unoffered.test", 1, "127.0.0.26");
	hosts(&r, "rcpttls-on.test", 1, "127.0.0.27");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_UNDECIDED);
	assert_string_equal(a->reply, "530 5.7.0");
	assert_int_equal(a->tls, 0);
	assert_int_equal(b->outcome, SMTP_UNDECIDED);
	assert_string_equal(b->reply, "530 5.7.0");
	assert_int_equal(b->tls, 1);
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 2);
	for (int i = 0; i < lg.n; i++) {
		assert_int_equal(cmd_at(&lg.s[i], 0, "RSET"), -1);
		assert_int_equal(lg.s[i].rcpts, 2); /* the random one, alice */
	}

	o.no_tls = true;
	run_start(&r, &o);
	const struct smtp_result *c = add(&r, "alice@rcpttls-off.test");
	hosts(&r, "rcpttls-off.test", 1, "127.0.0.25");
	run_wait(&r);
	assert_int_equal(c->outcome, SMTP_UNDECIDED);
	assert_string_equal(c->reply, "530 5.7.0");
	run_end(&r);
	log_read(&r, &lg);
	manners(&lg);
	assert_int_equal(lg.n, 1);
	assert_false(lg.s[0].tls);
	assert_int_equal(cmd_at(&lg.s[0], 0, "RSET"), -1);
	assert_int_equal(cmd_at(&lg.s[0], 0, "STARTTLS"), -1);
}

/* A reply over 64 KiB, every line within 512 octets, ends the session
 * as a drop: at EHLO the next MX decides; at RCPT TO, with no other MX,
 * the address is no connection.  The session hangs up on the flood (the
 * server sees the client close), and the loop's timers are all gone. */
static void test_reply_flood(void **state)
{
	struct run r;
	struct log lg;
	struct smtp_opts o = opts();
	(void)state;

	run_start(&r, &o);
	const struct smtp_result *a = add(&r, "alice@flood-ehlo.test");
	const struct smtp_result *b = add(&r, "alice@flood-rcpt.test");
	hosts(&r, "flood-ehlo.test", 2, "127.0.0.28", "127.0.0.5");
	hosts(&r, "flood-rcpt.test", 1, "127.0.0.29");
	run_wait(&r);
	assert_int_equal(a->outcome, SMTP_ACCEPTED);
	assert_int_equal(a->host, 1);
	assert_int_equal(b->outcome, SMTP_NO_CONNECT);
	run_end(&r);
	log_read(&r, &lg);
	assert_int_equal(lg.n, 3);
	for (int i = 0; i < lg.n; i++) {
		const struct sess *s = &lg.s[i];
		const char *last = s->cmds[s->ncmd - 1];
		assert_int_equal(cmd_at(s, 0, "DATA"), -1);
		if (!strcmp(s->host, "127.0.0.5")) {
			assert_string_equal(last, "QUIT");
			continue;
		}
		/* no QUIT after a protocol error: the session just closes */
		assert_string_equal(s->by, "client");
		if (!strcmp(s->host, "127.0.0.28"))
			assert_string_equal(last, "EHLO probe.leadgate.test");
		else
			assert_true(is_random(last + 9, "flood-rcpt.test"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socks_messages),  cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_table),           cmocka_unit_test(test_catch_all),
		cmocka_unit_test(test_prime),           cmocka_unit_test(test_catch_all_unknown),
		cmocka_unit_test(test_wordings),        cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_host_addresses),  cmocka_unit_test(test_all_hosts_fail),
		cmocka_unit_test(test_no_hosts),        cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_greylist),        cmocka_unit_test(test_drop),
		cmocka_unit_test(test_too_many),        cmocka_unit_test(test_rcpt_max),
		cmocka_unit_test(test_blocked),         cmocka_unit_test(test_per_host),
		cmocka_unit_test(test_socks),           cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_mail_phase),      cmocka_unit_test(test_gather),
		cmocka_unit_test(test_result_ttl),      cmocka_unit_test(test_mail_starttls),
		cmocka_unit_test(test_private_refused), cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_rcpt_starttls),   cmocka_unit_test(test_rcpt_starttls_not),
		cmocka_unit_test(test_reply_flood),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
