#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "caps.h"
#include "lsm.h"
#include "placement.h"
#include "security.h"

/* The rules of sched_setattr(2), checked here so that the message names the
 * field instead of the kernel's EINVAL. */
static int check_scheduler(const struct hull_scheduler *s, struct hull_err *err)
{
	if (!s->set)
		return 0;
	bool rt = s->policy_num == SCHED_FIFO || s->policy_num == SCHED_RR;
	if (!strcmp(s->policy, "SCHED_ISO"))
		return hull_errf(err, EINVAL, "process.scheduler.policy: SCHED_ISO is not in Linux");
	if (rt && (s->priority < 1 || s->priority > 99))
		return hull_errf(err, EINVAL, "process.scheduler.priority: %s needs 1 to 99",
				 s->policy);
	if (!rt && s->priority)
		return hull_errf(err, EINVAL,
				 "process.scheduler.priority: only SCHED_FIFO and SCHED_RR have one");
	if (s->policy_num != SCHED_DEADLINE && (s->runtime || s->deadline || s->period))
		return hull_errf(err, EINVAL,
				 "process.scheduler: runtime, deadline and period are for SCHED_DEADLINE only");
	if (s->policy_num == SCHED_DEADLINE) {
		uint64_t period = s->period ? s->period : s->deadline;
		if (!s->runtime || s->runtime > s->deadline || s->deadline > period)
			return hull_errf(err, EINVAL,
					 "process.scheduler: SCHED_DEADLINE needs 0 < runtime <= deadline <= period");
	}
	return 0;
}

static int check_cpu_list(const char *list, const char *path, struct hull_err *err)
{
	unsigned long set[CPU_SETSIZE / (8 * sizeof(long))];
	if (hull_cpu_list_parse(list, set, CPU_SETSIZE) < 0)
		return hull_errf(err, EINVAL, "%s: bad CPU list \"%s\"", path, list);
	return 0;
}

int hull_security_validate(const struct hull_spec *spec, struct hull_capsets *caps,
			   struct hull_err *err)
{
	const struct hull_process *p = &spec->process;
	int r = hull_caps_resolve(p, caps, err);
	if (r == 0)
		r = hull_lsm_validate(spec, err);
	if (r == 0)
		r = check_scheduler(&p->scheduler, err);
	/* execCPUAffinity is for processes that join a container (exec), not
	 * for its init (runtime-spec). */
	if (r == 0 && p->exec_cpu_affinity_initial)
		r = check_cpu_list(p->exec_cpu_affinity_initial, "process.execCPUAffinity.initial", err);
	if (r == 0 && p->exec_cpu_affinity_final)
		r = check_cpu_list(p->exec_cpu_affinity_final, "process.execCPUAffinity.final", err);
	if (r == 0)
		r = hull_memory_policy_validate(&spec->linux_, err);
	/* The spec defines no personality flags. */
	if (r == 0 && spec->linux_.has_personality && spec->linux_.personality_flags.n)
		r = hull_errf(err, EINVAL, "linux.personality.flags[0]: unknown flag %s",
			      spec->linux_.personality_flags.v[0]);
	return r;
}
