/* The profile `hull spec --seccomp` writes: moby's default profile
 * (profiles/seccomp/default.json) resolved for hull's default capability
 * set (no CAP_SYS_ADMIN, CAP_SYS_PTRACE, ...) and the host's architecture
 * family. Everything not listed fails with EPERM. Left out on purpose,
 * beyond what moby leaves out for those capabilities: ptrace,
 * process_vm_readv/writev (one can read another process's memory). */
#include <stddef.h>

#include "parse.h"

/* packed by hand: clang-format would give each name a line of its own */
/* clang-format off */
static const char *const allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
	"chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
	"clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
	"clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
	"dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
	"epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
	"fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
	"fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
	"fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv", "futimesat",
	"getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
	"geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername",
	"getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage",
	"getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
	"getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
	"inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
	"io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
	"lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
	"lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "membarrier",
	"memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
	"mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
	"mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
	"mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
	"munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
	"open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
	"pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
	"pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
	"readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
	"remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
	"rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
	"select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
	"sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
	"setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
	"setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
	"setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
	"setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
	"setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
	"signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
	"stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
	"syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
	"timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
	"timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
	"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
	"utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
	"writev",
	NULL,
};
/* clang-format on */

/* Per architecture family: the extra architectures a 64-bit host also runs
 * (moby's archMap) and the syscalls only that family has. */
#if defined(__x86_64__) || defined(__i386__)
static const char *const archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
static const char *const arch_allowed[] = { "arch_prctl", "modify_ldt", NULL };
#elif defined(__aarch64__) || defined(__arm__)
static const char *const archs[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
static const char *const arch_allowed[] = {
	"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush",
	"set_tls", NULL,
};
#elif defined(__s390x__)
static const char *const archs[] = { "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL };
static const char *const arch_allowed[] = {
	"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr", NULL,
};
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static const char *const archs[] = { "SCMP_ARCH_PPC64LE", NULL };
static const char *const arch_allowed[] = { "sync_file_range2", "swapcontext", NULL };
#elif defined(__riscv) && __riscv_xlen == 64
static const char *const archs[] = { "SCMP_ARCH_RISCV64", NULL };
static const char *const arch_allowed[] = { "riscv_flush_icache", NULL };
#else
/* Only the native architecture: libseccomp always has it. */
static const char *const archs[] = { NULL };
static const char *const arch_allowed[] = { NULL };
#endif

/* personality(2) values that change nothing dangerous: PER_LINUX,
 * UNAME26, PER_LINUX32, PER_LINUX32|UNAME26, and the query 0xffffffff. */
static const json_int_t personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: threads and
 * forks pass, new namespaces do not. */
#define CLONE_NS_MASK 0x7e020000

static json_t *names(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *allow_arg(const char *name, unsigned index, json_int_t value, const char *op)
{
	return json_pack("{s:[s], s:s, s:[{s:i, s:I, s:s}]}", "names", name, "action",
			 "SCMP_ACT_ALLOW", "args", "index", (int)index, "value", value, "op", op);
}

json_t *spec_seccomp_default(void)
{
	json_t *rules = json_array();
	json_array_append_new(rules, json_pack("{s:o, s:s}", "names", names(allowed), "action",
					       "SCMP_ACT_ALLOW"));
	if (arch_allowed[0])
		json_array_append_new(rules, json_pack("{s:o, s:s}", "names", names(arch_allowed),
						       "action", "SCMP_ACT_ALLOW"));
	/* AF_VSOCK (40) reaches the host's hypervisor services. */
	json_array_append_new(rules, allow_arg("socket", 0, 40, "SCMP_CMP_NE"));
	for (size_t i = 0; i < sizeof(personalities) / sizeof(personalities[0]); i++)
		json_array_append_new(rules, allow_arg("personality", 0, personalities[i], "SCMP_CMP_EQ"));
	/* s390 passes the clone flags second. */
#if defined(__s390x__) || defined(__s390__)
	json_array_append_new(rules, allow_arg("clone", 1, CLONE_NS_MASK, "SCMP_CMP_MASKED_EQ"));
#else
	json_array_append_new(rules, allow_arg("clone", 0, CLONE_NS_MASK, "SCMP_CMP_MASKED_EQ"));
#endif
	/* clone3 passes its flags in memory, out of a filter's reach: ENOSYS
	 * makes glibc fall back to clone, which the rule above checks. */
	json_array_append_new(rules, json_pack("{s:[s], s:s, s:i}", "names", "clone3", "action",
					       "SCMP_ACT_ERRNO", "errnoRet", 38));
	json_t *p = json_pack("{s:s, s:i, s:o}", "defaultAction", "SCMP_ACT_ERRNO",
			      "defaultErrnoRet", 1, "syscalls", rules);
	if (p && archs[0])
		json_object_set_new(p, "architectures", names(archs));
	return p;
}
