/* The processes of a container's cgroup: listing them and signalling them
 * all. Only what the container's own cgroup holds is ever signalled: a
 * cgroup hull did not make is never killed with cgroup.kill nor frozen to
 * be signalled, and in a joined one (org.hull.cgroups.join) only the
 * container's own processes are. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

struct pidv {
	pid_t *v;
	size_t n, cap;
};

static int collect(int dfd, const char *dir, struct pidv *p, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	struct hull_err rerr = { 0 };
	int r = hull_read_file_at(dfd, "cgroup.procs", &buf, NULL, &rerr);
	if (r == -ENOENT || r == -ENODEV)
		return 0;	/* removed while we walked */
	if (r < 0)
		return hull_errf(err, -r, "%s: %s", dir, rerr.msg);
	for (char *s = buf, *save = NULL, *t; (t = strtok_r(s, "\n", &save)); s = NULL) {
		int64_t v;
		if (hull_parse_i64(t, &v) < 0 || v <= 0)
			continue;
		if (p->n == p->cap) {
			p->cap = p->cap ? p->cap * 2 : 16;
			p->v = hull_xrealloc(p->v, p->cap * sizeof(*p->v));
		}
		p->v[p->n++] = (pid_t)v;
	}
	_cleanup_closedir_ DIR *d = hull_cg_opendir(dfd, ".");
	if (!d)
		return hull_syserr(err, errno, "%s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!hull_cg_is_child(de))
			continue;
		_cleanup_close_ int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		_cleanup_free_ char *subdir = hull_xasprintf("%s/%s", dir, de->d_name);
		r = collect(sub, subdir, p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int hull_cg_walk_pids(struct hull_cg_hier *h, pid_t **pids, size_t *n, struct hull_err *err)
{
	*pids = NULL;
	*n = 0;
	if (h->dirfd < 0)
		return 0;
	struct pidv p = { 0 };
	char label[512];
	int r = collect(h->dirfd, hull_cg_label(h, label, sizeof(label)), &p, err);
	if (r < 0) {
		free(p.v);
		return r;
	}
	if (p.n)
		qsort(p.v, p.n, sizeof(*p.v), cmp_pid);
	size_t out = 0;
	for (size_t i = 0; i < p.n; i++)
		if (!out || p.v[out - 1] != p.v[i])
			p.v[out++] = p.v[i];
	*pids = p.v;
	*n = out;
	return 0;
}

/* The pid namespace of pid, 0 when it cannot be told. */
static ino_t pidns_of(pid_t pid)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

/* The pid a pidfd refers to, from its fdinfo; 0 when gone. */
static pid_t pidfd_pid(int pidfd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	_cleanup_free_ char *buf = NULL;
	struct hull_err ignore = { 0 };
	if (hull_read_file_at(AT_FDCWD, path, &buf, NULL, &ignore) < 0)
		return 0;
	const char *p = strstr(buf, "\nPid:");
	long pid = p ? strtol(p + 5, NULL, 10) : 0;
	return pid > 0 ? (pid_t)pid : 0;
}

/* In a joined cgroup: the processes of the init's own pid namespace (not
 * ours), else the init alone. The init's namespace is read by its pid and
 * trusted only when its pidfd still says it lives after the read. */
static int kill_members(struct hull_cgroup *cg, int sig, int init_pidfd, struct hull_err *err)
{
	pid_t init = init_pidfd >= 0 ? pidfd_pid(init_pidfd) : 0;
	if (init <= 0)
		return 0;	/* no init, no pid namespace: nothing of the container's */
	ino_t ns = pidns_of(init), own = pidns_of(getpid());
	if (syscall(SYS_pidfd_send_signal, init_pidfd, 0, NULL, 0) < 0)
		return 0;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = ns && ns != own ? hull_cgroup_pids(cg, &pids, &n, err) : 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		if (pids[i] != init && pidns_of(pids[i]) == ns && kill(pids[i], sig) < 0 && errno != ESRCH)
			r = hull_syserr(err, errno, "kill %d", (int)pids[i]);
	free(pids);
	if (r == 0 && syscall(SYS_pidfd_send_signal, init_pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		r = hull_syserr(err, errno, "kill %d", (int)init);
	return r;
}

int hull_cg_kill_walk(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	bool was_frozen = false;
	/* A paused container stays paused; only a freeze of ours is undone. */
	bool ours = cg->m->frozen(cg, &was_frozen, NULL) == 0 && !was_frozen;
	if (ours)
		/* Best effort: a process that will not freeze (in D state,
		   say) is still signalled, it just could fork past us. */
		cg->m->freeze(cg, true, NULL);
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cg->m->pids(cg, &pids, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			r = hull_syserr(err, errno, "kill %d", (int)pids[i]);
	free(pids);
	if (ours) {
		/* Thaw even after a failed freeze: it may have half-worked. */
		int t = cg->m->freeze(cg, false, r < 0 ? NULL : err);
		if (r == 0)
			r = t;
	}
	return r;
}

int hull_cgroup_kill_all(struct hull_cgroup *cg, int sig, int init_pidfd, struct hull_err *err)
{
	if (cg->joined)
		return kill_members(cg, sig, init_pidfd, err);
	return cg->m->kill(cg, sig, err);
}

int hull_cgroup_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	*pids = NULL;
	*n = 0;
	return cg->m->pids(cg, pids, n, err);
}
