/*
 * cells.c - a row's cells packed into one byte string, as the store keeps
 * a list member's row (and the list's header) for export: each cell is its
 * length as an unsigned LEB128 number, then its bytes.  A row of nine
 * short cells costs nine bytes over its text.
 */
#include "io.h"

#include <string.h>

size_t io_cells_packed_len(const struct io_cell *cells, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = cells[i].len;
		do
			total++;
		while (len >>= 7);
		total += cells[i].len;
	}
	return total;
}

void io_cells_pack_to(void *dst, const struct io_cell *cells, size_t n)
{
	unsigned char *p = dst;
	for (size_t i = 0; i < n; i++) {
		size_t len = cells[i].len;
		do {
			unsigned char b = len & 0x7f;
			len >>= 7;
			*p++ = (unsigned char)(b | (len ? 0x80 : 0));
		} while (len);
		if (cells[i].len)
			memcpy(p, cells[i].s, cells[i].len);
		p += cells[i].len;
	}
}

void io_cells_pack(struct lg_buf *out, const struct io_cell *cells, size_t n)
{
	size_t len = io_cells_packed_len(cells, n);
	lg_buf_grow(out, len);
	io_cells_pack_to(out->data + out->len, cells, n);
	out->len += len;
	out->data[out->len] = '\0';
}

long io_cells_unpack(const void *data, size_t len, struct io_cell *cells, size_t max)
{
	const unsigned char *p = data, *end = p + len;
	size_t n = 0;
	while (p < end) {
		size_t v = 0;
		unsigned shift = 0;
		for (;;) {
			if (p == end || shift > 28)
				return -1; /* cut short, or longer than any cell could be */
			unsigned char b = *p++;
			v |= (size_t)(b & 0x7f) << shift;
			shift += 7;
			if (!(b & 0x80))
				break;
		}
		if (v > (size_t)(end - p))
			return -1;
		if (n < max)
			cells[n] = (struct io_cell){(const char *)p, v, false};
		n++;
		p += v;
	}
	return (long)n;
}
