/*
 * Unit tests of the fxfer library.  Run as "unit NAME"; each NAME is one
 * CTest test, named for the behaviour it checks.
 */
#include "fxfer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static int ack_accepted_with_nul_newline_or_bare(void)
{
	CHECK(fx_ack_ok("thank you", 9));
	CHECK(fx_ack_ok("thank you\0", 10));
	CHECK(fx_ack_ok("thank you\n", 10));
	CHECK(fx_ack_ok("thank you\r\n", 11));
	CHECK(fx_ack_ok("thank you\n\0", 11));
	return 0;
}

static int ack_rejects_anything_else(void)
{
	CHECK(!fx_ack_ok("", 0));
	CHECK(!fx_ack_ok("thank yo", 8));
	CHECK(!fx_ack_ok("thank you!", 10));
	CHECK(!fx_ack_ok("thank you\0\0", 11));
	CHECK(!fx_ack_ok("thank you\n\n", 11));
	CHECK(!fx_ack_ok("THANK YOU", 9));
	CHECK(!fx_ack_ok("\x1b[2Jthank you", 13));
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

/* ---- runner -------------------------------------------------------------- */

#define T(name) { #name, name }
static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	T(parse_port_accepts_0_to_65535),
	T(parse_port_rejects_junk_sign_and_range),
	T(parse_size_takes_k_m_g_and_t_suffixes),
	T(parse_size_rejects_zero_absurd_and_junk),
	T(ack_accepted_with_nul_newline_or_bare),
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
	T(out_sync_keeps_target_mode_without_setid_bits),
	T(out_commit_takes_a_name_of_name_max_bytes),
	T(out_open_refuses_directory_and_dangling_link),
	T(recv_stream_cuts_a_stream_beyond_max),
	T(recv_stream_says_when_the_output_failed),
	T(conn_check_sees_a_reset_after_the_end_of_stream),
	T(peer_of_dual_stack_listener_is_named_as_ipv4),
	T(read_line_masked_times_out_then_reads_a_line),
	T(send_stream_fails_within_its_timeout_when_nothing_moves),
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
