/* OOM notification. v1: an eventfd registered through cgroup.event_control
 * on memory.oom_control (the kernel signals it on each OOM). v2: inotify on
 * memory.events, which the kernel touches on each event, and the oom_kill
 * counter tells the OOM kills apart from the other events. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

static struct hull_cg_hier *memory_hier(struct hull_cgroup *cg, struct hull_err *err)
{
	struct hull_cg_hier *h = cg->warning ? NULL : hull_cg_find(cg, "memory");
	if (!h || h->dirfd < 0) {
		hull_errf(err, ENOTSUP, "cgroups: the container has no memory cgroup");
		return NULL;
	}
	return h;
}

static int oom_kills(struct hull_cg_hier *h, uint64_t *count, struct hull_err *err)
{
	_cleanup_free_ char *s = NULL;
	int r = hull_cg_read(h, h->v2 ? "memory.events" : "memory.oom_control", &s, err);
	if (r < 0)
		return r;
	*count = 0;
	for (const char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "oom_kill ", 9)) {
			*count = strtoull(l + 9, NULL, 10);
			break;
		}
	return 0;
}

int hull_cgroup_oom_kills(struct hull_cgroup *cg, uint64_t *count)
{
	*count = 0;
	struct hull_cg_hier *h = cg->warning ? NULL : memory_hier(cg, NULL);
	return h ? oom_kills(h, count, NULL) : -ENOTSUP;
}

int hull_cgroup_oom_fd(struct hull_cgroup *cg, uint64_t *count, struct hull_err *err)
{
	char label[512];
	struct hull_cg_hier *h = memory_hier(cg, err);
	if (!h)
		return -ENOTSUP;
	int r = oom_kills(h, count, err);
	if (r < 0)
		return r;
	if (h->v2) {
		_cleanup_close_ int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (fd < 0)
			return hull_syserr(err, errno, "inotify_init1");
		/* inotify takes a path; the dirfd names this very directory. */
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d/memory.events", h->dirfd);
		if (inotify_add_watch(fd, path, IN_MODIFY) < 0)
			return hull_syserr(err, errno, "%s: watch memory.events", hull_cg_label(h, label, sizeof(label)));
		return steal_fd(fd);
	}
	_cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return hull_syserr(err, errno, "eventfd");
	/* The kernel keeps its own reference: this fd may close after. */
	_cleanup_close_ int ofd = openat(h->dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return hull_syserr(err, errno, "%s: memory.oom_control", hull_cg_label(h, label, sizeof(label)));
	r = hull_cg_writef(h, "cgroup.event_control", err, "%d %d", efd, ofd);
	if (r < 0)
		return r;
	return steal_fd(efd);
}

int hull_cgroup_oom_events(struct hull_cgroup *cg, int fd, uint64_t *count, uint64_t *n,
			   struct hull_err *err)
{
	*n = 0;
	struct hull_cg_hier *h = memory_hier(cg, err);
	if (!h)
		return -ENOTSUP;
	if (!h->v2) {
		uint64_t v;
		if (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
			*n = v;
		else if (errno != EAGAIN)
			return hull_syserr(err, errno, "eventfd: read");
		/* Keep the kill count current too, for the caller's report. */
		oom_kills(h, count, NULL);
		return 0;
	}
	char buf[4096];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	uint64_t now;
	int r = oom_kills(h, &now, err);
	if (r == -ENOENT || r == -ENODEV)
		return 0;	/* the cgroup went: no more events */
	if (r < 0)
		return r;
	if (now > *count)
		*n = now - *count;
	*count = now;
	return 0;
}
