/* The programs' options and operands: parsing values, the common options. */
#ifndef TOOL_PARAM_H
#define TOOL_PARAM_H

#include <stddef.h>
#include <stdint.h>

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

/* The options both programs take, and their getopt_long entries. */
struct tool_opts {
	size_t chunk;           /* -c */
	unsigned long timeout;  /* -t */
	int quiet;              /* -q */
	int verbose;            /* -v */
	int progress;           /* --progress */
	int hash_thread;        /* FXFER_HASH_THREAD: FX_HASH_AUTO, _THREAD, _INLINE */
	uint64_t rate;          /* --limit-rate: bytes a second; 0: no limit */
	const char *key_path;   /* --key FILE; NULL: none */
	uint8_t key[32];        /* its key, once read */
};

#define TOOL_SHORTOPTS "c:t:qvh"
#define TOOL_LONGOPTS                                          \
	{ "chunk", required_argument, NULL, 'c' },             \
	{ "timeout", required_argument, NULL, 't' },           \
	{ "quiet", no_argument, NULL, 'q' },                   \
	{ "verbose", no_argument, NULL, 'v' },                 \
	{ "progress", no_argument, NULL, 'P' },                \
	{ "json", no_argument, NULL, 'J' },                    \
	{ "limit-rate", required_argument, NULL, 'L' },        \
	{ "key", required_argument, NULL, 'K' },               \
	{ "keygen", no_argument, NULL, 'G' },                  \
	{ "help", no_argument, NULL, 'h' },                    \
	{ "version", no_argument, NULL, 'V' }

/* --json anywhere among the options (before a "--"): set at once, so that
 * even an error in the options before it is said as an event. */
void tool_scan_json(int argc, char **argv);

/* The defaults: 1 MiB chunks, 60 s timeout, messages on, meter on a tty. */
void tool_opts_init(struct tool_opts *t);

/*
 * --key FILE, after the options: read the key from t->key_path, refusing a
 * file that is no regular file of its own (a symbolic link), that the group
 * or others may read or write (as ssh refuses an open private key: the
 * message names the mode), or that holds anything but one line of base64
 * for 32 bytes.  Returns 0 (nothing to do without --key), or prints a usage
 * error and returns -1.
 */
int tool_key_load(struct tool_opts *t);

/* Where the hash runs, from FXFER_HASH_THREAD; after the options, so that
 * --help and --version work whatever it holds.  Returns 0, or prints a
 * usage error and returns -1 when it holds something else. */
int tool_environment(struct tool_opts *t);

/*
 * Take getopt's c if it is a common option: returns 1 if it was (-h,
 * --version and --keygen print and exit 0 here), 0 if it is the program's
 * own, -1 after reporting a bad argument.
 */
int tool_common_option(int c, const char *arg, struct tool_opts *t,
                       void (*usage)(void));

#endif
