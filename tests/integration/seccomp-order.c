/* After the seccomp filter, the only syscall hull makes is execve: a
 * profile that lists none of hull's own calls (close_range, poll) runs;
 * syscalls newer than a profile get ENOSYS; an init that dies between
 * create and exec fails start with its own error; an RLIMIT_NOFILE hull
 * cannot start with fails create. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/ht.h"

static void set_seccomp(struct ht *t, json_t *sc)
{
	json_object_set_new(json_object_get(t->cfg, "linux"), "seccomp", sc);
}

/* A static probe in the rootfs: clone3 (newer than the profile below) and
 * getppid (older, not listed) with their errno. */
static void add_probe(struct ht *t)
{
	char src[4300], bin[4300], cmd[9000];
	snprintf(src, sizeof(src), "%s/probe.c", t->bundle);
	snprintf(bin, sizeof(bin), "%s/bin/probe", t->rootfs);
	FILE *f = fopen(src, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#include <errno.h>\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n"
	      "#include <sys/syscall.h>\n"
	      "int main(void) {\n"
	      "  long r = syscall(435, 0, 0); int e = errno;\n"
	      "  printf(\"clone3 %ld %s\\n\", r, strerror(e));\n"
	      "  r = syscall(SYS_getppid); e = errno;\n"
	      "  printf(\"getppid %ld %s\\n\", r, strerror(e));\n"
	      "  return 0;\n}\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cc -static -O1 -o %s %s", bin, src);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

/* What the probe and a static glibc start need; nothing numbered 435 or
 * above (clone3, close_range, openat2...), nothing of hull's. */
static const char *const old_profile[] = {
	"execve", "brk", "arch_prctl", "mmap", "munmap", "mprotect", "read", "write", "exit",
	"exit_group", "rt_sigaction", "rt_sigprocmask", "fstat", "newfstatat", "uname",
	"set_tid_address", "set_robust_list", "prlimit64", "getrandom", "readlink", "rseq", NULL,
};

/* A profile written before Linux 5.3 with EPERM by default: clone3 gets
 * ENOSYS (glibc then falls back), an older unlisted call EPERM. */
START_TEST(newer_syscall_enosys)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, true);
	add_probe(&t);
	json_t *names = json_array();
	for (size_t i = 0; old_profile[i]; i++)
		json_array_append_new(names, json_string(old_profile[i]));
	set_seccomp(&t, json_pack("{s:s, s:[{s:o, s:s}]}", "defaultAction", "SCMP_ACT_ERRNO", "syscalls",
				  "names", names, "action", "SCMP_ACT_ALLOW"));
	ht_args(&t, "/bin/probe", NULL);
	ht_run(&t, &r);
	ht_assert_status(&r, 0);
	ck_assert_str_eq(r.out, "clone3 -1 Function not implemented\ngetppid -1 Operation not permitted\n");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

/* A profile that denies close_range, poll and ppoll (hull's own calls
 * around the start wait) does not stop the container: create and start
 * both exit 0 and the process runs. */
START_TEST(profile_without_hull_calls)
{
	struct ht t;
	ht_begin(&t, false);
	set_seccomp(&t, json_pack("{s:s, s:[{s:[s,s,s,s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
				  "syscalls", "names", "close_range", "poll", "ppoll", "accept4",
				  "action", "SCMP_ACT_ERRNO"));
	ht_add_sync(&t);
	ht_sh(&t, "echo ran > /mnt/ready");
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ht_ok(&t, "start", t.id, NULL);
	char *line = ht_wait_ready(&t);
	ck_assert_str_eq(line, "ran\n");
	free(line);
	ht_ok(&t, "delete", "--force", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* The init fails between create and exec (its executable was removed):
 * start fails with the init's own message, and the container is stopped. */
START_TEST(start_reports_init_death)
{
	struct ht t;
	struct ht_result r;
	char path[4300];
	ht_begin(&t, true);
	snprintf(path, sizeof(path), "%s/bin/gone", t.rootfs);
	FILE *f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\necho should not run\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	ht_args(&t, "/bin/gone", NULL);
	ht_write_config(&t);
	ht_ok(&t, "create", "--bundle", t.bundle, t.id, NULL);
	ck_assert_int_eq(unlink(path), 0);
	ht_hull(&t, &r, NULL, "start", t.id, NULL);
	ht_assert_error(&r, "exec: \"/bin/gone\": no such file or directory");
	ck_assert_msg(strstr(r.err, t.id), "%s", r.err);
	ht_result_free(&r);
	char status[32];
	ht_state_pid(&t, t.id, status, sizeof(status));
	ck_assert_str_eq(status, "stopped");
	ht_ok(&t, "delete", t.id, NULL);
	ht_finish(&t);
}
END_TEST

/* runc refuses it at create; so does hull, naming the limit. */
START_TEST(nofile_zero_refused_at_create)
{
	struct ht t;
	struct ht_result r;
	ht_begin(&t, false);
	json_object_set_new(json_object_get(t.cfg, "process"), "rlimits",
			    json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "soft", 0, "hard", 0));
	ht_args(&t, "true", NULL);
	ht_write_config(&t);
	ht_hull(&t, &r, NULL, "create", "--bundle", t.bundle, t.id, NULL);
	ht_assert_error(&r, "process.rlimits: RLIMIT_NOFILE soft limit 0");
	ht_result_free(&r);
	ht_finish(&t);
}
END_TEST

HULL_SUITE(seccomp_order, integration)
{
	Suite *s = suite_create("seccomp_order");
	TCase *tc = tcase_create("order");
	tcase_add_test(tc, newer_syscall_enosys);
	tcase_add_test(tc, profile_without_hull_calls);
	tcase_add_test(tc, start_reports_init_death);
	tcase_add_test(tc, nofile_zero_refused_at_create);
	suite_add_tcase(s, tc);
	return s;
}
