/* Parsing of command-line numbers, the acknowledgement check, escaping. */
#include "fxfer.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse leading decimal digits of s into *v; *end points past them. */
static int parse_digits(const char *s, unsigned long long *v, const char **end)
{
	char *e;

	/* strtoull would take spaces, a sign and "0x"; a number here is digits. */
	if (s[0] < '0' || s[0] > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (errno == ERANGE)
		return -1;
	*end = e;
	return 0;
}

int fx_parse_port(const char *s, unsigned *port)
{
	unsigned long long v;
	const char *end;

	if (parse_digits(s, &v, &end) < 0)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (v > 65535) {
		errno = ERANGE;
		return -1;
	}
	*port = (unsigned)v;
	return 0;
}

int fx_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *size)
{
	static const char suffixes[] = "KMGT";
	unsigned long long v, mult = 1;
	const char *end, *suf;

	if (parse_digits(s, &v, &end) < 0)
		return -1;
	if (*end != '\0' && (suf = strchr(suffixes, toupper((unsigned char)*end))) != NULL) {
		mult = 1ULL << (10 * (suf - suffixes + 1));
		end++;
	}
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (v > ULLONG_MAX / mult || v * mult < min || v * mult > max) {
		errno = ERANGE;
		return -1;
	}
	*size = v * mult;
	return 0;
}

int fx_ack_parse(const char *buf, size_t len, uint8_t digest[FX_SHA256_LEN],
                 int *has_digest)
{
	size_t i = strlen(FX_ACK), tag = strlen(FX_ACK_SHA256);
	char hex[FX_SHA256_HEX_LEN + 1];

	*has_digest = 0;
	if (len < i || memcmp(buf, FX_ACK, i) != 0)
		return 0;
	/* What may follow: a newline from a human or nc, then the textbook NUL. */
	if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
		i += 2;
	else if (i < len && buf[i] == '\n')
		i++;
	if (i < len && buf[i] == '\0') {
		i++;
		/* After the NUL, where the textbook server stops printing: the digest. */
		if (len - i == tag + FX_SHA256_HEX_LEN + 1 &&
		    memcmp(buf + i, FX_ACK_SHA256, tag) == 0 && buf[len - 1] == '\n') {
			memcpy(hex, buf + i + tag, FX_SHA256_HEX_LEN);
			hex[FX_SHA256_HEX_LEN] = '\0';
			/* On the wire one spelling only: lowercase, as frecv sends it. */
			if (strspn(hex, "0123456789abcdef") != FX_SHA256_HEX_LEN ||
			    fx_sha256_parse_hex(hex, digest) < 0)
				return 0;
			*has_digest = 1;
			return 1;
		}
	}
	return i == len;
}

size_t fx_escape(char *dst, size_t size, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t out = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char e[5];
		unsigned char c = p[i];

		switch (c) {
		case '\\': strcpy(e, "\\\\"); break;
		case '\n': strcpy(e, "\\n"); break;
		case '\r': strcpy(e, "\\r"); break;
		case '\t': strcpy(e, "\\t"); break;
		case '\0': strcpy(e, "\\0"); break;
		default:
			if (c >= 0x20 && c < 0x7f) {
				e[0] = (char)c;
				e[1] = '\0';
			} else {
				snprintf(e, sizeof(e), "\\x%02x", c);
			}
		}
		size_t el = strlen(e);
		if (out + el >= size)
			break;
		memcpy(dst + out, e, el);
		out += el;
	}
	dst[out] = '\0';
	return out;
}
