/*
 * prober_int.h - what the prober's files share (prober.c schedules and
 * decides, session.c talks SMTP on one connection, tls.c wraps a
 * connection in TLS, socks.c asks a SOCKS5 proxy for one).  Private to
 * smtp/ and its tests.
 */
#ifndef LG_SMTP_PROBER_INT_H
#define LG_SMTP_PROBER_INT_H

#include "smtp/smtp.h"

#include "loop/loop.h"

#include <sys/socket.h>

struct smtp_prober;
struct smtp_session;
struct probe; /* prober.c's record of one session */
struct rcpt;  /* prober.c's record of one address */
struct smtp_tls;

/* ---- tls.c: a TLS client over a connected non-blocking socket ---- */

/* The prober's TLS configuration, one for all its sessions; LG_ETEMP if
 * GnuTLS will not start.  Owned: smtp_tls_ctx_free. */
struct smtp_tls_ctx;
enum lg_status smtp_tls_ctx_new(struct smtp_tls_ctx **out, struct lg_err *err);
void smtp_tls_ctx_free(struct smtp_tls_ctx *c);

/* A TLS client on fd for server name sni (may be NULL or "": none).
 * Owned: smtp_tls_free, which neither sends close_notify nor closes fd. */
struct smtp_tls *smtp_tls_new(struct smtp_tls_ctx *c, int fd, const char *sni);
void smtp_tls_free(struct smtp_tls *t);
/*
 * Step the handshake: 1 done, 0 not yet (*want says LOOP_READ or
 * LOOP_WRITE to wait for), -1 failed.
 */
int smtp_tls_handshake(struct smtp_tls *t, unsigned *want);
/* Like recv/send: > 0 bytes, 0 end of stream (recv only), -1 with errno
 * EAGAIN (wait for *want) or another error. */
ssize_t smtp_tls_recv(struct smtp_tls *t, void *buf, size_t n, unsigned *want);
ssize_t smtp_tls_send(struct smtp_tls *t, const void *buf, size_t n, unsigned *want);

/* ---- socks.c: RFC 1928 CONNECT, no authentication ---- */

/* A parsed "socks5://HOST:PORT", HOST resolved once. */
struct smtp_socks {
	struct sockaddr_storage sa;
	socklen_t salen;
};
/* LG_EUSAGE with the reason if url is no socks5://HOST:PORT or HOST does
 * not resolve. */
enum lg_status smtp_socks_parse(struct smtp_socks *out, const char *url, struct lg_err *err);
/* The greeting: no authentication (3 octets into out). */
size_t smtp_socks_greeting(unsigned char *out);
/* The proxy's choice of method in in[0..n): 0 more octets needed, 2
 * (the octets it took) "no authentication", -1 anything else. */
int smtp_socks_method(const unsigned char *in, size_t n);
/* The CONNECT request for dst:port into out (32 octets at least); its
 * length. */
size_t smtp_socks_request(const struct smtp_addr *dst, uint16_t port, unsigned char *out);
/* The proxy's reply in in[0..n): 0 more octets needed, > 0 the octets it
 * took, the connection is made; -1 a refusal or no SOCKS5 reply. */
int smtp_socks_reply(const unsigned char *in, size_t n);

/* ---- session.c: one SMTP session ---- */

/* How a session that ended early ended, as far as the prober cares. */
enum smtp_end {
	SMTP_END_OK,         /* QUIT after the work the prober gave it */
	SMTP_END_NO_CONNECT, /* connect refused, unreachable, proxy refused */
	SMTP_END_TIMEOUT,    /* a phase's timer ran out */
	SMTP_END_DROP,       /* closed by the server, or a protocol error */
	SMTP_END_NEXT_HOST,  /* 421 and kin: this host will not talk now */
	SMTP_END_BLOCKED,    /* a policy block before RCPT */
	SMTP_END_GREYLIST,   /* a deferral before RCPT */
	SMTP_END_UNDECIDED,  /* a reply before RCPT that decides nothing */
};

/*
 * Start a session to addr (host_name for TLS's SNI, borrowed while the
 * session lives) for the prober's record pr, which the prober_* calls
 * below hand back.  NULL if no socket could be had or the connection was
 * refused at once (the caller treats it as a refused connection).  Owned
 * by the prober: smtp_session_free, at any time (no QUIT is sent then);
 * a session that ended (prober_session_closed) must still be freed.
 */
struct smtp_session *smtp_session_start(struct smtp_prober *p, struct probe *pr,
					const struct smtp_addr *addr, const char *host_name);
void smtp_session_free(struct smtp_session *s);
/* The session went over to TLS. */
bool smtp_session_tls(const struct smtp_session *s);

/* What session.c needs of the prober. */
struct loop *prober_loop(const struct smtp_prober *p);
const struct smtp_opts *prober_opts(const struct smtp_prober *p);
struct smtp_tls_ctx *prober_tls(const struct smtp_prober *p);
const struct smtp_socks *prober_socks(const struct smtp_prober *p); /* NULL: direct */
/* The session is connected (a session in the stats). */
void prober_session_connected(struct smtp_prober *p, struct probe *pr);
/*
 * The next RCPT TO of s: true with its address in *addr[0..*len) (the
 * random one when *probe), false when there is none (QUIT).  *r is the
 * recipient handed back with prober_rcpt_answer (NULL for the probe).
 */
bool prober_next_rcpt(struct smtp_prober *p, struct probe *pr, struct rcpt **r, bool *probe,
		      const char **addr, size_t *len);
/* The answer to the RCPT TO of r (NULL: the probe); false: stop asking
 * (QUIT). */
bool prober_rcpt_answer(struct smtp_prober *p, struct probe *pr, struct rcpt *r,
			const struct smtp_reply *reply, enum smtp_meaning m);
/*
 * The session ended how (with the reply that ended it, or NULL); r is the
 * recipient whose RCPT TO was unanswered, NULL if none, probe if that was
 * the random one.  Its socket is out of the loop and closed already; the
 * prober frees the session once the callback that ended it returns (a
 * 0 ms timer), never inside it.
 */
void prober_session_closed(struct smtp_prober *p, struct probe *pr, enum smtp_end how,
			   const struct smtp_reply *reply, struct rcpt *r, bool probe);

#endif
