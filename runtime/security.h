/* The process settings beyond the user and its capabilities: LSM labels,
 * I/O priority, scheduler, personality, execCPUAffinity. */
#ifndef HULL_SECURITY_H
#define HULL_SECURITY_H

#include "../oci-spec/spec.h"
#include "caps.h"

/* In the parent, before the clone: everything in these settings (and in
 * process.capabilities) that the host or the kernel would refuse. Errors
 * are "JSON.PATH: cause", to be prefixed with "config.json". */
int hull_security_validate(const struct hull_spec *spec, struct hull_capsets *caps, struct hull_err *err);

/* In the container process, while still privileged (before the user switch
 * and the capability drop): process.ioPriority, process.scheduler and
 * linux.personality. */
int hull_security_apply(const struct hull_spec *spec, struct hull_err *err);

#endif
