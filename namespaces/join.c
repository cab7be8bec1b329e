/* Child side: entering joined namespaces and the late cgroup unshare. */
#include <errno.h>
#include <sched.h>

#include "internal.h"

int hull_ns_join(const struct hull_ns_plan *plan, struct hull_err *err)
{
	/* The pid namespace was entered for us by hull_ns_clone; mount goes
	 * last because setns into it changes how every other path resolves. */
	static const enum hull_ns_type order[] = {
		HULL_NS_IPC, HULL_NS_UTS, HULL_NS_NETWORK, HULL_NS_CGROUP, HULL_NS_MOUNT,
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum hull_ns_type t = order[i];
		if (plan->join_fd[t] < 0)
			continue;
		if (setns(plan->join_fd[t], hull_ns_type_flag(t)) < 0)
			return hull_syserr(err, errno, "%s: setns", hull_ns_label(t));
	}
	return 0;
}

int hull_ns_unshare_cgroup(const struct hull_ns_plan *plan, struct hull_err *err)
{
	if (plan->unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0)
		return hull_syserr(err, errno, "%s: unshare", hull_ns_label(HULL_NS_CGROUP));
	return 0;
}
