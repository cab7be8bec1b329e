/* Shared by seccomp.c (the profile) and seccomp-bpf.c (the program). */
#ifndef HULL_SECCOMP_INTERNAL_H
#define HULL_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>

#include "seccomp.h"

struct hull_seccomp_filter {
	scmp_filter_ctx ctx;
	bool notify;		/* has SCMP_ACT_NOTIFY rules: a listener fd to hand over */
	unsigned flags;		/* SECCOMP_FILTER_FLAG_* of linux.seccomp.flags */
	struct sock_filter *prog;	/* what the kernel gets */
	unsigned short len;
};

/* Exports ctx's program into f, behind the ENOSYS stub when def denies. */
int hull_seccomp_build(struct hull_seccomp_filter *f, const struct hull_seccomp *s, uint32_t def,
		       struct hull_err *err);

/* seccomp(SECCOMP_SET_MODE_FILTER) of f: the listener fd with notify
 * rules, else 0; -errno. */
int hull_seccomp_install(const struct hull_seccomp_filter *f);

#endif
