/* linux.resources.hugepageLimits: hugetlb.<size>.limit_in_bytes (v1) or
 * hugetlb.<size>.max (v2), plus the reservation counterpart when the kernel
 * has it (5.7+), so that reserved but not yet faulted pages count too. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int hull_cg_hugetlb(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	const char *suffix = h->v2 ? "max" : "limit_in_bytes";
	for (size_t i = 0; i < res->n_hugepage_limits; i++) {
		const struct hull_hugepage_limit *l = &res->hugepage_limits[i];
		if (strchr(l->page_size, '/') || strchr(l->page_size, '.'))
			return hull_errf(err, EINVAL, "linux.resources.hugepageLimits[%zu].pageSize: \"%s\": not a page size",
					 i, l->page_size);
		char file[96], rsvd[112], v[24];
		snprintf(file, sizeof(file), "hugetlb.%s.%s", l->page_size, suffix);
		snprintf(rsvd, sizeof(rsvd), "hugetlb.%s.rsvd.%s", l->page_size, suffix);
		snprintf(v, sizeof(v), "%" PRIu64, l->limit);
		int r = hull_cg_try_write(h, file, v);
		if (r == -ENOENT)
			return hull_errf(err, ENOTSUP,
					 "linux.resources.hugepageLimits[%zu].pageSize: %s: no such huge page size on this host (%s missing)",
					 i, l->page_size, file);
		if (r < 0)
			return hull_cg_write(h, file, v, err);
		r = hull_cg_try_write(h, rsvd, v);
		if (r < 0 && r != -ENOENT)
			return hull_cg_write(h, rsvd, v, err);
	}
	return 0;
}
