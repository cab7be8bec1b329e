/* The command line: global options, one file per command (cmd-*.c). */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/err.h"
#include "../base/log.h"

struct hull_globals {
	const char *root;	/* --root, default /run/hull ($XDG_RUNTIME_DIR/hull when not root) */
	const char *log;	/* --log FILE or NULL */
	bool log_json;		/* --log-format json */
	bool debug;
	bool systemd_cgroup;
};

/* A command returns its exit status (0, 1, or the container's) and sets err
 * when it failed; main prints err as one line and logs it. */
struct hull_cmd {
	const char *name;
	const char *synopsis;	/* for --help */
	int (*run)(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
};

const struct hull_cmd *hull_cmd_find(const char *name);
void hull_cmd_usage(const struct hull_cmd *cmd, int fd);

int hull_cmd_create(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_exec(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_start(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_run(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_state(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_kill(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_delete(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_list(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_ps(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_spec(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_features(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_help(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);

/* Opens the --log of g (base/log.h). */
void hull_log_init(const struct hull_globals *g);

int hull_cmd_pause(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_resume(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);
int hull_cmd_events(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);

/* Go's duration syntax ("5s", "500ms", "1m30s") in ns; 0 or -EINVAL/-ERANGE. */
int hull_parse_duration(const char *s, uint64_t *ns);

int hull_cmd_update(const struct hull_globals *g, int argc, char **argv, struct hull_err *err);

/* A size as runc's update flags take it (docker's units.RAMInBytes): "64m",
 * "1.5g", "512k", "4096", with -1 for unlimited. 0 or -EINVAL/-ERANGE. */
int hull_parse_ram(const char *s, int64_t *out);

/* Signal names as runc takes them: KILL, SIGKILL, 9, RTMIN+1. 0 or -EINVAL. */
int hull_parse_signal(const char *s, int *sig);

/* Shared option parsing: returns the option char, -1 at the end, or '?'
 * after setting err. Long options take one dash or two, as Go's flag does. */
struct option;
int hull_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
		const struct option *longopts, struct hull_err *err);

/* Checks that exactly want operands remain after the options ("ID"). */
int hull_operands(int argc, char **argv, const char *cmd, const char *names, int want_min,
		  int want_max, struct hull_err *err);

#endif
