/* The commands that act on one existing container: start, state, kill,
 * delete, ps. */
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
	    hull_container_open(g->root, argv[optind], true, &c, err) < 0 || hull_start(&c, err) < 0)
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

static void print_ps_table(const pid_t *pids, size_t n)
{
	printf("%-8s %-8s %-4s %s\n", "PID", "PPID", "STAT", "CMD");
	for (size_t i = 0; i < n; i++) {
		char path[64], stat[1024] = "", cmd[4096] = "";
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		if (hull_read_file_at(AT_FDCWD, path, &buf, &len, NULL) == 0) {
			for (size_t k = 0; k + 1 < len; k++)
				if (!buf[k])
					buf[k] = ' ';
			snprintf(cmd, sizeof(cmd), "%s", buf);
		}
		char state = '?';
		int ppid = 0;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		_cleanup_free_ char *sb = NULL;
		if (hull_read_file_at(AT_FDCWD, path, &sb, NULL, NULL) == 0) {
			char *p = strrchr(sb, ')');
			if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && !cmd[0]) {
				char *o = strchr(sb, '(');
				if (o)
					snprintf(cmd, sizeof(cmd), "[%.*s]", (int)(p - o - 1), o + 1);
			}
		}
		(void)stat;
		printf("%-8d %-8d %-4c %s\n", (int)pids[i], ppid, state, cmd);
	}
}

int hull_cmd_ps(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, { 0 } };
	_cleanup_container_ struct hull_container c = { .dirfd = -1 };
	bool json = false;
	int ch;
	while ((ch = hull_getopt(argc, argv, "ps", "f:", opts, err)) != -1) {
		if (ch != 'f')
			return 1;
		if (strcmp(optarg, "json") && strcmp(optarg, "table"))
			return hull_errf(err, EINVAL, "ps: --format must be table or json, not \"%s\"", optarg), 1;
		json = !strcmp(optarg, "json");
	}
	if (hull_operands(argc, argv, "ps", "ID", 1, 1, err) < 0 ||
	    hull_container_open(g->root, argv[optind], false, &c, err) < 0)
		return 1;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	if (hull_container_pids(&c, &pids, &n, err) < 0)
		return 1;
	if (json) {
		_cleanup_free_ char *s = hull_pids_json(pids, n);
		printf("%s\n", s ? s : "[]");
	} else {
		print_ps_table(pids, n);
	}
	return 0;
}
