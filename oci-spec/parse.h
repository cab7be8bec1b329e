/* oci-spec internals: the parser's sections, one file each. Each reads one
 * member of config.json into the spec; on error it leaves what it filled
 * for hull_spec_free(). */
#ifndef HULL_OCI_PARSE_H
#define HULL_OCI_PARSE_H

#include "json-util.h"

int spec_parse_mounts(json_t *mounts, const char *bundle, struct hull_spec *spec,
		      struct hull_err *err);
void spec_mount_free(struct hull_mount *m);	/* members */
int spec_parse_linux(json_t *linux_obj, struct hull_linux *l, struct hull_err *err);
int spec_parse_resources(json_t *v, const char *path, struct hull_resources *r,
			 struct hull_err *err);
int spec_parse_seccomp(json_t *v, const char *path, struct hull_seccomp *s,
		       struct hull_err *err);
/* The org.hull.net.* annotations (after linux, whose namespaces they need). */
int spec_parse_net(const struct hull_kvs *ann, const struct hull_linux *l,
		   struct hull_net_config *net, struct hull_err *err);
void spec_net_free(struct hull_net_config *net);
/* The annotations hull reads (hull-annotations.c): keys, or prefixes
 * ending in ".", NULL-terminated; every org.hull. key must match one. */
#define SPEC_ANN_HULL "org.hull."
#define SPEC_ANN_NET_PREFIX "org.hull.net."
#define SPEC_ANN_ROOTFS_PREFIX "org.hull.rootfs."
#define SPEC_ANN_CGROUPS_JOIN "org.hull.cgroups.join"
extern const char *const spec_hull_annotations[];
bool spec_annotation_matches(const char *pattern, const char *key);
int spec_parse_hull_annotations(const struct hull_kvs *ann, struct hull_spec *spec, struct hull_err *err);

/* The org.hull.rootfs.* annotations (after root, whose readonly they need). */
int spec_parse_rootfs(const struct hull_kvs *ann, const char *bundle, bool readonly,
		      struct hull_overlay_config *ov, struct hull_err *err);
void spec_rootfs_free(struct hull_overlay_config *ov);
int spec_parse_hooks(json_t *hooks, struct hull_hooks out[HULL_HOOK_KINDS],
		     struct hull_err *err);

/* The seccomp profile of `hull spec --seccomp` (seccomp-default.c). */
json_t *spec_seccomp_default(void);
/* The action and operator names linux.seccomp accepts, NULL-terminated. */
extern const char *const spec_seccomp_actions[];
extern const char *const spec_seccomp_operators[];

/* linux.memoryPolicy's mode and flag names, NULL-terminated. */
extern const char *const spec_mpol_modes[];
extern const char *const spec_mpol_flags[];

/* "rprivate" -> MS_PRIVATE|MS_REC ...; false for an unknown name. */
bool spec_propagation_flags(const char *name, unsigned long *out);

/* Every mount option the parser gives a meaning to (not the data ones). */
extern const char *const spec_mount_option_names[];
extern const size_t spec_n_mount_option_names;

#endif
