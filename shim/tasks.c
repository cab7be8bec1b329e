/* The shim's tasks and their processes; a process's exit. */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "../runtime/lifecycle.h"
#include "events.pb-c.h"
#include "shim.h"
#include "task.pb-c.h"

struct shim_task *shim_task_find(struct shim *s, const char *id)
{
	for (struct shim_task *t = s->tasks; t; t = t->next)
		if (!strcmp(t->id, id))
			return t;
	return NULL;
}

struct shim_proc *shim_proc_find(struct shim_task *t, const char *exec_id)
{
	if (!exec_id || !*exec_id)
		return &t->init;
	for (struct shim_proc *p = t->execs; p; p = p->next)
		if (!strcmp(p->exec_id, exec_id))
			return p;
	return NULL;
}

struct shim_proc *shim_proc_by_pid(struct shim *s, pid_t pid)
{
	for (struct shim_task *t = s->tasks; t; t = t->next) {
		/* an init dies before its start too (a kill, the OOM killer) */
		if (t->init.pid == pid && t->init.status != SHIM_STOPPED)
			return &t->init;
		for (struct shim_proc *p = t->execs; p; p = p->next)
			if (p->pid == pid && p->status == SHIM_RUNNING)
				return p;
	}
	return NULL;
}

/* Waiters of a process that goes before it exited: nobody will answer
 * them otherwise. */
static void drop_waiters(struct shim *s, struct shim_proc *p)
{
	for (struct shim_waiter **pp = &s->waiters; *pp;) {
		struct shim_waiter *w = *pp;
		if (w->proc == p) {
			*pp = w->next;
			shim_reply_err(s, &w->call, SHIM_NOT_FOUND, "wait: the process was deleted before it exited");
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static void proc_fields_free(struct shim *s, struct shim_proc *p)
{
	drop_waiters(s, p);
	shim_stdio_done(s, p);
	shim_stdio_close_in(s, p);
	shim_copy_stop(s, &p->copy_out);
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
	free(p->spec_json);
	p->exec_id = p->stdin_path = p->stdout_path = p->stderr_path = p->spec_json = NULL;
}

/* An exec process out of its task's list, freed after this batch. */
void shim_proc_release(struct shim *s, struct shim_proc *p)
{
	for (struct shim_proc **pp = &p->task->execs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	proc_fields_free(s, p);
	p->next = s->dead_procs;
	s->dead_procs = p;
}

void shim_task_free(struct shim *s, struct shim_task *t)
{
	for (struct shim_task **pp = &s->tasks; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	while (t->execs)
		shim_proc_release(s, t->execs);
	proc_fields_free(s, &t->init);
	shim_watch_close(s, &t->oom);
	hull_cgroup_free(t->cg);
	t->cg = NULL;
	t->next = s->dead_tasks;
	s->dead_tasks = t;
}

void shim_free_dead(struct shim *s)
{
	while (s->dead_procs) {
		struct shim_proc *p = s->dead_procs;
		s->dead_procs = p->next;
		free(p);
	}
	while (s->dead_tasks) {
		struct shim_task *t = s->dead_tasks;
		s->dead_tasks = t->next;
		free(t->id);
		free(t->bundle);
		free(t->root);
		free(t);
	}
}

static void answer_waiters(struct shim *s, struct shim_proc *p)
{
	Hullpb__Timestamp ts = HULLPB__TIMESTAMP__INIT;
	ts.seconds = p->exited_at.tv_sec;
	ts.nanos = (int32_t)p->exited_at.tv_nsec;
	Hullpb__WaitResponse r = HULLPB__WAIT_RESPONSE__INIT;
	r.exit_status = (uint32_t)p->exit_status;
	r.exited_at = &ts;
	for (struct shim_waiter **pp = &s->waiters; *pp;) {
		struct shim_waiter *w = *pp;
		if (w->proc == p) {
			*pp = w->next;
			shim_reply(s, &w->call, &r);
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* As runc's shim: when the init goes, so does every process left in its
 * container (they would be killed with its pid namespace anyway). */
static void kill_rest(struct shim_task *t)
{
	struct hull_container c;
	struct hull_err err = { 0 };
	if (hull_container_open(t->root, t->id, true, &c, &err) < 0)
		return;
	if (hull_signal(&c, SIGKILL, true, &err) < 0)
		hull_log("debug", "%s: kill the rest: %s", t->id, err.msg);
	hull_container_close(&c);
}

void shim_proc_exited(struct shim *s, struct shim_proc *p, int status)
{
	p->status = SHIM_STOPPED;
	p->exit_status = status;
	clock_gettime(CLOCK_REALTIME, &p->exited_at);
	shim_stdio_done(s, p);
	hull_log("debug", "%s%s%s: pid %d exited with %d", p->task->id, p->exec_id ? " exec " : "",
		 p->exec_id ? p->exec_id : "", (int)p->pid, status);
	if (!p->exec_id)
		kill_rest(p->task);
	Hullpb__Timestamp ts = HULLPB__TIMESTAMP__INIT;
	ts.seconds = p->exited_at.tv_sec;
	ts.nanos = (int32_t)p->exited_at.tv_nsec;
	Hullpb__TaskExit ev = HULLPB__TASK_EXIT__INIT;
	ev.container_id = p->task->id;
	/* containerd names the init's process by the container's ID */
	ev.id = p->exec_id ? p->exec_id : p->task->id;
	ev.pid = (uint32_t)p->pid;
	ev.exit_status = (uint32_t)status;
	ev.exited_at = &ts;
	shim_publish(s, "/tasks/exit", "containerd.events.TaskExit", &ev);
	answer_waiters(s, p);
}

/* The status of pid once it is gone (bounded by deadline_ns), -1 when it
 * is not our child or did not go. */
static int wait_gone(pid_t pid, uint64_t deadline_ns)
{
	int fd = hull_pidfd_open(pid);
	if (fd >= 0) {
		uint64_t now = hull_now_ns();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (now < deadline_ns)
			poll(&pfd, 1, (int)((deadline_ns - now) / 1000000));
		close(fd);
	}
	int st;
	if (waitpid(pid, &st, WNOHANG) != pid)
		return -1;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

void shim_task_reap_killed(struct shim *s, struct shim_task *t, int timeout_ms)
{
	uint64_t deadline = hull_now_ns() + (uint64_t)timeout_ms * 1000000;
	for (struct shim_proc *p = t->execs; p; p = p->next)
		if (p->status == SHIM_RUNNING) {
			int st = wait_gone(p->pid, deadline);
			shim_proc_exited(s, p, st < 0 ? 128 + SIGKILL : st);
		}
	if (t->init.status != SHIM_STOPPED && t->init.pid > 0) {
		int st = wait_gone(t->init.pid, deadline);
		t->init.status = SHIM_STOPPED;
		t->init.exit_status = st < 0 ? 128 + SIGKILL : st;
		clock_gettime(CLOCK_REALTIME, &t->init.exited_at);
		shim_stdio_done(s, &t->init);
	}
}
