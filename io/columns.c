/* columns.c - which column holds the email address. */
#include "io.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/*
 * Header names of the address column in CRM and sales-tool exports, in
 * priority order, compared after folding case and dropping spaces, "_",
 * "-" and ".":  HubSpot "Email"; Salesforce Data Loader "EMAIL", reports
 * "Email"; Apollo "Email"; ZoomInfo "Email Address"; Outreach "Emails";
 * Salesloft "Email"; LinkedIn "Email Address"; Dynamics "emailaddress1";
 * Pipedrive "Person - Email".  Apollo's "Email Status" and the like do
 * not match: names are compared whole.
 */
static const char *const known[] = {
	"email",       "emailaddress", "workemail",     "businessemail", "emails", "contactemail",
	"personemail", "primaryemail", "emailaddress1", "email1",        "mail",   "personalemail",
};

static size_t fold(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t')
			continue;
		out[k++] = (char)lg_ascii_lower(c);
	}
	out[k] = '\0';
	return k;
}

static void list_headers(const struct io_row *h, struct lg_buf *b)
{
	for (size_t i = 0; i < h->n && b->len < 300; i++) {
		if (i)
			lg_buf_adds(b, ", ");
		lg_buf_addc(b, '"');
		lg_buf_add(b, h->field[i], h->len[i]);
		lg_buf_addc(b, '"');
	}
	if (!h->n)
		lg_buf_adds(b, "(none)");
}

/* The first column named name (ASCII case aside, blanks around the
 * header cell ignored), or -1. */
static long by_name(const struct io_row *h, const char *name)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < h->n; i++) {
		const char *s = h->field[i];
		size_t n = h->len[i];
		lg_ascii_trim(&s, &n);
		if (lg_ascii_eq(s, n, name, nl))
			return (long)i;
	}
	return -1;
}

/* The column with the most preferred of the known names, or -1. */
static long by_known(const struct io_row *h)
{
	long found = -1, best = (long)(sizeof(known) / sizeof(*known));
	for (size_t i = 0; i < h->n; i++) {
		char f[64];
		fold(h->field[i], h->len[i], f, sizeof(f));
		for (long k = 0; k < best; k++)
			if (!strcmp(f, known[k])) {
				best = k;
				found = (long)i;
				break;
			}
	}
	return found;
}

static bool is_number(const char *name)
{
	size_t nl = strlen(name);
	return nl && strspn(name, "0123456789") == nl;
}

long io_find_email_column(const struct io_row *h, const char *name, struct lg_err *err)
{
	struct lg_buf seen = LG_BUF_INIT;
	long found = -1;

	if (name) {
		/* A number is a column number whenever the header is that
		 * wide, even if some header is named like it: "-e 4" means
		 * the fourth column to whoever typed it. */
		long k;
		if (is_number(name) && lg_parse_long(name, 1, LONG_MAX, &k) && (size_t)k <= h->n)
			found = k - 1;
		else
			found = by_name(h, name);
		if (found < 0) {
			list_headers(h, &seen);
			lg_err_set(err, LG_EDATA, "no column named \"%s\"; the header has %s", name,
				   seen.data);
		}
		lg_buf_release(&seen);
		return found;
	}

	found = by_known(h);
	if (found < 0) {
		list_headers(h, &seen);
		lg_err_set(err, LG_EDATA,
			   "no email column (looked for Email, Email Address, E-mail, Work Email "
			   "...); "
			   "the header has %s; name it with --email-column",
			   seen.data);
		lg_buf_release(&seen);
	}
	return found;
}

bool io_header_names_email(const struct io_row *h, const char *name)
{
	if (!name)
		return by_known(h) >= 0;
	return by_name(h, name) >= 0 || (is_number(name) && by_known(h) >= 0);
}
