/*
 * keys.c - the service's API keys: made (random bytes from GnuTLS), kept
 * as a digest (store/keys.c), listed, revoked, and held in memory by a
 * server as a keyring that checks each request's bearer token.
 *
 * A key is found by its public id and checked by the SHA-256 of the whole
 * key, compared in constant time (nettle's memeql_sec): the time a check
 * takes says nothing about how much of a guessed secret was right.  The
 * public id is no secret; finding it takes the time it takes.
 */
#include "jobs.h"
#include "store/store.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>
#include <nettle/memops.h>

#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "lg_"
#define KEY_PREFIX_LEN 3
#define KEY_ID_LEN 10     /* lower-case base32: 50 bits */
#define KEY_SECRET_LEN 43 /* base64url of 32 bytes, unpadded */
#define KEY_SECRET_BYTES 32
#define KEY_HASH_LEN 32 /* SHA-256 */
_Static_assert(KEY_PREFIX_LEN + KEY_ID_LEN + 1 + KEY_SECRET_LEN == JOB_KEY_LEN, "key length");

/* Draws of a public id before giving up (each repeats one in 2^50 times). */
#define KEY_ID_TRIES 4

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* The scopes' names, in the enum's order (bit i is names[i]). */
static const char *const scope_names[] = {"verify", "jobs",  "lists", "bounces",
					  "events", "leads", "admin"};
_Static_assert(sizeof(scope_names) / sizeof(*scope_names) == 7 && JOB_SCOPE_ADMIN == 1u << 6 &&
		       JOB_SCOPE_ALL == (JOB_SCOPE_ADMIN << 1) - 1,
	       "one name per scope bit");

enum lg_status job_scopes_parse(const char *text, unsigned *out, struct lg_err *err)
{
	const char *p = text;
	unsigned mask = 0;

	*out = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *w = p;
		size_t i;
		lg_ascii_trim(&w, &n);
		for (i = 0; i < sizeof(scope_names) / sizeof(*scope_names); i++)
			if (strlen(scope_names[i]) == n && !memcmp(scope_names[i], w, n))
				break;
		if (!n)
			return lg_err_set(err, LG_EUSAGE,
					  "an empty scope in '%s' (scopes are comma-separated: "
					  "verify,jobs)",
					  text);
		if (i == sizeof(scope_names) / sizeof(*scope_names))
			return lg_err_set(err, LG_EUSAGE,
					  "unknown scope '%.*s' (scopes: verify, jobs, lists, "
					  "bounces, events, leads, admin)",
					  (int)n, w);
		mask |= 1u << i;
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = mask;
	return LG_OK;
}

const char *job_scopes_name(unsigned scopes, char *buf, size_t size)
{
	struct lg_buf b = LG_BUF_INIT;
	for (size_t i = 0; i < sizeof(scope_names) / sizeof(*scope_names); i++)
		if (scopes & (1u << i))
			lg_buf_addf(&b, "%s%s", b.len ? "," : "", scope_names[i]);
	if (size)
		snprintf(buf, size, "%s", b.len ? b.data : "");
	lg_buf_release(&b);
	return buf;
}

bool job_scopes_allow(unsigned scopes, unsigned need)
{
	return (scopes & JOB_SCOPE_ADMIN) || (need && (scopes & need) == need);
}

bool job_key_name_ok(const char *name, struct lg_err *err)
{
	size_t n = strlen(name);
	if (n == 0 || n > JOB_KEY_NAME_MAX) {
		lg_err_set(err, LG_EUSAGE, "a key's name has 1 to %d characters, not %zu",
			   JOB_KEY_NAME_MAX, n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!lg_ascii_is_alpha(c) && !lg_ascii_is_digit(c) && c != '.' && c != '_' &&
		    c != '-') {
			lg_err_set(err, LG_EUSAGE,
				   "a key's name is letters, digits, '.', '_' and '-': '%s' has "
				   "'%c' at %zu",
				   name, c >= 0x20 && c < 0x7f ? (char)c : '?', i + 1);
			return false;
		}
	}
	return true;
}

/* A new key's text into key (JOB_KEY_LEN + 1 bytes), its public id into
 * id (KEY_ID_LEN + 1). */
static enum lg_status key_make(char *key, char *id, struct lg_err *err)
{
	unsigned char idr[KEY_ID_LEN], secret[KEY_SECRET_BYTES];
	char enc[BASE64_ENCODE_RAW_LENGTH(KEY_SECRET_BYTES)];
	struct base64_encode_ctx b64;

	/* GNUTLS_RND_KEY: the generator GnuTLS makes its own keys with. */
	if (gnutls_rnd(GNUTLS_RND_KEY, idr, sizeof(idr)) < 0 ||
	    gnutls_rnd(GNUTLS_RND_KEY, secret, sizeof(secret)) < 0)
		return lg_err_set(err, LG_ETEMP, "no random bytes for a key (GnuTLS's generator)");
	for (size_t i = 0; i < KEY_ID_LEN; i++)
		id[i] = b32[idr[i] & 31]; /* 256 is a multiple of 32: uniform */
	id[KEY_ID_LEN] = '\0';
	base64url_encode_init(&b64);
	size_t n = base64_encode_update(&b64, enc, sizeof(secret), secret);
	n += base64_encode_final(&b64, enc + n);
	/* 32 bytes: 43 characters and one '=' of padding, left out */
	if (n != sizeof(enc) || enc[KEY_SECRET_LEN] != '=')
		BUG("base64url of %d bytes is %zu characters", KEY_SECRET_BYTES, n);
	snprintf(key, JOB_KEY_LEN + 1, KEY_PREFIX "%s_%.*s", id, KEY_SECRET_LEN, enc);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(enc, sizeof(enc));
	return LG_OK;
}

static void key_hash(const char *token, size_t len, unsigned char digest[KEY_HASH_LEN])
{
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, len, digest) < 0)
		BUG("GnuTLS cannot hash with SHA-256");
}

enum lg_status job_key_create(struct store *s, const char *name, unsigned scopes, int64_t now,
			      char **secret, struct lg_err *err)
{
	char key[JOB_KEY_LEN + 1], id[KEY_ID_LEN + 1];
	unsigned char digest[KEY_HASH_LEN];
	enum store_key_added added = STORE_KEY_ID_TAKEN;
	enum lg_status st;

	*secret = NULL;
	if (!job_key_name_ok(name, err))
		return LG_EUSAGE;
	if (!scopes || (scopes & ~JOB_SCOPE_ALL))
		return lg_err_set(err, LG_EUSAGE, "a key needs at least one known scope (0x%x)",
				  scopes);
	if ((st = store_begin(s, err)) != LG_OK)
		return st;
	for (int i = 0; i < KEY_ID_TRIES && added == STORE_KEY_ID_TAKEN; i++) {
		if ((st = key_make(key, id, err)) != LG_OK)
			goto out;
		key_hash(key, JOB_KEY_LEN, digest);
		struct store_key k = {.name = name,
				      .public_id = id,
				      .hash = digest,
				      .hash_len = sizeof(digest),
				      .scopes = scopes,
				      .created_at = now};
		if ((st = store_key_add(s, &k, &added, err)) != LG_OK)
			goto out;
	}
	if (added == STORE_KEY_NAME_TAKEN)
		st = lg_err_set(err, LG_EUSAGE,
				"%s: a key named '%s' exists (a revoked key keeps its name): "
				"choose another",
				store_path(s), name);
	else if (added == STORE_KEY_ID_TAKEN)
		BUG("%d public ids drawn, every one taken", KEY_ID_TRIES);
	else
		st = store_commit(s, err);
out:
	if (st != LG_OK)
		store_rollback(s);
	else
		*secret = lg_xstrdup(key);
	explicit_bzero(key, sizeof(key));
	return st;
}

enum lg_status job_key_revoke(struct store *s, const char *name, int64_t now, bool *was_revoked,
			      struct lg_err *err)
{
	enum store_key_revoked r = STORE_KEY_UNKNOWN;
	enum lg_status st = store_begin(s, err);

	*was_revoked = false;
	if (st == LG_OK)
		st = store_key_revoke(s, name, now, &r, err);
	if (st == LG_OK && r == STORE_KEY_UNKNOWN)
		st = lg_err_set(err, LG_ENOINPUT,
				"%s: no API key named '%s' (see 'leadgate keys list')",
				store_path(s), name);
	if (st == LG_OK)
		st = store_commit(s, err);
	if (st != LG_OK) {
		store_rollback(s);
		return st;
	}
	*was_revoked = r == STORE_KEY_WAS_REVOKED;
	return LG_OK;
}

/* ---- the keyring -------------------------------------------------------- */

struct ring_key {
	struct job_key k;
	char public_id[KEY_ID_LEN + 1];
	unsigned char hash[KEY_HASH_LEN];
	bool usable; /* live, and its row as this file writes them */
};

struct job_keyring {
	struct store *s; /* borrowed */
	struct store_keys_mark mark;
	struct ring_key *keys; /* in id order: keys[i].k.index == i */
	size_t n;
	size_t *by_id; /* the indexes of the usable keys, sorted by public id */
	size_t nby_id;
};

/* The keys being read, into a ring's arrays. */
struct ring_read {
	struct ring_key *keys;
	size_t n, cap;
};

static void job_key_from(struct job_key *out, const struct store_key *k, size_t index)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", k->name);
	out->scopes = k->scopes;
	out->created_at = k->created_at;
	out->revoked_at = k->revoked_at;
	out->index = index;
}

static enum lg_status ring_take(void *arg, const struct store_key *k, struct lg_err *err)
{
	struct ring_read *r = arg;
	(void)err;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->keys = lg_xrealloc(r->keys, r->cap * sizeof(*r->keys));
	}
	struct ring_key *rk = &r->keys[r->n];
	memset(rk, 0, sizeof(*rk));
	job_key_from(&rk->k, k, r->n);
	/* A row not as job_key_create writes it (edited by hand) keeps its
	 * place, so that the indexes after it stay, but matches nothing. */
	rk->usable = !k->revoked_at && k->hash_len == KEY_HASH_LEN &&
		     strlen(k->public_id) == KEY_ID_LEN;
	if (rk->usable) {
		memcpy(rk->public_id, k->public_id, KEY_ID_LEN + 1);
		memcpy(rk->hash, k->hash, KEY_HASH_LEN);
	}
	r->n++;
	return LG_OK;
}

/* qsort_r's comparison of two indexes by their keys' public ids. */
static int by_public_id(const void *a, const void *b, void *arg)
{
	const struct ring_key *keys = arg;
	return memcmp(keys[*(const size_t *)a].public_id, keys[*(const size_t *)b].public_id,
		      KEY_ID_LEN);
}

/* Read every key again; the ring is as it was when that fails. */
static enum lg_status ring_load(struct job_keyring *kr, struct lg_err *err)
{
	struct ring_read r = {0};
	enum lg_status st = store_keys_each(kr->s, ring_take, &r, err);
	if (st != LG_OK) {
		free(r.keys);
		return st;
	}
	size_t *by_id = lg_xcalloc(r.n ? r.n : 1, sizeof(*by_id)), m = 0;
	for (size_t i = 0; i < r.n; i++)
		if (r.keys[i].usable)
			by_id[m++] = i;
	qsort_r(by_id, m, sizeof(*by_id), by_public_id, r.keys);
	free(kr->keys);
	free(kr->by_id);
	kr->keys = r.keys;
	kr->n = r.n;
	kr->by_id = by_id;
	kr->nby_id = m;
	return LG_OK;
}

enum lg_status job_keyring_open(struct job_keyring **out, struct store *s, struct lg_err *err)
{
	struct job_keyring *kr = lg_xcalloc(1, sizeof(*kr));
	bool changed;
	kr->s = s;
	enum lg_status st = job_keyring_refresh(kr, &changed, err);
	if (st != LG_OK) {
		job_keyring_close(kr);
		kr = NULL;
	}
	*out = kr;
	return st;
}

enum lg_status job_keyring_refresh(struct job_keyring *kr, bool *changed, struct lg_err *err)
{
	struct store_keys_mark mark = kr->mark;
	enum lg_status st = store_keys_changed(kr->s, &mark, changed, err);
	if (st == LG_OK && *changed)
		st = ring_load(kr, err);
	if (st == LG_OK)
		kr->mark = mark; /* a failed load is tried again by the next refresh */
	else
		*changed = false;
	return st;
}

/* The public id of a well-formed token, or NULL. */
static const char *token_id(const char *token, size_t len)
{
	if (len != JOB_KEY_LEN || memcmp(token, KEY_PREFIX, KEY_PREFIX_LEN) != 0 ||
	    token[KEY_PREFIX_LEN + KEY_ID_LEN] != '_')
		return NULL;
	for (size_t i = KEY_PREFIX_LEN; i < KEY_PREFIX_LEN + KEY_ID_LEN; i++) {
		char c = token[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
			return NULL;
	}
	for (size_t i = KEY_PREFIX_LEN + KEY_ID_LEN + 1; i < JOB_KEY_LEN; i++) {
		char c = token[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return NULL;
	}
	return token + KEY_PREFIX_LEN;
}

const struct job_key *job_keyring_check(const struct job_keyring *kr, const char *token, size_t len)
{
	const char *id = token ? token_id(token, len) : NULL;
	size_t lo = 0, hi = kr->nby_id;
	unsigned char digest[KEY_HASH_LEN];

	if (!id)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ring_key *rk = &kr->keys[kr->by_id[mid]];
		int c = memcmp(id, rk->public_id, KEY_ID_LEN);
		if (c == 0) {
			key_hash(token, len, digest);
			return nettle_memeql_sec(digest, rk->hash, KEY_HASH_LEN) ? &rk->k : NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t job_keyring_count(const struct job_keyring *kr)
{
	return kr->n;
}

void job_keyring_close(struct job_keyring *kr)
{
	if (!kr)
		return;
	free(kr->keys);
	free(kr->by_id);
	free(kr);
}

/* ---- the list ---------------------------------------------------------- */

enum lg_status job_keys_list(struct store *s, struct job_key **keys, size_t *n, struct lg_err *err)
{
	struct ring_read r = {0};
	enum lg_status st = store_keys_each(s, ring_take, &r, err); /* the k of each */
	*keys = NULL;
	*n = 0;
	if (st != LG_OK) {
		free(r.keys);
		return st;
	}
	struct job_key *out = lg_xcalloc(r.n ? r.n : 1, sizeof(*out));
	for (size_t i = 0; i < r.n; i++)
		out[i] = r.keys[i].k;
	free(r.keys);
	*keys = out;
	*n = r.n;
	return LG_OK;
}
