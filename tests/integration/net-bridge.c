/* Bridge mode end to end: two containers on a bridge hull creates, TCP
 * between them, and nothing left on the host after delete; bad
 * org.hull.net.* annotations fail before anything exists. Network rules:
 * only links this test names (bridge "htbr" + our pid), addresses in
 * 198.18.0.0/15, traffic only between the test's containers, every wait
 * bounded (timeout(1) in the containers, poll in ht_wait_ready). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../netsetup/netsetup.h"
#include "../../runtime/net.h"
#include "../lib/ht-net.h"

static void bridge_name(char buf[16])
{
	snprintf(buf, 16, "htbr%d", (int)(getpid() % 100000000));
}

static void net_config(struct ht *t, const char *br, const char *addr)
{
	htn_annotate(t, "org.hull.net.bridge", br);
	htn_annotate(t, "org.hull.net.bridge.address", "198.18.7.1/24");
	htn_annotate(t, "org.hull.net.bridge.remove-empty", "true");
	htn_annotate(t, "org.hull.net.address", addr);
	htn_annotate(t, "org.hull.net.gateway", "198.18.7.1");
	htn_annotate(t, "org.hull.net.mtu", "1400");
}

/* Prints "mtu=N addr=yes|no lo=UP-or-not" for eth0 with want. */
#define SHOW_NET(want) \
	"m=$(cat /sys/class/net/eth0/mtu); " \
	"if ip addr show dev eth0 | grep -q 'inet " want " '; then a=yes; else a=no; fi; " \
	"if ip route | grep -q '^default via 198.18.7.1 dev eth0'; then g=yes; else g=no; fi; " \
	"echo \"mtu=$m addr=$a gw=$g\""

START_TEST(two_containers_on_a_bridge)
{
	char br[16], host_a[16], host_b[16];
	bridge_name(br);
	char *before = htn_links();
	struct ht a, b;
	ht_begin(&a, false);
	ht_begin(&b, false);
	hull_net_host_ifname(a.id, host_a);
	hull_net_host_ifname(b.id, host_b);
	ck_assert_str_ne(host_a, host_b);
	ck_assert_uint_le(strlen(host_a), 15);

	/* a: reports its view, then takes one TCP message and reports it. */
	ht_add_sync(&a);
	net_config(&a, br, "198.18.7.2/24");
	ht_sh(&a, SHOW_NET("198.18.7.2/24") " > /mnt/ready; "
		  "timeout 10 nc -l -p 5000 > /mnt/got; echo \"got $(cat /mnt/got)\" > /mnt/ready");
	ht_start_ready(&a, "mtu=1400 addr=yes gw=yes\n");
	ck_assert(htn_link_exists(br));
	ck_assert(htn_link_exists(host_a));

	/* b: the same view, then sends until a's listener is up (bounded). */
	net_config(&b, br, "198.18.7.3/24");
	/* The message comes from a file, not a pipe: busybox nc, once the
	 * listener half-closes (its stdin is /dev/null), quits at the EOF it
	 * reads, and a slow echo in a pipe had not yet given it anything to send. */
	ht_sh(&b, SHOW_NET("198.18.7.3/24") "; echo hello-hull > /dev/shm/msg; i=0; while [ $i -lt 25 ]; do "
		  "timeout 5 nc 198.18.7.2 5000 < /dev/shm/msg 2>/dev/null && echo sent && exit 0; "
		  "sleep 0.2; i=$((i+1)); done; echo unsent");
	struct ht_result r;
	ht_run(&b, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "mtu=1400 addr=yes gw=yes\nsent\n");
	ht_result_free(&r);

	char *got = ht_wait_ready(&a);
	ck_assert_str_eq(got, "got hello-hull\n");
	free(got);

	ht_ok(&b, "delete", "--force", b.id, NULL);
	/* The bridge still has a's port. */
	ck_assert(htn_link_exists(br));
	ht_ok(&a, "delete", "--force", a.id, NULL);
	ck_assert(!htn_link_exists(host_a));
	ck_assert(!htn_link_exists(host_b));
	ck_assert(!htn_link_exists(br));
	char *after = htn_links();
	ck_assert_str_eq(after, before);
	free(after);
	free(before);
	ht_finish(&b);
	ht_finish(&a);
}
END_TEST

/* Short containers of one ID in a row on a shared bridge: the host end of
 * each veth is left to the kernel when the netns is already dying, and a
 * create that finds the last one still there (same derived name) must take
 * it over, not fail. After the last delete the host is as before, once the
 * kernel is done. */
START_TEST(same_id_again_and_again)
{
	char br[16];
	bridge_name(br);
	char *before = htn_links();
	struct ht t;
	ht_begin(&t, false);
	htn_annotate(&t, "org.hull.net.bridge", br);
	htn_annotate(&t, "org.hull.net.bridge.address", "198.18.7.1/24");
	htn_annotate(&t, "org.hull.net.address", "198.18.7.2/24");
	ht_args(&t, "true", NULL);
	for (int i = 0; i < 8; i++) {
		struct ht_result r;
		ht_run(&t, &r);
		ht_assert_status(&r, 0);
		ht_result_free(&r);
	}
	/* The bridge was hull's, but remove-empty was not asked for. */
	ck_assert(htn_link_exists(br));
	ht_finish(&t);
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_nl_open(-1, &nl, &err) == 0 && hull_link_delete(nl, br, &err) == 0, "%s", err.msg);
	hull_nl_close(nl);
	htn_wait_links(before);
	free(before);
}
END_TEST

/* One bad annotation set: create fails with exactly want, nothing is left. */
static void bad(const char *key, const char *value, const char *key2, const char *value2,
		const char *want)
{
	char *before = htn_links();
	struct ht t;
	ht_begin(&t, false);
	if (key)
		htn_annotate(&t, key, value);
	if (key2)
		htn_annotate(&t, key2, value2);
	ht_args(&t, "true", NULL);
	struct ht_result r;
	ht_run(&t, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	char *after = htn_links();
	ck_assert_str_eq(after, before);
	free(after);
	free(before);
	ht_finish(&t);
}

START_TEST(unknown_key)
{
	char br[16];
	bridge_name(br);
	bad("org.hull.net.bridge", br, "org.hull.net.foo", "1",
	    "hull: config.json: annotations.org.hull.net.foo: unknown key\n");
}
END_TEST

START_TEST(bad_address)
{
	char br[16];
	bridge_name(br);
	bad("org.hull.net.bridge", br, "org.hull.net.address", "198.18.7.300/24",
	    "hull: config.json: annotations.org.hull.net.address: \"198.18.7.300/24\" is not an "
	    "address with a prefix length (198.18.0.2/24, fd00::2/64)\n");
}
END_TEST

START_TEST(long_host_ifname)
{
	char br[16];
	bridge_name(br);
	bad("org.hull.net.bridge", br, "org.hull.net.host-ifname", "hv0123456789abcd",
	    "hull: config.json: annotations.org.hull.net.host-ifname: \"hv0123456789abcd\" is not "
	    "an interface name (1 to 15 bytes, no '/', ':' or space)\n");
}
END_TEST

START_TEST(address_without_bridge)
{
	bad("org.hull.net.address", "198.18.7.2/24", NULL, NULL,
	    "hull: config.json: annotations.org.hull.net.address: needs org.hull.net.bridge "
	    "or org.hull.net.macvlan\n");
}
END_TEST

HULL_SUITE(net_bridge, integration)
{
	Suite *s = suite_create("net_bridge");
	TCase *tc = tcase_create("bridge");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_containers_on_a_bridge);
	tcase_add_test(tc, same_id_again_and_again);
	tcase_add_test(tc, unknown_key);
	tcase_add_test(tc, bad_address);
	tcase_add_test(tc, long_host_ifname);
	tcase_add_test(tc, address_without_bridge);
	suite_add_tcase(s, tc);
	return s;
}
