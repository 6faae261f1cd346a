/* conf_int.h - private to conf/: the lists compiled into the program. */
#ifndef LG_CONF_INT_H
#define LG_CONF_INT_H

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

#endif
