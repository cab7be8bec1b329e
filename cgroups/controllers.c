/* The one controller table: which linux.resources fields each controller
 * serves, where it lives on v1 and v2, how its values are written and its
 * statistics read. Every list of controllers in hull derives from it: what
 * a config needs, what the host must have, what v2 enables below hull's
 * cgroups, the order of the writes, the features document. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* "Not set", as runc reads each field: 0 (or an empty string) leaves the
 * kernel's default. */
static bool asks_memory(const struct hull_resources *res)
{
	const __typeof__(res->memory) *m = &res->memory;
	return m->present && ((m->has_limit && m->limit) || (m->has_reservation && m->reservation) ||
			      (m->has_swap && m->swap) || (m->has_kernel_tcp && m->kernel_tcp) ||
			      (m->has_kernel && m->kernel) ||
			      (m->has_swappiness && m->swappiness != UINT64_MAX) ||
			      (m->has_disable_oom_killer && m->disable_oom_killer));
}

static bool asks_cpu(const struct hull_resources *res)
{
	const __typeof__(res->cpu) *c = &res->cpu;
	return c->present && ((c->has_shares && c->shares) || (c->has_quota && c->quota) ||
			      (c->has_period && c->period) || c->has_burst || c->has_idle ||
			      (c->has_realtime_runtime && c->realtime_runtime) ||
			      (c->has_realtime_period && c->realtime_period));
}

static bool asks_cpuset(const struct hull_resources *res)
{
	return res->cpu.present && ((res->cpu.cpus && *res->cpu.cpus) || (res->cpu.mems && *res->cpu.mems));
}

static bool asks_pids(const struct hull_resources *res)
{
	return res->pids.present && res->pids.has_limit;
}

static bool asks_blkio(const struct hull_resources *res)
{
	const __typeof__(res->block_io) *b = &res->block_io;
	return b->present && ((b->has_weight && b->weight) || (b->has_leaf_weight && b->leaf_weight) ||
			      b->n_weight_device || b->throttle_read_bps.n || b->throttle_write_bps.n ||
			      b->throttle_read_iops.n || b->throttle_write_iops.n);
}

static bool asks_hugetlb(const struct hull_resources *res)
{
	return res->n_hugepage_limits > 0;
}

static bool asks_net_cls(const struct hull_resources *res)
{
	return res->network.present && res->network.has_class_id;
}

static bool asks_net_prio(const struct hull_resources *res)
{
	return res->network.present && res->network.n_priorities > 0;
}

static bool asks_rdma(const struct hull_resources *res)
{
	return res->n_rdma > 0;
}

static bool asks_devices(const struct hull_resources *res)
{
	return res->n_devices > 0;
}

/* In the order of the writes: device rules first (nothing may open a
 * device meanwhile), memory before cpu as runc does. */
const struct hull_cg_controller hull_cg_controllers[] = {
	{ "devices", NULL, "devices", false, asks_devices, hull_cg_devices_v1, hull_cg_devices_v2, NULL },
	{ "memory", "memory", "memory", true, asks_memory, hull_cg_memory_v1, hull_cg_memory_v2,
	  hull_cg_stats_memory },
	{ "cpu", "cpu", "cpu", true, asks_cpu, hull_cg_cpu_v1, hull_cg_cpu_v2, hull_cg_stats_cpu },
	{ "cpuset", "cpuset", "cpu.cpus", false, asks_cpuset, hull_cg_cpuset, hull_cg_cpuset,
	  hull_cg_stats_cpuset },
	{ "pids", "pids", "pids", true, asks_pids, hull_cg_pids_max, hull_cg_pids_max, hull_cg_stats_pids },
	{ "blkio", "io", "blockIO", true, asks_blkio, hull_cg_blkio_v1, hull_cg_io_v2, hull_cg_stats_blkio },
	{ "hugetlb", "hugetlb", "hugepageLimits", false, asks_hugetlb, hull_cg_hugetlb, hull_cg_hugetlb,
	  hull_cg_stats_hugetlb },
	{ "rdma", "rdma", "rdma", false, asks_rdma, hull_cg_rdma, hull_cg_rdma, NULL },
	{ "net_cls", NULL, "network.classID", false, asks_net_cls, hull_cg_net_cls, NULL, NULL },
	{ "net_prio", NULL, "network.priorities", false, asks_net_prio, hull_cg_net_prio, NULL, NULL },
};
const size_t hull_cg_n_controllers = sizeof(hull_cg_controllers) / sizeof(hull_cg_controllers[0]);

const struct hull_cg_controller *hull_cg_controller(const char *name)
{
	for (size_t i = 0; i < hull_cg_n_controllers; i++) {
		const struct hull_cg_controller *c = &hull_cg_controllers[i];
		if (!strcmp(c->v1, name) || (c->v2 && !strcmp(c->v2, name)))
			return c;
	}
	return NULL;
}

bool hull_cgroup_controller_known(const char *name)
{
	const struct hull_cg_controller *c = hull_cg_controller(name);
	return c && (c->write_v1 || c->write_v2);
}

/* A unified key names its controller: "memory.high" needs memory. */
static bool unified_names(const struct hull_resources *res, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	for (size_t i = 0; n && i < res->unified.n; i++)
		if (!strncmp(res->unified.v[i].key, name, n) && res->unified.v[i].key[n] == '.')
			return true;
	return false;
}

bool hull_cg_asks(const struct hull_cg_controller *c, const struct hull_resources *res)
{
	if (!res || !res->present)
		return false;
	return c->asked(res) || unified_names(res, c->v1) || unified_names(res, c->v2);
}

bool hull_cg_needs(const struct hull_resources *res, const char *controller)
{
	const struct hull_cg_controller *c = hull_cg_controller(controller);
	return c && hull_cg_asks(c, res);
}

bool hull_cg_asks_nothing(const struct hull_resources *res)
{
	for (size_t i = 0; i < hull_cg_n_controllers; i++)
		if (hull_cg_asks(&hull_cg_controllers[i], res))
			return false;
	return true;
}

/* Where c lives in cg: its v1 hierarchy, else the v2 one when the v2 tree
 * offers it, else NULL. */
struct hull_cg_hier *hull_cg_home(struct hull_cgroup *cg, const struct hull_cg_controller *c)
{
	struct hull_cg_hier *h = hull_cg_find(cg, c->v1);
	if (h && !h->v2)
		return h;
	return c->v2 ? hull_cg_find(cg, c->v2) : NULL;
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
	for (size_t i = 0; i < hull_cg_n_controllers; i++) {
		const struct hull_cg_controller *c = &hull_cg_controllers[i];
		/* cgroup v2 filters devices with eBPF: no controller to find. */
		if (!hull_cg_asks(c, res) || hull_cg_home(cg, c) || (!strcmp(c->v1, "devices") && cg->mode == HULL_CG_V2))
			continue;
		return hull_errf(err, ENOTSUP, "linux.resources.%s: the %s cgroup controller is not available%s",
				 c->field, c->v1,
				 cg->mode == HULL_CG_V2 && !c->v2
					 ? " (cgroup v2 has none: filter by cgroup path with eBPF or nftables instead)"
					 : " (not mounted on this host)");
	}
	return 0;
}

/* The writes of every controller that lives in a hierarchy of this
 * version; device rules only at create (update accepts and ignores them:
 * the CRI sends the whole resources block). */
int hull_cg_write_all(struct hull_cgroup *cg, bool v2, const struct hull_resources *res, struct hull_err *err)
{
	for (size_t i = 0; i < hull_cg_n_controllers; i++) {
		const struct hull_cg_controller *c = &hull_cg_controllers[i];
		bool devices = !strcmp(c->v1, "devices");
		hull_cg_writer *w = v2 ? c->write_v2 : c->write_v1;
		struct hull_cg_hier *h = devices ? (v2 ? hull_cg_v2(cg) : hull_cg_find(cg, "devices")) : hull_cg_home(cg, c);
		if (!w || !h || h->v2 != v2 || (devices ? cg->updating : !hull_cg_asks(c, res)))
			continue;
		int r = w(cg, h, res, err);
		if (r < 0)
			return r;
	}
	return 0;
}
