/*
 * fuzz_conf.c - the configuration loader on any bytes: conf_init(), then
 * conf_load_text() on the input as conf_load() hands it a file's text,
 * then what callers read back (conf_decay_policy()).
 *
 * List keys (role_list = FILE ...) name files relative to the directory
 * of the configuration: here a temporary directory holding roles.txt and
 * domains.txt, made once and removed at exit, so the seeds reach the
 * list code.  An input that names anything under /dev, /proc or /sys is
 * not run: reading a terminal, a pipe or /dev/zero would only measure the
 * device.
 */
#include "conf/conf.h"
#include "fuzz/fuzz.h"

static char dir[] = "/tmp/leadgate-fuzz-conf.XXXXXX";
static char file1[sizeof(dir) + 16], file2[sizeof(dir) + 16];

static void cleanup(void)
{
	unlink(file1);
	unlink(file2);
	rmdir(dir);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	FUZZ_CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	FUZZ_CHECK(mkdtemp(dir));
	snprintf(file1, sizeof(file1), "%s/roles.txt", dir);
	snprintf(file2, sizeof(file2), "%s/domains.txt", dir);
	put(file1, "# role local parts\nbilling\nPress\n\nsupport # help desk\n");
	put(file2, "example.com\nMailinator.COM\n# comment\n\xC3\xA9xample.fr\n");
	atexit(cleanup);
	return 0;
}

static bool names_device(const uint8_t *d, size_t n)
{
	static const char *const bad[] = {"/dev", "/proc", "/sys"};
	for (size_t b = 0; b < sizeof(bad) / sizeof(*bad); b++)
		if (memmem(d, n, bad[b], strlen(bad[b])))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct lg_err err = {{0}};
	struct decay_policy p;

	if (names_device(data, size))
		return -1;
	conf_init(&c);
	enum lg_status st = conf_load_text(&c, (const char *)data, size, "fuzz.conf", dir, &err);
	FUZZ_CHECK(st == LG_OK || st == LG_ECONFIG);
	FUZZ_CHECK(st == LG_OK || err.msg[0]);
	if (st == LG_OK) {
		for (size_t i = 0; i < c.n_source_rate; i++) {
			conf_decay_policy(&c, c.source_rate[i].source, &p);
			FUZZ_CHECK(p.monthly_rate >= 0 && p.monthly_rate < 1);
		}
		conf_decay_policy(&c, NULL, &p);
		FUZZ_CHECK(p.fresh_for <= p.stale_after);
		FUZZ_CHECK(c.gate.threshold > 0 && c.gate.threshold <= 1);
	}
	conf_release(&c);
	return 0;
}
