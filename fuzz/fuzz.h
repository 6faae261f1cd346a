/*
 * fuzz.h - what the libFuzzer harnesses of fuzz/ share: bytes as a file
 * descriptor, and the checks of what the parsers' headers promise.
 *
 * A broken promise aborts, so that libFuzzer reports it as a crash and
 * keeps the input, like a memory error found by the sanitizers.
 */
#ifndef LG_FUZZ_H
#define LG_FUZZ_H

#include "common/common.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Report a broken promise (BUG: the message names it) and abort. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			BUG("promise broken: %s", #cond);                                          \
	} while (0)

/* The bytes as a descriptor at offset 0 (a memfd: the reader wants an fd,
 * as the program's `events import` gives it one).  Owned: close it. */
static inline int fuzz_memfd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		FUZZ_CHECK(n > 0);
		done += (size_t)n;
	}
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* Well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code
 * points past U+10FFFF) with no C0 control character and no DEL. */
static inline bool fuzz_clean_utf8(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	while (*u) {
		unsigned c = *u, need;
		uint32_t cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7F)
				return false;
			u++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= need; i++) {
			if ((u[i] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (u[i] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		u += need + 1;
	}
	return true;
}

#endif
