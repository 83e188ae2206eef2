/*
 * A scripted TCP peer for the integration tests, driven by its arguments.
 * It plays the other side of fsend or frecv: the classic textbook programs
 * the pair descends from, a client with a wrong acknowledgement, a port that
 * refuses connections.  Servers listen on an ephemeral port and announce it
 * on stderr as "peer: listening on PORT".
 */
#include "fxfer.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	if (argc == 2 && strcmp(argv[1], "refuse") == 0)
		return refuse();
	if (argc == 3 && strcmp(argv[1], "textbook-server") == 0)
		return textbook_server(argv[2]);
	if (argc == 4 && strcmp(argv[1], "textbook-client") == 0)
		return textbook_client(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "client-ack") == 0)
		return client_ack(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: peer has-ipv6-loopback | refuse | textbook-server FILE |\n"
	                "       textbook-client HOST PORT | client-ack HOST PORT TEXT\n");
	return 2;
}
