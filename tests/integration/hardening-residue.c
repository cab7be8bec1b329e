/* Residue and hardening regressions (suite "residue"): what hull must not
 * touch (cgroups it did not make, the runtime's own uts namespace), what
 * it must not leave (cgroups, state dirs, bridges, parent cgroups after
 * kill -9, a broken state.json, an unusual delete order), and errors that
 * keep their cause. Each test's comment says what hull 0.1.0 does (most
 * fail on it, for that reason; the controls pass) and what the fix makes
 * of it.
 *
 * Host objects carry the runner's pid: cgroups and container IDs start
 * with "ht-r<runner pid>-", bridges with "htrb<runner pid>". A test that
 * finds a fault cleans the host first and asserts last; the unchecked
 * teardown of every test case (in the runner) sweeps whatever a test that
 * ended early left: processes in and directories of those cgroups, those
 * bridges, and the hostname it saved before the test case. Network rules:
 * only links these tests name, addresses in 198.18.40.0/23, no traffic. */
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

static char prefix[32];		/* "ht-r<runner pid>-": cgroups and container IDs */
static char br_prefix[16];	/* "htrb<runner pid>": bridges */
static char saved_host[HOST_NAME_MAX + 1], saved_domain[HOST_NAME_MAX + 1];
static bool saved_names;

/* Appends to the test's list of faults (a char fail[] in scope). */
#define FAIL(...) snprintf(fail + strlen(fail), sizeof(fail) - strlen(fail), __VA_ARGS__)

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- sweeping (in the test, and in the runner after each test case) ---- */

static const char *sweep_name;	/* components starting with it are ours */
static pid_t swept[512];
static size_t n_swept;

static bool ours(const char *path)
{
	size_t n = strlen(sweep_name);
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (!strncmp(p + 1, sweep_name, n))
			return true;
	return false;
}

static int sweep_kill(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag != FTW_D || !ours(path))
		return 0;
	char procs[4300];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	char *s = ht_read(procs);
	for (char *p = s; p && *p;) {
		pid_t pid = (pid_t)strtol(p, &p, 10);
		if (pid > 0 && kill(pid, SIGKILL) == 0 && n_swept < sizeof(swept) / sizeof(swept[0]))
			swept[n_swept++] = pid;
		while (*p == '\n')
			p++;
	}
	free(s);
	return 0;
}

static int sweep_rmdir(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP && ours(path))
		rmdir(path);
	return 0;
}

/* Kills what runs in the cgroups with a component starting with name,
 * waits (pidfd, 5 s in all) for those processes to end, removes the
 * directories, children first. in_test: also reaps the test's children. */
static void sweep_cgroups(const char *name, bool in_test)
{
	sweep_name = name;
	n_swept = 0;
	nftw("/sys/fs/cgroup", sweep_kill, 32, FTW_PHYS);
	long t0 = ht_now_ms();
	for (size_t i = 0; i < n_swept; i++) {
		int fd = (int)syscall(SYS_pidfd_open, swept[i], 0);
		if (fd < 0)
			continue;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = 5000 - (ht_now_ms() - t0);
		poll(&p, 1, left > 0 ? (int)left : 0);
		close(fd);
		if (in_test)
			waitpid(swept[i], NULL, WNOHANG);
	}
	while (in_test && waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (int pass = 0; pass < 2; pass++)
		nftw("/sys/fs/cgroup", sweep_rmdir, 32, FTW_PHYS | FTW_DEPTH);
}

static void sweep_links(void)
{
	DIR *d = opendir("/sys/class/net");
	for (struct dirent *e; d && (e = readdir(d));)
		if (!strncmp(e->d_name, br_prefix, strlen(br_prefix)))
			ht_link_delete(e->d_name);
	if (d)
		closedir(d);
}

/* Puts back the hostname and domainname the runner saw before the test
 * case; true when they had to be. */
static bool restore_names(void)
{
	char h[HOST_NAME_MAX + 1] = "", dn[HOST_NAME_MAX + 1] = "";
	bool changed = false;
	if (!saved_names)
		return false;
	if (gethostname(h, sizeof(h)) == 0 && strcmp(h, saved_host)) {
		(void)!sethostname(saved_host, strlen(saved_host));
		changed = true;
	}
	if (getdomainname(dn, sizeof(dn)) == 0 && strcmp(dn, saved_domain)) {
		(void)!setdomainname(saved_domain, strlen(saved_domain));
		changed = true;
	}
	return changed;
}

/* Unchecked fixture: runs in the runner, before and after each test case. */
static void residue_setup(void)
{
	snprintf(prefix, sizeof(prefix), "ht-r%d-", (int)getpid());
	snprintf(br_prefix, sizeof(br_prefix), "htrb%d", (int)(getpid() % 10000000));
	saved_names = gethostname(saved_host, sizeof(saved_host)) == 0 &&
		      getdomainname(saved_domain, sizeof(saved_domain)) == 0;
}

static void residue_teardown(void)
{
	restore_names();
	sweep_cgroups(prefix, false);
	sweep_links();
}

/* ---- helpers ---- */

/* t's container ID: the runner's prefix and tag. */
static void own_id(struct ht *t, const char *tag)
{
	ck_assert_msg(prefix[0], "the residue fixture did not run");
	snprintf(t->id, sizeof(t->id), "%s%s", prefix, tag);
}

static json_t *lnx(struct ht *t)
{
	return json_object_get(t->cfg, "linux");
}

/* ht_assert_error's test, without asserting. */
static bool error_line(const struct ht_result *r, const char *want)
{
	size_t n = strlen(r->err);
	return r->status == 1 && !strncmp(r->err, "hull: ", 6) && n &&
	       strchr(r->err, '\n') == r->err + n - 1 && (!want || strstr(r->err, want));
}

/* Whether the last 40 bytes of the line (before its newline) hold c three
 * times in a row: the line ends inside a value made of c. */
static bool tail_has_run(const char *line, char c)
{
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		n--;
	size_t from = n > 40 ? n - 40 : 0, run = 0;
	for (size_t i = from; i < n; i++) {
		run = line[i] == c ? run + 1 : 0;
		if (run >= 3)
			return true;
	}
	return false;
}

/* Kills and reaps every child of the test (a subreaper: container
 * processes whose hull died are ours); returns how many were alive. */
static size_t kill_children(void)
{
	size_t alive = 0;
	char want[32];
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		char *s = ht_read(path);
		if (s && strstr(s, want)) {
			alive += !strstr(s, "State:\tZ");
			kill(atoi(e->d_name), SIGKILL);
		}
		free(s);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
	return alive;
}

/* Whether pid, a child of the test, is dead or has a SIGKILL pending: what
 * a kill(2) did is visible at once, no wait needed. */
static bool dead_or_doomed(pid_t pid)
{
	siginfo_t si = { 0 };
	/* WNOWAIT: a zombie stays, so its pid is not reused before we reap it */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *s = ht_read(path);
	if (!s)
		return true;
	bool doomed = strstr(s, "State:\tZ") || strstr(s, "State:\tX");
	static const char *const keys[] = { "\nShdPnd:\t", "\nSigPnd:\t" };
	for (size_t i = 0; i < 2 && !doomed; i++) {
		const char *k = strstr(s, keys[i]);
		if (k && (strtoull(k + strlen(keys[i]), NULL, 16) & (1ULL << (SIGKILL - 1))))
			doomed = true;
	}
	free(s);
	return doomed;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_PHYS | FTW_DEPTH);
}

/* A /bin/sleep 60 child of the test. */
static pid_t spawn_sleep(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/sleep", "sleep", "60", (char *)NULL);
		_exit(126);
	}
	return pid;
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return close(fd) == 0 && ok;
}

/* Ends a test: on faults, cleans the host without assertions and fails
 * with them; else the usual host check. */
static void finish(struct ht *t, const char *fail)
{
	if (*fail) {
		ht_force_clean(t);
		ck_abort_msg("%s", fail);
	}
	ht_finish(t);
}

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
		if (strcmp(h, root) && exists(p))
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
	if ((size_t)_i >= n)
		return;
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "a");
	char name[64], dir[160], child[192], procs[224];
	snprintf(name, sizeof(name), "%sa%d", prefix, _i);
	snprintf(dir, sizeof(dir), "%s/%s", roots[_i], name);
	snprintf(child, sizeof(child), "%s/child", dir);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", child);
	ck_assert_msg(mkdir(dir, 0755) == 0, "mkdir %s: %s", dir, strerror(errno));
	if (mkdir(child, 0755) < 0) {
		int e = errno;
		rmdir(dir);
		ck_abort_msg("mkdir %s: %s", child, strerror(e));
	}
	pid_t sleeper = spawn_sleep();
	char pid_text[32];
	snprintf(pid_text, sizeof(pid_text), "%d\n", (int)sleeper);
	if (!write_file(procs, pid_text)) {
		int e = errno;
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);
		rmdir(child);
		rmdir(dir);
		ck_abort_msg("%s: %s", procs, strerror(e));
	}

	char path[80];
	snprintf(path, sizeof(path), "/%s", name);
	json_object_set_new(lnx(&t), "cgroupsPath", json_string(path));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	if (!error_line(&r, "holds processes"))
		FAIL("run with cgroupsPath %s (its child holds pid %d): want exit 1 and one line "
		     "holding \"holds processes\", got exit %d, stderr \"%.300s\"; ",
		     path, (int)sleeper, r.status, r.err);
	if (dead_or_doomed(sleeper))
		FAIL("the host process %d in %s was killed; ", (int)sleeper, child);
	if (!exists(dir) || !exists(child))
		FAIL("%s or its child was removed; ", dir);
	if (r.status != 0)
		others_named(roots[_i], name, fail, sizeof(fail));
	ht_result_free(&r);

	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	rmdir(child);
	rmdir(dir);
	sweep_cgroups(name, true);
	finish(&t, fail);
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
	if ((size_t)_i >= n)
		return;
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "a-empty");
	char name[64], dir[160], child[192];
	snprintf(name, sizeof(name), "%sae%d", prefix, _i);
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
	json_object_set_new(lnx(&t), "cgroupsPath", json_string(path));
	ht_sh(&t, "echo ran");
	ht_run(&t, &r);
	if (r.status != 0 || strcmp(r.out, "ran\n"))
		FAIL("run in the existing empty %s: exit %d, stdout \"%.100s\", stderr \"%.300s\"; ",
		     dir, r.status, r.out, r.err);
	if (!exists(dir) || !exists(child))
		FAIL("%s (not hull's) was removed by the delete; ", exists(dir) ? child : dir);
	ht_result_free(&r);
	rmdir(child);
	rmdir(dir);
	sweep_cgroups(name, true);
	finish(&t, fail);
}
END_TEST

/* ---- B: uid/gid -1 ---- */

/* 4294967295 is (uid_t)-1, which setresuid/setresgid read as "leave it":
 * on 0.1.0 the process keeps uid 0 and gid 0 (it prints 0 0). The
 * additional gid already fails (setgroups: EINVAL), after the clone.
 * Fixed: refused by name, at validation. */
static const struct {
	const char *key, *want;
} ids[] = {
	{ "uid", "process.user.uid" },
	{ "gid", "process.user.gid" },
	{ "additionalGids", "process.user.additionalGids" },
};

START_TEST(user_id_minus_one_refused)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "b");
	json_t *user = json_object_get(json_object_get(t.cfg, "process"), "user");
	json_int_t minus_one = (json_int_t)4294967295LL;
	if (_i == 2)
		json_object_set_new(user, ids[_i].key, json_pack("[I]", minus_one));
	else
		json_object_set_new(user, ids[_i].key, json_integer(minus_one));
	ht_sh(&t, "echo \"$(id -u) $(id -g) $(id -G)\"");
	ht_run(&t, &r);
	if (!error_line(&r, ids[_i].want))
		FAIL("run with process.user.%s = 4294967295: want exit 1 and one line holding \"%s\", "
		     "got exit %d, stdout (id -u, -g, -G) \"%.100s\", stderr \"%.300s\"; ",
		     ids[_i].key, ids[_i].want, r.status, r.out, r.err);
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	if (!error_line(&r, ids[_i].want))
		FAIL("create: got exit %d, stderr \"%.300s\"; ", r.status, r.err);
	ht_result_free(&r);
	finish(&t, fail);
}
END_TEST

/* ---- C: kill -9 at a random instant, then delete --force ---- */

/* `hull run` (or `hull create`) of one container, SIGKILLed after a random
 * 0 to 25 ms, 60 times; after each, `delete --force ID` exits 0 (or says
 * the container does not exist), and no state dir and no cgroup named ID
 * is left. 0.1.0 leaks now and then (the issue: 7/150 for run, 10/150 for
 * create; here 2 to 6 of 60, so a run of 60 may by chance see none): a
 * cgroup named ID when the kill lands about 1 to 3 ms in (made, not yet
 * recorded: delete says the container does not exist), and for run also
 * a state dir whose delete --force fails with "cgroups: no freezer". */
START_TEST(kill9_random_then_delete)
{
	static const char *const cmd[] = { "run", "create" };
	char fail[6000] = "";
	struct ht t;
	ht_begin(&t, false);
	own_id(&t, cmd[_i]);
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	const char *hull = getenv("HULL");
	unsigned seed = (unsigned)(time(NULL) ^ getpid()), s = seed;
	unsigned n_leaks = 0, n_cg = 0, n_state = 0, n_del = 0, n_procs = 0, shown = 0;
	long t0 = ht_now_ms();
	for (int i = 0; i < 60; i++) {
		char id[96], sdir[160];
		snprintf(id, sizeof(id), "%s-%d", t.id, i);
		snprintf(sdir, sizeof(sdir), "%s/%s", t.root, id);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execl(hull, hull, "--root", t.root, cmd[_i], "--bundle", t.bundle, id, (char *)NULL);
			_exit(126);
		}
		long delay_us = rand_r(&s) % 25001;
		struct timespec d = { .tv_sec = 0, .tv_nsec = delay_us * 1000 };
		nanosleep(&d, NULL);	/* the test's input: when the kill lands */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;

		struct ht_result r;
		ht_hull(&t, &r, NULL, "delete", "--force", id, NULL);
		bool del_ok = r.status == 0 || (r.status == 1 && strstr(r.err, "does not exist"));
		bool state_left = exists(sdir);
		bool cg_left = ht_cgroup_exists(id);
		size_t procs = kill_children();
		n_procs += procs != 0;
		if (!del_ok || state_left || cg_left) {
			n_leaks++;
			n_del += !del_ok;
			n_state += state_left;
			n_cg += cg_left;
			if (shown++ < 4)
				FAIL("[#%d kill at %.1f ms:%s%s%s delete exit %d \"%.160s\"] ", i,
				     delay_us / 1000.0, cg_left ? " cgroup left," : "",
				     state_left ? " state dir left," : "",
				     procs ? " process left," : "", r.status, r.err);
			if (cg_left)
				sweep_cgroups(id, true);
			if (state_left)
				rm_rf(sdir);
		}
		ht_result_free(&r);
	}
	long took = ht_now_ms() - t0;
	if (n_cg) {
		/* Removes the default parents left empty: any container of the
		 * default path takes the "hull" level away with it. */
		struct ht_result r;
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		ht_result_free(&r);
	}
	if (n_leaks) {
		char head[512];
		snprintf(head, sizeof(head),
			 "%s, SIGKILL after 0-25 ms (seed %u), then delete --force: %u of 60 left "
			 "residue (%u cgroups, %u state dirs, %u deletes failed; %u with a process left, "
			 "killed) in %ld ms: ", cmd[_i], seed, n_leaks, n_cg, n_state, n_del, n_procs, took);
		memmove(fail + strlen(head), fail, strlen(fail) + 1);
		memcpy(fail, head, strlen(head));
	}
	finish(&t, fail);
}
END_TEST

/* ---- D: a state.json whose cgroup does not parse ---- */

/* 0.1.0: "hull: cgroup: cannot read the saved cgroup ..." and exit 1, even
 * with --force; the init, its cgroups and the state dir stay. Fixed:
 * --force falls back on the side record (STATE/ID/cgroup) and removes all. */
START_TEST(delete_force_with_broken_state_cgroup)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "d");
	ht_args(&t, "sleep", "300", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	char state[192], record[192], sdir[160];
	snprintf(sdir, sizeof(sdir), "%s/%s", t.root, t.id);
	snprintf(state, sizeof(state), "%s/state.json", sdir);
	snprintf(record, sizeof(record), "%s/cgroup", sdir);
	json_t *j = json_load_file(state, 0, NULL);
	if (!j || !json_is_string(json_object_get(j, "cgroup")))
		FAIL("%s: no \"cgroup\" string to break; ", state);
	if (!exists(record))
		FAIL("%s: no side record; ", record);
	if (j) {
		json_object_set_new(j, "cgroup", json_string("garbage;v9:not-a-cgroup:x"));
		if (json_dump_file(j, state, JSON_INDENT(2)) < 0)
			FAIL("cannot rewrite %s; ", state);
		json_decref(j);
	}
	if (!*fail) {
		ht_hull(&t, &r, NULL, "delete", "--force", t.id, NULL);
		if (r.status != 0)
			FAIL("delete --force with a broken \"cgroup\": exit %d, stderr \"%.300s\"; ",
			     r.status, r.err);
		ht_result_free(&r);
		if (exists(sdir))
			FAIL("state dir %s left; ", sdir);
		if (!dead_or_doomed(pid))
			FAIL("init %d still alive; ", (int)pid);
		if (ht_cgroup_exists(t.id))
			FAIL("cgroup %s left; ", t.id);
	}
	if (*fail) {
		kill_children();
		sweep_cgroups(t.id, true);
		rm_rf(sdir);
		/* the default "hull" level, now empty, goes with a container of its own */
		ht_sh(&t, "true");
		ht_write_config(&t);
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		ht_result_free(&r);
	}
	finish(&t, fail);
}
END_TEST

/* ---- E: a bridge with remove-empty goes with its last port ---- */

/* A makes the bridge (remove-empty), B joins it. Deleted B then A: A
 * removes it (passes on 0.1.0). A then B: the bridge stays on 0.1.0, since
 * only its creator may remove it and the creator was not last. Fixed:
 * whoever leaves it empty removes it. */
START_TEST(bridge_goes_with_last_port)
{
	bool creator_first = _i == 0;
	char fail[4096] = "", br[32], va[16], vb[16], addr[3][32];
	snprintf(br, sizeof(br), "%s%c", br_prefix, 'a' + _i);
	ck_assert_uint_le(strlen(br), 15);
	for (int k = 0; k < 3; k++)
		snprintf(addr[k], sizeof(addr[k]), "198.18.%d.%d/24", 40 + _i, k + 1);
	struct ht a, b;
	struct ht_result r;
	ht_begin(&a, false);
	own_id(&a, creator_first ? "e0-a" : "e1-a");
	ht_begin(&b, false);
	own_id(&b, creator_first ? "e0-b" : "e1-b");
	hull_net_host_ifname(a.id, va);
	hull_net_host_ifname(b.id, vb);
	htn_annotate(&a, "org.hull.net.bridge", br);
	htn_annotate(&a, "org.hull.net.bridge.address", addr[0]);
	htn_annotate(&a, "org.hull.net.bridge.remove-empty", "true");
	htn_annotate(&a, "org.hull.net.address", addr[1]);
	htn_annotate(&b, "org.hull.net.bridge", br);
	htn_annotate(&b, "org.hull.net.address", addr[2]);
	ht_args(&a, "sleep", "300", NULL);
	ht_args(&b, "sleep", "300", NULL);
	ck_assert_msg(!htn_link_exists(br), "%s exists before the test", br);

	struct ht *c[2] = { &a, &b };
	for (int k = 0; k < 2 && !*fail; k++) {
		ht_write_config(c[k]);
		ht_hull(c[k], &r, NULL, "run", "--detach", "--bundle", c[k]->bundle, c[k]->id, NULL);
		if (r.status != 0)
			FAIL("run -d %s: exit %d, stderr \"%.300s\"; ", k ? "B" : "A", r.status, r.err);
		ht_result_free(&r);
	}
	if (!*fail && !htn_link_exists(br))
		FAIL("A did not make %s; ", br);
	struct ht *first = creator_first ? &a : &b, *last = creator_first ? &b : &a;
	if (!*fail) {
		ht_hull(first, &r, NULL, "delete", "--force", first->id, NULL);
		if (r.status != 0)
			FAIL("delete --force %s: exit %d, stderr \"%.300s\"; ", creator_first ? "A" : "B",
			     r.status, r.err);
		ht_result_free(&r);
		if (!htn_link_exists(br))
			FAIL("%s removed while %s still had a port; ", br, creator_first ? "B" : "A");
	}
	if (!*fail) {
		ht_hull(last, &r, NULL, "delete", "--force", last->id, NULL);
		if (r.status != 0)
			FAIL("delete --force %s: exit %d, stderr \"%.300s\"; ", creator_first ? "B" : "A",
			     r.status, r.err);
		ht_result_free(&r);
		if (!ht_link_gone(br, 5000))
			FAIL("bridge %s (remove-empty, made by A) left after %s, the last port, was "
			     "deleted (A first: %s); ", br, creator_first ? "B" : "A",
			     creator_first ? "yes" : "no");
	}
	if (*fail) {
		ht_force_clean(&b);
		ht_force_clean(&a);
		ht_link_delete(va);
		ht_link_delete(vb);
		ht_link_delete(br);
		ck_abort_msg("%s", fail);
	}
	ht_finish(&b);
	ht_finish(&a);
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
	snprintf(parent, sizeof(parent), "%sf%d-parent", prefix, _i);
	struct ht a, b;
	struct ht_result r;
	ht_begin(&a, false);
	own_id(&a, creator_first ? "f0-a" : "f1-a");
	ht_begin(&b, false);
	own_id(&b, creator_first ? "f0-b" : "f1-b");
	struct ht *c[2] = { &a, &b };
	for (int k = 0; k < 2 && !*fail; k++) {
		char path[96];
		snprintf(path, sizeof(path), "/%s/%c", parent, 'a' + k);
		json_object_set_new(lnx(c[k]), "cgroupsPath", json_string(path));
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
		sweep_cgroups(parent, true);
		ck_abort_msg("%s", fail);
	}
	ht_finish(&b);
	ht_finish(&a);
}
END_TEST

/* ---- G: the hostname is set only in a uts namespace of the container ---- */

/* [0] the uts entry joins /proc/self/ns/uts, hull's own, the host's: on
 * 0.1.0 the run succeeds and the host's hostname becomes "pwned-...".
 * [1] no uts entry: refused already on 0.1.0. Fixed: both refused,
 * "hostname", the host's name untouched. */
START_TEST(hostname_needs_a_uts_namespace_of_its_own)
{
	char fail[4096] = "", before[HOST_NAME_MAX + 1] = "", after[HOST_NAME_MAX + 1] = "";
	char pwned[64];
	ck_assert_int_eq(gethostname(before, sizeof(before)), 0);
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "g");
	snprintf(pwned, sizeof(pwned), "pwned-%s%d", prefix, _i);
	json_object_set_new(t.cfg, "hostname", json_string(pwned));
	json_t *nss = json_object_get(lnx(&t), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), "uts")) {
			if (_i == 0)
				json_object_set_new(ns, "path", json_string("/proc/self/ns/uts"));
			else
				json_array_remove(nss, i);
			break;
		}
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	if (!error_line(&r, "hostname"))
		FAIL("run with hostname %s and %s: want exit 1 and one line holding \"hostname\", "
		     "got exit %d, stderr \"%.300s\"; ", pwned,
		     _i ? "no uts namespace" : "uts path /proc/self/ns/uts", r.status, r.err);
	ht_result_free(&r);
	gethostname(after, sizeof(after));
	if (strcmp(before, after)) {
		FAIL("the host's hostname became \"%s\" (put back \"%s\"); ", after, before);
		(void)!sethostname(before, strlen(before));
	}
	restore_names();
	finish(&t, fail);
}
END_TEST

/* ---- H: errors keep their cause ---- */

/* A container ID of 3000 [a-z]: refused by length on 0.1.0 already. One
 * of 1024 passes that check, and 0.1.0's message (the state dir's path,
 * then strerror) is cut at 1024 bytes inside the ID: no cause. Fixed: the
 * line names the ID, is cut short, and ends with the reason. */
static const size_t id_lens[] = { 3000, 1024 };

START_TEST(long_id_error_keeps_cause)
{
	char fail[4096] = "";
	size_t len = id_lens[_i];
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "h1");
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	char *id = malloc(len + 1);
	ck_assert_ptr_nonnull(id);
	memset(id, 'a', len);
	id[len] = 0;
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, id, NULL);
	size_t n = strlen(r.err);
	if (!error_line(&r, NULL) || n >= 1100 || !(strstr(r.err, "ID") || strstr(r.err, "id")) ||
	    tail_has_run(r.err, 'a'))
		FAIL("create with a %zu-byte ID: want exit 1, one line under 1100 bytes naming the ID "
		     "(\"ID\"/\"id\") and ending with its cause, not inside the ID; got exit %d, "
		     "%zu bytes, ending \"%s\"; ", len, r.status, n, n > 60 ? r.err + n - 60 : r.err);
	ht_result_free(&r);
	free(id);
	finish(&t, fail);
}
END_TEST

/* A hostname of 3000 bytes: 0.1.0 says "hull: hostname bbb..." cut at
 * 1024 bytes, the cause (sethostname's EINVAL, or a length check) gone.
 * Fixed: one line, the value cut, "hostname" and the cause at the end. */
START_TEST(long_hostname_error_keeps_cause)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "h2");
	char name[3001];
	memset(name, 'b', 3000);
	name[3000] = 0;
	json_object_set_new(t.cfg, "hostname", json_string(name));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	size_t n = strlen(r.err);
	if (!error_line(&r, "hostname") || n >= 1100 || tail_has_run(r.err, 'b'))
		FAIL("run with a 3000-byte hostname: want exit 1, one line under 1100 bytes holding "
		     "\"hostname\" and ending with its cause; got exit %d, %zu bytes, ending \"%s\"; ",
		     r.status, n, n > 60 ? r.err + n - 60 : r.err);
	ht_result_free(&r);
	finish(&t, fail);
}
END_TEST

/* memory.limit 1 byte: the kernel takes it and the init is OOM-killed
 * before it is in its cgroup; 0.1.0 says "container init exited before it
 * was in its cgroup". Fixed: the error names linux.resources.memory.limit. */
START_TEST(tiny_memory_limit_named)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "h3");
	json_t *res = json_object_get(lnx(&t), "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(lnx(&t), "resources", res);
	}
	json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)1));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	if (!error_line(&r, "memory.limit"))
		FAIL("run with memory.limit 1: want exit 1 and one line holding \"memory.limit\", "
		     "got exit %d, stderr \"%.300s\"; ", r.status, r.err);
	ht_result_free(&r);
	finish(&t, fail);
}
END_TEST

/* root.path a symlink to "/": 0.1.0 says "pivot_root: Device or resource
 * busy". Fixed: refused as root.path, with a reason. */
START_TEST(root_symlink_to_host_root_named)
{
	char fail[4096] = "";
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	own_id(&t, "h4");
	char link[128];
	snprintf(link, sizeof(link), "%s/root-link", t.bundle);
	ck_assert_int_eq(symlink("/", link), 0);
	json_object_set_new(json_object_get(t.cfg, "root"), "path", json_string(link));
	ht_args(&t, "true", NULL);
	ht_run(&t, &r);
	if (!error_line(&r, "root.path") || strstr(r.err, "Device or resource busy"))
		FAIL("run with root.path %s -> /: want exit 1 and one line holding \"root.path\", "
		     "not \"Device or resource busy\"; got exit %d, stderr \"%.300s\"; ", link, r.status,
		     r.err);
	ht_result_free(&r);
	finish(&t, fail);
}
END_TEST

static TCase *tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, residue_setup, residue_teardown);
	suite_add_tcase(s, tc);
	return tc;
}

HULL_SUITE(residue, integration)
{
	Suite *s = suite_create("residue");
	tcase_add_loop_test(tcase(s, "foreign_cgroup"), foreign_cgroup_with_process_refused, 0, 2);
	tcase_add_loop_test(tcase(s, "existing_cgroup"), empty_existing_cgroup_reused_and_kept, 0, 2);
	tcase_add_loop_test(tcase(s, "user_minus_one"), user_id_minus_one_refused, 0, 3);
	tcase_add_loop_test(tcase(s, "kill9"), kill9_random_then_delete, 0, 2);
	tcase_add_test(tcase(s, "broken_state"), delete_force_with_broken_state_cgroup);
	tcase_add_loop_test(tcase(s, "bridge"), bridge_goes_with_last_port, 0, 2);
	tcase_add_loop_test(tcase(s, "parent_cgroup"), parent_cgroup_goes_with_last_child, 0, 2);
	tcase_add_loop_test(tcase(s, "uts"), hostname_needs_a_uts_namespace_of_its_own, 0, 2);
	TCase *tc = tcase(s, "error_cause");
	tcase_add_loop_test(tc, long_id_error_keeps_cause, 0, 2);
	tcase_add_test(tc, long_hostname_error_keeps_cause);
	tcase_add_test(tc, tiny_memory_limit_named);
	tcase_add_test(tc, root_symlink_to_host_root_named);
	return s;
}
