/*
 * SHA-256 (FIPS 180-4): the streaming functions, the digest as hex text, and
 * two compression functions, portable C and the x86-64 SHA extensions, the
 * second picked at run time when CPUID reports it.
 */
#include "fxfer.h"
#include "fx_sha256_impl.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

/*
 * The SHA extensions are compiled only for x86-64 with a compiler that can
 * target them per function, so the rest of the file (and the programs) stay
 * baseline x86-64 and run on any CPU of the family.  FX_PORTABLE builds have
 * only the plain C, as on every other architecture.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
	!defined(FX_PORTABLE)
#define FX_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

typedef void blocks_fn(uint32_t h[8], const unsigned char *p, size_t n);

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ---- Portable compression ----------------------------------------------- */

static uint32_t load_be32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* The round functions of FIPS 180-4 section 4.1.2, Ch and Maj rewritten
 * with one operation fewer each (same truth tables). */
#define CH(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))
#define BSIG0(a) (rotr((a), 2) ^ rotr((a), 13) ^ rotr((a), 22))
#define BSIG1(e) (rotr((e), 6) ^ rotr((e), 11) ^ rotr((e), 25))
#define SSIG0(w) (rotr((w), 7) ^ rotr((w), 18) ^ ((w) >> 3))
#define SSIG1(w) (rotr((w), 17) ^ rotr((w), 19) ^ ((w) >> 10))

/* One round; the callers rotate the names instead of moving eight values. */
#define ROUND(a, b, c, d, e, f, g, h, i)                                \
	do {                                                            \
		uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + k256[i] + \
		               w[(i) & 15];                             \
		(d) += t1_;                                             \
		(h) = t1_ + BSIG0(a) + MAJ(a, b, c);                    \
	} while (0)

/* The next schedule word, kept in a ring of 16 rather than all 64. */
#define SCHEDULE(i)                                                    \
	(w[(i) & 15] += SSIG1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + \
	                SSIG0(w[((i) - 15) & 15]))

/* A round from 16 on, which first extends the schedule. */
#define SROUND(a, b, c, d, e, f, g, h, i)           \
	do {                                        \
		SCHEDULE(i);                        \
		ROUND(a, b, c, d, e, f, g, h, (i)); \
	} while (0)

/* Eight rounds, the names back in place after them.  Written out in full
 * with constant indices, the schedule stays in registers: 20% faster than a
 * loop over the rounds 16..63 with gcc 12 (measured with sha256speed). */
#define EIGHT_ROUNDS(R, i)                       \
	do {                                     \
		R(a, b, c, d, e, f, g, h, (i));     \
		R(h, a, b, c, d, e, f, g, (i) + 1); \
		R(g, h, a, b, c, d, e, f, (i) + 2); \
		R(f, g, h, a, b, c, d, e, (i) + 3); \
		R(e, f, g, h, a, b, c, d, (i) + 4); \
		R(d, e, f, g, h, a, b, c, (i) + 5); \
		R(c, d, e, f, g, h, a, b, (i) + 6); \
		R(b, c, d, e, f, g, h, a, (i) + 7); \
	} while (0)

static void blocks_portable(uint32_t st[8], const unsigned char *p, size_t n)
{
	for (; n > 0; n--, p += 64) {
		uint32_t w[16];
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		size_t i;

		for (i = 0; i < 16; i++)
			w[i] = load_be32(p + 4 * i);
		EIGHT_ROUNDS(ROUND, 0);
		EIGHT_ROUNDS(ROUND, 8);
		EIGHT_ROUNDS(SROUND, 16);
		EIGHT_ROUNDS(SROUND, 24);
		EIGHT_ROUNDS(SROUND, 32);
		EIGHT_ROUNDS(SROUND, 40);
		EIGHT_ROUNDS(SROUND, 48);
		EIGHT_ROUNDS(SROUND, 56);
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
	}
}

/* ---- x86-64 SHA extensions ---------------------------------------------- */

#ifdef FX_SHA_X86
/*
 * sha256rnds2 does two rounds on the state split as ABEF and CDGH, taking
 * message-plus-constant words from the low half of its third operand;
 * sha256msg1/msg2 compute the schedule four words at a time.  This is the
 * arrangement of Intel's white paper "Intel SHA Extensions" (2013).
 *
 * The speed is set by one chain: each sha256rnds2 needs the state the one
 * before it made, 32 of them a block, and the next block starts from this
 * block's sum.  The loads, the shuffles and the schedule depend only on the
 * input and run beside the chain.  So a block takes 32 times the latency of
 * sha256rnds2 plus one add: on AMD Zen 5, 4 cycles, about 129 cycles a
 * block, which this loop reaches, as OpenSSL's
 * sha256_block_data_order_shaext does (sha256speed -u against openssl speed,
 * both in CPU time).  Issuing the schedule earlier, as OpenSSL does, or
 * compiling with -O2 rather than -O3, measures the same there.
 */
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* Rounds 4j..4j+3; m holds schedule words 4j..4j+3 (a "group"). */
#define QROUNDS(m, j)                                                     \
	do {                                                              \
		const __m128i *k_ = (const __m128i *)&k256[(size_t)4 * (j)]; \
		msg = _mm_add_epi32((m), _mm_loadu_si128(k_));            \
		s1 = _mm_sha256rnds2_epu32(s1, s0, msg);                  \
		msg = _mm_shuffle_epi32(msg, 0x0e);                       \
		s0 = _mm_sha256rnds2_epu32(s0, s1, msg);                  \
	} while (0)

/* With m group j: begin group j+3 in prev (group j-1) by adding sigma0 of
 * the words after it. */
#define MSG1(prev, m) ((prev) = _mm_sha256msg1_epu32((prev), (m)))

/* With m group j: finish group j+1 in next, begun by MSG1 three groups
 * before, adding the words seven back (straddling prev and m) and sigma1. */
#define MSG2(next, m, prev)                                                 \
	((next) = _mm_sha256msg2_epu32(                                     \
	         _mm_add_epi32((next), _mm_alignr_epi8((m), (prev), 4)), (m)))

/* Rounds 4j..4j+3 in the middle of the block, where both schedule steps run. */
#define QROUNDS_SCHED(m, next, prev, j) \
	do {                             \
		QROUNDS(m, j);           \
		MSG2(next, m, prev);     \
		MSG1(prev, m);           \
	} while (0)

SHA_TARGET
static void blocks_shani(uint32_t st[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i s0, s1, tmp, msg, m0, m1, m2, m3, save0, save1;

	/* st is A..H; the instructions want ABEF and CDGH, highest lane first. */
	tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)st), 0xb1);
	s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(st + 4)), 0x1b);
	s0 = _mm_alignr_epi8(tmp, s1, 8);
	s1 = _mm_blend_epi16(s1, tmp, 0xf0);

	for (; n > 0; n--, p += 64) {
		save0 = s0;
		save1 = s1;
		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);

		QROUNDS(m0, 0);
		QROUNDS(m1, 1);
		MSG1(m0, m1);
		QROUNDS(m2, 2);
		MSG1(m1, m2);
		QROUNDS_SCHED(m3, m0, m2, 3);
		QROUNDS_SCHED(m0, m1, m3, 4);
		QROUNDS_SCHED(m1, m2, m0, 5);
		QROUNDS_SCHED(m2, m3, m1, 6);
		QROUNDS_SCHED(m3, m0, m2, 7);
		QROUNDS_SCHED(m0, m1, m3, 8);
		QROUNDS_SCHED(m1, m2, m0, 9);
		QROUNDS_SCHED(m2, m3, m1, 10);
		QROUNDS_SCHED(m3, m0, m2, 11);
		QROUNDS_SCHED(m0, m1, m3, 12);
		/* Words 56..63 need no words after them: only msg2 is left. */
		QROUNDS(m1, 13);
		MSG2(m2, m1, m0);
		QROUNDS(m2, 14);
		MSG2(m3, m2, m1);
		QROUNDS(m3, 15);

		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}

	/* Back from ABEF/CDGH to A..H. */
	tmp = _mm_shuffle_epi32(s0, 0x1b);
	s1 = _mm_shuffle_epi32(s1, 0xb1);
	s0 = _mm_blend_epi16(tmp, s1, 0xf0);
	s1 = _mm_alignr_epi8(s1, tmp, 8);
	_mm_storeu_si128((__m128i *)st, s0);
	_mm_storeu_si128((__m128i *)(st + 4), s1);
}

/* CPUID: SHA is leaf 7 EBX bit 29; the shuffles need SSSE3 and SSE4.1
 * (leaf 1 ECX bits 9 and 19).  No OS check: these use only the XMM
 * registers, which every x86-64 system saves. */
static int cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & (1u << 29)) != 0;
}
#endif /* FX_SHA_X86 */

/* ---- Choosing one ------------------------------------------------------- */

static blocks_fn *const impls[FX_SHA256_NIMPL] = {
	[FX_SHA256_PORTABLE] = blocks_portable,
#ifdef FX_SHA_X86
	[FX_SHA256_SHANI] = blocks_shani,
#endif
};

static const char *const impl_names[FX_SHA256_NIMPL] = {
	[FX_SHA256_PORTABLE] = "portable",
	[FX_SHA256_SHANI] = "sha-ni",
};

int fx_sha256_impl_usable(int impl)
{
	switch (impl) {
	case FX_SHA256_PORTABLE:
		return 1;
#ifdef FX_SHA_X86
	case FX_SHA256_SHANI:
		return cpu_has_shani();
#endif
	default:
		return 0;
	}
}

/* The choice, plus one (0: not made yet).  Atomic only so that threads
 * racing to make it first are not undefined behaviour; they agree anyway. */
static atomic_int chosen;

int fx_sha256_impl_default(void)
{
	int c = atomic_load_explicit(&chosen, memory_order_relaxed);

	if (c == 0) {
		c = 1 + (fx_sha256_impl_usable(FX_SHA256_SHANI) ? FX_SHA256_SHANI
		                                                : FX_SHA256_PORTABLE);
		atomic_store_explicit(&chosen, c, memory_order_relaxed);
	}
	return c - 1;
}

const char *fx_sha256_impl_name(int impl)
{
	return impl >= 0 && impl < FX_SHA256_NIMPL ? impl_names[impl] : NULL;
}

/* ---- The streaming interface -------------------------------------------- */

static void init_with(struct fx_sha256 *ctx, int impl)
{
	/* FIPS 180-4 section 5.3.3: the first 32 bits of the fractional parts
	 * of the square roots of the first eight primes. */
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	                                0xa54ff53a, 0x510e527f, 0x9b05688c,
	                                0x1f83d9ab, 0x5be0cd19 };

	memcpy(ctx->h, h0, sizeof(h0));
	ctx->len = 0;
	ctx->impl = impl;
}

void fx_sha256_init(struct fx_sha256 *ctx)
{
	init_with(ctx, fx_sha256_impl_default());
}

int fx_sha256_init_impl(struct fx_sha256 *ctx, int impl)
{
	if (!fx_sha256_impl_usable(impl)) {
		fx_sha256_init(ctx);
		errno = ENOTSUP;
		return -1;
	}
	init_with(ctx, impl);
	return 0;
}

void fx_sha256_update(struct fx_sha256 *ctx, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t have = (size_t)(ctx->len % 64);
	blocks_fn *blocks = impls[ctx->impl];

	if (len == 0)
		return; /* buf may be NULL, which not even memcpy may see */
	ctx->len += len;
	if (have > 0) {
		size_t take = 64 - have < len ? 64 - have : len;

		memcpy(ctx->buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		blocks(ctx->h, ctx->buf, 1);
	}
	/* Whole blocks straight from the caller's buffer, without a copy. */
	if (len >= 64) {
		blocks(ctx->h, p, len / 64);
		p += len / 64 * 64;
		len %= 64;
	}
	if (len > 0)
		memcpy(ctx->buf, p, len);
}

void fx_sha256_final(struct fx_sha256 *ctx, uint8_t out[FX_SHA256_LEN])
{
	size_t have = (size_t)(ctx->len % 64);
	uint64_t bits = ctx->len * 8;
	blocks_fn *blocks = impls[ctx->impl];

	/* Padding (section 5.1.1): a 1 bit, zeros, then the length in bits as
	 * 64 big-endian bits, in one block or, when the length does not fit
	 * after the 1 bit, two. */
	ctx->buf[have++] = 0x80;
	if (have > 56) {
		memset(ctx->buf + have, 0, 64 - have);
		blocks(ctx->h, ctx->buf, 1);
		have = 0;
	}
	memset(ctx->buf + have, 0, 56 - have);
	store_be32(ctx->buf + 56, (uint32_t)(bits >> 32));
	store_be32(ctx->buf + 60, (uint32_t)bits);
	blocks(ctx->h, ctx->buf, 1);
	for (size_t i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
}

/* ---- As text -------------------------------------------------------------- */

char *fx_sha256_hex(const uint8_t d[FX_SHA256_LEN], char out[FX_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < FX_SHA256_LEN; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[FX_SHA256_HEX_LEN] = '\0';
	return out;
}

/* The value of hex digit ch, or -1.  Not isxdigit: that follows the locale. */
static int hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int fx_sha256_parse_hex(const char *s, uint8_t d[FX_SHA256_LEN])
{
	uint8_t v[FX_SHA256_LEN];

	for (size_t i = 0; i < FX_SHA256_LEN; i++) {
		/* A NUL fails here, so a short string is never read past. */
		int hi = hex_value(s[2 * i]), lo = hi < 0 ? -1 : hex_value(s[2 * i + 1]);

		if (lo < 0) {
			errno = EINVAL;
			return -1;
		}
		v[i] = (uint8_t)((hi << 4) | lo);
	}
	if (s[FX_SHA256_HEX_LEN] != '\0') {
		errno = EINVAL;
		return -1;
	}
	memcpy(d, v, sizeof(v));
	return 0;
}
