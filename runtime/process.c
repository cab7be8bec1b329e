#include <ctype.h>
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

/* The value of NAME= in env, NULL when absent. */
static const char *env_get(const struct hull_process *p, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < p->env.n; i++)
		if (!strncmp(p->env.v[i], name, n) && p->env.v[i][n] == '=')
			return p->env.v[i] + n + 1;
	return NULL;
}

/* An errno in the words of Go's syscall package (strerror, lower case):
 * docker, podman and containerd match runc's messages on them ("no such
 * file or directory", "executable file not found in $PATH" give 127,
 * "permission denied" 126; anything else 125). */
static int exec_err(struct hull_err *err, int errnum, const char *cmd, const char *op, const char *path)
{
	char why[128];
	snprintf(why, sizeof(why), "%s", strerror(errnum));
	why[0] = (char)tolower((unsigned char)why[0]);
	if (op)
		return hull_errf(err, errnum, "exec: \"%s\": %s %s: %s", cmd, op, path, why);
	return hull_errf(err, errnum, "exec: \"%s\": %s", cmd, why);
}

/* Go's findExecutable: a file with an execute bit (and X_OK for us); a
 * directory or a file without one is "permission denied". */
static int check_exec(const char *path, int *why)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*why = errno;
		return -1;
	}
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
		*why = EACCES;
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
			return why == EACCES ? exec_err(err, why, cmd, NULL, NULL)
					     : exec_err(err, why, cmd, "stat", cmd);
		*out = hull_xstrdup(cmd);
		return 0;
	}
	/* No PATH in the environment: nothing to search (runc's LookPath
	 * after the environment is the process's), no default. */
	const char *path = env_get(p, "PATH");
	while (path && *path) {
		const char *colon = strchrnul(path, ':');
		size_t n = (size_t)(colon - path);
		_cleanup_free_ char *cand = n ? hull_xasprintf("%.*s/%s", (int)n, path, cmd)
					      : hull_xasprintf("./%s", cmd);
		int w;
		if (check_exec(cand, &w) == 0) {
			*out = steal_ptr(cand);
			return 0;
		}
		path = *colon ? colon + 1 : colon;
	}
	return hull_errf(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", cmd);
}

/* The home of uid in the passwd file at fd, "/" when it has none (as
 * runc's user.GetExecUser): the first line whose third field is uid. */
static char *passwd_home(FILE *f, uid_t uid)
{
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7] = { 0 }, *s = line;
		int n = 0;
		line[strcspn(line, "\n")] = 0;
		while (n < 7 && s) {
			fields[n++] = s;
			s = strchr(s, ':');
			if (s)
				*s++ = 0;
		}
		char *end;
		if (n < 6 || !*fields[2])
			continue;
		unsigned long u = strtoul(fields[2], &end, 10);
		if (!*end && u == (unsigned long)uid && *fields[5])
			return hull_xstrdup(fields[5]);
	}
	return hull_xstrdup("/");
}

char **hull_process_env(const struct hull_process *p)
{
	size_t n = p->env.n;
	char **env = hull_xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		env[i] = hull_xstrdup(p->env.v[i]);
	const char *home = env_get(p, "HOME");
	if (home && *home)
		return env;
	/* Read inside the root, no magic link followed: the container's own
	 * /etc/passwd whatever it made of its path. */
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? -1 : (int)syscall(SYS_openat2, root, "etc/passwd", &how, sizeof(how));
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	_cleanup_fclose_ FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	_cleanup_free_ char *dir = passwd_home(f, p->uid);
	size_t i;
	for (i = 0; i < n && strncmp(env[i], "HOME=", 5); i++)
		;
	free(env[i]);	/* an empty HOME= is replaced, as runc does */
	env[i] = hull_xasprintf("HOME=%s", dir);
	return env;
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

int hull_process_exec(const struct hull_process *p, const char *path, char **env, struct hull_err *err)
{
	execve(path, p->args.v, env);
	return exec_err(err, errno, p->args.v[0], NULL, NULL);
}
