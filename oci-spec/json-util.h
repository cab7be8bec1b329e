/* oci-spec internals: jansson helpers that turn JSON values into C values
 * with "JSON.PATH: cause" errors. Nothing here leaves oci-spec/. */
#ifndef HULL_OCI_JSON_UTIL_H
#define HULL_OCI_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "spec.h"

static inline void hull_json_decrefp(json_t **j)
{
	if (*j)
		json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(hull_json_decrefp)))

/* A JSON path such as "linux.namespaces[3].type"; long map keys are cut. */
#define JPATH_MAX 512
typedef char jpath_t[JPATH_MAX];

void jp_key(jpath_t out, const char *parent, const char *key);
void jp_idx(jpath_t out, const char *parent, size_t i);

/* Sets err to "path: cause" and returns -EINVAL. */
int jerr(struct hull_err *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* jerr for annotations[key]: "annotations.KEY: cause". */
int jerr_annotation(struct hull_err *err, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses a JSON document; syntax errors are "line L column C: text".
 * Integers above INT64_MAX (e.g. RLIM_INFINITY written as 18446744073709551615,
 * which jansson cannot hold) are accepted and read back by jv_u64(). */
int jload(const char *buf, size_t len, json_t **out, struct hull_err *err);

/* obj[key], with JSON null read as absent (Go's encoding/json does the same). */
json_t *jget(json_t *obj, const char *key);

/* Checks for a type; the value must not be NULL. */
int jv_object(json_t *v, const char *path, struct hull_err *err);
int jv_array(json_t *v, const char *path, struct hull_err *err);

/* Typed readers of a value that is present. */
int jv_string(json_t *v, const char *path, char **out, struct hull_err *err);
int jv_bool(json_t *v, const char *path, bool *out, struct hull_err *err);
int jv_i64(json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
	   struct hull_err *err);
int jv_u64(json_t *v, const char *path, uint64_t max, uint64_t *out, struct hull_err *err);
int jv_u32(json_t *v, const char *path, uint32_t *out, struct hull_err *err);
/* A uid or gid: 0 to 4294967294, never (uid_t)-1. */
int jv_id(json_t *v, const char *path, uint32_t *out, struct hull_err *err);
int jv_strv(json_t *v, const char *path, struct hull_strv *out, struct hull_err *err);
int jv_kvs(json_t *v, const char *path, struct hull_kvs *out, struct hull_err *err);
int jv_abs_path(json_t *v, const char *path, char **out, struct hull_err *err);
int jv_abs_paths(json_t *v, const char *path, struct hull_strv *out, struct hull_err *err);
int jv_id_maps(json_t *v, const char *path, struct hull_id_maps *out, struct hull_err *err);

/* Readers of obj.key: 1 when present, 0 when absent (out untouched),
 * -EINVAL (err set) on a wrong value, or when absent and required
 * ("PATH: missing"). parent is the path of obj ("" at the top). */
int jo_string(json_t *obj, const char *parent, const char *key, bool required, char **out,
	      struct hull_err *err);
int jo_bool(json_t *obj, const char *parent, const char *key, bool *out, struct hull_err *err);
int jo_i64(json_t *obj, const char *parent, const char *key, bool required, int64_t min,
	   int64_t max, int64_t *out, struct hull_err *err);
int jo_u64(json_t *obj, const char *parent, const char *key, bool required, uint64_t max,
	   uint64_t *out, struct hull_err *err);
int jo_id(json_t *obj, const char *parent, const char *key, bool required, uint32_t *out,
	  struct hull_err *err);
int jo_u32(json_t *obj, const char *parent, const char *key, bool required, uint32_t *out,
	   struct hull_err *err);
int jo_strv(json_t *obj, const char *parent, const char *key, struct hull_strv *out,
	    struct hull_err *err);
int jo_kvs(json_t *obj, const char *parent, const char *key, struct hull_kvs *out,
	   struct hull_err *err);
/* An object member that must be an object (or array); NULL when absent. */
int jo_object(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
	      struct hull_err *err);
int jo_array(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
	     struct hull_err *err);

/* The strv/kvs/id map helpers free what they own. */
void spec_strv_free(struct hull_strv *v);
void spec_kvs_free(struct hull_kvs *kvs);

/* Joins a path to a base directory (if relative) and tidies it: no "//",
 * no "/./", no trailing slash. Does not touch "..": the rootfs code resolves
 * paths inside the root. */
char *spec_path_join(const char *base, const char *path);

#endif
