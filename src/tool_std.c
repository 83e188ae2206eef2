/* The programs' start: descriptors 0-2 made open, the name for messages. */
#include "tool_std.h"

#include "tool_msgs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sysexits.h>
#include <unistd.h>

static unsigned std_closed;   /* bit fd: descriptor fd was closed at start */

void tool_init(const char *name)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		std_closed |= 1u << fd;
		/* The lowest free descriptor: fd itself.  Without /dev/null
		 * (a bare chroot) there is no safe way on, and nowhere to say so. */
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EX_OSERR);
	}
	tool_set_name(name);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

int tool_std_closed(int fd)
{
	return fd >= 0 && fd <= 2 && (std_closed & (1u << fd)) != 0;
}

int tool_std_usable(int fd, int want)
{
	int mode = fcntl(fd, F_GETFL);

	if (tool_std_closed(fd) || mode < 0)
		return 0;
	mode &= O_ACCMODE;
	return mode == O_RDWR || mode == want;
}
