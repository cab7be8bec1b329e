/* The systemd cgroup driver (--systemd-cgroup) through the hull binary:
 * the scope a container gets, read back from systemd (busctl
 * get-property) and from the cgroup files; update, pause, exec, kill,
 * delete; the errors, each leaving no unit, cgroup or state behind. On a
 * host booted with systemd the suite talks to it; elsewhere (this
 * development VM) to tests/systemd/fake-systemd.py on a private bus, and
 * without python3-dbus, python3-gi or dbus-daemon it says why it skips. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

/* A slice in a slice: systemd makes both (the test stops the outer one). */
#define SLICE "hulltest-sd.slice"
#define SLICE_PATH "hulltest.slice/" SLICE
#define BUSCTL "/usr/bin/busctl"

static pid_t fake_pid;
static char fake_dir[64];
static const char *skip_reason;

/* The fake's bus address: the first line it prints once it serves. */
static void start_fake(void)
{
	char script[4200];
	snprintf(script, sizeof(script), "%s", ht_hull_bin());
	char *slash = strrchr(script, '/');
	snprintf(slash ? slash + 1 : script, sizeof(script) - (size_t)(slash ? slash + 1 - script : 0),
		 "tests/systemd/fake-systemd.py");
	if (access("/usr/bin/dbus-daemon", X_OK) < 0 && access("/bin/dbus-daemon", X_OK) < 0) {
		skip_reason = "no dbus-daemon (package dbus-daemon) for the fake systemd";
		return;
	}
	if (system("/usr/bin/python3 -c 'import dbus, gi' 2>/dev/null") != 0) {
		skip_reason = "no python3-dbus or python3-gi for the fake systemd";
		return;
	}
	snprintf(fake_dir, sizeof(fake_dir), "/tmp/ht-fakesd-%d", (int)getpid());
	mkdir(fake_dir, 0700);
	int pipefd[2];
	if (pipe(pipefd) < 0)
		abort();
	fake_pid = fork();
	if (fake_pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execl("/usr/bin/python3", "python3", script, fake_dir, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	char addr[512];
	FILE *f = fdopen(pipefd[0], "r");
	if (!f || !fgets(addr, sizeof(addr), f)) {
		skip_reason = "the fake systemd did not start (tests/systemd/fake-systemd.py)";
	} else {
		addr[strcspn(addr, "\n")] = 0;
		setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
	}
	if (f)
		fclose(f);
}

static bool booted_with_systemd(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

static void setup(void)
{
	if (!booted_with_systemd())
		start_fake();
}

/* The slices systemd made for the tests' scopes stay loaded: the test's
 * to stop (hull leaves slices alone, as runc: others may use them). */
static void teardown(void)
{
	if (booted_with_systemd() && system("systemctl stop hulltest.slice") != 0)
		fprintf(stderr, "systemd_driver: systemctl stop hulltest.slice failed\n");
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", fake_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "systemd_driver: could not remove %s\n", fake_dir);
		fake_pid = 0;
	}
}

static bool skipped(void)
{
	if (skip_reason)
		fprintf(stderr, "systemd_driver: skipped: %s\n", skip_reason);
	return skip_reason != NULL;
}

static bool v2_host(void)
{
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

/* busctl get-property of the unit: "t 67108864", "" when it has none. */
static char *unit_prop(const char *unit, const char *iface, const char *prop)
{
	char path[512] = "/org/freedesktop/systemd1/unit/";
	for (const char *c = unit; *c; c++) {
		size_t n = strlen(path);
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
			snprintf(path + n, sizeof(path) - n, "%c", *c);
		else
			snprintf(path + n, sizeof(path) - n, "_%02x", (unsigned char)*c);
	}
	char *argv[] = { BUSCTL, "get-property", "org.freedesktop.systemd1", path,
			 (char *)iface, (char *)prop, NULL };
	struct ht_proc p;
	struct ht_result r;
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, &r, 10000);
	char *v = strdup(r.status == 0 ? r.out : "");
	v[strcspn(v, "\n")] = 0;
	ht_result_free(&r);
	return v;
}

static void assert_prop(const char *unit, const char *iface, const char *prop, const char *want)
{
	char *v = unit_prop(unit, iface, prop);
	ck_assert_msg(!strcmp(v, want), "%s %s: \"%s\", want \"%s\"", unit, prop, v, want);
	free(v);
}

/* A cgroup file of the unit: v2 at the root, v1 in the controller's hierarchy. */
static char *unit_file(const char *unit, const char *ctrl, const char *v1file, const char *v2file)
{
	char path[512];
	if (v2_host())
		snprintf(path, sizeof(path), "/sys/fs/cgroup/" SLICE_PATH "/%s/%s", unit, v2file);
	else
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/" SLICE_PATH "/%s/%s", ctrl, unit, v1file);
	char *s = ht_read(path);
	if (s)
		s[strcspn(s, "\n")] = 0;
	return s;
}

static void begin(struct ht *t, char *unit, size_t cap)
{
	ht_begin(t, false);
	char path[128];
	snprintf(path, sizeof(path), SLICE ":hull:%s", t->id);
	json_t *lnx = json_object_get(t->cfg, "linux");
	json_object_set_new(lnx, "cgroupsPath", json_string(path));
	snprintf(unit, cap, "hull-%s.scope", t->id);
}

/* The unit and every directory of it are gone, then the usual checks. */
static void finish(struct ht *t, const char *unit)
{
	char *state = unit_prop(unit, "org.freedesktop.systemd1.Unit", "ActiveState");
	ck_assert_msg(!strcmp(state, "") || !strcmp(state, "s \"inactive\""), "unit %s left: %s", unit, state);
	free(state);
	ck_assert_msg(!ht_cgroup_exists(unit), "cgroup %s left", ht_cgroup_found);
	ht_finish(t);
}

static void set_resources(struct ht *t)
{
	json_t *res = json_pack("{s:{s:I}, s:{s:I}, s:{s:I, s:I, s:I}}", "memory", "limit", (json_int_t)64 << 20,
				"pids", "limit", (json_int_t)50, "cpu", "shares", (json_int_t)512, "quota",
				(json_int_t)50000, "period", (json_int_t)100000);
	json_object_set_new(json_object_get(t->cfg, "linux"), "resources", res);
}

/* What systemd was told and what the scope's files hold, at create. */
static void check_created(const char *unit, pid_t pid)
{
	const char *scope = "org.freedesktop.systemd1.Scope";
	assert_prop(unit, "org.freedesktop.systemd1.Unit", "ActiveState", "s \"active\"");
	assert_prop(unit, scope, "Slice", "s \"" SLICE "\"");
	assert_prop(unit, scope, "Delegate", "b true");
	assert_prop(unit, scope, v2_host() ? "MemoryMax" : "MemoryLimit", "t 67108864");
	assert_prop(unit, scope, "TasksMax", "t 50");
	assert_prop(unit, scope, "CPUQuotaPerSecUSec", "t 500000");
	assert_prop(unit, scope, "TimeoutStopUSec", "t 5000000");
	char *mem = unit_file(unit, "memory", "memory.limit_in_bytes", "memory.max");
	ck_assert_msg(mem && !strcmp(mem, "67108864"), "memory limit %s", mem ? mem : "(no file)");
	free(mem);
	char file[64], want[256];
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	char *cg = ht_read(file);
	snprintf(want, sizeof(want), "/" SLICE_PATH "/%s\n", unit);
	ck_assert_msg(cg && strstr(cg, want), "the init is not in %s: %s", want, cg ? cg : "(gone)");
	free(cg);
}

START_TEST(lifecycle)
{
	if (skipped())
		return;
	struct ht t;
	struct ht_result r;
	char unit[128];
	begin(&t, unit, sizeof(unit));
	set_resources(&t);
	json_t *ann = json_object_get(t.cfg, "annotations");
	if (!ann)
		json_object_set_new(t.cfg, "annotations", ann = json_object());
	json_object_set_new(ann, "org.systemd.property.TimeoutStopSec", json_string("5"));
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	ht_ok(&t, "--systemd-cgroup", "create", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	ck_assert_int_gt(pid, 1);
	check_created(unit, pid);
	ht_ok(&t, "start", t.id, NULL);

	ht_hull(&t, &r, NULL, "ps", "--format", "json", t.id, NULL);
	char want[32];
	snprintf(want, sizeof(want), "[%d]", (int)pid);
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, want), "ps: %s", r.out);
	ht_result_free(&r);
	/* events reads the scope's statistics: the limit systemd was given */
	ht_hull(&t, &r, NULL, "events", "--stats", t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, "\"type\":\"stats\"") && strstr(r.out, "67108864"), "events: %s", r.out);
	ht_result_free(&r);
	ht_ok(&t, "pause", t.id, NULL);
	char status[32];
	ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "paused");
	ht_ok(&t, "resume", t.id, NULL);

	ht_ok(&t, "update", "--memory", "128m", "--pids-limit", "20", t.id, NULL);
	assert_prop(unit, "org.freedesktop.systemd1.Scope", v2_host() ? "MemoryMax" : "MemoryLimit", "t 134217728");
	assert_prop(unit, "org.freedesktop.systemd1.Scope", "TasksMax", "t 20");
	char *pids = unit_file(unit, "pids", "pids.max", "pids.max");
	ck_assert_msg(pids && !strcmp(pids, "20"), "pids.max %s", pids ? pids : "(no file)");
	free(pids);

	/* exec joins the scope: the same cgroup as the init's */
	ht_hull(&t, &r, NULL, "exec", t.id, "sh", "-c", "cat /proc/self/cgroup | wc -l; echo ok", NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(strstr(r.out, "ok\n"), "exec: %s", r.out);
	ht_result_free(&r);

	ht_ok(&t, "kill", t.id, "KILL", NULL);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ht_ok(&t, "delete", t.id, NULL);
	finish(&t, unit);
}
END_TEST

/* `run` of a process that ends at once: systemd removes the scope as
 * soon as it is empty, while run is about to delete it; five times. */
START_TEST(run_true)
{
	if (skipped())
		return;
	for (int i = 0; i < 5; i++) {
		struct ht t;
		struct ht_result r;
		char unit[128];
		begin(&t, unit, sizeof(unit));
		ht_args(&t, "true", NULL);
		ht_write_config(&t);
		ht_hull(&t, &r, NULL, "--systemd-cgroup", "run", "--bundle", t.bundle, t.id, NULL);
		ht_assert_status(&r, 0);
		ck_assert_str_eq(r.err, "");
		ht_result_free(&r);
		finish(&t, unit);
	}
}
END_TEST

/* An error: one line naming want, no unit, no cgroup, no state left. */
static void expect_create_error(struct ht *t, const char *unit, const char *want)
{
	struct ht_result r;
	ht_write_config(t);
	ht_hull(t, &r, NULL, "--systemd-cgroup", "create", "--bundle", t->bundle, t->id, NULL);
	ht_assert_error(&r, want);
	ht_result_free(&r);
	finish(t, unit);
}

START_TEST(bad_path)
{
	if (skipped())
		return;
	struct ht t;
	char unit[128];
	begin(&t, unit, sizeof(unit));
	json_object_set_new(json_object_get(t.cfg, "linux"), "cgroupsPath", json_string("/hull/x"));
	expect_create_error(&t, unit, "linux.cgroupsPath: /hull/x: --systemd-cgroup expects \"slice:prefix:name\"");
}
END_TEST

START_TEST(bad_annotation)
{
	if (skipped())
		return;
	struct ht t;
	char unit[128];
	begin(&t, unit, sizeof(unit));
	json_object_set_new(t.cfg, "annotations", json_pack("{s:s}", "org.systemd.property.PIDs", "['1']"));
	expect_create_error(&t, unit, "annotations.org.systemd.property.PIDs: hull sets PIDs itself");
}
END_TEST

START_TEST(no_bus)
{
	if (skipped())
		return;
	struct ht t;
	char unit[128];
	begin(&t, unit, sizeof(unit));
	char *saved = strdup(getenv("DBUS_SYSTEM_BUS_ADDRESS") ? getenv("DBUS_SYSTEM_BUS_ADDRESS") : "");
	setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
	ht_write_config(&t);
	struct ht_result r;
	ht_hull(&t, &r, NULL, "--systemd-cgroup", "create", "--bundle", t.bundle, t.id, NULL);
	if (*saved)
		setenv("DBUS_SYSTEM_BUS_ADDRESS", saved, 1);
	else
		unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	free(saved);
	ht_assert_error(&r, "--systemd-cgroup: the system bus (is the host booted with systemd?)");
	ht_result_free(&r);
	finish(&t, unit);
}
END_TEST

/* The fake's start job fails on Description 'fail' (systemd's fail for
 * reasons of its own): the init is killed, nothing is left. */
START_TEST(start_job_fails)
{
	if (skipped())
		return;
	if (booted_with_systemd()) {
		fprintf(stderr, "systemd_driver: start_job_fails: skipped: needs the fake systemd\n");
		return;
	}
	struct ht t;
	char unit[128];
	begin(&t, unit, sizeof(unit));
	ht_args(&t, "sleep", "1000", NULL);
	json_object_set_new(t.cfg, "annotations", json_pack("{s:s}", "org.systemd.property.Description", "'fail'"));
	char want[256];
	snprintf(want, sizeof(want), "systemd unit %s: start job: failed", unit);
	expect_create_error(&t, unit, want);
}
END_TEST

/* A unit of that name that runs is another container's: refused, and it
 * is left as it was. */
START_TEST(unit_exists)
{
	if (skipped())
		return;
	struct ht t, u;
	struct ht_result r;
	char unit[128], unit2[128];
	begin(&t, unit, sizeof(unit));
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	ht_ok(&t, "--systemd-cgroup", "create", "--bundle", t.bundle, t.id, NULL);
	begin(&u, unit2, sizeof(unit2));
	json_object_set_new(json_object_get(u.cfg, "linux"), "cgroupsPath", json_string(json_string_value(
		json_object_get(json_object_get(t.cfg, "linux"), "cgroupsPath"))));
	ht_write_config(&u);
	ht_hull(&u, &r, NULL, "--systemd-cgroup", "create", "--bundle", u.bundle, u.id, NULL);
	char want[256];
	snprintf(want, sizeof(want), "systemd unit %s: already exists (active)", unit);
	ht_assert_error(&r, want);
	ht_result_free(&r);
	assert_prop(unit, "org.freedesktop.systemd1.Unit", "ActiveState", "s \"active\"");
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&u);
	finish(&t, unit);
}
END_TEST

HULL_SUITE(systemd_driver, integration)
{
	Suite *s = suite_create("systemd_driver");
	TCase *tc = tcase_create("systemd");
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lifecycle);
	tcase_add_test(tc, run_true);
	tcase_add_test(tc, bad_path);
	tcase_add_test(tc, bad_annotation);
	tcase_add_test(tc, no_bus);
	tcase_add_test(tc, start_job_fails);
	tcase_add_test(tc, unit_exists);
	suite_add_tcase(s, tc);
	return s;
}
