/*
 * raw_hook.c - the raw limit of the handoff's outbox drain
 * (bench/run_handoff.sh): the same messages POSTed to the same receiver
 * by libcurl's multi interface alone, with the same headers
 * (Content-Type, an empty Expect, webhook-id, webhook-timestamp and a
 * Standard Webhooks signature made with GnuTLS's HMAC-SHA256, the
 * User-Agent) and at most the same number of transfers at once.  No
 * store, no event loop of its own (curl_multi_poll), no retries: each
 * 2xx is counted, anything else is an error.
 *
 *   raw_hook [--transfers N] SECRET FILE
 *
 * FILE has one message a line, "ID TAB URL TAB BODY" (the outbox's
 * rows, as `sqlite3 -separator` writes them; a body is compact JSON, on
 * one line).  SECRET is the team's whsec_BASE64.  Prints "RAW_HOOK sent=N
 * ok=N failed=N seconds=S per_s=R" on stdout; exit 1 if any failed.
 */
#include <curl/curl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/base64.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct req {
	char *id, *url, *body;
	size_t len;
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fprintf(stderr, "raw_hook: out of memory\n");
		exit(1);
	}
	return p;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* "v1,BASE64(HMAC-SHA256(key, id.ts.body))" into out (>= 64 bytes) */
static void sign(const uint8_t *key, size_t klen, const struct req *r, long long ts, char *out)
{
	size_t n = strlen(r->id) + 32 + r->len;
	char *msg = xmalloc(n);
	int m = snprintf(msg, n, "%s.%lld.", r->id, ts);
	memcpy(msg + m, r->body, r->len);
	uint8_t mac[32];
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, msg, (size_t)m + r->len, mac) < 0) {
		fprintf(stderr, "raw_hook: gnutls_hmac_fast failed\n");
		exit(1);
	}
	free(msg);
	memcpy(out, "v1,", 3);
	base64_encode_raw(out + 3, sizeof(mac), mac);
	out[3 + BASE64_ENCODE_RAW_LENGTH(sizeof(mac))] = '\0';
}

static CURL *make(const uint8_t *key, size_t klen, const struct req *r, struct curl_slist **hl)
{
	char line[512], sig[64];
	long long ts = (long long)time(NULL);
	sign(key, klen, r, ts, sig);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	snprintf(line, sizeof(line), "webhook-id: %s", r->id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "webhook-timestamp: %lld", ts);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "webhook-signature: %s", sig);
	h = curl_slist_append(h, line);
	CURL *e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "leadgate/0.1.0");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 15000L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)h);
	*hl = h;
	return e;
}

int main(int argc, char **argv)
{
	long transfers = 16;
	int a = 1;
	if (argc > 2 && !strcmp(argv[1], "--transfers")) {
		transfers = strtol(argv[2], NULL, 10);
		a = 3;
	}
	if (argc - a != 2 || transfers < 1 || strncmp(argv[a], "whsec_", 6)) {
		fprintf(stderr, "usage: raw_hook [--transfers N] whsec_SECRET FILE\n");
		return 64;
	}
	/* the key */
	const char *b64 = argv[a] + 6;
	uint8_t key[128];
	size_t klen = sizeof(key);
	struct base64_decode_ctx dc;
	base64_decode_init(&dc);
	if (!base64_decode_update(&dc, &klen, key, strlen(b64), b64) || !base64_decode_final(&dc)) {
		fprintf(stderr, "raw_hook: the secret's base64 will not decode\n");
		return 64;
	}
	/* the messages */
	FILE *f = fopen(argv[a + 1], "r");
	if (!f) {
		perror(argv[a + 1]);
		return 66;
	}
	struct req *rq = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t2)
			continue;
		*t1 = *t2 = '\0';
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			rq = realloc(rq, cap * sizeof(*rq));
			if (!rq)
				return 1;
		}
		rq[n].id = strdup(line);
		rq[n].url = strdup(t1 + 1);
		rq[n].body = strdup(t2 + 1);
		rq[n].len = strlen(t2 + 1);
		n++;
	}
	free(line);
	fclose(f);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *m = curl_multi_init();
	size_t next = 0, running_n = 0, ok = 0, failed = 0;
	double t0 = mono();
	while (next < n || running_n) {
		while (next < n && running_n < (size_t)transfers) {
			struct curl_slist *h;
			curl_multi_add_handle(m, make(key, klen, &rq[next++], &h));
			running_n++;
		}
		int still;
		curl_multi_perform(m, &still);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			long status = 0;
			char *h;
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
			curl_easy_getinfo(e, CURLINFO_PRIVATE, &h);
			if (msg->data.result == CURLE_OK && status >= 200 && status < 300)
				ok++;
			else
				failed++;
			curl_multi_remove_handle(m, e);
			curl_easy_cleanup(e);
			curl_slist_free_all((struct curl_slist *)h);
			running_n--;
		}
		if (running_n && (next == n || running_n >= (size_t)transfers))
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
	double s = mono() - t0;
	curl_multi_cleanup(m);
	curl_global_cleanup();
	printf("RAW_HOOK sent=%zu ok=%zu failed=%zu seconds=%.4f per_s=%.0f\n", n, ok, failed, s,
	       s > 0 ? (double)n / s : 0.0);
	for (size_t i = 0; i < n; i++) {
		free(rq[i].id);
		free(rq[i].url);
		free(rq[i].body);
	}
	free(rq);
	return failed ? 1 : 0;
}
