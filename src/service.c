/* fsend run by a service manager: the sockets it passes, or inetd's one
 * connection on standard input. */
#include "service.h"

#include "fxfer.h"
#include "tool_msgs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first descriptor a service manager passes (SD_LISTEN_FDS_START). */
#define FIRST_FD 3

/* A whole decimal number in [0, max] from the environment variable name:
 * 0 and *v set, or -1 (unset, or not such a number). */
static int env_number(const char *name, unsigned long max, unsigned long *v)
{
	const char *s = getenv(name);
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *v <= max ? 0 : -1;
}

int svc_listeners(int *fds, size_t max)
{
	unsigned long pid, n;
	char what[64];

	if (env_number("LISTEN_PID", (unsigned long)-1, &pid) < 0 || pid != (unsigned long)getpid() ||
	    env_number("LISTEN_FDS", 1024, &n) < 0 || n == 0)
		return 0;
	/* Ours now: not for whatever this process may start. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n > max) {
		snprintf(what, sizeof(what), "more than %zu sockets passed", max);
		tool_fail(EX_CONFIG, "LISTEN_FDS", what);
		return -1;
	}
	for (unsigned long i = 0; i < n; i++) {
		int fd = FIRST_FD + (int)i;
		if (!fx_is_listener(fd) || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			snprintf(what, sizeof(what), "descriptor %d", fd);
			tool_fail(EX_CONFIG, what, "not a listening stream socket (LISTEN_FDS)");
			return -1;
		}
		fds[i] = fd;
	}
	return (int)n;
}

int svc_inetd(void)
{
	struct stat in, out;

	if (!fx_is_connection(STDIN_FILENO)) {
		tool_fail(EX_CONFIG, "standard input",
		          "not a connected stream socket (--inetd)");
		return -1;
	}
	/* inetd gives the connection as 0, 1 and 2 alike: no line may go to
	 * the peer (the messages are lost then; a unit says where they go). */
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fstat(STDIN_FILENO, &in) < 0 || fstat(fd, &out) < 0 ||
		    in.st_dev != out.st_dev || in.st_ino != out.st_ino)
			continue;
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, fd) < 0) {
			tool_fail(EX_CONFIG, "/dev/null", strerror(errno));
			return -1;
		}
		close(null);
	}
	return 0;
}
