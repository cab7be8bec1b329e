/* `hull update`: new limits for a running container's cgroup. */
#include <errno.h>

#include "../cgroups/cgroups.h"
#include "lifecycle.h"
#include "rdt.h"


int hull_update(struct hull_container *c, const struct hull_resources *res, const char *const schemas[],
		size_t n_schemas, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	enum hull_status s = hull_container_status(c, NULL);
	if (s == HULL_STATUS_STOPPED)
		return hull_errf(err, ESRCH, "container %s is stopped", c->id);
	if (s == HULL_STATUS_CREATING)
		return hull_errf(err, EBUSY, "container %s is still being created", c->id);
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = hull_container_cgroup(c, &cg, err);
	if (r == 0)
		r = hull_cgroup_update(cg, res, err);
	if (r == 0 && n_schemas)
		r = hull_rdt_update(c, schemas, n_schemas, err);
	return r;
}
