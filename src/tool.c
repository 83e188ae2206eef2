/* Messages and checks shared by the two programs (the library never prints). */
#include "tool.h"

#include "fxfer.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tool_name = "fxfer";
static const char *tool_synopsis = "";
static unsigned std_closed;   /* bit fd: descriptor fd was closed at start */
static sigset_t caught;       /* the signals tool_catch_*_signals took, */
static int caught_sig[96];    /* also as a list */
static size_t ncaught;
static volatile sig_atomic_t meter_shown; /* width of the meter's line on screen */

void tool_init(const char *name, const char *synopsis)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		std_closed |= 1u << fd;
		/* The lowest free descriptor: fd itself.  Without /dev/null
		 * (a bare chroot) there is no safe way on, and nowhere to say so. */
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(EX_OSERR);
	}
	tool_name = name;
	tool_synopsis = synopsis;
	sigemptyset(&caught);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
}

int tool_std_closed(int fd)
{
	return fd >= 0 && fd <= 2 && (std_closed & (1u << fd)) != 0;
}

int tool_std_usable(int fd, int want)
{
	int mode = fcntl(fd, F_GETFL);

	if (tool_std_closed(fd) || mode < 0)
		return 0;
	mode &= O_ACCMODE;
	return mode == O_RDWR || mode == want;
}

void tool_say(const char *fmt, ...)
{
	char line[1024];
	size_t prefix = strlen(tool_name) + 2;  /* "prog: " fits: names are short */
	va_list ap;
	int n;

	memcpy(line, tool_name, prefix - 2);
	memcpy(line + prefix - 2, ": ", 3);
	va_start(ap, fmt);
	/* clang-tidy 14 misses the va_start above (its valist checker false positive). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(line + prefix, sizeof(line) - prefix, fmt, ap);
	va_end(ap);
	/* Cut at the buffer, but always end the line. */
	n = (int)strlen(line);
	if ((size_t)n == sizeof(line) - 1)
		n--;
	line[n++] = '\n';
	fflush(stderr);
	(void)fx_write_full(STDERR_FILENO, line, (size_t)n);
}

int tool_fail(int status, const char *thing, const char *reason)
{
	char shown[512];

	/* A name from the command line may hold a newline or an escape
	 * sequence: the message stays one printable line. */
	if (thing != NULL) {
		fx_escape(shown, sizeof(shown), thing, strlen(thing));
		tool_say("%s: %s", shown, reason);
	} else {
		tool_say("%s", reason);
	}
	return status;
}

int tool_usage_error(const char *thing, const char *reason)
{
	if (thing != NULL)
		return tool_fail(EX_USAGE, thing, reason);
	tool_say("%s; usage: %s %s", reason, tool_name, tool_synopsis);
	return EX_USAGE;
}

/* Install handler for each of sigs[0..n) not ignored at start. */
static void catch_signals(const int *sigs, size_t n, void (*handler)(int))
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++) {
		if (sigaction(sigs[i], NULL, &old) < 0 || old.sa_handler == SIG_IGN)
			continue;
		if (ncaught == sizeof(caught_sig) / sizeof(caught_sig[0]) ||
		    sigaction(sigs[i], &sa, NULL) < 0)
			continue;
		sigaddset(&caught, sigs[i]);
		caught_sig[ncaught++] = sigs[i];
	}
}

void tool_catch_stop_signals(void (*handler)(int))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	catch_signals(sigs, sizeof(sigs) / sizeof(sigs[0]), handler);
}

void tool_catch_fatal_signals(void (*handler)(int))
{
	/* Every signal whose default action ends the process (SIGPIPE and
	 * SIGXFSZ are ignored), the faults too: kill(1) can send them, and a
	 * real fault, once the handler has cleaned up, faults again and ends
	 * the process as it would have. */
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
		SIGABRT, SIGVTALRM, SIGPROF, SIGXCPU, SIGSEGV, SIGBUS, SIGILL,
		SIGFPE, SIGSYS, SIGTRAP,
#ifdef SIGPOLL
		SIGPOLL,
#endif
#ifdef SIGPWR
		SIGPWR,
#endif
#ifdef SIGSTKFLT
		SIGSTKFLT,
#endif
	};

	catch_signals(sigs, sizeof(sigs) / sizeof(sigs[0]), handler);
#ifdef SIGRTMIN
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		catch_signals(&sig, 1, handler);
#endif
}

void tool_default_signals(void)
{
	for (size_t i = 0; i < ncaught; i++)
		signal(caught_sig[i], SIG_DFL);
	sigemptyset(&caught);
	ncaught = 0;
}

void tool_block_signals(void)
{
	sigprocmask(SIG_BLOCK, &caught, NULL);
}

void tool_unblock_signals(void)
{
	sigprocmask(SIG_UNBLOCK, &caught, NULL);
}

/* Clear the meter's line, if one is shown, from a signal handler. */
static void meter_clear_at_death(void)
{
	char line[130];
	size_t w = (size_t)meter_shown;

	if (w == 0 || w > sizeof(line) - 2)
		return;
	line[0] = '\r';
	memset(line + 1, ' ', w);
	line[w + 1] = '\r';
	if (write(STDERR_FILENO, line, w + 2) < 0)
		return; /* nothing more to do about it, dying */
}

void tool_die_by_signal(int sig)
{
	struct sigaction sa;
	sigset_t s;

	meter_clear_at_death();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	/* Only if the signal could not end us (it cannot be): the same status. */
	_exit(TOOL_EX_SIGNAL + sig);
}

int tool_option_error(int c, int opt, const char *arg)
{
	char thing[64];

	if (opt != 0)
		snprintf(thing, sizeof(thing), "-%c", opt);
	else
		snprintf(thing, sizeof(thing), "%.60s", arg);
	return tool_usage_error(thing, c == ':' ? "option needs an argument" :
	                        "unknown option");
}

int tool_port(const char *s, int allow_zero)
{
	unsigned port;
	char thing[64];

	snprintf(thing, sizeof(thing), "port '%.40s'", s);
	if (fx_parse_port(s, &port) < 0) {
		tool_usage_error(thing, errno != ERANGE ? "not a number" :
		                 allow_zero ? "out of range (0 to 65535)" : "out of range (1 to 65535)");
		return -1;
	}
	if (port == 0 && !allow_zero) {
		tool_usage_error(thing, "out of range (1 to 65535)");
		return -1;
	}
	return (int)port;
}

int tool_size(const char *what, const char *s, uint64_t min, uint64_t max,
              uint64_t *v)
{
	char thing[64], reason[64];

	if (fx_parse_size(s, min, max, v) == 0)
		return 0;
	snprintf(thing, sizeof(thing), "%s '%.30s'", what, s);
	if (errno == ERANGE)
		snprintf(reason, sizeof(reason), "out of range (%" PRIu64 " to %" PRIu64 ")",
		         min, max);
	else
		snprintf(reason, sizeof(reason), "not a size (digits, then K, M, G or T)");
	tool_usage_error(thing, reason);
	return -1;
}

int tool_chunk(const char *s, size_t *chunk)
{
	char thing[64];
	uint64_t v;

	if (fx_parse_size(s, FX_CHUNK_MIN, FX_CHUNK_MAX, &v) == 0) {
		*chunk = (size_t)v;
		return 0;
	}
	snprintf(thing, sizeof(thing), "chunk size '%.30s'", s);
	tool_usage_error(thing, errno == ERANGE ? "out of range (1 to 16M)" :
	                 "not a size (digits, then K or M)");
	return -1;
}

int tool_number(const char *what, const char *s, unsigned long min,
                unsigned long max, unsigned long *v)
{
	char thing[64], reason[64];
	uint64_t n;

	/* A size without suffix is a plain number: reuse its strict parser. */
	if (strpbrk(s, "kKmMgGtT") == NULL && fx_parse_size(s, min, max, &n) == 0) {
		*v = (unsigned long)n;
		return 0;
	}
	snprintf(thing, sizeof(thing), "%s '%.30s'", what, s);
	snprintf(reason, sizeof(reason), "not a number from %lu to %lu", min, max);
	tool_usage_error(thing, reason);
	return -1;
}

int tool_net_status(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ETIMEDOUT:
	case EADDRINUSE:
	case EADDRNOTAVAIL:
	case EAFNOSUPPORT:
	case EACCES:
		return EX_UNAVAILABLE;
	default:
		return EX_IOERR;
	}
}

void tool_version(void)
{
	printf("%s %s\n", tool_name, TOOL_VERSION);
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

double tool_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return seconds_between(start, &now);
}

/* "12.3 MiB" */
static void human(char *buf, size_t len, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

void tool_meter_start(struct tool_meter *m, int on, uint64_t total)
{
	m->on = on;
	m->total = total;
	m->bytes = 0;
	m->width = 0;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->last = m->start;
}

static void draw(struct tool_meter *m, double secs)
{
	char done[32], rate[32], line[128];
	double bps = secs > 0 ? (double)m->bytes / secs : 0;
	int n;

	human(done, sizeof(done), (double)m->bytes);
	human(rate, sizeof(rate), bps);
	if (m->total > 0 && bps > 0) {
		double left = (double)(m->total - (m->bytes < m->total ? m->bytes : m->total)) / bps;
		n = snprintf(line, sizeof(line), "%s: %s  %3.0f%%  %s/s  %d:%02d left", tool_name,
		             done, 100.0 * (double)m->bytes / (double)m->total, rate,
		             (int)left / 60, (int)left % 60);
	} else {
		n = snprintf(line, sizeof(line), "%s: %s  %s/s", tool_name, done, rate);
	}
	if (n < 0)
		return;
	/* Pad over a longer previous line, then return to the line's start. */
	fprintf(stderr, "\r%-*s", (int)m->width, line);
	if ((size_t)n > m->width)
		m->width = (size_t)n;
	fflush(stderr);
	meter_shown = (sig_atomic_t)m->width;
}

void tool_meter_update(void *meter, uint64_t bytes)
{
	struct tool_meter *m = meter;
	struct timespec now;

	m->bytes = bytes;
	if (!m->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* The first chunk draws at once, later ones at most ten times a second. */
	if (m->width > 0 && seconds_between(&m->last, &now) < 0.1)
		return;
	m->last = now;
	draw(m, seconds_between(&m->start, &now));
}

void tool_meter_end(struct tool_meter *m)
{
	meter_shown = 0;
	if (m->on && m->width > 0)
		fprintf(stderr, "\r%*s\r", (int)m->width, "");
	m->width = 0;
}

void tool_summary(char *buf, size_t len, const struct tool_meter *m, uint64_t bytes)
{
	struct timespec now;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = seconds_between(&m->start, &now);
	snprintf(buf, len, "%" PRIu64 " bytes in %.3f s (%.1f MB/s)", bytes, secs,
	         secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
}

void tool_opts_init(struct tool_opts *t)
{
	t->chunk = FX_CHUNK_DEFAULT;
	t->timeout = 60;
	t->quiet = t->verbose = t->progress = 0;
}

int tool_common_option(int c, const char *arg, struct tool_opts *t,
                       void (*usage)(void))
{
	switch (c) {
	case 'c':
		return tool_chunk(arg, &t->chunk) < 0 ? -1 : 1;
	case 't':
		return tool_number("timeout", arg, 0, 86400, &t->timeout) < 0 ? -1 : 1;
	case 'q':
		t->quiet = 1;
		return 1;
	case 'v':
		t->verbose = 1;
		return 1;
	case 'P':
		t->progress = 1;
		return 1;
	case 'h':
		usage();
		exit(EX_OK);
	case 'V':
		tool_version();
		exit(EX_OK);
	default:
		return 0;
	}
}

int tool_flush(FILE *f)
{
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	if (errno == 0)
		errno = EIO;
	return -1;
}

const char *tool_stream_name(FILE *f)
{
	return f == stderr ? "standard error" : "standard output";
}

int tool_sha256_line(FILE *f, const uint8_t d[32], const char *path)
{
	char hex[FX_SHA256_HEX_LEN + 1];
	int escape = strpbrk(path, "\\\n") != NULL;

	errno = 0; /* so a write that fails on the way is the one reported */
	fprintf(f, "%s%s  ", escape ? "\\" : "", fx_sha256_hex(d, hex));
	for (const char *p = path; *p != '\0'; p++) {
		if (escape && *p == '\\')
			fputs("\\\\", f);
		else if (escape && *p == '\n')
			fputs("\\n", f);
		else
			putc(*p, f);
	}
	putc('\n', f);
	return tool_flush(f);
}
