/* What the programs say: one line per message on stderr, and their statuses. */
#ifndef TOOL_MSGS_H
#define TOOL_MSGS_H

#include <stdio.h>

#include <stdint.h>

/* Set the program's name, which begins every message (tool_init does). */
void tool_set_name(const char *name);

/*
 * --json: from now on every line on stderr is one JSON object (JSON Lines),
 * an event with its fields (docs/events.md), and nothing else is written
 * there.  The schema's version, in every object as "version".
 */
#define TOOL_EVENT_VERSION 1
void tool_set_json(void);
int tool_json_mode(void);

/* A member of an event: a string (NULL: null), a count, or a real number. */
struct tool_field {
	const char *key;
	enum { TOOL_STR, TOOL_U64, TOOL_REAL, TOOL_NULL } type;
	const char *s;
	uint64_t u;
	double d;
};
#define TOOL_F_STR(k, v) { (k), TOOL_STR, (v), 0, 0 }
#define TOOL_F_U64(k, v) { (k), TOOL_U64, NULL, (uint64_t)(v), 0 }
#define TOOL_F_REAL(k, v) { (k), TOOL_REAL, NULL, 0, (double)(v) }
#define TOOL_F_NULL(k) { (k), TOOL_NULL, NULL, 0, 0 }

/*
 * Something happened, said once: as the human line "prog: message" on
 * stderr (none when message is NULL), or with --json as one object
 * {"version":1,"program":"prog","event":event,"message":message, the n
 * fields f}.  One write(2) a line, so lines from processes sharing stderr
 * never interleave.
 */
void tool_emit(const char *event, const char *message, const struct tool_field *f, size_t n);

/* The name of errno value e ("ECONNRESET"), or NULL when it has none here. */
const char *tool_errno_name(int e);

/* The program's name, as set. */
const char *tool_name(void);

/*
 * "prog: " and the printf-style text, as one line on stderr in a single
 * write(2), so lines from processes sharing stderr never interleave: an
 * event "note" (with --json, its text the message).
 */
void tool_say(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* "prog: thing: reason" on stderr, thing escaped as fx_escape does: an event
 * "error" with the exit status ("status") and, from tool_fail_errno, the
 * errno value e behind it ("errno", its name; 0 for none).  Returns status
 * so mains can return it. */
int tool_fail(int status, const char *thing, const char *reason);
int tool_fail_errno(int status, int e, const char *thing, const char *reason);

/* The same, the event with n more fields (a peer) and thing NULL allowed. */
int tool_fail_with(int status, int e, const char *thing, const char *reason,
                   const struct tool_field *more, size_t n);

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
