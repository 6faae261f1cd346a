/*
 * regex.c - the one place that includes <pcre2.h>.
 *
 * A pattern is compiled once (JIT when available: pcre2_match uses the JIT
 * code by itself and falls back to the interpreter when there is none)
 * and carries one match-data block sized for its groups, so a match
 * allocates nothing.  That block is why a regex is not thread-safe.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "common.h"

#include <pcre2.h>
#include <stdlib.h>

struct lg_regex {
	pcre2_code *code;
	pcre2_match_data *md;
};

enum lg_status lg_regex_new(struct lg_regex **out, const char *pattern, unsigned flags,
			    struct lg_err *err)
{
	uint32_t opts = 0;
	int errcode;
	PCRE2_SIZE erroff;

	*out = NULL;
	if (flags & LG_REGEX_CASELESS)
		opts |= PCRE2_CASELESS;
	/* UCP: \w and \b know letters beyond ASCII ("Geschäftsführer" is one
	 * word).  MATCH_INVALID_UTF: a title with a stray byte is still
	 * matched around it, not refused as a whole. */
	if (flags & LG_REGEX_UTF)
		opts |= PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &errcode,
					 &erroff, NULL);
	if (!code) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			msg[0] = '\0';
		return lg_err_set(err, LG_ECONFIG, "%s at offset %zu of pattern \"%.160s\"",
				  (const char *)msg, (size_t)erroff, pattern);
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* no JIT: the interpreter */
	struct lg_regex *re = lg_xmalloc(sizeof(*re));
	re->code = code;
	re->md = pcre2_match_data_create_from_pattern(code, NULL);
	if (!re->md)
		lg_die_oom(0); /* the one way it fails, as lg_xmalloc would */
	*out = re;
	return LG_OK;
}

int lg_regex_match(struct lg_regex *re, const char *s, size_t n, size_t *ovec, size_t novec)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return rc;
	/* The block comes from the pattern, so rc > 0 (0 would mean it is
	 * too small for the groups). */
	if (ovec) {
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
		size_t pairs = (size_t)rc < novec ? (size_t)rc : novec;
		for (size_t i = 0; i < 2 * pairs; i++)
			ovec[i] = ov[i] == PCRE2_UNSET ? SIZE_MAX : (size_t)ov[i];
	}
	return rc;
}

void lg_regex_free(struct lg_regex *re)
{
	if (!re)
		return;
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	free(re);
}
