/* The host check every integration test ends with: per object, it looks
 * only at what the test made (its state dirs, its children, its mounts,
 * its cgroups, its links, its fds), so other suites running on this host
 * at the same time, which mount, unmount and make cgroups of their own,
 * do not disturb it. See ht.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../../netsetup/netsetup.h"
#include "../../runtime/net.h"
#include "ht.h"

static struct ht *current;	/* cleaned at exit when a failed assertion ends the test */

size_t ht_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;	/* the fd of the opendir itself */
}

static void at_exit_clean(void)
{
	if (current)
		ht_force_clean(current);
}

void ht_host_snapshot(struct ht *t)
{
	static bool registered;
	t->mountinfo = ht_read("/proc/self/mountinfo");
	t->n_fds = ht_count_fds();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	current = t;
	if (!registered) {
		atexit(at_exit_clean);
		registered = true;
	}
}

/* ---- children of the test ---- */

/* The pid of a /proc entry whose status says its parent is the test, 0 if not. */
static pid_t child_of_test(const char *name, bool zombies_too)
{
	char want[32], path[300];
	if (name[0] < '1' || name[0] > '9')
		return 0;
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	snprintf(path, sizeof(path), "/proc/%s/status", name);
	char *s = ht_read(path);
	bool mine = s && strstr(s, want) && (zombies_too || !strstr(s, "State:\tZ"));
	free(s);
	return mine ? (pid_t)atoi(name) : 0;
}

/* "[pid cmdline] " of pid, appended to names. */
static void add_name(pid_t pid, char *names, size_t cap)
{
	char path[64], cmd[128];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	char *c = ht_read(path);
	size_t n = 0;
	for (; c && n < 120 && (c[n] || c[n + 1]); n++)
		cmd[n] = c[n] ? c[n] : ' ';
	cmd[n] = 0;
	free(c);
	size_t used = strlen(names);
	snprintf(names + used, cap - used, "[%d %s] ", (int)pid, cmd);
}

/* Whether pid still lives once it had until deadline (ms) to end. */
static bool outlives(pid_t pid, long deadline)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long left = deadline - ht_now_ms();
	bool alive = fd < 0 || poll(&p, 1, left > 0 ? (int)left : 0) != 1;
	if (fd >= 0)
		close(fd);
	return alive;
}

size_t ht_children(int ms, char *names, size_t cap)
{
	long deadline = ht_now_ms() + ms;
	size_t alive = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		pid_t pid = child_of_test(e->d_name, false);
		if (pid && outlives(pid, deadline)) {
			alive++;
			if (names)
				add_name(pid, names, cap);
		}
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return alive;
}

void ht_kill_children(void)
{
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		pid_t pid = child_of_test(e->d_name, true);
		if (pid)
			kill(pid, SIGKILL);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/* ---- cgroups, links ---- */

char ht_cgroup_found[4200];
static const char *cg_want;

static int cg_match(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	if (flag != FTW_D || strcmp(path + ftw->base, cg_want))
		return 0;
	snprintf(ht_cgroup_found, sizeof(ht_cgroup_found), "%s", path);
	return 1;
}

bool ht_cgroup_exists(const char *name)
{
	cg_want = name;
	ht_cgroup_found[0] = 0;
	return nftw("/sys/fs/cgroup", cg_match, 32, FTW_PHYS) == 1;
}

bool ht_link_exists(const char *name)
{
	char p[64];
	snprintf(p, sizeof(p), "/sys/class/net/%s", name);
	return name[0] && access(p, F_OK) == 0;
}

bool ht_link_gone(const char *name, int ms)
{
	if (!ht_link_exists(name))
		return true;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ck_assert_int_ge(s, 0);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	long t0 = ht_now_ms();
	/* Subscribed before the look: a removal in between still wakes us. */
	while (ht_link_exists(name) && ht_now_ms() - t0 < ms) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, (int)(ms - (ht_now_ms() - t0))) > 0) {
			char buf[16384];
			while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
	}
	close(s);
	return !ht_link_exists(name);
}

void ht_link_delete(const char *name)
{
	if (!ht_link_exists(name))
		return;
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	if (hull_nl_open(-1, &nl, &err) == 0)
		hull_link_delete(nl, name, &err);
	hull_nl_close(nl);
}

/* ---- mounts ---- */

/* Whether a mountinfo line is a mount of t's: its root in the source
 * filesystem, its target, its source or its options (an overlay's
 * layers) name t's root, bundle or rootfs, or it names t's ID or
 * cg_parent. The dirs are mkdtemp's, the names carry the test's pid: no
 * other path holds them. */
static bool mount_is_tests(const struct ht *t, const char *cg_parent, const char *line)
{
	const char *names[] = { t->root, t->bundle, t->rootfs, t->id, cg_parent };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] && *names[i] && strstr(line, names[i]))
			return true;
	return false;
}

/* Whether line is a whole line of the snapshot text. */
static bool in_snapshot(const char *snap, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = snap; p && (p = strstr(p, line)); p += n)
		if ((p == snap || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

char *ht_new_mounts(const struct ht *t, const char *cg_parent)
{
	char *now = ht_read("/proc/self/mountinfo"), *found = calloc(1, 1), *save = NULL;
	ck_assert(now && found);
	for (char *l = strtok_r(now, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (in_snapshot(t->mountinfo, l) || !mount_is_tests(t, cg_parent, l))
			continue;
		size_t have = strlen(found), n = strlen(l);
		found = realloc(found, have + n + 2);
		ck_assert_ptr_nonnull(found);
		memcpy(found + have, l, n);
		memcpy(found + have + n, "\n", 2);
	}
	free(now);
	return found;
}

/* ---- the check ---- */

#define ADD(...) snprintf(msg + strlen(msg), cap - strlen(msg), __VA_ARGS__)

/* Deletes (--force) every container under t's root; returns how many. */
static size_t delete_all(struct ht *t)
{
	size_t n = 0;
	DIR *d = opendir(t->root);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		char *argv[] = { (char *)ht_hull_bin(), "--root", t->root, "delete", "--force",
				 e->d_name, NULL, NULL };
		if (ht_systemd_driver()) /* as the test's own hull ran */
			memmove(argv + 2, argv + 1, 5 * sizeof(*argv)), argv[1] = "--systemd-cgroup";
		/* We are a subreaper: what a container's processes leave (a
		 * detached exec) is ours, and a dying pid namespace init waits
		 * for our zombies while `delete` waits for it. */
		struct ht_proc p;
		ht_start(argv, NULL, 0, &p);
		ht_wait_reaping(&p, NULL);
	}
	if (d)
		closedir(d);
	return n;
}

static void state_dirs_left(struct ht *t, char *msg, size_t cap)
{
	DIR *d = opendir(t->root);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			ADD("state dir %s/%s left; ", t->root, e->d_name);
	if (d)
		closedir(d);
	delete_all(t);
}

void ht_host_left(struct ht *t, const struct ht_extra *x, char *msg, size_t cap)
{
	static const struct ht_extra none = { NULL, NULL, 0 };
	char names[2048] = "", veth[16];
	size_t n;
	if (!x)
		x = &none;
	state_dirs_left(t, msg, cap);
	if ((n = ht_children(x->grace_ms, names, sizeof(names))))
		ADD("%zu processes left %s; ", n, names);
	char *mounts = ht_new_mounts(t, x->cg_parent);
	for (char *l = mounts, *next; *l; l = next) {
		next = strchr(l, '\n');
		*next++ = 0;
		ADD("mount left: %s; ", l);
	}
	free(mounts);
	if (x->cg_parent && ht_cgroup_exists(x->cg_parent))
		ADD("cgroup %s left; ", ht_cgroup_found);
	if (ht_cgroup_exists(t->id))
		ADD("cgroup %s left; ", ht_cgroup_found);
	char scope[96];
	ht_scope_name(t, scope, sizeof(scope));
	if (ht_systemd_driver() && ht_cgroup_exists(scope))
		ADD("cgroup %s left; ", ht_cgroup_found);
	hull_net_host_ifname(t->id, veth);
	if (!ht_link_gone(veth, 5000))
		ADD("link %s left; ", veth);
	if (x->bridge && *x->bridge && !ht_link_gone(x->bridge, 2000))
		ADD("bridge %s left; ", x->bridge);
	if ((n = ht_count_fds()) != t->n_fds)
		ADD("%zu fds open, %zu before; ", n, t->n_fds);
}

/* Detaches the test's mounts (ht_new_mounts) whose target is in its
 * dirs, innermost first, so that what a failed test left goes too. */
static void umount_tests(struct ht *t)
{
	char *mounts = t->mountinfo ? ht_new_mounts(t, NULL) : NULL;
	char *targets[64];
	size_t n = 0;
	for (char *l = mounts, *next; l && *l && n < 64; l = next) {
		next = strchr(l, '\n');
		*next++ = 0;
		char *p = l;
		for (int i = 0; i < 4 && p; i++)
			p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
		if (!p)
			continue;
		p[strcspn(p, " ")] = 0;
		if (strstr(p, t->root) == p || strstr(p, t->bundle) == p || strstr(p, t->rootfs) == p)
			targets[n++] = p;
	}
	while (n > 0)
		umount2(targets[--n], MNT_DETACH);
	free(mounts);
}

void ht_force_clean(struct ht *t)
{
	current = NULL;
	delete_all(t);
	ht_kill_children();
	umount_tests(t);
	ht_spawn_quiet("/bin/rm", "-rf", t->root, t->bundle, NULL);
	json_decref(t->cfg);
	free(t->mountinfo);
	t->cfg = NULL;
	t->mountinfo = NULL;
}

void ht_finish(struct ht *t)
{
	char msg[8192] = "";
	ht_host_left(t, NULL, msg, sizeof(msg));
	ht_force_clean(t);
	ck_assert_msg(!*msg, "host not clean: %s", msg);
}

/* ---- after the run ---- */

/* argv with its stdio on /dev/null, waited for. No Check call: ht_sweep
 * runs after the suites, where any ck_assert ends the runner. */
static void run_silently(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* Deletes the containers under the state root path, then the dir. */
/* delete --force of every container whose state is in state_root (NULL:
 * none), then rm -rf path. */
static void sweep_dir(const char *hull, const char *path, const char *state_root)
{
	DIR *d = state_root ? opendir(state_root) : NULL;
	for (struct dirent *c; d && (c = readdir(d));) {
		if (c->d_name[0] == '.')
			continue;
		char *argv[] = { (char *)hull, "--root", (char *)state_root, "delete", "--force", c->d_name, NULL };
		run_silently(argv);
	}
	if (d)
		closedir(d);
	char *rm[] = { "/bin/rm", "-rf", (char *)path, NULL };
	run_silently(rm);
}

/* The dirs of /tmp a test makes, named PREFIX<its pid>-XXXXXX, and where
 * in them a --root is (NULL: none). */
static const struct {
	const char *prefix, *state;
} tmp_dirs[] = {
	{ "ht-root-", "" }, /* ht_begin's --root */
	{ "ht-bundle-", NULL },
	{ "ht-xdg-", "/hull" }, /* userns: a rootless hull's XDG_RUNTIME_DIR */
};

void ht_sweep(void)
{
	const char *hull = getenv("HULL");
	DIR *tmp = opendir("/tmp");
	if (!hull || !tmp)
		return;
	for (struct dirent *e; (e = readdir(tmp));) {
		size_t k = 0, n = sizeof(tmp_dirs) / sizeof(tmp_dirs[0]);
		while (k < n && strncmp(e->d_name, tmp_dirs[k].prefix, strlen(tmp_dirs[k].prefix)))
			k++;
		if (k == n)
			continue;
		/* Another runner's, while it lives, is not ours to clean; nor is
		 * a name without a pid. */
		long owner = strtol(e->d_name + strlen(tmp_dirs[k].prefix), NULL, 10);
		if (owner <= 0 || (owner != getpid() && (kill((pid_t)owner, 0) == 0 || errno == EPERM)))
			continue;
		char path[300], state[320];
		snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
		if (tmp_dirs[k].state)
			snprintf(state, sizeof(state), "%s%s", path, tmp_dirs[k].state);
		sweep_dir(hull, path, tmp_dirs[k].state ? state : NULL);
	}
	closedir(tmp);
}
