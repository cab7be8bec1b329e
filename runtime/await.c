/* What hull hears from a child it set going (the init at create, the
 * process at exec) until the child is ready: a pty master for a foreground
 * relay, the seccomp notify fd for linux.seccomp.listenerPath, an error. */
#include <errno.h>
#include <unistd.h>

#include "../base/sync.h"
#include "../base/trace.h"
#include "../base/util.h"
#include "hooks.h"
#include "lifecycle.h"
#include "seccomp.h"

int hull_await_child(int sock, const struct hull_spec *spec, const struct hull_state_file *st,
		     struct hull_created *out, bool eof_is_ready, const char *who,
		     struct hull_err *err)
{
	char type, msg[HULL_ERR_MAX];
	for (;;) {
		int fd = -1;
		int r = hull_sync_recv(sock, &type, msg, sizeof(msg), &fd);
		if (r == -EPIPE || r == -ECONNRESET)
			return eof_is_ready && r == -EPIPE ? 0 :
				hull_errf(err, EPIPE, "%s exited before it was ready", who);
		if (r < 0)
			return hull_syserr(err, -r, "sync with the %s", who);
		switch (type) {
		case HULL_SYNC_READY:
			hull_trace_add(who, msg);
			if (!eof_is_ready)
				return 0;
			break;
		case HULL_SYNC_SECCOMP: {
			/* The agent gets the fd before we return, as runc does. */
			struct hull_state_file s = *st;
			s.pid = out->pid;
			r = fd < 0 ? hull_errf(err, EPROTO, "sync with the %s: no seccomp fd", who)
				   : hull_seccomp_send_listener(&spec->linux_.seccomp, fd, &s,
								eof_is_ready ? "running" : "creating", err);
			if (fd >= 0)
				close(fd);
			if (r < 0)
				return r;
			continue;
		}
		case HULL_SYNC_HOOKS: {
			struct hull_state_file s = *st;
			s.pid = out->pid;
			r = hull_hooks_run_create(spec, &s, err);
			if (r == 0 && hull_sync_send(sock, HULL_SYNC_GO, NULL, -1) < 0)
				r = hull_errf(err, EPIPE, "%s exited before it was ready", who);
			if (fd >= 0)
				close(fd);
			if (r < 0)
				return r;
			continue;
		}
		case HULL_SYNC_PTY:
			if (out->pty_master >= 0)
				close(out->pty_master);
			out->pty_master = fd;
			continue;
		case HULL_SYNC_ERROR:
			if (fd >= 0)
				close(fd);
			return hull_errf(err, EIO, "%s", msg);
		}
		if (fd >= 0)
			close(fd);
		return hull_errf(err, EPROTO, "sync with the %s: unexpected message '%c'", who, type);
	}
}
