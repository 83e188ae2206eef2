/* What fsend and frecv share as programs: messages, statuses, argument checks. */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

/* 128 + signal number: the status of a program stopped by a signal. */
#define TOOL_EX_SIGNAL 128

/*
 * The first call of main: open /dev/null onto any of descriptors 0, 1 and 2
 * that is closed (so no file or socket opened later can become one of them
 * and receive messages or data meant for another), set the program name and
 * synopsis for messages, and ignore SIGPIPE and SIGXFSZ (a vanished peer or
 * a file-size limit is an error we report, not a silent death).
 */
void tool_init(const char *name, const char *synopsis);

/* Was descriptor fd (0, 1 or 2) closed when the program started? */
int tool_std_closed(int fd);

/* Can descriptor fd (0-2) be used as the program needs: open at start, and
 * open for reading (want O_RDONLY) or for writing (want O_WRONLY)? */
int tool_std_usable(int fd, int want);

/*
 * "prog: " and the printf-style text, as one line on stderr in a single
 * write(2), so lines from processes sharing stderr never interleave.
 */
void tool_say(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* "prog: thing: reason" on stderr, thing escaped as fx_escape does; returns
 * status so mains can return it. */
int tool_fail(int status, const char *thing, const char *reason);

/* "prog: thing: reason" on stderr, one line; without a thing (the operands
 * are wrong), the reason then the synopsis on that line.  Returns EX_USAGE. */
int tool_usage_error(const char *thing, const char *reason);

/* Report getopt's ':' (missing argument) or '?' (unknown option) for the
 * option character opt, or the argument arg when opt is 0 (long options). */
int tool_option_error(int c, int opt, const char *arg);

/*
 * Run handler, without SA_RESTART, for the signals that ask a program to
 * stop (SIGINT, SIGTERM, SIGHUP: tool_catch_stop_signals), or for every
 * signal whose default is to end the process (tool_catch_fatal_signals).
 * A signal that was ignored when the program started stays ignored, as
 * nohup(1) and shells expect.  The handler runs with all these signals
 * blocked.
 */
void tool_catch_stop_signals(void (*handler)(int));
void tool_catch_fatal_signals(void (*handler)(int));

/* Put back the default action of every signal caught above (in a child). */
void tool_default_signals(void);

/* Block (or with unblock, unblock) every signal caught above. */
void tool_block_signals(void);
void tool_unblock_signals(void);

/*
 * Die by signal sig the way a shell can see (WIFSIGNALED, $? = 128 + sig):
 * restore its default action, unblock it and raise it.  Async-signal-safe,
 * so a handler may end with it.  Never returns.
 */
void tool_die_by_signal(int sig)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;

/* Parse a port operand; 0 is allowed only when allow_zero.  Prints on error. */
int tool_port(const char *s, int allow_zero);

/* Parse the -c chunk size.  Returns 0, or prints and returns -1. */
int tool_chunk(const char *s, size_t *chunk);

/* Parse a size with an optional K, M, G or T suffix in [min, max] for the
 * option named what.  Returns 0, or prints and returns -1. */
int tool_size(const char *what, const char *s, uint64_t min, uint64_t max,
              uint64_t *v);

/* Parse a whole number operand of an option in [min, max] (-t, -n, -j).
 * Returns 0, or prints and returns -1. */
int tool_number(const char *what, const char *s, unsigned long min,
                unsigned long max, unsigned long *v);

/* The exit status for a failed connect() or bind() errno. */
int tool_net_status(int err);

/* The options both programs take, and their getopt_long entries. */
struct tool_opts {
	size_t chunk;           /* -c */
	unsigned long timeout;  /* -t */
	int quiet;              /* -q */
	int verbose;            /* -v */
	int progress;           /* --progress */
};

#define TOOL_SHORTOPTS "c:t:qvh"
#define TOOL_LONGOPTS                                          \
	{ "chunk", required_argument, NULL, 'c' },             \
	{ "timeout", required_argument, NULL, 't' },           \
	{ "quiet", no_argument, NULL, 'q' },                   \
	{ "verbose", no_argument, NULL, 'v' },                 \
	{ "progress", no_argument, NULL, 'P' },                \
	{ "help", no_argument, NULL, 'h' },                    \
	{ "version", no_argument, NULL, 'V' }

/* The defaults: 1 MiB chunks, 60 s timeout, messages on, meter on a tty. */
void tool_opts_init(struct tool_opts *t);

/*
 * Take getopt's c if it is a common option: returns 1 if it was (-h and
 * --version print and exit 0 here), 0 if it is the program's own, -1 after
 * reporting a bad argument.
 */
int tool_common_option(int c, const char *arg, struct tool_opts *t,
                       void (*usage)(void));

/* Print "prog 1.0.0" on stdout (--version). */
void tool_version(void);

/*
 * The progress meter: one line on stderr, redrawn at most ten times a second,
 * with bytes, throughput, and with a known total the percentage and time left.
 * A meter that is off only keeps the clock, for the -v summary.
 */
struct tool_meter {
	int on;
	uint64_t total;              /* 0 when unknown */
	uint64_t bytes;
	struct timespec start, last;
	size_t width;                /* of the line drawn, to clear it */
};

void tool_meter_start(struct tool_meter *m, int on, uint64_t total);
void tool_meter_update(void *meter, uint64_t bytes); /* an fx_progress_fn */
void tool_meter_end(struct tool_meter *m);           /* clear the line */

/*
 * Print digest d for the file path as sha256sum(1) does, so that
 * "sha256sum -c" takes the line: "HEX  PATH", and for a path with a newline
 * or backslash a leading backslash and those escaped.  Returns 0, or -1
 * with errno when the line could not be written (as tool_flush).
 */
int tool_sha256_line(FILE *f, const uint8_t d[32], const char *path);

/* Flush f: 0 when everything written to it so far went out, else -1 with
 * errno as the failing write left it: clear errno before the writes to be
 * checked (a write may fail before the flush, on a line-buffered stream),
 * and EIO stands in when it is still 0. */
int tool_flush(FILE *f);

/* The name of a standard stream in messages: "standard output" or "error". */
const char *tool_stream_name(FILE *f);

/* Seconds since start, a CLOCK_MONOTONIC time. */
double tool_seconds_since(const struct timespec *start);

/* "N bytes in S s (R MB/s)" for the -v summary, from the meter's clock. */
void tool_summary(char *buf, size_t len, const struct tool_meter *m, uint64_t bytes);

#endif
