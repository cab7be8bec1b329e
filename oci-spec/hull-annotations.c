/* The annotations hull reads. Every key under org.hull. belongs to one of
 * these families, so a misspelt key is an error rather than a setting that
 * silently does nothing; `hull features` lists them all as potentially
 * unsafe, since each changes what the runtime does on the host (links and
 * addresses, the root's mounts, which cgroup is used). */
#include <string.h>

#include "json-util.h"
#include "parse.h"

const char *const spec_hull_annotations[] = {
	SPEC_ANN_NET_PREFIX,
	SPEC_ANN_ROOTFS_PREFIX,
	SPEC_ANN_CGROUPS_JOIN,
	NULL,
};

/* runtime-spec features.md: a pattern ending in "." is a prefix. */
bool spec_annotation_matches(const char *pattern, const char *key)
{
	size_t n = strlen(pattern);
	if (n && pattern[n - 1] == '.')
		return strncmp(key, pattern, n) == 0 && key[n];
	return strcmp(key, pattern) == 0;
}

static int parse_bool(const char *key, const char *value, bool *out, struct hull_err *err)
{
	if (strcmp(value, "true") && strcmp(value, "false"))
		return jerr_annotation(err, key, "must be \"true\" or \"false\"");
	*out = !strcmp(value, "true");
	return 0;
}

int spec_parse_hull_annotations(const struct hull_kvs *ann, struct hull_spec *spec, struct hull_err *err)
{
	for (size_t i = 0; i < ann->n; i++) {
		const char *key = ann->v[i].key;
		if (strncmp(key, SPEC_ANN_HULL, strlen(SPEC_ANN_HULL)))
			continue;
		const char *const *f = spec_hull_annotations;
		while (*f && !spec_annotation_matches(*f, key))
			f++;
		if (!*f)
			return jerr_annotation(err, key, "unknown key (hull reads %s*, %s* and %s)",
					       SPEC_ANN_NET_PREFIX, SPEC_ANN_ROOTFS_PREFIX, SPEC_ANN_CGROUPS_JOIN);
		if (!strcmp(key, SPEC_ANN_CGROUPS_JOIN) &&
		    parse_bool(key, ann->v[i].value, &spec->cgroups_join, err) < 0)
			return -EINVAL;
	}
	return 0;
}
