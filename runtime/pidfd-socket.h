/* --pidfd-socket (runc 1.2's): create, run and exec hand a pidfd of the
 * container's process to a unix socket their caller listens on. */
#ifndef HULL_PIDFD_SOCKET_H
#define HULL_PIDFD_SOCKET_H

#include "../base/err.h"

/* Connects to the stream socket at path and sends pidfd in one message
 * (SCM_RIGHTS) whose bytes are what: "standard" for a container's init,
 * "setns" for an exec'd process, as runc names them. 0 or -errno. */
int hull_pidfd_socket_send(const char *path, int pidfd, const char *what, struct hull_err *err);

#endif
