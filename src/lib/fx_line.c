/*
 * Parsing the protocol's lines: a cursor over a buffer, and the pieces
 * every line is made of (the magic and the version, decimal numbers, hex
 * digests, the end that a later version may extend).  fx_resume.c and
 * fx_key.c parse their lines with these.
 */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <string.h>

/* Largest number a line may carry: what off_t holds. */
#define NUMBER_MAX ((uint64_t)INT64_MAX)

int fx_take(struct fx_cursor *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

int fx_take_number(struct fx_cursor *c, uint64_t *v)
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

int fx_take_hex32(struct fx_cursor *c, uint8_t d[32])
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

int fx_take_version(struct fx_cursor *c, const char *magic, size_t max)
{
	uint64_t v;

	if ((size_t)(c->end - c->p) > max || c->p == c->end || c->end[-1] != '\n' ||
	    !fx_take(c, magic))
		return 0;
	if (fx_take(c, "1 "))
		return 1;
	/* A well-formed number and its end: a version this one is not. */
	if (fx_take_number(c, &v) && v != 1 && (c->p == c->end - 1 || *c->p == ' '))
		return -1;
	return 0;
}

int fx_take_end(struct fx_cursor *c)
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

int fx_line_refused(int v)
{
	errno = v < 0 ? EPROTONOSUPPORT : EINVAL;
	return -1;
}
