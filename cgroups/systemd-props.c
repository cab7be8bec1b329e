/* The properties of a container's scope: what linux.resources asks that
 * systemd owns (so that a daemon-reload or a systemctl set-property keeps
 * the container's limits), as runc sets them. hull still writes every
 * value into the cgroup itself afterwards (as runc does): systemd has no
 * property for most of linux.resources. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"
#include "systemd.h"

#define SD_INFINITY UINT64_MAX
/* systemd's CPUQuota has a 1 % (10 ms per s) granularity. */
#define QUOTA_STEP_USEC 10000ull
#define DEFAULT_PERIOD_USEC 100000ull

static void prop_clear(struct hull_sd_prop *p)
{
	free(p->name);
	free(p->s);
	free(p->bytes);
	for (size_t i = 0; i < p->n_strv; i++)
		free(p->strv[i]);
	free(p->strv);
	memset(p, 0, sizeof(*p));
}

void hull_sd_props_remove(struct hull_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].name, name))
			continue;
		prop_clear(&p->v[i]);
		memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*p->v));
		p->n--;
		return;
	}
}

/* A later value replaces an earlier one, so the list holds each name once. */
struct hull_sd_prop *hull_sd_props_add(struct hull_sd_props *p, const char *name, const char *type)
{
	hull_sd_props_remove(p, name);
	p->v = hull_xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	struct hull_sd_prop *q = &p->v[p->n++];
	memset(q, 0, sizeof(*q));
	q->name = hull_xstrdup(name);
	snprintf(q->type, sizeof(q->type), "%s", type);
	return q;
}

void hull_sd_props_u64(struct hull_sd_props *p, const char *name, uint64_t v)
{
	hull_sd_props_add(p, name, "t")->u = v;
}

void hull_sd_props_bool(struct hull_sd_props *p, const char *name, bool v)
{
	hull_sd_props_add(p, name, "b")->u = v;
}

void hull_sd_props_str(struct hull_sd_props *p, const char *name, const char *v)
{
	hull_sd_props_add(p, name, "s")->s = hull_xstrdup(v);
}

const struct hull_sd_prop *hull_sd_props_get(const struct hull_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

void hull_sd_props_free(struct hull_sd_props *p)
{
	for (size_t i = 0; i < p->n; i++)
		prop_clear(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

int hull_sd_cpuset_mask(const char *list, uint8_t **bytes, size_t *n, struct hull_err *err)
{
	uint8_t *m = NULL;
	size_t len = 0;
	for (const char *s = list; *s;) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s || errno)
			goto bad;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (end == s || errno || b < a)
				goto bad;
		}
		if (b >= 65536)
			goto bad;
		if (b / 8 + 1 > len) {
			m = hull_xrealloc(m, b / 8 + 1);
			memset(m + len, 0, b / 8 + 1 - len);
			len = b / 8 + 1;
		}
		for (unsigned long c = a; c <= b; c++)
			m[c / 8] |= (uint8_t)(1u << (c % 8));
		s = end;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			goto bad;
		else if (*s)
			s++;
	}
	*bytes = m;
	*n = len;
	return 0;
bad:
	free(m);
	return hull_errf(err, EINVAL, "%s: not a CPU or memory node list (\"0-3,7\")", HULL_Q(list));
}

static int add_mask(struct hull_sd_props *p, const char *name, const char *list, struct hull_err *err)
{
	uint8_t *bytes;
	size_t n;
	int r = hull_sd_cpuset_mask(list, &bytes, &n, err);
	if (r < 0)
		return r;
	struct hull_sd_prop *q = hull_sd_props_add(p, name, "ay");
	q->bytes = bytes;
	q->n_bytes = n;
	return 0;
}

/* runc's addCpuQuota: the quota per second, rounded up to systemd's 1 %. */
static void add_quota(struct hull_sd_props *p, const __typeof__(((struct hull_resources *)0)->cpu) *c)
{
	int64_t quota = c->has_quota ? c->quota : 0;
	uint64_t period = c->has_period ? c->period : 0;
	if (period)
		hull_sd_props_u64(p, "CPUQuotaPeriodUSec", period);
	if (!quota && !period)
		return;
	uint64_t per_sec = SD_INFINITY;
	if (quota > 0) {
		per_sec = (uint64_t)quota * 1000000ull / (period ? period : DEFAULT_PERIOD_USEC);
		if (per_sec % QUOTA_STEP_USEC)
			per_sec = (per_sec / QUOTA_STEP_USEC + 1) * QUOTA_STEP_USEC;
	}
	hull_sd_props_u64(p, "CPUQuotaPerSecUSec", per_sec);
}

static uint64_t limit_value(int64_t v)
{
	return v < 0 ? SD_INFINITY : (uint64_t)v;
}

static int memory_props(struct hull_sd_props *p, const struct hull_resources *res, bool v2, struct hull_err *err)
{
	const __typeof__(res->memory) *m = &res->memory;
	if (!m->present)
		return 0;
	if (m->has_limit && m->limit)
		hull_sd_props_u64(p, v2 ? "MemoryMax" : "MemoryLimit", limit_value(m->limit));
	if (!v2)
		return 0;
	if (m->has_reservation && m->reservation)
		hull_sd_props_u64(p, "MemoryLow", limit_value(m->reservation));
	int64_t swap;
	int r = hull_cg_swap_v2(m->has_swap, m->swap, m->has_limit, m->limit, &swap, err);
	if (r == 0 && swap != -2)
		hull_sd_props_u64(p, "MemorySwapMax", limit_value(swap));
	return r;
}

static int cpu_props(struct hull_sd_props *p, const struct hull_resources *res, bool v2, struct hull_err *err)
{
	const __typeof__(res->cpu) *c = &res->cpu;
	if (!c->present)
		return 0;
	if (c->has_shares && c->shares)
		hull_sd_props_u64(p, v2 ? "CPUWeight" : "CPUShares", v2 ? hull_cg_shares_to_weight(c->shares) : c->shares);
	add_quota(p, c);
	/* systemd applies AllowedCPUs on cgroup v2 only: v1 gets the files. */
	int r = 0;
	if (v2 && c->cpus && *c->cpus && (r = add_mask(p, "AllowedCPUs", c->cpus, err)) < 0)
		hull_err_prefix(err, "linux.resources.cpu.cpus");
	if (r == 0 && v2 && c->mems && *c->mems && (r = add_mask(p, "AllowedMemoryNodes", c->mems, err)) < 0)
		hull_err_prefix(err, "linux.resources.cpu.mems");
	return r;
}

static void other_props(struct hull_sd_props *p, const struct hull_resources *res, bool v2)
{
	/* TasksMax=0 is out of systemd's range: pids.max gets the 0. */
	if (res->pids.present && res->pids.has_limit && res->pids.limit)
		hull_sd_props_u64(p, "TasksMax", limit_value(res->pids.limit));
	const __typeof__(res->block_io) *b = &res->block_io;
	if (b->present && b->has_weight && b->weight)
		hull_sd_props_u64(p, v2 ? "IOWeight" : "BlockIOWeight",
				  v2 ? 1 + ((uint64_t)b->weight - 10) * 9999 / 990 : b->weight);
}

/* linux.resources.unified keys systemd has a property for. */
static int unified_props(struct hull_sd_props *p, const struct hull_resources *res, struct hull_err *err)
{
	static const char *const map[][2] = {
		{ "memory.high", "MemoryHigh" }, { "memory.low", "MemoryLow" }, { "memory.min", "MemoryMin" },
		{ "memory.max", "MemoryMax" },	 { "memory.swap.max", "MemorySwapMax" },
		{ "pids.max", "TasksMax" },	 { "cpu.weight", "CPUWeight" },
	};
	for (size_t i = 0; i < res->unified.n; i++) {
		const struct hull_kv *kv = &res->unified.v[i];
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (strcmp(kv->key, map[k][0]))
				continue;
			_cleanup_free_ char *v = hull_xstrndup(kv->value, strcspn(kv->value, " \n"));
			uint64_t n;
			if (!strcmp(v, "max"))
				n = SD_INFINITY;
			else if (hull_parse_u64(v, &n) < 0)
				return hull_errf(err, EINVAL, "linux.resources.unified.%s: %s: not a number or \"max\"",
						 kv->key, HULL_Q(kv->value));
			hull_sd_props_u64(p, map[k][1], n);
		}
	}
	return 0;
}

int hull_sd_props_resources(struct hull_sd_props *p, const struct hull_resources *res, bool v2,
			    struct hull_err *err)
{
	if (!res || !res->present)
		return 0;
	int r = memory_props(p, res, v2, err);
	if (r == 0)
		r = cpu_props(p, res, v2, err);
	if (r < 0)
		return r;
	other_props(p, res, v2);
	return v2 ? unified_props(p, res, err) : 0;
}
