#ifndef HULL_RUNTIME_FEATURES_H
#define HULL_RUNTIME_FEATURES_H

/* The `hull features` document (runtime-spec features.md), indented JSON;
 * NULL when out of memory. Caller frees. */
char *hull_features_json(const char *version);

#endif
