/* linux.resources.network: the v1 net_cls and net_prio controllers (cgroup
 * v2 has neither; the controller table refuses the values there). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int hull_cg_net_cls(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res,
		    struct hull_err *err)
{
	(void)cg;
	return hull_cg_writef(h, "net_cls.classid", err, "%u", res->network.class_id);
}

int hull_cg_net_prio(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res,
		     struct hull_err *err)
{
	(void)cg;
	for (size_t i = 0; i < res->network.n_priorities; i++) {
		const struct hull_net_priority *p = &res->network.priorities[i];
		if (!p->name[0] || strpbrk(p->name, " \t\n/"))
			return hull_errf(err, EINVAL, "linux.resources.network.priorities[%zu].name: \"%s\": not an interface name",
					 i, p->name);
		int r = hull_cg_writef(h, "net_prio.ifpriomap", err, "%s %u", p->name, p->priority);
		if (r < 0)
			return r;
	}
	return 0;
}
