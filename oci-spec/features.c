/* `hull features`: what this build of hull implements (runtime-spec features.md). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/capability.h>

#include "parse.h"
#include "../runtime/cleanup.h"
#include "../runtime/util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *mount_options(void)
{
	size_t n = spec_n_mount_option_names;
	_cleanup_free_ const char **v = hull_xcalloc(n, sizeof(*v));
	memcpy(v, spec_mount_option_names, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* The capabilities hull's headers know, by their runtime-spec names. */
static json_t *capabilities(void)
{
	json_t *a = json_array();
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		char *name = cap_to_name(c);
		if (!name)
			continue;
		_cleanup_free_ char *up = hull_xstrdup(name);
		cap_free(name);
		for (char *p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		json_array_append_new(a, json_string(up));
	}
	return a;
}

static json_t *hooks(void)
{
	json_t *a = json_array();
	for (int k = 0; k < HULL_HOOK_KINDS; k++)
		json_array_append_new(a, json_string(hull_hook_kind_name(k)));
	return a;
}

char *hull_features_json(const char *version)
{
	/* user and time namespaces arrive with their own work. */
	_cleanup_json_ json_t *top = json_pack(
		"{s:s, s:s, s:o, s:o, s:{s:[s,s,s,s,s,s], s:o, s:{s:b, s:b, s:b, s:b, s:b}, "
		"s:{s:b}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:{s:s}}",
		"ociVersionMin", "1.0.0",
		"ociVersionMax", "1.3.0",
		"hooks", hooks(),
		"mountOptions", mount_options(),
		"linux",
		"namespaces", "cgroup", "ipc", "mount", "network", "pid", "uts",
		"capabilities", capabilities(),
		"cgroup", "v1", 1, "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 0,
		"seccomp", "enabled", 0,
		"apparmor", "enabled", 0,
		"selinux", "enabled", 0,
		"intelRdt", "enabled", 0,
		"mountExtensions", "idmap", "enabled", 0,
		"annotations", "org.hull.version", version);
	return top ? json_dumps(top, JSON_INDENT(2)) : NULL;
}
