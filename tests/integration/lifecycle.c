/* The runc lifecycle through the hull binary: create, start, state, kill,
 * delete, run, list, ps, and the host left clean after each. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

static void expect_status(struct ht *t, const char *want)
{
	char status[32];
	ht_state_pid(t, t->id, status, sizeof(status));
	ck_assert_str_eq(status, want);
}

/* Waits for the init, a child of the test since it is a subreaper. */
static int wait_init(pid_t pid)
{
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

START_TEST(create_start_kill_delete)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);

	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	char status[32];
	pid_t pid = ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "created");
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(kill(pid, 0), 0);

	ht_ok(&t, "start", t.id, NULL);
	expect_status(&t, "running");
	ck_assert_int_eq(ht_state_pid(&t, t.id, NULL, 0), pid);

	ht_ok(&t, "kill", t.id, "KILL", NULL);
	ck_assert_int_eq(wait_init(pid), 128 + SIGKILL);
	expect_status(&t, "stopped");

	ht_ok(&t, "delete", t.id, NULL);
	ht_hull(&t, &r, NULL, "state", t.id, NULL);
	ck_assert_int_eq(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want), "hull: container %s does not exist\n", t.id);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static const struct { const char *script; int status; } exits[] = {
	{ "exit 0", 0 },
	{ "exit 7", 7 },
	{ "exit 255", 255 },
	{ "kill -KILL $$; exit 3", 3 },	/* pid 1 of a pid namespace ignores its own SIGKILL */
	{ "sleep 1000 & kill -KILL $!; wait $!", 137 },
};

START_TEST(run_exit_codes)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, exits[_i].script);
	ht_run(&t, &r);
	ht_assert_status(&r, exits[_i].status);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(run_output_and_stdin)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "sh", NULL);
	ht_write_config(&t);
	ht_hull(&t, &r, "echo pid $$\nhostname\nid -u\n", "run", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "pid 1\nhull\n0\n");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(duplicate_id_refused)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	ck_assert_int_eq(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want), "hull: container %s already exists\n", t.id);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	/* The first one is untouched. */
	expect_status(&t, "created");
	ck_assert_int_eq(ht_state_pid(&t, t.id, NULL, 0), pid);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(delete_running_needs_force)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	expect_status(&t, "running");
	ht_hull(&t, &r, NULL, "delete", t.id, NULL);
	ck_assert_int_eq(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want),
		 "hull: container %s is running: stop it first or use delete --force\n", t.id);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	expect_status(&t, "running");
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_hull(&t, &r, NULL, "delete", "--force", t.id, NULL);
	ht_assert_status(&r, 0);	/* like runc: a missing container is fine with --force */
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static const struct { const char *id, *err; } bad_ids[] = {
	{ "../x", "hull: container ID \"../x\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*\n" },
	{ "a/b", "hull: container ID \"a/b\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*\n" },
	{ ".hidden", "hull: container ID \".hidden\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*\n" },
	{ "", "hull: container ID: must not be empty\n" },
	{ "a b", "hull: container ID \"a b\": must match [A-Za-z0-9][A-Za-z0-9_+.-]*\n" },
};

START_TEST(bad_ids_refused)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_write_config(&t);
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, bad_ids[_i].id, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, bad_ids[_i].err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(long_id_refused)
{
	struct ht t;
	struct ht_result r;
	char id[1100];
	memset(id, 'a', 256);
	id[256] = 0;
	ht_begin(&t, false);
	ht_write_config(&t);
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, id, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "hull: container ID: longer than 255 characters\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(kill_signal_forms)
{
	static const char *forms[] = { "USR1", "SIGUSR1", "10" };
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	ht_sh(&t, "trap 'exit 42' USR1; echo ready > /mnt/ready; sleep 1000 & wait");
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	free(ht_wait_ready(&t));
	ht_ok(&t, "kill", t.id, forms[_i], NULL);
	ck_assert_int_eq(wait_init(pid), 42);
	expect_status(&t, "stopped");
	ht_hull(&t, &r, NULL, "kill", t.id, "NOSUCHSIG", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "hull: kill: unknown signal \"NOSUCHSIG\"\n");
	ht_result_free(&r);
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(run_forwards_signals)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	/* The test signals the foreground `hull run` itself; it must pass TERM on. */
	ht_sh(&t, "trap 'echo term; exit 5' TERM; echo ready > /mnt/ready; sleep 1000 & wait");
	ht_write_config(&t);
	pid_t runner = fork();
	ck_assert_int_ge(runner, 0);
	if (runner == 0) {
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		_exit(r.status == 5 && !strcmp(r.out, "term\n") ? 0 : 1);
	}
	free(ht_wait_ready(&t));
	/* The hull process is the only child of runner. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", runner, runner);
	char *kids = ht_read(path);
	ck_assert_ptr_nonnull(kids);
	pid_t hull = atoi(kids);
	free(kids);
	ck_assert_int_gt(hull, 0);
	ck_assert_int_eq(kill(hull, SIGTERM), 0);
	int st;
	ck_assert_int_eq(waitpid(runner, &st, 0), runner);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ht_finish(&t);
}
END_TEST

/* The init killed from outside: run exits with 128+9. */
START_TEST(run_killed_137)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	ht_sh(&t, "echo ready > /mnt/ready; sleep 1000 & wait");
	ht_write_config(&t);
	pid_t runner = fork();
	ck_assert_int_ge(runner, 0);
	if (runner == 0) {
		ht_hull(&t, &r, NULL, "run", "--bundle", t.bundle, t.id, NULL);
		_exit(r.status);
	}
	free(ht_wait_ready(&t));
	ht_ok(&t, "kill", t.id, "KILL", NULL);
	int st;
	ck_assert_int_eq(waitpid(runner, &st, 0), runner);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 137);
	ht_finish(&t);
}
END_TEST

START_TEST(list_ps_pidfile)
{
	struct ht t;
	struct ht_result r;
	char pidfile[128];
	ht_begin(&t, false);
	snprintf(pidfile, sizeof(pidfile), "%s/init.pid", t.bundle);
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--pid-file", pidfile, "--bundle", t.bundle, t.id, NULL);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	char *pf = ht_read(pidfile);
	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(atoi(pf), pid);
	free(pf);

	ht_hull(&t, &r, NULL, "list", "-q", NULL);
	ht_assert_status(&r, 0);
	char want[128];
	snprintf(want, sizeof(want), "%s\n", t.id);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "list", "--format", "json", NULL);
	ht_assert_status(&r, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_msg(json_is_array(j) && json_array_size(j) == 1, "list json: %s", r.out);
	json_t *o = json_array_get(j, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), t.id);
	ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "created");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "pid")), pid);
	ck_assert_str_eq(json_string_value(json_object_get(o, "bundle")), t.bundle);
	json_decref(j);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "list", NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "ID", 2) && strstr(r.out, t.id) && strstr(r.out, "created"),
		      "list: %s", r.out);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "ps", "--format", "json", t.id, NULL);
	ht_assert_status(&r, 0);
	j = json_loads(r.out, 0, NULL);
	ck_assert_msg(json_is_array(j) && json_array_size(j) == 1 &&
		      json_integer_value(json_array_get(j, 0)) == pid, "ps json: %s", r.out);
	json_decref(j);
	ht_result_free(&r);

	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* Two containers share the default parent cgroup "hull"; the one deleted
 * last removes it, though the other one made it. */
START_TEST(shared_default_parent_removed)
{
	struct ht t;
	ht_begin(&t, false);
	ht_args(&t, "sleep", "1000", NULL);
	ht_write_config(&t);
	char second[80];
	snprintf(second, sizeof(second), "%s-2", t.id);
	if (ht_systemd_driver()) {
		ht_finish(&t);
		ht_skip("the systemd driver makes a scope per container in a slice it leaves alone: "
			"no default parent cgroup hull to share");
		return;
	}
	if (ht_cgroup_exists("hull")) {
		char found[sizeof(ht_cgroup_found)];
		snprintf(found, sizeof(found), "%s", ht_cgroup_found); /* ht_finish looks for cgroups too */
		ht_finish(&t);
		ht_skip("a cgroup named hull exists before the test (%s: containers of another run use the "
			"default parent): its removal with the last container cannot be seen",
			found);
		return;
	}
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ht_ok(&t, "create", "--bundle", t.bundle, second, NULL);
	ck_assert(ht_cgroup_exists("hull"));
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ck_assert(ht_cgroup_exists("hull"));	/* still in use */
	ht_ok(&t, "delete", "--force", second, NULL);
	ck_assert_msg(!ht_cgroup_exists("hull"), "the default parent cgroup hull was left behind");
	ht_finish(&t);
}
END_TEST

START_TEST(run_keep_then_delete)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "exit 4");
	ht_write_config(&t);
	ht_hull(&t, &r, NULL, "run", "--keep", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 4);
	ht_result_free(&r);
	expect_status(&t, "stopped");
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

START_TEST(spec_and_features)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	char dir[128], cfg[160];
	snprintf(dir, sizeof(dir), "%s/new", t.bundle);
	snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ht_ok(&t, "spec", "--bundle", dir, NULL);
	json_t *j = json_load_file(cfg, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "root"), "path")),
			 "rootfs");
	ck_assert(json_is_false(json_object_get(json_object_get(j, "process"), "terminal")));
	json_decref(j);
	ht_hull(&t, &r, NULL, "spec", "--bundle", dir, NULL);
	ck_assert_int_eq(r.status, 1);
	char want[256];
	snprintf(want, sizeof(want), "hull: spec: %s: already exists\n", cfg);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "features", NULL);
	ht_assert_status(&r, 0);
	j = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "ociVersionMax")), "1.3.0");
	ck_assert(json_array_size(json_object_get(j, "hooks")) == 6);
	json_decref(j);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(lifecycle, integration)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("lifecycle");
	tcase_add_test(tc, create_start_kill_delete);
	tcase_add_loop_test(tc, run_exit_codes, 0, sizeof(exits) / sizeof(exits[0]));
	tcase_add_test(tc, run_output_and_stdin);
	tcase_add_test(tc, duplicate_id_refused);
	tcase_add_test(tc, delete_running_needs_force);
	tcase_add_loop_test(tc, bad_ids_refused, 0, sizeof(bad_ids) / sizeof(bad_ids[0]));
	tcase_add_test(tc, long_id_refused);
	tcase_add_loop_test(tc, kill_signal_forms, 0, 3);
	tcase_add_test(tc, run_forwards_signals);
	tcase_add_test(tc, run_killed_137);
	tcase_add_test(tc, list_ps_pidfile);
	tcase_add_test(tc, run_keep_then_delete);
	tcase_add_test(tc, shared_default_parent_removed);
	tcase_add_test(tc, spec_and_features);
	suite_add_tcase(s, tc);
	return s;
}
