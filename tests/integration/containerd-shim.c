/* The containerd suite's cases for containerd-shim-hull-v2 alone (tcase
 * ctr_shim, containerd.c): what the shim leaves behind, a shim killed with
 * SIGKILL, metrics and the OOM event, an exec's stdin. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "containerd.h"

/* The serving shim whose cmdline names id (the first task it served). */
static pid_t find_shim(const char *id)
{
	pid_t found = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d)) && !found;) {
		char path[300], buf[4096];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = e->d_name[0] >= '1' && e->d_name[0] <= '9' ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len <= 0 || !strstr(buf, "containerd-shim-hull-v2"))
			continue;
		buf[len] = 0;
		bool id_match = false, ours = false, serve = false;
		for (char *a = buf; a < buf + len; a += strlen(a) + 1) {
			char *next = a + strlen(a) + 1;
			id_match |= !strcmp(a, "-id") && next < buf + len && !strcmp(next, id);
			ours |= !strcmp(a, "-address") && next < buf + len && !strcmp(next, ctd.sock);
			serve |= !strcmp(a, "serve");
		}
		if (id_match && ours && serve)
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The socket the shim of id serves, from the bundle's address file. */
static void shim_socket(const char *id, char *out, size_t cap)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/state/io.containerd.runtime.v2.task/%s/%s/address", ctd.dir, NS, id);
	char *a = ht_read(path);
	ck_assert_msg(a && !strncmp(a, "unix://", 7), "%s: no shim address", path);
	snprintf(out, cap, "%s", a + 7);
	free(a);
}

/* Exited: no such process, or a zombie. A daemonised shim may be the
 * test's own child (the test is a subreaper), so it is reaped here. */
static bool exited(pid_t pid)
{
	if (waitpid(pid, NULL, WNOHANG) == pid || kill(pid, 0) != 0)
		return true;
	char path[64], *stat;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = ht_read(path);
	char *paren = stat ? strrchr(stat, ')') : NULL;
	bool zombie = paren && paren[1] == ' ' && paren[2] == 'Z';
	free(stat);
	return zombie || !stat;
}

static bool gone_within(pid_t pid, double timeout)
{
	double end = ctd_now() + timeout;
	while (!exited(pid) && ctd_now() < end)
		ctd_pause_ms(10);
	return exited(pid);
}

/* What a container's run leaves on the host: nothing of the shim's. */
static void assert_nothing_left(const char *id, pid_t shim, pid_t init, const char *sock)
{
	char path[PATH_MAX];
	ck_assert_msg(gone_within(shim, 5), "shim %d of %s still runs", shim, id);
	ck_assert_msg(init <= 0 || gone_within(init, 5), "init %d of %s still runs", init, id);
	ck_assert_msg(access(sock, F_OK) != 0, "shim socket %s left", sock);
	snprintf(path, sizeof(path), "%s/%s/%s", ctd.runc_root, NS, id);
	ck_assert_msg(access(path, F_OK) != 0, "hull state %s left", path);
	ck_assert_msg(!ht_cgroup_exists(id), "cgroup of %s left", id);
}

/* run -d, kill, delete: the shim exits, its socket and the container go. */
START_TEST(shim_leaves_nothing)
{
	struct ht_result r;
	const char *id = ctd_test_id("left");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "sleep 1000");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	int init = ctd_wait_task(id, "RUNNING", 10);
	pid_t shim = find_shim(id);
	char sock[PATH_MAX];
	shim_socket(id, sock, sizeof(sock));
	ck_assert_msg(shim > 0 && access(sock, F_OK) == 0, "no shim %d or socket %s for %s", shim, sock, id);
	ctd_ctr(&r, "task", "kill", "--signal", "KILL", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	ctd_ctr(&r, "task", "delete", id, NULL);
	ctd_assert_status(&r, 0);
	ck_assert_msg(strstr(r.err, "exit code 137"), "task delete: want exit code 137: %.800s", r.err);
	ht_result_free(&r);
	assert_nothing_left(id, shim, init, sock);
	ctd_test_done(id);
}
END_TEST

/* Ten containers at once, ten shims; after their deletes nothing is left
 * of any: shim, init, socket, hull state, cgroup. */
START_TEST(shim_many_leave_nothing)
{
	enum { N = 10 };
	struct ht_result r;
	char ids[N][64], socks[N][PATH_MAX];
	pid_t shims[N];
	int inits[N];
	const char *base = ctd_test_id("many");
	const char *const opts[] = { "--detach", NULL };
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%s-%d", base, i);
		ctd_ctr_run(&r, ids[i], opts, "sleep 1000");
		ctd_assert_status(&r, 0);
		ht_result_free(&r);
	}
	for (int i = 0; i < N; i++) {
		inits[i] = ctd_wait_task(ids[i], "RUNNING", 10);
		shims[i] = find_shim(ids[i]);
		shim_socket(ids[i], socks[i], sizeof(socks[i]));
		ck_assert_msg(shims[i] > 0, "no shim for %s", ids[i]);
	}
	for (int i = 0; i < N; i++)
		ctd_remove_container(ids[i]);
	for (int i = 0; i < N; i++)
		assert_nothing_left(ids[i], shims[i], inits[i], socks[i]);
	ctd_test_done(base);
}
END_TEST

/* A shim killed with SIGKILL: containerd runs `containerd-shim-hull-v2
 * delete`, which removes the container, its processes and the socket. */
START_TEST(shim_kill9_cleaned_up)
{
	struct ht_result r;
	const char *id = ctd_test_id("kill9");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "sleep 1000");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	int init = ctd_wait_task(id, "RUNNING", 10);
	pid_t shim = find_shim(id);
	char sock[PATH_MAX];
	shim_socket(id, sock, sizeof(sock));
	ck_assert_int_gt(shim, 0);
	ck_assert_int_eq(kill(shim, SIGKILL), 0);
	/* containerd's cleanup after a dead shim, then its task is gone */
	char st[64];
	double end = ctd_now() + 10;
	do {
		ctd_pause_ms(20);
		ctd_task_status(id, st, sizeof(st));
	} while (*st && !strncmp(st, "RUNNING", 7) && ctd_now() < end);
	assert_nothing_left(id, shim, init, sock);
	ctd_test_done(id);
}
END_TEST

/* ctr task metrics reads the shim's Stats (cgroup v1 metrics here); the
 * OOM kill of an exec reaches containerd as a /tasks/oom event. */
START_TEST(shim_metrics_oom)
{
	struct ht_result r;
	const char *id = ctd_test_id("oom");
	const char *const opts[] = { "--detach", "--memory-limit", "33554432", NULL };
	ctd_ctr_run(&r, id, opts, "sleep 1000");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "RUNNING", 10);
	ctd_ctr(&r, "task", "metrics", id, NULL);
	ctd_assert_status(&r, 0);
	ck_assert_msg((strstr(r.out, "memory.limit_in_bytes") && strstr(r.out, "33554432")) ||
			      strstr(r.out, "memory.usage_limit"),
		      "metrics: no memory limit in %.1000s", r.out);
	ck_assert_msg(strstr(r.out, "pids.current"), "metrics: no pids in %.1000s", r.out);
	ht_result_free(&r);
	char *swaps = ht_read("/proc/swaps");
	bool swap = swaps && strchr(swaps, '\n') && strchr(swaps, '\n')[1];
	free(swaps);
	if (!swap) {
		ctd_ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "dd", id, "/bin/sh", "-c",
			"dd if=/dev/zero of=/dev/null bs=64M count=1", NULL);
		ctd_assert_status(&r, 137);
		ht_result_free(&r);
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/containerd.log", ctd.dir);
		char *log = NULL;
		double end = ctd_now() + 5;
		do {
			free(log);
			ctd_pause_ms(20);
			log = ht_read(path);
		} while ((!log || !strstr(log, "topic=/tasks/oom")) && ctd_now() < end);
		ck_assert_msg(log && strstr(log, "topic=/tasks/oom"), "containerd got no /tasks/oom event");
		free(log);
	} else {
		fprintf(stderr, "shim_metrics_oom: skipped the OOM event: the host has swap\n");
	}
	ctd_test_done(id);
}
END_TEST

/* An exec's stdin: the stdin fifo copied into the process until CloseIO. */
START_TEST(shim_exec_stdin)
{
	struct ht_result r;
	const char *id = ctd_test_id("stdin");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "sleep 1000");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "RUNNING", 10);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "printf 'one\\ntwo\\n' | %s --address %s -n %s task exec --fifo-dir %s "
		 "--exec-id in1 %s /bin/sh -c 'wc -l'",
		 CTR, ctd.sock, NS, ctd.fifo, id);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	ctd_spawn(argv, &r, 30);
	ctd_assert_status(&r, 0);
	ck_assert_msg(atoi(r.out) == 2, "exec stdin: wc -l said \"%.200s\", want 2", r.out);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* The init exits while an exec runs: the shim kills what is left of the
 * container, and the exec's waiter gets its end (SIGKILL's status). */
START_TEST(shim_exec_outlived_by_init)
{
	struct ht_result r;
	const char *id = ctd_test_id("outlive");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts,
		    "i=0; while [ ! -e /tmp/done ] && [ $i -lt 1500 ]; do usleep 20000; i=$((i+1)); done");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "RUNNING", 10);
	ctd_ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "x1", id, "/bin/sh", "-c",
		"touch /tmp/done; exec sleep 1000", NULL);
	ctd_assert_status(&r, 137);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	ctd_ctr(&r, "task", "delete", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* A process that cannot be executed: ctr gets hull's one-line error, and
 * the task, the container and the shim go without a trace. */
START_TEST(shim_failed_start_leaves_nothing)
{
	struct ht_result r;
	const char *id = ctd_test_id("nobin");
	char *argv[64];
	const char *const opts[] = { "--rm", NULL };
	ctd_ctr_run_argv(argv, id, opts, "unused");
	/* the command: /no/such/binary instead of /bin/sh -c */
	size_t n = 0;
	while (argv[n])
		n++;
	argv[n - 3] = "/no/such/binary";
	argv[n - 2] = NULL;
	ctd_spawn(argv, &r, 30);
	ck_assert_msg(r.status != 0 && strstr(r.err, "/no/such/binary"), "ctr run: exit %d, stderr %.800s", r.status,
		      r.err);
	ht_result_free(&r);
	ctd_remove_container(id);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s/%s", ctd.runc_root, NS, id);
	ck_assert_msg(access(path, F_OK) != 0, "hull state %s left", path);
	ck_assert_msg(!ht_cgroup_exists(id), "cgroup of %s left", id);
	double end = ctd_now() + 5;
	while (find_shim(id) && ctd_now() < end)
		ctd_pause_ms(20);
	ck_assert_msg(!find_shim(id), "the shim of %s still runs", id);
	ctd_test_done(id);
}
END_TEST

/* containerd restarts under a running task: it finds the shim again (the
 * bundle's address), exec and kill go through, and the exit event reaches
 * the new containerd (the shim connects to it again). */
START_TEST(shim_survives_containerd_restart)
{
	struct ht_result r;
	const char *id = ctd_test_id("restart");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "trap 'exit 7' TERM; sleep 1000 & wait");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	int pid = ctd_wait_task(id, "RUNNING", 10);
	ctd_restart_containerd();
	ck_assert_int_eq(ctd_wait_task(id, "RUNNING", 10), pid);
	ctd_ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "e1", id, "/bin/echo", "again", NULL);
	ctd_assert_status(&r, 0);
	ctd_assert_out(&r, "again\n");
	ht_result_free(&r);
	ctd_ctr(&r, "task", "kill", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/containerd.log", ctd.dir);
	char *log = NULL;
	const char *second = NULL;
	double end = ctd_now() + 5;
	for (;;) {
		free(log);
		log = ht_read(path);
		const char *first = log ? strstr(log, "containerd successfully booted") : NULL;
		second = first ? strstr(first + 1, "containerd successfully booted") : NULL;
		if ((second && strstr(second, "topic=/tasks/exit")) || ctd_now() > end)
			break;
		ctd_pause_ms(20);
	}
	ck_assert_msg(second && strstr(second, "topic=/tasks/exit"), "the restarted containerd got no /tasks/exit");
	free(log);
	ctd_ctr(&r, "task", "delete", id, NULL);
	ck_assert_msg(strstr(r.err, "exit code 7"), "task delete: want exit code 7: %.800s", r.err);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* A binary:// log URI: the logger gets stdout and stderr on fds 3 and 4,
 * CONTAINER_ID in its environment, and is waited for until it closes fd 5. */
START_TEST(shim_log_binary)
{
	struct ht_result r;
	const char *id = ctd_test_id("logbin");
	char logger[256], uri[300], script[2048], out[256], err[256];
	snprintf(logger, sizeof(logger), "%s/logger.sh", ctd.dir);
	snprintf(out, sizeof(out), "%s/logger.out", ctd.dir);
	snprintf(err, sizeof(err), "%s/logger.err", ctd.dir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\nexec 5>&-\n{ echo \"$CONTAINER_ID $1 $2\"; cat <&3; } > %s.tmp && "
		 "mv %s.tmp %s &\ncat <&4 > %s.tmp && mv %s.tmp %s &\nwait\n",
		 out, out, out, err, err, err);
	ctd_file_put(logger, script, 0755);
	snprintf(uri, sizeof(uri), "binary://%s?tag=t+1", logger);
	const char *const opts[] = { "--detach", "--log-uri", uri, NULL };
	ctd_ctr_run(&r, id, opts, "echo to-out; echo to-err >&2");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	double end = ctd_now() + 10;
	while ((access(out, F_OK) || access(err, F_OK)) && ctd_now() < end)
		ctd_pause_ms(20);
	char *o = ht_read(out), *e = ht_read(err), want[300];
	snprintf(want, sizeof(want), "%s tag t 1\nto-out\n", id);
	ck_assert_msg(o && !strcmp(o, want), "logger stdout \"%s\", want \"%s\"", o ? o : "(none)", want);
	ck_assert_msg(e && !strcmp(e, "to-err\n"), "logger stderr \"%s\"", e ? e : "(none)");
	free(o);
	free(e);
	ctd_test_done(id);
}
END_TEST

HULL_TESTS(containerd_shim)
{
	tcase_add_test(tc, shim_log_binary);
	tcase_add_test(tc, shim_survives_containerd_restart);
	tcase_add_test(tc, shim_failed_start_leaves_nothing);
	tcase_add_test(tc, shim_exec_outlived_by_init);
	tcase_add_test(tc, shim_many_leave_nothing);
	tcase_add_test(tc, shim_leaves_nothing);
	tcase_add_test(tc, shim_kill9_cleaned_up);
	tcase_add_test(tc, shim_metrics_oom);
	tcase_add_test(tc, shim_exec_stdin);
}
