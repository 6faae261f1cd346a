/*
 * reply.c - an SMTP server's replies: their lines read (RFC 5321 4.2),
 * their enhanced status codes (RFC 3463, carried as RFC 2034 says) and
 * a retry delay taken from their text, and what a reply means at the
 * step of the session it answers.  Pure: no I/O, no state but the
 * caller's.
 *
 * Trust goes in the order RFC 3463 gives the codes: the enhanced code
 * when the reply has a specific one, then the basic code, and the text
 * only as a last resort.  The one exception is a reply whose text names a
 * block list or a block of the client ("blocked using zen.spamhaus.org"):
 * it is a block whatever code the server chose for it, because a block
 * says nothing about the mailbox.  Whatever is not clearly about the
 * mailbox is never SMTP_M_NO_MAILBOX: a failure to decide must not make
 * an address undeliverable.
 */
#include "smtp/smtp.h"

#include <stdio.h>
#include <string.h>

/* Of a reply's text, what is kept (and searched): a server that sends
 * endless "250-" lines is read to the end, its text cut here. */
#define TEXT_MAX 4096
/* The longest retry delay taken from a reply (one day): a server that
 * asks for more is asked again when the greylisting wait allows. */
#define DELAY_MAX 86400u

const char *smtp_outcome_name(enum smtp_outcome o)
{
	/* The suffixes of the reasons (smtp.no_mailbox ...) where there is one. */
	static const char *const n[] = {
		"pending", "accepted",   "catch_all", "no_mailbox", "disabled",  "mailbox_full",
		"blocked", "greylisted", "timeout",   "no_connect", "undecided", "not_probed",
	};
	_Static_assert(sizeof(n) / sizeof(n[0]) == SMTP_OUTCOME_COUNT, "a name per outcome");
	return (unsigned)o < SMTP_OUTCOME_COUNT ? n[o] : "?";
}

/* ---- lines ---- */

/* 1 to 3 digits at s[*i], their value; -1 if none (or more than 3). */
static int small_num(const char *s, size_t n, size_t *i)
{
	int v = 0, k = 0;
	while (*i < n && lg_ascii_is_digit((unsigned char)s[*i])) {
		if (++k > 3)
			return -1;
		v = v * 10 + (s[*i] - '0');
		(*i)++;
	}
	return k ? v : -1;
}

/*
 * RFC 2034 3: an enhanced code "class.subject.detail" (RFC 3463 2: class
 * 2, 4 or 5, subject and detail 1 to 3 digits) first in a line's text,
 * followed by a space or the line's end.  Its class must be the basic
 * code's first digit (RFC 3463 2 says they agree; a reply where they do
 * not is read by its basic code).  Returns the bytes it took (the code
 * and the spaces after it), 0 if there is none.
 */
static size_t enhanced_at(const char *s, size_t n, unsigned cls, uint16_t enh[3])
{
	size_t i = 0;
	if (n < 5 || (cls != 2 && cls != 4 && cls != 5) || (unsigned)(s[0] - '0') != cls ||
	    s[1] != '.')
		return 0;
	i = 2;
	int subject = small_num(s, n, &i);
	if (subject < 0 || i >= n || s[i] != '.')
		return 0;
	i++;
	int detail = small_num(s, n, &i);
	if (detail < 0 || (i < n && s[i] != ' '))
		return 0;
	enh[0] = (uint16_t)cls;
	enh[1] = (uint16_t)subject;
	enh[2] = (uint16_t)detail;
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static bool is_alnum(unsigned char c)
{
	return lg_ascii_is_alpha(c) || lg_ascii_is_digit(c);
}

/* Does s[0..n) begin with word w (ASCII case ignored)? */
static bool starts_ci(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return k <= n && lg_ascii_eq(s, k, w, k);
}

/*
 * A retry delay in the text: a number with a unit of time, after "in",
 * "after", "for" or "wait" ("try again in 300 seconds", "retry in 5
 * minutes", "Greylisted for 60 seconds", "please retry after 2 min").
 * The first one found, in seconds, at most DELAY_MAX; 0 if none.  A
 * number without a unit ("after 4.7.1", "in 2026") is no delay.
 */
static uint32_t find_delay(const char *s, size_t n)
{
	static const char *const lead[] = {"in", "after", "for", "wait"};
	static const struct {
		const char *unit;
		uint32_t mult;
	} units[] = {
		/* Longest first: "min" would also match the start of "minutes". */
		{"seconds", 1},  {"second", 1},  {"secs", 1},   {"sec", 1},   {"s", 1},
		{"minutes", 60}, {"minute", 60}, {"mins", 60},  {"min", 60},  {"m", 60},
		{"hours", 3600}, {"hour", 3600}, {"hrs", 3600}, {"hr", 3600}, {"h", 3600},
	};
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && is_alnum((unsigned char)s[i - 1]))
			continue;
		size_t j = n;
		for (size_t w = 0; w < sizeof(lead) / sizeof(lead[0]); w++) {
			size_t k = strlen(lead[w]);
			if (starts_ci(s + i, n - i, lead[w]) && i + k < n && s[i + k] == ' ') {
				j = i + k;
				break;
			}
		}
		if (j == n)
			continue;
		while (j < n && s[j] == ' ')
			j++;
		uint64_t v = 0;
		size_t d = j;
		while (d < n && lg_ascii_is_digit((unsigned char)s[d])) {
			if (v <= DELAY_MAX) /* saturates: no overflow however many digits */
				v = v * 10 + (uint64_t)(s[d] - '0');
			d++;
		}
		if (d == j || (d < n && s[d] == '.'))
			continue;
		while (d < n && s[d] == ' ')
			d++;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t k = strlen(units[u].unit);
			if (!starts_ci(s + d, n - d, units[u].unit) ||
			    (d + k < n && is_alnum((unsigned char)s[d + k])))
				continue;
			v *= units[u].mult;
			if (v == 0)
				break;
			return v > DELAY_MAX ? DELAY_MAX : (uint32_t)v;
		}
	}
	return 0;
}

int smtp_reply_line(struct smtp_reply *r, struct lg_buf *buf, const char *line, size_t len)
{
	/* RFC 5321 4.2: three digits, the first 2 to 5 (this client sends
	 * nothing that a 1yz answers), then '-' when more lines follow, or a
	 * space and text, or nothing (4.2.1: "250" alone ends a reply). */
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    !lg_ascii_is_digit((unsigned char)line[1]) ||
	    !lg_ascii_is_digit((unsigned char)line[2]))
		return -1;
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return -1;
	uint16_t code = (uint16_t)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
	bool first = r->code == 0;
	if (!first && code != r->code)
		return -1; /* 4.2.1: every line of a reply has the same code */
	r->code = code;
	bool last = len == 3 || line[3] == ' ';

	const char *t = len > 4 ? line + 4 : line + len;
	size_t tn = len > 4 ? len - 4 : 0;
	while (tn > 0 && *t == ' ') { /* one space, says 4.2; some send two */
		t++;
		tn--;
	}
	uint16_t enh[3];
	size_t k = enhanced_at(t, tn, (unsigned)(code / 100), enh);
	if (k) {
		/* Each line carries it (RFC 2034 3); the last line's counts,
		 * or the latest line's that had one. */
		memcpy(r->enh, enh, sizeof(enh));
		r->has_enh = true;
		t += k;
		tn -= k;
	}
	if (buf->len < TEXT_MAX) {
		if (!first)
			lg_buf_addc(buf, '\n');
		lg_buf_add(buf, t, tn < TEXT_MAX - buf->len ? tn : TEXT_MAX - buf->len);
	}
	if (!last)
		return 0;
	r->text = buf->data ? buf->data : "";
	r->text_len = buf->len;
	r->delay_s = find_delay(r->text, r->text_len);
	return 1;
}

size_t smtp_reply_brief(const struct smtp_reply *r, char *out, size_t cap)
{
	int n;
	if (cap == 0)
		return 0;
	if (r->code == 0)
		n = snprintf(out, cap, "%s", "");
	else if (r->has_enh)
		n = snprintf(out, cap, "%u %u.%u.%u", r->code, r->enh[0], r->enh[1], r->enh[2]);
	else
		n = snprintf(out, cap, "%u", r->code);
	if (n < 0)
		n = 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* ---- the text: the last resort ---- */

/* Does text t hold phrase w (lower-case) as whole words, ASCII case
 * ignored? */
static bool has_phrase(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		if (lg_ascii_lower((unsigned char)t[i]) != (unsigned char)w[0])
			continue;
		if (i > 0 && is_alnum((unsigned char)t[i - 1]))
			continue;
		if (i + k < n && is_alnum((unsigned char)t[i + k]))
			continue;
		if (lg_ascii_eq(t + i, k, w, k))
			return true;
	}
	return false;
}

static bool says(const struct smtp_reply *r, const char *w)
{
	return r->text && has_phrase(r->text, r->text_len, w);
}

static bool says_any(const struct smtp_reply *r, const char *const *words)
{
	for (; *words; words++)
		if (says(r, *words))
			return true;
	return false;
}

/*
 * A block of the client: a block list (Spamhaus's, an RBL, a DNSBL), the
 * sending address's reputation, a "blocked", or a Postfix restriction on
 * the client, its HELO name or its sender (Postfix's SMTPD_ACCESS_README
 * and postconf(5): "Client host rejected", "Helo command rejected",
 * "Sender address rejected").  Such a reply says nothing about the
 * mailbox, whatever code it carries.
 */
static const char *const block_words[] = {
	"spamhaus",
	"spamcop",
	"blacklist",
	"blacklisted",
	"black list",
	"blocklist",
	"blocklisted",
	"block list",
	"denylist",
	"denylisted",
	/* Not "listed in": "User not listed in the directory" is a mailbox. */
	"listed at",
	"listed by",
	"rbl",
	"dnsbl",
	"blocked",
	"banned sending ip",
	"poor reputation",
	"bad reputation",
	"low reputation",
	"ip reputation",
	"sender reputation",
	"client host rejected",
	"helo command rejected",
	"sender address rejected",
	/* Exim's sender verification (its spec, "Sender verification"): the
	 * host asked our MAIL FROM's domain about our sender, and quotes
	 * that answer ("User unknown" among it): a refusal of us. */
	"sender verify failed",
	"sender verification failed",
	"verification failed for <",
	NULL,
};

/* A relay refusal: the host does not take mail for the domain from us,
 * which says nothing of one mailbox (Postfix "Relay access denied", Exim
 * "relay not permitted"). */
static const char *const relay_words[] = {
	"relay access denied",  "relaying denied",        "relay not permitted",
	"relaying not allowed", "not permitted to relay", NULL,
};

/* RFC 5321 4.5.3.1.10: "too many recipients" (452, or 552 of old). */
static const char *const too_many_words[] = {
	"too many recipients",
	"too many rcpt",
	NULL,
};

static const char *const full_words[] = {
	"mailbox full",
	"mailbox is full",
	"over quota",
	"quota exceeded",
	"exceeded storage",
	"insufficient storage for the mailbox",
	NULL,
};

static const char *const disabled_words[] = {
	"mailbox disabled",    "mailbox is disabled",       "account disabled",
	"account is disabled", "account has been disabled", NULL,
};

/* A mailbox that does not exist.  Not "mailbox unavailable": RFC 5321
 * 4.2.3 gives it for every 550 ("mailbox not found, no access, or
 * command rejected for policy reasons"), and a host that blocks us says
 * it as well as one that has no such user. */
static const char *const no_mailbox_words[] = {
	"user unknown",
	"unknown user",
	"no such user",
	"no such mailbox",
	"no such recipient",
	"unknown recipient",
	"recipient unknown",
	"recipient not found",
	"user not found",
	"mailbox not found",
	"address not found",
	"does not exist",
	"doesn't exist",
	"invalid recipient",
	"invalid mailbox",
	"unrouteable address",
	"this user doesn't have a",
	NULL,
};

/* Come back later. */
static const char *const greylist_words[] = {
	"greylist",    "greylisted",      "greylisting", "graylist",        "graylisted",
	"graylisting", "try again later", "try later",   "come back later", NULL,
};

/*
 * RFC 3207 4: a server that wants TLS first answers "530 5.7.0 Must issue
 * a STARTTLS command first".  The same 530 5.7.0 also means
 * "Authentication required" (RFC 4954 6), so the text decides: it names
 * STARTTLS (Exchange writes "451 5.7.3 STARTTLS is required to send
 * mail", its class at odds with its code), or, with a 530 or 5.7.0, TLS.
 */
static bool wants_tls(const struct smtp_reply *r)
{
	if (says(r, "starttls"))
		return true;
	bool code = r->code == 530 || (r->has_enh && r->enh[1] == 7 && r->enh[2] == 0);
	return code && says(r, "tls");
}

/* ---- the table ---- */

/*
 * RCPT TO: a 4yz or 5yz other than 421 (see smtp_reply_classify), after
 * the STARTTLS and block-list checks.  The enhanced code first (RFC 3463
 * 3, its subjects):
 *
 *   5.1.1 bad mailbox, 5.1.0 other address status, 5.1.10 null MX (RFC
 *     7505 3), 5.1.6 moved, no forwarding address      NO_MAILBOX
 *   4.1.x: a server that cannot tell yet (Postfix's "450 4.1.1 ...
 *     unverified address")                                GREYLIST
 *   x.1.7, x.1.8: our sender's address refused            BLOCKED
 *   5.1.2 .. 5.1.5, 5.1.9: the domain or syntax, not the mailbox UNDECIDED
 *   5.2.1 mailbox disabled                                DISABLED
 *   x.2.2 mailbox full, 4.2.2 too: RFC 3463 3.3 calls it "a persistent
 *     transient failure", a mailbox that does not empty in the minutes of
 *     a greylisting wait, so it is said at once; it makes the address
 *     risky, never undeliverable, whatever the class     FULL
 *   4.2.0, 4.2.1, 4.2.x: the mailbox cannot take mail now (Postgrey's
 *     "450 4.2.0 ... Greylisted", Gmail's "450 4.2.1 ... receiving mail
 *     too quickly")                                       GREYLIST
 *   5.2.3, 5.2.4: the message's size, a list's expansion   UNDECIDED
 *   5.3.x mail system, 5.5.x protocol, 5.6.x content: not the mailbox,
 *     whatever the text says (Outlook.com's "550 5.5.0 Requested action
 *     not taken: mailbox unavailable" is mostly an unknown user, but is
 *     also reported for mailboxes that exist)           UNDECIDED
 *   x.5.3 too many recipients (RFC 5321 4.5.3.1.10)       TOO_MANY
 *   5.4.1 with "Recipient address rejected": Exchange Online's directory
 *     based edge blocking, its reply for an address its tenant does not
 *     have (Microsoft's "Fix email delivery issues for error code 5.4.1
 *     in Exchange Online")                               NO_MAILBOX
 *   5.4.x otherwise: routing                              UNDECIDED
 *   4.3.x, 4.4.x, 4.5.x, 4.6.x but their x.y.0             UNDECIDED
 *   5.7.x security or policy                              BLOCKED
 *   4.7.x: greylisters answer 450/451 4.7.1                GREYLIST
 *   x.0.x, 5.2.0 (other or undefined mailbox status), and the 4.y.0
 *     "other or undefined" temporary statuses: as if there were no
 *     enhanced code.
 *
 * Then the basic code and the text (RFC 5321 4.2.2, 4.2.3):
 *   "too many recipients" (452, or 552 of old: 4.5.3.1.10)  TOO_MANY
 *   a relay refusal                                       BLOCKED
 *   452 with a mailbox-full wording                       FULL
 *   450, 451: transient, or a greylisting wording          GREYLIST
 *   other 4yz                                             UNDECIDED
 *   552 "exceeded storage allocation", or a full wording  FULL
 *   a disabled wording                                    DISABLED
 *   556 "domain does not accept mail" (RFC 7504 3)        NO_MAILBOX
 *   a no-such-user wording (not "mailbox unavailable")   NO_MAILBOX
 *   521 "host does not accept mail" (RFC 7504 3)          BLOCKED
 *   other 5yz (500-504, 551, 553, 554, 555 ...)           UNDECIDED
 */
static enum smtp_meaning classify_rcpt(const struct smtp_reply *r)
{
	bool perm = r->code >= 500;
	unsigned s = r->enh[1], d = r->enh[2];

	switch (r->has_enh ? s : 0) {
	case 1:
		if (d == 7 || d == 8)
			return SMTP_M_BLOCKED;
		if (!perm)
			return SMTP_M_GREYLIST;
		if (d == 1 || d == 0 || d == 10 || d == 6)
			return SMTP_M_NO_MAILBOX;
		return SMTP_M_UNDECIDED;
	case 2:
		if (d == 2)
			return SMTP_M_FULL;
		if (!perm)
			return SMTP_M_GREYLIST;
		if (d == 1)
			return SMTP_M_DISABLED;
		if (d != 0)
			return SMTP_M_UNDECIDED;
		break;
	case 3:
		if (perm || d != 0)
			return SMTP_M_UNDECIDED;
		break;
	case 4:
		if (perm && d == 1 && says(r, "recipient address rejected"))
			return SMTP_M_NO_MAILBOX;
		if (perm || d != 0)
			return SMTP_M_UNDECIDED;
		break;
	case 5:
		if (d == 3)
			return SMTP_M_TOO_MANY;
		if (perm || d != 0)
			return SMTP_M_UNDECIDED;
		break;
	case 6:
		if (perm || d != 0)
			return SMTP_M_UNDECIDED;
		break;
	case 7: return perm ? SMTP_M_BLOCKED : SMTP_M_GREYLIST;
	default: break; /* x.0.x, subjects not registered */
	}

	if (says_any(r, too_many_words))
		return SMTP_M_TOO_MANY;
	if (says_any(r, relay_words))
		return SMTP_M_BLOCKED;
	if (!perm) {
		if (r->code == 452 && says_any(r, full_words))
			return SMTP_M_FULL;
		if (r->code == 450 || r->code == 451 || says_any(r, greylist_words))
			return SMTP_M_GREYLIST;
		return SMTP_M_UNDECIDED;
	}
	if (r->code == 552 || says_any(r, full_words))
		return SMTP_M_FULL;
	if (says_any(r, disabled_words))
		return SMTP_M_DISABLED;
	if (r->code == 556 || says_any(r, no_mailbox_words))
		return SMTP_M_NO_MAILBOX;
	if (r->code == 521)
		return SMTP_M_BLOCKED;
	return SMTP_M_UNDECIDED;
}

/*
 * MAIL FROM names our sender, so a permanent refusal there is of us
 * (BLOCKED), never of a mailbox: x.1.x are the sender's address codes
 * there (RFC 3463 3.2: x.1.7 bad sender's mailbox syntax, x.1.8 bad
 * sender's system address), x.7.x policy, and 550, 553, 554 without a
 * specific enhanced code (RFC 5321 4.2.3).  A refusal of the syntax or
 * of a parameter (5.5.x, 500-504, 555) is UNDECIDED: no block, but no
 * probe either.  A 4yz: our sender's domain in doubt (x.1.7, x.1.8)
 * BLOCKED; 4.7.x GREYLIST; another specific status (4.3.5 ...)
 * UNDECIDED; else 450, 451 or a greylisting wording GREYLIST, other
 * UNDECIDED.
 */
static enum smtp_meaning classify_mail(const struct smtp_reply *r)
{
	unsigned s = r->has_enh ? r->enh[1] : 0, d = r->enh[2];
	if (r->code < 500) {
		if (s == 1 && (d == 7 || d == 8))
			return SMTP_M_BLOCKED;
		if (s == 7)
			return SMTP_M_GREYLIST;
		if (s != 0 && d != 0)
			return SMTP_M_UNDECIDED; /* a specific status, not greylisting */
		if (r->code == 450 || r->code == 451 || says_any(r, greylist_words))
			return SMTP_M_GREYLIST;
		return SMTP_M_UNDECIDED;
	}
	if (s == 1 || s == 7)
		return SMTP_M_BLOCKED;
	if (s != 0)
		return SMTP_M_UNDECIDED;
	switch (r->code) {
	case 521:
	case 550:
	case 553:
	case 554:
	case 556: return SMTP_M_BLOCKED;
	default: return SMTP_M_UNDECIDED;
	}
}

/*
 * What reply r means at phase ph.  For every phase:
 *   2yz                                                   OK
 *   3yz: none of these commands expects one (354 is DATA's, never sent)
 *                                                         UNDECIDED
 *   421 "service not available, closing transmission channel" (RFC 5321
 *     3.8, 4.2.3): the session is over whatever the text  NEXT_HOST
 * STARTTLS: RFC 3207 4 names 454 "TLS not available due to temporary
 *   reason" and 501; whether to go on without TLS is the session's
 *   choice                                                UNDECIDED
 * Then, at the other phases but the banner, a reply naming STARTTLS
 *   (wants_tls: RFC 3207 4's 530 5.7.0)                   TLS_NEEDED
 * and at every phase, a block list or a block of the client in the text
 *   (block_words), whatever the codes                     BLOCKED
 * Banner: RFC 5321 3.1 lets a server refuse a session with 554 instead of
 *   220, RFC 7504 3 adds 521 for a host that takes no mail: any 5yz is a
 *   refusal of us                                         BLOCKED
 *   a 4yz: this host will not talk now                   NEXT_HOST
 * EHLO: 5.7.x, 521, 550, 554: a refusal of us            BLOCKED
 *   other 5yz (500-504, 5.5.x: EHLO not understood; the session may say
 *   HELO)                                                 UNDECIDED
 *   4yz                                                   NEXT_HOST
 * MAIL: classify_mail.  RCPT: classify_rcpt.
 */
enum smtp_meaning smtp_reply_classify(enum smtp_phase ph, const struct smtp_reply *r)
{
	unsigned cls = r->code / 100;
	if (cls == 2)
		return SMTP_M_OK;
	if (cls != 4 && cls != 5)
		return SMTP_M_UNDECIDED;
	if (r->code == 421)
		return SMTP_M_NEXT_HOST;
	if (ph == SMTP_PH_STARTTLS)
		return SMTP_M_UNDECIDED;
	if (ph != SMTP_PH_BANNER && wants_tls(r))
		return SMTP_M_TLS_NEEDED;
	if (says_any(r, block_words))
		return SMTP_M_BLOCKED;
	switch (ph) {
	case SMTP_PH_BANNER: return cls == 5 ? SMTP_M_BLOCKED : SMTP_M_NEXT_HOST;
	case SMTP_PH_EHLO:
		if (cls == 4)
			return SMTP_M_NEXT_HOST;
		if ((r->has_enh && r->enh[1] == 7) || r->code == 521 || r->code == 550 ||
		    r->code == 554)
			return SMTP_M_BLOCKED;
		return SMTP_M_UNDECIDED;
	case SMTP_PH_MAIL: return classify_mail(r);
	case SMTP_PH_RCPT: return classify_rcpt(r);
	case SMTP_PH_STARTTLS: break;
	}
	return SMTP_M_UNDECIDED;
}
