/* What the programs say: one line per message on stderr, and their statuses. */
#ifndef TOOL_MSGS_H
#define TOOL_MSGS_H

#include <stdio.h>

/* Set the program's name, which begins every message (tool_init does). */
void tool_set_name(const char *name);

/* The program's name, as set. */
const char *tool_name(void);

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

/*
 * A usage error: "prog: thing: reason" (or "prog: reason" without a thing)
 * on one line, then "Try 'prog --help' for more information." on the next,
 * as cp(1) and curl(1) say it.  Returns EX_USAGE.
 */
int tool_usage_error(const char *thing, const char *reason);

/* Report getopt's ':' (missing argument) or '?' (unknown option) for the
 * option character opt, or the argument arg when opt is 0 (long options). */
int tool_option_error(int c, int opt, const char *arg);

/*
 * The reason for error e in a message: strerror(e), except that a timeout
 * with the -t limit set (timeout seconds, 0: none) names the limit, since
 * that is what gave up.
 */
const char *tool_reason(int e, unsigned long timeout);

/* The exit status for a failed connect() or bind() errno. */
int tool_net_status(int err);

/* Print "prog 1.0.0" on stdout (--version). */
void tool_version(void);

/* Flush f: 0 when everything written to it so far went out, else -1 with
 * errno as the failing write left it: clear errno before the writes to be
 * checked (a write may fail before the flush, on a line-buffered stream),
 * and EIO stands in when it is still 0. */
int tool_flush(FILE *f);

/* The name of a standard stream in messages: "standard output" or "error". */
const char *tool_stream_name(FILE *f);

#endif
