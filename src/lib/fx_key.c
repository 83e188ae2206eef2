/*
 * The shared key (--key): making one, its text form, and the exchange that
 * proves both sides hold it and then authenticates what moves: the lines,
 * formatted into and parsed from buffers only (what reads them from a
 * socket is the caller's, so every byte can be tested and fuzzed), and the
 * proofs and tags, HMAC-SHA256 under keys derived by HKDF from the shared
 * key and both sides' fresh nonces.  docs/protocol.md gives it byte for
 * byte.
 */
#if defined(__linux__) && !defined(FX_PORTABLE)
#define FX_GETRANDOM 1
#endif

#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef FX_GETRANDOM
#include <sys/random.h>
#endif

#define MAGIC "fxfer-key/"

/* The labels that keep each key derived to one direction and purpose. */
#define LABEL_SERVER_PROOF "fxfer-key/1 server proof"
#define LABEL_CLIENT_PROOF "fxfer-key/1 client proof"
#define LABEL_DATA_TAG "fxfer-key/1 data tag"
#define LABEL_ACK_TAG "fxfer-key/1 ack tag"

int fx_random(void *buf, size_t n)
{
	unsigned char *p = buf;

#ifdef FX_GETRANDOM
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOSYS)
			break;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	if (n == 0)
		return 0;
#endif
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = fx_read_full(fd, p, n);
	int e = errno;
	close(fd);
	if (r != (ssize_t)n) {
		errno = r < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

/* The 64 digits, then the padding. */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

void fx_key_encode(char out[FX_KEY_TEXT_LEN + 1], const uint8_t key[FX_KEY_LEN])
{
	size_t o = 0;

	for (size_t i = 0; i < FX_KEY_LEN; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16;
		if (i + 1 < FX_KEY_LEN)
			v |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < FX_KEY_LEN)
			v |= key[i + 2];
		out[o++] = B64[(v >> 18) & 63];
		out[o++] = B64[(v >> 12) & 63];
		/* Past the key's end: the padding, B64[64]. */
		out[o++] = B64[i + 1 < FX_KEY_LEN ? (v >> 6) & 63 : 64];
		out[o++] = B64[i + 2 < FX_KEY_LEN ? v & 63 : 64];
	}
	out[o] = '\0';
}

int fx_key_decode(const char *buf, size_t len, uint8_t key[FX_KEY_LEN])
{
	uint8_t k[FX_KEY_LEN];
	size_t o = 0;

	if (len == FX_KEY_TEXT_LEN + 1 && buf[FX_KEY_TEXT_LEN] == '\n')
		len--;
	/* 32 bytes: 42 full digits, one that holds 2 bits (its low 4 zero),
	 * and one '='. */
	if (len != FX_KEY_TEXT_LEN || buf[43] != '=')
		goto bad;
	for (size_t i = 0; i < 43; i += 4) {
		uint32_t v = 0;
		int n = i + 4 <= 43 ? 4 : 3;
		for (int j = 0; j < n; j++) {
			const char *d = memchr(B64, buf[i + (size_t)j], 64);
			if (d == NULL)
				goto bad;
			v = v << 6 | (uint32_t)(d - B64);
		}
		if (n == 3) {
			if (v & 3)
				goto bad; /* not the canonical form */
			v >>= 2;
			k[o++] = (uint8_t)(v >> 8);
			k[o++] = (uint8_t)v;
		} else {
			k[o++] = (uint8_t)(v >> 16);
			k[o++] = (uint8_t)(v >> 8);
			k[o++] = (uint8_t)v;
		}
	}
	memcpy(key, k, sizeof(k));
	fx_wipe(k, sizeof(k));
	return 0;
bad:
	fx_wipe(k, sizeof(k));
	errno = EINVAL;
	return -1;
}

/* ---- the lines ------------------------------------------------------------ */

/* "fxfer-key/1 NAME=HEX\n" (hello, proof, tag) into buf[0..size): its
 * length. */
static size_t field_line(char *buf, size_t size, const char *name, const uint8_t v[32])
{
	char hex[FX_SHA256_HEX_LEN + 1];
	int n = snprintf(buf, size, MAGIC "1 %s=%s\n", name, fx_sha256_hex(v, hex));

	return n < 0 ? 0 : (size_t)n;
}

int fx_key_field_parse(const char *buf, size_t len, const char *name, uint8_t v[32])
{
	struct fx_cursor c = { buf, buf + len };
	uint8_t d[32];
	int ver = fx_take_version(&c, MAGIC, FX_KEY_LINE_MAX);

	if (ver != 1 || !fx_take(&c, name) || !fx_take(&c, "=") || !fx_take_hex32(&c, d) ||
	    !fx_take_end(&c))
		return fx_line_refused(ver == 1 ? 0 : ver);
	memcpy(v, d, sizeof(d));
	return 0;
}

/* The reply up to its proof: "fxfer-key/1 nonce=HEX size=N resume=R". */
static size_t reply_prefix(char buf[FX_KEY_LINE_MAX], const uint8_t nonce[32], uint64_t size,
                           int resume)
{
	char hex[FX_SHA256_HEX_LEN + 1];
	int n = snprintf(buf, FX_KEY_LINE_MAX, MAGIC "1 nonce=%s size=%llu resume=%d",
	                 fx_sha256_hex(nonce, hex), (unsigned long long)size, resume != 0);

	return n < 0 ? 0 : (size_t)n;
}

int fx_key_reply_parse(const char *buf, size_t len, uint8_t nonce[32], uint64_t *size,
                       int *resume, uint8_t proof[32])
{
	struct fx_cursor c = { buf, buf + len };
	uint8_t n[32], p[32];
	uint64_t s;
	int ver = fx_take_version(&c, MAGIC, FX_KEY_LINE_MAX), r = -1;

	if (ver == 1 && fx_take(&c, "nonce=") && fx_take_hex32(&c, n) && fx_take(&c, " size=") &&
	    fx_take_number(&c, &s) && fx_take(&c, " resume="))
		r = fx_take(&c, "1") ? 1 : fx_take(&c, "0") ? 0 : -1;
	if (r < 0 || !fx_take(&c, " proof=") || !fx_take_hex32(&c, p) || !fx_take_end(&c))
		return fx_line_refused(ver == 1 ? 0 : ver);
	memcpy(nonce, n, sizeof(n));
	memcpy(proof, p, sizeof(p));
	*size = s;
	*resume = r;
	return 0;
}

int fx_key_ack_parse(const char *buf, size_t len, uint8_t tag[32])
{
	/* "thank you", its NUL, then the tag's line. */
	if (len < FX_ACK_LEN || memcmp(buf, FX_ACK, FX_ACK_LEN) != 0) {
		errno = EINVAL;
		return -1;
	}
	return fx_key_field_parse(buf + FX_ACK_LEN, len - FX_ACK_LEN, "ack", tag);
}

/* ---- the exchange --------------------------------------------------------- */

/* A key for one purpose: HKDF-Expand(PRK, label). */
static void derive(const struct fx_keyx *k, const char *label, uint8_t out[32])
{
	fx_hkdf_expand(k->prk, label, strlen(label), out, 32);
}

/* HMAC under the key for label of the transcript so far, and then of
 * more[0..n) (the line being made or checked, up to its proof). */
static void prove(const struct fx_keyx *k, const char *label, const char *more, size_t n,
                  uint8_t out[32])
{
	struct fx_sha256 th = k->th;
	uint8_t key[32], h[32];

	fx_sha256_update(&th, more, n);
	fx_sha256_final(&th, h);
	derive(k, label, key);
	fx_hmac_sha256(key, sizeof(key), h, sizeof(h), out);
	fx_wipe(key, sizeof(key));
}

/* Both nonces known: the pseudo-random key the others come from. */
static void extract(struct fx_keyx *k)
{
	uint8_t salt[64];

	memcpy(salt, k->nc, 32);
	memcpy(salt + 32, k->ns, 32);
	fx_hkdf_extract(salt, sizeof(salt), k->key, sizeof(k->key), k->prk);
}

void fx_keyx_start(struct fx_keyx *k, const uint8_t key[FX_KEY_LEN])
{
	memset(k, 0, sizeof(*k));
	memcpy(k->key, key, FX_KEY_LEN);
	fx_sha256_init(&k->th);
}

void fx_keyx_line(struct fx_keyx *k, const char *line, size_t len)
{
	fx_sha256_update(&k->th, line, len);
}

size_t fx_keyx_hello(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX])
{
	if (fx_random(k->nc, sizeof(k->nc)) < 0)
		return 0;
	size_t n = field_line(buf, FX_KEY_LINE_MAX, "nonce", k->nc);
	fx_keyx_line(k, buf, n);
	return n;
}

int fx_keyx_hello_take(struct fx_keyx *k, const char *buf, size_t len)
{
	if (fx_key_field_parse(buf, len, "nonce", k->nc) < 0)
		return -1;
	fx_keyx_line(k, buf, len);
	return 0;
}

size_t fx_keyx_reply(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size, int resume)
{
	char hex[FX_SHA256_HEX_LEN + 1];
	uint8_t proof[32];

	if (fx_random(k->ns, sizeof(k->ns)) < 0)
		return 0;
	extract(k);
	size_t n = reply_prefix(buf, k->ns, size, resume);
	prove(k, LABEL_SERVER_PROOF, buf, n, proof);
	n += (size_t)snprintf(buf + n, FX_KEY_LINE_MAX - n, " proof=%s\n", fx_sha256_hex(proof, hex));
	fx_keyx_line(k, buf, n);
	return n;
}

int fx_keyx_reply_take(struct fx_keyx *k, const char *buf, size_t len, uint64_t *size,
                       int *resume)
{
	char prefix[FX_KEY_LINE_MAX];
	uint8_t proof[32], want[32];

	if (fx_key_reply_parse(buf, len, k->ns, size, resume, proof) < 0)
		return -1;
	extract(k);
	prove(k, LABEL_SERVER_PROOF, prefix, reply_prefix(prefix, k->ns, *size, *resume), want);
	if (!fx_equal_ct(proof, want, sizeof(want))) {
		errno = EACCES;
		return -1;
	}
	fx_keyx_line(k, buf, len);
	return 0;
}

size_t fx_keyx_proof(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX])
{
	uint8_t proof[32];

	prove(k, LABEL_CLIENT_PROOF, NULL, 0, proof);
	size_t n = field_line(buf, FX_KEY_LINE_MAX, "proof", proof);
	fx_keyx_line(k, buf, n);
	return n;
}

int fx_keyx_proof_take(struct fx_keyx *k, const char *buf, size_t len)
{
	uint8_t proof[32], want[32];

	if (fx_key_field_parse(buf, len, "proof", proof) < 0)
		return -1;
	prove(k, LABEL_CLIENT_PROOF, NULL, 0, want);
	if (!fx_equal_ct(proof, want, sizeof(want))) {
		errno = EACCES;
		return -1;
	}
	fx_keyx_line(k, buf, len);
	return 0;
}

/* A tag: HMAC under the key for label of the transcript's digest, the
 * file's size (8 bytes, big-endian) and its SHA-256. */
static void tag(const struct fx_keyx *k, const char *label, uint64_t size,
                const uint8_t digest[32], uint8_t out[32])
{
	struct fx_sha256 th = k->th;
	uint8_t key[32], msg[32 + 8 + 32];

	fx_sha256_final(&th, msg);
	for (int i = 0; i < 8; i++)
		msg[32 + i] = (uint8_t)(size >> (56 - 8 * i));
	memcpy(msg + 40, digest, 32);
	derive(k, label, key);
	fx_hmac_sha256(key, sizeof(key), msg, sizeof(msg), out);
	fx_wipe(key, sizeof(key));
}

size_t fx_keyx_tag(const struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size,
                   const uint8_t digest[32])
{
	uint8_t t[32];

	tag(k, LABEL_DATA_TAG, size, digest, t);
	return field_line(buf, FX_KEY_LINE_MAX, "tag", t);
}

int fx_keyx_tag_check(const struct fx_keyx *k, const char *buf, size_t len, uint64_t size,
                      const uint8_t digest[32])
{
	uint8_t got[32], want[32];

	if (fx_key_field_parse(buf, len, "tag", got) < 0)
		return -1;
	tag(k, LABEL_DATA_TAG, size, digest, want);
	if (!fx_equal_ct(got, want, sizeof(want))) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

size_t fx_keyx_ack(const struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size,
                   const uint8_t digest[32])
{
	uint8_t t[32];

	tag(k, LABEL_ACK_TAG, size, digest, t);
	memcpy(buf, FX_ACK, FX_ACK_LEN);
	return FX_ACK_LEN + field_line(buf + FX_ACK_LEN, FX_KEY_LINE_MAX - FX_ACK_LEN, "ack", t);
}

int fx_keyx_ack_check(const struct fx_keyx *k, const char *buf, size_t len, uint64_t size,
                      const uint8_t digest[32])
{
	uint8_t got[32], want[32];

	if (fx_key_ack_parse(buf, len, got) < 0)
		return -1;
	tag(k, LABEL_ACK_TAG, size, digest, want);
	if (!fx_equal_ct(got, want, sizeof(want))) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

void fx_keyx_end(struct fx_keyx *k)
{
	fx_wipe(k, sizeof(*k));
}
