/* netsetup against the kernel: veth, bridge, macvlan, moving links between
 * namespaces and back, tbf. Everything happens in throwaway network
 * namespaces A, B and C that only this test holds (a helper unshares one
 * and dies; our fd keeps it alive); the host's own link list is compared
 * before and after each test. Addresses from 198.18.0.0/15 and fd00::/8. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "../../netsetup/netsetup.h"
#include "../lib/hull-test.h"

enum { A, B, C, NNS };

static int nsfd[NNS] = { -1, -1, -1 };
static struct hull_nl *nl[NNS];
static char **host_before;
static struct hull_err err;

static int new_netns(void)
{
	int p[2];
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		char ok = unshare(CLONE_NEWNET) == 0;
		if (write(p[1], &ok, 1) != 1 || !ok)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	char ok = 0;
	ck_assert_int_eq(read(p[0], &ok, 1), 1);
	close(p[0]);
	ck_assert(ok);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return fd;
}

static char **host_links(void)
{
	struct hull_nl *h;
	char **names;
	ck_assert_msg(hull_nl_open(-1, &h, &err) == 0, "%s", err.msg);
	ck_assert_msg(hull_link_list(h, &names, NULL, &err) == 0, "%s", err.msg);
	hull_nl_close(h);
	return names;
}

static void free_names(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static void setup(void)
{
	hull_err_clear(&err);
	host_before = host_links();
	for (int i = 0; i < NNS; i++) {
		nsfd[i] = new_netns();
		ck_assert_msg(hull_nl_open(nsfd[i], &nl[i], &err) == 0, "%s", err.msg);
		ck_assert_msg(hull_link_set_up(nl[i], "lo", true, &err) == 0, "%s", err.msg);
	}
}

static void teardown(void)
{
	for (int i = 0; i < NNS; i++) {
		hull_nl_close(nl[i]);
		close(nsfd[i]);
	}
	char **after = host_links();
	size_t i;
	for (i = 0; host_before[i] && after[i]; i++)
		ck_assert_str_eq(host_before[i], after[i]);
	ck_assert_msg(!host_before[i] && !after[i], "the host's links changed");
	free_names(after);
	free_names(host_before);
}

#define OK(call) ck_assert_msg((call) == 0, "%s: %s", #call, err.msg)

/* A socket living in netns fd (sockets keep the netns they were made in). */
static int ns_socket(int fd, int domain, int type, int proto)
{
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(self, 0);
	ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0);
	int s = socket(domain, type | SOCK_CLOEXEC, proto);
	ck_assert_int_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
	ck_assert_int_ge(s, 0);
	return s;
}

static bool exists(int ns, const char *name)
{
	struct hull_err e = { 0 };
	int r = hull_link_index(nl[ns], name, &e);
	ck_assert_msg(r > 0 || r == -ENODEV, "%s", e.msg);
	return r > 0;
}

/* One UDP datagram from netns `from` to dst:40000 in netns `to`, sent again
 * every 200 ms (ARP, bridge learning) at most 10 times. */
static bool udp_arrives(int from, int to, const char *dst)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000) };
	ck_assert_int_eq(inet_pton(AF_INET, dst, &sa.sin_addr), 1);
	int rx = ns_socket(nsfd[to], AF_INET, SOCK_DGRAM, 0);
	int tx = ns_socket(nsfd[from], AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char token[32], got[32];
	snprintf(token, sizeof(token), "hull-%d", getpid());
	bool arrived = false;
	for (int i = 0; i < 10 && !arrived; i++) {
		sendto(tx, token, strlen(token), 0, (struct sockaddr *)&sa, sizeof(sa));
		struct pollfd p = { .fd = rx, .events = POLLIN };
		if (poll(&p, 1, 200) == 1) {
			ssize_t n = recv(rx, got, sizeof(got), 0);
			arrived = n == (ssize_t)strlen(token) && !memcmp(got, token, (size_t)n);
		}
	}
	close(rx);
	close(tx);
	return arrived;
}

static void add_addr(int ns, const char *ifname, const char *cidr)
{
	struct hull_net_addr a;
	ck_assert_int_eq(hull_net_addr_parse(cidr, &a), 0);
	OK(hull_addr_add(nl[ns], ifname, &a, &err));
}

/* Link notifications of netns ns, to check what appeared there. */
static int monitor(int ns)
{
	int s = ns_socket(nsfd[ns], AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_ROUTE);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return s;
}

static bool monitor_saw(int s, const char *name)
{
	static char buf[65536];
	bool seen = false;
	ssize_t len;
	while ((len = recv(s, buf, sizeof(buf), 0)) > 0) {
		int left = (int)len;
		for (struct nlmsghdr *m = (struct nlmsghdr *)buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			struct nlattr *a;
			if (m->nlmsg_type != RTM_NEWLINK)
				continue;
			mnl_attr_for_each(a, m, sizeof(struct ifinfomsg))
				if (mnl_attr_get_type(a) == IFLA_IFNAME &&
				    !strcmp(mnl_attr_get_str(a), name))
					seen = true;
		}
	}
	return seen;
}

/* A stand-alone link for tests: a dummy, or where the kernel has none (as
 * this machine's), one end of a veth pair whose peer NAME-p stays alongside. */
static void standalone(int ns, const char *name)
{
	struct hull_err e = { 0 };
	int r = hull_link_create(nl[ns], name, "dummy", &e);
	if (r == -EOPNOTSUPP) {
		char peer[IFNAMSIZ];
		snprintf(peer, sizeof(peer), "%s-p", name);
		OK(hull_veth_create(nl[ns], name, peer, -1, 0, NULL, &err));
		OK(hull_link_set_up(nl[ns], peer, true, &err));
		return;
	}
	ck_assert_msg(r == 0, "%s", e.msg);
}

static void link_mtu_mac(int ns, const char *name, int *mtu, unsigned char mac[6])
{
	int s = ns_socket(nsfd[ns], AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ck_assert_int_eq(ioctl(s, SIOCGIFMTU, &ifr), 0);
	*mtu = ifr.ifr_mtu;
	ck_assert_int_eq(ioctl(s, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

START_TEST(veth_peer_born_in_netns)
{
	static const unsigned char mac[6] = { 0x02, 0x68, 0x75, 0x6c, 0x6c, 0x01 };
	int mon = monitor(A);
	OK(hull_veth_create(nl[A], "hv0", "eth0", nsfd[B], 1400, mac, &err));
	ck_assert(exists(B, "eth0"));
	ck_assert(!exists(A, "eth0"));
	ck_assert(!exists(B, "hv0"));
	ck_assert(monitor_saw(mon, "hv0"));
	ck_assert(!monitor_saw(mon, "eth0"));
	close(mon);

	int mtu;
	unsigned char got[6];
	link_mtu_mac(B, "eth0", &mtu, got);
	ck_assert_int_eq(mtu, 1400);
	ck_assert_mem_eq(got, mac, 6);
	link_mtu_mac(A, "hv0", &mtu, got);
	ck_assert_int_eq(mtu, 1400);

	add_addr(A, "hv0", "198.18.0.1/24");
	add_addr(B, "eth0", "198.18.0.2/24");
	add_addr(B, "eth0", "198.18.0.2/24");	/* again: harmless */
	ck_assert(!udp_arrives(A, B, "198.18.0.2"));	/* both still down */
	OK(hull_link_set_up(nl[A], "hv0", true, &err));
	OK(hull_link_set_up(nl[B], "eth0", true, &err));
	ck_assert(udp_arrives(A, B, "198.18.0.2"));
	ck_assert(udp_arrives(B, A, "198.18.0.1"));

	struct hull_net_addr *v;
	size_t n;
	char text[HULL_NET_ADDR_STRLEN];
	OK(hull_addr_list(nl[B], "eth0", &v, &n, &err));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(hull_net_addr_format(&v[0], text, sizeof(text)), "198.18.0.2/24");
	free(v);

	OK(hull_link_set_mtu(nl[B], "eth0", 1300, &err));
	OK(hull_link_rename(nl[B], "eth0", "eth9", &err));
	link_mtu_mac(B, "eth9", &mtu, got);
	ck_assert_int_eq(mtu, 1300);
	static const unsigned char mac2[6] = { 0x02, 0x68, 0x75, 0x6c, 0x6c, 0x02 };
	OK(hull_link_set_mac(nl[B], "eth9", mac2, &err));
	link_mtu_mac(B, "eth9", &mtu, got);
	ck_assert_mem_eq(got, mac2, 6);

	OK(hull_link_delete(nl[A], "hv0", &err));
	ck_assert(!exists(A, "hv0"));
	ck_assert(!exists(B, "eth9"));
	OK(hull_link_delete(nl[A], "hv0", &err));
	OK(hull_link_delete(nl[B], "eth9", &err));
}
END_TEST

START_TEST(bridge_between_namespaces)
{
	bool created;
	OK(hull_bridge_ensure(nl[A], "hbr0", &created, &err));
	ck_assert(created);
	OK(hull_bridge_ensure(nl[A], "hbr0", &created, &err));
	ck_assert(!created);
	size_t ports = 9;
	OK(hull_bridge_ports(nl[A], "hbr0", &ports, &err));
	ck_assert_uint_eq(ports, 0);

	OK(hull_veth_create(nl[A], "hb1", "eth0", nsfd[B], 0, NULL, &err));
	OK(hull_veth_create(nl[A], "hc1", "eth0", nsfd[C], 0, NULL, &err));
	OK(hull_link_set_master(nl[A], "hb1", "hbr0", &err));
	OK(hull_link_set_master(nl[A], "hc1", "hbr0", &err));
	OK(hull_bridge_ports(nl[A], "hbr0", &ports, &err));
	ck_assert_uint_eq(ports, 2);
	OK(hull_link_set_up(nl[A], "hb1", true, &err));
	OK(hull_link_set_up(nl[A], "hc1", true, &err));
	add_addr(A, "hbr0", "198.18.1.1/24");
	add_addr(B, "eth0", "198.18.1.2/24");
	add_addr(C, "eth0", "198.18.1.3/24");
	OK(hull_link_set_up(nl[B], "eth0", true, &err));
	OK(hull_link_set_up(nl[C], "eth0", true, &err));
	ck_assert(udp_arrives(B, C, "198.18.1.3"));
	ck_assert(udp_arrives(C, B, "198.18.1.2"));

	/* Off-link traffic from B follows its default route to A. */
	standalone(A, "hd9");
	OK(hull_link_set_up(nl[A], "hd9", true, &err));
	add_addr(A, "hd9", "198.19.0.1/32");
	ck_assert(!udp_arrives(B, A, "198.19.0.1"));
	struct hull_net_addr gw;
	ck_assert_int_eq(hull_net_ip_parse("198.18.1.1", &gw), 0);
	OK(hull_route_add_default(nl[B], "eth0", &gw, &err));
	OK(hull_route_add_default(nl[B], "eth0", &gw, &err));
	ck_assert(udp_arrives(B, A, "198.19.0.1"));

	/* Not a bridge. */
	ck_assert_int_eq(hull_bridge_ensure(nl[A], "hd9", &created, &err), -EEXIST);
	ck_assert_msg(!strcmp(err.msg, "bridge hd9: exists as a dummy link") ||
		      !strcmp(err.msg, "bridge hd9: exists as a veth link"), "%s", err.msg);
	hull_err_clear(&err);

	OK(hull_link_set_master(nl[A], "hb1", NULL, &err));
	OK(hull_bridge_ports(nl[A], "hbr0", &ports, &err));
	ck_assert_uint_eq(ports, 1);
	OK(hull_link_delete(nl[A], "hc1", &err));
	OK(hull_bridge_ports(nl[A], "hbr0", &ports, &err));
	ck_assert_uint_eq(ports, 0);
	ck_assert(!exists(C, "eth0"));
}
END_TEST

START_TEST(macvlan_on_dummy_parent)
{
	standalone(A, "hp0");
	OK(hull_link_set_up(nl[A], "hp0", true, &err));
	int mon = monitor(A);
	OK(hull_macvlan_create(nl[A], "hp0", "mv0", nsfd[B], &err));
	OK(hull_macvlan_create(nl[A], "hp0", "mv0", nsfd[C], &err));
	ck_assert(!monitor_saw(mon, "mv0"));
	close(mon);
	ck_assert(exists(B, "mv0"));
	ck_assert(exists(C, "mv0"));
	ck_assert(!exists(A, "mv0"));
	add_addr(B, "mv0", "198.18.3.2/24");
	add_addr(C, "mv0", "198.18.3.3/24");
	OK(hull_link_set_up(nl[B], "mv0", true, &err));
	OK(hull_link_set_up(nl[C], "mv0", true, &err));
	ck_assert(udp_arrives(B, C, "198.18.3.3"));
	ck_assert(udp_arrives(C, B, "198.18.3.2"));

	/* The children go with their parent. */
	OK(hull_link_delete(nl[A], "hp0", &err));
	OK(hull_link_delete(nl[A], "hp0-p", &err));
	ck_assert(!exists(B, "mv0"));
}
END_TEST

static int addr_cmp(const void *x, const void *y)
{
	return memcmp(x, y, sizeof(struct hull_net_addr));
}

#define assert_same_addrs(v, n, w, m) same_addrs(v, n, w, m, __LINE__)
static void same_addrs(struct hull_net_addr *v, size_t n, struct hull_net_addr *w, size_t m,
		       int line)
{
	ck_assert_msg(n == m, "line %d: %zu addresses, want %zu", line, m, n);
	qsort(v, n, sizeof(*v), addr_cmp);
	qsort(w, m, sizeof(*w), addr_cmp);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(addr_cmp(&v[i], &w[i]) == 0, "address %zu differs", i);
}

START_TEST(move_and_return_with_addresses)
{
	standalone(A, "hd0");
	OK(hull_link_set_up(nl[A], "hd0", true, &err));
	add_addr(A, "hd0", "198.18.2.1/24");
	add_addr(A, "hd0", "198.18.2.9/24");
	add_addr(A, "hd0", "fd00:18::1/64");
	struct hull_net_addr *saved, *v;
	size_t nsaved, n;
	OK(hull_addr_list(nl[A], "hd0", &saved, &nsaved, &err));
	ck_assert_uint_eq(nsaved, 3);	/* not fe80:: */

	OK(hull_link_move(nl[A], "hd0", nsfd[B], "eth1", &err));
	ck_assert(!exists(A, "hd0"));
	ck_assert(exists(B, "eth1"));
	OK(hull_addr_list(nl[B], "eth1", &v, &n, &err));
	ck_assert_uint_eq(n, 0);	/* the kernel flushed them */
	free(v);
	for (size_t i = 0; i < nsaved; i++)
		OK(hull_addr_add(nl[B], "eth1", &saved[i], &err));
	OK(hull_link_set_up(nl[B], "eth1", true, &err));
	OK(hull_addr_list(nl[B], "eth1", &v, &n, &err));
	assert_same_addrs(saved, nsaved, v, n);
	free(v);

	/* Back under its own name. */
	OK(hull_link_move(nl[B], "eth1", nsfd[A], "hd0", &err));
	ck_assert(!exists(B, "eth1"));
	for (size_t i = 0; i < nsaved; i++)
		OK(hull_addr_add(nl[A], "hd0", &saved[i], &err));
	OK(hull_addr_list(nl[A], "hd0", &v, &n, &err));
	assert_same_addrs(saved, nsaved, v, n);
	free(v);

	/* A name taken in the target: the device stays, as it was. */
	OK(hull_link_create(nl[B], "taken0", "bridge", &err));
	ck_assert_int_eq(hull_link_move(nl[A], "hd0", nsfd[B], "taken0", &err), -EEXIST);
	ck_assert_str_eq(err.msg, "link hd0: taken0 exists in the target netns");
	hull_err_clear(&err);
	ck_assert(!exists(B, "hd0"));
	/* Its old name taken there: the kernel renames on the way in, atomically. */
	OK(hull_link_create(nl[C], "hd0", "bridge", &err));
	ck_assert_int_eq(hull_link_move(nl[A], "hd0", nsfd[C], NULL, &err), -EEXIST);
	ck_assert_msg(!strncmp(err.msg, "link hd0: RTM_NEWLINK: File exists", 34), "%s", err.msg);
	hull_err_clear(&err);
	OK(hull_addr_list(nl[A], "hd0", &v, &n, &err));
	assert_same_addrs(saved, nsaved, v, n);
	free(v);
	OK(hull_link_move(nl[A], "hd0", nsfd[C], "hd1", &err));
	ck_assert(exists(C, "hd1"));
	OK(hull_link_move(nl[C], "hd1", nsfd[A], "hd0", &err));
	ck_assert(exists(A, "hd0"));

	/* Keeping the name. */
	OK(hull_link_move(nl[A], "hd0", nsfd[B], NULL, &err));
	ck_assert(exists(B, "hd0"));
	free(saved);
}
END_TEST

START_TEST(tbf_set_replace_delete)
{
	OK(hull_veth_create(nl[A], "ht0", "eth0", nsfd[B], 0, NULL, &err));
	bool present = true;
	uint64_t rate = 1;
	OK(hull_tbf_get(nl[A], "ht0", &present, &rate, &err));
	ck_assert(!present);
	OK(hull_tbf_del(nl[A], "ht0", &err));	/* none there */

	OK(hull_tbf_set(nl[A], "ht0", 1250000, 32768, &err));
	OK(hull_tbf_get(nl[A], "ht0", &present, &rate, &err));
	ck_assert(present);
	ck_assert_uint_eq(rate, 1250000);
	/* Changed in place, and past what 32 bits hold. */
	OK(hull_tbf_set(nl[A], "ht0", 5000000000ULL, 50000000, &err));
	OK(hull_tbf_get(nl[A], "ht0", &present, &rate, &err));
	ck_assert(present);
	ck_assert_uint_eq(rate, 5000000000ULL);
	OK(hull_tbf_set(nl[B], "eth0", 125000, 65536, &err));

	OK(hull_tbf_del(nl[A], "ht0", &err));
	OK(hull_tbf_get(nl[A], "ht0", &present, &rate, &err));
	ck_assert(!present);
	OK(hull_tbf_del(nl[A], "ht0", &err));
	OK(hull_tbf_get(nl[B], "eth0", &present, &rate, &err));
	ck_assert(present);
	ck_assert_uint_eq(rate, 125000);
	OK(hull_link_delete(nl[A], "ht0", &err));
	OK(hull_tbf_del(nl[A], "ht0", &err));	/* link gone */

	ck_assert_int_eq(hull_tbf_set(nl[A], "ht0", 125000, 65536, &err), -ENODEV);
	ck_assert_str_eq(err.msg, "link ht0: no such device");
}
END_TEST

START_TEST(errors)
{
	/* Names are checked before the socket is touched (it is NULL here). */
	ck_assert_int_eq(hull_veth_create(NULL, "hull-0123456789a", "eth0", nsfd[B], 0, NULL, &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg, "link hull-0123456789a: name longer than 15 bytes");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_veth_create(NULL, "hv0", "eth0-0123456789ab", nsfd[B], 0, NULL, &err),
			 -EINVAL);
	ck_assert_str_eq(err.msg, "link eth0-0123456789ab: name longer than 15 bytes");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_macvlan_create(NULL, "p", "mv-0123456789abc", nsfd[B], &err), -EINVAL);
	ck_assert_str_eq(err.msg, "link mv-0123456789abc: name longer than 15 bytes");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_link_move(NULL, "x", nsfd[B], "new-0123456789ab", &err), -EINVAL);
	hull_err_clear(&err);
	ck_assert_int_eq(hull_link_create(NULL, "a/b", "dummy", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "link a/b: invalid character in name");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_link_index(NULL, "", &err), -EINVAL);
	ck_assert_str_eq(err.msg, "link: empty name");
	hull_err_clear(&err);
	ck_assert_int_eq(hull_link_create(nl[A], "hull-0123456789ab", "bridge", &err), -EINVAL);
	hull_err_clear(&err);

	/* 15 bytes is fine. */
	OK(hull_link_create(nl[A], "hull-0123456789", "bridge", &err));
	ck_assert_int_eq(hull_link_create(nl[A], "hull-0123456789", "bridge", &err), -EEXIST);
	ck_assert_str_eq(err.msg, "bridge hull-0123456789: RTM_NEWLINK: File exists");
	hull_err_clear(&err);

	/* A missing parent is named, and nothing is made. */
	ck_assert_int_eq(hull_macvlan_create(nl[A], "nope0", "mv1", nsfd[B], &err), -ENODEV);
	ck_assert_str_eq(err.msg, "macvlan mv1: parent nope0: no such device");
	hull_err_clear(&err);
	ck_assert(!exists(B, "mv1"));
	ck_assert(!exists(A, "mv1"));

	/* The peer's name taken in its netns: no host end left either. */
	OK(hull_link_create(nl[B], "eth0", "bridge", &err));
	ck_assert_int_eq(hull_veth_create(nl[A], "hv1", "eth0", nsfd[B], 0, NULL, &err), -EEXIST);
	ck_assert_msg(!strncmp(err.msg, "veth hv1 (peer eth0): RTM_NEWLINK: File exists", 46),
		      "%s", err.msg);
	hull_err_clear(&err);
	ck_assert(!exists(A, "hv1"));

	/* A device in another netns is missing here. */
	ck_assert_int_eq(hull_link_move(nl[A], "eth0", nsfd[C], NULL, &err), -ENODEV);
	ck_assert_str_eq(err.msg, "link eth0: no such device");
	hull_err_clear(&err);
	ck_assert(exists(B, "eth0"));
	ck_assert_int_eq(hull_link_set_master(nl[B], "eth0", "nobr0", &err), -ENODEV);
	ck_assert_str_eq(err.msg, "bridge nobr0: no such device");
	hull_err_clear(&err);

	/* The kernel's own words come along (extended ack). */
	OK(hull_veth_create(nl[A], "hv2", "eth1", nsfd[B], 0, NULL, &err));
	ck_assert_int_eq(hull_link_set_mtu(nl[A], "hv2", 70000, &err), -EINVAL);
	ck_assert_msg(!strncmp(err.msg, "link hv2: RTM_NEWLINK: Invalid argument (", 41), "%s",
		      err.msg);
	hull_err_clear(&err);

	/* Idempotent removals. */
	OK(hull_link_delete(nl[A], "nothere", &err));
	OK(hull_link_delete(nl[A], "hv2", &err));
	OK(hull_link_delete(nl[A], "hv2", &err));
	OK(hull_tbf_del(nl[A], "nothere", &err));
}
END_TEST

HULL_SUITE(net_lib, integration)
{
	Suite *s = suite_create("net_lib");
	TCase *tc = tcase_create("netns");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, veth_peer_born_in_netns);
	tcase_add_test(tc, bridge_between_namespaces);
	tcase_add_test(tc, macvlan_on_dummy_parent);
	tcase_add_test(tc, move_and_return_with_addresses);
	tcase_add_test(tc, tbf_set_replace_delete);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}
