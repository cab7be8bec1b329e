#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "lifecycle.h"


int hull_signal(struct hull_container *c, int sig, bool all, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	int pidfd;
	enum hull_status s = hull_container_status(c, &pidfd);
	int r = 0;
	if (s == HULL_STATUS_STOPPED || s == HULL_STATUS_CREATING) {
		/* kill --all of a stopped container reaches what its init left
		 * behind, and is not an error: containerd's shim sends it to
		 * every exited task (runc does the same). The words "container
		 * not running" are what the shim takes for "already gone". */
		if (!all)
			return hull_errf(err, ESRCH, "container %s: container not running", c->id);
		_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
		r = hull_container_cgroup(c, &cg, err);
		if (r == 0)
			r = hull_cgroup_kill_all(cg, sig, -1, err);
		return r;
	}
	if (all && c->st.cgroup) {
		_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
		r = hull_container_cgroup(c, &cg, err);
		if (r == 0)
			r = hull_cgroup_kill_all(cg, sig, pidfd, err);
	} else if (pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0
			      /* no pidfd to be had: the start time was checked just now */
			      : kill(c->st.pid, sig) < 0) {
		r = hull_syserr(err, errno, "container %s: signal %d", c->id, sig);
	}
	if (pidfd >= 0)
		close(pidfd);
	/* A v1 frozen task takes SIGKILL only once thawed (as runc does). */
	if (r == 0 && sig == SIGKILL && s == HULL_STATUS_PAUSED) {
		_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
		r = hull_cgroup_load(c->st.cgroup, &cg, err);
		if (r == 0)
			r = hull_cgroup_freeze(cg, false, err);
	}
	return r;
}

int hull_container_pids(struct hull_container *c, pid_t **pids, size_t *n, struct hull_err *err)
{
	*pids = NULL;
	*n = 0;
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	if (!c->st.cgroup) {
		/* No cgroup of its own (rootless): the init is all we can name. */
		int pidfd = -1;
		enum hull_status s = hull_container_status(c, &pidfd);
		if (pidfd >= 0)
			close(pidfd);
		if (s == HULL_STATUS_STOPPED || s == HULL_STATUS_CREATING)
			return 0;
		*pids = hull_xmalloc(sizeof(**pids));
		(*pids)[0] = c->st.pid;
		*n = 1;
		return 0;
	}
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = hull_cgroup_load(c->st.cgroup, &cg, err);
	if (r == 0)
		r = hull_cgroup_pids(cg, pids, n, err);
	return r;
}
