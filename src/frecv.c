/*
 * frecv: receive one file from fsend (or any TCP server), store it atomically,
 * and acknowledge it only once it is safely on disk.
 * Parses options, calls the library, and maps each outcome to an exit status.
 */
#include "fxfer.h"
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNOPSIS "[-nqv] [-c size] [-o path] [-t seconds] [--retry seconds] host port"

/* The temporary file a signal must remove, empty when there is none. */
static char tmp_path[PATH_MAX];

static void on_signal(int sig)
{
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	_exit(TOOL_EX_SIGNAL + sig);
}

static void usage(void)
{
	printf("usage: frecv " SYNOPSIS "\n"
	       "Connect to host:port, store what arrives in receive.dat, and\n"
	       "acknowledge it once it is safely on disk.\n\n"
	       "  -c, --chunk SIZE  move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "  -o, --output PATH store the file as PATH (default receive.dat)\n"
	       "                    (\"-\": standard output)\n"
	       "  -n, --no-clobber  never replace an existing file (status 73)\n"
	       "  -t, --timeout SECS give up on a connect or a transfer idle this long\n"
	       "                    (default 60, 0: never)\n"
	       "      --retry SECS  retry a refused connection for up to SECS seconds\n"
	       "  -q, --quiet       print only errors\n"
	       "  -v, --verbose     print a summary line: bytes, time, rate, peer\n"
	       "      --progress    draw a progress meter even if stderr is no terminal\n"
	       "  -h, --help        print this help and exit\n"
	       "      --version     print the version and exit\n");
}

struct opts {
	const char *host;
	const char *port;
	const char *output;
	unsigned long retry;
	int no_clobber;
	struct tool_opts c;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "no-clobber", no_argument, NULL, 'n' },
		{ "retry", required_argument, NULL, 'R' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	opterr = 0; /* the messages are ours: "prog: thing: reason" */
	o->output = "receive.dat";
	o->host = o->port = "";
	o->retry = 0;
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
		case 'n':
			o->no_clobber = 1;
			break;
		default:
			return tool_option_error(c, optopt, argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return tool_usage_error(NULL, argc - optind < 2 ?
		                        "missing operand" : "too many operands");
	o->host = argv[optind];
	o->port = argv[optind + 1];
	if (*o->host == '\0')
		return tool_usage_error("host", "empty");
	if (tool_port(o->port, 0) < 0)
		return EX_USAGE;
	return EX_OK;
}

/* Create the temporary output file and let the signal handler know it.
 * "-" is standard output, written as it comes: nothing to rename. */
static int open_output(const char *path, struct fx_outfile *out)
{
	struct stat st;
	sigset_t all, old;

	if (strcmp(path, "-") == 0) {
		out->fd = STDOUT_FILENO;
		out->path = out->tmp = NULL;
		return EX_OK;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return tool_fail(EX_CANTCREAT, path, strerror(EISDIR));
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (fx_out_open(out, path, 0666) < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return tool_fail(EX_CANTCREAT, path, strerror(e));
	}
	if (out->tmp != NULL && strlen(out->tmp) < sizeof(tmp_path))
		memcpy(tmp_path, out->tmp, strlen(out->tmp) + 1);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return EX_OK;
}

/* Keep or drop the temporary file, and forget it for the signal handler. */
static int finish_output(struct fx_outfile *out, int keep, int no_clobber)
{
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (keep)
		r = no_clobber ? fx_out_commit_new(out) : fx_out_commit(out);
	else
		fx_out_abort(out);
	tmp_path[0] = '\0';
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* Connect; with --retry, retry refused or unreachable for o->retry seconds,
 * waiting a little longer each time (0.1 s doubling up to 1 s). */
static int connect_to(const struct opts *o, int *sock)
{
	char thing[300];
	int gai;
	struct timespec start, now, pause = { 0, 100000000 };

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		*sock = fx_tcp_connect(o->host, o->port, (unsigned)o->c.timeout, &gai);
		if (*sock >= 0 || gai != 0 || tool_net_status(errno) != EX_UNAVAILABLE)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)o->retry)
			break;
		if (o->c.verbose)
			tool_say("%s port %s: %s, retrying", o->host, o->port,
			        strerror(errno));
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 500000000)
			pause.tv_nsec *= 2;
		else
			pause = (struct timespec){ 1, 0 };
	}
	if (*sock >= 0 && fx_set_timeout(*sock, (unsigned)o->c.timeout) == 0)
		return EX_OK;
	if (gai != 0)
		return tool_fail(EX_NOHOST, o->host, gai_strerror(gai));
	int e = errno;
	if (*sock >= 0)
		close(*sock);
	snprintf(thing, sizeof(thing), "%s port %s", o->host, o->port);
	return tool_fail(tool_net_status(e), thing, strerror(e));
}

int main(int argc, char **argv)
{
	struct opts o;
	struct fx_outfile out = { -1, NULL, NULL };
	struct tool_meter m;
	struct fx_xfer x;
	char thing[300], sum[96];
	int status, sock;

	tool_init("frecv", SYNOPSIS);
	memset(&o, 0, sizeof(o));
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	/* When standard output carries the file, every message goes to stderr. */
	FILE *msg = strcmp(o.output, "-") == 0 ? stderr : stdout;

	tool_catch_signals(on_signal, 0);

	/* A bad output path fails before the network is touched. */
	if ((status = open_output(o.output, &out)) != EX_OK)
		return status;
	if ((status = connect_to(&o, &sock)) != EX_OK) {
		finish_output(&out, 0, 0);
		return status;
	}
	snprintf(thing, sizeof(thing), "%s port %s", o.host, o.port);
	tool_meter_start(&m, !o.c.quiet && (o.c.progress || isatty(STDERR_FILENO)), 0);
	x = (struct fx_xfer){ o.c.chunk, 0, tool_meter_update, &m };
	if (fx_recv_stream(sock, out.fd, &x) < 0) {
		int e = errno;
		tool_meter_end(&m);
		close(sock);
		finish_output(&out, 0, 0);
		return tool_fail(EX_IOERR, thing, strerror(e));
	}
	tool_meter_end(&m);
	/* Only now, with every byte written (and a file durably in place), is
	 * the sender told so. */
	if (finish_output(&out, 1, o.no_clobber) < 0) {
		int e = errno;
		close(sock);
		return tool_fail(e == EEXIST ? EX_CANTCREAT : EX_IOERR, o.output, strerror(e));
	}
	if (fx_write_full(sock, FX_ACK, FX_ACK_LEN) < 0) {
		int e = errno;
		close(sock);
		return tool_fail(EX_IOERR, "sending acknowledgement", strerror(e));
	}
	close(sock);
	if (o.c.verbose) {
		tool_summary(sum, sizeof(sum), &m, x.bytes);
		tool_say("%s from %s", sum, thing);
	}
	if (!o.c.quiet)
		fprintf(msg, "received file data\n");
	return EX_OK;
}
