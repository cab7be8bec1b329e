/* The one teardown of a container, for a failed create and for delete:
 * every process killed (the whole cgroup first, so nothing forks while the
 * init dies), the cgroup removed, the network undone, the poststop hooks,
 * the state dir. Each step is idempotent, so a delete --force after a
 * crash at any point finishes it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../cgroups/cgroups.h"
#include "hooks.h"
#include "lifecycle.h"
#include "net.h"
#include "rdt.h"

/* SIGKILL cannot be caught: waiting for the init is waiting for the
 * kernel. Our own child (a failed create's) is reaped; another's init is
 * awaited through its pidfd. */
static int kill_init(const struct hull_teardown *t, struct hull_err *err)
{
	if (t->child > 0) {
		kill(t->child, SIGKILL);
		while (waitpid(t->child, NULL, 0) < 0 && errno == EINTR)
			;
		return 0;
	}
	if (t->init_pidfd < 0)
		return 0;
	if (syscall(SYS_pidfd_send_signal, t->init_pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return hull_syserr(err, errno, "container %s: kill the init", t->c->id);
	struct pollfd p = { .fd = t->init_pidfd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, HULL_KILL_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return hull_errf(err, ETIMEDOUT, "container %s: the init did not die within %d s of SIGKILL",
				 t->c->id, HULL_KILL_WAIT_MS / 1000);
	return 0;
}

static int kill_all(const struct hull_teardown *t, struct hull_err *err)
{
	struct hull_cgroup *cg = t->cg;
	int r = cg && t->running ? hull_cgroup_kill_all(cg, SIGKILL, t->init_pidfd, err) : 0;
	/* A v1 frozen task takes SIGKILL only once thawed. */
	if (r == 0 && cg && t->paused)
		r = hull_cgroup_freeze(cg, false, err);
	if (r == 0)
		r = kill_init(t, err);
	/* Without a pid namespace, children of the init can outlive it. */
	if (r == 0 && cg)
		r = hull_cgroup_kill_all(cg, SIGKILL, t->init_pidfd, err);
	return r;
}

int hull_teardown(const struct hull_teardown *t, struct hull_err *err)
{
	struct hull_container *c = t->c;
	int r = kill_all(t, err);
	if (r == 0 && t->cg) {
		_cleanup_close_ int reg = hull_cgroup_marks_open();
		r = hull_cgroup_destroy(t->cg, reg, err);
	}
	if (r == 0)
		r = hull_net_teardown(c, t->give_back, err);
	if (r == 0)
		r = hull_rdt_teardown(c, err);
	if (r < 0)
		return r;
	/* runtime.md: after the container is gone, before delete returns (and
	 * after a failed create); the state dir still holds what they need. */
	if (t->poststop) {
		c->st.pid = 0;
		if (t->spec)
			hull_hooks_run_warn(t->spec, HULL_HOOK_POSTSTOP, &c->st, "stopped");
		else
			hull_hooks_run_saved(c, HULL_HOOK_POSTSTOP, "stopped", NULL);
	}
	return hull_container_remove(c, err);
}
