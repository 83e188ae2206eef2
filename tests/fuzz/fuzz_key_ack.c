/* The acknowledgement of a client with --key, as fsend reads it (at most
 * FX_ACK_MAX bytes) and fx_key_ack_parse takes it. */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t tag[32], untouched[32];
	char hex[FX_SHA256_HEX_LEN + 1];
	char *buf;

	if (size > FX_ACK_MAX)
		return 0;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(tag, 0x5a, sizeof(tag));
	memcpy(untouched, tag, sizeof(tag));
	errno = 0;
	int r = fx_key_ack_parse(buf, size, tag);
	PROPERTY(r == 0 || r == -1);
	if (r < 0) {
		PROPERTY(errno == EINVAL || errno == EPROTONOSUPPORT);
		PROPERTY(memcmp(tag, untouched, sizeof(tag)) == 0);
	} else {
		/* "thank you", its NUL, "fxfer-key/1 ack=", the tag's digits. */
		PROPERTY(size > FX_ACK_LEN + 17 && memcmp(buf, FX_ACK, FX_ACK_LEN) == 0);
		PROPERTY(memcmp(buf + FX_ACK_LEN, "fxfer-key/1 ack=", 16) == 0);
		PROPERTY(memcmp(buf + FX_ACK_LEN + 16, fx_sha256_hex(tag, hex), FX_SHA256_HEX_LEN) == 0);
		PROPERTY(buf[size - 1] == '\n');
	}
	free(buf);
	return 0;
}
