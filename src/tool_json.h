/* A small JSON writer: one object per line, every string quoted here. */
#ifndef TOOL_JSON_H
#define TOOL_JSON_H

#include <stddef.h>
#include <stdint.h>

/* The longest line: room for a message and a path of PATH_MAX bytes, each
 * escaped at its worst (six bytes per byte). */
#define TOOL_JSON_MAX ((size_t)65536)

/*
 * An object being written into buf.  A string that would not fit is cut
 * short (never inside an escape or a character), so the line is always
 * whole JSON.
 */
struct tool_json {
	char buf[TOOL_JSON_MAX];
	size_t len;
	int fields; /* members so far */
};

/* Start an object: "{". */
void tool_json_start(struct tool_json *j);

/*
 * Members: "key":value.  Keys are the program's own (plain ASCII, not
 * escaped).  A string's bytes are written as they are where they are valid
 * UTF-8, but '"', '\' and control characters are escaped (\n, \t, \u001b,
 * ...), and each byte that is not part of valid UTF-8 becomes \udcXX (the
 * lone low surrogate that Python's "surrogateescape" maps back to the very
 * byte: a file name that is no text survives the trip).  A NULL string is
 * null.
 */
void tool_json_str(struct tool_json *j, const char *key, const char *s);
void tool_json_strn(struct tool_json *j, const char *key, const char *s, size_t n);
void tool_json_u64(struct tool_json *j, const char *key, uint64_t v);
void tool_json_real(struct tool_json *j, const char *key, double v);
void tool_json_null(struct tool_json *j, const char *key);

/* End the object and the line: "}\n".  Returns the line's length. */
size_t tool_json_end(struct tool_json *j);

#endif
