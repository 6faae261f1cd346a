/*
 * io_int.h - what the files of io/ share and nothing else includes (the
 * tests of io/ aside): the JSON Lines reader that io_reader_new_list hands
 * a contact list to when it is one.
 */
#ifndef LG_IO_INT_H
#define LG_IO_INT_H

#include "io.h"

/* Bytes read at a time.  `make fuzz` makes it tiny (-DIO_READ_CHUNK), so
 * that short inputs cross reads: rows and CR LF pairs split between fills. */
#ifndef IO_READ_CHUNK
#define IO_READ_CHUNK (1u << 20)
#endif

/* ---- jsonl.c: JSON Lines, one object a line ---- */

struct io_jsonl;

/*
 * Read JSON Lines from fd (not taken), name for messages (borrowed; it
 * outlives the reader).  The bytes the caller has already read are taken:
 * buf (allocated with lg_xmalloc, cap bytes, owned from now on), of which
 * [pos, len) are unread; eof says read() has returned 0.  *st holds what
 * the caller counted so far (lines skipped, bytes), and the reader counts
 * on from there.  Reads up to the first object, whose keys are the
 * header.  LG_EDATA when the first line that is not blank is not a JSON
 * object, or has no keys; LG_EIO on a read error.  *out is owned: free it
 * with io_jsonl_free (on failure too: *out is always set).
 */
enum lg_status io_jsonl_new(struct io_jsonl **out, int fd, const char *name, char *buf, size_t pos,
			    size_t len, size_t cap, bool eof, const struct io_reader_stats *st,
			    struct lg_err *err);
void io_jsonl_free(struct io_jsonl *j);
/* As io_reader_header, io_reader_next, io_reader_stats, io_reader_crlf. */
const struct io_row *io_jsonl_header(const struct io_jsonl *j);
enum lg_status io_jsonl_next(struct io_jsonl *j, const struct io_row **row, struct lg_err *err);
void io_jsonl_stats(const struct io_jsonl *j, struct io_reader_stats *st);
bool io_jsonl_crlf(const struct io_jsonl *j);

#endif
