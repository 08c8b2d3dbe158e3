/*
 * fuzz.h - what the fuzz targets share: the entry point's prototype (for
 * -Wmissing-prototypes) and the check that turns a broken invariant into
 * a crash libFuzzer records (and replay.c fails on).
 */
#ifndef FENCEWAY_FUZZ_H
#define FENCEWAY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: invariant broken: %s\n",   \
				__FILE__, __LINE__, #cond);                \
			abort();                                           \
		}                                                          \
	} while (0)

/* Input bytes as a stream: each take returns 0 once the input ran out. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

#endif
