/*
 * ops.c - the routes operators and their tools call: /healthz (the
 * process answers), /readyz (it can do its work: the store opens and the
 * resolver answers) and /v1/openapi.json (the API's description).
 */
#include "serve_int.h"
#include "store/store.h"

#include <string.h>

void serve_healthz(struct serve_req *r)
{
	serve_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

/*
 * The resolver is taken to answer once it has answered any query (a
 * request's, or the probe below) and is not down (dns_resolver_down: its
 * probe went unanswered).  Before any query was answered, a lookup of
 * "invalid" (RFC 6761: every resolver answers it, NXDOMAIN, without asking
 * anybody else for long) is the probe, and the request waits for it.
 */
#define PROBE_DOMAIN "invalid"

struct ready {
	bool asked;
};

void serve_readyz(struct serve_req *r)
{
	struct serve *s = serve_req_server(r);
	struct ready *st = serve_req_state(r, sizeof(*st), NULL);
	struct dns_resolver *dns = serve_resolver(s);
	struct dns_stats ds;

	if (!st->asked) {
		/* A connection of its own: a database removed, locked past the
		 * busy timeout or damaged since the start shows here. */
		struct store *db = NULL;
		struct lg_err err = {0};
		enum lg_status rc = store_open(&db, store_path(serve_store(s)), STORE_WRITE, &err);
		store_close(db);
		if (rc != LG_OK) {
			serve_error(r, 503, "unavailable", "the store: %s",
				    err.msg[0] ? err.msg : lg_strerror(rc));
			return;
		}
		st->asked = true;
		dns_resolver_stats(dns, &ds);
		if (!ds.answered && !dns_resolver_down(dns)) {
			const struct dns_result *d = dns_resolver_lookup(dns, PROBE_DOMAIN,
									 strlen(PROBE_DOMAIN),
									 strlen(PROBE_DOMAIN));
			if (d->outcome == DNS_PENDING) {
				serve_wait(r, d);
				return;
			}
		}
	}
	dns_resolver_stats(dns, &ds);
	if (!ds.answered || dns_resolver_down(dns)) {
		serve_error(r, 503, "unavailable", "the resolver does not answer");
		return;
	}
	serve_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

void serve_openapi(struct serve_req *r)
{
	serve_body(r, 200, "application/json", serve_openapi_json, serve_openapi_json_len);
}
