/* iperf3 between two containers on a bridge hull creates: data flows, and
 * org.hull.net.egress-rate / ingress-rate (tbf) shape it to the rate asked
 * for. Needs iperf3 in the fixture rootfs (tests/fixture.sh copies the
 * host's /usr/bin/iperf3; make deps installs it). Network rules: only links
 * this test names (bridge "htip" + our pid, the veths hull names), addresses
 * in 198.18.10.0/24, traffic only between the test's containers, every wait
 * bounded (timeout(1) around iperf3, bounded loops, poll deadlines). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../netsetup/netsetup.h"
#include "../../runtime/net.h"
#include "../lib/ht-net.h"

#define SERVER_ADDR "198.18.10.2"
#define CLIENT_ADDR "198.18.10.3"
#define BRIDGE_ADDR "198.18.10.1"
#define RATE_BPS 10e6		/* "10mbit" in tc is 10^7 bit/s */
#define TOLERANCE 0.15

/* The two containers of a test, static so the exit-time cleanup of a failed
 * assertion still finds them; cfg != NULL while one is not cleaned yet. */
static struct ht srv, cli;

static void bridge_name(char buf[16])
{
	snprintf(buf, 16, "htip%d", (int)(getpid() % 100000000));
}

/* Removes the link name if it exists; no assertions. */
static void del_link(const char *name)
{
	struct hull_nl *nl = NULL;
	struct hull_err err = { 0 };
	if (hull_nl_open(-1, &nl, &err) < 0)
		return;
	hull_link_delete(nl, name, &err);
	hull_nl_close(nl);
}

/* Both containers deleted, the bridge gone: after every test, passed or
 * failed (Check's teardown on success, atexit when an assertion ends the
 * test process). Idempotent. */
static void teardown(void)
{
	if (srv.cfg)
		ht_force_clean(&srv);
	if (cli.cfg)
		ht_force_clean(&cli);
	char br[16];
	bridge_name(br);
	del_link(br);
}

static void setup(void)
{
	static bool registered;
	if (!registered) {
		atexit(teardown);
		registered = true;
	}
	const char *fixture = getenv("HULL_FIXTURE");
	ck_assert_msg(fixture && *fixture, "HULL_FIXTURE is not set (run through make check)");
	char ip3[4200];
	snprintf(ip3, sizeof(ip3), "%s/rootfs/usr/bin/iperf3", fixture);
	ck_assert_msg(access(ip3, X_OK) == 0,
		      "%s missing: install iperf3 on the host (make deps) and rebuild the fixture "
		      "(rm -rf the fixture dir, then sh tests/fixture.sh DIR)", ip3);
}

static void net_config(struct ht *t, const char *br, const char *addr)
{
	htn_annotate(t, "org.hull.net.bridge", br);
	htn_annotate(t, "org.hull.net.bridge.address", BRIDGE_ADDR "/24");
	htn_annotate(t, "org.hull.net.bridge.remove-empty", "true");
	htn_annotate(t, "org.hull.net.address", addr);
	htn_annotate(t, "org.hull.net.gateway", BRIDGE_ADDR);
}

/* One iperf3 run, the server container detached, the client in the
 * foreground with the annotation key=value (key NULL: none), "-R" when
 * reverse (the server sends). Returns the receiver's bits per second
 * (end.sum_received) and checks that the host's links are as before. */
static double iperf(const char *key, const char *value, bool reverse, int secs)
{
	char br[16], host_srv[16], host_cli[16];
	bridge_name(br);
	ck_assert_msg(!htn_link_exists(br), "%s exists before the test", br);
	char *before = htn_links();
	ht_begin(&srv, false);
	ht_begin(&cli, false);
	/* iperf3 makes its stream buffers as files in /tmp; the rootfs is read-only. */
	ht_mount(&srv, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "size=16m", NULL);
	ht_mount(&cli, "/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "size=16m", NULL);
	hull_net_host_ifname(srv.id, host_srv);
	hull_net_host_ifname(cli.id, host_cli);

	/* The server: one test (-1), ready once :5201 listens (bounded 10 s). */
	ht_add_sync(&srv);
	net_config(&srv, br, SERVER_ADDR "/24");
	ht_sh(&srv, "timeout 20 iperf3 -s -1 >/mnt/server.log 2>&1 & "
		    "i=0; while [ $i -lt 100 ] && ! netstat -ltn | grep -q ':5201 '; do "
		    "sleep 0.1; i=$((i+1)); done; "
		    "if netstat -ltn | grep -q ':5201 '; then echo ready; else echo not-listening; fi "
		    "> /mnt/ready; wait");
	ht_start_ready(&srv, "ready\n");
	ck_assert(htn_link_exists(br));
	ck_assert(htn_link_exists(host_srv));

	net_config(&cli, br, CLIENT_ADDR "/24");
	if (key)
		htn_annotate(&cli, key, value);
	char t[16];
	snprintf(t, sizeof(t), "%d", secs);
	if (reverse)
		ht_args(&cli, "timeout", "20", "iperf3", "-c", SERVER_ADDR, "-t", t, "-J", "-R",
			NULL);
	else
		ht_args(&cli, "timeout", "20", "iperf3", "-c", SERVER_ADDR, "-t", t, "-J", NULL);
	struct ht_result r;
	ht_run(&cli, &r);
	if (r.status != 0) {
		char log[200];
		snprintf(log, sizeof(log), "%s/sync/server.log", srv.bundle);
		char *server = ht_read(log);
		ck_assert_msg(0, "client exit %d\nstdout: %s\nstderr: %s\nserver: %s", r.status,
			      r.out, r.err, server ? server : "(no log)");
	}
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	ck_assert_msg(j != NULL, "iperf3 -J: not JSON (%s): %s", je.text, r.out);
	json_t *bps = json_object_get(json_object_get(json_object_get(j, "end"), "sum_received"),
				      "bits_per_second");
	ck_assert_msg(json_is_number(bps), "iperf3 -J: no end.sum_received.bits_per_second: %s",
		      r.out);
	double got = json_number_value(bps);
	json_decref(j);
	ht_result_free(&r);

	ht_ok(&cli, "delete", "--force", cli.id, NULL);
	ht_ok(&srv, "delete", "--force", srv.id, NULL);
	htn_wait_links(before);
	free(before);
	ht_finish(&cli);
	ht_finish(&srv);
	return got;
}

static void assert_rate(const char *what, double got)
{
	fprintf(stderr, "net_iperf: %s: receiver %.3f Mbit/s\n", what, got / 1e6);
	ck_assert_msg(got >= RATE_BPS * (1 - TOLERANCE) && got <= RATE_BPS * (1 + TOLERANCE),
		      "%s: receiver %.3f Mbit/s, want 10 Mbit/s +-%.0f%%", what, got / 1e6,
		      TOLERANCE * 100);
}

START_TEST(data_flows)
{
	double got = iperf(NULL, NULL, false, 2);
	fprintf(stderr, "net_iperf: unshaped: receiver %.3f Mbit/s\n", got / 1e6);
	ck_assert_msg(got > 1e6, "receiver %.3f Mbit/s, want > 1", got / 1e6);
}
END_TEST

START_TEST(egress_rate)
{
	assert_rate("egress-rate 10mbit", iperf("org.hull.net.egress-rate", "10mbit", false, 3));
}
END_TEST

START_TEST(ingress_rate)
{
	assert_rate("ingress-rate 10mbit -R",
		    iperf("org.hull.net.ingress-rate", "10mbit", true, 3));
}
END_TEST

HULL_SUITE(net_iperf, integration)
{
	Suite *s = suite_create("net_iperf");
	TCase *tc = tcase_create("iperf");
	tcase_set_tags(tc, "daemon");	/* iperf3 servers, seconds of traffic */
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, data_flows);
	tcase_add_test(tc, egress_rate);
	tcase_add_test(tc, ingress_rate);
	suite_add_tcase(s, tc);
	return s;
}
