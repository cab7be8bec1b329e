/* The shim's subcommands as containerd runs them in the bundle directory:
 * `start` makes the socket, starts the serving shim daemonised and prints
 * the address; `delete` cleans up after a shim that is gone. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/close_range.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "../runtime/sealed-exe.h"
#include "service.h"
#include "task.pb-c.h"

char *shim_root(const char *namespace_) { return hull_xasprintf("%s/%s", HULL_SHIM_ROOT, namespace_); }

/* runc's shim groups a pod's containers in one shim by these annotations. */
static char *grouping(const char *id)
{
	static const char *const labels[] = { "io.containerd.runc.v2.group", "io.kubernetes.cri.sandbox-id" };
	json_t *cfg = json_load_file("config.json", 0, NULL);
	json_t *ann = cfg ? json_object_get(cfg, "annotations") : NULL;
	char *g = NULL;
	for (size_t i = 0; !g && i < sizeof(labels) / sizeof(labels[0]); i++) {
		const char *v = json_string_value(json_object_get(ann, labels[i]));
		if (v && *v)
			g = hull_xstrdup(v);
	}
	json_decref(cfg);
	return g ? g : hull_xstrdup(id);
}

/* Two FNV-1a hashes of containerd's address, the namespace and the group:
 * the same group of the same containerd finds the same socket. */
static void socket_path(const struct shim_opts *o, const char *group, char path[108])
{
	uint64_t h[2] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull };
	_cleanup_free_ char *key = hull_xasprintf("%s/%s/%s", o->address ? o->address : "", o->namespace_, group);
	for (int k = 0; k < 2; k++)
		for (const unsigned char *p = (const unsigned char *)key; *p; p++)
			h[k] = (h[k] ^ *p) * 0x100000001b3ull;
	snprintf(path, 108, "%s/%016llx%016llx", HULL_SHIM_SOCKET_DIR, (unsigned long long)h[0],
		 (unsigned long long)h[1]);
}

static bool can_connect(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The listening socket, or -EADDRINUSE when a live shim of the group has it. */
static int make_socket(const char *path, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int r = hull_mkdir_p(HULL_SHIM_SOCKET_DIR, 0711, err);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE) {
		if (can_connect(&sa)) {
			close(fd);
			return -EADDRINUSE;
		}
		unlink(path); /* left by a shim that is gone */
	} else if (listen(fd, 128) == 0) {
		return fd;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		r = hull_syserr(err, errno, "socket %s", path);
		close(fd);
		return r;
	}
	return fd;
}

static int write_address(const char *address, struct hull_err *err)
{
	_cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return hull_syserr(err, errno, "the bundle directory");
	return hull_write_atomic_at(cwd, "address", address, strlen(address), 0644, err);
}

/* The options containerd writes to start's stdin (an Any; none: empty). */
static int check_start_options(struct hull_err *err)
{
	uint8_t buf[65536];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) && (n = read(STDIN_FILENO, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (!len)
		return 0;
	Hullpb__Any *any = hullpb__any__unpack(NULL, len, buf);
	Hullpb__RuncOptions *ro = any && !strcmp(any->type_url, "containerd.runc.v1.Options")
					  ? hullpb__runc_options__unpack(NULL, any->value.len, any->value.data)
					  : NULL;
	int r = 0;
	if (ro && *ro->shim_cgroup)
		r = hull_errf(err, ENOTSUP, "options ShimCgroup %s: not supported by this shim", ro->shim_cgroup);
	if (ro)
		hullpb__runc_options__free_unpacked(ro, NULL);
	if (any)
		hullpb__any__free_unpacked(any, NULL);
	return r;
}

/* As runc's shim: the OOM killer takes the shim before containerd (its
 * caller), not after. Best effort: a host that refuses leaves the score. */
static void adjust_oom_score(pid_t shim)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int64_t score = 0;
	struct hull_err none = { 0 };
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)getppid());
	if (hull_read_file_at(AT_FDCWD, path, &buf, &len, &none) < 0)
		return;
	buf[strcspn(buf, "\n")] = 0;
	if (hull_parse_i64(buf, &score) < 0)
		return;
	char val[24];
	int n = snprintf(val, sizeof(val), "%d", (int)(score + 1 > 1000 ? 1000 : score + 1));
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)shim);
	hull_write_file_at(AT_FDCWD, path, val, (size_t)n, &none);
}

/* The serving shim: its own session, the socket as fd 3, stdio on
 * /dev/null (containerd waits for start's output to end), executed from
 * hull's read-only copy (the containers' processes are its clones). */
static void exec_server(const struct shim_opts *o, const char *argv0, int sock, const char *path)
{
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* dup2 onto itself would keep O_CLOEXEC */
	if (null < 0 || (sock == 3 ? fcntl(3, F_SETFD, 0) : dup2(sock, 3)) < 0)
		_exit(1);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	/* nothing containerd's caller left open goes on living in the shim */
	syscall(SYS_close_range, 4, ~0U, CLOSE_RANGE_CLOEXEC);
	const char *argv[16];
	int n = 0;
	argv[n++] = argv0;
	argv[n++] = "-namespace";
	argv[n++] = o->namespace_;
	argv[n++] = "-id";
	argv[n++] = o->id;
	argv[n++] = "-address";
	argv[n++] = o->address ? o->address : "";
	argv[n++] = "-socket";
	argv[n++] = path;
	if (o->debug)
		argv[n++] = "-debug";
	argv[n++] = "serve";
	argv[n] = NULL;
	struct hull_err err = { 0 };
	hull_exe_seal((char **)argv, &err);
	_exit(1);
}

int shim_cmd_start(struct shim_opts *o, char **argv, struct hull_err *err)
{
	if (!o->id || !*o->id)
		return hull_errf(err, EINVAL, "start: -id is required");
	int r = check_start_options(err);
	if (r < 0)
		return r;
	_cleanup_free_ char *group = grouping(o->id);
	char path[108];
	socket_path(o, group, path);
	_cleanup_free_ char *address = hull_xasprintf("unix://%s", path);
	int sock = make_socket(path, err);
	if (sock == -EADDRINUSE) {
		/* the group's shim serves this container too */
		if ((r = write_address(address, err)) == 0)
			printf("%s", address);
		return r;
	}
	if (sock < 0)
		return sock;
	if ((r = write_address(address, err)) < 0) {
		close(sock);
		unlink(path);
		return r;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_server(o, argv[0], sock, path);
	close(sock);
	if (pid < 0) {
		unlink(path);
		return hull_syserr(err, errno, "start: fork");
	}
	adjust_oom_score(pid);
	printf("%s", address);
	return 0;
}

/* containerd's delete for a shim that is gone (killed, crashed): the
 * container and its rootfs mount go, the answer is a DeleteResponse
 * protobuf on stdout with the init's pid and SIGKILL's status. */
int shim_cmd_delete(struct shim_opts *o, struct hull_err *err)
{
	if (!o->id || !*o->id)
		return hull_errf(err, EINVAL, "delete: -id is required");
	if (o->bundle && chdir(o->bundle) < 0)
		return hull_syserr(err, errno, "delete: bundle %s", o->bundle);
	_cleanup_free_ char *root = NULL;
	size_t rlen;
	struct hull_err none = { 0 };
	if (hull_read_file_at(AT_FDCWD, SHIM_ROOT_FILE, &root, &rlen, &none) < 0)
		root = shim_root(o->namespace_);
	struct hull_container ct;
	int r = hull_container_open(root, o->id, true, &ct, err);
	if (r == 0) {
		r = hull_delete(&ct, true, err);
		hull_container_close(&ct);
	} else if (err->code == -ENOENT) {
		hull_err_clear(err);
		r = 0;
	}
	if (r < 0)
		return r;
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	if (cwd)
		shim_unmount_rootfs(cwd);
	_cleanup_free_ char *pidbuf = NULL, *addr = NULL;
	size_t len;
	struct hull_err ignored = { 0 };
	int64_t pid = 0;
	if (hull_read_file_at(AT_FDCWD, "init.pid", &pidbuf, &len, &ignored) == 0)
		hull_parse_i64(pidbuf, &pid);
	/* the socket of a shim that is gone, unless its group's shim lives */
	if (hull_read_file_at(AT_FDCWD, "address", &addr, &len, &ignored) == 0 && !strncmp(addr, "unix://", 7)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", addr + 7);
		if (!can_connect(&sa))
			unlink(sa.sun_path);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	Hullpb__Timestamp ts;
	shim_timestamp(&ts, &now);
	Hullpb__DeleteResponse resp = HULLPB__DELETE_RESPONSE__INIT;
	resp.pid = (uint32_t)pid;
	resp.exit_status = 128 + SIGKILL;
	resp.exited_at = &ts;
	uint8_t buf[64];
	size_t n = hullpb__delete_response__pack(&resp, buf);
	return hull_write_all(STDOUT_FILENO, buf, n) < 0 ? hull_syserr(err, EIO, "delete: stdout") : 0;
}
