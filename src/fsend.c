/*
 * fsend: serve one file to TCP clients, each waiting for its acknowledgement.
 * Parses options, calls the library, and maps each outcome to an exit status.
 */
#include "fxfer.h"
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYNOPSIS "[-kqv] [-b address] [-c size] [-j jobs] [-n count] [-t seconds] port file"

/* The connection a signal must reset, so the client never mistakes a cut
 * transfer for a complete one (in the process serving it). */
static volatile sig_atomic_t conn_fd = -1;
/* In the listening process: the signal that asked it to stop, and a pipe
 * that wakes its poll(2) for that signal and for SIGCHLD. */
static volatile sig_atomic_t stop_sig;
static int wake[2] = { -1, -1 };

static void on_signal(int sig)
{
	if (conn_fd >= 0) {
		/* setsockopt and close are plain system calls here. */
		fx_set_reset_on_close(conn_fd);
		close(conn_fd);
	}
	_exit(TOOL_EX_SIGNAL + sig);
}

static void on_listener_signal(int sig)
{
	int e = errno;

	if (sig != SIGCHLD)
		stop_sig = sig;
	(void)!write(wake[1], "", 1);
	errno = e;
}

static void usage(void)
{
	printf("usage: fsend " SYNOPSIS "\n"
	       "Listen on port (0: any free port), send file to each client, and wait\n"
	       "for its acknowledgement.\n\n"
	       "  -b, --bind ADDR     listen on ADDR only (default: every address)\n"
	       "  -c, --chunk SIZE    move SIZE bytes per call, 1 to 16M (default 1M)\n"
	       "  -j, --jobs N        serve at most N clients at once (default 16)\n"
	       "  -k, --keep-open     keep listening after a transfer, like nc -k\n"
	       "  -n, --count N       serve exactly N clients, then exit\n"
	       "  -t, --timeout SECS  fail a transfer idle this long (default 60, 0: never)\n"
	       "  -q, --quiet         print only errors (and the listening line for port 0)\n"
	       "  -v, --verbose       print a summary line per transfer\n"
	       "      --progress      draw a progress meter even if stderr is no terminal\n"
	       "  -h, --help          print this help and exit\n"
	       "      --version       print the version and exit\n"
	       "file \"-\" sends standard input (to one client).\n");
}

struct opts {
	const char *bind;
	const char *port;
	const char *file;
	unsigned long count;    /* clients to serve; 0: no end (-k) */
	unsigned long jobs;
	struct tool_opts c;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "keep-open", no_argument, NULL, 'k' },
		{ "count", required_argument, NULL, 'n' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, r, keep = 0, counted = 0;

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
		case 'n':
			if (tool_number("count", optarg, 1, 1000000000, &o->count) < 0)
				return EX_USAGE;
			counted = 1;
			break;
		default:
			return tool_option_error(c, optopt, argv[optind - 1]);
		}
	}
	/* -k serves forever, unless -n says how many. */
	if (keep && !counted)
		o->count = 0;
	if (argc - optind != 2)
		return tool_usage_error(NULL, argc - optind < 2 ?
		                        "missing operand" : "too many operands");
	o->port = argv[optind];
	o->file = argv[optind + 1];
	if (tool_port(o->port, 1) < 0)
		return EX_USAGE;
	if (strcmp(o->file, "-") == 0 && o->count != 1)
		return tool_usage_error("-", "standard input can be sent to one client only");
	return EX_OK;
}

/* Standard input ("-"): any kind of file; its size is known only when it is
 * a regular file (what is left of it from the current offset). */
static int open_stdin(int *fdp, off_t *size)
{
	struct stat st;
	off_t at;

	if (fstat(STDIN_FILENO, &st) < 0)
		return tool_fail(EX_NOINPUT, "standard input", strerror(errno));
	*fdp = STDIN_FILENO;
	*size = 0;
	if (S_ISREG(st.st_mode) && (at = lseek(STDIN_FILENO, 0, SEEK_CUR)) >= 0)
		*size = st.st_size - at;
	return EX_OK;
}

/* Open the file to send; it must be a regular file. */
static int open_input(const char *path, int *fdp, off_t *size)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO must not block the open before we can refuse it. */
	int fd, e;

	if (strcmp(path, "-") == 0)
		return open_stdin(fdp, size);
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
	*fdp = fd;
	*size = st.st_size;
	return EX_OK;
fail:
	e = errno;
	close(fd);
	return tool_fail(EX_NOINPUT, path, strerror(e));
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
	/* Scripts wait for this line to learn the port (port 0), even with -q. */
	if (!o->c.quiet || strcmp(o->port, "0") == 0)
		tool_say("listening on %s", name);
	return EX_OK;
}

/* How one transfer ended: the status, and what to tell the user. */
struct outcome {
	int status;
	const char *thing;
	char reason[4 * FX_ACK_MAX + 64];
};

static int end(struct outcome *r, int status, const char *thing, const char *reason)
{
	r->status = status;
	r->thing = thing;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	return status;
}

/* Abort the connection so the client sees a reset, not a clean end. */
static int abort_transfer(struct outcome *r, const char *thing, const char *reason)
{
	int fd = conn_fd;

	conn_fd = -1;
	fx_set_reset_on_close(fd);
	close(fd);
	return end(r, EX_IOERR, thing, reason);
}

/* Send the whole file, half-close, and judge the acknowledgement. */
static int serve(int sock, int fd, off_t size, struct fx_xfer *x, const struct opts *o,
                 struct outcome *r)
{
	char ack[FX_ACK_MAX], shown[4 * FX_ACK_MAX + 1];
	ssize_t n;

	conn_fd = sock;
	if (fx_set_timeout(sock, (unsigned)o->c.timeout) < 0)
		return abort_transfer(r, "socket", strerror(errno));
	if (fx_send_stream(sock, fd, x) < 0)
		return abort_transfer(r, o->file, strerror(errno));
	if (x->bytes < (uint64_t)size)
		return abort_transfer(r, o->file, "file shrank while being sent");
	if (shutdown(sock, SHUT_WR) < 0)
		return abort_transfer(r, "shutdown", strerror(errno));

	/* From here on every byte is sent: only the acknowledgement is missing. */
	n = fx_read_line(sock, ack, sizeof(ack));
	conn_fd = -1;
	close(sock);
	if (n < 0)
		return end(r, EX_PROTOCOL, "delivery unconfirmed", strerror(errno));
	if (n == 0)
		return end(r, EX_PROTOCOL, "delivery unconfirmed",
		           "client closed without acknowledgement");
	if (!fx_ack_ok(ack, (size_t)n)) {
		fx_escape(shown, sizeof(shown), ack, (size_t)n);
		snprintf(r->reason, sizeof(r->reason), "unexpected acknowledgement \"%s\"%s",
		         shown, (size_t)n == sizeof(ack) ? "..." : "");
		r->thing = "delivery unconfirmed";
		return r->status = EX_PROTOCOL;
	}
	return end(r, EX_OK, NULL, "acknowledged");
}

/*
 * The child process serving one client: report the outcome in one line
 * (with the peer's address when fsend serves more than one client) and exit
 * with its status.
 */
static void serve_child(int sock, int fd, off_t size, const struct opts *o)
{
	struct outcome r = { EX_OK, NULL, "" };
	struct tool_meter m;
	struct fx_xfer x = { o->c.chunk, 0, tool_meter_update, &m };
	char peer[80], sum[96];
	/* Several children cannot share one meter line. */
	int meter = o->count == 1 && !o->c.quiet && (o->c.progress || isatty(STDERR_FILENO));

	if (fx_peer_name(sock, peer, sizeof(peer)) < 0)
		strcpy(peer, "client");
	tool_meter_start(&m, meter, (uint64_t)size);
	serve(sock, fd, size, &x, o, &r);
	/* The transfer is over, one way or the other: a signal now must not
	 * hide how it ended. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	tool_meter_end(&m);
	if (r.status == EX_OK && !o->c.quiet)
		printf("message from client: %s\n", FX_ACK);
	if (o->count != 1 || o->c.verbose) {
		/* One line per connection: peer, bytes, time, outcome. */
		tool_summary(sum, sizeof(sum), &m, x.bytes);
		if (r.status != EX_OK || !o->c.quiet)
			tool_say("%s: %s, %s%s%s", peer, sum,
			        r.thing ? r.thing : "", r.thing ? ": " : "", r.reason);
	} else if (r.status != EX_OK) {
		tool_fail(r.status, r.thing, r.reason);
	}
	fflush(stdout);
	_exit(r.status);
}

/* The serving children: pids in slots, 0 for a free slot. */
struct kids {
	pid_t *pid;
	unsigned long active;
	int worst;    /* the status of the last transfer that failed */
};

/* Reap finished children (all of them, waiting, when block is set). */
static void reap(struct kids *k, unsigned long jobs, int block)
{
	pid_t pid;
	int st;

	while (k->active > 0 && (pid = waitpid(-1, &st, block ? 0 : WNOHANG)) != 0) {
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned long i = 0; i < jobs; i++) {
			if (k->pid[i] == pid)
				k->pid[i] = 0;
		}
		k->active--;
		int status = WIFEXITED(st) ? WEXITSTATUS(st) : TOOL_EX_SIGNAL + WTERMSIG(st);
		if (status != EX_OK)
			k->worst = status;
	}
}

/* Fork a child to serve sock; returns its pid, or -1. */
static pid_t spawn(int lfd, int sock, int fd, off_t size, const struct opts *o)
{
	sigset_t all, old;
	pid_t pid;

	/* No signal may reach the child before it has its own handlers. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(lfd);
		close(wake[0]);
		close(wake[1]);
		tool_catch_signals(on_signal, 0);
		signal(SIGCHLD, SIG_DFL); /* the listener's handler: not ours */
		sigprocmask(SIG_SETMASK, &old, NULL);
		serve_child(sock, fd, size, o);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

/*
 * Accept clients and fork a process for each, at most o->jobs at once, until
 * o->count have been served (0: until a signal).  fd is the file opened
 * before listening; later clients get it opened anew, each with its own
 * offset.  Returns the exit status.
 */
static int serve_clients(int lfd, int fd, off_t size, const struct opts *o)
{
	struct kids k = { calloc(o->jobs, sizeof(pid_t)), 0, EX_OK };
	unsigned long started = 0;

	if (k.pid == NULL || pipe(wake) < 0 || fcntl(wake[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(wake[1], F_SETFL, O_NONBLOCK) < 0 || fcntl(lfd, F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		free(k.pid);
		return tool_fail(EX_OSERR, "setup", strerror(e));
	}
	tool_catch_signals(on_listener_signal, 1);
	for (;;) {
		reap(&k, o->jobs, 0);
		if (stop_sig || (o->count && started == o->count))
			break;
		struct pollfd p[2] = { { wake[0], POLLIN, 0 }, { lfd, POLLIN, 0 } };
		/* At the cap, leave new clients in the listen backlog. */
		if (poll(p, k.active < o->jobs ? 2 : 1, -1) < 0 && errno != EINTR) {
			k.worst = tool_fail(EX_OSERR, "poll", strerror(errno));
			break;
		}
		char drain[64];
		while (read(wake[0], drain, sizeof(drain)) > 0)
			;
		if (k.active >= o->jobs || !(p[1].revents & POLLIN))
			continue;
		int sock = fx_accept(lfd);
		if (sock < 0)
			continue;  /* gone before we took it, or out of descriptors */
		if (started > 0 && open_input(o->file, &fd, &size) != EX_OK) {
			k.worst = EX_NOINPUT;
			fx_set_reset_on_close(sock);
			close(sock);
			continue;
		}
		pid_t pid = spawn(lfd, sock, fd, size, o);
		if (pid < 0) {
			tool_fail(EX_OSERR, "fork", strerror(errno));
			k.worst = EX_OSERR;
			fx_set_reset_on_close(sock);
		} else {
			for (unsigned long i = 0; i < o->jobs; i++) {
				if (k.pid[i] == 0) {
					k.pid[i] = pid;
					break;
				}
			}
			k.active++;
			started++;
		}
		close(sock);
		close(fd);
	}
	close(lfd);
	/* Stopped by a signal: the running transfers are cut cleanly (reset). */
	for (unsigned long i = 0; stop_sig && i < o->jobs; i++) {
		if (k.pid[i] != 0)
			kill(k.pid[i], SIGTERM);
	}
	reap(&k, o->jobs, 1);
	free(k.pid);
	return stop_sig ? TOOL_EX_SIGNAL + stop_sig : k.worst;
}

int main(int argc, char **argv)
{
	struct opts o;
	int status, fd = -1, lfd;
	off_t size = 0;

	tool_init("fsend", SYNOPSIS);
	memset(&o, 0, sizeof(o));
	if ((status = parse_args(argc, argv, &o)) != EX_OK)
		return status;
	/* Check the file before touching the network: a typo fails at once. */
	if ((status = open_input(o.file, &fd, &size)) != EX_OK)
		return status;
	if ((status = listen_on(&o, &lfd)) != EX_OK)
		return status;
	return serve_clients(lfd, fd, size, &o);
}
