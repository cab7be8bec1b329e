/* A container's network as the org.hull.net.* annotations and
 * linux.netDevices ask: a veth to a host bridge or a macvlan child, born in
 * the container's fresh netns under its final name (the netns is new, so
 * the name is free), addresses, route, shaping, links up; then the
 * passed-through devices (net-devices.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../namespaces/namespaces.h"
#include "net-internal.h"
#include "net.h"

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

static int shape(struct hull_nl *nl, const char *ifname, const struct hull_net_shape *sh,
		 struct hull_err *err)
{
	return sh->set ? hull_tbf_set(nl, ifname, sh->rate, sh->burst, err) : 0;
}

/* Inside the container's netns: MTU and MAC of a macvlan (a veth gets them
 * at birth), addresses, egress shaping, the link and lo up, the route. */
static int setup_inside(const struct hull_net_config *net, int nsfd, struct hull_err *err)
{
	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(nsfd, &nl, err);
	if (r == 0 && net->macvlan && net->mtu)
		r = hull_link_set_mtu(nl, net->ifname, net->mtu, err);
	if (r == 0 && net->macvlan && net->has_mac)
		r = hull_link_set_mac(nl, net->ifname, net->mac, err);
	for (size_t i = 0; r == 0 && i < net->n_addresses; i++) {
		struct hull_net_addr a;
		/* oci-spec checked the syntax. */
		if (hull_net_addr_parse(net->addresses[i], &a) < 0)
			return hull_errf(err, EINVAL, "address %s: invalid", net->addresses[i]);
		r = hull_addr_add(nl, net->ifname, &a, err);
	}
	if (r == 0)
		r = shape(nl, net->ifname, &net->egress, err);
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

#define REMOVE_EMPTY_ALIAS "hull:remove-empty"

static int setup_bridge(const struct hull_net_config *net, const char *host, int nsfd,
			struct hull_container *c, struct hull_err *err)
{
	struct hull_state_file *rec = &c->st;
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
	/* Marked on the bridge itself: whichever container leaves it last
	 * removes it, the one that made it or not. */
	if (created && net->bridge_remove_empty &&
	    (r = hull_link_set_alias(nl, net->bridge, REMOVE_EMPTY_ALIAS, err)) < 0)
		return r;
	/* A bridge that was there is the administrator's: its addresses too. */
	if (created && net->bridge_address) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(net->bridge_address, &a) < 0)
			return hull_errf(err, EINVAL, "bridge address %s: invalid", net->bridge_address);
		if ((r = hull_addr_add(nl, net->bridge, &a, err)) < 0)
			return r;
	}

	/* The host end is up and a port at once; ingress shaping on it comes
	 * before any address inside exists, so no packet reaches the container
	 * unshaped. */
	struct hull_veth v = { .host_name = host, .peer_name = net->ifname, .peer_netns_fd = nsfd,
			       .mtu = net->mtu, .peer_mac = net->has_mac ? net->mac : NULL,
			       .master = net->bridge, .host_up = true };
	struct hull_err tmp = { 0 };
	r = hull_veth_make(nl, &v, &tmp);
	if (r == -EEXIST && (r = hull_net_reap_ghost(nl, host, &tmp)) == 0) {
		hull_err_clear(&tmp);
		r = hull_veth_make(nl, &v, &tmp);
	}
	if (r == -EEXIST)
		return hull_errf(err, EEXIST, "veth %s: a link of that name exists on the host "
				 "(choose another org.hull.net.host-ifname)", host);
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	/* Only now is the name ours to delete. */
	rec->net_host_ifname = hull_xstrdup(host);
	if ((r = shape(nl, host, &net->ingress, err)) < 0)
		return r;
	return setup_inside(net, nsfd, err);
}

static int setup_macvlan(const struct hull_net_config *net, int nsfd, struct hull_err *err)
{
	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(-1, &nl, err);
	if (r < 0)
		return r;
	/* It lives and dies with the container's netns: nothing to record. */
	struct hull_err tmp = { 0 };
	r = hull_macvlan_create(nl, net->macvlan, net->ifname, nsfd, &tmp);
	if (r == -ENODEV)
		return hull_errf(err, ENODEV, "org.hull.net.macvlan: parent %s: no such device "
				 "in hull's network namespace", net->macvlan);
	if (r < 0)
		return hull_errf(err, -r, "org.hull.net.macvlan: %s", tmp.msg);
	return setup_inside(net, nsfd, err);
}

int hull_net_loopback_up(struct hull_err *err)
{
	_cleanup_nl_ struct hull_nl *nl = NULL;
	int r = hull_nl_open(-1, &nl, err);
	if (r == 0)
		r = hull_link_set_up(nl, "lo", true, err);
	if (r < 0)
		hull_err_prefix(err, "container netns");
	return r;
}

bool hull_net_wanted(const struct hull_spec *spec)
{
	return spec->net.bridge || spec->net.macvlan || spec->linux_.n_net_devices;
}

bool hull_net_recorded(const struct hull_state_file *st)
{
	return st->net_host_ifname || st->net_bridge || st->net_netns_pinned || st->n_net_devices;
}

int hull_net_setup(const struct hull_spec *spec, struct hull_container *c, pid_t pid,
		   struct hull_err *err)
{
	const struct hull_net_config *net = &spec->net;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return hull_syserr(err, errno, "network: %s", path);

	int r = 0;
	if (net->bridge) {
		char derived[16];
		hull_net_host_ifname(c->id, derived);
		r = setup_bridge(net, net->host_ifname ? net->host_ifname : derived, nsfd, c, err);
	} else if (net->macvlan) {
		r = setup_macvlan(net, nsfd, err);
	}
	if (r == 0 && spec->linux_.n_net_devices)
		r = hull_net_devices_move_in(spec, c, pid, nsfd, err);
	if (r < 0)
		hull_err_prefix(err, "network");
	return r;
}

/* A bridge that goes with its last port: made with remove-empty by this
 * container, or by another one (the mark on the bridge says so). */
static bool bridge_goes_empty(struct hull_nl *nl, const struct hull_state_file *st)
{
	if (!st->net_bridge)
		return false;
	if (st->net_bridge_created && st->net_remove_empty)
		return true;
	struct hull_link_info li;
	struct hull_err tmp = { 0 };
	return hull_link_info(nl, st->net_bridge, &li, &tmp) == 0 && !strcmp(li.alias, REMOVE_EMPTY_ALIAS);
}

/* The host end goes with its pair. When the container's netns is already
 * dying (its last process gone), the kernel is removing the pair in its
 * cleanup_net batch; an RTM_DELLINK now would only make this delete wait
 * for the RCU grace periods that batch pays once for many. */
static int remove_veth(struct hull_nl *nl, const struct hull_state_file *st, bool bridge_goes,
		       struct hull_err *err)
{
	bool alive = true;
	struct hull_err tmp = { 0 };
	int r = hull_link_peer_alive(nl, st->net_host_ifname, &alive, &tmp);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	/* The bridge's port count must be final before it is looked at. */
	if (alive || bridge_goes)
		return hull_link_delete(nl, st->net_host_ifname, err);
	return 0;
}

int hull_net_teardown(struct hull_container *c, bool give_back, struct hull_err *err)
{
	const struct hull_state_file *st = &c->st;
	/* Devices first: the pinned netns must still hold them. Without a
	 * readable state, the pin alone can still be undone. */
	int r = c->has_state ? hull_net_devices_move_out(c, give_back, err) : 0;
	if (r == 0)
		r = hull_ns_unpin(c->dirfd, HULL_NETNS_FILE, err);
	if (r < 0 || !c->has_state || (!st->net_host_ifname && !st->net_bridge))
		return r;

	_cleanup_nl_ struct hull_nl *nl = NULL;
	r = hull_nl_open(-1, &nl, err);
	bool bridge_goes = r == 0 && bridge_goes_empty(nl, st);
	if (r == 0 && st->net_host_ifname)
		r = remove_veth(nl, st, bridge_goes, err);
	if (r == 0 && bridge_goes) {
		size_t n = 0;
		struct hull_err tmp = { 0 };
		r = hull_bridge_ports(nl, st->net_bridge, &n, &tmp);
		if (r == -ENODEV)	/* gone already: done */
			r = 0;
		else if (r < 0)
			r = hull_errf(err, -r, "%s", tmp.msg);
		else if (n == 0)
			r = hull_link_delete(nl, st->net_bridge, err);
	}
	if (r < 0)
		hull_err_prefix(err, "network teardown");
	return r;
}

int hull_net_reap_ghost(struct hull_nl *nl, const char *name, struct hull_err *err)
{
	struct hull_link_info li;
	struct hull_err tmp = { 0 };
	int r = hull_link_info(nl, name, &li, &tmp);
	if (r == -ENODEV)
		return 0;	/* gone meanwhile: the retry will do */
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	if (strcmp(li.kind, "veth"))
		return -EEXIST;
	bool alive = true;
	if (li.has_link_netnsid) {
		if (hull_link_peer_alive(nl, name, &alive, &tmp) < 0 || alive)
			return -EEXIST;
	} else {
		/* cleanup_net unhashes the dying netns's id before it removes
		 * the pair: no id, and no peer here either, is the same ghost.
		 * A peer here is a local pair: someone else's. */
		char peer[16];
		if (li.link > 0 && hull_link_name(nl, li.link, peer, &tmp) == 0)
			return -EEXIST;
	}
	/* A veth of an earlier container of this ID whose netns the kernel
	 * has not finished removing yet: take it down now. */
	return hull_link_delete(nl, name, err);
}
