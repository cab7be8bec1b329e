/* Bridge mode networking of a container (org.hull.net.* annotations): a
 * veth pair from the container's fresh netns to a host bridge, made at
 * create and undone at delete, over netsetup/. */
#ifndef HULL_RUNTIME_NET_H
#define HULL_RUNTIME_NET_H

#include <sys/types.h>

#include "../oci-spec/spec.h"
#include "../oci-spec/state.h"
#include "err.h"

/* Wires the init pid's netns (it must exist, the init must not have gone on
 * yet) as spec->net says; does nothing without org.hull.net.bridge. What
 * exists is recorded in record (net_* fields) as soon as it does, so
 * hull_net_teardown(record) undoes a partial setup too. Errors are
 * "network: ...". */
int hull_net_setup(const struct hull_spec *spec, const char *id, pid_t pid,
		   struct hull_state_file *record, struct hull_err *err);

/* Removes the host veth end (and with it the pair), then the bridge if hull
 * created it, remove_empty is set and no port is left. Idempotent: what is
 * already gone is success, so it can finish after a crash. */
int hull_net_teardown(const struct hull_state_file *st, struct hull_err *err);

/* The host-side name derived from a container ID when
 * org.hull.net.host-ifname is not given: "hv" and 13 hex digits of the
 * 64-bit FNV-1a hash of the ID (15 bytes, the kernel's limit). buf holds 16. */
void hull_net_host_ifname(const char *id, char buf[16]);

#endif
