/* --pidfd-socket: see pidfd-socket.h. runc sends the pidfd from inside
 * its init before the process runs; hull sends the one it already holds
 * once the process exists, before create, run or exec go on. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "pidfd-socket.h"

int hull_pidfd_socket_send(const char *path, int pidfd, const char *what, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!*path)
		return hull_errf(err, EINVAL, "--pidfd-socket: empty path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_errf(err, ENAMETOOLONG, "--pidfd-socket %s: path too long", HULL_Q(path));
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "--pidfd-socket %s: socket", HULL_Q(path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_syserr(err, errno, "--pidfd-socket %s", HULL_Q(path));
	int r = hull_send_fd(fd, what, strlen(what), pidfd);
	if (r < 0)
		return hull_syserr(err, -r, "--pidfd-socket %s: send the pidfd", HULL_Q(path));
	return 0;
}
