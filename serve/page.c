/*
 * page.c - the service's page: GET / (serve/page/index.html) and its two
 * files, GET /assets/app.js and /assets/app.css, compiled in like
 * doc/openapi.json.  They need no key: they hold no data, and the page
 * asks for a key before it calls the API.
 *
 * Every answer carries a strict Content-Security-Policy (only our own
 * files; no inline script or style, no frames), nosniff, and an ETag:
 * Cache-Control no-cache makes the browser ask again each time, and an
 * If-None-Match that matches gets a 304 with no body.  So a new binary's
 * page is never mixed with an old one's script, and an unchanged one
 * costs a few bytes.
 */
#include "serve_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGE_CSP                                                                                   \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "                \
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "             \
	"frame-ancestors 'none'"

struct page_file {
	const char *name; /* under /assets/; NULL: the page itself */
	const char *type;
	const char *body;
	const size_t *len;
};

static const struct page_file page_files[] = {
	{NULL, "text/html; charset=utf-8", serve_page_html, &serve_page_html_len},
	{"app.js", "text/javascript; charset=utf-8", serve_page_js, &serve_page_js_len},
	{"app.css", "text/css; charset=utf-8", serve_page_css, &serve_page_css_len},
};

/* Does an If-None-Match header name etag?  It is a list of quoted tags
 * (W/ before one is a weak one, which matches too) or "*"; ours hold only
 * hex digits, so finding it whole with its quotes is enough. */
static bool page_etag_matches(const char *inm, const char *etag)
{
	return strstr(inm, etag) != NULL || !strcmp(inm, "*");
}

static void page_send(struct serve_req *r, const struct page_file *f)
{
	/* The ETag changes whenever the file does (lg_hash of its bytes). */
	char etag[24];
	snprintf(etag, sizeof(etag), "\"%016llx\"", (unsigned long long)lg_hash(f->body, *f->len));
	serve_req_header(r, "Content-Security-Policy", PAGE_CSP);
	serve_req_header(r, "X-Content-Type-Options", "nosniff");
	serve_req_header(r, "Referrer-Policy", "no-referrer");
	serve_req_header(r, "X-Frame-Options", "DENY");
	serve_req_header(r, "Cache-Control", "no-cache");
	serve_req_header(r, "ETag", etag);
	const char *inm = serve_req_get_header(r, "If-None-Match");
	if (inm && page_etag_matches(inm, etag)) {
		serve_body(r, 304, f->type, "", 0);
		return;
	}
	serve_body(r, 200, f->type, f->body, *f->len);
}

void serve_page(struct serve_req *r)
{
	page_send(r, &page_files[0]);
}

void serve_page_asset(struct serve_req *r)
{
	const struct serve_params *p = serve_req_params(r);
	for (size_t i = 1; i < sizeof(page_files) / sizeof(*page_files); i++) {
		if (strlen(page_files[i].name) == p->v[0].len &&
		    !memcmp(page_files[i].name, p->v[0].s, p->v[0].len)) {
			page_send(r, &page_files[i]);
			return;
		}
	}
	serve_error(r, 404, "not_found", "no such file of the page");
}
