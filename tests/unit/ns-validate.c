/* namespaces/: what the parent refuses before anything exists (sysctl keys,
 * mounts, the namespace plan), and the pure path helpers behind it. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "../../namespaces/internal.h"
#include "../lib/hull-test.h"

static struct hull_spec spec;
static struct hull_kv kv[1];
static struct hull_mount mnt[1];
static struct hull_err err;

static void reset(void)
{
	memset(&spec, 0, sizeof(spec));
	memset(kv, 0, sizeof(kv));
	memset(mnt, 0, sizeof(mnt));
	hull_err_clear(&err);
	spec.linux_.ns[HULL_NS_MOUNT].present = true;
}

static int sysctl(const char *key, int need_ns, const char *ns_path)
{
	reset();
	kv[0].key = (char *)key;
	kv[0].value = (char *)"1";
	spec.linux_.sysctl.v = kv;
	spec.linux_.sysctl.n = 1;
	if (need_ns >= 0) {
		spec.linux_.ns[need_ns].present = true;
		spec.linux_.ns[need_ns].path = (char *)ns_path;
	}
	return hull_sysctl_validate(&spec, &err);
}

START_TEST(sysctl_rules)
{
	ck_assert_int_eq(sysctl("kernel.shmmax", HULL_NS_IPC, NULL), 0);
	ck_assert_int_eq(sysctl("fs.mqueue.msg_max", HULL_NS_IPC, NULL), 0);
	ck_assert_int_eq(sysctl("net.ipv4.ip_forward", HULL_NS_NETWORK, NULL), 0);
	ck_assert_int_eq(sysctl("kernel.domainname", HULL_NS_UTS, NULL), 0);

	ck_assert_int_eq(sysctl("kernel.shmmax", HULL_NS_NETWORK, NULL), -EPERM);
	ck_assert_str_eq(err.msg, "linux.sysctl.kernel.shmmax: needs the container's own ipc namespace "
			 "(it would change the host)");
	ck_assert_int_eq(sysctl("net.ipv4.ip_forward", -1, NULL), -EPERM);
	ck_assert_int_eq(sysctl("vm.swappiness", HULL_NS_IPC, NULL), -EPERM);
	ck_assert_str_eq(err.msg, "linux.sysctl.vm.swappiness: not namespaced, refused (it would change the host)");
	ck_assert_int_eq(sysctl("kernel.shmmaxx", HULL_NS_IPC, NULL), -EPERM);
	/* joining the host's own network namespace by path owns nothing */
	ck_assert_int_eq(sysctl("net.ipv4.ip_forward", HULL_NS_NETWORK, "/proc/self/ns/net"), -EPERM);

	ck_assert_int_eq(sysctl("net.ipv4/../../kernel.x", HULL_NS_NETWORK, NULL), -EINVAL);
	ck_assert_int_eq(sysctl("net..ipv4", HULL_NS_NETWORK, NULL), -EINVAL);
	ck_assert_int_eq(sysctl("net.ipv4.", HULL_NS_NETWORK, NULL), -EINVAL);
	ck_assert_int_eq(sysctl(".net.x", HULL_NS_NETWORK, NULL), -EINVAL);
	ck_assert_int_eq(sysctl("", HULL_NS_NETWORK, NULL), -EINVAL);
}
END_TEST

START_TEST(sysctl_path)
{
	char *p = NULL;
	ck_assert_int_eq(hull_sysctl_path("net.ipv4.conf.all.forwarding", &p), 0);
	ck_assert_str_eq(p, "net/ipv4/conf/all/forwarding");
	free(p);
	ck_assert_int_eq(hull_sysctl_path("a/b", &p), -EINVAL);
}
END_TEST

START_TEST(path_helpers)
{
	static const char *const clean[][2] = {
		{ "/", "/" }, { "//a//b/", "/a/b" }, { "/a/./b/.", "/a/b" }, { "/a/../b", "/a/../b" },
		{ "", "/" }, { "/.", "/" },
	};
	for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
		char *c = hull_path_clean(clean[i][0]);
		ck_assert_str_eq(c, clean[i][1]);
		free(c);
	}
	ck_assert(hull_proc_dest_allowed("proc"));
	ck_assert(hull_proc_dest_allowed("procfoo/x"));
	ck_assert(hull_proc_dest_allowed("dev/shm"));
	ck_assert(hull_proc_dest_allowed("proc/cpuinfo"));
	ck_assert(hull_proc_dest_allowed("proc/sys/kernel/ns_last_pid"));
	ck_assert(!hull_proc_dest_allowed("proc/sys"));
	ck_assert(!hull_proc_dest_allowed("proc/self/fd"));
	ck_assert(!hull_proc_dest_allowed("proc/cpuinfo/x"));
}
END_TEST

static int mount_check(const char *dest, const char *type, const char *source, bool bind)
{
	reset();
	mnt[0].destination = (char *)dest;
	mnt[0].type = (char *)type;
	mnt[0].source = (char *)source;
	mnt[0].is_bind = bind;
	spec.mounts = mnt;
	spec.n_mounts = 1;
	return hull_mounts_validate(&spec, &err);
}

START_TEST(mounts_rules)
{
	ck_assert_int_eq(mount_check("/proc", "proc", "proc", false), 0);
	ck_assert_int_eq(mount_check("/sys/fs/cgroup", "cgroup", "cgroup", false), 0);
	ck_assert_int_eq(mount_check("/data", NULL, "/tmp", true), 0);
	ck_assert_int_eq(mount_check("/etc/hosts", "bind", "/etc/hosts", true), 0);
	ck_assert_int_eq(mount_check("/proc/cpuinfo", "bind", "/proc/cpuinfo", true), 0);

	/* runtime-spec 1.2: relative to / (with a warning) */
	ck_assert_int_eq(mount_check("data", "tmpfs", "tmpfs", false), 0);
	ck_assert_int_eq(mount_check("/a/../../etc", "tmpfs", "tmpfs", false), -EINVAL);
	ck_assert_int_eq(mount_check("/a/..", "tmpfs", "tmpfs", false), -EINVAL);
	ck_assert_int_eq(mount_check("/a/..b", "tmpfs", "tmpfs", false), 0);
	ck_assert_int_eq(mount_check("//", "tmpfs", "tmpfs", false), -EINVAL);
	ck_assert_int_eq(mount_check("/x", "nosuchfs", "x", false), -ENODEV);
	ck_assert_int_eq(mount_check("/x", NULL, "x", false), -EINVAL);
	ck_assert_int_eq(mount_check("/x", "bind", "/nonexistent/x", true), -ENOENT);
	ck_assert_str_eq(err.msg, "mounts[0].source: /nonexistent/x: No such file or directory");
	ck_assert_int_eq(mount_check("/proc/sys", "tmpfs", "tmpfs", false), -EPERM);
	ck_assert_int_eq(mount_check("/proc", "bind", "/tmp", true), -EPERM);
}
END_TEST

START_TEST(plan_rules)
{
	struct hull_ns_plan plan;
	reset();
	spec.linux_.ns[HULL_NS_PID].present = true;
	spec.linux_.ns[HULL_NS_NETWORK].present = true;
	spec.linux_.ns[HULL_NS_CGROUP].present = true;
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), 0);
	ck_assert_int_eq(plan.clone_flags, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS);
	ck_assert(plan.unshare_cgroup);
	for (int t = 0; t < HULL_NS_TYPES; t++)
		ck_assert_int_eq(plan.join_fd[t], -1);

	spec.linux_.ns[HULL_NS_NETWORK].path = (char *)"/proc/self/ns/net";
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), 0);
	ck_assert_int_ge(plan.join_fd[HULL_NS_NETWORK], 0);
	ck_assert_int_eq(plan.clone_flags, CLONE_NEWPID | CLONE_NEWNS);
	hull_ns_plan_release(&plan);
	ck_assert_int_eq(plan.join_fd[HULL_NS_NETWORK], -1);

	spec.linux_.ns[HULL_NS_NETWORK].path = (char *)"/proc/self/ns/ipc";
	spec.linux_.ns[HULL_NS_NETWORK].index = 3;
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "linux.namespaces[3].path: /proc/self/ns/ipc: not a network namespace");
	hull_err_clear(&err);
	spec.linux_.ns[HULL_NS_NETWORK].path = (char *)"/etc/hostname";
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), -EINVAL);

	reset();
	spec.linux_.ns[HULL_NS_USER].present = true;
	spec.linux_.ns[HULL_NS_USER].index = 6;
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "linux.uidMappings: user namespaces enabled, but no mappings found");
}
END_TEST

static int plan_err(const char *want)
{
	struct hull_ns_plan plan;
	hull_err_clear(&err);
	int r = hull_ns_plan_prepare(&spec, &plan, &err);
	if (r == 0)
		hull_ns_plan_release(&plan);
	if (want)
		ck_assert_str_eq(err.msg, want);
	return r;
}

START_TEST(plan_user_time)
{
	struct hull_id_map uid[2] = { { 0, 100000, 65536 }, { 70000, 300000, 10 } };
	struct hull_id_map gid[1] = { { 0, 100000, 65536 } };
	reset();
	spec.linux_.ns[HULL_NS_USER].present = true;
	spec.linux_.uid_mappings = (struct hull_id_maps){ uid, 2 };
	ck_assert_int_eq(plan_err("linux.gidMappings: user namespaces enabled, but no mappings found"), -EINVAL);
	spec.linux_.gid_mappings = (struct hull_id_maps){ gid, 1 };
	struct hull_ns_plan plan;
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), 0);
	ck_assert(plan.user_ns);
	ck_assert_int_eq(plan.clone_flags, CLONE_NEWUSER | CLONE_NEWNS);

	uid[1].container_id = 60000;
	ck_assert_int_eq(plan_err("linux.uidMappings[1]: containerID range overlaps linux.uidMappings[0]"), -EINVAL);
	uid[1] = (struct hull_id_map){ 70000, 150000, 10 };
	ck_assert_int_eq(plan_err("linux.uidMappings[1]: hostID range overlaps linux.uidMappings[0]"), -EINVAL);
	uid[1] = (struct hull_id_map){ 70000, 300000, 0 };
	ck_assert_int_eq(plan_err("linux.uidMappings[1].size: must not be 0"), -EINVAL);
	uid[1] = (struct hull_id_map){ 70000, 4294967290u, 10 };
	ck_assert_int_eq(plan_err("linux.uidMappings[1]: the range overflows 32-bit ids"), -EINVAL);
	gid[0].container_id = 1;
	uid[1] = (struct hull_id_map){ 70000, 300000, 10 };
	ck_assert_int_eq(plan_err("linux.gidMappings: container gid 0 is not mapped; the container's root needs it"),
			 -EINVAL);
	gid[0].container_id = 0;

	spec.linux_.ns[HULL_NS_USER].path = (char *)"/proc/self/ns/user";
	spec.linux_.ns[HULL_NS_USER].index = 2;
	ck_assert_int_eq(plan_err("linux.uidMappings: a joined user namespace (linux.namespaces[2].path) "
				  "keeps its own mappings"), -EINVAL);
	spec.linux_.ns[HULL_NS_USER].present = false;
	ck_assert_int_eq(plan_err("linux.uidMappings: mappings given but no user namespace"), -EINVAL);

	reset();
	spec.linux_.time_boottime = (struct hull_time_offset){ true, 86400, 0 };
	ck_assert_int_eq(plan_err("linux.timeOffsets: offsets given but no time namespace"), -EINVAL);
	spec.linux_.ns[HULL_NS_TIME].present = true;
	spec.linux_.time_monotonic = (struct hull_time_offset){ true, -5, 7 };
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), 0);
	ck_assert(plan.unshare_time && !plan.user_ns);
	ck_assert_int_eq(plan.clone_flags, CLONE_NEWNS);
	ck_assert_str_eq(plan.time_offsets, "monotonic -5 7\nboottime 86400 0\n");
	spec.linux_.time_monotonic.nanosecs = 1000000000;
	ck_assert_int_eq(plan_err("linux.timeOffsets.monotonic.nanosecs: must be below 1000000000"), -EINVAL);
	spec.linux_.time_monotonic.set = spec.linux_.time_boottime.set = false;
	spec.linux_.ns[HULL_NS_TIME].path = (char *)"/proc/self/ns/time";
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), 0);
	ck_assert(!plan.unshare_time);
	ck_assert_int_ge(plan.join_fd[HULL_NS_TIME], 0);
	hull_ns_plan_release(&plan);
	spec.linux_.time_boottime.set = true;
	ck_assert_int_eq(plan_err("linux.timeOffsets: a joined time namespace (linux.namespaces[0].path) "
				  "keeps its own offsets"), -EINVAL);
	reset();
	reset();
	spec.linux_.ns[HULL_NS_MOUNT].present = false;
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "linux.namespaces: a mount namespace is required");
	reset();
	spec.hostname = (char *)"box";
	ck_assert_int_eq(hull_ns_plan_prepare(&spec, &plan, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "hostname: needs a uts namespace");
}
END_TEST

HULL_SUITE(ns_validate, unit)
{
	Suite *s = suite_create("ns_validate");
	TCase *tc = tcase_create("validate");
	tcase_add_test(tc, sysctl_rules);
	tcase_add_test(tc, sysctl_path);
	tcase_add_test(tc, path_helpers);
	tcase_add_test(tc, mounts_rules);
	tcase_add_test(tc, plan_rules);
	tcase_add_test(tc, plan_user_time);
	suite_add_tcase(s, tc);
	return s;
}
