/* The one sequence by which a process becomes the container's: the init
 * after its root is set up, and every exec'd process (enter.c). */
#ifndef HULL_ENTER_H
#define HULL_ENTER_H

#include <stdbool.h>

#include "../oci-spec/spec.h"
#include "caps.h"

struct hull_seccomp_filter;

struct hull_enter {
	const struct hull_spec *spec;	/* process, linux.personality */
	const struct hull_capsets *caps;
	struct hull_seccomp_filter *seccomp;	/* NULL: none */
	int sync_fd;		/* to hull: errors, the pty master, the seccomp notify fd */
	int preserve_fds;	/* fds 3 .. 3+N-1 are handed to the process */
	bool dev_console;	/* the init: its pty is /dev/console too */
	bool exec;		/* an exec'd process: process.execCPUAffinity applies */
	/* The init's wait for start, after everything but seccomp and execve
	 * (NULL for exec). It closes sync_fd and gives the fd errors go to
	 * after it (`start`'s connection; -1: stderr). */
	int (*before_exec)(void *data, int *report_fd, struct hull_err *err);
	void *data;
};

/* Never returns: execs process.args or reports why not and exits. The
 * caller is already in every namespace and cgroup of the container, in its
 * root, holding only the fds hull_spawn kept. In this order: session and
 * terminal; rlimits and oom score; the working directory, resolved inside
 * the root; I/O priority, scheduler, personality; the bounding set, user,
 * groups and capabilities; no_new_privs; the executable looked up; every
 * fd but the preserved ones close-on-exec, signals reset; before_exec;
 * the AppArmor profile or SELinux label (the exec attr); seccomp; execve. After seccomp only execve is called (a profile written
 * for the process need allow nothing of hull's), except with
 * SCMP_ACT_NOTIFY rules: their listener fd must reach hull while it still
 * waits, so the label and the filter come before before_exec, whose
 * sendmsg and wait then run under the filter. */
_Noreturn void hull_enter_container(const struct hull_enter *e);

#endif
