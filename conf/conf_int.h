/* conf_int.h - private to conf/: the lists compiled into the program. */
#ifndef LG_CONF_INT_H
#define LG_CONF_INT_H

#include "common/common.h"

#include <stddef.h>

/* Generated at build time from conf/lists/ *.txt (see the Makefile). */
extern const char conf_builtin_role[];
extern const size_t conf_builtin_role_len;
extern const char conf_builtin_free[];
extern const size_t conf_builtin_free_len;
extern const char conf_builtin_disposable[];
extern const size_t conf_builtin_disposable_len;
extern const char conf_builtin_typo[];
extern const size_t conf_builtin_typo_len;
extern const char conf_builtin_smtp_skip[];
extern const size_t conf_builtin_smtp_skip_len;

struct conf;
struct conf_list;
struct lg_err;

/* conf.c: all of s[0..n) as a decimal in [lo, hi]: digits and at most one
 * point, a '-' or '+' first when sign. */
bool conf_parse_decimal(const char *s, size_t n, bool sign, double lo, double hi, double *out);
/* yes/true/on or no/false/off (ASCII case-insensitive) into *out; false
 * for anything else. */
bool conf_parse_bool(const char *s, bool *out);

/* A key of a section that takes a whole number. */
struct conf_whole {
	const char *key;
	long lo, hi;      /* its range: 0 <= lo <= hi <= INT_MAX */
	size_t off;       /* of its int or unsigned field in the section's struct */
	const char *unit; /* after "a whole number" in the message: "", " (ms)" */
};
/*
 * conf.c: a section's last resort for key: one of t[0..n), its value val
 * in range stored in the section's struct at base; else LG_ECONFIG with
 * name:line, the value out of range or key unknown in [section].
 */
enum lg_status conf_set_whole(const struct conf_whole *t, size_t n, void *base, const char *section,
			      const char *key, const char *val, const char *name, unsigned line,
			      struct lg_err *err);

/* conf.c: add the entries of the list file val (relative to dir) to l;
 * errors name the file and line of the key. */
enum lg_status conf_add_list_file(struct conf *c, struct conf_list *l, const char *key,
				  const char *val, const char *name, unsigned line, const char *dir,
				  struct lg_err *err);

/* scoring.c: one key of [scoring]; then, once the file is read, the
 * rubric's checks. */
enum lg_status conf_set_scoring(struct conf *c, const char *key, const char *value,
				const char *name, unsigned line, const char *dir,
				struct lg_err *err);
enum lg_status conf_finish_scoring(struct conf *c, const char *name, struct lg_err *err);

/* probe.c: [smtp]'s defaults, and one key of it. */
struct conf_smtp;
void conf_smtp_init(struct conf_smtp *s);
enum lg_status conf_set_smtp(struct conf *c, const char *key, const char *val, const char *name,
			     unsigned line, struct lg_err *err);

/* handoff.c: [handoff], [route.NAME], [team.NAME], [rep.NAME].  Is
 * section one of them (a valid NAME)?  Open it at its header (a route,
 * team or rep exists from there, keys or not; a name seen again adds to
 * the first); one key of it; once the file is read, the references
 * resolved and checked. */
bool conf_handoff_section(const char *section);
void conf_handoff_open(struct conf *c, const char *section, unsigned line);
enum lg_status conf_set_handoff(struct conf *c, const char *section, const char *key,
				const char *val, const char *name, unsigned line, const char *dir,
				struct lg_err *err);
enum lg_status conf_finish_handoff(struct conf *c, const char *name, struct lg_err *err);

/* conf.c: NAME of env:NAME, an environment variable's name (a letter or
 * '_', then letters, digits and '_'). */
bool conf_env_name_ok(const char *s);

#endif
