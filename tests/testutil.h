/*
 * testutil.h - small helpers the tests against a logging server share
 * (test_smtp.c reads tests/smtpd.py's session log, test_handoff.c
 * tests/hookd.py's request log): where a log ends now, so that a test
 * reads only what its own run appended.
 */
#ifndef LG_TESTS_TESTUTIL_H
#define LG_TESTS_TESTUTIL_H

#include <stdio.h>

/* The size of the file at path now; 0 if it does not exist yet. */
static inline long test_file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	if (f) {
		if (fseek(f, 0, SEEK_END) == 0)
			n = ftell(f);
		fclose(f);
	}
	return n < 0 ? 0 : n;
}

#endif
