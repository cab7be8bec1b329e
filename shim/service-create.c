/* Create and Delete of a task: its rootfs mounts, its stdio, hull_create
 * with the init's stdio as fds 0-2, and undoing all of it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/trace.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "../runtime/lifecycle.h"
#include "events.pb-c.h"
#include "service.h"

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "bind", MS_BIND, 0 },
	{ "rbind", MS_BIND | MS_REC, 0 },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "noatime", MS_NOATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "nodiratime", MS_NODIRATIME, 0 },
};

/* Options into flags, the rest (lowerdir=..., upperdir=...) into data. */
static unsigned long split_options(Hullpb__Mount *m, char **data)
{
	unsigned long flags = 0;
	size_t len = 0;
	*data = hull_xstrdup("");
	for (size_t i = 0; i < m->n_options; i++) {
		size_t k = 0, nf = sizeof(mount_flags) / sizeof(mount_flags[0]);
		while (k < nf && strcmp(mount_flags[k].name, m->options[i]))
			k++;
		if (k < nf) {
			flags = (flags & ~mount_flags[k].clear) | mount_flags[k].set;
			continue;
		}
		size_t ol = strlen(m->options[i]);
		*data = hull_xrealloc(*data, len + ol + 2);
		if (len)
			(*data)[len++] = ',';
		memcpy(*data + len, m->options[i], ol + 1);
		len += ol;
	}
	return flags;
}

int shim_mount_rootfs(const char *bundle, Hullpb__Mount **m, size_t n, struct hull_err *err)
{
	_cleanup_free_ char *target = hull_xasprintf("%s/rootfs", bundle);
	if (n && mkdir(target, 0711) < 0 && errno != EEXIST)
		return hull_syserr(err, errno, "%s", target);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *data = NULL;
		unsigned long flags = split_options(m[i], &data);
		const char *type = !strcmp(m[i]->type, "bind") ? NULL : m[i]->type;
		if (mount(m[i]->source, target, type, flags & ~(MS_RDONLY * !!(flags & MS_BIND)), *data ? data : NULL) <
		    0) {
			int e = errno;
			shim_unmount_rootfs(bundle);
			return hull_syserr(err, e, "rootfs mount %zu (%s %s on %s)", i, m[i]->type, m[i]->source,
					   target);
		}
		/* A bind takes ro only by a remount. */
		if ((flags & MS_BIND) && (flags & MS_RDONLY) &&
		    mount(NULL, target, NULL, flags | MS_REMOUNT, NULL) < 0) {
			int e = errno;
			shim_unmount_rootfs(bundle);
			return hull_syserr(err, e, "rootfs mount %zu: read-only remount of %s", i, target);
		}
	}
	return 0;
}

void shim_unmount_rootfs(const char *bundle)
{
	_cleanup_free_ char *target = hull_xasprintf("%s/rootfs", bundle);
	while (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		;
}

/* The runc shim's options (containerd.runc.v1.Options), where given. */
static int read_options(struct shim *s, const Hullpb__Any *any, const char *bundle, struct hull_create_opts *o,
			char **root, struct hull_err *err)
{
	*root = shim_root(s->o.namespace_);
	if (!any || !any->value.len)
		return 0;
	if (strcmp(any->type_url, "containerd.runc.v1.Options"))
		return hull_errf(err, EINVAL,
				 "create: options of type %s: only containerd.runc.v1.Options "
				 "are understood",
				 any->type_url);
	Hullpb__RuncOptions *ro = hullpb__runc_options__unpack(NULL, any->value.len, any->value.data);
	if (!ro)
		return hull_errf(err, EINVAL, "create: options: not a containerd.runc.v1.Options");
	int r = 0;
	if (ro->systemd_cgroup)
		r = hull_errf(err, ENOTSUP,
			      "create: options SystemdCgroup: hull's systemd cgroup driver is not "
			      "supported by this shim");
	else if (*ro->shim_cgroup || ro->io_uid || ro->io_gid || *ro->criu_path)
		r = hull_errf(err, ENOTSUP,
			      "create: options ShimCgroup, IoUid, IoGid and CriuPath are not "
			      "supported by this shim");
	o->no_pivot = ro->no_pivot_root;
	o->no_new_keyring = ro->no_new_keyring;
	if (*ro->root) {
		free(*root);
		*root = hull_xasprintf("%s/%s", ro->root, s->o.namespace_);
		/* for `delete`, should this shim die */
		_cleanup_close_ int dir = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r == 0 &&
		    (dir < 0 || hull_write_atomic_at(dir, SHIM_ROOT_FILE, *root, strlen(*root), 0600, err) < 0))
			r = dir < 0 ? hull_syserr(err, errno, "bundle %s", bundle) : -EIO;
	}
	hullpb__runc_options__free_unpacked(ro, NULL);
	return r;
}

struct create_call {
	bool debug;
	struct hull_create_opts o;
	struct hull_created out;
	struct hull_err err;
};

static int do_create(void *arg)
{
	struct create_call *cc = arg;
	struct hull_container ct;
	/* with -debug, hull's per-step timing of the create in the log */
	if (cc->debug)
		hull_trace_start();
	int r = hull_create(&cc->o, &ct, &cc->out, &cc->err);
	hull_trace_log("create");
	if (r == 0) {
		close(cc->out.pidfd);
		hull_container_close(&ct);
	}
	return r;
}

static void on_oom(struct shim *s, struct shim_watch *w, uint32_t events)
{
	(void)events;
	struct shim_task *t = (struct shim_task *)((char *)w - offsetof(struct shim_task, oom));
	uint64_t n = 0;
	struct hull_err err = { 0 };
	if (hull_cgroup_oom_events(t->cg, w->fd, &t->oom_count, &n, &err) < 0) {
		hull_log("error", "%s: OOM events: %s", t->id, err.msg);
		shim_watch_close(s, w);
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		Hullpb__TaskOOM ev = HULLPB__TASK_OOM__INIT;
		ev.container_id = t->id;
		shim_publish(s, "/tasks/oom", "containerd.events.TaskOOM", &ev);
	}
}

/* OOM events of the container's memory cgroup, where it has one. */
static void watch_oom(struct shim *s, struct shim_task *t)
{
	struct hull_container ct;
	struct hull_err err = { 0 };
	t->oom.fd = -1;
	t->oom.on = on_oom;
	if (hull_container_open(t->root, t->id, false, &ct, &err) < 0)
		return;
	if (hull_container_cgroup(&ct, &t->cg, &err) == 0)
		t->oom.fd = hull_cgroup_oom_fd(t->cg, &t->oom_count, &err);
	hull_container_close(&ct);
	if (t->oom.fd >= 0 && shim_watch_add(s, &t->oom, EPOLLIN) < 0)
		shim_watch_close(s, &t->oom);
	else if (t->oom.fd < 0 && err.code != -ENOTSUP)
		hull_log("debug", "%s: no OOM events: %s", t->id, err.msg);
}

static struct shim_task *new_task(const Hullpb__CreateTaskRequest *q, char *root)
{
	struct shim_task *t = hull_xcalloc(1, sizeof(*t));
	t->id = hull_xstrdup(q->id);
	t->bundle = hull_xstrdup(q->bundle);
	t->root = root;
	t->oom.fd = -1;
	struct shim_proc *p = &t->init;
	p->task = t;
	p->stdin_path = hull_xstrdup(q->stdin);
	p->stdout_path = hull_xstrdup(q->stdout);
	p->stderr_path = hull_xstrdup(q->stderr);
	p->terminal = q->terminal;
	p->stdio[0] = p->stdio[1] = p->stdio[2] = p->pty = -1;
	return t;
}

/* hull_create with the init's stdio and, with a terminal, a console
 * socket whose master then goes to the copying. */
static int create_container(struct shim *s, struct shim_task *t, struct create_call *cc)
{
	int console = -1;
	_cleanup_free_ char *console_path = NULL;
	if (t->init.terminal && (console = shim_console_listen(s, &console_path, &cc->err)) < 0)
		return console;
	cc->o.console_socket = console_path;
	int r = shim_stdio_around(s, &t->init, do_create, cc);
	if (console >= 0) {
		int master = r == 0 ? shim_console_take(console, console_path, &cc->err) : -1;
		if (r < 0) {
			close(console);
			unlink(console_path);
		} else if (master < 0) {
			r = master;
		} else {
			shim_stdio_terminal(s, &t->init, master);
		}
	}
	return r;
}

static void publish_create(struct shim *s, const Hullpb__CreateTaskRequest *q, pid_t pid)
{
	Hullpb__TaskIO io = HULLPB__TASK_IO__INIT;
	io.stdin = q->stdin;
	io.stdout = q->stdout;
	io.stderr = q->stderr;
	io.terminal = q->terminal;
	Hullpb__TaskCreate ev = HULLPB__TASK_CREATE__INIT;
	ev.container_id = q->id;
	ev.bundle = q->bundle;
	ev.n_rootfs = q->n_rootfs;
	ev.rootfs = q->rootfs;
	ev.io = &io;
	ev.pid = (uint32_t)pid;
	shim_publish(s, "/tasks/create", "containerd.events.TaskCreate", &ev);
}

static void create_task(struct shim *s, const struct shim_call *c, Hullpb__CreateTaskRequest *q)
{
	struct create_call cc = { .debug = s->o.debug, .o = { .id = q->id, .bundle = q->bundle } };
	char *root = NULL;
	int r = read_options(s, q->options, q->bundle, &cc.o, &root, &cc.err);
	struct shim_task *t = new_task(q, root);
	cc.o.root = t->root;
	_cleanup_free_ char *pid_file = hull_xasprintf("%s/init.pid", q->bundle);
	cc.o.pid_file = pid_file;
	if (r == 0 && (r = shim_mount_rootfs(q->bundle, q->rootfs, q->n_rootfs, &cc.err)) == 0)
		t->mounted = q->n_rootfs > 0;
	if (r == 0)
		r = shim_stdio_open(s, &t->init, &cc.err);
	if (r == 0)
		r = create_container(s, t, &cc);
	if (r < 0) {
		if (t->mounted)
			shim_unmount_rootfs(t->bundle);
		t->next = s->tasks;
		s->tasks = t;
		shim_task_free(s, t);
		hull_err_prefix(&cc.err, "create %s", q->id);
		shim_reply_hull_err(s, c, &cc.err);
		return;
	}
	t->init.pid = cc.out.pid;
	t->init.status = SHIM_CREATED;
	t->next = s->tasks;
	s->tasks = t;
	watch_oom(s, t);
	publish_create(s, q, t->init.pid);
	Hullpb__CreateTaskResponse resp = HULLPB__CREATE_TASK_RESPONSE__INIT;
	resp.pid = (uint32_t)t->init.pid;
	shim_reply(s, c, &resp);
}

SHIM_METHOD(create)
{
	Hullpb__CreateTaskRequest *q = hullpb__create_task_request__unpack(NULL, n, b);
	if (!q)
		return shim_reply_bad(s, c, "Create");
	if (shim_task_find(s, q->id)) {
		char msg[400];
		snprintf(msg, sizeof(msg), "create %.300s: the task exists already", q->id);
		shim_reply_err(s, c, SHIM_EXISTS, msg);
	} else if (*q->checkpoint || *q->parent_checkpoint) {
		shim_reply_err(s, c, SHIM_UNIMPLEMENTED,
			       "create: restoring a checkpoint is not implemented: "
			       "hull has no checkpoint/restore");
	} else {
		create_task(s, c, q);
	}
	hullpb__create_task_request__free_unpacked(q, NULL);
}

static void reply_deleted(struct shim *s, const struct shim_call *c, struct shim_proc *p)
{
	if (p->status == SHIM_CREATED) {
		/* an exec deleted before it was started: it never ran */
		p->exit_status = 128 + SIGKILL;
		clock_gettime(CLOCK_REALTIME, &p->exited_at);
	}
	Hullpb__Timestamp ts;
	shim_timestamp(&ts, &p->exited_at);
	Hullpb__DeleteResponse r = HULLPB__DELETE_RESPONSE__INIT;
	r.pid = (uint32_t)p->pid;
	r.exit_status = (uint32_t)p->exit_status;
	r.exited_at = &ts;
	if (!p->exec_id) {
		Hullpb__TaskDelete ev = HULLPB__TASK_DELETE__INIT;
		ev.container_id = p->task->id;
		ev.pid = r.pid;
		ev.exit_status = r.exit_status;
		ev.exited_at = &ts;
		ev.id = p->task->id;
		shim_publish(s, "/tasks/delete", "containerd.events.TaskDelete", &ev);
	}
	shim_reply(s, c, &r);
}

/* How long a Delete waits for the processes hull_delete killed. */
#define DELETE_REAP_MS 2000

static void delete_init(struct shim *s, const struct shim_call *c, struct shim_task *t)
{
	shim_reap(s);
	if (t->init.status == SHIM_RUNNING) {
		shim_reply_err(s, c, SHIM_PRECONDITION, "delete: the task is running (kill it first)");
		return;
	}
	struct hull_container ct;
	struct hull_err err = { 0 };
	int r = hull_container_open(t->root, t->id, true, &ct, &err);
	if (r == 0) {
		r = hull_delete(&ct, true, &err);
		hull_container_close(&ct);
	} else if (err.code == -ENOENT) {
		r = 0; /* deleted already (by hand, or a delete that failed after it) */
	}
	if (r < 0)
		return shim_reply_hull_err(s, c, &err);
	/* what it killed: an exec's waiter gets its exit, the init its status */
	shim_task_reap_killed(s, t, DELETE_REAP_MS);
	if (t->mounted)
		shim_unmount_rootfs(t->bundle);
	reply_deleted(s, c, &t->init);
	shim_task_free(s, t);
}

SHIM_METHOD(delete)
{
	Hullpb__DeleteRequest *q = hullpb__delete_request__unpack(NULL, n, b);
	struct shim_proc *p = q ? shim_need_proc(s, c, q->id, q->exec_id) : NULL;
	if (!q)
		shim_reply_bad(s, c, "Delete");
	if (p && !p->exec_id) {
		delete_init(s, c, p->task);
	} else if (p && p->status == SHIM_RUNNING) {
		shim_reply_err(s, c, SHIM_PRECONDITION, "delete: the process is running (kill it first)");
	} else if (p) {
		reply_deleted(s, c, p);
		shim_proc_release(s, p);
	}
	if (q)
		hullpb__delete_request__free_unpacked(q, NULL);
}
