/* alloc.c - allocation that aborts on exhaustion, and the arena. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_die_oom(size_t n)
{
	if (n)
		fprintf(stderr, "leadgate: out of memory allocating %zu bytes\n", n);
	else
		fprintf(stderr, "leadgate: out of memory\n");
	abort();
}

void *lg_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		lg_die_oom(n);
	return p;
}

void *lg_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		lg_die_oom(nmemb * size);
	return p;
}

void *lg_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		lg_die_oom(n);
	return q;
}

char *lg_xmemdup(const void *p, size_t n)
{
	char *s = lg_xmalloc(n + 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

char *lg_xstrdup(const char *s)
{
	return lg_xmemdup(s, strlen(s));
}

/* Arena chunks: a header followed by the bytes handed out. */
struct lg_arena_chunk {
	struct lg_arena_chunk *next;
	size_t size;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_CHUNK (256 * 1024)

void *lg_arena_alloc(struct lg_arena *a, size_t n, size_t align)
{
	size_t off;

	if (align == 0)
		align = 1;
	if (a->head) {
		off = (a->used + align - 1) & ~(align - 1);
		if (off + n <= a->head->size) {
			a->used = off + n;
			return a->head->mem + off;
		}
	}
	size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
	struct lg_arena_chunk *c = lg_xmalloc(sizeof(*c) + size);
	c->next = a->head;
	c->size = size;
	a->head = c;
	a->used = n;
	a->total += size;
	return c->mem;
}

char *lg_arena_memdup(struct lg_arena *a, const void *p, size_t n)
{
	char *s = lg_arena_alloc(a, n + 1, 1);
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void lg_arena_release(struct lg_arena *a)
{
	struct lg_arena_chunk *c = a->head;
	while (c) {
		struct lg_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}
