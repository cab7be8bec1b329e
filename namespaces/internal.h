/* Shared between the files of namespaces/; not part of the module's API. */
#ifndef HULL_NS_INTERNAL_H
#define HULL_NS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

#include "namespaces.h"

/* "linux.namespaces[network]": the spec tree keeps namespaces by type, not
 * by their index in the JSON array. */
const char *hull_ns_label(enum hull_ns_type type);

/* --- resolve.c ------------------------------------------------------------ */

enum hull_resolve_mode {
	HULL_RESOLVE_EXISTING,	/* ENOENT if missing */
	HULL_RESOLVE_DIR,	/* create missing directories, the last one too */
	HULL_RESOLVE_FILE,	/* create missing parent directories and an empty file */
	/* or'd in: a symlink anywhere on the path is ELOOP */
	HULL_RESOLVE_NO_SYMLINKS = 0x10,
};

/* Opens path (absolute or not, taken as relative to rootfd) as an O_PATH fd,
 * resolving every component inside rootfd: ".." and absolute symlinks stop
 * at rootfd, magic links are refused. Missing components are created per
 * mode, one at a time relative to their resolved parent, so a symlink can
 * never make a creation land outside the root; a dangling symlink is
 * followed (inside the root) and its target created, as runc does.
 * Returns the fd or -errno. */
int hull_resolve(int rootfd, const char *path, enum hull_resolve_mode mode);

/* Opens the parent directory of path inside rootfd (created if mkdir) and
 * returns it as an O_PATH fd or -errno; *base gets the last component,
 * malloc'd (-EINVAL if it would be "", "." or ".."). */
int hull_resolve_parent(int rootfd, const char *path, bool mkdir, char **base);

/* "/proc/self/fd/N", the path the old mount API takes for an fd. */
#define HULL_FD_PATH_LEN 32
const char *hull_fd_path(char buf[HULL_FD_PATH_LEN], int fd);

/* --- mntattr.c ------------------------------------------------------------ */

#define HULL_MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* The per-mount flags a bind remount can change. */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#define HULL_MS_MNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | \
			   MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW)

/* Sets (set) and clears (clr) per-mount MS_* flags of the mount fd is the
 * root of, keeping every other flag as it is (mount_setattr; falls back to
 * a MS_BIND|MS_REMOUNT that restates the current flags read by fstatfs). */
int hull_mnt_setflags(int fd, unsigned long set, unsigned long clr, bool recursive);

/* mount_setattr(AT_RECURSIVE) with MOUNT_ATTR_* values ("rro", "rnosuid"...). */
int hull_mnt_setattr_rec(int fd, uint64_t attr_set, uint64_t attr_clr);

/* MS_PRIVATE etc. on the mount fd is the root of. */
int hull_mnt_propagation(int fd, unsigned long propagation);

/* As hull_mnt_bind, the new mount idmapped with the maps of userns_fd
 * (every mount of the tree with idmap_recursive: "ridmap"). */
int hull_mnt_bind_idmapped(int src_fd, int dst_fd, bool recursive, int userns_fd, bool idmap_recursive);

/* Bind mounts the object src_fd refers to onto the one dst_fd refers to. */
int hull_mnt_bind(int src_fd, int dst_fd, bool recursive);

/* --- mounts.c / cgroupfs.c ------------------------------------------------ */

/* Performs spec->mounts[i] under rootfd. err names "mounts[i] DEST".
 * *root: an O_PATH fd of the new mount's root (the caller closes it), -1
 * where there is none to give (cgroup mounts). */
int hull_mount_one(const struct hull_spec *spec, size_t i, int rootfd,
		   const struct hull_rootfs_opts *opts, int *root, struct hull_err *err);

/* The mount of type "cgroup" at spec->mounts[i]. */
int hull_mount_cgroup(const struct hull_mount *m, const char *label, int rootfd,
		      const struct hull_rootfs_opts *opts, struct hull_err *err);

/* The mounts made read-write so hull could fill them and that must become
 * read-only at the end (tmpfs and /dev with "ro", as runc does). */
bool hull_mount_delays_ro(const struct hull_mount *m);

/* --- copyup.c ------------------------------------------------------------- */

/* Copies the tree under from_dir into to_dir (tmpcopyup): files, dirs,
 * symlinks and nodes with their mode, owner and times. */
int hull_copyup(int from_dir, int to_dir);

/* --- validate.c ----------------------------------------------------------- */

/* runc's rule: nothing may be mounted inside /proc except a few files that
 * lxcfs emulates; /proc itself only takes procfs. rel is the destination
 * relative to the container's root, without a leading "/", cleaned. */
bool hull_proc_dest_allowed(const char *rel);

/* Cleans an absolute path lexically: no "//", no "." components, no
 * trailing "/". ".." components are kept. Caller frees. */
char *hull_path_clean(const char *path);

/* --- devices.c / paths.c / sysctl.c --------------------------------------- */

int hull_devices_setup(const struct hull_spec *spec, int rootfd, struct hull_err *err);
/* The root of each mount of spec->mounts, as hull_mount_one gave it. */
struct hull_mount_root {
	char *dest;		/* cleaned destination */
	int fd;			/* O_PATH fd of the mount's root, or -1 */
};
struct hull_mount_roots {
	struct hull_mount_root *v;
	size_t n;
};
void hull_mount_roots_free(struct hull_mount_roots *mr);

int hull_masked_paths(const struct hull_spec *spec, int rootfd, const struct hull_mount_roots *mr,
		      struct hull_err *err);
int hull_readonly_paths(const struct hull_spec *spec, int rootfd, const struct hull_mount_roots *mr,
			struct hull_err *err);
int hull_sysctl_apply(const struct hull_spec *spec, struct hull_err *err);

/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward"; -EINVAL for a key that
 * could leave /proc/sys ("..", "/", empty components). Caller frees. */
int hull_sysctl_path(const char *key, char **out);

/* Child: mounts the overlay root of spec->overlay on root (the upper a
 * detached tmpfs unless org.hull.rootfs.upper); one read-only layer is bound
 * instead. With lowerdir+ (Linux 6.8) each layer is its own fsconfig, else
 * one mount(2) option string, bounded by a page. Errors name the annotation
 * and carry the kernel's reason. */
int hull_overlay_mount(const struct hull_spec *spec, bool user_ns, const char *root,
		       struct hull_err *err);

#endif
