/* libFuzzer target: config.json as hull_spec_parse reads it (all of
 * oci-spec/, the org.hull.net.* and org.hull.rootfs.* annotations too). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	int r = hull_spec_parse((const char *)data, size, "/bundle", &spec, &err);
	if (r < 0) {
		/* A failure leaves nothing behind and says why, on one line. */
		if (spec || err.code >= 0 || !err.msg[0])
			abort();
		return 0;
	}
	if (!spec || !spec->root_path || spec->root_path[0] != '/' || !spec->raw ||
	    spec->raw_len != size || memcmp(spec->raw, data, size) != 0)
		abort();
	hull_spec_free(spec);
	return 0;
}
