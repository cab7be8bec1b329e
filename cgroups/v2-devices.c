/* linux.resources.devices on cgroup v2: an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE built here, instruction by instruction (as
 * runc's devicefilter and crun's ebpf.c do), with no library.
 *
 * The program checks the rules from the last to the first; the first that
 * matches decides, so a later rule overrides an earlier one as with the v1
 * devices.allow/deny writes. Nothing matching: deny. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "internal.h"

/* Bounded: the rules of one config plus the defaults. */
#define MAX_INSNS 16384
#define MAX_OLD 64

struct prog {
	struct bpf_insn *v;
	size_t n;
};

static void emit(struct prog *p, struct bpf_insn in)
{
	p->v[p->n++] = in;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) INSN(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers after the prologue: r2 type, r3 access, r4 major, r5 minor. */
static void prologue(struct prog *p)
{
	/* struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } */
	emit(p, LDX_W(BPF_REG_2, BPF_REG_1, 0));
	emit(p, ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff));
	emit(p, LDX_W(BPF_REG_3, BPF_REG_1, 0));
	emit(p, ALU32_IMM(BPF_RSH, BPF_REG_3, 16));
	emit(p, LDX_W(BPF_REG_4, BPF_REG_1, 4));
	emit(p, LDX_W(BPF_REG_5, BPF_REG_1, 8));
}

static unsigned access_mask(const char *access)
{
	if (!access[0])
		return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	unsigned m = 0;
	for (const char *c = access; *c; c++)
		m |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE : *c == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
	return m;
}

/* One rule: the tests jump past the block when the request does not match. */
static bool rule(struct prog *p, const struct hull_device_rule *d)
{
	struct bpf_insn b[12];
	size_t n = 0;
	int jumps[12];
	size_t nj = 0;
	unsigned mask = access_mask(d->access);
	const unsigned all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
	if (d->type == 'c' || d->type == 'b') {
		jumps[nj++] = (int)n;
		b[n++] = JMP_IMM(BPF_JNE, BPF_REG_2, d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
	}
	if (d->allow && mask != all) {
		/* An allow covers a request only with every access it asks. */
		b[n++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
		b[n++] = ALU32_IMM(BPF_AND, BPF_REG_1, (int32_t)(~mask & all));
		jumps[nj++] = (int)n;
		b[n++] = JMP_IMM(BPF_JNE, BPF_REG_1, 0, 0);
	} else if (!d->allow && mask != all) {
		/* A deny hits a request asking any access it names. */
		b[n++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
		b[n++] = ALU32_IMM(BPF_AND, BPF_REG_1, (int32_t)mask);
		jumps[nj++] = (int)n;
		b[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 0);
	}
	if (d->major >= 0) {
		jumps[nj++] = (int)n;
		b[n++] = JMP_IMM(BPF_JNE, BPF_REG_4, (int32_t)d->major, 0);
	}
	if (d->minor >= 0) {
		jumps[nj++] = (int)n;
		b[n++] = JMP_IMM(BPF_JNE, BPF_REG_5, (int32_t)d->minor, 0);
	}
	b[n++] = MOV64_IMM(BPF_REG_0, d->allow ? 1 : 0);
	b[n++] = EXIT();
	for (size_t i = 0; i < nj; i++)
		b[jumps[i]].off = (int16_t)(n - (size_t)jumps[i] - 1);
	for (size_t i = 0; i < n; i++)
		emit(p, b[i]);
	return nj == 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's last words: the line before its statistics. */
static const char *verdict(char *log)
{
	char *stats = strstr(log, "processed ");
	if (stats && stats > log)
		*--stats = 0;
	char *last = strrchr(log, '\n');
	return last ? last + 1 : log;
}

static int load(const struct prog *p, struct hull_err *err)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->v;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t)"Apache";
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	int e = errno;
	_cleanup_free_ char *log = NULL;
	if (e == EACCES || e == EINVAL) {
		/* The verifier says why only when asked: load again with its log. */
		log = hull_xcalloc(1, 1 << 16);
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = 1 << 16;
		attr.log_level = 1;
		if ((fd = sys_bpf(BPF_PROG_LOAD, &attr)) >= 0)
			return fd;
	}
	const char *why = log ? verdict(log) : "";
	return hull_errf(err, e, "linux.resources.devices: bpf(BPF_PROG_LOAD): %s%s%s", strerror(e),
			 *why ? ": " : "", why);
}

/* The ids of the device programs attached to the cgroup itself. */
static int query(int cgfd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return -errno;
	*n = attr.query.prog_cnt;
	return 0;
}

int hull_cg_v2_devices(const struct hull_cg_hier *h, const struct hull_device_rule *rules, size_t n,
		       struct hull_err *err)
{
	char label[512];
	if (h->dirfd < 0)
		return hull_errf(err, ENOENT, "%s: linux.resources.devices: no cgroup directory",
				 hull_cg_label(h, label, sizeof(label)));
	if (n > (MAX_INSNS - 8) / 12)
		return hull_errf(err, E2BIG, "linux.resources.devices: %zu rules: too many", n);
	_cleanup_free_ struct bpf_insn *v = hull_xcalloc(n * 12 + 8, sizeof(*v));
	struct prog p = { v, 0 };
	prologue(&p);
	bool decided = false;
	for (size_t i = n; i-- > 0 && !decided;)
		decided = rule(&p, &rules[i]);
	if (!decided) {
		emit(&p, MOV64_IMM(BPF_REG_0, 0));
		emit(&p, EXIT());
	}

	uint32_t old[MAX_OLD], n_old = MAX_OLD;
	int r = query(h->dirfd, old, &n_old);
	if (r < 0)
		return hull_syserr(err, -r, "%s: bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE)", hull_cg_label(h, label, sizeof(label)));

	_cleanup_close_ int fd = load(&p, err);
	if (fd < 0)
		return fd;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)h->dirfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return hull_syserr(err, errno, "%s: bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE)",
				   hull_cg_label(h, label, sizeof(label)));
	/* The new filter holds before the old ones go: no window where
	   neither applies. */
	for (uint32_t i = 0; i < n_old; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = old[i];
		_cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (ofd < 0) {
			if (errno == ENOENT)
				continue;
			return hull_syserr(err, errno, "%s: bpf(BPF_PROG_GET_FD_BY_ID, %u)",
					   hull_cg_label(h, label, sizeof(label)), old[i]);
		}
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)h->dirfd;
		attr.attach_bpf_fd = (uint32_t)ofd;
		attr.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
			return hull_syserr(err, errno, "%s: bpf(BPF_PROG_DETACH, %u)",
					   hull_cg_label(h, label, sizeof(label)), old[i]);
	}
	return 0;
}
