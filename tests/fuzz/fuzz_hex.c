/* A digest given on the command line (--expect-sha256), parsed by
 * fx_sha256_parse_hex. */
#include "fuzz.h"
#include "fxfer.h"

#include <ctype.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t d[FX_SHA256_LEN], before[FX_SHA256_LEN];
	char hex[FX_SHA256_HEX_LEN + 1];
	char *s = fuzz_string(data, size);

	if (s == NULL)
		return 0;
	memset(d, 0x5a, sizeof(d));
	memcpy(before, d, sizeof(d));
	if (fx_sha256_parse_hex(s, d) == 0) {
		/* Accepted: exactly 64 hex digits, and they are the digest. */
		PROPERTY(size == FX_SHA256_HEX_LEN);
		PROPERTY(strspn(s, "0123456789abcdefABCDEF") == FX_SHA256_HEX_LEN);
		fx_sha256_hex(d, hex);
		for (size_t i = 0; i < FX_SHA256_HEX_LEN; i++)
			PROPERTY(hex[i] == tolower((unsigned char)s[i]));
	} else {
		PROPERTY(memcmp(d, before, sizeof(d)) == 0); /* untouched */
	}
	free(s);
	return 0;
}
