/* A container's networking (org.hull.net.* annotations, linux.netDevices):
 * made at create, undone at delete, over netsetup/. */
#ifndef HULL_RUNTIME_NET_H
#define HULL_RUNTIME_NET_H

#include <sys/types.h>

#include "../base/err.h"
#include "../oci-spec/spec.h"
#include "../oci-spec/state.h"
#include "state.h"

/* Whether the config asks for any of it (annotations or linux.netDevices). */
bool hull_net_wanted(const struct hull_spec *spec);
/* In the container's new netns, from the init: lo up. */
int hull_net_loopback_up(struct hull_err *err);

/* Whether st records anything for hull_net_teardown to undo. */
bool hull_net_recorded(const struct hull_state_file *st);

/* Wires the init pid's netns (it must exist, the init must not have gone on
 * yet) as the spec says. What exists is recorded in c->st (net_* fields) as
 * soon as it does, so hull_net_teardown undoes a partial setup too. Errors
 * are "network: ...". */
int hull_net_setup(const struct hull_spec *spec, struct hull_container *c, pid_t pid,
		   struct hull_err *err);

/* Unpins the netns, so that passed-through devices go with it (a physical
 * one back to the initial netns, a virtual one destroyed), or with
 * give_back (a failed create) or org.hull.net.netdevices.give-back first
 * returns them to the host as they were; removes the
 * host veth end (left to the kernel when the container's netns is already
 * dying, see net.c), then the bridge if hull created it, remove_empty is set
 * and no port is left. Idempotent: what is already gone is success, so it
 * can finish after a crash. Works with c->has_state false too (only the pin
 * is undone then). */
int hull_net_teardown(struct hull_container *c, bool give_back, struct hull_err *err);

/* The host-side name derived from a container ID when
 * org.hull.net.host-ifname is not given: "hv" and 13 hex digits of the
 * 64-bit FNV-1a hash of the ID (15 bytes, the kernel's limit). buf holds 16. */
void hull_net_host_ifname(const char *id, char buf[16]);

#endif
