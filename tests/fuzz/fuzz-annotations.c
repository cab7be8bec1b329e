/* libFuzzer target: the org.hull.net.* and org.hull.rootfs.* annotation
 * parsers, through hull_spec_parse of a config built around them.
 *
 * Input: one flags byte, then lines "KEY=VALUE" (KEY without '=' has the
 * value ""). flags bits 0-1: linux.namespaces has no network namespace (0),
 * a new one (1, 3) or one with a path (2); bit 2: root.readonly; bit 3: a
 * user namespace with mappings. A KEY "netdev:HOST" adds a linux.netDevices
 * entry HOST with name VALUE (no name when VALUE is empty). Pairs whose text
 * is not UTF-8 are dropped (the JSON could not hold them). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *build(const uint8_t *data, size_t size)
{
	unsigned flags = size ? data[0] : 0;
	json_t *ann = json_object(), *devs = json_object(), *nss = json_array();
	json_t *linux_ = json_object();
	if ((flags & 3) == 1 || (flags & 3) == 3)
		json_array_append_new(nss, json_pack("{s:s}", "type", "network"));
	else if ((flags & 3) == 2)
		json_array_append_new(nss, json_pack("{s:s, s:s}", "type", "network",
						     "path", "/proc/1/ns/net"));
	if (flags & 8) {
		json_array_append_new(nss, json_pack("{s:s}", "type", "user"));
		json_object_set_new(linux_, "uidMappings",
				    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
		json_object_set_new(linux_, "gidMappings",
				    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", 100000, "size", 65536));
	}
	const char *p = size ? (const char *)data + 1 : (const char *)data;
	const char *end = (const char *)data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(le - p));
		const char *ke = eq ? eq : le;
		const char *vs = eq ? eq + 1 : le;
		char *key = strndup(p, (size_t)(ke - p));
		json_t *val = json_stringn(vs, (size_t)(le - vs));
		if (key && val && strlen(key) == (size_t)(ke - p) && json_string_length(val) ==
		    strlen(json_string_value(val))) {
			if (!strncmp(key, "netdev:", 7)) {
				json_t *d = json_object();
				if (json_string_length(val))
					json_object_set(d, "name", val);
				json_object_set_new(devs, key + 7, d);
			} else {
				json_object_set(ann, key, val);
			}
		}
		json_decref(val);
		free(key);
		p = le + 1;
	}
	json_object_set_new(linux_, "namespaces", nss);
	if (json_object_size(devs))
		json_object_set(linux_, "netDevices", devs);
	json_decref(devs);
	return json_pack("{s:s, s:{s:s, s:b}, s:o, s:o}", "ociVersion", "1.2.0",
			 "root", "path", "rootfs", "readonly", (flags & 4) != 0,
			 "annotations", ann, "linux", linux_);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *cfg = build(data, size);
	if (!cfg)
		return 0;
	char *text = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	if (!text)
		return 0;
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	int r = hull_spec_parse(text, strlen(text), "/bundle", &spec, &err);
	if (r < 0) {
		if (spec || !err.msg[0])
			abort();
	} else {
		const struct hull_net_config *n = &spec->net;
		const struct hull_overlay_config *o = &spec->overlay;
		/* What the parsers promise: one mode, an interface name with
		 * it, NULL-terminated lists, absolute layers. */
		if ((n->bridge && n->macvlan) || ((n->bridge || n->macvlan) && !n->ifname))
			abort();
		if (n->n_addresses && n->addresses[n->n_addresses])
			abort();
		if (o->n_layers && (o->layers[o->n_layers] || !o->layers))
			abort();
		for (size_t i = 0; i < o->n_layers; i++)
			if (o->layers[i][0] != '/')
				abort();
		if (o->upper && o->upper[0] != '/')
			abort();
		hull_spec_free(spec);
	}
	free(text);
	return 0;
}
