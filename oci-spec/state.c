/* state.json (hull's own record) and the state JSON hull shows the world. */
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "json-util.h"
#include "state.h"

void hull_state_file_free(struct hull_state_file *st)
{
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	spec_kvs_free(&st->annotations);
	free(st->cgroup);
	free(st->net_host_ifname);
	free(st->net_bridge);
	for (size_t i = 0; i < st->n_net_devices; i++)
		hull_state_netdev_free(&st->net_devices[i]);
	free(st->net_devices);
	st->net_devices = NULL;
	st->n_net_devices = 0;
	st->oci_version = st->id = st->bundle = st->rootfs = st->cgroup = NULL;
	st->net_host_ifname = st->net_bridge = NULL;
}

void hull_state_netdev_free(struct hull_state_netdev *d)
{
	free(d->host_name);
	free(d->name);
	for (size_t i = 0; i < d->n_addresses; i++)
		free(d->addresses[i]);
	free(d->addresses);
	memset(d, 0, sizeof(*d));
}

static json_t *kvs_object(const struct hull_kvs *kvs)
{
	json_t *o = json_object();
	for (size_t i = 0; i < kvs->n; i++)
		json_object_set_new(o, kvs->v[i].key, json_string(kvs->v[i].value));
	return o;
}

/* json_string(NULL) is NULL, which json_pack refuses: absent strings are "". */
static const char *s_or_empty(const char *s) { return s ? s : ""; }

static json_t *net_object(const struct hull_state_file *st)
{
	json_t *devs = json_array();
	for (size_t i = 0; i < st->n_net_devices; i++) {
		const struct hull_state_netdev *d = &st->net_devices[i];
		json_t *addrs = json_array();
		for (size_t j = 0; j < d->n_addresses; j++)
			json_array_append_new(addrs, json_string(d->addresses[j]));
		json_array_append_new(devs, json_pack("{s:s, s:s, s:b, s:o, s:i}",
			"hostName", d->host_name, "name", d->name, "up", d->up,
			"addresses", addrs, "index", d->index));
	}
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:o}",
		"hostIfname", s_or_empty(st->net_host_ifname),
		"bridge", s_or_empty(st->net_bridge),
		"bridgeCreated", st->net_bridge_created,
		"removeEmpty", st->net_remove_empty,
		"netnsPinned", st->net_netns_pinned,
		"devices", devs);
}

char *hull_state_file_dump(const struct hull_state_file *st)
{
	_cleanup_json_ json_t *o = json_pack(
		"{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:b, s:b}",
		"ociVersion", s_or_empty(st->oci_version),
		"id", s_or_empty(st->id),
		"pid", (json_int_t)st->pid,
		"pidStartTime", (json_int_t)st->pid_start_time,
		"bundle", s_or_empty(st->bundle),
		"rootfs", s_or_empty(st->rootfs),
		"createdSec", (json_int_t)st->created_sec,
		"createdNsec", (json_int_t)st->created_nsec,
		"owner", (json_int_t)st->owner,
		"annotations", kvs_object(&st->annotations),
		"cgroup", st->cgroup ? json_string(st->cgroup) : json_null(),
		"detachedInit", st->detached_init,
		"systemdCgroup", st->systemd_cgroup);
	if (o && st->has_hooks)
		json_object_set_new(o, "hooks", json_integer(st->hooks));
	if (o && (st->net_host_ifname || st->net_bridge || st->net_bridge_created || st->net_remove_empty ||
		  st->net_netns_pinned || st->n_net_devices))
		json_object_set_new(o, "net", net_object(st));
	return o ? json_dumps(o, JSON_INDENT(2)) : NULL;
}

static int parse_netdev(json_t *o, const char *p, struct hull_state_netdev *d,
			struct hull_err *err)
{
	int64_t index = 0;
	json_t *addrs;
	if (jv_object(o, p, err) < 0 ||
	    jo_string(o, p, "hostName", true, &d->host_name, err) < 0 ||
	    jo_string(o, p, "name", true, &d->name, err) < 0 ||
	    jo_bool(o, p, "up", &d->up, err) < 0 ||
	    jo_i64(o, p, "index", false, 0, INT32_MAX, &index, err) < 0 ||
	    jo_array(o, p, "addresses", false, &addrs, err) < 0)
		return -EINVAL;
	d->index = (int)index;
	size_t n = addrs ? json_array_size(addrs) : 0;
	d->addresses = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t j = 0; j < n; j++) {
		json_t *a = json_array_get(addrs, j);
		if (!json_is_string(a))
			return jerr(err, p, "addresses: expected strings");
		d->addresses[d->n_addresses++] = hull_xstrdup(json_string_value(a));
	}
	return 0;
}

static int parse_net(json_t *net, struct hull_state_file *st, struct hull_err *err)
{
	json_t *devs;
	if (jo_string(net, "net", "hostIfname", false, &st->net_host_ifname, err) < 0 ||
	    jo_string(net, "net", "bridge", false, &st->net_bridge, err) < 0 ||
	    jo_bool(net, "net", "bridgeCreated", &st->net_bridge_created, err) < 0 ||
	    jo_bool(net, "net", "removeEmpty", &st->net_remove_empty, err) < 0 ||
	    jo_bool(net, "net", "netnsPinned", &st->net_netns_pinned, err) < 0 ||
	    jo_array(net, "net", "devices", false, &devs, err) < 0)
		return -EINVAL;
	/* "" is how the dump writes an absent name. */
	if (st->net_host_ifname && !*st->net_host_ifname) {
		free(st->net_host_ifname);
		st->net_host_ifname = NULL;
	}
	if (st->net_bridge && !*st->net_bridge) {
		free(st->net_bridge);
		st->net_bridge = NULL;
	}
	size_t n = devs ? json_array_size(devs) : 0;
	st->net_devices = hull_xcalloc(n ? n : 1, sizeof(*st->net_devices));
	for (size_t i = 0; i < n; i++) {
		jpath_t p;
		jp_idx(p, "net.devices", i);
		st->n_net_devices++;
		if (parse_netdev(json_array_get(devs, i), p, &st->net_devices[i], err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_state(json_t *o, struct hull_state_file *st, struct hull_err *err)
{
	int64_t x;
	uint32_t u;
	if (jv_object(o, "", err) < 0 ||
	    jo_string(o, "", "ociVersion", true, &st->oci_version, err) < 0 ||
	    jo_string(o, "", "id", true, &st->id, err) < 0 ||
	    jo_i64(o, "", "pid", true, 0, INT32_MAX, &x, err) < 0)
		return -EINVAL;
	st->pid = (pid_t)x;
	/* The dump writes a JSON integer (int64): no more is ever a start time. */
	if (jo_u64(o, "", "pidStartTime", false, INT64_MAX, &st->pid_start_time, err) < 0 ||
	    jo_string(o, "", "bundle", true, &st->bundle, err) < 0 ||
	    jo_string(o, "", "rootfs", true, &st->rootfs, err) < 0 ||
	    jo_i64(o, "", "createdSec", true, INT64_MIN, INT64_MAX, &st->created_sec, err) < 0)
		return -EINVAL;
	x = 0;
	if (jo_i64(o, "", "createdNsec", false, 0, 999999999, &x, err) < 0)
		return -EINVAL;
	st->created_nsec = (int32_t)x;
	if (jo_u32(o, "", "owner", true, &u, err) < 0)
		return -EINVAL;
	st->owner = u;
	if (jo_kvs(o, "", "annotations", &st->annotations, err) < 0 ||
	    jo_string(o, "", "cgroup", false, &st->cgroup, err) < 0 ||
	    jo_bool(o, "", "detachedInit", &st->detached_init, err) < 0 ||
	    jo_bool(o, "", "systemdCgroup", &st->systemd_cgroup, err) < 0)
		return -EINVAL;
	/* Absent in older state files: then hooks are looked up in config.json. */
	uint64_t hooks = 0;
	int rh = jo_u64(o, "", "hooks", false, (1u << HULL_HOOK_KINDS) - 1, &hooks, err);
	if (rh < 0)
		return -EINVAL;
	st->has_hooks = rh > 0;
	st->hooks = (unsigned)hooks;
	/* Absent in state files of hull versions before bridge mode. */
	json_t *net;
	if (jo_object(o, "", "net", false, &net, err) < 0)
		return -EINVAL;
	return net ? parse_net(net, st, err) : 0;
}

int hull_state_file_parse(const char *buf, size_t len, struct hull_state_file *out,
			  struct hull_err *err)
{
	_cleanup_json_ json_t *o = NULL;
	memset(out, 0, sizeof(*out));
	int r = jload(buf, len, &o, err);
	if (r == 0)
		r = parse_state(o, out, err);
	if (r < 0) {
		hull_state_file_free(out);
		memset(out, 0, sizeof(*out));
		hull_err_prefix(err, "state.json");
	}
	return r;
}

char *hull_state_owner_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t n = sz > 0 ? (size_t)sz : 16384;
	_cleanup_free_ char *buf = hull_xmalloc(n);
	if (getpwuid_r(uid, &pw, buf, n, &res) == 0 && res)
		return hull_xstrdup(res->pw_name);
	return hull_xasprintf("#%u", (unsigned)uid);
}

static json_t *state_object(const struct hull_state_file *st, const char *status)
{
	char created[40];
	_cleanup_free_ char *owner = hull_state_owner_name(st->owner);
	hull_format_rfc3339(st->created_sec, st->created_nsec, created);
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(s_or_empty(st->oci_version)));
	json_object_set_new(o, "id", json_string(s_or_empty(st->id)));
	if (!(st->pid == 0 && strcmp(status, "stopped") == 0))
		json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "bundle", json_string(s_or_empty(st->bundle)));
	json_object_set_new(o, "rootfs", json_string(s_or_empty(st->rootfs)));
	json_object_set_new(o, "created", json_string(created));
	json_object_set_new(o, "owner", json_string(owner));
	if (st->annotations.n)
		json_object_set_new(o, "annotations", kvs_object(&st->annotations));
	return o;
}

char *hull_state_json(const struct hull_state_file *st, const char *status, bool pretty)
{
	_cleanup_json_ json_t *o = state_object(st, status);
	return json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT);
}

char *hull_state_list_json(const struct hull_state_file *const *sts, const char *const *statuses,
			   size_t n)
{
	_cleanup_json_ json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, state_object(sts[i], statuses[i]));
	return json_dumps(a, JSON_COMPACT);
}

char *hull_pids_json(const pid_t *pids, size_t n)
{
	_cleanup_json_ json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(pids[i]));
	return json_dumps(a, JSON_COMPACT);
}

