/* Helpers the library's files share but do not export. */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

/* Turn the EAGAIN of a blocking socket's timeout into ETIMEDOUT; returns -1. */
int fx_timed_out(void);

/* Set FD_CLOEXEC on fd.  Returns 0, or -1 with errno set. */
int fx_cloexec(int fd);

#endif
