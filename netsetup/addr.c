/* Interface addresses: adding, and listing what a netns move would lose. */
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include "../base/util.h"
#include "internal.h"

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int hull_addr_add(struct hull_nl *nl, const char *ifname, const struct hull_net_addr *a,
		  struct hull_err *err)
{
	char text[HULL_NET_ADDR_STRLEN], obj[IFNAMSIZ + HULL_NET_ADDR_STRLEN + 16];
	hull_net_addr_format(a, text, sizeof(text));
	snprintf(obj, sizeof(obj), "link %s: address %s", ifname, text);
	if ((a->family != AF_INET && a->family != AF_INET6) || a->prefix > addr_len(a->family) * 8)
		return hull_errf(err, EINVAL, "%s: invalid address", obj);
	int index = hull_link_index(nl, ifname, err);
	if (index < 0)
		return index;

	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->family;
	ifa->ifa_prefixlen = a->prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)index;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(a->family), a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a->family), a->addr);
	/* A static address given by the operator: waiting a second or two for
	 * duplicate detection on a fresh veth would only delay the container. */
	if (a->family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return hull_nl_talk(nl, nlh, NULL, NULL, obj, err);
}

struct addrs {
	int index;
	struct hull_net_addr *v;
	size_t n;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addrs *as = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != as->index)
		return 0;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	/* fe80::/64 and the like come back by themselves. */
	if (ifa->ifa_scope == RT_SCOPE_LINK || ifa->ifa_scope == RT_SCOPE_HOST)
		return 0;

	size_t len = addr_len(ifa->ifa_family);
	const void *local = NULL, *address = NULL;
	uint32_t flags = ifa->ifa_flags;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		uint16_t t = mnl_attr_get_type(a);
		if ((t == IFA_LOCAL || t == IFA_ADDRESS) && mnl_attr_get_payload_len(a) == len)
			*(t == IFA_LOCAL ? &local : &address) = mnl_attr_get_payload(a);
		else if (t == IFA_FLAGS && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			flags = mnl_attr_get_u32(a);
	}
	/* SLAAC and DHCPv6-style addresses have a lifetime: not configuration. */
	if (ifa->ifa_family == AF_INET6 && !(flags & IFA_F_PERMANENT))
		return 0;
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on
	 * point-to-point links. */
	const void *own = local ? local : address;
	if (!own)
		return 0;
	as->v = hull_xrealloc(as->v, (as->n + 1) * sizeof(*as->v));
	struct hull_net_addr *out = &as->v[as->n++];
	memset(out, 0, sizeof(*out));
	out->family = ifa->ifa_family;
	out->prefix = ifa->ifa_prefixlen;
	memcpy(out->addr, own, len);
	return 0;
}

int hull_addr_list(struct hull_nl *nl, const char *ifname, struct hull_net_addr **v, size_t *n,
		   struct hull_err *err)
{
	int index = hull_link_index(nl, ifname, err);
	if (index < 0)
		return index;
	struct nlmsghdr *nlh = hull_nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ifa->ifa_index = (unsigned int)index;

	struct addrs as = { index, NULL, 0 };
	char obj[IFNAMSIZ + 16];
	snprintf(obj, sizeof(obj), "link %s: addresses", ifname);
	int r = hull_nl_talk(nl, nlh, list_cb, &as, obj, err);
	if (r < 0) {
		free(as.v);
		return r;
	}
	*v = as.v;
	*n = as.n;
	return 0;
}
