/* The container process's own settings, applied by the init (or an exec'd
 * process) inside the container, in the order runc applies them. */
#ifndef HULL_PROCESS_H
#define HULL_PROCESS_H

#include "../oci-spec/spec.h"

/* As root, before the user switch: rlimits and oom_score_adj. */
int hull_process_limits(const struct hull_process *p, struct hull_err *err);

/* Changes to process.cwd ("/" when unset), resolved inside the container's
 * root (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): the path cannot
 * lead out of it, whatever the container made of its components. */
int hull_process_chdir(const struct hull_process *p, struct hull_err *err);

/* setgroups (additionalGids), gid, uid (with PR_SET_KEEPCAPS, so that
 * hull_caps_apply can still grant), umask. */
int hull_process_switch_user(const struct hull_process *p, struct hull_err *err);

/* Resolves args[0] through the PATH of process.env (or the default PATH)
 * and checks it is executable, so a bad command fails create, not start. */
int hull_process_find_exec(const struct hull_process *p, char **path, struct hull_err *err);

/* Lets fds 3 .. 3+preserve_fds-1 through exec and closes every other fd
 * above 2 at exec (close_range CLOEXEC), resets signals. */
int hull_process_fds(int preserve_fds, struct hull_err *err);

/* execve; returns only on failure. */
int hull_process_exec(const struct hull_process *p, const char *path, struct hull_err *err);

#endif
