/* Full reads and writes: the only loops over short I/O and EINTR. */
#include "fxfer.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

ssize_t fx_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
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
			return -1;
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
