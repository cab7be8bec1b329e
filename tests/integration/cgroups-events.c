/* pause/resume, events (stats and oom), run --stats-file and
 * delete --force through the hull binary, against this host's cgroups. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/ht.h"

static void expect_status(struct ht *t, const char *want)
{
	char status[32];
	ht_state_pid(t, t->id, status, sizeof(status));
	ck_assert_str_eq(status, want);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The container's host pids, from `hull ps --format json`. */
static size_t container_pids(struct ht *t, pid_t *out, size_t max)
{
	struct ht_result r;
	ht_hull(t, &r, NULL, "ps", "--format", "json", t->id, NULL);
	ht_assert_status(&r, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_msg(json_is_array(j), "ps: %s", r.out);
	size_t n = 0, i;
	json_t *v;
	json_array_foreach(j, i, v) {
		if (n < max)
			out[n++] = (pid_t)json_integer_value(v);
	}
	json_decref(j);
	ht_result_free(&r);
	return n;
}

/* The freezer.state of the v1 freezer cgroup pid is in, or NULL. */
static char *freezer_state(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	char *cg = ht_read(path);
	ck_assert_ptr_nonnull(cg);
	char *line = strstr(cg, ":freezer:");
	char *state = NULL;
	if (!line && !strncmp(cg, "0::", 3) && !strchr(cg, '\n')[1]) {
		/* cgroup v2 only: cgroup.freeze says the same as freezer.state */
		char *p = cg + 3;
		p[strcspn(p, "\n")] = 0;
		char file[4200];
		snprintf(file, sizeof(file), "/sys/fs/cgroup%s/cgroup.freeze", p);
		char *v = ht_read(file);
		if (v)
			state = strdup(v[0] == '1' ? "FROZEN" : "THAWED");
		free(v);
	} else if (line) {
		line += strlen(":freezer:");
		line[strcspn(line, "\n")] = 0;
		char file[4200];
		snprintf(file, sizeof(file), "/sys/fs/cgroup/freezer%s/freezer.state", line);
		state = ht_read(file);
		if (state)
			state[strcspn(state, "\n")] = 0;
	}
	free(cg);
	return state;
}

/* The container's counter in bundle/sync/count (written with mv, so whole). */
static long counter(struct ht *t)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/sync/count", t->bundle);
	char *s = ht_read(path);
	long v = s ? atol(s) : -1;
	free(s);
	return v;
}

START_TEST(pause_resume)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	ht_sh(&t, "i=0; echo 0 > /mnt/count; echo ready > /mnt/ready; "
		  "while :; do i=$((i+1)); echo $i > /mnt/c.tmp; mv /mnt/c.tmp /mnt/count; done");
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	free(ht_wait_ready(&t));
	expect_status(&t, "running");

	ht_ok(&t, "pause", t.id, NULL);
	expect_status(&t, "paused");
	ht_hull(&t, &r, NULL, "list", NULL);
	ck_assert_msg(strstr(r.out, "paused") != NULL, "list: %s", r.out);
	ht_result_free(&r);
	pid_t pids[64];
	size_t n = container_pids(&t, pids, 64);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < n; i++) {
		char *fs = freezer_state(pids[i]);
		ck_assert_msg(fs && !strcmp(fs, "FROZEN"), "pid %d: freezer.state %s", (int)pids[i],
			      fs ? fs : "(none)");
		free(fs);
	}
	/* Frozen: nothing of it runs, so the count holds across our reads. */
	long frozen_at = counter(&t);
	ck_assert_int_ge(frozen_at, 0);
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		char *st = ht_read(path);
		char *p = st ? strrchr(st, ')') : NULL;
		ck_assert_msg(p && p[2] != 'R', "pid %d runs while paused: %s", (int)pids[i], st);
		free(st);
	}
	ck_assert_int_eq(counter(&t), frozen_at);

	ht_hull(&t, &r, NULL, "pause", t.id, NULL);
	ht_assert_error(&r, ": container already paused");
	ht_result_free(&r);

	ht_ok(&t, "resume", t.id, NULL);
	expect_status(&t, "running");
	ht_hull(&t, &r, NULL, "resume", t.id, NULL);
	ht_assert_error(&r, ": container not paused");
	ht_result_free(&r);
	/* Thawed, it counts on: bounded wait for the next value. */
	uint64_t deadline = now_ms() + 10000;
	while (counter(&t) <= frozen_at && now_ms() < deadline)
		;
	ck_assert_int_gt(counter(&t), frozen_at);

	/* A paused container dies by delete --force too (v1 needs a thaw). */
	ht_ok(&t, "pause", t.id, NULL);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_hull(&t, &r, NULL, "pause", t.id, NULL);
	ht_assert_error(&r, "does not exist");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(pause_stopped_refused)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_sh(&t, "exit 0");
	ht_write_config(&t);
	ht_ok(&t, "run", "--keep", "--bundle", t.bundle, t.id, NULL);
	ht_hull(&t, &r, NULL, "pause", t.id, NULL);
	ht_assert_error(&r, ": container not running");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "events", "--stats", t.id, NULL);
	ht_assert_error(&r, "is not running");
	ht_result_free(&r);
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

static json_t *path(json_t *j, const char *a, const char *b, const char *c)
{
	j = json_object_get(j, a);
	if (b)
		j = json_object_get(j, b);
	if (c)
		j = json_object_get(j, c);
	return j;
}

START_TEST(events_stats)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	ht_sh(&t, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo ready > /mnt/ready; sleep 1000");
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	free(ht_wait_ready(&t));
	ht_hull(&t, &r, NULL, "events", "--stats", t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_msg(strchr(r.out, '\n') == r.out + strlen(r.out) - 1, "one line: %s", r.out);
	json_t *j = json_loads(r.out, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", r.out);
	ck_assert_str_eq(json_string_value(json_object_get(j, "type")), "stats");
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), t.id);
	json_t *d = json_object_get(j, "data");
	ck_assert_int_gt(json_integer_value(path(d, "cpu", "usage", "total")), 0);
	ck_assert(json_is_integer(path(d, "cpu", "usage", "user")));
	ck_assert(json_is_integer(path(d, "cpu", "usage", "kernel")));
	ck_assert(json_is_object(path(d, "cpu", "throttling", NULL)));
	ck_assert_int_gt(json_integer_value(path(d, "memory", "usage", "usage")), 0);
	ck_assert(json_is_integer(path(d, "memory", "usage", "limit")));
	ck_assert(json_is_integer(path(d, "memory", "usage", "failcnt")));
	ck_assert(json_is_object(path(d, "memory", "raw", NULL)));
	ck_assert_int_ge(json_integer_value(path(d, "pids", "current", NULL)), 1);
	ck_assert(json_is_object(path(d, "blkio", NULL, NULL)));
	ck_assert(json_is_object(path(d, "hugetlb", NULL, NULL)));
	json_decref(j);
	ht_result_free(&r);

	ht_hull(&t, &r, NULL, "events", "--interval", "soon", t.id, NULL);
	ht_assert_error(&r, "--interval \"soon\"");
	ht_result_free(&r);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* Reads one line from fd (bounded by 30 s); NULL at EOF. */
static char *read_line(int fd)
{
	static char buf[65536];
	size_t n = 0;
	while (n < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ck_assert_msg(poll(&p, 1, 30000) == 1, "events printed nothing for 30 s");
		ssize_t k = read(fd, buf + n, 1);
		if (k <= 0)
			return n ? buf : NULL;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return buf;
		}
		n++;
	}
	return buf;
}

START_TEST(events_oom)
{
	struct ht t;
	ht_begin(&t, false);
	ht_add_sync(&t);
	char go[160];
	snprintf(go, sizeof(go), "%s/sync/go", t.bundle);
	ck_assert_int_eq(mkfifo(go, 0666), 0);
	ht_sh(&t, "echo ready > /mnt/ready; read x < /mnt/go; "
		  "x=$(head -c 40000000 /dev/zero | tr '\\0' a); exit 0");
	json_t *mem = json_pack("{s:I,s:I}", "limit", (json_int_t)16 << 20, "swap", (json_int_t)16 << 20);
	json_object_set_new(json_object_get(t.cfg, "linux"), "resources", json_pack("{s:o}", "memory", mem));
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	free(ht_wait_ready(&t));

	int out[2];
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid_t ev = fork();
	ck_assert_int_ge(ev, 0);
	if (ev == 0) {
		dup2(out[1], STDOUT_FILENO);
		execl(getenv("HULL"), "hull", "--root", t.root, "events", "--interval", "100ms", t.id,
		      (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* A first stats line: events is watching for OOM by now. */
	char *line = read_line(out[0]);
	ck_assert_msg(line && strstr(line, "\"type\":\"stats\""), "first line: %s", line);
	int gfd = open(go, O_WRONLY | O_CLOEXEC);
	ck_assert_int_ge(gfd, 0);
	ck_assert_int_eq(write(gfd, "go\n", 3), 3);
	close(gfd);
	bool oom = false;
	while ((line = read_line(out[0]))) {
		json_t *j = json_loads(line, 0, NULL);
		ck_assert_msg(j != NULL, "not JSON: %s", line);
		if (!strcmp(json_string_value(json_object_get(j, "type")), "oom")) {
			ck_assert_str_eq(json_string_value(json_object_get(j, "id")), t.id);
			oom = true;
		}
		json_decref(j);
	}
	close(out[0]);
	int st;
	ck_assert_int_eq(waitpid(ev, &st, 0), ev);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "events exit status %d", st);
	ck_assert_msg(oom, "no oom event");
	/* The init is the test's child (a subreaper): reap it. */
	pid_t init;
	while ((init = waitpid(-1, &st, WNOHANG)) > 0)
		;
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

static const struct { bool quota; const char *verdict; } stats_cases[] = {
	{ true, "bandwidth" },
	{ false, "none" },
};

START_TEST(run_stats_file)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	/* busybox timeout execs its command in place: keep sh as pid 1. */
	ht_sh(&t, "timeout 1 sh -c 'while :; do :; done'; exit 3");
	if (stats_cases[_i].quota)
		json_object_set_new(json_object_get(t.cfg, "linux"), "resources",
				    json_pack("{s:{s:I,s:I}}", "cpu", "quota", (json_int_t)20000, "period",
					      (json_int_t)100000));
	ht_write_config(&t);
	char file[128];
	snprintf(file, sizeof(file), "%s/stats.json", t.bundle);
	ht_hull(&t, &r, NULL, "run", "--stats-file", file, "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 3);
	ht_result_free(&r);
	json_error_t je;
	json_t *j = json_load_file(file, 0, &je);
	ck_assert_msg(j != NULL, "stats file: %s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "id")), t.id);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "exit_code")), 3);
	json_int_t wall = json_integer_value(json_object_get(j, "wall_time_ns"));
	ck_assert_int_ge(wall, 1000000000);
	json_int_t usage = json_integer_value(path(j, "cpu", "usage_ns", NULL));
	ck_assert_int_gt(usage, 0);
	ck_assert_int_le(usage, 2 * wall);
	ck_assert(json_is_integer(path(j, "cpu", "user_ns", NULL)));
	ck_assert(json_is_integer(path(j, "memory", "peak_bytes", NULL)));
	/* pids.peak is recent (Debian 12's 6.1 lacks it): null then, as documented. */
	ck_assert(json_is_integer(path(j, "pids", "peak", NULL)) ||
		  (json_is_null(path(j, "pids", "peak", NULL)) &&
		   json_is_integer(path(j, "pids", "current", NULL))));
	ck_assert(json_is_array(json_object_get(j, "blkio")));
	const char *verdict = json_string_value(json_object_get(j, "cpu_limited_by"));
	ck_assert_ptr_nonnull(verdict);
	/* Without a quota the answer hangs on the host: "shares" is right when
	 * something else kept both CPUs busy during the run (a loaded CI host). */
	if (strcmp(stats_cases[_i].verdict, "none") || strcmp(verdict, "shares"))
		ck_assert_str_eq(verdict, stats_cases[_i].verdict);
	json_int_t throttled = json_integer_value(path(j, "cpu", "throttled_time_ns", NULL));
	if (stats_cases[_i].quota) {
		ck_assert_int_gt(throttled, 0);
		ck_assert_int_gt(json_integer_value(path(j, "cpu", "throttled_periods", NULL)), 0);
		ck_assert_int_eq(json_integer_value(path(j, "limits", "cpu_quota_us", NULL)), 20000);
		ck_assert_int_eq(json_integer_value(path(j, "limits", "cpu_period_us", NULL)), 100000);
		/* 20 % of one CPU over ~1 s, with a period's slack */
		ck_assert_int_le(usage, wall / 5 + 150000000);
	} else {
		ck_assert_int_eq(throttled, 0);
		ck_assert(json_is_null(path(j, "limits", "cpu_quota_us", NULL)));
	}
	json_decref(j);

	ht_hull(&t, &r, NULL, "run", "--detach", "--stats-file", file, "--bundle", t.bundle, t.id, NULL);
	ht_assert_error(&r, "--stats-file needs a foreground run");
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "create", "--stats-file", file, "--bundle", t.bundle, t.id, NULL);
	ht_assert_error(&r, "create: unknown option --stats-file");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Without a pid namespace, killing the init leaves its children: only the
 * cgroup names them all. */
START_TEST(delete_force_kills_children)
{
	struct ht t;
	ht_begin(&t, false);
	ht_add_sync(&t);
	json_t *ns = json_object_get(json_object_get(t.cfg, "linux"), "namespaces");
	size_t i;
	json_t *v;
	json_array_foreach(ns, i, v) {
		if (!strcmp(json_string_value(json_object_get(v, "type")), "pid")) {
			json_array_remove(ns, i);
			break;
		}
	}
	ht_sh(&t, "sleep 1000 & sleep 1000 & (sleep 1000 &) ; echo ready > /mnt/ready; wait");
	ht_write_config(&t);
	ht_ok(&t, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	free(ht_wait_ready(&t));
	pid_t pids[64];
	size_t n = container_pids(&t, pids, 64);
	ck_assert_uint_ge(n, 4);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	for (size_t k = 0; k < n; k++) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/stat", (int)pids[k]);
		char *st = ht_read(p);
		char *e = st ? strrchr(st, ')') : NULL;
		/* Gone, or a zombie waiting for the test (the subreaper). */
		ck_assert_msg(!st || (e && (e[2] == 'Z' || e[2] == 'X')), "pid %d survived: %s",
			      (int)pids[k], st);
		free(st);
	}
	ck_assert(!ht_cgroup_exists(t.id));
	int st;
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
	ht_finish(&t);
}
END_TEST

HULL_SUITE(cgroups_events, integration)
{
	Suite *s = suite_create("cgroups_events");
	TCase *tc = tcase_create("cgroups_events");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pause_resume);
	tcase_add_test(tc, pause_stopped_refused);
	tcase_add_test(tc, events_stats);
	tcase_add_test(tc, events_oom);
	tcase_add_loop_test(tc, run_stats_file, 0, sizeof(stats_cases) / sizeof(stats_cases[0]));
	tcase_add_test(tc, delete_force_kills_children);
	suite_add_tcase(s, tc);
	return s;
}
