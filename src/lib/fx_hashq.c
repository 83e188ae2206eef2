/*
 * The hashing thread of a verified transfer: it hashes what the copy has
 * moved while the copy goes on, so the two run on two cores instead of
 * taking turns.  It follows either a file (reading back with pread what the
 * copy wrote to it or sent from it) or a ring of buffers the copy fills.
 */
#include "fxfer.h"
#include "fx_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * How far the file the copy has moved may run ahead of the hash: far enough
 * that the copy does not wait on each piece, near enough that the bytes are
 * still in the page cache when the hash reads them back.
 */
#define FILE_LAG ((uint64_t)32 * 1024 * 1024)
/* What the thread reads back at once: small enough to stay in the cache. */
#define FILE_PIECE ((size_t)64 * 1024)
/* The ring: a buffer being filled, others waiting or being hashed. */
#define NSLOT 4u
#define SLOT_MAX ((size_t)256 * 1024)

struct fx_hashq {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more;       /* the thread waits on it for bytes */
	pthread_cond_t room;       /* the copy waits on it for the hash */
	struct fx_sha256 *ctx;     /* touched only by the thread until the end */
	int fd;                    /* file mode: what is read back; -1: ring */
	uint64_t start;            /* file mode: the offset of byte 0 */
	uint64_t added, hashed;    /* bytes (file) or buffers (ring) */
	size_t slot;               /* ring: one buffer's size */
	size_t len[NSLOT];         /* ring: the bytes in each buffer */
	char *buf;                 /* file: one piece; ring: NSLOT slots */
	int done, stop;            /* the copy's word: no more bytes; give up */
	int gone;                  /* the thread's: it has ended */
	int err;                   /* the thread's failure (a read), or 0 */
};

/* Read len bytes of q->fd at off into q->buf.  Returns 0 or an errno. */
static int read_back(struct fx_hashq *q, uint64_t off, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(q->fd, q->buf + got, len - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? EIO : errno;   /* the file shrank under us */
		got += (size_t)r;
	}
	return 0;
}

/* Wait until there is work, with q->mu held; 0 once there is none to come. */
static int work_waits(struct fx_hashq *q)
{
	while (!q->stop && q->hashed == q->added && !q->done)
		pthread_cond_wait(&q->more, &q->mu);
	return !q->stop && q->hashed != q->added;
}

static void *hash_thread(void *arg)
{
	struct fx_hashq *q = arg;

	pthread_mutex_lock(&q->mu);
	while (work_waits(q)) {
		const char *p;
		size_t n;
		int e = 0;

		if (q->fd >= 0) {
			uint64_t off = q->hashed;
			n = q->added - off < FILE_PIECE ? (size_t)(q->added - off) : FILE_PIECE;
			pthread_mutex_unlock(&q->mu);
			e = read_back(q, q->start + off, n);
			p = q->buf;
		} else {
			unsigned i = (unsigned)(q->hashed % NSLOT);
			n = q->len[i];
			p = q->buf + (size_t)i * q->slot;
			pthread_mutex_unlock(&q->mu);
		}
		if (e == 0)
			fx_sha256_update(q->ctx, p, n);
		pthread_mutex_lock(&q->mu);
		if (e != 0) {
			q->err = e;
			break;
		}
		q->hashed += q->fd >= 0 ? n : 1;
		pthread_cond_signal(&q->room);
	}
	q->gone = 1;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct fx_hashq *fx_hashq_start(struct fx_sha256 *ctx, int fd, size_t slot)
{
	struct fx_hashq *q = calloc(1, sizeof(*q));
	off_t at = fd >= 0 ? lseek(fd, 0, SEEK_CUR) : 0;
	sigset_t all, old;
	int e;

	if (q == NULL)
		return NULL;
	q->ctx = ctx;
	q->fd = fd;
	q->start = (uint64_t)at;
	q->slot = slot < SLOT_MAX ? slot : SLOT_MAX;
	if (q->slot == 0)
		q->slot = 1;
	q->buf = malloc(fd >= 0 ? FILE_PIECE : NSLOT * q->slot);
	if (at < 0 || q->buf == NULL) {
		e = at < 0 ? errno : ENOMEM;
		goto fail;
	}
	if ((e = pthread_mutex_init(&q->mu, NULL)) != 0)
		goto fail;
	if ((e = pthread_cond_init(&q->more, NULL)) != 0)
		goto fail_mu;
	if ((e = pthread_cond_init(&q->room, NULL)) != 0)
		goto fail_more;
	/* Signals are the program's, not the hash's: the thread takes none,
	 * so every handler runs in the thread that moves the bytes. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&q->thread, NULL, hash_thread, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0)
		return q;
	pthread_cond_destroy(&q->room);
fail_more:
	pthread_cond_destroy(&q->more);
fail_mu:
	pthread_mutex_destroy(&q->mu);
fail:
	free(q->buf);
	free(q);
	errno = e;
	return NULL;
}

char *fx_hashq_slot(struct fx_hashq *q, size_t *len)
{
	char *p;

	if (q->fd >= 0)
		return NULL;
	pthread_mutex_lock(&q->mu);
	/* The next buffer is free once the one NSLOT before it is hashed. */
	while (q->added - q->hashed >= NSLOT && !q->gone)
		pthread_cond_wait(&q->room, &q->mu);
	p = q->buf + (size_t)(q->added % NSLOT) * q->slot;
	pthread_mutex_unlock(&q->mu);
	*len = q->slot;
	return p;
}

int fx_hashq_file(const struct fx_hashq *q)
{
	return q->fd;
}

int fx_hashq_add(struct fx_hashq *q, size_t n)
{
	int e;

	pthread_mutex_lock(&q->mu);
	if (q->fd >= 0) {
		q->added += n;
	} else {
		q->len[q->added % NSLOT] = n;
		q->added++;
	}
	/* Wake the thread before any wait for it: it may be waiting for these. */
	pthread_cond_signal(&q->more);
	while (q->fd >= 0 && q->added - q->hashed > FILE_LAG && !q->gone)
		pthread_cond_wait(&q->room, &q->mu);
	e = q->err;
	pthread_mutex_unlock(&q->mu);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int fx_hashq_end(struct fx_hashq *q, int finish)
{
	int e;

	pthread_mutex_lock(&q->mu);
	q->done = 1;
	q->stop = !finish;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	e = q->err;
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->mu);
	free(q->buf);
	free(q);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}
