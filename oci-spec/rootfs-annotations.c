/* The org.hull.rootfs.* annotations: a root built by overlayfs from
 * read-only layers, with an upper that is kept (org.hull.rootfs.upper) or
 * lives on a tmpfs and dies with the container. Checked for form here;
 * whether the layers exist is namespaces/overlay.c's question. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "parse.h"

#define ROOTFS_PREFIX SPEC_ANN_ROOTFS_PREFIX
#define DEFAULT_UPPER_SIZE "64m"

/* tmpfs's size= syntax: a positive count with k, m, g, t (binary) or %. */
static bool size_ok(const char *s)
{
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s || strtoull(s, NULL, 10) == 0)
		return false;
	if (*p && strchr("kKmMgGtT%", *p))
		p++;
	return *p == 0;
}

static int parse_layers(const char *key, const char *value, const char *bundle,
			struct hull_overlay_config *ov, struct hull_err *err)
{
	if (!*value)
		return jerr_annotation(err, key, "must not be empty");
	_cleanup_free_ char *copy = hull_xstrdup(value);
	size_t n = 1;
	for (const char *c = value; *c; c++)
		n += *c == ':';
	ov->layers = hull_xcalloc(n + 1, sizeof(char *));
	char *rest = copy;
	for (size_t i = 0; i < n; i++) {
		char *tok = strsep(&rest, ":");
		if (!*tok)
			return jerr_annotation(err, key, "\"%s\": an empty layer (want DIR:DIR..., top first)", value);
		ov->layers[ov->n_layers++] = spec_path_join(bundle, tok);
	}
	return 0;
}

int spec_parse_rootfs(const struct hull_kvs *ann, const char *bundle, bool readonly,
		      struct hull_overlay_config *ov, struct hull_err *err)
{
	const char *size_key = NULL, *upper_key = NULL;
	for (size_t i = 0; i < ann->n; i++) {
		const char *key = ann->v[i].key, *value = ann->v[i].value;
		if (strncmp(key, ROOTFS_PREFIX, strlen(ROOTFS_PREFIX)))
			continue;
		const char *name = key + strlen(ROOTFS_PREFIX);
		if (!strcmp(name, "layers")) {
			if (parse_layers(key, value, bundle, ov, err) < 0)
				return -EINVAL;
		} else if (!strcmp(name, "upper")) {
			if (!*value)
				return jerr_annotation(err, key, "must not be empty");
			ov->upper = spec_path_join(bundle, value);
			upper_key = key;
		} else if (!strcmp(name, "upper-size")) {
			if (!size_ok(value))
				return jerr_annotation(err, key, "\"%s\": want a tmpfs size (64m, 1g, 10%%)", value);
			ov->upper_size = hull_xstrdup(value);
			size_key = key;
		} else {
			return jerr_annotation(err, key, "unknown key");
		}
	}
	if (!ov->layers) {
		if (upper_key || size_key)
			return jerr_annotation(err, upper_key ? upper_key : size_key, "needs %s", ROOTFS_PREFIX "layers");
		return 0;
	}
	if (ov->upper && ov->upper_size)
		return jerr_annotation(err, size_key, "sizes the tmpfs upper; %s keeps the upper on disk",
			   ROOTFS_PREFIX "upper");
	if (readonly && (ov->upper || ov->upper_size))
		return jerr_annotation(err, upper_key ? upper_key : size_key,
			   "root.readonly: a read-only root has no upper");
	if (!ov->upper && !readonly && !ov->upper_size)
		ov->upper_size = hull_xstrdup(DEFAULT_UPPER_SIZE);
	return 0;
}

void spec_rootfs_free(struct hull_overlay_config *ov)
{
	for (size_t i = 0; i < ov->n_layers; i++)
		free(ov->layers[i]);
	free(ov->layers);
	free(ov->upper);
	free(ov->upper_size);
	memset(ov, 0, sizeof(*ov));
}
