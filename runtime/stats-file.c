/* `run --stats-file`: the report of a finished container, written after
 * its init exited and before its cgroup goes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../oci-spec/events.h"
#include "lifecycle.h"


void hull_host_cpu_sample(struct hull_host_cpu *s)
{
	*s = (struct hull_host_cpu){ 0 };
	_cleanup_free_ char *buf = NULL;
	if (hull_read_file_at(AT_FDCWD, "/proc/stat", &buf, NULL, NULL) < 0 || strncmp(buf, "cpu ", 4))
		return;
	/* user nice system idle iowait irq softirq steal (guest time is
	   already in user and nice) */
	unsigned long long v[8] = { 0 };
	if (sscanf(buf + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7]) < 4)
		return;
	for (int i = 0; i < 8; i++)
		s->total += v[i];
	s->idle = v[3] + v[4];
	s->valid = true;
}

static double idle_fraction(const struct hull_host_cpu *a, const struct hull_host_cpu *b)
{
	if (!a->valid || !b->valid || b->total <= a->total)
		return -1;
	return (double)(b->idle - a->idle) / (double)(b->total - a->total);
}

int hull_write_stats_file(const char *path, struct hull_container *c, int exit_code, uint64_t wall_ns,
			  const struct hull_host_cpu *before, struct hull_err *err)
{
	struct hull_host_cpu after;
	hull_host_cpu_sample(&after);
	struct hull_cgroup_stats st = { 0 };
	int r = hull_container_stats(c, &st, err);
	if (r < 0)
		return r;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct hull_run_report rep = {
		.id = c->id,
		.exit_code = exit_code,
		.wall_time_ns = wall_ns,
		.st = &st,
		.cpu_limited_by = hull_cpu_limited_by(&st, wall_ns, ncpu > 0 ? (unsigned)ncpu : 1,
						      idle_fraction(before, &after)),
	};
	_cleanup_free_ char *json = hull_run_report_json(&rep);
	hull_cgroup_stats_free(&st);
	if (!json)
		return hull_errf(err, ENOMEM, "--stats-file: out of memory");
	size_t len = strlen(json);
	json[len++] = '\n';	/* replaces the NUL: len counts what is written */
	_cleanup_free_ char *dir = hull_xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *name = path;
	if (slash) {
		name = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = 0;
		else
			*slash = 0;
	}
	_cleanup_close_ int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_syserr(err, errno, "--stats-file %s", path);
	r = hull_write_atomic_at(dfd, name, json, len, 0644, err);
	if (r < 0)
		hull_err_prefix(err, "--stats-file %s", path);
	return r;
}
