#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/sync.h"
#include "../namespaces/namespaces.h"
#include "console.h"

int hull_console_connect(const char *path, struct hull_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_errf(err, ENAMETOOLONG, "--console-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_syserr(err, errno, "--console-socket %s: socket", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return hull_syserr(err, e, "--console-socket %s", path);
	}
	return fd;
}

int hull_console_setup(const struct hull_process *p, bool dev_console, struct hull_err *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return hull_syserr(err, errno, "/dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return hull_syserr(err, errno, "/dev/ptmx: unlock");
	/* TIOCGPTPEER opens the slave through the master, without a path lookup. */
	_cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return hull_syserr(err, errno, "/dev/ptmx: open the pty slave");
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return hull_syserr(err, errno, "process.consoleSize");
	}
	if (dev_console && hull_dev_console_bind(slave, err) < 0)
		return err->code;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return hull_syserr(err, errno, "pty: set the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return hull_syserr(err, errno, "pty: dup2");
	return steal_fd(master);
}

int hull_console_send(int sock, int fd, struct hull_err *err)
{
	char name[64] = "/dev/ptmx";
	int n;
	if (ioctl(fd, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%d", n);
	int r = hull_send_fd(sock, name, strlen(name), fd);
	if (r < 0)
		return hull_syserr(err, -r, "--console-socket: send the pty master");
	return 0;
}
