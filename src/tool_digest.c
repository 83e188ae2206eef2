/* The digest line --sha256 prints, in sha256sum(1)'s format. */
#include "tool_digest.h"

#include "fxfer.h"
#include "tool_msgs.h"
#include "tool_std.h"

#include <errno.h>
#include <string.h>

int tool_sha256_line(FILE *f, const uint8_t d[32], const char *path)
{
	char hex[FX_SHA256_HEX_LEN + 1];
	int escape = strpbrk(path, "\\\n") != NULL;

	/* Closed at the start: the line asked for cannot go where it was
	 * asked (the descriptor is /dev/null now). */
	if (tool_std_closed(fileno(f))) {
		errno = EBADF;
		return -1;
	}
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
