/* test_serve.c - the service's pure parts: route matching, the error body,
 * and the answer of POST /v1/verify made as verify's JSON Lines row. */
#include "serve/serve_int.h"
#include "jobs/jobs.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const struct serve_route table[] = {
	{"GET", "/healthz", SERVE_PUBLIC, NULL, 0},
	{"POST", "/v1/verify", JOB_SCOPE_VERIFY, NULL, SERVE_SMALL_BODY},
	{"GET", "/v1/jobs/{id}", JOB_SCOPE_JOBS, NULL, 0},
	{"DELETE", "/v1/jobs/{id}", JOB_SCOPE_JOBS, NULL, 0},
	{"GET", "/v1/jobs/{id}/results", JOB_SCOPE_JOBS, NULL, 0},
	{"GET", "/v1/lists/{name}/gate", JOB_SCOPE_LISTS, NULL, 0},
	{"GET", "/v1/a/{x}/{y}/{z}/{w}/{v}", JOB_SCOPE_ADMIN, NULL, 0},
};
#define N (sizeof(table) / sizeof(*table))

static void test_path_match(void **state)
{
	(void)state;
	struct serve_params p;
	assert_true(serve_path_match("/healthz", "/healthz", &p));
	assert_int_equal(p.n, 0);
	assert_false(serve_path_match("/healthz", "/healthz/", &p));
	assert_false(serve_path_match("/healthz", "/health", &p));
	assert_false(serve_path_match("/healthz", "/healthzz", NULL));
	assert_false(serve_path_match("/healthz", "", NULL));

	assert_true(serve_path_match("/v1/jobs/{id}/results", "/v1/jobs/42/results", &p));
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].len, 2);
	assert_memory_equal(p.v[0].s, "42", 2);
	assert_false(serve_path_match("/v1/jobs/{id}", "/v1/jobs/", &p));    /* empty */
	assert_false(serve_path_match("/v1/jobs/{id}", "/v1/jobs/a/b", &p)); /* one segment */
	assert_true(serve_path_match("/v1/lists/{name}/gate", "/v1/lists/q4%20list/gate", &p));
	assert_int_equal(p.v[0].len, 9);
	assert_false(serve_path_match("/v1/{broken", "/v1/x", NULL)); /* no '}' */
	/* More segments than SERVE_PARAMS_MAX: no match rather than a cut. */
	assert_false(serve_path_match(table[6].pattern, "/v1/a/1/2/3/4/5", &p));
	assert_false(serve_path_match(table[6].pattern, "/v1/a/1/2/3/4/5", NULL));
}

/* A contact's address may hold '/' (atext): the {email} segment is
 * what lies between /v1/contacts/ and the route's suffix, matched from
 * the end, and never a suffix of another route. */
static void test_path_match_email(void **state)
{
	(void)state;
	struct serve_params p;
	assert_true(serve_path_match("/v1/contacts/{email}/qualify",
				     "/v1/contacts/a/b@x.example/qualify", &p));
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].len, 13);
	assert_memory_equal(p.v[0].s, "a/b@x.example", 13);
	assert_true(serve_path_match("/v1/contacts/{email}", "/v1/contacts/a/b/c@x.example", &p));
	assert_int_equal(p.v[0].len, 15);
	assert_memory_equal(p.v[0].s, "a/b/c@x.example", 15);
	assert_true(serve_path_match("/v1/contacts/{email}", "/v1/contacts/nobody", &p));
	assert_int_equal(p.v[0].len, 6);
	/* a '/' after the last '@' is no address's: a suffix of another route */
	assert_false(
		serve_path_match("/v1/contacts/{email}", "/v1/contacts/a@x.example/qualify", &p));
	assert_false(
		serve_path_match("/v1/contacts/{email}", "/v1/contacts/a/b@x.example/score", &p));
	assert_false(serve_path_match("/v1/contacts/{email}", "/v1/contacts/a/b", &p));
	assert_false(serve_path_match("/v1/contacts/{email}/score",
				      "/v1/contacts/a@x.example/qualify", &p));
	assert_false(serve_path_match("/v1/contacts/{email}/score", "/v1/contacts//score", &p));
	assert_false(serve_path_match("/v1/contacts/{email}/score", "/v1/contacts/score", &p));
	assert_false(serve_path_match("/v1/contacts/{email}", "/v1/contacts/", &p));

	/* the server's table: each route finds its own */
	bool known;
	const struct serve_route *r;
	static const struct {
		const char *method, *path, *email;
		void (*handler)(struct serve_req *r);
	} want[] = {
		{"GET", "/v1/contacts/a/b@x.example", "a/b@x.example", serve_contact},
		{"GET", "/v1/contacts/a/b@x.example/qualify", "a/b@x.example",
		 serve_contact_qualify},
		{"GET", "/v1/contacts/a/b@x.example/score", "a/b@x.example", serve_contact_score},
		{"POST", "/v1/contacts/a/b@x.example/evidence", "a/b@x.example",
		 serve_contact_evidence},
		{"POST", "/v1/contacts/a/b@x.example/decision", "a/b@x.example",
		 serve_contact_decision},
		{"GET", "/v1/contacts/score/x@x.example/qualify", "score/x@x.example",
		 serve_contact_qualify},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		r = serve_route_find(serve_routes, serve_nroutes, want[i].method, want[i].path, &p,
				     &known, NULL);
		assert_non_null(r);
		assert_ptr_equal(r->handler, want[i].handler);
		assert_int_equal(p.n, 1);
		assert_int_equal(p.v[0].len, strlen(want[i].email));
		assert_memory_equal(p.v[0].s, want[i].email, p.v[0].len);
	}
	/* a GET of a POST's path is 405, not a contact called "a@x/evidence" */
	r = serve_route_find(serve_routes, serve_nroutes, "GET",
			     "/v1/contacts/a/b@x.example/evidence", &p, &known, NULL);
	assert_null(r);
	assert_true(known);
}

static void test_route_find(void **state)
{
	(void)state;
	struct serve_params p;
	struct lg_buf allow = LG_BUF_INIT;
	bool known;

	const struct serve_route *r = serve_route_find(table, N, "POST", "/v1/verify", &p, &known,
						       &allow);
	assert_ptr_equal(r, &table[1]);
	r = serve_route_find(table, N, "HEAD", "/healthz", &p, &known, &allow);
	assert_ptr_equal(r, &table[0]); /* HEAD finds GET */
	r = serve_route_find(table, N, "DELETE", "/v1/jobs/7", &p, &known, &allow);
	assert_ptr_equal(r, &table[3]);
	assert_int_equal(p.n, 1);
	assert_memory_equal(p.v[0].s, "7", 1);

	/* 405: the path is known, with these methods */
	r = serve_route_find(table, N, "GET", "/v1/verify", &p, &known, &allow);
	assert_null(r);
	assert_true(known);
	assert_string_equal(allow.data, "POST");
	r = serve_route_find(table, N, "PUT", "/v1/jobs/7", &p, &known, &allow);
	assert_null(r);
	assert_true(known);
	assert_string_equal(allow.data, "GET, DELETE");
	/* 404 */
	r = serve_route_find(table, N, "GET", "/v1/jobs", &p, &known, &allow);
	assert_null(r);
	assert_false(known);
	assert_int_equal(allow.len, 0);
	r = serve_route_find(table, N, "GET", "/v1/verify?x=1", &p, &known, &allow);
	assert_null(r);
	assert_false(known);
	lg_buf_release(&allow);
}

/* The server's own table: each route has a handler, a method the table's
 * comment names, a pattern starting with '/', and no two the same. */
static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < serve_nroutes; i++) {
		const struct serve_route *r = &serve_routes[i];
		assert_non_null(r->handler);
		assert_true(!strcmp(r->method, "GET") || !strcmp(r->method, "POST") ||
			    !strcmp(r->method, "DELETE"));
		assert_int_equal(r->pattern[0], '/');
		for (size_t j = 0; j < i; j++)
			assert_false(!strcmp(r->method, serve_routes[j].method) &&
				     !strcmp(r->pattern, serve_routes[j].pattern));
	}
	bool known;
	const struct serve_route *v = serve_route_find(serve_routes, serve_nroutes, "POST",
						       "/v1/verify", NULL, &known, NULL);
	assert_non_null(v);
	assert_int_equal(v->scope, JOB_SCOPE_VERIFY);
	assert_int_equal(v->max_body, 64 * 1024);
	v = serve_route_find(serve_routes, serve_nroutes, "GET", "/healthz", NULL, &known, NULL);
	assert_non_null(v);
	assert_int_equal(v->scope, SERVE_PUBLIC);
}

/* The page and its files need no key, take no body, and only one segment
 * names a file: /assets/a/b is no route at all.  The embedded page links
 * the files that the route serves. */
static void test_page_routes(void **state)
{
	(void)state;
	bool known;
	struct serve_params p;
	const struct serve_route *r = serve_route_find(serve_routes, serve_nroutes, "GET", "/", &p,
						       &known, NULL);
	assert_non_null(r);
	assert_ptr_equal(r->handler, serve_page);
	assert_int_equal(r->scope, SERVE_PUBLIC);
	assert_int_equal(r->max_body, 0);
	r = serve_route_find(serve_routes, serve_nroutes, "HEAD", "/assets/app.js", &p, &known,
			     NULL);
	assert_non_null(r);
	assert_ptr_equal(r->handler, serve_page_asset);
	assert_int_equal(r->scope, SERVE_PUBLIC);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.v[0].len, strlen("app.js"));
	assert_null(serve_route_find(serve_routes, serve_nroutes, "GET", "/assets/a/b", &p, &known,
				     NULL));
	assert_false(known);
	assert_null(serve_route_find(serve_routes, serve_nroutes, "POST", "/", &p, &known, NULL));
	assert_true(known);
	assert_int_equal(strlen(serve_page_html), serve_page_html_len);
	assert_non_null(strstr(serve_page_html, "src=\"/assets/app.js\""));
	assert_non_null(strstr(serve_page_html, "href=\"/assets/app.css\""));
	assert_null(strstr(serve_page_js, ".innerHTML"));
	assert_true(serve_page_css_len > 0);
}

static void test_error_body(void **state)
{
	(void)state;
	char *s = serve_error_body("not_found", "no such route");
	assert_string_equal(s,
			    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such route\"}}");
	free(s);
	s = serve_error_body("bad_request", "a \"quote\" and a \\ and a\nline");
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(j, "error"), "message")),
			    "a \"quote\" and a \\ and a\nline");
	assert_int_equal(json_object_size(j), 1);
	assert_int_equal(json_object_size(json_object_get(j, "error")), 2);
	json_decref(j);
	free(s);
	/* A message that is not UTF-8 loses the message, never the code. */
	s = serve_error_body("bad_request", "\xff\xfe");
	assert_string_equal(s, "{\"error\":{\"code\":\"bad_request\",\"message\":\"\"}}");
	free(s);
}

/* The memory writer makes the same bytes as the writer to a file, row
 * after row, each io_writer_finish moving one row out. */
static void test_row_in_memory(void **state)
{
	(void)state;
	struct io_col cols[1 + JOB_VERIFY_COLS] = {{"email", 5, IO_KIND_TEXT}};
	memcpy(cols + 1, job_verify_cols, sizeof(job_verify_cols));
	struct io_writer_opts wo = {IO_FORMAT_JSONL, ',', false, false, IO_GUARD_AUTO};
	struct lg_buf out = LG_BUF_INIT;
	struct lg_err err = {0};
	struct io_writer *w = io_writer_new_mem(&out, &wo, cols, 1 + JOB_VERIFY_COLS);

	struct verify_result v = {.status = VERIFY_DELIVERABLE,
				  .reason = VERIFY_R_OK,
				  .flags = 0,
				  .normalized = "a@b.com",
				  .normalized_len = 7,
				  .suggestion = "",
				  .domain = "b.com",
				  .domain_len = 5};
	struct store_verdict sv = {.mx = "mx.b.com", .provider = "own"};
	struct io_cell cells[1 + JOB_VERIFY_COLS];
	cells[0] = (struct io_cell){"A@b.com", 7, false};
	job_verify_cells(&v, &sv, "", 0, "2026-11-22T09:00:00Z", cells + 1);
	for (int round = 0; round < 2; round++) {
		lg_buf_reset(&out);
		assert_int_equal(io_writer_row(w, cells, NULL, 0, &err), LG_OK);
		assert_int_equal(io_writer_finish(w, &err), LG_OK);
		assert_string_equal(
			out.data,
			"{\"email\":\"A@b.com\",\"verify_status\":\"deliverable\","
			"\"verify_reason\":\"ok\",\"verify_flags\":[],\"verify_normalized\":"
			"\"a@b.com\",\"verify_suggestion\":null,\"verify_mx\":\"mx.b.com\","
			"\"verify_provider\":\"own\",\"verified_at\":\"2026-11-22T09:00:00Z\","
			"\"verify_smtp\":null}\n");
	}
	io_writer_free(w);
	lg_buf_release(&out);
}

static size_t route_index(const char *pattern)
{
	for (size_t i = 0; i < serve_nroutes; i++)
		if (!strcmp(serve_routes[i].pattern, pattern))
			return i;
	fail_msg("no route %s", pattern);
	return 0;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* /metrics: counts by route pattern and status, a cumulative histogram,
 * the other families, each with HELP and TYPE. */
static void test_metrics(void **state)
{
	(void)state;
	struct serve_metrics *m = serve_metrics_new(serve_nroutes);
	size_t lists = route_index("/v1/lists");
	serve_metrics_request(m, lists, 200, 0.003);
	serve_metrics_request(m, lists, 404, 2.0);
	serve_metrics_request(m, serve_nroutes, 404, 0.0001);
	serve_metrics_request(m, serve_nroutes, 0, 0.0001);
	serve_metrics_verdict(m, VERIFY_DELIVERABLE);
	serve_metrics_verdict(m, VERIFY_DELIVERABLE);
	serve_metrics_jobs(m, "running", 3);
	serve_metrics_jobs(m, "no such state", 9);
	struct dns_stats ds = {0};
	ds.outcome[DNS_NXDOMAIN] = 5;
	struct lg_buf b = LG_BUF_INIT;
	serve_metrics_format(m, &ds, 7, &b);
	const char *want[] = {
		"# TYPE leadgate_http_requests_total counter",
		"leadgate_http_requests_total{route=\"/v1/lists\",code=\"200\"} 1",
		"leadgate_http_requests_total{route=\"/v1/lists\",code=\"404\"} 1",
		"leadgate_http_requests_total{route=\"none\",code=\"404\"} 1",
		"leadgate_http_requests_total{route=\"none\",code=\"none\"} 1",
		"# TYPE leadgate_http_request_duration_seconds histogram",
		"leadgate_http_request_duration_seconds_bucket{route=\"/v1/lists\",le=\"0.0025\"} "
		"0",
		"leadgate_http_request_duration_seconds_bucket{route=\"/v1/lists\",le=\"0.005\"} 1",
		"leadgate_http_request_duration_seconds_bucket{route=\"/v1/lists\",le=\"1\"} 1",
		"leadgate_http_request_duration_seconds_bucket{route=\"/v1/lists\",le=\"2.5\"} 2",
		"leadgate_http_request_duration_seconds_bucket{route=\"/v1/lists\",le=\"+Inf\"} 2",
		"leadgate_http_request_duration_seconds_count{route=\"/v1/lists\"} 2",
		"leadgate_http_request_duration_seconds_sum{route=\"/v1/lists\"} 2.003000",
		"leadgate_verdicts_total{status=\"deliverable\"} 2",
		"leadgate_verdicts_total{status=\"unknown\"} 0",
		"leadgate_dns_queries_total{outcome=\"nxdomain\"} 5",
		"leadgate_store_busy_waits_total 7",
		"leadgate_jobs{state=\"running\"} 3",
		"leadgate_jobs{state=\"queued\"} 0",
		"# TYPE process_start_time_seconds gauge",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		if (!has_line(b.data, want[i]))
			fail_msg("no line '%s' in:\n%s", want[i], b.data);
	/* A route nobody called has no histogram. */
	assert_null(strstr(b.data, "duration_seconds_count{route=\"/healthz\"}"));
	assert_null(strstr(b.data, "no such state"));
	lg_buf_release(&b);
	serve_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_match), cmocka_unit_test(test_path_match_email),
		cmocka_unit_test(test_route_find), cmocka_unit_test(test_table),
		cmocka_unit_test(test_error_body), cmocka_unit_test(test_row_in_memory),
		cmocka_unit_test(test_metrics),    cmocka_unit_test(test_page_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
