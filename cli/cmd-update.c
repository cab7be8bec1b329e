/* hull update: changes the resource limits of a created, running or paused
 * container, as runc update does: --resources takes a linux.resources
 * object (a file or "-" for stdin), the shorthand flags override it, and
 * only the values given are written. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "cli.h"

enum {
	OPT_RESOURCES = 'r',
	OPT_MEMORY = 256, OPT_MEMORY_RESERVATION, OPT_MEMORY_SWAP, OPT_KERNEL_MEMORY, OPT_KERNEL_MEMORY_TCP,
	OPT_CPU_QUOTA, OPT_CPU_PERIOD, OPT_CPU_SHARE, OPT_CPU_RT_PERIOD, OPT_CPU_RT_RUNTIME, OPT_CPUSET_CPUS,
	OPT_CPUSET_MEMS, OPT_PIDS_LIMIT, OPT_BLKIO_WEIGHT, OPT_L3_CACHE, OPT_MEM_BW,
};

static const struct option opts[] = {
	{ "resources", required_argument, NULL, OPT_RESOURCES },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
	{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
	{ "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
	{ "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
	{ "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
	{ "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
	{ "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
	{ "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
	{ "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
	{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
	{ "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
	{ "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
	{ "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
	{ "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE },
	{ "mem-bw-schema", required_argument, NULL, OPT_MEM_BW },
	{ 0 },
};

/* docker's units.RAMInBytes, which runc uses: binary multiples. */
int hull_parse_ram(const char *s, int64_t *out)
{
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	while ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9'))
		p++;
	_cleanup_free_ char *num = hull_xstrndup(s, (size_t)(p - s));
	char *end;
	errno = 0;
	double v = strtod(num, &end);
	if (errno || *end)
		return -EINVAL;
	if (*p == ' ')
		p++;
	double mult = 1;
	const char *units = "kmgtp";
	const char *u = *p ? strchr(units, *p | 0x20) : NULL;
	if (u) {
		for (const char *k = units; k <= u; k++)
			mult *= 1024;
		p++;
	}
	if ((*p | 0x20) == 'i' && u)
		p++;
	if ((*p | 0x20) == 'b')
		p++;
	if (*p)
		return -EINVAL;
	v *= mult;
	if (!isfinite(v) || v >= 9.2e18)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

static int opt_i64(const char *name, const char *s, int64_t *out, struct hull_err *err)
{
	if (hull_parse_i64(s, out) < 0)
		return hull_errf(err, EINVAL, "update: --%s: \"%s\" is not an integer", name, s);
	return 0;
}

static int opt_u64(const char *name, const char *s, uint64_t *out, struct hull_err *err)
{
	if (hull_parse_u64(s, out) < 0)
		return hull_errf(err, EINVAL, "update: --%s: \"%s\" is not a non-negative integer", name, s);
	return 0;
}

static int opt_ram(const char *name, const char *s, int64_t *out, struct hull_err *err)
{
	if (hull_parse_ram(s, out) < 0)
		return hull_errf(err, EINVAL, "update: --%s: \"%s\" is not a size (64m, 1g, -1 for unlimited)", name, s);
	return 0;
}

/* One flag onto res; the flags come after --resources, whatever their
 * order on the command line. */
static int apply_flag(int ch, const char *name, const char *v, struct hull_resources *res, struct hull_err *err)
{
	__typeof__(res->memory) *m = &res->memory;
	__typeof__(res->cpu) *c = &res->cpu;
	int r = 0;
	res->present = true;
	switch (ch) {
	case OPT_MEMORY: m->present = m->has_limit = true; return opt_ram(name, v, &m->limit, err);
	case OPT_MEMORY_RESERVATION: m->present = m->has_reservation = true; return opt_ram(name, v, &m->reservation, err);
	case OPT_MEMORY_SWAP: m->present = m->has_swap = true; return opt_ram(name, v, &m->swap, err);
	case OPT_KERNEL_MEMORY: m->present = m->has_kernel = true; return opt_ram(name, v, &m->kernel, err);
	case OPT_KERNEL_MEMORY_TCP: m->present = m->has_kernel_tcp = true; return opt_ram(name, v, &m->kernel_tcp, err);
	case OPT_CPU_QUOTA: c->present = c->has_quota = true; return opt_i64(name, v, &c->quota, err);
	case OPT_CPU_PERIOD: c->present = c->has_period = true; return opt_u64(name, v, &c->period, err);
	case OPT_CPU_SHARE: c->present = c->has_shares = true; return opt_u64(name, v, &c->shares, err);
	case OPT_CPU_RT_PERIOD: c->present = c->has_realtime_period = true; return opt_u64(name, v, &c->realtime_period, err);
	case OPT_CPU_RT_RUNTIME: c->present = c->has_realtime_runtime = true; return opt_i64(name, v, &c->realtime_runtime, err);
	case OPT_CPUSET_CPUS:
		c->present = true;
		free(c->cpus);
		c->cpus = hull_xstrdup(v);
		return 0;
	case OPT_CPUSET_MEMS:
		c->present = true;
		free(c->mems);
		c->mems = hull_xstrdup(v);
		return 0;
	case OPT_PIDS_LIMIT:
		res->pids.present = true;
		r = opt_i64(name, v, &res->pids.limit, err);
		res->pids.has_limit = res->pids.limit != 0;	/* runc: 0 leaves the limit */
		return r;
	case OPT_BLKIO_WEIGHT: {
		uint64_t w;
		if ((r = opt_u64(name, v, &w, err)) < 0)
			return r;
		if (w == 0)	/* runc: 0 leaves the weight alone */
			return 0;
		if (w < 10 || w > 1000)
			return hull_errf(err, EINVAL, "update: --%s: %s: must be 10 to 1000", name, v);
		res->block_io.present = res->block_io.has_weight = true;
		res->block_io.weight = (uint16_t)w;
		return 0;
	}
	case OPT_L3_CACHE:
	case OPT_MEM_BW:
		return 0;	/* not cgroup resources: hull_update writes them to resctrl */
	}
	return hull_errf(err, EINVAL, "update: unknown option");
}

static int read_resources(const char *path, struct hull_resources *res, struct hull_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	const char *file = strcmp(path, "-") ? path : "/dev/stdin";
	int r = hull_read_file_at(AT_FDCWD, file, &buf, &len, err);
	if (r < 0) {
		hull_err_prefix(err, "update: --resources");
		return r;
	}
	if ((r = hull_resources_parse(buf, len, res, err)) < 0)
		hull_err_prefix(err, "update: --resources %s", path);
	return r;
}


int hull_cmd_update(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	const char *resources = NULL;
	struct { int ch; const char *name, *value; } flags[32];
	size_t n_flags = 0;
	int ch, idx;
	while ((ch = hull_getopt(argc, argv, "update", "r:", opts, err)) != -1) {
		if (ch == '?')
			return 1;
		if (ch == OPT_RESOURCES) {
			resources = optarg;
			continue;
		}
		if (n_flags == sizeof(flags) / sizeof(flags[0]))
			return hull_errf(err, E2BIG, "update: too many options"), 1;
		const char *name = "?";
		for (idx = 0; opts[idx].name; idx++)
			if (opts[idx].val == ch)
				name = opts[idx].name;
		flags[n_flags].ch = ch;
		flags[n_flags].name = name;
		flags[n_flags++].value = optarg;
	}
	if (hull_operands(argc, argv, "update", "ID", 1, 1, err) < 0)
		return 1;

	_cleanup_resources_ struct hull_resources res = { 0 };
	if (resources && read_resources(resources, &res, err) < 0)
		return 1;
	for (size_t i = 0; i < n_flags; i++)
		if (apply_flag(flags[i].ch, flags[i].name, flags[i].value, &res, err) < 0)
			return 1;

	/* l3CacheSchema before memBwSchema, as the spec orders them */
	const char *schemas[2];
	size_t n_schemas = 0;
	for (int want = OPT_L3_CACHE; want <= OPT_MEM_BW; want++)
		for (size_t i = 0; i < n_flags; i++)
			if (flags[i].ch == want) {
				if (want == OPT_MEM_BW && strncmp(flags[i].value, "MB:", 3))
					return hull_errf(err, EINVAL, "update: --mem-bw-schema: must start with MB:"), 1;
				schemas[n_schemas++] = flags[i].value;
				break;
			}
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	if (hull_container_open(g->root, argv[optind], true, &c, err) < 0)
		return 1;
	return hull_update(&c, &res, schemas, n_schemas, err) < 0 ? 1 : 0;
}
