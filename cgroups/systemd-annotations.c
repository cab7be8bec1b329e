/* org.systemd.property.NAME annotations, as runc reads them: VALUE is a
 * GVariant text value (runc parses it with godbus's ParseVariant). hull
 * reads the part of that syntax unit properties use: booleans, numbers
 * (bare: int32 or double), type keywords ("uint64 5") and "@t 5"
 * annotations, quoted strings, and arrays of strings. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "systemd.h"

#define ANNOTATION_PREFIX "org.systemd.property."

static const char *const keywords[][2] = {
	{ "boolean", "b" }, { "byte", "y" },   { "int16", "n" },  { "uint16", "q" },  { "int32", "i" },
	{ "uint32", "u" },  { "int64", "x" },  { "uint64", "t" }, { "double", "d" }, { "string", "s" },
};

static const char *skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* 'text' or "text" with backslash escapes; *s moves past it. */
static char *parse_string(const char **s)
{
	char q = **s, *out = hull_xmalloc(strlen(*s) + 1), *o = out;
	const char *p = *s + 1;
	for (; *p && *p != q; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			*o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else {
			*o++ = *p;
		}
	}
	if (*p != q) {
		free(out);
		return NULL;
	}
	*o = 0;
	*s = p + 1;
	return out;
}

static int parse_array(const char **s, struct hull_sd_prop *p)
{
	const char *c = skip_ws(*s + 1);
	snprintf(p->type, sizeof(p->type), "as");
	while (*c != ']') {
		if (*c != '\'' && *c != '"')
			return -EINVAL;
		char *v = parse_string(&c);
		if (!v)
			return -EINVAL;
		p->strv = hull_xrealloc(p->strv, (p->n_strv + 1) * sizeof(char *));
		p->strv[p->n_strv++] = v;
		c = skip_ws(c);
		if (*c == ',')
			c = skip_ws(c + 1);
		else if (*c != ']')
			return -EINVAL;
	}
	*s = c + 1;
	return 0;
}

/* A bare literal: its own type (int32 for integers, as GVariant). */
static int parse_literal(const char **s, struct hull_sd_prop *p)
{
	const char *c = *s;
	if (*c == '\'' || *c == '"') {
		snprintf(p->type, sizeof(p->type), "s");
		return (p->s = parse_string(s)) ? 0 : -EINVAL;
	}
	if (*c == '[')
		return parse_array(s, p);
	if (!strncmp(c, "true", 4) || !strncmp(c, "false", 5)) {
		snprintf(p->type, sizeof(p->type), "b");
		p->u = *c == 't';
		*s = c + (*c == 't' ? 4 : 5);
		return 0;
	}
	char *end;
	errno = 0;
	long long i = strtoll(c, &end, 0);
	if (end != c && !errno && (!*end || !strchr(".eE", *end))) {
		snprintf(p->type, sizeof(p->type), "x");
		p->i = i;
		*s = end;
		return 1;	/* an integer: the caller picks its width */
	}
	if (end != c && errno == ERANGE && *c != '-') {
		/* Beyond int64: a uint64 (the only type it fits). */
		errno = 0;
		unsigned long long u = strtoull(c, &end, 0);
		if (errno || (*end && strchr(".eE", *end)))
			return -ERANGE;
		snprintf(p->type, sizeof(p->type), "t");
		p->u = u;
		*s = end;
		return 0;
	}
	errno = 0;
	double d = strtod(c, &end);
	if (end == c || errno)
		return -EINVAL;
	snprintf(p->type, sizeof(p->type), "d");
	p->d = d;
	*s = end;
	return 0;
}

/* Casts an integer literal (in p->i) to the type wanted, within its range. */
static int cast_integer(struct hull_sd_prop *p, const char *want)
{
	static const struct { char t; long long min; unsigned long long max; } ranges[] = {
		{ 'y', 0, 255 }, { 'n', -32768, 32767 }, { 'q', 0, 65535 }, { 'i', INT32_MIN, INT32_MAX },
		{ 'u', 0, UINT32_MAX }, { 'x', INT64_MIN, INT64_MAX }, { 't', 0, UINT64_MAX },
	};
	if (want[0] == 'd') {
		p->d = (double)p->i;
		snprintf(p->type, sizeof(p->type), "d");
		return 0;
	}
	for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++) {
		if (ranges[k].t != want[0] || want[1])
			continue;
		if (p->i < ranges[k].min || (p->i > 0 && (unsigned long long)p->i > ranges[k].max))
			return -ERANGE;
		snprintf(p->type, sizeof(p->type), "%s", want);
		if (strchr("yqut", want[0]))
			p->u = (uint64_t)p->i;
		return 0;
	}
	return -EINVAL;
}

static const char *type_prefix(const char **s)
{
	const char *c = *s;
	if (*c == '@') {
		for (const char *t = "as\0b\0y\0n\0q\0i\0u\0x\0t\0d\0s\0"; *t; t += strlen(t) + 1)
			if (!strncmp(c + 1, t, strlen(t)) && isspace((unsigned char)c[1 + strlen(t)])) {
				*s = skip_ws(c + 1 + strlen(t));
				return t;
			}
		return NULL;
	}
	for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		size_t n = strlen(keywords[k][0]);
		if (!strncmp(c, keywords[k][0], n) && isspace((unsigned char)c[n])) {
			*s = skip_ws(c + n);
			return keywords[k][1];
		}
	}
	return "";
}

int hull_sd_parse_variant(const char *text, struct hull_sd_prop *p, struct hull_err *err)
{
	const char *s = skip_ws(text);
	const char *want = type_prefix(&s);
	int r = want ? parse_literal(&s, p) : -EINVAL;
	if (r == 1)
		r = cast_integer(p, *want ? want : "i");
	else if (r == 0 && *want && strcmp(want, p->type))
		r = -EINVAL;
	if (r == 0 && *skip_ws(s))
		r = -EINVAL;
	if (r < 0)
		return hull_errf(err, EINVAL, "%s: %s", HULL_Q(text),
				 r == -ERANGE ? "out of the range of its type"
					      : "not a GVariant value hull reads (true, 'text', 5, uint64 5, @t 5, "
						"1.5, ['a', 'b'])");
	return 0;
}

/* runc's Sec to USec: "TimeoutStopSec" = 5 is TimeoutStopUSec = 5000000. */
static int sec_to_usec(struct hull_sd_prop *p)
{
	double v;
	if (strchr("yqut", p->type[0]) && !p->type[1])
		v = (double)p->u;
	else if (strchr("nix", p->type[0]) && !p->type[1])
		v = p->i < 0 ? -1 : (double)p->i;
	else if (!strcmp(p->type, "d"))
		v = p->d;
	else
		return -EINVAL;
	if (v < 0 || v * 1e6 >= 18446744073709551615.0 || isnan(v))
		return -ERANGE;
	p->u = (uint64_t)(v * 1e6);
	snprintf(p->type, sizeof(p->type), "t");
	return 0;
}

static bool name_ok(const char *n)
{
	if (strlen(n) < 3)
		return false;
	for (; *n; n++)
		if (!isalpha((unsigned char)*n) || !isascii((unsigned char)*n))
			return false;
	return true;
}

static int one_annotation(struct hull_sd_props *props, const struct hull_kv *kv, struct hull_err *err)
{
	_cleanup_free_ char *name = hull_xstrdup(kv->key + strlen(ANNOTATION_PREFIX));
	if (!name_ok(name))
		return hull_errf(err, EINVAL, "annotations.%s: not a systemd property name (ASCII letters)", kv->key);
	/* The unit's place is linux.cgroupsPath's and its process is hull's. */
	if (!strcmp(name, "PIDs") || !strcmp(name, "Slice"))
		return hull_errf(err, EINVAL, "annotations.%s: hull sets %s itself (linux.cgroupsPath, the "
				 "container's init)", kv->key, name);
	struct hull_sd_prop v = { 0 };
	int r = hull_sd_parse_variant(kv->value, &v, err);
	size_t n = strlen(name);
	if (r == 0 && n > 3 && !strcmp(name + n - 3, "Sec") && islower((unsigned char)name[n - 4])) {
		name[n - 3] = 0;
		char *u = hull_xasprintf("%sUSec", name);
		free(name);
		name = u;
		if (sec_to_usec(&v) < 0)
			r = hull_errf(err, EINVAL, "%s: not a number of seconds", HULL_Q(kv->value));
	}
	if (r < 0) {
		hull_err_prefix(err, "annotations.%s", kv->key);
		free(v.s);
		for (size_t i = 0; i < v.n_strv; i++)
			free(v.strv[i]);
		free(v.strv);
		return r;
	}
	struct hull_sd_prop *q = hull_sd_props_add(props, name, v.type);
	char *keep = q->name;
	*q = v;
	q->name = keep;
	return 0;
}

int hull_sd_props_annotations(struct hull_sd_props *p, const struct hull_kvs *annotations,
			      struct hull_err *err)
{
	for (size_t i = 0; annotations && i < annotations->n; i++) {
		if (strncmp(annotations->v[i].key, ANNOTATION_PREFIX, strlen(ANNOTATION_PREFIX)))
			continue;
		int r = one_annotation(p, &annotations->v[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
