/* `hull start`: the init waits on start.sock (accept, then one message);
 * what it answers is the start's result. It sends its error, if it fails
 * before execve; the connection closes with success when the execve
 * closes its end (close-on-exec). runtime.md wants the process executed
 * before poststart and before start returns; a poststart hook that fails
 * stops the container and fails start. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "hooks.h"
#include "lifecycle.h"
#include "notify.h"

static int connect_init(struct hull_container *c, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Through the state dir's fd: its path may be longer than sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", c->dirfd, HULL_START_FILE);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "container %s: socket", c->id);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			return hull_errf(err, ESRCH, "container %s: its init has exited", c->id);
		return hull_syserr(err, errno, "%s/%s", c->dir, HULL_START_FILE);
	}
	return steal_fd(fd);
}

/* After a failed poststart hook: the container is stopped, as 1.3 says. */
/* Killed and seen dead (bounded), so that the state start leaves says
 * stopped. */
static void stop(struct hull_container *c)
{
	struct hull_err ignore = { 0 };
	_cleanup_close_ int pidfd = hull_pidfd_open(c->st.pid);
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	if (hull_container_cgroup(c, &cg, &ignore) == 0)
		hull_cgroup_kill_all(cg, SIGKILL, -1, &ignore);
	hull_signal(c, SIGKILL, false, &ignore);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	if (pidfd >= 0)
		while (poll(&p, 1, HULL_KILL_WAIT_MS) < 0 && errno == EINTR)
			;
}

int hull_start(struct hull_container *c, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	enum hull_status s = hull_container_status(c, NULL);
	if (s != HULL_STATUS_CREATED)
		return hull_errf(err, EINVAL, "container %s is not in created state: %s", c->id,
				 hull_status_name(s));
	_cleanup_close_ int fd = connect_init(c, err);
	if (fd < 0)
		return fd;
	/* Gone from now on: the container is no longer "created". */
	if (unlinkat(c->dirfd, HULL_START_FILE, 0) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "%s/%s", c->dir, HULL_START_FILE);
	if (hull_sync_send(fd, HULL_SYNC_GO, NULL, -1) < 0)
		return hull_errf(err, ESRCH, "container %s: its init has exited", c->id);
	char type, msg[HULL_ERR_MAX];
	int r = hull_sync_recv(fd, &type, msg, sizeof(msg), NULL);
	if (r == 0 && type == HULL_SYNC_ERROR)
		return hull_errf(err, EIO, "container %s: %s", c->id, msg);
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return hull_syserr(err, -r, "container %s: wait for the process", c->id);
	struct hull_err herr = { 0 };
	if (hull_hooks_run_saved(c, HULL_HOOK_POSTSTART, "running", &herr) < 0) {
		stop(c);
		return hull_errf(err, EIO, "container %s: %s; the container is stopped", c->id, herr.msg);
	}
	return 0;
}

int hull_start_notify(struct hull_container *c, const char *notify_host, struct hull_err *err)
{
	_cleanup_close_ int sock = notify_host ? hull_notify_listen(c, err) : -ENOENT;
	if (sock < 0 && sock != -ENOENT)
		return sock;
	int r = hull_start(c, err);
	if (r < 0 || sock < 0)
		return r;
	_cleanup_close_ int pidfd = -1;
	if (hull_container_status(c, &pidfd) == HULL_STATUS_STOPPED || pidfd < 0)
		return 0;	/* gone already: nothing will be ready */
	/* kill, pause and delete may come in while the container gets ready */
	flock(c->dirfd, LOCK_UN);
	c->locked = false;
	return hull_notify_relay(sock, notify_host, c->st.pid, pidfd, err);
}
