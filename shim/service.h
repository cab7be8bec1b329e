/* The task service's methods (service-*.c), for shim_dispatch. */
#ifndef HULL_SHIM_SERVICE_H
#define HULL_SHIM_SERVICE_H

#include "shim.h"
#include "task.pb-c.h"

#define SHIM_METHOD(name) void shim_m_##name(struct shim *s, const struct shim_call *c, const uint8_t *b, size_t n)

SHIM_METHOD(create);
SHIM_METHOD(start);
SHIM_METHOD(delete);
SHIM_METHOD(state);
SHIM_METHOD(wait);
SHIM_METHOD(kill);
SHIM_METHOD(pids);
SHIM_METHOD(pause);
SHIM_METHOD(resume);
SHIM_METHOD(checkpoint);
SHIM_METHOD(exec);
SHIM_METHOD(resize_pty);
SHIM_METHOD(close_io);
SHIM_METHOD(update);
SHIM_METHOD(stats);
SHIM_METHOD(connect);
SHIM_METHOD(shutdown);

/* The task and process a request names, or an answered NotFound (NULL). */
struct shim_task *shim_need_task(struct shim *s, const struct shim_call *c, const char *id);
struct shim_proc *shim_need_proc(struct shim *s, const struct shim_call *c, const char *id, const char *exec_id);
void shim_reply_empty(struct shim *s, const struct shim_call *c);
/* An undecodable request: InvalidArgument naming the method. */
void shim_reply_bad(struct shim *s, const struct shim_call *c, const char *method);
void shim_timestamp(Hullpb__Timestamp *ts, const struct timespec *t);

/* service-create.c: mounts containerd's rootfs on bundle/rootfs. */
int shim_mount_rootfs(const char *bundle, Hullpb__Mount **m, size_t n, struct hull_err *err);
void shim_unmount_rootfs(const char *bundle);

/* service-exec.c */
void shim_start_exec(struct shim *s, const struct shim_call *c, struct shim_proc *p);

/* metrics.c: the Any of StatsResponse for a container's cgroup. */
struct hull_cgroup_stats;
void shim_metrics_any(const struct hull_cgroup_stats *st, bool v2, Hullpb__Any *any);

#endif
