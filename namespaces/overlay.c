/* An overlayfs root (org.hull.rootfs.*): checked and prepared by the
 * parent, mounted by the init in its own mount namespace on root.path, whose
 * parent mount it made private first: the host never holds the overlay nor
 * the tmpfs of an ephemeral upper, whatever linux.rootfsPropagation says,
 * and a crash leaves no mount behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

/* OVL_MAX_STACK in fs/overlayfs. */
#define OVL_MAX_LAYERS 500
/* A mount(2) data page, the legacy option string's limit. */
#define MOUNT_DATA_MAX 4095

#define LAYERS "org.hull.rootfs.layers"
#define UPPER "org.hull.rootfs.upper"

/* mkdir -p of one absolute path (0755); what exists is fine. */
static int mkdir_p(const char *path)
{
	_cleanup_free_ char *p = hull_xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			break;
		*s = c;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int hull_overlay_prepare(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_overlay_config *ov = &spec->overlay;
	if (!ov->layers)
		return 0;
	if (ov->n_layers > OVL_MAX_LAYERS)
		return hull_errf(err, EINVAL, "%s: %zu layers: overlayfs stacks at most %d", LAYERS,
				 ov->n_layers, OVL_MAX_LAYERS);
	for (size_t i = 0; i < ov->n_layers; i++) {
		struct stat st;
		if (stat(ov->layers[i], &st) < 0)
			return errno == ENOENT ?
				hull_errf(err, ENOENT, "%s: %s: no such directory", LAYERS, ov->layers[i]) :
				hull_syserr(err, errno, "%s: %s", LAYERS, ov->layers[i]);
		if (!S_ISDIR(st.st_mode))
			return hull_errf(err, ENOTDIR, "%s: %s: not a directory", LAYERS, ov->layers[i]);
	}
	int r;
	if (ov->upper) {
		/* Said here, before anything is made, on every kernel: a legacy
		 * mount(2) would only say EINVAL (the reason goes to dmesg). */
		struct statfs sf;
		if (statfs(ov->upper, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC)
			return hull_errf(err, EINVAL, "%s: %s is on an overlayfs, which overlayfs cannot use "
					 "as an upper", UPPER, ov->upper);
		_cleanup_free_ char *up = NULL, *work = NULL;
		if (asprintf(&up, "%s/upper", ov->upper) < 0 || asprintf(&work, "%s/work", ov->upper) < 0)
			return hull_errf(err, ENOMEM, "%s: out of memory", UPPER);
		if ((r = mkdir_p(up)) < 0 || (r = mkdir_p(work)) < 0)
			return hull_syserr(err, -r, "%s: %s", UPPER, ov->upper);
	}
	if ((r = mkdir_p(spec->root_path)) < 0)
		return hull_syserr(err, -r, "root.path %s: the overlay's mount point", spec->root_path);
	return 0;
}

/* The kernel's own words for a refused fs context ("e overlayfs: ..."). */
static void kernel_reason(int fs, char *buf, size_t len)
{
	buf[0] = 0;
	char msg[512];
	ssize_t n;
	while ((n = read(fs, msg, sizeof(msg) - 1)) > 0) {
		msg[n] = 0;
		if (msg[0] == 'e' && msg[1] == ' ') {
			size_t k = strnlen(msg + 2, len - 1);
			memcpy(buf, msg + 2, k);
			while (k && buf[k - 1] == '\n')
				k--;
			buf[k] = 0;
		}
	}
}

/* A tmpfs on root holding upper/ and work/, for an upper that dies with the
 * container's mount namespace; the overlay is then mounted over it. It is
 * attached (overlayfs before Linux 6.15 refuses an upper on a detached
 * mount) where nothing propagates: root's parent mount is private. */
static int tmpfs_upper(const char *size, const char *root, struct hull_err *err)
{
	_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return hull_syserr(err, errno, "org.hull.rootfs: tmpfs upper");
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return hull_syserr(err, errno, "org.hull.rootfs.upper-size %s: tmpfs", size);
	_cleanup_close_ int m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (m < 0)
		return hull_syserr(err, errno, "org.hull.rootfs: tmpfs upper");
	if (mkdirat(m, "upper", 0755) < 0 || mkdirat(m, "work", 0755) < 0)
		return hull_syserr(err, errno, "org.hull.rootfs: tmpfs upper");
	if (move_mount(m, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return hull_syserr(err, errno, "org.hull.rootfs: tmpfs upper on %s", root);
	return 0;
}

/* Appends s to the option string, with '\' before the characters overlay's
 * legacy parser splits on. */
static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ',' || *s == ':' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* Kernels before 6.8 know no "lowerdir+" and take a string value of at most
 * 256 bytes through fsconfig: then mount(2) with the whole option string,
 * which a page bounds. */
static int mount_legacy(const struct hull_overlay_config *ov, const char *upper, const char *work,
			bool userxattr, bool readonly, const char *root, struct hull_err *err)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	if (!f)
		return hull_errf(err, ENOMEM, "%s: out of memory", LAYERS);
	fputs("lowerdir=", f);
	for (size_t i = 0; i < ov->n_layers; i++) {
		if (i)
			fputc(':', f);
		put_escaped(f, ov->layers[i]);
	}
	if (upper) {
		fputs(",upperdir=", f);
		put_escaped(f, upper);
		fputs(",workdir=", f);
		put_escaped(f, work);
	}
	if (userxattr)
		fputs(",userxattr", f);
	fclose(f);
	_cleanup_free_ char *opts = data;
	if (len > MOUNT_DATA_MAX)
		return hull_errf(err, E2BIG, "%s: %zu layers make a mount option of %zu bytes; this kernel "
				 "(no lowerdir+, before Linux 6.8) takes at most %d", LAYERS, ov->n_layers,
				 len, MOUNT_DATA_MAX);
	if (mount("overlay", root, "overlay", readonly ? MS_RDONLY : 0, opts) < 0)
		return hull_syserr(err, errno, "overlayfs root on %s", root);
	return 0;
}

static int config(int fs, const char *key, const char *value)
{
	return fsconfig(fs, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, key, value, 0) < 0 ? -errno : 0;
}

int hull_overlay_mount(const struct hull_spec *spec, bool user_ns, const char *root,
		       struct hull_err *err)
{
	const struct hull_overlay_config *ov = &spec->overlay;
	bool readonly = spec->root_readonly;
	/* overlayfs wants two lowers without an upper; one read-only layer
	 * is just that directory. */
	if (readonly && ov->n_layers == 1) {
		if (mount(ov->layers[0], root, NULL, MS_BIND | MS_REC, NULL) < 0)
			return hull_syserr(err, errno, "%s %s: bind onto %s", LAYERS, ov->layers[0], root);
		return 0;
	}
	_cleanup_free_ char *upper = NULL, *work = NULL;
	if (!readonly) {
		int r;
		if (!ov->upper && (r = tmpfs_upper(ov->upper_size, root, err)) < 0)
			return r;
		const char *dir = ov->upper ? ov->upper : root;
		if (asprintf(&upper, "%s/upper", dir) < 0 || asprintf(&work, "%s/work", dir) < 0)
			return hull_errf(err, ENOMEM, "overlayfs root: out of memory");
	}
	/* In a user namespace trusted.* xattrs are out of reach. */
	bool userxattr = user_ns && upper;

	_cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return hull_syserr(err, errno, "%s: overlayfs", LAYERS);
	char why[256];
	/* Before 6.5 overlayfs takes fsconfig keys unchecked into one legacy
	 * string (a key it must refuse is taken); 6.5 to 6.7 check them but
	 * know no lowerdir+. Both get the mount(2) string. */
	if (config(fs, "hull-probe", NULL) == 0)
		return mount_legacy(ov, upper, work, userxattr, readonly, root, err);
	kernel_reason(fs, why, sizeof(why));
	int r = 0;
	for (size_t i = 0; r == 0 && i < ov->n_layers; i++)
		r = config(fs, "lowerdir+", ov->layers[i]);
	if (r < 0) {
		kernel_reason(fs, why, sizeof(why));
		if (r == -EINVAL && strstr(why, "nknown parameter"))
			return mount_legacy(ov, upper, work, userxattr, readonly, root, err);
		return hull_errf(err, -r, "%s: overlayfs: %s", LAYERS, why[0] ? why : strerror(-r));
	}
	/* Paths are looked up, and an upper's filesystem judged, right here. */
	if (upper && ((r = config(fs, "upperdir", upper)) < 0 || (r = config(fs, "workdir", work)) < 0)) {
		kernel_reason(fs, why, sizeof(why));
		return hull_errf(err, -r, "%s: overlayfs: %s", ov->upper ? UPPER : "org.hull.rootfs.upper-size",
				 why[0] ? why : strerror(-r));
	}
	if (userxattr && (r = config(fs, "userxattr", NULL)) < 0)
		return hull_syserr(err, -r, "%s: overlayfs: userxattr", UPPER);
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		kernel_reason(fs, why, sizeof(why));
		const char *who = ov->upper && strstr(why, "upper") ? UPPER : LAYERS;
		return hull_errf(err, e, "%s: overlayfs refused the root: %s", who,
				 why[0] ? why : strerror(e));
	}
	_cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, readonly ? MOUNT_ATTR_RDONLY : 0);
	if (mnt < 0)
		return hull_syserr(err, errno, "overlayfs root: fsmount");
	if (move_mount(mnt, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return hull_syserr(err, errno, "overlayfs root: mount on %s", root);
	return 0;
}
