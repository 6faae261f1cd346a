/*
 * domain.c - everything about one domain, computed once per distinct
 * domain of a run: syntax (RFC 1035 2.3.1 letters-digits-hyphens, RFC 5321
 * 4.1.2 Domain), IDNA 2008 / UTS 46 A-labels (RFC 5891), special-use
 * names, and the free / disposable / typo classification.
 */
#include "verify_int.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

/* Special-use names that never receive mail.  Last-label suffixes: */
static const char *const special_tlds[] = {
	"test",  "invalid", "example", "localhost", /* RFC 6761 6.2-6.5 */
	"local",                                    /* RFC 6762 */
	"onion",                                    /* RFC 7686 */
	"alt",                                      /* RFC 9476 */
};
/* ... and whole names, matched with their subdomains: */
static const char *const special_names[] = {
	"example.com", "example.net", "example.org", /* RFC 6761 6.5 */
	"home.arpa",                                 /* RFC 8375 */
};

/* Does d equal s or end with "." s? */
static bool is_or_under(const char *d, size_t n, const char *s)
{
	size_t k = strlen(s);
	if (n == k)
		return !memcmp(d, s, k);
	return n > k && d[n - k - 1] == '.' && !memcmp(d + n - k, s, k);
}

bool domain_special_use(const char *d, size_t n)
{
	const char *dot = memrchr(d, '.', n);
	const char *tld = dot ? dot + 1 : d;
	size_t tn = (size_t)(d + n - tld);

	for (size_t i = 0; i < sizeof(special_tlds) / sizeof(*special_tlds); i++)
		if (strlen(special_tlds[i]) == tn && !memcmp(tld, special_tlds[i], tn))
			return true;
	for (size_t i = 0; i < sizeof(special_names) / sizeof(*special_names); i++)
		if (is_or_under(d, n, special_names[i]))
			return true;
	return false;
}

static bool is_ldh(unsigned char c)
{
	return lg_ascii_is_alpha(c) || lg_ascii_is_digit(c) || c == '-' || c >= 0x80;
}

/* Check the labels of d as written; sets *idn when IDNA must run. */
static enum verify_reason scan_labels(const char *d, size_t n, bool *idn)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.') {
			unsigned char c = (unsigned char)d[i];
			if (!is_ldh(c))
				return (c == '(' || c == ')') ? VERIFY_R_COMMENT
							      : VERIFY_R_DOMAIN_CHAR;
			if (c >= 0x80)
				*idn = true;
			continue;
		}
		size_t len = i - start;
		if (len == 0)
			return VERIFY_R_LABEL_EMPTY;
		if (len > VERIFY_LABEL_MAX)
			return VERIFY_R_LABEL_TOO_LONG;
		if (d[start] == '-' || d[i - 1] == '-')
			return VERIFY_R_LABEL_HYPHEN;
		if (len >= 4 && lg_ascii_eq(d + start, 4, "xn--", 4))
			*idn = true;
		start = i + 1;
	}
	return VERIFY_R_OK;
}

/* Label lengths of an A-label domain produced by IDNA. */
static bool labels_fit(const char *d, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (i - start > VERIFY_LABEL_MAX)
			return false;
		start = i + 1;
	}
	return true;
}

static bool in_set(const struct lg_map *m, const char *s, size_t n)
{
	return m->count && lg_map_get(m, s, n, lg_hash(s, n)) != NULL;
}

/* Is tld a public suffix on its own (no "*" rule)?  Cached per TLD. */
static bool tld_known(struct verify_ctx *ctx, const char *tld, size_t n)
{
	if (!ctx->psl)
		return true;
	uint64_t h = lg_hash(tld, n);
	bool created;
	unsigned char *v = lg_map_put(&ctx->tlds, tld, n, h, &created);
	if (created) {
		char buf[VERIFY_LABEL_MAX + 1];
		memcpy(buf, tld, n);
		buf[n] = '\0';
		*v = 1 + (psl_is_public_suffix2(ctx->psl, buf,
						PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0);
	}
	return *v == 2;
}

/* The TLD-typo rule: an unknown top-level label one edit from a common one. */
static const char *tld_typo(const char *d, size_t n, struct lg_arena *arena)
{
	static const char *const common[] = {"com", "net", "org"};
	const char *dot = memrchr(d, '.', n);
	if (!dot)
		return NULL;
	size_t keep = (size_t)(dot - d) + 1, tn = n - keep;
	for (size_t i = 0; i < sizeof(common) / sizeof(*common); i++) {
		size_t cn = strlen(common[i]);
		if (!syntax_one_edit(dot + 1, tn, common[i], cn))
			continue;
		char *s = lg_arena_alloc(arena, keep + cn + 1, 1);
		memcpy(s, d, keep);
		memcpy(s + keep, common[i], cn + 1);
		return s;
	}
	return NULL;
}

void domain_analyse(struct verify_ctx *ctx, const char *d, size_t n, struct domain_info *info,
		    struct lg_arena *arena)
{
	bool idn = false;
	enum verify_reason r;

	memset(info, 0, sizeof(*info));
	info->alabel = "";
	if (n == 0) {
		info->reason = VERIFY_R_DOMAIN_EMPTY;
		return;
	}
	if (d[0] == '[') {
		info->reason = VERIFY_R_DOMAIN_LITERAL;
		return;
	}
	r = scan_labels(d, n, &idn);
	if (r != VERIFY_R_OK) {
		info->reason = (uint16_t)r;
		return;
	}

	char *a;
	size_t an;
	if (idn) {
		char *in = lg_xmemdup(d, n), *out = NULL;
		int rc = idn2_lookup_u8((const uint8_t *)in, (uint8_t **)&out,
					IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		free(in);
		if (rc != IDN2_OK) {
			/* Too long only once converted: the length rules speak. */
			info->reason = rc == IDN2_TOO_BIG_DOMAIN  ? VERIFY_R_DOMAIN_TOO_LONG
				       : rc == IDN2_TOO_BIG_LABEL ? VERIFY_R_LABEL_TOO_LONG
								  : VERIFY_R_IDNA;
			return;
		}
		an = strlen(out);
		a = lg_arena_memdup(arena, out, an);
		free(out);
		if (!labels_fit(a, an)) {
			info->reason = VERIFY_R_LABEL_TOO_LONG;
			return;
		}
	} else {
		a = lg_arena_memdup(arena, d, n);
		an = n;
	}
	lg_ascii_lower_copy(a, a, an);
	info->alabel = a;
	info->alabel_len = an;

	if (an > VERIFY_DOMAIN_MAX) {
		info->reason = VERIFY_R_DOMAIN_TOO_LONG;
		return;
	}
	if (domain_special_use(a, an)) {
		info->reason = VERIFY_R_SPECIAL_USE;
		return;
	}
	const char *dot = memrchr(a, '.', an);
	if (!dot) {
		info->reason = VERIFY_R_DOMAIN_NO_DOT;
		return;
	}
	bool numeric = true;
	for (const char *p = dot + 1; p < a + an; p++)
		numeric = numeric && lg_ascii_is_digit((unsigned char)*p);
	if (numeric) {
		info->reason = VERIFY_R_TLD_NUMERIC;
		return;
	}
	info->reason = VERIFY_R_OK;

	/* Classification, on the domain and on its registrable domain
	 * (the Public Suffix List's eTLD+1: "mail.example.co.uk" ->
	 * "example.co.uk"). */
	const char *reg = NULL;
	size_t regn = 0;
	if (ctx->psl && memchr(a, '.', (size_t)(dot - a))) {
		/* Three labels or more.  A two-label domain is its own
		 * registrable domain (or a public suffix, in no list), so the
		 * PSL walk is skipped for the common case. */
		reg = psl_registrable_domain(ctx->psl, a);
		regn = reg ? an - (size_t)(reg - a) : 0;
	}
	info->org_len = (uint16_t)(reg ? regn : an);
	info->tld_known = tld_known(ctx, dot + 1, (size_t)(a + an - dot - 1));

	info->allowed = in_set(&ctx->allow, a, an) || (reg && in_set(&ctx->allow, reg, regn));
	if (in_set(&ctx->free, a, an) || (reg && in_set(&ctx->free, reg, regn)))
		info->flags |= VERIFY_F_FREE;
	if (!info->allowed &&
	    (in_set(&ctx->disposable, a, an) || (reg && in_set(&ctx->disposable, reg, regn))))
		info->flags |= VERIFY_F_DISPOSABLE;

	/* Typos are measured on ASCII: the A-label itself, or for an IDN the
	 * skeleton of its Unicode form, so that "gma\xc3\xadl.com" meets
	 * "gmail.com" (their A-labels are many edits apart). */
	info->skel = a;
	info->skel_len = an;
	if (idn) {
		char *u = NULL;
		info->skel = NULL;
		if (idn2_to_unicode_8z8z(a, &u, 0) == IDN2_OK && u) {
			struct lg_buf sk = LG_BUF_INIT;
			info->ulabel = lg_arena_memdup(arena, u, strlen(u));
			if (syntax_skeleton(u, strlen(u), &sk)) {
				info->skel = lg_arena_memdup(arena, sk.data, sk.len);
				info->skel_len = sk.len;
			}
			lg_buf_release(&sk);
		}
		free(u);
	}
	if (info->allowed || (info->flags & VERIFY_F_FREE) || !info->skel)
		return;
	const struct typo_target *t = typo_index_find(&ctx->typo, info->skel, info->skel_len,
						      info->ulabel ? info->ulabel : a, false);
	if (t)
		info->suggest_static = t->name;
	else if (!info->tld_known)
		info->suggest_static = tld_typo(a, an, arena);
}
