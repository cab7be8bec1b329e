/* config.json: linux.resources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "parse.h"

/* Reads obj.key into *out, setting *has; a missing member leaves both. */
#define OPT(call, has)                  \
	do {                            \
		int r_ = (call);        \
		if (r_ < 0)             \
			return r_;      \
		if (r_)                 \
			(has) = true;   \
	} while (0)

/* A limit in bytes where -1 means unlimited (runc refuses other negatives). */
static int limit(json_t *o, const char *parent, const char *key, int64_t *out, bool *has,
		 struct hull_err *err)
{
	jpath_t p;
	jp_key(p, parent, key);
	json_t *v = jget(o, key);
	if (!v)
		return 0;
	int64_t x;
	if (jv_i64(v, p, INT64_MIN, INT64_MAX, &x, err) < 0)
		return -EINVAL;
	if (x < -1)
		return jerr(err, p, "must be -1 or non-negative");
	*out = x;
	*has = true;
	return 0;
}

static int parse_device_rules(json_t *a, const char *path, struct hull_resources *r,
			      struct hull_err *err)
{
	size_t i;
	json_t *v;
	r->devices = hull_xcalloc(json_array_size(a), sizeof(*r->devices));
	json_array_foreach(a, i, v) {
		jpath_t p, q;
		struct hull_device_rule *d = &r->devices[r->n_devices++];
		char *s = NULL;
		int x;
		jp_idx(p, path, i);
		d->type = 'a';
		d->major = d->minor = -1;
		if (jv_object(v, p, err) < 0)
			return -EINVAL;
		json_t *allow = jget(v, "allow");
		jp_key(q, p, "allow");
		if (!allow)
			return jerr(err, q, "missing");
		if (jv_bool(allow, q, &d->allow, err) < 0)
			return -EINVAL;
		if ((x = jo_string(v, p, "type", false, &s, err)) < 0)
			return x;
		if (s) {
			jp_key(q, p, "type");
			bool ok = !s[0] || (!s[1] && strchr("acb", s[0]));
			if (ok && s[0])
				d->type = s[0];
			x = ok ? 0 : jerr(err, q, "unknown device type %s", s);
			free(s);
			s = NULL;
			if (x < 0)
				return x;
		}
		if (jo_i64(v, p, "major", false, -1, INT64_MAX, &d->major, err) < 0 ||
		    jo_i64(v, p, "minor", false, -1, INT64_MAX, &d->minor, err) < 0 ||
		    (x = jo_string(v, p, "access", false, &s, err)) < 0)
			return -EINVAL;
		if (s) {
			jp_key(q, p, "access");
			bool ok = strlen(s) <= 3 && strspn(s, "rwm") == strlen(s);
			for (size_t k = 0; ok && s[k]; k++)
				ok = !strchr(s + k + 1, s[k]);
			if (ok)
				strcpy(d->access, s);
			free(s);
			if (!ok)
				return jerr(err, q, "must be made of the letters r, w and m");
		}
	}
	return 0;
}

static int parse_memory(json_t *o, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t p;
	jp_key(p, P, "memory");
	__typeof__(res->memory) *m = &res->memory;
	m->present = true;
	if (limit(o, p, "limit", &m->limit, &m->has_limit, err) < 0 ||
	    limit(o, p, "reservation", &m->reservation, &m->has_reservation, err) < 0 ||
	    limit(o, p, "swap", &m->swap, &m->has_swap, err) < 0 ||
	    limit(o, p, "kernel", &m->kernel, &m->has_kernel, err) < 0 ||
	    limit(o, p, "kernelTCP", &m->kernel_tcp, &m->has_kernel_tcp, err) < 0)
		return -EINVAL;
	/* runc reads -1 (UINT64_MAX once Go has made it unsigned) as "not set". */
	OPT(jo_u64(o, p, "swappiness", false, UINT64_MAX, &m->swappiness, err), m->has_swappiness);
	if (m->has_swappiness && m->swappiness > 100 && m->swappiness != UINT64_MAX) {
		jpath_t q;
		jp_key(q, p, "swappiness");
		return jerr(err, q, "must be between 0 and 100 (or -1, not set)");
	}
	OPT(jo_bool(o, p, "disableOOMKiller", &m->disable_oom_killer, err),
	    m->has_disable_oom_killer);
	OPT(jo_bool(o, p, "useHierarchy", &m->use_hierarchy, err), m->has_use_hierarchy);
	OPT(jo_bool(o, p, "checkBeforeUpdate", &m->check_before_update, err),
	    m->has_check_before_update);
	return 0;
}

static int parse_cpu(json_t *o, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t p;
	jp_key(p, P, "cpu");
	__typeof__(res->cpu) *c = &res->cpu;
	c->present = true;
	OPT(jo_u64(o, p, "shares", false, UINT64_MAX, &c->shares, err), c->has_shares);
	OPT(jo_i64(o, p, "quota", false, INT64_MIN, INT64_MAX, &c->quota, err), c->has_quota);
	OPT(jo_u64(o, p, "burst", false, UINT64_MAX, &c->burst, err), c->has_burst);
	OPT(jo_u64(o, p, "period", false, UINT64_MAX, &c->period, err), c->has_period);
	OPT(jo_i64(o, p, "realtimeRuntime", false, INT64_MIN, INT64_MAX, &c->realtime_runtime, err),
	    c->has_realtime_runtime);
	OPT(jo_u64(o, p, "realtimePeriod", false, UINT64_MAX, &c->realtime_period, err),
	    c->has_realtime_period);
	OPT(jo_i64(o, p, "idle", false, INT64_MIN, INT64_MAX, &c->idle, err), c->has_idle);
	if (jo_string(o, p, "cpus", false, &c->cpus, err) < 0 ||
	    jo_string(o, p, "mems", false, &c->mems, err) < 0)
		return -EINVAL;
	return 0;
}

/* blkio weights: runtime-spec gives 10 - 1000; 0 is "not set" as runc
 * reads it (docker always writes "weight": 0). */
static int weight(json_t *o, const char *parent, const char *key, uint16_t *out, bool *has,
		  struct hull_err *err)
{
	int64_t x;
	int r = jo_i64(o, parent, key, false, 0, 1000, &x, err);
	if (r > 0 && x > 0 && x < 10) {
		jpath_t p;
		jp_key(p, parent, key);
		return jerr(err, p, "must be between 10 and 1000 (or 0, not set)");
	}
	if (r > 0 && x) {
		*out = (uint16_t)x;
		*has = true;
	}
	return r < 0 ? r : 0;
}

static int parse_throttles(json_t *o, const char *parent, const char *key,
			   struct hull_throttles *t, struct hull_err *err)
{
	json_t *a, *v;
	size_t i;
	jpath_t path;
	int r = jo_array(o, parent, key, false, &a, err);
	if (r <= 0)
		return r;
	jp_key(path, parent, key);
	t->v = hull_xcalloc(json_array_size(a), sizeof(*t->v));
	json_array_foreach(a, i, v) {
		jpath_t p;
		struct hull_throttle_device *d = &t->v[t->n++];
		jp_idx(p, path, i);
		if (jv_object(v, p, err) < 0 ||
		    jo_i64(v, p, "major", true, 0, INT64_MAX, &d->major, err) < 0 ||
		    jo_i64(v, p, "minor", true, 0, INT64_MAX, &d->minor, err) < 0 ||
		    jo_u64(v, p, "rate", true, UINT64_MAX, &d->rate, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_block_io(json_t *o, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t p, wd;
	jp_key(p, P, "blockIO");
	jp_key(wd, p, "weightDevice");
	__typeof__(res->block_io) *b = &res->block_io;
	json_t *a, *v;
	size_t i;
	int r;
	b->present = true;
	if (weight(o, p, "weight", &b->weight, &b->has_weight, err) < 0 ||
	    weight(o, p, "leafWeight", &b->leaf_weight, &b->has_leaf_weight, err) < 0)
		return -EINVAL;
	if ((r = jo_array(o, p, "weightDevice", false, &a, err)) < 0)
		return r;
	if (a) {
		b->weight_device = hull_xcalloc(json_array_size(a), sizeof(*b->weight_device));
		json_array_foreach(a, i, v) {
			jpath_t ep;
			struct hull_weight_device *d = &b->weight_device[b->n_weight_device++];
			jp_idx(ep, wd, i);
			if (jv_object(v, ep, err) < 0 ||
			    jo_i64(v, ep, "major", true, 0, INT64_MAX, &d->major, err) < 0 ||
			    jo_i64(v, ep, "minor", true, 0, INT64_MAX, &d->minor, err) < 0 ||
			    weight(v, ep, "weight", &d->weight, &d->has_weight, err) < 0 ||
			    weight(v, ep, "leafWeight", &d->leaf_weight, &d->has_leaf_weight, err) < 0)
				return -EINVAL;
			if (!jget(v, "weight") && !jget(v, "leafWeight"))
				return jerr(err, ep, "needs weight or leafWeight");
		}
	}
	if (parse_throttles(o, p, "throttleReadBpsDevice", &b->throttle_read_bps, err) < 0 ||
	    parse_throttles(o, p, "throttleWriteBpsDevice", &b->throttle_write_bps, err) < 0 ||
	    parse_throttles(o, p, "throttleReadIOPSDevice", &b->throttle_read_iops, err) < 0 ||
	    parse_throttles(o, p, "throttleWriteIOPSDevice", &b->throttle_write_iops, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_hugepages(json_t *a, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t hp;
	jp_key(hp, P, "hugepageLimits");
	size_t i;
	json_t *v;
	res->hugepage_limits = hull_xcalloc(json_array_size(a), sizeof(*res->hugepage_limits));
	json_array_foreach(a, i, v) {
		jpath_t p;
		struct hull_hugepage_limit *h = &res->hugepage_limits[res->n_hugepage_limits++];
		jp_idx(p, hp, i);
		if (jv_object(v, p, err) < 0 ||
		    jo_string(v, p, "pageSize", true, &h->page_size, err) < 0 ||
		    jo_u64(v, p, "limit", true, UINT64_MAX, &h->limit, err) < 0)
			return -EINVAL;
		if (!h->page_size[0]) {
			jpath_t q;
			jp_key(q, p, "pageSize");
			return jerr(err, q, "must not be empty");
		}
	}
	return 0;
}

static int parse_network(json_t *o, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t p, pr;
	jp_key(p, P, "network");
	jp_key(pr, p, "priorities");
	__typeof__(res->network) *n = &res->network;
	json_t *a, *v;
	size_t i;
	int r;
	n->present = true;
	OPT(jo_u32(o, p, "classID", false, &n->class_id, err), n->has_class_id);
	n->has_class_id = n->has_class_id && n->class_id;	/* runc: 0 is not set */
	if ((r = jo_array(o, p, "priorities", false, &a, err)) < 0)
		return r;
	if (!a)
		return 0;
	n->priorities = hull_xcalloc(json_array_size(a), sizeof(*n->priorities));
	json_array_foreach(a, i, v) {
		jpath_t ep;
		struct hull_net_priority *np = &n->priorities[n->n_priorities++];
		jp_idx(ep, pr, i);
		if (jv_object(v, ep, err) < 0 ||
		    jo_string(v, ep, "name", true, &np->name, err) < 0 ||
		    jo_u32(v, ep, "priority", true, &np->priority, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_rdma(json_t *o, const char *P, struct hull_resources *res, struct hull_err *err)
{
	jpath_t rp;
	jp_key(rp, P, "rdma");
	const char *key;
	json_t *v;
	res->rdma = hull_xcalloc(json_object_size(o), sizeof(*res->rdma));
	json_object_foreach(o, key, v) {
		jpath_t p;
		struct hull_rdma *d = &res->rdma[res->n_rdma++];
		jp_key(p, rp, key);
		d->device = hull_xstrdup(key);
		if (jv_object(v, p, err) < 0)
			return -EINVAL;
		OPT(jo_u32(v, p, "hcaHandles", false, &d->hca_handles, err), d->has_hca_handles);
		OPT(jo_u32(v, p, "hcaObjects", false, &d->hca_objects, err), d->has_hca_objects);
		if (!d->has_hca_handles && !d->has_hca_objects)
			return jerr(err, p, "needs hcaHandles or hcaObjects");
	}
	return 0;
}

int spec_parse_resources(json_t *o, const char *P, struct hull_resources *res,
			 struct hull_err *err)
{
	json_t *v;
	int r;
	res->present = true;
	if ((r = jo_array(o, P, "devices", false, &v, err)) < 0)
		return r;
	jpath_t dp, pp;
	jp_key(dp, P, "devices");
	jp_key(pp, P, "pids");
	if (v && parse_device_rules(v, dp, res, err) < 0)
		return -EINVAL;
	if ((r = jo_object(o, P, "memory", false, &v, err)) < 0)
		return r;
	if (v && parse_memory(v, P, res, err) < 0)
		return -EINVAL;
	if ((r = jo_object(o, P, "cpu", false, &v, err)) < 0)
		return r;
	if (v && parse_cpu(v, P, res, err) < 0)
		return -EINVAL;
	if ((r = jo_object(o, P, "pids", false, &v, err)) < 0)
		return r;
	if (v) {
		res->pids.present = true;
		OPT(jo_i64(v, pp, "limit", false, INT64_MIN, INT64_MAX,
			   &res->pids.limit, err),
		    res->pids.has_limit);
	}
	if ((r = jo_object(o, P, "blockIO", false, &v, err)) < 0)
		return r;
	if (v && parse_block_io(v, P, res, err) < 0)
		return -EINVAL;
	if ((r = jo_array(o, P, "hugepageLimits", false, &v, err)) < 0)
		return r;
	if (v && parse_hugepages(v, P, res, err) < 0)
		return -EINVAL;
	if ((r = jo_object(o, P, "network", false, &v, err)) < 0)
		return r;
	if (v && parse_network(v, P, res, err) < 0)
		return -EINVAL;
	if ((r = jo_object(o, P, "rdma", false, &v, err)) < 0)
		return r;
	if (v && parse_rdma(v, P, res, err) < 0)
		return -EINVAL;
	if (jo_kvs(o, P, "unified", &res->unified, err) < 0)
		return -EINVAL;
	return 0;
}

int hull_resources_parse(const char *buf, size_t len, struct hull_resources *out, struct hull_err *err)
{
	_cleanup_json_ json_t *top = NULL;
	*out = (struct hull_resources){ 0 };
	if (jload(buf, len, &top, err) < 0)
		return -EINVAL;
	if (jv_object(top, "resources", err) < 0 || spec_parse_resources(top, "resources", out, err) < 0) {
		hull_resources_free(out);
		return -EINVAL;
	}
	/* At create 0 is a limit (runtime-spec 1.3); an update document with 0
	 * leaves the limit, as runc's update does: docker sends a container's
	 * old --pids-limit 0 ("unlimited" to docker) with every update. */
	if (out->pids.has_limit && out->pids.limit == 0)
		out->pids.has_limit = false;
	return 0;
}
