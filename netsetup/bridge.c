/* Bridges: created on demand, shared between containers, ports counted so
 * the last one out may remove it. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>

#include "internal.h"

struct link_kind {
	char kind[32];
};

static int kind_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_kind *k = data;
	struct nlattr *a, *i;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO || mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			continue;
		mnl_attr_for_each_nested(i, a)
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND &&
			    mnl_attr_validate(i, MNL_TYPE_STRING) >= 0)
				snprintf(k->kind, sizeof(k->kind), "%.*s",
					 (int)strnlen(mnl_attr_get_str(i), mnl_attr_get_payload_len(i)),
					 mnl_attr_get_str(i));
	}
	return 0;
}

/* The kind of link name ("" for a physical NIC), -ENODEV if missing. */
static int link_kind(struct hull_nl *nl, const char *name, struct link_kind *k,
		     struct hull_err *err)
{
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	k->kind[0] = 0;
	char obj[IFNAMSIZ + 8];
	snprintf(obj, sizeof(obj), "bridge %s", name);
	return hull_nl_talk(nl, nlh, kind_cb, k, obj, err);
}

int hull_bridge_ensure(struct hull_nl *nl, const char *name, bool *created, struct hull_err *err)
{
	int r = hull_ifname_check(name, err);
	if (r < 0)
		return r;
	*created = false;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct link_kind k;
		struct hull_err tmp = { 0 };
		r = link_kind(nl, name, &k, &tmp);
		if (r == 0) {
			if (strcmp(k.kind, "bridge"))
				return hull_errf(err, EEXIST, "bridge %s: exists as a %s link", name,
						 k.kind[0] ? k.kind : "physical");
			return 0;
		}
		if (r != -ENODEV)
			return hull_errf(err, -r, "%s", tmp.msg);
		hull_err_clear(&tmp);
		r = hull_link_create(nl, name, "bridge", &tmp);
		/* Another container made it in between: look again. */
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return hull_errf(err, -r, "%s", tmp.msg);
		*created = true;
		return hull_link_set_up(nl, name, true, err);
	}
	return hull_errf(err, EEXIST, "bridge %s: created and removed concurrently", name);
}

int hull_link_set_master(struct hull_nl *nl, const char *name, const char *bridge,
			 struct hull_err *err)
{
	int master = 0;
	if (bridge && (master = hull_ifindex(nl, "bridge", bridge, err)) < 0)
		return master;
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	char obj[2 * IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "link %s: master %s", name, bridge ? bridge : "none");
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

struct ports {
	uint32_t master;
	size_t n;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports *p = data;
	struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_MASTER && mnl_attr_validate(a, MNL_TYPE_U32) >= 0 &&
		    mnl_attr_get_u32(a) == p->master)
			p->n++;
	return 0;
}

int hull_bridge_ports(struct hull_nl *nl, const char *bridge, size_t *n, struct hull_err *err)
{
	int master = hull_ifindex(nl, "bridge", bridge, err);
	if (master < 0)
		return master;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	struct ports p = { (uint32_t)master, 0 };
	char obj[IFNAMSIZ + 8];
	snprintf(obj, sizeof(obj), "bridge %s", bridge);
	int r = hull_nl_talk(nl, nlh, ports_cb, &p, obj, err);
	if (r < 0)
		return r;
	*n = p.n;
	return 0;
}
