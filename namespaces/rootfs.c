/* The container's root: the whole mount sequence, in runc's order. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/trace.h"
#include "../base/util.h"
#include "internal.h"

/* pivot_root refuses a new root whose parent mount is shared; runc's
 * rootfsParentMountPrivate. EINVAL: not a mount point, try the parent. */
static int parent_private(const char *root, struct hull_err *err)
{
	_cleanup_free_ char *p = hull_xstrdup(root);
	for (;;) {
		if (mount(NULL, p, NULL, MS_PRIVATE, NULL) == 0)
			return 0;
		if (errno != EINVAL || strcmp(p, "/") == 0)
			return hull_syserr(err, errno, "root.path %s: make the parent mount of %s private", root, p);
		char *slash = strrchr(p, '/');
		if (slash == p)
			p[1] = 0;
		else
			*slash = 0;
	}
}

static int enter_pivot(int rootfd, struct hull_err *err)
{
	_cleanup_close_ int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old < 0)
		return hull_syserr(err, errno, "pivot_root: open /");
	if (fchdir(rootfd) < 0)
		return hull_syserr(err, errno, "pivot_root: chdir into root.path");
	/* new and old root on the same directory: the old one is stacked
	 * under the new one and detached below, no put_old dir needed */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hull_syserr(err, errno, "pivot_root");
	if (fchdir(old) < 0)
		return hull_syserr(err, errno, "pivot_root: chdir to the old root");
	/* so that the detach does not propagate to the host */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hull_syserr(err, errno, "pivot_root: make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return hull_syserr(err, errno, "pivot_root: detach the old root");
	if (chdir("/") < 0)
		return hull_syserr(err, errno, "chdir /");
	return 0;
}

/* "\040" in mountinfo paths */
static void unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
		    p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (n == 1)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* --no-pivot: runc's msMoveRoot. The host's proc and sysfs mounts stay in
 * the namespace after a chroot; detach them (or cover them) so that the
 * container does not keep them. */
static int hide_host_proc_sys(const char *root, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	int r = hull_read_file_at(-1, "/proc/self/mountinfo", &buf, NULL, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *gone = NULL;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char mnt[4096], fstype[64];
		/* id parent major:minor root mountpoint opts [optional...] - fstype ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0)
			continue;
		unescape(mnt);
		if (under(mnt, root) || under(root, mnt) || (gone && under(mnt, gone)))
			continue;
		if (umount2(mnt, MNT_DETACH) == 0) {
			free(gone);
			gone = hull_xstrdup(mnt);
			continue;
		}
		if (errno != EINVAL && errno != EPERM)
			return hull_syserr(err, errno, "--no-pivot: detach %s", mnt);
		if (errno == EPERM && mount("tmpfs", mnt, "tmpfs", MS_RDONLY, NULL) < 0)
			return hull_syserr(err, errno, "--no-pivot: cover %s", mnt);
	}
	return 0;
}

static int enter_chroot(int rootfd, const char *root, struct hull_err *err)
{
	int r = hide_host_proc_sys(root, err);
	if (r < 0)
		return r;
	if (fchdir(rootfd) < 0)
		return hull_syserr(err, errno, "chdir into root.path");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return hull_syserr(err, errno, "--no-pivot: move root.path to /");
	if (chroot(".") < 0)
		return hull_syserr(err, errno, "chroot");
	if (chdir("/") < 0)
		return hull_syserr(err, errno, "chdir /");
	return 0;
}

/* On the mount itself (its kept root fd), not on what its path shows now. */
static int delayed_readonly(const struct hull_spec *spec, const struct hull_mount_roots *mr,
			    struct hull_err *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct hull_mount *m = &spec->mounts[i];
		if (!hull_mount_delays_ro(m))
			continue;
		int fd = mr->v[i].fd;
		if (fd < 0)
			return hull_errf(err, EBADF, "mounts[%zu] %s: the mount was not kept", i, m->destination);
		int r = hull_mnt_setflags(fd, MS_RDONLY, 0, false);
		if (r < 0)
			return hull_syserr(err, -r, "mounts[%zu] %s: make read-only", i, m->destination);
	}
	return 0;
}

void hull_mount_roots_free(struct hull_mount_roots *mr)
{
	for (size_t i = 0; i < mr->n; i++) {
		free(mr->v[i].dest);
		if (mr->v[i].fd >= 0)
			close(mr->v[i].fd);
	}
	free(mr->v);
	mr->v = NULL;
	mr->n = 0;
}

/* The rootfs as a mount point of its own (pivot_root needs one), in a
 * mount tree that propagates nothing to the host; an O_PATH fd of it. */
static int mount_root(const struct hull_spec *spec, const struct hull_rootfs_opts *opts, struct hull_err *err)
{
	const struct hull_linux *l = &spec->linux_;
	const char *root = spec->root_path;
	/* Nothing we mount may reach the host: slave by default, as runc. */
	unsigned long prop = l->rootfs_propagation_flags ? l->rootfs_propagation_flags : MS_SLAVE | MS_REC;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return hull_syserr(err, errno, "%s: set the propagation of /",
				   l->rootfs_propagation_flags ? "linux.rootfsPropagation" : "rslave mount tree");
	int r = parent_private(root, err);
	if (r < 0)
		return r;
	if (spec->overlay.layers) {
		if ((r = hull_overlay_mount(spec, opts->user_ns, root, err)) < 0)
			return r;
	} else if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return hull_syserr(err, errno, "root.path %s: bind onto itself", root);
	}
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? hull_syserr(err, errno, "root.path %s", root) : fd;
}

/* The config's mounts, devices, cwd, sysctls and the masks on them. */
static int fill_root(const struct hull_spec *spec, int rootfd, const struct hull_rootfs_opts *opts,
		     struct hull_mount_roots *mr, struct hull_err *err)
{
	int r;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		mr->n = i + 1;
		mr->v[i].dest = hull_path_clean(spec->mounts[i].destination);
		if ((r = hull_mount_one(spec, i, rootfd, opts, &mr->v[i].fd, err)) < 0)
			return r;
	}
	hull_trace("mounts");
	if ((r = hull_devices_setup(spec, rootfd, err)) < 0)
		return r;
	hull_trace("devices");
	/* As runc: the cwd is made while the root is still writable. */
	if (spec->has_process && spec->process.cwd) {
		int fd = hull_resolve(rootfd, spec->process.cwd, HULL_RESOLVE_DIR);
		if (fd < 0)
			return hull_syserr(err, -fd, "process.cwd %s", spec->process.cwd);
		close(fd);
	}
	/* Before pivot_root, while the host's /proc is there: sysctl goes
	 * through it (see sysctl.c) and every mount below takes
	 * /proc/self/fd paths. runc's order otherwise: sysctl before
	 * readonlyPaths (/proc/sys turns read-only), masked last. */
	if ((r = hull_sysctl_apply(spec, err)) < 0 || (r = hull_readonly_paths(spec, rootfd, mr, err)) < 0 ||
	    (r = hull_masked_paths(spec, rootfd, mr, err)) < 0 || (r = delayed_readonly(spec, mr, err)) < 0)
		return r;
	hull_trace("masks");
	return 0;
}

/* In the new root: root.readonly. linux.rootfsPropagation was applied
 * to the mount tree before the root was bound (mount_root), and stays
 * there: as under runc 1.1, the new / is not shared, whatever it says
 * (pivot_root leaves it private), so nothing mounted in the container
 * propagates anywhere through it. */
static int finish_root(const struct hull_spec *spec, struct hull_err *err)
{
	if (spec->root_readonly) {
		_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_syserr(err, errno, "root.readonly: open /");
		int r = hull_mnt_setflags(fd, MS_RDONLY, 0, false);
		if (r < 0)
			return hull_syserr(err, -r, "root.readonly: make / read-only");
	}
	return 0;
}

int hull_rootfs_setup(const struct hull_spec *spec, const struct hull_rootfs_opts *opts,
		      struct hull_err *err)
{
	static const struct hull_rootfs_opts no_opts;
	if (!opts)
		opts = &no_opts;
	if (!spec->root_path || spec->root_path[0] != '/')
		return hull_errf(err, EINVAL, "root.path: must be absolute");
	_cleanup_close_ int rootfd = mount_root(spec, opts, err);
	if (rootfd < 0)
		return rootfd;
	hull_trace("root");
	__attribute__((cleanup(hull_mount_roots_free))) struct hull_mount_roots mr = {
		.v = hull_xcalloc(spec->n_mounts ? spec->n_mounts : 1, sizeof(*mr.v)),
	};
	int r = fill_root(spec, rootfd, opts, &mr, err);
	if (r == 0 && opts->before_pivot)
		r = opts->before_pivot(opts->before_pivot_data, err);
	hull_trace("hooks");
	if (r == 0)
		r = opts->no_pivot ? enter_chroot(rootfd, spec->root_path, err) : enter_pivot(rootfd, err);
	hull_trace("pivot");
	return r < 0 ? r : finish_root(spec, err);
}
