/* clients_compat, the process as docker, podman and the CRI expect it of
 * a runc drop-in: HOME from the container's /etc/passwd, exec failures in
 * runc's words (docker's 127 and 126 come from them), no default PATH, a
 * hybrid host's /sys/fs/cgroup as runc lays it out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/ht.h"

static void set_env(struct ht *t, const char *const *env)
{
	json_t *a = json_array();
	for (; *env; env++)
		json_array_append_new(a, json_string(*env));
	json_object_set_new(json_object_get(t->cfg, "process"), "env", a);
}

static void set_uid(struct ht *t, int uid)
{
	json_t *user = json_object_get(json_object_get(t->cfg, "process"), "user");
	json_object_set_new(user, "uid", json_integer(uid));
	json_object_set_new(user, "gid", json_integer(uid));
}

static void add_passwd_line(struct ht *t, const char *line)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/etc/passwd", t->rootfs);
	FILE *f = fopen(path, "a");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", line);
	fclose(f);
}

/* `hull run` of `echo $HOME` as uid with env: its stdout. */
static void assert_home(struct ht *t, int uid, const char *const *env, const char *want)
{
	struct ht_result r;
	set_uid(t, uid);
	set_env(t, env);
	ht_sh(t, "echo \"$HOME\"");
	ht_run(t, &r);
	ht_assert_status(&r, 0);
	ck_assert_msg(!strcmp(r.out, want), "uid %d: HOME \"%s\", want \"%s\"", uid, r.out, want);
	ht_result_free(&r);
}

#define PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* runc sets HOME from the container's passwd entry of the process's uid
 * ("/" without one) when env has no HOME or an empty one; exec too. */
START_TEST(home_from_passwd)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	add_passwd_line(&t, "app:x:1000:1000::/home/app:/bin/sh");
	const char *plain[] = { PATH_ENV, NULL };
	const char *empty[] = { PATH_ENV, "HOME=", NULL };
	const char *given[] = { PATH_ENV, "HOME=/srv", NULL };
	assert_home(&t, 0, plain, "/root\n");
	assert_home(&t, 1000, plain, "/home/app\n");
	assert_home(&t, 4242, plain, "/\n");
	assert_home(&t, 1000, empty, "/home/app\n");
	assert_home(&t, 1000, given, "/srv\n");

	set_uid(&t, 0);
	set_env(&t, plain);
	ht_add_sync(&t);
	ht_sh(&t, "echo up > /mnt/ready; exec sleep 1000");
	ht_start_ready(&t, "up\n");
	ht_hull(&t, &r, NULL, "exec", "-u", "1000", t.id, "sh", "-c", "echo $HOME", NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "/home/app\n");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "exec", "--env", "HOME=/x", t.id, "sh", "-c", "echo $HOME", NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "/x\n");
	ht_result_free(&r);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* A passwd that is a symlink leading out of the root is read inside it. */
START_TEST(home_passwd_symlink_stays_inside)
{
	struct ht t;
	ht_begin(&t, true);
	char path[4300], target[4400];
	snprintf(path, sizeof(path), "%s/etc/passwd", t.rootfs);
	ck_assert_int_eq(unlink(path), 0);
	/* On the host this would name the host's /etc/passwd (root's home
	 * /root); inside the root it names the container's /etc/passwd.real. */
	snprintf(target, sizeof(target), "../../../../../../../../etc/passwd.real");
	ck_assert_int_eq(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd.real", t.rootfs);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("root:x:0:0:root:/inside:/bin/sh\n", f);
	fclose(f);
	const char *plain[] = { PATH_ENV, NULL };
	assert_home(&t, 0, plain, "/inside\n");
	ht_finish(&t);
}
END_TEST

/* `hull run` of args in t's container: it fails with want in its one line. */
static void assert_exec_error(struct ht *t, const char *const *args, const char *want)
{
	struct ht_result r;
	json_t *a = json_array();
	for (; *args; args++)
		json_array_append_new(a, json_string(*args));
	json_object_set_new(json_object_get(t->cfg, "process"), "args", a);
	ht_run(t, &r);
	ht_assert_error(&r, want);
	ht_result_free(&r);
}

/* runc's words, which docker matches: "no such file or directory" and
 * "executable file not found in $PATH" are 127, "permission denied" 126;
 * without PATH in env nothing is searched. */
START_TEST(exec_errors_in_runc_words)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	const char *missing[] = { "/nonexistent", NULL };
	assert_exec_error(&t, missing, "exec: \"/nonexistent\": stat /nonexistent: no such file or directory");
	const char *not_exec[] = { "/etc/passwd", NULL };
	assert_exec_error(&t, not_exec, "exec: \"/etc/passwd\": permission denied");
	const char *dir[] = { "/etc", NULL };
	assert_exec_error(&t, dir, "exec: \"/etc\": permission denied");
	const char *not_found[] = { "nonexistent", NULL };
	assert_exec_error(&t, not_found, "exec: \"nonexistent\": executable file not found in $PATH");

	const char *no_path[] = { "TERM=xterm", NULL };
	set_env(&t, no_path);
	const char *sh[] = { "sh", "-c", "true", NULL };
	assert_exec_error(&t, sh, "exec: \"sh\": executable file not found in $PATH");
	ht_args(&t, "/bin/sh", "-c", "echo \"[$PATH]\"", NULL);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ht_result_free(&r);

	const char *with_path[] = { PATH_ENV, NULL };
	set_env(&t, with_path);
	ht_add_sync(&t);
	ht_sh(&t, "echo up > /mnt/ready; exec sleep 1000");
	ht_start_ready(&t, "up\n");
	ht_hull(&t, &r, NULL, "exec", t.id, "nonexistent", NULL);
	ht_assert_error(&r, "exec: \"nonexistent\": executable file not found in $PATH");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "exec", t.id, "/etc/passwd", NULL);
	ht_assert_error(&r, "exec: \"/etc/passwd\": permission denied");
	ht_result_free(&r);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* On a hybrid host (v1 hierarchies and a cgroup2 at unified) runc mounts
 * the v1 hierarchies alone in the container's /sys/fs/cgroup. */
START_TEST(hybrid_cgroup_layout)
{
	if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) != 0 ||
	    access("/sys/fs/cgroup/memory", F_OK) != 0) {
		printf("clients_compat hybrid_cgroup_layout: skipped: the host's cgroups are not hybrid\n");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "ls /sys/fs/cgroup");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, "memory\n") && strstr(r.out, "pids\n"), "ls: %s", r.out);
	ck_assert_msg(!strstr(r.out, "unified"), "unified in the container's /sys/fs/cgroup: %s", r.out);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* rootfsPropagation "shared" goes on the mount tree before the root is
 * bound, as runc 1.1 applies it: the container's / ends up private. */
START_TEST(rootfs_propagation_shared)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(json_object_get(t.cfg, "linux"), "rootfsPropagation", json_string("shared"));
	ht_sh(&t, "awk '$5 == \"/\" { print / shared:/ ? \"shared\" : \"private\" }' /proc/self/mountinfo");
	ht_run(&t, &r);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "private\n"), "exit %d: %s%s", r.status, r.out, r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_TESTS(clients_compat_process)
{
	tcase_add_test(tc, rootfs_propagation_shared);
	tcase_add_test(tc, home_from_passwd);
	tcase_add_test(tc, home_passwd_symlink_stays_inside);
	tcase_add_test(tc, exec_errors_in_runc_words);
	tcase_add_test(tc, hybrid_cgroup_layout);
}
