/* `hull exec` (exec.c): the terminal (--tty, --console-socket),
 * --detach with --pid-file, --preserve-fds. */
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

/* Reads the master until want is in out, or EOF/EIO; bounded by 10 s. */
static void read_until(int master, char *out, size_t cap, size_t *len, const char *want)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!strstr(out, want)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = 10000 - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		ck_assert_msg(left > 0, "the terminal showed \"%s\", not \"%s\"", out, want);
		struct pollfd p = { .fd = master, .events = POLLIN };
		if (poll(&p, 1, (int)left) != 1)
			continue;
		ssize_t n = read(master, out + *len, cap - 1 - *len);
		ck_assert_msg(n > 0, "the terminal closed after \"%s\", want \"%s\"", out, want);
		*len += (size_t)n;
		out[*len] = 0;
	}
}

/* 6a. --tty --console-socket: the pty's master comes over the socket, and it
 * is the exec'd process's terminal both ways. */
START_TEST(tty_console_socket)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/console.sock", t.bundle);
	int ls = ht_listen_unix(sock);

	/* the size is set once the test holds the master: the line it writes says when */
	EXEC(&t, &r, "-d", "-t", "--console-socket", sock, t.id, "sh", "-c",
	     "stty -echo; tty; read line; echo \"got $line\"; stty size");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	char name[256];
	int master = ht_accept_fd(ls, name, sizeof(name));
	ck_assert_msg(!strncmp(name, "/dev/pts/", 9), "console name \"%s\"", name);

	char out[1024] = "", want[300];
	size_t len = 0;
	snprintf(want, sizeof(want), "%s\r\n", name);
	read_until(master, out, sizeof(out), &len, want);
	ck_assert_str_eq(out, want);
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	ck_assert_int_eq(write(master, "go\n", 3), 3);
	read_until(master, out, sizeof(out), &len, "40 100\r\n");
	snprintf(want, sizeof(want), "%s\r\ngot go\r\n40 100\r\n", name);
	ck_assert_str_eq(out, want);
	close(master);
	ex_delete_and_finish(&t);
}
END_TEST

/* 6b. --tty in the foreground on a terminal: hull relays it, with its size. */
START_TEST(tty_relay)
{
	struct ht t;
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	char *argv[] = { (char *)getenv("HULL"), "--root", t.root, "exec", "-t", t.id, "sh", "-c",
			 "tty; stty size; exit 5", NULL };
	struct ht_result r;
	ht_run_in_pty(argv, 33, 77, 10, &r);
	ck_assert_msg(r.status == 5, "hull exec -t: exit %d, output \"%s\"", r.status, r.out);
	/* the container's pty is the first of its devpts; the size is ours */
	ck_assert_str_eq(r.out, "/dev/pts/0\r\n33 77\r\n");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* 7. --detach returns while the process runs; --pid-file names it. */
START_TEST(detach_pid_file)
{
	struct ht t;
	struct ht_result r;
	char pid_file[128];
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	snprintf(pid_file, sizeof(pid_file), "%s/exec.pid", t.bundle);
	EXEC(&t, &r, "-d", "--pid-file", pid_file, t.id, "sleep", "30");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	pid_t pid = ex_read_pid_file(pid_file);
	/* alive and running sleep 30 after hull returned */
	ck_assert_int_eq(kill(pid, 0), 0);
	char *stat = ex_proc_file(pid, "stat");
	char *close_paren = strrchr(stat, ')');
	ck_assert_ptr_nonnull(close_paren);
	ck_assert_msg(close_paren[2] == 'S' || close_paren[2] == 'R', "state: %s", stat);
	free(stat);
	char cmdline[64];
	char *raw = ex_proc_file(pid, "cmdline");
	memcpy(cmdline, raw, 9);
	free(raw);
	ck_assert_int_eq(memcmp(cmdline, "sleep\0" "30", 9), 0);
	char *theirs = ex_proc_file(init, "cgroup"), *mine = ex_proc_file(pid, "cgroup");
	ck_assert_str_eq(mine, theirs);
	free(theirs);
	free(mine);
	pid_t pids[16];
	size_t n = ex_container_pids(&t, pids, 16);
	ck_assert_msg(n == 2 && ex_has_pid(pids, n, pid), "ps lists %zu pids, not %d", n, (int)pid);
	ex_delete_and_finish(&t);
}
END_TEST

/* 8. --preserve-fds 1: fd 3 of hull is fd 3 of the process, and no other. */
START_TEST(preserve_fds)
{
	struct ht t;
	char file[128];
	ht_begin(&t, false);
	ex_start_sleeper(&t);
	snprintf(file, sizeof(file), "%s/fd3", t.bundle);
	FILE *f = fopen(file, "we");
	ck_assert_ptr_nonnull(f);
	fputs("through fd 3\n", f);
	fclose(f);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	/* ls's own directory is fd 4: a 5 would be a fd that leaked */
	const char *args[] = { "exec", "--preserve-fds", "1", t.id, "sh", "-c",
			       "cat <&3; ls /proc/self/fd | tr '\\n' ' '", NULL };
	int status = ex_wait_bounded(ex_spawn_hull(&t, out, err, fd, args), 20000);
	close(fd);
	char *o = ht_slurp_fd(out), *e = ht_slurp_fd(err);
	close(out);
	close(err);
	ck_assert_msg(status == 0, "exit %d\nstdout: %s\nstderr: %s", status, o, e);
	ck_assert_str_eq(o, "through fd 3\n0 1 2 3 4 ");
	ck_assert_str_eq(e, "");
	free(o);
	free(e);
	ex_delete_and_finish(&t);
}
END_TEST

/* 8b. --preserve-fds N with fds hull was not given: hull's own files (the
 * init's pidfd, the container's cgroup dirs on the host) must not fill the
 * range; `run` refuses, and so must exec. */
START_TEST(preserve_fds_not_open)
{
	struct ht t;
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	int out = memfd_create("ht-out", MFD_CLOEXEC), err = memfd_create("ht-err", MFD_CLOEXEC);
	ck_assert(out >= 0 && err >= 0);
	const char *args[] = { "exec", "--preserve-fds", "6", t.id, "sh", "-c",
			       "for f in 3 4 5 6 7 8; do readlink /proc/self/fd/$f; done", NULL };
	struct ht_result r = { .status = ex_wait_bounded(ex_spawn_hull(&t, out, err, -1, args), 20000) };
	r.out = ht_slurp_fd(out);
	r.err = ht_slurp_fd(err);
	close(out);
	close(err);
	/* the container must not get hull's files; stdout shows what it got */
	ck_assert_msg(r.status == 1 && !strcmp(r.err, "hull: exec: --preserve-fds 6: fd 3 is not open\n") &&
		      !*r.out, "exit %d\nstderr: %s\nthe container's fds 3-8:\n%s", r.status, r.err, r.out);
	ht_result_free(&r);
	ex_assert_only_init(&t, init);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_TESTS(exec_io)
{
	tcase_add_test(tc, tty_console_socket);
	tcase_add_test(tc, tty_relay);
	tcase_add_test(tc, detach_pid_file);
	tcase_add_test(tc, preserve_fds);
	tcase_add_test(tc, preserve_fds_not_open);
}
