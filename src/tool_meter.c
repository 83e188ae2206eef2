/* The progress meter on a terminal, and the figures of a finished transfer. */
#include "tool_meter.h"

#include "fxfer.h"
#include "tool_msgs.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t meter_shown; /* width of the meter's line on screen */

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

double tool_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return seconds_between(start, &now);
}

void tool_human(char *buf, size_t len, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

void tool_meter_start(struct tool_meter *m, int on, uint64_t total)
{
	m->on = on;
	m->json = on && tool_json_mode();
	m->total = total;
	m->bytes = 0;
	m->base = 0;
	m->width = 0;
	clock_gettime(CLOCK_MONOTONIC, &m->start);
	m->last = m->start;
}

static void draw(struct tool_meter *m, double secs)
{
	char done[32], total[32], rate[32], line[160];
	double bps = secs > 0 ? (double)m->bytes / secs : 0;
	uint64_t at = m->base + m->bytes;
	int n;

	tool_human(done, sizeof(done), (double)at);
	tool_human(rate, sizeof(rate), bps);
	if (m->total > 0 && bps > 0) {
		double left = (double)(m->total - (at < m->total ? at : m->total)) / bps;
		tool_human(total, sizeof(total), (double)m->total);
		n = snprintf(line, sizeof(line), "%s: %s / %s  %3.0f%%  %s/s  %d:%02d left",
		             tool_name(), done, total, 100.0 * (double)at / (double)m->total,
		             rate, (int)left / 60, (int)left % 60);
	} else {
		n = snprintf(line, sizeof(line), "%s: %s  %s/s", tool_name(), done, rate);
	}
	if (n < 0)
		return;
	/* Pad over a longer previous line, then return to the line's start. */
	fprintf(stderr, "\r%-*s", (int)m->width, line);
	if ((size_t)n > m->width)
		m->width = (size_t)n;
	fflush(stderr);
	meter_shown = (sig_atomic_t)m->width;
}

/* --json: the progress as an event. */
static void progress_event(const struct tool_meter *m, double secs)
{
	struct tool_field f[] = {
		TOOL_F_U64("bytes", m->base + m->bytes),
		m->total > 0 ? (struct tool_field)TOOL_F_U64("total", m->total) :
		               (struct tool_field)TOOL_F_NULL("total"),
		TOOL_F_REAL("rate", secs > 0 ? (double)m->bytes / secs : 0),
		TOOL_F_STR("peer", m->peer),
	};

	tool_emit("progress", NULL, f, m->peer != NULL ? 4 : 3);
}

void tool_meter_update(void *meter, uint64_t bytes)
{
	struct tool_meter *m = meter;
	struct timespec now;

	m->bytes = bytes;
	if (!m->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (m->json) {
		/* At most one a second, while bytes move. */
		if (seconds_between(&m->last, &now) >= 1.0) {
			m->last = now;
			progress_event(m, seconds_between(&m->start, &now));
		}
		return;
	}
	/* The first chunk draws at once, later ones at most ten times a second. */
	if (m->width > 0 && seconds_between(&m->last, &now) < 0.1)
		return;
	m->last = now;
	draw(m, seconds_between(&m->start, &now));
}

void tool_meter_end(struct tool_meter *m)
{
	meter_shown = 0;
	if (m->on && !m->json && m->width > 0)
		fprintf(stderr, "\r%*s\r", (int)m->width, "");
	m->width = 0;
}

void tool_meter_clear_at_death(void)
{
	char line[130];
	size_t w = (size_t)meter_shown;

	if (w == 0 || w > sizeof(line) - 2)
		return;
	line[0] = '\r';
	memset(line + 1, ' ', w);
	line[w + 1] = '\r';
	if (write(STDERR_FILENO, line, w + 2) < 0)
		return; /* nothing more to do about it, dying */
}

void tool_meter_final(struct tool_meter *m, const char *thing, uint64_t bytes,
                      const char *outcome)
{
	char figures[128], shown[512];

	if (!m->on || m->json)
		return;
	tool_figures(figures, sizeof(figures), m, bytes);
	fx_escape(shown, sizeof(shown), thing, strlen(thing));
	tool_say("%s: %s, %s", shown, figures, outcome);
}

void tool_figures(char *buf, size_t len, const struct tool_meter *m, uint64_t bytes)
{
	double secs = tool_seconds_since(&m->start);
	char size[32], rate[32], count[40] = "";

	tool_human(size, sizeof(size), (double)bytes);
	tool_human(rate, sizeof(rate), secs > 0 ? (double)bytes / secs : 0.0);
	if (bytes >= 1024)
		snprintf(count, sizeof(count), " (%" PRIu64 " bytes)", bytes);
	snprintf(buf, len, "%s%s in %.3f s (%s/s)", size, count, secs, rate);
}
