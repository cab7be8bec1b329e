/* The commands that act on one existing container: start, state, kill,
 * delete (ps is in cmd-ps.c). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "cli.h"

/* Parses options that none of these commands has but --help, then the operands. */
static int plain_operands(int argc, char **argv, const char *cmd, const char *names, int min,
			  int max, struct hull_err *err)
{
	static const struct option none[] = { { 0 } };
	if (hull_getopt(argc, argv, cmd, "", none, err) != -1)
		return -EINVAL;
	return hull_operands(argc, argv, cmd, names, min, max, err);
}

int hull_cmd_start(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	if (plain_operands(argc, argv, "start", "ID", 1, 1, err) < 0 ||
	    hull_container_open(g->root, argv[optind], true, &c, err) < 0 ||
	    hull_start_notify(&c, getenv("NOTIFY_SOCKET"), err) < 0)
		return 1;
	return 0;
}

int hull_cmd_state(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	if (plain_operands(argc, argv, "state", "ID", 1, 1, err) < 0 ||
	    hull_container_open(g->root, argv[optind], false, &c, err) < 0)
		return 1;
	if (!c.has_state)
		return hull_errf(err, EINVAL, "%s", c.state_err), 1;
	enum hull_status s = hull_container_status(&c, NULL);
	if (s == HULL_STATUS_STOPPED)
		c.st.pid = 0;
	_cleanup_free_ char *json = hull_state_json(&c.st, hull_status_name(s), true);
	if (!json)
		return hull_errf(err, ENOMEM, "state: out of memory"), 1;
	printf("%s\n", json);
	return 0;
}

int hull_cmd_kill(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { 0 } };
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	bool all = false;
	int ch, sig = SIGTERM;
	while ((ch = hull_getopt(argc, argv, "kill", "a", opts, err)) != -1) {
		if (ch != 'a')
			return 1;
		all = true;
	}
	if (hull_operands(argc, argv, "kill", "ID [SIGNAL]", 1, 2, err) < 0)
		return 1;
	if (argc - optind == 2 && hull_parse_signal(argv[optind + 1], &sig) < 0)
		return hull_errf(err, EINVAL, "kill: unknown signal \"%s\"", argv[optind + 1]), 1;
	if (hull_container_open(g->root, argv[optind], true, &c, err) < 0 ||
	    hull_signal(&c, sig, all, err) < 0)
		return 1;
	return 0;
}

int hull_cmd_delete(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	bool force = false;
	int ch;
	while ((ch = hull_getopt(argc, argv, "delete", "f", opts, err)) != -1) {
		if (ch != 'f')
			return 1;
		force = true;
	}
	if (hull_operands(argc, argv, "delete", "ID", 1, 1, err) < 0)
		return 1;
	if (hull_container_open(g->root, argv[optind], true, &c, err) < 0) {
		/* runc: deleting a missing container with --force is not an error */
		if (force && err->code == -ENOENT) {
			hull_err_clear(err);
			return 0;
		}
		return 1;
	}
	return hull_delete(&c, force, err) < 0 ? 1 : 0;
}
