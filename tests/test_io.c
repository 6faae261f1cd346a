/*
 * test_io.c - reading messy CRM exports, finding the email column,
 * writing CSV and JSON Lines.  Inputs are real files (and a pipe) written
 * by the tests.
 */
#include "io/io.h"

#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

/* Write data to a temporary file and open it for reading. */
static int tmpfd(const void *data, size_t n)
{
	char path[] = "/tmp/lgioXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	return fd;
}

struct got {
	size_t nrows;
	size_t nfields[32];
	unsigned long line[32], last[32], stray[32], hdr_stray, hdr_line;
	char hdr0[64];
	char cell[32][4][64];
	struct io_reader_stats st;
	enum lg_status status;
	struct lg_err err;
	char delim;
	bool bom, crlf;
	size_t ncols;
};

/* Read all of data as a contact list whose header is where h says (NULL:
 * the first line); keep the first 4 cells of up to 32 rows. */
static void read_list(const char *data, size_t n, const struct io_header_opts *h, struct got *g)
{
	memset(g, 0, sizeof(*g));
	int fd = tmpfd(data, n);
	struct io_reader *r;
	g->status = h ? io_reader_new_list(&r, fd, "t.csv", h, &g->err)
		      : io_reader_new(&r, fd, "t.csv", &g->err);
	if (g->status != LG_OK) {
		close(fd);
		return;
	}
	g->delim = io_reader_delim(r);
	g->bom = io_reader_bom(r);
	g->crlf = io_reader_crlf(r);
	g->ncols = io_reader_header(r)->n;
	g->hdr_stray = io_reader_header(r)->stray_line;
	g->hdr_line = io_reader_header(r)->line;
	snprintf(g->hdr0, sizeof(g->hdr0), "%s", io_reader_header(r)->field[0]);
	const struct io_row *row;
	while ((g->status = io_reader_next(r, &row, &g->err)) == LG_OK && row) {
		size_t i = g->nrows++;
		if (i >= 32)
			continue;
		g->nfields[i] = row->n;
		g->line[i] = row->line;
		g->last[i] = row->last_line;
		g->stray[i] = row->stray_line;
		for (size_t k = 0; k < row->n && k < 4; k++)
			snprintf(g->cell[i][k], 64, "%s", row->field[k]);
	}
	io_reader_stats(r, &g->st);
	io_reader_free(r);
	close(fd);
}

static void read_all(const char *data, size_t n, struct got *g)
{
	read_list(data, n, NULL, g);
}

#define READ(s, g) read_all(s, sizeof(s) - 1, g)
#define READ_LIST(s, h, g) read_list(s, sizeof(s) - 1, h, g)

static void test_bom_semicolon_crlf(void **state)
{
	(void)state;
	struct got g;
	READ("\xEF\xBB\xBFName;Email;Company\r\nAnn;ann@acme.io;\"Acme; Inc\"\r\n", &g);
	assert_int_equal(g.status, LG_OK);
	assert_true(g.bom);
	assert_true(g.crlf);
	assert_int_equal(g.delim, ';');
	assert_int_equal(g.ncols, 3);
	assert_int_equal(g.nrows, 1);
	assert_string_equal(g.cell[0][2], "Acme; Inc");
	assert_int_equal(g.line[0], 2);
}

static void test_delimiters(void **state)
{
	(void)state;
	struct got g;
	READ("Name\tEmail\tNote\nAnn\tann@acme.io\ta, b; c\n", &g);
	assert_int_equal(g.delim, '\t');
	assert_false(g.crlf);
	assert_string_equal(g.cell[0][2], "a, b; c");
	/* Delimiters inside quoted header names do not count. */
	READ("\"a;b;c;d\",Email\nx,y\n", &g);
	assert_int_equal(g.delim, ',');
	assert_int_equal(g.ncols, 2);
	/* A one-column list. */
	READ("Email\nann@acme.io\nbob@acme.io\n", &g);
	assert_int_equal(g.ncols, 1);
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.st.footer_rows, 0);
}

static void test_quoted_newlines_and_lines(void **state)
{
	(void)state;
	struct got g;
	READ("Email,Note\n"
	     "a@x.io,\"two\nlines\"\n"
	     "\n"
	     "b@x.io,\"three\r\nline\r\nnote\"\n"
	     "c@x.io,\"say \"\"hi\"\"\"\n",
	     &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 3);
	assert_string_equal(g.cell[0][1], "two\nlines");
	assert_int_equal(g.line[0], 2);
	assert_int_equal(g.last[0], 3);
	assert_int_equal(g.line[1], 5); /* after the blank line 4 */
	assert_int_equal(g.last[1], 7);
	assert_string_equal(g.cell[1][1], "three\r\nline\r\nnote");
	assert_int_equal(g.line[2], 8);
	assert_string_equal(g.cell[2][1], "say \"hi\"");
	assert_int_equal(g.st.blank_lines, 1);
}

static void test_line_ends(void **state)
{
	(void)state;
	struct got g;
	/* Old Mac exports end lines with a lone CR. */
	READ("Email,N\ra@x.io,1\rb@x.io,2\r\r", &g);
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.line[1], 3);
	assert_int_equal(g.st.blank_lines, 1);
	/* No line end after the last row. */
	READ("Email,N\r\na@x.io,1\r\nb@x.io,2", &g);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.cell[1][1], "2");
	/* Cells keep their spaces (libcsv would trim them by default). */
	READ("Email,N\n  a@x.io , x \n", &g);
	assert_string_equal(g.cell[0][0], "  a@x.io ");
	assert_string_equal(g.cell[0][1], " x ");
}

static void test_ragged(void **state)
{
	(void)state;
	struct got g;
	READ("A,Email,C\n1,a@x.io\n2,b@x.io,3,4,5\n3,c@x.io,3\n", &g);
	assert_int_equal(g.nrows, 3);
	assert_int_equal(g.nfields[0], 2);
	assert_int_equal(g.nfields[1], 5);
	assert_int_equal(g.nfields[2], 3);
	assert_int_equal(g.line[1], 3);
}

static void test_salesforce_footer(void **state)
{
	(void)state;
	struct got g;
	READ("\"Name\",\"Email\"\n"
	     "\"Ann\",\"ann@acme.io\"\n"
	     "\"Bob\",\"bob@acme.io\"\n"
	     "\n"
	     "\"\"\n"
	     "\"My leads report\"\n"
	     "\"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.\"\n"
	     "\"Confidential Information - Do Not Distribute\"\n"
	     "\"Generated By:  Jane Admin  11/3/2024 2:13 PM\"\n"
	     "\"Acme, Inc.\"\n",
	     &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.st.footer_rows, 5);
	assert_int_equal(g.st.footer_line, 6);
	assert_int_equal(g.st.footer_last, 10);
	assert_int_equal(g.st.blank_lines, 2); /* the empty line and the lone "" */

	/* One-cell rows followed by a normal row are data, kept in order. */
	READ("Name,Email\nAnn,a@x.io\nlonely\nalso lonely\nBob,b@x.io\n", &g);
	assert_int_equal(g.nrows, 4);
	assert_string_equal(g.cell[1][0], "lonely");
	assert_string_equal(g.cell[3][0], "Bob");
	assert_int_equal(g.st.footer_rows, 0);

	/* One-cell rows at the end without a Salesforce marker are data too. */
	READ("Name,Email\nAnn,a@x.io\nlonely at the end\n", &g);
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.st.footer_rows, 0);

	/* One-cell rows that hold an address are data, never footer. */
	READ("Name,Email\nAnn,a@x.io\nb@x.io\nc@x.io\n\"Generated By: Bob\"\n", &g);
	assert_int_equal(g.nrows, 3);
	assert_string_equal(g.cell[2][0], "c@x.io");
	assert_int_equal(g.st.footer_rows, 1);

	/* In a one-column file the footer is just its marker rows. */
	READ("Email\na@x.io\n\"Confidential Information - Do Not Distribute\"\n", &g);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.st.footer_rows, 1);
}

static void test_preamble(void **state)
{
	(void)state;
	struct got g;
	const struct io_header_opts find = {-1, NULL, IO_INPUT_AUTO};
	/* LinkedIn's Connections.csv. */
#define LINKEDIN                                                                                   \
	"Notes:\n"                                                                                 \
	"\"When exporting your connection data, you may notice that some of the email "            \
	"addresses are missing.\"\n"                                                               \
	"\n"                                                                                       \
	"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"                   \
	"Maria,Garcia,https://www.linkedin.com/in/mg,maria@northwind.com,Northwind,VP,14 Mar "     \
	"2024\n"                                                                                   \
	"James,Chen,https://www.linkedin.com/in/jc,,Contoso,\"Head of RevOps, EMEA\",02 Feb "      \
	"2024\n"
	READ_LIST(LINKEDIN, &find, &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.hdr_line, 4);
	assert_int_equal(g.st.preamble_lines, 3);
	assert_int_equal(g.st.blank_lines, 0);
	assert_int_equal(g.ncols, 7);
	assert_string_equal(g.hdr0, "First Name");
	assert_int_equal(g.nrows, 2);
	assert_int_equal(g.line[0], 5);
	assert_string_equal(g.cell[1][0], "James");

	/* --email-column: that name is looked for instead; a number looks
	 * for the known names (and a column so named). */
	const struct io_header_opts by_name = {-1, "email address", IO_INPUT_AUTO},
				    by_number = {-1, "4", IO_INPUT_AUTO},
				    other = {-1, "Company", IO_INPUT_AUTO},
				    missing = {-1, "Mail", IO_INPUT_AUTO};
	READ_LIST(LINKEDIN, &by_name, &g);
	assert_int_equal(g.hdr_line, 4);
	READ_LIST(LINKEDIN, &by_number, &g);
	assert_int_equal(g.hdr_line, 4);
	READ_LIST(LINKEDIN, &other, &g);
	assert_int_equal(g.hdr_line, 4);
	READ_LIST(LINKEDIN, &missing, &g); /* not found: the first line */
	assert_int_equal(g.hdr_line, 1);
	assert_int_equal(g.st.preamble_lines, 0);

	/* --skip-lines: exactly that many, blank lines after them skipped. */
	const struct io_header_opts skip3 = {3, NULL, IO_INPUT_AUTO},
				    skip2 = {2, NULL, IO_INPUT_AUTO},
				    skip1 = {1, NULL, IO_INPUT_AUTO},
				    skip0 = {0, NULL, IO_INPUT_AUTO},
				    skip9 = {9, NULL, IO_INPUT_AUTO};
	READ_LIST(LINKEDIN, &skip3, &g);
	assert_int_equal(g.hdr_line, 4);
	assert_int_equal(g.nrows, 2);
	READ_LIST(LINKEDIN, &skip2, &g);
	assert_int_equal(g.hdr_line, 4);
	assert_int_equal(g.st.preamble_lines, 3);
	READ_LIST(LINKEDIN, &skip1, &g);
	assert_int_equal(g.hdr_line, 2);
	assert_int_equal(g.ncols, 1);
	READ_LIST(LINKEDIN, &skip0, &g);
	assert_int_equal(g.hdr_line, 1);
	assert_string_equal(g.hdr0, "Notes:");
	READ_LIST(LINKEDIN, &skip9, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.csv: no header row below the 9 lines skipped"));

	/* The delimiter is the header line's; a BOM is still seen. */
	READ_LIST(
		"\xEF\xBB\xBFReport: leads by owner\r\n\r\nName;Email;Note\r\nAnn;a@x.io;x, y\r\n",
		&find, &g);
	assert_true(g.bom);
	assert_true(g.crlf);
	assert_int_equal(g.delim, ';');
	assert_int_equal(g.hdr_line, 3);
	assert_string_equal(g.cell[0][2], "x, y");

	/* A preamble padded with delimiters, as spreadsheets save it. */
	READ_LIST("Leads report,,,\n,,,\nName,Email,Title,Company\nAnn,a@x.io,VP,Acme\n", &find, &g);
	assert_int_equal(g.hdr_line, 3);
	assert_int_equal(g.nrows, 1);

	/* No preamble: the first line, as always; leading blank lines are
	 * lines above the header, not blank rows. */
	READ_LIST("Name,Email\nAnn,a@x.io\n", &find, &g);
	assert_int_equal(g.hdr_line, 1);
	assert_int_equal(g.st.preamble_lines, 0);
	READ_LIST("\n\r\nName,Email\nAnn,a@x.io\n", &find, &g);
	assert_int_equal(g.hdr_line, 3);
	assert_int_equal(g.st.preamble_lines, 2);
	assert_int_equal(g.st.blank_lines, 0);

	/* A data row holding "Email" under a header without an email column
	 * is no header: it fills no more cells than the line above it. */
	READ_LIST("Name,Phone,Preferred\nAnn,555 0100,Email\nBob,,Email\n", &find, &g);
	assert_int_equal(g.hdr_line, 1);
	assert_int_equal(g.nrows, 2);

	/* A line inside a quoted note is not looked at. */
	READ_LIST("\"Note:\nEmail,Name\nend\"\nName,Email\nAnn,a@x.io\n", &find, &g);
	assert_int_equal(g.hdr_line, 4);
	assert_int_equal(g.st.preamble_lines, 3);

	/* The header is looked for in the first IO_HEADER_SEARCH lines only. */
	struct lg_buf b = LG_BUF_INIT;
	for (int i = 1; i < IO_HEADER_SEARCH; i++)
		lg_buf_addf(&b, "note %d\n", i);
	lg_buf_adds(&b, "Name,Email\nAnn,a@x.io\n");
	read_list(b.data, b.len, &find, &g);
	assert_int_equal(g.hdr_line, IO_HEADER_SEARCH);
	assert_int_equal(g.nrows, 1);
	lg_buf_reset(&b);
	for (int i = 1; i <= IO_HEADER_SEARCH; i++)
		lg_buf_addf(&b, "note %d\n", i);
	lg_buf_adds(&b, "Name,Email\nAnn,a@x.io\n");
	read_list(b.data, b.len, &find, &g);
	assert_int_equal(g.hdr_line, 1);
	lg_buf_release(&b);
#undef LINKEDIN
}

static void test_not_text(void **state)
{
	(void)state;
	struct got g;
	READ("Email\na@x.io\nb@\0x.io\n", &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.csv:3: NUL byte"));

	READ("\xFF\xFE"
	     "E\0m\0a\0i\0l\0\n\0",
	     &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "UTF-16"));

	READ("Name,E\xE9mail\na,b\n", &g); /* Latin-1 header */
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.csv:1: the header is not UTF-8"));
	READ("\n\nName,E\xE9mail\na,b\n", &g); /* after blank lines */
	assert_non_null(strstr(g.err.msg, "t.csv:3: the header is not UTF-8"));

	READ("", &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "empty input"));

	READ("\n\n\n", &g);
	assert_int_equal(g.status, LG_EDATA);
}

static void test_record_cap(void **state)
{
	(void)state;
	/* A quote that never closes swallows the file: refused past the cap. */
	size_t n = IO_RECORD_MAX + 4096;
	char *s = malloc(n + 64);
	int k = snprintf(s, 64, "Email,Note\na@x.io,\"never closed\n");
	for (size_t i = (size_t)k; i < n; i++)
		s[i] = (i % 50 == 49) ? '\n' : 'x';
	struct got g;
	read_all(s, n, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "the row starting at line 2 is longer than"));
	free(s);

	/* A quote-free line is held to the same cap. */
	s = malloc(IO_RECORD_MAX + 256);
	k = snprintf(s, 64, "Email,Note\na@x.io,");
	memset(s + k, 'v', IO_RECORD_MAX + 100 - (size_t)k);
	s[IO_RECORD_MAX + 100] = '\n';
	read_all(s, IO_RECORD_MAX + 101, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.csv:2: the row starting at line 2 is longer than"));
	free(s);

	/* A small unclosed quote at the end: the row is kept and noted. */
	READ("Email,Note\na@x.io,\"oops\nb@x.io,1\n", &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 1);
	assert_int_equal(g.st.unclosed_quote_line, 2);
}

static void test_stray_after_quote(void **state)
{
	(void)state;
	struct got g;
	/* Text after a closing quote ends the quoting: the rest of the field,
	 * up to the delimiter, is plain text, and the rows after it are rows. */
	READ("Name,Email,Company\n"
	     "Ann,ann@contoso.com,Contoso\n"
	     "Olivia,\"olivia@proseware.com\"x,Proseware\n"
	     "Bob,bob@fabrikam.com,Fabrikam\n"
	     "Cara,cara@litware.com,Litware\n"
	     "Dan,dan@adatum.com,Adatum\n",
	     &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 5);
	assert_int_equal(g.nfields[1], 3);
	assert_string_equal(g.cell[1][1], "olivia@proseware.comx");
	assert_string_equal(g.cell[1][2], "Proseware");
	assert_string_equal(g.cell[2][0], "Bob");
	assert_int_equal(g.line[4], 6);
	assert_int_equal(g.stray[0], 0);
	assert_int_equal(g.stray[1], 3);
	assert_int_equal(g.stray[2], 0);
	assert_int_equal(g.st.unclosed_quote_line, 0);

	/* Quotes after the closing one are plain text too; so is a space.
	 * (Python's csv reads these lines the same way.) */
	READ("Email,N,M\n"
	     "a@x.io,\"say\"x\"y\",z\n"
	     "\"b@x.io\" ,2,3\n"
	     "\"c@x.io\"x,\"d\"y\r\n"
	     "\"e@x.io\"x,\n"
	     "f@x.io,\"two\nlines\"x,3\n"
	     "\"g@x.io\"x",
	     &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 6);
	assert_string_equal(g.cell[0][1], "sayx\"y\"");
	assert_string_equal(g.cell[0][2], "z");
	assert_int_equal(g.stray[0], 2);
	assert_string_equal(g.cell[1][0], "b@x.io ");
	assert_int_equal(g.nfields[1], 3);
	assert_int_equal(g.stray[1], 3);
	assert_int_equal(g.nfields[2], 2); /* two strays in a row, CRLF */
	assert_string_equal(g.cell[2][0], "c@x.iox");
	assert_string_equal(g.cell[2][1], "dy");
	assert_int_equal(g.nfields[3], 2); /* the delimiter ends the line */
	assert_string_equal(g.cell[3][0], "e@x.iox");
	assert_string_equal(g.cell[3][1], "");
	assert_string_equal(g.cell[4][1], "two\nlinesx");
	assert_int_equal(g.line[4], 6);
	assert_int_equal(g.last[4], 7);
	assert_int_equal(g.stray[4], 7);   /* the line of the stray text */
	assert_int_equal(g.nfields[5], 1); /* no line end at all */
	assert_string_equal(g.cell[5][0], "g@x.iox");
	assert_int_equal(g.line[5], 8);

	/* A quote inside an unquoted field is plain text, and no stray. */
	READ("Email,Height\na@x.io,5'11\"\nb@x.io,6'\"\"\n", &g);
	assert_int_equal(g.nrows, 2);
	assert_string_equal(g.cell[0][1], "5'11\"");
	assert_string_equal(g.cell[1][1], "6'\"\"");
	assert_int_equal(g.stray[0] + g.stray[1], 0);

	/* In the header. */
	READ("\"Email\"x;Name\na@x.io;Ann\n", &g);
	assert_int_equal(g.delim, ';');
	assert_int_equal(g.ncols, 2);
	assert_int_equal(g.hdr_stray, 1);
	assert_int_equal(g.nrows, 1);
}

static void test_pipe_and_big(void **state)
{
	(void)state;
	/* Many rows through a pipe: chunk boundaries fall inside rows. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		FILE *f = fdopen(p[1], "w");
		fputs("Email,Note\r\n", f);
		for (int i = 0; i < 200000; i++)
			fprintf(f, "user%d@x.io,\"n,%d\"\r\n", i, i);
		fclose(f);
		_exit(0);
	}
	close(p[1]);
	struct io_reader *r;
	struct lg_err err;
	assert_int_equal(io_reader_new(&r, p[0], "pipe", &err), LG_OK);
	const struct io_row *row;
	long i = 0;
	char want[64];
	while (io_reader_next(r, &row, &err) == LG_OK && row) {
		snprintf(want, sizeof(want), "user%ld@x.io", i);
		if (strcmp(row->field[0], want) || row->line != (unsigned long)i + 2)
			fail_msg("row %ld: got %s at line %lu", i, row->field[0], row->line);
		i++;
	}
	assert_int_equal(i, 200000);
	io_reader_free(r);
	close(p[0]);
	waitpid(pid, NULL, 0);
}

/* Read all rows of data into one string "f|f|f\n..." with line numbers,
 * splitting quote-free lines (the fast path) or not. */
static char *rows_text(const char *data, size_t n, bool split)
{
	int fd = tmpfd(data, n);
	struct io_reader *r;
	struct lg_err e;
	struct lg_buf b = LG_BUF_INIT;
	assert_int_equal(io_reader_new(&r, fd, "d.csv", &e), LG_OK);
	if (!split)
		io_reader_no_split(r);
	const struct io_row *row;
	while (io_reader_next(r, &row, &e) == LG_OK && row) {
		lg_buf_addf(&b, "%lu-%lu:", row->line, row->last_line);
		for (size_t i = 0; i < row->n; i++) {
			lg_buf_add(&b, row->field[i], row->len[i]);
			lg_buf_addc(&b, '|');
		}
		lg_buf_addc(&b, '\n');
	}
	struct io_reader_stats st;
	io_reader_stats(r, &st);
	lg_buf_addf(&b, "blank %lu footer %lu\n", st.blank_lines, st.footer_rows);
	io_reader_free(r);
	close(fd);
	return b.data;
}

static void test_split_matches_libcsv(void **state)
{
	(void)state;
	/* Random exports from an alphabet heavy in delimiters, spaces, line
	 * ends and quotes: the rows must not depend on which path read them. */
	static const char alphabet[] = ",,;;\t  \r\n\n\"\"aZ@.-=\xc3\xa9";
	unsigned seed = 12345;
	for (int round = 0; round < 300; round++) {
		char buf[600];
		size_t n = 0;
		const char *hdr = (round % 3 == 0)   ? "Email;B;C\n"
				  : (round % 3 == 1) ? "Email,B\r\n"
						     : "Email\tB\n";
		n = (size_t)snprintf(buf, sizeof(buf), "%s", hdr);
		size_t len = 50 + (size_t)(round * 7 % 500);
		while (n < len) {
			seed = seed * 1103515245u + 12345u;
			buf[n++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		char *a = rows_text(buf, n, true), *b = rows_text(buf, n, false);
		if (strcmp(a, b))
			fail_msg("round %d differs:\nsplit:\n%s\nlibcsv:\n%s", round, a, b);
		free(a);
		free(b);
	}

	/* Large: one-cell rows (held back as possible footer) straddle the
	 * 1 MiB read boundaries, so rows that borrow from the read buffer are
	 * still queued when it is compacted. */
	struct lg_buf big = LG_BUF_INIT;
	lg_buf_adds(&big, "Name,Email\n");
	for (int i = 0; big.len < 3u << 20; i++) {
		if (i % 997 < 40)
			lg_buf_addf(&big, "held %d\n", i);
		else
			lg_buf_addf(&big, "name %d,user%d@acme-robotics.io\n", i, i);
	}
	char *a = rows_text(big.data, big.len, true), *b = rows_text(big.data, big.len, false);
	assert_string_equal(a, b);
	free(a);
	free(b);
	lg_buf_release(&big);
}

/* ---- rows in = rows out + blank + footer, over mutated exports ---- */

/*
 * The records of [s, s + n), counted the plain way, independently of the
 * reader: outside quotes a line end (LF, CRLF or a lone CR) ends a record;
 * a quote opens quoting only as the first byte of a field; inside quotes
 * "" is a quote and a quote followed by anything else closes them.  An
 * empty line is a record (the reader's blank line), and so is text after
 * the last line end, an unclosed quote that runs to the end included.
 */
static size_t ref_records(const char *s, size_t n, char delim)
{
	size_t recs = 0;
	bool field_start = true, quoted = false, pending = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		pending = true;
		if (quoted) {
			if (c != '"')
				continue;
			if (i + 1 < n && s[i + 1] == '"')
				i++;
			else
				quoted = field_start = false;
			continue;
		}
		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
				i++;
			recs++;
			pending = false;
			field_start = true;
		} else if (c == delim) {
			field_start = true;
		} else {
			quoted = c == '"' && field_start;
			field_start = false;
		}
	}
	return recs + pending;
}

/* The offset of physical line `line` (1-based) of s. */
static size_t line_offset(const char *s, size_t n, unsigned long line)
{
	size_t i = 0;
	for (unsigned long k = 1; k < line && i < n; k++) {
		while (i < n && s[i] != '\n' && s[i] != '\r')
			i++;
		if (i < n)
			i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
	}
	return i;
}

/*
 * Read data and check that every record from the header on comes out as a
 * row, a blank line or a footer row, and that the lines above the header
 * are the ones reported.  Returns false when the reader refused the input
 * (with a message, checked by the caller).
 */
static bool rows_accounted(const char *data, size_t n, bool split, const char *what,
			   struct lg_err *e)
{
	int fd = tmpfd(data, n);
	struct io_reader *r;
	const struct io_header_opts find = {-1, NULL, IO_INPUT_AUTO};
	enum lg_status st = io_reader_new_list(&r, fd, "m.csv", &find, e);
	if (st != LG_OK) {
		close(fd);
		return false;
	}
	if (!split)
		io_reader_no_split(r);
	const struct io_row *row;
	size_t rows = 0;
	while ((st = io_reader_next(r, &row, e)) == LG_OK && row)
		rows++;
	if (st != LG_OK)
		fail_msg("%s: %s", what, e->msg);
	struct io_reader_stats rs;
	io_reader_stats(r, &rs);
	const struct io_row *h = io_reader_header(r);
	size_t bom = io_reader_bom(r) ? 3 : 0;
	size_t off = bom + line_offset(data + bom, n - bom, h->line);
	size_t want = ref_records(data + off, n - off, io_reader_delim(r));
	size_t got = 1 + rows + rs.blank_lines + rs.footer_rows;
	if (rs.preamble_lines != h->line - 1)
		fail_msg("%s: header at line %lu, %lu lines above it", what, h->line,
			 rs.preamble_lines);
	if (want != got) {
		fprintf(stderr, "---\n%.*s\n---\n", (int)n, data);
		fail_msg("%s: %zu records from the header (line %lu) on, but 1 header + %zu rows + "
			 "%lu blank + %lu footer = %zu",
			 what, want, h->line, rows, rs.blank_lines, rs.footer_rows, got);
	}
	io_reader_free(r);
	close(fd);
	return true;
}

static void test_rows_accounted(void **state)
{
	(void)state;
	static const char *const files[] = {
		"samples/contacts.csv",
		"samples/messy.csv",
		"tests/data/io/connections.csv",
		"tests/data/bounces/bounces-semicolon.csv",
	};
	/* What exports get wrong, by hand and by editors. */
	static const char *const bytes[] = {"\"",   ",", ";", "\t", "\r",      "\n",
					    "\r\n", "x", " ", "@",  "\xc3\xa9"};
	const size_t nbytes = sizeof(bytes) / sizeof(*bytes);
	struct lg_err e;
	struct lg_buf m = LG_BUF_INIT;
	unsigned seed = 20261122;
	size_t refused = 0, tried = 0;

	static const char stray[] = "Name,Email,Company\n"
				    "Ann,ann@contoso.com,Contoso\n"
				    "Olivia,\"olivia@proseware.com\"x,Proseware\n"
				    "Bob,bob@fabrikam.com,Fabrikam\n";
	assert_true(rows_accounted(stray, sizeof(stray) - 1, true, "stray", &e));

	for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
		struct lg_buf src = LG_BUF_INIT;
		if (lg_read_file(files[f], 1u << 20, &src, &e) != LG_OK)
			fail_msg("%s", e.msg);
		assert_true(rows_accounted(src.data, src.len, true, files[f], &e));
		for (int round = 0; round < 600; round++) {
			lg_buf_reset(&m);
			lg_buf_add(&m, src.data, src.len);
			int edits = 1 + round % 4;
			for (int k = 0; k < edits; k++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % (m.len + 1);
				seed = seed * 1103515245u + 12345u;
				const char *b = bytes[(seed >> 16) % nbytes];
				size_t bl = strlen(b);
				switch ((seed >> 12) % 3) {
				case 0: /* insert */
					lg_buf_grow(&m, bl);
					memmove(m.data + at + bl, m.data + at, m.len - at);
					memcpy(m.data + at, b, bl);
					m.len += bl;
					break;
				case 1: /* delete */
					if (at < m.len) {
						memmove(m.data + at, m.data + at + 1,
							m.len - at - 1);
						m.len--;
					}
					break;
				default: /* replace */
					if (at < m.len)
						m.data[at] = b[0];
				}
			}
			char what[64];
			snprintf(what, sizeof(what), "%s, round %d", files[f], round);
			tried++;
			if (!rows_accounted(m.data, m.len, round % 2 == 0, what, &e)) {
				/* Only a header broken into another encoding is refused. */
				if (!strstr(e.msg, "the header is not UTF-8"))
					fail_msg("%s: %s", what, e.msg);
				refused++;
			}
		}
		lg_buf_release(&src);
	}
	lg_buf_release(&m);
	assert_true(refused < tried / 10);
}

static long find(const char *hdr, const char *name, struct lg_err *e)
{
	struct got g;
	read_all(hdr, strlen(hdr), &g);
	assert_int_equal(g.status, LG_OK);
	int fd = tmpfd(hdr, strlen(hdr));
	struct io_reader *r;
	assert_int_equal(io_reader_new(&r, fd, "h.csv", e), LG_OK);
	long k = io_find_email_column(io_reader_header(r), name, e);
	io_reader_free(r);
	close(fd);
	return k;
}

static void test_email_column(void **state)
{
	(void)state;
	struct lg_err e;
	static const struct {
		const char *hdr;
		long want;
	} v[] = {
		{"First Name,Last Name,Email,Phone\n", 2},    /* HubSpot */
		{"FIRSTNAME,LASTNAME,EMAIL,TITLE\n", 2},      /* SF Data Loader */
		{"First Name,Email Status,Email,Title\n", 2}, /* Apollo */
		{"First Name,Last Name,Email Address,Direct Phone Number\n", 2}, /* ZoomInfo */
		{"Name;E-mail;Firma\n", 1},
		{"name,work_email,personal email\n", 1},
		{"Personal Email,Work Email\n", 1},    /* work wins */
		{"Person - Email,Person - Name\n", 0}, /* Pipedrive */
		{"emailaddress1,fullname\n", 0},       /* Dynamics */
		{"Emails,Name\n", 0},                  /* Outreach */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		if (find(v[i].hdr, NULL, &e) != v[i].want)
			fail_msg("header %zu (%s): want column %ld", i, v[i].hdr, v[i].want);

	assert_int_equal(find("Name,Phone,Company\n", NULL, &e), -1);
	assert_non_null(strstr(e.msg, "\"Name\", \"Phone\", \"Company\""));
	assert_int_equal(find("Name,Contact,Company\n", "contact", &e), 1);
	assert_int_equal(find("Name,Contact,Company\n", "3", &e), 2);
	assert_int_equal(find("Name,Contact\n", "Mail", &e), -1);
	assert_non_null(strstr(e.msg, "no column named \"Mail\""));
	/* A number is a column number whenever the header is that wide. */
	assert_int_equal(find("4,B,C,D\n", "4", &e), 3);
	assert_int_equal(find("Name,4\n", "4", &e), 1);
	assert_int_equal(find("Name,Email\n", "99999999999999999999", &e), -1);
	assert_non_null(strstr(e.msg, "no column named \"99999999999999999999\""));
}

/* Run a writer into a temporary file and return what it wrote (owned). */
static char *written(const struct io_writer_opts *o, const struct io_col *cols, size_t ncols,
		     const struct io_cell *rows, size_t nrows, const struct io_cell *extra,
		     size_t nextra)
{
	char path[] = "/tmp/lgwXXXXXX";
	int fd = mkstemp(path);
	struct lg_err e;
	struct io_writer *w = io_writer_new(fd, o, cols, ncols);
	for (size_t i = 0; i < nrows; i++)
		assert_int_equal(io_writer_row(w, rows + i * ncols, i == nrows - 1 ? extra : NULL,
					       i == nrows - 1 ? nextra : 0, &e),
				 LG_OK);
	assert_int_equal(io_writer_finish(w, &e), LG_OK);
	io_writer_free(w);
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(fd, s, (size_t)n, 0), n);
	close(fd);
	unlink(path);
	return s;
}

#define CELL(s)                                                                                    \
	{                                                                                          \
		s, sizeof(s) - 1, false                                                            \
	}

static void test_writer_csv(void **state)
{
	(void)state;
	const struct io_col cols[] = {{"Name", 4, IO_KIND_TEXT},
				      {"=cmd", 4, IO_KIND_TEXT},
				      {"Flags", 5, IO_KIND_LIST}};
	const struct io_cell rows[] = {
		CELL("Ann"),        CELL("=HYPERLINK(\"http://x\")"),
		CELL("role;free"),  CELL("+1 415"),
		CELL("-5"),         CELL("@SUM(A1)"),
		CELL("a;b"),        CELL("\tx"),
		CELL("two\nlines"),
	};
	const struct io_cell extra[] = {CELL("spare")};
	struct io_writer_opts o = {IO_FORMAT_CSV, ';', true, true, IO_GUARD_ALL};
	char *s = written(&o, cols, 3, rows, 3, extra, 1);
	assert_string_equal(s, "\xEF\xBB\xBFName;'=cmd;Flags\r\n"
			       "Ann;\"'=HYPERLINK(\"\"http://x\"\")\";\"role;free\"\r\n"
			       "'+1 415;'-5;'@SUM(A1)\r\n"
			       "\"a;b\";'\tx;\"two\nlines\";spare\r\n");
	free(s);
}

/*
 * Which cells the formula guard takes, in each mode.  "auto" leaves a
 * number as contact lists write one (a phone number, an amount); anything
 * a spreadsheet could compute or call is guarded.
 */
static void test_formula_guard(void **state)
{
	(void)state;
	static const struct {
		const char *cell;
		bool auto_, all; /* off never guards */
	} v[] = {
		/* numbers: left as they are by auto */
		{"+1 415 555 9911", false, true},
		{"+44 (20) 7946 0958", false, true},
		{"-12.5", false, true},
		{"-1,234.50", false, true},
		{"+1 (415) 555 9911", false, true},
		{"+44.20.7946.0958", false, true},
		{"-0", false, true},
		{"+0.5", false, true},
		{"- 5", false, true},
		{"+1 415 555 9911 ", false, true},
		{"-(1)", false, true},
		{"+5", false, true},
		/* arithmetic: a spreadsheet computes it */
		{"-2+3", true, true},
		{"+1-2", true, true},
		{"+1-415-555-9911", true, true},
		{"+1 (415) 555-9911", true, true},
		{"++1", true, true},
		{"+-1", true, true},
		{"--1", true, true},
		{"-1/2", true, true},
		{"-5%", true, true},
		{"+2*3", true, true},
		{"+2^3", true, true},
		{"-1e5", true, true},
		{"+1:2", true, true},
		/* formulas, calls, references, DDE */
		{"=1+2", true, true},
		{"=1", true, true},
		{"@SUM(A1)", true, true},
		{"@here", true, true},
		{"-cmd|' /C calc'!A0", true, true},
		{"+cmd|' /C calc'!A0", true, true},
		{"=HYPERLINK(\"http://x\")", true, true},
		{"+A1", true, true},
		{"-SUM(1)", true, true},
		{"+1 415 555 9911 ext 2", true, true},
		{"+\"1\"", true, true},
		/* parentheses that hold anything but digits */
		{"+()", true, true},
		{"+(1", true, true},
		{"+1)", true, true},
		{"+((1))", true, true},
		{"+(1 2)", true, true},
		{"+( 1)", true, true},
		{"+(A1)", true, true},
		/* no digit */
		{"-", true, true},
		{"+", true, true},
		{"- ", true, true},
		{"+.", true, true},
		{"-,", true, true},
		/* white space a spreadsheet may skip, and what is not ASCII */
		{"\t1", true, true},
		{"\r1", true, true},
		{"-\t1", true, true},
		{"+1 415\n", true, true},
		{"+\xC2\xA0"
		 "1",
		 true, true},
		{"-\xEF\xBC\x91", true, true}, /* a full-width digit */
		/* not a formula start: never guarded */
		{"", false, false},
		{"1e5", false, false},
		{"415-555-9911", false, false},
		{" +1", false, false},
		{" =1+2", false, false},
		{"a@b.io", false, false},
		{"'+1", false, false},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		const char *c = v[i].cell;
		size_t n = strlen(c);
		if (io_formula_guarded(IO_GUARD_AUTO, c, n) != v[i].auto_)
			fail_msg("auto: \"%s\" should%s be guarded", c, v[i].auto_ ? "" : " not");
		if (io_formula_guarded(IO_GUARD_ALL, c, n) != v[i].all)
			fail_msg("all: \"%s\" should%s be guarded", c, v[i].all ? "" : " not");
		if (io_formula_guarded(IO_GUARD_OFF, c, n))
			fail_msg("off: \"%s\" should not be guarded", c);
	}
	/* The length counts, not a NUL: "+1" then a letter past the cell. */
	assert_false(io_formula_guarded(IO_GUARD_AUTO, "+1A", 2));
	assert_true(io_formula_guarded(IO_GUARD_AUTO, "+1A", 3));
}

/* The three modes through the CSV writer, header names included; a
 * NUMBER column is never guarded. */
static void test_writer_csv_guard_modes(void **state)
{
	(void)state;
	const struct io_col cols[] = {{"Phone", 5, IO_KIND_TEXT},
				      {"=cmd", 4, IO_KIND_TEXT},
				      {"-x", 2, IO_KIND_NUMBER}};
	const struct io_cell rows[] = {
		CELL("+1 415 555 9911"),    CELL("-2+3"),     CELL("-5"),
		CELL("+44 (20) 7946 0958"), CELL("@SUM(A1)"), CELL("-0.25"),
	};
	static const struct {
		enum io_guard mode;
		const char *want;
	} v[] = {
		{IO_GUARD_AUTO,
		 "Phone,'=cmd,-x\n+1 415 555 9911,'-2+3,-5\n+44 (20) 7946 0958,'@SUM(A1),-0.25\n"},
		{IO_GUARD_ALL, "Phone,'=cmd,-x\n'+1 415 555 9911,'-2+3,-5\n'+44 (20) 7946 "
			       "0958,'@SUM(A1),-0.25\n"},
		{IO_GUARD_OFF,
		 "Phone,=cmd,-x\n+1 415 555 9911,-2+3,-5\n+44 (20) 7946 0958,@SUM(A1),-0.25\n"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct io_writer_opts o = {IO_FORMAT_CSV, ',', false, false, v[i].mode};
		char *s = written(&o, cols, 3, rows, 2, NULL, 0);
		assert_string_equal(s, v[i].want);
		free(s);
	}
}

static void test_writer_jsonl(void **state)
{
	(void)state;
	const struct io_col cols[] = {{"Email", 5, IO_KIND_TEXT},
				      {"Email", 5, IO_KIND_TEXT},
				      {"f", 1, IO_KIND_LIST},
				      {"_extra", 6, IO_KIND_OPTIONAL}};
	const struct io_cell rows[] = {
		CELL("=a@x.io"),     CELL(""),     CELL("role;free"), CELL(""),
		CELL("bad\xE9utf8"), CELL("q\"x"), CELL(""),          CELL("v"),
	};
	const struct io_cell extra[] = {CELL("spare")};
	struct io_writer_opts o = {IO_FORMAT_JSONL, ',', false, false, IO_GUARD_AUTO};
	char *s = written(&o, cols, 4, rows, 2, extra, 1);
	assert_string_equal(s, "{\"Email\":\"=a@x.io\",\"Email_2\":\"\",\"f\":[\"role\",\"free\"],"
			       "\"_extra\":null}\n"
			       "{\"Email\":\"bad\xEF\xBF\xBDutf8\",\"Email_2\":\"q\\\"x\",\"f\":[],"
			       "\"_extra\":\"v\","
			       "\"_extra_2\":[\"spare\"]}\n");
	free(s);
}

/* One JSON Lines row of cols and cells (and nextra extra cells) as
 * written, *repaired the writer's count of U+FFFD.  Owned. */
static char *json_row(const struct io_col *cols, size_t ncols, const struct io_cell *cells,
		      const struct io_cell *extra, size_t nextra, unsigned long *repaired)
{
	char path[] = "/tmp/lgwXXXXXX";
	int fd = mkstemp(path);
	struct lg_err e;
	struct io_writer_opts o = {IO_FORMAT_JSONL, ',', false, false, IO_GUARD_AUTO};
	struct io_writer *w = io_writer_new(fd, &o, cols, ncols);
	assert_int_equal(io_writer_row(w, cells, extra, nextra, &e), LG_OK);
	assert_int_equal(io_writer_finish(w, &e), LG_OK);
	*repaired = io_writer_repaired(w);
	io_writer_free(w);
	off_t n = lseek(fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)n + 1);
	assert_int_equal(pread(fd, s, (size_t)n, 0), n);
	close(fd);
	unlink(path);
	return s;
}

/* line is one JSON object and a line feed, exactly as jansson writes the
 * object it parses from it; returns the object (owned). */
static json_t *parse_line(const char *line)
{
	size_t n = strlen(line);
	json_error_t je;
	assert_true(n > 0 && line[n - 1] == '\n');
	assert_null(memchr(line, '\n', n - 1));
	json_t *obj = json_loadb(line, n - 1, JSON_ALLOW_NUL, &je);
	if (!obj)
		fail_msg("not JSON (%s): %s", je.text, line);
	char *again = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (strlen(again) != n - 1 || memcmp(again, line, n - 1))
		fail_msg("jansson writes\n%s\nnot\n%s", again, line);
	free(again);
	return obj;
}

static void expect_jstring(json_t *v, const char *want, size_t len, const char *what)
{
	if (!json_is_string(v))
		fail_msg("%s: not a string", what);
	if (json_string_length(v) != len || memcmp(json_string_value(v), want, len))
		fail_msg("%s: got \"%s\" (%zu bytes), want \"%s\" (%zu bytes)", what,
			 json_string_value(v), json_string_length(v), want, len);
}

#define FFFD "\xEF\xBF\xBD"

/*
 * Cells with everything JSON must escape or may not hold, written as a
 * string, an optional string, a list and an extra cell: each line is
 * valid JSON that jansson reads back to the cell (invalid UTF-8 as one
 * U+FFFD a byte) and would write byte for byte the same.
 */
static void test_writer_json_nasty(void **state)
{
	(void)state;
	static const struct {
		const char *cell, *want;
		size_t len, want_len; /* 0: strlen */
		unsigned long repaired;
	} v[] = {
		{"plain", "plain", 0, 0, 0},
		{"", "", 0, 0, 0},
		{"q\"uo\"te", "q\"uo\"te", 0, 0, 0},
		{"back\\slash\\", "back\\slash\\", 0, 0, 0},
		{"/slash/ \x7F del", "/slash/ \x7F del", 0, 0, 0},
		{"\x01\x02\x03\x04\x05\x06\x07\b\t\n\x0B\f\r\x0E\x0F",
		 "\x01\x02\x03\x04\x05\x06\x07\b\t\n\x0B\f\r\x0E\x0F", 0, 0, 0},
		{"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F",
		 "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1A\x1B\x1C\x1D\x1E\x1F", 0, 0, 0},
		{"nul\0inside", "nul\0inside", 10, 10, 0},
		{"\0", "\0", 1, 1, 0},
		{"line\xE2\x80\xA8sep\xE2\x80\xA9par", "line\xE2\x80\xA8sep\xE2\x80\xA9par", 0, 0,
		 0},
		{"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF",
		 "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF \xF4\x8F\xBF\xBF", 0, 0, 0},
		{"bad\xE9latin1", "bad" FFFD "latin1", 0, 0, 1},
		{"\x80\xBF", FFFD FFFD, 0, 0, 2},                   /* lone continuations */
		{"\xC0\x80", FFFD FFFD, 0, 0, 2},                   /* overlong NUL */
		{"\xC1\xBF", FFFD FFFD, 0, 0, 2},                   /* overlong */
		{"\xE0\x80\x80", FFFD FFFD FFFD, 0, 0, 3},          /* overlong */
		{"\xE0\x9F\xBF", FFFD FFFD FFFD, 0, 0, 3},          /* overlong */
		{"\xED\xA0\x80", FFFD FFFD FFFD, 0, 0, 3},          /* a surrogate */
		{"\xED\x9F\xBF", "\xED\x9F\xBF", 0, 0, 0},          /* U+D7FF is fine */
		{"\xF0\x8F\xBF\xBF", FFFD FFFD FFFD FFFD, 0, 0, 4}, /* overlong */
		{"\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD, 0, 0, 4}, /* past U+10FFFF */
		{"\xF5\xF8\xFC\xFE\xFF", FFFD FFFD FFFD FFFD FFFD, 0, 0, 5},
		{"cut\xC3", "cut" FFFD, 0, 0, 1}, /* sequences cut short */
		{"cut\xE2\x82", "cut" FFFD FFFD, 0, 0, 2},
		{"cut\xF0\x9F\x98", "cut" FFFD FFFD FFFD, 0, 0, 3},
		{"\xE2\x82x\"", FFFD FFFD "x\"", 0, 0, 2},
		{"\xC3\xA9\xA9\x01", "\xC3\xA9" FFFD "\x01", 0, 0, 1},
	};
	const struct io_col cols[] = {{"text", 4, IO_KIND_TEXT},
				      {"opt", 3, IO_KIND_OPTIONAL},
				      {"list", 4, IO_KIND_LIST},
				      {"k\"\\\x01", 4, IO_KIND_TEXT}};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		size_t len = v[i].len ? v[i].len : strlen(v[i].cell);
		size_t want_len = v[i].want_len ? v[i].want_len : strlen(v[i].want);
		char list[64];
		memcpy(list, ";", 1);
		memcpy(list + 1, v[i].cell, len);
		memcpy(list + 1 + len, ";;", 2);
		const struct io_cell cells[] = {
			{v[i].cell, len, false},
			{v[i].cell, len, false},
			{list, len + 3, false},
			{"key", 3, true},
		};
		const struct io_cell extra[] = {{v[i].cell, len, false}, {"", 0, true}};
		unsigned long repaired;
		char *line = json_row(cols, 4, cells, extra, 2, &repaired);
		json_t *obj = parse_line(line);
		char what[64];
		snprintf(what, sizeof(what), "cell %zu", i);
		assert_int_equal(json_object_size(obj), 5);
		expect_jstring(json_object_get(obj, "text"), v[i].want, want_len, what);
		if (len)
			expect_jstring(json_object_get(obj, "opt"), v[i].want, want_len, what);
		else
			assert_true(json_is_null(json_object_get(obj, "opt")));
		json_t *l = json_object_get(obj, "list");
		assert_int_equal(json_array_size(l), len ? 1 : 0);
		if (len)
			expect_jstring(json_array_get(l, 0), v[i].want, want_len, what);
		expect_jstring(json_object_get(obj, "k\"\\\x01"), "key", 3, what);
		json_t *x = json_object_get(obj, "_extra");
		assert_int_equal(json_array_size(x), 2);
		expect_jstring(json_array_get(x, 0), v[i].want, want_len, what);
		expect_jstring(json_array_get(x, 1), "", 0, what);
		if (repaired != 4 * v[i].repaired)
			fail_msg("%s: %lu repaired, want %lu", what, repaired, 4 * v[i].repaired);
		json_decref(obj);
		free(line);
	}

	/* Random bytes, most of them the awkward ones: every line is the
	 * JSON jansson would write, and a cell that is UTF-8 (jansson takes
	 * it as a string) comes back as it was. */
	static const unsigned char awkward[] = {0,    1,    0x1F, '"',  '\\', '/',  0x7F,
						0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xE2, 0xED,
						0xF0, 0xF4, 0xF5, 0xFF, 'a'};
	unsigned seed = 11;
	for (int round = 0; round < 3000; round++) {
		unsigned char cell[24];
		seed = seed * 1103515245u + 12345u;
		size_t len = (seed >> 16) % sizeof(cell);
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = seed >> 16;
			cell[k] = r & 1 ? awkward[(r >> 1) % sizeof(awkward)]
					: (unsigned char)(r >> 3);
		}
		const struct io_cell c = {(const char *)cell, len, false};
		unsigned long repaired;
		char *line = json_row(cols, 1, &c, NULL, 0, &repaired);
		json_t *obj = parse_line(line);
		json_t *as_is = json_stringn((const char *)cell, len);
		if (as_is) {
			expect_jstring(json_object_get(obj, "text"), (const char *)cell, len,
				       "random");
			assert_int_equal(repaired, 0);
			json_decref(as_is);
		} else {
			assert_true(repaired > 0);
		}
		json_decref(obj);
		free(line);
	}
}

/* A NUMBER cell is written as jansson writes the real strtod reads in it,
 * or null. */
static void test_writer_json_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *cell, *want;
	} v[] = {
		{"1", "1.0"},
		{"0.1", "0.1"},
		{"-0", "-0.0"},
		{"12.345", "12.345"},
		{"87.50", "87.5"},
		{"1e20", "1e20"},
		{"1e-7", "1e-7"},
		{"-2.5e-300", "-2.5e-300"},
		{"123456789012345678", "1.23456789012346e17"},
		{"1e15", "1e15"},
		{"100", "100.0"},
		{" 5", "5.0"},
		{"", "null"},
		{"abc", "null"},
		{"5x", "null"},
		{"nan", "null"},
		{"inf", "null"},
		{"1e999", "null"},
	};
	const struct io_col col = {"n", 1, IO_KIND_NUMBER};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		const struct io_cell c = {v[i].cell, strlen(v[i].cell), true};
		unsigned long repaired;
		char *line = json_row(&col, 1, &c, NULL, 0, &repaired);
		char want[64];
		snprintf(want, sizeof(want), "{\"n\":%s}\n", v[i].want);
		assert_string_equal(line, want);
		json_decref(parse_line(line));
		free(line);
	}
	/* Doubles all over the range, against jansson's own writing. */
	uint64_t x = 1;
	for (int i = 0; i < 5000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double d;
		memcpy(&d, &x, sizeof(d));
		if (!isfinite(d))
			continue;
		char cell[40];
		snprintf(cell, sizeof(cell), i % 2 ? "%.17g" : "%.3f",
			 i % 3 ? d : (double)(x % 100000) / 100);
		const struct io_cell c = {cell, strlen(cell), true};
		unsigned long repaired;
		char *line = json_row(&col, 1, &c, NULL, 0, &repaired);
		json_t *o = json_object();
		json_object_set_new(o, "n", json_real(strtod(cell, NULL)));
		char *want = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
		if (strncmp(line, want, strlen(want)) || strcmp(line + strlen(want), "\n"))
			fail_msg("cell %s: wrote %s, jansson %s", cell, line, want);
		free(want);
		json_decref(o);
		free(line);
	}
}

/*
 * The keys of a JSON Lines writer over a header of n names, as json_t
 * strings in order: the first row (n empty cells and one extra cell)
 * parsed back by jansson.  *probes gets io_writer_key_probes.  Owned:
 * json_decref.
 */
static json_t *keys_of(const char *const *names, size_t n, size_t *probes)
{
	struct io_col *cols = calloc(n ? n : 1, sizeof(*cols));
	struct io_cell *cells = calloc(n ? n : 1, sizeof(*cells));
	for (size_t i = 0; i < n; i++) {
		cols[i] = (struct io_col){names[i], strlen(names[i]), IO_KIND_TEXT};
		cells[i] = (struct io_cell){"", 0, true};
	}
	const struct io_cell extra = CELL("spare");
	char path[] = "/tmp/lgwXXXXXX";
	int fd = mkstemp(path);
	struct io_writer_opts o = {IO_FORMAT_JSONL, ',', false, false, IO_GUARD_AUTO};
	struct lg_err e;
	struct io_writer *w = io_writer_new(fd, &o, cols, n);
	*probes = io_writer_key_probes(w);
	assert_int_equal(io_writer_row(w, cells, &extra, 1, &e), LG_OK);
	assert_int_equal(io_writer_finish(w, &e), LG_OK);
	io_writer_free(w);
	json_error_t je;
	lseek(fd, 0, SEEK_SET);
	json_t *obj = json_loadfd(fd, JSON_DISABLE_EOF_CHECK, &je);
	close(fd);
	unlink(path);
	if (!obj)
		fail_msg("writer output is not JSON: %s", je.text);
	json_t *keys = json_array();
	for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it))
		json_array_append_new(keys, json_string(json_object_iter_key(it)));
	json_decref(obj);
	free(cols);
	free(cells);
	return keys;
}

/* The renaming rule by its definition, for the test to hold the writer
 * to: each name, else the first of name_2, name_3 ... that no earlier
 * key is; then "_extra" the same way.  Quadratic, for small headers. */
static char **keys_by_definition(const char *const *names, size_t n)
{
	char **k = calloc(n + 1, sizeof(*k));
	for (size_t i = 0; i <= n; i++) {
		const char *name = i < n ? names[i] : "_extra";
		char cand[128];
		snprintf(cand, sizeof(cand), "%s", name);
		for (unsigned suffix = 2;; suffix++) {
			size_t j = 0;
			while (j < i && strcmp(k[j], cand))
				j++;
			if (j == i)
				break;
			snprintf(cand, sizeof(cand), "%s_%u", name, suffix);
		}
		k[i] = strdup(cand);
	}
	return k;
}

static void expect_keys(const char *const *names, size_t n)
{
	size_t probes;
	json_t *keys = keys_of(names, n, &probes);
	char **want = keys_by_definition(names, n);
	assert_int_equal(json_array_size(keys), n + 1);
	for (size_t i = 0; i <= n; i++) {
		const char *got = json_string_value(json_array_get(keys, i));
		if (strcmp(got, want[i]))
			fail_msg("key %zu of %zu: got \"%s\", want \"%s\"", i, n, got, want[i]);
		free(want[i]);
	}
	free(want);
	json_decref(keys);
}

static void test_writer_keys_unique(void **state)
{
	(void)state;
	static const char *const hdrs[][6] = {
		{"x", "x", "x"},
		{"x_2", "x", "x"}, /* the second x skips the taken x_2 */
		{"x", "x", "x_2"}, /* a later x_2 is x_2_2 */
		{"x", "x_2", "x", "x_3", "x"},
		{"_extra", "_extra_2"}, /* the extra cells' key moves on */
		{"a", "a_2_2", "a", "a_2", "a"},
		{"", "", "_2"},
	};
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(*hdrs); i++) {
		size_t n = 0;
		while (n < 6 && hdrs[i][n])
			n++;
		expect_keys(hdrs[i], n);
	}
	/* Random headers of names that run into each other's suffixes. */
	static const char *const pool[] = {"x",      "x_2",      "x_3", "x_2_2", "x_10",
					   "_extra", "_extra_2", "y",   "x_1",   "x_02"};
	const char *names[60];
	unsigned seed = 7;
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + round % 60;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			names[i] = pool[(seed >> 16) % (sizeof(pool) / sizeof(*pool))];
		}
		expect_keys(names, n);
	}
}

/*
 * Making keys unique is linear in the header: a header of thousands of
 * columns of one name (12 KB of CSV) took a minute when each column
 * compared every suffix with every earlier key.  The work is counted, not
 * timed: at most 4 look-ups a column whatever the names.
 */
static void test_writer_keys_linear(void **state)
{
	(void)state;
	enum { N = 3000 };
	static const char *names[2 * N];
	static char spelled[N][16];
	size_t probes;

	for (size_t i = 0; i < N; i++)
		names[i] = "x";
	json_t *keys = keys_of(names, N, &probes);
	assert_int_equal(json_array_size(keys), N + 1);
	assert_string_equal(json_string_value(json_array_get(keys, 0)), "x");
	assert_string_equal(json_string_value(json_array_get(keys, N - 1)), "x_3000");
	assert_string_equal(json_string_value(json_array_get(keys, N)), "_extra");
	json_decref(keys);
	if (probes > 4 * (size_t)N)
		fail_msg("%zu look-ups for %d columns named x", probes, N);

	/* x_2 ... x_3001 first, then 3000 x: the first x runs past them all
	 * once, the others never again. */
	for (size_t i = 0; i < N; i++) {
		snprintf(spelled[i], sizeof(spelled[i]), "x_%zu", i + 2);
		names[i] = spelled[i];
		names[N + i] = "x";
	}
	keys = keys_of(names, 2 * N, &probes);
	assert_string_equal(json_string_value(json_array_get(keys, N)), "x");
	assert_string_equal(json_string_value(json_array_get(keys, N + 1)), "x_3002");
	assert_string_equal(json_string_value(json_array_get(keys, 2 * N - 1)), "x_6000");
	json_decref(keys);
	if (probes > 4 * (size_t)(2 * N))
		fail_msg("%zu look-ups for %d columns", probes, 2 * N);
}

static void test_writer_error(void **state)
{
	(void)state;
	/* Writing to a full device is an error, not a silent loss. */
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	const struct io_col cols[] = {{"Email", 5, IO_KIND_TEXT}};
	struct io_writer_opts o = {IO_FORMAT_CSV, ',', false, false, IO_GUARD_AUTO};
	struct io_writer *w = io_writer_new(fd, &o, cols, 1);
	struct lg_err e;
	struct io_cell c = CELL("a@x.io");
	assert_int_equal(io_writer_row(w, &c, NULL, 0, &e), LG_OK); /* buffered */
	assert_int_equal(io_writer_finish(w, &e), LG_EIO);
	assert_non_null(strstr(e.msg, "No space left"));
	io_writer_free(w);
	close(fd);
}

/* ---- spool ---- */

/* The bytes of record i: its length and contents follow from i alone. */
static size_t spool_len(size_t i, size_t max)
{
	return (size_t)((i * 2654435761u) >> 7) % (max + 1);
}

static unsigned char spool_byte(size_t i, size_t k)
{
	return (unsigned char)(i * 131 + k * 7 + (k >> 8));
}

static void spool_push_rec(struct io_spool *q, size_t i, size_t len, unsigned char *scratch)
{
	struct lg_err e;
	for (size_t k = 0; k < len; k++)
		scratch[k] = spool_byte(i, k);
	if (io_spool_push(q, len ? scratch : NULL, len, &e) != LG_OK)
		fail_msg("push %zu: %s", i, e.msg);
}

/* The oldest record must be record i of length len. */
static void spool_expect(struct io_spool *q, size_t i, size_t len)
{
	struct lg_err e;
	const void *rec;
	size_t n;
	if (io_spool_peek(q, &rec, &n, &e) != LG_OK)
		fail_msg("peek %zu: %s", i, e.msg);
	if (!rec || n != len)
		fail_msg("record %zu: got %zu bytes at %p, want %zu", i, n, rec, len);
	assert_int_equal((uintptr_t)rec % 8, 0);
	const unsigned char *p = rec;
	for (size_t k = 0; k < len; k++)
		if (p[k] != spool_byte(i, k))
			fail_msg("record %zu: byte %zu differs", i, k);
}

static void spool_expect_empty(struct io_spool *q)
{
	struct lg_err e;
	const void *rec = "x";
	size_t n = 1;
	assert_int_equal(io_spool_peek(q, &rec, &n, &e), LG_OK);
	assert_null(rec);
	assert_int_equal(n, 0);
}

static void test_spool_small(void **state)
{
	(void)state;
	struct io_spool *q = io_spool_new(8u << 20);
	struct lg_err e;
	static const char *const recs[] = {"ann@acme.io", "", "b", "bob@example.com,Bob,Acme"};
	spool_expect_empty(q);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(io_spool_push(q, recs[i], strlen(recs[i]), &e), LG_OK);
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.mem_bytes, IO_SPOOL_BLOCK);
	for (size_t i = 0; i < 4; i++) {
		const void *rec;
		size_t n;
		assert_int_equal(io_spool_peek(q, &rec, &n, &e), LG_OK);
		assert_non_null(rec);
		assert_int_equal(n, strlen(recs[i]));
		assert_memory_equal(rec, recs[i], n);
		/* Pushing does not move the record peeked. */
		assert_int_equal(io_spool_push(q, "later", 5, &e), LG_OK);
		assert_memory_equal(rec, recs[i], n);
		io_spool_pop(q);
	}
	io_spool_stats(q, &st);
	assert_int_equal(st.records, 4);
	assert_int_equal(st.spilled_bytes, 0);
	io_spool_free(q);
}

static void test_spool_spill(void **state)
{
	(void)state;
	/* 200,000 records of 0..600 bytes through a 2 MiB budget: pushes and
	 * pops interleave, the queue grows for a while then shrinks, so many
	 * blocks go to the file and come back.  Some records are popped
	 * without a peek (maybe while their block is on disk); some peeked
	 * records must survive pushes that spill. */
	const size_t total = 200000, budget = 2u << 20;
	struct io_spool *q = io_spool_new(budget);
	unsigned char scratch[601];
	size_t pushed = 0, popped = 0;
	unsigned seed = 4242;
	for (size_t step = 0; popped < total; step++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = (seed >> 16) % 8;
		bool growing = (step / 40000) % 2 == 0;
		if (pushed < total && (pushed == popped || r < (growing ? 6u : 2u))) {
			spool_push_rec(q, pushed, spool_len(pushed, 600), scratch);
			pushed++;
			continue;
		}
		if (r == 7) { /* pop unseen */
			io_spool_pop(q);
			popped++;
			continue;
		}
		spool_expect(q, popped, spool_len(popped, 600));
		if (r == 6 && pushed < total) {
			const void *rec;
			size_t n;
			struct lg_err e;
			assert_int_equal(io_spool_peek(q, &rec, &n, &e), LG_OK);
			for (int k = 0; k < 50 && pushed < total; k++, pushed++)
				spool_push_rec(q, pushed, spool_len(pushed, 600), scratch);
			const void *again;
			assert_int_equal(io_spool_peek(q, &again, &n, &e), LG_OK);
			assert_ptr_equal(rec, again);
			spool_expect(q, popped, spool_len(popped, 600));
		}
		io_spool_pop(q);
		popped++;
	}
	spool_expect_empty(q);
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_int_equal(st.records, 0);
	assert_true(st.spilled_bytes > 0);
	assert_true(st.mem_peak <= budget + 2 * IO_SPOOL_BLOCK);
	assert_true(st.mem_bytes <= IO_SPOOL_BLOCK);
	io_spool_free(q);
}

static void test_spool_big_record(void **state)
{
	(void)state;
	/* Records larger than a block, and one that fills a block exactly,
	 * with no budget: whatever is not head or tail goes to disk. */
	struct io_spool *q = io_spool_new(0);
	const size_t big = 3 * IO_SPOOL_BLOCK + 5, exact = IO_SPOOL_BLOCK - 8;
	const size_t lens[] = {10, big, 0, 20, exact, 7, big, 1};
	const size_t n = sizeof(lens) / sizeof(*lens);
	unsigned char *scratch = malloc(big);
	for (size_t i = 0; i < n; i++)
		spool_push_rec(q, i, lens[i], scratch);
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_true(st.spilled_bytes >= big + exact);
	for (size_t i = 0; i < n; i++) {
		spool_expect(q, i, lens[i]);
		io_spool_pop(q);
	}
	spool_expect_empty(q);
	/* A big record in an empty spool, then small ones behind it. */
	spool_push_rec(q, 100, big, scratch);
	spool_push_rec(q, 101, 3, scratch);
	spool_expect(q, 100, big);
	io_spool_pop(q);
	spool_expect(q, 101, 3);
	io_spool_pop(q);
	spool_expect_empty(q);
	/* A big record alone: its block goes when it is popped. */
	spool_push_rec(q, 102, big, scratch);
	spool_expect(q, 102, big);
	io_spool_pop(q);
	spool_expect_empty(q);
	io_spool_stats(q, &st);
	assert_int_equal(st.mem_bytes, 0);
	spool_push_rec(q, 103, 5, scratch);
	spool_expect(q, 103, 5);
	io_spool_pop(q);
	free(scratch);
	io_spool_free(q);
}

static void test_spool_reuse(void **state)
{
	(void)state;
	/* Drain a spool that spilled, then fill it again: the file starts
	 * over from offset 0 and the records still come back right.  The
	 * first half of each round is popped unseen, so whole blocks leave
	 * the file without being read back. */
	struct io_spool *q = io_spool_new(5 * IO_SPOOL_BLOCK);
	unsigned char scratch[301];
	for (int round = 0; round < 3; round++) {
		size_t base = (size_t)round * 1000000, count = 60000 + (size_t)round * 5000;
		for (size_t i = 0; i < count; i++)
			spool_push_rec(q, base + i, spool_len(base + i, 300), scratch);
		struct io_spool_stats st;
		io_spool_stats(q, &st);
		assert_int_equal(st.records, count);
		assert_true(st.mem_bytes <= 5 * IO_SPOOL_BLOCK);
		for (size_t i = 0; i < count / 2; i++)
			io_spool_pop(q);
		for (size_t i = count / 2; i < count; i++) {
			spool_expect(q, base + i, spool_len(base + i, 300));
			io_spool_pop(q);
		}
		spool_expect_empty(q);
		io_spool_stats(q, &st);
		assert_int_equal(st.records, 0);
		assert_true(st.spilled_bytes > 0);
	}
	io_spool_free(q);
}

static void test_spool_small_blocks(void **state)
{
	(void)state;
	/* Blocks of 64 KiB under a 256 KiB budget: memory stays within the
	 * budget and two blocks (the head and the tail are always kept),
	 * well under what two blocks of IO_SPOOL_BLOCK would take, and every
	 * record comes back in order. */
	const size_t blk = 64 * 1024, budget = 4 * blk;
	struct io_spool *q = io_spool_new_blocks(budget, blk);
	unsigned char scratch[301];
	const size_t count = 20000;
	for (size_t i = 0; i < count; i++)
		spool_push_rec(q, i, spool_len(i, 300), scratch);
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_int_equal(st.records, count);
	assert_true(st.mem_peak <= budget + 2 * blk);
	assert_true(st.mem_peak < IO_SPOOL_BLOCK);
	assert_true(st.spilled_bytes > 0);
	for (size_t i = 0; i < count; i++) {
		spool_expect(q, i, spool_len(i, 300));
		io_spool_pop(q);
	}
	spool_expect_empty(q);
	io_spool_free(q);
}

static void test_spool_spill_error(void **state)
{
	(void)state;
	/* No place for the file: the push that needs it fails, names the
	 * file and the reason, and what was pushed before is intact. */
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	setenv("TMPDIR", "/nonexistent-lg-spool", 1);
	struct io_spool *q = io_spool_new(0);
	unsigned char scratch[200];
	struct lg_err e;
	size_t i;
	for (i = 0;; i++) {
		for (size_t k = 0; k < 200; k++)
			scratch[k] = spool_byte(i, k);
		enum lg_status st = io_spool_push(q, scratch, 200, &e);
		if (st != LG_OK) {
			assert_int_equal(st, LG_EIO);
			break;
		}
		assert_true(i < 100000);
	}
	assert_non_null(strstr(e.msg, "/nonexistent-lg-spool/leadgate-spool-"));
	assert_non_null(strstr(e.msg, "No such file or directory"));
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_int_equal(st.records, i);
	for (size_t k = 0; k < i; k++) {
		spool_expect(q, k, 200);
		io_spool_pop(q);
	}
	spool_expect_empty(q);
	io_spool_free(q);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
}

static void test_spool_write_error(void **state)
{
	(void)state;
	/* The file system takes no more (here a file size limit): the push
	 * fails naming the file and the reason, and everything held, on
	 * disk or in memory, still comes out; once writing works again, so
	 * does pushing. */
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 3 * IO_SPOOL_BLOCK;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < lim.rlim_cur)
		skip();
	void (*oldsig)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	struct io_spool *q = io_spool_new(0);
	unsigned char scratch[200];
	struct lg_err e;
	enum lg_status status = LG_OK;
	size_t i;
	for (i = 0; i < 100000; i++) {
		for (size_t k = 0; k < 200; k++)
			scratch[k] = spool_byte(i, k);
		if ((status = io_spool_push(q, scratch, 200, &e)) != LG_OK)
			break;
	}
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);
	assert_int_equal(status, LG_EIO);
	assert_non_null(strstr(e.msg, "leadgate-spool-"));
	assert_non_null(strstr(e.msg, "File too large"));
	struct io_spool_stats st;
	io_spool_stats(q, &st);
	assert_int_equal(st.records, i);
	assert_true(st.spilled_bytes >= 2 * IO_SPOOL_BLOCK);
	size_t failed = i;
	for (i = failed + 1; i < failed + 20000; i++)
		spool_push_rec(q, i, 200, scratch);
	for (i = 0; i < failed + 20000; i++) {
		if (i == failed)
			continue;
		spool_expect(q, i, 200);
		io_spool_pop(q);
	}
	spool_expect_empty(q);
	io_spool_free(q);
	io_spool_free(NULL);
}

/*
 * A row packed for the store and back (io_cells_pack/unpack): cells of
 * every length, one that needs a length of several bytes included, come
 * back as they went; a string cut short or with a length that runs past
 * its end is malformed, not read past.
 */
static void test_cells_pack(void **state)
{
	(void)state;
	static const size_t lens[] = {0, 1, 127, 128, 300, 16383, 16384, 70000};
	enum { N = sizeof(lens) / sizeof(*lens) };
	char *big = malloc(70000 + N); /* cell i starts at big + i */
	for (size_t i = 0; i < 70000 + N; i++)
		big[i] = (char)(i * 7 + 1);
	struct io_cell in[N], out[N + 1];
	for (size_t i = 0; i < N; i++)
		in[i] = (struct io_cell){big + i, lens[i], true};
	struct lg_buf b = LG_BUF_INIT;
	io_cells_pack(&b, in, N);
	size_t text = 0;
	for (size_t i = 0; i < N; i++)
		text += lens[i];
	/* lengths below 128 take one byte, below 16384 two, then three */
	assert_int_equal(b.len, text + 1 + 1 + 1 + 2 + 2 + 2 + 3 + 3);
	assert_int_equal(io_cells_unpack(b.data, b.len, out, N + 1), N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(out[i].len, lens[i]);
		assert_memory_equal(out[i].s, big + i, lens[i]);
		assert_false(out[i].plain);
	}
	/* Fewer cells asked for than held: the count is still all of them. */
	memset(out, 0, sizeof(out));
	assert_int_equal(io_cells_unpack(b.data, b.len, out, 2), N);
	assert_int_equal(out[1].len, 1);
	assert_null(out[2].s);
	assert_int_equal(io_cells_unpack(b.data, b.len, NULL, 0), N);

	/* Nothing packed: no cells.  One empty cell: one byte. */
	assert_int_equal(io_cells_unpack("", 0, out, N), 0);
	lg_buf_reset(&b);
	io_cells_pack(&b, in, 1);
	assert_int_equal(b.len, 1);
	assert_int_equal(io_cells_unpack(b.data, b.len, out, N), 1);

	/* Cut anywhere inside the last cell, or inside a length: malformed. */
	lg_buf_reset(&b);
	io_cells_pack(&b, in + 3, 2); /* 128 and 300 bytes */
	for (size_t cut = 1; cut < b.len; cut++)
		if (cut != 2 + 128 && io_cells_unpack(b.data, cut, out, N) != -1)
			fail_msg("cut at %zu of %zu read as cells", cut, b.len);
	assert_int_equal(io_cells_unpack(b.data, 2 + 128, out, N), 1);
	/* A length longer than any cell could be: never shifted past size_t. */
	static const unsigned char huge[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 'x'};
	assert_int_equal(io_cells_unpack(huge, sizeof(huge), out, N), -1);
	static const unsigned char past[] = {0x05, 'a', 'b'};
	assert_int_equal(io_cells_unpack(past, sizeof(past), out, N), -1);
	lg_buf_release(&b);
	free(big);
}

/* ---- JSON Lines ---- */

/* What a JSON Lines read gave: each row as "line n|cell|cell..." (with
 * "!why" after the line number for a malformed one), the header, the
 * stats and how it ended. */
struct jgot {
	struct lg_buf rows; /* one row a line */
	char hdr[256];      /* the header's names, '|'-separated */
	size_t nrows;
	enum lg_status status;
	struct lg_err err;
	struct io_reader_stats st;
	enum io_format format;
	bool bom, crlf;
	long email;
};

static void read_jsonl(const char *data, size_t n, enum io_input input, long skip, struct jgot *g)
{
	memset(g, 0, sizeof(*g));
	int fd = tmpfd(data, n);
	struct io_reader *r;
	struct io_header_opts h = {skip, NULL, input};
	g->status = io_reader_new_list(&r, fd, "t.jsonl", &h, &g->err);
	if (g->status != LG_OK) {
		close(fd);
		return;
	}
	const struct io_row *hr = io_reader_header(r);
	size_t k = 0;
	for (size_t i = 0; i < hr->n && k < sizeof(g->hdr) - 1; i++)
		k += (size_t)snprintf(g->hdr + k, sizeof(g->hdr) - k, "%s%s", i ? "|" : "",
				      hr->field[i]);
	struct lg_err e;
	g->email = io_find_email_column(hr, NULL, &e);
	g->format = io_reader_format(r);
	g->bom = io_reader_bom(r);
	g->crlf = io_reader_crlf(r);
	const struct io_row *row;
	while ((g->status = io_reader_next(r, &row, &g->err)) == LG_OK && row) {
		g->nrows++;
		assert_int_equal(row->line, row->last_line);
		lg_buf_addf(&g->rows, "%lu %zu", row->line, row->n);
		if (row->malformed)
			lg_buf_addf(&g->rows, "!%s", row->malformed);
		for (size_t i = 0; i < row->n; i++) {
			assert_int_equal(strlen(row->field[i]), row->len[i]);
			lg_buf_addc(&g->rows, '|');
			lg_buf_add(&g->rows, row->field[i], row->len[i]);
		}
		lg_buf_addc(&g->rows, '\n');
	}
	lg_buf_addc(&g->rows, '\0');
	io_reader_stats(r, &g->st);
	io_reader_free(r);
	close(fd);
}

#define READ_JSONL(s, g) read_jsonl(s, sizeof(s) - 1, IO_INPUT_AUTO, -1, g)

static void test_jsonl_mixed_keys(void **state)
{
	(void)state;
	struct jgot g;
	READ_JSONL("{\"name\":\"Ann\",\"email\":\"ann@acme.io\",\"company\":\"Acme\"}\n"
		   "{\"email\":\"bob@acme.io\",\"name\":\"Bob\"}\n" /* reordered, one missing */
		   "{\"company\":\"Fab\",\"phone\":\"+1 555\",\"email\":\"c@fab.io\",\"x\":1}\n"
		   "{}\n",
		   &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.format, IO_FORMAT_JSONL);
	assert_string_equal(g.hdr, "name|email|company");
	assert_int_equal(g.email, 1);
	assert_int_equal(g.nrows, 4);
	/* Keys the first object lacks: one cell each, key and value, after
	 * the columns; the row is as long as a ragged CSV row. */
	assert_string_equal(g.rows.data, "1 3|Ann|ann@acme.io|Acme\n"
					 "2 3|Bob|bob@acme.io|\n"
					 "3 5||c@fab.io|Fab|{\"phone\":\"+1 555\"}|{\"x\":1}\n"
					 "4 3|||\n");
	assert_int_equal(g.st.lines, 4);
	assert_int_equal(g.st.blank_lines, 0);
	lg_buf_release(&g.rows);
}

static void test_jsonl_values(void **state)
{
	(void)state;
	struct jgot g;
	READ_JSONL("{\"email\":\"a@x.io\",\"n\":0}\n"
		   "{\"email\":\"b@x.io\",\"n\":-42}\n"
		   "{\"email\":\"c@x.io\",\"n\":0.1}\n"
		   "{\"email\":\"d@x.io\",\"n\":1.50}\n"
		   "{\"email\":\"e@x.io\",\"n\":1E5}\n"
		   "{\"email\":\"f@x.io\",\"n\":1e300}\n"
		   "{\"email\":\"g@x.io\",\"n\":-2.5e-7}\n"
		   "{\"email\":\"h@x.io\",\"n\":9007199254740993}\n"
		   "{\"email\":\"i@x.io\",\"n\":true}\n"
		   "{\"email\":\"j@x.io\",\"n\":false}\n"
		   "{\"email\":\"k@x.io\",\"n\":null}\n"
		   "{\"email\":\"l@x.io\",\"n\":[1, \"two\", 0.1, null, {\"a\" : [ ]}]}\n"
		   "{\"email\":\"m@x.io\",\"n\":{\"b\":2,\"a\":1.25}}\n"
		   "{\"email\":\"n@x.io\",\"n\":\"caf\\u00e9 \\\"q\\\" \\n tab\\t\"}\n"
		   "{\"email\":\"o@x.io\",\"n\":\"\"}\n",
		   &g);
	assert_int_equal(g.status, LG_OK);
	assert_string_equal(g.rows.data, "1 2|a@x.io|0\n"
					 "2 2|b@x.io|-42\n"
					 "3 2|c@x.io|0.1\n"
					 "4 2|d@x.io|1.5\n"
					 "5 2|e@x.io|1e5\n"
					 "6 2|f@x.io|1e300\n"
					 "7 2|g@x.io|-2.5e-7\n"
					 "8 2|h@x.io|9007199254740993\n"
					 "9 2|i@x.io|true\n"
					 "10 2|j@x.io|false\n"
					 "11 2|k@x.io|\n"
					 "12 2|l@x.io|[1,\"two\",0.1,null,{\"a\":[]}]\n"
					 "13 2|m@x.io|{\"b\":2,\"a\":1.25}\n"
					 "14 2|n@x.io|caf\xC3\xA9 \"q\" \n tab\t\n"
					 "15 2|o@x.io|\n");
	lg_buf_release(&g.rows);
}

static void test_jsonl_bad_lines(void **state)
{
	(void)state;
	struct jgot g;
	READ_JSONL("{\"email\":\"a@x.io\",\"name\":\"A\"}\n"
		   "[\"b@x.io\",\"B\"]\n"
		   "\"c@x.io\"\n"
		   "42\n"
		   "{\"email\":\"d@x.io\",\n"
		   "not json at all, d@x.io\n"
		   "{\"email\":\"e@x.io\"} {\"email\":\"f@x.io\"}\n"
		   "{\"email\":\"g\\u0000@x.io\"}\n"
		   "{\"email\":\"h@x.io\",\"name\":\"H\"}\n",
		   &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 9); /* none dropped, none merged */
	const char *want[] = {
		"1 2|a@x.io|A", "2 3!a JSON array, not an object|||[\"b@x.io\",\"B\"]",
		"3 3!column ",  "4 3!column ",
		"5 3!column ",  "6 3!column ",
		"7 3!column ",  "8 3!column ",
		"9 2|h@x.io|H",
	};
	const char *p = g.rows.data;
	for (size_t i = 0; i < 9; i++) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(strncmp(p, want[i], strlen(want[i])) == 0);
		p = nl + 1;
	}
	/* The line itself is the row's last cell, as it was. */
	assert_non_null(strstr(g.rows.data, "|||not json at all, d@x.io\n"));
	assert_non_null(strstr(g.rows.data, "|||{\"email\":\"d@x.io\",\n"));
	assert_non_null(strstr(g.rows.data, ": a string holds \\u0000|||"));
	lg_buf_release(&g.rows);
}

static void test_jsonl_bom_crlf_blank(void **state)
{
	(void)state;
	struct jgot g;
	READ_JSONL("\xEF\xBB\xBF\r\n  \r\n{\"Email\":\"a@x.io\"}\r\n\r\n \t \r\n"
		   "{\"Email\":\"b@x.io\"}\r\n{\"Email\":\"c@x.io\"}",
		   &g);
	assert_int_equal(g.status, LG_OK);
	assert_true(g.bom);
	assert_true(g.crlf);
	assert_int_equal(g.email, 0);
	assert_string_equal(g.rows.data, "3 1|a@x.io\n6 1|b@x.io\n7 1|c@x.io\n");
	assert_int_equal(g.st.blank_lines, 4);
	assert_int_equal(g.st.lines, 7);
	assert_int_equal(g.st.preamble_lines, 0);
	lg_buf_release(&g.rows);

	/* LF only: not CRLF. */
	READ_JSONL("{\"email\":\"a@x.io\"}\n", &g);
	assert_false(g.crlf);
	assert_false(g.bom);
	lg_buf_release(&g.rows);
}

static void test_jsonl_detect(void **state)
{
	(void)state;
	struct jgot g;
	/* A CSV stays CSV. */
	READ_JSONL("email,name\na@x.io,A\n", &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.format, IO_FORMAT_CSV);
	lg_buf_release(&g.rows);

	/* A CSV whose first cell starts with '{' is read as CSV when told. */
	static const char odd[] = "{id},email\n1,a@x.io\n";
	read_jsonl(odd, sizeof(odd) - 1, IO_INPUT_CSV, -1, &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.format, IO_FORMAT_CSV);
	assert_string_equal(g.hdr, "{id}|email");
	lg_buf_release(&g.rows);
	/* ... and, untold, is refused with the line, not misread. */
	read_jsonl(odd, sizeof(odd) - 1, IO_INPUT_AUTO, -1, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.jsonl:1: the first line of JSON Lines is not a JSON"));

	/* Told it is JSON Lines, a CSV is refused. */
	static const char csv[] = "email\na@x.io\n";
	read_jsonl(csv, sizeof(csv) - 1, IO_INPUT_JSONL, -1, &g);
	assert_int_equal(g.status, LG_EDATA);

	/* io_reader_new reads CSV, whatever it starts with. */
	struct io_reader *r;
	struct lg_err err;
	int fd = tmpfd("{\"email\":\"a@x.io\"}\n", 19);
	assert_int_equal(io_reader_new(&r, fd, "t", &err), LG_OK);
	assert_int_equal(io_reader_format(r), IO_FORMAT_CSV);
	io_reader_free(r);
	close(fd);

	/* Lines skipped come first. */
	static const char notes[] = "exported by hand\nfrom the API\n{\"email\":\"a@x.io\"}\n";
	read_jsonl(notes, sizeof(notes) - 1, IO_INPUT_AUTO, 2, &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.format, IO_FORMAT_JSONL);
	assert_string_equal(g.rows.data, "3 1|a@x.io\n");
	assert_int_equal(g.st.preamble_lines, 2);
	lg_buf_release(&g.rows);

	/* The first object gives the columns: without keys there are none. */
	READ_JSONL("\n{}\n{\"email\":\"a@x.io\"}\n", &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.jsonl:2: the first object has no keys"));
	READ_JSONL("{\"email\":\"a@x.io\"\n", &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.jsonl:1:"));

	/* A NUL byte: not a text file, with its line. */
	static const char nul[] = "{\"email\":\"a@x.io\"}\n{\"email\":\"b\0@x.io\"}\n";
	read_jsonl(nul, sizeof(nul) - 1, IO_INPUT_AUTO, -1, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.jsonl:2: NUL byte"));
	lg_buf_release(&g.rows);
}

static void test_jsonl_huge_line(void **state)
{
	(void)state;
	struct jgot g;
	/* A line just under the cap is a row like any other ... */
	size_t big = IO_RECORD_MAX - 64;
	char *s = malloc(IO_RECORD_MAX + 256);
	size_t k = (size_t)snprintf(s, 64,
				    "{\"email\":\"a@x.io\"}\n{\"email\":\"b@x.io\",\"note\":\"");
	memset(s + k, 'v', big - k);
	k = big;
	k += (size_t)snprintf(s + k, 64, "\"}\n{\"email\":\"c@x.io\"}\n");
	read_jsonl(s, k, IO_INPUT_AUTO, -1, &g);
	assert_int_equal(g.status, LG_OK);
	assert_int_equal(g.nrows, 3);
	assert_true(g.rows.len > big - 64);
	assert_non_null(strstr(g.rows.data, "\n3 1|c@x.io\n"));
	lg_buf_release(&g.rows);

	/* ... one over it is refused with its line: memory stays bounded. */
	k = (size_t)snprintf(s, 64, "{\"email\":\"a@x.io\"}\n{\"email\":\"b@x.io\",\"note\":\"");
	memset(s + k, 'v', IO_RECORD_MAX + 100 - k);
	k = IO_RECORD_MAX + 100;
	k += (size_t)snprintf(s + k, 64, "\"}\n");
	read_jsonl(s, k, IO_INPUT_AUTO, -1, &g);
	assert_int_equal(g.status, LG_EDATA);
	assert_non_null(strstr(g.err.msg, "t.jsonl:2: a line longer than"));
	assert_int_equal(g.nrows, 1);
	lg_buf_release(&g.rows);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bom_semicolon_crlf),
		cmocka_unit_test(test_delimiters),
		cmocka_unit_test(test_quoted_newlines_and_lines),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_ragged),
		cmocka_unit_test(test_salesforce_footer),
		cmocka_unit_test(test_preamble),
		cmocka_unit_test(test_not_text),
		cmocka_unit_test(test_record_cap),
		cmocka_unit_test(test_stray_after_quote),
		cmocka_unit_test(test_pipe_and_big),
		cmocka_unit_test(test_split_matches_libcsv),
		cmocka_unit_test(test_rows_accounted),
		cmocka_unit_test(test_jsonl_mixed_keys),
		cmocka_unit_test(test_jsonl_values),
		cmocka_unit_test(test_jsonl_bad_lines),
		cmocka_unit_test(test_jsonl_bom_crlf_blank),
		cmocka_unit_test(test_jsonl_detect),
		cmocka_unit_test(test_jsonl_huge_line),
		cmocka_unit_test(test_email_column),
		cmocka_unit_test(test_writer_csv),
		cmocka_unit_test(test_formula_guard),
		cmocka_unit_test(test_writer_csv_guard_modes),
		cmocka_unit_test(test_writer_jsonl),
		cmocka_unit_test(test_writer_json_nasty),
		cmocka_unit_test(test_writer_json_numbers),
		cmocka_unit_test(test_writer_keys_unique),
		cmocka_unit_test(test_writer_keys_linear),
		cmocka_unit_test(test_writer_error),
		cmocka_unit_test(test_spool_small),
		cmocka_unit_test(test_spool_spill),
		cmocka_unit_test(test_spool_big_record),
		cmocka_unit_test(test_spool_reuse),
		cmocka_unit_test(test_spool_small_blocks),
		cmocka_unit_test(test_spool_spill_error),
		cmocka_unit_test(test_spool_write_error),
		cmocka_unit_test(test_cells_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
