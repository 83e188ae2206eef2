/*
 * fxfer: the socket and I/O helpers shared by fsend and frecv.
 *
 * Nothing here prints or exits.  Functions return a value, or -1 with errno
 * set (errno is preserved across any cleanup they do).  Name resolution errors
 * are getaddrinfo() codes, not errno values, and come back through *gai_err.
 */
#ifndef FXFER_H
#define FXFER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* Chunk size: default and the bounds that -c enforces. */
#define FX_CHUNK_DEFAULT ((size_t)1024 * 1024)
#define FX_CHUNK_MIN ((size_t)1)
#define FX_CHUNK_MAX ((size_t)16 * 1024 * 1024)

/* The acknowledgement frecv sends: "thank you" and its NUL, 10 bytes. */
#define FX_ACK "thank you"
#define FX_ACK_LEN ((size_t)10)
/* What frecv --sha256 sends after them: "sha256 ", 64 hex digits, a newline. */
#define FX_ACK_SHA256 "sha256 "
/* fsend never reads more than this many bytes of acknowledgement. */
#define FX_ACK_MAX ((size_t)128)

/* ---- Full reads and writes ------------------------------------------- */

/*
 * On a socket with a timeout (fx_set_timeout), a call that waited that long
 * without moving a byte fails with errno ETIMEDOUT, in every function below.
 */

/*
 * Write all len bytes of buf to fd, retrying short writes and EINTR.  On a
 * non-blocking fd, wait (poll) for room whenever it is full, for at most a
 * socket's send timeout each time.  Returns len, or -1 with errno set.  A
 * write that returns 0 is an error (errno ENOSPC), so this can never loop
 * forever.
 */
ssize_t fx_write_full(int fd, const void *buf, size_t len);

/*
 * Read from fd until len bytes are in buf or EOF, retrying EINTR.  On a
 * non-blocking fd, wait (poll) for bytes whenever there are none, for at
 * most a socket's receive timeout each time.
 * Returns the number of bytes read: len, or fewer only at EOF (0 at once).
 * Returns -1 with errno set on error; bytes read before it are lost.
 */
ssize_t fx_read_full(int fd, void *buf, size_t len);

/*
 * Read from fd until a NUL or newline byte has arrived, EOF, or len bytes,
 * retrying EINTR.  Returns the byte count, or -1 with errno set.  Meant for
 * short messages such as the acknowledgement: the terminator ends the wait
 * even when the peer keeps its end open.  The count includes any bytes that
 * came after the terminator in the same read (the caller judges them).
 */
ssize_t fx_read_line(int fd, char *buf, size_t len);

/*
 * fx_read_line for a caller that has blocked the signals meant to stop it:
 * each wait for bytes happens in pselect(2) under wait_mask (the caller's
 * mask without those signals), for at most timeout seconds each (0: no
 * limit; else ETIMEDOUT), and each read only once bytes are there.  So a
 * stop signal can end a wait but never cut a read: a line that was read is
 * returned whole.  fd must be below FD_SETSIZE (else EBADF).
 */
ssize_t fx_read_line_masked(int fd, char *buf, size_t len, unsigned timeout,
                            const sigset_t *wait_mask);

/*
 * Read one line from the socket sock: up to and including its first
 * newline, and never a byte past it (what follows stays in the socket for
 * the next read: a line followed by data), or until EOF or len bytes,
 * retrying EINTR.  The whole line must come within timeout seconds (0: no
 * limit), however slowly its bytes trickle in; else ETIMEDOUT.  Returns
 * the byte count, or -1 with errno set: ETIMEDOUT when no byte came, ETIME
 * when some did but not the whole line (it came too slowly).
 */
ssize_t fx_recv_line(int sock, char *buf, size_t len, unsigned timeout);

/* ---- Bulk transfer ---------------------------------------------------- */

struct fx_sha256;

/* Called after each chunk with the bytes moved so far (for a progress meter). */
typedef void fx_progress_fn(void *arg, uint64_t bytes);

/* One transfer's settings and its running count. */
struct fx_xfer {
	size_t chunk;              /* at most this many bytes per call */
	uint64_t bytes;            /* moved so far, valid also after an error */
	fx_progress_fn *progress;  /* NULL for none */
	void *arg;                 /* passed to progress */
	uint64_t max;              /* fx_recv_stream: the longest stream taken; 0: no limit */
	int exact;                 /* fx_recv_stream with max: take exactly max bytes and
	                              stop, what follows staying in the socket */
	int out_failed;            /* after an error: 1 if writing the output failed,
	                              0 if reading the input did */
	struct fx_sha256 *sha;     /* NULL, or a digest that every byte moved is
	                              added to (see fx_sha256_init) */
	int hash_thread;           /* with sha, where the hash runs: FX_HASH_AUTO */
	uint64_t rate;             /* at most this many bytes a second, on average
	                              since the start (0: no limit); see below */
	struct timespec t0;        /* private: when the transfer started */
	int paced;                 /* private: the kernel paces the socket */
};

/*
 * Where a transfer's hash runs.  FX_HASH_THREAD: in a thread of its own
 * beside the copy, a bounded distance behind it (the copy waits only when
 * the hash falls further behind, and at the end).  FX_HASH_INLINE: in the
 * copying thread, in turns with the copy.  FX_HASH_AUTO (0): in a thread
 * when there is a core to spare for it: four CPUs or more, or a peer that is
 * not on this machine (at both ends of a loopback connection on fewer cores
 * the two copies and two hashes keep every core busy already).  A thread
 * that cannot be had (a process limit) means inline.
 */
#define FX_HASH_AUTO 0
#define FX_HASH_THREAD 1
#define FX_HASH_INLINE 2

/*
 * With x->rate, a transfer moves at most that many bytes a second: the copy
 * waits after each chunk until the bytes moved are no more than the rate
 * allows for the time since the start (x->chunk is cut to a sixteenth of
 * the rate, or 4096 bytes, where it is larger, so no burst runs ahead), and
 * the sender's socket is also paced by the kernel where it can be (Linux:
 * SO_MAX_PACING_RATE), so that its packets go evenly, not in bursts.
 */

/*
 * Send everything readable from fd (a file, or a pipe) to the socket sock,
 * until EOF.  On Linux a regular file goes through sendfile(2), x->chunk
 * bytes per call; anything else, or a build with FX_PORTABLE, through a
 * read/write loop with one chunk-sized buffer, which writes whatever each
 * read returned at once (a slow pipe's data is not held back to fill a
 * chunk).  With x->sha, exactly the bytes sent are hashed too (on the fast
 * path read back from the page cache, so a file changed while it is sent
 * shows as a digest the receiver does not match).  Returns 0, or -1 with
 * errno and x->out_failed set (1: the socket failed, 0: reading fd did).
 */
int fx_send_stream(int sock, int fd, struct fx_xfer *x);

/*
 * Receive from sock until EOF and write it all to fd, at most x->chunk bytes
 * per call.  On Linux splice(2) moves the data through a pipe without copying
 * it to user space when fd is a regular file; otherwise (or with FX_PORTABLE)
 * a read/write loop.  x->bytes counts the bytes written to fd.  With x->max
 * set, a stream longer than x->max bytes fails with EMSGSIZE as soon as the
 * excess arrives (what was written stays written: the caller discards it).
 * With x->exact too, it stops once x->max bytes have arrived, reading no
 * byte past them (an end of the stream before them is no error: x->bytes
 * says how many came).  With x->sha, exactly the bytes written are hashed
 * too (on the fast path read back from fd, which must then be open for
 * reading too; a write-only fd takes the portable path).  Built with FX_WRITEBACK_BOUND, the writeback
 * of a regular fd is started as it fills and waited for some way behind; any
 * error it reports fails the call (a writeback error is reported only once:
 * the final fsync would not see it again).  Returns 0, or -1 with errno and
 * x->out_failed set (1: writing fd failed, 0: the socket did, or the stream
 * was too long).
 */
int fx_recv_stream(int sock, int fd, struct fx_xfer *x);

/* ---- Sockets ----------------------------------------------------------- */

/*
 * Listen for TCP on port.  With addr NULL, listen on every address: one IPv6
 * socket that also takes IPv4 where the system allows, else IPv4 only.
 * With addr set, bind the first of its addresses that works.
 * Returns the listening socket (close-on-exec), or -1: then either *gai_err is
 * a getaddrinfo() code, or *gai_err is 0 and errno is set.
 */
int fx_tcp_listen(const char *addr, const char *port, int *gai_err);

/*
 * Connect to host:port, trying each address in turn, giving each at most
 * timeout seconds (0: no limit but the system's).  Returns a blocking socket
 * (close-on-exec; a byte the peer marks urgent stays in the stream, in its
 * place: SO_OOBINLINE), or -1: *gai_err is a getaddrinfo() code, or 0 with errno
 * set from the last address tried (ETIMEDOUT when it did not answer).
 */
int fx_tcp_connect(const char *host, const char *port, unsigned timeout,
                   int *gai_err);

/*
 * Let no send or receive on the socket wait more than seconds without moving
 * a byte (0: wait forever), and (Linux: TCP_USER_TIMEOUT) end the connection
 * with ETIMEDOUT when bytes sent stay unacknowledged that long, even while
 * no call waits on it.  Returns 0, or -1 with errno set.
 */
int fx_set_timeout(int fd, unsigned seconds);

/*
 * Probe a connected socket's peer while it is silent (TCP keepalive): the
 * first probe after seconds / 2, then one every seconds / 8; a peer whose
 * machine no longer answers them ends the connection (ETIMEDOUT) in about
 * seconds.  0 turns the probes off.  Returns 0, or -1 with errno set.
 */
int fx_set_keepalive(int fd, unsigned seconds);

/* Is fd a listening stream socket (one a service manager passed)? 1 or 0. */
int fx_is_listener(int fd);

/* Is fd a connected stream socket (inetd's standard input)? 1 or 0. */
int fx_is_connection(int fd);

/* accept(2) retrying EINTR; the new socket is blocking, close-on-exec, and
 * keeps urgent bytes in the stream (SO_OOBINLINE).  Returns it, or -1 with
 * errno (EAGAIN: none waiting on a non-blocking lfd). */
int fx_accept(int lfd);

/* fx_accept, and the peer's address formatted as fx_peer_name does into
 * peer[0..len), taken from accept(2) itself: it is known even for a
 * connection reset while it waited in the backlog, when getpeername(2) fails.
 * peer is "" when the address cannot be formatted. */
int fx_accept_peer(int lfd, char *peer, size_t len);

/*
 * Format the local (fx_sock_name) or peer (fx_peer_name) address of a socket
 * as "1.2.3.4:80" or "[::1]:80" into buf.  Returns 0, or -1 with errno set.
 */
int fx_sock_name(int fd, char *buf, size_t len);
int fx_peer_name(int fd, char *buf, size_t len);

/*
 * Make the last close(2) of a connected socket, or the death of the last
 * process holding it (even by SIGKILL), reset the connection instead of
 * ending the stream cleanly, so the peer cannot take a partial transfer for
 * a complete one.  fx_clear_reset_on_close restores the clean close.
 * Both return 0, or -1 with errno set.
 */
int fx_set_reset_on_close(int fd);
int fx_clear_reset_on_close(int fd);

/* Are bytes from the peer waiting to be read on a connected socket?  1 or 0;
 * never blocks, reads nothing. */
int fx_pending_input(int fd);

/*
 * Has a connected socket's peer reset the connection (or has it failed
 * otherwise)?  Never blocks and reads no data; a pending error is taken
 * (SO_ERROR).  Returns 0 when none (an end of stream is not an error), or
 * -1 with errno set to the connection's error (ECONNRESET, EPIPE: a reset
 * after the peer's end of stream, ETIMEDOUT, ...).
 */
int fx_conn_check(int fd);

/* ---- Atomic output file ------------------------------------------------ */

/*
 * An output file.  A regular file (or a new one) is written to a temporary
 * file beside it, which replaces it only at commit: on Linux an unnamed one
 * (O_TMPFILE), which vanishes with the process however it dies; a named
 * ".NAME.XXXXXX" elsewhere, with FX_PORTABLE, or where the file system
 * refuses O_TMPFILE.  The target's directory is held open from the start and
 * every later step is taken in it, so swapping a directory on the path
 * cannot redirect them.  A device or FIFO is written directly.
 */
struct fx_outfile {
	int fd;            /* where the data goes, -1 when none */
	int dirfd;         /* the target's directory, held; -1: looked up by path */
	int dir_synced;    /* 1: dirfd can be fsynced (else a drop box, mode 0333) */
	int direct;        /* 1: fd is the target itself (device, FIFO, stdout) */
	int placed;        /* 1 once the target has been replaced */
	mode_t mode;       /* the mode a new file gets (umask applied) */
	char *path;        /* the target, symbolic links resolved */
	const char *name;  /* the target relative to dirfd (or the cwd) */
	char *tmp;         /* the named temporary file; NULL when none or unnamed */
	const char *tmpname; /* the same, relative to dirfd (or the cwd) */
	struct stat found; /* the target as it was at the start (st_ino 0: none) */
	int foundfd;       /* that file, held open so its inode number cannot be
	                    * reused by a file made meanwhile; -1 when none */
	const char *why;   /* after a refusal whose errno alone would not say
	                    * why (EPERM, EBUSY), the reason in words; else NULL */
	int why_part;      /* 1: why is about the .part file, not the target */
	int keep;          /* 1: tmp is the .part file (fx_out_open_part) */
	int leased;        /* 1: the .part file is leased (fx_out_lease) */
	uint64_t length;   /* .part file: the bytes it must hold at the commit
	                    * (the caller sets it once they are written) */
};

/*
 * Open an output for path.  Symbolic links are followed, as cp(1) and a
 * shell's ">" do: the file they point to is replaced.  Refused before
 * anything is created, with errno:
 *   EISDIR  path is a directory;
 *   ENOENT  its directory is missing, or path is a dangling symbolic link;
 *   EACCES  path is a regular file the caller may not write, or a file,
 *           FIFO or symbolic link planted in a sticky world-writable
 *           directory by someone other than the caller and the directory's
 *           owner (as the kernel's protected_regular, protected_fifos and
 *           protected_symlinks rules do);
 *   EPERM   replacing it would fail: a sticky directory, and neither the
 *           file nor the directory belongs to the caller; on Linux also an
 *           immutable directory or target, an append-only target, an
 *           append-only directory when the target exists (or the file
 *           system has no unnamed temporary files): out->why says which;
 *   EBUSY   (Linux) the target is a mount point: out->why says so;
 *   ENXIO   path is a FIFO with no reader (the open does not wait: the
 *           caller decides how long to retry).
 * A device or FIFO is opened for writing.  Otherwise the temporary file is
 * created with mode 0600 (private while it fills); fx_out_sync gives it its
 * final mode, where a new file gets mode & ~umask.  Returns 0, or -1 with
 * errno set and nothing created.
 */
int fx_out_open(struct fx_outfile *out, const char *path, mode_t mode);

/*
 * fx_out_open for a transfer that can be resumed: the data goes to
 * "PATH.part" beside the target instead of a temporary file, made (mode
 * 0600) if missing and kept as it is if there: fd is open on it for reading
 * and writing, at offset 0.  It is locked (flock(2)) while out holds it, so
 * a second one fails with EBUSY.  The target is checked and replaced as by
 * fx_out_open.  Refused besides, with out->why saying why (and
 * out->why_part set when it is about the .part file): EEXIST when the .part
 * file is a symbolic link or no regular file, EACCES when it belongs to
 * another user (the target would be theirs) or has other hard links, EPERM
 * when it is append-only or immutable, or the directory append-only,
 * ENAMETOOLONG when the name with ".part" added would be too long.  A device
 * or FIFO target is opened as by fx_out_open (no .part: out->keep stays 0).
 * fx_out_abort then keeps the .part file, fsynced (its directory too),
 * unless it is empty.
 *
 * The commit of a .part file (fx_out_commit) first checks that it is still
 * the caller's alone: out->length bytes long, with no other name, still at
 * its own, and (where fx_out_lease got a lease) opened or truncated by no
 * other process meanwhile; else it fails with EBUSY, out->why saying what
 * happened, and keeps the file.  After the rename the target must be that
 * file, and (leased) no other process must have opened it meanwhile: else
 * EBUSY, out->placed set, out->why saying which.  Returns 0, or -1 with
 * errno.
 */
int fx_out_open_part(struct fx_outfile *out, const char *path, mode_t mode);

/*
 * Linux: lease the .part file (F_SETLEASE, F_WRLCK), so that the commit
 * knows whether another process opened or truncated it since.  Such an open
 * makes the kernel send the caller SIGIO with si_code POLL_MSG, and waits
 * until the lease is given up (fcntl(fd, F_SETLEASE, F_UNLCK), which a
 * handler may do) or for /proc/sys/fs/lease-break-time: the caller must
 * catch SIGIO first.  Returns 0 (out->leased says whether the file system
 * granted it; without a lease the other checks remain), or -1 with errno:
 * EBUSY when another process has the file open (out->why says so).
 * Elsewhere, or for a target without .part file, 0 and nothing done.
 */
int fx_out_lease(struct fx_outfile *out);

/*
 * The checks the commit of a .part file makes first (fx_out_open_part), made
 * now: 0 when it is still the caller's alone, else -1 with errno EBUSY and
 * out->why saying what happened.  For any other output, 0.
 */
int fx_out_check(struct fx_outfile *out);

/* Give up the lease on the .part file open as fd, so that the process that
 * broke it goes on at once.  Async-signal-safe (for the SIGIO handler);
 * keeps errno. */
void fx_out_unlease(int fd);

/* Use the open descriptor fd (standard output) as the output, as it is. */
void fx_out_use_fd(struct fx_outfile *out, int fd);

/*
 * Make the data durable before it is put in place: give the temporary file
 * its final mode, then fsync it.  The final mode is that of the regular file
 * found at the target at the start: its permission bits (without set-id
 * bits), and its owner and group too when run as root, as they are now
 * (the file is held open since, even if removed or replaced meanwhile;
 * where it could not be held, as they were at the start).  A file that took
 * its place lends nothing.  With no file at the start, that of a new file.
 * A file system that keeps no modes or owners (FAT) refusing them is no
 * error: the file keeps the private mode it was made with.  A file planted
 * at the target since the start in a sticky world-writable directory is
 * refused now (EACCES), as at the start.  Any error of the fsync, or of the
 * flush a close would do (NFS and FUSE report failed writes there), fails,
 * whatever its code.  For a direct output, fsync where the file supports it.
 * May take long; changes nothing visible.  Returns 0, or -1 with errno set.
 */
int fx_out_sync(struct fx_outfile *out);

/*
 * Put the synced file in place by rename(2) (an unnamed file with no target
 * yet: by one link(2)), then make that durable: fsync of the directory, or
 * where the directory could not be opened for reading (a drop box, mode
 * 0333), syncfs(2) on Linux and sync(2) elsewhere.  Short: meant to run with
 * signals blocked.  Returns 0 when the file is durably in place.  On -1
 * (errno set) out->placed tells whether the target was already replaced
 * (only the final sync failed) or is untouched (nothing is left behind).  A
 * direct output is closed.  Either way out is released.
 */
int fx_out_commit(struct fx_outfile *out);

/*
 * Like fx_out_commit, but never replace an existing file: if the target
 * exists, fail with EEXIST (the check and the link are one atomic step).
 */
int fx_out_commit_new(struct fx_outfile *out);

/* Drop the output: remove the temporary file, if any (a .part file is kept,
 * see fx_out_open_part), and release out.  Keeps errno. */
void fx_out_abort(struct fx_outfile *out);

/*
 * Keep the .part file open for another try: make what it holds durable (the
 * file, and the directory that names it), and forget why anything was
 * refused.  Before the next try, fx_out_lease takes the lease again and
 * fx_out_check (out->length set to what the file now holds) proves it is
 * still at its name, alone.  Returns 0, or -1 with errno set (not a .part
 * file: EINVAL).
 */
int fx_out_keep(struct fx_outfile *out);

/* ---- Parsing and checking ---------------------------------------------- */

/*
 * Parse a TCP port: decimal digits only, 0 to 65535.  Returns 0, or -1 with
 * errno EINVAL (not a number, junk) or ERANGE (too large).
 */
int fx_parse_port(const char *s, unsigned *port);

/*
 * Parse a size: decimal digits with an optional K, M, G or T suffix (binary:
 * K is 1024; either case), within [min, max].  Returns 0, or -1 with errno
 * EINVAL (not a size) or ERANGE (out of range).
 */
int fx_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *size);

/*
 * Copy len bytes of untrusted src into dst as printable text: printable ASCII
 * stays, backslash becomes "\\", newline, CR, tab and NUL become "\n", "\r",
 * "\t", "\0", anything else "\xHH".  Always NUL-terminates (if size > 0), never
 * splits an escape.  Returns the length of the text written.
 */
size_t fx_escape(char *dst, size_t size, const void *src, size_t len);

/* ---- SHA-256 ------------------------------------------------------------ */

/*
 * SHA-256 (FIPS 180-4), streaming: fx_sha256_init, any number of
 * fx_sha256_update calls of any lengths, then fx_sha256_final.  The same bytes
 * give the same digest however they are split.  Uses the CPU's SHA
 * instructions where it has them (x86-64), chosen at run time; plain C
 * elsewhere.  Hashing cannot fail and allocates nothing.
 */
#define FX_SHA256_LEN ((size_t)32)      /* bytes in a digest */
#define FX_SHA256_HEX_LEN ((size_t)64)  /* its hex digits, without the NUL */

/* A digest in progress.  Its fields are private: only the functions below
 * touch them.  A plain value: copy it to fork the computation. */
struct fx_sha256 {
	uint32_t h[8];             /* the chaining value */
	uint64_t len;              /* bytes hashed so far */
	unsigned char buf[64];     /* the partial block: len % 64 bytes */
	int impl;                  /* which compression function */
};

/* Start a digest of no bytes. */
void fx_sha256_init(struct fx_sha256 *ctx);

/*
 * Hash len more bytes of buf (buf may be NULL when len is 0).  The count is
 * 64-bit, so inputs beyond 4 GiB are right, up to the 2^64 bits (2 EiB)
 * below which FIPS 180-4 defines SHA-256.
 */
void fx_sha256_update(struct fx_sha256 *ctx, const void *buf, size_t len);

/*
 * Write the digest of every byte given since fx_sha256_init to out.  The
 * context is then spent: fx_sha256_init it again before any other use.
 */
void fx_sha256_final(struct fx_sha256 *ctx, uint8_t out[FX_SHA256_LEN]);

/*
 * Format digest d as 64 lowercase hex digits and a NUL into out, as
 * sha256sum prints it.  Returns out.
 */
char *fx_sha256_hex(const uint8_t d[FX_SHA256_LEN], char out[FX_SHA256_HEX_LEN + 1]);

/*
 * Parse s, exactly 64 hex digits (either case, nothing before or after them,
 * not even a newline), into digest d.  Returns 0, or -1 with errno EINVAL and
 * d untouched.
 */
int fx_sha256_parse_hex(const char *s, uint8_t d[FX_SHA256_LEN]);

/*
 * Judge an acknowledgement, buf[0..len): "thank you", then optionally a
 * newline (or CR LF) and optionally a NUL; after the NUL optionally
 * FX_ACK_SHA256, 64 lowercase hex digits and a newline, as frecv --sha256
 * sends.  Reads no byte past buf[len - 1].
 * Returns 1 for an acknowledgement, with *has_digest 1 and the digest in
 * digest when it carried one (else *has_digest 0); 0 for anything else.
 */
int fx_ack_parse(const char *buf, size_t len, uint8_t digest[FX_SHA256_LEN],
                 int *has_digest);

/*
 * Add the len bytes of the file fd from offset off to the digest ctx, read
 * with pread(2) (fd's offset is not moved).  A file shorter than that is
 * EIO.  Returns 0, or -1 with errno set (ctx then holds part of them).
 */
int fx_sha256_file(int fd, uint64_t off, uint64_t len, struct fx_sha256 *ctx);

/* ---- HMAC and HKDF ----------------------------------------------------- */

/* HMAC-SHA256 (RFC 2104), streaming: init with the key, any number of
 * updates, final (which wipes h).  A key longer than 64 bytes is hashed
 * first, as the RFC says. */
struct fx_hmac {
	struct fx_sha256 inner, outer;
};
void fx_hmac_init(struct fx_hmac *h, const void *key, size_t len);
void fx_hmac_update(struct fx_hmac *h, const void *buf, size_t len);
void fx_hmac_final(struct fx_hmac *h, uint8_t out[FX_SHA256_LEN]);

/* The same in one call. */
void fx_hmac_sha256(const void *key, size_t klen, const void *msg, size_t len,
                    uint8_t out[FX_SHA256_LEN]);

/*
 * HKDF-SHA256 (RFC 5869): extract a pseudo-random key from ikm with salt
 * (none: 32 zero bytes), expand it with info into len bytes of out (at
 * most 255 * 32: else -1 with EINVAL), or both in one call.  Return 0.
 */
void fx_hkdf_extract(const void *salt, size_t slen, const void *ikm, size_t ilen,
                     uint8_t prk[FX_SHA256_LEN]);
int fx_hkdf_expand(const uint8_t prk[FX_SHA256_LEN], const void *info, size_t infolen,
                   uint8_t *out, size_t len);
int fx_hkdf_sha256(const void *salt, size_t slen, const void *ikm, size_t ilen,
                   const void *info, size_t infolen, uint8_t *out, size_t len);

/* Are a[0..n) and b[0..n) equal?  1 or 0, in a time that does not depend on
 * where they differ (for secrets: proofs, tags). */
int fx_equal_ct(const void *a, const void *b, size_t n);

/* Zero n bytes at p, in a way the compiler cannot leave out (a secret that
 * is no longer needed). */
void fx_wipe(void *p, size_t n);

/* ---- The shared key (--key) ---------------------------------------------- */

/*
 * A key is 32 random bytes, written as one line of base64 (44 characters,
 * the last "="), as wg genpsk prints one.  Both sides hold it; neither
 * ever sends it.  docs/protocol.md gives the exchange byte for byte:
 *
 *   client  "fxfer-key/1 nonce=HEX\n"                                (hello)
 *   server  "fxfer-key/1 nonce=HEX size=SIZE resume=R proof=HEX\n"  (reply)
 *   client  "fxfer-key/1 proof=HEX\n"
 *   (the resume lines, with R 1), the data: SIZE bytes, or from OFFSET on
 *   server  "fxfer-key/1 tag=HEX\n"
 *   client  "thank you\0fxfer-key/1 ack=HEX\n"                     (ack)
 *
 * HEX is 64 lowercase hex digits: a nonce (32 fresh random bytes), or an
 * HMAC-SHA256 under a key derived with HKDF from the shared key, salted
 * with both nonces, for one purpose and direction only ("fxfer-key/1
 * server proof", "client proof", "data tag", "ack tag").  A proof is of
 * the lines so far; a tag is of their digest, the file's size and the
 * SHA-256 of the whole file.  A line is at most FX_KEY_LINE_MAX bytes.
 */
#define FX_KEY_LEN ((size_t)32)
#define FX_KEY_TEXT_LEN ((size_t)44)
#define FX_KEY_LINE_MAX ((size_t)256)

/* n random bytes from the kernel (getrandom(2), else /dev/urandom).
 * Returns 0, or -1 with errno set. */
int fx_random(void *buf, size_t n);

/* The key as its line's text: 44 base64 characters and a NUL. */
void fx_key_encode(char out[FX_KEY_TEXT_LEN + 1], const uint8_t key[FX_KEY_LEN]);

/* Parse buf[0..len): exactly 44 base64 characters (standard alphabet, the
 * one canonical form of 32 bytes) and optionally a newline, nothing else.
 * Returns 0, or -1 with EINVAL and key untouched. */
int fx_key_decode(const char *buf, size_t len, uint8_t key[FX_KEY_LEN]);

/*
 * The lines' parsers, on buf[0..len), exactly one line with its newline
 * last (no NUL needed; nothing may follow it); they read no byte past
 * buf[len - 1].  A line of "fxfer-key/1 NAME=HEX\n" (hello: "nonce",
 * "proof", "tag"), the reply, or the acknowledgement ("thank you", its NUL,
 * "fxfer-key/1 ack=HEX\n").  Return 0, or -1 with errno EPROTONOSUPPORT (a
 * line of another version) or EINVAL (anything else), outputs untouched.
 * Version 1 ignores " KEY=VALUE" fields a later version adds at the end.
 */
int fx_key_field_parse(const char *buf, size_t len, const char *name, uint8_t v[32]);
int fx_key_reply_parse(const char *buf, size_t len, uint8_t nonce[32], uint64_t *size,
                       int *resume, uint8_t proof[32]);
int fx_key_ack_parse(const char *buf, size_t len, uint8_t tag[32]);

/* One exchange, on either side: the key, both nonces, and the digest of
 * every line so far (the transcript).  Its fields are private; wiped by
 * fx_keyx_end. */
struct fx_keyx {
	uint8_t key[FX_KEY_LEN];
	uint8_t nc[32], ns[32]; /* the client's and the server's nonce */
	uint8_t prk[32];        /* HKDF-Extract(nc | ns, key) */
	struct fx_sha256 th;    /* the transcript */
};

void fx_keyx_start(struct fx_keyx *k, const uint8_t key[FX_KEY_LEN]);

/*
 * The steps, in order.  Those that make a line write it into buf (at most
 * FX_KEY_LINE_MAX bytes), add it to the transcript and return its length
 * (0 with errno when no random bytes could be had); those that take one
 * (_take, _check) parse and verify it: 0, or -1 with errno EINVAL or
 * EPROTONOSUPPORT (not such a line: see the parsers), or EACCES (a proof or
 * tag that is not the one the key gives: compared in constant time).
 *   client: hello, reply_take, proof, [resume lines: fx_keyx_line], ...,
 *           tag_check, ack
 *   server: hello_take, reply, proof_take, [fx_keyx_line], ..., tag,
 *           ack_check
 * size is the whole file's, digest its SHA-256 (a resumed file's whole,
 * the kept prefix included).
 */
size_t fx_keyx_hello(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX]);
int fx_keyx_hello_take(struct fx_keyx *k, const char *buf, size_t len);
size_t fx_keyx_reply(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size, int resume);
int fx_keyx_reply_take(struct fx_keyx *k, const char *buf, size_t len, uint64_t *size,
                       int *resume);
size_t fx_keyx_proof(struct fx_keyx *k, char buf[FX_KEY_LINE_MAX]);
int fx_keyx_proof_take(struct fx_keyx *k, const char *buf, size_t len);
void fx_keyx_line(struct fx_keyx *k, const char *line, size_t len);
size_t fx_keyx_tag(const struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size,
                   const uint8_t digest[32]);
int fx_keyx_tag_check(const struct fx_keyx *k, const char *buf, size_t len, uint64_t size,
                      const uint8_t digest[32]);
size_t fx_keyx_ack(const struct fx_keyx *k, char buf[FX_KEY_LINE_MAX], uint64_t size,
                   const uint8_t digest[32]);
int fx_keyx_ack_check(const struct fx_keyx *k, const char *buf, size_t len, uint64_t size,
                      const uint8_t digest[32]);

/* Wipe the exchange: the key and everything derived from it. */
void fx_keyx_end(struct fx_keyx *k);

/* ---- Resuming a transfer ---------------------------------------------- */

/*
 * With --resume on both sides, before any data, the receiver sends one
 * request line and the sender answers with one reply line, then sends its
 * file from the offset the reply names (docs/protocol.md):
 *
 *   request  "fxfer-resume/1 have=LEN sha256=HEX\n"
 *   reply    "fxfer-resume/1 size=SIZE from=OFFSET\n"
 *
 * LEN, SIZE and OFFSET are decimal (no sign, no leading zero), at most
 * 2^63 - 1; HEX is 64 lowercase hex digits, the SHA-256 of the LEN bytes
 * the receiver holds.  A later version may add fields, each " KEY=VALUE",
 * before the newline: version 1 ignores them.  A line is at most
 * FX_RESUME_MAX bytes, the newline included.
 */
#define FX_RESUME_MAX ((size_t)256)

/* Format the request (fx_resume_request) or the reply (fx_resume_reply) into
 * buf, NUL-terminated.  Returns the line's length, newline included.  The
 * numbers must be within the lines' limits (at most 2^63 - 1, from at most
 * size), as off_t values are: a line formatted from others is refused by
 * the parsers. */
size_t fx_resume_request(char buf[FX_RESUME_MAX], uint64_t have,
                         const uint8_t digest[FX_SHA256_LEN]);
size_t fx_resume_reply(char buf[FX_RESUME_MAX], uint64_t size, uint64_t from);

/*
 * Parse buf[0..len), exactly one line with its newline as the last byte
 * (no NUL needed; nothing may follow it), as a request or a reply.  Reads
 * no byte past buf[len - 1].  Returns 0, or -1 with errno EPROTONOSUPPORT
 * (a line of another version), ERANGE (a reply in form whose OFFSET is
 * beyond its SIZE: a broken sender) or EINVAL (anything else), the outputs
 * untouched.
 */
int fx_resume_request_parse(const char *buf, size_t len, uint64_t *have,
                            uint8_t digest[FX_SHA256_LEN]);
int fx_resume_reply_parse(const char *buf, size_t len, uint64_t *size, uint64_t *from);

/* ---- Who may connect -------------------------------------------------- */

struct sockaddr;

/* A network: an address and how many of its leading bits count. */
struct fx_net {
	int family;              /* AF_INET or AF_INET6 */
	unsigned char addr[16];  /* network byte order; IPv4 in the first 4 */
	unsigned prefix;         /* 0-32 (IPv4) or 0-128 (IPv6) */
};

/*
 * Parse a network from exactly len bytes of s (no NUL needed; one inside is
 * refused): "ADDR" or "ADDR/PREFIX", ADDR an IPv4 dotted quad or an IPv6
 * address (no brackets, no zone), PREFIX decimal without sign or leading
 * zeros, at most 32 or 128; without it the single address.  An IPv4-mapped
 * IPv6 network (::ffff:a.b.c.d/N, N at least 96) is the IPv4 network it
 * maps.  Reads no byte past s[len - 1], and at most 46 bytes of the
 * address.  Returns 0, or -1 with errno EINVAL and *net untouched.
 */
int fx_net_parse(const char *s, size_t len, struct fx_net *net);

/*
 * Is the address sa (AF_INET or AF_INET6; an IPv4-mapped IPv6 address as
 * the IPv4 address it carries) in net?  1 or 0; any other family is 0.
 */
int fx_net_match(const struct fx_net *net, const struct sockaddr *sa);

#endif /* FXFER_H */
