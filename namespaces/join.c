/* Child side: the user namespace's root, the time namespace, joined
 * namespaces and the late cgroup unshare. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The init came in with the host's ids; files it creates while it sets the
 * container up must belong to the namespace's root (an unmapped fsuid gets
 * EOVERFLOW), and only the namespace's root keeps its capabilities across
 * execve. As runc's nsexec: setresuid(0) right after the maps are there. */
static int become_root(struct hull_err *err)
{
	if (setresgid(0, 0, 0) < 0)
		return hull_syserr(err, errno, "%s: become its gid 0", hull_ns_label(HULL_NS_USER));
	if (setresuid(0, 0, 0) < 0)
		return hull_syserr(err, errno, "%s: become its uid 0", hull_ns_label(HULL_NS_USER));
	/* A change of ids clears the parent-death signal; the sync socket
	 * tells us if the parent died in between. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return 0;
}

static int write_time_offsets(const struct hull_ns_plan *plan, struct hull_err *err)
{
	size_t len = strlen(plan->time_offsets);
	if (!len)
		return 0;
	_cleanup_close_ int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "linux.timeOffsets: /proc/self/timens_offsets");
	ssize_t n;
	do
		n = write(fd, plan->time_offsets, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hull_syserr(err, errno, "linux.timeOffsets: write /proc/self/timens_offsets");
	if ((size_t)n != len)
		return hull_errf(err, EIO, "linux.timeOffsets: short write to /proc/self/timens_offsets");
	return 0;
}

/* unshare() makes the time namespace for the init's children only, so the
 * offsets can still be written: the kernel takes them only while the
 * namespace has no process. Then the init enters it with setns(): Linux
 * 6.1 (Debian 12) does not move a process there at execve, newer kernels
 * do, and an init left in the host's time namespace would run the
 * container's process there. */
static int enter_time(const struct hull_ns_plan *plan, struct hull_err *err)
{
	if (unshare(CLONE_NEWTIME) < 0)
		return hull_syserr(err, errno, "%s: unshare", hull_ns_label(HULL_NS_TIME));
	if (write_time_offsets(plan, err) < 0)
		return -EINVAL;
	_cleanup_close_ int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
		return hull_syserr(err, errno, "%s: enter", hull_ns_label(HULL_NS_TIME));
	return 0;
}

int hull_ns_join(const struct hull_ns_plan *plan, struct hull_err *err)
{
	/* The pid and user namespaces were entered for us by hull_ns_clone;
	 * mount goes last because setns into it changes how every other path
	 * resolves. */
	static const enum hull_ns_type order[] = {
		HULL_NS_IPC, HULL_NS_UTS, HULL_NS_NETWORK, HULL_NS_CGROUP, HULL_NS_TIME, HULL_NS_MOUNT,
	};
	int r;
	/* Time first: /proc/self of a process that is not dumpable (hull as
	 * root makes itself so) belongs to the host's root, which we stop
	 * being in become_root. */
	if (plan->unshare_time && (r = enter_time(plan, err)) < 0)
		return r;
	if (plan->user_ns && (r = become_root(err)) < 0)
		return r;
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
