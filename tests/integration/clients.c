/* docker and podman with hull in place of runc, runc beside it (see
 * clients.h). Each client gets a private world in a temp dir, made by its
 * test case's unchecked fixture and removed by its teardown, even when a
 * check failed: dockerd with its own data root, exec root, socket and
 * pidfile, every network feature off (no bridge, no iptables, no
 * forwarding, no masquerade) and hull added by daemon.json's "runtimes"
 * as the README says; podman with its own containers.conf (a "runtimes"
 * entry for hull, cgroupfs, network none, and default_ulimits this host
 * can grant: it lacks CAP_SYS_RESOURCE) and storage.conf. The image is
 * the fixture's rootfs, imported (no registry is reachable). Every
 * container sits under a cgroup parent of the suite's own.
 *
 * The checks (clients-ops.c) add rows to a table file; the teardown
 * prints it (operation | runc | hull) and appends it to
 * $HULL_CLIENTS_TABLE when that is set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clients.h"
#include "containerd.h"

#define DOCKERD "/usr/sbin/dockerd"
#define DOCKER "/usr/bin/docker"
#define PODMAN "/usr/bin/podman"

struct cl_client cl;
const char *const cl_runtimes[CL_RUNTIMES] = { "runc", "hull" };

/* The cgroup parent of every container of the suite (per runner). */
static char cg_parent[64];
static pid_t owner;	/* the runner: forked checks never stop the world */
/* dockerd 20.10 writes its trust key to /etc/docker/key.json whatever its
 * roots: removed at the end when it was not there before */
#define DOCKER_KEY "/etc/docker/key.json"
static bool key_was_there;

double cl_now(void)
{
	return ctd_now();
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ctd_file_put(path, text, 0600);
}

/* ---- command lines ---- */

char **cl_argv(const char *rt, const char *const *args)
{
	static char *argv[96];
	static char buf[3][PATH_MAX];
	int n = 0;
	bool hull = !strcmp(rt, "hull");
	if (cl.kind == CL_DOCKER) {
		argv[n++] = DOCKER;
		snprintf(buf[0], sizeof(buf[0]), "unix://%s", cl.sock);
		argv[n++] = "-H";
		argv[n++] = buf[0];
	} else {
		argv[n++] = PODMAN;
		argv[n++] = "--runtime";
		argv[n++] = hull ? "hull" : CL_RUNC;
	}
	for (size_t i = 0; args[i] && n < 90; i++) {
		argv[n++] = (char *)args[i];
		/* the runtime and the cgroup parent go with every container made */
		if (i == 0 && (!strcmp(args[0], "run") || !strcmp(args[0], "create"))) {
			snprintf(buf[1], sizeof(buf[1]), "--cgroup-parent=%s", cg_parent);
			argv[n++] = buf[1];
			if (cl.kind == CL_DOCKER) {
				snprintf(buf[2], sizeof(buf[2]), "--runtime=%s", rt);
				argv[n++] = buf[2];
			}
		}
	}
	argv[n] = NULL;
	return argv;
}

/* ctd_spawn, reaping every child while it waits: the caller is a child
 * subreaper (cl_begin), and conmon, which podman leaves to be adopted,
 * must not linger as a zombie (podman waits up to 20 s for a conmon pid to
 * go; this host's pid 1 reaps late). */
static int spawn_reaping(char *const argv[], struct ht_result *r, double timeout)
{
	int out = memfd_create("cl-out", MFD_CLOEXEC), err = memfd_create("cl-err", MFD_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(r && out >= 0 ? out : null, 1);
		dup2(r && err >= 0 ? err : null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	int status = -2, st;
	double end = cl_now() + timeout;
	while (pid > 0) {
		pid_t w = waitpid(-1, &st, WNOHANG);
		if (w == pid) {
			status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		if (w > 0)
			continue;
		if (cl_now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			status = -1;
			break;
		}
		ctd_pause_ms(2);
	}
	if (r) {
		r->status = status;
		r->out = ht_slurp_fd(out);
		r->err = ht_slurp_fd(err);
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	return status;
}

void cl_begin(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

void cl_cmd(struct ht_result *r, const char *rt, double timeout, const char *const *args)
{
	spawn_reaping(cl_argv(rt, args), r, timeout);
}

void cl_do(struct ht_result *r, const char *rt, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, rt);
	while (n < 63 && (args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	args[n] = NULL;
	cl_cmd(r, rt, 60, args);
}

const char *cl_name(const char *rt, const char *what)
{
	static char name[128];
	snprintf(name, sizeof(name), "hcl-%d-%s-%s", (int)getpid(), rt, what);
	return name;
}

void cl_remove(const char *rt, const char *name)
{
	const char *args[] = { "rm", "-f", name, NULL };
	cl_cmd(NULL, rt, 30, args);
}

/* ---- the table ---- */

void cl_table_row(const char *op, const char *runc, const char *hull)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/table", cl.dir);
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "| %s | %s | %s | %s |\n", cl.name, op, runc, hull);
	fclose(f);
}

static void print_table(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/table", cl.dir);
	char *t = ht_read(path);
	if (!t)
		return;
	const char *head = "| client | operation | runc | hull |\n|---|---|---|---|\n";
	printf("\nclients suite, %s:\n%s%s", cl.name, head, t);
	const char *keep = getenv("HULL_CLIENTS_TABLE");
	FILE *f = keep ? fopen(keep, "a") : NULL;
	if (f) {
		fprintf(f, "%s%s", head, t);
		fclose(f);
	}
	fflush(stdout);
	free(t);
}

/* ---- starting and stopping the worlds ---- */

static void make_world(const char *name)
{
	memset(&cl, 0, sizeof(cl));
	cl.name = name;
	cl.kind = !strcmp(name, "docker") ? CL_DOCKER : CL_PODMAN;
	snprintf(cl.dir, sizeof(cl.dir), "/tmp/hcl-%s-%d-XXXXXX", name, (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(cl.dir));
	snprintf(cg_parent, sizeof(cg_parent), "/hcl-%d", (int)getpid());
	owner = getpid();
}

/* Imports the fixture's rootfs as CL_IMAGE. */
static void import_image(void)
{
	char script[PATH_MAX * 2];
	const char *fixture = getenv("HULL_FIXTURE");
	char **argv = cl_argv("runc", (const char *const[]){ "import", "-", CL_IMAGE, NULL });
	int len = snprintf(script, sizeof(script), "tar -C '%s/rootfs' -c . |", fixture);
	for (char **a = argv; *a; a++)
		len += snprintf(script + len, sizeof(script) - len, " '%s'", *a);
	char *sh[] = { "/bin/sh", "-c", script, NULL };
	struct ht_result r;
	spawn_reaping(sh, &r, 120);
	ck_assert_msg(r.status == 0, "%s import: exit %d\n%s", cl.name, r.status, r.err);
	ht_result_free(&r);
}

static void start_dockerd(void)
{
	const char *hull = getenv("HULL");
	char text[PATH_MAX * 2], path[PATH_MAX];
	snprintf(text, sizeof(text), "{\"runtimes\": {\"hull\": {\"path\": \"%s\"}}}\n", hull);
	put(cl.dir, "daemon.json", text);
	snprintf(cl.sock, sizeof(cl.sock), "%s/docker.sock", cl.dir);
	key_was_there = access(DOCKER_KEY, F_OK) == 0;
	snprintf(path, sizeof(path), "%s/dockerd.log", cl.dir);
	int log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(log, 0);
	char a[6][PATH_MAX];
	snprintf(a[0], sizeof(a[0]), "--data-root=%s/data", cl.dir);
	snprintf(a[1], sizeof(a[1]), "--exec-root=%s/exec", cl.dir);
	snprintf(a[2], sizeof(a[2]), "--host=unix://%s", cl.sock);
	snprintf(a[3], sizeof(a[3]), "--pidfile=%s/docker.pid", cl.dir);
	snprintf(a[4], sizeof(a[4]), "--config-file=%s/daemon.json", cl.dir);
	snprintf(a[5], sizeof(a[5]), "--containerd-namespace=hcl-%d", (int)getpid());
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		setpgid(0, 0);
		execl(DOCKERD, "dockerd", a[0], a[1], a[2], a[3], a[4], a[5], "--bridge=none",
		      "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		      "--userland-proxy=false", "--exec-opt", "native.cgroupdriver=cgroupfs", (char *)NULL);
		_exit(127);
	}
	close(log);
	cl.daemon = pid;
	ctd_wait_daemon(&cl.daemon, "dockerd", cl.sock, path, 60);
}

static void write_podman_conf(void)
{
	const char *hull = getenv("HULL");
	char text[PATH_MAX * 4];
	/* default_ulimits: podman asks for nofile and nproc above this
	 * host's hard limits, which only CAP_SYS_RESOURCE may raise. No
	 * static_dir, volume_path or events file of our own: they follow the
	 * graph root and tmp_dir, which conmon's cleanup command is given; a
	 * static_dir it is not given makes every `run` wait 20 s for an exit
	 * the cleanup wrote to another database (podman issue 19938). */
	snprintf(text, sizeof(text),
		 "[containers]\n"
		 "default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]\n"
		 "netns = \"none\"\n"
		 "log_driver = \"k8s-file\"\n"
		 "[engine]\n"
		 "cgroup_manager = \"cgroupfs\"\n"
		 "events_logger = \"file\"\n"
		 "tmp_dir = \"%s/tmp\"\n"
		 "[engine.runtimes]\n"
		 "hull = [\"%s\"]\n", cl.dir, hull);
	put(cl.dir, "containers.conf", text);
	snprintf(text, sizeof(text), "[storage]\ndriver = \"overlay\"\ngraphroot = \"%s/root\"\n"
		 "runroot = \"%s/runroot\"\n", cl.dir, cl.dir);
	put(cl.dir, "storage.conf", text);
	snprintf(text, sizeof(text), "%s/containers.conf", cl.dir);
	setenv("CONTAINERS_CONF", text, 1);
	snprintf(text, sizeof(text), "%s/storage.conf", cl.dir);
	setenv("CONTAINERS_STORAGE_CONF", text, 1);
	/* no registry is reachable and none is asked: the image is local */
	snprintf(text, sizeof(text), "%s/registries.conf", cl.dir);
	ctd_file_put(text, "unqualified-search-registries = []\n", 0600);
	setenv("CONTAINERS_REGISTRIES_CONF", text, 1);
}

/* Removes every container of the client's, whatever state it is in. */
static void remove_all(void)
{
	char **argv = cl_argv("runc", (const char *const[]){ "ps", "-aq", NULL });
	struct ht_result r;
	spawn_reaping(argv, &r, 30);
	for (char *id = strtok(r.out, "\n"); id; id = strtok(NULL, "\n"))
		cl_remove("runc", id);
	ht_result_free(&r);
}

/* rmdir of a cgroup dir and the dirs under it, in every hierarchy. */
static void rmdir_tree(const char *path)
{
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char sub[PATH_MAX];
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rmdir_tree(sub);
	}
	if (d) {
		closedir(d);
		rmdir(path);
	}
}

static void remove_cgroups(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	char path[PATH_MAX];
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s", e->d_name, cg_parent);
		rmdir_tree(path);
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", cg_parent);
	rmdir_tree(path);
}

/* Unmounts everything under cl.dir, deepest first. */
static void unmount_all(void)
{
	size_t dl = strlen(cl.dir);
	for (int round = 0; round < 512; round++) {
		char *mi = ht_read("/proc/self/mountinfo"), best[PATH_MAX] = "";
		for (char *line = mi; line && *line;) {
			char *nl = strchr(line, '\n'), mp[PATH_MAX];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strncmp(mp, cl.dir, dl) &&
			    mp[dl] == '/' && strlen(mp) > strlen(best))
				snprintf(best, sizeof(best), "%s", mp);
			line = nl ? nl + 1 : NULL;
		}
		free(mi);
		if (!*best || umount2(best, MNT_DETACH) != 0)
			break;
	}
}

/* Processes whose command line names cl.dir (shims, conmon, containerd). */
static void kill_leftovers(void)
{
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		char buf[4096];
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len <= 0)
			continue;
		for (ssize_t i = 0; i < len; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		buf[len] = 0;
		if (strstr(buf, cl.dir)) {
			fprintf(stderr, "clients suite: killing a leftover: %d %.200s\n", atoi(e->d_name), buf);
			kill(atoi(e->d_name), SIGKILL);
		}
	}
	if (d)
		closedir(d);
}

static void stop_world(void)
{
	if (!cl.dir[0] || getpid() != owner)
		return;
	if (!cl.skip[0])
		remove_all();
	print_table();
	if (cl.daemon > 0) {
		kill(cl.daemon, SIGTERM);
		if (ctd_wait_bounded(cl.daemon, 30) == -1)
			fprintf(stderr, "clients suite: dockerd %d ignored SIGTERM for 30 s\n", cl.daemon);
		cl.daemon = 0;
		if (!key_was_there && unlink(DOCKER_KEY) == 0)
			rmdir("/etc/docker");
	}
	kill_leftovers();
	unmount_all();
	char *rm[] = { "/bin/rm", "-rf", "--one-file-system", cl.dir, NULL };
	ctd_spawn(rm, NULL, 60);
	remove_cgroups();
	/* the dirs the shims made, when no system containerd uses them */
	if (access("/run/containerd/containerd.sock", F_OK) != 0) {
		rmdir("/run/containerd/s");
		rmdir("/run/containerd/fifo");
		rmdir("/run/containerd");
	}
	cl.dir[0] = 0;
	unsetenv("CONTAINERS_CONF");
	unsetenv("CONTAINERS_STORAGE_CONF");
	unsetenv("CONTAINERS_REGISTRIES_CONF");
}

static void setup(const char *name, const char *bin)
{
	const char *hull = getenv("HULL"), *fixture = getenv("HULL_FIXTURE");
	ck_assert_msg(hull && fixture, "HULL and HULL_FIXTURE must be set (make check-clients)");
	make_world(name);
	cl_begin();
	if (access(bin, X_OK) != 0) {
		snprintf(cl.skip, sizeof(cl.skip), "%s is not installed (make deps installs Debian's %s)",
			 bin, cl.kind == CL_DOCKER ? "docker.io" : name);
		return;
	}
	if (access(CL_RUNC, X_OK) != 0) {
		snprintf(cl.skip, sizeof(cl.skip), "%s is not installed: no runc to compare with", CL_RUNC);
		return;
	}
	if (cl.kind == CL_DOCKER)
		start_dockerd();
	else
		write_podman_conf();
	import_image();
}

static void setup_docker(void)
{
	setup("docker", DOCKERD);
}

static void setup_podman(void)
{
	setup("podman", PODMAN);
}

static void at_exit(void)
{
	stop_world();
}

static void teardown(void)
{
	stop_world();
}

HULL_TESTS(clients_ops);

HULL_SUITE(clients, integration)
{
	static bool registered;
	if (!registered) {
		atexit(at_exit);
		registered = true;
	}
	Suite *s = suite_create("clients");
	const char *names[] = { "docker", "podman" };
	void (*setups[])(void) = { setup_docker, setup_podman };
	for (int i = 0; i < 2; i++) {
		TCase *tc = tcase_create(names[i]);
		tcase_set_tags(tc, "daemon slow");	/* private dockerd, podman storage */
		/* fifty_short: 100 podman runs take minutes on a busy 2-core host */
		tcase_set_timeout(tc, 1800);
		tcase_add_unchecked_fixture(tc, setups[i], teardown);
		hull_tests_clients_ops(tc);
		suite_add_tcase(s, tc);
	}
	return s;
}
