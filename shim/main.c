/* containerd-shim-hull-v2: the flags containerd gives a shim (Go's flag
 * syntax: -name value, -name=value, one dash or two), then the action:
 * start, delete, or serve (the daemon start runs). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../base/cleanup.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../runtime/sealed-exe.h"
#include "shim.h"

static const char *const *flag_slot(struct shim_opts *o, const char *name)
{
	static const char *const names[] = { "namespace", "id", "address", "publish-binary", "bundle", "socket" };
	const char **slots[] = { &o->namespace_, &o->id, &o->address, &o->publish_binary, &o->bundle, &o->socket };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return slots[i];
	return NULL;
}

/* The index of the action, or -1 with err set. */
static int parse_flags(int argc, char **argv, struct shim_opts *o, bool *version, struct hull_err *err)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		char *name = argv[i] + 1 + (argv[i][1] == '-');
		char *eq = strchr(name, '=');
		_cleanup_free_ char *key = eq ? hull_xstrndup(name, (size_t)(eq - name)) : hull_xstrdup(name);
		if (!strcmp(key, "debug")) {
			o->debug = !eq || !strcmp(eq + 1, "true");
			continue;
		}
		if (!strcmp(key, "v") || !strcmp(key, "version")) {
			*version = true;
			continue;
		}
		const char **slot = (const char **)flag_slot(o, key);
		if (!slot)
			return hull_errf(err, EINVAL, "flag provided but not defined: -%s", key);
		if (!eq && i + 1 >= argc)
			return hull_errf(err, EINVAL, "flag needs an argument: -%s", key);
		*slot = eq ? eq + 1 : argv[++i];
	}
	return i;
}

/* The serving shim: log to containerd's "log" fifo, subreaper, the loop. */
static int serve(struct shim_opts *o, char **argv, struct hull_err *err)
{
	int r = hull_exe_seal(argv, err);
	if (r < 0)
		return r;
	int log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	hull_log_use_fd(log, o->debug);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return hull_syserr(err, errno, "PR_SET_CHILD_SUBREAPER");
	struct shim s = { .o = *o, .publisher.fd = -1, .listener.fd = -1, .signals.fd = -1 };
	s.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s.devnull < 0)
		return hull_syserr(err, errno, "/dev/null");
	fcntl(3, F_SETFD, FD_CLOEXEC);
	hull_log("debug", "serving on %s", o->socket ? o->socket : "fd 3");
	r = shim_serve(&s, 3, err);
	if (o->socket)
		unlink(o->socket);
	hull_log("debug", "shim exits");
	return r;
}

int main(int argc, char **argv)
{
	/* Containers sharing our pid namespace must not reach our binary
	 * through /proc/PID/exe (see sealed-exe.c). */
	prctl(PR_SET_DUMPABLE, 0);
	struct shim_opts o = { .ttrpc_address = getenv("TTRPC_ADDRESS") };
	struct hull_err err = { 0 };
	bool version = false;
	int i = parse_flags(argc, argv, &o, &version, &err);
	const char *action = i >= 0 && i < argc ? argv[i] : "";
	int r = i < 0 ? i : 0;
	if (r == 0 && version) {
		printf("%s:\n  Version:  %s\n", argv[0], HULL_VERSION);
		return 0;
	}
	if (r == 0 && (!o.namespace_ || !*o.namespace_))
		r = hull_errf(&err, EINVAL, "shim namespace cannot be empty");
	if (r == 0 && !strcmp(action, "start"))
		r = shim_cmd_start(&o, argv, &err);
	else if (r == 0 && !strcmp(action, "delete"))
		r = shim_cmd_delete(&o, &err);
	else if (r == 0 && !strcmp(action, "serve"))
		r = serve(&o, argv, &err);
	else if (r == 0)
		r = hull_errf(&err, EINVAL, "unknown action \"%s\" (start, delete)", action);
	if (r < 0) {
		hull_log("error", "%s", err.msg);
		fprintf(stderr, "containerd-shim-hull-v2: %s\n", err.msg);
		return 1;
	}
	return 0;
}
