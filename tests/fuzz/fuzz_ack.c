/* The acknowledgement from a client, as fsend reads it: at most
 * FX_ACK_MAX bytes from the network, judged by fx_ack_parse. */
#include "fuzz.h"
#include "fxfer.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t digest[FX_SHA256_LEN];
	char hex[FX_SHA256_HEX_LEN + 1];
	int has;
	char *buf;

	if (size > FX_ACK_MAX) /* what fsend reads at most */
		return 0;
	/* Exactly size bytes: a read past them is AddressSanitizer's. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	int ok = fx_ack_parse(buf, size, digest, &has);
	PROPERTY(ok == 0 || ok == 1);
	if (ok) {
		PROPERTY(size >= FX_ACK_LEN - 1 && memcmp(buf, FX_ACK, FX_ACK_LEN - 1) == 0);
		if (has) {
			/* The digest accepted is the 64 lowercase hex digits before the
			 * final newline, exactly. */
			PROPERTY(buf[size - 1] == '\n');
			fx_sha256_hex(digest, hex);
			PROPERTY(memcmp(buf + size - 1 - FX_SHA256_HEX_LEN, hex, FX_SHA256_HEX_LEN) == 0);
			PROPERTY(strspn(hex, "0123456789abcdef") == FX_SHA256_HEX_LEN);
		}
	}
	free(buf);
	return 0;
}
