/*
 * frecv: receive one file from fsend (or any TCP server), store it atomically,
 * and acknowledge it only once it is safely on disk.
 * Parses options, calls the library, and maps each outcome to an exit status.
 */
#include "fxfer.h"
#include "tool_digest.h"
#include "tool_meter.h"
#include "tool_msgs.h"
#include "tool_param.h"
#include "tool_signals.h"
#include "tool_std.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNOPSIS "[-nqv] [-c size] [-o path] [-t seconds] [--expect-sha256 hex] [--json] [--key keyfile] [--limit-rate rate] [--max-size size] [--retry seconds] [--progress] [--resume] [--sha256] host port"

/* The bytes of a line that is not the resume line expected shown in the
 * message, at most: a resume line's start says what is wrong with it; of
 * anything else (a file's bytes, a web request) a few say enough. */
#define SHOWN ((size_t)48)
#define SHOWN_OTHER ((size_t)16)

/* The named temporary file a signal must remove; empty when there is none
 * (an unnamed one, on Linux, vanishes with the process by itself). */
static char tmp_path[PATH_MAX];
/* The .part file (--resume), kept and made durable when a signal ends
 * frecv; -1 when there is none. */
static volatile sig_atomic_t part_fd = -1;
/* Its path, and what to say when a signal leaves it for the next try. */
static char part_path[PATH_MAX];
static char kept_msg[PATH_MAX + 80];
static size_t kept_len;

static void on_signal(int sig)
{
	struct stat st;

	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	if (part_fd >= 0 && fstat(part_fd, &st) == 0 && st.st_size == 0) {
		unlink(part_path); /* nothing kept: nothing left */
	} else if (part_fd >= 0) {
		(void)fsync(part_fd);
		tool_meter_clear_at_death();
		if (kept_len > 0 && write(STDERR_FILENO, kept_msg, kept_len) < 0)
			kept_len = 0; /* nothing more to do about it, dying */
	}
	tool_die_by_signal(sig);
}

/* Was SIGIO ignored at the start?  Then a user's SIGIO stays ignored. */
static int io_ignored;

/*
 * Another process opened or truncated the leased .part file (si_code
 * POLL_MSG, from the kernel): let it go on at once rather than wait out
 * the lease; the commit sees the lease gone and keeps the file.  A SIGIO
 * sent by a user (kill(1): si_code SI_USER) ends frecv as ever.
 */
static void on_lease_break(int sig, siginfo_t *si, void *context)
{
	int fd = part_fd;

	(void)context;
	if (si->si_code <= 0) {
		if (!io_ignored)
			on_signal(sig);
		return;
	}
	if (fd >= 0)
		fx_out_unlease(fd);
}

static void catch_lease_break(void)
{
#ifdef SIGIO
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_lease_break;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	io_ignored = sigaction(SIGIO, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
	sigaction(SIGIO, &sa, NULL);
#endif
}

static void usage(void)
{
	printf("usage: frecv " SYNOPSIS "\n"
	       "       frecv --keygen\n"
	       "Connect to host:port, store what arrives in receive.dat, and\n"
	       "acknowledge it once it is safely on disk.\n\n"
	       "  -c, --chunk SIZE  move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "  -o, --output PATH store the file as PATH (default receive.dat)\n"
	       "                    (\"-\": standard output)\n"
	       "  -n, --no-clobber  never replace an existing file (status 73)\n"
	       "      --sha256      print the SHA-256 of what was stored, and send it to the\n"
	       "                    server with the acknowledgement (fsend --sha256)\n"
	       "      --expect-sha256 HEX\n"
	       "                    store the file only if its SHA-256 is HEX (status 65)\n"
	       "      --max-size SIZE\n"
	       "                    refuse a stream longer than SIZE bytes (K, M, G or T\n"
	       "                    suffix; status 65)\n"
	       "      --json        say every event on stderr as a JSON object, one a line\n"
	       "      --key KEYFILE take the file only from a server that proves it holds\n"
	       "                    the key, and store it only if every byte is the key's\n"
	       "                    tag's (fsend --key)\n"
	       "      --keygen      print a fresh key for --key and exit\n"
	       "      --limit-rate RATE\n"
	       "                    receive at most RATE bytes a second (K, M, G or T suffix)\n"
	       "  -t, --timeout SECS\n"
	       "                    give up on a connect or a transfer idle this long\n"
	       "                    (default 60, 0: never)\n"
	       "      --retry SECS  retry a refused connection for up to SECS seconds\n"
	       "      --resume      keep what arrives in PATH.part, and go on from there\n"
	       "                    next time, once the server proved it has the same\n"
	       "                    bytes (fsend --resume)\n"
	       "  -q, --quiet       print only errors (and the digest line --sha256 asks for)\n"
	       "  -v, --verbose     print a summary line: bytes, time, rate, peer\n"
	       "      --progress    draw a progress meter even if stderr is no terminal\n"
	       "  -h, --help        print this help and exit\n"
	       "      --version     print the version and exit\n");
}

struct opts {
	int idle_is_retry;   /* -t shortened to --retry's budget (see main) */
	const char *host;
	const char *port;
	const char *output;
	const char *shown;   /* the output in messages ("-": standard output) */
	unsigned long retry;
	uint64_t max_size;   /* 0: no limit */
	int sha256;          /* --sha256 */
	int resume;          /* --resume */
	int expect;          /* --expect-sha256 given: */
	uint8_t expected[FX_SHA256_LEN];
	int no_clobber;
	struct tool_opts c;
};

/* The reason for error e: a timeout names what set it, -t or --retry. */
static const char *why(const struct opts *o, int e)
{
	static char text[96];

	if (e != ETIMEDOUT || !o->idle_is_retry)
		return tool_reason(e, o->c.timeout);
	snprintf(text, sizeof(text), "timed out after %lu s without progress (--retry %lu)",
	         o->c.timeout, o->retry);
	return text;
}

/* Is s HOST:PORT or [HOST]:PORT, as some tools take one operand? */
static int host_colon_port(const char *s)
{
	const char *colon = strrchr(s, ':');

	if (colon == NULL || colon == s || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return 0;
	return strchr(s, ':') == colon || (s[0] == '[' && colon[-1] == ']');
}

/*
 * The wrong number n of operands (ops): say which is missing or too many,
 * and what was probably meant.
 */
static int operands_error(int n, char **ops)
{
	char reason[700], a[256], b[256];

	if (n == 0)
		return tool_usage_error(NULL, "missing operands HOST and PORT (frecv HOST PORT)");
	fx_escape(a, sizeof(a), ops[n == 1 ? 0 : 2], strlen(ops[n == 1 ? 0 : 2]));
	if (n == 1 && host_colon_port(ops[0])) {
		/* One word for both: say it as two, brackets and all taken off. */
		const char *colon = strrchr(ops[0], ':');
		int host_len = (int)(colon - ops[0]);
		const char *host = ops[0];
		if (host[0] == '[') {
			host++;
			host_len -= 2;
		}
		fx_escape(b, sizeof(b), host, (size_t)host_len);
		snprintf(reason, sizeof(reason), "missing operand PORT: HOST and PORT are two "
		         "operands: frecv %s %s", b, colon + 1);
	} else if (n == 1) {
		snprintf(reason, sizeof(reason), "missing operand PORT after '%s' (frecv HOST PORT)",
		         a);
	} else if (n == 3) {
		snprintf(reason, sizeof(reason), "too many operands: '%s' (to store the file under "
		         "that name: frecv -o '%s' HOST PORT)", a, a);
	} else {
		snprintf(reason, sizeof(reason), "too many operands: '%s' (frecv HOST PORT)", a);
	}
	return tool_usage_error(NULL, reason);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-clobber", no_argument, NULL, 'n' },
		{ "retry", required_argument, NULL, 'R' },
		{ "max-size", required_argument, NULL, 'S' },
		{ "sha256", no_argument, NULL, 'H' },
		{ "expect-sha256", required_argument, NULL, 'E' },
		{ "resume", no_argument, NULL, 'U' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	opterr = 0; /* the messages are ours: "prog: thing: reason" */
	o->output = "receive.dat";
	o->host = o->port = "";
	o->retry = 0;
	o->max_size = 0;
	o->no_clobber = 0;
	tool_opts_init(&o->c);
	while ((c = getopt_long(argc, argv, ":no:" TOOL_SHORTOPTS, longopts, NULL)) != -1) {
		if ((r = tool_common_option(c, optarg, &o->c, usage)) != 0) {
			if (r < 0)
				return EX_USAGE;
			continue;
		}
		switch (c) {
		case 'o':
			if (*optarg == '\0')
				return tool_usage_error("output path", "empty");
			o->output = optarg;
			break;
		case 'R':
			if (tool_number("retry", optarg, 0, 86400, &o->retry) < 0)
				return EX_USAGE;
			break;
		case 'H':
			o->sha256 = 1;
			break;
		case 'E':
			if (fx_sha256_parse_hex(optarg, o->expected) < 0)
				return tool_usage_error("expected sha256", "not 64 hex digits");
			o->expect = 1;
			break;
		case 'S':
			if (tool_size("max size", optarg, 1, UINT64_C(1) << 60, &o->max_size) < 0)
				return EX_USAGE;
			break;
		case 'n':
			o->no_clobber = 1;
			break;
		case 'U':
			o->resume = 1;
			break;
		default:
			return tool_option_error(c, optopt, argv[optind - 1]);
		}
	}
	if (tool_environment(&o->c) < 0)
		return EX_USAGE;
	if (argc - optind != 2)
		return operands_error(argc - optind, argv + optind);
	o->host = argv[optind];
	o->port = argv[optind + 1];
	if (*o->host == '\0')
		return tool_usage_error("host", "empty");
	if (tool_port(o->port, 0) < 0)
		return EX_USAGE;
	o->shown = strcmp(o->output, "-") == 0 ? "standard output" : o->output;
	if (o->resume && strcmp(o->output, "-") == 0)
		return tool_usage_error("--resume", "keeps what arrives in a file (PATH.part): "
		                        "not with -o -");
	return tool_key_load(&o->c) < 0 ? EX_USAGE : EX_OK;
}

/* Is path ("-": standard output), under whatever name, the file that
 * descriptor fd is (/dev/stdout, /proc/self/fd/1, the FIFO or terminal)? */
static int is_file_of(const char *path, int fd)
{
	struct stat a, b;

	if (strcmp(path, "-") == 0)
		return fd == STDOUT_FILENO ||
		       (fstat(STDOUT_FILENO, &a) == 0 && fstat(fd, &b) == 0 &&
		        a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	return stat(path, &a) == 0 && fstat(fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Is the output standard output, to be written as it is?  "-", or another
 * name of it that is no regular file (a pipe, a terminal): a regular file
 * named by its path is replaced like any other (-o out >>out).
 */
static int is_stdout(const char *path)
{
	struct stat st;

	return strcmp(path, "-") == 0 ||
	       (is_file_of(path, STDOUT_FILENO) && fstat(STDOUT_FILENO, &st) == 0 &&
	        !S_ISREG(st.st_mode));
}

/* Let the signal handler know the named temporary file, if there is one,
 * or the .part file it must keep. */
static void arm_tmp(const struct fx_outfile *out, const struct opts *o)
{
	if (out->keep && strlen(out->tmp) < sizeof(part_path)) {
		memcpy(part_path, out->tmp, strlen(out->tmp) + 1);
		if (!o->c.quiet) {
			int n = snprintf(kept_msg, sizeof(kept_msg), "frecv: %s.part: kept: the same "
			                 "command goes on from there\n", o->output);
			kept_len = n > 0 && (size_t)n < sizeof(kept_msg) ? (size_t)n : 0;
		}
		part_fd = out->fd;
	} else if (out->tmp != NULL && strlen(out->tmp) < sizeof(tmp_path))
		memcpy(tmp_path, out->tmp, strlen(out->tmp) + 1);
}

/* Wait *ns nanoseconds, but no more than left seconds (left > 0: there is a
 * deadline), and twice as long next time, up to max. */
static void back_off(long *ns, long max, double left)
{
	long wait = left > 0 && left * 1e9 < (double)*ns ? (long)(left * 1e9) : *ns;
	struct timespec t = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };

	nanosleep(&t, NULL);
	*ns = *ns < max / 2 ? *ns * 2 : max;
}

/* Drop the output (nothing stays but a .part file) and forget it for the
 * signal handler. */
static void drop_output(struct fx_outfile *out)
{
	tool_block_signals();
	fx_out_abort(out);
	tmp_path[0] = '\0';
	part_fd = -1;
	tool_unblock_signals();
}

/* --resume --retry: the .part file stays open (and locked) from one try to
 * the next, so no other frecv takes it between them. */
static int hold_part;

/* An attempt failed: hold the .part file for the next, durable; unless
 * another process was seen at it, or nothing of it is to be kept (then the
 * next try opens what is at its name, as at the start). */
static void set_aside(struct fx_outfile *out)
{
	if (hold_part && out->fd >= 0 && out->keep && !out->why_part && fx_out_keep(out) == 0)
		return;
	drop_output(out);
}

/* The .part file held since the last try: leased again, and still at its
 * name, alone?  Its length now is what it must have at the commit, unless
 * the bytes to come add to it. */
static int still_ours(struct fx_outfile *out)
{
	struct stat st;

	if (fx_out_lease(out) < 0 || fstat(out->fd, &st) < 0)
		return -1;
	out->length = (uint64_t)st.st_size;
	return fx_out_check(out);
}

/*
 * How an attempt ended: its status, what to say (once: by main, or in the
 * line before the next attempt), and what --retry needs to know.
 */
struct outcome {
	int status;
	int err;              /* the errno value behind it, 0 when none */
	int said;             /* 1: already said (a usage error) */
	int again;            /* --resume --retry: another attempt could change it */
	int cut;              /* 1: it broke while the data came */
	uint64_t at, size;    /* then: the bytes kept, of the size announced */
	uint64_t kept;        /* the bytes the .part file keeps, to be said */
	uint64_t stored;      /* the bytes this attempt stored */
	struct timespec last; /* when the last of them was (if any) */
	char thing[PATH_MAX + 16];
	char reason[4 * SHOWN + 4 * FX_RESUME_MAX + 256];
	char part[PATH_MAX + 8];   /* the .part file (--resume) */
	dev_t part_dev;            /* and the file it was, to say what it keeps */
	ino_t part_ino;
};

/* The attempt failed with status: "thing: reason", to be said once; e is
 * the errno value behind it (0: none). */
static int fail(struct outcome *r, int status, int e, const char *thing, const char *reason)
{
	r->status = status;
	r->err = e;
	snprintf(r->thing, sizeof(r->thing), "%s", thing);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return status;
}

/* ... and trying again could change that (--resume --retry). */
static int fail_again(struct outcome *r, int status, int e, const char *thing,
                      const char *reason)
{
	r->again = 1;
	return fail(r, status, e, thing, reason);
}

/* A usage error, said at once in its two lines. */
static int usage_fail(struct outcome *r, const char *thing, const char *reason)
{
	r->said = 1;
	return r->status = tool_usage_error(thing, reason);
}

/* A refusal of the output fx_out_open* gave (errno e): named for the .part
 * file when it is about that. */
static int output_refused(const struct opts *o, const struct fx_outfile *out, int e,
                          struct outcome *r)
{
	return fail(r, EX_CANTCREAT, e, out->why_part ? r->part : o->output,
	            out->why != NULL ? out->why : strerror(e));
}

/*
 * Open the output, before the network is touched, so a bad path fails at
 * once.  A FIFO with no reader is waited for up to -t seconds (forever with
 * -t 0), and any stop signal ends the wait.  With --resume the .part file is
 * leased: another process that opens it is seen at the commit.
 */
static int open_output(const struct opts *o, struct fx_outfile *out, struct outcome *r)
{
	struct timespec start;
	long pause = 10000000;   /* 10 ms, up to 200 ms */
	double waited;
	struct stat st;
	int rc;

	if (o->resume && (is_stdout(o->output) ||
	                  (stat(o->output, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))))
		return usage_fail(r, o->output, "--resume keeps what arrives in PATH.part "
		                  "beside a regular file: not for a device or FIFO");
	if (is_stdout(o->output)) {
		/* Closed at start, or open for reading only (1<file). */
		if (!tool_std_usable(STDOUT_FILENO, O_WRONLY))
			return fail(r, EX_CANTCREAT, EBADF, "standard output", strerror(EBADF));
		fx_out_use_fd(out, STDOUT_FILENO);
		return EX_OK;
	}
	if (o->no_clobber && stat(o->output, &st) == 0 && S_ISREG(st.st_mode))
		return fail(r, EX_CANTCREAT, EEXIST, o->output, strerror(EEXIST));
	if (out->fd >= 0 && still_ours(out) == 0)
		return EX_OK;
	if (out->fd >= 0)
		drop_output(out);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		/* The handler must know a named temporary file from its birth. */
		tool_block_signals();
		rc = o->resume ? fx_out_open_part(out, o->output, 0666) :
		                 fx_out_open(out, o->output, 0666);
		if (rc == 0)
			arm_tmp(out, o);
		tool_unblock_signals();
		if (rc == 0 && o->resume && !out->keep) {
			drop_output(out);
			return usage_fail(r, o->output, "--resume keeps what arrives in PATH.part "
			                  "beside a regular file: not for a device or FIFO");
		}
		if (rc == 0 && fx_out_lease(out) < 0) {
			/* Someone has it open: it may be gone by the next try. */
			output_refused(o, out, errno, r);
			drop_output(out);
			r->again = 1;
			return r->status;
		}
		if (rc == 0)
			return EX_OK;
		if (errno != ENXIO)
			return output_refused(o, out, errno, r);
		waited = tool_seconds_since(&start);
		if (o->c.timeout && waited >= (double)o->c.timeout)
			return fail(r, EX_CANTCREAT, 0, o->output, "no reader on the FIFO");
		back_off(&pause, 200000000, o->c.timeout ? (double)o->c.timeout - waited : 0);
	}
}

/* Connect; with retry, retry refused or unreachable for that many seconds,
 * waiting a little longer each time (0.1 s doubling up to 1 s), the last
 * try at the deadline.  A failure that could pass (refused, unreachable,
 * reset as it was made, a name that cannot be looked up now) is one to try
 * again. */
static int connect_to(const struct opts *o, unsigned long retry, int *sock, struct outcome *r)
{
	char thing[300];
	int gai;
	struct timespec start;
	long pause = 100000000;  /* 0.1 s, up to 1 s */
	double waited;
	int told = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		*sock = fx_tcp_connect(o->host, o->port, (unsigned)o->c.timeout, &gai);
		if (*sock >= 0 || gai != 0 || tool_net_status(errno) != EX_UNAVAILABLE)
			break;
		if ((waited = tool_seconds_since(&start)) >= (double)retry)
			break;
		/* The host as typed may hold anything: escaped, as in every message. */
		fx_escape(thing, sizeof(thing), o->host, strlen(o->host));
		if (o->c.verbose) {
			tool_say("%s port %s: %s, retrying", thing, o->port, strerror(errno));
		} else if (!told && !o->c.quiet && isatty(STDERR_FILENO)) {
			/* A person waits too: once, not a line per try. */
			tool_say("waiting for %s port %s (--retry %lu)", thing, o->port, retry);
			told = 1;
		}
		back_off(&pause, 1000000000, (double)retry - waited);
	}
	/* Until the acknowledgement is sent, however frecv ends (a signal,
	 * SIGKILL, a failure), the server sees a reset, never a clean close. */
	if (*sock >= 0 && fx_set_timeout(*sock, (unsigned)o->c.timeout) == 0 &&
	    fx_set_reset_on_close(*sock) == 0)
		return EX_OK;
	if (gai != 0) {
		r->again = gai == EAI_AGAIN;
		return fail(r, EX_NOHOST, 0, o->host, gai_strerror(gai));
	}
	int e = errno;
	if (*sock >= 0)
		close(*sock);
	snprintf(thing, sizeof(thing), "%s port %s", o->host, o->port);
	/* Reset as it was made: a relay or proxy whose server is not there
	 * (yet), which the next try may find back. */
	r->again = tool_net_status(e) == EX_UNAVAILABLE || e == ECONNRESET;
	if (e == ECONNREFUSED && o->retry == 0)
		return fail(r, EX_UNAVAILABLE, e, thing, "Connection refused (no sender listening "
		            "yet? --retry SECS waits for one)");
	return fail(r, tool_net_status(e), e, thing, why(o, e));
}

/* The slowest hashing a server is given time for, in bytes a second: SHA-256
 * in plain C on a slow core (with the CPU's SHA instructions ten times as
 * fast). */
#define REPLY_RATE ((uint64_t)100 * 1024 * 1024)

/* What a resumed transfer (--resume) agrees on. */
struct resume {
	uint64_t have;             /* the bytes it held at the start */
	struct fx_sha256 prefix;   /* their digest, not yet final */
	uint64_t size;             /* the whole file's, as the server says */
	uint64_t from;             /* where this run starts: 0 or have */
};

/* --resume, before connecting: what the .part file holds, and its digest. */
static int measure_part(const struct opts *o, struct fx_outfile *out, struct resume *rs,
                        struct outcome *r)
{
	struct stat st;
	struct timespec start;

	fx_sha256_init(&rs->prefix);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (fstat(out->fd, &st) < 0 ||
	    fx_sha256_file(out->fd, 0, (uint64_t)st.st_size, &rs->prefix) < 0)
		return fail(r, EX_IOERR, errno, r->part, strerror(errno));
	rs->have = (uint64_t)st.st_size;
	if (o->c.verbose && !o->c.quiet)
		tool_say("%s: %" PRIu64 " bytes kept, hashed in %.3f s", r->part, rs->have,
		         tool_seconds_since(&start));
	return EX_OK;
}

/* The server's answer to the resume request was not one: say what came. */
static int no_reply(struct outcome *r, int e, const char *thing, const char *what)
{
	char reason[4 * FX_RESUME_MAX + 160];

	snprintf(reason, sizeof(reason), "%s (fsend --resume answers the resume request; "
	         "a server without it cannot resume)", what);
	return fail(r, EX_PROTOCOL, e, thing, reason);
}

/*
 * --resume, once connected: send what the .part file holds, read where the
 * server goes on from, and make the .part file ready for the bytes to come
 * (emptied when what it holds is not the start of the server's file).
 */
static int agree_offset(const struct opts *o, int silent, struct fx_outfile *out, int sock,
                        const char *thing, struct fx_keyx *k, struct resume *rs,
                        struct outcome *r)
{
	char line[FX_RESUME_MAX], shown[4 * SHOWN + 8], what[4 * SHOWN + 128];
	uint8_t d[FX_SHA256_LEN];
	struct fx_sha256 copy = rs->prefix;
	uint64_t announced = rs->size;
	ssize_t n;

	fx_sha256_final(&copy, d);
	n = (ssize_t)fx_resume_request(line, rs->have, d);
	/* --key: both lines are the exchange's, which the tags cover. */
	if (k != NULL)
		fx_keyx_line(k, line, (size_t)n);
	if (fx_write_full(sock, line, (size_t)n) < 0)
		return fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	/* The server hashes as many bytes before it answers: the wait for the
	 * reply is -t plus a second for each REPLY_RATE of them. */
	unsigned long wait = o->c.timeout ? o->c.timeout + (unsigned long)(rs->have / REPLY_RATE) : 0;
	n = fx_recv_line(sock, line, sizeof(line), (unsigned)wait);
	if (n < 0 && errno == ETIME) {
		snprintf(what, sizeof(what), "the resume reply came too slowly: not whole within "
		         "%lu s", wait);
		return fail(r, EX_PROTOCOL, 0, thing, what);
	}
	/* Silence: a server that does not speak --resume, or a network gone
	 * (a server that does would have answered within the time). */
	r->again = n < 0;
	if (n < 0 && errno == ETIMEDOUT && wait != o->c.timeout) {
		snprintf(what, sizeof(what), "no reply within %lu s (-t %lu, and a second for "
		         "each 100 MiB kept, which the server hashes first)", wait, o->c.timeout);
		return no_reply(r, ETIMEDOUT, thing, what);
	}
	if (n < 0 && errno == ETIMEDOUT)
		return no_reply(r, ETIMEDOUT, thing, why(o, errno));
	/* A reset: the server gave up or died (it may well speak --resume). */
	if (n < 0)
		return fail(r, EX_IOERR, errno, thing, strerror(errno));
	if (n == 0)
		return no_reply(r, 0, thing, "closed without a resume reply");
	if (fx_resume_reply_parse(line, (size_t)n, &rs->size, &rs->from) < 0) {
		int e = errno;
		size_t most = (size_t)n >= 13 && memcmp(line, "fxfer-resume/", 13) == 0 ? SHOWN :
		              SHOWN_OTHER;
		fx_escape(shown, sizeof(shown), line, (size_t)n < most ? (size_t)n : most);
		snprintf(what, sizeof(what), e == EPROTONOSUPPORT ?
		         "a resume reply of another version: \"%s%s\" (this frecv speaks version 1)" :
		         e == ERANGE ? "a broken resume reply: \"%s%s\" (it would go on from beyond "
		                       "the file's end)" :
		         "not a resume reply: \"%s%s\"", shown, (size_t)n > most ? "..." : "");
		return e == EINVAL ? no_reply(r, 0, thing, what) : fail(r, EX_PROTOCOL, 0, thing, what);
	}
	if (k != NULL)
		fx_keyx_line(k, line, (size_t)n);
	if (k != NULL && rs->size != announced) {
		snprintf(what, sizeof(what), "the resume reply says %" PRIu64 " bytes, the key "
		         "reply %" PRIu64, rs->size, announced);
		return fail(r, EX_PROTOCOL, 0, thing, what);
	}
	if (rs->from != 0 && rs->from != rs->have) {
		snprintf(what, sizeof(what), "the server would go on from byte %" PRIu64
		         ", but the .part file holds %" PRIu64, rs->from, rs->have);
		return fail(r, EX_PROTOCOL, 0, thing, what);
	}
	if (o->max_size != 0 && rs->size > o->max_size) {
		snprintf(what, sizeof(what), "a file of %" PRIu64 " bytes, more than %" PRIu64
		         " (--max-size): connection reset", rs->size, o->max_size);
		return fail(r, EX_DATAERR, 0, thing, what);
	}
	if (rs->from == 0 && rs->have > 0) {
		/* Never a mix of two versions: what is kept goes. */
		if (ftruncate(out->fd, 0) < 0)
			return fail(r, EX_IOERR, errno, r->part, strerror(errno));
		if (!silent)
			tool_say("%s: the %" PRIu64 " bytes kept are not the start of the server's "
			         "file: starting over", r->part, rs->have);
	} else if (rs->from > 0 && !silent) {
		tool_say("%s: resuming at byte %" PRIu64 " of %" PRIu64, r->part, rs->from,
		         rs->size);
	}
	if (lseek(out->fd, (off_t)rs->from, SEEK_SET) < 0)
		return fail(r, EX_IOERR, errno, r->part, strerror(errno));
	return EX_OK;
}

/*
 * Receive the rest of the stream into fd.  With --resume the server said
 * how much is to come, x->max: a stream that runs past it is refused
 * (EMSGSIZE), even when nothing more was to come.
 */
static int receive(int sock, int fd, struct fx_xfer *x, int resume)
{
	char c;
	ssize_t n;

	if (!resume || x->max > 0)
		return fx_recv_stream(sock, fd, x);
	/* Nothing more to come: only the end of the stream may. */
	x->bytes = 0;
	x->out_failed = 0;
	if ((n = fx_read_full(sock, &c, 1)) == 0)
		return 0;
	if (n > 0)
		errno = EMSGSIZE;
	return -1;
}

/* The stream failed (errno e) after x->bytes: say how, and whether the
 * next attempt could go on from there. */
static int broken(const struct opts *o, const struct fx_xfer *x, const struct resume *rs,
                  int e, const char *thing, struct outcome *r)
{
	char what[200];

	if (e == EMSGSIZE && !x->out_failed && o->resume) {
		snprintf(what, sizeof(what), "more than the %" PRIu64 " bytes the server "
		         "announced: connection reset", rs->size);
		return fail(r, EX_PROTOCOL, 0, thing, what);
	}
	if (e == EMSGSIZE && !x->out_failed) {
		snprintf(what, sizeof(what), "more than %" PRIu64 " bytes (--max-size): "
		         "connection reset", o->max_size);
		return fail(r, EX_DATAERR, 0, thing, what);
	}
	if (x->out_failed)
		return fail(r, EX_IOERR, e, o->shown, strerror(e));
	/* The connection broke: the next one goes on from what is kept. */
	r->cut = 1;
	/* A server that says nothing, then resets, may wait for a line only
	 * frecv --resume or --key sends. */
	if (e == ECONNRESET && x->bytes == 0 && !o->resume && o->c.key_path == NULL)
		return fail(r, EX_IOERR, e, thing, "Connection reset by peer before a byte (a server "
		            "with --resume or --key waits for frecv to say so first)");
	return fail_again(r, EX_IOERR, e, thing, why(o, e));
}

/*
 * --key, once connected: our hello, the server's reply with its proof (it
 * holds the key: else 77), our proof.  rs->size is then the size the server
 * announced.
 */
static int key_hello(const struct opts *o, int sock, const char *thing, struct fx_keyx *k,
                     struct resume *rs, struct outcome *r)
{
	char line[FX_KEY_LINE_MAX], what[200];
	unsigned t = (unsigned)o->c.timeout;
	int resume;
	ssize_t n;

	fx_keyx_start(k, o->c.key);
	if ((n = (ssize_t)fx_keyx_hello(k, line)) == 0)
		return fail(r, EX_OSERR, errno, "random bytes", strerror(errno));
	if (fx_write_full(sock, line, (size_t)n) < 0)
		return fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	/* A reset or the network's silence may pass; a server that answers
	 * otherwise does not hold the key (a plain fsend sends data). */
	n = fx_recv_line(sock, line, sizeof(line), t);
	if (n < 0 && errno != ETIME)
		return fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	if (n <= 0 || fx_keyx_reply_take(k, line, (size_t)n, &rs->size, &resume) < 0)
		return fail(r, EX_NOPERM, n > 0 ? errno : 0, thing, n > 0 && errno == EACCES ?
		            "the server does not hold the key: its proof is not the key's (--key)" :
		            "the server does not hold the key: no key reply came (fsend --key "
		            "sends one)");
	if (resume != o->resume) {
		snprintf(what, sizeof(what), "the server %s --resume, this frecv %s",
		         resume ? "uses" : "does not use", o->resume ? "does" : "does not");
		return fail(r, EX_PROTOCOL, 0, thing, what);
	}
	if (o->max_size != 0 && rs->size > o->max_size) {
		snprintf(what, sizeof(what), "a file of %" PRIu64 " bytes, more than %" PRIu64
		         " (--max-size): connection reset", rs->size, o->max_size);
		return fail(r, EX_DATAERR, 0, thing, what);
	}
	n = (ssize_t)fx_keyx_proof(k, line);
	if (fx_write_full(sock, line, (size_t)n) < 0)
		return fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	return EX_OK;
}

/*
 * --key, after the data: the server's tag must be the key's for the whole
 * file (its size and digest), and nothing may follow it.  Changed, missing
 * or extra bytes are 65 (nothing of them is kept); a stream cut before the
 * tag is a failed transfer.
 */
static int key_tag(const struct opts *o, int sock, const char *thing, const struct fx_keyx *k,
                   uint64_t size, const uint8_t digest[FX_SHA256_LEN], struct outcome *r)
{
	char line[FX_KEY_LINE_MAX], c;
	ssize_t n = fx_recv_line(sock, line, sizeof(line), (unsigned)o->c.timeout);

	if (n < 0 && errno != ETIME)
		return fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	if (n == 0)
		return fail_again(r, EX_IOERR, 0, thing, "the stream ended before its tag (--key)");
	if (n < 0 || fx_keyx_tag_check(k, line, (size_t)n, size, digest) < 0)
		return fail(r, EX_DATAERR, 0, o->shown, n > 0 && errno == EACCES ?
		            "changed on the way: its tag is not the key's for what came (--key)" :
		            "changed on the way: no tag where the data ends (--key)");
	if ((n = fx_read_full(sock, &c, 1)) != 0)
		return n > 0 ? fail(r, EX_DATAERR, 0, o->shown, "changed on the way: bytes after its "
		                    "tag (--key)") :
		               fail_again(r, EX_IOERR, errno, thing, why(o, errno));
	return EX_OK;
}

/*
 * Store the received file and acknowledge it.  The order makes every status
 * tell the truth about the target: sync the data (long, interruptible), then
 * with every signal blocked till exit (short): check the sender is still
 * there, rename, sync the directory, acknowledge.
 */
static int store(const struct opts *o, struct fx_outfile *out, int sock, const char *thing,
                 const struct fx_keyx *k, uint64_t size, const uint8_t digest[FX_SHA256_LEN],
                 struct outcome *r)
{
	char ack[FX_KEY_LINE_MAX], hex[FX_SHA256_HEX_LEN + 1], reason[400];
	size_t ack_len = FX_ACK_LEN;
	sigset_t all;
	int e;

	memcpy(ack, FX_ACK, FX_ACK_LEN);
	/* --key: the tag of what is stored, which only the key's holders make. */
	if (k != NULL)
		ack_len = fx_keyx_ack(k, ack, size, digest);
	else if (o->sha256)
		ack_len += (size_t)snprintf(ack + FX_ACK_LEN, sizeof(ack) - FX_ACK_LEN,
		                            FX_ACK_SHA256 "%s\n", fx_sha256_hex(digest, hex));

	if (fx_out_sync(out) < 0) {
		e = errno;
		close(sock); /* a reset: armed since the connect */
		drop_output(out);
		/* EACCES: a file planted at the target meanwhile. */
		return fail(r, e == EACCES || e == EPERM ? EX_CANTCREAT : EX_IOERR, e,
		            o->shown, strerror(e));
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	/* A sender that gave up (its -t, a stop) is not told "stored": the
	 * next attempt finds everything kept. */
	if (fx_conn_check(sock) < 0) {
		e = errno;
		close(sock); /* a reset: armed since the connect */
		fx_out_abort(out);
		part_fd = -1;
		return fail_again(r, EX_IOERR, e, thing, strerror(e));
	}
	int rc = o->no_clobber ? fx_out_commit_new(out) : fx_out_commit(out);
	e = errno;
	tmp_path[0] = '\0';
	part_fd = -1;
	if (rc < 0) {
		close(sock); /* a reset: armed since the connect */
		if (out->why_part) {
			/* Another process at the .part file: what it holds is
			 * proved again, next time, before a byte is taken. */
			r->again = !out->placed;
			return fail(r, EX_IOERR, e, r->part, out->why);
		}
		if (out->placed) {
			snprintf(reason, sizeof(reason), "replaced, but %s%s",
			         out->why != NULL ? out->why : "not synced to disk: ",
			         out->why != NULL ? "" : strerror(e));
			return fail(r, EX_IOERR, e, o->shown, reason);
		}
		return fail(r, e == EEXIST || e == EACCES || e == EPERM ? EX_CANTCREAT : EX_IOERR, e,
		            o->shown, out->why != NULL ? out->why : strerror(e));
	}
	if (fx_write_full(sock, ack, ack_len) < 0) {
		e = errno;
		close(sock);
		snprintf(reason, sizeof(reason),
		         "stored, but the acknowledgement could not be sent: %s", strerror(e));
		return fail(r, EX_PROTOCOL, e, o->shown, reason);
	}
	/* A reset now could discard the acknowledgement on its way. */
	(void)fx_clear_reset_on_close(sock);
	close(sock);
	return EX_OK;
}

/*
 * The file is stored and acknowledged: an event "done" with the figures
 * (bytes moved this time, the file's size), its human form the -v summary,
 * or on a terminal the meter's last figures.
 */
static void stored(const struct opts *o, int silent, struct tool_meter *m, uint64_t bytes,
                   uint64_t size, const uint8_t digest[FX_SHA256_LEN], const char *thing)
{
	char figures[128], summary[512], hex[FX_SHA256_HEX_LEN + 1];
	int hashed = o->sha256 || o->expect;
	struct tool_field f[] = {
		TOOL_F_STR("peer", m->peer),
		TOOL_F_U64("bytes", bytes),
		TOOL_F_REAL("seconds", tool_seconds_since(&m->start)),
		TOOL_F_STR("path", strcmp(o->output, "-") == 0 ? NULL : o->output),
		TOOL_F_U64("size", size),
		TOOL_F_STR("sha256", hashed ? fx_sha256_hex(digest, hex) : NULL),
	};

	if (o->c.verbose && !silent) {
		tool_figures(figures, sizeof(figures), m, bytes);
		snprintf(summary, sizeof(summary), "%s from %s", figures, thing);
	} else {
		/* On a terminal, what moved stays on the screen once the meter
		 * is gone (the meter was off when silent). */
		tool_meter_final(m, o->shown, bytes, "stored");
	}
	tool_emit("done", o->c.verbose && !silent ? summary : NULL, f, hashed ? 6 : 5);
}

/* The attempt failed before the store: reset the connection, set the
 * output aside (a .part file stays), forget the exchange's secrets. */
static int abandon(int sock, struct fx_outfile *out, struct fx_keyx *k, int status)
{
	close(sock); /* a reset: armed since the connect */
	set_aside(out);
	if (k != NULL)
		fx_keyx_end(k);
	return status;
}

/* The meter, and when the last byte was stored: --retry's clock starts
 * again from there. */
struct progress {
	struct tool_meter m;
	struct outcome *r;
};

static void on_progress(void *arg, uint64_t bytes)
{
	struct progress *p = arg;

	if (bytes > p->r->stored) {
		p->r->stored = bytes;
		clock_gettime(CLOCK_MONOTONIC, &p->r->last);
	}
	tool_meter_update(&p->m, bytes);
}

/*
 * One attempt: open the output (with --resume, the .part file, or the one
 * held since the last try, and the digest of what it holds), connect (on
 * the first, waiting --retry seconds for a sender), agree on the offset,
 * receive, store and acknowledge.
 * Returns the status; r says what to tell, and whether to try again.
 */
static int attempt(const struct opts *o, int first, struct fx_outfile *out, struct outcome *r)
{
	struct progress p = { .r = r };
	struct resume rs = { .size = 0 };
	struct fx_xfer x;
	struct fx_sha256 sha;
	struct fx_keyx keyx = { 0 }, *k = o->c.key_path != NULL ? &keyx : NULL;
	uint8_t digest[FX_SHA256_LEN];
	char thing[300], peer[320], got[FX_SHA256_HEX_LEN + 1], want[FX_SHA256_HEX_LEN + 1];
	int status, sock;

	memset(r, 0, sizeof(*r));
	snprintf(r->part, sizeof(r->part), "%s.part", o->output);
	/* When standard output is the file, under any name (even a regular
	 * file replaced by its path: -o out >out), every message goes to
	 * stderr; when stderr is the file written too (2>&1), only errors are
	 * said at all. */
	FILE *msg = is_file_of(o->output, STDOUT_FILENO) ? stderr : stdout;

	if ((status = open_output(o, out, r)) != EX_OK)
		return status;
	struct stat st;
	if (out->keep && fstat(out->fd, &st) == 0) {
		r->part_dev = st.st_dev;
		r->part_ino = st.st_ino;
	}
	int errors_only = out->direct && is_file_of(o->output, STDERR_FILENO);
	int silent = o->c.quiet || errors_only;
	if (o->resume && (status = measure_part(o, out, &rs, r)) != EX_OK) {
		set_aside(out);
		return status;
	}
	if ((status = connect_to(o, first ? o->retry : 0, &sock, r)) != EX_OK) {
		set_aside(out);
		return status;
	}
	snprintf(thing, sizeof(thing), "%s port %s", o->host, o->port);
	if (fx_peer_name(sock, peer, sizeof(peer)) < 0)
		snprintf(peer, sizeof(peer), "%s", thing);
	p.m.peer = peer;
	r->at = rs.have;
	if ((k != NULL && (status = key_hello(o, sock, thing, k, &rs, r)) != EX_OK) ||
	    (o->resume && (status = agree_offset(o, silent, out, sock, thing, k, &rs, r)) != EX_OK))
		return abandon(sock, out, k, status);
	r->size = rs.size;
	tool_meter_start(&p.m, !silent && (o->c.progress || tool_json_mode() || isatty(STDERR_FILENO)),
	                 rs.size);
	p.m.base = rs.from;
	/* Resumed, the digest covers the kept bytes too: the whole file. */
	if (rs.from > 0)
		sha = rs.prefix;
	else
		fx_sha256_init(&sha);
	/* --key: the size is announced, and the tag follows the data; the
	 * digest is the one the tags cover. */
	x = (struct fx_xfer){ .chunk = o->c.chunk, .progress = on_progress, .arg = &p,
	                      .max = o->resume || k != NULL ? rs.size - rs.from : o->max_size,
	                      .exact = k != NULL,
	                      .sha = o->sha256 || o->expect || k != NULL ? &sha : NULL,
	                      .hash_thread = o->c.hash_thread, .rate = o->c.rate };
	status = k != NULL && x.max == 0 ? 0 : receive(sock, out->fd, &x, o->resume);
	int e = errno;
	tool_meter_end(&p.m);
	r->at = rs.from + x.bytes;
	if (status == 0 && (o->resume || k != NULL) && r->at < rs.size) {
		/* A clean end before the announced size is no end. */
		char what[160];
		snprintf(what, sizeof(what), "the stream ended after %" PRIu64 " of %" PRIu64
		         " bytes", r->at, rs.size);
		r->cut = 1;
		status = fail_again(r, EX_IOERR, 0, thing, what);
	} else if (status < 0) {
		status = broken(o, &x, &rs, e, thing, r);
	}
	if (status == EX_IOERR)
		r->kept = r->at;
	if (status != EX_OK)
		return abandon(sock, out, k, status);
	fx_sha256_final(&sha, digest);
	if (k != NULL && (status = key_tag(o, sock, thing, k, rs.size, digest, r)) != EX_OK) {
		/* Bytes the key does not vouch for: none of them is kept. */
		if (status == EX_DATAERR) {
			out->keep = 0;
			r->at = 0;
		}
		return abandon(sock, out, k, status);
	}
	if (o->expect && memcmp(digest, o->expected, FX_SHA256_LEN) != 0) {
		char what[200];
		out->keep = 0; /* not the file expected: nothing of it is worth keeping */
		r->at = 0;
		snprintf(what, sizeof(what), "received sha256 %s, expected %s",
		         fx_sha256_hex(digest, got), fx_sha256_hex(o->expected, want));
		return abandon(sock, out, k, fail(r, EX_DATAERR, 0, o->shown, what));
	}
	/* What the .part file must hold, unless another process changed it:
	 * checked before a digest is said to be the file's, and at the commit
	 * again. */
	out->length = r->at;
	if (fx_out_check(out) < 0) {
		r->kept = r->at;
		fail_again(r, EX_IOERR, EBUSY, r->part, out->why);
		return abandon(sock, out, k, EX_IOERR);
	}
	/* The digest line was asked for: it is out before the file is stored,
	 * or nothing is. */
	if (o->sha256 && !errors_only && tool_sha256_line(msg, digest, o->output) < 0) {
		e = errno;
		return abandon(sock, out, k, fail(r, EX_IOERR, e, tool_stream_name(msg), strerror(e)));
	}
	status = store(o, out, sock, thing, k, rs.size, digest, r);
	if (k != NULL)
		fx_keyx_end(k);
	if (status != EX_OK)
		return status;
	stored(o, silent, &p.m, x.bytes, r->at, digest, thing);
	errno = 0; /* for tool_flush */
	if (!silent)
		fprintf(msg, "received file data\n");
	/* Stored and acknowledged: the status says so.  A lost message is
	 * only said. */
	if (tool_flush(msg) < 0)
		tool_say("%s: %s (the file was stored)", tool_stream_name(msg), strerror(errno));
	return EX_OK;
}

/* --resume --retry: before the next attempt, an event "retry": where it
 * broke, why, and when it tries again. */
static void say_retry(const struct opts *o, const struct outcome *r, unsigned wait)
{
	char at[32], size[32], shown[PATH_MAX * 4], line[PATH_MAX * 4 + sizeof(r->reason) + 200];
	struct tool_field f[5] = { TOOL_F_U64("wait", wait), TOOL_F_U64("retry", o->retry) };
	size_t n = 2;

	if (r->cut) {
		f[n++] = (struct tool_field)TOOL_F_U64("at", r->at);
		f[n++] = (struct tool_field)TOOL_F_U64("total", r->size);
	}
	if (tool_errno_name(r->err) != NULL)
		f[n++] = (struct tool_field)TOOL_F_STR("errno", tool_errno_name(r->err));

	if (r->cut) {
		tool_human(at, sizeof(at), (double)r->at);
		tool_human(size, sizeof(size), (double)r->size);
		fx_escape(shown, sizeof(shown), o->output, strlen(o->output));
		snprintf(line, sizeof(line), "%s: cut at %s of %s: %s; again in %u s (--retry %lu)",
		         shown, at, size, r->reason, wait, o->retry);
	} else {
		fx_escape(shown, sizeof(shown), r->thing, strlen(r->thing));
		snprintf(line, sizeof(line), "%s: %s; again in %u s (--retry %lu)", shown, r->reason,
		         wait, o->retry);
	}
	tool_emit("retry", o->c.quiet && !tool_json_mode() ? NULL : line, f, n);
}

/* How long the next attempt waits: pause, or what is left of the budget
 * when that is less (the last try at the deadline).  0: no time left. */
static unsigned next_wait(unsigned pause, const struct timespec *last, unsigned long budget)
{
	double left = (double)budget - tool_seconds_since(last);

	if (left <= 0)
		return 0;
	return left < (double)pause ? (unsigned)left + (left > (double)(unsigned)left) : pause;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct outcome r;
	struct fx_outfile out = { .fd = -1, .dirfd = -1, .foundfd = -1 };
	struct timespec last;      /* the last byte stored, or the start */
	unsigned pause = 1, wait = 0; /* --retry's backoff: 1 s doubling to 30 s */
	int status;

	tool_init("frecv");
	tool_scan_json(argc, argv);
	memset(&o, 0, sizeof(o));
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	tool_catch_fatal_signals(on_signal);
	catch_lease_break();
	/* --resume --retry SECS gives up once SECS pass without a byte: a
	 * connection silent that long is given up sooner than -t would. */
	if (o.resume && o.retry > 0 && (o.c.timeout == 0 || o.retry < o.c.timeout)) {
		o.c.timeout = o.retry;
		o.idle_is_retry = 1;
	}
	hold_part = o.resume && o.retry > 0;
	clock_gettime(CLOCK_MONOTONIC, &last);
	int first;
	for (first = 1; (status = attempt(&o, first, &out, &r)) != EX_OK; first = 0) {
		if (r.stored > 0) {
			/* Bytes came: the link works, and the budget starts again. */
			last = r.last;
			pause = 1;
		}
		if (!o.resume || !r.again || (wait = next_wait(pause, &last, o.retry)) == 0)
			break;
		say_retry(&o, &r, wait);
		sleep(wait);
		pause = pause < 15 ? pause * 2 : 30;
	}
	drop_output(&out);
	if (status == EX_OK || r.said)
		return status;
	if (o.resume && r.again && o.retry > 0) {
		size_t n = strlen(r.reason);
		snprintf(r.reason + n, sizeof(r.reason) - n, " (no byte stored for %lu s: gave up, "
		         "--retry %lu)", o.retry, o.retry);
	}
	tool_fail_errno(status, r.err, r.thing, r.reason);
	/* What the .part file holds now, if it is still at its name (another
	 * process may have changed it, or put another file there). */
	struct stat st;
	r.kept = (r.kept > 0 || !first) && lstat(r.part, &st) == 0 && S_ISREG(st.st_mode) &&
	         st.st_dev == r.part_dev && st.st_ino == r.part_ino ? (uint64_t)st.st_size : 0;
	if (o.resume && !o.c.quiet && r.kept > 0)
		tool_say("%s.part: %" PRIu64 " bytes kept: the same command goes on from there",
		         o.output, r.kept);
	return status;
}
