/* Passthrough (linux.netDevices) and macvlan mode end to end, and their
 * failures. Network rules: only links this test makes (names "ht" + a tag +
 * our pid), addresses in 198.18.0.0/15, traffic only to the test's own
 * namespaces, every wait bounded. This kernel has no dummy driver: an ifb
 * device (virtual, no peer, no carrier of its own) stands in for it when
 * "dummy" is refused. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../netsetup/netsetup.h"
#include "../lib/ht-net.h"

/* The runner's pid, set before Check forks a test: the parent's teardown
 * can then name the links a failed test left. */
static pid_t owner;

/* "ht" TAG and the runner's pid's last digits: at most 15 bytes. */
static void link_name(char buf[16], const char *tag)
{
	snprintf(buf, 16, "ht%s%d", tag, (int)(owner % 1000000));
}

static struct hull_nl *nl_open(int nsfd)
{
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_nl_open(nsfd, &nl, &err) == 0, "%s", err.msg);
	return nl;
}

#define NL_OK(call) do { struct hull_err e_ = { 0 }; (void)e_; \
	ck_assert_msg((call) == 0, "%s", e_.msg); } while (0)

static void add_addr(struct hull_nl *nl, const char *ifname, const char *cidr)
{
	struct hull_net_addr a;
	ck_assert_int_eq(hull_net_addr_parse(cidr, &a), 0);
	NL_OK(hull_addr_add(nl, ifname, &a, &e_));
}

/* A virtual device with no peer: dummy where the kernel has it, else ifb. */
static void make_standalone(struct hull_nl *nl, const char *name)
{
	struct hull_err err = { 0 };
	if (hull_link_create(nl, name, "dummy", &err) == 0)
		return;
	NL_OK(hull_link_create(nl, name, "ifb", &e_));
}

static bool has_addr(struct hull_nl *nl, const char *ifname, const char *cidr)
{
	struct hull_net_addr *v = NULL;
	size_t n = 0;
	NL_OK(hull_addr_list(nl, ifname, &v, &n, &e_));
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		char buf[HULL_NET_ADDR_STRLEN];
		found |= !strcmp(hull_net_addr_format(&v[i], buf, sizeof(buf)), cidr);
	}
	free(v);
	return found;
}

static bool is_up(struct hull_nl *nl, const char *ifname)
{
	struct hull_link_info li;
	NL_OK(hull_link_info(nl, ifname, &li, &e_));
	return li.up;
}

static void pass(struct ht *t, const char *host_name, const char *name)
{
	json_t *l = json_object_get(t->cfg, "linux");
	json_t *d = json_object_get(l, "netDevices");
	if (!d) {
		d = json_object();
		json_object_set_new(l, "netDevices", d);
	}
	json_object_set_new(d, host_name, name ? json_pack("{s:s}", "name", name) : json_object());
}

static int open_netns(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* A veth whose peer "htpeer0" (198.18.11.2/24, up) lives in a netns the
 * test holds by an fd alone (no process: ht_finish counts processes); the
 * host end gets 198.18.11.1/24 and is up. */
struct peer {
	int nsfd;
	char host_end[16];
};

static void peer_make(struct peer *p, struct hull_nl *host)
{
	int keep;
	pid_t holder = ht_ns_holder(CLONE_NEWNET, &keep);
	p->nsfd = open_netns(holder);
	close(keep);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	link_name(p->host_end, "pv");
	NL_OK(hull_veth_create(host, p->host_end, "htpeer0", p->nsfd, 0, NULL, &e_));
	add_addr(host, p->host_end, "198.18.11.1/24");
	NL_OK(hull_link_set_up(host, p->host_end, true, &e_));
	struct hull_nl *in = nl_open(p->nsfd);
	add_addr(in, "htpeer0", "198.18.11.2/24");
	NL_OK(hull_link_set_up(in, "htpeer0", true, &e_));
	hull_nl_close(in);
}

static void peer_free(struct peer *p, struct hull_nl *host)
{
	struct hull_err err = { 0 };
	hull_link_delete(host, p->host_end, &err);
	close(p->nsfd);
}

#define SEE_CTR0 \
	"if ip addr show dev ctr0 | grep -q 'inet 198.18.11.1/24 '; then echo addr=yes; else echo addr=no; fi; " \
	"if ping -c 1 -W 5 198.18.11.2 > /dev/null; then echo ping=yes; else echo ping=no; fi"

START_TEST(passthrough_veth_end)
{
	char *before = htn_links();
	struct hull_nl *host = nl_open(-1);
	struct peer p;
	peer_make(&p, host);

	struct ht t;
	ht_begin(&t, false);
	pass(&t, p.host_end, "ctr0");
	htn_annotate(&t, "org.hull.net.netdevices.give-back", "true");
	htn_add_cap(&t, "CAP_NET_RAW");
	char script[512];
	snprintf(script, sizeof(script), SEE_CTR0 "; [ -e /sys/class/net/%s ] && echo host-name-seen; true",
		 p.host_end);
	ht_sh(&t, script);
	struct ht_result r;
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "addr=yes\nping=yes\n");
	ht_result_free(&r);

	/* Back under its name, with its address, up; and it still works. */
	ck_assert(htn_link_exists(p.host_end));
	ck_assert(has_addr(host, p.host_end, "198.18.11.1/24"));
	ck_assert(is_up(host, p.host_end));
	ht_finish(&t);

	/* Killed while running: delete --force gives it back too. */
	ht_begin(&t, false);
	pass(&t, p.host_end, NULL);
	htn_annotate(&t, "org.hull.net.netdevices.give-back", "true");
	ht_add_sync(&t);
	ht_sh(&t, "ip addr show dev $(ls /sys/class/net | grep -v lo) | grep -q 198.18.11.1/24 && "
		  "echo in > /mnt/ready; exec sleep 60");
	ht_start_ready(&t, "in\n");
	ck_assert(!htn_link_exists(p.host_end));
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ck_assert(has_addr(host, p.host_end, "198.18.11.1/24"));
	ck_assert(is_up(host, p.host_end));
	ht_finish(&t);

	peer_free(&p, host);
	hull_nl_close(host);
	htn_wait_links(before);
	free(before);
}
END_TEST

/* runtime-spec 1.3's defaults: a "%d" name template the kernel fills, the
 * link up inside, and no move back at delete: the netns goes, and with it
 * a virtual device (here the veth pair, its peer included). */
START_TEST(passthrough_spec_defaults)
{
	char *before = htn_links();
	struct hull_nl *host = nl_open(-1);
	struct peer p;
	peer_make(&p, host);
	NL_OK(hull_link_set_up(host, p.host_end, false, &e_));
	struct ht t;
	ht_begin(&t, false);
	pass(&t, p.host_end, "tpl%d");
	ht_sh(&t, "ip -o link show | grep -o 'tpl[0-9]*@[^:]*: <[^>]*,UP' | cut -d@ -f1");
	struct ht_result r;
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "tpl0\n");
	ht_result_free(&r);
	ht_finish(&t);
	ck_assert(!htn_link_exists(p.host_end));
	/* the pair is gone with the container's netns */
	htn_wait_link_gone(p.nsfd, "htpeer0");
	close(p.nsfd);
	hull_nl_close(host);
	htn_wait_links(before);
	free(before);
}
END_TEST

/* A device with no peer outlives the container's exit only because hull
 * pins the netns: after the init is gone and before delete, it must still
 * be in there, and delete returns it. Down stays down. */
START_TEST(passthrough_standalone_survives_exit)
{
	char *before = htn_links();
	struct hull_nl *host = nl_open(-1);
	char dev[16];
	link_name(dev, "pd");
	make_standalone(host, dev);
	add_addr(host, dev, "198.18.12.1/24");
	add_addr(host, dev, "2001:2::1/64");

	struct ht t;
	ht_begin(&t, false);
	pass(&t, dev, "pass0");
	htn_annotate(&t, "org.hull.net.netdevices.give-back", "true");
	/* down on the host, up in the container (runtime-spec 1.3) */
	ht_sh(&t, "ip addr show dev pass0 > /dev/null && ip addr show dev pass0 | grep -q 'inet 198.18.12.1/24' && "
		  "ip addr show dev pass0 | grep -q 'inet6 2001:2::1/64' && ip link show pass0 | grep -q ',UP' && "
		  "echo seen > /mnt/ready");
	ht_add_sync(&t);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	ck_assert_int_gt(pid, 0);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ck_assert_int_ge(pidfd, 0);
	ht_ok(&t, "start", t.id, NULL);
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "seen\n");
	free(line);
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pf, 1, 10000), 1);
	close(pidfd);

	/* The init is gone; the pinned netns still holds the device. */
	char pin[256];
	snprintf(pin, sizeof(pin), "%s/%s/netns", t.root, t.id);
	int nsfd = open(pin, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(nsfd >= 0, "%s: not pinned", pin);
	struct hull_nl *in = nl_open(nsfd);
	ck_assert_int_gt(hull_link_index(in, "pass0", &(struct hull_err){ 0 }), 0);
	hull_nl_close(in);
	close(nsfd);
	ck_assert(!htn_link_exists(dev));

	ht_ok(&t, "delete", t.id, NULL);
	ck_assert(htn_link_exists(dev));
	ck_assert(has_addr(host, dev, "198.18.12.1/24"));
	ck_assert(has_addr(host, dev, "2001:2::1/64"));
	ck_assert(!is_up(host, dev));
	ht_finish(&t);

	NL_OK(hull_link_delete(host, dev, &e_));
	hull_nl_close(host);
	htn_wait_links(before);
	free(before);
}
END_TEST

/* Two macvlan children of one standalone parent, in two containers: they
 * talk over the parent without a host bridge; egress shaping is on. */
START_TEST(macvlan_two_containers)
{
	char *before = htn_links();
	struct hull_nl *host = nl_open(-1);
	char parent[16];
	link_name(parent, "mp");
	make_standalone(host, parent);
	NL_OK(hull_link_set_up(host, parent, true, &e_));

	struct ht a, b;
	ht_begin(&a, false);
	ht_begin(&b, false);
	htn_annotate(&a, "org.hull.net.macvlan", parent);
	htn_annotate(&a, "org.hull.net.address", "198.18.13.2/24");
	htn_annotate(&a, "org.hull.net.mtu", "1400");
	htn_annotate(&a, "org.hull.net.egress-rate", "50mbit");
	ht_add_sync(&a);
	ht_sh(&a, "echo \"mtu=$(cat /sys/class/net/eth0/mtu)\" > /mnt/ready; "
		  "timeout 10 nc -l -p 5000 > /mnt/got; echo \"got $(cat /mnt/got)\" > /mnt/ready");
	ht_start_ready(&a, "mtu=1400\n");

	/* The qdisc hull put on a's eth0. */
	int nsfd = open_netns(ht_state_pid(&a, a.id, NULL, 0));
	struct hull_nl *in = nl_open(nsfd);
	bool tbf = false;
	uint64_t rate = 0;
	NL_OK(hull_tbf_get(in, "eth0", &tbf, &rate, &e_));
	ck_assert(tbf);
	ck_assert_uint_eq(rate, 50000000 / 8);
	hull_nl_close(in);
	close(nsfd);

	htn_annotate(&b, "org.hull.net.macvlan", parent);
	htn_annotate(&b, "org.hull.net.address", "198.18.13.3/24");
	htn_annotate(&b, "org.hull.net.ifname", "mv0");
	/* From a file, not a pipe: see net-bridge.c. */
	ht_sh(&b, "echo hello-macvlan > /dev/shm/msg; i=0; while [ $i -lt 25 ]; do "
		  "timeout 5 nc 198.18.13.2 5000 < /dev/shm/msg 2>/dev/null && echo sent && exit 0; "
		  "sleep 0.2; i=$((i+1)); done; echo unsent");
	struct ht_result r;
	ht_run(&b, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "sent\n");
	ht_result_free(&r);
	char *line = ht_wait_ready(&a);
	ck_assert_str_eq(line, "got hello-macvlan\n");
	free(line);

	ht_ok(&a, "delete", "--force", a.id, NULL);
	ht_finish(&b);
	ht_finish(&a);
	NL_OK(hull_link_delete(host, parent, &e_));
	hull_nl_close(host);
	htn_wait_links(before);
	free(before);
}
END_TEST

/* create fails with one line holding want; the host keeps what it had. */
static void fails(struct ht *t, const char *want)
{
	char *before = htn_links();
	ht_args(t, "true", NULL);
	struct ht_result r;
	ht_run(t, &r);
	ht_assert_error(&r, want);
	ht_result_free(&r);
	htn_wait_links(before);
	free(before);
	ht_finish(t);
}

START_TEST(bad_inputs_leave_nothing)
{
	struct hull_nl *host = nl_open(-1);
	struct peer p;
	peer_make(&p, host);
	char br[16], missing[16];
	link_name(br, "eb");
	link_name(missing, "no");
	bool created = false;
	NL_OK(hull_bridge_ensure(host, br, &created, &e_));
	struct ht t;

	ht_begin(&t, false);
	pass(&t, missing, NULL);
	char want[256];
	snprintf(want, sizeof(want), "hull: network: linux.netDevices.%s: no such device in hull's "
		 "network namespace (absent, or already in another one)", missing);
	fails(&t, want);

	/* The peer end lives in the test's netns, not the host's. */
	ht_begin(&t, false);
	pass(&t, "htpeer0", NULL);
	fails(&t, "linux.netDevices.htpeer0: no such device in hull's network namespace");

	/* The veth end moves first, then the bridge cannot (netns-local):
	 * the veth end must come back as it was. */
	ht_begin(&t, false);
	pass(&t, p.host_end, "ctr0");
	pass(&t, br, NULL);
	snprintf(want, sizeof(want), "hull: network: linux.netDevices.%s: link %s: RTM_NEWLINK: "
		 "Invalid argument (The interface netns is immutable)", br, br);
	fails(&t, want);
	ck_assert(htn_link_exists(p.host_end));
	ck_assert(has_addr(host, p.host_end, "198.18.11.1/24"));
	ck_assert(is_up(host, p.host_end));

	ht_begin(&t, false);
	htn_annotate(&t, "org.hull.net.macvlan", missing);
	snprintf(want, sizeof(want), "hull: network: org.hull.net.macvlan: parent %s: no such device "
		 "in hull's network namespace", missing);
	fails(&t, want);

	/* A host-ifname taken by a link that is not a dying veth. */
	ht_begin(&t, false);
	htn_annotate(&t, "org.hull.net.bridge", br);
	htn_annotate(&t, "org.hull.net.host-ifname", p.host_end);
	snprintf(want, sizeof(want), "hull: network: veth %s: a link of that name exists on the host "
		 "(choose another org.hull.net.host-ifname)", p.host_end);
	fails(&t, want);
	ck_assert(has_addr(host, p.host_end, "198.18.11.1/24"));

	ht_begin(&t, false);
	pass(&t, p.host_end, "0123456789abcdef");
	fails(&t, "hull: config.json: linux.netDevices.");

	NL_OK(hull_link_delete(host, br, &e_));
	peer_free(&p, host);
	hull_nl_close(host);
}
END_TEST

/* As runc: a new netns without hull networking still gets lo up. */
START_TEST(loopback_up_in_a_new_netns)
{
	struct ht t;
	ht_begin(&t, false);
	ht_sh(&t, "ip link show lo | grep -q 'LOOPBACK,UP' && echo lo-up; "
		  "echo via-lo > /dev/shm/msg; timeout 10 nc -l -p 5001 & i=0; while [ $i -lt 25 ]; do "
		  "timeout 5 nc 127.0.0.1 5001 < /dev/shm/msg 2>/dev/null && break; sleep 0.2; i=$((i+1)); done; wait");
	struct ht_result r;
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "lo-up\nvia-lo\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A failed assertion ends the test process before it cleans up: the links
 * it made go before the next test and after the last one. */
static void remove_test_links(void)
{
	static const char *const tags[] = { "pv", "pd", "mp", "eb", NULL };
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	if (hull_nl_open(-1, &nl, &err) < 0)
		return;
	for (size_t i = 0; tags[i]; i++) {
		char name[16];
		link_name(name, tags[i]);
		hull_link_delete(nl, name, &err);
	}
	hull_nl_close(nl);
}

static void set_owner(void)
{
	owner = getpid();
}

HULL_SUITE(net_modes, integration)
{
	Suite *s = suite_create("net_modes");
	TCase *tc = tcase_create("net_modes");
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, set_owner, remove_test_links);
	tcase_add_checked_fixture(tc, remove_test_links, NULL);
	tcase_add_test(tc, passthrough_veth_end);
	tcase_add_test(tc, passthrough_spec_defaults);
	tcase_add_test(tc, passthrough_standalone_survives_exit);
	tcase_add_test(tc, macvlan_two_containers);
	tcase_add_test(tc, bad_inputs_leave_nothing);
	tcase_add_test(tc, loopback_up_in_a_new_netns);
	suite_add_tcase(s, tc);
	return s;
}
