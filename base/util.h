/* Small helpers shared by every module. */
#ifndef HULL_UTIL_H
#define HULL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Allocation failure aborts: hull is a short-lived command and a partial
 * state after ENOMEM is worse than none (crun does the same). */
void *hull_xmalloc(size_t n);
void *hull_xcalloc(size_t n, size_t size);
void *hull_xrealloc(void *p, size_t n);
char *hull_xstrdup(const char *s);
char *hull_xstrndup(const char *s, size_t n);
char *hull_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file (NUL-terminated; len excludes the NUL). */
int hull_read_file_at(int dirfd, const char *path, char **buf, size_t *len, struct hull_err *err);

/* open(O_WRONLY|O_CLOEXEC|O_TRUNC?) + one write: for cgroupfs, procfs and sysfs
 * files, where the kernel takes each write whole. No O_CREAT. */
int hull_write_file_at(int dirfd, const char *path, const char *data, size_t len,
		       struct hull_err *err);

/* Writes name in dirfd atomically: a temp file in the same dir, then rename. */
int hull_write_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			 struct hull_err *err);

/* mkdir -p; existing directories are fine. */
int hull_mkdir_p(const char *path, mode_t mode, struct hull_err *err);

/* Writes all of buf, retrying on EINTR and short writes. Returns 0 or -errno. */
int hull_write_all(int fd, const void *buf, size_t len);

/* Parses a decimal integer that must be the whole string. */
int hull_parse_i64(const char *s, int64_t *out);
int hull_parse_u64(const char *s, uint64_t *out);

/* As Go's time.RFC3339Nano, which runc writes: "2026-12-03T05:26:12.8934Z". */
void hull_format_rfc3339(int64_t sec, int32_t nsec, char buf[40]);

/* CLOCK_MONOTONIC in ns: the one clock of every timeout and measure. */
uint64_t hull_now_ns(void);
void hull_sleep_ms(unsigned ms);

/* Start time of a process (field 22 of /proc/PID/stat, clock ticks since boot),
 * 0 if the process does not exist. */
uint64_t hull_proc_start_time(pid_t pid);

#endif
