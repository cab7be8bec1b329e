/* hull_enter_container: see enter.h for the order and why. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/capability.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../base/trace.h"
#include "console.h"
#include "enter.h"
#include "lsm.h"
#include "placement.h"
#include "process.h"
#include "seccomp.h"
#include "security.h"

/* One message to whoever waits for us (hull, or `start`), or stderr. */
static _Noreturn void fail(int report_fd, const struct hull_err *err)
{
	const char *msg = err->msg[0] ? err->msg : "entering the container failed";
	if (report_fd < 0 || hull_sync_send(report_fd, HULL_SYNC_ERROR, msg, -1) < 0)
		dprintf(STDERR_FILENO, "hull: %s\n", msg);
	_exit(127);
}

/* The pty master goes to hull, which relays it or hands it to the console
 * socket: the container never holds a socket of the host's. */
static int open_terminal(const struct hull_enter *e, struct hull_err *err)
{
	int master = hull_console_setup(&e->spec->process, e->dev_console, err);
	if (master < 0)
		return master;
	int r = hull_sync_send(e->sync_fd, HULL_SYNC_PTY, NULL, master);
	close(master);
	return r < 0 ? hull_syserr(err, -r, "pty: hand the master to hull") : 0;
}

/* The user and its capabilities, with the cwd retried as the user when
 * root could not enter it (root_squash, a user namespace's unmapped
 * owner), as runc does. */
static int become_user(const struct hull_enter *e, bool cwd_done, struct hull_err *err)
{
	const struct hull_process *p = &e->spec->process;
	/* Without no_new_privs, loading seccomp needs CAP_SYS_ADMIN: held until
	 * execve, which drops it (see hull_caps_apply). */
	uint64_t hold = e->seccomp && !p->no_new_privileges ? hull_caps_bit(CAP_SYS_ADMIN) : 0;
	int r = hull_caps_drop_bounding(e->caps, err);
	if (r == 0)
		r = hull_process_switch_user(p, err);
	if (r == 0 && !cwd_done)
		r = hull_process_chdir(p, err);
	if (r == 0)
		r = hull_caps_apply(e->caps, hold, err);
	if (r == 0 && p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = hull_syserr(err, errno, "process.noNewPrivileges");
	return r;
}

static int prepare(const struct hull_enter *e, struct hull_err *err)
{
	const struct hull_process *p = &e->spec->process;
	if (setsid() < 0)
		return hull_syserr(err, errno, "setsid");
	int r = p->terminal ? open_terminal(e, err) : 0;
	if (r == 0)
		r = hull_process_limits(p, err);
	bool cwd_done = false;
	if (r == 0) {
		struct hull_err cwd_err = { 0 };
		r = hull_process_chdir(p, &cwd_err);
		cwd_done = r == 0;
		if (r == -EACCES || r == -EPERM)
			r = 0;
		else if (r < 0)
			*err = cwd_err;
	}
	if (r == 0)
		r = hull_security_apply(e->spec, err);
	if (r == 0)
		r = become_user(e, cwd_done, err);
	return r;
}

/* The LSM label for the execve, then seccomp: the label takes effect only
 * at execve, so nothing of hull's runs confined by it, and no syscall is
 * left for the filter to deny but execve. */
static int confine(const struct hull_enter *e, int notify_fd, struct hull_err *err)
{
	int r = hull_lsm_exec_label(&e->spec->process, err);
	return r < 0 ? r : hull_seccomp_load(e->seccomp, notify_fd, err);
}

_Noreturn void hull_enter_container(const struct hull_enter *e)
{
	struct hull_err err = { 0 };
	const struct hull_process *p = &e->spec->process;
	_cleanup_free_ char *exe = NULL;
	_cleanup_strv_ char **env = hull_process_env(p);
	bool notify = hull_seccomp_notifies(e->seccomp);
	int report = e->sync_fd;
	/* The mask hull ran with is not the container's: the final one, else
	 * every CPU of the container's cpuset (as runc and crun). */
	const char *final = e->exec ? p->exec_cpu_affinity_final : NULL;
	if (prepare(e, &err) < 0 || hull_process_find_exec(p, &exe, &err) < 0 ||
	    hull_cpu_affinity(final, "process.execCPUAffinity.final", &err) < 0 ||
	    hull_process_fds(e->preserve_fds, &err) < 0)
		fail(report, &err);
	hull_trace("enter");
	/* The init outlives `create`; an exec'd process is the caller's to wait
	 * for, not to take down with it (runc's behaviour). */
	if (prctl(PR_SET_PDEATHSIG, 0) < 0) {
		hull_syserr(&err, errno, "PR_SET_PDEATHSIG");
		fail(report, &err);
	}
	if (notify && confine(e, e->sync_fd, &err) < 0)
		fail(report, &err);
	if (e->before_exec && e->before_exec(e->data, &report, &err) < 0)
		fail(report, &err);
	if (!notify && confine(e, -1, &err) < 0)
		fail(report, &err);
	hull_process_exec(p, exe, env, &err);
	fail(report, &err);
}
