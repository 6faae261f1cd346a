/*
 * banned.h - C library functions leadgate does not call, made compile
 * errors.
 *
 * Each of them is easy to misuse on the untrusted bytes the program reads
 * all day: a copy with no bound, a number parser that cannot report an
 * error, a result in static storage that another thread overwrites, a
 * character class that follows the locale (and is undefined for a
 * negative char).  A call expands to an undeclared identifier whose name
 * says why and what to use instead, so the compiler's error carries the
 * reason:
 *
 *	error: 'banned_strcpy__no_bound_use_memcpy_with_a_length_or_lg_buf'
 *	undeclared
 *
 * Only common/common.h includes this file, after the system headers that
 * declare these functions: a declaration read after the macros below
 * would be rewritten by them (so those headers must not come later).
 * The reentrant forms (gmtime_r, localtime_r, strtok_r) stay allowed.
 */
#ifndef LG_BANNED_H
#define LG_BANNED_H

#define LG_BANNED(fn, why) banned_##fn##__##why

/* Copies and concatenation with no bound, or one that is easy to get wrong
 * (strncpy does not NUL-terminate; strncat's n is the room left). */
#undef strcpy
#define strcpy(...) LG_BANNED(strcpy, no_bound_use_memcpy_with_a_length_or_lg_buf)
#undef strcat
#define strcat(...) LG_BANNED(strcat, no_bound_use_lg_buf_adds)
#undef strncpy
#define strncpy(...) LG_BANNED(strncpy, may_not_terminate_use_memcpy_with_a_length)
#undef strncat
#define strncat(...) LG_BANNED(strncat, n_is_the_room_left_use_lg_buf_add)
#undef sprintf
#define sprintf(...) LG_BANNED(sprintf, no_bound_use_snprintf_or_lg_buf_addf)
#undef vsprintf
#define vsprintf(...) LG_BANNED(vsprintf, no_bound_use_vsnprintf)
#undef gets
#define gets(...) LG_BANNED(gets, no_bound_use_fgets_or_getline)

/* Hidden state between calls. */
#undef strtok
#define strtok(...) LG_BANNED(strtok, keeps_hidden_state_use_strtok_r_or_memchr)

/* Numbers: these cannot say "not a number" or "out of range". */
#undef atoi
#define atoi(...) LG_BANNED(atoi, no_error_use_lg_parse_long)
#undef atol
#define atol(...) LG_BANNED(atol, no_error_use_lg_parse_long)
#undef atoll
#define atoll(...) LG_BANNED(atoll, no_error_use_strtoll_with_endptr)
#undef atof
#define atof(...) LG_BANNED(atof, no_error_use_strtod_with_endptr)

/* Time: a result in static storage, shared by every thread. */
#undef gmtime
#define gmtime(...) LG_BANNED(gmtime, static_result_use_gmtime_r)
#undef localtime
#define localtime(...) LG_BANNED(localtime, static_result_use_localtime_r)
#undef ctime
#define ctime(...) LG_BANNED(ctime, static_result_use_lg_time_format)
#undef asctime
#define asctime(...) LG_BANNED(asctime, static_result_use_lg_time_format)

/* Temporary names: another process may take the name before us. */
#undef tmpnam
#define tmpnam(...) LG_BANNED(tmpnam, racy_use_mkstemp)
#undef tempnam
#define tempnam(...) LG_BANNED(tempnam, racy_use_mkstemp)
#undef mktemp
#define mktemp(...) LG_BANNED(mktemp, racy_use_mkstemp)

/* The locale: the program runs in the C locale, and what it compares or
 * classifies are bytes from files, which the locale must not change (and
 * <ctype.h> is undefined for a negative char).  The lg_ascii_* helpers of
 * common.h do this on bytes. */
#undef isalnum
#define isalnum(...) LG_BANNED(isalnum, follows_the_locale_use_lg_ascii)
#undef isalpha
#define isalpha(...) LG_BANNED(isalpha, follows_the_locale_use_lg_ascii_is_alpha)
#undef isblank
#define isblank(...) LG_BANNED(isblank, follows_the_locale_use_lg_ascii)
#undef iscntrl
#define iscntrl(...) LG_BANNED(iscntrl, follows_the_locale_use_lg_ascii)
#undef isdigit
#define isdigit(...) LG_BANNED(isdigit, follows_the_locale_use_lg_ascii_is_digit)
#undef isgraph
#define isgraph(...) LG_BANNED(isgraph, follows_the_locale_use_lg_ascii)
#undef islower
#define islower(...) LG_BANNED(islower, follows_the_locale_use_lg_ascii)
#undef isprint
#define isprint(...) LG_BANNED(isprint, follows_the_locale_use_lg_ascii)
#undef ispunct
#define ispunct(...) LG_BANNED(ispunct, follows_the_locale_use_lg_ascii)
#undef isspace
#define isspace(...) LG_BANNED(isspace, follows_the_locale_use_lg_ascii_is_space)
#undef isupper
#define isupper(...) LG_BANNED(isupper, follows_the_locale_use_lg_ascii)
#undef isxdigit
#define isxdigit(...) LG_BANNED(isxdigit, follows_the_locale_use_lg_ascii)
#undef tolower
#define tolower(...) LG_BANNED(tolower, follows_the_locale_use_lg_ascii_lower)
#undef toupper
#define toupper(...) LG_BANNED(toupper, follows_the_locale_use_lg_ascii)
#undef strcasecmp
#define strcasecmp(...) LG_BANNED(strcasecmp, follows_the_locale_use_lg_ascii_eq)
#undef strncasecmp
#define strncasecmp(...) LG_BANNED(strncasecmp, follows_the_locale_use_lg_ascii_eq)
#undef setlocale
#define setlocale(...) LG_BANNED(setlocale, the_program_stays_in_the_C_locale)

#endif
