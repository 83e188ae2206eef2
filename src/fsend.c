/*
 * fsend: serve one file to TCP clients, each waiting for its acknowledgement.
 * Parses options, checks the file, listens, and serves each client (in the
 * process supervise.c gives it), mapping each outcome to an exit status.
 */
#include "fxfer.h"
#include "service.h"
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

#define SYNOPSIS "[-kqv] [-b address] [-c size] [-j jobs] [-n count] [-t seconds] [--allow net] [--json] [--key keyfile] [--limit-rate rate] [--progress] [--resume] [--sha256] port file"
#define SYNOPSIS_INETD "--inetd [-qv] [-c size] [-t seconds] [--allow net] [--json] [--key keyfile] [--limit-rate rate] [--progress] [--resume] [--sha256] file"

/* The bytes of a line that is not the resume line expected shown in the
 * message, at most: its start says enough (a file's bytes, a web request). */
#define SHOWN ((size_t)48)

/* The --allow networks one fsend takes at most. */
#define ALLOW_MAX 64

static void usage(void)
{
	printf("usage: fsend " SYNOPSIS "\n"
	       "       fsend " SYNOPSIS_INETD "\n"
	       "       fsend --keygen\n"
	       "Listen on port (0: any free port), send file to each client, and wait\n"
	       "for its acknowledgement.\n\n"
	       "      --allow NET     serve only clients from NET, ADDR or ADDR/PREFIX\n"
	       "                      (repeatable; others are reset, and do not count)\n"
	       "  -b, --bind ADDR     listen on ADDR only (default: every address)\n"
	       "  -c, --chunk SIZE    move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "      --inetd         serve the one connection on standard input (inetd,\n"
	       "                      systemd Accept=yes); no port operand\n"
	       "  -j, --jobs N        serve at most N clients at once (default 16)\n"
	       "      --json          say every event on stderr as a JSON object, one a line\n"
	       "  -k, --keep-open     keep listening after a transfer, like nc -k\n"
	       "      --key KEYFILE   serve only clients that prove they hold the key, and\n"
	       "                      tag every byte sent (frecv --key)\n"
	       "      --keygen        print a fresh key for --key and exit\n"
	       "      --limit-rate RATE\n"
	       "                      send at most RATE bytes a second (K, M, G or T suffix)\n"
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
	       "file \"-\" sends standard input (to one client).  Sockets passed by a\n"
	       "service manager (LISTEN_FDS) are served instead of port.\n");
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
	int inetd;              /* --inetd */
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

/* --inetd: one operand, the file; one connection, so no -k or -n. */
static int inetd_args(int argc, char **argv, struct opts *o, int keep_or_count)
{
	if (keep_or_count)
		return tool_usage_error("--inetd", "serves the one connection on standard input: "
		                        "not with -k or -n");
	if (argc - optind != 1)
		return tool_usage_error(NULL, argc - optind == 0 ?
		                        "missing operand FILE (fsend --inetd FILE)" :
		                        "--inetd takes one operand, FILE, and no port "
		                        "(fsend --inetd FILE)");
	o->file = argv[optind];
	o->port = "";
	if (strcmp(o->file, "-") == 0)
		return tool_usage_error("-", "standard input is the connection (--inetd)");
	return tool_key_load(&o->c) < 0 ? EX_USAGE : EX_OK;
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
		{ "inetd", no_argument, NULL, 'I' },
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
		case 'I':
			o->inetd = 1;
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
	if (o->inetd)
		return inetd_args(argc, argv, o, keep || counted);
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
	if (strcmp(o->file, "-") == 0 && o->c.key_path != NULL)
		return tool_usage_error("-", "--key announces the file's size first: "
		                        "not standard input");
	return tool_key_load(&o->c) < 0 ? EX_USAGE : EX_OK;
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

/* prefix and s as one word of the shell, quoted when it must be, into
 * buf (its bytes escaped as every message's are: pasted, a name of plain
 * characters works as it is). */
static void shell_word(char *buf, size_t len, const char *prefix, const char *s)
{
	char shown[256];
	size_t n = (size_t)snprintf(buf, len, "%s", prefix);

	fx_escape(shown, sizeof(shown), s, strlen(s));
	if (strspn(shown, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+=,-") ==
	    strlen(shown)) {
		snprintf(buf + n, len - n, "%s", shown);
		return;
	}
	/* In single quotes, a quote itself as '\''. */
	for (const char *p = shown; *p != '\0' && n + 6 < len; p++) {
		if (p == shown)
			buf[n++] = '\'';
		if (*p == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *p;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/*
 * The command to run on the other side, as croc and wormhole print it: an
 * event "receiver"; its human line only for a person at a terminal.  It
 * carries the options the receiver needs, and for standard input a form
 * for a stream.  port is the listening port.
 */
static void tell_receiver(const struct opts *o, const char *port)
{
	char host[256], shown[256], command[640];
	struct tool_field f[] = { TOOL_F_STR("command", command) };

	if (o->bind != NULL && strcmp(o->bind, "0.0.0.0") != 0 && strcmp(o->bind, "::") != 0)
		snprintf(host, sizeof(host), "%s", o->bind);
	else if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
		return;
	host[sizeof(host) - 1] = '\0';
	fx_escape(shown, sizeof(shown), host, strlen(host));
	char key[300] = "";
	if (o->c.key_path != NULL)
		shell_word(key, sizeof(key), " --key ", o->c.key_path);
	snprintf(command, sizeof(command), "frecv%s%s%s%s %s %s%s", o->resume ? " --resume" : "",
	         o->sha256 ? " --sha256" : "", key, strcmp(o->file, "-") == 0 ? " -o -" : "", shown,
	         port, strcmp(o->file, "-") == 0 ? " > received" : "");
	char line[sizeof(command) + 40];
	snprintf(line, sizeof(line), "on the receiving machine: %s", command);
	tool_emit("receiver", !o->c.quiet && isatty(STDERR_FILENO) ? line : NULL, f, 1);
}

/* Say where fsend listens (an event "listening"): scripts wait for this
 * line to learn the port (port 0), even with -q. */
static void announce(const struct opts *o, int lfd, int first)
{
	char name[80], address[80], line[100];
	const char *colon;

	if (fx_sock_name(lfd, name, sizeof(name)) < 0 || (colon = strrchr(name, ':')) == NULL)
		return;
	/* "[::]:9000" is the address "::" and the port 9000. */
	snprintf(address, sizeof(address), "%.*s", (int)(colon - name), name);
	if (address[0] == '[') {
		memmove(address, address + 1, strlen(address));
		address[strcspn(address, "]")] = '\0';
	}
	struct tool_field f[] = { TOOL_F_STR("address", address),
	                          TOOL_F_U64("port", strtoul(colon + 1, NULL, 10)) };
	snprintf(line, sizeof(line), "listening on %s", name);
	tool_emit("listening", !o->c.quiet || o->port_num == 0 ? line : NULL, f, 2);
	if (first)
		tell_receiver(o, colon + 1);
}

/* Listen on the port operand (or take the sockets a service manager
 * passed): lfds[0..*n) to accept on. */
static int listen_on(const struct opts *o, int *lfds, size_t *n)
{
	char name[80];
	int gai, got = svc_listeners(lfds, SV_LISTEN_MAX);

	if (got < 0)
		return EX_CONFIG;
	*n = got > 0 ? (size_t)got : 1;
	if (got == 0 && (lfds[0] = fx_tcp_listen(o->bind, o->port, &gai)) < 0) {
		if (gai != 0)
			return tool_fail(EX_NOHOST, o->bind ? o->bind : "listen", gai_strerror(gai));
		int e = errno;
		if (o->bind != NULL) /* the address, most likely, is what failed */
			snprintf(name, sizeof(name), "%.50s port %s", o->bind, o->port);
		else
			snprintf(name, sizeof(name), "port %s", o->port);
		/* No transfer failed: nothing could listen (an address that
		 * cannot be bound, EINVAL for some), or the system ran out. */
		return tool_fail_errno(e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM ?
		                       EX_OSERR : EX_UNAVAILABLE, e, name, strerror(e));
	}
	for (size_t i = 0; i < *n; i++)
		announce(o, lfds[i], i == 0);
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
	int err;            /* the errno behind a failure, 0 when none */
	int refused;        /* the client did not prove the key: not served */
};

static int end(struct outcome *r, int status, const char *thing, const char *reason)
{
	r->status = status;
	r->thing = thing;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return status;
}

/* end() for a failure that errno e says. */
static int end_errno(struct outcome *r, int status, int e, const char *thing, const char *reason)
{
	r->err = e;
	return end(r, status, thing, reason);
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
	} while ((o->sha256 || o->c.key_path) && n > 0 && got < FX_ACK_MAX &&
	         !memchr(ack, '\n', got));
	if (!o->sha256 && !o->c.key_path && (nul = memchr(ack, '\0', got)) != NULL)
		got = (size_t)(nul - ack) + 1;
	return (ssize_t)got;
}

/*
 * --key: the acknowledgement must carry the tag the key gives to what was
 * sent (the client stored it); compared in constant time.
 */
static int judge_keyed_ack(const char *ack, size_t n, const struct fx_keyx *k, uint64_t size,
                           const uint8_t sent[FX_SHA256_LEN], const struct opts *o,
                           struct outcome *r)
{
	uint8_t tag[FX_SHA256_LEN];

	if (fx_keyx_ack_check(k, ack, n, size, sent) == 0) {
		if (o->sha256)
			fx_sha256_hex(sent, r->verified);
		return end(r, EX_OK, NULL, "acknowledged, content authenticated (--key)");
	}
	if (fx_key_ack_parse(ack, n, tag) == 0)
		return end(r, EX_DATAERR, "delivery failed", "the client's tag is not the key's for "
		           "what was sent: it stored different bytes, or its answer was changed on "
		           "the way (--key)");
	return end(r, EX_PROTOCOL, "delivery unconfirmed", "no keyed acknowledgement "
	           "(frecv --key sends one)");
}

/* Judge the acknowledgement ack[0..n) against the digest sent (--sha256). */
static int judge_ack(const char *ack, size_t n, const struct opts *o,
                     const uint8_t sent[FX_SHA256_LEN], struct outcome *r)
{
	char shown[4 * FX_ACK_MAX + 1], hex[FX_SHA256_HEX_LEN + 1], theirs[FX_SHA256_HEX_LEN + 1];
	uint8_t digest[FX_SHA256_LEN];
	int has;

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
                        const struct opts *o, const char *peer, struct fx_keyx *k,
                        struct outcome *r)
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
		return end_errno(r, EX_IOERR, errno, peer, strerror(errno));
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
			int e = errno;
			if (e == EIO && fstat(in->fd, &now) == 0 && (uint64_t)now.st_size < have)
				return end(r, EX_IOERR, o->file,
				           "file shrank while the client's part of it was hashed");
			return end_errno(r, EX_IOERR, e, o->file, strerror(e));
		}
		copy = prefix;
		fx_sha256_final(&copy, ours);
		if (memcmp(ours, theirs, FX_SHA256_LEN) == 0)
			r->from = have;
	}
	/* --key: both lines are the exchange's, which the tags cover. */
	if (k != NULL)
		fx_keyx_line(k, line, (size_t)n);
	n = (ssize_t)fx_resume_reply(line, (uint64_t)size, r->from);
	if (k != NULL)
		fx_keyx_line(k, line, (size_t)n);
	if (fx_write_full(sock, line, (size_t)n) < 0)
		return end_errno(r, EX_IOERR, errno, peer, tool_reason(errno, o->c.timeout));
	if (lseek(in->fd, (off_t)r->from, SEEK_SET) < 0)
		return end_errno(r, EX_IOERR, errno, o->file, strerror(errno));
	if (x->sha != NULL && r->from > 0)
		*x->sha = prefix;
	if (o->c.verbose)
		tool_say("%s: the client holds %llu bytes%s (hashed in %.3f s): sending from "
		         "byte %llu", peer, (unsigned long long)have,
		         r->from == have ? "" : ", not this file's start", tool_seconds_since(&start),
		         (unsigned long long)r->from);
	return EX_OK;
}

/* The client did not prove it holds the key: refused, as --allow refuses
 * (a reset; the client does not count). */
static int not_proved(struct outcome *r, const char *peer, const char *why)
{
	r->refused = 1;
	return end(r, EX_NOPERM, peer, why);
}

/*
 * --key, before anything else: the client's hello, our reply with our
 * proof, the client's proof.  Only a client that proved it holds the key
 * counts (sv_passed); any other is refused.  size is the whole file's.
 */
static int key_exchange(int sock, const struct opts *o, uint64_t size, struct fx_keyx *k,
                        const char *peer, struct outcome *r)
{
	char line[FX_KEY_LINE_MAX], why[160];
	unsigned t = (unsigned)o->c.timeout;
	ssize_t n;

	fx_keyx_start(k, o->c.key);
	/* Each line whole within -t, however slowly it trickles in. */
	n = fx_recv_line(sock, line, sizeof(line), t);
	if (n <= 0 || fx_keyx_hello_take(k, line, (size_t)n) < 0) {
		snprintf(why, sizeof(why), "no key hello (%s): connection reset (--key)",
		         n < 0 ? tool_reason(errno, o->c.timeout) : n == 0 ? "it closed" :
		                 "it sent something else");
		return not_proved(r, peer, why);
	}
	if ((n = (ssize_t)fx_keyx_reply(k, line, size, o->resume)) == 0)
		return end_errno(r, EX_OSERR, errno, "random bytes", strerror(errno));
	if (fx_write_full(sock, line, (size_t)n) < 0)
		return not_proved(r, peer, "gone before its proof: connection reset (--key)");
	n = fx_recv_line(sock, line, sizeof(line), t);
	if (n > 0 && fx_keyx_proof_take(k, line, (size_t)n) == 0) {
		sv_passed();
		return EX_OK;
	}
	snprintf(why, sizeof(why), "%s: connection reset (--key)",
	         n > 0 && errno == EACCES ? "the client does not hold the key" :
	         n > 0 ? "no key proof: it sent something else" :
	         n == 0 ? "no key proof: it closed (it does not hold the key, or refused ours)" :
	                  tool_reason(errno, o->c.timeout));
	return not_proved(r, peer, why);
}

/*
 * Send the whole file, half-close, and judge the acknowledgement.  The
 * connection resets when closed (the listener armed it), unless the client
 * acknowledged: a cut or unconfirmed transfer never ends cleanly.  Returns
 * with every signal blocked, so what was read is also what is reported.
 */
static int serve(int sock, const struct input *in, struct fx_xfer *x, struct tool_meter *m,
                 const struct opts *o, const char *peer, struct fx_keyx *k,
                 struct outcome *r)
{
	char ack[FX_ACK_MAX], line[FX_KEY_LINE_MAX];
	uint8_t sent[FX_SHA256_LEN];
	sigset_t all, old;
	struct timespec last, acked;
	struct stat st = in->st;
	off_t at, size = in->size;
	ssize_t n;

	if (fx_set_timeout(sock, (unsigned)o->c.timeout) < 0)
		return end_errno(r, EX_IOERR, errno, "socket", strerror(errno));
	/* The file as it is now, when the first byte goes. */
	if (S_ISREG(st.st_mode) && fstat(in->fd, &st) == 0 &&
	    (at = lseek(in->fd, 0, SEEK_CUR)) >= 0)
		size = at < st.st_size ? st.st_size - at : 0;
	/* The whole file's size, which the tags cover. */
	const uint64_t whole = (uint64_t)size;
	if (k != NULL && key_exchange(sock, o, whole, k, peer, r) != EX_OK)
		return r->status;
	if (o->resume) {
		if (resume_point(sock, in, size, x, o, peer, k, r) != EX_OK)
			return r->status;
		size -= (off_t)r->from;
		/* The rate and the time counted from the first byte of data, not
		 * from the hashing of the client's part. */
		tool_meter_start(m, m->on, m->total);
		m->base = r->from;
	}
	if (fx_send_stream(sock, in->fd, x) < 0)
		return end_errno(r, EX_IOERR, errno, x->out_failed ? peer : o->file,
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
	if (x->sha != NULL)
		fx_sha256_final(x->sha, sent);
	if (o->sha256) {
		/* On a terminal the line stands alone, not after the meter. */
		tool_meter_end(m);
		if (tool_sha256_line(stdout, sent, o->file) < 0)
			return end_errno(r, EX_IOERR, errno, "standard output", strerror(errno));
	}
	/* --key: the tag of everything, after the data: the client stores
	 * nothing it does not match. */
	if (k != NULL && fx_write_full(sock, line, fx_keyx_tag(k, line, whole, sent)) < 0)
		return end_errno(r, EX_IOERR, errno, peer, tool_reason(errno, o->c.timeout));
	/* A reset that came meanwhile fails the half-close with ENOTCONN: say
	 * what happened to the connection instead. */
	if (shutdown(sock, SHUT_WR) < 0) {
		int e = errno;
		if (fx_conn_check(sock) < 0)
			e = errno;
		return end_errno(r, EX_IOERR, e, peer, strerror(e));
	}
	clock_gettime(CLOCK_MONOTONIC, &last);

	/* Every byte is sent: only the acknowledgement is missing.  A peer
	 * that vanished without a word (a cable pulled) stops answering the
	 * probes.  A stop signal may end the wait, never the reading of it. */
	(void)fx_set_keepalive(sock, (unsigned)o->c.timeout);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((n = read_ack(sock, ack, o, &old)) < 0)
		return end_errno(r, EX_PROTOCOL, errno, "delivery unconfirmed",
		                 tool_reason(errno, o->c.timeout));
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
	if (n == 0)
		end(r, EX_PROTOCOL, "delivery unconfirmed", "client closed without acknowledgement");
	else if (k != NULL)
		judge_keyed_ack(ack, (size_t)n, k, whole, sent, o, r);
	else
		judge_ack(ack, (size_t)n, o, sent, r);
	if (r->status == EX_OK)
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
	char line[160];
	struct tool_field f[] = { TOOL_F_STR("peer", peer), TOOL_F_STR("outcome", "refused") };
	snprintf(line, sizeof(line), "%s: not allowed (--allow), connection reset", peer);
	tool_emit("client", line, f, 2);
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
 * How the transfer ended, said once: an event "done" or "error", with the
 * figures.  Its human form is a line per connection when fsend serves more
 * than one client (or with -v), else the verdict or the failure alone; on a
 * terminal the meter's last figures stay too.
 */
static void report(const struct opts *o, const struct outcome *r, struct tool_meter *m,
                   uint64_t bytes, const char *peer)
{
	char figures[128], summary[sizeof(r->reason) + 400], verdict[128];
	const char *said = NULL;
	int each = o->count != 1 || o->c.verbose;
	/* The peer is said once, even when it is what failed. */
	const char *shown = r->thing != NULL && strcmp(r->thing, peer) != 0 ? r->thing : NULL;
	struct tool_field f[] = {
		TOOL_F_STR("peer", peer),
		TOOL_F_U64("bytes", bytes),
		TOOL_F_REAL("seconds", tool_seconds_since(&m->start)),
		TOOL_F_STR("file", strcmp(o->file, "-") == 0 ? NULL : o->file),
		TOOL_F_STR("sha256", r->verified),
	};

	tool_figures(figures, sizeof(figures), m, bytes);
	if (r->refused) {
		/* Not served: said as --allow's refusal is. */
		struct tool_field c[] = { TOOL_F_STR("peer", peer), TOOL_F_STR("outcome", "refused") };
		snprintf(summary, sizeof(summary), "%s: %s", peer, r->reason);
		tool_emit("client", summary, c, 2);
		return;
	}
	if (r->status != EX_OK && each) {
		snprintf(summary, sizeof(summary), "%s: %s, %s%s%s", peer, figures,
		         shown ? shown : "", shown ? ": " : "", r->reason);
		tool_fail_with(r->status, r->err, NULL, summary, f, 2);
		return;
	}
	if (r->status != EX_OK) {
		tool_fail_with(r->status, r->err, r->thing, r->reason, f, 2);
		return;
	}
	if (!o->c.verbose)
		tool_meter_final(m, strcmp(o->file, "-") == 0 ? "standard input" : o->file, bytes,
		                 "acknowledged");
	if (each && o->c.verbose)
		snprintf(summary, sizeof(summary), "%s: %s, acknowledged %.3f s after the last byte%s",
		         peer, figures, r->ack_after, o->sha256 ? ", sha256 verified" : "");
	else if (each)
		snprintf(summary, sizeof(summary), "%s: %s, %s", peer, figures, r->reason);
	if (each && (o->c.verbose || !o->c.quiet))
		said = summary;
	if (o->count == 1 && o->sha256 && !o->c.quiet) {
		snprintf(verdict, sizeof(verdict), "delivery verified: sha256 %s", r->verified);
		/* Both lines: the summary is one more note. */
		if (said != NULL)
			tool_say("%s", said);
		said = verdict;
	}
	tool_emit("done", said, f, o->sha256 ? 5 : 4);
}

/*
 * The child process serving one client: report the outcome and return its
 * status.
 */
static int serve_client(int sock, const char *peer, void *arg)
{
	const struct input *in = arg;
	const struct opts *o = in->o;
	struct outcome r = { .status = EX_OK, .reason = "" };
	struct tool_meter m = { .peer = peer };
	struct fx_sha256 sha;
	struct fx_xfer x = { .chunk = o->c.chunk, .progress = tool_meter_update, .arg = &m,
	                     .hash_thread = o->c.hash_thread, .rate = o->c.rate };
	/* Several children cannot share one meter line (but each has its
	 * own progress events). */
	int meter = !o->c.quiet && (tool_json_mode() ||
	                            (o->count == 1 && (o->c.progress || isatty(STDERR_FILENO))));

	struct fx_keyx k;
	/* --key tags the file's digest: the same hashing as --sha256. */
	if (o->sha256 || o->c.key_path != NULL) {
		fx_sha256_init(&sha);
		x.sha = &sha;
	}
	tool_meter_start(&m, meter, (uint64_t)in->size);
	serve(sock, in, &x, &m, o, peer, o->c.key_path != NULL ? &k : NULL, &r);
	if (o->c.key_path != NULL)
		fx_keyx_end(&k);
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
	report(o, &r, &m, x.bytes, peer);
	return r.status;
}

/*
 * --inetd: serve the one connection on standard input, in this process, as
 * a child of the listener would (--allow first: a reset, nothing sent).
 */
static int serve_inetd(struct input *in)
{
	const struct opts *o = in->o;
	char peer[80];
	int sock;

	if (svc_inetd() < 0)
		return EX_CONFIG;
	/* A cut transfer is never a clean end, and a stop signal ends it. */
	if ((sock = dup(STDIN_FILENO)) < 0 || fx_set_reset_on_close(sock) < 0)
		return tool_fail_errno(EX_OSERR, errno, "standard input", strerror(errno));
	if (fx_peer_name(sock, peer, sizeof(peer)) < 0)
		snprintf(peer, sizeof(peer), "client");
	/* Only the copy holds the connection: closing it ends it. */
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		return tool_fail_errno(EX_OSERR, errno, "/dev/null", strerror(errno));
	close(null);
	if (o->nallow > 0 && !admit(sock, peer, in)) {
		close(sock);
		return EX_NOPERM;
	}
	struct tool_field f[] = { TOOL_F_STR("peer", peer), TOOL_F_STR("outcome", "accepted") };
	tool_emit("client", NULL, f, 2);
	tool_catch_stop_signals(tool_die_by_signal);
	return serve_client(sock, peer, in);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct input in = { .o = &o, .fd = -1 };
	struct sv_opts sv = { .ready = input_ready, .handed = input_handed,
	                      .serve = serve_client, .arg = &in };
	int status, lfds[SV_LISTEN_MAX];
	size_t nl;

	tool_init("fsend");
	tool_scan_json(argc, argv);
	/* --inetd: whatever ends fsend from here on (a bad option, a missing
	 * file), the peer sees a reset, never the clean end of a file, and no
	 * message reaches it (inetd gives the connection as 0, 1 and 2). */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--inetd") == 0 && fx_is_connection(STDIN_FILENO)) {
			(void)fx_set_reset_on_close(STDIN_FILENO);
			if (svc_inetd() < 0)
				return EX_CONFIG;
		}
	memset(&o, 0, sizeof(o));
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	/* Check the file before touching the network: a typo fails at once. */
	if ((status = open_input(o.file, &in)) != EX_OK)
		return status;
	if (o.inetd)
		return serve_inetd(&in);
	if ((status = listen_on(&o, lfds, &nl)) != EX_OK)
		return status;
	if (o.nallow > 0)
		sv.admit = admit;
	sv.jobs = o.jobs;
	sv.count = o.count;
	/* A resumable transfer that failed can go on: its client will be
	 * back (frecv --resume --retry), or sent again. */
	sv.count_success = o.resume && o.count > 0;
	/* --key: only a client that proved it holds the key counts. */
	sv.gate = o.c.key_path != NULL;
	sv.linger = o.c.timeout;
	sv.quiet = o.c.quiet;
	sv.log_each = o.count != 1 || o.c.verbose;
	return sv_run(lfds, nl, &sv);
}
