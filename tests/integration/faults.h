/* Helpers of the fault, exhaustion and concurrency suites (defined in
 * faults.c): a test whose host objects all carry its own names, hull run
 * with an rlimit, in the background or under strace's fault injection,
 * and a host check that looks only at those objects, so the suites of
 * other people running on the same host at the same time do not disturb
 * it. */
#ifndef HULL_TESTS_FAULTS_H
#define HULL_TESTS_FAULTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "../lib/ht.h"

struct hf {
	struct ht t;
	char cg_parent[32];	/* linux.cgroupsPath is cg_parent/ID: only this test uses it */
	char bridge[16];	/* the bridge of hf_bridge(), "" without */
	char veth[16];		/* the host end of the veth hull derives from t.id */
	size_t n_fds;		/* the test's open fds at hf_begin */
	bool hull_only;		/* hf_strace traces hull's own process, not its children */
};

/* A process running in the background (stdout, stderr in memfds). */
struct hf_proc {
	pid_t pid;
	int pidfd, out, err;
};

/* ht_begin, then the config gets cgroupsPath cg_parent/ID. */
void hf_begin(struct hf *h, bool own_rootfs);
/* Bridge mode: a bridge named after the test (hull makes it, with
 * 198.18.30.1/24), the container at 198.18.30.2/24. */
void hf_bridge(struct hf *h, bool remove_empty);
/* Sets annotations[key] = value (NULL removes it). */
void hf_annotate(struct hf *h, const char *key, const char *value);
/* Adds a hook {path, args...} of kind (NULL-terminated args). */
void hf_hook(struct hf *h, const char *kind, const char *path, ...) __attribute__((sentinel));

/* Starts argv in the background; nofile > 0 sets its RLIMIT_NOFILE. */
void hf_start(char *const argv[], long nofile, struct hf_proc *p);
/* `hull --root ROOT ARGS...` in the background. */
void hf_start_hull(struct hf *h, struct hf_proc *p, ...) __attribute__((sentinel));
/* Waits at most timeout_ms for p; on timeout kills it and sets status -1. */
void hf_wait(struct hf_proc *p, struct ht_result *r, int timeout_ms);
/* SIGKILL to p, then reaps it. */
void hf_kill9(struct hf_proc *p);
/* `hull --root ROOT ARGS...` with RLIMIT_NOFILE nofile (0: as ours), waited for. */
void hf_hull(struct hf *h, struct ht_result *r, long nofile, ...) __attribute__((sentinel));

/* `strace -f -o /dev/null [-P path] -e inject=I1 [-e inject=I2 ...] hull
 * --root ROOT ARGS...`: injects is NULL-terminated. Waits 30 s at most: a
 * strace that does not end is tracing a process hull left. */
void hf_strace(struct hf *h, struct ht_result *r, const char *const injects[],
	       const char *path, ...) __attribute__((sentinel));
/* Runs `hull run` of h's container once under `strace -f -e trace=sys`
 * (with -y: fds shown as paths), asserts it succeeded, and returns N such
 * that the N-th call of sys by its process is the first (or the last)
 * one whose line holds pattern: the number strace's when=N wants. With
 * path, also the path of that call (its first fd's with -y, else its first
 * string argument), for strace's -P. */
int hf_find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		 char *path, size_t cap);

/* Writes the config and runs the container under the injections: asserts
 * exit want_status, one line "hull: ..." on stderr holding want, and a
 * clean host (hf_finish). */
void hf_expect_fault(struct hf *h, const char *const injects[], const char *path, int want_status,
		     const char *want);

/* Asserts the host kept nothing of h: no state dir under its root, no
 * process left to the test, no host mount naming its root, bundle or ID,
 * no cgroup directory cg_parent or ID in any hierarchy, no link named as
 * its bridge or veth (waited for, 5 s: the kernel removes a veth with its
 * netns), no fd more than at hf_begin. Then removes whatever was left and
 * frees h. */
void hf_finish(struct hf *h);

/* The test case's unchecked teardown (it runs in the runner): removes
 * the objects of the tests that ended on a failed assertion (Check ends
 * them with _exit(): no atexit handler runs). */
void hf_sweep(void);

/* The line count of s (its '\n's). */
size_t hf_lines(const char *s);
/* True when a cgroup directory named name exists in any hierarchy. */
bool hf_cgroup_exists(const char *name);
/* Alive processes whose parent is the test (the test is a subreaper). */
size_t hf_children(void);

#endif
