/* hull: a minimal, fast OCI container runtime with runc's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../base/trace.h"
#include "../runtime/sealed-exe.h"
#include "cli.h"

static const struct hull_cmd commands[] = {
	{ "create", "[--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--no-pivot] "
		    "[--no-new-keyring] [--preserve-fds N] [--pidfd-socket SOCK] ID", hull_cmd_create },
	{ "start", "ID", hull_cmd_start },
	{ "run", "[--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--detach] [--keep] "
		 "[--no-pivot] [--no-new-keyring] [--preserve-fds N] [--stats-file FILE] [--pidfd-socket SOCK] "
		 "[--no-subreaper] ID", hull_cmd_run },
	{ "exec", "[--process FILE] [--tty] [--console-socket SOCK] [--detach] [--pid-file FILE] "
		  "[--preserve-fds N] [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--additional-gids G,...] "
		  "[--cap CAP]... [--no-new-privs] [--process-label L] [--apparmor P] [--ignore-paused] [--cgroup [C:]PATH] "
		  "[--pidfd-socket SOCK] "
		  "ID [COMMAND [ARGS...]]", hull_cmd_exec },
	{ "state", "ID", hull_cmd_state },
	{ "kill", "[--all] ID [SIGNAL]", hull_cmd_kill },
	{ "delete", "[--force] ID", hull_cmd_delete },
	{ "list", "[--format table|json] [--quiet]", hull_cmd_list },
	{ "ps", "[--format table|json] ID [PS OPTIONS...]", hull_cmd_ps },
	{ "pause", "ID", hull_cmd_pause },
	{ "resume", "ID", hull_cmd_resume },
	{ "events", "[--stats] [--interval DURATION] ID", hull_cmd_events },
	{ "update", "[--resources FILE|-] [--memory N] [--cpu-quota N] ... ID", hull_cmd_update },
	{ "spec", "[--bundle DIR] [--rootless] [--seccomp]", hull_cmd_spec },
	{ "features", "", hull_cmd_features },
	{ "help", "[COMMAND]", hull_cmd_help },
};

const struct hull_cmd *hull_cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void hull_cmd_usage(const struct hull_cmd *cmd, int fd)
{
	if (cmd) {
		dprintf(fd, "usage: hull [GLOBAL OPTIONS] %s %s\nSee hull-%s(8).\n", cmd->name,
			cmd->synopsis, cmd->name);
		return;
	}
	dprintf(fd, "usage: hull [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
		    "global options:\n"
		    "  --root DIR           state directory (default /run/hull;\n"
		    "                       $XDG_RUNTIME_DIR/hull when not root)\n"
		    "  --log FILE           log to FILE\n"
		    "  --log-format FORMAT  text or json\n"
		    "  --debug              log debug messages\n"
		    "  --systemd-cgroup     the cgroup is a systemd scope (cgroupsPath slice:prefix:name)\n"
		    "  --version, --help\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		dprintf(fd, "  %-9s %s\n", commands[i].name, commands[i].synopsis);
	dprintf(fd, "\nSee hull(8).\n");
}

int hull_cmd_help(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	(void)g;
	if (argc > 1) {
		const struct hull_cmd *c = hull_cmd_find(argv[1]);
		if (!c)
			return hull_errf(err, EINVAL, "help: unknown command \"%s\"", argv[1]), 1;
		hull_cmd_usage(c, STDOUT_FILENO);
		return 0;
	}
	hull_cmd_usage(NULL, STDOUT_FILENO);
	return 0;
}

/* runc's default: /run is root's; an unprivileged user's state goes under
 * its own runtime dir. NULL when there is none. */
static const char *default_root(void)
{
	static char buf[4096];
	if (geteuid() == 0)
		return "/run/hull";
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg || snprintf(buf, sizeof(buf), "%s/hull", xdg) >= (int)sizeof(buf))
		return NULL;
	return buf;
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_CRIU, OPT_ROOTLESS };

void hull_log_init(const struct hull_globals *g)
{
	hull_log_open(g->log, g->log_json, g->debug);
}

/* The one place an error is printed: one line, and the log. */
static int hull_fail(const struct hull_globals *g, const struct hull_err *err)
{
	hull_log_init(g);
	hull_log("error", "%s", err->msg);
	fprintf(stderr, "hull: %s\n", err->msg);
	return 1;
}

/* The global options; returns 1 to go on, 0 when done (--version, --help),
 * -1 on an error. */
static int parse_globals(int argc, char **argv, struct hull_globals *g, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = hull_getopt(argc, argv, "hull", "vh", opts, err)) != -1) {
		switch (c) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_LOG: g->log = optarg; break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return hull_errf(err, EINVAL, "--log-format: must be text or json, not \"%s\"", optarg);
			g->log_json = !strcmp(optarg, "json");
			break;
		case OPT_DEBUG: g->debug = true; break;
		case OPT_SYSTEMD: g->systemd_cgroup = true; break;
		case OPT_CRIU: break;	/* checkpointing is not offered; the path is irrelevant */
		case OPT_ROOTLESS:
			if (strcmp(optarg, "auto") && strcmp(optarg, "false"))
				return hull_errf(err, EINVAL, "--rootless %s: not supported yet (auto and false are)", optarg);
			break;
		case 'v':
			printf("hull version %s\nspec: 1.3.0\n", HULL_VERSION);
			return 0;
		case 'h':
			hull_cmd_usage(NULL, STDOUT_FILENO);
			return 0;
		default:
			return -1;
		}
	}
	return 1;
}

/* Before anything is opened: the processes these put into a container run
 * hull until they exec, from a copy the container cannot write. */
static bool enters_container(const struct hull_cmd *cmd)
{
	return cmd->run == hull_cmd_create || cmd->run == hull_cmd_run || cmd->run == hull_cmd_exec;
}

int main(int argc, char **argv)
{
	/* A container sharing our pid namespace must not reach our binary
	 * through /proc/PID/exe. An unprivileged hull stays dumpable: its
	 * children's /proc files (uid_map) must stay writable to it. */
	if (geteuid() == 0)
		prctl(PR_SET_DUMPABLE, 0);
	char **argv0 = argv;
	struct hull_globals g = { .root = default_root() };
	struct hull_err err = {0};
	int go = parse_globals(argc, argv, &g, &err);
	if (go <= 0)
		return go == 0 ? 0 : hull_fail(&g, &err);
	hull_log_init(&g);
	if (g.debug)
		hull_trace_start();
	if (optind >= argc) {
		hull_cmd_usage(NULL, STDERR_FILENO);
		return 1;
	}
	const struct hull_cmd *cmd = hull_cmd_find(argv[optind]);
	if (!cmd) {
		hull_errf(&err, EINVAL, "unknown command \"%s\" (see hull --help)", argv[optind]);
		return hull_fail(&g, &err);
	}
	if (enters_container(cmd) && hull_exe_seal(argv0, &err) < 0)
		return hull_fail(&g, &err);
	argc -= optind;
	argv += optind;
	optind = 0;	/* 0 re-initialises getopt for the command's own options */
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		hull_cmd_usage(cmd, STDOUT_FILENO);
		return 0;
	}
	if (!g.root && cmd->run != hull_cmd_spec && cmd->run != hull_cmd_features && cmd->run != hull_cmd_help) {
		hull_errf(&err, EINVAL, "--root: XDG_RUNTIME_DIR is not set; give --root");
		return hull_fail(&g, &err);
	}
	hull_log("debug", "%s", cmd->name);
	hull_trace("parse");
	int status = cmd->run(&g, argc, argv, &err);
	hull_trace_log(cmd->name);
	return err.code ? hull_fail(&g, &err) : status;
}
