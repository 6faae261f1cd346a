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

/* The headers of one answer: they live as long as the request. */
struct page_answer {
	char etag[24];
	const char *headers[13];
};

/* FNV-1a over the bytes: the ETag changes whenever the file does. */
static uint64_t page_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* Does an If-None-Match header name etag?  It is a list of quoted tags
 * (W/ before one is a weak one, which matches too) or "*"; ours hold only
 * hex digits, so finding it whole with its quotes is enough. */
static bool page_etag_matches(const char *inm, const char *etag)
{
	return strstr(inm, etag) != NULL || !strcmp(inm, "*");
}

static void page_send(struct serve_req *r, const struct page_file *f)
{
	struct page_answer *a = serve_req_state(r, sizeof(*a), NULL);
	snprintf(a->etag, sizeof(a->etag), "\"%016llx\"",
		 (unsigned long long)page_hash(f->body, *f->len));
	const char *h[] = {"Content-Security-Policy",
			   PAGE_CSP,
			   "X-Content-Type-Options",
			   "nosniff",
			   "Referrer-Policy",
			   "no-referrer",
			   "X-Frame-Options",
			   "DENY",
			   "Cache-Control",
			   "no-cache",
			   "ETag",
			   a->etag,
			   NULL};
	memcpy(a->headers, h, sizeof(h));
	serve_headers(r, a->headers);
	const char *inm = serve_req_get_header(r, "If-None-Match");
	if (inm && page_etag_matches(inm, a->etag)) {
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
