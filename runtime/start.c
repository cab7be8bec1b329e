#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "hooks.h"
#include "lifecycle.h"

int hull_start(struct hull_container *c, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	enum hull_status s = hull_container_status(c, NULL);
	if (s != HULL_STATUS_CREATED)
		return hull_errf(err, EINVAL, "container %s is not in created state: %s", c->id,
				 hull_status_name(s));
	/* No reader means the init is gone: open fails with ENXIO instead of blocking. */
	_cleanup_close_ int fd = openat(c->dirfd, HULL_FIFO_FILE, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			return hull_errf(err, ESRCH, "container %s: its init has exited", c->id);
		return hull_syserr(err, errno, "%s/%s", c->dir, HULL_FIFO_FILE);
	}
	int r = hull_write_all(fd, "0", 1);
	if (r < 0)
		return hull_syserr(err, -r, "container %s: release the init", c->id);
	/* The init's read end is the fifo's last and is close-on-exec: POLLERR
	 * (no reader left) says the process was executed (or the init died),
	 * which runtime.md wants before poststart and before start returns. */
	struct pollfd p = { .fd = fd, .events = 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	if (unlinkat(c->dirfd, HULL_FIFO_FILE, 0) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "%s/%s", c->dir, HULL_FIFO_FILE);
	hull_hooks_run_saved(c, HULL_HOOK_POSTSTART, "running");
	return 0;
}
