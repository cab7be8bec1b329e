/* netsetup: links, addresses, routes, bridges, veth, macvlan, moving NICs
 * between network namespaces and tbf shaping, all over rtnetlink (libmnl).
 *
 * A struct hull_nl is a NETLINK_ROUTE socket bound to one network namespace
 * (the one it was opened in); every operation acts in that namespace. Names
 * are interface names (at most 15 bytes), checked before any syscall.
 * Every function returns 0 (or a documented non-negative value) or -errno and
 * fills err with one line "object: cause". Removals are idempotent: a missing
 * object is success, so a teardown can be run again after a crash. */
#ifndef HULL_NETSETUP_H
#define HULL_NETSETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/err.h"

struct hull_nl;

/* Opens a socket in the netns netns_fd refers to (-1: the caller's). The
 * calling thread joins that netns only for the socket(2) call. */
int hull_nl_open(int netns_fd, struct hull_nl **out, struct hull_err *err);
void hull_nl_close(struct hull_nl *nl);

/* ---- links ---- */

/* The ifindex (> 0) of name, or -ENODEV. */
int hull_link_index(struct hull_nl *nl, const char *name, struct hull_err *err);
/* Names of every link of the netns, NULL-terminated (free each, then the vector). */
int hull_link_list(struct hull_nl *nl, char ***names, size_t *n, struct hull_err *err);
/* Creates a link of a kind that needs no attributes ("dummy", "bridge"); EEXIST if taken. */
int hull_link_create(struct hull_nl *nl, const char *name, const char *kind, struct hull_err *err);
int hull_link_set_up(struct hull_nl *nl, const char *name, bool up, struct hull_err *err);
int hull_link_set_mtu(struct hull_nl *nl, const char *name, unsigned int mtu, struct hull_err *err);
int hull_link_set_mac(struct hull_nl *nl, const char *name, const unsigned char mac[6],
		      struct hull_err *err);
int hull_link_rename(struct hull_nl *nl, const char *name, const char *new_name,
		     struct hull_err *err);
/* Deletes name (for a veth: both ends); a missing link is success. */
int hull_link_delete(struct hull_nl *nl, const char *name, struct hull_err *err);
/* Moves name into the netns target_netns_fd refers to, renamed to new_name
 * (NULL: keeps its name). A name clash in the target fails with EEXIST and
 * leaves the device where and as it was. The kernel flushes its addresses
 * (record them with hull_addr_list first). */
int hull_link_move(struct hull_nl *nl, const char *name, int target_netns_fd,
		   const char *new_name, struct hull_err *err);

struct hull_link_info {
	int index;
	bool up;		/* IFF_UP */
	unsigned int mtu;
	int master;		/* ifindex of the bridge it is a port of, 0: none */
	int link;		/* IFLA_LINK: a veth's peer's ifindex (in its netns), 0: none */
	char kind[16];		/* "veth", "bridge", ...; "" for a physical NIC */
	bool has_link_netnsid;	/* the peer (veth) lives in another netns... */
	int link_netnsid;	/* ...known here under this id */
	char alias[64];		/* IFLA_IFALIAS, "" when none (cut at 63 bytes) */
};

/* Sets the link's alias (IFLA_IFALIAS, as `ip link set NAME alias A`). */
int hull_link_set_alias(struct hull_nl *nl, const char *name, const char *alias, struct hull_err *err);

/* What name is; -ENODEV "link NAME: no such device" when absent. */
int hull_link_info(struct hull_nl *nl, const char *name, struct hull_link_info *out,
		   struct hull_err *err);
/* The current name of the link with ifindex index (-ENODEV if none). */
int hull_link_name(struct hull_nl *nl, int index, char name[16], struct hull_err *err);
/* For a veth whose peer is in another netns: whether that netns is still
 * alive. false means the kernel is destroying it, and the pair with it, on
 * its own (cleanup_net), so nobody needs to pay for an RTM_DELLINK. A link
 * without a foreign peer counts as alive. */
int hull_link_peer_alive(struct hull_nl *nl, const char *name, bool *alive, struct hull_err *err);

/* ---- veth, bridge, macvlan ---- */

/* A veth pair: host_name in nl's netns, peer_name created directly in
 * peer_netns_fd (-1: nl's netns) with peer_mac (NULL: random); mtu 0 = default.
 * Atomic: on failure neither end exists. */
int hull_veth_create(struct hull_nl *nl, const char *host_name, const char *peer_name,
		     int peer_netns_fd, unsigned int mtu, const unsigned char *peer_mac,
		     struct hull_err *err);

/* The same, and optionally the host end up and a port of the bridge
 * master, in the one RTM_NEWLINK. (peer_up fails with ENOTCONN on the
 * kernels we know: veth opens the peer before it is paired.) */
struct hull_veth {
	const char *host_name, *peer_name;
	int peer_netns_fd;		/* -1: nl's netns */
	unsigned int mtu;		/* 0: default */
	const unsigned char *peer_mac;	/* NULL: random */
	const char *master;		/* bridge, or NULL */
	bool host_up, peer_up;
};
int hull_veth_make(struct hull_nl *nl, const struct hull_veth *v, struct hull_err *err);

/* Makes sure bridge name exists (EEXIST if name is a link of another kind);
 * *created tells whether this call made it (then it is also set up). */
int hull_bridge_ensure(struct hull_nl *nl, const char *name, bool *created, struct hull_err *err);
/* Enslaves name to bridge (NULL: releases it from its master). */
int hull_link_set_master(struct hull_nl *nl, const char *name, const char *bridge,
			 struct hull_err *err);
/* Number of links enslaved to bridge. */
int hull_bridge_ports(struct hull_nl *nl, const char *bridge, size_t *n, struct hull_err *err);

/* A bridge-mode macvlan child of parent (in nl's netns) named name, created
 * directly in target_netns_fd (-1: nl's netns). */
int hull_macvlan_create(struct hull_nl *nl, const char *parent, const char *name,
			int target_netns_fd, struct hull_err *err);

/* ---- addresses and routes ---- */

struct hull_net_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];	/* network byte order; 4 bytes used for AF_INET */
	unsigned char prefix;
};

#define HULL_NET_ADDR_STRLEN 50	/* INET6_ADDRSTRLEN + "/128" */

/* "198.18.0.2/24", "fd00::2/64": an address with a prefix length, nothing else. */
int hull_net_addr_parse(const char *s, struct hull_net_addr *a);
/* A bare address ("198.18.0.1", for a gateway); prefix = full length. */
int hull_net_ip_parse(const char *s, struct hull_net_addr *a);
/* "ADDR/PREFIX" into buf (at least HULL_NET_ADDR_STRLEN bytes). */
const char *hull_net_addr_format(const struct hull_net_addr *a, char *buf, size_t len);

/* Adds a to ifname (replacing it if present, so a rerun is harmless). */
int hull_addr_add(struct hull_nl *nl, const char *ifname, const struct hull_net_addr *a,
		  struct hull_err *err);
/* The addresses ifname holds that a move would lose and that are not
 * regenerated by the kernel (IPv6 link-local and autoconf ones are left
 * out); *v is malloc'd, *n may be 0. */
int hull_addr_list(struct hull_nl *nl, const char *ifname, struct hull_net_addr **v, size_t *n,
		   struct hull_err *err);
/* Default route of gw's family through gw on ifname (replaces an existing one). */
int hull_route_add_default(struct hull_nl *nl, const char *ifname, const struct hull_net_addr *gw,
			   struct hull_err *err);

/* ---- shaping ---- */

/* Token bucket as the root qdisc of ifname (replaces a tbf already there). */
int hull_tbf_set(struct hull_nl *nl, const char *ifname, uint64_t rate_bytes_per_s,
		 uint32_t burst_bytes, struct hull_err *err);
/* Removes the root qdisc of ifname if it is a tbf; none (or no ifname) is success. */
int hull_tbf_del(struct hull_nl *nl, const char *ifname, struct hull_err *err);
/* Whether ifname's root qdisc is a tbf, and its rate. */
int hull_tbf_get(struct hull_nl *nl, const char *ifname, bool *present,
		 uint64_t *rate_bytes_per_s, struct hull_err *err);

/* tc rate syntax: a decimal number and a unit, bit, kbit, mbit, gbit, tbit,
 * kibit..., bps (bytes), kbps, mbps, gbps, kibps...; no unit = bit/s.
 * Returns -EINVAL when malformed, zero or out of range. */
int hull_rate_parse(const char *s, uint64_t *bytes_per_s);
/* tc size syntax: "32kb", "1m", "1500" (bytes), "64kbit"; > 0, fits 32 bits. */
int hull_size_parse(const char *s, uint32_t *bytes);
/* "RATE" or "RATE-BURST" (an org.hull.net.*-rate value); a missing burst is
 * hull_tbf_default_burst(rate). */
int hull_shape_parse(const char *s, uint64_t *bytes_per_s, uint32_t *burst_bytes);
/* Enough for 10 ms at rate and never less than one 64 KiB GSO packet. */
uint32_t hull_tbf_default_burst(uint64_t bytes_per_s);

#endif
