/* The hybrid manager: v1 controllers beside a cgroup2 tree, each part
 * done by its own manager; and the disabled manager of a container with no
 * cgroup of its own (an unprivileged hull without delegation), which has
 * nothing to write, freeze, kill or remove. */
#include <errno.h>

#include "internal.h"

static int hybrid_setup(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	int r = hull_cg_v1_manager.setup(cg, res, err);
	return r < 0 ? r : hull_cg_v2_manager.setup(cg, res, err);
}

static int hybrid_update(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	int r = hull_cg_v1_manager.update(cg, res, err);
	return r < 0 ? r : hull_cg_v2_manager.update(cg, res, err);
}

static int hybrid_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err)
{
	int r = hull_cg_v1_manager.attach_fds(cg, v2_fd, v1_fds, n, err);
	return r < 0 ? r : hull_cg_v2_manager.attach_fds(cg, v2_fd, v1_fds, n, err);
}

static int hybrid_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	int r = hull_cg_v1_manager.attach(cg, pid, err);
	return r < 0 ? r : hull_cg_v2_manager.attach(cg, pid, err);
}

/* The v1 freezer where there is one (it holds every task), else v2. */
static const struct hull_cg_manager *freezing(struct hull_cgroup *cg)
{
	bool f;
	return hull_cg_v1_manager.frozen(cg, &f, NULL) != -ENOTSUP ? &hull_cg_v1_manager : &hull_cg_v2_manager;
}

static int hybrid_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	return freezing(cg)->freeze(cg, frozen, err);
}

static int hybrid_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	return freezing(cg)->frozen(cg, frozen, err);
}

/* Every process hull attaches is in the v2 tree too: cgroup.kill there. */
static int hybrid_kill(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	return hull_cg_v2_kill(cg, sig, err);
}

static int hybrid_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	return (v2 ? &hull_cg_v2_manager : &hull_cg_v1_manager)->pids(cg, pids, n, err);
}

static int hybrid_destroy(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err)
{
	int r = hull_cg_v1_manager.destroy(cg, deadline, err);
	int r2 = hull_cg_v2_manager.destroy(cg, deadline, r < 0 ? NULL : err);
	return r < 0 ? r : r2;
}

const struct hull_cg_manager hull_cg_hybrid_manager = {
	.name = "cgroupfs-hybrid",
	.setup = hybrid_setup,
	.update = hybrid_update,
	.attach_fds = hybrid_attach_fds,
	.attach = hybrid_attach,
	.freeze = hybrid_freeze,
	.frozen = hybrid_frozen,
	.kill = hybrid_kill,
	.pids = hybrid_pids,
	.stats = hull_cg_stats_all,
	.destroy = hybrid_destroy,
};

static int none_apply(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	(void)res;
	return hull_errf(err, EACCES, "linux.resources: %s", cg->warning);
}

static int none_attach_fds(struct hull_cgroup *cg, int *v2_fd, int **v1_fds, size_t *n, struct hull_err *err)
{
	(void)cg, (void)v2_fd, (void)v1_fds, (void)n, (void)err;
	return 0;
}

static int none_attach(struct hull_cgroup *cg, pid_t pid, struct hull_err *err)
{
	(void)cg, (void)pid, (void)err;
	return 0;
}

static int none_freeze(struct hull_cgroup *cg, bool frozen, struct hull_err *err)
{
	(void)frozen;
	return hull_errf(err, ENOTSUP, "cgroups: nothing to freeze: %s", cg->warning);
}

static int none_frozen(struct hull_cgroup *cg, bool *frozen, struct hull_err *err)
{
	(void)cg, (void)err;
	*frozen = false;
	return 0;
}

/* The caller's own cgroup: not the container's to signal. */
static int none_kill(struct hull_cgroup *cg, int sig, struct hull_err *err)
{
	(void)cg, (void)sig, (void)err;
	return 0;
}

static int none_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_err *err)
{
	(void)cg, (void)pids, (void)n, (void)err;
	return 0;
}

static int none_stats(struct hull_cgroup *cg, struct hull_cgroup_stats *st, struct hull_err *err)
{
	(void)st;
	return hull_errf(err, ENOTSUP, "%s", cg->warning);
}

static int none_destroy(struct hull_cgroup *cg, uint64_t deadline, struct hull_err *err)
{
	(void)cg, (void)deadline, (void)err;
	return 0;
}

const struct hull_cg_manager hull_cg_disabled_manager = {
	.name = "disabled",
	.setup = none_apply,
	.update = none_apply,
	.attach_fds = none_attach_fds,
	.attach = none_attach,
	.freeze = none_freeze,
	.frozen = none_frozen,
	.kill = none_kill,
	.pids = none_pids,
	.stats = none_stats,
	.destroy = none_destroy,
};
