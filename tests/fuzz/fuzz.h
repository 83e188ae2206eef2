/* Shared by the fuzz targets: a property that fails aborts, so libFuzzer
 * keeps the input that broke it. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROPERTY(cond)                                                        \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "property failed: %s (%s:%d)\n", #cond, \
			        __FILE__, __LINE__);                          \
			abort();                                              \
		}                                                             \
	} while (0)

/* The input as a string, in a buffer of exactly its length and a NUL, so
 * AddressSanitizer catches a read past the end; NULL for an input with a
 * NUL inside (options come from argv: they have none). */
static inline char *fuzz_string(const unsigned char *data, size_t size)
{
	char *s;

	if (memchr(data, '\0', size) != NULL || (s = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
