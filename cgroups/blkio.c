/* linux.resources.blockIO: v1 blkio.* files, v2 io.weight (io.bfq.weight
 * under BFQ) and io.max. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static bool has_file(const struct hull_cg_hier *h, const char *file)
{
	return h->dirfd >= 0 && faccessat(h->dirfd, file, F_OK, 0) == 0;
}

/* Proportional weights exist only under a scheduler that implements them
 * (CFQ before 5.0, BFQ since): name the file the host lacks. */
static int weight_error(struct hull_err *err, const char *field, const char *file)
{
	return hull_errf(err, ENOTSUP,
			 "linux.resources.blockIO.%s: %s: not available on this host (no proportional I/O scheduler)",
			 field, file);
}

static int throttles_v1(const struct hull_cg_hier *h, const char *file, const struct hull_throttles *t,
			struct hull_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		int r = hull_cg_writef(h, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t->v[i].major,
				       t->v[i].minor, t->v[i].rate);
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_cg_blkio_v1(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	const __typeof__(res->block_io) *b = &res->block_io;
	/* BFQ names its files blkio.bfq.*; CFQ had blkio.* (runc does the same). */
	const char *wfile = has_file(h, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
	const char *wdfile = has_file(h, "blkio.weight_device") ? "blkio.weight_device" : "blkio.bfq.weight_device";
	int r;
	if (b->has_weight) {
		if (!has_file(h, wfile))
			return weight_error(err, "weight", "blkio.weight");
		if ((r = hull_cg_writef(h, wfile, err, "%u", b->weight)) < 0)
			return r;
	}
	if (b->has_leaf_weight) {
		if (!has_file(h, "blkio.leaf_weight"))
			return weight_error(err, "leafWeight", "blkio.leaf_weight");
		if ((r = hull_cg_writef(h, "blkio.leaf_weight", err, "%u", b->leaf_weight)) < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct hull_weight_device *d = &b->weight_device[i];
		char field[64];
		if (d->has_weight) {
			snprintf(field, sizeof(field), "weightDevice[%zu].weight", i);
			if (!has_file(h, wdfile))
				return weight_error(err, field, "blkio.weight_device");
			if ((r = hull_cg_writef(h, wdfile, err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
						d->weight)) < 0)
				return r;
		}
		if (d->has_leaf_weight) {
			snprintf(field, sizeof(field), "weightDevice[%zu].leafWeight", i);
			if (!has_file(h, "blkio.leaf_weight_device"))
				return weight_error(err, field, "blkio.leaf_weight_device");
			if ((r = hull_cg_writef(h, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %u",
						d->major, d->minor, d->leaf_weight)) < 0)
				return r;
		}
	}
	if ((r = throttles_v1(h, "blkio.throttle.read_bps_device", &b->throttle_read_bps, err)) < 0 ||
	    (r = throttles_v1(h, "blkio.throttle.write_bps_device", &b->throttle_write_bps, err)) < 0 ||
	    (r = throttles_v1(h, "blkio.throttle.read_iops_device", &b->throttle_read_iops, err)) < 0 ||
	    (r = throttles_v1(h, "blkio.throttle.write_iops_device", &b->throttle_write_iops, err)) < 0)
		return r;
	return 0;
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto io.weight's [1, 10000]. */
static unsigned io_weight(unsigned blkio)
{
	return blkio ? 1 + (blkio - 10) * 9999 / 990 : 0;
}

static int throttles_v2(const struct hull_cg_hier *h, const char *key, const struct hull_throttles *t,
			struct hull_err *err)
{
	for (size_t i = 0; i < t->n; i++) {
		/* 0 lifts the limit, as v1's 0 does. */
		int r = t->v[i].rate ? hull_cg_writef(h, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
						      t->v[i].major, t->v[i].minor, key, t->v[i].rate)
				     : hull_cg_writef(h, "io.max", err, "%" PRId64 ":%" PRId64 " %s=max",
						      t->v[i].major, t->v[i].minor, key);
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_cg_io_v2(struct hull_cgroup *cg, struct hull_cg_hier *h, const struct hull_resources *res, struct hull_err *err)
{
	(void)cg;
	const __typeof__(res->block_io) *b = &res->block_io;
	/* BFQ takes blkio's own scale; io.weight (the io cost model) its own. */
	bool bfq = has_file(h, "io.bfq.weight");
	const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
	int r;
	if (b->has_leaf_weight)
		return hull_errf(err, ENOTSUP, "linux.resources.blockIO.leafWeight: not supported on cgroup v2");
	if (b->has_weight) {
		if (!has_file(h, wfile))
			return weight_error(err, "weight", "io.weight");
		r = bfq ? hull_cg_writef(h, wfile, err, "%u", b->weight)
			: hull_cg_writef(h, wfile, err, "default %u", io_weight(b->weight));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < b->n_weight_device; i++) {
		const struct hull_weight_device *d = &b->weight_device[i];
		char field[64];
		if (d->has_leaf_weight) {
			snprintf(field, sizeof(field), "weightDevice[%zu].leafWeight", i);
			return hull_errf(err, ENOTSUP, "linux.resources.blockIO.%s: not supported on cgroup v2", field);
		}
		if (!d->has_weight)
			continue;
		if (!has_file(h, wfile)) {
			snprintf(field, sizeof(field), "weightDevice[%zu].weight", i);
			return weight_error(err, field, "io.weight");
		}
		if ((r = hull_cg_writef(h, wfile, err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
					bfq ? d->weight : io_weight(d->weight))) < 0)
			return r;
	}
	if ((r = throttles_v2(h, "rbps", &b->throttle_read_bps, err)) < 0 ||
	    (r = throttles_v2(h, "wbps", &b->throttle_write_bps, err)) < 0 ||
	    (r = throttles_v2(h, "riops", &b->throttle_read_iops, err)) < 0 ||
	    (r = throttles_v2(h, "wiops", &b->throttle_write_iops, err)) < 0)
		return r;
	return 0;
}
