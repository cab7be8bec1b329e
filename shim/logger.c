/* binary:// log URIs, as containerd's shims run them: the binary at the
 * URI's path, the query's keys and values as its arguments, the process's
 * stdout and stderr as the read ends of two pipes on its fds 3 and 4, and a
 * pipe on fd 5 that it closes when it is ready (the shim waits for that,
 * 10 s at most). CONTAINER_ID and CONTAINER_NAMESPACE are in its
 * environment. It ends when the process's output does (the shim reaps it). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "shim.h"

#define LOGGER_READY_MS 10000

/* %XX and + as url.Query decodes them, in place. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2] && strchr("0123456789abcdefABCDEF", s[1]) &&
		    strchr("0123456789abcdefABCDEF", s[2])) {
			char hex[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = 0;
}

/* argv of the logger: path, then each query key and its value. */
static char **logger_argv(char *uri)
{
	char *q = strchr(uri, '?');
	if (q)
		*q++ = 0;
	size_t n = 1;
	char **argv = hull_xcalloc(2, sizeof(char *));
	argv[0] = uri;
	for (char *save = NULL, *kv = q ? strtok_r(q, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq++ = 0;
		argv = hull_xrealloc(argv, (n + 3) * sizeof(char *));
		argv[n++] = kv;
		if (eq && *eq)
			argv[n++] = eq;
		argv[n] = NULL;
	}
	for (size_t i = 0; i < n; i++)
		unescape(argv[i]);
	return argv;
}

static void exec_logger(struct shim *s, struct shim_proc *p, char **argv, const int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], 3 + i) < 0)
			_exit(127);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setenv("CONTAINER_ID", p->task->id, 1);
	setenv("CONTAINER_NAMESPACE", s->o.namespace_, 1);
	execv(argv[0], argv);
	_exit(127);
}

/* Waits for the logger to close its ready pipe (or to die). */
static int await_ready(int ready, const char *path, struct hull_err *err)
{
	struct pollfd pfd = { .fd = ready, .events = POLLIN };
	char c;
	int r = poll(&pfd, 1, LOGGER_READY_MS);
	if (r == 0)
		return hull_errf(err, ETIMEDOUT, "log binary %s: not ready after %d s", path, LOGGER_READY_MS / 1000);
	if (r < 0 || read(ready, &c, 1) != 0)
		return hull_errf(err, EPROTO, "log binary %s: did not close its ready pipe (fd 5)", path);
	return 0;
}

int shim_logger_start(struct shim *s, struct shim_proc *p, const char *uri, struct hull_err *err)
{
	_cleanup_free_ char *copy = hull_xstrdup(uri + strlen("binary://"));
	_cleanup_free_ char **argv = logger_argv(copy);
	if (argv[0][0] != '/')
		return hull_errf(err, EINVAL, "log uri %s: the binary's path must be absolute", uri);
	int out[2], errp[2], ready[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return hull_syserr(err, errno, "log binary: pipe");
	if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return hull_syserr(err, errno, "log binary: pipe");
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_logger(s, p, argv, (int[3]){ out[0], errp[0], ready[1] });
	close(out[0]);
	close(errp[0]);
	close(ready[1]);
	int r = pid < 0 ? hull_syserr(err, errno, "log binary: fork") : await_ready(ready[0], argv[0], err);
	close(ready[0]);
	if (r < 0) {
		if (pid > 0)
			kill(pid, SIGKILL); /* reaped by the loop, as every child */
		close(out[1]);
		close(errp[1]);
		return r;
	}
	p->stdio[1] = out[1];
	p->stdio[2] = errp[1];
	return 0;
}
