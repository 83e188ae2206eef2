/*
 * HMAC-SHA256 (RFC 2104) and HKDF-SHA256 (RFC 5869) on the library's
 * SHA-256: the only cryptography besides the hash itself.  Secrets are
 * wiped (explicit_bzero where the C library has it) once used.
 */
#define _DEFAULT_SOURCE /* explicit_bzero(3) in glibc and musl */ // NOLINT(bugprone-reserved-identifier): a feature-test macro

#include "fxfer.h"

#include <errno.h>
#include <string.h>

#define BLOCK 64 /* SHA-256's block */

void fx_wipe(void *p, size_t n)
{
#if defined(__GLIBC__) || defined(__linux__)
	explicit_bzero(p, n);
#else
	/* Through a volatile pointer, so the stores are not optimised away. */
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
#endif
}

int fx_equal_ct(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	unsigned char d = 0;

	/* Every byte, whatever the first difference: no timing to learn. */
	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(x[i] ^ y[i]);
	return d == 0;
}

void fx_hmac_init(struct fx_hmac *h, const void *key, size_t len)
{
	unsigned char k[BLOCK], pad[BLOCK];

	memset(k, 0, sizeof(k));
	if (len > BLOCK) {
		/* A key longer than a block is its digest. */
		struct fx_sha256 c;
		fx_sha256_init(&c);
		fx_sha256_update(&c, key, len);
		fx_sha256_final(&c, k);
	} else if (len > 0) {
		memcpy(k, key, len);
	}
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x36);
	fx_sha256_init(&h->inner);
	fx_sha256_update(&h->inner, pad, BLOCK);
	for (size_t i = 0; i < BLOCK; i++)
		pad[i] = (unsigned char)(k[i] ^ 0x5c);
	fx_sha256_init(&h->outer);
	fx_sha256_update(&h->outer, pad, BLOCK);
	fx_wipe(k, sizeof(k));
	fx_wipe(pad, sizeof(pad));
}

void fx_hmac_update(struct fx_hmac *h, const void *buf, size_t len)
{
	fx_sha256_update(&h->inner, buf, len);
}

void fx_hmac_final(struct fx_hmac *h, uint8_t out[FX_SHA256_LEN])
{
	uint8_t in[FX_SHA256_LEN];

	fx_sha256_final(&h->inner, in);
	fx_sha256_update(&h->outer, in, sizeof(in));
	fx_sha256_final(&h->outer, out);
	fx_wipe(in, sizeof(in));
	fx_wipe(h, sizeof(*h));
}

void fx_hmac_sha256(const void *key, size_t klen, const void *msg, size_t len,
                    uint8_t out[FX_SHA256_LEN])
{
	struct fx_hmac h;

	fx_hmac_init(&h, key, klen);
	fx_hmac_update(&h, msg, len);
	fx_hmac_final(&h, out);
}

void fx_hkdf_extract(const void *salt, size_t slen, const void *ikm, size_t ilen,
                     uint8_t prk[FX_SHA256_LEN])
{
	static const unsigned char zero[FX_SHA256_LEN];

	/* No salt is a salt of HashLen zeros. */
	fx_hmac_sha256(slen > 0 ? salt : zero, slen > 0 ? slen : sizeof(zero), ikm, ilen, prk);
}

int fx_hkdf_expand(const uint8_t prk[FX_SHA256_LEN], const void *info, size_t infolen,
                   uint8_t *out, size_t len)
{
	uint8_t t[FX_SHA256_LEN];
	struct fx_hmac h;
	size_t done = 0;

	if (len > 255 * FX_SHA256_LEN) {
		errno = EINVAL;
		return -1;
	}
	/* T(i) = HMAC(PRK, T(i-1) | info | i), for i from 1. */
	for (unsigned char i = 1; done < len; i++) {
		fx_hmac_init(&h, prk, FX_SHA256_LEN);
		if (i > 1)
			fx_hmac_update(&h, t, sizeof(t));
		fx_hmac_update(&h, info, infolen);
		fx_hmac_update(&h, &i, 1);
		fx_hmac_final(&h, t);
		size_t n = len - done < sizeof(t) ? len - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	fx_wipe(t, sizeof(t));
	return 0;
}

int fx_hkdf_sha256(const void *salt, size_t slen, const void *ikm, size_t ilen,
                   const void *info, size_t infolen, uint8_t *out, size_t len)
{
	uint8_t prk[FX_SHA256_LEN];
	int r;

	fx_hkdf_extract(salt, slen, ikm, ilen, prk);
	r = fx_hkdf_expand(prk, info, infolen, out, len);
	fx_wipe(prk, sizeof(prk));
	return r;
}
