/* The exec suite's helpers (exec-util.c), shared by its files: exec.c
 * (namespaces, cgroup, exit codes; the suite), exec-process.c (the
 * command line's changes to the process, seccomp), exec-io.c (terminal,
 * --detach, preserved fds), exec-errors.c (errors, a paused container). */
#ifndef HULL_TESTS_EXEC_H
#define HULL_TESTS_EXEC_H

#include "../lib/ht.h"

#define MAP_BASE 100000

/* ht_hull for `hull exec ARGS...`, stdin /dev/null. */
#define EXEC(t, r, ...) ht_hull((t), (r), NULL, "exec", __VA_ARGS__, NULL)

static inline json_t *lnx(struct ht *t) { return json_object_get(t->cfg, "linux"); }

static inline json_t *process(struct ht *t) { return json_object_get(t->cfg, "process"); }

void ex_add_ns(struct ht *t, const char *type);

/* Writes the config and `run --detach`es the container with `sleep 60` (it
 * has exec'd sleep when run returns); returns the init's host pid. */
pid_t ex_start_sleeper(struct ht *t);

/* `delete --force`, reaping meanwhile: the test is a subreaper, so a
 * detached exec'd process is its child once hull is gone, and the dying
 * init waits until such a process of its pid namespace is reaped. */
void ex_delete_and_finish(struct ht *t);

/* readlink /proc/PID/ns/NAME; pid 0 is this process. */
void ex_ns_link(pid_t pid, const char *name, char *buf, size_t len);

char *ex_proc_file(pid_t pid, const char *name);

/* The pids of `hull ps --format json ID`, sorted by ps. */
size_t ex_container_pids(struct ht *t, pid_t *pids, size_t cap);

bool ex_has_pid(const pid_t *pids, size_t n, pid_t pid);

/* Nothing but the init is in the container. */
void ex_assert_only_init(struct ht *t, pid_t init);

pid_t ex_read_pid_file(const char *path);

/* Forks `hull --root R ARGS...` with stdin /dev/null, stdout out, stderr
 * err, fd 3 = fd3 when >= 0, and no other fd. */
pid_t ex_spawn_hull(struct ht *t, int out, int err, int fd3, const char *const *args);

/* Waits at most timeout_ms for pid; its exit code or 128+signal, or -1
 * (after killing it) on timeout. */
int ex_wait_bounded(pid_t pid, int timeout_ms);

#endif
