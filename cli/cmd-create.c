/* `create` and `run`: they share their options. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../base/trace.h"
#include "../base/util.h"
#include "../runtime/lifecycle.h"
#include "../runtime/waiter.h"
#include "cli.h"

enum {
	OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_KEEP, OPT_STATS_FILE,
	OPT_PIDFD_SOCKET, OPT_NO_SUBREAPER,
};

/* What run and create take from their environment, as runc does: systemd's
 * NOTIFY_SOCKET, and socket activation's fds when LISTEN_PID names us. */
static int from_environment(struct hull_create_opts *o, struct hull_err *err)
{
	const char *ns = getenv("NOTIFY_SOCKET"), *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	o->notify_socket = ns && *ns ? ns : NULL;
	int64_t n, p;
	if (!fds || !pid || hull_parse_i64(pid, &p) < 0 || p != getpid())
		return 0;
	if (hull_parse_i64(fds, &n) < 0 || n < 0 || n > 65536)
		return hull_errf(err, EINVAL, "LISTEN_FDS: \"%s\" is not a count of fds", fds);
	o->listen_fds = (int)n;
	/* runc hands them over before the --preserve-fds ones */
	o->preserve_fds += (int)n;
	return 0;
}

static int parse(int argc, char **argv, bool is_run, struct hull_create_opts *o, bool *detach,
		 bool *keep, const char **stats_file, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
		{ "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
		{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
		{ 0 },
	};
	const char *cmd = is_run ? "run" : "create";
	int c;
	while ((c = hull_getopt(argc, argv, cmd, is_run ? "b:d" : "b:", opts, err)) != -1) {
		int64_t n;
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_CONSOLE: o->console_socket = optarg; break;
		case OPT_NO_PIVOT: o->no_pivot = true; break;
		case OPT_NO_KEYRING: o->no_new_keyring = true; break;
		case OPT_PRESERVE:
			if (hull_parse_i64(optarg, &n) < 0 || n < 0 || n > 65536)
				return hull_errf(err, EINVAL, "--preserve-fds: \"%s\" is not a count of fds", optarg);
			o->preserve_fds = (int)n;
			break;
		case 'd':
			if (!is_run)
				return hull_errf(err, EINVAL, "create: unknown option --detach");
			*detach = true;
			break;
		case OPT_KEEP:
			if (!is_run)
				return hull_errf(err, EINVAL, "create: unknown option --keep");
			*keep = true;
			break;
		case OPT_STATS_FILE:
			if (!is_run)
				return hull_errf(err, EINVAL, "create: unknown option --stats-file");
			*stats_file = optarg;
			break;
		case OPT_PIDFD_SOCKET: o->pidfd_socket = optarg; break;
		case OPT_NO_SUBREAPER:
			if (!is_run)
				return hull_errf(err, EINVAL, "create: unknown option --no-subreaper");
			o->no_subreaper = true;
			break;
		default:
			return -EINVAL;
		}
	}
	int r = hull_operands(argc, argv, cmd, "ID", 1, 1, err);
	if (r < 0)
		return r;
	o->id = argv[optind];
	return from_environment(o, err);
}

int hull_cmd_create(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	struct hull_create_opts o = { .root = g->root, .bundle = ".", .systemd_cgroup = g->systemd_cgroup };
	bool detach = false, keep = false;
	const char *stats_file = NULL;
	if (parse(argc, argv, false, &o, &detach, &keep, &stats_file, err) < 0)
		return 1;
	struct hull_container c;
	struct hull_created out;
	if (hull_create(&o, &c, &out, err) < 0)
		return 1;
	close(out.pidfd);
	hull_container_close(&c);
	return 0;
}

int hull_cmd_run(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	struct hull_create_opts o = { .root = g->root, .bundle = ".", .systemd_cgroup = g->systemd_cgroup };
	bool detach = false, keep = false;
	const char *stats_file = NULL;
	if (parse(argc, argv, true, &o, &detach, &keep, &stats_file, err) < 0)
		return 1;
	if (stats_file && detach)
		return hull_errf(err, EINVAL, "run: --stats-file needs a foreground run (no --detach)"), 1;
	o.foreground = !detach;
	struct hull_host_cpu host0;
	uint64_t t0 = hull_now_ns();
	if (stats_file)
		hull_host_cpu_sample(&host0);

	/* Signals that arrive while we create wait in the queue, then go to the container. */
	struct hull_waiter w;
	if (!detach && hull_waiter_block_signals(&w, err) < 0)
		return 1;
	/* As runc: what the container orphans outside its own pid namespace
	 * comes to us, and the waiter reaps it. */
	if (!detach && !o.no_subreaper && hull_waiter_subreaper(err) < 0)
		return 1;
	struct hull_container c;
	struct hull_created out;
	if (hull_create(&o, &c, &out, err) < 0)
		return 1;
	hull_trace("create");
	if (hull_start_notify(&c, o.notify_socket, err) < 0) {
		struct hull_err derr = {0};
		hull_delete(&c, true, &derr);
		hull_container_close(&c);
		close(out.pidfd);
		return 1;
	}
	if (detach) {
		close(out.pidfd);
		hull_container_close(&c);
		return 0;
	}
	/* Let kill, pause and delete in while the container runs. */
	flock(c.dirfd, LOCK_UN);
	c.locked = false;
	hull_trace("start");
	int status = hull_waiter_run(&w, &out, err);
	close(out.pidfd);
	hull_trace("wait");
	/* The init is gone but its cgroup is not: its counters still hold. */
	if (status >= 0 && stats_file)
		hull_write_stats_file(stats_file, &c, status, hull_now_ns() - t0, &host0, err);
	if (status < 0)
		status = 1;
	if (!keep) {
		struct hull_container d;
		struct hull_err derr = {0};
		/* Someone may have deleted it meanwhile: then there is nothing to do. */
		if (hull_container_open(g->root, o.id, true, &d, &derr) == 0) {
			if (hull_delete(&d, true, &derr) < 0 && !err->code)
				*err = derr;
			hull_trace("delete");
			hull_container_close(&d);
		}
	}
	hull_container_close(&c);
	return status;
}
