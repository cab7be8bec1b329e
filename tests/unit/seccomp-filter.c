/* linux.seccomp compiled by runtime/seccomp.c: the default profile of
 * `hull spec --seccomp`, config errors, and what a loaded filter does (in
 * a forked child with no_new_privs, so no root is needed). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../../runtime/seccomp.h"
#include "spec-testutil.h"

#define SECCOMP_CFG(members) CFG("'linux':{'seccomp':{" members "}}")

static struct hull_spec *default_profile_spec(void)
{
	int fd = memfd_create("config.json", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	struct hull_spec_gen_opts o = { .seccomp = true };
	struct hull_err err = { 0 };
	ck_assert_msg(hull_spec_generate(fd, &o, &err) == 0, "%s", err.msg);
	off_t len = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)len + 1);
	ck_assert_int_eq(pread(fd, buf, (size_t)len, 0), len);
	buf[len] = 0;
	close(fd);
	struct hull_spec *spec = NULL;
	ck_assert_msg(hull_spec_parse(buf, (size_t)len, "/bundle", &spec, &err) == 0, "%s", err.msg);
	free(buf);
	return spec;
}

static bool resolves_somewhere(const char *name)
{
	static const uint32_t archs[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
					  SCMP_ARCH_AARCH64, SCMP_ARCH_ARM };
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (seccomp_syscall_resolve_name_arch(archs[i], name) != __NR_SCMP_ERROR)
			return true;
	return false;
}

/* Syscalls the default profile must not allow without a condition. */
static const char *const denied[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"mount", "umount2", "pivot_root", "swapon", "swapoff", "reboot", "bpf",
	"perf_event_open", "ptrace", "keyctl", "add_key", "request_key", "open_by_handle_at",
	"userfaultfd", "unshare", "setns", "acct", "settimeofday", "clock_settime",
	"lookup_dcookie", "quotactl", "chroot", "iopl", "ioperm", "syslog", "fsopen",
	"move_mount", "open_tree", "process_vm_writev", "sethostname", "vhangup", NULL,
};

/* The default profile's rules: every name a syscall, none of denied
 * allowed outright, clone filtered by its flags, clone3 ENOSYS, over 300
 * names. */
static void assert_default_rules(const struct hull_seccomp *sc)
{
	size_t n_names = 0;
	bool clone_filtered = false, clone3_enosys = false;
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct hull_seccomp_rule *r = &sc->syscalls[i];
		for (size_t k = 0; k < r->names.n; k++) {
			const char *name = r->names.v[k];
			n_names++;
			ck_assert_msg(resolves_somewhere(name), "%s is no syscall libseccomp knows", name);
			if (!strcmp(r->action, "SCMP_ACT_ALLOW") && r->n_args == 0)
				for (const char *const *d = denied; *d; d++)
					ck_assert_msg(strcmp(name, *d), "%s is allowed", name);
			if (!strcmp(name, "clone")) {
				ck_assert_uint_eq(r->n_args, 1);
				ck_assert_int_eq(r->args[0].op_num, SCMP_CMP_MASKED_EQ);
				ck_assert_uint_eq(r->args[0].value, 0x7e020000);
				ck_assert_uint_eq(r->args[0].value_two, 0);
				clone_filtered = true;
			}
			if (!strcmp(name, "clone3"))
				clone3_enosys = !strcmp(r->action, "SCMP_ACT_ERRNO") && r->errno_ret == ENOSYS;
		}
	}
	ck_assert(clone_filtered && clone3_enosys);
	ck_assert_uint_gt(n_names, 300);
}

START_TEST(test_default_profile)
{
	struct hull_spec *spec = default_profile_spec();
	const struct hull_seccomp *sc = &spec->linux_.seccomp;
	ck_assert(sc->present);
	ck_assert_str_eq(sc->default_action, "SCMP_ACT_ERRNO");
	ck_assert(sc->has_default_errno_ret);
	ck_assert_uint_eq(sc->default_errno_ret, 1);
#ifdef __x86_64__
	ck_assert_uint_eq(sc->architectures.n, 3);
	ck_assert_str_eq(sc->architectures.v[0], "SCMP_ARCH_X86_64");
	ck_assert_str_eq(sc->architectures.v[1], "SCMP_ARCH_X86");
	ck_assert_str_eq(sc->architectures.v[2], "SCMP_ARCH_X32");
#endif
	assert_default_rules(sc);
	struct hull_seccomp_filter *f;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_seccomp_compile(sc, &f, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(f);
	hull_seccomp_free(f);
	hull_spec_free(spec);
}
END_TEST

/* Runs body in a child under the filter of json; returns its wait status. */
static int run_filtered(const char *json, int (*body)(void))
{
	struct hull_spec *spec;
	struct hull_err err;
	ck_assert_msg(spec_test_parse(json, &spec, &err) == 0, "%s", err.msg);
	struct hull_seccomp_filter *f;
	ck_assert_msg(hull_seccomp_compile(&spec->linux_.seccomp, &f, &err) == 0, "%s", err.msg);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hull_err e = { 0 };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || hull_seccomp_load(f, -1, &e) < 0) {
			dprintf(2, "load: %s\n", e.msg);
			_exit(200);
		}
		_exit(body());
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	hull_seccomp_free(f);
	hull_spec_free(spec);
	return status;
}

/* The child's exit code is the number of the first check that failed. */
#define EXPECT(n, call, want_errno) \
	do { \
		errno = 0; \
		long r_ = (call); \
		if ((want_errno) ? !(r_ == -1 && errno == (want_errno)) : r_ == -1) \
			return (n); \
	} while (0)

static int default_profile_body(void)
{
	EXPECT(1, syscall(SYS_unshare, CLONE_NEWUSER), EPERM);
	EXPECT(2, syscall(SYS_setns, 0, 0), EPERM);
	EXPECT(3, syscall(SYS_clone3, NULL, 0), ENOSYS);
	EXPECT(4, syscall(SYS_personality, 0xffffffff), 0);
	EXPECT(5, syscall(SYS_personality, ADDR_NO_RANDOMIZE), EPERM);
	EXPECT(6, syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM);
	EXPECT(7, syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
	EXPECT(8, syscall(SYS_getpid), 0);
	/* A fork passes the clone filter, a new namespace does not. */
	EXPECT(9, syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0), EPERM);
	pid_t c = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (c == 0)
		_exit(0);
	if (c < 0 || waitpid(c, NULL, 0) != c)
		return 10;
	return 0;
}

START_TEST(test_default_profile_enforced)
{
	struct hull_spec *spec = default_profile_spec();
	struct hull_seccomp_filter *f;
	struct hull_err err = { 0 };
	ck_assert_msg(hull_seccomp_compile(&spec->linux_.seccomp, &f, &err) == 0, "%s", err.msg);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || hull_seccomp_load(f, -1, &err) < 0)
			_exit(200);
		_exit(default_profile_body());
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	hull_seccomp_free(f);
	hull_spec_free(spec);
}
END_TEST

static int operators_body(void)
{
	/* Two args, two indexes: one rule, ANDed. */
	EXPECT(1, syscall(SYS_getpriority, PRIO_PGRP, 0), EDOM);
	EXPECT(2, syscall(SYS_getpriority, PRIO_PROCESS, 0), 0);
	/* The same index twice: one rule per arg, ORed (runc's rule). */
	EXPECT(3, syscall(SYS_getpgid, 7), ERANGE);
	EXPECT(4, syscall(SYS_getpgid, 9), ERANGE);
	EXPECT(5, syscall(SYS_getpgid, 0), 0);
	EXPECT(6, syscall(SYS_close, 5000), ELOOP);	/* GE */
	EXPECT(7, syscall(SYS_close, 4999), EBADF);
	EXPECT(8, syscall(SYS_fsync, 7001), ENOTTY);	/* NE */
	EXPECT(9, syscall(SYS_fsync, 7000), EBADF);
	EXPECT(10, syscall(SYS_fdatasync, 99), EXDEV);	/* LT */
	EXPECT(11, syscall(SYS_fdatasync, 100), EBADF);
	EXPECT(12, syscall(SYS_syncfs, 9001), ENOLINK);	/* GT */
	EXPECT(13, syscall(SYS_syncfs, 9000), EBADF);
	EXPECT(14, syscall(SYS_dup, 8000), EMLINK);	/* LE */
	EXPECT(15, syscall(SYS_dup, 8001), EBADF);
	/* MASKED_EQ: (mode & 0700) == 0700 */
	EXPECT(16, syscall(SYS_umask, 0777), ENOSPC);
	EXPECT(17, syscall(SYS_umask, 0022), 0);
	/* TRACE without a tracer: the call fails with ENOSYS. */
	EXPECT(18, syscall(SYS_getsid, 0), ENOSYS);
	/* ERRNO without errnoRet: EPERM, as runc. */
	EXPECT(19, syscall(SYS_sched_yield), EPERM);
	return 0;
}

START_TEST(test_operators)
{
	int status = run_filtered(SECCOMP_CFG(
		"'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
		"{'names':['getpriority'],'action':'SCMP_ACT_ERRNO','errnoRet':33,'args':["
		"{'index':0,'value':1,'op':'SCMP_CMP_EQ'},{'index':1,'value':0,'op':'SCMP_CMP_EQ'}]},"
		"{'names':['getpgid'],'action':'SCMP_ACT_ERRNO','errnoRet':34,'args':["
		"{'index':0,'value':7,'op':'SCMP_CMP_EQ'},{'index':0,'value':9,'op':'SCMP_CMP_EQ'}]},"
		"{'names':['close'],'action':'SCMP_ACT_ERRNO','errnoRet':40,'args':["
		"{'index':0,'value':5000,'op':'SCMP_CMP_GE'}]},"
		"{'names':['fsync'],'action':'SCMP_ACT_ERRNO','errnoRet':25,'args':["
		"{'index':0,'value':7000,'op':'SCMP_CMP_NE'}]},"
		"{'names':['fdatasync'],'action':'SCMP_ACT_ERRNO','errnoRet':18,'args':["
		"{'index':0,'value':100,'op':'SCMP_CMP_LT'}]},"
		"{'names':['syncfs'],'action':'SCMP_ACT_ERRNO','errnoRet':67,'args':["
		"{'index':0,'value':9000,'op':'SCMP_CMP_GT'}]},"
		"{'names':['dup'],'action':'SCMP_ACT_ERRNO','errnoRet':31,'args':["
		"{'index':0,'value':8000,'op':'SCMP_CMP_LE'}]},"
		"{'names':['umask'],'action':'SCMP_ACT_ERRNO','errnoRet':28,'args':["
		"{'index':0,'value':448,'valueTwo':448,'op':'SCMP_CMP_MASKED_EQ'}]},"
		"{'names':['getsid'],'action':'SCMP_ACT_TRACE','errnoRet':5},"
		"{'names':['sched_yield','no_such_syscall'],'action':'SCMP_ACT_ERRNO'},"
		"{'names':['getppid'],'action':'SCMP_ACT_ALLOW'},"
		"{'names':['gettid'],'action':'SCMP_ACT_LOG'}]"), operators_body);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}
END_TEST

static int kill_body(void)
{
	syscall(SYS_getppid);
	return 0;
}

START_TEST(test_kill_process)
{
	int status = run_filtered(SECCOMP_CFG(
		"'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86','SCMP_ARCH_X32'],"
		"'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW',"
		"'SECCOMP_FILTER_FLAG_TSYNC'],"
		"'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_KILL_PROCESS'}]"), kill_body);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "status %#x", status);
}
END_TEST

static const struct {
	const char *json;
	const char *msg;
} bad[] = {
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_FOO']"),
	  "linux.seccomp.architectures[0]: unknown architecture SCMP_ARCH_FOO" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','architectures':['x86_64']"),
	  "linux.seccomp.architectures[0]: unknown architecture x86_64" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_LOG','FOO']"),
	  "linux.seccomp.flags[1]: unknown flag FOO" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_NOTIFY','listenerPath':'/run/l.sock'"),
	  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':65536"),
	  "linux.seccomp.defaultErrnoRet: 65536 does not fit in 16 bits" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],"
		      "'action':'SCMP_ACT_ERRNO'},{'names':['rmdir'],'action':'SCMP_ACT_ERRNO',"
		      "'errnoRet':70000}]"),
	  "linux.seccomp.syscalls[1].errnoRet: 70000 does not fit in 16 bits" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['mkdir'],"
		      "'action':'SCMP_ACT_NOTIFY'}]"),
	  "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY rules" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':5"),
	  "linux.seccomp.defaultErrnoRet: SCMP_ACT_ALLOW takes no errno" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ERRNO','syscalls':[{'names':['mkdir'],"
		      "'action':'SCMP_ACT_KILL_PROCESS','errnoRet':1}]"),
	  "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL_PROCESS takes no errno" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','flags':['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']"),
	  "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs SCMP_ACT_NOTIFY rules" },
	{ SECCOMP_CFG("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/run/l.sock',"
		      "'syscalls':[{'names':['mkdir','sendmsg'],'action':'SCMP_ACT_NOTIFY'}]"),
	  "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for sendmsg (hull's init "
	  "hands over the notify fd with it)" },
};

START_TEST(test_compile_errors)
{
	struct hull_spec *spec;
	struct hull_err err;
	ck_assert_msg(spec_test_parse(bad[_i].json, &spec, &err) == 0, "%s", err.msg);
	struct hull_seccomp_filter *f = (void *)1;
	hull_err_clear(&err);
	ck_assert_int_lt(hull_seccomp_compile(&spec->linux_.seccomp, &f, &err), 0);
	ck_assert_ptr_null(f);
	ck_assert_msg(!strncmp(err.msg, bad[_i].msg, strlen(bad[_i].msg)), "got \"%s\", want \"%s\"",
		      err.msg, bad[_i].msg);
	hull_spec_free(spec);
}
END_TEST

START_TEST(test_compile_ok)
{
	static const char *const good[] = {
		/* absent: no filter */
		CFG("'linux':{}"),
		/* names this architecture lacks are skipped; a rule that repeats the
		 * default action is dropped (libseccomp would refuse it) */
		SECCOMP_CFG("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':1,'syscalls':["
			    "{'names':['no_such_syscall','arm_fadvise64_64'],'action':'SCMP_ACT_ALLOW'},"
			    "{'names':['mkdir'],'action':'SCMP_ACT_ERRNO','errnoRet':1},"
			    "{'names':['mkdir'],'action':'SCMP_ACT_ALLOW'}]"),
		SECCOMP_CFG("'defaultAction':'SCMP_ACT_KILL','listenerPath':'/run/l.sock',"
			    "'listenerMetadata':'m','syscalls':[{'names':['mkdir'],"
			    "'action':'SCMP_ACT_NOTIFY'},{'names':['read','write','exit_group'],"
			    "'action':'SCMP_ACT_ALLOW'}]"),
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct hull_spec *spec;
		struct hull_err err;
		ck_assert_msg(spec_test_parse(good[i], &spec, &err) == 0, "%s", err.msg);
		struct hull_seccomp_filter *f = NULL;
		ck_assert_msg(hull_seccomp_compile(&spec->linux_.seccomp, &f, &err) == 0, "%zu: %s", i,
			      err.msg);
		ck_assert(i == 0 ? f == NULL : f != NULL);
		hull_seccomp_free(f);
		hull_spec_free(spec);
	}
}
END_TEST

HULL_SUITE(seccomp_filter, unit)
{
	Suite *s = suite_create("seccomp_filter");
	TCase *tc = tcase_create("filter");
	tcase_add_test(tc, test_default_profile);
	tcase_add_test(tc, test_default_profile_enforced);
	tcase_add_test(tc, test_operators);
	tcase_add_test(tc, test_kill_process);
	tcase_add_loop_test(tc, test_compile_errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_compile_ok);
	suite_add_tcase(s, tc);
	return s;
}
