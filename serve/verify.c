/*
 * verify.c - POST /v1/verify: one address, answered with the object a row
 * of `leadgate verify -f jsonl` holds for it, made by the same code: the
 * offline checks (verify_address), the domain's answer from the store's
 * cache or the resolver (job_dns_lookup, kept with job_dns_keep as verify
 * --list keeps it), the one verdict path (job_verdict), the verify
 * columns (job_verify_cells) and the JSON Lines writer.
 */
#include "serve_int.h"
#include "jobs/jobs.h"

#include <stdlib.h>
#include <string.h>

struct one {
	bool started;
	char *email; /* as given; owned */
	size_t email_len;
	struct verify_result v; /* its strings copied into text */
	struct lg_buf text;
	const struct dns_result *d; /* borrowed from the server's resolver */
};

static void one_free(void *p)
{
	struct one *o = p;
	free(o->email);
	lg_buf_release(&o->text);
}

/* The verdict's strings are the context's until its next call, and other
 * requests call it while this one waits: copy them. */
static void keep_strings(struct one *o)
{
	struct verify_result *v = &o->v;
	struct lg_buf *b = &o->text;
	lg_buf_reset(b);
	lg_buf_grow(b, v->normalized_len + v->suggestion_len + v->domain_len + 3);
	size_t at_n = b->len;
	lg_buf_add(b, v->normalized, v->normalized_len);
	lg_buf_addc(b, '\0');
	size_t at_s = b->len;
	lg_buf_add(b, v->suggestion, v->suggestion_len);
	lg_buf_addc(b, '\0');
	size_t at_d = b->len;
	lg_buf_add(b, v->domain, v->domain_len);
	lg_buf_addc(b, '\0');
	v->normalized = b->data + at_n;
	v->suggestion = b->data + at_s;
	v->domain = b->data + at_d;
}

/* The address of {"email": "..."}; false when the body is not that (and
 * the request answered 400). */
static bool read_email(struct serve_req *r, struct one *o)
{
	json_t *j = serve_req_object(r);
	if (!j)
		return false;
	json_t *e = json_object_get(j, "email");
	if (!json_is_string(e)) {
		json_decref(j);
		serve_error(r, 400, "bad_request",
			    "the body wants an object with \"email\", a string");
		return false;
	}
	o->email_len = json_string_length(e);
	o->email = lg_xmemdup(json_string_value(e), o->email_len);
	json_decref(j);
	return true;
}

static void answer(struct serve_req *r, struct one *o)
{
	struct serve *s = serve_req_server(r);
	struct lg_err err = {0};
	const struct dns_result *d = o->d;

	/* A new answer goes to the store's cache, as verify --list keeps it;
	 * failing to keep it costs a later lookup, not this answer. */
	if (job_dns_to_keep(d) && job_dns_keep(serve_resolver(s), serve_store(s), d, &err) != LG_OK)
		fprintf(stderr, "leadgate: serve: the DNS cache: %s\n", err.msg);

	struct store_verdict sv;
	job_verdict(&o->v, d, false, serve_req_now(r), NULL, &sv);
	serve_metrics_verdict(serve_metrics(s), sv.status);
	char flags[128], at[32] = "";
	size_t flags_len = verify_flags_format(o->v.flags, flags, sizeof(flags));
	if (job_verify_dated(d))
		lg_time_format(d->answered_at, at, sizeof(at));
	struct io_cell cells[1 + JOB_VERIFY_COLS];
	cells[0] = (struct io_cell){o->email, o->email_len, false};
	job_verify_cells(&o->v, &sv, flags, flags_len, at, cells + 1);

	struct lg_buf *out;
	struct io_writer *w = serve_row_writer(s, &out);
	lg_buf_reset(out);
	enum lg_status st = io_writer_row(w, cells, NULL, 0, &err);
	if (st == LG_OK)
		st = io_writer_finish(w, &err);
	if (st != LG_OK) {
		serve_error(r, 500, "internal", "the answer could not be written");
		return;
	}
	serve_body(r, 200, "application/json", out->data, out->len);
}

void serve_verify_one(struct serve_req *r)
{
	struct one *o = serve_req_state(r, sizeof(struct one), one_free);
	struct serve *s = serve_req_server(r);

	if (o->started) {                         /* back from serve_wait */
		if (o->d->outcome == DNS_PENDING) /* the service stops first */
			serve_error(r, 503, "unavailable", "the service is stopping");
		else
			answer(r, o);
		return;
	}
	o->started = true;
	if (!read_email(r, o))
		return;
	verify_address(serve_verify_ctx(s), o->email, o->email_len, &o->v);
	keep_strings(o);
	if (verify_needs_dns(&o->v)) {
		o->d = job_dns_lookup(serve_resolver(s), serve_store(s), serve_req_now(r),
				      o->v.domain, o->v.domain_len, o->v.org_len);
		if (o->d->outcome == DNS_PENDING) {
			serve_wait(r, o->d);
			return;
		}
	}
	answer(r, o);
}
