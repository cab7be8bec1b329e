/* OCI hooks: each one a fork + execve of hook.path with hook.args and
 * exactly hook.env, the container state JSON on its stdin, its stdout
 * and stderr on hull's stderr (never on a stream a caller parses). */
#ifndef HULL_HOOKS_H
#define HULL_HOOKS_H

#include <stdbool.h>

#include "../base/err.h"
#include "../oci-spec/state.h"

/* Runs the hooks of kind in order with the state (status as given) on
 * stdin; stops at the first failure: "hooks.createRuntime[0] /path:
 * exited with status 3" (or "killed by signal 9", "timed out after 2 s",
 * or why it could not be run). A hook with a timeout is SIGKILLed when it
 * is reached. No hooks of kind: returns 0 at once. */
int hull_hooks_run(const struct hull_spec *spec, enum hull_hook_kind kind,
		   const struct hull_state_file *st, const char *status, struct hull_err *err);

/* poststart and poststop: every hook runs; a failure is a warning
 * ("hull: warning: ..." on stderr, and in the log), never an error. */
void hull_hooks_run_warn(const struct hull_spec *spec, enum hull_hook_kind kind,
			 const struct hull_state_file *st, const char *status);

/* hull_hooks_run_warn() with the hooks of the config saved at create
 * (ROOT/ID/config.json); a config that cannot be read is a warning too. */
struct hull_container;
/* The hooks of the config saved at create. err NULL: every hook runs and
 * a failure is a warning (poststop); else the first failure stops them
 * and is returned (poststart). */
int hull_hooks_run_saved(struct hull_container *c, enum hull_hook_kind kind, const char *status,
			 struct hull_err *err);

/* What the container init needs for the hooks it runs itself. */
struct hull_hooks_ctx {
	const struct hull_spec *spec;
	struct hull_state_file state;	/* shallow copy; pid: the init's on the host */
	int sync_fd;	/* the init's end: the parent runs prestart and createRuntime */
};

/* Parent: prestart (deprecated) then createRuntime, when the init says
 * its root is mounted (HULL_SYNC_HOOKS); st->pid is the init's. */
int hull_hooks_run_create(const struct hull_spec *spec, const struct hull_state_file *st, struct hull_err *err);

/* hull_rootfs_opts.before_pivot, in the init once the root's mounts are
 * made: the parent runs prestart and createRuntime (runtime-spec: after
 * the environment is created, before pivot_root), then the createContainer
 * hooks run here, in the container's namespaces while the host's paths are
 * still visible. */
int hull_hooks_before_pivot(void *ctx, struct hull_err *err);

#endif
