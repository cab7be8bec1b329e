/* Changing the flags and propagation of existing mounts, by fd. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "internal.h"

#define MS_ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static void ms_to_attr(unsigned long set, unsigned long clr, struct mount_attr *a)
{
	static const struct { unsigned long ms; uint64_t attr; } map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
		{ MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (set & map[i].ms)
			a->attr_set |= map[i].attr;
		else if (clr & map[i].ms)
			a->attr_clr |= map[i].attr;
	}
	/* atime is one field with three values, not three bits. */
	if (set & MS_ATIME_FLAGS) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
		else
			a->attr_set |= MOUNT_ATTR_RELATIME;
	} else if (clr & MS_ATIME_FLAGS) {
		/* "atime"/"norelatime"...: back to the kernel's default */
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= MOUNT_ATTR_RELATIME;
	}
}

/* Kernels before 5.12: a bind remount replaces every per-mount flag, so the
 * current ones (fstatfs reports them with the MS_* values) are restated. */
static int remount_fallback(int fd, unsigned long set, unsigned long clr)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	unsigned long cur = sv.f_flag & HULL_MS_MNT_FLAGS;
	if (set & MS_ATIME_FLAGS)
		cur &= ~(unsigned long)MS_ATIME_FLAGS;
	unsigned long flags = (cur & ~clr) | (set & HULL_MS_MNT_FLAGS);
	char p[HULL_FD_PATH_LEN];
	if (mount(NULL, hull_fd_path(p, fd), NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return -errno;
	return 0;
}

int hull_mnt_setflags(int fd, unsigned long set, unsigned long clr, bool recursive)
{
	struct mount_attr a = {0};
	ms_to_attr(set, clr, &a);
	if (!a.attr_set && !a.attr_clr)
		return 0;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS || recursive)
		return -errno;
	return remount_fallback(fd, set, clr);
}

int hull_mnt_setattr_rec(int fd, uint64_t attr_set, uint64_t attr_clr)
{
	if (!attr_set && !attr_clr)
		return 0;
	struct mount_attr a = { .attr_set = attr_set, .attr_clr = attr_clr };
	if (attr_set & MOUNT_ATTR__ATIME)
		a.attr_clr |= MOUNT_ATTR__ATIME;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

int hull_mnt_propagation(int fd, unsigned long propagation)
{
	if (!propagation)
		return 0;
	char p[HULL_FD_PATH_LEN];
	if (mount(NULL, hull_fd_path(p, fd), NULL, propagation & (HULL_MS_PROPAGATION | MS_REC), NULL) < 0)
		return -errno;
	return 0;
}

int hull_mnt_bind_idmapped(int src_fd, int dst_fd, bool recursive, int userns_fd, bool idmap_recursive)
{
	_cleanup_close_ int tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					     (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return -errno;
	/* On the detached tree, before anyone can see it unmapped. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (idmap_recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		return -errno;
	if (move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return steal_fd(tree);
}

int hull_mnt_bind(int src_fd, int dst_fd, bool recursive)
{
	/* A detached clone, attached with move_mount: no path is looked up
	 * again, and the returned fd is the new mount's root. */
	_cleanup_close_ int tree = open_tree(src_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					     (recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return -errno;
	if (move_mount(tree, "", dst_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return -errno;
	return steal_fd(tree);
}
