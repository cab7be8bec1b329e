/* The per-step timing trace of `hull --debug`: how long each step of a
 * command took, as one debug line in the log. */
#ifndef HULL_TRACE_H
#define HULL_TRACE_H

#include <stdbool.h>
#include <stddef.h>

/* Starts the trace (main, with --debug); every call below is a no-op
 * until then. */
void hull_trace_start(void);
bool hull_trace_on(void);

/* Ends the step named step (a string literal) now: its time is the time
 * since the previous mark. */
void hull_trace(const char *step);

/* "step=0.123 step=0.456 ..." (ms), the steps marked so far; "" when off. */
void hull_trace_format(char *buf, size_t cap);

/* Adds the child's steps, as it formatted them, under a prefix. */
void hull_trace_add(const char *prefix, const char *formatted);

/* Logs the trace as one debug line "timing CMD: ...". */
void hull_trace_log(const char *cmd);

#endif
