/* linux.resources through the hull binary, read back from the host's cgroup
 * files: set by config.json and changed by `hull update`; limits that hold
 * (a pids limit stops a fork loop, a memory limit OOM-kills, a blkio
 * throttle slows reads of a loop device); and the cgroup v2 eBPF device
 * filter through the library, in a cgroup of the unified tree.
 *
 * Each value is read twice: with a plain file read, and, in the v1
 * hierarchies, through libcgroup, an implementation independent of hull's
 * (libcgroup 2.0.2 does not know a cgroup2 tree mounted beside v1 ones, so
 * the unified tree is read from its files only).
 *
 * This file: the limits and their updates; the suite. The block device
 * throttle and the device filter are in cgroups-devices.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroups-resources.h"

bool cgr_pure_v2(void)
{
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

/* This process's cgroup in the hierarchy of controller ("" = v2). */
static bool own_path(const char *controller, char *out, size_t len)
{
	if (!ht_own_cgroup(controller, out, len))
		return false;
	if (!strcmp(out, "/"))
		*out = 0;
	return true;
}

/* The container's cgroup directory holding controller: the default path
 * hull/ID below the test's own cgroup in that hierarchy; under the systemd
 * driver its scope, where the init is. NULL when the host has no such
 * controller. */
static const char *cg_dir(struct ht *t, const char *controller)
{
	static char dirs[8][4096];
	static unsigned next;
	char *out = dirs[next++ % 8], own[2048];
	if (ht_systemd_driver()) {
		ck_assert_msg(cgr_pure_v2(), "the systemd driver's tests need cgroup v2 alone");
		ht_init_cgroup_dir(t, out, 4096);
		char scope[96];
		ht_scope_name(t, scope, sizeof(scope));
		/* the limits are read where systemd put the init, not anywhere */
		ck_assert_msg(strstr(out, "/" HT_SYSTEMD_SLICE "/") && !strcmp(strrchr(out, '/') + 1, scope),
			      "the init is in %s, not in %s/%s", out, HT_SYSTEMD_SLICE, scope);
		return out;
	}
	if (cgr_pure_v2()) {
		/* v2 only: relative paths nest under the parent of our cgroup */
		ck_assert(own_path("", own, sizeof(own)));
		char *slash = strrchr(own, '/');
		if (slash)
			*slash = 0;
		snprintf(out, 4096, "/sys/fs/cgroup%s/hull/%s", own, t->id);
		return out;
	}
	if (own_path(controller, own, sizeof(own))) {
		snprintf(out, 4096, "/sys/fs/cgroup/%s%s/hull/%s", controller, own, t->id);
		return out;
	}
	/* hybrid: a controller of the unified tree */
	char *avail = ht_read("/sys/fs/cgroup/unified/cgroup.controllers");
	bool there = avail && strstr(avail, controller);
	free(avail);
	if (!there || !own_path("", own, sizeof(own)))
		return NULL;
	snprintf(out, 4096, "/sys/fs/cgroup/unified%s/hull/%s", own, t->id);
	return out;
}

/* libcgroup's reading of dir/file, for a dir in a v1 hierarchy; NULL
 * elsewhere. Caller frees. */
static char *libcgroup_read(const char *dir, const char *file)
{
	static const char base[] = "/sys/fs/cgroup/";
	static bool ready;
	if (cgr_pure_v2() || strncmp(dir, base, sizeof(base) - 1))
		return NULL;
	char ctrl[64];
	const char *rel = strchr(dir + sizeof(base) - 1, '/');
	if (!rel || (size_t)(rel - dir) - (sizeof(base) - 1) >= sizeof(ctrl))
		return NULL;
	snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(rel - dir - (sizeof(base) - 1)), dir + sizeof(base) - 1);
	if (!strcmp(ctrl, "unified"))
		return NULL;
	if (!ready) {
		int r = cgroup_init();
		ck_assert_msg(r == 0, "cgroup_init: %s", cgroup_strerror(r));
		ready = true;
	}
	struct cgroup *cg = cgroup_new_cgroup(rel + 1);
	ck_assert_ptr_nonnull(cg);
	int r = cgroup_get_cgroup(cg);
	ck_assert_msg(r == 0, "libcgroup: %s in %s: %s", rel + 1, ctrl, cgroup_strerror(r));
	struct cgroup_controller *c = cgroup_get_controller(cg, ctrl);
	char *v = NULL;
	ck_assert_msg(c && cgroup_get_value_string(c, file, &v) == 0 && v,
		      "libcgroup: %s/%s: no value", dir, file);
	cgroup_free(&cg);
	size_t n = strlen(v);
	while (n && v[n - 1] == '\n')
		v[--n] = 0;
	return v;
}

static void assert_cg(const char *dir, const char *file, const char *want)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	char *got = ht_read(p);
	ck_assert_msg(got != NULL, "%s: unreadable", p);
	size_t n = strlen(got);
	while (n && got[n - 1] == '\n')
		got[--n] = 0;
	ck_assert_msg(!strcmp(got, want), "%s: \"%s\", want \"%s\"", p, got, want);
	free(got);
	char *lib = libcgroup_read(dir, file);
	ck_assert_msg(!lib || !strcmp(lib, want), "libcgroup %s: \"%s\", want \"%s\"", p, lib, want);
	free(lib);
}

static long long cg_num(const char *dir, const char *file, const char *key)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	char *s = ht_read(p);
	ck_assert_msg(s != NULL, "%s: unreadable", p);
	long long v = -1;
	if (!key) {
		v = atoll(s);
	} else {
		size_t kl = strlen(key);
		for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (!strncmp(l, key, kl) && l[kl] == ' ')
				v = atoll(l + kl + 1);
	}
	free(s);
	return v;
}

json_t *cgr_resources(struct ht *t)
{
	json_t *l = json_object_get(t->cfg, "linux");
	json_t *r = json_object_get(l, "resources");
	if (!r) {
		r = json_object();
		json_object_set_new(l, "resources", r);
	}
	return r;
}

static bool have_file(const char *dir, const char *file)
{
	char p[4200];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

/* A block device every host has: the one holding /tmp, or loop0. */
static bool some_block_device(unsigned *maj, unsigned *min)
{
	struct stat st;
	if (stat("/dev/loop0", &st) == 0 && S_ISBLK(st.st_mode)) {
		*maj = major(st.st_rdev);
		*min = minor(st.st_rdev);
		return true;
	}
	return false;
}

/* What config_then_update asks for, and where it reads it back. */
struct cg_case {
	bool v2, huge, blk;	/* cgroup v2 alone; 2 MiB huge pages; a block device */
	unsigned maj, min;	/* the block device */
	const char *mem, *cpu, *pids, *cpuset, *hug, *io;	/* the container's cgroup dirs */
};

/* linux.resources of config_then_update: every kind of limit this host has. */
static void config_limits(struct ht *t, struct cg_case *c)
{
	c->v2 = cgr_pure_v2();
	json_t *res = cgr_resources(t);
	json_object_set_new(res, "memory", json_pack("{s:I, s:I}", "limit", (json_int_t)(64 << 20), "reservation",
						     (json_int_t)(32 << 20)));
	if (!c->v2)
		json_object_set_new(json_object_get(res, "memory"), "swappiness", json_integer(10));
	json_object_set_new(res, "cpu", json_pack("{s:I, s:I, s:I, s:I, s:s}", "shares", (json_int_t)512, "quota",
						  (json_int_t)20000, "period", (json_int_t)100000, "burst",
						  (json_int_t)1000, "cpus", "0"));
	json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)50));
	c->huge = access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
	if (c->huge)
		json_object_set_new(res, "hugepageLimits",
				    json_pack("[{s:s, s:I}]", "pageSize", "2MB", "limit", (json_int_t)(4 << 20)));
	else
		ht_skip_part("no 2 MB huge pages on this host: no hugepageLimits");
	c->blk = some_block_device(&c->maj, &c->min);
	if (!c->blk)
		ht_skip_part("no block device on this host: no blockIO throttles");
	else
		json_object_set_new(res, "blockIO",
				    json_pack("{s:[{s:I, s:I, s:I}], s:[{s:I, s:I, s:I}]}", "throttleReadBpsDevice",
					      "major", (json_int_t)c->maj, "minor", (json_int_t)c->min, "rate",
					      (json_int_t)1048576, "throttleWriteIOPSDevice", "major",
					      (json_int_t)c->maj, "minor", (json_int_t)c->min, "rate", (json_int_t)100));
}

/* The created container's cgroup dirs, and the values of config_limits in them. */
static void assert_config_limits(struct ht *t, struct cg_case *c)
{
	c->mem = cg_dir(t, "memory");
	c->cpu = cg_dir(t, "cpu");
	c->pids = cg_dir(t, "pids");
	c->cpuset = cg_dir(t, "cpuset");
	c->hug = c->huge ? cg_dir(t, "hugetlb") : NULL;
	c->io = cg_dir(t, c->v2 ? "io" : "blkio");
	ck_assert(c->mem && c->cpu && c->pids && c->cpuset);
	char want[128];
	if (c->v2) {
		assert_cg(c->mem, "memory.max", "67108864");
		assert_cg(c->mem, "memory.low", "33554432");
		assert_cg(c->cpu, "cpu.weight", "59");
		assert_cg(c->cpu, "cpu.max", "20000 100000");
		assert_cg(c->cpu, "cpu.max.burst", "1000");
	} else {
		assert_cg(c->mem, "memory.limit_in_bytes", "67108864");
		assert_cg(c->mem, "memory.soft_limit_in_bytes", "33554432");
		assert_cg(c->mem, "memory.swappiness", "10");
		assert_cg(c->cpu, "cpu.shares", "512");
		assert_cg(c->cpu, "cpu.cfs_quota_us", "20000");
		assert_cg(c->cpu, "cpu.cfs_period_us", "100000");
		if (have_file(c->cpu, "cpu.cfs_burst_us"))
			assert_cg(c->cpu, "cpu.cfs_burst_us", "1000");
		else
			ht_skip_part("no cpu.cfs_burst_us (a kernel before 5.14): the burst not read back");
	}
	assert_cg(c->cpuset, "cpuset.cpus", "0");
	assert_cg(c->pids, "pids.max", "50");
	if (c->huge && !c->hug)
		ht_skip_part("no hugetlb controller on this host: hugepageLimits not read back");
	if (c->hug)
		assert_cg(c->hug, c->v2 || strstr(c->hug, "/unified") ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes",
			  "4194304");
	if (c->blk && c->io && !c->v2) {
		snprintf(want, sizeof(want), "%u:%u 1048576", c->maj, c->min);
		assert_cg(c->io, "blkio.throttle.read_bps_device", want);
		snprintf(want, sizeof(want), "%u:%u 100", c->maj, c->min);
		assert_cg(c->io, "blkio.throttle.write_iops_device", want);
	} else if (c->blk && c->io) {
		snprintf(want, sizeof(want), "%u:%u rbps=1048576 wbps=max riops=max wiops=100", c->maj, c->min);
		assert_cg(c->io, "io.max", want);
	}
}

/* update through the shorthand flags, runc's units */
static void update_by_flags(struct ht *t, const struct cg_case *c)
{
	ht_ok(t, "update", "--memory", "128m", "--memory-reservation", "16M", "--cpu-share", "1024", "--cpu-quota",
	      "30000", "--cpu-period", "200000", "--pids-limit", "70", t->id, NULL);
	if (c->v2) {
		assert_cg(c->mem, "memory.max", "134217728");
		assert_cg(c->mem, "memory.low", "16777216");
		assert_cg(c->cpu, "cpu.max", "30000 200000");
	} else {
		assert_cg(c->mem, "memory.limit_in_bytes", "134217728");
		assert_cg(c->mem, "memory.soft_limit_in_bytes", "16777216");
		assert_cg(c->cpu, "cpu.shares", "1024");
		assert_cg(c->cpu, "cpu.cfs_quota_us", "30000");
		assert_cg(c->cpu, "cpu.cfs_period_us", "200000");
	}
	assert_cg(c->pids, "pids.max", "70");
}

/* `update -r -` with json: exit 0. */
static void update_json(struct ht *t, const char *json)
{
	struct ht_result r;
	ht_hull(t, &r, json, "update", "-r", "-", t->id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
}

/* update through --cgr_resources (stdin), flags override the file; block I/O;
 * unified; a limit below the usage refused */
static void update_by_file(struct ht *t, const struct cg_case *c)
{
	char json[1024], want[128];
	snprintf(json, sizeof(json),
		 "{\"memory\": {\"limit\": 100663296}, \"pids\": {\"limit\": 80}%s%s}",
		 c->huge ? ", \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 8388608}]" : "",
		 c->blk ? "" : "");
	struct ht_result r;
	ht_hull(t, &r, json, "update", "--resources", "-", "--pids-limit", "90", t->id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	assert_cg(c->mem, c->v2 ? "memory.max" : "memory.limit_in_bytes", "100663296");
	assert_cg(c->pids, "pids.max", "90");
	if (c->hug)
		assert_cg(c->hug, c->v2 || strstr(c->hug, "/unified") ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes",
			  "8388608");
	if (c->blk && c->io) {
		snprintf(json, sizeof(json), "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 2097152}]}}",
			 c->maj, c->min);
		update_json(t, json);
		snprintf(want, sizeof(want), c->v2 ? "%u:%u rbps=2097152 wbps=max riops=max wiops=100" : "%u:%u 2097152",
			 c->maj, c->min);
		assert_cg(c->io, c->v2 ? "io.max" : "blkio.throttle.read_bps_device", want);
	}
	/* unified: the hugetlb controller is in the v2 tree (hybrid or v2) */
	if (c->hug && (c->v2 || strstr(c->hug, "/unified"))) {
		update_json(t, "{\"unified\": {\"hugetlb.2MB.max\": \"2097152\"}}");
		assert_cg(c->hug, "hugetlb.2MB.max", "2097152");
	}
	/* checkBeforeUpdate: a limit below the usage is refused, nothing changes */
	ht_hull(t, &r, "{\"memory\": {\"limit\": 4096, \"checkBeforeUpdate\": true}}", "update", "-r", "-", t->id,
		NULL);
	ht_assert_error(&r, "linux.resources.memory.limit: 4096 is below the current usage");
	ht_result_free(&r);
	assert_cg(c->mem, c->v2 ? "memory.max" : "memory.limit_in_bytes", "100663296");
}

START_TEST(config_then_update)
{
	struct ht t;
	struct cg_case c = { 0 };
	ht_begin(&t, false);
	ht_args(&t, "sleep", "1000", NULL);
	config_limits(&t, &c);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	assert_config_limits(&t, &c);
	update_by_flags(&t, &c);
	update_by_file(&t, &c);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(update_refusals)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);

	ht_hull(&t, &r, NULL, "update", "--l3-cache-schema", "L3:0=f", t.id, NULL);
	ht_assert_error(&r, "has no linux.intelRdt group");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "update", "--mem-bw-schema", "L3:0=f", t.id, NULL);
	ht_assert_error(&r, "update: --mem-bw-schema: must start with MB:");
	ht_result_free(&r);
	ht_hull(&t, &r, "{\"memory\": {\"limit\": \"64m\"}}", "update", "--resources", "-", t.id, NULL);
	ht_assert_error(&r, "update: --resources -: resources.memory.limit: expected an integer");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "update", "--memory", "64x", t.id, NULL);
	ht_assert_error(&r, "update: --memory: \"64x\" is not a size");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "update", "--blkio-weight", "5", t.id, NULL);
	ht_assert_error(&r, "--blkio-weight: 5: must be 10 to 1000");
	ht_result_free(&r);
	/* device rules are ignored (runc 1.1; clients-compat checks the cgroup) */
	ht_hull(&t, &r, "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}", "update", "-r", "-", t.id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	if (!cgr_pure_v2()) {
		/* memory is a v1 controller here: a v2 file means nothing */
		ht_hull(&t, &r, "{\"unified\": {\"memory.high\": \"1000000\"}}", "update", "-r", "-", t.id, NULL);
		ht_assert_error(&r, "linux.resources.unified.memory.high: the memory controller is not in this host's cgroup v2 tree");
		ht_result_free(&r);
		/* no CFQ: blkio.leaf_weight is gone from every kernel since 5.0 */
		const char *io = cg_dir(&t, "blkio");
		if (io && !have_file(io, "blkio.leaf_weight")) {
			ht_hull(&t, &r, "{\"blockIO\": {\"leafWeight\": 100}}", "update", "-r", "-", t.id, NULL);
			ht_assert_error(&r, "linux.resources.blockIO.leafWeight: blkio.leaf_weight: not available on this host (no proportional I/O scheduler)");
			ht_result_free(&r);
		} else {
			ht_skip_part("blkio.leaf_weight exists here (or no blkio): its refusal not checked");
		}
		/* net_cls is not mounted on this host */
		if (!cg_dir(&t, "net_cls")) {
			ht_hull(&t, &r, "{\"network\": {\"classID\": 1048577}}", "update", "-r", "-", t.id, NULL);
			ht_assert_error(&r, "linux.resources.network.classID: the net_cls cgroup controller is not available");
			ht_result_free(&r);
		} else {
			ht_skip_part("net_cls is mounted here: the refusal of classID without it not checked");
		}
	}
	ht_hull(&t, &r, "{\"hugepageLimits\": [{\"pageSize\": \"3MB\", \"limit\": 0}]}", "update", "-r", "-", t.id,
		NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "3MB"), "stderr: %s", r.err);
	ht_result_free(&r);

	/* stopped: the init ran `true` and exited */
	ht_ok(&t, "start", t.id, NULL);
	char status[32] = "";
	for (int i = 0; i < 200 && strcmp(status, "stopped"); i++) {
		ht_state_pid(&t, t.id, status, sizeof(status));
		usleep(10000);
	}
	ck_assert_str_eq(status, "stopped");
	ht_hull(&t, &r, NULL, "update", "--memory", "64m", t.id, NULL);
	char want[128];
	snprintf(want, sizeof(want), "container %s is stopped", t.id);
	ht_assert_error(&r, want);
	ht_result_free(&r);
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(pids_limit_stops_fork_loop)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	/* Each line is one more sleeper; the shell itself is one pid. */
	ht_sh(&t, "i=0; while [ $i -lt 100 ]; do sleep 100 & i=$((i+1)); echo $i; done; echo done");
	json_object_set_new(cgr_resources(&t), "pids", json_pack("{s:I}", "limit", (json_int_t)10));
	ht_run(&t, &r);
	ck_assert_msg(!strstr(r.out, "done"), "the loop ran to its end:\n%s", r.out);
	ck_assert_msg(strstr(r.err, "fork"), "stderr: %s", r.err);
	int last = 0;
	for (char *l = r.out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		last = atoi(l);
	ck_assert_msg(last <= 9 && last >= 8, "%d sleepers forked under pids.max 10", last);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(memory_limit_oom_kills)
{
	struct ht t;
	ht_begin(&t, false);
	ht_add_sync(&t);
	/* dd's 64 MiB buffer is filled by the read: it cannot stay below 16. */
	ht_sh(&t, "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo rc=$? > /mnt/ready; sleep 1000");
	json_t *mem = json_pack("{s:I}", "limit", (json_int_t)(16 << 20));
	/* memory + swap equal to memory: no swap to escape to */
	if (cgr_pure_v2() || access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0)
		json_object_set_new(mem, "swap", json_integer(16 << 20));
	json_object_set_new(cgr_resources(&t), "memory", mem);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ht_ok(&t, "start", t.id, NULL);
	char *line = ht_wait_ready(&t);
	ck_assert_msg(!strcmp(line, "rc=137\n"), "dd: %s", line);
	free(line);
	const char *dir = cg_dir(&t, "memory");
	if (cgr_pure_v2()) {
		ck_assert_int_gt(cg_num(dir, "memory.events", "oom_kill"), 0);
		ck_assert_int_gt(cg_num(dir, "memory.events", "max"), 0);
	} else {
		/* The peak reached the limit and the kernel killed there.
		   (memory.failcnt stays 0 on 6.x here: the OOM path charges
		   without counting a failure, so it is not a witness.) */
		ck_assert_int_eq(cg_num(dir, "memory.max_usage_in_bytes", NULL), 16 << 20);
		ck_assert_int_gt(cg_num(dir, "memory.oom_control", "oom_kill"), 0);
		ck_assert_int_eq(cg_num(dir, "memory.oom_control", "under_oom"), 0);
	}
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

HULL_TESTS(cgroups_devices);

HULL_SUITE(cgroups_resources, integration)
{
	Suite *s = suite_create("cgroups_resources");
	TCase *tc = tcase_create("resources");
	tcase_add_unchecked_fixture(tc, cgr_setup, cgr_teardown);
	tcase_add_checked_fixture(tc, NULL, cgr_teardown);
	tcase_add_test(tc, config_then_update);
	tcase_add_test(tc, update_refusals);
	tcase_add_test(tc, pids_limit_stops_fork_loop);
	tcase_add_test(tc, memory_limit_oom_kills);
	hull_tests_cgroups_devices(tc);
	suite_add_tcase(s, tc);
	return s;
}
