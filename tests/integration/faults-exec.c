/* Fault injection (faults-inject.c) on the exec path: hull exec's setns,
 * fork, clone3 and execve, the process's own execve, a hook's execve. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../lib/hf.h"

/* hull exec: its setns into the container, its fork, the helper's clone3
 * (each one: a first may have a fallback), the process's execve. The
 * container runs on untouched. */
START_TEST(exec_faults)
{
	static const struct { const char *inject, *path, *want; } at[] = {
		{ "setns:error=EPERM:when=1", NULL, "Operation not permitted" },
		{ "clone3:error=EAGAIN:when=1", NULL, "Resource temporarily unavailable" },
		{ "clone3:error=EAGAIN", NULL, "Resource temporarily unavailable" },
		{ "execve:error=EACCES:when=1", "/bin/hf-true", "permission denied" },
	};
	struct hf h;
	hf_begin(&h, true);
	char script[4300];
	snprintf(script, sizeof(script), "%s/bin/hf-true", h.t.rootfs);
	FILE *f = fopen(script, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_start_ready(&h.t, "up\n");
	char status[32];
	pid_t pid = ht_state_pid(&h.t, h.t.id, status, sizeof(status));
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct ht_result r;
		hf_strace(&h, &r, INJ(at[i].inject), at[i].path, "exec", h.t.id, "/bin/hf-true", NULL);
		hf_assert_error_line(&r, 1, at[i].want);
		ht_result_free(&r);
		ck_assert_int_eq(ht_state_pid(&h.t, h.t.id, status, sizeof(status)), pid);
		ck_assert_str_eq(status, "running");
	}
	ht_ok(&h.t, "exec", h.t.id, "/bin/hf-true", NULL);
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* hull exec: the helper that clones the process is held after its clone3,
 * so the process's own report (in its cgroup) reaches hull before the
 * helper's report of its pid. Both orders are hull's to take; under load
 * the CRI test of containerd met this one. */
START_TEST(exec_pid_reported_late)
{
	struct hf h;
	hf_begin(&h, true);
	ht_add_sync(&h.t);
	ht_sh(&h.t, "echo up > /mnt/ready; exec sleep 300");
	ht_start_ready(&h.t, "up\n");
	for (int i = 0; i < 2; i++) {
		struct ht_result r;
		hf_strace(&h, &r, INJ("clone3:delay_exit=300000"), NULL, "exec", h.t.id,
			  "sh", "-c", "echo ran; exit 5", NULL);
		ck_assert_msg(r.status == 5 && !strcmp(r.out, "ran\n"),
			      "exec: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
		ht_result_free(&r);
	}
	ht_ok(&h.t, "delete", "--force", h.t.id, NULL);
	hf_finish(&h);
}
END_TEST

/* The container's process: its execve (the only call strace sees on that
 * path, -P) fails after start, which the init tells start: run fails with
 * its message. */
START_TEST(execve_process)
{
	struct hf h;
	hf_begin(&h, true);
	char script[4300];
	snprintf(script, sizeof(script), "%s/bin/hf-true", h.t.rootfs);
	FILE *f = fopen(script, "we");
	ck_assert_ptr_nonnull(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	ht_args(&h.t, "/bin/hf-true", NULL);
	hf_expect_fault(&h, INJ("execve:error=EACCES:when=1"), "/bin/hf-true", 1,
			"exec: \"/bin/hf-true\": permission denied");
}
END_TEST

/* A createRuntime hook's execve: the first of two hooks, then the second
 * (strace counts per process and each hook is one: the second is told
 * apart by its path, -P). */
START_TEST(execve_hook)
{
	for (int k = 0; k < 2; k++) {
		struct hf h;
		hf_begin(&h, false);
		ht_args(&h.t, "true", NULL);
		char hook[2][128];
		for (int i = 0; i < 2; i++) {
			snprintf(hook[i], sizeof(hook[i]), "%s/hook%d.sh", h.t.bundle, i);
			FILE *f = fopen(hook[i], "we");
			ck_assert_ptr_nonnull(f);
			fputs("#!/bin/sh\nexit 0\n", f);
			fclose(f);
			ck_assert_int_eq(chmod(hook[i], 0755), 0);
			hf_hook(&h, "createRuntime", hook[i], "hook.sh", NULL);
		}
		char want[64];
		snprintf(want, sizeof(want), "hooks.createRuntime[%d]", k);
		ht_write_config(&h.t);
		struct ht_result r;
		hf_strace(&h, &r, INJ("execve:error=EACCES:when=1"), hook[k], "run", "--bundle",
			  h.t.bundle, h.t.id, NULL);
		hf_assert_error_line(&r, 1, want);
		ck_assert_msg(strstr(r.err, "Permission denied"), "%s", r.err);
		ht_result_free(&r);
		hf_finish(&h);
	}
}
END_TEST

HULL_TESTS(faults_exec)
{
	tcase_add_test(tc, exec_faults);
	tcase_add_test(tc, exec_pid_reported_late);
	tcase_add_test(tc, execve_process);
	tcase_add_test(tc, execve_hook);
}
