/* report.c - the progress bar, and the verify summary written as JSON (--summary). */
#include "cli.h"

#include "view/view.h"
#include <string.h>

void progress_start(struct progress *p, bool on, uint64_t size)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
	p->size = size;
	p->start = p->last = lg_now_mono();
}

void progress_tick(struct progress *p, unsigned long rows, uint64_t bytes)
{
	if (rows % 1024)
		return;
	double now = lg_now_mono();
	if (now - p->last < 0.1)
		return;
	p->last = now;
	double el = now - p->start, rate = el > 0 ? rows / el : 0;
	if (p->size && bytes <= p->size) {
		double frac = (double)bytes / (double)p->size;
		double eta = frac > 0 ? el / frac - el : 0;
		int w = 30, fill = (int)(frac * w);
		char bar[32];
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(w - fill));
		bar[w] = '\0';
		fprintf(stderr, "\r[%s] %3.0f%%  %lu rows  %.0f rows/s  ETA %d:%02d ", bar,
			frac * 100, rows, rate, (int)eta / 60, (int)eta % 60);
	} else {
		fprintf(stderr, "\r%lu rows  %.0f rows/s ", rows, rate);
	}
	fflush(stderr);
}

void progress_finish(struct progress *p)
{
	if (p->on && p->last > p->start)
		fprintf(stderr, "\r\033[K");
}

enum lg_status report_write_json(const char *path, const struct job_verify_report *r,
				 struct lg_err *err)
{
	json_t *o = view_verify_report(r);
	int rc = json_dump_file(o, path, JSON_INDENT(2));
	json_decref(o);
	if (rc != 0)
		return lg_err_set(err, LG_EIO, "cannot write summary %s", path);
	return LG_OK;
}
