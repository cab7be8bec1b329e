/* The cgroupfs managers against a directory tree made of plain files: what
 * each writes for linux.resources, on v1 and on v2, read back without root
 * and without a cgroup filesystem; the controller table's invariants; the
 * disabled manager. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../cgroups/internal.h"
#include "../../oci-spec/events.h"
#include "../lib/hull-test.h"

static char top[64];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "we");
	ck_assert_msg(f != NULL, "%s", p);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *rel)
{
	char p[512];
	static char buf[256];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	FILE *f = fopen(p, "re");
	ck_assert_msg(f != NULL, "%s", p);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static void dir(const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", top, rel);
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

/* A fake hierarchy per controller, with the files the writers expect. */
static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/hull-cgw-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	const char *v1[] = { "memory", "cpu", "pids", "cpuset" };
	for (size_t i = 0; i < 4; i++) {
		char d[64];
		snprintf(d, sizeof(d), "%s", v1[i]);
		dir(d);
		snprintf(d, sizeof(d), "%s/c", v1[i]);
		dir(d);
	}
	/* Empty: a write to a cgroup file replaces its value, one to a plain
	 * file only its first bytes. */
	static const char *const v1files[] = { "memory/c/memory.limit_in_bytes", "memory/c/memory.memsw.limit_in_bytes",
		"memory/c/memory.soft_limit_in_bytes", "cpu/c/cpu.shares", "cpu/c/cpu.cfs_quota_us",
		"cpu/c/cpu.cfs_period_us", "pids/c/pids.max", "cpuset/c/cpuset.cpus", "cpuset/c/cpuset.mems" };
	for (size_t i = 0; i < sizeof(v1files) / sizeof(v1files[0]); i++)
		put(v1files[i], "");
	dir("unified");
	dir("unified/c");
	put("unified/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("unified/cgroup.subtree_control", "\n");
	const char *v2files[] = { "memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max",
				  "pids.max", "cgroup.procs", "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < sizeof(v2files) / sizeof(v2files[0]); i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "unified/c/%s", v2files[i]);
		put(rel, "");
	}
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ck_assert_int_eq(system(cmd), 0);
}

static struct hull_cgroup *load_fake(bool v2)
{
	char s[1024];
	if (v2)
		snprintf(s, sizeof(s), "v2;v2::1:%s/unified:/c", top);
	else
		snprintf(s, sizeof(s), "v1;v1:memory:1:%s/memory:/c;v1:cpu:1:%s/cpu:/c;v1:pids:1:%s/pids:/c;"
			 "v1:cpuset:1:%s/cpuset:/c", top, top, top, top);
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_load(s, &cg, &err) == 0, "%s", err.msg);
	return cg;
}

static void parse_resources(const char *json, struct hull_resources *res)
{
	struct hull_err err = { 0 };
	ck_assert_msg(hull_resources_parse(json, strlen(json), res, &err) == 0, "%s", err.msg);
}

#define LIMITS "{\"memory\":{\"limit\":1048576,\"swap\":2097152,\"reservation\":524288}," \
	       "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"1\"}," \
	       "\"pids\":{\"limit\":42}}"

START_TEST(v1_writes)
{
	struct hull_cgroup *cg = load_fake(false);
	ck_assert_str_eq(cg->m->name, "cgroupfs-v1");
	struct hull_resources res = { 0 };
	parse_resources(LIMITS, &res);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("memory/c/memory.limit_in_bytes"), "1048576");
	ck_assert_str_eq(get("memory/c/memory.memsw.limit_in_bytes"), "2097152");
	ck_assert_str_eq(get("memory/c/memory.soft_limit_in_bytes"), "524288");
	ck_assert_str_eq(get("cpu/c/cpu.shares"), "512");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_quota_us"), "50000");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_period_us"), "100000");
	ck_assert_str_eq(get("pids/c/pids.max"), "42");
	ck_assert_str_eq(get("cpuset/c/cpuset.cpus"), "1");
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

START_TEST(v2_writes)
{
	struct hull_cgroup *cg = load_fake(true);
	ck_assert_str_eq(cg->m->name, "cgroupfs-v2");
	struct hull_resources res = { 0 };
	parse_resources(LIMITS, &res);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("unified/c/memory.max"), "1048576");
	/* the spec's swap is memory + swap; v2's is swap alone */
	ck_assert_str_eq(get("unified/c/memory.swap.max"), "1048576");
	ck_assert_str_eq(get("unified/c/memory.low"), "524288");
	ck_assert_str_eq(get("unified/c/cpu.weight"), "59");
	ck_assert_str_eq(get("unified/c/cpu.max"), "50000 100000");
	ck_assert_str_eq(get("unified/c/pids.max"), "42");
	/* each controller the limits need reaches the cgroup from its parent */
	ck_assert_ptr_nonnull(strstr(get("unified/cgroup.subtree_control"), "+"));
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

/* An update merges with what the v2 cgroup has, as runc's does: a period
 * alone keeps the quota, a swap limit alone counts from memory.max. */
START_TEST(v2_update_merges)
{
	struct hull_cgroup *cg = load_fake(true);
	put("unified/c/cpu.max", "50000 100000\n");
	put("unified/c/memory.max", "1048576\n");
	struct hull_resources res = { 0 };
	struct hull_err err = { 0 };
	const char *doc = "{\"cpu\":{\"period\":200000},\"memory\":{\"swap\":3145728}}";
	ck_assert_msg(hull_resources_parse(doc, strlen(doc), &res, &err) == 0, "%s", err.msg);
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("unified/c/cpu.max"), "50000 200000");
	ck_assert_str_eq(get("unified/c/memory.swap.max"), "2097152");
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

/* Zero is "not set" for the fields runc reads that way: nothing written. */
START_TEST(zero_is_unset)
{
	struct hull_cgroup *cg = load_fake(false);
	put("memory/c/memory.limit_in_bytes", "9223372036854771712\n");
	put("cpu/c/cpu.shares", "1024\n");
	put("cpu/c/cpu.cfs_quota_us", "-1\n");
	struct hull_resources res = { 0 };
	parse_resources("{\"memory\":{\"limit\":0},\"cpu\":{\"shares\":0,\"quota\":0}}", &res);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("memory/c/memory.limit_in_bytes"), "9223372036854771712");
	ck_assert_str_eq(get("cpu/c/cpu.shares"), "1024");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_quota_us"), "-1");
	ck_assert(hull_cg_asks_nothing(&res));
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

/* A v1 tree with the devices hierarchy too: the CRI's updates carry rules. */
static struct hull_cgroup *load_fake_devices(void)
{
	dir("devices");
	dir("devices/c");
	put("devices/c/devices.allow", "");
	put("devices/c/devices.deny", "");
	char s[1024];
	snprintf(s, sizeof(s), "v1;v1:memory:1:%s/memory:/c;v1:cpu:1:%s/cpu:/c;v1:pids:1:%s/pids:/c;"
		 "v1:cpuset:1:%s/cpuset:/c;v1:devices:1:%s/devices:/c", top, top, top, top, top);
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_load(s, &cg, &err) == 0, "%s", err.msg);
	return cg;
}

/* docker 20.10's linux.resources as `docker run --memory 64m --cpus 0.5
 * --pids-limit 50` writes it: "blockIO":{"weight":0} and zero shares are
 * not set (this tree has no blkio hierarchy: a weight would be refused). */
START_TEST(docker_create_resources)
{
	struct hull_cgroup *cg = load_fake_devices();
	put("cpu/c/cpu.shares", "1024\n");
	struct hull_resources res = { 0 };
	parse_resources("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
			"\"memory\":{\"limit\":67108864,\"swap\":134217728,\"disableOOMKiller\":false},"
			"\"cpu\":{\"shares\":0,\"quota\":50000,\"period\":100000},"
			"\"pids\":{\"limit\":50},\"blockIO\":{\"weight\":0}}", &res);
	ck_assert(!hull_cg_needs(&res, "blkio"));
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("memory/c/memory.limit_in_bytes"), "67108864");
	ck_assert_str_eq(get("cpu/c/cpu.shares"), "1024");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_quota_us"), "50000");
	ck_assert_str_eq(get("pids/c/pids.max"), "50");
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

/* `docker update --pids-limit 20` sends every other value as 0: only the
 * pids limit changes. A pids limit of 0 leaves the limit, as in runc. */
START_TEST(docker_update_zeros)
{
	struct hull_cgroup *cg = load_fake(false);
	put("memory/c/memory.limit_in_bytes", "67108864\n");
	put("memory/c/memory.soft_limit_in_bytes", "0\n");
	put("cpu/c/cpu.cfs_quota_us", "50000\n");
	put("cpu/c/cpu.cfs_period_us", "100000\n");
	put("pids/c/pids.max", "50\n");
	struct hull_resources res = { 0 };
	parse_resources("{\"memory\":{\"limit\":0,\"reservation\":0,\"kernel\":0},"
			"\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0},\"pids\":{\"limit\":20},"
			"\"blockIO\":{\"weight\":0}}", &res);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("memory/c/memory.limit_in_bytes"), "67108864");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_quota_us"), "50000");
	ck_assert_str_eq(get("cpu/c/cpu.cfs_period_us"), "100000");
	ck_assert_str_eq(get("pids/c/pids.max"), "20");
	hull_resources_free(&res);
	parse_resources("{\"pids\":{\"limit\":0},\"network\":{\"classID\":0}}", &res);
	ck_assert(hull_cg_asks_nothing(&res));
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("pids/c/pids.max"), "20");
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

/* The CRI's UpdateContainerResources sends the device rules with the
 * limits: the limits are written, the rules ignored (runc 1.1 does so). */
START_TEST(update_ignores_device_rules)
{
	struct hull_cgroup *cg = load_fake_devices();
	struct hull_resources res = { 0 };
	parse_resources("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}],"
			"\"memory\":{\"limit\":33554432},\"cpu\":{\"shares\":256}}", &res);
	struct hull_err err = { 0 };
	ck_assert_msg(hull_cgroup_update(cg, &res, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(get("memory/c/memory.limit_in_bytes"), "33554432");
	ck_assert_str_eq(get("cpu/c/cpu.shares"), "256");
	ck_assert_str_eq(get("devices/c/devices.allow"), "");
	ck_assert_str_eq(get("devices/c/devices.deny"), "");
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

START_TEST(attach_and_pids)
{
	struct hull_cgroup *cg = load_fake(true);
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cgroup_attach(cg, 4242, &err), 0);
	ck_assert_str_eq(get("unified/c/cgroup.procs"), "4242");
	dir("unified/c/sub");
	put("unified/c/sub/cgroup.procs", "17\n4242\n");
	pid_t *pids = NULL;
	size_t n = 0;
	ck_assert_int_eq(hull_cgroup_pids(cg, &pids, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(pids[0], 17);
	ck_assert_int_eq(pids[1], 4242);
	free(pids);
	hull_cgroup_free(cg);
}
END_TEST

/* Every list derives from the table: names, fields, both writers where
 * the controller exists in both versions. */
START_TEST(controller_table)
{
	ck_assert_uint_ge(hull_cg_n_controllers, 10);
	for (size_t i = 0; i < hull_cg_n_controllers; i++) {
		const struct hull_cg_controller *c = &hull_cg_controllers[i];
		ck_assert_ptr_nonnull(c->v1);
		ck_assert_ptr_nonnull(c->field);
		ck_assert_ptr_nonnull(c->asked);
		ck_assert_ptr_nonnull(c->write_v1);
		ck_assert_msg(!c->v2 || c->write_v2, "%s: in v2 without a v2 writer", c->v1);
		ck_assert_ptr_eq(hull_cg_controller(c->v1), c);
	}
	ck_assert_ptr_eq(hull_cg_controller("io"), hull_cg_controller("blkio"));
	ck_assert_ptr_null(hull_cg_controller("nope"));
	struct hull_resources none = { 0 };
	ck_assert(hull_cg_asks_nothing(&none));
}
END_TEST

START_TEST(disabled_manager)
{
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(hull_cgroup_load(NULL, &cg, &err), 0);
	ck_assert_str_eq(cg->m->name, "disabled");
	struct hull_resources res = { 0 };
	parse_resources("{\"pids\":{\"limit\":5}}", &res);
	ck_assert_int_eq(hull_cgroup_update(cg, &res, &err), -EACCES);
	ck_assert_ptr_nonnull(strstr(err.msg, "no cgroup of its own"));
	pid_t *pids = NULL;
	size_t n = 1;
	ck_assert_int_eq(hull_cgroup_pids(cg, &pids, &n, NULL), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(hull_cgroup_kill_all(cg, 9, -1, NULL), 0);
	ck_assert_int_eq(hull_cgroup_destroy(cg, -1, NULL), 0);
	hull_resources_free(&res);
	hull_cgroup_free(cg);
}
END_TEST

HULL_SUITE(cgroups_writers, unit)
{
	Suite *s = suite_create("cgroups_writers");
	TCase *t = tcase_create("writers");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, v1_writes);
	tcase_add_test(t, v2_writes);
	tcase_add_test(t, v2_update_merges);
	tcase_add_test(t, zero_is_unset);
	tcase_add_test(t, docker_create_resources);
	tcase_add_test(t, docker_update_zeros);
	tcase_add_test(t, update_ignores_device_rules);
	tcase_add_test(t, attach_and_pids);
	suite_add_tcase(s, t);
	TCase *u = tcase_create("table");
	tcase_add_test(u, controller_table);
	tcase_add_test(u, disabled_manager);
	suite_add_tcase(s, u);
	return s;
}
