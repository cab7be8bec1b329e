/* A console socket: hull sends a terminal's master over it, as runc's
 * --console-socket. It is made, used and removed within one request. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../base/util.h"
#include "shim.h"

int shim_console_listen(struct shim *s, char **path, struct hull_err *err)
{
	char *dir = shim_root(s->o.namespace_);
	int r = hull_mkdir_p(dir, 0711, err);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (r == 0 && snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.console-%d-%u", dir, (int)getpid(),
			       ++s->console_seq) >= (int)sizeof(sa.sun_path))
		r = hull_errf(err, ENAMETOOLONG, "console socket in %s: path too long", dir);
	free(dir);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "console socket");
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		r = hull_syserr(err, errno, "console socket %s", sa.sun_path);
		close(fd);
		return r;
	}
	*path = hull_xstrdup(sa.sun_path);
	return fd;
}

/* The master hull sent (it connected, sent and closed before returning). */
int shim_console_take(int listen_fd, const char *path, struct hull_err *err)
{
	unlink(path);
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	close(listen_fd);
	if (conn < 0)
		return hull_syserr(err, errno, "console socket %s: nothing sent", path);
	char name[256];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	close(conn);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return hull_errf(err, EPROTO, "console socket %s: no terminal received", path);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}
