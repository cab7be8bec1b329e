/* Parent side: the uid and gid maps of the init's new user namespace, and
 * the user namespaces of idmapped mounts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

/* The kernel takes a map in one write and only once. */
static int write_proc(pid_t pid, const char *file, const char *data, size_t len, const char *label,
		      struct hull_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hull_syserr(err, errno, "%s: %s", label, path);
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EPERM && geteuid() != 0 && strstr(file, "_map"))
		return hull_syserr(err, EPERM, "%s: %s (without root, only one range of size 1 holding "
				   "hull's own %s can be mapped)", label, path, file[0] == 'u' ? "uid" : "gid");
	if (n < 0)
		return hull_syserr(err, errno, "%s: %s", label, path);
	if ((size_t)n != len)
		return hull_errf(err, EIO, "%s: %s: short write", label, path);
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct hull_id_maps *m, const char *label,
		     struct hull_err *err)
{
	/* 340 lines (the kernel's limit) of three 10-digit numbers fit */
	size_t cap = m->n * 34 + 1, len = 0;
	_cleanup_free_ char *buf = hull_xmalloc(cap);
	for (size_t i = 0; i < m->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%u %u %u\n", m->v[i].container_id,
					m->v[i].host_id, m->v[i].size);
	return write_proc(pid, file, buf, len, label, err);
}

int hull_ns_write_id_maps(const struct hull_spec *spec, pid_t pid, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	if (!l->ns[HULL_NS_USER].present || l->ns[HULL_NS_USER].path)
		return 0;
	/* Without CAP_SETGID in our own namespace, the kernel maps gids only
	 * once setgroups is off for good: a dropped group could otherwise be
	 * dropped for real and regain access that the group denies. */
	if (geteuid() != 0) {
		int r = write_proc(pid, "setgroups", "deny", 4, "linux.gidMappings", err);
		if (r < 0)
			return r;
	}
	int r = write_map(pid, "uid_map", &l->uid_mappings, "linux.uidMappings", err);
	return r < 0 ? r : write_map(pid, "gid_map", &l->gid_mappings, "linux.gidMappings", err);
}

/* A user namespace holding uid and gid maps, for an idmapped mount: a
 * child unshares one and waits; we write its maps, keep an fd of it, and
 * let the child go. Returns the fd or -errno. */
static int userns_with_maps(const struct hull_id_maps *uid, const struct hull_id_maps *gid, const char *label,
			    struct hull_err *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hull_syserr(err, errno, "%s: pipe", label);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		char c;
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		/* hold until the parent has what it needs: EOF */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	int r = pid < 0 ? hull_syserr(err, errno, "%s: fork", label) : 0;
	int fd = -1;
	/* The child has unshared once its user namespace differs from ours. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	for (int tries = 0; r == 0 && tries < 100000; tries++) {
		struct stat a, b;
		if (stat(path, &a) == 0 && stat("/proc/self/ns/user", &b) == 0 && a.st_ino != b.st_ino)
			break;
		sched_yield();
	}
	if (r == 0)
		r = write_map(pid, "uid_map", uid, label, err);
	if (r == 0)
		r = write_map(pid, "gid_map", gid, label, err);
	if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		r = hull_syserr(err, errno, "%s: %s", label, path);
	close(p[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return r < 0 ? r : fd;
}

int hull_idmap_prepare(const struct hull_spec *spec, int *fds, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	for (size_t i = 0; i < spec->n_mounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct hull_mount *m = &spec->mounts[i];
		if (!hull_mount_idmapped(m))
			continue;
		/* idmap without maps of its own: the container's (checked). */
		bool own = m->uid_mappings.n || m->gid_mappings.n;
		char label[64];
		snprintf(label, sizeof(label), "mounts[%zu] idmap", i);
		fds[i] = userns_with_maps(own ? &m->uid_mappings : &l->uid_mappings,
					  own ? &m->gid_mappings : &l->gid_mappings, label, err);
		if (fds[i] < 0) {
			int r = fds[i];
			hull_idmap_release(fds, i);
			return r;
		}
	}
	return 0;
}

void hull_idmap_release(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}
