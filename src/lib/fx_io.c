/* Full reads and writes: the only loops over short I/O and EINTR. */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A blocking socket returns EAGAIN only when its timeout ran out. */
int fx_timed_out(void)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		errno = ETIMEDOUT;
	return -1;
}

/* fd's timeout (SO_SNDTIMEO or SO_RCVTIMEO) in milliseconds; -1 for none,
 * or not a socket. */
static int timeout_ms(int fd, int option)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);
	long long ms;

	if (getsockopt(fd, SOL_SOCKET, option, &tv, &len) < 0)
		return -1;
	ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	if (ms == 0)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* After EAGAIN: wait for events on a non-blocking fd, at most its timeout. */
static int wait_ready(int fd, short events, int option)
{
	struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
	int flags = fcntl(fd, F_GETFL), n;

	/* Blocking: the kernel already waited the whole timeout. */
	if (flags < 0 || !(flags & O_NONBLOCK))
		return fx_timed_out();
	while ((n = poll(&p, 1, timeout_ms(fd, option))) < 0 && errno == EINTR)
		;
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

int fx_wait_writable(int fd)
{
	return wait_ready(fd, POLLOUT, SO_SNDTIMEO);
}

int fx_wait_readable(int fd)
{
	return wait_ready(fd, POLLIN, SO_RCVTIMEO);
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
			if ((errno == EAGAIN || errno == EWOULDBLOCK) && fx_wait_writable(fd) == 0)
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

/* Wait until fd has bytes (or EOF) with mask in force, for at most timeout
 * seconds (0: no limit).  Returns 0, or -1 with errno (ETIMEDOUT). */
static int wait_readable(int fd, unsigned timeout, const sigset_t *mask)
{
	struct timespec ts = { .tv_sec = (time_t)timeout, .tv_nsec = 0 };
	fd_set r;
	int n;

	if (fd < 0 || fd >= FD_SETSIZE || fcntl(fd, F_GETFD) < 0) {
		errno = EBADF;
		return -1;
	}
	do {
		FD_ZERO(&r);
		FD_SET(fd, &r);
		n = pselect(fd + 1, &r, NULL, NULL, timeout ? &ts : NULL, mask);
	} while (n < 0 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/*
 * The one read loop: stop at len, at EOF, or (stop_at_eol) after NUL or '\n'.
 * With mask, wait for each piece under that signal mask first (see
 * fx_read_line_masked).
 */
static ssize_t read_until(int fd, char *buf, size_t len, int stop_at_eol,
                          unsigned timeout, const sigset_t *mask)
{
	size_t got = 0;

	while (got < len) {
		if (mask != NULL && wait_readable(fd, timeout, mask) < 0)
			return -1;
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Non-blocking: wait, at most the socket's timeout. */
			if (mask == NULL && (errno == EAGAIN || errno == EWOULDBLOCK) &&
			    fx_wait_readable(fd) == 0)
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
	return read_until(fd, buf, len, 0, 0, NULL);
}

ssize_t fx_read_line(int fd, char *buf, size_t len)
{
	return read_until(fd, buf, len, 1, 0, NULL);
}

ssize_t fx_read_line_masked(int fd, char *buf, size_t len, unsigned timeout,
                            const sigset_t *wait_mask)
{
	return read_until(fd, buf, len, 1, timeout, wait_mask);
}

/* Wait until sock has bytes (or its end), at most until the CLOCK_MONOTONIC
 * time end (tv_sec 0: no limit).  Returns 0, or -1 with errno (ETIMEDOUT). */
static int readable_by(int sock, const struct timespec *end)
{
	struct pollfd p = { .fd = sock, .events = POLLIN, .revents = 0 };
	struct timespec now;
	int n;

	do {
		long long ms = -1;
		if (end->tv_sec != 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (long long)(end->tv_sec - now.tv_sec) * 1000 +
			     (end->tv_nsec - now.tv_nsec) / 1000000;
			if (ms <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		n = poll(&p, 1, ms > INT_MAX ? INT_MAX : (int)ms);
	} while ((n < 0 && errno == EINTR) || (n == 0 && end->tv_sec != 0));
	return n > 0 ? 0 : -1;
}

ssize_t fx_recv_line(int sock, char *buf, size_t len, unsigned timeout)
{
	struct timespec end = { 0, 0 };
	size_t got = 0;

	if (timeout > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += (time_t)timeout;
	}
	while (got < len) {
		if (readable_by(sock, &end) < 0) {
			/* Bytes came, but too slowly: the line's own limit. */
			if (errno == ETIMEDOUT && got > 0)
				errno = ETIME;
			return -1;
		}
		/* Look first: what comes before the newline is the line's. */
		ssize_t n = recv(sock, buf + got, len - got, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		char *nl = memchr(buf + got, '\n', (size_t)n);
		size_t take = nl != NULL ? (size_t)(nl - (buf + got)) + 1 : (size_t)n;
		/* The bytes looked at are there: this read takes them at once. */
		while ((n = recv(sock, buf + got, take, 0)) < 0 && errno == EINTR)
			;
		if (n <= 0)
			return n < 0 ? fx_timed_out() : (ssize_t)got;
		got += (size_t)n;
		if (nl != NULL && (size_t)n == take)
			break;
	}
	return (ssize_t)got;
}
