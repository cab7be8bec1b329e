/* sd_notify from the container, as runc relays it: when hull runs with
 * NOTIFY_SOCKET (systemd, podman --sdnotify=container), create binds the
 * state dir's notify/ read-only at /run/notify in the container and sets
 * NOTIFY_SOCKET=/run/notify/notify.sock in its environment; start (and
 * run) listen there and, once the container sends READY=1 (or its init is
 * gone), forward READY=1 and MAINPID=<init> to the caller's socket. */
#ifndef HULL_NOTIFY_H
#define HULL_NOTIFY_H

#include "../oci-spec/spec.h"
#include "state.h"

#define HULL_NOTIFY_DIR "notify"
#define HULL_NOTIFY_SOCK "notify.sock"
#define HULL_NOTIFY_IN_CONTAINER "/run/notify"

/* At create: makes c's notify/ and adds its mount and NOTIFY_SOCKET to
 * spec (its raw config.json stays as written). */
int hull_notify_prepare(struct hull_container *c, struct hull_spec *spec, struct hull_err *err);

/* At start: binds notify/notify.sock (mode 0777) when c has notify/: the
 * datagram socket, or -ENOENT (err untouched) when c was created without
 * NOTIFY_SOCKET. */
int hull_notify_listen(struct hull_container *c, struct hull_err *err);

/* Waits for a datagram holding a READY= line on sock, or for the init
 * (pidfd) to end, then sends "READY=...\nMAINPID=pid\n" to host (a path,
 * or @name for an abstract socket). */
int hull_notify_relay(int sock, const char *host, pid_t pid, int pidfd, struct hull_err *err);

#endif
