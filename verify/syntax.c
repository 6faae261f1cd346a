/*
 * syntax.c - the address scanner: Unicode checks, the separating @, the
 * local part (RFC 5321 4.1.2 Dot-string / Quoted-string, RFC 5322 3.2.3
 * atext, RFC 6531 3.3 UTF8-non-ascii).
 *
 * A hand-written scanner rather than a pattern, because every way an
 * address can fail has its own reason code and the first failure found,
 * left to right, is the one reported.
 */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* RFC 5322 3.2.3 atext, less ALPHA and DIGIT. */
static const char atext_specials[] = "!#$%&'*+-/=?^_`{|}~";

static bool is_atext(unsigned char c)
{
	if (lg_ascii_is_alpha(c) || lg_ascii_is_digit(c) || c >= 0x80)
		return true;
	return c && strchr(atext_specials, c) != NULL;
}

/* Normalize [s, s+n) with nf into out (replacing its content). */
static void normalize(uninorm_t nf, const char *s, size_t n, struct lg_buf *out)
{
	size_t len = 0;
	uint8_t *r = u8_normalize(nf, (const uint8_t *)s, n, NULL, &len);
	lg_buf_reset(out);
	if (!r)
		lg_die_oom(0); /* only ENOMEM: the input was checked to be valid UTF-8 */
	lg_buf_add(out, r, len);
	free(r);
}

/* A Unicode space, control, format, unassigned or default-ignorable code
 * point: what no address may hold (syntax.invisible). */
static bool invisible(ucs4_t uc)
{
	return uc >= 0x80 && (uc_is_general_category(uc, UC_CATEGORY_Z) ||
			      uc_is_general_category(uc, UC_CATEGORY_C) ||
			      uc_is_property_default_ignorable_code_point(uc));
}

size_t syntax_invisible_len(const char *s, size_t n, bool at_end)
{
	const uint8_t *p = (const uint8_t *)s;
	ucs4_t uc;
	if (!n)
		return 0;
	if (at_end) {
		const uint8_t *prev = u8_prev(&uc, p + n, p);
		return prev && invisible(uc) ? (size_t)(p + n - prev) : 0;
	}
	int k = u8_mbtoucr(&uc, p, n);
	return k > 0 && invisible(uc) ? (size_t)k : 0;
}

enum verify_reason syntax_unicode(const char *s, size_t n, struct lg_buf *nfc)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + n;

	if (u8_check(p, n))
		return VERIFY_R_UTF8;
	while (p < end) {
		ucs4_t uc;
		p += u8_mbtouc_unsafe(&uc, p, (size_t)(end - p));
		if (uc < 0x80)
			continue;
		if (invisible(uc))
			return VERIFY_R_INVISIBLE;
		/* Ideographic full stops: NFKC-stable, but UTS 46 maps them to "." */
		if (uc == 0x3002 || uc == 0xFF61)
			return VERIFY_R_CONFUSABLE;
	}

	/* A compatibility character (fullwidth @, ligature, superscript ...)
	 * differs between NFKC and NFC.  Reject it: repairing it would make a
	 * different address from the one in the cell. */
	struct lg_buf nfkc = LG_BUF_INIT;
	normalize(UNINORM_NFC, s, n, nfc);
	normalize(UNINORM_NFKC, s, n, &nfkc);
	bool same = nfkc.len == nfc->len && !memcmp(nfkc.data, nfc->data, nfc->len);
	lg_buf_release(&nfkc);
	return same ? VERIFY_R_OK : VERIFY_R_CONFUSABLE;
}

/* A quoted local part starting at s[0] == '"'.  On success *close is the
 * index of the closing quote. */
static enum verify_reason scan_quoted(const char *s, size_t n, size_t *close, bool *utf8)
{
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			*close = i;
			return VERIFY_R_OK;
		}
		if (c == '\\') {
			/* RFC 5321 quoted-pairSMTP: backslash and %d32-126 */
			if (i + 1 >= n)
				return VERIFY_R_QUOTED;
			unsigned char e = (unsigned char)s[++i];
			if (e < 32 || e > 126)
				return VERIFY_R_QUOTED;
			continue;
		}
		if (c >= 0x80) {
			*utf8 = true;
			continue;
		}
		if (c < 32 || c == 127)
			return VERIFY_R_QUOTED;
	}
	return VERIFY_R_QUOTED; /* unterminated */
}

static enum verify_reason scan_dot_atom(const char *s, size_t n, bool *utf8)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (i == 0 || i == n - 1 || s[i + 1] == '.')
				return VERIFY_R_LOCAL_DOT;
			continue;
		}
		if (c >= 0x80)
			*utf8 = true;
		if (is_atext(c))
			continue;
		if (c == '(' || c == ')')
			return VERIFY_R_COMMENT;
		if (c == '"')
			return VERIFY_R_OBSOLETE;
		return VERIFY_R_LOCAL_CHAR;
	}
	return VERIFY_R_OK;
}

enum verify_reason syntax_local(const char *s, size_t n, struct syntax_split *sp)
{
	memset(sp, 0, sizeof(*sp));

	if (n && s[0] == '"') {
		size_t close = 0;
		enum verify_reason r = scan_quoted(s, n, &close, &sp->utf8);
		if (r != VERIFY_R_OK)
			return r;
		if (close + 1 >= n || s[close + 1] != '@')
			return memchr(s + close + 1, '@', n - close - 1) ? VERIFY_R_OBSOLETE
									 : VERIFY_R_NO_AT;
		sp->quoted = true;
		sp->local = s;
		sp->local_len = close + 1;
		sp->domain = s + close + 2;
		sp->domain_len = n - close - 2;
		if (close == 1)
			return VERIFY_R_LOCAL_EMPTY;
		if (sp->local_len > VERIFY_LOCAL_MAX)
			return VERIFY_R_LOCAL_TOO_LONG;
		return VERIFY_R_OK;
	}

	const char *at = memrchr(s, '@', n);
	if (!at)
		return VERIFY_R_NO_AT;
	sp->local = s;
	sp->local_len = (size_t)(at - s);
	sp->domain = at + 1;
	sp->domain_len = n - sp->local_len - 1;
	if (sp->local_len == 0)
		return VERIFY_R_LOCAL_EMPTY;
	if (sp->local_len > VERIFY_LOCAL_MAX)
		return VERIFY_R_LOCAL_TOO_LONG;
	return scan_dot_atom(sp->local, sp->local_len, &sp->utf8);
}

bool syntax_one_edit(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0;

	if (alen == blen) {
		while (i < alen && a[i] == b[i])
			i++;
		if (i == alen)
			return false; /* equal */
		if (!memcmp(a + i + 1, b + i + 1, alen - i - 1))
			return true; /* substitution */
		return i + 1 < alen && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		       !memcmp(a + i + 2, b + i + 2, alen - i - 2); /* transposition */
	}
	if (alen + 1 == blen || blen + 1 == alen) {
		const char *s = alen < blen ? a : b, *l = alen < blen ? b : a;
		size_t sn = alen < blen ? alen : blen;
		while (i < sn && s[i] == l[i])
			i++;
		return !memcmp(s + i, l + i + 1, sn - i); /* insertion / deletion */
	}
	return false;
}

void syntax_dup_key(const char *s, size_t n, struct lg_buf *key)
{
	bool ascii = true;
	for (size_t i = 0; i < n && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	if (!ascii && !u8_check((const uint8_t *)s, n)) {
		normalize(UNINORM_NFC, s, n, key);
		s = key->data;
		n = key->len;
	} else {
		lg_buf_reset(key);
		lg_buf_grow(key, n);
	}
	lg_ascii_lower_copy(key->data, s, n);
	key->len = n;
	key->data[n] = '\0';
}

void syntax_fold_local(const char *s, size_t n, struct lg_buf *out)
{
	bool ascii = true;
	for (size_t i = 0; i < n && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	if (ascii) {
		lg_buf_grow(out, n);
		lg_ascii_lower_copy(out->data + out->len, s, n);
		out->len += n;
		out->data[out->len] = '\0';
		return;
	}
	size_t len = 0;
	uint8_t *f = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFC, NULL, &len);
	if (!f)
		lg_die_oom(0); /* only ENOMEM: s was checked to be valid UTF-8 */
	lg_buf_add(out, f, len);
	free(f);
}

bool syntax_skeleton(const char *s, size_t n, struct lg_buf *out)
{
	size_t len = 0;
	uint8_t *d = u8_normalize(UNINORM_NFD, (const uint8_t *)s, n, NULL, &len);
	if (!d)
		return false;
	const uint8_t *p = d, *end = d + len;
	bool ok = true;
	lg_buf_reset(out);
	while (p < end && ok) {
		ucs4_t uc;
		p += u8_mbtouc_unsafe(&uc, p, (size_t)(end - p));
		if (uc < 0x80)
			lg_buf_addc(out, (char)uc);
		else
			ok = uc_is_general_category(uc, UC_CATEGORY_Mn); /* drop accents */
	}
	free(d);
	return ok;
}
