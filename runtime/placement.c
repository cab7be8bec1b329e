/* Where the process runs and allocates: process.execCPUAffinity,
 * linux.memoryPolicy, and the CPU mask the process would otherwise
 * inherit from whoever ran hull (since Linux 6.2 a mask survives execve,
 * so a pinned caller would pin the container). */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "placement.h"

#define MAX_NODES 1024
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)

/* "0-3,7" into set (bits below max); -EINVAL when malformed. */
int hull_cpu_list_parse(const char *list, unsigned long *set, size_t max)
{
	memset(set, 0, (max + 8 * sizeof(long) - 1) / (8 * sizeof(long)) * sizeof(long));
	const char *s = list;
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		char *end;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= max)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			set[i / (8 * sizeof(long))] |= 1ul << (i % (8 * sizeof(long)));
		if (!*end)
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

int hull_cpu_affinity(const char *list, const char *field, struct hull_err *err)
{
	cpu_set_t set;
	if (!list) {
		/* Every CPU: the kernel keeps only those of the container's cpuset. */
		memset(&set, 0xff, sizeof(set));
	} else if (hull_cpu_list_parse(list, (unsigned long *)&set, CPU_SETSIZE) < 0) {
		return hull_errf(err, EINVAL, "%s: bad CPU list \"%s\"", field, list);
	}
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return hull_syserr(err, errno, "%s: sched_setaffinity %s", field, list ? list : "(all)");
	return 0;
}

static const struct { const char *name; int value; } modes[] = {
	{ "MPOL_DEFAULT", 0 }, { "MPOL_PREFERRED", 1 }, { "MPOL_BIND", 2 }, { "MPOL_INTERLEAVE", 3 },
	{ "MPOL_LOCAL", 4 }, { "MPOL_PREFERRED_MANY", 5 }, { "MPOL_WEIGHTED_INTERLEAVE", 6 },
};

/* The mode with its flags, and the node mask; -EINVAL for what the kernel
 * would refuse, said with the field's name. */
static int policy(const struct hull_linux *l, int *mode, unsigned long *nodes, struct hull_err *err)
{
	*mode = -1;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, l->memory_policy_mode))
			*mode = modes[i].value;
	if (*mode < 0)
		return hull_errf(err, EINVAL, "linux.memoryPolicy.mode: unknown mode %s", l->memory_policy_mode);
	bool none = *mode == 0 || *mode == 4;
	bool have = l->memory_policy_nodes && *l->memory_policy_nodes;
	if (none && have)
		return hull_errf(err, EINVAL, "linux.memoryPolicy.nodes: %s takes no nodes", l->memory_policy_mode);
	if (!none && !have)
		return hull_errf(err, EINVAL, "linux.memoryPolicy.nodes: %s needs nodes", l->memory_policy_mode);
	if (have && hull_cpu_list_parse(l->memory_policy_nodes, nodes, MAX_NODES) < 0)
		return hull_errf(err, EINVAL, "linux.memoryPolicy.nodes: bad node list \"%s\"", l->memory_policy_nodes);
	for (size_t i = 0; i < l->memory_policy_flags.n; i++) {
		const char *f = l->memory_policy_flags.v[i];
		*mode |= !strcmp(f, "MPOL_F_STATIC_NODES") ? MPOL_F_STATIC_NODES
		       : !strcmp(f, "MPOL_F_RELATIVE_NODES") ? MPOL_F_RELATIVE_NODES
							     : MPOL_F_NUMA_BALANCING;
	}
	return 0;
}

int hull_memory_policy_validate(const struct hull_linux *l, struct hull_err *err)
{
	unsigned long nodes[MAX_NODES / (8 * sizeof(long))];
	int mode;
	return l->has_memory_policy ? policy(l, &mode, nodes, err) : 0;
}

int hull_memory_policy_apply(const struct hull_linux *l, struct hull_err *err)
{
	if (!l->has_memory_policy)
		return 0;
	unsigned long nodes[MAX_NODES / (8 * sizeof(long))];
	int mode;
	int r = policy(l, &mode, nodes, err);
	if (r < 0)
		return r;
	bool have = l->memory_policy_nodes && *l->memory_policy_nodes;
	if (syscall(SYS_set_mempolicy, mode, have ? nodes : NULL, have ? (unsigned long)MAX_NODES + 1 : 0) < 0)
		return hull_syserr(err, errno, "linux.memoryPolicy: set_mempolicy %s%s%s", l->memory_policy_mode,
				   have ? " " : "", have ? l->memory_policy_nodes : "");
	return 0;
}
