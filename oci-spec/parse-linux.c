/* config.json: linux (all but resources and seccomp). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "parse.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const struct {
	const char *name;
	int flag;
} ns_types[HULL_NS_TYPES] = {
	[HULL_NS_PID] = { "pid", CLONE_NEWPID },
	[HULL_NS_NETWORK] = { "network", CLONE_NEWNET },
	[HULL_NS_MOUNT] = { "mount", CLONE_NEWNS },
	[HULL_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[HULL_NS_UTS] = { "uts", CLONE_NEWUTS },
	[HULL_NS_USER] = { "user", CLONE_NEWUSER },
	[HULL_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[HULL_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *hull_ns_type_name(enum hull_ns_type type)
{
	return (unsigned)type < HULL_NS_TYPES ? ns_types[type].name : NULL;
}

int hull_ns_type_flag(enum hull_ns_type type)
{
	return (unsigned)type < HULL_NS_TYPES ? ns_types[type].flag : 0;
}

static int parse_namespaces(json_t *a, struct hull_linux *l, struct hull_err *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		jpath_t p, tp;
		char *type = NULL;
		jp_idx(p, "linux.namespaces", i);
		jp_key(tp, p, "type");
		if (jv_object(v, p, err) < 0 || jo_string(v, p, "type", true, &type, err) < 0)
			return -EINVAL;
		int t = 0;
		while (t < HULL_NS_TYPES && strcmp(ns_types[t].name, type) != 0)
			t++;
		if (t == HULL_NS_TYPES) {
			int r = jerr(err, tp, "unknown namespace type %s", type);
			free(type);
			return r;
		}
		free(type);
		struct hull_namespace *ns = &l->ns[t];
		if (ns->present)
			return jerr(err, tp, "duplicate namespace %s", ns_types[t].name);
		ns->present = true;
		ns->index = (unsigned)i;
		json_t *path = jget(v, "path");
		if (path) {
			jpath_t pp;
			jp_key(pp, p, "path");
			if (jv_abs_path(path, pp, &ns->path, err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

static int parse_time_offsets(json_t *o, struct hull_linux *l, struct hull_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		jpath_t p;
		jp_key(p, "linux.timeOffsets", key);
		struct hull_time_offset *t;
		if (strcmp(key, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(key, "boottime") == 0)
			t = &l->time_boottime;
		else
			return jerr(err, p, "unknown clock (expected monotonic or boottime)");
		uint32_t ns = 0;
		if (jv_object(v, p, err) < 0 ||
		    jo_i64(v, p, "secs", false, INT64_MIN, INT64_MAX, &t->secs, err) < 0 ||
		    jo_u32(v, p, "nanosecs", false, &ns, err) < 0)
			return -EINVAL;
		if (ns > 999999999) {
			jpath_t np;
			jp_key(np, p, "nanosecs");
			return jerr(err, np, "must be between 0 and 999999999");
		}
		t->nanosecs = ns;
		t->set = true;
	}
	return 0;
}

static int parse_device(json_t *v, const char *p, struct hull_device *d, struct hull_err *err)
{
	jpath_t tp;
	char *type = NULL;
	uint32_t x;
	int r;
	jp_key(tp, p, "type");
	if (jv_object(v, p, err) < 0)
		return -EINVAL;
	if ((r = jo_string(v, p, "path", true, &d->path, err)) < 0)
		return r;
	if (d->path[0] != '/') {
		jpath_t pp;
		jp_key(pp, p, "path");
		return jerr(err, pp, "must be an absolute path");
	}
	if (jo_string(v, p, "type", true, &type, err) < 0)
		return -EINVAL;
	bool ok = strlen(type) == 1 && strchr("cbup", type[0]);
	d->type = type[0];
	if (!ok) {
		r = jerr(err, tp, "unknown device type %s", type);
		free(type);
		return r;
	}
	free(type);
	bool need = d->type != 'p';
	d->major = d->minor = -1;
	if (jo_i64(v, p, "major", need, 0, INT64_MAX, &d->major, err) < 0 ||
	    jo_i64(v, p, "minor", need, 0, INT64_MAX, &d->minor, err) < 0)
		return -EINVAL;
	if ((r = jo_u32(v, p, "fileMode", false, &x, err)) < 0)
		return r;
	if (r) {
		d->has_file_mode = true;
		d->file_mode = x;
	}
	if ((r = jo_id(v, p, "uid", false, &x, err)) < 0)
		return r;
	if (r) {
		d->has_uid = true;
		d->uid = x;
	}
	if ((r = jo_id(v, p, "gid", false, &x, err)) < 0)
		return r;
	if (r) {
		d->has_gid = true;
		d->gid = x;
	}
	return 0;
}

static int parse_net_devices(json_t *o, struct hull_linux *l, struct hull_err *err)
{
	const char *key;
	json_t *v;
	l->net_devices = hull_xcalloc(json_object_size(o), sizeof(*l->net_devices));
	json_object_foreach(o, key, v) {
		jpath_t p;
		jp_key(p, "linux.netDevices", key);
		if (!*key)
			return jerr(err, "linux.netDevices", "a host interface name must not be empty");
		struct hull_net_device *d = &l->net_devices[l->n_net_devices++];
		d->host_name = hull_xstrdup(key);
		if (jv_object(v, p, err) < 0 || jo_string(v, p, "name", false, &d->name, err) < 0)
			return -EINVAL;
		if (!d->name)
			d->name = hull_xstrdup(key);
	}
	return 0;
}

static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };

const char *const spec_mpol_modes[] = {
	"MPOL_DEFAULT",	  "MPOL_BIND",		 "MPOL_INTERLEAVE",	"MPOL_WEIGHTED_INTERLEAVE",
	"MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",		NULL,
};

const char *const spec_mpol_flags[] = {
	"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES", NULL,
};

static bool in(const char *const *names, const char *s)
{
	for (; *names; names++)
		if (strcmp(*names, s) == 0)
			return true;
	return false;
}

static int parse_personality(json_t *o, struct hull_linux *l, struct hull_err *err)
{
	const char *p = "linux.personality";
	l->has_personality = true;
	if (jo_string(o, p, "domain", true, &l->personality_domain, err) < 0 ||
	    jo_strv(o, p, "flags", &l->personality_flags, err) < 0)
		return -EINVAL;
	if (!in(personality_domains, l->personality_domain))
		return jerr(err, "linux.personality.domain", "unknown domain %s",
			    l->personality_domain);
	return 0;
}

static int parse_memory_policy(json_t *o, struct hull_linux *l, struct hull_err *err)
{
	const char *p = "linux.memoryPolicy";
	l->has_memory_policy = true;
	if (jo_string(o, p, "mode", true, &l->memory_policy_mode, err) < 0 ||
	    jo_string(o, p, "nodes", false, &l->memory_policy_nodes, err) < 0 ||
	    jo_strv(o, p, "flags", &l->memory_policy_flags, err) < 0)
		return -EINVAL;
	if (!in(spec_mpol_modes, l->memory_policy_mode))
		return jerr(err, "linux.memoryPolicy.mode", "unknown mode %s", l->memory_policy_mode);
	for (size_t i = 0; i < l->memory_policy_flags.n; i++) {
		if (!in(spec_mpol_flags, l->memory_policy_flags.v[i])) {
			jpath_t fp;
			jp_idx(fp, "linux.memoryPolicy.flags", i);
			return jerr(err, fp, "unknown flag %s", l->memory_policy_flags.v[i]);
		}
	}
	return 0;
}

static int parse_intel_rdt(json_t *o, struct hull_linux *l, struct hull_err *err)
{
	const char *p = "linux.intelRdt";
	if (jo_string(o, p, "closID", false, &l->rdt_clos_id, err) < 0 ||
	    jo_string(o, p, "l3CacheSchema", false, &l->rdt_l3_cache_schema, err) < 0 ||
	    jo_string(o, p, "memBwSchema", false, &l->rdt_mem_bw_schema, err) < 0 ||
	    jo_strv(o, p, "schemata", &l->rdt_schemata, err) < 0 ||
	    jo_bool(o, p, "enableMonitoring", &l->rdt_enable_monitoring, err) < 0)
		return -EINVAL;
	const char *id = l->rdt_clos_id;
	/* "/" is the default CLOS, the root of resctrl */
	if (id && strcmp(id, "/") && (!*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, "..")))
		return jerr(err, "linux.intelRdt.closID", "\"%s\": not a resctrl group name", id);
	if (l->rdt_mem_bw_schema && *l->rdt_mem_bw_schema && strncmp(l->rdt_mem_bw_schema, "MB:", 3))
		return jerr(err, "linux.intelRdt.memBwSchema", "must start with MB:");
	if ((l->rdt_l3_cache_schema && strchr(l->rdt_l3_cache_schema, '\n')) ||
	    (l->rdt_mem_bw_schema && strchr(l->rdt_mem_bw_schema, '\n')))
		return jerr(err, "linux.intelRdt", "a schema must not contain a newline");
	for (size_t i = 0; i < l->rdt_schemata.n; i++)
		if (strchr(l->rdt_schemata.v[i], '\n'))
			return jerr(err, "linux.intelRdt.schemata", "[%zu] must not contain a newline", i);
	return 0;
}

int spec_parse_linux(json_t *lo, struct hull_linux *l, struct hull_err *err)
{
	const char *P = "linux";
	json_t *v;
	int r;

	if ((r = jo_array(lo, P, "namespaces", false, &v, err)) < 0)
		return r;
	if (v && parse_namespaces(v, l, err) < 0)
		return -EINVAL;
	if ((r = jo_array(lo, P, "uidMappings", false, &v, err)) < 0)
		return r;
	if (v && jv_id_maps(v, "linux.uidMappings", &l->uid_mappings, err) < 0)
		return -EINVAL;
	if ((r = jo_array(lo, P, "gidMappings", false, &v, err)) < 0)
		return r;
	if (v && jv_id_maps(v, "linux.gidMappings", &l->gid_mappings, err) < 0)
		return -EINVAL;
	if ((r = jo_object(lo, P, "timeOffsets", false, &v, err)) < 0)
		return r;
	if (v && parse_time_offsets(v, l, err) < 0)
		return -EINVAL;

	if ((r = jo_array(lo, P, "devices", false, &v, err)) < 0)
		return r;
	if (v) {
		size_t i;
		json_t *d;
		l->devices = hull_xcalloc(json_array_size(v), sizeof(*l->devices));
		json_array_foreach(v, i, d) {
			jpath_t p;
			jp_idx(p, "linux.devices", i);
			l->n_devices++;
			if (parse_device(d, p, &l->devices[i], err) < 0)
				return -EINVAL;
		}
	}
	if ((r = jo_object(lo, P, "netDevices", false, &v, err)) < 0)
		return r;
	if (v && parse_net_devices(v, l, err) < 0)
		return -EINVAL;
	if (jo_string(lo, P, "cgroupsPath", false, &l->cgroups_path, err) < 0)
		return -EINVAL;
	if ((r = jo_object(lo, P, "resources", false, &v, err)) < 0)
		return r;
	if (v && spec_parse_resources(v, "linux.resources", &l->resources, err) < 0)
		return -EINVAL;

	if ((r = jo_string(lo, P, "rootfsPropagation", false, &l->rootfs_propagation, err)) < 0)
		return r;
	/* "" is Go's zero value: no propagation change, as runc reads it. */
	if (r && *l->rootfs_propagation &&
	    !spec_propagation_flags(l->rootfs_propagation, &l->rootfs_propagation_flags))
		return jerr(err, "linux.rootfsPropagation", "unknown propagation %s",
			    l->rootfs_propagation);

	if ((r = jo_object(lo, P, "seccomp", false, &v, err)) < 0)
		return r;
	if (v && spec_parse_seccomp(v, "linux.seccomp", &l->seccomp, err) < 0)
		return -EINVAL;
	if (jo_kvs(lo, P, "sysctl", &l->sysctl, err) < 0)
		return -EINVAL;
	if ((v = jget(lo, "maskedPaths")) &&
	    jv_abs_paths(v, "linux.maskedPaths", &l->masked_paths, err) < 0)
		return -EINVAL;
	if ((v = jget(lo, "readonlyPaths")) &&
	    jv_abs_paths(v, "linux.readonlyPaths", &l->readonly_paths, err) < 0)
		return -EINVAL;
	if (jo_string(lo, P, "mountLabel", false, &l->mount_label, err) < 0)
		return -EINVAL;
	if ((r = jo_object(lo, P, "intelRdt", false, &v, err)) < 0)
		return r;
	l->has_intel_rdt = v != NULL;
	if (v && parse_intel_rdt(v, l, err) < 0)
		return -EINVAL;
	if ((r = jo_object(lo, P, "personality", false, &v, err)) < 0)
		return r;
	if (v && parse_personality(v, l, err) < 0)
		return -EINVAL;
	if ((r = jo_object(lo, P, "memoryPolicy", false, &v, err)) < 0)
		return r;
	if (v && parse_memory_policy(v, l, err) < 0)
		return -EINVAL;
	return 0;
}
