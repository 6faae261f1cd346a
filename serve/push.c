/*
 * push.c - what the mail providers and the event sources push:
 * POST /v1/bounces/{ses,sendgrid,mailgun,postmark} (a bounce webhook,
 * imported by the same code as `leadgate bounces import`, and as
 * idempotent: an event posted twice counts once), the SNS subscription
 * messages SES's route receives (kept in the store: GET
 * /v1/bounces/ses/subscriptions and `leadgate bounces subscriptions` show
 * them; a SubscriptionConfirmation whose SubscribeURL is on an SNS host is
 * confirmed by fetching the URL, on a worker) and POST /v1/events
 * (NDJSON, as `leadgate events import` reads it).  Each answers with the
 * counts `... import --format json` prints.
 *
 * A webhook is authenticated the way its provider can (esp.h) or, for a
 * proxy or a test, with an API key of the scope bounces; a route whose
 * provider credentials are not configured takes only the key.  The routes
 * are public in the table for that reason: the handler decides, before
 * anything is imported.
 *
 * The import itself (a body of up to SERVE_PUSH_BODY, in one
 * transaction that may wait for the write lock) runs on a worker
 * (serve_req_work), on its store connection and with its verify context;
 * the handler is called again to answer once it is over.
 */
#include "serve_int.h"
#include "bounce/bounce.h"
#include "handoff/http.h"
#include "jobs/jobs.h"
#include "serve/esp.h"
#include "view/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mailgun tokens remembered (each within the window is refused again):
 * the last this many; one older than the window fails the window first. */
#define TOKENS_MAX 4096
/* SNS subscription messages kept for the operator (the newest). */
#define SUBS_MAX 32
#define SNS_URL_MAX 2048
#define SNS_TOPIC_MAX 256

struct token {
	char s[ESP_MAILGUN_TOKEN_MAX];
	int64_t at; /* when it was accepted */
};

struct serve_push {
	struct esp_policy esp; /* its strings borrowed from the caller's */
	struct token *tokens;  /* a ring of TOKENS_MAX */
	size_t ntokens, next_token;
};

struct serve_push *serve_push_new(const struct esp_policy *esp)
{
	struct serve_push *p = lg_xcalloc(1, sizeof(*p));
	if (esp)
		p->esp = *esp;
	else
		esp_policy_init(&p->esp);
	p->tokens = lg_xcalloc(TOKENS_MAX, sizeof(*p->tokens));
	return p;
}

void serve_push_free(struct serve_push *p)
{
	if (!p)
		return;
	free(p->tokens);
	free(p);
}

/* Was this Mailgun token accepted within the window? */
static bool token_seen(const struct serve_push *p, const char *tok, int64_t now)
{
	for (size_t i = 0; i < p->ntokens; i++)
		if (now - p->tokens[i].at <= 2 * p->esp.window && !strcmp(p->tokens[i].s, tok))
			return true;
	return false;
}

static void token_keep(struct serve_push *p, const char *tok, int64_t now)
{
	struct token *t = &p->tokens[p->next_token];
	snprintf(t->s, sizeof(t->s), "%s", tok);
	t->at = now;
	p->next_token = (p->next_token + 1) % TOKENS_MAX;
	if (p->ntokens < TOKENS_MAX)
		p->ntokens++;
}

/* The providers, in the order of the routes. */
enum esp_kind { ESP_SES, ESP_SENDGRID, ESP_MAILGUN, ESP_POSTMARK };

static const struct {
	const char *name;
	enum bounce_format format;
	const char *route; /* the import run's name, and the view's "file" */
} esps[] = {
	[ESP_SES] = {"ses", BOUNCE_FMT_SES, "POST /v1/bounces/ses"},
	[ESP_SENDGRID] = {"sendgrid", BOUNCE_FMT_SENDGRID, "POST /v1/bounces/sendgrid"},
	[ESP_MAILGUN] = {"mailgun", BOUNCE_FMT_MAILGUN, "POST /v1/bounces/mailgun"},
	[ESP_POSTMARK] = {"postmark", BOUNCE_FMT_POSTMARK, "POST /v1/bounces/postmark"},
};

/* Answer 401 for what esp.h said of the credentials; false (answered)
 * unless they are good. */
static bool esp_ok(struct serve_req *r, enum esp_kind k, enum esp_auth a, int64_t window)
{
	switch (a) {
	case ESP_AUTH_OK: return true;
	case ESP_AUTH_MISSING:
		serve_error(r, 401, "unauthorized",
			    "no %s credentials and no API key: Authorization: Bearer KEY",
			    esps[k].name);
		return false;
	case ESP_AUTH_STALE:
		serve_error(r, 401, "unauthorized",
			    "the %s signature's time is more than %lld s from now", esps[k].name,
			    (long long)window);
		return false;
	case ESP_AUTH_BAD: break;
	}
	serve_error(r, 401, "unauthorized", "the %s credentials are wrong", esps[k].name);
	return false;
}

/* Is the request from k, or from a holder of a key of the scope
 * bounces?  False when it answered.  A Mailgun token into tok. */
static bool push_auth(struct serve_req *r, enum esp_kind k, char *tok, size_t tok_size)
{
	struct serve_push *p = serve_push_of(serve_req_server(r));
	const struct esp_policy *e = &p->esp;
	const char *h = serve_req_get_header(r, "Authorization");
	size_t len;
	const char *body = serve_req_body(r, &len);
	int64_t now = serve_req_now(r);

	tok[0] = '\0';
	if (h && strlen(h) >= 7 && lg_ascii_eq(h, 7, "Bearer ", 7))
		return serve_req_authorize(r, JOB_SCOPE_BOUNCES);
	/* SNS sends the credentials of the subscription's URL only when
	 * asked by a Basic challenge (so do other clients of basic auth). */
	if (k == ESP_SES || k == ESP_POSTMARK)
		serve_req_challenge(r, "Basic realm=\"leadgate\", charset=\"UTF-8\"");
	/* Not configured: nothing the provider could send is enough. */
	bool configured = k == ESP_SES        ? e->ses_user != NULL
			  : k == ESP_POSTMARK ? e->postmark_user != NULL
			  : k == ESP_MAILGUN  ? e->mailgun_signing_key != NULL
					      : e->sendgrid_public_key != NULL;
	if (!configured) {
		serve_error(r, 401, "unauthorized",
			    "no %s credentials are configured ([esp]): an API key is needed: "
			    "Authorization: Bearer KEY",
			    esps[k].name);
		return false;
	}
	enum esp_auth a;
	switch (k) {
	case ESP_SES: a = esp_basic_check(h, e->ses_user, e->ses_password); break;
	case ESP_POSTMARK: a = esp_basic_check(h, e->postmark_user, e->postmark_password); break;
	case ESP_MAILGUN:
		a = esp_mailgun_check(body, len, e->mailgun_signing_key, now, e->window, tok,
				      tok_size);
		break;
	case ESP_SENDGRID:
	default:
		a = esp_sendgrid_check(
			body, len,
			serve_req_get_header(r, "X-Twilio-Email-Event-Webhook-Signature"),
			serve_req_get_header(r, "X-Twilio-Email-Event-Webhook-Timestamp"),
			e->sendgrid_public_key, now, e->window);
		break;
	}
	if (!esp_ok(r, k, a, e->window))
		return false;
	if (tok[0] && token_seen(p, tok, now)) {
		serve_error(r, 409, "replayed",
			    "this Mailgun token was accepted before: the request is a replay");
		return false;
	}
	return true;
}

/* The TopicArn of the SNS message in r's body, "" when it has none. */
static void sns_topic(struct serve_req *r, char *topic, size_t size)
{
	size_t len;
	const char *body = serve_req_body(r, &len);
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *arn = json_string_value(json_object_get(j, "TopicArn"));
	snprintf(topic, size, "%s", arn ? arn : "");
	json_decref(j);
}

/* m kept in the store by the loop's connection, or by a worker's (the
 * confirmation, which ran there); st what the store said.  Answered. */
static void sns_answer(struct serve_req *r, const struct store_sns *m, enum lg_status st,
		       const struct lg_err *err)
{
	if (st != LG_OK) {
		/* SNS posts the message again after a 5xx. */
		fprintf(stderr, "leadgate: serve: POST /v1/bounces/ses: %s\n", err->msg);
		serve_error(r, 503, "unavailable",
			    "the store cannot keep the message now; try again");
		return;
	}
	serve_json(r, 200, view_sns_message(m, false));
}

/* An SNS subscription message that is not fetched (an unsubscribe, or a
 * URL not on an SNS host): kept in the store for the operator and said
 * in the log. */
static void sns_record(struct serve_req *r, enum esp_sns_type t, const char *url, bool url_ok)
{
	struct serve *sv = serve_req_server(r);
	char topic[SNS_TOPIC_MAX];
	sns_topic(r, topic, sizeof(topic));
	struct store_sns m = {
		.type = esp_sns_type_name(t),
		.topic_arn = topic,
		.subscribe_url = url,
		.url_is_sns = url_ok,
		.received_at = serve_req_now(r),
		.state = t == ESP_SNS_SUBSCRIBE ? "to_confirm" : NULL,
	};
	/* Said in the log first: the operator sees it even when the store
	 * cannot keep it. */
	if (t == ESP_SNS_SUBSCRIBE)
		fprintf(stderr,
			"leadgate: serve: SNS subscription confirmation for topic '%s'%s: to "
			"confirm it, visit %s\n",
			topic, url_ok ? "" : " (its URL is not on an SNS host)", url);
	else
		fprintf(stderr, "leadgate: serve: SNS unsubscribe confirmation for topic '%s'\n",
			topic);
	struct lg_err err = {{0}};
	enum lg_status st = store_sns_add(serve_store(sv), &m, SUBS_MAX, &err);
	sns_answer(r, &m, st, &err);
}

/* A body to import, and what its worker found. */
struct push {
	bool started;
	enum esp_kind k;
	bool events; /* POST /v1/events, else a bounce webhook of k */
	char tok[ESP_MAILGUN_TOKEN_MAX];
	const char *body; /* borrowed from the request */
	size_t len;
	const struct conf *conf;
	int64_t now;
	enum lg_status st;
	struct lg_err err;
	struct job_bounces_file bf;
	struct job_events_file ef;
	struct lg_buf gates; /* the lists whose gate the bounces may change (gate_later) */
	/* A SubscriptionConfirmation to confirm (sns): its URL fetched and
	 * the message kept by the worker, with the outcome (m's strings
	 * point at url, topic and why). */
	bool sns;
	const struct esp_policy *esp; /* the server's */
	char url[SNS_URL_MAX];
	char topic[SNS_TOPIC_MAX];
	char why[sizeof(((struct lg_err *)0)->msg)];
	struct store_sns m;
};

/* On a worker: GET the SubscribeURL (that is what confirms a
 * subscription), then keep the message with what came of it.  SNS
 * only needs a 2xx, whatever the outcome: a confirmation that failed is
 * the operator's to make, the message and why shown to them. */
static void sns_confirm_run(struct serve_worker *wk, void *arg)
{
	struct push *p = arg;
	const struct http_opts o = {
		.connect_to = p->esp->sns_confirm_via,
		.allow_private = p->esp->sns_confirm_via != NULL,
		.ca_file = p->esp->sns_confirm_ca,
	};
	struct lg_err err = {{0}};
	long code;
	if (http_get(p->url, &o, &code, &err) != LG_OK)
		snprintf(p->why, sizeof(p->why), "%s", err.msg);
	else if (code < 200 || code > 299)
		snprintf(p->why, sizeof(p->why), "the SNS host answered HTTP %ld, not 2xx", code);
	p->m.state = p->why[0] ? "confirm_failed" : "confirmed";
	p->m.error = p->why[0] ? p->why : NULL;
	p->st = store_sns_add(serve_worker_store(wk), &p->m, SUBS_MAX, &p->err);
}

/* A SubscriptionConfirmation whose URL is an SNS host's: confirmed on a
 * worker (the handler is called again then: sns_confirmed). */
static void sns_confirm_start(struct serve_req *r, struct push *p, const char *url)
{
	struct serve *s = serve_req_server(r);
	p->sns = true;
	p->esp = &serve_push_of(s)->esp;
	snprintf(p->url, sizeof(p->url), "%s", url);
	sns_topic(r, p->topic, sizeof(p->topic));
	p->m = (struct store_sns){
		.type = esp_sns_type_name(ESP_SNS_SUBSCRIBE),
		.topic_arn = p->topic,
		.subscribe_url = p->url,
		.url_is_sns = true,
		.received_at = serve_req_now(r),
	};
	fprintf(stderr,
		"leadgate: serve: SNS subscription confirmation for topic '%s': confirming it\n",
		p->topic);
	serve_req_work(r, sns_confirm_run, p);
}

static void sns_confirmed(struct serve_req *r, const struct push *p)
{
	if (p->why[0])
		fprintf(stderr,
			"leadgate: serve: SNS subscription confirmation for topic '%s': to "
			"confirm it, visit %s (confirming it failed: %s)\n",
			p->topic, p->url, p->why);
	else
		fprintf(stderr, "leadgate: serve: SNS subscription for topic '%s' confirmed\n",
			p->topic);
	sns_answer(r, &p->m, p->st, &p->err);
}

/* On a worker: a list to weigh again, by the handoff's next round
 * (serve_handoff_gates_later), not in this post's transaction. */
static void gate_later(void *arg, const char *list)
{
	struct push *p = arg;
	lg_buf_add(&p->gates, list, strlen(list) + 1);
}

static void push_state_free(void *arg)
{
	struct push *p = arg;
	lg_buf_release(&p->gates);
}

/* On a worker: the body imported as the command imports a file. */
static void push_run(struct serve_worker *wk, void *arg)
{
	struct push *p = arg;
	if (p->events) {
		struct job_events_opts o = {.conf = p->conf,
					    .now = p->now,
					    .ctx = serve_worker_verify_ctx(wk)};
		p->st = job_events_import_body(&o, serve_worker_store(wk), "POST /v1/events",
					       p->body, p->len, &p->ef, &p->err);
	} else {
		struct job_bounces_opts o = {.conf = p->conf,
					     .now = p->now,
					     .ctx = serve_worker_verify_ctx(wk),
					     .gate_later = gate_later,
					     .gate_arg = p};
		p->st = job_bounces_import_body(&o, serve_worker_store(wk), esps[p->k].route,
						p->body, p->len, (int)esps[p->k].format, &p->bf,
						&p->err);
	}
}

/* Hand p's body to a worker (the handler is called again then). */
static void push_start(struct serve_req *r, struct push *p)
{
	struct serve *s = serve_req_server(r);
	p->started = true;
	p->body = serve_req_body(r, &p->len);
	p->conf = serve_options(s)->conf;
	p->now = serve_req_now(r);
	serve_req_work(r, push_run, p);
}

/* The worker is done: false (answered) when the import failed. */
static bool push_done(struct serve_req *r, const struct push *p, const char *route)
{
	if (p->st == LG_EDATA) {
		serve_error(r, 400, "bad_request", "%s", p->err.msg);
		return false;
	}
	if (p->st != LG_OK) {
		fprintf(stderr, "leadgate: serve: %s: %s\n", route, p->err.msg);
		serve_error(r, 503, "unavailable",
			    "the store cannot take the events now; try again");
		return false;
	}
	return true;
}

static void push_bounces(struct serve_req *r, enum esp_kind k)
{
	struct serve *s = serve_req_server(r);
	struct push *p = serve_req_state(r, sizeof(*p), push_state_free);
	size_t len;
	const char *body = serve_req_body(r, &len);

	if (p->sns) {
		sns_confirmed(r, p);
		return;
	}
	if (p->started) {
		if (!push_done(r, p, esps[k].route))
			return;
		/* Kept once imported: a retry of a post that failed is no
		 * replay.  (Two posts of one token at once both pass the check;
		 * the import counts the second as a duplicate.) */
		if (p->tok[0])
			token_keep(serve_push_of(s), p->tok, p->now);
		serve_handoff_gates_later(serve_handoff_of(s), p->gates.data, p->gates.len);
		serve_json(r, 200, view_bounces_file(esps[k].route, &p->bf));
		return;
	}
	if (!push_auth(r, k, p->tok, sizeof(p->tok)))
		return;
	if (k == ESP_SES) {
		char url[SNS_URL_MAX];
		bool url_ok;
		enum esp_sns_type t = esp_sns_classify(body, len, url, sizeof(url), &url_ok);
		if (t == ESP_SNS_SUBSCRIBE && url_ok) {
			sns_confirm_start(r, p, url);
			return;
		}
		if (t == ESP_SNS_SUBSCRIBE || t == ESP_SNS_UNSUBSCRIBE) {
			sns_record(r, t, url, url_ok);
			return;
		}
	}
	p->k = k;
	push_start(r, p);
}

void serve_bounces_ses(struct serve_req *r)
{
	push_bounces(r, ESP_SES);
}

void serve_bounces_sendgrid(struct serve_req *r)
{
	push_bounces(r, ESP_SENDGRID);
}

void serve_bounces_mailgun(struct serve_req *r)
{
	push_bounces(r, ESP_MAILGUN);
}

void serve_bounces_postmark(struct serve_req *r)
{
	push_bounces(r, ESP_POSTMARK);
}

void serve_ses_subscriptions(struct serve_req *r)
{
	json_t *o;
	struct lg_err err = {{0}};
	if (view_sns_messages(serve_store(serve_req_server(r)), &o, &err) != LG_OK) {
		fprintf(stderr, "leadgate: serve: GET /v1/bounces/ses/subscriptions: %s\n", err.msg);
		serve_error(r, 503, "unavailable", "the store cannot be read now; try again");
		return;
	}
	serve_json(r, 200, o);
}

void serve_events_post(struct serve_req *r)
{
	struct push *p = serve_req_state(r, sizeof(*p), push_state_free);
	if (!p->started) {
		p->events = true;
		push_start(r, p);
		return;
	}
	if (push_done(r, p, "POST /v1/events"))
		serve_json(r, 200, view_events_file("POST /v1/events", &p->ef));
}
