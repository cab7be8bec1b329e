/* org.hull.net.* annotations: what hull_spec_parse makes of them and the
 * exact errors; the net record of state.json and the derived host name. */
#include <stdio.h>
#include <stdlib.h>

#include "../../oci-spec/spec.h"
#include "../../oci-spec/state.h"
#include "../../runtime/net.h"
#include "../lib/hull-test.h"

#define NETNS "{\"type\":\"network\"}"

static int parse(const char *ns, const char *ann, struct hull_spec **spec, struct hull_err *err)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
		 "\"annotations\":{%s},\"linux\":{\"namespaces\":[%s]}}", ann, ns);
	return hull_spec_parse(buf, strlen(buf), "/b", spec, err);
}

static void want_error(const char *ns, const char *ann, const char *msg)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(parse(ns, ann, &spec, &err), -EINVAL);
	ck_assert_ptr_null(spec);
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_full)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(parse(NETNS,
			    "\"org.hull.net.bridge\":\"br0\",\"org.hull.net.bridge.address\":\"198.18.7.1/24\","
			    "\"org.hull.net.bridge.remove-empty\":\"true\","
			    "\"org.hull.net.address\":\"198.18.7.2/24,fd00::2/64\","
			    "\"org.hull.net.gateway\":\"fd00::1\",\"org.hull.net.mtu\":\"1400\","
			    "\"org.hull.net.mac\":\"02:00:00:aB:cd:01\",\"org.hull.net.host-ifname\":\"vh1\","
			    "\"com.example.other\":\"x\"", &spec, &err) == 0, "%s", err.msg);
	const struct hull_net_config *n = &spec->net;
	ck_assert_str_eq(n->bridge, "br0");
	ck_assert_str_eq(n->bridge_address, "198.18.7.1/24");
	ck_assert(n->bridge_remove_empty);
	ck_assert_uint_eq(n->n_addresses, 2);
	ck_assert_str_eq(n->addresses[0], "198.18.7.2/24");
	ck_assert_str_eq(n->addresses[1], "fd00::2/64");
	ck_assert_ptr_null(n->addresses[2]);
	ck_assert_str_eq(n->gateway, "fd00::1");
	ck_assert_uint_eq(n->mtu, 1400);
	ck_assert(n->has_mac);
	ck_assert_int_eq(n->mac[3], 0xab);
	ck_assert_str_eq(n->ifname, "eth0");
	ck_assert_str_eq(n->host_ifname, "vh1");
	hull_spec_free(spec);

	/* No annotation: no networking, and no network namespace needed. */
	ck_assert_int_eq(parse("", "\"com.example.other\":\"x\"", &spec, &err), 0);
	ck_assert_ptr_null(spec->net.bridge);
	hull_spec_free(spec);
}
END_TEST

START_TEST(test_errors)
{
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.foo\":\"1\"",
		   "annotations.org.hull.net.foo: unknown key");
	want_error("", "\"org.hull.net.bridge\":\"b\"",
		   "annotations.org.hull.net.bridge: needs a new network namespace "
		   "(linux.namespaces: {\"type\": \"network\"} without a path)");
	want_error("{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}", "\"org.hull.net.bridge\":\"b\"",
		   "annotations.org.hull.net.bridge: needs a new network namespace "
		   "(linux.namespaces: {\"type\": \"network\"} without a path)");
	want_error(NETNS, "\"org.hull.net.mtu\":\"1400\"",
		   "annotations.org.hull.net.mtu: needs org.hull.net.bridge or org.hull.net.macvlan");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.mtu\":\"67\"",
		   "annotations.org.hull.net.mtu: \"67\": want a number from 68 to 65535");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.mac\":\"01:00:00:00:00:01\"",
		   "annotations.org.hull.net.mac: \"01:00:00:00:00:01\" is not a unicast MAC address (02:00:00:00:00:01)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.mac\":\"02:00:00:00:00:1\"",
		   "annotations.org.hull.net.mac: \"02:00:00:00:00:1\" is not a unicast MAC address (02:00:00:00:00:01)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.address\":\"198.18.7.2/24,\"",
		   "annotations.org.hull.net.address: \"198.18.7.2/24,\": want a comma list of CIDR addresses");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.address\":\"198.18.7.2\"",
		   "annotations.org.hull.net.address: \"198.18.7.2\" is not an address with a prefix length (198.18.0.2/24, fd00::2/64)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.address\":\"198.18.7.2/24\","
		   "\"org.hull.net.gateway\":\"fd00::1\"",
		   "annotations.org.hull.net.gateway: \"fd00::1\" is unreachable: no org.hull.net.address of its family");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.bridge.remove-empty\":\"yes\"",
		   "annotations.org.hull.net.bridge.remove-empty: \"yes\": want \"true\" or \"false\"");
	want_error(NETNS, "\"org.hull.net.bridge\":\"a/b\"",
		   "annotations.org.hull.net.bridge: \"a/b\" is not an interface name (1 to 15 bytes, no '/', ':' or space)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.macvlan\":\"p\"",
		   "annotations.org.hull.net.macvlan: cannot be combined with org.hull.net.bridge (one mode per container)");
	want_error(NETNS, "\"org.hull.net.macvlan\":\"p\",\"org.hull.net.ingress-rate\":\"1mbit\"",
		   "annotations.org.hull.net.ingress-rate: needs org.hull.net.bridge: a macvlan has no host end of its own");
	want_error(NETNS, "\"org.hull.net.macvlan\":\"p\",\"org.hull.net.host-ifname\":\"h\"",
		   "annotations.org.hull.net.host-ifname: needs org.hull.net.bridge: a macvlan has no host end of its own");
	want_error(NETNS, "\"org.hull.net.macvlan\":\"0123456789abcdef\"",
		   "annotations.org.hull.net.macvlan: \"0123456789abcdef\" is not an interface name (1 to 15 bytes, no '/', ':' or space)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.egress-rate\":\"fast\"",
		   "annotations.org.hull.net.egress-rate: \"fast\": want a rate and an optional burst (100mbit, 10mbit-64kb)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.ingress-rate\":\"0mbit\"",
		   "annotations.org.hull.net.ingress-rate: \"0mbit\": want a rate and an optional burst (100mbit, 10mbit-64kb)");
	want_error(NETNS, "\"org.hull.net.egress-rate\":\"1mbit\"",
		   "annotations.org.hull.net.egress-rate: needs org.hull.net.bridge or org.hull.net.macvlan");
	want_error("", "\"org.hull.net.macvlan\":\"p\"",
		   "annotations.org.hull.net.macvlan: needs a new network namespace "
		   "(linux.namespaces: {\"type\": \"network\"} without a path)");
	want_error(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.ifname\":\"lo\"",
		   "annotations.org.hull.net.ifname: \"lo\" is the container's loopback");
}
END_TEST

static int parse_devs(const char *ns, const char *ann, const char *devs, struct hull_spec **spec,
		      struct hull_err *err)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
		 "\"annotations\":{%s},\"linux\":{\"namespaces\":[%s],\"netDevices\":{%s}}}", ann, ns, devs);
	return hull_spec_parse(buf, strlen(buf), "/b", spec, err);
}

static void want_dev_error(const char *ns, const char *ann, const char *devs, const char *msg)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_int_eq(parse_devs(ns, ann, devs, &spec, &err), -EINVAL);
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_macvlan_shaping)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(parse(NETNS, "\"org.hull.net.macvlan\":\"ifb7\",\"org.hull.net.address\":\"198.18.7.2/24\","
			    "\"org.hull.net.egress-rate\":\"10mbit-32kb\"", &spec, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(spec->net.macvlan, "ifb7");
	ck_assert_ptr_null(spec->net.bridge);
	ck_assert_str_eq(spec->net.ifname, "eth0");
	ck_assert(spec->net.egress.set);
	ck_assert_uint_eq(spec->net.egress.rate, 1250000);
	ck_assert_uint_eq(spec->net.egress.burst, 32 * 1024);
	ck_assert(!spec->net.ingress.set);
	hull_spec_free(spec);

	ck_assert_msg(parse(NETNS, "\"org.hull.net.bridge\":\"b\",\"org.hull.net.ingress-rate\":\"100mbit\"",
			    &spec, &err) == 0, "%s", err.msg);
	ck_assert(spec->net.ingress.set);
	ck_assert_uint_eq(spec->net.ingress.rate, 12500000);
	/* The default burst: 10 ms at the rate, at least one 64 KiB GSO packet. */
	ck_assert_uint_eq(spec->net.ingress.burst, 125000);
	hull_spec_free(spec);
}
END_TEST

START_TEST(test_net_devices)
{
	struct hull_spec *spec = NULL;
	struct hull_err err = { 0 };
	ck_assert_msg(parse_devs(NETNS, "\"org.hull.net.bridge\":\"b\"",
				 "\"veth3\":{\"name\":\"ctr0\"},\"ifb3\":{}", &spec, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(spec->linux_.n_net_devices, 2);
	hull_spec_free(spec);

	want_dev_error("", "", "\"veth3\":{}",
		       "linux.netDevices: needs a network namespace (linux.namespaces: {\"type\": \"network\"}): "
		       "moving a device into the host's own is a no-op the spec forbids");
	want_dev_error(NETNS, "", "\"0123456789abcdef\":{}",
		       "linux.netDevices.0123456789abcdef: \"0123456789abcdef\" is not an interface name "
		       "(1 to 15 bytes, no '/', ':' or space)");
	want_dev_error(NETNS, "", "\"veth3\":{\"name\":\"a:b\"}",
		       "linux.netDevices.veth3: name \"a:b\" is not an interface name (1 to 15 bytes, no '/', ':' or space)");
	want_dev_error(NETNS, "", "\"veth3\":{\"name\":\"lo\"}",
		       "linux.netDevices.veth3: name \"lo\" is the container's loopback");
	want_dev_error(NETNS, "", "\"veth3\":{\"name\":\"x\"},\"veth4\":{\"name\":\"x\"}",
		       "linux.netDevices.veth4: name \"x\" is given to two devices");
	want_dev_error(NETNS, "", "\"veth3\":{},\"veth4\":{\"name\":\"veth3\"}",
		       "linux.netDevices.veth4: name \"veth3\" is given to two devices");
	want_dev_error(NETNS, "\"org.hull.net.bridge\":\"b\"", "\"veth3\":{\"name\":\"eth0\"}",
		       "linux.netDevices.veth3: name \"eth0\" is also org.hull.net.ifname");
}
END_TEST

START_TEST(test_state_record)
{
	struct hull_state_file in = { .oci_version = "1.2.0", .id = "c", .bundle = "/b",
				      .rootfs = "/b/r", .net_host_ifname = "hv1", .net_bridge = "br0",
				      .net_bridge_created = true, .net_remove_empty = true };
	struct hull_state_file out;
	struct hull_err err = { 0 };
	char *s = hull_state_file_dump(&in);
	ck_assert_msg(hull_state_file_parse(s, strlen(s), &out, &err) == 0, "%s", err.msg);
	free(s);
	ck_assert_str_eq(out.net_host_ifname, "hv1");
	ck_assert_str_eq(out.net_bridge, "br0");
	ck_assert(out.net_bridge_created && out.net_remove_empty);
	hull_state_file_free(&out);

	/* A state file from before bridge mode has no record. */
	const char *old = "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":0,\"bundle\":\"/b\","
			  "\"rootfs\":\"/b/r\",\"createdSec\":1,\"owner\":0}";
	ck_assert_msg(hull_state_file_parse(old, strlen(old), &out, &err) == 0, "%s", err.msg);
	ck_assert_ptr_null(out.net_host_ifname);
	ck_assert_ptr_null(out.net_bridge);
	hull_state_file_free(&out);

	/* A bridge record without a veth (a create that failed in between)
	 * survives a dump: found by fuzz-state's round trip. */
	struct hull_state_file br = { .oci_version = "1.2.0", .id = "c", .bundle = "/b", .rootfs = "/b/r",
				      .net_bridge = "br0", .net_bridge_created = true };
	s = hull_state_file_dump(&br);
	ck_assert_msg(hull_state_file_parse(s, strlen(s), &out, &err) == 0, "%s", err.msg);
	free(s);
	ck_assert_str_eq(out.net_bridge, "br0");
	ck_assert(out.net_bridge_created);
	hull_state_file_free(&out);

	/* Passthrough only: no veth, a pinned netns, devices with addresses. */
	char *addrs[] = { "198.18.8.1/24", "fd00::1/64", NULL };
	struct hull_state_netdev devs[] = {
		{ .host_name = "veth3", .name = "ctr0", .up = true, .addresses = addrs, .n_addresses = 2, .index = 7 },
		{ .host_name = "ifb3", .name = "ifb3", .index = 0 },
	};
	struct hull_state_file pt = { .oci_version = "1.2.0", .id = "c", .bundle = "/b", .rootfs = "/b/r",
				      .net_netns_pinned = true, .net_devices = devs, .n_net_devices = 2 };
	s = hull_state_file_dump(&pt);
	ck_assert_msg(hull_state_file_parse(s, strlen(s), &out, &err) == 0, "%s", err.msg);
	free(s);
	ck_assert_ptr_null(out.net_host_ifname);
	ck_assert_ptr_null(out.net_bridge);
	ck_assert(out.net_netns_pinned);
	ck_assert_uint_eq(out.n_net_devices, 2);
	ck_assert_str_eq(out.net_devices[0].host_name, "veth3");
	ck_assert_str_eq(out.net_devices[0].name, "ctr0");
	ck_assert(out.net_devices[0].up);
	ck_assert_int_eq(out.net_devices[0].index, 7);
	ck_assert_uint_eq(out.net_devices[0].n_addresses, 2);
	ck_assert_str_eq(out.net_devices[0].addresses[1], "fd00::1/64");
	ck_assert_ptr_null(out.net_devices[0].addresses[2]);
	ck_assert(!out.net_devices[1].up);
	ck_assert_uint_eq(out.net_devices[1].n_addresses, 0);
	hull_state_file_free(&out);

	const char *broken = "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":0,\"bundle\":\"/b\","
			     "\"rootfs\":\"/b/r\",\"createdSec\":1,\"owner\":0,"
			     "\"net\":{\"devices\":[{\"hostName\":\"v\",\"name\":\"v\",\"addresses\":[1]}]}}";
	ck_assert_int_eq(hull_state_file_parse(broken, strlen(broken), &out, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "state.json: net.devices[0]: addresses: expected strings");
}
END_TEST

START_TEST(test_host_ifname)
{
	char a[16], b[16];
	hull_net_host_ifname("container-1", a);
	hull_net_host_ifname("container-2", b);
	ck_assert_uint_eq(strlen(a), 15);
	ck_assert(!strncmp(a, "hv", 2));
	ck_assert_str_ne(a, b);
	hull_net_host_ifname("container-1", b);
	ck_assert_str_eq(a, b);
}
END_TEST

HULL_SUITE(net_annotations, unit)
{
	Suite *s = suite_create("net_annotations");
	TCase *tc = tcase_create("net_annotations");
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_macvlan_shaping);
	tcase_add_test(tc, test_net_devices);
	tcase_add_test(tc, test_state_record);
	tcase_add_test(tc, test_host_ifname);
	suite_add_tcase(s, tc);
	return s;
}
