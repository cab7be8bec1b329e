/* What docker, podman and the CRI need of a runc drop-in, through the hull
 * binary alone (the clients themselves drive it in the clients and
 * containerd suites): their resources documents (what runc reads as not
 * set), device rules in an update, ps with ps(1)'s options; the process
 * (clients-compat-process.c) and what comes through the environment and
 * the command line (clients-compat-notify.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/ht.h"

/* linux.resources as docker 20.10 writes it for `docker run --memory 64m
 * --cpus 0.5 --pids-limit 50` (its device rules shortened). */
static const char docker_resources[] =
	"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}],"
	"\"memory\":{\"limit\":67108864,\"swap\":134217728,\"disableOOMKiller\":false},"
	"\"cpu\":{\"shares\":0,\"quota\":50000,\"period\":100000},"
	"\"pids\":{\"limit\":50},\"blockIO\":{\"weight\":0}}";

static void set_resources(struct ht *t, const char *json)
{
	json_error_t je;
	json_t *res = json_loads(json, 0, &je);
	ck_assert_msg(res != NULL, "%s", je.text);
	json_object_set_new(json_object_get(t->cfg, "linux"), "resources", res);
}

/* `hull exec ID sh -c script`, its stdout. */
static char *exec_out(struct ht *t, const char *script)
{
	struct ht_result r;
	ht_hull(t, &r, NULL, "exec", t->id, "sh", "-c", script, NULL);
	ht_assert_status(&r, 0);
	free(r.err);
	return r.out;
}

#define CG "/sys/fs/cgroup/"

/* docker's config starts a container: "blockIO":{"weight":0} and zero
 * shares are not set (this host's blkio has no proportional weight). */
START_TEST(docker_resources_create)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	set_resources(&t, docker_resources);
	ht_sh(&t, "cat " CG "pids/pids.max " CG "memory/memory.limit_in_bytes " CG "cpu/cpu.cfs_quota_us");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "50\n67108864\n50000\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Every linux.resources field with the value runc reads as not set (the
 * audit of what clients write): zero limits, shares, quotas and periods,
 * empty cpus and mems, empty lists and objects, a negative quota. The
 * container starts with the host's defaults, as under runc. */
START_TEST(resources_unset_values)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	set_resources(&t, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
		      "\"memory\":{\"limit\":0,\"reservation\":0,\"swap\":0,\"kernel\":0,\"kernelTCP\":0},"
		      "\"cpu\":{\"shares\":0,\"quota\":-5,\"period\":0,\"realtimeRuntime\":0,"
		      "\"realtimePeriod\":0,\"cpus\":\"\",\"mems\":\"\"},"
		      "\"blockIO\":{\"weight\":0,\"leafWeight\":0,\"weightDevice\":[],"
		      "\"throttleReadBpsDevice\":[],\"throttleWriteBpsDevice\":[],"
		      "\"throttleReadIOPSDevice\":[],\"throttleWriteIOPSDevice\":[]},"
		      "\"hugepageLimits\":[],\"network\":{\"classID\":0,\"priorities\":[]},\"rdma\":{}}");
	ht_sh(&t, "echo $(cat " CG "cpu/cpu.cfs_quota_us " CG "cpu/cpu.shares " CG "memory/memory.limit_in_bytes)");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	char want[128];
	char *mem = ht_read(CG "memory/memory.limit_in_bytes");
	ck_assert_ptr_nonnull(mem);
	snprintf(want, sizeof(want), "-1 1024 %.*s\n", (int)strcspn(mem, "\n"), mem);
	free(mem);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* docker update sends every value it leaves as 0; the CRI sends the device
 * rules with the limits: both change only what they mean to change. */
START_TEST(update_zeros_and_device_rules)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	set_resources(&t, docker_resources);
	ht_add_sync(&t);
	ht_sh(&t, "echo up > /mnt/ready; exec sleep 1000");
	ht_start_ready(&t, "up\n");
	char *devices = exec_out(&t, "cat " CG "devices/devices.list");

	ht_hull(&t, &r, "{\"memory\":{\"limit\":0,\"reservation\":0,\"kernel\":0},"
		"\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0},\"pids\":{\"limit\":20},"
		"\"blockIO\":{\"weight\":0}}", "update", "--resources", "-", t.id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char *out = exec_out(&t, "cat " CG "pids/pids.max " CG "memory/memory.limit_in_bytes "
			     CG "cpu/cpu.cfs_quota_us");
	ck_assert_str_eq(out, "20\n67108864\n50000\n");
	free(out);

	ht_hull(&t, &r, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
		"\"memory\":{\"limit\":100663296,\"swap\":201326592},\"cpu\":{\"quota\":20000}}",
		"update", "--resources", "-", t.id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	out = exec_out(&t, "cat " CG "memory/memory.limit_in_bytes " CG "cpu/cpu.cfs_quota_us");
	ck_assert_str_eq(out, "100663296\n20000\n");
	free(out);
	out = exec_out(&t, "cat " CG "devices/devices.list");
	ck_assert_str_eq(out, devices);
	free(out);
	free(devices);
	ht_ok(&t, "update", "--pids-limit", "0", t.id, NULL);
	out = exec_out(&t, "cat " CG "pids/pids.max");
	ck_assert_str_eq(out, "20\n");
	free(out);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* True when some line of out has pid as its field k (0-based). */
static bool has_pid_field(const char *out, int k, pid_t pid)
{
	for (const char *line = out; line && *line;) {
		const char *s = line;
		for (int i = 0; i < k; i++) {
			s += strspn(s, " ");
			s += strcspn(s, " \n");
		}
		if (atoi(s) == pid)
			return true;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	return false;
}

/* `ps ID -o pid,comm` runs ps(1) with those options, keeps the header and
 * the container's lines; -ef without options; no PID column is an error. */
START_TEST(ps_passes_options)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	ht_sh(&t, "sleep 1000 & echo up > /mnt/ready; wait");
	ht_start_ready(&t, "up\n");
	pid_t init = ht_state_pid(&t, t.id, NULL, 0);

	ht_hull(&t, &r, NULL, "ps", t.id, "-o", "pid,comm", NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "    PID COMMAND\n", 16) || strstr(r.out, "PID COMMAND\n"),
		      "header: %s", r.out);
	ck_assert_msg(has_pid_field(r.out, 0, init) && strstr(r.out, " sleep\n"), "ps: %s", r.out);
	ck_assert_msg(!has_pid_field(r.out, 0, getpid()), "the runner in ps: %s", r.out);
	size_t lines = 0;
	for (const char *p = r.out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines == 3, "want header, sh and sleep: %s", r.out);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "ps", t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "UID ", 4) && has_pid_field(r.out, 1, init), "ps -ef: %s", r.out);
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "ps", t.id, "-o", "comm", NULL);
	ht_assert_error(&r, "ps: couldn't find PID field in ps output");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "ps", t.id, "--no-such-option", NULL);
	ht_assert_error(&r, "ps: exit status 1: ");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "ps", "--format", "json", t.id, NULL);
	ht_assert_status(&r, 0);
	char want[32];
	snprintf(want, sizeof(want), "[%d,", (int)init);
	ck_assert_msg(!strncmp(r.out, want, strlen(want)), "ps --format json: %s", r.out);
	ht_result_free(&r);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

HULL_TESTS(clients_compat_process);
HULL_TESTS(clients_compat_notify);

HULL_SUITE(clients_compat, integration)
{
	Suite *s = suite_create("clients_compat");
	TCase *tc = tcase_create("compat");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, docker_resources_create);
	tcase_add_test(tc, resources_unset_values);
	tcase_add_test(tc, update_zeros_and_device_rules);
	tcase_add_test(tc, ps_passes_options);
	hull_tests_clients_compat_process(tc);
	hull_tests_clients_compat_notify(tc);
	suite_add_tcase(s, tc);
	return s;
}
