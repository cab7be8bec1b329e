/* The bytes of `hull events` (runc's types/events.go) and of the
 * `run --stats-file` report. */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "json-util.h"

void hull_cgroup_stats_free(struct hull_cgroup_stats *st)
{
	free(st->cpu.percpu);
	for (size_t i = 0; i < st->memory.n_raw; i++)
		free(st->memory.raw[i].key);
	free(st->memory.raw);
	free(st->blkio.bytes);
	free(st->blkio.ops);
	free(st->hugetlb);
	free(st->limits.cpus);
	memset(st, 0, sizeof(*st));
}

unsigned hull_cpuset_count(const char *list)
{
	unsigned n = 0;
	const char *p = list;
	while (p && *p && *p != '\n') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			return 0;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				return 0;
		}
		n += (unsigned)(b - a + 1);
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return 0;
	}
	return n;
}

/* Go's encoding/json with omitempty leaves zero numbers out; runc's schema
 * relies on it, so do we for the fields runc marks omitempty. */
static void set_u64(json_t *o, const char *key, uint64_t v, bool omitempty)
{
	if (omitempty && v == 0)
		return;
	/* jansson holds int64: counters above it (v1's "no limit") are
	   clamped, which only touches "unlimited" values. */
	json_object_set_new(o, key, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

static json_t *mem_entry(const struct hull_mem_entry *e)
{
	json_t *o = json_object();
	set_u64(o, "limit", e->limit, false);
	set_u64(o, "usage", e->usage, true);
	set_u64(o, "max", e->max, true);
	set_u64(o, "failcnt", e->failcnt, false);
	return o;
}

static json_t *blkio_list(const struct hull_blkio_entry *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		set_u64(o, "major", v[i].major, true);
		set_u64(o, "minor", v[i].minor, true);
		if (v[i].op[0])
			json_object_set_new(o, "op", json_string(v[i].op));
		set_u64(o, "value", v[i].value, true);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *stats_data(const struct hull_cgroup_stats *st)
{
	json_t *d = json_object();

	json_t *cpu = json_object(), *usage = json_object(), *thr = json_object();
	if (st->cpu.present) {
		set_u64(usage, "total", st->cpu.total, true);
		if (st->cpu.n_percpu) {
			json_t *a = json_array();
			for (size_t i = 0; i < st->cpu.n_percpu; i++)
				json_array_append_new(a, json_integer((json_int_t)st->cpu.percpu[i]));
			json_object_set_new(usage, "percpu", a);
		}
		set_u64(usage, "kernel", st->cpu.kernel, false);
		set_u64(usage, "user", st->cpu.user, false);
	}
	if (st->cpu.has_throttling) {
		set_u64(thr, "periods", st->cpu.periods, true);
		set_u64(thr, "throttledPeriods", st->cpu.throttled_periods, true);
		set_u64(thr, "throttledTime", st->cpu.throttled_time, true);
	}
	json_object_set_new(cpu, "usage", usage);
	json_object_set_new(cpu, "throttling", thr);
	json_object_set_new(d, "cpu", cpu);

	json_t *mem = json_object();
	if (st->memory.present) {
		set_u64(mem, "cache", st->memory.cache, true);
		json_object_set_new(mem, "usage", mem_entry(&st->memory.usage));
		json_object_set_new(mem, "swap", mem_entry(&st->memory.swap));
		json_object_set_new(mem, "kernel", mem_entry(&st->memory.kernel));
		json_object_set_new(mem, "kernelTCP", mem_entry(&st->memory.kernel_tcp));
		if (st->memory.n_raw) {
			json_t *raw = json_object();
			for (size_t i = 0; i < st->memory.n_raw; i++)
				set_u64(raw, st->memory.raw[i].key, st->memory.raw[i].value, false);
			json_object_set_new(mem, "raw", raw);
		}
	}
	json_object_set_new(d, "memory", mem);

	json_t *pids = json_object();
	if (st->pids.present) {
		set_u64(pids, "current", st->pids.current, true);
		set_u64(pids, "limit", st->pids.limit, true);
	}
	json_object_set_new(d, "pids", pids);

	json_t *blkio = json_object();
	if (st->blkio.n_bytes)
		json_object_set_new(blkio, "ioServiceBytesRecursive", blkio_list(st->blkio.bytes, st->blkio.n_bytes));
	if (st->blkio.n_ops)
		json_object_set_new(blkio, "ioServicedRecursive", blkio_list(st->blkio.ops, st->blkio.n_ops));
	json_object_set_new(d, "blkio", blkio);

	json_t *huge = json_object();
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		json_t *o = json_object();
		set_u64(o, "usage", st->hugetlb[i].usage, true);
		set_u64(o, "max", st->hugetlb[i].max, true);
		set_u64(o, "failcnt", st->hugetlb[i].failcnt, false);
		json_object_set_new(huge, st->hugetlb[i].size, o);
	}
	json_object_set_new(d, "hugetlb", huge);
	return d;
}

static char *event(const char *type, const char *id, json_t *data)
{
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "id", json_string(id));
	if (data)
		json_object_set_new(o, "data", data);
	return json_dumps(o, JSON_COMPACT);
}

char *hull_events_stats_json(const char *id, const struct hull_cgroup_stats *st)
{
	return event("stats", id, stats_data(st));
}

char *hull_events_oom_json(const char *id)
{
	return event("oom", id, NULL);
}

static json_t *u64_or_null(bool have, uint64_t v)
{
	return have ? json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v) : json_null();
}

/* v1 reports "no memory limit" as a page-rounded LONG_MAX, v2 as "max". */
static bool is_unlimited(uint64_t v)
{
	return v >= (1ull << 62);
}

/* Per device: read/write bytes and ops, from runc's per-op entries. */
static json_t *report_blkio(const struct hull_cgroup_stats *st)
{
	json_t *a = json_array();
	for (int pass = 0; pass < 2; pass++) {
		const struct hull_blkio_entry *v = pass ? st->blkio.ops : st->blkio.bytes;
		size_t n = pass ? st->blkio.n_ops : st->blkio.n_bytes;
		for (size_t i = 0; i < n; i++) {
			bool rd = !strcmp(v[i].op, "Read");
			if (!rd && strcmp(v[i].op, "Write"))
				continue;
			json_t *dev = NULL;
			size_t k;
			json_array_foreach(a, k, dev) {
				if ((uint64_t)json_integer_value(json_object_get(dev, "major")) == v[i].major &&
				    (uint64_t)json_integer_value(json_object_get(dev, "minor")) == v[i].minor)
					break;
				dev = NULL;
			}
			if (!dev) {
				dev = json_object();
				set_u64(dev, "major", v[i].major, false);
				set_u64(dev, "minor", v[i].minor, false);
				static const char *const keys[] = { "read_bytes", "write_bytes", "read_ops", "write_ops" };
				for (size_t j = 0; j < 4; j++)
					json_object_set_new(dev, keys[j], json_integer(0));
				json_array_append_new(a, dev);
			}
			const char *key = pass ? (rd ? "read_ops" : "write_ops") : (rd ? "read_bytes" : "write_bytes");
			set_u64(dev, key, v[i].value, false);
		}
	}
	return a;
}

char *hull_run_report_json(const struct hull_run_report *r)
{
	const struct hull_cgroup_stats *st = r->st;
	_cleanup_json_ json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "exit_code", json_integer(r->exit_code));
	set_u64(o, "wall_time_ns", r->wall_time_ns, false);

	json_t *cpu = json_object();
	json_object_set_new(cpu, "user_ns", u64_or_null(st->cpu.present, st->cpu.user));
	json_object_set_new(cpu, "system_ns", u64_or_null(st->cpu.present, st->cpu.kernel));
	json_object_set_new(cpu, "usage_ns", u64_or_null(st->cpu.present, st->cpu.total));
	json_object_set_new(cpu, "periods", u64_or_null(st->cpu.has_throttling, st->cpu.periods));
	json_object_set_new(cpu, "throttled_periods", u64_or_null(st->cpu.has_throttling, st->cpu.throttled_periods));
	json_object_set_new(cpu, "throttled_time_ns", u64_or_null(st->cpu.has_throttling, st->cpu.throttled_time));
	json_object_set_new(cpu, "wait_ns", u64_or_null(st->cpu.has_wait, st->cpu.wait));
	json_object_set_new(o, "cpu", cpu);

	json_t *mem = json_object();
	const struct hull_mem_entry *mu = &st->memory.usage;
	json_object_set_new(mem, "peak_bytes", u64_or_null(mu->present && mu->max, mu->max));
	json_object_set_new(mem, "failcnt", u64_or_null(mu->present, mu->failcnt));
	json_object_set_new(mem, "oom_kills", u64_or_null(st->memory.has_oom_kills, st->memory.oom_kills));
	json_object_set_new(mem, "limit_bytes", u64_or_null(mu->present && !is_unlimited(mu->limit), mu->limit));
	json_object_set_new(o, "memory", mem);

	json_t *pids = json_object();
	json_object_set_new(pids, "peak", u64_or_null(st->pids.has_peak, st->pids.peak));
	json_object_set_new(pids, "current", u64_or_null(st->pids.present, st->pids.current));
	json_object_set_new(pids, "limit", u64_or_null(st->pids.present && st->pids.limit, st->pids.limit));
	json_object_set_new(o, "pids", pids);

	json_object_set_new(o, "blkio", report_blkio(st));

	json_t *lim = json_object();
	json_object_set_new(lim, "cpu_shares", u64_or_null(st->limits.has_shares, st->limits.shares));
	json_object_set_new(lim, "cpu_weight", u64_or_null(st->limits.has_weight, st->limits.weight));
	bool quota = st->limits.has_quota && st->limits.quota_us > 0;
	json_object_set_new(lim, "cpu_quota_us", u64_or_null(quota, (uint64_t)st->limits.quota_us));
	json_object_set_new(lim, "cpu_period_us", u64_or_null(st->limits.has_quota, st->limits.period_us));
	json_object_set_new(lim, "cpus", st->limits.cpus ? json_string(st->limits.cpus) : json_null());
	json_object_set_new(lim, "memory_bytes", u64_or_null(mu->present && !is_unlimited(mu->limit), mu->limit));
	json_object_set_new(lim, "pids", u64_or_null(st->pids.present && st->pids.limit, st->pids.limit));
	json_object_set_new(o, "limits", lim);

	json_object_set_new(o, "cpu_limited_by", json_string(r->cpu_limited_by));
	return json_dumps(o, JSON_COMPACT);
}
