/*
 * Cut the power under a mounted file system, for the tests: the ext4 and
 * xfs shutdown ioctl without flushing the journal, so whatever was not yet
 * durable is lost as at a power failure, and the file system refuses every
 * later write.  Unmounting and mounting again replays the journal.
 *
 * usage: powercut PATH (any file or directory on the file system)
 * Exit 0 when cut, 77 when the file system has no such ioctl, 1 on error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* linux/fs.h's FS_IOC_SHUTDOWN (ext4's and xfs's GOINGDOWN) and its flag. */
#define GOINGDOWN _IOR('X', 125, uint32_t)
#define GOINGDOWN_NOLOGFLUSH 2u
#ifndef __GLIBC__
#undef GOINGDOWN
#define GOINGDOWN ((int)_IOR('X', 125, uint32_t)) /* musl's ioctl(2) takes an int */
#endif

int main(int argc, char **argv)
{
	uint32_t how = GOINGDOWN_NOLOGFLUSH;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: powercut PATH\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "powercut: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, GOINGDOWN, &how) < 0) {
		fprintf(stderr, "powercut: %s: %s\n", argv[1], strerror(errno));
		return errno == ENOTTY || errno == EOPNOTSUPP ? 77 : 1;
	}
	return 0;
}
