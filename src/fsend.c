/*
 * fsend: serve one file to TCP clients, each waiting for its acknowledgement.
 * Parses options, checks the file, listens, and serves each client (in the
 * process supervise.c gives it), mapping each outcome to an exit status.
 */
#include "fxfer.h"
#include "supervise.h"
#include "tool_digest.h"
#include "tool_meter.h"
#include "tool_msgs.h"
#include "tool_param.h"
#include "tool_signals.h"
#include "tool_std.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYNOPSIS "[-kqv] [-b address] [-c size] [-j jobs] [-n count] [-t seconds] [--allow net] [--progress] [--resume] [--sha256] port file"

/* The bytes of a line that is not the resume line expected shown in the
 * message, at most: its start says enough (a file's bytes, a web request). */
#define SHOWN ((size_t)48)

/* The --allow networks one fsend takes at most. */
#define ALLOW_MAX 64

static void usage(void)
{
	printf("usage: fsend " SYNOPSIS "\n"
	       "Listen on port (0: any free port), send file to each client, and wait\n"
	       "for its acknowledgement.\n\n"
	       "      --allow NET     serve only clients from NET, ADDR or ADDR/PREFIX\n"
	       "                      (repeatable; others are reset, and do not count)\n"
	       "  -b, --bind ADDR     listen on ADDR only (default: every address)\n"
	       "  -c, --chunk SIZE    move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "  -j, --jobs N        serve at most N clients at once (default 16)\n"
	       "  -k, --keep-open     keep listening after a transfer, like nc -k\n"
	       "  -n, --count N       serve exactly N clients, then exit\n"
	       "  -t, --timeout SECS  fail a transfer idle this long (default 60, 0: never)\n"
	       "  -q, --quiet         print only errors (and the listening line for port 0,\n"
	       "                      and the digest line --sha256 asks for)\n"
	       "  -v, --verbose       print a summary line per transfer\n"
	       "      --progress      draw a progress meter even if stderr is no terminal\n"
	       "      --resume        send a client only what it lacks, once it proved it\n"
	       "                      holds the file's start (frecv --resume)\n"
	       "      --sha256        print the SHA-256 of what was sent, and accept only a\n"
	       "                      client that stored the same (frecv --sha256)\n"
	       "  -h, --help          print this help and exit\n"
	       "      --version       print the version and exit\n"
	       "file \"-\" sends standard input (to one client).\n");
}

struct opts {
	const char *bind;
	const char *port;
	int port_num;
	const char *file;
	unsigned long count;    /* clients to serve; 0: no end (-k) */
	unsigned long jobs;
	int sha256;             /* --sha256 */
	int resume;             /* --resume */
	struct fx_net allow[ALLOW_MAX]; /* --allow; none: everyone */
	size_t nallow;
	struct tool_opts c;
};

/*
 * The wrong number n of operands (ops): say which is missing or too many,
 * and what was probably meant.  count_arg: -n's value, when given: a port
 * taken as a count explains a missing operand.
 */
static int operands_error(int n, char **ops, const char *count_arg)
{
	char reason[600], shown[256];

	if (n == 0)
		return tool_usage_error(NULL, "missing operands PORT and FILE (fsend PORT FILE)");
	fx_escape(shown, sizeof(shown), ops[n == 1 ? 0 : 2], strlen(ops[n == 1 ? 0 : 2]));
	if (n > 2)
		snprintf(reason, sizeof(reason), "too many operands: '%s' (one FILE per fsend; "
		         "a directory or several files go through tar: see fsend(1))", shown);
	else if (count_arg != NULL)
		snprintf(reason, sizeof(reason), "missing operand FILE after '%s' (-n takes a count: "
		         "'-n %.20s' took it; fsend -n COUNT PORT FILE)", shown, count_arg);
	else
		snprintf(reason, sizeof(reason), "missing operand FILE after '%s' (fsend PORT FILE)",
		         shown);
	return tool_usage_error(NULL, reason);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "allow", required_argument, NULL, 'A' },
		{ "bind", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "keep-open", no_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		{ "sha256", no_argument, NULL, 'H' },
		{ "resume", no_argument, NULL, 'U' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, r, keep = 0, counted = 0;
	const char *count_arg = NULL;

	opterr = 0; /* the messages are ours: "prog: thing: reason" */
	o->bind = NULL;
	o->port = o->file = "";
	o->count = 1;
	o->jobs = 16;
	tool_opts_init(&o->c);
	while ((c = getopt_long(argc, argv, ":b:j:kn:" TOOL_SHORTOPTS, longopts, NULL)) != -1) {
		if ((r = tool_common_option(c, optarg, &o->c, usage)) != 0) {
			if (r < 0)
				return EX_USAGE;
			continue;
		}
		switch (c) {
		case 'A':
			if (o->nallow == ALLOW_MAX)
				return tool_usage_error("--allow", "more than 64 networks");
			if (fx_net_parse(optarg, strlen(optarg), &o->allow[o->nallow]) < 0)
				return tool_usage_error(optarg, "not an address or ADDR/PREFIX (--allow)");
			o->nallow++;
			break;
		case 'b':
			if (*optarg == '\0')
				return tool_usage_error("bind address", "empty");
			o->bind = optarg;
			break;
		case 'j':
			if (tool_number("jobs", optarg, 1, 1024, &o->jobs) < 0)
				return EX_USAGE;
			break;
		case 'k':
			keep = 1;
			break;
		case 'H':
			o->sha256 = 1;
			break;
		case 'U':
			o->resume = 1;
			break;
		case 'n':
			if (tool_number("count", optarg, 1, 1000000000, &o->count) < 0)
				return EX_USAGE;
			counted = 1;
			count_arg = optarg;
			break;
		default:
			return tool_option_error(c, optopt, argv[optind - 1]);
		}
	}
	/* -k serves forever, unless -n says how many. */
	if (keep && !counted)
		o->count = 0;
	if (tool_environment(&o->c) < 0)
		return EX_USAGE;
	if (argc - optind != 2)
		return operands_error(argc - optind, argv + optind, counted ? count_arg : NULL);
	o->port = argv[optind];
	o->file = argv[optind + 1];
	if ((o->port_num = tool_port(o->port, 1)) < 0)
		return EX_USAGE;
	if (strcmp(o->file, "-") == 0 && o->count != 1)
		return tool_usage_error("-", "standard input can be sent to one client only");
	if (strcmp(o->file, "-") == 0 && o->resume)
		return tool_usage_error("-", "--resume needs a file it can read again: "
		                        "not standard input");
	return EX_OK;
}

/* What the listener keeps for the next client: its file, ready to send. */
struct input {
	const struct opts *o;
	int fd;        /* -1 until opened for the next client */
	off_t size;    /* what is to be sent (0 when unknown: a pipe) */
	struct stat st;/* the file as opened */
};

/* Standard input ("-"): any kind of file; its size is known only when it is
 * a regular file (what is left of it from the current offset). */
static int open_stdin(struct input *in)
{
	off_t at;

	/* Closed at start, or open for writing only (0>>file). */
	if (!tool_std_usable(STDIN_FILENO, O_RDONLY))
		return tool_fail(EX_NOINPUT, "standard input", strerror(EBADF));
	if (fstat(STDIN_FILENO, &in->st) < 0)
		return tool_fail(EX_NOINPUT, "standard input", strerror(errno));
	if (S_ISDIR(in->st.st_mode))
		return tool_fail(EX_NOINPUT, "standard input", strerror(EISDIR));
	in->fd = STDIN_FILENO;
	in->size = 0;
	if (S_ISREG(in->st.st_mode) && (at = lseek(STDIN_FILENO, 0, SEEK_CUR)) >= 0 &&
	    at < in->st.st_size)
		in->size = in->st.st_size - at;
	return EX_OK;
}

/* Open the file to send for in; it must be a regular file. */
static int open_input(const char *path, struct input *in)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO must not block the open before we can refuse it. */
	int fd, e;

	if (strcmp(path, "-") == 0)
		return open_stdin(in);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tool_fail(EX_NOINPUT, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return tool_fail(EX_NOINPUT, path, S_ISDIR(st.st_mode) ?
		                 strerror(EISDIR) : "not a regular file");
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		goto fail;
	in->fd = fd;
	in->size = st.st_size;
	in->st = st;
	return EX_OK;
fail:
	e = errno;
	close(fd);
	return tool_fail(EX_NOINPUT, path, strerror(e));
}

/* For a person at a terminal: the command to run on the other side (the
 * listening line name ends with the port), as croc and wormhole print. */
static void tell_receiver(const struct opts *o, const char *name)
{
	char host[256], shown[256];
	const char *port = strrchr(name, ':');

	if (port == NULL)
		return;
	if (o->bind != NULL && strcmp(o->bind, "0.0.0.0") != 0 && strcmp(o->bind, "::") != 0)
		snprintf(host, sizeof(host), "%s", o->bind);
	else if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		return;
	host[sizeof(host) - 1] = '\0';
	fx_escape(shown, sizeof(shown), host, strlen(host));
	tool_say("on the receiving machine: frecv %s %s", shown, port + 1);
}

static int listen_on(const struct opts *o, int *lfd)
{
	char name[80];
	int gai;

	*lfd = fx_tcp_listen(o->bind, o->port, &gai);
	if (*lfd < 0 && gai != 0)
		return tool_fail(EX_NOHOST, o->bind ? o->bind : "listen", gai_strerror(gai));
	if (*lfd < 0) {
		int e = errno;
		if (o->bind != NULL) /* the address, most likely, is what failed */
			snprintf(name, sizeof(name), "%.50s port %s", o->bind, o->port);
		else
			snprintf(name, sizeof(name), "port %s", o->port);
		/* No transfer failed: nothing could listen (an address that
		 * cannot be bound, EINVAL for some), or the system ran out. */
		return tool_fail(e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM ?
		                 EX_OSERR : EX_UNAVAILABLE, name, strerror(e));
	}
	if (fx_sock_name(*lfd, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "port %s", o->port);
	/* Scripts wait for this line to learn the port (port 0), even with -q. */
	if (!o->c.quiet || o->port_num == 0)
		tool_say("listening on %s", name);
	if (!o->c.quiet && isatty(STDERR_FILENO))
		tell_receiver(o, name);
	return EX_OK;
}

/* How one transfer ended: the status, and what to tell the user. */
struct outcome {
	int status;
	const char *thing;
	char reason[4 * FX_RESUME_MAX + 256];
	char verified[FX_SHA256_HEX_LEN + 1];  /* the digest both sides agree on */
	double ack_after;   /* seconds from the last byte to the acknowledgement */
	uint64_t from;      /* --resume: where the client's part began */
};

static int end(struct outcome *r, int status, const char *thing, const char *reason)
{
	r->status = status;
	r->thing = thing;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return status;
}

/*
 * Read the acknowledgement, waiting under the mask old.  Plain, it ends at
 * its NUL or newline, and what follows is ignored (as the textbook server
 * does); with --sha256, at the newline that ends the digest.
 */
static ssize_t read_ack(int sock, char *ack, const struct opts *o, const sigset_t *old)
{
	size_t got = 0;
	ssize_t n;
	char *nul;

	do {
		n = fx_read_line_masked(sock, ack + got, FX_ACK_MAX - got,
		                        (unsigned)o->c.timeout, old);
		if (n < 0)
			return -1;
		got += (size_t)n;
	} while (o->sha256 && n > 0 && got < FX_ACK_MAX && !memchr(ack, '\n', got));
	if (!o->sha256 && (nul = memchr(ack, '\0', got)) != NULL)
		got = (size_t)(nul - ack) + 1;
	return (ssize_t)got;
}

/* Judge the acknowledgement ack[0..n) against the digest sent (--sha256). */
static int judge_ack(const char *ack, size_t n, const struct opts *o,
                     const uint8_t sent[FX_SHA256_LEN], struct outcome *r)
{
	char shown[4 * FX_ACK_MAX + 1], hex[FX_SHA256_HEX_LEN + 1], theirs[FX_SHA256_HEX_LEN + 1];
	uint8_t digest[FX_SHA256_LEN];
	int has;

	if (n == 0)
		return end(r, EX_PROTOCOL, "delivery unconfirmed",
		           "client closed without acknowledgement");
	if (!fx_ack_parse(ack, n, digest, &has)) {
		fx_escape(shown, sizeof(shown), ack, n);
		snprintf(r->reason, sizeof(r->reason), "unexpected acknowledgement \"%s\"%s",
		         shown, n == FX_ACK_MAX ? "..." : "");
		r->thing = "delivery unconfirmed";
		return r->status = EX_PROTOCOL;
	}
	if (!o->sha256)
		return end(r, EX_OK, NULL, "acknowledged");
	if (!has)
		return end(r, EX_PROTOCOL, "delivery unverified",
		           "the client sent no digest (frecv --sha256 does)");
	fx_sha256_hex(sent, hex);
	if (memcmp(digest, sent, FX_SHA256_LEN) != 0) {
		snprintf(r->reason, sizeof(r->reason),
		         "the client stored different bytes: sent sha256 %s, client's %s",
		         hex, fx_sha256_hex(digest, theirs));
		r->thing = "delivery failed";
		return r->status = EX_DATAERR;
	}
	memcpy(r->verified, hex, sizeof(hex));
	return end(r, EX_OK, NULL, "acknowledged, sha256 verified");
}

/* Has the regular file been written to since it was opened (st)? */
static int changed(int fd, const struct stat *st)
{
	struct stat now;

	if (!S_ISREG(st->st_mode) || fstat(fd, &now) < 0)
		return 0;
	return now.st_size != st->st_size ||
	       now.st_mtim.tv_sec != st->st_mtim.tv_sec || now.st_mtim.tv_nsec != st->st_mtim.tv_nsec ||
	       now.st_ctim.tv_sec != st->st_ctim.tv_sec || now.st_ctim.tv_nsec != st->st_ctim.tv_nsec;
}

/* The client's resume request was not one: what came, and what to do. */
static int no_request(struct outcome *r, const char *what)
{
	snprintf(r->reason, sizeof(r->reason), "%s (frecv --resume sends one; "
	         "a client without it cannot resume)", what);
	r->thing = "resume request";
	return r->status = EX_PROTOCOL;
}

/*
 * --resume: read what the client holds (its length and digest), hash the
 * same prefix of the file (size bytes, as it is now), and answer where the
 * data starts: after that prefix when it is the file's, else at 0.  The
 * file's offset is moved there, and with --sha256 the digest x->sha begins
 * with the prefix.  Returns EX_OK, or the status the outcome r says.
 */
static int resume_point(int sock, const struct input *in, off_t size, struct fx_xfer *x,
                        const struct opts *o, const char *peer, struct outcome *r)
{
	char line[FX_RESUME_MAX], shown[4 * SHOWN + 8], what[4 * SHOWN + 128];
	uint8_t theirs[FX_SHA256_LEN], ours[FX_SHA256_LEN];
	struct fx_sha256 prefix, copy;
	struct timespec start;
	uint64_t have;
	ssize_t n;

	/* The whole line within -t, however slowly it trickles in.  A client
	 * that ends the connection before a byte of it (a plain frecv that
	 * gave up waiting for data) does not speak --resume. */
	if ((n = fx_recv_line(sock, line, sizeof(line), (unsigned)o->c.timeout)) < 0 &&
	    errno == ETIME) {
		snprintf(what, sizeof(what), "it came too slowly: not whole within %lu s (-t %lu)",
		         o->c.timeout, o->c.timeout);
		return no_request(r, what);
	}
	if (n < 0 && (errno == ECONNRESET || errno == EPIPE))
		return no_request(r, "the client reset the connection without one");
	if (n < 0 && errno != ETIMEDOUT)
		return end(r, EX_IOERR, peer, strerror(errno));
	if (n < 0)
		return no_request(r, tool_reason(errno, o->c.timeout));
	if (n == 0)
		return no_request(r, "the client closed without one");
	if (fx_resume_request_parse(line, (size_t)n, &have, theirs) < 0) {
		fx_escape(shown, sizeof(shown), line, (size_t)n < SHOWN ? (size_t)n : SHOWN);
		snprintf(what, sizeof(what), errno == EPROTONOSUPPORT ?
		         "one of another version (this fsend speaks version 1): \"%s%s\"" :
		         "not a resume request: \"%s%s\"",
		         shown, (size_t)n > SHOWN ? "..." : "");
		return no_request(r, what);
	}
	r->from = 0;
	fx_sha256_init(&prefix);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (have <= (uint64_t)size) {
		if (fx_sha256_file(in->fd, 0, have, &prefix) < 0) {
			struct stat now;
			return end(r, EX_IOERR, o->file, errno == EIO && fstat(in->fd, &now) == 0 &&
			           (uint64_t)now.st_size < have ?
			           "file shrank while the client's part of it was hashed" :
			           strerror(errno));
		}
		copy = prefix;
		fx_sha256_final(&copy, ours);
		if (memcmp(ours, theirs, FX_SHA256_LEN) == 0)
			r->from = have;
	}
	if (fx_write_full(sock, line, fx_resume_reply(line, (uint64_t)size, r->from)) < 0)
		return end(r, EX_IOERR, peer, tool_reason(errno, o->c.timeout));
	if (lseek(in->fd, (off_t)r->from, SEEK_SET) < 0)
		return end(r, EX_IOERR, o->file, strerror(errno));
	if (x->sha != NULL && r->from > 0)
		*x->sha = prefix;
	if (o->c.verbose)
		tool_say("%s: the client holds %llu bytes%s (hashed in %.3f s): sending from "
		         "byte %llu", peer, (unsigned long long)have,
		         r->from == have ? "" : ", not this file's start", tool_seconds_since(&start),
		         (unsigned long long)r->from);
	return EX_OK;
}

/*
 * Send the whole file, half-close, and judge the acknowledgement.  The
 * connection resets when closed (the listener armed it), unless the client
 * acknowledged: a cut or unconfirmed transfer never ends cleanly.  Returns
 * with every signal blocked, so what was read is also what is reported.
 */
static int serve(int sock, const struct input *in, struct fx_xfer *x, struct tool_meter *m,
                 const struct opts *o,
                 const char *peer, struct outcome *r)
{
	char ack[FX_ACK_MAX];
	uint8_t sent[FX_SHA256_LEN];
	sigset_t all, old;
	struct timespec last, acked;
	struct stat st = in->st;
	off_t at, size = in->size;
	ssize_t n;

	if (fx_set_timeout(sock, (unsigned)o->c.timeout) < 0)
		return end(r, EX_IOERR, "socket", strerror(errno));
	/* The file as it is now, when the first byte goes. */
	if (S_ISREG(st.st_mode) && fstat(in->fd, &st) == 0 &&
	    (at = lseek(in->fd, 0, SEEK_CUR)) >= 0)
		size = at < st.st_size ? st.st_size - at : 0;
	if (o->resume) {
		if (resume_point(sock, in, size, x, o, peer, r) != EX_OK)
			return r->status;
		size -= (off_t)r->from;
		/* The rate and the time counted from the first byte of data, not
		 * from the hashing of the client's part. */
		tool_meter_start(m, m->on, m->total);
		m->base = r->from;
	}
	if (fx_send_stream(sock, in->fd, x) < 0)
		return end(r, EX_IOERR, x->out_failed ? peer : o->file,
		           x->out_failed ? tool_reason(errno, o->c.timeout) : strerror(errno));
	if (x->bytes < (uint64_t)size)
		return end(r, EX_IOERR, o->file, "file shrank while being sent");
	/* What went out may mix two versions of the file: none that anyone
	 * could check it against (tar(1) warns the same way).  Checked now to
	 * fail fast, and again once the client has every byte. */
	if (changed(in->fd, &st))
		return end(r, EX_IOERR, o->file, "file changed while being sent");
	/* No client can have read to the end before the half-close: whatever
	 * it sent so far is no acknowledgement of the whole file. */
	if (fx_pending_input(sock))
		return end(r, EX_PROTOCOL, "delivery unconfirmed",
		           "the client answered before it had the whole file");
	/* The digest line was asked for: it is out before the client can
	 * store anything, or the transfer fails (a reset). */
	if (x->sha != NULL) {
		fx_sha256_final(x->sha, sent);
		/* On a terminal the line stands alone, not after the meter. */
		tool_meter_end(m);
		if (tool_sha256_line(stdout, sent, o->file) < 0)
			return end(r, EX_IOERR, "standard output", strerror(errno));
	}
	/* A reset that came meanwhile fails the half-close with ENOTCONN: say
	 * what happened to the connection instead. */
	if (shutdown(sock, SHUT_WR) < 0) {
		int e = errno;
		if (fx_conn_check(sock) < 0)
			e = errno;
		return end(r, EX_IOERR, peer, strerror(e));
	}
	clock_gettime(CLOCK_MONOTONIC, &last);

	/* Every byte is sent: only the acknowledgement is missing.  A peer
	 * that vanished without a word (a cable pulled) stops answering the
	 * probes.  A stop signal may end the wait, never the reading of it. */
	(void)fx_set_keepalive(sock, (unsigned)o->c.timeout);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((n = read_ack(sock, ack, o, &old)) < 0)
		return end(r, EX_PROTOCOL, "delivery unconfirmed", tool_reason(errno, o->c.timeout));
	/* sendfile hands the socket the file's pages, not copies: until the
	 * client had them all, a write to the file could still change what it
	 * received.  It has them all now; the file must still be as it was.
	 * Before the digests are compared: the client stored what it got. */
	if (changed(in->fd, &st))
		return end(r, EX_IOERR, o->file, "file changed while being sent");
	/* How long the client took to make it durable (-v). */
	clock_gettime(CLOCK_MONOTONIC, &acked);
	r->ack_after = (double)(acked.tv_sec - last.tv_sec) +
	               (double)(acked.tv_nsec - last.tv_nsec) / 1e9;
	if (judge_ack(ack, (size_t)n, o, sent, r) == EX_OK)
		(void)fx_clear_reset_on_close(sock);
	return r->status;
}

/* The listener, first thing: is the client's address allowed (--allow)? */
static int admit(int sock, const char *peer, void *arg)
{
	const struct input *in = arg;
	const struct opts *o = in->o;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(sock, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	for (size_t i = 0; i < o->nallow; i++)
		if (fx_net_match(&o->allow[i], (struct sockaddr *)&ss))
			return 1;
	tool_say("%s: not allowed (--allow), connection reset", peer);
	return 0;
}

/* The listener, before a client gets a process: open the file anew, so each
 * client has its own offset (the first gets the one opened at start). */
static int input_ready(void *arg)
{
	struct input *in = arg;

	if (in->fd >= 0)
		return EX_OK;
	return open_input(in->o->file, in);
}

static void input_handed(void *arg)
{
	struct input *in = arg;

	if (in->fd != STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
}

/*
 * The child process serving one client: report the outcome in one line
 * (with the peer's address when fsend serves more than one client) and
 * return its status.
 */
static int serve_client(int sock, const char *peer, void *arg)
{
	const struct input *in = arg;
	const struct opts *o = in->o;
	struct outcome r = { EX_OK, NULL, "", "", 0, 0 };
	struct tool_meter m;
	struct fx_sha256 sha;
	struct fx_xfer x = { .chunk = o->c.chunk, .progress = tool_meter_update, .arg = &m,
	                     .hash_thread = o->c.hash_thread };
	char sum[96];
	/* Several children cannot share one meter line. */
	int meter = o->count == 1 && !o->c.quiet && (o->c.progress || isatty(STDERR_FILENO));

	if (o->sha256) {
		fx_sha256_init(&sha);
		x.sha = &sha;
	}
	tool_meter_start(&m, meter, (uint64_t)in->size);
	serve(sock, in, &x, &m, o, peer, &r);
	/* Resets unless acknowledged; every signal is blocked from here on,
	 * so how the transfer ended is always reported. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	close(sock);
	tool_meter_end(&m);
	errno = 0; /* for tool_flush */
	if (r.status == EX_OK && !o->c.quiet)
		printf("message from client: %s\n", FX_ACK);
	/* Acknowledged: the status says so.  A lost message is only said. */
	if (tool_flush(stdout) < 0 && r.status == EX_OK)
		tool_say("standard output: %s (the client acknowledged)", strerror(errno));
	if (o->count != 1 || o->c.verbose) {
		/* One line per connection: peer, bytes, time, outcome (the peer
		 * is said once, even when it is what failed). */
		const char *shown = r.thing != NULL && strcmp(r.thing, peer) != 0 ? r.thing : NULL;
		tool_summary(sum, sizeof(sum), &m, x.bytes);
		if (r.status == EX_OK && o->c.verbose)
			tool_say("%s: %s, acknowledged %.3f s after the last byte%s", peer, sum,
			        r.ack_after, o->sha256 ? ", sha256 verified" : "");
		else if (r.status != EX_OK || !o->c.quiet)
			tool_say("%s: %s, %s%s%s", peer, sum, shown ? shown : "",
			        shown ? ": " : "", r.reason);
	} else if (r.status != EX_OK) {
		tool_fail(r.status, r.thing, r.reason);
	}
	/* On a terminal, what moved stays on the screen once the meter is gone. */
	if (r.status == EX_OK && !o->c.verbose)
		tool_meter_final(&m, strcmp(o->file, "-") == 0 ? "standard input" : o->file, x.bytes,
		                 "acknowledged");
	if (o->count == 1 && r.status == EX_OK && o->sha256 && !o->c.quiet)
		tool_say("delivery verified: sha256 %s", r.verified);
	return r.status;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct input in = { .o = &o, .fd = -1 };
	struct sv_opts sv = { .ready = input_ready, .handed = input_handed,
	                      .serve = serve_client, .arg = &in };
	int status, lfd;

	tool_init("fsend");
	memset(&o, 0, sizeof(o));
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	/* Check the file before touching the network: a typo fails at once. */
	if ((status = open_input(o.file, &in)) != EX_OK)
		return status;
	if ((status = listen_on(&o, &lfd)) != EX_OK)
		return status;
	if (o.nallow > 0)
		sv.admit = admit;
	sv.jobs = o.jobs;
	sv.count = o.count;
	/* A resumable transfer that failed can go on: its client will be
	 * back (frecv --resume --retry), or sent again. */
	sv.count_success = o.resume && o.count > 0;
	sv.linger = o.c.timeout;
	sv.quiet = o.c.quiet;
	sv.log_each = o.count != 1 || o.c.verbose;
	return sv_run(lfd, &sv);
}
