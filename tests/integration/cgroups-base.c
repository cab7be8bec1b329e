/* cgroups/ against the real hierarchies of this host: create, apply,
 * attach, list, kill, destroy, serialize/load, refusals. Calls the library
 * directly (no hull binary); root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../cgroups/cgroups.h"
#include "../lib/ht.h"

static char prefix[64];		/* "hull-test-PID": every cgroup of a test is below it */
static char cpath[128];		/* prefix/c1 */

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };
	nanosleep(&ts, NULL);
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	static char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

static char *slurp_at(const char *dir, const char *file)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	char *s = slurp(p);
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* Kills whatever runs below dir (only this test's children can) and removes
 * the tree, children first. */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		rm_tree(sub);
	}
	closedir(d);
	char *procs = slurp_at(dir, "cgroup.procs");
	for (char *s = procs, *save = NULL, *t; procs && (t = strtok_r(s, "\n", &save)); s = NULL)
		kill(atoi(t), SIGKILL);
	char *fs = slurp_at(dir, "freezer.state");
	if (fs && strcmp(fs, "THAWED")) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/freezer.state", dir);
		int fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "THAWED", 6);
			close(fd);
		}
	}
	for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
		sleep_ms(10);
}

/* Every directory named prefix in the hierarchies (up to a few levels below
 * each mount, where the test's own cgroup can be). */
static void remove_named(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if ((de->d_type != DT_DIR && de->d_type != DT_LNK) || de->d_name[0] == '.')
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR && !strcmp(de->d_name, prefix))
			rm_tree(sub);
		else if (de->d_type == DT_DIR && depth < 4)
			remove_named(sub, depth + 1);
	}
	closedir(d);
}

static void setup(void)
{
	snprintf(prefix, sizeof(prefix), "hull-test-%d", (int)getpid());
	snprintf(cpath, sizeof(cpath), "%s/c1", prefix);
}

static void teardown(void)
{
	remove_named("/sys/fs/cgroup", 0);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void basic_res(struct hull_resources *r)
{
	memset(r, 0, sizeof(*r));
	r->present = true;
	r->memory.present = r->memory.has_limit = true;
	r->memory.limit = 64 << 20;
	r->pids.present = r->pids.has_limit = true;
	r->pids.limit = 32;
	r->cpu.present = r->cpu.has_shares = r->cpu.has_quota = r->cpu.has_period = true;
	r->cpu.shares = 512;
	r->cpu.quota = 50000;
	r->cpu.period = 100000;
}

/* Returns once the child has dropped Check's handlers: a signal that
 * reached one of them would end the whole test. */
static pid_t spawn_sleeper(void)
{
	int ready[2];
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = SIG_DFL };
		for (int sig = 1; sig < NSIG; sig++)
			sigaction(sig, &sa, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		char c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static const struct hull_cgroup_mount *mount_named(struct hull_cgroup *cg, const char *name)
{
	const struct hull_cgroup_mount *m;
	size_t n, nl;
	const char *const (*links)[2];
	ck_assert_int_eq(hull_cgroup_mounts(cg, &m, &n, &links, &nl), 0);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name) || (m[i].data && !strcmp(m[i].data, name)))
			return &m[i];
	/* cgroup v2 alone: one tree holds every controller */
	for (size_t i = 0; i < n; i++)
		if (!m[i].name[0])
			return &m[i];
	return NULL;
}

/* This process's cgroup path in the hierarchy holding controller ("" = v2). */
static const char *own_path(const char *controller)
{
	static char out[4096];
	if (!ht_own_cgroup(controller, out, sizeof(out)))
		return NULL;
	/* On a v2-only host relative paths nest under the parent. */
	if (!*controller && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 && strcmp(out, "/")) {
		char *slash = strrchr(out, '/');
		slash[slash == out] = 0;
	}
	return out;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
	char *got = slurp_at(dir, file);
	ck_assert_msg(got && !strcmp(got, want), "%s/%s: got \"%s\", want \"%s\"", dir, file,
		      got ? got : "(unreadable)", want);
}

/* Every host_path of cg, copied (they die with cg). */
static size_t host_paths(struct hull_cgroup *cg, char paths[][4096], size_t max)
{
	const struct hull_cgroup_mount *m;
	size_t n, nl;
	const char *const (*links)[2];
	ck_assert_int_eq(hull_cgroup_mounts(cg, &m, &n, &links, &nl), 0);
	ck_assert_uint_le(n, max);
	for (size_t i = 0; i < n; i++)
		snprintf(paths[i], 4096, "%s", m[i].host_path);
	return n;
}

static void assert_gone(char paths[][4096], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char parent[4096], grand[4096];
		snprintf(parent, sizeof(parent), "%s", paths[i]);
		*strrchr(parent, '/') = 0;	/* .../prefix */
		snprintf(grand, sizeof(grand), "%s", parent);
		*strrchr(grand, '/') = 0;	/* the test's own cgroup */
		ck_assert_msg(!exists(paths[i]), "%s left behind", paths[i]);
		ck_assert_msg(!exists(parent), "%s left behind", parent);
		ck_assert_msg(exists(grand), "%s (not ours) was removed", grand);
	}
}

static void reap_killed(pid_t pid, int sig)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == sig, "child status %#x, want signal %d", st, sig);
}

START_TEST(test_create_apply_attach_kill_destroy)
{
	struct hull_resources res;
	basic_res(&res);
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	int r = hull_cgroup_create(cpath, "t1", &res, &cg, &err);
	ck_assert_msg(r == 0, "create: %s", err.msg);

	const struct hull_cgroup_mount *mem = mount_named(cg, "memory");
	ck_assert_ptr_nonnull(mem);
	const char *own = own_path(strcmp(mem->fstype, "cgroup2") ? "memory" : "");
	char want[4096];
	snprintf(want, sizeof(want), "%s%s/%s", strcmp(mem->fstype, "cgroup2") ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup",
		 strcmp(own, "/") ? own : "", cpath);
	ck_assert_str_eq(mem->host_path, want);
	const struct hull_cgroup_mount *cpu = mount_named(cg, "cpu");
	const struct hull_cgroup_mount *pids = mount_named(cg, "pids");
	ck_assert_ptr_nonnull(cpu);
	ck_assert_ptr_nonnull(pids);
	if (!strcmp(mem->fstype, "cgroup")) {
		assert_file(mem->host_path, "memory.limit_in_bytes", "67108864");
		assert_file(pids->host_path, "pids.max", "32");
		assert_file(cpu->host_path, "cpu.shares", "512");
		assert_file(cpu->host_path, "cpu.cfs_quota_us", "50000");
		assert_file(cpu->host_path, "cpu.cfs_period_us", "100000");
		/* a hybrid host: the container's /sys/fs/cgroup holds the v1
		 * hierarchies only, no unified, as under runc */
		ck_assert_ptr_null(mount_named(cg, "unified"));
	} else {
		assert_file(mem->host_path, "memory.max", "67108864");
		assert_file(mem->host_path, "pids.max", "32");
		assert_file(mem->host_path, "cpu.weight", "59");
		assert_file(mem->host_path, "cpu.max", "50000 100000");
	}

	pid_t child = spawn_sleeper();
	r = hull_cgroup_attach(cg, child, &err);
	ck_assert_msg(r == 0, "attach: %s", err.msg);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)child);
	char *cgf = slurp(proc);
	ck_assert_ptr_nonnull(cgf);
	char line[4096];
	snprintf(line, sizeof(line), "%s%s/%s\n", strcmp(mem->fstype, "cgroup2") ? ":memory:" : "0::",
		 strcmp(own, "/") ? own : "", cpath);
	ck_assert_msg(strstr(cgf, line), "%s has no \"%s\":\n%s", proc, line, cgf);
	snprintf(line, sizeof(line), ":pids:/%s\n", cpath);
	ck_assert_msg(strcmp(pids->fstype, "cgroup") || strstr(cgf, line), "%s has no \"%s\":\n%s", proc, line, cgf);

	pid_t *list = NULL;
	size_t n = 0;
	r = hull_cgroup_pids(cg, &list, &n, &err);
	ck_assert_msg(r == 0, "pids: %s", err.msg);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(list[0], child);
	free(list);

	r = hull_cgroup_kill_all(cg, SIGKILL, -1, &err);
	ck_assert_msg(r == 0, "kill_all: %s", err.msg);
	reap_killed(child, SIGKILL);

	char paths[32][4096];
	size_t np = host_paths(cg, paths, 32);
	r = hull_cgroup_destroy(cg, -1, &err);
	ck_assert_msg(r == 0, "destroy: %s", err.msg);
	assert_gone(paths, np);
	/* idempotent */
	ck_assert_int_eq(hull_cgroup_destroy(cg, -1, &err), 0);
	hull_cgroup_free(cg);
}
END_TEST

START_TEST(test_serialize_load)
{
	struct hull_resources res;
	basic_res(&res);
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	int r = hull_cgroup_create(cpath, "t2", &res, &cg, &err);
	ck_assert_msg(r == 0, "create: %s", err.msg);
	char *saved = strdup(hull_cgroup_serialize(cg));
	ck_assert(saved && !strchr(saved, '\n'));
	char paths[32][4096];
	size_t np = host_paths(cg, paths, 32);
	hull_cgroup_free(cg);	/* as `hull create` exits */

	struct hull_cgroup *lc = NULL;
	r = hull_cgroup_load(saved, &lc, &err);
	ck_assert_msg(r == 0, "load: %s", err.msg);
	ck_assert_str_eq(hull_cgroup_serialize(lc), saved);
	size_t nl = host_paths(lc, paths, 32);
	ck_assert_uint_eq(nl, np);

	pid_t child = spawn_sleeper();
	r = hull_cgroup_attach(lc, child, &err);
	ck_assert_msg(r == 0, "attach: %s", err.msg);
	pid_t *list = NULL;
	size_t n = 0;
	ck_assert_int_eq(hull_cgroup_pids(lc, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	free(list);
	/* Not SIGKILL: the freeze, signal, thaw path. */
	r = hull_cgroup_kill_all(lc, SIGTERM, -1, &err);
	ck_assert_msg(r == 0, "kill_all: %s", err.msg);
	reap_killed(child, SIGTERM);
	const struct hull_cgroup_mount *fr = mount_named(lc, "freezer");
	if (fr && !strcmp(fr->fstype, "cgroup"))
		assert_file(fr->host_path, "freezer.state", "THAWED");
	else if (fr)
		assert_file(fr->host_path, "cgroup.freeze", "0");

	r = hull_cgroup_destroy(lc, -1, &err);
	ck_assert_msg(r == 0, "destroy: %s", err.msg);
	assert_gone(paths, np);
	hull_cgroup_free(lc);
	free(saved);

	ck_assert_int_lt(hull_cgroup_load("v1;v1:memory:1:/sys/fs/cgroup/memory:/../x", &lc, &err), 0);
	struct hull_err e2 = { 0 };
	ck_assert_int_lt(hull_cgroup_load("garbage", &lc, &e2), 0);
}
END_TEST

START_TEST(test_existing_cgroup)
{
	struct hull_err err = { 0 };
	struct hull_cgroup *a = NULL, *b = NULL;
	int r = hull_cgroup_create(cpath, "ta", NULL, &a, &err);
	ck_assert_msg(r == 0, "create: %s", err.msg);
	char paths[32][4096];
	size_t np = host_paths(a, paths, 32);

	/* An empty existing cgroup is reused, and left for its creator. */
	r = hull_cgroup_create(cpath, "tb", NULL, &b, &err);
	ck_assert_msg(r == 0, "reuse: %s", err.msg);
	ck_assert_int_eq(hull_cgroup_destroy(b, -1, &err), 0);
	hull_cgroup_free(b);
	for (size_t i = 0; i < np; i++)
		ck_assert_msg(exists(paths[i]), "%s removed by a cgroup that did not create it", paths[i]);

	/* One with a process is refused, and not touched. */
	pid_t child = spawn_sleeper();
	ck_assert_int_eq(hull_cgroup_attach(a, child, &err), 0);
	b = NULL;
	r = hull_cgroup_create(cpath, "tb", NULL, &b, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err.msg, "already exists and holds processes") && strstr(err.msg, cpath),
		      "message: %s", err.msg);
	for (size_t i = 0; i < np; i++)
		ck_assert(exists(paths[i]));

	hull_err_clear(&err);
	ck_assert_int_eq(hull_cgroup_kill_all(a, SIGKILL, -1, &err), 0);
	reap_killed(child, SIGKILL);
	r = hull_cgroup_destroy(a, -1, &err);
	ck_assert_msg(r == 0, "destroy: %s", err.msg);
	assert_gone(paths, np);
	hull_cgroup_free(a);
}
END_TEST

static void assert_nothing_left(void)
{
	char p[4096];
	const char *mem = own_path("memory");
	snprintf(p, sizeof(p), "/sys/fs/cgroup/memory%s/%s", mem && strcmp(mem, "/") ? mem : "", prefix);
	ck_assert_msg(!exists(p), "%s left behind", p);
	snprintf(p, sizeof(p), "/sys/fs/cgroup/cpu/%s", prefix);
	ck_assert_msg(!exists(p), "%s left behind", p);
	snprintf(p, sizeof(p), "/sys/fs/cgroup/unified/%s", prefix);
	ck_assert_msg(!exists(p), "%s left behind", p);
	snprintf(p, sizeof(p), "/sys/fs/cgroup/%s", prefix);
	ck_assert_msg(!exists(p), "%s left behind", p);
}

START_TEST(test_bad_value)
{
	struct hull_resources res;
	basic_res(&res);
	res.cpu.quota = 500;	/* below the kernel's 1 ms minimum */
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	int r = hull_cgroup_create(cpath, "t3", &res, &cg, &err);
	ck_assert_int_lt(r, 0);
	ck_assert_ptr_null(cg);
	const char *file = access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", F_OK) == 0 ? "cpu.cfs_quota_us=500"
										    : "cpu.max=500 100000";
	ck_assert_msg(strstr(err.msg, file) && strstr(err.msg, "Invalid argument") && strstr(err.msg, cpath),
		      "message: %s", err.msg);
	assert_nothing_left();

	/* The kernel clamps shares silently; hull says so. */
	if (access("/sys/fs/cgroup/cpu/cpu.shares", F_OK) == 0) {
		basic_res(&res);
		res.cpu.shares = 1;
		hull_err_clear(&err);
		r = hull_cgroup_create(cpath, "t3", &res, &cg, &err);
		ck_assert_int_lt(r, 0);
		ck_assert_msg(strstr(err.msg, "cpu.shares=1: the minimum allowed cpu-shares is 2"), "message: %s",
			      err.msg);
		assert_nothing_left();
	}

	/* A controller the host lacks: refused by name, before anything is made. */
	if (access("/sys/fs/cgroup/net_cls", F_OK) < 0) {
		basic_res(&res);
		res.network.present = res.network.has_class_id = true;
		res.network.class_id = 0x100001;
		hull_err_clear(&err);
		ck_assert_int_lt(hull_cgroup_create(cpath, "t3", &res, &cg, &err), 0);
		ck_assert_msg(strstr(err.msg, "linux.resources.network.classID: the net_cls cgroup controller is not available"),
			      "message: %s", err.msg);
		assert_nothing_left();
	}
}
END_TEST

START_TEST(test_bad_paths)
{
	struct hull_cgroup *cg = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_lt(hull_cgroup_create("system.slice:hull:x", "t4", NULL, &cg, &err), 0);
	ck_assert_str_eq(err.msg, "linux.cgroupsPath: system.slice:hull:x: a systemd path (slice:prefix:name) needs --systemd-cgroup");
	hull_err_clear(&err);
	char p[256];
	snprintf(p, sizeof(p), "%s/../../escape", prefix);
	ck_assert_int_lt(hull_cgroup_create(p, "t4", NULL, &cg, &err), 0);
	ck_assert_msg(strstr(err.msg, "\"..\" is not allowed"), "message: %s", err.msg);
	hull_err_clear(&err);
	ck_assert_int_lt(hull_cgroup_create("/", "t4", NULL, &cg, &err), 0);
	ck_assert_ptr_null(cg);
	assert_nothing_left();
}
END_TEST

HULL_SUITE(cgroups_base, integration)
{
	Suite *s = suite_create("cgroups_base");
	TCase *tc = tcase_create("base");
	/* The prefix comes from the runner's pid, so the unchecked teardown
	   (in the runner) also cleans after a test that died of a signal. */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_create_apply_attach_kill_destroy);
	tcase_add_test(tc, test_serialize_load);
	tcase_add_test(tc, test_existing_cgroup);
	tcase_add_test(tc, test_bad_value);
	tcase_add_test(tc, test_bad_paths);
	suite_add_tcase(s, tc);
	return s;
}
