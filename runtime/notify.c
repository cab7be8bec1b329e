/* sd_notify relayed from the container: see notify.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "notify.h"

int hull_notify_prepare(struct hull_container *c, struct hull_spec *spec, struct hull_err *err)
{
	if (mkdirat(c->dirfd, HULL_NOTIFY_DIR, 0755) < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET: %s/%s", c->dir, HULL_NOTIFY_DIR);
	static const char *const opts[] = { "bind", "nosuid", "noexec", "nodev", "ro", NULL };
	_cleanup_free_ char *src = hull_xasprintf("%s/%s", c->dir, HULL_NOTIFY_DIR);
	int r = hull_spec_add_mount(spec, HULL_NOTIFY_IN_CONTAINER, "bind", src, opts, err);
	if (r < 0) {
		hull_err_prefix(err, "NOTIFY_SOCKET");
		return r;
	}
	hull_process_setenv(&spec->process, "NOTIFY_SOCKET=" HULL_NOTIFY_IN_CONTAINER "/" HULL_NOTIFY_SOCK);
	return 0;
}

int hull_notify_listen(struct hull_container *c, struct hull_err *err)
{
	struct stat st;
	if (fstatat(c->dirfd, HULL_NOTIFY_DIR, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	const char *rel = HULL_NOTIFY_DIR "/" HULL_NOTIFY_SOCK;
	if (unlinkat(c->dirfd, rel, 0) < 0 && errno != ENOENT)
		return hull_syserr(err, errno, "NOTIFY_SOCKET: %s/%s", c->dir, rel);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Through the state dir's fd: its path may be longer than sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", c->dirfd, rel);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET: socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET: bind %s/%s", c->dir, rel);
	/* Any user of the container may notify, as under runc. */
	if (fchmodat(c->dirfd, rel, 0777, 0) < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET: chmod %s/%s", c->dir, rel);
	return steal_fd(fd);
}

/* The READY= line of a datagram (NUL-terminated in buf), or NULL. */
static const char *ready_line(char *buf)
{
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strncmp(line, "READY=", 6))
			return line;
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int send_host(const char *host, const char *msg, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(host);
	if (!len || len >= sizeof(sa.sun_path))
		return hull_errf(err, EINVAL, "NOTIFY_SOCKET \"%s\": not a socket path", host);
	memcpy(sa.sun_path, host, len);
	if (host[0] == '@')
		sa.sun_path[0] = 0;	/* abstract, as sd_notify(3) reads it */
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET %s: socket", host);
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (host[0] != '@'));
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, sl) < 0)
		return hull_syserr(err, errno, "NOTIFY_SOCKET %s", host);
	return 0;
}

int hull_notify_relay(int sock, const char *host, pid_t pid, int pidfd, struct hull_err *err)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_syserr(err, errno, "NOTIFY_SOCKET: poll");
		}
		if (p[0].revents & POLLIN) {
			char buf[4096];
			ssize_t n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				return hull_syserr(err, errno, "NOTIFY_SOCKET: receive");
			buf[n > 0 ? n : 0] = 0;
			const char *ready = n > 0 ? ready_line(buf) : NULL;
			if (ready) {
				char msg[4200];
				snprintf(msg, sizeof(msg), "%s\nMAINPID=%d\n", ready, (int)pid);
				return send_host(host, msg, err);
			}
			continue;
		}
		/* The init is gone before it was ready: nothing to tell. */
		if (p[1].revents)
			return 0;
	}
}
