/* The default route of a container. */
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>

#include "internal.h"

int hull_route_add_default(struct hull_nl *nl, const char *ifname, const struct hull_net_addr *gw,
			   struct hull_err *err)
{
	char text[HULL_NET_ADDR_STRLEN], obj[IFNAMSIZ + HULL_NET_ADDR_STRLEN + 32];
	hull_net_addr_format(gw, text, sizeof(text));
	snprintf(obj, sizeof(obj), "link %s: default route via %s", ifname, text);
	if (gw->family != AF_INET && gw->family != AF_INET6)
		return hull_errf(err, EINVAL, "%s: invalid gateway", obj);
	int index = hull_link_index(nl, ifname, err);
	if (index < 0)
		return index;

	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)gw->family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, gw->family == AF_INET ? 4 : 16, gw->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}
