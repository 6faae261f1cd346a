/*
 * fuzz_null.c - no parser at all: what libFuzzer, the coverage
 * instrumentation and the sanitizers cost per input on this machine.  It
 * is the floor the other harnesses' execs/s are measured against
 * (bench/RESULTS.md); `make fuzz` builds it, `make fuzz-run` does not run it.
 */
#include "fuzz/fuzz.h"

static volatile size_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sink = size ? data[0] + size : 0;
	return 0;
}
