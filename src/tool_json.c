/* A small JSON writer: one object per line, every string quoted here. */
#include "tool_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Room kept at the end for what closes the line ("\"}\n"), and, while a
 * string is written, for the members that may follow it. */
#define CLOSE 4
#define RESERVE 512

static void put(struct tool_json *j, const char *s, size_t n)
{
	if (j->len + n + CLOSE > sizeof(j->buf))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

void tool_json_start(struct tool_json *j)
{
	j->len = 0;
	j->fields = 0;
	put(j, "{", 1);
}

static void key(struct tool_json *j, const char *k)
{
	if (j->fields++ > 0)
		put(j, ",", 1);
	put(j, "\"", 1);
	put(j, k, strlen(k));
	put(j, "\":", 2);
}

/*
 * The length of the valid UTF-8 character at s[0..n) (RFC 3629: no overlong
 * forms, no surrogates, nothing beyond U+10FFFF), or 0 when it is none.
 */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlongs, surrogates and
	 * code points beyond U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void tool_json_strn(struct tool_json *j, const char *k, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];

	key(j, k);
	if (s == NULL) {
		put(j, "null", 4);
		return;
	}
	put(j, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t c = utf8_char(u + i, n - i);
		const char *e = NULL;
		switch (c == 1 ? u[i] : 0) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		default: break;
		}
		if (e == NULL && c == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			snprintf(esc, sizeof(esc), "\\u%04x", u[i]);
			e = esc;
		} else if (c == 0) {
			/* A byte that is no text: the surrogate that stands for it. */
			snprintf(esc, sizeof(esc), "\\udc%02x", u[i]);
			e = esc;
			c = 1;
		}
		size_t len = e != NULL ? strlen(e) : c;
		/* What does not fit is left out whole, never cut inside. */
		if (j->len + len + RESERVE > sizeof(j->buf))
			break;
		put(j, e != NULL ? e : s + i, len);
		i += c;
	}
	/* The closing quote has its room kept. */
	j->buf[j->len++] = '"';
}

void tool_json_str(struct tool_json *j, const char *k, const char *s)
{
	tool_json_strn(j, k, s, s != NULL ? strlen(s) : 0);
}

void tool_json_u64(struct tool_json *j, const char *k, uint64_t v)
{
	char num[24];

	key(j, k);
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);
	put(j, num, (size_t)n);
}

void tool_json_real(struct tool_json *j, const char *k, double v)
{
	char num[40];

	key(j, k);
	/* JSON has no infinities or NaN. */
	if (!(v == v) || v > 1e300 || v < -1e300)
		v = 0;
	int n = snprintf(num, sizeof(num), "%.3f", v);
	put(j, num, (size_t)n);
}

void tool_json_null(struct tool_json *j, const char *k)
{
	key(j, k);
	put(j, "null", 4);
}

size_t tool_json_end(struct tool_json *j)
{
	/* Room was kept for these. */
	j->buf[j->len++] = '}';
	j->buf[j->len++] = '\n';
	return j->len;
}
