/*
 * classify.c - hard, soft or block from an RFC 3463 enhanced status code,
 * an RFC 5321 reply code and the diagnostic text, in that order of trust.
 *
 * A hard verdict suppresses an address for good, so it is kept for codes
 * that name a dead mailbox or domain (RFC 3463 3.2 X.1.1, X.1.2 ...) and
 * for text that says so when no specific code does.  Whatever is unclear
 * is a block (a permanent refusal that says nothing about the mailbox) or
 * soft (a condition that can pass).  bounce/README.md has the table.
 */
#include "bounce_int.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MAX 2048 /* of the diagnostic text, what the keywords are looked for in */

struct status {
	int cls, subject, detail;
};

/* 1 to 3 digits at s[*i]: their value, or -1. */
static int small_num(const char *s, size_t n, size_t *i)
{
	int v = 0, k = 0;
	while (*i < n && k < 4 && lg_ascii_is_digit((unsigned char)s[*i])) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		k++;
	}
	return k >= 1 && k <= 3 ? v : -1;
}

/* RFC 3463 2: class "." subject "." detail at s[i], standing alone. */
static bool status_at(const char *s, size_t n, size_t i, struct status *st)
{
	if (i > 0 && (lg_ascii_is_digit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		return false;
	if (i + 1 >= n || (s[i] != '2' && s[i] != '4' && s[i] != '5') || s[i + 1] != '.')
		return false;
	size_t j = i + 2;
	int subject = small_num(s, n, &j);
	if (subject < 0 || j >= n || s[j] != '.')
		return false;
	j++;
	int detail = small_num(s, n, &j);
	if (detail < 0)
		return false;
	/* Not the start of an IP address or a longer version number. */
	if (j < n && (lg_ascii_is_digit((unsigned char)s[j]) ||
		      (s[j] == '.' && j + 1 < n && lg_ascii_is_digit((unsigned char)s[j + 1]))))
		return false;
	st->cls = s[i] - '0';
	st->subject = subject;
	st->detail = detail;
	return true;
}

static bool find_status(const char *s, size_t n, struct status *st)
{
	for (size_t i = 0; i < n; i++)
		if (status_at(s, n, i, st))
			return true;
	return false;
}

bool bounce_find_status(const char *s, size_t n, char out[BOUNCE_STATUS_MAX])
{
	struct status st;
	if (!s || !find_status(s, n, &st))
		return false;
	snprintf(out, BOUNCE_STATUS_MAX, "%d.%d.%d", st.cls, st.subject, st.detail);
	return true;
}

/* A reply code of RFC 5321 4.2: exactly three digits, 2 to 5 first. */
static int reply_code(const char *s, size_t n)
{
	if (n != 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' ||
	    !lg_ascii_is_digit((unsigned char)s[2]))
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/*
 * The reply code in diagnostic text: the first three-digit word followed
 * by a space, a '-' (a multi-line reply) or the end, as in "smtp; 550
 * 5.1.1 ...", "host mx.example.com said: 550-5.1.1 ..." or Exchange's
 * "Remote Server returned '550 5.1.1 ...'".
 */
static int find_code(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (i > 0 && !lg_ascii_is_space((unsigned char)s[i - 1]) && s[i - 1] != ';' &&
		    s[i - 1] != ':' && s[i - 1] != '(' && s[i - 1] != '[' && s[i - 1] != '#' &&
		    s[i - 1] != '\'')
			continue;
		if (i + 3 < n && s[i + 3] != ' ' && s[i + 3] != '-' && s[i + 3] != '\t' &&
		    s[i + 3] != '\r' && s[i + 3] != '\n')
			continue;
		int code = reply_code(s + i, 3);
		if (code >= 0)
			return code;
	}
	return -1;
}

/* ---- the text: a few phrases that mail servers use for each case ---- */

/* Checked first: a policy word makes a rejection a block whatever else the
 * text says ("mailbox unavailable: your IP is on a blocklist"). */
static const char *const block_words[] = {
	"spam",
	"spamhaus",
	"blocked",
	"blacklist",
	"blacklisted",
	"blocklist",
	"blocklisted",
	"block list",
	"black list",
	"denylist",
	"policy",
	"reputation",
	"dmarc",
	"spf",
	"dkim",
	"rbl",
	"dnsbl",
	"not authorized",
	"unauthorized",
	"access denied",
	"relaying denied",
	"relay not permitted",
	"virus",
	"malware",
	"content rejected",
	NULL,
};
/* Then a temporary condition; "mailbox unavailable: over quota" is one. */
static const char *const soft_words[] = {
	"mailbox full",
	"mailbox is full",
	"over quota",
	"quota exceeded",
	"exceeds quota",
	"exceeded storage",
	"insufficient storage",
	"out of storage",
	"try again later",
	"try later",
	"temporarily",
	"temporary",
	"greylisted",
	"greylisting",
	"graylisted",
	"deferred",
	"timed out",
	"timeout",
	"too many connections",
	"rate limit",
	"rate limited",
	NULL,
};
/* Last, a dead mailbox, only when nothing above was said. */
static const char *const hard_words[] = {
	"user unknown",
	"unknown user",
	"no such user",
	"no such mailbox",
	"no such recipient",
	"no such address",
	"unknown recipient",
	"recipient unknown",
	"recipient not found",
	"user not found",
	"mailbox not found",
	"address not found",
	"mailbox unavailable",
	"mailbox does not exist",
	"does not exist",
	"doesn't exist",
	"invalid recipient",
	"invalid mailbox",
	"mailbox disabled",
	"account disabled",
	"account is disabled",
	"account has been disabled",
	"user not local",
	"unrouteable address",
	NULL,
};

/* Does the <...> that opens at s hold an '@' (an address)? */
static bool angle_addr(const char *s)
{
	for (s++; *s && *s != '>' && *s != '<'; s++)
		if (*s == '@')
			return true;
	return false;
}

/* The text lower-cased, with the addresses inside <...> blanked out: they
 * may hold any word (<spam@example.com>) or code.  Other <...> stay:
 * Exchange writes its reply as "<mx.example.com #5.1.1 smtp;550 5.1.1
 * User unknown>". */
static size_t fold_text(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	int angle = 0;
	for (; s && *s && n + 1 < cap; s++) {
		char ch = (char)lg_ascii_lower((unsigned char)*s);
		if (ch == '<' && angle_addr(s))
			angle = 1;
		out[n++] = angle ? ' ' : ch;
		if (ch == '>')
			angle = 0;
	}
	out[n] = '\0';
	return n;
}

static bool is_word_char(char c)
{
	return lg_ascii_is_alpha((unsigned char)c) || lg_ascii_is_digit((unsigned char)c);
}

/* Does folded text t hold the phrase w as whole words? */
static bool has_phrase(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (const char *p = t; (p = memmem(p, n - (size_t)(p - t), w, k)) != NULL; p++) {
		if ((p == t || !is_word_char(p[-1])) && (p + k == t + n || !is_word_char(p[k])))
			return true;
	}
	return false;
}

static bool has_any(const char *t, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (has_phrase(t, n, *words))
			return true;
	return false;
}

static bool text_decides(const char *t, size_t n, enum bounce_type *out)
{
	if (has_any(t, n, block_words))
		*out = BOUNCE_BLOCK;
	else if (has_any(t, n, soft_words))
		*out = BOUNCE_SOFT;
	else if (has_any(t, n, hard_words))
		*out = BOUNCE_HARD;
	else
		return false;
	return true;
}

static void set(struct bounce_verdict *v, enum bounce_type t, enum bounce_strength s)
{
	v->type = t;
	v->strength = s;
}

/*
 * A 5xx reply (or a generic 5.X.0 status) without a specific enhanced
 * code: the text if it says something, else what RFC 5321 4.2.3 and RFC
 * 7504 make of the code, else fallback (weak).
 */
static void permanent(struct bounce_verdict *v, const char *t, size_t tn, int code,
		      enum bounce_type fallback)
{
	enum bounce_type tt;
	if (text_decides(t, tn, &tt))
		return set(v, tt, BOUNCE_STRONG);
	switch (code) {
	case 552: /* RFC 5321 4.5.3.1.10: read it as the temporary 452 */
		return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
	case 556: /* RFC 7504 3: the domain does not accept mail */
		return set(v, BOUNCE_HARD, BOUNCE_STRONG);
	default: return set(v, fallback, BOUNCE_WEAK);
	}
}

/* RFC 3463 3.1 to 3.8, class 5. */
static void class5(struct bounce_verdict *v, const struct status *es, const char *t, size_t tn,
		   int code)
{
	switch (es->subject) {
	case 1: /* 3.2 addressing */
		switch (es->detail) {
		case 1:  /* bad destination mailbox address */
		case 2:  /* bad destination system address */
		case 3:  /* bad destination mailbox address syntax */
		case 4:  /* destination mailbox address ambiguous */
		case 6:  /* destination mailbox has moved, no forwarding address */
		case 10: /* RFC 7505 4.2: the recipient domain has a null MX */
			return set(v, BOUNCE_HARD, BOUNCE_STRONG);
		case 5: /* destination address valid: a success code, here a refusal */
		case 7: /* bad sender's mailbox address syntax */
		case 8: /* bad sender's system address */
		case 9: /* RFC 3886: relayed to a non-compliant mailer */
			return set(v, BOUNCE_BLOCK, BOUNCE_STRONG);
		default: return permanent(v, t, tn, code, BOUNCE_BLOCK);
		}
	case 2: /* 3.3 mailbox status: the mailbox exists */
		switch (es->detail) {
		case 1: /* mailbox disabled: see the README on why this is hard */
			return set(v, BOUNCE_HARD, BOUNCE_STRONG);
		case 2: /* mailbox full */
		case 3: /* message length exceeds administrative limit */
		case 4: /* mailing list expansion problem */
			return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
		default: return permanent(v, t, tn, code, BOUNCE_SOFT);
		}
	case 3: /* 3.4 mail system status */
	case 5: /* 3.6 mail delivery protocol status */
		if (es->detail == 0)
			return permanent(v, t, tn, code, BOUNCE_SOFT);
		return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
	case 4: /* 3.5 network and routing status */
		/* Exchange Online's directory-based edge blocking refuses an
		 * address that is not in the tenant with 5.4.1 and these words. */
		if (es->detail == 1 &&
		    has_phrase(t, tn, "recipient address rejected: access denied"))
			return set(v, BOUNCE_HARD, BOUNCE_STRONG);
		if (es->detail == 0)
			return permanent(v, t, tn, code, BOUNCE_SOFT);
		return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
	case 6: /* 3.7 message content or media status */
		return set(v, BOUNCE_BLOCK, BOUNCE_STRONG);
	case 7: /* 3.8 security or policy status */
		/* RFC 7293 3: the mailbox or the domain changed hands since the
		 * date the sender gave; whoever reads it now is someone else. */
		if (es->detail == 17 || es->detail == 18)
			return set(v, BOUNCE_HARD, BOUNCE_STRONG);
		return set(v, BOUNCE_BLOCK, BOUNCE_STRONG);
	default: /* 3.1 other or undefined, and subjects not yet registered */
		return permanent(v, t, tn, code, BOUNCE_BLOCK);
	}
}

void bounce_classify_verdict(const char *status, const char *code, const char *text,
			     struct bounce_verdict *v)
{
	char t[TEXT_MAX];
	size_t tn = fold_text(text, t, sizeof(t));
	struct status es = {0, 0, 0}, found;
	bool have_es = false;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	if (status && status[0]) {
		const char *s = status;
		size_t n = strlen(s);
		lg_ascii_trim(&s, &n);
		have_es = find_status(s, n, &es);
	}
	/* X.0.0 says nothing; the text may hold the specific code
	 * ("5.0.0" with "smtp; 550 5.1.1 user unknown"). */
	if (find_status(t, tn, &found) &&
	    (!have_es || (es.subject == 0 && es.detail == 0 && found.cls == es.cls))) {
		es = found;
		have_es = true;
	}
	if (code && code[0]) {
		const char *s = code;
		size_t n = strlen(s);
		lg_ascii_trim(&s, &n);
		rc = reply_code(s, n);
	}
	if (rc < 0)
		rc = find_code(t, tn);
	if (have_es)
		snprintf(v->status, sizeof(v->status), "%d.%d.%d", es.cls, es.subject, es.detail);
	if (rc >= 0) {
		v->code[0] = (char)('0' + rc / 100);
		v->code[1] = (char)('0' + rc / 10 % 10);
		v->code[2] = (char)('0' + rc % 10);
		v->code[3] = '\0';
	}

	if (have_es) {
		if (es.cls == 4) /* RFC 3463 2: persistent transient failure */
			return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
		if (es.cls == 5) {
			/* a reply code of another class is ignored: the status is
			 * the more specific of the two */
			class5(v, &es, t, tn, rc >= 500 ? rc : -1);
			return;
		}
		return; /* 2.x.x: a success is not a bounce */
	}
	if (rc >= 400 && rc < 500)
		return set(v, BOUNCE_SOFT, BOUNCE_STRONG);
	if (rc >= 500)
		return permanent(v, t, tn, rc, BOUNCE_BLOCK);
	if (rc >= 0)
		return; /* 2xx, 3xx */
	enum bounce_type tt;
	if (text_decides(t, tn, &tt))
		set(v, tt, BOUNCE_STRONG);
}

bool bounce_classify(const char *status, const char *code, const char *text, enum bounce_type *out)
{
	struct bounce_verdict v;
	bounce_classify_verdict(status, code, text, &v);
	if (v.strength == BOUNCE_UNDECIDED)
		return false;
	*out = v.type;
	return true;
}

enum bounce_type bounce_refine(enum bounce_type given, bool generic, const struct bounce_verdict *v)
{
	if (v->strength == BOUNCE_UNDECIDED)
		return given;
	if (generic)
		return v->type;
	/* Evidence that the mailbox is alive beats a provider's "hard";
	 * nothing turns a provider's softer verdict into a hard one. */
	if (given == BOUNCE_HARD && v->strength == BOUNCE_STRONG && v->type != BOUNCE_HARD)
		return v->type;
	return given;
}
