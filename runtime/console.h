/* The container's terminal: a pty from the container's own devpts. */
#ifndef HULL_CONSOLE_H
#define HULL_CONSOLE_H

#include "../oci-spec/spec.h"

/* Parent: connects to the --console-socket (a unix stream socket) so the
 * init can send the pty master there. Returns the fd or -errno. */
int hull_console_connect(const char *path, struct hull_err *err);

/* Init, after pivot_root: opens /dev/ptmx, makes the slave its controlling
 * terminal and its stdio, applies process.consoleSize. Returns the master. */
int hull_console_setup(const struct hull_process *p, struct hull_err *err);

/* Sends fd over the socket with SCM_RIGHTS, as runc does (payload: the
 * pty's name), which containerd's shim and `ctr run -t` expect. */
int hull_console_send(int sock, int fd, struct hull_err *err);

#endif
