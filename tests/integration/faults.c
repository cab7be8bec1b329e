/* Fault injection without hooks in the product: Debian's strace fails one
 * system call of hull (`-e inject=SYSCALL:error=E:when=N`; strace counts
 * calls per process, and N is found by tracing the same run once; where
 * several processes make the call, -P PATH narrows the count to the calls
 * on the path that traced run showed), and hull must exit 1 with one line
 * "hull: ..." naming the injected cause and leave the host as it was. Then hull killed with SIGKILL at each point
 * where create, start, run and delete wait (a hook blocked on a fifo the
 * test holds): `delete --force` must leave nothing.
 *
 * The helpers (faults.h) are shared with the exhaustion and concurrency
 * suites. Every host object a test makes carries its names: the cgroup
 * parent htf<pid>-<n>, the bridge htfb<pid>, the veth hull derives from the
 * ID; the host checks look at those only, so other suites running at the
 * same time on this host do not disturb them. Network rules: addresses in
 * 198.18.30.0/24 only, no traffic, links only of those names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "../../netsetup/netsetup.h"
#include "../../runtime/net.h"
#include "faults.h"

#define STRACE "/usr/bin/strace"
#define BRIDGE_ADDR "198.18.30.1/24"
#define CONTAINER_ADDR "198.18.30.2/24"

/* ---- helpers (faults.h) ---- */

static struct hf *hf_current;	/* cleaned at exit (CK_NOFORK; see hf_sweep) */

static const char *hull_bin(void)
{
	const char *v = getenv("HULL");
	ck_assert_msg(v && *v, "HULL is not set (run through make check)");
	return v;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1;
}

size_t hf_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static const char *cg_want;
static char cg_found[4200];

static int cg_match(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	if (flag != FTW_D || strcmp(path + ftw->base, cg_want))
		return 0;
	snprintf(cg_found, sizeof(cg_found), "%s", path);
	return 1;
}

bool hf_cgroup_exists(const char *name)
{
	cg_want = name;
	cg_found[0] = 0;
	return nftw("/sys/fs/cgroup", cg_match, 32, FTW_PHYS) == 1;
}

static const char *cg_rm_name;

/* Whether a component of path is name. */
static bool has_component(const char *path, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = path; (p = strstr(p, name)); p++)
		if (p > path && p[-1] == '/' && (p[n] == '/' || !p[n]))
			return true;
	return false;
}

static int cg_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP && has_component(path, cg_rm_name))
		rmdir(path);
	return 0;
}

static bool link_exists(const char *name)
{
	char p[64];
	snprintf(p, sizeof(p), "/sys/class/net/%s", name);
	return name[0] && access(p, F_OK) == 0;
}

/* Waits (5 s at most, woken by RTMGRP_LINK, no sleep) until no link is
 * named name: the kernel removes the host end of a veth with its netns. */
static bool link_gone(const char *name, int ms)
{
	if (!link_exists(name))
		return true;
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ck_assert_int_ge(s, 0);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	long t0 = now_ms();
	while (link_exists(name) && now_ms() - t0 < ms) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (poll(&p, 1, (int)(ms - (now_ms() - t0))) > 0) {
			char buf[16384];
			while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		}
	}
	close(s);
	return !link_exists(name);
}

static void delete_link(const char *name)
{
	if (!link_exists(name))
		return;
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	if (hull_nl_open(-1, &nl, &err) == 0)
		hull_link_delete(nl, name, &err);
	hull_nl_close(nl);
}

/* Children of the test (a subreaper) still alive once each had up to ms to
 * end; zombies are reaped. */
static size_t children_after(int ms, char *names, size_t cap)
{
	long t0 = now_ms();
	size_t alive = 0;
	char want[32];
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		char *s = ht_read(path);
		if (s && strstr(s, want) && !strstr(s, "State:\tZ")) {
			pid_t pid = atoi(e->d_name);
			int fd = (int)syscall(SYS_pidfd_open, pid, 0);
			struct pollfd p = { .fd = fd, .events = POLLIN };
			long left = ms - (now_ms() - t0);
			if (fd < 0 || poll(&p, 1, left > 0 ? (int)left : 0) != 1) {
				alive++;
				if (names) {
					char cmd[300];
					snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
					char *c = ht_read(path);
					size_t n = 0;
					for (; c && n < 120 && (c[n] || c[n + 1]); n++)
						cmd[n] = c[n] ? c[n] : ' ';
					cmd[n] = 0;
					free(c);
					size_t used = strlen(names);
					snprintf(names + used, cap - used, "[%d %s] ", pid, cmd);
				}
			}
			if (fd >= 0)
				close(fd);
		}
		free(s);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return alive;
}

size_t hf_children(void)
{
	return children_after(0, NULL, 0);
}

static void kill_children(void)
{
	char want[32];
	snprintf(want, sizeof(want), "PPid:\t%d\n", getpid());
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		char *s = ht_read(path);
		if (s && strstr(s, want))
			kill(atoi(e->d_name), SIGKILL);
		free(s);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

/* A failed assertion ends a test with _exit(): no atexit handler and no
 * teardown runs in its process. So each test records its objects in a file
 * of the runner's (/tmp/htf-clean-RUNNERPID/TESTPID-N) until it removed
 * them itself, and hf_sweep, an unchecked teardown that the runner runs
 * after the test case, removes what the records still name. */
static pid_t runner_pid(void)
{
	const char *f = getenv("CK_FORK");
	return f && !strcmp(f, "no") ? getpid() : getppid();
}

static void record_path(const struct hf *h, char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/htf-clean-%d/%s", (int)runner_pid(), h->cg_parent);
}

static void record(const struct hf *h)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/htf-clean-%d", (int)runner_pid());
	mkdir(path, 0700);
	record_path(h, path, sizeof(path));
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n%s\n%s\n%s\n%s\n", h->t.root, h->t.bundle, h->cg_parent, h->veth,
		h->bridge[0] ? h->bridge : "-");
	ck_assert_int_eq(fclose(f), 0);
}

static int cg_kill(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	char procs[4300];
	if (flag != FTW_D || !has_component(path, cg_rm_name))
		return 0;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	char *s = ht_read(procs);
	for (char *p = s; p && *p;) {
		kill((pid_t)strtol(p, &p, 10), SIGKILL);
		while (*p == '\n')
			p++;
	}
	free(s);
	return 0;
}

/* Removes the objects of one test: its containers (delete --force), what
 * is left in its cgroups, the cgroups, its links, its dirs. */
static void objects_clean(const char *root, const char *bundle, const char *cg_parent,
			  const char *veth, const char *bridge)
{
	const char *hull = getenv("HULL");
	DIR *d = hull ? opendir(root) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, 1);
			dup2(null, 2);
			execl(hull, hull, "--root", root, "delete", "--force", e->d_name, (char *)NULL);
			_exit(126);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	if (d)
		closedir(d);
	cg_rm_name = cg_parent;
	nftw("/sys/fs/cgroup", cg_kill, 32, FTW_PHYS);
	/* rmdir waits for nothing: a killed process leaves its cgroup at once
	 * once reaped, and the runner or init reaps it. Two passes. */
	for (int i = 0; i < 2; i++)
		nftw("/sys/fs/cgroup", cg_rm, 32, FTW_PHYS | FTW_DEPTH);
	delete_link(veth);
	if (strcmp(bridge, "-"))
		delete_link(bridge);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", root, bundle, (char *)NULL);
		_exit(126);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

void hf_sweep(void)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/htf-clean-%d", (int)getpid());
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[384], *text;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((text = ht_read(path))) {
			char *f[5] = { 0 };
			char *save = NULL, *tok = strtok_r(text, "\n", &save);
			for (int i = 0; i < 5 && tok; i++, tok = strtok_r(NULL, "\n", &save))
				f[i] = tok;
			if (f[4])
				objects_clean(f[0], f[1], f[2], f[3], f[4]);
			free(text);
		}
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Removes what a test left, without assertions. */
static void leftovers_clean(struct hf *h)
{
	ht_force_clean(&h->t);
	kill_children();
	delete_link(h->veth);
	delete_link(h->bridge);
	cg_rm_name = h->cg_parent;
	nftw("/sys/fs/cgroup", cg_rm, 32, FTW_PHYS | FTW_DEPTH);
	char path[128];
	record_path(h, path, sizeof(path));
	unlink(path);
	hf_current = NULL;
}

/* Only when a test returns early through exit() (a CK_NOFORK run). */
static void at_exit_clean(void)
{
	if (hf_current)
		leftovers_clean(hf_current);
}

void hf_begin(struct hf *h, bool own_rootfs)
{
	static unsigned seq;
	static bool registered;
	memset(h, 0, sizeof(*h));
	ht_begin(&h->t, own_rootfs);
	snprintf(h->cg_parent, sizeof(h->cg_parent), "htf%d-%u", getpid(), seq++);
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", h->cg_parent, h->t.id);
	json_object_set_new(json_object_get(h->t.cfg, "linux"), "cgroupsPath", json_string(path));
	hull_net_host_ifname(h->t.id, h->veth);
	record(h);
	h->n_fds = count_fds();
	hf_current = h;
	if (!registered) {
		atexit(at_exit_clean);
		registered = true;
	}
}

void hf_annotate(struct hf *h, const char *key, const char *value)
{
	json_t *a = json_object_get(h->t.cfg, "annotations");
	if (!a) {
		a = json_object();
		json_object_set_new(h->t.cfg, "annotations", a);
	}
	if (value)
		json_object_set_new(a, key, json_string(value));
	else
		json_object_del(a, key);
}

void hf_bridge(struct hf *h, bool remove_empty)
{
	snprintf(h->bridge, sizeof(h->bridge), "htfb%d", (int)(getpid() % 100000000));
	record(h);
	hf_annotate(h, "org.hull.net.bridge", h->bridge);
	hf_annotate(h, "org.hull.net.bridge.address", BRIDGE_ADDR);
	hf_annotate(h, "org.hull.net.address", CONTAINER_ADDR);
	hf_annotate(h, "org.hull.net.bridge.remove-empty", remove_empty ? "true" : NULL);
}

void hf_hook(struct hf *h, const char *kind, const char *path, ...)
{
	json_t *hooks = json_object_get(h->t.cfg, "hooks");
	if (!hooks) {
		hooks = json_object();
		json_object_set_new(h->t.cfg, "hooks", hooks);
	}
	json_t *list = json_object_get(hooks, kind);
	if (!list) {
		list = json_array();
		json_object_set_new(hooks, kind, list);
	}
	json_t *args = json_array();
	va_list ap;
	va_start(ap, path);
	for (const char *a; (a = va_arg(ap, const char *));)
		json_array_append_new(args, json_string(a));
	va_end(ap);
	json_array_append_new(list, json_pack("{s:s, s:o}", "path", path, "args", args));
}

void hf_start(char *const argv[], long nofile, struct hf_proc *p)
{
	p->out = memfd_create("hf-out", MFD_CLOEXEC);
	p->err = memfd_create("hf-err", MFD_CLOEXEC);
	ck_assert(p->out >= 0 && p->err >= 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
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
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(p->pidfd, 0);
}

static void proc_close(struct hf_proc *p)
{
	close(p->pidfd);
	close(p->out);
	close(p->err);
	p->pid = 0;
	p->pidfd = p->out = p->err = -1;
}

void hf_wait(struct hf_proc *p, struct ht_result *r, int timeout_ms)
{
	struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
	int n;
	while ((n = poll(&pf, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	bool timed_out = n == 0;
	if (timed_out)
		kill(p->pid, SIGKILL);
	int st;
	while (waitpid(p->pid, &st, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	r->status = timed_out ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = ht_slurp_fd(p->out);
	r->err = ht_slurp_fd(p->err);
	proc_close(p);
}

void hf_kill9(struct hf_proc *p)
{
	kill(p->pid, SIGKILL);
	while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
		;
	proc_close(p);
}

static size_t hull_argv(struct hf *h, char **argv, size_t n, size_t cap, va_list ap)
{
	argv[n++] = (char *)hull_bin();
	argv[n++] = "--root";
	argv[n++] = h->t.root;
	for (const char *a; (a = va_arg(ap, const char *)) && n < cap - 1;)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return n;
}

void hf_start_hull(struct hf *h, struct hf_proc *p, ...)
{
	char *argv[64];
	va_list ap;
	va_start(ap, p);
	hull_argv(h, argv, 0, 64, ap);
	va_end(ap);
	hf_start(argv, 0, p);
}

void hf_hull(struct hf *h, struct ht_result *r, long nofile, ...)
{
	char *argv[64];
	va_list ap;
	va_start(ap, nofile);
	hull_argv(h, argv, 0, 64, ap);
	va_end(ap);
	struct hf_proc p;
	hf_start(argv, nofile, &p);
	hf_wait(&p, r, 60000);
}

static void need_strace(void)
{
	ck_assert_msg(access(STRACE, X_OK) == 0, STRACE " is missing: apt-get install strace");
}

void hf_strace(struct hf *h, struct ht_result *r, const char *const injects[], const char *path, ...)
{
	need_strace();
	char *argv[96];
	char specs[8][256];
	size_t n = 0, k = 0;
	argv[n++] = STRACE;
	if (!h->hull_only)
		argv[n++] = "-f";
	argv[n++] = "-o";
	argv[n++] = "/dev/null";
	if (path) {
		argv[n++] = "-P";
		argv[n++] = (char *)path;
	}
	for (; injects[k] && k < 8; k++) {
		snprintf(specs[k], sizeof(specs[k]), "inject=%s", injects[k]);
		argv[n++] = "-e";
		argv[n++] = specs[k];
	}
	va_list ap;
	va_start(ap, path);
	hull_argv(h, argv, n, 96, ap);
	va_end(ap);
	struct hf_proc p;
	hf_start(argv, 0, &p);
	hf_wait(&p, r, 30000);
}

/* Whether line holds one of the '|'-separated strings of pattern. */
static bool holds(const char *line, const char *pattern)
{
	for (const char *p = pattern;;) {
		const char *bar = strchrnul(p, '|');
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)(bar - p), p);
		if (strstr(line, one))
			return true;
		if (!*bar)
			return false;
		p = bar + 1;
	}
}

static int find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		     char *path, size_t cap, bool must)
{
	need_strace();
	/* The traced run leaves no bridge behind: the next run makes it again,
	 * with the same calls. */
	json_t *ann = json_object_get(h->t.cfg, "annotations");
	json_t *rm = ann ? json_incref(json_object_get(ann, "org.hull.net.bridge.remove-empty")) : NULL;
	if (h->bridge[0])
		hf_annotate(h, "org.hull.net.bridge.remove-empty", "true");
	ht_write_config(&h->t);
	char trace[128], expr[64];
	snprintf(trace, sizeof(trace), "%s/strace.out", h->t.bundle);
	snprintf(expr, sizeof(expr), "trace=%s", sys);
	char *argv[32];
	size_t n = 0;
	argv[n++] = STRACE;
	argv[n++] = "-f";
	argv[n++] = "-qq";
	argv[n++] = "-s";
	argv[n++] = "4096";
	if (with_y)
		argv[n++] = "-y";
	argv[n++] = "-o";
	argv[n++] = trace;
	argv[n++] = "-e";
	argv[n++] = expr;
	argv[n++] = (char *)hull_bin();
	argv[n++] = "--root";
	argv[n++] = h->t.root;
	argv[n++] = "run";
	argv[n++] = "--bundle";
	argv[n++] = h->t.bundle;
	argv[n++] = h->t.id;
	argv[n] = NULL;
	struct hf_proc p;
	struct ht_result r;
	hf_start(argv, 0, &p);
	hf_wait(&p, &r, 30000);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	if (h->bridge[0]) {
		if (rm)
			json_object_set(ann, "org.hull.net.bridge.remove-empty", rm);
		else
			hf_annotate(h, "org.hull.net.bridge.remove-empty", NULL);
		ck_assert_msg(link_gone(h->veth, 5000), "veth %s outlived the traced run", h->veth);
		ck_assert_msg(link_gone(h->bridge, 5000), "bridge %s outlived the traced run", h->bridge);
	}
	json_decref(rm);
	ht_write_config(&h->t);

	char *text = ht_read(trace);
	ck_assert_ptr_nonnull(text);
	unlink(trace);
	struct { int pid, count; } seen[64];
	size_t n_seen = 0;
	int found = 0;
	size_t len = strlen(sys);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *p2;
		int pid = (int)strtol(line, &p2, 10);
		while (*p2 == ' ')
			p2++;
		if (strncmp(p2, sys, len) || p2[len] != '(')
			continue;
		size_t i = 0;
		while (i < n_seen && seen[i].pid != pid)
			i++;
		if (i == n_seen) {
			ck_assert_uint_lt(n_seen, 64);
			seen[n_seen++] = (typeof(seen[0])){ pid, 0 };
		}
		seen[i].count++;
		if (holds(line, pattern) && (last || !found)) {
			found = seen[i].count;
			/* The path: the first fd's (-y: "<path>") or string argument's. */
			const char *a = with_y ? strchr(p2, '<') : strchr(p2, '"');
			const char *z = a ? strchr(a + 1, with_y ? '>' : '"') : NULL;
			if (path)
				snprintf(path, cap, "%.*s", a && z ? (int)(z - a - 1) : 0, a ? a + 1 : "");
		}
	}
	free(text);
	ck_assert_msg(found > 0 || !must, "no %s call holds %s", sys, pattern);
	ck_assert_msg(!found || !path || *path, "no path in the %s call holding %s", sys, pattern);
	return found;
}

int hf_find_call(struct hf *h, const char *sys, const char *pattern, bool last, bool with_y,
		 char *path, size_t cap)
{
	return find_call(h, sys, pattern, last, with_y, path, cap, true);
}

static void assert_error_line(const struct ht_result *r, int status, const char *want)
{
	ck_assert_msg(r->status != -1, "strace did not end within 30 s: hull left a traced process");
	ck_assert_msg(r->status == status && !strncmp(r->err, "hull: ", 6) && hf_lines(r->err) == 1 &&
			      r->err[strlen(r->err) - 1] == '\n' && strstr(r->err, want),
		      "want exit %d and one line \"hull: ...\" holding \"%s\"; got exit %d\nstderr: %s",
		      status, want, r->status, r->err);
}

void hf_expect_fault(struct hf *h, const char *const injects[], const char *path, int want_status,
		     const char *want)
{
	ht_write_config(&h->t);
	struct ht_result r;
	hf_strace(h, &r, injects, path, "run", "--bundle", h->t.bundle, h->t.id, NULL);
	assert_error_line(&r, want_status, want);
	ht_result_free(&r);
	hf_finish(h);
}

static bool mine(const struct hf *h, const char *line)
{
	return strstr(line, h->t.root) || strstr(line, h->t.bundle) || strstr(line, h->t.id) ||
	       strstr(line, h->cg_parent);
}

#define ADD(...) snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), __VA_ARGS__)

void hf_finish(struct hf *h)
{
	char msg[8192] = "", names[2048] = "";
	size_t n;
	if ((n = children_after(2000, names, sizeof(names))))
		ADD("%zu processes left %s; ", n, names);
	DIR *d = opendir(h->t.root);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			ADD("state dir %s/%s left; ", h->t.root, e->d_name);
	if (d)
		closedir(d);
	char *mi = ht_read("/proc/self/mountinfo");
	for (char *line = mi, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *at = strstr(h->t.mountinfo, line);
		bool known = at && (at == h->t.mountinfo || at[-1] == '\n') && at[strlen(line)] == '\n';
		if (known)
			continue;
		if (mine(h, line))
			ADD("mount left: %s; ", line);
	}
	free(mi);
	if (hf_cgroup_exists(h->cg_parent))
		ADD("cgroup %s left; ", cg_found);
	if (hf_cgroup_exists(h->t.id))
		ADD("cgroup %s left; ", cg_found);
	if (!link_gone(h->veth, 5000))
		ADD("link %s left; ", h->veth);
	if (h->bridge[0] && !link_gone(h->bridge, 2000))
		ADD("bridge %s left; ", h->bridge);
	if ((n = count_fds()) != h->n_fds)
		ADD("%zu fds open, %zu before; ", n, h->n_fds);
	leftovers_clean(h);
	ck_assert_msg(!*msg, "host not clean: %s", msg);
}

/* ---- fault injection ---- */

#define INJ(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void inject_at(struct hf *h, const char *sys, const char *err, int when, const char *want)
{
	char spec[128];
	snprintf(spec, sizeof(spec), "%s:error=%s:when=%d", sys, err, when);
	hf_expect_fault(h, INJ(spec), NULL, 1, want);
}

START_TEST(mount_first)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	inject_at(&h, "mount", "EPERM", 1, "Operation not permitted");
}
END_TEST

/* The k-th mount: /dev/pts of the config's mounts, then the last mount of all. */
START_TEST(mount_kth)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	int n = hf_find_call(&h, "mount", "\"devpts\"", false, false, NULL, 0);
	inject_at(&h, "mount", "EPERM", n, "Operation not permitted");

	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	n = hf_find_call(&h, "mount", "", true, false, NULL, 0);
	ck_assert_int_gt(n, 2);
	inject_at(&h, "mount", "EPERM", n, "Operation not permitted");
}
END_TEST

START_TEST(pivot_root)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	inject_at(&h, "pivot_root", "EPERM", 1, "Operation not permitted");
}
END_TEST

/* Every clone3 of hull fails (a first try may be a variant with a fallback,
 * CLONE_INTO_CGROUP). */
START_TEST(clone3)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_expect_fault(&h, INJ("clone3:error=EAGAIN"), NULL, 1, "Resource temporarily unavailable");
}
END_TEST

/* When hull's first clone3 asks for CLONE_INTO_CGROUP, a failure of that
 * one alone is not an error: hull clones its helper without it and attaches
 * it afterwards. strace counts calls per process, so only hull's own is
 * traced: the helper's clone3 of the init must not fail too. */
START_TEST(clone3_into_cgroup)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "echo", "ran", NULL);
	if (find_call(&h, "clone3", "CLONE_INTO_CGROUP", false, false, NULL, 0, false) != 1) {
		hf_finish(&h);
		return;	/* this hull does not clone into the cgroup */
	}
	struct ht_result r;
	h.hull_only = true;
	hf_strace(&h, &r, INJ("clone3:error=EBUSY:when=1"), NULL, "run", "--bundle", h.t.bundle,
		  h.t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "ran\n");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

/* Without clone3 (a kernel before 5.3) hull clones with clone(2). */
START_TEST(clone_fallback)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	hf_expect_fault(&h, INJ("clone3:error=ENOSYS", "clone:error=ENOMEM"), NULL, 1,
			"Cannot allocate memory");
}
END_TEST

/* Fails the first call of sys on the path the traced run's first (or last)
 * call holding pattern had (-P: strace counts the calls on that path only,
 * whichever process makes them). */
static void inject_on_path(struct hf *h, const char *sys, const char *pattern, bool last,
			   bool with_y, const char *err, const char *want)
{
	char path[4200], spec[128];
	hf_find_call(h, sys, pattern, last, with_y, path, sizeof(path));
	snprintf(spec, sizeof(spec), "%s:error=%s:when=1", sys, err);
	hf_expect_fault(h, INJ(spec), path, 1, want);
}

/* The parent cgroup hull makes (cg_parent), in the first hierarchy. */
START_TEST(cgroup_mkdir_parent)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	char pat[64];
	snprintf(pat, sizeof(pat), "/%s\"", h.cg_parent);
	inject_on_path(&h, "mkdir", pat, false, false, "ENOSPC", "No space left on device");
}
END_TEST

/* The container's own directory, in the first and in the last hierarchy:
 * its parent was made just before and must go too. */
START_TEST(cgroup_mkdir_dir)
{
	for (int last = 0; last < 2; last++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		char pat[80];
		snprintf(pat, sizeof(pat), "/%s\"", h.t.id);
		inject_on_path(&h, "mkdir", pat, last, false, "ENOSPC", "No space left on device");
	}
}
END_TEST

static void limits(struct hf *h)
{
	json_t *res = json_object_get(json_object_get(h->t.cfg, "linux"), "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(json_object_get(h->t.cfg, "linux"), "resources", res);
	}
	json_object_set_new(res, "pids", json_pack("{s:i}", "limit", 100));
	json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)256 << 20));
}

/* The first write to a cgroup file, a limit, and the first and last
 * attach (cgroup.procs, or tasks when the init moves itself; after the
 * clone: the init must go). */
START_TEST(cgroup_write)
{
	static const struct { const char *pattern; bool last; const char *err, *want; } at[] = {
		{ "</sys/fs/cgroup/", false, "EINVAL", "Invalid argument" },
		{ "pids.max>", false, "EINVAL", "Invalid argument" },
		{ "cgroup.procs>|tasks>", false, "EBUSY", "Device or resource busy" },
		{ "cgroup.procs>|tasks>", true, "ENOSPC", "No space left on device" },
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		limits(&h);
		inject_on_path(&h, "write", at[i].pattern, at[i].last, true, at[i].err, at[i].want);
	}
}
END_TEST

/* rtnetlink requests of a bridge-mode create: the first (is the bridge
 * there), the bridge's creation, the veth's, and the first one in the
 * container's netns. hull made the bridge: it goes with the failed create. */
START_TEST(netlink_sendto)
{
	static const struct { const char *pattern; int after; } at[] = {
		{ "RTM_GETLINK", 0 },
		{ "NLM_F_CREATE", 0 },
		{ "\"veth\"", 0 },
		{ "\"veth\"", 1 },
	};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		hf_bridge(&h, false);
		hf_annotate(&h, "org.hull.net.gateway", "198.18.30.1");
		int n = hf_find_call(&h, "sendto", at[i].pattern, false, false, NULL, 0) + at[i].after;
		inject_at(&h, "sendto", "ENOBUFS", n, "No buffer space available");
	}
}
END_TEST

/* hull's own setns calls for its netlink socket in the container's netns
 * (into it, and back if it does that): each failure is reported, nothing
 * is left. */
START_TEST(setns_bridge)
{
	int calls = 0;
	for (int when = 1; when == 1 || when <= calls; when++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		hf_bridge(&h, false);
		if (when == 1)
			calls = hf_find_call(&h, "setns", "CLONE_NEWNET", true, false, NULL, 0);
		inject_at(&h, "setns", "EINVAL", when, "Invalid argument");
	}
}
END_TEST

/* A container joining a netns by path: the init's setns. */
START_TEST(setns_join_path)
{
	struct hf h;
	hf_begin(&h, false);
	int keep;
	pid_t holder = ht_ns_holder(CLONE_NEWNET, &keep);
	ht_args(&h.t, "true", NULL);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)holder);
	json_t *nss = json_object_get(json_object_get(h.t.cfg, "linux"), "namespaces"), *ns;
	size_t i;
	json_array_foreach(nss, i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), "network"))
			json_object_set_new(ns, "path", json_string(path));
	/* The holder is a child of the test: it must be gone before the check. */
	ht_write_config(&h.t);
	struct ht_result r;
	hf_strace(&h, &r, INJ("setns:error=EPERM:when=1"), NULL, "run", "--bundle", h.t.bundle, h.t.id,
		  NULL);
	close(keep);
	waitpid(holder, NULL, 0);
	assert_error_line(&r, 1, "Operation not permitted");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

/* hull exec: its setns into the container, its fork, the helper's clone3
 * (each one: a first may have a fallback), the process's execve. The
 * container runs on untouched. */
START_TEST(exec_faults)
{
	static const struct { const char *inject, *path, *want; } at[] = {
		{ "setns:error=EPERM:when=1", NULL, "Operation not permitted" },
		{ "clone3:error=EAGAIN:when=1", NULL, "Resource temporarily unavailable" },
		{ "clone3:error=EAGAIN", NULL, "Resource temporarily unavailable" },
		{ "execve:error=EACCES:when=1", "/bin/hf-true", "Permission denied" },
	};
	struct hf h;
	hf_begin(&h, true);
	char script[4300];
	snprintf(script, sizeof(script), "%s/bin/hf-true", h.t.rootfs);
	FILE *f = fopen(script, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_start_ready(&h.t, "up\n");
	char status[32];
	pid_t pid = ht_state_pid(&h.t, h.t.id, status, sizeof(status));
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct ht_result r;
		hf_strace(&h, &r, INJ(at[i].inject), at[i].path, "exec", h.t.id, "/bin/hf-true", NULL);
		assert_error_line(&r, 1, at[i].want);
		ht_result_free(&r);
		ck_assert_int_eq(ht_state_pid(&h.t, h.t.id, status, sizeof(status)), pid);
		ck_assert_str_eq(status, "running");
	}
	ht_ok(&h.t, "exec", h.t.id, "/bin/hf-true", NULL);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* hull exec: the helper that clones the process is held after its clone3,
 * so the process's own report (in its cgroup) reaches hull before the
 * helper's report of its pid. Both orders are hull's to take; under load
 * the CRI test of containerd met this one. */
START_TEST(exec_pid_reported_late)
{
	struct hf h;
	hf_begin(&h, true);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_start_ready(&h.t, "up\n");
	for (int i = 0; i < 2; i++) {
		struct ht_result r;
		hf_strace(&h, &r, INJ("clone3:delay_exit=300000"), NULL, "exec", h.t.id,
			  "sh", "-c", "echo ran; exit 5", NULL);
		ck_assert_msg(r.status == 5 && !strcmp(r.out, "ran\n"),
			      "exec: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
		ht_result_free(&r);
	}
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* The container's process: its execve (the only call strace sees on that
 * path, -P) fails after start, which the init tells start: run fails with
 * its message. */
START_TEST(execve_process)
{
	struct hf h;
	hf_begin(&h, true);
	char script[4300];
	snprintf(script, sizeof(script), "%s/bin/hf-true", h.t.rootfs);
	FILE *f = fopen(script, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	ht_args(&h.t, "/bin/hf-true", NULL);
	hf_expect_fault(&h, INJ("execve:error=EACCES:when=1"), "/bin/hf-true", 1,
			"exec: \"/bin/hf-true\": Permission denied");
}
END_TEST

/* A createRuntime hook's execve: the first of two hooks, then the second
 * (strace counts per process and each hook is one: the second is told
 * apart by its path, -P). */
START_TEST(execve_hook)
{
	for (int k = 0; k < 2; k++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		char hook[2][128];
		for (int i = 0; i < 2; i++) {
			snprintf(hook[i], sizeof(hook[i]), "%s/hook%d.sh", h.t.bundle, i);
			FILE *f = fopen(hook[i], "we");
			ck_assert_ptr_nonnull(f);
			fputs("#!/bin/sh\nexit 0\n", f);
			fclose(f);
			ck_assert_int_eq(chmod(hook[i], 0755), 0);
			hf_hook(&h, "createRuntime", hook[i], "hook.sh", NULL);
		}
		char want[64];
		snprintf(want, sizeof(want), "hooks.createRuntime[%d]", k);
		ht_write_config(&h.t);
		struct ht_result r;
		hf_strace(&h, &r, INJ("execve:error=EACCES:when=1"), hook[k], "run", "--bundle",
			  h.t.bundle, h.t.id, NULL);
		assert_error_line(&r, 1, want);
		ck_assert_msg(strstr(r.err, "Permission denied"), "%s", r.err);
		ht_result_free(&r);
		hf_finish(&h);
	}
}
END_TEST

/* ---- SIGKILL at the points where hull waits ---- */

/* A hook that says "at-hook" on the fifo D/at, then waits for a line on
 * the fifo D/release (opened read-write first: never blocks), unless
 * D/released exists. */
struct gate {
	int at;
	char dir[128];
};

#define GATE_SCRIPT(d) \
	"[ -e " d "/released ] && exit 0; exec 3<>" d "/release; echo at-hook > " d "/at; read x <&3"

static void gate_make(struct hf *h, struct gate *g)
{
	ht_add_sync(&h->t);
	snprintf(g->dir, sizeof(g->dir), "%s/sync", h->t.bundle);
	char p[200];
	snprintf(p, sizeof(p), "%s/at", g->dir);
	ck_assert_int_eq(mkfifo(p, 0666), 0);
	g->at = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(g->at, 0);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	ck_assert_int_eq(mkfifo(p, 0666), 0);
}

/* The host's /bin/sh running the gate on D = the bundle's sync dir. */
static void gate_hook_host(struct hf *h, struct gate *g, const char *kind)
{
	char script[512];
	snprintf(script, sizeof(script), GATE_SCRIPT("%s"), g->dir, g->dir, g->dir);
	hf_hook(h, kind, "/bin/sh", "sh", "-c", script, NULL);
}

static void gate_wait(struct gate *g)
{
	struct pollfd p = { .fd = g->at, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "the hook never said at-hook");
	char buf[64];
	ssize_t n = read(g->at, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "at-hook\n");
}

static void gate_release(struct gate *g)
{
	char p[200];
	snprintf(p, sizeof(p), "%s/released", g->dir);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/release", g->dir);
	/* No reader: the hook died already (one in the container dies with
	 * its init). */
	fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_msg(fd >= 0 || errno == ENXIO, "%s: %s", p, strerror(errno));
	if (fd >= 0) {
		ck_assert_int_eq(write(fd, "go\n", 3), 3);
		close(fd);
	}
}

static void gate_close(struct gate *g)
{
	close(g->at);
}

/* Blocks `hull create` in a hook of kind, kills it, lets the hook go and
 * deletes with --force. */
static void kill_create_at(const char *kind)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	gate_hook_host(&h, &g, kind);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	struct hf_proc p;
	hf_start_hull(&h, &p, "create", "--bundle", h.t.bundle, h.t.id, NULL);
	gate_wait(&g);
	hf_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	gate_close(&g);
	hf_finish(&h);
}

START_TEST(kill_create_in_create_runtime)
{
	kill_create_at("createRuntime");
}
END_TEST

START_TEST(kill_create_in_create_container)
{
	kill_create_at("createContainer");
}
END_TEST

/* `hull start` waits for the exec while the init runs startContainer (in
 * the container: its sh, the gate at /mnt). */
START_TEST(kill_start_in_start_container)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	hf_hook(&h, "startContainer", "/bin/sh", "sh", "-c", GATE_SCRIPT("/mnt"), NULL);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	ht_ok(&h.t, "create", "--bundle", h.t.bundle, h.t.id, NULL);
	struct hf_proc p;
	hf_start_hull(&h, &p, "start", h.t.id, NULL);
	gate_wait(&g);
	hf_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	gate_close(&g);
	hf_finish(&h);
}
END_TEST

/* A foreground `run` waiting for its container. */
START_TEST(kill_run_waiting)
{
	struct hf h;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_write_config(&h.t);
	struct hf_proc p;
	hf_start_hull(&h, &p, "run", "--bundle", h.t.bundle, h.t.id, NULL);
	char *line = ht_wait_ready(&h.t);
	ck_assert_str_eq(line, "up\n");
	free(line);
	hf_kill9(&p);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* `delete` in a poststop hook (the container is gone, its state dir not
 * yet): a second `delete --force` finishes it. */
START_TEST(kill_delete_in_poststop)
{
	struct hf h;
	struct gate g;
	hf_begin(&h, false);
	hf_bridge(&h, true);
	gate_make(&h, &g);
	gate_hook_host(&h, &g, "poststop");
	ht_sh(&h.t, "exec sleep 300");
	ht_write_config(&h.t);
	ht_ok(&h.t, "run", "--detach", "--bundle", h.t.bundle, h.t.id, NULL);
	struct hf_proc p;
	hf_start_hull(&h, &p, "delete", "--force", h.t.id, NULL);
	gate_wait(&g);
	hf_kill9(&p);
	gate_release(&g);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	struct ht_result r;
	ht_hull(&h.t, &r, NULL, "state", h.t.id, NULL);
	ht_assert_error(&r, "does not exist");
	ht_result_free(&r);
	gate_close(&g);
	hf_finish(&h);
}
END_TEST

HULL_SUITE(faults, integration)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("inject");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	tcase_add_test(tc, mount_first);
	tcase_add_test(tc, mount_kth);
	tcase_add_test(tc, pivot_root);
	tcase_add_test(tc, clone3);
	tcase_add_test(tc, clone_fallback);
	tcase_add_test(tc, clone3_into_cgroup);
	tcase_add_test(tc, cgroup_mkdir_parent);
	tcase_add_test(tc, cgroup_mkdir_dir);
	tcase_add_test(tc, cgroup_write);
	tcase_add_test(tc, netlink_sendto);
	tcase_add_test(tc, setns_bridge);
	tcase_add_test(tc, setns_join_path);
	tcase_add_test(tc, exec_faults);
	tcase_add_test(tc, exec_pid_reported_late);
	tcase_add_test(tc, execve_process);
	tcase_add_test(tc, execve_hook);
	suite_add_tcase(s, tc);
	tc = tcase_create("kill9");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	tcase_add_test(tc, kill_create_in_create_runtime);
	tcase_add_test(tc, kill_create_in_create_container);
	tcase_add_test(tc, kill_start_in_start_container);
	tcase_add_test(tc, kill_run_waiting);
	tcase_add_test(tc, kill_delete_in_poststop);
	suite_add_tcase(s, tc);
	return s;
}
