#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "caps.h"
#include "cleanup.h"
#include "console.h"
#include "init.h"
#include "net.h"
#include "process.h"
#include "seccomp.h"
#include "security.h"
#include "sync.h"

static _Noreturn void fail(const struct hull_init_args *a, const struct hull_err *err)
{
	hull_sync_send(a->sync_fd, HULL_SYNC_ERROR, err->msg[0] ? err->msg : "container init failed", -1);
	_exit(1);
}

static int join_keyring(const char *id, struct hull_err *err)
{
	/* A fresh session keyring, so the container cannot read the host's keys. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, id) < 0 && errno != ENOSYS)
		return hull_syserr(err, errno, "session keyring %s", id);
	return 0;
}

/* Blocks until `hull start` writes its byte into exec.fifo. */
static int wait_for_start(int fifo_fd, struct hull_err *err)
{
	struct pollfd pfd = { .fd = fifo_fd, .events = POLLIN };
	for (;;) {
		int r = poll(&pfd, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hull_syserr(err, errno, "exec.fifo: poll");
		char b;
		ssize_t n = read(fifo_fd, &b, 1);
		if (n == 1)
			return 0;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		/* A writer came and went without the byte: start was aborted. */
		return hull_errf(err, EPIPE, "exec.fifo: start went away");
	}
}

_Noreturn void hull_init_run(const struct hull_init_args *a)
{
	struct hull_err err = {0};
	const struct hull_process *p = &a->spec->process;
	char type, host_pid[16];

	/* Into our v1 cgroups by ourselves: see hull_cgroup_attach_fds. */
	for (size_t i = 0; i < a->n_cgroup_tasks_fds; i++) {
		if (write(a->cgroup_tasks_fds[i], "0", 1) != 1) {
			hull_syserr(&err, errno, "cgroup: move the init into its cgroup");
			fail(a, &err);
		}
		close(a->cgroup_tasks_fds[i]);
	}
	if (hull_sync_send(a->sync_fd, HULL_SYNC_IN_CGROUP, NULL, -1) < 0)
		_exit(1);
	if (hull_sync_recv(a->sync_fd, &type, host_pid, sizeof(host_pid), NULL) < 0 ||
	    type != HULL_SYNC_GO)
		_exit(1);
	/* Our pid as the hooks' state names it: in a pid namespace, getpid() says 1. */
	a->hooks->state.pid = (pid_t)strtol(host_pid, NULL, 10);
	/* Until it execs, the init runs hull's binary: no process of the
	 * container may open /proc/PID/exe or mem (CVE-2019-5736). Not
	 * earlier: an unprivileged parent writes our id maps before GO. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		_exit(1);
	if (hull_ns_join(a->plan, &err) < 0 || hull_ns_unshare_cgroup(a->plan, &err) < 0)
		fail(a, &err);
	/* As runc and crun: a new netns has its loopback up (hull's own
	 * networking did it already from the parent). */
	if ((a->plan->clone_flags & CLONE_NEWNET) && !hull_net_wanted(a->spec) &&
	    hull_net_loopback_up(&err) < 0)
		fail(a, &err);
	if (setsid() < 0) {
		hull_syserr(&err, errno, "setsid");
		fail(a, &err);
	}
	if (!a->no_new_keyring && join_keyring(a->id, &err) < 0)
		fail(a, &err);
	if (hull_rootfs_setup(a->spec, a->rootfs, &err) < 0 || hull_uts_setup(a->spec, &err) < 0)
		fail(a, &err);
	if (p->terminal) {
		_cleanup_close_ int master = hull_console_setup(p, &err);
		if (master < 0)
			fail(a, &err);
		if (a->console_fd >= 0) {
			if (hull_console_send(a->console_fd, master, &err) < 0)
				fail(a, &err);
			close(a->console_fd);
		} else if (a->relay_pty && hull_sync_send(a->sync_fd, HULL_SYNC_PTY, NULL, master) < 0) {
			_exit(1);
		}
	}
	_cleanup_free_ char *exe = NULL;
	if (hull_process_prepare(p, &err) < 0 || hull_security_apply(a->spec, &err) < 0)
		fail(a, &err);
	/* seccomp loads here without no_new_privs: that takes CAP_SYS_ADMIN, so before the caps go. */
	if (!p->no_new_privileges && hull_seccomp_load(a->seccomp, a->sync_fd, &err) < 0)
		fail(a, &err);
	if (hull_caps_drop_bounding(a->caps, &err) < 0 || hull_process_switch_user(p, &err) < 0 ||
	    hull_caps_apply(a->caps, &err) < 0)
		fail(a, &err);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		hull_syserr(&err, errno, "process.noNewPrivileges");
		fail(a, &err);
	}
	if (hull_process_find_exec(p, &exe, &err) < 0)
		fail(a, &err);
	/* seccomp loads here with no_new_privs (set before it): as late as it can
	 * and still report a failure, so the profile need allow few of hull's calls. */
	if (p->no_new_privileges && hull_seccomp_load(a->seccomp, a->sync_fd, &err) < 0)
		fail(a, &err);

	/* `create` exits once we are ready; we must outlive it. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (hull_sync_send(a->sync_fd, HULL_SYNC_READY, NULL, -1) < 0)
		_exit(1);
	close(a->sync_fd);

	if (wait_for_start(a->fifo_fd, &err) < 0 ||
	    hull_hooks_run(a->spec, HULL_HOOK_START_CONTAINER, &a->hooks->state, "created", &err) < 0 ||
	    hull_process_fds(a->preserve_fds, &err) < 0) {
		dprintf(STDERR_FILENO, "hull: %s\n", err.msg);
		_exit(127);
	}
	hull_process_exec(p, exe, &err);
	dprintf(STDERR_FILENO, "hull: %s\n", err.msg);
	_exit(127);
}
