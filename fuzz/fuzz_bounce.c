/*
 * fuzz_bounce.c - bounce_parse() on any bytes, as `bounces import` hands
 * it a file.
 *
 * bounce_parse() detects the format from the content and has no way to be
 * told one, so one harness per format is built from this file, each with
 * FUZZ_BOUNCE_FORMAT set to the name bounce_format_name() gives its format
 * ("ses", "sendgrid", "mailgun", "postmark", "dsn", "csv", "text") and seeded
 * with that format's files.  An input detected as another format is still
 * run, and a failure in it still counts; the harness returns -1 for it,
 * which asks libFuzzer not to keep it in the corpus.  Newer libFuzzers
 * honour that; Debian 12's libFuzzer 14 ignores it, so there a
 * harness's corpus also keeps the inputs of other formats that mutation
 * reaches.  "text" is the plain-text notifications (Gmail, Exim, qmail,
 * Exchange, Postfix) that carry no RFC 3464 report.  FUZZ_BOUNCE_FORMAT ""
 * keeps every input.
 *
 * Every event handed over must keep bounce.h's promises: strings never
 * NULL, clean UTF-8 on one line, the address at most 254 bytes with an @,
 * the reason and id at most 1000 bytes, codes short printable ASCII, a
 * known type, a line within the file.
 */
#include "bounce/bounce.h"
#include "fuzz/fuzz.h"

#ifndef FUZZ_BOUNCE_FORMAT
#define FUZZ_BOUNCE_FORMAT ""
#endif

struct seen {
	unsigned long lines; /* lines in the input */
	unsigned long events, bad;
};

static void check_code(const char *s)
{
	FUZZ_CHECK(s);
	FUZZ_CHECK(strlen(s) < 16);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(*p > ' ' && *p < 0x7F);
}

static enum lg_status on_event(void *arg, const struct bounce_event *ev, struct lg_err *err)
{
	struct seen *s = arg;
	(void)err;
	s->events++;
	FUZZ_CHECK(ev->email && ev->reason && ev->id);
	size_t n = strlen(ev->email);
	FUZZ_CHECK(n > 0 && n <= 254 && memchr(ev->email, '@', n));
	FUZZ_CHECK(fuzz_clean_utf8(ev->email));
	FUZZ_CHECK(strlen(ev->reason) <= 1000 && fuzz_clean_utf8(ev->reason));
	FUZZ_CHECK(strlen(ev->id) <= 1000 && fuzz_clean_utf8(ev->id));
	check_code(ev->status);
	check_code(ev->code);
	FUZZ_CHECK((unsigned)ev->type < BOUNCE_TYPE_COUNT);
	FUZZ_CHECK((unsigned)ev->format < BOUNCE_FMT_COUNT);
	FUZZ_CHECK(ev->line >= 1 && ev->line <= s->lines);
	return LG_OK;
}

static void on_bad(void *arg, unsigned long line, const char *why)
{
	struct seen *s = arg;
	s->bad++;
	FUZZ_CHECK(why && fuzz_clean_utf8(why));
	FUZZ_CHECK(line <= s->lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {1, 0, 0};
	struct bounce_stats st;
	struct lg_err err = {{0}};

	for (size_t i = 0; i < size; i++)
		s.lines += data[i] == '\n';
	enum lg_status rc = bounce_parse((const char *)data, size, "fuzz", on_event, on_bad, &s,
					 &st, &err);
	FUZZ_CHECK(rc == LG_OK || rc == LG_EDATA);
	FUZZ_CHECK(rc == LG_OK || err.msg[0]);
	FUZZ_CHECK(st.events == s.events && st.bad == s.bad);
	if (FUZZ_BOUNCE_FORMAT[0] && strcmp(bounce_format_name(st.format), FUZZ_BOUNCE_FORMAT) != 0)
		return -1; /* another format's: not kept */
	return 0;
}
