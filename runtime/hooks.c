/* OCI hooks: fork, execve, state on stdin, wait on a pidfd with the timeout. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/sync.h"
#include "../base/util.h"
#include "hooks.h"
#include "state.h"

/* Runs between fork and execve: only async-signal-safe calls. */
static _Noreturn void exec_hook(const struct hull_hook *h, int in_fd, int err_fd)
{
	/* The caller may block signals (run forwards them) or ignore some;
	 * neither must reach the hook. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (in_fd == STDIN_FILENO)
		fcntl(in_fd, F_SETFD, 0);
	else if (dup2(in_fd, STDIN_FILENO) < 0)
		goto fail;
	/* Stdout may be the container's output or a caller's parsed result. */
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		goto fail;
	char *only_path[] = { h->path, NULL };
	char *no_env[] = { NULL };
	execve(h->path, h->args.n ? h->args.v : only_path, h->env.n ? h->env.v : no_env);
fail:;
	int e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/* A write into a pipe whose reader has gone raises SIGPIPE, which would
 * kill hull: hold it blocked for the write and take back the one the
 * write raised. */
static ssize_t write_nosigpipe(int fd, const char *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	ssize_t n = write(fd, buf, len);
	int e = errno;
	if (n < 0 && e == EPIPE && !was_pending) {
		struct timespec zero = { 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return n;
}


static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* Feeds the state to the hook while waiting for it to exit; false when
 * the timeout came first. A hook that leaves its stdin unread is fine. */
static bool feed_and_wait(int pidfd, int *in_fd, const char *json, int timeout_s)
{
	size_t len = strlen(json), off = 0;
	int64_t deadline = timeout_s > 0 ? (int64_t)(hull_now_ns() / 1000000) + (int64_t)timeout_s * 1000 : -1;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = *in_fd, .events = POLLOUT },
		};
		int ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - (int64_t)(hull_now_ns() / 1000000);
			ms = left > 0 ? (int)left : 0;
		}
		int r = poll(p, *in_fd >= 0 ? 2 : 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return false;
		if (r > 0 && p[0].revents)
			return true;
		if (*in_fd >= 0 && p[1].revents) {
			ssize_t n = write_nosigpipe(*in_fd, json + off, len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(*in_fd);
				*in_fd = -1;
			}
		}
	}
}

static int run_one(const struct hull_hook *h, const char *label, const char *json,
		   struct hull_err *err)
{
	int in[2], ep[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return hull_syserr(err, errno, "%s: pipe", label);
	if (pipe2(ep, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return hull_syserr(err, e, "%s: pipe", label);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(in[1]);
		close(ep[0]);
		exec_hook(h, in[0], ep[1]);
	}
	int fork_errno = errno;
	close(in[0]);
	close(ep[1]);
	_cleanup_close_ int in_w = in[1];
	_cleanup_close_ int ep_r = ep[0];
	if (pid < 0)
		return hull_syserr(err, fork_errno, "%s: fork", label);

	/* EOF: execve succeeded (the pipe was close-on-exec); an errno: it failed. */
	int exec_errno = 0;
	ssize_t n;
	while ((n = read(ep_r, &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
		;
	int status;
	if (n == (ssize_t)sizeof(exec_errno)) {
		reap(pid, &status);
		return hull_syserr(err, exec_errno, "%s", label);
	}

	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		reap(pid, &status);
		return hull_syserr(err, e, "%s: pidfd_open", label);
	}
	int fl = fcntl(in_w, F_GETFL);
	if (fl < 0 || fcntl(in_w, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		reap(pid, &status);
		return hull_syserr(err, e, "%s: stdin", label);
	}
	bool exited = feed_and_wait(pidfd, &in_w, json, h->has_timeout ? h->timeout : 0);
	if (!exited)
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	reap(pid, &status);
	if (!exited)
		return hull_errf(err, ETIMEDOUT, "%s: timed out after %d s", label, h->timeout);
	if (WIFSIGNALED(status))
		return hull_errf(err, EIO, "%s: killed by signal %d", label, WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return hull_errf(err, EIO, "%s: exited with status %d", label, WEXITSTATUS(status));
	return 0;
}

static void label_of(char *buf, size_t cap, enum hull_hook_kind kind, size_t i, const char *path)
{
	snprintf(buf, cap, "hooks.%s[%zu] %s", hull_hook_kind_name(kind), i, path);
}

int hull_hooks_run(const struct hull_spec *spec, enum hull_hook_kind kind,
		   const struct hull_state_file *st, const char *status, struct hull_err *err)
{
	const struct hull_hooks *hs = &spec->hooks[kind];
	if (!hs->n)
		return 0;
	_cleanup_free_ char *json = hull_state_json(st, status, false);
	if (!json)
		return hull_errf(err, ENOMEM, "hooks.%s: state: out of memory", hull_hook_kind_name(kind));
	for (size_t i = 0; i < hs->n; i++) {
		char label[HULL_ERR_MAX / 2];
		label_of(label, sizeof(label), kind, i, hs->v[i].path);
		int r = run_one(&hs->v[i], label, json, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void hull_hooks_run_warn(const struct hull_spec *spec, enum hull_hook_kind kind,
			 const struct hull_state_file *st, const char *status)
{
	const struct hull_hooks *hs = &spec->hooks[kind];
	if (!hs->n)
		return;
	_cleanup_free_ char *json = hull_state_json(st, status, false);
	for (size_t i = 0; i < hs->n; i++) {
		struct hull_err err = { 0 };
		char label[HULL_ERR_MAX / 2];
		label_of(label, sizeof(label), kind, i, hs->v[i].path);
		if (!json)
			hull_errf(&err, ENOMEM, "%s: state: out of memory", label);
		else
			run_one(&hs->v[i], label, json, &err);
		if (err.code)
			hull_warn("%s", err.msg);
	}
}

int hull_hooks_run_saved(struct hull_container *c, enum hull_hook_kind kind, const char *status,
			 struct hull_err *err)
{
	struct hull_err e = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_spec_ struct hull_spec *spec = NULL;
	if (c->st.has_hooks && !(c->st.hooks & (1u << kind)))
		return 0;	/* the usual case: no parse of config.json on start and delete */
	if (hull_read_file_at(c->dirfd, HULL_CONFIG_FILE, &buf, &len, &e) < 0 ||
	    hull_spec_parse(buf, len, c->st.bundle, &spec, &e) < 0) {
		hull_err_prefix(&e, "hooks.%s: container %s", hull_hook_kind_name(kind), c->id);
		if (!err) {
			hull_warn("%s", e.msg);
			return -EINVAL;
		}
		*err = e;
		return e.code;
	}
	if (!err) {
		hull_hooks_run_warn(spec, kind, &c->st, status);
		return 0;
	}
	return hull_hooks_run(spec, kind, &c->st, status, err);
}

int hull_hooks_run_create(const struct hull_spec *spec, const struct hull_state_file *st, struct hull_err *err)
{
	int r = hull_hooks_run(spec, HULL_HOOK_PRESTART, st, "creating", err);
	if (r == 0)
		r = hull_hooks_run(spec, HULL_HOOK_CREATE_RUNTIME, st, "creating", err);
	return r;
}

int hull_hooks_before_pivot(void *ctx, struct hull_err *err)
{
	const struct hull_hooks_ctx *c = ctx;
	if (c->spec->hooks[HULL_HOOK_PRESTART].n || c->spec->hooks[HULL_HOOK_CREATE_RUNTIME].n) {
		char type;
		if (hull_sync_send(c->sync_fd, HULL_SYNC_HOOKS, NULL, -1) < 0 ||
		    hull_sync_recv(c->sync_fd, &type, NULL, 0, NULL) < 0 || type != HULL_SYNC_GO)
			_exit(1);	/* the parent failed a hook or died: it reports */
	}
	return hull_hooks_run(c->spec, HULL_HOOK_CREATE_CONTAINER, &c->state, "creating", err);
}
