/* Stats: hull's cgroup statistics as containerd's cgroups metrics
 * (io.containerd.cgroups.v1.Metrics or .v2.Metrics, by the host's
 * hierarchy, as containerd reads them). memory.stat's counters are set by
 * name through the message descriptor: the proto fields are named as the
 * kernel's keys (v2) or nearly so (v1: the renames below). */
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "metrics.pb-c.h"
#include "service.h"
#include "wire.pb-c.h"

static const char *const v1_renames[][2] = {
	{ "pgpgin", "pg_pg_in" },
	{ "pgpgout", "pg_pg_out" },
	{ "pgfault", "pg_fault" },
	{ "pgmajfault", "pg_maj_fault" },
	{ "hierarchical_memsw_limit", "hierarchical_swap_limit" },
	{ "total_pgpgin", "total_pg_pg_in" },
	{ "total_pgpgout", "total_pg_pg_out" },
	{ "total_pgfault", "total_pg_fault" },
	{ "total_pgmajfault", "total_pg_maj_fault" },
};

static void set_counters(ProtobufCMessage *m, const struct hull_stat_kv *kv, size_t n, bool v1)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = kv[i].key;
		for (size_t k = 0; v1 && k < sizeof(v1_renames) / sizeof(v1_renames[0]); k++)
			if (!strcmp(name, v1_renames[k][0]))
				name = v1_renames[k][1];
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
		if (f && f->type == PROTOBUF_C_TYPE_UINT64 && f->label != PROTOBUF_C_LABEL_REPEATED)
			*(uint64_t *)((char *)m + f->offset) = kv[i].value;
	}
}

static void v1_entry(Hullpb__V1MemoryEntry *e, const struct hull_mem_entry *h)
{
	hullpb__v1_memory_entry__init(e);
	e->limit = h->limit;
	e->usage = h->usage;
	e->max = h->max;
	e->failcnt = h->failcnt;
}

static Hullpb__V1BlkIOEntry **v1_blkio(const struct hull_blkio_entry *h, size_t n, Hullpb__V1BlkIOEntry *store)
{
	Hullpb__V1BlkIOEntry **v = hull_xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		hullpb__v1_blk_ioentry__init(&store[i]);
		store[i].op = (char *)h[i].op;
		store[i].device = "";
		store[i].major = h[i].major;
		store[i].minor = h[i].minor;
		store[i].value = h[i].value;
		v[i] = &store[i];
	}
	return v;
}

static void v1_pack(const struct hull_cgroup_stats *st, Hullpb__Any *any)
{
	Hullpb__V1Metrics m = HULLPB__V1_METRICS__INIT;
	Hullpb__PidsStat pids = HULLPB__PIDS_STAT__INIT;
	Hullpb__V1CPUStat cpu = HULLPB__V1_CPUSTAT__INIT;
	Hullpb__V1CPUUsage usage = HULLPB__V1_CPUUSAGE__INIT;
	Hullpb__V1Throttle thr = HULLPB__V1_THROTTLE__INIT;
	Hullpb__V1MemoryStat mem = HULLPB__V1_MEMORY_STAT__INIT;
	Hullpb__V1MemoryEntry mu, ms, mk, mt;
	Hullpb__V1MemoryOomControl oom = HULLPB__V1_MEMORY_OOM_CONTROL__INIT;
	Hullpb__V1BlkIOStat blk = HULLPB__V1_BLK_IOSTAT__INIT;
	_cleanup_free_ Hullpb__V1BlkIOEntry *bs = hull_xcalloc(st->blkio.n_bytes + st->blkio.n_ops + 1, sizeof(*bs));
	_cleanup_free_ Hullpb__V1HugetlbStat *hs = hull_xcalloc(st->n_hugetlb + 1, sizeof(*hs));
	_cleanup_free_ Hullpb__V1HugetlbStat **hv = hull_xcalloc(st->n_hugetlb + 1, sizeof(*hv));
	if (st->pids.present) {
		pids.current = st->pids.current;
		pids.limit = st->pids.limit;
		m.pids = &pids;
	}
	if (st->cpu.present) {
		usage.total = st->cpu.total;
		usage.kernel = st->cpu.kernel;
		usage.user = st->cpu.user;
		usage.per_cpu = st->cpu.percpu;
		usage.n_per_cpu = st->cpu.n_percpu;
		thr.periods = st->cpu.periods;
		thr.throttled_periods = st->cpu.throttled_periods;
		thr.throttled_time = st->cpu.throttled_time;
		cpu.usage = &usage;
		cpu.throttling = &thr;
		m.cpu = &cpu;
	}
	if (st->memory.present) {
		set_counters(&mem.base, st->memory.raw, st->memory.n_raw, true);
		v1_entry(&mu, &st->memory.usage);
		v1_entry(&ms, &st->memory.swap);
		v1_entry(&mk, &st->memory.kernel);
		v1_entry(&mt, &st->memory.kernel_tcp);
		mem.usage = &mu;
		mem.swap = &ms;
		mem.kernel = &mk;
		mem.kernel_tcp = &mt;
		m.memory = &mem;
		oom.oom_kill = st->memory.oom_kills;
		m.memory_oom_control = &oom;
	}
	if (st->blkio.present) {
		blk.io_service_bytes_recursive = v1_blkio(st->blkio.bytes, st->blkio.n_bytes, bs);
		blk.n_io_service_bytes_recursive = st->blkio.n_bytes;
		blk.io_serviced_recursive = v1_blkio(st->blkio.ops, st->blkio.n_ops, bs + st->blkio.n_bytes);
		blk.n_io_serviced_recursive = st->blkio.n_ops;
		m.blkio = &blk;
	}
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		hullpb__v1_hugetlb_stat__init(&hs[i]);
		hs[i].usage = st->hugetlb[i].usage;
		hs[i].max = st->hugetlb[i].max;
		hs[i].failcnt = st->hugetlb[i].failcnt;
		hs[i].pagesize = (char *)st->hugetlb[i].size;
		hv[i] = &hs[i];
	}
	m.hugetlb = hv;
	m.n_hugetlb = st->n_hugetlb;
	any->type_url = "io.containerd.cgroups.v1.Metrics";
	any->value.len = hullpb__v1_metrics__get_packed_size(&m);
	any->value.data = hull_xmalloc(any->value.len + 1);
	hullpb__v1_metrics__pack(&m, any->value.data);
	free(blk.io_service_bytes_recursive);
	free(blk.io_serviced_recursive);
}

/* v2's io.stat per device: bytes and ios read and written. */
static size_t v2_io(const struct hull_cgroup_stats *st, Hullpb__V2IOEntry *e, Hullpb__V2IOEntry **v)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		const struct hull_blkio_entry *h = pass ? st->blkio.ops : st->blkio.bytes;
		size_t nh = pass ? st->blkio.n_ops : st->blkio.n_bytes;
		for (size_t i = 0; i < nh; i++) {
			size_t k = 0;
			while (k < n && (e[k].major != h[i].major || e[k].minor != h[i].minor))
				k++;
			if (k == n) {
				hullpb__v2_ioentry__init(&e[n]);
				e[n].major = h[i].major;
				e[n].minor = h[i].minor;
				v[n] = &e[n];
				n++;
			}
			bool rd = !strcmp(h[i].op, "Read"), wr = !strcmp(h[i].op, "Write");
			uint64_t *dst = pass ? (rd   ? &e[k].rios
						: wr ? &e[k].wios
						     : NULL)
					     : (rd   ? &e[k].rbytes
						: wr ? &e[k].wbytes
						     : NULL);
			if (dst)
				*dst = h[i].value;
		}
	}
	return n;
}

static void v2_pack(const struct hull_cgroup_stats *st, Hullpb__Any *any)
{
	Hullpb__V2Metrics m = HULLPB__V2_METRICS__INIT;
	Hullpb__PidsStat pids = HULLPB__PIDS_STAT__INIT;
	Hullpb__V2CPUStat cpu = HULLPB__V2_CPUSTAT__INIT;
	Hullpb__V2MemoryStat mem = HULLPB__V2_MEMORY_STAT__INIT;
	Hullpb__V2MemoryEvents ev = HULLPB__V2_MEMORY_EVENTS__INIT;
	Hullpb__V2IOStat io = HULLPB__V2_IOSTAT__INIT;
	size_t nio = st->blkio.n_bytes + st->blkio.n_ops + 1;
	_cleanup_free_ Hullpb__V2IOEntry *ie = hull_xcalloc(nio, sizeof(*ie));
	_cleanup_free_ Hullpb__V2IOEntry **iv = hull_xcalloc(nio, sizeof(*iv));
	_cleanup_free_ Hullpb__V2HugeTlbStat *hs = hull_xcalloc(st->n_hugetlb + 1, sizeof(*hs));
	_cleanup_free_ Hullpb__V2HugeTlbStat **hv = hull_xcalloc(st->n_hugetlb + 1, sizeof(*hv));
	if (st->pids.present) {
		pids.current = st->pids.current;
		pids.limit = st->pids.limit;
		m.pids = &pids;
	}
	if (st->cpu.present) {
		cpu.usage_usec = st->cpu.total / 1000;
		cpu.user_usec = st->cpu.user / 1000;
		cpu.system_usec = st->cpu.kernel / 1000;
		cpu.nr_periods = st->cpu.periods;
		cpu.nr_throttled = st->cpu.throttled_periods;
		cpu.throttled_usec = st->cpu.throttled_time / 1000;
		m.cpu = &cpu;
	}
	if (st->memory.present) {
		set_counters(&mem.base, st->memory.raw, st->memory.n_raw, false);
		mem.usage = st->memory.usage.usage;
		mem.usage_limit = st->memory.usage.limit;
		mem.swap_usage = st->memory.swap.usage;
		mem.swap_limit = st->memory.swap.limit;
		m.memory = &mem;
		ev.oom_kill = st->memory.oom_kills;
		m.memory_events = &ev;
	}
	if (st->blkio.present) {
		io.n_usage = v2_io(st, ie, iv);
		io.usage = iv;
		m.io = &io;
	}
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		hullpb__v2_huge_tlb_stat__init(&hs[i]);
		hs[i].current = st->hugetlb[i].usage;
		hs[i].max = st->hugetlb[i].max;
		hs[i].pagesize = (char *)st->hugetlb[i].size;
		hv[i] = &hs[i];
	}
	m.hugetlb = hv;
	m.n_hugetlb = st->n_hugetlb;
	any->type_url = "io.containerd.cgroups.v2.Metrics";
	any->value.len = hullpb__v2_metrics__get_packed_size(&m);
	any->value.data = hull_xmalloc(any->value.len + 1);
	hullpb__v2_metrics__pack(&m, any->value.data);
}

void shim_metrics_any(const struct hull_cgroup_stats *st, bool v2, Hullpb__Any *any)
{
	hullpb__any__init(any);
	if (v2)
		v2_pack(st, any);
	else
		v1_pack(st, any);
}
