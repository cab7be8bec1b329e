/* What the clone creates and which namespaces are joined, decided in the
 * parent before anything exists. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "../runtime/cleanup.h"
#include "internal.h"

const char *hull_ns_label(enum hull_ns_type type)
{
	static const char *const labels[HULL_NS_TYPES] = {
		[HULL_NS_PID] = "linux.namespaces[pid]",
		[HULL_NS_NETWORK] = "linux.namespaces[network]",
		[HULL_NS_MOUNT] = "linux.namespaces[mount]",
		[HULL_NS_IPC] = "linux.namespaces[ipc]",
		[HULL_NS_UTS] = "linux.namespaces[uts]",
		[HULL_NS_USER] = "linux.namespaces[user]",
		[HULL_NS_CGROUP] = "linux.namespaces[cgroup]",
		[HULL_NS_TIME] = "linux.namespaces[time]",
	};
	return (unsigned)type < HULL_NS_TYPES ? labels[type] : "linux.namespaces[?]";
}

static int open_ns(enum hull_ns_type t, const struct hull_namespace *ns, struct hull_err *err)
{
	const char *path = ns->path;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.namespaces[%u].path: %s", ns->index, path);
	int kind = ioctl(fd, NS_GET_NSTYPE);
	if (kind < 0 && errno != ENOTTY && errno != EINVAL)
		return hull_syserr(err, errno, "linux.namespaces[%u].path: %s: NS_GET_NSTYPE", ns->index,
				   path);
	if (kind != hull_ns_type_flag(t))
		return hull_errf(err, EINVAL, "linux.namespaces[%u].path: %s: not a%s %s namespace",
				 ns->index, path, t == HULL_NS_IPC || t == HULL_NS_UTS ? "n" : "",
				 hull_ns_type_name(t));
	return steal_fd(fd);
}

int hull_ns_plan_prepare(const struct hull_spec *spec, struct hull_ns_plan *plan,
			 struct hull_err *err)
{
	const struct hull_namespace *ns = spec->linux_.ns;
	memset(plan, 0, sizeof(*plan));
	for (int t = 0; t < HULL_NS_TYPES; t++)
		plan->join_fd[t] = -1;

	if (ns[HULL_NS_USER].present)
		return hull_errf(err, ENOTSUP, "linux.namespaces[%u]: user namespaces are not supported yet",
				 ns[HULL_NS_USER].index);
	if (ns[HULL_NS_TIME].present)
		return hull_errf(err, ENOTSUP, "linux.namespaces[%u]: time namespaces are not supported yet",
				 ns[HULL_NS_TIME].index);
	/* Sharing the host's mount table would let pivot_root and every mount
	 * land on the host (runc refuses it too). */
	if (!ns[HULL_NS_MOUNT].present)
		return hull_errf(err, EINVAL, "linux.namespaces: a mount namespace is required");
	/* sethostname in a shared uts namespace would rename the host. */
	if ((spec->hostname || spec->domainname) && !ns[HULL_NS_UTS].present)
		return hull_errf(err, EINVAL, "%s: needs a uts namespace",
				 spec->hostname ? "hostname" : "domainname");

	for (int t = 0; t < HULL_NS_TYPES; t++) {
		if (!ns[t].present)
			continue;
		if (ns[t].path) {
			int fd = open_ns((enum hull_ns_type)t, &ns[t], err);
			if (fd < 0) {
				hull_ns_plan_release(plan);
				return fd;
			}
			plan->join_fd[t] = fd;
		} else if (t == HULL_NS_CGROUP) {
			plan->unshare_cgroup = true;
		} else {
			plan->clone_flags |= hull_ns_type_flag((enum hull_ns_type)t);
		}
	}
	return 0;
}

void hull_ns_plan_release(struct hull_ns_plan *plan)
{
	for (int t = 0; t < HULL_NS_TYPES; t++) {
		if (plan->join_fd[t] >= 0)
			close(plan->join_fd[t]);
		plan->join_fd[t] = -1;
	}
}
