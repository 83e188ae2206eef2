/* Helpers the library's files share but do not export. */
#ifndef FX_INTERNAL_H
#define FX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Turn the EAGAIN of a blocking socket's timeout into ETIMEDOUT; returns -1. */
int fx_timed_out(void);

/*
 * After a write to fd failed with EAGAIN: for a blocking fd its timeout ran
 * out (-1, ETIMEDOUT); a non-blocking one is waited for until it can take
 * more, at most a socket's send timeout (SO_SNDTIMEO), so no more than that
 * passes without a byte moving.  Returns 0 to try again, or -1 with errno.
 */
int fx_wait_writable(int fd);

/* The same after a read failed with EAGAIN: a non-blocking fd (a pipe left
 * so by whoever made it) is waited for until it has bytes, at most a
 * socket's receive timeout. */
int fx_wait_readable(int fd);

/*
 * Parsing a protocol line (fx_line.c): a cursor over buf[0..len), p up to
 * end.  Each fx_take* takes what it names and returns 1, or returns 0 and
 * may have moved p.
 */
struct fx_cursor {
	const char *p, *end;
};
int fx_take(struct fx_cursor *c, const char *literal);
/* Decimal digits, no sign, no leading zero, at most 2^63 - 1. */
int fx_take_number(struct fx_cursor *c, uint64_t *v);
/* 64 lowercase hex digits (the wire's case). */
int fx_take_hex32(struct fx_cursor *c, uint8_t d[32]);
/* The whole line (at most max bytes, its newline last), then magic and
 * "1 ": 1; 0 for no such line; -1 for one of another version. */
int fx_take_version(struct fx_cursor *c, const char *magic, size_t max);
/* The end of a version 1 line: its newline, or first more " KEY=VALUE"
 * fields of printable ASCII that a later version may add (ignored). */
int fx_take_end(struct fx_cursor *c);
/* Fail as fx_take_version said (v -1: EPROTONOSUPPORT, else EINVAL): -1. */
int fx_line_refused(int v);

/* Set FD_CLOEXEC on fd.  Returns 0, or -1 with errno set. */
int fx_cloexec(int fd);

/* Is the peer of the connected socket fd on this machine (a loopback
 * address, our own, or a local socket)?  0 too when that cannot be told. */
int fx_peer_is_local(int fd);

/*
 * A hashing thread (fx_hashq.c): it adds to a digest what the copy moves,
 * while the copy goes on.  In file mode (fd >= 0) it reads back with pread
 * the bytes the copy sent from fd or wrote to it, from fd's offset at the
 * start on; the copy then says only how many more there are.  In ring mode
 * (fd -1) the copy reads into the thread's buffers (fx_hashq_slot) and hands
 * each over once it is written.  Signals stay with the calling thread.
 */
struct fx_hashq;

/* Start hashing into ctx, which is the thread's until fx_hashq_end.  slot
 * is the ring's buffer size (capped).  NULL with errno when no thread can
 * be had: the caller then hashes as it copies. */
struct fx_hashq *fx_hashq_start(struct fx_sha256 *ctx, int fd, size_t slot);

/* Ring mode: a buffer to read the next piece into, *len bytes long, once
 * one is free.  NULL in file mode. */
char *fx_hashq_slot(struct fx_hashq *q, size_t *len);

/* The file followed, or -1 in ring mode. */
int fx_hashq_file(const struct fx_hashq *q);

/*
 * n more bytes moved: in file mode, the next n of the file; in ring mode,
 * the first n of the buffer fx_hashq_slot gave.  Waits while the file is
 * too far ahead of the hash.  Returns 0, or -1 with the errno of the
 * thread's failed read.
 */
int fx_hashq_add(struct fx_hashq *q, size_t n);

/*
 * End the thread: with finish, once every byte added is hashed; without,
 * at once (the digest is then of some prefix).  Frees q.  Returns 0, or -1
 * with the errno of the thread's failed read.
 */
int fx_hashq_end(struct fx_hashq *q, int finish);

#endif
