/* Messages and checks shared by the two programs (the library never prints). */
#include "tool.h"

#include "fxfer.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char *tool_name = "fxfer";
static const char *tool_synopsis = "";

void tool_init(const char *name, const char *synopsis)
{
	tool_name = name;
	tool_synopsis = synopsis;
	/* A vanished peer must be an EPIPE error we report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
}

int tool_fail(int status, const char *thing, const char *reason)
{
	if (thing != NULL)
		fprintf(stderr, "%s: %s: %s\n", tool_name, thing, reason);
	else
		fprintf(stderr, "%s: %s\n", tool_name, reason);
	return status;
}

int tool_usage_error(const char *thing, const char *reason)
{
	tool_fail(EX_USAGE, thing, reason);
	fprintf(stderr, "usage: %s %s\n", tool_name, tool_synopsis);
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

int tool_port(const char *s, int allow_zero)
{
	unsigned port;
	char thing[64];

	snprintf(thing, sizeof(thing), "port '%.40s'", s);
	if (fx_parse_port(s, &port) < 0) {
		tool_usage_error(thing, errno == ERANGE ? "out of range (0 to 65535)" :
		                 "not a number");
		return -1;
	}
	if (port == 0 && !allow_zero) {
		tool_usage_error(thing, "out of range (1 to 65535)");
		return -1;
	}
	return (int)port;
}

int tool_chunk(const char *s, size_t *chunk)
{
	char thing[64];

	if (fx_parse_size(s, FX_CHUNK_MIN, FX_CHUNK_MAX, chunk) == 0)
		return 0;
	snprintf(thing, sizeof(thing), "chunk size '%.30s'", s);
	tool_usage_error(thing, errno == ERANGE ? "out of range (1 to 16M)" :
	                 "not a size (digits, then K or M)");
	return -1;
}

int tool_number(const char *what, const char *s, unsigned long min,
                unsigned long max, unsigned long *v)
{
	char thing[64], reason[64];
	size_t n;

	/* A size without suffix is a plain number: reuse its strict parser. */
	if (strpbrk(s, "kKmM") == NULL &&
	    fx_parse_size(s, (size_t)min, (size_t)max, &n) == 0) {
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
