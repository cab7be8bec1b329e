/* Shared by runtime/net.c and runtime/net-devices.c. */
#ifndef HULL_RUNTIME_NET_INTERNAL_H
#define HULL_RUNTIME_NET_INTERNAL_H

#include "../netsetup/netsetup.h"
#include "net.h"

/* The state dir entry that pins the container's netns (passthrough). */
#define HULL_NETNS_FILE "netns"

static inline void hull_nl_closep(struct hull_nl **nl) { if (*nl) hull_nl_close(*nl); }
#define _cleanup_nl_ __attribute__((cleanup(hull_nl_closep)))

/* linux.netDevices into the netns nsfd (the init's, pid): pins the netns,
 * records each device (addresses, up) in c->st and saves it before the
 * move, then moves, renames, restores addresses and up. */
int hull_net_devices_move_in(const struct hull_spec *spec, struct hull_container *c, pid_t pid,
			     int nsfd, struct hull_err *err);
/* Back to hull's netns under their host names with their addresses and up
 * state; idempotent (a device not found in the pinned netns is skipped). */
int hull_net_devices_move_out(struct hull_container *c, bool give_back, struct hull_err *err);

/* name exists on the host: when it is a veth whose peer's netns is dying
 * (an earlier container's, not yet cleaned up by the kernel) it is deleted
 * and 0 returned, so the caller can retry; otherwise -EEXIST. */
int hull_net_reap_ghost(struct hull_nl *nl, const char *name, struct hull_err *err);

#endif
