/* The progress meter on a terminal, and the figures of a finished transfer. */
#ifndef TOOL_METER_H
#define TOOL_METER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * The progress meter: one line on stderr, redrawn at most ten times a second,
 * with bytes, throughput, and with a known total that total, the percentage
 * and the time left.  A meter that is off only keeps the clock, for the
 * summary.  Sizes and rates are in binary units (KiB, MiB, GiB) everywhere.
 */
struct tool_meter {
	int on;
	int json;                    /* --json: "progress" events, at most one a
	                                second, instead of the drawn line */
	const char *peer;            /* for those events; NULL: none */
	uint64_t total;              /* 0 when unknown */
	uint64_t bytes;
	uint64_t base;               /* bytes there before this run (a resumed
	                                transfer): counted in the total shown,
	                                not in the rate; 0 after tool_meter_start */
	struct timespec start, last;
	size_t width;                /* of the line drawn, to clear it */
};

/* Start the clock; with on, show the progress: drawn on stderr, or with
 * --json as events. */
void tool_meter_start(struct tool_meter *m, int on, uint64_t total);
void tool_meter_update(void *meter, uint64_t bytes); /* an fx_progress_fn */

/* Clear the meter's line, so that the next line printed stands alone. */
void tool_meter_end(struct tool_meter *m);

/* The same from a signal handler: async-signal-safe. */
void tool_meter_clear_at_death(void);

/*
 * After a meter that was drawn: the line that stays on the screen,
 * "prog: thing: FIGURES, outcome" (tool_figures).  Nothing when the meter
 * was off, or with --json.
 */
void tool_meter_final(struct tool_meter *m, const char *thing, uint64_t bytes,
                      const char *outcome);

/* A size or rate v in binary units, "12.3 MiB", into buf. */
void tool_human(char *buf, size_t len, double v);

/* Seconds since start, a CLOCK_MONOTONIC time. */
double tool_seconds_since(const struct timespec *start);

/* The figures of a transfer of bytes, from the meter's clock, as every
 * summary line gives them: "2.3 MiB (2400000 bytes) in 0.005 s (525.9
 * MiB/s)" ("1000 B in ...": the count alone below 1 KiB). */
void tool_figures(char *buf, size_t len, const struct tool_meter *m, uint64_t bytes);

#endif
