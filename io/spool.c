/*
 * spool.c - a FIFO of byte records whose memory is bounded: what does not
 * fit in the budget waits in an unlinked temporary file.
 *
 * Records are appended to fixed-size blocks (IO_SPOOL_BLOCK, or the size
 * io_spool_new_blocks was given, or one block
 * exactly as large as a record that needs more), each record an 8-byte
 * length followed by its bytes, padded to 8 so that every record starts
 * 8-byte aligned.  The blocks form a list from the head (being read) to
 * the tail (being appended to); a block whose every record was popped is
 * freed, except that a drained spool keeps its one block for the next
 * push, so a queue that keeps emptying never allocates.
 *
 * When a new tail would take the blocks in memory past the budget, blocks
 * that are neither head nor tail are written to the file and freed,
 * newest first: the reader needs the oldest soonest.  The file is created
 * on the first spill only (most queues never need it), in $TMPDIR or /tmp,
 * and unlinked at once, so nothing is left behind whatever happens to the
 * process.  A block read back (when it becomes the head) gives its space
 * back to the file system with a punched hole, and when no block is left
 * on disk the file is truncated to 0 and filled from the start again: a
 * long run that keeps the queue long does not grow the file without end.
 *
 * Popping never does I/O: a record popped while its block is still on
 * disk is counted, and skipped when the block is read back (a block that
 * is popped through entirely is never read back).
 */
#include "io.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR 8 /* the length in front of each record */

/* Bytes a record of len bytes takes in a block: length, bytes, padding. */
static inline size_t frame(size_t len)
{
	return HDR + ((len + 7) & ~(size_t)7);
}

struct block {
	struct block *next;          /* toward the tail */
	struct block *rprev, *rnext; /* the resident list (see struct io_spool) */
	unsigned char *data;         /* size bytes; NULL while on disk */
	size_t size;                 /* capacity */
	size_t used;                 /* bytes appended */
	size_t read;                 /* bytes popped (the head only) */
	size_t nrec;                 /* records not yet popped */
	size_t skip;                 /* records popped while on disk */
	off_t off;                   /* where the block is in the file while on disk */
};

struct io_spool {
	struct block *head, *tail;
	/* Blocks in memory that are neither head nor tail, oldest first: the
	 * ones a spill may write out, from the end of this list. */
	struct block *res_first, *res_last;
	size_t records;
	size_t mem, peak, budget;
	size_t blk; /* the size of a block */
	size_t spilled;
	int fd;             /* the spool file, -1 until the first spill */
	char *path;         /* its (unlinked) name, for messages */
	off_t file_end;     /* where the next spilled block goes */
	size_t disk_blocks; /* blocks now in the file */
};

struct io_spool *io_spool_new_blocks(size_t mem_budget, size_t block)
{
	struct io_spool *q = lg_xcalloc(1, sizeof(*q));
	q->budget = mem_budget;
	q->blk = block < 4096 ? 4096 : (block + 7) & ~(size_t)7;
	q->fd = -1;
	return q;
}

struct io_spool *io_spool_new(size_t mem_budget)
{
	return io_spool_new_blocks(mem_budget, IO_SPOOL_BLOCK);
}

static void res_add(struct io_spool *q, struct block *b)
{
	b->rnext = NULL;
	b->rprev = q->res_last;
	if (q->res_last)
		q->res_last->rnext = b;
	else
		q->res_first = b;
	q->res_last = b;
}

static void res_remove(struct io_spool *q, struct block *b)
{
	if (b->rprev)
		b->rprev->rnext = b->rnext;
	else
		q->res_first = b->rnext;
	if (b->rnext)
		b->rnext->rprev = b->rprev;
	else
		q->res_last = b->rprev;
	b->rprev = b->rnext = NULL;
}

static void mem_add(struct io_spool *q, size_t n)
{
	q->mem += n;
	if (q->mem > q->peak)
		q->peak = q->mem;
}

static enum lg_status open_file(struct io_spool *q, struct lg_err *err)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	struct lg_buf path = LG_BUF_INIT;
	lg_buf_addf(&path, "%s/leadgate-spool-XXXXXX", dir);
	int fd = mkostemp(path.data, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		enum lg_status st = lg_err_set(err, LG_EIO, "%s: cannot create the spool file: %s",
					       path.data, strerror(e));
		lg_buf_release(&path);
		return st;
	}
	unlink(path.data);
	q->fd = fd;
	q->path = path.data;
	return LG_OK;
}

/* 0, an errno value, or -1 for a file that ended early. */
static int write_at(int fd, const unsigned char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t k = pwrite(fd, p, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return EIO;
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

static int read_at(int fd, unsigned char *p, size_t n, off_t off)
{
	while (n) {
		ssize_t k = pread(fd, p, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno;
		if (k == 0)
			return -1;
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Write resident block b to the file and free its memory.  On failure b
 * stays in memory, resident, and the spool is unchanged. */
static enum lg_status spill(struct io_spool *q, struct block *b, struct lg_err *err)
{
	if (q->fd < 0) {
		enum lg_status st = open_file(q, err);
		if (st != LG_OK)
			return st;
	}
	int e = write_at(q->fd, b->data, b->used, q->file_end);
	if (e)
		return lg_err_set(err, LG_EIO, "%s: spool write error: %s", q->path, strerror(e));
	res_remove(q, b);
	b->off = q->file_end;
	q->file_end += (off_t)b->used;
	q->disk_blocks++;
	q->spilled += b->used;
	free(b->data);
	b->data = NULL;
	q->mem -= b->size;
	return LG_OK;
}

/* Block b left the file (read back, or popped through): give its space
 * back.  Both calls are best effort: if they fail, the file keeps the
 * bytes and the next spill goes after them. */
static void disk_release(struct io_spool *q, const struct block *b)
{
	q->disk_blocks--;
	if (q->disk_blocks == 0) {
		if (ftruncate(q->fd, 0) == 0)
			q->file_end = 0;
		return;
	}
	(void)fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, b->off, (off_t)b->used);
}

/* Read the head back from the file, then skip what was popped meanwhile.
 * On failure the head stays on disk. */
static enum lg_status load_head(struct io_spool *q, struct lg_err *err)
{
	struct block *h = q->head;
	unsigned char *data = lg_xmalloc(h->size);
	int e = read_at(q->fd, data, h->used, h->off);
	if (e) {
		free(data);
		return lg_err_set(err, LG_EIO, "%s: spool read error: %s", q->path,
				  e < 0 ? "unexpected end of file" : strerror(e));
	}
	h->data = data;
	mem_add(q, h->size);
	disk_release(q, h);
	for (; h->skip; h->skip--) {
		uint64_t n;
		memcpy(&n, h->data + h->read, HDR);
		h->read += frame((size_t)n);
	}
	return LG_OK;
}

static void block_free(struct io_spool *q, struct block *b)
{
	if (b->data) {
		free(b->data);
		q->mem -= b->size;
	} else {
		disk_release(q, b);
	}
	free(b);
}

/*
 * The tail has no room for a frame of need bytes: start a new tail (or
 * give an empty one a bigger buffer), first spilling resident blocks,
 * newest first, for as long as the blocks in memory would exceed the
 * budget.  A head still on disk counts as in memory: it soon will be.
 * If a spill fails, the new tail is made all the same (the spool stays
 * consistent) and the error returned, so that the record is not added.
 */
static enum lg_status make_room(struct io_spool *q, size_t need, struct lg_err *err)
{
	size_t size = need > q->blk ? need : q->blk;
	struct block *t = q->tail;
	bool reuse = t && t->nrec == 0;
	enum lg_status st = LG_OK;

	if (reuse) {
		/* Empty (a drained spool, or a push that failed), but too
		 * small for this record. */
		free(t->data);
		t->data = NULL;
		q->mem -= t->size;
	} else if (t && t != q->head) {
		res_add(q, t);
	}
	size_t pending = q->head && q->head != t && !q->head->data ? q->head->size : 0;
	while (q->res_last && q->mem + pending + size > q->budget) {
		st = spill(q, q->res_last, err);
		if (st != LG_OK)
			break;
	}
	if (!reuse) {
		t = lg_xcalloc(1, sizeof(*t));
		if (q->tail)
			q->tail->next = t;
		else
			q->head = t;
		q->tail = t;
	}
	t->data = lg_xmalloc(size);
	t->size = size;
	t->used = t->read = 0;
	mem_add(q, size);
	return st;
}

enum lg_status io_spool_push(struct io_spool *q, const void *rec, size_t len, struct lg_err *err)
{
	assert(len <= SIZE_MAX / 2);
	size_t need = frame(len);
	struct block *t = q->tail;
	if (!t || t->size - t->used < need) {
		enum lg_status st = make_room(q, need, err);
		if (st != LG_OK)
			return st;
		t = q->tail;
	}
	unsigned char *p = t->data + t->used;
	uint64_t n = len, zero = 0;
	memcpy(p + need - 8, &zero, 8); /* the padding: the file gets no uninitialised bytes */
	memcpy(p, &n, HDR);
	if (len)
		memcpy(p + HDR, rec, len);
	t->used += need;
	t->nrec++;
	q->records++;
	return LG_OK;
}

enum lg_status io_spool_peek(struct io_spool *q, const void **rec, size_t *len, struct lg_err *err)
{
	if (!q->records) {
		*rec = NULL;
		*len = 0;
		return LG_OK;
	}
	struct block *h = q->head;
	if (!h->data) {
		enum lg_status st = load_head(q, err);
		if (st != LG_OK)
			return st;
	}
	uint64_t n;
	memcpy(&n, h->data + h->read, HDR);
	*rec = h->data + h->read + HDR;
	*len = (size_t)n;
	return LG_OK;
}

/* The head holds no more records. */
static void next_head(struct io_spool *q)
{
	struct block *h = q->head;
	if (h == q->tail) {
		/* Drained: keep a block of the usual size for the next push. */
		if (h->size > q->blk) {
			block_free(q, h);
			q->head = q->tail = NULL;
		} else {
			h->read = h->used = 0;
		}
		return;
	}
	q->head = h->next;
	block_free(q, h);
	if (q->head != q->tail && q->head->data)
		res_remove(q, q->head);
}

void io_spool_pop(struct io_spool *q)
{
	struct block *h = q->head;
	assert(q->records > 0 && h && h->nrec > 0);
	q->records--;
	if (h->data) {
		uint64_t n;
		memcpy(&n, h->data + h->read, HDR);
		h->read += frame((size_t)n);
	} else {
		h->skip++;
	}
	if (--h->nrec == 0)
		next_head(q);
}

void io_spool_stats(const struct io_spool *q, struct io_spool_stats *st)
{
	st->records = q->records;
	st->mem_bytes = q->mem;
	st->mem_peak = q->peak;
	st->spilled_bytes = q->spilled;
}

void io_spool_free(struct io_spool *q)
{
	if (!q)
		return;
	struct block *b = q->head;
	while (b) {
		struct block *next = b->next;
		free(b->data);
		free(b);
		b = next;
	}
	if (q->fd >= 0)
		close(q->fd);
	free(q->path);
	free(q);
}
