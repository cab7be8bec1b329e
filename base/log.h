/* The one channel for what hull has to say besides its result: the --log
 * file (text, or runc's JSON lines that containerd reads) and, for
 * warnings, stderr too. */
#ifndef HULL_LOG_H
#define HULL_LOG_H

#include <stdbool.h>

/* Opens path for appending (NULL: none; with debug, debug lines then go
 * to stderr). Idempotent. */
void hull_log_open(const char *path, bool json, bool debug);

/* Logs to fd, which the caller opened (the shim's log fifo); warnings
 * then go there only, not to stderr (a container's stderr, meanwhile). */
void hull_log_use_fd(int fd, bool debug);

/* One line at level ("debug" only with debug on). */
void hull_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "hull: warning: MSG" on stderr, and a "warning" line in the log. */
void hull_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
