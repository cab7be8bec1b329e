/* The cgroup v2 backend: one directory in the unified hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

#define FREEZE_WAIT_NS (2ull * 1000 * 1000 * 1000)

static const char *const v2_controllers[] = { "cpu", "cpuset", "memory", "pids", "io", "hugetlb", "rdma" };

uint64_t hull_cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	/* v1's range [2, 262144] maps onto v2's [1, 10000]. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

int hull_cg_swap_v2(bool has_swap, int64_t swap, bool has_limit, int64_t limit, int64_t *out,
		    struct hull_err *err)
{
	int64_t s = has_swap ? swap : 0, m = has_limit ? limit : 0;
	/* memory.swap in the spec is memory + swap (v1's memsw); v2 limits
	   swap alone. */
	if (m == -1 && s == 0) {
		*out = -1;
		return 0;
	}
	if (s == -1) {
		*out = -1;
		return 0;
	}
	if (s == 0) {
		*out = -2;
		return 0;
	}
	if (m == 0 || m == -1)
		return hull_errf(err, EINVAL, "linux.resources.memory.swap: a swap limit needs a memory limit");
	if (m < 0 || s < m)
		return hull_errf(err, EINVAL,
				 "linux.resources.memory.swap: %" PRId64 " is below memory.limit %" PRId64
				 " (swap counts memory + swap)", s, m);
	*out = s - m;
	return 0;
}

static struct hull_cg_hier *v2_owner(struct hull_cgroup *cg, const char *controller)
{
	struct hull_cg_hier *h = hull_cg_find(cg, controller);
	return h && h->v2 ? h : NULL;
}

/* A controller reaches a cgroup only through cgroup.subtree_control of every
 * ancestor. Only missing ones are written: an ancestor hull did not create is
 * touched only when the container cannot get the controller otherwise. */
static int v2_prepare(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res,
		      struct hull_err *err)
{
	const char *need[sizeof(v2_controllers) / sizeof(v2_controllers[0])];
	bool required[sizeof(v2_controllers) / sizeof(v2_controllers[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(v2_controllers) / sizeof(v2_controllers[0]); i++) {
		const char *c = v2_controllers[i];
		if (v2_owner(cg, c) != h)
			continue;
		/* The accounting controllers are enabled even without a limit, as
		 * runc does, so events and --stats-file have figures; where an
		 * ancestor refuses them, the container just goes without. */
		bool req = hull_cg_needs(res, c);
		if (req || !strcmp(c, "cpu") || !strcmp(c, "memory") || !strcmp(c, "pids") ||
		    !strcmp(c, "io")) {
			required[n] = req;
			need[n++] = c;
		}
	}
	if (!n)
		return 0;
	_cleanup_free_ char *dir = hull_xstrdup(h->mountpoint);
	const char *rest = h->path;
	for (;;) {
		while (*rest == '/')
			rest++;
		/* dir is an ancestor of the leaf; rest starts with its child */
		const char *next = strchrnul(rest, '/');
		_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_syserr(err, errno, "cgroup unified %s", dir);
		_cleanup_free_ char *have = NULL;
		int r = hull_read_file_at(fd, "cgroup.subtree_control", &have, NULL, err);
		if (r < 0) {
			hull_err_prefix(err, "cgroup unified %s", dir);
			return r;
		}
		for (char *p = have; *p; p++)
			if (*p == ' ' || *p == '\n')
				*p = ',';
		for (size_t i = 0; i < n; i++) {
			if (hull_cg_list_has(have, need[i]))
				continue;
			_cleanup_free_ char *v = hull_xasprintf("+%s", need[i]);
			_cleanup_close_ int wfd = openat(fd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
			if (wfd < 0 || write(wfd, v, strlen(v)) < 0) {
				int e = errno;
				if (!required[i])
					continue;
				if (e == EBUSY)
					return hull_errf(err, e,
							 "cgroup unified %s: cgroup.subtree_control=%s: %s (cgroup v2 gives no controller to the children of a cgroup holding processes; use a cgroupsPath outside it)",
							 dir, v, strerror(e));
				return hull_syserr(err, e, "cgroup unified %s: cgroup.subtree_control=%s", dir, v);
			}
		}
		if (!*next)
			break;
		char *nd = hull_xasprintf("%s/%.*s", dir, (int)(next - rest), rest);
		free(dir);
		dir = nd;
		rest = next;
	}
	return 0;
}

static int apply_memory(const struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	const __typeof__(res->memory) *m = &res->memory;
	if (m->has_swappiness && m->swappiness != UINT64_MAX)
		return hull_errf(err, ENOTSUP, "linux.resources.memory.swappiness: not supported on cgroup v2");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		return hull_errf(err, ENOTSUP, "linux.resources.memory.disableOOMKiller: not supported on cgroup v2");
	if (m->has_kernel_tcp && m->kernel_tcp)
		return hull_errf(err, ENOTSUP, "linux.resources.memory.kernelTCP: not supported on cgroup v2");
	/* cgroup v2 never had a kernel memory limit: kmem counts in memory.max. */
	if (m->has_kernel && m->kernel)
		hull_warn("linux.resources.memory.kernel: not supported by this kernel, ignored");
	int64_t swap;
	int r = hull_cg_swap_v2(m->has_swap, m->swap, m->has_limit, m->limit, &swap, err);
	if (r < 0)
		return r;
	if (swap != -2) {
		char v[24];
		if (swap == -1)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%" PRId64, swap);
		r = hull_cg_try_write(h, "memory.swap.max", v);
		/* Without swap accounting there is no file; "max" and "0"
		   already hold then. */
		if (r < 0 && !(r == -ENOENT && (swap == -1 || swap == 0)))
			return hull_cg_write(h, "memory.swap.max", v, err);
	}
	if (m->has_limit && m->limit) {
		r = m->limit < 0 ? hull_cg_write(h, "memory.max", "max", err)
				 : hull_cg_writef(h, "memory.max", err, "%" PRId64, m->limit);
		if (r < 0)
			return r;
	}
	if (m->has_reservation && m->reservation) {
		r = m->reservation < 0 ? hull_cg_write(h, "memory.low", "max", err)
				       : hull_cg_writef(h, "memory.low", err, "%" PRId64, m->reservation);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_cpu(const struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	const __typeof__(res->cpu) *c = &res->cpu;
	int r;
	if ((c->has_realtime_runtime && c->realtime_runtime) || (c->has_realtime_period && c->realtime_period))
		return hull_errf(err, ENOTSUP, "linux.resources.cpu.%s: not supported on cgroup v2",
				 c->has_realtime_runtime && c->realtime_runtime ? "realtimeRuntime" : "realtimePeriod");
	if (c->has_shares && c->shares &&
	    (r = hull_cg_writef(h, "cpu.weight", err, "%" PRIu64, hull_cg_shares_to_weight(c->shares))) < 0)
		return r;
	if (c->has_idle && (r = hull_cg_writef(h, "cpu.idle", err, "%" PRId64, c->idle)) < 0)
		return r;
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;
	bool burst_again = false;
	char v[48];
	if (c->has_burst) {
		snprintf(v, sizeof(v), "%" PRIu64, c->burst);
		r = hull_cg_try_write(h, "cpu.max.burst", v);
		/* A burst above the old quota is refused until the new quota
		   is in. */
		if (r == -EINVAL && quota)
			burst_again = true;
		else if (r < 0)
			return hull_cg_write(h, "cpu.max.burst", v, err);
	}
	if (quota || period) {
		int n = quota > 0 ? snprintf(v, sizeof(v), "%" PRId64, quota) : snprintf(v, sizeof(v), "max");
		if (period)
			snprintf(v + n, sizeof(v) - (size_t)n, " %" PRIu64, period);
		if ((r = hull_cg_write(h, "cpu.max", v, err)) < 0)
			return r;
		if (burst_again && (r = hull_cg_writef(h, "cpu.max.burst", err, "%" PRIu64, c->burst)) < 0)
			return r;
	}
	return 0;
}

static int v2_apply(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_cg_hier *h;
	int r;
	/* cgroup v2 has no devices files: the rules become an eBPF program.
	   On a hybrid host the v1 devices controller enforces them. */
	if (cg->mode == HULL_CG_V2 && !cg->updating && (h = hull_cg_v2(cg)) && h->dirfd >= 0) {
		size_t n = res && res->present ? res->n_devices : 0;
		_cleanup_free_ struct hull_device_rule *rules = hull_xcalloc(n + hull_cg_n_default_rules, sizeof(*rules));
		if (n)
			memcpy(rules, res->devices, n * sizeof(*rules));
		memcpy(rules + n, hull_cg_default_rules, hull_cg_n_default_rules * sizeof(*rules));
		if ((r = hull_cg_v2_devices(h, rules, n + hull_cg_n_default_rules, err)) < 0)
			return r;
	}
	if (hull_cg_needs(res, "memory") && (h = v2_owner(cg, "memory")) && (r = apply_memory(h, res, err)) < 0)
		return r;
	if (hull_cg_needs(res, "cpu") && (h = v2_owner(cg, "cpu")) && (r = apply_cpu(h, res, err)) < 0)
		return r;
	if (hull_cg_needs(res, "cpuset") && (h = v2_owner(cg, "cpuset"))) {
		if (res->cpu.cpus && *res->cpu.cpus && (r = hull_cg_write(h, "cpuset.cpus", res->cpu.cpus, err)) < 0)
			return r;
		if (res->cpu.mems && *res->cpu.mems && (r = hull_cg_write(h, "cpuset.mems", res->cpu.mems, err)) < 0)
			return r;
	}
	if (hull_cg_needs(res, "pids") && (h = v2_owner(cg, "pids"))) {
		r = res->pids.limit > 0 ? hull_cg_writef(h, "pids.max", err, "%" PRId64, res->pids.limit)
					: hull_cg_write(h, "pids.max", "max", err);
		if (r < 0)
			return r;
	}
	if (hull_cg_needs(res, "io") && (h = v2_owner(cg, "io")) && (r = hull_cg_io_v2(h, res, err)) < 0)
		return r;
	if (hull_cg_needs(res, "hugetlb") && (h = v2_owner(cg, "hugetlb")) && (r = hull_cg_hugetlb(h, res, err)) < 0)
		return r;
	if (hull_cg_needs(res, "rdma") && (h = v2_owner(cg, "rdma")) && (r = hull_cg_rdma(h, res, err)) < 0)
		return r;
	/* Last: a unified key overrides what the fields above wrote (runc). */
	if (res && res->present && res->unified.n && (r = hull_cg_unified(cg, res, err)) < 0)
		return r;
	return 0;
}

static struct hull_cg_hier *v2_freezer(struct hull_cgroup *cg)
{
	struct hull_cg_hier *h = hull_cg_v2(cg);
	return h && h->dirfd >= 0 ? h : NULL;
}

/* "frozen 0|1" in cgroup.events: the state reached, not the one asked for. */
static int v2_frozen(struct hull_cg_hier *h, bool *frozen, struct hull_err *err)
{
	_cleanup_free_ char *s = NULL;
	int r = hull_cg_read(h, "cgroup.events", &s, err);
	if (r < 0)
		return r;
	const char *f = strstr(s, "frozen ");
	*frozen = f && (f == s || f[-1] == '\n') && f[7] == '1';
	return 0;
}

static int v2_freeze(struct hull_cg_hier *h, bool frozen, struct hull_err *err)
{
	int r = hull_cg_write(h, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	uint64_t deadline = hull_now_ns() + FREEZE_WAIT_NS;
	for (unsigned wait_ms = 1;;) {
		bool now;
		if ((r = v2_frozen(h, &now, err)) < 0)
			return r;
		if (now == frozen)
			return 0;
		if (hull_now_ns() >= deadline) {
			char label[512];
			if (frozen)
				hull_cg_try_write(h, "cgroup.freeze", "0");
			return hull_errf(err, ETIMEDOUT, "%s: cgroup.freeze=%d: not %s after %llu s",
					 hull_cg_label(h, label, sizeof(label)), frozen, frozen ? "frozen" : "thawed",
					 FREEZE_WAIT_NS / 1000000000ull);
		}
		hull_sleep_ms(wait_ms);
		if (wait_ms < 10)
			wait_ms++;
	}
}

const struct hull_cg_backend hull_cg_v2_backend = {
	.prepare = v2_prepare,
	.apply = v2_apply,
	.freezer = v2_freezer,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
};
