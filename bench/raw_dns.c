/*
 * raw_dns.c - the DNS benchmark's floor: the mail-host lookups a verifier
 * must make for a list of domains, done with c-ares and nothing else.
 *
 *   raw_dns --dns 127.0.0.1:PORT [--concurrency K] [--timeout MS]
 *           [--tries N] [--rcvbuf BYTES] [--print] [--checkresp] DOMAINS
 *
 * DOMAINS holds one domain a line (bench/gen_world.py's domains.txt).
 * K domains are kept in flight.  For each domain: an MX query; if it is
 * answered NOERROR without MX records (NODATA), an A query; if that has no
 * A record either, an AAAA query (RFC 5321 section 5.1: no MX means the
 * domain itself is the mail host, the "implicit MX").  A domain's outcome
 * is one of
 *
 *   mx        one or more MX records, not a null MX
 *   null_mx   a single MX whose exchange is the root, "MX 0 ." (RFC 7505)
 *   implicit  no MX, but an A or AAAA record
 *   no_mail   no MX, A nor AAAA record
 *   nxdomain  the name does not exist
 *   servfail  SERVFAIL or REFUSED
 *   timeout   no answer within the tries (or connection refused)
 *   error     anything else (a malformed answer, ...)
 *
 * The counts and the wall time go to stderr at the end.  --print also
 * writes "domain TAB outcome TAB best-mx" per domain to stdout, in
 * completion order; best-mx is the MX with the lowest preference (ties:
 * the lexicographically smallest host), lower-case without the trailing
 * dot, or the domain itself for implicit.
 *
 * c-ares options: ARES_OPT_TIMEOUTMS (the first try's timeout; c-ares 1.18
 * doubles it on each further try, so --timeout 2000 --tries 2 gives up on a
 * silent server after 2 + 4 = 6 s), ARES_OPT_TRIES, ARES_FLAG_EDNS with
 * ARES_OPT_EDNSPSZ 1232, and ARES_FLAG_NOCHECKRESP so that SERVFAIL is
 * reported as such (see main; --checkresp leaves the flag off, to show
 * c-ares' default, which turns SERVFAIL into ARES_ECONNREFUSED).
 *
 * c-ares 1.18.1 only: ares_query() and the ares_parse_*_reply() functions,
 * driven by ARES_OPT_SOCK_STATE_CB + epoll, ares_process_fd() and
 * ares_timeout().  Build:
 *
 *   gcc -O2 -std=c17 -D_DEFAULT_SOURCE -Wall -Wextra bench/raw_dns.c \
 *       $(pkg-config --cflags --libs libcares)
 */
#include <ares.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum outcome {
	O_MX,
	O_NULL_MX,
	O_IMPLICIT,
	O_NO_MAIL,
	O_NXDOMAIN,
	O_SERVFAIL,
	O_TIMEOUT,
	O_ERROR,
	O_COUNT
};

static const char *const outcome_name[O_COUNT] = {
	"mx", "null_mx", "implicit", "no_mail", "nxdomain", "servfail", "timeout", "error",
};

enum stage { S_MX, S_A, S_AAAA };

struct run;

/* One domain in flight (one concurrency slot). */
struct job {
	struct run *run;
	const char *domain; /* borrowed from the input buffer */
	enum stage stage;
};

struct run {
	ares_channel channel;
	int epfd;
	char **domains; /* borrowed, into buf */
	size_t ndomains;
	size_t next;     /* next domain to start */
	size_t inflight; /* domains started, not finished */
	size_t done;
	int print;
	unsigned long count[O_COUNT];
	unsigned long queries;  /* ares_query() calls */
	unsigned long timeouts; /* c-ares' per-try timeouts, summed */
	unsigned long other_status[32];
	struct job *jobs; /* one per concurrency slot */
	struct job **free_jobs;
	size_t nfree;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("raw_dns: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel's count of UDP datagrams dropped because a socket's receive
 * buffer was full (all sockets on the machine), or -1. */
static long udp_rcvbuf_errors(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char head[1024], vals[1024];
	long result = -1;

	if (!f)
		return -1;
	while (fgets(head, sizeof head, f)) {
		if (strncmp(head, "Udp: ", 5) != 0)
			continue;
		if (!fgets(vals, sizeof vals, f))
			break;
		/* The first "Udp:" line names the columns, the second has them. */
		char *hs = NULL, *vs = NULL;
		char *h = strtok_r(head, " \n", &hs);
		char *v = strtok_r(vals, " \n", &vs);
		while (h && v) {
			if (strcmp(h, "RcvbufErrors") == 0) {
				result = strtol(v, NULL, 10);
				break;
			}
			h = strtok_r(NULL, " \n", &hs);
			v = strtok_r(NULL, " \n", &vs);
		}
		break;
	}
	fclose(f);
	return result;
}

static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct run *run = data;
	struct epoll_event ev = {0};

	ev.data.fd = fd;
	ev.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (!readable && !writable) {
		epoll_ctl(run->epfd, EPOLL_CTL_DEL, fd, NULL);
		return;
	}
	if (epoll_ctl(run->epfd, EPOLL_CTL_MOD, fd, &ev) != 0) {
		if (errno != ENOENT || epoll_ctl(run->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			die("epoll_ctl: %s", strerror(errno));
	}
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

static void submit(struct run *run, struct job *job)
{
	static const int type[] = {ns_t_mx, ns_t_a, ns_t_aaaa};

	run->queries++;
	ares_query(run->channel, job->domain, ns_c_in, type[job->stage], query_cb, job);
}

static void finish(struct run *run, struct job *job, enum outcome o, const char *mx)
{
	run->count[o]++;
	if (run->print)
		printf("%s\t%s\t%s\n", job->domain, outcome_name[o], mx ? mx : "");
	run->inflight--;
	run->done++;
	run->free_jobs[run->nfree++] = job;
}

/* ASCII lower-case copy of a host name without its trailing dot. */
static void host_lower(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < cap; src++)
		dst[n++] = (*src >= 'A' && *src <= 'Z') ? (char)(*src + 32) : *src;
	while (n > 0 && dst[n - 1] == '.')
		n--;
	dst[n] = '\0';
}

/* The outcome of a failed query (status other than ARES_SUCCESS and
 * ARES_ENODATA). */
static enum outcome failure(struct run *run, int status)
{
	switch (status) {
	case ARES_ENOTFOUND: return O_NXDOMAIN;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED: return O_SERVFAIL;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED: return O_TIMEOUT;
	default:
		if (status >= 0 && status < 32)
			run->other_status[status]++;
		return O_ERROR;
	}
}

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job *job = arg;
	struct run *run = job->run;
	char best[NS_MAXDNAME + 1];

	run->timeouts += (unsigned long)timeouts;
	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED)
		return;

	if (job->stage == S_MX) {
		if (status == ARES_SUCCESS) {
			struct ares_mx_reply *mx = NULL;
			int rc = ares_parse_mx_reply(abuf, alen, &mx);

			if (rc == ARES_SUCCESS && mx) {
				const struct ares_mx_reply *b = NULL;
				size_t n = 0;

				for (const struct ares_mx_reply *m = mx; m; m = m->next, n++) {
					if (!b || m->priority < b->priority ||
					    (m->priority == b->priority &&
					     strcasecmp(m->host, b->host) < 0))
						b = m;
				}
				if (n == 1 && (b->host[0] == '\0' || strcmp(b->host, ".") == 0)) {
					ares_free_data(mx);
					finish(run, job, O_NULL_MX, NULL);
					return;
				}
				host_lower(best, sizeof best, b->host);
				ares_free_data(mx);
				finish(run, job, O_MX, best);
				return;
			}
			if (mx)
				ares_free_data(mx);
			if (rc != ARES_ENODATA) { /* a broken answer */
				finish(run, job, failure(run, rc), NULL);
				return;
			}
			status = ARES_ENODATA; /* e.g. only a CNAME: no MX */
		}
		if (status != ARES_ENODATA) {
			finish(run, job, failure(run, status), NULL);
			return;
		}
		job->stage = S_A;
		submit(run, job);
		return;
	}

	/* S_A or S_AAAA: is there an address? */
	if (status == ARES_SUCCESS) {
		int naddr = 0, rc;

		if (job->stage == S_A) {
			struct ares_addrttl ttls[4];

			naddr = 4;
			rc = ares_parse_a_reply(abuf, alen, NULL, ttls, &naddr);
		} else {
			struct ares_addr6ttl ttls[4];

			naddr = 4;
			rc = ares_parse_aaaa_reply(abuf, alen, NULL, ttls, &naddr);
		}
		if (rc == ARES_SUCCESS && naddr > 0) {
			host_lower(best, sizeof best, job->domain);
			finish(run, job, O_IMPLICIT, best);
			return;
		}
		if (rc != ARES_SUCCESS && rc != ARES_ENODATA) {
			finish(run, job, failure(run, rc), NULL);
			return;
		}
		status = ARES_ENODATA;
	}
	if (status != ARES_ENODATA) {
		finish(run, job, failure(run, status), NULL);
		return;
	}
	if (job->stage == S_A) {
		job->stage = S_AAAA;
		submit(run, job);
		return;
	}
	finish(run, job, O_NO_MAIL, NULL);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	char *buf;

	if (!f)
		die("%s: %s", path, strerror(errno));
	buf = xmalloc(cap + 1);
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap) {
			if (ferror(f))
				die("%s: read error", path);
			break;
		}
		cap *= 2;
		char *nb = realloc(buf, cap + 1);
		if (!nb)
			die("out of memory");
		buf = nb;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die("%s: expected a number from %ld to %ld, got '%s'", opt, lo, hi, s);
	return v;
}

static void usage(void)
{
	fputs("usage: raw_dns --dns HOST:PORT [--concurrency K] [--timeout MS] [--tries N]\n"
	      "               [--rcvbuf BYTES] [--print] [--checkresp] DOMAINS\n",
	      stderr);
	exit(64);
}

int main(int argc, char **argv)
{
	const char *dns = NULL, *path = NULL;
	long concurrency = 256, timeout_ms = 2000, tries = 2;
	long rcvbuf = 0;
	int print = 0, checkresp = 0;
	struct run run = {0};
	struct ares_options opts = {0};
	int optmask, rc;
	size_t len;
	char *buf;
	double t0, t1;
	long drops0, drops1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--print") == 0) {
			print = 1;
		} else if (strcmp(a, "--checkresp") == 0) {
			checkresp = 1;
		} else if (i + 1 < argc && strcmp(a, "--dns") == 0) {
			dns = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--concurrency") == 0) {
			concurrency = parse_num(a, argv[++i], 1, 65536);
		} else if (i + 1 < argc && strcmp(a, "--timeout") == 0) {
			timeout_ms = parse_num(a, argv[++i], 1, 600000);
		} else if (i + 1 < argc && strcmp(a, "--rcvbuf") == 0) {
			rcvbuf = parse_num(a, argv[++i], 0, 1L << 30);
		} else if (i + 1 < argc && strcmp(a, "--tries") == 0) {
			tries = parse_num(a, argv[++i], 1, 20);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage();
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "raw_dns: unknown option or missing value: %s\n", a);
			usage();
		} else if (!path) {
			path = a;
		} else {
			usage();
		}
	}
	if (!dns || !path)
		usage();

	/* The domains: one a line, blank lines and CRs ignored. */
	buf = read_file(path, &len);
	size_t cap = 1024;
	run.domains = xmalloc(cap * sizeof *run.domains);
	for (char *p = buf, *e; p < buf + len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + len - p));
		if (!e)
			e = buf + len;
		*e = '\0';
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		if (*p == '\0')
			continue;
		if (run.ndomains == cap) {
			cap *= 2;
			char **nd = realloc(run.domains, cap * sizeof *run.domains);
			if (!nd)
				die("out of memory");
			run.domains = nd;
		}
		run.domains[run.ndomains++] = p;
	}

	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS)
		die("ares_library_init: %s", ares_strerror(rc));
	run.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (run.epfd < 0)
		die("epoll_create1: %s", strerror(errno));

	opts.timeout = (int)timeout_ms; /* with ARES_OPT_TIMEOUTMS: milliseconds */
	opts.tries = (int)tries;
	/* ARES_FLAG_NOCHECKRESP: c-ares 1.18.1 otherwise treats a SERVFAIL or
	 * REFUSED answer as a dead server: it retries the query (tries times)
	 * and then reports ARES_ECONNREFUSED, "could not contact DNS servers",
	 * as if nothing had answered.  With the flag the answer reaches
	 * ares_query()'s callback as ARES_ESERVFAIL / ARES_EREFUSED, at once. */
	opts.flags = ARES_FLAG_EDNS | (checkresp ? 0 : ARES_FLAG_NOCHECKRESP);
	opts.ednspsz = 1232;
	opts.sock_state_cb = sock_state_cb;
	opts.sock_state_cb_data = &run;
	optmask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_EDNSPSZ |
		  ARES_OPT_SOCK_STATE_CB;
	if (rcvbuf > 0) {
		/* All answers arrive on one UDP socket (c-ares 1.18 opens one per
		 * server); the kernel's default buffer (net.core.rmem_default,
		 * 208 KiB) overflows once a few hundred answers are in flight.
		 * SO_RCVBUF is capped by net.core.rmem_max. */
		opts.socket_receive_buffer_size = (int)rcvbuf;
		optmask |= ARES_OPT_SOCK_RCVBUF;
	}
	rc = ares_init_options(&run.channel, &opts, optmask);
	if (rc != ARES_SUCCESS)
		die("ares_init_options: %s", ares_strerror(rc));
	rc = ares_set_servers_ports_csv(run.channel, dns);
	if (rc != ARES_SUCCESS)
		die("--dns %s: %s (expected HOST:PORT, e.g. 127.0.0.1:53535)", dns,
		    ares_strerror(rc));

	run.print = print;
	run.jobs = xmalloc((size_t)concurrency * sizeof *run.jobs);
	run.free_jobs = xmalloc((size_t)concurrency * sizeof *run.free_jobs);
	for (long i = 0; i < concurrency; i++) {
		run.jobs[i].run = &run;
		run.free_jobs[run.nfree++] = &run.jobs[i];
	}

	struct epoll_event evs[64];

	drops0 = udp_rcvbuf_errors();
	t0 = now_s();
	for (;;) {
		/* Top up: K domains in flight. */
		while (run.nfree > 0 && run.next < run.ndomains) {
			struct job *job = run.free_jobs[--run.nfree];

			job->domain = run.domains[run.next++];
			job->stage = S_MX;
			run.inflight++;
			submit(&run, job);
		}
		if (run.inflight == 0)
			break;

		struct timeval tv, *tvp;
		int wait_ms = -1, n;

		tvp = ares_timeout(run.channel, NULL, &tv);
		if (tvp)
			wait_ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		n = epoll_wait(run.epfd, evs, (int)(sizeof evs / sizeof evs[0]), wait_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			ares_socket_t fd = evs[i].data.fd;
			ares_socket_t rfd = (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
						    ? fd
						    : ARES_SOCKET_BAD;
			ares_socket_t wfd = (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
						    ? fd
						    : ARES_SOCKET_BAD;

			ares_process_fd(run.channel, rfd, wfd);
		}
		if (n == 0) /* only time has passed: let c-ares expire queries */
			ares_process_fd(run.channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	}
	t1 = now_s();
	drops1 = udp_rcvbuf_errors();
	if (print && fflush(stdout) != 0)
		die("write error on standard output");

	double secs = t1 - t0;
	fprintf(stderr,
		"raw_dns: %zu domains in %.3f s (%.0f domains/s), %lu queries, "
		"concurrency %ld, timeout %ld ms, tries %ld, rcvbuf %ld\n",
		run.done, secs, secs > 0 ? (double)run.done / secs : 0.0, run.queries, concurrency,
		timeout_ms, tries, rcvbuf);
	fprintf(stderr, "raw_dns:");
	for (int o = 0; o < O_COUNT; o++)
		fprintf(stderr, " %s %lu", outcome_name[o], run.count[o]);
	fprintf(stderr,
		"\nraw_dns: per-try timeouts %lu, UDP receive-buffer drops on this host %ld\n",
		run.timeouts, (drops0 >= 0 && drops1 >= 0) ? drops1 - drops0 : -1L);
	for (int s = 0; s < 32; s++)
		if (run.other_status[s])
			fprintf(stderr, "raw_dns: error %s: %lu\n", ares_strerror(s),
				run.other_status[s]);
	/* One machine-readable line for run_dns.sh. */
	fprintf(stderr, "RAW_DNS domains=%zu seconds=%.4f queries=%lu", run.done, secs, run.queries);
	for (int o = 0; o < O_COUNT; o++)
		fprintf(stderr, " %s=%lu", outcome_name[o], run.count[o]);
	fprintf(stderr, " try_timeouts=%lu rcvbuf_drops=%ld\n", run.timeouts,
		(drops0 >= 0 && drops1 >= 0) ? drops1 - drops0 : -1L);

	ares_destroy(run.channel);
	ares_library_cleanup();
	close(run.epfd);
	free(run.jobs);
	free(run.free_jobs);
	free(run.domains);
	free(buf);
	return 0;
}
