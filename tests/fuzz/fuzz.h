/* tests/fuzz/fuzz.h: what the libFuzzer targets share. */
#ifndef PJ_FUZZ_H
#define PJ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* A rule the code under test must keep on every input: abort, so the fuzzer
 * reports the input that broke it. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant broken: %s\n", #cond);                          \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
