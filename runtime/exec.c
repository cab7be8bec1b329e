/* `hull exec`: a new process in a running container.
 *
 * hull_spawn's helper enters every namespace of the init through its pidfd
 * in one setns(2) (user and time included), after it moved into the
 * container's cgroups and closed every fd of hull's, and clones the
 * process as hull's child in the container's pid namespace. The process
 * then goes through the one sequence the init goes through too
 * (hull_enter_container) and execs. The sync socket closes on that exec:
 * EOF is success, an 'E' message carries the error. hull then returns
 * (--detach) or relays signals and the terminal and returns the process's
 * exit status. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "placement.h"
#include "caps.h"
#include "console.h"
#include "enter.h"
#include "exec.h"
#include "lifecycle.h"
#include "pidfd-socket.h"
#include "process.h"
#include "seccomp.h"
#include "security.h"
#include "waiter.h"



static const char *const ns_names[] = { "user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time" };
static const int ns_flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
				CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME };

/* The namespaces the init does not share with us: those we enter. */
static int ns_to_join(pid_t init, int *flags, struct hull_err *err)
{
	*flags = 0;
	for (size_t i = 0; i < sizeof(ns_flags) / sizeof(ns_flags[0]); i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)init, ns_names[i]);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_names[i]);
		if (stat(theirs, &a) < 0) {
			if (errno == ENOENT)	/* a kernel without that kind */
				continue;
			return hull_syserr(err, errno, "%s", theirs);
		}
		if (stat(ours, &b) < 0)
			return hull_syserr(err, errno, "%s", ours);
		if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			*flags |= ns_flags[i];
	}
	return 0;
}

/* NAME=VALUE replaces NAME's entry, or is appended. */
static void env_set(struct hull_strv *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->v[i], kv, klen) && env->v[i][klen] == '=') {
			free(env->v[i]);
			env->v[i] = hull_xstrdup(kv);
			return;
		}
	env->v = hull_xrealloc(env->v, (env->n + 2) * sizeof(char *));
	env->v[env->n++] = hull_xstrdup(kv);
	env->v[env->n] = NULL;
}

static void strv_add(struct hull_strv *v, const char *s)
{
	v->v = hull_xrealloc(v->v, (v->n + 2) * sizeof(char *));
	v->v[v->n++] = hull_xstrdup(s);
	v->v[v->n] = NULL;
}

static bool strv_has(const struct hull_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

static void strv_set(struct hull_strv *v, char *const *src, size_t n)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		strv_add(v, src[i]);
}

/* --user UID[:GID], numbers only, as runc takes them. */
static int parse_user(const char *s, struct hull_process *p, struct hull_err *err)
{
	uint64_t uid, gid;
	_cleanup_free_ char *copy = hull_xstrdup(s);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = 0;
	if (hull_parse_u64(copy, &uid) < 0 || uid > UINT32_MAX - 1 ||
	    (colon && (hull_parse_u64(colon + 1, &gid) < 0 || gid > UINT32_MAX - 1)))
		return hull_errf(err, EINVAL, "exec: --user: \"%s\" is not UID[:GID]", s);
	p->uid = (uid_t)uid;
	if (colon)
		p->gid = (gid_t)gid;
	return 0;
}

/* The process to run: --process FILE, or the container's own process with
 * the command line's changes (runc's rules). */
static int make_process(const struct hull_exec_opts *o, struct hull_process *p, struct hull_err *err)
{
	if (o->process_file) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct hull_process np;
		if (hull_read_file_at(AT_FDCWD, o->process_file, &buf, &len, err) < 0)
			return -EINVAL;
		if (hull_process_parse(buf, len, &np, err) < 0) {
			hull_err_prefix(err, "exec: --process %s", o->process_file);
			return -EINVAL;
		}
		hull_process_free(p);
		*p = np;
	} else {
		if (!o->n_args)
			return hull_errf(err, EINVAL, "exec: no command given (hull exec ID CMD [ARGS...] "
					 "or --process FILE)");
		strv_set(&p->args, o->args, o->n_args);
		/* The init's console size and oom score are not the new process's;
		 * nor its terminal: runc gives one only with --tty. */
		p->has_console_size = false;
		p->terminal = false;
	}
	if (o->process_file && o->n_args)
		return hull_errf(err, EINVAL, "exec: a command and --process: give one");
	for (size_t i = 0; i < o->n_env; i++) {
		if (!strchr(o->env[i], '=') || o->env[i][0] == '=')
			return hull_errf(err, EINVAL, "exec: --env \"%s\": want NAME=VALUE", o->env[i]);
		env_set(&p->env, o->env[i]);
	}
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return hull_errf(err, EINVAL, "exec: --cwd \"%s\": must be absolute", o->cwd);
		free(p->cwd);
		p->cwd = hull_xstrdup(o->cwd);
	}
	if (o->tty_set)
		p->terminal = o->tty;
	if (o->user && parse_user(o->user, p, err) < 0)
		return -EINVAL;
	if (o->n_gids) {
		free(p->additional_gids);
		p->additional_gids = hull_xcalloc(o->n_gids, sizeof(gid_t));
		memcpy(p->additional_gids, o->gids, o->n_gids * sizeof(gid_t));
		p->n_additional_gids = o->n_gids;
	}
	for (size_t i = 0; i < o->n_caps; i++) {
		p->has_caps = true;
		strv_add(&p->caps.bounding, o->caps[i]);
		strv_add(&p->caps.effective, o->caps[i]);
		strv_add(&p->caps.permitted, o->caps[i]);
		p->caps.has_bounding = p->caps.has_effective = p->caps.has_permitted = true;
		/* Ambient needs inheritable, which --cap does not grant: runc tries
		 * and ignores the kernel's refusal, hull adds what can be raised. */
		if (strv_has(&p->caps.inheritable, o->caps[i])) {
			strv_add(&p->caps.ambient, o->caps[i]);
			p->caps.has_ambient = true;
		}
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->process_label) {
		free(p->selinux_label);
		p->selinux_label = hull_xstrdup(o->process_label);
	}
	if (o->apparmor) {
		free(p->apparmor_profile);
		p->apparmor_profile = hull_xstrdup(o->apparmor);
	}
	return 0;
}

struct attach {
	struct hull_cgroup *cg;
	pid_t init;
};

/* Where the kernel will not clone into the v2 cgroup (EBUSY: the
 * container enabled controllers for cgroups of its own), runc's way. */
static int attach_v2(void *data, pid_t pid, struct hull_err *err)
{
	const struct attach *a = data;
	return hull_cgroup_attach_v2_near(a->cg, pid, a->init, err);
}

/* The process, born through hull_spawn in the container's namespaces and
 * cgroups holding the sync socket and the preserved fds only. It (and the
 * helper that joins) runs on execCPUAffinity.initial until it is in the
 * cgroup, as the spec asks; hull gets its own CPUs back. */
static pid_t clone_process(const struct hull_exec_opts *o, const char *initial, struct hull_cgroup *cg, pid_t init,
			   int pidfd, int flags, int sync_fd, struct hull_err *err)
{
	struct attach at = { .cg = cg, .init = init };
	int v2_fd = -1, *tasks = NULL;
	size_t n_tasks = 0;
	cpu_set_t own;
	bool pinned = initial && sched_getaffinity(0, sizeof(own), &own) == 0;
	if (pinned && hull_cpu_affinity(initial, "process.execCPUAffinity.initial", err) < 0)
		return -EINVAL;
	if (cg) {
		int r = hull_cgroup_attach_fds(cg, &v2_fd, &tasks, &n_tasks, err);
		if (r < 0)
			return r;
	}
	struct hull_spawn sp = {
		.join_pidfd = pidfd, .join_flags = flags, .userns_fd = -1, .pidns_fd = -1,
		.cgroup_fd = v2_fd, .attach = attach_v2, .attach_data = &at,
		.tasks_fds = tasks, .n_tasks_fds = n_tasks,
		.keep = &sync_fd, .n_keep = 1, .keep_below = 3 + o->preserve_fds,
		.parent_fd = sync_fd,
	};
	pid_t pid = hull_spawn(&sp, err);
	if (pid != 0)
		hull_cgroup_attach_fds_close(tasks, n_tasks);
	if (pid != 0 && pinned)
		sched_setaffinity(0, sizeof(own), &own);
	return pid;
}

static int load(const struct hull_exec_opts *o, struct hull_container *c, int *pidfd,
		struct hull_spec **spec, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	enum hull_status s = hull_container_status(c, pidfd);
	if (s == HULL_STATUS_STOPPED)
		return hull_errf(err, EINVAL, "container %s: cannot exec in a stopped container", o->id);
	if (*pidfd < 0)
		return hull_errf(err, ENOSYS, "container %s: pidfd_open of its init was refused, and exec "
				 "joins the namespaces through it", o->id);
	if (s == HULL_STATUS_PAUSED && !o->ignore_paused)
		return hull_errf(err, EINVAL, "container %s is paused (exec --ignore-paused goes in anyway)", o->id);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hull_read_file_at(c->dirfd, HULL_CONFIG_FILE, &buf, &len, err) < 0)
		return -EINVAL;
	if (hull_spec_parse(buf, len, c->st.bundle, spec, err) < 0) {
		hull_err_prefix(err, "%s/%s", c->dir, HULL_CONFIG_FILE);
		return -EINVAL;
	}
	return 0;
}

/* The process as the options make it, checked and its filter compiled. */
static int check_process(const struct hull_exec_opts *o, struct hull_spec *spec, struct hull_capsets *caps,
			 struct hull_seccomp_filter **filter, struct hull_err *err)
{
	int r = make_process(o, &spec->process, err);
	if (r == 0 && spec->process.terminal && o->detach && !o->console_socket)
		r = hull_errf(err, EINVAL, "exec: a detached process needs --console-socket for its terminal");
	if (r == 0 && o->console_socket && !spec->process.terminal)
		r = hull_errf(err, EINVAL, "exec: --console-socket without --tty: there is no terminal to send");
	if (r == 0)
		r = hull_security_validate(spec, caps, err);
	if (r == 0)
		r = hull_seccomp_compile(&spec->linux_.seccomp, filter, err);
	return r;
}

/* What the caller asked to be told of the process: --pid-file, its pid
 * (pid_out), --pidfd-socket. */
static int tell_caller(const struct hull_exec_opts *o, const struct hull_created *out, struct hull_err *err)
{
	int r = o->pid_file ? hull_write_pid_file(o->pid_file, out->pid, err) : 0;
	if (r == 0 && o->pid_out)
		*o->pid_out = out->pid;
	if (r == 0 && o->pidfd_socket)
		r = hull_pidfd_socket_send(o->pidfd_socket, out->pidfd, "setns", err);
	return r;
}

int hull_exec(const struct hull_exec_opts *o, struct hull_err *err)
{
	/* Before we open anything: an fd of ours in that range would be
	 * handed to the container (the init's pidfd, a host cgroup dir). */
	for (int fd = 3; fd < 3 + o->preserve_fds; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			return hull_errf(err, EBADF, "exec: --preserve-fds %d: fd %d is not open",
					 o->preserve_fds, fd);
	struct hull_container c;
	if (hull_container_open(o->root, o->id, false, &c, err) < 0)
		return -EINVAL;
	_cleanup_close_ int pidfd = -1;
	_cleanup_spec_ struct hull_spec *spec = NULL;
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	_cleanup_seccomp_ struct hull_seccomp_filter *filter = NULL;
	struct hull_capsets caps;
	memset(&caps, 0, sizeof(caps));
	int flags = 0;
	int r = load(o, &c, &pidfd, &spec, err);
	if (r == 0)
		r = check_process(o, spec, &caps, &filter, err);
	if (r == 0)
		r = ns_to_join(c.st.pid, &flags, err);
	if (r == 0 && c.st.cgroup)
		r = hull_cgroup_load(c.st.cgroup, &cg, err);
	if (r == 0 && o->n_cgroups) {
		struct hull_cgroup *sub = NULL;
		r = cg ? hull_cgroup_sub(cg, o->cgroups, o->n_cgroups, &sub, err)
		       : hull_errf(err, ENOENT, "exec: --cgroup: container %s has no cgroup of its own", o->id);
		hull_cgroup_free(cg);
		cg = sub;
	}
	_cleanup_close_ int console = -1;
	if (r == 0 && o->console_socket && (console = hull_console_connect(o->console_socket, err)) < 0)
		r = console;
	struct hull_waiter w;
	if (r == 0 && !o->detach)
		r = hull_waiter_block_signals(&w, err);
	int sv[2] = { -1, -1 };
	if (r == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = hull_syserr(err, errno, "exec: socketpair");
	if (r < 0) {
		hull_container_close(&c);
		return r;
	}
	struct hull_created out = { .pid = -1, .pidfd = -1, .pty_master = -1 };
	out.pid = clone_process(o, spec->process.exec_cpu_affinity_initial, cg, c.st.pid, pidfd, flags, sv[1], err);
	if (out.pid == 0) {
		struct hull_enter e = {
			.spec = spec, .caps = &caps, .seccomp = filter, .sync_fd = sv[1],
			.preserve_fds = o->preserve_fds, .exec = true,
		};
		hull_enter_container(&e);
	}
	close(sv[1]);
	_cleanup_close_ int sock = sv[0];
	r = out.pid < 0 ? out.pid : 0;
	if (r == 0 && (out.pidfd = hull_pidfd_open(out.pid)) < 0)
		r = hull_syserr(err, -out.pidfd, "exec: pidfd_open %d", (int)out.pid);
	if (r == 0)
		r = hull_await_child(sock, spec, &c.st, &out, true, "exec process", err);
	if (r == 0 && console >= 0 && out.pty_master >= 0) {
		r = hull_console_send(console, out.pty_master, err);
		close(out.pty_master);
		out.pty_master = -1;
	}
	if (r == 0)
		r = tell_caller(o, &out, err);
	hull_container_close(&c);
	if (r < 0 || o->detach) {
		if (r < 0 && out.pid > 0) {
			kill(out.pid, SIGKILL);
			while (waitpid(out.pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		if (out.pidfd >= 0)
			close(out.pidfd);
		if (out.pty_master >= 0)
			close(out.pty_master);
		return r;
	}
	int status = hull_waiter_run(&w, &out, err);
	close(out.pidfd);
	if (out.pty_master >= 0)
		close(out.pty_master);
	return status;
}
