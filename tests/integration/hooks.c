/* OCI hooks: where each kind runs, in which order, with which state on
 * stdin, args and env; what a failing, hanging or missing hook does. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/ht.h"

/* Every hook leaves its marks in BUNDLE/out, bound at /mnt in the container. */
static void out_dir(struct ht *t, char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/out", t->bundle);
	mkdir(dir, 0755);
}

static void out_path(struct ht *t, const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/out/%s", t->bundle, name);
}

static json_t *hooks_of(struct ht *t)
{
	json_t *h = json_object_get(t->cfg, "hooks");
	if (!h) {
		h = json_object();
		json_object_set_new(t->cfg, "hooks", h);
	}
	return h;
}

static void add_hook(struct ht *t, const char *kind, json_t *hook)
{
	json_t *h = hooks_of(t), *a = json_object_get(h, kind);
	if (!a) {
		a = json_array();
		json_object_set_new(h, kind, a);
	}
	json_array_append_new(a, hook);
}

/* A hook run by the host's /bin/sh: {"path": "/bin/sh", "args": ["sh", "-c", script]}. */
static void add_sh(struct ht *t, const char *kind, const char *script, int timeout)
{
	json_t *hook = json_pack("{s:s, s:[s,s,s]}", "path", "/bin/sh", "args", "sh", "-c", script);
	if (timeout)
		json_object_set_new(hook, "timeout", json_integer(timeout));
	add_hook(t, kind, hook);
}

/* The recording hook, a script on the host: its stdin, its env, and its
 * name appended to the log. */
static void write_recorder(struct ht *t, char *path, size_t cap)
{
	snprintf(path, cap, "%s/record.sh", t->bundle);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n"
		   "d=$(dirname \"$0\")/out\n"
		   "cat > \"$d/$1.json\"\n"
		   "env > \"$d/$1.env\"\n"
		   "echo \"$1 $2\" >> \"$d/log\"\n"
		   "pid=$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p' \"$d/$1.json\")\n"
		   "[ -z \"$pid\" ] || tr '\\0' ' ' < /proc/$pid/cmdline > \"$d/$1.cmdline\"\n");
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static void add_recorder(struct ht *t, const char *kind, const char *script)
{
	char env[128];
	snprintf(env, sizeof(env), "HOOK_KIND=%s", kind);
	add_hook(t, kind, json_pack("{s:s, s:[s,s,s], s:[s]}", "path", script, "args", "record.sh",
				    kind, "two words", "env", env));
}

static json_t *load_state(struct ht *t, const char *kind)
{
	char path[256];
	snprintf(path, sizeof(path), "%s.json", kind);
	char full[512];
	out_path(t, path, full, sizeof(full));
	json_error_t e;
	json_t *j = json_load_file(full, 0, &e);
	ck_assert_msg(j != NULL, "%s: %s", full, e.text);
	return j;
}

static void check_state(struct ht *t, const char *kind, const char *status, pid_t pid)
{
	json_t *j = load_state(t, kind);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), t->id);
	ck_assert_str_eq(json_string_value(json_object_get(j, "bundle")), t->bundle);
	ck_assert_msg(json_is_string(json_object_get(j, "ociVersion")), "%s: no ociVersion", kind);
	ck_assert_msg(!strcmp(json_string_value(json_object_get(j, "status")), status),
		      "%s: status %s, want %s", kind, json_string_value(json_object_get(j, "status")),
		      status);
	json_t *p = json_object_get(j, "pid");
	if (pid)
		ck_assert_msg(json_integer_value(p) == pid, "%s: pid %lld, want %d", kind,
			      (long long)json_integer_value(p), (int)pid);
	else
		ck_assert_msg(!p || json_integer_value(p) == 0, "%s: pid %lld, want none", kind,
			      (long long)json_integer_value(p));
	json_decref(j);
}

static void check_env(struct ht *t, const char *kind)
{
	char name[64], path[512], want[128];
	snprintf(name, sizeof(name), "%s.env", kind);
	out_path(t, name, path, sizeof(path));
	char *env = ht_read(path);
	ck_assert_ptr_nonnull(env);
	snprintf(want, sizeof(want), "HOOK_KIND=%s\n", kind);
	ck_assert_msg(strstr(env, want), "%s: env lacks %s: %s", kind, want, env);
	/* exactly the hook's env: nothing of hull's */
	ck_assert_msg(!strstr(env, "HULL_HOOK_LEAK"), "%s: hull's env leaked: %s", kind, env);
	free(env);
}

START_TEST(order_state_args_env)
{
	struct ht t;
	char dir[128], rec[160], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	write_recorder(&t, rec, sizeof(rec));
	ht_mount(&t, "/mnt", "bind", dir, "rbind", "rw", NULL);
	ht_args(&t, "sleep", "1000", NULL);
	add_recorder(&t, "prestart", rec);
	add_recorder(&t, "createRuntime", rec);
	add_recorder(&t, "createContainer", rec);
	/* Resolved and run in the container: busybox's sh, the dir at /mnt. */
	add_hook(&t, "startContainer",
		 json_pack("{s:s, s:[s,s,s,s,s], s:[s]}", "path", "/bin/sh", "args", "sh", "-c",
			   "cat > /mnt/startContainer.json; env > /mnt/startContainer.env; "
			   "echo \"$0 $1 $(cat /proc/1/cmdline | tr '\\0' ' ')\" >> /mnt/log",
			   "startContainer", "in-container", "env", "HOOK_KIND=startContainer"));
	add_recorder(&t, "poststart", rec);
	add_recorder(&t, "poststop", rec);
	ht_write_config(&t);
	setenv("HULL_HOOK_LEAK", "1", 1);

	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	char status[32];
	pid_t pid = ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "created");
	out_path(&t, "log", path, sizeof(path));
	char *log = ht_read(path);
	ck_assert_str_eq(log, "prestart two words\ncreateRuntime two words\ncreateContainer two words\n");
	free(log);
	check_state(&t, "prestart", "creating", pid);
	check_state(&t, "createRuntime", "creating", pid);
	check_state(&t, "createContainer", "creating", pid);

	ht_ok(&t, "start", t.id, NULL);
	log = ht_read(path);
	/* startContainer ran before the exec (pid 1 was still `hull create`),
	 * poststart after it */
	char *sc = strstr(log, "createContainer two words\nstartContainer in-container ");
	ck_assert_msg(sc != NULL, "log: %s", log);
	char *nl = strchr(sc + strlen("createContainer two words\n"), '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_msg(memmem(sc, (size_t)(nl - sc), " create --bundle ", 17), "log: %s", log);
	ck_assert_msg(!strcmp(nl, "\npoststart two words\n"), "log: %s", log);
	free(log);
	check_state(&t, "startContainer", "created", pid);
	check_state(&t, "poststart", "running", pid);
	/* start returned after the exec, and poststart ran after it */
	out_path(&t, "poststart.cmdline", path, sizeof(path));
	char *cmd = ht_read(path);
	ck_assert_ptr_nonnull(cmd);
	ck_assert_str_eq(cmd, "sleep 1000 ");
	free(cmd);
	out_path(&t, "log", path, sizeof(path));

	ht_ok(&t, "kill", t.id, "KILL", NULL);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ht_ok(&t, "delete", t.id, NULL);
	log = ht_read(path);
	ck_assert_msg(strstr(log, "\npoststart two words\npoststop two words\n"), "log: %s", log);
	free(log);
	check_state(&t, "poststop", "stopped", 0);
	/* the state dir was still there for poststop, gone after it */
	char sdir[256];
	snprintf(sdir, sizeof(sdir), "%s/%s", t.root, t.id);
	ck_assert_int_ne(access(sdir, F_OK), 0);

	const char *kinds[] = { "prestart", "createRuntime", "createContainer", "startContainer",
				"poststart", "poststop" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		check_env(&t, kinds[i]);
	unsetenv("HULL_HOOK_LEAK");
	ht_finish(&t);
}
END_TEST

/* args[0] as given, and the hook runs with exactly its env (none here). */
START_TEST(argv0_and_empty_env)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_sh(&t, "exit 0");
	snprintf(script, sizeof(script),
		 "tr '\\0' '|' < /proc/$$/cmdline > %s/cmdline; /usr/bin/env > %s/env", dir, dir);
	add_hook(&t, "createRuntime",
		 json_pack("{s:s, s:[s,s,s,s]}", "path", "/bin/sh", "args", "my-argv0", "-c", script,
			   "zero"));
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char path[512];
	out_path(&t, "cmdline", path, sizeof(path));
	char *s = ht_read(path);
	char want[1024];
	snprintf(want, sizeof(want), "my-argv0|-c|%s|zero|", script);
	ck_assert_str_eq(s, want);
	free(s);
	out_path(&t, "env", path, sizeof(path));
	s = ht_read(path);
	/* dash exports only PWD when it starts with an empty environment */
	ck_assert_msg(!strstr(s, "PATH=") && !strstr(s, "HOME="), "env: %s", s);
	free(s);
	ht_finish(&t);
}
END_TEST

static const struct {
	const char *kind, *script;
	int timeout;
	const char *want;
} failures[] = {
	{ "createRuntime", "exit 3", 0, "exited with status 3" },
	{ "prestart", "kill -TERM $$", 0, "killed by signal 15" },
	{ "createRuntime", "exec sleep 30", 1, "timed out after 1 s" },
	{ "createContainer", "cat >/dev/null; exit 4", 0, "exited with status 4" },
};

/* A failing create hook fails the create; nothing is left, poststop ran,
 * the hooks after it did not. */
START_TEST(create_hook_fails)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_sh(&t, "exit 0");
	add_sh(&t, failures[_i].kind, failures[_i].script, failures[_i].timeout);
	snprintf(script, sizeof(script), "echo later >> %s/log", dir);
	add_sh(&t, "createContainer", script, 0);
	add_sh(&t, "startContainer", "exit 0", 0);
	snprintf(script, sizeof(script), "cat > %s/poststop.json", dir);
	add_sh(&t, "poststop", script, 0);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ht_run(&t, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char want[256];
	snprintf(want, sizeof(want), "hull: hooks.%s[0] /bin/sh: %s\n", failures[_i].kind,
		 failures[_i].want);
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, want);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 10);

	out_path(&t, "log", path, sizeof(path));
	char *log = ht_read(path);
	ck_assert_msg(log == NULL, "a hook after the failed one ran: %s", log);
	check_state(&t, "poststop", "stopped", 0);
	ht_finish(&t);
}
END_TEST

START_TEST(missing_hook)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "exit 0");
	add_hook(&t, "createRuntime", json_pack("{s:s}", "path", "/nonexistent/hook"));
	ht_run(&t, &r);
	ht_assert_error(&r, "hooks.createRuntime[0] /nonexistent/hook: No such file or directory");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* The init reports it to start, which fails with it: the process never
 * ran, and run deletes the container (poststop runs). */
START_TEST(start_container_fails)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_mount(&t, "/mnt", "bind", dir, "rbind", "rw", NULL);
	ht_sh(&t, "echo ran > /mnt/process");
	add_sh(&t, "startContainer", "exit 5", 0);
	snprintf(script, sizeof(script), "echo poststop >> %s/log", dir);
	add_sh(&t, "poststop", script, 0);
	ht_run(&t, &r);
	ht_assert_error(&r, ": hooks.startContainer[0] /bin/sh: exited with status 5");
	ck_assert_msg(strstr(r.err, t.id), "%s", r.err);
	ht_result_free(&r);
	out_path(&t, "process", path, sizeof(path));
	ck_assert_int_ne(access(path, F_OK), 0);
	out_path(&t, "log", path, sizeof(path));
	char *log = ht_read(path);
	ck_assert_str_eq(log, "poststop\n");
	free(log);
	ht_finish(&t);
}
END_TEST

/* runtime-spec 1.3: a poststart hook that fails stops the container and
 * fails start; the hooks after it do not run. */
START_TEST(poststart_fails)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_sh(&t, "exec sleep 300");
	add_sh(&t, "poststart", "exit 6", 0);
	snprintf(script, sizeof(script), "echo poststart >> %s/log", dir);
	add_sh(&t, "poststart", script, 0);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ht_hull(&t, &r, NULL, "start", t.id, NULL);
	ht_assert_error(&r, "hooks.poststart[0] /bin/sh: exited with status 6; the container is stopped");
	ht_result_free(&r);
	char status[32];
	ck_assert_int_eq(ht_state_pid(&t, t.id, status, sizeof(status)), 0);
	ck_assert_str_eq(status, "stopped");
	out_path(&t, "log", path, sizeof(path));
	ck_assert_int_ne(access(path, F_OK), 0);
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* poststop failures are warnings; every hook still runs. */
START_TEST(post_hooks_warn)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_sh(&t, "exit 0");
	snprintf(script, sizeof(script), "echo poststart >> %s/log", dir);
	add_sh(&t, "poststart", script, 0);
	add_sh(&t, "poststop", "exec sleep 30", 1);
	snprintf(script, sizeof(script), "echo poststop >> %s/log", dir);
	add_sh(&t, "poststop", script, 0);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.err, "hull: warning: hooks.poststop[0] /bin/sh: timed out after 1 s\n");
	ht_result_free(&r);
	out_path(&t, "log", path, sizeof(path));
	char *log = ht_read(path);
	ck_assert_str_eq(log, "poststart\npoststop\n");
	free(log);
	ht_finish(&t);
}
END_TEST

/* A state larger than a pipe holds, to hooks that read none of it and to
 * one that reads all: hull neither blocks nor dies of SIGPIPE. */
START_TEST(big_state_unread)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_sh(&t, "exit 0");
	size_t n = 300000;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = 0;
	json_t *ann = json_object_get(t.cfg, "annotations");
	if (!ann) {
		ann = json_object();
		json_object_set_new(t.cfg, "annotations", ann);
	}
	json_object_set_new(ann, "org.example.big", json_string(big));
	add_sh(&t, "prestart", "exit 0", 0);
	add_sh(&t, "createRuntime", "exec sleep 0.2", 0);
	snprintf(script, sizeof(script), "cat > %s/state.json", dir);
	add_sh(&t, "createRuntime", script, 0);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	json_t *j = load_state(&t, "state");
	json_t *a = json_object_get(json_object_get(j, "annotations"), "org.example.big");
	ck_assert_str_eq(json_string_value(a), big);
	json_decref(j);
	free(big);
	ht_finish(&t);
}
END_TEST

/* runtime-spec: prestart and createRuntime run after the environment of
 * config.json is made (the container's mounts are there, seen through the
 * init's /proc/PID/mountinfo) and before pivot_root (the init's root is
 * still the host's). */
START_TEST(create_hooks_see_the_mounts)
{
	struct ht t;
	struct ht_result r;
	char dir[128], script[1024], path[512];
	ht_begin(&t, false);
	out_dir(&t, dir, sizeof(dir));
	ht_mount(&t, "/ht-hookmnt", "tmpfs", "tmpfs", "size=64k", NULL);
	ht_args(&t, "true", NULL);
	for (int k = 0; k < 2; k++) {
		const char *kind = k ? "createRuntime" : "prestart";
		snprintf(script, sizeof(script),
			 "pid=$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p'); "
			 "echo %s $(grep -c '/ht-hookmnt ' /proc/$pid/mountinfo) "
			 "$([ \"$(readlink /proc/$pid/root)\" = / ] && echo host-root) >> %s/log",
			 kind, dir);
		add_sh(&t, kind, script, 0);
	}
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	out_path(&t, "log", path, sizeof(path));
	char *log = ht_read(path);
	ck_assert_str_eq(log, "prestart 1 host-root\ncreateRuntime 1 host-root\n");
	free(log);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(hooks, integration)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("hooks");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, order_state_args_env);
	tcase_add_test(tc, argv0_and_empty_env);
	tcase_add_loop_test(tc, create_hook_fails, 0, sizeof(failures) / sizeof(*failures));
	tcase_add_test(tc, missing_hook);
	tcase_add_test(tc, start_container_fails);
	tcase_add_test(tc, poststart_fails);
	tcase_add_test(tc, create_hooks_see_the_mounts);
	tcase_add_test(tc, post_hooks_warn);
	tcase_add_test(tc, big_state_unread);
	suite_add_tcase(s, tc);
	return s;
}
