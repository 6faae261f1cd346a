/*
 * fuzz_event.c - the events importer's parsers on any bytes, the way
 * `events import` feeds them a file.  Built twice: FUZZ_EVENT_FORMAT
 * "json" splits the input into lines for engage_parse_json() (a BOM
 * skipped first), "csv" reads it with the CSV reader (through a memfd)
 * and hands the header to engage_csv_header() and each row to
 * engage_parse_csv().  Each input is read twice: by the usual names, and
 * through the built-in map of HubSpot's email events (`events import
 * --map hubspot`: its columns, times in milliseconds, types mapped or
 * ignored, ignore_when, an id made for a line without one).
 *
 * Every event returned must keep engage.h's promises: an event_id and a
 * type that are not empty, an email or a domain, properties that are a
 * JSON object, a count of -1 or a whole number; a record the map ignores
 * carries nothing.
 */
#include "conf/conf.h"
#include "engage/engage.h"
#include "fuzz/fuzz.h"
#include "io/io.h"

#include <jansson.h>

#ifndef FUZZ_EVENT_FORMAT
#define FUZZ_EVENT_FORMAT "json"
#endif

static struct conf conf; /* for its built-in maps */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_init(&conf);
	return 0;
}

static void check(enum lg_status st, const struct engage_rec *e, const char *why)
{
	if (st != LG_OK) {
		FUZZ_CHECK(st == LG_EDATA && why && why[0]);
		return;
	}
	if (e->ignored) {
		FUZZ_CHECK(!e->event_id && !e->type && !e->email && !e->domain && !e->props);
		return;
	}
	if (!e->event_id)
		return; /* a blank line */
	FUZZ_CHECK(e->event_id[0] && e->type && e->type[0]);
	FUZZ_CHECK((e->email && e->email[0]) || (e->domain && e->domain[0]));
	FUZZ_CHECK(!e->channel || e->channel[0]);
	FUZZ_CHECK(!e->asset || e->asset[0]);
	FUZZ_CHECK(e->count >= -1);
	if (e->props) {
		json_t *o = json_loads(e->props, 0, NULL);
		FUZZ_CHECK(o && json_is_object(o));
		json_decref(o);
	}
}

static void run_json(struct engage_parser *p, const char *d, size_t n)
{
	const char *end = d + n;
	if (n >= 3 && !memcmp(d, "\xEF\xBB\xBF", 3))
		d += 3;
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		const char *e = nl ? nl : end;
		struct engage_rec rec;
		const char *why = NULL;
		check(engage_parse_json(p, d, (size_t)(e - d), &rec, &why), &rec, why);
		d = nl ? nl + 1 : end;
	}
}

static void run_csv(struct engage_parser *p, const uint8_t *data, size_t size)
{
	struct io_reader *rd = NULL;
	struct lg_err err = {{0}};
	const struct io_row *row;
	const char *why = NULL;
	int fd = fuzz_memfd(data, size);

	enum lg_status st = io_reader_new(&rd, fd, "fuzz", &err);
	if (st == LG_OK) {
		const struct io_row *h = io_reader_header(rd);
		st = engage_csv_header(p, h->field, h->len, h->n, &why);
		FUZZ_CHECK(st == LG_OK || (st == LG_EDATA && why && why[0]));
	}
	while (st == LG_OK && (st = io_reader_next(rd, &row, &err)) == LG_OK && row) {
		struct engage_rec rec;
		why = NULL;
		enum lg_status rs = engage_parse_csv(p, row->field, row->len, row->n, &rec, &why);
		check(rs, &rec, why);
		FUZZ_CHECK(rs != LG_OK || rec.event_id || rec.ignored); /* a row is never blank */
	}
	io_reader_free(rd);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct engage_map *maps[] = {NULL, conf_event_map(&conf, "hubspot")};
	FUZZ_CHECK(maps[1]);
	for (size_t i = 0; i < sizeof(maps) / sizeof(*maps); i++) {
		struct engage_parser *p = engage_parser_new();
		engage_parser_set_map(p, maps[i]);
		if (!strcmp(FUZZ_EVENT_FORMAT, "csv"))
			run_csv(p, data, size);
		else
			run_json(p, (const char *)data, size);
		engage_parser_free(p);
	}
	return 0;
}
