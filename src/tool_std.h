/* The programs' start: descriptors 0-2, the name in messages, SIGPIPE. */
#ifndef TOOL_STD_H
#define TOOL_STD_H

/*
 * The first call of main: open /dev/null onto any of descriptors 0, 1 and 2
 * that is closed (so no file or socket opened later can become one of them
 * and receive messages or data meant for another), set the program name for
 * messages, and ignore SIGPIPE and SIGXFSZ (a vanished peer or
 * a file-size limit is an error we report, not a silent death).
 */
void tool_init(const char *name);

/* Was descriptor fd (0, 1 or 2) closed when the program started? */
int tool_std_closed(int fd);

/* Can descriptor fd (0-2) be used as the program needs: open at start, and
 * open for reading (want O_RDONLY) or for writing (want O_WRONLY)? */
int tool_std_usable(int fd, int want);

#endif
