/* Parent side: the uid and gid maps of the init's new user namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
