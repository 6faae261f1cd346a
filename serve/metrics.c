/*
 * metrics.c - GET /metrics: the service's counters in the Prometheus text
 * format 0.0.4 (requests by route and status, their durations, verdicts
 * by status, DNS lookups by outcome, store busy waits, jobs by state, the
 * process' start, the worker threads' tasks; and, when the configuration
 * routes leads, the handoff's: outbox by state, the time-to-accept
 * histogram, deliveries by target and outcome, escalations: handoff.c).  Labels are the route's pattern, a status, an outcome
 * or a state: never a path as sent, an address, a key or a job's id, so
 * the number of series stays bounded.
 */
#include "serve_int.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* The request-duration histogram's upper bounds, in seconds. */
static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				0.25,  0.5,    1,     2.5,  5,     10};
#define NBOUNDS (sizeof(bounds) / sizeof(*bounds))
#define STATUS_MIN 100
#define STATUS_MAX 599

/* The states a job may be in, shown even when none is. */
static const char *const job_states[] = {"queued", "running", "done", "failed", "cancelled"};
#define NJOB_STATES (sizeof(job_states) / sizeof(*job_states))

struct route_counts {
	uint64_t *by_status;       /* [status - STATUS_MIN], allocated at the first */
	uint64_t no_status;        /* ended before any answer (client gone) */
	uint64_t buckets[NBOUNDS]; /* requests that took <= bounds[i] */
	uint64_t count;
	double sum;
};

struct serve_metrics {
	size_t nroutes;
	struct route_counts *routes; /* [nroutes + 1]: the last for no route */
	uint64_t verdicts[VERIFY_STATUS_COUNT];
	uint64_t jobs[NJOB_STATES];
	int64_t started; /* Unix seconds */
};

struct serve_metrics *serve_metrics_new(size_t nroutes)
{
	struct serve_metrics *m = lg_xcalloc(1, sizeof(*m));
	m->nroutes = nroutes;
	m->routes = lg_xcalloc(nroutes + 1, sizeof(*m->routes));
	m->started = lg_now_wall();
	return m;
}

void serve_metrics_free(struct serve_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i <= m->nroutes; i++)
		free(m->routes[i].by_status);
	free(m->routes);
	free(m);
}

void serve_metrics_request(struct serve_metrics *m, size_t route, unsigned status, double secs)
{
	if (!m)
		return;
	struct route_counts *rc = &m->routes[route < m->nroutes ? route : m->nroutes];
	if (status >= STATUS_MIN && status <= STATUS_MAX) {
		if (!rc->by_status)
			rc->by_status = lg_xcalloc(STATUS_MAX - STATUS_MIN + 1, sizeof(uint64_t));
		rc->by_status[status - STATUS_MIN]++;
	} else {
		rc->no_status++;
	}
	for (size_t i = 0; i < NBOUNDS; i++)
		if (secs <= bounds[i])
			rc->buckets[i]++;
	rc->count++;
	rc->sum += secs;
}

void serve_metrics_verdict(struct serve_metrics *m, enum verify_status status)
{
	if (m && (int)status >= 0 && status < VERIFY_STATUS_COUNT)
		m->verdicts[status]++;
}

void serve_metrics_jobs(struct serve_metrics *m, const char *state, uint64_t n)
{
	for (size_t i = 0; m && i < NJOB_STATES; i++)
		if (!strcmp(job_states[i], state))
			m->jobs[i] = n;
}

static void head(struct lg_buf *o, const char *name, const char *type, const char *help)
{
	lg_buf_addf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A route's label: its pattern, or "none" for a path no route has.
 * Patterns hold no '"', '\\' or newline (the table is ours). */
static const char *route_label(const struct serve_metrics *m, size_t i)
{
	return i < m->nroutes ? serve_routes[i].pattern : "none";
}

void serve_metrics_format(const struct serve_metrics *m, const struct dns_stats *ds,
			  uint64_t busy_waits, struct lg_buf *o)
{
	head(o, "leadgate_http_requests_total", "counter",
	     "HTTP requests answered, by route pattern and status code.");
	for (size_t i = 0; i <= m->nroutes; i++) {
		const struct route_counts *rc = &m->routes[i];
		for (unsigned c = STATUS_MIN; rc->by_status && c <= STATUS_MAX; c++)
			if (rc->by_status[c - STATUS_MIN])
				lg_buf_addf(
					o,
					"leadgate_http_requests_total{route=\"%s\",code=\"%u\"} "
					"%llu\n",
					route_label(m, i), c,
					(unsigned long long)rc->by_status[c - STATUS_MIN]);
		if (rc->no_status)
			lg_buf_addf(
				o,
				"leadgate_http_requests_total{route=\"%s\",code=\"none\"} %llu\n",
				route_label(m, i), (unsigned long long)rc->no_status);
	}

	head(o, "leadgate_http_request_duration_seconds", "histogram",
	     "Time from a request's headers to its end, by route pattern.");
	for (size_t i = 0; i <= m->nroutes; i++) {
		const struct route_counts *rc = &m->routes[i];
		if (!rc->count)
			continue;
		for (size_t b = 0; b < NBOUNDS; b++)
			lg_buf_addf(o,
				    "leadgate_http_request_duration_seconds_bucket{route=\"%s\",le="
				    "\"%g\"} "
				    "%llu\n",
				    route_label(m, i), bounds[b],
				    (unsigned long long)rc->buckets[b]);
		lg_buf_addf(
			o,
			"leadgate_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
			"%llu\n",
			route_label(m, i), (unsigned long long)rc->count);
		lg_buf_addf(o, "leadgate_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			    route_label(m, i), rc->sum);
		lg_buf_addf(o, "leadgate_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			    route_label(m, i), (unsigned long long)rc->count);
	}

	head(o, "leadgate_verdicts_total", "counter", "Verdicts given by the service, by status.");
	for (int i = 0; i < VERIFY_STATUS_COUNT; i++)
		lg_buf_addf(o, "leadgate_verdicts_total{status=\"%s\"} %llu\n",
			    verify_status_name((enum verify_status)i),
			    (unsigned long long)m->verdicts[i]);

	head(o, "leadgate_dns_queries_total", "counter",
	     "Domain lookups the resolver finished, by outcome.");
	for (int i = DNS_PENDING + 1; i <= DNS_TIMEOUT; i++)
		lg_buf_addf(o, "leadgate_dns_queries_total{outcome=\"%s\"} %llu\n",
			    dns_outcome_name((enum dns_outcome)i),
			    (unsigned long long)ds->outcome[i]);

	head(o, "leadgate_store_busy_waits_total", "counter",
	     "Times a statement found the database locked by another writer and waited.");
	lg_buf_addf(o, "leadgate_store_busy_waits_total %llu\n", (unsigned long long)busy_waits);

	head(o, "leadgate_jobs", "gauge", "Bulk jobs, by state.");
	for (size_t i = 0; i < NJOB_STATES; i++)
		lg_buf_addf(o, "leadgate_jobs{state=\"%s\"} %llu\n", job_states[i],
			    (unsigned long long)m->jobs[i]);

	head(o, "process_start_time_seconds", "gauge",
	     "Start time of the process since the Unix epoch, in seconds.");
	lg_buf_addf(o, "process_start_time_seconds %lld\n", (long long)m->started);
}

void serve_metrics_text(struct serve *s, struct lg_buf *out)
{
	struct dns_stats ds;
	serve_dns_counted(s, &ds);
	serve_metrics_format(serve_metrics(s), &ds, store_busy_waits(), out);
	size_t running = 0, queued = 0;
	if (serve_work_of(s))
		serve_work_counts(serve_work_of(s), &running, &queued);
	head(out, "leadgate_work_running", "gauge",
	     "Tasks on the worker threads now: lists weighed, bodies imported, DNS answers kept.");
	lg_buf_addf(out, "leadgate_work_running %zu\n", running);
	head(out, "leadgate_work_queued", "gauge", "Tasks waiting for a worker thread.");
	lg_buf_addf(out, "leadgate_work_queued %zu\n", queued);
	serve_handoff_metrics(serve_handoff_of(s), out);
}

void serve_metrics_get(struct serve_req *r)
{
	struct lg_buf b = LG_BUF_INIT;
	serve_metrics_text(serve_req_server(r), &b);
	serve_body(r, 200, SERVE_METRICS_TYPE, b.data ? b.data : "", b.len);
	lg_buf_release(&b);
}
