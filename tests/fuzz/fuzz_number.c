/* Option values: ports (fx_parse_port) and sizes with K, M, G, T suffixes
 * (fx_parse_size, which also parses counts and seconds). */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char back[32];
	unsigned port, port2;
	uint64_t v, v2;
	const uint64_t max = UINT64_C(1) << 60;
	char *s = fuzz_string(data, size);

	if (s == NULL)
		return 0;
	errno = 0;
	if (fx_parse_port(s, &port) == 0) {
		/* Digits only, in range, and printing it back parses the same. */
		PROPERTY(size > 0 && strspn(s, "0123456789") == size && port <= 65535);
		snprintf(back, sizeof(back), "%u", port);
		PROPERTY(fx_parse_port(back, &port2) == 0 && port2 == port);
	} else {
		PROPERTY(errno == EINVAL || errno == ERANGE);
	}
	errno = 0;
	if (fx_parse_size(s, 1, max, &v) == 0) {
		PROPERTY(v >= 1 && v <= max);
		/* A parsed size prints back, in bytes, to the same value. */
		snprintf(back, sizeof(back), "%" PRIu64, v);
		PROPERTY(fx_parse_size(back, 1, max, &v2) == 0 && v2 == v);
		/* Its digits and at most one suffix letter, nothing else. */
		PROPERTY(size > 0 && strspn(s, "0123456789") >= size - 1);
	} else {
		PROPERTY(errno == EINVAL || errno == ERANGE);
	}
	free(s);
	return 0;
}
