/* What the programs say: one line per message, and their exit statuses. */
#include "tool_msgs.h"

#include "fxfer.h"
#include "version.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static const char *name = "fxfer";

void tool_set_name(const char *prog)
{
	name = prog;
}

const char *tool_name(void)
{
	return name;
}

void tool_say(const char *fmt, ...)
{
	char line[1024];
	size_t prefix = strlen(name) + 2;  /* "prog: " fits: names are short */
	va_list ap;
	int n;

	memcpy(line, name, prefix - 2);
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
		tool_fail(EX_USAGE, thing, reason);
	else
		tool_say("%s", reason);
	/* Not a message of the program's: no "prog: " before it. */
	fprintf(stderr, "Try '%s --help' for more information.\n", name);
	return EX_USAGE;
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
