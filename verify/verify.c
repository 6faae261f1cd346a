/*
 * verify.c - the verdict of one address, and the list-level state:
 * duplicates and the domains frequent in the list.
 *
 * The checks run in a fixed order and the first failure is the reason;
 * leadgate(1) documents the order.  Work per row is a trim, one pass over
 * the local part and two hash lookups (domain cache, duplicate set): the
 * expensive analysis (IDNA, Public Suffix List, typo index) runs once per
 * distinct domain.
 */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

/* The duplicate set's value: the first row's verdict, in 8 bytes; a
 * million addresses cost this, their keys and the slots. */
struct addr_info {
	uint8_t status;
	uint8_t reason;
	uint16_t flags;
	uint32_t suggestion; /* index + 1 into ctx->suggestions, 0 for none */
};

/*
 * A display name around an address: `Jane Doe <jane@x.com>`,
 * `"Doe, Jane" <jane@x.com>` or a bare `<jane@x.com>`.  Group 1 is the
 * address.  Only tried on cells that contain '<'.
 */
static const char display_pattern[] =
	"^(?:\"(?:[^\"\\\\]|\\\\.)*\"|[^\"<>]*)[ \\t]*<[ \\t]*([^<>]*?)[ \\t]*>$";

static void set_from_list(struct lg_map *m, const struct verify_names *l)
{
	for (size_t i = 0; i < l->n; i++) {
		size_t n = strlen(l->item[i]);
		lg_map_put(m, l->item[i], n, lg_hash(l->item[i], n), NULL);
	}
}

struct verify_ctx *verify_ctx_new(const struct verify_policy *conf)
{
	struct verify_ctx *ctx = lg_xcalloc(1, sizeof(*ctx));

	lg_map_init(&ctx->role, 0);
	lg_map_init(&ctx->free, 0);
	lg_map_init(&ctx->disposable, 0);
	lg_map_init(&ctx->allow, 0);
	lg_map_init(&ctx->domains, sizeof(struct domain_info));
	lg_map_init(&ctx->addrs, sizeof(struct addr_info));
	lg_map_init(&ctx->tlds, 1);
	set_from_list(&ctx->role, &conf->role);
	set_from_list(&ctx->free, &conf->free);
	set_from_list(&ctx->disposable, &conf->disposable);
	set_from_list(&ctx->allow, &conf->allow);

	/* Typo targets are copied into the index's own storage (the domain
	 * map's arena), so conf may go away. */
	typo_index_init(&ctx->typo);
	for (size_t i = 0; i < conf->typo.n; i++) {
		size_t n = strlen(conf->typo.item[i]);
		const char *t = lg_arena_memdup(&ctx->domains.arena, conf->typo.item[i], n);
		typo_index_add(&ctx->typo, t, n, t, false);
	}
	ctx->typo_frequent_min = conf->typo_frequent_min ? conf->typo_frequent_min : 20;
	ctx->psl = psl_latest(NULL);

	struct lg_err rerr;
	if (lg_regex_new(&ctx->display_re, display_pattern, 0, &rerr) != LG_OK)
		BUG("the display-name pattern compiles: %s", rerr.msg);
	return ctx;
}

void verify_ctx_free(struct verify_ctx *ctx)
{
	if (!ctx)
		return;
	lg_map_release(&ctx->role);
	lg_map_release(&ctx->free);
	lg_map_release(&ctx->disposable);
	lg_map_release(&ctx->allow);
	lg_map_release(&ctx->domains);
	lg_map_release(&ctx->addrs);
	lg_map_release(&ctx->tlds);
	typo_index_release(&ctx->typo);
	free(ctx->suggestions);
	if (ctx->psl)
		psl_free((psl_ctx_t *)ctx->psl);
	lg_regex_free(ctx->display_re);
	lg_buf_release(&ctx->nfc);
	lg_buf_release(&ctx->key);
	lg_buf_release(&ctx->norm);
	lg_buf_release(&ctx->sugg);
	lg_buf_release(&ctx->dkey);
	lg_buf_release(&ctx->rep);
	lg_buf_release(&ctx->acct);
	free(ctx);
}

static void result_init(struct verify_result *out)
{
	memset(out, 0, sizeof(*out));
	out->normalized = out->suggestion = out->domain = "";
}

static void fail(struct verify_result *out, enum verify_reason r)
{
	out->reason = r;
	out->status = verify_reason_status(r);
}

static bool is_role(const struct verify_ctx *ctx, const struct syntax_split *sp)
{
	if (sp->quoted || sp->utf8 || !ctx->role.count)
		return false;
	char buf[VERIFY_LOCAL_MAX];
	size_t n = sp->local_len;
	const char *plus = memchr(sp->local, '+', n);
	if (plus)
		n = (size_t)(plus - sp->local);
	lg_ascii_lower_copy(buf, sp->local, n);
	return n && lg_map_get(&ctx->role, buf, n, lg_hash(buf, n));
}

/* A mistyped domain is rare: its suggestion against list-frequent targets
 * is settled by its first few rows, so the rows of common domains never
 * pay for the lookup. */
#define TYPO_RECHECK_MAX 3

/* The cached analysis of a domain; counted as a row of the list if list. */
static struct domain_info *domain_get(struct verify_ctx *ctx, const char *d, size_t n, bool list)
{
	lg_buf_reset(&ctx->dkey);
	lg_buf_grow(&ctx->dkey, n);
	lg_ascii_lower_copy(ctx->dkey.data, d, n);
	ctx->dkey.len = n;
	uint64_t h = lg_hash(ctx->dkey.data, n);
	bool created;
	struct domain_info *info = lg_map_put(&ctx->domains, ctx->dkey.data, n, h, &created);
	if (created) {
		domain_analyse(ctx, d, n, info, &ctx->domains.arena);
		info->typo_epoch = UINT32_MAX;
		info->canon = info;
		if (info->reason == VERIFY_R_OK &&
		    (info->alabel_len != n || memcmp(info->alabel, ctx->dkey.data, n))) {
			/* Another spelling (Unicode, A-label) of one domain: its
			 * rows count on the entry of the A-label. */
			bool fresh;
			struct domain_info *c = lg_map_put(&ctx->domains, info->alabel,
							   info->alabel_len,
							   lg_hash(info->alabel, info->alabel_len),
							   &fresh);
			if (fresh) {
				*c = *info;
				c->canon = c;
				ctx->ndomains++;
			}
			info->canon = c->canon;
		} else {
			ctx->ndomains++;
		}
	}
	info = info->canon ? info->canon : info;
	if (!list || info->reason != VERIFY_R_OK)
		return info;

	/* A domain frequent in this list becomes a typo target for the
	 * rare domains one edit from it. */
	if (++info->count == ctx->typo_frequent_min && !info->allowed && info->skel &&
	    !(info->flags & VERIFY_F_FREE) && !info->suggest_static) {
		info->target = true;
		typo_index_add(&ctx->typo, info->skel, info->skel_len,
			       info->ulabel ? info->ulabel : info->alabel, true);
	}
	if (info->count <= TYPO_RECHECK_MAX && !info->target && !info->allowed && info->skel &&
	    !(info->flags & VERIFY_F_FREE) && !info->suggest_static &&
	    info->typo_epoch != ctx->typo.epoch) {
		const struct typo_target *t =
			typo_index_find(&ctx->typo, info->skel, info->skel_len,
					info->ulabel ? info->ulabel : info->alabel, true);
		info->suggest_list = t ? t->name : NULL;
		info->typo_epoch = ctx->typo.epoch;
	}
	if (info->count >= ctx->typo_frequent_min)
		info->suggest_list = NULL; /* frequent itself: not a typo */
	return info;
}

/*
 * The contact key of a local part (NFC, as normalized) and an A-label
 * domain (lower case): the local part case folded (Unicode's full case
 * folding, NFC; ASCII alone when it is ASCII) and the domain as it is.
 * One rule for the store's contacts and a list's duplicates, so that
 * two rows a list calls one contact are one contact in the store.
 */
static void key_of(const char *local, size_t llen, const char *domain, size_t dlen,
		   struct lg_buf *key)
{
	lg_buf_reset(key);
	syntax_fold_local(local, llen, key);
	lg_buf_addc(key, '@');
	lg_buf_add(key, domain, dlen);
}

static void analyse_one(struct verify_ctx *ctx, const char *s, size_t n, struct verify_result *out,
			bool list)
{
	result_init(out);
	if (n == 0)
		return fail(out, VERIFY_R_EMPTY);
	if (n > VERIFY_CELL_MAX)
		return fail(out, VERIFY_R_TOO_LONG);

	if (memchr(s, '<', n)) {
		size_t ov[4];
		if (lg_regex_match(ctx->display_re, s, n, ov, 2) >= 2) {
			/* Suggest the address inside when it is valid itself. */
			const char *addr = s + ov[2];
			size_t alen = ov[3] - ov[2];
			struct verify_result inner;
			analyse_one(ctx, addr, alen, &inner, false);
			result_init(out);
			fail(out, VERIFY_R_DISPLAY_NAME);
			if (inner.status != VERIFY_UNDELIVERABLE) {
				lg_buf_reset(&ctx->sugg);
				lg_buf_add(&ctx->sugg, addr, alen);
				out->suggestion = ctx->sugg.data;
				out->suggestion_len = ctx->sugg.len;
			}
			return;
		}
	}

	bool ascii = true;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80) {
			ascii = false;
			break;
		}
	if (!ascii) {
		enum verify_reason r = syntax_unicode(s, n, &ctx->nfc);
		if (r != VERIFY_R_OK)
			return fail(out, r);
		s = ctx->nfc.data;
		n = ctx->nfc.len;
	}

	struct syntax_split sp;
	enum verify_reason r = syntax_local(s, n, &sp);
	if (r != VERIFY_R_OK)
		return fail(out, r);

	struct domain_info *info = domain_get(ctx, sp.domain, sp.domain_len, list);
	if (info->reason != VERIFY_R_OK)
		return fail(out, info->reason);
	if (sp.local_len + 1 + info->alabel_len > VERIFY_ADDRESS_MAX)
		return fail(out, VERIFY_R_TOO_LONG);

	/* Valid.  The verdict without DNS: unknown, unless the domain alone
	 * decides it. */
	out->flags = info->flags;
	if (sp.utf8)
		out->flags |= VERIFY_F_SMTPUTF8;
	if (sp.quoted)
		out->flags |= VERIFY_F_QUOTED;
	if (is_role(ctx, &sp))
		out->flags |= VERIFY_F_ROLE;
	fail(out, (info->flags & VERIFY_F_DISPOSABLE) ? VERIFY_R_DISPOSABLE : VERIFY_R_DNS_SKIPPED);

	if (list) /* the duplicate key: the contact's key */
		key_of(sp.local, sp.local_len, info->alabel, info->alabel_len, &ctx->key);

	lg_buf_reset(&ctx->norm);
	lg_buf_add(&ctx->norm, sp.local, sp.local_len);
	lg_buf_addc(&ctx->norm, '@');
	lg_buf_add(&ctx->norm, info->alabel, info->alabel_len);
	out->normalized = ctx->norm.data;
	out->normalized_len = ctx->norm.len;
	out->domain = info->alabel;
	out->domain_len = info->alabel_len;
	out->org_len = info->org_len;

	const char *sug = info->suggest_static ? info->suggest_static
					       : (list ? info->suggest_list : NULL);
	if (sug) {
		out->flags |= VERIFY_F_TYPO;
		lg_buf_reset(&ctx->sugg);
		lg_buf_add(&ctx->sugg, sp.local, sp.local_len);
		lg_buf_addc(&ctx->sugg, '@');
		lg_buf_adds(&ctx->sugg, sug);
		out->suggestion = ctx->sugg.data;
		out->suggestion_len = ctx->sugg.len;
	}
}

/*
 * The address a careless export or a copy from a web page wrapped: a
 * "mailto:" link (and its "?subject=..."), invisible characters around
 * it (a no-break or zero-width space, a byte order mark: what
 * syntax.invisible refuses), "<>" around a bare address, a trailing dot after the domain or a
 * trailing list separator.  Writes the repaired text to out and returns
 * true when there was something to take away.  Never used to repair a
 * verdict: only to suggest.
 */
static bool repair(const char *s, size_t n, struct lg_buf *out)
{
	bool changed = false, mailto = false, again = true;
	while (again && n) {
		size_t k;
		lg_ascii_trim(&s, &n);
		if ((k = syntax_invisible_len(s, n, false))) {
			s += k, n -= k;
		} else if ((k = syntax_invisible_len(s, n, true))) {
			n -= k;
		} else if (n > 7 && lg_ascii_eq(s, 7, "mailto:", 7)) {
			s += 7, n -= 7;
			mailto = true;
		} else if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
			s++, n -= 2;
		} else if (n > 1 && (s[n - 1] == '.' || s[n - 1] == ',' || s[n - 1] == ';') &&
			   memchr(s, '@', n)) {
			n--;
		} else {
			again = false;
		}
		changed |= again;
	}
	if (mailto) { /* RFC 6068: the query follows the address */
		const char *at = memrchr(s, '@', n),
			   *q = at ? memchr(at, '?', n - (size_t)(at - s)) : NULL;
		if (q)
			n = (size_t)(q - s);
	}
	lg_buf_reset(out);
	lg_buf_add(out, s, n);
	return changed && n;
}

/* The verdict of [s, s+n); an invalid cell that a repair would make
 * valid gets the repaired address as its suggestion. */
static void analyse(struct verify_ctx *ctx, const char *s, size_t n, struct verify_result *out,
		    bool list)
{
	analyse_one(ctx, s, n, out, list);
	if (out->status != VERIFY_UNDELIVERABLE || out->suggestion_len || !n ||
	    !repair(s, n, &ctx->rep))
		return;
	struct verify_result inner;
	analyse_one(ctx, ctx->rep.data, ctx->rep.len, &inner, false);
	if (inner.status == VERIFY_UNDELIVERABLE)
		return;
	if (!inner.suggestion_len) { /* else: the repaired address's own typo suggestion */
		lg_buf_reset(&ctx->sugg);
		lg_buf_add(&ctx->sugg, ctx->rep.data, ctx->rep.len);
	}
	out->suggestion = ctx->sugg.data;
	out->suggestion_len = ctx->sugg.len;
}

/*
 * A cell with several addresses: "a@x.com, b@y.com", "a@x.com; b@y.com"
 * (Outreach's Emails column), "a@x.com b@y.com".  Commas, semicolons and
 * blanks inside a quoted string or between <> do not separate ("Doe,
 * Jane" <jane@x.com> is one address).  True when at least two of the
 * parts hold an @: [*off, *off + *len) is the first of them.  Parts split
 * at commas and semicolons first; blanks separate only when there are
 * none, so that a display name keeps its words.
 */
static bool first_of_several(const char *s, size_t n, size_t *off, size_t *len)
{
	const char *at = memchr(s, '@', n);
	if (!at || !memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
		return false; /* the common case: one @ at most */
	for (int pass = 0; pass < 2; pass++) {
		size_t start = 0, parts = 0;
		bool quoted = false, esc = false, has_at = false;
		int angle = 0;
		for (size_t i = 0; i <= n; i++) {
			char c = i < n ? s[i] : ',';
			bool sep = false;
			if (esc)
				esc = false;
			else if (quoted && c == '\\')
				esc = true;
			else if (c == '"')
				quoted = !quoted;
			else if (!quoted && c == '<')
				angle++;
			else if (!quoted && c == '>' && angle)
				angle--;
			else if (!quoted && !angle)
				sep = i == n || c == ',' || c == ';' ||
				      (pass && lg_ascii_is_space((unsigned char)c));
			if (!sep) {
				has_at |= c == '@';
				continue;
			}
			if (has_at && parts++ == 0) {
				const char *p = s + start;
				size_t k = i - start;
				lg_ascii_trim(&p, &k);
				*off = (size_t)(p - s);
				*len = k;
			}
			start = i + 1;
			has_at = false;
		}
		if (parts >= 2)
			return true;
		if (pass == 0 && (memchr(s, ',', n) || memchr(s, ';', n)))
			return false;
	}
	return false;
}

/* The cell trimmed, narrowed to its first address when it holds several
 * (the return value says so). */
static bool cell_address(const char **cell, size_t *len)
{
	size_t off, n;
	lg_ascii_trim(cell, len);
	if (!first_of_several(*cell, *len, &off, &n))
		return false;
	*cell += off;
	*len = n;
	return true;
}

void verify_address(struct verify_ctx *ctx, const char *cell, size_t len, struct verify_result *out)
{
	bool several = cell_address(&cell, &len);
	analyse(ctx, cell, len, out, false);
	if (several)
		out->flags |= VERIFY_F_MULTIPLE;
}

static void list_row(struct verify_ctx *ctx, const char *cell, size_t len, struct verify_result *out)
{
	analyse(ctx, cell, len, out, true);
	if (len == 0)
		return;

	/* The duplicate key: a valid address's normalized form, case-folded
	 * (analyse made it); otherwise the trimmed cell, NFC when it is valid
	 * UTF-8, ASCII case folded. */
	if (!out->normalized_len)
		syntax_dup_key(cell, len, &ctx->key);

	bool created;
	size_t kn = ctx->key.len;
	struct addr_info *a = lg_map_put(&ctx->addrs, ctx->key.data, kn, lg_hash(ctx->key.data, kn),
					 &created);
	if (created) {
		a->status = (uint8_t)out->status;
		a->reason = (uint8_t)out->reason;
		a->flags = (uint16_t)out->flags;
		if (out->suggestion_len) {
			if (ctx->nsuggestions == ctx->capsuggestions) {
				ctx->capsuggestions = ctx->capsuggestions ? 2 * ctx->capsuggestions
									  : 64;
				ctx->suggestions = lg_xrealloc(ctx->suggestions,
							       ctx->capsuggestions *
								       sizeof(*ctx->suggestions));
			}
			ctx->suggestions[ctx->nsuggestions++] = lg_arena_memdup(&ctx->addrs.arena,
										out->suggestion,
										out->suggestion_len);
			a->suggestion = (uint32_t)ctx->nsuggestions;
		}
		return;
	}
	out->status = (enum verify_status)a->status;
	out->reason = (enum verify_reason)a->reason;
	out->flags = a->flags | VERIFY_F_DUPLICATE;
	out->suggestion = a->suggestion ? ctx->suggestions[a->suggestion - 1] : "";
	out->suggestion_len = strlen(out->suggestion);
}

void verify_list_row(struct verify_ctx *ctx, const char *cell, size_t len, struct verify_result *out)
{
	/* The first of several addresses is the row's; the duplicate set
	 * keeps its verdict without the flag, which is the row's alone. */
	bool several = cell_address(&cell, &len);
	list_row(ctx, cell, len, out);
	if (several)
		out->flags |= VERIFY_F_MULTIPLE;
}

void verify_apply_dns(struct verify_result *v, enum dns_outcome o)
{
	static const enum verify_reason reason[] = {
		[DNS_PENDING] = VERIFY_R_DNS_SKIPPED,
		[DNS_MX] = VERIFY_R_OK,
		[DNS_IMPLICIT] = VERIFY_R_OK,
		[DNS_NULL_MX] = VERIFY_R_NULL_MX,
		[DNS_NO_MAIL_HOST] = VERIFY_R_NO_MAIL_HOST,
		[DNS_NXDOMAIN] = VERIFY_R_NXDOMAIN,
		[DNS_SERVFAIL] = VERIFY_R_SERVFAIL,
		[DNS_TIMEOUT] = VERIFY_R_TIMEOUT,
	};
	enum verify_reason r = (unsigned)o <= DNS_TIMEOUT ? reason[o] : VERIFY_R_TIMEOUT;
	if (v->reason == VERIFY_R_DISPOSABLE && verify_reason_status(r) != VERIFY_UNDELIVERABLE)
		return;
	/* A role address reaches a team or a ticket queue, not a person
	 * (Reacher's "risky" for role accounts). */
	if (r == VERIFY_R_OK && (v->flags & VERIFY_F_ROLE))
		r = VERIFY_R_ROLE;
	fail(v, r);
}

void verify_ctx_stats(const struct verify_ctx *ctx, struct verify_stats *st)
{
	st->addresses = ctx->addrs.count;
	st->domains = ctx->ndomains;
	st->bytes = lg_map_bytes(&ctx->addrs) + lg_map_bytes(&ctx->domains);
}

/*
 * ---- identity: the contact key and the account key ----
 *
 * They live here, beside the verdict they are read from, because verify/
 * is what computes both halves: the normalized address (NFC local part,
 * lower-case A-label domain) and the registrable domain's length
 * (org_len, from the Public Suffix List, per distinct domain).  Every
 * command that names a contact or an account (verify --list, bounces and
 * events import, score, qualify, the scoring of a lead) derives the key
 * here, so that an event, a bounce and a verdict of one address meet on
 * one row of the store.
 */

size_t verify_contact_key(const struct verify_result *v, struct lg_buf *key)
{
	lg_buf_reset(key);
	if (!v->normalized_len)
		return 0;
	/* normalized is the local part, '@' and the A-label domain */
	key_of(v->normalized, v->normalized_len - v->domain_len - 1, v->domain, v->domain_len, key);
	return key->len;
}

bool verify_contact_key_of(struct verify_ctx *ctx, const char *s, size_t n, struct lg_buf *key,
			   struct verify_result *out)
{
	struct verify_result v;
	if (!out)
		out = &v;
	verify_address(ctx, s, n, out);
	if (verify_contact_key(out, key))
		return true;
	lg_ascii_trim(&s, &n);
	syntax_dup_key(s, n, key); /* as a list's duplicates of such a cell */
	return false;
}

size_t verify_account_key(const struct verify_result *v, const char **key)
{
	*key = "";
	if (!v->normalized_len)
		return 0;
	/* org_len is never 0 nor longer than the domain for a valid address;
	 * the whole domain is its own account if it were. */
	size_t n = v->org_len && v->org_len <= v->domain_len ? v->org_len : v->domain_len;
	*key = v->domain + v->domain_len - n; /* lower case already (domain_analyse) */
	return n;
}

size_t verify_domain_account(struct verify_ctx *ctx, const char *domain, size_t n, const char **key)
{
	/* A domain is taken as an account when postmaster@domain is a valid
	 * address (RFC 5321 4.5.1: every mail domain has one): the domain
	 * rules of an address, its length limit included, hold for it. */
	struct verify_result v;
	lg_buf_reset(&ctx->acct);
	lg_buf_adds(&ctx->acct, "postmaster@");
	lg_buf_add(&ctx->acct, domain, n);
	verify_address(ctx, ctx->acct.data, ctx->acct.len, &v);
	return verify_account_key(&v, key);
}
