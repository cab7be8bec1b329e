/* The task service: dispatch by method name and the small methods. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "events.pb-c.h"
#include "service.h"
#include "wire.pb-c.h"

static const struct {
	const char *name;
	void (*fn)(struct shim *s, const struct shim_call *c, const uint8_t *b, size_t n);
} methods[] = {
	{ "State", shim_m_state },
	{ "Create", shim_m_create },
	{ "Start", shim_m_start },
	{ "Delete", shim_m_delete },
	{ "Pids", shim_m_pids },
	{ "Pause", shim_m_pause },
	{ "Resume", shim_m_resume },
	{ "Checkpoint", shim_m_checkpoint },
	{ "Kill", shim_m_kill },
	{ "Exec", shim_m_exec },
	{ "ResizePty", shim_m_resize_pty },
	{ "CloseIO", shim_m_close_io },
	{ "Update", shim_m_update },
	{ "Wait", shim_m_wait },
	{ "Stats", shim_m_stats },
	{ "Connect", shim_m_connect },
	{ "Shutdown", shim_m_shutdown },
};

bool shim_dispatch(struct shim *s, const struct shim_call *c, const char *method, const uint8_t *req, size_t len)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, method)) {
			hull_log("debug", "ttrpc: %s", method);
			methods[i].fn(s, c, req, len);
			return true;
		}
	return false;
}

void shim_reply_empty(struct shim *s, const struct shim_call *c)
{
	Hullpb__Empty e = HULLPB__EMPTY__INIT;
	shim_reply(s, c, &e);
}

void shim_reply_bad(struct shim *s, const struct shim_call *c, const char *method)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "%s: the request is not a protobuf of its type", method);
	shim_reply_err(s, c, SHIM_INVALID, msg);
}

void shim_timestamp(Hullpb__Timestamp *ts, const struct timespec *t)
{
	hullpb__timestamp__init(ts);
	ts->seconds = t->tv_sec;
	ts->nanos = (int32_t)t->tv_nsec;
}

struct shim_task *shim_need_task(struct shim *s, const struct shim_call *c, const char *id)
{
	struct shim_task *t = shim_task_find(s, id);
	if (!t) {
		char msg[400];
		snprintf(msg, sizeof(msg), "task %.300s: not found", id);
		shim_reply_err(s, c, SHIM_NOT_FOUND, msg);
	}
	return t;
}

struct shim_proc *shim_need_proc(struct shim *s, const struct shim_call *c, const char *id, const char *exec_id)
{
	struct shim_task *t = shim_need_task(s, c, id);
	struct shim_proc *p = t ? shim_proc_find(t, exec_id) : NULL;
	if (t && !p) {
		char msg[600];
		snprintf(msg, sizeof(msg), "task %.250s: process %.250s: not found", id, exec_id);
		shim_reply_err(s, c, SHIM_NOT_FOUND, msg);
	}
	return p;
}

/* A hull call on the task's container, opened locked; 0 or the error answered. */
static int on_container(struct shim *s, const struct shim_call *c, struct shim_task *t,
			int (*fn)(struct hull_container *ct, void *arg, struct hull_err *err), void *arg)
{
	struct hull_container ct;
	struct hull_err err = { 0 };
	int r = hull_container_open(t->root, t->id, true, &ct, &err);
	if (r == 0) {
		r = fn(&ct, arg, &err);
		hull_container_close(&ct);
	}
	if (r < 0)
		shim_reply_hull_err(s, c, &err);
	return r;
}

static int do_start(struct hull_container *ct, void *arg, struct hull_err *err)
{
	(void)arg;
	return hull_start(ct, err);
}

SHIM_METHOD(start)
{
	Hullpb__StartRequest *q = hullpb__start_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		shim_reply_bad(s, c, "Start");
	if (p && p->exec_id) {
		shim_start_exec(s, c, p);
	} else if (p && p->status != SHIM_CREATED) {
		shim_reply_err(s, c, SHIM_PRECONDITION, "start: the task is not in the created state");
	} else if (p && on_container(s, c, p->task, do_start, NULL) == 0) {
		p->status = SHIM_RUNNING;
		Hullpb__TaskStart ev = HULLPB__TASK_START__INIT;
		ev.container_id = p->task->id;
		ev.pid = (uint32_t)p->pid;
		shim_publish(s, "/tasks/start", "containerd.events.TaskStart", &ev);
		Hullpb__StartResponse r = HULLPB__START_RESPONSE__INIT;
		r.pid = (uint32_t)p->pid;
		shim_reply(s, c, &r);
	}
	if (q)
		hullpb__start_request__free_unpacked(q, NULL);
}

static Hullpb__TaskStatus init_status(struct shim_proc *p)
{
	if (p->status == SHIM_STOPPED)
		return HULLPB__TASK_STATUS__STOPPED;
	struct hull_container ct;
	struct hull_err err = { 0 };
	if (hull_container_open(p->task->root, p->task->id, false, &ct, &err) < 0)
		return HULLPB__TASK_STATUS__UNKNOWN;
	enum hull_status hs = hull_container_status(&ct, NULL);
	hull_container_close(&ct);
	switch (hs) {
	case HULL_STATUS_CREATED: return HULLPB__TASK_STATUS__CREATED;
	case HULL_STATUS_RUNNING: return HULLPB__TASK_STATUS__RUNNING;
	case HULL_STATUS_PAUSED: return HULLPB__TASK_STATUS__PAUSED;
	case HULL_STATUS_STOPPED: return HULLPB__TASK_STATUS__STOPPED;
	default: return HULLPB__TASK_STATUS__UNKNOWN;
	}
}

SHIM_METHOD(state)
{
	Hullpb__StateRequest *q = hullpb__state_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		shim_reply_bad(s, c, "State");
	if (p) {
		Hullpb__StateResponse r = HULLPB__STATE_RESPONSE__INIT;
		Hullpb__Timestamp ts;
		shim_timestamp(&ts, &p->exited_at);
		r.id = p->exec_id ? p->exec_id : p->task->id;
		r.exec_id = p->exec_id ? p->exec_id : "";
		r.bundle = p->task->bundle;
		r.pid = (uint32_t)p->pid;
		r.status = p->exec_id ? (p->status == SHIM_CREATED   ? HULLPB__TASK_STATUS__CREATED
					 : p->status == SHIM_RUNNING ? HULLPB__TASK_STATUS__RUNNING
								     : HULLPB__TASK_STATUS__STOPPED)
				      : init_status(p);
		r.stdin = p->stdin_path;
		r.stdout = p->stdout_path;
		r.stderr = p->stderr_path;
		r.terminal = p->terminal;
		r.exit_status = (uint32_t)p->exit_status;
		if (p->status == SHIM_STOPPED)
			r.exited_at = &ts;
		shim_reply(s, c, &r);
	}
	if (q)
		hullpb__state_request__free_unpacked(q, NULL);
}

SHIM_METHOD(wait)
{
	Hullpb__WaitRequest *q = hullpb__wait_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		shim_reply_bad(s, c, "Wait");
	if (p && p->status == SHIM_STOPPED) {
		Hullpb__Timestamp ts;
		shim_timestamp(&ts, &p->exited_at);
		Hullpb__WaitResponse r = HULLPB__WAIT_RESPONSE__INIT;
		r.exit_status = (uint32_t)p->exit_status;
		r.exited_at = &ts;
		shim_reply(s, c, &r);
	} else if (p) {
		struct shim_waiter *w = hull_xcalloc(1, sizeof(*w));
		w->call = *c;
		w->proc = p;
		w->next = s->waiters;
		s->waiters = w;
	}
	if (q)
		hullpb__wait_request__free_unpacked(q, NULL);
}

SHIM_METHOD(connect)
{
	Hullpb__ConnectRequest *q = hullpb__connect_request__unpack(NULL, n, b);
	if (!q)
		return shim_reply_bad(s, c, "Connect");
	struct shim_task *t = shim_task_find(s, q->id);
	Hullpb__ConnectResponse r = HULLPB__CONNECT_RESPONSE__INIT;
	r.shim_pid = (uint32_t)getpid();
	r.task_pid = t ? (uint32_t)t->init.pid : 0;
	r.version = "hull " HULL_VERSION;
	shim_reply(s, c, &r);
	hullpb__connect_request__free_unpacked(q, NULL);
}

SHIM_METHOD(shutdown)
{
	Hullpb__ShutdownRequest *q = hullpb__shutdown_request__unpack(NULL, n, b);
	if (!q)
		return shim_reply_bad(s, c, "Shutdown");
	/* A shim that still serves a task of its group stays. */
	if (q->now || !s->tasks)
		s->exiting = true;
	shim_reply_empty(s, c);
	hullpb__shutdown_request__free_unpacked(q, NULL);
}

SHIM_METHOD(checkpoint)
{
	(void)b;
	(void)n;
	shim_reply_err(s, c, SHIM_UNIMPLEMENTED, "checkpoint: not implemented: hull has no checkpoint/restore");
}

static int do_signal(struct hull_container *ct, void *arg, struct hull_err *err)
{
	const Hullpb__KillRequest *q = arg;
	return hull_signal(ct, (int)q->signal, q->all, err);
}

SHIM_METHOD(kill)
{
	Hullpb__KillRequest *q = hullpb__kill_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		shim_reply_bad(s, c, "Kill");
	if (p && q->signal >= (uint32_t)NSIG) {
		shim_reply_err(s, c, SHIM_INVALID, "kill: no such signal");
	} else if (p && p->status == SHIM_STOPPED && !(q->all && !p->exec_id)) {
		shim_reply_err(s, c, SHIM_NOT_FOUND, "process already finished");
	} else if (p && p->exec_id) {
		if (p->status == SHIM_CREATED || kill(p->pid, (int)q->signal) < 0)
			shim_reply_err(s, c, SHIM_NOT_FOUND, "process already finished");
		else
			shim_reply_empty(s, c);
	} else if (p && on_container(s, c, p->task, do_signal, q) == 0) {
		shim_reply_empty(s, c);
	}
	if (q)
		hullpb__kill_request__free_unpacked(q, NULL);
}

static int do_pause(struct hull_container *ct, void *arg, struct hull_err *err)
{
	return hull_pause(ct, arg != NULL, err);
}

static void pause_resume(struct shim *s, const struct shim_call *c, const char *id, bool frozen)
{
	struct shim_task *t = shim_need_task(s, c, id);
	if (!t || on_container(s, c, t, do_pause, frozen ? (void *)1 : NULL) < 0)
		return;
	Hullpb__TaskPaused ev = HULLPB__TASK_PAUSED__INIT; /* TaskResumed has the same one field */
	ev.container_id = t->id;
	shim_publish(s, frozen ? "/tasks/paused" : "/tasks/resumed",
		     frozen ? "containerd.events.TaskPaused" : "containerd.events.TaskResumed", &ev);
	shim_reply_empty(s, c);
}

SHIM_METHOD(pause)
{
	Hullpb__PauseRequest *q = hullpb__pause_request__unpack(NULL, n, b);
	if (!q)
		return shim_reply_bad(s, c, "Pause");
	pause_resume(s, c, q->id, true);
	hullpb__pause_request__free_unpacked(q, NULL);
}

SHIM_METHOD(resume)
{
	Hullpb__ResumeRequest *q = hullpb__resume_request__unpack(NULL, n, b);
	if (!q)
		return shim_reply_bad(s, c, "Resume");
	pause_resume(s, c, q->id, false);
	hullpb__resume_request__free_unpacked(q, NULL);
}
