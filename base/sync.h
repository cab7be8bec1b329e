/* Messages between hull and the container init over a SOCK_SEQPACKET pair:
 * one message per datagram, a type byte, then a payload; an fd may ride
 * along (SCM_RIGHTS). */
#ifndef HULL_SYNC_H
#define HULL_SYNC_H

#include <stddef.h>

#include "err.h"

enum hull_sync_type {
	HULL_SYNC_GO = 'G',	/* parent: maps, network (later: the hooks) are done, go on */
	HULL_SYNC_HOOKS = 'H',	/* init: the root is mounted, run prestart and createRuntime */
	HULL_SYNC_READY = 'R',	/* init: set up, waiting for start */
	HULL_SYNC_ERROR = 'E',	/* init: failed; payload is the message */
	HULL_SYNC_PTY = 'P',	/* init: the pty master, for a foreground relay */
	HULL_SYNC_SECCOMP = 'S',	/* init: the seccomp notify fd, for linux.seccomp.listenerPath */
};

/* One sendmsg of buf with fd attached (fd < 0: none). Returns 0 or -errno. */
int hull_send_fd(int sock, const void *buf, size_t len, int fd);

/* Returns 0 or -errno. fd < 0: no fd passed. */
int hull_sync_send(int sock, char type, const char *payload, int fd);

/* A failed child's own report, when one waits on sock, replaces err: it
 * says why better than the step of ours that found the child gone. */
void hull_sync_take_error(int sock, struct hull_err *err);

/* Returns 0, -EPIPE when the peer closed, or -errno. payload is
 * NUL-terminated (truncated to cap); *fd gets a passed fd or -1. */
int hull_sync_recv(int sock, char *type, char *payload, size_t cap, int *fd);

#endif
