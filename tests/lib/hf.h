/* The fault-injection harness of the fault, exhaustion and concurrency
 * suites, on top of ht.h: a test whose host objects all carry its own
 * names (a cgroup parent, a bridge, the veth hull derives from its ID),
 * hull run with an rlimit or under strace's fault injection, and
 * ht_host_left's per-object check over those objects. Network rules:
 * addresses in 198.18.30.0/24 only, no traffic, links only of those
 * names. */
#ifndef HULL_TESTS_HF_H
#define HULL_TESTS_HF_H

#include <stdbool.h>
#include <sys/types.h>

#include "ht.h"

struct hf {
	struct ht t;
	char cg_parent[32];	/* linux.cgroupsPath is cg_parent/ID: only this test uses it */
	char bridge[16];	/* the bridge of hf_bridge(), "" without */
	char veth[16];		/* the host end of the veth hull derives from t.id */
	bool hull_only;		/* hf_strace traces hull's own process, not its children */
};

/* A NULL-terminated list of strace injections: INJ("mount:error=EPERM"). */
#define INJ(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ht_begin, then the config gets cgroupsPath cg_parent/ID. */
void hf_begin(struct hf *h, bool own_rootfs);
/* Bridge mode: a bridge named after the test (hull makes it, with
 * 198.18.30.1/24), the container at 198.18.30.2/24. */
void hf_bridge(struct hf *h, bool remove_empty);
/* Sets annotations[key] = value (NULL removes it). */
void hf_annotate(struct hf *h, const char *key, const char *value);
/* Adds a hook {path, args...} of kind (NULL-terminated args). */
void hf_hook(struct hf *h, const char *kind, const char *path, ...) __attribute__((sentinel));

/* `hull --root ROOT ARGS...` with RLIMIT_NOFILE nofile (0: as ours), waited
 * for (60 s at most). */
void hf_hull(struct hf *h, struct ht_result *r, long nofile, ...) __attribute__((sentinel));

/* `strace -f -o /dev/null [-P path] -e inject=I1 [-e inject=I2 ...] hull
 * --root ROOT ARGS...`: injects is NULL-terminated. Waits 30 s at most: a
 * strace that does not end is tracing a process hull left. */
void hf_strace(struct hf *h, struct ht_result *r, const char *const injects[],
	       const char *path, ...) __attribute__((sentinel));
/* Runs `hull run` of h's container once under `strace -f -e trace=sys`
 * (with -y: fds shown as paths), asserts it succeeded, and returns N such
 * that the N-th call of sys by its process is the first (or the last)
 * one whose line holds pattern (one of its '|'-separated strings): the
 * number strace's when=N wants. With path, also the path of that call
 * (its first fd's with -y, else its first string argument), for strace's
 * -P. hf_find_call asserts there is such a call; hf_find_call_any
 * returns 0 when there is none. */
int hf_find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		 char *path, size_t cap);
int hf_find_call_any(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		     char *path, size_t cap);

/* Asserts that strace ended (r->status is not -1: hull left no traced
 * process) and a failure: exit status, one line "hull: ..." holding want. */
void hf_assert_error_line(const struct ht_result *r, int status, const char *want);
/* Writes the config and runs the container under the injections: asserts
 * exit want_status, one line "hull: ..." on stderr holding want, and a
 * clean host (hf_finish). */
void hf_expect_fault(struct hf *h, const char *const injects[], const char *path, int want_status,
		     const char *want);
/* hf_expect_fault of "SYS:error=ERR:when=N", exit 1. */
void hf_inject_at(struct hf *h, const char *sys, const char *err, int when, const char *want);
/* Fails the first call of sys on the path the traced run's first (or
 * last) call holding pattern had (-P: strace counts the calls on that
 * path only, whichever process makes them); exit 1. */
void hf_inject_on_path(struct hf *h, const char *sys, const char *pattern, bool last,
		       bool with_y, const char *err, const char *want);

/* Asserts the host kept nothing of h (ht_host_left, with h's cgroup
 * parent and bridge, and 2 s for a child to end: hull killed with SIGKILL
 * leaves its helpers to finish). Then removes whatever was left and
 * frees h. */
void hf_finish(struct hf *h);

/* The test case's unchecked teardown (it runs in the runner): removes
 * the objects of the tests that ended on a failed assertion (Check ends
 * them with _exit(): no atexit handler runs). */
void hf_sweep(void);

#endif
