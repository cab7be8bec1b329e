/* The container init before it execs: runs in the child of hull_spawn(). */
#ifndef HULL_INIT_H
#define HULL_INIT_H

#include <stdbool.h>

#include "../namespaces/namespaces.h"
#include "caps.h"
#include "hooks.h"

struct hull_seccomp_filter;

struct hull_init_args {
	const struct hull_spec *spec;
	const struct hull_ns_plan *plan;
	const struct hull_rootfs_opts *rootfs;
	const char *id;
	int sync_fd;		/* the init's end of the sync socket pair */
	int start_fd;		/* start.sock, listening: `hull start` connects */
	bool no_new_keyring;
	int preserve_fds;
	struct hull_seccomp_filter *seccomp;	/* compiled by the parent, or NULL */
	const struct hull_capsets *caps;	/* resolved by the parent from process.capabilities */
	struct hull_hooks_ctx *hooks;	/* its state.pid is set from the GO message */
};

/* Never returns: execs the process or reports the failure over sync_fd and exits. */
_Noreturn void hull_init_run(const struct hull_init_args *a);

#endif
