#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <linux/openat2.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "process.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* How many fds are open now (a new one takes the lowest free number,
 * which RLIMIT_NOFILE bounds), -1 if it cannot be told. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = -1;	/* the opendir's own */
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return d ? n : -1;
}

int hull_process_limits(const struct hull_process *p, struct hull_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
		/* Said at create, not as an EMFILE of a later step: hull still
		 * opens the cwd and, for the init, start's connection. */
		int top = p->rlimits[i].resource == RLIMIT_NOFILE ? open_fds() : -1;
		if (top >= 0 && rl.rlim_cur < (rlim_t)top + 2)
			return hull_errf(err, EMFILE, "process.rlimits: RLIMIT_NOFILE soft limit %llu: hull needs %d "
					 "fds open to start the process (stdio, --preserve-fds and its own)",
					 (unsigned long long)rl.rlim_cur, top + 2);
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return hull_syserr(err, errno, "process.rlimits: %s", p->rlimits[i].type);
	}
	if (p->has_oom_score_adj) {
		char v[16];
		int n = snprintf(v, sizeof(v), "%d", p->oom_score_adj);
		int r = hull_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", v, (size_t)n, err);
		if (r < 0) {
			hull_err_prefix(err, "process.oomScoreAdj");
			return r;
		}
	}
	return 0;
}

int hull_process_chdir(const struct hull_process *p, struct hull_err *err)
{
	const char *cwd = p->cwd && *p->cwd ? p->cwd : "/";
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_syserr(err, errno, "process.cwd: open the container's /");
	/* Inside the root whatever the path holds: ".." stops at it, and no
	 * magic link (/proc/self/fd/N, /proc/PID/cwd) is followed. */
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;
	do
		fd = (int)syscall(SYS_openat2, root, cwd, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 32);
	if (fd < 0)
		return hull_syserr(err, errno, "process.cwd %s", cwd);
	int r = fchdir(fd) < 0 ? hull_syserr(err, errno, "process.cwd %s", cwd) : 0;
	close(fd);
	return r;
}

int hull_process_switch_user(const struct hull_process *p, struct hull_err *err)
{
	/* Where setgroups is denied (a rootless user namespace) an empty list
	 * changes nothing that could be changed; asked groups are an error. */
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && (errno != EPERM || p->n_additional_gids))
		return hull_syserr(err, errno, "process.user.additionalGids");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return hull_syserr(err, errno, "process.user.gid %u", (unsigned)p->gid);
	/* Leaving uid 0 would empty the permitted set that hull_caps_apply narrows next. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_syserr(err, errno, "PR_SET_KEEPCAPS");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return hull_syserr(err, errno, "process.user.uid %u", (unsigned)p->uid);
	if (p->has_umask)
		umask(p->umask);
	return 0;
}

static const char *env_path(const struct hull_process *p)
{
	for (size_t i = 0; i < p->env.n; i++)
		if (!strncmp(p->env.v[i], "PATH=", 5))
			return p->env.v[i] + 5;
	return DEFAULT_PATH;
}

static int check_exec(const char *path, int *why)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*why = errno;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = EISDIR;
		return -1;
	}
	if (access(path, X_OK) < 0) {
		*why = errno;
		return -1;
	}
	return 0;
}

int hull_process_find_exec(const struct hull_process *p, char **out, struct hull_err *err)
{
	const char *cmd = p->args.v[0];
	int why = ENOENT;
	if (strchr(cmd, '/')) {
		if (check_exec(cmd, &why) < 0)
			return hull_syserr(err, why, "exec: \"%s\"", cmd);
		*out = hull_xstrdup(cmd);
		return 0;
	}
	const char *path = env_path(p);
	while (*path) {
		const char *colon = strchrnul(path, ':');
		size_t n = (size_t)(colon - path);
		_cleanup_free_ char *cand = n ? hull_xasprintf("%.*s/%s", (int)n, path, cmd)
					      : hull_xasprintf("./%s", cmd);
		int w;
		if (check_exec(cand, &w) == 0) {
			*out = steal_ptr(cand);
			return 0;
		}
		if (w == EACCES)
			why = EACCES;
		path = *colon ? colon + 1 : colon;
	}
	if (why == EACCES)
		return hull_syserr(err, why, "exec: \"%s\"", cmd);
	return hull_errf(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
}

int hull_process_fds(int preserve_fds, struct hull_err *err)
{
	unsigned first = 3 + (unsigned)(preserve_fds > 0 ? preserve_fds : 0);
	for (unsigned fd = 3; fd < first; fd++) {
		int fl = fcntl((int)fd, F_GETFD);
		if (fl >= 0 && fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return hull_syserr(err, errno, "--preserve-fds: fd %u", fd);
	}
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return hull_syserr(err, errno, "close_range");
	sigset_t all;
	sigemptyset(&all);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	return 0;
}

int hull_process_exec(const struct hull_process *p, const char *path, struct hull_err *err)
{
	static char *const empty[] = { NULL };
	execve(path, p->args.v, p->env.n ? p->env.v : empty);
	return hull_syserr(err, errno, "exec: \"%s\"", p->args.v[0]);
}
