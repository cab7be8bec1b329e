/* `hull exec`: a process joins a running container's namespaces (user and
 * time too), cgroup, seccomp filter, and takes the command line's changes to
 * the container's process; its exit code, --detach, the terminal, preserved
 * fds, and the errors. */
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

#include "../lib/ht.h"

#define MAP_BASE 100000

/* ht_hull for `hull exec ARGS...`, stdin /dev/null. */
#define EXEC(t, r, ...) ht_hull((t), (r), NULL, "exec", __VA_ARGS__, NULL)

static json_t *lnx(struct ht *t) { return json_object_get(t->cfg, "linux"); }
static json_t *process(struct ht *t) { return json_object_get(t->cfg, "process"); }

static void add_ns(struct ht *t, const char *type)
{
	json_array_append_new(json_object_get(lnx(t), "namespaces"), json_pack("{s:s}", "type", type));
}

/* Writes the config and `run --detach`es the container with `sleep 60` (it
 * has exec'd sleep when run returns); returns the init's host pid. */
static pid_t start_sleeper(struct ht *t)
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

static pid_t spawn_hull(struct ht *t, int out, int err, int fd3, const char *const *args);

/* `delete --force`, reaping meanwhile: the test is a subreaper, so a
 * detached exec'd process is its child once hull is gone, and the dying
 * init waits until such a process of its pid namespace is reaped. */
static void delete_and_finish(struct ht *t)
{
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "delete", "--force", t->id, NULL };
	pid_t pid = spawn_hull(t, out, err, -1, args);
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
static void ns_link(pid_t pid, const char *name, char *buf, size_t len)
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

static char *proc_file(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	char *s = ht_read(path);
	ck_assert_msg(s != NULL, "%s: cannot read", path);
	return s;
}

/* The pids of `hull ps --format json ID`, sorted by ps. */
static size_t container_pids(struct ht *t, pid_t *pids, size_t cap)
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

static bool has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Nothing but the init is in the container. */
static void assert_only_init(struct ht *t, pid_t init)
{
	pid_t pids[16];
	size_t n = container_pids(t, pids, 16);
	ck_assert_msg(n == 1 && pids[0] == init, "%zu processes in the container, want only the init %d",
		      n, (int)init);
}

static pid_t read_pid_file(const char *path)
{
	char *s = ht_read(path);
	ck_assert_msg(s != NULL, "%s: missing", path);
	char *end;
	long pid = strtol(s, &end, 10);
	ck_assert_msg(end != s && pid > 0 && (*end == 0 || *end == '\n'), "%s: \"%s\"", path, s);
	free(s);
	return (pid_t)pid;
}

/* Forks `hull --root R ARGS...` with stdin /dev/null, stdout out, stderr
 * err, fd 3 = fd3 when >= 0, and no other fd. */
static pid_t spawn_hull(struct ht *t, int out, int err, int fd3, const char *const *args)
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

/* Waits at most timeout_ms for pid; its exit code or 128+signal, or -1
 * (after killing it) on timeout. */
static int wait_bounded(pid_t pid, int timeout_ms)
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

/* 1. The exec'd process is in the init's pid, mount (root), net, ipc, uts
 * and cgroup namespaces, none of them the host's. */
START_TEST(joins_namespaces)
{
	static const char *const names[] = { "mnt", "pid", "net", "ipc", "uts", "cgroup" };
	struct ht t;
	struct ht_result r;
	char marker[4300], host[64], init_ns[64], want[2048];
	ht_begin(&t, true);
	json_object_set_new(t.cfg, "hostname", json_string("ht-exec-host"));
	snprintf(marker, sizeof(marker), "%s/ht-exec-marker", t.rootfs);
	FILE *f = fopen(marker, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "rootfs of %s\n", t.id);
	fclose(f);
	pid_t init = start_sleeper(&t);

	EXEC(&t, &r, t.id, "sh", "-c",
	     "echo $$; tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; cat /ht-exec-marker;"
	     "for n in mnt pid net ipc uts cgroup; do"
	     "  l=$(readlink /proc/self/ns/$n); [ \"$l\" = \"$(readlink /proc/1/ns/$n)\" ] && echo \"$l\";"
	     "done");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.err, "");
	char *end;
	long pid = strtol(r.out, &end, 10);
	ck_assert_msg(pid > 1 && pid < 100 && *end == '\n', "pid in the container: %s", r.out);
	int len = snprintf(want, sizeof(want), "sleep 60 \nht-exec-host\nrootfs of %s\n", t.id);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ns_link(init, names[i], init_ns, sizeof(init_ns));
		ns_link(0, names[i], host, sizeof(host));
		ck_assert_str_ne(init_ns, host);
		len += snprintf(want + len, sizeof(want) - (size_t)len, "%s\n", init_ns);
	}
	ck_assert_str_eq(end + 1, want);
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* A container with a user namespace: the exec'd process is root in it and
 * sees its map. */
START_TEST(joins_user_namespace)
{
	struct ht t;
	struct ht_result r;
	char want[256], init_ns[64], host[64];
	ht_begin(&t, true);
	/* the container's root must reach and own its rootfs */
	ck_assert_int_eq(chmod(t.bundle, 0755), 0);
	ht_chown_tree(t.rootfs, MAP_BASE);
	add_ns(&t, "user");
	json_object_set_new(lnx(&t), "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", MAP_BASE, "size", 65536));
	json_object_set_new(lnx(&t), "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", MAP_BASE, "size", 65536));
	pid_t init = start_sleeper(&t);
	ns_link(init, "user", init_ns, sizeof(init_ns));
	ns_link(0, "user", host, sizeof(host));
	ck_assert_str_ne(init_ns, host);

	EXEC(&t, &r, t.id, "sh", "-c",
	     "id -u; id -g; read a b c < /proc/self/uid_map; echo $a $b $c; readlink /proc/self/ns/user");
	ht_assert_status(&r, 0);
	snprintf(want, sizeof(want), "0\n0\n0 %u 65536\n%s\n", MAP_BASE, init_ns);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* A container with a time namespace: the exec'd process sees its offsets. */
START_TEST(joins_time_namespace)
{
	struct ht t;
	struct ht_result r;
	char init_ns[64], host[64];
	ht_begin(&t, false);
	add_ns(&t, "time");
	/* /proc/uptime is CLOCK_BOOTTIME */
	json_object_set_new(lnx(&t), "timeOffsets",
			    json_pack("{s:{s:i, s:i}, s:{s:i, s:i}}", "monotonic", "secs", 86400, "nanosecs", 0,
				      "boottime", "secs", 86400, "nanosecs", 0));
	pid_t init = start_sleeper(&t);
	ns_link(init, "time", init_ns, sizeof(init_ns));
	ns_link(0, "time", host, sizeof(host));
	ck_assert_str_ne(init_ns, host);

	char *before = ht_read("/proc/uptime");
	EXEC(&t, &r, t.id, "sh", "-c",
	     "cat /proc/uptime; readlink /proc/self/ns/time;"
	     "while read c s n; do echo $c $s $n; done < /proc/self/timens_offsets");
	char *after = ht_read("/proc/uptime");
	ht_assert_status(&r, 0);
	/* In hundredths, as /proc/uptime prints them: 13903.29 + 86400 is not
	 * 100303.29 in doubles. */
	long long in = llround(strtod(r.out, NULL) * 100), b = llround(strtod(before, NULL) * 100),
		  a = llround(strtod(after, NULL) * 100);
	ck_assert_msg(in >= b + 8640000 && in <= a + 8640000, "uptime in the container %lld, host %lld..%lld "
		      "(hundredths of a second)", in, b, a);
	char want[256];
	snprintf(want, sizeof(want), "%s\nmonotonic 86400 0\nboottime 86400 0\n", init_ns);
	char *nl = strchr(r.out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, want);
	free(before);
	free(after);
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* 2. The exec'd process is in the container's cgroup: the same
 * /proc/self/cgroup inside as the init, on the host the same cgroups as the
 * init, and `hull ps` lists it. */
START_TEST(joins_cgroup)
{
	struct ht t;
	struct ht_result r;
	char pid_file[128];
	ht_begin(&t, false);
	pid_t init = start_sleeper(&t);

	EXEC(&t, &r, t.id, "sh", "-c", "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup");
	ht_assert_status(&r, 0);
	char *sep = strstr(r.out, "--\n");
	ck_assert_ptr_nonnull(sep);
	*sep = 0;
	ck_assert_str_eq(r.out, sep + 3);
	ck_assert_ptr_nonnull(strstr(r.out, "0::/\n"));	/* the cgroup ns is rooted there */
	ht_result_free(&r);

	snprintf(pid_file, sizeof(pid_file), "%s/exec.pid", t.bundle);
	EXEC(&t, &r, "--detach", "--pid-file", pid_file, t.id, "sleep", "30");
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	pid_t pid = read_pid_file(pid_file);
	char *theirs = proc_file(init, "cgroup"), *mine = proc_file(pid, "cgroup");
	ck_assert_str_eq(mine, theirs);
	free(theirs);
	free(mine);
	pid_t pids[16];
	size_t n = container_pids(&t, pids, 16);
	ck_assert_uint_eq(n, 2);
	ck_assert(has_pid(pids, n, init) && has_pid(pids, n, pid));
	delete_and_finish(&t);
}
END_TEST

/* 3. The exit code, and 128+N for a signal. */
START_TEST(exit_codes)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	pid_t init = start_sleeper(&t);
	EXEC(&t, &r, t.id, "sh", "-c", "exit 7");
	ht_assert_status(&r, 7);
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "sh", "-c", "kill -TERM $$");
	ht_assert_status(&r, 143);
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "true");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	assert_only_init(&t, init);
	delete_and_finish(&t);
}
END_TEST

static unsigned long long cap_eff(const char *out)
{
	const char *s = strstr(out, "CapEff:\t");
	ck_assert_msg(s != NULL, "no CapEff in %s", out);
	char *end;
	unsigned long long v = strtoull(s + 8, &end, 16);
	ck_assert_msg(end == s + 8 + 16, "CapEff: %s", s);
	return v;
}

/* `hull exec --process FILE ID` with np (taken) as FILE. */
static void exec_process_file(struct ht *t, json_t *np, struct ht_result *r)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/process.json", t->bundle);
	ck_assert_ptr_nonnull(np);
	ck_assert_int_eq(json_dump_file(np, file, 0), 0);
	json_decref(np);
	ht_hull(t, r, NULL, "exec", "--process", file, t->id, NULL);
}

/* 4. The command line's changes to the container's process, and --process. */
START_TEST(process_options)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *p = process(&t);
	json_array_append_new(json_object_get(p, "env"), json_string("HT_KEEP=kept"));
	/* so that --no-new-privs is what sets it */
	json_object_set_new(p, "noNewPrivileges", json_false());
	start_sleeper(&t);

	EXEC(&t, &r, "--env", "TERM=dumb", "--env", "HT_NEW=a=b", t.id, "sh", "-c",
	     "echo \"$TERM $HT_NEW $HT_KEEP\"; tr '\\0' '\\n' < /proc/$$/environ | grep -c ^TERM=");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "dumb a=b kept\n1\n");
	ht_result_free(&r);

	EXEC(&t, &r, "--cwd", "/etc", t.id, "pwd");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "/etc\n");
	ht_result_free(&r);

	EXEC(&t, &r, "--user", "65534:65534", "--additional-gids", "10,20", t.id, "sh", "-c",
	     "id -u; id -g; grep -E '^(Uid|Groups):' /proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "65534\n65534\nUid:\t65534\t65534\t65534\t65534\nGroups:\t10 20 \n");
	ht_result_free(&r);

	/* CAP_NET_RAW is bit 13; the config gives KILL (5), NET_BIND_SERVICE (10), AUDIT_WRITE (29) */
	const unsigned long long base = 1ULL << 5 | 1ULL << 10 | 1ULL << 29, raw = 1ULL << 13;
	EXEC(&t, &r, t.id, "grep", "^CapEff:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_msg(cap_eff(r.out) == base, "CapEff without --cap: %s", r.out);
	ht_result_free(&r);
	EXEC(&t, &r, "--cap", "CAP_NET_RAW", t.id, "grep", "^CapEff:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_msg(cap_eff(r.out) == (base | raw), "CapEff with --cap CAP_NET_RAW: %s", r.out);
	ht_result_free(&r);

	EXEC(&t, &r, t.id, "grep", "^NoNewPrivs:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "NoNewPrivs:\t0\n");
	ht_result_free(&r);
	EXEC(&t, &r, "--no-new-privs", t.id, "grep", "^NoNewPrivs:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "NoNewPrivs:\t1\n");
	ht_result_free(&r);

	/* --process: its own args, env, cwd and rlimits, none of the config's */
	json_t *np = json_pack("{s:b, s:{s:i, s:i}, s:[s,s,s], s:[s,s], s:s, s:[{s:s, s:i, s:i}]}",
			       "terminal", 0, "user", "uid", 0, "gid", 0, "args", "sh", "-c",
			       "ulimit -n; ulimit -Hn; echo \"$HT_P ${TERM-unset} ${HT_KEEP-unset}\"; pwd",
			       "env", "PATH=/bin:/usr/bin", "HT_P=from the file", "cwd", "/tmp",
			       "rlimits", "type", "RLIMIT_NOFILE", "soft", 123, "hard", 456);
	exec_process_file(&t, np, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "123\n456\nfrom the file unset unset\n/tmp\n");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* 5. The container's seccomp filter holds for exec'd processes, root or not. */
START_TEST(seccomp_applies)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_mount(&t, "/tmp", "tmpfs", "tmpfs", "mode=1777", NULL);
	json_object_set_new(lnx(&t), "seccomp",
			    json_pack("{s:s, s:[{s:[s,s], s:s, s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
				      "syscalls", "names", "mkdir", "mkdirat", "action", "SCMP_ACT_ERRNO",
				      "errnoRet", 1));
	start_sleeper(&t);
	EXEC(&t, &r, t.id, "sh", "-c",
	     "touch /tmp/y && echo touched; mkdir /tmp/x; echo $?; grep ^Seccomp: /proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "touched\n1\nSeccomp:\t2\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/x': Operation not permitted\n");
	ht_result_free(&r);
	EXEC(&t, &r, "--user", "65534:65534", t.id, "sh", "-c", "mkdir /tmp/z; echo $?");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/z': Operation not permitted\n");
	ht_result_free(&r);
	/* without noNewPrivileges the filter goes in before the caps are dropped */
	json_t *np = json_pack("{s:{s:i, s:i}, s:[s,s,s], s:s, s:b}", "user", "uid", 0, "gid", 0, "args", "sh",
			       "-c", "mkdir /tmp/w; echo $?; grep ^NoNewPrivs: /proc/self/status", "cwd", "/",
			       "noNewPrivileges", 0);
	exec_process_file(&t, np, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\nNoNewPrivs:\t0\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/w': Operation not permitted\n");
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* Reads the master until want is in out, or EOF/EIO; bounded by 10 s. */
static void read_until(int master, char *out, size_t cap, size_t *len, const char *want)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!strstr(out, want)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = 10000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		ck_assert_msg(left > 0, "the terminal showed \"%s\", not \"%s\"", out, want);
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, (int)left) != 1)
			continue;
		ssize_t n = read(master, out + *len, cap - 1 - *len);
		ck_assert_msg(n > 0, "the terminal closed after \"%s\", want \"%s\"", out, want);
		*len += (size_t)n;
		out[*len] = 0;
	}
}

/* 6a. --tty --console-socket: the pty's master comes over the socket, and it
 * is the exec'd process's terminal both ways. */
START_TEST(tty_console_socket)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	start_sleeper(&t);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/console.sock", t.bundle);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(ls, 0);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);

	/* the size is set once the test holds the master: the line it writes says when */
	EXEC(&t, &r, "-d", "-t", "--console-socket", sa.sun_path, t.id, "sh", "-c",
	     "stty -echo; tty; read line; echo \"got $line\"; stty size");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	char name[256];
	int master = ht_recv_fd(conn, name, sizeof(name));
	close(conn);
	close(ls);
	ck_assert_msg(!strncmp(name, "/dev/pts/", 9), "console name \"%s\"", name);

	char out[1024] = "", want[300];
	size_t len = 0;
	snprintf(want, sizeof(want), "%s\r\n", name);
	read_until(master, out, sizeof(out), &len, want);
	ck_assert_str_eq(out, want);
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	ck_assert_int_eq(write(master, "go\n", 3), 3);
	read_until(master, out, sizeof(out), &len, "40 100\r\n");
	snprintf(want, sizeof(want), "%s\r\ngot go\r\n40 100\r\n", name);
	ck_assert_str_eq(out, want);
	close(master);
	delete_and_finish(&t);
}
END_TEST

/* 6b. --tty in the foreground on a terminal: hull relays it, with its size. */
START_TEST(tty_relay)
{
	struct ht t;
	ht_begin(&t, false);
	start_sleeper(&t);
	char *argv[] = { (char *)getenv("HULL"), "--root", t.root, "exec", "-t", t.id, "sh", "-c",
			 "tty; stty size; exit 5", NULL };
	struct ht_result r;
	ht_run_in_pty(argv, 33, 77, 10, &r);
	ck_assert_msg(r.status == 5, "hull exec -t: exit %d, output \"%s\"", r.status, r.out);
	/* the container's pty is the first of its devpts; the size is ours */
	ck_assert_str_eq(r.out, "/dev/pts/0\r\n33 77\r\n");
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* 7. --detach returns while the process runs; --pid-file names it. */
START_TEST(detach_pid_file)
{
	struct ht t;
	struct ht_result r;
	char pid_file[128];
	ht_begin(&t, false);
	pid_t init = start_sleeper(&t);
	snprintf(pid_file, sizeof(pid_file), "%s/exec.pid", t.bundle);
	EXEC(&t, &r, "-d", "--pid-file", pid_file, t.id, "sleep", "30");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	pid_t pid = read_pid_file(pid_file);
	/* alive and running sleep 30 after hull returned */
	ck_assert_int_eq(kill(pid, 0), 0);
	char *stat = proc_file(pid, "stat");
	char *close_paren = strrchr(stat, ')');
	ck_assert_ptr_nonnull(close_paren);
	ck_assert_msg(close_paren[2] == 'S' || close_paren[2] == 'R', "state: %s", stat);
	free(stat);
	char cmdline[64];
	char *raw = proc_file(pid, "cmdline");
	memcpy(cmdline, raw, 9);
	free(raw);
	ck_assert_int_eq(memcmp(cmdline, "sleep\0" "30", 9), 0);
	char *theirs = proc_file(init, "cgroup"), *mine = proc_file(pid, "cgroup");
	ck_assert_str_eq(mine, theirs);
	free(theirs);
	free(mine);
	pid_t pids[16];
	size_t n = container_pids(&t, pids, 16);
	ck_assert_msg(n == 2 && has_pid(pids, n, pid), "ps lists %zu pids, not %d", n, (int)pid);
	delete_and_finish(&t);
}
END_TEST

/* 8. --preserve-fds 1: fd 3 of hull is fd 3 of the process, and no other. */
START_TEST(preserve_fds)
{
	struct ht t;
	char file[128];
	ht_begin(&t, false);
	start_sleeper(&t);
	snprintf(file, sizeof(file), "%s/fd3", t.bundle);
	FILE *f = fopen(file, "we");
	ck_assert_ptr_nonnull(f);
	fputs("through fd 3\n", f);
	fclose(f);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	/* ls's own directory is fd 4: a 5 would be a fd that leaked */
	const char *args[] = { "exec", "--preserve-fds", "1", t.id, "sh", "-c",
			       "cat <&3; ls /proc/self/fd | tr '\\n' ' '", NULL };
	int status = wait_bounded(spawn_hull(&t, out, err, fd, args), 20000);
	close(fd);
	char *o = ht_slurp_fd(out), *e = ht_slurp_fd(err);
	close(out);
	close(err);
	ck_assert_msg(status == 0, "exit %d\nstdout: %s\nstderr: %s", status, o, e);
	ck_assert_str_eq(o, "through fd 3\n0 1 2 3 4 ");
	ck_assert_str_eq(e, "");
	free(o);
	free(e);
	delete_and_finish(&t);
}
END_TEST

/* 8b. --preserve-fds N with fds hull was not given: hull's own files (the
 * init's pidfd, the container's cgroup dirs on the host) must not fill the
 * range; `run` refuses, and so must exec. */
START_TEST(preserve_fds_not_open)
{
	struct ht t;
	ht_begin(&t, false);
	pid_t init = start_sleeper(&t);
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "exec", "--preserve-fds", "6", t.id, "sh", "-c",
			       "for f in 3 4 5 6 7 8; do readlink /proc/self/fd/$f; done", NULL };
	struct ht_result r = { .status = wait_bounded(spawn_hull(&t, out, err, -1, args), 20000) };
	r.out = ht_slurp_fd(out);
	r.err = ht_slurp_fd(err);
	close(out);
	close(err);
	/* the container must not get hull's files; stdout shows what it got */
	ck_assert_msg(r.status == 1 && !strcmp(r.err, "hull: exec: --preserve-fds 6: fd 3 is not open\n") &&
		      !*r.out, "exit %d\nstderr: %s\nthe container's fds 3-8:\n%s", r.status, r.err, r.out);
	ht_result_free(&r);
	assert_only_init(&t, init);
	delete_and_finish(&t);
}
END_TEST

/* 9. Errors with a running container: one line each, nothing started. */
START_TEST(errors_running)
{
	struct ht t;
	struct ht_result r;
	char sock[128], file[128];
	ht_begin(&t, false);
	pid_t init = start_sleeper(&t);
	snprintf(sock, sizeof(sock), "%s/console.sock", t.bundle);
	snprintf(file, sizeof(file), "%s/process.json", t.bundle);
	FILE *f = fopen(file, "we");
	ck_assert_ptr_nonnull(f);
	fputs("{\"args\": [\"true\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", f);
	fclose(f);
	const struct {
		const char *args[8];
		const char *err;
	} cases[] = {
		{ { t.id }, "hull: exec: no command given (hull exec ID CMD [ARGS...] or --process FILE)\n" },
		{ { "--user", "x", t.id, "true" }, "hull: exec: --user: \"x\" is not UID[:GID]\n" },
		{ { "--console-socket", sock, t.id, "true" },
		  "hull: exec: --console-socket without --tty: there is no terminal to send\n" },
		{ { "--tty", "--detach", t.id, "true" },
		  "hull: exec: a detached process needs --console-socket for its terminal\n" },
		{ { "--process", file, t.id, "true" }, "hull: exec: a command and --process: give one\n" },
		{ { "--env", "NOVALUE", t.id, "true" }, "hull: exec: --env \"NOVALUE\": want NAME=VALUE\n" },
		{ { "--cwd", "etc", t.id, "true" }, "hull: exec: --cwd \"etc\": must be absolute\n" },
		{ { "--additional-gids", "1,x", t.id, "true" },
		  "hull: exec: --additional-gids: \"x\" is not a gid\n" },
		{ { t.id, "/no/such/command" }, "hull: exec: \"/no/such/command\": No such file or directory\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		ht_hull(&t, &r, NULL, "exec", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
		ck_assert_msg(r.status == 1 && !strcmp(r.err, cases[i].err),
			      "case %zu: exit %d, stderr \"%s\", want \"%s\"", i, r.status, r.err, cases[i].err);
		ck_assert_str_eq(r.out, "");
		ht_result_free(&r);
		assert_only_init(&t, init);
	}
	delete_and_finish(&t);
}
END_TEST

/* A stopped container, and one that does not exist. */
START_TEST(errors_stopped_unknown)
{
	struct ht t;
	struct ht_result r;
	char want[256], unknown[96];
	ht_begin(&t, false);
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	ht_ok(&t, "run", "--keep", "--bundle", t.bundle, t.id, NULL);
	EXEC(&t, &r, t.id, "true");
	snprintf(want, sizeof(want), "hull: container %s is stopped: there is nothing to exec in\n", t.id);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	snprintf(unknown, sizeof(unknown), "%s-none", t.id);
	EXEC(&t, &r, unknown, "true");
	snprintf(want, sizeof(want), "hull: container %s does not exist\n", unknown);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	delete_and_finish(&t);
}
END_TEST

/* A paused container refuses exec; --ignore-paused goes in, and the process
 * stays frozen (and exec -d waiting for it) until resume. */
START_TEST(paused)
{
	struct ht t;
	struct ht_result r;
	char want[256];
	ht_begin(&t, false);
	ht_add_sync(&t);
	pid_t init = start_sleeper(&t);
	ht_ok(&t, "pause", t.id, NULL);
	EXEC(&t, &r, t.id, "true");
	snprintf(want, sizeof(want), "hull: container %s is paused (exec --ignore-paused goes in anyway)\n",
		 t.id);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	assert_only_init(&t, init);

	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "exec", "--ignore-paused", "-d", t.id, "sh", "-c", "echo ran > /mnt/ready",
			       NULL };
	pid_t hull = spawn_hull(&t, out, err, -1, args);
	int hfd = (int)syscall(SYS_pidfd_open, hull, 0);
	ck_assert_int_ge(hfd, 0);
	/* bounded: until the new process is in the (frozen) cgroup */
	pid_t pids[16];
	size_t n = 0;
	struct pollfd hp = { .fd = hfd, .events = POLLIN };
	for (int i = 0; i < 500 && n < 2; i++) {
		n = container_pids(&t, pids, 16);
		if (n < 2 && poll(&hp, 1, 10) != 0)
			break;	/* hull ended: caught below */
	}
	ck_assert_msg(poll(&hp, 1, 0) == 0, "exec --ignore-paused -d returned while the container was paused");
	ck_assert_uint_eq(n, 2);
	char status[32];
	ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "paused");
	ck_assert_msg(poll(&hp, 1, 0) == 0, "exec --ignore-paused -d returned while the container was paused");
	close(hfd);

	ht_ok(&t, "resume", t.id, NULL);
	int st = wait_bounded(hull, 10000);
	char *o = ht_slurp_fd(out), *e = ht_slurp_fd(err);
	close(out);
	close(err);
	ck_assert_msg(st == 0, "exec --ignore-paused -d: exit %d after resume\nstdout: %s\nstderr: %s", st, o,
		      e);
	ck_assert_str_eq(o, "");
	ck_assert_str_eq(e, "");
	free(o);
	free(e);
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "ran\n");
	free(line);
	delete_and_finish(&t);
}
END_TEST

HULL_SUITE(exec, integration)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, joins_namespaces);
	tcase_add_test(tc, joins_user_namespace);
	tcase_add_test(tc, joins_time_namespace);
	tcase_add_test(tc, joins_cgroup);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, process_options);
	tcase_add_test(tc, seccomp_applies);
	tcase_add_test(tc, tty_console_socket);
	tcase_add_test(tc, tty_relay);
	tcase_add_test(tc, detach_pid_file);
	tcase_add_test(tc, preserve_fds);
	tcase_add_test(tc, preserve_fds_not_open);
	tcase_add_test(tc, errors_running);
	tcase_add_test(tc, errors_stopped_unknown);
	tcase_add_test(tc, paused);
	suite_add_tcase(s, tc);
	return s;
}
