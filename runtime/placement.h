/* Where the container's processes run and allocate (placement.c). */
#ifndef HULL_PLACEMENT_H
#define HULL_PLACEMENT_H

#include <stddef.h>

#include "../oci-spec/spec.h"

/* A CPU or node list, "0-3,7", into a bit set of max bits. */
int hull_cpu_list_parse(const char *list, unsigned long *set, size_t max);

/* The calling process's CPU mask: list, or NULL for every CPU of its
 * cpuset. field names it in errors. */
int hull_cpu_affinity(const char *list, const char *field, struct hull_err *err);

/* linux.memoryPolicy: checked in the parent, applied by the process. */
int hull_memory_policy_validate(const struct hull_linux *l, struct hull_err *err);
int hull_memory_policy_apply(const struct hull_linux *l, struct hull_err *err);

#endif
