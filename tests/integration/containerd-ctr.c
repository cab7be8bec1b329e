/* The containerd suite's tcase ctr (containerd.c): `ctr run --runc-binary`
 * hull, tasks, exec, pause, kill, a pty, a memory limit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "containerd.h"

/* ---- tcase ctr: ctr run --runc-binary hull ---- */

/* a) ctr run --rm: output and exit code come back through the shim. */
START_TEST(run_rm_exit_code)
{
	struct ht_result r;
	const char *id = ctd_test_id("run");
	const char *const opts[] = { "--rm", NULL };
	ctd_ctr_run(&r, id, opts, "echo ok; exit 3");
	ctd_assert_status(&r, 3);
	ctd_assert_out(&r, "ok\n");
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* Starts a detached task that exits 0 on SIGTERM; returns its pid. */
static int run_detached(const char *id)
{
	struct ht_result r;
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "trap 'exit 0' TERM; sleep 1000 & wait");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	return ctd_wait_task(id, "RUNNING", 10);
}

/* b) ctr task exec: output and exit code of an exec'd process. */
START_TEST(task_exec)
{
	struct ht_result r;
	const char *id = ctd_test_id("exec");
	run_detached(id);
	ctd_ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "e1", id, "/bin/sh", "-c",
	    "echo two; exit 4", NULL);
	ctd_assert_status(&r, 4);
	ctd_assert_out(&r, "two\n");
	ht_result_free(&r);
	/* In the container's pid namespace, where pid 1 is its busybox sh; the
	 * exec ID can be used again once the first one is gone. */
	ctd_ctr(&r, "task", "exec", "--fifo-dir", ctd.fifo, "--exec-id", "e1", id, "/bin/sh", "-c",
	    "echo $(readlink /proc/1/exe) $$", NULL);
	ctd_assert_status(&r, 0);
	ck_assert_msg(!strncmp(r.out, "/bin/busybox ", 13) && atoi(r.out + 13) > 1,
		      "exec: \"%.600s\", want /bin/busybox and a pid > 1", r.out);
	ht_result_free(&r);
	ctd_wait_task(id, "RUNNING", 1);
	ctd_test_done(id);
}
END_TEST

/* b) ctr task ps lists the container's processes, pause and resume. */
START_TEST(task_ps_pause_resume)
{
	struct ht_result r;
	const char *id = ctd_test_id("pause");
	int pid = run_detached(id);
	ctd_ctr(&r, "task", "ps", id, NULL);
	ctd_assert_status(&r, 0);
	char want[32];
	snprintf(want, sizeof(want), "\n%d ", pid);
	ck_assert_msg(!strncmp(r.out, "PID", 3) && strstr(r.out, want),
		      "task ps: no init pid %d in \"%.600s\"", pid, r.out);
	size_t lines = 0;
	for (const char *p = r.out; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_msg(lines >= 3, "task ps: want the shell and its sleep in \"%.600s\"", r.out);
	ht_result_free(&r);

	ctd_ctr(&r, "task", "pause", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "PAUSED", 5);
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/%s", ctd.runc_root, NS);
	char *state[] = { getenv("HULL"), "--root", root, "state", (char *)id, NULL };
	ctd_spawn(state, &r, 10);
	ck_assert_msg(strstr(r.out, "\"paused\""), "hull state after pause: %.600s%.600s", r.out, r.err);
	ht_result_free(&r);

	ctd_ctr(&r, "task", "resume", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "RUNNING", 5);
	ctd_spawn(state, &r, 10);
	ck_assert_msg(strstr(r.out, "\"running\""), "hull state after resume: %.600s%.600s", r.out, r.err);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* b) ctr task kill (SIGTERM), task delete, container delete. */
START_TEST(task_kill_delete)
{
	struct ht_result r;
	const char *id = ctd_test_id("kill");
	run_detached(id);
	ctd_ctr(&r, "task", "kill", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	ctd_ctr(&r, "task", "delete", id, NULL);
	ctd_assert_status(&r, 0);
	/* ctr warns about a non-zero exit code: the trap made it 0 */
	ck_assert_msg(!strstr(r.err, "exit code"), "task delete: %.800s", r.err);
	ht_result_free(&r);
	char st[64];
	ctd_task_status(id, st, sizeof(st));
	ck_assert_msg(!*st, "task %s still listed: %s", id, st);
	ctd_ctr(&r, "container", "delete", id, NULL);
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* b) a stopped task goes with `task delete --force` too: containerd then
 * kills all its processes first (the shim runs kill --all on a stopped
 * container, which runc accepts). */
START_TEST(task_delete_force_stopped)
{
	struct ht_result r;
	const char *id = ctd_test_id("delf");
	const char *const opts[] = { "--detach", NULL };
	ctd_ctr_run(&r, id, opts, "exit 5");
	ctd_assert_status(&r, 0);
	ht_result_free(&r);
	ctd_wait_task(id, "STOPPED", 10);
	ctd_ctr(&r, "task", "delete", "--force", id, NULL);
	ctd_assert_status(&r, 0);
	ck_assert_msg(strstr(r.err, "exit code 5"), "task delete: want exit code 5: %.800s", r.err);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* c) ctr run -t: the container's stdio is a pty with ctr's window size. */
START_TEST(run_tty)
{
	struct ht_result r;
	const char *id = ctd_test_id("tty");
	const char *const opts[] = { "--rm", "--tty", NULL };
	char *argv[64];
	ctd_ctr_run_argv(argv, id, opts, TTY_SCRIPT("5"));
	ht_run_in_pty(argv, 40, 100, 30, &r);
	ctd_assert_status(&r, 5);
	ctd_assert_tty_output(&r);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* c) ctr task exec -t: an exec'd process on its own pty. */
START_TEST(exec_tty)
{
	struct ht_result r;
	const char *id = ctd_test_id("exectty");
	run_detached(id);
	char *argv[] = { CTR, "--address", ctd.sock, "-n", NS, "task", "exec", "--tty", "--fifo-dir",
			 ctd.fifo, "--exec-id", "t1", (char *)id, "/bin/sh", "-c", TTY_SCRIPT("7"),
			 NULL };
	ht_run_in_pty(argv, 40, 100, 30, &r);
	ctd_assert_status(&r, 7);
	ctd_assert_tty_output(&r);
	ht_result_free(&r);
	ctd_test_done(id);
}
END_TEST

/* d) --memory-limit reaches the container's memory cgroup; a process that
 * goes past it is killed. */
START_TEST(memory_limit)
{
	struct ht_result r;
	const char *id = ctd_test_id("mem");
	const char *const opts[] = { "--rm", "--memory-limit", "33554432", "--mount",
				     "type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev",
				     NULL };
	ctd_ctr_run(&r, id, opts,
		"if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max; "
		"else cat /sys/fs/cgroup/memory/memory.limit_in_bytes; fi");
	ctd_assert_status(&r, 0);
	ctd_assert_out(&r, "33554432\n");
	ht_result_free(&r);

	/* With swap the limit alone would not kill: memory.limit_in_bytes only. */
	char *swaps = ht_read("/proc/swaps");
	bool swap = swaps && strchr(swaps, '\n') && strchr(swaps, '\n')[1];
	free(swaps);
	if (!swap) {
		const char *const opts2[] = { "--rm", "--memory-limit", "33554432", NULL };
		ctd_ctr_run(&r, id, opts2, "dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; "
				       "echo dd $?");
		ctd_assert_status(&r, 0);
		ctd_assert_out(&r, "dd 137\n");
		ht_result_free(&r);
	}
	ctd_test_done(id);
}
END_TEST

/* 50 `ctr run --rm` of `true` with runc, then with hull, through the same
 * containerd and shim: every one exits 0, none is left, and the times go
 * to the log (HULL_CLIENTS_TABLE gets a row of the clients table). */
START_TEST(fifty_runs_runc_and_hull)
{
	const char *id = ctd_test_id("fifty");
	char runc_root[PATH_MAX];
	snprintf(runc_root, sizeof(runc_root), "%s/runc-ref", ctd.dir);
	double took[2];
	for (int k = 0; k < 2; k++) {
		bool runc = k == 0;
		if (runc && access("/usr/sbin/runc", X_OK) != 0) {
			printf("containerd fifty_runs_runc_and_hull: runc: skipped: /usr/sbin/runc is not installed\n");
			took[k] = -1;
			continue;
		}
		double t0 = ctd_now();
		for (int i = 0; i < 50; i++) {
			char *argv[64];
			struct ht_result r;
			const char *const opts[] = { "--rm", NULL };
			/* runc through containerd-shim-runc-v2 in both test cases;
			 * hull as the test case runs it (that shim, or hull's own) */
			char *runc_argv[] = { CTR, "--address", ctd.sock, "-n", NS, "run", "--runc-binary",
					      "/usr/sbin/runc", "--runc-root", runc_root, "--fifo-dir", ctd.fifo,
					      "--rm", "--env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "--rootfs",
					      ctd.rootfs, (char *)id, "/bin/true", NULL };
			ctd_ctr_run_argv(argv, id, opts, "true");
			ctd_spawn(runc ? runc_argv : argv, &r, 30);
			ck_assert_msg(r.status == 0, "%s run %d: exit %d\n%s\nhull calls that failed:\n%s",
				      runc ? "runc" : "hull", i, r.status, r.err, ctd_hull_failures());
			ht_result_free(&r);
		}
		took[k] = ctd_now() - t0;
	}
	struct ht_result r;
	ctd_ctr(&r, "containers", "ls", "-q", NULL);
	ck_assert_msg(!strstr(r.out, id), "left: %s", r.out);
	ht_result_free(&r);
	const char *how = ctd.native ? "hull's shim" : "containerd-shim-runc-v2";
	printf("containerd: 50 ctr run --rm: runc %.1f s, hull (%s) %.1f s\n", took[0], how, took[1]);
	const char *keep = getenv("HULL_CLIENTS_TABLE");
	FILE *f = keep ? fopen(keep, "a") : NULL;
	if (f) {
		fprintf(f, "| ctr | 50 run --rm true (hull through %s) | %.1f s | %.1f s |\n", how, took[0],
			took[1]);
		fclose(f);
	}
	ctd_test_done(id);
}
END_TEST

HULL_TESTS(containerd_ctr)
{
	tcase_add_test(tc, run_rm_exit_code);
	tcase_add_test(tc, task_exec);
	tcase_add_test(tc, task_ps_pause_resume);
	tcase_add_test(tc, task_kill_delete);
	tcase_add_test(tc, task_delete_force_stopped);
	tcase_add_test(tc, run_tty);
	tcase_add_test(tc, exec_tty);
	tcase_add_test(tc, memory_limit);
	tcase_add_test(tc, fifty_runs_runc_and_hull);
}
