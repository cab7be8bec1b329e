/* linux.cgroupsPath under the systemd driver: "slice:prefix:name" names a
 * scope unit "prefix-name.scope" in the slice, as runc reads it (docker:
 * "system.slice:docker:ID", the CRI: "kubepods-besteffort-podUID.slice:
 * cri-containerd:ID"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "systemd.h"

#define SLICE_SUFFIX ".slice"
#define UNIT_NAME_MAX 255

/* systemd's unit name characters (unit_name_is_valid). */
static bool unit_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(":-_.\\@", *s)))
			return false;
	return true;
}

int hull_sd_slice_path(const char *slice, char **path, struct hull_err *err)
{
	size_t len = strlen(slice), sl = strlen(SLICE_SUFFIX);
	if (len <= sl || strcmp(slice + len - sl, SLICE_SUFFIX) || strchr(slice, '/') || !unit_chars_ok(slice))
		return hull_errf(err, EINVAL, "%s: not a slice name (\"NAME.slice\", no '/')", HULL_Q(slice));
	_cleanup_free_ char *base = hull_xstrndup(slice, len - sl);
	if (!strcmp(base, "-")) {
		*path = hull_xstrdup("/");
		return 0;
	}
	/* "a-b-c.slice" lives in "a-b.slice", which lives in "a.slice". */
	size_t cap = 2 * (len + sl) * (len + 1), n = 0;
	char *out = hull_xmalloc(cap);
	out[0] = 0;
	for (const char *p = base;;) {
		const char *dash = strchrnul(p, '-');
		if (dash == p) {
			free(out);
			return hull_errf(err, EINVAL, "%s: an empty component in a slice name", HULL_Q(slice));
		}
		n += (size_t)snprintf(out + n, cap - n, "/%.*s%s", (int)(dash - base), base, SLICE_SUFFIX);
		if (!*dash)
			break;
		p = dash + 1;
	}
	*path = out;
	return 0;
}

static int split3(const char *s, char **f)
{
	const char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;
	if (!a || !b || strchr(b + 1, ':'))
		return -EINVAL;
	f[0] = hull_xstrndup(s, (size_t)(a - s));
	f[1] = hull_xstrndup(a + 1, (size_t)(b - a - 1));
	f[2] = hull_xstrdup(b + 1);
	return 0;
}

int hull_sd_unit_parse(const char *cgroups_path, const char *id, struct hull_sd_unit *u,
		       struct hull_err *err)
{
	memset(u, 0, sizeof(*u));
	_cleanup_free_ char *dflt = NULL;
	const char *p = cgroups_path;
	if (!p || !*p)
		p = dflt = hull_xasprintf("system.slice:hull:%s", id ? id : "");
	char *f[3];
	if (split3(p, f) < 0)
		return hull_errf(err, EINVAL, "linux.cgroupsPath: %s: --systemd-cgroup expects \"slice:prefix:name\"",
				 HULL_Q(p));
	_cleanup_free_ char *slice = f[0], *prefix = f[1], *name = f[2];
	if (!*name)
		return hull_errf(err, EINVAL, "linux.cgroupsPath: %s: the name is empty", HULL_Q(p));
	/* runc makes a slice unit of a name ending in .slice; a slice holds no
	 * process of its own, and hull's init must be in its unit. */
	if (strlen(name) > strlen(SLICE_SUFFIX) && !strcmp(name + strlen(name) - strlen(SLICE_SUFFIX), SLICE_SUFFIX))
		return hull_errf(err, ENOTSUP, "linux.cgroupsPath: %s: a slice as the container's unit is not "
				 "supported (hull makes a scope)", HULL_Q(p));
	u->slice = *slice ? steal_ptr(slice) : hull_xstrdup("system.slice");
	u->name = *prefix ? hull_xasprintf("%s-%s.scope", prefix, name) : hull_xasprintf("%s.scope", name);
	_cleanup_free_ char *sp = NULL;
	int r = 0;
	if (strlen(u->name) > UNIT_NAME_MAX || !unit_chars_ok(u->name))
		r = hull_errf(err, EINVAL, "%s: not a valid systemd unit name (letters, digits, \":-_.\\@\", "
			      "at most %d bytes)", HULL_Q(u->name), UNIT_NAME_MAX);
	if (r == 0)
		r = hull_sd_slice_path(u->slice, &sp, err);
	if (r < 0) {
		hull_err_prefix(err, "linux.cgroupsPath: %s", HULL_Q(p));
		hull_sd_unit_free(u);
		return r;
	}
	u->path = hull_xasprintf("%s/%s", strcmp(sp, "/") ? sp : "", u->name);
	return 0;
}

void hull_sd_unit_free(struct hull_sd_unit *u)
{
	free(u->slice);
	free(u->name);
	free(u->path);
	memset(u, 0, sizeof(*u));
}
