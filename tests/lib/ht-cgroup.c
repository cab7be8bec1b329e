/* Cgroup helpers of the suites: this process's own cgroup, and the sweep
 * that kills and removes a test's cgroups; see ht.h. */
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ht.h"

bool ht_own_cgroup(const char *controller, char *out, size_t len)
{
	char *s = ht_read("/proc/self/cgroup");
	ck_assert_ptr_nonnull(s);
	bool found = false;
	for (char *save = NULL, *t, *p = s; !found && (t = strtok_r(p, "\n", &save)); p = NULL) {
		char *c1 = strchr(t, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = 0;
		bool match = !strcmp(c1 + 1, controller);
		for (char *save2 = NULL, *c, *l = c1 + 1; !match && *controller && (c = strtok_r(l, ",", &save2));
		     l = NULL)
			match = !strcmp(c, controller);
		if (match) {
			snprintf(out, len, "%s", c2 + 1);
			found = true;
		}
	}
	free(s);
	return found;
}

void ht_init_cgroup_dir(struct ht *t, char *out, size_t len)
{
	char path[64];
	pid_t pid = ht_state_pid(t, t->id, NULL, 0);
	ck_assert_msg(pid > 0, "%s: no init to read the cgroup of", t->id);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	char *s = ht_read(path), *v2 = s ? strstr(s, "0::/") : NULL;
	ck_assert_msg(v2 && (v2 == s || v2[-1] == '\n'), "%s: no cgroup v2 line", path);
	v2 += 3;
	v2[strcspn(v2, "\n")] = 0;
	snprintf(out, len, "/sys/fs/cgroup%s", v2);
	free(s);
}

/* ---- the sweep ---- */

static const char *sweep_name;	/* the component looked for */
static bool sweep_prefix;	/* a component starting with sweep_name will do */
static pid_t swept[512];
static size_t n_swept;

static bool ours(const char *path)
{
	size_t n = strlen(sweep_name);
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
		if (!strncmp(p + 1, sweep_name, n) && (sweep_prefix || p[1 + n] == '/' || !p[1 + n]))
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

void ht_cgroup_sweep(const char *name, bool prefix, bool reap)
{
	if (!name || !*name)
		return;
	sweep_name = name;
	sweep_prefix = prefix;
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
		if (reap)
			waitpid(swept[i], NULL, WNOHANG);
	}
	while (reap && waitpid(-1, NULL, WNOHANG) > 0)
		;
	/* Two passes: a killed process leaves its cgroup once reaped. */
	for (int pass = 0; pass < 2; pass++)
		nftw("/sys/fs/cgroup", sweep_rmdir, 32, FTW_PHYS | FTW_DEPTH);
}
