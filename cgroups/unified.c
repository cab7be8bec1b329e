/* linux.resources.unified: cgroup v2 files written as given. On a hybrid
 * host only keys of controllers the v2 tree holds (and its core files) are
 * accepted, since the others live in v1 hierarchies where the v2 file
 * means nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

int hull_cg_unified_check(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	if (!res->unified.n)
		return 0;
	struct hull_cg_hier *v2 = hull_cg_v2(cg);
	if (!v2)
		return hull_errf(err, ENOTSUP, "linux.resources.unified: needs cgroup v2 (this host has cgroup v1 only)");
	for (size_t i = 0; i < res->unified.n; i++) {
		const char *key = res->unified.v[i].key;
		const char *dot = strchr(key, '.');
		if (!dot || dot == key || strchr(key, '/') || !strcmp(key, ".") || !strcmp(key, ".."))
			return hull_errf(err, EINVAL, "linux.resources.unified.%s: not a cgroup v2 file name", key);
		if (!strncmp(key, "cgroup.", 7)) {
			/* Membership and delegation are hull's, not the config's. */
			if (!strcmp(key, "cgroup.procs") || !strcmp(key, "cgroup.threads") ||
			    !strcmp(key, "cgroup.subtree_control") || !strcmp(key, "cgroup.kill"))
				return hull_errf(err, EINVAL, "linux.resources.unified.%s: not settable", key);
			continue;
		}
		char ctrl[64];
		snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(dot - key), key);
		struct hull_cg_hier *h = hull_cg_find(cg, ctrl);
		if (!h || !h->v2)
			return hull_errf(err, ENOTSUP,
					 "linux.resources.unified.%s: the %s controller is not in this host's cgroup v2 tree%s",
					 key, ctrl, cg->mode == HULL_CG_HYBRID ? " (hybrid host: it is a v1 controller or absent)" : "");
	}
	return 0;
}

int hull_cg_unified(struct hull_cgroup *cg, const struct hull_resources *res, struct hull_err *err)
{
	struct hull_cg_hier *h = hull_cg_v2(cg);
	if (!h)
		return hull_errf(err, ENOTSUP, "linux.resources.unified: needs cgroup v2 (this host has cgroup v1 only)");
	for (size_t i = 0; i < res->unified.n; i++) {
		const struct hull_kv *kv = &res->unified.v[i];
		int r = hull_cg_try_write(h, kv->key, kv->value);
		if (r == -ENOENT)
			return hull_errf(err, ENOENT, "linux.resources.unified.%s: no such file in the cgroup (%s)", kv->key,
					 h->dir);
		if (r < 0)
			return hull_cg_write(h, kv->key, kv->value, err);
	}
	return 0;
}
