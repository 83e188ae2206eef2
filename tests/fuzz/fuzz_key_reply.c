/* The key exchange's reply from a server: nonce, size, resume and proof,
 * as frecv --key reads it from the network and fx_key_reply_parse takes
 * it. */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t nonce[32], proof[32];
	char hex[FX_SHA256_HEX_LEN + 1], again[FX_KEY_LINE_MAX];
	uint64_t fsize = 7;
	int resume = 9;
	char *buf;

	if (size > FX_KEY_LINE_MAX + 16)
		return 0;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	errno = 0;
	int r = fx_key_reply_parse(buf, size, nonce, &fsize, &resume, proof);
	PROPERTY(r == 0 || r == -1);
	if (r < 0) {
		PROPERTY(errno == EINVAL || errno == EPROTONOSUPPORT);
		PROPERTY(fsize == 7 && resume == 9);
		free(buf);
		return 0;
	}
	PROPERTY(size <= FX_KEY_LINE_MAX && buf[size - 1] == '\n');
	PROPERTY(memchr(buf, '\n', size - 1) == NULL && memchr(buf, '\0', size) == NULL);
	PROPERTY(resume == 0 || resume == 1);
	PROPERTY(fsize <= (uint64_t)INT64_MAX);
	/* Formatted again from its fields, it is the input up to any later
	 * version's fields. */
	int n = snprintf(again, sizeof(again), "fxfer-key/1 nonce=%s size=%" PRIu64 " resume=%d proof=",
	                 fx_sha256_hex(nonce, hex), fsize, resume);
	n += snprintf(again + n, sizeof(again) - (size_t)n, "%s", fx_sha256_hex(proof, hex));
	PROPERTY((size_t)n < size && memcmp(again, buf, (size_t)n) == 0);
	PROPERTY(buf[n] == '\n' || buf[n] == ' ');
	free(buf);
	return 0;
}
