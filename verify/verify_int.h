/* verify_int.h - private to verify/ and its tests. */
#ifndef LG_VERIFY_INT_H
#define LG_VERIFY_INT_H

#include "verify.h"

#include <libpsl.h>

#define VERIFY_LOCAL_MAX 64    /* RFC 5321 4.5.3.1.1 */
#define VERIFY_DOMAIN_MAX 253  /* RFC 1035 2.3.4, less the root dot */
#define VERIFY_LABEL_MAX 63    /* RFC 1035 2.3.4 */
#define VERIFY_ADDRESS_MAX 254 /* RFC 5321 4.5.3.1.3: a 256-octet path less "<>" */
#define VERIFY_CELL_MAX 1024   /* cells longer than this are not parsed at all */

/* ---- syntax.c: the local part and Unicode checks ---- */

/*
 * Unicode checks of a non-ASCII address (step 3 of the order in the man
 * page): invalid UTF-8, invisible characters, compatibility lookalikes.
 * On VERIFY_R_OK, nfc holds the NFC form of [s, s+n).
 */
enum verify_reason syntax_unicode(const char *s, size_t n, struct lg_buf *nfc);

struct syntax_split {
	const char *local; /* borrowed from the input */
	size_t local_len;
	const char *domain;
	size_t domain_len;
	bool quoted; /* local part is a quoted string */
	bool utf8;   /* local part has non-ASCII */
};

/* The length of a code point syntax_unicode() calls invisible (a Unicode
 * space, control, format or default-ignorable character) at the start of
 * [s, s+n), or with at_end at its end; 0 when there is none. */
size_t syntax_invisible_len(const char *s, size_t n, bool at_end);

/* Split at the separating @ and check the local part (steps 4 and 5). */
enum verify_reason syntax_local(const char *s, size_t n, struct syntax_split *sp);

/* The duplicate key of a trimmed cell: NFC if valid UTF-8, ASCII lower case. */
void syntax_dup_key(const char *s, size_t n, struct lg_buf *key);

/* Append the local part [s, s+n) case-folded (valid UTF-8, NFC) to out. */
void syntax_fold_local(const char *s, size_t n, struct lg_buf *out);

/* The ASCII skeleton of a Unicode domain: NFD with its combining marks
 * dropped ("gma\xc3\xadl.com" -> "gmail.com").  False when other non-ASCII
 * characters remain. */
bool syntax_skeleton(const char *s, size_t n, struct lg_buf *out);

/* Damerau (optimal string alignment) distance exactly 1 between a and b. */
bool syntax_one_edit(const char *a, size_t alen, const char *b, size_t blen);

/* ---- domain.c: the domain cache and its analysis ---- */

struct domain_info {
	uint16_t reason;     /* VERIFY_R_OK or the domain's syntax / special-use reason */
	uint16_t flags;      /* VERIFY_F_FREE, VERIFY_F_DISPOSABLE */
	uint32_t count;      /* rows of this list with this domain */
	uint32_t typo_epoch; /* typo index epoch of suggest_list */
	uint16_t org_len;    /* the registrable domain: the last org_len bytes of alabel */
	bool allowed;        /* on the allow list: never disposable nor typo */
	bool target;         /* a typo target itself */
	bool tld_known;      /* the top-level label is a public suffix */
	const char *alabel;  /* lower-case A-label form, in the map's arena */
	size_t alabel_len;
	const char *ulabel; /* Unicode form of an IDN domain, or NULL */
	const char *skel;   /* typo key: the A-label, or an IDN's ASCII skeleton; NULL: none */
	size_t skel_len;
	struct domain_info *canon;  /* the entry of this A-label that counts rows */
	const char *suggest_static; /* typo of a popular domain or of the TLD, or NULL */
	const char *suggest_list;   /* typo of a domain frequent in this list, or NULL */
};

/* ---- typo.c: which target a domain is one edit away from ---- */

struct typo_target {
	const char *key; /* what distances are measured on (ASCII); borrowed */
	size_t len;
	const char *name; /* the domain suggested: key, or an IDN's Unicode form */
	size_t label_len; /* length of the first label */
	bool from_list;   /* a list-frequent target, not a shipped one */
};

struct typo_index {
	struct lg_map variants; /* key (a target, or it less one character) -> uint32 link */
	struct typo_link *links;
	size_t nlinks, caplinks;
	struct typo_target *targets;
	size_t ntargets, captargets;
	uint32_t epoch; /* bumped by every list-frequent target added */
};

void typo_index_init(struct typo_index *ti);
void typo_index_release(struct typo_index *ti);
void typo_index_add(struct typo_index *ti, const char *key, size_t len, const char *name,
		    bool from_list);
/* The best target whose key is one edit from [key, key+n), or equal to it
 * while its name differs from name (an accent: "gma\xc3\xadl.com"); NULL
 * when none, or when name is a target itself.  List targets only if
 * with_list.  The result is borrowed from the index. */
const struct typo_target *typo_index_find(const struct typo_index *ti, const char *key, size_t n,
					  const char *name, bool with_list);

struct verify_ctx {
	struct lg_map role;       /* role local parts */
	struct lg_map free;       /* free mail domains */
	struct lg_map disposable; /* disposable registrable domains */
	struct lg_map allow;      /* allow-listed domains */
	struct lg_map domains;    /* domain cache: key lower-case input domain -> domain_info */
	struct lg_map addrs;      /* duplicate set: key lower-case address -> addr_info */
	struct lg_map tlds;       /* top-level label -> 1 unknown, 2 a public suffix */
	const char **suggestions; /* first rows' suggestions, for their duplicates */
	size_t nsuggestions, capsuggestions;
	size_t ndomains; /* distinct A-label domains */
	struct typo_index typo;
	unsigned typo_frequent_min;
	const psl_ctx_t *psl;        /* borrowed from libpsl; may be NULL */
	struct lg_regex *display_re; /* the display-name pattern; owned */
	struct lg_buf nfc, key, norm, sugg, dkey, rep;
	struct lg_buf acct; /* verify_domain_account's postmaster@ address */
};

/* Analyse the domain [d, d+n) (not yet lower-cased): syntax, IDNA,
 * special use, free, disposable, static typo.  Fills *info; strings go to
 * the arena. */
void domain_analyse(struct verify_ctx *ctx, const char *d, size_t n, struct domain_info *info,
		    struct lg_arena *arena);

/* Is the A-label domain d special-use (RFC 6761, 6762, 7686, 8375, 9476)? */
bool domain_special_use(const char *d, size_t n);

#endif
