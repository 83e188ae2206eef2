/*
 * The two lines of a resumed transfer (--resume on both sides): the
 * receiver's request, saying what it holds, and the sender's reply, saying
 * what it will send.  Formatted into and parsed from buffers only: what
 * reads them from a socket is the caller's, so every byte of them can be
 * tested and fuzzed here.  docs/protocol.md gives them byte for byte.
 */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAGIC "fxfer-resume/"

/* The line's version, "1": a number after MAGIC, then a space. */
#define VERSION "1"

size_t fx_resume_request(char buf[FX_RESUME_MAX], uint64_t have,
                         const uint8_t digest[FX_SHA256_LEN])
{
	char hex[FX_SHA256_HEX_LEN + 1];
	int n = snprintf(buf, FX_RESUME_MAX, MAGIC VERSION " have=%llu sha256=%s\n",
	                 (unsigned long long)have, fx_sha256_hex(digest, hex));

	return n < 0 ? 0 : (size_t)n;
}

size_t fx_resume_reply(char buf[FX_RESUME_MAX], uint64_t size, uint64_t from)
{
	int n = snprintf(buf, FX_RESUME_MAX, MAGIC VERSION " size=%llu from=%llu\n",
	                 (unsigned long long)size, (unsigned long long)from);

	return n < 0 ? 0 : (size_t)n;
}

int fx_resume_request_parse(const char *buf, size_t len, uint64_t *have,
                            uint8_t digest[FX_SHA256_LEN])
{
	struct fx_cursor c = { buf, buf + len };
	uint8_t d[FX_SHA256_LEN];
	uint64_t h;
	int v = fx_take_version(&c, MAGIC, FX_RESUME_MAX);

	if (v != 1 || !fx_take(&c, "have=") || !fx_take_number(&c, &h) ||
	    !fx_take(&c, " sha256=") || !fx_take_hex32(&c, d) || !fx_take_end(&c))
		return fx_line_refused(v == 1 ? 0 : v);
	*have = h;
	memcpy(digest, d, FX_SHA256_LEN);
	return 0;
}

int fx_resume_reply_parse(const char *buf, size_t len, uint64_t *size, uint64_t *from)
{
	struct fx_cursor c = { buf, buf + len };
	uint64_t s, f;
	int v = fx_take_version(&c, MAGIC, FX_RESUME_MAX);

	if (v != 1 || !fx_take(&c, "size=") || !fx_take_number(&c, &s) ||
	    !fx_take(&c, " from=") || !fx_take_number(&c, &f) || !fx_take_end(&c))
		return fx_line_refused(v == 1 ? 0 : v);
	if (f > s) {
		/* A reply in form, but not one any sender could mean. */
		errno = ERANGE;
		return -1;
	}
	*size = s;
	*from = f;
	return 0;
}
