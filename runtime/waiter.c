#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "waiter.h"

int hull_waiter_subreaper(struct hull_err *err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return hull_syserr(err, errno, "PR_SET_CHILD_SUBREAPER");
	return 0;
}

int hull_waiter_block_signals(struct hull_waiter *w, struct hull_err *err)
{
	sigfillset(&w->blocked);
	/* Faults stay fatal to hull itself; KILL and STOP cannot be blocked. */
	sigdelset(&w->blocked, SIGSEGV);
	sigdelset(&w->blocked, SIGBUS);
	sigdelset(&w->blocked, SIGILL);
	sigdelset(&w->blocked, SIGFPE);
	sigdelset(&w->blocked, SIGABRT);
	sigdelset(&w->blocked, SIGKILL);
	sigdelset(&w->blocked, SIGSTOP);
	if (sigprocmask(SIG_BLOCK, &w->blocked, &w->old) < 0)
		return hull_syserr(err, errno, "sigprocmask");
	return 0;
}

struct relay {
	int master;
	bool restore;
	struct termios saved;
	bool stdin_open;
};

static void relay_start(struct relay *r, int master)
{
	r->master = master;
	r->restore = false;
	r->stdin_open = master >= 0;
	if (master < 0)
		return;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
		struct termios raw = r->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			r->restore = true;
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
}

static void relay_stop(struct relay *r)
{
	if (r->restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
}

/* Copies what is readable from one fd to another; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = to, .events = POLLOUT };
			poll(&p, 1, 1000);
			continue;
		}
		if (w < 0)
			return false;
		off += w;
	}
	return true;
}

static int exit_status(int ws)
{
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	if (WIFSIGNALED(ws))
		return 128 + WTERMSIG(ws);
	return 1;
}

int hull_waiter_run(struct hull_waiter *w, const struct hull_created *init, struct hull_err *err)
{
	_cleanup_close_ int sfd = signalfd(-1, &w->blocked, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return hull_syserr(err, errno, "signalfd");
	struct relay r;
	relay_start(&r, init->pty_master);
	int status = -1;

	while (status < 0) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = r.master, .events = POLLIN },
			{ .fd = r.stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			relay_stop(&r);
			return hull_syserr(err, errno, "poll");
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			if (!pump(r.master, STDOUT_FILENO))
				r.master = -1;
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			if (!pump(STDIN_FILENO, r.master))
				r.stdin_open = false;
		if (!(p[0].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				int ws;
				pid_t got;
				while ((got = waitpid(-1, &ws, WNOHANG)) > 0)
					if (got == init->pid)
						status = exit_status(ws);
			} else if (si.ssi_signo == SIGWINCH && init->pty_master >= 0) {
				struct winsize ws;
				if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
					ioctl(init->pty_master, TIOCSWINSZ, &ws);
			} else {
				syscall(SYS_pidfd_send_signal, init->pidfd, (int)si.ssi_signo, NULL, 0);
			}
		}
	}
	/* What the container wrote just before it exited. */
	while (r.master >= 0 && pump(r.master, STDOUT_FILENO)) {
		struct pollfd p = { .fd = r.master, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			break;
	}
	relay_stop(&r);
	if (init->pty_master >= 0)
		close(init->pty_master);
	sigprocmask(SIG_SETMASK, &w->old, NULL);
	return status;
}
