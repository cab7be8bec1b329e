/* libFuzzer target: state.json as hull_state_file_parse reads it, and the
 * round trip: what parsed dumps to text that parses again to the same
 * record (and dumps to the same text). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci-spec/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz-state: round trip: %s differs\n--- first dump\n%s\n--- second dump\n%s\n",
		what, a ? a : "(null)", b ? b : "(null)");
	abort();
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Which field of b is not a's; NULL when they are the same. */
static const char *diff(const struct hull_state_file *a, const struct hull_state_file *b)
{
	if (!str_eq(a->oci_version, b->oci_version)) return "ociVersion";
	if (!str_eq(a->id, b->id)) return "id";
	if (a->pid != b->pid) return "pid";
	if (a->pid_start_time != b->pid_start_time) return "pidStartTime";
	if (!str_eq(a->bundle, b->bundle)) return "bundle";
	if (!str_eq(a->rootfs, b->rootfs)) return "rootfs";
	if (a->created_sec != b->created_sec) return "createdSec";
	if (a->created_nsec != b->created_nsec) return "createdNsec";
	if (a->owner != b->owner) return "owner";
	if (a->annotations.n != b->annotations.n) return "annotations";
	for (size_t i = 0; i < a->annotations.n; i++) {
		/* Order is not part of the record: find the key. */
		size_t j = 0;
		while (j < b->annotations.n && strcmp(a->annotations.v[i].key, b->annotations.v[j].key))
			j++;
		if (j == b->annotations.n || strcmp(a->annotations.v[i].value, b->annotations.v[j].value))
			return "annotations";
	}
	if (!str_eq(a->cgroup, b->cgroup)) return "cgroup";
	if (a->detached_init != b->detached_init) return "detachedInit";
	if (a->systemd_cgroup != b->systemd_cgroup) return "systemdCgroup";
	if (a->has_hooks != b->has_hooks || a->hooks != b->hooks) return "hooks";
	if (!str_eq(a->net_host_ifname, b->net_host_ifname)) return "net.hostIfname";
	if (!str_eq(a->net_bridge, b->net_bridge)) return "net.bridge";
	if (a->net_bridge_created != b->net_bridge_created) return "net.bridgeCreated";
	if (a->net_remove_empty != b->net_remove_empty) return "net.removeEmpty";
	if (a->net_netns_pinned != b->net_netns_pinned) return "net.netnsPinned";
	if (a->n_net_devices != b->n_net_devices) return "net.devices";
	for (size_t i = 0; i < a->n_net_devices; i++) {
		const struct hull_state_netdev *x = &a->net_devices[i], *y = &b->net_devices[i];
		if (!str_eq(x->host_name, y->host_name) || !str_eq(x->name, y->name) || x->up != y->up ||
		    x->index != y->index || x->n_addresses != y->n_addresses)
			return "net.devices[]";
		for (size_t j = 0; j < x->n_addresses; j++)
			if (!str_eq(x->addresses[j], y->addresses[j]))
				return "net.devices[].addresses";
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_state_file st, st2;
	struct hull_err err = { 0 };
	if (hull_state_file_parse((const char *)data, size, &st, &err) < 0) {
		if (!err.msg[0] || st.id || st.annotations.v || st.net_devices)
			abort();
		return 0;
	}
	char *d1 = hull_state_file_dump(&st);
	if (!d1)
		abort();
	hull_err_clear(&err);
	if (hull_state_file_parse(d1, strlen(d1), &st2, &err) < 0) {
		fprintf(stderr, "fuzz-state: the dump does not parse: %s\n%s\n", err.msg, d1);
		abort();
	}
	const char *what = diff(&st, &st2);
	char *d2 = hull_state_file_dump(&st2);
	if (what)
		fail(what, d1, d2);
	if (!d2 || strcmp(d1, d2))
		fail("dump text", d1, d2);
	free(d1);
	free(d2);
	hull_state_file_free(&st);
	hull_state_file_free(&st2);
	return 0;
}
