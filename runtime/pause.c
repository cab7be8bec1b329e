/* pause / resume, and the statistics of a container's cgroup. */
#include <errno.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../oci-spec/events.h"
#include "lifecycle.h"


int hull_container_cgroup(struct hull_container *c, struct hull_cgroup **cg, struct hull_err *err)
{
	return hull_cgroup_load(c->has_state ? c->st.cgroup : NULL, cg, err);
}

int hull_pause(struct hull_container *c, bool frozen, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	int pidfd;
	enum hull_status s = hull_container_status(c, &pidfd);
	if (pidfd >= 0)
		close(pidfd);
	/* runc's words after the ID: clients match them */
	if (frozen && s == HULL_STATUS_PAUSED)
		return hull_errf(err, EINVAL, "container %s: container already paused", c->id);
	if (!frozen && s != HULL_STATUS_PAUSED) {
		if (s == HULL_STATUS_RUNNING || s == HULL_STATUS_CREATED)
			return hull_errf(err, EINVAL, "container %s: container not paused", c->id);
		return hull_errf(err, EINVAL, "container %s: container not running", c->id);
	}
	if (frozen && s != HULL_STATUS_RUNNING && s != HULL_STATUS_CREATED)
		return hull_errf(err, EINVAL, "container %s: container not running", c->id);
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = hull_container_cgroup(c, &cg, err);
	if (r == 0 && (r = hull_cgroup_freeze(cg, frozen, err)) < 0)
		hull_err_prefix(err, "container %s", c->id);
	return r;
}

int hull_container_stats(struct hull_container *c, struct hull_cgroup_stats *st, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = hull_container_cgroup(c, &cg, err);
	if (r == 0 && (r = hull_cgroup_stats(cg, st, err)) < 0)
		hull_err_prefix(err, "container %s", c->id);
	return r;
}

/* Gregg's analysis (Systems Performance, 2nd ed., 11.3.3-11.3.4) asks in
 * turn: was it throttled by bandwidth; did it use up its cpuset; did it
 * wait while the host was busy (shares). Per-process counters (involuntary
 * switches, schedstat) are gone once the container has exited, so waiting
 * is read from the cgroup: PSI's cpu "some" time where the kernel has it,
 * else a usage below what the CPUs it may use allow. */
const char *hull_cpu_limited_by(const struct hull_cgroup_stats *st, uint64_t wall_ns,
				unsigned host_cpus, double host_idle)
{
	if (st->cpu.has_throttling && st->cpu.throttled_periods > 0 && st->cpu.throttled_time > 0)
		return "bandwidth";
	if (!st->cpu.present || wall_ns == 0)
		return "none";
	double busy = (double)st->cpu.total / (double)wall_ns;	/* CPUs kept busy, on average */
	unsigned n = st->limits.n_cpus ? st->limits.n_cpus : host_cpus;
	if (st->limits.n_cpus && st->limits.n_cpus < host_cpus && busy >= 0.9 * st->limits.n_cpus)
		return "cpuset";
	bool waited = st->cpu.has_wait ? st->cpu.wait * 20 >= wall_ns	/* >= 5 % of the run */
				       : busy < 0.9 * n;
	bool host_busy = host_idle >= 0 && host_idle < 0.1;
	if (waited && host_busy && busy < 0.9 * n)
		return "shares";
	return "none";
}
