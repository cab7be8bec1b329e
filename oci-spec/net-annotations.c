/* The org.hull.net.* annotations (bridge and macvlan modes, shaping) and
 * the checks of linux.netDevices that need them: parsed and checked with
 * netsetup's pure text parsers (netsetup/parse.c, no syscalls), so a bad
 * value fails `create` before anything exists. Addresses are kept as text;
 * the runtime parses them again, which cannot fail then. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../netsetup/netsetup.h"
#include "parse.h"

#define NET_PREFIX SPEC_ANN_NET_PREFIX
#define IFNAMSIZ_MAX 15

static const char *const net_keys[] = {
	"bridge", "bridge.address", "bridge.remove-empty", "address", "gateway",
	"mtu", "mac", "ifname", "host-ifname", "macvlan", "egress-rate", "ingress-rate", "netdevices.give-back",
	NULL,
};

/* Keys that only mean something with a host end of a veth. */
static bool bridge_only(const char *name)
{
	return !strncmp(name, "bridge.", 7) || !strcmp(name, "host-ifname") ||
	       !strcmp(name, "ingress-rate");
}

/* The kernel's dev_valid_name(). */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IFNAMSIZ_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ':' || *c == ' ' || *c == '\t' || *c == '\n')
			return false;
	return true;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (unsigned char)strtoul((char[]){ s[i * 3], s[i * 3 + 1], 0 }, NULL, 16);
	/* A multicast or all-zero address cannot be a NIC's own. */
	if ((mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

static int parse_addresses(const char *key, const char *value, struct hull_net_config *net,
			   struct hull_err *err)
{
	_cleanup_free_ char *copy = hull_xstrdup(value);
	char *save = NULL;
	size_t cap = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(tok, &a) < 0)
			return jerr_annotation(err, key, "\"%s\" is not an address with a prefix length (198.18.0.2/24, fd00::2/64)", tok);
		if (net->n_addresses + 2 > cap) {
			cap = cap ? cap * 2 : 4;
			net->addresses = hull_xrealloc(net->addresses, cap * sizeof(char *));
		}
		net->addresses[net->n_addresses++] = hull_xstrdup(tok);
		net->addresses[net->n_addresses] = NULL;
	}
	if (!net->n_addresses || value[0] == ',' || value[strlen(value) - 1] == ',' || strstr(value, ",,"))
		return jerr_annotation(err, key, "\"%s\": want a comma list of CIDR addresses", value);
	return 0;
}

static int parse_one(const char *key, const char *name, const char *value,
		     struct hull_net_config *net, struct hull_err *err)
{
	if (!strcmp(name, "bridge") || !strcmp(name, "ifname") || !strcmp(name, "host-ifname") ||
	    !strcmp(name, "macvlan")) {
		if (!ifname_ok(value))
			return jerr_annotation(err, key, "\"%s\" is not an interface name (1 to 15 bytes, no '/', ':' or space)", value);
		char **dst = name[0] == 'b' ? &net->bridge : name[0] == 'i' ? &net->ifname :
			     name[0] == 'm' ? &net->macvlan : &net->host_ifname;
		*dst = hull_xstrdup(value);
	} else if (!strcmp(name, "egress-rate") || !strcmp(name, "ingress-rate")) {
		struct hull_net_shape *sh = name[0] == 'e' ? &net->egress : &net->ingress;
		if (hull_shape_parse(value, &sh->rate, &sh->burst) < 0)
			return jerr_annotation(err, key, "\"%s\": want a rate and an optional burst (100mbit, 10mbit-64kb)", value);
		sh->set = true;
	} else if (!strcmp(name, "bridge.address")) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(value, &a) < 0)
			return jerr_annotation(err, key, "\"%s\" is not an address with a prefix length", value);
		net->bridge_address = hull_xstrdup(value);
	} else if (!strcmp(name, "bridge.remove-empty") || !strcmp(name, "netdevices.give-back")) {
		if (strcmp(value, "true") && strcmp(value, "false"))
			return jerr_annotation(err, key, "\"%s\": want \"true\" or \"false\"", value);
		*(name[0] == 'b' ? &net->bridge_remove_empty : &net->netdev_give_back) = value[0] == 't';
	} else if (!strcmp(name, "address")) {
		return parse_addresses(key, value, net, err);
	} else if (!strcmp(name, "gateway")) {
		struct hull_net_addr a;
		if (hull_net_ip_parse(value, &a) < 0)
			return jerr_annotation(err, key, "\"%s\" is not an IP address", value);
		net->gateway = hull_xstrdup(value);
	} else if (!strcmp(name, "mtu")) {
		uint64_t mtu;
		/* 68: RFC 791's minimum; 65535: the largest IP datagram. */
		if (hull_parse_u64(value, &mtu) < 0 || mtu < 68 || mtu > 65535)
			return jerr_annotation(err, key, "\"%s\": want a number from 68 to 65535", value);
		net->mtu = (unsigned int)mtu;
	} else if (!strcmp(name, "mac")) {
		if (parse_mac(value, net->mac) < 0)
			return jerr_annotation(err, key, "\"%s\" is not a unicast MAC address (02:00:00:00:00:01)", value);
		net->has_mac = true;
	}
	return 0;
}

static bool has_family(const struct hull_net_config *net, int family)
{
	for (size_t i = 0; i < net->n_addresses; i++) {
		struct hull_net_addr a;
		if (hull_net_addr_parse(net->addresses[i], &a) == 0 && a.family == family)
			return true;
	}
	return false;
}

/* linux.netDevices: names the kernel takes, one device per container name,
 * none clashing with the interface hull makes itself, a netns to go to. */
static int check_net_devices(const struct hull_linux *l, const struct hull_net_config *net,
			     struct hull_err *err)
{
	if (!l->n_net_devices)
		return net->netdev_give_back ? jerr_annotation(err, NET_PREFIX "netdevices.give-back",
							       "there is no linux.netDevices to give back") : 0;
	if (!l->ns[HULL_NS_NETWORK].present)
		return jerr(err, "linux.netDevices", "needs a network namespace (linux.namespaces: {\"type\": \"network\"}): "
			    "moving a device into the host's own is a no-op the spec forbids");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct hull_net_device *d = &l->net_devices[i];
		jpath_t p;
		jp_key(p, "linux.netDevices", d->host_name);
		if (!ifname_ok(d->host_name))
			return jerr(err, p, "\"%s\" is not an interface name (1 to 15 bytes, no '/', ':' or space)", d->host_name);
		if (!ifname_ok(d->name))
			return jerr(err, p, "name \"%s\" is not an interface name (1 to 15 bytes, no '/', ':' or space)", d->name);
		if (!strcmp(d->name, "lo"))
			return jerr(err, p, "name \"lo\" is the container's loopback");
		if ((net->bridge || net->macvlan) && !strcmp(d->name, net->ifname))
			return jerr(err, p, "name \"%s\" is also org.hull.net.ifname", d->name);
		/* "eth%d": the kernel picks the number, for each device anew */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(l->net_devices[j].name, d->name) && !strchr(d->name, '%'))
				return jerr(err, p, "name \"%s\" is given to two devices", d->name);
	}
	return 0;
}

int spec_parse_net(const struct hull_kvs *ann, const struct hull_linux *l,
		   struct hull_net_config *net, struct hull_err *err)
{
	const char *first = NULL, *first_bridge_only = NULL;
	for (size_t i = 0; i < ann->n; i++) {
		const char *key = ann->v[i].key;
		if (strncmp(key, NET_PREFIX, strlen(NET_PREFIX)))
			continue;
		const char *name = key + strlen(NET_PREFIX);
		size_t k = 0;
		while (net_keys[k] && strcmp(net_keys[k], name))
			k++;
		if (!net_keys[k])
			return jerr_annotation(err, key, "unknown key");
		if (parse_one(key, name, ann->v[i].value, net, err) < 0)
			return -EINVAL;
		if (!first && strcmp(name, "bridge") && strcmp(name, "macvlan") && strcmp(name, "netdevices.give-back"))
			first = key;
		if (!first_bridge_only && bridge_only(name))
			first_bridge_only = key;
	}
	if (net->bridge && net->macvlan)
		return jerr_annotation(err, NET_PREFIX "macvlan", "cannot be combined with %s (one mode per container)",
			   NET_PREFIX "bridge");
	if (!net->bridge && !net->macvlan) {
		if (first)
			return jerr_annotation(err, first, "needs %s or " NET_PREFIX "macvlan", NET_PREFIX "bridge");
		return check_net_devices(l, net, err);
	}
	const char *mode = net->bridge ? NET_PREFIX "bridge" : NET_PREFIX "macvlan";
	if (net->macvlan && first_bridge_only)
		return jerr_annotation(err, first_bridge_only, "needs %s: a macvlan has no host end of its own",
			   NET_PREFIX "bridge");
	const struct hull_namespace *ns = &l->ns[HULL_NS_NETWORK];
	if (!ns->present || ns->path)
		return jerr_annotation(err, mode,
			   "needs a new network namespace (linux.namespaces: {\"type\": \"network\"} without a path)");
	if (net->gateway) {
		struct hull_net_addr gw;
		hull_net_ip_parse(net->gateway, &gw);
		if (!has_family(net, gw.family))
			return jerr_annotation(err, NET_PREFIX "gateway",
				   "\"%s\" is unreachable: no org.hull.net.address of its family", net->gateway);
	}
	if (!net->ifname)
		net->ifname = hull_xstrdup("eth0");
	if (!strcmp(net->ifname, "lo"))
		return jerr_annotation(err, NET_PREFIX "ifname", "\"%s\" is the container's loopback", net->ifname);
	return check_net_devices(l, net, err);
}

void spec_net_free(struct hull_net_config *net)
{
	free(net->bridge);
	free(net->macvlan);
	free(net->bridge_address);
	for (size_t i = 0; i < net->n_addresses; i++)
		free(net->addresses[i]);
	free(net->addresses);
	free(net->gateway);
	free(net->ifname);
	free(net->host_ifname);
	memset(net, 0, sizeof(*net));
}
