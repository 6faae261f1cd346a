/*
 * tls.c - STARTTLS's TLS (RFC 3207) with GnuTLS, on the session's
 * non-blocking socket.
 *
 * Opportunistic: the server's certificate is not checked.  RFC 7435
 * (opportunistic security) and RFC 7672 2.2 say why for SMTP between
 * hosts: without DANE or MTA-STS the MX host's name is what an attacker
 * on the path could rewrite anyway, many MX hosts present self-signed or
 * mismatched certificates, and a sender that refused them would fall back
 * to plain text, which protects less.  Encryption still keeps the
 * addresses we ask about away from passive eyes.  The host's name goes in
 * SNI (RFC 6066 3) for servers that host several names.
 *
 * Non-blocking: the handshake and record calls return GNUTLS_E_AGAIN when
 * the socket would block, and gnutls_record_get_direction() tells whether
 * it was reading (wait for LOOP_READ) or writing (LOOP_WRITE).
 */
#include "prober_int.h"

#include <errno.h>
#include <gnutls/gnutls.h>

struct smtp_tls_ctx {
	gnutls_certificate_credentials_t cred;
};

struct smtp_tls {
	gnutls_session_t s;
};

enum lg_status smtp_tls_ctx_new(struct smtp_tls_ctx **out, struct lg_err *err)
{
	struct smtp_tls_ctx *c = lg_xcalloc(1, sizeof(*c));
	int rc = gnutls_certificate_allocate_credentials(&c->cred);
	*out = NULL;
	if (rc < 0) {
		free(c);
		return lg_err_set(err, LG_ETEMP, "smtp: cannot start TLS: %s", gnutls_strerror(rc));
	}
	*out = c;
	return LG_OK;
}

void smtp_tls_ctx_free(struct smtp_tls_ctx *c)
{
	if (!c)
		return;
	gnutls_certificate_free_credentials(c->cred);
	free(c);
}

struct smtp_tls *smtp_tls_new(struct smtp_tls_ctx *c, int fd, const char *sni)
{
	struct smtp_tls *t = lg_xcalloc(1, sizeof(*t));
	/* GNUTLS_NO_SIGNAL: a peer gone away is an error, not SIGPIPE. */
	if (gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0) {
		free(t);
		return NULL;
	}
	if (gnutls_set_default_priority(t->s) < 0 ||
	    gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, c->cred) < 0) {
		smtp_tls_free(t);
		return NULL;
	}
	/* SNI takes a host name, never an address literal (RFC 6066 3). */
	if (sni && *sni && strspn(sni, "0123456789.:") != strlen(sni))
		gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, sni, strlen(sni));
	gnutls_transport_set_int(t->s, fd);
	return t;
}

void smtp_tls_free(struct smtp_tls *t)
{
	if (!t)
		return;
	gnutls_deinit(t->s);
	free(t);
}

static unsigned direction(struct smtp_tls *t)
{
	return gnutls_record_get_direction(t->s) ? LOOP_WRITE : LOOP_READ;
}

int smtp_tls_handshake(struct smtp_tls *t, unsigned *want)
{
	int rc = gnutls_handshake(t->s);
	if (rc == GNUTLS_E_SUCCESS)
		return 1;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED ||
	    (rc < 0 && !gnutls_error_is_fatal(rc))) {
		*want = direction(t);
		return 0;
	}
	return -1;
}

ssize_t smtp_tls_recv(struct smtp_tls *t, void *buf, size_t n, unsigned *want)
{
	ssize_t rc = gnutls_record_recv(t->s, buf, n);
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		*want = direction(t);
		errno = EAGAIN;
		return -1;
	}
	/* A peer that closes without close_notify (most SMTP servers after
	 * QUIT or a 421) ends the stream like any other. */
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	errno = EPROTO;
	return -1;
}

ssize_t smtp_tls_send(struct smtp_tls *t, const void *buf, size_t n, unsigned *want)
{
	ssize_t rc = gnutls_record_send(t->s, buf, n);
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		*want = direction(t);
		errno = EAGAIN;
		return -1;
	}
	errno = EPIPE;
	return -1;
}
