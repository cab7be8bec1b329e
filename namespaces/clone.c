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

/* cgroup_fd >= 0: born in that v2 cgroup (CLONE_INTO_CGROUP), when the
 * kernel takes it; *into tells. */
static pid_t clone_into(int flags, int cgroup_fd, bool *into)
{
	struct clone_args args = {
		.flags = (uint64_t)(unsigned)flags,
		/* CLONE_PARENT takes the caller's own exit signal; clone3
		   refuses one given with it */
		.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD,
	};
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*into = true;
			return (pid_t)pid;
		}
		/* Before 5.7, or a cgroup the kernel will not put us in this way:
		 * the caller writes cgroup.procs instead. */
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
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

static pid_t raw_clone(int flags)
{
	bool into = false;
	return clone_into(flags, -1, &into);
}

/* A joined user namespace must own what the clone creates, and hull cannot
 * enter it and come back: a helper enters it, clones the init as hull's own
 * child (CLONE_PARENT), reports its pid and exits. Returns as raw_clone. */
static pid_t clone_in_userns(int userns_fd, int pidns_fd, int flags)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t helper = raw_clone(0);
	if (helper < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (helper == 0) {
		close(p[0]);
		int msg;
		/* The helper itself stays in our pid namespace, so the pid it
		   reports is one we can use. */
		if ((pidns_fd >= 0 && setns(pidns_fd, CLONE_NEWPID) < 0) ||
		    setns(userns_fd, CLONE_NEWUSER) < 0) {
			msg = -errno;
		} else {
			pid_t pid = raw_clone(flags | CLONE_PARENT);
			if (pid == 0) {
				close(p[1]);
				return 0;
			}
			msg = pid < 0 ? -errno : (int)pid;
		}
		ssize_t n = write(p[1], &msg, sizeof(msg));
		_exit(n == sizeof(msg) ? 0 : 1);
	}
	close(p[1]);
	int msg = -EPIPE;
	ssize_t n;
	do
		n = read(p[0], &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n != sizeof(msg))
		msg = -EPIPE;
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	if (msg < 0) {
		errno = -msg;
		return -1;
	}
	return msg;
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

pid_t hull_ns_clone(const struct hull_ns_plan *plan, int cgroup_fd, bool *into_cgroup,
		    struct hull_err *err)
{
	*into_cgroup = false;
	pid_t parent = getpid();
	_cleanup_close_ int parent_pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
	_cleanup_close_ int own_pidns = -1;
	int pidns_fd = plan->join_fd[HULL_NS_PID];

	int userns_fd = plan->join_fd[HULL_NS_USER];
	if (pidns_fd >= 0 && userns_fd < 0) {
		/* setns(CLONE_NEWPID) only moves our future children: enter for
		 * the clone, then come back through a handle on our own. */
		own_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns < 0)
			return hull_syserr(err, errno, "/proc/self/ns/pid");
		if (setns(pidns_fd, CLONE_NEWPID) < 0)
			return hull_syserr(err, errno, "%s: setns", hull_ns_label(HULL_NS_PID));
	}

	pid_t pid = userns_fd >= 0 ? clone_in_userns(userns_fd, pidns_fd, plan->clone_flags)
				   : clone_into(plan->clone_flags, cgroup_fd, into_cgroup);
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
