/* What one link is: flags, MTU, kind, master, and where a veth's peer
 * lives; and whether that peer's netns is still alive, which tells a
 * teardown that the kernel is already removing the pair. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>

#include "internal.h"

static int kind_cb(const struct nlattr *a, void *data)
{
	struct hull_link_info *out = data;
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(out->kind, sizeof(out->kind), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hull_link_info *out = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	out->index = ifi->ifi_index;
	out->up = ifi->ifi_flags & IFF_UP;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_MTU:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				out->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				out->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				out->link = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0) {
				out->link_netnsid = (int)mnl_attr_get_u32(a);
				out->has_link_netnsid = out->link_netnsid >= 0;
			}
			break;
		case IFLA_LINKINFO:
			mnl_attr_parse_nested(a, kind_cb, out);
			break;
		case IFLA_IFALIAS:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				snprintf(out->alias, sizeof(out->alias), "%s", mnl_attr_get_str(a));
			break;
		}
	}
	return 0;
}

int hull_link_info(struct hull_nl *nl, const char *name, struct hull_link_info *out,
		   struct hull_err *err)
{
	int r = hull_ifname_check(name, err);
	if (r < 0)
		return r;
	memset(out, 0, sizeof(*out));
	out->link_netnsid = -1;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	char obj[IFNAMSIZ + 8];
	snprintf(obj, sizeof(obj), "link %s", name);
	struct hull_err tmp = { 0 };
	r = hull_nl_talk(nl, nlh, info_cb, out, obj, &tmp);
	if (r == -ENODEV || (r == 0 && out->index <= 0))
		return hull_errf(err, ENODEV, "link %s: no such device", name);
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	return 0;
}

int hull_link_peer_alive(struct hull_nl *nl, const char *name, bool *alive, struct hull_err *err)
{
	struct hull_link_info li;
	int r = hull_link_info(nl, name, &li, err);
	if (r < 0)
		return r;
	if (!li.has_link_netnsid) {
		*alive = true;
		return 0;
	}
	/* The kernel resolves a target netns id only while that netns holds a
	 * reference (maybe_get_net): a dying one answers EINVAL, even though
	 * its id and the pair are still there until cleanup_net runs. */
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)li.link_netnsid);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	char obj[IFNAMSIZ + 32];
	snprintf(obj, sizeof(obj), "link %s: peer netns", name);
	struct hull_err tmp = { 0 };
	r = hull_nl_talk(nl, nlh, NULL, NULL, obj, &tmp);
	if (r == -EINVAL) {
		*alive = false;
		return 0;
	}
	/* A netns without lo cannot exist; any answer means it lives. */
	if (r == 0 || r == -ENODEV) {
		*alive = true;
		return 0;
	}
	return hull_errf(err, -r, "%s", tmp.msg);
}

static int name_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(data, IFNAMSIZ, "%s", mnl_attr_get_str(a));
	return 0;
}

int hull_link_name(struct hull_nl *nl, int index, char name[16], struct hull_err *err)
{
	name[0] = 0;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	char obj[32];
	snprintf(obj, sizeof(obj), "link #%d", index);
	struct hull_err tmp = { 0 };
	int r = hull_nl_talk(nl, nlh, name_cb, name, obj, &tmp);
	if (r == -ENODEV || (r == 0 && !name[0]))
		return hull_errf(err, ENODEV, "link #%d: no such device", index);
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	return 0;
}
