/*
 * fuzz_verify.c - the address verdict on any bytes: the whole input as one
 * cell through verify_address(), then each of its lines as the next row
 * of a list through verify_list_row().
 *
 * A verify_ctx costs milliseconds to build (the Public Suffix List, the
 * typo index, the display-name pattern), so the contexts live across
 * inputs: verify_address() keeps no list state by contract, and the list
 * context sees the inputs one after another as one long list (duplicates
 * and frequent domains across inputs are list behaviour too).  Both are
 * built anew once their caches pass FUZZ_CTX_BYTES, which bounds memory
 * on long runs.
 *
 * Every verdict must keep verify.h's promises: the status is the reason's,
 * strings never NULL and as long as said, a valid address normalized to
 * local@domain within 254 bytes; and verifying an address's normalized
 * form again gives the same verdict and the same normalized form.
 */
#include "fuzz/fuzz.h"
#include "conf/conf.h"
#include "verify/verify.h"

#define FUZZ_CTX_BYTES (64u << 20)

static struct conf conf;
static struct verify_ctx *alone, *list;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf_init(&conf);
	return 0;
}

static struct verify_ctx *fresh(struct verify_ctx *ctx)
{
	struct verify_stats st;
	if (ctx) {
		verify_ctx_stats(ctx, &st);
		if (st.bytes <= FUZZ_CTX_BYTES)
			return ctx;
		verify_ctx_free(ctx);
	}
	return conf_verify_ctx(&conf);
}

static void check(const struct verify_result *v)
{
	FUZZ_CHECK((unsigned)v->reason < VERIFY_R_COUNT);
	FUZZ_CHECK(v->status == verify_reason_status(v->reason));
	FUZZ_CHECK(v->flags < 1u << VERIFY_FLAG_COUNT);
	FUZZ_CHECK(v->normalized && v->suggestion && v->domain);
	FUZZ_CHECK(strlen(v->normalized) == v->normalized_len);
	FUZZ_CHECK(strlen(v->suggestion) == v->suggestion_len);
	FUZZ_CHECK(strlen(v->domain) == v->domain_len);
	FUZZ_CHECK(v->org_len <= v->domain_len);
	if (v->normalized_len) {
		FUZZ_CHECK(v->normalized_len <= 254 && v->domain_len > 0);
		FUZZ_CHECK(v->normalized_len > v->domain_len);
		const char *at = v->normalized + v->normalized_len - v->domain_len - 1;
		FUZZ_CHECK(*at == '@' && !memcmp(at + 1, v->domain, v->domain_len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct verify_result v, again;

	alone = fresh(alone);
	list = fresh(list);

	verify_address(alone, s, size, &v);
	check(&v);
	if (v.normalized_len) {
		/* The result's strings are the context's until its next call. */
		char norm[256];
		enum verify_reason reason = v.reason;
		memcpy(norm, v.normalized, v.normalized_len + 1);
		verify_address(alone, norm, strlen(norm), &again);
		check(&again);
		if (again.reason != reason || strcmp(again.normalized, norm) != 0) {
			BUG("a normalized address verifies as itself: '%s' (%s) verifies as "
			    "'%s' (%s)",
			    norm, verify_reason_name(reason), again.normalized,
			    verify_reason_name(again.reason));
		}
	}

	for (const char *p = s, *end = s + size; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		verify_list_row(list, p, (size_t)(e - p), &v);
		check(&v);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
