/* The digest line --sha256 prints, in sha256sum(1)'s format. */
#ifndef TOOL_DIGEST_H
#define TOOL_DIGEST_H

#include <stdint.h>
#include <stdio.h>

/*
 * Print digest d for the file path as sha256sum(1) does, so that
 * "sha256sum -c" takes the line: "HEX  PATH", and for a path with a newline
 * or backslash a leading backslash and those escaped.  Returns 0, or -1
 * with errno when the line could not be written (as tool_flush).
 */
int tool_sha256_line(FILE *f, const uint8_t d[32], const char *path);

#endif
