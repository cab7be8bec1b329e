/* Statistics of a cgroup, from whichever hierarchy holds each controller:
 * v1 file names or v2 ones, into the plain struct of oci-spec/events.h.
 * A file the host lacks leaves its field out; only a cgroup that is gone
 * is an error. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "internal.h"

/* The file's text, or NULL when the host does not have it. */
static char *get(const struct hull_cg_hier *h, const char *file)
{
	char *buf = NULL;
	if (!h || h->dirfd < 0 || hull_read_file_at(h->dirfd, file, &buf, NULL, NULL) < 0)
		return NULL;
	return buf;
}

/* A file holding one number ("max" reads as UINT64_MAX). */
static bool get_u64(const struct hull_cg_hier *h, const char *file, uint64_t *v)
{
	_cleanup_free_ char *s = get(h, file);
	if (!s)
		return false;
	s[strcspn(s, "\n")] = 0;
	if (!strcmp(s, "max")) {
		*v = UINT64_MAX;
		return true;
	}
	return hull_parse_u64(s, v) == 0;
}

/* key's value in a "key value" per line file (cpu.stat, memory.stat). */
static bool kv_find(const char *text, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l;) {
		if (!strncmp(l, key, kl) && l[kl] == ' ') {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(l + kl + 1, &end, 10);
			if (errno || end == l + kl + 1)
				return false;
			*v = n;
			return true;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

static bool get_kv(const struct hull_cg_hier *h, const char *file, const char *key, uint64_t *v)
{
	_cleanup_free_ char *s = get(h, file);
	return s && kv_find(s, key, v);
}

static struct hull_cg_hier *owner(struct hull_cgroup *cg, const char *controller)
{
	struct hull_cg_hier *h = hull_cg_find(cg, controller);
	return h && h->dirfd >= 0 ? h : NULL;
}

static void cpu_v1(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *acct = owner(cg, "cpuacct");
	if (acct && !acct->v2 && get_u64(acct, "cpuacct.usage", &st->cpu.total)) {
		st->cpu.present = true;
		if (!get_u64(acct, "cpuacct.usage_user", &st->cpu.user) ||
		    !get_u64(acct, "cpuacct.usage_sys", &st->cpu.kernel)) {
			/* Older kernels: USER_HZ ticks only. */
			long hz = sysconf(_SC_CLK_TCK);
			uint64_t u = 0, s = 0;
			_cleanup_free_ char *t = get(acct, "cpuacct.stat");
			if (t && hz > 0 && kv_find(t, "user", &u) && kv_find(t, "system", &s)) {
				st->cpu.user = u * (1000000000ull / (uint64_t)hz);
				st->cpu.kernel = s * (1000000000ull / (uint64_t)hz);
			}
		}
		_cleanup_free_ char *per = get(acct, "cpuacct.usage_percpu");
		for (char *p = per, *end; p && *p && *p != '\n'; p = end) {
			uint64_t v = strtoull(p, &end, 10);
			if (end == p)
				break;
			st->cpu.percpu = hull_xrealloc(st->cpu.percpu, (st->cpu.n_percpu + 1) * sizeof(uint64_t));
			st->cpu.percpu[st->cpu.n_percpu++] = v;
			end += strspn(end, " ");
		}
	}
	struct hull_cg_hier *cpu = owner(cg, "cpu");
	if (cpu && !cpu->v2) {
		_cleanup_free_ char *s = get(cpu, "cpu.stat");
		if (s && kv_find(s, "nr_periods", &st->cpu.periods) &&
		    kv_find(s, "nr_throttled", &st->cpu.throttled_periods) &&
		    kv_find(s, "throttled_time", &st->cpu.throttled_time))
			st->cpu.has_throttling = true;
		st->limits.has_shares = get_u64(cpu, "cpu.shares", &st->limits.shares);
		uint64_t q;
		_cleanup_free_ char *qs = get(cpu, "cpu.cfs_quota_us");
		if (qs && get_u64(cpu, "cpu.cfs_period_us", &st->limits.period_us)) {
			st->limits.has_quota = true;
			qs[strcspn(qs, "\n")] = 0;
			st->limits.quota_us = hull_parse_u64(qs, &q) == 0 && q <= INT64_MAX ? (int64_t)q : -1;
		}
	}
}

static void cpu_v2(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	/* usage_usec and friends are in cpu.stat of every v2 cgroup, with the
	   cpu controller or without it; throttling needs the controller. */
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	struct hull_cg_hier *cpu = owner(cg, "cpu");
	if (!st->cpu.present && v2 && v2->dirfd >= 0 && (!cpu || cpu->v2)) {
		_cleanup_free_ char *s = get(v2, "cpu.stat");
		uint64_t t, u, k;
		if (s && kv_find(s, "usage_usec", &t) && kv_find(s, "user_usec", &u) &&
		    kv_find(s, "system_usec", &k)) {
			st->cpu.present = true;
			st->cpu.total = t * 1000;
			st->cpu.user = u * 1000;
			st->cpu.kernel = k * 1000;
		}
	}
	if (cpu && cpu->v2) {
		_cleanup_free_ char *s = get(cpu, "cpu.stat");
		uint64_t us;
		if (s && kv_find(s, "nr_periods", &st->cpu.periods) &&
		    kv_find(s, "nr_throttled", &st->cpu.throttled_periods) &&
		    kv_find(s, "throttled_usec", &us)) {
			st->cpu.has_throttling = true;
			st->cpu.throttled_time = us * 1000;
		}
		st->limits.has_weight = get_u64(cpu, "cpu.weight", &st->limits.weight);
		_cleanup_free_ char *max = get(cpu, "cpu.max");
		char quota[32];
		unsigned long long period;
		if (max && sscanf(max, "%31s %llu", quota, &period) == 2) {
			uint64_t q;
			st->limits.has_quota = true;
			st->limits.period_us = period;
			st->limits.quota_us = hull_parse_u64(quota, &q) == 0 && q <= INT64_MAX ? (int64_t)q : -1;
		}
	}
	/* PSI: the time some task of the cgroup was runnable but waited for a
	   CPU, whatever held it (bandwidth, cpuset, shares or other tenants). */
	if (v2 && v2->dirfd >= 0) {
		_cleanup_free_ char *p = get(v2, "cpu.pressure");
		const char *tot = p && !strncmp(p, "some ", 5) ? strstr(p, " total=") : NULL;
		if (tot && tot < strchrnul(p, '\n')) {
			st->cpu.wait = strtoull(tot + 7, NULL, 10) * 1000;
			st->cpu.has_wait = true;
		}
	}
}

void hull_cg_stats_cpuset(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *h = owner(cg, "cpuset");
	char *s = h ? get(h, h->v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus") : NULL;
	if (!s)
		return;
	s[strcspn(s, "\n")] = 0;
	st->limits.cpus = s;
	st->limits.n_cpus = hull_cpuset_count(s);
}

static void raw_stat(const char *text, struct hull_cgroup_stats *st)
{
	for (const char *l = text; l && *l;) {
		const char *sp = strchr(l, ' '), *nl = strchrnul(l, '\n');
		if (sp && sp < nl) {
			char *end;
			uint64_t v = strtoull(sp + 1, &end, 10);
			if (end != sp + 1) {
				st->memory.raw = hull_xrealloc(st->memory.raw, (st->memory.n_raw + 1) * sizeof(*st->memory.raw));
				st->memory.raw[st->memory.n_raw++] = (struct hull_stat_kv){
					hull_xstrndup(l, (size_t)(sp - l)), v };
			}
		}
		l = *nl ? nl + 1 : NULL;
	}
}

static void mem_entry_v1(struct hull_cg_hier *h, const char *prefix, struct hull_mem_entry *e)
{
	char f[4][64];
	snprintf(f[0], sizeof(f[0]), "%s.usage_in_bytes", prefix);
	snprintf(f[1], sizeof(f[1]), "%s.max_usage_in_bytes", prefix);
	snprintf(f[2], sizeof(f[2]), "%s.limit_in_bytes", prefix);
	snprintf(f[3], sizeof(f[3]), "%s.failcnt", prefix);
	e->present = get_u64(h, f[0], &e->usage);
	if (e->present) {
		get_u64(h, f[1], &e->max);
		get_u64(h, f[2], &e->limit);
		get_u64(h, f[3], &e->failcnt);
	}
}

void hull_cg_stats_memory(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *h = owner(cg, "memory");
	if (!h)
		return;
	_cleanup_free_ char *raw = get(h, "memory.stat");
	if (raw)
		raw_stat(raw, st);
	if (!h->v2) {
		mem_entry_v1(h, "memory", &st->memory.usage);
		mem_entry_v1(h, "memory.memsw", &st->memory.swap);
		mem_entry_v1(h, "memory.kmem", &st->memory.kernel);
		mem_entry_v1(h, "memory.kmem.tcp", &st->memory.kernel_tcp);
		st->memory.has_oom_kills = get_kv(h, "memory.oom_control", "oom_kill", &st->memory.oom_kills);
		if (raw)
			kv_find(raw, "cache", &st->memory.cache);
	} else {
		struct hull_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;
		u->present = get_u64(h, "memory.current", &u->usage);
		if (u->present) {
			get_u64(h, "memory.peak", &u->max);
			get_u64(h, "memory.max", &u->limit);
			get_kv(h, "memory.events", "max", &u->failcnt);
		}
		s->present = get_u64(h, "memory.swap.current", &s->usage);
		if (s->present) {
			get_u64(h, "memory.swap.peak", &s->max);
			get_u64(h, "memory.swap.max", &s->limit);
			get_kv(h, "memory.swap.events", "max", &s->failcnt);
		}
		st->memory.has_oom_kills = get_kv(h, "memory.events", "oom_kill", &st->memory.oom_kills);
		if (raw)
			kv_find(raw, "file", &st->memory.cache);
	}
	st->memory.present = st->memory.usage.present;
}

void hull_cg_stats_pids(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *h = owner(cg, "pids");
	if (!h || !get_u64(h, "pids.current", &st->pids.current))
		return;
	st->pids.present = true;
	uint64_t max;
	if (get_u64(h, "pids.max", &max))
		st->pids.limit = max == UINT64_MAX ? 0 : max;
	st->pids.has_peak = get_u64(h, "pids.peak", &st->pids.peak);
}

static void blk_add(struct hull_blkio_entry **v, size_t *n, uint64_t maj, uint64_t min, const char *op,
		    uint64_t value)
{
	*v = hull_xrealloc(*v, (*n + 1) * sizeof(**v));
	struct hull_blkio_entry *e = &(*v)[(*n)++];
	*e = (struct hull_blkio_entry){ .major = maj, .minor = min, .value = value };
	snprintf(e->op, sizeof(e->op), "%s", op);
}

/* "8:0 Read 4096" lines; the last line "Total N" has no device. */
static void blkio_v1(struct hull_cg_hier *h, const char *file, struct hull_blkio_entry **v, size_t *n)
{
	_cleanup_free_ char *s = get(h, file);
	for (char *l = s, *save = NULL, *t; s && (t = strtok_r(l, "\n", &save)); l = NULL) {
		unsigned long long maj, min, val;
		char op[12];
		if (sscanf(t, "%llu:%llu %11s %llu", &maj, &min, op, &val) == 4)
			blk_add(v, n, maj, min, op, val);
	}
}

/* io.stat: "8:0 rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
static void blkio_v2(struct hull_cg_hier *h, struct hull_cgroup_stats *st)
{
	static const struct { const char *key, *op; bool ops; } map[] = {
		{ "rbytes", "Read", false }, { "wbytes", "Write", false }, { "dbytes", "Discard", false },
		{ "rios", "Read", true }, { "wios", "Write", true }, { "dios", "Discard", true },
	};
	_cleanup_free_ char *s = get(h, "io.stat");
	for (char *l = s, *save = NULL, *t; s && (t = strtok_r(l, "\n", &save)); l = NULL) {
		unsigned long long maj, min;
		int off;
		if (sscanf(t, "%llu:%llu%n", &maj, &min, &off) != 2)
			continue;
		for (char *f = t + off, *fs = NULL, *kv; (kv = strtok_r(f, " ", &fs)); f = NULL) {
			char *eq = strchr(kv, '=');
			if (!eq)
				continue;
			*eq = 0;
			for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
				if (!strcmp(kv, map[i].key)) {
					uint64_t v = strtoull(eq + 1, NULL, 10);
					if (map[i].ops)
						blk_add(&st->blkio.ops, &st->blkio.n_ops, maj, min, map[i].op, v);
					else
						blk_add(&st->blkio.bytes, &st->blkio.n_bytes, maj, min, map[i].op, v);
				}
		}
	}
}

void hull_cg_stats_blkio(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *h = owner(cg, "blkio");
	if (!h)
		h = owner(cg, "io");
	if (!h)
		return;
	st->blkio.present = true;
	if (h->v2) {
		blkio_v2(h, st);
		return;
	}
	blkio_v1(h, "blkio.throttle.io_service_bytes_recursive", &st->blkio.bytes, &st->blkio.n_bytes);
	blkio_v1(h, "blkio.throttle.io_serviced_recursive", &st->blkio.ops, &st->blkio.n_ops);
}

/* hugepages-2048kB -> "2MB", as the kernel names the hugetlb files. */
static bool page_size_name(const char *dirname, char *out, size_t len)
{
	unsigned long long kb;
	if (sscanf(dirname, "hugepages-%llukB", &kb) != 1)
		return false;
	if (kb >= 1024 * 1024 && kb % (1024 * 1024) == 0)
		snprintf(out, len, "%lluGB", kb / (1024 * 1024));
	else if (kb >= 1024 && kb % 1024 == 0)
		snprintf(out, len, "%lluMB", kb / 1024);
	else
		snprintf(out, len, "%llukB", kb);
	return true;
}

void hull_cg_stats_hugetlb(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	struct hull_cg_hier *h = owner(cg, "hugetlb");
	if (!h)
		return;
	_cleanup_closedir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct hull_hugetlb_stat hs = { 0 };
		char f[96];
		if (!page_size_name(de->d_name, hs.size, sizeof(hs.size)))
			continue;
		if (h->v2) {
			snprintf(f, sizeof(f), "hugetlb.%s.current", hs.size);
			if (!get_u64(h, f, &hs.usage))
				continue;
			snprintf(f, sizeof(f), "hugetlb.%s.events", hs.size);
			get_kv(h, f, "max", &hs.failcnt);
		} else {
			snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", hs.size);
			if (!get_u64(h, f, &hs.usage))
				continue;
			snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", hs.size);
			get_u64(h, f, &hs.max);
			snprintf(f, sizeof(f), "hugetlb.%s.failcnt", hs.size);
			get_u64(h, f, &hs.failcnt);
		}
		st->hugetlb = hull_xrealloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(*st->hugetlb));
		st->hugetlb[st->n_hugetlb++] = hs;
	}
}

void hull_cg_stats_cpu(struct hull_cgroup *cg, struct hull_cgroup_stats *st)
{
	cpu_v1(cg, st);
	cpu_v2(cg, st);
}

/* The stats op of every cgroupfs manager: each controller of the table
 * reads what its hierarchy has. */
int hull_cg_stats_all(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err)
{
	bool any = false;
	for (size_t i = 0; i < cg->n; i++)
		any |= cg->h[i].dirfd >= 0;
	if (!any)
		return hull_errf(err, ENOENT, "cgroup %s: no longer exists", cg->n ? cg->h[0].path : "?");
	for (size_t i = 0; i < hull_cg_n_controllers; i++)
		if (hull_cg_controllers[i].stats)
			hull_cg_controllers[i].stats(cg, st);
	return 0;
}
