/*
 * test_bounce.c - bounce files of every format, and the classification
 * table.
 *
 * The provider files are fixtures under tests/data/bounces/, written from
 * each provider's documented examples; the data directory is argv[1], or
 * $LEADGATE_TEST_DATA, or tests/data (the tests run from the top of the
 * tree).  Hostile and edge inputs are written inline.
 */
#include "bounce/bounce_int.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const char *data_dir = "tests/data";

#define MAX_EV 64
#define MAX_BAD 32

struct got_event {
	char email[300];
	enum bounce_type type;
	char status[BOUNCE_STATUS_MAX], code[BOUNCE_STATUS_MAX];
	char reason[BOUNCE_FIELD_MAX + 1], id[BOUNCE_FIELD_MAX + 1];
	int64_t at;
	unsigned long line;
	enum bounce_format format;
};

struct got {
	struct got_event ev[MAX_EV];
	size_t nev;
	unsigned long bad_line[MAX_BAD];
	char bad_why[MAX_BAD][512];
	size_t nbad;
	size_t fail_at; /* the event callback fails on this event (1-based); 0 never */
	struct bounce_stats st;
	enum lg_status status;
	struct lg_err err;
	size_t per_type[BOUNCE_TYPE_COUNT];
};

static enum lg_status on_event(void *arg, const struct bounce_event *e, struct lg_err *err)
{
	struct got *g = arg;
	/* the contract: never NULL */
	assert_non_null(e->email);
	assert_non_null(e->status);
	assert_non_null(e->code);
	assert_non_null(e->reason);
	assert_non_null(e->id);
	assert_true(e->line >= 1);
	assert_true(strlen(e->reason) <= BOUNCE_FIELD_MAX);
	assert_true(strlen(e->id) <= BOUNCE_FIELD_MAX);
	g->per_type[e->type]++;
	if (g->nev < MAX_EV) {
		struct got_event *x = &g->ev[g->nev];
		snprintf(x->email, sizeof(x->email), "%s", e->email);
		snprintf(x->status, sizeof(x->status), "%s", e->status);
		snprintf(x->code, sizeof(x->code), "%s", e->code);
		snprintf(x->reason, sizeof(x->reason), "%s", e->reason);
		snprintf(x->id, sizeof(x->id), "%s", e->id);
		x->type = e->type;
		x->at = e->occurred_at;
		x->line = e->line;
		x->format = e->format;
	}
	g->nev++;
	if (g->fail_at && g->nev == g->fail_at)
		return lg_err_set(err, LG_EIO, "the store is gone");
	return LG_OK;
}

static void on_bad(void *arg, unsigned long line, const char *why)
{
	struct got *g = arg;
	assert_non_null(why);
	if (g->nbad < MAX_BAD) {
		g->bad_line[g->nbad] = line;
		snprintf(g->bad_why[g->nbad], sizeof(g->bad_why[0]), "%s", why);
	}
	g->nbad++;
}

static struct got *parse_mem(const char *data, size_t n, const char *name)
{
	struct got *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	g->status = bounce_parse(data, n, name, on_event, on_bad, g, &g->st, &g->err);
	/* the stats count what the callbacks saw */
	assert_int_equal(g->st.events, g->nev);
	assert_int_equal(g->st.bad, g->nbad);
	return g;
}

#define PARSE(lit, name) parse_mem(lit, sizeof(lit) - 1, name)

static char *slurp(const char *name, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/bounces/%s", data_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg(
			"cannot open %s (run from the top of the tree, or pass the data directory)",
			path);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	buf[len] = '\0';
	*n = (size_t)len;
	return buf;
}

static struct got *parse_file(const char *name)
{
	size_t n;
	char *buf = slurp(name, &n);
	struct got *g = parse_mem(buf, n, name);
	free(buf);
	return g;
}

/* One event as expected; NULL strings are not checked. */
struct want {
	unsigned long line;
	enum bounce_type type;
	const char *email, *status, *code;
	int64_t at;
	const char *id;
};

static void check(const struct got *g, const struct want *w, size_t n)
{
	assert_int_equal(g->nev, n);
	for (size_t i = 0; i < n; i++) {
		const struct got_event *e = &g->ev[i];
		if (e->line != w[i].line || e->type != w[i].type || strcmp(e->email, w[i].email))
			fail_msg("event %zu: got line %lu %s %s, want line %lu %s %s", i, e->line,
				 bounce_type_name(e->type), e->email, w[i].line,
				 bounce_type_name(w[i].type), w[i].email);
		if (w[i].status)
			assert_string_equal(e->status, w[i].status);
		if (w[i].code)
			assert_string_equal(e->code, w[i].code);
		assert_int_equal(e->at, w[i].at);
		if (w[i].id)
			assert_string_equal(e->id, w[i].id);
	}
}

static void check_counts(const struct got *g, enum bounce_format f, size_t events, size_t bad,
			 size_t ignored)
{
	if (g->status != LG_OK)
		fail_msg("status %d: %s", g->status, g->err.msg);
	assert_int_equal(g->st.format, f);
	assert_int_equal(g->st.events, events);
	assert_int_equal(g->st.bad, bad);
	assert_int_equal(g->st.ignored, ignored);
}

static bool has(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* ---- classification ------------------------------------------------------- */

#define U (-1) /* undecided */
#define H BOUNCE_HARD
#define S BOUNCE_SOFT
#define B BOUNCE_BLOCK

static const struct {
	const char *status, *code, *text;
	int want;
} classify_vectors[] = {
	/* RFC 3463 2: the classes */
	{"2.0.0", "", "", U},
	{"2.1.5", "250", "ok", U},
	{"4.0.0", "", "", S},
	{"4.1.1", "", "", S},
	{"4.2.2", "", "", S},
	{"4.4.7", "", "", S},
	{"4.7.1", "", "blocked, try again later", S},
	{"4.2.1", "", "mailbox temporarily disabled", S},
	/* 3.1 other or undefined: the text, then the reply code, then block */
	{"5.0.0", "", "", B},
	{"5.0.0", "550", "", B},
	{"5.0.0", "", "smtp; 550 user unknown", H},
	{"5.0.0", "", "smtp; 550 5.1.1 <a@example.com>: recipient rejected", H},
	{"5.0.0", "552", "", S},
	{"5.0.0", "556", "", H},
	/* 3.2 addressing */
	{"5.1.0", "", "", B},
	{"5.1.0", "", "Address rejected: user unknown", H},
	{"5.1.0", "", "Sender address rejected: Domain not found", B},
	{"5.1.1", "", "", H},
	{"5.1.2", "", "", H},
	{"5.1.3", "", "", H},
	{"5.1.4", "", "", H},
	{"5.1.5", "", "", B},
	{"5.1.6", "", "", H},
	{"5.1.7", "", "", B},
	{"5.1.8", "", "", B},
	{"5.1.9", "", "", B},
	{"5.1.10", "", "", H},
	{"5.1.11", "", "", B},
	{"5.1.1", "", "spam filter says user unknown", H}, /* a specific code beats the text */
	/* 3.3 mailbox */
	{"5.2.0", "", "", S},
	{"5.2.0", "", "no such user here", H},
	{"5.2.1", "", "", H},
	{"5.2.2", "", "", S},
	{"5.2.3", "", "", S},
	{"5.2.4", "", "", S},
	{"5.2.9", "", "", S},
	/* 3.4 mail system */
	{"5.3.0", "", "", S},
	{"5.3.0", "", "user unknown", H},
	{"5.3.1", "", "", S},
	{"5.3.2", "", "", S},
	{"5.3.3", "", "", S},
	{"5.3.4", "", "", S},
	{"5.3.5", "", "", S},
	/* 3.5 network and routing */
	{"5.4.0", "", "", S},
	{"5.4.1", "", "", S},
	{"5.4.1", "550", "Recipient address rejected: Access denied. AS(201806281)", H},
	{"5.4.1", "550", "Relay Access Denied", S},
	{"5.4.4", "", "Host or domain name not found", S},
	{"5.4.6", "", "", S},
	{"5.4.7", "", "", S},
	/* 3.6 protocol */
	{"5.5.0", "", "", S},
	{"5.5.0", "550", "Recipient address rejected: User unknown", H},
	{"5.5.1", "", "", S},
	{"5.5.3", "", "", S},
	/* 3.7 content and media */
	{"5.6.0", "", "", B},
	{"5.6.1", "", "", B},
	{"5.6.7", "", "", B},
	/* 3.8 security and policy */
	{"5.7.0", "", "", B},
	{"5.7.1", "", "", B},
	{"5.7.1", "", "user unknown", B},
	{"5.7.13", "", "", B},
	{"5.7.17", "", "", H}, /* RFC 7293: mailbox owner has changed */
	{"5.7.18", "", "", H}, /* domain owner has changed */
	{"5.7.26", "", "", B},
	{"5.7.27", "", "", B}, /* RFC 7505: the sender's domain has a null MX */
	/* subjects not registered */
	{"5.9.9", "", "", B},
	{"5.9.9", "", "mailbox full", S},
	/* no enhanced code: RFC 5321 4.2 reply codes and the text */
	{"", "250", "", U},
	{"", "354", "", U},
	{"", "421", "", S},
	{"", "450", "mailbox unavailable", S},
	{"", "451", "", S},
	{"", "452", "", S},
	{"", "500", "", B},
	{"", "521", "", B},
	{"", "530", "", B},
	{"", "550", "", B},
	{"", "550", "user unknown", H},
	{"", "550", "Requested action not taken: mailbox unavailable", H},
	{"", "550", "No such user here", H},
	{"", "550", "Requested action not taken: mailbox unavailable (listed on Spamhaus)", B},
	{"", "550", "mailbox unavailable: over quota", S},
	{"", "551", "User not local; please try <x@example.net>", H},
	{"", "553", "", B},
	{"", "553", "invalid recipient", H},
	{"", "552", "", S},
	{"", "552", "Requested mail action aborted, mailbox not found", H},
	{"", "554", "", B},
	{"", "554", "Message rejected as spam", B},
	{"", "554", "Transaction failed: blocked", B},
	{"", "554", "denied by policy", B},
	{"", "554", "your IP is blacklisted", B},
	{"", "554", "poor sender reputation", B},
	{"", "556", "", H},
	{"", "559", "", B},
	{"", "599", "", U}, /* RFC 5321 4.2.1: the second digit is 0 to 5 */
	{"", "600", "", U}, /* not a reply code */
	{"", "abc", "", U},
	/* text alone */
	{"", "", "", U},
	{"", "", "hello", U},
	{"", "", "USER UNKNOWN", H},
	{"", "", "The email account that you tried to reach does not exist.", H},
	{"", "", "Mailbox full", S},
	{"", "", "greylisted, please try again later", S},
	{"", "", "blocked using zen.spamhaus.org", B},
	{"", "", "the reply was garbled", U},            /* "rbl" only as a word */
	{"", "", "<spam@example.com>: user unknown", H}, /* addresses are not words */
	{"", "", "<mx.example.com #5.7.1 smtp;550 relaying denied>", B}, /* other <...> are */
	{"", "", "smtp; 550 5.1.1 <a@b.example>: Recipient address rejected", H},
	{"", "", "host mx.example.com[192.0.2.25] said: 550-5.1.1 no", H},
	{"", "", "sorry, no mailbox here by that name (#5.1.1)", H},
	{"", "", "smtp; 421 4.4.2 connection dropped", S},
	{"", "", "relay 192.168.5.1.1 said nothing", U}, /* an address, not a status */
	{"", "", "release 5.1.10.2", U},
	{"", "", "code 5.1.1.", H},
	/* the status field read leniently, and against the text */
	{"5.1.1 (bad destination mailbox)", "", "", H},
	{"#5.7.1", "", "", B},
	{"bounce", "", "smtp; 550 5.1.1 gone", H},
	{"5.1.1", "", "smtp; 550 5.7.1 policy", H}, /* a specific status is not overridden */
	{"4.0.0", "", "smtp; 550 5.1.1 gone", S},   /* nor is the class */
	{" 5.2.2 ", " 552 ", "", S},
};

static void test_classify_vectors(void **state)
{
	(void)state;
	size_t n = sizeof(classify_vectors) / sizeof(*classify_vectors), wrong = 0;
	for (size_t i = 0; i < n; i++) {
		enum bounce_type t = (enum bounce_type)99;
		bool ok = bounce_classify(classify_vectors[i].status, classify_vectors[i].code,
					  classify_vectors[i].text, &t);
		int got = ok ? (int)t : U;
		if (got != classify_vectors[i].want) {
			fprintf(stderr, "classify(\"%s\", \"%s\", \"%s\") = %d, want %d\n",
				classify_vectors[i].status, classify_vectors[i].code,
				classify_vectors[i].text, got, classify_vectors[i].want);
			wrong++;
		}
		if (!ok)
			assert_int_equal(t, 99); /* *out left alone */
	}
	fprintf(stderr, "%zu classification vectors, %zu wrong\n", n, wrong);
	assert_int_equal(wrong, 0);
	/* NULL reads as "" */
	enum bounce_type t;
	assert_false(bounce_classify(NULL, NULL, NULL, &t));
}

static void test_classify_details(void **state)
{
	(void)state;
	struct bounce_verdict v;

	/* the codes found in the text come back */
	bounce_classify_verdict("", "", "smtp; 550 5.1.1 <jane@example.com>... User unknown", &v);
	assert_int_equal(v.type, BOUNCE_HARD);
	assert_int_equal(v.strength, BOUNCE_STRONG);
	assert_string_equal(v.status, "5.1.1");
	assert_string_equal(v.code, "550");
	/* X.0.0 gives way to the specific code in the text */
	bounce_classify_verdict("5.0.0", NULL, "smtp; 550 5.1.2 no such domain", &v);
	assert_string_equal(v.status, "5.1.2");
	/* a class default is weak, a specific code or telling text strong */
	bounce_classify_verdict("", "550", "", &v);
	assert_int_equal(v.strength, BOUNCE_WEAK);
	bounce_classify_verdict("5.0.0", "", "", &v);
	assert_int_equal(v.strength, BOUNCE_WEAK);
	bounce_classify_verdict("5.7.1", "", "", &v);
	assert_int_equal(v.strength, BOUNCE_STRONG);
	bounce_classify_verdict("", "", "mailbox full", &v);
	assert_int_equal(v.strength, BOUNCE_STRONG);
	bounce_classify_verdict("", "", "", &v);
	assert_int_equal(v.strength, BOUNCE_UNDECIDED);
	assert_string_equal(v.status, "");
	assert_string_equal(v.code, "");
	/* Exchange quotes the remote server's reply */
	bounce_classify_verdict("", "", "Remote Server returned '554 5.7.1 Relay access denied'",
				&v);
	assert_string_equal(v.code, "554");
	assert_string_equal(v.status, "5.7.1");
	char buf[BOUNCE_STATUS_MAX];
	assert_true(bounce_find_status("x #5.01.1 y", 11, buf));
	assert_string_equal(buf, "5.1.1");
	assert_false(bounce_find_status("3.1.1 5.1", 9, buf));
}

static void test_refine(void **state)
{
	(void)state;
	struct bounce_verdict v;

	/* strong evidence of a live mailbox turns a provider's hard */
	bounce_classify_verdict("5.7.1", "", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_HARD, false, &v), BOUNCE_BLOCK);
	bounce_classify_verdict("4.2.2", "", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_HARD, false, &v), BOUNCE_SOFT);
	/* weak evidence does not */
	bounce_classify_verdict("", "550", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_HARD, false, &v), BOUNCE_HARD);
	/* nothing makes a provider's soft or block hard */
	bounce_classify_verdict("5.1.1", "", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_SOFT, false, &v), BOUNCE_SOFT);
	assert_int_equal(bounce_refine(BOUNCE_BLOCK, false, &v), BOUNCE_BLOCK);
	/* unless the provider did not classify: then any decision wins */
	assert_int_equal(bounce_refine(BOUNCE_SOFT, true, &v), BOUNCE_HARD);
	bounce_classify_verdict("", "550", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_SOFT, true, &v), BOUNCE_BLOCK);
	bounce_classify_verdict("", "", "", &v);
	assert_int_equal(bounce_refine(BOUNCE_SOFT, true, &v), BOUNCE_SOFT);
}

static void test_rfc5322_dates(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t want; /* -1: rejected */
	} v[] = {
		{"Tue, 14 Mar 2023 09:26:53 +0100 (CET)", 1678782413},
		{"14 Mar 2023 09:26:53 +0100", 1678782413},
		{"Tue,14 Mar 2023 08:26:53 GMT", 1678782413},
		{"Tue, 14 Mar 2023 08:26:53 UT", 1678782413},
		{"Tue, 14 Mar 2023 03:26:53 EST", 1678782413},
		{"Tue, 14 Mar 2023 04:26:53 EDT", 1678782413},
		{"Tue, 14 Mar 2023 00:26:53 PST", 1678782413},
		{"Tue, 14 Mar 2023 13:56:53 +0530", 1678782413},
		{"Tue, 14 Mar 23 08:26:53 -0000", 1678782413}, /* obs-year */
		{"Tue, 14 March 2023 08:26:53 Z", 1678782413},
		{"  Tue, 14 Mar 2023\r\n 08:26:53 (folded)\r\n +0000 ", 1678782413},
		{"Fri, 1 Jan 99 00:00 GMT", 915148800}, /* no seconds, 19xx */
		{"Sat, 29 Feb 2020 12:00:00 +0000", 1582977600},
		{"1 Jan 100 00:00:00 +0000", 946684800},    /* three digits: 1900 + */
		{"Wed, 7 Jun 2023 06:14:58 A", 1686118498}, /* military: read as UTC */
		{"Fri, 29 Feb 2019 12:00:00 +0000", -1},
		{"Tue, 32 Mar 2023 08:26:53 +0000", -1},
		{"Tue, 14 Foo 2023 08:26:53 +0000", -1},
		{"Tue, 14 Mar 2023 24:00:00 +0000", -1},
		{"Tue, 14 Mar 2023 08:26:53", -1}, /* no zone */
		{"Tue, 14 Mar 2023 08:26:53 +0100 junk", -1},
		{"Tue, 14 Mar 2023 08:26:53 +01", -1},
		{"Tue, 14 Mar 2023 08:26:53 J", -1},
		{"2023-03-14T08:26:53Z", -1},
		{"", -1},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		int64_t t = 12345;
		bool ok = bounce_rfc5322_date(v[i].s, strlen(v[i].s), &t);
		if (v[i].want < 0 ? ok : (!ok || t != v[i].want))
			fail_msg("date \"%s\": ok %d, %lld", v[i].s, ok, (long long)t);
	}
}

static void test_names(void **state)
{
	(void)state;
	static const char *const types[] = {"hard",      "soft",        "block",
					    "complaint", "unsubscribe", "suppressed"};
	static const char *const formats[] = {"csv",      "ses", "sendgrid", "mailgun",
					      "postmark", "dsn", "json",     "text"};
	for (int i = 0; i < BOUNCE_TYPE_COUNT; i++)
		assert_string_equal(bounce_type_name((enum bounce_type)i), types[i]);
	for (int i = 0; i < BOUNCE_FMT_COUNT; i++)
		assert_string_equal(bounce_format_name((enum bounce_format)i), formats[i]);
	assert_string_equal(bounce_type_name((enum bounce_type)42), "unknown");
	assert_string_equal(bounce_format_name((enum bounce_format)42), "unknown");
}

/* ---- Amazon SES ---------------------------------------------------------------- */

static void test_ses_bounce(void **state)
{
	(void)state;
	struct got *g = parse_file("ses-bounce.json");
	check_counts(g, BOUNCE_FMT_SES, 2, 0, 0);
	/* Permanent/General; the second recipient's 5.0.0 leaves it to the
	 * text, which says "user unknown" */
	static const struct want w[] = {
		{1, H, "jane@example.com", "5.1.1", "550", 1453906778,
		 "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000 jane@example.com"},
		{1, H, "richard@example.com", "5.0.0", "550", 1453906778,
		 "00000137860315fd-869464a4-8680-4114-98d3-716fe35851f9-000000 "
		 "richard@example.com"},
	};
	check(g, w, 2);
	assert_string_equal(g->ev[0].reason, "smtp; 550 5.1.1 <jane@example.com>... User unknown");
	assert_int_equal(g->ev[0].format, BOUNCE_FMT_SES);
	free(g);
}

static void test_ses_sns(void **state)
{
	(void)state;
	struct got *g = parse_file("ses-sns.json");
	check_counts(g, BOUNCE_FMT_SES, 1, 0, 0);
	static const struct want w[] = {
		{1, H, "gone@example.org", "5.1.1", "", 1681200765,
		 "0100018770a3c9a1-0d6a5b7e-6c3f-4b3d-9a51-7d0b2b0a4f11-000000 gone@example.org"},
	};
	check(g, w, 1);
	assert_true(has(g->ev[0].reason, "suppression list"));
	free(g);
}

static void test_ses_complaint(void **state)
{
	(void)state;
	struct got *g = parse_file("ses-complaint.json");
	check_counts(g, BOUNCE_FMT_SES, 1, 0, 0);
	static const struct want w[] = {
		{1, BOUNCE_COMPLAINT, "angry@example.net", "", "", 1453906778,
		 "000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000 angry@example.net"},
	};
	check(g, w, 1);
	assert_string_equal(g->ev[0].reason, "abuse");
	free(g);
}

static void test_ses_transient(void **state)
{
	(void)state;
	struct got *g = parse_file("ses-transient.json");
	check_counts(g, BOUNCE_FMT_SES, 3, 0, 1); /* the Delivery is ignored */
	static const struct want w[] = {
		{2, S, "full@example.com", "5.2.2", "552", 1709251199, NULL},
		{20, S, "later@example.com", "4.7.1", "451", 1709251800, NULL},
		/* Undetermined: the recipient's 5.1.1 decides */
		{36, H, "nobody@example.com", "5.1.1", "550", 1709254800, NULL},
	};
	check(g, w, 3);
	free(g);
}

static void test_ses_inline(void **state)
{
	(void)state;
	struct got *g;

	/* Permanent/General refuted by the recipient's own 5.7.1 */
	g = PARSE("{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
		  "\"bounceSubType\":\"General\",\"bouncedRecipients\":[{\"emailAddress\":"
		  "\"a@example.com\",\"status\":\"5.7.1\",\"diagnosticCode\":\"smtp; 550 5.7.1 "
		  "policy\"}],\"timestamp\":\"2024-01-01T00:00:00Z\",\"feedbackId\":\"f\"}}",
		  "r.json");
	check_counts(g, BOUNCE_FMT_SES, 1, 0, 0);
	assert_int_equal(g->ev[0].type, BOUNCE_BLOCK);
	assert_string_equal(g->ev[0].reason, "smtp; 550 5.7.1 policy");
	free(g);
	/* Suppressed stays hard whatever the text; no diagnostic: the types */
	g = PARSE("{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\","
		  "\"bounceSubType\":\"Suppressed\",\"bouncedRecipients\":[{\"emailAddress\":"
		  "\"b@example.com\"}]},\"mail\":{\"timestamp\":\"2024-01-01T00:00:00Z\"}}",
		  "s.json");
	check_counts(g, BOUNCE_FMT_SES, 1, 0, 0);
	assert_int_equal(g->ev[0].type, BOUNCE_HARD);
	assert_string_equal(g->ev[0].reason, "Permanent Suppressed");
	assert_int_equal(g->ev[0].at, 1704067200); /* mail.timestamp when bounce has none */
	assert_string_equal(g->ev[0].id, "");
	free(g);
	/* ContentRejected is a block; Undetermined with nothing to go on is soft */
	g = PARSE(
		"[{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\","
		"\"bounceSubType\":\"ContentRejected\",\"bouncedRecipients\":[{\"emailAddress\":"
		"\"c@example.com\"}]}},\n{\"notificationType\":\"Bounce\",\"bounce\":{"
		"\"bounceType\":"
		"\"Undetermined\",\"bouncedRecipients\":[{\"emailAddress\":\"d@example.com\"}]}},\n"
		"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Sideways\","
		"\"bouncedRecipients\":[{\"emailAddress\":\"e@example.com\"}]}},\n"
		"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\"}},\n"
		"{\"eventType\":\"DeliveryDelay\",\"deliveryDelay\":{\"delayType\":\"MailboxFull\","
		"\"delayedRecipients\":[{\"emailAddress\":\"f@example.com\",\"status\":\"4.2.2\"}]}"
		"},\n"
		"{\"eventType\":\"Open\"}]",
		"t.json");
	check_counts(g, BOUNCE_FMT_SES, 3, 2, 1);
	assert_int_equal(g->ev[0].type, BOUNCE_BLOCK);
	assert_int_equal(g->ev[1].type, BOUNCE_SOFT);
	assert_int_equal(g->ev[1].line, 2);
	assert_int_equal(g->ev[2].type, BOUNCE_SOFT);
	assert_int_equal(g->ev[2].line, 5);
	assert_int_equal(g->bad_line[0], 3);
	assert_true(has(g->bad_why[0], "unknown SES bounceType \"Sideways\""));
	assert_int_equal(g->bad_line[1], 4);
	assert_true(has(g->bad_why[1], "without bouncedRecipients"));
	free(g);
	/* SNS: a subscription confirmation is not an event; a message that is
	 * not JSON is a bad record */
	g = PARSE("[{\"Type\":\"SubscriptionConfirmation\",\"TopicArn\":\"arn\",\"Message\":\"You "
		  "have chosen to subscribe\"},\n{\"Type\":\"Notification\",\"TopicArn\":\"arn\","
		  "\"Message\":\"{not json\"}]",
		  "sns.json");
	check_counts(g, BOUNCE_FMT_SES, 0, 1, 1);
	assert_int_equal(g->bad_line[0], 2);
	assert_true(has(g->bad_why[0], "SNS Message is not JSON"));
	free(g);
}

/* ---- SendGrid ------------------------------------------------------------------- */

static void test_sendgrid(void **state)
{
	(void)state;
	struct got *g = parse_file("sendgrid.json");
	/* processed, delivered, open, click and the "Invalid SMTPAPI header"
	 * drop are not about the recipient */
	check_counts(g, BOUNCE_FMT_SENDGRID, 7, 0, 5);
	static const struct want w[] = {
		{25, H, "bob@acme.example", "5.1.1", "550", 1700000200, "6g4ZI7SA-xmRDv57GoPIPw=="},
		{38, B, "carol@bigcorp.example", "5.7.1", "554", 1700000300,
		 "Kq3fVgQ2SWyPwUB0h0t0Zw=="},
		{49, H, "dave@acme.example", NULL, "", 1700000400, "zmzJhfJgAfUSOW80yEbPyw=="},
		{67, S, "frank@slowmail.example", "4.2.2", "400", 1700000500,
		 "t7LEShmowp86DTdUW8M-GQ=="},
		{76, BOUNCE_COMPLAINT, "grace@acme.example", "", "", 1700000600,
		 "37nvH5QBz858KGVYCM4uOA=="},
		{83, BOUNCE_UNSUBSCRIBE, "heidi@acme.example", "", "", 1700000700,
		 "zz_BjPgU_5pS-J8vlfB1sg=="},
		{90, BOUNCE_UNSUBSCRIBE, "ivan@acme.example", "", "", 1700000800,
		 "ahSCB7xYcXFb-hEaawsPRw=="},
	};
	check(g, w, 7);
	assert_string_equal(g->ev[3].reason, "400 4.2.2 Mailbox over quota, try again later");
	free(g);
}

static void test_sendgrid_classifications(void **state)
{
	(void)state;
	struct got *g =
		PARSE("[{\"event\":\"bounce\",\"email\":\"a@x.io\",\"bounce_classification\":"
		      "\"Technical Failure\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"b@x.io\",\"bounce_classification\":"
		      "\"Content\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"c@x.io\",\"bounce_classification\":"
		      "\"Frequency or Volume Too High\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"d@x.io\",\"bounce_classification\":"
		      "\"Mailbox Unavailable\",\"status\":\"5.2.1\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"e@x.io\",\"bounce_classification\":"
		      "\"Mailbox Unavailable\",\"status\":\"5.2.2\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"f@x.io\",\"bounce_classification\":"
		      "\"Unclassified\",\"reason\":\"500 unknown recipient\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"g@x.io\",\"bounce_classification\":"
		      "\"Unclassified\"},\n"
		      "{\"event\":\"bounce\",\"email\":\"h@x.io\",\"bounce_classification\":"
		      "\"Invalid Address\",\"status\":\"5.7.1\"},\n"
		      "{\"event\":\"blocked\",\"email\":\"i@x.io\"},\n"
		      "{\"event\":\"dropped\",\"email\":\"j@x.io\",\"reason\":\"Unsubscribed "
		      "Address\"},\n"
		      "{\"event\":\"dropped\",\"email\":\"k@x.io\",\"reason\":\"Spam Reporting "
		      "Address\"},\n"
		      "{\"event\":\"bounce\",\"sg_event_id\":\"no-email\"}]",
		      "sg.json");
	check_counts(g, BOUNCE_FMT_SENDGRID, 11, 1, 0);
	static const enum bounce_type want[] = {
		S, B, B, H, S, H, B, B, B, BOUNCE_UNSUBSCRIBE, BOUNCE_COMPLAINT};
	for (size_t i = 0; i < 11; i++) {
		assert_int_equal(g->ev[i].type, want[i]);
		assert_int_equal(g->ev[i].line, i + 1);
	}
	assert_int_equal(g->bad_line[0], 12);
	assert_string_equal(g->bad_why[0], "no recipient address");
	free(g);
}

/* ---- Mailgun -------------------------------------------------------------------- */

static void test_mailgun_webhook(void **state)
{
	(void)state;
	struct got *g = parse_file("mailgun-webhook.json");
	check_counts(g, BOUNCE_FMT_MAILGUN, 1, 0, 0);
	static const struct want w[] = {
		{1, H, "alice@example.com", "5.1.1", "550", 1521233195, "G9Bn5sl1TC6nu79C8C0bwg"},
	};
	check(g, w, 1);
	/* the multi-line message is one line */
	assert_false(has(g->ev[0].reason, "\n"));
	assert_true(has(g->ev[0].reason, "Please try 5.1.1 double-checking"));
	free(g);
}

static void test_mailgun_events(void **state)
{
	(void)state;
	struct got *g = parse_file("mailgun-events.json");
	check_counts(g, BOUNCE_FMT_MAILGUN, 6, 0, 1);
	static const struct want w[] = {
		{3, S, "busy@example.com", "4.2.2", "452", 1700001000, "W3X4JOhFT-OZidZGKKr9iA"},
		{19, H, "old@example.com", "", "605", 1700001100, "S7tNqkO2R7mk4A3uB8yRxg"},
		{34, B, "walled@example.com", "", "554", 1700001200, "b2fFV0yNQ8aPpGzK1CvQeA"},
		/* "bounce", but the 5.7.1 says policy */
		{48, B, "policy@corp.example", "5.7.1", "550", 1700001300, "pQ2bZc4jRUu1h6nA0q9mVw"},
		{63, BOUNCE_COMPLAINT, "grumpy@example.com", "", "", 1700001400,
		 "ncV2XwymRUKbPek_MIM-Gw"},
		{70, BOUNCE_UNSUBSCRIBE, "leaving@example.com", "", "", 1700001500,
		 "d0Db9pPBSNqLXeXhE4RBeg"},
	};
	check(g, w, 6);
	assert_string_equal(g->ev[1].reason, "Not delivering to previously bounced address");
	free(g);

	/* suppressions of other lists, "old", and a generic permanent failure */
	g = PARSE("{\"items\":[\n"
		  "{\"event\":\"failed\",\"severity\":\"permanent\",\"reason\":\"suppress-"
		  "complaint\",\"recipient\":\"a@x.io\"},\n"
		  "{\"event\":\"failed\",\"severity\":\"permanent\",\"reason\":\"suppress-"
		  "unsubscribe\",\"recipient\":\"b@x.io\"},\n"
		  "{\"event\":\"failed\",\"severity\":\"permanent\",\"reason\":\"old\","
		  "\"recipient\":\"c@x.io\"},\n"
		  "{\"event\":\"failed\",\"severity\":\"permanent\",\"reason\":\"generic\","
		  "\"recipient\":\"d@x.io\"},\n"
		  "{\"event\":\"failed\",\"severity\":\"permanent\",\"reason\":\"generic\","
		  "\"recipient\":\"e@x.io\","
		  "\"delivery-status\":{\"code\":550,\"message\":\"No such user\"}},\n"
		  "42]}",
		  "mg.json");
	check_counts(g, BOUNCE_FMT_MAILGUN, 5, 1, 0);
	assert_int_equal(g->ev[0].type, BOUNCE_COMPLAINT);
	assert_int_equal(g->ev[1].type, BOUNCE_UNSUBSCRIBE);
	assert_int_equal(g->ev[2].type, BOUNCE_SOFT);
	assert_int_equal(g->ev[3].type, BOUNCE_BLOCK);
	assert_string_equal(g->ev[3].reason, "generic");
	assert_int_equal(g->ev[4].type, BOUNCE_HARD);
	assert_int_equal(g->ev[4].line, 6);
	assert_int_equal(g->bad_line[0], 7);
	assert_true(has(g->bad_why[0], "Mailgun item is not a JSON object"));
	free(g);
}

/* ---- Postmark ------------------------------------------------------------------- */

static void test_postmark_hard(void **state)
{
	(void)state;
	struct got *g = parse_file("postmark-hard.json");
	check_counts(g, BOUNCE_FMT_POSTMARK, 1, 0, 0);
	static const struct want w[] = {
		{1, H, "john@example.com", "5.1.1", "550", 1572971634, "4323372036854775807"},
	};
	check(g, w, 1);
	free(g);
}

static void test_postmark_api(void **state)
{
	(void)state;
	struct got *g = parse_file("postmark-api.json");
	check_counts(g, BOUNCE_FMT_POSTMARK, 8, 2, 1); /* the AutoResponder is ignored */
	static const struct want w[] = {
		{4, H, "anything@blackhole.postmarkapp.com", "", "", 1389820159, "692560173"},
		{22, S, "full@example.com", "4.2.2", "452", 1389801600, "676862817"},
		{35, S, "slow@example.com", "", "", 1389830400, "676862818"},
		{37, B, "blocked@example.com", "5.7.1", "554", 1389834000, "676862819"},
		{39, BOUNCE_COMPLAINT, "complainer@example.com", "", "", 1389837600, "676862820"},
		{43, BOUNCE_UNSUBSCRIBE, "manual@example.com", "", "", 1389844800, "676862822"},
		{45, B, "dmarc@example.com", "5.7.26", "550", 1389848400, "676862823"},
		{47, B, "filtered@example.com", "", "", 1389852000, "676862824"},
	};
	check(g, w, 8);
	assert_int_equal(g->bad_line[0], 49);
	assert_true(has(g->bad_why[0], "\"not-an-address.example.com\" is not an address"));
	assert_int_equal(g->bad_line[1], 51);
	assert_true(has(g->bad_why[1], "unknown Postmark bounce Type \"WeirdNewType\""));
	free(g);
}

static void test_postmark_inline(void **state)
{
	(void)state;
	struct got *g = PARSE(
		"[{\"RecordType\":\"Delivery\",\"Recipient\":\"a@x.io\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"b@x.io\","
		"\"SuppressSending\":true,"
		"\"SuppressionReason\":\"ManualSuppression\",\"ChangedAt\":\"2024-01-01T00:00:"
		"00Z\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"c@x.io\","
		"\"SuppressSending\":true,"
		"\"SuppressionReason\":\"HardBounce\"},\n"
		"{\"TypeCode\":4096,\"Email\":\"d@x.io\"},\n"
		"{\"Type\":\"Unknown\",\"BouncedAt\":\"x\",\"Email\":\"e@x.io\",\"Details\":\"smtp;"
		"550 5.1.1 gone\"},\n"
		"{\"Type\":\"Unknown\",\"BouncedAt\":\"x\",\"Email\":\"f@x.io\"},\n"
		"{\"TypeCode\":77,\"Email\":\"g@x.io\"},\n"
		"{\"RecordType\":\"Bounce\",\"Type\":\"HardBounce\",\"Email\":\"h@x.io\","
		"\"Details\":\"smtp;550 5.7.1 rejected for policy reasons\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"h@x.io\","
		"\"SuppressSending\":true,"
		"\"SuppressionReason\":\"HardBounce\",\"ChangedAt\":\"2024-01-01T00:00:05Z\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"i@x.io\","
		"\"SuppressSending\":true,"
		"\"SuppressionReason\":\"SpamComplaint\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"j@x.io\","
		"\"SuppressSending\":false,"
		"\"SuppressionReason\":\"HardBounce\"},\n"
		"{\"RecordType\":\"SubscriptionChange\",\"Recipient\":\"k@x.io\","
		"\"SuppressionReason\":\"HardBounce\"}]",
		"pm.json");
	check_counts(g, BOUNCE_FMT_POSTMARK, 8, 2, 2);
	assert_int_equal(g->ev[0].type, BOUNCE_UNSUBSCRIBE); /* ManualSuppression */
	assert_int_equal(g->ev[0].at, 1704067200);
	assert_int_equal(g->ev[0].line, 2);
	assert_string_equal(g->ev[0].reason, "ManualSuppression");
	/* HardBounce: Postmark suppressed it; the Bounce record is what counts */
	assert_string_equal(g->ev[1].email, "c@x.io");
	assert_int_equal(g->ev[1].type, BOUNCE_SUPPRESSED);
	assert_int_equal(g->ev[1].line, 3);
	assert_string_equal(g->ev[1].reason, "SubscriptionChange HardBounce");
	assert_int_equal(g->ev[2].type, BOUNCE_SOFT);       /* TypeCode alone */
	assert_int_equal(g->ev[3].type, BOUNCE_HARD);       /* Unknown, but 5.1.1 */
	assert_int_equal(g->ev[4].type, BOUNCE_SOFT);       /* Unknown, nothing more */
	assert_int_equal(g->ev[4].at, 0);                   /* a BouncedAt that is no time */
	assert_int_equal(g->ev[5].type, BOUNCE_BLOCK);      /* HardBounce refuted by 5.7.1 ... */
	assert_int_equal(g->ev[6].type, BOUNCE_SUPPRESSED); /* ... which Postmark suppressed */
	assert_string_equal(g->ev[6].email, "h@x.io");
	assert_int_equal(g->ev[6].at, 1704067205);
	assert_int_equal(g->ev[7].type, BOUNCE_SUPPRESSED); /* SpamComplaint */
	assert_string_equal(g->ev[7].reason, "SubscriptionChange SpamComplaint");
	assert_int_equal(g->per_type[BOUNCE_SUPPRESSED], 3);
	/* ignored: the Delivery, and j's reactivation (SuppressSending false) */
	assert_int_equal(g->bad_line[0], 7);
	assert_true(has(g->bad_why[0], "without a known Type or TypeCode"));
	assert_int_equal(g->bad_line[1], 12);
	assert_true(has(g->bad_why[1], "SubscriptionChange without SuppressSending"));
	free(g);
}

/* ---- RFC 3464 ------------------------------------------------------------------- */

static void test_dsn_hard(void **state)
{
	(void)state;
	struct got *g = parse_file("dsn-hard.eml");
	check_counts(g, BOUNCE_FMT_DSN, 2, 0, 0);
	/* Arrival-Date: Tue, 14 Mar 2023 09:26:50 +0100 */
	static const struct want w[] = {
		{39, H, "jdoe@acme.example", "5.1.1", "550", 1678782410,
		 "20230314082653.4QxL2m0Zr9z9sWn@mx1.sender.example jdoe@acme.example"},
		{47, S, "mary.full@acme.example", "5.2.2", "552", 1678782410,
		 "20230314082653.4QxL2m0Zr9z9sWn@mx1.sender.example mary.full@acme.example"},
	};
	check(g, w, 2);
	/* the folded Diagnostic-Code, unfolded, its "smtp;" dropped */
	assert_string_equal(g->ev[0].reason, "550 5.1.1 <jdoe@acme.example>: Recipient address "
					     "rejected: User unknown in virtual mailbox table");
	free(g);
}

/* The same report with CRLF line ends gives the same events. */
static void test_dsn_crlf(void **state)
{
	(void)state;
	size_t n;
	char *lf = slurp("dsn-hard.eml", &n);
	char *crlf = malloc(2 * n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (lf[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = lf[i];
	}
	struct got *g = parse_mem(crlf, k, "crlf.eml");
	check_counts(g, BOUNCE_FMT_DSN, 2, 0, 0);
	assert_int_equal(g->ev[0].line, 39);
	assert_int_equal(g->ev[1].line, 47);
	assert_string_equal(g->ev[0].status, "5.1.1");
	assert_int_equal(g->ev[0].at, 1678782410);
	assert_false(has(g->ev[0].reason, "\r"));
	free(g);
	free(crlf);
	free(lf);
}

static void test_dsn_mbox(void **state)
{
	(void)state;
	struct got *g = parse_file("dsn-mbox.txt");
	check_counts(g, BOUNCE_FMT_DSN, 2, 0, 0);
	static const struct want w[] = {
		/* delayed: soft, at its Last-Attempt-Date */
		{32, S, "ops@slow.example", "4.4.1", "", 1686132902,
		 "202306071015.357AF2a1012345@relay.sender.example ops@slow.example"},
		/* no dates in the report: the Date header (two-digit year, EST) */
		{72, B, "ceo@fortress.example", "5.7.1", "550", 1686229304,
		 "E1q7Bq4-0003lH-2k@relay.sender.example ceo@fortress.example"},
	};
	check(g, w, 2);
	free(g);
}

static void test_dsn_shapes(void **state)
{
	(void)state;
	struct got *g;

	/* a report with no recipient */
	g = PARSE("From: MAILER-DAEMON@x.example\n"
		  "Content-Type: multipart/report; report-type=delivery-status; boundary=BB\n"
		  "\n"
		  "--BB\n"
		  "Content-Type: message/delivery-status\n"
		  "\n"
		  "Reporting-MTA: dns; x.example\n"
		  "\n"
		  "--BB--\n",
		  "norcpt.eml");
	check_counts(g, BOUNCE_FMT_DSN, 0, 1, 0);
	assert_int_equal(g->bad_line[0], 5);
	assert_true(has(g->bad_why[0], "without a recipient"));
	free(g);

	/* nothing but the fields: a bare message/delivery-status body */
	g = PARSE("Reporting-MTA: dns; mx.example\n"
		  "\n"
		  "Final-Recipient: rfc822; <bare@example.com>\n"
		  "Action: failed\n"
		  "Status: 5.1.2\n"
		  "\n"
		  "Final-Recipient: rfc822; ok@example.com\n"
		  "Action: delivered\n"
		  "Status: 2.0.0\n"
		  "\n"
		  "Final-Recipient: rfc822; later@example.com\n"
		  "Action: delayed\n"
		  "Status: 4.4.7\n"
		  "Final-Recipient: rfc822; odd@example.com\n"
		  "Action: vanished\n"
		  "Status: 5.0.0\n"
		  "\n"
		  "Final-Recipient: x400; c=us;a=;p=x\n"
		  "Action: failed\n"
		  "Status: 5.1.1\n"
		  "\n"
		  "Final-Recipient: rfc822; why@example.com\n"
		  "Action: failed\n"
		  "\n"
		  "Original-Recipient: rfc822; orphan@example.com\n"
		  "Status: 5.1.1\n",
		  "bare.txt");
	check_counts(g, BOUNCE_FMT_DSN, 2, 4, 1);
	assert_string_equal(g->ev[0].email, "bare@example.com");
	assert_int_equal(g->ev[0].type, BOUNCE_HARD);
	assert_int_equal(g->ev[0].line, 3);
	assert_string_equal(g->ev[0].id, ""); /* no Message-ID */
	assert_string_equal(g->ev[1].email, "later@example.com");
	assert_int_equal(g->ev[1].type, BOUNCE_SOFT);
	assert_int_equal(g->ev[1].line, 11);
	assert_int_equal(g->bad_line[0], 14);
	assert_true(has(g->bad_why[0], "unknown Action \"vanished\""));
	assert_int_equal(g->bad_line[1], 18);
	assert_true(has(g->bad_why[1], "address type \"x400\""));
	assert_int_equal(g->bad_line[2], 22);
	assert_true(has(g->bad_why[2], "without a Status"));
	assert_int_equal(g->bad_line[3], 25);
	assert_true(has(g->bad_why[3], "without Action"));
	free(g);

	/* a multipart/report without its boundary: the fields are found */
	g = PARSE("From: x@y.example\n"
		  "Content-Type: multipart/report; report-type=delivery-status\n"
		  "\n"
		  "The report follows.\n"
		  "Reporting-MTA: dns; x\n"
		  "\n"
		  "Final-Recipient: rfc822; nob@example.com\n"
		  "Action: failed\n"
		  "Status: 5.1.1\n",
		  "nobnd.eml");
	check_counts(g, BOUNCE_FMT_DSN, 1, 0, 0);
	assert_int_equal(g->ev[0].line, 7);
	free(g);

	/* a report nested in multipart/mixed (a forwarded bounce), then a
	 * second message concatenated without an mbox separator, then one
	 * that is no report at all */
	g = PARSE("From: a@x.example\n"
		  "Message-ID: <one@x.example>\n"
		  "Content-Type: multipart/mixed; boundary=\"outer b\"\n"
		  "\n"
		  "--outer b\n"
		  "Content-Type: text/plain\n"
		  "\n"
		  "see attached\n"
		  "--outer b\n"
		  "Content-Type: multipart/report; boundary=inner;\n"
		  "  report-type=delivery-status\n"
		  "\n"
		  "--inner\n"
		  "Content-Type: message/delivery-status\n"
		  "\n"
		  "Reporting-MTA: dns; x\n"
		  "\n"
		  "Final-Recipient: rfc822; nested@example.com\n"
		  "Action: failed\n"
		  "Status: 5.4.4\n"
		  "Diagnostic-Code: X-Postfix; Host or domain name not found\n"
		  "--inner--\n"
		  "--outer b--\n"
		  "\n"
		  "From: b@x.example\n"
		  "Date: Mon, 2 Mar 2026 10:15:00 +0000\n"
		  "Content-Type: message/delivery-status\n"
		  "\n"
		  "Reporting-MTA: dns; y\n"
		  "\n"
		  "Final-Recipient: rfc822; second@example.com\n"
		  "Action: failed\n"
		  "Status: 5.2.1\n"
		  "\n"
		  "From nobody Mon Mar  2 10:15:00 2026\n"
		  "From: c@x.example\n"
		  "Subject: hello\n"
		  "\n"
		  "just a message\n",
		  "mixed.mbox");
	check_counts(g, BOUNCE_FMT_DSN, 2, 1, 0);
	assert_string_equal(g->ev[0].email, "nested@example.com");
	assert_int_equal(g->ev[0].type, BOUNCE_SOFT);
	assert_int_equal(g->ev[0].line, 18);
	assert_string_equal(g->ev[0].id, "one@x.example nested@example.com");
	assert_string_equal(g->ev[0].reason, "Host or domain name not found");
	assert_string_equal(g->ev[1].email, "second@example.com");
	assert_int_equal(g->ev[1].type, BOUNCE_HARD);
	assert_int_equal(g->ev[1].line, 31);
	assert_int_equal(g->ev[1].at, 1772446500);
	assert_int_equal(g->bad_line[0], 36);
	assert_true(has(g->bad_why[0], "a message without a delivery status report"));
	free(g);

	/* a message that is no report at all */
	g = PARSE("From: a@b.example\nSubject: hi\n\nhello\n", "plain.eml");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "plain.eml: a mail message, but no delivery status report"));
	free(g);
}

/* ---- the bounce texts of mail systems without a report -------------------------- */

static void test_text_gmail(void **state)
{
	(void)state;
	struct got *g = parse_file("gmail-text.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 1, 0, 0);
	/* Date: Wed, 04 Mar 2026 16:20:11 +0000 */
	static const struct want w[] = {
		{15, H, "r.okafor@kestrel-analytics.example", "5.1.1", "550", 1772641211,
		 "0016e6d2f11a9c04b1a2@google.com r.okafor@kestrel-analytics.example"},
	};
	check(g, w, 1);
	assert_int_equal(g->ev[0].format, BOUNCE_FMT_TEXT);
	/* quoted-printable undone: "fo=\nr the" is "for the", "=20" a space */
	assert_true(has(g->ev[0].reason,
			"rejected by the server for the recipient domain "
			"kestrel-analytics.example by mx1.kestrel-analytics.example."));
	/* the copy of the message is not read: its addresses are no recipients */
	assert_false(has(g->ev[0].reason, "someone@elsewhere.example"));
	free(g);
}

static void test_text_exim(void **state)
{
	(void)state;
	struct got *g = parse_file("exim-text.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 4, 0, 0);
	/* Date: Thu, 05 Mar 2026 09:12:40 +0100 */
	static const struct want w[] = {
		{20, H, "t.lindqvist@fjordline-logistics.example", "5.1.1", "550", 1772698360,
		 "E1vXb2q-0004Jk-1T@relay.sender.example t.lindqvist@fjordline-logistics.example"},
		{24, S, "ops@quota-full.example", "", "", 1772698360, NULL}, /* retry timeout */
		{26, H, "nobody@no-route.example", "", "", 1772698360,
		 NULL}, /* Unrouteable address */
		{28, B, "ceo@strict-policy.example", "5.7.1", "554", 1772698360, NULL},
	};
	check(g, w, 4);
	assert_string_equal(g->ev[1].reason, "mailbox is full: retry timeout exceeded");
	free(g);
}

static void test_text_qmail(void **state)
{
	(void)state;
	struct got *g = parse_file("qmail-text.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 3, 0, 0);
	/* Date: 6 Mar 2026 11:04:59 -0000 */
	static const struct want w[] = {
		{13, H, "m.ferreira@hosting.example", "5.1.1", "", 1772795099,
		 "20260306110459.22617.qmail@mx.hosting.example m.ferreira@hosting.example"},
		{16, S, "j.adeyemi@remote-crm.example", "5.2.2", "552", 1772795099, NULL},
		{21, H, "sales@gone-domain.example", "5.1.2", "", 1772795099, NULL},
	};
	check(g, w, 3);
	assert_string_equal(g->ev[0].reason, "Sorry, no mailbox here by that name. (#5.1.1)");
	free(g);
}

static void test_text_exchange(void **state)
{
	(void)state;
	struct got *g = parse_file("exchange-text.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 2, 0, 0);
	/* Date: Mon, 9 Mar 2026 14:31:07 +0000 */
	static const struct want w[] = {
		/* its reply is under an Exchange-internal address, in the same place */
		{12, H, "a.novak@corp.example", "5.1.1", "550", 1773066667,
		 "3f9b1c2ad51e4c0c8f3f2b7e1d0a9c44@EXCH01.corp.example a.novak@corp.example"},
		/* "Display Name (address)"; its reply under its own address */
		{17, B, "p.raman@partner-firm.example", "5.7.1", "554", 1773066667, NULL},
	};
	check(g, w, 2);
	assert_true(has(g->ev[0].reason, "#550 5.1.1 RESOLVER.ADR.ExRecipNotFound"));
	free(g);
}

static void test_text_postfix(void **state)
{
	(void)state;
	struct got *g = parse_file("postfix-text.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 2, 0, 0);
	/* Date: Tue, 10 Mar 2026 08:00:00 +0100 (CET) */
	static const struct want w[] = {
		{21, H, "h.watanabe@kaizen-parts.example", "5.1.1", "550", 1773126000, NULL},
		{26, S, "team@kaizen-parts.example", "4.2.2", "452", 1773126000, NULL},
	};
	check(g, w, 2);
	/* the folded reply on one line */
	assert_string_equal(g->ev[0].reason,
			    "host mx.kaizen-parts.example[198.51.100.8] said: 550 5.1.1 "
			    "<h.watanabe@kaizen-parts.example>: Recipient address rejected: User "
			    "unknown in virtual mailbox table (in reply to RCPT TO command)");
	free(g);
}

static void test_text_shapes(void **state)
{
	(void)state;
	struct got *g;

	/* Gmail's delay, Outlook's "cannot be reached", a Postfix warning and
	 * success, in an mbox with a report and a message that is neither */
	g = PARSE("From MAILER-DAEMON Mon Mar  2 10:15:00 2026\n"
		  "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
		  "Subject: Delivery Status Notification (Delay)\n"
		  "\n"
		  "Delivery to the following recipient has been delayed:\n"
		  "\n"
		  "     slow@later.example\n"
		  "\n"
		  "Message will be retried for 2 more day(s)\n"
		  "\n"
		  "From MAILER-DAEMON Mon Mar  2 10:16:00 2026\n"
		  "From: System Administrator <postmaster@old-exchange.example>\n"
		  "Subject: Undeliverable: hello\n"
		  "\n"
		  "Your message did not reach some or all of the intended recipients.\n"
		  "\n"
		  "      Subject:\thello\n"
		  "      Sent:\t3/2/2026 10:15 AM\n"
		  "\n"
		  "The following recipient(s) cannot be reached:\n"
		  "\n"
		  "      'k.berg@old-exchange.example' on 3/2/2026 10:16 AM\n"
		  "            The e-mail account does not exist at the organization this message "
		  "was sent to.\n"
		  "            <old-exchange.example #5.1.1>\n"
		  "\n"
		  "      'Sales Team' on 3/2/2026 10:16 AM\n"
		  "            550 5.7.1 Requested action not taken: policy\n"
		  "\n"
		  "From MAILER-DAEMON Mon Mar  2 10:17:00 2026\n"
		  "From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)\n"
		  "Subject: Delayed Mail (still being retried)\n"
		  "\n"
		  "This is the mail system at host mail.sender.example.\n"
		  "\n"
		  "####################################################################\n"
		  "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
		  "####################################################################\n"
		  "\n"
		  "<queue@busy.example>: connect to mx.busy.example[192.0.2.1]:25: Connection "
		  "timed out\n"
		  "\n"
		  "From MAILER-DAEMON Mon Mar  2 10:18:00 2026\n"
		  "From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)\n"
		  "Subject: Successful Mail Delivery Report\n"
		  "\n"
		  "This is the mail system at host mail.sender.example.\n"
		  "\n"
		  "Your message was successfully delivered to the destination(s)\n"
		  "listed below.\n"
		  "\n"
		  "<fine@ok.example>: delivery via mx.ok.example[192.0.2.2]:25: 250 2.0.0 Ok\n"
		  "\n"
		  "From someone Mon Mar  2 10:19:00 2026\n"
		  "From: friend@example.org\n"
		  "Subject: lunch?\n"
		  "\n"
		  "> Hi. This is the qmail-send program at a quoted message.\n"
		  "Shall we?\n"
		  "\n"
		  "From MAILER-DAEMON Mon Mar  2 10:20:00 2026\n"
		  "From: Mail Delivery System <Mailer-Daemon@relay.example>\n"
		  "Subject: Mail delivery failed\n"
		  "\n"
		  "This message was created automatically by mail delivery software.\n"
		  "\n"
		  "A message that you sent could not be delivered to one or more of its\n"
		  "recipients. This is a permanent error. The following address(es) failed:\n"
		  "\n"
		  "  pipe to |/usr/local/bin/handler\n"
		  "    generated by tickets@relay.example\n"
		  "\n"
		  "From MAILER-DAEMON Mon Mar  2 10:21:00 2026\n"
		  "From: Mail Delivery System <Mailer-Daemon@relay.example>\n"
		  "Subject: Warning: message 1vXb2q-0004Jk-1T delayed 24 hours\n"
		  "\n"
		  "This message was created automatically by mail delivery software.\n"
		  "A message that you sent has not yet been delivered to one or more of its\n"
		  "recipients after more than 24 hours on the queue on relay.example.\n"
		  "\n"
		  "The address to which the message has not yet been delivered is:\n"
		  "\n"
		  "  late@slow-host.example\n"
		  "    Delay reason: SMTP error from remote mail server after RCPT "
		  "TO:<late@slow-host.example>:\n"
		  "    451 4.7.1 Greylisted, please try again later\n"
		  "\n"
		  "No action is required on your part.\n"
		  "  not-a-recipient@relay.example\n",
		  "mixed-text.mbox");
	check_counts(g, BOUNCE_FMT_TEXT, 4, 3, 1); /* the success is ignored */
	static const struct want w[] = {
		{7, S, "slow@later.example", "", "", 0,
		 ""}, /* delayed: soft; no Date, no Message-ID */
		{22, H, "k.berg@old-exchange.example", "5.1.1", "", 0, NULL},
		{39, S, "queue@busy.example", "", "", 0, NULL}, /* a warning: soft */
		/* Exim's warning: soft; the list ends left of its margin */
		{81, S, "late@slow-host.example", "4.7.1", "451", 0, NULL},
	};
	check(g, w, 4);
	/* a recipient that is no address: reported, its words skipped */
	assert_int_equal(g->bad_line[0], 26);
	assert_true(has(g->bad_why[0],
			"recipient \"'Sales Team' on 3/2/2026 10:16 AM\" is not an address"));
	/* a message that is none of them (a quoted opening is no opening) */
	assert_int_equal(g->bad_line[1], 53);
	assert_true(has(g->bad_why[1], "without a delivery status report, nor the words"));
	assert_int_equal(g->bad_line[2], 68);
	assert_true(has(g->bad_why[2],
			"recipient \"pipe to |/usr/local/bin/handler\" is not an address"));
	free(g);

	/* the opening words, and no recipient after them */
	g = PARSE("Subject: failure notice\n"
		  "\n"
		  "Hi. This is the qmail-send program at mx.example.\n"
		  "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
		  "\n"
		  "--- Below this line is a copy of the message.\n"
		  "\n"
		  "<copy@example.com>: not a recipient\n",
		  "norcpt.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 0, 1, 0);
	assert_int_equal(g->bad_line[0], 3);
	assert_true(
		has(g->bad_why[0], "a bounce message of qmail, but no recipient address in it"));
	free(g);

	/* a body saved without its headers is recognized by its opening line */
	g = PARSE("\n  Delivery to the following recipient failed permanently:\n"
		  "\n"
		  "     <pasted@example.com>\n"
		  "\n"
		  "Technical details of permanent failure:\n"
		  "DNS Error: Domain name not found\n",
		  "pasted.txt");
	check_counts(g, BOUNCE_FMT_TEXT, 1, 0, 0);
	assert_string_equal(g->ev[0].email, "pasted@example.com");
	assert_int_equal(g->ev[0].line, 4);
	/* given up, for a reason that names nothing: a block, not a dead address */
	assert_int_equal(g->ev[0].type, BOUNCE_BLOCK);
	assert_string_equal(g->ev[0].id, "");
	free(g);

	/* CRLF, and quoted-printable broken in the middle of an address */
	g = PARSE("Message-ID: <crlf@x.example>\r\n"
		  "Content-Transfer-Encoding: Quoted-Printable\r\n"
		  "\r\n"
		  "Delivery has failed to these recipients or groups:\r\n"
		  "\r\n"
		  "long.name@exa=\r\n"
		  "mple.com\r\n"
		  "The recipient's mailbox is full and can't accept messages now.\r\n"
		  "\r\n"
		  "Diagnostic information for administrators:\r\n"
		  "\r\n"
		  "long.name@example.com\r\n"
		  "Remote Server returned '552 5.2.2 Mailbox full'=20\r\n",
		  "crlf-qp.eml");
	check_counts(g, BOUNCE_FMT_TEXT, 1, 0, 0);
	assert_string_equal(g->ev[0].email, "long.name@example.com");
	assert_int_equal(g->ev[0].line, 6);
	assert_int_equal(g->ev[0].type, BOUNCE_SOFT);
	assert_string_equal(g->ev[0].status, "5.2.2");
	assert_string_equal(g->ev[0].code, "552");
	assert_string_equal(g->ev[0].id, "crlf@x.example long.name@example.com");
	free(g);

	/* a mail message with none of it is no bounce file */
	g = PARSE("From: a@b.example\nSubject: hi\n\nThis is the mail system speaking.\n",
		  "plain2.eml");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "plain2.eml: a mail message, but no delivery status report"));
	free(g);
}

/* ---- CSV ------------------------------------------------------------------------ */

/* A record is reported at a line of the file, the last line included
 * when it has no line end (an mbox that ends on a separator). */
static void test_dsn_line_in_file(void **state)
{
	(void)state;
	struct got *g = PARSE("Final-Recipient:\n\nFrom ", "cut.mbox");
	assert_int_equal(g->status, LG_OK);
	assert_int_equal(g->nbad, 2);
	assert_int_equal(g->bad_line[0], 1);
	assert_int_equal(g->bad_line[1], 3);
	assert_true(has(g->bad_why[1], "without a delivery status report"));
	free(g);
}

static void test_csv(void **state)
{
	(void)state;
	struct got *g = parse_file("bounces.csv");
	check_counts(g, BOUNCE_FMT_CSV, 6, 4, 0);
	static const struct want w[] = {
		{2, H, "ann@example.com", "5.1.1", "550", 1714557600, "csv-1"},
		{3, S, "ben@example.com", "", "", 1714557600, "csv-2"},
		/* only a code: classified from it */
		{4, H, "carl@example.com", "5.1.1", "550", 0, ""},
		/* quoted cell over three lines: the row's first line */
		{7, B, "eve@example.com", "", "554", 1714557600, "csv-7"},
		{12, BOUNCE_COMPLAINT, "gina@example.com", "", "", 0, ""},
		{14, H, "ivy@example.com", "5.2.1", "", 0, "csv-12"},
	};
	check(g, w, 6);
	assert_string_equal(g->ev[3].reason,
			    "rejected: listed on a \"blocklist\" see https://example.net/help");
	static const unsigned long bad_lines[] = {5, 6, 11, 13};
	static const char *const bad_whys[] = {"unknown type \"bogus\"", "no recipient address",
					       "neither code nor reason", "time \"not-a-time\""};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(g->bad_line[i], bad_lines[i]);
		if (!has(g->bad_why[i], bad_whys[i]))
			fail_msg("bad %zu: \"%s\"", i, g->bad_why[i]);
	}
	free(g);
}

static void test_csv_semicolon(void **state)
{
	(void)state;
	struct got *g = parse_file("bounces-semicolon.csv");
	check_counts(g, BOUNCE_FMT_CSV, 3, 0, 0);
	static const struct want w[] = {
		{2, H, "karl@example.de", "", "550", 1717228800, ""},
		{3, S, "lena@example.de", "4.2.2", "452", 0, ""},
		{4, BOUNCE_UNSUBSCRIBE, "max@example.de", "", "", 0, ""},
	};
	check(g, w, 3);
	free(g);
}

static void test_csv_shapes(void **state)
{
	(void)state;
	struct got *g;

	g = PARSE("name,company\nAnn,Acme\n", "noemail.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "noemail.csv:1: no email column"));
	assert_true(has(g->err.msg, "email, recipient or address"));
	free(g);

	g = PARSE("\n\nEmail,Company\nann@x.io,Acme\n", "notype.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "notype.csv:3: no type, code or reason column"));
	free(g);

	g = PARSE("email,type\n\"ann@x.io,hard\nbob@x.io,soft\n", "unclosed.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "never closes"));
	assert_true(has(g->err.msg, "line 2"));
	free(g);

	/* a header and nothing else; tabs; CRLF; timestamps in milliseconds */
	g = PARSE("Recipient\tBounce Type\tTimestamp\r\n", "tab.tsv");
	check_counts(g, BOUNCE_FMT_CSV, 0, 0, 0);
	free(g);
	g = PARSE("Recipient\tBounce Type\tTimestamp\r\n"
		  "a@x.io\thard bounce\t1714557600000\r\n"
		  "\t\t\r\n"
		  "b@x.io\tspam\t\r\n",
		  "tab.tsv");
	check_counts(g, BOUNCE_FMT_CSV, 2, 0, 0);
	assert_int_equal(g->ev[0].type, BOUNCE_HARD);
	assert_int_equal(g->ev[0].at, 1714557600);
	assert_int_equal(g->ev[1].type, BOUNCE_COMPLAINT);
	assert_int_equal(g->ev[1].line, 4);
	free(g);

	/* "bounce" leaves it to the code; with none it is soft */
	g = PARSE("email,type,code\na@x.io,bounce,5.7.1\nb@x.io,Bounced,\n", "b.csv");
	check_counts(g, BOUNCE_FMT_CSV, 2, 0, 0);
	assert_int_equal(g->ev[0].type, BOUNCE_BLOCK);
	assert_int_equal(g->ev[1].type, BOUNCE_SOFT);
	free(g);
}

/* ---- JSON framing --------------------------------------------------------------- */

static void test_jsonl(void **state)
{
	(void)state;
	struct got *g = parse_file("ndjson.jsonl");
	/* the file's format is that of its first known record */
	check_counts(g, BOUNCE_FMT_SENDGRID, 4, 2, 1);
	static const struct want w[] = {
		{1, H, "a1@example.com", "5.1.1", "550", 1700002000, "ev-1"},
		{2, S, "a2@example.com", "4.4.2", "421", 1700002001, "mg-2"},
		{5, H, "a4@example.com", "5.1.1", "550", 1685620800, "77"},
		{7, BOUNCE_COMPLAINT, "a5@example.com", "", "", 1700002005, "ev-5"},
	};
	check(g, w, 4);
	assert_int_equal(g->ev[1].format, BOUNCE_FMT_MAILGUN);
	assert_int_equal(g->ev[2].format, BOUNCE_FMT_POSTMARK);
	assert_int_equal(g->bad_line[0], 4);
	assert_true(has(g->bad_why[0], "malformed JSON at column"));
	assert_int_equal(g->bad_line[1], 6);
	assert_true(has(g->bad_why[1], "not a bounce event of a known provider"));
	free(g);

	/* the first line broken still reads as lines */
	g = PARSE("{\"email\":\n{\"event\":\"spamreport\",\"email\":\"x@y.io\"}\n", "first.jsonl");
	check_counts(g, BOUNCE_FMT_SENDGRID, 1, 1, 0);
	assert_int_equal(g->bad_line[0], 1);
	assert_int_equal(g->ev[0].line, 2);
	free(g);
}

static void test_json_hostile(void **state)
{
	(void)state;
	struct got *g;

	/* truncated: an error at file:line:column */
	g = PARSE("{\n  \"notificationType\": \"Bounce\",\n  \"bounce\": {\"bounceType\": \"Perm",
		  "t.json");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "t.json:3:"));
	assert_true(has(g->err.msg, "malformed JSON"));
	assert_int_equal(g->st.format, BOUNCE_FMT_JSON);
	free(g);

	g = PARSE("{\n  \"a\": 1,\n  \"b\": [1, 2,,]\n}\n", "comma.json");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "comma.json:3:14:"));
	free(g);

	/* nested beyond jansson's limit: an error, not a crash */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	g = parse_mem(deep, 2 * depth, "deep.json");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "deep.json:1:"));
	free(g);
	/* nested within it: a bad record */
	depth = 1000;
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	g = parse_mem(deep, 2 * depth, "deep.json");
	check_counts(g, BOUNCE_FMT_JSON, 0, 1, 0);
	assert_true(has(g->bad_why[0], "an array inside an array"));
	free(g);
	/* objects nested deep inside an event are the event's business */
	memset(deep, ' ', 2 * depth);
	static const char head[] = "{\"event\":\"spamreport\",\"email\":\"a@b.io\",\"x\":";
	char *p = deep;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (int i = 0; i < 500; i++)
		*p++ = '[';
	for (int i = 0; i < 500; i++)
		*p++ = ']';
	*p++ = '}';
	g = parse_mem(deep, (size_t)(p - deep), "deep2.json");
	check_counts(g, BOUNCE_FMT_SENDGRID, 1, 0, 0);
	free(g);
	free(deep);

	/* none of ours; scalars; an empty batch */
	g = PARSE("[{\"hello\":\"world\"}, 42, \"x\", null,\n{\"event\":\"bounce\"}]", "x.json");
	check_counts(g, BOUNCE_FMT_JSON, 0, 5, 0);
	assert_true(has(g->bad_why[0], "not a bounce event of a known provider"));
	assert_true(has(g->bad_why[1], "a JSON number is not an event"));
	assert_true(has(g->bad_why[2], "a JSON string"));
	assert_true(has(g->bad_why[3], "a JSON literal"));
	assert_int_equal(g->bad_line[4], 2);
	free(g);
	g = PARSE("  []  ", "empty.json");
	check_counts(g, BOUNCE_FMT_JSON, 0, 0, 0);
	free(g);
	/* an SNS message that is an SNS message that is ...: a few levels
	 * are opened, more are reported */
	struct lg_buf env = LG_BUF_INIT, next = LG_BUF_INIT;
	lg_buf_adds(&env, "{\"event\":\"spamreport\",\"email\":\"in@x.io\"}");
	for (int level = 0; level < 6; level++) {
		lg_buf_reset(&next);
		lg_buf_adds(&next,
			    "{\"Type\":\"Notification\",\"TopicArn\":\"arn\",\"Message\":\"");
		for (size_t i = 0; i < env.len; i++) {
			if (env.data[i] == '"' || env.data[i] == '\\')
				lg_buf_addc(&next, '\\');
			lg_buf_addc(&next, env.data[i]);
		}
		lg_buf_adds(&next, "\"}");
		lg_buf_reset(&env);
		lg_buf_add(&env, next.data, next.len);
		g = parse_mem(env.data, env.len, "sns.json");
		if (level < 3) /* three envelopes, then the event */
			check_counts(g, BOUNCE_FMT_SES, 1, 0, 0);
		else
			check_counts(g, BOUNCE_FMT_SES, 0, 1, 0);
		free(g);
	}
	lg_buf_release(&env);
	lg_buf_release(&next);
}

/* ---- not bounce files at all ------------------------------------------------------ */

static void test_not_text(void **state)
{
	(void)state;
	struct got *g;

	g = PARSE("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", "logo.png");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "logo.png:"));
	assert_true(has(g->err.msg, "not a text file"));
	free(g);
	g = PARSE("\x89PNG\r\n\x1a\n", "short.png"); /* no NUL: the control character */
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "not a text file"));
	free(g);
	g = PARSE("\xff\xfe"
		  "e\0m\0",
		  "utf16.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "UTF-16"));
	free(g);
	/* empty: there is not even a CSV header */
	g = PARSE("", "empty.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "empty.csv: empty file"));
	free(g);
	g = PARSE("\xEF\xBB\xBF \r\n\t\n", "blank.csv");
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "empty file"));
	free(g);
	g = parse_mem(NULL, 0, NULL);
	assert_int_equal(g->status, LG_EDATA);
	assert_true(has(g->err.msg, "input: empty file"));
	free(g);
}

/* ---- caps, cleaning and the callback contract ------------------------------------------- */

static void test_caps(void **state)
{
	(void)state;
	struct lg_buf b = LG_BUF_INIT;
	struct got *g;

	lg_buf_adds(&b, "email,type,reason,id\n");
	/* a 300-byte address */
	for (int i = 0; i < 300; i++)
		lg_buf_addc(&b, 'a');
	lg_buf_adds(&b, "@x.io,hard,,\n");
	/* a 5000-byte reason with a multi-byte character at the cut */
	lg_buf_adds(&b, "b@x.io,soft,\"");
	for (int i = 0; i < 999; i++)
		lg_buf_addc(&b, 'r');
	for (int i = 0; i < 2000; i++)
		lg_buf_adds(&b, "\xC3\xA9"); /* é */
	lg_buf_adds(&b, "\",id1\n");
	/* control characters, bad UTF-8, an address with a space */
	lg_buf_adds(&b, "c@x.io,block,\"a\tb\r\n\x01 c\xff\",\n");
	lg_buf_adds(&b, "d d@x.io,hard,,\n");
	lg_buf_adds(&b, " <e@x.io> ,hard,,\n");
	g = parse_mem(b.data, b.len, "caps.csv");
	check_counts(g, BOUNCE_FMT_CSV, 3, 2, 0);
	assert_int_equal(g->bad_line[0], 2);
	assert_true(has(g->bad_why[0], "longer than 254 bytes"));
	assert_int_equal(strlen(g->ev[0].reason), 999); /* the é that did not fit is dropped */
	assert_string_equal(g->ev[1].reason, "a b c?");
	assert_int_equal(g->bad_line[1], 6);
	assert_true(has(g->bad_why[1], "holds spaces"));
	assert_string_equal(g->ev[2].email, "e@x.io");
	free(g);
	lg_buf_release(&b);

	/* an id long enough to crowd out the recipient keeps the recipient */
	lg_buf_adds(&b, "{\"notificationType\":\"Complaint\",\"complaint\":{\"feedbackId\":\"");
	for (int i = 0; i < 3000; i++)
		lg_buf_addc(&b, 'f');
	lg_buf_adds(&b, "\",\"complainedRecipients\":[{\"emailAddress\":\"x@y.io\"},"
			"{\"emailAddress\":\"z@y.io\"}]}}");
	g = parse_mem(b.data, b.len, "long.json");
	check_counts(g, BOUNCE_FMT_SES, 2, 0, 0);
	assert_int_equal(strlen(g->ev[0].id), BOUNCE_FIELD_MAX);
	assert_true(has(g->ev[0].id, "f x@y.io"));
	assert_true(has(g->ev[1].id, "f z@y.io"));
	free(g);
	lg_buf_release(&b);
}

static void test_callback_stops(void **state)
{
	(void)state;
	size_t n;
	char *buf = slurp("sendgrid.json", &n);
	struct got *g = calloc(1, sizeof(*g));
	g->fail_at = 2;
	g->status = bounce_parse(buf, n, "sg.json", on_event, on_bad, g, &g->st, &g->err);
	assert_int_equal(g->status, LG_EIO);
	assert_string_equal(g->err.msg, "the store is gone");
	assert_int_equal(g->nev, 2);
	assert_int_equal(g->st.events, 2);
	free(g);
	/* no bad callback, no stats: counted nowhere, still fine */
	struct lg_err err;
	assert_int_equal(bounce_parse(buf, n, "sg.json", NULL, NULL, NULL, NULL, &err), LG_OK);
	free(buf);
	/* the same in every format */
	static const char *const files[] = {"bounces.csv", "dsn-mbox.txt", "postmark-api.json",
					    "ndjson.jsonl"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		buf = slurp(files[i], &n);
		g = calloc(1, sizeof(*g));
		g->fail_at = 1;
		g->status = bounce_parse(buf, n, files[i], on_event, on_bad, g, &g->st, &g->err);
		assert_int_equal(g->status, LG_EIO);
		assert_int_equal(g->nev, 1);
		free(g);
		free(buf);
	}
}

int main(int argc, char **argv)
{
	const char *env = getenv("LEADGATE_TEST_DATA");
	if (argc > 1)
		data_dir = argv[1];
	else if (env && env[0])
		data_dir = env;

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_vectors),
		cmocka_unit_test(test_classify_details),
		cmocka_unit_test(test_refine),
		cmocka_unit_test(test_rfc5322_dates),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ses_bounce),
		cmocka_unit_test(test_ses_sns),
		cmocka_unit_test(test_ses_complaint),
		cmocka_unit_test(test_ses_transient),
		cmocka_unit_test(test_ses_inline),
		cmocka_unit_test(test_sendgrid),
		cmocka_unit_test(test_sendgrid_classifications),
		cmocka_unit_test(test_mailgun_webhook),
		cmocka_unit_test(test_mailgun_events),
		cmocka_unit_test(test_postmark_hard),
		cmocka_unit_test(test_postmark_api),
		cmocka_unit_test(test_postmark_inline),
		cmocka_unit_test(test_dsn_hard),
		cmocka_unit_test(test_dsn_crlf),
		cmocka_unit_test(test_dsn_mbox),
		cmocka_unit_test(test_dsn_shapes),
		cmocka_unit_test(test_text_gmail),
		cmocka_unit_test(test_text_exim),
		cmocka_unit_test(test_text_qmail),
		cmocka_unit_test(test_text_exchange),
		cmocka_unit_test(test_text_postfix),
		cmocka_unit_test(test_text_shapes),
		cmocka_unit_test(test_dsn_line_in_file),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_semicolon),
		cmocka_unit_test(test_csv_shapes),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_json_hostile),
		cmocka_unit_test(test_not_text),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_callback_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
