/* The cgroup v2 backend: one directory in the unified hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

#define FREEZE_WAIT_NS (2ull * 1000 * 1000 * 1000)

/* runc >= 1.3.2 and crun >= 1.23 (what Kubernetes expects): a quadratic
 * in log2(shares) through v1's minimum, default and maximum (2 -> 1,
 * 1024 -> 100, 262144 -> 10000), so the default share is the default
 * weight; the old linear map gave 1024 -> 39. */
uint64_t hull_cg_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	double l = log2((double)shares);
	double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	return (uint64_t)ceil(pow(10, exponent));
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

/* A controller reaches a cgroup only through cgroup.subtree_control of every
 * ancestor. Only missing ones are written: an ancestor hull did not create is
 * touched only when the container cannot get the controller otherwise. */
static int v2_prepare(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res,
		      struct hull_err *err)
{
	const char *need[32];
	bool required[32];
	size_t n = 0;
	for (size_t i = 0; i < hull_cg_n_controllers && n < 32; i++) {
		const struct hull_cg_controller *c = &hull_cg_controllers[i];
		if (!c->v2 || hull_cg_home(cg, c) != h)
			continue;
		/* The accounting controllers are enabled even without a limit, as
		 * runc does, so events and --stats-file have figures; where an
		 * ancestor refuses them, the container just goes without. */
		bool req = hull_cg_asks(c, res);
		if (req || c->accounting) {
			required[n] = req;
			need[n++] = c->v2;
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

int hull_cg_memory_v2(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
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
	/* runc merges an update with what the cgroup has: a swap limit alone
	 * is counted from the current memory.max. */
	bool has_limit = m->has_limit;
	int64_t limit = m->limit;
	_cleanup_free_ char *cur = NULL;
	struct hull_err none = { 0 };
	if (m->has_swap && !has_limit && hull_cg_read(h, "memory.max", &cur, &none) == 0 &&
	    (cur[strcspn(cur, "\n")] = 0, hull_parse_i64(cur, &limit) == 0))
		has_limit = true;
	int64_t swap;
	int r = hull_cg_swap_v2(m->has_swap, m->swap, has_limit, limit, &swap, err);
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

int hull_cg_cpu_v2(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
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
	/* A period alone keeps the quota the cgroup has (runc merges an update
	 * with the current values): "max PERIOD" would lift it. */
	_cleanup_free_ char *cur = NULL;
	struct hull_err none = { 0 };
	if (period && !quota && hull_cg_read(h, "cpu.max", &cur, &none) == 0 && strncmp(cur, "max", 3))
		quota = strtoll(cur, NULL, 10);
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

/* cgroup v2 has no devices files: the rules become an eBPF program. On a
 * hybrid host the v1 devices controller enforces them instead. */
int hull_cg_devices_v2(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	if (cg->mode != HULL_CG_V2 || h->dirfd < 0)
		return 0;
	size_t n = res && res->present ? res->n_devices : 0;
	_cleanup_free_ struct hull_device_rule *rules = hull_xcalloc(n + hull_cg_n_default_rules, sizeof(*rules));
	if (n)
		memcpy(rules, res->devices, n * sizeof(*rules));
	memcpy(rules + n, hull_cg_default_rules, hull_cg_n_default_rules * sizeof(*rules));
	return hull_cg_v2_devices(h, rules, n + hull_cg_n_default_rules, err);
}

static int v2_setup(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_cg_hier *h = hull_cg_v2(cg);
	int r = h && h->dirfd >= 0 ? v2_prepare(cg, h, res, err) : 0;
	if (r == 0)
		r = hull_cg_write_all(cg, true, res, err);
	/* Last: a unified key overrides what the fields above wrote (runc). */
	if (r == 0 && res && res->present && res->unified.n)
		r = hull_cg_unified(cg, res, err);
	return r;
}

static struct hull_cg_hier *v2_dir(struct hull_cgroup *cg)
{
	struct hull_cg_hier *h = hull_cg_v2(cg);
	return h && h->dirfd >= 0 ? h : NULL;
}

static bool events_frozen(const char *s)
{
	const char *f = strstr(s, "frozen ");
	return f && (f == s || f[-1] == '\n') && f[7] == '1';
}

/* "frozen 0|1" in cgroup.events: the state reached, not the one asked for. */
static int v2_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	struct hull_cg_hier *h = v2_dir(cg);
	*frozen = false;
	if (!h)
		return -ENOTSUP;
	_cleanup_free_ char *s = NULL;
	int r = hull_cg_read(h, "cgroup.events", &s, err);
	if (r == 0)
		*frozen = events_frozen(s);
	return r;
}

/* cgroup v2 tells when the state is reached: cgroup.events changes and
 * polls POLLPRI, so no sleeping. */
static int v2_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	char label[512];
	struct hull_cg_hier *h = v2_dir(cg);
	if (!h)
		return hull_errf(err, ENOTSUP, "cgroups: no cgroup v2 directory to freeze");
	_cleanup_close_ int fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "%s: cgroup.events", hull_cg_label(h, label, sizeof(label)));
	int r = hull_cg_write(h, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	uint64_t deadline = hull_now_ns() + FREEZE_WAIT_NS;
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
			return hull_errf(err, ETIMEDOUT, "%s: cgroup.freeze=%d: not %s after %llu s",
					 hull_cg_label(h, label, sizeof(label)), frozen, frozen ? "frozen" : "thawed",
					 FREEZE_WAIT_NS / 1000000000ull);
		}
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		if (poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) < 0 && errno != EINTR)
			return hull_syserr(err, errno, "%s: poll cgroup.events", hull_cg_label(h, label, sizeof(label)));
	}
}

/* The v2 directory itself, for clone3's CLONE_INTO_CGROUP. */
static int v2_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err)
{
	(void)v1_fds;
	(void)n;
	(void)err;
	struct hull_cg_hier *h = hull_cg_v2(cg);
	*v2_fd = h ? h->dirfd : -1;
	return 0;
}

static int v2_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	return hull_cg_attach_version(cg, true, pid, err);
}

/* The kernel kills the whole subtree at once, forks included; on a cgroup
 * hull did not make, never (a kernel bug also kills what is cloned into
 * one after it, on 6.18): then the walk. */
int hull_cg_v2_kill(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	struct hull_cg_hier *h = v2_dir(cg);
	if (sig == SIGKILL && h && h->created) {
		int r = hull_cg_try_write(h, "cgroup.kill", "1");
		if (r == 0)
			return 0;
		if (r != -ENOENT)
			return hull_cg_write(h, "cgroup.kill", "1", err);
	}
	return hull_cg_kill_walk(cg, sig, err);
}

static int v2_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	struct hull_cg_hier *h = hull_cg_v2(cg);
	return h ? hull_cg_walk_pids(h, pids, n, err) : 0;
}

static int v2_destroy(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err)
{
	return hull_cg_remove_version(cg, true, deadline, err);
}

const struct hull_cg_manager hull_cg_v2_manager = {
	.name = "cgroupfs-v2",
	.setup = v2_setup,
	.update = v2_setup,
	.attach_fds = v2_attach_fds,
	.attach = v2_attach,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.kill = hull_cg_v2_kill,
	.pids = v2_pids,
	.stats = hull_cg_stats_all,
	.destroy = v2_destroy,
};
