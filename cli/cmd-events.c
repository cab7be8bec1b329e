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

#include "../base/cleanup.h"
#include "../runtime/lifecycle.h"
#include "cli.h"


int hull_cmd_events(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ 0 },
	};
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
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
	return hull_events(&c, once, interval, err) < 0 ? 1 : 0;
}
