/* veth pairs whose peer is born in the target netns: one RTM_NEWLINK, so a
 * failure (a name taken on either side) leaves neither end behind. */
#include <net/if.h>
#include <stdio.h>
#include <linux/if_link.h>
#include <linux/veth.h>

#include "internal.h"

int hull_veth_make(struct hull_nl *nl, const struct hull_veth *v, struct hull_err *err)
{
	int r = hull_ifname_check(v->host_name, err);
	if (r < 0 || (r = hull_ifname_check(v->peer_name, err)) < 0)
		return r;
	int master = 0;
	if (v->master && (master = hull_ifindex(nl, "bridge", v->master, err)) < 0)
		return master;

	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* Flags and master at birth: one message instead of three. */
	if (v->host_up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->host_name);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);

	struct nlattr *info = hull_nl_put_kind(nlh, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described like a link of its own: an ifinfomsg, then
	 * its attributes, the netns among them. */
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	if (v->peer_up) {
		pifi->ifi_flags = IFF_UP;
		pifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer_name);
	if (v->peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
	if (v->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, v->mtu);
	if (v->peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, v->peer_mac);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);

	char obj[2 * IFNAMSIZ + 24];
	snprintf(obj, sizeof(obj), "veth %s (peer %s)", v->host_name, v->peer_name);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

int hull_veth_create(struct hull_nl *nl, const char *host_name, const char *peer_name,
		     int peer_netns_fd, unsigned int mtu, const unsigned char *peer_mac,
		     struct hull_err *err)
{
	struct hull_veth v = { .host_name = host_name, .peer_name = peer_name,
			       .peer_netns_fd = peer_netns_fd, .mtu = mtu, .peer_mac = peer_mac };
	return hull_veth_make(nl, &v, err);
}
