/* Exec (a process recorded, started by Start with its exec ID),
 * ResizePty, CloseIO, Pids, Update, Stats. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "../oci-spec/spec.h"
#include "../runtime/exec.h"
#include "../runtime/lifecycle.h"
#include "events.pb-c.h"
#include "service.h"

#define SPEC_URL "types.containerd.io/opencontainers/runtime-spec/1/"

SHIM_METHOD(exec)
{
	Hullpb__ExecProcessRequest *q = hullpb__exec_process_request__unpack(NULL, n, b);
	struct shim_task *t = q ? shim_need_task(s, c, q->id) : NULL;
	if (!q)
		return shim_reply_bad(s, c, "Exec");
	if (!t) {
	} else if (!*q->exec_id || shim_proc_find(t, q->exec_id)) {
		shim_reply_err(s, c, SHIM_EXISTS, "exec: the exec ID is empty or taken");
	} else if (!q->spec || strcmp(q->spec->type_url, SPEC_URL "Process")) {
		shim_reply_err(s, c, SHIM_INVALID, "exec: spec: not a runtime-spec Process");
	} else {
		struct shim_proc *p = hull_xcalloc(1, sizeof(*p));
		p->task = t;
		p->exec_id = hull_xstrdup(q->exec_id);
		p->stdin_path = hull_xstrdup(q->stdin);
		p->stdout_path = hull_xstrdup(q->stdout);
		p->stderr_path = hull_xstrdup(q->stderr);
		p->terminal = q->terminal;
		p->spec_json = hull_xstrndup((const char *)q->spec->value.data, q->spec->value.len);
		p->spec_len = q->spec->value.len;
		p->stdio[0] = p->stdio[1] = p->stdio[2] = p->pty = -1;
		p->next = t->execs;
		t->execs = p;
		Hullpb__TaskExecAdded ev = HULLPB__TASK_EXEC_ADDED__INIT;
		ev.container_id = t->id;
		ev.exec_id = p->exec_id;
		shim_publish(s, "/tasks/exec-added", "containerd.events.TaskExecAdded", &ev);
		shim_reply_empty(s, c);
	}
	hullpb__exec_process_request__free_unpacked(q, NULL);
}

struct exec_call {
	struct hull_exec_opts o;
	struct hull_err err;
	pid_t pid;
};

static int do_exec(void *arg)
{
	struct exec_call *ec = arg;
	return hull_exec(&ec->o, &ec->err);
}

/* The process document through a sealed memfd: nothing on disk to clean. */
static int spec_fd(const struct shim_proc *p, struct hull_err *err)
{
	int fd = memfd_create("exec-process", MFD_CLOEXEC);
	if (fd < 0)
		return hull_syserr(err, errno, "exec: memfd");
	if (hull_write_all(fd, p->spec_json, p->spec_len) < 0) {
		close(fd);
		return hull_syserr(err, EIO, "exec: memfd");
	}
	return fd;
}

static int run_exec(struct shim *s, struct shim_proc *p, struct exec_call *ec)
{
	int fd = spec_fd(p, &ec->err);
	if (fd < 0)
		return fd;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ec->o = (struct hull_exec_opts){ .root = p->task->root,
					 .id = p->task->id,
					 .process_file = path,
					 .detach = true,
					 .pid_out = &ec->pid };
	int console = -1;
	_cleanup_free_ char *console_path = NULL;
	int r = shim_stdio_open(s, p, &ec->err);
	if (r == 0 && p->terminal && (r = console = shim_console_listen(s, &console_path, &ec->err)) >= 0)
		r = 0;
	ec->o.console_socket = console_path;
	if (r == 0)
		r = shim_stdio_around(s, p, do_exec, ec);
	close(fd);
	if (console >= 0) {
		int master = r == 0 ? shim_console_take(console, console_path, &ec->err) : -1;
		if (r < 0) {
			close(console);
			unlink(console_path);
		} else if (master < 0) {
			r = master;
		} else {
			shim_stdio_terminal(s, p, master);
		}
	}
	return r;
}

void shim_start_exec(struct shim *s, const struct shim_call *c, struct shim_proc *p)
{
	if (p->status != SHIM_CREATED)
		return shim_reply_err(s, c, SHIM_PRECONDITION, "start: the process was started already");
	struct exec_call ec = { .pid = 0 };
	if (run_exec(s, p, &ec) < 0) {
		shim_stdio_done(s, p);
		shim_copy_stop(s, &p->copy_in);
		shim_copy_stop(s, &p->copy_out);
		hull_err_prefix(&ec.err, "exec %s in %s", p->exec_id, p->task->id);
		return shim_reply_hull_err(s, c, &ec.err);
	}
	p->pid = ec.pid;
	p->status = SHIM_RUNNING;
	free(p->spec_json);
	p->spec_json = NULL;
	Hullpb__TaskExecStarted ev = HULLPB__TASK_EXEC_STARTED__INIT;
	ev.container_id = p->task->id;
	ev.exec_id = p->exec_id;
	ev.pid = (uint32_t)p->pid;
	shim_publish(s, "/tasks/exec-started", "containerd.events.TaskExecStarted", &ev);
	Hullpb__StartResponse r = HULLPB__START_RESPONSE__INIT;
	r.pid = (uint32_t)p->pid;
	shim_reply(s, c, &r);
}

SHIM_METHOD(resize_pty)
{
	Hullpb__ResizePtyRequest *q = hullpb__resize_pty_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		return shim_reply_bad(s, c, "ResizePty");
	if (p && p->status == SHIM_STOPPED) {
		shim_reply_err(s, c, SHIM_NOT_FOUND, "process already finished");
	} else if (p && p->pty < 0) {
		shim_reply_err(s, c, SHIM_PRECONDITION, "resize: the process has no terminal");
	} else if (p) {
		struct winsize ws = { .ws_row = (unsigned short)q->height, .ws_col = (unsigned short)q->width };
		if (ioctl(p->pty, TIOCSWINSZ, &ws) < 0)
			shim_reply_err(s, c, SHIM_UNKNOWN, "resize: TIOCSWINSZ failed");
		else
			shim_reply_empty(s, c);
	}
	hullpb__resize_pty_request__free_unpacked(q, NULL);
}

SHIM_METHOD(close_io)
{
	Hullpb__CloseIORequest *q = hullpb__close_iorequest__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		return shim_reply_bad(s, c, "CloseIO");
	if (p && q->stdin)
		shim_stdio_close_in(s, p);
	if (p)
		shim_reply_empty(s, c);
	hullpb__close_iorequest__free_unpacked(q, NULL);
}
