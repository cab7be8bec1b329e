/* `create`, parent side: everything that can fail for a config reason is
 * checked before the clone; after it, a failure unwinds what was made. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/sync.h"
#include "../base/trace.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "../namespaces/namespaces.h"
#include "console.h"
#include "hooks.h"
#include "init.h"
#include "lifecycle.h"
#include "net.h"
#include "notify.h"
#include "pidfd-socket.h"
#include "rdt.h"
#include "seccomp.h"
#include "security.h"

static void copy_kvs(struct hull_kvs *dst, const struct hull_kvs *src)
{
	dst->n = src->n;
	dst->v = src->n ? hull_xcalloc(src->n, sizeof(*dst->v)) : NULL;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].key = hull_xstrdup(src->v[i].key);
		dst->v[i].value = hull_xstrdup(src->v[i].value);
	}
}

int hull_write_pid_file(const char *path, pid_t pid, struct hull_err *err)
{
	_cleanup_free_ char *d = hull_xstrdup(path), *b = hull_xstrdup(path);
	_cleanup_close_ int dfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_syserr(err, errno, "--pid-file %s", path);
	char buf[16];
	/* runc writes no newline; containerd reads either */
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	int r = hull_write_atomic_at(dfd, basename(b), buf, (size_t)n, 0644, err);
	if (r < 0)
		hull_err_prefix(err, "--pid-file");
	return r;
}

/* The host's own / cannot be a container's root (pivot_root would say
 * only EBUSY); an overlay root is a mount point made later. */
static int check_root(const struct hull_spec *spec, struct hull_err *err)
{
	if (spec->overlay.layers)
		return 0;
	_cleanup_free_ char *real = realpath(spec->root_path, NULL);
	if (!real)
		return hull_syserr(err, errno, "root.path %s", HULL_Q(spec->root_path));
	if (!strcmp(real, "/"))
		return hull_errf(err, EINVAL, "root.path %s: is the host's / (a container's root must be a "
				 "directory of its own)", HULL_Q(spec->root_path));
	return 0;
}

static int check_opts(const struct hull_create_opts *o, const struct hull_spec *spec,
		      struct hull_capsets *caps, struct hull_err *err)
{
	if (!spec->has_process)
		return hull_errf(err, EINVAL, "config.json: process: required to create a container");
	if (spec->process.terminal && !o->console_socket && !o->foreground)
		return hull_errf(err, EINVAL,
				 "process.terminal: a detached container needs --console-socket for its terminal");
	if (o->console_socket && !spec->process.terminal)
		return hull_errf(err, EINVAL,
				 "--console-socket: process.terminal is false, there is no terminal to send");
	if (o->preserve_fds < 0)
		return hull_errf(err, EINVAL, "--preserve-fds: must not be negative");
	/* Open fds keep hull's own files out of the range handed to the container. */
	for (int fd = 3; fd < 3 + o->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return hull_errf(err, EBADF, "--preserve-fds %d: fd %d is not open", o->preserve_fds, fd);
	int r = check_root(spec, err);
	if (r == 0)
		r = hull_rdt_check(spec, err);
	if (r == 0)
		r = hull_sysctl_validate(spec, err);
	if (r == 0)
		r = hull_mounts_validate(spec, err);
	if (r == 0)
		r = hull_security_validate(spec, caps, err);
	if (r < 0) {
		hull_err_prefix(err, "config.json");
		return r;
	}
	return hull_overlay_prepare(spec, err);
}

/* The state as far as it is known before the clone: pid 0 says "creating". */
static void fill_state(struct hull_container *c, const struct hull_spec *spec, const struct hull_cgroup *cg,
		       bool systemd_cgroup)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	c->st.oci_version = hull_xstrdup(spec->oci_version);
	c->st.id = hull_xstrdup(c->id);
	c->st.bundle = hull_xstrdup(spec->bundle);
	c->st.rootfs = hull_xstrdup(spec->root_path);
	c->st.created_sec = ts.tv_sec;
	c->st.created_nsec = (int32_t)ts.tv_nsec;
	c->st.owner = geteuid();
	copy_kvs(&c->st.annotations, &spec->annotations);
	c->st.cgroup = cg ? hull_xstrdup(hull_cgroup_serialize(cg)) : NULL;
	c->st.systemd_cgroup = systemd_cgroup;
	c->st.has_hooks = true;
	for (int k = 0; k < HULL_HOOK_KINDS; k++)
		if (spec->hooks[k].n)
			c->st.hooks |= 1u << k;
}

/* Written once, before a directory is made, never rewritten: a hull killed
 * at any instant after it, or a state.json broken later (a full disk, a
 * crash, a hand), must not orphan the cgroup and the processes in it. */
static int write_cgroup_record(struct hull_container *c, const char *cgroup, struct hull_err *err)
{
	/* Whole or absent, whenever hull is killed (temp file and rename). */
	int r = hull_write_atomic_at(c->dirfd, HULL_CGROUP_FILE, cgroup, strlen(cgroup), 0600, err);
	if (r < 0)
		hull_err_prefix(err, "%s", c->dir);
	return r;
}

/* Planned, recorded, then made: see write_cgroup_record. */
static int make_cgroup(const struct hull_create_opts *o, const struct hull_spec *spec, struct hull_container *c,
		       struct hull_cgroup **cg, struct hull_err *err)
{
	struct hull_cgroup_opts co = { .path = spec->linux_.cgroups_path, .id = o->id, .join = spec->cgroups_join,
				       .systemd = o->systemd_cgroup, .annotations = &spec->annotations };
	int r;
	_cleanup_close_ int reg = hull_cgroup_marks_open();
	co.registry_fd = reg;
	r = hull_cgroup_plan(&co, &spec->linux_.resources, cg, err);
	if (r == 0 && hull_cgroup_serialize(*cg))
		r = write_cgroup_record(c, hull_cgroup_serialize(*cg), err);
	if (r == 0)
		r = hull_cgroup_realize(cg, &spec->linux_.resources, err);
	if (r == 0 && hull_cgroup_warning(*cg))
		hull_warn("%s", hull_cgroup_warning(*cg));
	return r;
}

static int attach_v2(void *cg, pid_t pid, struct hull_err *err)
{
	return hull_cgroup_attach_v2(cg, pid, err);
}

/* start.sock in the state dir, listening, for the init to hold. */
static int listen_start(struct hull_container *c, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Through the state dir's fd: its path may be longer than sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", c->dirfd, HULL_START_FILE);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "%s/%s: socket", c->dir, HULL_START_FILE);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		return hull_syserr(err, errno, "%s/%s", c->dir, HULL_START_FILE);
	return steal_fd(fd);
}

/* Born through hull_spawn: in the container's cgroups and namespaces, with
 * the sync socket, the start socket, the namespaces it still joins and
 * those of its idmapped mounts. */
static pid_t clone_init(const struct hull_create_opts *o, const struct hull_ns_plan *plan,
			struct hull_cgroup *cg, int sync_fd, int start, const int *idmap, size_t n_idmap,
			struct hull_err *err)
{
	_cleanup_free_ int *keep = hull_xcalloc(2 + HULL_NS_TYPES + n_idmap, sizeof(int));
	int v2_fd = -1, *tasks = NULL;
	size_t n = 0, n_tasks = 0;
	keep[n++] = sync_fd;
	keep[n++] = start;
	for (int t = 0; t < HULL_NS_TYPES; t++)
		if (t != HULL_NS_USER && t != HULL_NS_PID)
			keep[n++] = plan->join_fd[t];
	for (size_t i = 0; i < n_idmap; i++)
		keep[n++] = idmap[i];
	int r = hull_cgroup_attach_fds(cg, &v2_fd, &tasks, &n_tasks, err);
	if (r < 0)
		return r;
	struct hull_spawn sp = {
		.clone_flags = plan->clone_flags, .join_pidfd = -1,
		.userns_fd = plan->join_fd[HULL_NS_USER], .pidns_fd = plan->join_fd[HULL_NS_PID],
		.cgroup_fd = v2_fd, .attach = attach_v2, .attach_data = cg,
		.tasks_fds = tasks, .n_tasks_fds = n_tasks,
		.keep = keep, .n_keep = n, .keep_below = 3 + o->preserve_fds,
		.parent_fd = sync_fd,
	};
	pid_t pid = hull_spawn(&sp, err);
	if (pid != 0)
		hull_cgroup_attach_fds_close(tasks, n_tasks);
	return pid;
}

/* The pty master of the init: to --console-socket, or kept for run's relay. */
static int hand_over_pty(int console, struct hull_created *out, struct hull_err *err)
{
	if (console < 0 || out->pty_master < 0)
		return 0;
	int r = hull_console_send(console, out->pty_master, err);
	close(out->pty_master);
	out->pty_master = -1;
	return r;
}

/* A child that died before it was ready, and an OOM kill in its memory
 * cgroup: the limit is why, not "exited". */
static void explain_oom(const struct hull_spec *spec, struct hull_cgroup *cg, struct hull_err *err)
{
	uint64_t kills = 0;
	const __typeof__(spec->linux_.resources.memory) *m = &spec->linux_.resources.memory;
	if (!cg || hull_cgroup_oom_kills(cg, &kills) < 0 || !kills)
		return;
	struct hull_err was = *err;
	hull_err_clear(err);
	if (m->present && m->has_limit)
		hull_errf(err, ENOMEM, "linux.resources.memory.limit: %lld bytes: the OOM killer killed the "
			  "container before it started (%s)", (long long)m->limit, was.msg);
	else
		hull_errf(err, ENOMEM, "linux.resources.memory: the OOM killer killed the container before "
			  "it started (%s)", was.msg);
}

static int spawn_init(const struct hull_create_opts *o, struct hull_container *c,
		      const struct hull_spec *spec, const struct hull_ns_plan *plan,
		      struct hull_seccomp_filter *filter, const struct hull_capsets *caps,
		      struct hull_cgroup *cg,
		      struct hull_created *out, struct hull_err *err)
{
	struct hull_rootfs_opts ro = { .no_pivot = o->no_pivot, .cgroup_ns = plan->unshare_cgroup,
				       .user_ns = plan->user_ns };
	struct hull_hooks_ctx hc = { .spec = spec, .state = c->st, .sync_fd = -1 };
	ro.before_pivot = hull_hooks_before_pivot;
	ro.before_pivot_data = &hc;
	int r = hull_cgroup_mounts(cg, &ro.cgroups, &ro.n_cgroups, &ro.cgroup_links, &ro.n_cgroup_links);
	if (r < 0)
		return hull_syserr(err, -r, "cgroup mounts");

	/* Connected now, so a bad socket fails before the container exists;
	 * hull keeps it: the init sends the master to us. */
	_cleanup_close_ int console = -1;
	if (o->console_socket && (console = hull_console_connect(o->console_socket, err)) < 0)
		return console;
	_cleanup_close_ int start = listen_start(c, err);
	if (start < 0)
		return start;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return hull_syserr(err, errno, "socketpair");
	_cleanup_close_ int sock = sv[0];
	hc.sync_fd = sv[1];
	_cleanup_free_ int *idmap = hull_xcalloc(spec->n_mounts + 1, sizeof(int));
	if ((r = hull_idmap_prepare(spec, idmap, err)) < 0) {
		close(sv[1]);
		return r;
	}
	ro.idmap_fds = idmap;
	hull_trace("start-socket");
	pid_t pid = clone_init(o, plan, cg, sv[1], start, idmap, spec->n_mounts, err);
	if (pid != 0)
		hull_idmap_release(idmap, spec->n_mounts);
	if (pid == 0) {
		struct hull_init_args a = {
			.spec = spec, .plan = plan, .rootfs = &ro, .id = c->id, .sync_fd = sv[1],
			.start_fd = start, .no_new_keyring = o->no_new_keyring, .preserve_fds = o->preserve_fds,
			.seccomp = filter, .caps = caps, .hooks = &hc,
		};
		hull_init_run(&a);
	}
	close(sv[1]);
	if (pid < 0)
		return pid;
	out->pid = pid;
	hull_trace("clone");

	/* The systemd driver's scope is made now, with the init in it. */
	r = hull_cgroup_start(cg, pid, &spec->linux_.resources, err);
	hull_trace("cgroup-start");
	if (r == 0)
		r = hull_ns_write_id_maps(spec, pid, err);
	if (r == 0)
		r = hull_rdt_setup(spec, c, pid, err);
	if (r == 0 && hull_net_wanted(spec)) {
		r = hull_net_setup(spec, c, pid, err);
		/* Saved even after a failure: delete --force can finish the undo. */
		struct hull_err ignored = {0};
		int rs = hull_net_recorded(&c->st) ? hull_container_save(c, r == 0 ? err : &ignored) : 0;
		if (r == 0)
			r = rs;
	}
	hull_trace("network");
	char host_pid[16];
	snprintf(host_pid, sizeof(host_pid), "%d", (int)pid);
	if (r == 0 && hull_sync_send(sock, HULL_SYNC_GO, host_pid, -1) < 0)
		r = hull_errf(err, EPIPE, "container init exited before it was ready");
	if (r == 0)
		r = hull_await_child(sock, spec, &c->st, out, false, "container init", err);
	hull_trace("init");
	if (r == 0)
		r = hand_over_pty(console, out, err);
	if (r < 0) {
		hull_sync_take_error(sock, err);
		return r;
	}

	out->pidfd = hull_pidfd_open(pid);
	if (out->pidfd < 0)
		return hull_syserr(err, -out->pidfd, "pidfd_open %d", (int)pid);
	c->st.pid = pid;
	c->st.pid_start_time = hull_proc_start_time(pid);
	c->st.detached_init = !o->foreground;
	return 0;
}

static void unwind(struct hull_container *c, const struct hull_spec *spec, struct hull_cgroup *cg,
		   struct hull_created *out)
{
	struct hull_teardown t = { .c = c, .cg = cg, .spec = spec, .child = out->pid, .init_pidfd = -1,
				   .running = true, .poststop = out->pid > 0, .give_back = true };
	/* A bridge this create made goes with it when nothing else joined. */
	c->st.net_remove_empty |= c->st.net_bridge_created;
	struct hull_err terr = { 0 };
	if (hull_teardown(&t, &terr) < 0) {
		hull_warn("%s", terr.msg);
		hull_container_remove(c, NULL);
	}
	out->pid = 0;
	if (out->pidfd >= 0)
		close(out->pidfd);
	if (out->pty_master >= 0)
		close(out->pty_master);
	out->pidfd = out->pty_master = -1;
	hull_container_close(c);
}

/* What hull adds to the config for its caller, as runc does: the notify
 * socket's mount and NOTIFY_SOCKET, socket activation's LISTEN_FDS and
 * LISTEN_PID (the process gets the fds as preserved ones). */
static int amend_spec(const struct hull_create_opts *o, struct hull_container *c, struct hull_spec *spec,
		      struct hull_err *err)
{
	if (o->notify_socket) {
		int r = hull_notify_prepare(c, spec, err);
		if (r < 0)
			return r;
	}
	if (o->listen_fds > 0) {
		char v[32];
		snprintf(v, sizeof(v), "LISTEN_FDS=%d", o->listen_fds);
		hull_process_setenv(&spec->process, v);
		hull_process_setenv(&spec->process, "LISTEN_PID=1");
	}
	return 0;
}

int hull_create(const struct hull_create_opts *o, struct hull_container *c,
		struct hull_created *out, struct hull_err *err)
{
	_cleanup_spec_ struct hull_spec *spec = NULL;
	_cleanup_plan_ struct hull_ns_plan plan;
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	_cleanup_seccomp_ struct hull_seccomp_filter *filter = NULL;

	memset(c, 0, sizeof(*c));
	c->dirfd = -1;
	*out = (struct hull_created){ .pid = 0, .pidfd = -1, .pty_master = -1 };
	memset(&plan, 0, sizeof(plan));
	for (int i = 0; i < HULL_NS_TYPES; i++)
		plan.join_fd[i] = -1;

	struct hull_capsets caps;
	int r = hull_id_validate(o->id, err);
	if (r == 0)
		r = hull_spec_load(o->bundle, &spec, err);
	hull_trace("config");
	if (r == 0)
		r = check_opts(o, spec, &caps, err);
	if (r == 0 && (r = hull_ns_plan_prepare(spec, &plan, err)) < 0)
		hull_err_prefix(err, "config.json");
	if (r == 0 && (r = hull_seccomp_compile(&spec->linux_.seccomp, &filter, err)) < 0)
		hull_err_prefix(err, "config.json");
	hull_trace("validate");
	if (r == 0)
		r = hull_container_claim(o->root, o->id, c, err);
	if (r == 0 && (r = amend_spec(o, c, spec, err)) < 0) {
		hull_container_remove(c, NULL);
		hull_container_close(c);
	}
	if (r < 0)
		return r;
	hull_trace("state-dir");

	r = make_cgroup(o, spec, c, &cg, err);
	hull_trace("cgroup");
	if (r == 0) {
		fill_state(c, spec, cg, o->systemd_cgroup);
		r = hull_container_save(c, err);
	}
	if (r == 0 && (r = hull_write_atomic_at(c->dirfd, HULL_CONFIG_FILE, spec->raw, spec->raw_len, 0600,
						err)) < 0)
		hull_err_prefix(err, "%s", c->dir);
	hull_trace("state");
	if (r == 0 && (r = spawn_init(o, c, spec, &plan, filter, &caps, cg, out, err)) < 0)
		explain_oom(spec, cg, err);
	if (r == 0)
		r = hull_container_save(c, err);
	hull_trace("state");
	if (r == 0 && o->pid_file)
		r = hull_write_pid_file(o->pid_file, out->pid, err);
	if (r == 0 && o->pidfd_socket)
		r = hull_pidfd_socket_send(o->pidfd_socket, out->pidfd, "standard", err);
	if (r < 0)
		unwind(c, spec, cg, out);
	return r;
}
