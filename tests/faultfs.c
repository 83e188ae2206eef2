/*
 * A FUSE pass-through file system for the tests, with the kernel's
 * writeback cache, that fails the backend's writes of one byte range with
 * one error, a given number of times: the kernel then records a writeback
 * error on the file and drops the pages, as a disk, a quota or a network
 * file system that fails at writeback would.
 *
 * usage: faultfs BACKING MOUNTPOINT ERRNO_NAME FROM LEN TIMES
 * It runs in the foreground until unmounted; every failed write is said on
 * stderr ("faultfs: failed write at OFF+LEN: NAME").
 * usage: faultfs --strerror NAME prints the error's text as this C library
 * words it (what the programs built with it print).
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

static int backing = -1;          /* the backing directory */
static int fault_errno;
static const char *fault_name;
static off_t fault_from, fault_len;
static long fault_times;

static const struct {
	const char *name;
	int e;
} errnos[] = {
	{ "EIO", EIO },         { "ENOSPC", ENOSPC },     { "EDQUOT", EDQUOT },
	{ "ETIMEDOUT", ETIMEDOUT }, { "EREMOTEIO", EREMOTEIO }, { "ENOLINK", ENOLINK },
	{ "ENODATA", ENODATA }, { "EPERM", EPERM },
};

/* The backing path of a FUSE path ("/a/b" -> "a/b", "/" -> "."). */
static const char *rel(const char *path)
{
	return path[1] == '\0' ? "." : path + 1;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return fstat((int)fi->fh, st) < 0 ? -errno : 0;
	return fstatat(backing, rel(path), st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int fs_access(const char *path, int mask)
{
	return faccessat(backing, rel(path), mask, 0) < 0 ? -errno : 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	int fd = openat(backing, rel(path), O_RDONLY | O_DIRECTORY);
	DIR *d;
	struct dirent *e;

	(void)off;
	(void)fi;
	(void)flags;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		int r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	while ((e = readdir(d)) != NULL)
		fill(buf, e->d_name, NULL, 0, 0);
	closedir(d);
	return 0;
}

/* The kernel's writeback cache reads pages back: write-only opens read too. */
static int open_flags(int flags)
{
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags & ~O_APPEND;
}

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd = openat(backing, rel(path), open_flags(fi->flags) | O_CREAT, mode);

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi)
{
	int fd = openat(backing, rel(path), open_flags(fi->flags));

	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off,
                   struct fuse_file_info *fi)
{
	ssize_t n = pread((int)fi->fh, buf, size, off);

	(void)path;
	return n < 0 ? -errno : (int)n;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	if (fault_times > 0 && off < fault_from + fault_len && off + (off_t)size > fault_from) {
		fault_times--;
		fprintf(stderr, "faultfs: failed write at %lld+%zu: %s\n", (long long)off, size,
		        fault_name);
		return -fault_errno;
	}
	n = pwrite((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int fs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	return (datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh)) < 0 ? -errno : 0;
}

static int fs_unlink(const char *path)
{
	return unlinkat(backing, rel(path), 0) < 0 ? -errno : 0;
}

static int fs_mkdir(const char *path, mode_t mode)
{
	return mkdirat(backing, rel(path), mode) < 0 ? -errno : 0;
}

static int fs_rmdir(const char *path)
{
	return unlinkat(backing, rel(path), AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int fs_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags != 0)
		return -EINVAL;
	return renameat(backing, rel(from), backing, rel(to)) < 0 ? -errno : 0;
}

static int fs_link(const char *from, const char *to)
{
	return linkat(backing, rel(from), backing, rel(to), 0) < 0 ? -errno : 0;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return fchmod((int)fi->fh, mode) < 0 ? -errno : 0;
	return fchmodat(backing, rel(path), mode, 0) < 0 ? -errno : 0;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return fchown((int)fi->fh, uid, gid) < 0 ? -errno : 0;
	return fchownat(backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int r;

	if (fi != NULL)
		return ftruncate((int)fi->fh, size) < 0 ? -errno : 0;
	int fd = openat(backing, rel(path), O_WRONLY);
	if (fd < 0)
		return -errno;
	r = ftruncate(fd, size) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (fi != NULL)
		return futimens((int)fi->fh, tv) < 0 ? -errno : 0;
	return utimensat(backing, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int fs_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(backing, st) < 0 ? -errno : 0;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* The point of it all: the kernel caches writes and sends them later. */
	if (conn->capable & FUSE_CAP_WRITEBACK_CACHE)
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	else
		fprintf(stderr, "faultfs: no writeback cache in this kernel\n");
	cfg->use_ino = 1;
	/* The backing file's attributes are the truth; the kernel's cache of
	 * sizes and times would hide nothing the tests look at. */
	cfg->attr_timeout = 0;
	cfg->entry_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static const struct fuse_operations ops = {
	.init = fs_init,
	.getattr = fs_getattr,
	.access = fs_access,
	.readdir = fs_readdir,
	.create = fs_create,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.release = fs_release,
	.fsync = fs_fsync,
	.unlink = fs_unlink,
	.mkdir = fs_mkdir,
	.rmdir = fs_rmdir,
	.rename = fs_rename,
	.link = fs_link,
	.chmod = fs_chmod,
	.chown = fs_chown,
	.truncate = fs_truncate,
	.utimens = fs_utimens,
	.statfs = fs_statfs,
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 3 && strcmp(argv[1], "--strerror") == 0) {
		for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (strcmp(argv[2], errnos[i].name) == 0)
				return printf("%s\n", strerror(errnos[i].e)) < 0;
		return 2;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: faultfs BACKING MOUNTPOINT ERRNO_NAME FROM LEN TIMES\n");
		return 2;
	}
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(argv[3], errnos[i].name) == 0)
			break;
	if (i == sizeof(errnos) / sizeof(errnos[0])) {
		fprintf(stderr, "faultfs: %s: unknown error name\n", argv[3]);
		return 2;
	}
	fault_name = errnos[i].name;
	fault_errno = errnos[i].e;
	fault_from = (off_t)strtoll(argv[4], NULL, 10);
	fault_len = (off_t)strtoll(argv[5], NULL, 10);
	fault_times = strtol(argv[6], NULL, 10);
	if ((backing = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	/* Foreground, one thread: the tests stop it by unmounting. */
	/* auto_unmount: a test killed by its timeout leaves no mount behind. */
	char *fargv[] = { argv[0], "-f", "-s", "-o", "fsname=faultfs,default_permissions,auto_unmount",
	                  argv[2], NULL };
	return fuse_main(6, fargv, &ops, NULL);
}
