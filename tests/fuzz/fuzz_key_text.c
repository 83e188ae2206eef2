/* A key file's content, as --key reads it: fx_key_decode takes exactly one
 * line of 44 base64 characters; what it takes is the one text of its key. */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[FX_KEY_LEN], untouched[FX_KEY_LEN];
	char text[FX_KEY_TEXT_LEN + 1];
	char *buf;

	if (size > 64)
		return 0;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(key, 0x11, sizeof(key));
	memcpy(untouched, key, sizeof(key));
	errno = 0;
	int r = fx_key_decode(buf, size, key);
	PROPERTY(r == 0 || r == -1);
	if (r < 0) {
		PROPERTY(errno == EINVAL && memcmp(key, untouched, sizeof(key)) == 0);
	} else {
		/* Encoded again, it is the input (without its newline). */
		PROPERTY(size == FX_KEY_TEXT_LEN || (size == FX_KEY_TEXT_LEN + 1 && buf[size - 1] == '\n'));
		fx_key_encode(text, key);
		PROPERTY(memcmp(text, buf, FX_KEY_TEXT_LEN) == 0);
	}
	free(buf);
	return 0;
}
