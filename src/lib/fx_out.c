/*
 * The atomic output file: data goes to a temporary file beside the target,
 * which replaces the target by rename(2) only once it is durably on disk.
 */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fx_out_open(struct fx_outfile *out, const char *path, mode_t mode)
{
	const char *base = strrchr(path, '/');
	size_t dirlen = base ? (size_t)(base - path) + 1 : 0;
	mode_t mask;
	struct stat st;

	base = base ? base + 1 : path;
	out->fd = -1;
	out->tmp = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		/* A device or FIFO: write to it; renaming over it would replace it. */
		if ((out->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
		if ((out->path = strdup(path)) == NULL) {
			fx_out_abort(out);
			return -1;
		}
		return 0;
	}
	out->path = strdup(path);
	/* ".NAME.XXXXXX" in the target's directory, so rename(2) is atomic. */
	size_t len = dirlen + strlen(base) + sizeof(".") + sizeof(".XXXXXX");
	out->tmp = malloc(len);
	if (out->path == NULL || out->tmp == NULL)
		goto fail;
	snprintf(out->tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	if ((out->fd = mkstemp(out->tmp)) < 0)
		goto fail;
	/* mkstemp makes 0600; the result should look like any new file. */
	mask = umask(0);
	umask(mask);
	if (fchmod(out->fd, mode & ~mask) < 0 || fx_cloexec(out->fd) < 0) {
		fx_out_abort(out);
		return -1;
	}
	return 0;
fail:
	{
		int e = errno;
		free(out->path);
		free(out->tmp);
		out->path = out->tmp = NULL;
		errno = e;
	}
	return -1;
}

static int fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, r;

	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	/* Some file systems cannot fsync a directory; the rename still stands. */
	if (r < 0 && (errno == EINVAL || errno == EBADF))
		r = 0;
	close(fd);
	return r;
}

/* rename(2) the temporary file over the target, or with no_clobber link(2)
 * it to the target name (which fails if that exists) and drop the temporary. */
static int put_in_place(const struct fx_outfile *out, int no_clobber)
{
	if (!no_clobber)
		return rename(out->tmp, out->path);
	if (link(out->tmp, out->path) < 0)
		return -1;
	unlink(out->tmp);
	return 0;
}

static int commit(struct fx_outfile *out, int no_clobber)
{
	int fd = out->fd;

	if (out->tmp == NULL) {
		/* Not a regular file: make it durable where that means anything. */
		int r = fsync(fd);
		if (r < 0 && (errno == EINVAL || errno == EROFS || errno == ENOTSUP))
			r = 0;
		if (close(fd) < 0)
			r = -1;
		out->fd = -1;
		fx_out_abort(out);
		return r;
	}
	if (fsync(fd) < 0)
		goto fail;
	out->fd = -1;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (put_in_place(out, no_clobber) < 0)
		goto fail;
	free(out->tmp);
	out->tmp = NULL;
	if (fsync_dir(out->path) < 0) {
		/* Renamed but not durable: report it, the data is in place. */
		int e = errno;
		fx_out_abort(out);
		errno = e;
		return -1;
	}
	fx_out_abort(out);
	return 0;
fail:
	out->fd = fd;
	fx_out_abort(out);
	return -1;
}

int fx_out_commit(struct fx_outfile *out)
{
	return commit(out, 0);
}

int fx_out_commit_new(struct fx_outfile *out)
{
	return commit(out, 1);
}

void fx_out_abort(struct fx_outfile *out)
{
	int e = errno;

	if (out->fd >= 0)
		close(out->fd);
	out->fd = -1;
	if (out->tmp != NULL)
		unlink(out->tmp);
	free(out->tmp);
	free(out->path);
	out->tmp = out->path = NULL;
	errno = e;
}
