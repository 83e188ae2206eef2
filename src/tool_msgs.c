/* What the programs say: one line per message, and their exit statuses. */
#include "tool_msgs.h"

#include "fxfer.h"
#include "tool_json.h"
#include "version.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char *name = "fxfer";
static int json;

void tool_set_name(const char *prog)
{
	name = prog;
}

const char *tool_name(void)
{
	return name;
}

void tool_set_json(void)
{
	json = 1;
}

int tool_json_mode(void)
{
	return json;
}

/* The one line, in a single write(2). */
static void put_line(const char *line, size_t n)
{
	fflush(stderr);
	(void)fx_write_full(STDERR_FILENO, line, n);
}

void tool_emit(const char *event, const char *message, const struct tool_field *f, size_t n)
{
	static struct tool_json j; /* 64 KiB: not on the stack */
	char line[1024];

	if (!json) {
		if (message == NULL)
			return;
		int len = snprintf(line, sizeof(line), "%s: %s", name, message);
		/* Cut at the buffer, but always end the line. */
		size_t end = len < 0 ? 0 : (size_t)len < sizeof(line) - 1 ? (size_t)len : sizeof(line) - 2;
		line[end++] = '\n';
		put_line(line, end);
		return;
	}
	tool_json_start(&j);
	tool_json_u64(&j, "version", TOOL_EVENT_VERSION);
	tool_json_str(&j, "program", name);
	tool_json_str(&j, "event", event);
	if (message != NULL)
		tool_json_str(&j, "message", message);
	for (size_t i = 0; i < n; i++) {
		switch (f[i].type) {
		case TOOL_STR: tool_json_str(&j, f[i].key, f[i].s); break;
		case TOOL_U64: tool_json_u64(&j, f[i].key, f[i].u); break;
		case TOOL_REAL: tool_json_real(&j, f[i].key, f[i].d); break;
		case TOOL_NULL: tool_json_null(&j, f[i].key); break;
		}
	}
	put_line(j.buf, tool_json_end(&j));
}

void tool_say(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 misses the va_start above (its valist checker false positive). */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tool_emit("note", text, NULL, 0);
}

int tool_fail_with(int status, int e, const char *thing, const char *reason,
                   const struct tool_field *more, size_t n)
{
	char shown[512], text[1024];
	struct tool_field f[8] = { TOOL_F_U64("status", status) };
	size_t k = 1;

	if (e != 0 && tool_errno_name(e) != NULL)
		f[k++] = (struct tool_field)TOOL_F_STR("errno", tool_errno_name(e));
	for (size_t i = 0; i < n && k < sizeof(f) / sizeof(f[0]); i++)
		f[k++] = more[i];
	/* A name from the command line may hold a newline or an escape
	 * sequence: the message stays one printable line. */
	if (thing != NULL) {
		fx_escape(shown, sizeof(shown), thing, strlen(thing));
		snprintf(text, sizeof(text), "%s: %s", shown, reason);
	} else {
		snprintf(text, sizeof(text), "%s", reason);
	}
	tool_emit("error", text, f, k);
	return status;
}

int tool_fail_errno(int status, int e, const char *thing, const char *reason)
{
	return tool_fail_with(status, e, thing, reason, NULL, 0);
}

int tool_fail(int status, const char *thing, const char *reason)
{
	return tool_fail_errno(status, 0, thing, reason);
}

int tool_usage_error(const char *thing, const char *reason)
{
	tool_fail(EX_USAGE, thing, reason);
	/* Not a message of the program's: no "prog: " before it (nor an
	 * event of its own). */
	if (!json)
		fprintf(stderr, "Try '%s --help' for more information.\n", name);
	return EX_USAGE;
}

const char *tool_errno_name(int e)
{
	/* The values a transfer can meet; strerror(3) says the rest. */
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EACCES, "EACCES" }, { EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
		{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EAGAIN, "EAGAIN" }, { EBADF, "EBADF" },
		{ EBUSY, "EBUSY" }, { ECONNABORTED, "ECONNABORTED" }, { ECONNREFUSED, "ECONNREFUSED" },
		{ ECONNRESET, "ECONNRESET" }, { EDQUOT, "EDQUOT" }, { EEXIST, "EEXIST" },
		{ EFBIG, "EFBIG" }, { EHOSTUNREACH, "EHOSTUNREACH" }, { EINTR, "EINTR" },
		{ EINVAL, "EINVAL" }, { EIO, "EIO" }, { EISDIR, "EISDIR" }, { ELOOP, "ELOOP" },
		{ EMFILE, "EMFILE" }, { EMSGSIZE, "EMSGSIZE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
		{ ENETDOWN, "ENETDOWN" }, { ENETUNREACH, "ENETUNREACH" }, { ENFILE, "ENFILE" },
		{ ENOBUFS, "ENOBUFS" }, { ENOENT, "ENOENT" }, { ENOMEM, "ENOMEM" },
		{ ENOSPC, "ENOSPC" }, { ENOTCONN, "ENOTCONN" }, { ENOTDIR, "ENOTDIR" },
		{ ENXIO, "ENXIO" }, { EPERM, "EPERM" }, { EPIPE, "EPIPE" },
		{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ERANGE, "ERANGE" }, { EROFS, "EROFS" },
		{ ETIME, "ETIME" }, { ETIMEDOUT, "ETIMEDOUT" }, { ETXTBSY, "ETXTBSY" },
		{ EXDEV, "EXDEV" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return NULL;
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

const char *tool_reason(int e, unsigned long timeout)
{
	static char text[96];

	if (e != ETIMEDOUT || timeout == 0)
		return strerror(e);
	snprintf(text, sizeof(text), "timed out after %lu s without progress (-t %lu)", timeout,
	         timeout);
	return text;
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
	printf("%s %s\n", name, TOOL_VERSION);
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
