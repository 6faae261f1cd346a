/*
 * map.c - the string-keyed hash map.
 *
 * Open addressing with linear probing over 8-byte slots: the record's
 * address in the low 48 bits (all a user-space pointer uses on x86-64 and
 * arm64; checked) and 16 bits of the key's hash above it, so a probe
 * compares keys only when those agree.  A million-entry set spends 16 MB
 * on slots, not 32.  Each record (value, the key's length, the key and a
 * NUL) lives in the arena and never moves.  A key is any bytes, a NUL
 * among them: lengths are compared before bytes, so a lookup never reads
 * past a shorter stored key, and growing rehashes each key at its length.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

struct lg_map_slot {
	uint64_t v; /* tag << 48 | record address; 0: empty */
};
#define ADDR_BITS 48
#define ADDR_MASK ((UINT64_C(1) << ADDR_BITS) - 1)

static inline unsigned char *slot_rec(const struct lg_map_slot *s)
{
	return (unsigned char *)(uintptr_t)(s->v & ADDR_MASK);
}
/* The key's length follows the value (val_size is a multiple of 8). */
static inline uint32_t rec_len(const struct lg_map *m, const unsigned char *rec)
{
	uint32_t n;
	memcpy(&n, rec + m->val_size, sizeof(n));
	return n;
}
static inline const unsigned char *rec_key(const struct lg_map *m, const unsigned char *rec)
{
	return rec + m->val_size + sizeof(uint32_t);
}
/* The slot index comes from the hash's low bits, the tag from its top. */
static inline uint64_t tag_of(uint64_t h)
{
	return h >> ADDR_BITS << ADDR_BITS;
}

uint64_t lg_hash(const void *p, size_t len)
{
	/* 64-bit multiply-xorshift over 8-byte words; tail folded in. */
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h ^= w * 0xc4ceb9fe1a85ec53ULL;
		h = (h << 27 | h >> 37) * 0x9e3779b97f4a7c15ULL;
		s += 8;
		len -= 8;
	}
	uint64_t w = 0;
	if (len >= 4) { /* two overlapping 4-byte loads cover 4..7 bytes */
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + len - 4, 4);
		w = (uint64_t)lo | (uint64_t)hi << 32;
	} else if (len) {
		w = (uint64_t)s[0] | (uint64_t)s[len / 2] << 8 | (uint64_t)s[len - 1] << 16;
	}
	h ^= (w + len) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

void lg_map_init(struct lg_map *m, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	m->val_size = (val_size + 7) & ~(size_t)7;
}

void lg_map_release(struct lg_map *m)
{
	free(m->slots);
	lg_arena_release(&m->arena);
	m->slots = NULL;
	m->mask = m->count = 0;
}

static struct lg_map_slot *find(const struct lg_map *m, const char *key, size_t len, uint64_t h)
{
	size_t i = h & m->mask;
	uint64_t tag = tag_of(h);
	for (;;) {
		struct lg_map_slot *s = &m->slots[i];
		if (!s->v)
			return s;
		if ((s->v & ~ADDR_MASK) == tag) {
			const unsigned char *rec = slot_rec(s);
			if (rec_len(m, rec) == len && !memcmp(rec_key(m, rec), key, len))
				return s;
		}
		i = (i + 1) & m->mask;
	}
}

void *lg_map_get(const struct lg_map *m, const char *key, size_t len, uint64_t hash)
{
	if (!m->slots)
		return NULL;
	return slot_rec(find(m, key, len, hash));
}

void lg_map_prefetch(const struct lg_map *m, uint64_t hash, bool record)
{
	if (!m->slots)
		return;
	const struct lg_map_slot *s = &m->slots[hash & m->mask];
	if (!record) {
		__builtin_prefetch(s);
		return;
	}
	/* the first slot whose tag agrees, as find would see it, without
	 * comparing keys: a hint, wrong at worst */
	uint64_t tag = tag_of(hash);
	for (size_t i = hash & m->mask, k = 0; k < 4; i = (i + 1) & m->mask, k++) {
		s = &m->slots[i];
		if (!s->v)
			return;
		if ((s->v & ~ADDR_MASK) == tag) {
			__builtin_prefetch(slot_rec(s));
			return;
		}
	}
}

static void grow(struct lg_map *m)
{
	size_t n = m->slots ? (m->mask + 1) * 2 : 64;
	struct lg_map_slot *old = m->slots;
	size_t oldn = m->slots ? m->mask + 1 : 0;

	m->slots = lg_xcalloc(n, sizeof(*m->slots));
	lg_advise_huge(m->slots, n * sizeof(*m->slots));
	m->mask = n - 1;
	for (size_t i = 0; i < oldn; i++) {
		if (!old[i].v)
			continue;
		const unsigned char *rec = slot_rec(&old[i]);
		size_t j = lg_hash(rec_key(m, rec), rec_len(m, rec)) & m->mask;
		while (m->slots[j].v)
			j = (j + 1) & m->mask;
		m->slots[j] = old[i];
	}
	free(old);
}

void *lg_map_put(struct lg_map *m, const char *key, size_t len, uint64_t hash, bool *created)
{
	if (len > UINT32_MAX)
		BUG("a map key is shorter than 4 GiB (this one: %zu bytes)", len);
	if (!m->slots || (m->count + 1) * 10 > (m->mask + 1) * 7)
		grow(m);
	struct lg_map_slot *s = find(m, key, len, hash);
	if (s->v) {
		if (created)
			*created = false;
		return slot_rec(s);
	}
	unsigned char *rec = lg_arena_alloc(&m->arena, m->val_size + sizeof(uint32_t) + len + 1, 8);
	if ((uintptr_t)rec & ~ADDR_MASK)
		BUG("a map record's address fits in 48 bits (this one: %p)", (void *)rec);
	memset(rec, 0, m->val_size);
	uint32_t n = (uint32_t)len;
	memcpy(rec + m->val_size, &n, sizeof(n));
	unsigned char *k = rec + m->val_size + sizeof(n);
	memcpy(k, key, len);
	k[len] = '\0';
	s->v = tag_of(hash) | (uintptr_t)rec;
	m->count++;
	if (created)
		*created = true;
	return rec;
}

const char *lg_map_key(const struct lg_map *m, const void *val, size_t *len)
{
	if (len)
		*len = rec_len(m, val);
	return (const char *)rec_key(m, val);
}

size_t lg_map_bytes(const struct lg_map *m)
{
	return (m->slots ? (m->mask + 1) * sizeof(struct lg_map_slot) : 0) + m->arena.total;
}
