/* One entry of spec->mounts, performed under the container's root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "../runtime/cleanup.h"
#include "../runtime/util.h"
#include "internal.h"

static bool is_type(const struct hull_mount *m, const char *type)
{
	return m->type && strcmp(m->type, type) == 0;
}

static bool dest_is(const struct hull_mount *m, const char *path)
{
	_cleanup_free_ char *c = hull_path_clean(m->destination);
	return strcmp(c, path) == 0;
}

bool hull_mount_delays_ro(const struct hull_mount *m)
{
	/* hull still has to create devices in /dev and chmod a tmpfs; runc
	 * mounts both read-write and makes them read-only at the end. */
	return !m->is_bind && (m->flags & MS_RDONLY) && (is_type(m, "tmpfs") || dest_is(m, "/dev"));
}

/* Where fd really is, checked after symlinks were followed: a destination
 * that resolved into /proc must still pass runc's /proc rule. */
static int check_proc(int rootfd, int fd, int src_fd, const char *label, struct hull_err *err)
{
	char p[HULL_FD_PATH_LEN], root[PATH_MAX], at[PATH_MAX];
	ssize_t rl = readlink(hull_fd_path(p, rootfd), root, sizeof(root) - 1);
	ssize_t al = readlink(hull_fd_path(p, fd), at, sizeof(at) - 1);
	if (rl < 0 || al < 0)
		return hull_syserr(err, errno, "%s: readlink the resolved destination", label);
	root[rl] = at[al] = 0;
	if (strcmp(root, "/") == 0)
		rl = 0;
	if (strncmp(at, root, (size_t)rl) != 0 || (at[rl] != '/' && at[rl] != 0))
		return hull_errf(err, EXDEV, "%s: resolved outside the container's root", label);
	const char *rel = at[rl] == '/' ? at + rl + 1 : at + rl;
	if (!hull_proc_dest_allowed(rel))
		return hull_errf(err, EPERM, "%s: resolves to /%s; nothing can be mounted inside /proc", label, rel);
	struct statfs sf;
	if (src_fd >= 0 && strcmp(rel, "proc") == 0 && (fstatfs(src_fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC))
		return hull_errf(err, EPERM, "%s: resolves to /proc; only a procfs can be bound there", label);
	return 0;
}

static int finish(int mnt, const struct hull_mount *m, const char *label, struct hull_err *err)
{
	int r = hull_mnt_propagation(mnt, m->propagation);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set propagation", label);
	r = hull_mnt_setattr_rec(mnt, m->attr_set, m->attr_clr);
	if (r < 0)
		return hull_syserr(err, -r, "%s: mount_setattr (recursive options)", label);
	return 0;
}

static int mount_bind(const struct hull_mount *m, int rootfd, const char *label, struct hull_err *err)
{
	_cleanup_close_ int src = open(m->source, O_PATH | O_CLOEXEC);
	if (src < 0)
		return hull_syserr(err, errno, "%s: source %s", label, m->source);
	struct stat st;
	if (fstat(src, &st) < 0)
		return hull_syserr(err, errno, "%s: source %s", label, m->source);
	_cleanup_close_ int dst = hull_resolve(rootfd, m->destination,
					       S_ISDIR(st.st_mode) ? HULL_RESOLVE_DIR : HULL_RESOLVE_FILE);
	if (dst < 0)
		return hull_syserr(err, -dst, "%s", label);
	int r = check_proc(rootfd, dst, src, label, err);
	if (r < 0)
		return r;
	_cleanup_close_ int mnt = hull_mnt_bind(src, dst, m->flags & MS_REC);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: bind %s", label, m->source);
	/* Only what the options name changes; the source's other flags stay
	 * (a remount that restated nothing would drop nosuid and the like). */
	r = hull_mnt_setflags(mnt, m->flags & HULL_MS_MNT_FLAGS, m->clear_flags & HULL_MS_MNT_FLAGS, false);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set bind mount flags", label);
	return finish(mnt, m, label, err);
}

/* Without its own network namespace a fresh sysfs is refused (EPERM) in
 * some setups; runc binds the host's then, as we do. */
static int sysfs_fallback(const struct hull_mount *m, int dst, const char *label, struct hull_err *err)
{
	_cleanup_close_ int src = open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return hull_syserr(err, errno, "%s: /sys", label);
	_cleanup_close_ int mnt = hull_mnt_bind(src, dst, true);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: mount sysfs: Operation not permitted; bind /sys", label);
	int r = hull_mnt_setflags(mnt, m->flags & HULL_MS_MNT_FLAGS, 0, false);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set bind mount flags", label);
	return finish(mnt, m, label, err);
}

static int mount_fs(const struct hull_mount *m, int rootfd, const char *label, struct hull_err *err)
{
	_cleanup_close_ int dst = hull_resolve(rootfd, m->destination, HULL_RESOLVE_DIR);
	if (dst < 0)
		return hull_syserr(err, -dst, "%s", label);
	int r = check_proc(rootfd, dst, -1, label, err);
	if (r < 0)
		return r;
	struct stat under;
	if (fstat(dst, &under) < 0)
		return hull_syserr(err, errno, "%s: stat", label);

	char p[HULL_FD_PATH_LEN];
	_cleanup_close_ int lower = -1;
	if (m->tmpcopyup) {
		/* Still the covered directory after the mount: the copy source. */
		lower = open(hull_fd_path(p, dst), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lower < 0)
			return hull_syserr(err, errno, "%s: tmpcopyup: open", label);
	}
	unsigned long flags = m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT | HULL_MS_PROPAGATION);
	if (hull_mount_delays_ro(m))
		flags &= ~(unsigned long)MS_RDONLY;
	const char *source = m->source ? m->source : m->type;
	if (mount(source, hull_fd_path(p, dst), m->type, flags, m->data) < 0) {
		int e = errno;
		if (e == EPERM && is_type(m, "sysfs"))
			return sysfs_fallback(m, dst, label, err);
		return hull_syserr(err, e, "%s: mount %s", label, m->type);
	}

	/* dst still names the covered directory; the new mount is on top. */
	_cleanup_close_ int mnt = hull_resolve(rootfd, m->destination, HULL_RESOLVE_EXISTING);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: reopen after mount", label);
	if (is_type(m, "tmpfs") && !(m->data && (strncmp(m->data, "mode=", 5) == 0 || strstr(m->data, ",mode="))) &&
	    chmod(hull_fd_path(p, mnt), under.st_mode & 07777) < 0)
		return hull_syserr(err, errno, "%s: chmod", label);
	if (lower >= 0) {
		_cleanup_close_ int upper = open(hull_fd_path(p, mnt), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (upper < 0)
			return hull_syserr(err, errno, "%s: tmpcopyup: open", label);
		if ((r = hull_copyup(lower, upper)) < 0)
			return hull_syserr(err, -r, "%s: tmpcopyup", label);
	}
	return finish(mnt, m, label, err);
}

int hull_mount_one(const struct hull_spec *spec, size_t i, int rootfd,
		   const struct hull_rootfs_opts *opts, struct hull_err *err)
{
	const struct hull_mount *m = &spec->mounts[i];
	_cleanup_free_ char *label = hull_xasprintf("mounts[%zu] %s", i, m->destination);
	if (m->is_bind)
		return mount_bind(m, rootfd, label, err);
	if (is_type(m, "cgroup"))
		return hull_mount_cgroup(m, label, rootfd, opts, err);
	return mount_fs(m, rootfd, label, err);
}
