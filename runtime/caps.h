/* process.capabilities: names resolved to masks in the parent, applied by
 * the container process in the order the kernel's rules require. */
#ifndef HULL_CAPS_H
#define HULL_CAPS_H

#include <stdint.h>

#include "../oci-spec/spec.h"

/* One bit per capability number (CAP_CHOWN = bit 0). */
struct hull_capsets {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* Resolves the five sets of p; an absent process.capabilities, or an absent
 * set, is empty (as runc does). Errors name the element:
 * "process.capabilities.bounding[2]: unknown capability CAP_FOO", and a
 * combination the kernel refuses (effective not permitted, inheritable not
 * in bounding, ambient not both permitted and inheritable). Capabilities
 * this kernel lacks are left out. */
int hull_caps_resolve(const struct hull_process *p, struct hull_capsets *out, struct hull_err *err);

/* PR_CAPBSET_DROP of every capability not in c->bounding; needs
 * CAP_SETPCAP, so before the user switch. */
int hull_caps_drop_bounding(const struct hull_capsets *c, struct hull_err *err);

/* After the user switch (done with PR_SET_KEEPCAPS): sets effective,
 * permitted and inheritable, then raises the ambient set. hold: kept in
 * effective and permitted on top, for what the process still does before
 * execve (loading seccomp without no_new_privs needs CAP_SYS_ADMIN). A
 * held capability that is in neither the bounding, inheritable nor ambient
 * set cannot survive the execve: the kernel computes the new sets from
 * those (capabilities(7)). */
int hull_caps_apply(const struct hull_capsets *c, uint64_t hold, struct hull_err *err);

/* The mask of capability number cap. */
uint64_t hull_caps_bit(int cap);

#endif
