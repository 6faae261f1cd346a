/* report.c - the progress bar and the end-of-run summary (text and JSON). */
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

static const char *delim_name(char d)
{
	return d == ';' ? "semicolon" : d == '\t' ? "tab" : "comma";
}

void report_print(FILE *f, const struct job_verify_report *r)
{
	unsigned idx[VERIFY_R_COUNT];
	size_t n = job_verify_top_reasons(r, idx);
	unsigned long with = r->rows - r->no_address;
	double pct = with ? 100.0 / (double)with : 0;

	fprintf(f, "\nleadgate verify: %s (email column \"%s\", %s-separated%s)\n", r->input,
		r->email_column, delim_name(r->delim), r->bom ? ", UTF-8 BOM" : "");
	fprintf(f, "  rows            %lu\n", r->rows);
	if (r->no_address)
		fprintf(f,
			"  no address      %-9lu (empty email cell; the rates below are of the %lu "
			"rows with one)\n",
			r->no_address, with);
	for (int s = 0; s < VERIFY_STATUS_COUNT; s++)
		fprintf(f, "  %-15s %-9lu %5.1f%%\n", verify_status_name((enum verify_status)s),
			r->by_status[s], r->by_status[s] * pct);
	fprintf(f, "  top reasons    ");
	for (size_t i = 0; i < n && i < 6; i++)
		fprintf(f, " %s %lu%s", verify_reason_name((enum verify_reason)idx[i]),
			r->by_reason[idx[i]], i + 1 < n && i < 5 ? "," : "");
	fprintf(f, "%s\n  flags          ", n > 6 ? " ..." : "");
	bool any = false;
	for (unsigned b = 0; b < VERIFY_FLAG_COUNT; b++)
		if (r->by_flag[b]) {
			fprintf(f, "%s %s %lu", any ? "," : "", verify_flag_name(b), r->by_flag[b]);
			any = true;
		}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f, "  duplicates      %lu (%zu distinct addresses, %zu domains)\n", r->by_flag[3],
		r->distinct_addresses, r->distinct_domains);
	if (r->dns) {
		const struct dns_stats *d = &r->dns_stats;
		fprintf(f, "  dns             %zu domains, %zu queries, %zu answered%s", d->domains,
			d->queries, d->answered,
			r->dns_down         ? " (the resolver did not answer)"
			: r->dns_unanswered ? " (too many domains unanswered)"
					    : "");
		/* --list: answers kept by earlier runs (a run taken up after a
		 * kill finds those of the run it takes up) are not asked again. */
		if (d->primed)
			fprintf(f, "; %zu more domains answered from the store", d->primed);
		fputc('\n', f);
		fprintf(f, "  mail hosts     ");
		for (int o = DNS_MX; o <= DNS_TIMEOUT; o++)
			fprintf(f, " %s %zu%s", dns_outcome_name((enum dns_outcome)o),
				d->outcome[o], o < DNS_TIMEOUT ? "," : "\n");
	}
	if (r->ragged || r->blank_lines || r->footer_rows || r->stray_quotes || r->preamble_lines) {
		fprintf(f, "  input           %lu ragged rows, %lu blank lines, %lu footer rows",
			r->ragged, r->blank_lines, r->footer_rows);
		if (r->preamble_lines)
			fprintf(f, ", %lu lines above the header", r->preamble_lines);
		if (r->stray_quotes)
			fprintf(f, ", %lu rows with text after a closing quote", r->stray_quotes);
		fputc('\n', f);
	}
	if (r->repaired_utf8)
		fprintf(f, "  invalid UTF-8   %lu sequences written as U+FFFD in JSON\n",
			r->repaired_utf8);
	if (r->list) {
		/* What `lists` will say: its ROWS and CONTACTS, and where the
		 * difference went. */
		unsigned long collapsed = job_verify_collapsed(r);
		fprintf(f,
			"  list            '%s': %lu contacts recorded; of the %lu rows, %lu "
			"duplicate%s collapsed into them, %lu without a valid address not "
			"recorded\n",
			r->list, r->list_contacts, r->rows, collapsed, collapsed == 1 ? "" : "s",
			r->rows - r->list_addressed);
		if (r->gate_candidates)
			fprintf(f,
				"  gate            %s (predicted bounce %.2f%%, 95%% upper bound "
				"%.2f%%)\n",
				r->gate.blocked ? "BLOCKED" : "pass", r->gate.predicted * 100,
				r->gate.predicted_upper * 100);
		else
			fprintf(f, "  gate            %s (nothing may be sent)\n",
				r->gate.blocked ? "BLOCKED" : "pass");
	}
	fprintf(f, "  elapsed         %.2f s (%.0f rows/s)\n", r->elapsed,
		r->elapsed > 0 ? r->rows / r->elapsed : 0.0);
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
