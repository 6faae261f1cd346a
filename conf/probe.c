/*
 * probe.c - [smtp]: the mailbox prober's settings (smtp/smtp.h), and the
 * identity it refuses to start without.
 *
 * A mail host judges a prober by the names it gives: the EHLO name, and
 * the domain of MAIL FROM.  A name nobody controls (example.com,
 * localhost, a bare word) gets a prober refused or block-listed, and its
 * answers are worth nothing; so the stage does not start without a name
 * that can be the operator's, and a MAIL FROM on that name's domain.
 */
#include "conf.h"
#include "conf_int.h"
#include "smtp/smtp.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void conf_smtp_init(struct conf_smtp *s)
{
	memset(s, 0, sizeof(*s));
	s->port = 25;
	s->per_host = 2;
	s->total = 64;
	s->rcpt_max = 25;
	s->interval_ms = 250;
	s->connect_ms = 10000;
	s->banner_ms = 30000;
	s->reply_ms = 20000;
	s->greylist_wait_s = 300;
	s->greylist_delay_s = 60;
	s->tls = true;
}

enum lg_status conf_set_smtp(struct conf *c, const char *key, const char *val, const char *name,
			     unsigned line, struct lg_err *err)
{
	struct conf_smtp *s = &c->smtp;
	static const struct conf_whole whole[] = {
		{"port", 1, 65535, offsetof(struct conf_smtp, port), ""},
		{"per_host", 1, 64, offsetof(struct conf_smtp, per_host), ""},
		{"total", 1, 4096, offsetof(struct conf_smtp, total), ""},
		{"rcpt_max", 1, 1000, offsetof(struct conf_smtp, rcpt_max), ""},
		{"interval", 0, 600000, offsetof(struct conf_smtp, interval_ms), " (ms)"},
		{"connect_timeout", 1, 600000, offsetof(struct conf_smtp, connect_ms), " (ms)"},
		{"banner_timeout", 1, 600000, offsetof(struct conf_smtp, banner_ms), " (ms)"},
		{"reply_timeout", 1, 600000, offsetof(struct conf_smtp, reply_ms), " (ms)"},
		{"greylist_wait", 0, 86400, offsetof(struct conf_smtp, greylist_wait_s), " (s)"},
		{"greylist_delay", 1, 86400, offsetof(struct conf_smtp, greylist_delay_s), " (s)"},
	};
	if (!strcmp(key, "enabled") || !strcmp(key, "tls") || !strcmp(key, "allow_private")) {
		if (!conf_parse_bool(val, key[0] == 'e'   ? &s->enabled
					  : key[0] == 't' ? &s->tls
							  : &s->allow_private))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: %s wants true or false, not '%s'", name, line,
					  key, val);
		return LG_OK;
	}
	if (!strcmp(key, "helo") || !strcmp(key, "mail_from") || !strcmp(key, "proxy")) {
		const char *v = lg_arena_memdup(&c->arena, val, strlen(val));
		if (key[0] == 'h')
			s->helo = v, s->helo_line = line;
		else if (key[0] == 'm')
			s->mail_from = v, s->mail_from_line = line;
		else if (conf_smtp_proxy_ok(val))
			s->proxy = v;
		else
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: proxy wants socks5://HOST:PORT, not '%s'", name,
					  line, val);
		s->file = lg_arena_memdup(&c->arena, name, strlen(name));
		return LG_OK;
	}
	return conf_set_whole(whole, sizeof(whole) / sizeof(*whole), s, "smtp", key, val, name,
			      line, err);
}

bool conf_smtp_proxy_ok(const char *p)
{
	if (strncmp(p, "socks5://", 9) != 0)
		return false;
	p += 9;
	const char *colon = strrchr(p, ':');
	long port;
	if (!colon || colon == p || !lg_parse_long(colon + 1, 1, 65535, &port))
		return false;
	if (*p == '[') /* an IPv6 address: [::1]:1080 */
		return colon[-1] == ']' && colon - p > 2;
	for (const char *q = p; q < colon; q++)
		if (*q == ':' || *q == '/' || *q == '@' || (unsigned char)*q <= ' ')
			return false;
	return true;
}

/*
 * A long-running process resolves the proxy's name once, at its start:
 * the prober resolves the HOST of its socks5://HOST:PORT each time one is
 * made (getaddrinfo, which blocks), and the service makes a new prober
 * now and then, on its event loop.  Given an address, it parses it
 * without asking anybody (AI_NUMERICHOST, smtp/socks.c).
 */
enum lg_status conf_smtp_proxy_resolve(struct conf *c, struct lg_err *err)
{
	const char *url = c->smtp.proxy;
	if (!url)
		return LG_OK;
	/* conf_smtp_proxy_ok let it in: socks5://HOST:PORT or [IPv6]:PORT */
	const char *h = url + 9, *colon = strrchr(h, ':');
	char host[256];
	size_t n = (size_t)(colon - h);
	if (*h == '[')
		h++, n -= 2;
	if (n >= sizeof(host))
		return lg_err_set(err, LG_ECONFIG, "[smtp] proxy '%s': host too long", url);
	memcpy(host, h, n);
	host[n] = '\0';
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &ai);
	if (rc != 0 || !ai)
		return lg_err_set(err, LG_ECONFIG, "[smtp] proxy '%s': cannot resolve '%s': %s",
				  url, host, rc ? gai_strerror(rc) : "no address");
	char num[INET6_ADDRSTRLEN];
	const void *a = ai->ai_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
				: (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
	bool v6 = ai->ai_family == AF_INET6;
	bool ok = (v6 || ai->ai_family == AF_INET) &&
		  inet_ntop(ai->ai_family, a, num, sizeof(num)) != NULL;
	freeaddrinfo(ai);
	if (!ok)
		return lg_err_set(err, LG_ECONFIG, "[smtp] proxy '%s': '%s' has no IP address", url,
				  host);
	char out[sizeof(num) + 32];
	int len = snprintf(out, sizeof(out), "socks5://%s%s%s%s", v6 ? "[" : "", num, v6 ? "]" : "",
			   colon);
	c->smtp.proxy = lg_arena_memdup(&c->arena, out, (size_t)len);
	return LG_OK;
}

/* Does name end with the labels of tail (name == tail, or "x." tail)? */
static bool under(const char *name, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	return lg_ascii_eq(name, n, tail, t) ||
	       (n > t && name[n - t - 1] == '.' && lg_ascii_eq(name + n - t, t, tail, t));
}

/* A host name that can be somebody's: LDH labels of 1 to 63, a dot
 * between two of them at least, at most 253 in all; and not a name that
 * is nobody's (RFC 2606's example domains, RFC 6761's localhost). */
static const char *host_problem(const char *h, size_t n)
{
	size_t label = 0;
	bool dot = false;
	if (!n)
		return "is empty";
	if (n > 253)
		return "is longer than 253 characters";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (ch == '.') {
			if (!label)
				return "has an empty label";
			label = 0;
			dot = true;
			continue;
		}
		if (!lg_ascii_is_alpha(ch) && !lg_ascii_is_digit(ch) && ch != '-')
			return "has a character other than letters, digits, '-' and '.'";
		if (++label > 63)
			return "has a label longer than 63 characters";
	}
	if (!label)
		return "has an empty label";
	if (!dot)
		return "has no dot: it is no name on the internet";
	static const char *const nobody[] = {"localhost",   "example.com", "example.net",
					     "example.org", "example",     "invalid"};
	for (size_t i = 0; i < sizeof(nobody) / sizeof(*nobody); i++)
		if (under(h, n, nobody[i]))
			return "is a name nobody controls (example.com, localhost)";
	return NULL;
}

enum lg_status conf_smtp_check(const struct conf *c, struct lg_err *err)
{
	const struct conf_smtp *s = &c->smtp;
	const char *where = s->file   ? s->file
			    : c->path ? c->path
				      : "no configuration file was read (--config FILE)";
	if (!s->helo || !*s->helo)
		return lg_err_set(err, LG_ECONFIG,
				  "%s: SMTP probing needs [smtp] helo, a host name you control "
				  "(its address's reverse DNS names it), and mail_from, an address "
				  "on that domain",
				  where);
	const char *why = host_problem(s->helo, strlen(s->helo));
	if (why)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: [smtp] helo '%s' %s", where,
				  s->helo_line, s->helo, why);
	if (!s->mail_from || !*s->mail_from)
		return lg_err_set(err, LG_ECONFIG,
				  "%s: SMTP probing needs [smtp] mail_from, an address on %s",
				  where, s->helo);
	const char *m = s->mail_from, *at = strrchr(m, '@');
	size_t mn = strlen(m);
	if (!at || at == m || at - m > 64)
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: [smtp] mail_from '%s' is no address (LOCAL@DOMAIN)",
				  where, s->mail_from_line, m);
	for (const char *p = m; p < at; p++) /* sent in MAIL FROM:<...> as it is */
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f ||
		    strchr("<>()[]\\,;:@\"", *p))
			return lg_err_set(
				err, LG_ECONFIG,
				"%s:%u: [smtp] mail_from '%s': its local part wants "
				"letters, digits and . ! # $ %% & ' * + - / = ? ^ _ ` { | } ~",
				where, s->mail_from_line, m);
	const char *dom = at + 1;
	size_t dn = mn - (size_t)(dom - m);
	if ((why = host_problem(dom, dn)) != NULL)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: [smtp] mail_from '%s': its domain %s",
				  where, s->mail_from_line, m, why);
	if (!under(s->helo, strlen(s->helo), dom))
		return lg_err_set(err, LG_ECONFIG,
				  "%s:%u: [smtp] mail_from '%s' is not on the domain of helo '%s' "
				  "(the same name, or one helo is under)",
				  where, s->mail_from_line, m, s->helo);
	return LG_OK;
}

enum lg_status conf_smtp_opts(const struct conf *c, struct smtp_opts *o, struct lg_err *err)
{
	const struct conf_smtp *s = &c->smtp;
	enum lg_status st = conf_smtp_check(c, err);
	if (st != LG_OK)
		return st;
	*o = (struct smtp_opts){
		.helo = s->helo,
		.mail_from = s->mail_from,
		.port = s->port,
		.proxy = s->proxy,
		.per_host = s->per_host,
		.total = s->total,
		.rcpt_max = s->rcpt_max,
		/* 0 is the prober's default there: no interval is < 0 */
		.interval_ms = s->interval_ms ? s->interval_ms : -1,
		.connect_ms = s->connect_ms,
		.banner_ms = s->banner_ms,
		.reply_ms = s->reply_ms,
		.greylist_wait_s = s->greylist_wait_s ? s->greylist_wait_s : -1,
		.greylist_delay_s = s->greylist_delay_s,
		.no_tls = !s->tls,
		.allow_private = s->allow_private,
	};
	return LG_OK;
}
