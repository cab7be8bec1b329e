/* macvlan children in bridge mode, born in the target netns: the
 * SR-IOV-VF-like path, no host bridge on the data path. */
#include <net/if.h>
#include <stdio.h>
#include <linux/if_link.h>

#include "internal.h"

int hull_macvlan_create(struct hull_nl *nl, const char *parent, const char *name,
			int target_netns_fd, struct hull_err *err)
{
	int r = hull_ifname_check(name, err);
	if (r < 0 || (r = hull_ifname_check(parent, err)) < 0)
		return r;
	char obj[2 * IFNAMSIZ + 24];
	snprintf(obj, sizeof(obj), "macvlan %s (parent %s)", name, parent);
	struct hull_err tmp = { 0 };
	int link = hull_link_index(nl, parent, &tmp);
	if (link == -ENODEV)
		return hull_errf(err, ENODEV, "macvlan %s: parent %s: no such device", name, parent);
	if (link < 0)
		return hull_errf(err, -link, "macvlan %s: %s", name, tmp.msg);

	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)link);
	if (target_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)target_netns_fd);
	struct nlattr *info = hull_nl_put_kind(nlh, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}
