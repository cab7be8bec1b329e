/* Parent side: fork() with CLONE_NEW* flags. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "../runtime/cleanup.h"
#include "internal.h"

static pid_t raw_clone(int flags)
{
	struct clone_args args = {
		.flags = (uint64_t)(unsigned)flags,
		.exit_signal = SIGCHLD,
	};
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		/* Before 5.3. With no stack the child runs on a copy of ours, as
		 * after fork(); s390 takes the stack first. */
#if defined(__s390__) || defined(__s390x__)
		pid = syscall(SYS_clone, NULL, (unsigned long)flags | SIGCHLD, NULL, NULL, 0);
#else
		pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, 0);
#endif
	}
	return (pid_t)pid;
}

/* Child: dies with the parent. The parent may have died before the prctl;
 * its pidfd tells that across pid namespaces, where getppid() says 0. */
static void bind_to_parent(int parent_pidfd, pid_t parent, bool same_pidns)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	if (parent_pidfd >= 0) {
		struct pollfd p = { .fd = parent_pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) != 0)
			_exit(1);
	} else if (same_pidns && getppid() != parent) {
		_exit(1);
	}
}

pid_t hull_ns_clone(const struct hull_ns_plan *plan, struct hull_err *err)
{
	pid_t parent = getpid();
	_cleanup_close_ int parent_pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
	_cleanup_close_ int own_pidns = -1;
	int pidns_fd = plan->join_fd[HULL_NS_PID];

	if (pidns_fd >= 0) {
		/* setns(CLONE_NEWPID) only moves our future children: enter for
		 * the clone, then come back through a handle on our own. */
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0)
			return hull_syserr(err, errno, "/proc/self/ns/pid");
		if (setns(pidns_fd, CLONE_NEWPID) < 0)
			return hull_syserr(err, errno, "%s: setns", hull_ns_label(HULL_NS_PID));
	}

	pid_t pid = raw_clone(plan->clone_flags);
	int saved = errno;
	if (pid == 0) {
		bind_to_parent(parent_pidfd, parent,
			       pidns_fd < 0 && !(plan->clone_flags & CLONE_NEWPID));
		return 0;
	}
	if (own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0) {
		saved = errno;
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		return hull_syserr(err, saved, "%s: return to our own pid namespace",
				   hull_ns_label(HULL_NS_PID));
	}
	if (pid < 0)
		return hull_syserr(err, saved, "clone");
	return pid;
}
