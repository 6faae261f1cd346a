/* reason.c - names, statuses and descriptions of reason codes and flags. */
#include "verify.h"

#include <string.h>

static const struct {
	const char *name;
	enum verify_status status;
	const char *doc;
} reasons[VERIFY_R_COUNT] = {
	[VERIFY_R_OK] = {"ok", VERIFY_DELIVERABLE, "the address passed every check"},
	[VERIFY_R_DNS_SKIPPED] = {"dns.skipped", VERIFY_UNKNOWN,
				  "valid syntax; mail hosts were not looked up"},
	[VERIFY_R_EMPTY] = {"syntax.empty", VERIFY_UNDELIVERABLE, "the cell is empty"},
	[VERIFY_R_TOO_LONG] = {"syntax.too_long", VERIFY_UNDELIVERABLE,
			       "the address is longer than 254 octets (or the cell than 1024)"},
	[VERIFY_R_NO_AT] = {"syntax.no_at", VERIFY_UNDELIVERABLE, "there is no @"},
	[VERIFY_R_LOCAL_EMPTY] = {"syntax.local_empty", VERIFY_UNDELIVERABLE,
				  "nothing before the @ (an empty quoted string included)"},
	[VERIFY_R_LOCAL_TOO_LONG] = {"syntax.local_too_long", VERIFY_UNDELIVERABLE,
				     "the local part is longer than 64 octets"},
	[VERIFY_R_LOCAL_DOT] = {"syntax.local_dot", VERIFY_UNDELIVERABLE,
				"the local part starts or ends with a dot, or has two in a row"},
	[VERIFY_R_LOCAL_CHAR] =
		{"syntax.local_char", VERIFY_UNDELIVERABLE,
		 "a character not allowed in an unquoted local part (space, second @, ...)"},
	[VERIFY_R_QUOTED] = {"syntax.quoted", VERIFY_UNDELIVERABLE, "a malformed quoted local part"},
	[VERIFY_R_COMMENT] = {"syntax.comment", VERIFY_UNDELIVERABLE,
			      "an RFC 5322 comment \"(...)\""},
	[VERIFY_R_OBSOLETE] = {"syntax.obsolete", VERIFY_UNDELIVERABLE,
			       "obsolete RFC 5322 syntax, such as quoted words mixed with atoms"},
	[VERIFY_R_DISPLAY_NAME] =
		{"syntax.display_name", VERIFY_UNDELIVERABLE,
		 "a display name around the address; the bare address is suggested"},
	[VERIFY_R_UTF8] = {"syntax.utf8", VERIFY_UNDELIVERABLE, "invalid UTF-8"},
	[VERIFY_R_INVISIBLE] =
		{"syntax.invisible", VERIFY_UNDELIVERABLE,
		 "a Unicode space, zero-width, control, format or unassigned character"},
	[VERIFY_R_CONFUSABLE] =
		{"syntax.confusable", VERIFY_UNDELIVERABLE,
		 "a compatibility lookalike such as the fullwidth \xef\xbc\xa0 (never repaired)"},
	[VERIFY_R_DOMAIN_EMPTY] = {"syntax.domain_empty", VERIFY_UNDELIVERABLE,
				   "nothing after the @"},
	[VERIFY_R_DOMAIN_TOO_LONG] = {"syntax.domain_too_long", VERIFY_UNDELIVERABLE,
				      "the domain is longer than 253 octets"},
	[VERIFY_R_LABEL_EMPTY] = {"syntax.label_empty", VERIFY_UNDELIVERABLE,
				  "the domain starts or ends with a dot, or has two in a row"},
	[VERIFY_R_LABEL_TOO_LONG] = {"syntax.label_too_long", VERIFY_UNDELIVERABLE,
				     "a domain label is longer than 63 octets"},
	[VERIFY_R_LABEL_HYPHEN] = {"syntax.label_hyphen", VERIFY_UNDELIVERABLE,
				   "a domain label starts or ends with a hyphen"},
	[VERIFY_R_DOMAIN_CHAR] =
		{"syntax.domain_char", VERIFY_UNDELIVERABLE,
		 "a character other than letters, digits, hyphens and dots in the domain"},
	[VERIFY_R_DOMAIN_NO_DOT] = {"syntax.domain_no_dot", VERIFY_UNDELIVERABLE,
				    "the domain has a single label"},
	[VERIFY_R_TLD_NUMERIC] = {"syntax.tld_numeric", VERIFY_UNDELIVERABLE,
				  "the top-level label is all digits"},
	[VERIFY_R_DOMAIN_LITERAL] = {"syntax.domain_literal", VERIFY_UNDELIVERABLE,
				     "an address literal such as [192.0.2.1] instead of a domain"},
	[VERIFY_R_IDNA] = {"syntax.idna", VERIFY_UNDELIVERABLE,
			   "an internationalized domain that IDNA 2008 (UTS 46) rejects"},
	[VERIFY_R_SPECIAL_USE] =
		{"domain.special_use", VERIFY_UNDELIVERABLE,
		 "a special-use name that never receives mail (RFC 6761 and successors)"},
	[VERIFY_R_DISPOSABLE] = {"class.disposable", VERIFY_RISKY,
				 "a disposable (throwaway) mail domain"},
	[VERIFY_R_INPUT_MISSING] = {"input.missing", VERIFY_UNDELIVERABLE,
				    "the row is too short to have an email cell"},
	[VERIFY_R_ROLE] = {"class.role", VERIFY_RISKY,
			   "a role address (info@, sales@ ...) on a domain that takes mail: a "
			   "team, not a person"},
	[VERIFY_R_NULL_MX] = {"dns.null_mx", VERIFY_UNDELIVERABLE,
			      "the domain publishes a null MX (RFC 7505): it accepts no mail"},
	[VERIFY_R_NO_MAIL_HOST] = {"dns.no_mail_host", VERIFY_UNDELIVERABLE,
				   "the domain has no MX, A or AAAA record"},
	[VERIFY_R_NXDOMAIN] = {"dns.nxdomain", VERIFY_UNDELIVERABLE, "the domain does not exist"},
	[VERIFY_R_SERVFAIL] =
		{"dns.servfail", VERIFY_UNKNOWN,
		 "the resolver failed or refused (SERVFAIL, REFUSED), or answered with malformed "
		 "records or a CNAME loop, on every try"},
	[VERIFY_R_TIMEOUT] = {"dns.timeout", VERIFY_UNKNOWN,
			      "no answer from the resolver on any try"},
	[VERIFY_R_BOUNCE_HARD] = {"bounce.hard", VERIFY_UNDELIVERABLE,
				  "mail to it hard-bounced (leadgate bounces import): suppressed"},
	[VERIFY_R_SMTP_CATCH_ALL] = {"smtp.catch_all", VERIFY_RISKY,
				     "the mail host accepted the address, but also a made-up one: "
				     "it accepts any (catch-all)"},
	[VERIFY_R_SMTP_NO_MAILBOX] =
		{"smtp.no_mailbox", VERIFY_UNDELIVERABLE,
		 "the mail host said the mailbox does not exist (5.1.1, 5.1.0, "
		 "5.1.10, 550 user unknown)"},
	[VERIFY_R_SMTP_DISABLED] = {"smtp.disabled", VERIFY_UNDELIVERABLE,
				    "the mail host said the mailbox is disabled (5.2.1)"},
	[VERIFY_R_SMTP_MAILBOX_FULL] = {"smtp.mailbox_full", VERIFY_RISKY,
					"the mail host said the mailbox is full (5.2.2, 552)"},
	[VERIFY_R_SMTP_BLOCKED] =
		{"smtp.blocked", VERIFY_UNKNOWN,
		 "the mail host refused us by policy or a block list (5.7.x): nothing said of the "
		 "mailbox"},
	[VERIFY_R_SMTP_GREYLISTED] = {"smtp.greylisted", VERIFY_UNKNOWN,
				      "the mail host still deferred the address (greylisting) when "
				      "the wait ran out: the next refresh takes it first"},
	[VERIFY_R_SMTP_TIMEOUT] = {"smtp.timeout", VERIFY_UNKNOWN,
				   "every mail host timed out or answered 421"},
	[VERIFY_R_SMTP_NO_CONNECT] = {"smtp.no_connect", VERIFY_UNKNOWN,
				      "no mail host took a connection (refused, unreachable, "
				      "dropped)"},
	[VERIFY_R_SMTP_UNDECIDED] = {"smtp.undecided", VERIFY_UNKNOWN,
				     "the mail host's reply says nothing usable about the mailbox"},
};

static const char *const status_names[VERIFY_STATUS_COUNT] = {
	"deliverable",
	"risky",
	"undeliverable",
	"unknown",
};

static const char *const flag_names[VERIFY_FLAG_COUNT] = {
	"role", "free",   "disposable", "duplicate",  "smtputf8",     "quoted",
	"typo", "ragged", "multiple",   "accept_all", "smtp_skipped",
};

const char *verify_status_name(enum verify_status st)
{
	return (unsigned)st < VERIFY_STATUS_COUNT ? status_names[st] : "?";
}

const char *verify_reason_name(enum verify_reason r)
{
	return (unsigned)r < VERIFY_R_COUNT ? reasons[r].name : "?";
}

const char *verify_reason_doc(enum verify_reason r)
{
	return (unsigned)r < VERIFY_R_COUNT ? reasons[r].doc : "?";
}

enum verify_status verify_reason_status(enum verify_reason r)
{
	return (unsigned)r < VERIFY_R_COUNT ? reasons[r].status : VERIFY_UNKNOWN;
}

const char *verify_flag_name(unsigned bit)
{
	return bit < VERIFY_FLAG_COUNT ? flag_names[bit] : "?";
}

size_t verify_flags_format(unsigned flags, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap)
		buf[0] = '\0';
	for (unsigned b = 0; b < VERIFY_FLAG_COUNT; b++) {
		if (!(flags & (1u << b)))
			continue;
		size_t k = strlen(flag_names[b]);
		if (n + (n ? 1 : 0) + k + 1 > cap)
			break;
		if (n)
			buf[n++] = ';';
		memcpy(buf + n, flag_names[b], k);
		n += k;
		buf[n] = '\0';
	}
	return n;
}
