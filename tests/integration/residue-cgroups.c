/* The residue suite (residue.c): cgroups hull did not make are not its to
 * kill or remove; a parent cgroup hull made goes with the last container
 * in it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../runtime/net.h"
#include "../lib/ht-net.h"
#include "residue.h"

/* ---- A: cgroups hull did not make are not its to kill ---- */

/* The hierarchies to plant a foreign cgroup in: [0] the one hull lists a
 * container's processes from (the unified one when mounted), [1] a v1 one
 * (pids). */
static size_t foreign_roots(char roots[2][64])
{
	size_t n = 0;
	if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		snprintf(roots[n++], 64, "/sys/fs/cgroup/unified");
	else if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		snprintf(roots[n++], 64, "/sys/fs/cgroup");
	if (access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0)
		snprintf(roots[n++], 64, "/sys/fs/cgroup/pids");
	return n;
}

/* Directories named name in hierarchies other than the one under root. */
static void others_named(const char *root, const char *name, char *fail, size_t cap)
{
	DIR *d = opendir("/sys/fs/cgroup");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char h[300], p[400];
		snprintf(h, sizeof(h), "/sys/fs/cgroup/%s", e->d_name);
		snprintf(p, sizeof(p), "%s/%s", h, name);
		if (strcmp(h, root) && res_exists(p))
			snprintf(fail + strlen(fail), cap - strlen(fail), "%s left by the failed run; ", p);
	}
	if (d)
		closedir(d);
}

/* linux.cgroupsPath names an existing cgroup whose child holds a host
 * process. 0.1.0 takes it: create's check looks at the directory itself,
 * not below it, and the run's end SIGKILLs everything below the unified
 * directory, our sleep too ([0]); in pids ([1]) it is only accepted.
 * Fixed: refused, "holds processes", nothing killed, nothing removed. */
START_TEST(foreign_cgroup_with_process_refused)
{
	char roots[2][64], fail[4096] = "";
	size_t n = foreign_roots(roots);
	if ((size_t)_i >= n) {
		ht_skip("this host has %zu of the 2 hierarchies to plant a foreign cgroup in (cgroup v2, v1 "
			"pids): none for [%d]", n, _i);
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	res_own_id(&t, "a");
	char name[64], dir[160], child[192], procs[224];
	snprintf(name, sizeof(name), "%sa%d", res_prefix, _i);
	snprintf(dir, sizeof(dir), "%s/%s", roots[_i], name);
	snprintf(child, sizeof(child), "%s/child", dir);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", child);
	ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	if (mkdir(child, 0755) < 0) {
		int e = errno;
		rmdir(dir);
		ck_abort_msg("mkdir %s: %s", child, strerror(e));
	}
	pid_t sleeper = res_spawn_sleep();
	char pid_text[32];
	snprintf(pid_text, sizeof(pid_text), "%d\n", (int)sleeper);
	if (!res_write_file(procs, pid_text)) {
		int e = errno;
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
		rmdir(child);
		rmdir(dir);
		ck_abort_msg("%s: %s", procs, strerror(e));
	}

	char path[80];
	snprintf(path, sizeof(path), "/%s", name);
	json_object_set_new(res_lnx(&t), "cgroupsPath", json_string(path));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	if (!res_error_line(&r, "holds processes"))
		FAIL("run with cgroupsPath %s (its child holds pid %d): want exit 1 and one line "
		     "holding \"holds processes\", got exit %d, stderr \"%.300s\"; ",
		     path, (int)sleeper, r.status, r.err);
	if (res_dead_or_doomed(sleeper))
		FAIL("the host process %d in %s was killed; ", (int)sleeper, child);
	if (!res_exists(dir) || !res_exists(child))
		FAIL("%s or its child was removed; ", dir);
	if (r.status != 0)
		others_named(roots[_i], name, fail, sizeof(fail));
	ht_result_free(&r);

	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	rmdir(child);
	rmdir(dir);
	ht_cgroup_sweep(name, true, true);
	res_finish(&t, fail);
}
END_TEST

/* The same cgroup with no process anywhere is reused, and left: hull did
 * not make it. Passes on 0.1.0. Once per directory: on this kernel (6.18)
 * a cgroup v2 directory that has had cgroup.kill written SIGKILLs every
 * later CLONE_INTO_CGROUP child, so a second run in the unified one fails
 * with "container init exited before it was in its cgroup". */
START_TEST(empty_existing_cgroup_reused_and_kept)
{
	char roots[2][64], fail[4096] = "";
	size_t n = foreign_roots(roots);
	if ((size_t)_i >= n) {
		ht_skip("this host has %zu of the 2 hierarchies to plant a foreign cgroup in (cgroup v2, v1 "
			"pids): none for [%d]", n, _i);
		return;
	}
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	res_own_id(&t, "a-empty");
	char name[64], dir[160], child[192];
	snprintf(name, sizeof(name), "%sae%d", res_prefix, _i);
	snprintf(dir, sizeof(dir), "%s/%s", roots[_i], name);
	snprintf(child, sizeof(child), "%s/child", dir);
	ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	if (mkdir(child, 0755) < 0) {
		int e = errno;
		rmdir(dir);
		ck_abort_msg("mkdir %s: %s", child, strerror(e));
	}
	char path[80];
	snprintf(path, sizeof(path), "/%s", name);
	json_object_set_new(res_lnx(&t), "cgroupsPath", json_string(path));
	ht_sh(&t, "echo ran");
	ht_run(&t, &r);
	if (r.status != 0 || strcmp(r.out, "ran\n"))
		FAIL("run in the existing empty %s: exit %d, stdout \"%.100s\", stderr \"%.300s\"; ",
		     dir, r.status, r.out, r.err);
	if (!res_exists(dir) || !res_exists(child))
		FAIL("%s (not hull's) was removed by the delete; ", res_exists(dir) ? child : dir);
	ht_result_free(&r);
	rmdir(child);
	rmdir(dir);
	ht_cgroup_sweep(name, true, true);
	res_finish(&t, fail);
}
END_TEST

/* ---- F: a parent cgroup hull made goes with the last container in it ---- */

/* cgroupsPath /P/a and /P/b: a makes P. Deleted b then a: a removes P
 * (passes on 0.1.0). a then b: P stays on 0.1.0 in every hierarchy, since
 * b did not make it. Fixed: the last one out removes it. */
START_TEST(parent_cgroup_goes_with_last_child)
{
	bool creator_first = _i == 0;
	char fail[4096] = "", parent[64];
	snprintf(parent, sizeof(parent), "%sf%d-parent", res_prefix, _i);
	struct ht a, b;
	struct ht_result r;
	ht_begin(&a, false);
	res_own_id(&a, creator_first ? "f0-a" : "f1-a");
	ht_begin(&b, false);
	res_own_id(&b, creator_first ? "f0-b" : "f1-b");
	struct ht *c[2] = { &a, &b };
	for (int k = 0; k < 2 && !*fail; k++) {
		char path[96];
		snprintf(path, sizeof(path), "/%s/%c", parent, 'a' + k);
		json_object_set_new(res_lnx(c[k]), "cgroupsPath", json_string(path));
		ht_args(c[k], "sleep", "300", NULL);
		ht_write_config(c[k]);
		ht_hull(c[k], &r, NULL, "create", "--bundle", c[k]->bundle, c[k]->id, NULL);
		if (r.status != 0)
			FAIL("create %c: exit %d, stderr \"%.300s\"; ", 'a' + k, r.status, r.err);
		ht_result_free(&r);
	}
	for (int k = 0; k < 2 && !*fail; k++) {
		struct ht *x = c[creator_first ? k : 1 - k];
		ht_hull(x, &r, NULL, "delete", "--force", x->id, NULL);
		if (r.status != 0)
			FAIL("delete --force %s: exit %d, stderr \"%.300s\"; ", x->id, r.status, r.err);
		ht_result_free(&r);
	}
	if (!*fail && ht_cgroup_exists(parent))
		FAIL("/%s (made by a for a and b) left after a %s b were deleted; ", parent,
		     creator_first ? "then" : "after");
	if (*fail) {
		ht_force_clean(&b);
		ht_force_clean(&a);
		ht_cgroup_sweep(parent, true, true);
		ck_abort_msg("%s", fail);
	}
	ht_finish(&b);
	ht_finish(&a);
}
END_TEST

void res_cgroup_tests(Suite *s)
{
	tcase_add_loop_test(res_tcase(s, "foreign_cgroup"), foreign_cgroup_with_process_refused, 0, 2);
	tcase_add_loop_test(res_tcase(s, "existing_cgroup"), empty_existing_cgroup_reused_and_kept, 0, 2);
	tcase_add_loop_test(res_tcase(s, "parent_cgroup"), parent_cgroup_goes_with_last_child, 0, 2);
}
