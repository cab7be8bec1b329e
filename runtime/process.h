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

/* Resolves args[0] through the PATH of process.env (none without one, as
 * runc) and checks it is executable, so a bad command fails create, not
 * start. The errors are worded as runc's, which docker and podman map to
 * exit codes: "exec: \"X\": stat X: no such file or directory",
 * "...: executable file not found in $PATH" (127), "...: permission
 * denied" (126). */
int hull_process_find_exec(const struct hull_process *p, char **path, struct hull_err *err);

/* Lets fds 3 .. 3+preserve_fds-1 through exec and closes every other fd
 * above 2 at exec (close_range CLOEXEC), resets signals. */
int hull_process_fds(int preserve_fds, struct hull_err *err);

/* The environment the process gets: process.env, with HOME from the
 * container's /etc/passwd (the entry of process.user.uid, else "/") when
 * it has no HOME or an empty one, as runc sets it. Call inside the root,
 * before the user switch. */
char **hull_process_env(const struct hull_process *p);

/* execve(path, args, env); returns only on failure. */
int hull_process_exec(const struct hull_process *p, const char *path, char **env, struct hull_err *err);

#endif
