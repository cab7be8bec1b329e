/* Integration-test helpers; see ht.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ht.h"

static struct ht *current;	/* cleaned at exit when a failed assertion ends the test */

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "hull-tests: %s is not set (run through make check)\n", name);
		abort();
	}
	return v;
}

void ht_chown_tree(const char *dir, unsigned id)
{
	char owner[32];
	snprintf(owner, sizeof(owner), "%u:%u", id, id);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execl("/bin/chown", "chown", "-R", owner, dir, (char *)NULL);
		_exit(126);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chown -R %s %s failed", owner, dir);
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

static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;	/* the fd of the opendir itself */
}

/* reap_others: reap every child until argv's process is done. */
static int spawn_wait_reaping(char *const argv[], int out_fd, int err_fd, const char *input,
			      bool reap_others)
{
	int in[2] = { -1, -1 };
	if (input)
		ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(input ? in[0] : null, 0);
		dup2(out_fd >= 0 ? out_fd : null, 1);
		dup2(err_fd >= 0 ? err_fd : null, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	if (input) {
		close(in[0]);
		ssize_t n = write(in[1], input, strlen(input));
		(void)n;
		close(in[1]);
	}
	int st;
	for (;;) {
		pid_t w = waitpid(reap_others ? -1 : pid, &st, 0);
		if (w == pid)
			break;
		if (w < 0)
			ck_assert_int_eq(errno, EINTR);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int spawn_wait(char *const argv[], int out_fd, int err_fd, const char *input)
{
	return spawn_wait_reaping(argv, out_fd, err_fd, input, false);
}

static void run_quiet(const char *a0, ...)
{
	char *argv[16];
	size_t n = 0;
	va_list ap;
	va_start(ap, a0);
	for (const char *a = a0; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	spawn_wait(argv, -1, -1, NULL);
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

static void vhull(struct ht *t, struct ht_result *r, const char *input, va_list ap)
{
	char *argv[64];
	size_t n = 0;
	argv[n++] = (char *)env_or_die("HULL");
	argv[n++] = "--root";
	argv[n++] = t->root;
	for (const char *a; (a = va_arg(ap, const char *)) && n < 63;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	/* Files, not pipes: a detached container keeps its stdio open after hull exits. */
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	r->status = spawn_wait(argv, out, err, input);
	r->out = ht_slurp_fd(out);
	r->err = ht_slurp_fd(err);
	close(out);
	close(err);
}

void ht_hull(struct ht *t, struct ht_result *r, const char *input, ...)
{
	va_list ap;
	va_start(ap, input);
	vhull(t, r, input, ap);
	va_end(ap);
}

void ht_ok(struct ht *t, ...)
{
	struct ht_result r;
	va_list ap;
	va_start(ap, t);
	vhull(t, &r, NULL, ap);
	va_end(ap);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
}

void ht_result_free(struct ht_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void ht_write_config(struct ht *t)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", t->bundle);
	ck_assert_int_eq(json_dump_file(t->cfg, path, JSON_INDENT(2)), 0);
}

void ht_run(struct ht *t, struct ht_result *r)
{
	ht_write_config(t);
	ht_hull(t, r, NULL, "run", "--bundle", t->bundle, t->id, NULL);
}

void ht_args(struct ht *t, ...)
{
	json_t *args = json_array();
	va_list ap;
	va_start(ap, t);
	for (const char *a; (a = va_arg(ap, const char *));)
		json_array_append_new(args, json_string(a));
	va_end(ap);
	json_object_set_new(json_object_get(t->cfg, "process"), "args", args);
}

void ht_sh(struct ht *t, const char *script)
{
	ht_args(t, "sh", "-c", script, NULL);
}

static void at_exit_clean(void)
{
	if (current)
		ht_force_clean(current);
}

void ht_begin(struct ht *t, bool own_rootfs)
{
	static unsigned seq;
	static bool registered;
	const char *fixture = env_or_die("HULL_FIXTURE");
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	/* The runner's pid in the name: ht_sweep leaves a live runner's alone. */
	snprintf(t->root, sizeof(t->root), "/tmp/ht-root-%d-XXXXXX", (int)getpid());
	snprintf(t->bundle, sizeof(t->bundle), "/tmp/ht-bundle-%d-XXXXXX", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(t->root));
	ck_assert_ptr_nonnull(mkdtemp(t->bundle));
	snprintf(t->id, sizeof(t->id), "ht-%d-%u", getpid(), seq++);
	snprintf(path, sizeof(path), "%s/config.json", fixture);
	t->cfg = json_load_file(path, 0, NULL);
	ck_assert_msg(t->cfg != NULL, "%s: cannot load", path);
	if (own_rootfs) {
		char src[PATH_MAX];
		snprintf(src, sizeof(src), "%s/rootfs", fixture);
		snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", t->bundle);
		run_quiet("/bin/cp", "-a", src, t->rootfs, NULL);
		json_object_set_new(json_object_get(t->cfg, "root"), "path", json_string("rootfs"));
	} else {
		ck_assert_ptr_nonnull(realpath(fixture, path));
		snprintf(t->rootfs, sizeof(t->rootfs), "%s/rootfs", path);
		json_object_set_new(json_object_get(t->cfg, "root"), "path", json_string(t->rootfs));
	}
	t->mountinfo = ht_read("/proc/self/mountinfo");
	t->n_fds = count_fds();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	current = t;
	if (!registered) {
		atexit(at_exit_clean);
		registered = true;
	}
}

/* Processes this test left: children (containers reparent to us) alive or dead. */
static size_t reap_children(bool kill_them)
{
	size_t alive = 0;
	DIR *d = opendir("/proc");
	char want[32];
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		char *s = ht_read(path);
		if (s && strstr(s, want) && !strstr(s, "State:\tZ")) {
			alive++;
			if (kill_them)
				kill(atoi(e->d_name), SIGKILL);
		}
		free(s);
	}
	if (d)
		closedir(d);
	if (kill_them)
		while (waitpid(-1, NULL, 0) > 0)
			;
	else
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	return alive;
}

bool ht_cgroup_exists(const char *name)
{
	char *argv[] = { "/usr/bin/find", "/sys/fs/cgroup", "-name", (char *)name, "-print", "-quit",
			 NULL };
	int fd = memfd_create("ht-find", MFD_CLOEXEC);
	spawn_wait(argv, fd, -1, NULL);
	char *out = ht_slurp_fd(fd);
	close(fd);
	bool found = *out != 0;
	free(out);
	return found;
}

static size_t delete_all(struct ht *t)
{
	size_t n = 0;
	DIR *d = opendir(t->root);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		char *argv[] = { (char *)env_or_die("HULL"), "--root", t->root, "delete", "--force",
				 e->d_name, NULL };
		/* We are a subreaper: what a container's processes leave (a
		 * detached exec) is ours, and a dying pid namespace init waits
		 * for our zombies while `delete` waits for it. */
		spawn_wait_reaping(argv, -1, -1, NULL, true);
	}
	if (d)
		closedir(d);
	return n;
}

void ht_force_clean(struct ht *t)
{
	current = NULL;
	delete_all(t);
	reap_children(true);
	run_quiet("/bin/rm", "-rf", t->root, t->bundle, NULL);
	json_decref(t->cfg);
	free(t->mountinfo);
	t->cfg = NULL;
	t->mountinfo = NULL;
}

void ht_finish(struct ht *t)
{
	char msg[4096] = "";
	size_t n;
	reap_children(false);
	if ((n = delete_all(t)))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%zu state dirs left; ", n);
	if ((n = reap_children(true)))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%zu processes left; ", n);
	char *mi = ht_read("/proc/self/mountinfo");
	if (strcmp(mi, t->mountinfo))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "host mount table changed; ");
	free(mi);
	if (ht_cgroup_exists(t->id))
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "cgroup %s left; ", t->id);
	if ((n = count_fds()) != t->n_fds)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), "%zu fds open, %zu before; ", n,
			 t->n_fds);
	ht_force_clean(t);
	ck_assert_msg(!*msg, "host not clean: %s", msg);
}

void ht_mount(struct ht *t, const char *dest, const char *type, const char *source, ...)
{
	json_t *m = json_object(), *opts = json_array();
	json_object_set_new(m, "destination", json_string(dest));
	if (type)
		json_object_set_new(m, "type", json_string(type));
	if (source)
		json_object_set_new(m, "source", json_string(source));
	va_list ap;
	va_start(ap, source);
	for (const char *o; (o = va_arg(ap, const char *));)
		json_array_append_new(opts, json_string(o));
	va_end(ap);
	json_object_set_new(m, "options", opts);
	json_array_append_new(json_object_get(t->cfg, "mounts"), m);
}

void ht_add_sync(struct ht *t)
{
	char dir[128], fifo[160];
	snprintf(dir, sizeof(dir), "%s/sync", t->bundle);
	snprintf(fifo, sizeof(fifo), "%s/ready", dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_int_eq(mkfifo(fifo, 0666), 0);
	ht_mount(t, "/mnt", "bind", dir, "rbind", "rw", NULL);
}

char *ht_wait_ready(struct ht *t)
{
	char fifo[160];
	snprintf(fifo, sizeof(fifo), "%s/sync/ready", t->bundle);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "container never wrote to /mnt/ready");
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	return strdup(buf);
}

void ht_start_ready(struct ht *t, const char *want)
{
	ht_write_config(t);
	ht_ok(t, "run", "--detach", "--bundle", t->bundle, t->id, NULL);
	char *line = ht_wait_ready(t);
	ck_assert_str_eq(line, want);
	free(line);
}

pid_t ht_state_pid(struct ht *t, const char *id, char *status, size_t status_len)
{
	struct ht_result r;
	ht_hull(t, &r, NULL, "state", id, NULL);
	ht_assert_status(&r, 0);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "state: not JSON: %s", r.out);
	json_t *pid = json_object_get(j, "pid");
	if (status)
		snprintf(status, status_len, "%s", json_string_value(json_object_get(j, "status")));
	pid_t p = json_is_integer(pid) ? (pid_t)json_integer_value(pid) : 0;
	json_decref(j);
	ht_result_free(&r);
	return p;
}

void ht_sweep(void)
{
	const char *hull = getenv("HULL");
	DIR *tmp = opendir("/tmp");
	if (!hull || !tmp)
		return;
	for (struct dirent *e; (e = readdir(tmp));) {
		bool root = !strncmp(e->d_name, "ht-root-", 8);
		if (!root && strncmp(e->d_name, "ht-bundle-", 10))
			continue;
		/* Another runner's, while it lives: not ours to clean. */
		long owner = strtol(e->d_name + (root ? 8 : 10), NULL, 10);
		if (owner > 0 && owner != getpid() && (kill((pid_t)owner, 0) == 0 || errno == EPERM))
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
		DIR *d = root ? opendir(path) : NULL;
		for (struct dirent *c; d && (c = readdir(d));) {
			if (c->d_name[0] == '.')
				continue;
			char *argv[] = { (char *)hull, "--root", path, "delete", "--force", c->d_name, NULL };
			pid_t pid = fork();
			if (pid == 0) {
				int null = open("/dev/null", O_RDWR | O_CLOEXEC);
				dup2(null, 1);
				dup2(null, 2);
				execv(argv[0], argv);
				_exit(126);
			}
			if (pid > 0)
				waitpid(pid, NULL, 0);
		}
		if (d)
			closedir(d);
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/rm", "rm", "-rf", path, (char *)NULL);
			_exit(126);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	closedir(tmp);
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

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ht_run_in_pty(char *const argv[], unsigned rows, unsigned cols, double timeout,
		   struct ht_result *r)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ck_assert_msg(m >= 0, "posix_openpt: %s", strerror(errno));
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	ck_assert_int_eq(ioctl(m, TIOCSWINSZ, &ws), 0);
	char slave[64];
	ck_assert_int_eq(ptsname_r(m, slave, sizeof(slave)), 0);
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
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	double end = mono_s() + timeout;
	int st = 0;
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
		if (waitpid(pid, &st, WNOHANG) == pid) {
			exited = true;	/* one more round drains what is left */
			continue;
		}
		if (mono_s() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			st = -1;
			break;
		}
	}
	if (!exited && st != -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	buf[len] = 0;
	close(m);
	r->out = buf;
	r->err = strdup("(on the pty)");
	r->status = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
