/* The cgroups interface: one container's cgroup across every hierarchy,
 * dispatching resource work to the v1 and v2 backends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "internal.h"
#include "systemd.h"

/* How long destroy waits for killed processes to leave their cgroup. */
#define DESTROY_WAIT_NS (2ull * 1000 * 1000 * 1000)

const char *hull_cg_label(const struct hull_cg_hier *h, char *buf, size_t len)
{
	snprintf(buf, len, "cgroup %s %s", h->v2 ? "unified" : h->controllers, h->path);
	return buf;
}

int hull_cg_try_write(const struct hull_cg_hier *h, const char *file, const char *value)
{
	if (h->dirfd < 0)
		return -ENOENT;
	_cleanup_close_ int fd = openat(h->dirfd, file, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int hull_cg_write(const struct hull_cg_hier *h, const char *file, const char *value,
		  struct hull_err *err)
{
	int r = hull_cg_try_write(h, file, value);
	if (r < 0) {
		char label[512];
		return hull_syserr(err, -r, "%s: %s=%s", hull_cg_label(h, label, sizeof(label)), file, value);
	}
	return 0;
}

int hull_cg_writef(const struct hull_cg_hier *h, const char *file, struct hull_err *err,
		   const char *fmt, ...)
{
	_cleanup_free_ char *v = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		return hull_syserr(err, ENOMEM, "cgroup: %s", file);
	return hull_cg_write(h, file, v, err);
}

int hull_cg_read(const struct hull_cg_hier *h, const char *file, char **buf, struct hull_err *err)
{
	char label[512];
	if (h->dirfd < 0)
		return hull_syserr(err, ENOENT, "%s: %s", hull_cg_label(h, label, sizeof(label)), file);
	int r = hull_read_file_at(h->dirfd, file, buf, NULL, err);
	if (r < 0)
		hull_err_prefix(err, "%s", hull_cg_label(h, label, sizeof(label)));
	return r;
}

struct hull_cg_hier *hull_cg_v2(struct hull_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2)
			return &cg->h[i];
	return NULL;
}

struct hull_cg_hier *hull_cg_find(struct hull_cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2 && hull_cg_list_has(cg->h[i].controllers, controller))
			return &cg->h[i];
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	if (!v2)
		return NULL;
	if (!cg->v2_avail) {
		/* A loaded cgroup did not discover: ask the mount root. */
		_cleanup_close_ int fd = open(v2->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || hull_read_file_at(fd, "cgroup.controllers", &cg->v2_avail, NULL, NULL) < 0)
			return NULL;
		for (char *p = cg->v2_avail; *p; p++)
			if (*p == ' ' || *p == '\n')
				*p = ',';
	}
	return hull_cg_list_has(cg->v2_avail, controller) ? v2 : NULL;
}

/* The host's symlinks to co-mounted v1 hierarchies ("cpu" -> "cpu,cpuacct"). */
void hull_cg_find_links(struct hull_cgroup *cg)
{
	const struct hull_cg_hier *first = NULL;
	for (size_t i = 0; i < cg->n && !first; i++)
		if (!cg->h[i].v2)
			first = &cg->h[i];
	if (!first)
		return;
	_cleanup_free_ char *top = hull_xstrdup(first->mountpoint);
	char *slash = strrchr(top, '/');
	if (!slash || slash == top)
		return;
	*slash = 0;
	_cleanup_closedir_ DIR *d = opendir(top);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_LNK)
			continue;
		char target[256];
		ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		for (size_t i = 0; i < cg->n; i++) {
			const char *mp = cg->h[i].mountpoint;
			size_t tl = strlen(top);
			if (cg->h[i].v2 || strncmp(mp, top, tl) || mp[tl] != '/' || strcmp(mp + tl + 1, target))
				continue;
			cg->links = hull_xrealloc(cg->links, (cg->n_links + 1) * sizeof(*cg->links));
			cg->links[cg->n_links][0] = hull_xstrdup(de->d_name);
			cg->links[cg->n_links++][1] = hull_xstrdup(target);
			break;
		}
	}
}

void hull_cg_finish(struct hull_cgroup *cg)
{
	cg->mounts = hull_xcalloc(cg->n, sizeof(*cg->mounts));
	cg->n_mounts = 0;
	for (size_t i = 0; i < cg->n; i++) {
		const struct hull_cg_hier *h = &cg->h[i];
		const char *base = strrchr(h->mountpoint, '/');
		/* A hybrid host's container sees its v1 hierarchies only, as
		 * under runc (which mounts what mountinfo lists as "cgroup"):
		 * no /sys/fs/cgroup/unified inside. */
		if (cg->mode == HULL_CG_HYBRID && h->v2)
			continue;
		cg->mounts[cg->n_mounts++] = (struct hull_cgroup_mount){
			.name = cg->mode == HULL_CG_V2 ? "" : base ? base + 1 : h->mountpoint,
			.fstype = h->v2 ? "cgroup2" : "cgroup",
			.data = h->v2 ? NULL : h->controllers,
			.host_path = h->dir,
		};
	}
	cg->link_view = hull_xcalloc(cg->n_links, sizeof(*cg->link_view));
	for (size_t i = 0; i < cg->n_links; i++) {
		cg->link_view[i][0] = cg->links[i][0];
		cg->link_view[i][1] = cg->links[i][1];
	}
	free(cg->serialized);
	cg->serialized = hull_cg_serialize(cg);
}


/* runc's MemoryCheckBeforeUpdate: a limit below what the cgroup already
 * uses would have the kernel reclaim or OOM-kill at once. */
static int check_usage(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	const __typeof__(res->memory) *m = &res->memory;
	if (!m->present || !m->has_check_before_update || !m->check_before_update || !m->has_limit ||
	    m->limit <= 0)
		return 0;
	struct hull_cg_hier *h = hull_cg_find(cg, "memory");
	if (!h)
		return 0;
	_cleanup_free_ char *buf = NULL;
	const char *file = h->v2 ? "memory.current" : "memory.usage_in_bytes";
	int r = hull_cg_read(h, file, &buf, err);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = 0;
	uint64_t usage;
	if (hull_parse_u64(buf, &usage) < 0) {
		char label[512];
		return hull_errf(err, EINVAL, "%s: %s: not a number: \"%s\"", hull_cg_label(h, label, sizeof(label)),
				 file, buf);
	}
	if (usage > (uint64_t)m->limit)
		return hull_errf(err, EBUSY,
				 "linux.resources.memory.limit: %lld is below the current usage %llu (checkBeforeUpdate)",
				 (long long)m->limit, (unsigned long long)usage);
	return 0;
}

int hull_cgroup_update(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	if (cg->joined)
		return hull_errf(err, EPERM, "linux.resources: a joined cgroup (org.hull.cgroups.join) is not "
				 "hull's to limit");
	if (!res || !res->present)
		return 0;
	if (cg->m == &hull_cg_disabled_manager)
		return cg->m->update(cg, res, err);
	/* Device rules are accepted and ignored, as runc 1.1 does (the CRI sends them): see hull_cg_write_all. */
	int r = hull_cg_check_resources(cg, res, err);
	if (r == 0)
		r = check_usage(cg, res, err);
	if (r < 0)
		return r;
	cg->updating = true;
	r = cg->m->update(cg, res, err);
	cg->updating = false;
	return r;
}

int hull_cgroup_load(const char *serialized, struct hull_cgroup **out, struct hull_err *err)
{
	_cleanup_cgroup_ struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	cg->registry = -1;
	if (!serialized) {
		cg->m = &hull_cg_disabled_manager;
		cg->warning = hull_xstrdup("the container has no cgroup of its own (no delegated cgroup)");
		*out = steal_ptr(cg);
		return 0;
	}
	int r = hull_cg_unserialize(serialized, cg, err);
	if (r < 0)
		return r;
	cg->m = cg->sd ? &hull_cg_systemd_manager : hull_cg_manager_for(cg->mode);
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->dirfd < 0 && errno != ENOENT) {
			char label[512];
			return hull_syserr(err, errno, "%s: %s", hull_cg_label(h, label, sizeof(label)), h->dir);
		}
	}
	hull_cg_finish(cg);
	*out = steal_ptr(cg);
	return 0;
}

static bool lists_controller(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return true;
	return false;
}

int hull_cgroup_saved_frozen(const char *serialized, bool *frozen)
{
	*frozen = false;
	_cleanup_cgroup_ struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	if (hull_cg_unserialize(serialized, cg, NULL) < 0)
		return -EINVAL;
	cg->m = hull_cg_manager_for(cg->mode);
	/* Only the hierarchy that can freeze is opened: the v1 freezer, else v2. */
	struct hull_cg_hier *want = NULL;
	for (size_t i = 0; i < cg->n && !want; i++)
		if (!cg->h[i].v2 && lists_controller(cg->h[i].controllers, "freezer"))
			want = &cg->h[i];
	for (size_t i = 0; i < cg->n && !want; i++)
		if (cg->h[i].v2)
			want = &cg->h[i];
	if (!want || (want->dirfd = open(want->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	return hull_cgroup_frozen(cg, frozen, NULL);
}

const char *hull_cgroup_serialize(const struct hull_cgroup *cg)
{
	return cg->serialized;
}

const char *hull_cgroup_warning(const struct hull_cgroup *cg)
{
	return cg->warning;
}

const struct hull_cg_manager *hull_cg_manager_for(enum hull_cg_mode mode)
{
	return mode == HULL_CG_V1 ? &hull_cg_v1_manager : mode == HULL_CG_V2 ? &hull_cg_v2_manager
									 : &hull_cg_hybrid_manager;
}

int hull_cgroup_start(struct hull_cgroup *cg, pid_t pid, const struct hull_resources *res, struct hull_err *err)
{
	return cg->m->start ? cg->m->start(cg, pid, res, err) : 0;
}

int hull_cgroup_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	return cg->m->attach(cg, pid, err);
}

int hull_cgroup_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n,
			   struct hull_err *err)
{
	*v2_fd = -1;
	*v1_fds = NULL;
	*n = 0;
	int r = cg->m->attach_fds(cg, v2_fd, v1_fds, n, err);
	if (r < 0) {
		hull_cgroup_attach_fds_close(*v1_fds, *n);
		*v1_fds = NULL;
		*n = 0;
		*v2_fd = -1;
	}
	return r;
}

void hull_cgroup_attach_fds_close(int *v1_fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(v1_fds[i]);
	free(v1_fds);
}

int hull_cgroup_attach_v2(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	return cg->m == &hull_cg_disabled_manager ? 0 : hull_cg_attach_version(cg, true, pid, err);
}

int hull_cg_attach_version(struct hull_cgroup *cg, bool v2, pid_t pid, struct hull_err *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].v2 != v2)
			continue;
		int r = hull_cg_write(&cg->h[i], "cgroup.procs", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_cg_remove_version(struct hull_cgroup *cg, bool v2, uint64_t deadline, struct hull_err *err)
{
	int first = 0;
	for (size_t i = 0; i < cg->n; i++) {
		if (cg->h[i].v2 != v2)
			continue;
		int r = hull_cg_remove(&cg->h[i], deadline, cg->registry, first < 0 ? NULL : err);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
}

int hull_cgroup_destroy(struct hull_cgroup *cg, int registry, struct hull_err *err)
{
	cg->registry = registry;
	return cg->m->destroy(cg, hull_now_ns() + DESTROY_WAIT_NS, err);
}

int hull_cgroup_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	if (cg->joined)
		return hull_errf(err, EPERM, "cgroups: the container joined a cgroup that is not hull's "
				 "(org.hull.cgroups.join): freezing it would freeze other processes");
	return cg->m->freeze(cg, frozen, err);
}

int hull_cgroup_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	int r = cg->m->frozen(cg, frozen, err);
	return r == -ENOTSUP ? 0 : r;
}

int hull_cgroup_stats(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err)
{
	memset(st, 0, sizeof(*st));
	return cg->m->stats(cg, st, err);
}

void hull_cgroup_free(struct hull_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (h->dirfd >= 0)
			close(h->dirfd);
		free(h->controllers);
		free(h->mountpoint);
		free(h->path);
		free(h->dir);
	}
	for (size_t i = 0; i < cg->n_links; i++) {
		free(cg->links[i][0]);
		free(cg->links[i][1]);
	}
	free(cg->links);
	free(cg->link_view);
	free(cg->h);
	free(cg->v2_avail);
	free(cg->serialized);
	free(cg->mounts);
	free(cg->warning);
	hull_cg_sd_free(cg->sd);
	free(cg);
}

int hull_cgroup_mounts(const struct hull_cgroup *cg, const struct hull_cgroup_mount **mounts,
		       size_t *n, const char *const (**links)[2], size_t *n_links)
{
	*mounts = cg->mounts;
	*n = cg->n_mounts;
	*links = (const char *const (*)[2])cg->link_view;
	*n_links = cg->n_links;
	return 0;
}
