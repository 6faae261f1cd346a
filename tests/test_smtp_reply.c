/*
 * test_smtp_reply.c - SMTP replies read line by line and classified per
 * phase (smtp/reply.c), on a table of reply lines written from each mail
 * server's documented format; multi-line replies, enhanced codes, retry
 * delays and malformed lines.
 *
 * Each vector names where its wording comes from.  The addresses, host
 * names and IP addresses in them are the documentation ones (RFC 2606,
 * RFC 5737).
 */
#include "smtp/smtp.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Feed the lines of text (separated by '\n') to a reply; every line but
 * the last must ask for more. */
static void parse(const char *text, struct smtp_reply *r, struct lg_buf *buf)
{
	memset(r, 0, sizeof(*r));
	lg_buf_reset(buf);
	for (const char *p = text;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int rc = smtp_reply_line(r, buf, p, n);
		if (!nl) {
			if (rc != 1)
				fail_msg("the last line of \"%s\" gave %d, not 1", text, rc);
			return;
		}
		if (rc != 0)
			fail_msg("a line of \"%s\" gave %d, not 0", text, rc);
		p = nl + 1;
	}
}

static const char *meaning_name(enum smtp_meaning m)
{
	static const char *const n[] = {"OK",         "NO_MAILBOX", "DISABLED", "FULL",
					"BLOCKED",    "GREYLIST",   "TOO_MANY", "NEXT_HOST",
					"TLS_NEEDED", "UNDECIDED"};
	return (unsigned)m <= SMTP_M_UNDECIDED ? n[m] : "?";
}

#define B SMTP_PH_BANNER
#define E SMTP_PH_EHLO
#define S SMTP_PH_STARTTLS
#define M SMTP_PH_MAIL
#define R SMTP_PH_RCPT

struct vec {
	const char *reply; /* its lines, '\n' between them */
	enum smtp_phase ph;
	enum smtp_meaning want;
	const char *brief; /* smtp_reply_brief's */
	uint32_t delay_s;
};

static const struct vec vectors[] = {
	/* ---- RFC 5321 4.2.3's own texts, RFC 3463's codes ---- */
	{"220 mx.example.com ESMTP", B, SMTP_M_OK, "220", 0},
	{"250 2.1.5 Ok", R, SMTP_M_OK, "250 2.1.5", 0},
	{"251 User not local; will forward to <b@example.net>", R, SMTP_M_OK, "251", 0},
	{"354 Start mail input", R, SMTP_M_UNDECIDED, "354", 0},
	{"421 mx.example.com Service not available, closing transmission channel", B,
	 SMTP_M_NEXT_HOST, "421", 0},
	{"421 4.4.5 Server busy, try again later", R, SMTP_M_NEXT_HOST, "421 4.4.5", 0},
	/* RFC 5321 4.2.3's text of every 550: a block or no mailbox alike. */
	{"550 Requested action not taken: mailbox unavailable", R, SMTP_M_UNDECIDED, "550", 0},
	{"550 Requested action not taken: mailbox unavailable", M, SMTP_M_BLOCKED, "550", 0},
	{"552 Requested mail action aborted: exceeded storage allocation", R, SMTP_M_FULL, "552", 0},
	{"551 User not local; please try <b@example.net>", R, SMTP_M_UNDECIDED, "551", 0},
	{"553 Requested action not taken: mailbox name not allowed", R, SMTP_M_UNDECIDED, "553", 0},
	{"554 Transaction failed", R, SMTP_M_UNDECIDED, "554", 0},
	{"554 No SMTP service here", B, SMTP_M_BLOCKED, "554", 0},
	{"500 Syntax error, command unrecognized", E, SMTP_M_UNDECIDED, "500", 0},
	{"502 Command not implemented", E, SMTP_M_UNDECIDED, "502", 0},
	{"501 5.5.4 Syntax error in parameters or arguments", R, SMTP_M_UNDECIDED, "501 5.5.4", 0},
	{"555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented", M,
	 SMTP_M_UNDECIDED, "555 5.5.4", 0},
	{"550 5.1.1 Bad destination mailbox address", R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"550 5.1.0 Other address status", R, SMTP_M_NO_MAILBOX, "550 5.1.0", 0},
	{"550 5.1.6 Destination mailbox has moved, no forwarding address", R, SMTP_M_NO_MAILBOX,
	 "550 5.1.6", 0},
	{"550 5.1.2 Bad destination system address", R, SMTP_M_UNDECIDED, "550 5.1.2", 0},
	{"553 5.1.3 Bad destination mailbox address syntax", R, SMTP_M_UNDECIDED, "553 5.1.3", 0},
	{"550 5.2.1 Mailbox disabled, not accepting messages", R, SMTP_M_DISABLED, "550 5.2.1", 0},
	{"552 5.2.2 Mailbox full", R, SMTP_M_FULL, "552 5.2.2", 0},
	{"552 5.2.3 Message length exceeds administrative limit", R, SMTP_M_UNDECIDED, "552 5.2.3",
	 0},
	{"550 5.3.0 Other or undefined mail system status", R, SMTP_M_UNDECIDED, "550 5.3.0", 0},
	{"550 5.3.0 User unknown", R, SMTP_M_UNDECIDED, "550 5.3.0", 0},
	{"550 5.4.0 Mailbox unavailable", R, SMTP_M_UNDECIDED, "550 5.4.0", 0},
	{"450 4.4.0 Other or undefined network or routing status", R, SMTP_M_GREYLIST, "450 4.4.0",
	 0},
	{"451 4.5.0 Other or undefined protocol status", R, SMTP_M_GREYLIST, "451 4.5.0", 0},
	{"451 4.5.1 Invalid command", R, SMTP_M_UNDECIDED, "451 4.5.1", 0},
	{"452 4.6.0 Other or undefined media error", R, SMTP_M_UNDECIDED, "452 4.6.0", 0},
	{"554 5.3.4 Message too big for system", R, SMTP_M_UNDECIDED, "554 5.3.4", 0},
	{"550 5.4.4 Unable to route", R, SMTP_M_UNDECIDED, "550 5.4.4", 0},
	{"554 5.6.0 Other or undefined media error", R, SMTP_M_UNDECIDED, "554 5.6.0", 0},
	{"550 5.7.1 Delivery not authorized, message refused", R, SMTP_M_BLOCKED, "550 5.7.1", 0},
	{"553 5.1.8 Bad sender's system address", M, SMTP_M_BLOCKED, "553 5.1.8", 0},
	{"550 5.7.1 Delivery not authorized", M, SMTP_M_BLOCKED, "550 5.7.1", 0},
	{"501 5.1.7 Bad sender's mailbox address syntax", R, SMTP_M_BLOCKED, "501 5.1.7", 0},
	{"451 4.3.0 Other or undefined mail system status", R, SMTP_M_GREYLIST, "451 4.3.0", 0},
	{"452 4.3.1 Mail system full", R, SMTP_M_UNDECIDED, "452 4.3.1", 0},
	{"452 4.3.1 Insufficient system storage", M, SMTP_M_UNDECIDED, "452 4.3.1", 0},
	/* The "other or undefined" statuses defer to the basic code and text. */
	{"550 5.0.0 <nobody@example.com>... User unknown", R, SMTP_M_NO_MAILBOX, "550 5.0.0", 0},
	{"550 5.2.0 Mailbox unavailable", R, SMTP_M_UNDECIDED, "550 5.2.0", 0},
	{"550 5.0.0 Command rejected", R, SMTP_M_UNDECIDED, "550 5.0.0", 0},
	/* RFC 7504 3: 521 and 556; RFC 7505 4.2: 556 5.1.10 for a null MX. */
	{"521 5.3.2 mx.example.com does not accept mail", B, SMTP_M_BLOCKED, "521 5.3.2", 0},
	{"521 mx.example.com does not accept mail", R, SMTP_M_BLOCKED, "521", 0},
	{"556 5.1.10 Recipient address has null MX", R, SMTP_M_NO_MAILBOX, "556 5.1.10", 0},
	{"556 Domain does not accept mail", R, SMTP_M_NO_MAILBOX, "556", 0},
	/* RFC 3207 4: STARTTLS refused or required; RFC 4954 6: the same 530
	 * 5.7.0 asks for authentication, which is a block to a prober. */
	{"454 4.7.0 TLS not available due to temporary reason", S, SMTP_M_UNDECIDED, "454 4.7.0", 0},
	{"501 5.5.4 Syntax error (no parameters allowed)", S, SMTP_M_UNDECIDED, "501 5.5.4", 0},
	{"220 2.0.0 Ready to start TLS", S, SMTP_M_OK, "220 2.0.0", 0},
	{"530 5.7.0 Must issue a STARTTLS command first", M, SMTP_M_TLS_NEEDED, "530 5.7.0", 0},
	{"530 5.7.0 Must issue a STARTTLS command first", R, SMTP_M_TLS_NEEDED, "530 5.7.0", 0},
	{"530 5.7.0 Must issue a STARTTLS command first", E, SMTP_M_TLS_NEEDED, "530 5.7.0", 0},
	{"530 Must issue a STARTTLS command first", M, SMTP_M_TLS_NEEDED, "530", 0},
	{"530 5.7.0 Authentication required", M, SMTP_M_BLOCKED, "530 5.7.0", 0},
	{"530 5.7.0 Authentication required", R, SMTP_M_BLOCKED, "530 5.7.0", 0},
	/* RFC 5321 4.5.3.1.10: 452 too many recipients, or 552 of old. */
	{"452 4.5.3 Too many recipients", R, SMTP_M_TOO_MANY, "452 4.5.3", 0},
	{"452 Too many recipients", R, SMTP_M_TOO_MANY, "452", 0},
	{"552 Too many recipients", R, SMTP_M_TOO_MANY, "552", 0},
	{"550 5.5.3 Too many recipients", R, SMTP_M_TOO_MANY, "550 5.5.3", 0},
	/* A mailbox full for now (RFC 3463 3.3: "persistent transient"). */
	{"452 4.2.2 Mailbox full", R, SMTP_M_FULL, "452 4.2.2", 0},
	{"452 Mailbox full, try again later", R, SMTP_M_FULL, "452", 0},
	{"452 Requested action not taken: insufficient system storage", R, SMTP_M_UNDECIDED, "452",
	 0},
	{"450 Requested mail action not taken: mailbox unavailable", R, SMTP_M_GREYLIST, "450", 0},
	{"451 Requested action aborted: local error in processing", R, SMTP_M_GREYLIST, "451", 0},
	{"450 4.4.2 Bad connection", R, SMTP_M_UNDECIDED, "450 4.4.2", 0},
	{"550 5.7.0 Mail rejected", E, SMTP_M_BLOCKED, "550 5.7.0", 0},
	{"450 4.7.1 Please try later", E, SMTP_M_NEXT_HOST, "450 4.7.1", 0},
	{"450 4.7.1 Please try later", B, SMTP_M_NEXT_HOST, "450 4.7.1", 0},
	{"451 4.7.1 Please try later", M, SMTP_M_GREYLIST, "451 4.7.1", 0},
	{"451 4.3.5 Server configuration problem", M, SMTP_M_UNDECIDED, "451 4.3.5", 0},

	/* ---- Postfix: postconf(5) (unknown_local_recipient_reject_code,
	 * unknown_virtual_mailbox_reject_code, default_rbl_reply,
	 * relay_domains_reject_code, smtpd_recipient_limit,
	 * address_verify_*), SMTPD_ACCESS_README, TLS_README ---- */
	{"550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local "
	 "recipient table",
	 R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual "
	 "mailbox table",
	 R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"554 5.7.1 <user@example.com>: Relay access denied", R, SMTP_M_BLOCKED, "554 5.7.1", 0},
	{"554 Relay access denied", R, SMTP_M_BLOCKED, "554", 0},
	{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
	 "https://www.spamhaus.org/query/ip/192.0.2.1",
	 R, SMTP_M_BLOCKED, "554 5.7.1", 0},
	/* A block list wins over the mailbox words and codes. */
	{"550 5.1.1 <user@example.com>: Recipient address rejected: User unknown; Client host "
	 "[192.0.2.1] blocked using zen.spamhaus.org",
	 R, SMTP_M_BLOCKED, "550 5.1.1", 0},
	{"550 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net; user "
	 "unknown",
	 R, SMTP_M_BLOCKED, "550", 0},
	{"550 5.7.1 Your IP 192.0.2.1 is listed at dnsbl.example.net", R, SMTP_M_BLOCKED,
	 "550 5.7.1", 0},
	{"550 Your IP 192.0.2.1 is listed at dnsbl.example.net, user unknown", R, SMTP_M_BLOCKED,
	 "550", 0},
	{"550 5.1.1 User not listed in the directory", R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", R,
	 SMTP_M_BLOCKED, "450 4.7.1", 0},
	{"554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied", R, SMTP_M_BLOCKED,
	 "554 5.7.1", 0},
	{"504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", R,
	 SMTP_M_BLOCKED, "504 5.5.2", 0},
	{"450 4.1.8 <probe@example.org>: Sender address rejected: Domain not found", R,
	 SMTP_M_BLOCKED, "450 4.1.8", 0},
	{"553 5.1.8 <probe@example.org>: Sender address rejected: Domain not found", M,
	 SMTP_M_BLOCKED, "553 5.1.8", 0},
	{"450 4.1.1 <user@example.com>: Recipient address rejected: unverified address: host "
	 "mx.example.com[192.0.2.2] said: 450 4.7.1 try again",
	 R, SMTP_M_GREYLIST, "450 4.1.1", 0},
	{"452 4.5.3 Error: too many recipients", R, SMTP_M_TOO_MANY, "452 4.5.3", 0},
	{"554 5.7.1 <probe@example.org>: Sender address rejected: Access denied", M, SMTP_M_BLOCKED,
	 "554 5.7.1", 0},
	{"250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-STARTTLS\n250-ENHANCEDSTATUS"
	 "CODES\n250-8BITMIME\n250 CHUNKING",
	 E, SMTP_M_OK, "250", 0},

	/* ---- postgrey: its documented reply, "Greylisted, see URL"
	 * (postgrey(8), --greylist-text; Postfix adds "4.2.0" from
	 * its own 450 reply of check_policy_service's DEFER_IF_PERMIT) ---- */
	{"450 4.2.0 <user@example.com>: Recipient address rejected: Greylisted, see "
	 "http://postgrey.schweikert.ch/help/example.com.html",
	 R, SMTP_M_GREYLIST, "450 4.2.0", 0},
	{"450 4.2.0 <user@example.com>: Recipient address rejected: Greylisted for 300 seconds "
	 "(see http://isg.ee.ethz.ch/tools/postgrey/help/example.com.html)",
	 R, SMTP_M_GREYLIST, "450 4.2.0", 300},
	/* A milter greylister's "451 4.7.1 Service unavailable - try again
	 * later" (Plesk's greylisting, its support article on delays). */
	{"451 4.7.1 Service unavailable - try again later", R, SMTP_M_GREYLIST, "451 4.7.1", 0},

	/* ---- Exim: the spec's default answers (chapters "Access control
	 * lists" and "The default configuration file": verify = recipient
	 * fails with "Unrouteable address", a DNS list with the example
	 * message "rejected because ... is in a black list at ...",
	 * recipients_max's 452), and the greylisting ACL examples that defer
	 * with a message naming the wait ---- */
	{"550 Unrouteable address", R, SMTP_M_NO_MAILBOX, "550", 0},
	/* Sender verification (its spec's "Sender verification" with a
	 * callout): the host quotes what our sender's domain said of our
	 * MAIL FROM; a refusal of us, not of the recipient. */
	{"550-Verification failed for <verify@acme.example>\n"
	 "550-Called:   192.0.2.10\n"
	 "550-Sent:     RCPT TO:<verify@acme.example>\n"
	 "550-Response: 550 5.1.1 <verify@acme.example>: Recipient address rejected: User "
	 "unknown\n"
	 "550 Sender verify failed",
	 R, SMTP_M_BLOCKED, "550", 0},
	{"550 relay not permitted", R, SMTP_M_BLOCKED, "550", 0},
	{"550 Rejected because 192.0.2.1 is in a black list at zen.spamhaus.org", R, SMTP_M_BLOCKED,
	 "550", 0},
	{"452 too many recipients", R, SMTP_M_TOO_MANY, "452", 0},
	{"451 You have been greylisted. This is part of our standard anti-spam measures and your "
	 "mail system should automatically try again later. We will accept this mail from you in "
	 "5 minutes.",
	 R, SMTP_M_GREYLIST, "451", 300},
	{"451 192.0.2.1 is not yet authorized to deliver mail from <probe@example.org> to "
	 "<user@example.com>. Please try later.",
	 R, SMTP_M_GREYLIST, "451", 0},
	{"451-You have been greylisted.\n451 Please retry in 2 min.", R, SMTP_M_GREYLIST, "451",
	 120},

	/* ---- Exchange and Microsoft 365: learn.microsoft.com, "Email
	 * non-delivery reports and SMTP errors in Exchange Online" and the
	 * pages of each code (5.1.10, 5.4.1, 5.7.606-649, 4.7.650), and
	 * Exchange Server's receive connector replies ---- */
	/* Outlook.com's answer for an unknown user, but the code names the
	 * protocol, and it is also reported for mailboxes that exist. */
	{"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). "
	 "[DB5EUR03FT064.eop-EUR03.prod.protection.outlook.com]",
	 R, SMTP_M_UNDECIDED, "550 5.5.0", 0},
	{"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", R,
	 SMTP_M_NO_MAILBOX, "550 5.1.10", 0},
	{"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
	 "[DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]",
	 R, SMTP_M_NO_MAILBOX, "550 5.4.1", 0},
	{"550 5.4.1 Relay Access Denied", R, SMTP_M_UNDECIDED, "550 5.4.1", 0},
	{"550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this "
	 "list please visit https://sender.office.com/ and follow the directions.",
	 R, SMTP_M_BLOCKED, "550 5.7.606", 0},
	{"451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP "
	 "reputation.",
	 R, SMTP_M_BLOCKED, "451 4.7.650", 0},
	{"550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To "
	 "request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 "
	 "AS(1450)",
	 R, SMTP_M_BLOCKED, "550 5.7.1", 0},
	{"550 5.2.2 mailbox full", R, SMTP_M_FULL, "550 5.2.2", 0},
	{"550 5.2.1 The mailbox is disabled", R, SMTP_M_DISABLED, "550 5.2.1", 0},
	/* Exchange Server's "451 5.7.3 STARTTLS is required to send mail":
	 * its class (5) is not its code's (4), so the enhanced code is
	 * ignored; the text still asks for TLS. */
	{"451 5.7.3 STARTTLS is required to send mail [mx.example.com]", M, SMTP_M_TLS_NEEDED,
	 "451", 0},
	{"452 4.5.3 Too many recipients", M, SMTP_M_UNDECIDED, "452 4.5.3", 0},

	/* ---- Google: support.google.com/a/answer/3726730, "Gmail SMTP
	 * errors and codes" ---- */
	{"550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
	 "550-5.1.1 double-checking the recipient's email address for typos or\n"
	 "550-5.1.1 unnecessary spaces. For more information, go to\n"
	 "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser - gsmtp",
	 R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},
	{"550-5.2.1 The email account that you tried to reach is disabled.\n"
	 "550 5.2.1  https://support.google.com/mail/?p=DisabledUser - gsmtp",
	 R, SMTP_M_DISABLED, "550 5.2.1", 0},
	{"452-4.2.2 The email account that you tried to reach is over quota. Please direct\n"
	 "452 4.2.2 the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
	 R, SMTP_M_FULL, "452 4.2.2", 0},
	{"552-5.2.2 The email account that you tried to reach is over quota and inactive.\n"
	 "552 5.2.2  https://support.google.com/mail/?p=OverQuotaPerm - gsmtp",
	 R, SMTP_M_FULL, "552 5.2.2", 0},
	{"450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please\n"
	 "450 4.2.1 resend your message at a later time. - gsmtp",
	 R, SMTP_M_GREYLIST, "450 4.2.1", 0},
	{"550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send email\n"
	 "550-5.7.1 directly to our servers. Please use the SMTP relay at your service\n"
	 "550 5.7.1 provider instead. - gsmtp",
	 R, SMTP_M_BLOCKED, "550 5.7.1", 0},
	{"421-4.7.0 Our system has detected an unusual rate of unsolicited mail originating from\n"
	 "421 4.7.0 your IP address. - gsmtp",
	 R, SMTP_M_NEXT_HOST, "421 4.7.0", 0},
	{"421 4.7.0 TLS required for RCPT domain, closing connection. - gsmtp", R, SMTP_M_NEXT_HOST,
	 "421 4.7.0", 0},
	{"451 4.3.0 Mail server temporarily rejected message. - gsmtp", R, SMTP_M_GREYLIST,
	 "451 4.3.0", 0},
	{"452 4.5.3 Your message has too many recipients. - gsmtp", R, SMTP_M_TOO_MANY, "452 4.5.3",
	 0},
	{"220 mx.google.com ESMTP - gsmtp", B, SMTP_M_OK, "220", 0},

	/* ---- Proofpoint: its Dynamic Reputation rejections, pointing at
	 * ipcheck.proofpoint.com (Proofpoint's IP and Domain Reputation
	 * Center) ---- */
	{"554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", B, SMTP_M_BLOCKED,
	 "554 5.7.0", 0},
	{"554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", R, SMTP_M_BLOCKED,
	 "554 5.7.0", 0},
	{"550 5.1.1 User Unknown", R, SMTP_M_NO_MAILBOX, "550 5.1.1", 0},

	/* ---- Mimecast: its "Mimecast SMTP Error Codes" knowledge article
	 * (451 is its greylisting; no enhanced codes) ---- */
	{"550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550", R,
	 SMTP_M_NO_MAILBOX, "550", 0},
	{"451 Internal resource temporarily unavailable - "
	 "https://community.mimecast.com/docs/DOC-1369#451",
	 R, SMTP_M_GREYLIST, "451", 0},
	{"550 Administrative prohibition - envelope blocked", R, SMTP_M_BLOCKED, "550", 0},
	{"421 Sender address blocked", B, SMTP_M_NEXT_HOST, "421", 0},

	/* ---- Yahoo: its "SMTP error codes" page for senders
	 * (senders.yahooinc.com) and its help page "Email sent to Yahoo Mail
	 * addresses is rejected" (help.yahoo.com, SLN3444) ---- */
	{"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume "
	 "or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	 M, SMTP_M_NEXT_HOST, "421 4.7.0", 0},
	{"553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in "
	 "Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
	 B, SMTP_M_BLOCKED, "553 5.7.1", 0},
	{"554 delivery error: dd This user doesn't have a yahoo.com account (user@yahoo.com) [0] - "
	 "mta1234.mail.gq1.yahoo.com",
	 R, SMTP_M_NO_MAILBOX, "554", 0},
	{"554 delivery error: dd Sorry, your message to user@yahoo.com cannot be delivered. This "
	 "account is over quota.",
	 R, SMTP_M_FULL, "554", 0},
	{"421 Resources temporarily unavailable. Please try again later.", R, SMTP_M_NEXT_HOST,
	 "421", 0},
	{"451 Message temporarily deferred - [160]", R, SMTP_M_GREYLIST, "451", 0},
};

static void test_vectors(void **state)
{
	(void)state;
	struct lg_buf buf = LG_BUF_INIT;
	size_t bad = 0;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vec *v = &vectors[i];
		struct smtp_reply r;
		char brief[16];
		parse(v->reply, &r, &buf);
		enum smtp_meaning got = smtp_reply_classify(v->ph, &r);
		smtp_reply_brief(&r, brief, sizeof(brief));
		if (got != v->want || strcmp(brief, v->brief) != 0 || r.delay_s != v->delay_s) {
			print_error(
				"vector %zu, phase %d: \"%s\": %s \"%s\" %u, want %s \"%s\" %u\n",
				i, (int)v->ph, v->reply, meaning_name(got), brief, r.delay_s,
				meaning_name(v->want), v->brief, v->delay_s);
			bad++;
		}
	}
	lg_buf_release(&buf);
	assert_int_equal(bad, 0);
}

/* RFC 5321 4.2.1: "250-" lines, then "250 "; a bare "250" ends one too. */
static void test_multiline(void **state)
{
	(void)state;
	struct lg_buf buf = LG_BUF_INIT;
	struct smtp_reply r = {0};
	assert_int_equal(smtp_reply_line(&r, &buf, "250-mx.example.com", 18), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "250-SIZE 1000", 13), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "250", 3), 1);
	assert_int_equal(r.code, 250);
	assert_false(r.has_enh);
	assert_int_equal(r.text_len, strlen("mx.example.com\nSIZE 1000\n"));
	assert_memory_equal(r.text, "mx.example.com\nSIZE 1000\n", r.text_len);

	/* "250-" with nothing after it, then the last line. */
	memset(&r, 0, sizeof(r));
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "250-", 4), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "250 ok", 6), 1);
	assert_int_equal(r.text_len, 3);
	assert_memory_equal(r.text, "\nok", 3);

	/* The enhanced code of each line is taken out of the text. */
	memset(&r, 0, sizeof(r));
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "550-5.1.1 first", 15), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "550 5.1.1 second", 16), 1);
	assert_true(r.has_enh);
	assert_int_equal(r.enh[0], 5);
	assert_int_equal(r.enh[1], 1);
	assert_int_equal(r.enh[2], 1);
	assert_int_equal(r.text_len, strlen("first\nsecond"));
	assert_memory_equal(r.text, "first\nsecond", r.text_len);

	/* Only the first line has one: it is kept. */
	memset(&r, 0, sizeof(r));
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "452-4.5.3 Too many", 18), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "452 recipients", 14), 1);
	assert_true(r.has_enh);
	assert_int_equal(r.enh[1], 5);
	assert_int_equal(r.enh[2], 3);
	assert_int_equal(smtp_reply_classify(SMTP_PH_RCPT, &r), SMTP_M_TOO_MANY);

	/* The lines are not NUL-terminated: only len bytes count. */
	memset(&r, 0, sizeof(r));
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "550 5.1.1 gone and more", 9), 1);
	assert_true(r.has_enh);
	assert_int_equal(r.enh[2], 1);
	assert_int_equal(r.text_len, 0);
	lg_buf_release(&buf);
}

/* Lines that are no reply lines: -1, a protocol error. */
static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",        "2",        "25",      "abc",     "25O ok",       "150 ok",
		"600 ok",  "099 ok",   "250ok",   "250\tok", "2500 ok",      "250_ok",
		" 250 ok", "\r250 ok", "-250 ok", "x",       "\xff\xfe\xfd",
	};
	struct lg_buf buf = LG_BUF_INIT;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct smtp_reply r = {0};
		lg_buf_reset(&buf);
		if (smtp_reply_line(&r, &buf, bad[i], strlen(bad[i])) != -1)
			fail_msg("\"%s\" is taken as a reply line", bad[i]);
	}

	/* The code changes between lines (4.2.1 forbids it). */
	struct smtp_reply r = {0};
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "250-first", 9), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "550 second", 10), -1);

	/* A NUL inside a line is text like any byte. */
	memset(&r, 0, sizeof(r));
	lg_buf_reset(&buf);
	assert_int_equal(smtp_reply_line(&r, &buf, "550 a\0b user unknown", 20), 1);
	assert_int_equal(r.text_len, 16);
	assert_int_equal(smtp_reply_classify(SMTP_PH_RCPT, &r), SMTP_M_NO_MAILBOX);
	lg_buf_release(&buf);
}

/* RFC 3463 2 and RFC 2034 3: what counts as an enhanced code. */
static void test_enhanced(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		bool has;
		unsigned s, d;
		const char *text;
	} v[] = {
		{"550 5.1.1 user unknown", true, 1, 1, "user unknown"},
		{"550 5.1.1", true, 1, 1, ""},
		{"550  5.1.1  two spaces", true, 1, 1, "two spaces"},
		{"550 5.7.606 banned", true, 7, 606, "banned"},
		{"550 5.999.999 odd", true, 999, 999, "odd"},
		{"550 5.1234.1 too long", false, 0, 0, "5.1234.1 too long"},
		{"550 5.1.1234 too long", false, 0, 0, "5.1.1234 too long"},
		{"550 4.1.1 class is not the code's", false, 0, 0, "4.1.1 class is not the code's"},
		{"450 5.1.1 class is not the code's", false, 0, 0, "5.1.1 class is not the code's"},
		{"550 5.1.1x no space", false, 0, 0, "5.1.1x no space"},
		{"550 5.1.1: colon", false, 0, 0, "5.1.1: colon"},
		{"550 5.1 two parts", false, 0, 0, "5.1 two parts"},
		{"550 5..1 empty", false, 0, 0, "5..1 empty"},
		{"550 5.1. empty", false, 0, 0, "5.1. empty"},
		{"550 x 5.1.1 not first", false, 0, 0, "x 5.1.1 not first"},
		{"250 2.0.0 Ok", true, 0, 0, "Ok"},
		{"221 2.0.0 Bye", true, 0, 0, "Bye"},
		{"354 3.0.0 no class 3", false, 0, 0, "3.0.0 no class 3"},
	};
	struct lg_buf buf = LG_BUF_INIT;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct smtp_reply r = {0};
		lg_buf_reset(&buf);
		assert_int_equal(smtp_reply_line(&r, &buf, v[i].line, strlen(v[i].line)), 1);
		if (r.has_enh != v[i].has ||
		    (v[i].has && (r.enh[1] != v[i].s || r.enh[2] != v[i].d)) ||
		    r.text_len != strlen(v[i].text) || memcmp(r.text, v[i].text, r.text_len) != 0)
			fail_msg("\"%s\": has_enh %d %u.%u.%u, text \"%.*s\"", v[i].line, r.has_enh,
				 r.enh[0], r.enh[1], r.enh[2], (int)r.text_len, r.text);
		if (!v[i].has)
			assert_true(r.enh[0] == 0 && r.enh[1] == 0 && r.enh[2] == 0);
	}
	lg_buf_release(&buf);
}

/* Retry delays named in the text, at most a day. */
static void test_delay(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		uint32_t delay;
	} v[] = {
		{"451 4.7.1 try again in 300 seconds", 300},
		{"450 4.7.1 retry in 5 minutes", 300},
		{"450 4.2.0 Greylisted for 60 seconds", 60},
		{"451 please retry after 2 min", 120},
		{"451 please retry after 2 mins", 120},
		{"451 please retry after 90 secs", 90},
		{"451 please retry after 90 sec.", 90},
		{"451 Greylisted, wait 45s", 45},
		{"451 Try again in 1 hour", 3600},
		{"451 Try again in 2 hours", 7200},
		{"451 TRY AGAIN IN 10 MINUTES", 600},
		{"451 try again in 3 days", 0},                     /* no unit we read */
		{"451 try again in 30 hours", 86400},               /* at most a day */
		{"451 try again in 99999999999999999999 s", 86400}, /* no overflow */
		{"451 try again in 0 seconds", 0},
		{"451 try again in 0 seconds or in 20 seconds", 20},
		{"451 try again later", 0},
		{"451 try again in 5", 0},
		{"451 try again in 5.5 minutes", 0},
		{"451 4.7.1 see RFC 5321 section 4.5.4.1", 0},
		{"451 queued in 2026", 0},
		{"451 in 5 mailboxes", 0},
		{"451 begin 5 minutes", 0}, /* "in" inside a word is no lead */
		{"451 for5 minutes", 0},
		{"451 try again in  15  minutes", 900},
	};
	struct lg_buf buf = LG_BUF_INIT;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct smtp_reply r = {0};
		lg_buf_reset(&buf);
		assert_int_equal(smtp_reply_line(&r, &buf, v[i].line, strlen(v[i].line)), 1);
		if (r.delay_s != v[i].delay)
			fail_msg("\"%s\": delay %u, want %u", v[i].line, r.delay_s, v[i].delay);
	}
	lg_buf_release(&buf);
}

/* A server that never ends its reply: the text is cut, the reply read. */
static void test_long_reply(void **state)
{
	(void)state;
	struct lg_buf buf = LG_BUF_INIT;
	struct smtp_reply r = {0};
	char line[1000];
	memset(line, 'a', sizeof(line));
	memcpy(line, "250-", 4);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(smtp_reply_line(&r, &buf, line, sizeof(line)), 0);
	assert_int_equal(smtp_reply_line(&r, &buf, "250 2.0.0 end", 13), 1);
	assert_true(r.text_len <= 4096);
	assert_true(r.text_len >= 1000);
	assert_true(buf.cap <= 8192);
	assert_true(r.has_enh);
	assert_int_equal(smtp_reply_classify(SMTP_PH_EHLO, &r), SMTP_M_OK);
	lg_buf_release(&buf);
}

static void test_brief(void **state)
{
	(void)state;
	struct lg_buf buf = LG_BUF_INIT;
	struct smtp_reply r = {0};
	char out[16];
	assert_int_equal(smtp_reply_brief(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(smtp_reply_line(&r, &buf, "550 5.999.999 x", 15), 1);
	assert_int_equal(smtp_reply_brief(&r, out, sizeof(out)), 13);
	assert_string_equal(out, "550 5.999.999");
	char small[5];
	assert_int_equal(smtp_reply_brief(&r, small, sizeof(small)), 4);
	assert_string_equal(small, "550 ");
	lg_buf_release(&buf);
}

static void test_outcome_name(void **state)
{
	(void)state;
	assert_string_equal(smtp_outcome_name(SMTP_PENDING), "pending");
	assert_string_equal(smtp_outcome_name(SMTP_CATCH_ALL), "catch_all");
	assert_string_equal(smtp_outcome_name(SMTP_NO_MAILBOX), "no_mailbox");
	assert_string_equal(smtp_outcome_name(SMTP_FULL), "mailbox_full");
	assert_string_equal(smtp_outcome_name(SMTP_GREYLISTED), "greylisted");
	assert_string_equal(smtp_outcome_name(SMTP_NOT_PROBED), "not_probed");
	assert_string_equal(smtp_outcome_name(SMTP_OUTCOME_COUNT), "?");
	/* Every outcome has its own name. */
	for (int i = 0; i < SMTP_OUTCOME_COUNT; i++)
		for (int j = i + 1; j < SMTP_OUTCOME_COUNT; j++)
			assert_string_not_equal(smtp_outcome_name((enum smtp_outcome)i),
						smtp_outcome_name((enum smtp_outcome)j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),   cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_malformed), cmocka_unit_test(test_enhanced),
		cmocka_unit_test(test_delay),     cmocka_unit_test(test_long_reply),
		cmocka_unit_test(test_brief),     cmocka_unit_test(test_outcome_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
