/* TCP sockets: listen on every address or one, connect to each in turn. */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Close fd without letting close() change the errno we are reporting. */
static void close_keep_errno(int fd)
{
	int e = errno;
	close(fd);
	errno = e;
}

/*
 * The stream is every byte sent: a byte marked urgent stays in it, in its
 * place, instead of being taken out of band (and splice(2) stopping short
 * at its mark).
 */
static int urgent_inline(int fd)
{
	int one = 1;
	return setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
}

static int new_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (fx_cloexec(fd) < 0 || urgent_inline(fd) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	return fd;
}

static int bind_listen(const struct addrinfo *ai, int dual_stack)
{
	int one = 1, zero = 0;
	int fd = new_socket(ai->ai_family);

	if (fd < 0)
		return -1;
	/* A restarted fsend must not wait for old connections in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one,
	               sizeof(int)) < 0)
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0)
		goto fail;
	return fd;
fail:
	close_keep_errno(fd);
	return -1;
}

int fx_tcp_listen(const char *addr, const char *port, int *gai_err)
{
	/* Without addr: one dual-stack IPv6 socket if we can, else IPv4 alone. */
	static const int any_families[] = { AF_INET6, AF_INET };
	struct addrinfo hints, *res, *ai;
	int fd = -1, e = EADDRNOTAVAIL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	for (size_t i = 0; i < (addr ? 1 : 2); i++) {
		hints.ai_family = addr ? AF_UNSPEC : any_families[i];
		if ((*gai_err = getaddrinfo(addr, port, &hints, &res)) != 0)
			continue;
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
			if ((fd = bind_listen(ai, addr == NULL)) < 0)
				e = errno;
		}
		freeaddrinfo(res);
		if (fd >= 0)
			return fd;
	}
	errno = e;
	return -1;
}

static int set_nonblock(int fd, int on)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -1;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

/*
 * connect(2) that gives up after timeout seconds (0: the system's limit).
 * Non-blocking, so neither a signal nor a silent address can hold it.
 */
static int connect_within(int fd, const struct addrinfo *ai, unsigned timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, r;
	socklen_t len = sizeof(err);

	if (set_nonblock(fd, 1) < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			return -1;
		while ((r = poll(&p, 1, timeout ? (int)timeout * 1000 : -1)) < 0) {
			if (errno != EINTR)
				return -1;
		}
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return -1;
		if (err != 0) {
			errno = err;
			return -1;
		}
	}
	return set_nonblock(fd, 0);
}

int fx_tcp_connect(const char *host, const char *port, unsigned timeout,
                   int *gai_err)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, e = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((*gai_err = getaddrinfo(host, port, &hints, &res)) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = new_socket(ai->ai_family)) < 0) {
			e = errno;
			continue;
		}
		if (connect_within(fd, ai, timeout) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = e;
	return fd;
}

int fx_set_timeout(int fd, unsigned seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds, .tv_usec = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
#ifdef TCP_USER_TIMEOUT
	/* Bytes the peer never acknowledges end the connection as soon: a
	 * peer gone without a word is noticed even while the kernel still
	 * holds data for it (and no call of ours waits on it). */
	unsigned ms = seconds > UINT_MAX / 1000 ? UINT_MAX : seconds * 1000;
	if (setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms)) < 0 &&
	    errno != ENOPROTOOPT && errno != EOPNOTSUPP)
		return -1;
#endif
	return 0;
}

/* The socket's SO_TYPE and SO_ACCEPTCONN, or -1 when fd is no socket. */
static int socket_kind(int fd, int *listening)
{
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -1;
	len = sizeof(*listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, listening, &len) < 0)
		*listening = 0;
	return type;
}

int fx_is_listener(int fd)
{
	int listening;

	return socket_kind(fd, &listening) == SOCK_STREAM && listening;
}

int fx_is_connection(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int listening;

	return socket_kind(fd, &listening) == SOCK_STREAM && !listening &&
	       getpeername(fd, (struct sockaddr *)&ss, &len) == 0;
}

int fx_set_keepalive(int fd, unsigned seconds)
{
	int on = seconds > 0;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0)
		return -1;
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
	if (!on)
		return 0;
	/* The first probe after half the time, then four more in the rest. */
	int idle = seconds / 2 > 0 ? (int)(seconds / 2) : 1;
	int intvl = seconds / 8 > 0 ? (int)(seconds / 8) : 1, cnt = 4;
	if (idle > 32767) /* the kernel's limit */
		idle = intvl = 32767;
	if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0)
		return errno == ENOPROTOOPT || errno == EOPNOTSUPP ? 0 : -1;
#endif
	return 0;
}

static int format_addr(struct sockaddr_storage *ss, socklen_t sl,
                       char *buf, size_t len);

int fx_accept(int lfd)
{
	return fx_accept_peer(lfd, NULL, 0);
}

int fx_accept_peer(int lfd, char *peer, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	for (;;) {
		sl = sizeof(ss);
		int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
		if (fd >= 0) {
			if (peer != NULL && len > 0 && format_addr(&ss, sl, peer, len) < 0)
				peer[0] = '\0';
			/* BSDs pass a listener's O_NONBLOCK on; Linux does not. */
			if (fx_cloexec(fd) < 0 || set_nonblock(fd, 0) < 0 ||
			    urgent_inline(fd) < 0) {
				close_keep_errno(fd);
				return -1;
			}
			return fd;
		}
		if (errno != EINTR && errno != ECONNABORTED)
			return -1;
	}
}

static int format_addr(struct sockaddr_storage *ss, socklen_t sl,
                       char *buf, size_t len)
{
	char host[64], serv[16];
	int n;

	/* An IPv4 client of the dual-stack socket is named as IPv4. */
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)ss)->sin6_addr)) {
		struct sockaddr_in6 six = *(struct sockaddr_in6 *)ss;
		struct sockaddr_in *four = (struct sockaddr_in *)ss;

		memset(four, 0, sizeof(*four));
		four->sin_family = AF_INET;
		four->sin_port = six.sin6_port;
		memcpy(&four->sin_addr, &six.sin6_addr.s6_addr[12], 4);
		sl = sizeof(*four);
	}
	if (getnameinfo((const struct sockaddr *)ss, sl, host, sizeof(host),
	                serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (ss->ss_family == AF_INET6)
		n = snprintf(buf, len, "[%s]:%s", host, serv);
	else
		n = snprintf(buf, len, "%s:%s", host, serv);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int fx_sock_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	return format_addr(&ss, sl, buf, len);
}

int fx_peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -1;
	return format_addr(&ss, sl, buf, len);
}

/*
 * The IP address of *ss as bytes, an IPv4-mapped IPv6 address as IPv4.
 * Returns its length (4 or 16), or 0 for another family.
 */
static size_t ip_bytes(const struct sockaddr_storage *ss, const unsigned char **ip)
{
	if (ss->ss_family == AF_INET) {
		*ip = (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr;
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*ip = &a->s6_addr[12];
			return 4;
		}
		*ip = a->s6_addr;
		return 16;
	}
	return 0;
}

int fx_peer_is_local(int fd)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer);
	const unsigned char *a = NULL, *b = NULL;
	size_t al, bl;

	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return 0;
	if (peer.ss_family == AF_UNIX)
		return 1;
	al = ip_bytes(&me, &a);
	bl = ip_bytes(&peer, &b);
	if (bl == 4 && b[0] == 127)
		return 1;
	if (bl == 16 && memcmp(b, v6_loopback, 16) == 0)
		return 1;
	return bl != 0 && al == bl && memcmp(a, b, al) == 0;
}

/* SO_LINGER {1, 0}: close(2) and process death send a reset. */
static int linger_zero(int fd, int on)
{
	struct linger lg = { .l_onoff = on, .l_linger = 0 };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

int fx_set_reset_on_close(int fd)
{
	return linger_zero(fd, 1);
}

int fx_clear_reset_on_close(int fd)
{
	return linger_zero(fd, 0);
}

int fx_pending_input(int fd)
{
	char c;
	ssize_t n;

	do
		n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

int fx_conn_check(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0, .revents = 0 };
	int err = 0, r;
	socklen_t len = sizeof(err);

	/* A reset after the peer's end of stream leaves reads seeing only that
	 * end: it shows as POLLHUP (both ways shut) or POLLERR, and the error. */
	while ((r = poll(&p, 1, 0)) < 0 && errno == EINTR)
		;
	if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	if (p.revents & (POLLHUP | POLLERR)) {
		errno = ECONNRESET;
		return -1;
	}
	return 0;
}
