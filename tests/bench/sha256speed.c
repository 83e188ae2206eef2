/*
 * The library's SHA-256 speed on one core, each implementation this CPU
 * can run, optionally against a command such as sha256sum on the same file.
 * Every digest must agree, or there are no figures.  Not a test: the
 * benchmark (bench.sh) runs it.
 *
 * usage: sha256speed [-u] [-n RUNS] [-c COMMAND] FILE
 *        sha256speed [-u] [-n RUNS] -m MIB
 * With FILE, each run reads it through read(2), as sha256sum does, so a
 * page-cached file compares like with like; with -m, the hash alone runs
 * over MIB MiB of memory.  Prints one line: the median MB/s (1e6 bytes per
 * second of wall time) of RUNS runs and their range.  With -u the seconds
 * are CPU time instead (user and system, the command's too), which a busy
 * machine does not stretch; `openssl speed` counts CPU time too (its user
 * time), so -u -m compares with it like with like.
 */
#include "fxfer.h"
#include "fx_sha256_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Small enough that what read(2) copied is still in the L2 cache when the
 * hash reads it (1 MiB measured 5% slower here); sha256sum reads 32 KiB. */
#define BUF_SIZE ((size_t)64 << 10)
#define MAX_RUNS 99

/* -u: time by the CPU time used rather than by the wall clock. */
static int cpu_time;

static double now(void)
{
	struct timespec ts;
	clock_gettime(cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU time, user and system, of the children waited for so far. */
static double children_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Hash FILE (or mem, when path is NULL) with impl; the seconds it took. */
static double hash_once(int impl, const char *path, const unsigned char *mem,
                        size_t memlen, unsigned char *buf, uint64_t *bytes,
                        uint8_t d[FX_SHA256_LEN])
{
	struct fx_sha256 ctx;
	double t0 = now();

	fx_sha256_init_impl(&ctx, impl);
	*bytes = 0;
	if (path == NULL) {
		fx_sha256_update(&ctx, mem, memlen);
		*bytes = memlen;
	} else {
		int fd = open(path, O_RDONLY);
		ssize_t n;

		if (fd < 0)
			return -1;
		while ((n = fx_read_full(fd, buf, BUF_SIZE)) > 0) {
			fx_sha256_update(&ctx, buf, (size_t)n);
			*bytes += (uint64_t)n;
		}
		close(fd);
		if (n < 0)
			return -1;
	}
	fx_sha256_final(&ctx, d);
	return now() - t0;
}

/* Run "cmd path", keep the first 64 bytes it prints; the seconds it took
 * (with -u, the CPU seconds it used). */
static double command_once(const char *cmd, const char *path,
                           char hex[FX_SHA256_HEX_LEN + 1])
{
	int p[2], status;
	double t0 = cpu_time ? children_cpu() : now();
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp(cmd, cmd, path, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = fx_read_full(p[0], hex, FX_SHA256_HEX_LEN);
	char rest[256];
	while (read(p[0], rest, sizeof(rest)) > 0)
		continue;
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || n != (ssize_t)FX_SHA256_HEX_LEN)
		return -1;
	hex[FX_SHA256_HEX_LEN] = '\0';
	return (cpu_time ? children_cpu() : now()) - t0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Append "NAME MEDIAN (MIN-MAX)" for runs throughputs in MB/s to line. */
static void summarise(char *line, size_t size, const char *name, double *mbs,
                      int runs)
{
	size_t len = strlen(line);
	double med;

	qsort(mbs, (size_t)runs, sizeof(*mbs), by_value);
	med = runs % 2 ? mbs[runs / 2] : (mbs[runs / 2 - 1] + mbs[runs / 2]) / 2;
	snprintf(line + len, size - len, "%s%s %.0f (%.0f-%.0f)",
	         len > 0 && line[len - 1] != ' ' ? ", " : "", name, med, mbs[0],
	         mbs[runs - 1]);
}

static void usage(void)
{
	fprintf(stderr, "usage: sha256speed [-u] [-n RUNS] [-c COMMAND] FILE\n"
	                "       sha256speed [-u] [-n RUNS] -m MIB\n");
	exit(64);
}

int main(int argc, char **argv)
{
	int runs = 5, opt, impls[FX_SHA256_NIMPL], nimpl = 0;
	const char *cmd = NULL, *path = NULL;
	unsigned long mib = 0;
	static double mbs[FX_SHA256_NIMPL + 1][MAX_RUNS];
	uint8_t first[FX_SHA256_LEN], d[FX_SHA256_LEN];
	char want[FX_SHA256_HEX_LEN + 1], got[FX_SHA256_HEX_LEN + 1];
	unsigned char *buf, *mem = NULL;
	uint64_t bytes = 0;
	char *end;

	while ((opt = getopt(argc, argv, "un:c:m:")) != -1) {
		switch (opt) {
		case 'n':
			runs = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || runs < 1 || runs > MAX_RUNS)
				usage();
			break;
		case 'u':
			cpu_time = 1;
			break;
		case 'c':
			cmd = optarg;
			break;
		case 'm':
			mib = strtoul(optarg, &end, 10);
			if (*end != '\0' || mib < 1 || mib > 65536)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind + (mib == 0) != argc || (mib > 0 && cmd != NULL))
		usage();
	path = mib == 0 ? argv[optind] : NULL;

	buf = malloc(BUF_SIZE);
	if (mib > 0) {
		mem = malloc(mib << 20);
		if (mem != NULL) /* any bytes: the speed does not depend on them */
			memset(mem, 0x5a, mib << 20);
	}
	if (buf == NULL || (mib > 0 && mem == NULL)) {
		perror("sha256speed");
		return 71;
	}
	for (int i = 0; i < FX_SHA256_NIMPL; i++)
		if (fx_sha256_impl_usable(i))
			impls[nimpl++] = i;

	/* Alternate the contenders run by run, so a noisy neighbour on a
	 * shared machine slows them all alike. */
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < nimpl; i++) {
			double s = hash_once(impls[i], path, mem, mib << 20, buf, &bytes, d);
			if (s < 0) {
				fprintf(stderr, "sha256speed: %s: %s\n", path, strerror(errno));
				return 66;
			}
			if (r == 0 && i == 0)
				memcpy(first, d, sizeof(d));
			else if (memcmp(first, d, sizeof(d)) != 0) {
				fprintf(stderr, "sha256speed: %s and %s disagree\n",
				        fx_sha256_impl_name(impls[0]),
				        fx_sha256_impl_name(impls[i]));
				return 1;
			}
			mbs[i][r] = (double)bytes / s / 1e6;
		}
		if (cmd != NULL) {
			double s = command_once(cmd, path, got);
			if (s < 0) {
				fprintf(stderr, "sha256speed: %s %s failed\n", cmd, path);
				return 1;
			}
			if (strcmp(fx_sha256_hex(first, want), got) != 0) {
				fprintf(stderr, "sha256speed: %s says %s, the library %s\n",
				        cmd, got, want);
				return 1;
			}
			mbs[nimpl][r] = (double)bytes / s / 1e6;
		}
	}

	char line[512];
	snprintf(line, sizeof(line),
	         "sha256, one core, %llu bytes%s%s, MB/s%s median (range) of %d: ",
	         (unsigned long long)bytes, path ? " of " : " in memory",
	         path ? path : "", cpu_time ? " of CPU time" : "", runs);
	for (int i = 0; i < nimpl; i++)
		summarise(line, sizeof(line), fx_sha256_impl_name(impls[i]), mbs[i], runs);
	if (cmd != NULL)
		summarise(line, sizeof(line), cmd, mbs[nimpl], runs);
	puts(line);
	free(buf);
	free(mem);
	return 0;
}
