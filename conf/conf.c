/*
 * conf.c - built-in lists and the configuration file loader.
 *
 * The file is INI-like:   [section]   key = value   # comment
 * (a comment starts at a '#' or ';' at the start of a line, or after white
 * space).
 * Unknown sections and keys are errors, so a typo in a key never goes
 * unnoticed.  List keys may repeat; each names a file whose entries are
 * added to the built-in list.  Relative paths are taken from the
 * configuration file's directory.
 */
#include "conf.h"
#include "conf_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif

#define CONF_MAX_FILE (64u * 1024 * 1024) /* a list file larger is refused */

static void list_push(struct conf_list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->item = lg_xrealloc(l->item, l->cap * sizeof(*l->item));
	}
	l->item[l->n++] = s;
}

void conf_list_add_text(struct conf *c, struct conf_list *l, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(eol - p));
		const char *s = p;
		size_t n = (size_t)((hash ? hash : eol) - p);
		lg_ascii_trim(&s, &n);
		if (n) {
			char *e = lg_arena_memdup(&c->arena, s, n);
			lg_ascii_lower_copy(e, e, n);
			list_push(l, e);
		}
		p = eol + 1;
	}
}

void conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->typo_frequent_min = 20;
	conf_list_add_text(c, &c->role, conf_builtin_role, conf_builtin_role_len);
	conf_list_add_text(c, &c->free, conf_builtin_free, conf_builtin_free_len);
	conf_list_add_text(c, &c->disposable, conf_builtin_disposable, conf_builtin_disposable_len);
	conf_list_add_text(c, &c->typo, conf_builtin_typo, conf_builtin_typo_len);
}

void conf_release(struct conf *c)
{
	free(c->role.item);
	free(c->free.item);
	free(c->disposable.item);
	free(c->typo.item);
	free(c->allow.item);
	free(c->path);
	lg_arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}

/* Read a whole file (capped); *out is owned, free() it. */
static enum lg_status read_file(const char *path, char **out, size_t *outlen, struct lg_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return lg_err_set(err, LG_ECONFIG, "%s: %s", path, strerror(errno));
	struct lg_buf b = LG_BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > CONF_MAX_FILE) {
			fclose(f);
			lg_buf_release(&b);
			return lg_err_set(err, LG_ECONFIG, "%s: larger than %u bytes", path, CONF_MAX_FILE);
		}
		lg_buf_add(&b, chunk, n);
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		lg_buf_release(&b);
		return lg_err_set(err, LG_ECONFIG, "%s: read error", path);
	}
	lg_buf_grow(&b, 0);
	*out = b.data;
	*outlen = b.len;
	return LG_OK;
}

static struct conf_list *list_for_key(struct conf *c, const char *key)
{
	if (!strcmp(key, "role_list"))
		return &c->role;
	if (!strcmp(key, "free_list"))
		return &c->free;
	if (!strcmp(key, "disposable_list"))
		return &c->disposable;
	if (!strcmp(key, "typo_targets"))
		return &c->typo;
	if (!strcmp(key, "allow_list"))
		return &c->allow;
	return NULL;
}

static enum lg_status set_key(struct conf *c, const char *section, const char *key, const char *val,
			      const char *name, unsigned line, const char *dir, struct lg_err *err)
{
	if (strcmp(section, "verify") != 0)
		return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown section '[%s]'", name, line, section);

	struct conf_list *l = list_for_key(c, key);
	if (l) {
		struct lg_buf path = LG_BUF_INIT;
		if (val[0] != '/' && dir)
			lg_buf_addf(&path, "%s/", dir);
		lg_buf_adds(&path, val);
		char *text;
		size_t len;
		struct lg_err sub;
		enum lg_status st = read_file(path.data, &text, &len, &sub);
		lg_buf_release(&path);
		if (st != LG_OK)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: %s: %s", name, line, key, sub.msg);
		conf_list_add_text(c, l, text, len);
		free(text);
		return LG_OK;
	}
	if (!strcmp(key, "typo_frequent_min")) {
		long v;
		if (!lg_parse_long(val, 2, 1000000, &v))
			return lg_err_set(err, LG_ECONFIG,
					  "%s:%u: typo_frequent_min wants a whole number from 2 to 1000000, not '%s'",
					  name, line, val);
		c->typo_frequent_min = (unsigned)v;
		return LG_OK;
	}
	return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown key '%s' in [%s]", name, line, key, section);
}

enum lg_status conf_load_text(struct conf *c, const char *text, size_t len,
			      const char *name, const char *dir, struct lg_err *err)
{
	char section[64] = "";
	unsigned line = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *s = p;
		size_t n = (size_t)(eol - p);
		line++;
		p = eol + 1;
		lg_ascii_trim(&s, &n);
		if (!n || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			if (s[n - 1] != ']' || n - 2 >= sizeof(section) || n < 3)
				return lg_err_set(err, LG_ECONFIG, "%s:%u: malformed section header", name, line);
			memcpy(section, s + 1, n - 2);
			section[n - 2] = '\0';
			if (strcmp(section, "verify") != 0)
				return lg_err_set(err, LG_ECONFIG, "%s:%u: unknown section '[%s]'", name,
						  line, section);
			continue;
		}
		const char *eq = memchr(s, '=', n);
		if (!eq)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: expected 'key = value'", name, line);
		const char *k = s, *v = eq + 1;
		size_t kn = (size_t)(eq - s), vn = n - kn - 1;
		for (size_t i = 1; i < vn; i++) /* a trailing comment */
			if ((v[i] == '#' || v[i] == ';') && (v[i - 1] == ' ' || v[i - 1] == '\t')) {
				vn = i;
				break;
			}
		lg_ascii_trim(&k, &kn);
		lg_ascii_trim(&v, &vn);
		if (!section[0])
			return lg_err_set(err, LG_ECONFIG, "%s:%u: key outside a [section]", name, line);
		if (!kn || !vn)
			return lg_err_set(err, LG_ECONFIG, "%s:%u: empty key or value", name, line);
		char key[64], val[PATH_MAX];
		if (kn >= sizeof(key) || vn >= sizeof(val))
			return lg_err_set(err, LG_ECONFIG, "%s:%u: key or value too long", name, line);
		memcpy(key, k, kn);
		key[kn] = '\0';
		memcpy(val, v, vn);
		val[vn] = '\0';
		enum lg_status st = set_key(c, section, key, val, name, line, dir, err);
		if (st != LG_OK)
			return st;
	}
	return LG_OK;
}

static bool exists(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fclose(f);
	return true;
}

enum lg_status conf_load(struct conf *c, const char *path, struct lg_err *err)
{
	char found[PATH_MAX];
	const char *env;

	if (path) {
		snprintf(found, sizeof(found), "%s", path);
	} else if ((env = getenv("LEADGATE_CONFIG")) && *env) {
		snprintf(found, sizeof(found), "%s", env);
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		found[0] = '\0';
		if (xdg && *xdg)
			snprintf(found, sizeof(found), "%s/leadgate/leadgate.conf", xdg);
		else if (home && *home)
			snprintf(found, sizeof(found), "%s/.config/leadgate/leadgate.conf", home);
		if (!found[0] || !exists(found))
			snprintf(found, sizeof(found), "%s/leadgate/leadgate.conf", SYSCONFDIR);
		if (!exists(found))
			return LG_OK;
	}

	char *text;
	size_t len;
	enum lg_status st = read_file(found, &text, &len, err);
	if (st != LG_OK)
		return st;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", found);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	st = conf_load_text(c, text, len, found, dir, err);
	free(text);
	if (st == LG_OK) {
		free(c->path);
		c->path = lg_xstrdup(found);
	}
	return st;
}
