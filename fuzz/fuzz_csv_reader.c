/*
 * fuzz_csv_reader.c - the contact-list reader (io/reader.c) on any bytes,
 * through a memfd, as `leadgate verify` reads a file; then the email
 * column finder on the header it read.
 *
 * Each input is read twice: as the program reads it, and with
 * io_reader_no_split(), which sends every line through libcsv.  reader.c
 * promises that the quote-free split gives the rows libcsv gives, so the
 * two passes must agree on every row, on the statistics and on the
 * outcome.  Each row must keep io.h's promises too: fields NUL-terminated
 * at their length, line numbers that go forward.
 */
#include "fuzz/fuzz.h"
#include "io/io.h"

/* One pass: the rows and how it ended, flattened into out. */
static enum lg_status pass(const uint8_t *data, size_t size, bool no_split, struct lg_buf *out,
			   struct io_reader_stats *st)
{
	struct io_reader *r = NULL;
	struct lg_err err = {{0}};
	const struct io_row *row;
	unsigned long last = 0;
	int fd = fuzz_memfd(data, size);

	memset(st, 0, sizeof(*st));
	enum lg_status rc = io_reader_new(&r, fd, "fuzz", &err);
	if (rc == LG_OK) {
		const struct io_row *h = io_reader_header(r);
		FUZZ_CHECK(h->n >= 1 && h->line >= 1 && h->line <= h->last_line);
		long col = io_find_email_column(h, NULL, &err);
		FUZZ_CHECK(col >= -1 && col < (long)h->n);
		last = h->last_line;
		if (no_split)
			io_reader_no_split(r);
		while ((rc = io_reader_next(r, &row, &err)) == LG_OK && row) {
			FUZZ_CHECK(row->n >= 1);
			FUZZ_CHECK(row->line > last && row->line <= row->last_line);
			last = row->last_line;
			lg_buf_addf(out, "%zu %lu %lu|", row->n, row->line, row->last_line);
			for (size_t i = 0; i < row->n; i++) {
				FUZZ_CHECK(row->field[i][row->len[i]] == '\0');
				lg_buf_addf(out, "%zu:", row->len[i]);
				lg_buf_add(out, row->field[i], row->len[i]);
			}
			lg_buf_addc(out, '\n');
		}
		io_reader_stats(r, st);
	}
	FUZZ_CHECK(rc == LG_OK || rc == LG_EDATA);
	FUZZ_CHECK(rc == LG_OK || err.msg[0]);
	io_reader_free(r);
	close(fd);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_buf split = LG_BUF_INIT, csv = LG_BUF_INIT;
	struct io_reader_stats s1, s2;

	enum lg_status r1 = pass(data, size, false, &split, &s1);
	enum lg_status r2 = pass(data, size, true, &csv, &s2);
	FUZZ_CHECK(r1 == r2);
	FUZZ_CHECK(split.len == csv.len && (!split.len || !memcmp(split.data, csv.data, split.len)));
	FUZZ_CHECK(s1.lines == s2.lines && s1.blank_lines == s2.blank_lines);
	FUZZ_CHECK(s1.footer_rows == s2.footer_rows && s1.footer_line == s2.footer_line);
	FUZZ_CHECK(s1.unclosed_quote_line == s2.unclosed_quote_line);
	lg_buf_release(&split);
	lg_buf_release(&csv);
	return 0;
}
