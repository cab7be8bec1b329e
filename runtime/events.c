/* runc's event stream: "stats" every interval, "oom" on each OOM kill, one
 * JSON object a line on stdout, until the container stops. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../cgroups/cgroups.h"
#include "../oci-spec/events.h"
#include "lifecycle.h"


/* Prints one stats line; false when the cgroup is gone (the container
 * stopped and was deleted). */
static bool print_stats(struct hull_cgroup *cg, const char *id)
{
	struct hull_cgroup_stats st;
	if (hull_cgroup_stats(cg, &st, NULL) < 0)
		return false;
	_cleanup_free_ char *json = hull_events_stats_json(id, &st);
	hull_cgroup_stats_free(&st);
	if (json) {
		printf("%s\n", json);
		fflush(stdout);
	}
	return true;
}

static void print_ooms(struct hull_cgroup *cg, int fd, uint64_t *count, const char *id)
{
	uint64_t n = 0;
	if (hull_cgroup_oom_events(cg, fd, count, &n, NULL) < 0)
		return;
	_cleanup_free_ char *json = n ? hull_events_oom_json(id) : NULL;
	for (uint64_t i = 0; json && i < n; i++)
		printf("%s\n", json);
	fflush(stdout);
}

int hull_events(struct hull_container *c, bool once, uint64_t interval, struct hull_err *err)
{
	if (!c->has_state)
		return hull_errf(err, EINVAL, "%s", c->state_err);
	_cleanup_close_ int pidfd = -1;
	enum hull_status s = hull_container_status(c, &pidfd);
	if (s == HULL_STATUS_STOPPED || s == HULL_STATUS_CREATING)
		return hull_errf(err, ESRCH, "container %s is not running", c->id);
	_cleanup_cgroup_ struct hull_cgroup *cg = NULL;
	int r = hull_container_cgroup(c, &cg, err);
	if (r < 0)
		return r;

	if (once) {
		struct hull_cgroup_stats st;
		if ((r = hull_cgroup_stats(cg, &st, err)) < 0)
			return r;
		_cleanup_free_ char *json = hull_events_stats_json(c->id, &st);
		hull_cgroup_stats_free(&st);
		if (!json)
			return hull_errf(err, ENOMEM, "events: out of memory");
		printf("%s\n", json);
		return 0;
	}

	uint64_t ooms = 0;
	/* Without a memory cgroup there are no OOM events to wait for. */
	_cleanup_close_ int oomfd = hull_cgroup_oom_fd(cg, &ooms, NULL);
	_cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return hull_syserr(err, errno, "timerfd_create");
	struct timespec ts = { .tv_sec = (time_t)(interval / 1000000000ull),
			       .tv_nsec = (long)(interval % 1000000000ull) };
	struct itimerspec its = { .it_interval = ts, .it_value = ts };
	if (timerfd_settime(tfd, 0, &its, NULL) < 0)
		return hull_syserr(err, errno, "timerfd_settime");
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = oomfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_syserr(err, errno, "events: poll");
		}
		/* OOM first: the kill it reports may be what ends the init. */
		if (p[0].revents & POLLIN)
			print_ooms(cg, oomfd, &ooms, c->id);
		if (p[2].revents & (POLLIN | POLLHUP)) {
			/* Not only when the fd says so: v2 rate-limits the notification
			 * of memory.events, so it can come after the init's exit;
			 * the counters are read directly. */
			if (oomfd >= 0)
				print_ooms(cg, oomfd, &ooms, c->id);
			return 0;
		}
		if (p[1].revents & POLLIN) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				return hull_syserr(err, errno, "events: timerfd");
			if (!print_stats(cg, c->id))
				return 0;
		}
	}
}
