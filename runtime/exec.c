/* `hull exec`: a new process in a running container.
 *
 * hull (P) forks a joiner (C) that enters every namespace of the init
 * through its pidfd in one setns(2) (user and time included), then clones
 * the process (D) with CLONE_PARENT, so D is P's child and a member of the
 * container's pid namespace. C reports D's pid and exits. P puts D in the
 * container's cgroup and lets it go; D applies the process's rlimits, labels,
 * seccomp, caps, user and no_new_privs as the init does, and execs. The
 * sync socket closes on that exec: EOF is success, an 'E' message carries
 * D's error. P then returns (--detach) or relays signals and the terminal
 * and returns D's exit status. */
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

#include "../cgroups/cgroups.h"
#include "caps.h"
#include "cleanup.h"
#include "console.h"
#include "exec.h"
#include "lifecycle.h"
#include "process.h"
#include "seccomp.h"
#include "security.h"
#include "sync.h"
#include "util.h"
#include "waiter.h"

/* C's report of D's pid. */
#define SYNC_PID 'I'

static void spec_freep(struct hull_spec **s) { if (*s) hull_spec_free(*s); }
static void cgroup_freep(struct hull_cgroup **cg) { if (*cg) hull_cgroup_free(*cg); }
static void filter_freep(struct hull_seccomp_filter **f) { hull_seccomp_free(*f); }

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
		/* The init's console size and oom score are not the new process's. */
		p->has_console_size = false;
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
		/* Ambient needs inheritable, which --cap does not grant (runc's rule). */
		if (p->caps.has_inheritable) {
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

struct child_args {
	const int *tasks_fds;		/* v1 "tasks" files: "0" moves D in */
	size_t n_tasks_fds;
	int v2_fd;			/* the v2 cgroup, for CLONE_INTO_CGROUP; -1 */
	const struct hull_spec *spec;
	const struct hull_capsets *caps;
	struct hull_seccomp_filter *seccomp;
	int sync_fd, console_fd, preserve_fds;
	bool relay_pty;
};

static _Noreturn void child_fail(int sync_fd, const struct hull_err *err)
{
	hull_sync_send(sync_fd, HULL_SYNC_ERROR, err->msg[0] ? err->msg : "exec failed", -1);
	_exit(1);
}

/* D: in every namespace of the container, in its cgroup once GO comes. */
static _Noreturn void child_run(const struct child_args *a)
{
	struct hull_err err = { 0 };
	const struct hull_process *p = &a->spec->process;
	/* Into the v1 cgroups by ourselves, as the init does (cgroups.h). */
	for (size_t i = 0; i < a->n_tasks_fds; i++) {
		if (write(a->tasks_fds[i], "0", 1) != 1) {
			hull_syserr(&err, errno, "exec: move the process into the container's cgroup");
			child_fail(a->sync_fd, &err);
		}
		close(a->tasks_fds[i]);
	}
	if (hull_sync_send(a->sync_fd, HULL_SYNC_IN_CGROUP, NULL, -1) < 0)
		_exit(1);
	char type;
	if (hull_sync_recv(a->sync_fd, &type, NULL, 0, NULL) < 0 || type != HULL_SYNC_GO)
		_exit(1);
	if (setsid() < 0) {
		hull_syserr(&err, errno, "exec: setsid");
		child_fail(a->sync_fd, &err);
	}
	if (p->terminal) {
		_cleanup_close_ int master = hull_console_setup(p, &err);
		if (master < 0)
			child_fail(a->sync_fd, &err);
		if (a->console_fd >= 0) {
			if (hull_console_send(a->console_fd, master, &err) < 0)
				child_fail(a->sync_fd, &err);
			close(a->console_fd);
		} else if (a->relay_pty && hull_sync_send(a->sync_fd, HULL_SYNC_PTY, NULL, master) < 0) {
			_exit(1);
		}
	}
	_cleanup_free_ char *exe = NULL;
	if (hull_process_prepare(p, &err) < 0 || hull_security_apply(a->spec, &err) < 0)
		child_fail(a->sync_fd, &err);
	if (!p->no_new_privileges && hull_seccomp_load(a->seccomp, a->sync_fd, &err) < 0)
		child_fail(a->sync_fd, &err);
	if (hull_caps_drop_bounding(a->caps, &err) < 0 || hull_process_switch_user(p, &err) < 0 ||
	    hull_caps_apply(a->caps, &err) < 0)
		child_fail(a->sync_fd, &err);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		hull_syserr(&err, errno, "process.noNewPrivileges");
		child_fail(a->sync_fd, &err);
	}
	if (hull_process_find_exec(p, &exe, &err) < 0)
		child_fail(a->sync_fd, &err);
	if (p->no_new_privileges && hull_seccomp_load(a->seccomp, a->sync_fd, &err) < 0)
		child_fail(a->sync_fd, &err);
	if (hull_process_fds(a->preserve_fds, &err) < 0)
		child_fail(a->sync_fd, &err);
	/* A detached process outlives us; a foreground one is ours to wait for,
	 * not to take down with us (runc's behaviour). */
	prctl(PR_SET_PDEATHSIG, 0);
	hull_process_exec(p, exe, &err);
	child_fail(a->sync_fd, &err);
}

/* C: enters the namespaces, clones D as a sibling, reports its pid. */
static _Noreturn void joiner_run(int pidfd, int flags, const struct child_args *a)
{
	struct hull_err err = { 0 };
	/* Until D execs it runs hull's binary: nobody in the container may
	 * open /proc/D/exe or ptrace it (CVE-2019-5736). */
	if (prctl(PR_SET_DUMPABLE, 0) < 0) {
		hull_syserr(&err, errno, "exec: prctl");
		child_fail(a->sync_fd, &err);
	}
	if (flags && setns(pidfd, flags) < 0) {
		hull_syserr(&err, errno, "exec: join the container's namespaces");
		child_fail(a->sync_fd, &err);
	}
	struct clone_args ca = { .flags = CLONE_PARENT };
	bool in_v2 = false;
	pid_t pid = -1;
	if (a->v2_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)a->v2_fd;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		in_v2 = pid >= 0;
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		ca.cgroup = 0;
	}
	if (pid < 0)
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		hull_syserr(&err, errno, "exec: clone");
		child_fail(a->sync_fd, &err);
	}
	if (pid == 0) {
		/* Our parent is hull now: die with it until we exec. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_run(a);
	}
	char buf[24];
	snprintf(buf, sizeof(buf), "%d %d", (int)pid, in_v2);
	hull_sync_send(a->sync_fd, SYNC_PID, buf, -1);
	_exit(0);
}

/* P: D's pid from C (and whether it was born in the v2 cgroup), or an error.
 * C and D share the socket, so D's IN_CGROUP, or its error, may come before
 * C's report: *in_cgroup says whether it did. An error from D is kept until
 * C names D, so that D is reaped, not left to us as a zombie. */
static pid_t await_pid(int sock, pid_t joiner, bool *in_v2, bool *in_cgroup, struct hull_err *err)
{
	char type, msg[HULL_ERR_MAX];
	pid_t pid = -1;
	bool failed = false;
	*in_cgroup = false;
	while (pid < 0) {
		int r = hull_sync_recv(sock, &type, msg, sizeof(msg), NULL);
		if (r == -EPIPE && !failed)
			r = hull_errf(err, EPIPE, "exec: the process died before it was made");
		else if (r < 0 && !failed)
			r = hull_syserr(err, -r, "exec: sync");
		else if (r == 0 && type == HULL_SYNC_ERROR && !failed)
			r = hull_errf(err, EIO, "%s", msg);
		else if (r == 0 && type == HULL_SYNC_IN_CGROUP)
			*in_cgroup = true;
		else if (r == 0 && type == SYNC_PID) {
			char *end;
			long v = strtol(msg, &end, 10);
			*in_v2 = strtol(end, NULL, 10) == 1;
			if (v > 0 && v <= INT32_MAX)
				pid = (pid_t)v;
			else if (!failed)
				r = hull_errf(err, EPROTO, "exec: sync: bad pid \"%s\"", msg);
		} else if (r == 0 && !failed)
			r = hull_errf(err, EPROTO, "exec: sync: unexpected message '%c'", type);
		if (r < 0 && failed)
			break;		/* C is gone without naming D: D was never made */
		failed |= r < 0;
	}
	while (waitpid(joiner, NULL, 0) < 0 && errno == EINTR)
		;
	if (failed && pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return failed ? -EIO : pid;
}

static int load(const struct hull_exec_opts *o, struct hull_container *c, int *pidfd,
		struct hull_spec **spec, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	enum hull_status s = hull_container_status(c, pidfd);
	if (s == HULL_STATUS_STOPPED)
		return hull_errf(err, EINVAL, "container %s is stopped: there is nothing to exec in", o->id);
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
	__attribute__((cleanup(spec_freep))) struct hull_spec *spec = NULL;
	__attribute__((cleanup(cgroup_freep))) struct hull_cgroup *cg = NULL;
	__attribute__((cleanup(filter_freep))) struct hull_seccomp_filter *filter = NULL;
	struct hull_capsets caps;
	memset(&caps, 0, sizeof(caps));
	int flags = 0;
	int r = load(o, &c, &pidfd, &spec, err);
	if (r == 0)
		r = make_process(o, &spec->process, err);
	if (r == 0 && spec->process.terminal && o->detach && !o->console_socket)
		r = hull_errf(err, EINVAL, "exec: a detached process needs --console-socket for its terminal");
	if (r == 0 && o->console_socket && !spec->process.terminal)
		r = hull_errf(err, EINVAL, "exec: --console-socket without --tty: there is no terminal to send");
	if (r == 0 && (r = hull_security_validate(spec, &caps, err)) == 0 &&
	    (r = hull_seccomp_compile(&spec->linux_.seccomp, &filter, err)) == 0)
		r = ns_to_join(c.st.pid, &flags, err);
	if (r == 0 && c.st.cgroup)
		r = hull_cgroup_load(c.st.cgroup, &cg, err);
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

	int v2_fd = -1, *tasks = NULL;
	size_t n_tasks = 0;
	if (cg && (r = hull_cgroup_attach_fds(cg, &v2_fd, &tasks, &n_tasks, err)) < 0) {
		hull_container_close(&c);
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	struct child_args a = { .tasks_fds = tasks, .n_tasks_fds = n_tasks, .v2_fd = v2_fd,
				.spec = spec, .caps = &caps, .seccomp = filter, .sync_fd = sv[1],
				.console_fd = console, .preserve_fds = o->preserve_fds,
				.relay_pty = spec->process.terminal && !o->console_socket };
	pid_t joiner = fork();
	if (joiner == 0) {
		close(sv[0]);
		close(c.dirfd);
		joiner_run(pidfd, flags, &a);
	}
	close(sv[1]);
	hull_cgroup_attach_fds_close(tasks, n_tasks);
	_cleanup_close_ int sock = sv[0];
	if (joiner < 0) {
		hull_container_close(&c);
		return hull_syserr(err, errno, "exec: fork");
	}
	struct hull_created out = { .pid = -1, .pidfd = -1, .pty_master = -1 };
	bool in_v2 = false, in_cgroup = false;
	out.pid = await_pid(sock, joiner, &in_v2, &in_cgroup, err);
	r = out.pid < 0 ? out.pid : 0;
	if (r == 0 && (out.pidfd = hull_pidfd_open(out.pid)) < 0)
		r = hull_syserr(err, -out.pidfd, "exec: pidfd_open %d", (int)out.pid);
	if (r == 0 && cg && !in_v2)
		r = hull_cgroup_attach_v2(cg, out.pid, err);
	if (r == 0 && !in_cgroup)
		r = hull_await_in_cgroup(sock, "exec process", err);
	if (r == 0 && hull_sync_send(sock, HULL_SYNC_GO, NULL, -1) < 0)
		r = hull_errf(err, EPIPE, "exec: the process died before it could start");
	if (r == 0)
		r = hull_await_child(sock, spec, &c.st, &out, true, "exec process", err);
	if (r == 0 && o->pid_file)
		r = hull_write_pid_file(o->pid_file, out.pid, err);
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
