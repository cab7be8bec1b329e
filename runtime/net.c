/* Bridge mode: bridge (ensured), veth with its peer born in the container's
 * netns under its final name (the netns is new, so the name is free),
 * addresses, routes and links up inside. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../netsetup/netsetup.h"
#include "cleanup.h"
#include "net.h"
#include "util.h"

static void nl_closep(struct hull_nl **nl) { if (*nl) hull_nl_close(*nl); }
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

void hull_net_host_ifname(const char *id, char buf[16])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	/* 52 bits: a clash among even 10^5 containers has odds ~1e-6. */
	snprintf(buf, 16, "hv%013" PRIx64, (uint64_t)(h & 0xfffffffffffffULL));
}

/* Inside the container's netns: addresses, the link and lo up, the route. */
static int setup_inside(const struct hull_net_config *net, int nsfd, struct hull_err *err)
{
	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(nsfd, &nl, err);
	for (size_t i = 0; r == 0 && i < net->n_addresses; i++) {
		struct hull_net_addr a;
		/* oci-spec checked the syntax. */
		if (hull_net_addr_parse(net->addresses[i], &a) < 0)
			return hull_errf(err, EINVAL, "address %s: invalid", net->addresses[i]);
		r = hull_addr_add(nl, net->ifname, &a, err);
	}
	if (r == 0)
		r = hull_link_set_up(nl, net->ifname, true, err);
	if (r == 0)
		r = hull_link_set_up(nl, "lo", true, err);
	if (r == 0 && net->gateway) {
		struct hull_net_addr gw;
		if (hull_net_ip_parse(net->gateway, &gw) < 0)
			return hull_errf(err, EINVAL, "gateway %s: invalid", net->gateway);
		r = hull_route_add_default(nl, net->ifname, &gw, err);
	}
	if (r < 0)
		hull_err_prefix(err, "container netns");
	return r;
}

static int setup(const struct hull_net_config *net, const char *host, pid_t pid,
		 struct hull_state_file *rec, struct hull_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return hull_syserr(err, errno, "%s", path);

	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(-1, &nl, err);
	if (r < 0)
		return r;
	bool created = false;
	if ((r = hull_bridge_ensure(nl, net->bridge, &created, err)) < 0)
		return r;
	rec->net_bridge = hull_xstrdup(net->bridge);
	rec->net_bridge_created = created;
	rec->net_remove_empty = net->bridge_remove_empty;
	/* A bridge that was there is the administrator's: its addresses too. */
	if (created && net->bridge_address) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(net->bridge_address, &a) < 0)
			return hull_errf(err, EINVAL, "bridge address %s: invalid", net->bridge_address);
		if ((r = hull_addr_add(nl, net->bridge, &a, err)) < 0)
			return r;
	}

	r = hull_veth_create(nl, host, net->ifname, nsfd, net->mtu, net->has_mac ? net->mac : NULL, err);
	if (r == -EEXIST)
		return hull_errf(err, EEXIST, "veth %s: a link of that name exists on the host "
				 "(choose another org.hull.net.host-ifname)", host);
	if (r < 0)
		return r;
	/* Only now is the name ours to delete. */
	rec->net_host_ifname = hull_xstrdup(host);
	if ((r = hull_link_set_master(nl, host, net->bridge, err)) < 0 ||
	    (r = hull_link_set_up(nl, host, true, err)) < 0)
		return r;
	return setup_inside(net, nsfd, err);
}

int hull_net_setup(const struct hull_spec *spec, const char *id, pid_t pid,
		   struct hull_state_file *record, struct hull_err *err)
{
	const struct hull_net_config *net = &spec->net;
	if (!net->bridge)
		return 0;
	char derived[16];
	hull_net_host_ifname(id, derived);
	int r = setup(net, net->host_ifname ? net->host_ifname : derived, pid, record, err);
	if (r < 0)
		hull_err_prefix(err, "network");
	return r;
}

int hull_net_teardown(const struct hull_state_file *st, struct hull_err *err)
{
	if (!st->net_bridge && !st->net_host_ifname)
		return 0;
	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(-1, &nl, err);
	if (r == 0 && st->net_host_ifname)
		r = hull_link_delete(nl, st->net_host_ifname, err);
	if (r == 0 && st->net_bridge && st->net_bridge_created && st->net_remove_empty) {
		size_t n = 0;
		r = hull_bridge_ports(nl, st->net_bridge, &n, err);
		if (r == -ENODEV)
			r = 0;
		else if (r == 0 && n == 0)
			r = hull_link_delete(nl, st->net_bridge, err);
	}
	if (r < 0)
		hull_err_prefix(err, "network teardown");
	return r;
}
