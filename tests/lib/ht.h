/* Helpers of the integration suites: bundles made from the busybox fixture,
 * running the hull binary, and the host checks every test ends with. */
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
	char *mountinfo;	/* the host's mount table before the test */
	size_t n_fds;		/* the test process's open fds before the test */
	char id[64];		/* a container ID unique to this test */
};

struct ht_result {
	int status;		/* exit code, or 128+N when killed by signal N */
	char *out, *err;	/* stdout and stderr, NUL-terminated */
};

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

/* Kills whatever t's containers left, then asserts the host kept nothing:
 * no container process, state dir, mount, cgroup or fd. Frees t. */
void ht_finish(struct ht *t);

/* Cleanup without assertions, for the teardown of a failed test. */
void ht_force_clean(struct ht *t);

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

/* Runs argv as the session leader of a fresh pty sized rows x cols, its
 * stdio on the pty, for at most timeout seconds (then SIGKILL, status -1):
 * r->out is what the pty showed. */
void ht_run_in_pty(char *const argv[], unsigned rows, unsigned cols, double timeout,
		   struct ht_result *r);

/* The whole of a file (a memfd) by its fd, from offset 0, as a malloc'd string. */
char *ht_slurp_fd(int fd);
/* Reads a file into a malloc'd string (NULL if missing). */
char *ht_read(const char *path);
/* chown -R id:id dir, asserted: a tree a user namespace's root must own. */
void ht_chown_tree(const char *dir, unsigned id);
/* True when a directory named name exists anywhere under /sys/fs/cgroup. */
bool ht_cgroup_exists(const char *name);

#endif
