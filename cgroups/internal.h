/* cgroups/ internals shared by its files; nothing outside cgroups/ (but its
 * unit tests) includes this. */
#ifndef HULL_CGROUPS_INTERNAL_H
#define HULL_CGROUPS_INTERNAL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../base/err.h"
#include "cgroups.h"

enum hull_cg_mode { HULL_CG_V1, HULL_CG_V2, HULL_CG_HYBRID };

/* One hierarchy the container's cgroup lives in. */
struct hull_cg_hier {
	bool v2;
	char *controllers;	/* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
	char *mountpoint;	/* "/sys/fs/cgroup/cpu" */
	char *path;		/* the container's cgroup below mountpoint, "/a/b" */
	char *dir;		/* mountpoint + path */
	unsigned created;	/* trailing components of path that hull created */
	int dirfd;		/* dir, O_DIRECTORY; -1 when it does not exist */
	/* systemd driver, create only: the unit's cgroup, made and removed by
	 * systemd (v2, and the v1 controllers systemd manages). */
	bool systemd;
};

struct hull_cgroup {
	enum hull_cg_mode mode;
	struct hull_cg_hier *h;
	size_t n;
	char *v2_avail;		/* cgroup.controllers of the v2 mount root, create only */
	char *(*links)[2];	/* host symlinks to co-mounted v1 hierarchies */
	size_t n_links;
	char *serialized;
	struct hull_cgroup_mount *mounts;	/* what the container mounts (hull_cg_finish) */
	size_t n_mounts;
	const char *(*link_view)[2];
	/* Set when the container has no cgroup of its own (an unprivileged
	 * hull without a delegated cgroup): h[] are then the caller's own
	 * cgroups, shown to the container but never written. */
	char *warning;
	/* hull_cgroup_update: the backends skip what only create sets up
	   (device rules) and check memory limits against usage. */
	bool updating;
	const struct hull_cg_manager *m;
	bool joined;		/* org.hull.cgroups.join: an existing cgroup, not hull's */
	bool default_path;	/* no linux.cgroupsPath: "hull/ID", and "hull" is hull's */
	int registry;		/* where the parents hull made are marked (parents.c), or -1 */
	struct hull_cg_sd *sd;	/* the systemd driver's unit (systemd.h), else NULL */
};

/* --- discover.c: what this process sees -------------------------------- */

struct hull_cg_mountinfo {
	bool v2;
	char *root;		/* field 4: the mount's root inside the hierarchy */
	char *mountpoint;
	char *super_opts;	/* "rw,cpu,cpuacct" */
};

struct hull_cg_proc {
	unsigned id;		/* hierarchy id, 0 for v2 */
	char *controllers;	/* "cpu,cpuacct", "name=systemd", "" */
	char *path;
};

/* Parses /proc/self/mountinfo text into its cgroup and cgroup2 mounts. */
int hull_cg_parse_mountinfo(const char *text, struct hull_cg_mountinfo **out, size_t *n,
			    struct hull_err *err);
void hull_cg_mountinfo_free(struct hull_cg_mountinfo *m, size_t n);

/* Parses /proc/self/cgroup text. */
int hull_cg_parse_proc(const char *text, struct hull_cg_proc **out, size_t *n, struct hull_err *err);
void hull_cg_proc_free(struct hull_cg_proc *p, size_t n);

/* Whether the comma-separated list holds word. */
bool hull_cg_list_has(const char *list, const char *word);

/* Fills cg->mode and one hierarchy per mounted v1 hierarchy and the v2 one,
 * with mountpoint and the caller's own cgroup as path (below mountpoint). */
int hull_cg_discover(struct hull_cgroup *cg, struct hull_err *err);

/* --- path.c ------------------------------------------------------------ */

/* Checks linux.cgroupsPath and normalizes it: *abs tells an absolute path;
 * *out has no leading or trailing '/', no "." and no empty components. */
int hull_cg_path_normalize(const char *cgroups_path, const char *id, char **out, bool *abs,
			   struct hull_err *err);

/* The number of components of a path. */
unsigned hull_cg_path_depth(const char *path);

/* A cgroup directory as a stream (no symlink followed); NULL with errno. */
DIR *hull_cg_opendir(int dfd, const char *name);
/* A child cgroup among the entries of a cgroup directory. */
bool hull_cg_is_child(const struct dirent *de);

/* mkdir -p mountpoint/path, counting the trailing components it created. */
int hull_cg_mkdir(struct hull_cg_hier *h, struct hull_err *err);

/* Removes what hull created of h, children first, waiting for dying
 * processes until deadline (CLOCK_MONOTONIC ns); a parent it removes is
 * unmarked in registry. */
int hull_cg_remove(struct hull_cg_hier *h, uint64_t deadline, int registry, struct hull_err *err);

/* --- parents.c: the parent cgroups hull made, marked ------------------- */

int hull_cg_parent_mark(int registry, const char *dir);
bool hull_cg_parent_marked(int registry, const char *dir);
void hull_cg_parent_unmark(int registry, const char *dir);


/* --- cgroups.c, shared with create.c ----------------------------------- */

/* What linux.resources asks that this host cannot give. */
int hull_cg_check_resources(struct hull_cgroup *cg, const struct hull_resources *res,
			    struct hull_err *err);
/* The host's symlinks to co-mounted v1 hierarchies ("cpu" -> "cpu,cpuacct"). */
void hull_cg_find_links(struct hull_cgroup *cg);
/* The container's mount view and the serialized form, after a change. */
void hull_cg_finish(struct hull_cgroup *cg);

/* --- serialize.c ------------------------------------------------------- */

char *hull_cg_serialize(const struct hull_cgroup *cg);
int hull_cg_unserialize(const char *s, struct hull_cgroup *cg, struct hull_err *err);

/* --- cgroups.c: files of a cgroup -------------------------------------- */

/* "cgroup memory /a/b" or "cgroup unified /a/b": the object in messages. */
const char *hull_cg_label(const struct hull_cg_hier *h, char *buf, size_t len);

/* Writes value to file in h's directory; the error is
 * "cgroup memory /a/b: file=value: cause". */
int hull_cg_write(const struct hull_cg_hier *h, const char *file, const char *value,
		  struct hull_err *err);
int hull_cg_writef(const struct hull_cg_hier *h, const char *file, struct hull_err *err,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As hull_cg_write, returning -errno without touching err. */
int hull_cg_try_write(const struct hull_cg_hier *h, const char *file, const char *value);
int hull_cg_read(const struct hull_cg_hier *h, const char *file, char **buf, struct hull_err *err);

/* The v1 hierarchy holding controller, or the v2 one when it is available
 * there, or NULL. */
struct hull_cg_hier *hull_cg_find(struct hull_cgroup *cg, const char *controller);
struct hull_cg_hier *hull_cg_v2(struct hull_cgroup *cg);

/* Whether linux.resources asks something of controller (either name). */
bool hull_cg_needs(const struct hull_resources *res, const char *controller);


/* --- managers: one table of operations per way of running cgroups ---- */

struct hull_cg_manager {
	const char *name;
	/* After the directories are made (create.c): prepares them (v1 cpuset
	 * levels, v2 subtree_control) and writes res. */
	int (*setup)(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err);
	/* `hull update`: writes what res sets. */
	int (*update)(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err);
	/* Adds what a child needs to be born in (or move itself into) the
	 * cgroup: the v2 dirfd, v1 "tasks" fds (see hull_cgroup_attach_fds). */
	int (*attach_fds)(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err);
	int (*attach)(struct hull_cgroup *cg, pid_t pid, struct hull_err *err);
	/* Waits (bounded) until the kernel reports the state reached. */
	int (*freeze)(struct hull_cgroup *cg, bool frozen, struct hull_err *err);
	/* -ENOTSUP when this manager has nothing that freezes. */
	int (*frozen)(struct hull_cgroup *cg, bool *frozen, struct hull_err *err);
	int (*kill)(struct hull_cgroup *cg, int sig, struct hull_err *err);
	/* Every pid of the subtree, sorted, without duplicates. */
	int (*pids)(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err);
	int (*stats)(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err);
	/* Removes the directories hull created, waiting until deadline. */
	int (*destroy)(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err);
	/* After the clone, before the child goes on (hull_cgroup_start): for
	 * a manager whose cgroup needs a process to exist (a systemd scope),
	 * makes it with pid in it and applies res. NULL: nothing to do. */
	int (*start)(struct hull_cgroup *cg, pid_t pid, const struct hull_resources *res, struct hull_err *err);
};

extern const struct hull_cg_manager hull_cg_v1_manager;
extern const struct hull_cg_manager hull_cg_v2_manager;
extern const struct hull_cg_manager hull_cg_hybrid_manager;
extern const struct hull_cg_manager hull_cg_disabled_manager;
extern const struct hull_cg_manager hull_cg_systemd_manager;

/* systemd.c: plan's part under --systemd-cgroup, after discovery: the
 * unit from linux.cgroupsPath and its properties; *rel is the unit's
 * cgroup below each hierarchy's root. */
int hull_cg_sd_plan(struct hull_cgroup *cg, const struct hull_cgroup_opts *o, const struct hull_resources *res,
		    char **rel, struct hull_err *err);
/* realize, first: the bus, and no running unit of that name. */
int hull_cg_sd_prepare(struct hull_cgroup *cg, struct hull_err *err);
/* The hierarchies systemd makes the unit's cgroup in. */
void hull_cg_sd_mark(struct hull_cgroup *cg);

/* The manager of a discovered or loaded cgroup's mode. */
const struct hull_cg_manager *hull_cg_manager_for(enum hull_cg_mode mode);

/* --- controllers.c: the one controller table ---------------------------- */

/* Writes one controller's part of res into h. */
typedef int hull_cg_writer(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res,
			   struct hull_err *err);

struct hull_cg_controller {
	const char *v1;		/* the kernel's name (v1 hierarchy); the table's key */
	const char *v2;		/* its cgroup v2 name, NULL: not in v2 */
	const char *field;	/* the linux.resources field it serves */
	bool accounting;	/* v2: enabled even without a limit, for statistics */
	bool (*asked)(const struct hull_resources *res);
	hull_cg_writer *write_v1, *write_v2;
	void (*stats)(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
};

extern const struct hull_cg_controller hull_cg_controllers[];
extern const size_t hull_cg_n_controllers;

/* By either name; NULL when unknown. */
const struct hull_cg_controller *hull_cg_controller(const char *name);
/* Whether res asks something of c (a field set, or a unified key of it). */
bool hull_cg_asks(const struct hull_cg_controller *c, const struct hull_resources *res);
bool hull_cg_asks_nothing(const struct hull_resources *res);
/* The hierarchy c lives in: its v1 one, else the v2 one, else NULL. */
struct hull_cg_hier *hull_cg_home(struct hull_cgroup *cg, const struct hull_cg_controller *c);
/* The writes of every controller of one version, in the table's order. */
int hull_cg_write_all(struct hull_cgroup *cg, bool v2, const struct hull_resources *res, struct hull_err *err);

/* The writers. */
hull_cg_writer hull_cg_devices_v1, hull_cg_devices_v2, hull_cg_memory_v1, hull_cg_memory_v2, hull_cg_cpu_v1,
	hull_cg_cpu_v2, hull_cg_cpuset, hull_cg_pids_max, hull_cg_blkio_v1, hull_cg_io_v2, hull_cg_hugetlb,
	hull_cg_rdma, hull_cg_net_cls, hull_cg_net_prio;

/* stats.c: each fills what its controller's hierarchy has; the stats op
 * of every cgroupfs manager runs them all. */
void hull_cg_stats_cpu(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
void hull_cg_stats_cpuset(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
void hull_cg_stats_memory(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
void hull_cg_stats_pids(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
void hull_cg_stats_blkio(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
void hull_cg_stats_hugetlb(struct hull_cgroup *cg, struct hull_cgroup_stats *st);
int hull_cg_stats_all(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err);

/* --- shared by the managers -------------------------------------------- */

/* v1.c: a blank cpuset level gets its parent's cpus and mems (the kernel
 * attaches nothing to a blank one), top down. */
int hull_cg_cpuset_inherit(const struct hull_cg_hier *h, struct hull_err *err);
/* cgroup.procs of each hierarchy of that version. */
int hull_cg_attach_version(struct hull_cgroup *cg, bool v2, pid_t pid, struct hull_err *err);
/* Removes what hull made in each hierarchy of that version. */
int hull_cg_remove_version(struct hull_cgroup *cg, bool v2, uint64_t deadline, struct hull_err *err);
/* Every pid in h's subtree, sorted, without duplicates. */
int hull_cg_walk_pids(struct hull_cg_hier *h, pid_t **pids, size_t *n, struct hull_err *err);
/* Freezes (through the manager), signals every pid, thaws: nothing forks
 * past it. A container already paused stays so. */
int hull_cg_kill_walk(struct hull_cgroup *cg, int sig, struct hull_err *err);
/* v2's kill: cgroup.kill on a cgroup hull made, else the walk. */
int hull_cg_v2_kill(struct hull_cgroup *cg, int sig, struct hull_err *err);

/* The cgroup v2 cpu.weight for a v1 cpu.shares value (runc's conversion). */
uint64_t hull_cg_shares_to_weight(uint64_t shares);

/* The memory.swap.max value for spec's memory.swap (memory + swap) and limit,
 * as runc: *out is -1 for "max", -2 when nothing is to be written. */
int hull_cg_swap_v2(bool has_swap, int64_t swap, bool has_limit, int64_t limit, int64_t *out,
		    struct hull_err *err);

/* --- resources beyond memory, cpu and pids (one file each) ------------- */

/* The writers live in: v1.c, v2.c (memory, cpu, cpuset, pids, devices),
 * blkio.c (v1 blkio.*, v2 io.weight / io.bfq.weight / io.max), hugetlb.c
 * (hugetlb.SIZE.limit_in_bytes or .max), rdma.c (rdma.max), network.c (v1
 * net_cls.classid and net_prio.ifpriomap). */
/* unified.c: linux.resources.unified, checked before anything is made, then
 * written into the v2 directory. */
int hull_cg_unified_check(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err);
int hull_cg_unified(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err);
/* v2-devices.c: replaces the cgroup's device filter with an eBPF program
 * for rules (later rules win, default deny), attached with
 * BPF_F_ALLOW_MULTI; the programs attached before are detached after. */
int hull_cg_v2_devices(const struct hull_cg_hier *h, const struct hull_device_rule *rules, size_t n,
		       struct hull_err *err);
/* What every container may use whatever its config says (runc's
 * specconv.AllowedDevices), after its own rules. */
extern const struct hull_device_rule hull_cg_default_rules[];
extern const size_t hull_cg_n_default_rules;

#endif
