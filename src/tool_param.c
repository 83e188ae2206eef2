/* The programs' options and operands: parsing values, the common options. */
#include "tool_param.h"

#include "fxfer.h"
#include "tool_msgs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <unistd.h>

int tool_port(const char *s, int allow_zero)
{
	unsigned port;
	char thing[64];

	snprintf(thing, sizeof(thing), "port '%.40s'", s);
	if (fx_parse_port(s, &port) < 0) {
		tool_usage_error(thing, errno != ERANGE ? "not a number" :
		                 allow_zero ? "out of range (0 to 65535)" : "out of range (1 to 65535)");
		return -1;
	}
	if (port == 0 && !allow_zero) {
		tool_usage_error(thing, "out of range (1 to 65535)");
		return -1;
	}
	return (int)port;
}

int tool_size(const char *what, const char *s, uint64_t min, uint64_t max,
              uint64_t *v)
{
	char thing[64], reason[64];

	if (fx_parse_size(s, min, max, v) == 0)
		return 0;
	snprintf(thing, sizeof(thing), "%s '%.30s'", what, s);
	if (errno == ERANGE)
		snprintf(reason, sizeof(reason), "out of range (%" PRIu64 " to %" PRIu64 ")",
		         min, max);
	else
		snprintf(reason, sizeof(reason), "not a size (digits, then K, M, G or T)");
	tool_usage_error(thing, reason);
	return -1;
}

int tool_chunk(const char *s, size_t *chunk)
{
	char thing[64];
	uint64_t v;

	if (fx_parse_size(s, FX_CHUNK_MIN, FX_CHUNK_MAX, &v) == 0) {
		*chunk = (size_t)v;
		return 0;
	}
	snprintf(thing, sizeof(thing), "chunk size '%.30s'", s);
	tool_usage_error(thing, errno == ERANGE ? "out of range (1 to 16M)" :
	                 "not a size (digits, then K or M)");
	return -1;
}

int tool_number(const char *what, const char *s, unsigned long min,
                unsigned long max, unsigned long *v)
{
	char thing[64], reason[64];
	uint64_t n;

	/* A size without suffix is a plain number: reuse its strict parser. */
	if (strpbrk(s, "kKmMgGtT") == NULL && fx_parse_size(s, min, max, &n) == 0) {
		*v = (unsigned long)n;
		return 0;
	}
	snprintf(thing, sizeof(thing), "%s '%.30s'", what, s);
	snprintf(reason, sizeof(reason), "not a number from %lu to %lu", min, max);
	tool_usage_error(thing, reason);
	return -1;
}

/* --keygen: a fresh key, its line on standard output, as wg genpsk. */
static int keygen(void)
{
	uint8_t key[FX_KEY_LEN];
	char text[FX_KEY_TEXT_LEN + 1];

	if (fx_random(key, sizeof(key)) < 0)
		return tool_fail_errno(EX_OSERR, errno, "random bytes", strerror(errno));
	fx_key_encode(text, key);
	fx_wipe(key, sizeof(key));
	errno = 0;
	printf("%s\n", text);
	fx_wipe(text, sizeof(text));
	if (tool_flush(stdout) < 0)
		return tool_fail_errno(EX_IOERR, errno, "standard output", strerror(errno));
	return EX_OK;
}

int tool_key_load(struct tool_opts *t)
{
	char buf[FX_KEY_TEXT_LEN + 8], why[128];
	struct stat st;
	ssize_t n;
	int fd;

	if (t->key_path == NULL)
		return 0;
	fd = open(t->key_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		tool_usage_error(t->key_path, errno == ELOOP ?
		                 "a symbolic link: the key must be a regular file (--key)" :
		                 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		tool_usage_error(t->key_path, "not a regular file: the key must be one (--key)");
		return -1;
	}
	if (st.st_mode & 066) {
		close(fd);
		snprintf(why, sizeof(why), "mode %04o: the group or others may read or write the key "
		         "(chmod 600 it)", (unsigned)(st.st_mode & 07777));
		tool_usage_error(t->key_path, why);
		return -1;
	}
	n = fx_read_full(fd, buf, sizeof(buf));
	close(fd);
	int bad = n < 0 || fx_key_decode(buf, (size_t)(n < 0 ? 0 : n), t->key) < 0;
	fx_wipe(buf, sizeof(buf));
	if (bad) {
		tool_usage_error(t->key_path, "not one line of base64 for 32 bytes (fsend --keygen "
		                 "makes one)");
		return -1;
	}
	return 0;
}

void tool_scan_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			tool_set_json();
}

void tool_opts_init(struct tool_opts *t)
{
	t->chunk = FX_CHUNK_DEFAULT;
	t->timeout = 60;
	t->quiet = t->verbose = t->progress = 0;
	t->rate = 0;
	t->key_path = NULL;
	t->hash_thread = FX_HASH_AUTO;
}

int tool_environment(struct tool_opts *t)
{
	const char *h = getenv("FXFER_HASH_THREAD");

	/* Empty is unset, as the shell's ${VAR:-default} takes it. */
	if (h == NULL || *h == '\0' || strcmp(h, "auto") == 0)
		t->hash_thread = FX_HASH_AUTO;
	else if (strcmp(h, "1") == 0)
		t->hash_thread = FX_HASH_THREAD;
	else if (strcmp(h, "0") == 0)
		t->hash_thread = FX_HASH_INLINE;
	else
		return tool_usage_error("FXFER_HASH_THREAD", "not 1, 0 or auto"), -1;
	return 0;
}

int tool_common_option(int c, const char *arg, struct tool_opts *t,
                       void (*usage)(void))
{
	switch (c) {
	case 'c':
		return tool_chunk(arg, &t->chunk) < 0 ? -1 : 1;
	case 't':
		return tool_number("timeout", arg, 0, 86400, &t->timeout) < 0 ? -1 : 1;
	case 'q':
		t->quiet = 1;
		return 1;
	case 'v':
		t->verbose = 1;
		return 1;
	case 'P':
		t->progress = 1;
		return 1;
	case 'J':
		tool_set_json();
		return 1;
	case 'L':
		/* curl's units: K is 1024. */
		return tool_size("rate", arg, 1, UINT64_C(1) << 40, &t->rate) < 0 ? -1 : 1;
	case 'K':
		t->key_path = arg;
		return 1;
	case 'G':
		exit(keygen());
	case 'h':
		usage();
		exit(EX_OK);
	case 'V':
		tool_version();
		exit(EX_OK);
	default:
		return 0;
	}
}
