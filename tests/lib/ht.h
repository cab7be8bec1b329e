/* Helpers of the integration suites: bundles made from the busybox fixture,
 * running the hull binary and other programs (ht-proc.c), and the host
 * check every test ends with (ht-host.c), which looks only at the objects
 * the test made: suites of other people running on this host at the same
 * time do not disturb it. The fault-injection harness on top is hf.h. */
#ifndef HULL_HT_H
#define HULL_HT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "hull-test.h"

/* One test's world: a private --root, a bundle dir, the host as it was. */
struct ht {
	char root[64];		/* --root of this test (a fresh temp dir) */
	char bundle[64];	/* bundle dir with config.json */
	char rootfs[4200];	/* the rootfs the config points at */
	json_t *cfg;		/* config.json, written by ht_write_config() */
	char *mountinfo;	/* the host's mount table at ht_begin: only mounts of the
				 * test's (below) not in it count as left */
	size_t n_fds;		/* the test process's open fds before the test */
	char id[64];		/* a container ID unique to this test */
};

struct ht_result {
	int status;		/* exit code, or 128+N when killed by signal N; -1: timed out */
	char *out, *err;	/* stdout and stderr, NUL-terminated */
};

/* A process running in the background, its stdout and stderr in memfds. */
struct ht_proc {
	pid_t pid;
	int pidfd, out, err;
};

/* $HULL, the hull under test (aborts when unset: run through make). */
const char *ht_hull_bin(void);
/* HULL_TEST_CGROUP_DRIVER=systemd: every hull the suites run gets
 * --systemd-cgroup and each test's config the cgroupsPath
 * HT_SYSTEMD_SLICE:ht:ID (a scope ht-ID.scope that systemd makes under the
 * slice; whoever runs the suites stops the slice afterwards). Unset or
 * "cgroupfs": hull's cgroupfs driver and the fixture's default path. */
bool ht_systemd_driver(void);
#define HT_SYSTEMD_SLICE "hulltest.slice"
/* The scope's unit name under the switch ("ht-ID.scope"). */
void ht_scope_name(const struct ht *t, char *out, size_t len);
/* CLOCK_MONOTONIC in ms. */
long ht_now_ms(void);

/* Sets up t: a config from the fixture (its rootfs shared read-only, or a
 * private copy when own_rootfs), a unique ID, and the host snapshot. The
 * test becomes a child subreaper so every container process it leaves is
 * visible to ht_finish(). */
void ht_begin(struct ht *t, bool own_rootfs);

/* Replaces process.args with the NULL-terminated list. */
void ht_args(struct ht *t, ...) __attribute__((sentinel));
/* process.args = ["sh", "-c", script] */
void ht_sh(struct ht *t, const char *script);
void ht_write_config(struct ht *t);
/* Appends a mount to the config; options NULL-terminated. */
void ht_mount(struct ht *t, const char *dest, const char *type, const char *source, ...)
	__attribute__((sentinel));

/* A host dir bound at /mnt in the container holding the fifo /mnt/ready:
 * the container writes a line to it when it is ready, ht_wait_ready()
 * returns that line (bounded by 30 s). */
void ht_add_sync(struct ht *t);
char *ht_wait_ready(struct ht *t);
/* Writes the config, `hull run --detach`s t's container and asserts that
 * the first line it writes to /mnt/ready is want (with its newline). */
void ht_start_ready(struct ht *t, const char *want);

/* The pid of a container from `hull state`, 0 if stopped or unknown. */
pid_t ht_state_pid(struct ht *t, const char *id, char *status, size_t status_len);

/* The one way the suites run a program: argv in the background, stdin
 * from input (NULL: /dev/null), stdout and stderr into memfds (files, not
 * pipes: a detached container keeps its stdio open after hull exits);
 * nofile > 0 sets its RLIMIT_NOFILE. */
void ht_start(char *const argv[], const char *input, long nofile, struct ht_proc *p);
/* `hull --root t->root ARGS...` (NULL-terminated) in the background. */
void ht_start_hull(struct ht *t, struct ht_proc *p, ...) __attribute__((sentinel));
/* Waits for p, timeout_ms at most (< 0: no limit; on timeout SIGKILL and
 * status -1), and collects its output into r (NULL: dropped). */
void ht_wait(struct ht_proc *p, struct ht_result *r, int timeout_ms);
/* ht_wait without limit that reaps every other child of the test while
 * it waits: a dying pid namespace's init waits for our zombies while the
 * `delete` we wait for waits for it. */
void ht_wait_reaping(struct ht_proc *p, struct ht_result *r);
/* SIGKILL to p, then reaps it. */
void ht_kill9(struct ht_proc *p);
/* ht_start and ht_wait without limit: the exit status; output dropped. */
int ht_spawn_quiet(const char *a0, ...) __attribute__((sentinel));

/* Runs `hull --root t->root ARGS...` (NULL-terminated), stdin from /dev/null
 * or input, and waits. */
void ht_hull(struct ht *t, struct ht_result *r, const char *input, ...) __attribute__((sentinel));
/* ht_hull without input, asserting exit 0. */
void ht_ok(struct ht *t, ...) __attribute__((sentinel));
/* Runs the container of t (`hull run --bundle B ID`) with the config written first. */
void ht_run(struct ht *t, struct ht_result *r);
void ht_result_free(struct ht_result *r);

/* Asserts exit status and prints both streams when it differs. */
#define ht_assert_status(r, want) \
	ck_assert_msg((r)->status == (want), "exit %d, want %d\nstdout: %s\nstderr: %s", \
		      (r)->status, (want), (r)->out, (r)->err)

/* Asserts a failed command: exit 1, stderr one line "hull: ..." holding want. */
#define ht_assert_error(r, want) \
	ck_assert_msg((r)->status == 1 && !strncmp((r)->err, "hull: ", 6) && \
		      strchr((r)->err, '\n') == (r)->err + strlen((r)->err) - 1 && \
		      strstr((r)->err, (want)), \
		      "want exit 1 and one line holding \"%s\"; got exit %d\nstderr: %s", (want), \
		      (r)->status, (r)->err)

/* Kills whatever t's containers left, then asserts the host kept none of
 * the test's objects (ht_host_left). Frees t. */
void ht_finish(struct ht *t);

/* The objects of a test beyond struct ht's own (hf.h sets them). */
struct ht_extra {
	const char *cg_parent;	/* a cgroup directory name of the test's, or NULL */
	const char *bridge;	/* a link name of the test's, or NULL */
	int grace_ms;		/* how long a child of the test may take to end */
};

/* The per-object host check: appends to msg what t (and x, may be NULL)
 * left, "" when nothing: a state dir under t->root (deleted with --force
 * once seen); a child of the test (a subreaper) still alive after
 * x->grace_ms; a mount, not in the table of ht_begin, whose source,
 * target or options are in t->root, t->bundle or t->rootfs, or that names
 * t->id or x->cg_parent (other mounts are not the test's: other programs
 * on this host mount and unmount too); a cgroup directory named t->id or x->cg_parent in any
 * hierarchy, or (ht_systemd_driver) the scope's, ht-ID.scope; a link named as the host end of t->id's veth (waited for, 5
 * s: the kernel removes it with its netns) or x->bridge (2 s); more fds
 * open than at ht_begin. */
void ht_host_left(struct ht *t, const struct ht_extra *x, char *msg, size_t cap);
/* The lines of ht_host_left's mount check: the test's mounts that were
 * not there at ht_begin, one a line, "" when none (malloc'd). */
char *ht_new_mounts(const struct ht *t, const char *cg_parent);

/* Cleanup without assertions, for the teardown of a failed test. */
void ht_force_clean(struct ht *t);
/* Takes ht_begin's snapshot of the host (mount table, fds), makes the
 * test a child subreaper and t the test to clean at exit. */
void ht_host_snapshot(struct ht *t);

/* After the whole run: deletes what tests that were killed (a Check
 * timeout) left under /tmp/ht-*, so the next run starts clean; what a
 * runner that still lives made (its pid is in the name) stays. */
void ht_sweep(void);

/* A process in fresh namespaces (unshare(flags)) that lives until *keep is
 * closed; returns once it has unshared them. */
pid_t ht_ns_holder(int flags, int *keep);

/* Receives one message with one fd (SCM_RIGHTS) on sock, waiting at most
 * 30 s; the payload goes to buf (NUL-terminated). Returns the fd. */
int ht_recv_fd(int sock, char *buf, size_t cap);
/* A unix stream socket bound at path and listening (a --console-socket, a
 * seccomp listenerPath), asserted. */
int ht_listen_unix(const char *path);
/* Accepts one connection on ls (30 s at most) and receives its fd
 * (ht_recv_fd) and payload; closes the connection and ls. */
int ht_accept_fd(int ls, char *buf, size_t cap);

/* Runs argv as the session leader of a fresh pty sized rows x cols, its
 * stdio on the pty, for at most timeout seconds (then SIGKILL, status -1):
 * r->out is what the pty showed. */
void ht_run_in_pty(char *const argv[], unsigned rows, unsigned cols, double timeout,
		   struct ht_result *r);

/* The whole of a file (a memfd) by its fd, from offset 0, as a malloc'd string. */
char *ht_slurp_fd(int fd);
/* Reads a file into a malloc'd string (NULL if missing). */
char *ht_read(const char *path);
/* The line count of s (its '\n's). */
size_t ht_lines(const char *s);
/* rm -rf path, without assertions (a teardown's too). */
void ht_rm_rf(const char *path);
/* chown -R id:id dir, asserted: a tree a user namespace's root must own. */
void ht_chown_tree(const char *dir, unsigned id);
/* True when a directory named name exists anywhere under /sys/fs/cgroup;
 * its path then in ht_cgroup_found. */
bool ht_cgroup_exists(const char *name);
extern char ht_cgroup_found[4200];
/* The cgroup v2 directory of the container t->id's init under
 * /sys/fs/cgroup, read from /proc/PID/cgroup with PID from `hull state`
 * (asserted: the init must be alive). */
void ht_init_cgroup_dir(struct ht *t, char *out, size_t len);
/* This process's cgroup path in the hierarchy holding controller ("": the
 * v2 one), as /proc/self/cgroup has it; false when there is none. */
bool ht_own_cgroup(const char *controller, char *out, size_t len);
/* Kills what runs in the cgroups that have a path component named name
 * (prefix: starting with name) in any hierarchy, waits (pidfd, 5 s in
 * all) for those processes to end, and removes the directories, children
 * first; reap: reaps the test's children too. No assertions: teardowns
 * call it. */
void ht_cgroup_sweep(const char *name, bool prefix, bool reap);
/* Alive processes whose parent is the test (the test is a subreaper),
 * once each had up to ms to end; zombies are reaped. names (may be NULL)
 * gets "[pid cmdline] " of each. */
size_t ht_children(int ms, char *names, size_t cap);
/* SIGKILL to every child of the test, then reaps them all. */
void ht_kill_children(void);
/* Whether a link named name exists; ht_link_gone waits (woken by
 * RTMGRP_LINK, no sleep) up to ms for it to go. */
bool ht_link_exists(const char *name);
bool ht_link_gone(const char *name, int ms);
/* Removes the link name, if there is one (no assertion). */
void ht_link_delete(const char *name);
/* The test process's open fds. */
size_t ht_count_fds(void);

#endif
