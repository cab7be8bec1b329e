/* exec --cgroup [CONTROLLER:]PATH: the process goes to a sub-cgroup the
 * caller made below the container's; on cgroup v2, a container cgroup that
 * takes no process (it enabled controllers for children of its own, as
 * systemd or docker in docker do) sends exec to the init's cgroup, as runc
 * does, instead of failing with EBUSY. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../base/util.h"
#include "exec.h"

/* The host directory of pid's cgroup: of the v1 hierarchy holding
 * controller, or with controller NULL of the v2 one; NULL when none. */
static char *host_cg_dir(pid_t pid, const char *controller)
{
	char *lines = ex_proc_file(pid, "cgroup"), *save = NULL, *dir = NULL;
	bool pure_v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	for (char *l = strtok_r(lines, "\n", &save); l && !dir; l = strtok_r(NULL, "\n", &save)) {
		char *ctrls = strchr(l, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = 0;
		ctrls++;
		if (!controller && !*ctrls)
			dir = hull_xasprintf(pure_v2 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/unified%s", path);
		else if (controller && *ctrls && strstr(ctrls, controller))
			dir = hull_xasprintf("/sys/fs/cgroup/%s%s", ctrls, path);
	}
	free(lines);
	return dir;
}

static void put(const char *dir, const char *file, const char *value)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(value, f);
	ck_assert_msg(fclose(f) == 0, "%s: %s", path, strerror(errno));
}

START_TEST(cgroup_sub)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	char *pids = host_cg_dir(init, "pids"), *v2 = pids ? NULL : host_cg_dir(init, NULL);
	char *dir = pids ? pids : v2, sub[4300];
	ck_assert_ptr_nonnull(dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	EXEC(&t, &r, "--cgroup", pids ? "pids:sub" : "sub", t.id, "cat", "/proc/self/cgroup");
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, pids ? ":pids:/sub\n" : "0::/sub\n"), "%s", r.out);
	ht_result_free(&r);

	EXEC(&t, &r, "--cgroup", "../x", t.id, "true");
	ht_assert_error(&r, "--cgroup ../x: want [CONTROLLER[,CONTROLLER...]:]PATH, PATH relative and without \"..\"");
	ht_result_free(&r);
	EXEC(&t, &r, "--cgroup", "a", "--cgroup", "b", t.id, "true");
	ht_assert_error(&r, "--cgroup b: a second PATH for every hierarchy");
	ht_result_free(&r);
	if (pids) {
		EXEC(&t, &r, "--cgroup", "nosuch:sub", t.id, "true");
		ht_assert_error(&r, "--cgroup nosuch:sub: no hierarchy of the container has nosuch");
		ht_result_free(&r);
		/* a comma list, and a second --cgroup for another controller */
		char *mem = host_cg_dir(init, "memory"), msub[4300];
		ck_assert_ptr_nonnull(mem);
		snprintf(msub, sizeof(msub), "%s/msub", mem);
		ck_assert_int_eq(mkdir(msub, 0755), 0);
		EXEC(&t, &r, "--cgroup", "nosuch,pids:sub", "--cgroup", "memory:msub", t.id, "cat", "/proc/self/cgroup");
		ht_assert_status(&r, 0);
		ck_assert_msg(strstr(r.out, ":pids:/sub\n") && strstr(r.out, ":memory:/msub\n"), "%s", r.out);
		ht_result_free(&r);
		ck_assert_int_eq(rmdir(msub), 0);
		free(mem);
	}
	EXEC(&t, &r, "--cgroup", pids ? "pids:gone" : "gone", t.id, "true");
	ck_assert_int_ne(r.status, 0);
	ck_assert_msg(strstr(r.err, "/gone: No such file or directory\n"), "%s", r.err);
	ht_result_free(&r);
	ck_assert_int_eq(rmdir(sub), 0);
	free(dir);
	ex_delete_and_finish(&t);
}
END_TEST

/* cgroup v2 only: the init moved to a leaf and a controller enabled for
 * the container cgroup's children, so it takes no process (EBUSY). */
START_TEST(v2_busy_falls_back_to_init)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0) {
		ht_skip("needs a host with cgroup v2 alone");
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	char *dir = host_cg_dir(init, NULL), leaf[4300], pid[24];
	ck_assert_ptr_nonnull(dir);
	snprintf(leaf, sizeof(leaf), "%s/leaf", dir);
	ck_assert_int_eq(mkdir(leaf, 0755), 0);
	snprintf(pid, sizeof(pid), "%d", (int)init);
	put(leaf, "cgroup.procs", pid);
	put(dir, "cgroup.subtree_control", "+pids");
	EXEC(&t, &r, t.id, "cat", "/proc/self/cgroup");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "0::/leaf\n");
	ht_result_free(&r);
	free(dir);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_TESTS(exec_cgroup)
{
	tcase_add_test(tc, cgroup_sub);
	tcase_add_test(tc, v2_busy_falls_back_to_init);
}
