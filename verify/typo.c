/*
 * typo.c - "did you mean": the target domain one edit away.
 *
 * A deletion index (the idea behind SymSpell): each target is stored under
 * itself and under every string made by deleting one of its characters.
 * A domain one edit (insertion, deletion, substitution, transposition)
 * from a target shares one of those keys with it, so a lookup costs about
 * as many hash probes as the domain has characters, however many targets
 * there are; each candidate is then confirmed with syntax_one_edit().
 */
#include "verify_int.h"

#include <stdlib.h>
#include <string.h>

struct typo_link {
	uint32_t target; /* index into targets */
	uint32_t next;   /* index + 1 of the next link; 0 ends */
};

/* Targets whose first label is shorter than this are matched only on a
 * mistyped suffix: "aon.com" is a company, not a typo of "aol.com". */
#define TYPO_SHORT_LABEL 5

void typo_index_init(struct typo_index *ti)
{
	memset(ti, 0, sizeof(*ti));
	lg_map_init(&ti->variants, sizeof(uint32_t));
}

void typo_index_release(struct typo_index *ti)
{
	lg_map_release(&ti->variants);
	free(ti->links);
	free(ti->targets);
	memset(ti, 0, sizeof(*ti));
}

static void link_key(struct typo_index *ti, const char *k, size_t n, uint32_t target)
{
	uint32_t *head = lg_map_put(&ti->variants, k, n, lg_hash(k, n), NULL);
	for (uint32_t l = *head; l; l = ti->links[l - 1].next)
		if (ti->links[l - 1].target == target)
			return; /* "gmaail": both deletions give the same key */
	if (ti->nlinks == ti->caplinks) {
		ti->caplinks = ti->caplinks ? ti->caplinks * 2 : 256;
		ti->links = lg_xrealloc(ti->links, ti->caplinks * sizeof(*ti->links));
	}
	ti->links[ti->nlinks] = (struct typo_link){target, *head};
	*head = (uint32_t)++ti->nlinks;
}

void typo_index_add(struct typo_index *ti, const char *key, size_t len, const char *name,
		    bool from_list)
{
	char buf[VERIFY_DOMAIN_MAX + 1];
	if (len == 0 || len > VERIFY_DOMAIN_MAX)
		return;
	if (ti->ntargets == ti->captargets) {
		ti->captargets = ti->captargets ? ti->captargets * 2 : 128;
		ti->targets = lg_xrealloc(ti->targets, ti->captargets * sizeof(*ti->targets));
	}
	const char *dot = memchr(key, '.', len);
	uint32_t id = (uint32_t)ti->ntargets++;
	ti->targets[id] = (struct typo_target){
		.key = key,
		.len = len,
		.name = name,
		.label_len = dot ? (size_t)(dot - key) : len,
		.from_list = from_list,
	};
	link_key(ti, key, len, id);
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, key, i);
		memcpy(buf + i, key + i + 1, len - i - 1);
		link_key(ti, buf, len - 1, id);
	}
	if (from_list)
		ti->epoch++;
}

struct best {
	const struct typo_target *t;
	uint32_t id;
	bool exact; /* d is itself a target */
};

static void consider(const struct typo_index *ti, const char *k, size_t kn, const char *d, size_t n,
		     const char *name, bool with_list, struct best *b)
{
	const uint32_t *head = lg_map_get(&ti->variants, k, kn, lg_hash(k, kn));
	if (!head)
		return;
	for (uint32_t l = *head; l; l = ti->links[l - 1].next) {
		uint32_t id = ti->links[l - 1].target;
		const struct typo_target *t = &ti->targets[id];
		if (!strcmp(t->name, name)) {
			b->exact = true; /* the domain is a target itself */
			continue;
		}
		if (t->from_list && !with_list)
			continue;
		if (b->t && b->id <= id)
			continue; /* an earlier target already matched */
		bool same_key = t->len == n && !memcmp(t->key, d, n);
		if (!same_key && !syntax_one_edit(d, n, t->key, t->len))
			continue;
		if (t->label_len < TYPO_SHORT_LABEL &&
		    (n <= t->label_len || memcmp(d, t->key, t->label_len + 1) != 0))
			continue;
		b->t = t;
		b->id = id;
	}
}

const struct typo_target *typo_index_find(const struct typo_index *ti, const char *d, size_t n,
					  const char *name, bool with_list)
{
	char buf[VERIFY_DOMAIN_MAX + 1];
	struct best b = {0};

	if (!ti->ntargets || n == 0 || n > VERIFY_DOMAIN_MAX)
		return NULL;
	consider(ti, d, n, d, n, name, with_list, &b);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf, d, i);
		memcpy(buf + i, d + i + 1, n - i - 1);
		consider(ti, buf, n - 1, d, n, name, with_list, &b);
	}
	return b.exact ? NULL : b.t;
}
