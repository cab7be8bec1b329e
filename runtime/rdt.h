/* linux.intelRdt through resctrl (rdt.c). */
#ifndef HULL_RDT_H
#define HULL_RDT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../oci-spec/spec.h"
#include "state.h"

/* Before anything is made: resctrl must be there to ask it of. */
int hull_rdt_check(const struct hull_spec *spec, struct hull_err *err);
/* Parent, before the init goes on: pid into the container's group. */
int hull_rdt_setup(const struct hull_spec *spec, struct hull_container *c, pid_t pid, struct hull_err *err);
/* Whether each domain of want ("L3:0=f;1=f") has that value in a resctrl
 * schemata file's text (have), case and leading zeros aside. */
bool hull_rdt_schema_matches(const char *have, const char *want);
/* update --l3-cache-schema / --mem-bw-schema: the lines written to the
 * container's own group (not a shared closID one). */
int hull_rdt_update(struct hull_container *c, const char *const schemas[], size_t n, struct hull_err *err);
/* Idempotent: removes what setup made (from its record). */
int hull_rdt_teardown(struct hull_container *c, struct hull_err *err);

#endif
