/*
 * fuzz_smtp_reply.c - what a mail server sends, read as the sessions read
 * it: the input split into lines at '\n' (a '\r' before it dropped), each
 * fed to smtp_reply_line(); every complete reply classified at every
 * phase and briefed.  A line that is no reply line starts a new reply, as
 * a session would end (the sessions drop the connection instead).
 *
 * The promises of smtp.h checked: a complete reply has a code of 200 to
 * 599 that every one of its lines carried, an enhanced code of the
 * code's class (2, 4 or 5) with parts of at most 3 digits, text inside
 * the caller's buffer and at most its cap (4096 bytes, plus nothing),
 * a delay of at most one day; the brief is "CODE" or "CODE C.S.D" in 16
 * bytes; a 2yz is OK at every phase; 421 is NEXT_HOST; no reply is a
 * verdict on a mailbox (NO_MAILBOX, DISABLED, FULL) but at RCPT.
 */
#include "fuzz/fuzz.h"
#include "smtp/smtp.h"

static void check(const struct smtp_reply *r, const struct lg_buf *buf)
{
	FUZZ_CHECK(r->code >= 200 && r->code <= 599);
	FUZZ_CHECK(r->text != NULL);
	FUZZ_CHECK(r->text == buf->data && r->text_len == buf->len);
	FUZZ_CHECK(r->text_len <= 4096);
	FUZZ_CHECK(r->delay_s <= 86400);
	if (r->has_enh) {
		FUZZ_CHECK(r->enh[0] == r->code / 100);
		FUZZ_CHECK(r->enh[0] == 2 || r->enh[0] == 4 || r->enh[0] == 5);
		FUZZ_CHECK(r->enh[1] <= 999 && r->enh[2] <= 999);
	} else {
		FUZZ_CHECK(r->enh[0] == 0 && r->enh[1] == 0 && r->enh[2] == 0);
	}

	char brief[16], want[16];
	size_t n = smtp_reply_brief(r, brief, sizeof(brief));
	FUZZ_CHECK(n == strlen(brief));
	if (r->has_enh)
		snprintf(want, sizeof(want), "%u %u.%u.%u", r->code, r->enh[0], r->enh[1],
			 r->enh[2]);
	else
		snprintf(want, sizeof(want), "%u", r->code);
	FUZZ_CHECK(strcmp(brief, want) == 0);

	static const enum smtp_phase phases[] = {SMTP_PH_BANNER, SMTP_PH_EHLO, SMTP_PH_STARTTLS,
						 SMTP_PH_MAIL, SMTP_PH_RCPT};
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		enum smtp_meaning m = smtp_reply_classify(phases[i], r);
		FUZZ_CHECK(m >= SMTP_M_OK && m <= SMTP_M_UNDECIDED);
		FUZZ_CHECK((m == SMTP_M_OK) == (r->code / 100 == 2));
		if (r->code == 421)
			FUZZ_CHECK(m == SMTP_M_NEXT_HOST);
		if (phases[i] != SMTP_PH_RCPT)
			FUZZ_CHECK(m != SMTP_M_NO_MAILBOX && m != SMTP_M_DISABLED &&
				   m != SMTP_M_FULL && m != SMTP_M_TOO_MANY);
		if (phases[i] == SMTP_PH_STARTTLS || phases[i] == SMTP_PH_BANNER)
			FUZZ_CHECK(m != SMTP_M_TLS_NEEDED && m != SMTP_M_GREYLIST);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_buf buf = LG_BUF_INIT;
	struct smtp_reply r;
	const char *p = (const char *)data, *end = p + size;

	memset(&r, 0, sizeof(r));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		uint16_t before = r.code;
		int rc = smtp_reply_line(&r, &buf, p, n);
		FUZZ_CHECK(rc >= -1 && rc <= 1);
		if (rc == 0)
			FUZZ_CHECK(r.code >= 200 && r.code <= 599 &&
				   (before == 0 || before == r.code));
		if (rc == 1)
			check(&r, &buf);
		if (rc != 0) {
			memset(&r, 0, sizeof(r));
			lg_buf_reset(&buf);
		}
		p = eol + 1;
	}
	lg_buf_release(&buf);
	return 0;
}
