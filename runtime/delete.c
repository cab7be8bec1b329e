#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "hooks.h"
#include "lifecycle.h"
#include "net.h"

#define KILL_WAIT_MS 10000


/* SIGKILL cannot be caught: waiting for the pidfd is waiting for the kernel. */
static int kill_init(struct hull_container *c, int pidfd, struct hull_err *err)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return hull_syserr(err, errno, "container %s: kill the init", c->id);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;
	do
		r = poll(&p, 1, KILL_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return hull_errf(err, ETIMEDOUT, "container %s: the init did not die within %d s of SIGKILL",
				 c->id, KILL_WAIT_MS / 1000);
	return 0;
}

/* state.json is unreadable: the cgroup create recorded on the side, if any. */
static int load_cgroup_record(struct hull_container *c, struct hull_cgroup **cg, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct hull_err tmp = { 0 };
	if (hull_read_file_at(c->dirfd, HULL_CGROUP_FILE, &buf, NULL, &tmp) < 0)
		return 0;	/* a create that crashed before it, or no cgroup */
	int r = hull_cgroup_load(buf, cg, err);
	if (r < 0)
		hull_err_prefix(err, "%s/%s", c->dir, HULL_CGROUP_FILE);
	return r;
}

int hull_delete(struct hull_container *c, bool force, struct hull_err *err)
{
	if (!c->has_state && !force)
		return hull_errf(err, EINVAL, "%s (delete --force removes it)", c->state_err);
	_cleanup_close_ int pidfd = -1;
	enum hull_status s = c->has_state ? hull_container_status(c, &pidfd) : HULL_STATUS_STOPPED;
	if ((s == HULL_STATUS_RUNNING || s == HULL_STATUS_PAUSED) && !force)
		return hull_errf(err, EBUSY, "container %s is %s: stop it first or use delete --force",
				 c->id, hull_status_name(s));

	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = 0;
	if (c->has_state && c->st.cgroup)
		r = hull_cgroup_load(c->st.cgroup, &cg, err);
	/* No state, or one whose cgroup does not read: the record create
	 * wrote before it made a directory. */
	if ((!c->has_state || r < 0) && force) {
		hull_err_clear(err);
		r = load_cgroup_record(c, &cg, err);
	}
	if (r < 0)
		return r;
	/* Without a state we cannot tell paused from running: thaw, so the
	 * kill below lands (best effort: a joined cgroup or a host without a
	 * freezer has nothing to thaw). */
	if (cg && !c->has_state)
		hull_cgroup_freeze(cg, false, NULL);
	/* Kill the whole cgroup first, so nothing forks while the init dies. */
	if (cg && s != HULL_STATUS_STOPPED)
		r = hull_cgroup_kill_all(cg, SIGKILL, pidfd, err);
	/* A v1 frozen task takes SIGKILL only once thawed. */
	if (r == 0 && cg && s == HULL_STATUS_PAUSED)
		r = hull_cgroup_freeze(cg, false, err);
	if (r == 0 && pidfd >= 0)
		r = kill_init(c, pidfd, err);
	if (r == 0 && cg) {
		/* Without a pid namespace, children of the init can outlive it. */
		r = hull_cgroup_kill_all(cg, SIGKILL, pidfd, err);
		_cleanup_close_ int reg = hull_cgroup_marks_open();
		if (r == 0)
			r = hull_cgroup_destroy(cg, reg, err);
	}
	/* Idempotent, so a delete --force after a crash finishes it. */
	if (r == 0)
		r = hull_net_teardown(c, err);
	if (r < 0)
		return r;
	/* runtime.md: after the container is deleted, before delete returns;
	 * the state dir still holds the config and the state they need. */
	if (c->has_state) {
		c->st.pid = 0;
		hull_hooks_run_saved(c, HULL_HOOK_POSTSTOP, "stopped");
	}
	return hull_container_remove(c, err);
}
