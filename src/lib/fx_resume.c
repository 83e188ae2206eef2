/*
 * The two lines of a resumed transfer (--resume on both sides): the
 * receiver's request, saying what it holds, and the sender's reply, saying
 * what it will send.  Formatted into and parsed from buffers only: what
 * reads them from a socket is the caller's, so every byte of them can be
 * tested and fuzzed here.  docs/protocol.md gives them byte for byte.
 */
#include "fxfer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAGIC "fxfer-resume/"

/* Largest offset or size a line may carry: what off_t holds. */
#define NUMBER_MAX ((uint64_t)INT64_MAX)

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

/* A cursor over the line being parsed: p up to end. */
struct cursor {
	const char *p, *end;
};

/* Take the literal s, or fail (0). */
static int take(struct cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

/* Take a decimal number: digits, no sign, no leading zero, at most
 * NUMBER_MAX.  1, or 0 for anything else. */
static int take_number(struct cursor *c, uint64_t *v)
{
	uint64_t n = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p - '0');
		if (n > (NUMBER_MAX - d) / 10)
			return 0;
		n = n * 10 + d;
		c->p++;
	}
	if (c->p == start || (*start == '0' && c->p - start > 1))
		return 0;
	*v = n;
	return 1;
}

/* Take 64 lowercase hex digits (the wire's case) into d. */
static int take_digest(struct cursor *c, uint8_t d[FX_SHA256_LEN])
{
	char hex[FX_SHA256_HEX_LEN + 1];

	if ((size_t)(c->end - c->p) < FX_SHA256_HEX_LEN)
		return 0;
	memcpy(hex, c->p, FX_SHA256_HEX_LEN);
	hex[FX_SHA256_HEX_LEN] = '\0';
	if (strspn(hex, "0123456789abcdef") != FX_SHA256_HEX_LEN ||
	    fx_sha256_parse_hex(hex, d) < 0)
		return 0;
	c->p += FX_SHA256_HEX_LEN;
	return 1;
}

/*
 * The start of a line, MAGIC and the version: 1 for version 1, 0 for no
 * such line (EINVAL), -1 for one of another version (EPROTONOSUPPORT).
 */
static int take_version(struct cursor *c)
{
	uint64_t v;

	if ((size_t)(c->end - c->p) > FX_RESUME_MAX || c->p == c->end || c->end[-1] != '\n' ||
	    !take(c, MAGIC))
		return 0;
	if (take(c, VERSION " "))
		return 1;
	/* A well-formed number and its end: a version this one is not. */
	if (take_number(c, &v) && v != 1 && (c->p == c->end - 1 || *c->p == ' '))
		return -1;
	return 0;
}

/*
 * The end of a version 1 line: its newline, or first more fields a later
 * version may add (" " and printable ASCII), which version 1 ignores.
 */
static int take_end(struct cursor *c)
{
	if (c->end - c->p == 1)
		return 1;
	if (*c->p++ != ' ')
		return 0;
	for (; c->p < c->end - 1; c->p++)
		if (*c->p < ' ' || *c->p > '~')
			return 0;
	return 1;
}

/* Fail as take_version said: EINVAL, or EPROTONOSUPPORT (v is -1). */
static int refuse(int v)
{
	errno = v < 0 ? EPROTONOSUPPORT : EINVAL;
	return -1;
}

int fx_resume_request_parse(const char *buf, size_t len, uint64_t *have,
                            uint8_t digest[FX_SHA256_LEN])
{
	struct cursor c = { buf, buf + len };
	uint8_t d[FX_SHA256_LEN];
	uint64_t h;
	int v = take_version(&c);

	if (v != 1 || !take(&c, "have=") || !take_number(&c, &h) ||
	    !take(&c, " sha256=") || !take_digest(&c, d) || !take_end(&c))
		return refuse(v == 1 ? 0 : v);
	*have = h;
	memcpy(digest, d, FX_SHA256_LEN);
	return 0;
}

int fx_resume_reply_parse(const char *buf, size_t len, uint64_t *size, uint64_t *from)
{
	struct cursor c = { buf, buf + len };
	uint64_t s, f;
	int v = take_version(&c);

	if (v != 1 || !take(&c, "size=") || !take_number(&c, &s) ||
	    !take(&c, " from=") || !take_number(&c, &f) || !take_end(&c))
		return refuse(v == 1 ? 0 : v);
	if (f > s) {
		/* A reply in form, but not one any sender could mean. */
		errno = ERANGE;
		return -1;
	}
	*size = s;
	*from = f;
	return 0;
}
