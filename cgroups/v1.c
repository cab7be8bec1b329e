/* The cgroup v1 backend: one directory per controller hierarchy. */
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

static struct hull_cg_hier *v1_find(struct hull_cgroup *cg, const char *controller)
{
	struct hull_cg_hier *h = hull_cg_find(cg, controller);
	return h && !h->v2 ? h : NULL;
}

static bool blank(const char *s) { return s[strspn(s, " \t\n")] == 0; }

/* A new cpuset cgroup starts with no cpus and no mems, and the kernel
 * refuses to attach to it (ENOSPC): give each blank level its parent's,
 * top down. Every level of the path, not only those this create made: a
 * shared parent that a concurrent create has just made is still blank
 * until that create fills it, and filling it with the same values here is
 * harmless (a blank cpuset is of no use to anyone). */
int hull_cg_cpuset_inherit(const struct hull_cg_hier *h, struct hull_err *err)
{
	_cleanup_free_ char *dir = hull_xstrdup(h->dir);
	char *levels[64];
	unsigned n = 0, depth = 0;
	for (const char *p = h->path; *p; p++)
		depth += *p == '/';
	/* the directories below the mount point, deepest first */
	for (unsigned i = 0; i < depth && n < 64; i++) {
		levels[n++] = hull_xstrdup(dir);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
	}
	int r = 0;
	for (unsigned k = n; k-- > 0 && r == 0;) {
		_cleanup_free_ char *parent = hull_xstrdup(levels[k]);
		*strrchr(parent, '/') = 0;
		_cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_close_ int cfd = open(levels[k], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || cfd < 0) {
			r = hull_syserr(err, errno, "cgroup cpuset: %s", pfd < 0 ? parent : levels[k]);
			break;
		}
		static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
		for (size_t f = 0; f < 2 && r == 0; f++) {
			_cleanup_free_ char *mine = NULL, *theirs = NULL;
			r = hull_read_file_at(cfd, files[f], &mine, NULL, err);
			if (r == 0 && blank(mine)) {
				r = hull_read_file_at(pfd, files[f], &theirs, NULL, err);
				if (r == 0 && (r = hull_write_file_at(cfd, files[f], theirs, strlen(theirs), err)) < 0)
					hull_err_prefix(err, "cgroup cpuset %s", levels[k]);
			} else if (r < 0) {
				hull_err_prefix(err, "cgroup cpuset %s", levels[k]);
			}
		}
	}
	for (unsigned k = 0; k < n; k++)
		free(levels[k]);
	return r;
}

static int v1_setup(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		int r = !h->v2 && h->created && hull_cg_list_has(h->controllers, "cpuset") ? hull_cg_cpuset_inherit(h, err) : 0;
		if (r < 0)
			return r;
	}
	return hull_cg_write_all(cg, false, res, err);
}

static int v1_update(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	return hull_cg_write_all(cg, false, res, err);
}

static int set_limit(const struct hull_cg_hier *h, int64_t limit, struct hull_err *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%" PRId64, limit);
	int r = hull_cg_try_write(h, "memory.limit_in_bytes", v);
	if (r != -EBUSY)
		return r < 0 ? hull_cg_write(h, "memory.limit_in_bytes", v, err) : 0;
	/* The kernel could not reclaim down to the new limit. */
	_cleanup_free_ char *usage = NULL, *peak = NULL;
	hull_read_file_at(h->dirfd, "memory.usage_in_bytes", &usage, NULL, NULL);
	hull_read_file_at(h->dirfd, "memory.max_usage_in_bytes", &peak, NULL, NULL);
	char label[512];
	return hull_errf(err, EBUSY, "%s: memory.limit_in_bytes=%s: %s (usage %.*s, peak %.*s)",
			 hull_cg_label(h, label, sizeof(label)), v, strerror(EBUSY),
			 usage ? (int)strcspn(usage, "\n") : 1, usage ? usage : "?",
			 peak ? (int)strcspn(peak, "\n") : 1, peak ? peak : "?");
}

/* memory.kernel: 5.16 made kmem.limit_in_bytes a no-op (writes succeed,
 * the limit stays "max") and later kernels drop the file; runc 1.2 ignores
 * the field. A limit the kernel no longer holds is a warning, not an error,
 * so that configs written for older kernels still run. */
static int set_kmem(const struct hull_cg_hier *h, int64_t kernel, struct hull_err *err)
{
	char v[24];
	snprintf(v, sizeof(v), "%" PRId64, kernel);
	int r = hull_cg_try_write(h, "memory.kmem.limit_in_bytes", v);
	if (r == -ENOENT || r == -EOPNOTSUPP || r == -ENOTSUP) {
		hull_warn("linux.resources.memory.kernel: not supported by this kernel, ignored");
		return 0;
	}
	if (r < 0)
		return hull_cg_write(h, "memory.kmem.limit_in_bytes", v, err);
	_cleanup_free_ char *back = NULL;
	uint64_t got;
	if (kernel > 0 && hull_read_file_at(h->dirfd, "memory.kmem.limit_in_bytes", &back, NULL, NULL) == 0) {
		back[strcspn(back, "\n")] = 0;
		/* The kernel rounds down to a page; "max" is far above. */
		if (hull_parse_u64(back, &got) == 0 && got > (uint64_t)kernel)
			hull_warn("linux.resources.memory.kernel: not supported by this kernel, ignored");
	}
	return 0;
}

int hull_cg_memory_v1(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	const __typeof__(res->memory) *m = &res->memory;
	/* 0 means "not set", as in runc. */
	int64_t limit = m->has_limit ? m->limit : 0, swap = m->has_swap ? m->swap : 0;
	if (limit == -1 && swap == 0)
		swap = -1;	/* unlimited memory means unlimited swap too */
	int r = 0;
	bool swap_first = false;
	if (limit != 0 && swap != 0) {
		/* memsw must stay >= limit after each write: raise swap
		   first when the new swap is above the current limit. */
		_cleanup_free_ char *cur = NULL;
		uint64_t c;
		r = hull_cg_read(h, "memory.limit_in_bytes", &cur, err);
		if (r < 0)
			return r;
		cur[strcspn(cur, "\n")] = 0;
		if (hull_parse_u64(cur, &c) < 0)
			c = UINT64_MAX;
		swap_first = swap == -1 || c < (uint64_t)swap;
	}
	if (swap_first && (r = hull_cg_writef(h, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap)) < 0)
		return r;
	if (limit != 0 && (r = set_limit(h, limit, err)) < 0)
		return r;
	if (!swap_first && swap != 0 &&
	    (r = hull_cg_writef(h, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap)) < 0)
		return r;
	if (m->has_reservation && m->reservation &&
	    (r = hull_cg_writef(h, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation)) < 0)
		return r;
	if (m->has_kernel && m->kernel && (r = set_kmem(h, m->kernel, err)) < 0)
		return r;
	if (m->has_kernel_tcp && m->kernel_tcp &&
	    (r = hull_cg_writef(h, "memory.kmem.tcp.limit_in_bytes", err, "%" PRId64, m->kernel_tcp)) < 0)
		return r;
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    (r = hull_cg_write(h, "memory.oom_control", "1", err)) < 0)
		return r;
	/* UINT64_MAX is -1 as runc reads it: "leave the default". */
	if (m->has_swappiness && m->swappiness != UINT64_MAX &&
	    (r = hull_cg_writef(h, "memory.swappiness", err, "%" PRIu64, m->swappiness)) < 0)
		return r;
	return 0;
}

int hull_cg_cpu_v1(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	const __typeof__(res->cpu) *c = &res->cpu;
	int r;
	/* runtime needs the period it is a share of to be set first. */
	if (c->has_realtime_period && c->realtime_period &&
	    (r = hull_cg_writef(h, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period)) < 0)
		return r;
	if (c->has_realtime_runtime && c->realtime_runtime &&
	    (r = hull_cg_writef(h, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime)) < 0)
		return r;
	if (c->has_shares && c->shares) {
		if ((r = hull_cg_writef(h, "cpu.shares", err, "%" PRIu64, c->shares)) < 0)
			return r;
		/* The kernel clamps out-of-range shares silently. */
		_cleanup_free_ char *back = NULL;
		uint64_t got;
		if ((r = hull_cg_read(h, "cpu.shares", &back, err)) < 0)
			return r;
		back[strcspn(back, "\n")] = 0;
		if (hull_parse_u64(back, &got) == 0 && got != c->shares) {
			char label[512];
			return hull_errf(err, ERANGE, "%s: cpu.shares=%" PRIu64 ": the %s allowed cpu-shares is %" PRIu64,
					 hull_cg_label(h, label, sizeof(label)), c->shares,
					 c->shares > got ? "maximum" : "minimum", got);
		}
	}
	int64_t quota = c->has_quota ? c->quota : 0;
	bool period_again = false, burst_again = false;
	char v[24];
	if (c->has_period && c->period) {
		snprintf(v, sizeof(v), "%" PRIu64, c->period);
		r = hull_cg_try_write(h, "cpu.cfs_period_us", v);
		/* A shorter period can exceed the parent's bandwidth with the
		   old quota: retry once the quota is set. */
		if (r == -EINVAL && quota)
			period_again = true;
		else if (r < 0)
			return hull_cg_write(h, "cpu.cfs_period_us", v, err);
	}
	if (c->has_burst) {
		snprintf(v, sizeof(v), "%" PRIu64, c->burst);
		r = hull_cg_try_write(h, "cpu.cfs_burst_us", v);
		if (r == -EINVAL && quota)
			burst_again = true;
		else if (r < 0)
			return hull_cg_write(h, "cpu.cfs_burst_us", v, err);
	}
	if (quota) {
		if ((r = hull_cg_writef(h, "cpu.cfs_quota_us", err, "%" PRId64, quota)) < 0)
			return r;
		if (period_again && (r = hull_cg_writef(h, "cpu.cfs_period_us", err, "%" PRIu64, c->period)) < 0)
			return r;
		if (burst_again && (r = hull_cg_writef(h, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst)) < 0)
			return r;
	}
	if (c->has_idle && (r = hull_cg_writef(h, "cpu.idle", err, "%" PRId64, c->idle)) < 0)
		return r;
	return 0;
}

/* The same file names on v1 and v2. */
int hull_cg_cpuset(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	int r;
	if (res->cpu.cpus && *res->cpu.cpus && (r = hull_cg_write(h, "cpuset.cpus", res->cpu.cpus, err)) < 0)
		return r;
	if (res->cpu.mems && *res->cpu.mems && (r = hull_cg_write(h, "cpuset.mems", res->cpu.mems, err)) < 0)
		return r;
	return 0;
}

static void rule_string(const struct hull_device_rule *d, char *buf, size_t len)
{
	char maj[24], min[24];
	if (d->major < 0)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
	if (d->minor < 0)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
	snprintf(buf, len, "%c %s:%s %s", d->type ? d->type : 'a', maj, min, d->access[0] ? d->access : "rwm");
}

const struct hull_device_rule hull_cg_default_rules[] = {
	{ true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" },
	{ true, 'c', 1, 3, "rwm" },	/* null */
	{ true, 'c', 1, 8, "rwm" },	/* random */
	{ true, 'c', 1, 7, "rwm" },	/* full */
	{ true, 'c', 5, 0, "rwm" },	/* tty */
	{ true, 'c', 1, 5, "rwm" },	/* zero */
	{ true, 'c', 1, 9, "rwm" },	/* urandom */
	{ true, 'c', 136, -1, "rwm" },	/* pts */
	{ true, 'c', 5, 2, "rwm" },	/* ptmx */
	{ true, 'c', 10, 200, "rwm" },	/* net/tun */
};
const size_t hull_cg_n_default_rules = sizeof(hull_cg_default_rules) / sizeof(hull_cg_default_rules[0]);

int hull_cg_devices_v1(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	int r = hull_cg_write(h, "devices.deny", "a", err);
	size_t n = res && res->present ? res->n_devices : 0;
	for (size_t i = 0; r == 0 && i < n + hull_cg_n_default_rules; i++) {
		const struct hull_device_rule *d = i < n ? &res->devices[i] : &hull_cg_default_rules[i - n];
		char rule[80];
		rule_string(d, rule, sizeof(rule));
		r = hull_cg_write(h, d->allow ? "devices.allow" : "devices.deny", rule, err);
	}
	return r;
}

/* The same file on v1 and v2: a limit (0 is one: runtime-spec 1.3), or
 * "max" below 0. */
int hull_cg_pids_max(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	if (res->pids.limit >= 0)
		return hull_cg_writef(h, "pids.max", err, "%" PRId64, res->pids.limit);
	return hull_cg_write(h, "pids.max", "max", err);
}

static struct hull_cg_hier *v1_freezer(struct hull_cgroup *cg)
{
	struct hull_cg_hier *h = v1_find(cg, "freezer");
	return h && h->dirfd >= 0 ? h : NULL;
}

static int v1_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	struct hull_cg_hier *h = v1_freezer(cg);
	*frozen = false;
	if (!h)
		return -ENOTSUP;
	_cleanup_free_ char *s = NULL;
	int r = hull_cg_read(h, "freezer.state", &s, err);
	if (r == 0)
		*frozen = !strncmp(s, "FROZEN", 6);
	return r;
}

static int v1_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	struct hull_cg_hier *h = v1_freezer(cg);
	if (!h)
		return hull_errf(err, ENOTSUP, "cgroups: no v1 freezer hierarchy");
	const char *want = frozen ? "FROZEN" : "THAWED";
	uint64_t deadline = hull_now_ns() + FREEZE_WAIT_NS;
	unsigned wait_ms = 1;
	for (unsigned i = 0;; i++) {
		/* A task that forks or sleeps uninterruptibly holds the
		   state at FREEZING; writing again retries the stragglers,
		   and a thaw now and then unsticks them (as runc does). */
		if (frozen && i > 0 && i % 25 == 0)
			hull_cg_try_write(h, "freezer.state", "THAWED");
		int r = hull_cg_write(h, "freezer.state", want, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *s = NULL;
		if ((r = hull_cg_read(h, "freezer.state", &s, err)) < 0)
			return r;
		if (!strncmp(s, want, strlen(want)))
			return 0;
		if (hull_now_ns() >= deadline) {
			char label[512];
			if (frozen)
				hull_cg_try_write(h, "freezer.state", "THAWED");
			return hull_errf(err, ETIMEDOUT, "%s: freezer.state=%s: still %.*s after %llu s",
					 hull_cg_label(h, label, sizeof(label)), want, (int)strcspn(s, "\n"), s,
					 FREEZE_WAIT_NS / 1000000000ull);
		}
		hull_sleep_ms(wait_ms);
		if (wait_ms < 10)
			wait_ms++;
	}
}

/* The v1 hierarchies' tasks files, where the child writes "0" itself. */
static int v1_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err)
{
	(void)v2_fd;
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (h->v2)
			continue;
		int fd = openat(h->dirfd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			char label[512];
			return hull_syserr(err, errno, "%s: tasks", hull_cg_label(h, label, sizeof(label)));
		}
		*v1_fds = hull_xrealloc(*v1_fds, (*n + 1) * sizeof(int));
		(*v1_fds)[(*n)++] = fd;
	}
	return 0;
}

static int v1_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	return hull_cg_attach_version(cg, false, pid, err);
}

static int v1_kill(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	return hull_cg_kill_walk(cg, sig, err);
}

static int v1_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->h[i].v2)
			return hull_cg_walk_pids(&cg->h[i], pids, n, err);
	return 0;
}

static int v1_destroy(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err)
{
	return hull_cg_remove_version(cg, false, deadline, err);
}

const struct hull_cg_manager hull_cg_v1_manager = {
	.name = "cgroupfs-v1",
	.setup = v1_setup,
	.update = v1_update,
	.attach_fds = v1_attach_fds,
	.attach = v1_attach,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.kill = v1_kill,
	.pids = v1_pids,
	.stats = hull_cg_stats_all,
	.destroy = v1_destroy,
};
