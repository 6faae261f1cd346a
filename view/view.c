/*
 * view.c - the JSON views of what jobs found: what `--format json` and
 * `--summary` write, and what the service returns, built in one place;
 * and the lists and the gate as `lists`, `gate` and `verify` print them.
 */
#include "view.h"
#include "conf/conf.h"
#include "decay/decay.h"

/* A rate, or null when there is nothing to measure it on. */
static json_t *rate_or_null(unsigned long n, double rate)
{
	return n ? json_real(rate) : json_null();
}

/* The ways out of the gate's blocked reasons, as gate.unblock. */
static json_t *unblock_json(const struct conf *c, const struct store_list_info *li,
			    const struct list_eval *e)
{
	static const struct {
		unsigned bit;
		const char *name;
	} why[] = {{VERIFY_GATE_EMPTY, "empty"},
		   {VERIFY_GATE_PREDICTED, "predicted"},
		   {VERIFY_GATE_OBSERVED, "observed"}};
	struct lg_buf advice = LG_BUF_INIT, command = LG_BUF_INIT;
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof(why) / sizeof(*why); i++) {
		list_way_out(c, li, e, why[i].bit, &advice, &command);
		if (command.len)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "why", why[i].name,
							   "advice", advice.data, "command",
							   command.data));
	}
	lg_buf_release(&advice);
	lg_buf_release(&command);
	return a;
}

/* Why the gate blocks, a sentence for each reason (gate.reasons; empty
 * when it passes); gate.why names them. */
static json_t *reasons_json(const struct conf *c, const struct list_eval *e)
{
	const struct verify_gate_decision *d = &e->gate;
	double thr = c->gate.threshold * 100;
	char s[320];
	json_t *a = json_array();
	if (d->why & VERIFY_GATE_EMPTY) {
		snprintf(s, sizeof(s),
			 "none of the %lu contacts may be sent: a record must be deliverable%s, "
			 "fresh or aging, not suppressed, not disposable",
			 e->members, e->include_risky ? " or risky" : "");
		json_array_append_new(a, json_string(s));
	}
	if (d->why & VERIFY_GATE_PREDICTED) {
		snprintf(s, sizeof(s),
			 "predicted bounce rate %.2f%% of the %lu records export would write; 95%% "
			 "upper bound %.2f%% is above the %.2f%% threshold",
			 d->predicted * 100, e->in.candidates, d->predicted_upper * 100, thr);
		json_array_append_new(a, json_string(s));
	}
	if (d->why & VERIFY_GATE_OBSERVED) {
		snprintf(
			s, sizeof(s),
			"observed hard-bounce rate %.2f%% (%lu of %lu exported from this version); "
			"Wilson 95%% lower bound %.2f%% is above the %.2f%% threshold",
			d->observed * 100, e->in.hard_bounces, e->in.exported,
			d->observed_lower * 100, thr);
		json_array_append_new(a, json_string(s));
	}
	return a;
}

json_t *view_windows(const struct store_list_window *w, size_t n)
{
	json_t *a = json_array();
	char at[LG_TIME_LEN];
	for (size_t i = 0; i < n; i++) {
		lg_time_format(w[i].verified_at, at, sizeof(at));
		json_array_append_new(
			a, json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:o}", "version",
				     (int)w[i].version, "verified_at", at, "rows",
				     (json_int_t)w[i].rows, "contacts", (json_int_t)w[i].contacts,
				     "exported", (json_int_t)w[i].exported, "hard_bounces",
				     (json_int_t)w[i].hard_bounced, "observed",
				     rate_or_null(w[i].exported,
						  w[i].exported ? (double)w[i].hard_bounced /
									  (double)w[i].exported
								: 0)));
	}
	return a;
}

json_t *view_list(const struct conf *c, const struct store_list_info *li, const struct list_eval *e,
		  json_t *windows)
{
	char at[LG_TIME_LEN], created[LG_TIME_LEN];
	json_t *status = json_object(), *fresh = json_object(), *o;

	lg_time_format(li->verified_at, at, sizeof(at));
	lg_time_format(li->created_at, created, sizeof(created));
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		json_object_set_new(status, verify_status_name((enum verify_status)i),
				    json_integer((json_int_t)e->by_status[i]));
	for (int i = 0; i < DECAY_CLASS_COUNT; i++)
		json_object_set_new(fresh, decay_class_name((enum decay_class)i),
				    json_integer((json_int_t)e->by_fresh[i]));
	o = json_pack("{s:s, s:s, s:s, s:i, s:s?, s:I, s:I, s:I, s:o, s:o, s:I, s:I}", "name",
		      li->name, "source", li->source, "created_at", created, "versions",
		      (int)li->versions, "verified_at", li->version_run ? at : NULL, "rows",
		      (json_int_t)li->counts.rows, "unique_contacts",
		      (json_int_t)li->counts.contacts, "contacts", (json_int_t)e->members,
		      "by_status", status, "by_freshness", fresh, "suppressed",
		      (json_int_t)e->suppressed, "exportable", (json_int_t)e->exportable);
	json_t *gate = json_pack("{s:s, s:f, s:f, s:f, s:f, s:I, s:I, s:b, s:f, s:f, s:I}",
				 "decision", e->gate.blocked ? "blocked" : "pass", "threshold",
				 c->gate.threshold, "predicted_whole_list", e->whole_predicted,
				 "predicted", e->gate.predicted, "predicted_upper",
				 e->gate.predicted_upper, "exported", (json_int_t)e->in.exported,
				 "hard_bounces", (json_int_t)e->in.hard_bounces, "observed_counts",
				 e->gate.observed_counts, "observed", e->gate.observed,
				 "observed_lower", e->gate.observed_lower, "min_exported",
				 (json_int_t)c->gate.min_exported);
	json_t *why = json_array();
	if (e->gate.why & VERIFY_GATE_EMPTY)
		json_array_append_new(why, json_string("empty"));
	if (e->gate.why & VERIFY_GATE_PREDICTED)
		json_array_append_new(why, json_string("predicted"));
	if (e->gate.why & VERIFY_GATE_OBSERVED)
		json_array_append_new(why, json_string("observed"));
	json_object_set_new(gate, "why", why);
	/* The window the observed part counts, and the list's whole life. */
	json_object_set_new(gate, "window_version", json_integer((json_int_t)li->versions));
	json_object_set_new(gate, "window_since", li->version_run ? json_string(at) : json_null());
	json_object_set_new(gate, "exported_total", json_integer((json_int_t)li->exported));
	json_object_set_new(gate, "hard_bounces_total", json_integer((json_int_t)li->hard_bounced));
	json_t *unblock = unblock_json(c, li, e);
	json_t *first = json_object_get(json_array_get(unblock, 0), "command");
	json_object_set_new(gate, "reasons", reasons_json(c, e));
	json_object_set_new(gate, "next_step", first ? json_incref(first) : json_null());
	json_object_set_new(gate, "unblock", unblock);
	json_object_set_new(o, "gate", gate);
	if (windows)
		json_object_set_new(o, "windows", windows);
	return o;
}

json_t *view_verify_report(const struct job_verify_report *r)
{
	json_t *o = json_object(), *st = json_object(), *rs = json_object(), *fl = json_object();
	for (int s = 0; s < VERIFY_STATUS_COUNT; s++)
		json_object_set_new(st, verify_status_name((enum verify_status)s),
				    json_integer((json_int_t)r->by_status[s]));
	unsigned idx[VERIFY_R_COUNT];
	size_t n = job_verify_top_reasons(r, idx);
	for (size_t i = 0; i < n; i++)
		json_object_set_new(rs, verify_reason_name((enum verify_reason)idx[i]),
				    json_integer((json_int_t)r->by_reason[idx[i]]));
	for (unsigned b = 0; b < VERIFY_FLAG_COUNT; b++)
		json_object_set_new(fl, verify_flag_name(b),
				    json_integer((json_int_t)r->by_flag[b]));

	json_object_set_new(o, "input", json_string(r->input));
	json_object_set_new(o, "email_column", json_string(r->email_column));
	json_object_set_new(o, "delimiter", json_stringn(&r->delim, 1));
	json_object_set_new(o, "input_format", json_string(r->jsonl ? "jsonl" : "csv"));
	json_object_set_new(o, "bom", json_boolean(r->bom));
	json_object_set_new(o, "rows", json_integer((json_int_t)r->rows));
	json_object_set_new(o, "no_address", json_integer((json_int_t)r->no_address));
	json_object_set_new(o, "status", st);
	json_object_set_new(o, "reasons", rs);
	json_object_set_new(o, "flags", fl);
	json_object_set_new(o, "duplicates", json_integer((json_int_t)r->by_flag[3]));
	json_object_set_new(o, "distinct_addresses",
			    json_integer((json_int_t)r->distinct_addresses));
	json_object_set_new(o, "distinct_domains", json_integer((json_int_t)r->distinct_domains));
	json_object_set_new(o, "set_bytes", json_integer((json_int_t)r->set_bytes));
	json_object_set_new(o, "ragged_rows", json_integer((json_int_t)r->ragged));
	json_object_set_new(o, "malformed_lines", json_integer((json_int_t)r->malformed));
	json_object_set_new(o, "stray_quote_rows", json_integer((json_int_t)r->stray_quotes));
	json_object_set_new(o, "blank_lines", json_integer((json_int_t)r->blank_lines));
	json_object_set_new(o, "header_line", json_integer((json_int_t)r->header_line));
	json_object_set_new(o, "preamble_lines", json_integer((json_int_t)r->preamble_lines));
	json_object_set_new(o, "footer",
			    r->footer_rows
				    ? json_pack("{s:I,s:I,s:I}", "rows", (json_int_t)r->footer_rows,
						"first_line", (json_int_t)r->footer_line,
						"last_line", (json_int_t)r->footer_last)
				    : json_null());
	json_object_set_new(o, "invalid_utf8_repaired", json_integer((json_int_t)r->repaired_utf8));
	if (r->dns) {
		const struct dns_stats *d = &r->dns_stats;
		json_t *oc = json_object();
		for (int i = DNS_MX; i <= DNS_TIMEOUT; i++)
			json_object_set_new(oc, dns_outcome_name((enum dns_outcome)i),
					    json_integer((json_int_t)d->outcome[i]));
		json_object_set_new(o, "dns",
				    json_pack("{s:I,s:I,s:I,s:I,s:o,s:b,s:I,s:I,s:I,s:I}",
					      "domains", (json_int_t)d->domains, "queries",
					      (json_int_t)d->queries, "answered",
					      (json_int_t)d->answered, "refreshed",
					      (json_int_t)d->refreshed, "outcomes", oc,
					      "resolver_down", r->dns_down, "cache_bytes",
					      (json_int_t)d->bytes, "spool_peak_bytes",
					      (json_int_t)r->spool_peak, "spool_spilled_bytes",
					      (json_int_t)r->spool_spilled, "from_store",
					      (json_int_t)d->primed));
		json_t *dj = json_object_get(o, "dns");
		json_object_set_new(dj, "unanswered",
				    json_integer((json_int_t)(d->outcome[DNS_TIMEOUT] +
							      d->outcome[DNS_SERVFAIL])));
		json_object_set_new(dj, "unanswered_over_limit", json_boolean(r->dns_unanswered));
	} else {
		json_object_set_new(o, "dns", json_null());
	}
	if (r->smtp) {
		const struct smtp_stats *m = &r->smtp_stats;
		json_t *oc = json_object();
		for (int i = SMTP_ACCEPTED; i < SMTP_OUTCOME_COUNT; i++)
			json_object_set_new(oc, smtp_outcome_name((enum smtp_outcome)i),
					    json_integer((json_int_t)m->outcome[i]));
		json_object_set_new(o, "smtp",
				    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "domains",
					      (json_int_t)m->domains, "addresses",
					      (json_int_t)m->addresses, "sessions",
					      (json_int_t)m->sessions, "connects_failed",
					      (json_int_t)m->connects_failed, "tls",
					      (json_int_t)m->tls, "rcpts", (json_int_t)m->rcpts,
					      "greylist_retries", (json_int_t)m->retries,
					      "peak_sessions", (json_int_t)m->peak_sessions,
					      "outcomes", oc));
	} else {
		json_object_set_new(o, "smtp", json_null());
	}
	if (r->list)
		json_object_set_new(o, "list",
				    json_pack("{s:s,s:I,s:s,s:I,s:f,s:f,s:b,s:f,s:f,s:I,s:I,s:I}",
					      "name", r->list, "contacts",
					      (json_int_t)r->list_contacts, "gate",
					      r->gate.blocked ? "blocked" : "pass", "exportable",
					      (json_int_t)r->gate_candidates, "predicted",
					      r->gate.predicted, "predicted_upper",
					      r->gate.predicted_upper, "observed_counts",
					      r->gate.observed_counts, "observed", r->gate.observed,
					      "observed_lower", r->gate.observed_lower, "rows",
					      (json_int_t)r->rows, "duplicates_collapsed",
					      (json_int_t)job_verify_collapsed(r), "not_recorded",
					      (json_int_t)(r->rows - r->list_addressed)));
	else
		json_object_set_new(o, "list", json_null());
	json_object_set_new(o, "elapsed_s", json_real(r->elapsed));
	json_object_set_new(o, "rows_per_s", json_real(r->elapsed > 0 ? r->rows / r->elapsed : 0.0));
	return o;
}

/* ---- text ---- */

static const char *delim_name(char d)
{
	return d == ';' ? "semicolon" : d == '\t' ? "tab" : "comma";
}

void view_verify_report_text(FILE *f, const struct job_verify_report *r)
{
	unsigned idx[VERIFY_R_COUNT];
	size_t n = job_verify_top_reasons(r, idx);
	unsigned long with = r->rows - r->no_address;
	double pct = with ? 100.0 / (double)with : 0;

	fprintf(f, "\nleadgate verify: %s (email column \"%s\", %s%s%s)\n", r->input,
		r->email_column, r->jsonl ? "JSON Lines" : delim_name(r->delim),
		r->jsonl ? "" : "-separated", r->bom ? ", UTF-8 BOM" : "");
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
	if (r->smtp) {
		const struct smtp_stats *m = &r->smtp_stats;
		fprintf(f,
			"  smtp            %zu domains, %zu addresses, %zu sessions (%zu over TLS, "
			"%zu at most at once), %zu RCPT TO, %zu greylisting retries\n",
			m->domains, m->addresses, m->sessions, m->tls, m->peak_sessions, m->rcpts,
			m->retries);
		fprintf(f, "  mailboxes      ");
		for (int o = SMTP_ACCEPTED; o < SMTP_OUTCOME_COUNT; o++)
			fprintf(f, " %s %zu%s", smtp_outcome_name((enum smtp_outcome)o),
				m->outcome[o], o + 1 < SMTP_OUTCOME_COUNT ? "," : "\n");
	}
	if (r->ragged || r->blank_lines || r->footer_rows || r->stray_quotes || r->preamble_lines ||
	    r->malformed) {
		fprintf(f, "  input           %lu ragged rows, %lu blank lines, %lu footer rows",
			r->ragged, r->blank_lines, r->footer_rows);
		if (r->preamble_lines)
			fprintf(f, ", %lu lines above the header", r->preamble_lines);
		if (r->stray_quotes)
			fprintf(f, ", %lu rows with text after a closing quote", r->stray_quotes);
		if (r->malformed)
			fprintf(f, ", %lu lines not JSON objects", r->malformed);
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

/* End a blocked reason's line with its way out. */
static void end_line(FILE *f, const struct conf *c, const struct store_list_info *li,
		     const struct list_eval *e, unsigned why)
{
	struct lg_buf advice = LG_BUF_INIT, command = LG_BUF_INIT;
	list_way_out(c, li, e, why, &advice, &command);
	if (command.len)
		fprintf(f, "; %s: %s", advice.data, command.data);
	fputc('\n', f);
	lg_buf_release(&advice);
	lg_buf_release(&command);
}

void view_gate_text(FILE *f, const struct conf *c, const struct store_list_info *li,
		    const struct list_eval *e)
{
	const struct verify_gate_decision *d = &e->gate;
	double thr = c->gate.threshold * 100;

	fprintf(f, "gate: %s for list '%s'\n", d->blocked ? "BLOCKED" : "pass", li->name);
	if (d->why & VERIFY_GATE_EMPTY) {
		fprintf(f,
			"  blocked: none of the %lu contacts may be sent: a record must be "
			"deliverable%s, fresh or aging, not suppressed, not disposable "
			"(%lu deliverable, %lu stale, %lu suppressed)",
			e->members, e->include_risky ? " or risky" : "",
			e->by_status[VERIFY_DELIVERABLE], e->by_fresh[DECAY_STALE], e->suppressed);
		end_line(f, c, li, e, VERIFY_GATE_EMPTY);
	} else {
		fprintf(f,
			"  %s: predicted bounce rate %.2f%% of the %lu records export would write; "
			"95%% upper bound %.2f%% %s the %.2f%% threshold",
			(d->why & VERIFY_GATE_PREDICTED) ? "blocked" : "ok", d->predicted * 100,
			e->in.candidates, d->predicted_upper * 100,
			(d->why & VERIFY_GATE_PREDICTED) ? "is above" : "is within", thr);
		end_line(f, c, li, e, VERIFY_GATE_PREDICTED);
	}
	if (d->observed_counts) {
		fprintf(f,
			"  %s: observed hard-bounce rate %.2f%% (%lu of %lu exported from this "
			"version); Wilson 95%% lower bound %.2f%% %s the %.2f%% threshold",
			(d->why & VERIFY_GATE_OBSERVED) ? "blocked" : "ok", d->observed * 100,
			e->in.hard_bounces, e->in.exported, d->observed_lower * 100,
			(d->why & VERIFY_GATE_OBSERVED) ? "is above" : "is within", thr);
		end_line(f, c, li, e, VERIFY_GATE_OBSERVED);
	} else {
		fprintf(f,
			"  observed hard-bounce rate not counted yet: %lu of the %lu exported from "
			"this version bounced (it counts from %lu exported)\n",
			e->in.hard_bounces, e->in.exported, c->gate.min_exported);
	}
}

/* ---- the lists as text (`lists`, `lists show`) ---- */

void view_lists_head_text(FILE *f)
{
	fprintf(f, "%-24s %3s %9s %9s %9s %9s %9s %9s %7s %7s %7s %7s %7s  %s\n", "NAME", "VER",
		"ROWS", "CONTACTS", "DELIV", "RISKY", "UNDELIV", "UNKNOWN", "FRESH", "AGING",
		"STALE", "PRED95", "OBSERV", "GATE");
}

/* A rate in a column of 7: "-" when there is nothing to measure it on. */
static const char *rate_cell(char *buf, size_t cap, unsigned long n, double rate)
{
	if (n)
		snprintf(buf, cap, "%6.2f%%", rate * 100);
	else
		snprintf(buf, cap, "%7s", "-");
	return buf;
}

void view_list_row_text(FILE *f, const struct store_list_info *li, const struct list_eval *e)
{
	char pred[16], obs[16];
	fprintf(f, "%-24s %3u %9lu %9lu %9lu %9lu %9lu %9lu %7lu %7lu %7lu %s %s  %s\n", li->name,
		li->versions, li->counts.rows, e->members, e->by_status[VERIFY_DELIVERABLE],
		e->by_status[VERIFY_RISKY], e->by_status[VERIFY_UNDELIVERABLE],
		e->by_status[VERIFY_UNKNOWN], e->by_fresh[DECAY_FRESH], e->by_fresh[DECAY_AGING],
		e->by_fresh[DECAY_STALE],
		rate_cell(pred, sizeof(pred), e->in.candidates, e->gate.predicted_upper),
		rate_cell(obs, sizeof(obs), e->in.exported, e->gate.observed),
		e->gate.blocked ? "blocked" : "pass");
}

/* The versions `lists show` prints, newest first; JSON has them all. */
#define SHOW_WINDOWS 10

void view_list_show_text(FILE *f, const struct conf *c, const struct store_list_info *li,
			 const struct list_eval *e, const struct store_list_window *w, size_t n)
{
	char at[LG_TIME_LEN], created[LG_TIME_LEN];
	struct decay_policy dp;

	conf_decay_policy(c, li->source, &dp);
	lg_time_format(li->verified_at, at, sizeof(at));
	lg_time_format(li->created_at, created, sizeof(created));
	fprintf(f, "list %s%s%s%s\n", li->name, li->source[0] ? " (source " : "", li->source,
		li->source[0] ? ")" : "");
	fprintf(f, "  created %s; %u version%s; current verified %s\n", created, li->versions,
		li->versions == 1 ? "" : "s", li->version_run ? at : "never");
	fprintf(f, "  rows %lu, unique contacts %lu\n", li->counts.rows, e->members);
	fprintf(f,
		"  status now: deliverable %lu, risky %lu, undeliverable %lu, unknown %lu; "
		"suppressed %lu\n",
		e->by_status[VERIFY_DELIVERABLE], e->by_status[VERIFY_RISKY],
		e->by_status[VERIFY_UNDELIVERABLE], e->by_status[VERIFY_UNKNOWN], e->suppressed);
	fprintf(f,
		"  freshness: fresh %lu (< %lld days), aging %lu, stale %lu (> %lld days); "
		"decay %.1f%% a month\n",
		e->by_fresh[DECAY_FRESH], (long long)(dp.fresh_for / 86400),
		e->by_fresh[DECAY_AGING], e->by_fresh[DECAY_STALE],
		(long long)(dp.stale_after / 86400), dp.monthly_rate * 100);
	fprintf(f, "  predicted bounce rate of the whole list as is: %.2f%%\n",
		e->whole_predicted * 100);
	fprintf(f, "  exportable now: %lu; exported so far: %lu, of which hard-bounced %lu\n",
		e->exportable, li->exported, li->hard_bounced);
	if (n) {
		fprintf(f, "  observed by version (the gate counts the current one's sends):\n");
		for (size_t i = 0; i < n && i < SHOW_WINDOWS; i++) {
			const struct store_list_window *v = &w[n - 1 - i];
			lg_time_format(v->verified_at, at, sizeof(at));
			fprintf(f, "    version %u%s, verified %s: exported %lu", v->version,
				v->run == li->version_run ? " (current)" : "", at, v->exported);
			if (v->exported)
				fprintf(f, ", hard-bounced %lu (%.2f%%)", v->hard_bounced,
					100.0 * (double)v->hard_bounced / (double)v->exported);
			fputc('\n', f);
		}
		if (n > SHOW_WINDOWS)
			fprintf(f,
				"    and %zu earlier versions (lists show -f json has them all)\n",
				n - SHOW_WINDOWS);
	}
	view_gate_text(f, c, li, e);
}
