/* linux.readonlyPaths and linux.maskedPaths. A path missing from the
 * container is skipped, as the spec's defaults list paths some kernels lack. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../runtime/cleanup.h"
#include "internal.h"

int hull_readonly_paths(const struct hull_spec *spec, int rootfd, struct hull_err *err)
{
	const struct hull_strv *v = &spec->linux_.readonly_paths;
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_close_ int fd = hull_resolve(rootfd, v->v[i], HULL_RESOLVE_EXISTING);
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

int hull_masked_paths(const struct hull_spec *spec, int rootfd, struct hull_err *err)
{
	const struct hull_strv *v = &spec->linux_.masked_paths;
	if (v->n == 0)
		return 0;
	/* The container's /dev/null as runc uses, if it is the null device (its
	 * /dev may be a bind of anything), else the host's. The container's is
	 * on a mount hull made, so it can be bound even when the host's /dev
	 * is unbindable. */
	struct stat st;
	_cleanup_close_ int null = hull_resolve(rootfd, "/dev/null", HULL_RESOLVE_EXISTING);
	if (null < 0 || fstat(null, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		if (null >= 0)
			close(null);
		null = open("/dev/null", O_PATH | O_CLOEXEC);
		if (null < 0 || fstat(null, &st) < 0)
			return hull_syserr(err, errno, "linux.maskedPaths: /dev/null");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			return hull_errf(err, ENODEV, "linux.maskedPaths: /dev/null is not the null device");
	}
	char p[HULL_FD_PATH_LEN];
	for (size_t i = 0; i < v->n; i++) {
		_cleanup_close_ int fd = hull_resolve(rootfd, v->v[i], HULL_RESOLVE_EXISTING);
		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return hull_syserr(err, fd < 0 ? -fd : errno, "linux.maskedPaths[%zu] %s", i, v->v[i]);
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", hull_fd_path(p, fd), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  NULL) < 0)
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
