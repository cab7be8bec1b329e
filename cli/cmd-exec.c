/* `exec`: runc's options. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cleanup.h"
#include "../base/util.h"
#include "../runtime/exec.h"
#include "cli.h"

enum {
	OPT_PROCESS = 256, OPT_CONSOLE, OPT_PID_FILE, OPT_PRESERVE, OPT_CWD, OPT_CAP, OPT_NNP,
	OPT_LABEL, OPT_APPARMOR, OPT_IGNORE_PAUSED, OPT_CGROUP, OPT_PIDFD_SOCKET,
};

static void push(char ***v, size_t *n, char *s)
{
	*v = hull_xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static int parse_gids(const char *s, struct hull_exec_opts *o, struct hull_err *err)
{
	_cleanup_free_ char *copy = hull_xstrdup(s);
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t g;
		if (hull_parse_u64(t, &g) < 0 || g > UINT32_MAX - 1)
			return hull_errf(err, EINVAL, "exec: --additional-gids: \"%s\" is not a gid", t);
		o->gids = hull_xrealloc(o->gids, (o->n_gids + 1) * sizeof(gid_t));
		o->gids[o->n_gids++] = (gid_t)g;
	}
	return 0;
}

static int parse(int argc, char **argv, struct hull_exec_opts *o, struct hull_err *err)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
		{ 0 },
	};
	int c;
	while ((c = hull_getopt(argc, argv, "exec", "p:tde:u:g:c:", opts, err)) != -1) {
		int64_t n;
		switch (c) {
		case 'p': o->process_file = optarg; break;
		case 't': o->tty = o->tty_set = true; break;
		case OPT_CONSOLE: o->console_socket = optarg; break;
		case 'd': o->detach = true; break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_PRESERVE:
			if (hull_parse_i64(optarg, &n) < 0 || n < 0 || n > 65536)
				return hull_errf(err, EINVAL, "exec: --preserve-fds: \"%s\" is not a count of fds", optarg);
			o->preserve_fds = (int)n;
			break;
		case OPT_CWD: o->cwd = optarg; break;
		case 'e': push(&o->env, &o->n_env, optarg); break;
		case 'u': o->user = optarg; break;
		case 'g':
			if (parse_gids(optarg, o, err) < 0)
				return -EINVAL;
			break;
		case 'c': push(&o->caps, &o->n_caps, optarg); break;
		case OPT_NNP: o->no_new_privs = true; break;
		case OPT_LABEL: o->process_label = optarg; break;
		case OPT_APPARMOR: o->apparmor = optarg; break;
		case OPT_IGNORE_PAUSED: o->ignore_paused = true; break;
		case OPT_CGROUP:
			if (o->n_cgroups == sizeof(o->cgroups) / sizeof(o->cgroups[0]))
				return hull_errf(err, E2BIG, "exec: --cgroup: at most %zu", o->n_cgroups);
			o->cgroups[o->n_cgroups++] = optarg;
			break;
		case OPT_PIDFD_SOCKET: o->pidfd_socket = optarg; break;
		default:
			return -EINVAL;
		}
	}
	int r = hull_operands(argc, argv, "exec", "ID [COMMAND [ARGS...]]", 1, -1, err);
	if (r < 0)
		return r;
	o->id = argv[optind];
	o->args = argv + optind + 1;
	o->n_args = (size_t)(argc - optind - 1);
	return 0;
}

int hull_cmd_exec(const struct hull_globals *g, int argc, char **argv, struct hull_err *err)
{
	struct hull_exec_opts o = { .root = g->root };
	int status = parse(argc, argv, &o, err) < 0 ? -EINVAL : hull_exec(&o, err);
	free(o.env);
	free(o.caps);
	free(o.gids);
	return status < 0 ? 1 : status;
}
