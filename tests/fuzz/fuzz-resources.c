/* libFuzzer target: the linux.resources object `hull update --resources`
 * reads (hull_resources_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_resources r;
	struct hull_err err = { 0 };
	memset(&r, 0xa5, sizeof(r));
	if (hull_resources_parse((const char *)data, size, &r, &err) < 0) {
		/* "On failure out holds nothing." (Fields, not bytes: padding.) */
		if (!err.msg[0] || r.present || r.devices || r.n_devices || r.cpu.cpus || r.cpu.mems ||
		    r.block_io.weight_device || r.block_io.throttle_read_bps.v || r.hugepage_limits ||
		    r.network.priorities || r.rdma || r.unified.v || r.unified.n)
			abort();
		return 0;
	}
	for (size_t i = 0; i < r.n_devices; i++)
		if (!strchr("acb", r.devices[i].type) || strspn(r.devices[i].access, "rwm") !=
		    strlen(r.devices[i].access))
			abort();
	hull_resources_free(&r);
	return 0;
}
