/* `hull exec` (exec.c): the errors with a running, stopped or unknown
 * container, and a paused one. */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

/* 9. Errors with a running container: one line each, nothing started. */
START_TEST(errors_running)
{
	struct ht t;
	struct ht_result r;
	char sock[128], file[128];
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	snprintf(sock, sizeof(sock), "%s/console.sock", t.bundle);
	snprintf(file, sizeof(file), "%s/process.json", t.bundle);
	FILE *f = fopen(file, "we");
	ck_assert_ptr_nonnull(f);
	fputs("{\"args\": [\"true\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}", f);
	fclose(f);
	const struct {
		const char *args[8];
		const char *err;
	} cases[] = {
		{ { t.id }, "hull: exec: no command given (hull exec ID CMD [ARGS...] or --process FILE)\n" },
		{ { "--user", "x", t.id, "true" }, "hull: exec: --user: \"x\" is not UID[:GID]\n" },
		{ { "--console-socket", sock, t.id, "true" },
		  "hull: exec: --console-socket without --tty: there is no terminal to send\n" },
		{ { "--tty", "--detach", t.id, "true" },
		  "hull: exec: a detached process needs --console-socket for its terminal\n" },
		{ { "--process", file, t.id, "true" }, "hull: exec: a command and --process: give one\n" },
		{ { "--env", "NOVALUE", t.id, "true" }, "hull: exec: --env \"NOVALUE\": want NAME=VALUE\n" },
		{ { "--cwd", "etc", t.id, "true" }, "hull: exec: --cwd \"etc\": must be absolute\n" },
		{ { "--additional-gids", "1,x", t.id, "true" },
		  "hull: exec: --additional-gids: \"x\" is not a gid\n" },
		{ { t.id, "/no/such/command" }, "hull: exec: \"/no/such/command\": stat /no/such/command: no such file or directory\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		ht_hull(&t, &r, NULL, "exec", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
		ck_assert_msg(r.status == 1 && !strcmp(r.err, cases[i].err),
			      "case %zu: exit %d, stderr \"%s\", want \"%s\"", i, r.status, r.err, cases[i].err);
		ck_assert_str_eq(r.out, "");
		ht_result_free(&r);
		ex_assert_only_init(&t, init);
	}
	ex_delete_and_finish(&t);
}
END_TEST

/* A stopped container, and one that does not exist. */
START_TEST(errors_stopped_unknown)
{
	struct ht t;
	struct ht_result r;
	char want[256], unknown[96];
	ht_begin(&t, false);
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	ht_ok(&t, "run", "--keep", "--bundle", t.bundle, t.id, NULL);
	EXEC(&t, &r, t.id, "true");
	snprintf(want, sizeof(want), "hull: container %s: cannot exec in a stopped container\n", t.id);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ck_assert_str_eq(r.out, "");
	ht_result_free(&r);
	snprintf(unknown, sizeof(unknown), "%s-none", t.id);
	EXEC(&t, &r, unknown, "true");
	snprintf(want, sizeof(want), "hull: container %s does not exist\n", unknown);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* A paused container refuses exec; --ignore-paused goes in, and the process
 * stays frozen (and exec -d waiting for it) until resume. */
START_TEST(paused)
{
	struct ht t;
	struct ht_result r;
	char want[256];
	ht_begin(&t, false);
	ht_add_sync(&t);
	pid_t init = ex_start_sleeper(&t);
	ht_ok(&t, "pause", t.id, NULL);
	EXEC(&t, &r, t.id, "true");
	snprintf(want, sizeof(want), "hull: container %s is paused (exec --ignore-paused goes in anyway)\n",
		 t.id);
	ht_assert_status(&r, 1);
	ck_assert_str_eq(r.err, want);
	ht_result_free(&r);
	ex_assert_only_init(&t, init);

	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "exec", "--ignore-paused", "-d", t.id, "sh", "-c", "echo ran > /mnt/ready",
			       NULL };
	pid_t hull = ex_spawn_hull(&t, out, err, -1, args);
	int hfd = (int)syscall(SYS_pidfd_open, hull, 0);
	ck_assert_int_ge(hfd, 0);
	/* bounded: until the new process is in the (frozen) cgroup */
	pid_t pids[16];
	size_t n = 0;
	struct pollfd hp = { .fd = hfd, .events = POLLIN };
	for (int i = 0; i < 500 && n < 2; i++) {
		n = ex_container_pids(&t, pids, 16);
		if (n < 2 && poll(&hp, 1, 10) != 0)
			break;	/* hull ended: caught below */
	}
	ck_assert_msg(poll(&hp, 1, 0) == 0, "exec --ignore-paused -d returned while the container was paused");
	ck_assert_uint_eq(n, 2);
	char status[32];
	ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "paused");
	ck_assert_msg(poll(&hp, 1, 0) == 0, "exec --ignore-paused -d returned while the container was paused");
	close(hfd);

	ht_ok(&t, "resume", t.id, NULL);
	int st = ex_wait_bounded(hull, 10000);
	char *o = ht_slurp_fd(out), *e = ht_slurp_fd(err);
	close(out);
	close(err);
	ck_assert_msg(st == 0, "exec --ignore-paused -d: exit %d after resume\nstdout: %s\nstderr: %s", st, o,
		      e);
	ck_assert_str_eq(o, "");
	ck_assert_str_eq(e, "");
	free(o);
	free(e);
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "ran\n");
	free(line);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_TESTS(exec_errors)
{
	tcase_add_test(tc, errors_running);
	tcase_add_test(tc, errors_stopped_unknown);
	tcase_add_test(tc, paused);
}
