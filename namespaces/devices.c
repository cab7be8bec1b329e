/* /dev: the default devices and symlinks of runtime-spec's runtime-linux.md,
 * then linux.devices. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

struct node {
	const char *path;
	char type;
	int64_t major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static const struct node default_nodes[] = {
	{ "/dev/null", 'c', 1, 3, 0666, 0, 0 },
	{ "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
	{ "/dev/full", 'c', 1, 7, 0666, 0, 0 },
	{ "/dev/random", 'c', 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", 'c', 1, 9, 0666, 0, 0 },
	{ "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static mode_t node_fmt(char type)
{
	switch (type) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return S_IFCHR;	/* 'c', 'u' */
	}
}

/* mknod is refused (no CAP_MKNOD, or a device cgroup): bind the host's node
 * of the same path, as runc does. */
static int bind_host_node(const struct node *n, int parent, const char *base, const char *label,
			  struct hull_err *err)
{
	_cleanup_close_ int src = open(n->path, O_PATH | O_CLOEXEC);
	if (src < 0)
		return hull_syserr(err, errno, "%s: mknod: Operation not permitted; bind the host's", label);
	struct stat st;
	if (fstat(src, &st) < 0)
		return hull_syserr(err, errno, "%s: %s", label, n->path);
	if ((st.st_mode & S_IFMT) != node_fmt(n->type) ||
	    (n->type != 'p' && st.st_rdev != makedev((unsigned)n->major, (unsigned)n->minor)))
		return hull_errf(err, EPERM, "%s: mknod: Operation not permitted, and the host's %s is another device",
				 label, n->path);
	/* mknod of a regular file: never opens whatever may already be there */
	if (mknodat(parent, base, S_IFREG | 0600, 0) < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "%s: create the bind target", label);
	_cleanup_close_ int dst = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return hull_syserr(err, errno, "%s: open the bind target", label);
	int mnt = hull_mnt_bind(src, dst, false);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "%s: bind %s", label, n->path);
	close(mnt);
	return 0;
}

static int make_node(int rootfd, const struct node *n, const char *label, struct hull_err *err)
{
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int parent = hull_resolve_parent(rootfd, n->path, true, &base);
	if (parent < 0)
		return hull_syserr(err, -parent, "%s", label);
	mode_t fmt = node_fmt(n->type);
	dev_t dev = n->type == 'p' ? 0 : makedev((unsigned)n->major, (unsigned)n->minor);
	if (mknodat(parent, base, fmt | (n->mode & 07777), dev) < 0) {
		if (errno == EPERM)
			return bind_host_node(n, parent, base, label, err);
		if (errno != EEXIST)
			return hull_syserr(err, errno, "%s: mknod", label);
		struct stat st;
		if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_syserr(err, errno, "%s: stat", label);
		/* runtime-spec: what is there and is not this device is an error;
		 * nothing of the image is removed. */
		if ((st.st_mode & S_IFMT) != fmt || (n->type != 'p' && st.st_rdev != dev))
			return hull_errf(err, EEXIST, "%s: a file that is not this device is already there", label);
	}
	/* mknod's mode went through the umask */
	if (fchmodat(parent, base, n->mode & 07777, 0) < 0)
		return hull_syserr(err, errno, "%s: chmod", label);
	if (fchownat(parent, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_syserr(err, errno, "%s: chown", label);
	return 0;
}

static bool same_path(const char *a, const char *b)
{
	_cleanup_free_ char *ca = hull_path_clean(a), *cb = hull_path_clean(b);
	return strcmp(ca, cb) == 0;
}

static int make_links(int rootfd, struct hull_err *err)
{
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	_cleanup_close_ int dev = hull_resolve(rootfd, "/dev", HULL_RESOLVE_DIR);
	if (dev < 0)
		return hull_syserr(err, -dev, "/dev");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return hull_syserr(err, errno, "/dev/%s: symlink", links[i][0]);
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "/dev/core: symlink");
	/* The console code opens /dev/ptmx: it must be the ptmx of the
	 * container's own devpts instance, whatever the image shipped. */
	if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "/dev/ptmx: remove");
	if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
		return hull_syserr(err, errno, "/dev/ptmx: symlink");
	return 0;
}

/* runc's needsSetupDev: a /dev bound from elsewhere is used as it is. */
static bool dev_is_bound(const struct hull_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++)
		if (spec->mounts[i].is_bind && same_path(spec->mounts[i].destination, "/dev"))
			return true;
	return false;
}

/* A /dev bound from elsewhere is not hull's to write to (it may be the
 * host's): the runtime-spec's default devices must already be there. */
static int check_bound_dev(int rootfd, struct hull_err *err)
{
	_cleanup_close_ int dev = hull_resolve(rootfd, "/dev", HULL_RESOLVE_EXISTING);
	if (dev < 0)
		return hull_syserr(err, -dev, "/dev");
	for (size_t i = 0; i < sizeof(default_nodes) / sizeof(default_nodes[0]); i++) {
		const struct node *n = &default_nodes[i];
		struct stat st;
		const char *name = n->path + strlen("/dev/");
		if (fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != makedev((unsigned)n->major, (unsigned)n->minor))
			return hull_errf(err, ENOENT, "%s: not in the /dev bound into the container (a default device "
					 "every container must have)", n->path);
	}
	return 0;
}

int hull_devices_setup(const struct hull_spec *spec, int rootfd, struct hull_err *err)
{
	if (dev_is_bound(spec))
		return check_bound_dev(rootfd, err);
	const struct hull_linux *l = &spec->linux_;
	int r;
	for (size_t i = 0; i < sizeof(default_nodes) / sizeof(default_nodes[0]); i++) {
		bool given = false;
		for (size_t k = 0; k < l->n_devices && !given; k++)
			given = same_path(l->devices[k].path, default_nodes[i].path);
		if (!given && (r = make_node(rootfd, &default_nodes[i], default_nodes[i].path, err)) < 0)
			return r;
	}
	for (size_t k = 0; k < l->n_devices; k++) {
		const struct hull_device *d = &l->devices[k];
		struct node n = {
			.path = d->path, .type = d->type, .major = d->major, .minor = d->minor,
			.mode = d->has_file_mode ? d->file_mode & 07777 : 0666,
			.uid = d->has_uid ? d->uid : 0, .gid = d->has_gid ? d->gid : 0,
		};
		_cleanup_free_ char *label = hull_xasprintf("linux.devices[%zu] %s", k, d->path);
		if ((r = make_node(rootfd, &n, label, err)) < 0)
			return r;
	}
	return make_links(rootfd, err);
}

int hull_dev_console_bind(int pty_fd, struct hull_err *err)
{
	/* Called in the new root: "/dev" cannot lead out of it. */
	_cleanup_close_ int dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return hull_syserr(err, errno, "/dev/console: open /dev");
	if (mknodat(dev, "console", S_IFREG | 0600, 0) < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "/dev/console: create the bind target");
	_cleanup_close_ int dst = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return hull_syserr(err, errno, "/dev/console: open the bind target");
	int mnt = hull_mnt_bind(pty_fd, dst, false);
	if (mnt < 0)
		return hull_syserr(err, -mnt, "/dev/console: bind the pty");
	close(mnt);
	return 0;
}
