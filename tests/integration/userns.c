/* User and time namespaces, and hull run by an unprivileged user on a
 * bundle from `hull spec --rootless`. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

#define TEST_USER "hull-test"
#define MAP_BASE 100000

static bool user_created;	/* by this suite: removed at its end */

static int run_cmd(char *const argv[])
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		execv(argv[0], argv);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void user_setup(void)
{
	if (getpwnam(TEST_USER))
		return;
	char *argv[] = { "/usr/sbin/useradd", "-M", "-r", "-s", "/usr/sbin/nologin", TEST_USER, NULL };
	user_created = run_cmd(argv) == 0;
}

static void user_teardown(void)
{
	if (!user_created)
		return;
	char *argv[] = { "/usr/sbin/userdel", TEST_USER, NULL };
	run_cmd(argv);
	user_created = false;
}

static const struct passwd *test_user(void)
{
	const struct passwd *pw = getpwnam(TEST_USER);
	ck_assert_msg(pw != NULL, "user %s is missing (useradd failed?)", TEST_USER);
	return pw;
}

/* Runs `hull ARGS...` as the test user with XDG_RUNTIME_DIR=xdg (unset when
 * NULL) and no --root: the default is what is under test. */
static void hull_as_user(const struct passwd *pw, const char *xdg, struct ht_result *r, ...)
{
	char *argv[32], hull[PATH_MAX];
	size_t n = 0;
	ck_assert_ptr_nonnull(realpath(getenv("HULL"), hull));
	argv[n++] = hull;
	va_list ap;
	va_start(ap, r);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 31;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup2(null, 0);
		dup2(out, 1);
		dup2(err, 2);
		if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
			_exit(125);
		if (xdg)
			setenv("XDG_RUNTIME_DIR", xdg, 1);
		else
			unsetenv("XDG_RUNTIME_DIR");
		setenv("HOME", "/", 1);
		if (chdir("/") < 0)
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = ht_slurp_fd(out);
	r->err = ht_slurp_fd(err);
	close(out);
	close(err);
}

static void add_ns(struct ht *t, const char *type, const char *path)
{
	json_t *ns = json_pack("{s:s}", "type", type);
	if (path)
		json_object_set_new(ns, "path", json_string(path));
	json_array_append_new(json_object_get(json_object_get(t->cfg, "linux"), "namespaces"), ns);
}

static void set_maps(struct ht *t, unsigned base)
{
	json_t *l = json_object_get(t->cfg, "linux");
	json_object_set_new(l, "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", base, "size", 65536));
	json_object_set_new(l, "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", base, "size", 65536));
}

/* The rootfs copy must belong to the container's root for it to use it. */
static void chown_rootfs(struct ht *t, unsigned id)
{
	/* mkdtemp made the bundle dir 0700: the container's root must pass */
	ck_assert_int_eq(chmod(t->bundle, 0755), 0);
	ht_chown_tree(t->rootfs, id);
}

/* A host dir owned by uid, bound at /mnt. */
static void add_data_dir(struct ht *t, uid_t uid, gid_t gid, char *dir, size_t len)
{
	snprintf(dir, len, "%s/data", t->bundle);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(chown(dir, uid, gid), 0);
	ht_mount(t, "/mnt", "bind", dir, "rbind", "rw", NULL);
}

#define SHOW_MAPS \
	"read a b c < /proc/self/uid_map; echo uid_map $a $b $c;" \
	"read a b c < /proc/self/gid_map; echo gid_map $a $b $c; echo id $(id -u) $(id -g);"

START_TEST(userns_with_mappings)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	chown_rootfs(&t, MAP_BASE);
	add_ns(&t, "user", NULL);
	set_maps(&t, MAP_BASE);
	char data[128], file[160];
	add_data_dir(&t, MAP_BASE, MAP_BASE, data, sizeof(data));
	ht_sh(&t, SHOW_MAPS "echo hi > /mnt/f;"
		  "[ -c /dev/null ] && echo x > /dev/null && head -c 3 /dev/zero | wc -c;"
		  "grep ' /sys ' /proc/self/mountinfo | grep -c ' - sysfs '");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "uid_map 0 100000 65536\ngid_map 0 100000 65536\nid 0 0\n3\n1\n");
	snprintf(file, sizeof(file), "%s/f", data);
	struct stat st;
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_uid, MAP_BASE);
	ck_assert_uint_eq(st.st_gid, MAP_BASE);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A process that made a user namespace and waits; the test writes its maps. */
static pid_t userns_holder(int *keep)
{
	pid_t pid = ht_ns_holder(CLONE_NEWUSER, keep);
	char path[64];
	static const char map[] = "0 100000 65536\n";
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, i ? "gid_map" : "uid_map");
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, map, sizeof(map) - 1), (ssize_t)sizeof(map) - 1);
		close(fd);
	}
	return pid;
}

/* The namespaces the clone creates belong to the joined user namespace:
 * procfs and sysfs mount (the kernel checks that ownership), and the init
 * is the namespace's root. */
START_TEST(join_userns_by_path)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	chown_rootfs(&t, MAP_BASE);
	int keep;
	pid_t holder = userns_holder(&keep);
	char path[64], want[160];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)holder);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	add_ns(&t, "user", path);
	ht_sh(&t, SHOW_MAPS "readlink /proc/self/ns/user; grep ' /sys ' /proc/self/mountinfo | grep -c ' - sysfs '");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	snprintf(want, sizeof(want), "uid_map 0 100000 65536\ngid_map 0 100000 65536\nid 0 0\n"
		 "user:[%lu]\n1\n", (unsigned long)st.st_ino);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	close(keep);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	ht_finish(&t);
}
END_TEST

/* /proc/uptime's first field in its own unit, hundredths of a second:
 * whole numbers compare exactly where doubles (x.46 + 86400) do not. */
static long long uptime(const char *text)
{
	ck_assert_ptr_nonnull(text);
	return llround(strtod(text, NULL) * 100);
}

START_TEST(time_namespace_offsets)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	add_ns(&t, "time", NULL);
	json_object_set_new(json_object_get(t.cfg, "linux"), "timeOffsets",
			    json_pack("{s:{s:i, s:i}, s:{s:i, s:i}}", "boottime", "secs", 86400, "nanosecs", 0,
				      "monotonic", "secs", 3600, "nanosecs", 500));
	ht_sh(&t, "cat /proc/uptime; while read c s n; do echo $c $s $n; done < /proc/self/timens_offsets");
	char *before = ht_read("/proc/uptime");
	ht_run(&t, &r);
	char *after = ht_read("/proc/uptime");
	ht_assert_status(&r, 0);
	char *nl = strchr(r.out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "monotonic 3600 500\nboottime 86400 0\n");
	long long in = uptime(r.out), b = uptime(before), a = uptime(after);
	ck_assert_msg(in >= b + 8640000 && in <= a + 8640000, "uptime in the container %.2f, host %.2f..%.2f",
		      in / 100.0, b / 100.0, a / 100.0);
	/* the host's clock kept its course */
	ck_assert_msg(a - b < 6000, "host uptime jumped from %.2f to %.2f", b / 100.0, a / 100.0);
	free(before);
	free(after);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A private XDG_RUNTIME_DIR for the user; t->root becomes XDG/hull, the
 * default root, so that ht_finish checks it. */
static void user_root(struct ht *t, const struct passwd *pw, char *xdg, size_t len)
{
	snprintf(xdg, len, "/tmp/ht-xdg-%d-XXXXXX", (int)getpid()); /* ht_sweep's name */
	ck_assert_ptr_nonnull(mkdtemp(xdg));
	ck_assert_int_eq(chown(xdg, pw->pw_uid, pw->pw_gid), 0);
	ck_assert_int_eq(rmdir(t->root), 0);
	snprintf(t->root, sizeof(t->root), "%s/hull", xdg);
}

static void user_bundle(struct ht *t, const struct passwd *pw, const char *xdg)
{
	ck_assert_int_eq(chmod(t->bundle, 0755), 0);
	ck_assert_int_eq(chown(t->bundle, pw->pw_uid, pw->pw_gid), 0);
	struct ht_result r;
	hull_as_user(pw, xdg, &r, "spec", "--rootless", "--bundle", t->bundle, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", t->bundle);
	json_decref(t->cfg);
	t->cfg = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(t->cfg);
	json_object_set_new(json_object_get(t->cfg, "process"), "terminal", json_false());
}

START_TEST(rootless_run)
{
	const struct passwd *pw = test_user();
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	struct ht t;
	struct ht_result r;
	char xdg[64], data[128], file[160], want[256];
	ht_begin(&t, true);
	user_root(&t, pw, xdg, sizeof(xdg));
	user_bundle(&t, pw, xdg);
	add_data_dir(&t, uid, gid, data, sizeof(data));
	ht_sh(&t, "id -u; read a b c < /proc/self/uid_map; echo $a $b $c; echo hi > /mnt/f; cat /dev/null && echo devnull");
	ht_write_config(&t);
	hull_as_user(pw, xdg, &r, "run", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	snprintf(want, sizeof(want), "0\n0 %u 1\ndevnull\n", (unsigned)uid);
	ck_assert_str_eq(r.out, want);
	/* Without a delegated cgroup this machine warns; with one it is silent. */
	ck_assert_msg(!*r.err || (!strncmp(r.err, "hull: warning: cgroups: no write access to ", 43) &&
				  strstr(r.err, "; resources are not applied\n") == r.err + strlen(r.err) - 28),
		      "stderr: %s", r.err);
	ht_result_free(&r);
	snprintf(file, sizeof(file), "%s/f", data);
	struct stat st;
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_uint_eq(st.st_uid, uid);
	ck_assert_uint_eq(st.st_gid, gid);
	/* the state went to the default root, and is gone */
	ck_assert_int_eq(stat(t.root, &st), 0);
	ck_assert_uint_eq(st.st_uid, uid);
	ht_finish(&t);
	ht_rm_rf(xdg);
}
END_TEST

/* Limits that cannot be applied are an error, not a silent pass. */
START_TEST(rootless_limits_without_cgroup)
{
	const struct passwd *pw = test_user();
	struct ht t;
	struct ht_result r;
	char xdg[64];
	ht_begin(&t, true);
	user_root(&t, pw, xdg, sizeof(xdg));
	user_bundle(&t, pw, xdg);
	json_object_set_new(json_object_get(t.cfg, "linux"), "resources", json_pack("{s:{s:i}}", "pids", "limit", 100));
	ht_sh(&t, "echo should not run");
	ht_write_config(&t);
	hull_as_user(pw, xdg, &r, "run", "--bundle", t.bundle, t.id, NULL);
	if (r.status == 0 && !*r.err) {
		/* a delegated cgroup: the limit applied */
		ht_result_free(&r);
		ht_finish(&t);
		ht_rm_rf(xdg);
		ht_skip("the test user has a delegated cgroup here: the limit applies, there is no error to check");
		return;
	}
	ht_assert_error(&r, "hull: linux.resources: cgroups: no write access to ");
	ht_assert_error(&r, "; limits cannot be applied without a delegated cgroup\n");
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	/* no XDG_RUNTIME_DIR, no --root: nowhere to keep state */
	hull_as_user(pw, NULL, &r, "list", NULL);
	ht_assert_error(&r, "hull: --root: XDG_RUNTIME_DIR is not set; give --root\n");
	ht_result_free(&r);
	ht_finish(&t);
	ht_rm_rf(xdg);
}
END_TEST

HULL_SUITE(userns, integration)
{
	Suite *s = suite_create("userns");
	TCase *tc = tcase_create("userns");
	tcase_add_unchecked_fixture(tc, user_setup, user_teardown);
	tcase_add_test(tc, userns_with_mappings);
	tcase_add_test(tc, join_userns_by_path);
	tcase_add_test(tc, time_namespace_offsets);
	tcase_add_test(tc, rootless_run);
	tcase_add_test(tc, rootless_limits_without_cgroup);
	suite_add_tcase(s, tc);
	return s;
}
