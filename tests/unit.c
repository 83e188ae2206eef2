/*
 * Unit tests of the fxfer library.  Run as "unit NAME"; each NAME is one
 * CTest test, named for the behaviour it checks.
 */
#include "fxfer.h"
#include "fx_sha256_impl.h"
#include "fx_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && !defined(FX_PORTABLE)
#include <cpuid.h>
#endif

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #cond);                             \
			return 1;                                             \
		}                                                             \
	} while (0)

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* Interrupt this process every 200 microseconds, without SA_RESTART, so
 * blocking calls return short or fail with EINTR. */
static void start_interrupts(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_interrupts(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (unsigned char)(seed >> 16);
	}
}

/* ---- parsing ------------------------------------------------------------ */

static int parse_port_accepts_0_to_65535(void)
{
	unsigned p;
	CHECK(fx_parse_port("0", &p) == 0 && p == 0);
	CHECK(fx_parse_port("1", &p) == 0 && p == 1);
	CHECK(fx_parse_port("9000", &p) == 0 && p == 9000);
	CHECK(fx_parse_port("65535", &p) == 0 && p == 65535);
	return 0;
}

static int parse_port_rejects_junk_sign_and_range(void)
{
	static const char *const bad[] = { "", "x", "80x", "-1", "+1", " 1", "1 ",
	                                   "0x50", "8.0" };
	unsigned p;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(fx_parse_port(bad[i], &p) == -1 && errno == EINVAL);
	}
	CHECK(fx_parse_port("65536", &p) == -1 && errno == ERANGE);
	CHECK(fx_parse_port("99999999999999999999999", &p) == -1 && errno == ERANGE);
	return 0;
}

/* Parse text as a network; -1 when it is refused. */
static int net(const char *text, struct fx_net *n)
{
	return fx_net_parse(text, strlen(text), n);
}

/* A sockaddr for the numeric address text, in *ss. */
static const struct sockaddr *addr(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, text, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, text, &s4->sin_addr);
	}
	return (const struct sockaddr *)ss;
}

static int net_parse_takes_addresses_and_prefixes(void)
{
	struct fx_net n;
	CHECK(net("127.0.0.1", &n) == 0 && n.family == AF_INET && n.prefix == 32);
	CHECK(net("10.0.0.0/8", &n) == 0 && n.family == AF_INET && n.prefix == 8);
	CHECK(net("0.0.0.0/0", &n) == 0 && n.prefix == 0);
	CHECK(net("::1", &n) == 0 && n.family == AF_INET6 && n.prefix == 128);
	CHECK(net("2001:db8::/32", &n) == 0 && n.family == AF_INET6 && n.prefix == 32);
	CHECK(net("::/0", &n) == 0 && n.family == AF_INET6 && n.prefix == 0);
	/* An IPv4-mapped network is its IPv4 network. */
	CHECK(net("::ffff:10.1.2.3/104", &n) == 0 && n.family == AF_INET && n.prefix == 8 &&
	      n.addr[0] == 10 && n.addr[1] == 1);
	/* Exactly len bytes: what follows is not read. */
	CHECK(fx_net_parse("10.0.0.1/8junk", 10, &n) == 0 && n.prefix == 8);
	return 0;
}

static int net_parse_refuses_malformed(void)
{
	static const char *const bad[] = { "", "/8", "1.2.3", "1.2.3.4.5", "1.2.3.4/", "1.2.3.4/33",
	                                   "1.2.3.4/08", "1.2.3.4/-1", "1.2.3.4/+8", "::1/129",
	                                   "[::1]", "::ffff:1.2.3.4/95", "localhost", " 1.2.3.4",
	                                   "1.2.3.4 ", "fe80::1%lo", "1.2.3.4/8/8", "01.2.3.4" };
	struct fx_net n = { 0 }, before;
	before = n;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		CHECK(net(bad[i], &n) == -1 && errno == EINVAL);
		CHECK(memcmp(&n, &before, sizeof(n)) == 0);
	}
	/* A NUL inside the bytes given is refused, not a place to stop. */
	CHECK(fx_net_parse("1.2.3.4\0/8", 9, &n) == -1);
	return 0;
}

static int net_match_checks_the_prefix_bits(void)
{
	struct fx_net n;
	struct sockaddr_storage ss;
	CHECK(net("127.0.0.0/8", &n) == 0);
	CHECK(fx_net_match(&n, addr("127.0.0.2", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("128.0.0.1", &ss)) == 0);
	/* A dual-stack socket's view of an IPv4 peer. */
	CHECK(fx_net_match(&n, addr("::ffff:127.1.2.3", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("::1", &ss)) == 0);
	CHECK(net("192.168.1.128/25", &n) == 0);
	CHECK(fx_net_match(&n, addr("192.168.1.200", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("192.168.1.127", &ss)) == 0);
	CHECK(net("::1", &n) == 0);
	CHECK(fx_net_match(&n, addr("::1", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("::2", &ss)) == 0);
	CHECK(fx_net_match(&n, addr("127.0.0.1", &ss)) == 0);
	CHECK(net("2001:db8::/33", &n) == 0);
	CHECK(fx_net_match(&n, addr("2001:db8:7fff::1", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("2001:db8:8000::1", &ss)) == 0);
	CHECK(net("0.0.0.0/0", &n) == 0);
	CHECK(fx_net_match(&n, addr("203.0.113.9", &ss)) == 1);
	CHECK(fx_net_match(&n, addr("2001:db8::1", &ss)) == 0);
	return 0;
}

static int parse_size_takes_k_m_g_and_t_suffixes(void)
{
	uint64_t s;
	CHECK(fx_parse_size("30", 1, 1 << 24, &s) == 0 && s == 30);
	CHECK(fx_parse_size("64K", 1, 1 << 24, &s) == 0 && s == 65536);
	CHECK(fx_parse_size("64k", 1, 1 << 24, &s) == 0 && s == 65536);
	CHECK(fx_parse_size("1M", 1, 1 << 24, &s) == 0 && s == 1048576);
	CHECK(fx_parse_size("16m", 1, 1 << 24, &s) == 0 && s == 16777216);
	CHECK(fx_parse_size("10G", 1, UINT64_MAX, &s) == 0 && s == 10737418240ULL);
	CHECK(fx_parse_size("2t", 1, UINT64_MAX, &s) == 0 && s == 2199023255552ULL);
	CHECK(fx_parse_size("16777215T", 1, UINT64_MAX, &s) == 0 && s == 16777215ULL << 40);
	return 0;
}

static int parse_size_rejects_zero_absurd_and_junk(void)
{
	uint64_t s;
	CHECK(fx_parse_size("0", 1, 1 << 24, &s) == -1 && errno == ERANGE);
	CHECK(fx_parse_size("17M", 1, 1 << 24, &s) == -1 && errno == ERANGE);
	CHECK(fx_parse_size("18446744073709551615K", 1, 1 << 24, &s) == -1 &&
	      errno == ERANGE);
	CHECK(fx_parse_size("99999999999999999999999", 1, 1 << 24, &s) == -1 &&
	      errno == ERANGE);
	CHECK(fx_parse_size("1G", 1, 1 << 24, &s) == -1 && errno == ERANGE);
	CHECK(fx_parse_size("16777216T", 1, UINT64_MAX, &s) == -1 && errno == ERANGE);
	CHECK(fx_parse_size("1X", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	CHECK(fx_parse_size("1KB", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	CHECK(fx_parse_size("K", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	CHECK(fx_parse_size("1.5K", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	CHECK(fx_parse_size("-1", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	CHECK(fx_parse_size("", 1, 1 << 24, &s) == -1 && errno == EINVAL);
	return 0;
}

/* fx_ack_parse of a C string literal (with its embedded NULs) of length n. */
static int ack_ok(const char *buf, size_t n)
{
	uint8_t d[FX_SHA256_LEN];
	int has;
	return fx_ack_parse(buf, n, d, &has) && !has;
}

static int ack_accepted_with_nul_newline_or_bare(void)
{
	CHECK(ack_ok("thank you", 9));
	CHECK(ack_ok("thank you\0", 10));
	CHECK(ack_ok("thank you\n", 10));
	CHECK(ack_ok("thank you\r\n", 11));
	CHECK(ack_ok("thank you\n\0", 11));
	return 0;
}

static int ack_with_digest_gives_the_digest(void)
{
	static const char hex[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char ack[FX_ACK_MAX];
	uint8_t d[FX_SHA256_LEN], want[FX_SHA256_LEN];
	int has, n;

	n = snprintf(ack, sizeof(ack), "thank you%c" FX_ACK_SHA256 "%s\n", '\0', hex);
	CHECK(n == 82 && fx_sha256_parse_hex(hex, want) == 0);
	CHECK(fx_ack_parse(ack, (size_t)n, d, &has) == 1 && has == 1);
	CHECK(memcmp(d, want, sizeof(d)) == 0);
	/* Cut short, without its newline, or with junk: no acknowledgement. */
	CHECK(fx_ack_parse(ack, (size_t)n - 1, d, &has) == 0);
	CHECK(fx_ack_parse(ack, (size_t)n - 20, d, &has) == 0);
	ack[20] = 'g';
	CHECK(fx_ack_parse(ack, (size_t)n, d, &has) == 0);
	/* One spelling on the wire: an uppercase digit is refused. */
	ack[20] = 'A';
	CHECK(fx_ack_parse(ack, (size_t)n, d, &has) == 0);
	ack[20] = 'a';
	CHECK(fx_ack_parse(ack, (size_t)n, d, &has) == 1 && has == 1);
	return 0;
}

static int ack_rejects_anything_else(void)
{
	CHECK(!ack_ok("", 0));
	CHECK(!ack_ok("thank yo", 8));
	CHECK(!ack_ok("thank you!", 10));
	CHECK(!ack_ok("thank you\0\0", 11));
	CHECK(!ack_ok("thank you\n\n", 11));
	CHECK(!ack_ok("THANK YOU", 9));
	CHECK(!ack_ok("\x1b[2Jthank you", 13));
	return 0;
}

static int escape_makes_peer_bytes_printable(void)
{
	char out[64];
	size_t n = fx_escape(out, sizeof(out), "\x1b[2Jhi\\\n\r\t\0\xff~", 13);
	CHECK(strcmp(out, "\\x1b[2Jhi\\\\\\n\\r\\t\\0\\xff~") == 0);
	CHECK(n == strlen(out));
	for (size_t i = 0; i < n; i++)
		CHECK(out[i] >= 0x20 && out[i] < 0x7f);
	return 0;
}

static int escape_never_splits_an_escape(void)
{
	char out[6];
	/* "ab" fits, "\x1b" (4 chars) would not: stop before it. */
	size_t n = fx_escape(out, sizeof(out), "ab\x1b", 3);
	CHECK(n == 2 && strcmp(out, "ab") == 0);
	CHECK(fx_escape(out, 1, "abc", 3) == 0 && out[0] == '\0');
	return 0;
}

/* ---- full reads and writes ---------------------------------------------- */

#define BIG ((size_t)4 * 1024 * 1024)

/* A child that reads p[0] in small pieces and checks the pattern. */
static pid_t slow_checking_reader(const int p[2], size_t expect, unsigned seed)
{
	int fd = p[0];
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(p[1]);
	unsigned char *want = malloc(expect), buf[777];
	size_t got = 0;
	ssize_t n;
	fill_pattern(want, expect, seed);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (got + (size_t)n > expect || memcmp(want + got, buf, (size_t)n) != 0)
			_exit(2);
		got += (size_t)n;
	}
	_exit(n == 0 && got == expect ? 0 : 3);
}

static int write_full_survives_short_writes_and_eintr(void)
{
	int p[2], st;
	unsigned char *buf = malloc(BIG);
	CHECK(buf != NULL && pipe(p) == 0);
	fill_pattern(buf, BIG, 7);
	pid_t pid = slow_checking_reader(p, BIG, 7);
	CHECK(pid > 0);
	close(p[0]);
	start_interrupts();
	ssize_t n = fx_write_full(p[1], buf, BIG);
	stop_interrupts();
	close(p[1]);
	CHECK(n == (ssize_t)BIG);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The write spent long enough blocked for many signals to land. */
	CHECK(alarms > 10);
	free(buf);
	return 0;
}

static int write_full_reports_vanished_reader(void)
{
	int p[2];
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(p) == 0);
	close(p[0]);
	CHECK(fx_write_full(p[1], "x", 1) == -1 && errno == EPIPE);
	close(p[1]);
	return 0;
}

/* A child writing the pattern in odd-sized pieces, then closing. */
static pid_t piecewise_writer(int fd, size_t len, unsigned seed)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	unsigned char *buf = malloc(len);
	fill_pattern(buf, len, seed);
	for (size_t off = 0; off < len;) {
		size_t k = len - off < 1013 ? len - off : 1013;
		if (fx_write_full(fd, buf + off, k) < 0)
			_exit(2);
		off += k;
	}
	_exit(0);
}

static int read_full_fills_buffer_across_pieces_and_eintr(void)
{
	int p[2], st;
	unsigned char *want = malloc(BIG), *got = malloc(BIG);
	CHECK(want && got && pipe(p) == 0);
	fill_pattern(want, BIG, 11);
	pid_t pid = piecewise_writer(p[1], BIG, 11);
	close(p[1]);
	start_interrupts();
	ssize_t n = fx_read_full(p[0], got, BIG / 2);
	ssize_t m = fx_read_full(p[0], got + BIG / 2, BIG / 2);
	stop_interrupts();
	CHECK(n == (ssize_t)(BIG / 2) && m == (ssize_t)(BIG / 2));
	CHECK(memcmp(want, got, BIG) == 0);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
	free(want);
	free(got);
	return 0;
}

static int read_full_returns_short_only_at_eof(void)
{
	int p[2];
	char buf[100];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "hello", 5) == 5);
	close(p[1]);
	CHECK(fx_read_full(p[0], buf, sizeof(buf)) == 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(fx_read_full(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);
	return 0;
}

static int read_line_stops_at_nul_or_newline_without_eof(void)
{
	int s[2];
	char buf[64];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	/* The writer keeps its end open: only the terminator can end the read. */
	CHECK(write(s[1], "thank", 5) == 5);
	CHECK(write(s[1], " you", 5) == 5); /* with its NUL */
	CHECK(fx_read_line(s[0], buf, sizeof(buf)) == 10);
	CHECK(memcmp(buf, "thank you", 10) == 0);
	CHECK(write(s[1], "ok\n", 3) == 3);
	CHECK(fx_read_line(s[0], buf, sizeof(buf)) == 3);
	/* Without a terminator it stops when the buffer is full. */
	CHECK(write(s[1], "0123456789", 10) == 10);
	CHECK(fx_read_line(s[0], buf, 4) == 4);
	close(s[0]);
	close(s[1]);
	return 0;
}

/* ---- streams and the output file ---------------------------------------- */

static uint64_t last_count;

static void count_calls(void *arg, uint64_t bytes)
{
	(*(unsigned long *)arg)++;
	last_count = bytes;
}

static int stream_roundtrip(size_t len, size_t chunk)
{
	char src[] = "/tmp/fxunit-src.XXXXXX", dst[] = "/tmp/fxunit-dst.XXXXXX";
	int in = mkstemp(src), out = mkstemp(dst), s[2], st;
	unsigned char *want = malloc(len + 1), *got = malloc(len + 1);
	unsigned long calls = 0;
	struct fx_xfer tx = { .chunk = chunk },
	               rx = { .chunk = chunk, .progress = count_calls, .arg = &calls };

	CHECK(in >= 0 && out >= 0 && want && got);
	unlink(src);
	unlink(dst);
	fill_pattern(want, len, 3);
	CHECK(fx_write_full(in, want, len) == (ssize_t)len);
	CHECK(lseek(in, 0, SEEK_SET) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(s[0]);
		int r = fx_send_stream(s[1], in, &tx);
		_exit(r == 0 && tx.bytes == len ? 0 : 1);
	}
	close(s[1]);
	CHECK(fx_recv_stream(s[0], out, &rx) == 0);
	CHECK(rx.bytes == len);
	/* The progress callback ran at least once a chunk, and saw the total. */
	CHECK(calls >= len / chunk && (len == 0 || last_count == len));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(lseek(out, 0, SEEK_SET) == 0);
	CHECK(fx_read_full(out, got, len + 1) == (ssize_t)len);
	CHECK(memcmp(want, got, len) == 0);
	close(s[0]);
	close(in);
	close(out);
	free(want);
	free(got);
	return 0;
}

static int stream_moves_every_byte_in_default_chunks(void)
{
	return stream_roundtrip(3 * FX_CHUNK_DEFAULT + 17, FX_CHUNK_DEFAULT);
}

static int stream_moves_every_byte_in_30_byte_chunks(void)
{
	return stream_roundtrip(10007, 30);
}

static int stream_moves_empty_file(void)
{
	return stream_roundtrip(0, FX_CHUNK_DEFAULT);
}

static int count_entries(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "exit $(ls -A '%s' | wc -l)", dir);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Does the file at path hold exactly text? */
static int file_holds(const char *path, const char *text)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : fx_read_full(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

/* A fresh directory in dir (a mkdtemp template) with path = dir/receive.dat
 * holding old, or no file when old is NULL. */
static int scratch(char *dir, char *path, size_t len, const char *old)
{
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, len, "%s/receive.dat", dir);
	if (old == NULL)
		return 0;
	f = fopen(path, "w");
	if (f == NULL || fputs(old, f) < 0 || fclose(f) != 0)
		return -1;
	return 0;
}

static int out_commit_replaces_target_and_leaves_no_temp(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[300];
	struct fx_outfile out;
	CHECK(scratch(dir, path, sizeof(path), "old") == 0);
	CHECK(fx_out_open(&out, path, 0644) == 0);
	/* A named temporary file is the only other entry; an unnamed one none. */
	CHECK(count_entries(dir) == (out.tmp != NULL ? 2 : 1));
	CHECK(fx_write_full(out.fd, "new", 3) == 3);
	CHECK(fx_out_sync(&out) == 0);
	/* Until the commit the old file is intact. */
	CHECK(file_holds(path, "old"));
	CHECK(fx_out_commit(&out) == 0);
	CHECK(file_holds(path, "new"));
	CHECK(count_entries(dir) == 1);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int out_commit_new_refuses_existing_file(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[300];
	struct fx_outfile out;
	CHECK(scratch(dir, path, sizeof(path), NULL) == 0);
	CHECK(fx_out_open(&out, path, 0644) == 0);
	CHECK(fx_write_full(out.fd, "one", 3) == 3);
	CHECK(fx_out_sync(&out) == 0);
	CHECK(fx_out_commit_new(&out) == 0);
	CHECK(fx_out_open(&out, path, 0644) == 0);
	CHECK(fx_write_full(out.fd, "two", 3) == 3);
	CHECK(fx_out_sync(&out) == 0);
	CHECK(fx_out_commit_new(&out) == -1 && errno == EEXIST && !out.placed);
	CHECK(count_entries(dir) == 1);
	CHECK(file_holds(path, "one"));
	unlink(path);
	rmdir(dir);
	return 0;
}

static int out_abort_keeps_old_file_and_removes_temp(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[300];
	struct fx_outfile out;
	CHECK(scratch(dir, path, sizeof(path), "old") == 0);
	CHECK(fx_out_open(&out, path, 0644) == 0);
	CHECK(fx_write_full(out.fd, "partial", 7) == 7);
	errno = 1234;
	fx_out_abort(&out);
	CHECK(errno == 1234);
	CHECK(count_entries(dir) == 1);
	CHECK(file_holds(path, "old"));
	unlink(path);
	rmdir(dir);
	return 0;
}

static int out_open_fails_cleanly_in_missing_directory(void)
{
	struct fx_outfile out;
	CHECK(fx_out_open(&out, "/nonexistent-fxunit/dir/receive.dat", 0644) == -1);
	CHECK(errno == ENOENT);
	CHECK(out.tmp == NULL && out.path == NULL);
	return 0;
}

static int out_open_of_an_empty_path_is_enoent(void)
{
	struct fx_outfile out;
	CHECK(fx_out_open(&out, "", 0644) == -1 && errno == ENOENT);
	CHECK(out.tmp == NULL && out.path == NULL);
	return 0;
}

static int out_sync_keeps_target_mode_without_setid_bits(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[300];
	struct fx_outfile out;
	struct stat st;
	CHECK(scratch(dir, path, sizeof(path), "old") == 0);
	CHECK(chmod(path, 04751) == 0);
	CHECK(fx_out_open(&out, path, 0666) == 0);
	CHECK(fx_out_sync(&out) == 0 && fx_out_commit(&out) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0751);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int out_commit_takes_a_name_of_name_max_bytes(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[600], name[256];
	struct fx_outfile out;
	CHECK(mkdtemp(dir) != NULL);
	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK(fx_out_open(&out, path, 0644) == 0);
	CHECK(fx_write_full(out.fd, "new", 3) == 3);
	CHECK(fx_out_sync(&out) == 0 && fx_out_commit(&out) == 0);
	CHECK(file_holds(path, "new"));
	CHECK(count_entries(dir) == 1);
	unlink(path);
	rmdir(dir);
	return 0;
}

static int out_open_refuses_directory_and_dangling_link(void)
{
	char dir[] = "/tmp/fxunit-out.XXXXXX", path[300];
	struct fx_outfile out;
	CHECK(scratch(dir, path, sizeof(path), NULL) == 0);
	CHECK(fx_out_open(&out, dir, 0644) == -1 && errno == EISDIR);
	CHECK(symlink("nowhere", path) == 0);
	CHECK(fx_out_open(&out, path, 0644) == -1 && errno == ENOENT);
	CHECK(count_entries(dir) == 1);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Receive from a peer that sends len bytes, with x->max set, into out. */
static int recv_from_sender(size_t len, int out, struct fx_xfer *x, int *r)
{
	int s[2], st;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[4096];
		size_t left = len;
		close(s[0]);
		memset(buf, 'x', sizeof(buf));
		while (left > 0) {
			size_t k = left < sizeof(buf) ? left : sizeof(buf);
			if (fx_write_full(s[1], buf, k) < 0)
				_exit(0);  /* the receiver gave up: fine */
			left -= k;
		}
		_exit(0);
	}
	close(s[1]);
	*r = fx_recv_stream(s[0], out, x);
	close(s[0]);
	CHECK(waitpid(pid, &st, 0) == pid);
	return 0;
}

static int recv_stream_cuts_a_stream_beyond_max(void)
{
	char path[] = "/tmp/fxunit-max.XXXXXX";
	int out = mkstemp(path), r;
	struct fx_xfer x = { .chunk = 1000, .max = 10000 };
	CHECK(out >= 0);
	unlink(path);
	CHECK(recv_from_sender(10000, out, &x, &r) == 0);
	CHECK(r == 0 && x.bytes == 10000);
	CHECK(recv_from_sender(10001, out, &x, &r) == 0);
	CHECK(r == -1 && errno == EMSGSIZE && x.out_failed == 0 && x.bytes <= 10000);
	close(out);
	return 0;
}

static int recv_stream_says_when_the_output_failed(void)
{
	int out = open("/dev/full", O_WRONLY), r;
	struct fx_xfer x = { .chunk = 4096 };
	CHECK(out >= 0);
	CHECK(recv_from_sender(100000, out, &x, &r) == 0);
	CHECK(r == -1 && errno == ENOSPC && x.out_failed == 1);
	close(out);
	return 0;
}

/* A loopback TCP connection: *c the client, *a the accepted side. */
static int tcp_pair(int *c, int *a)
{
	char name[80];
	int gai, l = fx_tcp_listen("127.0.0.1", "0", &gai);
	CHECK(l >= 0 && fx_sock_name(l, name, sizeof(name)) == 0);
	*c = fx_tcp_connect("127.0.0.1", strrchr(name, ':') + 1, 5, &gai);
	CHECK(*c >= 0);
	*a = fx_accept(l);
	CHECK(*a >= 0);
	close(l);
	return 0;
}

static int conn_check_sees_a_reset_after_the_end_of_stream(void)
{
	int c, a;
	char buf[8];
	CHECK(tcp_pair(&c, &a) == 0);
	CHECK(shutdown(a, SHUT_WR) == 0);
	CHECK(read(c, buf, sizeof(buf)) == 0);  /* the end of stream */
	CHECK(fx_conn_check(c) == 0);           /* is no error */
	CHECK(fx_set_reset_on_close(a) == 0);
	close(a);
	/* Wait for the reset to land, without reading. */
	int r = 0;
	struct timespec pause = { 0, 5000000 };
	for (int i = 0; i < 200 && (r = fx_conn_check(c)) == 0; i++)
		nanosleep(&pause, NULL);
	/* After the peer's end of stream, Linux calls a reset EPIPE. */
	CHECK(r == -1 && (errno == EPIPE || errno == ECONNRESET));
	close(c);
	return 0;
}

static int peer_of_dual_stack_listener_is_named_as_ipv4(void)
{
	char name[80], peer[80];
	int gai, l = fx_tcp_listen(NULL, "0", &gai), c, a;
	CHECK(l >= 0 && fx_sock_name(l, name, sizeof(name)) == 0);
	c = fx_tcp_connect("127.0.0.1", strrchr(name, ':') + 1, 5, &gai);
	CHECK(c >= 0);
	a = fx_accept(l);
	CHECK(a >= 0 && fx_peer_name(a, peer, sizeof(peer)) == 0);
	CHECK(strncmp(peer, "127.0.0.1:", 10) == 0);
	close(a);
	close(c);
	close(l);
	return 0;
}

static int accept_names_a_peer_that_reset_in_the_backlog(void)
{
	char name[80], peer[80], want[80];
	struct linger lg = { 1, 0 };
	int gai, l = fx_tcp_listen("127.0.0.1", "0", &gai), c, a;
	CHECK(l >= 0 && fx_sock_name(l, name, sizeof(name)) == 0);
	c = fx_tcp_connect("127.0.0.1", strrchr(name, ':') + 1, 5, &gai);
	CHECK(c >= 0 && fx_sock_name(c, want, sizeof(want)) == 0);
	/* The client resets before the server has accepted it. */
	CHECK(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
	close(c);
	a = fx_accept_peer(l, peer, sizeof(peer));
	CHECK(a >= 0);
	CHECK(fx_peer_name(a, name, sizeof(name)) == -1); /* what getpeername says */
	CHECK(strcmp(peer, want) == 0);
	close(a);
	close(l);
	return 0;
}

static int read_line_masked_refuses_a_bad_descriptor(void)
{
	char buf[16];
	sigset_t none;
	int s[2];
	sigemptyset(&none);
	CHECK(fx_read_line_masked(-1, buf, sizeof(buf), 0, &none) == -1 && errno == EBADF);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	close(s[0]); /* a closed descriptor below FD_SETSIZE */
	CHECK(fx_read_line_masked(s[0], buf, sizeof(buf), 0, &none) == -1 && errno == EBADF);
	close(s[1]);
	return 0;
}

static int late_writer; /* for the alarm below */
static void write_the_rest(int sig)
{
	(void)sig;
	if (write(late_writer, "world", 5) != 5)
		_exit(3);
}

static int read_full_waits_on_a_nonblocking_descriptor(void)
{
	struct sigaction sa, old;
	char buf[10];
	int s[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	CHECK(fcntl(s[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(write(s[1], "hello", 5) == 5);
	/* The rest comes from a signal handler, without SA_RESTART, while
	 * fx_read_full waits: EAGAIN, then EINTR, then the bytes. */
	late_writer = s[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = write_the_rest;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	alarm(1);
	ssize_t n = fx_read_full(s[0], buf, sizeof(buf));
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	CHECK(n == 10 && memcmp(buf, "helloworld", 10) == 0);
	close(s[0]);
	close(s[1]);
	return 0;
}

static int read_line_masked_times_out_then_reads_a_line(void)
{
	int s[2];
	char buf[16];
	sigset_t none;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	sigemptyset(&none);
	CHECK(fx_read_line_masked(s[0], buf, sizeof(buf), 1, &none) == -1 && errno == ETIMEDOUT);
	CHECK(write(s[1], "thank you\n", 10) == 10);
	CHECK(fx_read_line_masked(s[0], buf, sizeof(buf), 1, &none) == 10);
	close(s[0]);
	close(s[1]);
	return 0;
}

static int send_stream_fails_within_its_timeout_when_nothing_moves(void)
{
	char path[] = "/tmp/fxunit-send.XXXXXX";
	int in = mkstemp(path), c, a;
	struct fx_xfer x = { .chunk = FX_CHUNK_DEFAULT };
	struct timespec t0, t1;
	CHECK(in >= 0);
	unlink(path);
	CHECK(ftruncate(in, 64 * 1024 * 1024) == 0);
	CHECK(tcp_pair(&c, &a) == 0);  /* c never reads */
	CHECK(fx_set_timeout(a, 1) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(fx_send_stream(a, in, &x) == -1 && errno == ETIMEDOUT && x.out_failed == 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* One timeout after the last byte that moved, not one per call. */
	CHECK(t1.tv_sec - t0.tv_sec <= 2);
	CHECK((fcntl(a, F_GETFL) & O_NONBLOCK) == 0);
	close(a);
	close(c);
	close(in);
	return 0;
}

/* ---- SHA-256 ------------------------------------------------------------ */

/* Digest of buf[0..len) in hex with implementation impl, or with whatever
 * fx_sha256_init picks when impl is -1; fed in pieces of at most chunk. */
static const char *sha256_hex_of(int impl, const void *buf, size_t len,
                                 size_t chunk, char hex[FX_SHA256_HEX_LEN + 1])
{
	const unsigned char *p = buf;
	struct fx_sha256 ctx;
	uint8_t d[FX_SHA256_LEN];

	if (impl < 0)
		fx_sha256_init(&ctx);
	else if (fx_sha256_init_impl(&ctx, impl) < 0)
		return "(implementation not usable)";
	for (size_t off = 0; off < len; off += chunk)
		fx_sha256_update(&ctx, p + off, len - off < chunk ? len - off : chunk);
	fx_sha256_final(&ctx, d);
	return fx_sha256_hex(d, hex);
}

/* The examples of FIPS 180-4 (NIST's "SHA256.pdf" and "SHA2_Additional.pdf"):
 * nothing, one block ("abc"), 448 bits (the padding needs a block of its
 * own), 896 bits (two blocks), and a million bytes. */
static int sha256_examples_hold(int impl)
{
	static const struct {
		const char *msg;
		const char *hex;
	} ex[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoij"
		  "klmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[FX_SHA256_HEX_LEN + 1];
	char *million = malloc(1000000);

	CHECK(million != NULL);
	memset(million, 'a', 1000000);
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		CHECK(strcmp(sha256_hex_of(impl, ex[i].msg, strlen(ex[i].msg), 1000, hex),
		             ex[i].hex) == 0);
	CHECK(strcmp(sha256_hex_of(impl, million, 1000000, 1000000, hex),
	             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
	free(million);
	return 0;
}

/* The skip of a test that needs the SHA extensions, where the CPU (or
 * valgrind's virtual one, or an FX_PORTABLE build) has none. */
static int no_sha_ni(void)
{
	fprintf(stderr, "SKIP: no SHA extensions here\n");
	return 77;
}

static int sha256_portable_matches_fips_180_4_examples(void)
{
	return sha256_examples_hold(FX_SHA256_PORTABLE);
}

static int sha256_sha_ni_matches_fips_180_4_examples(void)
{
	if (!fx_sha256_impl_usable(FX_SHA256_SHANI))
		return no_sha_ni();
	return sha256_examples_hold(FX_SHA256_SHANI);
}

#if defined(__x86_64__) && !defined(FX_PORTABLE)
/* Does the CPU say it has the SHA extensions and the shuffles they need?
 * Asked apart from the library, with cpuid.h's names for the bits, so that
 * a wrong leaf or bit there fails here.  Under valgrind the answer is no:
 * its virtual CPU does not have them. */
static int cpu_reports_sha(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#else
static int cpu_reports_sha(void)
{
	return 0; /* the library has only the portable code here */
}
#endif

/* Without this, a broken CPUID check would quietly leave every build on the
 * portable code, and every other test would still pass (skipping some). */
static int sha256_init_uses_sha_ni_exactly_when_the_cpu_has_it(void)
{
	int want = cpu_reports_sha() ? FX_SHA256_SHANI : FX_SHA256_PORTABLE;
	struct fx_sha256 ctx;

	CHECK(fx_sha256_impl_usable(FX_SHA256_PORTABLE));
	CHECK(fx_sha256_impl_usable(FX_SHA256_SHANI) == cpu_reports_sha());
	CHECK(fx_sha256_impl_default() == want);
	fx_sha256_init(&ctx);
	CHECK(ctx.impl == want);
	CHECK(!fx_sha256_impl_usable(FX_SHA256_NIMPL) && !fx_sha256_impl_usable(-1));
	CHECK(fx_sha256_init_impl(&ctx, FX_SHA256_NIMPL) == -1 && errno == ENOTSUP);
	return 0;
}

/* One message cut in two at every offset from 0 to 200, in three, and fed
 * a byte at a time: always the digest of one update.  Through the default
 * choice and, forced, the portable code. */
static int sha256_split_updates_match_one_update(void)
{
	static const int impls[] = { -1, FX_SHA256_PORTABLE };
	unsigned char msg[333];
	char whole[FX_SHA256_HEX_LEN + 1], hex[FX_SHA256_HEX_LEN + 1];
	uint8_t d[FX_SHA256_LEN];
	struct fx_sha256 ctx;

	fill_pattern(msg, sizeof(msg), 13);
	for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
		int impl = impls[m] < 0 ? fx_sha256_impl_default() : impls[m];

		sha256_hex_of(impls[m], msg, sizeof(msg), sizeof(msg), whole);
		for (size_t k = 0; k <= 200; k++) {
			size_t j = k + (sizeof(msg) - k) / 3;

			CHECK(fx_sha256_init_impl(&ctx, impl) == 0);
			fx_sha256_update(&ctx, msg, k);
			fx_sha256_update(&ctx, msg + k, sizeof(msg) - k);
			fx_sha256_final(&ctx, d);
			CHECK(strcmp(fx_sha256_hex(d, hex), whole) == 0);

			CHECK(fx_sha256_init_impl(&ctx, impl) == 0);
			fx_sha256_update(&ctx, msg, k);
			fx_sha256_update(&ctx, NULL, 0);
			fx_sha256_update(&ctx, msg + k, j - k);
			fx_sha256_update(&ctx, msg + j, sizeof(msg) - j);
			fx_sha256_final(&ctx, d);
			CHECK(strcmp(fx_sha256_hex(d, hex), whole) == 0);
		}
		CHECK(strcmp(sha256_hex_of(impls[m], msg, sizeof(msg), 1, hex), whole) == 0);
	}
	return 0;
}

/* The two implementations on the same bytes: every length from 0 to 300 at
 * every alignment mod 16, and a few megabytes at odd addresses, in one
 * update and in uneven pieces. */
static int sha256_sha_ni_matches_portable_on_random_data(void)
{
	static const size_t big[] = { 65536 * 3 + 1, ((size_t)1 << 20) + 13,
	                              ((size_t)4 << 20) + 63 };
	size_t size = ((size_t)4 << 20) + 64 + 16;
	unsigned char *buf = malloc(size);
	char a[FX_SHA256_HEX_LEN + 1], b[FX_SHA256_HEX_LEN + 1];

	if (!fx_sha256_impl_usable(FX_SHA256_SHANI)) {
		free(buf);
		return no_sha_ni();
	}
	CHECK(buf != NULL);
	fill_pattern(buf, size, 2024);
	for (size_t len = 0; len <= 300; len++) {
		for (size_t off = 0; off < 16; off++) {
			sha256_hex_of(FX_SHA256_PORTABLE, buf + off, len, len + 1, a);
			sha256_hex_of(FX_SHA256_SHANI, buf + off, len, len + 1, b);
			CHECK(strcmp(a, b) == 0);
		}
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		const unsigned char *p = buf + 1 + 2 * i;
		sha256_hex_of(FX_SHA256_PORTABLE, p, big[i], big[i], a);
		sha256_hex_of(FX_SHA256_SHANI, p, big[i], big[i], b);
		CHECK(strcmp(a, b) == 0);
		sha256_hex_of(FX_SHA256_SHANI, p, big[i], 1000 + 7 * i, b);
		CHECK(strcmp(a, b) == 0);
		sha256_hex_of(FX_SHA256_PORTABLE, p, big[i], 65536 + 5, b);
		CHECK(strcmp(a, b) == 0);
	}
	free(buf);
	return 0;
}

/* Files of every length from 0 to 200, around the block sizes and buffer
 * sizes a reader is likely to use, and a few random megabytes: each
 * implementation's digests are the ones coreutils' sha256sum prints. */
static int sha256_agrees_with_sha256sum_on_files(void)
{
	char dir[] = "/tmp/fxunit-sha.XXXXXX", path[300], line[400];
	char hex[FX_SHA256_HEX_LEN + 1];
	size_t lens[300], n = 0, big = ((size_t)3 << 20) + 7;
	unsigned char *buf = malloc(big);
	size_t cmdsize = sizeof(dir) + 300 * 16 + 64;
	char *cmd = malloc(cmdsize);
	int status;
	FILE *f;

	CHECK(buf != NULL && cmd != NULL && mkdtemp(dir) != NULL);
	fill_pattern(buf, big, 99);
	for (size_t len = 0; len <= 200; len++)
		lens[n++] = len;
	for (size_t k = 256; k <= ((size_t)1 << 20); k *= 2) {
		lens[n++] = k - 1;
		lens[n++] = k;
		lens[n++] = k + 1;
	}
	lens[n++] = big;
	/* One sha256sum for them all, named by index, read back in order. */
	snprintf(cmd, cmdsize, "cd %s && sha256sum", dir);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%zu", dir, i);
		f = fopen(path, "w");
		CHECK(f != NULL && fwrite(buf, 1, lens[i], f) == lens[i] && fclose(f) == 0);
		snprintf(cmd + strlen(cmd), cmdsize - strlen(cmd), " %zu", i);
	}
	snprintf(cmd + strlen(cmd), cmdsize - strlen(cmd), " 2>/dev/null");
	f = popen(cmd, "r");
	CHECK(f != NULL);
	for (size_t i = 0; i < n && fgets(line, sizeof(line), f) != NULL; i++) {
		char want[400];

		snprintf(want, sizeof(want), "  %zu\n", i);
		CHECK(strlen(line) == FX_SHA256_HEX_LEN + strlen(want));
		CHECK(strcmp(line + FX_SHA256_HEX_LEN, want) == 0);
		line[FX_SHA256_HEX_LEN] = '\0';
		for (int impl = 0; impl < FX_SHA256_NIMPL; impl++) {
			if (fx_sha256_impl_usable(impl))
				CHECK(strcmp(sha256_hex_of(impl, buf, lens[i], 32768, hex),
				             line) == 0);
		}
		snprintf(path, sizeof(path), "%s/%zu", dir, i);
		unlink(path);
		lens[i] = SIZE_MAX; /* checked */
	}
	status = pclose(f);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%zu", dir, i);
		unlink(path);
	}
	rmdir(dir);
	free(cmd);
	free(buf);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		fprintf(stderr, "SKIP: no sha256sum here\n");
		return 77;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(lens[n - 1] == SIZE_MAX);
	return 0;
}

/* 4 GiB and 65 bytes of zeros: a 32-bit count of bytes would hash it as 65
 * bytes' length.  The digest is sha256sum's.  Seconds with the CPU's SHA
 * instructions, minutes without, so it runs only with them. */
static int sha256_counts_length_beyond_4gib(void)
{
	size_t chunk = (size_t)1 << 20;
	unsigned char *zeros = calloc(1, chunk);
	char hex[FX_SHA256_HEX_LEN + 1];
	uint8_t d[FX_SHA256_LEN];
	struct fx_sha256 ctx;

	if (fx_sha256_impl_default() != FX_SHA256_SHANI) {
		free(zeros);
		fprintf(stderr, "SKIP: too slow without the SHA extensions\n");
		return 77;
	}
	CHECK(zeros != NULL);
	fx_sha256_init(&ctx);
	for (int i = 0; i < 4096; i++)
		fx_sha256_update(&ctx, zeros, chunk);
	fx_sha256_update(&ctx, zeros, 65);
	CHECK(ctx.len == ((uint64_t)1 << 32) + 65);
	fx_sha256_final(&ctx, d);
	CHECK(strcmp(fx_sha256_hex(d, hex), "9ea0597e74b9cb058f2d853f86b3c3b1bb43cf71f6b4113ada747653470bb24c") == 0);
	free(zeros);
	return 0;
}

static int sha256_hex_prints_lowercase_like_sha256sum(void)
{
	uint8_t d[FX_SHA256_LEN];
	char hex[FX_SHA256_HEX_LEN + 1];

	for (size_t i = 0; i < FX_SHA256_LEN; i++)
		d[i] = (uint8_t)(i * 8 + 7);
	memset(hex, 'x', sizeof(hex));
	CHECK(fx_sha256_hex(d, hex) == hex);
	CHECK(strcmp(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff") == 0);
	memset(d, 0, sizeof(d));
	CHECK(strcmp(fx_sha256_hex(d, hex),
	             "0000000000000000000000000000000000000000000000000000000000000000") == 0);
	return 0;
}

static int sha256_parse_hex_accepts_either_case(void)
{
	static const char lower[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char upper[] = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	static const char mixed[] = "Ba7816bF8f01cfeA414140DE5dae2223b00361a396177a9cb410ff61f20015aD";
	uint8_t d[FX_SHA256_LEN], e[FX_SHA256_LEN];
	char hex[FX_SHA256_HEX_LEN + 1];

	CHECK(fx_sha256_parse_hex(lower, d) == 0);
	CHECK(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad);
	CHECK(strcmp(fx_sha256_hex(d, hex), lower) == 0);
	CHECK(fx_sha256_parse_hex(upper, e) == 0 && memcmp(d, e, sizeof(d)) == 0);
	CHECK(fx_sha256_parse_hex(mixed, e) == 0 && memcmp(d, e, sizeof(d)) == 0);
	CHECK(fx_sha256_parse_hex("0000000000000000000000000000000000000000000000000000000000000000", e) == 0);
	CHECK(e[0] == 0 && e[31] == 0);
	CHECK(fx_sha256_parse_hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", e) == 0);
	CHECK(e[0] == 0xff && e[31] == 0xff);
	return 0;
}

static int sha256_parse_hex_rejects_wrong_length_and_non_hex(void)
{
	static const char *const bad[] = {
		"",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",   /* 63 */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", /* 65 */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
		"ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		" ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
		"0xa7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"0x7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"ba7816bf8f01cfea414140de5dae2223 00361a396177a9cb410ff61f20015ad",
		"ba7816bf8f01cfea414140de5dae2223-b00361a396177a9cb410ff61f20015a",
		"ba7816bf8f01cfea414140de5dae2223\303\2510361a396177a9cb410ff61f20015ad",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -",
	};
	uint8_t d[FX_SHA256_LEN], untouched[FX_SHA256_LEN];

	memset(untouched, 0xee, sizeof(untouched));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(d, untouched, sizeof(d));
		errno = 0;
		CHECK(fx_sha256_parse_hex(bad[i], d) == -1 && errno == EINVAL);
		CHECK(memcmp(d, untouched, sizeof(d)) == 0);
	}
	return 0;
}

/* ---- resuming a transfer ------------------------------------------------ */

/* A digest to put in request lines: 32 bytes of pattern. */
static void some_digest(uint8_t d[FX_SHA256_LEN], unsigned seed)
{
	fill_pattern(d, FX_SHA256_LEN, seed);
}

/* Parse the NUL-terminated line as a request (with digest d) or a reply. */
static int request(const char *line, uint64_t *have, uint8_t d[FX_SHA256_LEN])
{
	return fx_resume_request_parse(line, strlen(line), have, d);
}

static int reply(const char *line, uint64_t *size, uint64_t *from)
{
	return fx_resume_reply_parse(line, strlen(line), size, from);
}

static int resume_request_round_trips(void)
{
	static const uint64_t haves[] = { 0, 1, 9, 10, 4096, 1234567890123ULL,
	                                  (uint64_t)INT64_MAX };
	char line[FX_RESUME_MAX], hex[FX_SHA256_HEX_LEN + 1], want[FX_RESUME_MAX];
	uint8_t d[FX_SHA256_LEN], got[FX_SHA256_LEN];
	uint64_t have;
	size_t n;

	for (size_t i = 0; i < sizeof(haves) / sizeof(haves[0]); i++) {
		some_digest(d, (unsigned)i);
		n = fx_resume_request(line, haves[i], d);
		/* The exact bytes docs/protocol.md gives. */
		snprintf(want, sizeof(want), "fxfer-resume/1 have=%llu sha256=%s\n",
		         (unsigned long long)haves[i], fx_sha256_hex(d, hex));
		CHECK(n == strlen(want) && strcmp(line, want) == 0);
		CHECK(n <= FX_RESUME_MAX && line[n - 1] == '\n');
		have = 77;
		memset(got, 0, sizeof(got));
		CHECK(fx_resume_request_parse(line, n, &have, got) == 0);
		CHECK(have == haves[i] && memcmp(got, d, sizeof(d)) == 0);
	}
	return 0;
}

static int resume_reply_round_trips(void)
{
	static const uint64_t pairs[][2] = { { 0, 0 }, { 1, 0 }, { 1, 1 }, { 100, 40 },
	                                     { 10, 10 }, { (uint64_t)INT64_MAX, 0 },
	                                     { (uint64_t)INT64_MAX, (uint64_t)INT64_MAX } };
	char line[FX_RESUME_MAX], want[FX_RESUME_MAX];
	uint64_t size, from;
	size_t n;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		n = fx_resume_reply(line, pairs[i][0], pairs[i][1]);
		snprintf(want, sizeof(want), "fxfer-resume/1 size=%llu from=%llu\n",
		         (unsigned long long)pairs[i][0], (unsigned long long)pairs[i][1]);
		CHECK(n == strlen(want) && strcmp(line, want) == 0);
		CHECK(n <= FX_RESUME_MAX && line[n - 1] == '\n');
		size = from = 77;
		CHECK(fx_resume_reply_parse(line, n, &size, &from) == 0);
		CHECK(size == pairs[i][0] && from == pairs[i][1]);
	}
	CHECK(fx_resume_reply(line, 100, 40) == 32);
	CHECK(strcmp(line, "fxfer-resume/1 size=100 from=40\n") == 0);
	return 0;
}

#define HEX64 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HEX64_UPPER "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"

/* A line of exactly len bytes: prefix, then " pad=" and x's, then a newline. */
static char *padded(char *buf, const char *prefix, size_t len)
{
	size_t n = strlen(prefix);

	memcpy(buf, prefix, n);
	memcpy(buf + n, " pad=", 5);
	memset(buf + n + 5, 'x', len - n - 6);
	buf[len - 1] = '\n';
	buf[len] = '\0';
	return buf;
}

/* A line of len bytes (NULs inside allowed), refused by both parsers with
 * errno e, their outputs untouched. */
static int refused_by_both(const char *line, size_t len, int e)
{
	uint8_t d[FX_SHA256_LEN], untouched[FX_SHA256_LEN];
	uint64_t a = 77, b = 88;

	memset(untouched, 0xee, sizeof(untouched));
	memcpy(d, untouched, sizeof(d));
	errno = 0;
	CHECK(fx_resume_request_parse(line, len, &a, d) == -1 && errno == e);
	CHECK(a == 77 && memcmp(d, untouched, sizeof(d)) == 0);
	errno = 0;
	CHECK(fx_resume_reply_parse(line, len, &a, &b) == -1 && errno == e);
	CHECK(a == 77 && b == 88);
	return 0;
}

static int resume_parse_refuses_malformed(void)
{
	static const char *const bad[] = {
		/* numbers: a leading zero, a sign, beyond 2^63 - 1, none */
		"fxfer-resume/1 have=01 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=00 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=-1 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=+1 sha256=" HEX64 "\n",
		"fxfer-resume/1 have= 1 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=9223372036854775808 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=18446744073709551616 sha256=" HEX64 "\n",
		"fxfer-resume/1 have=99999999999999999999999 sha256=" HEX64 "\n",
		"fxfer-resume/1 have= sha256=" HEX64 "\n",
		"fxfer-resume/1 have=0x10 sha256=" HEX64 "\n",
		"fxfer-resume/1 size=010 from=0\n",
		"fxfer-resume/1 size=10 from=00\n",
		"fxfer-resume/1 size=-1 from=0\n",
		"fxfer-resume/1 size=10 from=+1\n",
		"fxfer-resume/1 size=9223372036854775808 from=0\n",
		"fxfer-resume/1 size=18446744073709551615 from=0\n",
		"fxfer-resume/1 size= from=0\n",
		"fxfer-resume/1 size=10 from=\n",
		/* the digest: the wire's lowercase only, 64 digits */
		"fxfer-resume/1 have=5 sha256=" HEX64_UPPER "\n",
		"fxfer-resume/1 have=5 sha256=Ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		"fxfer-resume/1 have=5 sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a\n",
		"fxfer-resume/1 have=5 sha256=" HEX64 "0\n",
		"fxfer-resume/1 have=5 sha256=ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
		"fxfer-resume/1 have=5 sha256=\n",
		/* the newline: missing, doubled, bytes after it, CR LF */
		"fxfer-resume/1 have=5 sha256=" HEX64,
		"fxfer-resume/1 size=10 from=5",
		"fxfer-resume/1 have=5 sha256=" HEX64 "\n\n",
		"fxfer-resume/1 size=10 from=5\nDATA",
		"fxfer-resume/1 size=10 from=5\n\n",
		"fxfer-resume/1 have=5 sha256=" HEX64 "\r\n",
		"fxfer-resume/1 size=10 from=5\r\n",
		/* fields: out of order, missing, repeated spaces, a tab, a control
		 * or non-ASCII byte where a later version's field would be */
		"fxfer-resume/1 sha256=" HEX64 " have=5\n",
		"fxfer-resume/1 from=5 size=10\n",
		"fxfer-resume/1 have=5\n",
		"fxfer-resume/1 size=10\n",
		"fxfer-resume/1  have=5 sha256=" HEX64 "\n",
		"fxfer-resume/1 size=10  from=5\n",
		"fxfer-resume/1 size=10\tfrom=5\n",
		"fxfer-resume/1 size=10 from=5\tx=y\n",
		"fxfer-resume/1 size=10 from=5x=y\n",
		"fxfer-resume/1 size=10 from=5 x=\001\n",
		"fxfer-resume/1 size=10 from=5 x=\303\251\n",
		"fxfer-resume/1 size=10 from=5 x=\177\n",
		/* the magic */
		"",
		"\n",
		"fxfer-resume/\n",
		"fxfer-resume/1 \n",
		"fxfer-resume/ size=10 from=5\n",
		"fxfer-resume/x size=10 from=5\n",
		"fxfer-resume/01 size=10 from=5\n",
		"fxfer-resume/-1 size=10 from=5\n",
		"fxfer-resume1 size=10 from=5\n",
		"fxfer-resum/1 size=10 from=5\n",
		"Fxfer-resume/1 size=10 from=5\n",
		"FXFER-RESUME/1 size=10 from=5\n",
		" fxfer-resume/1 size=10 from=5\n",
		"fxfer-resume/1size=10 from=5\n",
		"thank you\n",
	};
	char buf[FX_RESUME_MAX + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (refused_by_both(bad[i], strlen(bad[i]), EINVAL) != 0) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			return 1;
		}
	}
	/* From beyond the size: a reply in form, from a broken sender. */
	static const char *const beyond[] = {
		"fxfer-resume/1 size=10 from=11\n",
		"fxfer-resume/1 size=0 from=1\n",
		"fxfer-resume/1 size=9223372036854775806 from=9223372036854775807\n",
		"fxfer-resume/1 size=10 from=11 x=y\n",
	};
	for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
		uint8_t d[FX_SHA256_LEN];
		uint64_t a = 77, b = 88;
		errno = 0;
		CHECK(fx_resume_reply_parse(beyond[i], strlen(beyond[i]), &a, &b) == -1 &&
		      errno == ERANGE && a == 77 && b == 88);
		CHECK(fx_resume_request_parse(beyond[i], strlen(beyond[i]), &a, d) == -1 &&
		      errno == EINVAL);
	}
	/* A NUL inside is a byte like any other, not an end. */
	static const char nul_in_hex[] = "fxfer-resume/1 have=5 sha256=ba7816bf8f01cfea\0"
	                                 "14140de5dae2223b00361a396177a9cb410ff61f20015ad\n";
	static const char nul_in_number[] = "fxfer-resume/1 size=1\0 from=0\n";
	static const char nul_at_end[] = "fxfer-resume/1 size=10 from=5\0\n";
	static const char nul_in_field[] = "fxfer-resume/1 size=10 from=5 x=\0\n";
	static const char nul_after[] = "fxfer-resume/1 size=10 from=5\n\0";
	CHECK(refused_by_both(nul_in_hex, sizeof(nul_in_hex) - 1, EINVAL) == 0);
	CHECK(refused_by_both(nul_in_number, sizeof(nul_in_number) - 1, EINVAL) == 0);
	CHECK(refused_by_both(nul_at_end, sizeof(nul_at_end) - 1, EINVAL) == 0);
	CHECK(refused_by_both(nul_in_field, sizeof(nul_in_field) - 1, EINVAL) == 0);
	CHECK(refused_by_both(nul_after, sizeof(nul_after) - 1, EINVAL) == 0);
	/* Only the len bytes given are read: a line cut before its newline. */
	CHECK(refused_by_both("fxfer-resume/1 size=10 from=5\n", 29, EINVAL) == 0);
	/* Longer than FX_RESUME_MAX, however well formed. */
	CHECK(refused_by_both(padded(buf, "fxfer-resume/1 size=10 from=5", FX_RESUME_MAX + 1),
	                      FX_RESUME_MAX + 1, EINVAL) == 0);
	CHECK(refused_by_both(padded(buf, "fxfer-resume/1 have=5 sha256=" HEX64, FX_RESUME_MAX + 1),
	                      FX_RESUME_MAX + 1, EINVAL) == 0);
	return 0;
}

static int resume_parse_ignores_fields_a_later_version_adds(void)
{
	char buf[FX_RESUME_MAX + 1];
	uint8_t d[FX_SHA256_LEN], want[FX_SHA256_LEN];
	uint64_t have, size, from;

	CHECK(fx_sha256_parse_hex(HEX64, want) == 0);
	CHECK(request("fxfer-resume/1 have=5 sha256=" HEX64 " mtime=1700000000 name=a.b\n",
	              &have, d) == 0);
	CHECK(have == 5 && memcmp(d, want, sizeof(d)) == 0);
	CHECK(reply("fxfer-resume/1 size=10 from=4 x=y\n", &size, &from) == 0);
	CHECK(size == 10 && from == 4);
	CHECK(reply("fxfer-resume/1 size=10 from=4 a=\"b c\" d=~!@#$%^&*()\n", &size, &from) == 0);
	CHECK(size == 10 && from == 4);
	/* Up to FX_RESUME_MAX bytes, newline included. */
	padded(buf, "fxfer-resume/1 size=12 from=3", FX_RESUME_MAX);
	CHECK(fx_resume_reply_parse(buf, FX_RESUME_MAX, &size, &from) == 0);
	CHECK(size == 12 && from == 3);
	padded(buf, "fxfer-resume/1 have=6 sha256=" HEX64, FX_RESUME_MAX);
	CHECK(fx_resume_request_parse(buf, FX_RESUME_MAX, &have, d) == 0);
	CHECK(have == 6 && memcmp(d, want, sizeof(d)) == 0);
	return 0;
}

static int resume_parse_says_another_version(void)
{
	static const char *const later[] = {
		"fxfer-resume/2 have=5 sha256=" HEX64 "\n",
		"fxfer-resume/2 size=10 from=5\n",
		"fxfer-resume/2 something else entirely\n",
		"fxfer-resume/2\n",
		"fxfer-resume/10 size=10 from=5\n",
		"fxfer-resume/9223372036854775807 size=10 from=5\n",
	};

	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		if (refused_by_both(later[i], strlen(later[i]), EPROTONOSUPPORT) != 0) {
			fprintf(stderr, "line: \"%s\"\n", later[i]);
			return 1;
		}
	}
	/* Version 1 without its fields is a malformed line, not another version. */
	CHECK(refused_by_both("fxfer-resume/1\n", 15, EINVAL) == 0);
	return 0;
}

static int recv_line_leaves_the_bytes_after_the_newline(void)
{
	int s[2];
	char buf[64];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	/* A read that waits for bytes that never come fails, not hangs. */
	CHECK(fx_set_timeout(s[0], 5) == 0);
	CHECK(write(s[1], "line\nDATA", 9) == 9);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 5);
	CHECK(memcmp(buf, "line\n", 5) == 0);
	/* The writer keeps its end open: the data is there, nothing more. */
	CHECK(recv(s[0], buf, sizeof(buf), MSG_DONTWAIT) == 4);
	CHECK(memcmp(buf, "DATA", 4) == 0);
	/* Two lines in one write come back one at a time. */
	CHECK(write(s[1], "one\ntwo\n", 8) == 8);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 4 && memcmp(buf, "one\n", 4) == 0);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 4 && memcmp(buf, "two\n", 4) == 0);
	/* A full buffer ends the line; the rest stays. */
	CHECK(write(s[1], "abcdef\n", 7) == 7);
	CHECK(fx_recv_line(s[0], buf, 3, 5) == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 4 && memcmp(buf, "def\n", 4) == 0);
	/* A line that trickles in past the time allowed: ETIME (it came too
	 * slowly), within it; no byte at all: ETIMEDOUT. */
	CHECK(write(s[1], "slow", 4) == 4);
	errno = 0;
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 1) == -1 && errno == ETIME);
	errno = 0;
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 1) == -1 && errno == ETIMEDOUT);
	/* EOF before a newline: what came. */
	CHECK(write(s[1], "tail", 4) == 4);
	close(s[1]);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 4 && memcmp(buf, "tail", 4) == 0);
	CHECK(fx_recv_line(s[0], buf, sizeof(buf), 5) == 0);
	close(s[0]);
	return 0;
}

/* A fresh directory under $TMPDIR (else /tmp), its receive.dat and that
 * name with .part added. */
struct part_dir {
	char dir[200], path[300], part[310];
};

/* Make d's directory, with receive.dat holding old (none when old is NULL). */
static int part_scratch(struct part_dir *d, const char *old)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(d->dir, sizeof(d->dir), "%s/fxunit-part.XXXXXX",
	                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");

	if (n < 0 || (size_t)n >= sizeof(d->dir) ||
	    scratch(d->dir, d->path, sizeof(d->path), old) < 0)
		return -1;
	snprintf(d->part, sizeof(d->part), "%s.part", d->path);
	return 0;
}

/* ---- the hashing thread --------------------------------------------------- */

/* The digest of the first len bytes of fill_pattern(seed). */
static void pattern_digest(size_t len, unsigned seed, uint8_t d[FX_SHA256_LEN])
{
	unsigned char *buf = malloc(len + 1);
	struct fx_sha256 ctx;

	fill_pattern(buf, len, seed);
	fx_sha256_init(&ctx);
	fx_sha256_update(&ctx, buf, len);
	fx_sha256_final(&ctx, d);
	free(buf);
}

/* A temporary file holding the first len bytes of the pattern, at offset 0,
 * open for reading and writing (or writing only, for an output). */
static int pattern_file(size_t len, unsigned seed, int wronly)
{
	char name[] = "/tmp/fxunit-hash.XXXXXX";
	int fd = mkstemp(name);
	unsigned char *buf = malloc(len + 1);

	if (fd < 0 || buf == NULL)
		return -1;
	fill_pattern(buf, len, seed);
	if (fx_write_full(fd, buf, len) != (ssize_t)len)
		return -1;
	free(buf);
	if (wronly) {
		int w = open(name, O_WRONLY);
		close(fd);
		fd = w;
	}
	unlink(name);
	return fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

/*
 * Send len bytes of the pattern from a file (or, with from_pipe, a pipe
 * a child fills) over a socket pair to a file (write-only with to_wronly)
 * with both digests on, their hash where mode says.  Both must be the
 * pattern's digest, and the file must hold the bytes.
 */
static int hashed_roundtrip(size_t len, size_t chunk, int mode, int from_pipe, int to_wronly)
{
	int s[2], res[2], st, in = -1, out = pattern_file(0, 0, to_wronly);
	uint8_t want[FX_SHA256_LEN], sent[FX_SHA256_LEN], got[FX_SHA256_LEN];
	struct fx_sha256 tsha, rsha;
	struct fx_xfer tx = { .chunk = chunk, .sha = &tsha, .hash_thread = mode },
	               rx = { .chunk = chunk, .sha = &rsha, .hash_thread = mode };
	pid_t writer = -1;

	pattern_digest(len, 5, want);
	CHECK(out >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0 && pipe(res) == 0);
	if (from_pipe) {
		int p[2];
		CHECK(pipe(p) == 0);
		writer = piecewise_writer(p[1], len, 5);
		close(p[1]);
		in = p[0];
	} else {
		in = pattern_file(len, 5, 0);
	}
	CHECK(in >= 0 && writer != 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(s[0]);
		fx_sha256_init(&tsha);
		int r = fx_send_stream(s[1], in, &tx);
		fx_sha256_final(&tsha, sent);
		_exit(r == 0 && tx.bytes == len && write(res[1], sent, sizeof(sent)) == sizeof(sent) ? 0 : 1);
	}
	close(s[1]);
	close(res[1]);
	close(in);
	fx_sha256_init(&rsha);
	CHECK(fx_recv_stream(s[0], out, &rx) == 0 && rx.bytes == len);
	fx_sha256_final(&rsha, got);
	CHECK(fx_read_full(res[0], sent, sizeof(sent)) == (ssize_t)sizeof(sent));
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (writer > 0)
		CHECK(waitpid(writer, &st, 0) == writer && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(memcmp(sent, want, sizeof(want)) == 0);
	CHECK(memcmp(got, want, sizeof(want)) == 0);
	CHECK(lseek(out, 0, SEEK_END) == (off_t)len);
	close(s[0]);
	close(res[0]);
	close(out);
	return 0;
}

/* Every path (file or pipe in, file read back or not out) in either mode,
 * at sizes around the SHA-256 block, the chunk and the ring's buffers. */
static int hashed_roundtrips(int mode)
{
	static const size_t sizes[] = { 0, 1, 63, 64, 65, 4095, 262143, 262144, 262145,
	                                FX_CHUNK_DEFAULT - 1, FX_CHUNK_DEFAULT,
	                                3 * FX_CHUNK_DEFAULT + 17 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int how = 0; how < 4; how++)
			CHECK(hashed_roundtrip(sizes[i], FX_CHUNK_DEFAULT, mode, how & 1, how >> 1) == 0);
	/* Small chunks: many hand-overs, the ring's buffers a chunk each. */
	for (int how = 0; how < 4; how++)
		CHECK(hashed_roundtrip(10007, 30, mode, how & 1, how >> 1) == 0);
	return 0;
}

static int hash_thread_digests_every_byte_on_every_path(void)
{
	return hashed_roundtrips(FX_HASH_THREAD);
}

static int hash_inline_digests_every_byte_on_every_path(void)
{
	return hashed_roundtrips(FX_HASH_INLINE);
}

static int hash_thread_follows_a_file_further_than_its_lag(void)
{
	/* 40 MiB: the copy runs into the bound on how far it may lead. */
	size_t len = 40 * 1024 * 1024 + 5;
	for (int how = 0; how < 4; how++)
		CHECK(hashed_roundtrip(len, FX_CHUNK_DEFAULT, FX_HASH_THREAD, how & 1, how >> 1) == 0);
	return 0;
}

static int hash_thread_reports_a_file_that_shrank(void)
{
	int fd = pattern_file(100000, 9, 0);
	struct fx_sha256 ctx;
	struct fx_hashq *q;

	CHECK(fd >= 0 && lseek(fd, 10, SEEK_SET) == 10);
	fx_sha256_init(&ctx);
	CHECK((q = fx_hashq_start(&ctx, fd, 0)) != NULL);
	/* From offset 10, 99990 bytes are there; one more is not. */
	CHECK(fx_hashq_add(q, 99990) == 0 || errno == EIO);
	(void)fx_hashq_add(q, 1);
	errno = 0;
	CHECK(fx_hashq_end(q, 1) == -1 && errno == EIO);
	close(fd);
	return 0;
}

static int hash_thread_gives_up_at_once_when_told(void)
{
	/* A sparse file: the thread has 64 MiB of zeros to read back. */
	int fd = pattern_file(0, 0, 0);
	struct fx_sha256 ctx;
	struct fx_hashq *q;
	uint64_t big = (uint64_t)64 * 1024 * 1024;

	CHECK(fd >= 0 && ftruncate(fd, (off_t)big) == 0);
	fx_sha256_init(&ctx);
	CHECK((q = fx_hashq_start(&ctx, fd, 0)) != NULL);
	CHECK(fx_hashq_add(q, (size_t)big) == 0);
	/* The copy may lead by a bounded distance only: half is hashed. */
	CHECK(fx_hashq_end(q, 0) == 0);
	CHECK(ctx.len >= big / 2 && ctx.len <= big);
	close(fd);
	return 0;
}

static int peer_is_local_over_loopback_and_local_sockets(void)
{
	int c, a, s[2];

	CHECK(tcp_pair(&c, &a) == 0);
	CHECK(fx_peer_is_local(c) == 1 && fx_peer_is_local(a) == 1);
	close(c);
	close(a);
	/* A local socket is local; a descriptor that is no socket is not known to be. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0);
	CHECK(fx_peer_is_local(s[0]) == 1);
	close(s[0]);
	close(s[1]);
	CHECK(pipe(s) == 0);
	CHECK(fx_peer_is_local(s[0]) == 0);
	close(s[0]);
	close(s[1]);
	return 0;
}

static int sha256_file_hashes_a_range_and_fails_short(void)
{
	struct part_dir d = { .dir = "" };
	char want[FX_SHA256_HEX_LEN + 1], got[FX_SHA256_HEX_LEN + 1];
	size_t big = 200000;
	unsigned char *buf = malloc(big);
	uint8_t digest[FX_SHA256_LEN];
	struct fx_sha256 ctx;
	int fd;

	CHECK(buf != NULL && part_scratch(&d, NULL) == 0);
	fill_pattern(buf, big, 7);
	CHECK((fd = open(d.path, O_RDWR | O_CREAT | O_EXCL, 0600)) >= 0);
	CHECK(fx_write_full(fd, buf, big) == (ssize_t)big);
	CHECK(lseek(fd, 10, SEEK_SET) == 10);
	/* Ranges within one read, across several, up to the end, and none. */
	static const size_t ranges[][2] = { { 0, 0 }, { 0, 1 }, { 1000, 150000 },
	                                    { 0, 200000 }, { 65535, 65538 }, { 199999, 1 },
	                                    { 200000, 0 } };
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		size_t off = ranges[i][0], len = ranges[i][1];

		fx_sha256_init(&ctx);
		fx_sha256_update(&ctx, buf + off, len);
		fx_sha256_final(&ctx, digest);
		fx_sha256_hex(digest, want);
		fx_sha256_init(&ctx);
		CHECK(fx_sha256_file(fd, off, len, &ctx) == 0);
		fx_sha256_final(&ctx, digest);
		CHECK(strcmp(fx_sha256_hex(digest, got), want) == 0);
	}
	/* The descriptor's offset stays where it was. */
	CHECK(lseek(fd, 0, SEEK_CUR) == 10);
	/* A file shorter than the range. */
	fx_sha256_init(&ctx);
	errno = 0;
	CHECK(fx_sha256_file(fd, 199000, 1001, &ctx) == -1 && errno == EIO);
	fx_sha256_init(&ctx);
	errno = 0;
	CHECK(fx_sha256_file(fd, 300000, 1, &ctx) == -1 && errno == EIO);
	fx_sha256_init(&ctx);
	errno = 0;
	CHECK(fx_sha256_file(fd, 0, big + 1, &ctx) == -1 && errno == EIO);
	close(fd);
	unlink(d.path);
	rmdir(d.dir);
	free(buf);
	return 0;
}

static int out_open_part_keeps_what_was_written(void)
{
	struct part_dir d = { .dir = "" };
	char buf[16];
	struct fx_outfile out;
	struct stat st;

	CHECK(part_scratch(&d, NULL) == 0);
	CHECK(fx_out_open_part(&out, d.path, 0644) == 0);
	CHECK(out.keep == 1 && !out.direct);
	CHECK(lstat(d.part, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	CHECK(fx_write_full(out.fd, "partial", 7) == 7);
	errno = 1234;
	fx_out_abort(&out);
	CHECK(errno == 1234);
	/* The .part file stays, with its bytes; the target is not made. */
	CHECK(file_holds(d.part, "partial"));
	CHECK(access(d.path, F_OK) == -1 && errno == ENOENT);
	CHECK(count_entries(d.dir) == 1);
	/* The next open finds it as it was, at offset 0, and can read it. */
	CHECK(fx_out_open_part(&out, d.path, 0644) == 0);
	CHECK(lseek(out.fd, 0, SEEK_CUR) == 0);
	CHECK(fx_read_full(out.fd, buf, sizeof(buf)) == 7 && memcmp(buf, "partial", 7) == 0);
	fx_out_abort(&out);
	CHECK(file_holds(d.part, "partial"));
	/* An empty one tells the next try nothing: abort removes it. */
	CHECK(truncate(d.part, 0) == 0);
	CHECK(fx_out_open_part(&out, d.path, 0644) == 0);
	fx_out_abort(&out);
	CHECK(count_entries(d.dir) == 0);
	CHECK(fx_out_open_part(&out, d.path, 0644) == 0);
	CHECK(count_entries(d.dir) == 1);
	fx_out_abort(&out);
	CHECK(count_entries(d.dir) == 0);
	rmdir(d.dir);
	return 0;
}

static int out_open_part_is_locked_against_a_second(void)
{
	struct part_dir d = { .dir = "" };
	struct fx_outfile one, two;

	CHECK(part_scratch(&d, NULL) == 0);
	CHECK(fx_out_open_part(&one, d.path, 0644) == 0);
	CHECK(fx_write_full(one.fd, "first", 5) == 5);
	errno = 0;
	CHECK(fx_out_open_part(&two, d.path, 0644) == -1 && errno == EBUSY);
	CHECK(two.why != NULL);
	/* The refused one leaves the first one's file alone. */
	CHECK(file_holds(d.part, "first"));
	fx_out_abort(&one);
	/* Once the first lets go, the second may. */
	CHECK(fx_out_open_part(&two, d.path, 0644) == 0);
	CHECK(fx_out_open_part(&one, d.path, 0644) == -1 && errno == EBUSY);
	fx_out_abort(&two);
	CHECK(file_holds(d.part, "first"));
	unlink(d.part);
	rmdir(d.dir);
	return 0;
}

static int out_open_part_refuses_a_symbolic_link(void)
{
	struct part_dir d = { .dir = "" };
	char other[220];
	struct fx_outfile out;
	struct stat st;
	FILE *f;

	CHECK(part_scratch(&d, NULL) == 0);
	snprintf(other, sizeof(other), "%s/other", d.dir);
	CHECK((f = fopen(other, "w")) != NULL && fputs("other's", f) >= 0 && fclose(f) == 0);
	CHECK(symlink("other", d.part) == 0);
	errno = 0;
	CHECK(fx_out_open_part(&out, d.path, 0644) == -1 && errno == EEXIST);
	CHECK(out.why != NULL);
	CHECK(file_holds(other, "other's"));
	CHECK(lstat(d.part, &st) == 0 && S_ISLNK(st.st_mode));
	/* A dangling one is not followed to make the file it names either. */
	CHECK(unlink(other) == 0);
	errno = 0;
	CHECK(fx_out_open_part(&out, d.path, 0644) == -1 && errno == EEXIST);
	CHECK(access(other, F_OK) == -1 && errno == ENOENT);
	CHECK(count_entries(d.dir) == 1);
	unlink(d.part);
	rmdir(d.dir);
	return 0;
}

static int out_open_part_refuses_a_part_that_is_no_regular_file(void)
{
	struct part_dir d = { .dir = "" };
	struct fx_outfile out;

	CHECK(part_scratch(&d, NULL) == 0);
	CHECK(mkfifo(d.part, 0600) == 0);
	errno = 0;
	CHECK(fx_out_open_part(&out, d.path, 0644) == -1 && errno == EEXIST);
	CHECK(out.why != NULL);
	CHECK(unlink(d.part) == 0 && mkdir(d.part, 0700) == 0);
	errno = 0;
	CHECK(fx_out_open_part(&out, d.path, 0644) == -1 && errno == EEXIST);
	CHECK(out.why != NULL);
	CHECK(count_entries(d.dir) == 1);
	rmdir(d.part);
	rmdir(d.dir);
	return 0;
}

static int out_open_part_writes_a_device_directly(void)
{
	struct fx_outfile out;

	CHECK(fx_out_open_part(&out, "/dev/null", 0644) == 0);
	CHECK(out.keep == 0 && out.direct == 1 && out.tmp == NULL);
	CHECK(fx_write_full(out.fd, "x", 1) == 1);
	CHECK(fx_out_sync(&out) == 0 && fx_out_commit(&out) == 0);
	CHECK(access("/dev/null.part", F_OK) == -1);
	return 0;
}

static int out_part_commit_replaces_the_target_and_leaves_no_part(void)
{
	struct part_dir d = { .dir = "" };
	struct fx_outfile out;
	struct stat st;
	FILE *f;

	CHECK(part_scratch(&d, "old") == 0);
	CHECK(chmod(d.path, 0640) == 0);
	/* What an earlier try kept, and the rest after it. */
	CHECK((f = fopen(d.part, "w")) != NULL && fputs("ne", f) >= 0 && fclose(f) == 0);
	CHECK(fx_out_open_part(&out, d.path, 0644) == 0);
	CHECK(lseek(out.fd, 0, SEEK_END) == 2);
	CHECK(fx_write_full(out.fd, "w", 1) == 1);
	out.length = 3;
	CHECK(fx_out_sync(&out) == 0);
	/* Until the commit the old file is intact. */
	CHECK(file_holds(d.path, "old"));
	CHECK(fx_out_commit(&out) == 0);
	CHECK(file_holds(d.path, "new"));
	CHECK(stat(d.path, &st) == 0 && (st.st_mode & 0777) == 0640);
	CHECK(access(d.part, F_OK) == -1 && errno == ENOENT);
	CHECK(count_entries(d.dir) == 1);
	unlink(d.path);
	rmdir(d.dir);
	return 0;
}

/* ---- HMAC, HKDF and the key ------------------------------------------------ */

/* The bytes of hex (an even number of digits) into out: their count. */
static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Is out[0..n) the bytes of hex? */
static int is_hex(const uint8_t *out, size_t n, const char *hex)
{
	uint8_t want[256];

	return unhex(hex, want) == n && memcmp(out, want, n) == 0;
}

/* n bytes of v. */
static uint8_t *filled(uint8_t *buf, int v, size_t n)
{
	memset(buf, v, n);
	return buf;
}

static int hmac_sha256_gives_the_rfc_4231_values(void)
{
	static const char data7[] = "This is a test using a larger than block-size key and a larger "
	                            "than block-size data. The key needs to be hashed before being "
	                            "used by the HMAC algorithm.";
	static const char key4[] = "0102030405060708090a0b0c0d0e0f10111213141516171819";
	uint8_t key[256], data[256], mac[32];
	struct fx_hmac h;

	fx_hmac_sha256(filled(key, 0x0b, 20), 20, "Hi There", 8, mac);
	CHECK(is_hex(mac, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	fx_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
	CHECK(is_hex(mac, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	fx_hmac_sha256(filled(key, 0xaa, 20), 20, filled(data, 0xdd, 50), 50, mac);
	CHECK(is_hex(mac, 32, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"));
	fx_hmac_sha256(key, unhex(key4, key), filled(data, 0xcd, 50), 50, mac);
	CHECK(is_hex(mac, 32, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"));
	/* Case 5's value is the first 128 bits. */
	fx_hmac_sha256(filled(key, 0x0c, 20), 20, "Test With Truncation", 20, mac);
	CHECK(is_hex(mac, 16, "a3b6167473100ee06e0c796c2955552b"));
	/* Keys longer than a block are hashed first. */
	fx_hmac_sha256(filled(key, 0xaa, 131), 131,
	               "Test Using Larger Than Block-Size Key - Hash Key First", 54, mac);
	CHECK(is_hex(mac, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
	fx_hmac_sha256(key, 131, data7, strlen(data7), mac);
	CHECK(is_hex(mac, 32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
	/* Streaming, a byte at a time, is the same. */
	fx_hmac_init(&h, key, 131);
	for (size_t i = 0; i < strlen(data7); i++)
		fx_hmac_update(&h, data7 + i, 1);
	fx_hmac_final(&h, mac);
	CHECK(is_hex(mac, 32, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"));
	return 0;
}

static int hkdf_sha256_gives_the_rfc_5869_values(void)
{
	uint8_t ikm[128], salt[128], info[128], prk[32], okm[128];
	size_t i;

	/* Case 1. */
	for (i = 0; i < 13; i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < 10; i++)
		info[i] = (uint8_t)(0xf0 + i);
	fx_hkdf_extract(salt, 13, filled(ikm, 0x0b, 22), 22, prk);
	CHECK(is_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"));
	CHECK(fx_hkdf_expand(prk, info, 10, okm, 42) == 0);
	CHECK(is_hex(okm, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	                      "34007208d5b887185865"));
	/* Case 2: long inputs, 82 bytes out. */
	for (i = 0; i < 80; i++) {
		ikm[i] = (uint8_t)i;
		salt[i] = (uint8_t)(0x60 + i);
		info[i] = (uint8_t)(0xb0 + i);
	}
	CHECK(fx_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm, 82) == 0);
	CHECK(is_hex(okm, 82, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	                      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	                      "cc30c58179ec3e87c14c01d5c1f3434f1d87"));
	/* Case 3: no salt, no info. */
	fx_hkdf_extract(NULL, 0, filled(ikm, 0x0b, 22), 22, prk);
	CHECK(is_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"));
	CHECK(fx_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, okm, 42) == 0);
	CHECK(is_hex(okm, 42, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	                      "9d201395faa4b61a96c8"));
	/* At most 255 blocks. */
	errno = 0;
	CHECK(fx_hkdf_expand(prk, NULL, 0, okm, 255 * 32 + 1) == -1 && errno == EINVAL);
	return 0;
}

static int constant_time_compare_sees_every_byte(void)
{
	uint8_t a[32], b[32];

	CHECK(fx_equal_ct(filled(a, 7, 32), filled(b, 7, 32), 32));
	for (size_t i = 0; i < 32; i++) {
		b[i] ^= 1;
		CHECK(!fx_equal_ct(a, b, 32));
		b[i] ^= 1;
	}
	CHECK(fx_equal_ct(a, b, 0));
	return 0;
}

static int key_text_is_44_base64_characters_and_nothing_else(void)
{
	static const char *const bad[] = {
		"", "\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",          /* 43: short */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",        /* 45 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",         /* no '=' */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",         /* not canonical */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-A=",         /* another alphabet */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA A=",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ",
		" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	uint8_t key[32], back[32], untouched[32];
	char text[FX_KEY_TEXT_LEN + 2];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(key, 0x55, sizeof(key));
		memcpy(untouched, key, sizeof(key));
		errno = 0;
		if (fx_key_decode(bad[i], strlen(bad[i]), key) != -1 || errno != EINVAL ||
		    memcmp(key, untouched, sizeof(key)) != 0) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			return 1;
		}
	}
	/* A NUL inside is no character of it. */
	memcpy(text, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 44);
	text[10] = '\0';
	CHECK(fx_key_decode(text, 44, key) == -1);
	/* Every key's text parses back to it, with or without its newline. */
	for (int round = 0; round < 200; round++) {
		CHECK(fx_random(key, sizeof(key)) == 0);
		fx_key_encode(text, key);
		CHECK(strlen(text) == FX_KEY_TEXT_LEN && text[43] == '=');
		CHECK(fx_key_decode(text, FX_KEY_TEXT_LEN, back) == 0 && memcmp(back, key, 32) == 0);
		text[44] = '\n';
		CHECK(fx_key_decode(text, FX_KEY_TEXT_LEN + 1, back) == 0 && memcmp(back, key, 32) == 0);
	}
	/* The text of a known key. */
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	fx_key_encode(text, key);
	CHECK(strcmp(text, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") == 0);
	return 0;
}

/* Run one exchange between a client and a server of keys kc and ks, the
 * server sending size bytes whose digest is d; fail at the first step that
 * does (its errno kept): 1 for the client's reply_take, 2 the server's
 * proof_take, 3 the client's tag_check, 4 the server's ack_check; 0 when
 * all passed. */
static int exchange(const uint8_t kc[32], const uint8_t ks[32], uint64_t size, const uint8_t d[32],
                    int flip_tag)
{
	struct fx_keyx c, s;
	char line[FX_KEY_LINE_MAX];
	uint64_t got;
	int resume, step = 0;
	size_t n;

	fx_keyx_start(&c, kc);
	fx_keyx_start(&s, ks);
	n = fx_keyx_hello(&c, line);
	if (n == 0 || fx_keyx_hello_take(&s, line, n) < 0)
		return -1;
	n = fx_keyx_reply(&s, line, size, 1);
	if (fx_keyx_reply_take(&c, line, n, &got, &resume) < 0 || got != size || resume != 1)
		step = 1;
	if (step == 0) {
		n = fx_keyx_proof(&c, line);
		if (fx_keyx_proof_take(&s, line, n) < 0)
			step = 2;
	}
	if (step == 0) {
		fx_keyx_line(&c, "fxfer-resume/1 have=0 sha256=x\n", 31);
		fx_keyx_line(&s, "fxfer-resume/1 have=0 sha256=x\n", 31);
		n = fx_keyx_tag(&s, line, size, d);
		if (flip_tag)
			line[20] = line[20] == 'a' ? 'b' : 'a';
		if (fx_keyx_tag_check(&c, line, n, size, d) < 0)
			step = 3;
	}
	if (step == 0) {
		n = fx_keyx_ack(&c, line, size, d);
		if (fx_keyx_ack_check(&s, line, n, size, d) < 0)
			step = 4;
	}
	int e = errno;
	fx_keyx_end(&c);
	fx_keyx_end(&s);
	errno = e;
	return step;
}

static int key_exchange_proves_the_key_and_tags_the_content(void)
{
	uint8_t k[32], other[32], d[32], none[sizeof(struct fx_keyx)];
	struct fx_keyx x;

	CHECK(fx_random(k, 32) == 0 && fx_random(other, 32) == 0 && fx_random(d, 32) == 0);
	CHECK(exchange(k, k, 12345, d, 0) == 0);
	/* Another key: the client finds the server's proof wrong. */
	errno = 0;
	CHECK(exchange(other, k, 12345, d, 0) == 1 && errno == EACCES);
	errno = 0;
	CHECK(exchange(k, other, 12345, d, 0) == 1 && errno == EACCES);
	/* A tag with one digit changed. */
	errno = 0;
	CHECK(exchange(k, k, 12345, d, 1) == 3 && errno == EACCES);
	/* The end wipes every secret. */
	fx_keyx_start(&x, k);
	fx_keyx_end(&x);
	memset(none, 0, sizeof(none));
	CHECK(memcmp(&x, none, sizeof(x)) == 0);
	return 0;
}

static int key_exchange_refuses_replies_and_proofs_of_another_session(void)
{
	struct fx_keyx c1, c2, s1, s2;
	char hello1[FX_KEY_LINE_MAX], hello2[FX_KEY_LINE_MAX], reply1[FX_KEY_LINE_MAX],
	     reply2[FX_KEY_LINE_MAX], proof1[FX_KEY_LINE_MAX];
	uint8_t k[32], d[32];
	uint64_t size;
	int resume;

	CHECK(fx_random(k, 32) == 0 && fx_random(d, 32) == 0);
	/* One session, recorded. */
	fx_keyx_start(&c1, k);
	fx_keyx_start(&s1, k);
	size_t h1 = fx_keyx_hello(&c1, hello1);
	CHECK(fx_keyx_hello_take(&s1, hello1, h1) == 0);
	size_t r1 = fx_keyx_reply(&s1, reply1, 100, 0);
	CHECK(fx_keyx_reply_take(&c1, reply1, r1, &size, &resume) == 0);
	size_t p1 = fx_keyx_proof(&c1, proof1);
	CHECK(fx_keyx_proof_take(&s1, proof1, p1) == 0);
	/* Its reply, replayed to a new client (its own nonce): refused. */
	fx_keyx_start(&c2, k);
	size_t h2 = fx_keyx_hello(&c2, hello2);
	errno = 0;
	CHECK(fx_keyx_reply_take(&c2, reply1, r1, &size, &resume) == -1 && errno == EACCES);
	/* Its client's proof, replayed to a new server (its own nonce). */
	fx_keyx_start(&s2, k);
	CHECK(fx_keyx_hello_take(&s2, hello1, h1) == 0);
	size_t r2 = fx_keyx_reply(&s2, reply2, 100, 0);
	CHECK(r2 > 0 && memcmp(reply1, reply2, r1) != 0);
	errno = 0;
	CHECK(fx_keyx_proof_take(&s2, proof1, p1) == -1 && errno == EACCES);
	/* The server's proof reflected as the client's: a line of another
	 * name, and another key besides. */
	CHECK(fx_keyx_proof_take(&s2, reply2, r2) == -1 && errno == EINVAL);
	(void)h2;
	fx_keyx_end(&c1);
	fx_keyx_end(&c2);
	fx_keyx_end(&s1);
	fx_keyx_end(&s2);
	return 0;
}

static int key_lines_refuse_malformed_and_other_versions(void)
{
	static const char *const bad[] = {
		"", "\n", "fxfer-key/1\n", "fxfer-key/1 \n",
		"fxfer-key/1 nonce=" HEX64,                     /* no newline */
		"fxfer-key/1 nonce=" HEX64 "\n\n",
		"fxfer-key/1 nonce=" HEX64 "\r\n",
		"fxfer-key/1 nonce=" HEX64_UPPER "\n",
		"fxfer-key/1  nonce=" HEX64 "\n",
		"fxfer-key/1 nonce= " HEX64 "\n",
		"fxfer-key/1 nonce=" HEX64 "0\n",
		"fxfer-key/1 proof=" HEX64 "\n",                 /* another name */
		"fxfer-key/01 nonce=" HEX64 "\n",
		"Fxfer-key/1 nonce=" HEX64 "\n",
		"fxfer-resume/1 nonce=" HEX64 "\n",
	};
	uint8_t v[32], untouched[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(v, 0x33, 32);
		memcpy(untouched, v, 32);
		errno = 0;
		if (fx_key_field_parse(bad[i], strlen(bad[i]), "nonce", v) != -1 || errno != EINVAL ||
		    memcmp(v, untouched, 32) != 0) {
			fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
			return 1;
		}
	}
	errno = 0;
	CHECK(fx_key_field_parse("fxfer-key/2 nonce=x\n", 20, "nonce", v) == -1 &&
	      errno == EPROTONOSUPPORT);
	/* A later version's fields at the end are ignored. */
	CHECK(fx_key_field_parse("fxfer-key/1 tag=" HEX64 " x=y\n", 16 + 64 + 5, "tag", v) == 0);
	uint8_t n[32], p[32];
	uint64_t size;
	int resume;
	static const char reply[] = "fxfer-key/1 nonce=" HEX64 " size=10 resume=1 proof=" HEX64 "\n";
	CHECK(fx_key_reply_parse(reply, strlen(reply), n, &size, &resume, p) == 0 && size == 10 &&
	      resume == 1);
	static const char *const bad_replies[] = {
		"fxfer-key/1 nonce=" HEX64 " size=10 resume=2 proof=" HEX64 "\n",
		"fxfer-key/1 nonce=" HEX64 " size=010 resume=1 proof=" HEX64 "\n",
		"fxfer-key/1 nonce=" HEX64 " size=9223372036854775808 resume=1 proof=" HEX64 "\n",
		"fxfer-key/1 nonce=" HEX64 " resume=1 size=10 proof=" HEX64 "\n",
		"fxfer-key/1 nonce=" HEX64 " size=10 resume=1\n",
	};
	for (size_t i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); i++) {
		errno = 0;
		CHECK(fx_key_reply_parse(bad_replies[i], strlen(bad_replies[i]), n, &size, &resume, p) ==
		      -1 && errno == EINVAL);
	}
	static const char ack[] = "thank you\0fxfer-key/1 ack=" HEX64 "\n";
	CHECK(fx_key_ack_parse(ack, sizeof(ack) - 1, p) == 0);
	CHECK(fx_key_ack_parse(ack + 1, sizeof(ack) - 2, p) == -1 && errno == EINVAL);
	CHECK(fx_key_ack_parse("thank you\n", 10, p) == -1 && errno == EINVAL);
	return 0;
}

/* ---- runner -------------------------------------------------------------- */

#define T(name) { #name, name }
static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	T(net_parse_takes_addresses_and_prefixes),
	T(net_parse_refuses_malformed),
	T(net_match_checks_the_prefix_bits),
	T(parse_port_accepts_0_to_65535),
	T(parse_port_rejects_junk_sign_and_range),
	T(parse_size_takes_k_m_g_and_t_suffixes),
	T(parse_size_rejects_zero_absurd_and_junk),
	T(ack_accepted_with_nul_newline_or_bare),
	T(ack_with_digest_gives_the_digest),
	T(ack_rejects_anything_else),
	T(escape_makes_peer_bytes_printable),
	T(escape_never_splits_an_escape),
	T(write_full_survives_short_writes_and_eintr),
	T(write_full_reports_vanished_reader),
	T(read_full_fills_buffer_across_pieces_and_eintr),
	T(read_full_returns_short_only_at_eof),
	T(read_line_stops_at_nul_or_newline_without_eof),
	T(stream_moves_every_byte_in_default_chunks),
	T(stream_moves_every_byte_in_30_byte_chunks),
	T(stream_moves_empty_file),
	T(out_commit_replaces_target_and_leaves_no_temp),
	T(out_commit_new_refuses_existing_file),
	T(out_abort_keeps_old_file_and_removes_temp),
	T(out_open_fails_cleanly_in_missing_directory),
	T(out_open_of_an_empty_path_is_enoent),
	T(out_sync_keeps_target_mode_without_setid_bits),
	T(out_commit_takes_a_name_of_name_max_bytes),
	T(out_open_refuses_directory_and_dangling_link),
	T(recv_stream_cuts_a_stream_beyond_max),
	T(recv_stream_says_when_the_output_failed),
	T(conn_check_sees_a_reset_after_the_end_of_stream),
	T(peer_of_dual_stack_listener_is_named_as_ipv4),
	T(accept_names_a_peer_that_reset_in_the_backlog),
	T(read_line_masked_times_out_then_reads_a_line),
	T(read_line_masked_refuses_a_bad_descriptor),
	T(read_full_waits_on_a_nonblocking_descriptor),
	T(send_stream_fails_within_its_timeout_when_nothing_moves),
	T(sha256_portable_matches_fips_180_4_examples),
	T(sha256_sha_ni_matches_fips_180_4_examples),
	T(sha256_init_uses_sha_ni_exactly_when_the_cpu_has_it),
	T(sha256_split_updates_match_one_update),
	T(sha256_sha_ni_matches_portable_on_random_data),
	T(sha256_agrees_with_sha256sum_on_files),
	T(sha256_counts_length_beyond_4gib),
	T(sha256_hex_prints_lowercase_like_sha256sum),
	T(sha256_parse_hex_accepts_either_case),
	T(sha256_parse_hex_rejects_wrong_length_and_non_hex),
	T(resume_request_round_trips),
	T(resume_reply_round_trips),
	T(resume_parse_refuses_malformed),
	T(resume_parse_ignores_fields_a_later_version_adds),
	T(resume_parse_says_another_version),
	T(recv_line_leaves_the_bytes_after_the_newline),
	T(sha256_file_hashes_a_range_and_fails_short),
	T(hash_thread_digests_every_byte_on_every_path),
	T(hash_inline_digests_every_byte_on_every_path),
	T(hash_thread_follows_a_file_further_than_its_lag),
	T(hash_thread_reports_a_file_that_shrank),
	T(hash_thread_gives_up_at_once_when_told),
	T(peer_is_local_over_loopback_and_local_sockets),
	T(out_open_part_keeps_what_was_written),
	T(out_open_part_is_locked_against_a_second),
	T(out_open_part_refuses_a_symbolic_link),
	T(out_open_part_refuses_a_part_that_is_no_regular_file),
	T(out_open_part_writes_a_device_directly),
	T(out_part_commit_replaces_the_target_and_leaves_no_part),
	T(hmac_sha256_gives_the_rfc_4231_values),
	T(hkdf_sha256_gives_the_rfc_5869_values),
	T(constant_time_compare_sees_every_byte),
	T(key_text_is_44_base64_characters_and_nothing_else),
	T(key_exchange_proves_the_key_and_tags_the_content),
	T(key_exchange_refuses_replies_and_proofs_of_another_session),
	T(key_lines_refuse_malformed_and_other_versions),
};

int main(int argc, char **argv)
{
	size_t n = sizeof(tests) / sizeof(tests[0]);

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	for (size_t i = 0; argc == 2 && i < n; i++) {
		if (strcmp(argv[1], tests[i].name) == 0)
			return tests[i].fn();
	}
	fprintf(stderr, "usage: unit NAME (unit --list names them)\n");
	return 2;
}
