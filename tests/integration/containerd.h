/* The containerd suite's shared part (containerd.c: the private
 * containerd; containerd-util.c: running ctr and following its tasks;
 * containerd-ctr.c, containerd-cri.c: the tests). */
#ifndef HULL_TESTS_CONTAINERD_H
#define HULL_TESTS_CONTAINERD_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../lib/ht.h"

#define NS "hulltest"			/* the containerd namespace of tcase ctr */
#define CRI_CGROUP "/hulltest-cri"	/* the pod's cgroup parent (cgroupfs driver) */
#define CRI_SLICE "hulltest.slice"	/* the pod's slice (systemd driver) */
#define CTR "/usr/bin/ctr"
#define CONTAINERD "/usr/bin/containerd"
#define PYTHON "/usr/bin/python3"

/* The private containerd of the running test case. */
struct ctd_state {
	char dir[64];		/* /tmp/ht-ctd-XXXXXX: config, state, rootfs, logs */
	char sock[128];
	char wrap[128];		/* the hull wrapper: runc-binary / BinaryName */
	char runc_root[128];	/* --runc-root / options Root: hull's --root (with the
				 * native shim: its root, namespaces below it) */
	bool native;		/* tcase ctr_shim: runtime io.containerd.hull.v2 */
	char rootfs[128];	/* a copy of the fixture's: containers may write */
	char fifo[128];		/* ctr's --fifo-dir (default /run/containerd/fifo) */
	pid_t pid;		/* containerd */
	pid_t owner;		/* the runner process that started it */
};
extern struct ctd_state ctd;

/* The CRI client (containerd-cri.c), written next to the config. */
extern const char ctd_cri_client[];

/* Unchecked fixtures of the two test cases: a private containerd in a
 * temp dir, without and with the CRI plugin, then gone with all it made. */
void ctd_setup_ctr(void);
/* The same with containerd-shim-hull-v2 on containerd's PATH ($HULL_SHIM,
 * else next to $HULL). */
void ctd_setup_ctr_shim(void);
void ctd_setup_cri(void);
void ctd_setup_cri_shim(void);
void ctd_teardown(void);
/* Stops containerd (SIGTERM; its shims and containers go on) and starts it
 * again on the same config and state. */
void ctd_restart_containerd(void);

double ctd_now(void);
void ctd_pause_ms(long ms);
/* Waits up to timeout s for a daemon just started (*pid) to accept on its
 * unix socket; a daemon that exits meanwhile (*pid set to 0) aborts the
 * test with the start of its log. */
void ctd_wait_daemon(pid_t *pid, const char *name, const char *sock, const char *log, double timeout);
/* Waits for pid at most timeout s, then kills it: its status, 128+N for
 * signal N, -1 when it timed out. */
int ctd_wait_bounded(pid_t pid, double timeout);
/* Runs argv with stdin /dev/null, stdout and stderr into r (when not
 * NULL), bounded. Never asserts: cleanup paths use it too. */
int ctd_spawn(char *const argv[], struct ht_result *r, double timeout);
void ctd_file_put(const char *path, const char *text, mode_t mode);
/* What the wrapper logged for hull calls that failed since
 * ctd_failures_mark(), short enough for a Check message. */
const char *ctd_hull_failures(void);
void ctd_failures_mark(void);

/* `ctr --address SOCK -n NS ARGS...` into r, bounded (30 s). */
void ctd_ctr(struct ht_result *r, ...) __attribute__((sentinel));
/* ctr without output nor assertion, for cleanup. */
int ctd_ctr_quiet(const char *a0, ...) __attribute__((sentinel));
/* The STATUS column of `ctr task ls` for id (and the pid), "" when it has no task. */
void ctd_task_status(const char *id, char *buf, size_t cap);
/* Polls `ctr task ls` until id's task has status want (bounded); its pid. */
int ctd_wait_task(const char *id, const char *want, double timeout);
/* Removes whatever is left of container id, without assertions. */
void ctd_remove_container(const char *id);
/* A container ID unique to this test process, removed at exit on failure. */
const char *ctd_test_id(const char *name);
/* The end of a passing test: its container is gone from containerd. */
void ctd_test_done(const char *id);
/* `ctr run` of the rootfs with hull as runc: opts (NULL-terminated) go
 * before the rootfs, then ID and /bin/sh -c script. */
void ctd_ctr_run_argv(char **argv, const char *id, const char *const *opts, const char *script);
void ctd_ctr_run(struct ht_result *r, const char *id, const char *const *opts, const char *script);
void ctd_assert_tty_output(struct ht_result *r);

#define ctd_assert_status(r, want) \
	ck_assert_msg((r)->status == (want), \
		      "exit %d, want %d\nstdout: %.600s\nstderr: %.800s\nhull calls that failed:\n%s", \
		      (r)->status, (want), (r)->out, (r)->err, ctd_hull_failures())

#define ctd_assert_out(r, want) \
	ck_assert_msg(!strcmp((r)->out, (want)), \
		      "stdout \"%.600s\", want \"%s\"\nstderr: %.800s\nhull calls that failed:\n%s", \
		      (r)->out, (want), (r)->err, ctd_hull_failures())

/* In a container on a pty: waits (bounded) for the size ctr sets after the
 * start, prints tty and size. */
#define TTY_SCRIPT(code) \
	"tty; i=0; while [ $i -lt 250 ]; do s=$(stty size 2>/dev/null); [ -n \"$s\" ] && break; " \
	"i=$((i+1)); usleep 20000; done; echo \"size $s\"; exit " code

#endif
