/* Concurrency: many hull processes on one container at once, and list
 * while containers come and go. No command crashes (exit 0, or 1 with one
 * line "hull: ..."), exactly one of them wins where one must, and the host
 * keeps nothing afterwards (tests/lib/hf.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/hf.h"

#define N_PAR 20

static void assert_clean_exit(const struct ht_result *r, const char *what)
{
	ck_assert_msg(r->status == 0 || (r->status == 1 && !strncmp(r->err, "hull: ", 6) &&
					 ht_lines(r->err) == 1),
		      "%s: exit %d (want 0, or 1 with one line \"hull: ...\")\nstderr: %s", what,
		      r->status, r->err);
}

/* 20 `create` of one ID at once: one container, 19 one-line refusals. */
START_TEST(same_id_creates)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "sleep", "300", NULL);
	ht_write_config(&h.t);
	struct ht_proc p[N_PAR];
	for (int i = 0; i < N_PAR; i++)
		ht_start_hull(&h.t, &p[i], "create", "--bundle", h.t.bundle, h.t.id, NULL);
	int ok = 0;
	for (int i = 0; i < N_PAR; i++) {
		struct ht_result r;
		ht_wait(&p[i], &r, 60000);
		if (r.status == 0) {
			ok++;
		} else {
			ck_assert_msg(r.status == 1 && !strncmp(r.err, "hull: ", 6) && ht_lines(r.err) == 1 &&
					      strstr(r.err, "already exists"),
				      "create %d: exit %d\nstderr: %s", i, r.status, r.err);
		}
		ht_result_free(&r);
	}
	ck_assert_int_eq(ok, 1);
	char status[32];
	ck_assert_int_gt(ht_state_pid(&h.t, h.t.id, status, sizeof(status)), 0);
	ck_assert_str_eq(status, "created");
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* rmdir every directory called name within depth levels under dir: the
 * parent is relative, so it sits below this process's own cgroups. */
static void rm_named_dirs(const char *dir, const char *name, int depth)
{
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!strcmp(e->d_name, name))
			rmdir(path);
		else if (depth > 0)
			rm_named_dirs(path, name, depth - 1);
	}
	if (d)
		closedir(d);
}

/* 10 runs at once under one cgroup parent none of them finds: the cpuset
 * parent the first makes is blank until that create fills it, and the
 * others attached to a blank cpuset (ENOSPC, 7 of 150 before the fix). */
START_TEST(fresh_parent_at_once)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "true", NULL);
	enum { N = 10 };
	struct ht_proc p[N];
	char ids[N][96];
	for (int i = 0; i < N; i++) {
		char dir[200], cgp[1200], file[260];
		snprintf(ids[i], sizeof(ids[i]), "%s-%d", h.t.id, i);
		snprintf(dir, sizeof(dir), "%s/b%d", h.t.bundle, i);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
		snprintf(cgp, sizeof(cgp), "%s/%s", h.cg_parent, ids[i]);
		json_object_set_new(json_object_get(h.t.cfg, "linux"), "cgroupsPath", json_string(cgp));
		snprintf(file, sizeof(file), "%s/config.json", dir);
		ck_assert_int_eq(json_dump_file(h.t.cfg, file, 0), 0);
	}
	for (int i = 0; i < N; i++) {
		char dir[200];
		snprintf(dir, sizeof(dir), "%s/b%d", h.t.bundle, i);
		ht_start_hull(&h.t, &p[i], "run", "--bundle", dir, ids[i], NULL);
	}
	for (int i = 0; i < N; i++) {
		struct ht_result r;
		ht_wait(&p[i], &r, 60000);
		ht_assert_status(&r, 0);
		ht_result_free(&r);
	}
	/* A delete removes only the cgroup levels its own create made (runc's
	 * rule: a parent may be someone else's): the shared parent stays, empty,
	 * in a hierarchy whose maker was not the last to leave. It is the
	 * test's name, so the test removes it; every container's own cgroup
	 * must be gone, which hf_finish checks. */
	rm_named_dirs("/sys/fs/cgroup", h.cg_parent, 4);
	hf_finish(&h);
}
END_TEST

/* 10 `kill ID KILL` and 10 `delete --force ID` at once on a running
 * container: no crash, one deletion (its poststop hook ran once), nothing
 * left. */
START_TEST(kill_delete_storm)
{
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "sleep", "300", NULL);
	char log[128], script[256];
	snprintf(log, sizeof(log), "%s/poststop.log", h.t.bundle);
	snprintf(script, sizeof(script), "echo deleted >> %s", log);
	hf_hook(&h, "poststop", "/bin/sh", "sh", "-c", script, NULL);
	ht_write_config(&h.t);
	ht_ok(&h.t, "run", "--detach", "--bundle", h.t.bundle, h.t.id, NULL);
	struct ht_proc p[N_PAR];
	for (int i = 0; i < N_PAR; i++) {
		if (i % 2)
			ht_start_hull(&h.t, &p[i], "kill", h.t.id, "KILL", NULL);
		else
			ht_start_hull(&h.t, &p[i], "delete", "--force", h.t.id, NULL);
	}
	for (int i = 0; i < N_PAR; i++) {
		struct ht_result r;
		ht_wait(&p[i], &r, 60000);
		assert_clean_exit(&r, i % 2 ? "kill" : "delete --force");
		if (i % 2 == 0)
			ck_assert_msg(r.status == 0, "delete --force: %s", r.err);
		ht_result_free(&r);
	}
	char *got = ht_read(log);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "deleted\n");
	free(got);
	struct ht_result r;
	ht_hull(&h.t, &r, NULL, "state", h.t.id, NULL);
	ht_assert_error(&r, "does not exist");
	ht_result_free(&r);
	hf_finish(&h);
}
END_TEST

/* Runs `hull --root root list [--format json]` rounds times (alternating);
 * returns the first failure (malloc'd) or NULL. No Check calls: it runs in
 * a child of the test. */
static char *list_rounds(const char *hull, const char *root, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		int out = memfd_create("list-out", MFD_CLOEXEC), err = memfd_create("list-err", MFD_CLOEXEC);
		if (out < 0 || err < 0)
			return strdup("memfd_create failed");
		bool json = i % 2;
		pid_t pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR | O_CLOEXEC);
			dup2(null, 0);
			dup2(out, 1);
			dup2(err, 2);
			if (json)
				execl(hull, hull, "--root", root, "list", "--format", "json", (char *)NULL);
			else
				execl(hull, hull, "--root", root, "list", (char *)NULL);
			_exit(126);
		}
		int st = 0;
		while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		char ebuf[512] = "", obuf[8192] = "";
		ssize_t en = pread(err, ebuf, sizeof(ebuf) - 1, 0), on = pread(out, obuf, sizeof(obuf) - 1, 0);
		ebuf[en > 0 ? en : 0] = 0;
		obuf[on > 0 ? on : 0] = 0;
		close(out);
		close(err);
		char *msg = NULL;
		if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || ebuf[0]) {
			if (asprintf(&msg, "list %d: status 0x%x, stderr: %s", i, st, ebuf) < 0)
				msg = strdup("list failed");
			return msg;
		}
		if (json) {
			json_error_t je;
			json_t *j = json_loads(obuf, 0, &je);
			bool ok = json_is_array(j);
			json_decref(j);
			if (!ok) {
				if (asprintf(&msg, "list %d --format json: not an array: %s", i, obuf) < 0)
					msg = strdup("list printed no JSON array");
				return msg;
			}
		} else if (strncmp(obuf, "ID ", 3)) {
			if (asprintf(&msg, "list %d: no table header: %s", i, obuf) < 0)
				msg = strdup("list printed no table");
			return msg;
		}
	}
	return NULL;
}

/* 50 containers made and deleted one after the other (two exist at a
 * time), while another process runs list 200 times: list never fails. */
START_TEST(list_while_churning)
{
	enum { CYCLES = 50, LISTS = 200 };
	struct hf h;
	hf_begin(&h, false);
	ht_args(&h.t, "sleep", "300", NULL);
	/* One cgroup each: the default hull/ID. */
	json_object_del(json_object_get(h.t.cfg, "linux"), "cgroupsPath");
	ht_write_config(&h.t);
	int pipefd[2];
	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	pid_t lister = fork();
	ck_assert_int_ge(lister, 0);
	if (lister == 0) {
		char *msg = list_rounds(getenv("HULL"), h.t.root, LISTS);
		if (msg) {
			ssize_t n = write(pipefd[1], msg, strlen(msg));
			(void)n;
		}
		_exit(msg ? 1 : 0);
	}
	close(pipefd[1]);
	char ids[CYCLES][80];
	for (int i = 0; i < CYCLES; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%s-c%d", h.t.id, i);
		ht_ok(&h.t, "create", "--bundle", h.t.bundle, ids[i], NULL);
		if (i > 0)
			ht_ok(&h.t, "delete", "--force", ids[i - 1], NULL);
	}
	ht_ok(&h.t, "delete", "--force", ids[CYCLES - 1], NULL);
	struct pollfd pf = { .fd = pipefd[0], .events = POLLIN };
	ck_assert_msg(poll(&pf, 1, 60000) == 1, "the lister did not end within 60 s");
	char msg[1024];
	ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = 0;
	close(pipefd[0]);
	int st;
	ck_assert_int_eq(waitpid(lister, &st, 0), lister);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", msg);
	for (int i = 0; i < CYCLES; i++)
		ck_assert_msg(!ht_cgroup_exists(ids[i]), "cgroup %s left", ids[i]);
	hf_finish(&h);
}
END_TEST

HULL_SUITE(concurrency, integration)
{
	Suite *s = suite_create("concurrency");
	TCase *tc = tcase_create("concurrency");
	tcase_set_tags(tc, "slow");	/* storms of parallel hulls */
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, NULL, hf_sweep);
	tcase_add_test(tc, same_id_creates);
	tcase_add_test(tc, kill_delete_storm);
	tcase_add_test(tc, list_while_churning);
	tcase_add_test(tc, fresh_parent_at_once);
	suite_add_tcase(s, tc);
	return s;
}
