/* Helpers the library's files share but do not export. */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

/* Turn the EAGAIN of a blocking socket's timeout into ETIMEDOUT; returns -1. */
int fx_timed_out(void);

/*
 * After a write to fd failed with EAGAIN: for a blocking fd its timeout ran
 * out (-1, ETIMEDOUT); a non-blocking one is waited for until it can take
 * more, at most a socket's send timeout (SO_SNDTIMEO), so no more than that
 * passes without a byte moving.  Returns 0 to try again, or -1 with errno.
 */
int fx_wait_writable(int fd);

/* The same after a read failed with EAGAIN: a non-blocking fd (a pipe left
 * so by whoever made it) is waited for until it has bytes, at most a
 * socket's receive timeout. */
int fx_wait_readable(int fd);

/* Set FD_CLOEXEC on fd.  Returns 0, or -1 with errno set. */
int fx_cloexec(int fd);

#endif
