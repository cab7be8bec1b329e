/* The container's terminal: a pty from the container's own devpts. */
#ifndef HULL_CONSOLE_H
#define HULL_CONSOLE_H

#include <stdbool.h>

#include "../oci-spec/spec.h"

/* Parent: connects to the --console-socket (a unix stream socket) so the
 * init can send the pty master there. Returns the fd or -errno. */
int hull_console_connect(const char *path, struct hull_err *err);

/* In the container: opens /dev/ptmx, makes the slave the controlling
 * terminal and stdio, applies process.consoleSize; dev_console (the init
 * only, as runc: an exec'd process's pty is gone when it exits) binds the
 * slave over /dev/console. Returns the master. */
int hull_console_setup(const struct hull_process *p, bool dev_console, struct hull_err *err);

/* Sends fd over the socket with SCM_RIGHTS, as runc does (payload: the
 * pty's name), which containerd's shim and `ctr run -t` expect. */
int hull_console_send(int sock, int fd, struct hull_err *err);

#endif
