/* A mount of type "cgroup": the container's cgroups, whatever the host's
 * hierarchy layout (v1, hybrid or v2), as runc shows them. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "internal.h"

#define CG_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | \
		  MS_RELATIME | MS_STRICTATIME)

static int bind_host(const struct hull_cgroup_mount *c, int dst, unsigned long flags, const char *label,
		     struct hull_err *err)
{
	if (!c->host_path)
		return hull_errf(err, ENOENT, "%s: no host cgroup directory for \"%s\"", label, c->name);
	_cleanup_close_ int src = open(c->host_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return hull_syserr(err, errno, "%s: %s", label, c->host_path);
	_cleanup_close_ int mnt = hull_mnt_bind(src, dst, true);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: bind %s", label, c->host_path);
	int r = hull_mnt_setflags(mnt, flags, 0, false);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set flags of %s", label, c->host_path);
	return 0;
}

/* A fresh mount inside the cgroup namespace (rooted at the container's
 * cgroup), or the host directory bound when there is none. */
static int mount_hierarchy(const struct hull_cgroup_mount *c, int dst, unsigned long flags, bool cgroup_ns,
			   const char *label, struct hull_err *err)
{
	if (!cgroup_ns)
		return bind_host(c, dst, flags, label, err);
	char p[HULL_FD_PATH_LEN];
	if (mount("cgroup", hull_fd_path(p, dst), c->fstype, flags, c->data) == 0)
		return 0;
	int e = errno;
	/* runc's fallback for a cgroup2 it may not mount; a user namespace
	 * may never mount a v1 hierarchy */
	if ((e == EPERM || (e == EBUSY && strcmp(c->fstype, "cgroup2") == 0)) && c->host_path)
		return bind_host(c, dst, flags, label, err);
	return hull_syserr(err, e, "%s: mount %s%s%s", label, c->fstype, c->data ? " " : "", c->data ? c->data : "");
}

int hull_mount_cgroup(const struct hull_mount *m, const char *label, int rootfd,
		      const struct hull_rootfs_opts *opts, struct hull_err *err)
{
	if (!opts || opts->n_cgroups == 0)
		return hull_errf(err, ENOENT, "%s: no cgroup hierarchy to mount", label);
	unsigned long flags = m->flags & CG_FLAGS;
	_cleanup_close_ int dst = hull_resolve(rootfd, m->destination, HULL_RESOLVE_DIR);
	if (dst < 0)
		return hull_syserr(err, -dst, "%s", label);

	if (opts->n_cgroups == 1 && opts->cgroups[0].name[0] == 0) {
		int r = mount_hierarchy(&opts->cgroups[0], dst, flags, opts->cgroup_ns, label, err);
		if (r < 0)
			return r;
	} else {
		char p[HULL_FD_PATH_LEN];
		if (mount("tmpfs", hull_fd_path(p, dst), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
			return hull_syserr(err, errno, "%s: mount tmpfs", label);
		_cleanup_close_ int top = hull_resolve(rootfd, m->destination, HULL_RESOLVE_EXISTING);
		if (top < 0)
			return hull_syserr(err, -top, "%s: reopen after mount", label);
		for (size_t i = 0; i < opts->n_cgroups; i++) {
			const struct hull_cgroup_mount *c = &opts->cgroups[i];
			if (!c->name[0] || strchr(c->name, '/') || strcmp(c->name, "..") == 0)
				return hull_errf(err, EINVAL, "%s: bad cgroup hierarchy name \"%s\"", label, c->name);
			if (mkdirat(top, c->name, 0755) < 0 && errno != EEXIST)
				return hull_syserr(err, errno, "%s: mkdir %s", label, c->name);
			_cleanup_close_ int sub = openat(top, c->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return hull_syserr(err, errno, "%s: %s", label, c->name);
			int r = mount_hierarchy(c, sub, flags, opts->cgroup_ns, label, err);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < opts->n_cgroup_links; i++) {
			const char *name = opts->cgroup_links[i][0], *target = opts->cgroup_links[i][1];
			if (strchr(name, '/'))
				return hull_errf(err, EINVAL, "%s: bad cgroup link name \"%s\"", label, name);
			if (symlinkat(target, top, name) < 0 && errno != EEXIST)
				return hull_syserr(err, errno, "%s: symlink %s -> %s", label, name, target);
		}
		if (m->flags & MS_RDONLY) {
			int r = hull_mnt_setflags(top, MS_RDONLY, 0, false);
			if (r < 0)
				return hull_syserr(err, -r, "%s: make the tmpfs read-only", label);
		}
	}
	if (!m->propagation)
		return 0;
	_cleanup_close_ int mnt = hull_resolve(rootfd, m->destination, HULL_RESOLVE_EXISTING);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: reopen after mount", label);
	int r = hull_mnt_propagation(mnt, m->propagation);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set propagation", label);
	return 0;
}
