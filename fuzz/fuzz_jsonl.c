/*
 * fuzz_jsonl.c - the JSON Lines contact-list reader (io/jsonl.c) on any
 * bytes, through a memfd, as `leadgate verify --input-format jsonl` reads
 * a file; then the email column finder on the header it read.
 *
 * Each row must keep io.h's promises: fields NUL-terminated at their
 * length, one line a row with line numbers that go forward, at least the
 * header's cells; a malformed line has empty header cells and the line as
 * its one cell after them, and an object's cells past the header are each
 * an object of one key.  At the end every line is accounted for: a row or
 * a blank line.
 */
#include "fuzz/fuzz.h"
#include "io/io.h"

#include <jansson.h>

/* A cell after the header's of an object row: {"key":value}. */
static void check_extra(const char *s, size_t n)
{
	json_error_t e;
	json_t *o = json_loadb(s, n, 0, &e);
	FUZZ_CHECK(json_is_object(o) && json_object_size(o) == 1);
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct io_reader *r = NULL;
	struct lg_err err = {{0}};
	struct io_reader_stats st;
	const struct io_row *row;
	const struct io_header_opts h = {-1, NULL, IO_INPUT_JSONL};
	unsigned long rows = 0, last = 0;
	int fd = fuzz_memfd(data, size);

	enum lg_status rc = io_reader_new_list(&r, fd, "fuzz", &h, &err);
	if (rc == LG_OK) {
		const struct io_row *hd = io_reader_header(r);
		FUZZ_CHECK(io_reader_format(r) == IO_FORMAT_JSONL);
		FUZZ_CHECK(hd->n >= 1 && hd->line >= 1 && hd->line == hd->last_line);
		for (size_t i = 0; i < hd->n; i++)
			FUZZ_CHECK(hd->field[i][hd->len[i]] == '\0');
		long col = io_find_email_column(hd, NULL, &err);
		FUZZ_CHECK(col >= -1 && col < (long)hd->n);
		while ((rc = io_reader_next(r, &row, &err)) == LG_OK && row) {
			FUZZ_CHECK(row->line > last && row->line == row->last_line);
			/* The first object, the header's, is the first row. */
			FUZZ_CHECK(rows > 0 || row->line == hd->line);
			last = row->line;
			rows++;
			FUZZ_CHECK(row->n >= hd->n);
			for (size_t i = 0; i < row->n; i++)
				FUZZ_CHECK(row->field[i][row->len[i]] == '\0');
			if (row->malformed) {
				FUZZ_CHECK(row->malformed[0] && row->n == hd->n + 1);
				for (size_t i = 0; i < hd->n; i++)
					FUZZ_CHECK(row->len[i] == 0);
				continue;
			}
			for (size_t i = hd->n; i < row->n; i++)
				check_extra(row->field[i], row->len[i]);
		}
		io_reader_stats(r, &st);
		if (rc == LG_OK)
			FUZZ_CHECK(rows + st.blank_lines == st.lines);
	}
	FUZZ_CHECK(rc == LG_OK || rc == LG_EDATA);
	FUZZ_CHECK(rc == LG_OK || err.msg[0]);
	io_reader_free(r);
	close(fd);
	return 0;
}
