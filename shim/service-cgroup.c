/* Pids, Update and Stats: the container's cgroup through hull. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "../oci-spec/spec.h"
#include "../runtime/lifecycle.h"
#include "service.h"
#include "wire.pb-c.h"

/* Opens the task's container (read-only) or answers the error. */
static int open_ct(struct shim *s, const struct shim_call *c, struct shim_task *t, struct hull_container *ct)
{
	struct hull_err err = { 0 };
	int r = hull_container_open(t->root, t->id, false, ct, &err);
	if (r < 0)
		shim_reply_hull_err(s, c, &err);
	return r;
}

SHIM_METHOD(pids)
{
	Hullpb__PidsRequest *q = hullpb__pids_request__unpack(NULL, n, b);
	struct shim_task *t = q ? shim_need_task(s, c, q->id) : NULL;
	struct hull_container ct;
	if (!q)
		return shim_reply_bad(s, c, "Pids");
	if (t && open_ct(s, c, t, &ct) == 0) {
		struct hull_err err = { 0 };
		pid_t *pids = NULL;
		size_t np = 0;
		if (hull_container_pids(&ct, &pids, &np, &err) < 0) {
			shim_reply_hull_err(s, c, &err);
		} else {
			Hullpb__ProcessInfo *pi = hull_xcalloc(np + 1, sizeof(*pi));
			Hullpb__ProcessInfo **pv = hull_xcalloc(np + 1, sizeof(*pv));
			for (size_t i = 0; i < np; i++) {
				hullpb__process_info__init(&pi[i]);
				pi[i].pid = (uint32_t)pids[i];
				pv[i] = &pi[i];
			}
			Hullpb__PidsResponse r = HULLPB__PIDS_RESPONSE__INIT;
			r.processes = pv;
			r.n_processes = np;
			shim_reply(s, c, &r);
			free(pi);
			free(pv);
		}
		free(pids);
		hull_container_close(&ct);
	}
	hullpb__pids_request__free_unpacked(q, NULL);
}

#define RESOURCES_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

static void update(struct shim *s, const struct shim_call *c, struct shim_task *t, const Hullpb__Any *any)
{
	struct hull_err err = { 0 };
	_cleanup_resources_ struct hull_resources res = { 0 };
	if (!any || strcmp(any->type_url, RESOURCES_URL))
		return shim_reply_err(s, c, SHIM_INVALID, "update: resources: not a runtime-spec LinuxResources");
	if (hull_resources_parse((const char *)any->value.data, any->value.len, &res, &err) < 0) {
		hull_err_prefix(&err, "update %s", t->id);
		return shim_reply_hull_err(s, c, &err);
	}
	struct hull_container ct;
	int r = hull_container_open(t->root, t->id, true, &ct, &err);
	if (r == 0) {
		r = hull_update(&ct, &res, NULL, 0, &err);
		hull_container_close(&ct);
	}
	if (r < 0)
		shim_reply_hull_err(s, c, &err);
	else
		shim_reply_empty(s, c);
}

SHIM_METHOD(update)
{
	Hullpb__UpdateTaskRequest *q = hullpb__update_task_request__unpack(NULL, n, b);
	struct shim_task *t = q ? shim_need_task(s, c, q->id) : NULL;
	if (!q)
		return shim_reply_bad(s, c, "Update");
	/* The annotations are the CRI's record of the change; runc's shim
	 * passes them on to nothing either. */
	if (t)
		update(s, c, t, q->resources);
	hullpb__update_task_request__free_unpacked(q, NULL);
}

static bool unified_host(void)
{
	struct statfs fs;
	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

SHIM_METHOD(stats)
{
	Hullpb__StatsRequest *q = hullpb__stats_request__unpack(NULL, n, b);
	struct shim_task *t = q ? shim_need_task(s, c, q->id) : NULL;
	struct hull_container ct;
	if (!q)
		return shim_reply_bad(s, c, "Stats");
	if (t && open_ct(s, c, t, &ct) == 0) {
		struct hull_err err = { 0 };
		struct hull_cgroup_stats st;
		memset(&st, 0, sizeof(st));
		if (hull_container_stats(&ct, &st, &err) < 0) {
			shim_reply_hull_err(s, c, &err);
		} else {
			Hullpb__Any any;
			shim_metrics_any(&st, unified_host(), &any);
			Hullpb__StatsResponse r = HULLPB__STATS_RESPONSE__INIT;
			r.stats = &any;
			shim_reply(s, c, &r);
			free(any.value.data);
		}
		hull_cgroup_stats_free(&st);
		hull_container_close(&ct);
	}
	hullpb__stats_request__free_unpacked(q, NULL);
}
