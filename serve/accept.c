/*
 * accept.c - the handoff's one-click accept link (handoff/sign.h):
 * GET and POST /v1/handoffs/{id}/accept?rep=REP&exp=EXP&sig=SIG.
 *
 * The link is its own credential: no API key, the signature instead
 * ([handoff] link_secret's HMAC of id, rep and expiry, checked in
 * constant time).  A signature that does not hold is 403; a good one past
 * its expiry 410, so the rep knows to ask for the lead another way.
 *
 * Why a GET does not accept: mail security scanners and Slack's link
 * previews fetch the links of a message before anybody reads it.  A GET
 * answers a page that says what the lead is and holds one button, a form
 * that POSTs the same URL; only the POST accepts.  The page has no
 * script, and the form no field: the query carries everything.
 *
 * What the POST does is `leadgate decide EMAIL accept --by REP`
 * (job_handoff_link, then job_decide): the lead moves to SAL, its open
 * handoff is accepted by the rep, the SLA stops.  A link names its rep:
 * once the lead is escalated to another rep (or to nobody) the old link
 * answers 409; one already accepted answers 200 and by whom.  The answer
 * is a page, or JSON when the request's Accept asks for
 * application/json (errors in the usual {"error": ...} shape).
 *
 * The store is read and written on a worker (work.c), never on the loop.
 */
#include "serve_int.h"
#include "conf/conf.h"
#include "handoff/sign.h"
#include "jobs/jobs.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Only the page's own inline style; the form posts to this same URL. */
#define ACCEPT_CSP                                                                                 \
	"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "     \
	"frame-ancestors 'none'"

struct accept_req {
	bool started;
	bool post;
	int64_t id, exp, now;
	char rep[ROUTE_NAME_MAX + 1];
	struct job_lead_opts o;
	struct job_link link;
	enum lg_status st;
	struct lg_err err;
};

/* Does the request's Accept ask for JSON? */
static bool wants_json(const struct serve_req *r)
{
	const char *a = serve_req_get_header(r, "Accept");
	static const char want[] = "application/json";
	for (; a && *a; a++)
		if (lg_ascii_eq(a, strnlen(a, sizeof(want) - 1), want, sizeof(want) - 1))
			return true;
	return false;
}

static void html_escape(struct lg_buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': lg_buf_adds(b, "&amp;"); break;
		case '<': lg_buf_adds(b, "&lt;"); break;
		case '>': lg_buf_adds(b, "&gt;"); break;
		case '"': lg_buf_adds(b, "&quot;"); break;
		case '\'': lg_buf_adds(b, "&#39;"); break;
		default: lg_buf_addc(b, *s);
		}
}

/*
 * Answer a small page: title and text (both escaped here), and the
 * Accept button when button.  The link's URL is secret-bearing: no
 * Referer leaves the page, nothing is cached, robots keep off it.
 */
static void page(struct serve_req *r, unsigned status, const char *title, const char *text,
		 bool button)
{
	struct lg_buf b = LG_BUF_INIT;
	lg_buf_adds(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			"<meta name=\"robots\" content=\"noindex\"><title>");
	html_escape(&b, title);
	lg_buf_adds(&b, " - leadgate</title><style>body{font-family:sans-serif;max-width:32em;"
			"margin:3em auto;padding:0 1em}button{font-size:1.2em;padding:.5em 2em}"
			"</style></head>\n<body><h1>");
	html_escape(&b, title);
	lg_buf_adds(&b, "</h1>\n<p>");
	html_escape(&b, text);
	lg_buf_adds(&b, "</p>\n");
	if (button)
		lg_buf_adds(&b, "<form method=\"post\"><button type=\"submit\">Accept</button>"
				"</form>\n");
	lg_buf_adds(&b, "</body></html>\n");
	serve_req_header(r, "Content-Security-Policy", ACCEPT_CSP);
	serve_req_header(r, "X-Content-Type-Options", "nosniff");
	serve_req_header(r, "Referrer-Policy", "no-referrer");
	serve_req_header(r, "X-Robots-Tag", "noindex");
	serve_body(r, status, "text/html; charset=utf-8", b.data, b.len);
	lg_buf_release(&b);
}

/* An error: JSON's {"error": ...} or a page saying the same. */
static void fail(struct serve_req *r, unsigned status, const char *code, const char *title,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail(struct serve_req *r, unsigned status, const char *code, const char *title,
		 const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (wants_json(r))
		serve_error(r, status, code, "%s", msg);
	else
		page(r, status, title, msg, false);
}

/* The handoff as JSON: {"handoff", "email", "rep", "state", ...}. */
static void answer_json(struct serve_req *r, const struct accept_req *x, const char *state)
{
	const struct job_link *l = &x->link;
	json_t *o = json_object();
	json_object_set_new(o, "handoff", json_integer(x->id));
	json_object_set_new(o, "email", json_string(l->address));
	json_object_set_new(o, "rep", json_string(x->rep));
	json_object_set_new(o, "state", json_string(state));
	if (l->state == JOB_LINK_ACCEPTED) {
		char at[LG_TIME_LEN];
		lg_time_format(l->accepted_at, at, sizeof(at));
		json_object_set_new(o, "accepted_by", json_string(l->accepted_by));
		json_object_set_new(o, "accepted_at", json_string(at));
		json_object_set_new(o, "accepted_now", json_boolean(l->now));
	}
	serve_json(r, 200, o);
}

static void answer(struct serve_req *r, const struct accept_req *x)
{
	const struct job_link *l = &x->link;
	char text[1024], at[LG_TIME_LEN];
	switch (l->state) {
	case JOB_LINK_UNKNOWN:
		fail(r, 404, "not_found", "No such handoff", "No handoff %lld is in the store.",
		     (long long)x->id);
		return;
	case JOB_LINK_MOVED:
		fail(r, 409, "escalated", "No longer yours",
		     "The lead %s was escalated %s%s after its SLA passed: this link no longer "
		     "accepts it.",
		     l->address, *l->rep ? "to " : "to nobody yet", l->rep);
		return;
	case JOB_LINK_CLOSED:
		fail(r, 409, "closed", "Closed", "The handoff of %s is closed.", l->address);
		return;
	case JOB_LINK_REFUSED:
		fail(r, 409, "not_eligible", "Not eligible",
		     "The lead %s is not eligible now (%s); re-verify it first. Nothing was "
		     "recorded.",
		     l->address, verify_status_name(l->d.status));
		return;
	case JOB_LINK_OPEN:
		if (wants_json(r)) {
			answer_json(r, x, "open");
			return;
		}
		snprintf(text, sizeof(text),
			 "%s, the lead %s is handed to you. Accept it to stop the SLA's clock.",
			 x->rep, l->address);
		page(r, 200, "Accept this lead?", text, true);
		return;
	case JOB_LINK_ACCEPTED:
		if (wants_json(r)) {
			answer_json(r, x, "accepted");
			return;
		}
		lg_time_format(l->accepted_at, at, sizeof(at));
		if (l->now)
			snprintf(text, sizeof(text), "%s, the lead %s is yours: accepted at %s.",
				 x->rep, l->address, at);
		else
			snprintf(text, sizeof(text),
				 "The lead %s was already accepted by %s at %s.", l->address,
				 l->accepted_by, at);
		page(r, 200, l->now ? "Accepted" : "Already accepted", text, false);
		return;
	}
}

static void on_worker(struct serve_worker *wk, void *arg)
{
	struct accept_req *x = arg;
	(void)wk; /* the job opens the database itself, as the CLI's do */
	x->st = job_handoff_link(&x->o, x->id, x->rep, x->post, &x->link, &x->err);
}

/*
 * The link's values, and its signature checked: false when it answered
 * (404 no links configured or a bad id, 403 a signature that does not
 * hold, 410 expired).
 */
static bool link_ok(struct serve_req *r, struct accept_req *x)
{
	struct serve *s = serve_req_server(r);
	const struct route_conf *h = &serve_options(s)->conf->handoff;
	const struct serve_params *p = serve_req_params(r);
	const char *rep = serve_req_arg(r, "rep"), *exp = serve_req_arg(r, "exp");
	const char *sig = serve_req_arg(r, "sig");
	struct sign_key k;
	struct lg_err err;
	if (!h->link_secret) {
		fail(r, 404, "not_found", "No accept links",
		     "This service makes no accept links ([handoff] link_secret is not set).");
		return false;
	}
	if (!p->n || !lg_ascii_digits(p->v[0].s, p->v[0].len, &x->id) || x->id <= 0) {
		fail(r, 404, "not_found", "No such handoff", "A handoff's id is a number.");
		return false;
	}
	/* a value missing or malformed is a signature that does not hold */
	if (rep && strlen(rep) < sizeof(x->rep))
		snprintf(x->rep, sizeof(x->rep), "%s", rep);
	if (!exp || !lg_ascii_digits(exp, strlen(exp), &x->exp))
		x->exp = -1;
	if (sign_key_parse(&k, h->link_secret, &err) != LG_OK) {
		/* conf/handoff.c checked it at the start: not reached */
		fail(r, 503, "unavailable", "Unavailable", "the link's key will not read");
		return false;
	}
	enum sign_link_verdict v = !*x->rep || x->exp < 0 ? SIGN_LINK_BAD
							  : sign_link_check(&k, x->id, x->rep,
									    x->exp, sig, x->now);
	sign_key_release(&k);
	if (v == SIGN_LINK_BAD) {
		fail(r, 403, "forbidden", "Not a valid link",
		     "This link's signature does not hold: it was changed, cut short, or not "
		     "made by this service. Open it from the message as it came.");
		return false;
	}
	if (v == SIGN_LINK_EXPIRED) {
		char at[LG_TIME_LEN];
		lg_time_format(x->exp, at, sizeof(at));
		fail(r, 410, "expired", "Link expired",
		     "This link expired at %s. Accept the lead with `leadgate decide EMAIL accept "
		     "--by %s` or through the API.",
		     at, x->rep);
		return false;
	}
	return true;
}

static void accept_route(struct serve_req *r, bool post)
{
	struct accept_req *x = serve_req_state(r, sizeof(*x), NULL);
	if (x->started) {
		if (x->st != LG_OK) {
			fprintf(stderr, "leadgate: serve: an accept link: %s\n",
				x->err.msg[0] ? x->err.msg : lg_strerror(x->st));
			if (x->st == LG_ETEMP)
				fail(r, 409, "conflict", "Try again",
				     "The lead changed while accepting it; try again.");
			else
				fail(r, 503, "unavailable", "Unavailable",
				     "The store cannot answer now; try again.");
			return;
		}
		if (post && x->link.now)
			serve_handoff_poke(serve_handoff_of(serve_req_server(r)));
		answer(r, x);
		return;
	}
	x->started = true;
	x->post = post;
	x->now = serve_req_now(r);
	if (!link_ok(r, x))
		return;
	struct serve *s = serve_req_server(r);
	x->o = (struct job_lead_opts){
		.conf = serve_options(s)->conf,
		.db = store_path(serve_store(s)),
		.now = x->now,
	};
	serve_req_work(r, on_worker, x);
}

void serve_handoff_accept_get(struct serve_req *r)
{
	accept_route(r, false);
}

void serve_handoff_accept_post(struct serve_req *r)
{
	accept_route(r, true);
}
