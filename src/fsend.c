/*
 * fsend: serve one file to one TCP client, then wait for its acknowledgement.
 * Parses options, calls the library, and maps each outcome to an exit status.
 */
#include "fxfer.h"
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNOPSIS "[-b address] [-c size] port file"

/* The connection a signal must reset, so the client never mistakes a cut
 * transfer for a complete one. */
static volatile sig_atomic_t conn_fd = -1;

static void on_signal(int sig)
{
	if (conn_fd >= 0) {
		/* setsockopt and close are plain system calls here. */
		fx_set_reset_on_close(conn_fd);
		close(conn_fd);
	}
	_exit(TOOL_EX_SIGNAL + sig);
}

static void usage(void)
{
	printf("usage: fsend " SYNOPSIS "\n"
	       "Listen on port (0: any free port), send file to the first client,\n"
	       "and wait for its acknowledgement.\n\n"
	       "  -b, --bind ADDR   listen on ADDR only (default: every address)\n"
	       "  -c, --chunk SIZE  move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "  -h, --help        print this help and exit\n");
}

struct opts {
	const char *bind;
	const char *port;
	const char *file;
	size_t chunk;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* the messages are ours: "prog: thing: reason" */
	o->bind = NULL;
	o->chunk = FX_CHUNK_DEFAULT;
	while ((c = getopt_long(argc, argv, ":b:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (*optarg == '\0')
				return tool_usage_error("bind address", "empty");
			o->bind = optarg;
			break;
		case 'c':
			if (tool_chunk(optarg, &o->chunk) < 0)
				return EX_USAGE;
			break;
		case 'h':
			usage();
			exit(EX_OK);
		default:
			return tool_option_error(c, optopt, argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return tool_usage_error(NULL, argc - optind < 2 ?
		                        "missing operand" : "too many operands");
	o->port = argv[optind];
	o->file = argv[optind + 1];
	if (tool_port(o->port, 1) < 0)
		return EX_USAGE;
	return EX_OK;
}

/* Open the file to send; it must be a regular file. */
static int open_input(const char *path, int *fdp, off_t *size)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO must not block the open before we can refuse it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return tool_fail(EX_NOINPUT, path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return tool_fail(EX_NOINPUT, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return tool_fail(EX_NOINPUT, path, S_ISDIR(st.st_mode) ?
		                 strerror(EISDIR) : "not a regular file");
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return tool_fail(EX_NOINPUT, path, strerror(e));
	}
	*fdp = fd;
	*size = st.st_size;
	return EX_OK;
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
		snprintf(name, sizeof(name), "port %s", o->port);
		return tool_fail(tool_net_status(e), name, strerror(e));
	}
	if (fx_sock_name(*lfd, name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "port %s", o->port);
	/* Scripts wait for this line to learn the port (port 0). */
	fprintf(stderr, "fsend: listening on %s\n", name);
	return EX_OK;
}

/* Abort the connection so the client sees a reset, not a clean end. */
static int abort_transfer(int status, const char *thing, const char *reason)
{
	int fd = conn_fd;

	conn_fd = -1;
	fx_set_reset_on_close(fd);
	close(fd);
	return tool_fail(status, thing, reason);
}

/* Send the whole file, half-close, and judge the acknowledgement. */
static int serve(int sock, int fd, off_t size, const struct opts *o)
{
	char ack[FX_ACK_MAX], shown[4 * FX_ACK_MAX + 1];
	uint64_t sent;
	ssize_t n;

	if (fx_send_stream(sock, fd, o->chunk, &sent) < 0)
		return abort_transfer(EX_IOERR, o->file, strerror(errno));
	if (sent < (uint64_t)size)
		return abort_transfer(EX_IOERR, o->file, "file shrank while being sent");
	if (shutdown(sock, SHUT_WR) < 0)
		return abort_transfer(EX_IOERR, "shutdown", strerror(errno));

	/* From here on every byte is sent: only the acknowledgement is missing. */
	n = fx_read_line(sock, ack, sizeof(ack));
	conn_fd = -1;
	close(sock);
	if (n < 0)
		return tool_fail(EX_PROTOCOL, "delivery unconfirmed", strerror(errno));
	if (n == 0)
		return tool_fail(EX_PROTOCOL, "delivery unconfirmed",
		                 "client closed without acknowledgement");
	if (!fx_ack_ok(ack, (size_t)n)) {
		fx_escape(shown, sizeof(shown), ack, (size_t)n);
		fprintf(stderr, "fsend: delivery unconfirmed: unexpected acknowledgement \"%s\"%s\n",
		        shown, (size_t)n == sizeof(ack) ? "..." : "");
		return EX_PROTOCOL;
	}
	printf("message from client: %s\n", FX_ACK);
	return EX_OK;
}

int main(int argc, char **argv)
{
	struct opts o;
	int status, fd = -1, lfd, sock;
	off_t size = 0;

	tool_init("fsend", SYNOPSIS);
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	/* Check the file before touching the network: a typo fails at once. */
	if ((status = open_input(o.file, &fd, &size)) != EX_OK)
		return status;
	if ((status = listen_on(&o, &lfd)) != EX_OK)
		return status;
	if ((sock = fx_accept(lfd)) < 0)
		return tool_fail(EX_IOERR, "accept", strerror(errno));
	close(lfd);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	conn_fd = sock;

	status = serve(sock, fd, size, &o);
	close(fd);
	return status;
}
