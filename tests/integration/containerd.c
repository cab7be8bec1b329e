/* containerd drives hull the way a Kubernetes node does: through
 * containerd-shim-runc-v2 (go-runc). Each tcase starts a private containerd
 * in a temp dir (an unchecked fixture, so once per tcase in the runner):
 * tcase "ctr" selects hull with `ctr run --runc-binary`, tcase "cri" with a
 * CRI runtime entry whose options say BinaryName, driven by a small CRI
 * client (python3-grpcio; Debian has no crictl). hull runs behind a wrapper
 * that logs each command line the shim runs with its exit code, and when it
 * fails what hull wrote to its --log: failed assertions quote that.
 * HULL_CONTAINERD_LOG=FILE keeps the command lines of a run (appended),
 * and containerd's log (with the native shim's lines in it) as FILE.containerd.
 *
 * This file: the private containerd and the suite; containerd-util.c runs
 * ctr and follows tasks; the tests are in containerd-ctr.c and
 * containerd-cri.c (shared declarations: containerd.h). */
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

struct ctd_state ctd;

/* ---- the private containerd ---- */

/* Pids of the shims of our containerd: their -address is our socket. */
static size_t find_shims(pid_t *pids, size_t cap)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d)) && n < cap;) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		if (!strstr(buf, "containerd-shim"))
			continue;
		for (char *a = buf; a < buf + len; a += strlen(a) + 1)
			if (!strcmp(a, "-address") && a + strlen(a) + 1 < buf + len &&
			    !strcmp(a + strlen(a) + 1, ctd.sock))
				pids[n++] = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static bool gone(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	char *s = ht_read(path);
	bool dead = !s || strstr(s, "State:\tZ");
	free(s);
	return dead;
}

/* rmdir of a cgroup dir and the dirs under it (left parents, never files). */
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

static void remove_cgroups(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", name);
	rmdir_tree(path);		/* cgroup v2 alone */
	DIR *d = opendir("/sys/fs/cgroup");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", e->d_name, name);
		rmdir_tree(path);
	}
	if (d)
		closedir(d);
}

/* Unmounts everything under ctd.dir, deepest first. */
static void unmount_all(void)
{
	size_t dl = strlen(ctd.dir);
	for (int round = 0; round < 256; round++) {
		char *mi = ht_read("/proc/self/mountinfo"), best[PATH_MAX] = "";
		for (char *line = mi; line && *line;) {
			char *nl = strchr(line, '\n'), mp[PATH_MAX];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
			    !strncmp(mp, ctd.dir, dl) && mp[dl] == '/' && strlen(mp) > strlen(best))
				snprintf(best, sizeof(best), "%s", mp);
			line = nl ? nl + 1 : NULL;
		}
		free(mi);
		if (!*best || umount2(best, MNT_DETACH) != 0)
			break;
	}
}

/* containerd 1.6 puts the shims' sockets in /run/containerd/s, whatever
 * its config says; a shim that was killed leaves its socket there. Each
 * bundle left in our state dir names its shim's socket in the file address. */
static void remove_shim_sockets(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/state/io.containerd.runtime.v2.task", ctd.dir);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char ns[600];
		snprintf(ns, sizeof(ns), "%s/%s", path, e->d_name);
		DIR *c = opendir(ns);
		for (struct dirent *f; c && (f = readdir(c));) {
			if (f->d_name[0] == '.')
				continue;
			char file[900];
			snprintf(file, sizeof(file), "%s/%s/address", ns, f->d_name);
			char *a = ht_read(file);
			const char *pre = "unix:///run/containerd/s/";
			if (a && !strncmp(a, pre, strlen(pre)) && !strchr(a + strlen(pre), '/'))
				unlink(a + strlen("unix://"));
			free(a);
		}
		if (c)
			closedir(c);
	}
	if (d)
		closedir(d);
	/* The dirs ctr and the shims made, when no system containerd uses them. */
	if (access("/run/containerd/containerd.sock", F_OK) != 0) {
		rmdir("/run/containerd/s");
		rmdir("/run/containerd/fifo");
		rmdir("/run/containerd");
	}
}

static void stop_restarted(void);

/* Stops our containerd, its shims and containers, removes the temp dir. */
static void ctd_stop(void)
{
	pid_t shims[64];
	size_t n_shims = ctd.dir[0] ? find_shims(shims, 64) : 0;
	if (ctd.pid > 0) {
		kill(ctd.pid, SIGTERM);
		if (ctd_wait_bounded(ctd.pid, 5) == -1)
			fprintf(stderr, "containerd suite: containerd %d ignored SIGTERM for 5 s\n",
				ctd.pid);
		ctd.pid = 0;
	}
	if (!ctd.dir[0])
		return;
	stop_restarted();
	/* hull removes the containers the shims left: processes, state, cgroups. */
	const char *hull = getenv("HULL");
	DIR *d = hull ? opendir(ctd.runc_root) : NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		/* the native shim's root is the machine's: our namespaces only */
		if (e->d_name[0] == '.' || (ctd.native && strcmp(e->d_name, NS) && strcmp(e->d_name, "k8s.io")))
			continue;
		char root[PATH_MAX];
		snprintf(root, sizeof(root), "%s/%s", ctd.runc_root, e->d_name);
		DIR *c = opendir(root);
		for (struct dirent *f; c && (f = readdir(c));) {
			if (f->d_name[0] == '.')
				continue;
			char *argv[] = { (char *)hull, "--root", root, "delete", "--force", f->d_name,
					 NULL };
			ctd_spawn(argv, NULL, 10);
		}
		if (c)
			closedir(c);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < n_shims; i++)
		kill(shims[i], SIGKILL);
	double end = ctd_now() + 5;
	for (size_t i = 0; i < n_shims; i++)
		while (!gone(shims[i]) && ctd_now() < end)
			ctd_pause_ms(10);
	/* before /run/containerd itself goes */
	if (ctd.native) {
		/* hull's state roots of our namespaces: ctr's and the CRI's */
		static const char *const nss[] = { NS, "k8s.io" };
		for (size_t i = 0; i < sizeof(nss) / sizeof(nss[0]); i++) {
			char ns_root[PATH_MAX];
			snprintf(ns_root, sizeof(ns_root), "%s/%s", ctd.runc_root, nss[i]);
			rmdir(ns_root);
		}
		rmdir(ctd.runc_root);
	}
	remove_shim_sockets();
	unmount_all();
	const char *keep = getenv("HULL_CONTAINERD_LOG");
	for (int i = 0; keep && *keep && i < 2; i++) {
		char path[PATH_MAX], dest[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", ctd.dir, i ? "containerd.log" : "hull-calls.log");
		snprintf(dest, sizeof(dest), "%s%s", keep, i ? ".containerd" : "");
		char *s = ht_read(path);
		FILE *f = s ? fopen(dest, "ae") : NULL;
		if (f) {
			fputs(s, f);
			fclose(f);
		}
		free(s);
	}
	char *argv[] = { "/bin/rm", "-rf", ctd.dir, NULL };
	ctd_spawn(argv, NULL, 30);
	remove_cgroups(NS);
	remove_cgroups(CRI_CGROUP + 1);
	/* The pod's slice of the systemd driver, if systemd keeps it */
	if (access("/run/systemd/system", F_OK) == 0) {
		char *stop[] = { "/bin/systemctl", "stop", CRI_SLICE, NULL };
		ctd_spawn(stop, NULL, 10);
	}
	memset(&ctd, 0, sizeof(ctd));
}

static void ctd_at_exit(void)
{
	if (ctd.owner == getpid())
		ctd_stop();
}

/* What a shim runs as runc: logs the call, runs hull, logs its exit code and
 * on failure what hull wrote to its --log meanwhile. */
static const char wrapper[] =
	"#!/bin/sh\n"
	"d=%s\n"
	"log=; prev=\n"
	"for a; do [ \"$prev\" = --log ] && log=$a; prev=$a; done\n"
	"size=0\n"
	"[ -n \"$log\" ] && [ -f \"$log\" ] && size=$(stat -c %%s \"$log\")\n"
	"%s \"$@\"\n"
	"rc=$?\n"
	"printf '%%d hull %%s\\n' $rc \"$*\" >> \"$d/hull-calls.log\"\n"
	"if [ $rc != 0 ]; then\n"
	"\t{ printf 'exit %%d: hull %%s\\n' $rc \"$*\"\n"
	"\t  [ -n \"$log\" ] && [ -f \"$log\" ] && tail -c +$((size + 1)) \"$log\"; } \\\n"
	"\t\t>> \"$d/hull-failures.log\"\n"
	"fi\n"
	"exit $rc\n";

static const char config_head[] =
	"version = 2\n"
	"root = \"%1$s/root\"\n"
	"state = \"%1$s/state\"\n"
	"disabled_plugins = [%2$s\"io.containerd.snapshotter.v1.aufs\", "
	"\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", "
	"\"io.containerd.snapshotter.v1.devmapper\"]\n"
	"[grpc]\n"
	"  address = \"%1$s/containerd.sock\"\n"
	"[ttrpc]\n"
	"  address = \"%1$s/containerd.sock.ttrpc\"\n"
	"[debug]\n"
	"  level = \"debug\"\n"
	"[plugins.\"io.containerd.internal.v1.opt\"]\n"
	"  path = \"%1$s/opt\"\n";

/* The form Kubernetes nodes use. AppArmor is left on: where the host has
 * it, the CRI gives containers its default profile, as on a Debian or
 * Ubuntu node. restrict_oom_score_adj: the CRI gives a sandbox oomScoreAdj -998, and lowering it needs CAP_SYS_RESOURCE,
 * which this host's root may lack (runc fails the same way without it). */
static const char config_cri[] =
	"[plugins.\"io.containerd.grpc.v1.cri\"]\n"
	"  sandbox_image = \"hull.test/busybox:1\"\n"
	"  restrict_oom_score_adj = true\n"
	"  stream_server_address = \"127.0.0.1\"\n"
	"  stream_server_port = \"0\"\n"
	"  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
	"    snapshotter = \"overlayfs\"\n"
	"    default_runtime_name = \"hull\"\n"
	"    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull]\n"
	"%2$s"
	"  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
	"    bin_dir = \"%1$s/cni/bin\"\n"
	"    conf_dir = \"%1$s/cni/conf\"\n";

/* The runtime entries: runc's shim with hull as BinaryName (%1$s the
 * wrapper, %2$s its root), with the cgroupfs driver (hull) and the systemd
 * one (hull-systemd); or hull's own shim. */
static const char runtime_runc[] =
	"      runtime_type = \"io.containerd.runc.v2\"\n"
	"      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull.options]\n"
	"        BinaryName = \"%1$s\"\n"
	"        Root = \"%2$s\"\n"
	"    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull-systemd]\n"
	"      runtime_type = \"io.containerd.runc.v2\"\n"
	"      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.hull-systemd.options]\n"
	"        BinaryName = \"%1$s\"\n"
	"        Root = \"%2$s\"\n"
	"        SystemdCgroup = true\n";
static const char runtime_native[] = "      runtime_type = \"io.containerd.hull.v2\"\n";

/* ctd.dir/bin/containerd-shim-hull-v2, for containerd's PATH. */
static void link_shim(void)
{
	const char *shim = getenv("HULL_SHIM"), *hull = getenv("HULL");
	char path[PATH_MAX], target[PATH_MAX];
	if (shim && *shim)
		snprintf(target, sizeof(target), "%s", shim);
	else
		snprintf(target, sizeof(target), "%.*s/containerd-shim-hull-v2",
			 (int)(strrchr(hull, '/') ? strrchr(hull, '/') - hull : 1), strrchr(hull, '/') ? hull : ".");
	ck_assert_msg(access(target, X_OK) == 0, "%s: not built (make containerd-shim-hull-v2)", target);
	snprintf(path, sizeof(path), "%s/bin", ctd.dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/bin/containerd-shim-hull-v2", ctd.dir);
	ck_assert_int_eq(symlink(target, path), 0);
	const char *root = getenv("HULL_SHIM_ROOT");
	snprintf(ctd.runc_root, sizeof(ctd.runc_root), "%s", root && *root ? root : "/run/containerd/hull");
}

/* containerd on ctd.dir's config, its log appended to containerd.log
 * (a restart keeps what the first one said); returns once it serves. */
static void spawn_containerd(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/containerd.log", ctd.dir);
	int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	ck_assert_int_ge(log, 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char conf[PATH_MAX];
		snprintf(conf, sizeof(conf), "%s/config.toml", ctd.dir);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		setpgid(0, 0);
		if (ctd.native) {
			char env[PATH_MAX + 64];
			snprintf(env, sizeof(env), "%s/bin:%s", ctd.dir, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
			setenv("PATH", env, 1);
		}
		execl(CONTAINERD, "containerd", "--config", conf, (char *)NULL);
		_exit(127);
	}
	close(log);
	ctd.pid = pid;
	ctd_wait_daemon(&ctd.pid, "containerd", ctd.sock, path, 20);
}

/* A test runs in a fork of the runner: the containerd it starts again is
 * named in containerd.pid for the runner's teardown. */
#define RESTARTED_PID_FILE "containerd.pid"

void ctd_restart_containerd(void)
{
	ck_assert_int_gt(ctd.pid, 0);
	kill(ctd.pid, SIGTERM);
	double end = ctd_now() + 10;
	while (!gone(ctd.pid) && ctd_now() < end)
		ctd_pause_ms(10);
	ck_assert_msg(gone(ctd.pid), "containerd %d: no exit 10 s after SIGTERM", ctd.pid);
	unlink(ctd.sock);
	spawn_containerd();
	char path[PATH_MAX], pid[24];
	snprintf(path, sizeof(path), "%s/%s", ctd.dir, RESTARTED_PID_FILE);
	snprintf(pid, sizeof(pid), "%d", (int)ctd.pid);
	ctd_file_put(path, pid, 0600);
}

/* The containerd a test started again, when it runs (by its config path). */
static void stop_restarted(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", ctd.dir, RESTARTED_PID_FILE);
	char *s = ht_read(path);
	pid_t pid = s ? atoi(s) : 0;
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	char cmd[4096];
	int fd = pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	ssize_t len = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return;
	cmd[len] = 0;
	for (ssize_t i = 0; i < len; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	if (strncmp(cmd, "containerd --config ", 20) || !strstr(cmd, ctd.dir))
		return;
	kill(pid, SIGTERM);
	double end = ctd_now() + 5;
	while (!gone(pid) && ctd_now() < end)
		ctd_pause_ms(10);
	if (!gone(pid))
		kill(pid, SIGKILL);
}

static void ctd_start(bool cri, bool native)
{
	static bool registered;
	const char *hull = getenv("HULL"), *fixture = getenv("HULL_FIXTURE");
	char path[PATH_MAX], text[8192];

	ctd_stop();	/* a setup that failed before leaves no teardown behind */
	ck_assert_msg(hull && fixture, "HULL and HULL_FIXTURE must be set (make check-containerd)");
	ck_assert_msg(access(CONTAINERD, X_OK) == 0 && access(CTR, X_OK) == 0,
		      "containerd and ctr missing: make deps installs Debian's containerd");
	ctd.owner = getpid();
	if (!registered) {
		atexit(ctd_at_exit);
		registered = true;
	}
	strcpy(ctd.dir, "/tmp/ht-ctd-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ctd.dir));
	snprintf(ctd.sock, sizeof(ctd.sock), "%s/containerd.sock", ctd.dir);
	snprintf(ctd.wrap, sizeof(ctd.wrap), "%s/hull-wrap.sh", ctd.dir);
	snprintf(ctd.runc_root, sizeof(ctd.runc_root), "%s/runc", ctd.dir);
	snprintf(ctd.rootfs, sizeof(ctd.rootfs), "%s/rootfs", ctd.dir);
	snprintf(ctd.fifo, sizeof(ctd.fifo), "%s/fifo", ctd.dir);
	static const char *const subdirs[] = { "runc", "fifo", "cni", "cni/bin", "cni/conf" };
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ctd.dir, subdirs[i]);
		ck_assert_int_eq(mkdir(path, 0700), 0);
	}
	/* The fixture's rootfs is shared and read-only for tests. */
	snprintf(path, sizeof(path), "%s/rootfs", fixture);
	char *cp[] = { "/bin/cp", "-a", path, ctd.rootfs, NULL };
	ck_assert_int_eq(ctd_spawn(cp, NULL, 30), 0);

	snprintf(text, sizeof(text), wrapper, ctd.dir, hull);
	ctd_file_put(ctd.wrap, text, 0755);
	ctd.native = native;
	if (native)
		link_shim();
	int len = snprintf(text, sizeof(text), config_head, ctd.dir,
			   cri ? "" : "\"io.containerd.grpc.v1.cri\", ");
	if (cri) {
		char entry[1024];
		snprintf(entry, sizeof(entry), native ? runtime_native : runtime_runc, ctd.wrap, ctd.runc_root);
		snprintf(text + len, sizeof(text) - len, config_cri, ctd.dir, entry);
	}
	snprintf(path, sizeof(path), "%s/config.toml", ctd.dir);
	ctd_file_put(path, text, 0600);
	if (cri) {
		snprintf(path, sizeof(path), "%s/cri-client.py", ctd.dir);
		ctd_file_put(path, ctd_cri_client, 0644);
	}

	spawn_containerd();
}

void ctd_setup_ctr(void)
{
	ctd_start(false, false);
}

void ctd_setup_ctr_shim(void)
{
	ctd_start(false, true);
}

void ctd_setup_cri(void)
{
	ctd_start(true, false);
}

void ctd_setup_cri_shim(void)
{
	ctd_start(true, true);
}

void ctd_teardown(void)
{
	ctd_stop();
}

HULL_TESTS(containerd_ctr);
HULL_TESTS(containerd_cri);
HULL_TESTS(containerd_shim);

HULL_SUITE(containerd, integration)
{
	Suite *s = suite_create("containerd");
	TCase *tc = tcase_create("ctr");
	tcase_set_tags(tc, "daemon");
	tcase_set_timeout(tc, 300);	/* fifty_runs_runc_and_hull: 100 runs */
	tcase_add_unchecked_fixture(tc, ctd_setup_ctr, ctd_teardown);
	hull_tests_containerd_ctr(tc);
	suite_add_tcase(s, tc);

	/* The same cases with hull's own shim in place of runc's. */
	tc = tcase_create("ctr_shim");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, ctd_setup_ctr_shim, ctd_teardown);
	hull_tests_containerd_ctr(tc);
	hull_tests_containerd_shim(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("cri");
	tcase_set_tags(tc, "daemon");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, ctd_setup_cri, ctd_teardown);
	hull_tests_containerd_cri(tc);
	suite_add_tcase(s, tc);

	tc = tcase_create("cri_shim");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, ctd_setup_cri_shim, ctd_teardown);
	hull_tests_containerd_cri(tc);
	suite_add_tcase(s, tc);
	return s;
}
