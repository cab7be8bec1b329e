/* clients_compat, what systemd units and podman hand a runc drop-in
 * through the environment and the command line: NOTIFY_SOCKET (sd_notify
 * relayed), LISTEN_FDS (socket activation), --pidfd-socket and the
 * subreaper of `run` (--no-subreaper). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/ht.h"

static int bound_socket(int type, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind %s: %s", path, strerror(errno));
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

/* One datagram on sock within 30 s. */
static void recv_dgram(int sock, char *buf, size_t cap)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "no notification in 30 s");
	ssize_t n = recv(sock, buf, cap - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
}

/* With NOTIFY_SOCKET, the container gets NOTIFY_SOCKET=/run/notify/
 * notify.sock (bound from the state dir); start returns once it sent
 * READY=1, which reaches the caller's socket with MAINPID. */
START_TEST(notify_socket_relayed)
{
	struct ht t;
	struct ht_result r;
	struct ht_proc start;
	char host[128], path[256], buf[512];
	ht_begin(&t, false);
	snprintf(host, sizeof(host), "%s/host-notify.sock", t.bundle);
	int hs = bound_socket(SOCK_DGRAM, host);
	ht_add_sync(&t);
	ht_sh(&t, "while [ ! -S \"$NOTIFY_SOCKET\" ]; do usleep 10000; done; "
		  "echo \"$NOTIFY_SOCKET\" > /mnt/ready; exec sleep 1000");
	ht_write_config(&t);
	setenv("NOTIFY_SOCKET", host, 1);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ht_start_hull(&t, &start, "start", t.id, NULL);
	unsetenv("NOTIFY_SOCKET");
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "/run/notify/notify.sock\n");
	free(line);
	/* start waits for READY=1: what the container's sd_notify would send */
	snprintf(path, sizeof(path), "%s/%s/notify/notify.sock", t.root, t.id);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	int c = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	const char *status = "STATUS=starting\n";
	ck_assert_int_eq(sendto(c, status, strlen(status), 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)strlen(status));
	const char *ready = "READY=1\nSTATUS=up\n";
	ck_assert_int_eq(sendto(c, ready, strlen(ready), 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)strlen(ready));
	close(c);
	ht_wait(&start, &r, 30000);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	recv_dgram(hs, buf, sizeof(buf));
	char want[64];
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%d\n", (int)ht_state_pid(&t, t.id, NULL, 0));
	ck_assert_str_eq(buf, want);
	close(hs);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* A container that exits before it is ready: start (run -d) returns and
 * the caller hears nothing. */
START_TEST(notify_socket_init_gone)
{
	struct ht t;
	struct ht_result r;
	char host[128];
	ht_begin(&t, false);
	snprintf(host, sizeof(host), "%s/host-notify.sock", t.bundle);
	int hs = bound_socket(SOCK_DGRAM, host);
	ht_sh(&t, "exit 0");
	ht_write_config(&t);
	setenv("NOTIFY_SOCKET", host, 1);
	ht_hull(&t, &r, NULL, "run", "--detach", "--bundle", t.bundle, t.id, NULL);
	unsetenv("NOTIFY_SOCKET");
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char buf[64];
	ck_assert_int_eq(recv(hs, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(hs);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* Socket activation: with LISTEN_PID naming hull and LISTEN_FDS=1, fd 3
 * reaches the process as fd 3 with LISTEN_FDS=1 and LISTEN_PID=1. */
START_TEST(listen_fds_passed)
{
	struct ht t;
	struct ht_proc p;
	struct ht_result r;
	char file[128], script[512];
	ht_begin(&t, false);
	snprintf(file, sizeof(file), "%s/activated", t.bundle);
	FILE *f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("from systemd\n", f);
	fclose(f);
	ht_sh(&t, "echo $LISTEN_FDS $LISTEN_PID; cat <&3");
	ht_write_config(&t);
	snprintf(script, sizeof(script), "export LISTEN_FDS=1 LISTEN_PID=$$; exec \"$0\" --root %s run --bundle %s %s 3<%s",
		 t.root, t.bundle, t.id, file);
	char *argv[] = { "/bin/sh", "-c", script, (char *)ht_hull_bin(), NULL };
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, &r, 30000);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1 1\nfrom systemd\n");
	ht_result_free(&r);
	/* LISTEN_PID naming another process: nothing is passed */
	snprintf(script, sizeof(script), "export LISTEN_FDS=1 LISTEN_PID=1; exec \"$0\" --root %s run --bundle %s %s 3<%s",
		 t.root, t.bundle, t.id, file);
	ht_start(argv, NULL, 0, &p);
	ht_wait(&p, &r, 30000);
	ck_assert_msg(r.status != 0 && strncmp(r.out, "1 1\n", 4) != 0, "exit %d: %s%s", r.status, r.out, r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* --pidfd-socket: create hands the init's pidfd over, exec its process's;
 * a signal through them reaches those processes. */
START_TEST(pidfd_socket_create_exec)
{
	struct ht t;
	struct ht_proc p;
	struct ht_result r;
	char sock[128], buf[64];
	ht_begin(&t, false);
	snprintf(sock, sizeof(sock), "%s/pidfd.sock", t.bundle);
	int ls = bound_socket(SOCK_STREAM, sock);
	ht_add_sync(&t);
	ht_sh(&t, "trap 'echo term > /mnt/ready' TERM; echo up > /mnt/ready; while :; do sleep 1; done");
	ht_write_config(&t);
	ht_start_hull(&t, &p, "run", "--detach", "--pidfd-socket", sock, "--bundle", t.bundle, t.id, NULL);
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(c, 0);
	int pidfd = ht_recv_fd(c, buf, sizeof(buf));
	close(c);
	ht_wait(&p, &r, 30000);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "up\n");
	free(line);
	ck_assert_int_eq(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), 0);
	line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "term\n");
	free(line);
	close(pidfd);

	ht_start_hull(&t, &p, "exec", "--detach", "--pidfd-socket", sock, t.id, "sleep", "1000", NULL);
	c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(c, 0);
	pidfd = ht_recv_fd(c, buf, sizeof(buf));
	close(c);
	ht_wait(&p, &r, 30000);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	ck_assert_int_eq(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0), 0);
	struct pollfd pp = { .fd = pidfd, .events = POLLIN };
	ck_assert_int_eq(poll(&pp, 1, 30000), 1);	/* the exec'd sleep is gone */
	/* ours to reap (hull exec left it to us, a subreaper): the pid
	 * namespace's init cannot end while it is a zombie */
	siginfo_t si;
	ck_assert_int_eq(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
	close(pidfd);
	close(ls);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* `run` adopts what a container without a pid namespace orphans, as runc;
 * --no-subreaper leaves it to the caller (the test, a subreaper). */
START_TEST(run_subreaper)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *ns = json_object_get(json_object_get(t.cfg, "linux"), "namespaces");
	for (size_t i = json_array_size(ns); i-- > 0;)
		if (!strcmp(json_string_value(json_object_get(json_array_get(ns, i), "type")), "pid"))
			json_array_remove(ns, i);
	/* the orphan's parent, then the init's (hull run's pid) */
	ht_sh(&t, "(sleep 1000 & echo $! > /tmp/o); o=$(cat /tmp/o); "
		  "echo $(awk '/^PPid/{print $2}' /proc/$o/status) $PPID; kill $o");
	ht_mount(&t, "/tmp", "tmpfs", "tmpfs", NULL);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	int orphan_parent, hull_pid;
	ck_assert_int_eq(sscanf(r.out, "%d %d", &orphan_parent, &hull_pid), 2);
	ck_assert_msg(orphan_parent == hull_pid, "the orphan went to %d, not to hull run (%d)", orphan_parent, hull_pid);
	ht_result_free(&r);
	ht_hull(&t, &r, NULL, "run", "--no-subreaper", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ck_assert_int_eq(sscanf(r.out, "%d %d", &orphan_parent, &hull_pid), 2);
	ck_assert_msg(orphan_parent == getpid(), "--no-subreaper: the orphan went to %d, not to the test (%d)",
		      orphan_parent, (int)getpid());
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_TESTS(clients_compat_notify)
{
	tcase_add_test(tc, notify_socket_relayed);
	tcase_add_test(tc, notify_socket_init_gone);
	tcase_add_test(tc, listen_fds_passed);
	tcase_add_test(tc, pidfd_socket_create_exec);
	tcase_add_test(tc, run_subreaper);
}
