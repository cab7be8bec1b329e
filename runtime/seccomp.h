/* linux.seccomp with libseccomp: compiled once in the parent before the
 * clone (so config errors stop `create` early), loaded by the init, which
 * shares the compiled filter copy-on-write. */
#ifndef HULL_SECCOMP_H
#define HULL_SECCOMP_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/cleanup.h"
#include "../base/err.h"
#include "../oci-spec/spec.h"
#include "../oci-spec/state.h"

struct hull_seccomp_filter;

/* The filter flags of linux.seccomp.flags hull gives seccomp(2), by their
 * runtime-spec names; the last entry has name NULL. */
struct hull_seccomp_flag {
	const char *name;
	unsigned flag;
};
extern const struct hull_seccomp_flag hull_seccomp_flags[];
#define HULL_SECCOMP_WAIT_KILLABLE_RECV (1u << 5)

/* Builds the filter of s; *out is NULL when s is absent. Errors are
 * "linux.seccomp...: cause" (the caller prefixes "config.json"). */
int hull_seccomp_compile(const struct hull_seccomp *s, struct hull_seccomp_filter **out,
			 struct hull_err *err);
void hull_seccomp_free(struct hull_seccomp_filter *f);

/* Whether f has SCMP_ACT_NOTIFY rules (a listener fd to hand over). */
bool hull_seccomp_notifies(const struct hull_seccomp_filter *f);

/* In the init: loads f (NULL: nothing to do). When f has SCMP_ACT_NOTIFY
 * rules, the listener fd goes to the parent over sync_fd (HULL_SYNC_SECCOMP)
 * at once, so that an agent holds it before the init's next notified call. */
int hull_seccomp_load(struct hull_seccomp_filter *f, int sync_fd, struct hull_err *err);

/* In the parent: hands notify_fd and the container process state
 * (runtime-spec config-linux.md, "seccomp listener") to s->listener_path. */
int hull_seccomp_send_listener(const struct hull_seccomp *s, int notify_fd,
			       const struct hull_state_file *st, const char *status, struct hull_err *err);

HULL_DEFINE_CLEANUP(struct hull_seccomp_filter *, hull_seccomp_free)
#define _cleanup_seccomp_ __attribute__((cleanup(hull_seccomp_freep)))

#endif
