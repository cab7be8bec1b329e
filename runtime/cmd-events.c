/* `events [--stats] [--interval D] ID`: runc's event stream on stdout, one
 * JSON object a line: "stats" every interval, "oom" on each OOM, until the
 * container stops. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "../cgroups/cgroups.h"
#include "../oci-spec/events.h"
#include "cleanup.h"
#include "cli.h"
#include "lifecycle.h"

static void container_closep(struct hull_container *c) { hull_container_close(c); }
static void cgroup_freep(struct hull_cgroup **cg) { if (*cg) hull_cgroup_free(*cg); }

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

int hull_cmd_events(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ 0 },
	};
	__attribute__((cleanup(container_closep))) struct hull_container c = { .dirfd = -1 };
	bool once = false;
	uint64_t interval = 5000000000ull;	/* runc's default */
	int ch;
	while ((ch = hull_getopt(argc, argv, "events", "", opts, err)) != -1) {
		if (ch == 's') {
			once = true;
		} else if (ch == 'i') {
			if (hull_parse_duration(optarg, &interval) < 0 || interval == 0)
				return hull_errf(err, EINVAL, "events: --interval \"%s\": not a duration such as 5s or 500ms",
						 optarg), 1;
		} else {
			return 1;
		}
	}
	if (hull_operands(argc, argv, "events", "ID", 1, 1, err) < 0 ||
	    hull_container_open(g->root, argv[optind], false, &c, err) < 0)
		return 1;
	if (!c.has_state)
		return hull_errf(err, EINVAL, "%s", c.state_err), 1;
	_cleanup_close_ int pidfd = -1;
	enum hull_status s = hull_container_status(&c, &pidfd);
	if (s == HULL_STATUS_STOPPED || s == HULL_STATUS_CREATING)
		return hull_errf(err, ESRCH, "container %s is not running", c.id), 1;
	if (!c.st.cgroup)
		return hull_errf(err, ENOTSUP, "container %s has no cgroup of its own: no events", c.id), 1;
	__attribute__((cleanup(cgroup_freep))) struct hull_cgroup *cg = NULL;
	if (hull_cgroup_load(c.st.cgroup, &cg, err) < 0)
		return 1;

	if (once) {
		struct hull_cgroup_stats st;
		if (hull_cgroup_stats(cg, &st, err) < 0)
			return 1;
		_cleanup_free_ char *json = hull_events_stats_json(c.id, &st);
		hull_cgroup_stats_free(&st);
		if (!json)
			return hull_errf(err, ENOMEM, "events: out of memory"), 1;
		printf("%s\n", json);
		return 0;
	}

	uint64_t ooms = 0;
	/* Without a memory cgroup there are no OOM events to wait for. */
	_cleanup_close_ int oomfd = hull_cgroup_oom_fd(cg, &ooms, NULL);
	_cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return hull_syserr(err, errno, "timerfd_create"), 1;
	struct timespec ts = { .tv_sec = (time_t)(interval / 1000000000ull),
			       .tv_nsec = (long)(interval % 1000000000ull) };
	struct itimerspec its = { .it_interval = ts, .it_value = ts };
	if (timerfd_settime(tfd, 0, &its, NULL) < 0)
		return hull_syserr(err, errno, "timerfd_settime"), 1;
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = oomfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_syserr(err, errno, "events: poll"), 1;
		}
		/* OOM first: the kill it reports may be what ends the init. */
		if (p[0].revents & POLLIN)
			print_ooms(cg, oomfd, &ooms, c.id);
		if (p[2].revents & (POLLIN | POLLHUP)) {
			/* Not only when the fd says so: v2 rate-limits the notification
			 * of memory.events, so it can come after the init's exit;
			 * the counters are read directly. */
			if (oomfd >= 0)
				print_ooms(cg, oomfd, &ooms, c.id);
			return 0;
		}
		if (p[1].revents & POLLIN) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				return hull_syserr(err, errno, "events: timerfd"), 1;
			if (!print_stats(cg, c.id))
				return 0;
		}
	}
}
