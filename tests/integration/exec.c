/* `hull exec`: a process joins a running container's namespaces (user and
 * time too), cgroup, seccomp filter, and takes the command line's changes to
 * the container's process; its exit code, --detach, the terminal, preserved
 * fds, and the errors.
 *
 * This file: the namespaces, the cgroup, exit codes; the suite. The others
 * are in exec-process.c, exec-io.c, exec-errors.c and exec-cgroup.c
 * (helpers: exec.h). */
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

/* 1. The exec'd process is in the init's pid, mount (root), net, ipc, uts
 * and cgroup namespaces, none of them the host's. */
START_TEST(joins_namespaces)
{
	static const char *const names[] = { "mnt", "pid", "net", "ipc", "uts", "cgroup" };
	struct ht t;
	struct ht_result r;
	char marker[4300], host[64], init_ns[64], want[2048];
	ht_begin(&t, true);
	json_object_set_new(t.cfg, "hostname", json_string("ht-exec-host"));
	snprintf(marker, sizeof(marker), "%s/ht-exec-marker", t.rootfs);
	FILE *f = fopen(marker, "we");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "rootfs of %s\n", t.id);
	fclose(f);
	pid_t init = ex_start_sleeper(&t);

	EXEC(&t, &r, t.id, "sh", "-c",
	     "echo $$; tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; cat /ht-exec-marker;"
	     "for n in mnt pid net ipc uts cgroup; do"
	     "  l=$(readlink /proc/self/ns/$n); [ \"$l\" = \"$(readlink /proc/1/ns/$n)\" ] && echo \"$l\";"
	     "done");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.err, "");
	char *end;
	long pid = strtol(r.out, &end, 10);
	ck_assert_msg(pid > 1 && pid < 100 && *end == '\n', "pid in the container: %s", r.out);
	int len = snprintf(want, sizeof(want), "sleep 60 \nht-exec-host\nrootfs of %s\n", t.id);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ex_ns_link(init, names[i], init_ns, sizeof(init_ns));
		ex_ns_link(0, names[i], host, sizeof(host));
		ck_assert_str_ne(init_ns, host);
		len += snprintf(want + len, sizeof(want) - (size_t)len, "%s\n", init_ns);
	}
	ck_assert_str_eq(end + 1, want);
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* A container with a user namespace: the exec'd process is root in it and
 * sees its map. */
START_TEST(joins_user_namespace)
{
	struct ht t;
	struct ht_result r;
	char want[256], init_ns[64], host[64];
	ht_begin(&t, true);
	/* the container's root must reach and own its rootfs */
	ck_assert_int_eq(chmod(t.bundle, 0755), 0);
	ht_chown_tree(t.rootfs, MAP_BASE);
	ex_add_ns(&t, "user");
	json_object_set_new(lnx(&t), "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", MAP_BASE, "size", 65536));
	json_object_set_new(lnx(&t), "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", MAP_BASE, "size", 65536));
	pid_t init = ex_start_sleeper(&t);
	ex_ns_link(init, "user", init_ns, sizeof(init_ns));
	ex_ns_link(0, "user", host, sizeof(host));
	ck_assert_str_ne(init_ns, host);

	EXEC(&t, &r, t.id, "sh", "-c",
	     "id -u; id -g; read a b c < /proc/self/uid_map; echo $a $b $c; readlink /proc/self/ns/user");
	ht_assert_status(&r, 0);
	snprintf(want, sizeof(want), "0\n0\n0 %u 65536\n%s\n", MAP_BASE, init_ns);
	ck_assert_str_eq(r.out, want);
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* A container with a time namespace: the exec'd process sees its offsets. */
START_TEST(joins_time_namespace)
{
	struct ht t;
	struct ht_result r;
	char init_ns[64], host[64];
	ht_begin(&t, false);
	ex_add_ns(&t, "time");
	/* /proc/uptime is CLOCK_BOOTTIME */
	json_object_set_new(lnx(&t), "timeOffsets",
			    json_pack("{s:{s:i, s:i}, s:{s:i, s:i}}", "monotonic", "secs", 86400, "nanosecs", 0,
				      "boottime", "secs", 86400, "nanosecs", 0));
	pid_t init = ex_start_sleeper(&t);
	ex_ns_link(init, "time", init_ns, sizeof(init_ns));
	ex_ns_link(0, "time", host, sizeof(host));
	ck_assert_str_ne(init_ns, host);

	char *before = ht_read("/proc/uptime");
	EXEC(&t, &r, t.id, "sh", "-c",
	     "cat /proc/uptime; readlink /proc/self/ns/time;"
	     "while read c s n; do echo $c $s $n; done < /proc/self/timens_offsets");
	char *after = ht_read("/proc/uptime");
	ht_assert_status(&r, 0);
	/* In hundredths, as /proc/uptime prints them: 13903.29 + 86400 is not
	 * 100303.29 in doubles. */
	long long in = llround(strtod(r.out, NULL) * 100), b = llround(strtod(before, NULL) * 100),
		  a = llround(strtod(after, NULL) * 100);
	ck_assert_msg(in >= b + 8640000 && in <= a + 8640000, "uptime in the container %lld, host %lld..%lld "
		      "(hundredths of a second)", in, b, a);
	char want[256];
	snprintf(want, sizeof(want), "%s\nmonotonic 86400 0\nboottime 86400 0\n", init_ns);
	char *nl = strchr(r.out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, want);
	free(before);
	free(after);
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* 2. The exec'd process is in the container's cgroup: the same
 * /proc/self/cgroup inside as the init, on the host the same cgroups as the
 * init, and `hull ps` lists it. */
START_TEST(joins_cgroup)
{
	struct ht t;
	struct ht_result r;
	char pid_file[128];
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);

	EXEC(&t, &r, t.id, "sh", "-c", "cat /proc/self/cgroup; echo --; cat /proc/1/cgroup");
	ht_assert_status(&r, 0);
	char *sep = strstr(r.out, "--\n");
	ck_assert_ptr_nonnull(sep);
	*sep = 0;
	ck_assert_str_eq(r.out, sep + 3);
	ck_assert_ptr_nonnull(strstr(r.out, "0::/\n"));	/* the cgroup ns is rooted there */
	ht_result_free(&r);

	snprintf(pid_file, sizeof(pid_file), "%s/exec.pid", t.bundle);
	EXEC(&t, &r, "--detach", "--pid-file", pid_file, t.id, "sleep", "30");
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	pid_t pid = ex_read_pid_file(pid_file);
	char *theirs = ex_proc_file(init, "cgroup"), *mine = ex_proc_file(pid, "cgroup");
	ck_assert_str_eq(mine, theirs);
	free(theirs);
	free(mine);
	pid_t pids[16];
	size_t n = ex_container_pids(&t, pids, 16);
	ck_assert_uint_eq(n, 2);
	ck_assert(ex_has_pid(pids, n, init) && ex_has_pid(pids, n, pid));
	ex_delete_and_finish(&t);
}
END_TEST

/* 3. The exit code, and 128+N for a signal. */
START_TEST(exit_codes)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	pid_t init = ex_start_sleeper(&t);
	EXEC(&t, &r, t.id, "sh", "-c", "exit 7");
	ht_assert_status(&r, 7);
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "sh", "-c", "kill -TERM $$");
	ht_assert_status(&r, 143);
	ht_result_free(&r);
	EXEC(&t, &r, t.id, "true");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	ex_assert_only_init(&t, init);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_TESTS(exec_process);
HULL_TESTS(exec_io);
HULL_TESTS(exec_errors);
HULL_TESTS(exec_cgroup);

HULL_SUITE(exec, integration)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, joins_namespaces);
	tcase_add_test(tc, joins_user_namespace);
	tcase_add_test(tc, joins_time_namespace);
	tcase_add_test(tc, joins_cgroup);
	tcase_add_test(tc, exit_codes);
	hull_tests_exec_process(tc);
	hull_tests_exec_io(tc);
	hull_tests_exec_errors(tc);
	hull_tests_exec_cgroup(tc);
	suite_add_tcase(s, tc);
	return s;
}
