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
#include "internal.h"

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

/* The controllers linux.resources asks for, by the backends' names. */
bool hull_cg_needs(const struct hull_resources *res, const char *controller)
{
	if (!res || !res->present)
		return false;
	/* A unified key names its controller: "memory.high" needs memory. */
	size_t cl = strlen(controller);
	for (size_t i = 0; i < res->unified.n; i++)
		if (!strncmp(res->unified.v[i].key, controller, cl) && res->unified.v[i].key[cl] == '.')
			return true;
	if (!strcmp(controller, "memory")) {
		const __typeof__(res->memory) *m = &res->memory;
		return m->present && ((m->has_limit && m->limit) || (m->has_reservation && m->reservation) ||
				      (m->has_swap && m->swap) || (m->has_kernel_tcp && m->kernel_tcp) ||
				      (m->has_kernel && m->kernel) ||
				      m->has_swappiness || (m->has_disable_oom_killer && m->disable_oom_killer));
	}
	if (!strcmp(controller, "cpu")) {
		const __typeof__(res->cpu) *c = &res->cpu;
		return c->present && ((c->has_shares && c->shares) || (c->has_quota && c->quota) ||
				      (c->has_period && c->period) || c->has_burst || c->has_idle ||
				      (c->has_realtime_runtime && c->realtime_runtime) ||
				      (c->has_realtime_period && c->realtime_period));
	}
	if (!strcmp(controller, "cpuset"))
		return res->cpu.present && ((res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems));
	if (!strcmp(controller, "pids"))
		return res->pids.present && res->pids.has_limit;
	if (!strcmp(controller, "devices"))
		return res->n_devices > 0;
	if (!strcmp(controller, "blkio") || !strcmp(controller, "io")) {
		const __typeof__(res->block_io) *b = &res->block_io;
		return b->present && (b->has_weight || b->has_leaf_weight || b->n_weight_device ||
				      b->throttle_read_bps.n || b->throttle_write_bps.n ||
				      b->throttle_read_iops.n || b->throttle_write_iops.n);
	}
	if (!strcmp(controller, "hugetlb"))
		return res->n_hugepage_limits > 0;
	if (!strcmp(controller, "net_cls"))
		return res->network.present && res->network.has_class_id;
	if (!strcmp(controller, "net_prio"))
		return res->network.present && res->network.n_priorities > 0;
	if (!strcmp(controller, "rdma"))
		return res->n_rdma > 0;
	return false;
}


int hull_cg_check_resources(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	if (!res || !res->present)
		return 0;
	int r = hull_cg_unified_check(cg, res, err);
	if (r < 0)
		return r;
	if (res->memory.has_use_hierarchy && !res->memory.use_hierarchy)
		return hull_errf(err, ENOTSUP,
				 "linux.resources.memory.useHierarchy: false is not supported (the kernel always uses the hierarchy)");
	if (res->memory.has_swappiness && res->memory.swappiness != UINT64_MAX && res->memory.swappiness > 100)
		return hull_errf(err, EINVAL, "linux.resources.memory.swappiness: %llu: must be 0 to 100",
				 (unsigned long long)res->memory.swappiness);
	static const struct { const char *ctrl, *alt, *field; } need[] = {
		{ "memory", NULL, "memory" }, { "cpu", NULL, "cpu" }, { "cpuset", NULL, "cpu.cpus" },
		{ "pids", NULL, "pids" }, { "blkio", "io", "blockIO" }, { "hugetlb", NULL, "hugepageLimits" },
		{ "net_cls", NULL, "network.classID" }, { "net_prio", NULL, "network.priorities" },
		{ "rdma", NULL, "rdma" },
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (hull_cg_needs(res, need[i].ctrl) && !hull_cg_find(cg, need[i].ctrl) &&
		    !(need[i].alt && hull_cg_find(cg, need[i].alt)))
			return hull_errf(err, ENOTSUP, "linux.resources.%s: the %s cgroup controller is not available%s",
					 need[i].field, need[i].ctrl,
					 cg->mode == HULL_CG_V2 && !strncmp(need[i].ctrl, "net_", 4)
						 ? " (cgroup v2 has none: filter by cgroup path with eBPF or nftables instead)"
						 : " (not mounted on this host)");
	/* Device rules need the v1 devices controller; cgroup v2 filters
	   devices with eBPF instead (the v2 backend). */
	if (res->n_devices && cg->mode != HULL_CG_V2 && !hull_cg_find(cg, "devices"))
		return hull_errf(err, ENOTSUP, "linux.resources.devices: the devices cgroup controller is not available");
	return 0;
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
	for (size_t i = 0; i < cg->n; i++) {
		const struct hull_cg_hier *h = &cg->h[i];
		const char *base = strrchr(h->mountpoint, '/');
		cg->mounts[i] = (struct hull_cgroup_mount){
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
	if (cg->warning)
		return hull_errf(err, EACCES, "linux.resources: %s", cg->warning);
	if (!res || !res->present)
		return 0;
	if (res->n_devices)
		return hull_errf(err, ENOTSUP, "linux.resources.devices: device rules cannot be updated (as in runc)");
	int r = hull_cg_check_resources(cg, res, err);
	if (r == 0)
		r = check_usage(cg, res, err);
	if (r < 0)
		return r;
	/* A controller the v2 tree gives the container only now (a unified
	   key, hugetlb) must reach it through subtree_control first. */
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	if (v2 && v2->dirfd >= 0 && (r = hull_cg_v2_backend.prepare(cg, v2, res, err)) < 0)
		return r;
	cg->updating = true;
	r = hull_cg_v1_backend.apply(cg, res, err);
	if (r == 0)
		r = hull_cg_v2_backend.apply(cg, res, err);
	cg->updating = false;
	return r;
}

int hull_cgroup_load(const char *serialized, struct hull_cgroup **out, struct hull_err *err)
{
	_cleanup_cgroup_ struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	cg->registry = -1;
	int r = hull_cg_unserialize(serialized, cg, err);
	if (r < 0)
		return r;
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

int hull_cgroup_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	if (cg->warning)
		return 0;
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		int r = hull_cg_write(&cg->h[i], "cgroup.procs", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_cgroup_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n,
			   struct hull_err *err)
{
	*v2_fd = -1;
	*v1_fds = NULL;
	*n = 0;
	if (cg->warning)
		return 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (h->v2) {
			*v2_fd = h->dirfd;
			continue;
		}
		int fd = openat(h->dirfd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			char label[512];
			int e = errno;
			hull_cgroup_attach_fds_close(*v1_fds, *n);
			*v1_fds = NULL;
			*n = 0;
			return hull_syserr(err, e, "%s: tasks", hull_cg_label(h, label, sizeof(label)));
		}
		*v1_fds = hull_xrealloc(*v1_fds, (*n + 1) * sizeof(int));
		(*v1_fds)[(*n)++] = fd;
	}
	return 0;
}

void hull_cgroup_attach_fds_close(int *v1_fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(v1_fds[i]);
	free(v1_fds);
}

int hull_cgroup_attach_v2(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	if (cg->warning)
		return 0;
	char v[24];
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++)
		if (cg->h[i].v2) {
			int r = hull_cg_write(&cg->h[i], "cgroup.procs", v, err);
			if (r < 0)
				return r;
		}
	return 0;
}

int hull_cgroup_destroy(struct hull_cgroup *cg, int registry, struct hull_err *err)
{
	if (cg->warning)
		return 0;
	cg->registry = registry;
	uint64_t deadline = hull_now_ns() + DESTROY_WAIT_NS;
	int first = 0;
	for (size_t i = 0; i < cg->n; i++) {
		int r = hull_cg_remove(&cg->h[i], deadline, registry, first < 0 ? NULL : err);
		if (r < 0 && first == 0)
			first = r;
	}
	return first;
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
	free(cg);
}

int hull_cgroup_mounts(const struct hull_cgroup *cg, const struct hull_cgroup_mount **mounts,
		       size_t *n, const char *const (**links)[2], size_t *n_links)
{
	*mounts = cg->mounts;
	*n = cg->n;
	*links = (const char *const (*)[2])cg->link_view;
	*n_links = cg->n_links;
	return 0;
}
