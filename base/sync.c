#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sync.h"

#define SYNC_MAX 4096

int hull_send_fd(int sock, const void *buf, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.b;
		msg.msg_controllen = sizeof(ctl.b);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t r;
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int hull_sync_send(int sock, char type, const char *payload, int fd)
{
	char buf[SYNC_MAX];
	size_t n = payload ? strnlen(payload, sizeof(buf) - 1) : 0;
	buf[0] = type;
	if (n)
		memcpy(buf + 1, payload, n);
	return hull_send_fd(sock, buf, n + 1, fd);
}

void hull_sync_take_error(int sock, struct hull_err *err)
{
	char buf[SYNC_MAX];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, MSG_DONTWAIT | MSG_PEEK);
	if (n < 2 || buf[0] != HULL_SYNC_ERROR)
		return;
	buf[n] = 0;
	hull_err_clear(err);
	hull_errf(err, EIO, "%s", buf + 1);
}

int hull_sync_recv(int sock, char *type, char *payload, size_t cap, int *fd)
{
	char buf[SYNC_MAX];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	if (fd)
		*fd = -1;
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	}
	*type = buf[0];
	size_t n = (size_t)r - 1;
	if (payload && cap) {
		if (n >= cap)
			n = cap - 1;
		memcpy(payload, buf + 1, n);
		payload[n] = 0;
	}
	return 0;
}
