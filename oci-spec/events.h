/* What `hull events` and `hull run --stats-file` print: runc's event JSON
 * (types/events.go: {"type","id","data"}) and hull's per-run report. The
 * statistics are plain data here so that cgroups/ can fill them without
 * oci-spec/ knowing any cgroup file. */
#ifndef HULL_OCI_EVENTS_H
#define HULL_OCI_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One counter of memory.stat, or any other "key value" file. */
struct hull_stat_kv {
	char *key;
	uint64_t value;
};

/* runc's BlkioEntry: op is "Read", "Write", "Sync", "Async", "Discard" or "Total". */
struct hull_blkio_entry {
	uint64_t major, minor;
	char op[12];
	uint64_t value;
};

/* runc's MemoryEntry; present tells the files existed. */
struct hull_mem_entry {
	bool present;
	uint64_t usage, max, limit, failcnt;
};

struct hull_hugetlb_stat {
	char size[24];		/* "2MB", "1GB" */
	uint64_t usage, max, failcnt;
};

/* A cgroup's statistics. Every group has a flag: a host that lacks the
 * controller or the file leaves it false (and the field out of the JSON),
 * which is not an error. Times are nanoseconds. */
struct hull_cgroup_stats {
	struct {
		bool present;
		uint64_t total, user, kernel;
		uint64_t *percpu;	/* v1 only: cpuacct.usage_percpu */
		size_t n_percpu;
		bool has_throttling;
		uint64_t periods, throttled_periods, throttled_time;
		bool has_wait;		/* cpu.pressure "some total": runnable, not running */
		uint64_t wait;
	} cpu;
	struct {
		bool present;
		uint64_t cache;
		struct hull_mem_entry usage, swap, kernel, kernel_tcp;
		bool has_oom_kills;
		uint64_t oom_kills;
		struct hull_stat_kv *raw;	/* memory.stat */
		size_t n_raw;
	} memory;
	struct {
		bool present;
		uint64_t current;
		uint64_t limit;		/* 0: no limit ("max"), as runc reports it */
		bool has_peak;
		uint64_t peak;
	} pids;
	struct {
		bool present;
		struct hull_blkio_entry *bytes, *ops;	/* ioServiceBytesRecursive, ioServicedRecursive */
		size_t n_bytes, n_ops;
	} blkio;
	struct hull_hugetlb_stat *hugetlb;
	size_t n_hugetlb;
	/* The CPU limits the kernel holds, for the run report. */
	struct {
		bool has_shares;	/* v1 cpu.shares */
		uint64_t shares;
		bool has_weight;	/* v2 cpu.weight */
		uint64_t weight;
		bool has_quota;		/* quota_us < 0: no quota */
		int64_t quota_us;
		uint64_t period_us;
		char *cpus;		/* the effective cpuset, "0-1", or NULL */
		unsigned n_cpus;	/* CPUs in it, 0 when unknown */
	} limits;
};

void hull_cgroup_stats_free(struct hull_cgroup_stats *st);	/* members, not st */

/* The number of CPUs in a cpuset list ("0-3,8"), 0 when it does not parse. */
unsigned hull_cpuset_count(const char *list);

/* {"type":"stats","id":ID,"data":{...}} on one line, runc's schema.
 * Caller frees; NULL on ENOMEM. */
char *hull_events_stats_json(const char *id, const struct hull_cgroup_stats *st);

/* {"type":"oom","id":ID} */
char *hull_events_oom_json(const char *id);

/* `run --stats-file`: one object about a finished container. */
struct hull_run_report {
	const char *id;
	int exit_code;
	uint64_t wall_time_ns;
	const struct hull_cgroup_stats *st;
	const char *cpu_limited_by;	/* "bandwidth", "cpuset", "shares" or "none" */
};

char *hull_run_report_json(const struct hull_run_report *r);

#endif
