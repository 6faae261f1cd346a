/*
 * test_http.c - handoff/http.c against a real HTTP server on 127.0.0.1,
 * run by a thread of the test: what it answers depends on the path, and
 * it keeps what it was asked, so that a test can tell whether a request
 * reached it at all.
 */
#include "handoff/http.h"
#include "common/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

struct server {
	int lfd, stop[2];
	int port;
	pthread_t th;
	pthread_mutex_t mu;
	unsigned requests; /* requests read */
	char line[512];    /* the last request's first line */
	char host[256];    /* its Host header */
	char agent[256];   /* its User-Agent header */
};

static struct server srv;

/* The value of header name in the head h, into out. */
static void header(const char *h, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	out[0] = '\0';
	for (const char *p = strstr(h, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		if (strlen(p + 2) > n && lg_ascii_eq(p + 2, n, name, n) && p[2 + n] == ':') {
			const char *v = p + 3 + n;
			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)strcspn(v, "\r\n"), v);
			return;
		}
}

static void send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the client went away (a body cut short) */
		s += w;
		n -= (size_t)w;
	}
}

static void answer(int fd)
{
	char head[4096];
	size_t len = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (len < sizeof(head) - 1 && !memmem(head, len, "\r\n\r\n", 4)) {
		if (poll(&p, 1, 10000) <= 0)
			return;
		ssize_t r = recv(fd, head + len, sizeof(head) - 1 - len, 0);
		if (r <= 0)
			return;
		len += (size_t)r;
	}
	head[len] = '\0';
	pthread_mutex_lock(&srv.mu);
	srv.requests++;
	snprintf(srv.line, sizeof(srv.line), "%.*s", (int)strcspn(head, "\r\n"), head);
	header(head, "Host", srv.host, sizeof(srv.host));
	header(head, "User-Agent", srv.agent, sizeof(srv.agent));
	pthread_mutex_unlock(&srv.mu);

	static const char ok[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
	static const char missing[] =
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	static const char moved[] = "HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n"
				    "Connection: close\r\n\r\n";
	if (!strncmp(head, "GET /ok", 7)) {
		send_all(fd, ok, sizeof(ok) - 1);
	} else if (!strncmp(head, "GET /redirect", 13)) {
		send_all(fd, moved, sizeof(moved) - 1);
	} else if (!strncmp(head, "GET /big", 8)) {
		/* Four times the cap, announced: the client stops reading. */
		static char chunk[16384];
		char h[128];
		int n = snprintf(
			h, sizeof(h),
			"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
			4 * HTTP_BODY_MAX);
		memset(chunk, 'x', sizeof(chunk));
		send_all(fd, h, (size_t)n);
		for (size_t i = 0; i < 4 * HTTP_BODY_MAX / sizeof(chunk); i++)
			send_all(fd, chunk, sizeof(chunk));
	} else if (!strncmp(head, "GET /slow", 9)) {
		/* No answer: wait for the client to give up and close. */
		char b[64];
		while (poll(&p, 1, 10000) > 0 && recv(fd, b, sizeof(b), 0) > 0)
			;
	} else {
		send_all(fd, missing, sizeof(missing) - 1);
	}
}

static void *server_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = srv.lfd, .events = POLLIN},
				      {.fd = srv.stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		int fd = accept(srv.lfd, NULL, NULL);
		if (fd < 0)
			continue;
		answer(fd);
		close(fd);
	}
}

static int server_start(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	(void)state;
	pthread_mutex_init(&srv.mu, NULL);
	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv.lfd < 0 || bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(srv.lfd, 16) != 0 || getsockname(srv.lfd, (struct sockaddr *)&a, &alen) != 0 ||
	    pipe(srv.stop) != 0)
		return -1;
	srv.port = ntohs(a.sin_port);
	return pthread_create(&srv.th, NULL, server_main, NULL) ? -1 : 0;
}

static int server_stop(void **state)
{
	(void)state;
	if (write(srv.stop[1], "x", 1) != 1)
		return -1;
	pthread_join(srv.th, NULL);
	close(srv.lfd);
	close(srv.stop[0]);
	close(srv.stop[1]);
	pthread_mutex_destroy(&srv.mu);
	return 0;
}

static unsigned requests(void)
{
	pthread_mutex_lock(&srv.mu);
	unsigned n = srv.requests;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

/* http://HOST:port/path on the test's server. */
static const char *url(const char *host, const char *path)
{
	static char u[256];
	snprintf(u, sizeof(u), "http://%s:%d%s", host, srv.port, path);
	return u;
}

static const struct http_opts local = {.allow_http = true, .allow_private = true};

static void test_200(void **state)
{
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	assert_int_equal(http_get(url("127.0.0.1", "/ok?Token=abc"), &local, &code, &err), LG_OK);
	assert_int_equal(code, 200);
	pthread_mutex_lock(&srv.mu);
	assert_string_equal(srv.line, "GET /ok?Token=abc HTTP/1.1");
	assert_string_equal(srv.agent, "leadgate/" LEADGATE_VERSION);
	pthread_mutex_unlock(&srv.mu);
}

static void test_404(void **state)
{
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	assert_int_equal(http_get(url("127.0.0.1", "/nothing"), &local, &code, &err), LG_OK);
	assert_int_equal(code, 404);
}

/* A redirect is an answer of its own: its target is not fetched. */
static void test_no_redirect(void **state)
{
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	unsigned before = requests();
	assert_int_equal(http_get(url("127.0.0.1", "/redirect"), &local, &code, &err), LG_OK);
	assert_int_equal(code, 302);
	assert_int_equal(requests(), before + 1);
}

static void test_body_cut(void **state)
{
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	assert_int_equal(http_get(url("127.0.0.1", "/big"), &local, &code, &err), LG_OK);
	assert_int_equal(code, 200);
}

/* The address connected to is judged, whatever the name: "localhost"
 * is refused as 127.0.0.1 is, and nothing reaches the server. */
static void test_private_refused(void **state)
{
	static const struct http_opts o = {.allow_http = true};
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	unsigned before = requests();
	assert_int_equal(http_get(url("127.0.0.1", "/ok"), &o, &code, &err), LG_EDATA);
	assert_int_equal(code, 0);
	assert_non_null(strstr(err.msg, "127.0.0.1 is a loopback"));
	assert_non_null(strstr(err.msg, "refused"));
	assert_int_equal(http_get(url("localhost", "/ok"), &o, &code, &err), LG_EDATA);
	assert_non_null(strstr(err.msg, "loopback"));
	assert_int_equal(requests(), before);
}

/* connect_to: the URL's host is what is asked for, the address given is
 * where, and it is that address that is checked. */
static void test_connect_to(void **state)
{
	char to[64];
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	snprintf(to, sizeof(to), "127.0.0.1:%d", srv.port);
	struct http_opts o = {.allow_http = true, .connect_to = to};
	unsigned before = requests();
	assert_int_equal(http_get("http://sns.us-east-1.amazonaws.com/ok?x=1", &o, &code, &err),
			 LG_EDATA);
	assert_non_null(strstr(err.msg, "http://sns.us-east-1.amazonaws.com"));
	assert_null(strstr(err.msg, "x=1")); /* a query may hold a token */
	assert_int_equal(requests(), before);
	o.allow_private = true;
	assert_int_equal(http_get("http://sns.us-east-1.amazonaws.com/ok?x=1", &o, &code, &err),
			 LG_OK);
	assert_int_equal(code, 200);
	pthread_mutex_lock(&srv.mu);
	assert_string_equal(srv.host, "sns.us-east-1.amazonaws.com");
	pthread_mutex_unlock(&srv.mu);
}

static void test_timeout(void **state)
{
	static const struct http_opts o = {.allow_http = true,
					   .allow_private = true,
					   .timeout_ms = 300};
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	assert_int_equal(http_get(url("127.0.0.1", "/slow"), &o, &code, &err), LG_ETEMP);
	assert_int_equal(code, 0);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_non_null(strstr(err.msg, "http://127.0.0.1:"));
}

static void test_https_required(void **state)
{
	static const struct http_opts o = {.allow_private = true};
	struct lg_err err = {{0}};
	long code = -1;
	(void)state;
	unsigned before = requests();
	assert_int_equal(http_get(url("127.0.0.1", "/ok"), &o, &code, &err), LG_EDATA);
	assert_non_null(strstr(err.msg, "https://"));
	assert_int_equal(http_get("ftp://127.0.0.1/ok", &local, &code, &err), LG_EDATA);
	assert_int_equal(http_get("not a url", NULL, &code, &err), LG_EDATA);
	assert_int_equal(requests(), before);
}

static bool public_addr(const char *ip)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1)
		in->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	else
		fail_msg("not an address: %s", ip);
	const char *what = NULL;
	bool pub = lg_addr_public((struct sockaddr *)&ss, &what);
	assert_true(pub == (what == NULL));
	return pub;
}

static void test_addr_public(void **state)
{
	static const char *const pub[] = {
		"8.8.8.8",        "1.1.1.1",          "172.32.0.1",      "100.128.0.1",
		"11.0.0.1",       "192.169.0.1",      "2606:4700::1111", "2a00:1450::1",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
	};
	static const char *const not_pub[] = {
		"0.0.0.0",
		"0.1.2.3",
		"10.1.2.3",
		"100.64.0.1",
		"100.127.255.255",
		"127.0.0.1",
		"127.9.9.9",
		"169.254.169.254",
		"172.16.0.1",
		"172.31.255.255",
		"192.168.1.1",
		"192.0.2.1",
		"198.18.0.1",
		"203.0.113.9",
		"224.0.0.1",
		"255.255.255.255",
		"::",
		"::1",
		"fc00::1",
		"fd12:3456::1",
		"fe80::1",
		"ff02::1",
		"2001:db8::1",
		"::ffff:127.0.0.1",
		"::ffff:10.0.0.1",
		"64:ff9b::a00:1",
		"2002:c0a8:101::1",
		"::127.0.0.1",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(pub) / sizeof(*pub); i++)
		if (!public_addr(pub[i]))
			fail_msg("%s is public", pub[i]);
	for (size_t i = 0; i < sizeof(not_pub) / sizeof(*not_pub); i++)
		if (public_addr(not_pub[i]))
			fail_msg("%s is not public", not_pub[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_200),
		cmocka_unit_test(test_404),
		cmocka_unit_test(test_no_redirect),
		cmocka_unit_test(test_body_cut),
		cmocka_unit_test(test_private_refused),
		cmocka_unit_test(test_connect_to),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_https_required),
		cmocka_unit_test(test_addr_public),
	};
	return cmocka_run_group_tests(tests, server_start, server_stop);
}
