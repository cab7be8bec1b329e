/* One entry of spec->mounts, performed under the container's root. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <linux/magic.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
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

/* proc, sysfs and whatever is mounted at /proc, /sys or /dev must not be
 * mounted through a symlink (runc: "must be mounted on ordinary
 * directory"): one swapped in while containers start would put the mount,
 * and every mask made on it afterwards, where the symlink points. */
static bool no_symlinks(const struct hull_mount *m)
{
	return is_type(m, "proc") || is_type(m, "sysfs") || dest_is(m, "/proc") || dest_is(m, "/sys") ||
	       dest_is(m, "/dev");
}

static int resolve_dest(const struct hull_mount *m, int rootfd, enum hull_resolve_mode mode, const char *label,
			struct hull_err *err)
{
	bool strict = no_symlinks(m);
	int fd = hull_resolve(rootfd, m->destination, mode | (strict ? HULL_RESOLVE_NO_SYMLINKS : 0));
	if (fd == -ELOOP && strict)
		return hull_errf(err, ELOOP, "%s: must be mounted on an ordinary directory, and a symlink is on "
				 "its path", label);
	if (fd < 0)
		return hull_syserr(err, -fd, "%s", label);
	return fd;
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

static int mount_bind(const struct hull_mount *m, int rootfd, int idmap, int *root, const char *label,
		      struct hull_err *err)
{
	_cleanup_close_ int src = open(m->source, O_PATH | O_CLOEXEC);
	if (src < 0)
		return hull_syserr(err, errno, "%s: source %s", label, m->source);
	struct stat st;
	if (fstat(src, &st) < 0)
		return hull_syserr(err, errno, "%s: source %s", label, m->source);
	_cleanup_close_ int dst = resolve_dest(m, rootfd, S_ISDIR(st.st_mode) ? HULL_RESOLVE_DIR : HULL_RESOLVE_FILE,
					       label, err);
	if (dst < 0)
		return dst;
	int r = check_proc(rootfd, dst, src, label, err);
	if (r < 0)
		return r;
	_cleanup_close_ int mnt = idmap >= 0 ? hull_mnt_bind_idmapped(src, dst, m->flags & MS_REC, idmap, m->ridmap)
					    : hull_mnt_bind(src, dst, m->flags & MS_REC);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: bind %s", label, m->source);
	/* Only what the options name changes; the source's other flags stay
	 * (a remount that restated nothing would drop nosuid and the like). */
	r = hull_mnt_setflags(mnt, m->flags & HULL_MS_MNT_FLAGS, m->clear_flags & HULL_MS_MNT_FLAGS, false);
	if (r < 0)
		return hull_syserr(err, -r, "%s: set bind mount flags", label);
	r = finish(mnt, m, label, err);
	if (r == 0)
		*root = steal_fd(mnt);
	return r;
}

/* Without its own network namespace a fresh sysfs is refused (EPERM) in
 * some setups; runc binds the host's then, as we do. */
static int sysfs_fallback(const struct hull_mount *m, int dst, int *root, const char *label,
			  struct hull_err *err)
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
	r = finish(mnt, m, label, err);
	if (r == 0)
		*root = steal_fd(mnt);
	return r;
}

static uint64_t mount_attrs(unsigned long flags)
{
	static const struct { unsigned long ms; uint64_t attr; } map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV }, { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NOATIME, MOUNT_ATTR_NOATIME }, { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_STRICTATIME, MOUNT_ATTR_STRICTATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};
	uint64_t a = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].ms)
			a |= map[i].attr;
	return a;
}

/* A fresh proc or sysfs through the new mount API: fsmount hands us the
 * new mount itself, so the masks made on it later need no path that a
 * racing rootfs could change. -ENOSYS: a kernel without it (before 5.2). */
static int fsmount_at(const struct hull_mount *m, int dst, unsigned long flags, int *root)
{
	if (flags & ~(unsigned long)(HULL_MS_MNT_FLAGS))
		return -ENOSYS;	/* superblock flags: the old API takes them */
	_cleanup_close_ int fs = fsopen(m->type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	const char *source = m->source ? m->source : m->type;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return -errno;
	_cleanup_free_ char *data = m->data ? hull_xstrdup(m->data) : NULL;
	for (char *save = NULL, *opt = data ? strtok_r(data, ",", &save) : NULL; opt;
	     opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		if (eq)
			*eq = 0;
		if (fsconfig(fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt, eq ? eq + 1 : NULL,
			    0) < 0)
			return -errno;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -errno;
	_cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)mount_attrs(flags));
	if (mnt < 0)
		return -errno;
	if (move_mount(mnt, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	*root = steal_fd(mnt);
	return 0;
}

/* mount(2) onto dst; *root: the new mount, looked up again by its path. */
static int legacy_mount_at(const struct hull_mount *m, int rootfd, int dst, unsigned long flags, int *root)
{
	char p[HULL_FD_PATH_LEN];
	const char *source = m->source ? m->source : m->type;
	if (mount(source, hull_fd_path(p, dst), m->type, flags, m->data) < 0)
		return -errno;
	/* dst still names the covered directory; the new mount is on top. */
	int fd = hull_resolve(rootfd, m->destination, HULL_RESOLVE_EXISTING);
	if (fd < 0)
		return fd;
	*root = fd;
	return 0;
}

static int mount_fs(const struct hull_mount *m, int rootfd, int *root, const char *label, struct hull_err *err)
{
	_cleanup_close_ int dst = resolve_dest(m, rootfd, HULL_RESOLVE_DIR, label, err);
	if (dst < 0)
		return dst;
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
	_cleanup_close_ int mnt = -1;
	r = -ENOSYS;
	if (is_type(m, "proc") || is_type(m, "sysfs"))
		r = fsmount_at(m, dst, flags, &mnt);
	if (r == -ENOSYS)
		r = legacy_mount_at(m, rootfd, dst, flags, &mnt);
	if (r == -EPERM && is_type(m, "sysfs"))
		return sysfs_fallback(m, dst, root, label, err);
	if (r < 0)
		return hull_syserr(err, -r, "%s: mount %s", label, m->type);

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
	r = finish(mnt, m, label, err);
	if (r == 0)
		*root = steal_fd(mnt);
	return r;
}

/* The "remount" option: the mount already at the destination (an earlier
 * entry's, or the root's own) gets the entry's flags: per-mount ones for a
 * bind, the filesystem's (and data such as size=) otherwise. */
static int remount(const struct hull_mount *m, int rootfd, int *root, const char *label, struct hull_err *err)
{
	_cleanup_close_ int fd = resolve_dest(m, rootfd, HULL_RESOLVE_EXISTING, label, err);
	if (fd < 0)
		return fd;
	int r;
	if (m->is_bind) {
		unsigned long set = m->flags & HULL_MS_MNT_FLAGS;
		r = hull_mnt_setflags(fd, set, HULL_MS_MNT_FLAGS & ~set, false);
	} else {
		char p[HULL_FD_PATH_LEN];
		unsigned long flags = m->flags & ~(unsigned long)(MS_BIND | MS_REC | HULL_MS_PROPAGATION);
		r = mount(NULL, hull_fd_path(p, fd), NULL, flags | MS_REMOUNT, m->data) < 0 ? -errno : 0;
	}
	if (r < 0)
		return hull_syserr(err, -r, "%s: remount%s", label, r == -EINVAL ? " (nothing is mounted there?)" : "");
	r = finish(fd, m, label, err);
	if (r == 0)
		*root = steal_fd(fd);
	return r;
}

/* linux.mountLabel: the SELinux context of the files of the container's
 * own filesystems. tmpfs and devpts take it as a "context=" option (quoted:
 * an MLS label holds commas); mqueue refuses that option (EINVAL), so its
 * root gets the label as an xattr after the mount, as runc does. */
static char *labeled_data(const struct hull_mount *m, const char *mount_label)
{
	if (!mount_label || !*mount_label || m->is_bind || !(is_type(m, "tmpfs") || is_type(m, "devpts")))
		return NULL;
	return hull_xasprintf("%s%scontext=\"%s\"", m->data ? m->data : "", m->data ? "," : "", mount_label);
}

static int label_mqueue(const struct hull_mount *m, const char *mount_label, int root, const char *label,
			struct hull_err *err)
{
	char p[HULL_FD_PATH_LEN];
	if (!mount_label || !*mount_label || m->is_bind || !is_type(m, "mqueue"))
		return 0;
	if (setxattr(hull_fd_path(p, root), "security.selinux", mount_label, strlen(mount_label), 0) < 0)
		return hull_syserr(err, errno, "%s: linux.mountLabel: set security.selinux", label);
	return 0;
}

int hull_mount_one(const struct hull_spec *spec, size_t i, int rootfd,
		   const struct hull_rootfs_opts *opts, int *root, struct hull_err *err)
{
	const struct hull_mount *m = &spec->mounts[i];
	_cleanup_free_ char *label = hull_xasprintf("mounts[%zu] %s", i, HULL_Q(m->destination));
	*root = -1;
	if (m->flags & MS_REMOUNT)
		return remount(m, rootfd, root, label, err);
	if (m->is_bind)
		return mount_bind(m, rootfd, opts->idmap_fds ? opts->idmap_fds[i] : -1, root, label, err);
	if (is_type(m, "cgroup"))
		return hull_mount_cgroup(m, label, rootfd, opts, err);
	_cleanup_free_ char *data = labeled_data(m, spec->linux_.mount_label);
	struct hull_mount labeled = *m;
	if (data)
		labeled.data = data;
	int r = mount_fs(&labeled, rootfd, root, label, err);
	if (r == 0)
		r = label_mqueue(m, spec->linux_.mount_label, *root, label, err);
	return r;
}
