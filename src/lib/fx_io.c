/* Full reads and writes: the only loops over short I/O and EINTR. */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* A blocking socket returns EAGAIN only when its timeout ran out. */
int fx_timed_out(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		errno = ETIMEDOUT;
	return -1;
}

int fx_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
		return -1;
	return 0;
}

ssize_t fx_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fx_timed_out();
		}
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	return (ssize_t)len;
}

/* The one read loop: stop at len, at EOF, or (stop_at_eol) after NUL or '\n'. */
static ssize_t read_until(int fd, char *buf, size_t len, int stop_at_eol)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fx_timed_out();
		}
		if (n == 0)
			break;
		if (stop_at_eol && (memchr(buf + got, '\0', (size_t)n) ||
		                    memchr(buf + got, '\n', (size_t)n))) {
			got += (size_t)n;
			break;
		}
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t fx_read_full(int fd, void *buf, size_t len)
{
	return read_until(fd, buf, len, 0);
}

ssize_t fx_read_line(int fd, char *buf, size_t len)
{
	return read_until(fd, buf, len, 1);
}
