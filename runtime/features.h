#ifndef HULL_RUNTIME_FEATURES_H
#define HULL_RUNTIME_FEATURES_H

/* The `hull features` document (runtime-spec features.md), indented JSON;
 * NULL when out of memory. linux.apparmor and linux.selinux say whether
 * this host has the LSM enabled: hull applies its labels only there.
 * Caller frees. */
char *hull_features_json(const char *version);

#endif
