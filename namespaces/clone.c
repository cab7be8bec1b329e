/* The one way into a container, for the init and for exec: a short-lived
 * helper, invisible to the container (it stays in hull's pid namespace),
 * is born in the container's cgroup, closes every fd the child must not
 * have, enters the namespaces the child must be born in, and clones the
 * child as hull's own (CLONE_PARENT). The child is therefore born with
 * nothing of the host but what it is handed: no cgroup directory, no
 * pidfd, no state dir. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/sched.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "internal.h"

#define MSG_PID 'I'
#define MSG_GO 'G'

/* clone3, with the clone(2) fallback of kernels before 5.3. cgroup_fd >= 0:
 * born in that v2 cgroup when the kernel takes it (*into says so). */
static pid_t clone_into(uint64_t flags, int cgroup_fd, bool *into)
{
	struct clone_args args = {
		.flags = flags,
		/* CLONE_PARENT takes the caller's own exit signal; clone3
		   refuses one given with it */
		.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD,
	};
	*into = false;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
		long pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*into = true;
			return (pid_t)pid;
		}
		/* Before 5.7, or a cgroup the kernel will not put us in this way:
		 * the caller attaches the helper instead. */
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		/* With no stack the child runs on a copy of ours, as after
		 * fork(); s390 takes the stack first. */
		unsigned long f = (unsigned long)flags | (flags & CLONE_PARENT ? 0 : SIGCHLD);
#if defined(__s390__) || defined(__s390x__)
		pid = syscall(SYS_clone, NULL, f, NULL, NULL, 0);
#else
		pid = syscall(SYS_clone, f, NULL, NULL, NULL, 0);
#endif
	}
	return (pid_t)pid;
}

/* Dies with hull, race-free: hull's end of the socket is closed once it
 * has died, which a hangup tells across pid namespaces (POLLIN is not
 * asked for: hull may have written already). */
static void bind_to_parent(int sock)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };
	if (poll(&p, 1, 0) != 0)
		_exit(1);
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Closes every fd from 3 up but those listed and those below keep_below. */
static int close_others(const struct hull_spawn *s, int sock)
{
	int keep[64];
	size_t n = 0;
	if (sock >= 0)
		keep[n++] = sock;
	if (s->join_pidfd >= 0)
		keep[n++] = s->join_pidfd;
	if (s->userns_fd >= 0)
		keep[n++] = s->userns_fd;
	if (s->pidns_fd >= 0)
		keep[n++] = s->pidns_fd;
	for (size_t i = 0; i < s->n_keep && n < sizeof(keep) / sizeof(keep[0]); i++)
		if (s->keep[i] >= 0)
			keep[n++] = s->keep[i];
	if (n == sizeof(keep) / sizeof(keep[0]))
		return -E2BIG;
	qsort(keep, n, sizeof(keep[0]), cmp_int);
	unsigned from = (unsigned)(s->keep_below > 3 ? s->keep_below : 3);
	for (size_t i = 0; i <= n; i++) {
		unsigned to = i < n ? (unsigned)keep[i] : ~0U;
		if (i < n && (unsigned)keep[i] < from)
			continue;
		if (to > from && syscall(SYS_close_range, from, to - 1, 0) < 0)
			return -errno;
		if (i < n)
			from = (unsigned)keep[i] + 1;
	}
	return 0;
}

static _Noreturn void helper_fail(int sock, int e, const char *what)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
	hull_sync_send(sock, HULL_SYNC_ERROR, msg, -1);
	_exit(1);
}

/* The child, born straight into a new pid namespace where nothing else
 * runs: it moves into its v1 cgroups and closes hull's fds before any
 * other process can exist there to see them. Errors go to hull over the
 * child's own socket. */
static pid_t direct_child(const struct hull_spawn *s)
{
	bind_to_parent(s->parent_fd);
	for (size_t i = 0; i < s->n_tasks_fds; i++)
		if (write(s->tasks_fds[i], "0", 1) != 1)
			helper_fail(s->parent_fd, errno, "cgroup: enter the container's cgroup");
	int r = close_others(s, -1);
	if (r < 0)
		helper_fail(s->parent_fd, -r, "close hull's own fds");
	return 0;
}

/* No helper is needed when the child is born into a pid namespace of its
 * own and joins nothing first: it is alone there until it has cleaned up. */
static bool needs_helper(const struct hull_spawn *s)
{
	return s->join_pidfd >= 0 || s->userns_fd >= 0 || s->pidns_fd >= 0 || !(s->clone_flags & CLONE_NEWPID);
}

static pid_t spawn_direct(const struct hull_spawn *s, struct hull_err *err)
{
	bool into;
	pid_t pid = clone_into((uint64_t)(unsigned)s->clone_flags, s->cgroup_fd, &into);
	if (pid == 0)
		return direct_child(s);
	if (pid < 0)
		return hull_syserr(err, errno, "clone");
	/* Not born in the v2 cgroup: the child does nothing there before
	 * hull's next message, so attaching it now is in time. */
	int r = s->cgroup_fd >= 0 && !into ? s->attach(s->attach_data, pid, err) : 0;
	if (r < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return r;
	}
	return pid;
}

/* The helper: returns 0 in the child it made; never returns itself. */
static pid_t helper_run(const struct hull_spawn *s, int sock, bool wait_go)
{
	bind_to_parent(sock);
	char type;
	if (wait_go && (hull_sync_recv(sock, &type, NULL, 0, NULL) < 0 || type != MSG_GO))
		_exit(1);
	/* Into our v1 cgroups by ourselves: a task moving itself skips the
	 * cgroup_threadgroup_rwsem write lock (see cgroups.h). The child is
	 * born where we are. */
	for (size_t i = 0; i < s->n_tasks_fds; i++)
		if (write(s->tasks_fds[i], "0", 1) != 1)
			helper_fail(sock, errno, "cgroup: enter the container's cgroup");
	int r = close_others(s, sock);
	if (r < 0)
		helper_fail(sock, -r, "close hull's own fds");
	if (s->join_pidfd >= 0) {
		if (setns(s->join_pidfd, s->join_flags) < 0)
			helper_fail(sock, errno, "join the container's namespaces");
		close(s->join_pidfd);
	}
	/* setns(CLONE_NEWPID) only moves our children; a joined user namespace
	 * then owns every namespace the clone creates. */
	if (s->pidns_fd >= 0) {
		if (setns(s->pidns_fd, CLONE_NEWPID) < 0)
			helper_fail(sock, errno, "linux.namespaces[pid]: setns");
		close(s->pidns_fd);
	}
	if (s->userns_fd >= 0) {
		if (setns(s->userns_fd, CLONE_NEWUSER) < 0)
			helper_fail(sock, errno, "linux.namespaces[user]: setns");
		close(s->userns_fd);
	}
	bool into;
	pid_t pid = clone_into((uint64_t)(unsigned)s->clone_flags | CLONE_PARENT, -1, &into);
	if (pid == 0) {
		close(sock);
		bind_to_parent(s->parent_fd);
		return 0;
	}
	if (pid < 0)
		helper_fail(sock, errno, "clone");
	char buf[16];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	_exit(hull_sync_send(sock, MSG_PID, buf, -1) < 0);
}

static pid_t await_pid(int sock, pid_t helper, struct hull_err *err)
{
	char type, msg[HULL_ERR_MAX];
	int r = hull_sync_recv(sock, &type, msg, sizeof(msg), NULL);
	int status = 0;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (r == -EPIPE && WIFSIGNALED(status))
		return hull_errf(err, EINTR, "the process entering the container was killed by signal %d",
				 WTERMSIG(status));
	if (r < 0)
		return hull_syserr(err, -r, "enter the container");
	if (type == HULL_SYNC_ERROR)
		return hull_errf(err, EIO, "%s", msg);
	char *end;
	long pid = strtol(msg, &end, 10);
	if (type != MSG_PID || *end || pid <= 0 || pid > INT32_MAX)
		return hull_errf(err, EPROTO, "enter the container: bad message '%c'", type);
	return (pid_t)pid;
}

pid_t hull_spawn(const struct hull_spawn *s, struct hull_err *err)
{
	if (!needs_helper(s))
		return spawn_direct(s, err);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return hull_syserr(err, errno, "socketpair");
	bool into;
	pid_t helper = clone_into(0, s->cgroup_fd, &into);
	if (helper == 0) {
		close(sv[0]);
		return helper_run(s, sv[1], s->cgroup_fd >= 0 && !into);
	}
	int e = errno;
	close(sv[1]);
	_cleanup_close_ int sock = sv[0];
	if (helper < 0)
		return hull_syserr(err, e, "clone");
	/* Not born in the v2 cgroup: attached the slow way before it clones. */
	if (s->cgroup_fd >= 0 && !into) {
		int r = s->attach(s->attach_data, helper, err);
		if (r == 0 && hull_sync_send(sock, MSG_GO, NULL, -1) < 0)
			r = hull_errf(err, EPIPE, "enter the container: the helper died");
		if (r < 0) {
			kill(helper, SIGKILL);
			while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
				;
			return r;
		}
	}
	return await_pid(sock, helper, err);
}
