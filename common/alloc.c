/* alloc.c - allocation that aborts on exhaustion, and the arena. */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

void lg_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + n) & ~(huge - 1);
	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE); /* a hint */
#else
	(void)p;
	(void)n;
#endif
}

/* Arena chunks: a header followed by the bytes handed out. */
struct lg_arena_chunk {
	struct lg_arena_chunk *next;
	size_t size;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_CHUNK (256 * 1024)

/*
 * A large arena (score keeps a million contacts in one) takes its chunks
 * as huge pages: 2 MiB each, aligned, with MADV_HUGEPAGE, so that filling
 * one is a page fault, not 512.  Only after the first ARENA_HUGE_AFTER
 * bytes, so that the many small arenas keep their small chunks; a chunk
 * is filled before the next is taken, so this costs at most the last
 * one's unused part.
 */
#define ARENA_HUGE (2 * 1024 * 1024)
#define ARENA_HUGE_AFTER (8 * 1024 * 1024)

/* A chunk of ARENA_HUGE bytes, its usable size in *size; NULL if none
 * is to be had (the caller takes an ordinary one). */
static struct lg_arena_chunk *huge_chunk(size_t *size)
{
	void *p;
	if (posix_memalign(&p, ARENA_HUGE, ARENA_HUGE))
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, ARENA_HUGE, MADV_HUGEPAGE); /* a hint: without it, small pages */
#endif
	*size = ARENA_HUGE - sizeof(struct lg_arena_chunk);
	return p;
}

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
	struct lg_arena_chunk *c = NULL;
	if (a->total >= ARENA_HUGE_AFTER && n <= ARENA_HUGE - sizeof(*c))
		c = huge_chunk(&size);
	if (!c)
		c = lg_xmalloc(sizeof(*c) + size);
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
