#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "json-util.h"

/* How jload() smuggles an integer above INT64_MAX through jansson: a string
 * no real document can hold (jansson refuses "\u0000" unless JSON_ALLOW_NUL,
 * which only the second pass sets), followed by the digits. */
#define BIG_MARK "\0u64:"
#define BIG_MARK_LEN 5

/* A path too long for the buffer ends in "...", never in a cut name. */
static void jp_mark_cut(jpath_t out, int n)
{
	if (n >= JPATH_MAX)
		memcpy(out + JPATH_MAX - 4, "...", 4);
}

void jp_key(jpath_t out, const char *parent, const char *key)
{
	int n;
	if (!parent || !*parent)
		n = snprintf(out, JPATH_MAX, "%s", key);
	else
		n = snprintf(out, JPATH_MAX, "%s.%s", parent, key);
	jp_mark_cut(out, n);
}

void jp_idx(jpath_t out, const char *parent, size_t i)
{
	jp_mark_cut(out, snprintf(out, JPATH_MAX, "%s[%zu]", parent ? parent : "", i));
}

int jerr(struct hull_err *err, const char *path, const char *fmt, ...)
{
	char cause[HULL_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	if (!path || !*path)
		return hull_errf(err, EINVAL, "%s", cause);
	return hull_errf(err, EINVAL, "%s: %s", path, cause);
}

int jerr_annotation(struct hull_err *err, const char *key, const char *fmt, ...)
{
	char cause[HULL_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	jpath_t p;
	jp_key(p, "annotations", key);
	return jerr(err, p, "%s", cause);
}

/* Rewrites every positive integer literal in (INT64_MAX, UINT64_MAX] as a
 * BIG_MARK string. Returns NULL when there is none to rewrite. */
static char *rewrite_big_ints(const char *buf, size_t len, size_t *out_len)
{
	size_t cap = len + 64, n = 0;
	char *o = hull_xmalloc(cap);
	bool in_str = false, changed = false;
	for (size_t i = 0; i < len;) {
		char c = buf[i];
		if (in_str) {
			if (c == '\\' && i + 1 < len) {
				o[n++] = buf[i++];
			} else if (c == '"') {
				in_str = false;
			}
			o[n++] = buf[i++];
		} else if (c == '"') {
			in_str = true;
			o[n++] = buf[i++];
		} else if (c >= '0' && c <= '9' && (i == 0 || !strchr("-+.eE", buf[i - 1]))) {
			size_t j = i;
			while (j < len && buf[j] >= '0' && buf[j] <= '9')
				j++;
			bool integer = j >= len || (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E');
			size_t digits = j - i;
			char num[32];
			bool big = false;
			if (integer && digits >= 19 && digits <= 20 && buf[i] != '0') {
				memcpy(num, buf + i, digits);
				num[digits] = 0;
				/* Same length compares as strings; 19 digits can exceed INT64_MAX. */
				big = (digits == 19 && strcmp(num, "9223372036854775807") > 0) ||
				      (digits == 20 && strcmp(num, "18446744073709551615") <= 0);
			}
			if (big) {
				if (cap - n < digits + 16) {
					cap = cap * 2 + digits + 16;
					o = hull_xrealloc(o, cap);
				}
				n += (size_t)sprintf(o + n, "\"\\u0000u64:%s\"", num);
				changed = true;
			} else {
				if (cap - n < digits + 16) {
					cap = cap * 2 + digits + 16;
					o = hull_xrealloc(o, cap);
				}
				memcpy(o + n, buf + i, digits);
				n += digits;
			}
			i = j;
			continue;
		} else {
			o[n++] = buf[i++];
		}
		if (cap - n < 32) {
			cap *= 2;
			o = hull_xrealloc(o, cap);
		}
	}
	if (!changed) {
		free(o);
		return NULL;
	}
	*out_len = n;
	return o;
}

int jload(const char *buf, size_t len, json_t **out, struct hull_err *err)
{
	/* glossary.md: an object MUST NOT have two members of one name. */
	json_error_t e;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (!j && strstr(e.text, "too big integer") && !strstr(e.text, "negative")) {
		size_t n2 = 0;
		_cleanup_free_ char *b2 = rewrite_big_ints(buf, len, &n2);
		if (b2)
			j = json_loadb(b2, n2, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
	}
	if (!j)
		return hull_errf(err, EINVAL, "line %d column %d: %s", e.line, e.column, e.text);
	*out = j;
	return 0;
}

json_t *jget(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static bool big_uint(json_t *v, uint64_t *out)
{
	if (!json_is_string(v) || json_string_length(v) <= BIG_MARK_LEN ||
	    memcmp(json_string_value(v), BIG_MARK, BIG_MARK_LEN) != 0)
		return false;
	return hull_parse_u64(json_string_value(v) + BIG_MARK_LEN, out) == 0;
}

int jv_object(json_t *v, const char *path, struct hull_err *err)
{
	return json_is_object(v) ? 0 : jerr(err, path, "expected an object");
}

int jv_array(json_t *v, const char *path, struct hull_err *err)
{
	return json_is_array(v) ? 0 : jerr(err, path, "expected an array");
}

int jv_string(json_t *v, const char *path, char **out, struct hull_err *err)
{
	uint64_t big = 0;
	if (!json_is_string(v) || big_uint(v, &big))
		return jerr(err, path, "expected a string");
	const char *s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return jerr(err, path, "must not contain a NUL byte");
	free(*out);
	*out = hull_xstrdup(s);
	return 0;
}

int jv_bool(json_t *v, const char *path, bool *out, struct hull_err *err)
{
	if (!json_is_boolean(v))
		return jerr(err, path, "expected a boolean");
	*out = json_is_true(v);
	return 0;
}

int jv_i64(json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
	   struct hull_err *err)
{
	uint64_t big = 0;
	if (big_uint(v, &big))
		return jerr(err, path, "must be between %" PRId64 " and %" PRId64, min, max);
	if (!json_is_integer(v))
		return jerr(err, path, "expected an integer");
	int64_t x = json_integer_value(v);
	if (x < min || x > max)
		return jerr(err, path, "must be between %" PRId64 " and %" PRId64, min, max);
	*out = x;
	return 0;
}

int jv_u64(json_t *v, const char *path, uint64_t max, uint64_t *out, struct hull_err *err)
{
	uint64_t x = 0;
	if (!big_uint(v, &x)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return jerr(err, path, "expected a non-negative integer");
		x = (uint64_t)json_integer_value(v);
	}
	if (x > max)
		return jerr(err, path, "must be between 0 and %" PRIu64, max);
	*out = x;
	return 0;
}

int jv_u32(json_t *v, const char *path, uint32_t *out, struct hull_err *err)
{
	uint64_t x = 0;
	int r = jv_u64(v, path, UINT32_MAX, &x, err);
	if (r < 0)
		return r;
	*out = (uint32_t)x;
	return 0;
}

int jv_id(json_t *v, const char *path, uint32_t *out, struct hull_err *err)
{
	uint64_t x = 0;
	int r = jv_u64(v, path, UINT64_MAX, &x, err);
	if (r < 0)
		return r;
	/* setresuid(2) and chown(2) read (uid_t)-1 as "leave it as it is":
	 * uid -1 would run the process as the one that set it up, root. */
	if (x >= UINT32_MAX)
		return jerr(err, path, "%" PRIu64 " is not a valid id (0 to 4294967294; 4294967295 is (uid_t)-1, "
			    "\"unchanged\")", x);
	*out = (uint32_t)x;
	return 0;
}

void spec_strv_free(struct hull_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void spec_kvs_free(struct hull_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++) {
		free(kvs->v[i].key);
		free(kvs->v[i].value);
	}
	free(kvs->v);
	kvs->v = NULL;
	kvs->n = 0;
}

/* Each element is checked by one (e.g. absoluteness); NULL checks nothing. */
static int strv_read(json_t *v, const char *path, struct hull_strv *out,
		     int (*check)(const char *s, const char *path, struct hull_err *err),
		     struct hull_err *err)
{
	if (jv_array(v, path, err) < 0)
		return -EINVAL;
	spec_strv_free(out);
	size_t n = json_array_size(v);
	out->v = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		jpath_t p;
		jp_idx(p, path, i);
		if (jv_string(json_array_get(v, i), p, &out->v[out->n], err) < 0)
			return -EINVAL;
		out->n++;
		if (check && check(out->v[i], p, err) < 0)
			return -EINVAL;
	}
	if (n == 0) {
		free(out->v);
		out->v = NULL;
	}
	return 0;
}

int jv_strv(json_t *v, const char *path, struct hull_strv *out, struct hull_err *err)
{
	return strv_read(v, path, out, NULL, err);
}

static int check_abs(const char *s, const char *path, struct hull_err *err)
{
	return s[0] == '/' ? 0 : jerr(err, path, "must be an absolute path");
}

int jv_abs_path(json_t *v, const char *path, char **out, struct hull_err *err)
{
	if (jv_string(v, path, out, err) < 0)
		return -EINVAL;
	return check_abs(*out, path, err);
}

int jv_abs_paths(json_t *v, const char *path, struct hull_strv *out, struct hull_err *err)
{
	return strv_read(v, path, out, check_abs, err);
}

int jv_kvs(json_t *v, const char *path, struct hull_kvs *out, struct hull_err *err)
{
	if (jv_object(v, path, err) < 0)
		return -EINVAL;
	spec_kvs_free(out);
	out->v = hull_xcalloc(json_object_size(v), sizeof(*out->v));
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		jpath_t p;
		jp_key(p, path, key);
		char *s = NULL;
		if (!*key)
			return jerr(err, path, "a key must not be empty");
		if (jv_string(val, p, &s, err) < 0)
			return -EINVAL;
		out->v[out->n].key = hull_xstrdup(key);
		out->v[out->n].value = s;
		out->n++;
	}
	return 0;
}

int jv_id_maps(json_t *v, const char *path, struct hull_id_maps *out, struct hull_err *err)
{
	if (jv_array(v, path, err) < 0)
		return -EINVAL;
	free(out->v);
	out->n = 0;
	out->v = hull_xcalloc(json_array_size(v), sizeof(*out->v));
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		jpath_t p;
		jp_idx(p, path, i);
		struct hull_id_map *m = &out->v[i];
		if (jv_object(e, p, err) < 0 ||
		    jo_id(e, p, "containerID", true, &m->container_id, err) < 0 ||
		    jo_id(e, p, "hostID", true, &m->host_id, err) < 0 ||
		    jo_u32(e, p, "size", true, &m->size, err) < 0)
			return -EINVAL;
		/* A range may not reach (uid_t)-1 either; the kernel refuses it. */
		if ((uint64_t)m->container_id + m->size > UINT32_MAX || (uint64_t)m->host_id + m->size > UINT32_MAX)
			return jerr(err, p, "containerID or hostID + size reaches 4294967295, (uid_t)-1");
		out->n++;
	}
	return 0;
}

/* The member, or NULL after setting "missing" when required. */
static json_t *member(json_t *obj, const char *parent, const char *key, bool required,
		      jpath_t p, int *r, struct hull_err *err)
{
	jp_key(p, parent, key);
	json_t *v = jget(obj, key);
	*r = v ? 1 : required ? jerr(err, p, "missing") : 0;
	return v;
}

#define JO_READ(call)                                                          \
	do {                                                                   \
		jpath_t p;                                                     \
		int r;                                                         \
		json_t *v = member(obj, parent, key, required, p, &r, err);    \
		if (!v)                                                        \
			return r;                                              \
		return (call) < 0 ? -EINVAL : 1;                               \
	} while (0)

int jo_string(json_t *obj, const char *parent, const char *key, bool required, char **out,
	      struct hull_err *err)
{
	JO_READ(jv_string(v, p, out, err));
}

int jo_bool(json_t *obj, const char *parent, const char *key, bool *out, struct hull_err *err)
{
	const bool required = false;
	JO_READ(jv_bool(v, p, out, err));
}

int jo_i64(json_t *obj, const char *parent, const char *key, bool required, int64_t min,
	   int64_t max, int64_t *out, struct hull_err *err)
{
	JO_READ(jv_i64(v, p, min, max, out, err));
}

int jo_u64(json_t *obj, const char *parent, const char *key, bool required, uint64_t max,
	   uint64_t *out, struct hull_err *err)
{
	JO_READ(jv_u64(v, p, max, out, err));
}

int jo_u32(json_t *obj, const char *parent, const char *key, bool required, uint32_t *out,
	   struct hull_err *err)
{
	JO_READ(jv_u32(v, p, out, err));
}

int jo_id(json_t *obj, const char *parent, const char *key, bool required, uint32_t *out,
	  struct hull_err *err)
{
	JO_READ(jv_id(v, p, out, err));
}

int jo_strv(json_t *obj, const char *parent, const char *key, struct hull_strv *out,
	    struct hull_err *err)
{
	const bool required = false;
	JO_READ(jv_strv(v, p, out, err));
}

int jo_kvs(json_t *obj, const char *parent, const char *key, struct hull_kvs *out,
	   struct hull_err *err)
{
	const bool required = false;
	JO_READ(jv_kvs(v, p, out, err));
}

/* A member that must be an object or an array, returned as is. */
static int jo_container(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
			int (*check)(json_t *, const char *, struct hull_err *), struct hull_err *err)
{
	*out = NULL;
	jpath_t p;
	int r;
	json_t *v = member(obj, parent, key, required, p, &r, err);
	if (!v)
		return r;
	if (check(v, p, err) < 0)
		return -EINVAL;
	*out = v;
	return 1;
}

int jo_object(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
	      struct hull_err *err)
{
	return jo_container(obj, parent, key, required, out, jv_object, err);
}

int jo_array(json_t *obj, const char *parent, const char *key, bool required, json_t **out,
	     struct hull_err *err)
{
	return jo_container(obj, parent, key, required, out, jv_array, err);
}

char *spec_path_join(const char *base, const char *path)
{
	_cleanup_free_ char *full = path[0] == '/' ? hull_xstrdup(path)
						   : hull_xasprintf("%s/%s", base, path);
	char *o = hull_xmalloc(strlen(full) + 2);
	size_t n = 0;
	for (const char *s = full; *s;) {
		if (*s == '/') {
			while (*s == '/')
				s++;
			continue;
		}
		const char *e = strchrnul(s, '/');
		if (!(e - s == 1 && s[0] == '.')) {
			o[n++] = '/';
			memcpy(o + n, s, (size_t)(e - s));
			n += (size_t)(e - s);
		}
		s = e;
	}
	if (n == 0)
		o[n++] = '/';
	o[n] = 0;
	return o;
}
