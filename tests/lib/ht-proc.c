/* Processes of the integration suites: the one way to run a program and
 * collect its output (ht_start, ht_wait), a pty, namespace holders, fd
 * passing, files; see ht.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ht.h"

long ht_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child's side of ht_start: stdio, the rlimit, exec. */
static void start_child(char *const argv[], int in, const struct ht_proc *p, long nofile)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(in >= 0 ? in : null, 0);
	dup2(p->out, 1);
	dup2(p->err, 2);
	if (nofile > 0) {
		struct rlimit rl = { .rlim_cur = (rlim_t)nofile, .rlim_max = (rlim_t)nofile };
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			_exit(125);
	}
	execv(argv[0], argv);
	_exit(126);
}

void ht_start(char *const argv[], const char *input, long nofile, struct ht_proc *p)
{
	int in[2] = { -1, -1 };
	if (input)
		ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	p->out = memfd_create("ht-out", MFD_CLOEXEC);
	p->err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(p->out >= 0 && p->err >= 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		start_child(argv, in[0], p, nofile);
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(p->pidfd, 0);
	if (input) {
		close(in[0]);
		ssize_t n = write(in[1], input, strlen(input));
		(void)n;
		close(in[1]);
	}
}

static void proc_close(struct ht_proc *p)
{
	close(p->pidfd);
	close(p->out);
	close(p->err);
	p->pid = 0;
	p->pidfd = p->out = p->err = -1;
}

static void collect(struct ht_proc *p, struct ht_result *r, int status)
{
	if (r) {
		r->status = status;
		r->out = ht_slurp_fd(p->out);
		r->err = ht_slurp_fd(p->err);
	}
	proc_close(p);
}

static int exit_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void ht_wait(struct ht_proc *p, struct ht_result *r, int timeout_ms)
{
	struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
	int n;
	while ((n = poll(&pf, 1, timeout_ms < 0 ? -1 : timeout_ms)) < 0 && errno == EINTR)
		;
	bool timed_out = n == 0;
	if (timed_out)
		kill(p->pid, SIGKILL);
	int st;
	while (waitpid(p->pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	collect(p, r, timed_out ? -1 : exit_status(st));
}

void ht_wait_reaping(struct ht_proc *p, struct ht_result *r)
{
	int st;
	for (;;) {
		pid_t w = waitpid(-1, &st, 0);
		if (w == p->pid)
			break;
		if (w < 0)
			ck_assert_int_eq(errno, EINTR);
	}
	collect(p, r, exit_status(st));
}

void ht_kill9(struct ht_proc *p)
{
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	proc_close(p);
}

int ht_spawn_quiet(const char *a0, ...)
{
	char *argv[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, a0);
	for (const char *a = a0; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	struct ht_proc p;
	struct ht_result r;
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, &r, -1);
	ht_result_free(&r);
	return r.status;
}

void ht_chown_tree(const char *dir, unsigned id)
{
	char owner[32];
	snprintf(owner, sizeof(owner), "%u:%u", id, id);
	int st = ht_spawn_quiet("/bin/chown", "-R", owner, dir, NULL);
	ck_assert_msg(st == 0, "chown -R %s %s failed", owner, dir);
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

void ht_rm_rf(const char *path)
{
	if (path && *path)
		nftw(path, rm_one, 16, FTW_PHYS | FTW_DEPTH);
}

char *ht_read(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = 0;
	fclose(f);
	return buf;
}

size_t ht_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

char *ht_slurp_fd(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	ck_assert_int_ge(len, 0);
	char *buf = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)len, 0), len);
	buf[len] = 0;
	return buf;
}

pid_t ht_ns_holder(int flags, int *keep)
{
	int p[2], ready[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[1]);
		close(ready[0]);
		if (unshare(flags) < 0)
			_exit(1);
		char c = 1;
		ssize_t n = write(ready[1], &c, 1);
		close(ready[1]);
		n = read(p[0], &c, 1);
		(void)n;
		_exit(0);
	}
	close(p[0]);
	close(ready[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*keep = p[1];
	return pid;
}

int ht_listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_msg(bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s: %s", path, strerror(errno));
	ck_assert_int_eq(listen(ls, 1), 0);
	return ls;
}

int ht_accept_fd(int ls, char *buf, size_t cap)
{
	struct pollfd p = { .fd = ls, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "no connection in 30 s");
	int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	int fd = ht_recv_fd(conn, buf, cap);
	close(conn);
	close(ls);
	return fd;
}

int ht_recv_fd(int sock, char *buf, size_t cap)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = cap - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "nothing received in 30 s");
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	ck_assert_ptr_nonnull(cm);
	ck_assert_int_eq(cm->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* A fresh pty master sized rows x cols; its slave's name into slave. */
static int open_pty(unsigned rows, unsigned cols, char *slave, size_t cap)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_msg(m >= 0, "posix_openpt: %s", strerror(errno));
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	ck_assert_int_eq(ioctl(m, TIOCSWINSZ, &ws), 0);
	ck_assert_int_eq(ptsname_r(m, slave, cap), 0);
	return m;
}

static pid_t start_on_pty(char *const argv[], const char *slave)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setsid();
		int s = open(slave, O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0)
			_exit(126);
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Reads the pty m into buf until pid ends (then drains it) or the time is
 * up (then SIGKILL, *st -1); returns the length read. */
static size_t pty_drain(int m, pid_t pid, char *buf, size_t cap, double timeout, int *st)
{
	size_t len = 0;
	long end = ht_now_ms() + (long)(timeout * 1000);
	bool exited = false;
	for (;;) {
		struct pollfd p = { m, POLLIN, 0 };
		int ready = poll(&p, 1, exited ? 0 : 20);
		if (ready > 0 && (p.revents & POLLIN)) {
			ssize_t n = read(m, buf + len, cap - 1 - len);
			if (n > 0) {
				len += n;
				if (len < cap - 1)
					continue;
			}
		}
		if (exited || len >= cap - 1)
			break;
		if (waitpid(pid, st, WNOHANG) == pid) {
			exited = true;	/* one more round drains what is left */
			continue;
		}
		if (ht_now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, st, 0);
			*st = -1;
			break;
		}
	}
	if (!exited && *st != -1) {
		kill(pid, SIGKILL);
		waitpid(pid, st, 0);
	}
	return len;
}

void ht_run_in_pty(char *const argv[], unsigned rows, unsigned cols, double timeout,
		   struct ht_result *r)
{
	char slave[64];
	int m = open_pty(rows, cols, slave, sizeof(slave));
	pid_t pid = start_on_pty(argv, slave);
	size_t cap = 65536;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	int st = 0;
	size_t len = pty_drain(m, pid, buf, cap, timeout, &st);
	buf[len] = 0;
	close(m);
	r->out = buf;
	r->err = strdup("(on the pty)");
	r->status = st == -1 ? -1 : exit_status(st);
}
