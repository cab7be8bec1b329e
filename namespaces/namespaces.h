/* Namespaces, the mount table and the root of the container.
 *
 * Parent side: hull_ns_plan_prepare() opens and checks every namespace the
 * config joins by path (before anything is created), hull_spawn() makes
 * the init in its new namespaces (and exec's process in the container's).
 * Child side: hull_ns_join(), then after the parent attached the cgroup
 * hull_ns_unshare_cgroup(), then hull_rootfs_setup() and hull_uts_setup().
 * Nothing here parses JSON; it reads struct hull_spec. */
#ifndef HULL_NAMESPACES_H
#define HULL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/cleanup.h"
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

/* How a child enters a container: the init (born with clone_flags, in
 * joined user and pid namespaces) or an exec'd process (born in every
 * namespace of join_pidfd that join_flags names). */
struct hull_spawn {
	int clone_flags;	/* CLONE_NEW* the child is born with */
	int join_pidfd;		/* exec: setns(join_pidfd, join_flags) first; -1 */
	int join_flags;
	int userns_fd;		/* a joined user namespace: owns what the clone makes; -1 */
	int pidns_fd;		/* a joined pid namespace; -1 */
	int cgroup_fd;		/* the v2 cgroup to be born in (CLONE_INTO_CGROUP); -1 */
	/* Moves a pid into that v2 cgroup where the kernel refuses to clone
	 * into it; required with cgroup_fd. */
	int (*attach)(void *data, pid_t pid, struct hull_err *err);
	void *attach_data;
	const int *tasks_fds;	/* v1 "tasks" files: "0" moves the helper in first */
	size_t n_tasks_fds;
	const int *keep;	/* fds the child keeps (-1 entries are skipped); */
	size_t n_keep;
	int keep_below;		/* ... and 0 .. keep_below-1 (stdio, --preserve-fds) */
	int parent_fd;		/* a kept socket whose peer hull holds while it waits */
};

/* fork()-like: returns 0 in the child and the child's pid in the caller,
 * whose child it is; a negative errno with err set on failure. When the
 * child joins anything (exec, a joined user or pid namespace) or shares a
 * pid namespace, a helper that the container cannot see (it stays in our
 * pid namespace) is born in the cgroup (or attached), moves itself into
 * the v1 cgroups, closes every fd but the kept ones, enters the
 * namespaces and clones the child: the child is born in its cgroups and
 * namespaces holding only the kept fds. A child born into a new pid
 * namespace of its own does that cleanup itself, first thing, while it is
 * the only process there (one clone less: 0.3 ms). The child gets SIGKILL
 * if the caller dies before it execs (PR_SET_PDEATHSIG, set and checked
 * race-free); its errors before it runs anything go to parent_fd as a
 * HULL_SYNC_ERROR message. */
pid_t hull_spawn(const struct hull_spawn *s, struct hull_err *err);

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

/* Whether a mount is idmapped: maps of its own, or the "idmap"/"ridmap"
 * option (then the container's maps). */
bool hull_mount_idmapped(const struct hull_mount *m);

/* Parent, before the clone: for each idmapped mount of spec (fds has
 * spec->n_mounts entries), an fd of a user namespace holding its maps;
 * -1 for the others. hull_idmap_release closes them. */
int hull_idmap_prepare(const struct hull_spec *spec, int *fds, struct hull_err *err);
void hull_idmap_release(int *fds, size_t n);

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
	/* Per mount of the spec: the user namespace of an idmapped one, -1. */
	const int *idmap_fds;
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

HULL_DEFINE_CLEANUP_VALUE(struct hull_ns_plan, hull_ns_plan_release)
#define _cleanup_plan_ __attribute__((cleanup(hull_ns_plan_releasep)))

#endif
