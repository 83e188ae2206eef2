/* The key exchange's one-field lines from the network (the client's hello
 * "nonce", its proof "proof", the server's "tag"), as fx_key_field_parse
 * takes them: the first byte picks the name, the rest is the line. */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "nonce", "proof", "tag" };
	uint8_t v[32], untouched[32];
	char hex[FX_SHA256_HEX_LEN + 1], head[32];
	char *buf;

	if (size < 1 || size > FX_KEY_LINE_MAX + 16)
		return 0;
	const char *name = names[data[0] % 3];
	data++;
	size--;
	/* Exactly size bytes: a read past them is AddressSanitizer's. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(v, 0xa5, sizeof(v));
	memcpy(untouched, v, sizeof(v));
	errno = 0;
	int r = fx_key_field_parse(buf, size, name, v);
	PROPERTY(r == 0 || r == -1);
	if (r < 0) {
		PROPERTY(errno == EINVAL || errno == EPROTONOSUPPORT);
		PROPERTY(memcmp(v, untouched, sizeof(v)) == 0);
		free(buf);
		return 0;
	}
	/* One line, within the bound, its newline last and nowhere else, the
	 * value the 64 lowercase hex digits after "fxfer-key/1 NAME=". */
	PROPERTY(size <= FX_KEY_LINE_MAX && buf[size - 1] == '\n');
	PROPERTY(memchr(buf, '\n', size - 1) == NULL && memchr(buf, '\0', size) == NULL);
	int h = snprintf(head, sizeof(head), "fxfer-key/1 %s=", name);
	PROPERTY(size >= (size_t)h + FX_SHA256_HEX_LEN + 1 && memcmp(buf, head, (size_t)h) == 0);
	PROPERTY(memcmp(buf + h, fx_sha256_hex(v, hex), FX_SHA256_HEX_LEN) == 0);
	free(buf);
	return 0;
}
