/*
 * The SHA-256 compression functions behind fx_sha256_init, for the unit
 * tests and the benchmark only: they run each implementation through the same
 * public streaming functions.  Not installed; fsend and frecv never need it.
 */
#ifndef FX_SHA256_IMPL_H
#define FX_SHA256_IMPL_H

#include "fxfer.h"

/* The implementations, in struct fx_sha256's impl field. */
enum {
	FX_SHA256_PORTABLE,  /* plain C, every build */
	FX_SHA256_SHANI,     /* x86-64 SHA extensions, when the CPU has them */
	FX_SHA256_NIMPL
};

/*
 * Is implementation impl compiled in and usable on this CPU, as the CPU
 * reports itself through CPUID?  Returns 1 or 0.  Under valgrind the virtual
 * CPU does not report the SHA extensions, so the answer there is 0 for
 * FX_SHA256_SHANI and nothing executes an instruction valgrind lacks.
 */
int fx_sha256_impl_usable(int impl);

/* The one fx_sha256_init uses: the fastest usable, chosen once. */
int fx_sha256_impl_default(void);

/* A short name for impl ("portable", "sha-ni"), or NULL when out of range. */
const char *fx_sha256_impl_name(int impl);

/*
 * fx_sha256_init, but with implementation impl.  Returns 0, or -1 with errno
 * ENOTSUP when impl is not usable here (ctx is then left as fx_sha256_init
 * would leave it, with the default implementation).
 */
int fx_sha256_init_impl(struct fx_sha256 *ctx, int impl);

#endif
