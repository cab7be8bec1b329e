/* pause and resume: the v1 freezer or cgroup.freeze, whichever hierarchy
 * freezes (v1 first on a hybrid host, as kill_all does). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

#define FREEZE_WAIT_MS 2000

static const struct hull_cg_backend *freezer(struct hull_cgroup *cg, struct hull_cg_hier **h)
{
	if ((*h = hull_cg_v1_backend.freezer(cg)))
		return &hull_cg_v1_backend;
	if ((*h = hull_cg_v2_backend.freezer(cg)))
		return &hull_cg_v2_backend;
	return NULL;
}

static bool events_frozen(const char *s)
{
	const char *f = strstr(s, "frozen ");
	return f && (f == s || f[-1] == '\n') && f[7] == '1';
}

/* cgroup v2 tells when the state is reached: cgroup.events changes and
 * polls POLLPRI, so no sleeping. */
static int v2_freeze(struct hull_cg_hier *h, bool frozen, struct hull_err *err)
{
	char label[512];
	_cleanup_close_ int fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "%s: cgroup.events", hull_cg_label(h, label, sizeof(label)));
	int r = hull_cg_write(h, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	uint64_t deadline = hull_now_ns() + FREEZE_WAIT_MS * 1000000ull;
	for (;;) {
		char buf[256];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return hull_syserr(err, errno, "%s: cgroup.events", hull_cg_label(h, label, sizeof(label)));
		buf[n] = 0;
		if (events_frozen(buf) == frozen)
			return 0;
		uint64_t now = hull_now_ns();
		if (now >= deadline) {
			if (frozen)
				hull_cg_try_write(h, "cgroup.freeze", "0");
			return hull_errf(err, ETIMEDOUT, "%s: cgroup.freeze=%d: not %s after %d s",
					 hull_cg_label(h, label, sizeof(label)), frozen,
					 frozen ? "frozen" : "thawed", FREEZE_WAIT_MS / 1000);
		}
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		if (poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) < 0 && errno != EINTR)
			return hull_syserr(err, errno, "%s: poll cgroup.events", hull_cg_label(h, label, sizeof(label)));
	}
}

int hull_cgroup_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	struct hull_cg_hier *h;
	if (cg->joined)
		return hull_errf(err, EPERM, "cgroups: the container joined a cgroup that is not hull's "
				 "(org.hull.cgroups.join): freezing it would freeze other processes");
	const struct hull_cg_backend *b = cg->warning ? NULL : freezer(cg, &h);
	if (!b)
		return hull_errf(err, ENOTSUP, "cgroups: no freezer (neither the v1 freezer controller nor cgroup v2)");
	if (b == &hull_cg_v2_backend)
		return v2_freeze(h, frozen, err);
	return b->freeze(h, frozen, err);
}

int hull_cgroup_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	*frozen = false;
	struct hull_cg_hier *h;
	const struct hull_cg_backend *b = cg->warning ? NULL : freezer(cg, &h);
	return b ? b->frozen(h, frozen, err) : 0;
}
