/* The cgroups_resources suite's shared part: helpers of
 * cgroups-resources.c, the fixtures of cgroups-devices.c. */
#ifndef HULL_TESTS_CGROUPS_RESOURCES_H
#define HULL_TESTS_CGROUPS_RESOURCES_H

#include "../../cgroups/internal.h"
#include "../lib/ht.h"

/* The host has cgroup v2 alone. */
bool cgr_pure_v2(void);
/* linux.resources of t's config, made when missing. */
json_t *cgr_resources(struct ht *t);

/* The unchecked setup: names the loop device's backing file and the device
 * filter's cgroup after the runner's pid. The teardown (checked, after each
 * test, and unchecked, after the case) detaches the one and removes the
 * other, whatever a test left. */
void cgr_setup(void);
void cgr_teardown(void);

#endif
