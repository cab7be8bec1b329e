/* linux.seccomp in real containers: errno, args and kill rules, config
 * errors, the `hull spec --seccomp` profile, and a notify listener. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/ht.h"

static void set_seccomp(struct ht *t, json_t *sc)
{
	json_object_set_new(json_object_get(t->cfg, "linux"), "seccomp", sc);
}

static json_t *rule(const char *action, int errno_ret, const char *name, ...)
	__attribute__((sentinel));
static json_t *rule(const char *action, int errno_ret, const char *name, ...)
{
	json_t *names = json_array();
	va_list ap;
	va_start(ap, name);
	for (const char *n = name; n; n = va_arg(ap, const char *))
		json_array_append_new(names, json_string(n));
	va_end(ap);
	json_t *r = json_pack("{s:o, s:s}", "names", names, "action", action);
	if (errno_ret >= 0)
		json_object_set_new(r, "errnoRet", json_integer(errno_ret));
	return r;
}

/* A blocked syscall fails with the configured errno; unknown names are skipped. */
START_TEST(errno_rule)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	set_seccomp(&t, json_pack("{s:s, s:[o]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
				  rule("SCMP_ACT_ERRNO", 38, "mkdir", "mkdirat", "no_such_syscall",
				       NULL)));
	ht_sh(&t, "mkdir /tmp/x; echo $?; grep Seccomp: /proc/self/status");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "1\nSeccomp:\t2\n");
	/* ENOSYS, not the EROFS of the read-only rootfs */
	ck_assert_str_eq(r.err, "mkdir: can't create directory '/tmp/x': Function not implemented\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* Without noNewPrivileges the filter loads while the init still holds
 * CAP_SYS_ADMIN; an args rule matches on the argument's value only. */
START_TEST(args_rule_without_nnp)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(json_object_get(t.cfg, "process"), "noNewPrivileges", json_false());
	json_t *pers = rule("SCMP_ACT_ERRNO", 22, "personality", NULL);
	/* PER_LINUX32 */
	json_object_set_new(pers, "args", json_pack("[{s:i, s:i, s:s}]", "index", 0, "value", 8,
						    "op", "SCMP_CMP_EQ"));
	set_seccomp(&t, json_pack("{s:s, s:[o]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
				  pers));
	ht_sh(&t, "linux64 true; echo $?; linux32 true; echo $?; grep -E '^(Seccomp|NoNewPrivs):' "
		  "/proc/self/status");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "0\n1\nNoNewPrivs:\t0\nSeccomp:\t2\n");
	ck_assert_msg(strstr(r.err, "Invalid argument"), "stderr: %s", r.err);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(kill_process)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	set_seccomp(&t, json_pack("{s:s, s:[o]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
				  rule("SCMP_ACT_KILL_PROCESS", -1, "sync", NULL)));
	ht_args(&t, "sync", NULL);
	ht_run(&t, &r);
	ht_assert_status(&r, 128 + SIGSYS);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

static const struct {
	const char *action, *arch, *flag;
	const char *want;
} bad_cfgs[] = {
	{ "SCMP_ACT_FOO", NULL, NULL,
	  "config.json: linux.seccomp.syscalls[3].action: unknown action SCMP_ACT_FOO" },
	{ "SCMP_ACT_ERRNO", "SCMP_ARCH_FOO", NULL,
	  "config.json: linux.seccomp.architectures[0]: unknown architecture SCMP_ARCH_FOO" },
	{ "SCMP_ACT_ERRNO", NULL, "SECCOMP_FILTER_FLAG_FOO",
	  "config.json: linux.seccomp.flags[0]: unknown flag SECCOMP_FILTER_FLAG_FOO" },
	{ "SCMP_ACT_NOTIFY", NULL, NULL,
	  "config.json: linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules" },
};

/* Config errors stop create before anything is made. */
START_TEST(bad_config)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_t *sc = json_pack("{s:s, s:[o, o, o, o]}", "defaultAction", "SCMP_ACT_ALLOW", "syscalls",
			       rule("SCMP_ACT_ERRNO", -1, "mkdir", NULL),
			       rule("SCMP_ACT_ERRNO", -1, "rmdir", NULL),
			       rule("SCMP_ACT_LOG", -1, "getcwd", NULL),
			       rule(bad_cfgs[_i].action, -1, "chmod", NULL));
	if (bad_cfgs[_i].arch)
		json_object_set_new(sc, "architectures", json_pack("[s]", bad_cfgs[_i].arch));
	if (bad_cfgs[_i].flag)
		json_object_set_new(sc, "flags", json_pack("[s]", bad_cfgs[_i].flag));
	set_seccomp(&t, sc);
	ht_sh(&t, "true");
	ht_run(&t, &r);
	ht_assert_error(&r, bad_cfgs[_i].want);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* The profile of `hull spec --seccomp`: ordinary work runs, new namespaces
 * and mounts do not. */
START_TEST(default_profile)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	char gen[128], path[160];
	snprintf(gen, sizeof(gen), "%s/gen", t.bundle);
	ck_assert_int_eq(mkdir(gen, 0755), 0);
	ht_ok(&t, "spec", "--seccomp", "--bundle", gen, NULL);
	snprintf(path, sizeof(path), "%s/config.json", gen);
	json_t *g = json_load_file(path, 0, NULL);
	ck_assert_ptr_nonnull(g);
	set_seccomp(&t, json_incref(json_object_get(json_object_get(g, "linux"), "seccomp")));
	json_decref(g);
	ht_sh(&t, "echo ok; grep Seccomp: /proc/self/status; unshare -U true || echo unshare failed; "
		  "mount -t tmpfs tmpfs /mnt || echo mount failed; linux32 true && echo linux32 ok");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "ok\nSeccomp:\t2\nunshare failed\nmount failed\nlinux32 ok\n");
	ck_assert_msg(strstr(r.err, "unshare(0x10000000): Operation not permitted"), "stderr: %s",
		      r.err);
	ht_result_free(&r);

	/* The same script without the profile: unshare works, so the filter made the difference. */
	json_object_del(json_object_get(t.cfg, "linux"), "seccomp");
	ht_sh(&t, "grep Seccomp: /proc/self/status; unshare -U true && echo unshare ok");
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "Seccomp:\t0\nunshare ok\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

START_TEST(listener_unreachable)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	char sock[128], want[256];
	snprintf(sock, sizeof(sock), "%s/nobody.sock", t.bundle);
	json_t *sc = json_pack("{s:s, s:s, s:[o]}", "defaultAction", "SCMP_ACT_ALLOW", "listenerPath",
			       sock, "syscalls", rule("SCMP_ACT_NOTIFY", -1, "mkdir", "mkdirat", NULL));
	set_seccomp(&t, sc);
	ht_sh(&t, "true");
	ht_run(&t, &r);
	snprintf(want, sizeof(want), "linux.seccomp.listenerPath %s: connect: No such file or directory",
		 sock);
	ht_assert_error(&r, want);
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST


/* Answers one notification: a mkdir, with error (negative errno) or success. */
static void answer(int nfd, int error)
{
	struct pollfd p = { .fd = nfd, .events = POLLIN };
	ck_assert_msg(poll(&p, 1, 30000) == 1, "no seccomp notification");
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	ck_assert_int_eq(ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	ck_assert(req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat);
	struct seccomp_notif_resp resp = { .id = req.id, .error = error, .val = 0 };
	ck_assert_int_eq(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
}

START_TEST(listener)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	ht_add_sync(&t);
	char sock[128];
	snprintf(sock, sizeof(sock), "%s/agent.sock", t.bundle);
	json_t *sc = json_pack("{s:s, s:s, s:s, s:[o]}", "defaultAction", "SCMP_ACT_ALLOW",
			       "listenerPath", sock, "listenerMetadata", "hello agent",
			       "syscalls", rule("SCMP_ACT_NOTIFY", -1, "mkdir", "mkdirat", NULL));
	set_seccomp(&t, sc);
	json_object_set_new(t.cfg, "annotations", json_pack("{s:s}", "org.example", "x"));
	ht_sh(&t, "mkdir /tmp/a 2>/dev/null; a=$?; mkdir /tmp/b; echo \"$a $?\" >/mnt/ready");
	ht_write_config(&t);
	int ls = ht_listen_unix(sock);

	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	ht_assert_status(&r, 0);
	ht_result_free(&r);
	char buf[8192];
	int nfd = ht_accept_fd(ls, buf, sizeof(buf));

	json_error_t je;
	json_t *msg = json_loads(buf, 0, &je);
	ck_assert_msg(msg != NULL, "%s: %s", je.text, buf);
	pid_t pid = ht_state_pid(&t, t.id, NULL, 0);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(msg, "pid")), pid);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(msg, "fds"), 0)),
			 "seccompFd");
	ck_assert_uint_eq(json_array_size(json_object_get(msg, "fds")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "metadata")), "hello agent");
	ck_assert_ptr_nonnull(json_string_value(json_object_get(msg, "ociVersion")));
	json_t *st = json_object_get(msg, "state");
	ck_assert_str_eq(json_string_value(json_object_get(st, "id")), t.id);
	ck_assert_str_eq(json_string_value(json_object_get(st, "status")), "creating");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "pid")), pid);
	ck_assert_str_eq(json_string_value(json_object_get(st, "bundle")), t.bundle);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(st, "annotations"),
							   "org.example")), "x");
	json_decref(msg);
	/* A seccomp listener knows no such id; any other fd refuses the ioctl. */
	__u64 id = 12345;
	ck_assert_int_eq(ioctl(nfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), -1);
	ck_assert_int_eq(errno, ENOENT);

	ht_ok(&t, "start", t.id, NULL);
	answer(nfd, -EPERM);
	answer(nfd, 0);	/* "done", though nothing was made */
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "1 0\n");
	free(line);
	close(nfd);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(seccomp, integration)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("seccomp");
	tcase_add_test(tc, errno_rule);
	tcase_add_test(tc, args_rule_without_nnp);
	tcase_add_test(tc, kill_process);
	tcase_add_loop_test(tc, bad_config, 0, sizeof(bad_cfgs) / sizeof(bad_cfgs[0]));
	tcase_add_test(tc, default_profile);
	tcase_add_test(tc, listener_unreachable);
	tcase_add_test(tc, listener);
	suite_add_tcase(s, tc);
	return s;
}
