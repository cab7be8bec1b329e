/* linux.resources.rdma: rdma.max lines "DEV hca_handle=N hca_object=M",
 * the same file on v1 and v2. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int hull_cg_rdma(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct hull_rdma *d = &res->rdma[i];
		if (!d->device[0] || strpbrk(d->device, " \t\n"))
			return hull_errf(err, EINVAL, "linux.resources.rdma.%s: not a device name", d->device);
		char handles[16] = "max", objects[16] = "max";
		if (d->has_hca_handles)
			snprintf(handles, sizeof(handles), "%u", d->hca_handles);
		if (d->has_hca_objects)
			snprintf(objects, sizeof(objects), "%u", d->hca_objects);
		/* Neither set: the device's limits are lifted ("max"). */
		int r = hull_cg_writef(h, "rdma.max", err, "%s hca_handle=%s hca_object=%s", d->device, handles,
				       objects);
		if (r < 0)
			return r;
	}
	return 0;
}
