/* A process's stdio. containerd gives fifo paths (or file:// URIs, or
 * nothing). Without a terminal the process gets the fifos themselves as
 * stdout and stderr (no copying: the shim keeps a reader open, as runc's
 * shim does, so a gone reader never kills it with SIGPIPE) and a pipe as
 * stdin, which the shim fills from the stdin fifo until CloseIO. With a
 * terminal the shim copies between the fifos and the pty master. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../base/util.h"
#include "shim.h"

#define COPY_BUF 16384

static void copy_finish(struct shim *s, struct shim_copy *c)
{
	shim_watch_close(s, &c->in);
	shim_watch_close(s, &c->out);
	free(c->buf);
	c->buf = NULL;
	c->len = c->off = 0;
	c->active = false;
}

static void copy_pump(struct shim *s, struct shim_copy *c)
{
	for (;;) {
		if (c->off < c->len) {
			ssize_t n = write(c->out.fd, c->buf + c->off, c->len - c->off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN) {
				shim_watch_mod(s, &c->in, 0);
				shim_watch_mod(s, &c->out, EPOLLOUT);
				return;
			}
			if (n < 0)
				break; /* the reader is gone */
			c->off += (size_t)n;
			continue;
		}
		ssize_t n = read(c->in.fd, c->buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !c->drain_then_close) {
			shim_watch_mod(s, &c->in, EPOLLIN);
			shim_watch_mod(s, &c->out, 0);
			return;
		}
		if (n <= 0)
			break; /* the end (a pty master says EIO), or CloseIO and all copied */
		c->len = (size_t)n;
		c->off = 0;
	}
	copy_finish(s, c);
}

static void on_copy_in(struct shim *s, struct shim_watch *w, uint32_t events)
{
	(void)events;
	copy_pump(s, (struct shim_copy *)((char *)w - offsetof(struct shim_copy, in)));
}

static void on_copy_out(struct shim *s, struct shim_watch *w, uint32_t events)
{
	struct shim_copy *c = (struct shim_copy *)((char *)w - offsetof(struct shim_copy, out));
	if (events & (EPOLLERR | EPOLLHUP))
		copy_finish(s, c); /* nobody reads what we would write */
	else
		copy_pump(s, c);
}

void shim_copy_start(struct shim *s, struct shim_copy *c, int in, int out)
{
	fcntl(in, F_SETFL, fcntl(in, F_GETFL) | O_NONBLOCK);
	fcntl(out, F_SETFL, fcntl(out, F_GETFL) | O_NONBLOCK);
	c->in = (struct shim_watch){ .fd = in, .on = on_copy_in };
	c->out = (struct shim_watch){ .fd = out, .on = on_copy_out };
	c->buf = hull_xmalloc(COPY_BUF);
	c->len = c->off = 0;
	c->active = true;
	c->drain_then_close = false;
	if (shim_watch_add(s, &c->in, EPOLLIN) < 0 || shim_watch_add(s, &c->out, 0) < 0)
		copy_finish(s, c);
}

void shim_copy_stop(struct shim *s, struct shim_copy *c)
{
	if (c->active)
		copy_finish(s, c);
}

/* Where a stdout or stderr goes: "" nowhere, file:///PATH appended to,
 * else a fifo path. */
static int open_out(struct shim *s, const char *uri, struct hull_err *err)
{
	if (!*uri)
		return fcntl(s->devnull, F_DUPFD_CLOEXEC, 3);
	if (!strncmp(uri, "file://", 7)) {
		int fd = open(uri + 7, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		return fd >= 0 ? fd : hull_syserr(err, errno, "log uri %s", uri);
	}
	if (strstr(uri, "://"))
		return hull_errf(err, ENOTSUP, "stdio %s: only fifos, file:// and binary:// logs are supported", uri);
	int fd = open(uri, O_RDWR | O_CLOEXEC);
	return fd >= 0 ? fd : hull_syserr(err, errno, "stdio fifo %s", uri);
}

static int open_stdin(struct shim *s, struct shim_proc *p, struct hull_err *err)
{
	if (!p->stdin_path || !*p->stdin_path)
		return p->stdio[0] = fcntl(s->devnull, F_DUPFD_CLOEXEC, 3);
	int fifo = open(p->stdin_path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fifo < 0)
		return hull_syserr(err, errno, "stdin fifo %s", p->stdin_path);
	if (p->terminal) {
		/* copied into the terminal once it exists */
		p->stdio[0] = fifo;
		return 0;
	}
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		close(fifo);
		return hull_syserr(err, errno, "stdin pipe");
	}
	p->stdio[0] = pipefd[0];
	shim_copy_start(s, &p->copy_in, fifo, pipefd[1]);
	return 0;
}

/* stdout and stderr: a log binary takes both; a log file given for both
 * is opened once (one offset); a terminal has no stderr of its own. */
static int open_outputs(struct shim *s, struct shim_proc *p, struct hull_err *err)
{
	const char *out = p->stdout_path ? p->stdout_path : "", *errs = p->stderr_path ? p->stderr_path : "";
	if (!strncmp(out, "binary://", 9))
		return p->terminal ? hull_errf(err, EINVAL, "log uri %s: not with a terminal", out)
				   : shim_logger_start(s, p, out, err);
	if ((p->stdio[1] = open_out(s, out, err)) < 0)
		return p->stdio[1];
	if (p->terminal)
		return 0;
	p->stdio[2] = *out && !strcmp(errs, out) ? fcntl(p->stdio[1], F_DUPFD_CLOEXEC, 3) : open_out(s, errs, err);
	return p->stdio[2] < 0 ? p->stdio[2] : 0;
}

int shim_stdio_open(struct shim *s, struct shim_proc *p, struct hull_err *err)
{
	p->stdio[0] = p->stdio[1] = p->stdio[2] = p->pty = -1;
	int r = open_stdin(s, p, err);
	if (r >= 0)
		r = open_outputs(s, p, err);
	if (r < 0) {
		shim_stdio_done(s, p);
		shim_copy_stop(s, &p->copy_in);
	}
	return r < 0 ? r : 0;
}

/* The terminal's master arrived: stdin fifo into it, it into stdout. */
void shim_stdio_terminal(struct shim *s, struct shim_proc *p, int master)
{
	p->pty = master;
	if (p->stdio[0] >= 0 && p->stdio[0] != s->devnull) {
		shim_copy_start(s, &p->copy_in, p->stdio[0], fcntl(master, F_DUPFD_CLOEXEC, 3));
		p->stdio[0] = -1;
	}
	if (p->stdio[1] >= 0) {
		shim_copy_start(s, &p->copy_out, fcntl(master, F_DUPFD_CLOEXEC, 3), p->stdio[1]);
		p->stdio[1] = -1;
	}
}

int shim_stdio_around(struct shim *s, struct shim_proc *p, int (*fn)(void *), void *arg)
{
	for (int i = 0; i < 3; i++)
		dup2(!p->terminal && p->stdio[i] >= 0 ? p->stdio[i] : s->devnull, i);
	int r = fn(arg);
	for (int i = 0; i < 3; i++)
		dup2(s->devnull, i);
	return r;
}

void shim_stdio_close_in(struct shim *s, struct shim_proc *p)
{
	if (!p->copy_in.active)
		return;
	p->copy_in.drain_then_close = true;
	copy_pump(s, &p->copy_in);
}

void shim_stdio_done(struct shim *s, struct shim_proc *p)
{
	(void)s;
	for (int i = 0; i < 3; i++)
		if (p->stdio[i] >= 0) {
			close(p->stdio[i]);
			p->stdio[i] = -1;
		}
	if (p->pty >= 0) {
		close(p->pty);
		p->pty = -1;
	}
}
