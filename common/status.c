/* status.c - the project status enum, its exit codes, the error buffer. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char *lg_strerror(enum lg_status st)
{
	switch (st) {
	case LG_OK: return "success";
	case LG_EUSAGE: return "usage error";
	case LG_EDATA: return "input is not a contact list";
	case LG_ENOINPUT: return "input missing";
	case LG_EIO: return "input/output error";
	case LG_ETEMP: return "temporary failure";
	case LG_ECONFIG: return "bad configuration";
	}
	return "unknown status";
}

int lg_exit_code(enum lg_status st)
{
	/* The numbers of sysexits.h, which the README and man page list. */
	switch (st) {
	case LG_OK: return 0;
	case LG_EUSAGE: return 64;
	case LG_EDATA: return 65;
	case LG_ENOINPUT: return 66;
	case LG_EIO: return 74;
	case LG_ETEMP: return 75;
	case LG_ECONFIG: return 78;
	}
	return 70;
}

enum lg_status lg_err_set(struct lg_err *err, enum lg_status st, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return st;
}

void lg_bug(const char *file, int line, const char *fmt, ...)
{
	/* One write of the whole line, so that it is not interleaved with
	 * another thread's output. */
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), "leadgate: BUG: %s:%d: ", file, line);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(msg)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "%s\n", msg);
	abort();
}

double lg_now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
