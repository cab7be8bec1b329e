/* `hull features`: what this build of hull implements (runtime-spec
 * features.md), read from the tables the parser and the cgroup writers
 * use, so that the document cannot claim what the code does not do. */
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/capability.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../cgroups/cgroups.h"
#include "../oci-spec/parse.h"
#include "features.h"
#include "lsm.h"
#include "seccomp.h"

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

static json_t *strv(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* libseccomp's architectures, by their runtime-spec names. */
static json_t *seccomp_archs(void)
{
	static const char *const names[] = {
		"aarch64", "arm", "loongarch64", "m68k", "mips", "mips64", "mips64n32", "mipsel",
		"mipsel64", "mipsel64n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64le",
		"riscv64", "s390", "s390x", "sh", "sheb", "x32", "x86", "x86_64", NULL,
	};
	json_t *a = json_array();
	for (const char *const *n = names; *n; n++) {
		if (!seccomp_arch_resolve_name(*n))
			continue;
		char up[32] = "SCMP_ARCH_";
		size_t k = strlen(up);
		for (const char *p = *n; *p && k < sizeof(up) - 1; p++)
			up[k++] = (char)toupper((unsigned char)*p);
		up[k] = 0;
		json_array_append_new(a, json_string(up));
	}
	return a;
}

/* Whether this kernel takes a filter flag: hull loads the filter with
 * seccomp(2) itself, so the kernel, not libseccomp, decides. A NULL
 * program makes a known flag fail with EFAULT (nothing is installed) and an
 * unknown one with EINVAL; WAIT_KILLABLE_RECV is valid only with
 * NEW_LISTENER. */
static bool kernel_takes(unsigned flag)
{
	if (flag == HULL_SECCOMP_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static json_t *seccomp(void)
{
	json_t *known = json_array(), *supported = json_array();
	for (const struct hull_seccomp_flag *f = hull_seccomp_flags; f->name; f++) {
		json_array_append_new(known, json_string(f->name));
		if (kernel_takes(f->flag))
			json_array_append_new(supported, json_string(f->name));
	}
	return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1,
			 "actions", strv(spec_seccomp_actions),
			 "operators", strv(spec_seccomp_operators),
			 "archs", seccomp_archs(),
			 "knownFlags", known,
			 "supportedFlags", supported);
}

static json_t *namespaces(void)
{
	json_t *a = json_array();
	for (int t = 0; t < HULL_NS_TYPES; t++)
		json_array_append_new(a, json_string(hull_ns_type_name(t)));
	return a;
}

/* runtime-spec features-linux.md, the linux object. */
static json_t *linux_features(void)
{
	return json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, "
			 "s:{s:o, s:o}, s:{s:b, s:b, s:b}, s:{s:{s:b}}, s:{s:b}}",
			 "namespaces", namespaces(),
			 "capabilities", capabilities(),
			 "cgroup", "v1", 1, "v2", 1, "systemd", 1, "systemdUser", 0,
			 "rdma", hull_cgroup_controller_known("rdma"),
			 "seccomp", seccomp(),
			 "apparmor", "enabled", hull_apparmor_enabled(),
			 "selinux", "enabled", hull_selinux_enabled(),
			 "memoryPolicy", "modes", strv(spec_mpol_modes), "flags", strv(spec_mpol_flags),
			 "intelRdt", "enabled", 1, "schemata", 1, "monitoring", 1,
			 "mountExtensions", "idmap", "enabled", 1,
			 "netDevices", "enabled", 1);
}

/* hull's own, and the unit properties the systemd driver hands to systemd
 * (--systemd-cgroup), as runc lists them. */
static json_t *unsafe_annotations(void)
{
	json_t *a = strv(spec_hull_annotations);
	json_array_append_new(a, json_string("org.systemd.property."));
	return a;
}

char *hull_features_json(const char *version)
{
	_cleanup_json_ json_t *top = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s}, s:o}",
					       "ociVersionMin", "1.0.0",
					       "ociVersionMax", "1.3.0",
					       "hooks", hooks(),
					       "mountOptions", mount_options(),
					       "linux", linux_features(),
					       "annotations", "org.hull.version", version,
					       "potentiallyUnsafeConfigAnnotations", unsafe_annotations());
	return top ? json_dumps(top, JSON_INDENT(2)) : NULL;
}
