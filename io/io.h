/*
 * io.h - contact lists in and out: a streaming CSV reader over libcsv that
 * copes with real CRM exports (and reads JSON Lines lists too, over
 * jansson), the email-column finder, and the CSV / JSON Lines writer.
 *
 * The reader keeps one row (and a few held-back footer candidates) in
 * memory, never the file.
 */
#ifndef LG_IO_H
#define LG_IO_H

#include "common/common.h"

/* ---- reader ---- */

/* A list's format: the reader's input, the writer's output. */
enum io_format {
	IO_FORMAT_CSV,
	IO_FORMAT_JSONL,
};

struct io_row {
	size_t n;                 /* number of fields */
	const char *const *field; /* NUL-terminated fields (borrowed) */
	const size_t *len;        /* their lengths */
	unsigned long line;       /* first physical line of the row, 1-based */
	unsigned long last_line;  /* last physical line (quoted newlines) */
	unsigned long stray_line; /* first line where text follows a closing quote
				    * (`"a@x.io"x,`: read as "a@x.iox"), 0 if none */
	bool plain;               /* no field holds a quote, delimiter or line break */
	const char *malformed;    /* JSON Lines: why the line is no JSON object (borrowed
				   * like the row), else NULL; see io_reader_next */
};

struct io_reader_stats {
	unsigned long lines;       /* physical lines read */
	unsigned long blank_lines; /* blank lines skipped */
	unsigned long footer_rows; /* Salesforce report footer rows (not contacts) */
	unsigned long footer_line; /* first line of the footer, 0 if none */
	unsigned long footer_last;
	unsigned long unclosed_quote_line; /* row whose quote never closed, 0 if none: that row
					    * runs to the end of the input, one record */
	unsigned long preamble_lines; /* lines above the header (notes, blank lines): not rows */
	uint64_t bytes;               /* bytes consumed so far */
	uint64_t size;                /* input size if known (regular file), else 0 */
};

struct io_reader;

/* The delimiter of a CSV whose header line starts at s: the most frequent
 * of , ; TAB outside quotes in that line (a comma when none appears). */
char io_sniff_delim(const char *s, size_t n);

/*
 * Start reading fd (not taken: the caller closes it).  name is used in
 * messages.  Reads the header row, the first that is not blank, having
 * detected a UTF-8 BOM and the delimiter (",", ";" or tab, from the
 * header line).  Input that is not UTF-8 text fails with LG_EDATA; a read
 * error LG_EIO.  *out is owned: free it with io_reader_free.
 */
enum lg_status io_reader_new(struct io_reader **out, int fd, const char *name, struct lg_err *err);

/* What a contact list is written in (io_reader_new_list). */
enum io_input {
	IO_INPUT_AUTO,  /* JSON Lines when its first byte that is not blank is '{', else CSV */
	IO_INPUT_CSV,   /* CSV whatever it starts with */
	IO_INPUT_JSONL, /* JSON Lines whatever it starts with */
};

/* Where the header of a contact list is (io_reader_new_list). */
struct io_header_opts {
	long skip_lines;          /* >= 0: exactly this many lines come before the header
				   * (and any blank lines after them); -1: look for it */
	const char *email_column; /* --email-column, or NULL; borrowed for the call */
	enum io_input input;      /* CSV or JSON Lines; 0 (auto): what it looks like */
};
#define IO_HEADER_SEARCH 20 /* lines looked at for the header */

/*
 * io_reader_new for a contact list that may have lines above its header:
 * LinkedIn's Connections.csv starts with "Notes:", a quoted note and a
 * blank line.  With skip_lines -1 the header is the first of the first
 * IO_HEADER_SEARCH lines that io_header_names_email() takes for a header
 * and that has more filled cells than each line above it (notes fill one
 * or two; a data row that happens to hold a cell "Email" fills as many as
 * the header above it, so it is never taken for the header).  A line that
 * starts inside quotes is not looked at.  When no line qualifies, the
 * header is the first line that is not blank, as with io_reader_new.
 * The lines above the header are counted in preamble_lines.
 *
 * A list may be JSON Lines instead (h->input; by default, when the first
 * byte that is not blank, after a BOM and the skip_lines lines, is '{'):
 * one JSON object a line.  The header is then the keys of the first
 * object, in its order, and that object is the first row too.  A row has
 * the header's cells (a value's text: a string as it is; a number, true
 * or false as JSON text; null, or a key the object lacks, as an empty
 * cell; an array or object as compact JSON), then one cell
 * {"key":value} for each key the header lacks, as a CSV row longer than
 * its header.  LG_EDATA when the first line that is not blank is not a
 * JSON object with keys.  The delimiter is then ',' and there is no
 * header search: nothing comes above a JSON Lines header.
 */
enum lg_status io_reader_new_list(struct io_reader **out, int fd, const char *name,
				  const struct io_header_opts *h, struct lg_err *err);
void io_reader_free(struct io_reader *r);

/* The header row; borrowed until io_reader_free. */
const struct io_row *io_reader_header(const struct io_reader *r);
char io_reader_delim(const struct io_reader *r);
bool io_reader_bom(const struct io_reader *r);
bool io_reader_crlf(const struct io_reader *r); /* header line ended in CRLF */
/* What the list is written in: IO_FORMAT_CSV or IO_FORMAT_JSONL. */
enum io_format io_reader_format(const struct io_reader *r);

/*
 * The next data row, or *row = NULL at the end.  The row is borrowed until
 * the next call.  Rows come in input order; a row with a field count other
 * than the header's is returned as it is.  Footer rows of a Salesforce
 * report are not returned (see io_reader_stats).  Errors: LG_EDATA (NUL
 * byte, a record over IO_RECORD_MAX) and LG_EIO, with the line in err.
 * In JSON Lines a line that is not a JSON object is a row all the same,
 * whose malformed says why: its header cells are empty and the line, as
 * it is, is its one cell past them; the caller gives it a status.
 */
enum lg_status io_reader_next(struct io_reader *r, const struct io_row **row, struct lg_err *err);
void io_reader_stats(const struct io_reader *r, struct io_reader_stats *st);

/* For tests: parse every line with libcsv, none with the quote-free split. */
void io_reader_no_split(struct io_reader *r);

#define IO_RECORD_MAX (1u << 20) /* bytes in one row */

/* ---- columns ---- */

/*
 * The index of the email column of header: name (the --email-column
 * argument: a 1-based column number when it is all digits and the header
 * has that many columns, else a header name matched case-insensitively) or,
 * when name is NULL, the first column whose name is one that HubSpot,
 * Salesforce, Apollo, ZoomInfo, Outreach, Salesloft or LinkedIn exports
 * use.  Returns -1 when there is none, with the headers seen in err.
 */
long io_find_email_column(const struct io_row *header, const char *name, struct lg_err *err);

/*
 * Whether header could be the header of a list whose email column is name
 * (as for io_find_email_column): it has a column named name or, when name
 * is NULL or a number, a column with one of the recognised names.
 */
bool io_header_names_email(const struct io_row *header, const char *name);

/* ---- writer ---- */

/* How a column is written as JSON. */
enum io_kind {
	IO_KIND_TEXT,     /* a string, "" for empty */
	IO_KIND_OPTIONAL, /* a string, null for empty */
	IO_KIND_LIST,     /* ";"-separated -> array of strings */
	IO_KIND_NUMBER,   /* a number the caller formatted: CSV as it is (a leading '-'
			  * is a sign, not a formula), JSON a number (null when the
			  * cell is not one, or not a finite one) */
};

struct io_col {
	const char *name;
	size_t len;
	enum io_kind kind;
};

struct io_cell {
	const char *s;
	size_t len;
	bool plain; /* known to hold no quote, delimiter or line break */
};

/*
 * Which CSV cells get the formula guard: a single quote in front, so that
 * a spreadsheet shows the cell instead of running it (OWASP's advice on
 * CSV injection).  Every mode writes a cell that does not start with
 * = + - @ TAB or CR as it is.
 */
enum io_guard {
	IO_GUARD_AUTO, /* the default: every such cell but a number as written in a contact
			* list, +1 415 555 0100 or -12.5 (see io_formula_guarded) */
	IO_GUARD_ALL,  /* every such cell */
	IO_GUARD_OFF,  /* none */
};

struct io_writer_opts {
	enum io_format format;
	char delim;          /* CSV delimiter */
	bool crlf;           /* CSV line end */
	bool bom;            /* CSV: write a UTF-8 BOM first */
	enum io_guard guard; /* CSV: which cells get the formula guard */
};

struct io_writer;

/*
 * Write to fd (not taken) with these columns (copied; names hold no NUL
 * byte, as the reader's never do).  The CSV header row is written at once.  Owned: free with io_writer_free after
 * io_writer_finish.
 */
struct io_writer *io_writer_new(int fd, const struct io_writer_opts *opts,
				const struct io_col *cols, size_t ncols);
/*
 * The same, but the rows are appended to out (borrowed; it must outlive
 * the writer) instead of written to a descriptor: each io_writer_finish
 * (which may come after every row) moves what the writer holds to out, so
 * that one writer can make row after row into memory (the service's
 * answers are rows of `verify -f jsonl`).
 */
struct io_writer *io_writer_new_mem(struct lg_buf *out, const struct io_writer_opts *opts,
				    const struct io_col *cols, size_t ncols);

/*
 * One row: ncols cells, then nextra cells that had no column (a row longer
 * than its header): CSV writes them after the last column, JSON as the
 * array "_extra" (or "_extra_2"... when a column has that name).  CSV
 * cells that io_formula_guarded says so of (header names too; never an
 * IO_KIND_NUMBER column's) are prefixed with a single quote.
 */
enum lg_status io_writer_row(struct io_writer *w, const struct io_cell *cells,
			     const struct io_cell *extra, size_t nextra, struct lg_err *err);
enum lg_status io_writer_finish(struct io_writer *w, struct lg_err *err);
/* Does the cell s[0..n) get the formula guard in this mode? */
bool io_formula_guarded(enum io_guard mode, const char *s, size_t n);
/* Invalid UTF-8 sequences replaced by U+FFFD in JSON output so far. */
unsigned long io_writer_repaired(const struct io_writer *w);
void io_writer_free(struct io_writer *w);
/* For tests: the names io_writer_new looked up to make the JSON keys
 * unique, a measure of its work that must grow linearly with the header. */
size_t io_writer_key_probes(const struct io_writer *w);

/* ---- spool ---- */

/*
 * A FIFO of byte records (rows waiting for DNS answers, say) whose memory
 * is bounded.  Records live in blocks of IO_SPOOL_BLOCK bytes (a record
 * larger than that gets a block of its own); when the blocks in memory
 * would exceed the budget, blocks that are neither the head (being read)
 * nor the tail (being appended to) go to an unlinked temporary file in
 * $TMPDIR or /tmp, created on the first spill, and come back when the
 * reader reaches them.  Records come out in the order they went in, each
 * starting 8-byte aligned (memcpy a size_t or a pointer out of one).
 * Push, peek and pop are O(1) amortized and allocate nothing per record.
 * Not thread-safe.
 */
#define IO_SPOOL_BLOCK (1u << 20)

struct io_spool;

struct io_spool_stats {
	size_t records;       /* records held */
	size_t mem_bytes;     /* bytes of blocks in memory now */
	size_t mem_peak;      /* the most mem_bytes has been */
	size_t spilled_bytes; /* written to the file over the life of the spool */
};

/*
 * A spool that keeps at most mem_budget bytes of blocks in memory, except
 * that the head and the tail are always kept (so at least two blocks).
 * Owned: free with io_spool_free.
 */
struct io_spool *io_spool_new(size_t mem_budget);
/* The same with blocks of block bytes (4096 at least) instead of
 * IO_SPOOL_BLOCK: a small budget then holds more than two blocks. */
struct io_spool *io_spool_new_blocks(size_t mem_budget, size_t block);
void io_spool_free(struct io_spool *q);

/*
 * Append a copy of the len bytes at rec (len may be 0, rec then NULL).
 * LG_EIO if spilling fails (the message names the temporary file and the
 * errno text): the record is not added, and everything the spool held
 * before is still there to peek and pop.
 */
enum lg_status io_spool_push(struct io_spool *q, const void *rec, size_t len, struct lg_err *err);

/*
 * The oldest record: *rec is borrowed until the next io_spool_pop (pushes
 * do not move it), or NULL (with *len 0) when the spool is empty.  LG_EIO,
 * with the spool unchanged, if reading a block back from the file fails.
 */
enum lg_status io_spool_peek(struct io_spool *q, const void **rec, size_t *len, struct lg_err *err);

/* Drop the oldest record; the spool must not be empty.  Never does I/O. */
void io_spool_pop(struct io_spool *q);

void io_spool_stats(const struct io_spool *q, struct io_spool_stats *st);

/* ---- cells.c: a row packed into one byte string (the store keeps these) ---- */

/* Append the n cells to out: each its length (LEB128), then its bytes. */
void io_cells_pack(struct lg_buf *out, const struct io_cell *cells, size_t n);
/* The same into dst, which holds io_cells_packed_len() bytes. */
size_t io_cells_packed_len(const struct io_cell *cells, size_t n);
void io_cells_pack_to(void *dst, const struct io_cell *cells, size_t n);
/*
 * Unpack [data, data + len): the first max cells go to cells (borrowing
 * data, plain false); returns how many cells the string holds, which may
 * be more than max, or -1 when it is malformed.
 */
long io_cells_unpack(const void *data, size_t len, struct io_cell *cells, size_t max);

#endif
