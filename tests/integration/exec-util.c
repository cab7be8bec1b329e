/* Helpers of the exec suite; see exec.h. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

void ex_add_ns(struct ht *t, const char *type)
{
	json_array_append_new(json_object_get(lnx(t), "namespaces"), json_pack("{s:s}", "type", type));
}

/* Writes the config and `run --detach`es the container with `sleep 60` (it
 * has exec'd sleep when run returns); returns the init's host pid. */
pid_t ex_start_sleeper(struct ht *t)
{
	ht_args(t, "sleep", "60", NULL);
	ht_write_config(t);
	ht_ok(t, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
	char status[32];
	pid_t pid = ht_state_pid(t, t->id, status, sizeof(status));
	ck_assert_str_eq(status, "running");
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* Forks `hull --root R ARGS...` with stdin /dev/null, stdout out, stderr
 * err, fd 3 = fd3 when >= 0, and no other fd. */
pid_t ex_spawn_hull(struct ht *t, int out, int err, int fd3, const char *const *args)
{
	char *argv[48];
	size_t n = 0;
	argv[n++] = getenv("HULL");
	argv[n++] = "--root";
	argv[n++] = t->root;
	for (; *args && n < 47; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Out of the way first: the targets may collide with the sources. */
		int o = fcntl(out, F_DUPFD_CLOEXEC, 100), e = fcntl(err, F_DUPFD_CLOEXEC, 100);
		int f = fd3 >= 0 ? fcntl(fd3, F_DUPFD_CLOEXEC, 100) : -1;
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (o < 0 || e < 0 || null < 0 || (fd3 >= 0 && f < 0))
			_exit(125);
		if (dup2(null, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(125);
		if (fd3 >= 0 && dup2(f, 3) != 3)
			_exit(125);
		if (syscall(SYS_close_range, fd3 >= 0 ? 4 : 3, ~0U, 0) < 0)
			_exit(125);
		execv(argv[0], argv);
		_exit(126);
	}
	return pid;
}

/* `delete --force`, reaping meanwhile: the test is a subreaper, so a
 * detached exec'd process is its child once hull is gone, and the dying
 * init waits until such a process of its pid namespace is reaped. */
void ex_delete_and_finish(struct ht *t)
{
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "delete", "--force", t->id, NULL };
	pid_t pid = ex_spawn_hull(t, out, err, -1, args);
	int st = -1;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int s;
		pid_t got = waitpid(-1, &s, 0);
		if (got == pid) {
			st = WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
			break;
		}
		ck_assert_msg(got > 0 || errno == EINTR, "waitpid: %s", strerror(errno));
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 30)
			break;	/* hull bounds its own wait: something else is wrong */
	}
	struct ht_result r = { .status = st, .out = ht_slurp_fd(out), .err = ht_slurp_fd(err) };
	close(out);
	close(err);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	ht_finish(t);
}

/* readlink /proc/PID/ns/NAME; pid 0 is this process. */
void ex_ns_link(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	ssize_t n = readlink(path, buf, len - 1);
	ck_assert_msg(n > 0, "%s: %s", path, strerror(errno));
	buf[n] = 0;
}

char *ex_proc_file(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	char *s = ht_read(path);
	ck_assert_msg(s != NULL, "%s: cannot read", path);
	return s;
}

/* The pids of `hull ps --format json ID`, sorted by ps. */
size_t ex_container_pids(struct ht *t, pid_t *pids, size_t cap)
{
	struct ht_result r;
	ht_hull(t, &r, NULL, "ps", "--format", "json", t->id, NULL);
	ht_assert_status(&r, 0);
	json_error_t je;
	json_t *a = json_loads(r.out, 0, &je);
	ck_assert_msg(json_is_array(a), "ps: not a JSON array: %s", r.out);
	size_t n = json_array_size(a);
	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++)
		pids[i] = (pid_t)json_integer_value(json_array_get(a, i));
	json_decref(a);
	ht_result_free(&r);
	return n;
}

bool ex_has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Nothing but the init is in the container. */
void ex_assert_only_init(struct ht *t, pid_t init)
{
	pid_t pids[16];
	size_t n = ex_container_pids(t, pids, 16);
	ck_assert_msg(n == 1 && pids[0] == init, "%zu processes in the container, want only the init %d",
		      n, (int)init);
}

pid_t ex_read_pid_file(const char *path)
{
	char *s = ht_read(path);
	ck_assert_msg(s != NULL, "%s: missing", path);
	char *end;
	long pid = strtol(s, &end, 10);
	ck_assert_msg(end != s && pid > 0 && (*end == 0 || *end == '\n'), "%s: \"%s\"", path, s);
	free(s);
	return (pid_t)pid;
}

/* Waits at most timeout_ms for pid; its exit code or 128+signal, or -1
 * (after killing it) on timeout. */
int ex_wait_bounded(pid_t pid, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(pfd, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };
	int ready = poll(&p, 1, timeout_ms);
	close(pfd);
	if (ready != 1)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	if (ready != 1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
