/* Keeping a namespace alive with no process in it: a bind mount of its nsfs
 * file inside the container's state dir (what `ip netns add` does under
 * /run/netns). Passed-through network devices need it: a virtual one would
 * die with the container's netns, a physical one would go back to the
 * initial netns under whatever name is free, before delete can return them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "namespaces.h"

int hull_ns_pin(pid_t pid, const char *type, int dirfd, const char *name, struct hull_err *err)
{
	char src[64];
	snprintf(src, sizeof(src), "/proc/%d/ns/%s", (int)pid, type);
	_cleanup_close_ int tree = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return hull_syserr(err, errno, "pin %s", src);
	_cleanup_close_ int f = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (f < 0)
		return hull_syserr(err, errno, "pin %s: state dir entry %s", src, name);
	if (move_mount(tree, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		int e = errno;
		unlinkat(dirfd, name, 0);
		return hull_syserr(err, e, "pin %s", src);
	}
	return 0;
}

int hull_ns_open_pinned(int dirfd, const char *name, struct hull_err *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "pinned namespace %s", name);
	return fd;
}

int hull_ns_unpin(int dirfd, const char *name, struct hull_err *err)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_syserr(err, errno, "pinned namespace %s", name);
	/* umount2 takes a path; the state dir's fd gives it one that no rename
	 * of the directory can redirect. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return hull_syserr(err, errno, "unpin namespace %s", name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "unpin namespace %s", name);
	return 0;
}
