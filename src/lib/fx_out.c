/*
 * The atomic output file: data goes to a temporary file beside the target,
 * which replaces the target by rename(2) only once it is durably on disk.
 * On Linux the temporary file has no name (O_TMPFILE) until the commit, so
 * no death of the process, not even by SIGKILL, can leave it behind.  The
 * target's directory is held open from the start, and every later step is
 * relative to it, so swapping a directory on the path cannot redirect them.
 */
#if defined(__linux__) && !defined(FX_PORTABLE)
#define FX_LINUX 1
#define _GNU_SOURCE /* O_TMPFILE, O_PATH, syncfs(2), statx(2), flock(2), F_SETLEASE */ // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#else
#define _XOPEN_SOURCE 700 /* XSI: S_ISVTX, realpath(3), sync(2) */ // NOLINT(bugprone-reserved-identifier): a feature-test macro
#define _DEFAULT_SOURCE /* flock(2), in every BSD and Linux C library */ // NOLINT(bugprone-reserved-identifier): a feature-test macro
#endif

#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef FX_LINUX
#include <sys/ioctl.h>
#if defined(__has_include) && __has_include(<linux/fs.h>)
#include <linux/fs.h> /* FS_IOC_GETFLAGS, FS_APPEND_FL, FS_IMMUTABLE_FL */
#endif
#ifndef FS_IOC_GETFLAGS
/* The kernel's numbers, for a C library installed without its headers (musl). */
#define FS_IOC_GETFLAGS _IOR('f', 1, long)
#define FS_IMMUTABLE_FL 0x00000010
#define FS_APPEND_FL 0x00000020
#endif
#ifdef __GLIBC__
#define FX_GETFLAGS FS_IOC_GETFLAGS
#else
#define FX_GETFLAGS ((int)FS_IOC_GETFLAGS) /* musl's ioctl(2) takes an int */
#endif
#endif

static void out_init(struct fx_outfile *out)
{
	memset(out, 0, sizeof(*out));
	out->fd = out->dirfd = out->foundfd = -1;
}

/*
 * Hold the regular file found at the target, so that it stays the file that
 * dev and inode name: none made while it is held can be given its number.
 * On Linux O_PATH needs no permission on the file; elsewhere a file we may
 * not read is not held (fx_out_sync then checks its change time too).
 */
static void hold_found(struct fx_outfile *out)
{
	struct stat st;

#ifdef FX_LINUX
	out->foundfd = open(out->path, O_PATH | O_CLOEXEC);
#else
	out->foundfd = open(out->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
#endif
	if (out->foundfd >= 0 && (fstat(out->foundfd, &st) < 0 ||
	                          st.st_dev != out->found.st_dev || st.st_ino != out->found.st_ino)) {
		/* Replaced between the look and the open: no model at all. */
		close(out->foundfd);
		out->foundfd = -1;
		memset(&out->found, 0, sizeof(out->found));
	}
}

/* Is st the very file found at the start? */
static int is_found(const struct fx_outfile *out, const struct stat *st)
{
	if (out->found.st_ino == 0 || st->st_dev != out->found.st_dev ||
	    st->st_ino != out->found.st_ino)
		return 0;
	return out->foundfd >= 0 ||
	       (st->st_ctim.tv_sec == out->found.st_ctim.tv_sec &&
	        st->st_ctim.tv_nsec == out->found.st_ctim.tv_nsec);
}

/* A file system that keeps no modes or owners (FAT) refusing to set them. */
static int no_such_attributes(int e)
{
	return e == ENOSYS || e == EOPNOTSUPP || e == ENOTSUP || e == EPERM;
}

/* The directory part of path ("." when there is none), newly allocated. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (slash == NULL)
		return strdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/*
 * Was st put in the sticky world-writable directory dir by someone else than
 * us and the directory's owner?  The kernel's protected_regular,
 * protected_fifos and protected_symlinks rules refuse to use such a file,
 * even for root: it may be a trap laid for whoever writes there next.
 */
static int planted(const struct stat *dir, const struct stat *st)
{
	return (dir->st_mode & S_ISVTX) && (dir->st_mode & S_IWOTH) &&
	       st->st_uid != geteuid() && st->st_uid != dir->st_uid;
}

/* Would replacing st fail because dir is sticky (and we are not root)? */
static int sticky_foreign(const struct stat *dir, const struct stat *st)
{
	uid_t me = geteuid();
	return (dir->st_mode & S_ISVTX) && me != 0 && st->st_uid != me &&
	       dir->st_uid != me;
}

static int stat_dir_of(const char *path, struct stat *st)
{
	char *dir = dir_of(path);
	int r;

	if (dir == NULL)
		return -1;
	r = stat(dir, st);
	free(dir);
	return r;
}

/* The target as it is now, looked up in the held directory, links not followed. */
static int stat_target(const struct fx_outfile *out, struct stat *st)
{
	return fstatat(out->dirfd >= 0 ? out->dirfd : AT_FDCWD, out->name, st,
	               AT_SYMLINK_NOFOLLOW);
}

/* Six letters and digits, different each call. */
static void fill_random(char *x)
{
	static const char set[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	static uint64_t state;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	state += (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 6; i++) {
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		x[i] = set[(state >> 33) % (sizeof(set) - 1)];
	}
}

/*
 * Set out->tmp to "DIR/.NAME.XXXXXX" for the target (the name shortened, if
 * needed, to fit the file system's limit for any legal target name, without
 * splitting a UTF-8 character), and out->tmpname to the part of it relative
 * to the held directory.
 */
static int tmp_template(struct fx_outfile *out, const char *dir)
{
	const char *base = base_of(out->path);
	size_t keep = strlen(base), len, dirlen;
	long name_max = out->dirfd >= 0 ? fpathconf(out->dirfd, _PC_NAME_MAX) : -1;

	if (name_max < 16)
		name_max = 255;
	/* "." + name + ".XXXXXX" */
	if (keep > (size_t)name_max - 8) {
		keep = (size_t)name_max - 8;
		while (keep > 0 && ((unsigned char)base[keep] & 0xc0) == 0x80)
			keep--;
	}
	dirlen = strlen(dir);
	len = dirlen + keep + 10;
	if ((out->tmp = malloc(len)) == NULL)
		return -1;
	snprintf(out->tmp, len, "%s/.%.*s.XXXXXX", dir, (int)keep, base);
	out->tmpname = out->dirfd >= 0 ? out->tmp + dirlen + 1 : out->tmp;
	return 0;
}

/* Forget the temporary name (after it was removed or renamed away). */
static void drop_tmp(struct fx_outfile *out)
{
	free(out->tmp);
	out->tmp = NULL;
	out->tmpname = NULL;
}

/*
 * The named temporary file, as mkstemp(3) makes it but in the held
 * directory: a fresh name, created exclusively, mode 0600 (private while it
 * fills).
 */
static int create_named(struct fx_outfile *out, const char *dir)
{
	int at = out->dirfd >= 0 ? out->dirfd : AT_FDCWD;

	if (tmp_template(out, dir) < 0)
		return -1;
	for (int tries = 0; tries < 100; tries++) {
		fill_random(out->tmp + strlen(out->tmp) - 6);
		out->fd = openat(at, out->tmpname, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (out->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	drop_tmp(out);
	return -1;
}

/* Refuse with errno e, and the reason in words where e alone would not say. */
static int refuse(struct fx_outfile *out, int e, const char *why)
{
	out->why = why;
	errno = e;
	return -1;
}

#ifdef FX_LINUX
/*
 * The inode flags (chattr(1)'s) of name in dirfd: 0 where the file system
 * keeps none or they cannot be read (a drop box, a file we may not read).
 */
static int inode_flags(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags);
	int attr = 0;

	if (fd < 0)
		return 0;
	if (ioctl(fd, FX_GETFLAGS, &attr) < 0)
		attr = 0;
	close(fd);
	return attr;
}

static int dir_flags(const struct fx_outfile *out)
{
	return inode_flags(out->dirfd, ".", O_DIRECTORY);
}

/* Is the target a mount point (a file bind-mounted there)? */
static int mount_point(const struct fx_outfile *out, const struct stat *dir)
{
#ifdef STATX_ATTR_MOUNT_ROOT
	struct statx stx;

	if (statx(out->dirfd, out->name, AT_SYMLINK_NOFOLLOW, 0, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
#endif
	/* Without statx's answer, only a mount from another file system shows. */
	return out->found.st_dev != dir->st_dev;
}

/* An immutable or append-only target cannot be replaced. */
static int target_would_fail(struct fx_outfile *out, int dirfd, const char *name)
{
	int f = inode_flags(dirfd, name, O_NOFOLLOW);

	if (f & FS_IMMUTABLE_FL)
		return refuse(out, EPERM, "the file is immutable (chattr +i)");
	if (f & FS_APPEND_FL)
		return refuse(out, EPERM, "the file is append-only (chattr +a): it cannot be replaced");
	return 0;
}

/*
 * Would replacing the target fail where no permission check can see it: an
 * immutable or append-only directory or target (chattr +i, +a: names can be
 * added to an append-only directory, none removed or replaced), or a target
 * that is a mount point?  Asked before a byte is received.  *append_only is
 * set for a directory that takes a new name but would never give back a
 * temporary one.  The portable build cannot ask: there such a commit fails
 * at the rename (73), after the transfer.
 */
static int commit_would_fail(struct fx_outfile *out, const struct stat *dir, int *append_only)
{
	int d = dir_flags(out);

	*append_only = (d & FS_APPEND_FL) != 0;
	if (d & FS_IMMUTABLE_FL)
		return refuse(out, EPERM, "the directory is immutable (chattr +i)");
	if (out->found.st_ino == 0)
		return 0;
	if (target_would_fail(out, out->dirfd, out->name) < 0)
		return -1;
	if (d & FS_APPEND_FL)
		return refuse(out, EPERM, "the directory is append-only (chattr +a): "
		                          "no file in it can be replaced");
	if (mount_point(out, dir))
		return refuse(out, EBUSY, "the file is a mount point: it cannot be replaced");
	return 0;
}
#endif

/*
 * The temporary file: unnamed where the system and file system allow it.
 * In an append-only directory a named one is refused: its name could never
 * be removed.
 */
static int open_tmp(struct fx_outfile *out, const char *dir, int append_only)
{
#ifdef FX_LINUX
	/* Naming it at commit goes through /proc/self/fd. */
	if (out->dirfd >= 0 && access("/proc/self/fd", X_OK) == 0) {
		out->fd = openat(out->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (out->fd >= 0)
			return 0;
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return -1;
	}
#endif
	if (append_only)
		return refuse(out, EPERM, "the directory is append-only (chattr +a) and "
		                          "takes no unnamed temporary file");
	return create_named(out, dir);
}

/* Refuse a .part file with errno e: why is about it, not the target. */
static int refuse_part(struct fx_outfile *out, int e, const char *why)
{
	out->why_part = 1;
	return refuse(out, e, why);
}

/* Why a .part file could not be opened for writing (errno e), in words. */
static const char *part_unwritable(int at, const char *name, int e)
{
	if (e == ELOOP)
		return "the file is a symbolic link";
	if (e == EISDIR)
		return "the file is not a regular file";
	/* In a sticky shared directory the kernel refuses another's link. */
	struct stat st;
	if (e == EACCES && fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		return "the file is a symbolic link";
#ifdef FX_LINUX
	if (e == EPERM) {
		int f = inode_flags(at, name, O_NOFOLLOW);
		if (f & FS_IMMUTABLE_FL)
			return "the file is immutable (chattr +i)";
		if (f & FS_APPEND_FL)
			return "the file is append-only (chattr +a): it cannot be written where it left off";
	}
#else
	(void)at;
	(void)name;
#endif
	return e == EACCES ? "the file cannot be written (Permission denied)" : NULL;
}

/*
 * The resume file, "DIR/NAME.part": made if missing (mode 0600, private
 * while it fills), kept as it is if there, and locked, so that a second
 * frecv cannot write into it at the same time.  It must be a regular file
 * of ours that is no symbolic link and has no other name (a file of
 * another user's would make the target theirs).
 */
static int open_part(struct fx_outfile *out, const char *dir, int append_only)
{
	const char *base = base_of(out->path);
	int at = out->dirfd >= 0 ? out->dirfd : AT_FDCWD, fd, flags, e;
	long name_max = out->dirfd >= 0 ? fpathconf(out->dirfd, _PC_NAME_MAX) : -1;
	size_t len = strlen(dir) + strlen(base) + 7;
	const char *why = NULL;
	struct stat st;
	char *path;

	if (append_only)
		return refuse(out, EPERM, "the directory is append-only (chattr +a): "
		                          "a .part file in it could never be renamed");
	if (strlen(base) + 5 > (size_t)(name_max < 16 ? 255 : name_max))
		return refuse(out, ENAMETOOLONG, "the name is too long to add .part to it");
	if ((path = malloc(len)) == NULL)
		return -1;
	snprintf(path, len, "%s/%s.part", dir, base);
	const char *name = out->dirfd >= 0 ? path + strlen(dir) + 1 : path;
	/* At the commit it is renamed: the directory must allow that. */
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0 && errno == EACCES) {
		free(path);
		return refuse(out, EACCES,
		              "the directory is not writable: the .part file could not be renamed");
	}
	fd = openat(at, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
	            0600);
	if (fd < 0) {
		e = errno;
		why = part_unwritable(at, name, e);
		/* A directory cannot be opened for writing: no regular file either. */
		if (e == ELOOP || e == EISDIR)
			e = EEXIST;
		/* Leased (fx_out_lease): another frecv holds it, and is told. */
		if (e == EWOULDBLOCK || e == EAGAIN)
			e = EBUSY;
		goto fail;
	}
	e = 0;
	if (fstat(fd, &st) < 0 || (flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		why = "the file is not a regular file";
	else if (st.st_nlink > 1)
		why = "the file has other hard links: writing it would change them";
	else if (st.st_uid != geteuid())
		why = "the file belongs to another user";
	else if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		e = errno == EWOULDBLOCK ? EBUSY : errno;
	if (why != NULL)
		e = S_ISREG(st.st_mode) ? EACCES : EEXIST;
	if (e != 0) {
		close(fd);
		goto fail;
	}
	out->fd = fd;
	out->tmp = path;
	out->tmpname = name;
	out->keep = 1;
	return 0;
fail:
	free(path);
	if (e == EBUSY)
		why = "another frecv is writing to it";
	return refuse_part(out, e, why);
}

/*
 * Hold the target's directory open.  A drop box (mode 0333) cannot be
 * opened for reading: on Linux it is held by O_PATH, which can name files in
 * it but not sync it (commit then syncs another way); elsewhere not at all,
 * and names are looked up again by path.
 */
static int hold_dir(struct fx_outfile *out, const char *dir)
{
	out->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	out->dir_synced = out->dirfd >= 0;
	if (out->dirfd < 0 && errno == EACCES) {
#ifdef FX_LINUX
		out->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
#else
		errno = 0;
		return 0;
#endif
	}
	return out->dirfd >= 0 ? 0 : -1;
}

/* Open a device or FIFO to write into it; a FIFO with no reader is ENXIO. */
static int open_direct(struct fx_outfile *out)
{
	int flags;

	out->fd = open(out->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (out->fd < 0)
		return -1;
	if ((flags = fcntl(out->fd, F_GETFL)) < 0 ||
	    fcntl(out->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return -1;
	out->direct = 1;
	return 0;
}

/* Check the target (path resolved) and prepare to replace or create it,
 * writing into a temporary file, or with part into the .part file. */
static int open_file(struct fx_outfile *out, int part)
{
	struct stat dst;
	char *dir;
	int r;

	if (stat_dir_of(out->path, &dst) < 0)
		return -1;
	if (!S_ISDIR(dst.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (stat(out->path, &out->found) == 0) {
		if (S_ISDIR(out->found.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		if (planted(&dst, &out->found)) {
			errno = EACCES;
			return -1;
		}
		if (!S_ISREG(out->found.st_mode))
			return open_direct(out);
		if (sticky_foreign(&dst, &out->found)) {
			errno = EPERM;
			return -1;
		}
#ifdef FX_LINUX
		/* Before the access check, which says only EPERM for these. */
		if (target_would_fail(out, AT_FDCWD, out->path) < 0)
			return -1;
#endif
		/* As cp(1) would, respect a file its owner made read-only. */
		if (faccessat(AT_FDCWD, out->path, W_OK, AT_EACCESS) < 0)
			return -1;
		hold_found(out);
	} else if (errno == ENOENT) {
		memset(&out->found, 0, sizeof(out->found));
	} else {
		return -1;
	}
	if ((dir = dir_of(out->path)) == NULL)
		return -1;
	r = hold_dir(out, dir);
	out->name = out->dirfd >= 0 ? base_of(out->path) : out->path;
	int append_only = 0;
#ifdef FX_LINUX
	if (r == 0)
		r = commit_would_fail(out, &dst, &append_only);
#endif
	if (r == 0)
		r = part ? open_part(out, dir, append_only) : open_tmp(out, dir, append_only);
	free(dir);
	return r;
}

static int out_open(struct fx_outfile *out, const char *path, mode_t mode, int part);

int fx_out_open(struct fx_outfile *out, const char *path, mode_t mode)
{
	return out_open(out, path, mode, 0);
}

int fx_out_open_part(struct fx_outfile *out, const char *path, mode_t mode)
{
	return out_open(out, path, mode, 1);
}

static int out_open(struct fx_outfile *out, const char *path, mode_t mode, int part)
{
	struct stat lst, dst, st;
	const char *base = base_of(path);
	mode_t mask = umask(0);

	umask(mask);
	out_init(out);
	out->mode = mode & ~mask & 0777;
	if (*path == '\0') {
		errno = ENOENT; /* as open("") says */
		return -1;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		/* "file/" names a directory; one that is not is ENOTDIR. */
		errno = stat(path, &st) == 0 || errno != ENOTDIR ? EISDIR : ENOTDIR;
		return -1;
	}
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		if (stat_dir_of(path, &dst) == 0 && planted(&dst, &lst)) {
			errno = EACCES;
			return -1;
		}
		/* Follow it, as cp does; a dangling link is ENOENT, as for cp. */
		out->path = realpath(path, NULL);
	} else {
		out->path = strdup(path);
	}
	if (out->path == NULL || open_file(out, part) < 0) {
		fx_out_abort(out);
		return -1;
	}
	return 0;
}

int fx_out_lease(struct fx_outfile *out)
{
#ifdef FX_LINUX
	if (!out->keep)
		return 0;
	/* Named, so the handler is told why (si_code POLL_MSG) and can tell
	 * the kernel's notice from a kill(1). */
	if (fcntl(out->fd, F_SETSIG, SIGIO) < 0)
		return -1;
	if (fcntl(out->fd, F_SETLEASE, F_WRLCK) == 0) {
		out->leased = 1;
		return 0;
	}
	if (errno == EAGAIN)
		return refuse_part(out, EBUSY, "the file is open in another process");
	/* None granted here (the file system, fs.leases-enable): the checks
	 * at the commit remain. */
#else
	(void)out;
#endif
	return 0;
}

void fx_out_unlease(int fd)
{
#ifdef FX_LINUX
	int e = errno;
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	errno = e;
#else
	(void)fd;
#endif
}

void fx_out_use_fd(struct fx_outfile *out, int fd)
{
	out_init(out);
	out->fd = fd;
	out->direct = 1;
}

/*
 * Some file systems (NFS, FUSE) report a failed write when the file is
 * closed, and they flush at every close(2) of a descriptor, not only the
 * last: closing a duplicate asks them now, while the old target still
 * stands, rather than after the rename.
 */
static int flush_now(int fd)
{
	int d = dup(fd);

	if (d < 0)
		return -1;
	return close(d);
}

int fx_out_sync(struct fx_outfile *out)
{
	struct stat st, dst;
	mode_t mode = out->mode;
	int r;

	if (out->direct) {
		/* Devices and pipes: durable where that means anything. */
		r = fsync(out->fd);
		if (r < 0 && (errno == EINVAL || errno == EROFS || errno == ENOTSUP))
			r = 0;
		return r;
	}
	/* Something put there since the start is no model, and in a sticky
	 * shared directory maybe a trap: refused as at the start. */
	if (stat_target(out, &st) == 0 && !is_found(out, &st) &&
	    (out->dirfd >= 0 ? fstat(out->dirfd, &dst) : stat_dir_of(out->path, &dst)) == 0 &&
	    planted(&dst, &st)) {
		errno = EACCES;
		return -1;
	}
	/* Replacing keeps what the target was, as cp(1) does: the file found
	 * at the start, as it is now where it is held (even if removed or
	 * replaced meanwhile), never a file that took its place. */
	if (out->found.st_ino != 0 && S_ISREG(out->found.st_mode)) {
		if (out->foundfd < 0 || fstat(out->foundfd, &st) < 0)
			st = out->found;
		mode = st.st_mode & 0777;
		if (geteuid() == 0) {
			if (fchown(out->fd, st.st_uid, st.st_gid) < 0 && !no_such_attributes(errno))
				return -1;
		} else if (st.st_gid != getegid() &&
		           fchown(out->fd, (uid_t)-1, st.st_gid) < 0) {
			/* Not a member of that group: the file keeps ours. */
		}
	}
	/* Made 0600: where the mode cannot be set, it stays that private. */
	if (fchmod(out->fd, mode) < 0 && !no_such_attributes(errno))
		return -1;
	if (fsync(out->fd) < 0)
		return -1;
	return flush_now(out->fd);
}

/*
 * rename(2) the temporary file over the target; with no_clobber link(2) it
 * to the target name instead, which fails if that exists.  An unnamed file
 * is linked straight to the target when none is there, and otherwise gets
 * a temporary name first, since only rename replaces atomically.
 */
static int put_in_place(struct fx_outfile *out, int no_clobber)
{
	int at = out->dirfd >= 0 ? out->dirfd : AT_FDCWD;

#ifdef FX_LINUX
	if (out->tmp == NULL) {
		char proc[40];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", out->fd);
		/* No target yet: the file gets its name in one step. */
		if (linkat(AT_FDCWD, proc, at, out->name, AT_SYMLINK_FOLLOW) == 0)
			return 0;
		if (no_clobber || errno != EEXIST)
			return -1;
		/* A target appeared meanwhile: only a temporary name and a rename
		 * replace it.  Never a name that could not be removed again. */
		if (dir_flags(out) & (FS_APPEND_FL | FS_IMMUTABLE_FL))
			return refuse(out, EPERM, "the directory became append-only (chattr +a)");
		/* A SIGKILL between this link and the rename leaves the name. */
		if (tmp_template(out, ".") < 0)
			return -1;
		for (int tries = 0; ; tries++) {
			fill_random(out->tmp + strlen(out->tmp) - 6);
			if (linkat(AT_FDCWD, proc, at, out->tmpname, AT_SYMLINK_FOLLOW) == 0)
				break;
			if (errno != EEXIST || tries == 100) {
				drop_tmp(out);
				return -1;
			}
		}
	}
#endif
	if (!no_clobber)
		return renameat(at, out->tmpname, at, out->name);
	if (linkat(at, out->tmpname, at, out->name, 0) < 0)
		return -1;
	(void)unlinkat(at, out->tmpname, 0);
	return 0;
}

/* Make the new directory entry durable. */
static int sync_dir(const struct fx_outfile *out)
{
	if (out->dir_synced) {
		int r = fsync(out->dirfd);
		/* Some file systems cannot fsync a directory; the rename still stands. */
		if (r < 0 && (errno == EINVAL || errno == EBADF))
			r = 0;
		return r;
	}
#ifdef FX_LINUX
	return syncfs(out->fd);
#else
	/* POSIX lets sync(2) return before the writes are done; it is what there is. */
	sync();
	return 0;
#endif
}

/*
 * Is the .part file still frecv's alone: never opened or truncated by
 * another process since it was leased, as long as the caller wrote, with
 * no other name, and still at its own (so the rename moves this file)?
 */
static int part_intact(struct fx_outfile *out)
{
	struct stat st, named;

#ifdef FX_LINUX
	/* A lease being broken reads as what it is being broken to. */
	if (out->leased && fcntl(out->fd, F_GETLEASE) != F_WRLCK)
		return refuse_part(out, EBUSY, "another process opened the file while frecv "
		                               "wrote it");
#endif
	if (fstat(out->fd, &st) < 0)
		return -1;
	if ((uint64_t)st.st_size != out->length)
		return refuse_part(out, EBUSY, "another process changed its length while frecv "
		                               "wrote it");
	if (fstatat(out->dirfd >= 0 ? out->dirfd : AT_FDCWD, out->tmpname, &named,
	            AT_SYMLINK_NOFOLLOW) < 0 ||
	    named.st_dev != st.st_dev || named.st_ino != st.st_ino)
		return refuse_part(out, EBUSY, "the file was renamed or replaced while frecv "
		                               "wrote it");
	if (st.st_nlink != 1)
		return refuse_part(out, EBUSY, "another name was linked to the file while frecv "
		                               "wrote it");
	return 0;
}

int fx_out_check(struct fx_outfile *out)
{
	return out->keep ? part_intact(out) : 0;
}

/* After the rename: is the file at the target the one written? */
static int placed_ours(const struct fx_outfile *out)
{
	struct stat st, named;

	return fstat(out->fd, &st) == 0 && stat_target(out, &named) == 0 &&
	       named.st_dev == st.st_dev && named.st_ino == st.st_ino;
}

static int commit(struct fx_outfile *out, int no_clobber)
{
	int r;

	if (out->direct) {
		r = close(out->fd);
		out->fd = -1;
		fx_out_abort(out);
		return r;
	}
	if ((out->keep && part_intact(out) < 0) || put_in_place(out, no_clobber) < 0) {
		fx_out_abort(out);
		return -1;
	}
	out->placed = 1;
	drop_tmp(out);
	/* The name was checked just before the rename, and another process
	 * could have swapped it in between. */
	if (out->keep && !placed_ours(out)) {
		fx_out_abort(out);
		return refuse_part(out, EBUSY, "another process put a file at its name as frecv "
		                               "renamed it: the target is not what was received");
	}
	r = sync_dir(out);
#ifdef FX_LINUX
	/* An open that came while the file was renamed waits on the lease,
	 * and goes on once the file is closed: it is said, and the caller
	 * acknowledges nothing. */
	if (r == 0 && out->keep && out->leased && fcntl(out->fd, F_GETLEASE) != F_WRLCK) {
		fx_out_abort(out);
		return refuse(out, EBUSY, "another process opened the file as it was stored: it "
		                          "may change it now");
	}
#endif
	fx_out_abort(out);
	return r;
}

int fx_out_commit(struct fx_outfile *out)
{
	return commit(out, 0);
}

int fx_out_commit_new(struct fx_outfile *out)
{
	return commit(out, 1);
}

/*
 * Keep the .part file for the next try: durable, name and all.  One that
 * holds nothing tells the next try nothing, and goes.
 */
static void keep_part(struct fx_outfile *out)
{
	struct stat st;

	if (fstat(out->fd, &st) == 0 && st.st_size == 0) {
		(void)unlinkat(out->dirfd >= 0 ? out->dirfd : AT_FDCWD, out->tmpname, 0);
		return;
	}
	(void)fsync(out->fd);
	if (out->dir_synced)
		(void)fsync(out->dirfd);
}

int fx_out_keep(struct fx_outfile *out)
{
	if (out->fd < 0 || out->tmp == NULL || !out->keep) {
		errno = EINVAL;
		return -1;
	}
	out->why = NULL;
	out->why_part = 0;
	if (fsync(out->fd) < 0 || (out->dir_synced && fsync(out->dirfd) < 0))
		return -1;
	return 0;
}

void fx_out_abort(struct fx_outfile *out)
{
	int e = errno;

	if (out->tmp != NULL && out->keep && out->fd >= 0)
		keep_part(out);
	else if (out->tmp != NULL)
		(void)unlinkat(out->dirfd >= 0 ? out->dirfd : AT_FDCWD, out->tmpname, 0);
	if (out->fd >= 0)
		close(out->fd);
	if (out->dirfd >= 0)
		close(out->dirfd);
	if (out->foundfd >= 0)
		close(out->foundfd);
	out->fd = out->dirfd = out->foundfd = -1;
	drop_tmp(out);
	free(out->path);
	out->path = NULL;
	out->name = NULL;
	errno = e;
}
