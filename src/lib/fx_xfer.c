/*
 * Bulk transfer, file to socket and socket to file, in fixed chunks.
 * On Linux the data skips user space (sendfile, splice); the portable
 * read/write loop is the fallback, and the whole path with FX_PORTABLE.
 */
#if defined(__linux__) && !defined(FX_PORTABLE)
#define FX_FASTPATH 1
#define _GNU_SOURCE /* splice(2), F_SETPIPE_SZ */ // NOLINT(bugprone-reserved-identifier): glibc's feature-test macro
#endif

#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef FX_FASTPATH
#include <sys/sendfile.h>
#endif

/*
 * With a rate (x->rate): wait until the bytes moved are no more than it
 * allows since the start.  A signal does not end the wait early.
 */
static void keep_rate(const struct fx_xfer *x)
{
	/* Paced or not: the kernel's pacing spreads the packets, but at low
	 * rates lets through more than asked (about twice at 100K). */
	if (x->rate == 0)
		return;
	double due = (double)x->bytes / (double)x->rate;
	struct timespec until = x->t0;
	until.tv_sec += (time_t)due;
	until.tv_nsec += (long)((due - (double)(time_t)due) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
		;
}

/* Count n more bytes moved, tell the progress callback, keep the rate. */
static void moved(struct fx_xfer *x, size_t n)
{
	x->bytes += n;
	if (x->progress != NULL)
		x->progress(x->arg, x->bytes);
	keep_rate(x);
}

/* With a rate, a chunk is at most a sixteenth of a second's worth (but not
 * under a page), so that no burst runs far ahead of the rate. */
#define RATE_SLICES 16
#define RATE_CHUNK_MIN 4096

/* The start of a transfer: the count, the clock the rate keeps to, and the
 * chunk cut to the rate. */
static void begin(struct fx_xfer *x)
{
	if (x->rate > 0 && x->chunk > RATE_CHUNK_MIN && x->chunk > x->rate / RATE_SLICES)
		x->chunk = x->rate / RATE_SLICES > RATE_CHUNK_MIN ? (size_t)(x->rate / RATE_SLICES)
		                                                  : RATE_CHUNK_MIN;
	x->bytes = 0;
	x->out_failed = 0;
	x->paced = 0;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);
}

/* Fail with errno e, saying whether the output side (the write) failed. */
static int failed(struct fx_xfer *x, int on_output, int e)
{
	x->out_failed = on_output;
	errno = e;
	return -1;
}

/*
 * How many bytes to ask for next: a chunk, but never more than one byte
 * past x->max, so a stream that is too long shows after the fewest bytes.
 */
static size_t want(const struct fx_xfer *x, uint64_t got)
{
	if (x->max == 0 || x->max - got >= x->chunk)
		return x->chunk;
	/* Exactly: never a byte of what follows. */
	if (x->exact)
		return (size_t)(x->max - got);
	return got > x->max ? 1 : (size_t)(x->max - got) + 1;
}

/* x->exact: has the stream's announced part all arrived? */
static int all_in(const struct fx_xfer *x)
{
	return x->exact && x->bytes >= x->max;
}

/*
 * Hash n bytes just moved from buf: handed to the hashing thread q when
 * there is one (in file mode it reads them back from the file), else added
 * to x->sha here.  Returns 0, or -1 with errno when q failed to read.
 */
static int hash_moved(struct fx_xfer *x, struct fx_hashq *q, const char *buf, size_t n)
{
	if (q != NULL)
		return fx_hashq_add(q, n);
	if (x->sha != NULL)
		fx_sha256_update(x->sha, buf, n);
	return 0;
}

/* Would n more bytes after got pass the limit? */
static int too_long(const struct fx_xfer *x, uint64_t got, size_t n)
{
	return x->max != 0 && got + n > x->max;
}

int fx_sha256_file(int fd, uint64_t off, uint64_t len, struct fx_sha256 *ctx)
{
	/* Small enough to stay in the CPU's cache. */
	unsigned char buf[64 * 1024];

	while (len > 0) {
		ssize_t r = pread(fd, buf, len < sizeof(buf) ? (size_t)len : sizeof(buf), (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		fx_sha256_update(ctx, buf, (size_t)r);
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	return 0;
}

static int is_regular(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Before reading a producer (a pipe, a terminal) whose bytes go to the
 * connection sock: wait for its bytes or its end, however long it is silent
 * (the timeout watches the network, not the producer), but not once the
 * connection is gone (a reset: the client gave up).  Returns 0 when there
 * is something to read, 1 when the connection is gone, -1 when poll failed;
 * errno is set with both.
 */
static int wait_producer(int in, int sock)
{
	struct pollfd p[2] = { { in, POLLIN, 0 }, { sock, 0, 0 } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		/* POLLHUP: both ways shut, which only a reset does here. */
		if (p[1].revents & (POLLERR | POLLHUP)) {
			if (fx_conn_check(sock) == 0)
				errno = ECONNRESET;
			return 1;
		}
		if (p[0].revents != 0)
			return 0;
	}
}

/*
 * Move one piece from in to out: read what is there (up to cap, and never
 * past x->max by more than a byte), write it all, hash (see hash_moved) and
 * count it.  With watch, the connection the bytes go to, a producer's
 * silence is waited out only while that connection lasts.  Returns the
 * bytes moved, 0 at the end of in, or -1 (failed() says which side).
 */
static ssize_t copy_piece(int in, int out, int watch, char *buf, size_t cap,
                          struct fx_xfer *x, struct fx_hashq *q)
{
	size_t ask = want(x, x->bytes);
	ssize_t n;
	int r;

	if (all_in(x))
		return 0;
	for (;;) {
		if (watch >= 0 && (r = wait_producer(in, watch)) != 0)
			return failed(x, r > 0, errno);
		n = read(in, buf, ask < cap ? ask : cap);
		if (n >= 0)
			break;
		if (errno == EINTR || ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		                       (watch >= 0 || fx_wait_readable(in) == 0)))
			continue;
		fx_timed_out();
		return failed(x, 0, errno);
	}
	if (n == 0)
		return 0;
	if (too_long(x, x->bytes, (size_t)n))
		return failed(x, 0, EMSGSIZE);
	if (fx_write_full(out, buf, (size_t)n) < 0)
		return failed(x, 1, errno);
	/* Only a file the thread reads back can fail it; say which side that is. */
	if (hash_moved(x, q, buf, (size_t)n) < 0)
		return failed(x, fx_hashq_file(q) == out, errno);
	moved(x, (size_t)n);
	return n;
}

/*
 * The portable path: move what is there (up to a chunk) until EOF.  One
 * read, not a full chunk, so a slow pipe's data goes out at once.  With a
 * hashing thread in ring mode, each piece is read into its next buffer.
 */
static int copy_loop(int in, int out, int watch, struct fx_xfer *x, struct fx_hashq *q)
{
	char *own = NULL, *buf;
	size_t cap = x->chunk;
	ssize_t n;

	do {
		if (q == NULL || (buf = fx_hashq_slot(q, &cap)) == NULL) {
			if (own == NULL && (own = malloc(x->chunk)) == NULL)
				return failed(x, 0, ENOMEM);
			buf = own;
		}
		n = copy_piece(in, out, watch, buf, cap, x, q);
	} while (n > 0);
	free(own);
	return n < 0 ? -1 : 0;
}

#ifdef FX_FASTPATH
/* Can the bytes written to fd be read back from it (to hash them)? */
static int readable(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	return flags >= 0 && (flags & O_ACCMODE) != O_WRONLY;
}

/*
 * Hash the n bytes of the file fd at off that were just sent from it or
 * written to it: the thread q reads them back itself, or they are read back
 * here.  Returns 0, or -1 with errno when reading them back failed.
 */
static int hash_range(struct fx_xfer *x, struct fx_hashq *q, int fd, off_t off, size_t n)
{
	if (q != NULL)
		return fx_hashq_add(q, n);
	if (x->sha != NULL)
		return fx_sha256_file(fd, (uint64_t)off, (uint64_t)n, x->sha);
	return 0;
}

/* Does this errno say the fast call is not supported for these files? */
static int unsupported(int e)
{
	return e == EINVAL || e == ENOSYS;
}

/*
 * sendfile(2) from the file's current offset until EOF.  Returns 0 at EOF,
 * -1 on error, 1 when sendfile cannot be used here (nothing sent yet).  The
 * bytes sent are hashed as read back from the file: by the thread q, or
 * here without one.
 */
static int send_file_fast(int sock, int fd, struct fx_xfer *x, struct fx_hashq *q)
{
	off_t off = x->sha != NULL ? lseek(fd, 0, SEEK_CUR) : 0;

	if (off < 0)
		return failed(x, 0, errno);
	for (;;) {
		ssize_t n = sendfile(sock, fd, NULL, x->chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && fx_wait_writable(sock) == 0)
				continue;
			if (x->bytes == 0 && unsupported(errno))
				return 1;
			fx_timed_out();
			/* EIO is the file's; the rest (reset, timeout) the socket's. */
			return failed(x, errno != EIO, errno);
		}
		if (n == 0)
			return 0;
		if (hash_range(x, q, fd, off, (size_t)n) < 0)
			return failed(x, 0, errno);
		off += n;
		moved(x, (size_t)n);
	}
}

#ifdef FX_WRITEBACK_BOUND
/*
 * Writeback starts window by window, with at most WB_LAG windows in flight.
 * Measured here, 4 GiB to ext4: 16 MiB and 4 (64 MiB in flight) as fast as
 * anything tried (4 MiB x 4, 16 MiB x 2 or 8, 32 MiB x 8), and faster than
 * no bounding (dirty-page throttling); waiting on the last window alone was
 * two to four times slower.
 */
#define WB_WINDOW ((off_t)16 * 1024 * 1024)
#define WB_LAG 4

/*
 * May the bounding run on fd?  Asked before any byte is written, so that
 * "not supported here" (no such call, or a file system or file without the
 * operation) is the only answer that switches it off.  Returns 1 (run it),
 * 0 (not here) or -1 with errno (the file is failing already).
 */
static int writeback_probe(int fd, off_t at)
{
	if (sync_file_range(fd, at, 0, SYNC_FILE_RANGE_WRITE) == 0)
		return 1;
	if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == ESPIPE)
		return 0;
	return -1;
}

/*
 * Keep the receiver's unwritten pages few, so the final fsync (and with it
 * the acknowledgement) does not wait for gigabytes piled up in memory: once
 * a window of the file is written, start its writeback, and wait for the
 * one WB_LAG windows before it (waiting for the last one would stall on
 * each write's latency).  *done is where the windows not yet started begin,
 * end where the data written so far ends.
 *
 * Every error here fails the transfer, whatever its code.  The wait reports
 * the file's writeback error once per open file and marks it seen (errseq):
 * an error forgiven here is one the final fsync will not report, and a file
 * with a hole would be committed and acknowledged.  Only the probe made
 * before the first byte may find the bounding unsupported.
 */
static int bound_writeback(int fd, off_t *done, off_t end)
{
	const unsigned wait = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
	                      SYNC_FILE_RANGE_WAIT_AFTER;
	const off_t lag = WB_LAG * WB_WINDOW;

	while (end - *done >= WB_WINDOW) {
		if (sync_file_range(fd, *done, WB_WINDOW, SYNC_FILE_RANGE_WRITE) < 0)
			return -1;
		if (*done >= lag && sync_file_range(fd, *done - lag, WB_WINDOW, wait) < 0)
			return -1;
		*done += WB_WINDOW;
	}
	return 0;
}
#endif

/* Move n bytes waiting in the pipe p to fd. */
static int drain_pipe(int p, int fd, size_t n, struct fx_xfer *x)
{
	while (n > 0) {
		ssize_t m = splice(p, NULL, fd, NULL, n, SPLICE_F_MOVE);
		if (m < 0) {
			if (errno == EINTR)
				continue;
			return failed(x, 1, errno);
		}
		if (m == 0)
			return failed(x, 1, EIO);
		n -= (size_t)m;
		moved(x, (size_t)m);
	}
	return 0;
}

/*
 * After splice read nothing: read once.  Returns 0 at the end of the stream,
 * 1 when bytes came (written to fd at *off, hashed, counted), -1 on error.
 */
static int read_past_mark(int sock, int fd, off_t *off, struct fx_xfer *x,
                          struct fx_hashq *q)
{
	char buf[4096];
	ssize_t n = copy_piece(sock, fd, -1, buf, sizeof(buf), x, q);

	if (n > 0)
		*off += n;
	return n < 0 ? -1 : n > 0;
}

/*
 * splice(2) socket -> pipe -> fd until EOF on the socket.  Returns 0 at EOF,
 * -1 on error, 1 when fd does not take splice: then what was already in the
 * pipe has been written to fd the portable way, and the caller goes on so.
 */
static int recv_file_fast(int sock, int fd, struct fx_xfer *x, struct fx_hashq *q)
{
	size_t chunk = x->chunk;
	int p[2], r = -1;
	off_t off = lseek(fd, 0, SEEK_CUR);   /* where the next bytes land */
#ifdef FX_WRITEBACK_BOUND
	off_t wb_done = off;
	int wb_on = 0;
#endif

	if (off < 0)
		return failed(x, 1, errno);
#ifdef FX_WRITEBACK_BOUND
	if ((wb_on = writeback_probe(fd, off)) < 0)
		return failed(x, 1, errno);
#endif
	if (pipe(p) < 0)
		return failed(x, 1, errno);
	(void)fx_cloexec(p[0]);
	(void)fx_cloexec(p[1]);
	/* A pipe as big as a chunk moves a chunk per call (capped by the system). */
	(void)fcntl(p[1], F_SETPIPE_SZ, chunk < 4096 ? 4096 : (int)chunk);
	for (;;) {
		if (all_in(x)) {
			r = 0;
			break;
		}
		ssize_t n = splice(sock, NULL, p[1], NULL, want(x, x->bytes), SPLICE_F_MOVE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fx_timed_out();
			failed(x, 0, errno);
			break;
		}
		if (n == 0) {
			/* splice also stops at a byte marked urgent, with 0: only a
			 * read can tell that from the end of the stream, and takes
			 * the stream on past the mark. */
			if ((r = read_past_mark(sock, fd, &off, x, q)) != 1)
				break;
			r = -1;
			continue;
		}
		if (too_long(x, x->bytes, (size_t)n)) {
			failed(x, 0, EMSGSIZE);
			break;
		}
		if (drain_pipe(p[0], fd, (size_t)n, x) == 0) {
			if (hash_range(x, q, fd, off, (size_t)n) < 0) {
				failed(x, 1, errno);
				break;
			}
			off += n;
#ifdef FX_WRITEBACK_BOUND
			if (wb_on && bound_writeback(fd, &wb_done, off) < 0) {
				failed(x, 1, errno);
				break;
			}
#endif
			continue;
		}
		if (x->bytes == 0 && unsupported(errno)) {
			close(p[1]);
			p[1] = -1;
			r = copy_loop(p[0], fd, -1, x, q) == 0 ? 1 : -1;
		}
		break;
	}
	int e = errno;
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	errno = e;
	return r;
}
#endif /* FX_FASTPATH */

/*
 * May a thread of its own hash beside the copy on sock?  Only with a core to
 * run on: at both ends of a connection within this machine, with fewer than
 * four CPUs, the two copies and two hashes already keep every core busy, and
 * a thread per side only adds switching between them (on two cores a
 * verified 1 GiB loopback transfer took about 10% longer with it).
 */
static int core_to_spare(int sock)
{
#ifdef _SC_NPROCESSORS_ONLN
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus >= 4)
		return 1;
	if (cpus == 1)
		return 0;
#endif
	return !fx_peer_is_local(sock);
}

/*
 * With x->sha, a hashing thread, so the hash runs beside the copy instead of
 * taking turns with it: following the file fd on the fast paths, the copy's
 * buffers (fd -1) on the portable one.  NULL without x->sha, when
 * x->hash_thread says inline (see FX_HASH_AUTO), or when no thread can be
 * had: the copy then hashes as it goes.
 */
static struct fx_hashq *start_hashing(struct fx_xfer *x, int sock, int fd)
{
	if (x->sha == NULL || x->hash_thread == FX_HASH_INLINE ||
	    (x->hash_thread != FX_HASH_THREAD && !core_to_spare(sock)))
		return NULL;
	return fx_hashq_start(x->sha, fd, x->chunk);
}

/*
 * End the hashing of a transfer whose result is r: after its last byte when
 * r is 0, at once when it failed.  A failed read-back of the file is blamed
 * on file_side (failed()'s on_output).  Returns r, or -1 then.
 */
static int end_hashing(struct fx_xfer *x, struct fx_hashq *q, int r, int file_side)
{
	int e = errno;

	if (q == NULL)
		return r;
	if (fx_hashq_end(q, r == 0) < 0 && r == 0)
		return failed(x, file_side, errno);
	errno = e;
	return r;
}

static int send_stream(int sock, int fd, struct fx_xfer *x, struct fx_hashq *q)
{
#ifdef FX_FASTPATH
	if (is_regular(fd)) {
		int r = send_file_fast(sock, fd, x, q);
		if (r <= 0)
			return r;
	}
#endif
	return copy_loop(fd, sock, is_regular(fd) ? -1 : sock, x, q);
}

int fx_send_stream(int sock, int fd, struct fx_xfer *x)
{
	int flags = fcntl(sock, F_GETFL), r;
	struct fx_hashq *q;

	begin(x);
#if defined(FX_FASTPATH) && defined(SO_MAX_PACING_RATE)
	/* The kernel spreads the packets out: no bursts, no waits here. */
	if (x->rate > 0) {
		unsigned rate = x->rate > UINT_MAX ? UINT_MAX : (unsigned)x->rate;
		/* What is counted as sent runs ahead of the wire by what the
		 * socket holds: a buffer of an eighth of a second (the kernel
		 * doubles what is asked) keeps the count near the paced rate. */
		int buf = rate / 16 > 16384 ? (int)(rate / 16 > INT_MAX ? INT_MAX : rate / 16) : 16384;
		x->paced = setsockopt(sock, SOL_SOCKET, SO_MAX_PACING_RATE, &rate, sizeof(rate)) == 0;
		if (x->paced)
			(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	}
#endif
	/*
	 * A blocking send that moved some bytes, then waited out its timeout,
	 * returns short, and the next waits the whole timeout again.  Not
	 * blocking, the waits are ours (fx_wait_writable): never longer than
	 * the timeout without a byte moving.
	 */
	if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0)
		return failed(x, 1, errno);
#ifdef FX_FASTPATH
	q = start_hashing(x, sock, is_regular(fd) ? fd : -1);
#else
	q = start_hashing(x, sock, -1);
#endif
	r = end_hashing(x, q, send_stream(sock, fd, x, q), 0);
	int e = errno;
	(void)fcntl(sock, F_SETFL, flags);
	errno = e;
	return r;
}

int fx_recv_stream(int sock, int fd, struct fx_xfer *x)
{
	struct fx_hashq *q;
	int r = 1;

	begin(x);
#ifdef FX_FASTPATH
	if (is_regular(fd) && (x->sha == NULL || readable(fd))) {
		q = start_hashing(x, sock, fd);
		r = recv_file_fast(sock, fd, x, q);
	} else {
		q = start_hashing(x, sock, -1);
	}
#else
	q = start_hashing(x, sock, -1);
#endif
	if (r > 0)
		r = copy_loop(sock, fd, -1, x, q);
	return end_hashing(x, q, r, 1);
}
