/* buf.c - the growable byte buffer and ASCII string helpers. */
#include "common.h"

#include <errno.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lg_buf_grow(struct lg_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = lg_xrealloc(b->data, cap);
	b->cap = cap;
}

void lg_buf_adds(struct lg_buf *b, const char *s)
{
	lg_buf_add(b, s, strlen(s));
}

void lg_buf_addf(struct lg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	lg_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void lg_buf_release(struct lg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool lg_ascii_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lg_ascii_lower((unsigned char)a[i]) != lg_ascii_lower((unsigned char)b[i]))
			return false;
	return true;
}

void lg_ascii_trim(const char **s, size_t *len)
{
	const char *p = *s;
	size_t n = *len;
	while (n && lg_ascii_is_space((unsigned char)p[0])) {
		p++;
		n--;
	}
	while (n && lg_ascii_is_space((unsigned char)p[n - 1]))
		n--;
	*s = p;
	*len = n;
}

bool lg_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}
