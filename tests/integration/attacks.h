/* The attacks suite's helpers (attacks-util.c), shared by its files:
 * attacks.c (the exec cwd escape, CVE-2024-21626; the suite), attacks-exe.c
 * (/proc/self/exe, CVE-2019-5736), attacks-ptrace.c (a ptracing container
 * and `hull exec`'s host fds), attacks-proc.c (/proc swapped under hull). */
#ifndef HULL_TESTS_ATTACKS_H
#define HULL_TESTS_ATTACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../lib/ht.h"

static inline json_t *atk_process(struct ht *t) { return json_object_get(t->cfg, "process"); }

/* CLOCK_MONOTONIC in seconds. */
double atk_now_s(void);

/* printf onto the end of buf (cap bytes), never past it. */
void atk_appendf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* path (created or truncated) holds s, with mode; asserted. */
void atk_put_file(const char *path, const char *s, mode_t mode);

/* The whole of a file (NULL if missing); *len its size. */
char *atk_slurp(const char *path, size_t *len);

/* Compiles the C program src into out: cc FLAGS -o out out.c. */
void atk_compile(const char *src, const char *out, const char *const *flags);

/* A new file to with mode, a copy of from; asserted. */
void atk_copy_file(const char *from, const char *to, mode_t mode);

/* The fifo sync/NAME in t's sync dir (see ht_add_sync). */
void atk_make_fifo(struct ht *t, const char *name);

/* A reader of the fifo sync/NAME (see ht_add_sync), opened before the
 * container may write: a writer then finds it at once. */
int atk_fifo_reader(struct ht *t, const char *name);

/* Everything writers put into the fifo until the last one closed it, or
 * what came within timeout_ms (NULL if nothing did). Closes fd. */
char *atk_fifo_read_all(int fd, int timeout_ms);

/* Writes s to the fifo sync/NAME, whose reader must be open already. */
bool atk_fifo_tell(struct ht *t, const char *name, const char *s);

/* A failed hull command as the issue wants it: exit 1, one line "hull: ...". */
bool atk_clean_error(const struct ht_result *r);

/* `delete --force` of t's container, then ht_finish(). */
void atk_delete_and_finish(struct ht *t);

/* The first line of s, for messages. */
const char *atk_line1(const char *s, char *buf, size_t cap);

/* The number after "key=" in s (at its start or after a space), or -1. */
long atk_field(const char *s, const char *key);

/* The files in dir (not . nor ..) whose names begin with prefix. */
unsigned atk_files_named(const char *dir, const char *prefix);

#endif
