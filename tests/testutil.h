/*
 * testutil.h - small helpers the tests against a logging server share
 * (test_smtp.c reads tests/smtpd.py's session log, test_handoff.c and
 * test_targets.c tests/hookd.py's request log): where a log ends now, so
 * that a test reads only what its own run appended; hookd.py started and
 * stopped by its PID, and its log read back; a sender driven to its end.  No cmocka here: a helper
 * reports a failure by its return value, the test asserts.
 */
#ifndef LG_TESTS_TESTUTIL_H
#define LG_TESTS_TESTUTIL_H

#include "handoff/send.h"
#include "loop/loop.h"

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Start tests/hookd.py (run from the source tree's top) on
 * 127.0.0.1:port (0: any), logging to log and checking signatures with
 * secret: its PID and port.  false if it did not start. */
static inline bool hookd_start(const char *secret, int port, const char *log, pid_t *pid,
			       int *port_out)
{
	char line[64], portarg[16];
	int out[2];
	FILE *f;

	snprintf(portarg, sizeof(portarg), "%d", port);
	if (pipe(out) < 0)
		return false;
	*pid = fork();
	if (*pid < 0)
		return false;
	if (*pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		close(out[1]);
		execlp("python3", "python3", "tests/hookd.py", "--port", portarg, "--log", log,
		       "--secret", secret, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	bool ok = f && fgets(line, sizeof(line), f) && sscanf(line, "ready %d", port_out) == 1;
	if (f)
		fclose(f);
	if (!ok)
		fprintf(stderr, "hookd.py did not start\n");
	return ok;
}

static inline void hookd_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* The requests hookd.py logged in log from byte at on: a JSON array
 * (owned: json_decref), or NULL when the log cannot be read or a line is
 * not JSON. */
static inline json_t *hookd_log_since(const char *log, long at)
{
	static char line[1 << 18];
	json_t *a = json_array();
	FILE *f = fopen(log, "r");
	if (!f) {
		json_decref(a);
		return NULL;
	}
	fseek(f, at, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		if (!j) {
			json_decref(a);
			a = NULL;
			break;
		}
		json_array_append_new(a, j);
	}
	fclose(f);
	return a;
}

/* Step loop l until sender s has nothing pending; false if that takes
 * more than 100000 steps (of at most a second each). */
static inline bool sender_drain(struct loop *l, struct sender *s)
{
	for (unsigned i = 0; sender_pending(s); i++) {
		if (i >= 100000)
			return false;
		loop_step(l, 1000);
	}
	return true;
}

#endif
