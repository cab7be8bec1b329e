/* The systemd driver (--systemd-cgroup): the container's cgroup is a
 * transient scope unit, made by systemd over D-Bus with the init in it
 * (a scope cannot exist empty, so after the clone: hull_cgroup_start),
 * Delegate=yes, the slice, and the resource properties systemd owns.
 * Everything else is the cgroupfs manager of the host's mode working in
 * the scope's directories: every limit is also written there (as runc
 * does), freeze, kill, pids and stats read them. v1 hierarchies systemd
 * does not manage (freezer, cpuset, net_cls, hugetlb, ...) get a
 * directory of hull's at the same path, made before the clone and
 * recorded like any other. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "internal.h"
#include "systemd.h"

void hull_cg_sd_free(struct hull_cg_sd *sd)
{
	if (!sd)
		return;
	hull_sd_bus_close(sd->bus);
	hull_sd_props_free(&sd->props);
	free(sd->unit);
	free(sd->slice);
	free(sd);
}

/* The v1 controllers systemd realizes for a delegated unit (and its own
 * named hierarchy); the v2 tree is systemd's entirely. */
static bool systemd_owns(const struct hull_cg_hier *h)
{
	static const char *const owned[] = { "cpu", "cpuacct", "blkio", "memory", "devices", "pids", "name=systemd" };
	if (h->v2)
		return true;
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (hull_cg_list_has(h->controllers, owned[i]))
			return true;
	return false;
}

void hull_cg_sd_mark(struct hull_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		cg->h[i].systemd = systemd_owns(&cg->h[i]);
}

static int build_props(struct hull_cg_sd *sd, const char *id, const struct hull_cgroup_opts *o,
		       const struct hull_resources *res, bool v2, struct hull_err *err)
{
	struct hull_sd_props *p = &sd->props;
	_cleanup_free_ char *desc = hull_xasprintf("hull container %s", id ? id : "");
	hull_sd_props_str(p, "Description", desc);
	hull_sd_props_str(p, "Slice", sd->slice);
	/* The container may make cgroups of its own below its scope. */
	hull_sd_props_bool(p, "Delegate", true);
	hull_sd_props_bool(p, "DefaultDependencies", false);
	hull_sd_props_bool(p, "MemoryAccounting", true);
	hull_sd_props_bool(p, "CPUAccounting", true);
	hull_sd_props_bool(p, v2 ? "IOAccounting" : "BlockIOAccounting", true);
	hull_sd_props_bool(p, "TasksAccounting", true);
	int r = hull_sd_props_resources(p, res, v2, err);
	/* Last, as runc: an annotation may override what hull chose. */
	if (r == 0)
		r = hull_sd_props_annotations(p, o->annotations, err);
	if (r < 0)
		hull_err_prefix(err, "config.json");
	return r;
}

int hull_cg_sd_plan(struct hull_cgroup *cg, const struct hull_cgroup_opts *o, const struct hull_resources *res,
		    char **rel, struct hull_err *err)
{
	if (geteuid() != 0)
		return hull_errf(err, EPERM, "--systemd-cgroup: needs root (a systemd user instance's "
				 "scopes are not supported)");
	if (o->join)
		return hull_errf(err, EINVAL, "org.hull.cgroups.join: not with --systemd-cgroup (the scope is "
				 "the container's own)");
	struct hull_sd_unit u;
	int r = hull_sd_unit_parse(o->path, o->id, &u, err);
	if (r < 0)
		return r;
	cg->sd = hull_xcalloc(1, sizeof(*cg->sd));
	cg->sd->unit = steal_ptr(u.name);
	cg->sd->slice = steal_ptr(u.slice);
	*rel = hull_xstrdup(u.path + 1);
	hull_sd_unit_free(&u);
	return build_props(cg->sd, o->id, o, res, cg->mode == HULL_CG_V2, err);
}

static int bus_connect(struct hull_cgroup *cg, struct hull_err *err)
{
	return cg->sd->bus ? 0 : hull_sd_bus_open(&cg->sd->bus, err);
}

/* A unit of that name that runs is another container's. */
static int refuse_running(struct hull_cgroup *cg, struct hull_err *err)
{
	_cleanup_free_ char *state = NULL;
	int r = hull_sd_active_state(cg->sd->bus, cg->sd->unit, &state, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (strcmp(state, "failed") && strcmp(state, "inactive"))
		return hull_errf(err, EEXIST, "systemd unit %s: already exists (%s): another container "
				 "uses this linux.cgroupsPath", cg->sd->unit, state);
	return 0;
}

/* Before a directory is made. Asked first only where hull makes
 * directories of its own (v1 hierarchies systemd does not manage), so
 * that a running unit is named as such rather than as a cgroup of hull's
 * holding processes; on cgroup v2 StartTransientUnit answers it (one
 * round trip less). */
int hull_cg_sd_prepare(struct hull_cgroup *cg, struct hull_err *err)
{
	int r = bus_connect(cg, err);
	bool own_dirs = false;
	for (size_t i = 0; i < cg->n; i++)
		own_dirs |= !cg->h[i].systemd;
	return r < 0 || !own_dirs ? r : refuse_running(cg, err);
}

/* Before the clone, hull's own v1 directories made: a cpuset one is
 * filled so that the init can move itself in. */
static int sd_setup(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	(void)res;
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		int r = !h->systemd && !h->v2 && h->created && hull_cg_list_has(h->controllers, "cpuset")
				? hull_cg_cpuset_inherit(h, err)
				: 0;
		if (r < 0)
			return r;
	}
	return 0;
}

/* A unit of that name that is not running (failed, or stopping) is a
 * leftover: reset, and one more try, as runc does. */
static int start_unit(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	struct hull_cg_sd *sd = cg->sd;
	int r = hull_sd_start_unit(sd->bus, sd->unit, &sd->props, pid, err);
	if (r == -EINVAL && strstr(err->msg, "Delegate")) {
		/* systemd before 218 has no Delegate on scopes: the
		   container cannot make cgroups of its own there. */
		hull_warn("systemd unit %s: Delegate=yes refused (systemd too old); started without", sd->unit);
		hull_sd_props_remove(&sd->props, "Delegate");
		hull_err_clear(err);
		r = hull_sd_start_unit(sd->bus, sd->unit, &sd->props, pid, err);
	}
	if (r != -EEXIST)
		return r;
	hull_err_clear(err);
	if ((r = refuse_running(cg, err)) == 0)
		r = hull_sd_reset_failed(sd->bus, sd->unit, err);
	if (r == 0)
		r = hull_sd_start_unit(sd->bus, sd->unit, &sd->props, pid, err);
	return r;
}

/* Where /proc/PID/cgroup puts pid in h's hierarchy; NULL when not listed. */
static char *cgroup_of(pid_t pid, const struct hull_cg_hier *h)
{
	char file[64];
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *text = NULL;
	struct hull_cg_proc *p = NULL;
	size_t n = 0;
	if (hull_read_file_at(AT_FDCWD, file, &text, NULL, NULL) < 0 || hull_cg_parse_proc(text, &p, &n, NULL) < 0)
		return NULL;
	char *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if ((h->v2 && p[i].id == 0) || (!h->v2 && p[i].id && !strcmp(p[i].controllers, h->controllers)))
			found = hull_xstrdup(p[i].path);
	hull_cg_proc_free(p, n);
	return found;
}

/* The unit's directories: open them, and where systemd left pid outside
 * (a v1 controller it did not realize for the unit), attach it. */
static int open_unit_dirs(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	char label[512];
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (!h->systemd)
			continue;
		if (h->dirfd < 0 && (h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return hull_syserr(err, errno, "%s: systemd unit %s", hull_cg_label(h, label, sizeof(label)),
					   cg->sd->unit);
		_cleanup_free_ char *where = cgroup_of(pid, h);
		if (where && !strcmp(where, h->path))
			continue;
		char v[24];
		snprintf(v, sizeof(v), "%d", (int)pid);
		int r = hull_cg_write(h, "cgroup.procs", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct hull_cg_manager *fs(const struct hull_cgroup *cg)
{
	return hull_cg_manager_for(cg->mode);
}

static int sd_start(struct hull_cgroup *cg, pid_t pid, const struct hull_resources *res, struct hull_err *err)
{
	int r = bus_connect(cg, err);
	cg->sd->ours = true;
	if (r == 0)
		r = start_unit(cg, pid, err);
	if (r == -EEXIST)
		cg->sd->ours = false;
	if (r == 0)
		r = open_unit_dirs(cg, pid, err);
	/* The same writes as the cgroupfs driver's, in the scope. */
	if (r == 0)
		r = fs(cg)->setup(cg, res, err);
	return r;
}

static int sd_update(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_sd_props p = { 0 };
	int r = hull_sd_props_resources(&p, res, cg->mode == HULL_CG_V2, err);
	if (r == 0 && p.n && (r = bus_connect(cg, err)) == 0)
		r = hull_sd_set_properties(cg->sd->bus, cg->sd->unit, &p, err);
	hull_sd_props_free(&p);
	return r < 0 ? r : fs(cg)->update(cg, res, err);
}

/* At create only hull's own v1 directories are open (the unit's come
 * with it, after the clone): the init moves itself into those, and
 * systemd moves it into the unit. Loaded (exec): every directory. */
static int sd_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err)
{
	for (size_t i = 0; i < cg->n; i++) {
		struct hull_cg_hier *h = &cg->h[i];
		if (h->dirfd < 0)
			continue;
		if (h->v2) {
			*v2_fd = h->dirfd;
			continue;
		}
		int fd = openat(h->dirfd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			char label[512];
			return hull_syserr(err, errno, "%s: tasks", hull_cg_label(h, label, sizeof(label)));
		}
		*v1_fds = hull_xrealloc(*v1_fds, (*n + 1) * sizeof(int));
		(*v1_fds)[(*n)++] = fd;
	}
	return 0;
}

static int sd_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	return fs(cg)->attach(cg, pid, err);
}

static int sd_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	return fs(cg)->freeze(cg, frozen, err);
}

static int sd_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	return fs(cg)->frozen(cg, frozen, err);
}

/* systemd removes a scope once the last of its processes is gone (the
 * container's init exited, `run` is about to delete): nothing to signal. */
static bool scope_gone(const struct hull_cg_hier *h)
{
	return h && access(h->dir, F_OK) < 0 && errno == ENOENT;
}

/* The scope is the container's alone: cgroup.kill kills it whole. */
static int sd_kill(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	/* Another container's unit: hull's init (its own child) is killed by pid. */
	if (!cg->sd->ours)
		return 0;
	struct hull_cg_hier *h = hull_cg_v2(cg);
	if (sig == SIGKILL && h && h->dirfd >= 0 && hull_cg_try_write(h, "cgroup.kill", "1") == 0)
		return 0;
	if (scope_gone(h))
		return 0;
	struct hull_err mine = { 0 };
	int r = fs(cg)->kill(cg, sig, &mine);
	if (r < 0 && scope_gone(h))
		return 0;	/* it went while we signalled */
	if (r < 0 && err && !err->code)
		*err = mine;
	return r;
}

static int sd_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	return fs(cg)->pids(cg, pids, n, err);
}

static int sd_stats(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err)
{
	return fs(cg)->stats(cg, st, err);
}

/* StopUnit (a scope that ended with its processes is gone already: fine),
 * a failed one reset so its name is free, then hull's own directories. */
static int sd_destroy(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err)
{
	/* A create that failed before it asked systemd, or was told the unit
	 * exists, has no unit to stop. */
	int r = cg->sd->ours ? bus_connect(cg, err) : 0;
	if (r == 0 && cg->sd->ours)
		r = hull_sd_stop_unit(cg->sd->bus, cg->sd->unit, err);
	if (r == 0 && cg->sd->ours)
		r = hull_sd_reset_failed(cg->sd->bus, cg->sd->unit, err);
	int r2 = fs(cg)->destroy(cg, deadline, r < 0 ? NULL : err);
	return r < 0 ? r : r2;
}

const struct hull_cg_manager hull_cg_systemd_manager = {
	.name = "systemd",
	.setup = sd_setup,
	.update = sd_update,
	.attach_fds = sd_attach_fds,
	.attach = sd_attach,
	.freeze = sd_freeze,
	.frozen = sd_frozen,
	.kill = sd_kill,
	.pids = sd_pids,
	.stats = sd_stats,
	.destroy = sd_destroy,
	.start = sd_start,
};
