/* The containerd suite (containerd.c): processes, ctr, the tasks and
 * containers of the tests. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "containerd.h"

double ctd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void ctd_pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	nanosleep(&ts, NULL);
}

/* Reads a whole fd (a memfd) into a string; "" when it cannot. */
static char *ctd_slurp(int fd)
{
	off_t len = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	char *buf = malloc(len > 0 ? len + 1 : 1);
	if (!buf)
		abort();
	if (len <= 0 || pread(fd, buf, len, 0) != len)
		len = 0;
	buf[len] = 0;
	return buf;
}

/* Waits for pid at most timeout s, then kills it: its status, 128+N for
 * signal N, -1 when it timed out. */
int ctd_wait_bounded(pid_t pid, double timeout)
{
	double end = ctd_now() + timeout;
	int st;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return -2;
		if (ctd_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
		ctd_pause_ms(5);
	}
}

/* Runs argv with stdin /dev/null, stdout and stderr into r (when not NULL).
 * Never asserts: cleanup paths use it too. */
int ctd_spawn(char *const argv[], struct ht_result *r, double timeout)
{
	/* Files, not pipes: a detached container may keep its stdio open. */
	int out = memfd_create("ctd-out", MFD_CLOEXEC), err = memfd_create("ctd-err", MFD_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(r && out >= 0 ? out : null, 1);
		dup2(r && err >= 0 ? err : null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int status = pid < 0 ? -2 : ctd_wait_bounded(pid, timeout);
	if (r) {
		r->status = status;
		r->out = ctd_slurp(out);
		r->err = ctd_slurp(err);
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return status;
}

void ctd_file_put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static size_t failures_seen;	/* the failures log's size when the test began */

/* The end of what the wrapper logged for hull calls that failed during the
 * test, short enough for a Check message. */
const char *ctd_hull_failures(void)
{
	static char buf[1400];
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/hull-failures.log", ctd.dir);
	char *s = ht_read(path);
	size_t len = s ? strlen(s) : 0;
	if (len <= failures_seen) {
		free(s);
		return "(none)\n";
	}
	const char *from = s + failures_seen;
	if (len - failures_seen > sizeof(buf) - 8)
		from = s + len - (sizeof(buf) - 8);
	snprintf(buf, sizeof(buf), "%s%s", from > s + failures_seen ? "...\n" : "", from);
	free(s);
	return buf;
}

/* Marks where the failures of the test begin. */
void ctd_failures_mark(void)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/hull-failures.log", ctd.dir);
	failures_seen = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* `ctr --address SOCK -n NS ARGS...` (NULL-terminated) into r, bounded. */
static int ctd_vctr(struct ht_result *r, double timeout, const char *ns, va_list ap)
{
	char *argv[64] = { CTR, "--address", ctd.sock, "-n", (char *)ns };
	size_t n = 5;
	for (const char *a; (a = va_arg(ap, const char *)) && n < 63;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return ctd_spawn(argv, r, timeout);
}

void ctd_ctr(struct ht_result *r, ...)
{
	va_list ap;
	va_start(ap, r);
	ctd_vctr(r, 30, NS, ap);
	va_end(ap);
}

/* ctr without output nor assertion, for cleanup. */
int ctd_ctr_quiet(const char *a0, ...)
{
	char *argv[32] = { CTR, "--address", ctd.sock, "-n", NS, (char *)a0 };
	size_t n = 6;
	va_list ap;
	va_start(ap, a0);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 31;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return ctd_spawn(argv, NULL, 15);
}

/* The STATUS column of `ctr task ls` for id, "" when it has no task. */
void ctd_task_status(const char *id, char *buf, size_t cap)
{
	struct ht_result r;
	*buf = 0;
	ctd_ctr(&r, "task", "ls", NULL);
	for (char *line = r.out, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char tid[128], st[32];
		int pid;
		if (sscanf(line, "%127s %d %31s", tid, &pid, st) == 3 && !strcmp(tid, id))
			snprintf(buf, cap, "%s %d", st, pid);
	}
	ht_result_free(&r);
}

/* Polls `ctr task ls` until id's task has status want (bounded); its pid. */
int ctd_wait_task(const char *id, const char *want, double timeout)
{
	char st[64] = "";
	double end = ctd_now() + timeout;
	size_t wl = strlen(want);
	do {
		ctd_task_status(id, st, sizeof(st));
		if (!strncmp(st, want, wl) && st[wl] == ' ')
			return atoi(st + wl + 1);
		ctd_pause_ms(20);
	} while (ctd_now() < end);
	ck_abort_msg("task %s: status \"%s\" after %.0f s, want %s\nhull calls that failed:\n%s",
		     id, st, timeout, want, ctd_hull_failures());
	return 0;
}

/* Removes whatever is left of container id without relying on the runtime
 * behaving: resume, SIGKILL all, wait until stopped, delete task and
 * container. No assertion: it also runs at exit after a failed one. */
void ctd_remove_container(const char *id)
{
	char st[64];
	ctd_ctr_quiet("task", "resume", id, NULL);
	ctd_ctr_quiet("task", "kill", "--all", "--signal", "KILL", id, NULL);
	double end = ctd_now() + 5;
	for (;;) {
		ctd_task_status(id, st, sizeof(st));
		if (!*st || !strncmp(st, "STOPPED", 7) || ctd_now() > end)
			break;
		ctd_pause_ms(20);
	}
	if (*st && ctd_ctr_quiet("task", "delete", id, NULL) != 0)
		ctd_ctr_quiet("task", "delete", "--force", id, NULL);
	ctd_ctr_quiet("container", "delete", id, NULL);
}

static char cur_id[64];		/* the test's container, removed at exit on failure */
static pid_t cur_owner;

static void test_at_exit(void)
{
	if (cur_id[0] && getpid() == cur_owner)
		ctd_remove_container(cur_id);
}

/* A container ID unique to this test process. */
const char *ctd_test_id(const char *name)
{
	static bool registered;
	snprintf(cur_id, sizeof(cur_id), "ht%d-%s", getpid(), name);
	cur_owner = getpid();
	ctd_failures_mark();
	if (!registered) {
		atexit(test_at_exit);
		registered = true;
	}
	return cur_id;
}

/* The end of a passing test: its container is gone from containerd. */
void ctd_test_done(const char *id)
{
	struct ht_result r;
	ctd_remove_container(id);
	ctd_ctr(&r, "container", "ls", "--quiet", NULL);
	ck_assert_msg(!strstr(r.out, id), "container %s left: %.600s", id, r.out);
	ht_result_free(&r);
	cur_id[0] = 0;
}

/* `ctr run` of the rootfs with hull as runc: opts (NULL-terminated) go
 * before the rootfs, then ID and /bin/sh -c script. */
void ctd_ctr_run_argv(char **argv, const char *id, const char *const *opts, const char *script)
{
	size_t n = 0;
	const char *head[] = { CTR, "--address", ctd.sock, "-n", NS, "run", "--runc-binary",
			       ctd.wrap, "--runc-root", ctd.runc_root, "--fifo-dir", ctd.fifo, NULL };
	if (ctd.native) {
		head[6] = "--runtime";
		head[7] = "io.containerd.hull.v2";
		head[8] = "--fifo-dir";
		head[9] = ctd.fifo;
		head[10] = NULL;
	}
	for (const char *const *a = head; *a; a++)
		argv[n++] = (char *)*a;
	argv[n++] = "--env";
	argv[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	for (; opts && *opts && n < 50; opts++)
		argv[n++] = (char *)*opts;
	argv[n++] = "--rootfs";
	argv[n++] = ctd.rootfs;
	argv[n++] = (char *)id;
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = (char *)script;
	argv[n] = NULL;
}

void ctd_ctr_run(struct ht_result *r, const char *id, const char *const *opts,
		    const char *script)
{
	char *argv[64];
	ctd_ctr_run_argv(argv, id, opts, script);
	ctd_spawn(argv, r, 30);
}

void ctd_assert_tty_output(struct ht_result *r)
{
	const char *pts = strstr(r->out, "/dev/pts/");
	ck_assert_msg(pts && pts[9] >= '0' && pts[9] <= '9',
		      "no /dev/pts/N in \"%.600s\"\nhull calls that failed:\n%s", r->out, ctd_hull_failures());
	const char *size = strstr(r->out, "size 40 100");
	ck_assert_msg(size && (size[11] == '\r' || size[11] == '\n'),
		      "no \"size 40 100\" in \"%.600s\"\nhull calls that failed:\n%s", r->out,
		      ctd_hull_failures());
}

static bool socket_up(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return false;
	memcpy(a.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

void ctd_wait_daemon(pid_t *pid, const char *name, const char *sock, const char *log, double timeout)
{
	double end = ctd_now() + timeout;
	while (!socket_up(sock)) {
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = 0;
			char *s = ht_read(log);
			ck_abort_msg("%s exited at start:\n%.2000s", name, s ? s : "");
		}
		ck_assert_msg(ctd_now() < end, "%s: no socket %s after %.0f s", name, sock, timeout);
		ctd_pause_ms(10);
	}
}
