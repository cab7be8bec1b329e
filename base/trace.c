/* hull_trace: see trace.h. A static array: a command marks a few dozen
 * steps, and a child inherits the marks of its parent, and starts over. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "trace.h"
#include "util.h"

#define MAX_MARKS 64
#define CHILD_MAX 1024

static bool on;
static uint64_t last;
static struct { const char *step; uint64_t ns; } marks[MAX_MARKS];
static size_t n;
static char child[CHILD_MAX];

void hull_trace_start(void)
{
	on = true;
	last = hull_now_ns();
	n = 0;
}

bool hull_trace_on(void)
{
	return on;
}

void hull_trace(const char *step)
{
	if (!on)
		return;
	uint64_t t = hull_now_ns();
	if (n < MAX_MARKS) {
		marks[n].step = step;
		marks[n++].ns = t - last;
	}
	last = t;
}

void hull_trace_format(char *buf, size_t cap)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && used < cap; i++) {
		int w = snprintf(buf + used, cap - used, "%s%s=%.3f", used ? " " : "", marks[i].step,
				 (double)marks[i].ns / 1e6);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

void hull_trace_add(const char *prefix, const char *formatted)
{
	if (!on || !formatted || !*formatted)
		return;
	size_t used = strlen(child);
	snprintf(child + used, sizeof(child) - used, "%s%s: %s", used ? " | " : "", prefix, formatted);
}

void hull_trace_log(const char *cmd)
{
	if (!on)
		return;
	char buf[2048];
	hull_trace_format(buf, sizeof(buf));
	hull_log("debug", "timing %s (ms): %s%s%s", cmd, buf, *child ? " | " : "", child);
}
