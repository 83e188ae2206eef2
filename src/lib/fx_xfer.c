/*
 * Bulk transfer, file to socket and socket to file, in fixed chunks.
 * On Linux the data skips user space (sendfile, splice); the portable
 * read/write loop is the fallback, and the whole path with FX_PORTABLE.
 */
#if defined(__linux__) && !defined(FX_PORTABLE)
#define FX_FASTPATH 1
#define _GNU_SOURCE /* splice(2), F_SETPIPE_SZ */ // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#endif

#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef FX_FASTPATH
#include <sys/sendfile.h>
#endif

/* Count n more bytes moved, and tell the progress callback. */
static void moved(struct fx_xfer *x, size_t n)
{
	x->bytes += n;
	if (x->progress != NULL)
		x->progress(x->arg, x->bytes);
}

/* The portable path: read one chunk in full, write it in full, until EOF. */
static int copy_loop(int in, int out, struct fx_xfer *x)
{
	size_t chunk = x->chunk;
	char *buf = malloc(chunk);
	ssize_t n;

	if (buf == NULL)
		return -1;
	while ((n = fx_read_full(in, buf, chunk)) > 0) {
		if (fx_write_full(out, buf, (size_t)n) < 0)
			break;
		moved(x, (size_t)n);
		if ((size_t)n < chunk) {
			n = 0;  /* EOF came inside this chunk */
			break;
		}
	}
	int e = errno;
	free(buf);
	errno = e;
	return n == 0 ? 0 : -1;
}

#ifdef FX_FASTPATH
static int is_regular(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does this errno say the fast call is not supported for these files? */
static int unsupported(int e)
{
	return e == EINVAL || e == ENOSYS;
}

/*
 * sendfile(2) from the file's current offset until EOF.  Returns 0 at EOF,
 * -1 on error, 1 when sendfile cannot be used here (nothing sent yet).
 */
static int send_file_fast(int sock, int fd, struct fx_xfer *x)
{
	for (;;) {
		ssize_t n = sendfile(sock, fd, NULL, x->chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (x->bytes == 0 && unsupported(errno))
				return 1;
			return fx_timed_out();
		}
		if (n == 0)
			return 0;
		moved(x, (size_t)n);
	}
}

/* Move n bytes waiting in the pipe p to fd. */
static int drain_pipe(int p, int fd, size_t n, struct fx_xfer *x)
{
	while (n > 0) {
		ssize_t m = splice(p, NULL, fd, NULL, n, SPLICE_F_MOVE);
		if (m < 0) {
			if (errno == EINTR)
				continue;
			return fx_timed_out();
		}
		if (m == 0) {
			errno = EIO;
			return -1;
		}
		n -= (size_t)m;
		moved(x, (size_t)m);
	}
	return 0;
}

/*
 * splice(2) socket -> pipe -> fd until EOF on the socket.  Returns 0 at EOF,
 * -1 on error, 1 when fd does not take splice: then what was already in the
 * pipe has been written to fd the portable way, and the caller goes on so.
 */
static int recv_file_fast(int sock, int fd, struct fx_xfer *x)
{
	size_t chunk = x->chunk;
	int p[2], r = -1;

	if (pipe(p) < 0)
		return -1;
	(void)fx_cloexec(p[0]);
	(void)fx_cloexec(p[1]);
	/* A pipe as big as a chunk moves a chunk per call (capped by the system). */
	(void)fcntl(p[1], F_SETPIPE_SZ, chunk < 4096 ? 4096 : (int)chunk);
	for (;;) {
		ssize_t n = splice(sock, NULL, p[1], NULL, chunk, SPLICE_F_MOVE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fx_timed_out();
			break;
		}
		if (n == 0) {
			r = 0;
			break;
		}
		if (drain_pipe(p[0], fd, (size_t)n, x) == 0)
			continue;
		if (x->bytes == 0 && unsupported(errno)) {
			close(p[1]);
			p[1] = -1;
			r = copy_loop(p[0], fd, x) == 0 ? 1 : -1;
		}
		break;
	}
	int e = errno;
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	errno = e;
	return r;
}
#endif /* FX_FASTPATH */

int fx_send_stream(int sock, int fd, struct fx_xfer *x)
{
	x->bytes = 0;
#ifdef FX_FASTPATH
	if (is_regular(fd)) {
		int r = send_file_fast(sock, fd, x);
		if (r <= 0)
			return r;
	}
#endif
	return copy_loop(fd, sock, x);
}

int fx_recv_stream(int sock, int fd, struct fx_xfer *x)
{
	x->bytes = 0;
#ifdef FX_FASTPATH
	if (is_regular(fd)) {
		int r = recv_file_fast(sock, fd, x);
		if (r <= 0)
			return r;
	}
#endif
	return copy_loop(sock, fd, x);
}
