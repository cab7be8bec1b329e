/* runtime-spec 1.3 fields, as the container sees them: idmapped bind
 * mounts, linux.memoryPolicy, the CPU mask (reset, or execCPUAffinity's
 * final set), pids.limit 0, a relative mount destination, and
 * linux.intelRdt refused where resctrl is not mounted. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../lib/ht.h"

static json_t *lnx(struct ht *t) { return json_object_get(t->cfg, "linux"); }

static json_t *resources(struct ht *t)
{
	if (!json_object_get(lnx(t), "resources"))
		json_object_set_new(lnx(t), "resources", json_object());
	return json_object_get(lnx(t), "resources");
}

static void touch_owned(const char *dir, const char *name, uid_t id)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fclose(f);
	ck_assert_int_eq(chown(path, id, id), 0);
}

/* An idmap bind mount without a user namespace: the mount's mapping
 * (containerID on disk to hostID seen) applies, an unmapped owner shows
 * as the overflow id, and the host's files keep their owners. */
START_TEST(idmap_bind_mount)
{
	struct ht t;
	struct ht_result r;
	char src[128];
	ht_begin(&t, false);
	snprintf(src, sizeof(src), "%s/idmap-src", t.bundle);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	touch_owned(src, "f0", 0);
	touch_owned(src, "f1000", 1000);
	ht_mount(&t, "/m", "bind", src, "bind", "idmap", NULL);
	json_t *m = json_array_get(json_object_get(t.cfg, "mounts"),
				   json_array_size(json_object_get(t.cfg, "mounts")) - 1);
	json_t *map = json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 1000, "size", 1);
	json_object_set(m, "uidMappings", map);
	json_object_set_new(m, "gidMappings", map);
	ht_sh(&t, "stat -c '%n %u:%g' /m/f0 /m/f1000");
	ht_run(&t, &r);
	if (r.status != 0 && strstr(r.err, "mount_setattr"))
		ht_skip("the filesystem of %s has no idmapped mounts: %.*s", src, (int)strcspn(r.err, "\n"), r.err);
	else {
		ht_assert_status(&r, 0);
		ck_assert_str_eq(r.out, "/m/f0 1000:1000\n/m/f1000 65534:65534\n");
		struct stat st;
		char f[256];
		snprintf(f, sizeof(f), "%s/f1000", src);
		ck_assert_int_eq(stat(f, &st), 0);
		ck_assert_int_eq(st.st_uid, 1000);
	}
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* The task policy shows in numa_maps for mappings without one of their own. */
START_TEST(memory_policy_bind)
{
	if (access("/proc/self/numa_maps", F_OK) != 0) {
		ht_skip("this kernel has no NUMA (no numa_maps)");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(lnx(&t), "memoryPolicy", json_pack("{s:s, s:s}", "mode", "MPOL_BIND", "nodes", "0"));
	ht_sh(&t, "head -1 /proc/self/numa_maps | cut -d' ' -f2");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "bind:0\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static char *online_cpus(void)
{
	char *s = ht_read("/sys/devices/system/cpu/online");
	ck_assert_ptr_nonnull(s);
	s[strcspn(s, "\n")] = 0;
	return s;
}

/* hull run and hull exec from a process pinned to CPU 0: the container's
 * processes get every CPU (kernels from 6.2 keep the mask across exec),
 * or for exec process.execCPUAffinity.final (the spec: not the init's). */
START_TEST(cpu_affinity)
{
	char *all = online_cpus();
	if (!strcmp(all, "0")) {
		ht_skip("one CPU online");
		free(all);
		return;
	}
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	struct ht t;
	struct ht_result r;
	char want[128], file[128];
	snprintf(want, sizeof(want), "Cpus_allowed_list:\t%s\n", all);
	ht_begin(&t, false);
	ht_sh(&t, "grep Cpus_allowed_list /proc/self/status");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	ht_finish(&t);

	ht_begin(&t, false);
	ht_args(&t, "sleep", "60", NULL);
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	ht_hull(&t, &r, NULL, "exec", t.id, "grep", "Cpus_allowed_list", "/proc/self/status", NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);

	json_t *p = json_deep_copy(json_object_get(t.cfg, "process"));
	json_object_set_new(p, "args", json_pack("[s,s,s]", "grep", "Cpus_allowed_list", "/proc/self/status"));
	json_object_set_new(p, "execCPUAffinity", json_pack("{s:s, s:s}", "initial", "0", "final", "1"));
	snprintf(file, sizeof(file), "%s/process.json", t.bundle);
	ck_assert_int_eq(json_dump_file(p, file, 0), 0);
	json_decref(p);
	ht_hull(&t, &r, NULL, "exec", "--process", file, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "Cpus_allowed_list:\t1\n");
	ht_result_free(&r);

	/* initial alone: the process joins the cgroup on CPU 1, then gets all */
	p = json_deep_copy(json_object_get(t.cfg, "process"));
	json_object_set_new(p, "args", json_pack("[s,s,s]", "grep", "Cpus_allowed_list", "/proc/self/status"));
	json_object_set_new(p, "execCPUAffinity", json_pack("{s:s}", "initial", "1"));
	ck_assert_int_eq(json_dump_file(p, file, 0), 0);
	json_decref(p);
	ht_hull(&t, &r, NULL, "exec", "--process", file, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
	free(all);
}
END_TEST

/* runtime-spec 1.3: a pids limit of 0 is a limit: the container's process
 * runs (it was placed, not forked, into the cgroup) and cannot fork. */
START_TEST(pids_limit_zero)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(resources(&t), "pids", json_pack("{s:i}", "limit", 0));
	ht_sh(&t, "/bin/true; echo forked");
	ht_run(&t, &r);
	ck_assert_msg(r.status == 2 && strstr(r.err, "can't fork") && !strstr(r.out, "forked"),
		      "exit %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* runtime-spec 1.2: a relative destination is taken from /, with a warning. */
START_TEST(relative_destination)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_mount(&t, "rel/m", "tmpfs", "tmpfs", "size=64k", NULL);
	ht_sh(&t, "grep -c ' /rel/m ' /proc/self/mountinfo");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\n");
	ck_assert_msg(strstr(r.err, "hull: warning: mounts[") && strstr(r.err, "rel/m: relative, taken as /rel/m\n"),
		      "%s", r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* The config's mounts without /dev (and, with below, those under it). */
static void drop_dev_mounts(struct ht *t, bool below)
{
	json_t *mounts = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(t->cfg, "mounts"), i, m) {
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (below ? strncmp(d, "/dev", 4) : strcmp(d, "/dev"))
			json_array_append(mounts, m);
	}
	json_object_set_new(t->cfg, "mounts", mounts);
}

/* The "remount" option changes the mount an earlier entry made (here a
 * tmpfs's size and read-only); nosymfollow holds on a bind mount. */
START_TEST(remount_and_nosymfollow)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_mount(&t, "/mnt", "tmpfs", "tmpfs", "size=4m", NULL);
	ht_mount(&t, "/mnt", "tmpfs", "tmpfs", "remount", "ro", "size=1m", NULL);
	ht_mount(&t, "/b", "bind", t.bundle, "rbind", "nosymfollow", NULL);
	ht_sh(&t, "grep ' /mnt ' /proc/self/mountinfo | awk '{print $6, $NF}'; "
		  "grep -c ' /b .*nosymfollow' /proc/self/mountinfo");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "ro,relatime ro,size=1024k\n1\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* linux.devices: a file of the image where a device goes is an error, and
 * the image keeps it. */
START_TEST(device_over_a_file)
{
	struct ht t;
	struct ht_result r;
	char f[4300];
	ht_begin(&t, true);
	snprintf(f, sizeof(f), "%s/dev/ht-dev", t.rootfs);
	FILE *fp = fopen(f, "we");
	ck_assert_ptr_nonnull(fp);
	fputs("image\n", fp);
	fclose(fp);
	drop_dev_mounts(&t, false);
	json_object_set_new(lnx(&t), "devices", json_pack("[{s:s, s:s, s:i, s:i}]", "path", "/dev/ht-dev",
							   "type", "c", "major", 1, "minor", 3));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	ht_assert_error(&r, "linux.devices[0] /dev/ht-dev: a file that is not this device is already there");
	ht_result_free(&r);
	char *kept = ht_read(f);
	ck_assert_str_eq(kept, "image\n");
	free(kept);
	ht_finish(&t);
}
END_TEST

/* A /dev bound from elsewhere is used as it is (it may be the host's), but
 * the default devices must be in it. */
START_TEST(bound_dev_needs_default_devices)
{
	struct ht t;
	struct ht_result r;
	char empty[128];
	ht_begin(&t, false);
	snprintf(empty, sizeof(empty), "%s/empty-dev", t.bundle);
	ck_assert_int_eq(mkdir(empty, 0755), 0);
	drop_dev_mounts(&t, true);
	ht_mount(&t, "/dev", "bind", empty, "rbind", NULL);
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	ht_assert_error(&r, "/dev/null: not in the /dev bound into the container");
	ht_result_free(&r);
	ht_finish(&t);

	ht_begin(&t, false);
	drop_dev_mounts(&t, true);
	ht_mount(&t, "/dev", "bind", "/dev", "rbind", "nosuid", NULL);
	ht_sh(&t, "test -c /dev/null && test -c /dev/tty && echo ok");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "ok\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

#define RDTGROUP_SUPER_MAGIC 0x7655821

/* Where resctrl is not mounted, linux.intelRdt is an error, never ignored. */
START_TEST(intel_rdt_refused)
{
	struct statfs sf;
	if (statfs("/sys/fs/resctrl", &sf) == 0 && sf.f_type == RDTGROUP_SUPER_MAGIC) {
		ht_skip("resctrl is mounted here");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(lnx(&t), "intelRdt", json_pack("{s:s}", "closID", "ht"));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	ht_assert_error(&r, "linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(spec13, integration)
{
	Suite *s = suite_create("spec13");
	TCase *tc = tcase_create("spec13");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, idmap_bind_mount);
	tcase_add_test(tc, memory_policy_bind);
	tcase_add_test(tc, cpu_affinity);
	tcase_add_test(tc, pids_limit_zero);
	tcase_add_test(tc, relative_destination);
	tcase_add_test(tc, intel_rdt_refused);
	tcase_add_test(tc, remount_and_nosymfollow);
	tcase_add_test(tc, device_over_a_file);
	tcase_add_test(tc, bound_dev_needs_default_devices);
	suite_add_tcase(s, tc);
	return s;
}
