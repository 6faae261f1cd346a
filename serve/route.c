/*
 * route.c - the route table, how a request finds its route, and the one
 * shape of every error body.  No HTTP engine here: the tests call these
 * as they are.
 */
#include "serve_int.h"
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Every route the service answers.  doc/openapi.json describes each one
 * (tests/serve.sh fails when the two differ: `leadgate serve --routes`
 * prints this table).  Order matters only between patterns that match
 * the same path: the first wins.
 */
const struct serve_route serve_routes[] = {
	{"GET", "/healthz", SERVE_PUBLIC, serve_healthz, 0},
	{"GET", "/readyz", SERVE_PUBLIC, serve_readyz, 0},
	{"GET", "/v1/openapi.json", SERVE_PUBLIC, serve_openapi, 0},
	{"POST", "/v1/verify", JOB_SCOPE_VERIFY, serve_verify_one, SERVE_SMALL_BODY},
	/* lists.c, metrics.c */
	{"GET", "/v1/lists", JOB_SCOPE_LISTS, serve_lists_get, 0},
	{"GET", "/v1/lists/{name}", JOB_SCOPE_LISTS, serve_list_get, 0},
	{"GET", "/v1/lists/{name}/gate", JOB_SCOPE_LISTS, serve_list_gate, 0},
	{"GET", "/v1/lists/{name}/export", JOB_SCOPE_LISTS, serve_list_export, 0},
	{"GET", "/metrics", JOB_SCOPE_ADMIN, serve_metrics_get, 0},
	/* push.c: the webhooks check their own credentials, or a key */
	{"POST", "/v1/bounces/ses", SERVE_PUBLIC, serve_bounces_ses, SERVE_PUSH_BODY},
	{"POST", "/v1/bounces/sendgrid", SERVE_PUBLIC, serve_bounces_sendgrid, SERVE_PUSH_BODY},
	{"POST", "/v1/bounces/mailgun", SERVE_PUBLIC, serve_bounces_mailgun, SERVE_PUSH_BODY},
	{"POST", "/v1/bounces/postmark", SERVE_PUBLIC, serve_bounces_postmark, SERVE_PUSH_BODY},
	{"GET", "/v1/bounces/ses/subscriptions", JOB_SCOPE_ADMIN, serve_ses_subscriptions, 0},
	{"POST", "/v1/events", JOB_SCOPE_EVENTS, serve_events_post, SERVE_PUSH_BODY},
	/* contacts.c */
	{"GET", "/v1/contacts/{email}", JOB_SCOPE_LEADS, serve_contact, 0},
	{"GET", "/v1/contacts/{email}/qualify", JOB_SCOPE_LEADS, serve_contact_qualify, 0},
	{"GET", "/v1/contacts/{email}/score", JOB_SCOPE_LEADS, serve_contact_score, 0},
	{"POST", "/v1/contacts/{email}/evidence", JOB_SCOPE_LEADS, serve_contact_evidence,
	 SERVE_SMALL_BODY},
	{"POST", "/v1/contacts/{email}/decision", JOB_SCOPE_LEADS, serve_contact_decision,
	 SERVE_SMALL_BODY},
	/* handoff.c */
	{"GET", "/v1/reports/sla", JOB_SCOPE_LEADS, serve_report_sla, 0},
	/* accept.c: the accept link, signed instead of a key */
	{"GET", "/v1/handoffs/{id}/accept", SERVE_SIGNED, serve_handoff_accept_get, 0},
	{"POST", "/v1/handoffs/{id}/accept", SERVE_SIGNED, serve_handoff_accept_post,
	 SERVE_FORM_BODY},
	/* bulk jobs (jobs.c) */
	{"POST", "/v1/jobs", JOB_SCOPE_JOBS, serve_job_post, SERVE_BODY_STREAM},
	{"GET", "/v1/jobs", JOB_SCOPE_JOBS, serve_job_list, 0},
	{"GET", "/v1/jobs/{id}", JOB_SCOPE_JOBS, serve_job_get, 0},
	{"DELETE", "/v1/jobs/{id}", JOB_SCOPE_JOBS, serve_job_delete, 0},
	{"GET", "/v1/jobs/{id}/results", JOB_SCOPE_JOBS, serve_job_results, 0},
	/* the page (page.c) */
	{"GET", "/", SERVE_PUBLIC, serve_page, 0},
	{"GET", "/assets/{file}", SERVE_PUBLIC, serve_page_asset, 0},
};
const size_t serve_nroutes = sizeof(serve_routes) / sizeof(*serve_routes);

/*
 * An {email} is an address, and '/' is legal in its local part (atext,
 * RFC 5322 section 3.2.3): a%2Fb@x.example arrives percent-decoded as
 * a/b@x.example.  So the segment is not cut at the first '/': the rest
 * of the pattern after it (a suffix such as /qualify, with no parameter)
 * is matched at the end of the path, and the address is all that lies
 * before.  A domain never holds a '/', so an address has none after its
 * last '@': a value with one is an address followed by another route's
 * suffix (GET /v1/contacts/a@x/evidence is no contact "a@x/evidence",
 * but the POST route's path: 405).  The segment's length, or 0 when the
 * path has none here.
 */
static size_t email_len(const char *rest, const char *path)
{
	size_t want = strlen(rest), have = strlen(path);
	if (strchr(rest, '{') || have <= want || strcmp(path + have - want, rest))
		return 0;
	size_t n = have - want;
	const char *domain = path; /* from the last '@' on */
	for (const char *c = path; c < path + n; c++)
		if (*c == '@')
			domain = c;
	return memchr(domain, '/', n - (size_t)(domain - path)) ? 0 : n;
}

bool serve_path_match(const char *pattern, const char *path, struct serve_params *p)
{
	unsigned n_params = 0;
	if (p)
		p->n = 0;
	while (*pattern) {
		if (*pattern == '{') {
			const char *close = strchr(pattern, '}');
			if (!close)
				return false; /* not a pattern: no path matches */
			size_t n = strncmp(pattern, "{email}", 7) ? strcspn(path, "/")
								  : email_len(close + 1, path);
			if (!n)
				return false;
			if (n_params++ == SERVE_PARAMS_MAX)
				return false;
			if (p) {
				p->v[p->n].s = path;
				p->v[p->n].len = n;
				p->n++;
			}
			pattern = close + 1;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return false;
	}
	return *path == '\0';
}

const struct serve_route *serve_route_find(const struct serve_route *t, size_t n,
					   const char *method, const char *path,
					   struct serve_params *p, bool *path_known,
					   struct lg_buf *allow)
{
	const char *want = strcmp(method, "HEAD") ? method : "GET";
	*path_known = false;
	if (allow)
		lg_buf_reset(allow);
	for (size_t i = 0; i < n; i++) {
		if (!serve_path_match(t[i].pattern, path, NULL))
			continue;
		if (!strcmp(t[i].method, want)) {
			serve_path_match(t[i].pattern, path, p);
			return &t[i];
		}
		*path_known = true;
		if (allow) {
			if (allow->len)
				lg_buf_adds(allow, ", ");
			lg_buf_adds(allow, t[i].method);
		}
	}
	return NULL;
}

char *serve_error_body(const char *code, const char *message)
{
	json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
	if (!o) /* message is not UTF-8: ours always are, but never lose the code */
		o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", "");
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		lg_die_oom(0);
	return s;
}

void serve_conf_init(struct serve_conf *c)
{
	*c = (struct serve_conf){
		.listen = NULL,
		.rate = 10,
		.burst = 20,
		.max_body = (uint64_t)2 << 30,
		.max_connections = 256,
		.per_ip = 64,
		.timeout = 30,
		.max_jobs = 2,
	};
}

void serve_routes_print(FILE *f)
{
	for (size_t i = 0; i < serve_nroutes; i++)
		fprintf(f, "%s %s\n", serve_routes[i].method, serve_routes[i].pattern);
}
