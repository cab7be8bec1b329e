#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../base/trace.h"
#include "enter.h"
#include "init.h"
#include "lsm.h"
#include "net.h"

static _Noreturn void fail(const struct hull_init_args *a, const struct hull_err *err)
{
	hull_sync_send(a->sync_fd, HULL_SYNC_ERROR, err->msg[0] ? err->msg : "container init failed", -1);
	_exit(1);
}

static int join_keyring(const char *id, const struct hull_process *p, struct hull_err *err)
{
	if (hull_lsm_keyring_label(p, err) < 0)
		return err->code;
	/* A fresh session keyring, so the container cannot read the host's keys. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, id) < 0 && errno != ENOSYS)
		return hull_syserr(err, errno, "session keyring %s", id);
	return 0;
}

/* Blocks until `hull start` connects to start.sock and says go; the
 * connection is where the rest of our errors go (close-on-exec: our
 * execve closes it, which `start` reads as success). */
static int wait_for_start(int listener, int *conn, struct hull_err *err)
{
	int fd;
	do
		fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return hull_syserr(err, errno, "start.sock: accept");
	close(listener);
	*conn = fd;
	char type;
	if (hull_sync_recv(fd, &type, NULL, 0, NULL) < 0 || type != HULL_SYNC_GO)
		return hull_errf(err, EPIPE, "start.sock: start went away");
	return 0;
}

/* The init's last steps before its seccomp and execve: ready, then held
 * until `hull start`, then the startContainer hooks. */
static int await_start(void *data, int *report_fd, struct hull_err *err)
{
	const struct hull_init_args *a = data;
	char timing[1024];
	hull_trace_format(timing, sizeof(timing));
	if (hull_sync_send(a->sync_fd, HULL_SYNC_READY, timing, -1) < 0)
		_exit(1);
	close(a->sync_fd);
	*report_fd = -1;
	int r = wait_for_start(a->start_fd, report_fd, err);
	if (r == 0)
		r = hull_hooks_run(a->spec, HULL_HOOK_START_CONTAINER, &a->hooks->state, "created", err);
	return r;
}

_Noreturn void hull_init_run(const struct hull_init_args *a)
{
	struct hull_err err = {0};
	char type, host_pid[16];

	if (hull_sync_recv(a->sync_fd, &type, host_pid, sizeof(host_pid), NULL) < 0 ||
	    type != HULL_SYNC_GO)
		_exit(1);
	if (hull_trace_on())
		hull_trace_start();	/* the init's own steps, from GO */
	/* Our pid as the hooks' state names it: in a pid namespace, getpid() says 1. */
	a->hooks->state.pid = (pid_t)strtol(host_pid, NULL, 10);
	/* No process of the container may open /proc/PID/exe, mem or fd of
	 * ours. Not earlier: an unprivileged parent writes our id maps before
	 * GO. */
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		_exit(1);
	if (hull_ns_join(a->plan, &err) < 0 || hull_ns_unshare_cgroup(a->plan, &err) < 0)
		fail(a, &err);
	/* As runc and crun: a new netns has its loopback up (hull's own
	 * networking did it already from the parent). */
	if ((a->plan->clone_flags & CLONE_NEWNET) && !hull_net_wanted(a->spec) &&
	    hull_net_loopback_up(&err) < 0)
		fail(a, &err);
	if (!a->no_new_keyring && join_keyring(a->id, &a->spec->process, &err) < 0)
		fail(a, &err);
	hull_trace("namespaces");
	if (hull_rootfs_setup(a->spec, a->rootfs, &err) < 0 || hull_uts_setup(a->spec, &err) < 0)
		fail(a, &err);
	if (a->rootfs->idmap_fds)
		hull_idmap_release((int *)a->rootfs->idmap_fds, a->spec->n_mounts);
	struct hull_enter e = {
		.spec = a->spec, .caps = a->caps, .seccomp = a->seccomp, .sync_fd = a->sync_fd,
		.preserve_fds = a->preserve_fds, .dev_console = true,
		.before_exec = await_start, .data = (void *)a,
	};
	hull_enter_container(&e);
}
