/* The resume reply frecv reads from fsend (--resume): at most FX_RESUME_MAX
 * bytes from the network, parsed by fx_resume_reply_parse. */
#include "fuzz.h"
#include "fxfer.h"

#include <errno.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL UINT64_C(0x5a5a5a5a5a5a5a5a)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t fsize = SENTINEL, from = SENTINEL, again_size = SENTINEL, again_from = SENTINEL;
	char line[FX_RESUME_MAX];
	char *buf;
	size_t n;

	/* A little beyond the bound, to see lines over it refused. */
	if (size > FX_RESUME_MAX + 16)
		return 0;
	/* Exactly size bytes: a read past them is AddressSanitizer's. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	errno = 0;
	int r = fx_resume_reply_parse(buf, size, &fsize, &from);
	PROPERTY(r == 0 || r == -1);
	if (r < 0) {
		PROPERTY(errno == EINVAL || errno == EPROTONOSUPPORT || errno == ERANGE);
		PROPERTY(fsize == SENTINEL && from == SENTINEL);
		/* Another version's line is still one line of this protocol. */
		if (errno == EPROTONOSUPPORT)
			PROPERTY(size >= 15 && size <= FX_RESUME_MAX && buf[size - 1] == '\n' &&
			         memcmp(buf, "fxfer-resume/", 13) == 0 &&
			         memcmp(buf, "fxfer-resume/1 ", 15) != 0);
		free(buf);
		return 0;
	}
	/* One line, within the bound, its newline last and nowhere else. */
	PROPERTY(size <= FX_RESUME_MAX && buf[size - 1] == '\n');
	PROPERTY(memchr(buf, '\n', size - 1) == NULL && memchr(buf, '\0', size) == NULL);
	/* The sender never goes on from beyond the file's end. */
	PROPERTY(from <= fsize && fsize <= (uint64_t)INT64_MAX);
	/* Formatted again, it is the input up to any later version's fields,
	 * and parses to the same values. */
	n = fx_resume_reply(line, fsize, from);
	PROPERTY(n > 0 && n <= FX_RESUME_MAX && n == strlen(line) && line[n - 1] == '\n');
	PROPERTY(n <= size && memcmp(line, buf, n - 1) == 0);
	PROPERTY(buf[n - 1] == '\n' || buf[n - 1] == ' ');
	PROPERTY(fx_resume_reply_parse(line, n, &again_size, &again_from) == 0);
	PROPERTY(again_size == fsize && again_from == from);
	free(buf);
	return 0;
}
