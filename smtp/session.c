/*
 * session.c - one SMTP session on the event loop: connect (through the
 * SOCKS5 proxy if there is one), the greeting, EHLO (HELO when EHLO is
 * not known), STARTTLS when offered, MAIL FROM, the RCPT TOs the prober
 * hands out one at a time, QUIT.  Never DATA.
 *
 * A server may ask for TLS at RCPT TO only (530 5.7.0 there, RFC 3207
 * 4): when it offered STARTTLS and TLS may be used, the session ends the
 * transaction (RSET), starts TLS, says EHLO and MAIL FROM again and sends
 * the same RCPT TO once more; the prober hears of that recipient once.
 *
 * Nothing blocks: the socket is non-blocking (connect returns
 * EINPROGRESS, and writability with SO_ERROR says how it went), replies
 * are read as they come and cut into lines, commands are queued and
 * written as the socket takes them.  One timer per session bounds the
 * phase it is in (smtp.h gives the defaults and why).
 *
 * Limits on what a server sends (RFC 5321 4.5.3.1.5): a reply line is 512
 * octets at most, CRLF included; a longer one, or a reply of more than
 * 64 KiB in all, is a protocol error and ends the session as a drop.
 *
 * After QUIT the session waits a short while (QUIT_MS) for the 221 or the
 * close, whichever comes first: the answers are in by then, and a server
 * that never closes must not hold a slot of its host.
 */
#include "prober_int.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <unistd.h>

#define LINE_MAX_OCTETS 512  /* RFC 5321 4.5.3.1.5, CRLF included */
#define REPLY_MAX (64 << 10) /* a reply's text, all lines */
#define QUIT_MS 2000

enum state {
	ST_CONNECT,
	ST_SOCKS_METHOD,
	ST_SOCKS_CONNECT,
	ST_BANNER,
	ST_EHLO,
	ST_HELO,
	ST_STARTTLS,
	ST_HANDSHAKE,
	ST_MAIL,
	ST_RCPT,
	ST_RSET,
	ST_QUIT,
	ST_CLOSED,
};

struct smtp_session {
	struct smtp_prober *p;
	struct probe *pr;
	struct loop *loop;
	const struct smtp_opts *o;
	const char *host_name; /* borrowed from the prober */
	struct smtp_addr dst;
	int fd;
	enum state state;
	struct smtp_tls *tls;
	unsigned tls_want; /* what TLS waits for beyond reading */
	bool tls_forced;   /* STARTTLS after a 530 */
	bool offered;      /* the EHLO reply listed STARTTLS */
	bool resend;       /* the RCPT TO in flight waits for TLS: again after MAIL */
	bool switched;     /* STARTTLS's 220: plain text read so far is void */
	loop_timer_id timer;
	struct rcpt *cur; /* the recipient of the RCPT TO in flight */
	bool cur_probe;
	struct lg_buf rcpt_cmd; /* its command, without CRLF, to send again */
	enum smtp_end how;      /* after QUIT: how to report the end */
	struct smtp_reply end_reply;
	bool has_end_reply;
	struct smtp_reply r; /* the reply being read */
	struct lg_buf text;  /* its text (the parser keeps its first 4 KiB) */
	size_t reply_bytes;  /* the reply's lines so far, all of them: REPLY_MAX */
	struct lg_buf out;   /* commands not written yet */
	size_t outoff;
	size_t inlen;
	unsigned char in[4096];
};

static void on_io(struct loop *l, int fd, unsigned events, void *arg);
static void on_timer(struct loop *l, void *arg);

static void arm(struct smtp_session *s, int ms)
{
	if (s->timer)
		loop_timer_cancel(s->loop, s->timer);
	s->timer = loop_timer_add(s->loop, ms, on_timer, s);
}

/* Watch the socket for reading, and for writing while there is output or
 * TLS wants to write. */
static bool interest(struct smtp_session *s, unsigned ev)
{
	return loop_fd_set(s->loop, s->fd, ev, on_io, s, NULL) == LG_OK;
}

static void close_fd(struct smtp_session *s)
{
	if (s->timer)
		loop_timer_cancel(s->loop, s->timer);
	s->timer = 0;
	if (s->fd >= 0) {
		loop_fd_del(s->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
}

/* The end: the socket closed, the prober told.  s stays allocated (the
 * prober frees it later); nothing may touch it after this but free. */
static void end(struct smtp_session *s, enum smtp_end how, const struct smtp_reply *reply)
{
	/* A recipient waiting for TLS is as unanswered as one at RCPT. */
	bool held = s->state == ST_RCPT || s->resend;
	struct rcpt *r = held ? s->cur : NULL;
	bool probe = held && s->cur_probe;
	close_fd(s);
	s->state = ST_CLOSED;
	prober_session_closed(s->p, s->pr, how, reply, r, probe);
}

void smtp_session_free(struct smtp_session *s)
{
	if (!s)
		return;
	close_fd(s);
	smtp_tls_free(s->tls);
	lg_buf_release(&s->text);
	lg_buf_release(&s->out);
	lg_buf_release(&s->rcpt_cmd);
	free(s);
}

bool smtp_session_tls(const struct smtp_session *s)
{
	return s->tls != NULL && s->state != ST_HANDSHAKE;
}

/* Write what is queued; false if the session ended. */
static bool flush(struct smtp_session *s)
{
	while (s->outoff < s->out.len) {
		ssize_t n;
		unsigned want = LOOP_WRITE;
		if (s->tls)
			n = smtp_tls_send(s->tls, s->out.data + s->outoff, s->out.len - s->outoff,
					  &want);
		else
			n = send(s->fd, s->out.data + s->outoff, s->out.len - s->outoff,
				 MSG_NOSIGNAL);
		if (n > 0) {
			s->outoff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!interest(s, LOOP_READ | want)) {
				end(s, SMTP_END_DROP, NULL);
				return false;
			}
			return true;
		}
		end(s, SMTP_END_DROP, NULL);
		return false;
	}
	lg_buf_reset(&s->out);
	s->outoff = 0;
	if (!interest(s, LOOP_READ | s->tls_want)) {
		end(s, SMTP_END_DROP, NULL);
		return false;
	}
	return true;
}

/* Send the command in s->out (its CRLF added here) and wait for its
 * reply in state next.  false if the session ended. */
static bool sent(struct smtp_session *s, enum state next)
{
	lg_buf_add(&s->out, "\r\n", 2);
	s->state = next;
	arm(s, next == ST_QUIT && QUIT_MS < s->o->reply_ms ? QUIT_MS : s->o->reply_ms);
	return flush(s);
}

static bool command(struct smtp_session *s, enum state next, const char *a, const char *b,
		    const char *c)
{
	lg_buf_adds(&s->out, a);
	if (b)
		lg_buf_adds(&s->out, b);
	if (c)
		lg_buf_adds(&s->out, c);
	return sent(s, next);
}

/* End politely: QUIT, then report how once the server answers or closes. */
static bool quit(struct smtp_session *s, enum smtp_end how, const struct smtp_reply *reply)
{
	s->how = how;
	if (reply) {
		s->end_reply = *reply;
		s->end_reply.text = NULL; /* the buffer is reused */
		s->end_reply.text_len = 0;
		s->has_end_reply = true;
	}
	return command(s, ST_QUIT, "QUIT", NULL, NULL);
}

static bool ehlo(struct smtp_session *s)
{
	return command(s, ST_EHLO, "EHLO ", s->o->helo, NULL);
}

static bool mail(struct smtp_session *s)
{
	return command(s, ST_MAIL, "MAIL FROM:<", s->o->mail_from, ">");
}

/* The next RCPT TO, or QUIT when the prober has none; the one that
 * waited for TLS first, not asked of the prober again (it counted it). */
static bool next_rcpt(struct smtp_session *s)
{
	const char *addr;
	size_t len;
	if (!s->resend) {
		if (!prober_next_rcpt(s->p, s->pr, &s->cur, &s->cur_probe, &addr, &len))
			return quit(s, SMTP_END_OK, NULL);
		lg_buf_reset(&s->rcpt_cmd);
		lg_buf_adds(&s->rcpt_cmd, "RCPT TO:<");
		lg_buf_add(&s->rcpt_cmd, addr, len);
		lg_buf_adds(&s->rcpt_cmd, ">");
	}
	s->resend = false;
	lg_buf_add(&s->out, s->rcpt_cmd.data, s->rcpt_cmd.len);
	return sent(s, ST_RCPT);
}

static bool starttls(struct smtp_session *s)
{
	return command(s, ST_STARTTLS, "STARTTLS", NULL, NULL);
}

/* The EHLO reply's text lists STARTTLS (RFC 3207 4): a line that is the
 * keyword, case-insensitive. */
static bool offers_starttls(const struct smtp_reply *r)
{
	const char *t = r->text, *end = r->text + r->text_len;
	while (t && t < end) {
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
		const char *w = t;
		size_t wn = n;
		lg_ascii_trim(&w, &wn);
		if (lg_ascii_eq(w, wn, "STARTTLS", 8))
			return true;
		t = nl ? nl + 1 : end;
	}
	return false;
}

static bool can_tls(const struct smtp_session *s)
{
	return prober_tls(s->p) && !s->tls;
}

static bool handshake(struct smtp_session *s)
{
	unsigned want = LOOP_READ;
	int rc = smtp_tls_handshake(s->tls, &want);
	if (rc < 0) {
		end(s, SMTP_END_DROP, NULL);
		return false;
	}
	if (rc == 0) {
		if (!interest(s, want)) {
			end(s, SMTP_END_DROP, NULL);
			return false;
		}
		return true;
	}
	/* RFC 3207 4.2: forget what was learnt before, EHLO again. */
	return ehlo(s);
}

/* A reply before RCPT TO that does not let the session go on. */
static bool fail(struct smtp_session *s, enum smtp_meaning m)
{
	switch (m) {
	case SMTP_M_NEXT_HOST:
		/* 421: the server closes the channel (RFC 5321 3.8). */
		end(s, SMTP_END_NEXT_HOST, &s->r);
		return false;
	case SMTP_M_BLOCKED: return quit(s, SMTP_END_BLOCKED, &s->r);
	case SMTP_M_GREYLIST: return quit(s, SMTP_END_GREYLIST, &s->r);
	default:
		/* Another 4xx is this host's passing trouble (RFC 5321 4.2.1:
		 * "transient"): the next host may do better.  A 5xx says no
		 * to the session itself: nothing to learn of the mailboxes. */
		return quit(s,
			    s->r.code >= 400 && s->r.code < 500 ? SMTP_END_NEXT_HOST
								: SMTP_END_UNDECIDED,
			    &s->r);
	}
}

/* A complete reply is in s->r: the next step.  false if the session ended
 * or stopped reading plain text (TLS starts). */
static bool reply(struct smtp_session *s)
{
	struct smtp_reply *r = &s->r;
	enum smtp_meaning m;

	switch (s->state) {
	case ST_BANNER:
		m = smtp_reply_classify(SMTP_PH_BANNER, r);
		return m == SMTP_M_OK ? ehlo(s) : fail(s, m);
	case ST_EHLO:
		m = smtp_reply_classify(SMTP_PH_EHLO, r);
		if (m == SMTP_M_OK) {
			s->offered = s->offered || offers_starttls(r);
			if (offers_starttls(r) && can_tls(s))
				return starttls(s);
			return mail(s);
		}
		/* RFC 5321 3.2: a server that does not know EHLO gets HELO. */
		if (r->code == 500 || r->code == 502) {
			return command(s, ST_HELO, "HELO ", s->o->helo, NULL);
		}
		return fail(s, m);
	case ST_HELO:
		m = smtp_reply_classify(SMTP_PH_EHLO, r);
		return m == SMTP_M_OK ? mail(s) : fail(s, m);
	case ST_STARTTLS:
		m = smtp_reply_classify(SMTP_PH_STARTTLS, r);
		if (r->code == 220) {
			/* RFC 3207 5: nothing sent before the handshake counts
			 * (plain text after the 220 would be an injection). */
			s->inlen = 0;
			s->switched = true;
			s->tls = smtp_tls_new(prober_tls(s->p), s->fd, s->host_name);
			if (!s->tls) {
				end(s, SMTP_END_DROP, NULL);
				return false;
			}
			s->state = ST_HANDSHAKE;
			arm(s, s->o->reply_ms);
			handshake(s);
			return false;
		}
		/* Offered but refused (454): go on without it, unless the
		 * server wants TLS before MAIL. */
		if (!s->tls_forced && m != SMTP_M_NEXT_HOST)
			return mail(s);
		return fail(s, m);
	case ST_MAIL:
		m = smtp_reply_classify(SMTP_PH_MAIL, r);
		if (m == SMTP_M_OK)
			return next_rcpt(s);
		/* RFC 3207 4: 530 "Must issue a STARTTLS command first". */
		if (m == SMTP_M_TLS_NEEDED && can_tls(s)) {
			s->tls_forced = true;
			return starttls(s);
		}
		return fail(s, m);
	case ST_RCPT:
		m = smtp_reply_classify(SMTP_PH_RCPT, r);
		if (m == SMTP_M_NEXT_HOST) {
			end(s, SMTP_END_NEXT_HOST, r);
			return false;
		}
		/* RFC 3207 4's 530 at RCPT TO, TLS offered (refused at first,
		 * 454, or the session would be on it): RSET first, as a server
		 * may refuse STARTTLS inside a mail transaction.  On TLS
		 * already, or without it, the 530 decides nothing. */
		if (m == SMTP_M_TLS_NEEDED && s->offered && can_tls(s)) {
			s->resend = true;
			s->tls_forced = true;
			return command(s, ST_RSET, "RSET", NULL, NULL);
		}
		{
			struct rcpt *cur = s->cur;
			s->cur = NULL;
			if (!prober_rcpt_answer(s->p, s->pr, cur, r, m))
				return quit(s, SMTP_END_OK, NULL);
		}
		return next_rcpt(s);
	case ST_RSET:
		/* Read as MAIL's reply: RSET ends that transaction. */
		m = smtp_reply_classify(SMTP_PH_MAIL, r);
		return m == SMTP_M_OK ? starttls(s) : fail(s, m);
	case ST_QUIT: end(s, s->how, s->has_end_reply ? &s->end_reply : NULL); return false;
	default: BUG("a reply in state %d", (int)s->state);
	}
}

/* Lines in s->in: feed them to the reply being read.  false if the
 * session ended or stopped reading plain text. */
static bool lines(struct smtp_session *s)
{
	size_t off = 0;
	bool go = true;

	for (;;) {
		unsigned char *nl = memchr(s->in + off, '\n', s->inlen - off);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (s->in + off));
		const char *line = (const char *)s->in + off;
		if (len + 1 > LINE_MAX_OCTETS) {
			end(s, SMTP_END_DROP, NULL);
			return false;
		}
		off += len + 1;
		if (len && line[len - 1] == '\r')
			len--;
		int rc = smtp_reply_line(&s->r, &s->text, line, len);
		s->reply_bytes += len + 2;
		if (rc < 0 || s->reply_bytes > REPLY_MAX) {
			end(s, SMTP_END_DROP, NULL);
			return false;
		}
		if (rc == 1) {
			go = reply(s);
			memset(&s->r, 0, sizeof(s->r));
			lg_buf_reset(&s->text);
			s->reply_bytes = 0;
			/* Ended, or over to TLS (s->in is void then). */
			if (!go || s->switched) {
				s->switched = false;
				return false;
			}
		}
	}
	memmove(s->in, s->in + off, s->inlen - off);
	s->inlen -= off;
	if (s->inlen >= LINE_MAX_OCTETS) {
		end(s, SMTP_END_DROP, NULL);
		return false;
	}
	return true;
}

/* What a parser of socks.c said of s->in (n > 0: an answer of n octets,
 * 0: more needed, < 0: a refusal): 1 the answer taken off s->in, 0 more
 * needed, -1 the session ended. */
static int consume(struct smtp_session *s, int n)
{
	if (n == 0)
		return 0;
	if (n < 0) {
		end(s, SMTP_END_NO_CONNECT, NULL);
		return -1;
	}
	memmove(s->in, s->in + n, s->inlen - (size_t)n);
	s->inlen -= (size_t)n;
	return 1;
}

/* The proxy's answers in s->in.  false if the session ended. */
static bool socks(struct smtp_session *s)
{
	int n;
	if (s->state == ST_SOCKS_METHOD) {
		if ((n = consume(s, smtp_socks_method(s->in, s->inlen))) <= 0)
			return n == 0;
		unsigned char req[32];
		size_t len = smtp_socks_request(&s->dst, s->o->port, req);
		lg_buf_add(&s->out, req, len);
		s->state = ST_SOCKS_CONNECT;
		if (!flush(s))
			return false;
	}
	if ((n = consume(s, smtp_socks_reply(s->in, s->inlen))) <= 0)
		return n == 0;
	s->state = ST_BANNER;
	arm(s, s->o->banner_ms);
	prober_session_connected(s->p, s->pr);
	return lines(s);
}

/* Read what there is; false if the session ended (or TLS starts). */
static bool input(struct smtp_session *s)
{
	for (;;) {
		ssize_t n;
		unsigned want = LOOP_READ;
		size_t room = sizeof(s->in) - s->inlen;
		if (s->tls)
			n = smtp_tls_recv(s->tls, s->in + s->inlen, room, &want);
		else
			n = recv(s->fd, s->in + s->inlen, room, 0);
		if (n > 0) {
			s->inlen += (size_t)n;
			bool go = s->state == ST_SOCKS_METHOD || s->state == ST_SOCKS_CONNECT
					  ? socks(s)
					  : lines(s);
			if (!go)
				return false;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (errno == EINTR)
				continue;
			unsigned w = want == LOOP_WRITE ? LOOP_WRITE : 0;
			if (w != s->tls_want) {
				s->tls_want = w;
				if (!interest(s,
					      LOOP_READ | w |
						      (s->outoff < s->out.len ? LOOP_WRITE : 0))) {
					end(s, SMTP_END_DROP, NULL);
					return false;
				}
			}
			return true;
		}
		/* Closed by the server: the end after QUIT, a drop before. */
		if (s->state == ST_QUIT)
			end(s, s->how, s->has_end_reply ? &s->end_reply : NULL);
		else
			end(s, SMTP_END_DROP, NULL);
		return false;
	}
}

/* The TCP connection is made (or failed): SO_ERROR says. */
static void connected(struct smtp_session *s)
{
	int e = 0;
	socklen_t el = sizeof(e);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e != 0) {
		end(s, SMTP_END_NO_CONNECT, NULL);
		return;
	}
	if (prober_socks(s->p)) {
		unsigned char g[4];
		lg_buf_add(&s->out, g, smtp_socks_greeting(g));
		s->state = ST_SOCKS_METHOD;
		flush(s);
		return;
	}
	s->state = ST_BANNER;
	arm(s, s->o->banner_ms);
	prober_session_connected(s->p, s->pr);
	if (!interest(s, LOOP_READ))
		end(s, SMTP_END_DROP, NULL);
}

static void on_io(struct loop *l, int fd, unsigned events, void *arg)
{
	struct smtp_session *s = arg;
	(void)l;
	(void)fd;
	if (s->state == ST_CONNECT) {
		connected(s);
		return;
	}
	if (s->state == ST_HANDSHAKE) {
		/* Done: the EHLO is sent, its reply may be in already. */
		if (handshake(s) && s->state != ST_HANDSHAKE)
			input(s);
		return;
	}
	/* Output first, whatever woke us: TLS may wait for a read to write. */
	if (s->outoff < s->out.len && !flush(s))
		return;
	if (s->state == ST_CLOSED)
		return;
	if ((events & LOOP_READ) || s->tls_want)
		input(s);
}

static void on_timer(struct loop *l, void *arg)
{
	struct smtp_session *s = arg;
	(void)l;
	s->timer = 0;
	if (s->state == ST_QUIT) /* the answers are in: no 221 needed */
		end(s, s->how, s->has_end_reply ? &s->end_reply : NULL);
	else
		end(s, SMTP_END_TIMEOUT, NULL);
}

struct smtp_session *smtp_session_start(struct smtp_prober *p, struct probe *pr,
					const struct smtp_addr *addr, const char *host_name)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const struct smtp_socks *proxy = prober_socks(p);
	const struct smtp_opts *o = prober_opts(p);

	memset(&ss, 0, sizeof(ss));
	if (proxy) {
		memcpy(&ss, &proxy->sa, proxy->salen);
		sl = proxy->salen;
	} else if (addr->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(o->port);
		memcpy(&a->sin6_addr, addr->addr, 16);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(o->port);
		memcpy(&a->sin_addr, addr->addr, 4);
		sl = sizeof(*a);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		close(fd);
		return NULL;
	}
	struct smtp_session *s = lg_xcalloc(1, sizeof(*s));
	s->p = p;
	s->pr = pr;
	s->loop = prober_loop(p);
	s->o = o;
	s->host_name = host_name;
	s->dst = *addr;
	s->fd = fd;
	s->state = ST_CONNECT;
	if (loop_fd_set(s->loop, fd, LOOP_WRITE, on_io, s, NULL) != LG_OK) {
		close(fd);
		free(s);
		return NULL;
	}
	arm(s, o->connect_ms);
	return s;
}
