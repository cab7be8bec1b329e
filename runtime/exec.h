/* `hull exec`: a new process in a running container (runc's exec). */
#ifndef HULL_EXEC_H
#define HULL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../cgroups/cgroups.h"

struct hull_exec_opts {
	const char *root, *id;
	const char *process_file;	/* --process: a runtime-spec process object */
	bool tty, tty_set;		/* --tty given (process.terminal) */
	bool detach;
	const char *console_socket, *pid_file, *cwd, *user, *process_label, *apparmor;
	int preserve_fds;
	char **env;			/* --env NAME=VALUE, replacing or adding */
	size_t n_env;
	char **caps;			/* --cap, added to bounding, effective, permitted */
	size_t n_caps;
	gid_t *gids;			/* --additional-gids */
	size_t n_gids;
	bool no_new_privs, ignore_paused;
	char *cgroups[HULL_CGROUP_SUB_MAX];	/* --cgroup [CONTROLLERS:]PATH below the container's */
	size_t n_cgroups;
	const char *pidfd_socket;	/* --pidfd-socket: the process's pidfd goes there */
	char **args;			/* the command, when no --process */
	size_t n_args;
	pid_t *pid_out;			/* with detach: where the process's pid goes (the shim) */
};

/* Runs the process in the container's namespaces and cgroup with the
 * container's seccomp profile. Returns its exit status (128+N when killed
 * by signal N), 0 at once with detach, or -errno with err set. The
 * container must be created or running (paused with ignore_paused). */
int hull_exec(const struct hull_exec_opts *o, struct hull_err *err);

#endif
