/*
 * A scripted TCP peer for the integration tests, driven by its arguments.
 * It plays the other side of fsend or frecv: the classic textbook programs
 * the pair descends from, and misbehaving peers (resets, stalls, floods,
 * wrong acknowledgements, a port that refuses connections).  Servers listen
 * on an ephemeral port and announce it on stderr as "peer: listening on
 * ADDR:PORT"; every state a test may wait for is announced on a line too.
 */
#include "fxfer.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listen_any(const char *host)
{
	int gai, fd = fx_tcp_listen(host, "0", &gai);
	char name[80];

	if (fd < 0)
		die("listen");
	if (fx_sock_name(fd, name, sizeof(name)) < 0)
		die("getsockname");
	fprintf(stderr, "peer: listening on %s\n", name);
	return fd;
}

static int connect_to(const char *host, const char *port)
{
	int gai, fd = fx_tcp_connect(host, port, 0, &gai);
	if (fd < 0)
		die(gai ? gai_strerror(gai) : "connect");
	return fd;
}

/* Bind a port but never listen: connections to it are refused.  Holding it
 * keeps anyone else from taking it. */
static int refuse(void)
{
	struct addrinfo hints, *ai;
	char name[80];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("127.0.0.1", "0", &hints, &ai) != 0)
		die("getaddrinfo");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind");
	freeaddrinfo(ai);
	if (fx_sock_name(fd, name, sizeof(name)) < 0)
		die("getsockname");
	fprintf(stderr, "peer: refusing on %s\n", name);
	/* Hold the port until the test kills us. */
	for (;;)
		pause();
	return 0;
}

/* The textbook server: 30 bytes per call, half-close, one read of the ack. */
static int textbook_server(const char *path)
{
	char buf[30];
	int lfd = listen_any("127.0.0.1"), file = open(path, O_RDONLY);
	ssize_t n;

	if (file < 0)
		die(path);
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	while ((n = read(file, buf, sizeof(buf))) > 0) {
		if (fx_write_full(fd, buf, (size_t)n) < 0)
			die("write");
	}
	shutdown(fd, SHUT_WR);
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, sizeof(buf)) < 0)
		die("read");
	buf[sizeof(buf) - 1] = '\0';
	printf("message from client: %s\n", buf);
	return 0;
}

/* The textbook client: 30 bytes per call to receive.dat, then the ack. */
static int textbook_client(const char *host, const char *port)
{
	char buf[30];
	int fd = connect_to(host, port);
	int out = open("receive.dat", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (out < 0)
		die("receive.dat");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (fx_write_full(out, buf, (size_t)n) < 0)
			die("write");
	}
	if (n < 0)
		die("read");
	if (write(fd, "thank you", 10) != 10)
		die("write ack");
	close(fd);
	printf("received file data\n");
	return 0;
}

/* A client that takes everything, then answers with ack instead of the
 * real acknowledgement. */
static int client_ack(const char *host, const char *port, const char *ack)
{
	char buf[4096];
	int fd = connect_to(host, port);
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die("read");
	if (fx_write_full(fd, ack, strlen(ack)) < 0)
		die("write");
	close(fd);
	return 0;
}

/* Wait until the peer resets or closes, without reading anything. */
static void wait_hangup(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* Send n bytes of a pattern. */
static int send_bytes(int fd, unsigned long long n)
{
	char buf[8192];
	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		if (fx_write_full(fd, buf, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

/* A server that sends n bytes, then resets ("reset"), goes silent
 * ("stall") until the client hangs up, half-closes and resets when a
 * line arrives on its stdin ("end-then-reset"), or sends a byte "U" marked
 * urgent and n bytes more, half-closes and waits for the acknowledgement
 * ("urgent": exit 0 when it came). */
static int bad_server(const char *action, const char *count)
{
	int lfd = listen_any("127.0.0.1");
	int fd = accept(lfd, NULL, NULL);
	unsigned long long n = strtoull(count, NULL, 10);

	if (fd < 0)
		die("accept");
	if (send_bytes(fd, n) < 0)
		die("send");
	fprintf(stderr, "peer: sent %llu\n", n);
	if (strcmp(action, "reset") == 0) {
		fx_set_reset_on_close(fd);
		close(fd);
		return 0;
	}
	if (strcmp(action, "urgent") == 0) {
		char ack[FX_ACK_LEN];
		/* One byte in the middle marked urgent, then as many again; the
		 * end of stream, then the acknowledgement is awaited. */
		if (send(fd, "U", 1, MSG_OOB) != 1 || send_bytes(fd, n) < 0 ||
		    shutdown(fd, SHUT_WR) < 0)
			die("send");
		fprintf(stderr, "peer: ended\n");
		return fx_read_full(fd, ack, sizeof(ack)) == (ssize_t)sizeof(ack) ? 0 : 4;
	}
	if (strcmp(action, "end-then-reset") == 0) {
		char line[16];
		/* A complete stream, then a reset once told (on stdin). */
		if (shutdown(fd, SHUT_WR) < 0)
			die("shutdown");
		fprintf(stderr, "peer: ended\n");
		if (read(0, line, sizeof(line)) < 0)
			die("stdin");
		fx_set_reset_on_close(fd);
		close(fd);
		fprintf(stderr, "peer: reset\n");
		return 0;
	}
	wait_hangup(fd);
	return 0;
}

/* A listener whose accept queue is full: new connections get no answer,
 * so a client's connect can only time out. */
static int full_server(void)
{
	struct addrinfo hints, *ai;
	char name[80];
	int lfd, c;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("127.0.0.1", "0", &hints, &ai) != 0)
		die("getaddrinfo");
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(lfd, 0) < 0)
		die("listen");
	freeaddrinfo(ai);
	if (fx_sock_name(lfd, name, sizeof(name)) < 0)
		die("getsockname");
	/* A backlog of 0 holds one connection: take that place ourselves. */
	c = fx_tcp_connect("127.0.0.1", strrchr(name, ':') + 1, 0, &(int){ 0 });
	if (c < 0)
		die("connect");
	fprintf(stderr, "peer: listening on %s\n", name);
	for (;;)
		pause();
	return 0;
}

/* Read until EOF or reset; returns bytes read, -1 on reset or error. */
static long long read_all(int fd)
{
	char buf[65536];
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

/* After the end of stream: how does the server hang up?  3 for a reset,
 * 0 for a clean close. */
static int hangup_kind(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	/* After the end of stream a reset shows only as the socket's error
	 * (EPIPE here); reads just see the end again. */
	wait_hangup(fd);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		die("getsockopt");
	if (err != 0) {
		fprintf(stderr, "peer: reset (%s)\n", strerror(err));
		return 3;
	}
	fprintf(stderr, "peer: closed\n");
	return 0;
}

/*
 * Client behaviours, for fsend:
 *   noread  connect and never read, until fsend hangs up
 *   noack   read everything, never acknowledge; when the server hangs up,
 *           exit 3 if it reset the connection, 0 if it closed it
 *   echo    send "ECHO ME" first, then read everything: exit 4 if those
 *           bytes came back, 3 on a reset, 0 on a clean end (no ack)
 *   digest  read everything, then acknowledge as frecv --sha256 does, but
 *           with the digest HEX given in place of a count
 *   early   acknowledge at once, before reading, then read everything
 *   flood   read everything, then send megabytes instead of the ack
 *   close   connect and close at once
 *   stall   read N bytes, say so, wait for a line on stdin, read the rest;
 *           acknowledge a clean end (exit 0), exit 3 on a reset
 */
static int bad_client(const char *action, const char *host, const char *port,
                      const char *count)
{
	int gai, fd = fx_tcp_connect(host, port, 0, &gai);

	/* A server that resets at once may do it before the connect is seen. */
	if (fd < 0 && gai == 0 && errno == ECONNRESET && strcmp(action, "echo") == 0) {
		fprintf(stderr, "peer: reset (%s)\n", strerror(errno));
		return 3;
	}
	if (fd < 0)
		die(gai ? gai_strerror(gai) : "connect");
	unsigned long long n = count && strcmp(action, "digest") != 0 ? strtoull(count, NULL, 10) : 0;

	fprintf(stderr, "peer: connected\n");
	if (strcmp(action, "noread") == 0) {
		wait_hangup(fd);
		return 0;
	}
	if (strcmp(action, "close") == 0) {
		close(fd);
		return 0;
	}
	if (strcmp(action, "reset") == 0) {
		if (fx_set_reset_on_close(fd) < 0)
			die("reset");
		close(fd);
		return 0;
	}
	if (strcmp(action, "early") == 0) {
		if (fx_write_full(fd, FX_ACK, FX_ACK_LEN) < 0)
			die("write");
		fprintf(stderr, "peer: acknowledged\n");
		return read_all(fd) < 0;
	}
	if (strcmp(action, "stall") == 0) {
		char *buf = malloc(n + 1), line[16];
		if (buf == NULL || fx_read_full(fd, buf, n) != (ssize_t)n)
			die("read");
		free(buf);
		fprintf(stderr, "peer: read %llu\n", n);
		if (read(0, line, sizeof(line)) < 0)
			die("stdin");
		if (read_all(fd) < 0) {
			fprintf(stderr, "peer: reset (%s)\n", strerror(errno));
			return 3;
		}
		fprintf(stderr, "peer: clean end\n");
		return fx_write_full(fd, FX_ACK, FX_ACK_LEN) < 0;
	}
	if (strcmp(action, "echo") == 0) {
		char buf[4096];
		ssize_t got;
		/* The reset may come before our bytes go or as they are read. */
		if (fx_write_full(fd, "ECHO ME", 7) < 0)
			got = -1;
		else
			got = fx_read_full(fd, buf, sizeof(buf));
		if (got < 0) {
			fprintf(stderr, "peer: reset (%s)\n", strerror(errno));
			return 3;
		}
		fprintf(stderr, "peer: got %zd bytes\n", got);
		return got >= 7 && memcmp(buf, "ECHO ME", 7) == 0 ? 4 : 0;
	}
	if (read_all(fd) < 0)
		die("read");
	fprintf(stderr, "peer: read everything\n");
	if (strcmp(action, "flood") == 0) {
		(void)send_bytes(fd, n);
		return 0;
	}
	if (strcmp(action, "digest") == 0) {
		char ack[FX_ACK_MAX];
		int len = snprintf(ack, sizeof(ack), "%s%c" FX_ACK_SHA256 "%s\n", FX_ACK, '\0', count);
		return fx_write_full(fd, ack, (size_t)len) < 0;
	}
	return hangup_kind(fd);  /* noack */
}

/*
 * A relay between a client and the server at host:port, as relay() below
 * runs it: the stream, its end, then the acknowledgement back.  It flips one
 * bit of the byte at offset flip on its way, as faulty hardware might; or,
 * with hold, passes the first hold bytes, says so, and reads no more from
 * the server until a line comes on its stdin, so the rest waits in the
 * kernel's socket buffers meanwhile.
 */
static int relay_stream(const char *host, const char *port, unsigned long long flip,
                        unsigned long long hold)
{
	int lfd = listen_any("127.0.0.1");
	int c = accept(lfd, NULL, NULL), s;
	unsigned long long done = 0;
	char buf[65536];
	ssize_t n;

	if (c < 0)
		die("accept");
	s = connect_to(host, port);
	for (;;) {
		size_t want = sizeof(buf);
		if (done < hold && hold - done < want)
			want = (size_t)(hold - done);
		if ((n = read(s, buf, want)) <= 0)
			break;
		if (flip >= done && flip < done + (unsigned long long)n)
			buf[flip - done] ^= 1;
		done += (unsigned long long)n;
		if (fx_write_full(c, buf, (size_t)n) < 0)
			die("write");
		if (done == hold) {
			fprintf(stderr, "peer: holding at %llu\n", done);
			if (read(STDIN_FILENO, buf, 1) < 0)
				die("wait for the go");
		}
	}
	if (n < 0 || shutdown(c, SHUT_WR) < 0)
		die("relay");
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (fx_write_full(s, buf, (size_t)n) < 0)
			die("write back");
	}
	shutdown(s, SHUT_WR);
	if (read(s, buf, sizeof(buf)) < 0) /* until the server closes */
		die("wait for close");
	fprintf(stderr, "peer: relayed %llu\n", done);
	return 0;
}

/* Forward what fd has to out; 0 at its end, -1 on an error. */
static ssize_t pass(int fd, int out, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	if (n > 0 && fx_write_full(out, buf, (size_t)n) < 0)
		return -1;
	return n;
}

/* End both connections of a relay: with a reset, or cleanly. */
static void end_both(int c, int s, int reset)
{
	if (reset) {
		fx_set_reset_on_close(c);
		fx_set_reset_on_close(s);
	}
	close(c);
	close(s);
}

/* Where relays write a copy of every byte the server sends: -1, none
 * ("record"); the server's byte whose bit 0 they flip, and where they add
 * a byte "X" to its stream ("flip", "insert"): ULLONG_MAX, none. */
static int tap = -1;
static unsigned long long flip_at = ULLONG_MAX, insert_at = ULLONG_MAX;

/* pass() of the server's bytes, done of them passed before: with the bit
 * flipped or the byte added that flip_at and insert_at say, if here. */
static ssize_t pass_changed(int s, int c, char *buf, size_t len, unsigned long long done)
{
	ssize_t n = read(s, buf, len);
	unsigned long long end = done + (unsigned long long)(n > 0 ? n : 0);

	/* At the end: a byte more after the last. */
	if (n == 0 && insert_at == done && fx_write_full(c, "X", 1) < 0)
		return -1;
	if (n <= 0)
		return n;
	if (flip_at >= done && flip_at < end)
		buf[flip_at - done] ^= 1;
	if (insert_at >= done && insert_at < end) {
		size_t at = (size_t)(insert_at - done);
		if (fx_write_full(c, buf, at) < 0 || fx_write_full(c, "X", 1) < 0 ||
		    fx_write_full(c, buf + at, (size_t)n - at) < 0)
			return -1;
		return n;
	}
	return fx_write_full(c, buf, (size_t)n) < 0 ? -1 : n;
}

/* How relay_both_ways stopped. */
enum relayed { RELAYED_WHOLE, RELAYED_TO_CUT, RELAYED_TO_RESET };

/*
 * Relay both ways between the client c and the server s (a resume request
 * goes up, the data down), counting in *done the server's bytes passed
 * down, until both streams ended, a side reset (or died), or *done reached
 * cut.
 */
static enum relayed relay_both_ways(int c, int s, unsigned long long cut,
                                    unsigned long long *done)
{
	char buf[65536];
	int up = 1, down = 1;

	while (up || down) {
		struct pollfd p[2] = { { c, up ? POLLIN : 0, 0 }, { s, down ? POLLIN : 0, 0 } };
		ssize_t n;

		if (*done == cut)
			return RELAYED_TO_CUT;
		if (poll(p, 2, -1) < 0)
			die("poll");
		if (p[0].revents) {
			if ((n = pass(c, s, buf, sizeof(buf))) < 0)
				return RELAYED_TO_RESET;
			if (n == 0) {
				shutdown(s, SHUT_WR);
				up = 0;
			}
		}
		if (p[1].revents) {
			size_t want = cut - *done < sizeof(buf) ? (size_t)(cut - *done) : sizeof(buf);
			if ((n = pass_changed(s, c, buf, want, *done)) < 0)
				return RELAYED_TO_RESET;
			if (n == 0) {
				shutdown(c, SHUT_WR);
				down = 0;
			}
			if (n > 0 && tap >= 0 && fx_write_full(tap, buf, (size_t)n) < 0)
				die("record");
			*done += (unsigned long long)n;
		}
	}
	return RELAYED_WHOLE;
}

/*
 * A relay both ways between a client and the server at host:port, counting
 * the server's bytes it passes down.  After cut of them: "reset" resets
 * both connections, "close" closes both (the client sees a clean end),
 * "stall" passes nothing more and waits to be killed, "stall-reset" too but
 * its death resets both connections (neither side can take it for a clean
 * end); it says "peer: cut at N" then.  A transfer shorter than cut is
 * relayed whole: "peer: relayed N" (the server's bytes) at its end.  A
 * reset from either side is passed on: "peer: reset after N".
 */
static int relay_cut(const char *host, const char *port, const char *how,
                     unsigned long long cut)
{
	int lfd = listen_any("127.0.0.1");
	int c = accept(lfd, NULL, NULL), s;
	unsigned long long done = 0;

	if (c < 0)
		die("accept");
	s = connect_to(host, port);
	switch (relay_both_ways(c, s, cut, &done)) {
	case RELAYED_WHOLE:
		fprintf(stderr, "peer: relayed %llu\n", done);
		break;
	case RELAYED_TO_RESET:
		fprintf(stderr, "peer: reset after %llu\n", done);
		end_both(c, s, 1);
		break;
	case RELAYED_TO_CUT:
		fprintf(stderr, "peer: cut at %llu\n", done);
		if (strcmp(how, "stall-reset") == 0) {
			fx_set_reset_on_close(c);
			fx_set_reset_on_close(s);
		}
		if (strncmp(how, "stall", 5) == 0)
			for (;;)
				pause();
		end_both(c, s, strcmp(how, "reset") == 0);
		break;
	}
	return 0;
}

/* Until either end hangs up (or resets), passing nothing: the client's
 * bytes are read and dropped, the server's left where they are.  With go,
 * also until a line comes on standard input: then 1, else 0. */
static int until_either_hangs_up(int c, int s, int go)
{
	char buf[4096];

	for (;;) {
		/* The server's end of stream is no hang-up (its bytes may
		 * all be on their way); a reset is. */
		struct pollfd p[3] = { { c, POLLIN, 0 }, { s, 0, 0 }, { STDIN_FILENO, POLLIN, 0 } };
		if (poll(p, go ? 3 : 2, -1) < 0 && errno != EINTR)
			die("poll");
		if (p[1].revents & (POLLHUP | POLLERR))
			return 0;
		if (p[0].revents && read(c, buf, sizeof(buf)) <= 0)
			return 0;
		if (go && p[2].revents)
			return read(STDIN_FILENO, buf, sizeof(buf)) >= 0;
	}
}

/*
 * The flaky relay's process for connection i: relay to the server, and
 * with a cut, once cut of the server's bytes passed, as flaky_relay says.
 */
static int flaky_one(int c, const char *host, const char *port, const char *how,
                     unsigned long long cut, unsigned long i)
{
	unsigned long long done = 0;
	int gai, s;

	/* No server (restarting): the client sees a reset, as a link would
	 * give it, never a clean end. */
	fx_set_reset_on_close(c);
	if ((s = fx_tcp_connect(host, port, 0, &gai)) < 0) {
		fprintf(stderr, "peer: connection %lu: no server, reset\n", i);
		close(c);
		return 0;
	}
	fx_clear_reset_on_close(c);
	/* Changed on the way: the whole stream relayed, one byte different. */
	if (strcmp(how, "flip") == 0 || strcmp(how, "insert") == 0) {
		*(strcmp(how, "flip") == 0 ? &flip_at : &insert_at) = cut;
		cut = ULLONG_MAX;
	}
	enum relayed r = relay_both_ways(c, s, cut, &done);
	if (r == RELAYED_TO_CUT && strcmp(how, "hold") == 0) {
		fprintf(stderr, "peer: connection %lu: holding at %llu\n", i, done);
		r = until_either_hangs_up(c, s, 1) ? relay_both_ways(c, s, ULLONG_MAX, &done) :
		                                     RELAYED_TO_RESET;
	}
	if (r == RELAYED_TO_CUT && strcmp(how, "stall") == 0) {
		fprintf(stderr, "peer: connection %lu: stalled at %llu\n", i, done);
		until_either_hangs_up(c, s, 0);
	}
	if (r == RELAYED_WHOLE) {
		close(c);
		close(s);
		fprintf(stderr, "peer: connection %lu: passed %llu, relayed whole\n", i, done);
	} else {
		end_both(c, s, r == RELAYED_TO_RESET || strcmp(how, "close") != 0);
		fprintf(stderr, "peer: connection %lu: passed %llu, %s\n", i, done,
		        r == RELAYED_TO_RESET ? "reset by a side" : strcmp(how, "close") == 0 ?
		        "cut (close)" : strcmp(how, "stall") == 0 ? "cut (stall)" : "cut (reset)");
	}
	return 0;
}

/*
 * A link that keeps breaking, between clients and the server at host:port:
 * each connection gets a process of its own relaying both ways, and each of
 * the first n is cut once it passed cut of the server's bytes: "reset"
 * resets both connections, "close" closes both, "stall" passes nothing more
 * until either side hangs up, then resets both, "hold" says so and waits
 * for a line on stdin, then relays the rest (a side that hangs up first:
 * both reset), "flip" flips one bit of the next byte, "insert" adds a
 * byte there, and both relay the rest whole.  Later ones are relayed whole.
 * Says "peer: connection I: accepted", and at its end "peer: connection I:
 * passed N, cut (HOW)", "..., relayed whole" or "..., reset by a side".
 * Runs until killed; its processes die with it.
 */
static int flaky_relay(const char *host, const char *port, const char *how,
                       unsigned long long cut, unsigned long n)
{
	int lfd = listen_any("127.0.0.1");

	signal(SIGCHLD, SIG_IGN); /* no zombies */
	for (unsigned long i = 1;; i++) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			die("accept");
		fprintf(stderr, "peer: connection %lu: accepted\n", i);
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(lfd);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(flaky_one(c, host, port, i <= n ? how : "whole", i <= n ? cut : ULLONG_MAX, i));
		}
		close(c);
	}
	return 0;
}

/*
 * A server that reads one line (a resume request), answers with the line
 * reply and a newline, sends n bytes and closes: a sender that says one
 * size and sends another, or answers what no sender would.
 */
static int reply_server(const char *reply, const char *count)
{
	int lfd = listen_any("127.0.0.1");
	int fd = accept(lfd, NULL, NULL);
	char line[FX_RESUME_MAX];

	if (fd < 0)
		die("accept");
	if (fx_read_line(fd, line, sizeof(line)) <= 0)
		die("read the request");
	if (fx_write_full(fd, reply, strlen(reply)) < 0 || fx_write_full(fd, "\n", 1) < 0 ||
	    send_bytes(fd, strtoull(count, NULL, 10)) < 0 || shutdown(fd, SHUT_WR) < 0)
		die("send");
	fprintf(stderr, "peer: sent\n");
	wait_hangup(fd);
	return 0;
}

/*
 * A client of fsend --key holding the key in keyfile, that does everything
 * right but acknowledge: "wrong-ack" sends the tag of other bytes than
 * those it got, "plain-ack" the plain "thank you" only.  Exit 0 when the
 * server then hangs up; it reads the server's verdict nowhere else.
 */
static int key_client(const char *keyfile, const char *host, const char *port, const char *how)
{
	char text[64], line[FX_KEY_LINE_MAX], buf[65536];
	uint8_t key[FX_KEY_LEN], digest[FX_SHA256_LEN];
	struct fx_keyx k;
	struct fx_sha256 sha;
	uint64_t size = 0, got = 0;
	int resume = 0, fd = open(keyfile, O_RDONLY), s;
	ssize_t n;

	if (fd < 0 || (n = read(fd, text, sizeof(text))) < 0 || fx_key_decode(text, (size_t)n, key) < 0)
		die(keyfile);
	close(fd);
	s = connect_to(host, port);
	fx_keyx_start(&k, key);
	n = (ssize_t)fx_keyx_hello(&k, line);
	if (fx_write_full(s, line, (size_t)n) < 0 || (n = fx_recv_line(s, line, sizeof(line), 0)) <= 0 ||
	    fx_keyx_reply_take(&k, line, (size_t)n, &size, &resume) < 0)
		die("the server's reply");
	n = (ssize_t)fx_keyx_proof(&k, line);
	if (fx_write_full(s, line, (size_t)n) < 0)
		die("proof");
	fx_sha256_init(&sha);
	while (got < size && (n = read(s, buf, size - got < sizeof(buf) ? (size_t)(size - got) : sizeof(buf))) > 0) {
		fx_sha256_update(&sha, buf, (size_t)n);
		got += (uint64_t)n;
	}
	if (fx_recv_line(s, line, sizeof(line), 0) <= 0)
		die("tag");
	fx_sha256_final(&sha, digest);
	fprintf(stderr, "peer: got %llu bytes and the tag\n", (unsigned long long)got);
	if (strcmp(how, "wrong-ack") == 0) {
		digest[0] ^= 1;
		n = (ssize_t)fx_keyx_ack(&k, line, size, digest);
	} else {
		memcpy(line, FX_ACK, FX_ACK_LEN);
		n = (ssize_t)FX_ACK_LEN;
	}
	if (fx_write_full(s, line, (size_t)n) < 0 || shutdown(s, SHUT_WR) < 0)
		die("ack");
	fx_keyx_end(&k);
	wait_hangup(s);
	return 0;
}

/* A server that reads one line (a client's first), then sends the bytes of
 * the file path, as a recorded server did, and waits for the hang-up. */
static int replay_server(const char *path)
{
	int lfd = listen_any("127.0.0.1");
	int fd = accept(lfd, NULL, NULL), in = open(path, O_RDONLY);
	char line[FX_KEY_LINE_MAX], buf[65536];
	ssize_t n;

	if (fd < 0 || in < 0)
		die("replay");
	if (fx_read_line(fd, line, sizeof(line)) <= 0)
		die("read the client's line");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fx_write_full(fd, buf, (size_t)n) < 0)
			break;
	fprintf(stderr, "peer: replayed\n");
	wait_hangup(fd);
	return 0;
}

/* Send text and a newline one byte at a time, 100 ms apart (a line that
 * trickles in), then wait for the other side to hang up. */
static int trickle(int fd, const char *text)
{
	struct timespec pause = { 0, 100000000 };
	size_t len = strlen(text);

	for (size_t i = 0; i <= len; i++) {
		if (fx_write_full(fd, i < len ? text + i : "\n", 1) < 0)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "peer: trickled\n");
	wait_hangup(fd);
	return 0;
}

/* A server that reads one line (a resume request) and trickles its answer. */
static int trickle_server(const char *text)
{
	int lfd = listen_any("127.0.0.1");
	int fd = accept(lfd, NULL, NULL);
	char line[FX_RESUME_MAX];

	if (fd < 0)
		die("accept");
	if (fx_read_line(fd, line, sizeof(line)) <= 0)
		die("read the request");
	return trickle(fd, text);
}

/* A TCP connection to host:port from the local address src (any loopback
 * address is this machine's: 127.0.0.2 is a second client).  -1 when a
 * reset came so soon that connect(2) itself reports it, as it can on
 * loopback when the server resets as soon as it accepts. */
static int connect_from(const char *src, const char *host, const char *port)
{
	struct addrinfo hints, *local, *remote;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(src, "0", &hints, &local) != 0)
		die("source address");
	hints.ai_family = local->ai_family;
	hints.ai_flags = 0;
	if (getaddrinfo(host, port, &hints, &remote) != 0)
		die("address");
	fd = socket(local->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, local->ai_addr, local->ai_addrlen) < 0)
		die("bind");
	if (connect(fd, remote->ai_addr, remote->ai_addrlen) < 0) {
		if (errno != ECONNRESET)
			die("connect");
		close(fd);
		fd = -1;
	}
	freeaddrinfo(local);
	freeaddrinfo(remote);
	return fd;
}

/*
 * A client from address src: reads to the end and acknowledges, saying
 * "peer: got N bytes" (exit 0), or "peer: reset" (exit 3) when the server
 * reset the connection instead, before a byte ("peer: reset after N bytes"
 * when some came first).
 */
static int client_from(const char *src, const char *host, const char *port)
{
	int fd = connect_from(src, host, port);
	char buf[65536];
	long long got = 0;
	ssize_t n = -1;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		got += n;
	if (n < 0) {
		if (got > 0)
			fprintf(stderr, "peer: reset after %lld bytes\n", got);
		else
			fprintf(stderr, "peer: reset\n");
		return 3;
	}
	if (fx_write_full(fd, FX_ACK, FX_ACK_LEN) < 0)
		die("write ack");
	close(fd);
	fprintf(stderr, "peer: got %lld bytes\n", got);
	return 0;
}

/*
 * count connections from src, one after another, each waiting for the
 * server's answer: "peer: N reset, M served in S s" (a served one is read
 * to the end and never acknowledged; a reset after a byte counts as served).
 */
static int flood_from(const char *src, const char *host, const char *port, const char *count)
{
	unsigned long n = strtoul(count, NULL, 10), reset = 0, served = 0;
	struct timespec t0, t1;
	char buf[65536];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		int fd = connect_from(src, host, port);
		ssize_t r = -1, got = 0;
		while (fd >= 0 && (r = read(fd, buf, sizeof(buf))) > 0)
			got += r;
		if (r < 0 && got == 0)
			reset++;
		else
			served++;
		if (fd >= 0)
			close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "peer: %lu reset, %lu served in %.3f s\n", reset, served,
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* Exit 0 when an IPv6 loopback exists to bind to. */
static int has_ipv6_loopback(void)
{
	int gai, fd = fx_tcp_listen("::1", "0", &gai);
	return fd < 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && strcmp(argv[1], "has-ipv6-loopback") == 0)
		return has_ipv6_loopback();
	if (argc >= 3 && strcmp(argv[1], "nonblocking-stdin") == 0) {
		/* Run a command whose standard input is left non-blocking, as
		 * some producers leave a shared pipe. */
		int flags = fcntl(0, F_GETFL);
		if (flags < 0 || fcntl(0, F_SETFL, flags | O_NONBLOCK) < 0)
			die("fcntl");
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	if (argc >= 3 && strcmp(argv[1], "listen-fds") == 0) {
		/* Run a command as a service manager would: listening on a free
		 * port of 127.0.0.1 (said as the servers say it), the socket as
		 * descriptor 3, LISTEN_FDS and LISTEN_PID its. */
		int fd = listen_any("127.0.0.1");
		char pid[24];
		if ((fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0)) || fcntl(3, F_SETFD, 0) < 0)
			die("dup2");
		snprintf(pid, sizeof(pid), "%ld", (long)getpid());
		if (setenv("LISTEN_FDS", "1", 1) < 0 || setenv("LISTEN_PID", pid, 1) < 0)
			die("setenv");
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	if (argc >= 3 && strcmp(argv[1], "closefrom") == 0) {
		/* Run a command with no descriptor open but 0, 1 and 2, so that
		 * those it opens are numbered from 3 without a hole. */
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			close(fd);
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	if (argc == 2 && strcmp(argv[1], "full") == 0)
		return full_server();
	if (argc == 2 && strcmp(argv[1], "refuse") == 0)
		return refuse();
	if (argc == 3 && strcmp(argv[1], "textbook-server") == 0)
		return textbook_server(argv[2]);
	if (argc == 4 && strcmp(argv[1], "textbook-client") == 0)
		return textbook_client(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "client-ack") == 0)
		return client_ack(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "relay") == 0)
		return relay_stream(argv[2], argv[3], strtoull(argv[4], NULL, 10), ULLONG_MAX);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return relay_stream(argv[2], argv[3], ULLONG_MAX, strtoull(argv[4], NULL, 10));
	if (argc == 6 && strcmp(argv[1], "cut") == 0)
		return relay_cut(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
	if (argc == 7 && strcmp(argv[1], "flaky") == 0)
		return flaky_relay(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10),
		                   strtoul(argv[6], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "trickle") == 0)
		return trickle(connect_to(argv[2], argv[3]), argv[4]);
	if (argc == 3 && strcmp(argv[1], "trickle-server") == 0)
		return trickle_server(argv[2]);
	if (argc == 5 && strcmp(argv[1], "record") == 0) {
		/* A relay of every connection, whole, that keeps what the server
		 * sent in FILE (to be replayed). */
		if ((tap = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
			die(argv[4]);
		return flaky_relay(argv[2], argv[3], "whole", ULLONG_MAX, 0);
	}
	if (argc == 6 && strcmp(argv[1], "key-client") == 0)
		return key_client(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 3 && strcmp(argv[1], "replay-server") == 0)
		return replay_server(argv[2]);
	if (argc == 4 && strcmp(argv[1], "reply-server") == 0)
		return reply_server(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "from") == 0)
		return client_from(argv[2], argv[3], argv[4]);
	if (argc == 6 && strcmp(argv[1], "flood-from") == 0)
		return flood_from(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 4 && strcmp(argv[1], "server") == 0)
		return bad_server(argv[2], argv[3]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "client") == 0)
		return bad_client(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "usage: peer server reset|stall|end-then-reset|urgent BYTES |\n"
	                "       client noread|noack|close|reset|echo|early HOST PORT |\n"
	                "       nonblocking-stdin COMMAND [ARG...] | closefrom COMMAND [ARG...] |\n"
	                "       listen-fds COMMAND [ARG...] |\n"
	                "       relay HOST PORT FLIP_OFFSET | hold HOST PORT OFFSET |\n"
	                "       cut HOST PORT reset|close|stall|stall-reset BYTES |\n"
	                "       flaky HOST PORT reset|close|stall|hold|flip|insert BYTES COUNT |\n"
	                "       record HOST PORT FILE | replay-server FILE |\n"
	                "       key-client KEYFILE HOST PORT wrong-ack|plain-ack |\n"
	                "       reply-server REPLY BYTES | trickle-server TEXT |\n"
	                "       trickle HOST PORT TEXT |\n"
	                "       from SRC HOST PORT | flood-from SRC HOST PORT COUNT |\n"
	                "       client flood|stall HOST PORT BYTES |\n"
	                "       client digest HOST PORT HEX |\n"
	                "       has-ipv6-loopback | refuse | full | textbook-server FILE |\n"
	                "       textbook-client HOST PORT | client-ack HOST PORT TEXT\n");
	return 2;
}
