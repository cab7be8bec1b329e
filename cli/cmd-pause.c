/* `pause ID` and `resume ID`. */
#include <getopt.h>

#include "../runtime/lifecycle.h"
#include "cli.h"

static int pause_cmd(const struct hull_globals *g, int argc, char **argv, const char *name, bool frozen,
		     struct hull_err *err)
{
	static const struct option none[] = { { 0 } };
	struct hull_container c = { .dirfd = -1 };
	if (hull_getopt(argc, argv, name, "", none, err) != -1 ||
	    hull_operands(argc, argv, name, "ID", 1, 1, err) < 0)
		return 1;
	int r = hull_container_open(g->root, argv[optind], true, &c, err);
	if (r == 0)
		r = hull_pause(&c, frozen, err);
	hull_container_close(&c);
	return r < 0 ? 1 : 0;
}

int hull_cmd_pause(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	return pause_cmd(g, argc, argv, "pause", true, err);
}

int hull_cmd_resume(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	return pause_cmd(g, argc, argv, "resume", false, err);
}
