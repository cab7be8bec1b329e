/* linux.resources.network: the v1 net_cls and net_prio controllers (cgroup
 * v2 has neither; cgroups.c refuses the values there). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int hull_cg_network(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_cg_hier *h;
	int r;
	if (hull_cg_needs(res, "net_cls") && (h = hull_cg_find(cg, "net_cls")) && !h->v2 &&
	    (r = hull_cg_writef(h, "net_cls.classid", err, "%u", res->network.class_id)) < 0)
		return r;
	if (!hull_cg_needs(res, "net_prio") || !(h = hull_cg_find(cg, "net_prio")) || h->v2)
		return 0;
	for (size_t i = 0; i < res->network.n_priorities; i++) {
		const struct hull_net_priority *p = &res->network.priorities[i];
		if (!p->name[0] || strpbrk(p->name, " \t\n/"))
			return hull_errf(err, EINVAL, "linux.resources.network.priorities[%zu].name: \"%s\": not an interface name",
					 i, p->name);
		if ((r = hull_cg_writef(h, "net_prio.ifpriomap", err, "%s %u", p->name, p->priority)) < 0)
			return r;
	}
	return 0;
}
