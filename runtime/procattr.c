/* hull_security_apply: the settings the container process makes on itself
 * while it still holds every capability. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "placement.h"
#include "security.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* glibc 2.36 has no wrapper nor struct for sched_setattr(2). */
struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

static int apply_scheduler(const struct hull_scheduler *s, struct hull_err *err)
{
	struct sched_attr_v1 a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)s->policy_num,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
		/* The spec gives no clamp values: the clamp flags get the full range. */
		.sched_util_min = 0,
		.sched_util_max = 1024,
	};
	for (size_t i = 0; i < s->flags.n; i++)
		for (size_t k = 0; k < sizeof(sched_flags) / sizeof(sched_flags[0]); k++)
			if (!strcmp(s->flags.v[i], sched_flags[k].name))
				a.sched_flags |= sched_flags[k].flag;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return hull_syserr(err, errno, "process.scheduler: sched_setattr %s", s->policy);
	return 0;
}

int hull_security_apply(const struct hull_spec *spec, struct hull_err *err)
{
	const struct hull_process *p = &spec->process;
	if (p->has_io_priority) {
		int prio = p->io_priority_class_num << IOPRIO_CLASS_SHIFT | p->io_priority;
		if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
			return hull_syserr(err, errno, "process.ioPriority: ioprio_set %s %d",
					   p->io_priority_class, p->io_priority);
	}
	if (p->scheduler.set) {
		int r = apply_scheduler(&p->scheduler, err);
		if (r < 0)
			return r;
	}
	if (spec->linux_.has_personality) {
		unsigned long dom = strcmp(spec->linux_.personality_domain, "LINUX32") ? PER_LINUX
											: PER_LINUX32;
		if (personality(dom) < 0)
			return hull_syserr(err, errno, "linux.personality: %s",
					   spec->linux_.personality_domain);
	}
	return hull_memory_policy_apply(&spec->linux_, err);
}
