/* Namespaces, the mount table and the root of the container.
 *
 * Parent side: hull_ns_plan_prepare() opens and checks every namespace the
 * config joins by path (before anything is created), hull_ns_clone() forks
 * the init into its new namespaces.
 * Child side: hull_ns_join(), then after the parent attached the cgroup
 * hull_ns_unshare_cgroup(), then hull_rootfs_setup() and hull_uts_setup().
 * Nothing here parses JSON; it reads struct hull_spec. */
#ifndef HULL_NAMESPACES_H
#define HULL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "../oci-spec/spec.h"

struct hull_ns_plan {
	int clone_flags;		/* CLONE_NEW* created by the clone itself */
	bool unshare_cgroup;		/* new cgroup ns: unshared by the child after the attach */
	int join_fd[HULL_NS_TYPES];	/* O_CLOEXEC fd of a namespace to join, or -1 */
	bool user_ns;			/* the init lives in a user ns of its own or a joined one */
	bool unshare_time;		/* new time ns: unshared by the child, entered at exec */
	char time_offsets[128];		/* for /proc/self/timens_offsets, "" when none */
};

/* Opens linux.namespaces[].path of each joined namespace and checks its type
 * (NS_GET_NSTYPE); checks linux.uidMappings/gidMappings against the user
 * namespace and linux.timeOffsets against the time namespace.
 * Errors name the JSON path: "linux.namespaces[2].path: /x: not a network namespace". */
int hull_ns_plan_prepare(const struct hull_spec *spec, struct hull_ns_plan *plan,
			 struct hull_err *err);
void hull_ns_plan_release(struct hull_ns_plan *plan);

/* fork()-like: returns the child's pid in the parent, 0 in the child, a
 * negative errno on failure. A joined pid namespace is entered for the
 * child only (setns before, restore after), so the init is pid 1 there or
 * a member of it. A joined user namespace is entered before the clone (by
 * a short-lived helper), so it owns every namespace the clone creates. The
 * child gets SIGKILL if the parent dies before it execs (PR_SET_PDEATHSIG,
 * set and checked race-free). With cgroup_fd >= 0 the child is born in that
 * v2 cgroup (clone3 CLONE_INTO_CGROUP) when the kernel takes it, and
 * *into_cgroup says so; not through a joined user namespace. */
pid_t hull_ns_clone(const struct hull_ns_plan *plan, int cgroup_fd, bool *into_cgroup,
		    struct hull_err *err);

/* Parent, after the clone and before the child goes on: writes
 * linux.uidMappings and gidMappings to /proc/PID/uid_map and gid_map of a
 * new user namespace, "deny" to /proc/PID/setgroups first when hull is not
 * root (the kernel requires it of an unprivileged gid_map). No-op without
 * a new user namespace. */
int hull_ns_write_id_maps(const struct hull_spec *spec, pid_t pid, struct hull_err *err);

/* Child: in a user namespace, becomes its root (uid and gid 0, which the
 * maps must hold); a new time namespace is unshared and its offsets written
 * (the init enters it when it execs); then enters each joined namespace
 * (mount last, so the paths of the others stay valid). */
int hull_ns_join(const struct hull_ns_plan *plan, struct hull_err *err);

/* Child: unshare(CLONE_NEWCGROUP) when the plan asks for it. Called after the
 * parent moved the child into its cgroup, so the namespace is rooted there. */
int hull_ns_unshare_cgroup(const struct hull_ns_plan *plan, struct hull_err *err);

/* Parent: keeps /proc/PID/ns/TYPE alive after its last process by a bind
 * mount on the new file NAME in dirfd (the state dir). hull_ns_open_pinned
 * opens it (O_CLOEXEC); hull_ns_unpin unmounts and removes it, and is a
 * no-op when NAME does not exist, so a delete after a crash can run it. */
int hull_ns_pin(pid_t pid, const char *type, int dirfd, const char *name, struct hull_err *err);
int hull_ns_open_pinned(int dirfd, const char *name, struct hull_err *err);
int hull_ns_unpin(int dirfd, const char *name, struct hull_err *err);

/* Parent, before the clone, for an org.hull.rootfs.layers root: every layer
 * exists and is a directory, at most overlayfs' 500; a kept upper gets its
 * upper/ and work/; root.path, the mount point, is made if missing. */
int hull_overlay_prepare(const struct hull_spec *spec, struct hull_err *err);

/* One cgroup hierarchy as the container must see it under /sys/fs/cgroup. */
struct hull_cgroup_mount {
	const char *name;	/* directory under /sys/fs/cgroup: "memory", "cpu,cpuacct",
				   "unified", or "" for a cgroup2 tree mounted at the top */
	const char *fstype;	/* "cgroup" or "cgroup2" */
	const char *data;	/* mount data for a fresh mount: "memory", "name=systemd", NULL */
	const char *host_path;	/* the container's cgroup dir on the host, bound when
				   there is no cgroup namespace */
};

struct hull_rootfs_opts {
	bool no_pivot;		/* chroot instead of pivot_root (--no-pivot) */
	bool cgroup_ns;		/* the init has its own cgroup namespace */
	bool user_ns;		/* the init is in a user namespace (overlay: userxattr) */
	const struct hull_cgroup_mount *cgroups;	/* for mounts of type "cgroup" */
	size_t n_cgroups;
	/* Symlinks to create under /sys/fs/cgroup for co-mounted v1 controllers
	   ("cpu" -> "cpu,cpuacct"); pairs of {link name, target}. */
	const char *const (*cgroup_links)[2];
	size_t n_cgroup_links;
	/* Called after the mounts, just before pivot_root (or chroot), while
	   the host's paths are still visible: the createContainer hooks. */
	int (*before_pivot)(void *data, struct hull_err *err);
	void *before_pivot_data;
};

/* Child, in its new mount namespace: makes the mount tree private (or
 * linux.rootfsPropagation), binds the rootfs, performs spec->mounts in order
 * with every destination resolved inside the rootfs without following a
 * symlink out of it, creates the default devices and /dev symlinks and
 * linux.devices (mknod, or a bind of the host node where mknod is refused),
 * pivot_root (or chroot), applies maskedPaths, readonlyPaths, root.readonly,
 * linux.sysctl. On return the process is in the new root with cwd "/". */
int hull_rootfs_setup(const struct hull_spec *spec, const struct hull_rootfs_opts *opts,
		      struct hull_err *err);

/* Parent, before anything is created: checks what hull_rootfs_setup() would
 * refuse for a config reason, so a bad config fails with nothing to undo.
 * sysctl: keys must be namespaced by a namespace the container owns
 * (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* need a new ipc ns;
 * net.* a new network ns; kernel.hostname/domainname a new uts ns), no ".."
 * or "/" tricks. "linux.sysctl.KEY: cause".
 * mounts: destinations absolute, no ".." escaping, type known to the kernel
 * (/proc/filesystems) or a bind, bind sources exist. "mounts[3].destination: cause". */
int hull_sysctl_validate(const struct hull_spec *spec, struct hull_err *err);
int hull_mounts_validate(const struct hull_spec *spec, struct hull_err *err);

/* Child, in the new root: binds the container's pty (an fd of its slave)
 * over /dev/console, as runc does, so programs that write to the console
 * reach the terminal. */
int hull_dev_console_bind(int pty_fd, struct hull_err *err);

/* Child: hostname and domainname (in its uts namespace). */
int hull_uts_setup(const struct hull_spec *spec, struct hull_err *err);

#endif
