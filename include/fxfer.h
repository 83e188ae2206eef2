/*
 * fxfer: the socket and I/O helpers shared by fsend and frecv.
 *
 * Nothing here prints or exits.  Functions return a value, or -1 with errno
 * set (errno is preserved across any cleanup they do).  Name resolution errors
 * are getaddrinfo() codes, not errno values, and come back through *gai_err.
 */
#ifndef FXFER_H
#define FXFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FX_VERSION "1.0.0"

/* Chunk size: default and the bounds that -c enforces. */
#define FX_CHUNK_DEFAULT ((size_t)1024 * 1024)
#define FX_CHUNK_MIN ((size_t)1)
#define FX_CHUNK_MAX ((size_t)16 * 1024 * 1024)

/* The acknowledgement frecv sends: "thank you" and its NUL, 10 bytes. */
#define FX_ACK "thank you"
#define FX_ACK_LEN ((size_t)10)
/* fsend never reads more than this many bytes of acknowledgement. */
#define FX_ACK_MAX ((size_t)64)

/* ---- Full reads and writes ------------------------------------------- */

/*
 * On a socket with a timeout (fx_set_timeout), a call that waited that long
 * without moving a byte fails with errno ETIMEDOUT, in every function below.
 */

/*
 * Write all len bytes of buf to fd, retrying short writes and EINTR.
 * Returns len, or -1 with errno set.  A write that returns 0 is an error
 * (errno ENOSPC), so this can never loop forever.
 */
ssize_t fx_write_full(int fd, const void *buf, size_t len);

/*
 * Read from fd until len bytes are in buf or EOF, retrying EINTR.
 * Returns the number of bytes read: len, or fewer only at EOF (0 at once).
 * Returns -1 with errno set on error; bytes read before it are lost.
 */
ssize_t fx_read_full(int fd, void *buf, size_t len);

/*
 * Read from fd until a NUL or newline byte has arrived, EOF, or len bytes,
 * retrying EINTR.  Returns the byte count, or -1 with errno set.  Meant for
 * short messages such as the acknowledgement: the terminator ends the wait
 * even when the peer keeps its end open.
 */
ssize_t fx_read_line(int fd, char *buf, size_t len);

/* ---- Bulk transfer ---------------------------------------------------- */

/* Called after each chunk with the bytes moved so far (for a progress meter). */
typedef void fx_progress_fn(void *arg, uint64_t bytes);

/* One transfer's settings and its running count. */
struct fx_xfer {
	size_t chunk;              /* bytes per call */
	uint64_t bytes;            /* moved so far, valid also after an error */
	fx_progress_fn *progress;  /* NULL for none */
	void *arg;                 /* passed to progress */
};

/*
 * Send everything readable from fd (a file, or a pipe) to the socket sock,
 * x->chunk bytes at a time, until EOF.  On Linux a regular file goes through
 * sendfile(2); anything else, or a build with FX_PORTABLE, through a
 * read/write loop with one chunk-sized buffer.  Returns 0, or -1 with errno.
 */
int fx_send_stream(int sock, int fd, struct fx_xfer *x);

/*
 * Receive from sock until EOF and write it all to fd, x->chunk bytes at a
 * time.  On Linux splice(2) moves the data through a pipe without copying it
 * to user space when fd is a regular file; otherwise (or with FX_PORTABLE) a
 * read/write loop.  x->bytes counts the bytes written to fd.  Returns 0, or
 * -1 with errno set.
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
 * (close-on-exec), or -1: *gai_err is a getaddrinfo() code, or 0 with errno
 * set from the last address tried (ETIMEDOUT when it did not answer).
 */
int fx_tcp_connect(const char *host, const char *port, unsigned timeout,
                   int *gai_err);

/*
 * Let no send or receive on the socket wait more than seconds without moving
 * a byte (0: wait forever).  Returns 0, or -1 with errno set.
 */
int fx_set_timeout(int fd, unsigned seconds);

/* accept(2) retrying EINTR; the new socket is close-on-exec.  -1 with errno. */
int fx_accept(int lfd);

/*
 * Format the local (fx_sock_name) or peer (fx_peer_name) address of a socket
 * as "1.2.3.4:80" or "[::1]:80" into buf.  Returns 0, or -1 with errno set.
 */
int fx_sock_name(int fd, char *buf, size_t len);
int fx_peer_name(int fd, char *buf, size_t len);

/*
 * Make the next close(2) of a connected socket reset the connection instead
 * of ending the stream cleanly, so the peer cannot take a partial transfer
 * for a complete one.  Returns 0, or -1 with errno set.
 */
int fx_set_reset_on_close(int fd);

/* ---- Atomic output file ------------------------------------------------ */

struct fx_outfile {
	int fd;          /* the temporary file, -1 when none */
	char *path;      /* the final name */
	char *tmp;       /* the temporary name beside it */
};

/*
 * Create a temporary file beside path (same directory, mkstemp) with mode
 * mode & ~umask.  When path exists and is not a regular file (a device such
 * as /dev/null, a FIFO), open it for writing instead: there is nothing to
 * rename.  Returns 0, or -1 with errno set and nothing created.
 */
int fx_out_open(struct fx_outfile *out, const char *path, mode_t mode);

/*
 * fsync the temporary file, rename it over path, fsync the directory.
 * Only after this returns 0 is the file durably in place.  On -1 (errno set)
 * the temporary file has been removed and path is untouched, unless only the
 * final fsync of the directory failed: then the file is in place, perhaps
 * not yet durably.  Without a temporary file, close path (after an fsync
 * where the file supports one).
 */
int fx_out_commit(struct fx_outfile *out);

/*
 * Like fx_out_commit, but never replace an existing file: if path exists,
 * fail with EEXIST (the check and the link are one atomic step).
 */
int fx_out_commit_new(struct fx_outfile *out);

/* Remove the temporary file, if any, and free out.  Keeps errno. */
void fx_out_abort(struct fx_outfile *out);

/* ---- Parsing and checking ---------------------------------------------- */

/*
 * Parse a TCP port: decimal digits only, 0 to 65535.  Returns 0, or -1 with
 * errno EINVAL (not a number, junk) or ERANGE (too large).
 */
int fx_parse_port(const char *s, unsigned *port);

/*
 * Parse a size: decimal digits with an optional K or M suffix (binary,
 * either case), within [min, max].  Returns 0, or -1 with errno EINVAL or
 * ERANGE.
 */
int fx_parse_size(const char *s, size_t min, size_t max, size_t *size);

/*
 * Is buf[0..len) the acknowledgement?  "thank you", optionally followed by a
 * newline (or CR LF) and/or a NUL.  Returns 1 or 0.
 */
int fx_ack_ok(const char *buf, size_t len);

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

#endif /* FXFER_H */
