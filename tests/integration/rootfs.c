/* Namespaces and the root filesystem as the container sees them, and the
 * host afterwards. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

static void run_ok(struct ht *t, struct ht_result *r, const char *script)
{
	ht_sh(t, script);
	ht_run(t, r);
	ht_assert_status(r, 0);
}

/* "mountpoint fstype" for each mount the container sees. */
#define LIST_MOUNTS \
	"while read -r a b c d mp rest; do fs=${rest#* - }; echo \"$mp ${fs%% *}\"; done " \
	"< /proc/self/mountinfo;"

START_TEST(default_mounts_devices_symlinks)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	run_ok(&t, &r, LIST_MOUNTS
	       "for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo dev $d; done;"
	       "for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done;"
	       "echo x > /dev/null && head -c 5 /dev/zero | wc -c;"
	       "echo pid $$");
	static const char *want[] = {
		"\n/proc proc\n", "\n/dev tmpfs\n", "\n/dev/pts devpts\n", "\n/dev/shm tmpfs\n",
		"\n/dev/mqueue mqueue\n", "\n/sys sysfs\n", "\ndev null\ndev zero\ndev full\n"
		"dev random\ndev urandom\ndev tty\n/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n"
		"/proc/self/fd/2\npts/ptmx\n5\npid 1\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(r.out, want[i]), "missing \"%s\" in:\n%s", want[i], r.out);
	ck_assert_msg(strstr(r.out, "\n/sys/fs/cgroup"), "no cgroup mount in:\n%s", r.out);
	ck_assert_msg(!strncmp(r.out, "/ ", 2), "root is not the first mount:\n%s", r.out);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Every namespace of the default config is new: none equals the host's. */
START_TEST(new_namespaces)
{
	static const char *names[] = { "pid", "net", "ipc", "uts", "mnt", "cgroup" };
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	run_ok(&t, &r, "for n in pid net ipc uts mnt cgroup; do readlink /proc/self/ns/$n; done;"
		       "cat /proc/self/cgroup");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64], want[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		ck_assert_int_eq(stat(path, &st), 0);
		snprintf(want, sizeof(want), "%s:[%lu]\n", names[i], (unsigned long)st.st_ino);
		ck_assert_msg(!strstr(r.out, want), "namespace %s shared with the host", names[i]);
	}
	/* In its own cgroup namespace the container is at the root of every hierarchy. */
	size_t n_cgroups = 0;
	for (char *l = r.out; *l; l = strchr(l, '\n') + 1) {
		char *end = strchr(l, '\n');
		if (*l >= '0' && *l <= '9') {
			n_cgroups++;
			ck_assert_msg(end - l > 2 && !strncmp(end - 2, ":/", 2),
				      "cgroup not at its root: %.*s", (int)(end - l), l);
		}
	}
	ck_assert_uint_gt(n_cgroups, 0);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(readonly_root)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	run_ok(&t, &r, "touch /x 2>/dev/null && echo wrote || echo ro; touch /dev/shm/x && echo shm ok");
	ck_assert_str_eq(r.out, "ro\nshm ok\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(writable_root)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	json_object_set_new(json_object_get(t.cfg, "root"), "readonly", json_false());
	run_ok(&t, &r, "echo data > /written && echo ok");
	ck_assert_str_eq(r.out, "ok\n");
	char path[4300];
	snprintf(path, sizeof(path), "%s/written", t.rootfs);
	char *s = ht_read(path);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "data\n");
	free(s);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(masked_and_readonly_paths)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	/* Which masked paths exist depends on the kernel's config; these do here and in CI. */
	run_ok(&t, &r, "[ -c /proc/keys ] && [ -z \"$(cat /proc/keys)\" ] && echo keys masked;"
		       "[ -c /proc/timer_list ] && echo timer_list masked;"
		       "[ -z \"$(ls /sys/firmware)\" ] && echo firmware empty;"
		       "grep -q ' /proc/sys ro,' /proc/self/mountinfo && echo sys ro;"
		       "grep -q ' /proc/irq ro,' /proc/self/mountinfo && echo irq ro;"
		       "touch /sys/firmware/x 2>/dev/null || echo firmware ro");
	ck_assert_str_eq(r.out, "keys masked\ntimer_list masked\nfirmware empty\nsys ro\nirq ro\n"
				"firmware ro\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(sysctl_hostname_domainname)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *sysctl = json_object();
	json_object_set_new(sysctl, "net.ipv4.ip_forward", json_string("1"));
	json_object_set_new(sysctl, "kernel.msgmax", json_string("4096"));
	json_object_set_new(json_object_get(t.cfg, "linux"), "sysctl", sysctl);
	json_object_set_new(t.cfg, "hostname", json_string("box1"));
	json_object_set_new(t.cfg, "domainname", json_string("example.test"));
	char *host_fwd = ht_read("/proc/sys/net/ipv4/ip_forward");
	run_ok(&t, &r, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; hostname;"
		       "cat /proc/sys/kernel/domainname");
	ck_assert_str_eq(r.out, "1\n4096\nbox1\nexample.test\n");
	char *after = ht_read("/proc/sys/net/ipv4/ip_forward");
	ck_assert_str_eq(after, host_fwd);
	free(after);
	free(host_fwd);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(mount_options)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	char data[128], file[160];
	snprintf(data, sizeof(data), "%s/data", t.bundle);
	snprintf(file, sizeof(file), "%s/hello", data);
	ck_assert_int_eq(mkdir(data, 0755), 0);
	FILE *f = fopen(file, "w");
	fputs("hi\n", f);
	fclose(f);
	ht_mount(&t, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec", "size=1m", "mode=700",
		 NULL);
	ht_mount(&t, "/mnt", "bind", data, "bind", "ro", "nosuid", NULL);
	ht_mount(&t, "/root", NULL, data, "rbind", "rw", NULL);
	run_ok(&t, &r, "grep ' /tmp ' /proc/self/mountinfo | grep -q 'nosuid,nodev,noexec' && echo flags;"
		       "grep ' /tmp ' /proc/self/mountinfo | grep -q 'size=1024k,mode=700' && echo data;"
		       "stat -c %a /tmp; cat /mnt/hello; touch /mnt/x 2>/dev/null || echo bind ro;"
		       "grep ' /mnt ' /proc/self/mountinfo | grep -q ' ro,nosuid' && echo ro nosuid;"
		       "echo w > /root/w && echo bind rw");
	ck_assert_str_eq(r.out, "flags\ndata\n700\nhi\nbind ro\nro nosuid\nbind rw\n");
	char w[160];
	snprintf(w, sizeof(w), "%s/w", data);
	char *s = ht_read(w);
	ck_assert_ptr_nonnull(s);
	free(s);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A symlink in the rootfs pointing out of it must resolve inside it. */
START_TEST(symlink_escape_stays_inside)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	char outside[128], link[4300], inside[8600];
	snprintf(outside, sizeof(outside), "%s/outside", t.bundle);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	snprintf(link, sizeof(link), "%s/evil", t.rootfs);
	char target[256];
	snprintf(target, sizeof(target), "/../../../../../../..%s", outside);
	ck_assert_int_eq(symlink(target, link), 0);
	snprintf(link, sizeof(link), "%s/evil2", t.rootfs);
	ck_assert_int_eq(symlink("../../../../../../../../../..", link), 0);
	ht_mount(&t, "/evil/sub", "tmpfs", "tmpfs", NULL);
	ht_mount(&t, "/evil2/tmp/escaped", "tmpfs", "tmpfs", NULL);
	run_ok(&t, &r, "echo ok");
	ck_assert_str_eq(r.out, "ok\n");
	struct stat st;
	char host[160];
	snprintf(host, sizeof(host), "%s/sub", outside);
	ck_assert_msg(stat(host, &st) < 0, "%s was created on the host", host);
	ck_assert_msg(stat("/tmp/escaped", &st) < 0, "/tmp/escaped was created on the host");
	snprintf(inside, sizeof(inside), "%s%s/sub", t.rootfs, outside);
	ck_assert_msg(stat(inside, &st) == 0 && S_ISDIR(st.st_mode), "%s not made in the rootfs", inside);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(no_pivot)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "echo pid $$; ls /bin/busybox");
	ht_write_config(&t);
	ht_hull(&t, &r, NULL, "run", "--no-pivot", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "pid 1\n/bin/busybox\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(linux_devices)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *dev = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i}", "path", "/dev/mynull", "type",
				"c", "major", 1, "minor", 3, "fileMode", 0600, "uid", 0, "gid", 0);
	json_t *devs = json_array();
	json_array_append_new(devs, dev);
	json_object_set_new(json_object_get(t.cfg, "linux"), "devices", devs);
	run_ok(&t, &r, "ls -l /dev/mynull | cut -c1-10; echo x > /dev/mynull && echo written");
	ck_assert_str_eq(r.out, "crw-------\nwritten\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static void set_ns_path(struct ht *t, const char *type, const char *path)
{
	json_t *nss = json_object_get(json_object_get(t->cfg, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), type))
			json_object_set_new(ns, "path", json_string(path));
}

START_TEST(join_namespace_by_path)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	int keep;
	pid_t holder = ht_ns_holder(CLONE_NEWNET | CLONE_NEWUTS, &keep);
	char path[64], want[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", holder);
	set_ns_path(&t, "uts", path);
	json_object_del(t.cfg, "hostname");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", holder);
	ck_assert_int_eq(stat(path, &st), 0);
	set_ns_path(&t, "network", path);
	run_ok(&t, &r, "readlink /proc/self/ns/net");
	snprintf(want, sizeof(want), "net:[%lu]\n", (unsigned long)st.st_ino);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	close(keep);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	ht_finish(&t);
}
END_TEST

START_TEST(join_namespace_wrong_type)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	int keep;
	pid_t holder = ht_ns_holder(CLONE_NEWNET, &keep);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", holder);
	set_ns_path(&t, "ipc", path);
	ht_sh(&t, "true");
	ht_run(&t, &r);
	ht_assert_error(&r, "not an ipc namespace");
	ht_assert_error(&r, path);
	ht_result_free(&r);
	close(keep);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(rootfs, integration)
{
	Suite *s = suite_create("rootfs");
	TCase *tc = tcase_create("rootfs");
	tcase_add_test(tc, default_mounts_devices_symlinks);
	tcase_add_test(tc, new_namespaces);
	tcase_add_test(tc, readonly_root);
	tcase_add_test(tc, writable_root);
	tcase_add_test(tc, masked_and_readonly_paths);
	tcase_add_test(tc, sysctl_hostname_domainname);
	tcase_add_test(tc, mount_options);
	tcase_add_test(tc, symlink_escape_stays_inside);
	tcase_add_test(tc, no_pivot);
	tcase_add_test(tc, linux_devices);
	tcase_add_test(tc, join_namespace_by_path);
	tcase_add_test(tc, join_namespace_wrong_type);
	suite_add_tcase(s, tc);
	return s;
}
