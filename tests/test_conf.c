/* test_conf.c - built-in lists and the configuration file. */
#include "conf/conf.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

static bool has(const struct conf_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->item[i], s))
			return true;
	return false;
}

static void test_builtin(void **state)
{
	(void)state;
	struct conf c;
	conf_init(&c);
	assert_true(c.role.n > 500);
	assert_true(c.free.n > 5000);
	assert_true(c.disposable.n > 8000);
	assert_true(has(&c.role, "info") && has(&c.role, "noreply"));
	assert_true(has(&c.free, "gmail.com") && has(&c.free, "web.de"));
	assert_true(has(&c.disposable, "mailinator.com"));
	assert_false(has(&c.free, "mailinator.com")); /* free list has no disposable */
	assert_string_equal(c.typo.item[0], "gmail.com");
	assert_false(has(&c.role, "# role-based local parts")); /* comments dropped */
	assert_int_equal(c.typo_frequent_min, 20);
	conf_release(&c);
}

static enum lg_status load(struct conf *c, const char *text, struct lg_err *e)
{
	return conf_load_text(c, text, strlen(text), "t.conf", "/nonexistent", e);
}

/* Write text to dir/name; the path goes to path. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	char dir[] = "/tmp/lgconfXXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	write_file(dir, "roles.txt", "# ours\nFounders\n\n  partners  \n", path, sizeof(path));

	conf_init(&c);
	size_t before = c.role.n;
	char text[512];
	snprintf(text, sizeof(text),
		 "# comment\n[verify]\nrole_list = %s/roles.txt   # ours\ntypo_frequent_min = 7 ; seven\n",
		 dir);
	assert_int_equal(load(&c, text, &e), LG_OK);
	assert_int_equal(c.role.n, before + 2);
	assert_true(has(&c.role, "founders") && has(&c.role, "partners")); /* lower-cased, trimmed */
	assert_int_equal(c.typo_frequent_min, 7);

	/* Relative list paths are taken from the configuration's directory. */
	const char *rel = "[verify]\nallow_list = roles.txt\n";
	assert_int_equal(conf_load_text(&c, rel, strlen(rel), "x.conf", dir, &e), LG_OK);
	assert_true(has(&c.allow, "founders"));
	conf_release(&c);
	unlink(path);
	rmdir(dir);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} v[] = {
		{"[verify]\nbogus = 1\n", "t.conf:2: unknown key 'bogus' in [verify]"},
		{"[nope]\nx = 1\n", "t.conf:1: unknown section '[nope]'"},
		{"[verify]\n[later]\n", "t.conf:2: unknown section '[later]'"},
		{"x = 1\n", "t.conf:1: key outside a [section]"},
		{"[verify]\n\njust words\n", "t.conf:3: expected 'key = value'"},
		{"[verify\n", "t.conf:1: malformed section header"},
		{"[verify]\ntypo_frequent_min = 1\n", "t.conf:2: typo_frequent_min wants"},
		{"[verify]\ntypo_frequent_min = 5x\n", "t.conf:2: typo_frequent_min wants"},
		{"[verify]\nrole_list = missing.txt\n", "t.conf:2: role_list: /nonexistent/missing.txt"},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct conf c;
		struct lg_err e = {{0}};
		conf_init(&c);
		assert_int_equal(load(&c, v[i].text, &e), LG_ECONFIG);
		if (strncmp(e.msg, v[i].msg, strlen(v[i].msg)) != 0)
			fail_msg("config %zu: got \"%s\", want \"%s...\"", i, e.msg, v[i].msg);
		conf_release(&c);
	}
}

static void test_search(void **state)
{
	(void)state;
	struct conf c;
	struct lg_err e = {{0}};
	char dir[] = "/tmp/lgxdgXXXXXX";
	assert_non_null(mkdtemp(dir));
	char sub[256], path[300];
	snprintf(sub, sizeof(sub), "%s/leadgate", dir);
	mkdir(sub, 0755);
	write_file(sub, "leadgate.conf", "[verify]\ntypo_frequent_min = 9\n", path, sizeof(path));

	unsetenv("LEADGATE_CONFIG");
	setenv("XDG_CONFIG_HOME", dir, 1);
	conf_init(&c);
	assert_int_equal(conf_load(&c, NULL, &e), LG_OK);
	assert_int_equal(c.typo_frequent_min, 9);
	assert_string_equal(c.path, path);
	conf_release(&c);

	/* An explicit file that does not exist is an error, not a default. */
	conf_init(&c);
	assert_int_equal(conf_load(&c, "/nonexistent/leadgate.conf", &e), LG_ECONFIG);
	conf_release(&c);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
