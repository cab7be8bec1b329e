/* Links by name: lookup, listing, generic creation, flags, MTU, MAC, name,
 * deletion and moving to another netns. */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>

#include "../base/util.h"
#include "internal.h"

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ifi->ifi_index;
	return 0;
}

int hull_ifindex(struct hull_nl *nl, const char *what, const char *name, struct hull_err *err)
{
	int r = hull_ifname_check(name, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* Spare the kernel the statistics it would add to the answer. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	int index = 0;
	struct hull_err tmp = { 0 };
	char obj[IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "%s %s", what, name);
	r = hull_nl_talk(nl, nlh, index_cb, &index, obj, &tmp);
	if (r == -ENODEV)
		return hull_errf(err, ENODEV, "%s %s: no such device", what, name);
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	if (index <= 0)
		return hull_errf(err, ENODEV, "%s %s: no such device", what, name);
	return index;
}

int hull_link_index(struct hull_nl *nl, const char *name, struct hull_err *err)
{
	return hull_ifindex(nl, "link", name, err);
}

struct names {
	char **v;
	size_t n;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct names *ns = data;
	struct nlattr *a;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0) {
			ns->v = hull_xrealloc(ns->v, (ns->n + 2) * sizeof(char *));
			ns->v[ns->n++] = hull_xstrdup(mnl_attr_get_str(a));
			ns->v[ns->n] = NULL;
		}
	return 0;
}

int hull_link_list(struct hull_nl *nl, char ***names, size_t *n, struct hull_err *err)
{
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	struct names ns = { hull_xcalloc(1, sizeof(char *)), 0 };
	int r = hull_nl_talk(nl, nlh, list_cb, &ns, "links", err);
	if (r < 0) {
		for (size_t i = 0; i < ns.n; i++)
			free(ns.v[i]);
		free(ns.v);
		return r;
	}
	*names = ns.v;
	if (n)
		*n = ns.n;
	return 0;
}

int hull_link_create(struct hull_nl *nl, const char *name, const char *kind, struct hull_err *err)
{
	int r = hull_ifname_check(name, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_nest_end(nlh, hull_nl_put_kind(nlh, kind));

	char obj[IFNAMSIZ + 64];
	snprintf(obj, sizeof(obj), "%s %s", kind, name);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

/* An RTM_NEWLINK changing the existing link name; the caller adds attributes. */
static struct nlmsghdr *change_msg(struct hull_nl *nl, int index)
{
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	return nlh;
}

static int talk_link(struct hull_nl *nl, struct nlmsghdr *nlh, const char *name,
		     struct hull_err *err)
{
	char obj[IFNAMSIZ + 8];
	snprintf(obj, sizeof(obj), "link %s", name);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

int hull_link_set_up(struct hull_nl *nl, const char *name, bool up, struct hull_err *err)
{
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = change_msg(nl, index);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return talk_link(nl, nlh, name, err);
}

int hull_link_set_mtu(struct hull_nl *nl, const char *name, unsigned int mtu, struct hull_err *err)
{
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = change_msg(nl, index);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return talk_link(nl, nlh, name, err);
}

int hull_link_set_mac(struct hull_nl *nl, const char *name, const unsigned char mac[6],
		      struct hull_err *err)
{
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = change_msg(nl, index);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return talk_link(nl, nlh, name, err);
}

int hull_link_set_alias(struct hull_nl *nl, const char *name, const char *alias, struct hull_err *err)
{
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = change_msg(nl, index);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return talk_link(nl, nlh, name, err);
}

int hull_link_rename(struct hull_nl *nl, const char *name, const char *new_name,
		     struct hull_err *err)
{
	int r = hull_ifname_check(new_name, err);
	if (r < 0)
		return r;
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = change_msg(nl, index);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	return talk_link(nl, nlh, name, err);
}

int hull_link_delete(struct hull_nl *nl, const char *name, struct hull_err *err)
{
	struct hull_err tmp = { 0 };
	int index = hull_link_index(nl, name, &tmp);
	if (index == -ENODEV)
		return 0;
	if (index < 0)
		return hull_errf(err, -index, "%s", tmp.msg);
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	int r = talk_link(nl, nlh, name, &tmp);
	/* Gone in between (a veth whose peer's netns died, a racing delete). */
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return hull_errf(err, -r, "%s", tmp.msg);
	return 0;
}

int hull_link_move(struct hull_nl *nl, const char *name, int target_netns_fd,
		   const char *new_name, struct hull_err *err)
{
	int r;
	if (new_name && (r = hull_ifname_check(new_name, err)) < 0)
		return r;
	if (target_netns_fd < 0)
		return hull_errf(err, EBADF, "link %s: no target netns", name);
	int index = hull_link_index(nl, name, err);
	if (index < 0)
		return index;
	/* The kernel renames in the target only when the old name is taken
	 * there; otherwise it moves the link, then renames it, and a clash on
	 * the new name leaves it moved under the old one. Look first. */
	if (new_name && strcmp(new_name, name)) {
		struct hull_nl *target;
		struct hull_err tmp = { 0 };
		int r = hull_nl_open(target_netns_fd, &target, err);
		if (r < 0)
			return r;
		r = hull_link_index(target, new_name, &tmp);
		hull_nl_close(target);
		if (r > 0)
			return hull_errf(err, EEXIST, "link %s: %s exists in the target netns", name,
					 new_name);
		if (r != -ENODEV)
			return hull_errf(err, -r, "link %s: %s", name, tmp.msg);
	}
	struct nlmsghdr *nlh = change_msg(nl, index);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)target_netns_fd);
	if (new_name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	return talk_link(nl, nlh, name, err);
}
