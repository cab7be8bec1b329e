/* The filter as the kernel gets it: libseccomp's program, exported once
 * in the parent, with runc's ENOSYS stub in front when the profile denies
 * by default, and loaded with seccomp(2) by the container process.
 *
 * A profile lists the syscalls it knows of. One newer than all of them
 * (clone3, faccessat2, openat2, close_range... for a profile written
 * before them) would get the default action, EPERM say, and glibc falls
 * back to the older call only on ENOSYS. So, per architecture, a syscall
 * numbered above the highest one the profile names gets ENOSYS. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "seccomp-internal.h"

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_ARCHES 8

/* The highest syscall number the profile names for arch, -1 for none. */
static long max_named(const struct hull_seccomp *s, uint32_t arch)
{
	long max = -1;
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t k = 0; k < s->syscalls[i].names.n; k++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names.v[k]);
			if (nr >= 0 && (arch != SCMP_ARCH_X86_64 || !((unsigned)nr & X32_SYSCALL_BIT)) && nr > max)
				max = nr;
		}
	return max;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len)
{
	_cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter))
		return -EINVAL;
	*prog = hull_xmalloc((size_t)size);
	if (pread(fd, *prog, (size_t)size, 0) != size) {
		free(*prog);
		*prog = NULL;
		return -EIO;
	}
	*len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

#define STMT(c, k) ((struct sock_filter)BPF_STMT((c), (k)))
#define JUMP(c, k, t, f) ((struct sock_filter)BPF_JUMP((c), (k), (t), (f)))

/* Per architecture: arch == A and nr > max (not an x32 call) -> ENOSYS;
 * anything else goes on to libseccomp's program. */
static size_t stub(const uint32_t *arch, const long *max, size_t n, struct sock_filter *out)
{
	size_t pc = 0, enosys_at = 0;
	/* the size first: each block is 5 instructions, x86_64's 6 */
	for (size_t i = 0; i < n; i++)
		enosys_at += arch[i] == SCMP_ARCH_X86_64 ? 6 : 5;
	enosys_at += 1;	/* the jump past the ENOSYS return */
	for (size_t i = 0; i < n; i++) {
		bool x86_64 = arch[i] == SCMP_ARCH_X86_64;
		size_t block = x86_64 ? 6 : 5;
		out[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
		out[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch[i], 0, (unsigned char)(block - 2));
		out[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (x86_64)
			out[pc++] = JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, 0);
		out[pc] = JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max[i], (unsigned char)(enosys_at - pc - 1), 0);
		pc++;
		/* past every block and the ENOSYS return: the program */
		out[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(enosys_at + 1 - pc - 1));
		pc++;
	}
	out[pc] = STMT(BPF_JMP | BPF_JA, 1);
	pc++;
	out[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	return pc;
}

int hull_seccomp_build(struct hull_seccomp_filter *f, const struct hull_seccomp *s, uint32_t def,
		       struct hull_err *err)
{
	struct sock_filter *prog = NULL;
	size_t len = 0;
	int r = export_bpf(f->ctx, &prog, &len);
	if (r < 0)
		return hull_syserr(err, -r, "linux.seccomp: export the filter");
	uint32_t arch[MAX_ARCHES];
	long max[MAX_ARCHES];
	size_t n = 0;
	bool denies = def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG;
	arch[n] = seccomp_arch_native();
	for (size_t i = 0; denies && i <= s->architectures.n && n < MAX_ARCHES; i++) {
		if (i > 0) {
			_cleanup_free_ char *low = hull_xstrdup(s->architectures.v[i - 1] + 10);
			for (char *p = low; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			arch[n] = seccomp_arch_resolve_name(low);
			if (!arch[n] || arch[n] == arch[0])
				continue;
		}
		if ((max[n] = max_named(s, arch[n])) >= 0)
			n++;
	}
	struct sock_filter head[MAX_ARCHES * 6 + 2];
	size_t hn = n ? stub(arch, max, n, head) : 0;
	f->prog = hull_xmalloc((hn + len) * sizeof(*f->prog));
	memcpy(f->prog, head, hn * sizeof(*head));
	memcpy(f->prog + hn, prog, len * sizeof(*prog));
	free(prog);
	if (hn + len > BPF_MAXINSNS)
		return hull_errf(err, E2BIG, "linux.seccomp: the filter has %zu instructions, the kernel takes %d",
				 hn + len, BPF_MAXINSNS);
	f->len = (unsigned short)(hn + len);
	return 0;
}

int hull_seccomp_install(const struct hull_seccomp_filter *f)
{
	struct sock_fprog p = { .len = f->len, .filter = f->prog };
	unsigned flags = f->flags | (f->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &p);
	return r < 0 ? -errno : (int)r;
}
