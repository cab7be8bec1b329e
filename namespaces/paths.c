/* linux.readonlyPaths and linux.maskedPaths.
 *
 * A path under a mount hull made is resolved from that mount itself (the
 * fd it kept), never again through the rootfs: a rootfs that changes
 * while the container starts (a /proc swapped for a symlink, a directory
 * renamed away) cannot move a mask off the mount it protects. Elsewhere
 * the path is resolved inside the root. A path that does not exist there
 * is skipped (the spec's defaults list files some kernels lack); any other
 * failure to resolve it is an error, never a skipped mask. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

/* The mount whose destination is the longest prefix of path; the later
 * of two with the same one (it is on top). */
static const struct hull_mount_root *owner(const struct hull_mount_roots *mr, const char *path,
					   const char **rest)
{
	const struct hull_mount_root *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < mr->n; i++) {
		const char *d = mr->v[i].dest;
		size_t n = strcmp(d, "/") ? strlen(d) : 0;
		if (mr->v[i].fd < 0 || strncmp(path, d, n) || (path[n] && path[n] != '/'))
			continue;
		if (!best || n >= best_len) {
			best = &mr->v[i];
			best_len = n;
		}
	}
	if (best)
		*rest = path + best_len + (path[best_len] == '/');
	return best;
}

static int open_beneath(int dirfd, const char *rest)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;
	do
		fd = (int)syscall(SYS_openat2, dirfd, *rest ? rest : ".", &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 32);
	return fd < 0 ? -errno : fd;
}

/* An O_PATH fd of the masked or read-only path, or -errno. */
static int open_protected(int rootfd, const struct hull_mount_roots *mr, const char *path)
{
	_cleanup_free_ char *clean = hull_path_clean(path);
	const char *rest;
	const struct hull_mount_root *m = mr ? owner(mr, clean, &rest) : NULL;
	if (m)
		return open_beneath(m->fd, rest);
	return hull_resolve(rootfd, clean, HULL_RESOLVE_EXISTING);
}

int hull_readonly_paths(const struct hull_spec *spec, int rootfd, const struct hull_mount_roots *mr,
			struct hull_err *err)
{
	const struct hull_strv *v = &spec->linux_.readonly_paths;
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_close_ int fd = open_protected(rootfd, mr, v->v[i]);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return hull_syserr(err, -fd, "linux.readonlyPaths[%zu] %s", i, v->v[i]);
		_cleanup_close_ int mnt = hull_mnt_bind(fd, fd, true);
		if (mnt < 0)
			return hull_syserr(err, -mnt, "linux.readonlyPaths[%zu] %s: bind", i, v->v[i]);
		/* Recursive, so a mount below the path cannot stay writable; the
		 * other flags (nosuid, noexec...) are kept as they are. */
		int r = hull_mnt_setflags(mnt, MS_RDONLY, 0, true);
		if (r < 0)
			return hull_syserr(err, -r, "linux.readonlyPaths[%zu] %s: make read-only", i, v->v[i]);
	}
	return 0;
}

/* The container's /dev/null as runc uses, if it is the null device (its
 * /dev may be a bind of anything), else the host's. The container's is on
 * a mount hull made, so it can be bound even when the host's /dev is
 * unbindable. */
static int open_null(int rootfd, const struct hull_mount_roots *mr, struct hull_err *err)
{
	struct stat st;
	int null = open_protected(rootfd, mr, "/dev/null");
	if (null >= 0 && fstat(null, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return null;
	if (null >= 0)
		close(null);
	null = open("/dev/null", O_PATH | O_CLOEXEC);
	if (null < 0 || fstat(null, &st) < 0)
		return hull_syserr(err, errno, "linux.maskedPaths: /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(null);
		return hull_errf(err, ENODEV, "linux.maskedPaths: /dev/null is not the null device");
	}
	return null;
}

int hull_masked_paths(const struct hull_spec *spec, int rootfd, const struct hull_mount_roots *mr,
		      struct hull_err *err)
{
	const struct hull_strv *v = &spec->linux_.masked_paths;
	if (v->n == 0)
		return 0;
	_cleanup_close_ int null = open_null(rootfd, mr, err);
	if (null < 0)
		return null;
	char p[HULL_FD_PATH_LEN];
	struct stat st;
	/* A masking tmpfs is the container's too: linux.mountLabel, as runc. */
	const char *ml = spec->linux_.mount_label;
	_cleanup_free_ char *data = ml && *ml ? hull_xasprintf("context=\"%s\"", ml) : NULL;
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_close_ int fd = open_protected(rootfd, mr, v->v[i]);
		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return hull_syserr(err, fd < 0 ? -fd : errno, "linux.maskedPaths[%zu] %s", i, v->v[i]);
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", hull_fd_path(p, fd), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  data) < 0)
				return hull_syserr(err, errno, "linux.maskedPaths[%zu] %s: mount tmpfs", i, v->v[i]);
		} else {
			int mnt = hull_mnt_bind(null, fd, false);
			if (mnt < 0)
				return hull_syserr(err, -mnt, "linux.maskedPaths[%zu] %s: bind /dev/null", i, v->v[i]);
			close(mnt);
		}
	}
	return 0;
}
