/* cgroups: one interface over v1, v2 and hybrid hierarchies.
 *
 * Discovery happens once per command from /proc/self/mountinfo and
 * /proc/self/cgroup. Every file is written through a dirfd of the cgroup
 * directory. Never called from inside the container. */
#ifndef HULL_CGROUPS_H
#define HULL_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/cleanup.h"
#include "../namespaces/namespaces.h"
#include "../oci-spec/spec.h"

struct hull_cgroup;	/* one container's cgroup across all hierarchies */

struct hull_cgroup_opts {
	/* linux.cgroupsPath; absolute paths start at each hierarchy's root,
	 * relative ones nest under the calling process's own cgroup in that
	 * hierarchy (as runc does); NULL means the relative path "hull/ID". */
	const char *path;
	const char *id;
	/* org.hull.cgroups.join: the path is an existing cgroup, possibly
	 * holding other processes, that the container joins: no limits are
	 * applied to it, it is never frozen, killed as a whole or removed. */
	bool join;
	/* Where the parent cgroups hull makes are marked, so the last
	 * container under one removes it (parents.c). -1: none. */
	int registry_fd;
	/* --systemd-cgroup: path is "slice:prefix:name", the cgroup a
	 * transient scope systemd makes (hull_cgroup_start) with the
	 * org.systemd.property.* annotations among these. */
	bool systemd;
	const struct hull_kvs *annotations;
};

/* Whether hull writes this controller's limits (by its v1 or v2 name):
 * `hull features` says "rdma" from it. */
bool hull_cgroup_controller_known(const char *name);

/* Plans the container's cgroup in every hierarchy without making
 * anything: hull_cgroup_serialize() then names every directory that
 * hull_cgroup_realize() may make, for a record written before them.
 * res: linux.resources, checked against what the host has. */
int hull_cgroup_plan(const struct hull_cgroup_opts *o, const struct hull_resources *res,
		     struct hull_cgroup **out, struct hull_err *err);

/* Makes the planned directories and applies res (a value this layer cannot
 * apply is an error naming it, never a silent ignore). A directory that
 * already exists is reused when nothing runs anywhere in its subtree (as
 * runc does) and is never removed by destroy; with processes it is an
 * error unless joined. Not root and no write access where the cgroup must
 * go (no delegation): when res asks for no limit, *cgp becomes a cgroup
 * that only shows the caller's own cgroups to the container
 * (hull_cgroup_mounts) and whose attach, kill and destroy do nothing;
 * hull_cgroup_warning() says so. Asked limits are then an error. On
 * failure what was made is removed. */
int hull_cgroup_realize(struct hull_cgroup **cgp, const struct hull_resources *res, struct hull_err *err);

/* hull_cgroup_plan and hull_cgroup_realize in one, with no record and no
 * parent marks: for callers that need neither (tests, tools). */
int hull_cgroup_create(const char *cgroups_path, const char *id, const struct hull_resources *res,
		       struct hull_cgroup **out, struct hull_err *err);

/* After the clone, before the child does anything: where the cgroup needs
 * a process to exist (the systemd driver's scope), makes it with pid in it
 * and applies res. Nothing for the cgroupfs driver. */
int hull_cgroup_start(struct hull_cgroup *cg, pid_t pid, const struct hull_resources *res, struct hull_err *err);

/* Re-opens a container's cgroup from the string hull_cgroup_serialize()
 * gave; NULL (a container with no cgroup of its own) gives a cgroup whose
 * operations do nothing or say so. */
int hull_cgroup_load(const char *serialized, struct hull_cgroup **out, struct hull_err *err);

/* A single-line string that hull_cgroup_load() can read back; owned by cg.
 * NULL when the container has no cgroup of its own. */
const char *hull_cgroup_serialize(const struct hull_cgroup *cg);

/* "cgroups: no write access to DIR; resources are not applied" when the
 * container has no cgroup of its own, else NULL; owned by cg. */
const char *hull_cgroup_warning(const struct hull_cgroup *cg);

/* Moves pid into the cgroup in every hierarchy. */
int hull_cgroup_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err);

/* The fast attach of a child about to be cloned. *v2_fd: the v2 cgroup's
 * dirfd (owned by cg; -1 without a v2 hierarchy) for clone3's
 * CLONE_INTO_CGROUP. *v1_fds: for each v1 hierarchy an O_WRONLY|O_CLOEXEC fd
 * of its "tasks" file, where the child writes "0" itself: a thread moving
 * itself skips the cgroup_threadgroup_rwsem write lock, whose RCU sync makes
 * every cgroup.procs write wait a grace period (7 to 28 ms on the machines
 * we measured); "0" in tasks took 0.05 ms. Free with
 * hull_cgroup_attach_fds_close. Nothing for a cgroup that is not ours. */
int hull_cgroup_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n,
			   struct hull_err *err);
void hull_cgroup_attach_fds_close(int *v1_fds, size_t n);
/* Moves pid into the v2 hierarchy only (when CLONE_INTO_CGROUP was refused). */
int hull_cgroup_attach_v2(struct hull_cgroup *cg, pid_t pid, struct hull_err *err);

/* exec --cgroup [CONTROLLERS:]PATH, given up to HULL_CGROUP_SUB_MAX times:
 * a cgroup below the container's, in the hierarchies of the comma list
 * CONTROLLERS, or in every other one without it; it must exist, and is
 * never removed. */
#define HULL_CGROUP_SUB_MAX 16
int hull_cgroup_sub(const struct hull_cgroup *cg, char *const *args, size_t n, struct hull_cgroup **out,
		    struct hull_err *err);

/* hull_cgroup_attach_v2, and where the container's v2 cgroup takes no
 * process (EBUSY: it has enabled controllers for cgroups of its own), the
 * cgroup of init instead, as runc does. */
int hull_cgroup_attach_v2_near(struct hull_cgroup *cg, pid_t pid, pid_t init, struct hull_err *err);

/* The pids in the cgroup (cgroup.procs of the first hierarchy, recursively),
 * malloc'd, sorted. */
int hull_cgroup_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err);

/* Sends sig to every process in the cgroup: cgroup.kill on v2 for SIGKILL
 * when hull made every directory; otherwise freeze, signal each pid, thaw,
 * so nothing forks past it. In a joined cgroup only the init (init_pidfd,
 * -1 when it is gone) and the processes of its pid namespace. */
int hull_cgroup_kill_all(struct hull_cgroup *cg, int sig, int init_pidfd, struct hull_err *err);

/* Removes the cgroup directories hull created, children first, and each
 * parent hull made (marked in registry) that no other
 * container uses any more. Waits (bounded) for dying processes to leave.
 * Idempotent: a missing directory is success. */
int hull_cgroup_destroy(struct hull_cgroup *cg, int registry, struct hull_err *err);

/* Applies what res sets (and only that) to a container's cgroup, through the
 * same code as create's apply (`hull update`). Device rules are not
 * updated (as runc); memory.checkBeforeUpdate refuses a limit below the
 * current usage. */
int hull_cgroup_update(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err);

/* Freezes (pause) or thaws (resume) every process of the cgroup: the v1
 * freezer, else cgroup.freeze; waits (bounded) until the kernel reports the
 * state reached. Refused on a joined cgroup (it would freeze others). */
int hull_cgroup_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err);

/* The same for a saved cgroup, opening only the hierarchy that freezes:
 * what every status query asks (state, list, delete). */
int hull_cgroup_saved_frozen(const char *serialized, bool *frozen);

/* Whether the cgroup is frozen now (false when nothing can freeze it). */
int hull_cgroup_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err);

/* Reads the cgroup's statistics (cgroups/stats.c); what the host lacks is
 * left out. Free with hull_cgroup_stats_free(). */
struct hull_cgroup_stats;
int hull_cgroup_stats(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err);

/* The OOM kills in the memory cgroup so far; -ENOTSUP without one. */
int hull_cgroup_oom_kills(struct hull_cgroup *cg, uint64_t *count);

/* An fd (O_CLOEXEC, non-blocking; the caller closes it) that polls readable
 * when the memory cgroup may have had an OOM; *count is set to the OOM
 * kills so far. ENOTSUP without a memory cgroup. */
int hull_cgroup_oom_fd(struct hull_cgroup *cg, uint64_t *count, struct hull_err *err);

/* After fd polled readable: drains it and sets *n to the OOM events since
 * the last call (*count carries the state between calls). */
int hull_cgroup_oom_events(struct hull_cgroup *cg, int fd, uint64_t *count, uint64_t *n,
			   struct hull_err *err);

void hull_cgroup_free(struct hull_cgroup *cg);

/* What the container's /sys/fs/cgroup must show: one entry per hierarchy,
 * with host_path set to this cgroup's directory there. Valid while cg lives. */
int hull_cgroup_mounts(const struct hull_cgroup *cg, const struct hull_cgroup_mount **mounts,
		       size_t *n, const char *const (**links)[2], size_t *n_links);

HULL_DEFINE_CLEANUP(struct hull_cgroup *, hull_cgroup_free)
#define _cleanup_cgroup_ __attribute__((cleanup(hull_cgroup_freep)))

#endif
