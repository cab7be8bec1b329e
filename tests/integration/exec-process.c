/* `hull exec` (exec.c): the command line's changes to the container's
 * process and --process; the container's seccomp filter. */
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

static unsigned long long cap_eff(const char *out)
{
	const char *s = strstr(out, "CapEff:\t");
	ck_assert_msg(s != NULL, "no CapEff in %s", out);
	char *end;
	unsigned long long v = strtoull(s + 8, &end, 16);
	ck_assert_msg(end == s + 8 + 16, "CapEff: %s", s);
	return v;
}

/* `hull exec --process FILE ID` with np (taken) as FILE. */
static void exec_process_file(struct ht *t, json_t *np, struct ht_result *r)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/process.json", t->bundle);
	ck_assert_ptr_nonnull(np);
	ck_assert_int_eq(json_dump_file(np, file, 0), 0);
	json_decref(np);
	ht_hull(t, r, NULL, "exec", "--process", file, t->id, NULL);
}

/* 4. The command line's changes to the container's process, and --process. */
START_TEST(process_options)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *p = process(&t);
	json_array_append_new(json_object_get(p, "env"), json_string("HT_KEEP=kept"));
	/* so that --no-new-privs is what sets it */
	json_object_set_new(p, "noNewPrivileges", json_false());
	ex_start_sleeper(&t);

	EXEC(&t, &r, "--env", "TERM=dumb", "--env", "HT_NEW=a=b", t.id, "sh", "-c",
	     "echo \"$TERM $HT_NEW $HT_KEEP\"; tr '\\0' '\\n' < /proc/$$/environ | grep -c ^TERM=");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "dumb a=b kept\n1\n");
	ht_result_free(&r);

	EXEC(&t, &r, "--cwd", "/etc", t.id, "pwd");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "/etc\n");
	ht_result_free(&r);

	EXEC(&t, &r, "--user", "65534:65534", "--additional-gids", "10,20", t.id, "sh", "-c",
	     "id -u; id -g; grep -E '^(Uid|Groups):' /proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "65534\n65534\nUid:\t65534\t65534\t65534\t65534\nGroups:\t10 20 \n");
	ht_result_free(&r);

	/* CAP_NET_RAW is bit 13; the config gives KILL (5), NET_BIND_SERVICE (10), AUDIT_WRITE (29) */
	const unsigned long long base = 1ULL << 5 | 1ULL << 10 | 1ULL << 29, raw = 1ULL << 13;
	EXEC(&t, &r, t.id, "grep", "^CapEff:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_msg(cap_eff(r.out) == base, "CapEff without --cap: %s", r.out);
	ht_result_free(&r);
	EXEC(&t, &r, "--cap", "CAP_NET_RAW", t.id, "grep", "^CapEff:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_msg(cap_eff(r.out) == (base | raw), "CapEff with --cap CAP_NET_RAW: %s", r.out);
	ht_result_free(&r);

	EXEC(&t, &r, t.id, "grep", "^NoNewPrivs:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "NoNewPrivs:\t0\n");
	ht_result_free(&r);
	EXEC(&t, &r, "--no-new-privs", t.id, "grep", "^NoNewPrivs:", "/proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "NoNewPrivs:\t1\n");
	ht_result_free(&r);

	/* --process: its own args, env, cwd and rlimits, none of the config's */
	json_t *np = json_pack("{s:b, s:{s:i, s:i}, s:[s,s,s], s:[s,s], s:s, s:[{s:s, s:i, s:i}]}",
			       "terminal", 0, "user", "uid", 0, "gid", 0, "args", "sh", "-c",
			       "ulimit -n; ulimit -Hn; echo \"$HT_P ${TERM-unset} ${HT_KEEP-unset}\"; pwd",
			       "env", "PATH=/bin:/usr/bin", "HT_P=from the file", "cwd", "/tmp",
			       "rlimits", "type", "RLIMIT_NOFILE", "soft", 123, "hard", 456);
	exec_process_file(&t, np, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "123\n456\nfrom the file unset unset\n/tmp\n");
	ck_assert_str_eq(r.err, "");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

/* 5. The container's seccomp filter holds for exec'd processes, root or not. */
START_TEST(seccomp_applies)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_mount(&t, "/tmp", "tmpfs", "tmpfs", "mode=1777", NULL);
	json_object_set_new(lnx(&t), "seccomp",
			    json_pack("{s:s, s:[{s:[s,s], s:s, s:i}]}", "defaultAction", "SCMP_ACT_ALLOW",
				      "syscalls", "names", "mkdir", "mkdirat", "action", "SCMP_ACT_ERRNO",
				      "errnoRet", 1));
	ex_start_sleeper(&t);
	EXEC(&t, &r, t.id, "sh", "-c",
	     "touch /tmp/y && echo touched; mkdir /tmp/x; echo $?; grep ^Seccomp: /proc/self/status");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "touched\n1\nSeccomp:\t2\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/x': Operation not permitted\n");
	ht_result_free(&r);
	EXEC(&t, &r, "--user", "65534:65534", t.id, "sh", "-c", "mkdir /tmp/z; echo $?");
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/z': Operation not permitted\n");
	ht_result_free(&r);
	/* without noNewPrivileges the filter goes in before the caps are dropped */
	json_t *np = json_pack("{s:{s:i, s:i}, s:[s,s,s], s:s, s:b}", "user", "uid", 0, "gid", 0, "args", "/bin/sh",
			       "-c", "mkdir /tmp/w; echo $?; grep ^NoNewPrivs: /proc/self/status", "cwd", "/",
			       "noNewPrivileges", 0);
	exec_process_file(&t, np, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\nNoNewPrivs:\t0\n");
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/w': Operation not permitted\n");
	ht_result_free(&r);
	ex_delete_and_finish(&t);
}
END_TEST

HULL_TESTS(exec_process)
{
	tcase_add_test(tc, process_options);
	tcase_add_test(tc, seccomp_applies);
}
